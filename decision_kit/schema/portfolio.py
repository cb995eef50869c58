"""A budget portfolio: initiatives competing for a digital budget over one or more years."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..distributions import Distribution, Num
from ..errors import input_error
from .base import Document, FieldPath, Model
from .organisation import Mechanisms, Organisation, with_mechanisms


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
    integration_share: Num | None = Field(
        None,
        ge=0,
        le=1,
        description="share of its spend that is integration work, reworked by the owner's delivery (default 0.3, J)",
    )
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.max_spend is not None and self.max_spend < self.min_spend:
            raise input_error("bounds", "max_spend {hi} is below min_spend {lo}", hi=self.max_spend, lo=self.min_spend)
        return self


class Portfolio(Document):
    """A set of initiatives competing for a digital budget over one or more years.

    ``organisation:`` (a shipped profile or every field) makes the owners act on the curves by
    mechanism (:mod:`decision_kit.allocation.owners`); without it the owners keep round one's
    constants. ``unspent_value`` is what a unit of budget left unspent is worth: 1 (the
    default) maximises value net of spend."""

    name: str
    description: str | None = None
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    start_year: int = Field(2027, ge=1900, le=2200)
    budget: list[Num] = Field(min_length=1, description="total budget per plan year (currency)")
    owner_budgets: dict[Literal["marketing", "it", "shared"], list[Num]] | None = None
    carry_over: Num = Field(0.0, ge=0, le=1, description="fraction of unspent budget carried to the next year")
    discount_rate: Num = Field(0.08, gt=-1, le=1)
    unspent_value: Num = Field(
        1.0,
        ge=0,
        le=10,
        description=(
            "what one unit of budget left unspent is worth (value per unit): 1 maximises value net of "
            "spend (money not spent stays with the business), 0 spends the whole budget for gross value"
        ),
    )
    initiatives: dict[str, Initiative] = Field(min_length=1)
    organisation: Organisation | None = None
    mechanisms: Mechanisms | None = None
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _mechanisms(cls, data: Any) -> Any:
        """An organisation profile without a ``mechanisms`` block takes the shipped coefficients."""
        return with_mechanisms(data)

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
        """Prerequisites name other initiatives of this portfolio, plan years and owner budgets fit
        the plan, curves are positive, and each year's minimum spends fit its budgets."""
        out: list[tuple[FieldPath, str]] = []
        for n, i in self.initiatives.items():
            here: FieldPath = ("initiatives", n)
            if i.requires is not None and i.requires.initiative not in self.initiatives:
                out.append((here + ("requires", "initiative"), f"initiative '{i.requires.initiative}' does not exist"))
            elif i.requires is not None and i.requires.initiative == n:
                out.append((here + ("requires", "initiative"), "an initiative cannot require itself"))
            for k, year in enumerate(i.years or []):
                if not 1 <= year <= len(self.budget):
                    out.append((here + ("years", k), _outside_the_plan(year, len(self.budget))))
            out += _curve_problems(here + ("curve",), i.curve)
        for owner, budgets in (self.owner_budgets or {}).items():
            if len(budgets) != len(self.budget):
                count, years = len(budgets), len(self.budget)
                entries = f"{count} entr{'y' if count == 1 else 'ies'}"
                message = f"{entries}, but the plan has {years} years (one per budget entry)"
                out.append((("owner_budgets", owner), message))
        if self.mechanisms is not None and self.organisation is None:
            out.append((("mechanisms",), "the mechanisms apply to an organisation profile: state 'organisation:' too"))
        return out or _minimum_spend_problems(self)


def _outside_the_plan(year: int, years: int) -> str:
    return f"plan year {year} is outside the plan (years are numbered 1 to {years}, one per budget entry)"


def _curve_problems(here: FieldPath, curve: ResponseCurve) -> list[tuple[FieldPath, str]]:
    """A curve's scale must be positive and its max_value not negative, in every draw."""
    out: list[tuple[FieldPath, str]] = []
    if float(curve.scale.cdf(0.0)) > 0:
        message = (
            "a scale must be positive in every draw; use a distribution bounded above zero (e.g. pert or lognormal)"
        )
        out.append((here + ("scale",), message))
    if float(curve.max_value.cdf(-1e-300)) > 0:
        out.append((here + ("max_value",), "a max_value cannot be negative; use a distribution bounded below by zero"))
    return out


def _minimum_spend_problems(p: Portfolio) -> list[tuple[FieldPath, str]]:
    """Each plan year's minimum spends fit its budget (with what earlier years can carry over when
    they spend only their minimums) and each owner's budget, as every allocation needs."""
    out: list[tuple[FieldPath, str]] = []
    left = 0.0
    for t, budget in enumerate(p.budget):
        active = {n: i for n, i in p.initiatives.items() if i.years is None or t + 1 in i.years}
        for owner, budgets in (p.owner_budgets or {}).items():
            need = sum(i.min_spend for i in active.values() if i.owner == owner)
            if need > budgets[t]:
                message = (
                    f"the {owner} budget {budgets[t]:,.0f} in plan year {t + 1} is below the sum of minimum "
                    f"spends of its active initiatives, {need:,.0f}"
                )
                out.append((("owner_budgets", owner, t), message))
        need = sum(i.min_spend for i in active.values())
        available = budget + p.carry_over * left
        if need > available:
            carried = f" plus {p.carry_over * left:,.0f} carried over" if left > 0 and p.carry_over > 0 else ""
            message = (
                f"the budget {budget:,.0f}{carried} in plan year {t + 1} is below the sum of minimum spends "
                f"of the initiatives active that year, {need:,.0f}"
            )
            out.append((("budget", t), message))
        left = max(available - need, 0.0)
    return out
