"""Plan-vs-actual review: update the forecast of the cell under review on what was observed.

:func:`review` takes the prior trials of the cell under review (:class:`Trials`: inputs,
KPIs, NPV to date and NPV to go per cell) and the observations (:class:`Observation`), and:

1. weights each trial by the likelihood of the observations, ``w_i ~ prod_k L_k(i)``;
2. if the effective sample size ``1 / sum w_i^2`` falls below ``min_ess``, replaces the
   reweighted prior by the particles of a tempered sequential Monte Carlo run
   (:func:`~decision_kit.review.smc.tempered_smc`), which needs the forward ``model`` and
   the inputs' :class:`CopulaSpace`;
3. reports prior versus posterior per input, the expected NPV to date and to go per cell
   before and after, the recommended cell before and after (highest expected NPV to go: past
   flows are sunk and do not enter the choice), and each observation's Shapley share of the
   change in the reviewed cell's expected NPV to go.

Conventions: those of :mod:`decision_kit.review.trials` (money in the scenario's currency,
NPV at the decision date) and :mod:`decision_kit.review.weights` (measurement models).
Standard deviations are population ones (ddof 0); percentiles are weighted ``inverted_cdf``
quantiles (the smallest trial value whose cumulative weight reaches the level).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from ..sampling import as_generator
from .shapley import MAX_OBSERVATIONS, Attribution, shapley_kernel, subset_values
from .smc import CopulaSpace, SMCTrace, tempered_smc
from .trials import Model, Trials
from .weights import (
    Observation,
    effective_sample_size,
    log_likelihood,
    normalised_weights,
    weighted_mean,
    weighted_quantile,
    weighted_var,
)

__all__ = ["InputShifts", "Review", "default_min_ess", "input_shifts", "review"]

LEVELS = (0.10, 0.50, 0.90)
"""Percentile levels reported per input: P10, median, P90."""


def default_min_ess(trials: int) -> float:
    """The effective sample size below which the review moves to tempered SMC:
    ``max(2,000, 5 % of trials)``, but never above half the trials.

    >>> default_min_ess(100_000), default_min_ess(1_000)
    (5000.0, 500.0)
    """
    return float(min(max(2000.0, 0.05 * trials), 0.5 * trials))


@dataclass(frozen=True, eq=False)
class InputShifts:
    """Prior versus posterior per input, sorted by how far each moved.

    Attributes
    ----------
    inputs : input names, largest ``abs(shift)`` first (ties in the trials' order).
    prior_mean, prior_sd, posterior_mean, posterior_sd : (inputs,) in each input's units.
    prior_quantiles, posterior_quantiles : (3, inputs) at :data:`LEVELS` (P10, P50, P90).
    shift : ``(posterior_mean - prior_mean) / prior_sd``, in prior standard deviations (0 for
        an input without spread).
    """

    inputs: tuple[str, ...]
    prior_mean: np.ndarray
    prior_sd: np.ndarray
    posterior_mean: np.ndarray
    posterior_sd: np.ndarray
    prior_quantiles: np.ndarray
    posterior_quantiles: np.ndarray
    shift: np.ndarray

    def to_frame(self):
        """One row per input: prior and posterior P10, median, P90, mean and sd, and the shift."""
        import pandas as pd

        cols: dict[str, object] = {"input": list(self.inputs)}
        for when, q, m, s in (
            ("prior", self.prior_quantiles, self.prior_mean, self.prior_sd),
            ("posterior", self.posterior_quantiles, self.posterior_mean, self.posterior_sd),
        ):
            cols |= {f"{when}_p10": q[0], f"{when}_median": q[1], f"{when}_p90": q[2]}
            cols |= {f"{when}_mean": m, f"{when}_sd": s}
        cols["shift_sd"] = self.shift
        return pd.DataFrame(cols)


def input_shifts(names: Sequence[str], prior: np.ndarray, posterior: np.ndarray, weights: np.ndarray) -> InputShifts:
    """:class:`InputShifts` from prior inputs (trials, inputs) with equal weights and
    posterior inputs (trials', inputs) with ``weights`` (trials',)."""
    uniform = np.full(prior.shape[0], 1.0 / prior.shape[0])
    pm, ps = prior.mean(axis=0), prior.std(axis=0)
    qm, qs = weighted_mean(posterior, weights), np.sqrt(weighted_var(posterior, weights))
    shift = np.divide(qm - pm, ps, out=np.zeros_like(pm), where=ps > 0)
    order = np.argsort(-np.abs(shift), kind="stable")
    pq = weighted_quantile(prior, LEVELS, uniform)
    qq = weighted_quantile(posterior, LEVELS, weights)
    return InputShifts(
        tuple(names[i] for i in order),
        pm[order],
        ps[order],
        qm[order],
        qs[order],
        pq[:, order],
        qq[:, order],
        shift[order],
    )


@dataclass(frozen=True, eq=False)
class Review:
    """The plan-vs-actual review of one cell (see :func:`review`).

    Attributes
    ----------
    observations : the observed KPIs' names.
    method : ``"importance"`` (the prior trials reweighted) or ``"smc"`` (tempered SMC).
    ess : effective sample size of the likelihood weights on the prior trials; ``min_ess``
        the threshold below which the review moved to SMC; ``trials`` the prior trials.
    smc : the :class:`SMCTrace` when ``method == "smc"``, else None.
    posterior, weights : the posterior trials and their weights (the prior trials and the
        likelihood weights for ``"importance"``; SMC particles and equal weights for ``"smc"``).
    inputs : :class:`InputShifts`, prior versus posterior per input.
    cells : the open actions; ``cell`` the one under review (whose NPV to go is attributed).
    prior_npv_to_go, posterior_npv_to_go : (cells,) expected NPV to go, in ``currency``.
    prior_npv_to_date, posterior_npv_to_date : expected NPV of the flows to date (sunk).
    recommended_before, recommended_after : the cell with the highest expected NPV to go.
    attribution : :class:`Attribution` of the reviewed cell's change in expected NPV to go.
    """

    observations: tuple[str, ...]
    method: str
    ess: float
    min_ess: float
    trials: int
    smc: SMCTrace | None
    posterior: Trials
    weights: np.ndarray
    inputs: InputShifts
    cells: tuple[str, ...]
    cell: str
    prior_npv_to_go: np.ndarray
    posterior_npv_to_go: np.ndarray
    prior_npv_to_date: float
    posterior_npv_to_date: float
    recommended_before: str
    recommended_after: str
    attribution: Attribution
    currency: str

    @property
    def delta_npv_to_go(self) -> float:
        """Change in the reviewed cell's expected NPV to go, posterior minus prior."""
        c = self.cells.index(self.cell)
        return float(self.posterior_npv_to_go[c] - self.prior_npv_to_go[c])

    def to_frame(self):
        """One row per cell: ``cell, prior_npv_to_go, posterior_npv_to_go, change,
        recommended_before, recommended_after``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "cell": list(self.cells),
                "prior_npv_to_go": self.prior_npv_to_go,
                "posterior_npv_to_go": self.posterior_npv_to_go,
                "change": self.posterior_npv_to_go - self.prior_npv_to_go,
                "recommended_before": [c == self.recommended_before for c in self.cells],
                "recommended_after": [c == self.recommended_after for c in self.cells],
            }
        )


def _check_request(trials, observations, cell) -> tuple[list[Observation], int]:
    if not isinstance(trials, Trials):
        raise ScenarioError(f"expected review Trials, got {type(trials).__name__}")
    observations = list(observations)
    if not all(isinstance(o, Observation) for o in observations):
        raise ScenarioError("observations must be Observation objects")
    names = [o.name for o in observations]
    if len(set(names)) != len(names):
        raise ScenarioError(f"each KPI may be observed once, got {names}")
    if len(observations) > MAX_OBSERVATIONS:
        raise ScenarioError(f"at most {MAX_OBSERVATIONS} observations can be attributed, got {len(observations)}")
    if isinstance(cell, str):
        if cell not in trials.cell_names:
            raise ScenarioError(f"cell {cell!r} not among {list(trials.cell_names)}")
        cell = trials.cell_names.index(cell)
    if not 0 <= int(cell) < len(trials.cell_names):
        raise ScenarioError(f"cell index {cell} out of range for {len(trials.cell_names)} cells")
    return observations, int(cell)


def _attribution(trials: Trials, loglik: np.ndarray, names, cell: int) -> Attribution:
    v, ess = subset_values(loglik, trials.npv_to_go[:, cell])
    phi = shapley_kernel(v) if names else np.zeros(0)
    return Attribution(
        tuple(names), phi, trials.cell_names[cell], float(v[0]), float(v[-1]), float(ess.min()), trials.currency
    )


def review(
    trials: Trials,
    observations: Sequence[Observation],
    *,
    cell: int | str = 0,
    model: Model | None = None,
    space: CopulaSpace | None = None,
    min_ess: float | None = None,
    target_share: float = 0.5,
    moves: int = 5,
    rng=None,
) -> Review:
    """Review the plan of ``cell`` against ``observations``.

    Parameters
    ----------
    trials : the prior trials (:class:`Trials`); ``kpi_names`` must include every observed KPI.
    observations : what was observed, each KPI at most once (at most 12, for the attribution).
    cell : the cell under review (index or name); its NPV to go is attributed.
    model, space : the forward model and the inputs' copula space, needed only when the
        importance weights degenerate (``ess < min_ess``) and tempered SMC takes over.
    min_ess : the threshold; by default :func:`default_min_ess` of the trials.
    target_share : the effective sample size each SMC stage keeps, as a share of particles.
    moves : Metropolis steps per SMC stage.
    rng : None, an int seed or a Generator (used only by SMC).

    Returns
    -------
    Review
        Raises :class:`ScenarioError` when SMC is needed but ``model`` or ``space`` is missing.
    """
    observations, c = _check_request(trials, observations, cell)
    names = [o.name for o in observations]
    loglik = log_likelihood(trials.kpi_columns(names), observations)
    w = normalised_weights(loglik.sum(axis=1))
    ess = effective_sample_size(w)
    threshold = default_min_ess(trials.size) if min_ess is None else float(min_ess)
    posterior, pw, trace = trials, w, None
    if ess < threshold:
        if model is None or space is None:
            raise ScenarioError(
                f"the observations leave an effective sample size of {ess:,.0f} trials (below {threshold:,.0f}): "
                "tempered SMC needs the forward model and the inputs' copula space"
            )
        posterior, trace = tempered_smc(
            trials, observations, model, space, target_share=target_share, moves=moves, rng=as_generator(rng)
        )
        pw = np.full(posterior.size, 1.0 / posterior.size)
    prior_go = trials.npv_to_go.mean(axis=0)
    post_go = weighted_mean(posterior.npv_to_go, pw)
    return Review(
        tuple(names),
        "importance" if trace is None else "smc",
        ess,
        threshold,
        trials.size,
        trace,
        posterior,
        pw,
        input_shifts(trials.input_names, trials.inputs, posterior.inputs, pw),
        trials.cell_names,
        trials.cell_names[c],
        prior_go,
        post_go,
        float(trials.npv_to_date.mean()),
        float(weighted_mean(posterior.npv_to_date, pw)),
        trials.cell_names[int(np.argmax(prior_go))],
        trials.cell_names[int(np.argmax(post_go))],
        _attribution(trials, loglik, names, c),
        trials.currency,
    )
