"""The scenario and portfolio formats: frozen, typed models of what a file may say.

Conventions, stated once and followed everywhere:

- Time runs in **years**. Period 0 is the decision date; period ``t`` (1..horizon) is year
  ``t``, its flows booked at the end of the year (numpy-financial's convention: period 0 is
  not discounted). One-off costs fall in period 0 unless a ``year`` is given.
- Money is in the scenario's ``currency``, **nominal**; ``discount_rate`` is a nominal
  annual rate. Costs and benefits are stated as **positive** amounts; net value is
  benefits minus costs.
- Rates (growth, escalation, probabilities, percentages) are fractions: 0.08 or "8%".
- Launch delays and ramp-ups are in **months** from the decision date.

Cross-references (a ``percent_of`` line's target, a driver name, a risk's options and
lines, criteria in stakeholder weights) are checked by :mod:`decision_kit.loading`, which
knows the file and line of every field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .distributions import Distribution, Fixed, OptionalDistribution, parse_number
from .priors import OWNERS, Owner, OwnerShifts

CATEGORIES: tuple[str, ...] = (
    "license", "implementation", "integration", "customisation", "upgrades", "security",
    "support", "staff", "infrastructure", "training", "exit",
)
"""Cost categories (DESIGN.md section 3). ``security`` is security and compliance work."""

Category = Literal["license", "implementation", "integration", "customisation", "upgrades",
                   "security", "support", "staff", "infrastructure", "training", "exit"]

def _plain_name(name: str) -> str:
    if "." in name:
        raise PydanticCustomError(
            "name_dot", "the name '{name}' contains '.'; names are joined with dots into input paths "
            "(options.<option>.costs.<line>.amount), so use '_' or '-' instead", {"name": name})
    if not name.strip():
        raise PydanticCustomError("name_empty", "a name cannot be empty", {})
    return name


Name = Annotated[str, AfterValidator(_plain_name)]
"""The name of a driver, option, cost or benefit line, or risk: any text without a dot."""

OPTION_KINDS = ("build", "buy", "hybrid", "outsource", "do_nothing")

COMPUTED_CRITERIA: dict[str, str] = {
    "expected_npv": "more",
    "p10_npv": "more",
    "time_to_launch": "less",
    "probability_of_loss": "less",
    "security_risk": "less",
}
"""Criteria the engine computes for every option x owner cell, with their direction."""


from .distributions import Num  # noqa: E402  (one definition, with its JSON Schema)


def _err(kind: str, msg: str, **ctx) -> PydanticCustomError:
    return PydanticCustomError(kind, msg, ctx)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _below_minus_one(dist) -> bool:
    """True when a yearly rate can reach -100% with a probability that is not negligible (> 1e-9)."""
    return float(dist.cdf(-1.0)) > 1e-9


def _fixed(value: Num):
    return Field(default_factory=lambda: Fixed(value=value))


class Driver(_Model):
    """A quantity that evolves over time (seats, contacts, leads).

    ``start`` is its level in year 1; it grows by ``growth`` (a fraction) each later year.
    """

    unit: str
    start: Distribution
    growth: Distribution = _fixed(0.0)
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        lo, _ = self.start.support()
        if lo < 0:
            raise _err("negative", "a driver level cannot be negative (lowest possible start is {lo})", lo=lo)
        if _below_minus_one(self.growth):
            raise _err("growth", "driver growth must stay above -100% a year (this distribution goes below it "
                       "with probability {p}; use a bounded one)", p=f"{float(self.growth.cdf(-1.0)):.2g}")
        return self


class CostLine(_Model):
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
    source: str | None = None

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
                raise _err("timing", "'{key}' does not apply to a {timing} cost line", key=key, timing=t)
        if t == "per_unit" and self.driver is None:
            raise _err("timing", "a per_unit cost line needs 'driver:' naming one of the scenario's drivers")
        if t == "percent_of" and self.of is None:
            raise _err("timing", "a percent_of cost line needs 'of:' naming another cost line of the option")
        lo, _ = self.amount.support()
        if lo < 0:
            raise _err("negative", "cost amounts cannot be negative (lowest possible value is {lo})", lo=lo)
        if self.escalation is not None and _below_minus_one(self.escalation):
            raise _err("growth", "escalation must stay above -100% a year (this distribution goes below it "
                       "with probability {p}; use a bounded one)", p=f"{float(self.escalation.cdf(-1.0)):.2g}")
        return self


class BenefitLine(_Model):
    """A revenue uplift or saving, in currency per year at full adoption.

    Benefits start at go-live and ramp up linearly over ``ramp_months`` to full adoption; they
    grow by ``growth`` a year (year 1 at ``amount``) and are scaled by the option's benefit
    realisation and the ownership model's realisation factor.
    """

    category: Literal["revenue", "savings"]
    amount: Distribution
    ramp_months: Distribution = _fixed(6.0)
    growth: Distribution = _fixed(0.0)
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if _below_minus_one(self.growth):
            raise _err("growth", "benefit growth must stay above -100% a year (this distribution goes below it "
                       "with probability {p}; use a bounded one)", p=f"{float(self.growth.cdf(-1.0)):.2g}")
        return self


class Option(_Model):
    """One way to deliver the capability.

    ``launch_months``: months from decision to go-live. ``cost_overrun``: multiplier applied to
    cost lines marked ``overrun: true`` (1 = on budget; use the ``it_cost_overrun`` prior for
    builds). ``realisation``: realised / planned benefit (1 = as planned). ``scores``: judged
    criteria (e.g. architecture_fit 1-5), used by the stakeholder view.
    """

    kind: Literal["build", "buy", "hybrid", "outsource", "do_nothing"]
    description: str | None = None
    launch_months: Distribution = _fixed(0.0)
    cost_overrun: Distribution = _fixed(1.0)
    realisation: Distribution = _fixed(1.0)
    costs: dict[Name, CostLine] = Field(default_factory=dict)
    benefits: dict[Name, BenefitLine] = Field(default_factory=dict)
    scores: dict[str, Num] = Field(default_factory=dict)
    source: str | None = None


class OwnerOverrides(_Model):
    """Scenario-specific changes to an ownership model's default shifts (see ``OwnerShifts``)."""

    launch_factor: Num | None = Field(None, gt=0)
    launch_extra_months: Num | None = Field(None, ge=0)
    integration_factor: Num | None = Field(None, ge=0)
    incident_frequency: Num | None = Field(None, ge=0)
    incident_severity: Num | None = Field(None, ge=0)
    governance_overhead: Num | None = Field(None, ge=0, le=1)
    consolidation: Num | None = Field(None, ge=0)
    realisation_factor: Num | None = Field(None, ge=0)
    marketing_share: Num | None = Field(None, ge=0, le=1)
    source: str | None = None

    def apply(self, base: OwnerShifts) -> OwnerShifts:
        """The default shifts with this override's fields replaced."""
        changes = {k: v for k, v in self.model_dump(exclude_none=True).items()}
        return base.model_copy(update=changes)


class Risk(_Model):
    """A discrete event with a probability per year and an uncertain impact.

    ``effect``:

    - ``one_off``: a cost of ``impact`` (currency) in each year the event happens;
    - ``price_rise``: from the first event on, cost lines ``lines`` rise by ``impact`` (a fraction);
    - ``forced_migration``: at the first event, a one-off cost of ``impact`` (currency);
    - ``benefit_loss``: from the first event on, benefits fall by ``impact`` (a fraction).

    ``type: security`` events are scaled by the ownership model's incident frequency and
    severity. ``options`` limits the event to some options (default: all).
    """

    type: Literal["vendor", "security", "delivery", "people"]
    effect: Literal["one_off", "price_rise", "forced_migration", "benefit_loss"]
    probability: Distribution
    impact: Distribution
    options: list[str] | None = None
    lines: list[str] | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        lo, hi = self.probability.support()
        if lo < 0 or hi > 1:
            raise _err("prob", "a probability must lie between 0 and 1 (this one ranges {lo} to {hi})",
                       lo=round(lo, 6), hi=round(hi, 6))
        if self.effect == "price_rise" and not self.lines:
            raise _err("lines", "a price_rise risk needs 'lines:' naming the cost lines whose price rises")
        if self.effect != "price_rise" and self.lines is not None:
            raise _err("lines", "'lines' applies only to a price_rise risk")
        if self.effect in ("benefit_loss",) and self.impact.support()[1] > 1:
            raise _err("impact", "a benefit_loss impact is a fraction between 0 and 1")
        if self.impact.support()[0] < 0:
            raise _err("impact", "a risk impact cannot be negative")
        return self


class Correlation(_Model):
    """Rank correlation between two uncertain inputs, named by their paths in the file
    (e.g. ``options.build.launch_months`` and ``options.build.cost_overrun``)."""

    between: tuple[str, str]
    rank: Num = Field(ge=-1, le=1)
    source: str | None = None


class Criterion(_Model):
    """A criterion for the stakeholder view: ``better`` says which direction is preferred."""

    better: Literal["more", "less"]
    description: str | None = None


class AHP(_Model):
    """Pairwise comparisons on Saaty's 1-9 scale: ``matrix[i][j]`` says how much more
    ``criteria[i]`` matters than ``criteria[j]``."""

    criteria: list[str] = Field(min_length=2)
    matrix: list[list[Num]]

    @model_validator(mode="after")
    def _check(self):
        n = len(self.criteria)
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            raise _err("ahp", "the AHP matrix must be {n} x {n}, one row and column per criterion", n=n)
        for i in range(n):
            for j in range(n):
                a, b = self.matrix[i][j], self.matrix[j][i]
                if a <= 0:
                    raise _err("ahp", "AHP entries must be positive (row {i}, column {j} is {a})", i=i + 1, j=j + 1, a=a)
                if abs(a * b - 1) > 1e-2:
                    raise _err("ahp", "AHP matrix is not reciprocal: entry ({i},{j}) = {a} but ({j},{i}) = {b}",
                               i=i + 1, j=j + 1, a=a, b=b)
        return self


class Stakeholder(_Model):
    """A person whose criteria weights matter: ``weights`` directly or ``ahp`` comparisons."""

    role: str | None = None
    weights: dict[str, Num] | None = None
    ahp: AHP | None = None

    @model_validator(mode="after")
    def _check(self):
        if (self.weights is None) == (self.ahp is None):
            raise _err("weights", "give exactly one of 'weights' or 'ahp'")
        if self.weights is not None:
            if any(w < 0 for w in self.weights.values()):
                raise _err("weights", "weights cannot be negative")
            if not sum(self.weights.values()) > 0:
                raise _err("weights", "weights cannot all be zero")
        return self


class Scenario(_Model):
    """One decision: horizon, discount rate, drivers, options, ownership models, risks, stakeholders."""

    name: str
    description: str | None = None
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    start_year: int = Field(2027, ge=1900, le=2200)
    horizon_years: int = Field(ge=1, le=50, strict=True)
    discount_rate: Num = Field(gt=-1, le=1)
    drivers: dict[Name, Driver] = Field(default_factory=dict)
    options: dict[Name, Option] = Field(min_length=1)
    owners: dict[Owner, OwnerOverrides] = Field(default_factory=lambda: {o: OwnerOverrides() for o in OWNERS})
    risks: dict[Name, Risk] = Field(default_factory=dict)
    correlations: list[Correlation] = Field(default_factory=list)
    criteria: dict[str, Criterion] = Field(default_factory=dict)
    stakeholders: dict[str, Stakeholder] = Field(default_factory=dict)
    risk_tolerance: Num | None = Field(None, gt=0, description="exponential-utility risk tolerance (currency)")
    source: str | None = None

    @field_validator("horizon_years", mode="before")
    @classmethod
    def _horizon(cls, v):
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (v < 1 or v > 50):
            raise _err("horizon", "horizon_years must be between 1 and 50 (got {v})", v=v)
        return v

    @field_validator("discount_rate", mode="before")
    @classmethod
    def _rate(cls, v):
        from .distributions import parse_number

        v = parse_number(v)
        if isinstance(v, float) and v <= -1:
            raise _err("rate", "discount_rate must be above -100% (got {v})", v=v)
        return v

    @field_validator("owners", mode="before", json_schema_input_type=dict[Owner, OwnerOverrides | None])
    @classmethod
    def _owners(cls, v):
        if isinstance(v, dict):
            return {k: ({} if val is None else val) for k, val in v.items()}
        return v

    def owner_shifts(self, owner: str):
        """The shifts of ``owner``: shipped defaults with this scenario's overrides."""
        from .priors import PRIORS

        return self.owners[owner].apply(PRIORS.ownership[owner])

    def replace(self, **changes) -> "Scenario":
        """A validated copy with top-level fields replaced (the original is unchanged)."""
        data = self.model_dump(mode="python", by_alias=True)
        data.update({k: (v.model_dump(by_alias=True) if isinstance(v, BaseModel) else v) for k, v in changes.items()})
        from .loading import _validate

        return _validate(Scenario, data, {}, "<Scenario.replace>")


# --- budget portfolios -----------------------------------------------------------------

class ResponseCurve(_Model):
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


class Prerequisite(_Model):
    initiative: str
    min_spend: Num = Field(ge=0)


class Initiative(_Model):
    """A candidate for the digital budget, with its owner, response curve and bounds (per year)."""

    owner: Literal["marketing", "it", "shared"]
    description: str | None = None
    curve: ResponseCurve
    min_spend: Num = Field(0.0, ge=0)
    max_spend: Num | None = Field(None, gt=0)
    requires: Prerequisite | None = None
    years: list[int] | None = Field(None, description="plan years the initiative runs, 1 = the first plan year (default: all)")
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.max_spend is not None and self.max_spend < self.min_spend:
            raise _err("bounds", "max_spend {hi} is below min_spend {lo}", hi=self.max_spend, lo=self.min_spend)
        return self


class Portfolio(_Model):
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
            raise _err("budget", "owner budgets cannot be negative")
        return v

    @field_validator("budget", mode="after")
    @classmethod
    def _budget(cls, v):
        if any(b < 0 for b in v):
            raise _err("budget", "budgets cannot be negative")
        return v
