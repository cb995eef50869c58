"""The HTML decision memo: one self-contained page per simulation.

What is here: :func:`html_memo` and :func:`write_html` (the page, and the page written to a
file); :func:`render` (the package's Jinja2 templates, also used by the batch index);
:class:`_Table` and :func:`_frame_table` (tables as the template shows them); the figures, drawn
on fresh Agg figures and embedded as PNG data URIs; where the scenario states a status quo,
:func:`_value_table` leads with each cell's difference from it and :func:`_status_quo_cards`
adds the status quo's own card; :func:`_analysis_block` (one extra section)
and :func:`external_refs` (what would make the page load something from elsewhere).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..formatting import compact, money, months, percent, rate, years
from ..loading import write_text_atomic
from ..results import VERSUS_STATUS_QUO, shown_certainty_equivalent
from .provenance import SHARE_FIELDS, input_records, ownership, refuse_existing, stamp


@dataclass
class _Table:
    """A table for the template: header cells and rows of (text, css class) cells."""

    columns: list
    rows: list = field(default_factory=list)
    numeric: set = field(default_factory=set)  # indices of right-aligned columns

    def add(self, cells, cls: str = ""):
        """Append a row; a cell is text or ``{"text": ..., "cls": ...}``."""
        row = []
        for i, c in enumerate(cells):
            text, ccls = (c["text"], c.get("cls", "")) if isinstance(c, dict) else (c, "")
            row.append({"text": text, "cls": " ".join(x for x in ("num" if i in self.numeric else "", ccls) if x)})
        self.rows.append({"cells": row, "cls": cls})


def _frame_table(df) -> _Table:
    """Any DataFrame (or Series) as a table: index levels first, numbers formatted compactly."""
    import pandas as pd

    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    t = _Table(columns=[" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns])
    for i, (_, dtype) in enumerate(df.dtypes.items()):
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            t.numeric.add(i)
    for row in df.itertuples(index=False):
        t.add(compact(v) if isinstance(v, (float, np.floating)) else
              (f"{v:,}" if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else str(v)) for v in row)
    return t


# --- figures -----------------------------------------------------------------------------

def _png_uri(draw, size: tuple[float, float], dpi: int = 110, margins: dict | None = None) -> str:
    """Draw on a fresh Agg figure (no pyplot, no global state) and return a PNG data URI.

    Fixed margins (in inches) rather than a layout engine: a layout engine draws every
    figure twice, and drawing dominates the time a memo takes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h = size
    m = {"left": 0.9, "right": 0.25, "bottom": 0.6, "top": 0.4, **(margins or {})}
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=m["left"] / w, right=1 - m["right"] / w, bottom=m["bottom"] / h, top=1 - m["top"] / h)
    draw(fig.subplots())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figures(result) -> list[dict]:
    if importlib.util.find_spec("matplotlib") is None:
        raise ModuleNotFoundError("the HTML memo draws its figures with matplotlib, which is not installed: "
                                  "pip install matplotlib (or decision_kit[notebooks])", name="matplotlib")
    from .. import plots

    n_opt = len(result.layout.options)
    return [
        {"id": "cumulative-cost", "title": "Cumulative cost over time",
         "uri": _png_uri(lambda ax: plots.cumulative_cost(result, ax=ax), (8.5, 4.2)),
         "alt": "Cumulative cost over time per option under the recommended owner, mean with P10-P90 band"},
        {"id": "npv-distributions", "title": "Distribution of net present value",
         "uri": _png_uri(lambda ax: plots.npv_distributions(result, ax=ax), (8.5, 4.2)),
         "alt": "Histogram of NPV per option under the recommended owner"},
        {"id": "probability-best", "title": "Probability each choice is best",
         "uri": _png_uri(lambda ax: plots.probability_best(result, ax=ax).set_aspect("auto"),
                         (8.5, 1.4 + 0.5 * n_opt), margins={"left": 1.1, "right": 0.6, "bottom": 0.45}),
         "alt": "Heat map of the probability that each option x owner cell has the highest NPV"},
    ]


# --- the HTML memo ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("decision_kit", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(compact=compact, percent=percent, rate=rate)  # the rules of decision_kit.formatting
    return env


def render(template: str, **context) -> str:
    """Render one of the package's templates (autoescaped; used by the memo and the batch index).

    The templates write numbers with the filters ``compact``, ``percent`` and ``rate`` of
    :mod:`decision_kit.formatting`."""
    return _environment().get_template(template).render(**context)


def _grid(summary, column: str, fmt, layout, best) -> _Table:
    """Options down, owners across: one summary column, the best cell marked."""
    t = _Table(columns=["option \\ owner", *layout.owners], numeric=set(range(1, len(layout.owners) + 1)))
    for o in layout.options:
        t.add([{"text": o}] + [{"text": fmt(summary.at[(o, w), column]), "cls": "best" if (o, w) == best else ""}
                               for w in layout.owners])
    return t


def _value_table(summary, best, versus: bool) -> _Table:
    """The value of every choice, one row per cell. Where a status quo is stated (``versus``),
    the row leads with the cell's difference from it (``results.VERSUS_STATUS_QUO``: NPV mean, P10 and P90,
    PV of cost, chance of doing worse) and the absolute figures follow."""
    lead = ["NPV vs status quo", "NPV vs status quo P10", "NPV vs status quo P90", "PV of cost vs status quo",
            "chance worse than status quo"] if versus else []
    quantiles = ["NPV P10", "NPV P50", "NPV P90"] if versus else ["P10", "P50", "P90"]
    columns = ["option", "owner", *lead, "expected NPV", *quantiles, "P(best)", "expected regret", "TCO (mean)",
               "payback (years)", "launch (months)"]
    value = _Table(columns=columns, numeric=set(range(2, len(columns))))
    for (o, w), r in summary.iterrows():
        diff = [compact(r[c]) for c in VERSUS_STATUS_QUO[:4]] + [percent(r[VERSUS_STATUS_QUO[4]])] if versus else []
        value.add([o, w, *diff, compact(r.npv_mean), compact(r.npv_p10), compact(r.npv_p50), compact(r.npv_p90),
                   f"{percent(r.p_best)} ± {rate(r.p_best_se)}",
                   f"{compact(r.expected_regret)} ± {compact(r.expected_regret_se)}", compact(r.tco_mean),
                   years(r.payback_p50),
                   months(r.launch_months_p50)], "best" if (o, w) == best else "")
    return value


def _status_quo_cards(result, top) -> list:
    """Where a status quo is stated: the recommended cell (summary row ``top``) against it, and
    the status quo itself (its expected NPV, P10-P90, PV of cost and description)."""
    if result.status_quo is None:
        return []
    cur, sq = result.scenario.currency, result.status_quo_summary()
    what = result.scenario.status_quo.description
    return [
        ("NPV vs status quo", money(top.npv_vs_status_quo_mean, cur),
         f"P10 {money(top.npv_vs_status_quo_p10, cur)} to P90 {money(top.npv_vs_status_quo_p90, cur)}; "
         f"worse than the status quo in {percent(top.p_worse_than_status_quo)} of trials"),
        ("Status quo: expected NPV", money(sq.loc["npv", "mean"], cur),
         f"P10 {money(sq.loc['npv', 'p10'], cur)} to P90 {money(sq.loc['npv', 'p90'], cur)}; PV of cost "
         f"{money(sq.loc['pv_cost', 'mean'], cur)}" + (f"; {what}" if what else "")),
    ]


def _sections(result, summary, best) -> dict:
    """The tables of the memo, formatted for display."""
    lay, cur = result.layout, result.scenario.currency
    cvar = next(c for c in summary.columns if c.startswith("cvar_"))
    ce = shown_certainty_equivalent(summary)

    value = _value_table(summary, best, versus=result.status_quo is not None)
    risk = _Table(columns=["option", "owner", "P(loss)", f"CVaR {cvar[5:]}% of NPV", "NPV P10",
                           "certainty equivalent", "PV of cost P90", "security incidents"], numeric=set(range(2, 8)))
    for (o, w), r in summary.iterrows():
        cls = "best" if (o, w) == best else ""
        ce_shown = ce.loc[(o, w)]
        risk.add([o, w, percent(r.p_loss), compact(r[cvar]), compact(r.npv_p10),
                  ce_shown if isinstance(ce_shown, str) else compact(ce_shown),
                  compact(r.pv_cost_p90), f"{r.security_incidents:.2f}"], cls)

    ledger = result.ledger()
    ledger_years = sorted(ledger.year.unique())
    labels = ["decision" if i == 0 else str(y) for i, y in enumerate(ledger_years)]
    totals = _Table(columns=["option", "owner", "marketing pays", "IT pays", "marketing's share",
                             "benefits (to marketing)"], numeric={2, 3, 4, 5})
    for (o, w), g in ledger.groupby(["option", "owner"], sort=False):
        m, i = g.marketing_pays.sum(), g.it_pays.sum()
        totals.add([o, w, compact(m), compact(i), percent(m / (m + i)) if m + i > 0 else "n/a",
                    compact(g.marketing_gains.sum())], "best" if (o, w) == best else "")
    g = ledger[(ledger.option == best[0]) & (ledger.owner == best[1])].set_index("year")
    by_year = _Table(columns=["", *labels, "total"], numeric=set(range(1, len(ledger_years) + 2)))
    for label, col in (("marketing pays", "marketing_pays"), ("IT pays", "it_pays"),
                       ("benefits (to marketing)", "marketing_gains")):
        by_year.add([label, *(compact(g.at[y, col]) for y in ledger_years), compact(g[col].sum())])

    groups, n_unsourced = [], 0
    records = input_records(result.scenario)
    for r in records:
        if not groups or groups[-1]["path"] != r["group"]:
            groups.append({"path": r["group"], "source": r["group_source"], "rows": []})
        unsourced = not (r["own_source"] or r["group_source"])
        n_unsourced += unsourced
        groups[-1]["rows"].append({**r, **{k: compact(r[k]) for k in ("mean", "p10", "p50", "p90")},
                                   "unsourced": unsourced})
    own = ownership(result.scenario)
    fields = [c for c in own.columns if c not in ("owner", "overridden", "source")]
    shifts = _Table(columns=["shift", *own.owner], numeric=set(range(1, len(own) + 1)))
    for f in fields:
        cells = []
        for r in own.itertuples(index=False):
            star = f in r.overridden.split(", ")
            v = getattr(r, f)
            cells.append({"text": (percent(v) if f in SHARE_FIELDS else f"{v:g}") + ("*" if star else ""),
                          "cls": "overridden" if star else ""})
        shifts.add([f.replace("_", " "), *cells])
    return {
        "npv_grid": _grid(summary, "npv_mean", compact, lay, best),
        "versus_grid": None if result.status_quo is None else _grid(summary, VERSUS_STATUS_QUO[0], compact, lay, best),
        "best_grid": _grid(summary, "p_best", percent, lay, best),
        "loss_grid": _grid(summary, "p_loss", percent, lay, best),
        "cvar_grid": _grid(summary, cvar, compact, lay, best),
        "value": value, "risk": risk, "ledger_totals": totals, "ledger_best": by_year,
        "input_groups": groups, "n_inputs": len(records), "n_uncertain": sum(not r["fixed"] for r in records),
        "n_unsourced": n_unsourced, "shifts": shifts, "shift_sources": list(zip(own.owner, own.source)),
        "cvar_level": cvar[5:], "currency": cur,
    }


def _analysis_block(title: str, content) -> dict:
    """One extra section: a DataFrame or Series as a table, a figure or Axes as an image,
    trusted HTML (an object with ``__html__``, e.g. ``markupsafe.Markup``) as is, text as
    preformatted text (escaped)."""
    import pandas as pd

    if isinstance(content, (pd.DataFrame, pd.Series)):
        return {"title": title, "kind": "table", "table": _frame_table(content)}
    fig = content if hasattr(content, "savefig") else (content.get_figure() if hasattr(content, "get_figure") else None)
    if fig is not None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
        uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        return {"title": title, "kind": "image", "uri": uri}
    if hasattr(content, "__html__"):
        html = str(content.__html__())
        if external_refs(html):
            raise ValueError(f"analysis section '{title}' refers to external URLs ({external_refs(html)[0]}); "
                             "the memo must stay self-contained")
        return {"title": title, "kind": "html", "html": content}
    if isinstance(content, str):
        return {"title": title, "kind": "text", "text": content}
    raise TypeError(f"analysis section '{title}': expected a DataFrame, Series, matplotlib figure, HTML markup "
                    f"or text, got {type(content).__name__}")


def external_refs(html: str) -> list[str]:
    """URLs a browser would fetch or follow off the page: http(s) or protocol-relative in
    ``src``/``href`` attributes, and ``url(...)``/``@import`` in CSS."""
    import re

    pattern = (r"""\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)"""
               r"""|url\(\s*["']?\s*((?:https?:)?//[^"')\s]+)|@import\s+["']((?:https?:)?//[^"']+)""")
    return [next(g for g in m.groups() if g) for m in re.finditer(pattern, html, flags=re.IGNORECASE)]


def html_memo(result, *, analyses: Mapping[str, Any] | None = None, generated: datetime | None = None) -> str:
    """The decision memo of ``result`` as one self-contained HTML page.

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    analyses : optional mapping of extra sections, title -> content, shown after "who pays" in
        order: a pandas DataFrame or Series (a table), a matplotlib Figure or Axes (an image),
        trusted HTML (``markupsafe.Markup``; must not refer to external URLs) or plain text
        (escaped, preformatted).
    generated : the date stamped on the memo (default: now, UTC).

    Returns
    -------
    str : HTML with every figure embedded as a data URI and no external references.
    """
    summary = result.summary()
    best = result.best_cell
    ranked = summary.sort_values("npv_mean", ascending=False)
    top, runner = ranked.iloc[0], ranked.iloc[1] if len(ranked) > 1 else None
    s = result.scenario
    cvar = next(c for c in summary.columns if c.startswith("cvar_"))
    cards = [
        ("Recommended option", best[0], f"kind: {s.options[best[0]].kind}"),
        ("Budget owner", best[1], f"marketing pays {percent(s.owner_shifts(best[1]).marketing_share)} of cost"),
        ("Expected NPV", f"{compact(top.npv_mean)} {s.currency}",
         f"P10 {compact(top.npv_p10)} to P90 {compact(top.npv_p90)}"),
        ("Chance it is best", percent(top.p_best), f"of {result.trials:,} trials"),
        ("Chance of a loss", percent(top.p_loss), f"CVaR {cvar[5:]}%: {compact(top[cvar])} {s.currency}"),
    ]
    if runner is not None:
        cards.append(("Runner-up", " / ".join(ranked.index[1]),
                      f"{compact(top.npv_mean - runner.npv_mean)} {s.currency} behind"))
    cards += _terminal_cards(result, best) + _status_quo_cards(result, top)
    blocks = [_analysis_block(str(k), v) for k, v in (analyses or {}).items()]
    html = render("memo.html.j2", scenario=s, stamp=stamp(result, generated), recommendation=result.recommendation(),
                  status_quo=result.status_quo is not None, cards=cards, best=best, options=result.layout.options,
                  owners=result.layout.owners,
                  figures=_figures(result), analyses=blocks, risk_tolerance=compact(result.risk_tolerance),
                  **_sections(result, summary, best))
    return html



def _terminal_cards(result, best) -> list:
    """The recommended cell's terminal value, apart from its NPV (none when the rule is none)."""
    table = result.terminal_summary()
    if table is None:
        return []
    tv, row, cur = result.scenario.terminal_value, table.loc[best], result.scenario.currency
    rule = f"perpetuity growing {rate(tv.growth)} a year" if tv.rule == "perpetuity" else "salvage value"
    return [("Terminal value (not in the NPV)", f"{compact(row.terminal_pv_mean)} {cur}",
             f"{rule}, discounted; NPV with it {compact(row.npv_with_terminal_mean)} {cur}")]


def write_html(result, path: str | os.PathLike, *, overwrite: bool = False,
               analyses: Mapping[str, Any] | None = None, generated: datetime | None = None) -> Path:
    """Write :func:`html_memo` to ``path`` atomically. Raises ``FileExistsError`` (and leaves the
    file untouched) if ``path`` exists, unless ``overwrite``."""
    path = Path(path)
    refuse_existing(path, overwrite)
    return write_text_atomic(path, html_memo(result, analyses=analyses, generated=generated), overwrite=overwrite)

