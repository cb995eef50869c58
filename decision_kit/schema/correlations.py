"""Whether a scenario's rank correlations can hold together: each between two uncertain (not
fixed) inputs, each pair stated once, and together a positive semi-definite matrix, the
condition the sampler needs (:func:`decision_kit.plan.check_correlation` checks the same)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..distributions import DistributionBase
from .base import FieldPath

PSD_TOLERANCE = 1e-10
"""How far below zero the smallest eigenvalue of the correlation matrix may be (rounding)."""


def correlation_problems(
    correlations: Sequence[Any], inputs: Mapping[str, DistributionBase]
) -> list[tuple[FieldPath, str]]:
    """(path, message) pairs for correlations that cannot be sampled.

    ``inputs`` maps the path of every input drawn on its own to its distribution; a
    correlation naming anything else (or one input twice) is left to the reference checks.
    Unstated pairs are uncorrelated, as in the sampler.
    """
    out: list[tuple[FieldPath, str]] = []
    seen: dict[frozenset[str], int] = {}
    names: list[str] = []
    pairs: list[tuple[str, str, float]] = []
    for i, corr in enumerate(correlations):
        a, b = corr.between
        if a == b or a not in inputs or b not in inputs:
            continue
        fixed = [j for j, name in enumerate((a, b)) if inputs[name].is_fixed()]
        for j in fixed:
            message = f"'{corr.between[j]}' is a fixed number; only uncertain inputs can be correlated"
            out.append((("correlations", i, "between", j), message))
        key = frozenset((a, b))
        if fixed:
            continue
        if key in seen:
            k = seen[key]
            message = (
                f"this pair is already correlated at correlations[{k}] (rank {correlations[k].rank:g}); "
                "state each pair once"
            )
            out.append((("correlations", i, "between"), message))
            continue
        seen[key] = i
        pairs.append((a, b, float(corr.rank)))
        names += [n for n in (a, b) if n not in names]
    if not out and pairs:
        out += _consistency(names, pairs)
    return out


def _consistency(names: list[str], pairs: list[tuple[str, str, float]]) -> list[tuple[FieldPath, str]]:
    m = np.eye(len(names))
    for a, b, rank in pairs:
        i, j = names.index(a), names.index(b)
        m[i, j] = m[j, i] = rank
    smallest = float(np.linalg.eigvalsh(m).min())
    if smallest >= -PSD_TOLERANCE:
        return []
    message = (
        f"the stated correlations between {', '.join(names)} are not mutually consistent (the "
        f"rank-correlation matrix is not positive semi-definite; smallest eigenvalue {smallest:.3f}); "
        "weaken some of them"
    )
    return [(("correlations",), message)]
