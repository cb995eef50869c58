"""Files that validate and then crashed (issue 16, class 2): every file `validate` accepts now
runs, and what cannot run is refused by `validate` with file, line and field."""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl import load_workbook

import decision_kit as dk
from decision_kit import loading
from decision_kit.cli import main
from decision_kit.errors import ScenarioError

HEAD = "name: t\nhorizon_years: 3\ndiscount_rate: 5%\n"
LINE = "{category: license, timing: recurring, amount: 10k}"


def test_a_scenario_without_costs_runs_and_says_why_there_is_no_certainty_equivalent(capsys):
    s = loading.loads(HEAD + "options:\n  a: {kind: buy}\n  b: {kind: build}\n")
    r = dk.simulate(s, trials=200, seed=1)
    summary = r.summary()
    assert np.isnan(summary["certainty_equivalent"]).all()
    assert set(summary["ce_note"]) == {
        "not defined: no risk_tolerance is stated and no option has a cost to scale one by"
    }
    assert "Too close to call" in r.recommendation()


def test_no_ownership_model_is_refused_where_it_is_written():
    with pytest.raises(ScenarioError, match=r"t\.yaml:4:9: owners: no ownership model is stated") as err:
        loading.loads(HEAD + "owners: {}\noptions:\n  a: {kind: buy, costs: {x: " + LINE + "}}\n", file="t.yaml")
    assert err.value.first.path == "owners"


def test_correlating_a_one_off_impact_is_refused_at_validation():
    text = HEAD + (
        "options:\n  a: {kind: buy, costs: {x: {category: license, timing: recurring,"
        " amount: {dist: uniform, low: 5k, high: 15k}}}}\n"
        "risks:\n  r: {type: security, effect: one_off, probability: 5%, impact: {dist: uniform, low: 1k, high: 5k}}\n"
        "correlations:\n  - between: [risks.r.impact, options.a.costs.x.amount]\n    rank: 0.5\n"
    )
    with pytest.raises(ScenarioError, match=r"correlations\[0\]\.between\[0\]: 'risks\.r\.impact' is a one-off"):
        loading.loads(text)


def test_a_long_percent_of_chain_written_head_first_runs():
    """1,500 lines, each 1% of the next, the last 10k a year: the chain adds 10k x 0.01 x (1 +
    0.01 + ...) = 10k x 0.0101... a year on top (a geometric sum), with no recursion."""
    n = 1_500
    lines = [f"      l{i}: {{category: support, timing: percent_of, of: l{i + 1}, amount: 1%}}" for i in range(n - 1)]
    lines.append(f"      l{n - 1}: " + LINE)
    head = HEAD + "owners: {marketing: {governance_overhead: 0}}\noptions:\n  a:\n    kind: buy\n    costs:\n"
    s = loading.loads(head + "\n".join(lines) + "\n")
    r = dk.simulate(s, trials=50, seed=1)
    yearly = 10_000 * sum(0.01**k for k in range(n))
    np.testing.assert_allclose(r.metrics.tco[0, 0, 0], 3 * yearly, rtol=1e-6)


def test_control_characters_in_names_do_not_break_the_workbook(tmp_path):
    text = (
        'name: "ctrl\\u0007name"\nhorizon_years: 3\ndiscount_rate: 5%\n'
        'options:\n  "a\\u0001b": {kind: buy, costs: {x: ' + LINE + "}}\n"
    )
    path = tmp_path / "ctrl.yaml"
    path.write_text(text)
    assert main(["report", str(path), "-o", str(tmp_path / "m.xlsx"), "--trials", "100"]) == 0
    title = load_workbook(tmp_path / "m.xlsx", read_only=True)["Summary"]["A1"].value
    assert title == "Decision memo: ctrl\N{REPLACEMENT CHARACTER}name"


def test_an_unwritable_output_is_a_message_and_exit_2(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + "options:\n  a: {kind: buy, costs: {x: " + LINE + "}}\n")
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["report", str(path), "-o", str(blocked / "m.xlsx"), "--trials", "100"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("decision-kit: ") and "Traceback" not in err


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("launch_months", "-24", "months to go-live cannot be negative, and this value is negative with probability 1"),
        ("cost_overrun", "{dist: normal, mean: 1, sd: 0.5}", "a cost-overrun factor cannot be negative"),
        ("realisation", "-1", "a benefit realisation cannot be negative"),
    ],
)
def test_impossible_negative_durations_and_factors_are_refused_where_written(field, value, message):
    """Issue 16, class 6: negative months and factors are typing mistakes, not assumptions."""
    text = HEAD + f"options:\n  a:\n    kind: buy\n    {field}: {value}\n    costs: {{x: {LINE}}}\n"
    with pytest.raises(ScenarioError) as err:
        loading.loads(text, file="n.yaml")
    assert (err.value.first.line, err.value.first.path) == (7, f"options.a.{field}")
    assert message in err.value.first.message


def test_a_choice_that_loses_money_is_never_recommended_confidently():
    text = (
        HEAD
        + "options:\n  a: {kind: buy, costs: {x: "
        + LINE
        + "}}\n  b: {kind: build, costs: {x: {category: license, timing: recurring, amount: 20k}}}\n"
    )
    words = dk.simulate(loading.loads(text), trials=300, seed=1).recommendation()
    assert words.startswith("Recommend a owned by ")
    assert "(the least bad: every choice loses money in expectation)" in words and "confidently" not in words
