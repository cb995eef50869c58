"""Independent cross-check of the vectorised engine against a per-trial pure-Python model.

``benchmarks/loop_model.py`` implements the same cash-flow model trial by trial with Python's
``random`` and shares no code with :mod:`decision_kit.engine` or the distributions' ``sample``.
Its random numbers differ from the engine's, so agreement is checked

- statistically: mean NPV per option x owner cell within 5 combined standard errors
  (fixed seeds, so the test is deterministic);
- exactly: with every input pinned to a fixed number, risk events either impossible or
  certain, both must give the same NPV to rounding.

Correlations are removed first (the loop model ignores them). Every shipped scenario is
checked; trial counts of the loop shrink with the model's size to keep the file fast.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import decision_kit as dk
from decision_kit.loading import loads
from decision_kit.schema import Scenario, input_paths

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "marketing_automation.yaml"

_spec = importlib.util.spec_from_file_location("_dk_bench_loop_model", ROOT / "benchmarks" / "loop_model.py")
loop_model = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
if not hasattr(loop_model, "simulate_loop"):
    _spec.loader.exec_module(loop_model)

# Trial counts. The loop model costs ~1 ms a trial on a 2-core VM, so its counts are what keeps
# this file near 20 s: the default scenario gets the full count, every other shipped scenario
# a smaller one, scaled down for larger models (never below MIN_LOOP_TRIALS).
ENGINE_TRIALS = {"default": 40_000, "other": 15_000, "risk_timing": 10_000}
LOOP_TRIALS = {"default": 4_000, "other": 800, "risk_timing": 500}
MIN_LOOP_TRIALS = 400
Z = 5.0


# Every feature the shipped scenarios may not exercise: lasting security risks (frequency and
# severity shifts), benefit loss, forced migration, fixed and Pareto one-off impacts, percent_of
# chains (one on an integration line, so it scales with the integration factor squared),
# customisation lines, one-off costs in later years, consolidation and governance overrides, a
# subset of owners, every kind of distribution, and caps on risk losses (an amount, a share of
# revenue, a price rise).
KITCHEN_SINK = textwrap.dedent("""
    name: kitchen sink
    horizon_years: 7
    revenue: 8M
    discount_rate: 6%
    drivers:
      users: {unit: users, start: {dist: uniform, low: 800, high: 1200}, growth: {dist: triangular, low: 0.0, mode: 0.04, high: 0.12}}
    options:
      build:
        kind: build
        launch_months: {dist: quantiles, p10: 6, p50: 9, p90: 15}
        cost_overrun: {dist: pareto, xm: 1.0, alpha: 3.0, cap: 4.0}
        realisation: {dist: mixture, components: [{weight: 0.25, dist: 0}, {weight: 0.75, dist: {dist: uniform, low: 0.6, high: 1.3}}]}
        costs:
          dev: {category: implementation, timing: one_off, amount: {dist: pert, low: 300k, mode: 400k, high: 700k}, overrun: true}
          custom: {category: customisation, timing: one_off, year: 2, amount: {dist: triangular, low: 50k, mode: 60k, high: 120k}, overrun: true}
          hosting: {category: infrastructure, timing: per_unit, driver: users, start: launch, amount: 40, escalation: {dist: uniform, low: 0.0, high: 0.06}}
          ops: {category: staff, timing: recurring, start: launch, amount: {dist: discrete, values: [100k, 150k, 200k], probs: [0.5, 0.3, 0.2]}, escalation: 3%}
          ops_tools: {category: license, timing: percent_of, of: ops, amount: 0.1}
          ops_tools_support: {category: support, timing: percent_of, of: ops_tools, amount: {dist: uniform, low: 0.1, high: 0.3}, overrun: true}
        benefits:
          savings: {category: savings, amount: {dist: lognormal, mean: 500k, sd: 150k}, ramp_months: {dist: uniform, low: 3, high: 18}, growth: 2%}
      buy:
        kind: buy
        launch_months: {dist: triangular, low: 2, mode: 3, high: 6}
        cost_overrun: {dist: lognormal, median: 1.1, p90: 1.5}
        costs:
          seats: {category: license, timing: per_unit, driver: users, start: decision, amount: {dist: triangular, low: 120, mode: 150, high: 200}, escalation: {dist: normal, mean: 0.05, sd: 0.02}}
          platform: {category: license, timing: recurring, start: launch, amount: 60k, escalation: {dist: pert, low: 0.02, mode: 0.05, high: 0.1}}
          support: {category: support, timing: percent_of, of: seats, amount: 0.15}
          integration: {category: integration, timing: one_off, year: 1, amount: {dist: uniform, low: 40k, high: 90k}, overrun: true}
          integration_qa: {category: integration, timing: percent_of, of: integration, amount: 0.2, overrun: true}
        benefits:
          revenue: {category: revenue, amount: {dist: lognormal, median: 400k, sigma: 0.4}, ramp_months: 0, growth: {dist: uniform, low: 0, high: 0.06}}
          savings: {category: savings, amount: 100k, ramp_months: 12}
    owners:
      it: {}
      shadow: {consolidation: 0.5}
      marketing: {governance_overhead: 0.2, incident_frequency: 2.0, incident_severity: 1.5}
    risks:
      breach_price_rise: {type: security, effect: price_rise, probability: {dist: uniform, low: 0.05, high: 0.25}, impact: {dist: uniform, low: 0.1, high: 0.3}, lines: [seats, platform, ops], cap: {amount: 0.25}}
      vendor_rise: {type: vendor, effect: price_rise, probability: 0.15, impact: 0.2, options: [buy], lines: [seats]}
      adoption_drop: {type: delivery, effect: benefit_loss, probability: {dist: pert, low: 0.05, mode: 0.1, high: 0.3}, impact: {dist: uniform, low: 0.2, high: 0.6}}
      forced_move: {type: security, effect: forced_migration, probability: 0.08, impact: {dist: triangular, low: 100k, mode: 150k, high: 300k}, cap: {share_of_revenue: 2.5%}}
      outage: {type: people, effect: one_off, probability: 0.2, impact: 50k, options: [build]}
      incident: {type: security, effect: one_off, probability: {dist: uniform, low: 0.02, high: 0.1}, impact: {dist: pareto, xm: 20k, alpha: 2.5}, cap: {amount: 60k}}
""")


def _kitchen_sink() -> Scenario:
    return loads(KITCHEN_SINK)


@functools.lru_cache(maxsize=None)
def _load(path: Path):
    """The file's Scenario or Portfolio, or the ScenarioError it raises (read once per session)."""
    try:
        return dk.load(path)
    except dk.ScenarioError as exc:
        return exc


def _is_portfolio(path: Path) -> bool:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False  # let _scenario report it
    return isinstance(data, dict) and "initiatives" in data


SCENARIOS = [p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if not _is_portfolio(p)]


def _scenario(path: Path) -> Scenario:
    obj = _load(path)
    if isinstance(obj, dk.ScenarioError):  # a broken file is test_loading's business, not this file's
        pytest.skip(f"{path.name} does not load: {obj}")
    if not isinstance(obj, Scenario):
        pytest.skip(f"{path.name} is a portfolio, not a scenario")
    return obj.replace(correlations=[]) if obj.correlations else obj


def _loop_trials(s: Scenario, base: int) -> int:
    ref = loop_model.model_size(_load(DEFAULT))
    return max(MIN_LOOP_TRIALS, min(base, int(base * ref / loop_model.model_size(s))))


def _pinned(s: Scenario, probability: float | None) -> Scenario:
    """``s`` with every uncertain input fixed at its mean (its median if the mean is infinite;
    not the median throughout: some impacts have a median of 0); risk probabilities set to
    ``probability`` (None keeps them uncertain). With probability 1, owners whose incident
    frequency is below 1 get 1, so that security events stay certain."""
    data = s.model_dump(mode="python", by_alias=True)
    for path, dist in input_paths(s).items():
        *parents, leaf = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        if leaf == "probability" and parents[0] == "risks":
            if probability is not None:
                node[leaf] = probability
        else:
            mean = float(dist.mean())
            node[leaf] = mean if np.isfinite(mean) else float(dist.median())
    if probability == 1:
        for w in data["owners"]:
            if s.owner_shifts(w).incident_frequency < 1:
                data["owners"][w]["incident_frequency"] = 1.0
    data["correlations"] = []
    return Scenario.model_validate(data)


def _compare(s: Scenario, engine_trials: int, loop_trials: int, seed: int):
    res = dk.simulate(s, trials=engine_trials, seed=seed)
    loop = loop_model.simulate_loop(s, loop_trials, seed=seed + 1)
    assert loop.options == res.layout.options and loop.owners == res.layout.owners
    a, b = res.metrics["npv"], loop.npv_array()
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    diff = a.mean(axis=0) - b.mean(axis=0)
    bad = [f"{o}/{w}: engine {a.mean(axis=0)[i, j]:,.0f} vs loop {b.mean(axis=0)[i, j]:,.0f} "
           f"({diff[i, j] / se[i, j]:+.1f} SE)"
           for i, o in enumerate(loop.options) for j, w in enumerate(loop.owners)
           if not abs(diff[i, j]) <= Z * se[i, j] + 1e-6 * max(1.0, abs(a.mean(axis=0)[i, j]))]
    assert not bad, "mean NPV differs between engine and loop model:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_mean_npv_agrees_with_loop_model(path):
    s = _scenario(path)
    which = "default" if path == DEFAULT else "other"
    _compare(s, ENGINE_TRIALS[which], _loop_trials(s, LOOP_TRIALS[which]), seed=11)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_risk_timing_agrees_with_loop_model(path):
    """Only the risk events are random (probability 30 % a year, every other input at its
    mean), so the comparison is sharp on event timing: geometric first-event years in the
    engine against year-by-year Bernoulli draws in the loop."""
    s = _scenario(path)
    if not s.risks:
        pytest.skip("no risks")
    _compare(_pinned(s, 0.3), ENGINE_TRIALS["risk_timing"], _loop_trials(s, LOOP_TRIALS["risk_timing"]), seed=21)


@pytest.mark.parametrize("probability", [0.0, 1.0], ids=["no_events", "events_every_year"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_pinned_inputs_agree_exactly(path, probability):
    s = _pinned(_scenario(path), probability)
    res = dk.simulate(s, trials=3, seed=0)
    npv = res.metrics["npv"]
    assert np.all(npv == npv[0])  # nothing random left
    loop = loop_model.simulate_loop(s, 1, seed=0)
    np.testing.assert_allclose(npv[0], loop.npv_array()[0], rtol=1e-9, atol=1e-6)


def test_kitchen_sink_mean_npv_agrees_with_loop_model():
    _compare(_kitchen_sink(), ENGINE_TRIALS["default"], 3_000, seed=31)


@pytest.mark.parametrize("probability", [0.0, 1.0], ids=["no_events", "events_every_year"])
def test_kitchen_sink_pinned_inputs_agree_exactly(probability):
    s = _pinned(_kitchen_sink(), probability)
    res = dk.simulate(s, trials=3, seed=0)
    npv = res.metrics["npv"]
    assert np.all(npv == npv[0])
    np.testing.assert_allclose(npv[0], loop_model.simulate_loop(s, 1, seed=0).npv_array()[0], rtol=1e-9, atol=1e-6)


def test_kitchen_sink_risk_timing_agrees_with_loop_model():
    _compare(_pinned(_kitchen_sink(), 0.3), ENGINE_TRIALS["risk_timing"], 1_500, seed=41)


def test_loop_model_draws_match_the_distributions():
    """The loop's scalar draws follow the stated distributions (a check on the checker: a
    wrong parameterisation of, say, random.triangular would otherwise pass silently if the
    engine made the same mistake). Mean within 5 standard errors; empirical CDF within 0.03
    of the analytic CDF at P10, P50 and P90 (atoms allowed, e.g. a mixture with 0)."""
    import random

    rnd = random.Random(5)
    n = 4_000
    per_kind = 4  # distinct distributions checked per kind (beta draws are slow in pure Python)
    distinct: dict = {}  # kind -> {repr: (where, distribution)}
    sources = [("kitchen_sink", _kitchen_sink())] + [(p.stem, _load(p)) for p in SCENARIOS]
    for stem, obj in sources:
        if not isinstance(obj, Scenario):
            continue
        for k, d in input_paths(obj).items():
            kind = d.resolved.dist if d.dist == "prior" else d.dist
            group = distinct.setdefault(kind, {})
            if not d.is_fixed() and len(group) < per_kind:
                group.setdefault(repr(d), (f"{stem}:{k}", d))
    for where, dist in (x for group in distinct.values() for x in group.values()):
        x = np.array([loop_model.draw(dist, rnd) for _ in range(n)])
        assert abs(x.mean() - dist.mean()) <= 5 * x.std() / np.sqrt(n), where
        for q in dist.quantiles([0.1, 0.5, 0.9]):
            assert abs((x <= q).mean() - float(dist.cdf(q))) < 0.03, (where, q)
