"""Budget allocation pinned to closed forms, limiting cases and properties.

Expected answers are derived in this file, never by calling the module twice:

- separable exp-saturation curves ``m (1 - exp(-x/s))`` with fixed parameters: at the optimum
  every funded initiative has slope ``lambda``, so ``x_i = s_i ln(m_i / (s_i lambda))`` clipped
  at 0, and ``lambda`` solves ``sum x_i = budget`` (scipy.optimize.brentq on that closed form);
- log curves ``m ln(1 + x/s)``: ``x_i = m_i / lambda - s_i`` clipped at 0;
- hill curves with shape 1, ``m x / (x + s)``: ``x_i = sqrt(m_i s_i / lambda) - s_i`` clipped at 0;
- with ownership shifts, the documented value model ``R m (1 - exp(-(1 - g) x / s))`` is the
  same closed form with ``m -> R m`` and ``s -> s / (1 - g)``.

Limiting cases follow PyPortfolioOpt's habit (STYLE.md): a budget equal to the minimum spends
leaves everything at its minimum, a huge budget puts everything at its maximum (or at
saturation), zero risk aversion reproduces the mean objective, and carry-over zero makes
phasing the year-by-year optimum.
"""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar

from decision_kit import allocation as al
from decision_kit.errors import ScenarioError
from decision_kit.loading import load_portfolio
from decision_kit.priors import PRIORS, OwnerShifts
from decision_kit.schema import Portfolio

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "digital_budget_2027.yaml"
NEUTRAL = {o: OwnerShifts() for o in al.OWNERS}  # realisation 1, no governance overhead


def portfolio(initiatives: dict, budget=(1000.0,), **kw) -> Portfolio:
    """A portfolio of gross value (``unspent_value: 0``, the closed forms below spend the whole
    budget) unless ``kw`` says otherwise; tests/test_allocation_net.py checks value net of spend."""
    data = {"name": "test", "budget": list(budget), "initiatives": initiatives, "unspent_value": 0, **kw}
    return Portfolio.model_validate(data)


def exp_ini(m, s, owner="marketing", **kw):
    return {"owner": owner, "curve": {"form": "exp_saturation", "max_value": m, "scale": s}, **kw}


def log_ini(m, s, owner="marketing", **kw):
    return {"owner": owner, "curve": {"form": "log", "max_value": m, "scale": s}, **kw}


def hill_ini(m, s, owner="marketing", shape=1.0, **kw):
    return {"owner": owner, "curve": {"form": "hill", "max_value": m, "scale": s, "shape": shape}, **kw}


# --- closed forms (independent of the module) -------------------------------------------------


def exp_spend(m, s, lam):
    return np.maximum(0.0, s * np.log(m / (s * lam)))


def log_spend(m, s, lam):
    return np.maximum(0.0, m / lam - s)


def hill1_spend(m, s, lam):
    return np.maximum(0.0, np.sqrt(m * s / lam) - s)


def exp_value(m, s, x):
    return float(np.sum(m * (1 - np.exp(-x / s))))


def log_value(m, s, x):
    return float(np.sum(m * np.log1p(x / s)))


def hill1_value(m, s, x):
    return float(np.sum(m * x / (x + s)))


def waterfill(spend_fn, m, s, budget):
    """lambda with sum spend_fn(m, s, lambda) = budget, by brentq on the closed form."""
    lam = brentq(lambda l: spend_fn(m, s, l).sum() - budget, 1e-12, 1e6, xtol=1e-15, rtol=1e-14)
    return lam, spend_fn(m, s, lam)


M = np.array([900.0, 500.0, 1200.0, 300.0, 700.0])
S = np.array([150.0, 60.0, 400.0, 80.0, 250.0])


@pytest.mark.parametrize(
    "form, ini, spend_fn, value_fn",
    [
        ("exp_saturation", exp_ini, exp_spend, exp_value),
        ("log", log_ini, log_spend, log_value),
        ("hill", hill_ini, hill1_spend, hill1_value),
    ],
)
@pytest.mark.parametrize("budget", [50.0, 400.0, 1500.0])
def test_fixed_curves_match_closed_form_water_filling(form, ini, spend_fn, value_fn, budget):
    p = portfolio({f"i{k}": ini(M[k], S[k]) for k in range(len(M))}, budget=[budget])
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL)
    lam, x = waterfill(spend_fn, M, S, budget)
    assert r.value_mean == pytest.approx(value_fn(M, S, x), rel=1e-3)  # the bar: 0.1 % of value
    assert r.value_mean == pytest.approx(value_fn(M, S, x), rel=1e-9)  # what the solver achieves
    np.testing.assert_allclose(r.spend, x, rtol=1e-6, atol=1e-6 * budget)
    assert r.marginal_value == pytest.approx(lam, rel=1e-6)
    assert r.total_spend == pytest.approx(budget, rel=1e-9) and r.total_spend <= budget
    assert r.method == "water-filling"


def test_ownership_shifts_follow_the_documented_value_model():
    # R m (1 - exp(-(1 - g) x / s)) = closed form with m' = R m, s' = s / (1 - g)
    owners = ["marketing", "it", "shared", "marketing", "it"]
    p = portfolio({f"i{k}": exp_ini(M[k], S[k], owner=owners[k]) for k in range(5)}, budget=[600.0])
    r = al.optimize(p, trials=4, seed=0)
    R = np.array([PRIORS.ownership[o].realisation_factor for o in owners])
    g = np.array([PRIORS.ownership[o].governance_overhead for o in owners])
    m, s = R * M, S / (1 - g)
    lam, x = waterfill(exp_spend, m, s, 600.0)
    assert r.value_mean == pytest.approx(exp_value(m, s, x), rel=1e-9)
    np.testing.assert_allclose(r.spend, x, rtol=1e-6, atol=1e-6)
    assert r.marginal_value == pytest.approx(lam, rel=1e-6)


def test_value_model_pieces():
    p = portfolio(
        {
            "base": exp_ini(1000, 100, owner="it", min_spend=10),
            "later": exp_ini(500, 50, owner="shared", years=[2]),
            "dep": exp_ini(800, 80, owner="marketing", requires={"initiative": "base", "min_spend": 60}),
        },
        budget=[500, 500],
    )
    model = al.portfolio_model(p, trials=3, seed=0)
    it, sh, mk = (PRIORS.ownership[o] for o in ("it", "shared", "marketing"))
    v = model.value({"base": 50, "later": 40, "dep": 30}, year=1)
    assert v.shape == (3, 3)
    assert v[0, 0] == pytest.approx(
        it.realisation_factor * 1000 * (1 - math.exp(-(1 - it.governance_overhead) * 50 / 100))
    )
    assert v[0, 1] == 0  # not active in year 1
    assert v[0, 2] == 0  # base below the prerequisite's 60
    v2 = model.value({"base": 60, "later": 40, "dep": 30}, year=2)
    assert v2[0, 1] == pytest.approx(
        sh.realisation_factor * 500 * (1 - math.exp(-(1 - sh.governance_overhead) * 40 / 50))
    )
    assert v2[0, 2] == pytest.approx(
        mk.realisation_factor * 800 * (1 - math.exp(-(1 - mk.governance_overhead) * 30 / 80))
    )


def test_neutral_owner_changes_nothing():
    p = portfolio({"a": exp_ini(900, 150, owner="it"), "b": exp_ini(500, 60, owner="marketing")}, budget=[300])
    shifted = al.optimize(p, trials=4, seed=0, shifts={"it": OwnerShifts(), "marketing": OwnerShifts()})
    lam, x = waterfill(exp_spend, np.array([900.0, 500.0]), np.array([150.0, 60.0]), 300)
    np.testing.assert_allclose(shifted.spend, x, rtol=1e-7)


# --- limiting cases ----------------------------------------------------------------------------


def test_budget_equal_to_minimums_leaves_everything_at_minimum():
    mins = [100.0, 0.0, 50.0]
    p = portfolio({f"i{k}": exp_ini(M[k], S[k], min_spend=mins[k]) for k in range(3)}, budget=[150.0])
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL)
    np.testing.assert_array_equal(r.spend, mins)
    # one more unit goes to the steepest slope at the minimums
    assert r.marginal_value == pytest.approx(max(M[:3] / S[:3] * np.exp(-np.array(mins) / S[:3])), rel=1e-9)


def test_huge_budget_puts_everything_at_its_maximum():
    maxs = [200.0, 100.0, 300.0]
    p = portfolio({f"i{k}": exp_ini(M[k], S[k], max_spend=maxs[k]) for k in range(3)}, budget=[1e9])
    r = al.optimize(p, trials=4, seed=0)
    np.testing.assert_array_equal(r.spend, maxs)
    assert r.marginal_value == 0.0 and r.marginal_value_check == 0.0
    assert r.unspent == pytest.approx(1e9 - 600)


def test_huge_budget_without_maximums_saturates():
    # beyond about 745 scales an exp curve's slope underflows: the rest adds no representable value
    p = portfolio({f"i{k}": exp_ini(M[k], S[k]) for k in range(5)}, budget=[1e6])
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL)
    assert r.value_mean == pytest.approx(M.sum(), rel=1e-12)
    assert r.marginal_value < 1e-300 and r.total_spend <= 1e6


def test_zero_budget_with_zero_minimums():
    p = portfolio({"a": log_ini(100, 10), "b": exp_ini(100, 10)}, budget=[0.0])
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL)
    np.testing.assert_array_equal(r.spend, [0, 0])
    assert r.value_mean == 0 and r.marginal_value == pytest.approx(10.0)  # max(100/10, 100/10)


def test_inactive_initiatives_spend_nothing_and_their_minimums_do_not_count():
    p = portfolio(
        {"now": exp_ini(900, 150, min_spend=50), "later": exp_ini(900, 150, min_spend=500, years=[2])},
        budget=[100, 1000],
    )
    r = al.optimize(p, year=1, trials=4, seed=0, shifts=NEUTRAL)
    np.testing.assert_array_equal(r.spend, [100, 0])
    assert r.expected_value[1] == 0


# --- prerequisites -----------------------------------------------------------------------------


def test_prerequisite_is_funded_exactly_to_its_threshold_when_worth_it():
    # 'platform' earns little on its own; 'app' earns a lot but needs platform >= 120.
    ms, ss = np.array([50.0, 2000.0, 800.0]), np.array([100.0, 200.0, 150.0])
    p = portfolio(
        {
            "platform": exp_ini(ms[0], ss[0]),
            "app": exp_ini(ms[1], ss[1], requires={"initiative": "platform", "min_spend": 120}),
            "other": exp_ini(ms[2], ss[2]),
        },
        budget=[700.0],
    )
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL)
    # Case on: platform >= 120. At lambda for the rest, platform's own slope 0.5 e^{-x/100} < lambda
    # so it sits at 120; app and other share 580 by water-filling.
    lam, x = waterfill(exp_spend, ms[1:], ss[1:], 700 - 120)
    assert exp_spend(ms[:1], ss[:1], lam)[0] < 120
    on = exp_value(ms, ss, np.r_[120, x])
    # Case off: app earns nothing, platform and other share 700.
    _, y = waterfill(exp_spend, ms[[0, 2]], ss[[0, 2]], 700)
    off = exp_value(ms[[0, 2]], ss[[0, 2]], y)
    assert on > off
    assert r.value_mean == pytest.approx(on, rel=1e-9)
    np.testing.assert_allclose(r.spend, np.r_[120, x], rtol=1e-6)
    assert r.prerequisite_met.all()


def test_unaffordable_prerequisite_leaves_the_dependent_at_its_minimum():
    p = portfolio(
        {
            "platform": exp_ini(50, 100),
            "app": exp_ini(2000, 200, min_spend=10, requires={"initiative": "platform", "min_spend": 900}),
            "other": exp_ini(800, 150),
        },
        budget=[500.0],
    )
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL)
    assert r.spend_of("app") == 10 and not r.prerequisite_met[1] and r.expected_value[1] == 0
    _, y = waterfill(exp_spend, np.array([50.0, 800.0]), np.array([100.0, 150.0]), 490)
    np.testing.assert_allclose(r.spend[[0, 2]], y, rtol=1e-6)


# --- owner budgets -----------------------------------------------------------------------------


def test_binding_owner_budget_matches_two_level_closed_form():
    owners = ["marketing", "marketing", "it", "it", "shared"]
    p = portfolio({f"i{k}": exp_ini(M[k], S[k], owner=owners[k]) for k in range(5)}, budget=[900.0])
    r = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL, owner_budgets={"marketing": 150.0})
    # marketing's two initiatives share 150 at their own multiplier; the rest share 750
    lam_m, xm = waterfill(exp_spend, M[:2], S[:2], 150)
    lam, xr = waterfill(exp_spend, M[2:], S[2:], 750)
    assert lam_m > lam  # the cap binds
    np.testing.assert_allclose(r.spend, np.r_[xm, xr], rtol=1e-6)
    assert r.marginal_value == pytest.approx(lam, rel=1e-6)
    assert r.owner_marginal["marketing"] == pytest.approx(lam_m, rel=1e-6)
    assert r.owner_spend["marketing"] <= 150


def test_slack_owner_budget_changes_nothing():
    owners = ["marketing", "it", "it", "shared", "shared"]
    p = portfolio({f"i{k}": exp_ini(M[k], S[k], owner=owners[k]) for k in range(5)}, budget=[600.0])
    free = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL, owner_budgets={})
    capped = al.optimize(p, trials=4, seed=0, shifts=NEUTRAL, owner_budgets={"marketing": 1e6})
    np.testing.assert_allclose(capped.spend, free.spend, rtol=1e-9)
    assert capped.owner_marginal["marketing"] == pytest.approx(free.marginal_value)


# --- uncertainty, objectives and the marginal value -------------------------------------------

UNCERTAIN = {
    "a": exp_ini(
        {"dist": "lognormal", "median": 900, "p90": 1500}, {"dist": "pert", "low": 100, "mode": 150, "high": 250}
    ),
    "b": log_ini(
        {"dist": "lognormal", "median": 300, "p90": 600},
        {"dist": "uniform", "low": 40, "high": 90},
        owner="it",
        min_spend=20,
    ),
    "c": hill_ini(
        {"dist": "triangular", "low": 500, "mode": 800, "high": 1400}, 200, owner="shared", shape=0.7, max_spend=400
    ),
    "d": exp_ini(600, {"dist": "pert", "low": 50, "mode": 80, "high": 150}, owner="it"),
}


def test_expected_curve_is_an_average_over_trials():
    # with uncertainty, the optimum equalises the *average* slope across trials
    p = portfolio(UNCERTAIN, budget=[700.0])
    r = al.optimize(p, trials=500, seed=3)
    inside = (r.spend > 1e-6) & (r.spend < np.array([np.inf, np.inf, 400, np.inf]) - 1e-6)
    np.testing.assert_allclose(r.marginal[inside], r.marginal_value, rtol=1e-6)
    model = al.portfolio_model(p, trials=500, seed=3)
    assert model.value(r.spend).sum(1).mean() == pytest.approx(r.value_mean, rel=1e-12)


@pytest.mark.parametrize("objective", ["mean_minus_std", "cvar"])
def test_zero_risk_aversion_reproduces_the_mean_objective(objective):
    p = portfolio(UNCERTAIN, budget=[700.0], owner_budgets={"it": [250.0]})
    mean = al.optimize(p, trials=400, seed=1)
    risk = al.optimize(p, trials=400, seed=1, objective=objective, risk_aversion=0.0)
    assert risk.method == "SLSQP"
    assert risk.objective_value == pytest.approx(mean.value_mean, rel=1e-7)
    np.testing.assert_allclose(risk.spend, mean.spend, rtol=2e-3, atol=0.5)


def test_risk_aversion_trades_mean_for_spread():
    p = portfolio(UNCERTAIN, budget=[700.0])
    rf = al.risk_frontier(p, [0.0, 1.0, 3.0], trials=400, seed=1)
    assert np.all(np.diff(rf.value_std) <= 1e-6 * rf.value_std[0])
    assert np.all(np.diff(rf.value_mean) <= 1e-6 * rf.value_mean[0])
    # each point maximises its own objective: no other point of the frontier beats it
    for k_idx, k in enumerate(rf.risk_aversions):
        assert np.all(rf.value_mean[k_idx] - k * rf.value_std[k_idx] >= rf.value_mean - k * rf.value_std - 1e-6)


@pytest.mark.parametrize("objective", ["mean", "mean_minus_std", "cvar"])
def test_marginal_value_matches_a_finite_difference(objective):
    p = portfolio(UNCERTAIN, budget=[700.0])
    kw = {"trials": 300, "seed": 2, "objective": objective, "check_marginal": False}
    r = al.optimize(p, **kw)
    h = 0.5
    up, down = al.optimize(p, 700.0 + h, **kw), al.optimize(p, 700.0 - h, **kw)
    fd = (up.objective_value - down.objective_value) / (2 * h)
    rel = 1e-4 if objective == "mean" else 2e-2  # cvar is piecewise smooth over the trials
    assert r.marginal_value == pytest.approx(fd, rel=rel)
    checked = al.optimize(p, trials=300, seed=2, objective=objective)
    assert checked.marginal_value_check == pytest.approx(checked.marginal_value, rel=rel)


def test_same_seed_same_allocation_and_seeds_differ():
    p = portfolio(UNCERTAIN, budget=[700.0])
    a, b = al.optimize(p, trials=200, seed=5), al.optimize(p, trials=200, seed=5)
    np.testing.assert_array_equal(a.spend, b.spend)
    c = al.optimize(p, trials=200, seed=6)
    assert not np.array_equal(a.spend, c.spend)


# --- errors ------------------------------------------------------------------------------------


def test_allocation_error_is_a_scenario_error():
    assert issubclass(al.AllocationError, ScenarioError)


def test_budget_below_minimum_spends_names_the_numbers():
    p = portfolio(
        {
            "a": exp_ini(900, 150, min_spend=300),
            "b": exp_ini(500, 60, min_spend=250),
            "c": exp_ini(500, 60, min_spend=900, years=[2]),
        },
        budget=[500, 2000],
    )
    with pytest.raises(
        al.AllocationError,
        match=r"budget 500 in plan year 1 is below the sum of minimum spends"
        r".*550 \(a: 300, b: 250\)",
    ):
        al.optimize(p)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda p: al.optimize(p, -1.0), "budget cannot be negative"),
        (lambda p: al.optimize(p, float("nan")), "finite number"),
        (lambda p: al.optimize(p, owner_budgets={"finance": 100}), "unknown owner 'finance'"),
        (lambda p: al.optimize(p, owner_budgets={"it": -5}), "owner budget of it cannot be negative"),
        (lambda p: al.optimize(p, owner_budgets={"marketing": 10}), r"marketing budget 10 .* below .* 50"),
        (lambda p: al.optimize(p, year=3), "plan year from 1 to 2"),
        (lambda p: al.optimize(p, objective="max"), "unknown objective"),
        (lambda p: al.optimize(p, risk_aversion=1.0), "risk_aversion applies only"),
        (lambda p: al.optimize(p, objective="cvar", risk_aversion=2.0), "weight from 0 to 1"),
        (lambda p: al.optimize(p, objective="cvar", cvar_level=0.0), "cvar_level"),
        (lambda p: al.optimize(p, trials=0), "trials must be a positive integer"),
        (lambda p: al.optimize(p, seed=-1), "seed must be a non-negative integer"),
        (lambda p: al.optimize(p, shifts={"board": OwnerShifts()}), "unknown owner 'board'"),
        (lambda p: al.frontier(p, [1000, 10]), r"budget 10 .* below .* 50"),
        (lambda p: al.control_split(p, marketing_share=1.5), "share from 0 to 1"),
        (lambda p: al.phase(p, cumulative=["nope"]), "unknown initiative 'nope'"),
        (lambda p: al.risk_frontier(p, [1.0], objective="mean"), "needs a risk objective"),
    ],
)
def test_bad_requests_raise_allocation_error(call, match):
    p = portfolio({"a": exp_ini(900, 150, min_spend=50), "b": exp_ini(500, 60, owner="it")}, budget=[1000, 1000])
    with pytest.raises(al.AllocationError, match=match):
        call(p)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"b": exp_ini(500, 60, requires={"initiative": "zz", "min_spend": 1})}, "unknown initiative 'zz'"),
        ({"b": exp_ini(500, 60, requires={"initiative": "b", "min_spend": 1})}, "cannot require itself"),
        ({"b": exp_ini(500, 60, years=[3])}, "plan year 3 is outside the plan"),
        ({"b": exp_ini(500, {"dist": "normal", "mean": 60, "sd": 40})}, "scale must be positive"),
        ({"b": exp_ini({"dist": "normal", "mean": 60, "sd": 40}, 60)}, "max_value cannot be negative"),
    ],
)
def test_bad_portfolios_raise_allocation_error(change, match):
    p = portfolio({"a": exp_ini(900, 150), **change}, budget=[1000, 1000])
    with pytest.raises(al.AllocationError, match=match):
        al.optimize(p, trials=500)


def test_results_are_frozen_and_read_only():
    r = al.optimize(portfolio(UNCERTAIN, budget=[700.0]), trials=50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.budget = 1.0
    with pytest.raises(ValueError):
        r.spend[0] = 1.0
    df = r.to_frame()
    assert list(df.index) == list(UNCERTAIN) and {"spend", "expected_value", "marginal_value"} <= set(df.columns)
    assert r.to_series()["budget"] == 700.0


# --- properties over random portfolios ---------------------------------------------------------


@st.composite
def random_portfolios(draw):
    n = draw(st.integers(2, 6))
    years = draw(st.integers(1, 2))
    inis = {}
    for k in range(n):
        form = draw(st.sampled_from(["exp_saturation", "hill", "log"]))
        m = draw(st.floats(10, 5000))
        s = draw(st.floats(5, 500))
        curve = {"form": form, "max_value": m, "scale": s}
        if draw(st.booleans()):
            curve["max_value"] = {"dist": "lognormal", "median": m, "p90": m * draw(st.floats(1.1, 3))}
        if draw(st.booleans()):
            curve["scale"] = {"dist": "uniform", "low": s, "high": s * draw(st.floats(1.1, 3))}
        if form == "hill":
            curve["shape"] = draw(st.floats(0.3, 1.0))
        lo = draw(st.sampled_from([0.0, 0.0, draw(st.floats(1, 200))]))
        ini = {"owner": draw(st.sampled_from(al.OWNERS)), "curve": curve, "min_spend": lo}
        if draw(st.booleans()):
            ini["max_spend"] = lo + draw(st.floats(1, 1000))
        if years == 2 and draw(st.integers(0, 3)) == 0:
            ini["years"] = [draw(st.integers(1, 2))]
        inis[f"i{k}"] = ini
    for _ in range(draw(st.integers(0, 2))):
        dep, pre = draw(st.permutations(list(inis)))[:2]
        inis[dep]["requires"] = {"initiative": pre, "min_spend": draw(st.floats(1, 300))}
    budget = [draw(st.floats(0, 3000)) for _ in range(years)]
    owner_budgets = None
    if draw(st.booleans()):
        owner_budgets = {
            o: [draw(st.floats(0, 2000)) for _ in range(years)]
            for o in draw(st.sets(st.sampled_from(al.OWNERS), min_size=1))
        }
    return portfolio(inis, budget=budget, owner_budgets=owner_budgets)


def _feasible(p, year):
    t = year - 1
    act = [ini.years is None or year in ini.years for ini in p.initiatives.values()]
    lo = np.array([ini.min_spend if a else 0 for ini, a in zip(p.initiatives.values(), act)])
    if lo.sum() > p.budget[t]:
        return False
    owners = np.array([ini.owner for ini in p.initiatives.values()])
    return all(lo[owners == o].sum() <= path[t] for o, path in (p.owner_budgets or {}).items())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    p=random_portfolios(),
    objective=st.sampled_from(["mean", "mean", "mean_minus_std", "cvar"]),
    seed=st.integers(0, 10),
)
def test_every_allocation_respects_bounds_owner_budgets_prerequisites_and_budget(p, objective, seed):
    year = len(p.budget)
    kw = {"year": year, "trials": 40, "seed": seed, "objective": objective, "check_marginal": False}
    if not _feasible(p, year):
        with pytest.raises(al.AllocationError, match="below the sum of minimum spends"):
            al.optimize(p, **kw)
        return
    r = al.optimize(p, **kw)
    budget = p.budget[year - 1]
    inis = list(p.initiatives.values())
    for x, ini in zip(r.spend, inis):
        if ini.years is not None and year not in ini.years:
            assert x == 0
        else:
            assert ini.min_spend <= x <= (ini.max_spend if ini.max_spend is not None else np.inf)
    assert r.total_spend <= budget
    for o, path in (p.owner_budgets or {}).items():
        assert sum(x for x, ini in zip(r.spend, inis) if ini.owner == o) <= path[year - 1]
    names = list(p.initiatives)
    for k, ini in enumerate(inis):
        if ini.requires is not None:
            met = r.spend[names.index(ini.requires.initiative)] >= ini.requires.min_spend * (1 - 1e-7)
            assert r.prerequisite_met[k] == met
            if not met:
                assert r.expected_value[k] == 0
    assert np.isfinite(r.value_mean) and r.value_mean >= 0
    if objective == "mean":  # exact: no random feasible allocation does better
        model = al.portfolio_model(p, trials=40, seed=seed)
        rng = np.random.default_rng(seed)
        lo = np.array([ini.min_spend if ini.years is None or year in ini.years else 0 for ini in inis])
        hi = np.array(
            [(min(ini.max_spend or budget, budget) if ini.years is None or year in ini.years else 0) for ini in inis]
        )
        for _ in range(20):
            x = lo + rng.random(len(lo)) * (np.maximum(hi, lo) - lo) * rng.random()
            over = [x.sum() - budget] + [
                sum(x[k] for k, ini in enumerate(inis) if ini.owner == o) - path[year - 1]
                for o, path in (p.owner_budgets or {}).items()
            ]
            if max(over) > 0:
                continue
            assert model.value(x, year).sum(1).mean() <= r.value_mean * (1 + 1e-9) + 1e-9


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=random_portfolios(), carry=st.sampled_from([0.0, 0.3, 1.0]), cumulative=st.booleans())
def test_phasing_respects_every_limit_and_beats_year_by_year(p, carry, cumulative):
    p = p.model_copy(update={"carry_over": carry})
    names = list(p.initiatives)
    cum = names[:1] if cumulative else []
    if not all(_feasible(p, y) for y in range(1, len(p.budget) + 1)):
        return  # the minimums do not fit (tested above)
    ph = al.phase(p, cumulative=cum, trials=30, seed=0, discount=False)
    inis = list(p.initiatives.values())
    for t in range(len(p.budget)):
        for x, ini in zip(ph.spend[t], inis):
            active = ini.years is None or t + 1 in ini.years
            assert (ini.min_spend <= x <= (ini.max_spend or np.inf)) if active else x == 0
        for o, path in (p.owner_budgets or {}).items():
            assert sum(x for x, ini in zip(ph.spend[t], inis) if ini.owner == o) <= path[t] * (1 + 1e-9)
    assert np.all(ph.spend.sum(1) <= ph.available * (1 + 1e-9) + 1e-9)
    left = 0.0
    for t, b in enumerate(p.budget):  # the carry-over rule, recomputed here
        assert ph.available[t] == pytest.approx(b + carry * left, rel=1e-9, abs=1e-9)
        left = ph.available[t] - ph.spend[t].sum()
    if not cum:  # spending each year's budget as it comes, year-optimal, is feasible: never better
        model = al.portfolio_model(p, trials=30, seed=0)
        myopic, left = 0.0, 0.0
        for t, b in enumerate(p.budget):
            r = al.optimize(p, b + carry * left, year=t + 1, trials=30, seed=0, check_marginal=False)
            myopic += model.value(r.spend, t + 1).sum(1).mean()
            left = b + carry * left - r.total_spend
        assert ph.present_value >= myopic * (1 - 1e-7) - 1e-9


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=random_portfolios(), share=st.floats(0, 1))
def test_control_split_never_beats_the_joint_optimum(p, share):
    if not _feasible(p.model_copy(update={"owner_budgets": None}), 1):
        return
    cs = al.control_split(p, marketing_share=[share], trials=30, seed=0)
    if cs.feasible[0]:
        # the joint optimum is water-filling solved by bisection to about 1e-7 of value, and each
        # side's optimum is a separate solve: allow 1e-6 of value for the two solvers' tolerances
        assert cs.loss[0] >= -1e-6 * max(cs.joint.value_mean, 1.0)
        assert cs.spend[0].sum() <= cs.budget * (1 + 1e-12)
    else:
        assert np.isnan(cs.value_mean[0])


# --- frontiers ---------------------------------------------------------------------------------


def test_frontier_is_increasing_and_concave_and_matches_optimize():
    p = portfolio(UNCERTAIN, budget=[700.0])
    budgets = [100, 300, 700, 1500, 4000]
    f = al.frontier(p, budgets, trials=300, seed=4)
    assert np.all(np.diff(f.value_mean) > 0)
    assert np.all(np.diff(f.marginal_value) < 0)
    single = al.optimize(p, 700, trials=300, seed=4)
    assert f.value_mean[2] == pytest.approx(single.value_mean, rel=1e-12)
    np.testing.assert_allclose(f.spend[2], single.spend, rtol=1e-12)
    assert f.to_frame().loc[700.0, "spend_a"] == pytest.approx(single.spend_of("a"))
    assert np.all(f.value_p10 <= f.value_mean)


# --- who controls which share ------------------------------------------------------------------

SPLIT = {
    "mk1": exp_ini(900, 150, owner="marketing"),
    "mk2": log_ini(300, 60, owner="marketing", min_spend=20),
    "it1": exp_ini(700, 100, owner="it"),
    "it2": exp_ini(400, 50, owner="it", min_spend=30),
    "sh1": exp_ini(800, 200, owner="shared"),
}


def test_control_split_loses_nothing_at_the_joint_optimum_share():
    p = portfolio(SPLIT, budget=[1200.0])
    joint = al.optimize(p, trials=4, seed=0, owner_budgets={})
    spend = joint.owner_spend
    s_star = spend["marketing"] / (spend["marketing"] + spend["it"])
    cs = al.control_split(p, marketing_share=[0.0, 0.3, s_star, 0.9, 1.0], trials=4, seed=0)
    assert cs.shared_pool == pytest.approx(spend["shared"])
    assert cs.loss[2] == pytest.approx(0.0, abs=1e-7 * joint.value_mean)
    ok = cs.feasible
    assert list(ok) == [False, True, True, True, False]  # a side cannot cover its own minimums at 0 or 1
    assert cs.status[0] == "infeasible: the marketing pool is below its minimum spends"
    assert cs.status[-1] == "infeasible: the it pool is below its minimum spends" and cs.status[2] == "ok"
    assert np.all(cs.loss[ok] >= -1e-7 * joint.value_mean)
    assert np.isnan(cs.value_mean[~ok]).all()
    assert cs.best_share == pytest.approx(s_star)
    assert cs.to_frame().shape[0] == 5


def test_control_split_reports_sides_that_never_settle():
    # shared's sh1 needs marketing's mk1, which needs shared's sh2: each side's best plan
    # switches the other's prerequisite on and off in turn
    p = portfolio(
        {
            "sh1": exp_ini(10, 5, owner="shared", requires={"initiative": "mk1", "min_spend": 1}),
            "sh2": exp_ini(10, 5, owner="shared"),
            "mk1": exp_ini(10, 5, owner="marketing", requires={"initiative": "sh2", "min_spend": 2}),
        },
        budget=[3.0],
    )
    cs = al.control_split(p, marketing_share=[1.0], trials=4, seed=0)
    assert cs.status[0].startswith("unstable") and not cs.feasible[0] and np.isnan(cs.value_mean[0])


def test_control_split_loses_value_when_the_other_side_will_not_fund_a_prerequisite():
    inis = dict(SPLIT)
    inis["mk1"] = exp_ini(3000, 150, owner="marketing", requires={"initiative": "it2", "min_spend": 200})
    p = portfolio(inis, budget=[1500.0])
    joint = al.optimize(p, trials=4, seed=0, owner_budgets={})
    assert joint.prerequisite_met.all() and joint.spend_of("it2") == pytest.approx(200)
    spend = joint.owner_spend
    s_star = spend["marketing"] / (spend["marketing"] + spend["it"])
    cs = al.control_split(p, marketing_share=[s_star], trials=4, seed=0)
    # IT, valuing only its own initiatives, funds it2 below 200: marketing's mk1 earns nothing
    assert cs.spend[0][list(inis).index("it2")] < 200
    assert cs.loss[0] > 0.2 * joint.value_mean


# --- multi-year phasing ------------------------------------------------------------------------


def test_phase_without_carry_over_is_the_year_by_year_optimum():
    p = portfolio(UNCERTAIN, budget=[500.0, 900.0], owner_budgets={"it": [200.0, 300.0]})
    ph = al.phase(p, trials=200, seed=1)
    assert ph.method == "water-filling"
    for y in (1, 2):
        r = al.optimize(p, year=y, trials=200, seed=1)
        np.testing.assert_allclose(ph.spend[y - 1], r.spend, rtol=1e-12)
        assert ph.value_mean[y - 1] == pytest.approx(r.value_mean, rel=1e-12)
    d = 1 / 1.08 ** np.array([1, 2])
    assert ph.present_value == pytest.approx(d @ ph.value_mean)


@pytest.mark.parametrize("carry", [1.0, 0.5])
def test_phase_with_carry_over_matches_the_two_year_closed_form(carry):
    # two identical years, budgets 900 then 300; carry z from year 1 gives carry*z in year 2.
    # Optimum: V'(900 - z) = carry V'(300 + carry z), with V' the water-filling multiplier.
    m, s = M[:3], S[:3]
    p = portfolio({f"i{k}": exp_ini(m[k], s[k]) for k in range(3)}, budget=[900.0, 300.0], carry_over=carry)
    ph = al.phase(p, trials=4, seed=0, shifts=NEUTRAL, discount=False)
    assert ph.method == "SLSQP"
    lam = lambda b: waterfill(exp_spend, m, s, b)[0]
    z = brentq(lambda z: lam(900 - z) - carry * lam(300 + carry * z), 0, 900 - 1e-9)
    x1, x2 = waterfill(exp_spend, m, s, 900 - z)[1], waterfill(exp_spend, m, s, 300 + carry * z)[1]
    expected = exp_value(m, s, x1) + exp_value(m, s, x2)
    assert ph.present_value == pytest.approx(expected, rel=1e-7)
    np.testing.assert_allclose(ph.spend, [x1, x2], rtol=1e-3, atol=0.5)
    assert ph.unspent[0] == pytest.approx(z, rel=1e-3) and ph.available[1] == pytest.approx(300 + carry * z, rel=1e-6)


def test_phase_cumulative_platform_matches_a_direct_optimisation():
    # platform A is valued on cumulative spend; B is regular; two years, no carry-over, no discount.
    # Value = fA(a1) + fA(a1 + a2) + fB(b1 - a1) + fB(b2 - a2) with both budgets spent.
    mA, sA, mB, sB, b1, b2 = 1000.0, 300.0, 800.0, 100.0, 400.0, 400.0
    f = lambda m, s, x: m * (1 - math.exp(-x / s))
    fp = lambda m, s, x: m / s * math.exp(-x / s)

    def best_given(a1):
        # a2 solves fA'(a1 + a2) = fB'(b2 - a2) on [0, b2]
        g = lambda a2: fp(mA, sA, a1 + a2) - fp(mB, sB, b2 - a2)
        a2 = 0.0 if g(0) < 0 else (b2 if g(b2) > 0 else brentq(g, 0, b2, xtol=1e-12))
        return f(mA, sA, a1) + f(mA, sA, a1 + a2) + f(mB, sB, b1 - a1) + f(mB, sB, b2 - a2), a2

    res = minimize_scalar(lambda a1: -best_given(a1)[0], bounds=(0, b1), method="bounded", options={"xatol": 1e-9})
    expected, a1 = -res.fun, res.x
    p = portfolio({"A": exp_ini(mA, sA), "B": exp_ini(mB, sB)}, budget=[b1, b2])
    ph = al.phase(p, cumulative=["A"], trials=4, seed=0, shifts=NEUTRAL, discount=False)
    assert ph.present_value == pytest.approx(expected, rel=1e-7)
    assert ph.spend[0, 0] == pytest.approx(a1, rel=1e-3)
    assert ph.cumulative == ("A",)


def test_phase_prerequisites_and_bounds_hold_in_every_year():
    inis = dict(UNCERTAIN)
    inis["dep"] = exp_ini(2000, 100, owner="marketing", years=[2], requires={"initiative": "b", "min_spend": 150})
    p = portfolio(inis, budget=[600.0, 800.0], carry_over=0.5, owner_budgets={"marketing": [300.0, 400.0]})
    ph = al.phase(p, cumulative=["c"], trials=100, seed=0)
    assert ph.spend[0, list(inis).index("dep")] == 0
    assert ph.spend[1, list(inis).index("b")] >= 150 * (1 - 1e-7)  # worth switching dep on
    assert np.all(ph.spend.sum(1) <= ph.available + 1e-9)
    assert np.all(ph.unspent >= -1e-9)
    mk = [k for k, ini in enumerate(inis.values()) if ini["owner"] == "marketing"]
    assert np.all(ph.spend[:, mk].sum(1) <= np.array([300.0, 400.0]) + 1e-9)
    assert ph.to_frame().loc[2, "dep"] > 0


def test_phase_budget_below_minimums_names_the_year():
    p = portfolio({"a": exp_ini(900, 150, min_spend=300), "b": exp_ini(500, 60)}, budget=[400, 200], carry_over=0.5)
    # year 2 has 200 + 0.5 * 100 = 250 < 300
    with pytest.raises(al.AllocationError, match=r"plan year 2, 250 .* below the sum of minimum spends .* 300"):
        al.phase(p)


# --- the shipped portfolio ---------------------------------------------------------------------


def _shipped():
    if not SHIPPED.exists():
        pytest.skip("scenarios/digital_budget_2027.yaml is not there yet")
    return load_portfolio(SHIPPED)


def test_shipped_portfolio_allocates_within_every_limit():
    p = _shipped()
    for year in range(1, len(p.budget) + 1):
        r = al.optimize(p, year=year, trials=500, seed=0)
        assert r.total_spend <= p.budget[year - 1]
        for o, path in (p.owner_budgets or {}).items():
            assert r.owner_spend.get(o, 0) <= path[year - 1]
        assert r.marginal_value_check == pytest.approx(r.marginal_value, rel=1e-3, abs=1e-6)
    ph = al.phase(p, trials=300, seed=0)
    assert np.all(ph.spend.sum(1) <= ph.available + 1e-6)
