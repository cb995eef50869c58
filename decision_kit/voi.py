"""Value of information: what learning more would be worth before committing.

What is here:

- :func:`evpi`: the expected value of perfect information about every uncertainty, for the
  choice of one option x owner cell, as :class:`EVPI`;
- :func:`evppi`: the expected value of partial perfect information about each input alone,
  ranked, as :class:`EVPPI` ("which uncertainty is worth a pilot or a reference call?");
- their kernels :func:`evpi_kernel` and :func:`evppi_kernel` on plain arrays.

Conventions. The decision maker picks the cell with the highest expected NPV (risk neutral).
Values are in the scenario's currency, as NPV: present value at the decision date, nominal.
Both come from a finished :func:`~decision_kit.simulation.simulate` run, without nested
simulation:

- ``EVPI = E[max_c NPV_c] - max_c E[NPV_c]`` over all trials;
- ``EVPPI(X) = E_X[max_c E[NPV_c | X]] - max_c E[NPV_c]``, with ``E[NPV_c | X]`` estimated
  from the trials by a one-dimensional smoother of ``NPV_c`` on ``X`` (Strong, Oakley and
  Brennan 2014), on the first ``min(trials, 100,000)`` trials whose inputs
  :attr:`Result.inputs` keeps.

References
----------
Strong, M., Oakley, J. E. and Brennan, A. (2014). Estimating multiparameter partial expected
value of perfect information from a probabilistic sensitivity analysis sample: a
nonparametric regression approach. Medical Decision Making 34(3), 311-326.

Sadatsafavi, M., Bansback, N., Zafari, Z., Najafzadeh, M. and Marra, C. (2013). Need for
speed: an efficient algorithm for calculation of single-parameter expected value of partial
perfect information. Value in Health 16(2), 438-448.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from .errors import ScenarioError

__all__ = ["EVPI", "EVPPI", "evpi", "evppi", "evpi_kernel", "evppi_kernel", "METHODS"]

METHODS = ("regression", "binning")
"""Smoothers for ``E[NPV | X]``: a cubic regression spline or equal-count bins."""

_FEW_LEVELS = 20
"""An input with at most this many distinct values is grouped by value (exact conditional means)."""


# --- kernels -------------------------------------------------------------------------------------


def evpi_kernel(npv: np.ndarray) -> tuple[float, int, float]:
    """EVPI from per-trial NPVs ``npv`` (trials, cells).

    Returns ``(evpi, best, standard_error)``: ``best`` is the cell with the highest mean, and
    ``evpi = mean_j (max_c npv[j, c] - npv[j, best])``; the standard error is that mean's
    (the choice of ``best`` taken as known).
    """
    best = int(np.argmax(npv.mean(axis=0)))
    regret = npv.max(axis=1) - npv[:, best]
    se = float(regret.std(ddof=1) / np.sqrt(len(regret))) if len(regret) > 1 else float("nan")
    return float(regret.mean()), best, se


_FINE = 4096
"""Strata (equal-count groups of trials by rank of x) that the regression smoother fits."""


def _spline_basis(z: np.ndarray, knots: int) -> np.ndarray:
    """Cubic regression spline in ``z`` in [0, 1]: ``1, z, z^2, z^3`` and ``(z - k)^3_+`` at
    ``knots`` interior knots spaced evenly (``z`` is a rank score, so these are quantiles of x)."""
    cols = [np.ones_like(z), z, z * z, z**3]
    cols += [np.maximum(z - k, 0.0) ** 3 for k in np.arange(1, knots + 1) / (knots + 1)]
    return np.column_stack(cols)


def _equal_strata(n: int, groups: int) -> np.ndarray:
    """Start positions of ``groups`` (nearly) equal-count groups of ``n`` sorted trials."""
    return np.unique(np.arange(min(n, groups)) * n // min(n, groups))


def _smoother(n: int, knots: int):
    """The regression smoother's fixed part for ``n`` trials: strata starts, the square roots
    of their weights and an orthonormal basis Q of the weighted spline at their rank scores.
    Shared by every continuous input, whose sorted trials fall into the same strata."""
    starts = _equal_strata(n, _FINE)
    counts = np.diff(np.append(starts, n))
    sw = np.sqrt(counts / n)
    q, _ = np.linalg.qr(sw[:, None] * _spline_basis((starts + counts / 2) / n, knots))
    return starts, sw, q


def _value_of_groups(means: np.ndarray, w: np.ndarray) -> float:
    """``sum_g w_g max_c means[g, c] - max_c sum_g w_g means[g, c]`` (weights sum to 1)."""
    return float(max(0.0, w @ means.max(axis=1) - (w @ means).max()))


def _evppi_one(x: np.ndarray, yt: np.ndarray, method: str, bins: int, smoother) -> float:
    """EVPPI of input ``x`` (n,) for per-trial NPVs ``yt`` (cells, n), one row per cell.

    Trials are sorted by x and cut into groups whose mean NPVs estimate ``E[NPV_c | x]``: one
    group per value for a discrete input, ``bins`` groups for binning, and for regression
    4,096 fine strata whose means are then smoothed (weighted least squares on the spline of
    the rank score plus a linear term in x, from ``smoother``). Group sums are bincounts over
    each trial's group id, so the NPV matrix is never reordered.
    """
    n = x.size
    order = np.argsort(x)
    xs = x[order]
    if xs[0] == xs[-1]:
        return 0.0
    change = np.flatnonzero(xs[1:] != xs[:-1]) + 1
    few = change.size + 1 <= _FEW_LEVELS
    if few:
        starts = np.concatenate([[0], change])
    elif method == "binning":
        starts = _equal_strata(n, bins)
    else:
        starts, sw, q = smoother
    counts = np.diff(np.append(starts, n))
    ids = np.empty(n, dtype=np.intp)
    ids[order] = np.repeat(np.arange(starts.size), counts)
    means = np.stack([np.bincount(ids, weights=row, minlength=starts.size) for row in yt], axis=1)
    means /= counts[:, None]
    if method == "binning" or few:
        return _value_of_groups(means, counts / n)
    # Weighted least squares on the strata: fitted = Q Q^T (sw M) / sw, plus the part of x
    # (stratum means, standardised) orthogonal to the spline, so a linear dependence on x is
    # fitted exactly. einsum, not BLAS: for these thin products BLAS threads cost more than
    # they save.
    wm = sw[:, None] * means
    fitted = np.einsum("gp,pc->gc", q, np.einsum("gp,gc->pc", q, wm))
    xm = np.add.reduceat(xs, starts) / counts
    t = sw * (xm - xm @ (sw * sw)) / xs.std()
    r = t - q @ (q.T @ t)
    rr = r @ r
    if rr > 1e-16 * (t @ t):
        fitted += np.outer(r, r @ wm) / rr
    return _value_of_groups(fitted / sw[:, None], sw * sw)


def group_evppi_kernel(x: np.ndarray, npv: np.ndarray) -> float:
    """EVPPI of a group of inputs learnt together, from paired samples ``x`` (n, p) and
    ``npv`` (n, cells): ``E_x[max_c m_c(x)] - max_c E_x[m_c(x)]`` with ``m_c(x) = E[NPV_c |
    x]`` fitted by least squares on a full quadratic basis of the inputs' rank scores
    (intercept, each score, its square and every pairwise product: a fixed-smoothness
    stand-in for the multivariate GAM of Strong et al. 2014).

    The fit is cross-fitted: the trials are split in two halves (odd and even), each half's
    conditional means are predicted from the fit on the other, so the noise of a fit with
    ``1 + 2p + p(p-1)/2`` coefficients does not inflate the value as an in-sample fit would
    (it biases it down slightly instead). Needs ``n`` at least ten times that count.
    """
    x, npv = np.asarray(x, dtype=float), np.asarray(npv, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n, p = x.shape
    keep = [j for j in range(p) if np.ptp(x[:, j]) > 0]
    z = np.column_stack([ndtri((np.argsort(np.argsort(x[:, j])) + 0.5) / n) for j in keep]) if keep else None
    cols = [np.ones(n)]
    if z is not None:
        q = z.shape[1]
        cols += [z[:, j] for j in range(q)] + [z[:, j] ** 2 for j in range(q)]
        cols += [z[:, i] * z[:, j] for i in range(q) for j in range(i + 1, q)]
    basis = np.column_stack(cols)
    if n < 10 * basis.shape[1]:
        raise ValueError(f"{n} trials are too few for a group of {p} inputs (need {10 * basis.shape[1]})")
    fitted = np.empty_like(npv)
    halves = (np.arange(0, n, 2), np.arange(1, n, 2))
    for fit, predict in (halves, halves[::-1]):
        coef, *_ = np.linalg.lstsq(basis[fit], npv[fit], rcond=None)
        fitted[predict] = basis[predict] @ coef
    return float(np.mean(np.max(fitted, axis=1)) - np.max(np.mean(fitted, axis=0)))


def evppi_kernel(x: np.ndarray, npv: np.ndarray, method: str = "regression", bins: int = 50, knots: int = 6) -> float:
    """EVPPI of one input from paired samples ``x`` (n,) and ``npv`` (n, cells).

    ``E[NPV_c | x]`` is estimated for every cell, then ``EVPPI = E_x[max_c m_c(x)] -
    max_c E_x[m_c(x)]`` over the trials. An input with few distinct values (at most 20) is
    grouped by value, which gives exact conditional means. Otherwise:

    - ``"binning"``: ``bins`` equal-count bins of x, means per bin (Sadatsafavi et al. 2013).
      On the same sample the estimate never exceeds the sample EVPI.
    - ``"regression"``: trials are cut into 4,096 equal-count strata by rank of x, and the
      strata's mean NPVs are fitted by weighted least squares on a cubic regression spline
      of the rank score with ``knots`` interior knots plus a linear term in x (a
      fixed-smoothness stand-in for the GAM of Strong et al. 2014). Working on ranks keeps
      heavy tails from bending the spline; the linear term fits a linear dependence (a cost
      amount, say) exactly. The fitted means average back to the sample means (the basis
      has an intercept); where the fit is poor the estimate may exceed the sample EVPI
      slightly.

    Both are biased upwards by the noise in the fitted means, roughly in proportion to
    ``sqrt(bins / n)`` (or ``sqrt((knots + 5) / n)``); an input that does not matter gets a
    small positive value, not zero.
    """
    x, npv = np.asarray(x, dtype=float), np.asarray(npv, dtype=float)
    smoother = _smoother(x.size, knots) if method == "regression" else None
    return _evppi_one(x, np.ascontiguousarray(npv.T), method, bins, smoother)


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EVPI:
    """Expected value of perfect information for the choice of one option x owner cell.

    Attributes
    ----------
    value : EVPI in ``currency``: what a decision maker should at most pay to learn every
        uncertain input before choosing. ``standard_error`` is its Monte Carlo error.
    option, owner : the cell with the highest expected NPV (the choice without information).
    expected_npv : that cell's expected NPV; ``expected_npv_perfect`` is ``E[max_c NPV_c]``,
        the expected NPV when the best cell of every trial could be chosen.
    trials : trials used.
    """

    value: float
    standard_error: float
    currency: str
    option: str
    owner: str
    expected_npv: float
    expected_npv_perfect: float
    trials: int

    def __float__(self) -> float:
        return self.value

    def to_series(self):
        import pandas as pd

        return pd.Series(
            {
                "evpi": self.value,
                "standard_error": self.standard_error,
                "currency": self.currency,
                "option": self.option,
                "owner": self.owner,
                "expected_npv": self.expected_npv,
                "expected_npv_perfect": self.expected_npv_perfect,
                "trials": self.trials,
            }
        )

    def describe(self) -> str:
        from .formatting import money as _money

        return (
            f"Knowing every uncertain input before choosing would be worth up to "
            f"{_money(self.value, self.currency)} (± {_money(self.standard_error, self.currency)} Monte Carlo "
            f"standard error; expected NPV {_money(self.expected_npv_perfect, self.currency)} instead of "
            f"{_money(self.expected_npv, self.currency)} for {self.option}/{self.owner})."
        )


@dataclass(frozen=True, eq=False)
class EVPPI:
    """Per-input expected value of partial perfect information, largest first.

    Attributes
    ----------
    inputs : input paths, ranked by ``values`` (currency).
    evpi : EVPI on the same trials, the ceiling of every EVPPI; ``share`` = ``values / evpi``.
    method : the smoother (see :func:`evppi_kernel`); ``trials`` the trials used.
    """

    inputs: tuple[str, ...]
    values: np.ndarray
    evpi: float
    currency: str
    method: str
    trials: int

    @property
    def share(self) -> np.ndarray:
        return self.values / self.evpi if self.evpi > 0 else np.full(len(self.values), np.nan)

    def to_frame(self):
        """Columns ``input, evppi, share_of_evpi``, largest first."""
        import pandas as pd

        return pd.DataFrame({"input": list(self.inputs), "evppi": self.values, "share_of_evpi": self.share})

    def _repr_html_(self):
        from .formatting import money as _money

        return (
            f"<p>EVPPI per input ({self.method}, {self.trials:,} trials); "
            f"EVPI {_money(self.evpi, self.currency)}</p>"
            + self.to_frame().to_html(index=False, float_format=lambda v: f"{v:,.4g}")
        )


# --- public entry points -----------------------------------------------------------------------


def _check_result(result) -> np.ndarray:
    metrics = getattr(result, "metrics", None)
    if not isinstance(metrics, Mapping) or "npv" not in metrics or not hasattr(result, "layout"):
        raise ScenarioError(f"expected a simulation Result (decision_kit.simulate), got {type(result).__name__}")
    npv = np.asarray(metrics["npv"], dtype=float)
    return npv.reshape(npv.shape[0], -1)


def evpi(result) -> EVPI:
    """Expected value of perfect information over the option x owner grid.

    ``EVPI = E[max over cells of NPV] - max over cells of E[NPV]``, from every trial of
    ``result``, in the scenario's currency: the most it is worth paying to resolve every
    uncertainty before choosing a cell.
    """
    npv = _check_result(result)
    value, best, se = evpi_kernel(npv)
    lay = result.layout
    o, w = divmod(best, len(lay.owners))
    return EVPI(
        value,
        se,
        result.scenario.currency,
        lay.options[o],
        lay.owners[w],
        float(npv[:, best].mean()),
        float(npv.max(axis=1).mean()),
        npv.shape[0],
    )


def _positive(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ScenarioError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return int(value)


def evppi(result, inputs=None, method: str = "regression", *, bins: int | None = None, knots: int = 6) -> EVPPI:
    """Per-input EVPPI from the trials of a simulation, ranked, in currency.

    Parameters
    ----------
    result : a :class:`~decision_kit.results.Result`. Its kept inputs
        (:attr:`Result.inputs`, the first ``min(trials, 100,000)`` trials) are paired with the
        same trials' NPV per cell.
    inputs : input paths to value (default: every input that varies across the trials).
        Impacts of one-off risk events are drawn per year and not kept, so have no EVPPI here.
    method : ``"regression"`` (cubic regression spline; the default) or ``"binning"``
        (equal-count bins); see :func:`evppi_kernel`.
    bins : bins for ``"binning"`` (default ``n // 2000`` clipped to 5..50, about 2,000 trials
        a bin).
    knots : interior knots for ``"regression"``.

    Returns
    -------
    EVPPI
        Each value lies between 0 and (up to estimation noise) the EVPI of the same trials.
    """
    npv = _check_result(result)
    kept = getattr(result, "inputs", None) or {}
    if not kept:
        raise ScenarioError("this result keeps no sampled inputs, so EVPPI cannot be estimated from it")
    if method not in METHODS:
        raise ScenarioError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    knots = _positive("knots", knots, 0)
    n = len(next(iter(kept.values())))
    bins = int(np.clip(n // 2000, 5, 50)) if bins is None else _positive("bins", bins, 2)
    if inputs is None:
        names = [k for k, v in kept.items() if np.ptp(np.asarray(v)) > 0]
    else:
        names = [inputs] if isinstance(inputs, str) else list(inputs)
        known = list(kept)
        for name in names:
            if name not in kept:
                near = difflib.get_close_matches(str(name), known, n=5, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(m) for m in near)}?" if near else ""
                raise ScenarioError(
                    f"'{name}' is not a sampled input of this result{hint} (one-off risk impacts "
                    "are drawn per year and not kept)"
                )
    y = npv[:n]
    total, _, _ = evpi_kernel(y)
    smoother = _smoother(n, knots) if method == "regression" else None
    values = np.empty(len(names))
    yt = np.ascontiguousarray(y.T)  # one contiguous row of trials per cell
    for i, k in enumerate(names):
        values[i] = _evppi_one(np.asarray(kept[k], dtype=float), yt, method, bins, smoother)
    order = np.argsort(-values, kind="stable")
    vals = values[order]
    vals.setflags(write=False)
    return EVPPI(tuple(names[i] for i in order), vals, total, result.scenario.currency, method, n)
