"""The status quo in the HTML memo and the Excel workbook: every option x owner cell shown as
its difference from the status quo first, the absolute figures one column away, and the status
quo itself (a card in the memo, a sheet in the workbook); nothing of it without a status quo.

Every expected number is computed here from the per-trial arrays (``Result.metrics`` and
``Result.status_quo``) with numpy, and written with :mod:`decision_kit.formatting`: the
difference of two cells in the same trial, its mean and percentiles, the share of trials below
zero. The option ``keep`` is the status quo under a neutral owner, so its differences are
exactly 0 (tests/test_status_quo.py shows why).
"""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import loading, report
from decision_kit.formatting import compact, money, percent

NEUTRAL = (
    "{governance_overhead: 0, launch_factor: 1, launch_extra_months: 0, integration_factor: 1, "
    "realisation_factor: 1, incident_frequency: 1, incident_severity: 1, consolidation: 0}"
)

WITH_STATUS_QUO = f"""
name: email tool
horizon_years: 5
discount_rate: 8%
status_quo:
  description: today's email tool, ended by its vendor in year 3
  costs:
    email_tool: {{category: license, timing: recurring, amount: {{dist: triangular, low: 20k, mode: 30k, high: 45k}}}}
    forced_replacement:
      {{category: implementation, timing: one_off, year: 3, amount: {{dist: pert, low: 20k, mode: 40k, high: 90k}}}}
owners:
  marketing: {NEUTRAL}
  it: {{}}
options:
  keep:
    kind: do_nothing
    extends: status_quo
  replace:
    kind: buy
    launch_months: 3
    costs:
      map: {{category: license, timing: recurring, amount: 60k}}
      setup: {{category: implementation, timing: one_off, amount: 40k}}
    benefits:
      pipeline: {{category: revenue, amount: {{dist: lognormal, median: 300k, p90: 700k}}, ramp_months: 6}}
"""

WITHOUT_STATUS_QUO = f"""
name: email tool
horizon_years: 5
discount_rate: 8%
owners:
  marketing: {NEUTRAL}
  it: {{}}
options:
  keep:
    kind: do_nothing
    costs:
      email_tool: {{category: license, timing: recurring, amount: {{dist: triangular, low: 20k, mode: 30k, high: 45k}}}}
  replace:
    kind: buy
    launch_months: 3
    costs:
      map: {{category: license, timing: recurring, amount: 60k}}
    benefits:
      pipeline: {{category: revenue, amount: {{dist: lognormal, median: 300k, p90: 700k}}, ramp_months: 6}}
"""

TRIALS, SEED = 2_000, 5
CELLS = [("keep", "marketing"), ("keep", "it"), ("replace", "marketing"), ("replace", "it")]


@pytest.fixture(scope="module")
def result():
    return dk.simulate(loading.loads(WITH_STATUS_QUO), trials=TRIALS, seed=SEED)


@pytest.fixture(scope="module")
def plain():
    return dk.simulate(loading.loads(WITHOUT_STATUS_QUO), trials=500, seed=SEED)


def _against(r, cell):
    """The cell's per-trial NPV minus the status quo's, and its PV of cost minus the status quo's mean."""
    o, w = r.layout.options.index(cell[0]), r.layout.owners.index(cell[1])
    d = r.metrics.npv[:, o, w].astype(float) - np.asarray(r.status_quo["npv"], dtype=float)
    pvc = r.metrics.pv_cost[:, o, w].astype(float).mean() - np.asarray(r.status_quo["pv_cost"], dtype=float).mean()
    return d, pvc


class _Tables(HTMLParser):
    """Tables (header cells, rows of cell texts, h3 above) and cards (key, value, detail) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.cards, self.h3 = [], [], []
        self._cell = self._card = None
        self._in_h3 = False

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "table":
            self.tables.append({"columns": [], "rows": [], "title": self.h3[-1] if self.h3 else ""})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = tag, []
        elif tag == "h3":
            self._in_h3 = True
            self.h3.append("")
        elif tag == "div" and cls == "card":
            self.cards.append([])
        elif tag == "div" and cls in ("k", "v", "d") and self.cards:
            self._card = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell:
            text = "".join(self._cell[1]).strip()
            t = self.tables[-1]
            (t["columns"] if self._cell[0] == "th" and not t["rows"][1:] else t["rows"][-1]).append(text)
            self._cell = None
        elif tag == "h3":
            self._in_h3 = False
        elif tag == "div" and self._card is not None:
            self.cards[-1].append("".join(self._card).strip())
            self._card = None

    def handle_data(self, data):
        if self._cell:
            self._cell[1].append(data)
        if self._card is not None:
            self._card.append(data)
        if self._in_h3:
            self.h3[-1] += data


def _page(html: str) -> _Tables:
    page = _Tables()
    page.feed(html)
    page.close()
    for t in page.tables:
        t["rows"] = [r for r in t["rows"] if r]
    return page


def _value_table(page: _Tables) -> dict:
    return next(t for t in page.tables if t["columns"][:2] == ["option", "owner"] and "expected NPV" in t["columns"])


# --- the memo --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def memo(result):
    return _page(report.html_memo(result))


def test_the_memo_leads_with_the_difference_from_the_status_quo_then_the_absolute_npv(result, memo):
    value = _value_table(memo)
    assert value["columns"][:8] == [
        "option",
        "owner",
        "NPV vs status quo",
        "NPV vs status quo P10",
        "NPV vs status quo P90",
        "PV of cost vs status quo",
        "chance worse than status quo",
        "expected NPV",
    ]
    assert [tuple(r[:2]) for r in value["rows"]] == CELLS
    for cell, row in zip(CELLS, value["rows"]):
        d, pvc = _against(result, cell)
        p10, p90 = np.percentile(d, [10, 90])
        o, w = result.layout.options.index(cell[0]), result.layout.owners.index(cell[1])
        absolute = result.metrics.npv[:, o, w].astype(float).mean()
        assert row[2:8] == [
            compact(d.mean()),
            compact(p10),
            compact(p90),
            compact(pvc),
            percent((d < 0).mean()),
            compact(absolute),
        ], cell


def test_an_option_identical_to_the_status_quo_shows_zero_differences(memo):
    keep = _value_table(memo)["rows"][0]
    assert keep[:7] == ["keep", "marketing", "0", "0", "0", "0", "0%"]


def test_the_memo_grid_of_differences_comes_before_the_absolute_grid(result, memo):
    titles = [t["title"] for t in memo.tables]
    assert titles.index("Expected NPV vs status quo (USD)") < titles.index("Expected NPV (USD)")
    grid = memo.tables[titles.index("Expected NPV vs status quo (USD)")]
    assert grid["columns"] == ["option \\ owner", "marketing", "it"]
    d, _ = _against(result, ("replace", "it"))
    assert grid["rows"][1] == [
        "replace",
        compact(_against(result, ("replace", "marketing"))[0].mean()),
        compact(d.mean()),
    ]


def test_the_memo_has_a_status_quo_card_with_its_expected_npv_and_description(result, memo):
    cards = {k: (v, d) for k, v, d in memo.cards}
    npv = np.asarray(result.status_quo["npv"], dtype=float)
    pvc = np.asarray(result.status_quo["pv_cost"], dtype=float)
    value, detail = cards["Status quo: expected NPV"]
    assert value == money(npv.mean(), "USD")
    assert npv.mean() < 0  # a status quo of costs only
    p10, p90 = np.percentile(npv, [10, 90])
    assert detail == (
        f"P10 {money(p10, 'USD')} to P90 {money(p90, 'USD')}; PV of cost {money(pvc.mean(), 'USD')}; "
        "today's email tool, ended by its vendor in year 3"
    )
    best = result.best_cell
    d, _ = _against(result, best)
    value, detail = cards["NPV vs status quo"]
    assert value == money(d.mean(), "USD")
    assert detail.endswith(f"worse than the status quo in {percent((d < 0).mean())} of trials")


# --- the workbook ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(result, tmp_path_factory):
    from openpyxl import load_workbook

    path = report.write_xlsx(result, tmp_path_factory.mktemp("sq") / "memo.xlsx", trials_file=False)
    return load_workbook(path)


def test_the_summary_sheet_has_the_differences_first_then_the_absolute_figures(result, workbook):
    ws = workbook["Summary"]
    h = report.XLSX_HEADER_ROW["Summary"]
    header = [c.value for c in ws[h]]
    assert header[:8] == [
        "option",
        "owner",
        "NPV vs status quo mean (USD)",
        "NPV vs status quo P10 (USD)",
        "NPV vs status quo P90 (USD)",
        "PV of cost vs status quo mean (USD)",
        "P(worse than status quo)",
        "Expected NPV (USD)",
    ]
    rows = list(ws.iter_rows(min_row=h + 1, max_row=h + len(CELLS)))
    for cell, row in zip(CELLS, rows):
        d, pvc = _against(result, cell)
        p10, p90 = np.percentile(d, [10, 90])
        assert (row[0].value, row[1].value) == cell
        np.testing.assert_allclose(
            [c.value for c in row[2:7]], [d.mean(), p10, p90, pvc, (d < 0).mean()], rtol=1e-12, atol=1e-9
        )
        assert [c.number_format for c in row[2:7]] == ["#,##0"] * 4 + ["0.0%"]
    assert "the status quo itself is on the sheet 'Status quo'" in ws.cell(row=4, column=1).value


def test_the_workbook_has_a_status_quo_sheet_with_its_own_figures(result, workbook):
    assert workbook.sheetnames[:2] == ["Summary", "Status quo"]
    ws = workbook["Status quo"]
    assert "today's email tool, ended by its vendor in year 3" in ws["A1"].value
    h = report.XLSX_HEADER_ROW["Status quo"]
    assert [c.value for c in ws[h]] == ["measure", "mean", "P10", "P50", "P90"]
    got = {r[0]: r[1:] for r in ws.iter_rows(min_row=h + 1, values_only=True)}
    assert list(got) == ["NPV (USD)", "PV of cost (USD)", "TCO (USD)"]
    for label, key in (("NPV (USD)", "npv"), ("PV of cost (USD)", "pv_cost"), ("TCO (USD)", "tco")):
        x = np.asarray(result.status_quo[key], dtype=float)
        np.testing.assert_allclose(got[label], [x.mean(), *np.percentile(x, [10, 50, 90])], rtol=1e-12)
    assert ws.cell(row=h + 1, column=2).number_format == "#,##0"


# --- without a status quo --------------------------------------------------------------------


def test_without_a_status_quo_neither_memo_nor_workbook_mentions_one(plain, tmp_path):
    from openpyxl import load_workbook

    assert plain.status_quo is None
    html = report.html_memo(plain)
    assert "status quo" not in html.lower()
    page = _page(html)
    assert _value_table(page)["columns"][:4] == ["option", "owner", "expected NPV", "P10"]
    assert not any(k.lower().startswith(("status quo", "npv vs")) for k, _, _ in page.cards)
    wb = load_workbook(report.write_xlsx(plain, tmp_path / "plain.xlsx", trials_file=False))
    assert "Status quo" not in wb.sheetnames
    header = [c.value for c in wb["Summary"][report.XLSX_HEADER_ROW["Summary"]]]
    assert header[:3] == ["option", "owner", "Expected NPV (USD)"]
    assert not any("status quo" in str(v).lower() for row in wb["Summary"].iter_rows(values_only=True) for v in row)
