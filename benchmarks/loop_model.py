"""A per-trial, pure-Python implementation of the decision_kit cash-flow model.

This is what an analyst translating the spreadsheet would write: for each trial, draw every
input with :class:`random.Random`, then loop over options, ownership models, years and cost
lines and add up the cash flows. It exists for two reasons:

- an independent cross-check of the vectorised engine (:mod:`decision_kit.engine`): it shares
  no code with it (nor with :meth:`Distribution.sample`), only the scenario objects and the
  ownership shifts from :meth:`Scenario.owner_shifts`; and
- the "per-trial Python loop" line of ``benchmarks/bench_simulation.py``.

The model, as stated in ``decision_kit/schema.py`` and the ``engine.py`` docstring:

- period 0 is the decision date, period ``t`` = year ``t`` (flows at the end of the year),
  NPV at the scenario's ``discount_rate`` with period 0 undiscounted;
- launch = option's ``launch_months`` x owner ``launch_factor`` + ``launch_extra_months``;
- cost lines in dependency order (a ``percent_of`` line after the line it refers to):
  ``one_off`` in its ``year`` (default 0); ``recurring`` / ``per_unit`` in years 1..H,
  ``amount (1+esc)^(t-1)`` (x driver level ``start (1+g)^(t-1)``), times the fraction of
  year ``t`` after go-live ``clip(t - L/12, 0, 1)`` when ``start: launch``; ``percent_of``
  = fraction x the referenced line's final flow; then x cost overrun if ``overrun``,
  x owner ``integration_factor`` for integration / customisation lines, x price-rise
  multipliers in years 1..H;
- benefits: ``amount (1+g)^(t-1)`` x mean adoption over year ``t`` of a linear ramp from
  go-live ``L`` to ``L + R`` months x realisation x owner ``realisation_factor`` x the
  share kept after benefit-loss events;
- shared quantities (``{dist: shared}``) and what a variant inherits (``extends``) read the
  very draw of their source (times the reference's scale); a risk that names an option
  reaches its variants;
- risks in years 1..H (``type: security`` probability x ``incident_frequency``, impact x
  ``incident_severity``): ``one_off``: an independent Bernoulli each year, a fresh impact
  for each event; ``price_rise`` (with its ``roadmap_loss`` on the benefits) /
  ``benefit_loss``: effect from the year after the first event year; ``forced_migration``:
  one cost of ``impact`` in the first event year; each event's loss (impact x severity) at
  most the risk's ``cap`` (amount or share of revenue);
- governance overhead = ``governance_overhead`` x the sum of the cost lines (not of risk
  costs or consolidation); consolidation = ``consolidation`` x license-category cost in
  years 2 and 3;
- with an organisation profile (owners by mechanism), :func:`_owner_mechanisms` writes out
  the relationships of ``decision_kit/ownership.py`` for one owner and trial: go-live, the
  change cycle's realisation by year, embedded specialists, steering time and shadow IT's
  duplicates, discovery and absorption (the scalar rework and incident factors come from
  :meth:`Scenario.owner_shifts` as before).

Differences from the engine, on purpose:

- **Correlations are ignored**: every input is drawn independently. Compare with the
  engine only on scenarios without correlations (``scenario.replace(correlations=[])``).
- Random numbers come from Python's Mersenne Twister and its own variate routines
  (``betavariate`` for PERT, ``lognormvariate``, ``triangular``...), and the first event
  of a lasting risk is found year by year with a Bernoulli draw (the engine uses a geometric
  waiting time). Agreement with the engine is therefore statistical, not draw for draw.
- Draws are shared across options and ownership models within a trial (one "world" per
  trial), as the engine does; this affects only the correlation between cells, not means.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from decision_kit.priors import OWNERS
from decision_kit.schema import Scenario, derived_inputs, input_paths, risk_touches

__all__ = ["simulate_loop", "LoopResult", "draw", "model_size"]


def model_size(s: Scenario) -> int:
    """Size of a scenario's model: owners x periods x (cost and benefit lines summed over
    options), i.e. options x owners x periods x lines per option. Used to pick the largest
    shipped scenario and to scale per-trial loop counts."""
    lines = sum(len(o.costs) + len(o.benefits) for o in s.options.values())
    return len(s.owners) * (s.horizon_years + 1) * lines


# --- scalar draws, one distribution at a time --------------------------------------------


def draw(dist, rnd: random.Random) -> float:
    """One draw of ``dist`` with Python's ``random`` (no numpy, no decision_kit sampling)."""
    kind = dist.dist
    if kind == "fixed":
        return float(dist.value)
    if kind == "prior":
        return draw(dist.resolved, rnd)
    if kind == "uniform":
        return rnd.uniform(dist.low, dist.high)
    if kind == "triangular":
        return rnd.triangular(dist.low, dist.high, dist.mode)  # note: (low, high, mode)
    if kind == "pert":
        r = dist.high - dist.low
        a = 1 + dist.lamb * (dist.mode - dist.low) / r
        b = 1 + dist.lamb * (dist.high - dist.mode) / r
        return dist.low + r * rnd.betavariate(a, b)
    if kind == "normal":
        return rnd.gauss(dist.mean_, dist.sd)
    if kind == "lognormal":
        if dist.mean_ is not None:  # by mean and sd of the variable
            s2 = math.log(1 + (dist.sd / dist.mean_) ** 2)
            return rnd.lognormvariate(math.log(dist.mean_) - s2 / 2, math.sqrt(s2))
        sigma = dist.sigma if dist.sigma is not None else math.log(dist.p90 / dist.median_) / 1.2815515655446004
        return rnd.lognormvariate(math.log(dist.median_), sigma)
    if kind == "discrete":
        return float(rnd.choices(dist.values, weights=dist.probs)[0])
    if kind == "quantiles":  # three-term metalog through P10, P50, P90 (Keelin 2016)
        y = rnd.random()
        while y == 0.0:
            y = rnd.random()
        logit = math.log(y / (1 - y))
        l90 = math.log(9.0)
        a1 = dist.p50
        a2 = (dist.p90 - dist.p10) / (2 * l90)
        a3 = (dist.p90 + dist.p10 - 2 * dist.p50) / (0.8 * l90)
        return a1 + (a2 + a3 * (y - 0.5)) * logit
    if kind == "pareto":
        x = dist.xm * rnd.paretovariate(dist.alpha)
        return min(x, dist.cap) if dist.cap is not None else x
    if kind == "mixture":
        comp = rnd.choices(dist.components, weights=[c.weight for c in dist.components])[0]
        return draw(comp.dist, rnd)
    raise ValueError(f"loop model cannot draw a '{kind}' distribution")


# --- the model -------------------------------------------------------------------------


@dataclass
class LoopResult:
    """``npv[(option, owner)]``: per-trial NPVs (array of ``trials``);
    ``mean[(option, owner)]``: their mean."""

    options: tuple
    owners: tuple
    npv: dict
    mean: dict

    def npv_array(self) -> np.ndarray:
        """Per-trial NPV as an array (trials, options, owners), like ``Result.metrics['npv']``."""
        return np.stack([np.stack([self.npv[(o, w)] for w in self.owners], axis=-1) for o in self.options], axis=1)


def _cost_order(costs: dict) -> list:
    """Cost lines with every percent_of line after the line it refers to."""
    order = []
    while len(order) < len(costs):
        for name, line in costs.items():
            if name not in order and (line.timing != "percent_of" or line.of in order):
                order.append(name)
    return order


def _year_share_after(months: float, t: int) -> float:
    """Share of year t (months 12(t-1) .. 12t) after ``months``."""
    return min(max(t - months / 12.0, 0.0), 1.0)


def _adoption(launch: float, ramp: float, t: int) -> float:
    """Mean over the months of year t of a linear ramp from 0 at ``launch`` to 1 at ``launch + ramp``.

    Done by brute force over a fine grid of the year would be what an analyst might do; the
    exact area is cheap: integrate min(max((x - L) / R, 0), 1) over [12(t-1), 12t] / 12.
    """
    a, b = 12.0 * (t - 1), 12.0 * t
    if ramp <= 0:
        return _year_share_after(launch, t)
    total = 0.0
    # piece 1: ramping, x in [L, L+R]
    lo, hi = max(a, launch), min(b, launch + ramp)
    if hi > lo:
        total += ((hi - launch) ** 2 - (lo - launch) ** 2) / (2 * ramp)
    # piece 2: full adoption, x >= L + R
    lo = max(a, launch + ramp)
    if b > lo:
        total += b - lo
    return total / 12.0


def _cap(risk, revenue):
    """The most one event of ``risk`` costs (its cap's amount, or share of revenue, the
    smaller), or None."""
    if risk.cap is None:
        return None
    limits = [risk.cap.amount] if risk.cap.amount is not None else []
    if risk.cap.share_of_revenue is not None:
        limits.append(risk.cap.share_of_revenue * revenue)
    return min(limits)


def capped(loss, cap):
    """``loss`` limited to ``cap`` (None: no cap)."""
    return loss if cap is None else min(loss, cap)


_WPM, _DPM = 52 / 12, 365.25 / 12  # weeks and days per month
_IN_HOUSE = {"build": 1.0, "hybrid": 0.6, "buy": 0.3, "outsource": 0.1, "do_nothing": 0.0}


def _owner_mechanisms(s: Scenario, owner: str, v: dict, fx, H: int) -> dict:
    """Owners by mechanism (an organisation profile), written out for one owner and one trial
    from the relationships in ``decision_kit/ownership.py``'s docstring: the start delay and
    speed of the in-house work, the realisation factor by year, and the yearly explicit costs."""
    from decision_kit.ownership import PRESETS

    holder, delivery = PRESETS[owner]
    o = {k.split(".", 1)[1]: x for k, x in v.items() if k.startswith(("organisation.", "mechanisms."))}
    q = o["marketing_it_dependency"]
    weeks = {"central_it": o["it_lead_time_weeks"], "embedded_it": o["embedded_handoff_weeks"],
             "shadow": o["marketing_lead_time_weeks"],
             "marketing_ops": (1 - q) * o["marketing_lead_time_weeks"] + q * o["it_lead_time_weeks"]}
    fail = {"central_it": o["it_change_failure_rate"], "embedded_it": o["it_change_failure_rate"],
            "shadow": o["marketing_change_failure_rate"],
            "marketing_ops": (1 - q) * o["marketing_change_failure_rate"] + q * o["it_change_failure_rate"]}

    def realised(d):  # steady state of d rho/dt = phi kappa (1 - rho) - delta rho, over the reference's
        months = weeks[d] / _WPM + (o["approval_days"] / _DPM if holder == "shared_pot" else 0.0)
        gain = o["correction_share"] * (1 - fail[d]) / max(months, 1e-9)
        star = gain / (gain + o["change_rate_per_month"] * o["drift_per_change"])
        ref_gain = o["correction_share"] * (1 - fx.reference_change_failure_rate) / (fx.reference_cycle_weeks / _WPM)
        ref = ref_gain / (ref_gain + fx.reference_change_rate_per_month * o["drift_per_change"])
        return star / ref * (o["co_ownership_uplift"] if holder == "shared_pot" else 1.0)

    it_speed = (o["it_lead_time_weeks"] / fx.reference_cycle_weeks) ** o["speed_elasticity"]
    speed = {"central_it": it_speed, "embedded_it": o["embedded_speed_ratio"] * it_speed,
             "marketing_ops": (weeks["marketing_ops"] / fx.reference_cycle_weeks) ** o["speed_elasticity"],
             "shadow": (o["marketing_lead_time_weeks"] / fx.reference_cycle_weeks) ** o["speed_elasticity"]}[delivery]
    hire = o["hire_lag_months"] if fx.embedded_new_hires else 0.0
    delay = {"central_it": o["it_queue_months"], "embedded_it": hire,
             "marketing_ops": q * o["it_queue_months"]}.get(delivery, 0.0)
    if holder == "shared_pot":
        delay += o["funding_delay_months"]
    real = [realised(delivery)] * (H + 1)
    discovery = H + 1
    if delivery == "shadow":  # the first year t with P(found by t) = 1 - (1 - h)^t above the draw
        h, u = o["shadow_discovery_hazard"], o["shadow_discovery_draw"]
        discovery = next((t for t in range(1, H + 1) if 1 - (1 - h) ** t > u), H + 1)
        after = realised("central_it")
        real = [after if t > discovery else real[t] for t in range(H + 1)]
    specialists = [0.0] + [min(max(t - hire / 12, 0.0), 1.0) * o["embedded_fte"] * o["specialist_cost"]
                           for t in range(1, H + 1)] if delivery == "embedded_it" else [0.0] * (H + 1)
    steering = (fx.steering_meetings_per_month * fx.steering_attendees * fx.steering_hours * 12 * o["steering_rate"]
                if holder == "shared_pot" else 0.0)
    # rework and security: the integration lines' factor, the security events' frequency and severity
    sens = {"low": 0.0, "medium": 0.5, "high": 1.0}[fx.data_sensitivity]
    r = {"marketing_ops": o["rework_marketing_ops"] * (5 - o["marketing_maturity"]) / 4,
         "shadow": o["rework_shadow"]}.get(delivery, 0.0)
    integration = 1 + r * math.log(1 + o["stack_size"] / 10)
    reviewed = holder != "marketing" or delivery in ("central_it", "embedded_it")
    frequency = 1.0 if reviewed else 1 + o[f"security_{delivery}"] * sens
    severity = o["shadow_severity"] * (1 + o["shadow_regulatory_uplift"] * sens) if delivery == "shadow" else 1.0
    return {"delay": delay, "speed": speed, "real": real, "specialists": specialists, "steering": steering,
            "shadow": delivery == "shadow", "discovery": discovery,
            "duplicate": o["shadow_duplicate_share"], "absorb": o["shadow_absorb_ratio"],
            "integration": integration, "frequency": frequency, "severity": severity}  # fmt: skip


def simulate_loop(scenario: Scenario, trials: int, seed: int = 0) -> LoopResult:
    """Per-trial Monte Carlo of every option under every ownership model, in plain Python.

    Correlations in ``scenario`` are ignored (every input is drawn independently).
    Returns a :class:`LoopResult` with per-trial NPV arrays and mean NPV per (option, owner).
    """
    s = scenario
    rnd = random.Random(seed)
    H = s.horizon_years
    rate = float(s.discount_rate)
    disc = [1.0 / (1.0 + rate) ** t for t in range(H + 1)]
    options = tuple(s.options)
    owners = tuple(w for w in OWNERS if w in s.owners)  # display order, as Result uses
    shifts = {w: s.owner_shifts(w) for w in owners}
    fixed = None
    if s.organisation is not None and s.mechanisms is not None:
        from decision_kit.schema.organisation import fixed_numbers

        fixed = fixed_numbers(s.organisation, s.mechanisms)
    inputs, derived = input_paths(s), derived_inputs(s)
    orders = {o: _cost_order(opt.costs) for o, opt in s.options.items()}
    npv = {(o, w): np.empty(trials) for o in options for w in owners}

    # which risks need which draws
    one_off = {r: k for r, k in s.risks.items() if k.effect == "one_off"}

    def factors(w, mech):  # (integration, frequency, severity): a stated constant wins over the mechanism
        sh = shifts[w]
        if mech is None:
            return sh.integration_factor, sh.incident_frequency, sh.incident_severity
        stated = s.owners[w] if w in s.owners else None
        return tuple(getattr(sh, k) if stated is not None and getattr(stated, k) is not None else mech[m]
                     for k, m in (("integration_factor", "integration"), ("incident_frequency", "frequency"),
                                  ("incident_severity", "severity")))  # fmt: skip
    caps = {r: _cap(k, s.revenue) for r, k in s.risks.items()}

    for i in range(trials):
        # 1. one world: every input drawn once (independently), shared by every cell
        v = {path: draw(dist, rnd) for path, dist in inputs.items()}
        # a reference to a shared quantity, or a field a variant inherits, reads that very draw
        v.update({path: v[src] * scale for path, (src, scale) in derived.items()})
        # risk events: one uniform per risk and year; a one-off event's impact drawn when it
        # happens for at least one owner (its probability is scaled per owner below)
        u = {r: [rnd.random() for _ in range(H)] for r in s.risks}
        mechs = {w: _owner_mechanisms(s, w, v, fixed, H) if fixed is not None else None for w in owners}
        fac = {w: factors(w, mechs[w]) for w in owners}
        one_off_impact = {}
        for r, risk in one_off.items():
            scale = max(fac[w][1] for w in owners) if risk.type == "security" else 1.0
            p_max = v[f"risks.{r}.probability"] * scale
            one_off_impact[r] = [draw(risk.impact, rnd) if u[r][t] < p_max else 0.0 for t in range(H)]

        driver_level = {}
        for d in s.drivers:
            start, g = v[f"drivers.{d}.start"], v[f"drivers.{d}.growth"]
            driver_level[d] = [None] + [start * (1 + g) ** (t - 1) for t in range(1, H + 1)]

        for oname, opt in s.options.items():
            pre = f"options.{oname}"
            my_risks = [(r, k) for r, k in s.risks.items() if risk_touches(s, k, oname)]
            for w in owners:
                sh = shifts[w]
                mech = mechs[w]
                integration_factor, incident_frequency, incident_severity = fac[w]
                base = v[f"{pre}.launch_months"]
                if mech is not None:
                    h = opt.in_house_share if opt.in_house_share is not None else _IN_HOUSE[opt.kind]
                    base = mech["delay"] + base * (1 - h) + base * h * mech["speed"]
                launch = base * sh.launch_factor + sh.launch_extra_months

                # risks: per-year costs, price multipliers per line, benefit kept per year
                risk_cost = [0.0] * (H + 1)
                price_mult: dict[str, list] = {}
                keep = [1.0] * (H + 1)
                for r, risk in my_risks:
                    p = v[f"risks.{r}.probability"]
                    sev = 1.0
                    if risk.type == "security":
                        p *= incident_frequency
                        sev = incident_severity
                    if risk.effect == "one_off":
                        for t in range(1, H + 1):
                            if u[r][t - 1] < p:
                                risk_cost[t] += capped(one_off_impact[r][t - 1] * sev, caps[r])
                        continue
                    first = None
                    for t in range(1, H + 1):
                        if u[r][t - 1] < p:
                            first = t
                            break
                    if first is None:
                        continue
                    impact = capped(v[f"risks.{r}.impact"] * sev, caps[r])
                    if risk.effect == "forced_migration":
                        risk_cost[first] += impact
                    elif risk.effect == "price_rise":
                        for lname in risk.lines:
                            if lname in opt.costs:
                                m = price_mult.setdefault(lname, [1.0] * (H + 1))
                                for t in range(first + 1, H + 1):
                                    m[t] *= 1 + impact
                        if risk.roadmap_loss is not None:  # the acquirer's stalled roadmap: benefits fall too
                            for t in range(first + 1, H + 1):
                                keep[t] *= 1 - v[f"risks.{r}.roadmap_loss"]
                    elif risk.effect == "benefit_loss":
                        for t in range(first + 1, H + 1):
                            keep[t] *= 1 - impact

                # cost lines, in dependency order
                line_flow: dict[str, list] = {}
                lines_total = [0.0] * (H + 1)
                license_total = [0.0] * (H + 1)
                for lname in orders[oname]:
                    line = opt.costs[lname]
                    amt = v[f"{pre}.costs.{lname}.amount"]
                    f = [0.0] * (H + 1)
                    if line.timing == "one_off":
                        f[line.year or 0] = amt
                    elif line.timing == "percent_of":
                        f = [amt * x for x in line_flow[line.of]]
                    else:
                        esc = v[f"{pre}.costs.{lname}.escalation"] if line.escalation is not None else 0.0
                        for t in range(1, H + 1):
                            x = amt * (1 + esc) ** (t - 1)
                            if line.timing == "per_unit":
                                x *= driver_level[line.driver][t]
                            if line.start == "launch":
                                x *= _year_share_after(launch, t)
                            f[t] = x
                    if line.overrun:
                        f = [x * v[f"{pre}.cost_overrun"] for x in f]
                    if line.category in ("integration", "customisation"):
                        f = [x * integration_factor for x in f]
                    if lname in price_mult:
                        f = [x * m for x, m in zip(f, price_mult[lname])]
                    line_flow[lname] = f
                    for t in range(H + 1):
                        lines_total[t] += f[t]
                        if line.category == "license":
                            license_total[t] += f[t]

                # benefits
                real = v[f"{pre}.realisation"] * sh.realisation_factor
                benefit = [0.0] * (H + 1)
                for bname in opt.benefits:
                    bp = f"{pre}.benefits.{bname}"
                    amount, ramp, g = v[f"{bp}.amount"], v[f"{bp}.ramp_months"], v[f"{bp}.growth"]
                    for t in range(1, H + 1):
                        factor = mech["real"][t] if mech is not None else 1.0
                        benefit[t] += amount * (1 + g) ** (t - 1) * _adoption(launch, ramp, t) * real * factor * keep[t]

                # totals and NPV
                total = 0.0
                for t in range(H + 1):
                    cost_t = lines_total[t] * (1 + sh.governance_overhead) + risk_cost[t]
                    if t in (2, 3) and mech is None:
                        cost_t += sh.consolidation * license_total[t]
                    if mech is not None and t >= 1 and opt.kind != "do_nothing":
                        if not any(n in opt.costs for n in s.mechanisms.embedded_replaces):
                            cost_t += mech["specialists"][t]
                        cost_t += mech["steering"]
                        if mech["shadow"]:
                            share = mech["duplicate"] if t < mech["discovery"] else 0.0
                            share += mech["absorb"] if t == mech["discovery"] else 0.0
                            cost_t += share * license_total[t]
                    total += (benefit[t] - cost_t) * disc[t]
                npv[(oname, w)][i] = total

    mean = {k: float(a.mean()) for k, a in npv.items()}
    return LoopResult(options, owners, npv, mean)


if __name__ == "__main__":  # a quick look: python benchmarks/loop_model.py [scenario] [trials]
    import sys
    import time

    from decision_kit import load_scenario

    path = sys.argv[1] if len(sys.argv) > 1 else "scenarios/marketing_automation.yaml"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    sc = load_scenario(path)
    t0 = time.perf_counter()
    res = simulate_loop(sc, n, seed=1)
    dt = time.perf_counter() - t0
    for (o, w), m in res.mean.items():
        print(f"{o:>12} {w:>10} {m:14,.0f}")
    print(f"{n} trials in {dt:.2f} s ({dt / n * 1e6:.0f} us/trial)")
