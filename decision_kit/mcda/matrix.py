"""Checks of a decision matrix and its weights, shared by every multi-criteria kernel.

What is here: :func:`check_choice` (an option among allowed values), :func:`normalised_weights`
(weights validated and normalised to sum to 1), :func:`checked_matrix` (the checked values,
weights and directions of the weighted criteria of a matrix), :func:`alternative_label` (how an
alternative is named in messages) and :func:`ranks_of` (rank 1 = best, ties share the better
rank).

Conventions are those of :mod:`decision_kit.mcda`: one row per alternative, one column per
criterion; ``benefit[c]`` is True when more is better; every invalid input raises
:class:`~decision_kit.errors.ScenarioError` with a plain message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ScenarioError

# --- validation shared by the kernels ----------------------------------------------------


def check_choice(name: str, value, allowed) -> None:
    """Raise ScenarioError unless value is one of allowed (an option's name, for the message)."""
    if value not in allowed:
        raise ScenarioError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def normalised_weights(weights, who: str = "") -> pd.Series:
    """Validated weights (non-negative, finite, not all zero), normalised to sum to 1."""
    whose = f"{who}'s " if who else ""
    try:
        w = pd.Series(weights, dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError(f"{whose}weights must be numbers, one per criterion") from None
    if w.empty:
        raise ScenarioError(f"{whose}weights are empty: give at least one criterion a weight")
    if not np.isfinite(w.to_numpy()).all():
        c = w.index[~np.isfinite(w.to_numpy())][0]
        raise ScenarioError(f"{whose}weight of '{c}' is not a finite number")
    if (w < 0).any():
        c = w.index[(w < 0).to_numpy()][0]
        raise ScenarioError(f"{whose}weights cannot be negative ('{c}' is {w[c]:g})")
    if not w.sum() > 0:
        raise ScenarioError(f"{whose}weights cannot all be zero")
    return w / w.sum()


def checked_matrix(matrix, weights, benefit, who: str = ""):
    """Checked (values A x C, weights C, benefit C, alternatives, criteria) for the weighted columns."""
    if not isinstance(matrix, pd.DataFrame):
        raise ScenarioError("the decision matrix must be a pandas DataFrame (alternatives x criteria)")
    if matrix.shape[0] == 0:
        raise ScenarioError("the decision matrix has no alternatives")
    w = normalised_weights(weights, who)
    unknown = [c for c in w.index if c not in matrix.columns]
    if unknown:
        raise ScenarioError(
            f"criterion '{unknown[0]}' has a weight but no option is scored on it "
            f"(scored: {', '.join(map(str, matrix.columns))})"
        )
    used = [c for c in matrix.columns if w.get(c, 0.0) > 0]
    b = []
    for c in used:
        if c not in benefit:
            raise ScenarioError(f"say whether more or less is better for criterion '{c}'")
        if not isinstance(benefit[c], (bool, np.bool_)):
            raise ScenarioError(
                f"benefit of criterion '{c}' must be True (more is better) or False, got {benefit[c]!r}"
            )
        b.append(bool(benefit[c]))
    try:
        x = matrix[used].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError("the decision matrix must hold numbers") from None
    missing = np.argwhere(~np.isfinite(x))
    if len(missing):
        i, j = missing[0]
        raise ScenarioError(f"{alternative_label(matrix.index[i])} has no value for criterion '{used[j]}'")
    return x, w[used].to_numpy(), np.array(b, dtype=bool), list(matrix.index), used


def alternative_label(alt) -> str:
    """'hybrid owned by embedded' for an (option, owner) cell, else the alternative's name."""
    if isinstance(alt, tuple) and len(alt) == 2:
        return f"{alt[0]} owned by {alt[1]}"
    return str(alt)


def ranks_of(scores: pd.Series) -> pd.Series:
    """Ranks of scores (higher is better): 1 is the best, ties share the better rank."""
    return scores.rank(ascending=False, method="min").astype(int).rename("rank")
