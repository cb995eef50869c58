"""The command line's summary for people: one table at most 100 columns wide, headers in words
with their units, money to three significant figures (what a Monte Carlo summary supports),
"never" for a payback that never comes, a one-line glossary of the owner names, and the
certainty equivalent's existence said in words. Programs read the CSV and JSON of
:mod:`decision_kit.cli` instead, which keep every column and every digit.

Where the scenario states a status quo the table leads with each cell's expected NPV against
it and the chance of doing worse than it; the absolute expected NPV and its P10-P90 follow.
"""

from __future__ import annotations

import textwrap

from .formatting import amount, compact, months, rate, whole_percent, years
from .results import Result, shown_certainty_equivalent

WIDTH = 100
"""The widest line :func:`summary_text` writes (characters)."""

OWNER_GLOSSARY = (
    "owners: marketing and it own the budget alone; shared splits it; embedded is IT staff "
    "inside marketing; shadow is marketing going around IT"
)
"""The one-line glossary of the ownership models' names."""


def _columns(result: Result) -> list[tuple[str, str, int, object]]:
    """(header line 1, header line 2, width, cell text from a summary row) per column."""
    option_width = max(6, *(len(o) for o in result.layout.options))
    cols: list[tuple[str, str, int, object]] = [
        ("option", "", option_width, None),
        ("owner", "", max(5, *(len(w) for w in result.layout.owners)), None),
    ]
    if result.status_quo is not None:
        cols += [
            ("NPV vs", "status quo", 10, lambda x: compact(x.npv_vs_status_quo_mean)),
            ("worse than", "status quo", 10, lambda x: whole_percent(x.p_worse_than_status_quo)),
        ]
    cols += [
        ("expected", "NPV", 8, lambda x: compact(x.npv_mean)),
        ("NPV P10", "to P90", 16, lambda x: f"{compact(x.npv_p10)} to {compact(x.npv_p90)}"),
        ("chance", "best", 6, lambda x: whole_percent(x.p_best)),
        ("chance", "of loss", 7, lambda x: whole_percent(x.p_loss)),
        ("payback", "years", 7, lambda x: years(x.payback_p50)),
        ("launch", "months", 6, lambda x: months(x.launch_months_p50)),
    ]
    return cols


def _line(cells: list[str], widths: list[int]) -> str:
    first = [f"{cells[0]:<{widths[0]}}", f"{cells[1]:<{widths[1]}}"]
    return " ".join(first + [f"{c:>{w}}" for c, w in zip(cells[2:], widths[2:], strict=True)]).rstrip()


def _certainty_equivalent(result: Result, summary) -> list[str]:
    """Per option, the certainty equivalent under its best owner, or in words why it does not
    exist (it is decided per option: whether an input it bears has an unbounded loss tail)."""
    ce = shown_certainty_equivalent(summary)
    cur = result.scenario.currency
    out = [f"certainty equivalent (exponential utility, risk tolerance {amount(result.risk_tolerance, cur)}):"]
    for option in result.layout.options:
        mine = ce.loc[option]
        text = next((v for v in mine if isinstance(v, str)), None)
        if text is None:
            owner = summary.loc[option, "npv_mean"].idxmax()
            text = f"{compact(float(mine.loc[owner]))} {cur} (owned by {owner})"
        out.append(f"  {option}: {text}")
    return out


def summary_text(result: Result) -> str:
    """The summary of ``result`` for a terminal: a heading, the option x owner table (money in
    the scenario's currency, three significant figures; shares in whole percent; the median
    payback in years, "never" where the median trial never pays back; the median launch in
    months), the certainty equivalent in words, and the owner glossary. No line is wider than
    :data:`WIDTH` characters, long reasons are wrapped."""
    s = result.summary()
    scenario = result.scenario
    cols = _columns(result)
    widths = [w for _, _, w, _ in cols]
    out = [
        f"{scenario.name}: {result.trials:,} trials, seed {result.seed}, {scenario.horizon_years} years at "
        f"{rate(scenario.discount_rate)}, money in {scenario.currency}",
        "",
        _line([a for a, _, _, _ in cols], widths),
        _line([b for _, b, _, _ in cols], widths),
    ]
    for option, owner in s.index:
        x = s.loc[(option, owner)]
        cells = [option, owner] + [str(f(x)) for _, _, _, f in cols[2:]]  # type: ignore[operator]
        out.append(_line(cells, widths))
    out.append("")
    sq = result.status_quo_summary()
    if sq is not None:
        out.append(f"status quo (nothing changes): expected NPV {compact(sq.loc['npv', 'mean'])} {scenario.currency}")
    out += _certainty_equivalent(result, s)
    out.append(OWNER_GLOSSARY)
    return "\n".join("\n".join(textwrap.wrap(line, WIDTH)) if len(line) > WIDTH else line for line in out)


def recommendation_text(result: Result) -> str:
    """:meth:`Result.recommendation`, wrapped at :data:`WIDTH` columns."""
    return textwrap.fill(result.recommendation(), WIDTH)
