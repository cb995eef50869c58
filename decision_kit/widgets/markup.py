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
.dk-dashboard { --jp-widgets-font-size: 15px; --jp-widgets-inline-height: 30px;
  --jp-widgets-horizontal-tab-width: 200px; font-size: 16px; max-width: 1400px; }
.dk-dashboard .lm-TabBar-tab { font-size: 15px; }
.dk-dashboard .widget-label, .dk-dashboard .widget-readout { font-size: 15px; }
.dk-title h1 { font-size: 26px; margin: 4px 0 0 0; }
.dk-title p { font-size: 15px; color: #555; margin: 2px 0 6px 0; }
.dk-recommendation .dk-headline { font-size: 32px; font-weight: 700; line-height: 1.2; color: #0b3d91; }
.dk-recommendation .dk-reason { font-size: 20px; line-height: 1.4; margin-top: 4px; }
.dk-stakeholders, .dk-status { font-size: 16px; line-height: 1.4; }
.dk-status { color: #555; }
.dk-error .dk-message { font-size: 18px; color: #8a1c1c; background: #fdecea; border-left: 5px solid #c62828;
  padding: 8px 12px; margin: 4px 0; white-space: pre-wrap; }
.dk-dashboard table.dk-table { border-collapse: collapse; font-size: 17px; margin: 4px 0 10px 0; width: 100%; }
.dk-dashboard table.dk-table th { text-align: right; padding: 3px 7px; border-bottom: 2px solid #333;
  font-weight: 600; }
.dk-dashboard table.dk-table td { text-align: right; padding: 3px 7px; border-bottom: 1px solid #ddd;
  white-space: nowrap; }
.dk-dashboard table.dk-table th:first-child, .dk-dashboard table.dk-table td:first-child { text-align: left; }
.dk-dashboard table.dk-table tr.dk-best td { background: #e3eefb; font-weight: 700; }
.dk-dashboard h3 { font-size: 19px; margin: 8px 0 2px 0; }
.dk-dashboard table.dk-small { font-size: 15px; }
.dk-dashboard table.dk-small td { white-space: normal; }
</style>"""


def css_class(key: str) -> str:
    return "dk-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key.replace(".", "-"))


def words(name: str) -> str:
    return name.replace("_", " ")


def escape(text) -> str:
    return html.escape(str(text))


def ce_cell(ce: float | str) -> str:
    """A certainty equivalent for the table: the number, or 'not defined' with the reason on
    hover where it does not exist (:func:`~decision_kit.results.shown_certainty_equivalent`)."""
    if isinstance(ce, str):
        return f'<span title="{escape(ce)}">{escape(ce)}</span>'
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
                f"<td>{money(x.npv_vs_status_quo_p10, '')} &ndash; {money(x.npv_vs_status_quo_p90, '')}</td>"
                f"<td>{percent(x.p_worse_than_status_quo)}</td>"
            )
        rows.append(
            f"<tr{cls}><td>{escape(option)}</td>{versus}<td>{money(x.npv_mean, '')}</td>"
            f"<td>{money(x.npv_p10, '')} &ndash; {money(x.npv_p90, '')}</td>"
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
        f'{status_quo}<table class="dk-table">{head}{"".join(rows)}</table>'
    )
