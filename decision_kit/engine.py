"""The cash-flow engine: from sampled inputs to cost and benefit arrays per option x owner.

A pure function of its inputs. For a chunk of ``n`` trials it returns, for every option ``o``
and ownership model ``w``, arrays of shape ``(n, P)`` with ``P = horizon + 1`` periods:
total cost and total benefit per period (positive amounts, nominal currency), the part of the
cost paid by marketing, and per-category sums over the chunk's trials (for mean breakdowns).

Timing (see :mod:`decision_kit.schema`): period 0 is the decision date, period ``t`` is year
``t``. A line that starts ``m`` months after the decision pays the fraction
``clip((12 t - m) / 12, 0, 1)`` of year ``t``. Benefits ramp linearly from go-live ``L`` to full
adoption at ``L + R`` months; year ``t`` gets the average adoption over its twelve months.
Risk events happen in years 1..horizon; lasting effects (price rise, benefit loss) apply from
the year after the first event. The first event year is drawn as a geometric waiting time
(exact for a constant probability per year); one-off events are drawn year by year.

Common random numbers: every owner sees the same draws; an owner's shifts act
deterministically on them, so differences between cells are not sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .loading import input_paths
from .priors import OWNERS
from .schema import Scenario

FLOW_COST_EXTRA = ("governance", "consolidation", "risk")
"""Cost rows added to the categories: governance overhead, shadow-IT consolidation, risk events."""


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


def layout(s: Scenario) -> Layout:
    from .schema import CATEGORIES

    used = {line.category for o in s.options.values() for line in o.costs.values()}
    cost_rows = tuple(c for c in CATEGORIES if c in used) + FLOW_COST_EXTRA
    benefit_rows = tuple(c for c in ("revenue", "savings")
                         if any(b.category == c for o in s.options.values() for b in o.benefits.values()))
    owners = tuple(o for o in OWNERS if o in s.owners)
    return Layout(tuple(s.options), owners, s.horizon_years + 1, cost_rows, benefit_rows)


@dataclass
class ChunkFlows:
    """Engine output for one chunk of trials.

    ``cost``, ``benefit``, ``marketing_cost``: arrays (n, P, O, W), currency per period.
    ``launch``: months to go-live, (n, O, W). ``rows_sum``: per-row sums over the chunk's
    trials, (R, P, O, W), rows as in :attr:`Layout.rows`.
    """

    cost: np.ndarray
    benefit: np.ndarray
    marketing_cost: np.ndarray
    launch: np.ndarray
    security_events: np.ndarray
    rows_sum: np.ndarray


def _topological(costs: dict) -> list[str]:
    order, done = [], set()

    def visit(name):
        if name in done:
            return
        line = costs[name]
        if line.timing == "percent_of":
            visit(line.of)
        done.add(name)
        order.append(name)

    for name in costs:
        visit(name)
    return order


def _growth(rate, years: np.ndarray):
    """(1 + rate) ** (t - 1) for years t = 1..H, shaped (n, H) or (1, H)."""
    r = np.maximum(np.asarray(rate, dtype=float).reshape(-1, 1), -1.0 + 1e-12)  # schema keeps P(r <= -1) < 1e-9
    return np.exp(np.log1p(r) * (years - 1))


def _active(start_months, years: np.ndarray):
    """Fraction of each year t after ``start_months``: clip((12 t - m) / 12, 0, 1), (n, H)."""
    m = np.asarray(start_months, dtype=float).reshape(-1, 1)
    return np.clip(years - m / 12.0, 0.0, 1.0)


def _ramp(launch, ramp, years: np.ndarray):
    """Average adoption over each year for a linear ramp from ``launch`` to ``launch + ramp`` months.

    Integral of clip((x - L)/R, 0, 1) is F(x) = max(x - L, 0)^2 / (2R) for x <= L + R and
    R/2 + (x - L - R) beyond; year t averages (F(12t) - F(12t - 12)) / 12.
    """
    L = np.asarray(launch, dtype=float).reshape(-1, 1)
    R = np.maximum(np.asarray(ramp, dtype=float).reshape(-1, 1), 1e-9)

    def F(x):
        d = np.maximum(x - L, 0.0)
        m = np.minimum(d, R)
        return m * m / (2 * R) + (d - m)

    return (F(12.0 * years) - F(12.0 * (years - 1))) / 12.0


def _first_event_year(u, p, horizon: int):
    """First year (1-based) with an event, from one uniform per trial: geometric waiting time.

    Returns ``horizon + 1`` when no event happens within the horizon.
    """
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor(np.log1p(-u) / np.log1p(-p)) + 1  # P(k) = (1-p)^(k-1) p
    k = np.where(p >= 1, 1, np.where(p <= 0, horizon + 1, k))
    return np.minimum(k, horizon + 1)


@dataclass
class RiskDraws:
    """Uniforms and impacts drawn for risk events, shared by every owner (common random numbers)."""

    first: dict = field(default_factory=dict)   # risk -> (n,) uniform for the first-event time
    yearly: dict = field(default_factory=dict)  # risk -> (n, H) uniforms for one-off events
    impact: dict = field(default_factory=dict)  # risk -> (n,) or (n, H) impacts


def draw_risks(s: Scenario, values: dict, n: int, rng: np.random.Generator) -> RiskDraws:
    """Draw the uniforms and impacts the risk events need (impacts of one-off events per year)."""
    out = RiskDraws()
    H = s.horizon_years
    for name, risk in s.risks.items():
        if risk.effect == "one_off":
            out.yearly[name] = rng.random((n, H))
            out.impact[name] = risk.impact.sample(rng, n * H).reshape(n, H) if not risk.impact.is_fixed() \
                else risk.impact.value
        else:
            out.first[name] = rng.random(n)
            out.impact[name] = values[f"risks.{name}.impact"]
    return out


def _launch_dependent(costs: dict) -> set[str]:
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


class _RiskEffects:
    """Risk-event effects per option and owner class, computed once and shared.

    Only ``security`` events depend on the owner (incident frequency and severity), so the
    effects are cached by (risk, frequency, severity): every owner with the same shifts, and
    every option, reuses them.
    """

    def __init__(self, s: Scenario, values: dict, risks: RiskDraws, n: int):
        self.s, self.values, self.risks, self.n = s, values, risks, n
        self.years = np.arange(1, s.horizon_years + 1, dtype=float)
        self._cache: dict = {}

    def effect(self, rname: str, freq: float, sev: float):
        key = (rname, freq, sev) if self.s.risks[rname].type == "security" else (rname,)
        if key not in self._cache:
            self._cache[key] = self._compute(rname, freq, sev)
        return self._cache[key]

    def _compute(self, rname, freq, sev):
        risk = self.s.risks[rname]
        H = self.s.horizon_years
        p = self.values[f"risks.{rname}.probability"]
        if risk.type == "security":
            p = np.asarray(p) * freq
        else:
            sev = 1.0
        if risk.effect == "one_off":
            hit = self.risks.yearly[rname] < np.asarray(p, dtype=float).reshape(-1, 1)
            return {"cost": hit * (np.asarray(self.risks.impact[rname], dtype=float) * sev),
                    "events": hit.sum(axis=1)}
        k = _first_event_year(self.risks.first[rname], p, H).reshape(-1, 1)
        impact = np.reshape(np.asarray(self.risks.impact[rname], dtype=float) * sev, (-1, 1))
        out = {"events": (k[:, 0] <= H).astype(float)}
        if risk.effect == "price_rise":
            out["mult"] = 1.0 + (self.years > k) * impact
        elif risk.effect == "benefit_loss":
            out["keep"] = 1.0 - (self.years > k) * impact
        else:  # forced_migration: a one-off cost in the year of the first event
            out["cost"] = (self.years == k) * impact
        return out


def project(s: Scenario, lay: Layout, values: dict, risks: RiskDraws, n: int) -> ChunkFlows:
    """Cash flows of every option under every owner for ``n`` trials of sampled ``values``.

    ``values`` maps each uncertain input's dotted path (see :func:`decision_kit.loading.input_paths`)
    to an array of ``n`` draws or a float. Flows that do not depend on the owner (cost lines
    that run from the decision date, owner-independent risk events) are computed once per
    option and scaled per owner.
    """
    H, P = s.horizon_years, s.horizon_years + 1
    years = np.arange(1, H + 1, dtype=float)
    O, W = len(lay.options), len(lay.owners)
    row_index = {r: i for i, r in enumerate(lay.rows)}
    cost = np.zeros((n, P, O, W))
    benefit = np.zeros((n, P, O, W))
    mkt = np.zeros((n, P, O, W))
    launch_all = np.zeros((n, O, W))
    sec_events = np.zeros((n, O, W))
    rows_sum = np.zeros((len(lay.rows), P, O, W))
    shifts = [s.owner_shifts(w) for w in lay.owners]
    effects = _RiskEffects(s, values, risks, n)

    def col(x):
        return np.asarray(x, dtype=float).reshape(-1, 1)

    drivers = {d: col(values[f"drivers.{d}.start"]) * _growth(values[f"drivers.{d}.growth"], years)
               for d in s.drivers}

    for oi, (oname, opt) in enumerate(s.options.items()):
        pre = f"options.{oname}"
        base_launch = np.asarray(values[f"{pre}.launch_months"], dtype=float)
        overrun = col(values[f"{pre}.cost_overrun"])
        realisation = col(values[f"{pre}.realisation"])
        order = _topological(opt.costs)
        dependent = _launch_dependent(opt.costs)
        my_risks = [r for r, risk in s.risks.items() if risk.options is None or oname in risk.options]
        price_risks = [r for r in my_risks if s.risks[r].effect == "price_rise"]

        # per line: amount x growth (x driver) over years 1..H, before timing and owner effects
        shape = {}
        for lname in order:
            line = opt.costs[lname]
            if line.timing in ("recurring", "per_unit"):
                esc = values[f"{pre}.costs.{lname}.escalation"] if line.escalation is not None else 0.0
                g = col(values[f"{pre}.costs.{lname}.amount"]) * _growth(esc, years)
                if line.timing == "per_unit":
                    g = g * drivers[line.driver]
                shape[lname] = g
        benefit_base = {b: col(values[f"{pre}.benefits.{b}.amount"]) * _growth(values[f"{pre}.benefits.{b}.growth"], years)
                        for b in opt.benefits}

        def line_flows(names, from_launch, price_mult, integ, flows):
            """Flows (n, P) of the named lines, in dependency order, into ``flows``."""
            for lname in names:
                line = opt.costs[lname]
                if line.timing == "one_off":
                    f = np.zeros((n, P))
                    f[:, line.year or 0] = values[f"{pre}.costs.{lname}.amount"]
                elif line.timing == "percent_of":
                    f = col(values[f"{pre}.costs.{lname}.amount"]) * flows[line.of]
                else:
                    f = np.zeros((n, P))
                    f[:, 1:] = shape[lname] * from_launch if line.start == "launch" else shape[lname]
                if line.overrun:
                    f *= overrun
                if line.category in ("integration", "customisation") and integ != 1.0:
                    f *= integ
                if lname in price_mult:
                    f[:, 1:] *= price_mult[lname]
                flows[lname] = f

        def price_multipliers(freq, sev):
            out = {}
            for r in price_risks:
                m = effects.effect(r, freq, sev)["mult"]
                for lname in s.risks[r].lines:
                    if lname in opt.costs:
                        out[lname] = out[lname] * m if lname in out else m
            return out

        # owner-independent lines, computed once per (integration factor, risk class)
        shared_cache: dict = {}

        for wi, sh in enumerate(shifts):
            cls = (sh.incident_frequency, sh.incident_severity)
            price_mult = price_multipliers(*cls)
            key = (sh.integration_factor,) + (cls if any(s.risks[r].type == "security" for r in price_risks) else ())
            if key not in shared_cache:
                flows0: dict = {}
                line_flows([l for l in order if l not in dependent], None, price_mult, sh.integration_factor, flows0)
                total0 = sum(flows0.values()) if flows0 else np.zeros((n, P))
                cats0 = np.zeros((len(lay.rows), P))
                lic0 = np.zeros((n, P))
                for lname, f in flows0.items():
                    cats0[row_index[opt.costs[lname].category]] += f.sum(axis=0)
                    if opt.costs[lname].category == "license":
                        lic0 = lic0 + f
                shared_cache[key] = (flows0, total0, cats0, lic0)
            flows0, total0, cats0, lic0 = shared_cache[key]

            L = base_launch * sh.launch_factor + sh.launch_extra_months
            launch_all[:, oi, wi] = L
            rows_sum[:, :, oi, wi] += cats0
            total, license_cost = total0, lic0
            if dependent:
                flows = dict(flows0)
                line_flows([l for l in order if l in dependent], _active(L, years), price_mult,
                           sh.integration_factor, flows)
                total = total0.copy()
                license_cost = lic0.copy()
                for lname in dependent:
                    f = flows[lname]
                    total += f
                    rows_sum[row_index[opt.costs[lname].category], :, oi, wi] += f.sum(axis=0)
                    if opt.costs[lname].category == "license":
                        license_cost += f

            risk_cost = np.zeros((n, P))
            keep = None
            for r in my_risks:
                e = effects.effect(r, *cls)
                if "cost" in e:
                    risk_cost[:, 1:] += e["cost"]
                if "keep" in e:
                    keep = e["keep"] if keep is None else keep * e["keep"]
                if s.risks[r].type == "security":
                    sec_events[:, oi, wi] += e["events"]
            own_cost = total + risk_cost
            if sh.governance_overhead:
                governance = sh.governance_overhead * total
                own_cost += governance
                rows_sum[row_index["governance"], :, oi, wi] += governance.sum(axis=0)
            rows_sum[row_index["risk"], :, oi, wi] += risk_cost.sum(axis=0)
            cost[:, :, oi, wi] = own_cost
            mkt[:, :, oi, wi] = sh.marketing_share * own_cost
            if sh.consolidation:
                for t in (2, 3):
                    if t <= H:
                        c = sh.consolidation * license_cost[:, t]
                        cost[:, t, oi, wi] += c
                        rows_sum[row_index["consolidation"], t, oi, wi] += c.sum()

            real = realisation * sh.realisation_factor
            for bname, b in opt.benefits.items():
                adoption = _ramp(L, values[f"{pre}.benefits.{bname}.ramp_months"], years)
                bf = benefit_base[bname] * adoption * real
                if keep is not None:
                    bf = bf * keep
                benefit[:, 1:, oi, wi] += bf
                rows_sum[row_index[b.category], 1:, oi, wi] += bf.sum(axis=0)
    return ChunkFlows(cost, benefit, mkt, launch_all, sec_events, rows_sum)


def uncertain_inputs(s: Scenario) -> dict:
    """Every input the engine reads, by dotted path, in a stable order."""
    return input_paths(s)
