"""The dashboard's stylesheet and the pieces of HTML its tables and decision record are written with.

What is here: :data:`_CSS` (the stylesheet, shown first in the dashboard, in a notebook and
under Voilà); :func:`_css` (the stable ``dk-<name>`` CSS class of a control or output);
:func:`_words` (a name with spaces for underscores); :func:`_escape` (text made safe for HTML);
:func:`_ce_cell` and :func:`_amount` (a certainty equivalent, or 'unreliable', and money in
the tables); :func:`_cell` and :func:`_owner_label` (an option x owner cell and an owner as
shown).
"""

from __future__ import annotations

import html
import re

from ..results import CE_MIN_EFFECTIVE_TRIALS, format_money

_CSS = """<style>
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
.dk-dashboard table.dk-table th { text-align: right; padding: 3px 7px; border-bottom: 2px solid #333; font-weight: 600; }
.dk-dashboard table.dk-table td { text-align: right; padding: 3px 7px; border-bottom: 1px solid #ddd; white-space: nowrap; }
.dk-dashboard table.dk-table th:first-child, .dk-dashboard table.dk-table td:first-child { text-align: left; }
.dk-dashboard table.dk-table tr.dk-best td { background: #e3eefb; font-weight: 700; }
.dk-dashboard h3 { font-size: 19px; margin: 8px 0 2px 0; }
.dk-dashboard table.dk-small { font-size: 15px; }
.dk-dashboard table.dk-small td { white-space: normal; }
</style>"""


def _css(key: str) -> str:
    return "dk-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key.replace(".", "-"))


def _words(name: str) -> str:
    return name.replace("_", " ")


def _escape(text) -> str:
    return html.escape(str(text))


def _ce_cell(ce: float) -> str:
    """A certainty equivalent for the table, or 'unreliable' (with the reason on hover) where
    too few effective trials carry it (:func:`~decision_kit.results.shown_certainty_equivalent`)."""
    if ce == ce:
        return _amount(ce)
    return (f'<span title="fewer than {CE_MIN_EFFECTIVE_TRIALS} effective trials carry it: a few extreme '
            'losses decide it; refine with more trials or raise the risk tolerance">unreliable</span>')


def _amount(x: float) -> str:
    """Compact money without the currency (the table's heading names it): '1.23M'."""
    return format_money(x, "").strip()


def _cell(cell: tuple) -> str:
    return f"{cell[0]} / {_owner_label(cell[1])}"


def _owner_label(owner: str) -> str:
    return "IT" if owner == "it" else owner
