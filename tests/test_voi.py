"""Value of information: EVPI against a closed form, EVPPI against its limiting cases, bad requests."""

import math
import textwrap

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import voi
from decision_kit.loading import loads
from decision_kit.simulation import simulate

SIGMA = 300.0

# Two cells of one neutral owner, one year at rate 0:
#   a: revenue X ~ Normal(1000, 300) at full adoption from day one, minus a fixed 1000 at t0
#      -> NPV_a = X - 1000 ~ Normal(0, 300) (the ramp of 0 months rounds adoption to 1 - 4e-11)
#   b: do nothing -> NPV_b = 0; its launch date is uncertain but moves no cash.
# EVPI = E[max(NPV_a, 0)] - max(E[NPV_a], 0) = sigma / sqrt(2 pi) = 119.68 (half-normal mean / 2).
NORMAL = textwrap.dedent(f"""
    name: closed-form
    horizon_years: 1
    discount_rate: 0.0
    options:
      a:
        kind: buy
        costs:
          setup: {{category: implementation, timing: one_off, amount: 1000}}
        benefits:
          uplift: {{category: revenue, amount: {{dist: normal, mean: 1000, sd: {SIGMA}}}, ramp_months: 0}}
      b:
        kind: do_nothing
        launch_months: {{dist: uniform, low: 0, high: 12}}
    owners:
      shared: {{launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
               incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1,
               marketing_share: 0.5}}
""")
X = "options.a.benefits.uplift.amount"
IRRELEVANT = "options.b.launch_months"


@pytest.fixture(scope="module")
def normal_result():
    return simulate(loads(NORMAL), trials=200_000, seed=2)


@pytest.fixture(scope="module")
def default_result():
    return simulate(dk.load_scenario("scenarios/marketing_automation.yaml"), trials=20_000, seed=3)


def test_evpi_two_options_closed_form(normal_result):
    e = voi.evpi(normal_result)
    exact = SIGMA / math.sqrt(2 * math.pi)
    # standard error of the mean of max(N(0, s), 0) - 0 over n trials: s sqrt(1/2 - 1/(2 pi)) / sqrt(n)
    assert e.standard_error == pytest.approx(SIGMA * math.sqrt(0.5 - 1 / (2 * math.pi)) / math.sqrt(2e5), rel=0.02)
    assert abs(e.value - exact) < 4 * e.standard_error
    assert e.trials == 200_000 and e.currency == "USD"
    assert float(e) == e.value and e.expected_npv_perfect - e.expected_npv == pytest.approx(e.value, rel=1e-9)
    assert "worth up to" in e.describe()


def test_evppi_limiting_cases(normal_result):
    e_all = voi.evpi(normal_result)
    for method in ("regression", "binning"):
        e = voi.evppi(normal_result, method=method)
        assert e.inputs == (X, IRRELEVANT)  # ranked, only inputs that vary
        assert e.trials == 100_000  # the kept inputs
        # the only input that moves NPV carries all the value of information ...
        assert e.values[0] == pytest.approx(e.evpi, rel=1e-6 if method == "regression" else 0.01)
        assert e.evpi == pytest.approx(e_all.value, rel=0.02)
        # ... and one that moves nothing is worth (nearly) nothing: only the smoother's noise
        assert e.values[1] < 0.03 * e.evpi
        frame = e.to_frame()
        assert list(frame.columns) == ["input", "evppi", "share_of_evpi"]
        assert frame.share_of_evpi.iloc[0] == pytest.approx(e.values[0] / e.evpi)


def test_evppi_never_exceeds_evpi_on_a_shipped_scenario(default_result):
    binned = voi.evppi(default_result, method="binning")
    assert np.all(binned.values >= 0) and np.all(binned.values <= binned.evpi * (1 + 1e-12))
    fitted = voi.evppi(default_result)
    assert np.all(fitted.values >= 0) and np.all(fitted.values <= fitted.evpi * 1.01)
    assert np.all(np.diff(fitted.values) <= 0)
    # the two smoothers agree on what matters most (the order of close runners-up may differ)
    assert fitted.inputs[0] == binned.inputs[0] and set(fitted.inputs[:4]) == set(binned.inputs[:4])
    only = voi.evppi(default_result, inputs="shared.package_realisation")
    assert only.inputs == ("shared.package_realisation",)


def test_evppi_kernel_groups_a_discrete_input_exactly():
    # x in {0, 1}; cell A pays 2x - 1 plus noise independent of x, cell B pays 0.
    # E[A | x=1] = 1 > 0 = B, E[A | x=0] = -1 < 0: EVPPI = P(x=1) * mean(A | x=1) - max(mean(A), 0).
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, 5000).astype(float)
    a = 2 * x - 1 + rng.normal(0, 3, x.size)
    npv = np.column_stack([a, np.zeros_like(a)])
    expected = (
        (x == 1).mean() * max(a[x == 1].mean(), 0) + (x == 0).mean() * max(a[x == 0].mean(), 0) - max(a.mean(), 0)
    )
    for method in ("regression", "binning"):
        assert voi.evppi_kernel(x, npv, method) == pytest.approx(expected, rel=1e-12)
    assert voi.evppi_kernel(np.ones(10), np.column_stack([np.arange(10.0), -np.arange(10.0)])) == 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"inputs": ["shared.package_realisaton"]}, "not a sampled input.*did you mean 'shared.package_realisation'"),
        ({"inputs": "risks.contact_data_breach.impact"}, "one-off risk impacts are drawn per year"),
        ({"method": "gam"}, "method must be one of regression, binning"),
        ({"method": "binning", "bins": 1}, "bins must be an integer of at least 2"),
        ({"knots": -1}, "knots must be an integer of at least 0"),
    ],
)
def test_evppi_bad_requests(default_result, kwargs, message):
    with pytest.raises(dk.ScenarioError, match=message):
        voi.evppi(default_result, **kwargs)


def test_voi_needs_a_result():
    with pytest.raises(dk.ScenarioError, match="expected a simulation Result"):
        voi.evpi({"npv": np.zeros((3, 2))})
    with pytest.raises(dk.ScenarioError, match="expected a simulation Result"):
        voi.evppi(loads(NORMAL))
