"""Multi-criteria views of a simulation: AHP, weighted sum, TOPSIS and the stakeholders' rankings.

The module holds, in pipeline order:

- kernels on a decision matrix: :func:`ahp` (priorities from pairwise comparisons),
  :func:`weighted_sum`, :func:`topsis`, :func:`compare_normalisations`, :func:`weight_flips`;
- views of a :class:`~decision_kit.results.Result`: :func:`criteria_scores`,
  :func:`stakeholder_weights`, :func:`stakeholder_view`, :func:`rank_acceptability`,
  :func:`normalisation_check`, :func:`flip_analysis` and :func:`weight_ranges`.

Conventions, stated once and followed everywhere:

- A **decision matrix** is a DataFrame with one row per alternative (for a Result, one row per
  option x owner cell) and one column per criterion, each in its own unit (NPV in the
  scenario's currency, time to launch in months, security risk in expected incidents over the
  horizon, judged scores on their 1-5 scale).
- ``benefit[c]`` is True when more of criterion ``c`` is better.
- **Weights** are non-negative, one per criterion, and are normalised to sum to 1; a criterion
  of the matrix without a weight has weight 0.
- Scores and closeness are "higher is better"; rank 1 is the best and ties share the better rank.
- Every invalid input raises :class:`~decision_kit.errors.ScenarioError` with a plain message.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import kendalltau

from .errors import ScenarioError
from .schema import COMPUTED_CRITERIA, Scenario

RANDOM_INDEX: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
"""Saaty's random consistency index for n = 1..10 criteria (Saaty 1980, *The Analytic Hierarchy Process*)."""

CR_THRESHOLD = 0.10
"""Consistency ratios above this are flagged (Saaty's 10 % rule)."""

METHODS = ("topsis", "weighted_sum")
NORMALISATIONS = ("minmax", "vector", "sum")
AGGREGATIONS = ("geometric", "arithmetic")
_NORM_TEXT = {"minmax": "min-max", "vector": "vector", "sum": "sum"}
GROUP = "group"
"""Name of the group column (aggregated weights) next to the stakeholders."""

_SUMMARY_COLUMN = {
    "expected_npv": "npv_mean",
    "p10_npv": "npv_p10",
    "time_to_launch": "launch_months_p50",
    "probability_of_loss": "p_loss",
    "security_risk": "security_incidents",
}
_PER_TRIAL = {"expected_npv": "npv", "time_to_launch": "launch_months", "security_risk": "security_events"}
_GRID = 201  # points per weight path before root-finding (flip analysis)


class AHPConsistencyWarning(UserWarning):
    """Pairwise comparisons whose consistency ratio is above :data:`CR_THRESHOLD`."""


# --- AHP ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AHPResult:
    """Priorities derived from a pairwise comparison matrix.

    Attributes
    ----------
    weights : Series
        Principal right eigenvector, normalised to sum to 1, indexed by criterion.
    lambda_max : float
        Principal eigenvalue (equals n for perfectly consistent judgements).
    ci : float
        Consistency index ``(lambda_max - n) / (n - 1)`` (0 for n <= 2).
    cr : float
        Consistency ratio ``ci / RI(n)`` with Saaty's random index (0 for n <= 2).
    consistent : bool
        ``cr <= 0.10``.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    consistent: bool

    def to_series(self) -> pd.Series:
        return self.weights.copy()

    def to_frame(self) -> pd.DataFrame:
        return self.weights.to_frame("weight")

    def _repr_html_(self) -> str:
        return (f"<p>AHP: lambda_max {self.lambda_max:.3f}, CI {self.ci:.3f}, CR {self.cr:.3f} "
                f"({'consistent' if self.consistent else 'inconsistent'})</p>" + self.to_frame().to_html())


def _ahp_kernel(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Principal eigenvector (sum 1) and eigenvalue of a positive matrix, without checks."""
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    v = np.abs(vectors[:, k].real)
    return v / v.sum(), float(values[k].real)


def ahp(matrix, criteria=None, *, label: str | None = None, tol: float = 1e-2) -> AHPResult:
    """Priorities from Saaty's pairwise comparisons, with the consistency ratio.

    Parameters
    ----------
    matrix : array-like or DataFrame, n x n
        ``matrix[i][j]`` says how much more criterion i matters than j (Saaty's 1-9 scale);
        entries must be positive and reciprocal (``a[j][i] = 1 / a[i][j]``, within ``tol`` on
        the product, so 0.333 passes for 1/3). A DataFrame's index names the criteria.
    criteria : list of str, optional
        Names of the criteria (default: the DataFrame's index, else 0..n-1).
    label : str, optional
        Who made the comparisons, used in messages.
    tol : float
        Accepted deviation of ``a[i][j] * a[j][i]`` from 1.

    Returns
    -------
    AHPResult
        Weights from the principal eigenvector; ``cr`` uses :data:`RANDOM_INDEX`. A ratio
        above 0.10 also emits an :class:`AHPConsistencyWarning`.

    Raises
    ------
    ScenarioError
        If the matrix is not square, has non-positive or non-finite entries, is not
        reciprocal, or has more than 10 criteria (beyond Saaty's random index table).

    Examples
    --------
    >>> r = ahp([[1, 3], [1 / 3, 1]], ["cost", "speed"])
    >>> r.weights.round(2).tolist(), r.cr
    ([0.75, 0.25], 0.0)
    """
    who = f"{label}'s " if label else ""
    if criteria is None and isinstance(matrix, pd.DataFrame):
        criteria = list(matrix.index)
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError(f"{who}AHP matrix must be a square table of numbers, one row and column per criterion") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ScenarioError(f"{who}AHP matrix must be square (n x n), got shape {'x'.join(map(str, a.shape))}")
    n = a.shape[0]
    names = list(range(n)) if criteria is None else list(criteria)
    if len(names) != n:
        raise ScenarioError(f"{who}AHP matrix is {n} x {n} but {len(names)} criteria are named")
    if n > len(RANDOM_INDEX):
        raise ScenarioError(f"{who}AHP matrix compares {n} criteria; Saaty's random index covers at most "
                            f"{len(RANDOM_INDEX)}, so group them into a hierarchy")
    bad = np.argwhere(~(np.isfinite(a) & (a > 0)))
    if len(bad):
        i, j = bad[0]
        raise ScenarioError(f"{who}AHP entries must be positive numbers: row {i + 1}, column {j + 1} is {a[i, j]:g}")
    for i in range(n):
        if abs(a[i, i] - 1) > tol:
            raise ScenarioError(f"{who}AHP diagonal must be 1 (a criterion compared with itself): "
                                f"entry ({i + 1},{i + 1}) is {a[i, i]:g}")
    dev = np.abs(a * a.T - 1)
    if (dev > tol).any():
        i, j = np.argwhere(dev > tol)[0]
        raise ScenarioError(f"{who}AHP matrix is not reciprocal: entry ({i + 1},{j + 1}) is {a[i, j]:g} "
                            f"but ({j + 1},{i + 1}) is {a[j, i]:g}, not {1 / a[i, j]:.4g}")
    w, lam = _ahp_kernel(a)
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    consistent = bool(cr <= CR_THRESHOLD)
    if not consistent:
        warnings.warn(f"{who or ''}AHP comparisons are inconsistent: consistency ratio {cr:.3f} is above "
                      f"{CR_THRESHOLD:.2f}; revisit the judgements", AHPConsistencyWarning, stacklevel=2)
    return AHPResult(pd.Series(w, index=names, name="weight"), lam, ci, cr, consistent)


# --- validation shared by the kernels ----------------------------------------------------

def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ScenarioError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def _weight_series(weights, who: str = "") -> pd.Series:
    """Validated weights (non-negative, finite, not all zero), normalised to sum to 1."""
    whose = f"{who}'s " if who else ""
    try:
        w = pd.Series(weights, dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError(f"{whose}weights must be numbers, one per criterion") from None
    if w.empty:
        raise ScenarioError(f"{whose}weights are empty: give at least one criterion a weight")
    if not np.isfinite(w.to_numpy()).all():
        c = w.index[~np.isfinite(w.to_numpy())][0]
        raise ScenarioError(f"{whose}weight of '{c}' is not a finite number")
    if (w < 0).any():
        c = w.index[(w < 0).to_numpy()][0]
        raise ScenarioError(f"{whose}weights cannot be negative ('{c}' is {w[c]:g})")
    if not w.sum() > 0:
        raise ScenarioError(f"{whose}weights cannot all be zero")
    return w / w.sum()


def _prepare(matrix, weights, benefit, who: str = ""):
    """Checked (values A x C, weights C, benefit C, alternatives, criteria) for the weighted columns."""
    if not isinstance(matrix, pd.DataFrame):
        raise ScenarioError("the decision matrix must be a pandas DataFrame (alternatives x criteria)")
    if matrix.shape[0] == 0:
        raise ScenarioError("the decision matrix has no alternatives")
    w = _weight_series(weights, who)
    unknown = [c for c in w.index if c not in matrix.columns]
    if unknown:
        raise ScenarioError(f"criterion '{unknown[0]}' has a weight but no option is scored on it "
                            f"(scored: {', '.join(map(str, matrix.columns))})")
    used = [c for c in matrix.columns if w.get(c, 0.0) > 0]
    b = []
    for c in used:
        if c not in benefit:
            raise ScenarioError(f"say whether more or less is better for criterion '{c}'")
        if not isinstance(benefit[c], (bool, np.bool_)):
            raise ScenarioError(f"benefit of criterion '{c}' must be True (more is better) or False, "
                                f"got {benefit[c]!r}")
        b.append(bool(benefit[c]))
    try:
        x = matrix[used].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError("the decision matrix must hold numbers") from None
    missing = np.argwhere(~np.isfinite(x))
    if len(missing):
        i, j = missing[0]
        raise ScenarioError(f"{_label(matrix.index[i])} has no value for criterion '{used[j]}'")
    return x, w[used].to_numpy(), np.array(b, dtype=bool), list(matrix.index), used


def _label(alt) -> str:
    """'hybrid owned by embedded' for an (option, owner) cell, else the alternative's name."""
    if isinstance(alt, tuple) and len(alt) == 2:
        return f"{alt[0]} owned by {alt[1]}"
    return str(alt)


def _ranks(scores: pd.Series) -> pd.Series:
    return scores.rank(ascending=False, method="min").astype(int).rename("rank")


# --- kernels -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Stats:
    """Per-criterion constants of a normalisation: range, vector (L2) and sum (L1) norms, and
    the bounds used as TOPSIS's ideal and anti-ideal values."""

    lo: np.ndarray
    hi: np.ndarray
    l2: np.ndarray
    l1: np.ndarray
    bound_lo: np.ndarray
    bound_hi: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> "_Stats":
        lo, hi = x.min(axis=0), x.max(axis=0)
        return cls(lo, hi, np.sqrt((x ** 2).sum(axis=0)), np.abs(x).sum(axis=0), lo, hi)


def _inverse(n: np.ndarray) -> np.ndarray:
    return np.divide(1.0, n, out=np.zeros_like(n, dtype=float), where=n > 0)


def _affine(st: _Stats, benefit: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
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


def _topsis_parts(x: np.ndarray, W: np.ndarray, st: _Stats, benefit: np.ndarray):
    """TOPSIS with vector normalisation: closeness, d+ and d- of shape (..., A, K) for values
    x (..., A, C) and weight sets W (K, C). Ideal values come from ``st.bound_*``."""
    inv = _inverse(st.l2)
    r = x * inv
    pos = np.where(benefit, st.bound_hi, st.bound_lo) * inv
    neg = np.where(benefit, st.bound_lo, st.bound_hi) * inv
    w2 = (W ** 2).T
    d_plus = np.sqrt(np.maximum(((r - pos) ** 2) @ w2, 0.0))
    d_minus = np.sqrt(np.maximum(((r - neg) ** 2) @ w2, 0.0))
    total = d_plus + d_minus
    closeness = np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
    return closeness, d_plus, d_minus


def _scorer(method: str, normalisation: str, st: _Stats, benefit: np.ndarray):
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


def weighted_sum(matrix: pd.DataFrame, weights: Mapping[str, float], benefit: Mapping[str, bool],
                 normalisation: str = "minmax") -> WeightedSumResult:
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
    _check_choice("normalisation", normalisation, NORMALISATIONS)
    x, w, b, alts, used = _prepare(matrix, weights, benefit)
    a, k = _affine(_Stats.of(x), b, normalisation)
    r = a + k * x
    scores = pd.Series(r @ w, index=matrix.index, name="score")
    return WeightedSumResult(scores, _ranks(scores), pd.DataFrame(r, index=matrix.index, columns=used),
                             pd.Series(w, index=used, name="weight"), normalisation)


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
        return pd.DataFrame({"closeness": self.closeness, "d_plus": self.d_plus, "d_minus": self.d_minus,
                             "rank": self.rank})

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
    x, w, b, alts, used = _prepare(matrix, weights, benefit)
    st = _Stats.of(x)
    c, dp, dn = (p[:, 0] for p in _topsis_parts(x, w[None, :], st, b))
    inv = _inverse(st.l2)
    idx = matrix.index
    closeness = pd.Series(c, index=idx, name="closeness")
    return TopsisResult(closeness, _ranks(closeness), pd.Series(dp, index=idx, name="d_plus"),
                        pd.Series(dn, index=idx, name="d_minus"),
                        pd.Series(w * np.where(b, st.hi, st.lo) * inv, index=used, name="ideal"),
                        pd.Series(w * np.where(b, st.lo, st.hi) * inv, index=used, name="anti_ideal"),
                        pd.Series(w, index=used, name="weight"))


# --- normalisation check -----------------------------------------------------------------

_VARIANTS = (("weighted_sum", "minmax"), ("weighted_sum", "vector"), ("weighted_sum", "sum"), ("topsis", "vector"))
_VARIANT_NAMES = ("weighted_sum_minmax", "weighted_sum_vector", "weighted_sum_sum", "topsis")
_VARIANT_TEXT = dict(zip(_VARIANT_NAMES, ("the weighted sum with min-max normalisation", "with vector normalisation",
                                          "with sum normalisation", "TOPSIS")))


@dataclass(frozen=True)
class NormalisationCheck:
    """Top choice under each normalisation (weighted sum with min-max, vector and sum
    normalisation, and TOPSIS) for one or more weight sets.

    Attributes
    ----------
    tops : DataFrame, weight set x method, the top alternative of each.
    sensitive : Series of bool per weight set, True when the methods disagree on the top.
    flag : bool, True when any weight set is sensitive.
    message : str, a plain-language warning or all-clear.
    """

    tops: pd.DataFrame
    sensitive: pd.Series
    flag: bool
    message: str

    def to_frame(self) -> pd.DataFrame:
        return self.tops.assign(sensitive=self.sensitive)

    def _repr_html_(self) -> str:
        return f"<p>{self.message}</p>" + self.to_frame().to_html()


def _check_tops(x, W, b, alts, names) -> NormalisationCheck:
    st = _Stats.of(x)
    tops = {}
    for (method, norm), col in zip(_VARIANTS, _VARIANT_NAMES):
        s = _scorer(method, norm, st, b)(x, W)  # (A, K)
        tops[col] = [alts[i] for i in np.argmax(s, axis=0)]
    tops = pd.DataFrame(tops, index=pd.Index(names, name="weights"))
    sensitive = tops.apply(lambda row: len(set(row)) > 1, axis=1).astype(bool).rename("sensitive")
    lines = []
    for who in sensitive.index[sensitive.to_numpy()]:
        row = tops.loc[who]
        picks = "; ".join(f"{_VARIANT_TEXT[m]} picks {_label(row[m])}" for m in _VARIANT_NAMES)
        lines.append(f"for {who}: {picks}")
    message = ("The normalisation alone changes the top choice " + ". And ".join(lines) + "."
               if lines else "Every normalisation (min-max, vector, sum; TOPSIS) gives the same top choice.")
    return NormalisationCheck(tops, sensitive, bool(sensitive.any()), message)


def compare_normalisations(matrix: pd.DataFrame, weights: Mapping[str, float],
                           benefit: Mapping[str, bool]) -> NormalisationCheck:
    """Whether the normalisation alone changes the top choice of ``matrix`` under ``weights``.

    Compares the weighted sum with min-max, vector and sum normalisation, and TOPSIS (vector
    normalisation, distance-based aggregation). The one weight set is labelled ``weights``.
    """
    x, w, b, alts, _ = _prepare(matrix, weights, benefit)
    return _check_tops(x, w[None, :], b, alts, ["weights"])


# --- weight flips (kernel) ---------------------------------------------------------------

@dataclass(frozen=True)
class FlipAnalysis:
    """How far one weight set can move before its top choice changes.

    Attributes
    ----------
    who : str, whose weights (a stakeholder, ``group`` or ``weights``).
    method : str, ``topsis`` or ``weighted_sum`` (with ``normalisation``).
    top : the current top alternative (a cell, or an option when ``by="option"``).
    weights : Series, the current normalised weights.
    per_criterion : DataFrame indexed by criterion: ``weight``; ``lower_to`` and ``lower_top``,
        the weight below which (others scaled up proportionally) the top changes and the new
        top; ``raise_to`` and ``raise_top`` likewise upwards. NaN / None when moving that way
        all the way (to 0 or 1) never changes the top. Lowering a criterion that holds all the
        weight spreads the weight equally over the others.
    overall : Series, the smallest move found: ``kind`` (``raise``, ``lower`` or ``transfer``),
        ``criterion`` (raised or lowered, or the one receiving weight), ``source`` (the one
        giving weight in a transfer), ``shift`` (weight moved: half the L1 distance between the
        weight vectors, and the L-infinity distance of a transfer), ``new_top``. Empty when no
        move considered changes the top.
    flipped_weights : Series, the weights at that move (empty when none).
    """

    who: str
    method: str
    normalisation: str | None
    top: object
    weights: pd.Series
    per_criterion: pd.DataFrame
    overall: pd.Series
    flipped_weights: pd.Series

    def to_frame(self) -> pd.DataFrame:
        return self.per_criterion.copy()

    def summary(self) -> str:
        """The top choice and the smallest change of weights that would replace it."""
        head = f"{self.who}'s top choice is {_label(self.top)}."
        if self.overall.empty:
            return head + " No single change of one weight, nor a transfer between two, changes it."
        o = self.overall
        if o["kind"] == "transfer":
            move = f"moving {o['shift']:.3f} of weight from {o['source']} to {o['criterion']}"
        else:
            w0 = self.weights[o["criterion"]]
            move = (f"{'raising' if o['kind'] == 'raise' else 'lowering'} the weight of {o['criterion']} "
                    f"from {w0:.3f} to {self.flipped_weights[o['criterion']]:.3f} (others rescaled)")
        return f"{head} The smallest change found is {move}, which puts {_label(o['new_top'])} first."

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html()


class _Flipper:
    """Searches straight paths in weight space for the first point where the top group changes.

    ``score(W (K, C)) -> (A, K)``; ``gid`` maps alternatives to groups (cells or options).
    Along a path the first grid point where another group is strictly ahead brackets the change;
    :func:`scipy.optimize.brentq` then finds the tie. For a weighted sum the margin of the top
    group is concave along any straight path, so the grid cannot miss the first change; for
    TOPSIS a change and change-back within one grid step (1/200 of the path) could be missed.
    """

    def __init__(self, score, gid: np.ndarray, g0: int):
        self.score, self.gid, self.g0 = score, gid, g0
        self.inside = gid == g0

    def margin(self, S: np.ndarray) -> np.ndarray:
        return S[self.inside].max(axis=0) - S[~self.inside].max(axis=0)

    def first_change(self, w0: np.ndarray, w1: np.ndarray):
        """(s in [0, 1], new group) of the first change on ``w0 + s (w1 - w0)``, or None."""
        if self.inside.all():
            return None
        s = np.linspace(0.0, 1.0, _GRID)
        m = self.margin(self.score(w0 + s[:, None] * (w1 - w0)))
        below = np.nonzero(m < 0)[0]
        if not len(below):
            return None
        k = int(below[0])
        if k == 0:
            root = 0.0
        else:
            f = lambda t: float(self.margin(self.score((w0 + t * (w1 - w0))[None, :]))[0])
            root = brentq(f, s[k - 1], s[k], xtol=1e-12, rtol=1e-12)
        S = self.score((w0 + root * (w1 - w0))[None, :])[:, 0]
        S = np.where(self.inside, -np.inf, S)
        return root, int(self.gid[int(np.argmax(S))])


def _flips(x: np.ndarray, w: np.ndarray, benefit: np.ndarray, criteria: list[str], labels: list,
           who: str, method: str, normalisation: str) -> FlipAnalysis:
    """Flip analysis of weights ``w`` on matrix ``x``; ``labels`` gives each alternative's group."""
    groups = list(dict.fromkeys(labels))
    gid = np.array([groups.index(g) for g in labels])
    score_x = _scorer(method, normalisation, _Stats.of(x), benefit)
    score = lambda W: score_x(x, W)
    g0 = int(gid[int(np.argmax(score(w[None, :])[:, 0]))])
    flip = _Flipper(score, gid, g0)
    C = len(criteria)
    rows, candidates = [], []
    for j, c in enumerate(criteria):
        wj = w[j]
        row = {"weight": wj, "lower_to": np.nan, "lower_top": None, "raise_to": np.nan, "raise_top": None}
        others = np.delete(np.arange(C), j)
        if wj < 1:
            e = np.zeros(C)
            e[j] = 1.0
            hit = flip.first_change(w, e)
            if hit:
                t = wj + hit[0] * (1 - wj)
                row.update(raise_to=t, raise_top=groups[hit[1]])
                candidates.append((t - wj, "raise", c, None, groups[hit[1]], w + hit[0] * (e - w)))
        if wj > 0 and len(others):
            base = w.copy()
            base[j] = 0.0
            base = base / base.sum() if base.sum() > 0 else np.where(np.arange(C) == j, 0.0, 1.0 / (C - 1))
            hit = flip.first_change(w, base)
            if hit:
                t = wj * (1 - hit[0])
                row.update(lower_to=t, lower_top=groups[hit[1]])
                candidates.append((wj - t, "lower", c, None, groups[hit[1]], w + hit[0] * (base - w)))
        rows.append(row)
    for i, src in enumerate(criteria):
        if w[i] <= 0:
            continue
        for k, dst in enumerate(criteria):
            if k == i:
                continue
            w1 = w.copy()
            w1[i], w1[k] = 0.0, w[k] + w[i]
            hit = flip.first_change(w, w1)
            if hit:
                candidates.append((hit[0] * w[i], "transfer", dst, src, groups[hit[1]], w + hit[0] * (w1 - w)))
    per = pd.DataFrame(rows, index=pd.Index(criteria, name="criterion"))
    if candidates:
        shift, kind, crit, src, new_top, w_new = min(candidates, key=lambda t: t[0])
        overall = pd.Series({"kind": kind, "criterion": crit, "source": src, "shift": shift, "new_top": new_top},
                            dtype=object)
        flipped = pd.Series(w_new, index=criteria, name="weight")
    else:
        overall, flipped = pd.Series(dtype=object), pd.Series(dtype=float, name="weight")
    return FlipAnalysis(who, method, normalisation if method == "weighted_sum" else None, groups[g0],
                        pd.Series(w, index=criteria, name="weight"), per, overall, flipped)


def weight_flips(matrix: pd.DataFrame, weights: Mapping[str, float], benefit: Mapping[str, bool],
                 method: str = "topsis", *, normalisation: str = "minmax", groups=None) -> FlipAnalysis:
    """The smallest weight changes that change the top choice of ``matrix``.

    Two kinds of move are searched, each along a straight path on the weight simplex:

    - per criterion: raise or lower its weight, scaling the others proportionally so the
      weights still sum to 1, and report the threshold weight at which another alternative
      ties with the top (then overtakes it);
    - transfers: move weight from one criterion to another.

    The overall answer is the move, among these, that shifts the least weight (half the L1
    distance between the weight vectors; for a transfer also the L-infinity distance). Moves
    that take weight from several criteria in other proportions are not searched, so a smaller
    change of some other shape may exist. Thresholds are bracketed on a grid of 201 points per
    path and refined with :func:`scipy.optimize.brentq` on the top's margin; the weighted sum's
    score is linear in the weights, so for it each threshold is exact.

    Parameters
    ----------
    matrix, weights, benefit : as for :func:`weighted_sum` and :func:`topsis`; every column of
        ``matrix`` is a criterion whose weight can move (a criterion without a weight starts at
        0 and can be raised).
    method : ``"topsis"`` or ``"weighted_sum"`` (with ``normalisation``).
    groups : sequence, optional
        A group label per alternative: the top choice is then the group of the best
        alternative (e.g. the option of the best option x owner cell).
    """
    _check_choice("method", method, METHODS)
    _check_choice("normalisation", normalisation, NORMALISATIONS)
    _prepare(matrix, weights, benefit)  # checks the matrix, the weights and the weighted criteria
    criteria = list(matrix.columns)
    missing = [c for c in criteria if c not in benefit]
    if missing:
        raise ScenarioError(f"say whether more or less is better for criterion '{missing[0]}'")
    x, _, b, alts, _ = _prepare(matrix, dict.fromkeys(criteria, 1.0), benefit)
    w = _weight_series(weights).reindex(criteria, fill_value=0.0).to_numpy()
    labels = alts if groups is None else list(groups)
    if len(labels) != len(alts):
        raise ScenarioError(f"groups names {len(labels)} alternatives but the matrix has {len(alts)}")
    return _flips(x, w, b, criteria, labels, "weights", method, normalisation)


# --- criteria of a simulation result -----------------------------------------------------

def _scored_criteria(scenario: Scenario) -> list[str]:
    return list(dict.fromkeys(c for o in scenario.options.values() for c in o.scores))


def criteria_directions(scenario: Scenario, criteria=None) -> dict[str, bool]:
    """Criterion -> True when more is better, from :data:`COMPUTED_CRITERIA` and the scenario's
    ``criteria`` section (default: every computed and declared criterion)."""
    names = list(COMPUTED_CRITERIA) + list(scenario.criteria) if criteria is None else list(criteria)
    out = {}
    for c in names:
        if c in COMPUTED_CRITERIA:
            out[c] = COMPUTED_CRITERIA[c] == "more"
        elif c in scenario.criteria:
            out[c] = scenario.criteria[c].better == "more"
        else:
            raise ScenarioError(f"criterion '{c}' has no direction: declare it under criteria with "
                                "'better: more' or 'better: less'")
    return out


def criteria_scores(result, criteria=None) -> pd.DataFrame:
    """The decision matrix of a simulation: one row per option x owner cell, one column per criterion.

    Computed criteria come from :meth:`Result.summary`: ``expected_npv`` (mean NPV, currency),
    ``p10_npv`` (P10 of NPV), ``time_to_launch`` (median months to go-live),
    ``probability_of_loss`` (share of trials with NPV < 0) and ``security_risk`` (expected
    security incidents over the horizon). Judged criteria come from each option's ``scores``
    and are the same for every owner of that option (NaN where an option has no score).

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    criteria : list of str, optional
        Default: every computed criterion, then every declared criterion some option scores.

    Returns
    -------
    DataFrame
        Index (option, owner); ``attrs["benefit"]`` maps each criterion to True when more is
        better (see :func:`criteria_directions`).

    Raises
    ------
    ScenarioError
        For a criterion that is neither computed nor scored on any option.
    """
    s = result.scenario
    scored = _scored_criteria(s)
    if criteria is None:
        criteria = list(COMPUTED_CRITERIA) + [c for c in s.criteria if c in scored]
    criteria = list(criteria)
    for c in criteria:
        if c not in COMPUTED_CRITERIA and c not in scored:
            raise ScenarioError(f"criterion '{c}' is neither computed ({', '.join(COMPUTED_CRITERIA)}) "
                                "nor scored on any option")
    summ = result.summary()
    df = pd.DataFrame(index=summ.index)
    for c in criteria:
        if c in COMPUTED_CRITERIA:
            df[c] = summ[_SUMMARY_COLUMN[c]].astype(float)
        else:
            df[c] = [float(s.options[o].scores.get(c, np.nan)) for o in summ.index.get_level_values("option")]
    known = [c for c in criteria if c in COMPUTED_CRITERIA or c in s.criteria]
    df.attrs["benefit"] = criteria_directions(s, known)
    return df


# --- stakeholder weights -----------------------------------------------------------------

@dataclass(frozen=True)
class StakeholderWeights:
    """Normalised weights per stakeholder and for the group.

    Attributes
    ----------
    individual : DataFrame, stakeholder x criterion (rows sum to 1; 0 where not weighted).
    group : Series, the aggregated weights (sum 1).
    aggregation : ``geometric`` (normalised geometric mean of the individual weights) or
        ``arithmetic``.
    ahp : dict, stakeholder -> :class:`AHPResult` for those who gave pairwise comparisons.
    vetoed : tuple of criteria that some stakeholder weights but the group does not, because
        another gives them no weight (the geometric mean of anything with a zero is zero).
    """

    individual: pd.DataFrame
    group: pd.Series
    aggregation: str
    ahp: dict = field(default_factory=dict)
    vetoed: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([self.individual, self.group.to_frame(GROUP).T])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()


def _criteria_order(scenario: Scenario, names) -> list[str]:
    pref = list(COMPUTED_CRITERIA) + list(scenario.criteria)
    names = list(dict.fromkeys(names))
    return [c for c in pref if c in names] + [c for c in names if c not in pref]


def stakeholder_weights(scenario: Scenario, aggregation: str = "geometric") -> StakeholderWeights:
    """Each stakeholder's weights, normalised, and the group's.

    A stakeholder's ``weights`` are divided by their sum; ``ahp`` comparisons give the
    principal-eigenvector priorities of :func:`ahp` (warning when inconsistent). The group
    weights aggregate the individual priorities (AIP, Forman and Peniwati 1998): by default
    their normalised geometric mean over the union of criteria, in which a criterion that any
    stakeholder leaves out (weight 0) drops out of the group weights (listed in ``vetoed``);
    ``aggregation="arithmetic"`` averages instead, so every weighted criterion keeps a share.

    Raises
    ------
    ScenarioError
        When the scenario has no stakeholders, one is named ``group``, or (geometric mean) no
        criterion is weighted by every stakeholder.
    """
    _check_choice("aggregation", aggregation, AGGREGATIONS)
    if not scenario.stakeholders:
        raise ScenarioError("the scenario defines no stakeholders: add a 'stakeholders:' section with "
                            "weights or ahp comparisons")
    if GROUP in scenario.stakeholders:
        raise ScenarioError(f"a stakeholder cannot be called '{GROUP}': that name is the group's")
    rows, ahps = {}, {}
    for name, st in scenario.stakeholders.items():
        if st.weights is not None:
            rows[name] = _weight_series(st.weights, name)
        else:
            ahps[name] = ahp(st.ahp.matrix, st.ahp.criteria, label=name)
            rows[name] = ahps[name].weights
    crit = _criteria_order(scenario, [c for w in rows.values() for c in w.index])
    ind = pd.DataFrame({n: w.reindex(crit, fill_value=0.0) for n, w in rows.items()}).T
    ind.index.name, ind.columns.name = "stakeholder", "criterion"
    w = ind.to_numpy()
    if aggregation == "geometric":
        with np.errstate(divide="ignore"):
            g = np.exp(np.log(w).mean(axis=0))
        if not g.sum() > 0:
            raise ScenarioError("no criterion is weighted by every stakeholder, so the geometric mean of their "
                                "weights is zero everywhere; use aggregation='arithmetic'")
    else:
        g = w.mean(axis=0)
    group = pd.Series(g / g.sum(), index=crit, name=GROUP)
    vetoed = tuple(c for c in crit if group[c] == 0 and ind[c].max() > 0)
    return StakeholderWeights(ind, group, aggregation, ahps, vetoed)


def _setup(result, aggregation: str):
    """(matrix of the weighted criteria, benefit array, StakeholderWeights, W (S+1, C), names)."""
    sw = stakeholder_weights(result.scenario, aggregation)
    crit = [c for c in sw.individual.columns if sw.individual[c].max() > 0]
    sw = dataclasses.replace(sw, individual=sw.individual[crit], group=sw.group[crit])
    s = result.scenario
    scored = _scored_criteria(s)
    for c in crit:
        if c not in COMPUTED_CRITERIA and c not in scored:
            who = _join([n for n in sw.individual.index if sw.individual.loc[n, c] > 0])
            raise ScenarioError(f"criterion '{c}' is weighted by {who} but no option is scored on it")
    for c in crit:
        if c not in COMPUTED_CRITERIA:
            for o, opt in s.options.items():
                if c not in opt.scores:
                    raise ScenarioError(f"option '{o}' has no score on criterion '{c}', which the stakeholders weigh")
    matrix = criteria_scores(result, crit)
    directions = criteria_directions(s, crit)
    benefit = np.array([directions[c] for c in crit])
    W = np.vstack([sw.individual.to_numpy(), sw.group.to_numpy()[None, :]])
    return matrix, benefit, sw, W, list(sw.individual.index) + [GROUP]


# --- stakeholder view --------------------------------------------------------------------

@dataclass(frozen=True)
class StakeholderView:
    """Each stakeholder's and the group's ranking of the option x owner cells, side by side.

    Attributes
    ----------
    method : ``topsis`` or ``weighted_sum``; ``normalisation`` for the weighted sum.
    scores : DataFrame, cell x (stakeholders..., ``group``): closeness or weighted score.
    ranks : DataFrame, same shape, rank 1 = best.
    weights : :class:`StakeholderWeights` used.
    """

    method: str
    normalisation: str | None
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: StakeholderWeights

    @property
    def stakeholders(self) -> list[str]:
        return [c for c in self.scores.columns if c != GROUP]

    @property
    def top(self) -> pd.Series:
        """Top cell per stakeholder and for the group."""
        return pd.Series({who: self.scores[who].idxmax() for who in self.scores.columns}, name="top", dtype=object)

    @property
    def agree(self) -> bool:
        """True when every stakeholder puts the same cell first."""
        return len({self.top[w] for w in self.stakeholders}) == 1

    @property
    def agree_on_option(self) -> bool:
        """True when every stakeholder's top cell has the same option (perhaps not the same owner)."""
        return len({self.top[w][0] for w in self.stakeholders}) == 1

    @property
    def concordance(self) -> pd.DataFrame:
        """Kendall's tau between the stakeholders' scores (1: same order, -1: reversed)."""
        names = list(self.scores.columns)
        out = pd.DataFrame(1.0, index=names, columns=names)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                tau = kendalltau(self.scores[a], self.scores[b]).statistic
                out.loc[a, b] = out.loc[b, a] = tau
        return out

    def disagreements(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` cells whose rank differs most between stakeholders (rank spread = worst - best)."""
        r = self.ranks[self.stakeholders]
        spread = (r.max(axis=1) - r.min(axis=1)).rename("spread")
        return r.assign(spread=spread).sort_values("spread", ascending=False, kind="stable").head(n)

    def to_frame(self) -> pd.DataFrame:
        """Score and rank per stakeholder: columns (who, score | rank)."""
        parts = {}
        for who in self.scores.columns:
            parts[(who, "score")] = self.scores[who]
            parts[(who, "rank")] = self.ranks[who]
        return pd.DataFrame(parts)

    def summary(self) -> str:
        """A few sentences: who prefers what, where they agree and differ, and the group's choice."""
        top, names = self.top, self.stakeholders
        how = "TOPSIS" if self.method == "topsis" else f"a weighted sum ({_NORM_TEXT[self.normalisation]} normalisation)"
        if self.agree:
            who = f"{_join(names)} all put" if len(names) > 1 else f"{names[0]} puts"
            lead = f"Under {how}, {who} {_label(top[names[0]])} first."
        else:
            prefs = "; ".join(f"{w} {_label(top[w])}" for w in names)
            lead = f"Under {how}, the stakeholders disagree on the top choice: {prefs}."
            if self.agree_on_option:
                lead += f" They agree on the option ({top[names[0]][0]}) but not on who should own it."
        agg = ("geometric mean" if self.weights.aggregation == "geometric" else "average")
        group = f" With the group weights ({agg} of individual weights), {_label(top[GROUP])} comes first."
        tail = ""
        if len(names) > 1:
            d = self.disagreements(1)
            cell = d.index[0]
            r = d.iloc[0]
            best, worst = r[names].idxmin(), r[names].idxmax()
            if r["spread"] > 0:
                tail = (f" They differ most on {_label(cell)}: ranked {int(r[best])} by {best} and "
                        f"{int(r[worst])} by {worst}.")
        if self.weights.vetoed:
            kept = [c for c in self.weights.group.index if self.weights.group[c] > 0]
            tail += (f" Note: the geometric mean drops any criterion a stakeholder leaves out "
                     f"({', '.join(self.weights.vetoed)}), so the group weighs only {', '.join(kept)}.")
        return lead + group + tail

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:.3f}")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def stakeholder_view(result, method: str = "topsis", *, normalisation: str = "minmax",
                     aggregation: str = "geometric") -> StakeholderView:
    """Rank the option x owner cells under every stakeholder's weights and the group's.

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    method : ``"topsis"`` (default) or ``"weighted_sum"``.
    normalisation : for the weighted sum: ``"minmax"`` (default), ``"vector"`` or ``"sum"``.
    aggregation : group weights, see :func:`stakeholder_weights`.

    Every ranking uses the same decision matrix (:func:`criteria_scores` over the criteria any
    stakeholder weighs) and the same normalisation, so they differ only by the weights.
    """
    _check_choice("method", method, METHODS)
    _check_choice("normalisation", normalisation, NORMALISATIONS)
    matrix, benefit, sw, W, names = _setup(result, aggregation)
    x = matrix.to_numpy()
    S = _scorer(method, normalisation, _Stats.of(x), benefit)(x, W)
    scores = pd.DataFrame(S, index=matrix.index, columns=pd.Index(names, name="stakeholder"))
    ranks = scores.rank(ascending=False, method="min").astype(int)
    return StakeholderView(method, normalisation if method == "weighted_sum" else None, scores, ranks, sw)


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
            parts.append(f"{who}: {_label(cell)} ({self.p_first[who].max():.0%})")
        return f"Most often first over {self.trials:,} trials: " + "; ".join(parts) + "."

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:.1%}")


def rank_acceptability(result, method: str = "topsis", trials: int | None = None, *,
                       normalisation: str = "minmax", aggregation: str = "geometric") -> RankAcceptability:
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
    _check_choice("method", method, METHODS)
    _check_choice("normalisation", normalisation, NORMALISATIONS)
    n_all = int(result.trials)
    if trials is None:
        trials = n_all
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or not 1 <= trials <= n_all:
        raise ScenarioError(f"trials must be a whole number from 1 to {n_all:,} (the simulation's trials), got {trials!r}")
    trials = int(trials)
    matrix, benefit, sw, W, names = _setup(result, aggregation)
    base = matrix.to_numpy()
    A, C = base.shape
    crit = list(matrix.columns)
    per_trial = {j: result.metrics[_PER_TRIAL[c]][:trials].reshape(trials, A).astype(float)
                 for j, c in enumerate(crit) if c in _PER_TRIAL}
    st = _Stats.of(base)
    lo, hi = st.lo.copy(), st.hi.copy()
    for j, v in per_trial.items():
        lo[j], hi[j] = min(lo[j], v.min()), max(hi[j], v.max())
    st = _Stats(st.lo, st.hi, st.l2, st.l1, lo, hi)
    score = _scorer(method, normalisation, st, benefit)
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
    return RankAcceptability(method, normalisation if method == "weighted_sum" else None, trials,
                             pd.DataFrame(first / trials, index=matrix.index, columns=cols),
                             pd.DataFrame(1 + rank_sum / trials, index=matrix.index, columns=cols))


# --- normalisation check, flips and weight ranges of a result ------------------------------

def normalisation_check(result, *, aggregation: str = "geometric") -> NormalisationCheck:
    """Whether the normalisation alone changes any stakeholder's (or the group's) top cell.

    Compares the weighted sum with min-max, vector and sum normalisation, and TOPSIS, on the
    matrix of :func:`stakeholder_view`. ``flag`` is True and ``message`` says for whom and how
    when they disagree: then the ranking rests on a modelling choice, not only on the weights.
    """
    matrix, benefit, sw, W, names = _setup(result, aggregation)
    return _check_tops(matrix.to_numpy(), W, benefit, list(matrix.index), names)


def flip_analysis(result, stakeholder: str, method: str = "topsis", *, by: str = "cell",
                  normalisation: str = "minmax", aggregation: str = "geometric") -> FlipAnalysis:
    """The smallest change of a stakeholder's weights that changes their top choice.

    See :func:`weight_flips` for the moves searched (one weight raised or lowered with the
    others rescaled, and transfers between two criteria) and the method. Criteria are those any
    stakeholder weighs, so a criterion this stakeholder ignores can be raised from 0.

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    stakeholder : a stakeholder's name, or ``"group"`` for the aggregated weights.
    method : ``"topsis"`` (default) or ``"weighted_sum"``.
    by : ``"cell"`` (default): the top choice is an option x owner cell; ``"option"``: the
        option of the best cell, so a change of owner alone does not count.
    """
    _check_choice("method", method, METHODS)
    _check_choice("normalisation", normalisation, NORMALISATIONS)
    _check_choice("by", by, ("cell", "option"))
    matrix, benefit, sw, W, names = _setup(result, aggregation)
    if stakeholder not in names:
        raise ScenarioError(f"no stakeholder '{stakeholder}' (known: {', '.join(names)})")
    labels = list(matrix.index) if by == "cell" else list(matrix.index.get_level_values("option"))
    return _flips(matrix.to_numpy(), W[names.index(stakeholder)], benefit, list(matrix.columns), labels,
                  stakeholder, method, normalisation)


def weight_ranges(result, method: str = "topsis", *, by: str = "cell", normalisation: str = "minmax",
                  aggregation: str = "geometric") -> pd.DataFrame:
    """For the group weights, the range of each criterion's weight over which the group's top holds.

    Each criterion's weight is moved alone, the others rescaled proportionally (as in
    :func:`flip_analysis`); ``low`` and ``high`` bound the interval around the current weight
    in which the top choice stays the same (0 and 1 when it never changes that way).

    Returns
    -------
    DataFrame indexed by criterion: ``weight``, ``low``, ``high``, ``top`` (the current group
    top), ``below`` and ``above`` (the top choice just outside the interval, None if none).
    """
    fa = flip_analysis(result, GROUP, method, by=by, normalisation=normalisation, aggregation=aggregation)
    p = fa.per_criterion
    return pd.DataFrame({
        "weight": p["weight"],
        "low": p["lower_to"].fillna(0.0),
        "high": p["raise_to"].fillna(1.0),
        "top": pd.Series([fa.top] * len(p), index=p.index, dtype=object),
        "below": p["lower_top"],
        "above": p["raise_top"],
    })
