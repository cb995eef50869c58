"""Shared quantities and option variants: the same physical quantity is the same draw.

References are worked by hand, not by the code under test:

- a variant that only adds a one-off cost ``c`` at the decision date differs from its parent
  by exactly ``c (1 + g_w)`` in every trial, ``g_w`` being the owner's governance overhead (a
  stated share of every period's cost, PRIORS.md section 8), because every other input is the
  parent's draw; so it is never the best cell, and EVPI is unchanged;
- two options whose benefit is one shared quantity times fit factors 1.25 and 1.15 have
  benefits in the ratio 1.25 / 1.15 in every period of every trial;
- a variant that changes nothing has the parent's NPV, bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import decision_kit as dk
from decision_kit import engine, loading
from decision_kit.errors import ScenarioError
from decision_kit.plan import compile_plan
from decision_kit.schema import Scenario, derived_inputs, input_paths, validate_document
from decision_kit.simulation import draw_trials
from decision_kit.voi import evpi

SCENARIOS = sorted(p for p in (Path(__file__).parents[1] / "scenarios").glob("*.yaml") if "budget" not in p.name)
TRIALS = 2_000


def _with(scenario: Scenario, **options) -> Scenario:
    data = scenario.model_dump(mode="python", by_alias=True)
    data["options"] = {**data["options"], **options}
    return validate_document(Scenario, data, {}, "<test>")


def _npv(result, option: str) -> np.ndarray:
    return result.metrics.npv[:, result.layout.options.index(option), :]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_variant_with_one_thousand_more_cost_loses_exactly_that_in_every_trial(path):
    base = loading.load_scenario(path)
    parent = next(iter(base.options))
    extra = {"category": "implementation", "timing": "one_off", "amount": 1000}
    s = _with(base, dearer={"extends": parent, "costs": {"one_thousand_more": extra}})
    r = dk.simulate(s, trials=TRIALS, seed=7)

    governance = np.array([s.owner_shifts(w).governance_overhead for w in r.layout.owners])
    expected = np.broadcast_to(1000 * (1 + governance), (TRIALS, len(governance)))
    np.testing.assert_allclose(_npv(r, parent) - _npv(r, "dearer"), expected, rtol=0, atol=1e-6)
    summary = r.summary()
    assert (summary.loc["dearer", "p_best"] == 0).all()

    r0 = dk.simulate(base, trials=TRIALS, seed=7)
    np.testing.assert_array_equal(r.metrics.npv[:, : len(base.options)], r0.metrics.npv)
    assert float(evpi(r)) == pytest.approx(float(evpi(r0)), rel=1e-12)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_variant_that_changes_nothing_has_its_parents_numbers(path):
    base = loading.load_scenario(path)
    parent = next(iter(base.options))
    s = _with(base, copy={"extends": parent})
    r = dk.simulate(s, trials=TRIALS, seed=3)
    np.testing.assert_array_equal(_npv(r, "copy"), _npv(r, parent))
    assert not set(input_paths(s)) - set(input_paths(base)), "a variant that states nothing draws nothing"


FIT = """
name: fit factors
horizon_years: 6
discount_rate: 8%
shared:
  market_response: {dist: lognormal, median: 900k, p90: 2.2M}
  execution: {dist: pert, low: 0.4, mode: 0.9, high: 1.1}
options:
  vendor_a:
    kind: buy
    launch_months: 4
    realisation: {dist: shared, name: execution}
    costs:
      licence: {category: license, timing: recurring, amount: {dist: triangular, low: 100k, mode: 150k, high: 250k}}
    benefits:
      pipeline:
        category: revenue
        amount: {dist: shared, name: market_response, scale: 1.25}
        ramp_months: 6
        growth: 3%
  vendor_b:
    kind: buy
    launch_months: 4
    realisation: {dist: shared, name: execution}
    costs:
      licence: {category: license, timing: recurring, amount: {dist: triangular, low: 80k, mode: 120k, high: 200k}}
    benefits:
      pipeline:
        category: revenue
        amount: {dist: shared, name: market_response, scale: 1.15}
        ramp_months: 6
        growth: 3%
"""


def test_one_shared_benefit_with_two_fit_factors_keeps_their_ratio_in_every_trial():
    s = loading.loads(FIT)
    values, risks, n = draw_trials(s, 5_000, 11)
    _, benefit = engine.project(compile_plan(s), values, risks, n).flows()  # (O, W, P, n)
    a, b = benefit[0], benefit[1]
    live = b > 0
    assert live.mean() > 0.5
    np.testing.assert_allclose(a[live] / b[live], 1.25 / 1.15, rtol=1e-12)
    assert (a[~live] == 0).all()
    # the quantity itself is drawn once, as stated: lognormal with median 900k and P90 2.2M
    x = values["shared.market_response"]
    sigma = np.log(2.2e6 / 9e5) / stats.norm.ppf(0.9)
    assert stats.kstest(x, stats.lognorm(sigma, scale=9e5).cdf).pvalue > 1e-4
    np.testing.assert_array_equal(values["options.vendor_a.benefits.pipeline.amount"], 1.25 * x)


def test_references_are_not_inputs_of_their_own_and_say_what_they_read():
    s = loading.loads(FIT)
    paths = input_paths(s)
    assert "shared.market_response" in paths and "shared.execution" in paths
    assert "options.vendor_a.benefits.pipeline.amount" not in paths
    assert derived_inputs(s) == {
        "options.vendor_a.realisation": ("shared.execution", 1.0),
        "options.vendor_a.benefits.pipeline.amount": ("shared.market_response", 1.25),
        "options.vendor_b.realisation": ("shared.execution", 1.0),
        "options.vendor_b.benefits.pipeline.amount": ("shared.market_response", 1.15),
    }


def test_a_shared_quantity_can_be_correlated_and_moves_every_use():
    text = (
        FIT
        + """
correlations:
  - between: [shared.market_response, options.vendor_a.costs.licence.amount]
    rank: 0.7
"""
    )
    s = loading.loads(text)
    values, _, _ = draw_trials(s, 20_000, 5)
    benefit_b, licence_a = (
        values["options.vendor_b.benefits.pipeline.amount"],
        values["options.vendor_a.costs.licence.amount"],
    )
    rho = stats.spearmanr(benefit_b, licence_a)
    assert rho.statistic == pytest.approx(0.7, abs=0.03)


VARIANTS = """
name: variants
horizon_years: 5
discount_rate: 8%
options:
  buy:
    kind: buy
    launch_months: {dist: triangular, low: 2, mode: 4, high: 9}
    realisation: {dist: pert, low: 0.3, mode: 0.9, high: 1.1}
    costs:
      subscription:
        {category: license, timing: recurring, amount: {dist: triangular, low: 100k, mode: 140k, high: 200k}}
      support: {category: support, timing: percent_of, of: subscription, amount: 10%}
      setup: {category: implementation, timing: one_off, amount: {dist: pert, low: 40k, mode: 60k, high: 120k}}
    benefits:
      pipeline: {category: revenue, amount: {dist: lognormal, median: 600k, p90: 1.4M}}
    scores: {architecture_fit: 3}
  buy_premium:
    extends: buy
    description: the vendor's premium support tier, with a faster set-up
    costs:
      support: {category: support, timing: percent_of, of: subscription, amount: 20%}
      success_manager: {category: support, timing: recurring, amount: 30k}
    scores: {architecture_fit: 4}
risks:
  price_hike:
    type: vendor
    effect: price_rise
    probability: 10%
    impact: 30%
    options: [buy]
    lines: [subscription]
"""


def test_a_variant_holds_its_parents_lines_in_order_and_overrides_in_place():
    s = loading.loads(VARIANTS)
    v = s.options["buy_premium"]
    assert v.kind == "buy"
    assert list(v.costs) == ["subscription", "support", "setup", "success_manager"]
    assert v.costs["support"].amount.ppf(0.5) == pytest.approx(0.20)
    assert v.scores == {"architecture_fit": 4}
    assert v.launch_months == s.options["buy"].launch_months
    assert ("costs", "subscription") in v.inherited and ("costs", "support") not in v.inherited
    plan = compile_plan(s)
    assert [r.name for r in plan.options[1].risks] == ["price_hike"], "a risk naming the parent touches the variant"


def test_a_variant_differs_from_its_parent_only_by_what_it_changes():
    """Per trial and year, premium minus buy is 10% more support on the subscription paid that
    year (times 1.3 once the shared price rise has happened) plus the 30k success manager, with
    the owner's governance overhead on both; the benefits are the same numbers."""
    s = loading.loads(VARIANTS)
    values, risks, n = draw_trials(s, 4_000, 2)
    plan = compile_plan(s)
    cost, benefit = engine.project(plan, values, risks, n).flows()
    np.testing.assert_array_equal(benefit[0], benefit[1])
    sub = values["options.buy.costs.subscription.amount"]
    np.testing.assert_array_equal(values["options.buy_premium.costs.subscription.amount"], sub)
    rises = []
    for w, owner in enumerate(plan.layout.owners):
        g = s.owner_shifts(owner).governance_overhead
        extra = cost[1, w] - cost[0, w]  # (P, n)
        assert (extra[0] == 0).all(), "nothing changes at the decision date"
        factor = (extra[1:] / (1 + g) - 30_000) / (0.10 * sub)
        risen = np.isclose(factor, 1.3, rtol=1e-9)
        assert (risen | np.isclose(factor, 1.0, rtol=1e-9)).all()
        assert (np.diff(risen.astype(int), axis=0) >= 0).all(), "a price rise lasts"
        rises.append(risen)
    for r in rises[1:]:
        np.testing.assert_array_equal(r, rises[0])  # the same event in every owner's cell
    assert 0 < rises[0][-1].mean() < 1


def test_a_variant_round_trips_and_saves_only_what_it_states(tmp_path):
    s = loading.loads(VARIANTS)
    dumped = s.options["buy_premium"].model_dump()
    assert set(dumped["costs"]) == {"support", "success_manager"}
    assert "kind" not in dumped and "launch_months" not in dumped
    again = loading.loads(loading.dumps(s))
    assert again == s
    assert again.options["buy_premium"].inherited == s.options["buy_premium"].inherited
    moved = s.replace(horizon_years=4)
    assert moved.options["buy_premium"].inherited == s.options["buy_premium"].inherited
    assert derived_inputs(moved) == derived_inputs(s)


def test_a_variant_of_a_variant_reads_the_first_options_draw():
    data = loading.loads(VARIANTS).model_dump(mode="python", by_alias=True)
    data["options"]["buy_premium_plus"] = {"extends": "buy_premium", "launch_months": 2}
    s = validate_document(Scenario, data, {}, "<test>")
    d = derived_inputs(s)
    assert d["options.buy_premium_plus.costs.subscription.amount"] == ("options.buy.costs.subscription.amount", 1.0)
    assert d["options.buy_premium_plus.costs.success_manager.amount"] == (
        "options.buy_premium.costs.success_manager.amount",
        1.0,
    )
    assert "options.buy_premium_plus.launch_months" in input_paths(s)


def test_a_reference_outside_a_scenario_is_refused():
    from pydantic import TypeAdapter, ValidationError

    from decision_kit.distributions import Distribution

    with pytest.raises(ValidationError, match="can only be used in a scenario"):
        TypeAdapter(Distribution).validate_python({"dist": "shared", "name": "x"})


def test_a_shared_quantity_used_as_a_driver_growth_and_a_risk_probability():
    text = """
name: drivers and risks
horizon_years: 4
discount_rate: 8%
shared:
  market_growth: {dist: uniform, low: 2%, high: 12%}
  vendor_distress: {dist: uniform, low: 1%, high: 9%}
drivers:
  contacts: {unit: contacts, start: 100k, growth: {dist: shared, name: market_growth}}
options:
  a:
    kind: buy
    costs:
      per_contact: {category: license, timing: per_unit, driver: contacts, amount: 0.5}
risks:
  acquisition:
    type: vendor
    effect: price_rise
    probability: {dist: shared, name: vendor_distress}
    impact: 50%
    lines: [per_contact]
"""
    s = loading.loads(text)
    assert derived_inputs(s) == {
        "drivers.contacts.growth": ("shared.market_growth", 1.0),
        "risks.acquisition.probability": ("shared.vendor_distress", 1.0),
    }
    values, risks, n = draw_trials(s, 20_000, 1)
    np.testing.assert_array_equal(values["drivers.contacts.growth"], values["shared.market_growth"])
    plan = compile_plan(s)
    cost, _ = engine.project(plan, values, risks, n).flows()
    w = plan.layout.owners.index("marketing")
    year = cost[0, w, 1:] / (1 + s.owner_shifts("marketing").governance_overhead)  # (4, n)
    # year 2 over year 1 is the shared growth, times 1.5 where the price rise came in year 2
    step = year[1] / year[0] / (1 + values["shared.market_growth"])
    assert (np.isclose(step, 1.0, rtol=1e-9) | np.isclose(step, 1.5, rtol=1e-9)).all()
    # trials where the vendor was acquired drew a higher shared probability: the same draw
    hit = year[-1] > 0.5 * 100_000 * (1 + values["shared.market_growth"]) ** 3 * 1.25
    p = values["shared.vendor_distress"]
    assert 0.05 < hit.mean() < 0.3
    assert p[hit].mean() > p[~hit].mean() + 0.005


def test_unknown_shared_name_is_a_located_error():
    bad = FIT.replace("name: market_response, scale: 1.15", "name: market, scale: 1.15")
    where = r"<string>:\d+:\d+: options\.vendor_b\.benefits\.pipeline\.amount: "
    with pytest.raises(ScenarioError, match=where + "'market' is not defined under shared"):
        loading.loads(bad)
