"""The status quo: what happens if nothing changes, owner-independent, from the same draws.

References worked by hand: a status quo of fixed lines has the NPV numpy-financial gives for
its cash flows; an option identical to it (``extends: status_quo``) differs by exactly 0 in
every trial under an owner whose every effect is neutral, and by the owner's governance
overhead on the same costs under the others.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

import decision_kit as dk
from decision_kit import loading
from decision_kit.errors import ScenarioError

NEUTRAL_MARKETING = (
    "{governance_overhead: 0, launch_factor: 1, launch_extra_months: 0, integration_factor: 1, "
    "realisation_factor: 1, incident_frequency: 1, incident_severity: 1, consolidation: 0}"
)

BASE = f"""
name: status quo
horizon_years: 5
discount_rate: 8%
shared:
  ops: {{dist: triangular, low: 100k, mode: 120k, high: 145k}}
status_quo:
  description: today's email tool and one marketing-operations FTE; the tool's vendor ends it in year 3
  costs:
    ops: {{category: staff, timing: recurring, amount: {{dist: shared, name: ops}}, escalation: 3.5%}}
    email_tool: {{category: license, timing: recurring, amount: {{dist: triangular, low: 20k, mode: 30k, high: 45k}}}}
    forced_replacement:
      {{category: implementation, timing: one_off, year: 3, amount: {{dist: pert, low: 20k, mode: 40k, high: 90k}}}}
owners:
  marketing: {NEUTRAL_MARKETING}
  it: {{}}
options:
  keep:
    kind: do_nothing
    extends: status_quo
  replace:
    kind: buy
    extends: status_quo
    launch_months: 3
    costs:
      email_tool: {{category: license, timing: recurring, amount: 0}}
      forced_replacement: {{category: implementation, timing: one_off, amount: 0}}
      map: {{category: license, timing: recurring, amount: 60k}}
      setup: {{category: implementation, timing: one_off, amount: 40k}}
    benefits:
      pipeline: {{category: revenue, amount: {{dist: lognormal, median: 300k, p90: 700k}}, ramp_months: 6}}
risks:
  old_tool_breach:
    type: security
    effect: one_off
    probability: 2%
    impact: {{dist: lognormal, median: 200k, sigma: 1}}
    options: [status_quo, keep]
"""


def test_an_option_identical_to_the_status_quo_differs_by_exactly_zero_in_every_trial():
    s = loading.loads(BASE)
    r = dk.simulate(s, trials=5_000, seed=4)
    keep = r.layout.options.index("keep")
    w = r.layout.owners.index("marketing")
    np.testing.assert_array_equal(r.metrics.npv[:, keep, w], r.status_quo["npv"])
    summary = r.summary()
    assert summary.loc[("keep", "marketing"), "npv_vs_status_quo_mean"] == 0
    assert summary.loc[("keep", "marketing"), "p_worse_than_status_quo"] == 0
    # under IT the same costs carry its governance overhead (in trials without a breach, whose
    # frequency and cost IT's security shifts change too)
    g = s.owner_shifts("it").governance_overhead
    it = r.layout.owners.index("it")
    quiet = (r.metrics.security_events[:, keep, it] == 0) & (r.metrics.security_events[:, keep, w] == 0)
    assert 0.8 < quiet.mean() < 1
    sq_cost = r.status_quo["pv_cost"].astype(float)[quiet]
    diff = r.metrics.pv_cost[quiet, keep, it].astype(float) - sq_cost
    np.testing.assert_allclose(diff, g * sq_cost, rtol=1e-5)


def test_the_status_quo_of_fixed_lines_has_the_npv_of_its_cash_flows():
    text = """
name: fixed
horizon_years: 4
discount_rate: 10%
status_quo:
  costs:
    tool: {category: license, timing: recurring, amount: 30k, escalation: 5%}
    migration: {category: exit, timing: one_off, year: 2, amount: 50k}
  benefits:
    reports: {category: savings, amount: 10k, ramp_months: 0}
options:
  a: {kind: buy, costs: {x: {category: license, timing: recurring, amount: 1}}}
"""
    r = dk.simulate(loading.loads(text), trials=100, seed=0)
    # years 1..4: licence 30k x 1.05^(t-1), the migration in year 2, 10k saved a year (no ramp)
    flows = [0.0] + [10_000 - 30_000 * 1.05 ** (t - 1) - (50_000 if t == 2 else 0) for t in range(1, 5)]
    np.testing.assert_allclose(r.status_quo["npv"], npf.npv(0.10, flows), rtol=1e-9)
    costs = [30_000 * 1.05 ** (t - 1) + (50_000 if t == 2 else 0) for t in range(1, 5)]
    np.testing.assert_allclose(r.status_quo["tco"], sum(costs), rtol=1e-6)


def test_the_status_quo_shares_the_draws_of_what_it_has_in_common_and_is_owner_independent():
    s = loading.loads(BASE)
    r = dk.simulate(s, trials=4_000, seed=9)
    replace = r.layout.options.index("replace")
    m = r.layout.owners.index("marketing")
    d = r.metrics.npv[:, replace, m] - r.status_quo["npv"]
    # the shared ops FTE cancels: the difference does not depend on its draw
    ops = r.inputs["shared.ops"]
    assert abs(np.corrcoef(ops, d)[0, 1]) < 0.05
    assert abs(np.corrcoef(ops, r.status_quo["npv"])[0, 1]) > 0.2
    row = r.summary().loc[("replace", "marketing")]
    assert row.npv_vs_status_quo_mean == pytest.approx(d.mean(), rel=1e-12)
    assert row.p_worse_than_status_quo == pytest.approx((d < 0).mean())
    assert "Against the status quo" in r.recommendation()


def test_keep_the_status_quo_when_no_option_beats_it():
    text = BASE.replace("amount: {dist: lognormal, median: 300k, p90: 700k}", "amount: 1k")
    r = dk.simulate(loading.loads(text), trials=2_000, seed=1)
    assert r.recommendation().startswith("Keep the status quo: no option beats it in expected NPV.")


def test_only_risks_that_name_the_status_quo_touch_it():
    from decision_kit.plan import compile_plan

    plan = compile_plan(loading.loads(BASE))
    assert plan.status_quo is not None
    assert [x.name for x in plan.status_quo.risks] == ["old_tool_breach"]
    everywhere = BASE.replace("    options: [status_quo, keep]\n", "")
    plan = compile_plan(loading.loads(everywhere))
    assert plan.status_quo is not None and plan.status_quo.risks == ()


def test_naming_a_status_quo_that_is_not_there_is_a_located_error():
    text = BASE.split("status_quo:\n  description")[0] + "options:" + BASE.split("\noptions:")[1]
    text = text.replace("    extends: status_quo\n", "", 1)
    with pytest.raises(ScenarioError, match=r"risks\.old_tool_breach\.options\[0\]: the scenario states no status_quo"):
        loading.loads(text.replace("extends: status_quo", "extends: keep"))
