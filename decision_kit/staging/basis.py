"""Least-squares regression of a per-trial quantity on a polynomial basis of observables.

The basis of observables ``x`` (trials, k) is: a constant; the powers 1..``degree`` of each
column; and, for ``k > 1``, the products of every pair of columns (the interactions). Columns
are standardised with the fit trials' mean and standard deviation (a constant column is left
unscaled) so that high powers stay well conditioned; the fit is ordinary least squares by
``numpy.linalg.lstsq`` (minimum-norm when columns are collinear, e.g. a 0/1 indicator and its
square). A 0-column ``x`` (nothing observed) gives the constant alone: the fitted value is the
mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError

__all__ = ["Regression", "fit_regression", "polynomial_basis", "observable_matrix", "check_degree"]


def polynomial_basis(z: np.ndarray, degree: int) -> np.ndarray:
    """Basis matrix (trials, p) of standardised observables ``z`` (trials, k), as described in the
    module docstring: ``p = 1 + k * degree + k * (k - 1) / 2``."""
    n, k = z.shape
    cols = [np.ones(n)]
    cols += [z[:, j] ** d for j in range(k) for d in range(1, degree + 1)]
    cols += [z[:, i] * z[:, j] for i in range(k) for j in range(i + 1, k)]
    return np.column_stack(cols)


@dataclass(frozen=True, eq=False)
class Regression:
    """A fitted ``E[y | x]``: standardisation ``center``, ``scale`` (k,), polynomial ``degree``
    and coefficients ``coef`` (p,) on :func:`polynomial_basis`."""

    center: np.ndarray
    scale: np.ndarray
    degree: int
    coef: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Fitted values (trials,) at observables ``x`` (trials, k)."""
        return polynomial_basis((x - self.center) / self.scale, self.degree) @ self.coef


def fit_regression(x: np.ndarray, y: np.ndarray, degree: int) -> Regression:
    """Least-squares fit of ``y`` (n,) on the basis of ``x`` (n, k) (kernel, no checks)."""
    center = x.mean(axis=0) if x.shape[0] else np.zeros(x.shape[1])
    sd = x.std(axis=0)
    scale = np.where(sd > 0, sd, 1.0)
    coef, *_ = np.linalg.lstsq(polynomial_basis((x - center) / scale, degree), y, rcond=None)
    return Regression(center, scale, degree, coef)


def observable_matrix(name: str, x, trials: int) -> np.ndarray:
    """Observables ``x`` as a finite (trials, k) float matrix: a vector is one column, a
    (trials, 0) matrix means nothing is observed."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] != trials:
        raise ScenarioError(f"{name} must have one row per trial ({trials}), got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ScenarioError(f"{name} has non-finite values")
    return a


def check_degree(degree) -> int:
    """``degree`` as a polynomial degree from 1 to 6."""
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or not 1 <= degree <= 6:
        raise ScenarioError(f"degree must be an integer from 1 to 6, got {degree!r}")
    return int(degree)
