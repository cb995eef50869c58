"""Plans with their owners changed, for the ownership analyses: every mechanism group but some
switched off (:func:`without_mechanisms`, to attribute an owner's NPV to its mechanisms), and
any cells of the (budget holder, delivery) grid as the owners (:func:`with_cells`). Both keep
the plan's inputs, so the same draws give comparable cells trial by trial."""

from __future__ import annotations

from dataclasses import replace

from .errors import ScenarioError
from .ownership import MECHANISMS, who_pays
from .plan import Plan
from .priors import OwnerShifts


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
    return replace(plan, ownership=replace(own, off=off), cache={})


def with_cells(plan: Plan, cells: tuple[tuple[str, str], ...]) -> Plan:
    """A copy of ``plan`` (owners by mechanism) whose owners are the (holder, delivery) cells
    ``cells``, named ``holder/delivery``, each with its mechanisms' own rework, incident and
    who-pays share (:func:`decision_kit.ownership.who_pays`; the scenario's ``owners:``
    overrides belong to the five presets and do not apply): the same inputs and draws, so any
    cell of the grid can be compared with the presets trial by trial."""
    own = plan.ownership
    if own is None:
        raise ScenarioError(f"scenario '{plan.scenario.name}' computes no owner by mechanism (no organisation)")
    shifts = tuple(OwnerShifts(marketing_share=who_pays(holder, own.fixed)) for holder, _ in cells)
    layout = replace(plan.layout, owners=tuple(f"{h}/{d}" for h, d in cells))
    cells = tuple(cells)
    return replace(plan, layout=layout, shifts=shifts, ownership=replace(own, cells=cells, overridden=()), cache={})
