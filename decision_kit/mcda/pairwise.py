"""AHP: priorities from pairwise comparisons, with Saaty's consistency ratio.

What is here:

- :func:`ahp`: weights from a matrix of pairwise comparisons (principal eigenvector), returned
  as :class:`AHPResult` with the consistency index and ratio; :func:`_ahp_kernel` is its
  kernel;
- :data:`RANDOM_INDEX` and :data:`CR_THRESHOLD`, the reference values of the consistency
  check, and :class:`AHPConsistencyWarning`, emitted when a ratio is above the threshold.

Comparisons use Saaty's 1-9 scale: ``a[i][j]`` says how much more criterion i matters than j,
and ``a[j][i] = 1 / a[i][j]``. Weights sum to 1. Invalid matrices raise
:class:`~decision_kit.errors.ScenarioError`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ScenarioError

RANDOM_INDEX: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
"""Saaty's random consistency index for n = 1..10 criteria (Saaty 1980, *The Analytic Hierarchy Process*)."""

CR_THRESHOLD = 0.10
"""Consistency ratios above this are flagged (Saaty's 10 % rule)."""


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
        return (
            f"<p>AHP: lambda_max {self.lambda_max:.3f}, CI {self.ci:.3f}, CR {self.cr:.3f} "
            f"({'consistent' if self.consistent else 'inconsistent'})</p>" + self.to_frame().to_html()
        )


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
        raise ScenarioError(
            f"{who}AHP matrix must be a square table of numbers, one row and column per criterion"
        ) from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ScenarioError(f"{who}AHP matrix must be square (n x n), got shape {'x'.join(map(str, a.shape))}")
    n = a.shape[0]
    names = list(range(n)) if criteria is None else list(criteria)
    if len(names) != n:
        raise ScenarioError(f"{who}AHP matrix is {n} x {n} but {len(names)} criteria are named")
    if n > len(RANDOM_INDEX):
        raise ScenarioError(
            f"{who}AHP matrix compares {n} criteria; Saaty's random index covers at most "
            f"{len(RANDOM_INDEX)}, so group them into a hierarchy"
        )
    bad = np.argwhere(~(np.isfinite(a) & (a > 0)))
    if len(bad):
        i, j = bad[0]
        raise ScenarioError(f"{who}AHP entries must be positive numbers: row {i + 1}, column {j + 1} is {a[i, j]:g}")
    for i in range(n):
        if abs(a[i, i] - 1) > tol:
            raise ScenarioError(
                f"{who}AHP diagonal must be 1 (a criterion compared with itself): "
                f"entry ({i + 1},{i + 1}) is {a[i, i]:g}"
            )
    dev = np.abs(a * a.T - 1)
    if (dev > tol).any():
        i, j = np.argwhere(dev > tol)[0]
        raise ScenarioError(
            f"{who}AHP matrix is not reciprocal: entry ({i + 1},{j + 1}) is {a[i, j]:g} "
            f"but ({j + 1},{i + 1}) is {a[j, i]:g}, not {1 / a[i, j]:.4g}"
        )
    w, lam = _ahp_kernel(a)
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    consistent = bool(cr <= CR_THRESHOLD)
    if not consistent:
        warnings.warn(
            f"{who or ''}AHP comparisons are inconsistent: consistency ratio {cr:.3f} is above "
            f"{CR_THRESHOLD:.2f}; revisit the judgements",
            AHPConsistencyWarning,
            stacklevel=2,
        )
    return AHPResult(pd.Series(w, index=names, name="weight"), lam, ci, cr, consistent)
