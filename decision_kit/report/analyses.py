"""The analyses a decision memo carries besides the summary: :func:`standard_analyses`."""

from __future__ import annotations

from typing import Any


def standard_analyses(result, *, top: int = 8) -> dict[str, Any]:
    """The analyses a decision memo carries besides the summary: the main one-way
    sensitivities of the recommended cell (tornado), the value of information (EVPI and the
    inputs most worth learning about, EVPPI), and, when the scenario names stakeholders, their
    views side by side (TOPSIS, group weights by arithmetic mean). Title -> section content,
    ready for ``html_memo(result, analyses=...)``. Implausible inputs
    (:func:`decision_kit.plausibility.implausible`) come first, as a warning section.

    The tornado is drawn on a figure of its own with matplotlib's Agg canvas, not through
    pyplot: nothing here chooses a backend or touches pyplot's figures (a backend is the
    calling application's choice)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots, sensitivity, voi
    from ..plausibility import implausible
    from ..schema import dotted

    s = result.scenario
    out: dict[str, Any] = {}
    warnings = implausible(s)
    if warnings:  # first: a reader should see them before any figure they affect
        out["Warnings: implausible inputs (the run went ahead; check them)"] = " ".join(
            f"{dotted(at)}: {message}." for at, message in warnings
        )
    best = result.best_cell
    t = sensitivity.tornado(s, option=best[0], owner=best[1])
    table = t.to_frame().head(top)[["input", "low_value", "high_value", "metric_at_low", "metric_at_high", "swing"]]
    out[f"Main sensitivities: NPV of {best[0]} / {best[1]}, each input at its P10 and P90"] = table
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    plots.tornado(t, ax=ax, top=top)
    fig.tight_layout()
    out["Tornado"] = fig
    e = voi.evpi(result)
    out["Value of information"] = e.describe()
    out["Inputs most worth learning about before committing (EVPPI)"] = voi.evppi(result).to_frame().head(top)
    if s.by_mechanism:
        out.update(ownership_analyses(result))
    out.update(staged_analyses(result))
    out.update(success_analyses(result))
    out.update(belief_analyses(result))
    if s.stakeholders:
        from .. import mcda

        view = mcda.stakeholder_view(result, aggregation="arithmetic")
        out["Stakeholder view"] = view.summary()
        out["Rankings by stakeholder (TOPSIS closeness and rank)"] = view.to_frame().head(top * 2)
    return out


def ownership_analyses(result, *, trials: int = 4_000, break_even_trials: int = 1_000) -> dict[str, Any]:
    """The memo's "who should own the budget" sections, for a scenario whose owners are computed
    by mechanism (:mod:`decision_kit.owner_tradeoffs`): the best owner of each option and how
    sure, what each mechanism adds to the recommended option's expected NPV per owner, what
    would have to be true for each other owner to win (one input at a time, and the smallest
    joint change), the ownership judgements most worth
    researching (EVPPI), and the map of the best owner over IT lead time and change rate. Same
    seed as ``result``; ``trials`` per analysis."""
    from .. import owner_tradeoffs as ot

    s, seed = result.scenario, result.seed
    option, owner = result.best_cell
    profile = s.organisation.profile or "stated in the file"
    choice = ot.owner_choice(s, trials, seed, worlds=32, inner=500)
    table = choice.table[["owner", "npv_mean", "runner_up", "lead", "lead_se", "p_best", "p_best_in_expectation"]]
    mean = ot.mechanism_contributions(s, trials, seed)["mean"].xs(option, level="option").unstack("mechanism")
    mean = mean[[*ot.MECHANISM_LABELS, "interaction", "all neutral"]].rename(columns=ot.MECHANISM_LABELS)
    mean["expected NPV"] = mean.sum(axis=1)
    what_ifs = [
        ot.what_would_have_to_be_true(s, option, owner, other, break_even_trials, seed).describe()
        + " "
        + ot.joint_flip(s, option, owner, other, min(break_even_trials, 300), seed).describe()
        for other in s.owners
        if other != owner
    ]
    worth = ot.ownership_value_of_information(s, option, trials, seed).head(8)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    plots.owner_map(ot.owner_map(s, option, grid=7, trials=break_even_trials, seed=seed), ax=fig.subplots())
    fig.tight_layout()
    return {
        f"Who should own the budget (organisation profile: {profile}; by mechanism)": table,
        f"What each ownership mechanism adds to the expected NPV of {option}": mean,
        f"What would have to be true for another owner of {option}": " ".join(what_ifs),
        f"Ownership judgements most worth researching for {option} (EVPPI)": worth,
        f"Best owner of {option} over IT lead time and change rate (this organisation: the box)": fig,
    }


def staged_analyses(result, *, trials: int = 4_000) -> dict[str, Any]:
    """The memo's "commit now or review every year" sections, for a scenario whose options state
    a yearly stop review, a pilot, a vendor switch or a deferral (:mod:`decision_kit.staged_decisions`,
    :mod:`decision_kit.staged_pilot`, :mod:`decision_kit.staged_defer`): per option x owner the expected
    NPV versus the status quo with and without the review, the review's value with its standard
    error and how often it stops, then the rule of the recommended option in words and as a
    chart. Empty when no option states a review. Same seed as ``result``."""
    from ..staged_decisions import abandonment, reviewed_options

    s = result.scenario
    out = {**_pilot_analyses(result, trials=trials), **_switch_analyses(result, trials=trials),
           **_defer_analyses(result, trials=trials)}  # fmt: skip
    if not reviewed_options(s):
        return out
    staged = abandonment(s, trials=trials, seed=result.seed)
    cols = {"commit_npv": "commit now", "staged_npv": "with the review", "flexibility": "value of the review",
            "flexibility_se": "its standard error", "flexibility_in_sample": "in sample (biased high)",
            "p_stop": "stops", "p_stop_regret": "stopped, carrying on paid more",
            "p_carry_on_regret": "carried on, stopping paid more"}  # fmt: skip
    table = staged.table[list(cols)].rename(columns=cols)
    option, owner = result.best_cell
    if option not in staged.table.index.get_level_values("option"):
        option = str(staged.table.index[0][0])
    owner = str(staged.table.loc[option, "staged_npv"].idxmax())
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    plots.stop_boundary(staged, option, owner, ax=fig.subplots())
    fig.tight_layout()
    words = " ".join(f"{line[0].upper()}{line[1:]}." for line in staged.rule_words(option, owner))
    tornado_trials = min(trials, 2_000)
    return {
        f"Commit now or review every year ({staged.trials:,} trials; NPV versus the status quo, "
        f"{s.currency}; the rule is fitted on half the trials and valued on the other half)": table,
        f"The stop rule of {option} under {owner}, fitted on the trials": words,
        f"Stop rule of {option} under {owner} over time": fig,
        f"What the value of each stage of {option} under {owner} depends on: its own inputs, which the main "
        f"tornado and the value of information do not see (drawn ones at their P10 and P90, measurement errors "
        f"at half and twice; {tornado_trials:,} trials, {s.currency})": _stage_tornadoes(
            result, option, owner, tornado_trials
        ),
        **out,
    }


def _stage_tornadoes(result, option: str, owner: str, trials: int):
    """The stage tornado (:func:`~decision_kit.staged_flows.stage_tornado`) of every stage that
    ``option`` states, for ``owner``, one table with a ``stage`` column."""
    import pandas as pd

    from ..staged_decisions import abandonment, switches
    from ..staged_defer import deferrals
    from ..staged_flows import reviewed_options, stage_tornado
    from ..staged_pilot import pilots

    s = result.scenario
    frames = []
    for kind, analyse in (("abandon", abandonment), ("pilot", pilots), ("switch_vendor", switches),
                          ("defer", deferrals)):  # fmt: skip
        if option in reviewed_options(s, kind):
            frame = stage_tornado(analyse, s, option, owner, kind, trials=trials, seed=result.seed)
            frames.append(frame.assign(stage=kind))
    cols = {"stage": "stage", "input": "input", "low": "low", "high": "high", "value_at_low": "value at low",
            "value_at_high": "value at high", "value_as_stated": "as stated"}  # fmt: skip
    return pd.concat(frames, ignore_index=True)[list(cols)].rename(columns=cols)


def _pilot_analyses(result, *, trials: int) -> dict[str, Any]:
    """The memo's "commit now or pilot first" sections: the table per option x owner and the
    scale-or-stop rule of each option's best cell in words. Empty without a pilot."""
    from ..staged_flows import reviewed_options
    from ..staged_pilot import pilots

    s = result.scenario
    if not reviewed_options(s, "pilot"):
        return {}
    p = pilots(s, trials=trials, seed=result.seed)
    cols = {"commit_npv": "commit now", "piloted_npv": "pilot first", "value": "value of the pilot",
            "value_se": "its standard error", "value_in_sample": "in sample (biased high)", "p_stop": "stops",
            "p_stop_when_scaling_pays": "stopped, scaling paid more",
            "p_scale_when_stopping_pays": "scaled, stopping paid more", "pilot_cost": "pilot cost",
            "value_with_reviews": "with its yearly reviews once scaled", "reviews_add": "the reviews add",
            "reviews_add_se": "their standard error", "value_extended": "with its extension",
            "value_extended_se": "its standard error (extension)", "p_extend": "extends"}  # fmt: skip
    cols = {k: v for k, v in cols.items() if k in p.table.columns}
    best = {o: str(p.table.loc[o, "piloted_npv"].idxmax()) for o in dict.fromkeys(p.table.index.get_level_values(0))}
    words = " ".join(f"{o} under {w}: {p.rule_words(o, w)}." for o, w in best.items())
    option = max(best, key=lambda o: float(p.table.loc[(o, best[o]), "value"]))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots
    from ..staged_pilot import pilot_design

    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    design = pilot_design(s, option, best[option], trials=min(trials, 4_000), seed=result.seed)
    plots.pilot_design(design, s.currency, ax=fig.subplots())
    fig.tight_layout()
    return {
        f"Commit now or pilot first ({p.trials:,} trials; NPV versus the status quo, {s.currency}, the pilot's "
        "cost and delay included)": p.table[list(cols)].rename(columns=cols),
        "The scale-or-stop rule of each pilot, fitted on the trials": words,
        f"Pilot design for {option} under {best[option]}: value against length and scale "
        f"({min(trials, 4_000):,} trials, the same for every design)": fig,
    }


def _switch_analyses(result, *, trials: int) -> dict[str, Any]:
    """The memo's "stay or switch vendor after an acquisition" sections. Empty without one."""
    from ..staged_decisions import reviewed_options, switches

    s = result.scenario
    if not reviewed_options(s, "switch_vendor"):
        return {}
    sw = switches(s, trials=trials, seed=result.seed)
    cols = {"commit_npv": "never switch", "switch_npv": "with the switch", "value": "value of switching",
            "value_se": "its standard error", "p_acquired": "vendor acquired", "p_switch": "switches",
            "switching_cost": "switching cost", "double_running_cost": "double running",
            "new_vendor_price": "new vendor's price"}  # fmt: skip
    best = {o: str(sw.table.loc[o, "switch_npv"].idxmax()) for o in dict.fromkeys(sw.table.index.get_level_values(0))}
    return {
        f"Stay or switch vendor after an acquisition ({sw.trials:,} trials; NPV versus the status quo, "
        f"{s.currency})": sw.table[list(cols)].rename(columns=cols),
        "The stay-or-switch rule, fitted on the trials": " ".join(
            f"{o} under {w}: {sw.cost_words(o, w)}; {sw.rule_words(o, w)}." for o, w in best.items()
        ),
    }


def _defer_analyses(result, *, trials: int) -> dict[str, Any]:
    """The memo's "commit now or wait and learn" sections: the table per option x owner and the
    commit-or-not rule of each option's best cell in words. Empty without a deferral."""
    from ..staged_defer import deferrals
    from ..staged_flows import reviewed_options

    s = result.scenario
    if not reviewed_options(s, "defer"):
        return {}
    d = deferrals(s, trials=trials, seed=result.seed)
    cols = {"commit_npv": "commit now", "deferred_npv": "wait first", "value": "value of waiting",
            "value_se": "its standard error", "value_in_sample": "in sample (biased high)",
            "p_stop": "stays with the status quo", "p_stop_when_commit_pays": "stayed, committing paid more",
            "p_commit_when_stop_pays": "committed, staying paid more",
            "cost_of_waiting": "cost of waiting, committing anyway", "choose_among": "chooses among",
            "commit_to": "committing now is to", "p_other_paid_more": "committed, another paid more"}  # fmt: skip
    best = {o: str(d.table.loc[o, "deferred_npv"].idxmax()) for o in dict.fromkeys(d.table.index.get_level_values(0))}

    def errors(o: str) -> str:  # how a choice's several signals err; nothing for one option
        return f" ({d.errors_words(o)})" if "," in d.table.loc[o, "choose_among"].iloc[0] else ""

    out = {
        f"Commit now or wait and learn ({d.trials:,} trials; NPV versus the status quo, {s.currency}, the delay "
        "and waiting cost included; what is learned is a market signal of the benefit at full delivery, not "
        "the organisation's own delivery; a wait that chooses among several options is compared with committing "
        "now to the best of them)": d.table[list(cols)].rename(columns=cols),
        "The commit-or-not rule after the wait, fitted on the trials": " ".join(
            f"{o} under {w}: {d.rule_words(o, w)}{errors(o)}." for o, w in best.items()
        ),
    }
    if (d.table.choose_among.str.contains(",")).any():
        out["Where the wait ends: share of trials in each option and in the status quo"] = d.shares
    return out


def success_analyses(result) -> dict[str, Any]:
    """The memo's "signed targets" sections, for a scenario with a ``success`` block
    (:mod:`decision_kit.success`): each KPI of the recommended cell with its chance of being hit
    and the value at risk, its milestones with the expected NPV if missed, and the chance that
    every signed KPI is hit together in each cell. Empty without a block."""
    if result.scenario.success is None:
        return {}
    from .. import success_rules
    from ..formatting import percent

    sr = success_rules.analyse(result)
    option, owner = result.best_cell
    kpis = sr.kpis().xs((option, owner), level=("option", "owner"))
    kpis = kpis[["metric", "direction", "target", "stakeholder", "signed", "p_hit", "at_risk", "flag"]]
    miles = sr.milestones().xs((option, owner), level=("option", "owner"))
    miles = miles[["at_month", "kpis", "p_hit", "npv_mean", "npv_mean_if_missed", "npv_mean_if_hit"]]
    out = {
        f"Signed targets of {option} / {owner}: chance of hitting each (at risk: a one-in-ten chance of worse)": kpis,
        f"Milestones of {option} / {owner}: chance of passing and expected NPV if missed": miles,
        "Chance that every signed target is hit together, per cell": sr.signed(),
    }
    if sr.rules is not None:
        cols = {"threshold": f"carry on if the measured benefit is at least ({result.scenario.currency} a year)",
                "measured": "measured", "stop_if_failure_seen": "stop if a failure is seen",
                "p_continue": "chance of carrying on", "rule": "the fitted rule in words"}  # fmt: skip
        rules = sr.rules[list(cols)].assign(p_continue=sr.rules["p_continue"].map(percent)).rename(columns=cols)
        out["Stop rules signed as milestones (signing the milestone signs the rule; fitted on half the trials)"] = rules
    return out


def belief_analyses(result, *, trials: int = 10_000) -> dict[str, Any]:
    """The memo's "whose numbers" sections, for a scenario whose stakeholders state estimates
    (:mod:`decision_kit.whose_numbers`): the recommended cell under each stakeholder's numbers
    and the pool, with the regret and the value of settling each disagreement. Empty without."""
    from ..whose_numbers import disputed_inputs, whose_numbers

    s = result.scenario
    if not disputed_inputs(s):
        return {}
    w = whose_numbers(s, trials=trials, seed=result.seed)
    frame = w.beliefs.to_frame()[["belief", "weight", "recommended", "regret", "ess"]]
    inputs = w.by_input.to_frame()
    return {
        f"Whose numbers: the recommendation under each stakeholder's estimates ({w.trials:,} trials; "
        f"value of settling the whole disagreement {w.beliefs.value:,.0f} {s.currency})": frame,
        f"Whose numbers: the value of settling each disputed input alone ({s.currency})": inputs,
        "Whose numbers: each stakeholder's mean estimate of the disputed inputs": w.estimates,
    }


def review_analyses(rv, *, top: int = 12) -> dict[str, Any]:
    """The memo's "plan versus actual" sections for a
    :class:`~decision_kit.review_scenario.ScenarioReview` (:mod:`decision_kit.review_tables`):
    what changed (expected NPV to go and to date, the recommended action, the chance of passing
    the remaining milestones, the effective sample size and whether tempered SMC ran), every
    open action before and after, each milestone's chance, the ``top`` inputs that moved most
    and each observation's Shapley share. Money in the scenario's currency, three significant
    figures; chances as percentages; "n/a" where a quantity does not apply."""
    from .. import review_tables as rt
    from ..formatting import percent

    a, cur = rv.actuals, rv.currency
    when = f" ({a.date.isoformat()})" if a.date is not None else ""
    cell = f"{a.cell.option} / {a.cell.owner}"
    summary, actions = rt.summary_words(rv), rt.actions_frame(rv)
    miles = rt.milestones_frame(rv)
    out: dict[str, Any] = {
        f"Plan versus actual: {cell} as of year {a.as_of_years} after the decision{when}, {rv.trials:,} prior "
        f"trials, seed {rv.seed} (money in {cur}, NPV at the decision date)": summary,
        f"Plan versus actual: expected NPV to go of each open action before and after the actuals ({cur})": actions,
    }
    if miles is not None:
        share = [c for c in miles.columns if c.startswith(("chance", "change"))]
        miles[share] = miles[share].map(percent)
        out[f"Plan versus actual: chance that {cell} passes each milestone of the signed targets"] = miles
    out[
        f"Plan versus actual: the {top} inputs that moved most (each in its own unit; shift in prior "
        "standard deviations)"
    ] = rt.inputs_frame(rv, top)
    out[f"Plan versus actual: what each observation changed (Shapley shares, {cur})"] = rt.observations_frame(rv)
    return out
