"""How the dashboard keeps every control working: the scenario adapts to a shortened horizon,
messages name the control in plain words, and a heavy tail is said out loud.

What is here:

- :func:`fit_horizon`: validate dumped scenario data; where the only trouble is lines and
  targets dated beyond a shortened horizon, drop them (one-off cost lines, the later years of a
  ``years:`` list, lines starting after the horizon, success KPIs and milestones) and say which.
  The dashboard rebuilds the scenario from the file as written at every change, so they come
  back as soon as the horizon reaches their year again.
- :func:`plain_message`: a :class:`~decision_kit.errors.ScenarioError` in words, each field
  path replaced by the label of the control that writes it.
- :func:`tail_note`: a note for the cells whose expected NPV lies outside their own P10-P90
  (a heavy tail: a few extreme trials carry the average).
- :func:`group_aggregation`: the group-weight aggregation the stakeholder view can use, and
  :func:`stakeholders_html`, the stakeholders' first choices and tables under it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import mcda
from ..errors import ScenarioError
from ..formatting import money, percent
from ..results import Result
from ..schema import Scenario
from .markup import cell_label, escape, owner_label, words

BEYOND = "beyond the horizon"


def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]


def _drop_line(data: dict, parts: list, horizon: int) -> str | None:
    """Drop (or trim) the cost line at ``parts`` (options.X.costs.L... or status_quo.costs.L...)."""
    i = parts.index("costs")
    holder = data
    for step in parts[:i]:
        holder = holder[step]
    costs, name = holder.get("costs") or {}, parts[i + 1]
    line = costs.get(name)
    if line is None:  # inherited from a parent whose own line goes too
        return None
    whose = "status quo" if parts[0] == "status_quo" else f"{words(str(parts[1]))}"
    years = line.get("years")
    if parts[i + 2 :][:1] == ["years"] and years and any(y <= horizon for y in years):
        line["years"] = [y for y in years if y <= horizon]
        return f"{whose}: {words(str(name))} in years {', '.join(str(y) for y in years if y > horizon)}"
    del costs[name]
    when = line.get("year") or line.get("from_year") or max(years or [0])
    return f"{whose}: {words(str(name))} (year {when})"


def _drop_success(data: dict, parts: list) -> str | None:
    block = data.get("success") or {}
    if parts[1] == "kpis" and parts[2] in block.get("kpis", {}):
        del block["kpis"][parts[2]]
        for ms in block.get("milestones", []):
            ms["kpis"] = [k for k in ms.get("kpis", []) if k != parts[2]]
        return f"success target {words(str(parts[2]))}"
    if parts[1] == "milestones" and isinstance(parts[2], int) and parts[2] < len(block.get("milestones", [])):
        ms = block["milestones"][parts[2]]
        ms["_drop"] = True
        return f"milestone {ms.get('name', parts[2])}"
    return None


def fit_horizon(data: dict, check: Callable[[dict], Scenario]) -> tuple[Scenario, list[str]]:
    """``(check(data), dropped)``: ``data`` validated by ``check`` after dropping what is dated
    beyond its horizon (``dropped`` names each, in words). Any other problem raises the
    :class:`~decision_kit.errors.ScenarioError` of ``check``."""
    dropped: list[str] = []
    horizon = int(data["horizon_years"])
    for _ in range(5):
        try:
            return check(data), dropped
        except ScenarioError as exc:
            late = [_parts(p.path) for p in exc.problems if BEYOND in p.message and p.path]
            if not late:
                if dropped and any(p.path.startswith("success") for p in exc.problems) and data.get("success"):
                    data.pop("success")  # what is left of the targets no longer holds together
                    dropped.append("the success targets")
                    continue
                raise
            for parts in late:
                gone = (
                    _drop_line(data, parts, horizon)
                    if "costs" in parts
                    else _drop_success(data, parts)
                    if parts[0] == "success"
                    else None
                )
                if gone is None and "costs" not in parts:
                    raise
                if gone:
                    dropped.append(gone)
            if data.get("success"):
                ms = data["success"].get("milestones") or []
                data["success"]["milestones"] = [m for m in ms if not m.get("_drop")]
    return check(data), dropped


def plain_message(exc: Exception, labels: dict[str, str]) -> str:
    """``exc`` in plain words: each problem as 'label: what is wrong', the label that of the
    control writing the field (``labels``: field path as dotted text -> label), or the field in
    words when no control writes it."""
    if not isinstance(exc, ScenarioError):
        return str(exc)
    out = []
    for p in exc.problems:
        msg = re.sub(r";? ?use aggregation='arithmetic'", "", p.message)
        label = next(
            (
                lab
                for path, lab in sorted(labels.items(), key=lambda kv: -len(kv[0]))
                if p.path == path or p.path.startswith(path + ".")
            ),
            None,
        )
        if label is None and p.path:
            label = " ".join(words(str(s)) for s in _parts(p.path) if not isinstance(s, int))
        out.append(f"{label}: {msg}" if label else msg)
    return "; ".join(out)


_AGGREGATION: dict = {}  # the last stakeholders and criteria asked about and the answer (the view and the notes ask)


def group_aggregation(scenario: Scenario) -> str:
    """``geometric`` (the default of :mod:`decision_kit.mcda`), or ``arithmetic`` when no
    criterion is weighted by every stakeholder (the geometric mean would be zero everywhere).
    The answer for the last stakeholders and criteria asked about is kept (it depends on
    nothing else: a change of the horizon or a cost keeps it)."""
    key = (scenario.stakeholders, scenario.criteria)
    if "key" in _AGGREGATION and _AGGREGATION["key"] == key:
        return _AGGREGATION["answer"]
    try:
        mcda.stakeholder_weights(scenario)
        answer = "geometric"
    except ScenarioError as exc:
        if "geometric mean" not in str(exc):
            raise
        answer = "arithmetic"
    _AGGREGATION.update(key=key, answer=answer)
    return answer


def tail_note(r: Result, owner: str) -> str:
    """HTML for the cells of ``owner`` whose expected NPV lies outside their P10-P90, with the
    average of the other 98% of trials (without the worst and best 1%); '' when there are none."""
    s = r.summary()
    lo, mid, hi = (s[c].xs(owner, level="owner").to_dict() for c in ("npv_p10", "npv_mean", "npv_p90"))
    odd = [o for o in r.layout.options if not (lo[o] <= mid[o] <= hi[o])]
    if not odd:
        return ""
    npv = r.per_trial()["npv"]
    parts = []
    for o in odd:
        x = npv.xs((o, owner), level=("option", "owner")).sort_values().to_numpy()
        k = max(1, len(x) // 100)
        parts.append(
            f"{escape(o)}: expected {money(s.loc[(o, owner), 'npv_mean'], '')}, "
            f"{money(x[k:-k].mean(), '')} without the extreme 1% of trials at each end"
        )
    return (
        f'<p class="dk-tail">Heavy tail ({escape(owner_label(owner))}): the expected NPV lies outside the '
        "P10 &ndash; P90 range for " + "; ".join(parts) + ". A few trials with extreme outcomes (growth "
        "compounding over a long horizon) carry the average; the model means it, so read the P10 &ndash; "
        "P90 and the chance of loss beside it.</p>"
    )


def stakeholders_html(r: Result) -> tuple[str, str]:
    """(each stakeholder's first choice in one line, their top three cells with TOPSIS scores)."""
    if not r.scenario.stakeholders:
        return "", ""
    view = mcda.stakeholder_view(r, aggregation=group_aggregation(r.scenario))
    top = view.top
    parts = [f"<b>{escape(who)}</b>: {escape(cell_label(cell))}" for who, cell in top.items()]
    agree = "agree" if len({top[w] for w in view.stakeholders}) == 1 else "differ"
    line = f"First choice by stakeholder (they {agree}): " + " &middot; ".join(parts)
    head = "".join(f"<th>{escape(who)}</th>" for who in view.scores.columns)
    rows = []
    ranked = {who: view.scores[who].sort_values(ascending=False, kind="stable") for who in view.scores.columns}
    for rank in range(min(3, len(view.scores))):
        cells = []
        for ordered in ranked.values():
            cells.append(f"<td>{escape(cell_label(ordered.index[rank]))} {ordered.iloc[rank]:.3f}</td>")
        rows.append(f"<tr><td>{rank + 1}</td>{''.join(cells)}</tr>")
    table = (
        f'<h3>Top cells by stakeholder (TOPSIS score)</h3><table class="dk-table dk-small">'
        f"<tr><th>rank</th>{head}</tr>{''.join(rows)}</table>"
    )
    w = view.weights.to_frame().T  # criterion x (stakeholders..., group), each column sums to 1
    share = w.to_dict()  # stakeholder -> criterion -> weight
    weights = "".join(
        f"<tr><td>{escape(words(c))}</td>"
        + "".join(f"<td>{percent(share[who][c])}</td>" for who in w.columns)
        + "</tr>"
        for c in w.index
    )
    table += (
        f'<h3>Weights used (normalised)</h3><table class="dk-table dk-small">'
        f"<tr><th>criterion</th>{head}</tr>{weights}</table>"
    )
    if view.weights.vetoed:
        table += (
            f"<p>The group's weights are the normalised geometric mean of everyone's, so a criterion "
            f"that any stakeholder leaves at 0 drops out of them: "
            f"{escape(', '.join(words(c) for c in view.weights.vetoed))}.</p>"
        )
    return line, table
