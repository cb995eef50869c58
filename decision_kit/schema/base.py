"""The base of every scenario and portfolio model, and the small rules they share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ..distributions import DistributionBase, Fixed

FieldPath = tuple[str | int, ...]
"""Where a field sits in a file: keys and list indexes from the top (``("options", "buy", "costs")``)."""


def _plain_name(name: str) -> str:
    if "." in name:
        raise PydanticCustomError(
            "name_dot",
            "the name '{name}' contains '.'; names are joined with dots into input paths "
            "(options.<option>.costs.<line>.amount), so use '_' or '-' instead",
            {"name": name},
        )
    if not name.strip():
        raise PydanticCustomError("name_empty", "a name cannot be empty", {})
    return name


Name = Annotated[str, AfterValidator(_plain_name)]
"""The name of a driver, option, cost or benefit line, or risk: any text without a dot."""


class Model(BaseModel):
    """Frozen, unknown keys rejected, no infinities or NaN."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Document(Model):
    """What a whole file holds (a scenario or a portfolio): fields first, then cross-references."""

    def reference_problems(self) -> list[tuple[FieldPath, str]]:
        """Cross-references a field validator cannot see, as (field path, message) pairs."""
        return []


def below_minus_one(dist: DistributionBase) -> bool:
    """True when a yearly rate can reach -100% with a probability that is not negligible (> 1e-9)."""
    return float(dist.cdf(-1.0)) > 1e-9


def fixed_default(value: float) -> Any:
    """A field default: the fixed distribution at ``value`` (a fresh one per model)."""
    return Field(default_factory=lambda: Fixed(value=value))


T = TypeVar("T")


def kept_for_last(walk: Callable[[Any], list[T]]) -> Callable[[Any], list[T]]:
    """``walk`` of a frozen model, kept for the last model asked about (by identity: a model is
    never changed once made); each call returns a new list of the same items."""
    last: list = []

    @functools.wraps(walk)
    def kept(model: Any) -> list[T]:
        if not (last and last[0] is model):
            last[:] = [model, walk(model)]
        return list(last[1])

    return kept
