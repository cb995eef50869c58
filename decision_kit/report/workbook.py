"""The Excel workbook of a memo: the memo's numbers as numbers, with number formats, and
the discounting as formulas a reviewer can trace (:mod:`.traced`).

What is here: :func:`write_xlsx`; :data:`SUMMARY_LABELS` (the summary's column headers),
``VERSUS_STATUS_QUO`` (re-exported from :mod:`decision_kit.results`: the columns of each cell
against the status quo), :data:`XLSX_HEADER_ROW` (where each sheet's table starts) and the
headers in words of the other sheets (:data:`CASHFLOW_LABELS`, :data:`ASSUMPTION_LABELS`,
:data:`OWNERSHIP_LABELS`); the write-only sheet helper :class:`_Sheet` and the per-sheet writers,
among them :func:`_review_sheet` (:data:`REVIEW_SHEET`, a plan-vs-actual review).
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
from .traced import NPV_SHEET, base_case_sheet, npv_sheet, trials_csv, trials_csv_path

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

XLSX_HEADER_ROW: dict[str, int] = {"Summary": 5, NPV_SHEET: 3, "Base case": 2, "Cash flows": 2,
                                   "Assumptions": 2, "Ownership": 2, "Status quo": 2, "Plan vs actual": 3}
"""Row (1-based) of each workbook sheet's table header: ``pd.read_excel(..., header=row - 1)``.
On "Plan vs actual" it is the first of its tables (see :func:`_review_sheet`)."""

REVIEW_SHEET = "Plan vs actual"
"""The sheet of a plan-vs-actual review (``write_xlsx(..., review=...)``)."""

CASHFLOW_LABELS: dict[str, str] = {
    "period": "period", "year": "year", "cost_mean": "mean cost ({cur})", "benefit_mean": "mean benefit ({cur})",
    "net_mean": "mean net ({cur})", "marketing_pays": "marketing pays ({cur})", "it_pays": "IT pays ({cur})",
}
"""Column of :meth:`Result.cashflows` -> header on the Cash flows sheet (``{cur}``: the currency);
``cum_net_pN`` and ``cum_cost_pN`` become "cumulative net PN" and "cumulative cost PN"."""

ASSUMPTION_LABELS: dict[str, str] = {
    "path": "input", "distribution": "distribution as written", "fixed": "fixed", "mean": "mean", "p10": "P10",
    "p50": "P50", "p90": "P90", "source": "source", "grade": "grade (A-D; J: judgement)",
}
"""Column of :func:`assumptions` -> header on the Assumptions sheet."""

OWNERSHIP_LABELS: dict[str, str] = {
    "owner": "owner", "launch_factor": "launch time (x shared)", "launch_extra_months": "extra launch (months)",
    "integration_factor": "integration cost (x shared)", "incident_frequency": "incident frequency (x shared)",
    "incident_severity": "incident severity (x shared)", "governance_overhead": "governance overhead (share)",
    "consolidation": "consolidation (share)", "realisation_factor": "benefit realisation (x shared)",
    "marketing_share": "marketing's share of cost", "overridden": "overridden by the scenario", "source": "source",
}
"""Column of :func:`ownership` -> header on the Ownership sheet (other shifts: their name in words)."""

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
                 freeze_col: int = 0, labels: dict[str, str] | None = None):
    """One sheet: note in row 1, ``df``'s columns as the table from row 2 (headed by ``labels``
    where given: ``formats`` and ``wrap`` name the frame's own columns)."""
    sheet = _Sheet(wb, title)
    fmts = [formats.get(str(c)) for c in df.columns]
    wrap = {(labels or {}).get(c, c): w for c, w in (wrap or {}).items()}
    columns = [(labels or {}).get(str(c), str(c)) for c in df.columns]
    widths = _widths(columns, list(df.head(200).itertuples(index=False, name=None)), fmts)
    for c, w in (wrap or {}).items():
        widths[columns.index(c)] = w
    sheet.layout(XLSX_HEADER_ROW[title], widths, freeze_col)
    sheet.ws.append([sheet.cell(note)])
    sheet.table(columns, df.itertuples(index=False, name=None), fmts, wrap={columns.index(c) for c in (wrap or {})})


def write_xlsx(result, path: str | os.PathLike, *, overwrite: bool = False, trials_file: bool = True,
               generated: datetime | None = None, review=None) -> Path:
    """Write the memo's numbers to an Excel workbook, and every trial's metrics to a CSV file
    beside it (both atomically; neither is written if either exists, unless ``overwrite``:
    else ``FileExistsError`` and both files are untouched).

    Sheets: **Summary** (recommendation, stamp, and :meth:`Result.summary` with the headers of
    :data:`SUMMARY_LABELS`; where the scenario states a status quo, the columns of
    :data:`VERSUS_STATUS_QUO` come first and the absolute figures after, and a **Status quo**
    sheet follows with its NPV, PV of cost and TCO), **NPV of mean flows**
    (:func:`~decision_kit.report.traced.npv_sheet`: the discount rate as one input cell, each
    cell's mean cost, benefit and net per year, totals and NPVs as formulas beside the
    simulated expected NPV), **Base case** (:func:`~decision_kit.simulation.base_case` by year
    and category, totals, net and NPV as formulas on the same rate), **Cash flows**
    (:meth:`Result.cashflows`: means, who pays, P10/P50/P90 bands), **Assumptions**
    (:func:`assumptions`) and **Ownership** (:func:`ownership`). Headers are words with units.
    Numbers are numeric cells with formats (money ``#,##0``, probabilities ``0.0%``); a payback
    never reached is the word "never"; other NaN are empty cells. A certainty equivalent that
    does not exist is the sentence saying why
    (:func:`~decision_kit.results.shown_certainty_equivalent`, as in the HTML memo), never a number.

    With ``trials_file`` (the default), :meth:`Result.per_trial` goes to
    :func:`~decision_kit.report.traced.trials_csv_path` (``memo.xlsx`` -> ``memo-trials.csv``;
    :func:`~decision_kit.report.traced.trials_csv`), every trial, not a sheet.

    With ``review`` (a :class:`~decision_kit.review_scenario.ScenarioReview` of the same
    scenario), a last sheet **Plan vs actual** carries it (:func:`_review_sheet`).
    """
    from openpyxl import Workbook

    path = Path(path)
    csv_path = trials_csv_path(path) if trials_file else None
    refuse_existing(path, overwrite)
    if csv_path is not None:
        refuse_existing(csv_path, overwrite)
    st = stamp(result, generated)
    s = result.scenario
    cur = s.currency
    wb = Workbook(write_only=True)

    _summary_sheet(wb, result, st, csv_path)
    if result.status_quo is not None:
        _status_quo_sheet(wb, result)
    npv_sheet(_Sheet(wb, NPV_SHEET), result)
    base_case_sheet(_Sheet(wb, "Base case"), s, f"Deterministic base case: every input at its median, no risk "
                    f"event; {cur}, costs and benefits positive, net = benefit - cost. Period 0 is the decision "
                    f"date. Totals, net and NPV are formulas; the discount rate is the input cell on '{NPV_SHEET}'.")

    cf = result.cashflows()
    _write_frame(wb, "Cash flows", f"Mean cash flows per year over {result.trials:,} trials ({cur}); who pays "
                 "(marketing or IT); bands are percentiles of cumulative net and cumulative cost "
                 f"(from the first {result.band_net.shape[0]:,} trials).", cf,
                 {**dict.fromkeys(cf.columns[4:], _MONEY), "period": _INT, "year": _INT}, freeze_col=2,
                 labels=_cashflow_labels(cf.columns, cur))

    a = assumptions(s)
    as_written = [float(m) if fixed else d for d, fixed, m in zip(a.distribution, a.fixed, a["mean"])]
    a = a.assign(distribution=as_written)  # a fixed input is a bare number in the file: a number here too
    _write_frame(wb, "Assumptions", "Every input of the scenario as written, with its mean and quantiles and its "
                 "source (for a shipped prior: its citation and grade A-D, J = judgement).",
                 a, {},  # General: inputs range from fractions to millions, and '#,##0.##' would show '6.'
                 wrap={"distribution": 40, "source": 90}, freeze_col=1, labels=ASSUMPTION_LABELS)

    own = ownership(s)
    _write_frame(wb, "Ownership", "Ownership shifts used (relative to shared = 1): shipped defaults with the "
                 "scenario's overrides (listed in 'overridden by the scenario').", own,
                 {c: (_PCT if c in SHARE_FIELDS else "0.00") for c in own.columns[1:-2]}, wrap={"source": 90},
                 freeze_col=1, labels={c: OWNERSHIP_LABELS.get(c, c.replace("_", " ")) for c in own.columns})
    if review is not None:
        _review_sheet(wb, review)

    buf = io.BytesIO()
    wb.save(buf)
    text = trials_csv(result) if csv_path is not None else None  # before writing anything: all or nothing
    out = write_text_atomic(path, buf.getvalue(), overwrite=overwrite)
    if csv_path is not None and text is not None:
        write_text_atomic(csv_path, text, overwrite=overwrite)
    return out


def _cashflow_labels(columns, cur: str) -> dict[str, str]:
    """Headers in words for the columns of :meth:`Result.cashflows`."""
    out = {}
    for c in columns:
        if c.startswith(("cum_net_p", "cum_cost_p")):
            what, q = c[4:].rsplit("_p", 1)
            out[c] = f"cumulative {what} P{q} ({cur})"
        else:
            out[c] = CASHFLOW_LABELS.get(c, c).format(cur=cur)
    return out


def _summary_sheet(wb, result, st: dict, csv_path: Path | None = None) -> None:
    """The Summary sheet: title, recommendation, stamp and a note (naming the trials file
    ``csv_path``, if any), then :meth:`Result.summary` (header on row 5); where a status quo is
    stated, each cell's difference from it first; a payback never reached reads "never"."""
    s = result.scenario
    cur = s.currency
    summary = result.summary()
    summary["certainty_equivalent"] = shown_certainty_equivalent(summary)  # the number, or why there is none
    summary = summary.drop(columns="ce_note")
    summary["payback_p50"] = summary["payback_p50"].astype(object).where(summary["payback_p50"].notna(), "never")
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
                                f"{amount(result.risk_tolerance, cur)}." + (_VERSUS_NOTE if versus else "")
                                + f" The NPVs are traced by formulas on '{NPV_SHEET}'."
                                + (f" Every trial's metrics: {csv_path.name}." if csv_path is not None else ""))])
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


def _review_sheet(wb, rv) -> None:
    """The Plan vs actual sheet of a review ``rv`` (:mod:`decision_kit.review_tables`): a note,
    then five tables one under the other, each with a bold title row above its header: what
    changed (header on row :data:`XLSX_HEADER_ROW`; each row formatted by its unit), the
    expected NPV to go of every open action, each milestone's chance (where the scenario states
    milestones), prior versus posterior per input sorted by how far it moved, and each
    observation's Shapley share. What does not apply is the text "n/a"."""
    from .. import review_tables as rt

    a, cur = rv.actuals, rv.currency
    sheet = _Sheet(wb, REVIEW_SHEET)
    sheet.layout(1, [62] + [18] * 9)
    when = f" ({a.date.isoformat()})" if a.date is not None else ""
    sheet.ws.append([sheet.cell(
        f"Plan versus actual: {a.cell.option} owned by {a.cell.owner}, as of year {a.as_of_years} after the decision"
        f"{when}; {rv.trials:,} prior trials, seed {rv.seed}. Money in {cur}, as NPV at the decision date "
        f"(discounted at {rate(rv.scenario.discount_rate)}); to go: the flows after the review date; chances as "
        "shares. Inputs in their own units; a shift in prior standard deviations.")])
    unit_format = {cur: _MONEY, rt.SHARE: _PCT, rt.TRIALS: "#,##0"}
    summary = rt.summary_frame(rv)
    _titled(sheet, "What changed", list(summary.columns),
            list(summary.itertuples(index=False, name=None)),
            lambda i, row: [None, *[unit_format.get(row[4])] * 3, None])
    tables = [("Expected NPV to go of each open action", rt.actions_frame(rv), {1: _MONEY, 2: _MONEY, 3: _MONEY})]
    miles = rt.milestones_frame(rv)
    if miles is not None:
        tables.append(("Chance of passing each milestone", miles, {1: _ONE, 4: _PCT, 5: _PCT, 6: _PCT}))
    tables.append(("Prior versus posterior per input, largest shift first", rt.inputs_frame(rv), {9: "0.00"}))
    tables.append(("What each observation changed (Shapley shares)", rt.observations_frame(rv), {1: "General",
                                                                                                  4: _MONEY}))
    for title, frame, formats in tables:
        sheet.ws.append([])
        fmts = [formats.get(i) for i in range(len(frame.columns))]
        _titled(sheet, title, list(frame.columns), frame.itertuples(index=False, name=None),
                lambda i, row, fmts=fmts: fmts)


def _titled(sheet: _Sheet, title: str, columns: list[str], rows, formats) -> None:
    """A bold title row, then a table whose row ``i`` has the number formats ``formats(i, row)``."""
    sheet.ws.append([sheet.cell(title, bold=True)])
    sheet.ws.append([sheet.cell(c, bold=True, wrap=True) for c in columns])
    for i, row in enumerate(rows):
        sheet.ws.append([sheet.cell(v, None if isinstance(v, str) else f) for v, f in zip(row, formats(i, row))])
