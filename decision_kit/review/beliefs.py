"""Whose numbers: the decision under each stakeholder's beliefs, under the pooled belief, and
what resolving their disagreement would be worth.

Every belief set is evaluated on one common set of trials drawn from the pooled belief, the
linear opinion pool ``f_pool(x) = sum_s w_s f_s(x)`` with the stated weights ``w_s`` (sum 1),
so all belief sets share common random numbers. Stakeholder ``s``'s belief is the pooled
trials with importance weights ``f_s(x) / f_pool(x)`` (self-normalised); the pooled belief
has equal weights. When every stakeholder states the same density, every belief's weights
are exactly equal, and so are its results to the pooled ones.

- The recommended cell under a belief is the one with the highest weighted mean NPV.
- The value of resolving the disagreement is the expected gain of deciding after learning
  which stakeholder is right, the pool weights taken as the prior on who is:
  ``sum_s w_s * (max_c E_s[NPV_c] - E_s[NPV_c*])``, ``c*`` the pooled choice (an EVPPI of the
  disagreement, in money; 0 when all agree).

Per input (:func:`disagreement_values`): trials are drawn input by input from each input's
pool; the value of resolving the disagreement on input ``j`` reweights by that input's
densities only (``f_sj(x_j) / f_pool,j(x_j)``), the other inputs staying pooled. The joint
disagreement on these trials uses ``prod_j f_sj / prod_j f_pool,j`` (:func:`joint_log_density`).

Conventions: ``npv`` (trials, cells) in the scenario's currency; log densities (trials,
stakeholders) at the trials' inputs, up to one constant shared by all stakeholders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ..errors import ScenarioError
from .weights import effective_sample_size, normalised_weights, weighted_mean

__all__ = [
    "BeliefComparison",
    "DisagreementValues",
    "belief_weights",
    "belief_kernel",
    "compare_beliefs",
    "disagreement_values",
    "joint_log_density",
    "pool_weights",
]


def pool_weights(weights) -> np.ndarray:
    """Check the stated pool weights: non-negative, summing to 1 (within 1e-9)."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size < 1 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ScenarioError(f"pool weights must be non-negative numbers, one per stakeholder, got {weights!r}")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ScenarioError(f"pool weights must sum to 1, got {w.sum():g}")
    return w


def _log_pool(log_density: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``log sum_s w_s f_s`` per trial; exactly the common density when all columns agree."""
    if np.all(log_density == log_density[:, :1]):
        return log_density[:, 0].copy()
    with np.errstate(divide="ignore"):
        return logsumexp(log_density + np.log(w), axis=1)


def belief_weights(log_density: np.ndarray, weights, log_proposal: np.ndarray | None = None) -> np.ndarray:
    """Normalised importance weights (trials, stakeholders): column ``s`` is proportional to
    ``f_s(x) / q(x)``, ``q`` the density the trials were drawn from (by default the linear
    pool of the columns with ``weights``). A column equal to ``log q`` gets exactly ``1/n``."""
    ld = np.asarray(log_density, dtype=float)
    w = pool_weights(weights)
    if ld.ndim != 2 or ld.shape[1] != w.size:
        raise ScenarioError(f"log densities must be (trials, {w.size}), got shape {ld.shape}")
    lq = _log_pool(ld, w) if log_proposal is None else np.asarray(log_proposal, dtype=float)
    same = [np.array_equal(ld[:, s], lq) for s in range(w.size)]
    cols = [normalised_weights(np.zeros(ld.shape[0]) if same[s] else ld[:, s] - lq) for s in range(w.size)]
    return np.stack(cols, axis=1)


def belief_kernel(npv: np.ndarray, bw: np.ndarray, weights: np.ndarray):
    """Expected NPV per belief and cell (stakeholders, cells), the pooled ones (cells,), the
    pooled choice and each belief's regret of it (stakeholders,)."""
    means = np.stack([weighted_mean(npv, bw[:, s]) for s in range(bw.shape[1])])
    pooled = npv.mean(axis=0)
    best = int(np.argmax(pooled))
    regret = means.max(axis=1) - means[:, best]
    return means, pooled, best, regret


@dataclass(frozen=True, eq=False)
class BeliefComparison:
    """The decision under each stakeholder's beliefs and under the pooled belief.

    Attributes
    ----------
    stakeholders, pool : names and their stated pool weights.
    cells : the cells; ``expected_npv`` (stakeholders, cells) and ``pooled_npv`` (cells,)
        their expected NPV in ``currency`` under each belief and the pool.
    recommended : the best cell under each stakeholder's belief; ``pooled_recommended`` under
        the pool.
    regret : (stakeholders,) what choosing the pooled cell loses if ``s`` is right.
    ess : (stakeholders,) effective sample size of each belief's weights (of ``trials``).
    value : the value of resolving the disagreement, ``sum_s pool_s * regret_s``.
    """

    stakeholders: tuple[str, ...]
    pool: np.ndarray
    cells: tuple[str, ...]
    expected_npv: np.ndarray
    pooled_npv: np.ndarray
    recommended: tuple[str, ...]
    pooled_recommended: str
    regret: np.ndarray
    ess: np.ndarray
    value: float
    trials: int
    currency: str

    def to_frame(self):
        """One row per stakeholder and one for ``"pooled"``: ``belief, weight, recommended,
        regret, ess`` and the expected NPV of every cell."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "belief": [*self.stakeholders, "pooled"],
                "weight": [*self.pool, 1.0],
                "recommended": [*self.recommended, self.pooled_recommended],
                "regret": [*self.regret, 0.0],
                "ess": [*self.ess, float(self.trials)],
            }
        )
        for c, name in enumerate(self.cells):
            frame[f"npv[{name}]"] = [*self.expected_npv[:, c], self.pooled_npv[c]]
        return frame


def _check_npv(npv, cells) -> np.ndarray:
    npv = np.asarray(npv, dtype=float)
    if npv.ndim != 2 or npv.shape[1] != len(cells):
        raise ScenarioError(f"npv must be (trials, {len(cells)} cells), got shape {npv.shape}")
    return npv


def compare_beliefs(
    npv: np.ndarray,
    log_density: np.ndarray,
    weights,
    *,
    stakeholders: Sequence[str],
    cells: Sequence[str],
    currency: str,
    log_proposal: np.ndarray | None = None,
) -> BeliefComparison:
    """Run the decision under each stakeholder's beliefs and the pooled belief.

    ``npv`` (trials, cells) comes from trials drawn from the pool (or from ``log_proposal``,
    the log density they were drawn from); ``log_density`` (trials, stakeholders) is each
    stakeholder's log density at each trial's inputs. See the module docstring.
    """
    cells, stakeholders = tuple(cells), tuple(stakeholders)
    npv = _check_npv(npv, cells)
    w = pool_weights(weights)
    if len(stakeholders) != w.size:
        raise ScenarioError(f"{w.size} pool weights but {len(stakeholders)} stakeholders")
    bw = belief_weights(log_density, w, log_proposal)
    if bw.shape[0] != npv.shape[0]:
        raise ScenarioError(f"{npv.shape[0]} trials of NPV but {bw.shape[0]} of densities")
    means, pooled, best, regret = belief_kernel(npv, bw, w)
    return BeliefComparison(
        stakeholders,
        w,
        cells,
        means,
        pooled,
        tuple(cells[int(i)] for i in np.argmax(means, axis=1)),
        cells[best],
        regret,
        np.array([effective_sample_size(bw[:, s]) for s in range(w.size)]),
        float(w @ regret),
        npv.shape[0],
        currency,
    )


def joint_log_density(per_input: Mapping[str, np.ndarray], weights) -> tuple[np.ndarray, np.ndarray]:
    """For trials drawn input by input from each input's pool: each stakeholder's joint log
    density ``sum_j log f_sj`` (trials, stakeholders) and the trials' ``sum_j log f_pool,j``
    (trials,), to pass to :func:`compare_beliefs` as ``log_density`` and ``log_proposal``."""
    w = pool_weights(weights)
    arrays = [np.asarray(a, dtype=float) for a in per_input.values()]
    if not arrays:
        raise ScenarioError("no input carries stakeholder estimates")
    return np.sum(arrays, axis=0), np.sum([_log_pool(a, w) for a in arrays], axis=0)


@dataclass(frozen=True, eq=False)
class DisagreementValues:
    """The value of resolving the stakeholders' disagreement on each input, largest first.

    Attributes
    ----------
    inputs : input names; ``values`` the value of learning who is right about that input
        alone, in ``currency``; ``recommended`` (inputs, stakeholders) the best cell if the
        stakeholder is right about it.
    """

    inputs: tuple[str, ...]
    values: np.ndarray
    recommended: tuple[tuple[str, ...], ...]
    stakeholders: tuple[str, ...]
    currency: str

    def to_frame(self):
        """Columns ``input, value`` and ``recommended[s]`` per stakeholder, largest first."""
        import pandas as pd

        frame = pd.DataFrame({"input": list(self.inputs), "value": self.values})
        for s, name in enumerate(self.stakeholders):
            frame[f"recommended[{name}]"] = [r[s] for r in self.recommended]
        return frame


def disagreement_values(
    npv: np.ndarray,
    per_input: Mapping[str, np.ndarray],
    weights,
    *,
    stakeholders: Sequence[str],
    cells: Sequence[str],
    currency: str,
) -> DisagreementValues:
    """The value of resolving the disagreement on each input (see the module docstring).

    ``per_input`` maps each input with stakeholder estimates to its log densities (trials,
    stakeholders) at the trials' values, the trials drawn from that input's pool. An input on
    which every stakeholder agrees is worth exactly 0.
    """
    found = {
        name: compare_beliefs(npv, ld, weights, stakeholders=stakeholders, cells=cells, currency=currency)
        for name, ld in per_input.items()
    }
    order = sorted(found, key=lambda n: -found[n].value)
    return DisagreementValues(
        tuple(order),
        np.array([found[n].value for n in order]),
        tuple(found[n].recommended for n in order),
        tuple(stakeholders),
        currency,
    )
