"""The success block's milestones in a plan-vs-actual review: the chance of passing each one,
before and after the actuals, for the reviewed cell.

:func:`milestone_chances` evaluates the KPIs of the scenario's ``success`` block
(:func:`decision_kit.success.kpis_of_draws`) on the review's prior trials and on its posterior
trials (the same trials reweighted, or tempered SMC's particles), for the cell the actuals
name, when it carries on as planned (the review's *continue*). A milestone is passed in a trial
when all its KPIs are hit (:mod:`decision_kit.success`); its chance before the actuals is the
share of prior trials passing it, after them the posterior weight of the trials passing it.

A milestone is *remaining* when it falls after the review date (``at_month > 12 x
as_of_years``); the last row is the chance of passing every remaining milestone in the same
trial. A milestone that signs a stop rule (:mod:`decision_kit.success_rules`) is listed with NaN
chances and left out of that row: the rule is fitted on the plan's trials, not re-forecast.
Milestones at or before the review date are listed too: after the actuals their chance is what
the observations say about a review already held (its KPIs may be partly unobserved).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .sampling import BLOCK

if TYPE_CHECKING:
    import pandas as pd

    from .review import Review

__all__ = ["EVERY_REMAINING", "milestone_chances"]

EVERY_REMAINING = "every remaining milestone"
"""The label of the last row of :func:`milestone_chances`."""


def _passed(model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Milestone name -> (trials,) booleans: passed by the reviewed cell in each row of ``x``."""
    from .success import kpis_of_draws

    plan, block = model.plan, model.plan.scenario.success
    kept = [ms for ms in block.milestones if ms.stop_rule is None]
    out = {ms.name: np.empty(x.shape[0], dtype=bool) for ms in kept}
    for lo in range(0, x.shape[0], BLOCK):
        rows = x[lo : lo + BLOCK]
        values, risks = model.draws(rows)
        kpis = kpis_of_draws(plan, values, risks, rows.shape[0])
        hit = {name: k.hit(kpis[name][:, model.option, model.owner]) for name, k in block.kpis.items()}
        for ms in kept:
            out[ms.name][lo : lo + rows.shape[0]] = np.logical_and.reduce([hit[k] for k in ms.kpis])
    return out


def milestone_chances(model, review: Review, prior_inputs: np.ndarray) -> pd.DataFrame | None:
    """One row per milestone of the success block (None without a block or milestones):
    ``at_month``, ``kpis``, ``remaining`` (after the review date), ``p_before`` (share of the
    prior trials ``prior_inputs`` passing it) and ``p_after`` (posterior weight of the review's
    trials passing it), and a last row :data:`EVERY_REMAINING` (NaN month; every remaining
    milestone passed in the same trial; 1 where none remains). ``model`` is the review's
    :class:`~decision_kit.review_scenario.ScenarioModel`."""
    import pandas as pd

    block = model.plan.scenario.success
    if block is None or not block.milestones:
        return None
    before = _passed(model, prior_inputs)
    same = review.posterior.inputs is prior_inputs
    after = before if same else _passed(model, review.posterior.inputs)
    w = review.weights
    due = 12.0 * model.a
    remaining = [ms.name for ms in block.milestones if ms.at_month > due and ms.stop_rule is None]
    rows = []
    for ms in block.milestones:
        if ms.stop_rule is not None:  # a fitted rule is not re-forecast: its chance is the plan's
            words = f"the stop rule of {ms.stop_rule.option} (not re-forecast)"
            rows.append((ms.name, float(ms.at_month), words, ms.at_month > due, np.nan, np.nan))
            continue
        rows.append((ms.name, float(ms.at_month), ", ".join(ms.kpis), ms.at_month > due,
                     float(before[ms.name].mean()), float(w @ after[ms.name])))  # fmt: skip
    all_before = (
        np.logical_and.reduce([before[m] for m in remaining]) if remaining else np.ones(len(prior_inputs), bool)
    )
    all_after = np.logical_and.reduce([after[m] for m in remaining]) if remaining else np.ones(w.size, bool)
    rows.append((EVERY_REMAINING, np.nan, ", ".join(remaining), True, float(all_before.mean()), float(w @ all_after)))
    columns = ["milestone", "at_month", "kpis", "remaining", "p_before", "p_after"]
    return pd.DataFrame(rows, columns=columns).set_index("milestone")
