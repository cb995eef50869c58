"""The cash-flow engine: from sampled inputs to cost and benefit arrays per option x owner.

A pure function of its inputs. For a chunk of ``n`` trials it returns, for every option ``o``
and ownership model ``w``, time-major arrays of shape ``(P, n)`` with ``P = horizon + 1``
periods: total cost and total benefit per period (positive amounts, nominal currency); and
sums over the chunk's trials of each cost or benefit category (for mean breakdowns, and the
means of cost, benefit and who pays that :func:`decision_kit.simulate` derives from them).

Layout: periods are rows and trials are contiguous columns, so every operation runs over
whole rows of ``n`` trials; per-trial inputs are ``(n,)`` vectors broadcast along the rows.

Timing (see :mod:`decision_kit.schema`; recurrence, first years and escalation by contract
term in :mod:`decision_kit.timing`): period 0 is the decision date, period ``t`` is year
``t``. A line that starts ``m`` months after the decision pays the fraction
``clip((12 t - m) / 12, 0, 1)`` of year ``t``. Benefits ramp linearly from go-live ``L`` to full
adoption at ``L + R`` months; year ``t`` gets the average adoption over its twelve months.
Risk events and their effects are :mod:`decision_kit.risk_effects`'.

Common random numbers: every owner sees the same draws; an owner's shifts act
deterministically on them, so differences between cells are not sampling noise.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from . import ownership, timing
from .adoption import edges, year_fraction_ramped
from .plan import FLOW_COST_EXTRA, INTEGRATION_CATEGORIES, NEUTRAL, Layout, LinePlan, OptionPlan, Plan, compile_plan
from .priors import OwnerShifts
from .risk_effects import RiskEffects, first_event_year
from .sampling import RiskDraws
from .schema import Scenario
from .workspace import Workspace

__all__ = [
    "FLOW_COST_EXTRA",
    "ChunkFlows",
    "Layout",
    "RiskDraws",
    "Workspace",
    "edges",
    "first_event_year",
    "layout",
    "project",
    "uncertain_inputs",
    "year_fraction_ramped",
]

OnCell = Callable[[int, int, np.ndarray, np.ndarray], None]
"""``on_cell(o, w, cost, benefit)``: receives one cell's (P, n) flows as soon as they are complete."""


def layout(s: Scenario | Plan) -> Layout:
    """The layout of a scenario's result arrays (from its compiled plan)."""
    return compile_plan(s).layout


def uncertain_inputs(s: Scenario | Plan) -> dict:
    """Every input the engine reads, by dotted path, in a stable order (a new dict each call)."""
    return dict(compile_plan(s).inputs)


@dataclass
class ChunkFlows:
    """Engine output for one chunk of ``n`` trials, laid out time-major.

    ``cost``, ``benefit``: arrays (O, W, P, n), currency per period; ``cost[o, w]`` is the
    (P, n) cash-flow matrix of one option x owner cell, each period a contiguous row of
    trials (views into the :class:`Workspace` given to :func:`project`, if any; None when
    :func:`project` hands each cell to ``on_cell`` instead).
    ``launch``: months to go-live, (O, W, n). ``security_events``: number
    of security incidents, (O, W, n). ``rows_sum``: per-row sums over the chunk's trials,
    (R, P, O, W), rows as in :attr:`Layout.rows` (with a trailing axis of one sum per
    random-number block when the workspace takes them so, :meth:`Workspace.sums`). ``status_quo``: the status quo's
    ``(cost, benefit)``, (P, n) each (in the workspace), or None where the scenario states none.
    """

    cost: np.ndarray | None
    benefit: np.ndarray | None
    launch: np.ndarray
    security_events: np.ndarray
    rows_sum: np.ndarray
    status_quo: tuple[np.ndarray, np.ndarray] | None = None

    def flows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(cost, benefit)``, (O, W, P, n) each: a chunk projected without ``on_cell``."""
        if self.cost is None or self.benefit is None:
            raise ValueError("this chunk's flows went cell by cell to on_cell and were not kept")
        return self.cost, self.benefit


def _vec(x) -> np.ndarray:
    """A per-trial input as a float: an (n,) array, or a 0-d array for a fixed number."""
    return np.asarray(x, dtype=float)


def _growth(rate, H: int, out: np.ndarray | None = None) -> np.ndarray:
    """(1 + rate) ** (t - 1) for years t = 1..H, time-major: (H, n), or (H, 1) for a fixed rate.

    Computed as ``exp(log1p(rate) * (t - 1))``, one year row at a time.
    """
    r = np.maximum(_vec(rate), -1.0 + 1e-12)  # schema keeps P(r <= -1) < 1e-9
    lg = np.log1p(r).reshape(-1)
    if out is None:
        out = np.empty((H, lg.size))
    for t in range(H):
        np.multiply(lg, float(t), out=out[t])
        np.exp(out[t], out=out[t])
    return out


def _is_one(x) -> bool:
    """Whether a factor is the number 1 (an array is never taken as one: it varies by trial)."""
    return np.ndim(x) == 0 and float(x) == 1.0


@dataclass(frozen=True)
class OwnerFactors:
    """An owner's rework and security factors as the engine applies them: ``integration``
    (integration and customisation lines), incident ``frequency`` and ``severity`` (security
    events), each a number or an (n,) array, with the keys that name them in the caches (the
    number itself, so owners with equal numbers share flows, or the owner's index)."""

    integration: float | np.ndarray
    frequency: float | np.ndarray
    severity: float | np.ndarray
    integration_key: Hashable
    incident_key: Hashable

    @classmethod
    def of(cls, sh: OwnerShifts, m=None, kept: frozenset[str] = frozenset(), w: int = -1) -> OwnerFactors:
        """The factors of shifts ``sh`` (round one's constants), or of an owner by mechanism
        ``m`` (:class:`~decision_kit.ownership.OwnerArrays`) with the shifts named in ``kept``
        stated as constants by the scenario instead (:data:`decision_kit.ownership.OVERRIDABLE`)."""
        if m is None:
            g, fq, sv = sh.integration_factor, sh.incident_frequency, sh.incident_severity
        else:
            g, fq, sv = (
                float(getattr(sh, name)) if name in kept else getattr(m, field)
                for name, field in ownership.OVERRIDABLE.items()
            )

        def key(x, what: str) -> Hashable:
            return float(x) if np.ndim(x) == 0 else (what, w)

        return cls(g, fq, sv, key(g, "integration"), (key(fq, "frequency"), key(sv, "severity")))


class Chunk:
    """What every option of one chunk of ``n`` trials shares: the plan, the drawn ``values``
    and ``risks``, the buffers, the risk effects and the drivers' paths over years 1..H."""

    def __init__(self, plan: Plan, values: dict, risks: RiskDraws, n: int, ws: Workspace):
        self.plan, self.values, self.n, self.ws = plan, values, n, ws
        self.H = plan.horizon
        self.P = self.H + 1
        self.effects = RiskEffects(plan, values, risks, n, ws)
        self.years = np.arange(1, self.H + 1, dtype=float).reshape(-1, 1)
        self._growth_fixed: dict = {}
        self.drivers = {
            d: self.growth_times(values[f"drivers.{d}.growth"], values[f"drivers.{d}.start"], ("driver", d))
            for d in plan.scenario.drivers
        }

    def growth_times(self, rate, amount, key) -> np.ndarray:
        """growth(rate) x amount, (H, n) (or (H, 1) if both are fixed), into ``ws(key)``."""
        H, n, ws = self.H, self.n, self.ws
        if np.ndim(rate) == 0:
            r = float(rate)
            if r not in self._growth_fixed:
                self._growth_fixed[r] = _growth(r, H)
            g = self._growth_fixed[r]
        else:
            g = _growth(rate, H, ws("growth", (H, n)))
        amount = _vec(amount)
        if g.shape[1] == 1 and amount.ndim == 0:
            return g * amount
        return np.multiply(g, amount, out=ws(key, (H, n)))


class OptionProjection:
    """The cash flows of one option in one chunk, owner by owner (:meth:`cell`).

    Flows that do not depend on the owner are prepared once: every cost line's amount x
    growth (x driver) over years 1..H before timing and owner effects (``shape``), every
    benefit's amount x growth / 12 and its ramp (``benefit_base``, ``ramps``), and the
    owner-independent lines' sums at integration factor 1 (:meth:`shared_flows`), scaled per
    owner by its integration factor.
    """

    def __init__(self, chunk: Chunk, op: OptionPlan):
        self.chunk, self.op = chunk, op
        values, ws, H, n = chunk.values, chunk.ws, chunk.H, chunk.n
        self.base_launch = _vec(values[op.launch_months])
        self.overrun = _vec(values[op.cost_overrun])
        self.realisation = _vec(values[op.realisation])
        self.line_names = {line.name for line in op.lines}
        self.shape: dict = {}
        for line in op.lines:
            if line.timing in ("recurring", "per_unit"):
                esc = values[line.escalation] if line.escalation is not None else 0.0
                if line.legacy_escalation:
                    g = chunk.growth_times(esc, values[line.amount], ("shape", line.name))
                else:  # rows: years first_year..H (decision_kit.timing)
                    counts = timing.rise_counts(line.first_year, line.rises, H)
                    g = timing.escalation_multipliers(esc, counts, line.escalation_cap)
                    g = np.multiply(g, _vec(values[line.amount]), out=ws(("shape", line.name), (len(counts), n)))
                if line.timing == "per_unit" and line.driver is not None:  # schema: per_unit names a driver
                    drv = chunk.drivers[line.driver][line.first_year - 1 :]
                    g = np.multiply(g, drv, out=ws(("shape", line.name), (len(drv), n)))
                self.shape[line.name] = g
        # the 12 is that of the year's average adoption, see year_fraction_ramped
        self.benefit_base: dict = {}
        self.ramps: dict = {}
        for b in op.benefits:
            base = chunk.growth_times(values[b.growth], values[b.amount], ("benefit_base", b.name))
            base /= 12.0  # a buffer of this call's own
            self.benefit_base[b.name] = base
            R = np.maximum(_vec(values[b.ramp_months]), 1e-9)
            self.ramps[b.name] = (R, 0.5 / R, float(R.max()))
        self._price: dict = {}
        self._unit: dict = {}
        self._unit_passes = 0
        self._shared: dict = {}

    # -- cost lines -------------------------------------------------------------------------
    def line_flow(self, line: LinePlan, active, price_mult: dict, integ, flows: dict, tag):
        """(first period, flow over the periods from it) of one line; kept in ``flows`` if
        a percent_of line refers to it."""
        ws, P, n = self.chunk.ws, self.chunk.P, self.chunk.n
        if line.timing == "percent_of":
            r0, src = flows[line.of]
            f = np.multiply(src, _vec(self.chunk.values[line.amount]), out=ws("line", (P, n))[: len(src)])
        elif line.timing == "one_off":
            r0 = line.occurrences[0]
            f = timing.occurrence_flow(line.occurrences, self.chunk.values[line.amount], ws("line", (P, n)))
        else:
            r0 = line.first_year
            f = ws("line", (P, n))[r0:]
            if line.start == "launch":
                np.multiply(self.shape[line.name], active[r0 - 1 :], out=f)
            else:
                f[...] = self.shape[line.name]
        if line.overrun:
            f *= self.overrun
        if line.category in INTEGRATION_CATEGORIES and not _is_one(integ):
            f *= integ
        if line.name in price_mult and r0 + len(f) > 1:
            lo = max(r0, 1)
            f[lo - r0 :] *= price_mult[line.name][lo - 1 : r0 + len(f) - 1]
        if line.referenced:  # keep it: the line buffer is reused by the next line
            kept = ws((tag, line.name), f.shape)
            kept[...] = f
            f = kept
            flows[line.name] = (r0, f)
        return r0, f

    def add_lines(self, lines, active, price_mult, integ, flows, tag, total, lic, cats, base=None, rows=None) -> None:
        """Add the lines' flows to ``total`` (P, n), to ``lic`` (license cost in the plan's
        license periods) and their sums over trials to the category rows ``cats`` (R, P); with
        ``base`` (P, n), ``total`` is written as ``base`` plus the lines (no copy pass first);
        with ``rows`` (a dict), each category's per-trial flow (P, n) is added up there too."""
        row_index, lic_rows = self.chunk.plan.row_index, self.chunk.plan.license_periods
        for line in lines:
            r0, f = self.line_flow(line, active, price_mult, integ, flows, tag)
            r1 = r0 + len(f)
            if base is not None:
                total[:r0] = base[:r0]
                total[r1:] = base[r1:]
                np.add(base[r0:r1], f, out=total[r0:r1])
                base = None
            else:
                total[r0:r1] += f
            cats[row_index[line.category], r0:r1] += self.chunk.ws.sums(f)
            if rows is not None:
                if line.category not in rows:
                    rows[line.category] = np.zeros((self.chunk.P, self.chunk.n))
                rows[line.category][r0:r1] += f
            if line.category == "license":
                for i, t in enumerate(lic_rows):
                    if r0 <= t < r1:
                        lic[i] += f[t - r0]

    def price_multipliers(self, fx: OwnerFactors) -> dict:
        """Line name -> (H, n) price multiplier of the price-rise risks, for an owner's incident factors."""
        if fx.incident_key not in self._price:
            out: dict = {}
            for r in self.op.price_risks:
                m = self.chunk.effects.effect(r, fx.frequency, fx.severity, fx.incident_key)["mult"]
                for lname in r.lines:
                    if lname in self.line_names:
                        out[lname] = out[lname] * m if lname in out else m
            self._price[fx.incident_key] = out
        return self._price[fx.incident_key]

    def unit_parts(self, cls_key, price_mult, by_trial: bool = False):
        """The owner-independent lines at integration factor 1: (kept flows, {exponent e:
        (total (P, n), license rows, category sums (R, P))}, {exponent e > 0: {category: its
        flow per trial (P, n)} or None}, the last kept once ``by_trial`` asks for it (an owner
        whose integration factor varies by trial needs it for its category sums); owners with a
        number as their factor reuse a pass that kept it."""
        known = self._unit.get(cls_key)
        if known is None or (by_trial and known[2] is None):
            ws, P, n = self.chunk.ws, self.chunk.P, self.chunk.n
            n_lic, n_rows = len(self.chunk.plan.license_periods), len(self.chunk.plan.layout.rows)
            u = self._unit_passes  # buffers of their own: an owner's shared flows may be a pass's own sums
            self._unit_passes += 1
            flows_u: dict = {}
            parts: dict = {}
            rows: dict = {}
            for line in self.op.shared:
                e = line.integration_exponent
                if e not in parts:
                    tot, lic = ws(("total_u", u, e), (P, n)), ws(("lic_u", u, e), (n_lic, n))
                    tot[...] = 0.0
                    lic[...] = 0.0
                    parts[e] = (tot, lic, np.zeros(ws.sum_shape((n_rows, P))))
                by_row = rows.setdefault(e, {}) if by_trial and e > 0 else None
                tot, lic, cats = parts[e]
                self.add_lines([line], None, price_mult, 1.0, flows_u, ("flow_u", u), tot, lic, cats, rows=by_row)
            self._unit[cls_key] = (flows_u, parts, rows if by_trial else None)
        return self._unit[cls_key]

    def shared_flows(self, fx: OwnerFactors, cls_key, price_mult):
        """(kept flows, total (P, n), category sums (R, P), license rows) of the
        owner-independent lines at the owner's integration factor ``g`` (a number or per
        trial): an owner's sums are sum_e g ** e x part_e, and the flows percent_of lines refer
        to are scaled alike."""
        g = fx.integration
        if (fx.integration_key, cls_key) not in self._shared:
            flows_u, parts, rows = self.unit_parts(cls_key, price_mult, by_trial=np.ndim(g) > 0)
            factor = {e: 1.0 if e == 0 else g**e for e in parts}
            if len(parts) == 1 and _is_one(factor[next(iter(parts))]):  # the unit sums as they are
                ((total0, lic0, cats0),) = parts.values()
            else:
                total0, lic0, cats0 = self._scaled_parts(parts, factor, rows)
            flows0 = {}
            for lname, (r0, f) in flows_u.items():
                e = self.op.line(lname).integration_exponent
                x = 1.0 if e == 0 else g**e
                if not _is_one(x):
                    f = np.multiply(f, x, out=self.chunk.ws(("flow0", len(self._shared), lname), f.shape))
                flows0[lname] = (r0, f)
            self._shared[fx.integration_key, cls_key] = (flows0, total0, cats0, lic0)
        return self._shared[fx.integration_key, cls_key]

    def _scaled_parts(self, parts: dict, factor: dict, rows: dict):
        ws, P, n = self.chunk.ws, self.chunk.P, self.chunk.n
        n_lic = len(self.chunk.plan.license_periods)
        k = len(self._shared)
        total0, lic0 = ws(("total0", k), (P, n)), ws(("lic0", k), (n_lic, n))
        total0[...] = 0.0
        lic0[...] = 0.0
        cats0 = np.zeros(ws.sum_shape((len(self.chunk.plan.layout.rows), P)))
        scratch = ws("scratch", (P, n))
        for e, (tot, lic, cats) in parts.items():
            x = factor[e]
            if _is_one(x):
                total0 += tot
                lic0 += lic
            else:
                total0 += np.multiply(tot, x, out=scratch)
                lic0 += np.multiply(lic, x, out=scratch[:n_lic])
            if np.ndim(x) == 0:
                cats0 += cats * x
            else:  # a factor per trial: the category sums are taken again from the per-trial flows
                for cat, flow in rows.get(e, {}).items():
                    cats0[self.chunk.plan.row_index[cat]] += ws.sums(np.multiply(flow, x, out=scratch))
        return total0, lic0, cats0

    # -- one owner ----------------------------------------------------------------------------
    def owner_costs(self, fx: OwnerFactors, L, cats):
        """Cost lines of the cell under an owner's factors ``fx`` with go-live ``L``: (total
        (P, n), license rows); category sums go into ``cats`` (R, P)."""
        chunk = self.chunk
        price_mult = self.price_multipliers(fx)
        cls_key = fx.incident_key if self.op.price_risk_security else ()
        flows0, total0, cats0, lic0 = self.shared_flows(fx, cls_key, price_mult)
        cats += cats0
        if not self.op.own:
            return total0, lic0
        H, P, n, ws = chunk.H, chunk.P, chunk.n, chunk.ws
        active = np.clip(chunk.years - L / 12.0, 0.0, 1.0, out=ws("active", (H, n)))  # share of year t after go-live
        total, license_cost = ws("total", (P, n)), ws("lic", lic0.shape)
        license_cost[...] = lic0
        own = (self.op.own, active, price_mult, fx.integration, dict(flows0), "flow", total, license_cost)
        self.add_lines(*own, cats, base=total0)
        return total, license_cost

    def owner_risks(self, fx: OwnerFactors):
        """(risk cost (H, n) or None, kept share of benefit (H, n) or None, security incidents)
        under an owner's incident factors ``fx``; both arrays are to be read only (they may be
        a risk's cached effect)."""
        chunk = self.chunk
        cls = (fx.frequency, fx.severity, fx.incident_key)
        risk_cost = keep = None
        events = 0.0
        owned = False  # whether risk_cost is this cell's buffer (else the first risk's cost itself)
        for r in self.op.risks:
            e = chunk.effects.effect(r, *cls)
            if "cost" in e:
                if risk_cost is None:
                    risk_cost = e["cost"]  # read only: shared by the cells
                elif not owned:
                    risk_cost = np.add(risk_cost, e["cost"], out=chunk.ws("risk_cost", (chunk.H, chunk.n)))
                    owned = True
                else:
                    risk_cost += e["cost"]
            if "keep" in e:
                keep = (
                    e["keep"]
                    if keep is None
                    else np.multiply(keep, e["keep"], out=chunk.ws("keep", (chunk.H, chunk.n)))
                )
            if r.is_security:
                events = events + e["events"]
        return risk_cost, keep, events

    def owner_overheads(self, sh: OwnerShifts, c, total, license_cost, risk_cost, cats, mech=None) -> None:
        """The cell's cost ``c`` (P, n, written here): its lines' ``total`` plus risk costs,
        governance overhead and shadow-IT consolidation; with an owner's mechanisms ``mech``
        (:class:`~decision_kit.ownership.OwnerArrays`), its explicit costs too (specialists,
        steering time, shadow IT's duplicates and absorption; none for a do-nothing option)."""
        chunk = self.chunk
        row_index, ws, P, n = chunk.plan.row_index, chunk.ws, chunk.P, chunk.n
        if risk_cost is not None:
            c[0] = total[0]
            np.add(total[1:], risk_cost, out=c[1:])  # the copy of total and the risks' addition in one pass
            cats[row_index["risk"], 1:] += ws.sums(risk_cost)
        else:
            c[...] = total
        if mech is not None and self.op.kind != "do_nothing":
            explicit = (
                ("specialists", None if self.op.pays_specialists else mech.specialists),
                ("governance", mech.steering),
                ("consolidation", mech.shadow_costs(license_cost)),
            )
            for row, flow in explicit:
                if flow is not None:
                    c[1:] += flow
                    cats[row_index[row], 1:] += ws.sums(flow)
        if sh.governance_overhead:
            governance = np.multiply(total, sh.governance_overhead, out=ws("scratch", (P, n)))
            c += governance
            cats[row_index["governance"]] += ws.sums(governance)
        if sh.consolidation:
            for i, t in enumerate(chunk.plan.license_periods):
                extra = np.multiply(license_cost[i], sh.consolidation, out=ws("scratch", (P, n))[0])
                c[t] += extra
                cats[row_index["consolidation"], t] += ws.sums(extra)

    def owner_benefits(self, sh: OwnerShifts, L, keep, ben, cats, factor=None) -> None:
        """The cell's benefit flow into ``ben`` (P, n): sum(base_b x ramp_b) per category, then
        x realisation (x the owner's mechanism ``factor``, (n,) or (H, n), if given) (x the
        kept share); category sums go into ``cats``."""
        chunk = self.chunk
        H, ws = chunk.H, chunk.ws
        ben[0] = 0.0
        if not self.op.benefits:
            ben[1:] = 0.0
            return
        d = edges(L, H, ws)
        L_min, L_max = float(np.min(L)), float(np.max(L))
        real = self.realisation * sh.realisation_factor
        if factor is not None:
            real = real * factor
        scale = real if keep is None else np.multiply(keep, real, out=ws("real_keep", (H, chunk.n)))
        by_cat: dict = {}
        for b in self.op.benefits:
            R, half_inv, R_max = self.ramps[b.name]
            ramp = year_fraction_ramped(d, R, half_inv, ws, (L_min, L_max + R_max))
            if b.category in by_cat:
                ramp *= self.benefit_base[b.name]
                by_cat[b.category] += ramp
            else:  # the first category is summed in place in ben, the others beside it
                out = ben[1:] if not by_cat else ws(("ben_cat", b.category), (H, chunk.n))
                by_cat[b.category] = np.multiply(ramp, self.benefit_base[b.name], out=out)
        row_index = chunk.plan.row_index
        for ci, (cat, flow) in enumerate(by_cat.items()):
            flow *= scale
            cats[row_index[cat], 1:] += ws.sums(flow)
            if ci > 0:
                ben[1:] += flow


def project(
    plan: Scenario | Plan,
    values: dict,
    risks: RiskDraws,
    n: int,
    ws: Workspace | None = None,
    on_cell: OnCell | None = None,
) -> ChunkFlows:
    """Cash flows of every option under every owner for ``n`` trials of sampled ``values``.

    ``plan`` is a compiled :class:`~decision_kit.plan.Plan` (a scenario is compiled, once).
    ``values`` maps each uncertain input's dotted path (:attr:`Plan.inputs`) to an array of
    ``n`` draws or a float; ``risks`` are the risk events' draws
    (:func:`decision_kit.sampling.draw_risks`). Flows that do not depend on the owner are
    computed once per option and reused per owner (:class:`OptionProjection`).

    Everything is time-major: per cell, (P, n) matrices whose rows are periods; per-trial
    inputs are (n,) vectors broadcast along the rows. A line's flow is kept only over the
    periods where it can be non-zero (one row for a one-off cost). ``ws`` optionally gives a
    :class:`Workspace` to reuse buffers across chunks; the returned ``cost`` and ``benefit``
    then live in it and are overwritten by the next call.

    ``on_cell(o, w, cost, benefit)``, if given, is called with each cell's (P, n) flows as soon
    as they are complete, in buffers that the next cell reuses, and the returned ``cost`` and
    ``benefit`` are None: a caller that only needs per-cell results then never holds every
    cell's flows at once, and reads each cell's while they are still in the CPU cache.
    """
    plan = compile_plan(plan)
    values = plan.complete(values)
    lay = plan.layout
    P = lay.periods
    O, W = len(lay.options), len(lay.owners)
    ws = Workspace() if ws is None else ws
    cost = benefit = None
    if on_cell is None:
        cost, benefit = ws("cost", (O, W, P, n)), ws("benefit", (O, W, P, n))
    launch_all = np.empty((O, W, n))
    sec_events = np.zeros((O, W, n))
    rows_sum = np.zeros(ws.sum_shape((len(lay.rows), P, O, W)))
    chunk = Chunk(plan, values, risks, n, ws)
    own = plan.ownership
    mech = None if own is None else ownership.owner_arrays(own.cells, values, own.fixed, n, plan.horizon, own.off)
    for op in plan.options:
        oi = op.index
        proj = OptionProjection(chunk, op)
        for wi, sh in enumerate(plan.shifts):
            cats = rows_sum[:, :, oi, wi]
            m = None if mech is None else mech[wi]
            fx = OwnerFactors.of(sh, m, own.kept_constants(wi) if own is not None else frozenset(), wi)
            if m is None:
                L = proj.base_launch * sh.launch_factor + sh.launch_extra_months
            else:
                L = m.launch(proj.base_launch, op.in_house_share) * sh.launch_factor + sh.launch_extra_months
            launch_all[oi, wi] = L
            total, license_cost = proj.owner_costs(fx, L, cats)
            risk_cost, keep, events = proj.owner_risks(fx)
            sec_events[oi, wi] += events
            c = cost[oi, wi] if cost is not None else ws("cell_cost", (P, n))
            proj.owner_overheads(sh, c, total, license_cost, risk_cost, cats, m)
            ben = benefit[oi, wi] if benefit is not None else ws("cell_benefit", (P, n))
            proj.owner_benefits(sh, L, keep, ben, cats, None if m is None else m.realisation)
            if on_cell is not None:
                on_cell(oi, wi, c, ben)
    sq = status_quo_flows(chunk, plan) if plan.status_quo is not None else None
    return ChunkFlows(cost, benefit, launch_all, sec_events, rows_sum, sq)


def status_quo_flows(chunk: Chunk, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """The status quo's ``(cost, benefit)``, (P, n) each, from the chunk's draws: its lines
    from the decision date, under :data:`~decision_kit.plan.NEUTRAL` shifts (no launch delay, no
    overrun, no governance, every ownership effect neutral), with the risks that name it."""
    op = plan.status_quo
    if op is None:
        raise ValueError(f"scenario '{plan.scenario.name}' states no status quo")
    ws, P, n = chunk.ws, plan.layout.periods, chunk.n
    proj = OptionProjection(chunk, op)
    cats = np.zeros(ws.sum_shape((len(plan.layout.rows), P)))
    launch = proj.base_launch
    neutral = OwnerFactors.of(NEUTRAL)
    total, license_cost = proj.owner_costs(neutral, launch, cats)
    risk_cost, keep, _ = proj.owner_risks(neutral)
    cost = ws("status_quo_cost", (P, n))
    proj.owner_overheads(NEUTRAL, cost, total, license_cost, risk_cost, cats)
    benefit = ws("status_quo_benefit", (P, n))
    proj.owner_benefits(NEUTRAL, launch, keep, benefit, cats)
    return cost, benefit
