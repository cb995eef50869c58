"""The command line's table for people (issue 17 item 5): at most 100 columns, headers in
words with units, "never" for a payback that never comes, money to three significant figures,
the owner glossary, the certainty equivalent in words, and the difference from the status quo
first where one is stated. Numbers are recomputed from the per-trial metrics with numpy and
written by the formatting rules, not read from the table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import loading
from decision_kit.console import OWNER_GLOSSARY, WIDTH, summary_text
from decision_kit.formatting import compact, whole_percent

NEVER_PAYS = """
name: console
horizon_years: 4
discount_rate: 10%
status_quo:
  costs:
    tool: {category: license, timing: recurring, amount: {dist: triangular, low: 20k, mode: 30k, high: 45k}}
options:
  keep: {kind: do_nothing, extends: status_quo}
  costly:
    kind: buy
    costs:
      licence: {category: license, timing: recurring, amount: {dist: uniform, low: 50k, high: 70k}}
"""


@pytest.fixture(scope="module")
def shipped():
    return dk.simulate(dk.load_scenario("scenarios/analytics_stack.yaml"), trials=3_000, seed=1)


def _row(text: str, option: str, owner: str) -> list[str]:
    line = next(x for x in text.splitlines() if x.split()[:2] == [option, owner])
    return line.split()


def test_every_line_fits_in_100_columns_and_says_its_units(shipped):
    text = summary_text(shipped)
    assert max(len(line) for line in text.splitlines()) <= WIDTH == 100
    assert "money in USD" in text.splitlines()[0]
    assert "payback" in text and "years" in text and "months" in text
    assert OWNER_GLOSSARY.split(";")[0] in text.replace("\n", " ")
    assert "nan" not in text.lower()


def test_the_difference_from_the_status_quo_comes_first_and_is_the_per_trial_mean(shipped):
    o, w = shipped.layout.options.index("outsource"), shipped.layout.owners.index("embedded")
    d = shipped.metrics.npv[:, o, w] - shipped.status_quo["npv"]
    row = _row(summary_text(shipped), "outsource", "embedded")
    assert row[2] == compact(d.mean())
    assert row[3] == whole_percent((d < 0).mean())
    assert row[4] == compact(shipped.metrics.npv[:, o, w].mean())


def test_a_payback_that_never_comes_is_never_and_fixed_costs_cancel():
    r = dk.simulate(loading.loads(NEVER_PAYS), trials=2_000, seed=3)
    text = summary_text(r)
    row = _row(text, "costly", "marketing")
    assert "never" in row
    costly = r.layout.options.index("costly")
    d = r.metrics.npv[:, costly, 0] - r.status_quo["npv"]
    assert row[2] == compact(d.mean()) and np.all(d < 0) and row[3] == "100%"
    assert f"status quo (nothing changes): expected NPV {compact(r.status_quo['npv'].mean())} USD" in text


def test_without_a_status_quo_there_is_no_status_quo_column():
    text = NEVER_PAYS.split("status_quo:")[0] + "options:" + NEVER_PAYS.split("\noptions:")[1]
    text = text.replace("extends: status_quo", "costs: {tool: {category: license, timing: recurring, amount: 30k}}")
    out = summary_text(dk.simulate(loading.loads(text), trials=500, seed=3))
    assert "status quo" not in out
    assert out.splitlines()[2].split()[:3] == ["option", "owner", "expected"]


def test_the_owners_command_names_the_best_owner_its_mechanisms_and_fits_in_100_columns(capsys):
    from decision_kit import owner_tradeoffs as ot
    from decision_kit.cli import main

    code = main(["owners", "scenarios/webinar_platform.yaml", "--trials", "1000", "--break-even-trials", "300"])
    out = capsys.readouterr().out
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    s = dk.load_scenario("scenarios/webinar_platform.yaml")
    table = ot.owner_choice(s, 1000, 0).table
    for option, row in table.iterrows():
        assert any(line.startswith(str(option)) and f" {row.owner} " in line for line in out.splitlines())
    for words in ("organisation profile mid_size_b2b", "What each mechanism adds", "What would have to be true",
                  "most worth researching"):  # fmt: skip
        assert words in out


def test_the_owners_command_refuses_a_scenario_without_an_organisation(tmp_path, capsys):
    from decision_kit.cli import main

    f = tmp_path / "legacy.yaml"
    text = Path("scenarios/webinar_platform.yaml").read_text()
    f.write_text(text.replace("organisation:\n  profile: mid_size_b2b\n", "").replace("  data_sensitivity: high", "#"))
    assert main(["owners", str(f), "--trials", "200"]) == 2
    assert "states no organisation" in capsys.readouterr().err


def test_the_owners_command_answers_for_another_shipped_profile(capsys):
    from decision_kit import owner_tradeoffs as ot
    from decision_kit.cli import main

    args = ["owners", "scenarios/webinar_platform.yaml", "--trials", "600", "--break-even-trials", "200"]
    assert main([*args, "--profile", "digital_native"]) == 0
    out, err = capsys.readouterr()
    assert "organisation profile digital_native" in out and "shipped profile 'digital_native'" in err
    s = dk.load_scenario("scenarios/webinar_platform.yaml").replace(organisation={"profile": "digital_native"})
    for option, row in ot.owner_choice(s, 600, 0).table.iterrows():  # the same as a file stating the profile
        assert any(line.startswith(str(option)) and f" {row.owner} " in line for line in out.splitlines())
    assert main([*args, "--profile", "startup"]) == 2
    assert "no shipped organisation profile 'startup'" in capsys.readouterr().err
