"""Every dashboard control over its whole range on every shipped scenario (issue 17 item 2).

No position of a control may leave the dashboard stuck: after each move the error box is empty
and the dashboard updated (the scenario behind it changed, or for a view control its outputs).
Then the findings of the issue one by one: a shortened horizon drops the lines dated beyond it
with a note and brings them back, a zero weight falls back to averaged group weights, messages
name the control's label, stale messages clear, typed out-of-range values say so, and a heavy
tail is said in a note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import ipywidgets as ipw

import decision_kit as dk
from decision_kit.widgets import Dashboard
from decision_kit.widgets.charts import Chart

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(
    p
    for p in (ROOT / "scenarios").glob("*.yaml")
    if not dk.loading.is_portfolio(__import__("yaml").safe_load(p.read_text()))
)
TRIALS = 40


def _dash(path, tmp_path, trials=TRIALS, seed=1):
    return Dashboard(
        dk.load_scenario(path),
        path,
        interactive_trials=trials,
        refine_trials=2 * trials,
        seed=seed,
        save_dir=tmp_path / "out",
    )


def _outputs(d):
    return (
        d.summary.value,
        d.notes.value,
        d.recommendation.value,
        d.stakeholders.value,
        d.rankings.value,
        tuple(w.children for w in [getattr(d, "weight_area", ipw.VBox())]),
        tuple(c.drawn for c in d.charts),
    )


def _positions(w):
    """The far end, the near end and two positions between (every choice of a dropdown)."""
    if isinstance(w, ipw.Dropdown):
        return [v[1] if isinstance(v, tuple) else v for v in w.options]
    if isinstance(w, ipw.Text):
        return ["750k", "5M", ""]
    lo, hi = w.min, w.max
    vs = [hi, lo, lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3]
    if isinstance(w, ipw.IntSlider):
        return [round(v) for v in vs]
    return [round(v / w.step) * w.step for v in vs]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_control_across_its_range_updates_the_dashboard(path, tmp_path, monkeypatch):
    # charts are drawn by matplotlib in test_widgets.py; here a stub records each draw (it sets
    # Chart.drawn as before), which keeps some 300 updates a scenario inside seconds
    drawn = []
    monkeypatch.setattr(Chart, "render", lambda self, r, owner: drawn.append((self.key, owner)))
    d = _dash(path, tmp_path)
    for key, w in d.controls.items():
        if key == "whatif_name" or w.disabled:
            continue
        for v in _positions(w):
            if w.value == v:
                continue
            scenario, outputs = d.scenario, _outputs(d)
            w.value = v
            assert d.error == "", f"{path.stem}: {key} = {v}: {d.error}"
            assert d.scenario != scenario or _outputs(d) != outputs, f"{path.stem}: {key} = {v} changed nothing"
        d.reset()
        assert d.error == ""
    assert drawn


AS = ROOT / "scenarios" / "analytics_stack.yaml"


def test_a_shorter_horizon_drops_late_lines_with_a_note_and_they_return(tmp_path):
    d = _dash(AS, tmp_path)
    assert "second_upgrade" in d.scenario.options["build"].costs
    d.controls["horizon"].value = 7
    assert d.error == "" and d.scenario.horizon_years == 7 and d.result.scenario.horizon_years == 7
    assert "second_upgrade" not in d.scenario.options["build"].costs  # dated year 8
    assert "major_upgrade" in d.scenario.options["build"].costs  # year 4 stays
    assert "second upgrade (year 8)" in d.notes.value and "beyond" in d.notes.value
    d.controls["horizon"].value = 3
    assert "major upgrade (year 4)" in d.notes.value and "contract retender (year 5)" in d.notes.value
    d.controls["horizon"].value = 10
    assert d.error == "" and "second_upgrade" in d.scenario.options["build"].costs
    assert "beyond" not in d.notes.value
    assert d.scenario == dk.load_scenario(AS)


def test_a_zero_weight_falls_back_to_averaged_group_weights(tmp_path):
    d = _dash(AS, tmp_path)
    d.controls["weight.CIO.expected_npv"].value = 0
    assert d.error == ""
    assert "average of everyone's" in d.notes.value
    group = d.scenario.stakeholders  # the CIO no longer weighs the expected NPV
    assert "expected_npv" not in group["CIO"].weights
    d.refine()
    assert d.error == "" and d.result.trials == 2 * TRIALS
    assert d.save_whatif("cio-zero") is not None and d.error == ""
    d.controls["weight.CIO.expected_npv"].value = 0.3
    assert "average of everyone's" not in d.notes.value


def test_messages_name_the_control_in_plain_words_and_stale_ones_clear(tmp_path):
    d = _dash(AS, tmp_path)
    d.controls["risk_tolerance"].value = "0"
    assert d.error.startswith("Not updated: Risk tolerance")
    assert "risk_tolerance" not in d.error and "aggregation=" not in d.error
    d.controls["risk_tolerance"].value = "2M"
    assert d.error == ""
    assert d.save_whatif("") is None and "name" in d.error  # a failed save ...
    d.controls["owner"].value = d.controls["owner"].options[1][1]  # ... then a view change: gone
    assert d.error == ""


def test_a_typed_value_outside_the_range_says_so(tmp_path):
    d = _dash(AS, tmp_path)
    d.controls["horizon"].value = 500
    assert d.controls["horizon"].value == 30 and d.scenario.horizon_years == 30
    assert d.error == "Horizon (years): 500 is outside 1 to 30; set to 30"
    assert d.record[-1]["note"] == d.error
    d.controls["horizon"].value = 500  # already at 30: no change, still said
    assert "500 is outside" in d.error
    d.controls["horizon"].value = 12
    assert d.error == ""


def test_a_heavy_tail_is_said_in_a_note(tmp_path):
    d = _dash(ROOT / "scenarios" / "marketing_automation.yaml", tmp_path, trials=1_000, seed=3)
    d.controls["horizon"].value = 30
    npv = d.result.per_trial()["npv"]
    owner = d.result.best_cell[1]
    odd = []
    for option in d.result.layout.options:
        x = npv.xs((option, owner), level=("option", "owner")).to_numpy()
        p10, p90 = np.percentile(x, [10, 90])
        if not p10 <= x.mean() <= p90:
            odd.append(option)
    assert odd, "the case should show a heavy tail"
    assert "Heavy tail" in d.notes.value and all(f"{o}: expected" in d.notes.value for o in odd)
    d.controls["horizon"].value = 5
    assert "Heavy tail" not in d.notes.value
