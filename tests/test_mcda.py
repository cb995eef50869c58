"""Multi-criteria analysis: AHP, weighted sum, TOPSIS and the stakeholders' view of a simulation.

Reference values name their source. Published tables are rounded to three or four decimals,
so they are compared at that precision; hand-worked cases are worked out in the comments.
"""

from __future__ import annotations

import dataclasses
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import decision_kit as dk
from decision_kit import mcda
from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.mcda import AHPConsistencyWarning

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "marketing_automation.yaml"

# --- published examples ------------------------------------------------------------------

# Saaty, T.L. (1990) "How to make a decision: the analytic hierarchy process", European
# Journal of Operational Research 48, 9-26, Table 2: a family buying a house compares eight
# criteria (size, transportation, neighbourhood, age, yard, modern facilities, condition,
# financing). Published: priorities .173 .054 .188 .018 .031 .036 .167 .333,
# lambda_max 9.669, CI 0.238, CR 0.169 (inconsistent: above 0.10).
SAATY_1990_HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
HOUSE_CRITERIA = ["size", "transportation", "neighbourhood", "age", "yard", "modern", "condition", "financing"]


def test_ahp_saaty_1990_house_table2_weights_lambda_ci_cr_and_warning():
    with pytest.warns(AHPConsistencyWarning, match="consistency ratio 0.169"):
        r = mcda.ahp(SAATY_1990_HOUSE, HOUSE_CRITERIA)
    np.testing.assert_allclose(
        r.weights.to_numpy(), [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], atol=1e-3
    )
    assert list(r.weights.index) == HOUSE_CRITERIA
    assert r.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert r.lambda_max == pytest.approx(9.669, abs=1e-3)
    assert r.ci == pytest.approx(0.238, abs=1e-3)
    assert r.cr == pytest.approx(0.169, abs=1e-3)
    assert r.consistent is False


def test_ahp_saaty_1990_financing_comparison_is_consistent():
    # Saaty (1990), EJOR 48, the three houses compared on financing: lambda_max 3.065, CR 0.056.
    with warnings.catch_warnings():
        warnings.simplefilter("error", AHPConsistencyWarning)
        r = mcda.ahp([[1, 1 / 7, 1 / 5], [7, 1, 3], [5, 1 / 3, 1]])
    assert r.lambda_max == pytest.approx(3.065, abs=1e-3)
    assert r.cr == pytest.approx(0.056, abs=1e-3)
    assert r.consistent is True
    assert r.weights.idxmax() == 1


def test_ahp_wikipedia_leader_example_criteria_weights():
    # "Analytic hierarchy process - leader example" (Wikipedia), criteria priorities:
    # experience .547, education .127, charisma .270, age .056; CR 0.044.
    m = pd.DataFrame(
        [[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]],
        index=["experience", "education", "charisma", "age"],
        columns=["experience", "education", "charisma", "age"],
    )
    r = mcda.ahp(m)
    np.testing.assert_allclose(r.weights.to_numpy(), [0.547, 0.127, 0.270, 0.056], atol=1e-3)
    assert r.cr == pytest.approx(0.044, abs=1e-3)
    assert list(r.to_frame().index) == list(m.index)


# Hwang, C.-L. and Yoon, K. (1981) Multiple Attribute Decision Making: Methods and
# Applications, Springer, pp. 133-134: four fighter aircraft on max speed (Mach), ferry range
# (NM), max payload (lb), acquisition cost ($M, less is better), reliability and
# manoeuvrability (linguistic ratings as 5 = average, 3 = low, 7 = high, 9 = very high);
# weights .2 .1 .1 .1 .2 .3. Published (from intermediate values rounded to 4 decimals):
# S* = .0545 .1197 .0580 .1009; S- = .0983 .0439 .0920 .0458; C* = .643 .268 .613 .312
# (A1 > A3 > A4 > A2); ideal point .1168 .0659 .0531 .0414 .1347 .2012.
FIGHTERS = pd.DataFrame(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ],
    index=["A1", "A2", "A3", "A4"],
    columns=["speed", "range", "payload", "cost", "reliability", "manoeuvrability"],
)
FIGHTER_WEIGHTS = {"speed": 0.2, "range": 0.1, "payload": 0.1, "cost": 0.1, "reliability": 0.2, "manoeuvrability": 0.3}
FIGHTER_BENEFIT = {c: c != "cost" for c in FIGHTERS.columns}


def test_topsis_hwang_yoon_1981_fighter_aircraft_closeness_and_distances():
    r = mcda.topsis(FIGHTERS, FIGHTER_WEIGHTS, FIGHTER_BENEFIT)
    np.testing.assert_allclose(r.closeness.to_numpy(), [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    np.testing.assert_allclose(r.d_plus.to_numpy(), [0.0545, 0.1197, 0.0580, 0.1009], atol=1e-4)
    np.testing.assert_allclose(r.d_minus.to_numpy(), [0.0983, 0.0439, 0.0920, 0.0458], atol=1e-4)
    np.testing.assert_allclose(r.ideal.to_numpy(), [0.1168, 0.0659, 0.0531, 0.0414, 0.1347, 0.2012], atol=1e-4)
    assert r.rank.tolist() == [1, 4, 2, 3]
    assert r.ranking == ["A1", "A3", "A4", "A2"]
    assert r.best == "A1"
    assert list(r.to_frame().columns) == ["closeness", "d_plus", "d_minus", "rank"]


# --- weighted sum and normalisation, hand-worked ------------------------------------------

SMALL_MATRIX = pd.DataFrame({"npv": [10.0, 20.0, 15.0], "months": [3.0, 9.0, 6.0]}, index=["a", "b", "c"])
SMALL_BENEFIT = {"npv": True, "months": False}


def test_weighted_sum_minmax_hand_worked():
    # npv -> (x - 10) / 10 = 0, 1, .5; months (less is better) -> (9 - x) / 6 = 1, 0, .5
    r = mcda.weighted_sum(SMALL_MATRIX, {"npv": 3, "months": 2}, SMALL_BENEFIT)  # weights .6, .4
    np.testing.assert_allclose(r.scores.to_numpy(), [0.4, 0.6, 0.5])
    assert r.rank.tolist() == [3, 1, 2] and r.best == "b"
    np.testing.assert_allclose(r.weights.to_numpy(), [0.6, 0.4])
    np.testing.assert_allclose(r.normalised["months"].to_numpy(), [1.0, 0.0, 0.5])


def test_weighted_sum_vector_and_sum_hand_worked():
    # vector: ||npv|| = sqrt(100 + 400 + 225) = sqrt(725); ||months|| = sqrt(9 + 81 + 36) = sqrt(126)
    w = {"npv": 0.5, "months": 0.5}
    v = mcda.weighted_sum(SMALL_MATRIX, w, SMALL_BENEFIT, normalisation="vector")
    expect = 0.5 * np.array([10, 20, 15]) / np.sqrt(725) + 0.5 * (1 - np.array([3, 9, 6]) / np.sqrt(126))
    np.testing.assert_allclose(v.scores.to_numpy(), expect)
    # sum: npv / 45; 1 - months / 18
    s = mcda.weighted_sum(SMALL_MATRIX, w, SMALL_BENEFIT, normalisation="sum")
    expect = 0.5 * np.array([10, 20, 15]) / 45 + 0.5 * (1 - np.array([3, 9, 6]) / 18)
    np.testing.assert_allclose(s.scores.to_numpy(), expect)


def test_sum_normalisation_keeps_direction_with_negative_npvs():
    m = pd.DataFrame({"npv": [-300.0, -100.0, 200.0]}, index=["x", "y", "z"])
    for norm in mcda.NORMALISATIONS:
        r = mcda.weighted_sum(m, {"npv": 1}, {"npv": True}, normalisation=norm)
        assert r.ranking == ["z", "y", "x"], norm


def test_constant_criterion_does_not_change_the_ranking():
    m = SMALL_MATRIX.assign(fit=3.0)
    for norm in mcda.NORMALISATIONS:
        base = mcda.weighted_sum(SMALL_MATRIX, {"npv": 1, "months": 1}, SMALL_BENEFIT, norm)
        more = mcda.weighted_sum(m, {"npv": 1, "months": 1, "fit": 5}, {**SMALL_BENEFIT, "fit": True}, norm)
        assert more.ranking == base.ranking


def test_compare_normalisations_flags_a_choice_that_changes_the_top():
    # c1 differs by 1 in 100: min-max stretches it to 0..1 (a wins: .6 vs .4); the vector norm
    # leaves it nearly flat (.7106 vs .7036), so c2 decides (b wins: .426 vs .822).
    m = pd.DataFrame({"c1": [101.0, 100.0], "c2": [0.0, 1.0]}, index=["a", "b"])
    check = mcda.compare_normalisations(m, {"c1": 0.6, "c2": 0.4}, {"c1": True, "c2": True})
    assert check.flag is True
    assert check.tops.loc["weights", "weighted_sum_minmax"] == "a"
    assert check.tops.loc["weights", "weighted_sum_vector"] == "b"
    assert check.tops.loc["weights", "topsis"] == "b"
    assert "normalisation alone changes the top choice" in check.message
    calm = mcda.compare_normalisations(m, {"c1": 0.1, "c2": 0.9}, {"c1": True, "c2": True})
    assert calm.flag is False and "same top choice" in calm.message


# --- weight flips, hand-worked ------------------------------------------------------------

# Three criteria, two alternatives: a = (1, 0, 3), b = (0, 1, 3), weights (.5, .3, .2); the
# constant third criterion cannot separate them. Weighted sum (min-max): a = .5 + .2, b = .3 + .2.
# - lower c1 (others rescaled from (0, .6, .4)): t = .6 (1 - t) -> t = .375;
# - raise c2 (others from (5/7, 0, 2/7)): t = 5/7 (1 - t) -> t = 5/12;
# - raise c3: a and b tie only at t = 1, where neither is ahead -> no change;
# - transfers: c1 -> c2 needs .5 - d = .3 + d -> d = .1 (the smallest move); c3 -> c2 ties
#   only when all of c3's .2 is moved -> no change.
FLIP = pd.DataFrame({"c1": [1.0, 0.0], "c2": [0.0, 1.0], "c3": [3.0, 3.0]}, index=["a", "b"])
FLIP_W = {"c1": 0.5, "c2": 0.3, "c3": 0.2}
FLIP_B = {"c1": True, "c2": True, "c3": True}


@pytest.mark.parametrize("method", mcda.METHODS)
def test_weight_flips_hand_worked_thresholds(method):
    # TOPSIS here: d+(a) = w2, d-(a) = w1, so closeness(a) = w1 / (w1 + w2): the same ties.
    fa = mcda.weight_flips(FLIP, FLIP_W, FLIP_B, method)
    assert fa.top == "a"
    p = fa.per_criterion
    assert p.loc["c1", "lower_to"] == pytest.approx(0.375, abs=1e-9)
    assert p.loc["c2", "raise_to"] == pytest.approx(5 / 12, abs=1e-9)
    assert p.loc["c1", "lower_top"] == "b" and p.loc["c2", "raise_top"] == "b"
    assert np.isnan(p.loc["c3", "raise_to"]) and np.isnan(p.loc["c1", "raise_to"])
    o = fa.overall
    assert (o["kind"], o["source"], o["criterion"], o["new_top"]) == ("transfer", "c1", "c2", "b")
    assert o["shift"] == pytest.approx(0.1, abs=1e-9)
    np.testing.assert_allclose(fa.flipped_weights.to_numpy(), [0.4, 0.4, 0.2], atol=1e-9)
    assert "moving 0.100 of weight from c1 to c2" in fa.summary()


def test_weight_flips_nothing_flips_when_one_alternative_dominates():
    m = pd.DataFrame({"c1": [2.0, 1.0], "c2": [2.0, 1.0]}, index=["a", "b"])
    fa = mcda.weight_flips(m, {"c1": 1, "c2": 1}, {"c1": True, "c2": True}, "weighted_sum")
    assert fa.overall.empty and fa.per_criterion[["lower_to", "raise_to"]].isna().all().all()
    assert "No single change" in fa.summary()


def test_weight_flips_groups_count_only_a_change_of_group():
    # b1 and b2 are two owners of option b; a change from b1 to b2 is not a change of option.
    m = pd.DataFrame({"c1": [1.0, 0.9, 0.0], "c2": [0.0, 0.2, 1.0]}, index=["b1", "b2", "a"])
    cells = mcda.weight_flips(m, {"c1": 0.9, "c2": 0.1}, {"c1": True, "c2": True}, "weighted_sum")
    options = mcda.weight_flips(
        m, {"c1": 0.9, "c2": 0.1}, {"c1": True, "c2": True}, "weighted_sum", groups=["b", "b", "a"]
    )
    assert cells.overall["new_top"] == "b2"
    assert options.top == "b" and options.overall["new_top"] == "a"
    assert options.overall["shift"] > cells.overall["shift"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=6, max_size=6), st.lists(st.floats(0.05, 1), min_size=2, max_size=2))
def test_weighted_sum_flip_is_an_exact_tie(values, weights):
    m = pd.DataFrame(np.array(values).reshape(3, 2), columns=["c1", "c2"], index=["a", "b", "c"])
    w = dict(zip(["c1", "c2"], weights))
    fa = mcda.weight_flips(m, w, {"c1": True, "c2": True}, "weighted_sum")
    if fa.overall.empty:
        return
    s = mcda.weighted_sum(m, fa.flipped_weights, {"c1": True, "c2": True}).scores
    assert s[fa.top] == pytest.approx(s[fa.overall["new_top"]], abs=1e-9)
    assert s.max() == pytest.approx(s[fa.top], abs=1e-9)


# --- properties --------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.01, 10), min_size=3, max_size=9))
def test_ahp_of_a_consistent_matrix_returns_its_weights(raw):
    w = np.array(raw) / np.sum(raw)
    r = mcda.ahp(w[:, None] / w[None, :])
    np.testing.assert_allclose(r.weights.to_numpy(), w, rtol=1e-8)
    assert r.cr == pytest.approx(0.0, abs=1e-9) and r.consistent


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=8, max_size=8), st.floats(0.1, 100))
def test_topsis_closeness_in_unit_interval_and_scale_free(values, scale):
    m = pd.DataFrame(np.array(values).reshape(4, 2), columns=["c1", "c2"])
    w, b = {"c1": 0.7, "c2": 0.3}, {"c1": True, "c2": False}
    c = mcda.topsis(m, w, b).closeness
    assert ((c >= 0) & (c <= 1)).all()
    scaled = mcda.topsis(m.assign(c1=m.c1 * scale), w, b).closeness
    np.testing.assert_allclose(scaled.to_numpy(), c.to_numpy(), atol=1e-9)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "matrix, message",
    [
        ([[1, 2, 3], [0.5, 1, 2]], "must be square"),
        ([[1, 2], [0.5]], "square table of numbers"),
        ([[1, 0], [0, 1]], "must be positive"),
        ([[1, -2], [-0.5, 1]], "must be positive"),
        ([[1, 3], [0.5, 1]], "not reciprocal: entry (1,2) is 3 but (2,1) is 0.5"),
        ([[2, 1], [1, 1]], "diagonal must be 1"),
        (np.ones((11, 11)), "at most 10"),
    ],
)
def test_ahp_rejects_bad_matrices(matrix, message):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        mcda.ahp(matrix)


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"npv": -1, "months": 2}, "weights cannot be negative"),
        ({"npv": 0, "months": 0}, "weights cannot all be zero"),
        ({"npv": 1, "fit": 1}, "criterion 'fit' has a weight but no option is scored on it"),
        ({"npv": float("nan")}, "not a finite number"),
        ({}, "weights are empty"),
    ],
)
def test_bad_weights_are_scenario_errors(weights, message):
    for kernel in (mcda.weighted_sum, mcda.topsis):
        with pytest.raises(ScenarioError, match=message):
            kernel(SMALL_MATRIX, weights, SMALL_BENEFIT)


def test_bad_matrix_benefit_and_choices_are_scenario_errors():
    with pytest.raises(ScenarioError, match="say whether more or less is better for criterion 'months'"):
        mcda.topsis(SMALL_MATRIX, {"npv": 1, "months": 1}, {"npv": True})
    with pytest.raises(ScenarioError, match="must be True"):
        mcda.topsis(SMALL_MATRIX, {"npv": 1}, {"npv": "more"})
    with pytest.raises(ScenarioError, match="b has no value for criterion 'npv'"):
        mcda.topsis(SMALL_MATRIX.assign(npv=[1.0, np.nan, 2.0]), {"npv": 1}, {"npv": True})
    with pytest.raises(ScenarioError, match="must be a pandas DataFrame"):
        mcda.topsis([[1, 2]], {"npv": 1}, {"npv": True})
    with pytest.raises(ScenarioError, match="normalisation must be one of"):
        mcda.weighted_sum(SMALL_MATRIX, {"npv": 1}, SMALL_BENEFIT, normalisation="max")
    with pytest.raises(ScenarioError, match="method must be one of"):
        mcda.weight_flips(SMALL_MATRIX, {"npv": 1}, SMALL_BENEFIT, method="electre")
    assert issubclass(ScenarioError, ValueError)


# --- a simulation: the default scenario and a small fixed one ----------------------------

NEUTRAL = (
    "{launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1, "
    "incident_severity: 1, governance_overhead: %s, consolidation: 0, realisation_factor: 1, "
    "marketing_share: 0.5}"
)

# Everything fixed, no risks: every trial equals the base case. Criteria: NPV, months to
# launch, judged fit and experience.
FIXED = textwrap.dedent("""
    name: mcda fixed
    horizon_years: 3
    discount_rate: 0.10
    options:
      buy:
        kind: buy
        launch_months: 3
        costs:
          sub: {category: license, timing: recurring, amount: 1000}
        benefits:
          uplift: {category: revenue, amount: 3000, ramp_months: 0}
        scores: {fit: 2, experience: 5}
      build:
        kind: build
        launch_months: 9
        costs:
          dev: {category: implementation, timing: one_off, amount: 2000}
        benefits:
          uplift: {category: revenue, amount: 3000, ramp_months: 0}
        scores: {fit: 5, experience: 3}
    owners:
      marketing: %s
      it: %s
    criteria:
      fit: {better: more}
      experience: {better: more}
    stakeholders:
      CMO: {weights: {expected_npv: 0.3, time_to_launch: 0.4, experience: 0.3}}
      CIO: {weights: {expected_npv: 0.3, time_to_launch: 0.1, fit: 0.6}}
""") % (NEUTRAL % 0, NEUTRAL % 0.2)


@pytest.fixture(scope="module")
def default_result():
    return dk.simulate(dk.load_scenario(DEFAULT), trials=3000, seed=11)


@pytest.fixture(scope="module")
def fixed_result():
    return dk.simulate(loads(FIXED), trials=40, seed=0)


def with_stakeholders(result, stakeholders, **changes):
    """The same simulation under other stakeholders (they do not change the simulation)."""
    return dataclasses.replace(result, scenario=result.scenario.replace(stakeholders=stakeholders, **changes))


def test_default_scenario_has_the_stakeholders_and_criteria_this_module_reads(default_result):
    s = default_result.scenario
    assert {"CMO", "CIO", "CFO"} <= set(s.stakeholders)
    assert s.stakeholders["CIO"].ahp is not None
    assert all(o.scores for o in s.options.values())


def test_criteria_scores_takes_computed_criteria_from_the_summary(default_result):
    cs = mcda.criteria_scores(default_result)
    summ = default_result.summary()
    pd.testing.assert_series_equal(cs["expected_npv"], summ["npv_mean"], check_names=False, check_dtype=False)
    pd.testing.assert_series_equal(cs["p10_npv"], summ["npv_p10"], check_names=False, check_dtype=False)
    pd.testing.assert_series_equal(
        cs["time_to_launch"], summ["launch_months_p50"], check_names=False, check_dtype=False
    )
    pd.testing.assert_series_equal(cs["probability_of_loss"], summ["p_loss"], check_names=False, check_dtype=False)
    pd.testing.assert_series_equal(
        cs["security_risk"], summ["security_incidents"], check_names=False, check_dtype=False
    )
    assert list(cs.columns[:5]) == list(dk.schema.COMPUTED_CRITERIA)
    for option, opt in default_result.scenario.options.items():
        for c, v in opt.scores.items():
            assert (cs.loc[option, c] == v).all()
    assert cs.attrs["benefit"]["time_to_launch"] is False and cs.attrs["benefit"]["architecture_fit"] is True
    with pytest.raises(ScenarioError, match="criterion 'vibes' is neither computed"):
        mcda.criteria_scores(default_result, ["expected_npv", "vibes"])


def test_stakeholder_weights_from_weights_and_ahp(default_result):
    s = default_result.scenario
    with warnings.catch_warnings():
        warnings.simplefilter("error", AHPConsistencyWarning)  # the CIO's comparisons are consistent
        sw = mcda.stakeholder_weights(s)
    assert sw.individual.loc["CMO", "time_to_launch"] == pytest.approx(0.30)
    np.testing.assert_allclose(sw.individual.sum(axis=1).to_numpy(), 1.0)
    cio = mcda.ahp(s.stakeholders["CIO"].ahp.matrix, s.stakeholders["CIO"].ahp.criteria)
    pd.testing.assert_series_equal(sw.individual.loc["CIO", cio.weights.index], cio.weights, check_names=False)
    assert sw.ahp["CIO"].cr < 0.1
    # Only expected_npv is weighted by all three, so the geometric mean keeps only it.
    assert sw.group["expected_npv"] == pytest.approx(1.0)
    assert "time_to_launch" in sw.vetoed and "expected_npv" not in sw.vetoed
    arithmetic = mcda.stakeholder_weights(s, "arithmetic")
    pd.testing.assert_series_equal(arithmetic.group, sw.individual.mean(axis=0), check_names=False)
    assert arithmetic.vetoed == ()
    assert list(sw.to_frame().index) == ["CMO", "CIO", "CFO", "group"]


def test_group_weights_are_the_normalised_geometric_mean(fixed_result):
    # CMO (.3, .4, 0, .3), CIO (.3, .1, .6, 0): geometric means .3, .2, 0, 0 -> .6, .4
    sw = mcda.stakeholder_weights(fixed_result.scenario)
    np.testing.assert_allclose(
        sw.group[["expected_npv", "time_to_launch", "fit", "experience"]].to_numpy(), [0.6, 0.4, 0.0, 0.0], atol=1e-12
    )
    assert sw.vetoed == ("fit", "experience")


def test_stakeholder_view_matches_the_kernels(default_result):
    view = mcda.stakeholder_view(default_result, aggregation="arithmetic")
    cs = mcda.criteria_scores(default_result, list(view.weights.group.index))
    benefit = cs.attrs["benefit"]
    for who in ["CMO", "CIO", "CFO"]:
        direct = mcda.topsis(cs, view.weights.individual.loc[who], benefit)
        np.testing.assert_allclose(view.scores[who].to_numpy(), direct.closeness.to_numpy(), atol=1e-12)
        assert view.ranks[who].tolist() == direct.rank.tolist()
    ws = mcda.stakeholder_view(default_result, "weighted_sum", normalisation="vector", aggregation="arithmetic")
    direct = mcda.weighted_sum(cs, view.weights.group, benefit, "vector")
    np.testing.assert_allclose(ws.scores["group"].to_numpy(), direct.scores.to_numpy(), atol=1e-12)
    frame = view.to_frame()
    assert frame.shape == (15, 8) and ("CMO", "rank") in frame.columns
    assert set(view.top.index) == {"CMO", "CIO", "CFO", "group"}
    assert view.concordance.loc["CMO", "CMO"] == 1.0
    assert len(view.disagreements(3)) == 3
    text = view.summary()
    assert all(name in text for name in ("CMO", "CIO", "CFO")) and "group weights" in text


def test_stakeholder_view_summary_states_disagreement_and_the_veto(fixed_result):
    view = mcda.stakeholder_view(fixed_result, "weighted_sum")
    # CMO: fast launch and experience favour buy; CIO: fit (weight .6) favours build.
    assert view.top["CMO"] == ("buy", "marketing") and view.top["CIO"] == ("build", "marketing")
    assert not view.agree and not view.agree_on_option
    text = view.summary()
    assert "disagree" in text and "CMO buy owned by marketing" in text and "CIO build owned by marketing" in text
    assert "drops any criterion a stakeholder leaves out (fit, experience)" in text
    agreeing = with_stakeholders(
        fixed_result, {"CMO": {"weights": {"experience": 1}}, "CFO": {"weights": {"expected_npv": 1, "experience": 1}}}
    )
    v2 = mcda.stakeholder_view(agreeing)
    assert v2.agree and "all put buy owned by marketing first" in v2.summary()


@pytest.mark.parametrize("method", mcda.METHODS)
def test_rank_acceptability_single_npv_criterion_equals_probability_best(default_result, method):
    # With expected_npv alone, a trial's first cell is the one with the highest NPV in it:
    # exactly the summary's p_best.
    r = with_stakeholders(default_result, {"CFO": {"weights": {"expected_npv": 1}}})
    ra = mcda.rank_acceptability(r, method)
    np.testing.assert_allclose(ra.p_first["CFO"].to_numpy(), r.summary()["p_best"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ra.p_first.sum(axis=0).to_numpy(), 1.0)


def test_rank_acceptability_of_a_fixed_scenario_is_the_stakeholder_view(fixed_result):
    # Zero variance: every trial is the summary, so the top cell is first in every trial.
    for method in mcda.METHODS:
        ra = mcda.rank_acceptability(fixed_result, method)
        view = mcda.stakeholder_view(fixed_result, method)
        for who in ra.p_first.columns:
            assert ra.p_first.loc[view.top[who], who] == 1.0
            np.testing.assert_allclose(ra.mean_rank[who].to_numpy(), view.ranks[who].to_numpy())


def test_rank_acceptability_uses_per_trial_metrics_and_first_trials(default_result):
    ra = mcda.rank_acceptability(default_result, "weighted_sum", trials=500, aggregation="arithmetic")
    assert ra.trials == 500
    np.testing.assert_allclose(ra.p_first.sum(axis=0).to_numpy(), 1.0)
    assert (ra.mean_rank >= 1).all().all() and (ra.mean_rank <= 15).all().all()
    np.testing.assert_allclose(ra.p_first_option.sum(axis=0).to_numpy(), 1.0)
    # Per-trial NPV and incidents spread the probability over more than one cell.
    assert (ra.p_first.max(axis=0) < 1).all()
    assert "Most often first over 500 trials" in ra.summary()
    for bad in (0, 3001, 2.5, True):
        with pytest.raises(ScenarioError, match="trials must be a whole number"):
            mcda.rank_acceptability(default_result, trials=bad)


def test_normalisation_check_of_a_result_agrees_with_the_matrix_check(default_result):
    check = mcda.normalisation_check(default_result, aggregation="arithmetic")
    sw = mcda.stakeholder_weights(default_result.scenario, "arithmetic")
    cs = mcda.criteria_scores(default_result, list(sw.group.index))
    for who in ["CMO", "CIO", "CFO"]:
        one = mcda.compare_normalisations(cs, sw.individual.loc[who], cs.attrs["benefit"])
        assert one.tops.iloc[0].tolist() == check.tops.loc[who].tolist()
        assert bool(check.sensitive[who]) == one.flag
    assert check.flag == bool(check.sensitive.any())


@pytest.mark.parametrize("method", mcda.METHODS)
def test_flip_analysis_of_a_stakeholder_changes_their_top(default_result, method):
    r = with_stakeholders(
        default_result, {k: v.model_dump(exclude_none=True) for k, v in default_result.scenario.stakeholders.items()}
    )
    for who in ["CMO", "CIO", "CFO", "group"]:
        fa = mcda.flip_analysis(r, who, method, aggregation="arithmetic")
        assert fa.who == who and not fa.overall.empty
        view = mcda.stakeholder_view(r, method, aggregation="arithmetic")
        assert fa.top == view.top[who]
        # Just beyond the move, the new top is ahead.
        crit = list(fa.weights.index)
        cs = mcda.criteria_scores(r, crit)
        beyond = fa.weights + 1.0001 * (fa.flipped_weights - fa.weights)
        kernel = (
            mcda.topsis(cs, beyond, cs.attrs["benefit"])
            if method == "topsis"
            else mcda.weighted_sum(cs, beyond, cs.attrs["benefit"])
        )
        assert kernel.best == fa.overall["new_top"]
        assert fa.per_criterion.index.tolist() == crit


def test_flip_analysis_by_option_and_unknown_stakeholder(default_result):
    fa = mcda.flip_analysis(default_result, "CMO", by="option", aggregation="arithmetic")
    assert fa.top in default_result.scenario.options
    assert fa.overall.empty or fa.overall["new_top"] in default_result.scenario.options
    with pytest.raises(ScenarioError, match="no stakeholder 'CEO'"):
        mcda.flip_analysis(default_result, "CEO")


def test_weight_ranges_bracket_the_group_weights(default_result):
    wr = mcda.weight_ranges(default_result, "weighted_sum", aggregation="arithmetic")
    assert ((wr["low"] <= wr["weight"] + 1e-12) & (wr["weight"] <= wr["high"] + 1e-12)).all()
    assert ((wr["low"] >= 0) & (wr["high"] <= 1)).all()
    # Inside the range the group's top holds: check the midpoint of each criterion's interval.
    sw = mcda.stakeholder_weights(default_result.scenario, "arithmetic")
    cs = mcda.criteria_scores(default_result, list(sw.group.index))
    top = wr["top"].iloc[0]
    for c in wr.index:
        t = (wr.loc[c, "low"] + wr.loc[c, "high"]) / 2
        others = sw.group.drop(c)
        w = pd.concat([pd.Series({c: t}), others / others.sum() * (1 - t)])
        assert mcda.weighted_sum(cs, w, cs.attrs["benefit"]).best == top


def test_scenario_input_errors(fixed_result):
    no_score = with_stakeholders(
        fixed_result,
        {"CMO": {"weights": {"expected_npv": 1, "speed": 1}}},
        criteria={"fit": {"better": "more"}, "experience": {"better": "more"}, "speed": {"better": "more"}},
    )
    with pytest.raises(ScenarioError, match="criterion 'speed' is weighted by CMO but no option is scored on it"):
        mcda.stakeholder_view(no_score)
    zero = with_stakeholders(no_score, {"CMO": {"weights": {"expected_npv": 1, "speed": 0}}})
    assert "speed" not in mcda.stakeholder_view(zero).weights.group.index  # a zero weight asks for nothing
    options = fixed_result.scenario.model_dump()["options"]
    del options["build"]["scores"]["fit"]
    partial = dataclasses.replace(fixed_result, scenario=fixed_result.scenario.replace(options=options))
    with pytest.raises(ScenarioError, match="option 'build' has no score on criterion 'fit'"):
        mcda.rank_acceptability(partial)
    with pytest.raises(ScenarioError, match="defines no stakeholders"):
        mcda.stakeholder_view(with_stakeholders(fixed_result, {}))
    with pytest.raises(ScenarioError, match="cannot be called 'group'"):
        mcda.stakeholder_weights(with_stakeholders(fixed_result, {"group": {"weights": {"fit": 1}}}).scenario)
    disjoint = with_stakeholders(fixed_result, {"CMO": {"weights": {"fit": 1}}, "CIO": {"weights": {"experience": 1}}})
    with pytest.raises(ScenarioError, match="no criterion is weighted by every stakeholder"):
        mcda.stakeholder_view(disjoint)
    assert mcda.stakeholder_view(disjoint, aggregation="arithmetic").weights.group["fit"] == pytest.approx(0.5)
    with pytest.raises(ScenarioError, match="aggregation must be one of"):
        mcda.stakeholder_weights(fixed_result.scenario, "median")


def test_inconsistent_ahp_stakeholder_warns_with_their_name(fixed_result):
    house = {"criteria": HOUSE_CRITERIA, "matrix": SAATY_1990_HOUSE}
    judged = {c: {"better": "more"} for c in fixed_result.scenario.criteria}  # keep the options' scored criteria
    r = with_stakeholders(
        fixed_result, {"CIO": {"ahp": house}}, criteria=judged | {c: {"better": "more"} for c in HOUSE_CRITERIA}
    )
    with pytest.warns(AHPConsistencyWarning, match="CIO's AHP comparisons are inconsistent"):
        sw = mcda.stakeholder_weights(r.scenario)
    assert sw.ahp["CIO"].consistent is False
