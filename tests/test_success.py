"""Signed targets (#15 item 1): KPI, milestone and joint probabilities against closed forms on
scenarios with one uncertain input, the expected NPV given a missed milestone by hand, bad
success blocks as located ScenarioErrors, and the command line.

References: the lognormal CDF P(L <= m) = Phi((ln m - ln median) / sigma); a uniform cost on
[100k, 200k] has P(c <= t) = (t - 100k) / 100k, P90 190k and E[c | c > t] = (t + 200k) / 2.
Monte Carlo tolerances are four binomial standard errors at the trial count used.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import success
from decision_kit.cli import main
from decision_kit.errors import ScenarioError
from decision_kit.loading import load, loads
from decision_kit.success_text import success_text

TRIALS = 20_000  # more than two random-number blocks of 8,192: the hits line up across blocks
SEED = 7
NEUTRAL_OWNER = (
    "owners: {shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1, "
    "incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1}}"
)


def _scenario(launch: str, licence: str, block: str) -> str:
    """A one-option, one-owner scenario with neutral ownership, rate 0 and no benefit: NPV is
    minus the licence cost of years 1 and 2."""
    return textwrap.dedent(f"""\
        name: success closed forms
        horizon_years: 2
        discount_rate: 0
        {NEUTRAL_OWNER}
        stakeholders:
          CMO: {{weights: {{expected_npv: 1}}}}
          CIO: {{weights: {{expected_npv: 1}}}}
        options:
          buy:
            kind: buy
            launch_months: {launch}
            costs:
              licence: {{category: license, timing: recurring, start: decision, amount: {licence}}}
        """) + textwrap.dedent(block)


LAUNCH_BLOCK = """\
success:
  signed_by: [CIO]
  kpis:
    go_live: {metric: launch_months, target: 8, direction: at_most, owner: CIO}
  milestones:
    - {name: Go-live review, at_month: 8, kpis: [go_live]}
"""

COST_BLOCK = """\
success:
  signed_by: [CMO, CIO]
  kpis:
    cheap: {metric: "cost[1]", target: 130k, direction: at_most, owner: CIO}
    not_starved: {metric: "cost[1]", target: 120k, direction: at_least, owner: CMO}
    not_lavish: {metric: "cost[1]", target: 170k, direction: at_most, owner: CIO}
    aspirational: {metric: "cost[1]", target: 110k, direction: at_most, owner: CFO}
    sandbagged: {metric: "cost[1:2]", target: 390k, direction: at_most, owner: CFO}
  milestones:
    - {name: Year-1 budget, at_month: 12, kpis: [cheap]}
    - {name: Band, at_month: 12, kpis: [not_starved, not_lavish]}
"""


def _tolerance(p: float, n: int = TRIALS) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


def _analysed(text: str):
    result = dk.simulate(loads(text), trials=TRIALS, seed=SEED)
    return result, success.analyse(result)


@pytest.fixture(scope="module")
def launch_case():
    return _analysed(_scenario("{dist: lognormal, median: 6, sigma: 0.5}", "100k", LAUNCH_BLOCK))


@pytest.fixture(scope="module")
def cost_case():
    return _analysed(_scenario("3", "{dist: uniform, low: 100k, high: 200k}", COST_BLOCK))


def test_launch_milestone_matches_the_lognormal_cdf(launch_case):
    result, sr = launch_case
    expected = 0.5 * math.erfc(-(math.log(8) - math.log(6)) / 0.5 / math.sqrt(2))  # Phi(0.5754) = 0.7174
    row = sr.milestones().loc[("buy", "shared", "Go-live review")]
    assert abs(row.p_hit - expected) < _tolerance(expected)
    assert sr.kpis().loc[("buy", "shared", "go_live"), "p_hit"] == row.p_hit
    assert sr.signed().loc[("buy", "shared"), "p_all_signed"] == row.p_hit
    # the KPI is the simulation's own launch month, trial by trial (kept there as float32)
    assert np.allclose(sr.values["go_live"], result.metrics["launch_months"], rtol=1e-6)
    # at risk: the P90 of an at-most KPI, 6 exp(0.5 x 1.2816) = 11.38 months
    at_risk = sr.kpis().loc[("buy", "shared", "go_live"), "at_risk"]
    assert abs(at_risk - 6 * math.exp(0.5 * 1.2815516)) < 0.15


def test_cost_kpis_match_the_uniform(cost_case):
    _, sr = cost_case
    k = sr.kpis().xs(("buy", "shared"))
    for name, p in (("cheap", 0.3), ("not_starved", 0.8), ("not_lavish", 0.7), ("aspirational", 0.1)):
        assert abs(k.loc[name, "p_hit"] - p) < _tolerance(p), name
    # two years of the same draw: 2c <= 390k is c <= 195k, P = 0.95
    assert abs(k.loc["sandbagged", "p_hit"] - 0.95) < _tolerance(0.95)
    assert list(k["flag"]) == ["", "", "", "aspirational", "sandbagged"]
    # at risk of the at-least KPI is its P10 (110k), of the at-most ones their P90 (190k)
    assert abs(k.loc["not_starved", "at_risk"] - 110_000) < 1_000
    assert abs(k.loc["cheap", "at_risk"] - 190_000) < 1_000
    assert list(k["signed"]) == [True, True, True, False, False]


def test_joint_probability_of_two_kpis_on_the_same_draw(cost_case):
    """120k <= c <= 170k is one event of one draw: P = 0.5, not the product 0.8 x 0.7 = 0.56."""
    _, sr = cost_case
    band = sr.milestones().loc[("buy", "shared", "Band"), "p_hit"]
    assert abs(band - 0.5) < _tolerance(0.5)
    assert abs(band - 0.56) > 3 * _tolerance(0.5)
    # every signed KPI: 120k <= c <= 130k, P = 0.1; the CMO's alone 0.8; the CIO's c <= 130k, 0.3
    signed = sr.signed().loc[("buy", "shared")]
    assert abs(signed.p_all_signed - 0.1) < _tolerance(0.1)
    assert abs(signed.p_all_of_CMO - 0.8) < _tolerance(0.8)
    assert abs(signed.p_all_of_CIO - 0.3) < _tolerance(0.3)


def test_expected_npv_given_a_missed_milestone(cost_case):
    """NPV = -2c (two years of the licence, rate 0); missing c <= 130k means c uniform on
    (130k, 200k]: E[NPV | missed] = -2 x 165k, E[NPV | hit] = -2 x 115k."""
    result, sr = cost_case
    assert np.array_equal(sr.npv, result.metrics["npv"])
    np.testing.assert_allclose(sr.npv, -2 * sr.values["cheap"], rtol=1e-12)  # same trials, in order
    row = sr.milestones().loc[("buy", "shared", "Year-1 budget")]
    se = 2 * 20_000 / math.sqrt(0.7 * TRIALS)  # sd of 2c on a 70k-wide uniform is 2 x 20.2k
    assert abs(row.npv_mean_if_missed + 330_000) < 4 * se
    assert abs(row.npv_mean_if_hit + 230_000) < 4 * se
    mixed = (1 - row.p_hit) * row.npv_mean_if_missed + row.p_hit * row.npv_mean_if_hit
    assert row.npv_mean == pytest.approx(mixed, rel=1e-9)


def test_the_block_changes_no_simulated_number(cost_case):
    result, _ = cost_case
    bare = dk.simulate(result.scenario.replace(success=None), trials=TRIALS, seed=SEED)
    for k in result.metrics:
        assert np.array_equal(result.metrics[k], bare.metrics[k], equal_nan=True), k
    assert result.simulates_alike(bare.scenario)


def test_shipped_scenario_signs_and_prints_within_100_columns(capsys):
    code = main(["success", "scenarios/marketing_automation.yaml", "--trials", "3000", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "Go-live review" in out and "all of" in out and "aspirational" in out


def test_text_of_a_small_case(cost_case):
    _, sr = cost_case
    text = success_text(sr)
    assert "cost of year 1 at most 130k USD; owner CIO" in text
    assert "cost of years 1 to 2 at most 390k USD; owner CFO" in text


def test_a_scenario_without_a_block_is_refused(capsys):
    code = main(["success", "scenarios/analytics_stack.yaml", "--trials", "100"])
    assert code == 2
    assert "states no 'success:' block" in capsys.readouterr().err


BAD = [
    ('cheap: {metric: "cost[1]"', 'cheap: {metric: "costs[1]"', "success.kpis.cheap.metric", "unknown metric"),
    ('cheap: {metric: "cost[1]"', 'cheap: {metric: "cost[3]"', "success.kpis.cheap.metric", "beyond the horizon"),
    ('cheap: {metric: "cost[1]"', 'cheap: {metric: "cost[2:1]"', "success.kpis.cheap.metric", "run backwards"),
    ("direction: at_most, owner: CIO}\n    not_starved", "direction: below, owner: CIO}\n    not_starved",
     "success.kpis.cheap.direction", "at_most"),
    ("kpis: [cheap]}", "kpis: [cheap, dear]}", "success.milestones[0].kpis[1]", "'dear' is not defined"),
    ("at_month: 12, kpis: [cheap]", "at_month: 6, kpis: [cheap]", "success.milestones[0].kpis[0]",
     "known only at month 12"),
    ("name: Band", "name: Year-1 budget", "success.milestones[1].name", "named twice"),
    ("signed_by: [CMO, CIO]", "signed_by: [CFO_deputy]", "success.signed_by", "no KPI is owned by anyone who signs"),
    ("signed_by: [CMO, CIO]", "signed_by: [CMO, CMO]", "success.signed_by", "named twice"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "field", "words"), BAD, ids=[b[3] for b in BAD])
def test_bad_blocks_are_located_scenario_errors(tmp_path, old, new, field, words):
    text = _scenario("3", "{dist: uniform, low: 100k, high: 200k}", COST_BLOCK)
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        load(path)
    problem = next(p for p in err.value.problems if p.path == field)
    assert words in problem.message
    assert problem.file == str(path) and problem.line is not None and problem.line > 10


def test_a_request_without_trials_is_refused(cost_case):
    result, _ = cost_case
    with pytest.raises(ScenarioError):
        success.kpi_values(result.scenario, 0, SEED)
    with pytest.raises(ScenarioError):
        success.kpi_values(result.scenario, 10, -1)


def test_expected_npv_against_the_status_quo_given_a_missed_milestone():
    """With a status quo paying a fixed 50k a year (NPV -100k in every trial), E[NPV - status
    quo | c > 130k] = -330k + 100k = -230k; without one the column is absent."""
    keep = "status_quo:\n  costs:\n    tool: {category: license, timing: recurring, start: decision, amount: 50k}\n"
    text = _scenario("3", "{dist: uniform, low: 100k, high: 200k}", keep + COST_BLOCK)
    result = dk.simulate(loads(text), trials=TRIALS, seed=SEED)
    row = success.analyse(result).milestones().loc[("buy", "shared", "Year-1 budget")]
    assert row.npv_vs_status_quo_mean_if_missed == pytest.approx(row.npv_mean_if_missed + 100_000, rel=1e-12)
    se = 2 * 20_000 / math.sqrt(0.7 * TRIALS)
    assert abs(row.npv_vs_status_quo_mean_if_missed + 230_000) < 4 * se


def test_no_status_quo_no_column(cost_case):
    _, sr = cost_case
    assert "npv_vs_status_quo_mean_if_missed" not in sr.milestones().columns


ADOPTION = """\
success:
  signed_by: [CMO]
  kpis:
    adopted: {metric: adoption(12), target: 0.6, direction: at_least, owner: CMO}
    started: {metric: adoption(3), target: 0.0001, direction: at_least, owner: CMO}
  milestones:
    - {name: Adoption review, at_month: 12, kpis: [adopted]}
"""


def _adoption_scenario(block: str) -> str:
    """One option whose only uncertain input is its go-live L ~ U(2, 10) months, one benefit
    line ramping linearly over a fixed 12 months."""
    return textwrap.dedent(f"""\
        name: adoption closed forms
        horizon_years: 2
        discount_rate: 0
        {NEUTRAL_OWNER}
        options:
          buy:
            kind: buy
            launch_months: {{dist: uniform, low: 2, high: 10}}
            benefits:
              uplift: {{category: revenue, amount: 100k, ramp_months: 12}}
        """) + textwrap.dedent(block)


def test_adoption_at_month_m_is_the_ramp_share_from_go_live():
    """adoption(12) = (12 - L) / 12 for L ~ U(2, 10): at least 0.6 when L <= 4.8, P = 2.8 / 8 =
    0.35; its mean (12 - 6) / 12 = 0.5, its P10 (the at-risk value of an at-least KPI) at
    L = 9.2, 0.2333. adoption(3) > 0 when L < 3, P = 1 / 8."""
    result = dk.simulate(loads(_adoption_scenario(ADOPTION)), trials=TRIALS, seed=SEED)
    sr = success.analyse(result)
    np.testing.assert_allclose(sr.values["adopted"][:, 0, 0], (12 - result.metrics["launch_months"][:, 0, 0]) / 12,
                               rtol=1e-6)  # fmt: skip
    k = sr.kpis().xs(("buy", "shared"))
    assert abs(k.loc["adopted", "p_hit"] - 0.35) < _tolerance(0.35)
    assert abs(k.loc["started", "p_hit"] - 0.125) < _tolerance(0.125)
    assert abs(sr.values["adopted"].mean() - 0.5) < 4 * (8 / 12 / math.sqrt(12)) / math.sqrt(TRIALS)
    assert abs(k.loc["adopted", "at_risk"] - (12 - 9.2) / 12) < 0.01
    assert sr.milestones().loc[("buy", "shared", "Adoption review"), "p_hit"] == k.loc["adopted", "p_hit"]
    assert "adoption 12 months after the decision at least 60% of full" in success_text(sr)


def test_adoption_of_two_lines_is_their_mean_share():
    """Two lines ramping over 6 and 12 months from a fixed go-live at month 3: at month 9 the
    shares are 1 and 0.5, so adoption(9) = 0.75 in every trial; 0 before go-live."""
    assert success.adoption_at(9, np.array([3.0]), [6.0, 12.0])[0] == 0.75
    assert success.adoption_at(2, np.array([3.0]), [6.0, 12.0])[0] == 0.0
    assert success.adoption_at(9, np.array([3.0]), [])[0] == 0.0


@pytest.mark.parametrize(("metric", "month", "words"), [("adoption(30)", 24, "beyond the horizon"),
                                                        ("adoption(12)", 9, "known only at month 12"),
                                                        ("adoption(1.5)", 12, "unknown metric")])  # fmt: skip
def test_bad_adoption_kpis_are_located_errors(tmp_path, metric, month, words):
    text = _adoption_scenario(ADOPTION.replace("adoption(12)", metric).replace("at_month: 12", f"at_month: {month}"))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert any(words in p.message for p in err.value.problems), err.value.problems


# -- milestones that sign a stop rule ------------------------------------------------------------

RULES = """\
name: signed stop rule, hand-worked
horizon_years: 3
discount_rate: 0.10
owners: {shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
                  incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1}}
options:
  buy:
    kind: buy
    realisation: {dist: mixture, components: [{weight: 0.3, dist: 0}, {weight: 0.7, dist: 1}]}
    costs:
      run: {category: license, timing: recurring, amount: 1000}
    benefits:
      uplift: {category: revenue, amount: 3000}
    flexibility:
      abandon: {exit_cost: 0, commitment_years: 0, failure_seen_after_months: 0, benefit_noise: 0}
      pilot: {months: 12, scale: 0.1, setup_cost: 100, benefit_noise: 0}
  keep:
    kind: buy
    costs:
      run: {category: license, timing: recurring, amount: 500}
success:
  signed_by: [CIO]
  kpis:
    go_live: {metric: launch_months, target: 6, direction: at_most, owner: CIO}
  milestones:
    - {name: Go-live review, at_month: 6, kpis: [go_live]}
    - {name: Year-1 stop review, at_month: 12, stop_rule: {option: buy}}
    - {name: Year-2 stop review, at_month: 24, stop_rule: {option: buy, rule: yearly_review}}
    - {name: Pilot decision, at_month: 12, stop_rule: {option: buy, rule: pilot}}
"""


@pytest.fixture(scope="module")
def rules_case():
    from decision_kit import success_rules

    result = dk.simulate(loads(RULES), trials=TRIALS, seed=SEED)
    return result, success_rules.analyse(result)


def test_a_signed_stop_review_is_the_rule_that_stops_every_failure_seen(rules_case):
    """Hand-worked (as tests/test_staged_decisions.py): licence 1,000 a year, benefit 3,000 a
    year unless the delivery fails (p 0.3, benefit 0), the failure seen at once, no exit cost.
    At the end of year 1 stopping a failure saves 1,000 a year and a delivered option earns
    more than it costs, so the rule stops exactly the failures: P(carry on past year 1) = 0.7.
    Nothing is left to stop at year 2, so past year 2 it is 0.7 too. Every delivered trial
    measures the same 2,250 (a 6-month ramp from month 0), so the rule has no benefit threshold
    (NaN): it stops on the failure seen."""
    _, sr = rules_case
    rules = sr.rules.xs(("buy", "shared"))
    valued = int(rules.loc["Year-1 stop review", "valued_trials"])
    assert valued == TRIALS // 2
    for name in ("Year-1 stop review", "Year-2 stop review"):
        r = rules.loc[name]
        assert abs(r.p_continue - 0.7) < _tolerance(0.7, valued), name
        assert r.stop_if_failure_seen and math.isnan(r.threshold)
        assert r.p_continue_se == pytest.approx(math.sqrt(r.p_continue * (1 - r.p_continue) / valued))
    assert rules.loc["Year-2 stop review", "p_continue"] == rules.loc["Year-1 stop review", "p_continue"]
    assert "a delivery failure has been seen" in rules.loc["Year-1 stop review", "rule"]
    ms = sr.milestones()
    assert ms.loc[("buy", "shared", "Year-1 stop review"), "p_hit"] == rules.loc["Year-1 stop review", "p_continue"]
    assert math.isnan(ms.loc[("keep", "shared", "Year-1 stop review"), "p_hit"])  # not keep's rule
    # missed = the rule stops: a failure stopped at the end of year 1 has paid one year's
    # licence, -1,000 / 1.1 = -909.09; hit = a delivery, (2,250 - 1,000) / 1.1 + 2,000 / 1.1^2
    # + 2,000 / 1.1^3 = 4,291.89 (no status quo: the NPV against it is the same)
    for name in ("Year-1 stop review", "Year-2 stop review"):
        row = ms.loc[("buy", "shared", name)]
        assert row.npv_mean_if_missed == pytest.approx(-1000 / 1.1, rel=1e-9)
        assert row.npv_mean_if_hit == pytest.approx(1250 / 1.1 + 2000 / 1.1**2 + 2000 / 1.1**3, rel=1e-9)
    # the pilot stops a failure seen at its 100 set-up cost; a delivery scales to the same life a
    # year later, 4,291.89 / 1.1 - 100 = 3,801.72
    pilot = ms.loc[("buy", "shared", "Pilot decision")]
    assert pilot.npv_mean_if_missed == pytest.approx(-100, rel=1e-9)
    assert pilot.npv_mean_if_hit == pytest.approx((1250 / 1.1 + 2000 / 1.1**2 + 2000 / 1.1**3) / 1.1 - 100, rel=1e-9)


def test_a_signed_pilot_scales_on_a_threshold_between_a_failure_and_a_delivery(rules_case):
    """The noiseless 12-month pilot measures the full-scale year-2 benefit exactly: 0 for a
    failure, 3,000 for a delivery. Scaling a delivery pays and a failure does not, so the rule
    scales at a threshold in (0, 3,000] a year, and P(scale) = 0.7."""
    _, sr = rules_case
    r = sr.rules.loc[("buy", "shared", "Pilot decision")]
    assert 0 < r.threshold <= 3000 and r.kind == "pilot"
    assert abs(r.p_continue - 0.7) < _tolerance(0.7, int(r.valued_trials))
    text = success_text(sr)
    assert "Pilot decision" in text and "scale if its measured benefit is at least" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_without_the_fitted_rules_a_signed_rule_has_no_chance(rules_case):
    result, _ = rules_case
    bare = success.analyse(result)
    assert math.isnan(bare.milestones().loc[("buy", "shared", "Pilot decision"), "p_hit"])
    assert bare.milestones().loc[("buy", "shared", "Go-live review"), "p_hit"] == 1.0  # launch at month 0


BAD_RULES = [
    ("stop_rule: {option: buy}}", "stop_rule: {option: keep}}", "success.milestones[1].stop_rule.rule",
     "states no abandon"),
    ("stop_rule: {option: buy}}", "stop_rule: {option: nobody}}", "success.milestones[1].stop_rule.option",
     "no option 'nobody'"),
    ("at_month: 12, stop_rule: {option: buy}}", "at_month: 18, stop_rule: {option: buy}}",
     "success.milestones[1].at_month", "falls at a year end"),
    ("at_month: 24, stop_rule", "at_month: 36, stop_rule", "success.milestones[2].at_month", "up to 24"),
    ("at_month: 12, stop_rule: {option: buy, rule: pilot}", "at_month: 6, stop_rule: {option: buy, rule: pilot}",
     "success.milestones[3].at_month", "decides at its end: at_month 12"),
    ("stop_rule: {option: buy}}", "kpis: [go_live], stop_rule: {option: buy}}", "success.milestones[1]",
     "exactly one of them"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "field", "words"), BAD_RULES, ids=[b[3] for b in BAD_RULES])
def test_bad_stop_rule_milestones_are_located_errors(tmp_path, old, new, field, words):
    assert old in RULES
    path = tmp_path / "bad.yaml"
    path.write_text(RULES.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        load(path)
    problem = next((p for p in err.value.problems if words in p.message), None)
    assert problem is not None, err.value.problems
    assert problem.path.startswith(field) and problem.line is not None


def test_a_signed_threshold_is_in_business_units_and_its_chance_is_that_of_measuring_above_it():
    """A noisy year-1 review: the failure shows only after 30 months, so at the end of year 1
    the rule sees the measured benefit alone, x = 2,250 D + 750 e (D delivered, p 0.7; e
    standard normal; no lognormal error). One contract year is still due, so the year-2 review
    reaches the horizon and only the year-1 review is offered. The milestone carries on when
    x >= t, the threshold in USD a year, so its chance is P(x >= t) = 0.7 Phi((2,250 - t) / 750)
    + 0.3 Phi(-t / 750) at the fitted t. (The Bayes-optimal t is 740: carry on while P(D | x)
    > 1/3, for year 3's +2,000 if delivered and -1,000 if failed; the least-squares rule is
    fitted by a quadratic in x and lands lower, about 240; the test pins the milestone to the
    rule it signs, whatever the rule's quality.)"""
    from decision_kit import success_rules

    text = RULES.replace(
        "abandon: {exit_cost: 0, commitment_years: 0, failure_seen_after_months: 0, benefit_noise: 0}",
        "abandon: {exit_cost: 0, commitment_years: 1, failure_seen_after_months: 30, benefit_noise: 0, "
        "benefit_noise_floor: 750}",
    ).replace("    - {name: Year-2 stop review, at_month: 24, stop_rule: {option: buy, rule: yearly_review}}\n", "")
    sr = success_rules.analyse(dk.simulate(loads(text), trials=TRIALS, seed=SEED))
    r = sr.rules.loc[("buy", "shared", "Year-1 stop review")]
    t = r.threshold
    assert 0 < t < 2250
    phi = lambda z: 0.5 * math.erfc(-z / math.sqrt(2))
    expected = 0.7 * phi((2250 - t) / 750) + 0.3 * phi(-t / 750)
    assert abs(r.p_continue - expected) < _tolerance(expected, int(r.valued_trials))
    from decision_kit.formatting import compact

    assert f"below {compact(t)} USD" in r.rule and r.measured == "the measured benefit of year 1"
