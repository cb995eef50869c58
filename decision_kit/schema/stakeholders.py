"""Criteria and stakeholders: the inputs of the multi-criteria (stakeholder) view."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..distributions import Num
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


class Stakeholder(Model):
    """A person whose criteria weights matter: ``weights`` directly or ``ahp`` comparisons."""

    role: str | None = None
    weights: dict[str, Num] | None = None
    ahp: AHP | None = None

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
