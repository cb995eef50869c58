"""A budget portfolio: initiatives competing for a digital budget over one or more years."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..distributions import Distribution, Num
from ..errors import input_error
from .base import Document, FieldPath, Model


class ResponseCurve(Model):
    """Value per year (currency) as a function of spend ``x`` per year (currency).

    - ``exp_saturation``: ``max_value (1 - exp(-x / scale))``;
    - ``hill``: ``max_value x^shape / (x^shape + scale^shape)`` (``shape`` <= 1 keeps it concave);
    - ``log``: ``max_value ln(1 + x / scale)`` (no saturation, diminishing returns).
    """

    form: Literal["exp_saturation", "hill", "log"]
    max_value: Distribution
    scale: Distribution
    shape: Num = Field(1.0, gt=0, le=1)
    source: str | None = None


class Prerequisite(Model):
    initiative: str
    min_spend: Num = Field(ge=0)


class Initiative(Model):
    """A candidate for the digital budget, with its owner, response curve and bounds (per year)."""

    owner: Literal["marketing", "it", "shared"]
    description: str | None = None
    curve: ResponseCurve
    min_spend: Num = Field(0.0, ge=0)
    max_spend: Num | None = Field(None, gt=0)
    requires: Prerequisite | None = None
    years: list[int] | None = Field(
        None, description="plan years the initiative runs, 1 = the first plan year (default: all)"
    )
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.max_spend is not None and self.max_spend < self.min_spend:
            raise input_error("bounds", "max_spend {hi} is below min_spend {lo}", hi=self.max_spend, lo=self.min_spend)
        return self


class Portfolio(Document):
    """A set of initiatives competing for a digital budget over one or more years."""

    name: str
    description: str | None = None
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    start_year: int = Field(2027, ge=1900, le=2200)
    budget: list[Num] = Field(min_length=1, description="total budget per plan year (currency)")
    owner_budgets: dict[Literal["marketing", "it", "shared"], list[Num]] | None = None
    carry_over: Num = Field(0.0, ge=0, le=1, description="fraction of unspent budget carried to the next year")
    discount_rate: Num = Field(0.08, gt=-1, le=1)
    initiatives: dict[str, Initiative] = Field(min_length=1)
    source: str | None = None

    @field_validator("owner_budgets", mode="after")
    @classmethod
    def _owner_budgets(cls, v):
        if v is not None and any(b < 0 for budgets in v.values() for b in budgets):
            raise input_error("budget", "owner budgets cannot be negative")
        return v

    @field_validator("budget", mode="after")
    @classmethod
    def _budget(cls, v):
        if any(b < 0 for b in v):
            raise input_error("budget", "budgets cannot be negative")
        return v

    def reference_problems(self) -> list[tuple[FieldPath, str]]:
        """Prerequisites must name initiatives of this portfolio."""
        return [
            (("initiatives", n, "requires", "initiative"), f"initiative '{i.requires.initiative}' does not exist")
            for n, i in self.initiatives.items()
            if i.requires is not None and i.requires.initiative not in self.initiatives
        ]
