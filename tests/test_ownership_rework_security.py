"""Rework and security by owner are per-trial mechanisms (decision_kit.ownership, mechanisms 4
and 5): their coefficients and the profile's stack size and maturity are uncertain inputs like
the rest, each trial's factors follow the stated relationships (checked here against the
formulas written out, on the engine's own draws), a constant stated under ``owners:`` still
replaces its factor, and the inputs get value-of-information and break-even rows."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from decision_kit import engine
from decision_kit import owner_tradeoffs as ot
from decision_kit.loading import validate
from decision_kit.plan import compile_plan
from decision_kit.simulation import draw_trials, evaluate

SENSITIVITY = {"low": 0.0, "medium": 0.5, "high": 1.0}

DATA = {
    "name": "rework and security test",
    "horizon_years": 4,
    "discount_rate": 0.08,
    "options": {
        "build": {
            "kind": "build",
            "launch_months": 6,
            "costs": {
                "development": {"category": "implementation", "timing": "one_off", "year": 0, "amount": 400_000},
                "integration": {"category": "integration", "timing": "one_off", "year": 0, "amount": 100_000},
                "upkeep": {"category": "support", "timing": "percent_of", "of": "integration", "amount": 0.2},
            },
            "benefits": {"pipeline": {"category": "revenue", "amount": 500_000, "ramp_months": 6}},
        },
    },
    "risks": {
        "breach": {
            "type": "security",
            "effect": "one_off",
            "probability": 0.2,
            "impact": {"dist": "uniform", "low": 100_000, "high": 300_000},
        }
    },
    "organisation": {
        "profile": "mid_size_b2b",
        "data_sensitivity": "medium",
        "marketing_maturity": {"dist": "uniform", "low": 1, "high": 5},
        "stack_size": {"dist": "uniform", "low": 10, "high": 60},
    },
    "mechanisms": {
        "rework_marketing_ops": {"dist": "uniform", "low": 0.0, "high": 0.3},
        "rework_shadow": {"dist": "uniform", "low": 0.1, "high": 0.5},
        "security_marketing_ops": {"dist": "uniform", "low": 0.0, "high": 1.0},
        "security_shadow": {"dist": "uniform", "low": 0.2, "high": 1.2},
        "shadow_severity": {"dist": "uniform", "low": 1.0, "high": 1.4},
        "shadow_regulatory_uplift": {"dist": "uniform", "low": 0.0, "high": 1.0},
    },
}


def scenario(**changes):
    data = copy.deepcopy(DATA)
    for key, value in changes.items():
        data[key] = value
    return validate(data, file="<test>")


def projected(s, trials=3_000, seed=5):
    plan = compile_plan(s)
    values, risks, n = draw_trials(plan, trials, seed)
    return plan, values, risks, engine.project(plan, values, risks, n)


def test_the_rework_factor_of_each_trial_is_the_stated_relationship():
    plan, v, _, flows = projected(scenario())
    cost, _ = flows.flows()
    owners = plan.layout.owners
    stack = np.log1p(v["organisation.stack_size"] / 10)
    expected = {
        "it": np.ones_like(stack),  # IT delivery applies its standards: no rework
        "embedded": np.ones_like(stack),
        "marketing": 1 + v["mechanisms.rework_marketing_ops"] * (5 - v["organisation.marketing_maturity"]) / 4 * stack,
        "shadow": 1 + v["mechanisms.rework_shadow"] * stack,
    }
    assert np.ptp(expected["marketing"]) > 0.1  # the factor varies by trial: the test can fail
    for w, g in expected.items():
        # year 0: development, plus integration and its 20% upkeep, both scaled by the factor
        np.testing.assert_allclose(cost[0, owners.index(w), 0], 400_000 + 120_000 * g, rtol=1e-12)


def test_the_incident_frequency_and_severity_of_each_trial_are_the_stated_relationships():
    plan, v, risks, flows = projected(scenario())
    owners, sens = plan.layout.owners, SENSITIVITY["medium"]
    u, impact = risks.yearly["breach"], risks.impact["breach"]  # (n, H) uniforms and impacts
    freq = {
        "it": 1.0,  # IT reviews the vendor where it delivers or holds the budget
        "shared": 1.0,
        "embedded": 1.0,
        "marketing": 1 + v["mechanisms.security_marketing_ops"] * sens,
        "shadow": 1 + v["mechanisms.security_shadow"] * sens,
    }
    severity = v["mechanisms.shadow_severity"] * (1 + v["mechanisms.shadow_regulatory_uplift"] * sens)
    risk_row = plan.row_index["risk"]
    for w, f in freq.items():
        hit = u < 0.2 * np.reshape(f, (-1, 1))
        assert np.array_equal(flows.security_events[0, owners.index(w)], hit.sum(axis=1)), w
        sev = severity[:, None] if w == "shadow" else 1.0
        by_year = (hit * impact * sev).sum(axis=0)
        np.testing.assert_allclose(flows.rows_sum[risk_row, 1:, 0, owners.index(w)], by_year, rtol=1e-10)
    assert freq["marketing"].std() > 0.1 and severity.std() > 0.05


def test_category_sums_with_a_factor_per_trial_add_up_to_the_flows():
    plan, _, _, flows = projected(scenario())
    cost, _ = flows.flows()
    cost_rows = [plan.row_index[r] for r in plan.layout.cost_rows]
    np.testing.assert_allclose(flows.rows_sum[cost_rows].sum(axis=0), cost.sum(axis=-1).transpose(2, 0, 1), rtol=1e-10)


def test_a_constant_under_owners_replaces_the_mechanisms_factor():
    s = scenario(owners={"marketing": {"integration_factor": 1.5, "incident_frequency": 2}, "it": {}})
    plan, v, risks, flows = projected(s)
    cost, _ = flows.flows()
    np.testing.assert_allclose(cost[0, 0, 0], 400_000 + 120_000 * 1.5, rtol=1e-12)
    hit = risks.yearly["breach"] < 0.4
    assert np.array_equal(flows.security_events[0, 0], hit.sum(axis=1))
    np.testing.assert_allclose(cost[0, 1, 0], 520_000, rtol=1e-12)


def test_fixed_coefficients_give_a_number_not_an_array():
    from decision_kit import ownership

    fixed = {"mechanisms.rework_marketing_ops": 0.12, "organisation.marketing_maturity": 3.0,
             "organisation.stack_size": 35.0, "mechanisms.security_marketing_ops": 0.3}  # fmt: skip
    plan = compile_plan(scenario())
    g, f, sv = ownership.rework_and_security(("marketing", "marketing_ops"), fixed, plan.ownership.fixed)
    assert isinstance(g, float) and g == pytest.approx(1 + 0.12 * 2 / 4 * math.log(4.5), rel=1e-15)
    assert isinstance(f, float) and f == pytest.approx(1.15, rel=1e-15) and sv == 1.0
    off = ownership.rework_and_security(("marketing", "marketing_ops"), fixed, plan.ownership.fixed,
                                        frozenset({"rework", "security"}))  # fmt: skip
    assert off == (1.0, 1.0, 1.0)


def test_rework_and_security_inputs_have_value_of_information_and_break_even_rows():
    s = scenario()
    inputs = ot.ownership_inputs(s)
    for p in ("mechanisms.rework_marketing_ops", "mechanisms.security_shadow", "organisation.stack_size",
              "organisation.marketing_maturity", "mechanisms.shadow_severity"):  # fmt: skip
        assert p in inputs, p
    # a large integration line makes marketing operations' rework decide marketing against IT
    data = copy.deepcopy(DATA)
    data["options"]["build"]["costs"]["integration"]["amount"] = 2_500_000
    big = validate(data, file="<test>")
    w = ot.what_would_have_to_be_true(big, "build", "marketing", "it", trials=2_000, seed=1)
    found = {be.input: be for be in w.found}
    assert "mechanisms.rework_marketing_ops" in found, w.describe()
    plan = compile_plan(big)
    drawn, risks, _ = draw_trials(plan, 2_000, 1)
    m, i = plan.layout.owners.index("marketing"), plan.layout.owners.index("it")
    be = found["mechanisms.rework_marketing_ops"]
    npv = evaluate(plan, {**drawn, be.input: be.value}, risks)["npv"][:, 0]
    d = npv[:, m] - npv[:, i]
    assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(len(d))
