"""The dashboard's "commit now or stage it" panel (issue #14 item 5): on demand it shows the
values of the stop reviews and pilots that decision_kit.staged_decisions and staged_pilot give
for the scenario on show, at the panel's trials and the dashboard's seed; a control change
marks it stale, so it never shows another scenario's values."""

from __future__ import annotations

import re
from pathlib import Path

import decision_kit as dk
from decision_kit import staged_decisions as sd
from decision_kit import staged_defer as sdf
from decision_kit import staged_pilot as sp
from decision_kit.formatting import compact
from decision_kit.widgets.dashboard import Dashboard
from decision_kit.widgets.stages import STAGE_TRIALS, value_text

ROOT = Path(__file__).resolve().parents[1]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_panel_shows_the_staged_analyses_of_the_scenario_on_show():
    d = Dashboard.from_file(ROOT / "scenarios" / "marketing_automation.yaml")
    assert "Press the button" in d.stages.output.value  # nothing is fitted until asked
    text = _text(d.stages.run())
    a = sd.abandonment(d.scenario, trials=STAGE_TRIALS, seed=d.seed)
    p = sp.pilots(d.scenario, trials=STAGE_TRIALS, seed=d.seed)
    for (option, owner), r in a.table.iterrows():
        shown = value_text(r.flexibility, r.flexibility_se, bool(r.significant), "USD")
        assert f"{compact(r.commit_npv)} {compact(r.staged_npv)} {shown}" in text, (option, owner)
    for (option, owner), r in p.table.iterrows():
        assert value_text(r.value, r.value_se, bool(r.significant), "USD") in text, (option, owner)
    best = a.table.loc["buy", "staged_npv"].idxmax()
    assert a.rule_words("buy", best)[0].replace("'", "&#x27;").split(";")[0] in d.stages.output.value


def test_the_panel_shows_the_vendor_switch_and_the_deferral_too():
    d = Dashboard.from_file(ROOT / "scenarios" / "customer_data_platform.yaml")  # its buy waits and chooses
    text = _text(d.stages.run())
    f = sdf.deferrals(d.scenario, trials=STAGE_TRIALS, seed=d.seed)
    for (option, owner), r in f.table.iterrows():
        shown = value_text(r.value, r.value_se, bool(r.significant), "USD")
        assert f"{compact(r.commit_npv)} {compact(r.deferred_npv)} {shown}" in text, (option, owner)
    assert "Commit now or wait and learn" in text
    d = Dashboard.from_file(ROOT / "scenarios" / "marketing_automation.yaml")  # its buy may switch vendor
    text = _text(d.stages.run())
    w = sd.switches(d.scenario, trials=STAGE_TRIALS, seed=d.seed)
    for (option, owner), r in w.table.iterrows():
        shown = value_text(r.value, r.value_se, bool(r.significant), "USD")
        assert f"{compact(r.commit_npv)} {compact(r.switch_npv)} {shown}" in text, (option, owner)
    assert "Stay or switch vendor after an acquisition" in text


def test_a_control_change_marks_the_panel_stale_and_the_next_press_values_the_new_scenario():
    d = Dashboard.from_file(ROOT / "scenarios" / "marketing_automation.yaml")
    d.stages.run()
    d.controls["discount_rate"].value = d.controls["discount_rate"].value + 2
    assert "The scenario changed" in d.stages.output.value
    text = _text(d.stages.run())
    a = sd.abandonment(d.scenario, trials=STAGE_TRIALS, seed=d.seed)
    r = a.table.loc[("buy", "marketing")]
    assert value_text(r.flexibility, r.flexibility_se, bool(r.significant), "USD") in text


def test_a_scenario_without_stages_says_so():
    s = dk.load_scenario(ROOT / "scenarios" / "webinar_platform.yaml")
    bare = s.model_dump(mode="python", by_alias=True)
    for option in bare["options"].values():
        option["flexibility"] = None
    d = Dashboard(dk.loading.validate(bare, dk.Scenario, "<test>"))
    assert "No option states a stage" in d.stages.run()


def test_value_words():
    assert value_text(88_488.0, 6_320.0, True, "USD") == "+88.5k ± 6.32k USD"
    assert value_text(-1_500.0, 400.0, True, "USD") == "-1.50k ± 400 USD"  # three significant figures
    assert value_text(100.0, 400.0, False, "USD") == "within MC error (±800 USD)"
