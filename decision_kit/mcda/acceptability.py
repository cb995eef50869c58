"""Rank acceptability: how often each option x owner cell ranks first over the Monte Carlo trials.

What is here: :func:`rank_acceptability`, which scores every trial of a
:class:`~decision_kit.results.Result` under each stakeholder's and the group's weights, and
:class:`RankAcceptability`, the probability of ranking first and the expected rank of each cell.

``expected_npv``, ``time_to_launch`` and ``security_risk`` vary by trial (from
``result.metrics``); other criteria keep their summary values. Normalisation constants are
those of the summary-level matrix, fixed across trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from .matrix import alternative_label, check_choice
from .methods import METHODS, NORMALISATIONS, NormalisationStats, scorer
from .stakeholders import stakeholder_problem

_PER_TRIAL = {"expected_npv": "npv", "time_to_launch": "launch_months", "security_risk": "security_events"}


# --- rank acceptability over the Monte Carlo trials --------------------------------------


@dataclass(frozen=True)
class RankAcceptability:
    """Probability that each cell ranks first, per stakeholder, over the simulation's trials.

    Attributes
    ----------
    method, normalisation : scoring used.
    trials : number of trials scored.
    p_first : DataFrame, cell x (stakeholders..., ``group``); columns sum to 1 (a tie for
        first splits the trial equally).
    mean_rank : DataFrame, the expected rank of each cell (1 = best).
    """

    method: str
    normalisation: str | None
    trials: int
    p_first: pd.DataFrame
    mean_rank: pd.DataFrame

    @property
    def p_first_option(self) -> pd.DataFrame:
        """Probability that each option (under its best owner) ranks first."""
        return self.p_first.groupby(level="option", sort=False).sum()

    def to_frame(self) -> pd.DataFrame:
        return self.p_first.copy()

    def summary(self) -> str:
        parts = []
        for who in self.p_first.columns:
            cell = self.p_first[who].idxmax()
            parts.append(f"{who}: {alternative_label(cell)} ({self.p_first[who].max():.0%})")
        return f"Most often first over {self.trials:,} trials: " + "; ".join(parts) + "."

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:.1%}")


def rank_acceptability(
    result,
    method: str = "topsis",
    trials: int | None = None,
    *,
    normalisation: str = "minmax",
    aggregation: str = "geometric",
) -> RankAcceptability:
    """Probability that each option x owner cell ranks first under each stakeholder's weights.

    Every Monte Carlo trial is scored: ``expected_npv`` takes the trial's NPV,
    ``time_to_launch`` its months to go-live and ``security_risk`` its number of security
    incidents (from ``result.metrics``); ``p10_npv``, ``probability_of_loss`` and judged scores
    are properties of the whole distribution or of the option and keep their summary values.

    Normalisation is fixed across trials, so a cell's score in a trial depends only on its own
    values and the weights, never on what the other cells happened to draw. The constants (the
    min-max range, the vector or sum norm) are those of the summary-level matrix used by
    :func:`stakeholder_view`, so a trial is scored with the same value function and trade-off
    rates; a weighted sum then has the summary score as its mean over trials wherever the
    summary value is a mean. TOPSIS's ideal and anti-ideal points are the best and worst values
    over all trials and cells, so its closeness still rises with every criterion's goodness.
    Scoring is vectorised over trials (in chunks that bound memory).

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    method : ``"topsis"`` (default) or ``"weighted_sum"``.
    trials : int, optional
        Use the first ``trials`` trials (default: all).
    normalisation, aggregation : as for :func:`stakeholder_view`.
    """
    check_choice("method", method, METHODS)
    check_choice("normalisation", normalisation, NORMALISATIONS)
    n_all = int(result.trials)
    if trials is None:
        trials = n_all
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or not 1 <= trials <= n_all:
        raise ScenarioError(
            f"trials must be a whole number from 1 to {n_all:,} (the simulation's trials), got {trials!r}"
        )
    trials = int(trials)
    matrix, benefit, sw, W, names = stakeholder_problem(result, aggregation)
    base = matrix.to_numpy()
    A, C = base.shape
    crit = list(matrix.columns)
    per_trial = {
        j: result.metrics[_PER_TRIAL[c]][:trials].reshape(trials, A).astype(float)
        for j, c in enumerate(crit)
        if c in _PER_TRIAL
    }
    st = NormalisationStats.of(base)
    lo, hi = st.lo.copy(), st.hi.copy()
    for j, v in per_trial.items():
        lo[j], hi[j] = min(lo[j], v.min()), max(hi[j], v.max())
    st = NormalisationStats(st.lo, st.hi, st.l2, st.l1, lo, hi)
    score = scorer(method, normalisation, st, benefit)
    K = W.shape[0]
    first = np.zeros((A, K))
    rank_sum = np.zeros((A, K))
    chunk = max(1, 2_000_000 // (A * max(C, A * K)))
    for t0 in range(0, trials, chunk):
        t1 = min(trials, t0 + chunk)
        x = np.broadcast_to(base, (t1 - t0, A, C)).copy()
        for j, v in per_trial.items():
            x[:, :, j] = v[t0:t1]
        S = score(x, W)  # (t, A, K)
        top = S >= S.max(axis=1, keepdims=True) - 1e-12
        first += (top / top.sum(axis=1, keepdims=True)).sum(axis=0)
        rank_sum += (S[:, None, :, :] > S[:, :, None, :]).sum(axis=(0, 2))
    cols = pd.Index(names, name="stakeholder")
    return RankAcceptability(
        method,
        normalisation if method == "weighted_sum" else None,
        trials,
        pd.DataFrame(first / trials, index=matrix.index, columns=cols),
        pd.DataFrame(1 + rank_sum / trials, index=matrix.index, columns=cols),
    )
