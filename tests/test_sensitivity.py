"""Sensitivity analyses: Sobol indices against published analytic values, one-way swings and
break-even values against cases solved by hand (worked in the comments), and bad requests.
"""

import math
import textwrap

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import sensitivity as sens
from decision_kit.distributions import Uniform
from decision_kit.loading import loads
from decision_kit.sensitivity.cells import cell_scenario
from decision_kit.simulation import base_case, draw_trials, evaluate, simulate
from decision_kit.test_functions import (
    ISHIGAMI_INPUTS,
    SOBOL_G_A,
    ishigami,
    ishigami_indices,
    sobol_g,
    sobol_g_indices,
    sobol_g_inputs,
)

DEFAULT = "scenarios/marketing_automation.yaml"

NEUTRAL = (
    "{launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1, "
    "incident_severity: 1, governance_overhead: %s, consolidation: 0, realisation_factor: 1, "
    "marketing_share: 0.5}"
)

# One year, rate 0, no benefits, so NPV = -(cost of year 0 and year 1):
#   build: platform (one-off, U(900, 1100), median 1000) + 2 per seat  -> NPV = -(platform + 2 s)
#   buy:   12 per seat                                                 -> NPV = -12 s
#   seats s ~ U(0, 300), median 150. Owner "it" adds 10% governance overhead to every cost.
# Break-even build/shared vs buy/shared: platform + 2 s = 12 s  ->  s = platform / 10 = 100 at the median.
# Break-even build/it vs buy/shared: 1.1 (1000 + 2 s) = 12 s  ->  s = 1100 / 9.8 = 112.2449...
# Break-even in the build hosting price h at the median seats: 1000 + 150 h = 12 * 150  ->  h = 16/3.
TINY = textwrap.dedent(f"""
    name: hand-solved
    horizon_years: 1
    discount_rate: 0.0
    drivers:
      seats: {{unit: seats, start: {{dist: uniform, low: 0, high: 300}}}}
    options:
      build:
        kind: build
        costs:
          platform: {{category: implementation, timing: one_off, amount: {{dist: uniform, low: 900, high: 1100}}}}
          hosting: {{category: infrastructure, timing: per_unit, driver: seats, amount: 2}}
      buy:
        kind: buy
        costs:
          licence: {{category: license, timing: per_unit, driver: seats, amount: 12}}
    owners:
      shared: {NEUTRAL % 0}
      it: {NEUTRAL % 0.1}
""")


@pytest.fixture(scope="module")
def tiny():
    return loads(TINY)


@pytest.fixture(scope="module")
def default():
    return dk.load_scenario(DEFAULT)


# --- Sobol indices -----------------------------------------------------------------------------


def test_ishigami_homma_1990_indices_sobol_levitan_1999():
    # Analytic values (a = 7, b = 0.1): S = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437,
    # from the closed forms in decision_kit.test_functions.ishigami_indices. N = 2^14 base samples.
    s = sens.sobol(ishigami, ISHIGAMI_INPUTS, n=2**14, seed=1)
    exact = ishigami_indices()
    assert s.inputs == ("x1", "x2", "x3")
    assert s.evaluations == 2**14 * 5
    for i, name in enumerate(s.inputs):
        for kind, est, ci in (("first", s.first, s.first_ci), ("total", s.total, s.total_ci)):
            ref = exact[kind][name]
            assert ci[i, 0] <= ref <= ci[i, 1], (kind, name, ci[i], ref)
            assert abs(est[i] - ref) < 0.02, (kind, name, est[i], ref)
    # the analytic variance of the Ishigami function: a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.8446
    assert s.variance == pytest.approx(49 / 8 + 0.1 * math.pi**4 / 5 + 0.01 * math.pi**8 / 18 + 0.5, rel=0.01)


def test_sobol_g_function_saltelli_2010():
    s = sens.sobol(sobol_g, sobol_g_inputs(), n=2**13, seed=3)
    exact = sobol_g_indices(SOBOL_G_A)
    for i, name in enumerate(s.inputs):
        assert abs(s.first[i] - exact["first"][name]) < 0.03
        assert abs(s.total[i] - exact["total"][name]) < 0.03
        assert s.total_ci[i, 0] <= exact["total"][name] <= s.total_ci[i, 1]


def test_sobol_accepts_scenario_style_inputs_and_is_seeded():
    # y = x + 2 z with x ~ U(0, 1), z ~ U(0, 1): Var = 1/12 + 4/12, so S_x = 0.2, S_z = 0.8; c is fixed.
    inputs = {"x": {"dist": "uniform", "low": 0, "high": 1}, "z": Uniform(low=0, high=1), "c": 3}

    def f(v):
        return v["x"] + 2 * v["z"] + v["c"]

    a = sens.sobol(f, inputs, n=2**10, seed=7)
    b = sens.sobol(f, inputs, n=2**10, seed=7)
    c = sens.sobol(f, inputs, n=2**10, seed=8)
    np.testing.assert_array_equal(a.first, b.first)
    np.testing.assert_array_equal(a.total_ci, b.total_ci)
    assert not np.array_equal(a.first, c.first)
    np.testing.assert_allclose(a.first, [0.2, 0.8, 0.0], atol=0.01)
    np.testing.assert_allclose(a.total, [0.2, 0.8, 0.0], atol=0.01)
    frame = a.to_frame()
    assert list(frame.columns) == ["input", "first", "first_low", "first_high", "total", "total_low", "total_high"]
    assert list(frame.input) == ["z", "x", "c"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "n must be an integer of at least 2"),
        ({"n": 64.0}, "n must be an integer of at least 2"),
        ({"n": True}, "n must be an integer of at least 2"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
        ({"conf_level": 1.5}, "conf_level must be a fraction"),
        ({"n_boot": 0}, "n_boot must be a positive integer"),
        ({"inputs": {}}, "non-empty mapping"),
        ({"inputs": {"x": {"dist": "uniform", "low": 2, "high": 1}}}, "input 'x': .*uniform low 2 is not below high 1"),
        ({"inputs": {"x": {"dist": "unifrom", "low": 0, "high": 1}}}, "input 'x': .*unknown distribution 'unifrom'"),
        ({"func": lambda v: v["x"][:3]}, r"func must return one value per row: expected shape \(384,\)"),
        ({"func": lambda v: v["x"] * np.nan}, "func returned .* non-finite values"),
        ({"func": lambda v: 0 * v["x"] + 1}, "does not vary"),
        ({"func": "not callable"}, "func must be callable"),
    ],
)
def test_sobol_bad_requests(kwargs, message):
    args = {
        "func": lambda v: v["x"] ** 2,
        "inputs": {"x": {"dist": "uniform", "low": 0, "high": 1}},
        "n": 128,
        "seed": 0,
    } | kwargs
    with pytest.raises(dk.ScenarioError, match=message):
        sens.sobol(**args)


def test_sobol_scenario_additive_cell(tiny):
    # NPV of build/shared = -(platform + 2 s): Var = 200^2/12 + 4 * 300^2/12 = 3,333 + 30,000, so
    # S_seats = 0.9 and S_platform = 0.1 (no interaction). Buy's inputs are left out.
    s = sens.sobol_scenario(tiny, "npv", "build", "shared", n=2**12, seed=0)
    assert set(s.inputs) == {"drivers.seats.start", "options.build.costs.platform.amount"}
    i = s.inputs.index("drivers.seats.start")
    assert s.first[i] == pytest.approx(0.9, abs=0.02) and s.total[i] == pytest.approx(0.9, abs=0.02)
    assert s.first[1 - i] == pytest.approx(0.1, abs=0.02) and s.total[1 - i] == pytest.approx(0.1, abs=0.02)
    assert s.mean == pytest.approx(-(1000 + 2 * 150), rel=1e-3)


def test_sobol_scenario_samples_risk_events(tiny):
    # A one-off incident for build: p ~ U(0.2, 0.4) a year, impact ~ triangular(500, 1000, 1500).
    # Expected NPV = -(1000 + 2 * 150 + E[p] E[impact]) = -(1300 + 0.3 * 1000) = -1600 over one year.
    risky = tiny.replace(
        risks={
            "incident": {
                "type": "security",
                "effect": "one_off",
                "options": ["build"],
                "probability": {"dist": "uniform", "low": 0.2, "high": 0.4},
                "impact": {"dist": "triangular", "low": 500, "mode": 1000, "high": 1500},
            }
        }
    )
    on = sens.sobol_scenario(risky, "npv", "build", "shared", n=2**12, seed=0)
    assert "risks.incident.events" in on.inputs and "risks.incident.probability" in on.inputs
    assert on.total[on.inputs.index("risks.incident.events")] > 0.3
    assert on.mean == pytest.approx(-1600, rel=5e-3)
    off = sens.sobol_scenario(risky, "npv", "build", "shared", n=2**10, seed=0, risk_events=False)
    assert not any(name.startswith("risks.") for name in off.inputs)
    assert "risk events off" in off.label


def test_cell_cut_down_scenario_gives_the_same_flows(default):
    # sobol_scenario and break_even run the engine on the scenario cut down to the cells they
    # need; options do not interact, so each kept cell's NPV must be unchanged.
    from decision_kit import engine

    inputs = engine.uncertain_inputs(default)
    rng = np.random.default_rng(5)
    values = {k: d.ppf(rng.random(64)) for k, d in inputs.items() if not d.is_fixed()}
    full = evaluate(default, values)["npv"]
    cut = cell_scenario(default, ["hybrid"], ["shadow"], risks=False)
    kept = engine.uncertain_inputs(cut)
    part = evaluate(cut, {k: v for k, v in values.items() if k in kept})["npv"]
    lay = engine.layout(default)
    np.testing.assert_allclose(
        part[:, 0, 0], full[:, lay.options.index("hybrid"), lay.owners.index("shadow")], rtol=1e-12
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metric": "irr"}, "metric must be one of npv, pv_cost, tco"),
        ({"option": "biuld"}, "unknown option 'biuld'.*did you mean 'build'"),
        ({"owner": "itt"}, "unknown owner 'itt'"),
        ({"n": 0}, "n must be an integer of at least 2"),
    ],
)
def test_sobol_scenario_bad_requests(tiny, kwargs, message):
    with pytest.raises(dk.ScenarioError, match=message):
        sens.sobol_scenario(tiny, **({"n": 64} | kwargs))


# --- tornado and spider --------------------------------------------------------------------------


def test_tornado_hand_worked(tiny):
    # build/shared, base NPV = -(1000 + 2 * 150) = -1300.
    #   seats P10 = 30, P90 = 270      -> -(1000 + 60) = -1060, -(1000 + 540) = -1540, swing 480
    #   platform P10 = 920, P90 = 1080 -> -(920 + 300) = -1220, -(1080 + 300) = -1380, swing 160
    t = sens.tornado(tiny, "npv", "build", "shared")
    df = t.to_frame()
    assert list(df.columns) == ["input", "low_value", "high_value", "metric_at_low", "metric_at_high", "swing", "base"]
    assert list(df.input) == ["drivers.seats.start", "options.build.costs.platform.amount"]
    np.testing.assert_allclose(df.low_value, [30, 920])
    np.testing.assert_allclose(df.high_value, [270, 1080])
    np.testing.assert_allclose(df.metric_at_low, [-1060, -1220])
    np.testing.assert_allclose(df.metric_at_high, [-1540, -1380])
    np.testing.assert_allclose(df.swing, [480, 160])
    assert (df.base == -1300).all() and t.cell_choice == "given"
    # TCO of buy/it: 1.1 * 12 * s; only the seats move it (build's platform is left out)
    t = sens.tornado(tiny, "tco", "buy", "it", low=0.25, high=0.75)
    assert t.inputs == ("drivers.seats.start",)
    np.testing.assert_allclose([t.metric_at_low[0], t.metric_at_high[0]], [1.1 * 12 * 75, 1.1 * 12 * 225])


def test_tornado_default_cell_is_best_by_base_npv(tiny):
    # base NPV: build/shared -1300, build/it -1430, buy/shared -1800, buy/it -1980
    t = sens.tornado(tiny)
    assert (t.option, t.owner) == ("build", "shared")
    assert t.cell_choice == "best cell by base-case NPV"
    t = sens.tornado(tiny, option="buy")
    assert (t.option, t.owner) == ("buy", "shared") and "best owner of buy" in t.cell_choice
    t = sens.tornado(tiny, owner="it")
    assert (t.option, t.owner) == ("build", "it") and "best option under it" in t.cell_choice


def test_tornado_is_one_engine_call_with_1_plus_2k_rows(default, monkeypatch):
    calls = []

    def counting(scenario, values, risks=None):
        calls.append({k: np.size(v) for k, v in values.items()})
        return evaluate(scenario, values, risks)

    monkeypatch.setattr(sens.one_way, "evaluate", counting)  # where tornado looks up evaluate
    t = sens.tornado(default)
    from decision_kit import engine

    inputs = engine.uncertain_inputs(default)
    k = sum(1 for p, d in inputs.items() if not d.is_fixed() and not p.startswith("risks."))
    assert len(calls) == 1 and set(calls[0].values()) == {1 + 2 * k}
    # only inputs that can move the chosen cell are listed, none of them a risk, largest swing first
    # (the organisation profile and the mechanisms' coefficients act on every option's owners)
    assert all(
        p.startswith((f"options.{t.option}.", "drivers.", "shared.", "organisation.", "mechanisms.")) for p in t.inputs
    )
    assert np.all(np.diff(t.swing) <= 0)
    # the base equals the NPV of the deterministic base case, discounted by hand at 8 %
    net = base_case(default, t.option, t.owner).loc["net"].to_numpy()
    assert t.base == pytest.approx(sum(v / 1.08**i for i, v in enumerate(net)), rel=1e-9)


def test_spider_contains_the_tornado(default):
    t = sens.tornado(default, "pv_cost", "hybrid", "it")
    s = sens.spider(default, "pv_cost", "hybrid", "it", levels=(0.9, 0.1, 0.5))
    assert s.levels == (0.1, 0.5, 0.9)
    df = s.to_frame().set_index(["input", "level"])
    for i, name in enumerate(t.inputs):
        assert df.loc[(name, 0.1), "metric"] == pytest.approx(t.metric_at_low[i], rel=1e-12)
        assert df.loc[(name, 0.9), "metric"] == pytest.approx(t.metric_at_high[i], rel=1e-12)
        assert df.loc[(name, 0.5), "metric"] == pytest.approx(t.base, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metric": "irr"}, "metric must be one of npv, pv_cost, tco, got 'irr'"),
        ({"option": "biuld"}, "unknown option 'biuld' in 'hand-solved' .*did you mean 'build'"),
        ({"owner": "marketing"}, "unknown owner 'marketing' in 'hand-solved' \\(owners: it, shared\\)"),
        ({"low": 0.9, "high": 0.1}, "low \\(0.9\\) must be below high \\(0.1\\)"),
        ({"low": 0.0}, "low must be a fraction strictly between 0 and 1"),
        ({"high": 90}, "high must be a fraction strictly between 0 and 1"),
    ],
)
def test_tornado_bad_requests(tiny, kwargs, message):
    with pytest.raises(dk.ScenarioError, match=message):
        sens.tornado(tiny, **kwargs)


def test_tornado_needs_a_scenario():
    with pytest.raises(dk.ScenarioError, match="expected a Scenario"):
        sens.tornado("scenarios/marketing_automation.yaml")


# --- break-even and crossover --------------------------------------------------------------------


def test_break_even_hand_solved_base_case(tiny):
    b = sens.break_even(tiny, "drivers.seats.start", ("build", "shared"), ("buy", "shared"), trials=0)
    assert b.value == pytest.approx(100, rel=1e-9)
    assert b.a_better_above and b.crossings == (b.value,)
    assert b.bounds == pytest.approx((3, 297))  # P1 and P99 of U(0, 300)
    assert "build/shared beats buy/shared in the base case when drivers.seats.start is above 100" in b.describe()
    # across owners: 1.1 (1000 + 2 s) = 12 s
    b = sens.break_even(tiny, "drivers.seats.start", ("build", "it"), ("buy", "shared"), trials=0)
    assert float(b) == pytest.approx(1100 / 9.8, rel=1e-9)


def test_break_even_monte_carlo_uses_the_simulations_draws(tiny):
    # With s fixed in every trial, E[NPV_build - NPV_buy] = 10 s - mean(platform draws): the
    # break-even is the sample mean of the platform cost over 10, the same draws simulate() makes.
    b = sens.break_even(tiny, "drivers.seats.start", ("build", "shared"), ("buy", "shared"), trials=3000, seed=4)
    draws = simulate(tiny, trials=3000, seed=4).inputs["options.build.costs.platform.amount"]
    assert b.value == pytest.approx(draws.mean() / 10, rel=1e-9)
    assert b.trials == 3000 and b.seed == 4


def test_break_even_trials_are_the_simulations_trials(default):
    # break_even redraws simulate()'s inputs and risk events (same blocks and generators, with
    # correlations); the mean NPV of every cell over those draws must equal simulate()'s.
    values, risks, n = draw_trials(default, 9000, 6)
    mine = evaluate(default, values, risks)["npv"].mean(axis=0)
    theirs = simulate(default, trials=9000, seed=6).metrics["npv"].mean(axis=0)
    np.testing.assert_allclose(mine, theirs, rtol=1e-9)


def test_break_even_in_a_fixed_input_needs_bounds(tiny):
    with pytest.raises(dk.ScenarioError, match="options.build.costs.hosting.amount is fixed at 2 .*give bounds"):
        sens.break_even(tiny, "options.build.costs.hosting.amount", ("build", "shared"), ("buy", "shared"), trials=0)
    b = sens.break_even(
        tiny, "options.build.costs.hosting.amount", ("build", "shared"), ("buy", "shared"), bounds=(0, 20), trials=0
    )
    assert b.value == pytest.approx(16 / 3, rel=1e-9) and not b.a_better_above


def test_break_even_no_crossing_says_by_how_much(tiny):
    # NPV_buy - NPV_build = 1000 - 10 s: -500 at s = 150, -1500 at 250
    with pytest.raises(
        dk.ScenarioError,
        match="buy/shared never beats build/shared for drivers.seats.start "
        "between 150 and 250: buy/shared is worse by at least 500 USD",
    ):
        sens.break_even(
            tiny, "drivers.seats.start", ("buy", "shared"), ("build", "shared"), bounds=(150, 250), trials=0
        )
    with pytest.raises(dk.ScenarioError, match="build/shared beats buy/shared everywhere .* better by at least 500"):
        sens.break_even(
            tiny, "drivers.seats.start", ("build", "shared"), ("buy", "shared"), bounds=(150, 250), trials=0
        )


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (
            ("drivers.seat.start", ("build", "shared"), ("buy", "shared")),
            {},
            "'drivers.seat.start' is not an input of 'hand-solved'; did you mean 'drivers.seats.start'",
        ),
        (("drivers.seats.start", ("biuld", "shared"), ("buy", "shared")), {}, "unknown option 'biuld'"),
        (("drivers.seats.start", ("build", "mkt"), ("buy", "shared")), {}, "unknown owner 'mkt'"),
        (("drivers.seats.start", "build", ("buy", "shared")), {}, "cell_a must be an \\(option, owner\\) pair"),
        (("drivers.seats.start", ("buy", "it"), ("buy", "it")), {}, "the same cell buy/it"),
        (
            ("options.build.costs.platform.amount", ("buy", "shared"), ("buy", "it")),
            {},
            "does not affect buy/shared or buy/it",
        ),
        (("drivers.seats.start", ("build", "shared"), ("buy", "shared")), {"bounds": (5, 1)}, "low below high"),
        (("drivers.seats.start", ("build", "shared"), ("buy", "shared")), {"bounds": 5}, "bounds must be a"),
        (("drivers.seats.start", ("build", "shared"), ("buy", "shared")), {"trials": -1}, "trials must be an integer"),
        (("drivers.seats.start", ("build", "shared"), ("buy", "shared")), {"seed": -3}, "seed must be a non-negative"),
    ],
)
def test_break_even_bad_requests(tiny, args, kwargs, message):
    with pytest.raises(dk.ScenarioError, match=message):
        sens.break_even(tiny, *args, **({"trials": 0} | kwargs))


def test_break_even_on_a_shipped_scenario(default):
    args = ("drivers.contacts.start", ("build", "it"), ("buy", "it"))
    b = sens.break_even(default, *args, bounds=(50e3, 2e6), trials=2000, seed=1)
    assert 50e3 < b.value < 2e6 and b.a_better_above  # build's cost grows more slowly per contact
    # the same trials on either side of the root: buy ahead below it, build ahead above it
    with pytest.raises(dk.ScenarioError, match="build/it never beats buy/it"):
        sens.break_even(default, *args, bounds=(0.5 * b.value, 0.99 * b.value), trials=2000, seed=1, grid=3)
    with pytest.raises(dk.ScenarioError, match="build/it beats buy/it everywhere"):
        sens.break_even(default, *args, bounds=(1.01 * b.value, 1.5 * b.value), trials=2000, seed=1, grid=3)


CROSS = textwrap.dedent(f"""
    name: crossover
    start_year: 2027
    horizon_years: 4
    discount_rate: 0.0
    options:
      build:
        kind: build
        costs:
          platform: {{category: implementation, timing: one_off, amount: 1000}}
          running: {{category: infrastructure, timing: recurring, amount: 100}}
      buy:
        kind: buy
        costs:
          subscription: {{category: license, timing: recurring, amount: 500}}
    owners:
      shared: {NEUTRAL % 0}
""")


def test_crossover_year_by_hand():
    # cumulative cost by period 0..4: build 1000, 1100, 1200, 1300, 1400; buy 0, 500, 1000, 1500, 2000.
    # Buy overtakes build in period 3, the year 2027 - 1 + 3 = 2029; build never overtakes buy.
    r = simulate(loads(CROSS), trials=10, seed=0)
    assert sens.crossover_year(r, ("buy", "shared"), ("build", "shared")) == 2029
    assert sens.crossover_year(r, ("build", "shared"), ("buy", "shared")) is None
    assert sens.crossover_year(r, ("buy", "shared"), ("buy", "shared")) is None
    with pytest.raises(dk.ScenarioError, match="unknown option 'by'"):
        sens.crossover_year(r, ("by", "shared"), ("build", "shared"))
    with pytest.raises(dk.ScenarioError, match="expected a simulation Result"):
        sens.crossover_year(loads(CROSS), ("buy", "shared"), ("build", "shared"))
