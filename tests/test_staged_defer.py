"""Defer and learn on scenarios (decision_kit.staged_defer), against closed forms.

References are worked out by hand or in closed form in the comments, never by running the
analysis twice.
"""

import textwrap

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.stats import norm

import decision_kit as dk
from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.simulation import simulate
from decision_kit.staged_defer import deferrals
from decision_kit.staged_flows import reviewed_options

OWNER = """
    owners:
      shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
               incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1,
               marketing_share: 0.5}
"""


def _one_year(rate: float, benefit: str, defer: str, invest: float = 100.0) -> dk.Scenario:
    """A one-year project: ``invest`` paid at the decision date, ``benefit`` earned in year 1."""
    return loads(
        textwrap.dedent(f"""
        name: deferral, closed form
        horizon_years: 1
        discount_rate: {rate!r}
        options:
          buy:
            kind: buy
            costs:
              invest: {{category: implementation, timing: one_off, amount: {invest!r}}}
            benefits:
              value: {{category: revenue, amount: {benefit}, ramp_months: 0}}
            flexibility:
              defer: {defer}
    """)
        + textwrap.dedent(OWNER)
    )


def test_deferral_of_a_lognormal_project_is_the_black_scholes_call():
    # Benaroch-Kauffman's setting (design 4b test 5): V0 = I = 100, r 5% continuous, sigma 30%,
    # T = 1: C = 100 N(d1) - 100 e^-0.05 N(d2) = 14.2313 with d1 = (0.05 + 0.045) / 0.3, d2 = d1 - 0.3.
    # On the scenario: the discount rate e^0.05 - 1 makes (1 + r)^-1 = e^-0.05; waiting 12
    # months and committing pays e^-0.05 (B / (1 + r) - 100), so the project's value at the end
    # of the wait is V_T = B e^-0.05, lognormal with mean 100 e^0.05 (risk-neutral drift) when B
    # has median 100 e^0.05 e^(0.05 - 0.045) and sigma 0.3. The signal is B itself (no noise).
    d1 = (0.05 + 0.3**2 / 2) / 0.3
    call = 100 * norm.cdf(d1) - 100 * np.exp(-0.05) * norm.cdf(d1 - 0.3)
    assert round(call, 4) == 14.2313
    median = 100 * np.exp(0.05) * np.exp(0.05 - 0.045)
    s = _one_year(float(np.expm1(0.05)), f"{{dist: lognormal, median: {float(median)!r}, sigma: 0.3}}",
                  "{months: 12, benefit_noise: 0}")  # fmt: skip
    d = deferrals(s, trials=200_000, seed=7)
    rule, row = d.rules[("buy", "shared")], d.table.loc[("buy", "shared")]
    for value in (rule.value_out_of_sample, rule.value_in_sample):
        assert abs(value - call) < 3 * rule.standard_error
    # invest at the end of the wait when V_T >= I = 100, i.e. B >= 100 (1 + r) = 105.127
    assert row.commit_if_at_least == pytest.approx(100 * np.exp(0.05), rel=2e-3)
    # committing now is worth E[V_T] - 100 = 100 (e^0.05 - 1) = 5.127, and waiting then committing
    # whatever loses its time value: 5.127 x (1 - e^-0.05), on the valued trials' own mean
    assert abs(row.commit_npv - 100 * np.expm1(0.05)) < 3 * 0.3 * 105 / np.sqrt(rule.valued.size)
    assert row.cost_of_waiting == pytest.approx(row.commit_npv * (1 - np.exp(-0.05)), rel=1e-9)
    assert "commit if the market signal" in d.rule_words("buy", "shared")


def test_deferral_with_a_noisy_normal_signal_is_the_preposterior_closed_form():
    # Raiffa-Schlaifer (design 4b test 1) with no discounting: theta = B ~ N(100, 20^2), signal
    # s = B + e, e ~ N(0, 20^2), commit pays B - 100. v = tau^2 / sqrt(tau^2 + sigma^2) =
    # 400 / sqrt(800) = 14.142; value = v phi(0) = 5.6419 (mu = K, so committing now is worth 0);
    # the threshold s* = K + (sigma^2 / tau^2)(K - mu) = 100.
    v = 400 / np.sqrt(800)
    value = v * norm.pdf(0.0)
    assert round(value, 4) == 5.6419
    s = _one_year(0.0, "{dist: normal, mean: 100, sd: 20}", "{months: 6, benefit_noise: 0, benefit_noise_floor: 20}")
    d = deferrals(s, trials=200_000, seed=3)
    row, rule = d.table.loc[("buy", "shared")], d.rules[("buy", "shared")]
    assert abs(row.value - value) < 3 * row.value_se
    assert abs(row.commit_if_at_least - 100) < 5  # the value is flat near the optimum: a loose check
    assert rule.p_stop == pytest.approx(0.5, abs=0.05)
    assert row.cost_of_waiting == 0  # no discounting, no waiting cost


def test_a_waiting_cost_lowers_the_value_by_exactly_that_and_an_uninformative_wait_never_pays():
    free = _one_year(0.1, "{dist: normal, mean: 150, sd: 20}", "{months: 12, benefit_noise: 0, "
                     "benefit_noise_floor: 1e9}")  # fmt: skip
    paid = _one_year(0.1, "{dist: normal, mean: 150, sd: 20}", "{months: 12, benefit_noise: 0, "
                     "benefit_noise_floor: 1e9, waiting_cost: 7}")  # fmt: skip
    a = deferrals(free, trials=20_000, seed=2).table.loc[("buy", "shared")]
    b = deferrals(paid, trials=20_000, seed=2).table.loc[("buy", "shared")]
    assert a.value - b.value == pytest.approx(7, rel=1e-9)
    # a signal drowned in noise teaches nothing: the rule commits after the wait regardless, so
    # the value is minus the time value of the life, -(150/1.1 - 100)(1 - 1/1.1) = -3.306
    assert a.p_stop == 0
    assert a.value == pytest.approx(-a.cost_of_waiting, rel=1e-12)
    assert abs(a.value + (150 / 1.1 - 100) * (1 - 1 / 1.1)) < 3 * 20 / 1.1 * (1 - 1 / 1.1) / np.sqrt(10_000)


def test_commit_now_is_the_reported_npv_bit_for_bit_and_the_value_is_never_below_minus_three_se():
    s = dk.load_scenario("scenarios/customer_data_platform.yaml")
    assert reviewed_options(s, "defer")
    d = deferrals(s, trials=4_000, seed=5)
    r = simulate(s, trials=4_000, seed=5)
    for (o, w), rule in d.rules.items():
        # committing now is the option with the highest reported NPV on the valued trials
        npv = {x: r.metrics["npv"][:, list(s.options).index(x), list(s.owners).index(w)] - r.status_quo["npv"]
               for x in s.options}  # fmt: skip
        best = max(npv, key=lambda x: npv[x][rule.valued].mean())
        assert d.table.loc[(o, w), "commit_to"] == best
        assert d.table.loc[(o, w), "commit_npv"] == npv[best][rule.valued].mean()
    # the rule can always commit after the wait whatever it sees, which is worth minus the cost of
    # waiting; committing now is not among its actions, so its value may be negative, not below that
    t = d.table
    assert (t.value >= -t.cost_of_waiting - 3 * t.value_se).all()
    for o in reviewed_options(s, "defer"):
        assert s.options[o].flexibility.defer.source


def test_an_option_without_a_deferral_is_refused():
    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    with pytest.raises(ScenarioError, match="does not state a deferral"):
        deferrals(s, trials=100, seed=1, options=["buy"])


def test_the_stages_command_and_the_memo_carry_the_deferral(capsys):
    from decision_kit.cli import main
    from decision_kit.report.analyses import _defer_analyses

    path = "scenarios/customer_data_platform.yaml"
    assert main(["stages", path, "--trials", "2000", "--seed", "1", "--option", "buy"]) == 0
    out = capsys.readouterr().out
    assert "Commit now or wait and learn" in out and "value of waiting" in out and "wait 12 months, then" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "then choose among buy, build, hybrid" in out and "commit to the option with the highest" in out
    assert "with the same error draws: the market measured once" in " ".join(out.split())  # the default, common
    sections = _defer_analyses(simulate(dk.load_scenario(path), trials=500, seed=1), trials=2_000)
    table, words, shares = sections.values()
    assert {"commit now", "wait first", "value of waiting", "its standard error", "chooses among"} <= set(table.columns)
    assert words.startswith("buy under ") and "wait 12 months" in words and "at their median: buy " in words
    assert words.endswith("(a market signal of each, with the same error draws: the market measured once).")
    assert list(shares.columns) == ["build", "buy", "hybrid", "status quo"]  # file order
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)


# -- after the wait, a choice among several options ------------------------------------------------


def _two_options(floor: float, choose: str = "[buy, build]", errors: str = "independent") -> dk.Scenario:
    """Two one-year projects, no discounting: 100 paid at the decision date, a benefit
    B_buy ~ N(110, 20^2) or B_build ~ N(105, 20^2) (independent) in year 1; buy's deferral waits 6
    months and sees each benefit plus a normal error of ``floor``, drawn apart for each option
    (``signal_errors: independent``) unless ``errors`` says otherwise."""
    return loads(
        textwrap.dedent(f"""
        name: two options, closed form
        horizon_years: 1
        discount_rate: 0
        options:
          buy:
            kind: buy
            costs:
              invest: {{category: implementation, timing: one_off, amount: 100}}
            benefits:
              value: {{category: revenue, amount: {{dist: normal, mean: 110, sd: 20}}, ramp_months: 0}}
            flexibility:
              defer: {{months: 6, benefit_noise: 0, benefit_noise_floor: {floor!r}, choose_among: {choose},
                       signal_errors: {errors}}}
          build:
            kind: build
            costs:
              invest: {{category: implementation, timing: one_off, amount: 100}}
            benefits:
              value: {{category: revenue, amount: {{dist: normal, mean: 105, sd: 20}}, ramp_months: 0}}
    """)
        + textwrap.dedent(OWNER)
    )


@pytest.mark.parametrize("floor", [0.0, 20.0])  # the noiseless limit, and a signal as noisy as the prior
def test_a_choice_between_two_options_after_the_wait_is_worth_the_expected_max_of_the_posteriors(floor):
    # theta_i = B_i - 100 ~ N(mu_i, 20^2), mu = (10, 5); given the signals the posterior means are
    # independent N(mu_i, v^2), v = 400 / sqrt(400 + floor^2); no discounting and no waiting cost,
    # so the choice is worth E[max(m_1, m_2, 0)] - max(10, 5, 0), E[.] by quadrature (scipy):
    # integral over y > 0 of 1 - Phi((y - 10) / v) Phi((y - 5) / v).
    v = 400 / np.sqrt(400 + floor**2)
    e_max = quad(lambda y: 1 - norm.cdf((y - 10) / v) * norm.cdf((y - 5) / v), 0, np.inf)[0]
    d = deferrals(_two_options(floor), trials=200_000, seed=3)
    row = d.table.loc[("buy", "shared")]
    assert row.commit_to == "buy" and row.cost_of_waiting == 0
    assert abs(row.value - (e_max - 10)) < 3 * row.value_se
    assert row.value >= -3 * row.value_se
    shares = d.shares.loc[("buy", "shared")]
    assert shares.sum() == pytest.approx(1.0)
    if floor == 0:
        # noiseless: none only when both lose, P = Phi(-10/20) Phi(-5/20); buy from B_buy >= 100
        # with build's signal at its median 105, i.e. from B_buy = 105
        assert shares["status quo"] == pytest.approx(norm.cdf(-0.5) * norm.cdf(-0.25), abs=0.005)
        assert d.boundaries.loc[("buy", "shared", "buy"), "cut"] == pytest.approx(105, abs=0.5)
        assert row.p_commit_when_stop_pays == 0 and row.p_stop_when_commit_pays == 0
    words = d.rule_words("buy", "shared")
    assert words.startswith("wait 6 months, then commit to the option with the highest expected NPV")
    assert "buy if its signal is at least" in words and "build if its signal is at least" in words


@pytest.mark.parametrize("errors", ["common", "independent"])
def test_choosing_among_the_option_alone_is_todays_deferral_bit_for_bit(errors):
    # today's deferral: no choose_among and the default signal_errors; the table's only new
    # column, signal_errors, says which was stated
    alone = deferrals(_two_options(20.0, "[buy]", errors), trials=4_000, seed=9)
    stated = _two_options(20.0, "[buy]").model_dump(exclude_none=True)
    del stated["options"]["buy"]["flexibility"]["defer"]["choose_among"]
    del stated["options"]["buy"]["flexibility"]["defer"]["signal_errors"]
    today = deferrals(dk.Scenario.model_validate(stated), trials=4_000, seed=9)
    assert (alone.table.signal_errors == errors).all() and (today.table.signal_errors == "common").all()
    columns = [c for c in today.table.columns if c != "signal_errors"]
    pd.testing.assert_frame_equal(alone.table[columns], today.table[columns], check_exact=True)
    cdp = dk.load_scenario("scenarios/customer_data_platform.yaml").model_dump(exclude_none=True)
    cdp["options"]["buy"]["flexibility"]["defer"].update(choose_among=["buy"], signal_errors=errors)
    one = deferrals(dk.Scenario.model_validate(cdp), trials=2_000, seed=4)
    del cdp["options"]["buy"]["flexibility"]["defer"]["choose_among"]
    del cdp["options"]["buy"]["flexibility"]["defer"]["signal_errors"]
    none = deferrals(dk.Scenario.model_validate(cdp), trials=2_000, seed=4)
    pd.testing.assert_frame_equal(one.table[columns], none.table[columns], check_exact=True)
    assert (one.table.commit_to == "buy").all() and (one.table.p_other_paid_more == 0).all()


def test_the_wider_choice_keeps_the_stating_options_draws_and_split():
    # the same seed splits the trials alike for one option (a threshold) and for two (a regression)
    wide = deferrals(_two_options(0.0), trials=20_000, seed=6)
    alone = deferrals(_two_options(0.0, "[buy]"), trials=20_000, seed=6)
    assert np.array_equal(wide.rules[("buy", "shared")].valued, alone.rules[("buy", "shared")].valued)
    # and build's signal adds what a second option is worth: E[max(t1, t2, 0)] - E[max(t1, 0)] > 0
    assert wide.table.value.iloc[0] > alone.table.value.iloc[0] + 3 * wide.table.value_se.iloc[0]


@pytest.mark.parametrize(
    "choose, message",
    [
        ("[buy, nothing]", r"choose_among\[1\]: 'nothing' is not an option of this scenario"),
        ("[build]", r"choose_among: the options to choose among after the wait must include 'buy'"),
        ("[buy, buy]", r"choose_among\[1\]: 'buy' is listed twice"),
    ],
)
def test_an_unknown_option_to_choose_among_is_a_located_error(choose, message):
    with pytest.raises(ScenarioError, match=message) as err:
        _two_options(0.0, choose)
    assert "options.buy.flexibility.defer.choose_among" in str(err.value)


@pytest.mark.parametrize("errors", ["common", "independent"])
def test_the_order_of_the_list_changes_nothing(errors):
    a = deferrals(_two_options(20.0, "[buy, build]", errors), trials=4_000, seed=2).table.iloc[0]
    b = deferrals(_two_options(20.0, "[build, buy]", errors), trials=4_000, seed=2).table.iloc[0]
    assert a.value == pytest.approx(b.value, rel=1e-12) and a.p_stop == b.p_stop


def test_signal_errors_is_common_or_independent():
    with pytest.raises(ScenarioError, match=r"signal_errors") as err:
        _two_options(0.0, errors="correlated")
    assert "options.buy.flexibility.defer.signal_errors" in str(err.value)
    assert _two_options(0.0, errors="common").options["buy"].flexibility.defer.signal_errors == "common"


# -- options whose benefits are the same market response ------------------------------------------


def _one_market(noise: float, floor: float, choose: str, errors: str = "common", d: float = 0.0) -> dk.Scenario:
    """Two one-year projects on one market response B ~ N(100, 20^2) (``shared:``, the same number
    in both), no discounting, 100 paid at the decision date: buy earns B, build earns B + ``d``
    (a second, fixed benefit line); buy's deferral waits 6 months and sees each one's benefit with
    a lognormal error ``noise`` and a normal error ``floor``, ``errors`` across the options."""
    extra = f"\n              extra: {{category: revenue, amount: {d!r}, ramp_months: 0}}" if d else ""
    return loads(
        textwrap.dedent(f"""
        name: one market, two options
        horizon_years: 1
        discount_rate: 0
        shared:
          response: {{dist: normal, mean: 100, sd: 20}}
        options:
          buy:
            kind: buy
            costs:
              invest: {{category: implementation, timing: one_off, amount: 100}}
            benefits:
              value: {{category: revenue, amount: {{dist: shared, name: response}}, ramp_months: 0}}
            flexibility:
              defer: {{months: 6, benefit_noise: {noise!r}, benefit_noise_floor: {floor!r}, choose_among: {choose},
                       signal_errors: {errors}}}
          build:
            kind: build
            costs:
              invest: {{category: implementation, timing: one_off, amount: 100}}
            benefits:
              value: {{category: revenue, amount: {{dist: shared, name: response}}, ramp_months: 0}}{extra}
    """)
        + textwrap.dedent(OWNER)
    )


@pytest.mark.parametrize("noise, floor", [(0.0, 20.0), (0.2, 0.0), (0.2, 20.0)])
def test_with_common_errors_a_second_option_with_the_same_benefit_adds_nothing(noise, floor):
    # build's benefit is buy's, the same function of the same input: with common errors its
    # signal is buy's signal, bit for bit, and choosing between them is choosing buy alone. The
    # two values are not equal to 1e-9 because the rules are fitted differently (a least-squares
    # regression on the signals for a choice, the exact threshold on the fit trials for one
    # option): they differ by the fitting's noise, so within 3 SE.
    both = deferrals(_one_market(noise, floor, "[buy, build]"), trials=100_000, seed=4)
    alone = deferrals(_one_market(noise, floor, "[buy]"), trials=100_000, seed=4)
    a, b = alone.table.iloc[0], both.table.iloc[0]
    assert b.commit_npv == a.commit_npv and b.commit_to == "buy"
    assert abs(b.value - a.value) < 3 * a.value_se
    # equal fitted values: the tie goes to the first listed option, and build is never chosen
    assert both.shares.loc[("buy", "shared"), "build"] == 0 and b.p_other_paid_more == 0
    if noise == 0:
        # the single signal's preposterior value (mu = K): v phi(0), v = 400 / sqrt(400 + floor^2),
        # staying when the signal is below 100, half the trials
        assert abs(b.value - 400 / np.sqrt(400 + floor**2) * norm.pdf(0)) < 3 * b.value_se
        assert b.p_stop == pytest.approx(0.5, abs=0.03)
    # with independent errors build's signal is a second look at the same B: value out of nothing
    apart = deferrals(_one_market(noise, floor, "[buy, build]", "independent"), trials=100_000, seed=4).table.iloc[0]
    assert apart.value > a.value + 3 * a.value_se


def _e_max(v: float, d: float) -> float:
    """E[max(m, m + d, 0)] for m ~ N(0, v^2), by quadrature (scipy)."""
    return quad(lambda x: max(x, x + d, 0.0) * norm.pdf(x / v) / v, -12 * v, 12 * v, points=[0.0, -d], limit=200)[0]


def test_with_common_errors_a_known_shift_between_two_options_is_one_signal():
    # theta_1 = B - 100 ~ N(0, 20^2), theta_2 = theta_1 + 5; the signals B + e and B + 5 + e share
    # one error e ~ N(0, 20^2): the second tells nothing the first does not, so the choice is the
    # single-signal preposterior value of max(theta, theta + 5, 0): given s, m = E[theta | s] ~
    # N(0, v^2), v = 400 / sqrt(800), and the value is E[max(m, m + 5, 0)] - max(0, 5, 0) (no
    # discounting, no waiting cost; committing now is build's 5).
    v = 400 / np.sqrt(800)
    reference = _e_max(v, 5.0) - 5.0
    assert round(reference, 4) == round(v * norm.pdf(5 / v) - 5 * norm.cdf(-5 / v), 4)  # E[max(m + 5, 0)] - 5
    common = deferrals(_one_market(0.0, 20.0, "[buy, build]", d=5.0), trials=200_000, seed=8)
    row = common.table.iloc[0]
    assert row.commit_to == "build" and row.cost_of_waiting == 0
    assert abs(row.value - reference) < 3 * row.value_se
    assert common.shares.loc[("buy", "shared"), "buy"] == 0  # build pays 5 more in every trial
    # independent errors read the second signal as another look at B: two errors of sd 20, one of
    # sd 20 / sqrt(2), v = 400 / sqrt(400 + 200), a value the model invents
    apart = deferrals(_one_market(0.0, 20.0, "[buy, build]", "independent", d=5.0), trials=200_000, seed=8)
    r = apart.table.iloc[0]
    assert abs(r.value - (_e_max(400 / np.sqrt(600), 5.0) - 5.0)) < 3 * r.value_se
    assert r.value > row.value + 3 * r.value_se
