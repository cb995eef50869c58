"""The workbook's formulas, recomputed outside Excel (pycel), give the result's NPVs.

The sheet 'NPV of mean flows' holds each cell's mean cost and benefit per year as values and
everything else as formulas: discount factors from the one rate cell, net flows, totals, NPVs
and differences from the status quo. The references are independent of those formulas: the
expected NPV of :meth:`Result.summary` is the mean of the per-trial NPVs (the engine's own
discounting, trial by trial); numpy-financial's ``npv`` (period 0 undiscounted) for other
rates; the plain sum for rate 0 (the limiting case). The Base case sheet's totals, net and
NPV are checked against :func:`decision_kit.base_case` and numpy-financial the same way.
"""

from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest

import decision_kit as dk
from decision_kit import report
from decision_kit.report.traced import FIRST_PERIOD_COLUMN, NPV_SHEET

pycel = pytest.importorskip("pycel")

ROOT = Path(__file__).resolve().parents[1]
TRIALS, SEED = 400, 11
SHEET = f"'{NPV_SHEET}'"


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


class Book:
    """A written workbook, its formulas compiled by pycel, and where each row is."""

    def __init__(self, result, path: Path):
        from openpyxl import load_workbook

        report.write_xlsx(result, path, trials_file=False)
        self.xl = pycel.ExcelCompiler(filename=str(path))
        self.P = result.layout.periods
        self.total, self.npv = _col(FIRST_PERIOD_COLUMN + self.P), _col(FIRST_PERIOD_COLUMN + self.P + 1)
        self.versus = _col(FIRST_PERIOD_COLUMN + self.P + 2)
        ws = load_workbook(path)[NPV_SHEET]
        self.rows, cell = {}, None
        for r in ws.iter_rows(min_row=report.XLSX_HEADER_ROW[NPV_SHEET] + 1):
            if r[0].value:
                cell = (r[0].value, r[1].value or "")
            if r[2].value in ("mean cost", "mean benefit", "mean net"):
                self.rows[(*cell, r[2].value)] = r[0].row
        self.formula = {k: ws[f"{self.npv}{r}"].value for k, r in self.rows.items()}
        self.base = load_workbook(path)["Base case"]

    def get(self, ref: str, sheet: str = SHEET) -> float:
        return float(self.xl.evaluate(f"{sheet}!{ref}"))

    def npv_of(self, cell, flow="mean net") -> float:
        return self.get(f"{self.npv}{self.rows[(*cell, flow)]}")

    def set_rate(self, rate: float) -> None:
        self.xl.set_value(f"{SHEET}!B2", rate)


@pytest.fixture(scope="module")
def result():
    return dk.simulate(dk.load_scenario(ROOT / "scenarios" / "marketing_automation.yaml"), trials=TRIALS, seed=SEED)


@pytest.fixture(scope="module")
def book(result, tmp_path_factory):
    return Book(result, tmp_path_factory.mktemp("formulas") / "memo.xlsx")


def _cells(result):
    return [(o, w) for o in result.layout.options for w in result.layout.owners]


def test_the_npvs_are_formulas_that_recompute_to_the_expected_npvs(result, book):
    summary = result.summary()
    assert book.formula[("build", "marketing", "mean net")].startswith("=SUMPRODUCT(")
    for cell in _cells(result):
        assert book.npv_of(cell) == pytest.approx(summary.at[cell, "npv_mean"], rel=1e-9, abs=1e-6), cell
        # NPV of the net row = NPV of benefits less NPV of costs (each its own formula)
        assert book.npv_of(cell, "mean benefit") - book.npv_of(cell, "mean cost") == pytest.approx(
            summary.at[cell, "npv_mean"], rel=1e-9, abs=1e-6
        )


def test_the_differences_from_the_status_quo_recompute_too(result, book):
    summary = result.summary()
    sq = float(np.mean(result.status_quo["npv"]))
    assert book.npv_of(("status quo", "")) == pytest.approx(sq, rel=1e-9)
    for cell in _cells(result):
        row = book.rows[(*cell, "mean net")]
        assert book.get(f"{book.versus}{row}") == pytest.approx(
            summary.at[cell, "npv_vs_status_quo_mean"], rel=1e-9, abs=1e-6
        ), cell


def test_a_changed_rate_recomputes_every_npv(result, book):
    cell = result.best_cell
    oi, wi = result.layout.options.index(cell[0]), result.layout.owners.index(cell[1])
    net = result.means["benefit"][:, oi, wi] - result.means["cost"][:, oi, wi]
    try:
        book.set_rate(0.0)  # rate 0: the NPV is the plain sum, the row's total
        assert book.npv_of(cell) == pytest.approx(net.sum(), rel=1e-12)
        assert book.get(f"{book.total}{book.rows[(*cell, 'mean net')]}") == pytest.approx(net.sum(), rel=1e-12)
        book.set_rate(0.15)
        assert book.npv_of(cell) == pytest.approx(npf.npv(0.15, net), rel=1e-12)
        sq = result.status_quo_means["benefit"] - result.status_quo_means["cost"]
        row = book.rows[(*cell, "mean net")]
        assert book.get(f"{book.versus}{row}") == pytest.approx(npf.npv(0.15, net) - npf.npv(0.15, sq), rel=1e-12)
        base_net = dk.base_case(result.scenario, *cell).loc["net"].to_numpy()
        assert book.get(_base_ref(book, cell, "net", book.npv), "'Base case'") == pytest.approx(
            npf.npv(0.15, base_net), rel=1e-12
        )
    finally:
        book.set_rate(float(result.scenario.discount_rate))


def _base_ref(book, cell, flow, column) -> str:
    current = None
    for r in book.base.iter_rows(min_row=report.XLSX_HEADER_ROW["Base case"] + 1):
        if r[0].value:
            current = (r[0].value, r[1].value)
        if current == cell and r[2].value == flow:
            return f"{column}{r[0].row}"
    raise KeyError((cell, flow))


def test_the_base_case_totals_net_and_npv_are_formulas(result, book):
    rate = float(result.scenario.discount_rate)
    bc = dk.base_case(result.scenario)
    for cell in _cells(result):
        flows = bc.xs(cell, level=["option", "owner"])
        for flow in ("total cost", "total benefit", "net"):
            got = [
                book.get(_base_ref(book, cell, flow, _col(FIRST_PERIOD_COLUMN + t)), "'Base case'")
                for t in range(book.P)
            ]
            np.testing.assert_allclose(got, flows.loc[flow].to_numpy(), rtol=1e-12, atol=1e-6)
        total = book.get(_base_ref(book, cell, "net", book.total), "'Base case'")
        assert total == pytest.approx(flows.loc["net"].sum(), rel=1e-12)
        assert book.get(_base_ref(book, cell, "net", book.npv), "'Base case'") == pytest.approx(
            npf.npv(rate, flows.loc["net"].to_numpy()), rel=1e-12
        )


def test_without_a_status_quo_the_sheet_has_the_cells_alone(tmp_path):
    scenario = dk.load_scenario(ROOT / "scenarios" / "marketing_automation.yaml")
    r = dk.simulate(scenario.model_copy(update={"status_quo": None}), trials=TRIALS, seed=SEED)
    assert r.status_quo is None and r.status_quo_means is None
    book = Book(r, tmp_path / "plain.xlsx")
    assert not any(k[0] == "status quo" for k in book.rows)
    summary = r.summary()
    for cell in _cells(r):
        assert book.npv_of(cell) == pytest.approx(summary.at[cell, "npv_mean"], rel=1e-9, abs=1e-6), cell


def test_the_status_quo_mean_flows_are_the_same_however_the_trials_are_split():
    """The status quo's mean flows (what the sheet discounts) are summed chunk by chunk in
    chunk order: slices of a block and threads change at most the last digits, and discounted
    they give the mean of the status quo's per-trial NPVs."""
    s = dk.load_scenario(ROOT / "scenarios" / "analytics_stack.yaml")
    n = 2 * dk.sampling.BLOCK + 100  # three chunks
    whole = dk.simulate(s, trials=n, seed=5, threads=1, max_memory=None)
    cap = dk.simulation.memory_estimate(s, n, 1, 1, 3000)
    sliced = dk.simulate(s, trials=n, seed=5, threads=1, max_memory=cap)
    assert dk.simulation._fit_memory(dk.plan.compile_plan(s), n, 1, 1, cap)[2] < dk.sampling.BLOCK
    threaded = dk.simulate(s, trials=n, seed=5, threads=2)
    for other in (sliced, threaded):
        for k in ("cost", "benefit"):
            np.testing.assert_allclose(other.status_quo_means[k], whole.status_quo_means[k], rtol=1e-12)
    net = whole.status_quo_means["benefit"] - whole.status_quo_means["cost"]
    assert npf.npv(s.discount_rate, net) == pytest.approx(np.mean(whole.status_quo["npv"]), rel=1e-12)
