"""Draws kept between runs of one plan: a dashboard's interactive runs of one random-number
block draw once and reuse the draws while only the discount rate, weights or risk tolerance
change (:func:`keep_draws`, read by :func:`decision_kit.simulation.simulate`).

A new plan marked to keep its draws also reuses the first draws of the last one, those of the
inputs drawn once per trial (:func:`~decision_kit.sampling.plan_inputs`), when it draws the
same inputs from the same distributions in the same order, correlated alike, for the same
block of the same seed: a change of the horizon leaves them as they were, and only the risk
events and the inputs drawn per year are drawn again, from where the generator stood after
them. The draws are the ones :func:`~decision_kit.sampling.draw_blocks` returns, bit for bit.
"""

from __future__ import annotations

import numpy as np

from .plan import Plan
from .sampling import BLOCK, RiskDraws, draw_block, draw_blocks, plan_inputs

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
        n = min(BLOCK, trials - blocks[0] * BLOCK)  # as draw_blocks counts a block's trials
        values, risks = draw_block(plan, seed, blocks[0], n, inputs=_reused_inputs)  # its own arrays
        kept[key] = (values, risks, n)
    return kept[key]


_LAST_INPUTS: list[dict] = [{}]
"""The last first draws made by :func:`_reused_inputs` (replaced whole, never changed): the
plan's drawn inputs and correlation, the generator's state before and after, the trial count
and the values."""


def _same_inputs(plan: Plan, last: dict) -> bool:
    """Whether ``plan`` draws the inputs ``last`` was drawn for: the same paths and distributions
    in the same order and the same correlation."""
    try:
        same = list(plan.drawn.items()) == last["drawn"] and list(plan.correlated) == last["correlated"]
    except ValueError:  # a distribution holding arrays does not compare: draw again
        return False
    c, d = plan.correlation, last["correlation"]
    return same and (c is None) == (d is None) and (c is None or np.array_equal(c, d))


def _reused_inputs(plan: Plan, n: int, rng: np.random.Generator) -> dict:
    """:func:`~decision_kit.sampling.plan_inputs`, reusing the last values when the generator
    starts from the same state (the same seed and block), for the same ``n`` and the same inputs
    (:func:`_same_inputs`); the generator is then put where drawing them left it."""
    start, last = rng.bit_generator.state, _LAST_INPUTS[0]
    if last and last["start"] == start and last["n"] == n and _same_inputs(plan, last):
        rng.bit_generator.state = last["end"]
        return dict(last["values"])
    values = plan_inputs(plan, n, rng)
    drawn = {"drawn": list(plan.drawn.items()), "correlated": list(plan.correlated), "correlation": plan.correlation}
    _LAST_INPUTS[0] = {"start": start, "end": rng.bit_generator.state, "n": n, "values": dict(values), **drawn}
    return values
