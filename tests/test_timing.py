"""Timing of cost lines: from_year, recurring one-off lines, escalators drawn per trial, per
year or per renewal, with a cap (issue 12 items 3 and 6; decision_kit/timing.py).

Expected values are closed forms worked in the comments: hand-worked flows for fixed inputs,
and moments of products of independent factors for the escalators, checked within five
Monte Carlo standard errors (fixed seeds, so deterministic).
"""

import math
import textwrap

import numpy as np
import pytest
import yaml

from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.simulation import base_case, draw_trials, evaluate, simulate

NEUTRAL = dict(launch_factor=1, launch_extra_months=0, integration_factor=1, incident_frequency=1,
               incident_severity=1, governance_overhead=0, consolidation=0, realisation_factor=1,
               marketing_share=0.5)  # fmt: skip

U = "{dist: uniform, low: 0.03, high: 0.07}"  # the saas_price_escalator_capped prior's shape
A, B = 0.03, 0.07


def _scenario(lines: dict, horizon=10, launch=0, extra=""):
    costs = "\n".join(f"      {name}: {body}" for name, body in lines.items())
    return loads(
        textwrap.dedent(f"""
        name: timing
        horizon_years: {horizon}
        discount_rate: 0.0
        options:
          buy:
            kind: buy
            launch_months: {launch}
            costs:
        """)
        + costs
        + "\n"
        + extra
        + "owners: "
        + yaml.safe_dump({"shared": NEUTRAL}, default_flow_style=True)
    )


def _flows(s, trials=40_000, seed=1) -> np.ndarray:
    """Per-trial cost by period (trials, periods) of the one cell, on simulate's own draws."""
    values, risks, _ = draw_trials(s, trials, seed)
    return evaluate(s, values, risks)["cost"][:, :, 0, 0]


def _assert_mean(x: np.ndarray, expected: float):
    se = x.std() / math.sqrt(len(x))
    assert abs(x.mean() - expected) <= 5 * se + 1e-12 * abs(expected), (x.mean(), expected, se)


# --- from_year and recurring one-off lines (item 3) -------------------------------------------


def test_from_year_starts_a_recurring_line_and_its_escalation():
    # from_year 3, 100 a year rising 10%: years 3, 4, 5 pay 100, 110, 121; nothing before
    s = _scenario({"late": "{category: support, timing: recurring, amount: 100, escalation: 0.1, from_year: 3}"}, 5)
    np.testing.assert_allclose(base_case(s).loc[("buy", "shared", "total cost")], [0, 0, 0, 100, 110, 121])


def test_from_year_with_start_at_launch_is_pro_rata():
    # go-live at month 30: year 3 (months 24..36) is half live -> 50; then 110, 121; year 2 pays
    # nothing although the line would start at launch, and year 1-2 nothing from from_year
    s = _scenario(
        {"late": "{category: support, timing: recurring, amount: 100, escalation: 0.1, from_year: 3, start: launch}"},
        5,
        launch=30,
    )
    np.testing.assert_allclose(base_case(s).loc[("buy", "shared", "total cost")], [0, 0, 0, 50, 110, 121])


def test_per_unit_from_year_reads_the_driver_of_its_year():
    # driver 100 seats growing 10%: year 4 has 133.1 seats; 2 a seat -> 266.2, year 5 292.82
    extra = "drivers:\n  seats: {unit: seats, start: 100, growth: 0.1}\n"
    s = _scenario({"seats": "{category: license, timing: per_unit, driver: seats, amount: 2, from_year: 4}"}, 5,
                  extra=extra)  # fmt: skip
    np.testing.assert_allclose(base_case(s).loc[("buy", "shared", "total cost")], [0, 0, 0, 0, 266.2, 292.82])


def test_one_off_every_n_years_and_on_a_list_with_percent_of():
    # refresh in years 1, 4, 7, 10 (every 3 from year 1); migration in years 0 and 6; support
    # at 10% of the refresh, in the refresh years only
    s = _scenario(
        {
            "refresh": "{category: infrastructure, timing: one_off, year: 1, every: 3, amount: 1000}",
            "migration": "{category: exit, timing: one_off, years: [6, 0], amount: 50}",
            "care": "{category: support, timing: percent_of, of: refresh, amount: 0.1}",
        }
    )
    expected = np.zeros(11)
    expected[[1, 4, 7, 10]] += 1100
    expected[[0, 6]] += 50
    np.testing.assert_allclose(base_case(s).loc[("buy", "shared", "total cost")], expected)


def test_one_off_drawn_per_trial_or_per_occurrence():
    # amount U(0, 1) in years 1, 3, 5, 7 (K = 4): the total has mean 4 x 1/2 either way; drawn
    # once per trial its variance is K^2 / 12, drawn per occurrence K / 12, and two occurrences
    # are equal (per trial) or uncorrelated (per occurrence)
    line = "{category: infrastructure, timing: one_off, year: 1, every: 2, amount: {dist: uniform, low: 0, high: 1}"
    for draw, var in (("per_trial", 16 / 12), ("per_occurrence", 4 / 12)):
        f = _flows(_scenario({"hw": line + f", draw: {draw}}}"}, 7))
        total = f.sum(axis=1)
        _assert_mean(total, 2.0)
        assert total.var() == pytest.approx(var, rel=0.03)
        r = np.corrcoef(f[:, 1], f[:, 5])[0, 1]
        assert r == pytest.approx(1.0) if draw == "per_trial" else abs(r) < 0.02
        assert (f[:, [0, 2, 4, 6]] == 0).all()


# --- escalation by contract term (item 6) ------------------------------------------------------


def _escalated(draw: str, extra: str = "", trials=40_000):
    """Year-t multipliers (trials, H) of a 1-a-year line escalating by U(3%, 7%)."""
    spec = f", escalation_draw: {draw}" if draw else ""
    s = _scenario({"sub": f"{{category: license, timing: recurring, amount: 1, escalation: {U}{spec}{extra}}}"})
    return _flows(s, trials)[:, 1:]


def _uniform_power_mean(k: int) -> float:
    """E[(1 + g)^k] for g ~ U(a, b): ((1+b)^(k+1) - (1+a)^(k+1)) / ((k+1)(b-a))."""
    return ((1 + B) ** (k + 1) - (1 + A) ** (k + 1)) / ((k + 1) * (B - A))


def test_legacy_escalator_is_one_draw_compounded():
    # no escalation_draw: the legacy form; year t multiplier (1+g)^(t-1), one g per trial
    m = _escalated("")
    for t in range(1, 11):
        _assert_mean(m[:, t - 1], _uniform_power_mean(t - 1))
    np.testing.assert_allclose(m[:, 9], m[:, 1] ** 9, rtol=1e-12)
    np.testing.assert_array_equal(m, _escalated("per_trial"))  # the explicit legacy spelling


def test_per_year_escalator_mean_and_variance_match_the_iid_product():
    # a fresh g each year: E[M_t] = (1 + m)^(t-1), m = 5%; E[M_t^2] = (E[(1+g)^2])^(t-1)
    m = _escalated("per_year")
    second = _uniform_power_mean(2)  # E[(1+g)^2]
    for t in range(1, 11):
        _assert_mean(m[:, t - 1], 1.05 ** (t - 1))
        assert m[:, t - 1].var() == pytest.approx(second ** (t - 1) - 1.05 ** (2 * (t - 1)), rel=0.05, abs=1e-15)
    # the year-10 spread is that of a product, narrower than the compounded single draw's
    assert m[:, 9].std() < _escalated("")[:, 9].std() / 2


def test_per_renewal_escalator_steps_at_each_renewal():
    # 3-year terms from year 1: renewals at the start of years 4, 7, 10; k(t) = floor((t-1)/3)
    # rises by year t, so E[M_t] = (1 + m)^k(t); the price is flat within a term
    m = _escalated("per_renewal", ", term_years: 3")
    for t in range(1, 11):
        _assert_mean(m[:, t - 1], 1.05 ** ((t - 1) // 3))
    np.testing.assert_array_equal(m[:, 0], 1.0)
    np.testing.assert_array_equal(m[:, 3], m[:, 5])
    assert (m[:, 6] / m[:, 3] >= 1 + A - 1e-12).all() and (m[:, 6] / m[:, 3] <= 1 + B + 1e-12).all()


def test_capped_per_renewal_escalator_matches_the_closed_form():
    # cap c = 5% on U(a, b): E[min(g, c)] = ((c^2 - a^2)/2 + c (b - c)) / (b - a) = 4.5%;
    # after k renewals E[M] = (1.045)^k. Per year: (1.045)^(t-1)
    c = 0.05
    capped = ((c**2 - A**2) / 2 + c * (B - c)) / (B - A)
    assert capped == pytest.approx(0.045)
    m = _escalated("per_renewal", ", term_years: 2, escalation_cap: 5%")
    for t in range(1, 11):
        _assert_mean(m[:, t - 1], (1 + capped) ** ((t - 1) // 2))
    assert m[:, 9].max() <= 1.05**4 + 1e-12
    m = _escalated("per_year", ", escalation_cap: 5%")
    _assert_mean(m[:, 9], (1 + capped) ** 9)


def test_renewals_count_from_from_year():
    # from_year 4, 2-year terms: pays from year 4, renewals at years 6, 8, 10; base case at the
    # median rise 5%: 1, 1, 1.05, 1.05, 1.1025, 1.1025, 1.157625
    s = _scenario({"sub": f"{{category: license, timing: recurring, amount: 1, escalation: {U}, "
                          "escalation_draw: per_renewal, term_years: 2, from_year: 4}"})  # fmt: skip
    expected = [0, 0, 0, 0, 1, 1, 1.05, 1.05, 1.1025, 1.1025, 1.157625]
    np.testing.assert_allclose(base_case(s).loc[("buy", "shared", "total cost")], expected, rtol=1e-12)


def test_a_term_longer_than_the_horizon_never_rises():
    s = _scenario({"sub": f"{{category: license, timing: recurring, amount: 7, escalation: {U}, "
                          "escalation_draw: per_renewal, term_years: 20}"})  # fmt: skip
    r = simulate(s, trials=100, seed=0)
    assert r.summary().loc[("buy", "shared"), "tco_mean"] == pytest.approx(70, rel=1e-6)


def test_simulate_agrees_with_the_flows_and_is_reproducible():
    s = _scenario({"sub": f"{{category: license, timing: recurring, amount: 1, escalation: {U}, "
                          "escalation_draw: per_year}"})  # fmt: skip
    a = simulate(s, trials=20_000, seed=5).metrics["tco"][:, 0, 0]
    b = simulate(s, trials=20_000, seed=5, threads=1).metrics["tco"][:, 0, 0]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, _flows(s, 20_000, 5).sum(axis=1), rtol=1e-6)  # tco is stored as float32


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ("{category: license, timing: recurring, amount: 1, escalation: 0.05, escalation_draw: per_renewal}",
         "needs 'term_years:'"),
        ("{category: license, timing: recurring, amount: 1, escalation_draw: per_year}",
         "'escalation_draw' applies only to a line with an escalation"),
        ("{category: license, timing: recurring, amount: 1, escalation: 0.05, term_years: 3}",
         "'term_years' applies only to escalation_draw: per_renewal"),
        ("{category: license, timing: one_off, amount: 1, from_year: 2}", "'from_year' applies only to"),
        ("{category: license, timing: one_off, amount: 1, draw: per_occurrence}", "a one_off line that recurs"),
        ("{category: license, timing: one_off, amount: 1, year: 1, years: [2, 3]}", "without year or every"),
        ("{category: license, timing: one_off, amount: 1, years: [2, 2]}", "lists a year twice"),
        ("{category: license, timing: one_off, amount: 1, years: [2, 12]}", "year 12 is beyond the horizon"),
        ("{category: license, timing: recurring, amount: 1, from_year: 11}", "from_year 11 is beyond the horizon"),
        ("{category: license, timing: recurring, amount: 1, escalation: 0.05, escalation_cap: -2}",
         "greater than -1"),
    ],
)  # fmt: skip
def test_invalid_timing_is_rejected_with_its_field(body, message):
    with pytest.raises(ScenarioError, match="options.buy.costs.x") as err:
        _scenario({"x": body})
    assert message in str(err.value)


def test_an_input_drawn_per_year_cannot_be_correlated():
    extra = textwrap.dedent("""
        correlations:
          - between: [options.buy.costs.x.escalation, options.buy.costs.y.amount]
            rank: 0.5
        """)
    with pytest.raises(ScenarioError, match="drawn after the other inputs"):
        _scenario(
            {
                "x": f"{{category: license, timing: recurring, amount: 1, escalation: {U}, escalation_draw: per_year}}",
                "y": "{category: license, timing: one_off, amount: {dist: uniform, low: 1, high: 2}}",
            },
            extra=extra,
        )


INTERPLAY = """
name: interplay
horizon_years: 8
discount_rate: 0.08
owners:
  marketing: {governance_overhead: 0, launch_factor: 1, launch_extra_months: 0, integration_factor: 1,
              realisation_factor: 1, incident_frequency: 1, incident_severity: 1, consolidation: 0}
shared:
  fee: {dist: triangular, low: 40k, mode: 50k, high: 70k}
status_quo:
  costs:
    licence: {category: license, timing: recurring, amount: {dist: shared, name: fee},
              escalation: {dist: uniform, low: 0.03, high: 0.07}, escalation_draw: per_renewal, term_years: 3}
    upgrade: {category: implementation, timing: one_off, year: 2, every: 3, draw: per_occurrence,
              amount: {dist: pert, low: 10k, mode: 20k, high: 40k}}
options:
  same:
    kind: do_nothing
    extends: status_quo
  dearer:
    kind: buy
    extends: same
    costs:
      extra: {category: implementation, timing: one_off, amount: 1000}
"""


def test_a_variant_and_the_status_quo_share_draws_made_per_occurrence_and_per_renewal():
    """What a variant inherits, drawn per occurrence or per renewal, is its parent's very draws
    (here the status quo's): the identical option differs from the status quo by exactly 0 in
    every trial, and the one with 1,000 more at the decision date by exactly 1,000."""
    s = loads(INTERPLAY)
    r = simulate(s, trials=3_000, seed=5)
    w = r.layout.owners.index("marketing")
    same, dearer = r.layout.options.index("same"), r.layout.options.index("dearer")
    np.testing.assert_array_equal(r.metrics.npv[:, same, w], r.status_quo["npv"])
    np.testing.assert_allclose(r.metrics.npv[:, same, w] - r.metrics.npv[:, dearer, w], 1000.0, rtol=0, atol=1e-6)
    # the status quo's upgrade is drawn per occurrence: years 2, 5, 8 with different draws
    values, _, _ = draw_trials(s, 3_000, 5)
    upgrade = values["status_quo.costs.upgrade.amount"]
    assert upgrade.shape == (3_000, 3) and np.corrcoef(upgrade[:, 0], upgrade[:, 1])[0, 1] < 0.05
    assert "options.same.costs.upgrade.amount" not in r.inputs


def test_a_shared_quantity_cannot_be_drawn_per_occurrence():
    text = INTERPLAY.replace(
        "amount: {dist: pert, low: 10k, mode: 20k, high: 40k}", "amount: {dist: shared, name: fee}"
    )
    message = r"status_quo\.costs\.upgrade\.amount: a shared quantity is drawn once per"
    with pytest.raises(ScenarioError, match=message):
        loads(text)
