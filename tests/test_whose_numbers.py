"""Whose numbers (decision_kit.whose_numbers) against hand-worked two-stakeholder cases."""

import textwrap

import numpy as np
import pytest
import yaml

import decision_kit as dk
from decision_kit.errors import ScenarioError
from decision_kit.loading import loads
from decision_kit.whose_numbers import log_density, whose_numbers

OWNER = """
    owners:
      shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
               incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1,
               marketing_share: 0.5}
"""


def _scenario(cmo: str, cio: str, weights: str = "") -> dk.Scenario:
    text = textwrap.dedent(f"""
        name: whose numbers, hand-worked
        horizon_years: 1
        discount_rate: 0
        options:
          buy:
            kind: buy
            costs:
              setup: {{category: implementation, timing: one_off, amount: 50000}}
            benefits:
              uplift: {{category: revenue, amount: {{dist: normal, mean: 60000, sd: 30000}}, ramp_months: 0}}
          keep:
            kind: do_nothing
        stakeholders:
          CMO:
            weights: {{expected_npv: 1}}
            estimates:
              options.buy.benefits.uplift.amount: {cmo}
            {weights.format(w=0.5) if weights else ""}
          CIO:
            weights: {{expected_npv: 1}}
            estimates:
              options.buy.benefits.uplift.amount: {cio}
            {weights.format(w=0.5) if weights else ""}
    """) + textwrap.dedent(OWNER)
    return loads(text)


def test_two_stakeholders_who_disagree_on_one_input():
    # One year, no discounting: NPV of buy = B - 50k, of keep = 0. The CMO expects B = 100k
    # (buy: +50k), the CIO 20k (buy: -30k, so keep). The pool's mean is 60k: buy (+10k). If the
    # CIO is right, choosing buy loses 30k; the CMO loses nothing. Value of settling it:
    # 0.5 x 0 + 0.5 x 30k = 15k, all of it on this one input.
    w = whose_numbers(_scenario("{dist: normal, mean: 100000, sd: 30000}", "{dist: normal, mean: 20000, sd: 30000}"),
                      trials=40_000, seed=3)  # fmt: skip
    b = w.beliefs
    assert b.recommended == ("buy / shared", "keep / shared") and b.pooled_recommended == "buy / shared"
    buy = b.cells.index("buy / shared")
    assert b.expected_npv[:, buy] == pytest.approx([50_000, -30_000], abs=1_500)
    assert b.pooled_npv[buy] == pytest.approx(10_000, abs=600)
    assert b.regret == pytest.approx([0, 30_000], abs=1_500)
    assert b.value == pytest.approx(15_000, abs=750)
    assert w.by_input.inputs == ("options.buy.benefits.uplift.amount",)
    assert w.by_input.values[0] == pytest.approx(b.value, rel=1e-12)


def test_identical_estimates_are_worth_exactly_nothing():
    same = "{dist: normal, mean: 100000, sd: 30000}"
    w = whose_numbers(_scenario(same, same), trials=5_000, seed=3)
    assert w.beliefs.value == 0 and w.by_input.values[0] == 0
    assert w.beliefs.recommended == ("buy / shared", "buy / shared")


def test_belief_weights_move_the_pooled_choice():
    # Weights 0.2 / 0.8: the pool's mean is 0.2 x 100k + 0.8 x 20k = 36k < 50k, so keep; the CMO
    # is then the one who loses: 50k x 0.2 = 10k.
    text = _scenario("{dist: normal, mean: 100000, sd: 30000}", "{dist: normal, mean: 20000, sd: 30000}")
    raw = text.model_dump(exclude_none=True)
    raw["stakeholders"]["CMO"]["belief_weight"], raw["stakeholders"]["CIO"]["belief_weight"] = 0.2, 0.8
    b = whose_numbers(dk.Scenario.model_validate(raw), trials=40_000, seed=3).beliefs
    assert b.pooled_recommended == "keep / shared"
    assert b.value == pytest.approx(0.2 * 50_000, abs=600)


def test_log_density_matches_the_textbook_forms():
    x = np.array([1.0, 2.0, 5.0])
    s = _scenario("{dist: lognormal, median: 2, sigma: 0.5}", "{dist: triangular, low: 0, mode: 2, high: 6}")
    d_ln, d_tri = (s.stakeholders[n].estimates["options.buy.benefits.uplift.amount"] for n in ("CMO", "CIO"))
    want_ln = -np.log(x * 0.5 * np.sqrt(2 * np.pi)) - (np.log(x / 2)) ** 2 / (2 * 0.25)
    assert log_density(d_ln, x) == pytest.approx(want_ln, abs=1e-6)
    want_tri = np.log([2 * 1 / (6 * 2), 2 / 6, 2 * 1 / (6 * 4)])  # 2(x-a)/((c-a)(b-a)), 2/(c-a), 2(c-x)/((c-a)(c-b))
    assert log_density(d_tri, x) == pytest.approx(want_tri, abs=1e-5)  # O(h) at the mode's kink
    assert log_density(d_tri, np.array([-1.0, 7.0])).tolist() == [-np.inf, -np.inf]


@pytest.mark.parametrize(
    "estimate, words",
    [
        ("{dist: fixed, value: 5}", "needs a density"),
        ("{dist: discrete, values: [1, 2], probs: [0.5, 0.5]}", "needs a density"),
    ],
)
def test_an_estimate_without_a_density_is_a_located_error(estimate, words):
    with pytest.raises(ScenarioError) as err:
        _scenario(estimate, "{dist: normal, mean: 1, sd: 1}")
    assert words in str(err.value) and "estimates" in str(err.value)


def test_an_estimate_of_an_unknown_input_names_the_close_one():
    raw = _scenario("{dist: normal, mean: 1, sd: 1}", "{dist: normal, mean: 1, sd: 1}").model_dump(exclude_none=True)
    raw["stakeholders"]["CIO"]["estimates"] = {
        "options.buy.benefit.uplift.amount": {"dist": "normal", "mean": 1, "sd": 1}
    }
    with pytest.raises(ScenarioError, match="did you mean options.buy.benefits.uplift.amount") as err:
        loads(yaml.safe_dump(raw))
    assert "stakeholders.CIO.estimates" in str(err.value)


def test_the_shipped_scenario_shows_whose_numbers_matter(capsys):
    from decision_kit.cli import main

    assert main(["beliefs", "scenarios/marketing_automation.yaml", "--trials", "4000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Whose numbers" in out and "value of settling" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_the_memo_carries_whose_numbers_and_the_signed_targets():
    from decision_kit.report.analyses import belief_analyses, success_analyses
    from decision_kit.simulation import simulate

    s = dk.load_scenario("scenarios/marketing_automation.yaml")
    r = simulate(s, trials=1_000, seed=2)
    beliefs, signed = belief_analyses(r, trials=1_000), success_analyses(r)
    first = next(iter(beliefs.values()))
    assert list(first["belief"]) == ["CMO", "CIO", "CFO", "pooled"]
    assert len(signed) == 4 and all(len(v) for v in signed.values())  # with the signed stop rule
    plain = simulate(_scenario("{dist: normal, mean: 1, sd: 1}", "{dist: normal, mean: 1, sd: 1}"), trials=200, seed=1)
    assert success_analyses(plain) == {}
    raw = plain.scenario.model_dump(exclude_none=True)
    for st in raw["stakeholders"].values():
        st.pop("estimates")
    assert belief_analyses(simulate(dk.Scenario.model_validate(raw), trials=200, seed=1)) == {}
