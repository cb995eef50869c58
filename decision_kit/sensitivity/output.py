"""How the sensitivity analyses store and word their results.

Read-only arrays for the frozen result objects, and compact numbers and money amounts for
messages and notebook views.
"""

from __future__ import annotations

import numpy as np


def frozen_array(a) -> np.ndarray:
    """A read-only float copy of ``a`` (units unchanged), for the frozen result objects."""
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def compact_number(x: float) -> str:
    """Compact text of a number in its own unit, four significant digits: 250000 -> '250k', 0.0325 -> '0.0325'."""
    a = abs(x)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:.4g}{suffix}"
    return f"{x:.4g}"


def money(x: float, currency: str) -> str:
    """Text of an amount ``x`` in ``currency`` as results print it (:func:`decision_kit.results.format_money`)."""
    from ..results import format_money

    return format_money(x, currency)
