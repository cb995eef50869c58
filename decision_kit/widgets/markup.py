"""The dashboard's stylesheet and the pieces of HTML its tables and decision record are written with.

What is here: :data:`CSS` (the stylesheet, shown first in the dashboard, in a notebook and
under Voilà); :func:`css_class` (the stable ``dk-<name>`` CSS class of a control or output);
:func:`words` (a name with spaces for underscores); :func:`escape` (text made safe for HTML);
:func:`ce_cell` (a certainty equivalent in the table, or why it is not defined); :func:`cell_label` and
:func:`owner_label` (an option x owner cell and an owner as shown). Numbers are written by the
rules of :mod:`decision_kit.formatting`; money in the tables has no currency (the heading
names it).
"""

from __future__ import annotations

import html
import re

from ..formatting import money, months, percent, rate, years
from ..results import Result, shown_certainty_equivalent

CSS = """<style>
.dk-dashboard { container: dk / inline-size; --jp-widgets-font-size: 14px; --jp-widgets-inline-height: 28px;
  --jp-widgets-horizontal-tab-width: 170px; font-size: 15px; max-width: 1500px; }
.dk-dashboard .lm-TabBar-tab { font-size: 14px; }
.dk-dashboard .widget-label, .dk-dashboard .widget-readout { font-size: 14px; }
.dk-title h1 { display: inline; font-size: 20px; margin: 0 10px 0 0; line-height: 1.3; }
.dk-title p { display: inline; font-size: 13px; color: #555; margin: 0; }
.dk-recommendation .dk-headline { font-size: 24px; font-weight: 700; line-height: 1.2; color: #0b3d91; }
.dk-recommendation .dk-reason { font-size: 15px; line-height: 1.3; margin-top: 2px; }
.dk-stakeholders, .dk-status, .dk-notes { font-size: 14px; line-height: 1.35; }
.dk-status { color: #555; }
.dk-buttons { flex-wrap: wrap; align-items: center; gap: 4px 6px; margin-bottom: 4px; }
.dk-buttons .dk-status { font-size: 13px; line-height: 1.25; }
.dk-error .dk-message { font-size: 16px; color: #8a1c1c; background: #fdecea; border-left: 5px solid #c62828;
  padding: 6px 10px; margin: 4px 0; white-space: pre-wrap; }
.dk-main { display: flex; flex-flow: row nowrap; align-items: flex-start; gap: 14px; width: 100%; margin-top: 4px; }
.dk-main > .dk-left { order: 1; flex: 0 0 300px; width: 300px; }
.dk-main > .dk-right { order: 2; flex: 1 1 0; min-width: 0; }
@container dk (max-width: 1100px) {
  .dk-main { flex-direction: column; }
  .dk-main > .dk-right { order: 1; flex: 0 0 auto; width: 100%; }
  .dk-main > .dk-left { order: 2; flex: 0 0 auto; width: 100%; max-width: 640px; }
}
.dk-row { align-items: flex-end; width: 100%; gap: 6px; }
.dk-controls .widget-inline-hbox.dk-control { flex-wrap: wrap !important; height: auto !important;
  width: 100% !important; min-width: 0; margin: 2px 0; }
.dk-row > .widget-inline-hbox.dk-control { flex: 1 1 auto; width: auto !important; }
.dk-controls .dk-control > .widget-label { width: 100% !important; max-width: none; text-align: left !important;
  height: auto !important; line-height: 18px !important; margin: 0; white-space: normal; }
.dk-controls .dk-control > .slider-container { flex: 1 1 auto; min-width: 0; height: 26px; }
.dk-controls .dk-control > select, .dk-controls .dk-control > input { flex: 1 1 auto; margin-left: 0; }
.dk-row > .dk-typed { margin-bottom: 1px; }
.dk-row > .dk-typed input { text-align: right; }
.dk-dashboard .dk-charts .widget-tab-contents { padding: 4px; }
.dk-dashboard .dk-charts .widget-image { width: auto !important; max-width: 100% !important; max-height: 260px; }
.dk-dashboard table.dk-table { border-collapse: collapse; font-size: 13px; margin: 2px 0 6px 0; width: 100%;
  font-variant-numeric: tabular-nums; }
.dk-dashboard table.dk-table th { text-align: right; vertical-align: bottom; padding: 2px 4px;
  border-bottom: 2px solid #333; font-weight: 600; line-height: 1.2; }
.dk-dashboard table.dk-table td { text-align: right; padding: 2px 4px; border-bottom: 1px solid #ddd;
  white-space: nowrap; line-height: 1.25; }
.dk-dashboard table.dk-table th:first-child, .dk-dashboard table.dk-table td:first-child { text-align: left; }
.dk-dashboard table.dk-table tr.dk-best td { background: #e3eefb; font-weight: 700; }
.dk-dashboard h3 { font-size: 16px; margin: 4px 0 2px 0; }
.dk-summary p { font-size: 13px; margin: 2px 0; line-height: 1.3; }
.dk-summary p.dk-ce-note { font-size: 12px; color: #444; }
.dk-dashboard table.dk-small { font-size: 13px; }
.dk-dashboard table.dk-small td { white-space: normal; }
</style>"""


def css_class(key: str) -> str:
    return "dk-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key.replace(".", "-"))


def words(name: str) -> str:
    return name.replace("_", " ")


def escape(text) -> str:
    return html.escape(str(text))


def ce_cell(ce: float | str) -> str:
    """A certainty equivalent for the table: the number, or 'not defined*' with the reason on
    hover where it does not exist (:func:`~decision_kit.results.shown_certainty_equivalent`);
    :func:`summary_table` states the reasons under the table (a reason is a sentence: in the
    cell it would widen the table past the screen)."""
    if isinstance(ce, str):
        return f'<span title="{escape(ce)}">not defined*</span>'
    return money(ce, "")


def cell_label(cell: tuple) -> str:
    return f"{cell[0]} / {owner_label(cell[1])}"


def owner_label(owner: str) -> str:
    return "IT" if owner == "it" else owner


def recommendation_html(text: str) -> str:
    """The recommendation as a headline (up to its first colon) and the reason after it."""
    head, _, rest = text.partition(": ")
    return (
        f'<div class="dk-headline">{escape(head)}</div>'
        f'<div class="dk-reason">{escape(rest[:1].upper() + rest[1:])}</div>'
    )


def _range(lo: float, hi: float) -> str:
    """A P10 - P90 range in a table cell (thin spaces: the table must fit a laptop's screen)."""
    return f"{money(lo, '')}&thinsp;&ndash;&thinsp;{money(hi, '')}"


def _ce_notes(ce, options, owner: str) -> str:
    """The reasons behind the table's 'not defined*' certainty equivalents, each once (the
    inputs behind unbounded loss tails named together)."""
    reasons = dict.fromkeys(ce.loc[(o, owner)] for o in options if isinstance(ce.loc[(o, owner)], str))
    if not reasons:
        return ""
    tails = [m.group(1) for r in reasons if (m := re.fullmatch(r"not defined: (.+) has an unbounded loss tail", r))]
    rest = [r.removeprefix("not defined: ") for r in reasons if "unbounded loss tail" not in r]
    parts = ([f"an unbounded loss tail ({', '.join(tails)})"] if tails else []) + rest
    return f'<p class="dk-ce-note">* Certainty equivalent not defined: {escape("; ".join(parts))}.</p>'


def summary_table(r: Result, owner: str | None) -> str:
    """The summary table of ``r`` for one owner (None: the owner of the best cell), the best
    cell's row highlighted."""
    s = r.summary()
    ce = shown_certainty_equivalent(s)
    best_cell = r.best_cell
    owner = owner or best_cell[1]
    rows = []
    for option in r.layout.options:
        x = s.loc[(option, owner)]
        cls = ' class="dk-best"' if (option, owner) == best_cell else ""
        versus = ""
        if r.status_quo is not None:  # the difference from the status quo leads; the absolute follows
            versus = (
                f"<td>{money(x.npv_vs_status_quo_mean, '')}</td>"
                f"<td>{_range(x.npv_vs_status_quo_p10, x.npv_vs_status_quo_p90)}</td>"
                f"<td>{percent(x.p_worse_than_status_quo)}</td>"
            )
        rows.append(
            f"<tr{cls}><td>{escape(option)}</td>{versus}<td>{money(x.npv_mean, '')}</td>"
            f"<td>{_range(x.npv_p10, x.npv_p90)}</td>"
            f"<td>{percent(x.p_best)} &plusmn; {rate(x.p_best_se)}</td><td>{percent(x.p_loss)}</td>"
            f"<td>{years(x.payback_p50)}</td>"
            f"<td>{months(x.launch_months_p50)}</td><td>{ce_cell(ce.loc[(option, owner)])}</td></tr>"
        )
    versus_head, status_quo = "", ""
    if r.status_quo is not None:
        versus_head = (
            "<th>NPV vs status quo</th><th>P10 &ndash; P90 of the difference</th><th>chance worse than status quo</th>"
        )
        sq = r.status_quo_summary().loc["npv"]  # type: ignore[union-attr]
        status_quo = (
            f"<p>Against the status quo (nothing changes: expected NPV {money(sq['mean'], '')}, P10 "
            f"{money(sq['p10'], '')} &ndash; P90 {money(sq['p90'], '')}); "
            "absolute figures from the expected NPV column on.</p>"
        )
    head = (
        f"<tr><th>option</th>{versus_head}<th>expected NPV</th><th>P10 &ndash; P90</th><th>chance best</th>"
        "<th>chance of loss</th><th>payback (years)</th><th>launch (months)</th>"
        f"<th>certainty equivalent (risk tolerance {money(r.risk_tolerance, '')})</th></tr>"
    )
    return (
        f"<h3>If {escape(owner_label(owner))} owns the budget: {r.scenario.horizon_years} years at "
        f"{rate(r.scenario.discount_rate)}, money in {r.scenario.currency}</h3>"
        f'{status_quo}<table class="dk-table">{head}{"".join(rows)}</table>{_ce_notes(ce, r.layout.options, owner)}'
    )
