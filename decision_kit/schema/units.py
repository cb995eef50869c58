"""A shipped prior used where its unit cannot go: a salary as months to go-live, a probability
as a cost (issue 16, class 6).

Each prior in ``data/priors.yaml`` states its unit; a field's dimension follows from its name
(:func:`field_dimension`). A prior, named directly or through a shared quantity, whose unit has
another dimension than the field's is a located error. Fields whose dimension the name does
not fix (benefit amounts, drivers, scores) are not checked.
"""

from __future__ import annotations

from typing import Any

from ..distributions import PriorRef, Shared, priors_file
from .base import FieldPath

DIMENSIONS = {
    "months": "time",
    "probability per year": "probability",
    "USD": "money",
    "USD per year": "money",
}
"""The dimension of each prior unit that has one; every other unit (ratio, fraction, fraction
per year, ...) is dimensionless."""

_MONEY_IMPACTS = ("one_off", "forced_migration")


def unit_dimension(unit: str) -> str:
    return DIMENSIONS.get(unit, "dimensionless")


def field_dimension(s: Any, path: FieldPath) -> str | None:
    """The dimension a field's value must have, from its place in the scenario ``s``, or None
    where the place does not fix it."""
    leaf = str(path[-1])
    if leaf.endswith("_months") or leaf.endswith("_weeks") or leaf.endswith("_days"):
        return "time"
    if path[0] == "risks":
        if leaf == "probability":
            return "probability"
        if leaf == "impact":
            return "money" if s.risks[str(path[1])].effect in _MONEY_IMPACTS else "dimensionless"
    if leaf in ("escalation", "growth", "cost_overrun", "realisation") and path[0] != "drivers":
        return "dimensionless"
    if leaf == "specialist_cost":
        return "money"
    if leaf == "amount" and "costs" in path:
        line = path[path.index("costs") + 1]
        owner = s.status_quo if path[0] == "status_quo" else s.options[str(path[1])]
        return "dimensionless" if owner.costs[str(line)].timing == "percent_of" else "money"
    return None


def prior_unit_problems(s: Any, distributions: list[tuple[FieldPath, Any]]) -> list[tuple[FieldPath, str]]:
    """(path, message) for every field of ``s`` that takes a shipped prior of the wrong dimension;
    ``distributions`` are the scenario's (path, distribution) pairs in file order."""
    units = {name: entry["unit"] for name, entry in priors_file()["distributions"].items()}
    out = []
    for path, dist in distributions:
        source = s.shared.get(dist.name) if isinstance(dist, Shared) else dist
        if not isinstance(source, PriorRef) or source.name not in units:
            continue
        want, unit = field_dimension(s, path), units[source.name]
        if want is not None and unit_dimension(unit) != want:
            via = f" (through shared quantity '{dist.name}')" if isinstance(dist, Shared) else ""
            out.append((path, f"prior '{source.name}'{via} is in {unit}, which cannot be a {want} value"
                        + (" (a value without a unit)" if want == "dimensionless" else "")))  # fmt: skip
    return out
