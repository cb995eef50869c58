"""Warnings for inputs that are possible but implausible (issue 16, class 6): a scenario that
validates can still say something its author did not mean, and the run should say so.

Warned, with the field where it is written:

- a ``percent_of`` share above 100% (``amount: 150`` is 15,000%, ``150%`` is 1.5 times the
  line it refers to);
- a yearly escalation or growth (cost lines, benefits, drivers) whose median is above
  :data:`FAST_GROWTH` a year;
- a cost or benefit line with an uncertain amount and no ``source`` on the line (nor on its
  option): every assumption should say where it comes from.

These are warnings, not errors: :mod:`decision_kit.cli` prints them for ``validate`` and
``run``; the scenario still runs. Impossible values are refused by the schema instead.
"""

from __future__ import annotations

from typing import Any

from .errors import Problem
from .loading import read_yaml
from .schema import Scenario
from .schema.base import FieldPath
from .schema.validation import dotted, locate

FAST_GROWTH = 0.5
"""A yearly escalation or growth above this median (50% a year) is warned as implausible."""


def _median(d: Any) -> float | None:
    try:
        return float(d.median())
    except Exception:  # a distribution without a closed-form median is not second-guessed
        return None


def _fast(d: Any, at: FieldPath, what: str) -> list[tuple[FieldPath, str]]:
    m = _median(d) if d is not None else None
    if m is None or m <= FAST_GROWTH:
        return []
    return [(at, f"a yearly {what} of {m:.0%} (the median) is implausible; 5% is written 5% or 0.05")]


def _lines(s: Scenario) -> list[tuple[FieldPath, Any, Any, str | None]]:
    """(path, line, kind, the option's source) of every cost and benefit line stated in the file."""
    out: list[tuple[FieldPath, Any, Any, str | None]] = []
    for oname, opt in s.options.items():
        for kind in ("costs", "benefits"):
            for lname, line in getattr(opt, kind).items():
                if not opt.is_inherited((kind, lname)):
                    out.append((("options", oname, kind, lname), line, kind, opt.source))
    if s.status_quo is not None:
        for kind in ("costs", "benefits"):
            for lname, line in getattr(s.status_quo, kind).items():
                out.append((("status_quo", kind, lname), line, kind, None))
    return out


def implausible(s: Scenario) -> list[tuple[FieldPath, str]]:
    """(field path, message) for every implausible input of ``s``, in file order."""
    out: list[tuple[FieldPath, str]] = []
    for dname, driver in s.drivers.items():
        out += _fast(driver.growth, ("drivers", dname, "growth"), "driver growth")
    for at, line, kind, option_source in _lines(s):
        if kind == "costs" and line.timing == "percent_of":
            m = _median(line.amount)
            if m is not None and m > 1:
                out.append(
                    (
                        at + ("amount",),
                        f"a percent_of share of {m:g} is {m:.0%} of line '{line.of}'; write 15% or 0.15 "
                        "for fifteen percent",
                    )
                )
        elif kind == "costs":
            out += _fast(line.escalation, at + ("escalation",), "escalation")
        else:
            out += _fast(line.growth, at + ("growth",), "benefit growth")
        if not line.amount.is_fixed() and not line.source and not option_source:
            out.append((at, "an uncertain amount with no source: say where the figure comes from (or 'Judgement')"))
    return out


def file_warnings(path: Any, scenario: Scenario) -> list[Problem]:
    """:func:`implausible` for ``scenario`` as read from file ``path``, each with the line and
    column where its field is written (the file is read again for its locations)."""
    from pathlib import Path

    file = str(path)
    _, locs = read_yaml(Path(path).read_text(encoding="utf-8"), file)
    out: list[Problem] = []
    for at, message in implausible(scenario):
        where = locate(locs, at)
        out.append(Problem(file, where[0] if where else None, where[1] if where else None, dotted(at), message))
    return out
