"""The command line's summary for people: one table at most 100 columns wide, headers in words
with their units, money to three significant figures (what a Monte Carlo summary supports),
"never" for a payback that never comes, a one-line glossary of the owner names, and the
certainty equivalent's existence said in words. Programs read the CSV and JSON of
:mod:`decision_kit.cli` instead, which keep every column and every digit.

Where the scenario states a status quo the table leads with each cell's expected NPV against
it and the chance of doing worse than it; the absolute expected NPV and its P10-P90 follow.
"""

from __future__ import annotations

import math
import textwrap

from .formatting import amount, compact, finite, months, percent, rate, value_within_error, whole_percent, years
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


def ownership_text(scenario, choice, contributions, option: str, what_ifs, worth, joint=(), grid=None) -> str:
    """Who should own the budget, for a terminal: the best owner of each option and how sure
    (:class:`~decision_kit.owner_tradeoffs.OwnerChoice`), what each mechanism contributes to
    ``option``'s expected NPV per owner (``contributions``, from
    :func:`~decision_kit.owner_tradeoffs.mechanism_contributions`), what would have to be true
    for each other owner to win (``what_ifs``, one input at a time; ``joint``, the smallest joint
    change, :func:`~decision_kit.owner_tradeoffs.joint_flip`), and the judgements most worth
    researching (``worth``, EVPPI). Money in the scenario's currency, three significant figures."""
    from .ownership import MECHANISM_LABELS

    org = scenario.organisation
    cur = scenario.currency
    out = [
        f"Who should own the budget: {scenario.name}, organisation profile {org.profile or '(stated in the file)'}, "
        f"{choice.trials:,} trials; money in {cur}",
        f"profile source: {org.source}" if org.source else "",
        "",
        _line(["option", "best owner", "lead over runner-up", "best in trials", "best in expectation"],
              [12, 11, 34, 15, 20]),
    ]  # fmt: skip
    for o, r in choice.table.iterrows():
        lead = f"{compact(r.lead)} ± {compact(r.lead_se)} over {r.runner_up}" + (" (too close)" if r.too_close else "")
        cells = [str(o), r.owner, lead, whole_percent(r.p_best), choice.share_words(r.p_best_in_expectation)]
        out.append(_line(cells, [12, 11, 34, 15, 20]))
    mean = contributions["mean"].xs(option, level="option").unstack("mechanism")
    names = [*MECHANISM_LABELS, "interaction", "all neutral"]
    heads = ["go-live", "cycle", "rework", "incidents", "explicit", "interaction", "neutral", "NPV"]
    widths = [10] + [10] * len(heads)
    out += ["", f"What each mechanism adds to the expected NPV of {option} ({cur}; NPV with it on minus neutral):",
            _line(["owner", *heads], widths)]  # fmt: skip
    for owner, row in mean.iterrows():
        vals = [row[m] for m in names]
        out.append(_line([str(owner)] + [compact(v) for v in vals] + [compact(sum(vals))], widths))
    out.append("  " + "; ".join(f"{h}: {MECHANISM_LABELS[m]}" for h, m in zip(heads, MECHANISM_LABELS)))
    out += ["", f"What would have to be true (within each input's P1-P99, one at a time, for {option}):"]
    out += [f"- {w.describe()}" for w in what_ifs if w.found]
    held = [w.other for w in what_ifs if not w.found]
    if held:
        out.append(f"- {', '.join(held)}: no single profile input or coefficient within its range makes "
                   f"{'it' if len(held) == 1 else 'them'} beat {what_ifs[0].owner}.")  # fmt: skip
    if grid is not None:
        out += [
            "",
            f"Expected NPV of {option} in every cell of the grid ({cur}; rows hold the budget, columns deliver):",
        ]
        widths = [14] + [14] * len(grid.columns)
        out.append(_line(["", *map(str, grid.columns)], widths))
        for holder, row in grid.iterrows():
            out.append(_line([str(holder)] + ["" if v != v else compact(v) for v in row], widths))
        out.append("  presets: " + "; ".join(f"{w} = {h}/{d}" for w, (h, d) in grid.attrs["presets"].items()))
    if joint:
        out += ["", "The smallest joint change that closes the gap (normal scores of each input's own uncertainty):"]
        out += [f"- {j.describe()}" for j in joint]
    out += ["", f"Judgements most worth researching before choosing the owner of {option} (EVPPI, {cur}):"]
    for path, r in worth.head(5).iterrows():
        if not math.isfinite(r.evppi):
            out.append(f"- {path}: not estimated (too few trials for a regression on every input at once)")
            continue
        value = compact(r.evppi) if r.evppi >= 0.5 else "0"
        out.append(f"- {path}: {value} ({whole_percent(r.share_of_evpi)} of the owner choice's EVPI)")
    out.append("Data sensitivity is the profile's class (low, medium, high), not varied; every other profile input is.")
    return "\n".join("\n".join(textwrap.wrap(line, WIDTH, subsequent_indent="  ")) if len(line) > WIDTH else line
                     for line in out)  # fmt: skip


def staged_text(staged) -> str:
    """Commit now versus a yearly stop review, for a terminal: per option x owner the expected
    NPV versus the status quo either way, the value of the review with its standard error (or
    "within Monte Carlo error"), how often it stops and how often that is regretted, then the
    best cell's rule of each option in business units (:class:`~decision_kit.staged_decisions.
    Abandonment`). Money in the scenario's currency, three significant figures."""
    cur, t = staged.currency, staged.table
    any_policy = next(iter(staged.policies.values()))
    out = [
        f"Commit now or review every year: {staged.scenario}, {staged.trials:,} trials (the rule is fitted on "
        f"{any_policy.fit.size:,} and valued on the other {any_policy.valued.size:,}); money in {cur}, "
        "NPV versus the status quo",
        "",
        _line(["option", "owner", "commit now", "with review", "value of the review", "stops", "regret stop/go"],
              [10, 10, 10, 11, 26, 6, 15]),
    ]  # fmt: skip
    for (o, w), r in t.iterrows():
        value = value_within_error(r.flexibility, r.flexibility_se, r.significant)
        regret = f"{whole_percent(r.p_stop_regret)} / {whole_percent(r.p_carry_on_regret)}"
        out.append(_line([str(o), str(w), compact(r.commit_npv), compact(r.staged_npv), value,
                          whole_percent(r.p_stop), regret], [10, 10, 10, 11, 26, 6, 15]))  # fmt: skip
    out += [
        "",
        "value of the review: its out-of-sample value (biased low in expectation; the in-sample one, biased",
        "high, is in the Python result). regret stop/go: stopped although carrying on paid more / never",
        "stopped although stopping at some review paid more.",
    ]
    for o in dict.fromkeys(t.index.get_level_values("option")):
        w = t.loc[o, "staged_npv"].idxmax()
        r = t.loc[(o, w)]
        form = str(r.get("rule_form", "least squares"))
        median = "" if form.startswith("a threshold") else ", the year's cost at its median"
        out += ["", f"{o} under {w} (the best owner with the review): {whole_percent(r.p_failure)} of deliveries "
                f"fail; the rule, {form}, fitted on the trials (a live option{median}):"]  # fmt: skip
        out += [f"  {line}" for line in staged.rule_words(o, w)]
    out += ["", OWNER_GLOSSARY]
    wrapped = (textwrap.fill(line, WIDTH, subsequent_indent="    ") if len(line) > WIDTH else line for line in out)
    return "\n".join(wrapped)


def pilot_text(piloted) -> str:
    """Commit now versus a pilot first, for a terminal: per option x owner the expected NPV versus
    the status quo either way, the pilot's value net of its cost and delay with its standard
    error (or "within Monte Carlo error"), how often it stops, its two error rates, then the
    best cell's scale-or-stop rule of each option in business units
    (:class:`~decision_kit.staged_pilot.Pilots`). Money in the scenario's currency."""
    cur, t = piloted.currency, piloted.table
    widths = [10, 10, 10, 10, 26, 6, 15]
    out = [
        f"Commit now or pilot first: {piloted.scenario}, {piloted.trials:,} trials (rule fitted on half, valued on the "
        f"other half); money in {cur}, NPV versus the status quo, the pilot's cost and delay included",
        "",
        _line(
            ["option", "owner", "commit now", "pilot first", "value of the pilot", "stops", "errors stop/go"], widths
        ),
    ]
    for (o, w), r in t.iterrows():
        value = value_within_error(r.value, r.value_se, r.significant)
        errors = f"{whole_percent(r.p_stop_when_scaling_pays)} / {whole_percent(r.p_scale_when_stopping_pays)}"
        out.append(_line([str(o), str(w), compact(r.commit_npv), compact(r.piloted_npv), value,
                          whole_percent(r.p_stop), errors], widths))  # fmt: skip
    out += ["", "errors stop/go: the pilot stopped although scaling would have paid / scaled although stopping would."]
    for o in dict.fromkeys(t.index.get_level_values("option")):
        w = t.loc[o, "piloted_npv"].idxmax()
        r = t.loc[(o, w)]
        out += ["", f"{o} under {w}: pilot cost {compact(r.pilot_cost)} {cur} on average; {piloted.rule_words(o, w)}."]
        if finite(r.get("value_with_reviews", math.nan)):
            value = value_within_error(r.value_with_reviews, r.value_with_reviews_se,
                                 abs(r.value_with_reviews) > 2 * r.value_with_reviews_se)  # fmt: skip
            added = value_within_error(r.reviews_add, r.reviews_add_se, abs(r.reviews_add) > 2 * r.reviews_add_se)
            out.append(f"  Scaled, it keeps its yearly stop review: the pilot is then worth {value}, the reviews "
                       f"adding {added} to the pilot alone (stops {whole_percent(r.p_stop_with_reviews)} at the "
                       "pilot).")  # fmt: skip
        if finite(r.get("value_extended", math.nan)):
            value = value_within_error(r.value_extended, r.value_extended_se,
                                 abs(r.value_extended) > 2 * r.value_extended_se)  # fmt: skip
            band = "" if finite(r.extend_from) else " (no ambiguous band pays: the pilot alone)"
            out.append(f"  With the extension it may take, the pilot is worth {value}{band}.")
    wrapped = (textwrap.fill(line, WIDTH, subsequent_indent="    ") if len(line) > WIDTH else line for line in out)
    return "\n".join(wrapped)


def defer_text(deferred) -> str:
    """Commit now versus wait and learn, for a terminal: per option x owner the expected NPV
    versus the status quo either way, the deferral's value net of its delay and waiting cost with
    its standard error (or "within Monte Carlo error"), how often the rule stays with the status
    quo and its two error rates, then each option's rule in business units
    (:class:`~decision_kit.staged_defer.Deferrals`). Money in the scenario's currency."""
    cur, t = deferred.currency, deferred.table
    widths = [10, 10, 10, 10, 26, 6, 15]
    out = [
        f"Commit now or wait and learn: {deferred.scenario}, {deferred.trials:,} trials (rule fitted on half, valued "
        f"on the other half); money in {cur}, NPV versus the status quo, the delay and waiting cost included",
        "",
        _line(["option", "owner", "commit now", "wait first", "value of waiting", "stays", "errors stop/go"], widths),
    ]
    for (o, w), r in t.iterrows():
        value = value_within_error(r.value, r.value_se, r.significant)
        errors = f"{whole_percent(r.p_stop_when_commit_pays)} / {whole_percent(r.p_commit_when_stop_pays)}"
        out.append(_line([str(o), str(w), compact(r.commit_npv), compact(r.deferred_npv), value,
                          whole_percent(r.p_stop), errors], widths))  # fmt: skip
    out += ["", "value of waiting: out of sample (the in-sample one, biased high, is in the memo and the result).",
            "stays: does not commit after the wait. errors stop/go: stayed although committing would have paid /",
            "committed although staying would. What is learned: a market signal of the benefit at full delivery, "
            "not the organisation's own delivery."]  # fmt: skip
    for o in dict.fromkeys(t.index.get_level_values("option")):
        out += _choice_lines(deferred, o)
        w = t.loc[o, "deferred_npv"].idxmax()
        r = t.loc[(o, w)]
        cost = f"{compact(r.cost_of_waiting)} {cur} if one commits anyway" + (
            f" to {r.commit_to}" if r.commit_to != o else "")  # fmt: skip
        wait = f"the life's time value and {compact(r.waiting_cost)} of waiting cost"
        out += ["", f"{o} under {w}: waiting costs {cost} ({wait}); {deferred.rule_words(o, w)}."]
    wrapped = (textwrap.fill(line, WIDTH, subsequent_indent="    ") if len(line) > WIDTH else line for line in out)
    return "\n".join(wrapped)


def _choice_lines(deferred, option: str) -> list[str]:
    """For a deferral that ends in a choice among several options: what committing now is, and
    per owner the share of trials ending in each option (none for one option)."""
    t = deferred.table.loc[option]
    among = str(t.choose_among.iloc[0]).split(", ")
    if len(among) == 1:
        return []
    now = ", ".join(f"{w} {c}" for w, c in t.commit_to.items())
    now = f"{t.commit_to.iloc[0]} for every owner" if t.commit_to.nunique() == 1 else now
    widths = [10, *[10] * (len(among) + 1), 18]
    out = ["", f"{option}: wait, then choose among {', '.join(among)} ({deferred.errors_words(option)}); "
           f"commit now is the best of them, or the status quo, on the valued trials ({now}).",
           _line(["owner", "ends in:", *among, "status quo", "another paid more"], [10, *widths])]  # fmt: skip
    for w, share in deferred.shares.loc[option, [*among, "status quo"]].iterrows():
        cells = [str(w), "", *map(whole_percent, share), whole_percent(t.loc[w, "p_other_paid_more"])]
        out.append(_line(cells, [10, *widths]))
    return out


_STAGE_NAMES = {"abandon": "yearly stop review", "pilot": "pilot", "switch_vendor": "vendor switch",
                "defer": "deferral"}  # fmt: skip


def stage_tornado_text(frame, kind: str, option: str, owner: str, currency: str, trials: int) -> str:
    """The stage tornado of one cell for a terminal (:func:`~decision_kit.staged_flows.
    stage_tornado`): the value of the stage with each of its own inputs low and high."""
    what = _STAGE_NAMES[kind]
    if frame.empty:
        return f"{option} under {owner}: the {what} states no uncertain input of its own."
    base = compact(frame.value_as_stated.iloc[0])
    widths = [34, 0, 8, 10, 13, 14]
    out = [
        f"What the value of the {what} of {option} under {owner} ({base} {currency}) depends on: its own inputs",
        f"(drawn ones at their P10 and P90, measurement errors at half and twice; the same {trials:,} trials)",
        "",
        _line(["input", "", "low", "high", "value at low", "value at high"], widths),
    ]
    for r in frame.itertuples():
        fmt = compact if abs(r.high) >= 10 else (lambda x: f"{x:.2g}")
        cells = [str(r.input), "", fmt(r.low), fmt(r.high), compact(r.value_at_low), compact(r.value_at_high)]
        out.append(_line(cells, widths))
    wrapped = (textwrap.fill(line, WIDTH, subsequent_indent="    ") if len(line) > WIDTH else line for line in out)
    return "\n".join(wrapped)


_LIMITED_BY = {
    "inactive": "not active",
    "prerequisite": "prerequisite",
    "at_maximum": "its maximum",
    "threshold": "a dependent",
    "at_minimum": "its minimum",
    "balanced": "total budget",
}
"""What holds an initiative, by reason code, in the allocation table ("pot_exhausted" names the pot)."""


_OWNER_WORDS = {"marketing": "marketing", "it": "IT", "shared": "shared"}
"""Owners of a portfolio's initiatives as a reader writes them (the allocation's texts use the same)."""


def _words(name: str) -> str:
    """An initiative's name as a reader writes it: ``'customer data platform'``."""
    return name.replace("_", " ")


def _wrapped(text: str, indent: str = "  ") -> str:
    return "\n".join(textwrap.wrap(text, WIDTH, subsequent_indent=indent))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _objective_words(alloc) -> str:
    net = " net of spend" if alloc.unspent_value > 0 else ""
    if alloc.objective == "mean":
        return f"expected value{net}"
    if alloc.objective == "mean_minus_std":
        return f"expected value{net} minus {alloc.risk_aversion:g} standard deviations"
    return (
        f"expected value{net} with weight {alloc.risk_aversion:g} on the worst {alloc.cvar_level:.0%} of trials (CVaR)"
    )


def _allocation_rows(alloc) -> list[str]:
    """The table of :func:`allocation_text`: headers, then one row per initiative."""
    widths = [24, 9, 9, 6, 9, 9]

    def line(cells, last):
        return (_line(cells, widths) + "  " + last).rstrip()

    out = [
        line(["initiative", "owner", "spend", "share", "expected", "next"], "limited by"),
        line(["", "", "per year", "", "value/yr", f"{alloc.currency} adds"], ""),
    ]
    share = alloc.spend / alloc.budget if alloc.budget > 0 else alloc.spend * 0
    for k, r in enumerate(alloc.reasons):
        held = r.budget if r.code == "pot_exhausted" else _LIMITED_BY[r.code]
        adds = "-" if r.code == "inactive" else f"{max(r.marginal, 0):.2f}"
        cells = [_words(r.initiative), _OWNER_WORDS[r.owner], compact(r.spend), whole_percent(share[k]),
                 compact(alloc.expected_value[k]), adds]  # fmt: skip
        out.append(line(cells, held))
    return out


def allocation_text(alloc, start_year: int | None = None) -> str:
    """An :class:`~decision_kit.allocation.Allocation` for a terminal: one row per initiative
    (spend, share of the budget, expected value, what its next unit returns, what holds it), why
    each initiative gets what it gets, the budgets with what one more unit of each adds and which
    bind, why any budget is left unspent, and what "value" means. Money in the portfolio's
    currency per year, three significant figures; at most :data:`WIDTH` columns."""
    cur = alloc.currency
    when = f" ({start_year + alloc.year - 1})" if start_year is not None else ""
    out = [
        _wrapped(f"{alloc.portfolio}, plan year {alloc.year}{when}: budget {compact(alloc.budget)} {cur}"),
        _wrapped(
            f"maximising {_objective_words(alloc)}, by {alloc.method}; {alloc.trials:,} trials, seed {alloc.seed}; "
            f"money in {cur} per year"
        ),
        "",
        *_allocation_rows(alloc),
        "",
        f"expected value {compact(alloc.value_mean)} {cur} a year (P10 {compact(alloc.value_p10)} {cur}); spent "
        f"{compact(alloc.total_spend)} of {compact(alloc.budget)} {cur}",
        *_net_lines(alloc),
        "",
        "Why each initiative gets what it gets:",
    ]
    out += [_wrapped(f"- {_words(r.initiative)}: {r.text}") for r in alloc.reasons]
    out += ["", f"Budgets ({cur} per year):"]
    out += [_wrapped(f"- {b.text}") for b in alloc.limits]
    binding = [f"the {b.name}" for b in alloc.binding]
    out.append(_wrapped(f"Binding: {_and(binding)}." if binding else "No budget binds."))
    if alloc.unspent_reason:
        out.append(_wrapped(alloc.unspent_reason + "."))
    out += ["", textwrap.fill(alloc.value_statement, WIDTH)]
    return "\n".join(out)


def _net_lines(alloc) -> list[str]:
    """The value net of spend (and of the shared pot's steering time), where the allocation maximises it."""
    if alloc.unspent_value <= 0 and alloc.fixed_cost <= 0:
        return []
    cur = alloc.currency
    steering = f" and {compact(alloc.fixed_cost)} {cur} of shared-pot steering time" if alloc.fixed_cost > 0 else ""
    return [_wrapped(f"net of the spend{steering}: {compact(alloc.net_value)} {cur} a year")]


def _observed_text(name: str, m, cur: str) -> str:
    """One observation in words: the value with its unit and its measurement uncertainty."""
    unit = "months" if name == "launch_months" else cur
    show = months if name == "launch_months" else compact
    if m.likelihood == "lognormal":
        return f"{show(m.value)} {unit}, lognormal sigma {m.spread:.2g} (a factor {math.exp(m.spread):.2g} either way)"
    if not math.isfinite(m.spread):
        return f"{show(m.value)} {unit}, no information (sd infinite)"
    return f"{show(m.value)} {unit} ± {show(m.spread)} (normal sd)"


def _ess_text(rv) -> str:
    r = rv.review
    head = f"Effective sample size: {r.ess:,.0f} of {r.trials:,} prior trials (SMC threshold {r.min_ess:,.0f}): "
    if r.smc is None:
        return head + "reweighting the prior trials was enough; tempered SMC did not run."
    acc = sum(r.smc.acceptance) / len(r.smc.acceptance)
    return head + (
        f"tempered SMC ran ({len(r.smc.temperatures)} stages, {r.smc.particles:,} particles, "
        f"mean acceptance {whole_percent(acc)})."
    )


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + compact(x)


def _milestone_lines(rv) -> list[str]:
    """The chance of passing each milestone of the success block, before -> after the actuals."""
    if rv.milestones is None:
        return []
    out = [f"Chance that {rv.actuals.cell.option} passes each milestone (before -> after the actuals):"]
    for name, m in rv.milestones.iterrows():
        when = (
            ""
            if not math.isfinite(m.at_month)
            else f" (month {m.at_month:g}{'' if m.remaining else ', by the review date'})"
        )
        out.append(f"  {(str(name) + when)[:48]:<48} {percent(m.p_before):>6} -> {percent(m.p_after):>6}")
    return [*out, ""]


def review_text(rv, top: int = 8) -> str:
    """A plan-vs-actual review (:class:`~decision_kit.review_scenario.ScenarioReview`) for a
    terminal: what was observed, the effective sample size and whether tempered SMC ran, the
    ``top`` inputs that moved most (prior and posterior mean, shift in prior standard
    deviations), expected NPV to date and to go per action before and after, the
    recommendation before and after, and each observation's Shapley share. Money in the
    scenario's currency, three significant figures; no line wider than :data:`WIDTH`."""
    r, a, cur = rv.review, rv.actuals, rv.currency
    when = f" ({a.date.isoformat()})" if a.date is not None else ""
    out = [
        f"Plan-vs-actual review: {rv.scenario.name}, {a.cell.option} owned by {a.cell.owner}",
        f"as of year {a.as_of_years} after the decision{when}; {rv.trials:,} prior trials, seed {rv.seed}",
        f"money in {cur}, as NPV at the decision date (nominal, discounted at {rate(rv.scenario.discount_rate)})",
        "",
        "What was observed (value, measurement uncertainty):",
    ]
    out += [f"  {name:<28} {_observed_text(name, m, cur)}" for name, m in a.observed.items()]
    out += ["", _ess_text(rv), "", "Inputs that moved most (prior mean -> posterior mean, shift in prior sd):"]
    shifts = r.inputs
    out.append(f"  {'input':<52} {'prior mean':>12} {'posterior mean':>15} {'shift':>9}")
    for i in range(min(top, len(shifts.inputs))):
        before, after = compact(shifts.prior_mean[i]), compact(shifts.posterior_mean[i])
        out.append(f"  {shifts.inputs[i][:52]:<52} {before:>12} {after:>15} {shifts.shift[i]:>+6.2f} sd")
    out += [
        "",
        f"Expected NPV to date (sunk, not part of the choice): {compact(r.prior_npv_to_date)} before, "
        f"{compact(r.posterior_npv_to_date)} after the actuals",
        "Expected NPV to go per action (flows after the review date):",
    ]
    out.append(f"  {'action':<34} {'before':>10} {'after':>10} {'change':>10}")
    for c, before, after in zip(r.cells, r.prior_npv_to_go, r.posterior_npv_to_go, strict=True):
        out.append(f"  {c[:34]:<34} {compact(before):>10} {compact(after):>10} {_signed(after - before):>10}")
    out += [
        f"Change in the expected NPV to go of {r.cell}: {_signed(rv.change_in_npv_to_go)} {cur}",
        f"Recommended action: before the actuals, {r.recommended_before}; after them, {r.recommended_after}.",
        "",
        *_milestone_lines(rv),
        f"What each observation changed in the expected NPV to go of {r.cell} (Shapley shares, {cur}):",
    ]
    att = r.attribution
    out += [f"  {name:<28} {_signed(v):>10}" for name, v in zip(att.observations, att.values, strict=True)]
    out.append(f"  {'total':<28} {_signed(att.total):>10}")
    note = f"  (the prior trials reweighted by each subset; smallest effective sample size {att.min_ess:,.0f}"
    out.append(note + (": the SMC change above may differ)" if r.smc is not None else ")"))
    return "\n".join("\n".join(textwrap.wrap(line, WIDTH, subsequent_indent="  ")) if len(line) > WIDTH else line
                     for line in out)  # fmt: skip


def beliefs_text(w) -> str:
    """Whose numbers, for a terminal: each stakeholder's estimates of the disputed inputs (their
    means), the recommended cell under each belief and the pool with what the pooled choice
    loses if that stakeholder is right, and the value of settling the disagreement, in all and
    input by input (:class:`~decision_kit.whose_numbers.WhoseNumbers`). Money in the currency."""
    b, cur = w.beliefs, w.currency
    names = list(b.stakeholders)
    width = max(22, *(len(i) for i in w.estimates.index))
    out = [
        f"Whose numbers: {w.scenario}, {w.trials:,} trials drawn from the pooled estimates; money in {cur}, "
        "NPV versus the status quo",
        "",
        "The disputed inputs (mean of each estimate; the scenario's own where a stakeholder states none):",
        "  " + f"{'input':<{width}}" + "".join(f"{n:>12}" for n in names),
    ]
    for path, row in w.estimates.iterrows():
        out.append("  " + f"{path:<{width}}" + "".join(f"{compact(row[n]):>12}" for n in names))
    out += ["", _line(["belief", "weight", "recommended", "its NPV", "regret", "ESS"], [8, 6, 24, 10, 10, 8])]
    for s, name in enumerate(names):
        best = b.cells.index(b.recommended[s])
        out.append(_line([name, whole_percent(b.pool[s]), b.recommended[s], compact(b.expected_npv[s, best]),
                          compact(b.regret[s]), f"{b.ess[s]:,.0f}"], [8, 6, 24, 10, 10, 8]))  # fmt: skip
    pooled = b.cells.index(b.pooled_recommended)
    out.append(
        _line(["pooled", "", b.pooled_recommended, compact(b.pooled_npv[pooled]), "", ""], [8, 6, 24, 10, 10, 8])
    )
    out += ["", "regret: what choosing the pooled cell loses if that stakeholder's numbers are right.",
            f"The value of settling the whole disagreement: {compact(b.value)} {cur}"
            + (" (every belief recommends the same cell)." if len(set(b.recommended)) == 1 else "."),
            "The value of settling each input alone (who would then recommend what):"]  # fmt: skip
    for i, path in enumerate(w.by_input.inputs):
        recs = ", ".join(f"{n}: {r}" for n, r in zip(names, w.by_input.recommended[i], strict=True))
        out.append(f"  {path}: {compact(w.by_input.values[i])} {cur} ({recs})")
    if w.by_input.values.size and w.by_input.values.max() > b.value:
        out.append(
            "  (each input settled alone, the other disputed inputs at the pooled estimates: a disagreement"
            " that changes the choice alone can be offset by another when all are settled)"
        )
    wrapped = (textwrap.fill(line, WIDTH, subsequent_indent="    ") if len(line) > WIDTH else line for line in out)
    return "\n".join(wrapped)


def switch_text(sw) -> str:
    """Stay with an acquired vendor or switch, for a terminal: per option x owner the expected NPV
    versus the status quo never switching and under the fitted rule, the value of the option to
    switch with its standard error, how often the vendor is acquired and the rule switches, then
    each option's costs of a switch (migration, double running, the new vendor's price) and its
    rule in business units (:class:`~decision_kit.staged_decisions.Switches`)."""
    cur, t = sw.currency, sw.table
    widths = [10, 10, 11, 11, 26, 9, 8]
    out = [
        f"Stay or switch vendor after an acquisition: {sw.scenario}, {sw.trials:,} trials (rule fitted on half, "
        f"valued on the other half); money in {cur}, NPV versus the status quo",
        "",
        _line(["option", "owner", "never switch", "with switch", "value of switching", "acquired", "switch"], widths),
    ]
    for (o, w), r in t.iterrows():
        value = value_within_error(r.value, r.value_se, r.significant)
        cells = [str(o), str(w), compact(r.commit_npv), compact(r.switch_npv), value, whole_percent(r.p_acquired),
                 whole_percent(r.p_switch)]  # fmt: skip
        out.append(_line(cells, widths))
    for o in dict.fromkeys(t.index.get_level_values("option")):
        w = t.loc[o, "switch_npv"].idxmax()
        out += ["", f"{o} under {w}: {sw.cost_words(o, w)}; {sw.rule_words(o, w)}."]
    wrapped = (textwrap.fill(line, WIDTH, subsequent_indent="    ") if len(line) > WIDTH else line for line in out)
    return "\n".join(wrapped)
