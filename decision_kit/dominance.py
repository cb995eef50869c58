"""Ownership comparisons that are predetermined: an ownership model whose every effect is at
least as favourable as another's (MODEL_DESIGN section 4a, "dominance lint").

The ownership models shift each option by constants (:class:`~decision_kit.priors.OwnerShifts`).
Owner ``a`` *dominates* owner ``b`` when, for this scenario, ``a``'s shifts are no worse than
``b``'s on every effect and better on at least one: a launch factor, extra launch months,
integration factor, incident frequency and severity, governance overhead and consolidation no
larger, and a realisation factor no smaller. ``marketing_share`` (who pays) is neither better nor
worse. Then ``a`` beats ``b`` in expectation for almost any inputs (faster launch helps whenever
an option's net flow after go-live is positive), so "a is ahead of b" is a consequence of the
constants, not of the scenario's inputs, and the recommendation says so.
"""

from __future__ import annotations

from .priors import OwnerShifts
from .schema import Scenario

LOWER_IS_BETTER = (
    "launch_factor",
    "launch_extra_months",
    "integration_factor",
    "incident_frequency",
    "incident_severity",
    "governance_overhead",
    "consolidation",
)
"""Effects where a smaller shift is more favourable to the option."""

HIGHER_IS_BETTER = ("realisation_factor",)
"""Effects where a larger shift is more favourable to the option."""


def dominates(a: OwnerShifts, b: OwnerShifts) -> bool:
    """Whether shifts ``a`` are at least as favourable as ``b`` on every effect and strictly
    more favourable on one (identical shifts dominate neither way)."""
    no_worse = all(getattr(a, k) <= getattr(b, k) for k in LOWER_IS_BETTER) and all(
        getattr(a, k) >= getattr(b, k) for k in HIGHER_IS_BETTER
    )
    differs = any(getattr(a, k) != getattr(b, k) for k in LOWER_IS_BETTER + HIGHER_IS_BETTER)
    return no_worse and differs


def dominated_by(scenario: Scenario, owner: str) -> tuple[str, ...]:
    """The scenario's ownership models that ``owner`` dominates by their constant shifts, in the
    scenario's order; () for a scenario whose owners are computed by mechanism (an
    organisation profile: :func:`decision_kit.ownership.dominates` compares those)."""
    if scenario.by_mechanism:
        return ()
    mine = scenario.owner_shifts(owner)
    return tuple(w for w in scenario.owners if w != owner and dominates(mine, scenario.owner_shifts(w)))
