"""Finance kernels: discount factors, NPV, XNPV, IRR, XIRR, MIRR and payback period.

Plain numpy functions, vectorised like ufuncs; this package imports nothing but numpy.

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
- Where a series has several IRRs, :func:`irr` returns the one a spreadsheet's IRR finds
  from the same guess (10 % by default); :func:`several_irrs` flags such series.

The package holds (submodule in brackets):

- :func:`discount_factors` and :func:`npv`, with the argument checks every kernel here
  shares (``present_value``);
- :func:`xnpv` and :func:`xirr` for flows on calendar dates, actual/365 as spreadsheets
  compute them (``dated``);
- :func:`irr`, :func:`all_irrs`, :func:`several_irrs`, :func:`mirr` and
  :func:`return_summary` (``returns``), on the root search of the NPV polynomial
  (``irr_roots``) and the choice among several roots a spreadsheet makes from its guess
  (``root_choice``);
- :func:`payback` (``payback_period``);
- :func:`growing_perpetuity` and :func:`terminal_value` (``terminal``).
"""

from .dated import xirr, xnpv
from .payback_period import payback
from .present_value import discount_factors, npv
from .returns import ReturnSummary, all_irrs, irr, mirr, return_summary, several_irrs
from .terminal import growing_perpetuity, terminal_value

__all__ = [
    "discount_factors",
    "npv",
    "xnpv",
    "xirr",
    "irr",
    "all_irrs",
    "several_irrs",
    "mirr",
    "return_summary",
    "ReturnSummary",
    "payback",
    "growing_perpetuity",
    "terminal_value",
]
