"""Criteria and stakeholders: the inputs of the multi-criteria (stakeholder) view."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..distributions import Distribution, Num
from ..errors import input_error
from .base import Model

COMPUTED_CRITERIA: dict[str, str] = {
    "expected_npv": "more",
    "p10_npv": "more",
    "time_to_launch": "less",
    "probability_of_loss": "less",
    "security_risk": "less",
}
"""Criteria the engine computes for every option x owner cell, with their direction."""


class Criterion(Model):
    """A criterion for the stakeholder view: ``better`` says which direction is preferred."""

    better: Literal["more", "less"]
    description: str | None = None


class AHP(Model):
    """Pairwise comparisons on Saaty's 1-9 scale: ``matrix[i][j]`` says how much more
    ``criteria[i]`` matters than ``criteria[j]``."""

    criteria: list[str] = Field(min_length=2)
    matrix: list[list[Num]]

    @model_validator(mode="after")
    def _check(self):
        n = len(self.criteria)
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            raise input_error("ahp", "the AHP matrix must be {n} x {n}, one row and column per criterion", n=n)
        for i in range(n):
            for j in range(n):
                a, b = self.matrix[i][j], self.matrix[j][i]
                if a <= 0:
                    raise input_error(
                        "ahp", "AHP entries must be positive (row {i}, column {j} is {a})", i=i + 1, j=j + 1, a=a
                    )
                if abs(a * b - 1) > 1e-2:
                    raise input_error(
                        "ahp",
                        "AHP matrix is not reciprocal: entry ({i},{j}) = {a} but ({j},{i}) = {b}",
                        i=i + 1,
                        j=j + 1,
                        a=a,
                        b=b,
                    )
        return self


def has_density(d: Any) -> bool:
    """Whether a distribution has a density everywhere it puts mass (no point mass: not a fixed
    number, not discrete, no fixed component in a mixture), as a stakeholder's estimate needs."""
    d = getattr(d, "resolved", d)
    if d.dist in ("fixed", "discrete"):
        return False
    if d.dist == "mixture":
        return all(has_density(c.dist) for c in d.components)
    return True


class Stakeholder(Model):
    """A person whose criteria weights matter: ``weights`` directly or ``ahp`` comparisons.

    ``estimates``: the stakeholder's own numbers for some uncertain inputs, by the input's
    dotted path (``options.buy.launch_months``, ``shared.market_response``), each a distribution
    with a density; on inputs they do not estimate they hold the scenario's. ``belief_weight``:
    their weight in the pooled belief (normalised over the stakeholders; equal if none states
    one). Read by :mod:`decision_kit.whose_numbers`; the main results use the scenario's numbers.
    """

    role: str | None = None
    weights: dict[str, Num] | None = None
    ahp: AHP | None = None
    estimates: dict[str, Distribution] = Field(default_factory=dict)
    belief_weight: Num | None = Field(None, ge=0)

    @field_validator("estimates")
    @classmethod
    def _densities(cls, v: Any) -> Any:
        for path, d in v.items():
            if not has_density(d):
                raise input_error(
                    "estimate", "the estimate of '{path}' needs a density (a continuous distribution, no point mass)",
                    path=path,
                )  # fmt: skip
        return v

    @model_validator(mode="after")
    def _check(self):
        if (self.weights is None) == (self.ahp is None):
            raise input_error("weights", "give exactly one of 'weights' or 'ahp'")
        if self.weights is not None:
            if any(w < 0 for w in self.weights.values()):
                raise input_error("weights", "weights cannot be negative")
            if not sum(self.weights.values()) > 0:
                raise input_error("weights", "weights cannot all be zero")
        return self
