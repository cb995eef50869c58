"""Staged decisions (decision_kit.staging), checked against closed forms and published tables.

Sources: Raiffa and Schlaifer (1961) normal-normal preposterior analysis, worked by hand below;
Longstaff and Schwartz (2001), Review of Financial Studies 14(1), Table 1 and the 8-path
example of section 1; Black and Scholes (1973) computed here from scipy.stats.norm (the
deferral setting of Benaroch and Kauffman 1999). Every simulation has an explicit seed.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import multivariate_normal, norm

from decision_kit.errors import ScenarioError
from decision_kit.staging.lsm import fit_least_squares, least_squares_policy, policy_npv, stopping_dates
from decision_kit.staging.threshold import defer_rule, threshold_npv, threshold_rule
from decision_kit.staging.trials import value_of_flexibility
from decision_kit.voi import evppi_kernel

# --- Raiffa-Schlaifer preposterior closed form -----------------------------------------------------


def _preposterior(mu, tau, sigma, k):
    """Hand-worked closed form: posterior mean m(s) = mu + w (s - mu), w = tau^2/(tau^2+sigma^2);
    scale iff m(s) > K; m(s) ~ N(mu, w tau^2). Returns (s*, E[max(m - K, 0)], value of information)."""
    w = tau**2 / (tau**2 + sigma**2)
    sd_m = tau * np.sqrt(w)
    d = (mu - k) / sd_m
    value = (mu - k) * norm.cdf(d) + sd_m * norm.pdf(d)
    return mu + (k - mu) / w, value, value - max(mu - k, 0.0)


def _normal_problem(mu, tau, sigma, k, n, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(mu, tau, n)
    return theta, theta + rng.normal(0.0, sigma, n), theta - k


@pytest.mark.parametrize("mu", [0.0, 0.8])  # commit now = stop, and commit now = scale
def test_preposterior_closed_form_raiffa_schlaifer(mu):
    tau, sigma, k = 1.0, 1.0, 0.5
    s_star, value, voi = _preposterior(mu, tau, sigma, k)
    thresholds = []
    for rep in range(20):
        _, s, go = _normal_problem(mu, tau, sigma, k, 40_000, [14, rep])
        rule = threshold_rule(s, go, np.zeros_like(go), seed=rep)
        assert rule.direction == 1
        thresholds.append(rule.threshold)
        assert abs(rule.value_out_of_sample - value) < 3 * rule.standard_error
        assert abs(rule.flexibility - voi) < 3 * rule.flexibility_standard_error
    se = np.std(thresholds, ddof=1) / np.sqrt(len(thresholds))
    assert abs(np.mean(thresholds) - s_star) < 3 * se
    # the design document's form of the same threshold: s* = K + (sigma^2/tau^2)(K - mu)
    assert s_star == pytest.approx(k + sigma**2 / tau**2 * (k - mu))


def test_preposterior_error_rates_match_the_bivariate_normal():
    """P(stop and scaling pays) = P(s < s*, theta > K); P(scale and it does not) = P(s > s*, theta < K)."""
    mu, tau, sigma, k = 0.0, 1.0, 1.0, 0.5
    theta, s, go = _normal_problem(mu, tau, sigma, k, 200_000, 3)
    rule = threshold_rule(s, go, np.zeros_like(go), seed=4)
    s_star, _, _ = _preposterior(mu, tau, sigma, k)
    joint = multivariate_normal([mu, mu], [[tau**2 + sigma**2, tau**2], [tau**2, tau**2]])
    both_below = joint.cdf([s_star, k])
    stop_pays = norm.cdf(s_star, mu, np.hypot(tau, sigma)) - both_below
    go_loses = norm.cdf(k, mu, tau) - both_below
    n = rule.valued.size
    for measured, expected in ((rule.p_stop_when_go_pays, stop_pays), (rule.p_go_when_stop_pays, go_loses)):
        # the fitted threshold's own noise (sd about 0.03 in s) widens the binomial error by half
        assert abs(measured - expected) < 4.5 * np.sqrt(expected * (1 - expected) / n)
    assert rule.p_stop == pytest.approx(norm.cdf(s_star, mu, np.hypot(tau, sigma)), abs=0.01)


def test_preposterior_value_falls_with_noise_to_evppi_and_to_zero():
    mu, tau, k, n = 0.0, 1.0, 0.5, 100_000
    rng = np.random.default_rng(41)
    theta, eps = rng.normal(mu, tau, n), rng.standard_normal(n)  # common random numbers
    sigmas = [1e-9, 0.5, 1.0, 2.0, 4.0, 1e9]
    rules = [threshold_rule(theta + sd * eps, theta - k, np.zeros(n), seed=5) for sd in sigmas]
    values = [r.flexibility for r in rules]
    closed = [_preposterior(mu, tau, sd, k)[2] for sd in sigmas]
    assert np.all(np.diff(closed) < 0)
    assert np.all(np.diff(values[:-1]) < 0)
    for r, c in zip(rules, closed, strict=True):
        assert abs(r.flexibility - c) < 3 * r.flexibility_standard_error + 1e-12
    # sigma -> 0: the EVPPI of theta, closed form E[max(theta - K, 0)] - max(mu - K, 0) and voi's
    d = (mu - k) / tau
    evppi_closed = (mu - k) * norm.cdf(d) + tau * norm.pdf(d) - max(mu - k, 0.0)
    v = rules[0].valued
    evppi_mc = evppi_kernel(theta[v], np.column_stack([theta[v] - k, np.zeros(v.size)]))
    assert abs(values[0] - evppi_closed) < 3 * rules[0].flexibility_standard_error
    assert abs(values[0] - evppi_mc) < 3 * rules[0].flexibility_standard_error
    # sigma -> infinity: nothing is learned, the value of the pilot is zero within Monte Carlo error
    assert abs(values[-1]) < 3 * rules[-1].flexibility_standard_error
    assert rules[-1].flexibility_in_sample >= 0


# --- bounds: a noiseless pilot is worth the input's EVPPI ------------------------------------------


def _two_input_problem(n=100_000, seed=8):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal(n), rng.lognormal(0.0, 0.5, n)
    go = 40.0 * x1 + 30.0 * (x2 - np.exp(0.125)) - 15.0  # NPV of scaling; stopping is 0
    return x1, x2, go, np.zeros(n)


def test_free_noiseless_pilot_is_worth_the_inputs_evppi_and_a_cost_c_less():
    x1, _, go, stop = _two_input_problem()
    free = threshold_rule(x1, go, stop, seed=9)  # the signal is the input itself
    v = free.valued
    evppi = evppi_kernel(x1[v], np.column_stack([go[v], stop[v]]))
    assert free.flexibility > 5.0
    assert abs(free.flexibility - evppi) < 3 * free.flexibility_standard_error
    c = 2.5
    paid = threshold_rule(x1, go, stop, cost=c, seed=9)
    assert paid.threshold == free.threshold and paid.direction == free.direction
    assert paid.flexibility == pytest.approx(free.flexibility - c, rel=0, abs=1e-12)
    assert paid.value_out_of_sample == pytest.approx(free.value_out_of_sample - c, rel=0, abs=1e-12)
    per_trial = paid.npv(x1, go, stop, cost=np.full(x1.size, c))
    np.testing.assert_allclose(per_trial, free.npv(x1, go, stop) - c, rtol=0, atol=1e-12)


def test_noisy_pilot_is_worth_at_most_the_evppi():
    x1, _, go, stop = _two_input_problem()
    noisy = x1 + np.random.default_rng(10).normal(0.0, 0.7, x1.size)
    free, rule = threshold_rule(x1, go, stop, seed=11), threshold_rule(noisy, go, stop, seed=11)
    assert rule.flexibility < free.flexibility
    v = rule.valued
    evppi = evppi_kernel(x1[v], np.column_stack([go[v], stop[v]]))
    assert rule.flexibility <= evppi + 3 * rule.flexibility_standard_error


# --- degeneracy ----------------------------------------------------------------------------------


def test_never_stop_reproduces_commit_now_bit_for_bit():
    x1, _, go, stop = _two_input_problem(20_000)
    npv = threshold_npv(x1, go, stop, -np.inf, 1)
    assert np.array_equal(npv, go)
    assert np.array_equal(threshold_npv(x1, go, stop, np.inf, -1), go)
    # stopping never pays in any trial: the fitted rule never stops and is commit-now exactly
    dominant = np.abs(go) + 1.0
    rule = threshold_rule(x1, dominant, stop, seed=12)
    assert rule.threshold == -np.inf and rule.p_stop == 0.0
    assert np.array_equal(rule.npv(x1, dominant, stop), dominant)
    assert rule.flexibility == 0.0 and rule.value_out_of_sample == rule.commit_now_value


def _switch_problem(n, switching_cost, seed=13):
    """Vendor acquired in some trials at year-end 1, 2 or 3; switching then avoids the later price
    rises (observed: the price multiplier) at ``switching_cost``. ``terminal`` is never switching."""
    rng = np.random.default_rng(seed)
    acquired = rng.random((n, 3)) < 0.3
    multiplier = np.cumprod(1.0 + rng.normal(0.03, 0.05, (n, 3)) + 0.2 * acquired, axis=1)
    later = np.array([3.0, 2.0, 1.0])  # years of licence left after each year-end
    terminal = 500.0 - 100.0 * (multiplier * later).mean(axis=1) - rng.normal(0.0, 20.0, n)
    exercise = terminal[:, None] + 100.0 * (multiplier - 1.0) * later - switching_cost
    observed = [np.column_stack([multiplier[:, t], acquired[:, : t + 1].any(axis=1)]) for t in range(3)]
    return observed, exercise, terminal


def test_infinite_switching_cost_reproduces_no_switch_bit_for_bit():
    observed, exercise, terminal = _switch_problem(20_000, np.inf)
    policy = least_squares_policy(observed, exercise, terminal, degree=2, seed=14)
    assert policy.regressions == (None, None, None) and policy.p_stop == 0.0
    assert np.array_equal(policy.npv(observed, exercise, terminal), terminal)
    assert policy.value_out_of_sample == terminal[policy.valued].mean()
    assert policy.flexibility == 0.0
    # with a finite cost switching happens, and it pays
    observed, exercise, terminal = _switch_problem(20_000, 10.0)
    policy = least_squares_policy(observed, exercise, terminal, degree=2, seed=14)
    assert policy.p_stop > 0.05
    assert policy.flexibility > 3 * policy.flexibility_standard_error


def test_abandonment_with_a_perfect_observation_is_worth_the_per_trial_loss_avoided():
    """Design 4b, test 6: observing the rest of the project's PV exactly, abandoning (at an exit
    cost) is worth E[max(0, -PV(rest) - exit)], computed per trial on the valued trials."""
    rng = np.random.default_rng(15)
    n, exit_cost = 50_000, 5.0
    to_date, rest = rng.normal(-20.0, 5.0, n), rng.normal(10.0, 30.0, n)
    terminal = to_date + rest
    exercise = (to_date - exit_cost)[:, None]
    policy = least_squares_policy([rest], exercise, terminal, degree=1, seed=16)
    v = policy.valued
    avoided = np.maximum(0.0, -rest[v] - exit_cost)
    assert policy.flexibility == pytest.approx(avoided.mean(), rel=1e-9)
    assert policy.p_stop == pytest.approx(np.mean(rest[v] < -exit_cost), abs=1e-3)


# --- Longstaff and Schwartz (2001) -------------------------------------------------------------------


def _black_scholes(s0, k, r, sigma, t):
    """(call, put), Black and Scholes (1973)."""
    d1 = (np.log(s0 / k) + (r + sigma**2 / 2) * t) / (sigma * np.sqrt(t))
    d2 = d1 - sigma * np.sqrt(t)
    call = s0 * norm.cdf(d1) - k * np.exp(-r * t) * norm.cdf(d2)
    return call, call - s0 + k * np.exp(-r * t)


def test_longstaff_schwartz_2001_table1_american_put():
    s0, k, r, sigma, t, dates, n = 36.0, 40.0, 0.06, 0.20, 1.0, 50, 100_000
    dt = t / dates
    z = np.random.default_rng(2001).standard_normal((n, dates))
    paths = s0 * np.exp(np.cumsum((r - sigma**2 / 2) * dt + sigma * np.sqrt(dt) * z, axis=1))
    exercise = np.exp(-r * dt * np.arange(1, dates + 1)) * np.maximum(k - paths, 0.0)
    observed = [paths[:, j] for j in range(dates)]
    policy = least_squares_policy(observed, exercise, np.zeros(n), eligible_by_date=paths < k, seed=2002)
    for value, se in (
        (policy.value_out_of_sample, policy.standard_error),
        (policy.value_in_sample, policy.standard_error_in_sample),
    ):
        assert abs(value - 4.472) < 3 * se  # LS Table 1, simulated American value
        assert abs(value - 4.478) < 3 * se  # LS Table 1, finite-difference American value
    european, european_se = exercise[:, -1].mean(), exercise[:, -1].std(ddof=1) / np.sqrt(n)
    bs_put = _black_scholes(s0, k, r, sigma, t)[1]
    assert round(bs_put, 3) == 3.844  # LS Table 1, closed-form European value
    assert abs(european - bs_put) < 3 * european_se
    assert policy.value_out_of_sample > european + 10 * policy.standard_error  # early exercise is worth ~0.63


def test_longstaff_schwartz_2001_eight_path_example():
    """Section 1 of the paper: K 1.10, r 6% a period, three exercise dates, basis 1, X, X^2 on the
    in-the-money paths, valued on the same eight paths: 0.1144 (the European is 0.0564)."""
    paths = np.array(
        [
            [1.09, 1.08, 1.34],
            [1.16, 1.26, 1.54],
            [1.22, 1.07, 1.03],
            [0.93, 0.97, 0.92],
            [1.11, 1.56, 1.52],
            [0.76, 0.77, 0.90],
            [0.92, 0.84, 1.01],
            [0.88, 1.22, 1.34],
        ]
    )
    exercise = np.exp(-0.06 * np.arange(1, 4)) * np.maximum(1.10 - paths, 0.0)
    observed, itm = [paths[:, [j]] for j in range(3)], paths < 1.10
    fitted = fit_least_squares(observed, exercise, np.zeros(8), itm, 2)
    when = stopping_dates(fitted, observed, exercise, itm)
    # the paper's stopping rule: paths 4, 6, 7, 8 at date 1, path 3 at date 3, the others never
    assert when.tolist() == [3, 3, 2, 0, 3, 0, 0, 0]
    assert round(policy_npv(when, exercise, np.zeros(8)).mean(), 4) == 0.1144
    assert round(exercise[:, -1].mean(), 4) == 0.0564


# --- deferral ------------------------------------------------------------------------------------------


def test_deferral_equals_the_black_scholes_call_benaroch_kauffman():
    v0, investment, r, sigma, t, n = 100.0, 100.0, 0.05, 0.30, 1.0, 200_000
    z = np.random.default_rng(1999).standard_normal(n)
    v_t = v0 * np.exp((r - sigma**2 / 2) * t + sigma * np.sqrt(t) * z)
    rule = defer_rule(v_t, investment, np.exp(-r * t), seed=3)
    call = _black_scholes(v0, investment, r, sigma, t)[0]
    assert round(call, 2) == 14.23
    assert abs(rule.value_out_of_sample - call) < 3 * rule.standard_error
    assert rule.threshold == pytest.approx(investment, abs=1.0) and rule.direction == 1


# --- non-negativity of the value of flexibility ---------------------------------------------------------


@given(
    mu=st.floats(-2, 2),
    tau=st.floats(0.1, 3),
    sigma=st.floats(0.0, 5),
    k=st.floats(-2, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_out_of_sample_flexibility_is_never_below_minus_three_se(mu, tau, sigma, k, seed):
    _, s, go = _normal_problem(mu, tau, sigma, k, 2_000, seed)
    rule = threshold_rule(s, go, np.zeros_like(go), seed=seed)
    assert rule.flexibility >= -3 * rule.flexibility_standard_error - 1e-12
    assert rule.flexibility_in_sample >= 0.0


@given(cost=st.floats(0.0, 200.0), seed=st.integers(0, 2**32 - 1))
def test_out_of_sample_flexibility_of_switching_is_never_below_minus_three_se(cost, seed):
    observed, exercise, terminal = _switch_problem(3_000, cost, seed)
    policy = least_squares_policy(observed, exercise, terminal, degree=2, seed=seed)
    assert policy.flexibility >= -3 * policy.flexibility_standard_error - 1e-9


# --- arguments -------------------------------------------------------------------------------------------


def test_value_of_flexibility_is_the_paired_mean_and_its_standard_error():
    est = value_of_flexibility([1.0, -2.0, 3.0, 0.0], [1.0, 0.0, 3.0, 2.0])
    mean, se = est
    assert mean == 1.0 and se == pytest.approx(np.std([0.0, 2.0, 0.0, 2.0], ddof=1) / 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: threshold_rule([1.0, 2.0, 3.0], [1.0, 2.0], [0.0, 0.0, 0.0]), "expected 3"),
        (lambda: threshold_rule([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], [0.0] * 3), "non-finite"),
        (lambda: threshold_rule(np.arange(10.0), np.arange(10.0), np.zeros(10), split=1.0), "split"),
        (lambda: threshold_rule(np.arange(10.0), np.arange(10.0), np.zeros(10), cost=np.inf), "cost"),
        (lambda: least_squares_policy([np.ones(4)], np.ones((4, 2)), np.zeros(4)), "dates"),
        (lambda: least_squares_policy([np.ones(4)], np.full((4, 1), np.nan), np.zeros(4)), "NaN"),
        (lambda: least_squares_policy([np.ones(4)], np.ones((4, 1)), np.zeros(4), degree=0), "degree"),
    ],
)
def test_bad_arguments_are_rejected_with_a_plain_message(call, message):
    with pytest.raises(ScenarioError, match=message):
        call()


def test_the_band_kernel_is_the_exhaustive_optimum():
    """fit_band against trying every pair of cuts (stop below, middle between, go above)."""
    from decision_kit.staging.threshold import fit_band

    rng = np.random.default_rng(14)
    for _ in range(30):
        n = int(rng.integers(1, 25))
        s = np.round(rng.normal(size=n), 1)  # ties included
        go, mid = rng.normal(size=n), rng.normal(size=n)
        cuts = np.concatenate([[-np.inf], (np.unique(s)[1:] + np.unique(s)[:-1]) / 2, [np.inf]])
        best = max(
            mid[(s >= lo) & (s < hi)].sum() + go[s >= hi].sum() for i, lo in enumerate(cuts) for hi in cuts[i:]
        )
        low, high, total = fit_band(s, go, mid)
        assert low <= high
        assert total == pytest.approx(best, abs=1e-12)
        assert mid[(s >= low) & (s < high)].sum() + go[s >= high].sum() == pytest.approx(best, abs=1e-12)
