"""Present values: discount factors and NPV, and the argument checks shared by the finance kernels.

What this module holds:

- :func:`discount_factors` (``1 / (1 + rate)**t`` for each period) and :func:`npv` (net
  present value at time zero, numpy-financial convention: the first flow is not discounted);
- :func:`rate_array` (rates as floats, above -100 %) and :func:`values_array` (cash flows with
  a time axis), the argument checks the other finance modules use too.

Conventions are those of :mod:`decision_kit.finance`: time along the last axis, first flow at
time zero, paid out negative, rates per period as decimal fractions.
"""

import operator

import numpy as np


def rate_array(rate, name="rate"):
    """Rate as a float array, rejecting rates at or below -100 % with a ``ValueError``.

    >>> rate_array([0.05, 0.1])
    array([0.05, 0.1 ])
    """
    r = np.asarray(rate, dtype=float)
    bad = r <= -1.0
    if np.any(bad):
        raise ValueError(f"{name} must be above -1 (-100 %) per period; got {r[bad].flat[0]!r}")
    return r


def values_array(values):
    """Cash flows as a float array with a time axis (the last one); a scalar is a ``ValueError``.

    >>> values_array([-100, 110]).shape
    (2,)
    """
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
    r = rate_array(rate)
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
    r = rate_array(rate)
    v = values_array(values)
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
