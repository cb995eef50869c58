"""Whose numbers: the decision under each stakeholder's estimates, the pooled one, and what
settling each disagreement would be worth.

Stakeholders state their own numbers for some inputs (``stakeholders.<name>.estimates``,
:class:`~decision_kit.schema.Stakeholder`); on the others they hold the scenario's. The
trials are :func:`~decision_kit.simulation.simulate`'s (same seed) with every disputed input
drawn again from the linear opinion pool of the stakeholders' estimates (belief weights
normalised to sum 1), input by input, from a stream of its own. Each stakeholder's belief is
those trials reweighted by their density over the pool's (:mod:`decision_kit.review.beliefs`),
so every belief set is evaluated on common random numbers: the recommended cell under each
stakeholder and under the pool, what choosing the pooled cell loses if a stakeholder is right
(regret), and the value of settling the disagreement, in total and input by input (an EVPPI of
the disagreement, in money; exactly 0 where they agree). NPV is versus the status quo.

Densities are computed from each distribution's cdf by a symmetric difference (relative step
1e-5, clipped to the support), so any continuous form can be an estimate. A disputed input
redrawn from the pool keeps no rank correlation the scenario states for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import engine, finance
from .errors import ScenarioError
from .plan import Plan, compile_plan
from .review import BeliefComparison, DisagreementValues, compare_beliefs, disagreement_values, joint_log_density
from .schema import Scenario
from .simulation import draw_trials

__all__ = ["WhoseNumbers", "disputed_inputs", "log_density", "whose_numbers"]

_STREAM = 0x57A0  # the pool's own random stream


def log_density(dist, x: np.ndarray) -> np.ndarray:
    """Log density of ``dist`` at ``x``, from its cdf: ``(F(b) - F(a)) / (b - a)`` over
    ``[x - h, x + h]`` clipped to the support, ``h = 1e-5 max(|x|, IQR)``. ``-inf`` outside."""
    x = np.asarray(x, dtype=float)
    lo, hi = dist.support()
    spread = float(dist.ppf(0.75) - dist.ppf(0.25)) or 1.0
    h = 1e-5 * np.maximum(np.abs(x), spread)
    a, b = np.maximum(x - h, lo), np.minimum(x + h, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (np.asarray(dist.cdf(b), dtype=float) - np.asarray(dist.cdf(a), dtype=float)) / (b - a)
        return np.where((x >= lo) & (x <= hi) & (b > a), np.log(np.maximum(f, 0.0)), -np.inf)


def disputed_inputs(scenario: Scenario | Plan) -> list[str]:
    """The inputs some stakeholder estimates, in the order they are first stated."""
    s = compile_plan(scenario).scenario
    return list(dict.fromkeys(p for st in s.stakeholders.values() for p in st.estimates))


def _pool_weights(s: Scenario) -> np.ndarray:
    stated = [st.belief_weight for st in s.stakeholders.values()]
    w = np.ones(len(stated)) if all(x is None for x in stated) else np.array(stated, dtype=float)
    return w / w.sum()


@dataclass(frozen=True, eq=False)
class WhoseNumbers:
    """The decision under each stakeholder's numbers (see the module docstring).

    ``beliefs``: :class:`~decision_kit.review.BeliefComparison` over the option x owner cells
    (named ``option / owner``); ``by_input``: :class:`~decision_kit.review.DisagreementValues`,
    the value of settling each disputed input alone, largest first; ``estimates``: per disputed
    input and stakeholder the mean of their estimate (the scenario's where they state none).
    """

    scenario: str
    currency: str
    trials: int
    seed: int
    beliefs: BeliefComparison
    by_input: DisagreementValues
    estimates: pd.DataFrame


def _pool_draws(plan: Plan, disputed: list[str], w: np.ndarray, n: int, seed: int):
    """Each disputed input drawn from the pool (n,), and every stakeholder's log density there
    (n, stakeholders), per input."""
    s = plan.scenario
    rng = np.random.default_rng([seed, _STREAM])
    draws, logs, means = {}, {}, {}
    for path in disputed:
        dists = [st.estimates.get(path, plan.inputs[path]) for st in s.stakeholders.values()]
        who = rng.choice(len(dists), size=n, p=w)
        each = np.stack([np.asarray(d.sample(rng, n), dtype=float) for d in dists])
        x = each[who, np.arange(n)]
        draws[path], logs[path] = x, np.column_stack([log_density(d, x) for d in dists])
        means[path] = [float(d.mean()) for d in dists]
    return draws, logs, means


def _cell_npv(plan: Plan, values: dict, risks, n: int) -> np.ndarray:
    """Per-trial NPV versus the status quo of every cell, (n, options x owners)."""
    cost, benefit = (flows := engine.project(plan, values, risks, n)).flows()
    df = finance.discount_factors(plan.scenario.discount_rate, plan.layout.periods)
    npv = np.einsum("owtn,t->now", benefit - cost, df)
    if flows.status_quo is not None:
        sq_cost, sq_benefit = flows.status_quo
        npv -= np.einsum("tn,t->n", sq_benefit - sq_cost, df)[:, None, None]
    return npv.reshape(n, -1)


def whose_numbers(scenario: Scenario | Plan, *, trials: int = 20_000, seed: int = 1) -> WhoseNumbers:
    """Run the decision under each stakeholder's estimates and the pooled ones (module docstring).

    Money in the scenario's currency, NPV versus the status quo at the decision date. Raises
    :class:`~decision_kit.errors.ScenarioError` if no stakeholder states an estimate.
    """
    plan = compile_plan(scenario)
    s = plan.scenario
    disputed = disputed_inputs(plan)
    if not disputed:
        raise ScenarioError(f"no stakeholder of '{s.name}' states an estimate (stakeholders.<name>.estimates)")
    w = _pool_weights(s)
    values, risks, n = draw_trials(plan, trials, seed)
    draws, logs, means = _pool_draws(plan, disputed, w, n, seed)
    values = {k: v for k, v in values.items() if not (k in plan.derived and plan.derived[k][0] in draws)}
    values.update(draws)
    npv = _cell_npv(plan, values, risks, n)
    cells = [f"{o} / {ow}" for o in plan.layout.options for ow in plan.layout.owners]
    names = list(s.stakeholders)
    ld, lq = joint_log_density(logs, w)
    beliefs = compare_beliefs(npv, ld, w, stakeholders=names, cells=cells, currency=s.currency, log_proposal=lq)
    by_input = disagreement_values(npv, logs, w, stakeholders=names, cells=cells, currency=s.currency)
    estimates = pd.DataFrame(means, index=names).T.rename_axis("input")
    return WhoseNumbers(s.name, s.currency, n, seed, beliefs, by_input, estimates)
