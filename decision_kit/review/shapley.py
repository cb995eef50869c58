"""What each observation changed: exact Shapley values over subsets of the observations.

The value of a subset ``S`` of the observations is the expected NPV to go of one cell given
the observations in ``S`` alone, estimated by reweighting the *prior* trials with their
likelihood: ``V(S) = sum_i w_i(S) npv_i`` with ``w_i(S)`` proportional to
``prod_{k in S} L_k(i)``. The Shapley value of observation ``k`` is its average marginal
change over all orders in which the observations could arrive:

``phi_k = sum_{S not containing k} |S|! (K - |S| - 1)! / K! * (V(S + k) - V(S))``,

and the values sum to ``V(all) - V(none)``, the total change (Shapley's efficiency property).
All ``2^K`` subsets are reweighted, so ``K`` is limited to :data:`MAX_OBSERVATIONS`.

References
----------
Shapley, L. S. (1953). A value for n-person games. In Contributions to the Theory of Games II,
Annals of Mathematics Studies 28, 307-317.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

from ..errors import ScenarioError
from .weights import effective_sample_size, normalised_weights, weighted_mean

__all__ = ["MAX_OBSERVATIONS", "Attribution", "subset_values", "shapley_kernel"]

MAX_OBSERVATIONS = 12
"""At most this many observations are attributed (4,096 reweightings of the trials)."""


def subset_values(loglik: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``V(S)`` and the effective sample size of its weights for every subset ``S`` of the
    columns of ``loglik`` (trials, K); subset ``s`` holds column ``k`` when bit ``k`` of ``s``
    is set (subset 0 is the prior, ``2^K - 1`` all observations)."""
    k = loglik.shape[1]
    v, ess = np.empty(2**k), np.empty(2**k)
    for s in range(2**k):
        cols = [j for j in range(k) if s >> j & 1]
        w = normalised_weights(loglik[:, cols].sum(axis=1) if cols else np.zeros(loglik.shape[0]))
        v[s], ess[s] = weighted_mean(values, w), effective_sample_size(w)
    return v, ess


def shapley_kernel(v: np.ndarray) -> np.ndarray:
    """Shapley values of the ``K`` players from the values ``v`` (2^K,) of every coalition
    (bit ``k`` of the index set when player ``k`` is in).

    >>> shapley_kernel(np.array([0.0, 1.0, 2.0, 5.0]))
    array([2., 3.])
    """
    k = int(np.log2(v.size))
    if 2**k != v.size:
        raise ScenarioError(f"expected 2^K coalition values, got {v.size}")
    coef = np.array([factorial(m) * factorial(k - m - 1) / factorial(k) for m in range(k)])
    sizes = np.array([bin(s).count("1") for s in range(v.size)])
    phi = np.zeros(k)
    for j in range(k):
        without = np.array([s for s in range(v.size) if not s >> j & 1])
        phi[j] = np.sum(coef[sizes[without]] * (v[without | (1 << j)] - v[without]))
    return phi


@dataclass(frozen=True, eq=False)
class Attribution:
    """Each observation's share of the change in one cell's expected NPV to go (a waterfall).

    Attributes
    ----------
    observations : names, in the order given; ``values`` their Shapley values in ``currency``.
    cell : the cell whose expected NPV to go is attributed.
    before, after : its expected NPV to go on the prior trials without and with every
        observation (by reweighting); ``sum(values) == after - before`` up to rounding.
    min_ess : the smallest effective sample size over the ``2^K`` reweightings; when it is
        small the attribution is noisy even if the review itself moved to tempered SMC.
    """

    observations: tuple[str, ...]
    values: np.ndarray
    cell: str
    before: float
    after: float
    min_ess: float
    currency: str

    @property
    def total(self) -> float:
        """``after - before``: the change the values share out."""
        return self.after - self.before

    def to_frame(self):
        """Columns ``observation, contribution``, in the order given (a waterfall from
        ``before`` to ``after``)."""
        import pandas as pd

        return pd.DataFrame({"observation": list(self.observations), "contribution": self.values})
