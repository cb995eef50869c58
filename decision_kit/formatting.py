"""How numbers are written for a reader: money, shares, rates, years and months.

One rule per kind of number, each a plain function of one value that returns text; the
command line, the recommendation, the HTML memo, the workbook's notes, the plots and the
dashboard pick a rule by name. Nothing here reads a scenario or a result.

- :func:`money`: compact money with two decimals and the currency, ``'1.23M USD'`` (the
  recommendation, the dashboard, the analyses' messages);
- :func:`compact`: any number with three significant digits and k/M/B, ``'1.23M'``,
  ``'n/a'`` for NaN (the memo's tables);
- :func:`quantity`: a value in its own unit with four significant digits and k/M/B,
  ``'1.235M'``, ``'0.0325'`` (the thresholds and crossings of the sensitivity analyses);
- :func:`tick_money`: money on a chart's axis, ``'1.3M'``, ``'13M'`` (the plots);
- :func:`amount`: whole units with thousands separators, ``'1,234,567 USD'`` (budgets and
  risk tolerances stated in full);
- :func:`percent`: a probability or share as a whole percentage, ``'<1%'`` and ``'>99%'``
  rather than a misleading 0 % or 100 %; :func:`whole_percent` without that guard (the
  recommendation's wording); :func:`rate`: a rate with one decimal, ``'7.5%'``;
- :func:`years`: a payback in years with one decimal, ``'never'`` for NaN (no payback);
  :func:`months`: a duration in months with one decimal.

Conventions: the sign is written before the amount (``'-143k'``); NaN is ``'n/a'`` except
where a rule says what NaN means (:func:`years`). Amounts are rounded half to even at the
shown digit, as Python's format specifications do.
"""

from __future__ import annotations

import math

_SUFFIXES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def finite(x) -> bool:
    """True for a number that is neither NaN nor infinite (False for None and for text)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def money(x: float, currency: str = "USD") -> str:
    """Compact money: two decimals with k, M or B from a thousand on, whole units below.

    ``currency`` follows after a space; an empty ``currency`` gives the number alone.

    >>> money(1_234_567), money(-143_000, "EUR"), money(999.4), money(2_500_000, "")
    ('1.23M USD', '-143.00k EUR', '999 USD', '2.50M')
    """
    a = abs(x)
    sign = "-" if x < 0 else ""
    text = f"{sign}{a:.0f}"
    for div, suffix in _SUFFIXES:
        if a >= div:
            text = f"{sign}{a / div:.2f}{suffix}"
            break
    return f"{text} {currency}" if currency else text


def compact(x) -> str:
    """A number for a reader: three significant digits with k/M/B.

    >>> compact(1_234_567), compact(-143_000), compact(0.042), compact(float("nan"))
    ('1.23M', '-143k', '0.042', 'n/a')
    """
    if not finite(x):
        return "n/a"
    x = float(x)
    a, sign = abs(x), "-" if x < 0 else ""
    for div, suffix in _SUFFIXES:
        if a >= div * 0.9995:
            v = a / div
            text = f"{v:.{2 if v < 9.995 else 1 if v < 99.95 else 0}f}"
            return f"{sign}{text}{suffix}"
    if a >= 100:
        return f"{x:.0f}"
    return "0" if a < 1e-9 else f"{x:.3g}"


def quantity(x: float) -> str:
    """A value in its own unit (a price, a volume, a rate) with four significant digits and
    k, M or B from a thousand on.

    >>> quantity(250_000), quantity(1_234_567), quantity(-4_200), quantity(0.0325)
    ('250k', '1.235M', '-4.2k', '0.0325')
    """
    a = abs(x)
    for div, suffix in _SUFFIXES:
        if a >= div:
            return f"{x / div:.4g}{suffix}"
    return f"{x:.4g}"


def tick_money(x: float) -> str:
    """Money on an axis tick, without the currency (the axis label names it): one decimal
    below ten of the unit, none from ten on, whole units below a thousand.

    >>> tick_money(1_260_000), tick_money(12_600_000), tick_money(-3_400), tick_money(950)
    ('1.3M', '13M', '-3.4k', '950')
    """
    a = abs(x)
    for div, suffix in _SUFFIXES:
        if a >= div:
            return f"{x / div:.{1 if a < 10 * div else 0}f}{suffix}"
    return f"{x:.0f}"


def amount(x: float, currency: str = "") -> str:
    """Whole units with thousands separators, then the currency if one is given.

    >>> amount(1_234_567.4, "USD"), amount(-2500)
    ('1,234,567 USD', '-2,500')
    """
    text = f"{x:,.0f}"
    return f"{text} {currency}" if currency else text


def percent(x) -> str:
    """A probability as a whole percentage; '<1%' and '>99%' rather than a misleading 0% or 100%.

    >>> percent(0.372), percent(0.001), percent(0.999), percent(0.0)
    ('37%', '<1%', '>99%', '0%')
    """
    if not finite(x):
        return "n/a"
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


def whole_percent(x: float) -> str:
    """A share as a whole percentage, rounded as it falls (0.004 is '0%').

    >>> whole_percent(0.372), whole_percent(0.004), whole_percent(1.0)
    ('37%', '0%', '100%')
    """
    return f"{x:.0%}"


def rate(x: float) -> str:
    """A rate (a discount rate, a growth rate) as a percentage with one decimal.

    >>> rate(0.075), rate(0.1)
    ('7.5%', '10.0%')
    """
    return f"{x:.1%}"


def years(x) -> str:
    """A payback period in years with one decimal; 'never' where there is none (NaN).

    >>> years(2.345), years(float("nan"))
    ('2.3', 'never')
    """
    return f"{float(x):.1f}" if finite(x) else "never"


def months(x) -> str:
    """A duration in months with one decimal ('n/a' for NaN).

    >>> months(7.25), months(12)
    ('7.2', '12.0')
    """
    return f"{float(x):.1f}" if finite(x) else "n/a"


def value_within_error(value: float, se: float, significant: bool, unit: str = "") -> str:
    """A value (of flexibility, of a stage) with its standard error, signed, or "within MC
    error" when it is within two standard errors of zero (a difference that does not exist is
    not a number); ``unit`` (a currency) follows each amount.

    >>> value_within_error(88_488.0, 6_320.0, True, "USD"), value_within_error(100.0, 400.0, False)
    ('+88.5k ± 6.32k USD', 'within MC error (±800)')
    """
    u = f" {unit}" if unit else ""
    if not significant:
        return f"within MC error (±{compact(2 * se)}{u})"
    return f"+{compact(value)} ± {compact(se)}{u}".replace("+-", "-")
