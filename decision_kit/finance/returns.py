"""Rates of return: the internal rate of return (IRR) and the modified IRR (MIRR).

What this module holds:

- :func:`irr`, the rate at which each series' NPV is zero (the one closest to zero where
  there are several, as numpy-financial 1.0.0); it validates its arguments and solves the
  series in chunks of ``_CHUNK`` rows with the root search of
  :mod:`~decision_kit.finance.irr_roots`;
- :func:`mirr`, negative flows financed at one rate and positive flows reinvested at another.

Conventions are those of :mod:`decision_kit.finance`: time along the last axis, first flow at
time zero, paid out negative, rates per period as decimal fractions, NaN where there is no
answer.
"""

import operator

import numpy as np

from .irr_roots import _irr_rows
from .present_value import _rate_array, _values_array, npv

_CHUNK = 16384  # series solved together (keeps temporaries in cache)


def irr(values, *, guess=0.1, tol=1e-12, maxiter=100):
    """Internal rate of return of each series: the rate at which its NPV is zero.

    Solves ``sum(values[..., t] / (1 + irr)**t) = 0`` (numpy-financial convention: the
    first flow is at time zero) for every series along the leading axes at once.

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows, time along the last axis; negative = paid out, positive = received.
    guess : float, optional
        Accepted for compatibility with Newton-type IRR functions and checked to be above
        -1, but the result does not depend on it: the root is chosen by the rule below,
        not by proximity to a starting point.
    tol : float, optional
        Convergence tolerance of the final Newton polish, relative to the growth factor:
        iteration stops once a step changes ``1 + irr`` by at most ``tol * (1 + irr)``.
    maxiter : int, optional
        Maximum number of safeguarded Newton steps per root; a series that has not
        converged by then gets NaN.

    Returns
    -------
    float or ndarray of shape ``values.shape[:-1]``
        IRR per period as a decimal fraction (0.1 = 10 %), always above -1. NaN where no
        IRR exists: no sign change in the series, all flows zero, fewer than two flows,
        a series whose NPV never reaches zero, or non-finite flows.

    Notes
    -----
    **Several IRRs.** A series whose sign changes more than once can have several rates
    with zero NPV. This function returns the same one as numpy-financial 1.0.0: among
    all real roots ``x > 0`` of ``sum(values[t] * x**t)`` (that is all rates above -1),
    the rate **closest to zero**. Such a root may be far from any economically meaningful
    rate (even close to -100 %); prefer :func:`mirr` or the NPV at the firm's rate for
    these series. Exact ties (``+r`` and ``-r`` both roots) return the positive rate.
    Tangent (double) roots count as roots here, whereas numpy-financial may drop them when
    its eigenvalue solver returns them as a complex pair with a tiny imaginary part.

    **Method.** All series are solved together: the NPV is evaluated on a grid of growth
    factors, grid cells are certified root-free or holding exactly one root (cells that
    cannot be certified are subdivided), and the root nearest zero is polished by a
    safeguarded Newton iteration inside its bracket. Series whose roots cannot be
    separated this way (near-double roots) fall back to the eigenvalues of the companion
    matrix, as ``np.roots`` computes them. The answer agrees with numpy-financial to
    about 1e-12 on well-scaled series and is usually more accurate where they differ.

    Examples
    --------
    The examples of numpy-financial's documentation:

    >>> round(float(irr([-100, 39, 59, 55, 20])), 5)
    0.28095
    >>> round(float(irr([-100, 0, 0, 74])), 5)
    -0.0955
    >>> round(float(irr([-100, 100, 0, -7])), 5)
    -0.0833
    >>> round(float(irr([-100, 100, 0, 7])), 5)
    0.06206
    >>> round(float(irr([-5, 10.5, 1, -8, 1])), 5)
    0.0886

    Vectorised over leading axes; NaN where there is no IRR:

    >>> irr([[-100, 110], [-100, 121 / 1.1], [100, 10]]).round(6)
    array([0.1, 0.1, nan])
    """
    v = _values_array(values)
    if not guess > -1:
        raise ValueError(f"guess must be above -1; got {guess!r}")
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    maxiter = operator.index(maxiter)
    if maxiter < 1:
        raise ValueError(f"maxiter must be at least 1; got {maxiter}")
    lead, T = v.shape[:-1], v.shape[-1]
    rows = v.reshape(int(np.prod(lead)), T)
    out = np.full(rows.shape[0], np.nan)
    if T >= 2:
        for start in range(0, rows.shape[0], _CHUNK):  # chunks keep temporaries in cache
            out[start : start + _CHUNK] = _irr_rows(rows[start : start + _CHUNK], tol, maxiter)
    return out.reshape(lead)[()]


def mirr(values, finance_rate, reinvest_rate):
    """Modified internal rate of return, numpy-financial convention.

    Negative flows are discounted to time zero at ``finance_rate``, positive flows are
    compounded to the last period at ``reinvest_rate``, and the MIRR is the rate that
    turns the first into the second over ``T - 1`` periods::

        mirr = (|npv(reinvest_rate, positive flows)| / |npv(finance_rate, negative flows)|)
               ** (1 / (T - 1)) * (1 + reinvest_rate) - 1

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows, time along the last axis, first flow at time zero.
    finance_rate : float or array_like
        Rate paid on money borrowed to fund the negative flows, per period (above -1).
    reinvest_rate : float or array_like
        Rate earned on reinvested positive flows, per period (above -1).
        Both rates broadcast against ``values.shape[:-1]``.

    Returns
    -------
    float or ndarray
        MIRR per period; NaN where a series lacks a positive or a negative flow, has fewer
        than two periods, or contains NaN.

    Raises
    ------
    ValueError
        If a rate is at or below -1.

    Notes
    -----
    Unlike the IRR, the MIRR is unique, so it is the safer figure for series with
    several sign changes (see :func:`irr`).

    Examples
    --------
    Invest 100 now, receive 50 and 60 at the end of periods 1 and 2, both rates 10 %:
    the inflows are worth 50 * 1.1 + 60 = 115 at the end of period 2, so the MIRR is
    ``(115 / 100) ** (1 / 2) - 1``:

    >>> round(float(mirr([-100, 50, 60], 0.1, 0.1)), 6)
    0.072381
    >>> mirr([[-100, 50, 60], [100, 50, 60]], 0.1, 0.1)
    array([0.07238053,        nan])
    """
    v = _values_array(values)
    fr = _rate_array(finance_rate, "finance_rate")
    rr = _rate_array(reinvest_rate, "reinvest_rate")
    T = v.shape[-1]
    shape = np.broadcast_shapes(fr.shape, rr.shape, v.shape[:-1])
    if T < 2:
        return np.full(shape, np.nan)[()]
    numer = np.abs(npv(rr, np.where(v > 0, v, 0.0)))
    denom = np.abs(npv(fr, np.where(v < 0, v, 0.0)))
    defined = (v > 0).any(axis=-1) & (v < 0).any(axis=-1) & ~np.isnan(v).any(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (numer / denom) ** (1.0 / (T - 1)) * (1.0 + rr) - 1.0
    return np.where(defined, out, np.nan)[()]
