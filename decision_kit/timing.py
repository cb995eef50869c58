"""When a cost line pays over the horizon, and how its price escalates: small kernels.

Conventions (the scenario format, :class:`~decision_kit.schema.CostLine`, states them for the
file; these kernels are what the plan and the engine compute from them):

- A one-off line pays in each of its **occurrence years**: ``year`` (default 0, the decision
  date), or ``year, year + every, year + 2 every, ...`` up to the horizon, or an explicit list
  ``years``. Its amount is drawn once per trial (the same amount at every occurrence) or once
  per occurrence (independent draws).
- A recurring or per-unit line pays from its **first year** ``from_year`` (default 1) to the
  horizon. Its first year pays ``amount``; the price rises at the start of its **rise years**:
  every later year when the escalator is drawn once per trial (the legacy form: one draw
  compounded, year ``t`` pays ``amount (1+e)^(t - first)``) or once a year (a fresh draw each
  year), and every ``term_years`` after the first year when it is drawn once per renewal (the
  price is flat within a contract term and rises by one fresh draw at each renewal). An
  optional cap bounds every rise: ``min(e, cap)``.

So year ``t`` pays ``amount x prod_{j <= k(t)} (1 + min(e_j, cap))``, where ``k(t)`` is the
number of rises up to and including year ``t`` and ``e_j`` the ``j``-th draw (all equal for the
once-per-trial form). Arrays are time-major: (years, trials).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ESCALATION_DRAWS",
    "escalation_multipliers",
    "occurrence_flow",
    "occurrence_years",
    "rise_counts",
    "rise_years",
]

ESCALATION_DRAWS = ("per_trial", "per_year", "per_renewal")
"""How often an escalator is drawn: once per trial (compounded), once a year, once a renewal."""


def occurrence_years(year: int | None, every: int | None, years, horizon: int) -> tuple[int, ...]:
    """The years a one-off line pays in: ``years`` sorted, else ``year`` (default 0) and, with
    ``every``, each ``every`` years after it up to ``horizon``.

    >>> occurrence_years(None, None, None, 5), occurrence_years(1, 3, None, 10), occurrence_years(None, None, [4, 2], 5)
    ((0,), (1, 4, 7, 10), (2, 4))
    """
    if years is not None:
        return tuple(sorted(set(years)))
    first = year or 0
    if every is None:
        return (first,)
    return tuple(range(first, horizon + 1, every))


def rise_years(first_year: int, draw: str, term_years: int | None, horizon: int) -> tuple[int, ...]:
    """The years (up to ``horizon``) at whose start the price of a line first paying in
    ``first_year`` rises: every later year, or every ``term_years`` for ``draw="per_renewal"``.

    >>> rise_years(1, "per_trial", None, 4), rise_years(1, "per_renewal", 3, 10), rise_years(3, "per_year", None, 5)
    ((2, 3, 4), (4, 7, 10), (4, 5))
    """
    step = term_years if draw == "per_renewal" and term_years else 1
    return tuple(range(first_year + step, horizon + 1, step))


def rise_counts(first_year: int, rises: tuple[int, ...], horizon: int) -> np.ndarray:
    """``k(t)``, the number of rises up to and including year ``t``, for ``t = first_year..horizon``.

    >>> rise_counts(1, (4, 7, 10), 10).tolist()
    [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    """
    t = np.arange(first_year, horizon + 1)
    return np.searchsorted(np.asarray(rises, dtype=int), t, side="right")


def escalation_multipliers(draws, counts: np.ndarray, cap: float | None = None) -> np.ndarray:
    """Price multipliers ``prod_{j <= k} (1 + min(e_j, cap))`` for each ``k`` in ``counts``: (T, n).

    ``draws`` are the escalator's draws: an (n, K) matrix of one draw per rise (trial-major, as
    sampled), or an (n,) vector or a number, the same rise every time (the once-per-trial form,
    and what a base case or a one-way sensitivity passes). ``counts`` (T,) are rise counts
    (:func:`rise_counts`), at most K for a matrix. Fixed draws give a (T, 1) array.

    >>> escalation_multipliers(np.array([[0.1, 0.2]]), np.array([0, 1, 2])).round(6).tolist()
    [[1.0], [1.1], [1.32]]
    >>> escalation_multipliers(0.1, np.array([0, 2]), cap=0.05).round(6).tolist()
    [[1.0], [1.1025]]
    """
    e = np.asarray(draws, dtype=float)
    if cap is not None:
        e = np.minimum(e, cap)
    if e.ndim < 2:  # one rise repeated: (1 + e)^k
        base = np.maximum(1.0 + e.reshape(1, -1), 0.0)
        return np.power(base, counts.reshape(-1, 1).astype(float))
    factors = np.maximum(1.0 + e.T, 0.0)  # (K, n), time-major
    cum = np.empty((factors.shape[0] + 1, factors.shape[1]))
    cum[0] = 1.0
    np.cumprod(factors, axis=0, out=cum[1:])
    return cum[counts]


def occurrence_flow(years: tuple[int, ...], amount, out: np.ndarray) -> np.ndarray:
    """Write a one-off line's flow over periods ``years[0]..years[-1]`` into ``out`` (at least
    that many rows, ``n`` columns) and return that view: ``amount`` in each occurrence year, 0
    between. ``amount`` is an (n, K) matrix (one draw per occurrence, trial-major), an (n,)
    vector or a number (the same amount every time).

    >>> occurrence_flow((1, 3), np.array([[5.0, 7.0]]), np.empty((4, 1)))[:, 0].tolist()
    [5.0, 0.0, 7.0]
    """
    r0 = years[0]
    f = out[: years[-1] - r0 + 1]
    f[...] = 0.0
    a = np.asarray(amount, dtype=float)
    f[np.asarray(years) - r0] = a.T if a.ndim == 2 else a
    return f
