"""Owners by mechanism (decision_kit.ownership, MODEL_DESIGN 4a): neutral mechanisms make every
owner the same, the change-cycle equation matches its closed form, explicit costs are exact,
and each mechanism moves expected NPV the way its stated relationship says."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

import decision_kit as dk
from decision_kit import ownership
from decision_kit.errors import ScenarioError
from decision_kit.loading import validate
from decision_kit.owner_plans import without_mechanisms
from decision_kit.plan import compile_plan

OWNERS = ("marketing", "it", "shared", "embedded", "shadow")

BASE = {
    "name": "mechanisms test",
    "horizon_years": 5,
    "discount_rate": 0.08,
    "options": {
        "build": {
            "kind": "build",
            "launch_months": {"dist": "triangular", "low": 4, "mode": 6, "high": 10},
            "realisation": {"dist": "uniform", "low": 0.6, "high": 1.1},
            "costs": {
                "development": {"category": "implementation", "timing": "one_off", "year": 0, "amount": 400_000},
                "integration": {"category": "integration", "timing": "one_off", "year": 0, "amount": 100_000},
                "run": {"category": "infrastructure", "timing": "recurring", "start": "launch", "amount": 50_000},
            },
            "benefits": {
                "pipeline": {
                    "category": "revenue",
                    "amount": {"dist": "uniform", "low": 600_000, "high": 900_000},
                    "ramp_months": 6,
                }
            },
        },
        "buy": {
            "kind": "buy",
            "launch_months": {"dist": "triangular", "low": 2, "mode": 3, "high": 5},
            "costs": {
                "subscription": {"category": "license", "timing": "recurring", "amount": 120_000},
                "setup": {"category": "implementation", "timing": "one_off", "year": 0, "amount": 60_000},
            },
            "benefits": {
                "pipeline": {
                    "category": "revenue",
                    "amount": {"dist": "uniform", "low": 500_000, "high": 800_000},
                    "ramp_months": 6,
                }
            },
        },
    },
    "risks": {
        "breach": {
            "type": "security",
            "effect": "one_off",
            "probability": 0.1,
            "impact": {"dist": "uniform", "low": 100_000, "high": 900_000},
        }
    },
    "organisation": {"profile": "mid_size_b2b"},
}

NEUTRAL_ORGANISATION = {
    "it_lead_time_weeks": 4,
    "it_change_failure_rate": 0.15,
    "it_queue_months": 0,
    "approval_days": 0,
    "marketing_lead_time_weeks": 4,
    "marketing_change_failure_rate": 0.15,
    "marketing_it_dependency": 0,
    "marketing_maturity": 5,
    "change_rate_per_month": 3,
    "data_sensitivity": "low",
    "stack_size": 30,
    "hire_lag_months": 0,
    "specialist_cost": 150_000,
}
NEUTRAL_MECHANISMS = {
    "embedded_speed_ratio": 1,
    "embedded_handoff_weeks": 4,
    "embedded_fte": 0,
    "funding_delay_months": 0,
    "co_ownership_uplift": 1,
    "steering_rate": 0,
    "rework_shadow": 0,
    "security_shadow": 0,
    "shadow_severity": 1,
    "shadow_discovery_hazard": 0,
    "shadow_duplicate_share": 0,
}


def scenario(organisation=None, mechanisms=None, **top):
    data = copy.deepcopy(BASE)
    data["organisation"] = {**data["organisation"], **(organisation or {})}
    if mechanisms:
        data["mechanisms"] = mechanisms
    data.update(top)
    return validate(data, file="<test>")


def npv(s, trials=2_000, seed=3):
    r = dk.simulate(s, trials, seed)
    return r, r.metrics["npv"]


def test_with_every_mechanism_neutral_every_owner_gives_the_same_npv_in_every_trial():
    s = scenario({"profile": None, **NEUTRAL_ORGANISATION}, NEUTRAL_MECHANISMS)
    r, x = npv(s)
    for w in range(1, len(r.layout.owners)):
        np.testing.assert_array_equal(x[:, :, w], x[:, :, 0])
    assert np.std(x[:, 0, 0]) > 0  # the trials differ: the test can fail


def test_without_an_organisation_the_owners_keep_round_ones_constants():
    data = copy.deepcopy(BASE)
    del data["organisation"]
    s = validate(data, file="<test>")
    assert compile_plan(s).ownership is None
    assert s.owner_shifts("embedded").launch_factor == 0.6  # priors.yaml, ownership.embedded
    assert not any(k.startswith(("organisation.", "mechanisms.")) for k in dk.engine.uncertain_inputs(s))


def test_the_steady_state_of_the_change_cycle_is_its_closed_form():
    phi, kappa, delta = 0.4, 1.3, 0.09
    sol = solve_ivp(
        lambda t, y: phi * kappa * (1 - y) - delta * y, (0, 400), [0.0], rtol=1e-12, atol=1e-14, dense_output=True
    )
    closed = phi * kappa / (phi * kappa + delta)
    assert sol.y[0, -1] == pytest.approx(closed, abs=1e-9)
    assert float(ownership.steady_share(phi, kappa, delta)) == pytest.approx(closed, abs=1e-12)
    for t in (0.5, 3.0, 12.0):
        assert float(ownership.share_path(t, 0.0, phi, kappa, delta)) == pytest.approx(sol.sol(t)[0], abs=1e-8)
    # with no drift every owner converges to the whole benefit, geometrically
    assert float(ownership.share_path(200.0, 0.2, phi, kappa, 0.0)) == pytest.approx(1.0, abs=1e-12)
    assert float(ownership.steady_share(phi, kappa, 0.0)) == 1.0


def test_embedded_headcount_changes_embedded_npv_by_exactly_minus_its_present_value():
    fixed = {"profile": None, **NEUTRAL_ORGANISATION, "hire_lag_months": 3, "specialist_cost": 150_000}
    r0, x0 = npv(scenario(fixed, {**NEUTRAL_MECHANISMS, "embedded_fte": 0}))
    r1, x1 = npv(scenario(fixed, {**NEUTRAL_MECHANISMS, "embedded_fte": 1.5}))
    # paid from month 3: 0.75 of year 1, then whole years 2..5, discounted at 8% (year t at 1.08**-t)
    paid = np.array([0.75, 1, 1, 1, 1]) * 1.5 * 150_000
    pv = float(np.sum(paid / 1.08 ** np.arange(1, 6)))
    e = r0.layout.owners.index("embedded")
    np.testing.assert_allclose(x1[:, :, e] - x0[:, :, e], -pv, rtol=0, atol=1e-6)
    others = [w for w in range(len(r0.layout.owners)) if w != e]
    np.testing.assert_array_equal(x1[:, :, others], x0[:, :, others])


def test_a_cost_line_that_pays_the_specialists_replaces_their_cost():
    fixed = {"profile": None, **NEUTRAL_ORGANISATION}
    _, x0 = npv(scenario(fixed, {**NEUTRAL_MECHANISMS, "embedded_fte": 0}))
    r, x1 = npv(scenario(fixed, {**NEUTRAL_MECHANISMS, "embedded_fte": 1, "embedded_replaces": ["development"]}))
    e, b, y = r.layout.owners.index("embedded"), r.layout.options.index("build"), r.layout.options.index("buy")
    np.testing.assert_array_equal(x1[:, b, e], x0[:, b, e])  # build's development line pays them
    assert np.all(x1[:, y, e] < x0[:, y, e])  # buy has no such line: it pays the specialist


def test_replaces_naming_a_missing_line_is_a_located_error():
    with pytest.raises(ScenarioError, match="embedded_replaces.*not a cost line"):
        scenario(mechanisms={"embedded_replaces": ["nonexistent_line"]})


def test_mechanisms_without_an_organisation_and_an_unknown_profile_are_refused():
    data = copy.deepcopy(BASE)
    del data["organisation"]
    data["mechanisms"] = {"embedded_fte": 1}
    with pytest.raises(ScenarioError, match="organisation"):
        validate(data, file="<test>")
    with pytest.raises(ScenarioError, match="no shipped organisation profile.*regulated_enterprise"):
        scenario({"profile": "bank"})


def test_every_shipped_profile_validates_and_names_its_source():
    from decision_kit.schema import profile_names
    from decision_kit.schema.organisation import ownership_file

    assert set(profile_names()) >= {"regulated_enterprise", "mid_size_b2b", "digital_native"}
    for name in profile_names():
        s = scenario({"profile": name})
        assert s.organisation is not None and "DORA" in (s.organisation.source or "")
    for name, entry in ownership_file()["mechanisms"].items():
        assert entry["grade"] and entry["source"], name


def test_switching_a_mechanism_off_is_the_same_as_making_it_neutral():
    from decision_kit.simulation import draw_trials, evaluate

    s = scenario()
    plan = compile_plan(s)
    drawn, risks, _ = draw_trials(s, 2_000, 5)
    off = evaluate(without_mechanisms(plan, {"explicit_costs"}), drawn, risks)["npv"]
    zero = dict.fromkeys(
        ["mechanisms.embedded_fte", "mechanisms.steering_rate", "mechanisms.shadow_duplicate_share",
         "mechanisms.shadow_absorb_ratio"], 0.0)  # fmt: skip
    neutral = evaluate(plan, {**drawn, **zero}, risks)["npv"]
    np.testing.assert_allclose(off, neutral, rtol=1e-12, atol=1e-6)
    full = evaluate(plan, drawn, risks)["npv"]
    assert np.all(full[..., 3] < off[..., 3])  # embedded pays its specialists in every trial
    with pytest.raises(ScenarioError, match="unknown mechanism"):
        without_mechanisms(plan, {"speed"})


# -- direction properties, under common random numbers -------------------------------------


def mean_npv(s, option, owner, trials=600, seed=11):
    r = dk.simulate(s, trials, seed)
    return float(r.metrics["npv"][:, r.layout.options.index(option), r.layout.owners.index(owner)].mean())


FAST = settings(max_examples=12, deadline=None)


@FAST
@given(a=st.floats(0.5, 20), b=st.floats(0.5, 20), option=st.sampled_from(["build", "buy"]))
def test_faster_it_delivery_never_lowers_an_it_delivered_cells_expected_npv(a, b, option):
    # precondition: the options' net flow after launch is positive (benefits far above run costs)
    lo, hi = sorted((a, b))
    for owner in ("it", "embedded"):
        fast = mean_npv(scenario({"it_lead_time_weeks": lo}), option, owner)
        slow = mean_npv(scenario({"it_lead_time_weeks": hi}), option, owner)
        assert fast >= slow - 1e-6


@FAST
@given(lo=st.sampled_from(["low", "medium"]), hi=st.sampled_from(["medium", "high"]))
def test_more_sensitive_data_never_raises_shadow_relative_to_central_it(lo, hi):
    def gap(level):
        s = scenario({"data_sensitivity": level})
        return mean_npv(s, "buy", "shadow") - mean_npv(s, "buy", "it")

    assert gap(hi) <= gap(lo) + 1e-6


@FAST
@given(a=st.floats(0, 12), b=st.floats(0, 12))
def test_faster_changing_needs_never_raise_central_it_relative_to_embedded(a, b):
    # precondition: embedded corrects faster than central IT (hand-off 1 week, IT lead time 6)
    lo, hi = sorted((a, b))
    fixed = {"it_lead_time_weeks": 6, "it_change_failure_rate": 0.12}

    def gap(rate):
        s = scenario({**fixed, "change_rate_per_month": rate}, {"embedded_handoff_weeks": 1})
        return mean_npv(s, "build", "it") - mean_npv(s, "build", "embedded")

    assert gap(hi) <= gap(lo) + 1e-6


@FAST
@given(a=st.floats(0, 90), b=st.floats(0, 90))
def test_longer_approvals_never_raise_the_shared_pots_expected_npv(a, b):
    lo, hi = sorted((a, b))
    assert (
        mean_npv(scenario({"approval_days": hi}), "build", "shared")
        <= mean_npv(scenario({"approval_days": lo}), "build", "shared") + 1e-6
    )


@FAST
@given(a=st.floats(0, 3), b=st.floats(0, 3))
def test_more_embedded_headcount_never_raises_embeddeds_expected_npv(a, b):
    lo, hi = sorted((a, b))
    assert (
        mean_npv(scenario(mechanisms={"embedded_fte": hi}), "buy", "embedded")
        <= mean_npv(scenario(mechanisms={"embedded_fte": lo}), "buy", "embedded") + 1e-6
    )


def test_two_owners_with_identical_parameters_give_identical_npvs():
    # marketing operations that never need IT, at IT's lead time and failure rate, with no
    # rework or security difference, is central IT held by marketing: the same numbers
    org = {"marketing_it_dependency": 0, "marketing_lead_time_weeks": 5, "it_lead_time_weeks": 5,
           "marketing_change_failure_rate": 0.1, "it_change_failure_rate": 0.1, "it_queue_months": 0,
           "marketing_maturity": 5, "data_sensitivity": "low"}  # fmt: skip
    r, x = npv(scenario(org))
    np.testing.assert_array_equal(x[:, :, r.layout.owners.index("marketing")], x[:, :, r.layout.owners.index("it")])


def _cell_npv(s, cells, trials=1_500, seed=3):
    """Per-trial NPV (trials, options, cells) of the (holder, delivery) ``cells`` on simulate's draws."""
    from decision_kit.owner_plans import with_cells
    from decision_kit.simulation import draw_trials, evaluate

    plan = compile_plan(s)
    drawn, risks, _ = draw_trials(plan, trials, seed)
    return evaluate(with_cells(plan, cells), drawn, risks)["npv"]


def test_an_agency_like_marketing_operations_costs_exactly_its_retainer():
    # the agency's figures equal marketing operations' (lead time, failure rate, rework, security),
    # onboarding 2 months: the same cycle, launch delay by 2 months more, and the fee from month 2.
    # With onboarding 0 the cells differ by exactly minus the PV of the fee (paid all of years 1..5).
    org = {"profile": None, **NEUTRAL_ORGANISATION, "marketing_maturity": 3, "data_sensitivity": "medium",
           "agency_lead_time_weeks": 4, "agency_change_failure_rate": 0.15, "agency_onboarding_months": 0,
           "agency_fee": 120_000}  # fmt: skip
    mech = {**NEUTRAL_MECHANISMS, "rework_marketing_ops": 0.12, "rework_agency": 0.06,  # 0.12 x (5 - 3) / 4
            "security_marketing_ops": 0.3, "security_agency": 0.3}  # fmt: skip
    cells = (("marketing", "marketing_ops"), ("marketing", "agency"), ("it", "agency"))
    x = _cell_npv(scenario(org, mech), cells)
    pv = float(np.sum(120_000 / 1.08 ** np.arange(1, 6)))
    np.testing.assert_allclose(x[:, :, 1] - x[:, :, 0], -pv, rtol=0, atol=1e-6)
    # under IT's budget (no approval time here) IT reviews the agency: fewer incidents, never worse
    assert np.all(x[:, :, 2] >= x[:, :, 1] - 1e-6) and np.mean(x[:, :, 2]) > np.mean(x[:, :, 1])
    # a slower agency realises less and launches later: lower NPV on average, trial by trial mostly
    slow = _cell_npv(scenario({**org, "agency_lead_time_weeks": 12, "agency_fee": 0}, mech), cells)
    assert np.mean(slow[:, :, 1]) < np.mean(slow[:, :, 0])


def test_a_shipped_profile_takes_the_default_agency_figures():
    from decision_kit.schema.organisation import ownership_file

    s = scenario()
    agency = ownership_file()["agency"]
    assert s.organisation.agency_fee.value == agency["agency_fee"] == 150_000
    assert "agency" in ownership.DELIVERIES and ("marketing", "agency") not in ownership.PRESETS.values()


def test_who_holds_the_budget_acts_through_sign_off_and_security_review():
    cells = (("marketing", "marketing_ops"), ("it", "marketing_ops"))
    org = {"profile": None, **NEUTRAL_ORGANISATION, "marketing_maturity": 3}
    mech = {**NEUTRAL_MECHANISMS, "security_marketing_ops": 0.3}
    # no approval time and low sensitivity: holding the budget changes nothing, bit for bit
    x = _cell_npv(scenario(org, mech), cells)
    np.testing.assert_array_equal(x[:, :, 1], x[:, :, 0])
    # IT's sign-off of 0.5 x 20 days lengthens marketing operations' cycle under IT's budget:
    # a smaller realised share of the same benefit in every trial
    x = _cell_npv(scenario({**org, "approval_days": 20}, mech), cells)
    assert np.all(x[:, :, 1] <= x[:, :, 0] + 1e-6) and np.mean(x[:, :, 1]) < np.mean(x[:, :, 0])
    # sensitive data: IT holding the budget reviews the vendor, so no extra incident frequency
    x = _cell_npv(scenario({**org, "data_sensitivity": "high"}, mech), cells)
    assert np.all(x[:, :, 1] >= x[:, :, 0] - 1e-6) and np.mean(x[:, :, 1]) > np.mean(x[:, :, 0])


def test_the_sign_off_is_the_stated_relationship():
    # cycle (months) = lead time / (52/12) + 0.5 x approval_days / (365.25/12) under IT's budget
    v = {"marketing_lead_time_weeks": np.array([2.0]), "it_lead_time_weeks": np.array([6.0]),
         "marketing_it_dependency": np.array([0.25]), "approval_days": np.array([30.0])}  # fmt: skip
    lead = 0.75 * 2 + 0.25 * 6
    mkt = ownership.cycle_months(("marketing", "marketing_ops"), v, 0.5)
    it = ownership.cycle_months(("it", "marketing_ops"), v, 0.5)
    assert float(mkt[0]) == pytest.approx(lead * 12 / 52, rel=1e-12)
    assert float(it[0]) == pytest.approx(lead * 12 / 52 + 0.5 * 30 * 12 / 365.25, rel=1e-12)
    central = ownership.cycle_months(("it", "central_it"), v, 0.5)
    assert float(central[0]) == pytest.approx(6 * 12 / 52, rel=1e-12)  # IT approves its own work: no sign-off
