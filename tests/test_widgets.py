"""The planning-session dashboard in plain Python (no kernel, no browser).

Setting a widget's value calls the dashboard's observer synchronously, so each test moves a
control the way a leader would and reads what the dashboard built: the adjusted scenario, the
HTML outputs, the error box, the saved files and the decision record.
"""

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import ipywidgets as ipw

import decision_kit as dk
from decision_kit import plots, widgets
from decision_kit.distributions import Distribution
from decision_kit.schema import Organisation
from decision_kit.widgets import Dashboard
from decision_kit.widgets.charts import Chart

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "marketing_automation.yaml"
TRIALS, REFINE = 400, 1_500
VIEW_CONTROLS = {"owner", "stakeholder", "whatif_name"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copy(SCENARIO, folder / SCENARIO.name)
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The working folder the shared dashboard saves to (what-ifs never go next to the scenario)."""
    return tmp_path_factory.mktemp("work") / "out"


@pytest.fixture(scope="module")
def dash(folder, work):
    return Dashboard.from_file(
        folder / SCENARIO.name, interactive_trials=TRIALS, refine_trials=REFINE, seed=3, save_dir=work
    )


@pytest.fixture(autouse=True)
def _back_to_defaults(request):
    """Every test leaves the shared dashboard as the scenario is written."""
    yield
    if "dash" in request.fixturenames:
        d = request.getfixturevalue("dash")
        d.reset()
        d.chart_tabs.selected_index = 0
        assert d.error == "" and d.scenario == dk.load_scenario(SCENARIO)


def at(scenario, path):
    """The value at a field path of a scenario (attributes and dict keys)."""
    obj = scenario
    for step in path:
        obj = obj[step] if isinstance(obj, dict) else getattr(obj, step)
    return obj


def moved(widget):
    if isinstance(widget, ipw.Dropdown):  # the organisation profile: the next shipped one
        values = [v for _, v in widget.options]
        return values[(values.index(widget.value) + 1) % len(values)]
    if isinstance(widget.value, str):
        return "2M"
    if hasattr(widget, "step"):
        big = widget.step * (4 if isinstance(widget.value, int) else 8)
        return widget.value + big if widget.value + big <= widget.max else widget.value - big
    return None


def expected_input(key, old_input, new_value):
    """What the model input named by control ``key`` must be after it is set to ``new_value``."""
    kind = key.split(".")[0]
    if kind == "horizon":
        return new_value
    if kind == "discount_rate":
        return pytest.approx(new_value / 100)
    if kind == "risk_tolerance":
        return 2e6
    if kind in ("driver_start", "launch", "cost", "organisation", "mechanisms"):  # a scale factor: every quantile
        return pytest.approx(old_input.median() * new_value)
    if kind == "profile":  # the whole organisation block is the chosen profile's, nothing kept of the old one
        return Organisation.model_validate({"profile": new_value})
    if kind == "driver_growth":  # percentage points added to every quantile
        return pytest.approx(old_input.median() + new_value / 100)
    if kind == "weight":
        return pytest.approx(new_value)
    raise AssertionError(f"no expectation for control {key}")


def observed_input(key, value):
    scaled_or_shifted = ("driver_start", "launch", "cost", "driver_growth", "organisation", "mechanisms")
    return value.median() if key.split(".")[0] in scaled_or_shifted else value


def test_every_control_writes_the_input_it_names_and_changes_the_outputs(dash):
    original = dash.scenario
    model_controls = [k for k, path in dash.inputs.items() if path is not None]
    kinds = {k.split(".")[0] for k in model_controls}
    assert kinds == {"horizon", "discount_rate", "risk_tolerance", "driver_start", "driver_growth",
                     "launch", "cost", "profile", "organisation", "mechanisms", "weight"}
    for key in model_controls:
        w = dash.controls[key]
        if w.disabled:
            continue
        path = dash.inputs[key]
        weight = key.startswith("weight.")
        old_input = None if weight else at(original, path)
        before_summary, before_rankings, n = dash.summary.value, dash.rankings.value, len(dash.record)
        before_npv = dash.result.summary()["npv_mean"]
        new = moved(w)
        w.value = new
        assert dash.error == "", f"{key}: {dash.error}"
        assert observed_input(key, at(dash.scenario, path)) == expected_input(key, old_input, new), key
        if weight:
            assert dash.rankings.value != before_rankings, key
        elif key.startswith(("organisation.", "mechanisms.")):  # may act on owners the summary view does not show
            assert not dash.result.summary()["npv_mean"].equals(before_npv), key
        else:
            assert dash.summary.value != before_summary, key
            assert dash.charts[0].image.value != b"", key
        assert len(dash.record) == n + 1
        assert dash.record[-1]["new"] == new and dash.record[-1]["note"] == ""
        dash.reset()
        assert dash.scenario == original, f"{key}: back at its default, the scenario is the original again"


def test_scale_factor_changes_only_its_own_line(dash):
    key = next(k for k in dash.controls if k.startswith("cost."))
    option = key.split(".")[1]
    line = dash.cost_lines[option]
    before = dash.scenario
    dash.controls[key].value = 1.5
    after = dash.scenario
    assert after.options[option].costs[line].amount.median() == pytest.approx(
        1.5 * before.options[option].costs[line].amount.median())
    assert "what-if: x1.5" in after.options[option].costs[line].amount.source
    a, b = after.model_dump(), before.model_dump()
    a["options"][option]["costs"].pop(line), b["options"][option]["costs"].pop(line)
    assert a == b


def test_view_controls_change_the_view_not_the_scenario(dash):
    scenario, metrics = dash.scenario, dash.result.metrics
    before = dash.summary.value
    dash.controls["owner"].value = "it"
    assert "If IT owns the budget" in dash.summary.value and dash.summary.value != before
    assert dash.scenario is scenario and dash.result.metrics is metrics  # no new simulation
    names = list(dash.scenario.stakeholders)
    shown = dash.weight_area.children[0]
    dash.controls["stakeholder"].value = names[1]
    assert dash.weight_area.children[0] is dash.weight_boxes[names[1]] is not shown
    assert dash.scenario is scenario


def test_weights_and_risk_tolerance_reuse_the_simulation_and_match_a_fresh_one(dash):
    metrics = dash.result.metrics
    who = next(iter(dash.scenario.stakeholders))
    key = next(k for k in dash.controls if k.startswith(f"weight.{who}."))
    dash.controls[key].value = 0.9
    dash.controls["risk_tolerance"].value = "1.5M"
    assert dash.result.metrics is metrics
    assert dash.scenario.risk_tolerance == 1.5e6 and dash.scenario.stakeholders[who].weights is not None
    fresh = dk.simulate(dash.scenario, TRIALS, 3)
    pd.testing.assert_frame_equal(dash.result.summary(), fresh.summary())


def _same_simulation(a, b) -> None:
    """Two results hold the same numbers, bit for bit (NaNs in the same places)."""
    assert a.scenario == b.scenario and a.trials == b.trials and a.seed == b.seed
    for name in a.metrics:
        np.testing.assert_array_equal(a.metrics[name], b.metrics[name], err_msg=name)
    for name in a.means:
        np.testing.assert_array_equal(a.means[name], b.means[name], err_msg=name)
    np.testing.assert_array_equal(a.band_net, b.band_net)
    np.testing.assert_array_equal(a.band_cost, b.band_cost)
    for x, y in ((a.status_quo, b.status_quo), (a.status_quo_means, b.status_quo_means)):
        assert (x is None) == (y is None)
        for k in x or {}:
            np.testing.assert_array_equal(x[k], y[k], err_msg=k)
    assert (a.terminal is None) == (b.terminal is None)
    if a.terminal is not None:
        np.testing.assert_array_equal(a.terminal, b.terminal)
    for k in a.inputs:
        np.testing.assert_array_equal(a.inputs[k], b.inputs[k], err_msg=k)


@pytest.mark.parametrize("name", ["analytics_stack", "customer_data_platform", "marketing_automation",
                                  "webinar_platform", "perpetuity"])
def test_a_rate_change_reuses_the_plan_and_the_draws_and_matches_a_fresh_simulation(name, monkeypatch):
    """Issue 18 item 4: at a new discount rate the dashboard's runs reuse the compiled plan and
    the draws (nothing is drawn again); every other change compiles and draws anew. Each result
    is a fresh ``simulate`` of its scenario, bit for bit (terminal values and status quo too)."""
    from decision_kit import kept_draws
    from decision_kit.plan import compile_plan
    from decision_kit.widgets.runs import Runs

    if name == "perpetuity":  # a terminal value, discounted at the scenario's rate
        s = dk.load_scenario(SCENARIO).replace(terminal_value={"rule": "perpetuity", "growth": 0.02})
    else:
        s = dk.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    runs = Runs(300, 5)
    first = runs.first(s)
    draws = []
    real = kept_draws.draw_block  # what a plan keeping its draws draws them with
    monkeypatch.setattr(kept_draws, "draw_block", lambda *a, **k: draws.append(1) or real(*a, **k))
    plan = runs.plan
    steps = [("rate", s.replace(discount_rate=s.discount_rate + 0.013), 0),
             ("rate", s.replace(discount_rate=0.05), 0),
             ("new", s.replace(discount_rate=0.05, horizon_years=s.horizon_years + 2), 1),
             ("rate", s.replace(discount_rate=0.21, horizon_years=s.horizon_years + 2), 0),
             ("reused", s.replace(discount_rate=0.21, horizon_years=s.horizon_years + 2, risk_tolerance=3e6), 0)]
    current = first
    for kind, scenario, drawn in steps:
        before = len(draws)
        current, simulated = runs.run(scenario, current)
        assert runs.last == kind and simulated == (kind != "reused")
        assert len(draws) - before == drawn, kind  # the rate changes drew nothing
        if kind == "rate":
            assert runs.plan.cache is plan.cache  # the compiled plan's structure and its draws
            assert compile_plan(scenario) is runs.plan  # the plan every analysis of it gets
        plan = runs.plan
        _same_simulation(current, dk.simulate(scenario.replace(), 300, 5))  # an equal copy: its own plan, no kept draws


def test_the_dashboard_updates_through_its_runs(dash):
    """A discount-rate change in the dashboard reuses the plan and the draws; a scale factor does not."""
    dash.controls["discount_rate"].value = 11.5
    assert dash._runs.last == "rate"
    _same_simulation(dash.result, dk.simulate(dash.scenario.replace(), TRIALS, 3))
    key = next(k for k in dash.controls if k.startswith("cost."))
    dash.controls[key].value = 1.5
    assert dash._runs.last == "new"
    _same_simulation(dash.result, dk.simulate(dash.scenario.replace(), TRIALS, 3))


def test_invalid_values_show_a_message_not_a_traceback(dash):
    before = (dash.scenario, dash.summary.value, len(dash.record))
    dash.controls["risk_tolerance"].value = "lots"
    assert "risk tolerance 'lots' is not an amount" in dash.error
    assert "lots" in dash.error_box.value and "Traceback" not in dash.error_box.value
    assert (dash.scenario, dash.summary.value) == before[:2]  # outputs keep the last valid answer
    assert len(dash.record) == before[2] + 1 and dash.record[-1]["note"] == dash.error

    dash.controls["risk_tolerance"].value = "-3M"  # a ScenarioError from validation
    assert "Risk tolerance (USD): " in dash.error and "greater than 0" in dash.error  # the control's label
    assert dash.save_whatif("while-invalid") is None and "fix the invalid value first" in dash.error
    assert dash.refine() is None and "fix the invalid value first" in dash.error

    dash.controls["risk_tolerance"].value = "4M"
    assert dash.error == "" and dash.error_box.value == "" and dash.scenario.risk_tolerance == 4e6


def test_a_shorter_horizon_than_a_one_off_cost_drops_it_with_a_note(folder):
    s = dk.load_scenario(ROOT / "scenarios" / "analytics_stack.yaml")  # one-off upgrades in years 4, 5 and 8
    d = Dashboard(s, interactive_trials=300, save_dir=folder)
    d.controls["horizon"].value = 3
    assert d.error == "" and d.scenario.horizon_years == 3 and "second upgrade (year 8)" in d.notes.value
    d.controls["horizon"].value = 8
    assert d.error == "" and d.scenario.horizon_years == 8 and "second_upgrade" in d.scenario.options["build"].costs


def test_save_what_if_writes_a_new_valid_file_and_never_overwrites(dash, folder, work):
    original_file = folder / SCENARIO.name
    original_bytes = original_file.read_bytes()
    dash.controls["discount_rate"].value = 11.0
    dash.controls[next(k for k in dash.controls if k.startswith("driver_start."))].value = 1.3
    path = dash.save_whatif("higher-rate")
    assert path == work / "higher-rate.yaml" and dash.error == ""
    loaded = dk.load_scenario(path)
    assert loaded == dash.whatifs[-1]["scenario"]
    skip = {"name", "description"}
    assert loaded.model_dump(exclude=skip) == dash.scenario.model_dump(exclude=skip)
    assert "(what-if: higher-rate)" in loaded.name and "discount rate (%) 8.0 -> 11.0" in loaded.description
    assert "higher-rate" in dash.comparison.value and dash.record[-1]["control"] == "save what-if"
    assert original_file.read_bytes() == original_bytes

    saved = path.read_bytes()
    dash.controls["discount_rate"].value = 12.0
    assert dash.save_whatif("higher-rate.yaml") is None
    assert "already exists" in dash.error and path.read_bytes() == saved
    for bad in ("", "../elsewhere", SCENARIO.name):
        assert dash.save_whatif(bad) is None and dash.error, bad
    assert original_file.read_bytes() == original_bytes
    assert [p.name for p in folder.iterdir()] == [SCENARIO.name]  # nothing written next to the scenario
    assert [p.name for p in work.iterdir()] == ["higher-rate.yaml"]  # atomic: no temporary file left


def test_what_ifs_and_records_go_to_out_by_default_and_overwrite_only_when_told(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = Dashboard.from_file(folder / SCENARIO.name, interactive_trials=300, seed=3)
    assert d.save_dir == tmp_path / "out"
    d.controls["discount_rate"].value = 10.0
    first = d.save_whatif("ten-percent")
    assert first == tmp_path / "out" / "ten-percent.yaml"
    assert dk.load_scenario(first).discount_rate == pytest.approx(0.10)
    d.controls["discount_rate"].value = 11.0
    assert d.save_whatif("ten-percent") is None and "already exists" in d.error
    assert dk.load_scenario(first).discount_rate == pytest.approx(0.10)
    assert d.save_whatif("ten-percent", overwrite=True) == first and d.error == ""
    assert dk.load_scenario(first).discount_rate == pytest.approx(0.11)

    record = d.export_record("record.csv")  # a relative name lands in the working folder
    assert record == tmp_path / "out" / "record.csv"
    n = len(pd.read_csv(record))
    d.controls["discount_rate"].value = 12.0
    with pytest.raises(FileExistsError):
        d.export_record("record.csv")
    assert len(pd.read_csv(record)) == n
    d.export_record("record.csv", overwrite=True)
    assert len(pd.read_csv(record)) == n + 1
    exported = d._export_from_button()
    assert exported.parent == tmp_path / "out" and str(exported) in d.status.value
    assert sorted(p.name for p in folder.iterdir()) == [SCENARIO.name]
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left behind


def test_the_scenario_folder_is_refused_as_the_working_folder(folder):
    with pytest.raises(ValueError, match="never next to scenarios"):
        Dashboard.from_file(folder / SCENARIO.name, interactive_trials=300, save_dir=folder)


def test_the_decision_record_grows_and_exports_without_overwriting(dash, tmp_path):
    n = len(dash.record)
    dash.controls["discount_rate"].value = 9.0
    dash.controls["owner"].value = "shared"
    dash.refine()
    assert dash.result.trials == REFINE and "refined" in dash.status.value
    frame = dash.record_frame()
    assert len(frame) == n + 3
    assert list(frame.columns) == ["time", "control", "old", "new", "recommendation", "note"]
    last = frame.iloc[-3:]
    assert list(last.control) == ["discount rate (%)", "ownership model shown", "refine (trials)"]
    assert last.iloc[0].old == 8.0 and last.iloc[0].new == 9.0
    assert all(r.startswith(("Recommend ", "Too close to call at ")) for r in last.recommendation)
    assert all(pd.Timestamp(t).tz is not None for t in last.time)
    out = dash.export_record(tmp_path / "record.csv")
    assert len(pd.read_csv(out)) == len(frame)
    text = out.read_text()
    with pytest.raises(FileExistsError):
        dash.export_record(out)
    assert out.read_text() == text


def test_reset_puts_every_control_back_in_one_update(dash):
    original, n, answer = dash.scenario, len(dash.record), dash.recommendation.value
    dash.controls["discount_rate"].value = 12.0
    dash.controls["horizon"].value = 7
    dash.controls["owner"].value = "it"
    assert dash.recommendation.value != answer
    dash.reset()
    assert dash.scenario == original and dash.controls["owner"].value == "best"
    assert len(dash.record) == n + 4 and dash.record[-1]["control"] == "reset"
    assert dash.recommendation.value == answer and "5 years at 8.0%" in dash.summary.value


ORG = "Organisation (who owns the budget)"
ORG_SLIDERS = ["organisation.it_lead_time_weeks", "organisation.it_queue_months", "organisation.approval_days",
               "organisation.marketing_lead_time_weeks", "organisation.marketing_it_dependency",
               "organisation.change_rate_per_month", "mechanisms.embedded_fte"]


def accordion_titles(d):
    """The section titles of the dashboard's controls, as laid out."""
    found, todo = [], [d.widget]
    while todo:
        w = todo.pop()
        if isinstance(w, ipw.Accordion):
            found.append(list(w.titles))
        todo += list(getattr(w, "children", ()))
    (titles,) = found
    return titles


def without_organisation(tmp_path):
    """The shipped scenario with its 'organisation:' block taken out of the file (owners by constants)."""
    text = SCENARIO.read_text()
    assert "organisation:\n  profile: mid_size_b2b\n" in text
    path = tmp_path / "no_organisation.yaml"
    path.write_text(text.replace("organisation:\n  profile: mid_size_b2b\n", ""))
    return dk.load_scenario(path)


def test_the_organisation_section_is_shown_only_when_the_scenario_states_an_organisation(dash, tmp_path):
    assert ORG in accordion_titles(dash)
    assert dash.controls["profile"].value == "mid_size_b2b"
    assert [v for _, v in dash.controls["profile"].options] == ["regulated_enterprise", "mid_size_b2b",
                                                                "digital_native"]
    assert all(dash.controls[k].value == 1.0 for k in ORG_SLIDERS)
    assert all(dash.inputs[k] == tuple(k.split(".")) for k in ORG_SLIDERS)
    # the note under the sliders names the profile and where its figures come from
    (html,) = [w.value for w in _all_widgets(dash.widget) if "dk-organisation-note" in w._dom_classes]
    assert "mid size b2b" in html and "DORA 2024" in html and "judgement" in html

    plain = without_organisation(tmp_path)
    assert plain.organisation is None and plain.mechanisms is None
    d = Dashboard(plain, interactive_trials=300, save_dir=tmp_path / "out")
    assert ORG not in accordion_titles(d) and "Launch delays and key costs" in accordion_titles(d)
    assert not {"profile", *ORG_SLIDERS} & set(d.controls)


def _all_widgets(root):
    todo, out = [root], []
    while todo:
        w = todo.pop()
        out.append(w)
        todo += list(getattr(w, "children", ()))
    return out


def test_choosing_a_profile_replaces_the_organisation_and_moves_the_answer(dash):
    answer, summary, n = dash.recommendation.value, dash.result.summary(), len(dash.record)
    dash.controls["profile"].value = "regulated_enterprise"
    assert dash.error == ""
    org = dash.scenario.organisation
    assert org.profile == "regulated_enterprise"
    # the regulated enterprise's figures of data/ownership.yaml: IT lead time pert(4, 10, 26) weeks, high sensitivity
    assert (org.it_lead_time_weeks.low, org.it_lead_time_weeks.mode, org.it_lead_time_weeks.high) == (4, 10, 26)
    assert org.data_sensitivity == "high" and (org.stack_size.low, org.stack_size.mode, org.stack_size.high) == (45, 60, 80)
    assert dash.recommendation.value != answer
    assert not np.allclose(dash.result.summary()["npv_mean"], summary["npv_mean"])
    # the same as a scenario file that states the profile, simulated afresh
    fresh = dk.simulate(dk.load_scenario(SCENARIO).replace(organisation={"profile": "regulated_enterprise"}), TRIALS, 3)
    pd.testing.assert_frame_equal(dash.result.summary(), fresh.summary())
    assert dash.record[-1]["control"] == "organisation profile" and dash.record[-1]["new"] == "regulated_enterprise"
    assert len(dash.record) == n + 1
    (html,) = [w.value for w in _all_widgets(dash.widget) if "dk-organisation-note" in w._dom_classes]
    assert "regulated enterprise" in html


def test_a_profile_choice_keeps_nothing_of_the_old_block(tmp_path):
    text = SCENARIO.read_text().replace("  profile: mid_size_b2b\n", "  profile: mid_size_b2b\n  it_queue_months: 7\n")
    path = tmp_path / "stated.yaml"
    path.write_text(text)
    s = dk.load_scenario(path)
    assert s.organisation.it_queue_months.median() == 7
    d = Dashboard(s, path, interactive_trials=300, save_dir=tmp_path / "out")
    (note,) = [w for w in _all_widgets(d.widget) if "dk-organisation-note" in w._dom_classes]
    assert "states its own it queue months" in note.value
    d.controls["profile"].value = "digital_native"
    # digital native's queue is triangular(0, 0.5, 2); F(mode) = 1/4, so its median is
    # high - sqrt((high - low)(high - mode) / 2) = 2 - sqrt(1.5)
    assert d.scenario.organisation.it_queue_months.median() == pytest.approx(2 - np.sqrt(1.5))
    assert "states its own" not in note.value
    d.controls["profile"].value = "mid_size_b2b"  # back at the default: the block as written
    assert d.scenario == s and "states its own it queue months" in note.value


def test_organisation_scale_factors_scale_the_profile_they_apply_to(dash):
    key = "organisation.it_lead_time_weeks"
    # mid_size_b2b: pert(1, 4, 10); x2 is pert(2, 8, 20), whose median is twice the original's
    doubled = TypeAdapter(Distribution).validate_python({"dist": "pert", "low": 2, "mode": 8, "high": 20})
    original = dash.scenario.organisation.it_lead_time_weeks.median()
    dash.controls[key].value = 2.0
    lead = dash.scenario.organisation.it_lead_time_weeks
    assert lead.median() == pytest.approx(2 * original) and lead.median() == pytest.approx(doubled.median())
    assert "what-if: x2" in lead.source
    # with another profile chosen, the factor scales that profile's figure: pert(4, 10, 26) x 2
    dash.controls["profile"].value = "regulated_enterprise"
    lead = dash.scenario.organisation.it_lead_time_weeks
    assert (lead.low, lead.mode, lead.high) == (8, 20, 52)
    dash.controls["mechanisms.embedded_fte"].value = 1.5  # shipped pert(0.5, 1, 1.5)
    fte = dash.scenario.mechanisms.embedded_fte
    assert (fte.low, fte.mode, fte.high) == (0.75, 1.5, 2.25)
    # a share's factor stops where its largest parameter reaches 1 (0.8 x 1.25); past it, a message
    w = dash.controls["organisation.marketing_it_dependency"]
    assert w.max == 1.25
    w.value = 2.0  # regulated: pert(0.3, 0.5, 0.8)
    assert dash.error == "Marketing changes needing IT: 2 is outside 0.25 to 1.25; set to 1.25"
    share = dash.scenario.organisation.marketing_it_dependency
    assert (share.low, share.mode, share.high) == (0.375, 0.625, 1.0)


def test_reset_restores_the_organisation_as_written(dash):
    original, answer, n = dash.scenario, dash.recommendation.value, len(dash.record)
    dash.controls["profile"].value = "digital_native"
    dash.controls["organisation.approval_days"].value = 0.5
    dash.controls["organisation.change_rate_per_month"].value = 2.5
    assert dash.scenario != original
    dash.reset()
    assert dash.scenario == original and dash.recommendation.value == answer
    assert dash.controls["profile"].value == "mid_size_b2b"
    assert dash.controls["organisation.approval_days"].value == 1.0
    assert len(dash.record) == n + 4 and dash.record[-1]["control"] == "reset"  # three changes, one reset
    assert "organisation profile" in dash.record[-1]["old"]
    (html,) = [w.value for w in _all_widgets(dash.widget) if "dk-organisation-note" in w._dom_classes]
    assert "mid size b2b" in html


def test_hidden_charts_are_drawn_when_their_tab_opens(dash):
    dash.controls["discount_rate"].value = 10.0
    hidden = dash.charts[2]
    before = bytes(hidden.image.value)
    dash.chart_tabs.selected_index = 2
    assert bytes(hidden.image.value) != before and bytes(hidden.image.value).lstrip().startswith(b"<?xml")
    assert b"<svg" in bytes(hidden.image.value) and hidden.image.format == "svg+xml"
    dash.chart_tabs.selected_index = 0


def test_a_rate_change_keeps_the_cost_chart_which_it_cannot_move(dash):
    """The cumulative cost is undiscounted: at a new discount rate its picture is kept, not
    drawn again, and it is the picture a fresh figure draws for the new result."""
    from decision_kit.widgets.charts import cost_bands

    chart = dash.charts[0]
    before = bytes(chart.image.value)
    dash.controls["discount_rate"].value = 12.0
    assert bytes(chart.image.value) == before
    fresh = Chart("c", "c", lambda r, ax, o: plots.cumulative_cost(r, owner=o, ax=ax), depends=cost_bands)
    fresh.render(dash.result, dash._owner())
    assert bytes(fresh.image.value) == before
    key = next(k for k in dash.controls if k.startswith("cost."))
    dash.controls[key].value = 1.5  # a cost: the bands move, the picture is drawn again
    assert bytes(chart.image.value) != before


def test_a_reused_figure_draws_the_same_picture_as_a_fresh_one():
    s = dk.load_scenario(SCENARIO)
    a = dk.simulate(s, 300, 1)
    b = dk.simulate(s.replace(discount_rate=0.2), 300, 2)
    draws = [lambda r, ax, o: plots.cumulative_cost(r, owner=o, ax=ax),
             lambda r, ax, o: plots.npv_distributions(r, ax=ax, owner=o),
             lambda r, ax, o: plots.probability_best(r, ax=ax)]
    for draw in draws:
        reused = Chart("c", "c", draw)
        for r, owner in ((a, None), (b, "it"), (a, None)):
            reused.render(r, owner)
        fresh = Chart("c", "c", draw)
        fresh.render(a, None)
        assert bytes(reused.image.value) == bytes(fresh.image.value)


def test_every_control_and_output_has_a_stable_css_class(dash):
    for key, w in dash.controls.items():
        assert "dk-" + key.replace(".", "-") in w._dom_classes, key
    for cls, w in [("dk-recommendation", dash.recommendation), ("dk-summary", dash.summary),
                   ("dk-error", dash.error_box), ("dk-whatifs", dash.comparison), ("dk-refine", dash.refine_button),
                   ("dk-save", dash.save_button), ("dk-dashboard", dash.widget)]:
        assert cls in w._dom_classes
    sliders = [w for k, w in dash.controls.items() if hasattr(w, "continuous_update") and k not in VIEW_CONTROLS]
    assert sliders and all(w.continuous_update is False for w in sliders)


DISTS = [3.5, {"dist": "uniform", "low": 2, "high": 5}, {"dist": "triangular", "low": 1, "mode": 2, "high": 6},
         {"dist": "pert", "low": 1, "mode": 2, "high": 6, "lamb": 3}, {"dist": "normal", "mean": 10, "sd": 2},
         {"dist": "lognormal", "median": 4, "p90": 9}, {"dist": "lognormal", "mean": 4, "sd": 1},
         {"dist": "lognormal", "median": 4, "sigma": 0.5}, {"dist": "discrete", "values": [1, 3], "probs": [0.4, 0.6]},
         {"dist": "quantiles", "p10": 1, "p50": 2, "p90": 4}, {"dist": "pareto", "xm": 1, "alpha": 2.5, "cap": 9},
         {"dist": "mixture", "components": [{"weight": 0.3, "dist": {"dist": "uniform", "low": 0, "high": 1}},
                                             {"weight": 0.7, "dist": 2}]},
         {"dist": "prior", "name": "engineer_cost"}]


@pytest.mark.parametrize("spec", DISTS, ids=lambda d: d if isinstance(d, float) else d["dist"])
def test_scaling_multiplies_every_quantile(spec):
    adapter = TypeAdapter(Distribution)
    d = adapter.validate_python(spec)
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(adapter.validate_python(widgets.scaled(d.model_dump(), 1.7)).ppf(q), 1.7 * d.ppf(q),
                               rtol=1e-9)
    kind = spec if isinstance(spec, float) else spec["dist"]
    if kind in ("lognormal", "pareto", "prior"):  # prior engineer_cost is a lognormal
        with pytest.raises(dk.ScenarioError):
            widgets.shifted(d.model_dump(), 0.02)
    else:
        np.testing.assert_allclose(adapter.validate_python(widgets.shifted(d.model_dump(), 0.02)).ppf(q),
                                   d.ppf(q) + 0.02, rtol=1e-9, atol=1e-12)


def test_the_saved_notebook_shows_a_static_preview_not_a_widget_repr(dash):
    """Issue 17 item 4: where widgets do not run (the committed notebook before Run All,
    GitHub, an HTML export) the dashboard's output is a picture of it: the title, the
    recommendation, the table and the chart, never ``VBox(children=(HTML(value='<style>...``."""
    import base64
    import json

    bundle = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # a live kernel shows the widget
    html = bundle["text/html"]
    assert dash.recommendation.value in html and dash.summary.value in html and "dk-preview" in html
    image = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(image) == bytes(dash.charts[0].image.value)
    assert bundle["text/plain"] == f"Dashboard of {dash.scenario.name}: {dash.result.recommendation()}"
    nb = json.loads((ROOT / "notebooks" / "dashboard.ipynb").read_text())
    (output,) = [o for c in nb["cells"] if "Dashboard.from_file" in "".join(c["source"]) for o in c["outputs"]]
    saved = "".join(output["data"]["text/html"])
    assert "dk-preview" in saved and "Recommend " in saved and "<table" in saved and "image/svg+xml" in saved
    assert not "".join(output["data"]["text/plain"]).startswith("VBox(")
