"""The yearly stop review on scenarios (decision_kit.staged_decisions), against hand-worked cases.

References are worked out by hand in the comments, never by running the analysis twice.
"""

import textwrap

import numpy as np
import pytest
import yaml

import decision_kit as dk
from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.simulation import simulate
from decision_kit.staged_decisions import abandonment, reviewed_options, switches
from decision_kit.staged_pilot import pilot_design, pilots

OWNER = """
    owners:
      shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
               incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1,
               marketing_share: 0.5}
"""


def _scenario(abandon: str, p_fail: float = 0.3) -> dk.Scenario:
    text = textwrap.dedent(f"""
        name: stop review, hand-worked
        horizon_years: 3
        discount_rate: 0.10
        options:
          buy:
            kind: buy
            realisation:
              dist: mixture
              components:
                - {{weight: {p_fail}, dist: 0}}
                - {{weight: {1 - p_fail}, dist: 1}}
            costs:
              run: {{category: license, timing: recurring, amount: 1000}}
            benefits:
              uplift: {{category: revenue, amount: 3000}}
            flexibility:
              abandon: {abandon}
    """) + textwrap.dedent(OWNER)
    return loads(text)


PERFECT = "{exit_cost: 0, commitment_years: 0, failure_seen_after_months: 0, benefit_noise: 0}"


def test_a_failure_seen_at_the_first_review_saves_the_later_years_costs():
    # Hand-worked: 1,000 a year of licence in years 1-3, 3,000 a year of benefit unless the
    # delivery failed (probability 0.3, benefit 0). The failure is seen at once, so at the end
    # of year 1 a failed project stops and saves 1,000 in years 2 and 3:
    # value = 0.3 x 1,000 x (1/1.1^2 + 1/1.1^3) = 0.3 x 1,577.76 = 473.33. A delivered one
    # earns 3,000 - 1,000 a year and carries on, so no stop is ever regretted.
    saved = 1000 * (1 / 1.1**2 + 1 / 1.1**3)
    a = abandonment(_scenario(PERFECT), trials=20_000, seed=3)
    row = a.table.loc[("buy", "shared")]
    assert row.p_stop == row.p_failure  # every failure stops, nothing else does
    assert row.flexibility == pytest.approx(row.p_failure * saved, rel=1e-9)
    se = saved * np.sqrt(0.3 * 0.7 / a.policies[("buy", "shared")].valued.size)
    assert abs(row.flexibility - 0.3 * saved) < 3 * se
    assert row.p_stop_regret == 0 and row.p_carry_on_regret == 0
    rules = a.reviews.loc[("buy", "shared")]
    assert rules.loc[1, "p_stop"] == row.p_failure and rules.loc[2, "p_stop"] == 0
    assert bool(rules.loc[1, "stop_if_failure_seen"])


def test_a_contract_year_still_due_costs_one_more_year_and_the_exit_fee():
    # With one contract year still due and an exit cost of 200, a failure seen at the end of
    # year 1 stops after year 2: it saves year 3's 1,000 less the 200 paid in year 2:
    # 0.3 x (1,000/1.1^3 - 200/1.1^2) = 0.3 x (751.31 - 165.29) = 175.81.
    saved = 1000 / 1.1**3 - 200 / 1.1**2
    a = abandonment(
        _scenario("{exit_cost: 200, commitment_years: 1, failure_seen_after_months: 0}"), trials=20_000, seed=3
    )
    row = a.table.loc[("buy", "shared")]
    assert row.flexibility == pytest.approx(row.p_failure * saved, rel=1e-9)
    assert a.reviews.loc[("buy", "shared", 2), "rule"].startswith("no review")


def test_a_failure_seen_too_late_cannot_be_stopped():
    # Seen 30 months after go-live: after the last review (end of year 2), so no stop at all.
    a = abandonment(_scenario("{exit_cost: 0, commitment_years: 0, failure_seen_after_months: 30, benefit_noise: 0, "
                              "benefit_noise_floor: 5000}"), trials=20_000, seed=3)  # fmt: skip
    row = a.table.loc[("buy", "shared")]
    assert abs(row.flexibility) < 3 * row.flexibility_se + 1e-9


@pytest.fixture(scope="module")
def shipped():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    return s, abandonment(s, trials=4_000, seed=5)


def test_commit_now_is_the_reported_npv_bit_for_bit(shipped):
    s, a = shipped
    r = simulate(s, trials=4_000, seed=5)
    options = list(s.options)
    for (o, w), npv in a.commit.items():
        reported = r.metrics["npv"][:, options.index(o), list(s.owners).index(w)] - r.status_quo["npv"]
        assert np.array_equal(npv, reported)


def test_a_review_that_cannot_pay_reproduces_commit_now_bit_for_bit():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    raw = s.model_dump(exclude_none=True)
    for o in reviewed_options(s):
        if "flexibility" in raw["options"][o]:  # a variant inherits its parent's review
            raw["options"][o]["flexibility"]["abandon"]["exit_cost"] = 1e12
    a = abandonment(dk.Scenario.model_validate(raw), trials=2_000, seed=5)
    for cell, staged in a.staged.items():
        assert np.array_equal(staged, a.commit[cell][a.policies[cell].valued])
        assert a.table.loc[cell, "p_stop"] == 0


def test_out_of_sample_flexibility_is_never_below_minus_three_standard_errors(shipped):
    _, a = shipped
    t = a.table
    assert (t.flexibility >= -3 * t.flexibility_se).all()
    assert (t.p_stop_regret <= t.p_stop).all()


def test_every_shipped_scenario_states_a_review():
    for name in ("marketing_automation", "analytics_stack", "customer_data_platform", "webinar_platform"):
        s = dk.load_scenario(f"scenarios/{name}.yaml")
        reviewed = reviewed_options(s)
        assert reviewed, name
        for o in reviewed:
            ab = s.options[o].flexibility.abandon
            assert ab.source, f"{name}: {o}'s review states no source"


def test_adding_a_review_changes_no_commit_now_number():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    raw = s.model_dump(exclude_none=True)
    for opt in raw["options"].values():
        opt.pop("flexibility", None)
    plain = dk.Scenario.model_validate(raw)
    a, b = simulate(s, trials=1_000, seed=2), simulate(plain, trials=1_000, seed=2)
    assert np.array_equal(a.metrics["npv"], b.metrics["npv"])


@pytest.mark.parametrize(
    "abandon, field, words",
    [
        ("{exit_cost: -5}", "exit_cost", "cannot be negative"),
        ("{review: monthly}", "review", "yearly"),
        ("{commitment_years: -1}", "commitment_years", ""),
        ("{benefit_noise: -0.2}", "benefit_noise", ""),
        ("{exit_fee: 5}", "exit_fee", ""),
    ],
)
def test_a_bad_review_is_a_located_error(abandon, field, words):
    with pytest.raises(ScenarioError) as err:
        _scenario(abandon)
    text = str(err.value)
    assert field in text and words in text


def test_an_option_without_a_review_is_refused():
    with pytest.raises(ScenarioError, match="does not state a yearly stop review"):
        abandonment(_scenario(PERFECT), trials=100, seed=1, options=["nothing"])


def test_the_stages_command_prints_the_review_in_words_within_100_columns(capsys):
    from decision_kit.cli import main

    assert main(["stages", "scenarios/marketing_automation.yaml", "--trials", "2000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "value of the review" in out and "end of year 1: stop if" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert main(["stages", "scenarios/marketing_automation.yaml", "--option", "nothing"]) == 2
    assert "states no review, pilot, vendor switch or deferral" in capsys.readouterr().err


def test_the_memo_carries_the_review_table_rule_and_chart(shipped):
    from matplotlib.figure import Figure

    from decision_kit.report.analyses import staged_analyses

    s, _ = shipped
    sections = staged_analyses(simulate(s, trials=2_000, seed=5), trials=2_000)
    kinds = [type(v).__name__ for v in sections.values()]
    # review (table, rule, chart, stage tornado), pilot (table, rule, design curve), switch
    assert kinds == ["DataFrame", "str", "Figure", "DataFrame", "DataFrame", "str", "Figure", "DataFrame", "str"]
    table, words, fig, tornado, piloted, pilot_words, design, switched, switch_words = sections.values()
    assert isinstance(design, Figure) and design.axes[0].get_xlabel() == "pilot length (months)"
    assert set(tornado.stage) == {"abandon", "pilot", "switch_vendor"}
    assert "abandon.exit_cost" in set(tornado.input) and "switch_vendor.cost" in set(tornado.input)
    assert "value of switching" in switched.columns and "buy under" in switch_words
    assert {"commit now", "pilot first", "value of the pilot"} <= set(piloted.columns)
    assert "pilot on 15% for 4 months" in pilot_words
    assert {"commit now", "with the review", "value of the review", "stops"} <= set(table.columns)
    assert words.startswith("End of year 1: stop if")
    assert isinstance(fig, Figure)
    plain = _scenario(PERFECT).model_dump(exclude_none=True)
    plain["options"]["buy"].pop("flexibility")
    assert staged_analyses(simulate(dk.Scenario.model_validate(plain), trials=200, seed=1)) == {}


# -- pilot, then scale or stop -------------------------------------------------------------------


def _piloted(pilot: dict) -> dk.Scenario:
    raw = _scenario("{exit_cost: 0}").model_dump(exclude_none=True)
    raw["options"]["buy"]["flexibility"] = {"pilot": pilot}
    return dk.Scenario.model_validate(raw)


# The hand-worked cell of _scenario: licence 1,000 a year in years 1-3; benefit 3,000 a year
# after a 6-month default ramp (2,250 in year 1) unless the delivery fails (p 0.3); 10%.
# Committing now: delivered 1,250/1.1 + 2,000/1.1^2 + 2,000/1.1^3 = 4,291.88; failed
# -1,000 (1/1.1 + 1/1.1^2 + 1/1.1^3) = -2,486.85.
DELIVERED, FAILED = 1250 / 1.1 + 2000 / 1.1**2 + 2000 / 1.1**3, -1000 * (1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3)


def test_a_year_long_noiseless_pilot_stops_every_failure_and_costs_a_year():
    # A 12-month pilot costing 100 measures the benefit exactly, so every failure stops (NPV
    # -100). A delivered option starts a year later over the same three-year life, so its NPV
    # is DELIVERED / 1.1 = 3,901.71. Value over committing now =
    # p (0 - FAILED) + (1 - p) (3,901.71 - DELIVERED) - 100 = 0.3 x 2,486.85 - 0.7 x 390.17 - 100.
    late = DELIVERED / 1.1
    p = pilots(_piloted({"months": 12, "scale": 0.1, "setup_cost": 100, "benefit_noise": 0}), trials=20_000, seed=3)
    row = p.table.loc[("buy", "shared")]
    share = row.p_stop  # the valued trials' share of failures, all stopped
    assert row.value == pytest.approx(share * -FAILED + (1 - share) * (late - DELIVERED) - 100, rel=1e-9)
    assert row.p_stop_when_scaling_pays == 0 and row.p_scale_when_stopping_pays == 0
    assert abs(share - 0.3) < 3 * np.sqrt(0.3 * 0.7 / p.rules[("buy", "shared")].valued.size)
    assert "at least" in p.rule_words("buy", "shared")


def test_a_short_pilot_is_worth_the_failures_it_stops_less_its_delay():
    # 1.2 months = 0.1 year later: DELIVERED / 1.1^0.1.
    late = DELIVERED / 1.1**0.1
    p = pilots(_piloted({"months": 1.2, "scale": 0.5, "benefit_noise": 0}), trials=20_000, seed=3)
    row = p.table.loc[("buy", "shared")]
    assert row.value == pytest.approx(row.p_stop * -FAILED + (1 - row.p_stop) * (late - DELIVERED), rel=1e-9)
    assert row.value > 0


def test_a_pilot_costing_c_is_worth_exactly_c_less():
    noisy = {"months": 3, "scale": 0.2, "benefit_noise": 0.5, "benefit_noise_floor": 800}
    free = pilots(_piloted(noisy), trials=8_000, seed=4)
    paid = pilots(_piloted({**noisy, "setup_cost": 250}), trials=8_000, seed=4)
    a, b = free.table.loc[("buy", "shared")], paid.table.loc[("buy", "shared")]
    assert a.value - b.value == pytest.approx(250, rel=1e-12)
    assert a.p_stop == b.p_stop


def test_a_bigger_pilot_measures_better_on_the_same_trials():
    design = pilot_design(_piloted({"months": 3, "scale": 0.1, "benefit_noise": 0.5, "benefit_noise_floor": 300}),
                          "buy", "shared", scales=(0.02, 0.5), months=(3,), trials=20_000, seed=4)  # fmt: skip
    small, big = design.loc[(0.02, 3)], design.loc[(0.5, 3)]
    assert big.value > small.value + 2 * np.hypot(big.value_se, small.value_se)


# -- switch vendor after an acquisition -----------------------------------------------------------


def _acquired(impact: str, cost="300", probability="1") -> dk.Scenario:
    return loads(textwrap.dedent(f"""
        name: switch, hand-worked
        horizon_years: 3
        discount_rate: 0.10
        options:
          buy:
            kind: buy
            costs:
              licence: {{category: license, timing: recurring, amount: 1000}}
            benefits:
              uplift: {{category: revenue, amount: 3000, ramp_months: 0}}
            flexibility:
              switch_vendor: {{risk: acquired, cost: {cost}}}
        risks:
          acquired: {{type: vendor, effect: price_rise, probability: {probability}, impact: {impact}, lines: [licence]}}
    """) + textwrap.dedent(OWNER))


SWITCH_SAVES = 1000 / 1.1**2 + 1000 / 1.1**3 - 300 / 1.1  # 1,305.03


def test_switching_after_a_certain_acquisition_that_doubles_the_price():
    # Acquired in year 1 for sure, the licence doubles from year 2: staying pays 2,000 in years
    # 2 and 3; switching at the end of year 1 for 300 keeps 1,000: 1,000/1.1^2 + 1,000/1.1^3 -
    # 300/1.1 = 1,305.03, in every trial.
    row = switches(_acquired("1.0"), trials=2_000, seed=1).table.loc[("buy", "shared")]
    assert row.value == pytest.approx(SWITCH_SAVES, rel=1e-12)
    assert row.p_switch == 1 and row.switch_if_rise_at_least == 1.0


def test_the_rule_switches_only_when_the_rise_pays_for_the_move():
    # Half the acquirers keep the price (switching would lose 300/1.1), half double it.
    s = switches(_acquired("{dist: discrete, values: [0, 1.0], probs: [0.5, 0.5]}"), trials=4_000, seed=1)
    row = s.table.loc[("buy", "shared")]
    assert row.value == pytest.approx(row.p_switch * SWITCH_SAVES, rel=1e-9)
    assert abs(row.p_switch - 0.5) < 3 * np.sqrt(0.25 / s.rules[("buy", "shared")].valued.size)
    assert row.p_switch_regret == 0 and row.p_stay_regret == 0
    assert "100% or more" in s.rule_words("buy", "shared")


def test_an_infinite_switching_cost_reproduces_no_switch_bit_for_bit():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    raw = s.model_dump(exclude_none=True)
    raw["options"]["buy"]["flexibility"]["switch_vendor"]["cost"] = 1e15
    sw = switches(dk.Scenario.model_validate(raw), trials=2_000, seed=5)
    r = simulate(s, trials=2_000, seed=5)
    for (o, w), rule in sw.rules.items():
        row = sw.table.loc[(o, w)]
        assert row.value == 0 and row.p_switch == 0
        reported = r.metrics["npv"][:, list(s.options).index(o), list(s.owners).index(w)] - r.status_quo["npv"]
        assert row.commit_npv == reported[rule.valued].mean()


def test_a_switch_on_a_risk_that_is_not_a_price_rise_is_a_located_error():
    with pytest.raises(ScenarioError, match="not a price-rise risk") as err:
        loads(yaml.safe_dump(_raw_with_switch("nothing")))
    assert "flexibility.switch_vendor.risk" in str(err.value)


def _raw_with_switch(risk: str) -> dict:
    raw = _acquired("1.0").model_dump(exclude_none=True)
    raw["options"]["buy"]["flexibility"]["switch_vendor"]["risk"] = risk
    return raw


# -- a pilot extended once when its measurement is ambiguous -----------------------------------------


def _normal_pilot(extend: str, reviews: str = "") -> dk.Scenario:
    """One year, no discounting: 100 paid at the decision date, a benefit B ~ N(100, 20^2) in year
    1. The pilot runs 3 months at full scale with an additive error of 10 for a full-scale year,
    so its measurement has sd 10 / sqrt(3/12) = 20; an extension of 9 months makes a full year,
    sd 10."""
    return loads(textwrap.dedent(f"""
        name: extended pilot, hand-worked
        horizon_years: 1
        discount_rate: 0
        options:
          buy:
            kind: buy
            costs:
              invest: {{category: implementation, timing: one_off, amount: 100}}
            benefits:
              value: {{category: revenue, amount: {{dist: normal, mean: 100, sd: 20}}, ramp_months: 0}}
            flexibility:
              pilot: {{months: 3, scale: 1, benefit_noise: 0, benefit_noise_floor: 10, extend: {extend}}}
              {reviews}
    """) + textwrap.dedent(OWNER))


def _two_stage_value(cost: float) -> float:
    """The Bayes-optimal value of the pilot that may extend, by numerical integration (normal
    learning, Raiffa-Schlaifer): theta ~ N(100, 400); after the pilot (error variance 400) the
    posterior mean m1 ~ N(100, 200) with variance 200; after the extension (a year's error,
    variance 100) the posterior variance is 1 / (1/400 + 1/100) = 80, so m2 | m1 ~ N(m1, 120).
    Value = E max(stop 0, scale m1 - 100, extend E[max(m2 - 100, 0) | m1] - cost)."""
    from scipy.integrate import quad
    from scipy.stats import norm as normal

    w = np.sqrt(120.0)

    def best(m1):
        u = (m1 - 100) / w
        extend = w * normal.pdf(u) + (m1 - 100) * normal.cdf(u) - cost
        return max(0.0, m1 - 100, extend) * normal.pdf(m1, 100, np.sqrt(200.0))

    return quad(best, 100 - 12 * np.sqrt(200.0), 100 + 12 * np.sqrt(200.0), limit=200)[0]


def test_an_extension_on_an_ambiguous_band_is_worth_the_two_stage_preposterior_value():
    single = np.sqrt(200.0) * norm_pdf0  # the pilot alone: v phi(0), v = sqrt(200) = 14.14, so 5.6419
    assert round(single, 4) == 5.6419
    two_stage = _two_stage_value(1.0)
    assert two_stage > single + 0.5  # extending for 1 is worth it in the middle
    p = pilots(_normal_pilot("{months: 9, extra_cost: 1}"), trials=100_000, seed=11)
    row = p.table.loc[("buy", "shared")]
    assert abs(row.value - single) < 3 * row.value_se
    assert abs(row.value_extended - two_stage) < 3 * row.value_extended_se
    assert row.value_extended > row.value - 3 * np.hypot(row.value_se, row.value_extended_se)
    assert row.extend_from < 100 < row.extend_below and 0 < row.p_extend < 1
    assert "extend" in p.rule_words("buy", "shared")


norm_pdf0 = 1 / np.sqrt(2 * np.pi)


def test_an_extension_that_never_pays_leaves_the_pilot_alone_exactly():
    p = pilots(_normal_pilot("{months: 9, extra_cost: 1e9}"), trials=20_000, seed=11)
    row = p.table.loc[("buy", "shared")]
    assert np.isnan(row.extend_from) and row.p_extend == 0
    assert row.value_extended == row.value and row.value_extended_in_sample == row.value_in_sample


# -- a pilot followed by yearly reviews ---------------------------------------------------------------


def test_a_review_that_never_stops_gives_the_pilot_alone_bit_for_bit_and_a_review_never_hurts():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    assert "pilot" in s.options["buy"].flexibility.model_dump(exclude_none=True)
    p = pilots(s, trials=4_000, seed=5)
    t = p.table
    assert t.value_with_reviews.notna().all()
    assert (t.value_with_reviews >= t.value - 3 * np.hypot(t.value_se, t.value_with_reviews_se)).all()
    assert (t.reviews_add >= -3 * t.reviews_add_se).all()  # paired with the pilot alone
    raw = s.model_dump(exclude_none=True)
    for o in reviewed_options(s):
        if "flexibility" in raw["options"][o]:
            raw["options"][o]["flexibility"]["abandon"]["exit_cost"] = 1e12
    never = pilots(dk.Scenario.model_validate(raw), trials=4_000, seed=5).table
    assert (never.value_with_reviews == never.value).all()
    assert (never.value_with_reviews_in_sample == never.value_in_sample).all()
    assert (never.reviewed_npv == never.piloted_npv).all()


def test_reviews_after_a_pilot_that_cannot_see_failures_stop_them_later():
    # The hand-worked cell (failure p 0.3, seen at once after go-live by the review) with a
    # 1.2-month pilot that sees no failure and measures the benefit with a huge error: the pilot
    # scales everything, and the review stops every failure at the end of year 1, saving its
    # years 2 and 3: p x 1,577.76 started 0.1 year later, 0.3 x 1,577.76 / 1.1^0.1 = 469.
    raw = _scenario(PERFECT).model_dump(exclude_none=True)
    raw["options"]["buy"]["flexibility"]["pilot"] = {"months": 1.2, "scale": 0.5, "benefit_noise": 0,
                                                      "benefit_noise_floor": 1e9}  # fmt: skip
    p = pilots(dk.Scenario.model_validate(raw), trials=20_000, seed=3)
    row = p.table.loc[("buy", "shared")]
    saved = 1000 * (1 / 1.1**2 + 1 / 1.1**3) / 1.1**0.1
    assert row.p_stop == 0 and row.reviews_add > 10 * row.reviews_add_se
    assert abs(row.reviews_add - 0.3 * saved) < 3 * saved * np.sqrt(0.3 * 0.7 / 10_000)


def _roadmap(loss: str, impact: str = "0") -> dk.Scenario:
    raw = _acquired(impact).model_dump(exclude_none=True)
    raw["risks"]["acquired"]["roadmap_loss"] = float(loss)
    return dk.Scenario.model_validate(raw)


def test_a_roadmap_loss_cuts_the_benefit_after_the_acquisition_and_switching_restores_it():
    # Acquired in year 1 for sure, the price kept, the benefit halved from year 2 (roadmap loss
    # 0.5): committing now earns 3,000 - 1,000 in year 1, then 1,500 - 1,000:
    # 2,000/1.1 + 500/1.1^2 + 500/1.1^3 = 2,607.06. Switching at the end of year 1 for 300 restores
    # the 3,000: 1,500/1.1^2 + 1,500/1.1^3 - 300/1.1 = 2,093.91, in every trial.
    s = _roadmap("0.5")
    r = simulate(s, trials=1_000, seed=1)
    assert r.metrics["npv"][:, 0, 0] == pytest.approx(  # no status quo stated: NPV is versus doing nothing
        2000 / 1.1 + 500 / 1.1**2 + 500 / 1.1**3, rel=1e-9
    )
    row = switches(s, trials=2_000, seed=1).table.loc[("buy", "shared")]
    assert row.value == pytest.approx(1500 / 1.1**2 + 1500 / 1.1**3 - 300 / 1.1, rel=1e-12)
    assert row.p_switch == 1


def test_an_uncertain_roadmap_loss_cuts_each_trials_benefit_by_its_own_draw():
    # As above with the loss uniform on 0-0.6: trial k's NPV is 2,000/1.1 + (3,000 x (1 - L_k)
    # - 1,000) (1/1.1^2 + 1/1.1^3), L_k its own draw of the loss (simulate's inputs)
    raw = _acquired("0").model_dump(exclude_none=True)
    raw["risks"]["acquired"]["roadmap_loss"] = {"dist": "uniform", "low": 0, "high": 0.6}
    r = simulate(dk.Scenario.model_validate(raw), trials=1_000, seed=1)
    loss = np.asarray(r.inputs["risks.acquired.roadmap_loss"])
    assert loss.std() > 0.1
    expected = 2000 / 1.1 + (3000 * (1 - loss) - 1000) * (1 / 1.1**2 + 1 / 1.1**3)
    np.testing.assert_allclose(r.metrics["npv"][:, 0, 0], expected, rtol=1e-9)
    row = switches(dk.Scenario.model_validate(raw), trials=2_000, seed=1).table.loc[("buy", "shared")]
    assert row.roadmap_loss == pytest.approx(0.3, abs=0.02)


def test_a_roadmap_loss_of_zero_is_the_model_without_it_bit_for_bit():
    a, b = simulate(_acquired("1.0"), trials=1_000, seed=2), simulate(_roadmap("0", "1.0"), trials=1_000, seed=2)
    assert np.array_equal(a.metrics["npv"], b.metrics["npv"])


def test_a_roadmap_loss_on_a_risk_that_is_not_a_price_rise_is_a_located_error():
    raw = _acquired("1.0").model_dump(exclude_none=True)
    raw["risks"]["outage"] = {"type": "delivery", "effect": "one_off", "probability": 0.1, "impact": 100,
                              "roadmap_loss": 0.2}  # fmt: skip
    with pytest.raises(ScenarioError, match="applies only to a price_rise risk") as err:
        loads(yaml.safe_dump(raw))
    assert "risks.outage" in str(err.value)


def test_the_stage_tornado_moves_the_exit_cost_to_its_p10_and_p90_on_the_same_trials():
    # The contract-year case above with an exit cost uniform on 0-400: P10 40, P90 360. Each
    # failure seen at the end of year 1 saves 1,000/1.1^3 - exit/1.1^2, so the value is the
    # valued trials' share of failures x that, exactly, at either end.
    from decision_kit.staged_flows import stage_tornado

    s = _scenario("{exit_cost: {dist: uniform, low: 0, high: 400}, commitment_years: 1, "
                  "failure_seen_after_months: 0, benefit_noise: 0}")  # fmt: skip
    frame = stage_tornado(abandonment, s, "buy", "shared", "abandon", trials=20_000, seed=3)
    assert list(frame.input) == ["abandon.exit_cost"]  # the other inputs are fixed or zero
    row = frame.iloc[0]
    share = abandonment(s, trials=20_000, seed=3).table.loc[("buy", "shared"), "p_failure"]
    assert (row.low, row.high) == pytest.approx((40, 360), rel=1e-12)
    assert row.value_at_low == pytest.approx(share * (1000 / 1.1**3 - 40 / 1.1**2), rel=1e-9)
    assert row.value_at_high == pytest.approx(share * (1000 / 1.1**3 - 360 / 1.1**2), rel=1e-9)
    assert row.swing == pytest.approx(share * 320 / 1.1**2, rel=1e-9)


def test_the_stages_command_prints_the_stage_tornado(capsys):
    from decision_kit.cli import main

    assert main(["stages", "scenarios/webinar_platform.yaml", "--trials", "1000", "--seed", "1", "--option", "buy",
                 "--tornado"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "What the value of the yearly stop review of buy" in out and "abandon.exit_cost" in out
    assert "pilot.setup_cost" in out and "switch_vendor.cost" in out
    assert max(len(line) for line in out.splitlines()) <= 100
