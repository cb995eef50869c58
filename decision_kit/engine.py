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
    r = np.asarray(rate, dtype=float).reshape(-1, 1)
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
        return np.where(d <= R, d * d / (2 * R), d - R / 2)

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


def project(s: Scenario, lay: Layout, values: dict, risks: RiskDraws, n: int) -> ChunkFlows:
    """Cash flows of every option under every owner for ``n`` trials of sampled ``values``.

    ``values`` maps each uncertain input's dotted path (see :func:`decision_kit.loading.input_paths`)
    to an array of ``n`` draws or a float.
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

    drivers = {d: np.asarray(values[f"drivers.{d}.start"], dtype=float).reshape(-1, 1)
               * _growth(values[f"drivers.{d}.growth"], years) for d in s.drivers}

    for oi, (oname, opt) in enumerate(s.options.items()):
        pre = f"options.{oname}"
        base_launch = np.asarray(values[f"{pre}.launch_months"], dtype=float)
        overrun = values[f"{pre}.cost_overrun"]
        realisation = values[f"{pre}.realisation"]
        order = _topological(opt.costs)
        my_risks = [(r, risk) for r, risk in s.risks.items() if risk.options is None or oname in risk.options]

        # Owner-independent pieces, computed once per option.
        growth_cache = {}
        for lname in order:
            line = opt.costs[lname]
            if line.timing in ("recurring", "per_unit"):
                esc = values[f"{pre}.costs.{lname}.escalation"] if line.escalation is not None else 0.0
                g = _growth(esc, years)
                if line.timing == "per_unit":
                    g = g * drivers[line.driver]
                growth_cache[lname] = g
        benefit_growth = {b: _growth(values[f"{pre}.benefits.{b}.growth"], years) for b in opt.benefits}

        for wi, sh in enumerate(shifts):
            L = base_launch * sh.launch_factor + sh.launch_extra_months
            launch_all[:, oi, wi] = L
            from_launch = _active(L, years)
            flows: dict[str, np.ndarray] = {}
            total = np.zeros((n, P))
            # price rises and benefit losses from vendor-type (and other lasting) events
            price_mult: dict[str, np.ndarray] = {}
            benefit_keep = np.ones((n, H))
            extra = np.zeros((n, P))
            for rname, risk in my_risks:
                p = values[f"risks.{rname}.probability"]
                sev = 1.0
                if risk.type == "security":
                    p = np.asarray(p) * sh.incident_frequency
                    sev = sh.incident_severity
                if risk.effect == "one_off":
                    hit = risks.yearly[rname] < np.asarray(p, dtype=float).reshape(-1, 1)
                    cost_y = hit * risks.impact[rname] * sev
                    extra[:, 1:] += cost_y
                    if risk.type == "security":
                        sec_events[:, oi, wi] += hit.sum(axis=1)
                    continue
                k = _first_event_year(risks.first[rname], p, H)  # (n,)
                impact = np.asarray(risks.impact[rname], dtype=float) * sev
                if risk.type == "security":
                    sec_events[:, oi, wi] += k <= H
                after = years[None, :] > k.reshape(-1, 1)  # lasting effect from the year after
                if risk.effect == "price_rise":
                    mult = 1.0 + after * np.reshape(impact, (-1, 1))
                    for lname in risk.lines:
                        if lname in opt.costs:
                            price_mult[lname] = price_mult.get(lname, 1.0) * mult
                elif risk.effect == "benefit_loss":
                    benefit_keep = benefit_keep * (1.0 - after * np.reshape(impact, (-1, 1)))
                elif risk.effect == "forced_migration":
                    at = years[None, :] == k.reshape(-1, 1)
                    extra[:, 1:] += at * np.reshape(impact, (-1, 1))
            license_cost = np.zeros((n, P))
            for lname in order:
                line = opt.costs[lname]
                amt = values[f"{pre}.costs.{lname}.amount"]
                f = np.zeros((n, P))
                if line.timing == "one_off":
                    f[:, line.year or 0] = amt
                elif line.timing == "percent_of":
                    f = np.asarray(amt, dtype=float).reshape(-1, 1) * flows[line.of]
                else:
                    active = from_launch if line.start == "launch" else 1.0
                    f[:, 1:] = np.asarray(amt, dtype=float).reshape(-1, 1) * growth_cache[lname] * active
                if line.overrun:
                    f = f * np.asarray(overrun, dtype=float).reshape(-1, 1)
                if line.category in ("integration", "customisation") and sh.integration_factor != 1.0:
                    f = f * sh.integration_factor
                if lname in price_mult:
                    f[:, 1:] *= price_mult[lname]
                flows[lname] = f
                total += f
                rows_sum[row_index[line.category], :, oi, wi] += f.sum(axis=0)
                if line.category == "license":
                    license_cost += f
            governance = sh.governance_overhead * total
            consolidation = np.zeros((n, P))
            if sh.consolidation:
                for t in (2, 3):
                    if t <= H:
                        consolidation[:, t] = sh.consolidation * license_cost[:, t]
            risk_cost = np.zeros((n, P))
            risk_cost += extra
            rows_sum[row_index["governance"], :, oi, wi] += governance.sum(axis=0)
            rows_sum[row_index["consolidation"], :, oi, wi] += consolidation.sum(axis=0)
            rows_sum[row_index["risk"], :, oi, wi] += risk_cost.sum(axis=0)
            own_cost = total + governance + risk_cost
            cost[:, :, oi, wi] = own_cost + consolidation
            mkt[:, :, oi, wi] = sh.marketing_share * own_cost

            real = np.asarray(realisation, dtype=float).reshape(-1, 1) * sh.realisation_factor
            for bname, b in opt.benefits.items():
                bp = f"{pre}.benefits.{bname}"
                adoption = _ramp(L, values[f"{bp}.ramp_months"], years)
                bf = np.asarray(values[f"{bp}.amount"], dtype=float).reshape(-1, 1) * benefit_growth[bname] \
                    * adoption * real * benefit_keep
                benefit[:, 1:, oi, wi] += bf
                rows_sum[row_index[b.category], 1:, oi, wi] += bf.sum(axis=0)
    return ChunkFlows(cost, benefit, mkt, launch_all, sec_events, rows_sum)


def uncertain_inputs(s: Scenario) -> dict:
    """Every input the engine reads, by dotted path, in a stable order."""
    return input_paths(s)
