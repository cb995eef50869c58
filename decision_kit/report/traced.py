"""The workbook's traceable sheets: discounting as Excel formulas, and the per-trial file.

What is here: :func:`npv_sheet` (the sheet :data:`NPV_SHEET`: the discount rate as one input
cell, discount factors, each cell's mean cost, benefit and net flow per year, with totals and
NPVs as formulas beside the simulation's own figures); :func:`base_case_sheet` (the base case
by category, its totals, net and NPV as formulas on the same rate); :func:`trials_csv_path`
and :func:`trials_csv` (every trial's metrics as a compact CSV next to the workbook).

Convention (:func:`decision_kit.finance.discount_factors`): the flow of period ``t`` is
discounted by ``1 / (1 + rate)**t``, period 0 being the decision date (undiscounted). The
formulas therefore use ``SUMPRODUCT`` of a flow row and the discount-factor row rather than
Excel's ``NPV``, which would discount the first flow too. The mean flows' NPV at the
scenario's rate is the simulation's expected NPV (the mean of a sum is the sum of the means).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

NPV_SHEET = "NPV of mean flows"
"""Title of the sheet whose discount rate cell every NPV formula of the workbook reads."""

RATE_CELL = "$B$2"
"""The discount rate's input cell on :data:`NPV_SHEET`."""

FIRST_PERIOD_COLUMN = 4
"""Column (1-based, D) of period 0 on :data:`NPV_SHEET` and the Base case sheet."""

_PERIOD_ROW, _FACTOR_ROW = 4, 5  # on NPV_SHEET, below the header on row 3
_MONEY, _RATE, _FACTOR = "#,##0", "0.00%", "0.0000"


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def period_labels(scenario, periods: int) -> list[str]:
    """Column headers of the periods, as :func:`~decision_kit.simulation.base_case` names them."""
    return ["t0 (decision)"] + [str(scenario.start_year + t - 1) for t in range(1, periods)]


class _Rows:
    """Formulas over one sheet's period columns: ``first`` to ``last`` (letters)."""

    def __init__(self, periods: int, factors: str):
        self.first, self.last = _col(FIRST_PERIOD_COLUMN), _col(FIRST_PERIOD_COLUMN + periods - 1)
        self.columns = [_col(FIRST_PERIOD_COLUMN + t) for t in range(periods)]
        self.factors = factors  # the discount-factor row, as an absolute range

    def total(self, r: int) -> str:
        return f"=SUM({self.first}{r}:{self.last}{r})"

    def npv(self, r: int) -> str:
        return f"=SUMPRODUCT({self.first}{r}:{self.last}{r},{self.factors})"


def npv_sheet(sheet, result) -> dict[tuple[str, str], int]:
    """Fill ``sheet`` (a fresh workbook sheet wrapper) with the discounting of the mean flows.

    Row 2 holds the discount rate (the input cell :data:`RATE_CELL`), row 3 the header, row 4
    the period numbers and row 5 their discount factors ``=1/(1+rate)^t``. Then, for the
    status quo (where the scenario states one) and for each option x owner cell, three rows:
    mean cost and mean benefit per year (values, over all trials), and mean net (formulas:
    benefit - cost). Each row ends with its total (``SUM``) and its NPV (``SUMPRODUCT`` with
    the discount factors); a net row adds its NPV less the status quo's (formula) and the
    simulation's expected NPV (and difference from the status quo) as values, which the
    formulas equal at the scenario's rate. Returns the row of each cell's net flow.
    """
    s, lay, cur = result.scenario, result.layout, result.scenario.currency
    P = lay.periods
    sq = result.status_quo_means if result.status_quo is not None else None
    f = _Rows(P, f"${_col(FIRST_PERIOD_COLUMN)}${_FACTOR_ROW}:${_col(FIRST_PERIOD_COLUMN + P - 1)}${_FACTOR_ROW}")
    at = f"at {s.discount_rate:.2%}"
    tail = [f"Total ({cur})", f"NPV ({cur})"] + ([f"NPV vs status quo ({cur})"] if sq is not None else [])
    tail += [f"Simulated expected NPV ({cur}, {at})"]
    tail += [f"Simulated NPV vs status quo ({cur}, {at})"] if sq is not None else []
    header = ["option", "owner", "flow", *period_labels(s, P), *tail]
    sheet.layout(3, [16, 12, 16] + [13] * P + [15] * len(tail), freeze_col=3)
    sheet.ws.append(
        [
            sheet.cell(
                f"Mean cash flows per year over all {result.trials:,} trials ({cur}, nominal; costs and benefits "
                "positive). Change the discount rate in B2 and every NPV in this workbook recomputes: a flow in "
                "period t is discounted by 1/(1+rate)^t, period 0 (the decision date) not at all, so NPV = "
                "SUMPRODUCT(flows, discount factors) (Excel's NPV() would discount period 0 too). At the scenario's "
                "rate the NPV of the mean net flow is the simulation's expected NPV (shown beside it)"
                + ("; NPV vs status quo is a cell's NPV less the status quo's." if sq is not None else ".")
            )
        ]
    )
    sheet.ws.append(
        [
            sheet.cell("Discount rate", bold=True),
            sheet.cell(float(s.discount_rate), _RATE, bold=True),
            sheet.cell("per year, nominal: the input cell"),
        ]
    )
    sheet.ws.append([sheet.cell(c, bold=True, wrap=True) for c in header])
    sheet.ws.append(["", "", "period", *range(P)])
    sheet.ws.append(
        ["", "", "discount factor", *[sheet.cell(f"=1/(1+{RATE_CELL})^{c}{_PERIOD_ROW}", _FACTOR) for c in f.columns]]
    )
    row = _FACTOR_ROW + 1
    sq_net = None
    if sq is not None:
        _flow_rows(sheet, f, row, ("status quo", ""), sq["cost"], sq["benefit"], [])
        sq_net, row = row + 2, row + 3
    summary = result.summary()
    npv_col = _col(FIRST_PERIOD_COLUMN + P + 1)
    nets = {}
    for oi, o in enumerate(lay.options):
        for wi, w in enumerate(lay.owners):
            top = summary.loc[(o, w)]
            extra = [sheet.cell(f"={npv_col}{row + 2}-{npv_col}{sq_net}", _MONEY)] if sq_net is not None else []
            extra.append(sheet.cell(float(top.npv_mean), _MONEY))
            if sq_net is not None:
                extra.append(sheet.cell(float(top.npv_vs_status_quo_mean), _MONEY))
            _flow_rows(
                sheet, f, row, (o, w), result.means["cost"][:, oi, wi], result.means["benefit"][:, oi, wi], extra
            )
            nets[(o, w)] = row + 2
            row += 3
    return nets


def _flow_rows(sheet, f: _Rows, row: int, cell: tuple[str, str], cost, benefit, net_extra: list) -> None:
    """Three rows from ``row``: mean cost, mean benefit (values) and mean net (formulas), each
    with its total and NPV; ``net_extra`` follows the net row's NPV."""
    o, w = cell
    for k, (name, flows) in enumerate((("mean cost", cost), ("mean benefit", benefit))):
        sheet.ws.append(
            [
                sheet.cell(o) if k == 0 else "",
                sheet.cell(w) if k == 0 else "",
                name,
                *[sheet.cell(float(v), _MONEY) for v in flows],
                sheet.cell(f.total(row + k), _MONEY),
                sheet.cell(f.npv(row + k), _MONEY),
            ]
        )
    net = [sheet.cell(f"={c}{row + 1}-{c}{row}", _MONEY) for c in f.columns]
    sheet.ws.append(
        [
            "",
            "",
            sheet.cell("mean net", bold=True),
            *net,
            sheet.cell(f.total(row + 2), _MONEY),
            sheet.cell(f.npv(row + 2), _MONEY, bold=True),
            *net_extra,
        ]
    )


def base_case_sheet(sheet, scenario, note: str) -> None:
    """Fill ``sheet`` with :func:`~decision_kit.simulation.base_case`: per option x owner, each
    category's flow per year (values), then total cost, total benefit and net per year as
    formulas (sums of the category rows; benefit - cost), and for every row its total and its
    NPV at the rate of :data:`NPV_SHEET` (formulas)."""
    from ..plan import compile_plan
    from ..simulation import base_case

    lay = compile_plan(scenario).layout
    P, cur = lay.periods, scenario.currency
    bc = base_case(scenario)
    q = f"'{NPV_SHEET}'!"
    f = _Rows(P, f"{q}${_col(FIRST_PERIOD_COLUMN)}${_FACTOR_ROW}:${_col(FIRST_PERIOD_COLUMN + P - 1)}${_FACTOR_ROW}")
    header = ["option", "owner", "flow", *period_labels(scenario, P), f"Total ({cur})", f"NPV ({cur})"]
    sheet.layout(2, [16, 12, 16] + [13] * P + [15, 15], freeze_col=3)
    sheet.ws.append([sheet.cell(note)])
    sheet.ws.append([sheet.cell(c, bold=True, wrap=True) for c in header])
    row = 3
    totals = ("total cost", "total benefit", "net")
    for (o, w), g in bc.groupby(level=["option", "owner"], sort=False):
        flows = g.droplevel(["option", "owner"])
        cats = [k for k in flows.index if k not in totals]
        costs = [k for k in cats if k in lay.cost_rows]
        first_cost, first_benefit = row, row + len(costs)
        for i, k in enumerate(cats):
            sheet.ws.append(
                [
                    sheet.cell(o) if i == 0 else "",
                    sheet.cell(w) if i == 0 else "",
                    sheet.cell(k),
                    *[sheet.cell(float(v), _MONEY) for v in flows.loc[k]],
                    sheet.cell(f.total(row + i), _MONEY),
                    sheet.cell(f.npv(row + i), _MONEY),
                ]
            )
        row += len(cats)
        spans = ((first_cost, first_benefit - 1), (first_benefit, row - 1))
        for j, name in enumerate(totals):
            if j < 2:
                a, b = spans[j]
                cells = [f"=SUM({c}{a}:{c}{b})" if b >= a else 0.0 for c in f.columns]
            else:
                cells = [f"={c}{row - 1}-{c}{row - 2}" for c in f.columns]
            sheet.ws.append(
                [
                    "",
                    "",
                    sheet.cell(name, bold=True),
                    *[sheet.cell(v, _MONEY) for v in cells],
                    sheet.cell(f.total(row), _MONEY),
                    sheet.cell(f.npv(row), _MONEY, bold=j == 2),
                ]
            )
            row += 1


TRIAL_COLUMNS = {
    "npv": "NPV ({cur})",
    "pv_cost": "PV of cost ({cur})",
    "tco": "TCO ({cur})",
    "payback": "payback (years; empty: never)",
    "launch_months": "launch (months)",
    "security_events": "security incidents",
}
"""Per-trial metric -> its header in the trials file (``{cur}``: the scenario's currency)."""

_MONEY_METRICS = ("npv", "pv_cost", "tco")


def trials_csv_path(path: str | os.PathLike) -> Path:
    """Where the trials file of the workbook at ``path`` goes: ``memo.xlsx`` -> ``memo-trials.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}-trials.csv")


def trials_csv(result) -> str:
    """Every trial's metrics as CSV text: one row per trial, option and owner (``trial`` counts
    from 0, as :meth:`~decision_kit.results.Result.per_trial`), headers in words with units
    (:data:`TRIAL_COLUMNS`); money rounded to whole units, whole-valued columns (incident
    counts) as integers, the rest to two decimals; a payback never reached is an empty field."""
    cur = result.scenario.currency
    df = result.per_trial().reset_index()
    for k in TRIAL_COLUMNS:
        x = df[k].to_numpy(dtype=np.float64)
        whole = np.isfinite(x).all() and (k in _MONEY_METRICS or bool(np.all(x == np.rint(x))))  # e.g. counts
        df[k] = np.rint(x).astype(np.int64) if whole else np.round(x, 2)
    df = df.rename(columns={k: v.format(cur=cur) for k, v in TRIAL_COLUMNS.items()})
    return df.to_csv(index=False, lineterminator="\n")
