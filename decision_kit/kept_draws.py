"""Draws kept between runs of one plan: a dashboard's interactive runs of one random-number
block draw once and reuse the draws while only the discount rate, weights or risk tolerance
change (:func:`keep_draws`, read by :func:`decision_kit.simulation.simulate`)."""

from __future__ import annotations

from .plan import Plan
from .sampling import BLOCK, RiskDraws, draw_blocks

__all__ = ["KEPT_DRAWS", "keep_draws", "kept_or_drawn"]

KEPT_DRAWS = "kept_draws"
"""The key of :attr:`Plan.cache <decision_kit.plan.Plan.cache>` under which a plan marked by
:func:`keep_draws` keeps the draws of its last one-block run."""


def keep_draws(plan: Plan) -> Plan:
    """Mark ``plan`` to keep the draws of its runs of one random-number block (at most
    :data:`~decision_kit.sampling.BLOCK` trials: a dashboard's interactive runs), the last seed
    and trial count only, so that :func:`simulate` of it, or of a plan sharing its cache
    (:meth:`~decision_kit.plan.Plan.at_rate`), draws nothing again. The draws are the ones
    :func:`~decision_kit.sampling.draw_blocks` returns, so the results are identical."""
    plan.cache.setdefault(KEPT_DRAWS, {})
    return plan


def kept_or_drawn(plan: Plan, seed: int, trials: int, blocks: range, ws) -> tuple[dict, RiskDraws, int]:
    """The draws of ``blocks``: kept ones where the plan keeps them (:func:`keep_draws`), else drawn."""
    kept = plan.cache.get(KEPT_DRAWS)
    if kept is None or trials > BLOCK:  # a run of several blocks draws as always
        return draw_blocks(plan, seed, trials, blocks, ws)
    key = (seed, trials, blocks[0])
    if key not in kept:
        kept.clear()
        kept[key] = draw_blocks(plan, seed, trials, blocks)  # one block: its own arrays, never ws's buffers
    return kept[key]
