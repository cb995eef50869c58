"""What the dashboard reuses between updates leaves every number on screen as it was (issue 17
item 3): after a sequence of control changes, the page (the recommendation, the summary table,
the stakeholders' view, the notes and every chart's picture, byte for byte) is the page a new
dashboard built directly at the final values shows."""

import io
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

import decision_kit as dk
from decision_kit import plots
from decision_kit.widgets import Dashboard, charts

ROOT = Path(__file__).resolve().parents[1]
TRIALS, SEED = 300, 3
SHOWN = ("recommendation", "summary", "stakeholders", "rankings", "notes")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    for name in ("marketing_automation", "analytics_stack"):
        shutil.copy(ROOT / "scenarios" / f"{name}.yaml", folder / f"{name}.yaml")
    return folder


def _page(dash: Dashboard) -> dict:
    """Everything the dashboard shows from its numbers (the status line's timing left out),
    with every chart drawn by opening its tab."""
    page = {name: getattr(dash, name).value for name in SHOWN}
    for i, chart in enumerate(dash.charts):
        dash.chart_tabs.selected_index = i
        page[f"chart {chart.key}"] = bytes(chart.image.value)
    dash.chart_tabs.selected_index = 0
    return page


def _changes(dash: Dashboard) -> list[tuple[str, object]]:
    """A planning session's changes of every kind: a new plan and draws (horizon, a cost line,
    a driver), the plan and draws kept (the rate), nothing simulated (owner shown, weights, the
    risk tolerance), charts on other tabs between them."""
    c = dash.controls
    cost = next(k for k in c if k.startswith("cost."))
    driver = next(k for k in c if k.startswith("driver_start."))
    steps: list[tuple[str, object]] = [
        ("horizon", c["horizon"].value + 2),
        ("discount_rate", 11.5),
        ("tab", 1),
        (cost, 1.5),
        ("owner", "it"),
        ("discount_rate", 6.0),
        ("tab", 0),
        (driver, 1.3),
        ("owner", "best"),
        ("risk_tolerance", "2M"),
        ("horizon", c["horizon"].value + 1),
        (cost, 1.25),
        ("owner", "marketing"),
    ]
    weight = next((k for k in c if k.startswith("weight.")), None)
    if weight is not None:
        steps.insert(6, (weight, 0.8))
    return steps


@pytest.mark.parametrize("name", ["marketing_automation", "analytics_stack"])
def test_after_a_session_of_changes_the_page_is_that_of_a_new_dashboard_at_the_final_values(name, folder, tmp_path):
    dash = Dashboard.from_file(folder / f"{name}.yaml", interactive_trials=TRIALS, seed=SEED, save_dir=tmp_path)
    runs = set()
    for key, value in _changes(dash):
        if key == "tab":
            dash.chart_tabs.selected_index = value
        else:
            dash.controls[key].value = value
        assert dash.error == "", (key, value, dash.error)
        runs.add(dash._runs.last)
    assert {"rate", "new", "reused"} <= runs  # every kind of reuse happened on the way
    fresh = Dashboard(dash.scenario.replace(), interactive_trials=TRIALS, seed=SEED, save_dir=tmp_path)  # own plan
    fresh.controls["owner"].value = dash.controls["owner"].value
    after, direct = _page(dash), _page(fresh)
    assert after.keys() == direct.keys()
    for part in after:
        assert after[part] == direct[part], part
    assert "If marketing owns the budget" in after["summary"]


def test_a_change_of_the_owner_shown_writes_the_recommendation_without_making_it_again(folder, tmp_path, monkeypatch):
    dash = Dashboard.from_file(folder / "marketing_automation.yaml", interactive_trials=TRIALS, seed=SEED,
                               save_dir=tmp_path)  # fmt: skip
    made = []
    real = dk.Result.recommendation
    monkeypatch.setattr(dk.Result, "recommendation", lambda self: made.append(1) or real(self))
    text = dash.recommendation.value
    dash.controls["owner"].value = "it"
    assert made == [] and dash.recommendation.value == text
    dash.controls["discount_rate"].value = 12.0  # a new result: made again, once
    assert made == [1] and dash.recommendation.value != text


def _plain_svg(result, owner) -> bytes:
    """The cumulative-cost picture from a new matplotlib figure (its own text measurer)."""
    with matplotlib.rc_context(charts._RC):
        fig = Figure(figsize=(10, 4.8), dpi=80)
        FigureCanvasSVG(fig)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=0.14, top=0.9)
        plots.cumulative_cost(result, owner=owner, ax=fig.add_subplot())
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def test_kept_text_sizes_and_a_refilled_drawing_draw_the_picture_a_new_figure_draws():
    """The chart keeps matplotlib's text measurements between drawings, and moves the kept
    cumulative-cost drawing to new numbers in place (other horizons, owners, a currency); the
    pictures are byte for byte those of a new figure, whose renderer measures everything afresh.
    Another set of options is drawn anew."""
    s = dk.load_scenario(ROOT / "scenarios" / "analytics_stack.yaml")
    other = dk.load_scenario(ROOT / "scenarios" / "marketing_automation.yaml")
    results = [dk.simulate(s, 300, 1), dk.simulate(s.replace(horizon_years=14, currency="EUR"), 300, 2),
               dk.simulate(s.replace(horizon_years=9), 300, 3), dk.simulate(other, 300, 1)]  # fmt: skip
    refilled = []

    def refill(r, ax, owner):
        refilled.append(charts.refill_cumulative_cost(r, ax, owner))
        return refilled[-1]

    chart = charts.Chart("c", "c", lambda r, ax, o: plots.cumulative_cost(r, owner=o, ax=ax), refill=refill)
    steps = [(0, None), (2, "it"), (0, "marketing"), (2, None), (1, None), (1, "shared"), (3, None), (0, "it")]
    for i, owner in steps:
        chart.render(results[i], owner)
        assert bytes(chart.image.value) == _plain_svg(results[i], owner), (i, owner)
    # drawn anew: the first time, at a new currency, for other options and back to the first ones
    assert refilled == [False, True, True, True, False, True, False, False]
    assert charts._TEXT_SIZES._sizes  # the sizes were kept, and read by the later drawings


@pytest.mark.parametrize("name", ["analytics_stack", "customer_data_platform", "marketing_automation",
                                  "webinar_platform"])  # fmt: skip
def test_a_new_horizon_reuses_the_input_draws_and_matches_a_fresh_simulation(name, monkeypatch):
    """Issue 17 item 3: a new plan at another horizon draws the same inputs once per trial from
    the same generator state, so the dashboard's runs reuse those draws and draw only the risk
    events (and inputs drawn per year) again; a new cost scale draws everything. Each result is
    a fresh ``simulate`` of its scenario, bit for bit."""
    from decision_kit import kept_draws, sampling
    from decision_kit.widgets.runs import Runs

    s = dk.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    made = []
    monkeypatch.setattr(kept_draws, "plan_inputs", lambda *a: made.append(1) or sampling.plan_inputs(*a))
    runs = Runs(300, 4)
    current = runs.first(s)
    cost = next(iter(s.options.values())).costs
    line = next(k for k, v in cost.items() if not v.amount.is_fixed())
    option = next(iter(s.options))
    scaled = s.model_dump(by_alias=True)
    amount = scaled["options"][option]["costs"][line]["amount"]
    scaled["options"][option]["costs"][line]["amount"] = _scaled(amount, 1.5)
    longer = [s.replace(horizon_years=s.horizon_years + k) for k in (1, 3, 2)]
    steps = [
        (longer[0], 0),
        (longer[1], 0),
        (dk.loading.validate(scaled, type(s), "<test>"), 1),
        (s, 1),
        (longer[2], 0),
    ]
    for scenario, drawn in steps:
        before = len(made)
        current, simulated = runs.run(scenario, current)
        assert simulated and runs.last == "new"
        assert len(made) - before == drawn, scenario.horizon_years
        fresh = dk.simulate(scenario.replace(), 300, 4)  # an equal scenario object: its own plan, nothing kept
        for key in fresh.metrics:
            np.testing.assert_array_equal(current.metrics[key], fresh.metrics[key], err_msg=key)
        np.testing.assert_array_equal(current.band_cost, fresh.band_cost)
        np.testing.assert_array_equal(current.band_net, fresh.band_net)


def _scaled(amount, factor):
    from decision_kit.widgets.controls import scaled

    return scaled(amount, factor)
