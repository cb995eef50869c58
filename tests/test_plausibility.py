"""Warnings for implausible inputs (issue 16, class 6): possible values that their author
probably did not mean are named with file, line and field; the scenario still runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import decision_kit as dk
from decision_kit.cli import main
from decision_kit.plausibility import file_warnings, implausible

TEXT = """name: implausible
horizon_years: 3
discount_rate: 5%
drivers:
  seats: {unit: seats, start: 100, growth: 150%}
options:
  a:
    kind: buy
    costs:
      base: {category: license, timing: recurring, amount: 10k, escalation: 150, source: quote}
      support: {category: support, timing: percent_of, of: base, amount: 150, source: quote}
      seats: {category: license, timing: per_unit, driver: seats, amount: {dist: uniform, low: 5, high: 9}}
      fine: {category: support, timing: percent_of, of: base, amount: 15%, source: quote}
"""


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "implausible.yaml"
    p.write_text(TEXT)
    return p


def test_each_implausible_input_is_named_where_it_is_written(path):
    found = [(w.line, w.path) for w in file_warnings(path, dk.load_scenario(path))]
    assert found == [
        (5, "drivers.seats.growth"),
        (10, "options.a.costs.base.escalation"),
        (11, "options.a.costs.support.amount"),
        (12, "options.a.costs.seats"),
    ]
    messages = [w.message for w in file_warnings(path, dk.load_scenario(path))]
    assert messages[2] == "a percent_of share of 150 is 15000% of line 'base'; write 15% or 0.15 for fifteen percent"
    assert "no source" in messages[3]


@pytest.mark.parametrize("shipped", sorted(Path("scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_the_shipped_scenarios_have_nothing_implausible(shipped):
    obj = dk.load_scenario(shipped) if "budget" not in shipped.stem else None
    assert obj is None or implausible(obj) == []


def test_validate_and_run_print_the_warnings_and_still_succeed(path, capsys):
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: ") == 4 and f"{path}:11:" in err
    assert main(["run", str(path), "--trials", "200"]) == 0
    assert capsys.readouterr().err.count("warning: ") == 4


def test_the_memo_lists_the_warnings_first(path, tmp_path):
    from decision_kit.report import html_memo, standard_analyses

    r = dk.simulate(dk.load_scenario(path), 300, 1)
    analyses = standard_analyses(r)
    title, text = next(iter(analyses.items()))
    assert title.startswith("Warnings: implausible inputs")
    assert text.count(": ") >= 4 and "options.a.costs.support.amount" in text and "15000%" in text
    assert "options.a.costs.support.amount" in html_memo(r, analyses=analyses)
    clean = standard_analyses(dk.simulate(dk.load_scenario("scenarios/webinar_platform.yaml"), 300, 1))
    assert not any(t.startswith("Warnings") for t in clean)
