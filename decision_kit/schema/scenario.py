"""A scenario: one decision over a horizon, with its shared quantities, options (variants
among them), ownership models, risks, correlations and stakeholders, and the
cross-references between them."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, TypeAdapter, ValidationError, field_validator, model_validator

from ..distributions import Distribution, DistributionBase, Num, Shared, parse_number, shared_scope
from ..errors import input_error
from ..ownership import PRESETS, who_pays
from ..priors import OWNERS, PRIORS, Owner, OwnerShifts, is_owner
from .base import Document, FieldPath, Model, Name, kept_for_last
from .caps import RiskCap
from .correlations import correlation_problems
from .flexibility import defer_problems, switch_problems
from .options import STATUS_QUO, CostLine, Driver, Option, StatusQuo
from .organisation import Mechanisms, Organisation, fixed_numbers, with_mechanisms
from .stakeholders import COMPUTED_CRITERIA, Criterion, Stakeholder
from .success import Success, success_problems
from .terminal import TerminalValue, terminal_problems
from .units import prior_unit_problems
from .validation import validate_document
from .variants import expand_options, lineage


class OwnerOverrides(Model):
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
        changes = dict(self.model_dump(exclude_none=True))
        return base.model_copy(update=changes)


class Risk(Model):
    """A discrete event with a probability per year and an uncertain impact.

    ``effect``:

    - ``one_off``: a cost of ``impact`` (currency) in each year the event happens;
    - ``price_rise``: from the first event on, cost lines ``lines`` rise by ``impact`` (a fraction),
      and, with ``roadmap_loss`` (a fraction, or a distribution of one; default none), the
      benefits of the options it touches fall by that share from the year after the event (an
      acquirer that lets the product's roadmap stall: the Eloqua concern);
    - ``forced_migration``: at the first event, a one-off cost of ``impact`` (currency);
    - ``benefit_loss``: from the first event on, benefits fall by ``impact`` (a fraction).

    ``type: security`` events are scaled by the ownership model's incident frequency and
    severity. ``options`` limits the event to some options (default: all). ``cap`` bounds the
    loss of one event (:class:`~decision_kit.schema.caps.RiskCap`: an insurance limit, a share
    of revenue), after the severity.
    """

    type: Literal["vendor", "security", "delivery", "people"]
    effect: Literal["one_off", "price_rise", "forced_migration", "benefit_loss"]
    probability: Distribution
    impact: Distribution
    options: list[str] | None = None
    lines: list[str] | None = None
    roadmap_loss: Distribution | None = None
    cap: RiskCap | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.roadmap_loss is not None:
            if self.effect != "price_rise":
                raise input_error("roadmap", "'roadmap_loss' applies only to a price_rise risk (an acquisition)")
            lo, hi = self.roadmap_loss.support()
            if lo < 0 or hi > 1:
                message = "a roadmap loss is a fraction between 0 and 1 (this one ranges {lo} to {hi})"
                raise input_error("roadmap", message, lo=round(lo, 6), hi=round(hi, 6))
        lo, hi = self.probability.support()
        if lo < 0 or hi > 1:
            raise input_error(
                "prob",
                "a probability must lie between 0 and 1 (this one ranges {lo} to {hi})",
                lo=round(lo, 6),
                hi=round(hi, 6),
            )
        if self.effect == "price_rise" and not self.lines:
            raise input_error("lines", "a price_rise risk needs 'lines:' naming the cost lines whose price rises")
        if self.effect != "price_rise" and self.lines is not None:
            raise input_error("lines", "'lines' applies only to a price_rise risk")
        if self.effect in ("benefit_loss",) and self.impact.support()[1] > 1:
            raise input_error("impact", "a benefit_loss impact is a fraction between 0 and 1")
        if self.impact.support()[0] < 0:
            raise input_error("impact", "a risk impact cannot be negative")
        if self.effect == "one_off" and isinstance(self.impact, Shared):
            raise input_error(
                "shared",
                "a one_off risk draws its impact afresh in every year it happens, so it cannot be "
                "a shared quantity (drawn once per trial)",
            )
        if self.cap is not None and self.cap.share_of_revenue is not None and self.effect in _FRACTION_EFFECTS:
            raise input_error("cap", "a {effect} impact is a fraction: cap it by 'amount:' only", effect=self.effect)
        return self


_FRACTION_EFFECTS = ("price_rise", "benefit_loss")
"""Risk effects whose impact is a fraction (the others' are currency)."""


class Correlation(Model):
    """Rank correlation between two uncertain inputs, named by their paths in the file
    (e.g. ``options.build.launch_months`` and ``options.build.cost_overrun``)."""

    between: tuple[str, str]
    rank: Num = Field(ge=-1, le=1)
    source: str | None = None


def _not_a_reference(dist: Any) -> Any:
    if isinstance(dist, Shared):
        raise input_error("shared", "a shared quantity is stated here, so it cannot refer to another one")
    return dist


SharedQuantity = Annotated[Distribution, AfterValidator(_not_a_reference)]
"""An entry of the ``shared`` block: any distribution but a reference to another entry."""


@functools.cache
def _quantity_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(SharedQuantity)


def _shared_entries(raw: Any) -> dict[str, DistributionBase | None]:
    """The ``shared`` block's entries validated one by one (None where an entry is invalid:
    validating the scenario reports it, and references to it are left unresolved)."""
    out: dict[str, DistributionBase | None] = {}
    if not isinstance(raw, dict):
        return out
    with shared_scope({}):
        for name, value in raw.items():
            try:
                out[str(name)] = _quantity_adapter().validate_python(value)
            except (ValidationError, ValueError):
                out[str(name)] = None
    return out


class Scenario(Document):
    """One decision: horizon, discount rate, drivers, options, ownership models, risks, stakeholders.

    ``shared``: named uncertain quantities, each drawn once per trial (under the path
    ``shared.<name>``) and used anywhere an uncertain value is by ``{dist: shared, name: NAME}``,
    optionally times a ``scale``: a physical quantity that several options, lines or risks
    depend on (the market's response, a vendor's price, a salary) is then the same number for
    all of them in every trial. Options may be variants of others (``extends``; see
    :mod:`decision_kit.schema.variants`).
    """

    name: str
    description: str | None = None
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    start_year: int = Field(2027, ge=1900, le=2200)
    horizon_years: int = Field(ge=1, le=50, strict=True)
    discount_rate: Num = Field(gt=-1, le=1)
    shared: dict[Name, SharedQuantity] = Field(default_factory=dict)
    drivers: dict[Name, Driver] = Field(default_factory=dict)
    options: dict[Name, Option] = Field(min_length=1)
    status_quo: StatusQuo | None = None
    owners: dict[Owner, OwnerOverrides] = Field(default_factory=lambda: {o: OwnerOverrides() for o in OWNERS})
    risks: dict[Name, Risk] = Field(default_factory=dict)
    correlations: list[Correlation] = Field(default_factory=list)
    criteria: dict[str, Criterion] = Field(default_factory=dict)
    stakeholders: dict[str, Stakeholder] = Field(default_factory=dict)
    risk_tolerance: Num | None = Field(None, gt=0, description="exponential-utility risk tolerance (currency)")
    revenue: Num | None = Field(None, gt=0, description="the organisation's annual revenue (currency), for caps")
    terminal_value: TerminalValue = Field(default_factory=TerminalValue)
    organisation: Organisation | None = None
    mechanisms: Mechanisms | None = None
    success: Success | None = None
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _mechanisms(cls, data: Any) -> Any:
        """An organisation profile without a ``mechanisms`` block takes the shipped coefficients."""
        return with_mechanisms(data)

    @model_validator(mode="wrap")
    @classmethod
    def _shared_and_variants(cls, data: Any, handler: Any) -> Any:
        """Validate with the ``shared`` block in scope and every variant expanded."""
        if not isinstance(data, dict):
            return handler(data)
        options, inherited = expand_options(data.get("options"), data.get("status_quo"))
        if inherited or options is not data.get("options"):
            data = {**data, "options": options}
        with shared_scope(_shared_entries(data.get("shared"))):
            scenario = handler(data)
        for name, keys in inherited.items():
            scenario.options[name]._inherited = keys
        return scenario

    @field_validator("horizon_years", mode="before")
    @classmethod
    def _horizon(cls, v):
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (v < 1 or v > 50):
            raise input_error("horizon", "horizon_years must be between 1 and 50 (got {v})", v=v)
        return v

    @field_validator("discount_rate", mode="before")
    @classmethod
    def _rate(cls, v):
        v = parse_number(v)
        if isinstance(v, float) and v <= -1:
            raise input_error("rate", "discount_rate must be above -100% (got {v})", v=v)
        return v

    @field_validator("owners", mode="before", json_schema_input_type=dict[Owner, OwnerOverrides | None])
    @classmethod
    def _owners(cls, v):
        if isinstance(v, dict):
            if not v:
                raise input_error(
                    "owners", "no ownership model is stated: name at least one, or leave 'owners' out for all five"
                )
            return {k: ({} if val is None else val) for k, val in v.items()}
        return v

    def owner_shifts(self, owner: str) -> OwnerShifts:
        """The constant shifts of ``owner`` with this scenario's overrides: round one's shipped
        defaults, or with an organisation profile who pays (:func:`decision_kit.ownership.who_pays`)
        and every other shift neutral, the mechanisms acting per trial in the engine (rework and
        security included; a constant stated here replaces the mechanism's factor)."""
        if not is_owner(owner):
            raise KeyError(owner)
        if self.organisation is None or self.mechanisms is None:
            return self.owners[owner].apply(PRIORS.ownership[owner])
        fx = fixed_numbers(self.organisation, self.mechanisms)
        base = OwnerShifts(
            marketing_share=who_pays(PRESETS[owner][0], fx),
            source="mechanisms (decision_kit.ownership) for this organisation profile",
        )
        return self.owners[owner].apply(base)

    @property
    def by_mechanism(self) -> bool:
        """Whether owners are computed by mechanism from an organisation profile (else by
        round one's constant shifts)."""
        return self.organisation is not None

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with top-level fields replaced (the original is unchanged)."""
        data = self.model_dump(mode="python", by_alias=True)
        data.update({k: (v.model_dump(by_alias=True) if isinstance(v, BaseModel) else v) for k, v in changes.items()})
        return validate_document(Scenario, data, {}, "<Scenario.replace>")

    def reference_problems(self) -> list[tuple[FieldPath, str]]:
        """Cross-references a field validator cannot see: (path, message) pairs, in file order."""
        return (
            _option_references(self)
            + _risk_references(self)
            + _correlation_references(self)
            + _stakeholder_references(self)
            + _estimate_references(self)
            + switch_problems(self)
            + defer_problems(self)
            + terminal_problems(self)
            + success_problems(self)
            + _ownership_problems(self)
            + prior_unit_problems(self, _distributions(self))
        )


# --- cross-references ------------------------------------------------------------------------


def _ownership_problems(s: Scenario) -> list[tuple[FieldPath, str]]:
    """A ``mechanisms`` block without an organisation, and round one's shadow consolidation
    constant beside the mechanism that replaces it."""
    if s.organisation is None:
        if s.mechanisms is not None:
            return [(("mechanisms",), "the mechanisms apply to an organisation profile: state 'organisation:' too")]
        return []
    lines = {name for o in s.options.values() for name in o.costs}
    out = [
        (("mechanisms", "embedded_replaces", i), f"'{name}' is not a cost line of any option"
         + (f" (the lines: {', '.join(sorted(lines))})" if lines else ""))
        for i, name in enumerate(s.mechanisms.embedded_replaces if s.mechanisms is not None else ())
        if name not in lines
    ]  # fmt: skip
    return out + [
        (("owners", w, "consolidation"), "with an organisation profile, shadow IT's discovery and absorption "
         "are modelled (mechanisms.shadow_*): round one's 'consolidation' constant does not apply")
        for w, o in s.owners.items()
        if o.consolidation is not None
    ]  # fmt: skip


def _line_references(s: Scenario, at: FieldPath, costs: dict[str, CostLine], skip=lambda name: False):
    """Problems of the cost lines ``costs`` stated at ``at``: a year beyond the horizon, an
    unknown driver, a percent_of line without its target, and percent_of cycles."""
    out: list[tuple[FieldPath, str]] = []
    whose = f"option '{at[-1]}'" if at[0] == "options" else "the status quo"
    for lname, line in costs.items():
        if skip(lname):
            continue
        here: FieldPath = at + ("costs", lname)
        out += [(here + sub, msg) for sub, msg in line.horizon_problems(s.horizon_years)]
        for key in line.repeated_inputs():
            if isinstance(getattr(line, key), Shared):
                out.append(
                    (
                        here + (key,),
                        "a shared quantity is drawn once per trial; it cannot be drawn again per occurrence, "
                        "year or renewal",
                    )
                )
        if line.timing == "per_unit" and line.driver not in s.drivers:
            out.append(
                (
                    here + ("driver",),
                    f"driver '{line.driver}' is not defined under drivers"
                    + (f" (defined: {', '.join(s.drivers)})" if s.drivers else ""),
                )
            )
        if line.timing == "percent_of":
            if line.of not in costs:
                out.append((here + ("of",), f"cost line '{line.of}' does not exist in {whose}"))
            elif line.of == lname:
                out.append((here + ("of",), "a percent_of line cannot refer to itself"))
    for lname in percent_cycle(costs):
        out.append((at + ("costs", lname, "of"), f"percent_of lines refer to each other in a cycle through '{lname}'"))
    return out


def _option_references(s: Scenario) -> list[tuple[FieldPath, str]]:
    """Each option's cost lines (year, driver, percent_of target and cycles) and scores, and
    the status quo's lines."""
    out: list[tuple[FieldPath, str]] = []
    for oname, opt in s.options.items():
        if oname == STATUS_QUO and s.status_quo is not None:
            out.append((("options", oname), "an option cannot be called status_quo when the scenario states one"))
        # an inherited line is checked, and reported, at the parent
        out += _line_references(s, ("options", oname), opt.costs, lambda name, o=opt: o.is_inherited(("costs", name)))
        for score in opt.scores:
            if s.criteria and score not in s.criteria:
                out.append((("options", oname, "scores", score), f"criterion '{score}' is not defined under criteria"))
    if s.status_quo is not None:
        out += _line_references(s, ("status_quo",), s.status_quo.costs)
    return out


def _costs(s: Scenario, option: str) -> dict[str, CostLine]:
    """The cost lines of an option, or of the status quo."""
    if option == STATUS_QUO and s.status_quo is not None:
        return s.status_quo.costs
    return s.options[option].costs


def _risk_references(s: Scenario) -> list[tuple[FieldPath, str]]:
    """The options a risk names, and the cost lines a price rise applies to."""
    out: list[tuple[FieldPath, str]] = []
    for rname, risk in s.risks.items():
        for i, oname in enumerate(risk.options or []):
            if oname == STATUS_QUO and s.status_quo is None:
                out.append((("risks", rname, "options", i), "the scenario states no status_quo"))
            elif oname not in s.options and oname != STATUS_QUO:
                out.append((("risks", rname, "options", i), f"option '{oname}' does not exist"))
        scope = [o for o in s.options if risk_touches(s, risk, o)]
        if s.status_quo is not None and risk_touches(s, risk, STATUS_QUO):
            scope.append(STATUS_QUO)
        scoped = {line for o in scope for line in _costs(s, o)}
        for i, lname in enumerate(risk.lines or []):
            if lname not in scoped:
                out.append((("risks", rname, "lines", i), f"cost line '{lname}' does not exist in any option"))
        if risk.cap is not None and risk.cap.share_of_revenue is not None and s.revenue is None:
            out.append(
                (
                    ("risks", rname, "cap", "share_of_revenue"),
                    "a cap by share of revenue needs the scenario's 'revenue:'",
                )
            )
    return out


def _correlation_references(s: Scenario) -> list[tuple[FieldPath, str]]:
    """Correlated inputs must be uncertain inputs of the scenario, and two different ones."""
    out: list[tuple[FieldPath, str]] = []
    known_inputs, repeated = input_paths(s), set(repeated_paths(s))
    # inputs drawn more than once per trial: after the others, or afresh for each risk event
    uncorrelatable = dict.fromkeys(
        repeated, "is drawn after the other inputs (once per occurrence, year or renewal, or as a terminal value)"
    )
    for r, risk in s.risks.items():
        if risk.effect == "one_off":
            uncorrelatable[f"risks.{r}.impact"] = (
                "is a one-off risk's impact, drawn afresh for each event rather than once per trial,"
            )
    derived = derived_inputs(s)
    for i, corr in enumerate(s.correlations):
        for j, name in enumerate(corr.between):
            if name in derived:
                src = derived[name][0]
                out.append(
                    (
                        ("correlations", i, "between", j),
                        f"'{name}' reads the draw of {src} (it is not drawn on its own); correlate {src} instead",
                    )
                )
            elif name not in known_inputs:
                out.append((("correlations", i, "between", j), f"'{name}' is not an uncertain input of this scenario"))
        if corr.between[0] == corr.between[1]:
            out.append((("correlations", i, "between"), "an input cannot be correlated with itself"))
        for j, name in enumerate(corr.between):
            if name in uncorrelatable:
                out.append(
                    (("correlations", i, "between", j), f"'{name}' {uncorrelatable[name]} and cannot be correlated")
                )
    drawn = {path: dist for path, dist in known_inputs.items() if path not in derived and path not in uncorrelatable}
    return out + correlation_problems(s.correlations, drawn)


def _estimate_references(s: Scenario) -> list[tuple[FieldPath, str]]:
    """Every input a stakeholder estimates is one the scenario draws once per trial, and the
    belief weights are stated for every stakeholder or for none, not all zero."""
    import difflib

    inputs = input_paths(s)
    repeated = set(repeated_paths(s))
    derived = derived_inputs(s)
    out: list[tuple[FieldPath, str]] = []
    for sname, st in s.stakeholders.items():
        for path in st.estimates:
            at: FieldPath = ("stakeholders", sname, "estimates", path)
            if path in derived:
                out.append((at, f"'{path}' reads the draw of '{derived[path][0]}': estimate that input instead"))
            elif path not in inputs:
                close = difflib.get_close_matches(path, list(inputs), n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                out.append((at, f"'{path}' is not an uncertain input of this scenario{hint}"))
            elif path in repeated:
                out.append((at, f"'{path}' is drawn several times per trial; a stakeholder cannot estimate it"))
    stated = [n for n, st in s.stakeholders.items() if st.belief_weight is not None]
    if stated and len(stated) < len(s.stakeholders):
        missing = [n for n in s.stakeholders if n not in stated]
        out.append((("stakeholders", missing[0]), "state belief_weight for every stakeholder or for none"))
    elif stated and not sum(s.stakeholders[n].belief_weight or 0 for n in stated) > 0:
        out.append((("stakeholders", stated[0], "belief_weight"), "the belief weights cannot all be zero"))
    return out


def _stakeholder_references(s: Scenario) -> list[tuple[FieldPath, str]]:
    """Every criterion a stakeholder weighs is computed or defined under criteria."""
    out: list[tuple[FieldPath, str]] = []
    defined = set(s.criteria) | set(COMPUTED_CRITERIA)
    for sname, st in s.stakeholders.items():
        if st.weights is not None:
            names, field = list(st.weights), "weights"
        else:
            assert st.ahp is not None  # the stakeholder validator requires one of the two
            names, field = st.ahp.criteria, "ahp"
        for c in names:
            if c not in defined:
                out.append(
                    (
                        ("stakeholders", sname, field) + ((c,) if field == "weights" else ("criteria",)),
                        f"criterion '{c}' is neither computed ({', '.join(COMPUTED_CRITERIA)}) "
                        "nor defined under criteria",
                    )
                )
    return out


def percent_cycle(costs: dict[str, CostLine]) -> list[str]:
    """Names of percent_of lines that sit on a cycle."""
    on_cycle = []
    for start in costs:
        seen: set[str] = set()
        cur: str | None = start
        while cur in costs and costs[cur].timing == "percent_of" and cur not in seen:
            seen.add(cur)
            cur = costs[cur].of
        if cur == start and len(seen) > 1:
            on_cycle.append(start)
    return on_cycle


Path = tuple[str | int, ...]


def repeated_paths(s: Scenario) -> tuple[str, ...]:
    """The uncertain inputs drawn after all others, by dotted path, in file order: those drawn
    once per occurrence, year or renewal (see :class:`~decision_kit.schema.CostLine`) in the
    options' lines (less what a variant inherits, which reads its parent's draws) and the
    status quo's, then the salvage values of the terminal-value rule (never in the cash flows,
    so adding one leaves every other draw as it was)."""
    stated: list[tuple[FieldPath, Option | None, dict[str, CostLine]]] = [
        (("options", oname), opt, opt.costs) for oname, opt in s.options.items()
    ]
    if s.status_quo is not None:
        stated.append(((STATUS_QUO,), None, s.status_quo.costs))
    lines = tuple(
        _joined(at + ("costs", lname, key))
        for at, opt, costs in stated
        for lname, line in costs.items()
        if opt is None or not opt.is_inherited(("costs", lname))
        for key in line.repeated_inputs()
        if not isinstance(getattr(line, key), Shared)
    )
    salvage = tuple(f"terminal_value.salvage.{o}" for o, d in s.terminal_value.salvage.items() if not d.is_fixed())
    return lines + salvage


@kept_for_last  # validation's cross-references and compile_plan walk one scenario seven times
def _distributions(s: Scenario) -> list[tuple[Path, DistributionBase]]:
    """Every distribution-valued field of ``s`` with its field path, in file order: the shared
    block, drivers, options, risks. An option's ``flexibility`` is left out: the staged-decision
    analysis draws it from its own stream, so stating it leaves every commit-now draw as it was."""
    out: list[tuple[Path, DistributionBase]] = []

    def walk(obj: Any, path: Path) -> None:
        if isinstance(obj, DistributionBase):
            out.append((path, obj))
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                if name != "flexibility":  # drawn by the staged-decision analysis, never by simulate
                    walk(getattr(obj, name), path + (name,))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, path + (k,))

    sections = ("shared", "drivers", "options", "status_quo", "risks", "terminal_value", "organisation", "mechanisms")
    for section in sections:
        walk(getattr(s, section), (section,))
    return out


def _inherited(s: Scenario, path: Path) -> bool:
    return path[0] == "options" and s.options[str(path[1])].is_inherited(path[2:])


def _joined(path: Path) -> str:
    return ".".join(str(p) for p in path)


def input_paths(s: Scenario) -> dict[str, DistributionBase]:
    """Every input drawn for a scenario, by its dotted path in the file (``shared.<name>``,
    ``options.<option>.costs.<line>.amount``, ...), in file order.

    Fields that read another input's draw are not inputs of their own (see
    :func:`derived_inputs`): references to a shared quantity, and what a variant inherits.
    """
    return {
        _joined(path): dist
        for path, dist in _distributions(s)
        if not isinstance(dist, Shared) and not _inherited(s, path)
    }


def derived_inputs(s: Scenario) -> dict[str, tuple[str, float]]:
    """Fields that read another input's draw: path -> (path of the input drawn, scale).

    A reference to a shared quantity reads ``shared.<name>`` times its ``scale``; a field a
    variant inherits reads what its parent's field reads (its parent's own input, or the
    shared quantity the parent refers to). Every source is a key of :func:`input_paths`.
    """
    direct: dict[str, tuple[str, float]] = {}
    for path, dist in _distributions(s):
        if _inherited(s, path):
            parent = str(s.options[str(path[1])].extends)
            at: Path = (STATUS_QUO,) if parent == STATUS_QUO else ("options", parent)
            direct[_joined(path)] = (_joined(at + path[2:]), 1.0)
        elif isinstance(dist, Shared):
            direct[_joined(path)] = (dist.path, float(dist.scale))
    out: dict[str, tuple[str, float]] = {}
    for key, (src, scale) in direct.items():
        while src in direct:  # a chain of variants ends at a stated input or a shared quantity
            src, more = direct[src]
            scale *= more
        out[key] = (src, scale)
    return out


def risk_touches(s: Scenario, risk: Risk, option: str) -> bool:
    """Whether ``risk`` can happen to ``option``: it names no options, or names the option or
    one it extends. The status quo (``option`` ``"status_quo"``) only where it is named."""
    if option == STATUS_QUO:
        return risk.options is not None and STATUS_QUO in risk.options
    return risk.options is None or any(o in risk.options for o in lineage(s.options, option))
