"""Plan-vs-actual review and stakeholder beliefs (decision_kit.review), against hand-worked
references: the normal-normal conjugate update, sunk-cost invariance on a product grid, a
brute-force rejection sampler, textbook Shapley games and a hand-worked two-stakeholder case.
"""

import math

import numpy as np
import pytest
from scipy import stats

from decision_kit.errors import ScenarioError
from decision_kit.review.beliefs import compare_beliefs, disagreement_values, joint_log_density
from decision_kit.review.plan_vs_actual import review
from decision_kit.review.shapley import shapley_kernel, subset_values
from decision_kit.review.smc import CopulaSpace, next_temperature, systematic_resample
from decision_kit.review.trials import ModelOutputs, Trials
from decision_kit.review.weights import Observation, effective_sample_size, normalised_weights


def _trials(inputs, kpis, to_date, to_go, *, inputs_names=None, kpi_names=None, cells=None):
    inputs, kpis, to_go = np.atleast_2d(inputs), np.atleast_2d(kpis), np.atleast_2d(to_go)
    return Trials(
        inputs,
        kpis,
        to_date,
        to_go,
        inputs_names or [f"x{j}" for j in range(inputs.shape[1])],
        kpi_names or [f"k{j}" for j in range(kpis.shape[1])],
        cells or [f"c{j}" for j in range(to_go.shape[1])],
        "EUR",
    )


def _conjugate(m0, s0, y, s):
    """Normal prior N(m0, s0^2), observation y ~ N(x, s^2): posterior mean and variance."""
    precision = 1 / s0**2 + 1 / s**2
    return (m0 / s0**2 + y / s**2) / precision, 1 / precision


# --- 1. conjugate updates -------------------------------------------------------------------


def test_normal_prior_normal_observation_matches_the_conjugate_update():
    rng = np.random.default_rng(11)
    n = 200_000
    x = rng.normal(100.0, 20.0, n)
    other = rng.normal(5.0, 1.0, n)  # independent of the observation: keeps its marginal
    t = _trials(np.column_stack([x, other]), x[:, None], -x, np.column_stack([2 * x - 150, np.zeros(n)]))
    r = review(t, [Observation("k0", 130.0, 15.0)])
    mean, var = _conjugate(100.0, 20.0, 130.0, 15.0)  # 119.2, 144.0
    assert r.method == "importance"
    row = r.inputs.to_frame().set_index("input")
    se_mean, se_var = math.sqrt(var / r.ess), var * math.sqrt(2 / r.ess)
    assert abs(row.loc["x0", "posterior_mean"] - mean) < 4 * se_mean
    assert abs(row.loc["x0", "posterior_sd"] ** 2 - var) < 4 * se_var
    assert abs(row.loc["x1", "posterior_mean"] - 5.0) < 4 / math.sqrt(r.ess)
    assert r.inputs.inputs[0] == "x0"  # sorted by shift: x0 moved about one prior sd
    # NPV to go of c0 is linear in x: 2 * 119.2 - 150 = 88.4 after, 50 before
    assert abs(r.posterior_npv_to_go[0] - (2 * mean - 150)) < 8 * se_mean
    assert r.recommended_before == r.recommended_after == "c0"


def test_lognormal_case_is_conjugate_in_log_space():
    rng = np.random.default_rng(12)
    n = 200_000
    mu0, t0 = math.log(200_000.0), 0.4
    x = np.exp(rng.normal(mu0, t0, n))
    t = _trials(x[:, None], x[:, None], -x, np.column_stack([np.zeros(n)]))
    r = review(t, [Observation("k0", 300_000.0, 0.25, "lognormal")])
    mean, var = _conjugate(mu0, t0, math.log(300_000.0), 0.25)
    logx = np.log(r.posterior.inputs[:, 0])
    m = r.weights @ logx
    v = r.weights @ (logx - m) ** 2
    assert abs(m - mean) < 4 * math.sqrt(var / r.ess)
    assert abs(v - var) < 4 * var * math.sqrt(2 / r.ess)


# --- 2. uninformative observations ---------------------------------------------------------


def _noisy_trials(seed=3, n=5_000):
    rng = np.random.default_rng(seed)
    x = rng.normal([0.0, 10.0, 3.0], [1.0, 2.0, 0.5], (n, 3))
    kpis = np.column_stack([x[:, 0] + x[:, 1], x[:, 2] * 100])
    to_go = np.column_stack([x @ [3.0, 1.0, -2.0], x[:, 1] - 4.0, np.zeros(n)])
    return _trials(x, kpis, -x[:, 2], to_go)


@pytest.mark.parametrize("obs", [Observation("k0", 12.0, math.inf), Observation("k0", 0.0, 1.0, "uninformative")])
def test_an_uninformative_observation_leaves_the_forecast_bit_identical(obs):
    t = _noisy_trials()
    r = review(t, [obs])
    n = t.size
    assert np.all(r.weights == 1.0 / n) and r.ess == n and r.method == "importance"
    assert np.array_equal(r.posterior_npv_to_go, t.npv_to_go.mean(axis=0))
    assert np.array_equal(r.prior_npv_to_go, r.posterior_npv_to_go)
    assert r.posterior_npv_to_date == r.prior_npv_to_date == t.npv_to_date.mean()
    assert np.array_equal(r.inputs.posterior_mean, r.inputs.prior_mean)
    assert np.array_equal(r.inputs.posterior_sd, r.inputs.prior_sd)
    assert np.array_equal(r.inputs.posterior_quantiles, r.inputs.prior_quantiles)
    order = [t.input_names.index(i) for i in r.inputs.inputs]
    assert np.array_equal(
        r.inputs.prior_quantiles, np.quantile(t.inputs[:, order], [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
    )
    assert np.all(r.inputs.shift == 0) and np.all(r.attribution.values == 0)


def test_adding_an_uninformative_observation_changes_no_bit():
    t = _noisy_trials()
    a = review(t, [Observation("k0", 11.0, 1.5)])
    b = review(t, [Observation("k0", 11.0, 1.5), Observation("k1", 1.0, math.inf)])
    assert np.array_equal(a.weights, b.weights)
    assert np.array_equal(a.posterior_npv_to_go, b.posterior_npv_to_go)
    assert np.array_equal(a.inputs.posterior_quantiles, b.inputs.posterior_quantiles)
    assert a.attribution.values[0] == pytest.approx(b.attribution.values[0], abs=1e-9)
    assert b.attribution.values[1] == pytest.approx(0.0, abs=1e-9)


# --- 3. sunk costs ------------------------------------------------------------------------


def _grid_trials(to_go_of):
    """Past cost x1 ~ N(450, 40^2) and future benefit x2 ~ N(120, 30^2) on a product grid of
    normal quantiles: every x1 value meets every x2 value once, so a weight on x1 alone leaves
    any mean over x2 unchanged (exactly, but for rounding)."""
    p1, p2 = (np.arange(200) + 0.5) / 200, (np.arange(50) + 0.5) / 50
    x1, x2 = (a.ravel() for a in np.meshgrid(stats.norm(450, 40).ppf(p1), stats.norm(120, 30).ppf(p2), indexing="ij"))
    x = np.column_stack([x1, x2])
    return _trials(x, x1[:, None], -x1, to_go_of(x1, x2), inputs_names=["cost1", "benefit"], kpi_names=["cost[1]"])


def test_observing_a_past_cost_changes_npv_to_date_not_npv_to_go_or_the_choice():
    t = _grid_trials(lambda x1, x2: np.column_stack([x2 - 100.0, np.zeros_like(x1)]))
    low, high = (review(t, [Observation("cost[1]", v, 10.0)], min_ess=100) for v in (480.0, 530.0))
    np.testing.assert_allclose(low.posterior_npv_to_go, t.npv_to_go.mean(axis=0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(high.posterior_npv_to_go, low.posterior_npv_to_go, rtol=1e-12, atol=1e-9)
    assert low.recommended_after == high.recommended_after == low.recommended_before == "c0"
    # NPV to date is minus the posterior mean cost: conjugate N(450, 40^2) with sd 10 gives
    # 478.24 and 525.29, so adding 50 to the observation moves NPV to date by -47.06.
    m_low, _ = _conjugate(450.0, 40.0, 480.0, 10.0)
    m_high, _ = _conjugate(450.0, 40.0, 530.0, 10.0)
    assert low.posterior_npv_to_date == pytest.approx(-m_low, abs=1.0)
    assert high.posterior_npv_to_date - low.posterior_npv_to_date == pytest.approx(m_low - m_high, abs=1.0)
    assert np.all(high.attribution.values == pytest.approx(0.0, abs=1e-9))


def test_a_past_cost_that_predicts_future_cost_does_move_npv_to_go():
    """Contrast: when the future cost is half the past one, NPV to go moves by -0.5 times the
    posterior shift of the past cost, exactly (linear in x1, x2 averaged out on the grid)."""
    t = _grid_trials(lambda x1, x2: np.column_stack([x2 - 0.5 * x1 + 130.0, np.zeros_like(x1)]))
    r = review(t, [Observation("cost[1]", 530.0, 10.0)], min_ess=100)
    i = r.inputs.inputs.index("cost1")
    shift = r.inputs.posterior_mean[i] - r.inputs.prior_mean[i]
    assert r.delta_npv_to_go == pytest.approx(-0.5 * shift, rel=1e-9)
    assert (
        r.recommended_before == "c0" and r.recommended_after == "c1"
    )  # 25 before, 120 - 0.5 * 525.3 + 130 = -12.6 after


# --- 4. tail observation: tempered SMC against rejection sampling --------------------------

X1, X2 = stats.norm(10.0, 2.0), stats.lognorm(s=0.5, scale=1.0)


def _small_model(x):
    f = x[:, 0] * x[:, 1]
    return ModelOutputs(f[:, None], -x[:, 0], np.column_stack([10 * x[:, 1] - 12, np.zeros(len(x))]))


def _tail_value():
    """The prior's 99.9 % quantile of x1 * x2, by quadrature: P(x1 x2 > y) = E[P(x2 > y / x1)]
    (x1 > 0; P(x1 < 0) = 3e-7 is negligible)."""
    from scipy.integrate import quad
    from scipy.optimize import brentq

    tail = lambda y: quad(lambda a: X1.pdf(a) * X2.sf(y / a), 1e-9, 30.0, limit=200)[0]
    return brentq(lambda y: tail(y) - 0.001, 20.0, 120.0)


def _rejection(y, sd, draws, seed):
    rng = np.random.default_rng(seed)
    kept = []
    for _ in range(draws // 1_000_000):
        a, b = X1.rvs(1_000_000, random_state=rng), X2.rvs(1_000_000, random_state=rng)
        keep = rng.random(a.size) < np.exp(-0.5 * ((y - a * b) / sd) ** 2)
        kept.append(np.column_stack([a[keep], b[keep]]))
    return np.concatenate(kept)


def test_a_tail_observation_triggers_smc_and_agrees_with_rejection_sampling():
    y, sd = _tail_value(), 1.0  # y = 51.3
    rng = np.random.default_rng(21)
    x = np.column_stack([X1.rvs(4000, random_state=rng), X2.rvs(4000, random_state=rng)])
    t = Trials.from_model(
        x, _small_model, input_names=["x1", "x2"], kpi_names=["f"], cell_names=["go", "stop"], currency="EUR"
    )
    obs = [Observation("f", y, sd)]
    with pytest.raises(ScenarioError, match="effective sample size"):
        review(t, obs)  # no model: the degenerate weights are not silently used
    r = review(t, obs, model=_small_model, space=CopulaSpace.from_marginals([X1, X2]), rng=7)
    assert r.method == "smc" and r.ess < r.min_ess == 2000.0
    assert r.smc.temperatures[-1] == 1.0 and len(r.smc.temperatures) >= 2
    assert min(r.smc.stage_ess) >= 0.5 * 4000 * (1 - 1e-6)
    ref = _rejection(y, sd, 8_000_000, seed=22)
    assert ref.shape[0] > 2000
    post = r.posterior.inputs
    for j in range(2):
        se = math.sqrt(ref[:, j].var() / ref.shape[0] + post[:, j].var() / (post.shape[0] / 4))
        assert abs(post[:, j].mean() - ref[:, j].mean()) < 4 * se
    # the posterior moved far: x1 from 10 to about 12, x2 from 1.13 to about 4.3
    assert post[:, 1].mean() > 3.5
    np.testing.assert_allclose(r.posterior.kpis[:, 0], post[:, 0] * post[:, 1])  # re-evaluated


def test_tempering_steps_keep_the_target_ess():
    ll = -0.5 * np.linspace(0, 30, 1000) ** 2
    beta = next_temperature(ll, 0.0, 500.0)
    assert 0 < beta < 1
    assert effective_sample_size(normalised_weights(beta * ll)) == pytest.approx(500.0, rel=1e-6)
    assert next_temperature(np.zeros(10), 0.3, 5.0) == 1.0


def test_systematic_resampling_keeps_each_particle_within_one_copy_of_its_share():
    w = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    idx = systematic_resample(w, np.random.default_rng(0))
    counts = np.bincount(idx, minlength=5)
    assert np.all(np.abs(counts - 5 * w) < 1) and counts[4] == 0


# --- 5. Shapley attribution ----------------------------------------------------------------


def test_shapley_hand_worked_four_trials():
    """NPV to go 0, 10, 20, 30; likelihoods A = 1, 1, 3, 3 and B = 1, 3, 1, 3. By hand:
    V() = 15, V(A) = 160/8 = 20, V(B) = 140/8 = 17.5, V(AB) = 360/16 = 22.5, so
    phi_A = (5 + 5)/2 = 5 and phi_B = (2.5 + 2.5)/2 = 2.5."""
    lik = np.array([[1, 1], [1, 3], [3, 1], [3, 3]], dtype=float)
    v, _ = subset_values(np.log(lik), np.array([0.0, 10.0, 20.0, 30.0]))
    np.testing.assert_allclose(v, [15.0, 20.0, 17.5, 22.5], rtol=1e-14)
    np.testing.assert_allclose(shapley_kernel(v), [5.0, 2.5], rtol=1e-14)


def test_shapley_textbook_games():
    # three-player majority game: v(S) = 1 when |S| >= 2; each player gets 1/3
    v = np.array([1.0 if bin(s).count("1") >= 2 else 0.0 for s in range(8)])
    np.testing.assert_allclose(shapley_kernel(v), [1 / 3] * 3, rtol=1e-14)
    # glove game, player 0 holds a left glove, players 1 and 2 a right one: (2/3, 1/6, 1/6)
    v = np.array([1.0 if s & 1 and s & 6 else 0.0 for s in range(8)])
    np.testing.assert_allclose(shapley_kernel(v), [2 / 3, 1 / 6, 1 / 6], rtol=1e-14)


def test_shapley_attributions_sum_to_the_total_change():
    rng = np.random.default_rng(31)
    n = 20_000
    x = rng.normal(0.0, 1.0, (n, 4))
    kpis = np.column_stack([x[:, 0] + x[:, 1], x[:, 1] * x[:, 2], np.exp(0.3 * x[:, 3]), x[:, 0] - x[:, 3]])
    to_go = np.column_stack([100 * x[:, 0] - 50 * x[:, 1] + 30 * x[:, 2] * x[:, 3], np.zeros(n)])
    t = _trials(x, kpis, -x[:, 0], to_go)
    obs = [
        Observation("k0", 1.0, 0.8),
        Observation("k1", 0.5, 0.5),
        Observation("k2", 1.2, 0.1, "lognormal"),
        Observation("k3", -0.5, 1.0),
    ]
    r = review(t, obs, min_ess=100)
    a = r.attribution
    assert a.values.sum() == pytest.approx(a.total, rel=1e-10, abs=1e-9)
    assert a.total == pytest.approx(r.delta_npv_to_go, rel=1e-10, abs=1e-9)
    assert a.before == pytest.approx(r.prior_npv_to_go[0], rel=1e-12)
    assert list(a.to_frame()["observation"]) == ["k0", "k1", "k2", "k3"]
    assert abs(a.total) > 10  # the observations do move this cell


# --- 6. stakeholder beliefs ----------------------------------------------------------------


def _pooled_draws(means, weights, sd, n, rng):
    """n draws from the mixture sum_s w_s N(means[s], sd^2), and each stakeholder's log density."""
    label = rng.choice(len(weights), size=n, p=weights)
    x = rng.normal(np.asarray(means)[label], sd)
    return x, np.column_stack([stats.norm(m, sd).logpdf(x) for m in means])


def _three_cells(x, y):
    """A: x - 80 + y, B: 0, C: 0.5 (x - 80) + 5 (y has mean 0 under every belief)."""
    return np.column_stack([x - 80.0 + y, np.zeros_like(x), 0.5 * (x - 80.0) + 5.0])


def test_identical_estimates_give_a_disagreement_value_of_exactly_zero():
    rng = np.random.default_rng(41)
    x, ld = _pooled_draws([80.0, 80.0], [0.3, 0.7], 10.0, 20_000, rng)
    y = rng.normal(0.0, 5.0, x.size)
    r = compare_beliefs(_three_cells(x, y), ld, [0.3, 0.7], stakeholders=["CMO", "CIO"], cells="ABC", currency="EUR")
    assert r.value == 0.0 and np.all(r.regret == 0.0)
    assert r.recommended == (r.pooled_recommended,) * 2
    assert np.array_equal(r.expected_npv[0], r.pooled_npv) and np.all(r.ess == x.size)


def test_one_input_in_dispute_hand_worked():
    """CMO (weight 0.6): x ~ N(100, 10^2); CIO (0.4): x ~ N(60, 10^2). By hand, expected NPV
    of A, B, C is (20, 0, 15) for the CMO, (-20, 0, -5) for the CIO and (4, 0, 7) pooled: the
    CMO picks A, the CIO B, the pool C; regrets 5 and 5, so resolving is worth
    0.6 * 5 + 0.4 * 5 = 5."""
    rng = np.random.default_rng(42)
    x, ld = _pooled_draws([100.0, 60.0], [0.6, 0.4], 10.0, 200_000, rng)
    y = rng.normal(0.0, 5.0, x.size)
    npv = _three_cells(x, y)
    r = compare_beliefs(npv, ld, [0.6, 0.4], stakeholders=["CMO", "CIO"], cells="ABC", currency="EUR")
    assert r.recommended == ("A", "B") and r.pooled_recommended == "C"
    np.testing.assert_allclose(r.expected_npv, [[20, 0, 15], [-20, 0, -5]], atol=0.15)
    np.testing.assert_allclose(r.pooled_npv, [4, 0, 7], atol=0.15)
    assert r.value == pytest.approx(5.0, abs=0.1)
    frame = r.to_frame()
    assert list(frame["belief"]) == ["CMO", "CIO", "pooled"] and list(frame["recommended"]) == ["A", "B", "C"]
    # input by input: they agree on y (worth exactly 0) and differ on x (worth the whole 5)
    ld_y = np.column_stack([stats.norm(0, 5).logpdf(y)] * 2)
    d = disagreement_values(
        npv, {"y": ld_y, "x": ld}, [0.6, 0.4], stakeholders=["CMO", "CIO"], cells="ABC", currency="EUR"
    )
    assert d.inputs == ("x", "y") and d.values[1] == 0.0
    assert d.values[0] == pytest.approx(r.value, rel=1e-12)
    joint, proposal = joint_log_density({"y": ld_y, "x": ld}, [0.6, 0.4])
    j = compare_beliefs(
        npv, joint, [0.6, 0.4], stakeholders=["CMO", "CIO"], cells="ABC", currency="EUR", log_proposal=proposal
    )
    assert j.value == pytest.approx(5.0, abs=0.1)


# --- 7. requests that make no sense ------------------------------------------------------


def test_bad_requests_raise_scenario_errors():
    t = _noisy_trials(n=100)
    with pytest.raises(ScenarioError, match="not among"):
        review(t, [Observation("cost[9]", 1.0, 1.0)])
    with pytest.raises(ScenarioError, match="once"):
        review(t, [Observation("k0", 1.0, 1.0), Observation("k0", 2.0, 1.0)])
    with pytest.raises(ScenarioError, match="likelihood"):
        Observation("k0", 1.0, 1.0, "cauchy")
    with pytest.raises(ScenarioError, match="positive"):
        Observation("k0", -1.0, 0.1, "lognormal")
    with pytest.raises(ScenarioError, match="sd"):
        Observation("k0", 1.0, 0.0)
    with pytest.raises(ScenarioError, match="consistent"):
        review(
            _trials(np.ones((3, 1)), -np.ones((3, 1)), np.zeros(3), np.zeros((3, 1))),
            [Observation("k0", 1.0, 0.1, "lognormal")],
        )
    with pytest.raises(ScenarioError, match="sum to 1"):
        compare_beliefs(np.zeros((4, 2)), np.zeros((4, 2)), [0.5, 0.6], stakeholders="ab", cells="AB", currency="EUR")


def test_copula_space_round_trip():
    space = CopulaSpace.from_marginals([X1, X2], correlation=[[1.0, 0.5], [0.5, 1.0]])
    x = np.array([[8.0, 0.7], [12.0, 2.5]])
    np.testing.assert_allclose(space.to_inputs(space.to_scores(x)), x, rtol=1e-10)
    z = np.array([[1.0, 1.0]])  # z' R^-1 z = 2 / 1.5 for R = [[1, .5], [.5, 1]]
    assert space.log_prior(z)[0] == pytest.approx(-0.5 * 2 / 1.5)
