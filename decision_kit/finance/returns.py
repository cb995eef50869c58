"""Rates of return: the internal rate of return (IRR), all IRRs of a series, and the modified IRR.

What this module holds:

- :func:`irr`, the rate at which each series' NPV is zero, chosen where there are several
  as a spreadsheet's IRR chooses it (Newton's method from the guess; the rule is in
  :mod:`~decision_kit.finance.root_choice`); it validates its arguments and solves the
  series in chunks of ``_CHUNK`` rows with the root search of
  :mod:`~decision_kit.finance.irr_roots`;
- :func:`all_irrs` (every real IRR of each series) and :func:`several_irrs` (whether a
  series has more than one);
- :func:`mirr`, negative flows financed at one rate and positive flows reinvested at another;
- :func:`return_summary` and its result :class:`ReturnSummary`: IRR, MIRR and the
  several-IRRs flag together, what a report shows for a series.

Conventions are those of :mod:`decision_kit.finance`: time along the last axis, first flow at
time zero, paid out negative, rates per period as decimal fractions, NaN where there is no
answer.
"""

import operator
from dataclasses import dataclass

import numpy as np

from .irr_roots import nearest_roots, real_roots
from .present_value import npv, rate_array, values_array
from .root_choice import choose_root, newton_from_guess

_CHUNK = 16384  # series solved together (keeps temporaries in cache)
_SAME_ROOT = 1e-6  # all_irrs: growth factors 1 + r closer than this (relative) are one root


def irr(values, *, guess=0.1, tol=1e-12, maxiter=100):
    """Internal rate of return of each series: the rate at which its NPV is zero.

    Solves ``sum(values[..., t] / (1 + irr)**t) = 0`` (numpy-financial convention: the
    first flow is at time zero) for every series along the leading axes at once.

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows, time along the last axis; negative = paid out, positive = received.
    guess : float, optional
        Starting rate of Newton's method, as a spreadsheet's ``IRR(values, guess)`` (whose
        default is also 10 %); it decides which IRR is returned when there are several.
        Must be above -1.
    tol : float, optional
        Convergence tolerance, relative to the growth factor ``1 + irr``.
    maxiter : int, optional
        Maximum number of Newton steps (from the guess, and again inside each bracket of
        the certified search below).

    Returns
    -------
    float or ndarray of shape ``values.shape[:-1]``
        IRR per period as a decimal fraction (0.1 = 10 %), always above -1. NaN where no
        IRR exists: no sign change in the series, all flows zero, fewer than two flows,
        a series whose NPV never reaches zero, or non-finite flows.

    Raises
    ------
    ValueError
        If ``guess`` is not above -1, ``tol`` is not positive or ``maxiter`` below 1.

    Notes
    -----
    **Several IRRs.** A series whose sign changes more than once can have several rates
    with zero NPV; :func:`all_irrs` lists them and :func:`several_irrs` flags such series
    (show :func:`mirr` next to the IRR for them, see :func:`return_summary`). This
    function returns the one a spreadsheet's IRR returns from the same guess:

    1. the root Newton's method converges to from ``guess`` (plain steps
       ``r -= npv(r) / npv'(r)``, no iterate at or below -1, at most ``maxiter`` steps);
    2. where Newton does not converge (where a spreadsheet shows ``#NUM!``), the nearest
       root on the side of the guess that Newton's first step heads for (above the guess
       when the NPV and its slope there differ in sign), else the nearest on the other
       side.

    numpy-financial's later releases agree on their cases gh-39 (0.12) and gh-44 (1.00426)
    below; numpy-financial 1.0.0 returned the root nearest zero (-0.018 and -0.9998 there).
    The root nearest the guess is not the same rule: for a profitable project with an exit
    cost the guess usually lies between a root near -100 % and the economic IRR, and
    Newton's direction, not the distance, decides.

    **Method.** The series are discounted at the guess, so that the guess is rate zero
    (Newton's iteration is unchanged). Newton's method runs on all series together. For
    rule 2, the NPV polynomial's roots nearest the guess on each side are certified on a
    grid (cells proven root-free or holding one root, subdivided where needed) and
    polished by safeguarded Newton inside their bracket; series whose roots cannot be
    separated (near-double roots) fall back to companion-matrix eigenvalues.

    Examples
    --------
    Series with one IRR (the examples of numpy-financial's documentation):

    >>> round(float(irr([-100, 39, 59, 55, 20])), 5)
    0.28095
    >>> round(float(irr([-100, 0, 0, 74])), 5)
    -0.0955
    >>> round(float(irr([-100, 100, 0, 7])), 5)
    0.06206

    numpy-financial's gh-44 (Google Sheets gives 1.00426): a profitable project with an exit
    cost of 1, whose other IRR is -99.98 %:

    >>> round(float(irr([-1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1])), 5)
    1.00427
    >>> all_irrs([-1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1]).round(5)[:2]
    array([-0.99979,  1.00427])

    The guess decides among several IRRs (here 10 % and 20 %):

    >>> round(float(irr([-100, 230, -132])), 6), round(float(irr([-100, 230, -132], guess=0.3)), 6)
    (0.1, 0.2)

    Vectorised over leading axes; NaN where there is no IRR:

    >>> irr([[-100, 110], [-100, 121 / 1.1], [100, 10]]).round(6)
    array([0.1, 0.1, nan])
    """
    v = values_array(values)
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
            out[start : start + _CHUNK] = _irr_chunk(rows[start : start + _CHUNK], float(guess), tol, maxiter)
    return out.reshape(lead)[()]


def _irr_chunk(V, guess, tol, maxiter):
    """IRR of each row of a 2-D array by the rule of :func:`irr` (no argument checks)."""
    finite = np.isfinite(V).all(axis=1)
    t = np.arange(V.shape[1], dtype=float)
    W = np.where(finite[:, None], V, 0.0) * (1.0 + guess) ** -t  # the guess becomes rate 0
    newton = newton_from_guess(W, t, tol, maxiter)
    fail = np.flatnonzero(np.isnan(newton))  # only these need the certified roots
    above, below = np.full_like(newton, np.nan), np.full_like(newton, np.nan)
    above[fail], below[fail] = nearest_roots(W[fail], tol, maxiter)
    s = choose_root(newton, above, below, W, t)
    return guess + (1.0 + guess) * s  # 1 + r = (1 + guess)(1 + s)


def all_irrs(values):
    """Every IRR of each series: all real rates above -1 at which its NPV is zero.

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows, time along the last axis, first flow at time zero.

    Returns
    -------
    ndarray of shape (..., max(T - 1, 0))
        Each series' distinct IRRs in ascending order, padded with NaN (a series of ``T``
        flows has at most ``T - 1``). A double root is listed once.

    Notes
    -----
    Roots of the NPV polynomial from the eigenvalues of its companion matrix (as
    ``np.roots``), each polished by Newton steps. An eigenvalue counts as real when its
    imaginary part is below 1e-6 of its modulus, and roots whose growth factors ``1 + r``
    agree to 1e-6 (relative) count as one: that is how a double root comes out, and it
    also merges two distinct roots that close.

    Examples
    --------
    >>> all_irrs([-100, 230, -132]).round(12)
    array([0.1, 0.2])
    >>> all_irrs([[-100, 110, 0], [100, 10, 5], [-100, 210, -110.25]]).round(6)
    array([[0.1 ,  nan],
           [ nan,  nan],
           [0.05,  nan]])
    """
    v = values_array(values)
    lead, T = v.shape[:-1], v.shape[-1]
    rates = np.sort(real_roots(v.reshape(int(np.prod(lead)), T)), axis=1)
    growth = 1.0 + rates
    repeat = np.zeros(rates.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        repeat[:, 1:] = np.abs(growth[:, 1:] - growth[:, :-1]) <= _SAME_ROOT * growth[:, 1:]
    rates = np.sort(np.where(repeat, np.nan, rates), axis=1)
    return rates.reshape(*lead, rates.shape[1])


def several_irrs(values):
    """Whether each series has more than one IRR (distinct real roots above -1, see :func:`all_irrs`).

    Counts roots, not sign changes: ``[-1, 1, -1]`` changes sign twice and has none.

    >>> several_irrs([[-100, 230, -132], [-100, 110, 0], [-1, 1, -1]])
    array([ True, False, False])
    """
    return (~np.isnan(all_irrs(values))).sum(axis=-1) >= 2


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
    several IRRs (see :func:`irr`, :func:`several_irrs` and :func:`return_summary`).

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
    v = values_array(values)
    fr = rate_array(finance_rate, "finance_rate")
    rr = rate_array(reinvest_rate, "reinvest_rate")
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


@dataclass(frozen=True)
class ReturnSummary:
    """IRR, MIRR and the several-IRRs flag of cash-flow series, as :func:`return_summary` returns them.

    Attributes
    ----------
    irr : float or ndarray
        :func:`irr` from the guess.
    mirr : float or ndarray
        :func:`mirr` at the finance and reinvestment rates.
    irr_count : int or ndarray
        Number of distinct IRRs (:func:`all_irrs`).
    """

    irr: float | np.ndarray
    mirr: float | np.ndarray
    irr_count: int | np.ndarray

    @property
    def several_irrs(self):
        """Whether the series has more than one IRR: show the MIRR next to the IRR."""
        return np.asarray(self.irr_count) >= 2


def return_summary(values, finance_rate, reinvest_rate=None, *, guess=0.1):
    """IRR, MIRR and whether a series has several IRRs, for a report.

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows, time along the last axis, first flow at time zero.
    finance_rate : float or array_like
        Rate for the MIRR's negative flows, per period (above -1); usually the discount rate.
    reinvest_rate : float or array_like, optional
        Rate for the MIRR's positive flows; ``finance_rate`` when omitted.
    guess : float, optional
        Starting rate of :func:`irr`.

    Returns
    -------
    ReturnSummary

    Examples
    --------
    >>> s = return_summary([-100, 230, -132], 0.08)
    >>> round(float(s.irr), 6), round(float(s.mirr), 6), int(s.irr_count), bool(s.several_irrs)
    (0.1, 0.079479, 2, True)
    """
    rr = finance_rate if reinvest_rate is None else reinvest_rate
    count = (~np.isnan(all_irrs(values))).sum(axis=-1)
    return ReturnSummary(irr(values, guess=guess), mirr(values, finance_rate, rr), count[()])
