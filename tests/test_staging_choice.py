"""A choice among several options after a wait (decision_kit.staging.choice), against closed forms.

The reference: two options with independent latent payoffs theta_i ~ N(mu_i, tau^2), signals
s_i = theta_i + N(0, sigma^2). Given the signals, E[theta_i | s] = m_i is normal with mean mu_i
and standard deviation v = tau^2 / sqrt(tau^2 + sigma^2), independent across options; the best
choice after the wait is worth E[max(m_1, m_2, 0)], committing now max(mu_1, mu_2, 0). That
expectation is computed here by numerical integration with scipy, E[max(Y, 0)] =
integral over y > 0 of 1 - P(m_1 <= y) P(m_2 <= y), never by the code under test.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm

from decision_kit.errors import ScenarioError
from decision_kit.staging import choice_rule, threshold_rule
from decision_kit.staging.choice import choice_npv, choose, own_signal_cut


def expected_max_with_zero(mus, v: float) -> float:
    """E[max(X_1, ..., X_k, 0)] for independent X_i ~ N(mu_i, v^2), by quadrature."""

    def above(y):
        return 1.0 - np.prod([norm.cdf((y - m) / v) for m in mus])

    return integrate.quad(above, 0.0, np.inf)[0]


def _problem(mus, tau, sigma, n, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(mus, tau, (n, len(mus)))
    return theta, theta + sigma * rng.standard_normal(theta.shape)


def _value(rule, signals, payoffs):
    """Out-of-sample value of the rule against committing now to the best mean on the valued trials."""
    v = rule.valued
    means = [*payoffs[v].mean(axis=0), 0.0]
    best = int(np.argmax(means))
    now = payoffs[v, best] if best < payoffs.shape[1] else np.zeros(v.size)
    d = rule.npv(signals[v], payoffs[v]) - now
    return d.mean(), d.std(ddof=1) / np.sqrt(d.size)


def test_the_quadrature_reference_is_right_in_a_hand_worked_case():
    # one option at mu = 0: E[max(X, 0)] = v phi(0) = v / sqrt(2 pi)
    assert expected_max_with_zero([0.0], 2.0) == pytest.approx(2.0 / np.sqrt(2 * np.pi), rel=1e-9)
    # two options at mu = 0: max(X1, X2) has mean v / sqrt(pi) (Clark 1961), and P(max < 0) = 1/4;
    # E[max(X1, X2, 0)] = E[max(X1, X2)] + E[max(-max(X1, X2), 0)] = v / sqrt(pi) + E[(-M)^+], with
    # E[(-M)^+] = integral over y > 0 of P(M < -y) = integral of Phi(-y/v)^2 dy (Phi(-y/v)^2 is P(both < -y))
    tail = integrate.quad(lambda y: norm.cdf(-y / 2.0) ** 2, 0, np.inf)[0]
    assert expected_max_with_zero([0.0, 0.0], 2.0) == pytest.approx(2.0 / np.sqrt(np.pi) + tail, rel=1e-9)


@pytest.mark.parametrize("sigma", [0.0, 20.0])  # the noiseless limit, and as noisy as the prior
def test_two_options_after_a_wait_are_worth_the_expected_max_of_the_posterior_means(sigma):
    mus, tau = [10.0, 5.0], 20.0
    theta, s = _problem(mus, tau, sigma, 200_000, [21, int(sigma)])
    rule = choice_rule(s, theta, seed=2)
    value, se = _value(rule, s, theta)
    v = tau**2 / np.sqrt(tau**2 + sigma**2)
    reference = expected_max_with_zero(mus, v) - max(*mus, 0.0)
    assert abs(value - reference) < 3 * se
    assert rule.constant is None  # the signals pay: the rule uses them
    # the shares: in the noiseless limit the rule takes the best of theta_1, theta_2 and 0, so it
    # ends in none with P(both < 0) = Phi(-10/20) Phi(-5/20)
    if sigma == 0:
        assert rule.shares[2] == pytest.approx(norm.cdf(-0.5) * norm.cdf(-0.25), abs=0.005)


def test_the_value_falls_as_the_signals_get_noisier_and_vanishes_when_they_are_noise():
    mus, tau = [10.0, 5.0], 20.0
    values = []
    for sigma in (0.0, 20.0, 80.0, 1e6):
        theta, s = _problem(mus, tau, sigma, 100_000, 4)  # the same latent draws for each noise
        values.append(_value(choice_rule(s, theta, seed=3), s, theta))
    means = [m for m, _ in values]
    assert means[0] > means[1] > means[2]
    mean, se = values[-1]
    assert abs(mean) < 3 * se + 1e-12  # signals of pure noise teach nothing


def test_one_option_ends_where_the_exact_threshold_does():
    # with one option the regression on a normal signal is linear, so the rule is a threshold at
    # the preposterior s* = K + (sigma^2 / tau^2)(K - mu) = 0 + 1 (0 - (-1)) = 1 (mu -1, K 0)
    theta, s = _problem([-1.0], 1.0, 1.0, 100_000, 8)
    rule = choice_rule(s, theta, seed=5, degree=1)
    cut, simple = own_signal_cut(rule, 0, np.zeros(1), np.linspace(-3, 5, 8001))
    assert simple and cut == pytest.approx(1.0, abs=0.05)
    exact = threshold_rule(s[:, 0], theta[:, 0], np.zeros(s.shape[0]), seed=5)
    assert exact.threshold == pytest.approx(1.0, abs=0.1)
    assert np.array_equal(rule.valued, exact.valued)  # the same split of the trials for the same seed


def test_a_regression_that_loses_on_the_fit_trials_gives_way_to_the_best_constant_choice():
    # y = s below 1, 0 from 1 to 3, -100 above 3: a straight line in s has mean
    # E[s; s < 1] - 100 P(s > 3) = -phi(1) - 100 (1 - Phi(3)) = -0.377 and a positive slope
    # (cov(s, y) = E[s^2; s < 1] - 100 phi(3) = 0.60 - 0.44 = 0.16), so it commits from s = 2.4,
    # where y is 0 or -100: a loss. Always staying pays 0, the best constant (the mean is negative).
    assert -norm.pdf(1) - 100 * norm.sf(3) == pytest.approx(-0.377, abs=1e-3)
    s = np.random.default_rng(3).standard_normal(100_000)
    y = np.where(s < 1, s, 0.0) - 100 * (s > 3)
    rule = choice_rule(s, y, seed=1, degree=1)
    assert rule.constant == 1 and rule.regressions is None
    assert rule.value_in_sample == 0 and rule.value_out_of_sample == 0 and rule.shares.tolist() == [0.0, 1.0]


def test_the_choice_kernel_takes_the_highest_fitted_payoff_or_none():
    class Fixed:
        def __init__(self, values):
            self.values = np.asarray(values, dtype=float)

        def predict(self, x):
            return self.values

    regs = [Fixed([1.0, -1.0, 0.5, -2.0]), Fixed([2.0, -0.5, 0.1, -3.0])]
    picked = choose(regs, np.zeros((4, 2)))
    assert picked.tolist() == [1, 2, 0, 2]
    payoffs = np.array([[5.0, 7.0], [1.0, 1.0], [3.0, -4.0], [9.0, 9.0]])
    assert choice_npv(picked, payoffs).tolist() == [7.0, 0.0, 3.0, 0.0]
    assert choice_npv(picked, payoffs, cost=1.0).tolist() == [6.0, -1.0, 2.0, -1.0]


@settings(max_examples=40, deadline=None)
@given(
    mu1=st.floats(-2, 2),
    mu2=st.floats(-2, 2),
    tau=st.floats(0.1, 3),
    sigma=st.floats(0.0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_out_of_sample_value_is_never_below_minus_three_se_and_in_sample_beats_every_constant(
    mu1, mu2, tau, sigma, seed
):
    theta, s = _problem([mu1, mu2], tau, sigma, 2_000, seed)
    rule = choice_rule(s, theta, seed=seed)
    value, se = _value(rule, s, theta)
    assert value >= -3 * se - 1e-9
    # on the fit trials the rule pays at least what always taking one option, or none, pays
    f = rule.fit
    assert rule.value_in_sample >= max(*theta[f].mean(axis=0), 0.0) - 1e-9


def test_bad_arguments_are_rejected_with_a_plain_message():
    with pytest.raises(ScenarioError, match="one signal per option"):
        choice_rule(np.zeros((10, 1)), np.zeros((10, 2)))
    with pytest.raises(ScenarioError, match="non-finite"):
        choice_rule(np.zeros((10, 2)), np.full((10, 2), np.nan))
