"""Who owns the budget, by mechanism: an organisation profile turned into each owner's launch,
realisation, rework, incidents and explicit costs (MODEL_DESIGN section 4a).

Ownership is a cell ``(holder, delivery)``: who holds the budget (``marketing``, ``it``, a
``shared_pot``) times who builds and changes the system (``central_it``, ``embedded_it``, IT
specialists embedded in marketing, ``marketing_ops``, ``agency``, an outside agency working for
marketing under a retainer, ``shadow``, marketing going around IT).
The five ownership models are presets of that grid (:data:`PRESETS`).

Every relationship below is computed per trial, vectorised over the ``n`` trials of a chunk,
from the scenario's ``organisation.*`` and ``mechanisms.*`` inputs (draws or fixed numbers).
Units: months, weeks, currency per year.

1. **Cycle time** ``c`` (months per change): central IT's lead time for changes; an embedded
   specialist's hand-off; for marketing operations ``(1 - q)`` x its own lead time plus ``q``
   x IT's, ``q`` the share of its changes that need IT (:func:`lead_time_weeks`); an agency
   likewise with its own lead time on the ``1 - q`` share; shadow IT
   marketing's own lead time (it goes around IT); plus the joint approval (``approval_days``)
   when the budget is a shared pot, and IT's sign-off (``holder_approval_share`` x
   ``approval_days``) when IT holds the budget and marketing's own side (its operations or an
   agency) makes the change: the holder approves what it pays for. The change-failure rate
   mixes alike.
2. **Go-live**: ``L = D + base x (1 - h) + base x h x S``. ``base`` is the option's
   ``launch_months``, ``h`` its ``in_house_share`` (vendor configuration time does not depend
   on who holds the budget). The speed ``S = (w_d / w_ref) ** elasticity`` uses the delivery
   team's weeks per change ``w_d``; embedded delivery is ``embedded_speed_ratio`` x central IT's. The
   start delay ``D`` is IT's queue for central IT, ``q`` x IT's queue for marketing operations
   (the share of its work that needs IT waits for IT's capacity too), the hiring lag for
   embedded specialists who are new hires, the agency's onboarding (contract, access, vendor
   assessment) plus ``q`` x IT's queue for an agency, 0 for shadow IT, plus the funding delay
   for a shared pot.
3. **Realisation (the trial-and-error loop)**: each change succeeds with probability
   ``1 - f`` (the delivery team's change-failure rate), so successful corrections arrive at
   ``kappa = (1 - f) / c`` a month; each closes a share ``phi`` of the gap between what the
   system does and what marketing needs, and needs drift at ``delta = change_rate x drift``.
   The realised share follows ``d rho/dt = phi kappa (1 - rho) - delta rho``, whose steady
   state is ``rho* = phi kappa / (phi kappa + delta)`` (:func:`steady_share`; the path is
   :func:`share_path`). The owner's realisation factor is ``rho*_w / rho*_ref``, against the
   reference delivery the benefit-realisation prior describes (``reference`` in
   ``data/ownership.yaml``), so the option's own realisation prior is not counted twice. A
   shared pot's factor is also multiplied by ``co_ownership_uplift``: initiatives that
   business and IT co-own meet their targets more often (Gartner, S30: 71% against 48%).
4. **Rework**: integration and customisation lines scale by ``1 + r x ln(1 + stack_size/10)``;
   ``r`` is 0 for IT delivery (standards applied), ``rework_marketing_ops x (5 - maturity)/4``
   for marketing operations, ``rework_agency`` for an agency and ``rework_shadow`` for shadow IT.
5. **Security**: security events' probability scales by ``1 + s x sensitivity`` (sensitivity
   0, 0.5, 1 for low, medium, high; ``s`` 0 where IT reviews security, as it does when it
   delivers or holds (or co-holds) the budget and so signs the vendor's contract;
   ``security_agency`` for a third party with access to the data), their impact for
   shadow IT by ``shadow_severity`` (S33) x ``(1 + shadow_regulatory_uplift x sensitivity)``:
   a regulator's action on a breach of data IT never reviewed (GDPR Art. 83 fines reach 4% of
   turnover), as an expected share of the breach's own cost.
6. **Explicit costs** (instead of round one's governance percentage): embedded specialists'
   ``fte x specialist_cost`` a year from their hiring, or an agency's ``agency_fee`` a year
   from its onboarding (none for an option with a cost line named in
   ``mechanisms.embedded_replaces``: that line already pays its delivery team); a shared pot's steering time
   (meetings a month x attendees x hours x 12 x rate) a year; shadow IT's duplicate licences
   (a share of licence cost) until IT discovers the tool, the absorb cost (a share of that
   year's licence) in the year of discovery, and central IT's change cycle (so its
   realisation factor) from the year after.

Every coefficient above, and the profile's ``stack_size`` and ``marketing_maturity``, may be
a distribution: rework and security are per-trial factors like the rest (:func:`rework_and_security`;
a factor whose inputs are all fixed numbers is a number, so the engine shares its flows between
owners). ``data_sensitivity`` is a class the organisation knows (low, medium, high), and who
pays (:func:`who_pays`) is a fixed share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Holder = Literal["marketing", "it", "shared_pot"]
Delivery = Literal["central_it", "embedded_it", "marketing_ops", "shadow", "agency"]

HOLDERS: tuple[Holder, ...] = ("marketing", "it", "shared_pot")
DELIVERIES: tuple[Delivery, ...] = ("central_it", "embedded_it", "marketing_ops", "shadow", "agency")

PRESETS: dict[str, tuple[Holder, Delivery]] = {
    "marketing": ("marketing", "marketing_ops"),
    "it": ("it", "central_it"),
    "shared": ("shared_pot", "central_it"),
    "embedded": ("marketing", "embedded_it"),
    "shadow": ("marketing", "shadow"),
}
"""The five ownership models as (budget holder, delivery) cells."""

AFTER_DISCOVERY: Delivery = "central_it"
"""Who delivers a shadow tool once IT has discovered and absorbed it."""

WEEKS_PER_MONTH = 52.0 / 12.0
DAYS_PER_MONTH = 365.25 / 12.0
SENSITIVITY = {"low": 0.0, "medium": 0.5, "high": 1.0}
"""Data sensitivity as a number for the security mechanism."""

DEFAULT_IN_HOUSE_SHARE = {"build": 1.0, "hybrid": 0.6, "buy": 0.3, "outsource": 0.1, "do_nothing": 0.0}
"""Share of an option's launch time that is the organisation's own work, by kind (J): the rest
is the vendor's configuration, whose time does not depend on the owner."""

ORGANISATION_FIELDS = (
    "it_lead_time_weeks",
    "it_change_failure_rate",
    "it_queue_months",
    "approval_days",
    "marketing_lead_time_weeks",
    "marketing_change_failure_rate",
    "marketing_it_dependency",
    "change_rate_per_month",
    "hire_lag_months",
    "specialist_cost",
    "agency_lead_time_weeks",
    "agency_change_failure_rate",
    "agency_onboarding_months",
    "agency_fee",
    "marketing_maturity",
    "stack_size",
)
"""The profile's inputs that may be uncertain (read as ``organisation.<field>``)."""

MECHANISM_FIELDS = (
    "speed_elasticity",
    "embedded_speed_ratio",
    "embedded_handoff_weeks",
    "embedded_fte",
    "funding_delay_months",
    "correction_share",
    "drift_per_change",
    "co_ownership_uplift",
    "steering_rate",
    "shadow_discovery_hazard",
    "shadow_absorb_ratio",
    "shadow_duplicate_share",
    "shadow_discovery_draw",
    "rework_marketing_ops",
    "rework_shadow",
    "rework_agency",
    "security_marketing_ops",
    "security_shadow",
    "security_agency",
    "shadow_severity",
    "shadow_regulatory_uplift",
)
"""The mechanisms' coefficients that may be uncertain (read as ``mechanisms.<field>``)."""


def steady_share(phi, kappa, delta):
    """The realised share's steady state ``phi kappa / (phi kappa + delta)``: 1 when needs do
    not drift (``delta = 0``) and corrections happen at all, 0 when no correction succeeds."""
    gain = np.multiply(phi, kappa)
    total = gain + np.asarray(delta, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, gain / np.where(total > 0, total, 1.0), 1.0)


def share_path(t, rho0, phi, kappa, delta):
    """The realised share at ``t`` months after go-live, from ``rho0``: the exact solution
    ``rho* + (rho0 - rho*) exp(-(phi kappa + delta) t)`` of the change-cycle equation."""
    star = steady_share(phi, kappa, delta)
    rate = np.multiply(phi, kappa) + np.asarray(delta, dtype=float)
    return star + (np.asarray(rho0, dtype=float) - star) * np.exp(-rate * np.asarray(t, dtype=float))


@dataclass(frozen=True)
class Fixed:
    """The mechanisms' fixed numbers (``fixed`` in ``data/ownership.yaml``, overridable in the
    scenario's ``mechanisms`` block), the reference delivery and the profile's data sensitivity."""

    steering_meetings_per_month: float
    steering_attendees: float
    steering_hours: float
    shared_pot_marketing_share: float
    holder_approval_share: float
    embedded_new_hires: bool
    reference_cycle_weeks: float
    reference_change_failure_rate: float
    reference_change_rate_per_month: float
    data_sensitivity: str


def who_pays(holder: str, fx: Fixed) -> float:
    """The share of an owner's cost paid from marketing's budget: 1 when marketing holds it, 0
    when IT does, ``shared_pot_marketing_share`` for a shared pot."""
    return {"marketing": 1.0, "it": 0.0, "shared_pot": fx.shared_pot_marketing_share}[holder]


Factor = float | np.ndarray
"""A per-trial factor: an (n,) array, or a number where every input it reads is fixed."""


def _factor(x: Any) -> Factor:
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a


def rework_and_security(
    cell: tuple[str, str], values: dict[str, Any], fx: Fixed, off: frozenset[str] = frozenset()
) -> tuple[Factor, Factor, Factor]:
    """``(integration factor, incident frequency, incident severity)`` of one (holder, delivery)
    cell (mechanisms 4 and 5), per trial from ``values`` (input path -> (n,) draws or a number);
    a number where every input read is fixed, exactly 1 for a mechanism group in ``off``:

    - integration ``1 + r x ln(1 + stack_size / 10)``, ``r`` 0 for IT delivery,
      ``rework_marketing_ops x (5 - maturity) / 4`` for marketing operations, ``rework_agency``
      for an agency, ``rework_shadow`` for shadow IT;
    - frequency ``1 + s x sensitivity``, ``s`` 0 where IT delivers, holds or co-holds the
      budget (it reviews the vendor and the data's access), else ``security_<delivery>``;
    - severity ``shadow_severity x (1 + shadow_regulatory_uplift x sensitivity)`` for shadow IT,
      1 otherwise.
    """
    holder, delivery = cell
    get = values.__getitem__
    rework: Any = 0.0
    if "rework" not in off and delivery in ("marketing_ops", "shadow", "agency"):
        r = get(f"mechanisms.rework_{delivery}")
        if delivery == "marketing_ops":
            r = np.multiply(r, (5.0 - np.asarray(get("organisation.marketing_maturity"), dtype=float)) / 4.0)
        rework = np.multiply(r, np.log1p(np.asarray(get("organisation.stack_size"), dtype=float) / 10.0))
    sensitivity = SENSITIVITY[fx.data_sensitivity]
    frequency: Any = 1.0
    severity: Any = 1.0
    if "security" not in off:
        reviewed = holder in ("it", "shared_pot") or delivery in ("central_it", "embedded_it")
        if not reviewed:  # IT signs the contract where it holds the budget, so it reviews the vendor
            frequency = 1.0 + np.multiply(get(f"mechanisms.security_{delivery}"), sensitivity)
        if delivery == "shadow":
            uplift = 1.0 + np.multiply(get("mechanisms.shadow_regulatory_uplift"), sensitivity)
            severity = np.multiply(get("mechanisms.shadow_severity"), uplift)
    return _factor(1.0 + rework), _factor(frequency), _factor(severity)


@dataclass
class OwnerArrays:
    """One owner's per-trial mechanisms over a chunk of ``n`` trials.

    ``delay``: months before the in-house work starts, (n,). ``speed``: multiplier of the
    in-house share of launch time, (n,). ``realisation``: realisation factor, (n,), or (H, n)
    by year for shadow IT (central IT's after discovery). ``specialists``, ``steering``: yearly
    cost over years 1..H, (H, n) or None. ``discovery``: shadow IT's discovery year (1-based,
    H + 1 when never), (n,) or None; with ``duplicate_share`` and ``absorb_ratio`` (n,).
    ``integration``, ``frequency``, ``severity``: the rework and security factors
    (:func:`rework_and_security`), (n,) or a number.
    """

    delay: np.ndarray
    speed: np.ndarray
    realisation: np.ndarray
    specialists: np.ndarray | None = None
    steering: np.ndarray | None = None
    discovery: np.ndarray | None = None
    duplicate_share: np.ndarray | None = None
    absorb_ratio: np.ndarray | None = None
    integration: Factor = 1.0
    frequency: Factor = 1.0
    severity: Factor = 1.0

    def launch(self, base: np.ndarray, in_house_share: float) -> np.ndarray:
        """Months to go-live of an option with months ``base`` and in-house share ``h``:
        ``delay + base (1 - h) + base h speed``."""
        return self.delay + base * (1.0 - in_house_share) + base * in_house_share * self.speed

    def shadow_costs(self, licence: np.ndarray) -> np.ndarray | None:
        """Duplicate licences before discovery and the absorb cost in its year, (H, n), from
        the cell's licence cost by year ``licence`` (H, n); None for an owner that is not shadow."""
        if self.discovery is None or self.duplicate_share is None or self.absorb_ratio is None:
            return None
        years = np.arange(1, licence.shape[0] + 1, dtype=float).reshape(-1, 1)
        share = np.where(years < self.discovery, self.duplicate_share, 0.0)
        share += np.where(years == self.discovery, self.absorb_ratio, 0.0)
        return licence * share


def _get(values: dict, path: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values[path], dtype=float), (n,))


def _paid_from(months: np.ndarray, H: int) -> np.ndarray:
    """Share of each year 1..H after ``months`` from the decision date, (H, n)."""
    years = np.arange(1, H + 1, dtype=float).reshape(-1, 1)
    return np.clip(years - months / 12.0, 0.0, 1.0)


MARKETING_SIDE: tuple[str, ...] = ("marketing_ops", "agency")
"""Deliveries by marketing's own side: under IT's budget each of their changes needs IT's sign-off."""


def cycle_months(cell: tuple[str, str], v: dict[str, np.ndarray], holder_approval_share: float = 0.0) -> np.ndarray:
    """Months per course correction for a cell (mechanism 1), from the inputs ``v`` by field:
    the delivery's lead time, plus the joint approval under a shared pot, plus
    ``holder_approval_share`` x that approval time where IT holds the budget and marketing's
    own side delivers."""
    holder, delivery = cell
    c = lead_time_weeks(delivery, v) / WEEKS_PER_MONTH
    if holder == "shared_pot":
        c = c + v["approval_days"] / DAYS_PER_MONTH
    if holder == "it" and delivery in MARKETING_SIDE:
        c = c + holder_approval_share * v["approval_days"] / DAYS_PER_MONTH
    return c


def lead_time_weeks(delivery: str, v: dict[str, np.ndarray]) -> np.ndarray:
    """Weeks per change of the team that delivers: central IT's lead time; an embedded
    specialist's hand-off; for marketing operations its own lead time on the share of changes
    it makes alone and IT's on the share ``q = marketing_it_dependency`` that needs IT
    (integrations, data, security review); shadow IT goes around IT (``q = 0``)."""
    if delivery == "central_it":
        return v["it_lead_time_weeks"]
    if delivery == "embedded_it":
        return v["embedded_handoff_weeks"]
    if delivery == "shadow":
        return v["marketing_lead_time_weeks"]
    q = v["marketing_it_dependency"]
    own = v["agency_lead_time_weeks"] if delivery == "agency" else v["marketing_lead_time_weeks"]
    return (1.0 - q) * own + q * v["it_lead_time_weeks"]


def failure_rate(delivery: str, v: dict[str, np.ndarray]) -> np.ndarray:
    """The change-failure rate of the team that delivers (marketing operations: its own on
    the changes it makes alone, IT's on the share that needs IT)."""
    if delivery in ("central_it", "embedded_it"):
        return v["it_change_failure_rate"]
    if delivery == "shadow":
        return v["marketing_change_failure_rate"]
    q = v["marketing_it_dependency"]
    own = v["agency_change_failure_rate"] if delivery == "agency" else v["marketing_change_failure_rate"]
    return (1.0 - q) * own + q * v["it_change_failure_rate"]


def realisation_factor(cell: tuple[str, str], v: dict[str, np.ndarray], fx: Fixed) -> np.ndarray:
    """``rho*_cell / rho*_ref`` (mechanism 3), per trial."""
    phi, drift = v["correction_share"], v["drift_per_change"]
    c = np.maximum(cycle_months(cell, v, fx.holder_approval_share), 1e-9)
    kappa = (1.0 - failure_rate(cell[1], v)) / c
    star = steady_share(phi, kappa, v["change_rate_per_month"] * drift)
    kappa_ref = (1.0 - fx.reference_change_failure_rate) / (fx.reference_cycle_weeks / WEEKS_PER_MONTH)
    ref = steady_share(phi, kappa_ref, fx.reference_change_rate_per_month * drift)
    factor = star / ref
    return factor * v["co_ownership_uplift"] if cell[0] == "shared_pot" else factor


MECHANISMS = ("launch", "realisation", "rework", "security", "explicit_costs")
"""The mechanism groups, as :func:`owner_arrays` can switch them off
(to attribute an owner's NPV to them): go-live (1-2), realisation (3), rework (4), security
(5) and the explicit costs (6)."""


MECHANISM_LABELS = {
    "launch": "go-live (queue, funding, hiring, speed)",
    "realisation": "change cycle (realised benefit)",
    "rework": "integration rework",
    "security": "incidents",
    "explicit_costs": "specialists or agency fee, steering, shadow licences",
}
"""Plain names of the mechanism groups, for tables and charts."""


def owner_arrays(
    cells: tuple[tuple[str, str], ...],
    values: dict[str, Any],
    fx: Fixed,
    n: int,
    H: int,
    off: frozenset[str] = frozenset(),
) -> list[OwnerArrays]:
    """Every cell's per-trial mechanisms for a chunk of ``n`` trials of ``values`` (input path
    -> (n,) draws or a number), in ``cells`` order; the groups in ``off`` (of
    :data:`MECHANISMS`) neutral."""
    out = _owner_arrays(cells, values, fx, n, H)
    for cell, a in zip(cells, out, strict=True):
        a.integration, a.frequency, a.severity = rework_and_security(cell, values, fx, off)
        if "launch" in off:
            a.delay, a.speed = np.zeros(n), np.ones(n)
        if "realisation" in off:
            a.realisation = np.ones(n)
        if "explicit_costs" in off:
            a.specialists = a.steering = a.discovery = None
    return out


def _owner_arrays(
    cells: tuple[tuple[str, str], ...], values: dict[str, Any], fx: Fixed, n: int, H: int
) -> list[OwnerArrays]:
    v = {f: _get(values, f"organisation.{f}", n) for f in ORGANISATION_FIELDS}
    v.update({f: _get(values, f"mechanisms.{f}", n) for f in MECHANISM_FIELDS})
    ref_cycle = fx.reference_cycle_weeks
    eps = v["speed_elasticity"]
    it_speed = (v["it_lead_time_weeks"] / ref_cycle) ** eps
    speeds = {
        "central_it": it_speed,
        "embedded_it": v["embedded_speed_ratio"] * it_speed,
        "marketing_ops": (lead_time_weeks("marketing_ops", v) / ref_cycle) ** eps,
        "shadow": (v["marketing_lead_time_weeks"] / ref_cycle) ** eps,
        "agency": (lead_time_weeks("agency", v) / ref_cycle) ** eps,
    }
    hire = v["hire_lag_months"] if fx.embedded_new_hires else np.zeros(n)
    out = []
    for cell in cells:
        holder, delivery = cell
        delay = {
            "central_it": v["it_queue_months"],
            "embedded_it": hire,
            "marketing_ops": v["marketing_it_dependency"] * v["it_queue_months"],
            "agency": v["agency_onboarding_months"] + v["marketing_it_dependency"] * v["it_queue_months"],
        }.get(delivery, np.zeros(n))
        if holder == "shared_pot":
            delay = delay + v["funding_delay_months"]
        arrays = OwnerArrays(delay=delay, speed=speeds[delivery], realisation=realisation_factor(cell, v, fx))
        if delivery == "embedded_it":
            arrays.specialists = _paid_from(hire, H) * (v["embedded_fte"] * v["specialist_cost"])
        if delivery == "agency":  # the retainer is the delivery team's cost, as specialists are
            arrays.specialists = _paid_from(v["agency_onboarding_months"], H) * v["agency_fee"]
        if holder == "shared_pot":
            hours = fx.steering_meetings_per_month * fx.steering_attendees * fx.steering_hours * 12.0
            arrays.steering = np.broadcast_to(hours * v["steering_rate"], (H, n))
        if delivery == "shadow":
            arrays.discovery = _discovery_year(v["shadow_discovery_draw"], v["shadow_discovery_hazard"], H)
            arrays.duplicate_share = v["shadow_duplicate_share"]
            arrays.absorb_ratio = v["shadow_absorb_ratio"]
            after = realisation_factor((holder, AFTER_DISCOVERY), v, fx)
            years = np.arange(1, H + 1, dtype=float).reshape(-1, 1)
            arrays.realisation = np.where(years > arrays.discovery, after, arrays.realisation)
        out.append(arrays)
    return out


def _discovery_year(u: np.ndarray, hazard: np.ndarray, H: int) -> np.ndarray:
    """First year (1-based) in which IT discovers the tool, a geometric waiting time with
    yearly probability ``hazard`` from one uniform ``u`` per trial; ``H + 1`` for never."""
    p = np.clip(hazard, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor(np.log1p(-np.minimum(u, 1 - 1e-16)) / np.log1p(-p)) + 1
    k = np.where(p >= 1, 1.0, np.where(p <= 0, H + 1.0, k))
    return np.minimum(k, H + 1.0)


def _worse_parts(a: OwnerArrays) -> list[tuple[Factor, int]]:
    """The mechanisms of one owner as (value, sign): sign +1 where more is worse for the option."""
    zero = 0.0
    return [
        (a.delay, 1),
        (a.speed, 1),
        (a.realisation, -1),
        (zero if a.specialists is None else a.specialists, 1),
        (zero if a.steering is None else a.steering, 1),
        (zero if a.duplicate_share is None else a.duplicate_share, 1),
        (zero if a.absorb_ratio is None else a.absorb_ratio, 1),
        (a.integration, 1),
        (a.frequency, 1),
        (a.severity, 1),
    ]


def dominates(a: OwnerArrays, b: OwnerArrays) -> bool:
    """Whether owner ``a`` is at least as favourable as ``b`` on every mechanism in every trial
    of the arrays (start delay, speed, realisation, specialists, steering, shadow IT's shares,
    rework, incident frequency and severity) and more favourable somewhere: then ``a`` beats
    ``b`` whatever the option's numbers, and the comparison is predetermined by the profile.
    (A shadow tool's discovery year is compared through its shares: an owner that is not
    shadow pays none.)"""
    no_worse, differs = True, False
    for (x, sign), (y, _) in zip(_worse_parts(a), _worse_parts(b), strict=True):
        d = sign * (np.asarray(x, dtype=float) - np.asarray(y, dtype=float))
        no_worse = no_worse and bool(np.all(d <= 1e-12))
        differs = differs or bool(np.any(np.abs(d) > 1e-12))
        if not no_worse:
            return False
    return differs


_LAST_MEDIANS: list = [None, {}]  # the last inputs asked about and their medians (asked on every dashboard update)


def _medians(plan: Any) -> dict[str, float]:
    """The median of every ``organisation.*`` and ``mechanisms.*`` input of a compiled plan
    (kept for the last set of such inputs: equal distributions have equal medians)."""
    prefixes = ("organisation.", "mechanisms.")
    inputs = tuple((p, d) for p, d in plan.inputs.items() if p.startswith(prefixes))
    if inputs != _LAST_MEDIANS[0]:
        _LAST_MEDIANS[:] = [inputs, {p: float(d.quantiles([0.5])[0]) for p, d in inputs}]
    return dict(_LAST_MEDIANS[1])


def dominated(plan: Any, kept: Any, owner: str) -> tuple[str, ...]:
    """The owners that ``owner`` dominates (:func:`dominates`) in a compiled plan
    (:class:`~decision_kit.plan.Plan`) on the kept draws ``kept`` (input path -> (n,) draws; an
    input not kept is taken at its median), with each owner's rework and incident factors as
    the engine applies them (a constant the scenario's ``owners:`` states replaces its
    factor); () where the plan's owners are not computed by mechanism."""
    own = plan.ownership
    if own is None:
        return ()
    values = {p: kept[p] if p in kept else m for p, m in _medians(plan).items()}
    n = max((np.size(v) for v in values.values()), default=1)
    arrays = owner_arrays(own.cells, values, own.fixed, n, plan.horizon)
    for a, sh, kept_fixed in zip(arrays, plan.shifts, own.overridden, strict=True):
        _apply_overrides(a, sh, kept_fixed)
    owners = plan.layout.owners
    a = owners.index(owner)
    return tuple(w for b, w in enumerate(owners) if b != a and dominates(arrays[a], arrays[b]))


OVERRIDABLE = {"integration_factor": "integration", "incident_frequency": "frequency", "incident_severity": "severity"}
"""The owner shifts a scenario's ``owners:`` may state as constants over the mechanisms'
factors (the legacy override), with the :class:`OwnerArrays` field each replaces."""


def _apply_overrides(a: OwnerArrays, shifts: Any, overridden: frozenset[str]) -> None:
    """Replace ``a``'s rework and security factors by the constants ``shifts`` states for them."""
    for name in overridden:
        setattr(a, OVERRIDABLE[name], float(getattr(shifts, name)))


def reads(plan: Any, path: str, owners: tuple[str, ...]) -> bool:
    """Whether input ``path`` (``organisation.*`` or ``mechanisms.*``) changes the mechanisms of
    any of ``owners`` between its P1 and its P99, the other inputs at their medians, in a
    compiled plan (:class:`~decision_kit.plan.Plan`) whose owners are by mechanism: an input no
    owner reads cannot move their cells (embedded specialists' cost, say, for marketing)."""
    own = plan.ownership
    if own is None or path not in plan.inputs:
        return False
    cells = tuple(own.cells[plan.layout.owners.index(w)] for w in owners)
    base = _medians(plan)
    lo, hi = (float(v) for v in plan.inputs[path].quantiles([0.01, 0.99]))
    a, b = (owner_arrays(cells, {**base, path: v}, own.fixed, 1, plan.horizon) for v in (lo, hi))
    fields = (
        "delay",
        "speed",
        "realisation",
        "specialists",
        "steering",
        "discovery",
        "duplicate_share",
        "absorb_ratio",
        "integration",
        "frequency",
        "severity",
    )
    for x, y in zip(a, b, strict=True):
        for f in fields:
            u, v = getattr(x, f), getattr(y, f)
            if (u is None) != (v is None) or (u is not None and not np.array_equal(u, v)):
                return True
    return False
