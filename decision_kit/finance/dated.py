"""Flows on calendar dates: XNPV and XIRR, actual/365 as spreadsheets compute them.

What this module holds:

- :func:`year_fractions`, the time of each flow in years from the first date
  (actual days / 365);
- :func:`xnpv`, the present value at the first date, and :func:`xirr`, the annual rate at
  which it is zero, chosen where there are several as a spreadsheet's XIRR chooses it (see
  :mod:`~decision_kit.finance.root_choice`), with ``_nearest_dated_roots``, the grid search
  behind that choice.

Conventions are those of :mod:`decision_kit.finance` (paid out negative, NaN where there is
no answer), except time: ``dates[..., i]`` is the date of ``values[..., i]``, the **first
date is time zero** (its flow is not discounted) and rates are **annual**, compounded over
``days / 365`` years as Excel's and LibreOffice's ``XNPV``/``XIRR`` do (a leap year's extra
day counts as 1/365 of a year).
"""

import operator

import numpy as np

from .present_value import rate_array, values_array
from .root_choice import choose_root, newton_from_guess

_GRID = 128  # grid cells per side of the guess in the fallback root search
_BISECT = 80  # bisection steps on a bracketing cell (width 1/_GRID * 2**-80: below rounding)


def year_fractions(dates):
    """Years from the first date, actual days / 365: ``(dates - dates[..., 0]) / 365``.

    Parameters
    ----------
    dates : array_like of shape (..., T)
        Dates (``datetime.date``, ``numpy.datetime64`` or ISO strings such as
        ``"2008-01-01"``) or day numbers (spreadsheet serial dates).

    Returns
    -------
    ndarray of shape (..., T)
        Times in years, 0 for the first date.

    Raises
    ------
    ValueError
        If ``dates`` has no time axis, holds NaT or NaN, or a date precedes the first one
        (as spreadsheets' XNPV/XIRR reject).

    Examples
    --------
    >>> year_fractions(["2008-01-01", "2008-03-01", "2009-01-01"]).round(6)
    array([0.      , 0.164384, 1.00274 ])
    """
    d = np.asarray(dates)
    if d.ndim == 0:
        raise ValueError("dates must have a time axis (the last axis); got a scalar")
    if d.dtype.kind in "iuf":
        days = d.astype(float)
    else:
        stamp = d.astype("datetime64[D]")
        days = np.where(np.isnat(stamp), np.nan, stamp.astype(np.int64).astype(float))
    if d.shape[-1] == 0:
        return days
    t = (days - days[..., :1]) / 365.0
    if np.isnan(t).any():
        raise ValueError("dates must not hold NaT or NaN")
    if (t < 0).any():
        raise ValueError("no date may precede the first date (time zero)")
    return t


def _flows_and_times(values, dates):
    v = values_array(values)
    t = year_fractions(dates)
    if t.shape[-1] != v.shape[-1]:
        raise ValueError(f"values and dates must have the same length; got {v.shape[-1]} and {t.shape[-1]}")
    return v, t


def xnpv(rate, values, dates):
    """Net present value at the first date of flows on calendar dates, as a spreadsheet's XNPV.

    ``xnpv = sum(values[..., i] / (1 + rate)**((dates[..., i] - dates[..., 0]) / 365))``.

    Parameters
    ----------
    rate : float or array_like
        Annual discount rate (decimal fraction, above -1). Broadcasts against the leading
        axes of ``values`` and ``dates``.
    values : array_like of shape (..., T)
        Cash flows; negative = paid out, positive = received.
    dates : array_like of shape (T,) or (..., T)
        Date of each flow (see :func:`year_fractions`); the first is time zero.

    Returns
    -------
    float or ndarray
        Present value at the first date, in the currency of ``values``.

    Raises
    ------
    ValueError
        If a rate is at or below -1, lengths differ, or a date precedes the first.

    Notes
    -----
    Unlike a spreadsheet's ``NPV``, the first flow is not discounted (spreadsheets' ``XNPV``
    agrees). With dates exactly 365 days apart, ``xnpv(r, v, d) == npv(r, v)``.

    Examples
    --------
    The example of Microsoft's XNPV documentation (result 2086.65):

    >>> dates = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(float(xnpv(0.09, [-10_000, 2750, 4250, 3250, 2750], dates)), 2)
    2086.65
    """
    r = rate_array(rate)
    v, t = _flows_and_times(values, dates)
    with np.errstate(over="ignore"):
        return (v * (1.0 + r[..., None]) ** -t).sum(axis=-1)[()]


def xirr(values, dates, guess=0.1, *, tol=1e-12, maxiter=100):
    """Annual internal rate of return of flows on calendar dates, as a spreadsheet's XIRR.

    The annual rate at which :func:`xnpv` is zero, for every series along the leading axes.

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows; negative = paid out, positive = received.
    dates : array_like of shape (T,) or (..., T)
        Date of each flow (see :func:`year_fractions`); the first is time zero.
    guess : float, optional
        Starting rate of Newton's method (a spreadsheet's default is 10 %); it decides
        which rate is returned when there are several. Must be above -1.
    tol : float, optional
        Convergence tolerance, relative to the growth factor ``1 + xirr``.
    maxiter : int, optional
        Maximum number of Newton steps.

    Returns
    -------
    float or ndarray of shape ``broadcast(values, dates).shape[:-1]``
        Annual rate as a decimal fraction, above -1; NaN where none is found (no sign
        change, non-finite flows, fewer than two flows).

    Raises
    ------
    ValueError
        If ``guess``, ``tol`` or ``maxiter`` is out of range, lengths differ, or a date
        precedes the first.

    Notes
    -----
    The rate is chosen by the rule of :func:`~decision_kit.finance.irr`: the root Newton's
    method converges to from ``guess``; where it does not converge, the nearest root on
    the side its first step heads for (else the other side). That fallback brackets roots
    on a grid of ``_GRID`` cells per side, so two roots within one cell (within about 1 %
    of each other in the growth factor near the guess) are missed as a pair. With dates
    exactly 365 days apart, ``xirr(v, d) == irr(v)`` up to rounding.

    Examples
    --------
    The example of Microsoft's XIRR documentation (Excel shows 0.373362535, accurate to
    its stated 0.000001 %; the root itself is 0.37336253352):

    >>> dates = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
    >>> round(float(xirr([-10_000, 2750, 4250, 3250, 2750], dates)), 8)
    0.37336253
    """
    v, t = _flows_and_times(values, dates)
    if not guess > -1:
        raise ValueError(f"guess must be above -1; got {guess!r}")
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    maxiter = operator.index(maxiter)
    if maxiter < 1:
        raise ValueError(f"maxiter must be at least 1; got {maxiter}")
    shape = np.broadcast_shapes(v.shape, t.shape)
    lead, T = shape[:-1], shape[-1]
    V = np.broadcast_to(v, shape).reshape(-1, T)
    Tm = np.broadcast_to(t, shape).reshape(-1, T)
    out = np.full(V.shape[0], np.nan)
    if T >= 2 and V.shape[0]:
        g = float(guess)
        finite = np.isfinite(V).all(axis=1)
        with np.errstate(over="ignore", under="ignore"):
            W = np.where(finite[:, None], V, 0.0) * (1.0 + g) ** -Tm  # the guess becomes rate 0
        newton = newton_from_guess(W, Tm, tol, maxiter)
        fail = np.flatnonzero(np.isnan(newton))
        above, below = np.full_like(newton, np.nan), np.full_like(newton, np.nan)
        above[fail], below[fail] = _nearest_dated_roots(W[fail], Tm[fail])
        out = g + (1.0 + g) * choose_root(newton, above, below, W, Tm)
    return out.reshape(lead)[()]


def _nearest_dated_roots(W, t):
    """Rates ``s`` nearest 0 at or above it and at or below it where ``sum(W * (1+s)**-t) = 0``.

    Both sides are searched on z in [0, 1], where powers cannot overflow: above, z = 1/(1+s)
    and the NPV is ``sum(W * z**t)``; below, z = 1+s and the NPV times ``z**max(t)`` is
    ``sum(W * z**(max(t) - t))``. The top grid cell where the sign changes is bisected.
    """
    top = t.max(axis=1, keepdims=True) if t.size else t
    sides = []
    for expo, to_rate in ((t, lambda z: 1.0 / z - 1.0), (top - t, lambda z: z - 1.0)):
        value = lambda z, e=expo: (W * z[:, None] ** e).sum(axis=1)
        k = W.shape[0]
        grid = np.stack([value(np.full(k, j / _GRID)) for j in range(_GRID + 1)], axis=1)
        # at z = 0 use the sign of the limit z -> 0+: the terms of the lowest power present
        low = np.where(W != 0, expo, np.inf).min(axis=1, keepdims=True)
        grid[:, 0] = np.where(expo == low, W, 0.0).sum(axis=1)
        cross = (grid[:, :-1] * grid[:, 1:] <= 0) & ((grid[:, :-1] != 0) | (grid[:, 1:] != 0))
        has = cross.any(axis=1)
        j = _GRID - 1 - np.argmax(cross[:, ::-1], axis=1)
        lo, hi = j / _GRID, (j + 1) / _GRID
        f_hi = grid[np.arange(k), j + 1]
        for _ in range(_BISECT):
            mid = 0.5 * (lo + hi)
            f_mid = value(mid)
            upper = (f_mid == 0) | ((f_mid > 0) == (f_hi > 0)) & (f_hi != 0)
            hi, f_hi = np.where(upper, mid, hi), np.where(upper, f_mid, f_hi)
            lo = np.where(upper, lo, mid)
        z = np.where(f_hi == 0, hi, 0.5 * (lo + hi))
        with np.errstate(divide="ignore"):
            sides.append(np.where(has & (z > 0), to_rate(z), np.nan))
    return sides[0], sides[1]
