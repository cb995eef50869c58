"""Payback period: when the cumulative (optionally discounted) cash flow first climbs back to zero.

What this module holds: :func:`payback`, in periods from time zero, interpolated linearly
inside the period of the crossing; NaN where the cumulative flow never recovers.

Conventions are those of :mod:`decision_kit.finance`: time along the last axis, first flow at
time zero, paid out negative, rates per period as decimal fractions.
"""

import numpy as np

from .present_value import rate_array, values_array


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
    v = values_array(values)
    T = v.shape[-1]
    if rate is None:
        d = None
        shape = v.shape[:-1]
    else:
        r = rate_array(rate)
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
