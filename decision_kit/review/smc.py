"""Tempered sequential Monte Carlo: the fallback when importance weights degenerate.

When the observations are far in the prior's tail, reweighting the prior trials leaves a
handful of trials carrying all the weight. The tempered sampler (Del Moral, Doucet and Jasra
2006; Chopin 2002) moves from the prior to the posterior through the bridge
``prior(x) * L(x)^beta``, ``beta`` rising from 0 to 1:

1. **Temperature.** The next ``beta`` is the largest for which the incremental weights
   ``L^(beta_new - beta)`` keep the effective sample size at ``target_share`` of the particles
   (found by :func:`scipy.optimize.brentq`), or 1 if that is already the case at 1.
2. **Resample** the particles by those weights (systematic resampling).
3. **Move** each particle by ``moves`` random-walk Metropolis steps targeting the bridge at
   the new ``beta``, in the normal-score (Gaussian copula) space of the inputs:
   ``z_j = Phi^-1(F_j(x_j))``, ``x_j = F_j^-1(Phi(z_j))``. The prior in that space is
   ``N(0, R)`` with ``R`` the inputs' normal-score correlation. Proposals are
   ``z + s L e``, ``L`` the Cholesky factor of the particles' covariance, ``e`` standard
   normal, with ``s`` starting at ``2.38 / sqrt(d)`` and adapted to the acceptance rate.

The final particles are equally weighted draws from the posterior. The forward model is
re-run on every proposal, so it must be vectorised and cheap. Inputs must be continuous (a
discrete input has no normal score to move in); a Gaussian copula is assumed for the prior's
dependence (it is the copula of rank-correlated inputs only approximately).

References
----------
Chopin, N. (2002). A sequential particle filter method for static models. Biometrika 89(3),
539-552.

Del Moral, P., Doucet, A. and Jasra, A. (2006). Sequential Monte Carlo samplers. Journal of the
Royal Statistical Society B 68(3), 411-436.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from ..errors import ScenarioError
from .trials import Model, ModelOutputs, Trials
from .weights import Observation, effective_sample_size, log_likelihood, normalised_weights

__all__ = ["CopulaSpace", "SMCTrace", "next_temperature", "systematic_resample", "tempered_smc"]

_U_CLIP = 1e-12
"""Probabilities are clipped to [1e-12, 1 - 1e-12] before Phi^-1, so a score is within +-7.03."""

_MAX_STAGES = 200


@dataclass(frozen=True, eq=False)
class CopulaSpace:
    """The map between inputs and their normal scores, and the prior density of the scores.

    Parameters
    ----------
    cdf : inputs (trials, inputs) to probabilities in (0, 1), column by column (each input's
        cumulative distribution function).
    ppf : the inverse: probabilities (trials, inputs) to inputs.
    correlation : (inputs, inputs) correlation of the normal scores under the prior; ``None``
        for independent inputs.
    """

    cdf: Callable[[np.ndarray], np.ndarray]
    ppf: Callable[[np.ndarray], np.ndarray]
    correlation: np.ndarray | None = None

    @classmethod
    def from_marginals(cls, marginals: Sequence, correlation=None) -> CopulaSpace:
        """From one frozen scipy.stats distribution per input (anything with ``cdf`` and ``ppf``)."""
        marginals = tuple(marginals)

        def cdf(x):
            return np.column_stack([m.cdf(x[:, j]) for j, m in enumerate(marginals)])

        def ppf(u):
            return np.column_stack([m.ppf(u[:, j]) for j, m in enumerate(marginals)])

        return cls(cdf, ppf, None if correlation is None else np.asarray(correlation, dtype=float))

    def to_scores(self, x: np.ndarray) -> np.ndarray:
        """Normal scores ``Phi^-1(F(x))`` of inputs (trials, inputs)."""
        return ndtri(np.clip(self.cdf(x), _U_CLIP, 1 - _U_CLIP))

    def to_inputs(self, z: np.ndarray) -> np.ndarray:
        """Inputs ``F^-1(Phi(z))`` of normal scores (trials, inputs)."""
        return np.asarray(self.ppf(ndtr(z)), dtype=float)

    def log_prior(self, z: np.ndarray) -> np.ndarray:
        """Log density of the scores under ``N(0, R)``, up to a constant, (trials,)."""
        if self.correlation is None:
            return -0.5 * np.einsum("ij,ij->i", z, z)
        y = np.linalg.solve(self.correlation, z.T).T
        return -0.5 * np.einsum("ij,ij->i", z, y)


@dataclass(frozen=True)
class SMCTrace:
    """How the tempered sampler went.

    Attributes
    ----------
    temperatures : the exponents ``beta`` of the likelihood at each stage, rising to 1.
    stage_ess : effective sample size of the incremental weights at each stage, before
        resampling (at least ``target_share`` of the particles, but for rounding).
    acceptance : the mean Metropolis acceptance rate of each stage's moves.
    particles : number of particles; ``moves`` Metropolis steps per stage.
    """

    temperatures: tuple[float, ...]
    stage_ess: tuple[float, ...]
    acceptance: tuple[float, ...]
    particles: int
    moves: int

    def to_frame(self):
        """One row per stage: ``stage, temperature, ess, acceptance``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "stage": np.arange(1, len(self.temperatures) + 1),
                "temperature": self.temperatures,
                "ess": self.stage_ess,
                "acceptance": self.acceptance,
            }
        )


def next_temperature(loglik: np.ndarray, beta: float, target: float) -> float:
    """The largest ``beta_new`` in (beta, 1] whose incremental weights ``exp((beta_new - beta)
    * loglik)`` have an effective sample size of at least ``target`` (trials); 1 if possible.

    >>> next_temperature(np.array([0.0, -1.0]), 0.0, 1.0)
    1.0
    """

    def excess(delta: float) -> float:
        if delta == 0.0:
            return loglik.size - target
        return effective_sample_size(normalised_weights(delta * loglik)) - target

    if excess(1.0 - beta) >= 0:
        return 1.0
    return beta + brentq(excess, 0.0, 1.0 - beta, xtol=1e-12, rtol=1e-10)


def systematic_resample(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``len(w)`` particles drawn by systematic resampling with weights ``w``."""
    n = w.size
    positions = (rng.random() + np.arange(n)) / n
    cumulative = np.cumsum(w)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, positions, side="right")


@dataclass
class _Particles:
    """The sampler's state: scores, inputs, model outputs and log-likelihood per particle."""

    z: np.ndarray
    x: np.ndarray
    out: ModelOutputs
    loglik: np.ndarray

    def take(self, idx: np.ndarray) -> _Particles:
        return _Particles(self.z[idx], self.x[idx], ModelOutputs(*(a[idx] for a in self.out)), self.loglik[idx])

    def update(self, mask: np.ndarray, new: _Particles) -> _Particles:
        def pick(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.where(mask.reshape((-1,) + (1,) * (a.ndim - 1)), b, a)

        out = ModelOutputs(*(pick(a, b) for a, b in zip(self.out, new.out)))
        return _Particles(pick(self.z, new.z), pick(self.x, new.x), out, pick(self.loglik, new.loglik))


class _Bridge:
    """The targets ``prior * L^beta`` in score space, for one model, copula and observations."""

    def __init__(self, model: Model, space: CopulaSpace, observations, kpi_index):
        self.model, self.space, self.observations, self.kpi_index = model, space, observations, kpi_index

    def particles(self, z: np.ndarray, x: np.ndarray | None = None, out: ModelOutputs | None = None) -> _Particles:
        x = self.space.to_inputs(z) if x is None else x
        out = ModelOutputs(*self.model(x)) if out is None else out
        loglik = log_likelihood(np.asarray(out.kpis)[:, self.kpi_index], self.observations).sum(axis=1)
        return _Particles(z, x, ModelOutputs(*(np.asarray(a, dtype=float) for a in out)), loglik)

    def move(self, p: _Particles, beta: float, moves: int, rng: np.random.Generator) -> tuple[_Particles, float]:
        """``moves`` random-walk Metropolis steps at ``beta``; the mean acceptance rate."""
        n, d = p.z.shape
        cov = np.atleast_2d(np.cov(p.z, rowvar=False)) + 1e-9 * np.eye(d)
        chol = np.linalg.cholesky(cov)
        scale, accepted = 2.38 / np.sqrt(d), 0.0
        for _ in range(moves):
            proposal = self.particles(p.z + scale * rng.standard_normal((n, d)) @ chol.T)
            log_ratio = self.space.log_prior(proposal.z) - self.space.log_prior(p.z)
            with np.errstate(invalid="ignore"):
                log_ratio = log_ratio + beta * (proposal.loglik - p.loglik)
            accept = np.log(rng.random(n)) < np.nan_to_num(log_ratio, nan=-np.inf)
            p = p.update(accept, proposal)
            rate = float(accept.mean())
            accepted += rate / moves
            scale *= 1.3 if rate > 0.5 else 0.7 if rate < 0.15 else 1.0
        return p, accepted


def tempered_smc(
    trials: Trials,
    observations: Sequence[Observation],
    model: Model,
    space: CopulaSpace,
    *,
    target_share: float = 0.5,
    moves: int = 5,
    rng: np.random.Generator,
) -> tuple[Trials, SMCTrace]:
    """Posterior particles given ``observations``, starting from the prior ``trials``.

    Returns the equally weighted posterior trials (inputs re-evaluated by ``model``, same
    names) and the :class:`SMCTrace`. See the module docstring for the algorithm.
    """
    names = [o.name for o in observations]
    kpi_index = [trials.kpi_names.index(n) for n in names]
    bridge = _Bridge(model, space, list(observations), kpi_index)
    outputs = ModelOutputs(trials.kpis, trials.npv_to_date, trials.npv_to_go)
    p = bridge.particles(space.to_scores(trials.inputs), trials.inputs, outputs)
    n = trials.size
    beta = 0.0
    temps: list[float] = []
    stage_ess: list[float] = []
    acceptance: list[float] = []
    while beta < 1.0:
        if len(temps) >= _MAX_STAGES:
            raise ScenarioError(f"tempered SMC did not reach the posterior in {_MAX_STAGES} stages")
        new_beta = next_temperature(p.loglik, beta, target_share * n)
        w = normalised_weights((new_beta - beta) * p.loglik)
        stage_ess.append(effective_sample_size(w))
        p, rate = bridge.move(p.take(systematic_resample(w, rng)), new_beta, moves, rng)
        beta = new_beta
        temps.append(beta)
        acceptance.append(rate)
    trace = SMCTrace(tuple(temps), tuple(stage_ess), tuple(acceptance), n, moves)
    return trials.replace_arrays(p.x, p.out), trace
