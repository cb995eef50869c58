"""The dashboard itself: :class:`Dashboard`, for one scenario in a planning session.

It builds the controls (:mod:`~decision_kit.widgets.controls`), the outputs and the charts
(:mod:`~decision_kit.widgets.charts`), lays them out, reacts to each change by building,
validating and simulating the adjusted scenario (:mod:`~decision_kit.widgets.session`),
writes the recommendation and the tables (:mod:`~decision_kit.widgets.markup`), and keeps the
saved what-ifs and the decision record. The steps of a change are described in
:mod:`decision_kit.widgets`.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as widgets

from .. import loading, mcda, plots
from ..distributions import parse_number
from ..errors import ScenarioError
from ..formatting import money, percent
from ..results import Result
from ..schema import Scenario
from ..simulation import simulate
from .adapt import fit_horizon, group_aggregation, plain_message, stakeholders_html, tail_note
from .charts import Chart, cost_bands, refill_cumulative_cost
from .controls import Control, can_shift, get_path, key_cost_line, scaled, set_path, shifted, slider, tidy
from .layout import arrange, preview, shown
from .markup import css_class, escape, owner_label, recommendation_html, summary_table, words
from .organisation import ORGANISATION_SECTION, add_organisation_controls
from .runs import LastViews, Runs
from .session import DEFAULT_SAVE_DIR, REFINE_TRIALS, default_interactive_trials
from .stages import StagesPanel

log = logging.getLogger(__name__)


class Dashboard:
    """Controls, charts and the recommendation for one scenario, for a planning session.

    Parameters
    ----------
    scenario : the scenario to explore (left unchanged; every change builds a new one).
    path : the scenario's file, if any (read only: nothing is written next to it).
    interactive_trials : trials per update (default :func:`default_interactive_trials`).
    refine_trials : trials of the "Refine" button (default :data:`REFINE_TRIALS`).
    seed : the seed of every simulation (the same for every update).
    save_dir : the working folder what-ifs and records go to (default: ``out/`` in the
        working directory, made when the first file is written). Never the scenario's own
        folder: that raises ValueError.

    Attributes
    ----------
    widget : the top-level ipywidgets box (displaying the dashboard displays it).
    controls : dict, control name -> widget. Names: ``horizon``, ``discount_rate`` (percent),
        ``risk_tolerance`` (text such as ``5M``), ``owner`` (view), ``driver_start.<driver>``
        and ``launch.<option>`` and ``cost.<option>`` (scale factors), ``driver_growth.<driver>``
        (percentage points added), ``profile``, ``organisation.<field>`` and ``mechanisms.embedded_fte``
        (scale factors; :mod:`~decision_kit.widgets.organisation`), ``stakeholder`` (view),
        ``weight.<stakeholder>.<criterion>``, ``whatif_name``. Each widget has the CSS class
        ``dk-<name>`` (dots become dashes); a slider's box to type its value in has ``dk-<name>-typed``.
    record : list of dicts, one per change: ``time`` (UTC, ISO 8601), ``control``, ``old``,
        ``new``, ``recommendation`` (after the change) and ``note`` (an error, a saved file).
    whatifs : list of dicts, one per saved what-if: ``name``, ``path``, ``scenario`` (as
        saved), ``result`` (the simulation on show when it was saved), ``trials``, ``best``
        (the best cell), ``expected_npv`` and ``p_best`` of that cell.
    """

    def __init__(self, scenario: Scenario, path=None, *, interactive_trials: int | None = None,
                 refine_trials: int = REFINE_TRIALS, seed: int = 1, save_dir=None):
        self._original = scenario
        self.path = Path(path) if path is not None else None
        self.save_dir = Path(save_dir) if save_dir is not None else Path.cwd() / DEFAULT_SAVE_DIR
        if self.path is not None and self.save_dir.resolve() == self.path.resolve().parent:
            raise ValueError(f"save_dir {self.save_dir} holds the scenario {self.path.name}: what-ifs and decision "
                             f"records go to a working folder such as {DEFAULT_SAVE_DIR}/, never next to scenarios")
        self.interactive_trials = interactive_trials or default_interactive_trials(scenario)
        self.refine_trials = refine_trials
        self.seed = seed
        self.record: list[dict] = []
        self.whatifs: list[dict] = []
        self._scenario = scenario
        self._runs = Runs(self.interactive_trials, seed)  # reuses the plan and the draws between updates
        self._views = LastViews(lambda r: (r.recommendation(), *self._stakeholders_html(r)))  # once per result
        self._result = self._runs.first(scenario)
        self._baseline = self._result
        self._invalid = ""
        self._holding = False  # True while reset() moves several controls
        self._run = 0  # serial number of the simulation behind the outputs
        self._recommendation_text = ""
        self._build_outputs()
        self.stages = StagesPanel(lambda: self._scenario, seed=seed)  # on demand: fitting rules takes seconds
        self._controls: dict[str, Control] = {}
        self._build_controls()
        self.widget = self._layout()
        self.comparison.value = self._comparison_html()
        self._refresh(time.perf_counter())

    @classmethod
    def from_file(cls, path, **kwargs) -> Dashboard:
        """Load a scenario file (see :func:`decision_kit.loading.load_scenario`) and build its dashboard."""
        return cls(loading.load_scenario(path), path, **kwargs)

    # -- public state ---------------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        """The adjusted scenario behind the outputs (the last valid one)."""
        return self._scenario

    @property
    def result(self) -> Result:
        return self._result

    @property
    def controls(self) -> dict[str, widgets.ValueWidget]:
        return {**{k: c.widget for k, c in self._controls.items()}, "whatif_name": self._whatif_name}

    @property
    def inputs(self) -> dict[str, tuple | None]:
        """Control name -> field path of the scenario input it writes (None for a view control)."""
        return {k: c.path for k, c in self._controls.items()}

    @property
    def error(self) -> str:
        """The message on show in the ``dk-error`` box ('' when none)."""
        return self._error_text

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget, and where widgets do not run (a saved notebook before Run All, GitHub, an
        HTML export) a static preview instead of the widget's repr (:func:`~.layout.preview`)."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        chart = self.charts[0]
        chart.render(self._result, self._owner())  # kept if already drawn from the same numbers
        bundle["text/html"] = preview(self.title.value, self.recommendation.value, self.summary.value,
                                      bytes(chart.image.value))
        bundle["text/plain"] = f"Dashboard of {self._scenario.name}: {self._recommendation_text}"
        return bundle

    # -- outputs --------------------------------------------------------------------------
    def _build_outputs(self):
        def box(cls):
            w = widgets.HTML(layout=widgets.Layout(width="calc(100% - 4px)"))  # inside its 2px margins
            w.add_class(cls)
            return w

        s = self._original
        self.title = box("dk-title")
        self.title.value = (f"<h1>{escape(s.name)}</h1><p>{len(s.options)} options x {len(s.owners)} "
                            f"ownership models, decided in {s.start_year}, money in {s.currency}. Move a control "
                            "or type a value: the answer, the table and the chart follow.</p>")
        self.recommendation = box("dk-recommendation")
        self.stakeholders = box("dk-stakeholders")
        self.rankings = box("dk-rankings")
        self.error_box = box("dk-error")
        self._error_text = self._pending = ""
        self.notes = box("dk-notes")  # what the scenario adapted (lines dropped), heavy tails
        self._dropped: list[str] = []
        self.status = box("dk-status")
        self.summary = box("dk-summary")
        self.comparison = box("dk-whatifs")
        self.charts = [
            Chart("cumulative_cost", "Cumulative cost",
                   lambda r, ax, owner: plots.cumulative_cost(r, owner=owner, ax=ax), depends=cost_bands,
                   refill=refill_cumulative_cost),  # the drawing kept, its numbers moved
            Chart("npv", "Net value (NPV)", lambda r, ax, owner: plots.npv_distributions(r, ax=ax, owner=owner),
                   rc={"legend.loc": "upper right"}),
            Chart("p_best", "Chance each is best", lambda r, ax, owner: plots.probability_best(r, ax=ax),
                   figsize=(8.5, 5.6), rc={"xtick.labelsize": 12, "ytick.labelsize": 12},
                   margins={"left": 0.14, "right": 0.95, "bottom": 0.08, "top": 0.92}),
        ]
        pages, titles = [c.image for c in self.charts], [c.title for c in self.charts]
        if self._original.stakeholders:
            pages, titles = pages + [self.rankings], titles + ["Stakeholders"]
        self.chart_tabs = widgets.Tab(children=pages, titles=titles)
        self.chart_tabs.add_class("dk-charts")
        self.chart_tabs.observe(self._on_tab, "selected_index")
        self.refine_button = widgets.Button(description=f"Refine ({self.refine_trials:,} trials)",
                                            button_style="primary",
                                            layout=widgets.Layout(width="200px", flex="0 0 auto"))
        self.refine_button.add_class("dk-refine")
        self.refine_button.on_click(lambda _: self.refine())
        self.reset_button = widgets.Button(description="Reset", tooltip="Every control back to the scenario as written",
                                           layout=widgets.Layout(width="100px", flex="0 0 auto"))
        self.reset_button.add_class("dk-reset")
        self.reset_button.on_click(lambda _: self.reset())
        self.save_button = widgets.Button(description="Save what-if", button_style="success")
        self.save_button.add_class("dk-save")
        self.save_button.on_click(lambda _: self.save_whatif())
        self.export_button = widgets.Button(description="Export decision record")
        self.export_button.add_class("dk-export-record")
        self.export_button.on_click(lambda _: self._export_from_button())

    # -- controls -------------------------------------------------------------------------
    def _add(self, key, widget, label, default, path=None, write=None) -> Control:
        widget.add_class(css_class(key))
        widget.add_class("dk-control")
        control = Control(key, widget, label, default, path, write)
        self._controls[key] = control
        if hasattr(widget, "on_refused"):  # a typed value outside the range: kept in range, and said
            widget.on_refused = lambda typed, kept, w=widget: self._refused(w, typed, kept)
        widget.observe(lambda change, key=key: self._on_change(key, change["old"], change["new"]), "value")
        return control

    def _build_controls(self):
        s = self._original
        self._sections: dict[str, list] = {"Money and time": [], "Volumes and growth": [],
                                           "Launch delays and key costs": [], ORGANISATION_SECTION: [],
                                           "Stakeholder priorities": [], "What-ifs and record": []}

        def add(section, key, widget, label, path=None, write=None):
            self._add(key, widget, label, widget.value, path, write)
            self._sections[section].append(shown(widget))  # a slider with a box to type its value in

        horizon_max = max(30, s.horizon_years)
        add("Money and time", "horizon", slider("Horizon (years)", s.horizon_years, 1, horizon_max, 1, "d",
                                                 widgets.IntSlider), "horizon (years)", ("horizon_years",),
            lambda d, v: set_path(d, ("horizon_years",), v))
        rate = round(s.discount_rate * 100, 2)
        add("Money and time", "discount_rate",
            slider("Discount rate (%)", rate, min(0.0, rate), max(25.0, rate), 0.5, ".1f"),
            "discount rate (%)", ("discount_rate",), lambda d, v: set_path(d, ("discount_rate",), tidy(v / 100)))
        rt = "" if s.risk_tolerance is None else money(s.risk_tolerance, "")
        add("Money and time", "risk_tolerance",
            widgets.Text(value=rt.replace(".00", ""), description=f"Risk tolerance ({s.currency})",
                         placeholder="e.g. 5M; empty: default", continuous_update=False,
                         style={"description_width": "55%"}, layout=widgets.Layout(width="98%")),
            "risk tolerance", ("risk_tolerance",), self._write_risk_tolerance)
        owners = [("owner of the best cell", "best")] + [(owner_label(o), o) for o in self._result.layout.owners]
        add("Money and time", "owner",
            widgets.Dropdown(options=owners, value="best", description="Charts and table for owner",
                             style={"description_width": "55%"}, layout=widgets.Layout(width="98%")),
            "ownership model shown")

        scale_note = "<i>Scale factors: 1.00 is the scenario as written; 1.20 is 20% more.</i>"
        self._sections["Volumes and growth"].append(widgets.HTML(
            scale_note + " <i>Growth: percentage points a year added to the driver's growth.</i>"))
        self._sections["Launch delays and key costs"].append(widgets.HTML(
            scale_note + " <i>Costs: each option's largest recurring cost line.</i>"))
        for name, driver in s.drivers.items():
            path = ("drivers", name, "start")
            add("Volumes and growth", f"driver_start.{name}",
                slider(f"{words(name)}: level", 1.0, 0.25, 3.0, 0.05, tooltip=driver.unit),
                f"{words(name)} start level (x)", path, lambda d, v, p=path: set_path(d, p, scaled(get_path(d, p), v)))
            path = ("drivers", name, "growth")
            w = slider(f"{words(name)}: growth (+pts)", 0.0, -10.0, 10.0, 0.5, ".1f")
            w.disabled = not can_shift(driver.growth)
            add("Volumes and growth", f"driver_growth.{name}", w, f"{words(name)} growth (+ points a year)", path,
                lambda d, v, p=path: set_path(d, p, shifted(get_path(d, p), v / 100)))

        self.cost_lines: dict[str, str] = {}
        for name, option in s.options.items():
            if not (option.launch_months.is_fixed() and option.launch_months.median() == 0):
                path = ("options", name, "launch_months")
                add("Launch delays and key costs", f"launch.{name}",
                    slider(f"{words(name)}: launch delay", 1.0, 0.25, 3.0, 0.05), f"{words(name)} launch delay (x)",
                    path, lambda d, v, p=path: set_path(d, p, scaled(get_path(d, p), v)))
        for name in s.options:
            line = key_cost_line(s, name)
            if line is None:
                continue
            self.cost_lines[name] = line
            path = ("options", name, "costs", line, "amount")
            add("Launch delays and key costs", f"cost.{name}",
                slider(f"{words(name)}: {words(line)}", 1.0, 0.25, 3.0, 0.05),
                f"{words(name)} {words(line)} cost (x)", path,
                lambda d, v, p=path: set_path(d, p, scaled(get_path(d, p), v)))
        self._sections[ORGANISATION_SECTION] += add_organisation_controls(s, add)  # when the scenario states one
        self._build_weight_controls(s, add)

        name_box = widgets.Text(value="", description="What-if name", placeholder="e.g. faster-launch",
                                style={"description_width": "55%"}, layout=widgets.Layout(width="98%"))
        name_box.add_class(css_class("whatif_name"))
        self._whatif_name = name_box
        self._sections["What-ifs and record"] += [
            name_box, widgets.HBox([self.save_button, self.export_button], layout=widgets.Layout(flex_flow="row wrap"))]

    def _build_weight_controls(self, s: Scenario, add) -> None:
        """The stakeholder priorities: one weight slider per stakeholder and criterion, shown
        for the stakeholder the dropdown names."""
        self.weight_boxes: dict[str, widgets.VBox] = {}
        if s.stakeholders:
            sw = self._quiet(lambda: mcda.stakeholder_weights(s))
            names = list(sw.individual.index)
            add("Stakeholder priorities", "stakeholder",
                widgets.Dropdown(options=names, value=names[0], description="Weights of",
                                 style={"description_width": "55%"}, layout=widgets.Layout(width="98%")),
                "stakeholder shown")
            note = widgets.HTML("<i>Relative weights; each stakeholder's are normalised to sum to 1.</i>")
            self._sections["Stakeholder priorities"].append(note)
            for who in names:
                sliders = []
                for crit in sw.individual.columns:
                    key = f"weight.{who}.{crit}"
                    w = slider(words(crit), round(float(sw.individual.loc[who, crit]), 2), 0.0, 1.0, 0.01)
                    self._add(key, w, f"{who} weight of {words(crit)}", w.value,
                              ("stakeholders", who, "weights", crit),
                              lambda d, v, who=who: self._write_weights(d, who))
                    sliders.append(shown(w))
                self.weight_boxes[who] = widgets.VBox(sliders, layout=widgets.Layout(width="100%"))
            self.weight_area = widgets.VBox([self.weight_boxes[names[0]]], layout=widgets.Layout(width="100%"))
            self._sections["Stakeholder priorities"].append(self.weight_area)

    def _write_risk_tolerance(self, data: dict, text: str) -> None:
        text = text.strip()
        if not text:
            data["risk_tolerance"] = None
            return
        value = parse_number(text)
        if not isinstance(value, float):
            raise ScenarioError(f"risk tolerance '{text}' is not an amount: write a number such as 5M or 750k, "
                                "or leave it empty for the default")
        data["risk_tolerance"] = value

    def _write_weights(self, data: dict, who: str) -> None:
        weights = {}
        for key, c in self._controls.items():
            if key.startswith(f"weight.{who}.") and c.widget.value > 0:
                weights[key.rsplit(".", 1)[1]] = tidy(c.widget.value)
        entry = {k: v for k, v in data["stakeholders"][who].items() if k != "ahp"}  # role, estimates stay
        data["stakeholders"][who] = {**entry, "weights": weights}

    # -- layout ---------------------------------------------------------------------------
    def _layout(self) -> widgets.Box:
        buttons = widgets.HBox([self.refine_button, self.reset_button, self.status])
        buttons.add_class("dk-buttons")
        return arrange(self.title, [self.recommendation, self.stakeholders, self.error_box, self.notes], buttons,
                       self._sections, [self.summary, self.chart_tabs, self.comparison, self.stages.widget])

    # -- changes --------------------------------------------------------------------------
    def _on_change(self, key: str, old, new) -> None:
        if self._holding:
            return
        start = time.perf_counter()
        note = ""
        try:
            if key == "stakeholder":  # shows another stakeholder's sliders; no output changes
                self.weight_area.children = [self.weight_boxes[new]]
            else:
                if self._controls[key].path is not None:
                    self._update_scenario()
                self._refresh(start)
            self._show_error(self._invalid or self._pending)  # a stale message goes
        except Exception as exc:  # every failure becomes a message in the dashboard
            note = self._invalid = self._fail(exc)
        note, self._pending = note or self._pending, ""
        self._log(self._controls[key].label, old, new, note)

    def reset(self) -> None:
        """Put every control back to the scenario as written: one update, one record entry."""
        changed = [c for c in self._controls.values() if c.widget.value != c.default]
        if not changed:
            return
        start = time.perf_counter()
        self._holding = True
        try:
            for c in changed:
                c.widget.value = c.default
        finally:
            self._holding = False
        if "stakeholder" in self._controls:
            self.weight_area.children = [self.weight_boxes[self._controls["stakeholder"].widget.value]]
        note = ""
        try:
            self._update_scenario()
            self._refresh(start)
        except Exception as exc:
            note = self._invalid = self._fail(exc)
        self._log("reset", ", ".join(c.label for c in changed), "as written", note)

    def _update_scenario(self) -> None:
        """Build the scenario from the original and every control; simulate it if the
        simulation reads anything that changed. Raises ScenarioError for invalid values."""
        data = self._original.model_dump(mode="python", by_alias=True)
        for c in self._controls.values():
            if c.write is not None and c.widget.value != c.default:
                c.write(data, c.widget.value)
        # loading's validation: the model's checks plus cross-references (a one-off cost
        # beyond a shortened horizon), as one ScenarioError naming each field
        # lines dated beyond a shortened horizon are dropped (and named in a note), so that
        # shortening it never leaves the dashboard stuck; they return as it grows again
        scenario, self._dropped = fit_horizon(data, lambda d: loading.validate(d, Scenario, "<dashboard>"))
        result, simulated = self._runs.run(scenario, self._result)  # reusing what the change left valid
        self._run += simulated
        self._scenario, self._result = scenario, result
        self.stages.clear()
        self._invalid = ""
        self._show_error("")

    def refine(self) -> None:
        """Rerun the current scenario at :attr:`refine_trials` trials (until the next change)."""
        start = time.perf_counter()
        old = self._result.trials
        note = ""
        try:
            if self._invalid:
                raise ScenarioError("fix the invalid value first (" + self._invalid.removeprefix("Not updated: ") + ")")
            self.status.value = f"Refining at {self.refine_trials:,} trials..."
            self._result = simulate(self._scenario, self.refine_trials, self.seed)
            self._run += 1
            self._refresh(start)
            self._show_error("")
        except Exception as exc:
            note = self._fail(exc, "Not refined")
        self._log("refine (trials)", old, self._result.trials, note)

    def _on_tab(self, change) -> None:
        if change["new"] is None:
            return
        try:
            if change["new"] < len(self.charts):  # the last tab may be the stakeholders' tables
                self._draw_chart(self.charts[change["new"]])
        except Exception as exc:
            self._fail(exc, "Chart not drawn")

    # -- drawing --------------------------------------------------------------------------
    def _owner(self) -> str | None:
        owner = self._controls["owner"].widget.value
        return None if owner == "best" else owner

    def _draw_chart(self, chart: Chart) -> None:
        """Draw ``chart`` unless it already shows the current simulation and owner."""
        if chart.drawn != (self._run, self._owner()):
            chart.render(self._result, self._owner())
            chart.drawn = (self._run, self._owner())

    def _refresh(self, start: float) -> None:
        """Redraw the text outputs and the visible chart from the current result."""
        r = self._result
        self._recommendation_text, self.stakeholders.value, self.rankings.value = self._views.of(r)
        self.recommendation.value = recommendation_html(self._recommendation_text)
        self.summary.value = self._summary_html(r)
        self.notes.value = self._notes_html(r)
        if (self.chart_tabs.selected_index or 0) < len(self.charts):
            self._draw_chart(self.charts[self.chart_tabs.selected_index or 0])
        ms = (time.perf_counter() - start) * 1e3
        kind = ("refined" if r.trials >= self.refine_trials else
                f"interactive; Refine runs {self.refine_trials:,}")
        self.status.value = f"{r.trials:,} trials ({kind}), seed {r.seed}. Updated in {ms:,.0f} ms."

    def _stakeholders_html(self, r: Result) -> tuple[str, str]:
        return self._quiet(lambda: stakeholders_html(r))

    def _summary_html(self, r: Result) -> str:
        return summary_table(r, self._owner())

    def _notes_html(self, r: Result) -> str:
        """What the scenario adapted to the controls, and any heavy tail of the cells on show."""
        out = ""
        if self._dropped:
            out += (f"<p class=\"dk-dropped\">Horizon of {r.scenario.horizon_years} years: left out, as dated beyond "
                    f"it: {escape('; '.join(self._dropped))}. They return when the horizon reaches them.</p>")
        if r.scenario.stakeholders and self._quiet(lambda: group_aggregation(r.scenario)) == "arithmetic":
            out += ("<p class=\"dk-arithmetic\">No criterion is weighted by every stakeholder, so the group weights "
                    "are the average of everyone's (their geometric mean would be zero everywhere).</p>")
        return out + tail_note(r, self._owner() or r.best_cell[1])

    def _comparison_html(self) -> str:
        rows = [("original", self.path.name if self.path else "", self._baseline)]
        rows += [(w["name"], w["path"].name, w["result"]) for w in self.whatifs]
        body = []
        for name, file, r in rows:
            s = r.summary()
            cell = r.best_cell
            body.append(f"<tr><td>{escape(name)}</td><td>{escape(file)}</td><td>{r.trials:,}</td>"
                        f"<td>{escape(cell[0])} / {escape(owner_label(cell[1]))}</td>"
                        f"<td>{money(s.loc[cell, 'npv_mean'], r.scenario.currency)}</td>"
                        f"<td>{percent(s.loc[cell, 'p_best'])}</td></tr>")
        return ("<h3>Saved what-ifs</h3><table class=\"dk-table\"><tr><th>what-if</th><th>file</th><th>trials</th>"
                "<th>best cell</th><th>expected NPV</th><th>chance best</th></tr>" + "".join(body) + "</table>")

    # -- messages and record --------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self._error_text = message
        self.error_box.value = f'<div class="dk-message">{escape(message)}</div>' if message else ""

    def _fail(self, exc: Exception, what: str = "Not updated") -> str:
        """Show ``exc`` as a plain message in the ``dk-error`` box (never a traceback); return it."""
        if isinstance(exc, ScenarioError):
            text = plain_message(exc, {".".join(map(str, c.path)): c.widget.description or c.label
                                       for c in self._controls.values() if c.path})
        elif isinstance(exc, (ValueError, OSError)):
            text = str(exc)
        else:
            log.exception("dashboard update failed")
            text = f"unexpected {type(exc).__name__}: {exc}"
        message = f"{what}: {text}"
        self._show_error(message)
        return message

    def _refused(self, widget, typed, kept) -> None:
        """A value typed outside ``widget``'s range: say so (it is kept at ``kept``)."""
        message = f"{widget.description}: {typed:g} is outside {widget.min:g} to {widget.max:g}; set to {kept:g}"
        self._show_error(message)
        if kept != widget.value:  # the change that follows records it
            self._pending = message
        else:
            self._log(widget.description, typed, kept, message)

    def _log(self, control: str, old, new, note: str = "") -> None:
        self.record.append({"time": datetime.now(UTC).isoformat(timespec="seconds"),
                            "control": control, "old": old, "new": new,
                            "recommendation": self._recommendation_text, "note": note})

    def record_frame(self):
        """The decision record as a DataFrame (columns: time, control, old, new, recommendation, note)."""
        import pandas as pd

        return pd.DataFrame(self.record, columns=["time", "control", "old", "new", "recommendation", "note"])

    def export_record(self, path, *, overwrite: bool = False) -> Path:
        """Write the decision record as CSV, atomically; an existing file raises FileExistsError
        unless ``overwrite``. A relative ``path`` is taken inside :attr:`save_dir`."""
        return loading.write_text_atomic(self.save_dir / path, self.record_frame().to_csv(index=False),
                                         overwrite=overwrite)

    def _export_from_button(self) -> Path | None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        stem = self.path.stem if self.path else "dashboard"
        try:
            path = self.export_record(f"{stem}-decision-record-{stamp}.csv")
        except OSError as exc:  # FileExistsError included
            self._fail(exc, "Record not exported")
            return None
        self.status.value = f"Decision record written to {path}."
        return path

    # -- what-ifs -------------------------------------------------------------------------
    def _whatif_path(self, name: str) -> Path:
        name = name.strip()
        if not name:
            raise ScenarioError("type a name for the what-if first")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]*", name):
            raise ScenarioError(f"what-if name '{name}' must be a plain file name (letters, digits, space, _ . -)")
        if not name.endswith((".yaml", ".yml")):
            name += ".yaml"
        path = self.save_dir / name
        if self.path is not None and path.name == self.path.name:  # it would pass for the original
            raise ScenarioError(f"{name} is the original scenario's file name; choose another name")
        return path

    def whatif_scenario(self, name: str) -> Scenario:
        """The current scenario as a what-if: renamed, its description listing the changed controls."""
        changes = [f"{c.label} {c.default} -> {c.widget.value}" for c in self._controls.values()
                   if c.write is not None and c.widget.value != c.default]
        note = (f"What-if '{name}' saved from the dashboard on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
                f" from {self.path.name if self.path else 'an unsaved scenario'}: "
                + ("; ".join(changes) if changes else "no changes") + ".")
        base = self._scenario.description
        return self._scenario.replace(name=f"{self._scenario.name} (what-if: {name})",
                                      description=f"{base}\n\n{note}" if base else note)

    def save_whatif(self, name: str | None = None, *, overwrite: bool = False) -> Path | None:
        """Save the current scenario as ``<name>.yaml`` in :attr:`save_dir` (atomically) and add
        it to the comparison table. An existing file is replaced only with ``overwrite``; without
        it (and for an invalid name or control value) the dashboard shows a message and this
        returns None."""
        label = (self._whatif_name.value if name is None else name).strip()
        try:
            if self._invalid:
                raise ScenarioError("fix the invalid value first (" + self._invalid.removeprefix("Not updated: ") + ")")
            path = self._whatif_path(label)
            scenario = self.whatif_scenario(label.removesuffix(".yaml").removesuffix(".yml"))
            loading.save(scenario, path, overwrite=overwrite)
        except FileExistsError:
            message = self._fail(ScenarioError(f"{path.name} already exists in {self.save_dir}; choose another "
                                               "name (what-ifs never overwrite a file)"), "Not saved")
            self._log("save what-if", "", label, message)
            return None
        except (ScenarioError, OSError) as exc:
            self._log("save what-if", "", label, self._fail(exc, "Not saved"))
            return None
        s = self._result.summary()
        cell = self._result.best_cell
        self.whatifs.append({"name": label, "path": path, "scenario": scenario, "result": self._result,
                             "trials": self._result.trials, "best": cell,
                             "expected_npv": float(s.loc[cell, "npv_mean"]), "p_best": float(s.loc[cell, "p_best"])})
        self._show_error("")
        self.comparison.value = self._comparison_html()
        self.status.value = f"Saved {path}."
        self._log("save what-if", "", str(path.name), f"saved {path}")
        return path

    @staticmethod
    def _quiet(make):
        """Run ``make`` with AHP consistency warnings silenced (the scenario notebook reports them)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", mcda.AHPConsistencyWarning)
            return make()
