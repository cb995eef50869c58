"""Decision memos: the HTML page (self-contained, stamped, complete) and the Excel workbook
(the same numbers as Result.summary(), as numeric cells), both written without clobbering."""

import base64
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import Markup

import decision_kit as dk
from decision_kit import report
from decision_kit.loading import content_hash
from decision_kit.report.memo import external_refs
from decision_kit.report.workbook import VERSUS_STATUS_QUO
from decision_kit.results import shown_certainty_equivalent
from decision_kit.schema import input_paths

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "marketing_automation.yaml"
TRIALS, SEED = 2000, 3


@pytest.fixture(scope="module")
def result():
    return dk.simulate(dk.load_scenario(DEFAULT), trials=TRIALS, seed=SEED)


@pytest.fixture(scope="module")
def memo(result):
    extra = {"Tornado (placeholder)": pd.DataFrame({"input": ["a", "b"], "swing": [1.5e6, 2.5e5]}),
             "Note <from VOI>": "EVPI is 12k & rising"}
    return report.html_memo(result, analyses=extra)


class _Page(HTMLParser):
    """Collects tags with their attributes, style sheet text and visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.styles, self.text, self._in_style = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


# --- HTML -----------------------------------------------------------------------------------

def test_html_parses_and_loads_nothing_from_outside(memo):
    page = _parse(memo)
    names = [t for t, _ in page.tags]
    assert names[0] == "html" and "body" in names and "table" in names
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "action", "poster", "data"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), f"external {key} in <{tag}>: {value[:80]}"
        assert tag not in ("script", "link", "iframe", "object", "embed"), f"unexpected <{tag}>"
    css = "".join(page.styles)
    assert css.strip(), "CSS must be inline"
    assert "@import" not in css and not re.search(r"url\(", css, re.IGNORECASE)
    assert "@font-face" not in css
    assert external_refs(memo) == []


def test_figures_are_embedded_pngs(memo):
    images = [attrs for tag, attrs in _parse(memo).tags if tag == "img"]
    assert len(images) == 3  # cumulative cost, NPV distributions, probability best
    for attrs in images:
        assert attrs["src"].startswith("data:image/png;base64,")
        png = base64.b64decode(attrs["src"].split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
        assert attrs.get("alt")


def test_html_has_every_option_owner_and_the_stamp(result, memo):
    text = " ".join(" ".join(_parse(memo).text).split())
    for option in result.layout.options:
        assert option in text
    for owner in result.layout.owners:
        assert owner in text
    assert f"decision_kit {dk.__version__}" in text
    assert content_hash(result.scenario) in text
    assert f"seed {SEED}" in text and f"{TRIALS:,} trials" in text
    assert re.search(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text)
    # the recommendation comes first, before any table
    assert memo.index(result.recommendation().split(":")[0]) < memo.index("<table")


def test_html_sections_in_order(memo):
    ids = ["recommendation", "summary", "over-time", "risk", "who-pays", "analysis-1", "analysis-2", "assumptions"]
    positions = [memo.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    text = " ".join(_parse(memo).text)
    for phrase in ("Probability of a loss", "CVaR 10%", "marketing pays", "IT pays", "Ownership shifts used"):
        assert phrase in text


def test_html_lists_every_input_with_its_source(result, memo):
    page_text = " ".join(" ".join(_parse(memo).text).split())
    table = report.assumptions(result.scenario)
    assert list(table.path) == list(input_paths(result.scenario))
    for path in table.path:
        group, _, name = path.rpartition(".")
        assert group in page_text and name in page_text
    # {dist: prior} inputs carry the shipped prior's citation and grade
    priors = table[table.distribution.str.contains("dist: prior")]
    assert len(priors) > 0 and (priors.grade != "").all()
    assert priors.source.str.startswith("Prior '").all()
    assert "Flyvbjerg" in page_text  # the it_cost_overrun prior's source
    # ownership shifts with their sources
    own = report.ownership(result.scenario)
    assert list(own.owner) == list(result.layout.owners)
    for source in own.source:
        assert source[:40] in page_text


def test_html_escapes_scenario_text(result):
    s = result.scenario.replace(name="<script>alert('x')</script> & Co", description="a <b>bold</b> claim")
    r = dk.simulate(s, trials=500, seed=0)
    html = report.html_memo(r)
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&amp; Co" in html


def test_analyses_tables_text_and_trusted_html(memo, result):
    text = " ".join(_parse(memo).text)
    assert "Tornado (placeholder)" in text and "1.50M" in text and "250k" in text
    assert "Note <from VOI>" in text and "EVPI is 12k & rising" in text  # escaped, then parsed back
    assert "Note &lt;from VOI&gt;" in memo
    html = report.html_memo(result, analyses={"Chart": Markup("<p class='x'>trusted <em>html</em></p>")})
    assert "<p class='x'>trusted <em>html</em></p>" in html
    with pytest.raises(ValueError, match="external URL"):
        report.html_memo(result, analyses={"Bad": Markup('<img src="https://example.com/x.png">')})
    with pytest.raises(TypeError, match="expected a DataFrame"):
        report.html_memo(result, analyses={"Bad": 42})


def test_write_html_never_overwrites_unless_told(result, tmp_path):
    target = tmp_path / "memo.html"
    target.write_text("keep me")
    before = target.stat().st_mtime_ns
    with pytest.raises(FileExistsError, match="overwrite=True"):
        report.write_html(result, target)
    assert target.read_text() == "keep me" and target.stat().st_mtime_ns == before
    assert report.write_html(result, target, overwrite=True) == target
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["memo.html"]  # no temporary file left behind


# --- Excel ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbook(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "memo.xlsx"
    report.write_xlsx(result, path)
    return path


def _read(path, sheet, **kw):
    return pd.read_excel(path, sheet_name=sheet, header=report.XLSX_HEADER_ROW[sheet] - 1, engine="openpyxl", **kw)


def test_xlsx_summary_has_the_same_numbers(result, workbook):
    summary = result.summary()
    back = _read(workbook, "Summary", index_col=[0, 1])
    ce = back.pop(f"Certainty equivalent ({result.scenario.currency})")
    shown = shown_certainty_equivalent(summary)  # a number, or the sentence saying why there is none
    assert [str(v) if isinstance(v, str) else float(v) for v in ce] == [
        v if isinstance(v, str) else float(v) for v in shown
    ]
    summary = summary.drop(columns=["certainty_equivalent", "ce_note"])
    payback = back.pop("Payback P50 (years)")  # a number, or "never" where fewer than half the trials pay back
    expected = summary.pop("payback_p50")
    assert [v == "never" for v in payback] == list(expected.isna())
    np.testing.assert_allclose(payback[expected.notna()].astype(float), expected.dropna(), rtol=1e-12)
    versus = [c for c in VERSUS_STATUS_QUO if c in summary.columns]  # the status quo's differences lead
    assert versus == list(VERSUS_STATUS_QUO)  # the default scenario states a status quo
    summary = summary[versus + [c for c in summary.columns if c not in versus]]
    assert back.shape == summary.shape
    assert list(back.index) == list(summary.index)
    np.testing.assert_allclose(back.to_numpy(dtype=float), summary.to_numpy(dtype=float), rtol=1e-12, equal_nan=True)
    assert back.columns[0] == f"NPV vs status quo mean ({result.scenario.currency})"
    assert f"Expected NPV ({result.scenario.currency})" in back.columns


def test_xlsx_other_sheets_read_back(result, workbook):
    sheets = pd.ExcelFile(workbook, engine="openpyxl").sheet_names
    assert sheets == ["Summary", "Status quo", "NPV of mean flows", "Base case", "Cash flows", "Assumptions",
                      "Ownership"]
    cf = result.cashflows()
    back = _read(workbook, "Cash flows")
    assert list(back.columns)[:9] == ["option", "owner", "period", "year", "mean cost (USD)", "mean benefit (USD)",
                                      "mean net (USD)", "marketing pays (USD)", "IT pays (USD)"]
    assert list(back.columns)[9:] == ["cumulative net P10 (USD)", "cumulative cost P10 (USD)",
                                      "cumulative net P50 (USD)", "cumulative cost P50 (USD)",
                                      "cumulative net P90 (USD)", "cumulative cost P90 (USD)"]
    np.testing.assert_allclose(back.select_dtypes("number").to_numpy(dtype=float),
                               cf.select_dtypes("number").to_numpy(dtype=float), rtol=1e-6)
    bc = dk.base_case(result.scenario)
    back = _read(workbook, "Base case")  # openpyxl reads the formulas' text: the category rows are values
    assert list(back.columns[-2:]) == ["Total (USD)", "NPV (USD)"]
    back = back.assign(option=back.option.ffill(), owner=back.owner.ffill()).set_index(["option", "owner", "flow"])
    cats = bc.drop(index=["total cost", "total benefit", "net"], level="flow")
    np.testing.assert_allclose(back.loc[cats.index, bc.columns].to_numpy(dtype=float), cats.to_numpy(), rtol=1e-12)
    a = _read(workbook, "Assumptions")
    assert list(a.columns) == ["input", "distribution as written", "fixed", "mean", "P10", "P50", "P90", "source",
                               "grade (A-D; J: judgement)"]
    assert list(a.input) == list(input_paths(result.scenario))
    np.testing.assert_allclose(a[["mean", "P10", "P50", "P90"]].to_numpy(dtype=float),
                               report.assumptions(result.scenario)[["mean", "p10", "p50", "p90"]].to_numpy(dtype=float))
    own = _read(workbook, "Ownership")
    assert list(own.owner) == list(result.layout.owners)
    assert "launch time (x shared)" in own.columns and "marketing's share of cost" in own.columns


def test_every_trial_goes_to_a_csv_beside_the_workbook(result, workbook):
    trials = workbook.with_name("memo-trials.csv")
    back = pd.read_csv(trials)
    assert list(back.columns) == ["trial", "option", "owner", "NPV (USD)", "PV of cost (USD)", "TCO (USD)",
                                  "payback (years; empty: never)", "launch (months)", "security incidents"]
    full = result.per_trial().reset_index()
    assert len(back) == len(full) == TRIALS * len(result.layout.options) * len(result.layout.owners)
    assert (back[["trial", "option", "owner"]] == full[["trial", "option", "owner"]]).all(axis=None)
    np.testing.assert_allclose(back["NPV (USD)"], full.npv, atol=0.5)  # whole units
    np.testing.assert_allclose(back["payback (years; empty: never)"], full.payback, atol=0.005, equal_nan=True)
    note = pd.read_excel(workbook, sheet_name="Summary", header=None, nrows=4, engine="openpyxl").iloc[3, 0]
    assert note.endswith("Every trial's metrics: memo-trials.csv.")


def test_xlsx_numbers_are_numeric_cells_with_formats(result, workbook):
    from openpyxl import load_workbook

    wb = load_workbook(workbook)
    ws = wb["Summary"]
    h = report.XLSX_HEADER_ROW["Summary"]
    header = [c.value for c in ws[h]]
    assert all(c.font.bold for c in ws[h])
    assert ws.freeze_panes == f"C{h + 1}"
    row = ws[h + 1]
    money = row[header.index(f"Expected NPV ({result.scenario.currency})")]
    assert money.data_type == "n" and isinstance(money.value, float) and money.number_format == "#,##0"
    p_best = row[header.index("P(best)")]
    assert p_best.data_type == "n" and p_best.number_format == "0.0%"
    assert ws["B2"].value == result.recommendation()
    stamp = [c.value for c in ws[3]]
    assert dk.__version__ in stamp and content_hash(result.scenario) in stamp
    assert stamp[stamp.index("seed") + 1] == SEED and stamp[stamp.index("trials") + 1] == TRIALS
    for name in wb.sheetnames:
        sheet = wb[name]
        r = report.XLSX_HEADER_ROW[name]
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith(str(r + 1)), name
        assert all(c.font.bold for c in sheet[r] if c.value is not None), name
        assert sheet.column_dimensions["A"].width > 5, name
        for c in sheet[r + 1]:
            assert not (isinstance(c.value, str) and re.fullmatch(r"-?[\d,.]+(e[-+]?\d+)?", c.value)), (name, c.value)
    cf = wb["Cash flows"]
    assert cf.cell(row=3, column=5).number_format == "#,##0" and cf.cell(row=3, column=5).data_type == "n"


def test_xlsx_never_overwrites_unless_told(result, tmp_path, workbook):
    target = tmp_path / "memo.xlsx"
    shutil.copy(workbook, target)
    before = target.read_bytes()
    with pytest.raises(FileExistsError):
        report.write_xlsx(result, target)
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["memo.xlsx"]
    report.write_xlsx(result, target, overwrite=True)
    assert target.read_bytes() != before and (tmp_path / "memo-trials.csv").exists()
    (tmp_path / "other-trials.csv").write_text("kept")  # the trials file alone blocks the pair
    with pytest.raises(FileExistsError, match="other-trials.csv"):
        report.write_xlsx(result, tmp_path / "other.xlsx")
    assert not (tmp_path / "other.xlsx").exists() and (tmp_path / "other-trials.csv").read_text() == "kept"
    report.write_xlsx(result, tmp_path / "alone.xlsx", trials_file=False)
    assert not (tmp_path / "alone-trials.csv").exists()


# --- a real browser -------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_memo_screenshot_in_headless_chromium(memo, tmp_path):
    """Renders the memo in Debian's chromium and keeps test-artifacts/memo.png."""
    playwright = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    page_file = tmp_path / "memo.html"
    page_file.write_text(memo, encoding="utf-8")
    requests = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            loaded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            png = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert loaded == [True, True, True]
    assert overflow <= 0, "the page scrolls sideways"
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    from decision_kit.loading import write_text_atomic

    out = write_text_atomic(ROOT / "test-artifacts" / "memo.png", png, overwrite=True)
    assert out.stat().st_size > 50_000


def test_certainty_equivalents_that_do_not_exist_are_never_numbers():
    """In the shipped marketing_automation, every option bears an uncapped lognormal loss or
    cost: the memo's risk table and the dashboard's cell say which input, never a number
    (the CLI, the workbook and a capped loss are in tests/test_risk_figures.py)."""
    import re

    from decision_kit.widgets.markup import ce_cell, summary_table

    r = dk.simulate(dk.load_scenario("scenarios/marketing_automation.yaml"), 2000, seed=1)
    s = r.summary()
    shown = shown_certainty_equivalent(s)
    undefined = s["ce_note"] != ""
    assert s.loc[undefined, "certainty_equivalent"].isna().all()
    assert (shown[undefined] == s.loc[undefined, "ce_note"]).all()
    assert all(t.startswith("not defined: ") and t.endswith(" has an unbounded loss tail") for t in shown[undefined])

    html = report.html_memo(r)
    for (o, w) in s.index[undefined]:
        row = re.search(rf"<tr[^>]*>\s*<td>{o}</td>\s*<td>{w}</td>(.*?)</tr>", html.split('id="risk"')[1], re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
        assert cells[3] == s.loc[(o, w), "ce_note"], cells

    # the dashboard's cell is short (the table must fit a laptop's screen): the sentence on
    # hover, and every input named once under the table
    note = "not defined: risks.x.impact has an unbounded loss tail"
    assert ce_cell(note) == f'<span title="{note}">not defined*</span>'
    assert ce_cell(1.5e6) == "1.50M"
    table = summary_table(r, None)
    (footnote,) = re.findall(r'<p class="dk-ce-note">(.*?)</p>', table)
    owner = r.best_cell[1]
    for o in r.layout.options:
        if undefined[(o, owner)]:
            path = s.loc[(o, owner), "ce_note"].removeprefix("not defined: ").removesuffix(" has an unbounded loss tail")
            assert path in footnote and "an unbounded loss tail" in footnote, (path, footnote)


def test_no_library_module_chooses_a_matplotlib_backend():
    """``matplotlib.use`` is a process-wide switch: the memos draw on Agg canvases of their own,
    so no module of the package (the command line and the batch runner included) calls it."""
    import ast

    calls = []
    for path in sorted(Path(dk.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "matplotlib"):
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []


# --- plan versus actual ------------------------------------------------------------------------
ACTUALS = ROOT / "scenarios" / "actuals" / "marketing_automation_2028.yaml"


@pytest.fixture(scope="module")
def reviewed():
    from decision_kit.review_scenario import load_actuals, review_scenario

    s = dk.load_scenario(DEFAULT)
    # 3,000 trials reweighted (no SMC below an ESS of 100: fast; the tables are what is tested)
    return review_scenario(s, load_actuals(ACTUALS, s), trials=3_000, seed=SEED, min_ess=100)


def test_memo_carries_the_review_sections(result, reviewed):
    r = reviewed.review
    html = report.html_memo(result, analyses=report.review_analyses(reviewed))
    text = " ".join(_parse(html).text)
    assert "Plan versus actual: buy / embedded as of year 1 after the decision (2028-01-31)" in text
    assert "expected NPV to go of continue buy" in text and "recommended action" in text
    assert report.compact(reviewed.change_in_npv_to_go) in text
    every = reviewed.milestones.loc["every remaining milestone"]
    assert report.percent(every.p_after) in text and "did not run" in text
    for name in r.attribution.observations:
        assert name in text
    assert r.inputs.inputs[0] in text and not external_refs(html)


def test_xlsx_review_sheet_reads_back_with_words_units_and_n_a(result, reviewed, tmp_path):
    from openpyxl import load_workbook

    from decision_kit.report.workbook import REVIEW_SHEET, XLSX_HEADER_ROW

    r, cur = reviewed.review, reviewed.currency
    path = report.write_xlsx(result, tmp_path / "memo.xlsx", trials_file=False, review=reviewed)
    assert pd.ExcelFile(path, engine="openpyxl").sheet_names[-1] == REVIEW_SHEET
    rows = list(load_workbook(path, read_only=True)[REVIEW_SHEET].iter_rows(values_only=True))
    head = XLSX_HEADER_ROW[REVIEW_SHEET] - 1
    assert rows[head][:5] == ("quantity", "before the actuals", "after the actuals", "change", "unit")
    summary = {row[0]: row[1:5] for row in rows[head + 1 : head + 7]}
    go = summary["expected NPV to go of continue buy"]
    assert go[0] == pytest.approx(r.prior_npv_to_go[0], rel=1e-12) and go[3] == cur
    assert go[2] == pytest.approx(reviewed.change_in_npv_to_go, rel=1e-12)
    ess = summary["effective sample size of the 3,000 prior trials reweighted"]
    assert ess[0] == "n/a" and ess[1] == pytest.approx(r.ess) and ess[2] == "n/a"
    assert summary["recommended action"][:3] == (r.recommended_before, r.recommended_after, "unchanged")

    def table(title):
        at = next(i for i, row in enumerate(rows) if row and row[0] == title)
        out = []
        for row in rows[at + 2 :]:
            if not row or row[0] is None:
                break
            out.append(row)
        return rows[at + 1], out

    cols, inputs = table("Prior versus posterior per input, largest shift first")
    assert cols[-1] == "shift (prior standard deviations)" and len(inputs) == len(r.inputs.inputs)
    shifts = [abs(row[9]) for row in inputs]
    assert shifts == sorted(shifts, reverse=True)
    cols, obs = table("What each observation changed (Shapley shares)")
    assert cols[-1] == f"share of the change in expected NPV to go of continue buy ({cur})"
    assert [row[0] for row in obs] == [*r.attribution.observations, "total"]
    assert sum(row[-1] for row in obs[:-1]) == pytest.approx(obs[-1][-1], rel=1e-9) and obs[-1][1] == "n/a"
    cols, miles = table("Chance of passing each milestone")
    assert miles[-1][0] == "every remaining milestone" and miles[-1][1] == "n/a"
    assert miles[-1][5] == pytest.approx(reviewed.milestones.loc["every remaining milestone", "p_after"])
    cols, actions = table("Expected NPV to go of each open action")
    assert cols[1] == f"expected NPV to go before the actuals ({cur})"
    assert [row[0] for row in actions] == list(r.cells)
    formats = load_workbook(path)[REVIEW_SHEET]
    assert formats.cell(head + 2, 2).number_format == "#,##0"

