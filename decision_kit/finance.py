"""Finance kernels: discount factors, NPV, IRR, MIRR and payback period.

Plain numpy functions, vectorised like ufuncs; this module imports nothing but numpy.

Conventions, followed by every function here:

- Cash flows lie along the **last axis** of ``values``; all leading axes (trials, options,
  owners, ...) are independent series. ``values[..., t]`` is the net flow at the end of
  period ``t``, and ``values[..., 0]`` is at time zero (the decision date): it is **not**
  discounted. This is numpy-financial's convention, not a spreadsheet's (see :func:`npv`).
- Sign: money paid out (costs, investment) is negative, money received is positive.
- Rates are per period (the spacing of the time axis) and are decimal fractions:
  ``0.08`` means 8 %. A nominal rate belongs with nominal flows and a real rate with real
  flows; nothing here converts between them. A rate must be above -1 (-100 %): a lower
  rate has no discount factor and raises ``ValueError``.
- A rate argument broadcasts against the leading axes of ``values``
  (shape ``values.shape[:-1]``), so one call can evaluate many rates on many series.
- Where a quantity does not exist for a series (IRR without a sign change, payback that
  never happens, MIRR without both signs, non-finite input) the result is NaN, never an
  exception.
"""

import operator

import numpy as np

__all__ = ["discount_factors", "npv", "irr", "mirr", "payback"]


def _rate_array(rate, name="rate"):
    """Rate as a float array, rejecting rates at or below -100 %."""
    r = np.asarray(rate, dtype=float)
    bad = r <= -1.0
    if np.any(bad):
        raise ValueError(f"{name} must be above -1 (-100 %) per period; got {r[bad].flat[0]!r}")
    return r


def _values_array(values):
    """Cash flows as a float array with a time axis (the last one)."""
    v = np.asarray(values, dtype=float)
    if v.ndim == 0:
        raise ValueError("values must have a time axis (the last axis); got a scalar")
    return v


def discount_factors(rate, periods):
    """Discount factors ``1 / (1 + rate)**t`` for ``t = 0, ..., periods - 1``.

    Parameters
    ----------
    rate : float or array_like of shape (...)
        Discount rate per period, as a decimal fraction (0.08 = 8 %); must be above -1.
    periods : int
        Number of periods (length of the time axis), at least 0.

    Returns
    -------
    ndarray of shape (..., periods)
        Factor for a flow at the end of period ``t``; the factor for ``t = 0`` (now) is 1.

    Raises
    ------
    ValueError
        If any rate is at or below -1, or ``periods`` is negative.

    Examples
    --------
    >>> discount_factors(0.10, 3)
    array([1.        , 0.90909091, 0.82644628])
    >>> discount_factors([0.0, 1.0], 3)
    array([[1.  , 1.  , 1.  ],
           [1.  , 0.5 , 0.25]])
    """
    r = _rate_array(rate)
    periods = operator.index(periods)
    if periods < 0:
        raise ValueError(f"periods must be at least 0; got {periods}")
    t = np.arange(periods)
    return 1.0 / (1.0 + r[..., None]) ** t


def npv(rate, values):
    """Net present value of cash-flow series, numpy-financial convention.

    ``npv = sum(values[..., t] / (1 + rate)**t for t = 0 .. T-1)``: the first flow is at
    time zero and is not discounted.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per period (decimal fraction, above -1). Broadcasts against
        ``values.shape[:-1]``.
    values : array_like of shape (..., T)
        Cash flows, time along the last axis; negative = paid out, positive = received.

    Returns
    -------
    float or ndarray of shape ``broadcast(rate.shape, values.shape[:-1])``
        NPV in the currency of ``values`` at time zero.

    Raises
    ------
    ValueError
        If any rate is at or below -1, or ``values`` is a scalar.

    Notes
    -----
    **This is not a spreadsheet's NPV.** Excel's and LibreOffice's ``NPV(rate, v1, ...,
    vn)`` discount the *first* value by one full period (all flows at period ends,
    starting one period from now). To convert:

    - spreadsheet ``NPV(rate, v1..vn)`` equals ``npv(rate, [0, v1, ..., vn])``, which is
      also ``npv(rate, [v1, ..., vn]) / (1 + rate)``;
    - the usual spreadsheet idiom ``v0 + NPV(rate, v1..vn)`` equals
      ``npv(rate, [v0, v1, ..., vn])``.

    The sum is evaluated by Horner's rule, one multiply-add per period over whole arrays
    (no matrix product, so no BLAS threads are started).

    Examples
    --------
    The example from numpy-financial's documentation: invest 40 000 now, receive
    5 000, 8 000, 12 000 and 30 000 at the end of the next four periods, at 8 %:

    >>> round(float(npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000])), 5)
    3065.22267

    The spreadsheet formula ``=NPV(8%, 5000, 8000, 12000, 30000) - 40000`` gives the same.
    Many rates and many series at once (rates broadcast against the leading axes):

    >>> flows = [[-100, 60, 60], [-100, 0, 130]]
    >>> npv([[0.0], [0.1]], flows).round(4)
    array([[20.    , 30.    ],
           [ 4.1322,  7.438 ]])
    """
    r = _rate_array(rate)
    v = _values_array(values)
    shape = np.broadcast_shapes(r.shape, v.shape[:-1])
    T = v.shape[-1]
    if T == 0:
        return np.zeros(shape)[()]
    d = 1.0 / (1.0 + r)
    acc = np.array(np.broadcast_to(v[..., T - 1], shape))
    for t in range(T - 2, -1, -1):
        acc *= d
        acc += v[..., t]
    return acc[()]


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


def payback(values, *, rate=None):
    """Payback period: when the cumulative cash flow first climbs back to zero.

    Let ``C[t]`` be the cumulative flow up to and including period ``t`` (discounted flows
    ``values[t] / (1 + rate)**t`` when ``rate`` is given). The payback period is found
    at the first ``t >= 1`` with ``C[t-1] < 0 <= C[t]``, interpolated linearly inside
    that period, which assumes period ``t``'s flow arrives evenly over it::

        payback = (t - 1) + (-C[t-1]) / (C[t] - C[t-1])

    It is measured in periods from time zero (``values[..., 0]`` is at time zero).

    Parameters
    ----------
    values : array_like of shape (..., T)
        Cash flows, time along the last axis, first flow at time zero.
    rate : float or array_like, optional
        Discount rate per period (above -1). If given, computes the discounted payback
        period. Broadcasts against ``values.shape[:-1]``.

    Returns
    -------
    float or ndarray
        Payback period in periods (fractional). 0.0 where the cumulative flow is
        never negative; NaN where it is negative at some point and never climbs back to
        zero within the series, or where the series contains NaN.

    Raises
    ------
    ValueError
        If a rate is at or below -1.

    Notes
    -----
    Only the *first* return to zero counts: if the cumulative flow later falls below
    zero again (a late upgrade or exit cost), the payback period is unchanged. Check the
    final cumulative flow (or the NPV) for such series.

    Examples
    --------
    Cumulative -100, -70, -30, 20: paid back in period 3, after 30 of its 50:

    >>> float(payback([-100, 30, 40, 50]))
    2.6

    Discounted at 10 %: the flows are -100, 54.55, 49.59 (cumulative -100, -45.45, 4.13),
    so payback = 1 + 45.45 / 49.59 = 1 + 11/12:

    >>> round(float(payback([-100, 60, 60], rate=0.1)), 6)
    1.916667
    >>> payback([[-100, 30, 40, 50], [10, 20, 30, 40], [-100, 10, 10, 10]])
    array([2.6, 0. , nan])
    """
    v = _values_array(values)
    T = v.shape[-1]
    if rate is None:
        d = None
        shape = v.shape[:-1]
    else:
        r = _rate_array(rate)
        d = 1.0 / (1.0 + r)
        shape = np.broadcast_shapes(r.shape, v.shape[:-1])
    cum = np.zeros(shape)
    factor = np.ones(() if d is None else d.shape)
    out = np.full(shape, np.nan)
    found = np.zeros(shape, dtype=bool)
    ever_negative = np.zeros(shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(T):
            flow = v[..., t] * factor if d is not None else v[..., t]
            new = cum + flow
            cross = (cum < 0) & (new >= 0) & ~found
            out = np.where(cross, (t - 1) - cum / flow, out)
            found |= cross
            ever_negative |= new < 0
            cum = new
            if d is not None:
                factor = factor * d
    out = np.where(~found & ~ever_negative, 0.0, out)
    out = np.where(np.isnan(cum), np.nan, out)
    return out[()]


# --------------------------------------------------------------------------------------
# IRR
#
# NPV as a polynomial: with x = 1/(1+r), npv = p(x) = sum v_t x^t, and a rate r > -1 is an
# IRR exactly when x > 0 is a root of p. numpy-financial 1.0.0 takes all real positive roots
# from np.roots and returns the rate closest to zero, that is the largest root x in (0, 1]
# (rates >= 0) or the smallest root x in [1, inf) (rates <= 0), whichever rate is smaller in
# magnitude. The search is split into two halves, both on z in (0, 1] so that powers never
# overflow, and in each half we want the root nearest z = 1:
#   x-half: p(z) = sum v_t z^t,        z = 1/(1+r), rates r >= 0  (r = 1/z - 1)
#   y-half: q(z) = sum v_t z^(T-1-t),  z = 1+r,     rates r <= 0  (r = z - 1)
# A half known to hold exactly one root (the series changes sign once, or Descartes' bound
# for (0, 1) is 1) only needs the grid cell where the NPV changes sign. Otherwise each grid
# cell (midpoint m, half width h) is classified by Taylor's theorem:
#   FREE     no root:  |p(m)| > |p'(m)| h + |p''(m)| h^2/2 + M3 h^3/6
#   ONE      exactly one root: the end values differ in sign and p' cannot vanish,
#            |p'(m)| > |p''(m)| h + M3 h^2/2
#   UNKNOWN  anything else: the cell is split and its parts classified (depth-limited)
# where M3 = sum k(k-1)(k-2)|c_k| b^(k-3) bounds |p'''| on the cell (b: its right end), with
# a margin for rounding. The root nearest z = 1 lies in the first non-FREE cell scanning
# down from z = 1 and is polished by safeguarded Newton inside that cell. Series whose cells
# cannot be certified (near-double roots) fall back to companion-matrix eigenvalues, as
# np.roots computes them. Grid evaluations are matrix products done by einsum, not BLAS,
# whose threads would compete with a caller's worker threads.
# --------------------------------------------------------------------------------------

_CHUNK = 16384  # series solved together (keeps temporaries in cache)
_GRID_SINGLE = 16  # grid cells per half known to hold exactly one root
_GRID = 32  # grid cells per half otherwise
_SPLIT = 8  # subcells per refinement
_MAX_DEPTH = 6  # refinements before falling back to eigenvalues: cells of 1/32/8**6 ~ 1e-7
_FREE, _ONE, _UNKNOWN, _FAIL = 0, 1, 2, 3
_EPS = np.finfo(float).eps
_IMAG_TOL = 1e-6  # eigenvalue fallback: |imag| <= tol * |root| counts as real (double roots)


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


def _irr_rows(V, tol, maxiter):
    """IRR of each row of a 2-D array (rows are series)."""
    finite = np.isfinite(V).all(axis=1)
    V = np.where(finite[:, None], V, 0.0)  # non-finite rows: no sign change, so NaN
    out = np.full(V.shape[0], np.nan)
    changes, first = _sign_changes(V)
    total = V.sum(axis=1)
    out[(changes >= 1) & (total == 0)] = 0.0  # rate 0 is a root, and none is closer to zero
    rows = np.flatnonzero((changes >= 1) & (total != 0))  # no sign change: no root (Descartes)
    if rows.size == 0:
        return out
    W = V[rows] / np.abs(V[rows]).max(axis=1, keepdims=True)
    p1 = W.sum(axis=1)  # NPV at rate 0, the top end of both halves
    single = changes[rows] == 1
    # One sign change: exactly one positive root. Its rate is positive (x-half) when the
    # NPV at rate 0 and the first flow (the NPV as the rate grows without bound) differ in sign.
    root_in_x = np.sign(p1) != first[rows]
    m = rows.size
    C = np.concatenate([_drop_low_zeros(W), _drop_low_zeros(W[:, ::-1])])  # x-half, y-half
    p1 = np.concatenate([p1, p1])
    multi = np.flatnonzero(np.concatenate([~single, ~single]))
    bound, exact = _roots_in_unit_interval_bound(C[multi])
    one = np.concatenate([np.flatnonzero(np.concatenate([single & root_in_x, single & ~root_in_x])),
                          multi[exact & (bound == 1)]])
    lo, hi, plo, phi = _single_root_cells(C[one], p1[one])
    hard = multi[~exact | (bound >= 2)]
    status, *cells = _top_root_cells(C[hard], p1[hard])
    found = status == _ONE
    sel = np.concatenate([one, hard[found]])
    lo, hi, plo, phi = (np.concatenate([u, c[found]]) for u, c in zip((lo, hi, plo, phi), cells))
    z = np.full(2 * m, np.nan)
    z[sel] = _solve_brackets(C[sel], lo, hi, plo, phi, tol, maxiter)
    with np.errstate(divide="ignore"):
        rates = (1.0 / z[:m] - 1.0, z[m:] - 1.0)  # x-half: z = 1/(1+r); y-half: z = 1+r
    unsolved = np.zeros(2 * m, dtype=bool)
    unsolved[sel] = np.isnan(z[sel])  # not converged within maxiter
    fail = np.zeros(2 * m, dtype=bool)
    fail[hard[status == _FAIL]] = True
    fail = fail[:m] | fail[m:]
    out[rows] = np.where(unsolved[:m] | unsolved[m:], np.nan, _closest_to_zero(*rates))
    if fail.any():
        out[rows[fail]] = _irr_eig(V[rows[fail]])
    return out


def _closest_to_zero(a, b):
    """Elementwise the one of a, b with the smaller magnitude (NaN = absent; ties -> a)."""
    take_a = ~np.isnan(a) & (np.isnan(b) | (np.abs(a) <= np.abs(b)))
    return np.where(take_a, a, b)


def _sign_changes(V):
    """Sign changes along each row, zeros skipped (Descartes' count), and first sign."""
    n, T = V.shape
    last = np.zeros(n)
    first = np.zeros(n)
    count = np.zeros(n, dtype=np.intp)
    for t in range(T):
        s = np.sign(V[:, t])
        count += (s * last) < 0
        first = np.where(first == 0, s, first)
        last = np.where(s != 0, s, last)
    return count, first


def _drop_low_zeros(W):
    """Shift each row left past its leading zeros (divide the polynomial by z**k)."""
    if (W[:, 0] != 0).all():
        return np.ascontiguousarray(W)
    T = W.shape[1]
    first = np.argmax(W != 0, axis=1)
    idx = np.arange(T) + first[:, None]
    C = np.take_along_axis(W, np.minimum(idx, T - 1), axis=1)
    C[idx >= T] = 0.0
    return C


def _roots_in_unit_interval_bound(C):
    """Descartes' bound on the number of roots in (0, 1) of each row's polynomial.

    The roots of p in (0, 1) are those of ``(1 + w)**n p(1 / (1 + w))`` in (0, inf), whose
    coefficients come from reversing p's and shifting by one (Taylor shift). Also returns
    whether the bound is proof against rounding: ``False`` where a shifted coefficient is
    so small that rounding could have changed its sign.
    """
    n = C.shape[1] - 1
    a = np.ascontiguousarray(C[:, ::-1].T)  # (T, k)
    # Rounding in a shifted coefficient is below (n + 1) eps times the same shift of |c|,
    # which is at most 2**n sum|c|; that cruder bound is used for short series (it saves
    # half the work), the shift of |c| itself for long ones.
    size = np.abs(a) if n > 15 else None
    for i in range(n):
        for j in range(n - 1, i - 1, -1):
            a[j] += a[j + 1]
            if size is not None:
                size[j] += size[j + 1]
    if size is None:
        size = 2.0**n * np.abs(C).sum(axis=1)
    exact = (np.abs(a) > 4 * (n + 1) * _EPS * size).all(axis=0)
    neg = a < 0  # where the bound is exact, no coefficient is zero
    return np.count_nonzero(neg[1:] != neg[:-1], axis=0), exact


def _matmul(a, b):
    """Matrix product without BLAS: its threads would compete with the caller's."""
    return np.einsum("ij,jk->ik", a, b)


def _powers(z, T):
    """Matrix of ``z[j]**k`` for k = 0..T-1 (rows) and the points z (columns)."""
    return z ** np.arange(T)[:, None]


def _single_root_cells(C, p1):
    """Grid cell where the NPV changes sign, for halves holding exactly one root.

    The ends of the half, z = 0 (value ``C[:, 0]``, nonzero) and z = 1 (``p1``), differ
    in sign, so such a cell exists; the top one is taken.
    """
    k, T = C.shape
    G = _GRID_SINGLE
    edges = np.empty((k, G + 1))
    edges[:, 0], edges[:, G] = C[:, 0], p1
    edges[:, 1:G] = _matmul(C, _powers(np.arange(1, G) / G, T))
    neg = edges < 0
    change = neg[:, :-1] != neg[:, 1:]
    j = G - 1 - np.argmax(change[:, ::-1], axis=1)
    r = np.arange(k)
    return j / G, (j + 1) / G, edges[r, j], edges[r, j + 1]


def _classify(edges, p, d1, d2, M3, h, slack_p, slack_d):
    """Class of each cell from its end values and a Taylor bound about its midpoint.

    ``p``, ``d1``, ``d2`` are the NPV polynomial and its first two derivatives at the
    midpoints, ``M3`` bounds the third derivative on the cell and ``h`` is the half width.
    """
    sgn = np.sign(edges)
    change = sgn[:, :-1] != sgn[:, 1:]
    d1, d2 = np.abs(d1), np.abs(d2)
    free = np.abs(p) > h * (d1 + h * (d2 / 2 + h * M3 / 6)) + slack_p
    mono = d1 > h * (d2 + h * M3 / 2) + slack_d
    cls = np.where(change & mono, _ONE, _UNKNOWN)
    cls[free] = _FREE
    return cls


def _top_root_cells(C, p1):
    """For each half, the grid cell holding its root nearest z = 1, with certified bounds.

    Returns status (FREE: no root, ONE: bracket found, FAIL: could not certify), the
    bracket ``[lo, hi]`` and the NPV at its ends.
    """
    k, T = C.shape
    G = _GRID
    e = np.arange(G + 1) / G
    mid = (e[:-1] + e[1:]) / 2
    kk = np.arange(T)[:, None]
    falling = [np.ones_like(kk), kk, kk * (kk - 1), kk * (kk - 1) * (kk - 2)]  # k!/(k-n)!

    def derivative(n, z):  # matrix taking coefficients to the n-th derivative at z
        return falling[n] * z ** np.maximum(kk - n, 0)

    P = [derivative(0, e[1:-1]), derivative(0, mid), derivative(1, mid), derivative(2, mid)]
    vals = _matmul(C, np.concatenate(P, axis=1))
    M3 = _matmul(np.abs(C), derivative(3, e[1:]))
    edges = np.concatenate([C[:, :1], vals[:, : G - 1], p1[:, None]], axis=1)
    p, d1, d2 = (vals[:, G - 1 + i * G : G - 1 + (i + 1) * G] for i in range(3))
    slack_p, slack_d = _slacks(C)
    cls = _classify(edges, p, d1, d2, M3, 0.5 / G, slack_p, slack_d)
    return _scan(C, slack_p, slack_d, np.zeros(k), np.full(k, 1.0 / G), edges, cls, 0)


def _slacks(C):
    """Generous bounds on rounding in the Taylor terms of p and p' on [0, 1]."""
    T = C.shape[1]
    k1 = np.arange(1, T + 1)
    A = 4 * T * _EPS * np.abs(C)
    return (A * k1**2).sum(axis=1, keepdims=True), (A * k1**3).sum(axis=1, keepdims=True)


def _scan(C, slack_p, slack_d, a, w, edges, cls, depth):
    """Scan cells from the top; return status, bracket and end values per row.

    Row i covers ``[a[i], a[i] + S * w[i]]`` split into S cells of width ``w[i]``, whose
    classes are ``cls[i]``; UNKNOWN cells are refined.
    """
    k, S = cls.shape
    status = np.full(k, -1)
    lo, hi, plo, phi = np.zeros(k), np.zeros(k), np.zeros(k), np.zeros(k)
    ptr = np.full(k, S - 1)
    cells = np.arange(S)
    pending = np.arange(k)
    while pending.size:
        live = (cls[pending] != _FREE) & (cells <= ptr[pending, None])
        has = live.any(axis=1)
        status[pending[~has]] = _FREE
        pending = pending[has]
        j = S - 1 - np.argmax(live[has, ::-1], axis=1)
        kind = cls[pending, j]
        one = kind == _ONE
        r1, j1 = pending[one], j[one]
        status[r1] = _ONE
        lo[r1], hi[r1] = a[r1] + j1 * w[r1], a[r1] + (j1 + 1) * w[r1]
        plo[r1], phi[r1] = edges[r1, j1], edges[r1, j1 + 1]
        pending, j = pending[~one], j[~one]
        if depth >= _MAX_DEPTH:
            status[pending] = _FAIL
            break
        if pending.size == 0:
            break
        sub = _refine(C[pending], slack_p[pending], slack_d[pending], a[pending] + j * w[pending],
                      w[pending] / _SPLIT, edges[pending, j], edges[pending, j + 1], depth + 1)
        s_status, s_lo, s_hi, s_plo, s_phi = sub
        found = s_status == _ONE
        rf = pending[found]
        status[rf] = _ONE
        lo[rf], hi[rf], plo[rf], phi[rf] = s_lo[found], s_hi[found], s_plo[found], s_phi[found]
        failed = s_status == _FAIL
        status[pending[failed]] = _FAIL
        free = s_status == _FREE
        ptr[pending[free]] = j[free] - 1
        pending = pending[free]
    return status, lo, hi, plo, phi


def _refine(C, slack_p, slack_d, a, w, p_bottom, p_top, depth):
    """Split cells ``[a, a + S*w]`` into S subcells and scan them (elementwise Horner)."""
    S = _SPLIT
    k, T = C.shape
    steps = np.arange(S + 1)
    ze = a[:, None] + w[:, None] * steps  # edges
    zm = a[:, None] + w[:, None] * (steps[:-1] + 0.5)  # midpoints
    zb = ze[:, 1:]  # right ends: the |coefficient| polynomial there bounds the cell
    CT = C.T[:, :, None]
    A = np.abs(CT)
    pe = np.broadcast_to(CT[T - 1], ze.shape).copy()
    p = np.broadcast_to(CT[T - 1], zm.shape).copy()
    d1, d2 = np.zeros_like(zm), np.zeros_like(zm)  # p' and p''/2 at zm
    q = np.broadcast_to(A[T - 1], zb.shape).copy()
    q1, q2, q3 = np.zeros_like(zb), np.zeros_like(zb), np.zeros_like(zb)  # q3: third derivative / 6
    for t in range(T - 2, -1, -1):
        pe = pe * ze + CT[t]
        d2 = d2 * zm + d1
        d1 = d1 * zm + p
        p = p * zm + CT[t]
        q3 = q3 * zb + q2
        q2 = q2 * zb + q1
        q1 = q1 * zb + q
        q = q * zb + A[t]
    pe[:, 0], pe[:, -1] = p_bottom, p_top  # keep the parent's end values (consistent signs)
    cls = _classify(pe, p, d1, 2 * d2, 6 * q3, (w / 2)[:, None], slack_p, slack_d)
    return _scan(C, slack_p, slack_d, a, w, pe, cls, depth)


def _horner(CT, z):
    """p(z) and p'(z) for coefficient columns CT (T, k), ascending powers."""
    T = CT.shape[0]
    p = CT[T - 1].copy()
    dp = np.zeros_like(z)
    for t in range(T - 2, -1, -1):
        dp = dp * z + p
        p = p * z + CT[t]
    return p, dp


def _solve_brackets(C, lo, hi, plo, phi, tol, maxiter):
    """Root of each row's polynomial inside ``[lo, hi]`` by safeguarded Newton.

    The end values ``plo``, ``phi`` differ in sign (or one is zero) and the bracket holds
    a single root. Each step is Newton's when it stays inside the bracket and shrinks the
    error fast enough; otherwise a secant step on the bracket ends (when Newton overshoots
    an end that is already close to the root) or a bisection. Rows that have not converged
    after ``maxiter`` steps get NaN.
    """
    k = lo.size
    root = np.full(k, np.nan)
    root[plo == 0] = lo[plo == 0]
    root[phi == 0] = hi[phi == 0]
    act = np.flatnonzero((plo != 0) & (phi != 0))
    CT = np.ascontiguousarray(C[act].T)
    lo, hi, plo, phi = lo[act], hi[act], plo[act], phi[act]
    z = lo - plo * (hi - lo) / (phi - plo)  # regula falsi start
    z = np.where((z > lo) & (z < hi), z, 0.5 * (lo + hi))
    step_old = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(maxiter):
            if act.size == 0:
                break
            p, dp = _horner(CT, z)
            up = (p > 0) == (phi > 0)  # z is above the root
            hi, phi = np.where(up, z, hi), np.where(up, p, phi)
            lo, plo = np.where(up, lo, z), np.where(up, plo, p)
            newton = z - p / dp
            secant = lo - plo * (hi - lo) / (phi - plo)
            inside_n = (newton > lo) & (newton < hi)
            slow = np.abs(2 * p) > np.abs(step_old * dp)
            z_new = np.where(inside_n & ~slow, newton,
                             np.where(~inside_n & ~slow & (secant > lo) & (secant < hi),
                                      secant, 0.5 * (lo + hi)))
            step_old = np.abs(z_new - z)
            close = np.abs(newton - z) <= tol * z  # the Newton step itself is within tol
            done = close | (hi - lo <= tol * z) | (p == 0)
            root[act[done]] = np.where(p == 0, z, np.where(close, newton, z_new))[done]
            keep = ~done
            act, CT, z, lo, hi, plo, phi, step_old = (
                act[keep], CT[:, keep], z_new[keep], lo[keep], hi[keep], plo[keep], phi[keep],
                step_old[keep])
    return root


def _irr_eig(V):
    """IRR by companion-matrix eigenvalues (as np.roots), for rows the grid cannot settle.

    Roots count as real when ``|imag| <= _IMAG_TOL * |root|`` (tangent roots come out
    as near-real pairs); each is polished by Newton steps and the rate closest to zero
    is returned.
    """
    n, T = V.shape
    out = np.full(n, np.nan)
    nz = V != 0
    first = np.argmax(nz, axis=1)
    last = T - 1 - np.argmax(nz[:, ::-1], axis=1)
    for f, l in set(zip(first.tolist(), last.tolist())):
        deg = l - f
        if deg < 1:
            continue
        sel = np.flatnonzero((first == f) & (last == l))
        c = V[sel, f : l + 1]  # ascending powers of x = 1/(1+r), x**f factored out
        comp = np.zeros((sel.size, deg, deg))
        comp[:, 1:, :-1] = np.eye(deg - 1)
        comp[:, 0, :] = -c[:, -2::-1] / c[:, -1:]
        lam = np.linalg.eigvals(comp)
        real = (lam.real > 0) & (np.abs(lam.imag) <= _IMAG_TOL * np.abs(lam))
        x = np.where(real, lam.real, np.nan)
        CT = np.ascontiguousarray(c.T)[:, :, None]
        with np.errstate(all="ignore"):
            for _ in range(3):
                p, dp = _horner(CT, x)
                step = p / dp
                small = np.isfinite(step) & (np.abs(step) <= 1e-6 * x)
                x = np.where(small, x - step, x)
            rate = 1.0 / x - 1.0
        best = np.argmin(np.where(np.isnan(rate), np.inf, np.abs(rate)), axis=1)
        out[sel] = rate[np.arange(sel.size), best]
    return out
