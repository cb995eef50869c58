"""Switching vendor after an acquisition with double running and a new vendor's price
(decision_kit.staged_decisions.switches), against hand-worked cases.

The tiny scenario: a 3-year horizon at 10%, one licence line of 1,000 a year from the decision
date, a benefit of 3,000 a year, the vendor acquired in year 1 in every trial (probability 1),
the acquirer's price change ``impact`` applying from year 2. Switching at the end of year 1 for
300 keeps the licence at 1,000 in years 2 and 3 (``SWITCH_SAVES`` below when the price doubles).
References are worked out by hand in the comments, never by running the analysis twice.
"""

import textwrap

import numpy as np
import pandas as pd
import pytest

import decision_kit as dk
from decision_kit import engine, staged_flows
from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.plan import compile_plan
from decision_kit.simulation import draw_trials, simulate
from decision_kit.staged_decisions import double_running, new_vendor_values, switches
from decision_kit.staged_flows import licence_flows

OWNER = """
    owners:
      shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
               incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1,
               marketing_share: 0.5}
"""

SWITCH_SAVES = 1000 / 1.1**2 + 1000 / 1.1**3 - 300 / 1.1  # 1,305.03: a doubled price, switched away from


def _acquired(impact: str, switch: str = "", cost: str = "300", lines: str = "") -> dk.Scenario:
    extra = f", {switch}" if switch else ""
    return loads(
        textwrap.dedent(f"""
        name: switch with double running, hand-worked
        horizon_years: 3
        discount_rate: 0.10
        options:
          buy:
            kind: buy
            costs:
              licence: {{category: license, timing: recurring, amount: 1000}}{lines}
            benefits:
              uplift: {{category: revenue, amount: 3000, ramp_months: 0}}
            flexibility:
              switch_vendor: {{risk: acquired, cost: {cost}{extra}}}
        risks:
          acquired: {{type: vendor, effect: price_rise, probability: 1, impact: {impact}, lines: [licence]}}
    """)
        + textwrap.dedent(OWNER)
    )


def _row(s: dk.Scenario, trials: int = 2_000, seed: int = 1) -> pd.Series:
    return switches(s, trials=trials, seed=seed).table.loc[("buy", "shared")]


# -- the defaults are today's switch -------------------------------------------------------------------


def test_no_double_running_and_the_old_price_are_todays_switch():
    # Stated as 0 months and a price ratio of exactly 1, the switch is the one without them: the
    # hand-worked 1,305.03 of a doubled price (today's test_staged_decisions pins the same).
    row = _row(_acquired("1.0", "double_running_months: 0, new_vendor_price: 1"))
    assert row.value == pytest.approx(SWITCH_SAVES, rel=1e-12)
    assert row.double_running_cost == 0 and row.new_vendor_price == 1


def test_stating_the_defaults_on_the_shipped_scenario_changes_nothing_bit_for_bit():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    without, stated = s.model_dump(exclude_none=True), s.model_dump(exclude_none=True)
    for o in ("buy",):  # hybrid, a variant of buy, inherits its switch
        sw = without["options"][o]["flexibility"]["switch_vendor"]
        del sw["double_running_months"], sw["new_vendor_price"]
        stated["options"][o]["flexibility"]["switch_vendor"].update(double_running_months=0, new_vendor_price=1)
    a = switches(dk.Scenario.model_validate(without), trials=2_000, seed=3).table
    b = switches(dk.Scenario.model_validate(stated), trials=2_000, seed=3).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_no_double_running_and_the_old_price_pin_the_switch_before_them():
    # A switch with drawn inputs (licence, switching cost, acquisition and price change), the
    # new fields stated as 0 and 1: the value, commit-now NPV and switch rate the code before
    # double running and the new vendor's price gave on the same scenario, seed and trials
    # (commit b13c9e5, the fields absent), printed with repr: a regression pin.
    s = loads(
        textwrap.dedent("""
        name: switch pinned
        horizon_years: 4
        discount_rate: 0.08
        options:
          buy:
            kind: buy
            costs:
              licence: {category: license, timing: recurring, escalation: 0.05,
                        amount: {dist: triangular, low: 800, mode: 1000, high: 1500}}
            benefits:
              uplift: {category: revenue, amount: 3000, ramp_months: 0}
            flexibility:
              switch_vendor: {risk: acquired, cost: {dist: lognormal, median: 900, sigma: 0.6},
                              double_running_months: 0, new_vendor_price: 1}
        risks:
          acquired: {type: vendor, effect: price_rise, probability: 0.3, lines: [licence],
                     impact: {dist: discrete, values: [0, 0.2, 1.0], probs: [0.5, 0.3, 0.2]}}
    """)
        + textwrap.dedent(OWNER)
    )
    row = _row(s, trials=4_000, seed=3)
    assert row.value == pytest.approx(151.80429022855077, rel=1e-12)
    assert row.commit_npv == pytest.approx(5679.635324147822, rel=1e-12)
    assert row.p_switch == 0.137 and row.switch_if_rise_at_least == 1.0


# -- double running --------------------------------------------------------------------------------------


def test_six_months_of_double_running_cost_half_a_year_of_the_old_licence_in_year_two():
    # The acquirer doubles the licence to 2,000 from year 2. Switching at the end of year 1 keeps
    # 1,000 in years 2 and 3 but pays the old vendor for 6 months of year 2 at its new price:
    # 0.5 x 2,000 = 1,000, discounted to year 2: 1,000/1.1^2 = 826.45. Value 1,305.03 - 826.45
    # = 478.59, still positive, so every trial switches.
    row = _row(_acquired("1.0", "double_running_months: 6"))
    assert row.value == pytest.approx(SWITCH_SAVES - 1000 / 1.1**2, rel=1e-12)
    assert row.value == pytest.approx(478.5875, abs=1e-4)
    assert row.p_switch == 1 and row.double_running_cost == pytest.approx(1000, rel=1e-15)


def test_double_running_pays_only_the_licence_lines_it_names():
    # A usage fee of 500 a year beside the licence, not raised by the acquirer. Double running of
    # 6 months on the licence alone pays 0.5 x 2,000 in year 2, as above; on both lines it also
    # pays 0.5 x 500: 250/1.1^2 = 206.61 more. The fee is paid in every branch, so the switching
    # value is otherwise the same.
    usage = "\n" + " " * 14 + "usage: {category: license, timing: recurring, amount: 500}"
    named = _row(_acquired("1.0", "double_running_months: 6, double_running_lines: [licence]", lines=usage))
    both = _row(_acquired("1.0", "double_running_months: 6", lines=usage))
    assert named.value == pytest.approx(SWITCH_SAVES - 1000 / 1.1**2, rel=1e-12)
    assert both.value == pytest.approx(SWITCH_SAVES - 1250 / 1.1**2, rel=1e-12)
    assert named.double_running_cost == pytest.approx(1000, rel=1e-15)
    with pytest.raises(ScenarioError, match=r"double_running_lines\[0\]: 'uplift' is not a licence line"):
        _acquired("1.0", "double_running_months: 6, double_running_lines: [uplift]", lines=usage)


def test_double_running_beyond_a_year_pays_on_into_the_next():
    # The acquirer quadruples the price (impact 3): staying pays 4,000 in years 2 and 3.
    # Switching for 300 with 15 months of double running pays the old vendor all of year 2
    # (4,000) and a quarter of year 3 (1,000): 3,000/1.1^2 + 3,000/1.1^3 - 300/1.1 - 4,000/1.1^2
    # - 1,000/1.1^3 = -826.45 + 1,502.63 - 272.73 = 403.46.
    row = _row(_acquired("3.0", "double_running_months: 15"))
    assert row.value == pytest.approx(-1000 / 1.1**2 + 2000 / 1.1**3 - 300 / 1.1, rel=1e-12)
    assert row.value == pytest.approx(403.4560, abs=1e-4)
    assert row.double_running_cost == pytest.approx(5000, rel=1e-15)


def test_double_running_per_trial_by_hand():
    # Licence 0, 1,000, 2,000, 2,000 in periods 0-3; acquired in year 1, 2 or never (4).
    lic = np.array([[0.0] * 4, [1000.0] * 4, [2000.0] * 4, [2000.0] * 4])
    df = 1.1 ** -np.arange(4.0)
    paid, pv = double_running(lic, np.array([6.0, 18.0, 6.0, 6.0]), np.array([1, 1, 2, 4]), df)
    # 6 months of year 2; 12 of year 2 and 6 of year 3; 6 months of year 3; never acquired.
    assert paid.tolist() == [1000.0, 3000.0, 1000.0, 0.0]
    assert pv == pytest.approx([1000 / 1.21, 2000 / 1.21 + 1000 / 1.331, 1000 / 1.331, 0.0], rel=1e-15)


def test_double_running_acquired_in_the_last_year_never_switches():
    # A horizon of one year: the acquisition in year 1 leaves no year to switch to, so no trial
    # switches and no double running is paid.
    raw = _acquired("1.0", "double_running_months: 6").model_dump(exclude_none=True)
    raw["horizon_years"] = 1
    row = _row(dk.Scenario.model_validate(raw))
    assert row.value == 0 and row.p_switch == 0 and row.p_acquired == 0 and row.double_running_cost == 0


# -- the new vendor's price ------------------------------------------------------------------------------


def test_a_new_vendor_at_80_percent_cuts_the_switched_licence_by_exactly_a_fifth():
    # Switching away from the doubled price to a new vendor at 0.8 of the old 1,000: 800 in years
    # 2 and 3: 1,200/1.1^2 + 1,200/1.1^3 - 300/1.1 = 991.74 + 901.58 - 272.73 = 1,620.59.
    row = _row(_acquired("1.0", "new_vendor_price: 0.8"))
    assert row.value == pytest.approx(1200 / 1.1**2 + 1200 / 1.1**3 - 300 / 1.1, rel=1e-12)
    assert row.value == pytest.approx(1620.5860, abs=1e-4)
    assert row.new_vendor_price == pytest.approx(0.8, rel=1e-15)


def test_the_new_vendors_price_scales_licence_lines_once_and_lines_on_them_follow():
    # Licence 1,000; an add-on licence at 10% of it; support (not a licence) at 20% of it; staff
    # 500. At a new vendor's 0.8: licence 800, add-on 80 (0.8 x 100, not scaled twice), support
    # 160 (it follows the licence), staff 500: licence category 880, cost 1,540 a year.
    lines = textwrap.indent(
        textwrap.dedent("""
        addon: {category: license, timing: percent_of, of: licence, amount: 0.1}
        support: {category: support, timing: percent_of, of: licence, amount: 0.2}
        staff: {category: staff, timing: recurring, amount: 500}"""),
        " " * 14,
    )
    plan = compile_plan(_acquired("0", "new_vendor_price: 0.8", lines=lines))
    values, risks, n = draw_trials(plan, 50, 1)
    scaled = new_vendor_values(plan, "buy", plan.complete(values), np.full(n, 0.8))
    assert licence_flows(plan, scaled, risks, n)[0, 0, 1:] == pytest.approx(np.full((3, n), 880.0), rel=1e-15)
    cost, _ = engine.project(plan, scaled, risks, n).flows()
    assert cost[0, 0, 1:] == pytest.approx(np.full((3, n), 1540.0), rel=1e-15)


def test_the_rule_cannot_see_the_new_vendors_price():
    # Half the acquirers keep the price, half double it; the new vendor charges 0.5 or 1.5 of the
    # old price, 50/50, drawn apart. Saving by switching, x = 1/1.1^2 + 1/1.1^3 = 1.5778:
    #   doubled: (2,000 - 1,000 p) x - 272.73: 2,093.9 at p 0.5, 516.2 at 1.5: always switch;
    #   kept:    (1,000 - 1,000 p) x - 272.73: 516.2 at p 0.5, -1,061.6 at 1.5: -272.7 on
    #            average, so stay.
    # A rule that saw p would also switch the kept-price trials with p 0.5 (a quarter of all);
    # this one cannot, so it stays there and regrets it: p_stay_regret = 0.25. Its value is half
    # the doubled trials' average saving, 0.5 x ((2,000 - 1,000) x - 272.73) = 0.5 x 1,305.03.
    s = _acquired("{dist: discrete, values: [0, 1.0], probs: [0.5, 0.5]}",
                  "new_vendor_price: {dist: discrete, values: [0.5, 1.5], probs: [0.5, 0.5]}")  # fmt: skip
    sw = switches(s, trials=8_000, seed=2)
    row, valued = sw.table.loc[("buy", "shared")], sw.rules[("buy", "shared")].valued.size
    assert row.switch_if_rise_at_least == 1.0 and row.p_switch_regret == 0
    assert abs(row.p_stay_regret - 0.25) < 3 * np.sqrt(0.25 * 0.75 / valued)
    assert abs(row.value - 0.5 * SWITCH_SAVES) < 3 * row.value_se


# -- never switch ------------------------------------------------------------------------------------------


def test_an_infinite_switching_cost_never_switches_even_to_a_cheap_new_vendor():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    raw = s.model_dump(exclude_none=True)
    sv = raw["options"]["buy"]["flexibility"]["switch_vendor"]
    sv.update(cost=1e15, double_running_months=3, new_vendor_price=0.5)
    sw = switches(dk.Scenario.model_validate(raw), trials=2_000, seed=5, options=["buy"])
    r = simulate(s, trials=2_000, seed=5)
    for (o, w), rule in sw.rules.items():
        row = sw.table.loc[(o, w)]
        assert row.value == 0 and row.p_switch == 0
        reported = r.metrics["npv"][:, list(s.options).index(o), list(s.owners).index(w)] - r.status_quo["npv"]
        assert row.commit_npv == reported[rule.valued].mean()


# -- the licence flows per trial ---------------------------------------------------------------------------


def test_licence_flows_per_trial_by_hand():
    # The licence as drawn: 1,000 in year 1, doubled by the acquirer from year 2.
    plan = compile_plan(_acquired("1.0"))
    values, risks, n = draw_trials(plan, 30, 1)
    lic = licence_flows(plan, values, risks, n)
    assert lic.shape == (1, 1, 4, 30)
    assert np.array_equal(lic[0, 0], np.repeat([[0.0], [1000.0], [2000.0], [2000.0]], 30, axis=1))


def test_licence_flows_add_up_to_the_engines_licence_category_on_the_shipped_scenario():
    plan = compile_plan(dk.load_scenario("scenarios/marketing_automation.yaml"))
    values, risks, n = draw_trials(plan, 3_000, 4)
    lic = licence_flows(plan, values, risks, n)  # (O, W, P, n)
    category = engine.project(plan, values, risks, n).rows_sum[plan.row_index["license"]]  # (P, O, W)
    assert np.moveaxis(lic.sum(axis=-1), 2, 0) == pytest.approx(category, rel=1e-12, abs=1e-6)
    assert lic[list(plan.layout.options).index("build")].max() == 0  # build pays no licence


def test_licence_flows_do_not_depend_on_the_chunks(monkeypatch):
    plan = compile_plan(dk.load_scenario("scenarios/webinar_platform.yaml"))
    values, risks, n = draw_trials(plan, 15, 6)
    whole = licence_flows(plan, values, risks, n)
    monkeypatch.setattr(staged_flows, "LICENCE_CHUNK", 7)  # chunks of 7, 7 and 1 trial
    assert np.array_equal(licence_flows(plan, values, risks, n), whole)


# -- inputs and words ----------------------------------------------------------------------------------------


def test_negative_double_running_is_a_located_error():
    with pytest.raises(ScenarioError, match="months of double running cannot be negative") as err:
        _acquired("1.0", "double_running_months: {dist: uniform, low: -1, high: 2}")
    assert "switch_vendor.double_running_months" in str(err.value)


def test_the_words_name_the_double_running_and_the_new_vendors_price():
    sw = switches(_acquired("1.0", "double_running_months: 6, new_vendor_price: 0.8"), trials=1_000, seed=1)
    words = sw.cost_words("buy", "shared")
    assert "plus 6.0 months of double running (the old vendor's licence, 1.00k USD on average)" in words
    assert "the new vendor charges 80% of the old vendor's price" in words and "not known when deciding" in words
    plain = switches(_acquired("1.0"), trials=1_000, seed=1).cost_words("buy", "shared")
    assert plain == "switching costs 300 USD on average"


def test_the_stage_tornado_moves_the_double_running_and_the_new_vendors_price():
    s = dk.load_scenario("scenarios/webinar_platform.yaml")
    t = staged_flows.stage_tornado(switches, s, "buy", "shared", "switch_vendor", trials=1_000, seed=1)
    rows = t.set_index("input")
    assert {"switch_vendor.double_running_months", "switch_vendor.new_vendor_price"} <= set(rows.index)
    months = rows.loc["switch_vendor.double_running_months"]
    assert months.value_at_low >= months.value_at_high  # more double running, less worth switching
    price = rows.loc["switch_vendor.new_vendor_price"]
    assert price.value_at_low >= price.value_at_high  # a dearer new vendor, less worth switching


def test_the_new_draws_come_after_the_switching_cost():
    # The cost is drawn first from the switch's stream, so drawing months and a price after it
    # leaves every cost draw, and so their mean, as it was.
    cost = "{dist: lognormal, median: 300, sigma: 0.6}"
    months, price = "{dist: uniform, low: 0, high: 6}", "{dist: uniform, low: 0.8, high: 1.2}"
    drawn = f"double_running_months: {months}, new_vendor_price: {price}"
    assert _row(_acquired("1.0", drawn, cost=cost)).switching_cost == _row(_acquired("1.0", cost=cost)).switching_cost


# -- the roadmap loss seen when deciding -------------------------------------------------------------


def _losing(seen: bool) -> dk.Scenario:
    # The tiny scenario with the price kept (impact 0) and a roadmap loss L uniform on 0-0.6 cutting
    # the 3,000 benefit from year 2; switching for 1,500 at the end of year 1 restores it.
    raw = _acquired("0", f"roadmap_loss_seen: {str(seen).lower()}", cost="1500").model_dump(exclude_none=True)
    raw["risks"]["acquired"]["roadmap_loss"] = {"dist": "uniform", "low": 0, "high": 0.6}
    return dk.Scenario.model_validate(raw)


def test_a_rule_that_sees_the_roadmap_loss_switches_where_the_loss_pays_for_the_move():
    # The gain of switching is a L - c, a = 3,000 (1/1.1^2 + 1/1.1^3) = 4,733.28, c = 1,500/1.1 =
    # 1,363.64, so it pays for L > c/a = 0.2881. Seeing L: E[max(a L - c, 0)] = (a/2 (0.36 - L*^2)
    # - c (0.6 - L*)) / 0.6 = 383.73. Not seeing it (the price change, always 0, tells nothing):
    # switch always or never, max(E[a L - c], 0) = max(0.3 a - c, 0) = 56.35.
    a, c = 3000 * (1 / 1.1**2 + 1 / 1.1**3), 1500 / 1.1
    cut = c / a
    seen_value = (a / 2 * (0.36 - cut**2) - c * (0.6 - cut)) / 0.6
    assert seen_value == pytest.approx(383.73, abs=0.01) and 0.3 * a - c == pytest.approx(56.35, abs=0.01)
    sw = switches(_losing(True), trials=20_000, seed=2)
    row = sw.table.loc[("buy", "shared")]
    assert row.rule_on == "price change and roadmap loss"
    assert abs(row.value - seen_value) < 3 * row.value_se, (row.value, row.value_se)
    assert row.switch_if_loss_at_least == pytest.approx(cut, abs=0.02)  # the fitted cut in the loss
    assert row.p_switch == pytest.approx((0.6 - cut) / 0.6, abs=0.03)
    assert "from a loss of 29% of the benefit" in sw.rule_words("buy", "shared")
    blind = switches(_losing(False), trials=20_000, seed=2).table.loc[("buy", "shared")]
    assert blind.rule_on == "price change"
    assert abs(blind.value - (0.3 * a - c)) < 3 * blind.value_se + 1e-9


def test_a_roadmap_loss_the_same_in_every_trial_keeps_the_threshold_on_the_price():
    raw = _acquired("1.0").model_dump(exclude_none=True)
    raw["risks"]["acquired"]["roadmap_loss"] = 0.2
    row = _row(dk.Scenario.model_validate(raw))
    assert row.rule_on == "price change" and row.switch_if_rise_at_least == 1.0


# -- a fresh price path for the new vendor -----------------------------------------------------------


def _escalating(old: float, new) -> dk.Scenario:
    raw = _acquired("1.0").model_dump(exclude_none=True)
    raw["options"]["buy"]["costs"]["licence"]["escalation"] = old
    if new is not None:
        raw["options"]["buy"]["flexibility"]["switch_vendor"]["new_vendor_escalation"] = new
    return dk.Scenario.model_validate(raw)


def test_a_new_vendor_escalating_at_its_own_rate_from_its_first_years_price():
    # The doubled licence (2,000 from year 2) against a new vendor at the old price, 1,000 in year 2,
    # then rising 10% a year: 1,100 in year 3. Value (2,000 - 1,000)/1.1^2 + (2,000 - 1,100)/1.1^3
    # - 300/1.1 = 1,229.90, that is 1,305.03 - 100/1.1^3.
    row = _row(_escalating(0.0, 0.10))
    assert row.value == pytest.approx(SWITCH_SAVES - 100 / 1.1**3, rel=1e-12)
    assert row.value == pytest.approx(1229.9023, abs=1e-4)


def test_a_new_vendor_escalating_as_the_old_one_did_is_the_switch_without_it():
    # The old licence rises 5% a year; a new vendor at 5% too prices exactly as without the field.
    a, b = _row(_escalating(0.05, 0.05)), _row(_escalating(0.05, None))
    assert a.value == b.value and a.switch_npv == b.switch_npv


def test_a_new_vendors_escalation_at_or_below_minus_100_percent_is_a_located_error():
    raw = _acquired("1.0").model_dump(exclude_none=True)
    raw["options"]["buy"]["flexibility"]["switch_vendor"]["new_vendor_escalation"] = {
        "dist": "uniform", "low": -1.5, "high": 0.1}  # fmt: skip
    with pytest.raises(ScenarioError, match="new_vendor_escalation: a new vendor's escalation must stay above"):
        dk.loading.validate(raw, dk.Scenario, "<test>")


def test_a_migration_that_loses_a_fifth_of_its_years_benefit_costs_exactly_that():
    # The doubled licence, switching for 300: 1,305.03 less 0.2 x the 3,000 benefit of year 2,
    # discounted: 600/1.1^2 = 495.87, so 809.17, still worth switching in every trial.
    sw = switches(_acquired("1.0", "migration_benefit_loss: 0.2"), trials=2_000, seed=1)
    row = sw.table.loc[("buy", "shared")]
    assert row.value == pytest.approx(SWITCH_SAVES - 600 / 1.1**2, rel=1e-12)
    assert row.value == pytest.approx(809.1660, abs=1e-4) and row.p_switch == 1
    assert "the migration year loses 20% of its benefit" in sw.cost_words("buy", "shared")
    with pytest.raises(ScenarioError, match="a share of a year's benefit"):
        _acquired("1.0", "migration_benefit_loss: 1.5")
