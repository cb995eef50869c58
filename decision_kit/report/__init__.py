"""Decision memos: one self-contained HTML page and one Excel workbook per simulation.

:func:`html_memo` renders ``templates/memo.html.j2`` (Jinja2, autoescaped): the recommendation
first (the one-screen answer), the option x owner summary, cumulative cost over time, NPV
distributions and the probability-best heat map (matplotlib, Agg backend, embedded as base64
PNG data URIs), risk (probability of loss, CVaR), who pays (marketing or IT, by year), optional
extra analyses, and every assumption with its source. The page loads nothing from anywhere:
no external URL, CDN or web font; its CSS is inline and prints on A4.

:func:`write_xlsx` writes the same numbers as numbers (with number formats) to a workbook:
Summary, Status quo (where stated), NPV of mean flows, Base case, Cash flows, Assumptions,
Ownership and, with a review, Plan vs actual, headers in words with units. Each sheet has a
short note above its table; the table's header row (:data:`XLSX_HEADER_ROW`, 1-based) is bold
and frozen (Plan vs actual holds several titled tables, see ``workbook``). The discounting is
traceable (``traced``): the discount rate is one input cell, and the NPVs, totals and net flows
of the mean flows and of the base case are Excel formulas on it. Every trial's metrics go to a
CSV file beside the workbook (``memo.xlsx`` -> ``memo-trials.csv``), not to a sheet.

Both are stamped with the package version, the scenario's content hash, seed, trial count and
the UTC date, and written atomically; neither replaces an existing file unless
``overwrite=True``. Money is in the scenario's currency, nominal; NPV is benefits minus costs
(see :mod:`decision_kit.results`).

:func:`standard_analyses` gives the extra sections a memo usually carries (sensitivities,
value of information, stakeholders); :func:`review_analyses` the sections of a plan-vs-actual
review, and ``write_xlsx(..., review=...)`` adds its sheet "Plan vs actual". The figures of
the standard analyses are drawn on matplotlib's Agg canvas without pyplot, so nothing here (nor
in the CLI or the batch runner) chooses a backend: that is the
calling application's choice.

The package holds (submodule in brackets): the HTML page and the templates (``memo``), the
workbook (``workbook``) and its formula sheets and trials file (``traced``), the stamp, the
assumptions and the ownership tables both carry (``provenance``) and the standard analyses
(``analyses``). Numbers are written by the rules of :mod:`decision_kit.formatting`
(``compact`` and ``percent`` are re-exported here).
"""

from ..formatting import compact, percent
from .analyses import review_analyses, standard_analyses
from .memo import external_refs, html_memo, render, write_html
from .provenance import assumptions, ownership, stamp
from .workbook import SUMMARY_LABELS, XLSX_HEADER_ROW, write_xlsx

__all__ = [
    "SUMMARY_LABELS",
    "XLSX_HEADER_ROW",
    "assumptions",
    "compact",
    "external_refs",
    "html_memo",
    "ownership",
    "percent",
    "render",
    "review_analyses",
    "stamp",
    "standard_analyses",
    "write_html",
    "write_xlsx",
]
