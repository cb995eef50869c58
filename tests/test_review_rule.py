"""The threshold stop rule (decision_kit.staging.review_rule) against hand-worked cases.

One review, a project that delivers 1,000 (probability 0.7) or nothing, carrying on costs 500,
the review measures the benefit with normal error sd 400. Carrying on pays when
P(delivered | s) > 1/2, i.e. 0.7 phi((s - 1000)/400) > 0.3 phi(s/400):
s* = (1000^2 + 2 x 400^2 ln(3/7)) / 2000 = 364.43. The rule's value is
0.7 x 500 x P(s > s* | 1000) - 0.3 x 500 x P(s > s* | 0); commit now is 0.7 x 500 - 0.3 x 500 = 200.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from decision_kit.staging import least_squares_policy
from decision_kit.staging.review_rule import ThresholdStop, fit_thresholds, threshold_review_policy

S_STAR = (1000**2 + 2 * 400**2 * math.log(3 / 7)) / 2000
VALUE = 0.7 * 500 * norm.sf((S_STAR - 1000) / 400) - 0.3 * 500 * norm.sf(S_STAR / 400)


def _case(n=60_000, seed=0):
    rng = np.random.default_rng(seed)
    theta = np.where(rng.random(n) < 0.7, 1000.0, 0.0)
    signal = theta + 400 * rng.standard_normal(n)
    obs = [np.column_stack([signal, np.full(n, 100.0), np.ones(n), np.zeros(n)])]
    return obs, np.zeros((n, 1)), theta - 500


def test_the_hand_worked_numbers():
    assert S_STAR == pytest.approx(364.43, abs=0.01)
    assert VALUE == pytest.approx(0.7 * 500 * 0.94342 - 0.3 * 500 * 0.18184, rel=1e-3)


def test_the_threshold_is_the_bayes_rule_and_its_value_the_closed_form():
    obs, exercise, terminal = _case()
    policy = threshold_review_policy(obs, exercise, terminal, seed=1)
    rule = policy.regressions[0]
    assert isinstance(rule, ThresholdStop)
    assert rule.threshold == pytest.approx(S_STAR, abs=45)  # the fitted threshold's sampling error at 30k trials
    assert policy.commit_now_value == pytest.approx(200, abs=3 * 500 / math.sqrt(30_000))
    assert policy.value_out_of_sample == pytest.approx(VALUE, abs=3 * policy.standard_error + 1.0)
    assert policy.value_in_sample >= policy.value_out_of_sample - 4 * policy.standard_error


def test_it_does_at_least_as_well_as_least_squares_here():
    obs, exercise, terminal = _case(seed=5)
    rule = threshold_review_policy(obs, exercise, terminal, seed=2)
    lsm = least_squares_policy(obs, exercise, terminal, degree=2, seed=2)
    paired = rule.value_out_of_sample - lsm.value_out_of_sample
    assert paired > -2 * rule.standard_error


def test_seen_failures_and_idle_trials_stop_together_where_that_pays():
    # two trials seen failed (stopping pays 10 each), one idle (carrying on pays 5), two live
    x = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0], [50, 0, 1, 0], [900, 0, 1, 0]], dtype=float)
    exercise = np.zeros((5, 1))
    terminal = np.array([-10, -10, 5, -20, 300], dtype=float)
    (rule,) = fit_thresholds([x], exercise, terminal, np.ones((5, 1), bool))
    assert rule.stop_flagged and not rule.stop_idle
    assert rule.threshold == pytest.approx(475.0)  # between 50 (stopping it gains 20) and 900 (it pays 300)
    assert list(rule.predict(x) < 0) == [True, True, False, True, False]


def test_two_reviews_backwards():
    # year 1: signal 1 or 2; year 2: stopping is worth 0, carrying on -5 (signal 1) or +5 (signal 2);
    # stopping at year 1 is worth -1 for everyone. Best: carry on at year 1, stop at year 2 on signal 1
    s = np.array([1.0, 2.0, 1.0, 2.0])
    x = np.column_stack([s, np.zeros(4), np.ones(4), np.zeros(4)])
    exercise = np.array([[-1, 0], [-1, 0], [-1, 0], [-1, 0]], dtype=float)
    terminal = np.array([-5, 5, -5, 5], dtype=float)
    first, second = fit_thresholds([x, x], exercise, terminal, np.ones((4, 2), bool))
    assert first.threshold == -np.inf and second.threshold == pytest.approx(1.5)


def test_never_stopping_is_commit_now_bit_for_bit():
    obs, _, terminal = _case(n=2_000)
    exercise = np.full((2_000, 1), -1e12)  # stopping never pays
    policy = threshold_review_policy(obs, exercise, terminal, seed=0)
    np.testing.assert_array_equal(policy.npv(obs, exercise, terminal), terminal)
