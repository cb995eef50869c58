"""Milestones that sign a decision rule: the staged decision at the milestone's date, as
:mod:`decision_kit.staged_decisions` fits it, read as a KPI with a threshold in business units.

A milestone with ``stop_rule: {option: buy}`` (:class:`~decision_kit.schema.success.StopRule`)
at month ``12 t`` is the yearly stop review of ``buy`` at the end of year ``t``: the fitted
rule stops there when the year's measured benefit is below a threshold (currency a year, for a
live option with no delivery failure seen; and whenever a failure has been seen, where the rule
says so). Signing the milestone is signing that rule: the milestone's KPI is "the year's
measured benefit at least the threshold", and its chance is the chance that the rule carries
on past that review, ``1 - P(stopped at a review up to year t)``. With ``rule: pilot`` the
milestone is the end of ``buy``'s pilot: its KPI is the pilot's measured benefit, annualised
at full scale, at least the fitted scale-or-stop threshold, and its chance the chance of
scaling, ``1 - P(stop)``.

The rules are fitted on :func:`~decision_kit.simulation.simulate`'s trials (same seed and trial
count as the result) on one half and valued on the other, so a milestone's chance is a share
of the valued half, with its binomial standard error on that half. A threshold that does not
exist (the rule never or always stops there, or only on a failure seen) is NaN, and the rule's
words say why. Money in the scenario's currency, nominal, a year.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import staged_decisions as sd
from . import staged_pilot as sp
from . import success
from .plan import Plan, compile_plan
from .results import Result, proportion_standard_error

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["analyse", "rule_milestones"]


def _if_missed(a: sd.Abandonment, result: Result, option: str, owner: str, year: int) -> dict:
    """Expected NPV under the rule on its valued trials given it stops by the review of ``year``
    (the milestone missed) and given it carries on past it, against the status quo and plain
    (the trial's status quo NPV added back: the result's NPV minus the commit-now NPV against
    it); NaN where no trial is in the group."""
    v = a.policies[(option, owner)].valued
    staged, stopped = a.staged[(option, owner)], a.stops[(option, owner)] <= year - 1
    lay = result.layout
    plain = result.metrics["npv"][v, lay.options.index(option), lay.owners.index(owner)]
    sq = plain - a.commit[(option, owner)][v]
    out = {}
    for name, where in (("missed", stopped), ("hit", ~stopped)):
        out[f"npv_vs_status_quo_if_{name}"] = float(staged[where].mean()) if where.any() else math.nan
        out[f"npv_if_{name}"] = float((staged + sq)[where].mean()) if where.any() else math.nan
    return out


def _yearly_rows(a: sd.Abandonment, option: str, owner: str, year: int) -> dict:
    reviews = a.cell_reviews(option, owner)
    stopped = float(reviews.loc[reviews.index <= year, "p_stop"].sum())
    r = reviews.loc[year]
    words = [line for line in a.rule_words(option, owner) if line.startswith(f"end of year {year}:")]
    rule = words[0] if words else f"end of year {year}: {r.rule}"
    valued = a.policies[(option, owner)].valued.size
    return {"threshold": float(r.stop_below), "stop_if_failure_seen": bool(r.stop_if_failure_seen),
            "p_continue": 1.0 - stopped, "valued_trials": valued, "rule": rule}  # fmt: skip


def _pilot_rows(p: sp.Pilots, option: str, owner: str) -> dict:
    r = p.table.loc[(option, owner)]
    valued = p.rules[(option, owner)].valued.size
    words = p.rule_words(option, owner)
    return {"threshold": float(r.scale_if_at_least), "stop_if_failure_seen": bool(r.p_failure_seen > 0),
            "p_continue": 1.0 - float(r.p_stop), "valued_trials": valued, "rule": words}  # fmt: skip


def rule_milestones(result: Result, plan: Plan | None = None) -> pd.DataFrame | None:
    """One row per (option, owner, milestone) for every milestone of the success block that
    signs a stop rule, in the cells of the rule's option (None if no milestone does):
    ``kind`` (``yearly_review`` or ``pilot``), ``year`` (the review's year; NaN for a pilot),
    ``threshold`` (continue if the measured benefit is at least this, currency a year; NaN
    where the rule states none), ``measured`` (what the threshold is on, in words),
    ``stop_if_failure_seen``, ``p_continue`` (the milestone's chance) and ``p_continue_se``,
    ``valued_trials`` and ``rule`` (the fitted rule at that date in words); for a yearly review
    ``npv_if_missed``, ``npv_if_hit`` and ``npv_vs_status_quo_if_missed``, the expected NPV
    under the rule given it stops by that review or carries on past it (for a pilot: given it
    stops or scales)."""
    import pandas as pd

    plan = compile_plan(result.scenario) if plan is None else plan
    block = success.block_of(plan.scenario)
    signing = [ms for ms in block.milestones if ms.stop_rule is not None]
    if not signing:
        return None
    fitted: dict = {}
    rows = []
    for ms in signing:
        rule = ms.stop_rule
        assert rule is not None
        key = (rule.option, rule.rule)
        if key not in fitted:
            fit = sd.abandonment if rule.rule == "yearly_review" else sp.pilots
            fitted[key] = fit(plan, trials=result.trials, seed=result.seed, options=[rule.option])
        year = round(float(ms.at_month) / 12) if rule.rule == "yearly_review" else math.nan
        for owner in plan.layout.owners:
            if rule.rule == "yearly_review":
                row = _yearly_rows(fitted[key], rule.option, owner, int(year))
                row.update(_if_missed(fitted[key], result, rule.option, owner, int(year)))
                measured = f"the measured benefit of year {int(year)}"
            else:
                row = _pilot_rows(fitted[key], rule.option, owner)
                t = fitted[key].table.loc[(rule.option, owner)]
                row.update({"npv_if_missed": t.npv_if_stopped, "npv_if_hit": t.npv_if_scaled,
                            "npv_vs_status_quo_if_missed": t.npv_vs_status_quo_if_stopped})  # fmt: skip
                measured = "the pilot's measured benefit, annualised at full scale"
            rows.append({"option": rule.option, "owner": owner, "milestone": ms.name, "kind": rule.rule,
                         "year": year, "measured": measured, **row})  # fmt: skip
    frame = pd.DataFrame(rows).set_index(["option", "owner", "milestone"])
    p, n = frame["p_continue"].to_numpy(dtype=float), frame["valued_trials"].to_numpy(dtype=float)
    se = proportion_standard_error(p, n)
    frame.insert(frame.columns.get_loc("p_continue") + 1, "p_continue_se", np.asarray(se, dtype=float))
    order = ["kind", "year", "threshold", "measured", "stop_if_failure_seen", "p_continue", "p_continue_se",
             "valued_trials", "rule", "npv_if_missed", "npv_if_hit", "npv_vs_status_quo_if_missed"]  # fmt: skip
    return frame.reindex(columns=order)


def analyse(result: Result, plan: Plan | None = None) -> success.SuccessResult:
    """:func:`decision_kit.success.analyse` with the stop rules its milestones sign fitted on
    the same trials (:func:`rule_milestones`)."""
    return success.analyse(result, plan, rules=rule_milestones(result, plan))
