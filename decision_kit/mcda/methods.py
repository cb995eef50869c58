"""Scoring methods on a decision matrix: weighted sum and TOPSIS, with their normalisations.

What is here:

- :func:`weighted_sum` (simple additive weighting of normalised criteria), returning
  :class:`WeightedSumResult`, and :func:`topsis` (Hwang and Yoon 1981), returning
  :class:`TopsisResult`;
- :data:`METHODS` and :data:`NORMALISATIONS`, the names callers choose from;
- the kernels the other modules score with: :class:`NormalisationStats` (per-criterion
  normalisation constants) and :func:`scorer`, which scores many alternatives under many weight
  sets (and many trials) at once; privately, :func:`_affine` (min-max, vector and sum
  normalisation oriented so higher is better) and :func:`_topsis_parts`.

Scores and closeness are "higher is better"; rank 1 is the best and ties share the better rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .matrix import check_choice, checked_matrix, ranks_of

METHODS = ("topsis", "weighted_sum")
NORMALISATIONS = ("minmax", "vector", "sum")


# --- kernels -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalisationStats:
    """Per-criterion constants of a normalisation: range, vector (L2) and sum (L1) norms, and
    the bounds used as TOPSIS's ideal and anti-ideal values."""

    lo: np.ndarray
    hi: np.ndarray
    l2: np.ndarray
    l1: np.ndarray
    bound_lo: np.ndarray
    bound_hi: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> NormalisationStats:
        lo, hi = x.min(axis=0), x.max(axis=0)
        return cls(lo, hi, np.sqrt((x**2).sum(axis=0)), np.abs(x).sum(axis=0), lo, hi)


def _inverse(n: np.ndarray) -> np.ndarray:
    return np.divide(1.0, n, out=np.zeros_like(n, dtype=float), where=n > 0)


def _affine(st: NormalisationStats, benefit: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-criterion ``(a, b)`` with normalised value ``a + b x``, oriented so higher is better.

    - ``minmax``: ``(x - min) / (max - min)``, or ``(max - x) / (max - min)`` when less is better;
    - ``vector``: ``x / ||x||_2``, or ``1 - x / ||x||_2``;
    - ``sum``: ``x / sum|x|``, or ``1 - x / sum|x|`` (the absolute sum keeps the direction when
      values are negative, as NPVs can be).

    A criterion whose values are all equal normalises to a constant and cannot change a ranking.
    """
    if how == "minmax":
        span = st.hi - st.lo
        inv = _inverse(span)
        a = np.where(benefit, -st.lo * inv, st.hi * inv)
        a = np.where(span > 0, a, 1.0)
    else:
        inv = _inverse(st.l2 if how == "vector" else st.l1)
        a = np.where(benefit, 0.0, 1.0)
    return a, np.where(benefit, inv, -inv)


def _topsis_parts(x: np.ndarray, W: np.ndarray, st: NormalisationStats, benefit: np.ndarray):
    """TOPSIS with vector normalisation: closeness, d+ and d- of shape (..., A, K) for values
    x (..., A, C) and weight sets W (K, C). Ideal values come from ``st.bound_*``."""
    inv = _inverse(st.l2)
    r = x * inv
    pos = np.where(benefit, st.bound_hi, st.bound_lo) * inv
    neg = np.where(benefit, st.bound_lo, st.bound_hi) * inv
    w2 = (W**2).T
    d_plus = np.sqrt(np.maximum(((r - pos) ** 2) @ w2, 0.0))
    d_minus = np.sqrt(np.maximum(((r - neg) ** 2) @ w2, 0.0))
    total = d_plus + d_minus
    closeness = np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
    return closeness, d_plus, d_minus


def scorer(method: str, normalisation: str, st: NormalisationStats, benefit: np.ndarray):
    """A function ``(x (..., A, C), W (K, C)) -> scores (..., A, K)``."""
    if method == "topsis":
        return lambda x, W: _topsis_parts(x, W, st, benefit)[0]
    a, b = _affine(st, benefit, normalisation)
    return lambda x, W: (a + b * x) @ W.T


@dataclass(frozen=True)
class WeightedSumResult:
    """Scores of a weighted sum of normalised criteria (higher is better).

    Attributes
    ----------
    scores : Series per alternative; ``rank`` : Series (1 = best); ``normalised`` : the
    normalised matrix of the weighted criteria; ``weights`` : normalised weights used;
    ``normalisation`` : ``minmax``, ``vector`` or ``sum``.
    """

    scores: pd.Series
    rank: pd.Series
    normalised: pd.DataFrame
    weights: pd.Series
    normalisation: str

    @property
    def ranking(self) -> list:
        """Alternatives from best to worst."""
        return list(self.scores.sort_values(ascending=False, kind="stable").index)

    @property
    def best(self):
        return self.ranking[0]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"score": self.scores, "rank": self.rank})

    def to_series(self) -> pd.Series:
        return self.scores.copy()

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()


def weighted_sum(
    matrix: pd.DataFrame, weights: Mapping[str, float], benefit: Mapping[str, bool], normalisation: str = "minmax"
) -> WeightedSumResult:
    """Weighted sum of normalised criteria (simple additive weighting).

    Parameters
    ----------
    matrix : DataFrame, alternatives x criteria
    weights : mapping or Series, criterion -> non-negative weight (normalised to sum 1;
        unlisted criteria weigh 0)
    benefit : mapping, criterion -> True when more is better
    normalisation : ``"minmax"`` (default), ``"vector"`` or ``"sum"``; see the module notes.

    Returns
    -------
    WeightedSumResult

    Examples
    --------
    >>> m = pd.DataFrame({"npv": [10.0, 20.0, 15.0], "months": [3.0, 9.0, 6.0]}, index=["a", "b", "c"])
    >>> r = weighted_sum(m, {"npv": 0.6, "months": 0.4}, {"npv": True, "months": False})
    >>> r.scores.tolist(), r.best
    ([0.4, 0.6, 0.5], 'b')
    """
    check_choice("normalisation", normalisation, NORMALISATIONS)
    x, w, b, alts, used = checked_matrix(matrix, weights, benefit)
    a, k = _affine(NormalisationStats.of(x), b, normalisation)
    r = a + k * x
    scores = pd.Series(r @ w, index=matrix.index, name="score")
    return WeightedSumResult(
        scores,
        ranks_of(scores),
        pd.DataFrame(r, index=matrix.index, columns=used),
        pd.Series(w, index=used, name="weight"),
        normalisation,
    )


@dataclass(frozen=True)
class TopsisResult:
    """TOPSIS (Hwang and Yoon 1981) with vector normalisation.

    Attributes
    ----------
    closeness : Series, ``d- / (d+ + d-)`` per alternative (1 = at the ideal point; 0.5 when
        every alternative is identical); ``rank`` : Series (1 = best); ``d_plus``, ``d_minus`` :
        distances to the ideal and anti-ideal points; ``ideal``, ``anti_ideal`` : weighted
        normalised values of those points; ``weights`` : normalised weights used.
    """

    closeness: pd.Series
    rank: pd.Series
    d_plus: pd.Series
    d_minus: pd.Series
    ideal: pd.Series
    anti_ideal: pd.Series
    weights: pd.Series

    @property
    def ranking(self) -> list:
        """Alternatives from best to worst."""
        return list(self.closeness.sort_values(ascending=False, kind="stable").index)

    @property
    def best(self):
        return self.ranking[0]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"closeness": self.closeness, "d_plus": self.d_plus, "d_minus": self.d_minus, "rank": self.rank}
        )

    def to_series(self) -> pd.Series:
        return self.closeness.copy()

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()


def topsis(matrix: pd.DataFrame, weights: Mapping[str, float], benefit: Mapping[str, bool]) -> TopsisResult:
    """Technique for Order Preference by Similarity to Ideal Solution.

    Each criterion is divided by its vector (L2) norm over the alternatives and multiplied by
    its weight; the ideal point takes the best weighted value of each criterion (the largest
    when more is better), the anti-ideal the worst; the closeness of an alternative is its
    Euclidean distance to the anti-ideal over the sum of its distances to both.

    Parameters
    ----------
    matrix : DataFrame, alternatives x criteria
    weights : mapping or Series, criterion -> non-negative weight (normalised to sum 1)
    benefit : mapping, criterion -> True when more is better

    Returns
    -------
    TopsisResult

    Examples
    --------
    >>> m = pd.DataFrame({"fit": [1.0, 0.0], "speed": [0.0, 1.0]}, index=["a", "b"])
    >>> topsis(m, {"fit": 0.6, "speed": 0.4}, {"fit": True, "speed": True}).closeness.tolist()
    [0.6, 0.4]
    """
    x, w, b, alts, used = checked_matrix(matrix, weights, benefit)
    st = NormalisationStats.of(x)
    c, dp, dn = (p[:, 0] for p in _topsis_parts(x, w[None, :], st, b))
    inv = _inverse(st.l2)
    idx = matrix.index
    closeness = pd.Series(c, index=idx, name="closeness")
    return TopsisResult(
        closeness,
        ranks_of(closeness),
        pd.Series(dp, index=idx, name="d_plus"),
        pd.Series(dn, index=idx, name="d_minus"),
        pd.Series(w * np.where(b, st.hi, st.lo) * inv, index=used, name="ideal"),
        pd.Series(w * np.where(b, st.lo, st.hi) * inv, index=used, name="anti_ideal"),
        pd.Series(w, index=used, name="weight"),
    )
