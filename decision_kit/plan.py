"""The compiled plan of a scenario: everything about its structure, worked out once.

A :class:`Plan` is what the sampler, the cash-flow engine, the simulation and the analyses
read instead of the :class:`~decision_kit.schema.Scenario` itself: the layout of the result
arrays, every drawn input with its distribution and dotted path, the correlation plan, the
risk plan, and per option the order of its cost lines, which of them depend on go-live,
which percent-of chains they form and which risks touch them. Nothing downstream rebuilds
any of it.

:func:`compile_plan` compiles a scenario once and remembers the plan for as long as the
scenario object lives, so every entry point can take a scenario and still share one plan.
A plan is frozen: changing an assumption means a new scenario (``Scenario.replace``) and so a
new plan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import finance, timing
from .errors import ScenarioError
from .ownership import DEFAULT_IN_HOUSE_SHARE, OVERRIDABLE, PRESETS, Fixed
from .priors import OWNERS, OwnerShifts
from .schema import CATEGORIES, STATUS_QUO, Scenario, derived_inputs, input_paths, repeated_paths, risk_touches
from .schema.organisation import fixed_numbers

FLOW_COST_EXTRA = ("governance", "consolidation", "risk")
"""Cost rows added to the categories: governance overhead, shadow-IT consolidation, risk events."""

MECHANISM_COST_ROWS = ("specialists",)
"""Cost rows added when owners are computed by mechanism: embedded specialists' salaries (a
shared pot's steering time is ``governance``, shadow IT's duplicates and absorption
``consolidation``)."""

INTEGRATION_CATEGORIES = ("integration", "customisation")
"""Cost categories scaled by an ownership model's integration factor."""

NEUTRAL = OwnerShifts()
"""The shifts of no owner at all (every effect neutral): how the status quo is projected."""

STATUS_QUO_CONSTANTS = {
    f"{STATUS_QUO}.launch_months": 0.0,
    f"{STATUS_QUO}.cost_overrun": 1.0,
    f"{STATUS_QUO}.realisation": 1.0,
}
"""The status quo's go-live (now), overrun factor and benefit realisation: nothing is delivered."""


@dataclass(frozen=True)
class Layout:
    """Names and axes of a scenario's arrays, fixed once per scenario."""

    options: tuple[str, ...]
    owners: tuple[str, ...]
    periods: int
    cost_rows: tuple[str, ...]
    benefit_rows: tuple[str, ...]

    @property
    def rows(self) -> tuple[str, ...]:
        return self.cost_rows + self.benefit_rows


@dataclass(frozen=True)
class LinePlan:
    """One cost line of an option, with the dotted paths of the inputs it reads.

    ``integration_exponent`` ``e``: the line's flow scales with an owner's integration factor
    to the power ``e`` (1 for integration and customisation lines, plus the exponent of the
    line a percent_of line is a percentage of).
    """

    name: str
    timing: str
    category: str
    start: str | None
    year: int | None
    of: str | None
    driver: str | None
    overrun: bool
    amount: str
    escalation: str | None
    launch_dependent: bool
    referenced: bool
    integration_exponent: int
    occurrences: tuple[int, ...] = ()
    first_year: int = 1
    rises: tuple[int, ...] = ()
    escalation_cap: float | None = None
    legacy_escalation: bool = True

    @property
    def draws(self) -> dict[str, int]:
        """How many times per trial each input that is not drawn once is drawn (:mod:`~decision_kit.timing`)."""
        return {"amount": len(self.occurrences), "escalation": len(self.rises)}


@dataclass(frozen=True)
class BenefitPlan:
    """One benefit line of an option: its category and the paths of its inputs."""

    name: str
    category: str
    amount: str
    growth: str
    ramp_months: str


@dataclass(frozen=True)
class RiskPlan:
    """One risk event: what it does, whom it touches and where its inputs are."""

    name: str
    type: str
    effect: str
    lines: tuple[str, ...]
    probability: str
    impact: str
    impact_dist: Any  # the impact's Distribution: one-off impacts are drawn per year
    cap: float | None = None  # the most one event costs, after the owner's severity (RiskCap.limit)
    roadmap_loss: str | None = None  # the input path of a price rise's cut of the benefits after the event

    @property
    def is_security(self) -> bool:
        return self.type == "security"


@dataclass(frozen=True)
class OptionPlan:
    """One option's structure: its lines in evaluation order and the risks that touch it.

    ``lines`` is topologically ordered (a percent_of line after the line it refers to).
    ``shared`` are the lines whose flows do not depend on the owner (they run from the
    decision date), ``own`` the launch-dependent ones, each in ``lines`` order.
    ``price_risk_security``: whether a security risk raises the price of some line, which
    makes the owner-independent lines depend on the owner's incident class. ``kind``,
    ``in_house_share``: the option's kind and the share of its launch time that is in-house
    work; ``pays_specialists``: one of its lines already pays the embedded specialists
    (``mechanisms.embedded_replaces``).
    """

    index: int
    name: str
    launch_months: str
    cost_overrun: str
    realisation: str
    lines: tuple[LinePlan, ...]
    benefits: tuple[BenefitPlan, ...]
    risks: tuple[RiskPlan, ...]
    price_risks: tuple[RiskPlan, ...]
    kind: str = "build"
    in_house_share: float = 1.0
    pays_specialists: bool = False

    @property
    def shared(self) -> tuple[LinePlan, ...]:
        return tuple(line for line in self.lines if not line.launch_dependent)

    @property
    def own(self) -> tuple[LinePlan, ...]:
        return tuple(line for line in self.lines if line.launch_dependent)

    @property
    def price_risk_security(self) -> bool:
        return any(r.is_security for r in self.price_risks)

    def line(self, name: str) -> LinePlan:
        return next(line for line in self.lines if line.name == name)


@dataclass(frozen=True)
class TerminalPlan:
    """The scenario's terminal-value rule (:class:`~decision_kit.schema.TerminalValue`):
    ``rule`` (salvage or perpetuity), the perpetuity's ``growth``, the discount ``rate``, the
    horizon ``H``, and per option (in layout order) the path of its salvage value or None."""

    rule: str
    growth: float | None
    rate: float
    H: int
    salvage: tuple[str | None, ...]

    def present_value(self, option: int, net_last, values: dict):
        """Per-trial value at the decision date of one cell's terminal value, from its last
        year's net flow ``net_last`` (n,) and the drawn ``values`` (salvage values by path)."""
        if self.rule == "perpetuity":
            at_h = finance.growing_perpetuity(self.rate, self.growth, net_last)
        else:
            path = self.salvage[option]
            v = np.asarray(values[path] if path is not None else 0.0, dtype=float)
            at_h = v[:, 0] if v.ndim == 2 else np.broadcast_to(v, np.shape(net_last))  # (n, 1) as drawn
        return at_h / (1.0 + self.rate) ** self.H


@dataclass(frozen=True, eq=False)
class Plan:
    """A scenario compiled for sampling and projection (see the module docstring).

    Attributes
    ----------
    scenario : the scenario it was compiled from.
    layout : names and axes of the result arrays.
    inputs : every uncertain input by dotted path, in the file's order (what analyses vary).
    derived : the fields that read another input's draw (references to a shared quantity and
        what a variant inherits): path -> (input path, scale); :meth:`complete` fills them in.
    status_quo : the status quo's structure (projected under :data:`NEUTRAL` shifts from the
        same draws as the options), or None where the scenario states none.
    drawn : the inputs drawn once per trial, in drawing order (``inputs`` less the impacts of
        one-off risk events, which are drawn once per year instead, and less ``repeated``).
    repeated : the inputs drawn after everything else, by path: (distribution, draws per
        trial): one-off amounts drawn per occurrence, escalators drawn per year or per renewal
        (:mod:`decision_kit.timing`), and uncertain salvage values (one draw).
    terminal : the terminal-value rule, or None when nothing after the horizon counts.
    ownership : the owners' mechanisms, or None where the owners shift options by constants.
    correlated, correlation : the inputs reordered together (Iman-Conover) and their target
        rank-correlation matrix, or ``()`` and None.
    risks : every risk event, in the file's order.
    options : every option's structure, in the file's order.
    shifts : every owner's ownership shifts, in :attr:`Layout.owners` order.
    row_index : position of each cost or benefit row in :attr:`Layout.rows`.
    license_periods : the periods whose licence cost the engine keeps per trial: years 2 and 3
        (round one's shadow-IT consolidation), or every year when owners are computed by
        mechanism (shadow IT's duplicate licences and absorb cost).
    cache : facts derived from the plan on first use (e.g. the engine's buffer size per trial).
    """

    scenario: Scenario
    layout: Layout
    inputs: dict
    drawn: dict
    correlated: tuple[str, ...]
    correlation: np.ndarray | None
    risks: tuple[RiskPlan, ...]
    options: tuple[OptionPlan, ...]
    shifts: tuple[OwnerShifts, ...]
    row_index: dict
    license_periods: tuple[int, ...]
    derived: dict = field(default_factory=dict)
    status_quo: OptionPlan | None = None
    repeated: dict = field(default_factory=dict)
    terminal: TerminalPlan | None = None
    ownership: OwnershipPlan | None = None
    cache: dict = field(default_factory=dict, repr=False)

    def complete(self, values: dict) -> dict:
        """``values`` (input path -> draws) with every :attr:`derived` field added: the very
        array (or float) of its source when the scale is 1, else source times scale, for every
        source present (those drawn several times per trial come after the risks' draws, and
        :func:`~decision_kit.sampling.draw_block` completes again then). ``values`` itself is
        returned when nothing is missing; it is never modified."""
        missing = [k for k, (src, _) in self.derived.items() if k not in values and src in values]
        constants = self.status_quo is not None and next(iter(STATUS_QUO_CONSTANTS)) not in values
        if not missing and not constants:
            return values
        out = dict(values)
        for key in missing:
            src, scale = self.derived[key]
            out[key] = values[src] if scale == 1 else values[src] * scale
        if constants:
            out.update(STATUS_QUO_CONSTANTS)
        return out

    def at_rate(self, scenario: Scenario) -> Plan:
        """This plan for ``scenario``, which must differ from :attr:`scenario` only in its
        discount rate and in fields no plan reads (the caller checks). Nothing drawn or projected
        reads the rate, only the terminal value's discounting (and the metrics, from
        ``scenario``), so the structure is reused and :attr:`cache` is shared, with any draws
        kept in it (:func:`decision_kit.kept_draws.keep_draws`)."""
        return remember(replace(self, scenario=scenario, terminal=_terminal(scenario), cache=self.cache))

    @property
    def horizon(self) -> int:
        """Years after the decision date (periods less one)."""
        return self.layout.periods - 1

    @property
    def marketing_shares(self) -> np.ndarray:
        """Each owner's share of cost paid by marketing, in owner order."""
        return np.array([sh.marketing_share for sh in self.shifts])


def layout(s: Scenario) -> Layout:
    """The layout of a scenario's result arrays: options, owners, periods and flow rows."""
    used = {line.category for o in s.options.values() for line in o.costs.values()}
    used |= {line.category for line in (s.status_quo.costs.values() if s.status_quo is not None else ())}
    cost_rows = tuple(c for c in CATEGORIES if c in used) + FLOW_COST_EXTRA
    if s.by_mechanism:
        cost_rows += MECHANISM_COST_ROWS
    benefits = [b for o in s.options.values() for b in o.benefits.values()]
    benefits += list(s.status_quo.benefits.values()) if s.status_quo is not None else []
    benefit_rows = tuple(c for c in ("revenue", "savings") if any(b.category == c for b in benefits))
    owners = tuple(o for o in OWNERS if o in s.owners)
    return Layout(tuple(s.options), owners, s.horizon_years + 1, cost_rows, benefit_rows)


def topological(costs: dict) -> list[str]:
    """Cost-line names ordered so that a percent_of line follows the line it refers to (in the
    file's order otherwise). Iterative: a chain of any length written head-first is ordered
    without recursion; the schema has refused cycles."""
    order: list[str] = []
    done: set[str] = set()
    for name in costs:
        chain = []
        while name not in done and name not in chain:
            chain.append(name)
            line = costs[name]
            if line.timing != "percent_of":
                break
            name = line.of
        for link in reversed(chain):  # the referenced line first
            if link not in done:
                done.add(link)
                order.append(link)
    return order


def launch_dependent(costs: dict) -> set[str]:
    """Cost lines whose flows depend on go-live: ``start: launch`` lines and percent_of lines on them."""
    dep: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, line in costs.items():
            if name in dep:
                continue
            if line.start == "launch" or (line.timing == "percent_of" and line.of in dep):
                dep.add(name)
                changed = True
    return dep


def check_correlation(matrix: np.ndarray, names: list[str]) -> np.ndarray:
    """Validate a rank-correlation matrix: symmetric, unit diagonal, positive semi-definite."""
    m = np.asarray(matrix, dtype=float)
    if not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1):
        raise ScenarioError("correlation matrix must be symmetric with ones on the diagonal")
    eig = np.linalg.eigvalsh(m)
    if eig.min() < -1e-10:
        raise ScenarioError(
            "the stated correlations between " + ", ".join(names) + " are not mutually consistent "
            f"(the correlation matrix is not positive semi-definite; smallest eigenvalue {eig.min():.3f}); "
            "weaken some of them"
        )
    return m


def _correlation(s: Scenario, drawn: dict) -> tuple[tuple[str, ...], np.ndarray | None]:
    if not s.correlations:
        return (), None
    names = sorted({n for c in s.correlations for n in c.between}, key=list(drawn).index)
    fixed = [n for n in names if drawn[n].is_fixed()]
    if fixed:
        raise ScenarioError(f"correlated input {fixed[0]} is a fixed number; only uncertain inputs can be correlated")
    m = np.eye(len(names))
    for c in s.correlations:
        i, j = names.index(c.between[0]), names.index(c.between[1])
        m[i, j] = m[j, i] = c.rank
    return tuple(names), check_correlation(m, names)


def _lines(at: str, costs: dict, horizon: int) -> tuple[LinePlan, ...]:
    pre = f"{at}.costs"
    order = topological(costs)
    dependent = launch_dependent(costs)
    referenced = {line.of for line in costs.values() if line.timing == "percent_of"}
    exponent: dict[str, int] = {}
    out = []
    for lname in order:
        line = costs[lname]
        exponent[lname] = (line.category in INTEGRATION_CATEGORIES) + (
            exponent[line.of] if line.timing == "percent_of" else 0
        )
        out.append(
            LinePlan(
                name=lname,
                timing=line.timing,
                category=line.category,
                start=line.start,
                year=line.year,
                of=line.of,
                driver=line.driver,
                overrun=bool(line.overrun),
                amount=f"{pre}.{lname}.amount",
                escalation=f"{pre}.{lname}.escalation" if line.escalation is not None else None,
                launch_dependent=lname in dependent,
                referenced=lname in referenced,
                integration_exponent=exponent[lname],
                **_line_timing(line, horizon),
            )
        )
    return tuple(out)


def _line_timing(line, horizon: int) -> dict:
    """A cost line's occurrence years, first year, rise years and cap (:mod:`decision_kit.timing`)."""
    if line.timing == "one_off":
        return {"occurrences": timing.occurrence_years(line.year, line.every, line.years, horizon)}
    if line.timing == "percent_of":
        return {}
    draw = line.escalation_draw or "per_trial"
    first = line.from_year or 1
    return {
        "first_year": first,
        "rises": timing.rise_years(first, draw, line.term_years, horizon),
        "escalation_cap": line.escalation_cap,
        "legacy_escalation": first == 1 and draw == "per_trial" and line.escalation_cap is None,
    }


def _risks(s: Scenario) -> tuple[RiskPlan, ...]:
    return tuple(
        RiskPlan(
            name=name,
            type=risk.type,
            effect=risk.effect,
            lines=tuple(risk.lines or ()),
            probability=f"risks.{name}.probability",
            impact=f"risks.{name}.impact",
            impact_dist=risk.impact,
            cap=None if risk.cap is None else risk.cap.limit(s.revenue),
            roadmap_loss=None if risk.roadmap_loss is None else f"risks.{name}.roadmap_loss",
        )
        for name, risk in s.risks.items()
    )


def _option(s: Scenario, risks: tuple[RiskPlan, ...], index: int, name: str, pre: str, costs, benefits) -> OptionPlan:
    """The plan of one option (or of the status quo) whose inputs sit under path ``pre``."""
    mine = tuple(r for r in risks if risk_touches(s, s.risks[r.name], name))
    return OptionPlan(
        index=index,
        name=name,
        launch_months=f"{pre}.launch_months",
        cost_overrun=f"{pre}.cost_overrun",
        realisation=f"{pre}.realisation",
        lines=_lines(pre, costs, s.horizon_years),
        benefits=tuple(
            BenefitPlan(
                b,
                line.category,
                f"{pre}.benefits.{b}.amount",
                f"{pre}.benefits.{b}.growth",
                f"{pre}.benefits.{b}.ramp_months",
            )
            for b, line in benefits.items()
        ),
        risks=mine,
        price_risks=tuple(r for r in mine if r.effect == "price_rise"),
        **_kind(s, name),
    )


def _kind(s: Scenario, name: str) -> dict:
    """An option's kind and in-house share of its launch time (the status quo: nothing to deliver)."""
    if name == STATUS_QUO:
        return {"kind": "do_nothing", "in_house_share": 0.0}
    opt = s.options[name]
    h = opt.in_house_share if opt.in_house_share is not None else DEFAULT_IN_HOUSE_SHARE[opt.kind]
    replaces = s.mechanisms.embedded_replaces if s.mechanisms is not None else ()
    return {"kind": opt.kind, "in_house_share": float(h), "pays_specialists": any(n in opt.costs for n in replaces)}


@dataclass(frozen=True)
class OwnershipPlan:
    """Owners computed by mechanism (:mod:`decision_kit.ownership`): each owner's (holder,
    delivery) cell, in :attr:`Layout.owners` order, the mechanisms' fixed numbers, the
    mechanism groups switched off (:func:`decision_kit.owner_plans.without_mechanisms`), and per
    owner the shifts the scenario's ``owners:`` states as constants over the mechanisms' factors
    (of :data:`decision_kit.ownership.OVERRIDABLE`; empty for every owner when none are stated)."""

    cells: tuple[tuple[str, str], ...]
    fixed: Fixed
    off: frozenset[str] = frozenset()
    overridden: tuple[frozenset[str], ...] = ()

    def kept_constants(self, w: int) -> frozenset[str]:
        """The shifts owner ``w`` keeps as the scenario's constants (the legacy override)."""
        return self.overridden[w] if w < len(self.overridden) else frozenset()


def _ownership(s: Scenario, owners: tuple[str, ...]) -> OwnershipPlan | None:
    if s.organisation is None or s.mechanisms is None:
        return None
    stated = tuple(
        frozenset(k for k in OVERRIDABLE if getattr(s.owners[w], k, None) is not None) if w in s.owners else frozenset()
        for w in owners
    )
    cells = tuple(PRESETS[w] for w in owners)
    return OwnershipPlan(cells, fixed_numbers(s.organisation, s.mechanisms), overridden=stated)


def _options(s: Scenario, risks: tuple[RiskPlan, ...]) -> tuple[OptionPlan, ...]:
    return tuple(
        _option(s, risks, oi, oname, f"options.{oname}", opt.costs, opt.benefits)
        for oi, (oname, opt) in enumerate(s.options.items())
    )


def _status_quo(s: Scenario, risks: tuple[RiskPlan, ...]) -> OptionPlan | None:
    sq = s.status_quo
    return None if sq is None else _option(s, risks, -1, STATUS_QUO, STATUS_QUO, sq.costs, sq.benefits)


def _repeated(s: Scenario, options: tuple[OptionPlan, ...], status_quo: OptionPlan | None, drawn: dict) -> dict:
    """The inputs drawn several times per trial, with their draw counts, taken out of ``drawn``."""
    out = {}
    for path in repeated_paths(s):
        parts = path.split(".")
        if parts[0] == "terminal_value":  # a salvage value: one draw
            out[path] = (drawn.pop(path), 1)
            continue
        *at, _, lname, key = parts  # options.<option>.costs.<line>.<key> or status_quo.costs...
        op = status_quo if at == [STATUS_QUO] else options[list(s.options).index(at[1])]
        assert op is not None
        out[path] = (drawn.pop(path), op.line(lname).draws[key])
    return out


def build_plan(s: Scenario) -> Plan:
    """Compile ``s`` into a new :class:`Plan` (use :func:`compile_plan`, which remembers it)."""
    lay = layout(s)
    inputs = input_paths(s)
    drawn = dict(inputs)
    for name, risk in s.risks.items():
        if risk.effect == "one_off":
            drawn.pop(f"risks.{name}.impact", None)
    risks = _risks(s)
    H = s.horizon_years
    options, status_quo = _options(s, risks), _status_quo(s, risks)
    repeated = _repeated(s, options, status_quo, drawn)
    correlated, correlation = _correlation(s, drawn)
    return Plan(
        scenario=s,
        layout=lay,
        inputs=inputs,
        drawn=drawn,
        correlated=correlated,
        correlation=correlation,
        risks=risks,
        options=options,
        shifts=tuple(s.owner_shifts(w) for w in lay.owners),
        row_index={r: i for i, r in enumerate(lay.rows)},
        license_periods=tuple(range(1, H + 1)) if s.by_mechanism else tuple(t for t in (2, 3) if t <= H),
        derived=derived_inputs(s),
        status_quo=status_quo,
        repeated=repeated,
        terminal=_terminal(s),
        ownership=_ownership(s, lay.owners),
    )


def _terminal(s: Scenario) -> TerminalPlan | None:
    tv = s.terminal_value
    if tv.rule == "none":
        return None
    salvage = tuple(f"terminal_value.salvage.{o}" if o in tv.salvage else None for o in s.options)
    return TerminalPlan(tv.rule, tv.growth, float(s.discount_rate), s.horizon_years, salvage)


PLAN_CACHE_SIZE = 64
"""Plans :func:`compile_plan` keeps, the most recently used first (a plan is a few kB; it also
keeps its scenario alive, so the cache is bounded)."""

_PLANS: OrderedDict[int, Plan] = OrderedDict()
_PLANS_LOCK = threading.Lock()


def compile_plan(scenario: Scenario | Plan) -> Plan:
    """The :class:`Plan` of ``scenario``: compiled on first use and kept (for the
    :data:`PLAN_CACHE_SIZE` most recently used scenario objects), so that every entry point can
    take a scenario and still share one plan. A plan passed in is returned as it is."""
    if isinstance(scenario, Plan):
        return scenario
    key = id(scenario)  # the cached plan holds its scenario, so this id cannot be reused meanwhile
    with _PLANS_LOCK:
        plan = _PLANS.get(key)
        if plan is not None and plan.scenario is scenario:
            _PLANS.move_to_end(key)
            return plan
    return remember(build_plan(scenario))


def remember(plan: Plan) -> Plan:
    """Keep ``plan`` as its scenario's plan for :func:`compile_plan` (most recently used)."""
    with _PLANS_LOCK:
        _PLANS[id(plan.scenario)] = plan
        _PLANS.move_to_end(id(plan.scenario))
        while len(_PLANS) > PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    return plan
