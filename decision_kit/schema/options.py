"""Drivers, cost and benefit lines, and the options they make up."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_serializer, model_validator

from ..distributions import Distribution, Num, OptionalDistribution
from ..errors import input_error
from .base import Model, Name, below_minus_one, fixed_default
from .flexibility import Flexibility

CATEGORIES: tuple[str, ...] = (
    "license",
    "implementation",
    "integration",
    "customisation",
    "upgrades",
    "security",
    "support",
    "staff",
    "infrastructure",
    "training",
    "exit",
)
"""Cost categories (DESIGN.md section 3). ``security`` is security and compliance work."""

Category = Literal[
    "license",
    "implementation",
    "integration",
    "customisation",
    "upgrades",
    "security",
    "support",
    "staff",
    "infrastructure",
    "training",
    "exit",
]


OPTION_KINDS = ("build", "buy", "hybrid", "outsource", "do_nothing")


class Driver(Model):
    """A quantity that evolves over time (seats, contacts, leads).

    ``start`` is its level in year 1; it grows by ``growth`` (a fraction) each later year.
    """

    unit: str
    start: Distribution
    growth: Distribution = fixed_default(0.0)
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        lo, _ = self.start.support()
        if lo < 0:
            raise input_error("negative", "a driver level cannot be negative (lowest possible start is {lo})", lo=lo)
        if below_minus_one(self.growth):
            raise input_error(
                "growth",
                "driver growth must stay above -100% a year (this distribution goes below it "
                "with probability {p}; use a bounded one)",
                p=f"{float(self.growth.cdf(-1.0)):.2g}",
            )
        return self


class CostLine(Model):
    """One cost of an option.

    ``timing`` says how ``amount`` turns into cash:

    - ``one_off``: ``amount`` (currency) paid in period ``year`` (default 0, the decision date);
    - ``recurring``: ``amount`` (currency per year) in every year from ``start``, escalated by
      ``escalation`` a year (year 1 pays ``amount``, year t pays ``amount (1+e)^(t-1)``);
    - ``per_unit``: ``amount`` (currency per unit of ``driver`` per year), escalated likewise;
    - ``percent_of``: ``amount`` (a fraction) of cost line ``of`` of the same option, period by period.

    Recurring and per-unit lines run from the decision date (``start: decision``) or from
    go-live (``start: launch``), pro rata for a part year. ``overrun: true`` multiplies the line
    by the option's cost-overrun factor (delivery risk of the project work).

    When a line pays, and how its price rises (:mod:`decision_kit.timing` computes it):

    - ``from_year`` (recurring, per_unit): the line pays nothing before year ``from_year``;
      that year pays ``amount`` and escalation counts from it (year t pays
      ``amount (1+e)^(t-from_year)``; without ``from_year``, from year 1 as above).
    - ``every`` or ``years`` (one_off): the line recurs, in ``year``, ``year + every``,
      ``year + 2 every``, ... up to the horizon, or in each year of the list ``years``.
      ``draw: per_trial`` (the default) pays the same drawn amount at every occurrence;
      ``draw: per_occurrence`` draws the amount afresh for each occurrence (independently).
    - ``escalation_draw`` (with ``escalation``): ``per_trial`` (the default, the legacy form)
      draws the escalator once per trial and compounds it every year; ``per_year`` draws a
      fresh rise each year; ``per_renewal`` draws one rise per contract renewal, every
      ``term_years`` (required) after the line's first year: the price is flat within a term
      and rises by the drawn fraction at each renewal (the escalation is then a rise per
      renewal, not per year). ``escalation_cap`` bounds every rise: ``min(e, cap)``.

    Inputs drawn per occurrence, per year or per renewal are drawn after every other input
    and cannot be correlated; a base case or a one-way sensitivity gives them one value,
    used at every occurrence.
    """

    category: Category
    timing: Literal["one_off", "recurring", "per_unit", "percent_of"]
    amount: Distribution
    year: int | None = Field(None, ge=0)
    start: Literal["decision", "launch"] | None = None
    escalation: OptionalDistribution = None
    driver: str | None = None
    of: str | None = None
    overrun: bool = False
    from_year: int | None = Field(None, ge=1)
    every: int | None = Field(None, ge=1)
    years: list[Annotated[int, Field(ge=0)]] | None = Field(None, min_length=1)
    draw: Literal["per_trial", "per_occurrence"] | None = None
    escalation_draw: Literal["per_trial", "per_year", "per_renewal"] | None = None
    term_years: int | None = Field(None, ge=1)
    escalation_cap: Num | None = Field(None, gt=-1)
    source: str | None = None

    @property
    def recurs(self) -> bool:
        """Whether a one-off line has more than one occurrence (``every`` or ``years``)."""
        return self.every is not None or self.years is not None

    def repeated_inputs(self) -> tuple[str, ...]:
        """The line's inputs drawn once per occurrence, year or renewal, not once per trial
        (``amount`` and/or ``escalation``), when uncertain."""
        out = []
        if self.draw == "per_occurrence" and not self.amount.is_fixed():
            out.append("amount")
        if self.escalation_draw in ("per_year", "per_renewal") and not self.escalation.is_fixed():  # type: ignore[union-attr]
            out.append("escalation")
        return tuple(out)

    def horizon_problems(self, horizon: int) -> list[tuple[tuple[str | int, ...], str]]:
        """(field path within the line, message) for years beyond ``horizon``."""
        out: list[tuple[tuple[str | int, ...], str]] = []
        if self.timing == "one_off" and (self.year or 0) > horizon:
            out.append((("year",), f"year {self.year} is beyond the horizon of {horizon} years"))
        for i, y in enumerate(self.years or ()):
            if y > horizon:
                out.append((("years", i), f"year {y} is beyond the horizon of {horizon} years"))
        if self.from_year is not None and self.from_year > horizon:
            out.append((("from_year",), f"from_year {self.from_year} is beyond the horizon of {horizon} years"))
        return out

    @model_validator(mode="after")
    def _check_recurrence(self):
        one_off, esc = self.timing == "one_off", self.escalation is not None
        rules = {
            "from_year": (self.timing in ("recurring", "per_unit"), "a recurring or per_unit line"),
            "every": (one_off, "a one_off line"),
            "years": (one_off and self.year is None and self.every is None, "a one_off line without year or every"),
            "draw": (one_off and self.recurs, "a one_off line that recurs (every: or years:)"),
            "escalation_draw": (esc, "a line with an escalation"),
            "term_years": (self.escalation_draw == "per_renewal", "escalation_draw: per_renewal"),
            "escalation_cap": (esc, "a line with an escalation"),
        }
        for key, (allowed, where) in rules.items():
            if getattr(self, key) is not None and not allowed:
                raise input_error("timing", "'{key}' applies only to {where}", key=key, where=where)
        if self.escalation_draw == "per_renewal" and self.term_years is None:
            raise input_error("timing", "escalation_draw: per_renewal needs 'term_years:' (years per contract term)")
        if self.years is not None and len(set(self.years)) < len(self.years):
            raise input_error("timing", "'years' lists a year twice")
        return self

    @model_validator(mode="after")
    def _check_timing(self):
        t = self.timing
        rules = {
            "year": t == "one_off",
            "start": t in ("recurring", "per_unit"),
            "escalation": t in ("recurring", "per_unit"),
            "driver": t == "per_unit",
            "of": t == "percent_of",
        }
        for key, allowed in rules.items():
            if getattr(self, key) is not None and not allowed:
                raise input_error("timing", "'{key}' does not apply to a {timing} cost line", key=key, timing=t)
        if t == "per_unit" and self.driver is None:
            raise input_error("timing", "a per_unit cost line needs 'driver:' naming one of the scenario's drivers")
        if t == "percent_of" and self.of is None:
            raise input_error("timing", "a percent_of cost line needs 'of:' naming another cost line of the option")
        lo, _ = self.amount.support()
        if lo < 0:
            raise input_error("negative", "cost amounts cannot be negative (lowest possible value is {lo})", lo=lo)
        if self.escalation is not None and below_minus_one(self.escalation):
            raise input_error(
                "growth",
                "escalation must stay above -100% a year (this distribution goes below it "
                "with probability {p}; use a bounded one)",
                p=f"{float(self.escalation.cdf(-1.0)):.2g}",
            )
        return self


NEGATIVE_TAIL = 0.005
"""The largest probability below zero accepted for a duration or factor (one draw in 200)."""


def _below_zero(d: Any) -> float:
    """The probability that distribution ``d`` falls below zero (0 where it cannot be said here)."""
    try:
        return float(d.cdf(-1e-12))
    except Exception:  # a reference not resolved yet, a family without a closed-form CDF
        return 0.0


def not_negative(d: Any, what: str) -> Any:
    """``d`` unchanged, or a located error where it falls below zero with a probability above
    :data:`NEGATIVE_TAIL` (months, factors and shares cannot be negative: -24 launch months or
    a realisation of -1 is a typing mistake; the thin far tail of a normal is its shape, and the
    engine floors what it draws there)."""
    p = _below_zero(d)
    if p > NEGATIVE_TAIL:
        raise input_error(
            "negative",
            "{what} cannot be negative, and this value is negative with probability {p}",
            what=what,
            p=f"{p:.3g}",
        )
    return d


class BenefitLine(Model):
    """A revenue uplift or saving, in currency per year at full adoption.

    Benefits start at go-live and ramp up linearly over ``ramp_months`` to full adoption; they
    grow by ``growth`` a year (year 1 at ``amount``) and are scaled by the option's benefit
    realisation and the ownership model's realisation factor.
    """

    category: Literal["revenue", "savings"]
    amount: Distribution
    ramp_months: Distribution = fixed_default(6.0)
    growth: Distribution = fixed_default(0.0)
    source: str | None = None

    @field_validator("ramp_months")
    @classmethod
    def _ramp(cls, v: Any) -> Any:
        return not_negative(v, "months to full adoption")

    @model_validator(mode="after")
    def _check(self):
        if below_minus_one(self.growth):
            raise input_error(
                "growth",
                "benefit growth must stay above -100% a year (this distribution goes below it "
                "with probability {p}; use a bounded one)",
                p=f"{float(self.growth.cdf(-1.0)):.2g}",
            )
        return self


class Option(Model):
    """One way to deliver the capability.

    ``launch_months``: months from decision to go-live. ``cost_overrun``: multiplier applied to
    cost lines marked ``overrun: true`` (1 = on budget; use the ``it_cost_overrun`` prior for
    builds). ``realisation``: realised / planned benefit (1 = as planned). ``scores``: judged
    criteria (e.g. architecture_fit 1-5), used by the stakeholder view. ``in_house_share``: the
    share of launch time that is the organisation's own work, which the owner speeds up or
    slows down when owners are computed by mechanism (default by kind:
    :data:`decision_kit.ownership.DEFAULT_IN_HOUSE_SHARE`); the rest is the vendor's.
    ``flexibility``: what stays open after the decision (a yearly review that may stop the
    option, :mod:`decision_kit.schema.flexibility`); it never changes the commit-now numbers.

    ``extends: NAME`` makes the option a variant of option NAME (see
    :mod:`decision_kit.schema.variants`): what it does not state (kind, launch, overrun,
    realisation, each cost and benefit line, each score) it inherits, with the same draws in
    every trial. A line stated under the same name replaces the inherited one in place; new
    lines are added after them. The validated option holds the inherited content too
    (:attr:`inherited` says which), so every reader sees the whole option; saving writes back
    only what the variant states.
    """

    kind: Literal["build", "buy", "hybrid", "outsource", "do_nothing"]
    extends: Name | None = None
    description: str | None = None
    launch_months: Distribution = fixed_default(0.0)
    cost_overrun: Distribution = fixed_default(1.0)
    realisation: Distribution = fixed_default(1.0)
    in_house_share: Num | None = Field(None, ge=0, le=1)
    flexibility: Flexibility | None = None
    costs: dict[Name, CostLine] = Field(default_factory=dict)
    benefits: dict[Name, BenefitLine] = Field(default_factory=dict)
    scores: dict[str, Num] = Field(default_factory=dict)
    source: str | None = None
    _inherited: frozenset[tuple[str, ...]] = PrivateAttr(frozenset())

    @field_validator("launch_months", "cost_overrun", "realisation")
    @classmethod
    def _not_negative(cls, v: Any, info: Any) -> Any:
        what = {"launch_months": "months to go-live", "cost_overrun": "a cost-overrun factor",
                "realisation": "a benefit realisation"}[info.field_name]  # fmt: skip
        return not_negative(v, what)

    @field_validator("extends", mode="before")
    @classmethod
    def _extends(cls, v: Any) -> Any:
        problem = getattr(v, "problem", None)  # a reference the scenario could not resolve
        if problem is not None:
            raise input_error("extends", "{problem}", problem=problem)
        return v

    @property
    def inherited(self) -> frozenset[tuple[str, ...]]:
        """What a variant inherits: ``(field,)`` for kind, launch_months, cost_overrun and
        realisation, ``(field, name)`` for a cost line, benefit line or score. Empty otherwise."""
        return self._inherited

    def is_inherited(self, path: tuple[str | int, ...]) -> bool:
        """Whether the field at ``path`` (relative to the option) is inherited from the parent."""
        inherited = self._inherited  # a private attribute: each read goes through pydantic's lookup
        return bool(inherited) and (path[:1] in inherited or path[:2] in inherited)

    @model_serializer(mode="wrap")
    def _ser(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for key in self._inherited:
                if len(key) == 1:
                    data.pop(key[0], None)
                elif isinstance(data.get(key[0]), dict):
                    data[key[0]].pop(key[1], None)
        return data


STATUS_QUO = "status_quo"
"""The name under which a scenario's status quo is projected and named by risks (``options:``)."""


class StatusQuo(Model):
    """What happens if nothing changes: today's tools and staff, their costs and their end of
    life (a replacement forced in a stated year is a one-off line in that year).

    The status quo is not an option of the grid and has no owner: it is projected with no
    launch delay, no cost overrun, no governance overhead and every ownership effect neutral,
    from the same draws as the options (its lines may refer to shared quantities, which is how
    a cost that does not change with the decision cancels out exactly). Every option x owner
    cell is reported as well as its difference from it. Risks touch it only where their
    ``options`` name ``status_quo``.
    """

    description: str | None = None
    costs: dict[Name, CostLine] = Field(default_factory=dict)
    benefits: dict[Name, BenefitLine] = Field(default_factory=dict)
    source: str | None = None
