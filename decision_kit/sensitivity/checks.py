"""Checks of an analysis request, shared by the sensitivity analyses.

The scenario, metric, cell, input path, counts and fractions a caller passes are checked here,
each failing with a plain :class:`~decision_kit.errors.ScenarioError` (with near matches for a
misspelt name).
:data:`METRICS` lists the metrics an analysis can follow.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping

from .. import engine
from ..errors import ScenarioError
from ..schema import Scenario

METRICS = ("npv", "pv_cost", "tco")
"""Metrics an analysis can follow (see :class:`decision_kit.results.Result`)."""


def _suggest(name: str, known) -> str:
    near = difflib.get_close_matches(str(name), list(known), n=5, cutoff=0.6)
    return f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def check_scenario(scenario) -> None:
    """Raise ScenarioError unless ``scenario`` is a loaded Scenario."""
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"expected a Scenario (see decision_kit.load_scenario), got {type(scenario).__name__}")


def check_metric(metric) -> str:
    """``metric`` if it is one of :data:`METRICS`, else ScenarioError."""
    if metric not in METRICS:
        raise ScenarioError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return metric


def check_member(kind: str, name, known, scenario_name: str) -> None:
    """Raise ScenarioError (with near matches) unless ``name`` is one of the ``known`` names of a ``kind``."""
    if name not in known:
        raise ScenarioError(
            f"unknown {kind} {name!r} in '{scenario_name}' ({kind}s: {', '.join(known)})" + _suggest(name, known)
        )


def check_cell(cell, label: str, lay: engine.Layout, scenario_name: str) -> tuple[str, str]:
    """``cell`` as an ``(option, owner)`` pair of strings known to the layout, else ScenarioError."""
    if isinstance(cell, str) or not isinstance(cell, (tuple, list)) or len(cell) != 2:
        raise ScenarioError(f"{label} must be an (option, owner) pair such as ('build', 'it'), got {cell!r}")
    option, owner = cell
    check_member("option", option, lay.options, scenario_name)
    check_member("owner", owner, lay.owners, scenario_name)
    return str(option), str(owner)


def check_int(name: str, value, minimum: int) -> int:
    """``value`` as an int if it is a whole number of at least ``minimum``, else ScenarioError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise ScenarioError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_fraction(name: str, value) -> float:
    """``value`` as a float if it is a fraction strictly between 0 and 1 (0.10 is P10), else ScenarioError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ScenarioError(f"{name} must be a fraction strictly between 0 and 1 (0.10 is P10), got {value!r}")
    return float(value)


def check_input(scenario: Scenario, path, inputs: Mapping) -> str:
    """``path`` if it names one of the ``inputs`` (dotted paths of the scenario file), else ScenarioError."""
    if path not in inputs:
        raise ScenarioError(
            f"'{path}' is not an input of '{scenario.name}'"
            + _suggest(path, inputs)
            + " (inputs are named by their dotted path in the file, e.g. drivers.seats.start)"
        )
    return path
