"""Allocation net of spend, and the owners acting on the curves by mechanism (issue #13 item 5).

Every expected number is worked by hand from the closed forms in the comments (or read from
``data/ownership.yaml`` as data); none is computed with the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

import decision_kit as dk
import decision_kit.allocation as al
from decision_kit.priors import OwnerShifts
from decision_kit.schema import Portfolio

NEUTRAL = {o: OwnerShifts() for o in al.OWNERS}
ROOT = dk.__file__.rsplit("/", 1)[0]
SHIPPED = "scenarios/digital_budget_2027.yaml"


def portfolio(initiatives: dict, budget=(10_000.0,), **kw) -> Portfolio:
    return Portfolio.model_validate({"name": "net", "budget": list(budget), "initiatives": initiatives, **kw})


def exp_ini(m, s, owner="marketing", **kw):
    return {"owner": owner, "curve": {"form": "exp_saturation", "max_value": m, "scale": s}, **kw}


def log_ini(m, s, owner="it", **kw):
    return {"owner": owner, "curve": {"form": "log", "max_value": m, "scale": s}, **kw}


# --- value net of spend ----------------------------------------------------------------------


def test_ample_budget_stops_where_the_next_unit_returns_what_it_costs():
    # exp: slope (m/s) exp(-x/s) = 1 at x = s ln(m/s) = 150 ln 6; log: m/(s+x) = 1 at x = m - s = 250
    p = portfolio({"crm": exp_ini(900, 150), "web": log_ini(300, 50)})
    r = al.optimize(p, trials=1, shifts=NEUTRAL)
    np.testing.assert_allclose(r.spend, [150 * math.log(6), 250.0], rtol=1e-9)
    gross = 900 * (1 - 1 / 6) + 300 * math.log(6)
    assert r.value_mean == pytest.approx(gross, rel=1e-9)
    assert r.net_value == pytest.approx(gross - 150 * math.log(6) - 250, rel=1e-9)
    assert r.marginal_value == 0.0 and r.marginal_value_check == pytest.approx(0.0, abs=1e-9)
    assert r.unspent == pytest.approx(10_000 - 150 * math.log(6) - 250, rel=1e-9)
    assert [x.code for x in r.reasons] == ["balanced", "balanced"]
    assert all("what it costs" in x.text for x in r.reasons)
    assert "returns its cost" in r.unspent_reason
    assert "net of spend" in r.value_statement


def test_a_binding_budget_reports_the_marginal_value_net_of_its_cost():
    # budget 300 < 150 ln 6 + 250: both at slope lambda with 150 ln(6/lambda) + 300/lambda - 50 = 300,
    # lambda = 1.7845 (optimize's docstring); net of the unit's cost, 0.7845
    p = portfolio({"crm": exp_ini(900, 150), "web": log_ini(300, 50)}, budget=[300])
    r = al.optimize(p, trials=1, shifts=NEUTRAL)
    assert r.total_spend == pytest.approx(300, rel=1e-12)
    assert r.marginal_value == pytest.approx(0.7845, abs=1e-4)
    assert r.marginal_value_check == pytest.approx(r.marginal_value, rel=1e-3)
    assert [x.marginal for x in r.reasons] == pytest.approx([1.7845, 1.7845], abs=1e-4)  # gross, per unit
    assert r.limits[0].binds and "net of its cost" in r.limits[0].text


def test_an_initiative_returning_less_than_its_cost_gets_nothing_and_says_why():
    # slope at zero m/s = 50/100 = 0.5 < 1
    p = portfolio({"weak": exp_ini(50, 100), "crm": exp_ini(900, 150)})
    r = al.optimize(p, trials=1, shifts=NEUTRAL)
    assert r.spend_of("weak") == 0.0
    reason = r.reason_of("weak")
    assert reason.code == "unprofitable" and "0.50 USD" in reason.text and "1.00 USD it costs" in reason.text


def test_gross_value_is_the_unspent_value_zero_case():
    # unspent_value 0: the whole budget is spent, lambda = 1.7845 gross (the docstring case)
    p = portfolio({"crm": exp_ini(900, 150), "web": log_ini(300, 50)}, budget=[300], unspent_value=0)
    r = al.optimize(p, trials=1, shifts=NEUTRAL)
    np.testing.assert_allclose(r.spend, [181.89, 118.11], atol=5e-3)
    assert r.marginal_value == pytest.approx(1.7845, abs=1e-4)


@pytest.mark.parametrize("objective", ["mean_minus_std", "cvar"])
def test_zero_risk_aversion_reproduces_the_net_mean_optimum(objective):
    p = portfolio(
        {"crm": exp_ini({"dist": "pert", "low": 600, "mode": 900, "high": 1300}, 150), "web": log_ini(300, 50)}
    )
    mean = al.optimize(p, trials=400, seed=3)
    risk = al.optimize(p, trials=400, seed=3, objective=objective, risk_aversion=0.0)
    np.testing.assert_allclose(risk.spend, mean.spend, rtol=1e-4, atol=1e-3)
    assert risk.objective_value == pytest.approx(mean.net_value, rel=1e-6)


def test_phase_without_carry_over_is_each_years_net_optimum():
    p = portfolio({"crm": exp_ini(900, 150), "web": log_ini(300, 50, years=[2])}, budget=[1000, 300])
    ph = al.phase(p, trials=1, shifts=NEUTRAL, discount=False)
    np.testing.assert_allclose(ph.spend[0], [150 * math.log(6), 0.0], rtol=1e-9)
    year2 = al.optimize(p, year=2, trials=1, shifts=NEUTRAL)
    np.testing.assert_allclose(ph.spend[1], year2.spend, rtol=1e-9)


def test_control_split_loss_is_net_of_spend_and_zero_at_the_joint_split():
    # no prerequisites across sides: the split matching the joint optimum loses nothing
    p = portfolio({"crm": exp_ini(900, 150), "web": log_ini(300, 50)}, budget=[300])
    cs = al.control_split(p, marketing_share=[181.89 / 300, 0.0], trials=1, shifts=NEUTRAL)
    assert cs.loss[0] == pytest.approx(0.0, abs=1e-2)
    # all to IT: web spends to its stopping point 250 (slope 1), crm gets nothing
    assert cs.loss[1] == pytest.approx(cs.joint.net_value - (300 * math.log(6) - 250), rel=1e-9)


def test_the_shipped_portfolio_spends_no_unit_that_returns_less_than_it_costs():
    p = dk.load_portfolio(SHIPPED)
    assert p.unspent_value == 1 and p.organisation is not None
    for year in (1, 2, 3):
        r = al.optimize(p, year=year, trials=1000, seed=0)
        for x in r.reasons:
            if x.code == "balanced":
                assert x.marginal >= 1 - 1e-6, (year, x.initiative, x.marginal)
        assert r.net_value > 0


# --- owners by mechanism ----------------------------------------------------------------------

NEUTRAL_ORG = {
    "it_lead_time_weeks": 2,
    "it_change_failure_rate": 0.1,
    "it_queue_months": 0,
    "approval_days": 0,
    "marketing_lead_time_weeks": 2,
    "marketing_change_failure_rate": 0.1,
    "marketing_it_dependency": 0.3,
    "marketing_maturity": 5,
    "change_rate_per_month": 3,
    "data_sensitivity": "low",
    "stack_size": 20,
    "hire_lag_months": 2,
    "specialist_cost": 100_000,
}
NEUTRAL_MECH = {"funding_delay_months": 0, "co_ownership_uplift": 1, "rework_marketing_ops": 0, "steering_rate": 0}


def _curve_ini(owner, **kw):
    return exp_ini({"dist": "lognormal", "median": 900, "p90": 1400}, {"dist": "pert", "low": 100, "mode": 150,
                   "high": 220}, owner=owner, **kw)  # fmt: skip


def test_neutral_mechanisms_give_every_owner_the_same_values_trial_by_trial():
    values = []
    for owner in al.OWNERS:
        p = portfolio({"a": _curve_ini(owner)}, organisation=NEUTRAL_ORG, mechanisms=NEUTRAL_MECH)
        m = al.portfolio_model(p, trials=500, seed=4)
        values.append(m.value([300.0]))
    assert np.array_equal(values[0], values[1]) and np.array_equal(values[0], values[2])


def test_the_realisation_factor_start_delay_and_rework_are_the_stated_relationships():
    ref = yaml.safe_load(open(f"{ROOT}/data/ownership.yaml"))["reference"]
    org = {**NEUTRAL_ORG, "it_lead_time_weeks": 6, "it_queue_months": 3, "marketing_maturity": 3, "stack_size": 35}
    mech = {"correction_share": 0.4, "drift_per_change": 0.03, "funding_delay_months": 1.5,
            "co_ownership_uplift": 1.1, "rework_marketing_ops": 0.12, "steering_rate": 130}  # fmt: skip
    ini = {"m": exp_ini(900, 150, "marketing", years=[1, 2]), "i": exp_ini(900, 150, "it", years=[2]),
           "s": exp_ini(900, 150, "shared")}  # fmt: skip
    p = portfolio(ini, budget=[5000, 5000], organisation=org, mechanisms=mech)
    m = al.portfolio_model(p, trials=2, seed=0)
    wpm = 52 / 12

    def star(weeks, fail, change_rate):  # phi kappa / (phi kappa + delta), kappa = (1 - f) / c
        gain = 0.4 * (1 - fail) / (weeks / wpm)
        return gain / (gain + change_rate * 0.03)

    reference = star(ref["cycle_weeks"], ref["change_failure_rate"], ref["change_rate_per_month"])
    r_mkt = star(0.7 * 2 + 0.3 * 6, 0.1, 3) / reference  # marketing ops: 70% own lead time, 30% IT's
    r_it = star(6, 0.1, 3) / reference
    r_shared = star(6 + 0 / (365.25 / 12), 0.1, 3) / reference * 1.1  # approval_days 0
    y1, y2 = m.curves_in(0), m.curves_in(1)
    # first active year: the share left after the start delay (marketing ops: 30% of IT's 3-month queue)
    np.testing.assert_allclose(y1.m[0], 900 * r_mkt * (1 - 0.3 * 3 / 12), rtol=1e-12)
    np.testing.assert_allclose(y2.m[0], 900 * r_mkt, rtol=1e-12)  # later years run on
    np.testing.assert_allclose(y2.m[1], 900 * r_it * (1 - 3 / 12), rtol=1e-12)  # IT starts in year 2
    np.testing.assert_allclose(y1.m[2], 900 * r_shared * (1 - (3 + 1.5) / 12), rtol=1e-12)
    # rework: scale x (1 + 0.3 x 0.12 (5 - 3)/4 ln(1 + 35/10)) for marketing ops; none for IT delivery
    np.testing.assert_allclose(y1.s[0], 150 * (1 + 0.3 * 0.12 * 0.5 * math.log(4.5)), rtol=1e-12)
    np.testing.assert_allclose(y1.s[1:], 150.0, rtol=1e-12)
    # steering: 2 meetings x 6 attendees x 1.5 hours x 12 months x 130 a year, once the pot funds anything
    assert m.fixed_cost([100.0, 0.0, 1.0]) == pytest.approx(2 * 6 * 1.5 * 12 * 130, rel=1e-12)
    assert m.fixed_cost([100.0, 100.0, 0.0]) == 0.0
    r = al.optimize(p, trials=2, seed=0)
    assert r.fixed_cost == pytest.approx(28_080, rel=1e-12)
    assert r.net_value == pytest.approx(r.value_mean - r.total_spend - 28_080, rel=1e-12)


def test_stating_an_organisation_leaves_the_curve_draws_unchanged():
    ini = {"a": _curve_ini("marketing"), "b": _curve_ini("it")}
    legacy = al.portfolio_model(portfolio(ini), trials=300, seed=9, shifts=NEUTRAL)
    mech = al.portfolio_model(portfolio(ini, organisation=NEUTRAL_ORG, mechanisms=NEUTRAL_MECH), trials=300, seed=9)
    ratio = mech.curves.m / legacy.curves.m  # one realisation factor per owner and trial, same draws
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-12)
    np.testing.assert_array_equal(mech.curves.s, legacy.curves.s)


def test_shifts_keep_round_ones_constants_as_the_legacy_override():
    ini = {"a": _curve_ini("marketing")}
    shifts = {"marketing": OwnerShifts(realisation_factor=0.8, governance_overhead=0.1)}
    legacy = al.portfolio_model(portfolio(ini), trials=200, seed=2, shifts=shifts)
    override = al.portfolio_model(portfolio(ini, organisation={"profile": "mid_size_b2b"}), trials=200, seed=2,
                                  shifts=shifts)  # fmt: skip
    np.testing.assert_array_equal(override.curves_in(0).m, legacy.curves.m)
    np.testing.assert_array_equal(override.curves_in(0).s, legacy.curves.s)


def test_mechanisms_without_an_organisation_is_a_located_error():
    text = "name: x\nbudget: [100]\nmechanisms: {steering_rate: 100}\ninitiatives:\n  a: {owner: it, curve: {form: log, max_value: 10, scale: 5}}\n"
    with pytest.raises(dk.ScenarioError) as info:
        dk.loading.loads(text, Portfolio)
    assert "mechanisms" in str(info.value) and "organisation" in str(info.value)
