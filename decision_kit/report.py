"""Decision memos: one self-contained HTML page and one Excel workbook per simulation.

:func:`html_memo` renders ``templates/memo.html.j2`` (Jinja2, autoescaped): the recommendation
first (the one-screen answer), the option x owner summary, cumulative cost over time, NPV
distributions and the probability-best heat map (matplotlib, Agg backend, embedded as base64
PNG data URIs), risk (probability of loss, CVaR), who pays (marketing or IT, by year), optional
extra analyses, and every assumption with its source. The page loads nothing from anywhere:
no external URL, CDN or web font; its CSS is inline and prints on A4.

:func:`write_xlsx` writes the same numbers as numbers (with number formats) to a workbook:
Summary, Base case, Cash flows, Per-trial metrics, Assumptions and Ownership. Each sheet has a
short note above its table; the table's header row (:data:`XLSX_HEADER_ROW`, 1-based) is bold
and frozen.

Both are stamped with the package version, the scenario's content hash, seed, trial count and
the UTC date, and written atomically; neither replaces an existing file unless
``overwrite=True``. Money is in the scenario's currency, nominal; NPV is benefits minus costs
(see :mod:`decision_kit.results`).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .loading import content_hash, write_text_atomic
from .results import CE_MIN_EFFECTIVE_TRIALS, shown_certainty_equivalent
from .schema import input_paths

SUMMARY_LABELS: dict[str, str] = {
    "npv_mean": "Expected NPV", "npv_p10": "NPV P10", "npv_p50": "NPV P50", "npv_p90": "NPV P90",
    "tco_mean": "TCO mean", "tco_p50": "TCO P50", "pv_cost_mean": "PV of cost mean",
    "pv_cost_p90": "PV of cost P90", "payback_p50": "Payback P50 (years)", "p_loss": "P(loss)",
    "p_best": "P(best)", "expected_regret": "Expected regret", "cvar_10": "CVaR 10% of NPV",
    "certainty_equivalent": "Certainty equivalent", "launch_months_p50": "Launch P50 (months)",
    "security_incidents": "Security incidents (expected)",
}
"""Column of :meth:`Result.summary` -> header used in the memo and the workbook."""

XLSX_HEADER_ROW: dict[str, int] = {"Summary": 5, "Base case": 2, "Cash flows": 2, "Per-trial metrics": 2,
                                   "Assumptions": 2, "Ownership": 2}
"""Row (1-based) of each workbook sheet's table header: ``pd.read_excel(..., header=row - 1)``."""

_MONEY, _PCT, _ONE, _INT = "#,##0", "0.0%", "0.0", "0"
_SHARES = ("governance_overhead", "consolidation", "marketing_share")


# --- the stamp and the assumptions: shared by the page and the workbook -------------------

def stamp(result, generated: datetime | None = None) -> dict:
    """What a memo is stamped with: package version, scenario hash, seed, trials, UTC date."""
    from . import __version__

    when = (generated or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {"version": __version__, "scenario_hash": content_hash(result.scenario), "seed": result.seed,
            "trials": result.trials, "generated": when.strftime("%Y-%m-%d %H:%M UTC"),
            "scenario": result.scenario.name}


def _parent(scenario, path: str):
    """The object holding the input at a dotted ``path`` (a cost line, driver, option, risk)."""
    obj: Any = scenario
    try:
        for part in path.split(".")[:-1]:
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    except (KeyError, AttributeError):
        return None
    return obj


def _round_floats(data):
    """12 significant digits: '2.2%' is stored as 0.022000000000000002 and shown as 0.022."""
    if isinstance(data, float):
        return float(f"{data:.12g}")
    if isinstance(data, dict):
        return {k: _round_floats(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_round_floats(v) for v in data]
    return data


def _as_written(dist) -> str:
    """The distribution in the scenario file's YAML flow style, without its ``source`` note."""
    import yaml

    data = _round_floats(dist.model_dump(mode="json"))
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "source"}
        return yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return str(data)


def _input_records(scenario) -> list[dict]:
    """Every input with what is known about it: where it sits, as written, quantiles, sources."""
    from .priors import PRIORS

    out = []
    for path, dist in input_paths(scenario).items():
        group, _, name = path.rpartition(".")
        q = dist.quantiles([0.1, 0.5, 0.9])
        rec = {"path": path, "group": group, "name": name, "distribution": _as_written(dist),
               "fixed": dist.is_fixed(), "mean": float(dist.mean()), "p10": float(q[0]), "p50": float(q[1]),
               "p90": float(q[2]), "own_source": _tidy(dist.source),
               "group_source": _tidy(getattr(_parent(scenario, path), "source", None)), "grade": ""}
        if getattr(dist, "dist", None) == "prior":
            prior = PRIORS.distributions[dist.name]
            rec["grade"] = prior.grade
            rec["own_source"] = f"Prior '{dist.name}' ({prior.description}): {_tidy(prior.source)}" + (
                f" Scenario note: {rec['own_source']}" if rec["own_source"] else "")
        out.append(rec)
    return out


def _tidy(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def assumptions(scenario):
    """Every input of ``scenario`` (:func:`~decision_kit.schema.input_paths`) as a DataFrame.

    Columns: ``path`` (as in the file), ``distribution`` (as written), ``fixed``, ``mean``,
    ``p10``, ``p50``, ``p90``, ``source`` and ``grade``. The source is the input's own
    ``source``, else that of the cost or benefit line, driver, option or risk that holds it;
    for a ``{dist: prior}`` input it is the shipped prior's citation and ``grade`` its
    confidence grade (A-D, J for judgement). An input with no source has an empty ``source``.
    """
    import pandas as pd

    rows = [{"path": r["path"], "distribution": r["distribution"], "fixed": r["fixed"], "mean": r["mean"],
             "p10": r["p10"], "p50": r["p50"], "p90": r["p90"], "source": r["own_source"] or r["group_source"],
             "grade": r["grade"]} for r in _input_records(scenario)]
    return pd.DataFrame(rows, columns=["path", "distribution", "fixed", "mean", "p10", "p50", "p90", "source", "grade"])


def ownership(scenario):
    """The ownership shifts used for each owner (shipped defaults with the scenario's overrides).

    One row per owner: every shift of :class:`~decision_kit.priors.OwnerShifts`, ``overridden``
    (the fields the scenario changes) and ``source`` (the scenario's note, then the default's).
    """
    import pandas as pd

    from .priors import PRIORS, OwnerShifts

    fields = [f for f in OwnerShifts.model_fields if f != "source"]
    rows = []
    for owner, override in scenario.owners.items():
        shifts = scenario.owner_shifts(owner)
        changed = [f for f in fields if getattr(override, f) is not None]
        notes = [f"Scenario: {_tidy(override.source)}" if override.source else "",
                 f"Default: {_tidy(PRIORS.ownership[owner].source)}" if PRIORS.ownership[owner].source else ""]
        rows.append({"owner": owner, **{f: getattr(shifts, f) for f in fields},
                     "overridden": ", ".join(changed), "source": " ".join(n for n in notes if n)})
    return pd.DataFrame(rows, columns=["owner", *fields, "overridden", "source"])


# --- formatting for the page ------------------------------------------------------------

def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def compact(x) -> str:
    """A number for a reader: three significant digits with k/M/B.

    >>> compact(1_234_567), compact(-143_000), compact(0.042), compact(float("nan"))
    ('1.23M', '-143k', '0.042', 'n/a')
    """
    if not _finite(x):
        return "n/a"
    x = float(x)
    a, sign = abs(x), "-" if x < 0 else ""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div * 0.9995:
            v = a / div
            text = f"{v:.{2 if v < 9.995 else 1 if v < 99.95 else 0}f}"
            return f"{sign}{text}{suffix}"
    if a >= 100:
        return f"{x:.0f}"
    return "0" if a < 1e-9 else f"{x:.3g}"


def percent(x) -> str:
    """A probability as a whole percentage; '<1%' and '>99%' rather than a misleading 0% or 100%.

    >>> percent(0.372), percent(0.001), percent(0.999), percent(0.0)
    ('37%', '<1%', '>99%', '0%')
    """
    if not _finite(x):
        return "n/a"
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


def _years(x) -> str:
    return f"{x:.1f}" if _finite(x) else "never"


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


# --- figures ----------------------------------------------------------------------------

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
    from . import plots

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

    return Environment(loader=PackageLoader("decision_kit", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context) -> str:
    """Render one of the package's templates (autoescaped; used by the memo and the batch index)."""
    return _environment().get_template(template).render(**context)


def _grid(summary, column: str, fmt, layout, best) -> _Table:
    """Options down, owners across: one summary column, the best cell marked."""
    t = _Table(columns=["option \\ owner", *layout.owners], numeric=set(range(1, len(layout.owners) + 1)))
    for o in layout.options:
        t.add([{"text": o}] + [{"text": fmt(summary.at[(o, w), column]), "cls": "best" if (o, w) == best else ""}
                               for w in layout.owners])
    return t


def _sections(result, summary, best) -> dict:
    """The tables of the memo, formatted for display."""
    lay, cur = result.layout, result.scenario.currency
    cvar = next(c for c in summary.columns if c.startswith("cvar_"))
    ce = shown_certainty_equivalent(summary)

    value = _Table(columns=["option", "owner", "expected NPV", "P10", "P50", "P90", "P(best)", "expected regret",
                            "TCO (mean)", "payback (years)", "launch (months)"], numeric=set(range(2, 11)))
    risk = _Table(columns=["option", "owner", "P(loss)", f"CVaR {cvar[5:]}% of NPV", "NPV P10",
                           "certainty equivalent", "PV of cost P90", "security incidents"], numeric=set(range(2, 8)))
    for (o, w), r in summary.iterrows():
        cls = "best" if (o, w) == best else ""
        value.add([o, w, compact(r.npv_mean), compact(r.npv_p10), compact(r.npv_p50), compact(r.npv_p90),
                   percent(r.p_best), compact(r.expected_regret), compact(r.tco_mean), _years(r.payback_p50),
                   f"{r.launch_months_p50:.1f}"], cls)
        risk.add([o, w, percent(r.p_loss), compact(r[cvar]), compact(r.npv_p10), compact(ce.loc[(o, w)]),
                  compact(r.pv_cost_p90), f"{r.security_incidents:.2f}"], cls)

    ledger = result.ledger()
    years = sorted(ledger.year.unique())
    labels = ["decision" if i == 0 else str(y) for i, y in enumerate(years)]
    totals = _Table(columns=["option", "owner", "marketing pays", "IT pays", "marketing's share",
                             "benefits (to marketing)"], numeric={2, 3, 4, 5})
    for (o, w), g in ledger.groupby(["option", "owner"], sort=False):
        m, i = g.marketing_pays.sum(), g.it_pays.sum()
        totals.add([o, w, compact(m), compact(i), percent(m / (m + i)) if m + i > 0 else "n/a",
                    compact(g.marketing_gains.sum())], "best" if (o, w) == best else "")
    g = ledger[(ledger.option == best[0]) & (ledger.owner == best[1])].set_index("year")
    by_year = _Table(columns=["", *labels, "total"], numeric=set(range(1, len(years) + 2)))
    for label, col in (("marketing pays", "marketing_pays"), ("IT pays", "it_pays"),
                       ("benefits (to marketing)", "marketing_gains")):
        by_year.add([label, *(compact(g.at[y, col]) for y in years), compact(g[col].sum())])

    groups, n_unsourced = [], 0
    records = _input_records(result.scenario)
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
            cells.append({"text": (percent(v) if f in _SHARES else f"{v:g}") + ("*" if star else ""),
                          "cls": "overridden" if star else ""})
        shifts.add([f.replace("_", " "), *cells])
    return {
        "npv_grid": _grid(summary, "npv_mean", compact, lay, best),
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
        return {"title": title, "kind": "image", "uri": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()}
    if hasattr(content, "__html__"):
        html = str(content.__html__())
        if _external_refs(html):
            raise ValueError(f"analysis section '{title}' refers to external URLs ({_external_refs(html)[0]}); "
                             "the memo must stay self-contained")
        return {"title": title, "kind": "html", "html": content}
    if isinstance(content, str):
        return {"title": title, "kind": "text", "text": content}
    raise TypeError(f"analysis section '{title}': expected a DataFrame, Series, matplotlib figure, HTML markup "
                    f"or text, got {type(content).__name__}")


def _external_refs(html: str) -> list[str]:
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
    best = summary["npv_mean"].idxmax()
    ranked = summary.sort_values("npv_mean", ascending=False)
    top, runner = ranked.iloc[0], ranked.iloc[1] if len(ranked) > 1 else None
    s = result.scenario
    cvar = next(c for c in summary.columns if c.startswith("cvar_"))
    ce = shown_certainty_equivalent(summary)
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
    blocks = [_analysis_block(str(k), v) for k, v in (analyses or {}).items()]
    html = render("memo.html.j2", scenario=s, stamp=stamp(result, generated), recommendation=result.recommendation(),
                  cards=cards, best=best, options=result.layout.options, owners=result.layout.owners,
                  figures=_figures(result), analyses=blocks, risk_tolerance=compact(result.risk_tolerance),
                  ce_min_trials=CE_MIN_EFFECTIVE_TRIALS,
                  **_sections(result, summary, best))
    return html


def standard_analyses(result, *, top: int = 8) -> dict[str, Any]:
    """The analyses a decision memo carries besides the summary: the main one-way
    sensitivities of the recommended cell (tornado), the value of information (EVPI and the
    inputs most worth learning about, EVPPI), and, when the scenario names stakeholders, their
    views side by side (TOPSIS, group weights by arithmetic mean). Title -> section content,
    ready for ``html_memo(result, analyses=...)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plots, sensitivity, voi

    s = result.scenario
    out: dict[str, Any] = {}
    best = result.summary()["npv_mean"].idxmax()
    t = sensitivity.tornado(s, option=best[0], owner=best[1])
    table = t.to_frame().head(top)[["input", "low_value", "high_value", "metric_at_low", "metric_at_high", "swing"]]
    out[f"Main sensitivities: NPV of {best[0]} / {best[1]}, each input at its P10 and P90"] = table
    fig, ax = plt.subplots(figsize=(8, 4.5))
    plots.tornado(t, ax=ax, top=top)
    fig.tight_layout()
    out["Tornado"] = fig
    e = voi.evpi(result)
    out["Value of information"] = e.describe()
    out["Inputs most worth learning about before committing (EVPPI)"] = voi.evppi(result).to_frame().head(top)
    if s.stakeholders:
        from . import mcda

        view = mcda.stakeholder_view(result, aggregation="arithmetic")
        out["Stakeholder view"] = view.summary()
        out["Rankings by stakeholder (TOPSIS closeness and rank)"] = view.to_frame().head(top * 2)
    plt.close(fig)
    return out


def _refuse_existing(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True (--force) to replace it")


def write_html(result, path: str | os.PathLike, *, overwrite: bool = False,
               analyses: Mapping[str, Any] | None = None, generated: datetime | None = None) -> Path:
    """Write :func:`html_memo` to ``path`` atomically. Raises ``FileExistsError`` (and leaves the
    file untouched) if ``path`` exists, unless ``overwrite``."""
    path = Path(path)
    _refuse_existing(path, overwrite)
    return write_text_atomic(path, html_memo(result, analyses=analyses, generated=generated), overwrite=overwrite)


# --- the Excel workbook -----------------------------------------------------------------

class _Sheet:
    """A write-only worksheet: notes above one table whose header row is bold, wrapped and frozen."""

    def __init__(self, wb, title: str):
        from openpyxl.styles import Font

        self.ws = wb.create_sheet(title)
        self.bold = Font(bold=True)

    def cell(self, value, number_format: str | None = None, bold: bool = False, wrap: bool = False):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment

        if isinstance(value, (float, np.floating)) and not math.isfinite(value):
            value = None  # NaN and inf are empty cells, never text
        elif isinstance(value, np.generic):
            value = value.item()
        if not (bold or wrap or (number_format and value is not None)):
            return value  # a plain value is cheaper to write than a cell object
        c = WriteOnlyCell(self.ws, value)
        if number_format and value is not None:
            c.number_format = number_format
        if bold:
            c.font = self.bold
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    def layout(self, header_row: int, widths: list[float], freeze_col: int = 0):
        """Column widths and frozen panes; must come before any row is written."""
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ws.freeze_panes = f"{get_column_letter(freeze_col + 1)}{header_row + 1}"

    def table(self, columns: list[str], rows, formats: list[str | None], wrap: set[int] = frozenset()):
        self.ws.append([self.cell(c, bold=True, wrap=True) for c in columns])
        for row in rows:
            self.ws.append([self.cell(v, f, wrap=i in wrap) for i, (v, f) in enumerate(zip(row, formats))])


def _widths(columns, sample_rows, formats, cap: float = 60) -> list[float]:
    """Column widths from the header and a sample of values (numbers as formatted, roughly)."""
    out = []
    for i, c in enumerate(columns):
        longest = len(str(c))
        for row in sample_rows:
            v = row[i]
            if isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, bool):
                text = f"{v:,.0f}" if formats[i] == _MONEY else f"{v:.1f}"
            else:
                text = str(v)
            longest = max(longest, len(text))
        out.append(min(cap, longest + 2))
    return out


def _write_frame(wb, title: str, note: str, df, formats: dict[str, str], wrap: dict[str, float] | None = None,
                 freeze_col: int = 0):
    """One sheet: note in row 1, ``df``'s columns as the table from row 2."""
    sheet = _Sheet(wb, title)
    columns = [str(c) for c in df.columns]
    fmts = [formats.get(c) for c in columns]
    widths = _widths(columns, list(df.head(200).itertuples(index=False, name=None)), fmts)
    for c, w in (wrap or {}).items():
        widths[columns.index(c)] = w
    sheet.layout(XLSX_HEADER_ROW[title], widths, freeze_col)
    sheet.ws.append([sheet.cell(note)])
    sheet.table(columns, df.itertuples(index=False, name=None), fmts, wrap={columns.index(c) for c in (wrap or {})})


def _per_trial(result, max_rows: int):
    """The first trials of :meth:`Result.per_trial` (whole trials when at least one fits)."""
    import pandas as pd

    lay = result.layout
    cells = len(lay.options) * len(lay.owners)
    n = min(result.trials, max(1, max_rows // cells))
    idx = pd.MultiIndex.from_product([range(n), lay.options, lay.owners], names=["trial", "option", "owner"])
    df = pd.DataFrame({k: v[:n].reshape(-1) for k, v in result.metrics.items()}, index=idx).reset_index()
    return df.iloc[:max_rows], n


def write_xlsx(result, path: str | os.PathLike, *, overwrite: bool = False, max_trial_rows: int = 100_000,
               generated: datetime | None = None) -> Path:
    """Write the memo's numbers to an Excel workbook (atomically; never replaces ``path`` unless
    ``overwrite``, else ``FileExistsError`` and the file is untouched).

    Sheets: **Summary** (recommendation, stamp, and :meth:`Result.summary` with the headers of
    :data:`SUMMARY_LABELS`), **Base case** (:func:`~decision_kit.simulation.base_case`, by year
    and category), **Cash flows** (:meth:`Result.cashflows`: means, who pays, P10/P50/P90 bands),
    **Per-trial metrics** (:meth:`Result.per_trial`, at most ``max_trial_rows`` rows: whole
    trials from the first, with a note when capped), **Assumptions** (:func:`assumptions`) and
    **Ownership** (:func:`ownership`). Numbers are numeric cells with formats (money ``#,##0``,
    probabilities ``0.0%``); NaN (e.g. a payback never reached) is an empty cell.

    openpyxl writes about 50-100k cells a second: the per-trial sheet dominates (100,000 rows
    take tens of seconds); lower ``max_trial_rows`` for a quick workbook.
    """
    from openpyxl import Workbook

    from .simulation import base_case

    path = Path(path)
    _refuse_existing(path, overwrite)
    if isinstance(max_trial_rows, bool) or not isinstance(max_trial_rows, int) or max_trial_rows < 1:
        raise ValueError(f"max_trial_rows must be a positive integer, got {max_trial_rows!r}")
    st = stamp(result, generated)
    s = result.scenario
    cur = s.currency
    wb = Workbook(write_only=True)

    # Summary: title, recommendation, stamp, then the table (header on row 5).
    summary = result.summary()
    sheet = _Sheet(wb, "Summary")
    cols = ["option", "owner"] + [f"{SUMMARY_LABELS.get(c, c)}" + (f" ({cur})" if _money_col(c) else "")
                                  for c in summary.columns]
    fmts = [None, None] + [_summary_format(c) for c in summary.columns]
    rows = [list(k) + list(r) for k, r in zip(summary.index, summary.itertuples(index=False, name=None))]
    sheet.layout(XLSX_HEADER_ROW["Summary"], _widths(cols, rows, fmts, cap=24), freeze_col=2)
    sheet.ws.append([sheet.cell(f"Decision memo: {s.name}", bold=True)])
    sheet.ws.append([sheet.cell("Recommendation", bold=True), sheet.cell(result.recommendation())])
    sheet.ws.append([sheet.cell(v, f, bold=i % 2 == 0) for i, (v, f) in enumerate((
        ("decision_kit", None), (st["version"], None), ("scenario hash", None), (st["scenario_hash"], None),
        ("seed", None), (st["seed"], _INT), ("trials", None), (st["trials"], "#,##0"),
        ("generated", None), (st["generated"], None)))])
    sheet.ws.append([sheet.cell(f"Money in {cur}, nominal; NPV at {s.discount_rate:.1%} over {s.horizon_years} "
                                f"years; CVaR is the mean of the worst 10% of NPV; risk tolerance "
                                f"{result.risk_tolerance:,.0f} {cur}.")])
    sheet.table(cols, rows, fmts)

    bc = base_case(s).reset_index()
    _write_frame(wb, "Base case", f"Deterministic base case: every input at its median, no risk event; {cur}, "
                 "costs and benefits positive, net = benefit - cost. Period 0 is the decision date.",
                 bc, {c: _MONEY for c in bc.columns[3:]}, freeze_col=3)

    cf = result.cashflows()
    _write_frame(wb, "Cash flows", f"Mean cash flows per year over {result.trials:,} trials ({cur}); who pays "
                 "(marketing or IT); bands are percentiles of cumulative net and cumulative cost "
                 f"(from the first {result.band_net.shape[0]:,} trials).", cf,
                 {**{c: _MONEY for c in cf.columns[4:]}, "period": _INT, "year": _INT}, freeze_col=2)

    pt, n = _per_trial(result, max_trial_rows)
    capped = n < result.trials or len(pt) < n * len(result.layout.options) * len(result.layout.owners)
    note = (f"Capped: the first {n:,} of {result.trials:,} trials ({len(pt):,} rows; max_trial_rows="
            f"{max_trial_rows:,}). Result.per_trial() in Python has every trial." if capped else
            f"All {result.trials:,} trials, one row per trial, option and owner.")
    _write_frame(wb, "Per-trial metrics", note + f" Money in {cur}; payback in years (empty: never).", pt,
                 {"npv": _MONEY, "pv_cost": _MONEY, "tco": _MONEY, "payback": _ONE, "launch_months": _ONE},
                 freeze_col=3)

    a = assumptions(s)
    as_written = [float(m) if fixed else d for d, fixed, m in zip(a.distribution, a.fixed, a["mean"])]
    a = a.assign(distribution=as_written)  # a fixed input is a bare number in the file: a number here too
    _write_frame(wb, "Assumptions", "Every input of the scenario as written, with its mean and quantiles and its "
                 "source (for a shipped prior: its citation and grade A-D, J = judgement).",
                 a, {},  # General: inputs range from fractions to millions, and '#,##0.##' would show '6.'
                 wrap={"distribution": 40, "source": 90}, freeze_col=1)

    own = ownership(s)
    _write_frame(wb, "Ownership", "Ownership shifts used (relative to shared = 1): shipped defaults with the "
                 "scenario's overrides (listed in 'overridden').", own,
                 {c: (_PCT if c in _SHARES else "0.00") for c in own.columns[1:-2]}, wrap={"source": 90}, freeze_col=1)

    buf = io.BytesIO()
    wb.save(buf)
    return write_text_atomic(path, buf.getvalue(), overwrite=overwrite)


def _money_col(c: str) -> bool:
    return c.startswith(("npv_", "tco_", "pv_cost", "expected_regret", "cvar_", "certainty_equivalent"))


def _summary_format(c: str) -> str:
    if _money_col(c):
        return _MONEY
    if c in ("p_loss", "p_best"):
        return _PCT
    if c == "security_incidents":
        return "0.00"
    return _ONE
