"""The Excel workbook of a memo: the memo's numbers as numbers, with number formats.

What is here: :func:`write_xlsx`; :data:`SUMMARY_LABELS` (the summary's column headers),
``VERSUS_STATUS_QUO`` (re-exported from :mod:`decision_kit.results`: the columns of each cell
against the status quo) and :data:`XLSX_HEADER_ROW` (where each sheet's table starts); the write-only sheet helper
:class:`_Sheet` and the per-sheet writers.
"""

from __future__ import annotations

import io
import math
import os
from datetime import datetime
from pathlib import Path

import numpy as np

from ..formatting import amount, rate
from ..loading import write_text_atomic
from ..results import VERSUS_STATUS_QUO, shown_certainty_equivalent
from .provenance import SHARE_FIELDS, assumptions, ownership, refuse_existing, stamp

SUMMARY_LABELS: dict[str, str] = {
    "npv_mean": "Expected NPV", "npv_p10": "NPV P10", "npv_p50": "NPV P50", "npv_p90": "NPV P90",
    "tco_mean": "TCO mean", "tco_p50": "TCO P50", "pv_cost_mean": "PV of cost mean",
    "pv_cost_p90": "PV of cost P90", "payback_p50": "Payback P50 (years)", "p_loss": "P(loss)",
    "p_best": "P(best)", "p_best_se": "P(best) standard error", "expected_regret": "Expected regret",
    "expected_regret_se": "Expected regret standard error", "cvar_10": "CVaR 10% of NPV",
    "certainty_equivalent": "Certainty equivalent", "launch_months_p50": "Launch P50 (months)",
    "security_incidents": "Security incidents (expected)",
    "npv_vs_status_quo_mean": "NPV vs status quo mean", "npv_vs_status_quo_p10": "NPV vs status quo P10",
    "npv_vs_status_quo_p90": "NPV vs status quo P90", "pv_cost_vs_status_quo_mean": "PV of cost vs status quo mean",
    "p_worse_than_status_quo": "P(worse than status quo)",
}
"""Column of :meth:`Result.summary` -> header used in the memo and the workbook."""

XLSX_HEADER_ROW: dict[str, int] = {"Summary": 5, "Base case": 2, "Cash flows": 2, "Per-trial metrics": 2,
                                   "Assumptions": 2, "Ownership": 2, "Status quo": 2}
"""Row (1-based) of each workbook sheet's table header: ``pd.read_excel(..., header=row - 1)``."""

_MONEY, _PCT, _ONE, _INT = "#,##0", "0.0%", "0.0", "0"
_VERSUS_NOTE = (" Each choice against the status quo first (its NPV minus the status quo's in the same trial: "
                "mean, P10, P90; PV of cost minus the status quo's; share of trials worse), absolute figures "
                "after; the status quo itself is on the sheet 'Status quo'.")


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
        elif isinstance(value, str):  # a control character in a name would make openpyxl refuse the sheet
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

            value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
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
                text = amount(v) if formats[i] == _MONEY else f"{v:.1f}"
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
    :data:`SUMMARY_LABELS`; where the scenario states a status quo, the columns of
    :data:`VERSUS_STATUS_QUO` come first and the absolute figures after, and a **Status quo**
    sheet follows with its NPV, PV of cost and TCO), **Base case** (:func:`~decision_kit.simulation.base_case`, by year
    and category), **Cash flows** (:meth:`Result.cashflows`: means, who pays, P10/P50/P90 bands),
    **Per-trial metrics** (:meth:`Result.per_trial`, at most ``max_trial_rows`` rows: whole
    trials from the first, with a note when capped), **Assumptions** (:func:`assumptions`) and
    **Ownership** (:func:`ownership`). Numbers are numeric cells with formats (money ``#,##0``,
    probabilities ``0.0%``); NaN (e.g. a payback never reached) is an empty cell. A certainty
    equivalent that does not exist is the sentence saying why
    (:func:`~decision_kit.results.shown_certainty_equivalent`), never a number.

    openpyxl writes about 50-100k cells a second: the per-trial sheet dominates (100,000 rows
    take tens of seconds); lower ``max_trial_rows`` for a quick workbook.
    """
    from openpyxl import Workbook

    from ..simulation import base_case

    path = Path(path)
    refuse_existing(path, overwrite)
    if isinstance(max_trial_rows, bool) or not isinstance(max_trial_rows, int) or max_trial_rows < 1:
        raise ValueError(f"max_trial_rows must be a positive integer, got {max_trial_rows!r}")
    st = stamp(result, generated)
    s = result.scenario
    cur = s.currency
    wb = Workbook(write_only=True)

    _summary_sheet(wb, result, st)
    if result.status_quo is not None:
        _status_quo_sheet(wb, result)

    bc = base_case(s).reset_index()
    _write_frame(wb, "Base case", f"Deterministic base case: every input at its median, no risk event; {cur}, "
                 "costs and benefits positive, net = benefit - cost. Period 0 is the decision date.",
                 bc, dict.fromkeys(bc.columns[3:], _MONEY), freeze_col=3)

    cf = result.cashflows()
    _write_frame(wb, "Cash flows", f"Mean cash flows per year over {result.trials:,} trials ({cur}); who pays "
                 "(marketing or IT); bands are percentiles of cumulative net and cumulative cost "
                 f"(from the first {result.band_net.shape[0]:,} trials).", cf,
                 {**dict.fromkeys(cf.columns[4:], _MONEY), "period": _INT, "year": _INT}, freeze_col=2)

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
                 {c: (_PCT if c in SHARE_FIELDS else "0.00") for c in own.columns[1:-2]}, wrap={"source": 90},
                 freeze_col=1)

    buf = io.BytesIO()
    wb.save(buf)
    return write_text_atomic(path, buf.getvalue(), overwrite=overwrite)


def _summary_sheet(wb, result, st: dict) -> None:
    """The Summary sheet: title, recommendation, stamp and a note, then :meth:`Result.summary`
    (header on row 5); where a status quo is stated, each cell's difference from it first."""
    s = result.scenario
    cur = s.currency
    summary = result.summary()
    summary["certainty_equivalent"] = shown_certainty_equivalent(summary)  # the number, or why there is none
    summary = summary.drop(columns="ce_note")
    versus = [c for c in VERSUS_STATUS_QUO if c in summary.columns]
    summary = summary[versus + [c for c in summary.columns if c not in versus]]  # differences first
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
    sheet.ws.append([sheet.cell(f"Money in {cur}, nominal; NPV at {rate(s.discount_rate)} over {s.horizon_years} "
                                f"years; CVaR is the mean of the worst 10% of NPV; risk tolerance "
                                f"{amount(result.risk_tolerance, cur)}." + (_VERSUS_NOTE if versus else ""))])
    sheet.table(cols, rows, fmts)


def _status_quo_sheet(wb, result) -> None:
    """The Status quo sheet: what happens if nothing changes (its description in the note), and
    its NPV, PV of cost and TCO over the trials: mean, P10, P50, P90."""
    import pandas as pd

    sq, cur = result.status_quo_summary(), result.scenario.currency
    what = result.scenario.status_quo.description
    labels = {"npv": "NPV", "pv_cost": "PV of cost", "tco": "TCO"}
    df = pd.DataFrame(
        [[f"{labels[key]} ({cur})", *row] for key, *row in sq.itertuples(name=None)],  # type: ignore[union-attr]
        columns=["measure", "mean", "P10", "P50", "P90"],
    )
    _write_frame(wb, "Status quo", f"The status quo: {what or 'what happens if nothing changes'}. No owner, no launch "
                 f"delay, overrun or governance overhead; from the same draws as the options, {result.trials:,} "
                 f"trials. The Summary sheet shows each choice against it.", df,
                 dict.fromkeys(["mean", "P10", "P50", "P90"], _MONEY), freeze_col=1)


def _money_col(c: str) -> bool:
    return c.startswith(("npv_", "tco_", "pv_cost", "expected_regret", "cvar_", "certainty_equivalent"))


def _summary_format(c: str) -> str:
    if _money_col(c):
        return _MONEY
    if c in ("p_loss", "p_best", "p_best_se", "p_worse_than_status_quo"):
        return _PCT
    if c == "security_incidents":
        return "0.00"
    return _ONE
