"""The EVPPI of a group of inputs learnt together (decision_kit.voi.group_evppi_kernel) against
its closed form: two cells, NPV 0 and a + b z1 + c z2 + noise with z standard normal, so
E[NPV | z] = a + b z1 + c z2 and the group's EVPPI is E[max(0, a + s Z)] - max(0, a) with
s = sqrt(b^2 + c^2): s phi(a/s) + a Phi(a/s) - max(a, 0)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from decision_kit.voi import evppi_kernel, group_evppi_kernel


def _case(n=40_000, seed=0, a=-0.3, b=1.0, c=0.7, noise=2.0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 3))
    m = a + b * z[:, 0] + c * z[:, 1]
    npv = np.column_stack([np.zeros(n), m + noise * rng.standard_normal(n)])
    oracle = float(np.mean(np.maximum(m, 0.0)) - max(np.mean(m), 0.0))  # the true conditional means, this sample
    return z, npv, oracle


def test_the_group_value_matches_the_closed_form_and_the_sample_oracle():
    a, b, c = -0.3, 1.0, 0.7
    s = np.hypot(b, c)
    closed = s * norm.pdf(a / s) + a * norm.cdf(a / s) - max(a, 0.0)
    assert closed == pytest.approx(0.3516, abs=1e-4)
    values = []
    for seed in range(4):
        z, npv, oracle = _case(seed=seed)
        got = group_evppi_kernel(z, npv)
        assert got == pytest.approx(oracle, abs=0.02)  # the fitted means' noise, at 40k trials
        values.append(got)
    assert np.mean(values) == pytest.approx(closed, abs=0.015)


def test_learning_both_inputs_is_worth_more_than_either_alone():
    z, npv, _ = _case(seed=7)
    together = group_evppi_kernel(z, npv)
    assert together > evppi_kernel(z[:, 0], npv) + 0.03 and together > evppi_kernel(z[:, 1], npv) + 0.1


def test_inputs_that_do_not_matter_are_worth_about_nothing():
    rng = np.random.default_rng(3)
    n = 20_000
    z = rng.standard_normal((n, 4))
    npv = np.column_stack([np.zeros(n), 0.5 + rng.standard_normal(n)])  # the decision never depends on z
    assert abs(group_evppi_kernel(z, npv)) < 0.01


def test_too_few_trials_for_the_group_are_refused():
    z = np.random.default_rng(0).standard_normal((50, 5))
    with pytest.raises(ValueError, match="too few"):
        group_evppi_kernel(z, np.zeros((50, 2)))
