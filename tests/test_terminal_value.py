"""Terminal value (issue 12 item 7): the finance kernels against the Gordon growth formula and a
long truncated sum, and the scenario rule (none, salvage, perpetuity) reported apart from NPV.

Expected values are worked in the comments.
"""

import textwrap

import numpy as np
import pytest
import yaml

import decision_kit as dk
from decision_kit import finance, report
from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.simulation import draw_trials, evaluate

NEUTRAL = dict(launch_factor=1, launch_extra_months=0, integration_factor=1, incident_frequency=1,
               incident_severity=1, governance_overhead=0, consolidation=0, realisation_factor=1,
               marketing_share=0.5)  # fmt: skip


def _scenario(terminal: str, benefit="100", risks="", extra_options=""):
    # horizon 3, rate 10%: 100 at the decision date, 40 a year of subscription, a benefit from
    # year 1 (no ramp); year 3 net = benefit - 40
    return loads(
        textwrap.dedent(f"""
        name: terminal
        horizon_years: 3
        discount_rate: 0.10
        {terminal}
        options:
          buy:
            kind: buy
            costs:
              setup: {{category: implementation, timing: one_off, amount: 100}}
              sub: {{category: license, timing: recurring, amount: 40}}
            benefits:
              uplift: {{category: revenue, amount: {benefit}, ramp_months: 0}}
        """)
        + extra_options
        + risks
        + "owners: "
        + yaml.safe_dump({"shared": NEUTRAL}, default_flow_style=True)
    )


# --- kernels -----------------------------------------------------------------------------------


def test_growing_perpetuity_is_the_sum_of_the_growing_flows():
    # sum_{k>=1} CF (1+g)^k / (1+r)^k, truncated where the terms are below 1e-12 of the first
    cf, r, g = 60.0, 0.10, 0.02
    k = np.arange(1, 2_000)
    series = np.sum(cf * ((1 + g) / (1 + r)) ** k)
    assert finance.growing_perpetuity(r, g, cf) == pytest.approx(series, rel=1e-12)
    assert finance.growing_perpetuity(r, g, cf) == pytest.approx(cf * 1.02 / 0.08, rel=1e-15)  # 765


def test_growing_perpetuity_is_nan_where_it_diverges():
    out = finance.growing_perpetuity(np.array([0.05, 0.05, 0.05]), np.array([0.05, 0.07, 0.0]), 10.0)
    assert np.isnan(out[:2]).all()
    assert out[2] == pytest.approx(200.0)


def test_terminal_value_discounts_to_time_zero():
    # Gordon: 60 x 1.02 / 0.08 = 765 at the end of period 2, / 1.1^2 = 632.2314...
    assert finance.terminal_value(0.10, [-100.0, 50.0, 60.0], growth=0.02) == pytest.approx(765 / 1.21, rel=1e-15)
    # salvage 1331 at the end of period 3 is 1000 today; vectorised over series
    v = np.array([[-1.0, 0, 0, 5], [-2.0, 0, 0, 7]])
    np.testing.assert_allclose(finance.terminal_value(0.10, v, salvage=[1331.0, 0.0]), [1000.0, 0.0])
    with pytest.raises(ValueError, match="exactly one"):
        finance.terminal_value(0.10, v)


# --- the scenario rule -------------------------------------------------------------------------


def test_no_rule_reports_no_terminal_value():
    r = dk.simulate(_scenario(""), trials=10, seed=0)
    assert r.terminal is None and r.terminal_summary() is None


def test_perpetuity_of_a_fixed_scenario_matches_gordon():
    # year 3 net 100 - 40 = 60; TV at year 3 = 60 x 1.02 / (0.10 - 0.02) = 765; PV 765 / 1.331
    r = dk.simulate(_scenario("terminal_value: {rule: perpetuity, growth: 2%}"), trials=50, seed=3)
    np.testing.assert_allclose(r.terminal[:, 0, 0], 765 / 1.331, rtol=1e-12)
    npv = -100 + 60 / 1.1 + 60 / 1.21 + 60 / 1.331
    # the NPV leaves it out (the engine floors a ramp at 1e-9 months: year 1 loses ~4e-9)
    np.testing.assert_allclose(r.metrics["npv"][:, 0, 0], npv, rtol=0, atol=1e-8)
    t = r.terminal_summary().loc[("buy", "shared")]
    assert t.terminal_pv_mean == pytest.approx(765 / 1.331, rel=1e-12)
    assert t.npv_with_terminal_mean == pytest.approx(npv + 765 / 1.331, rel=1e-10)


def test_perpetuity_per_trial_follows_that_trials_last_year():
    s = _scenario("terminal_value: {rule: perpetuity, growth: 0.03}", benefit="{dist: uniform, low: 20, high: 120}")
    r = dk.simulate(s, trials=5_000, seed=2)
    values, risks, _ = draw_trials(s, 5_000, 2)
    flows = evaluate(s, values, risks)
    net_last = flows["benefit"][:, 3, 0, 0] - flows["cost"][:, 3, 0, 0]
    np.testing.assert_allclose(r.terminal[:, 0, 0], net_last * 1.03 / 0.07 / 1.331, rtol=1e-12)
    assert (r.terminal[:, 0, 0] < 0).any()  # a losing last year is a negative perpetuity


def test_terminal_values_do_not_depend_on_worker_processes():
    """Written by forked workers into shared memory (simulate(workers=...)): the same bits as on
    one thread, over three random-number blocks."""
    s = _scenario("terminal_value: {rule: perpetuity, growth: 0.03}", benefit="{dist: uniform, low: 20, high: 120}")
    one = dk.simulate(s, trials=20_000, seed=2, threads=1)
    forked = dk.simulate(s, trials=20_000, seed=2, workers=3)
    np.testing.assert_array_equal(one.terminal, forked.terminal)
    np.testing.assert_array_equal(one.metrics["npv"], forked.metrics["npv"])


def test_salvage_per_option_and_zero_elsewhere():
    other = "  keep:\n    kind: do_nothing\n"
    s = _scenario(
        "terminal_value: {rule: salvage, salvage: {buy: {dist: uniform, low: 1000, high: 1662}}}", extra_options=other
    )
    r = dk.simulate(s, trials=20_000, seed=1)
    tv = r.terminal[:, 0, 0]
    # mean salvage 1331 at year 3 -> 1000 today; uniform sd 662 / sqrt(12) / 1.331
    se = 662 / np.sqrt(12) / 1.331 / np.sqrt(len(tv))
    assert abs(tv.mean() - 1000) < 5 * se
    assert tv.min() >= 1000 / 1.331 and tv.max() <= 1662 / 1.331
    np.testing.assert_array_equal(r.terminal[:, 1, 0], 0.0)


def test_an_uncertain_salvage_value_leaves_every_other_draw_as_it_was():
    impact = "{dist: uniform, low: 1, high: 9}"
    risks = f"risks:\n  breach: {{type: security, effect: one_off, probability: 0.3, impact: {impact}}}\n"
    base = dk.simulate(_scenario("", benefit="{dist: uniform, low: 20, high: 120}", risks=risks), trials=3_000, seed=4)
    salv = dk.simulate(
        _scenario(
            "terminal_value: {rule: salvage, salvage: {buy: {dist: uniform, low: 0, high: 1}}}",
            benefit="{dist: uniform, low: 20, high: 120}",
            risks=risks,
        ),
        trials=3_000,
        seed=4,
    )
    np.testing.assert_array_equal(base.metrics["npv"], salv.metrics["npv"])


def test_the_memo_shows_the_terminal_value_apart():
    r = dk.simulate(_scenario("terminal_value: {rule: perpetuity, growth: 2%}"), trials=20, seed=0)
    html = report.html_memo(r)
    assert "Terminal value (not in the NPV)" in html and "perpetuity growing 2.0% a year" in html
    assert "Terminal value" not in report.html_memo(dk.simulate(_scenario(""), trials=20, seed=0))


@pytest.mark.parametrize(
    "terminal, path, message",
    [
        ("terminal_value: {rule: perpetuity, growth: 10%}", "terminal_value.growth", "growth below the discount rate"),
        ("terminal_value: {rule: perpetuity, growth: 12%}", "terminal_value.growth", "its value would be infinite"),
        ("terminal_value: {rule: perpetuity}", "terminal_value", "needs 'growth:'"),
        ("terminal_value: {rule: salvage}", "terminal_value", "needs 'salvage:'"),
        ("terminal_value: {rule: none, growth: 1%}", "terminal_value", "only to rule: perpetuity"),
        ("terminal_value: {rule: salvage, salvage: {bye: 10}}", "terminal_value.salvage.bye", "does not exist"),
    ],
)
def test_invalid_terminal_rules_are_rejected_with_their_field(terminal, path, message):
    with pytest.raises(ScenarioError, match=path.replace(".", r"\.")) as err:
        _scenario(terminal)
    assert message in str(err.value)
