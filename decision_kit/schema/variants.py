"""Option variants: an option that ``extends`` another and shares its draws.

"Buy with premium support" is "buy" plus one line. Written as a variant::

    options:
      buy: {kind: buy, launch_months: ..., costs: {...}, benefits: {...}}
      buy_premium:
        extends: buy
        costs:
          premium_support: {category: support, timing: recurring, amount: 40k}

``buy_premium`` inherits everything it does not state: ``kind``, ``launch_months``,
``cost_overrun``, ``realisation``, and each cost line, benefit line and score by name. A line
stated under an inherited name replaces it in place (the parent's order is kept); new lines
follow. Inherited inputs are not drawn again: in every trial they read the parent's draw
(:func:`derived_inputs` in :mod:`decision_kit.schema.scenario`), so the difference between a
variant and its parent is exactly the effect of what the variant changes. A variant may
extend a variant; risks that name a parent under ``options`` touch its variants too.

Expansion happens on the plain data, before field validation (:func:`expand_options`), so the
validated variant is a whole option and every cross-reference (a percent_of target, a
price-rise line) is checked on what the variant really contains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INHERITED_FIELDS = ("kind", "launch_months", "cost_overrun", "realisation", "in_house_share", "flexibility")
"""Fields a variant takes from its parent when it does not state them."""

MERGED_FIELDS = ("costs", "benefits", "scores")
"""Mappings a variant merges with its parent's, entry by entry (its own entries win)."""


@dataclass(frozen=True)
class UnresolvedParent:
    """Put in place of an ``extends`` that cannot be followed; the option's validator reports
    ``problem`` at the ``extends`` field, where it is written."""

    problem: str


STATUS_QUO = "status_quo"
"""A variant may extend the status quo: ``extends: status_quo`` (its costs and benefits)."""


def parent_problems(options: Mapping[str, Any], status_quo: bool = False) -> dict[str, str]:
    """Each option whose ``extends`` cannot be followed, with the reason: the parent does not
    exist, is the option itself, or the chain of parents comes back to the option.
    ``status_quo``: whether the scenario states a status quo (which may be extended)."""
    parents = {
        name: raw.get("extends")
        for name, raw in options.items()
        if isinstance(raw, Mapping) and isinstance(raw.get("extends"), str)
    }
    out: dict[str, str] = {}
    for name, parent in parents.items():
        if parent == name:
            out[name] = "an option cannot extend itself"
        elif parent == STATUS_QUO and status_quo:
            continue
        elif parent not in options:
            out[name] = f"option '{parent}' does not exist (options: {', '.join(options)})"
        else:
            seen, cur = [name], parent
            while cur in parents and cur not in seen:
                seen.append(cur)
                cur = parents[cur]
            if cur == name:
                out[name] = "options extend each other in a cycle: " + " -> ".join(seen + [name])
    return out


def expand_options(options: Any, status_quo: Any = None) -> tuple[Any, dict[str, frozenset[tuple[str, ...]]]]:
    """The plain ``options`` data with every variant's inherited content filled in, and per
    variant what it inherited (keys as :attr:`~decision_kit.schema.Option.inherited`).
    ``status_quo`` is the plain status-quo data, which a variant may extend (its lines).

    Options whose parent cannot be followed keep their data, with ``extends`` replaced by an
    :class:`UnresolvedParent` that validation reports. The input is not modified.
    """
    if not isinstance(options, Mapping) or not any(
        isinstance(raw, Mapping) and raw.get("extends") is not None for raw in options.values()
    ):
        return options, {}
    problems = parent_problems(options, isinstance(status_quo, Mapping))
    out: dict[str, Any] = dict(options)
    inherited: dict[str, frozenset[tuple[str, ...]]] = {}
    done: set[str] = set()

    def expand(name: str) -> Any:
        raw = options[name]
        if name in done or not isinstance(raw, Mapping) or raw.get("extends") is None:
            return out[name]
        done.add(name)
        if name in problems:
            out[name] = {**raw, "extends": UnresolvedParent(problems[name])}
            return out[name]
        from_status_quo = raw["extends"] == STATUS_QUO and isinstance(status_quo, Mapping)
        parent = status_quo if from_status_quo else expand(raw["extends"])
        if not isinstance(parent, Mapping):
            return out[name]
        merged: dict[str, Any] = dict(raw)
        keys: set[tuple[str, ...]] = set()
        for field in INHERITED_FIELDS:
            if field not in raw and field in parent:
                merged[field] = parent[field]
                keys.add((field,))
        for field in MERGED_FIELDS:
            theirs, mine = parent.get(field) or {}, raw.get(field) or {}
            if isinstance(theirs, Mapping) and isinstance(mine, Mapping) and theirs:
                merged[field] = {**theirs, **mine}  # an overridden entry keeps the parent's place
                keys.update((field, k) for k in theirs if k not in mine)
        out[name] = merged
        inherited[name] = frozenset(keys)
        return merged

    for name in options:
        expand(name)
    return out, inherited


def lineage(options: Mapping[str, Any], name: str) -> list[str]:
    """``name`` and the options it extends, nearest first (``[variant, parent, grandparent]``)."""
    out = [name]
    while (parent := getattr(options.get(out[-1]), "extends", None)) is not None and parent not in out:
        out.append(parent)
    return out
