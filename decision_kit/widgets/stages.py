"""The dashboard's "commit now or stage it" panel: the value of each option's yearly stop
review, pilot, vendor switch after an acquisition and deferral
(:mod:`decision_kit.staged_decisions`, :mod:`decision_kit.staged_pilot`,
:mod:`decision_kit.staged_defer`) for the scenario on show, computed when asked (a button:
fitting the rules takes seconds, more than a control's update may), and cleared when a
control changes the scenario, so the panel never shows the values of another scenario.

For every option that states a stage and every owner: commit now, staged, the value of the
stage with its standard error (or "within MC error" inside two of them), the share of trials it
stops (for a switch: switches; for a deferral: stays with the status quo), and the rule in
business units for the owner best with the stage.
Money in the scenario's currency, NPV versus the status quo.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..formatting import compact, value_within_error, whole_percent
from ..schema import Scenario
from .markup import escape, owner_label, words

STAGE_TRIALS = 4_000
"""Trials of the panel's fit (half fit the rules, half value them)."""

_EMPTY = ('<p class="dk-stages-note"><i>Press the button to value the stop reviews, pilots, vendor switches and '
          "deferrals of this scenario.</i></p>")  # fmt: skip
_STALE = ("<p class=\"dk-stages-note\"><i>The scenario changed: press the button to value its stop reviews, "
          "pilots, switches and deferrals again.</i></p>")  # fmt: skip


value_text = value_within_error
"""A stage's value with its standard error and currency, or "within MC error" inside two of them."""


def _rows(table, commit: str, staged: str, value: str, currency: str, moved: str) -> str:
    out = []
    for (option, owner), r in table.iterrows():
        out.append(f"<tr><td>{escape(words(option))}</td><td>{escape(owner_label(owner))}</td>"
                   f"<td>{compact(r[commit])}</td><td>{compact(r[staged])}</td>"
                   f"<td>{escape(value_text(r[value], r[value + '_se'], bool(r.significant), currency))}</td>"
                   f"<td>{whole_percent(r[moved])}</td></tr>")  # fmt: skip
    return "".join(out)


def _table(title: str, table, staged: str, value: str, currency: str, moved=("p_stop", "stops")) -> str:
    head = (f"<h4>{escape(title)}</h4><table class=\"dk-table dk-stages\"><tr><th>option</th><th>owner</th>"
            f"<th>commit now</th><th>staged</th><th>value of the stage</th><th>{moved[1]}</th></tr>")  # fmt: skip
    return head + _rows(table, "commit_npv", staged, value, currency, moved[0]) + "</table>"


def _rules(stage, table, staged: str) -> str:
    out = []
    for option in dict.fromkeys(table.index.get_level_values("option")):
        owner = table.loc[option, staged].idxmax()
        rule = stage.rule_words(option, owner)
        lines = rule if isinstance(rule, list) else [rule]
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        out.append(f"<p>{escape(words(option))} under {escape(owner_label(owner))} (best with the stage):</p>"
                   f"<ul>{items}</ul>")  # fmt: skip
    return "".join(out)


def stages_html(scenario: Scenario, trials: int = STAGE_TRIALS, seed: int = 1) -> str:
    """The panel's content for ``scenario``: a table per stage kind the scenario states (yearly
    review, pilot, vendor switch, deferral) and the rules of each option's best owner; a
    sentence where it states none."""
    from .. import staged_decisions as sd
    from .. import staged_defer as sdf
    from .. import staged_pilot as sp

    cur = scenario.currency
    parts = []
    reviewed = sd.reviewed_options(scenario, "abandon")
    if reviewed and scenario.horizon_years >= 2:
        a = sd.abandonment(scenario, trials=trials, seed=seed, options=reviewed)
        parts.append(_table("Commit now or review every year", a.table, "staged_npv", "flexibility", cur)
                     + _rules(a, a.table, "staged_npv"))  # fmt: skip
    piloted = sd.reviewed_options(scenario, "pilot")
    if piloted:
        p = sp.pilots(scenario, trials=trials, seed=seed, options=piloted)
        parts.append(_table("Commit now or pilot first", p.table, "piloted_npv", "value", cur)
                     + _rules(p, p.table, "piloted_npv"))  # fmt: skip
    switching = sd.reviewed_options(scenario, "switch_vendor")
    if switching:
        w = sd.switches(scenario, trials=trials, seed=seed, options=switching)
        parts.append(_table("Stay or switch vendor after an acquisition", w.table, "switch_npv", "value", cur,
                            ("p_switch", "switches")) + _rules(w, w.table, "switch_npv"))  # fmt: skip
    deferred = sd.reviewed_options(scenario, "defer")
    if deferred:
        d = sdf.deferrals(scenario, trials=trials, seed=seed, options=deferred)
        parts.append(_table("Commit now or wait and learn", d.table, "deferred_npv", "value", cur,
                            ("p_stop", "stays out")) + _rules(d, d.table, "deferred_npv"))  # fmt: skip
    if not parts:
        return '<p class="dk-stages-note">No option states a stage (<code>flexibility:</code>).</p>'
    note = (f"<p class=\"dk-stages-note\"><i>{trials:,} trials, seed {seed}: each rule is fitted on half of them "
            f"and valued on the other half; money in {escape(cur)}, NPV versus the status quo.</i></p>")  # fmt: skip
    return "".join(parts) + note


class StagesPanel:
    """A button and the panel it fills (:func:`stages_html`) for the scenario ``current()``
    returns; :meth:`clear` marks it stale after a change."""

    def __init__(self, current, trials: int = STAGE_TRIALS, seed: int = 1):
        self._current, self.trials, self.seed = current, trials, seed
        self.button = widgets.Button(description="Value the stages", layout=widgets.Layout(width="auto"))
        self.button.add_class("dk-stages-button")
        self.output = widgets.HTML(_EMPTY)
        self.output.add_class("dk-stages")
        self.button.on_click(lambda _: self.run())
        self.widget = widgets.VBox([widgets.HTML("<h3>Commit now or stage it</h3>"), self.button, self.output])

    def run(self) -> str:
        """Fill the panel for the scenario on show; a scenario error is shown as its message."""
        from ..errors import ScenarioError

        self.output.value = '<p class="dk-stages-note"><i>Fitting the rules…</i></p>'
        try:
            self.output.value = stages_html(self._current(), self.trials, self.seed)
        except ScenarioError as exc:
            self.output.value = f'<p class="dk-error">Stages: {escape(str(exc))}</p>'
        return self.output.value

    def clear(self) -> None:
        """Mark the panel stale (its values were of the scenario before a change)."""
        if self.output.value != _EMPTY:
            self.output.value = _STALE
