"""Terminal value: what a cash-flow series is worth beyond its last period.

What this module holds:

- :func:`growing_perpetuity`: the value, at the end of the last period, of the last period's
  flow continued for ever and growing at a constant rate (Gordon growth);
- :func:`terminal_value`: that value, or a stated salvage value received at the end of the last
  period, discounted to time zero.

Conventions are those of :mod:`decision_kit.finance`: time along the last axis, first flow at
time zero (period ``T = values.shape[-1] - 1`` is the last), rates per period as decimal
fractions. A growing perpetuity exists only for ``growth < rate``; elsewhere the result is NaN.
"""

import numpy as np

from .present_value import rate_array, values_array


def growing_perpetuity(rate, growth, last):
    """Value at the end of period ``T`` of the flows ``last (1 + growth)^k`` at the end of
    periods ``T + k``, ``k = 1, 2, ...``: ``last (1 + growth) / (rate - growth)``.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per period (above -1).
    growth : float or array_like
        Growth of the flow per period after ``T`` (above -1); NaN where ``growth >= rate``,
        where the sum does not converge.
    last : float or array_like
        The flow of period ``T``. All three broadcast.

    Examples
    --------
    >>> float(growing_perpetuity(0.10, 0.02, 60.0))
    765.0
    >>> float(growing_perpetuity(0.05, 0.05, 60.0))
    nan
    """
    r, g = rate_array(rate), rate_array(growth, "growth")
    ok = g < r
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(last, dtype=float) * (1.0 + g) / np.where(ok, r - g, np.nan)
    return out


def terminal_value(rate, values, *, growth=None, salvage=None):
    """Present value at time zero of a series' terminal value.

    With ``growth``: the last flow ``values[..., T]`` as a growing perpetuity
    (:func:`growing_perpetuity`); with ``salvage`` (broadcasting against ``values.shape[:-1]``):
    that amount at the end of period ``T``. Either is discounted by ``(1 + rate)^T``. Give one
    of the two.

    Examples
    --------
    >>> round(float(terminal_value(0.10, [-100.0, 50.0, 60.0], growth=0.02)), 6)  # 765 / 1.21
    632.231405
    >>> float(terminal_value(0.10, [-100.0, 50.0, 60.0], salvage=121.0))
    100.0
    """
    v = values_array(values)
    r = rate_array(rate)
    if (growth is None) == (salvage is None):
        raise ValueError("give exactly one of growth (a growing perpetuity) and salvage")
    T = v.shape[-1] - 1
    at_T = growing_perpetuity(r, growth, v[..., -1]) if growth is not None else np.asarray(salvage, dtype=float)
    return at_T / (1.0 + r) ** T
