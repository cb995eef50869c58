"""The who-owns analyses (decision_kit.owner_tradeoffs) and the mechanism dominance lint, on a
small scenario and on the shipped ones with the shipped organisation profiles."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

import decision_kit as dk
from decision_kit import owner_tradeoffs as ot
from decision_kit.errors import ScenarioError
from decision_kit.loading import load_scenario, validate
from decision_kit.plan import compile_plan
from decision_kit.simulation import draw_trials, evaluate
from tests.test_ownership_mechanisms import BASE, scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "digital_budget" not in p.name)
PROFILES = ("regulated_enterprise", "mid_size_b2b", "digital_native")


def with_profile(path: Path, profile: str):
    data = yaml.safe_load(path.read_text())
    data["organisation"] = {"profile": profile}
    return validate(data, file=str(path))


def test_the_analyses_refuse_a_scenario_without_an_organisation():
    data = copy.deepcopy(BASE)
    del data["organisation"]
    with pytest.raises(ScenarioError, match="states no organisation.*profile"):
        ot.owner_choice(validate(data, file="<test>"), 200)


def test_owner_choice_shares_and_the_lead_are_consistent():
    c = ot.owner_choice(scenario(), 3_000, 2, worlds=16, inner=300)
    np.testing.assert_allclose(c.p_best.sum(axis=1), 1.0)
    np.testing.assert_allclose(c.p_best_in_expectation.sum(axis=1), 1.0)
    r = dk.simulate(scenario(), 3_000, 2)
    means = r.summary()["npv_mean"].unstack()
    for o, row in c.table.iterrows():
        assert row.owner == means.loc[o].idxmax()
        assert row.lead == pytest.approx(means.loc[o, row.owner] - means.loc[o, row.runner_up], rel=1e-9)
        assert row.too_close == (row.lead <= 2 * row.lead_se)
    assert len(c.describe()) == len(c.table)
    # the share of worlds with its binomial error: sqrt(0.91 x 0.09 / 16) = 7.2 points, sqrt(0.25 / 16) = 12.5
    assert c.share_words(0.91) == "91% ± 7" and c.share_words(0.5) == "50% ± 12" and c.share_words(1.0) == "100%"


def test_mechanism_contributions_are_zero_where_an_owner_has_no_such_mechanism():
    m = ot.mechanism_contributions(scenario(), 2_000, 4)["mean"]
    for o in ("build", "buy"):
        neutral = m.xs((o, "all neutral"), level=("option", "mechanism"))
        assert np.ptp(neutral.to_numpy()) < 1e-6  # with every mechanism neutral the owners agree
        for w in ("it", "embedded", "shared"):
            assert m[(o, w, "rework")] == 0 and m[(o, w, "security")] == 0  # IT applies standards, reviews security
        assert m[(o, "it", "explicit_costs")] == 0 and m[(o, "marketing", "explicit_costs")] == 0
        assert m[(o, "embedded", "explicit_costs")] < 0 and m[(o, "shared", "explicit_costs")] < 0
        assert m[(o, "shadow", "security")] < 0
    assert m[("build", "marketing", "rework")] < 0  # build has an integration line, buy none
    assert m[("buy", "marketing", "rework")] == 0


def test_at_a_reported_break_even_the_two_owners_are_within_three_standard_errors():
    s = scenario()
    w = ot.what_would_have_to_be_true(s, "build", "embedded", "it", trials=2_000, seed=1)
    assert w.found, w.describe()
    assert "it beats embedded if" in w.describe()
    plan = compile_plan(s)
    drawn, risks, _ = draw_trials(plan, 2_000, 1)
    e, i = plan.layout.owners.index("embedded"), plan.layout.owners.index("it")
    for be in w.found:
        npv = evaluate(plan, {**drawn, be.input: be.value}, risks)["npv"][:, 0]
        d = npv[:, e] - npv[:, i]
        assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(len(d)), be.input


def test_the_dominance_lint_fires_when_the_profile_makes_one_owner_no_worse_on_every_mechanism():
    # marketing operations that need IT for every change, at no faster a pace, with rework and
    # incidents IT avoids: central IT (no queue) is at least as good on every mechanism
    org = {"marketing_it_dependency": 1, "it_queue_months": 0, "marketing_maturity": 2}
    r = dk.simulate(scenario(org), 1_000, 1)
    assert "marketing" in r.dominated_by_mechanism("it")
    assert r.dominated_by_mechanism("marketing") == ()
    r2 = dk.simulate(scenario(), 1_000, 1)
    assert all(r2.dominated_by_mechanism(w) == () for w in r2.layout.owners)  # the shipped profile: trade-offs


def test_the_old_constant_lint_stays_silent_by_mechanism():
    r = dk.simulate(with_profile(SHIPPED[0], "mid_size_b2b"), 1_000, 1)
    assert "predetermined" not in r.recommendation()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_of_marketing_it_shared_and_embedded_is_best_somewhere_in_the_shipped_profiles(path):
    axes = [
        ("organisation.it_lead_time_weeks", "organisation.change_rate_per_month"),
        ("organisation.approval_days", "mechanisms.co_ownership_uplift"),
        ("mechanisms.embedded_fte", "organisation.marketing_it_dependency"),
    ]
    winners: set[str] = set()
    for profile in PROFILES:
        s = with_profile(path, profile)
        for option in s.options:
            for x, y in axes:
                winners |= ot.owner_map(s, option, x, y, grid=4, trials=300, seed=1).winners()
        if {"marketing", "it", "shared", "embedded"} <= winners:
            return
    pytest.fail(f"{path.stem}: only {sorted(winners)} are ever best")


def test_the_owner_map_marks_the_profiles_own_range():
    s = scenario()
    m = ot.owner_map(s, "build", grid=3, trials=200)
    assert m.npv.shape == (5, 3, 3) and m.to_frame().shape == (3, 3)
    lo, mid, hi = m.x_band
    assert m.x[0] <= lo <= mid <= hi <= m.x[-1]
    with pytest.raises(ScenarioError, match="not an uncertain input"):
        ot.owner_map(s, "build", x_input="mechanisms.steering_hours")


def test_value_of_information_ranks_the_ownership_inputs():
    v = ot.ownership_value_of_information(scenario(), "build", 6_000, 1)  # the group needs 10 x 496 trials
    assert v.index[0] == ot.TOGETHER and set(v.index[1:]) == set(ot.ownership_inputs(scenario()))
    each = v["evppi"].iloc[1:]
    assert (v["evppi"] >= 0).all() and list(each) == sorted(each, reverse=True)
    assert v["evppi"].iloc[0] >= each.max() - 0.02 * max(each.max(), 1.0)  # learning all is worth at least one


def test_a_variant_of_the_status_quo_can_be_cut_down_to_its_cells():
    from decision_kit.sensitivity.cells import cell_scenario

    s = load_scenario(ROOT / "scenarios" / "analytics_stack.yaml")
    assert s.options["do_nothing"].extends == "status_quo"
    sub = cell_scenario(s, ["do_nothing", "buy"], ["it"], risks=True)  # was a KeyError on 'status_quo'
    assert list(sub.options) == ["do_nothing", "buy"] and sub.status_quo == s.status_quo
    x = dk.simulate(sub, 500, 1).metrics["npv"]
    assert np.all(np.isfinite(x))


def test_the_joint_flip_closes_the_gap_no_farther_than_any_single_input_does():
    from scipy.stats import norm

    s = scenario()
    j = ot.joint_flip(s, "build", "it", "embedded", trials=500, seed=1)
    assert j.found and j.distance > 0 and abs(j.gap) < 1e3, j.describe()
    single = ot.what_would_have_to_be_true(s, "build", "it", "embedded", trials=500, seed=1)
    assert single.found
    inputs = dk.engine.uncertain_inputs(s)
    nearest = min(abs(float(norm.ppf(inputs[be.input].cdf(be.value)))) for be in single.found)
    assert j.distance <= nearest + 0.05  # a single-input break-even is one point of the joint search
    assert "embedded catches up with it" in j.describe() and "standard deviations" in j.describe()
    ahead = ot.joint_flip(s, "build", "embedded", "it", trials=500, seed=1)  # the other way round
    assert ahead.distance == 0.0 and ahead.gap < 0 and "level with or ahead" in ahead.describe()


def test_the_grid_holds_the_five_owners_and_the_other_cells():
    s = scenario()
    g = ot.grid_npv(s, "build", 2_000, 3)
    means = dk.simulate(s, 2_000, 3).summary()["npv_mean"].xs("build")
    for owner, (holder, delivery) in g.attrs["presets"].items():
        assert g.loc[holder, delivery] == pytest.approx(means[owner], rel=1e-12, abs=1e-6)
    assert np.isnan(g.loc["it", "shadow"]) and np.isnan(g.loc["shared_pot", "shadow"])
    # the CMO devolving the budget to the CIO with embedded delivery: evaluated, and (who pays
    # aside) the same cash flows as marketing holding it, since no mechanism reads the holder
    # other than a shared pot's
    assert g.loc["it", "embedded_it"] == pytest.approx(g.loc["marketing", "embedded_it"], rel=1e-12)
    assert g.loc["shared_pot", "embedded_it"] < g.loc["marketing", "embedded_it"]
