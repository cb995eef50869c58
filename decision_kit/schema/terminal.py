"""What the options are worth beyond the horizon: a scenario's terminal-value rule."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..distributions import Distribution, Num
from ..errors import input_error
from .base import FieldPath, Model, Name


class TerminalValue(Model):
    """The scenario's terminal-value rule, reported apart from the NPV (never inside it).

    ``rule``:

    - ``none`` (the default): nothing after the horizon counts;
    - ``salvage``: each option named under ``salvage`` is worth that amount (currency, an
      uncertain value, drawn once per trial) at the end of the last year; options not named
      are worth 0;
    - ``perpetuity``: each option x owner cell's net flow of the last year (benefits minus
      costs of year ``H``, that trial's) goes on for ever, growing by ``growth`` a year
      (Gordon growth): worth ``net_H (1 + growth) / (r - growth)`` at the end of year ``H``,
      with ``r`` the scenario's discount rate, which must exceed ``growth``.

    Either is discounted to the decision date by ``(1 + r)^H``. A perpetuity capitalises the
    whole last year, one-off flows of that year included (a risk event, a refresh): state
    such lines away from the last year, or read the perpetuity with that in mind.
    """

    rule: Literal["none", "salvage", "perpetuity"] = "none"
    growth: Num | None = Field(None, gt=-1)
    salvage: dict[Name, Distribution] = Field(default_factory=dict)
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.rule == "perpetuity" and self.growth is None:
            raise input_error("terminal", "a perpetuity needs 'growth:' (the yearly growth after the horizon)")
        if self.rule != "perpetuity" and self.growth is not None:
            raise input_error("terminal", "'growth' applies only to rule: perpetuity")
        if self.rule != "salvage" and self.salvage:
            raise input_error("terminal", "'salvage' applies only to rule: salvage")
        if self.rule == "salvage" and not self.salvage:
            raise input_error("terminal", "rule: salvage needs 'salvage:' with the value of at least one option")
        return self


def terminal_problems(s: Any) -> list[tuple[FieldPath, str]]:
    """The growth of a perpetuity below the discount rate; salvage values of existing options
    (``s`` is a :class:`~decision_kit.schema.Scenario`, which imports this module)."""
    tv = s.terminal_value
    out: list[tuple[FieldPath, str]] = []
    if tv.growth is not None and tv.growth >= s.discount_rate:
        out.append(
            (
                ("terminal_value", "growth"),
                f"a growing perpetuity needs growth below the discount rate ({tv.growth:g} >= {s.discount_rate:g}): "
                "its value would be infinite",
            )
        )
    for name in tv.salvage:
        if name not in s.options:
            out.append((("terminal_value", "salvage", name), f"option '{name}' does not exist"))
    return out
