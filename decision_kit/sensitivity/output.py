"""How the sensitivity analyses store and word their results.

Read-only arrays for the frozen result objects. Their messages and notebook views write
numbers by the rules of :mod:`decision_kit.formatting`.
"""

from __future__ import annotations

import numpy as np


def frozen_array(a) -> np.ndarray:
    """A read-only float copy of ``a`` (units unchanged), for the frozen result objects."""
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a
