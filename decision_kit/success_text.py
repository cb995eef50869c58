"""Signed targets for a terminal: the KPIs in words, then per option x owner cell the chance of
hitting each KPI (flagged aspirational or sandbagged), each KPI's at-risk value, each
milestone's chance and the expected NPV if it is missed, and the chance of hitting every signed
KPI together. Tables at most :data:`~decision_kit.console.WIDTH` columns wide (split into
several when the KPIs do not fit); money in the scenario's currency, three significant figures.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from .console import WIDTH
from .formatting import compact, months, percent
from .schema.success import KPI
from .success import ASPIRATIONAL, SANDBAGGED, SuccessResult

Column = tuple[list[str], int, Callable[[str, str], str]]
"""(header lines, width, cell text of (option, owner))."""


def describe(kpi: KPI, currency: str) -> str:
    """A KPI in words: ``"cost of years 0 to 1 at most 650k USD"``.

    >>> describe(KPI(metric="launch_months", target=6, direction="at_most", owner="CIO"), "USD")
    'go-live at most 6.0 months after the decision'
    """
    kind, first, last = kpi.parsed
    how = "at most" if kpi.direction == "at_most" else "at least"
    if kind == "launch_months":
        return f"go-live {how} {months(kpi.target)} months after the decision"
    if kind == "security_events":
        return f"security incidents over the horizon {how} {kpi.target:g}"
    if kind == "adoption":
        return f"adoption {first} months after the decision {how} {percent(kpi.target)} of full"
    years = f"year {first}" if first == last else f"years {first} to {last}"
    if first == 0 and last == 0:
        years = "the decision date"
    word = {"cost": "cost", "benefit": "benefit", "net": "benefit minus cost"}[kind]
    return f"{word} of {years} {how} {compact(kpi.target)} {currency}"


def _unit(kpi: KPI, currency: str) -> str:
    kind = kpi.parsed[0]
    return {"launch_months": "months", "security_events": "incidents", "adoption": "share"}.get(kind, currency)


def _value(kpi: KPI, x: float) -> str:
    kind = kpi.parsed[0]
    return months(x) if kind == "launch_months" else percent(x) if kind == "adoption" else compact(x)


def _head(name: str, lines: int = 2, width: int = 10) -> list[str]:
    parts = textwrap.wrap(name.replace("_", " "), width) or [""]
    if len(parts) > lines:
        parts = parts[: lines - 1] + [textwrap.shorten(" ".join(parts[lines - 1 :]), width, placeholder="~")]
    return [""] * (lines - len(parts)) + parts


def _tables(sr: SuccessResult, columns: list[Column], lead: list[Column] | None = None) -> list[str]:
    """Option and owner, then ``columns`` in as many tables as it takes to stay within WIDTH;
    ``lead`` columns (if any) are repeated in every table."""
    lay = sr.layout
    first: list[Column] = [
        (["option"], max(6, *(len(o) for o in lay.options)), lambda o, w: o),
        (["owner"], max(5, *(len(w) for w in lay.owners)), lambda o, w: w),
    ] + (lead or [])
    room = WIDTH - sum(c[1] + 1 for c in first)
    groups: list[list[Column]] = [[]]
    for col in columns:
        if groups[-1] and sum(c[1] + 1 for c in groups[-1]) + col[1] + 1 > room:
            groups.append([])
        groups[-1].append(col)
    out: list[str] = []
    for group in groups:
        cols = first + group
        depth = max(len(c[0]) for c in cols)
        for i in range(depth):
            cells = [([""] * (depth - len(c[0])) + c[0])[i] for c in cols]
            out.append(_row(cells, cols))
        for o in lay.options:
            for w in lay.owners:
                out.append(_row([c[2](o, w) for c in cols], cols))
        out.append("")
    return out


def _row(cells: list[str], cols: list[Column]) -> str:
    text = [f"{cells[0]:<{cols[0][1]}}", f"{cells[1]:<{cols[1][1]}}"]
    text += [f"{c:>{col[1]}}" for c, col in zip(cells[2:], cols[2:], strict=True)]
    return " ".join(text).rstrip()


def _from(frame, column: str, fmt: Callable[[float], str], *key: str) -> Callable[[str, str], str]:
    """The cell text of (option, owner): ``fmt`` of ``frame.loc[(option, owner, *key), column]``."""

    def cell(o: str, w: str) -> str:
        return fmt(frame.loc[(o, w, *key), column])

    return cell


def _mark(flag: str) -> str:
    return {"aspirational": " a", "sandbagged": " s"}.get(flag, "  ")


def _contents(m) -> str:
    """What a milestone checks: its KPIs, or the decision rule it signs."""
    if m.stop_rule is None:
        return ", ".join(m.kpis)
    what = "yearly stop review" if m.stop_rule.rule == "yearly_review" else "pilot"
    return f"the {what} of {m.stop_rule.option} carries on (signing it signs the fitted rule)"


def _rule_lines(sr: SuccessResult) -> list[str]:
    """The fitted rule of each milestone that signs one, per cell of its option, in words."""
    if sr.rules is None:
        if any(m.stop_rule is not None for m in sr.block.milestones):
            return ["Stop rules signed as milestones: not fitted (decision_kit.success_rules.analyse fits them).", ""]
        return []
    number = {m.name: i for i, m in enumerate(sr.block.milestones, 1)}
    out = [
        "Stop rules signed as milestones (fitted on half the trials, valued on the other half; "
        f"money in {sr.scenario.currency}):"
    ]
    for (o, w, name), r in sr.rules.iterrows():
        out.append(f"  M{number[name]} {o} / {w}: {r.rule}; carries on past it in {percent(r.p_continue)}")
    return [*out, ""]


def success_text(sr: SuccessResult) -> str:
    """The signed targets of ``sr`` for a terminal (see the module docstring)."""
    block, scenario = sr.block, sr.scenario
    cur = scenario.currency
    kpis, ms, signed = sr.kpis(), sr.milestones(), sr.signed()
    out = [
        f"Signed targets: {scenario.name}, {sr.trials:,} trials, seed {sr.seed}; signed by "
        f"{', '.join(block.signed_by)}",
        f"money in {cur}: KPIs nominal and undiscounted, NPV discounted at {scenario.discount_rate:.1%}",
        "",
        "KPIs (* signed: its owner signs):",
    ]
    width = max(len(n) for n in block.kpis)
    for name, k in block.kpis.items():
        star = "*" if k.owner in block.signed_by else " "
        out.append(f"  {star} {name:<{width}}  {describe(k, cur)}; owner {k.owner}")
    out += [
        "",
        f"Chance of hitting each KPI (a: aspirational, under {percent(ASPIRATIONAL)}; "
        f"s: sandbagged, over {percent(SANDBAGGED)}):",
    ]

    def p_col(name: str) -> Column:
        def cell(o, w):
            r = kpis.loc[(o, w, name)]
            return percent(r.p_hit) + _mark(r.flag)

        return (_head(name), 10, cell)

    out += _tables(sr, [p_col(n) for n in block.kpis])
    out.append("At-risk value of each KPI (a one-in-ten chance of worse: P10 of an at-least KPI, P90 of an at-most):")

    def risk_col(name: str) -> Column:
        k = block.kpis[name]
        return ([*_head(name), _unit(k, cur)], 10, _from(kpis, "at_risk", lambda x: _value(k, x), name))

    out += _tables(sr, [risk_col(n) for n in block.kpis])
    if block.milestones:
        out.append(f"Milestones: chance of hitting all their KPIs, and expected NPV ({cur}) if missed:")
        for i, m in enumerate(block.milestones, 1):
            out.append(f"  M{i} {m.name} at month {m.at_month:g}: {_contents(m)}")
        first = block.milestones[0].name
        npv: Column = (["expected", "NPV"], 9, _from(ms, "npv_mean", compact, first))
        cols: list[Column] = []
        for i, m in enumerate(block.milestones, 1):
            cols.append(([f"M{i}", "chance"], 7, _from(ms, "p_hit", percent, m.name)))
            cols.append(([f"M{i} NPV", "if missed"], 10, _from(ms, "npv_mean_if_missed", compact, m.name)))
        out += _tables(sr, cols, lead=[npv])
    out += _rule_lines(sr)
    out.append("Every signed KPI together, and every KPI of each signer:")
    together: list[Column] = [(["all", "signed"], 8, _from(signed, "p_all_signed", percent))]
    for who in block.signed_by:
        together.append((["all of", who[:10]], 10, _from(signed, f"p_all_of_{who}", percent)))
    out += _tables(sr, together)
    return "\n".join(
        "\n".join(textwrap.wrap(line, WIDTH, subsequent_indent="    ")) if len(line) > WIDTH else line for line in out
    ).rstrip()
