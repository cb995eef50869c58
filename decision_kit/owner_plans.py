"""Plans with their owners changed, for the ownership analyses: every mechanism group but some
switched off (:func:`without_mechanisms`, to attribute an owner's NPV to its mechanisms), and
any cells of the (budget holder, delivery) grid as the owners (:func:`with_cells`). Both keep
the plan's inputs, so the same draws give comparable cells trial by trial."""

from __future__ import annotations

from dataclasses import replace

from .errors import ScenarioError
from .ownership import MECHANISMS, scalar_effects
from .plan import Plan
from .priors import OwnerShifts, is_owner


def without_mechanisms(plan: Plan, off: frozenset[str] | set[str]) -> Plan:
    """A copy of ``plan`` (owners by mechanism) with the mechanism groups ``off`` (of
    :data:`decision_kit.ownership.MECHANISMS`) neutral for every owner: the same inputs and
    draws, so the difference from ``plan`` is what those mechanisms contribute."""
    own = plan.ownership
    if own is None:
        raise ScenarioError(f"scenario '{plan.scenario.name}' computes no owner by mechanism (no organisation)")
    off = frozenset(off)
    unknown = off - set(MECHANISMS)
    if unknown:
        raise ScenarioError(f"unknown mechanism {sorted(unknown)}; the mechanisms are {', '.join(MECHANISMS)}")
    s = plan.scenario
    shifts = []
    for w, cell in zip(plan.layout.owners, own.cells, strict=True):
        eff = scalar_effects(cell, own.fixed, off)
        base = plan.shifts[plan.layout.owners.index(w)]
        assert is_owner(w)
        shifts.append(
            base.model_copy(
                update={
                    "integration_factor": eff.integration_factor if s.owners[w].integration_factor is None
                    else base.integration_factor,
                    "incident_frequency": eff.incident_frequency if s.owners[w].incident_frequency is None
                    else base.incident_frequency,
                    "incident_severity": eff.incident_severity if s.owners[w].incident_severity is None
                    else base.incident_severity,
                }
            )
        )  # fmt: skip
    return replace(plan, shifts=tuple(shifts), ownership=replace(own, off=off), cache={})


def with_cells(plan: Plan, cells: tuple[tuple[str, str], ...]) -> Plan:
    """A copy of ``plan`` (owners by mechanism) whose owners are the (holder, delivery) cells
    ``cells``, named ``holder/delivery``, each with its mechanisms' own rework, incident and
    who-pays factors (:func:`decision_kit.ownership.scalar_effects`; the scenario's ``owners:``
    overrides belong to the five presets and do not apply): the same inputs and draws, so any
    cell of the grid can be compared with the presets trial by trial."""
    own = plan.ownership
    if own is None:
        raise ScenarioError(f"scenario '{plan.scenario.name}' computes no owner by mechanism (no organisation)")
    shifts = []
    for cell in cells:
        eff = scalar_effects(cell, own.fixed)
        factors = {"integration_factor": eff.integration_factor, "incident_frequency": eff.incident_frequency,
                   "incident_severity": eff.incident_severity, "marketing_share": eff.marketing_share}  # fmt: skip
        shifts.append(OwnerShifts(**factors))
    layout = replace(plan.layout, owners=tuple(f"{h}/{d}" for h, d in cells))
    return replace(plan, layout=layout, shifts=tuple(shifts), ownership=replace(own, cells=tuple(cells)), cache={})
