"""Observations, their likelihood per trial, importance weights and weighted statistics.

Conventions. An observation is one KPI's measured value with its measurement uncertainty:

- ``"normal"``: ``value = kpi + e``, ``e ~ N(0, sd^2)``; ``sd`` in the KPI's units;
- ``"lognormal"``: ``log(value) = log(kpi) + e``, ``e ~ N(0, sd^2)``; ``sd`` in log units (0.1
  is about 10 % multiplicative error); a trial whose KPI is not positive is impossible;
- ``"uninformative"``, or any observation with ``sd = inf``: the likelihood is 1 for every
  trial, so the weights are exactly those without it.

Log-likelihoods are returned up to one constant per observation (which cancels in the
normalised weights, the tempering and the attributions). A trial whose KPI is NaN (a KPI the
trial does not reach) is impossible under any informative observation of it.

Weights are normalised to sum to 1. Weights that are all equal are returned as exactly
``1 / n`` and every weighted statistic then takes numpy's unweighted path, so a review whose
observations carry no information reproduces the prior forecast bit for bit.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError

__all__ = [
    "LIKELIHOODS",
    "Observation",
    "log_likelihood",
    "normalised_weights",
    "effective_sample_size",
    "is_uniform",
    "weighted_mean",
    "weighted_var",
    "weighted_quantile",
]

LIKELIHOODS = ("normal", "lognormal", "uninformative")
"""Measurement models an observation may state."""


@dataclass(frozen=True)
class Observation:
    """One observed KPI of the cell under review.

    Parameters
    ----------
    name : the KPI's name (a column of :attr:`Trials.kpi_names`), e.g. ``"cost[1]"``.
    value : the observed value, in the KPI's units (money in the scenario's currency).
    sd : measurement standard deviation, in the KPI's units for ``"normal"``, in log units for
        ``"lognormal"``; ``inf`` makes the observation uninformative.
    likelihood : one of :data:`LIKELIHOODS`.

    >>> Observation("cost[1]", 480_000.0, 10_000.0).informative
    True
    >>> Observation("cost[1]", 480_000.0, float("inf")).informative
    False
    """

    name: str
    value: float
    sd: float
    likelihood: str = "normal"

    def __post_init__(self):
        what = f"observation {self.name}"
        if self.likelihood not in LIKELIHOODS:
            raise ScenarioError(f"{what}: likelihood must be one of {LIKELIHOODS}, got {self.likelihood!r}")
        if self.likelihood == "uninformative":
            return
        if not (isinstance(self.value, numbers.Real) and math.isfinite(self.value)):
            raise ScenarioError(f"{what}: value must be a finite number, got {self.value!r}")
        if not (isinstance(self.sd, numbers.Real) and self.sd > 0):
            raise ScenarioError(f"{what}: sd must be positive (inf for no information), got {self.sd!r}")
        if self.likelihood == "lognormal" and self.value <= 0:
            raise ScenarioError(f"{what}: a lognormal observation must be positive, got {self.value}")

    @property
    def informative(self) -> bool:
        """False for an explicit ``"uninformative"`` likelihood or an infinite ``sd``."""
        return self.likelihood != "uninformative" and math.isfinite(self.sd)


def _log_likelihood_one(kpi: np.ndarray, obs: Observation) -> np.ndarray:
    if not obs.informative:
        return np.zeros(kpi.shape)
    if obs.likelihood == "lognormal":
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (math.log(obs.value) - np.log(np.where(kpi > 0, kpi, np.nan))) / obs.sd
    else:
        r = (obs.value - kpi) / obs.sd
    out = 0.0 - 0.5 * r * r
    return np.where(np.isnan(out), -np.inf, out)


def log_likelihood(kpis: np.ndarray, observations: Sequence[Observation]) -> np.ndarray:
    """Log-likelihood of each observation in each trial, (trials, observations).

    ``kpis`` (trials, observations) holds each trial's value of the KPI each observation
    measures, columns in the order of ``observations``.

    >>> log_likelihood(np.array([[1.0], [3.0]]), [Observation("x", 1.0, 2.0)])
    array([[ 0. ],
           [-0.5]])
    """
    kpis = np.asarray(kpis, dtype=float)
    if kpis.ndim != 2 or kpis.shape[1] != len(observations):
        raise ScenarioError(f"kpis must be (trials, {len(observations)}), got shape {kpis.shape}")
    cols = [_log_likelihood_one(kpis[:, k], obs) for k, obs in enumerate(observations)]
    return np.stack(cols, axis=1) if cols else np.zeros((kpis.shape[0], 0))


def normalised_weights(log_weights: np.ndarray) -> np.ndarray:
    """Weights proportional to ``exp(log_weights)``, summing to 1; exactly ``1/n`` when equal.

    Raises :class:`ScenarioError` when every trial is impossible (all ``-inf``).
    """
    lw = np.asarray(log_weights, dtype=float)
    n = lw.shape[0]
    if n and np.all(lw == lw[0]) and np.isfinite(lw[0]):
        return np.full(n, 1.0 / n)
    top = lw.max() if n else -np.inf
    if not np.isfinite(top):
        raise ScenarioError("no trial is consistent with the observations (every likelihood is zero)")
    w = np.exp(lw - top)
    return w / w.sum()


def is_uniform(w: np.ndarray) -> bool:
    """True when every weight is equal (then statistics take numpy's unweighted path)."""
    return bool(w.size == 0 or w.min() == w.max())


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size ``1 / sum w_i^2`` of normalised weights; ``n`` exactly
    when uniform.

    >>> effective_sample_size(np.array([0.5, 0.5, 0.0, 0.0]))
    2.0
    """
    if is_uniform(w):
        return float(w.size)
    return float(1.0 / np.dot(w, w))


def weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean over the first axis (trials) of ``x`` (trials, ...)."""
    if is_uniform(w):
        return x.mean(axis=0)
    return np.tensordot(w, x, axes=(0, 0))


def weighted_var(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted variance over trials, normalised by the total weight (ddof 0, like ``np.var``)."""
    if is_uniform(w):
        return x.var(axis=0)
    d = x - np.tensordot(w, x, axes=(0, 0))
    return np.tensordot(w, d * d, axes=(0, 0))


def weighted_quantile(x: np.ndarray, q, w: np.ndarray) -> np.ndarray:
    """Weighted quantiles over trials: the smallest value whose cumulative weight reaches ``q``
    (numpy's ``inverted_cdf``, with or without weights)."""
    if is_uniform(w):
        return np.quantile(x, q, axis=0, method="inverted_cdf")
    return np.quantile(x, q, axis=0, weights=w, method="inverted_cdf")
