"""How the sensitivity analyses store and word their results.

Read-only arrays for the frozen result objects, and compact numbers and money amounts for
messages and notebook views.
"""

from __future__ import annotations

import numpy as np


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def _text(x: float) -> str:
    """Compact number: 250000 -> '250k', 0.0325 -> '0.0325'."""
    a = abs(x)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:.4g}{suffix}"
    return f"{x:.4g}"


def _money(x: float, currency: str) -> str:
    from ..results import format_money as money

    return money(x, currency)
