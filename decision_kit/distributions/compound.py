"""Distributions made of others (a mixture) or naming one (a shipped prior, a shared quantity
of the scenario), and the :data:`Distribution` type that admits every form.

A mixture's components may be any distribution, so the mixture, the references and the
union of all forms are defined together. A prior is resolved against the shipped catalogue,
the ``distributions`` section of ``decision_kit/data/priors.yaml`` (read on first use; the
same objects are :data:`decision_kit.priors.PRIORS`'s). A shared reference is resolved against
the ``shared`` block of the scenario being validated (:func:`shared_scope`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from importlib import resources
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import input_error
from .base import DistributionBase
from .families import PERT, Discrete, Fixed, LogNormal, Normal, Pareto, Triangular, Uniform
from .metalog import Quantiles
from .numbers import Num, ReadableNumber, number_in_file, plain_number

PRIORS_FILE = "data/priors.yaml"
"""The shipped priors, relative to the ``decision_kit`` package."""


class Component(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    weight: Num = Field(gt=0, le=1)
    dist: Distribution


class Mixture(DistributionBase):
    """With probability ``weight_i`` the value comes from component ``i``."""

    dist: Literal["mixture"] = "mixture"
    components: list[Component] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self):
        total = sum(c.weight for c in self.components)
        if abs(total - 1) > 1e-6:
            raise input_error("prob", "mixture weights sum to {total}, not 1", total=round(total, 6))
        if any(c.dist.dist == "shared" for c in self.components):
            raise input_error(
                "shared",
                "a mixture component cannot be a shared quantity (a mixture draws its components "
                "per trial; state the mixture under shared and refer to it instead)",
            )
        return self

    def sample(self, rng, size):
        u = rng.random(size)
        edges = np.cumsum([c.weight for c in self.components])
        which = np.minimum(np.searchsorted(edges, u, side="right"), len(self.components) - 1)
        out = np.empty(size)
        for i, comp in enumerate(self.components):
            mask = which == i
            out[mask] = comp.dist.sample(rng, int(mask.sum()))
        return out

    def cdf(self, x):
        return sum(c.weight * np.asarray(c.dist.cdf(x), dtype=float) for c in self.components)

    @functools.cached_property
    def bracket(self) -> tuple[float, float]:
        """Where the quantiles are sought: the components' 1e-12 and 1 - 1e-12 quantiles (a nested
        mixture's own bracket), found once, so nesting costs time in proportion to its depth."""
        ends = [c.dist.bracket if isinstance(c.dist, Mixture) else _ends(c.dist) for c in self.components]
        return min(lo for lo, _ in ends), max(hi for _, hi in ends)

    @functools.cached_property
    def _support(self) -> tuple[float, float]:
        return float(self.ppf(0.0)), float(self.ppf(1.0))

    def support(self) -> tuple[float, float]:
        """:meth:`ppf` at 0 and 1, as for every distribution, found once per mixture (each end is
        200 CDF evaluations; a shipped prior's mixture is one object shared by every scenario)."""
        return self._support

    def ppf(self, q):
        """Quantiles by bisection on the mixture CDF within :attr:`bracket`."""
        q = np.asarray(q, dtype=float)
        lo_b, hi_b = self.bracket
        lo, hi = np.full(q.shape, lo_b), np.full(q.shape, hi_b)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            below = self.cdf(mid) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return hi if hi.ndim else float(hi)

    def mean(self):
        return sum(c.weight * c.dist.mean() for c in self.components)

    @model_serializer
    def _ser(self):
        return self._dump(
            {"components": [{"weight": plain_number(c.weight), "dist": c.dist.model_dump()} for c in self.components]}
        )


def _ends(dist: DistributionBase) -> tuple[float, float]:
    return float(dist.ppf(1e-12)), float(dist.ppf(1 - 1e-12))


class PriorRef(DistributionBase):
    """A shipped reference-class prior, by name (see ``decision_kit.priors``).

    Behaves as the prior's distribution; saving writes the name back, not the numbers.
    """

    dist: Literal["prior"] = "prior"
    name: str

    @model_validator(mode="after")
    def _check(self):
        known = shipped_distributions()
        if self.name not in known:
            raise input_error(
                "prior", "unknown prior '{name}' (known: {known})", name=self.name, known=", ".join(sorted(known))
            )
        return self

    @property
    def resolved(self) -> Distribution:
        return shipped_distributions()[self.name]

    def sample(self, rng, size):
        return self.resolved.sample(rng, size)

    def ppf(self, q):
        return self.resolved.ppf(q)

    def support(self) -> tuple[float, float]:
        return self.resolved.support()  # the prior's own (a mixture finds it once)

    def cdf(self, x):
        return self.resolved.cdf(x)

    def mean(self):
        return self.resolved.mean()

    @model_serializer
    def _ser(self):
        return self._dump({"name": self.name})


_SCOPE: ContextVar[Mapping[str, DistributionBase | None] | None] = ContextVar("shared_scope", default=None)


@contextlib.contextmanager
def shared_scope(quantities: Mapping[str, DistributionBase | None]) -> Iterator[None]:
    """Resolve ``{dist: shared, name: ...}`` against ``quantities`` while the block runs.

    ``quantities`` maps each name of a scenario's ``shared`` block to its validated
    distribution, or to None where that entry is itself invalid (a reference to it is then left
    unresolved, without a second error: the entry's own error is reported).
    """
    token = _SCOPE.set(quantities)
    try:
        yield
    finally:
        _SCOPE.reset(token)


class Shared(DistributionBase):
    """A named quantity of the scenario's ``shared`` block, times ``scale``.

    Every reference to the same name reads the same draw in a trial (the same physical
    quantity, the same number), multiplied by its own ``scale`` (e.g. an option's fit factor:
    ``{dist: shared, name: market_response, scale: 1.25}``). The quantity is drawn once per
    trial under the path ``shared.<name>``; correlations name that path. As a distribution it
    behaves as the quantity's distribution scaled by ``scale``.
    """

    dist: Literal["shared"] = "shared"
    name: str
    scale: Num = Field(1.0, gt=0)
    _target: DistributionBase | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _resolve(self):
        scope = _SCOPE.get()
        if scope is None:
            raise input_error(
                "shared",
                "'dist: shared' names a quantity of a scenario's shared block; it can only be used in a scenario",
            )
        if self.name not in scope:
            raise input_error(
                "shared",
                "'{name}' is not defined under shared (defined: {known})",
                name=self.name,
                known=", ".join(scope) or "none",
            )
        self._target = scope[self.name]
        return self

    @property
    def path(self) -> str:
        """The dotted path under which the quantity is drawn: ``shared.<name>``."""
        return f"shared.{self.name}"

    @property
    def target(self) -> DistributionBase:
        """The shared quantity's distribution (unscaled)."""
        if self._target is None:
            raise ValueError(f"shared quantity '{self.name}' is not resolved (its own entry is invalid)")
        return self._target

    @property
    def value(self) -> float:
        """The scaled value of a fixed shared quantity."""
        if not self.target.is_fixed():
            raise AttributeError(f"shared quantity '{self.name}' is uncertain: it has no single value")
        return float(self.target.ppf(0.5)) * self.scale

    def sample(self, rng, size):
        return self.target.sample(rng, size) * self.scale

    def ppf(self, q):
        if self._target is None:  # unresolved: no bound to check against
            return np.full(np.shape(q), np.nan) if np.ndim(q) else float("nan")
        return self.target.ppf(q) * self.scale

    def support(self) -> tuple[float, float]:
        if self._target is None:
            return float("nan"), float("nan")
        lo, hi = self.target.support()  # the quantity's own (a mixture finds it once)
        return lo * self.scale, hi * self.scale

    def cdf(self, x):
        if self._target is None:
            return np.full(np.shape(x), np.nan) if np.ndim(x) else float("nan")
        return self.target.cdf(np.asarray(x, dtype=float) / self.scale)

    def mean(self):
        return self.target.mean() * self.scale

    def is_fixed(self) -> bool:
        return self._target is not None and self._target.is_fixed()

    @model_serializer
    def _ser(self):
        fields: dict[str, Any] = {"name": self.name}
        if self.scale != 1:
            fields["scale"] = plain_number(self.scale)
        return self._dump(fields)


DIST_NAMES = (
    "fixed",
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "discrete",
    "quantiles",
    "pareto",
    "mixture",
    "prior",
    "shared",
)


_TEXT_KEYS = ("dist", "source", "name", "components")


def _coerce(value: Any) -> Any:
    """Numbers and readable number strings become ``fixed``; mappings must name a known ``dist``."""
    value = number_in_file(value)
    if isinstance(value, float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, BaseModel):
        return value
    if isinstance(value, dict):
        if "dist" not in value:
            raise input_error(
                "dist_missing",
                "a distribution needs 'dist:' naming one of {names} (or write a plain number)",
                names=", ".join(DIST_NAMES),
            )
        if value["dist"] not in DIST_NAMES:
            raise input_error(
                "dist_unknown",
                "unknown distribution '{name}'; expected one of {names}",
                name=str(value["dist"]),
                names=", ".join(DIST_NAMES),
            )
        out = {}
        for k, v in value.items():
            try:
                out[k] = (
                    v
                    if k in _TEXT_KEYS
                    else (
                        [number_in_file(x) for x in v]
                        if isinstance(v, list) and k != "components"
                        else number_in_file(v)
                    )
                )
            except PydanticCustomError as exc:  # say which parameter of the distribution
                raise input_error(
                    exc.type, "{key}: " + exc.message_template, key=str(k), **(exc.context or {})
                ) from exc
        return out
    raise input_error("dist_type", "expected a number or a distribution mapping, got {got!r}", got=value)


_Union = Annotated[
    Fixed
    | Uniform
    | Triangular
    | PERT
    | Normal
    | LogNormal
    | Discrete
    | Quantiles
    | Pareto
    | Mixture
    | PriorRef
    | Shared,
    Field(discriminator="dist"),
]

Distribution = Annotated[_Union, BeforeValidator(_coerce, json_schema_input_type=float | ReadableNumber | _Union)]
"""An uncertain quantity: a bare number or a mapping with ``dist:`` and its parameters."""

OptionalDistribution = Annotated[
    _Union | None,
    BeforeValidator(
        lambda v: None if v is None else _coerce(v), json_schema_input_type=float | ReadableNumber | _Union | None
    ),
]
"""A distribution that may be left out (``None``)."""

Component.model_rebuild()
Mixture.model_rebuild()


@functools.cache
def shipped_yaml(name: str) -> dict[str, Any]:
    """A YAML mapping shipped in the package (``name`` relative to it, e.g. ``data/priors.yaml``)
    as plain data; read once, on first use."""
    import yaml

    text = resources.files("decision_kit").joinpath(name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError(f"{name} must be a mapping, not {type(data).__name__}")
    return data


def priors_file() -> dict[str, Any]:
    """The shipped priors file (:data:`PRIORS_FILE`) as plain data; read once, on first use."""
    return shipped_yaml(PRIORS_FILE)


@functools.cache
def shipped_distributions() -> dict[str, Distribution]:
    """The distribution of every shipped prior, by name (what ``{dist: prior, name: ...}`` resolves to)."""
    adapter: TypeAdapter[Distribution] = TypeAdapter(Distribution)
    return {name: adapter.validate_python(entry["dist"]) for name, entry in priors_file()["distributions"].items()}
