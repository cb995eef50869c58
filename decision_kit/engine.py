"""The cash-flow engine: from sampled inputs to cost and benefit arrays per option x owner.

A pure function of its inputs. For a chunk of ``n`` trials it returns, for every option ``o``
and ownership model ``w``, time-major arrays of shape ``(P, n)`` with ``P = horizon + 1``
periods: total cost and total benefit per period (positive amounts, nominal currency); and
sums over the chunk's trials of each cost or benefit category (for mean breakdowns, and the
means of cost, benefit and who pays that :func:`decision_kit.simulate` derives from them).

Layout: periods are rows and trials are contiguous columns, so every operation runs over
whole rows of ``n`` trials; per-trial inputs are ``(n,)`` vectors broadcast along the rows.

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
    """Engine output for one chunk of ``n`` trials, laid out time-major.

    ``cost``, ``benefit``: arrays (O, W, P, n), currency per period; ``cost[o, w]`` is the
    (P, n) cash-flow matrix of one option x owner cell, each period a contiguous row of
    trials (views into the :class:`Workspace` given to :func:`project`, if any).
    ``launch``: months to go-live, (O, W, n). ``security_events``: number
    of security incidents, (O, W, n). ``rows_sum``: per-row sums over the chunk's trials,
    (R, P, O, W), rows as in :attr:`Layout.rows`.
    """

    cost: np.ndarray
    benefit: np.ndarray
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


def _vec(x):
    """A per-trial input as a float: an (n,) array, or a 0-d array for a fixed number."""
    return np.asarray(x, dtype=float)


class Workspace:
    """Named float buffers reused from one chunk of trials to the next.

    Fresh large temporaries for every chunk make glibc map and unmap memory each time
    (hundreds of thousands of page faults per run); a buffer taken from here is allocated
    once, for the largest chunk, and its first ``n`` columns reused afterwards. Values are
    not kept: whoever takes a buffer writes it before reading it.

    Buffers are carved from slabs of :attr:`SLAB` bytes rather than allocated one by one:
    numpy asks the kernel for transparent huge pages for allocations of 4 MiB and more, so a
    slab is backed by a few 2 MiB pages instead of thousands of 4 KiB ones. On the 2-core VMs
    this project is measured on, a 4 KiB page fault costs ~5-10 µs, and a workspace of ~60 MiB
    would otherwise fault ~15,000 times per run.
    """

    SLAB = 32 * 2**20
    _ALIGN = 64  # bytes: a cache line

    def __init__(self):
        self._buffers: dict = {}
        self._slab: np.ndarray | None = None
        self._used = 0  # bytes of the current slab handed out
        self.nbytes = 0  # bytes this workspace has allocated
        self._capacity = 0  # trials per chunk it was last fitted to

    def fit(self, n: int) -> None:
        """Prepare for chunks of up to ``n`` trials: a workspace last used for smaller chunks
        drops its buffers, so they are allocated once at the new size instead of again beside
        the old ones."""
        if n > self._capacity:
            self._buffers, self._slab, self._used, self.nbytes = {}, None, 0, 0
            self._capacity = n

    def __call__(self, key, shape: tuple) -> np.ndarray:
        """An uninitialised buffer of ``shape`` (trials last) reserved under ``key``."""
        b = self._buffers.get(key)
        if b is None or b.shape[:-1] != shape[:-1] or b.shape[-1] < shape[-1]:
            b = self._buffers[key] = self._allocate(shape)
        return b[..., :shape[-1]]

    def _allocate(self, shape: tuple) -> np.ndarray:
        size = int(np.prod(shape, dtype=np.int64))
        nbytes = -(-size * 8 // self._ALIGN) * self._ALIGN
        if nbytes > self.SLAB // 4:
            self.nbytes += size * 8
            return np.empty(shape)
        if self._slab is None or self._used + nbytes > self.SLAB:
            self._slab = np.empty(self.SLAB // 8)
            self._used = 0
            self.nbytes += self.SLAB
        start = self._used // 8
        self._used += nbytes
        return self._slab[start:start + size].reshape(shape)


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
    """Risk-event effects, time-major ((H, n) arrays over years 1..H), computed once and shared.

    Only ``security`` events depend on the owner (incident frequency and severity), so the
    effects are cached by (risk, frequency, severity): every owner with the same shifts, and
    every option, reuses them.
    """

    def __init__(self, s: Scenario, values: dict, risks: RiskDraws, n: int, ws: Workspace):
        self.s, self.values, self.risks, self.n, self.ws = s, values, risks, n, ws
        self.years = np.arange(1, s.horizon_years + 1, dtype=float).reshape(-1, 1)
        self._cache: dict = {}
        self._yearly: dict = {}  # one-off risks: (uniforms, impacts) transposed to (H, n), per risk

    def effect(self, rname: str, freq: float, sev: float):
        key = (rname, freq, sev) if self.s.risks[rname].type == "security" else (rname,)
        if key not in self._cache:
            self._cache[key] = self._compute(key, rname, freq, sev)
        return self._cache[key]

    def _transposed(self, rname):
        if rname not in self._yearly:
            H, n = self.s.horizon_years, self.n
            u = self.ws(("yearly", rname), (H, n))
            u[...] = self.risks.yearly[rname].T
            impact = _vec(self.risks.impact[rname])
            if impact.ndim == 2:
                impact = self.ws(("impact", rname), (H, n))
                impact[...] = self.risks.impact[rname].T
            self._yearly[rname] = (u, impact)
        return self._yearly[rname]

    def _compute(self, key, rname, freq, sev):
        risk = self.s.risks[rname]
        H, n = self.s.horizon_years, self.n
        p = _vec(self.values[f"risks.{rname}.probability"])
        if risk.type == "security":
            p = p * freq
        else:
            sev = 1.0
        if risk.effect == "one_off":
            u, impact = self._transposed(rname)
            hit = u < p  # (H, n)
            cost = np.multiply(impact, sev, out=self.ws(("effect", key), (H, n)))
            cost *= hit
            return {"cost": cost, "events": hit.sum(axis=0)}
        k = _first_event_year(self.risks.first[rname], p, H)  # (n,)
        impact = _vec(self.risks.impact[rname]) * sev
        out = {"events": (k <= H).astype(float)}
        after = self.years > k
        buf = self.ws(("effect", key), (H, n))
        if risk.effect == "price_rise":
            out["mult"] = np.add(1.0, np.multiply(after, impact, out=buf), out=buf)
        elif risk.effect == "benefit_loss":
            out["keep"] = np.subtract(1.0, np.multiply(after, impact, out=buf), out=buf)
        else:  # forced_migration: a one-off cost in the year of the first event
            out["cost"] = np.multiply(self.years == k, impact, out=buf)
        return out


def _edges(L, H: int, ws: Workspace) -> np.ndarray:
    """Months past go-live ``L`` at the year edges 0, 12, ..., 12 H: max(12 t - L, 0), (H + 1, n)."""
    d = np.subtract(12.0 * np.arange(H + 1, dtype=float).reshape(-1, 1), L,
                    out=ws("edges", (H + 1, np.size(L))))
    return np.maximum(d, 0.0, out=d)


def _year_fraction_ramped(d, ramp_months, half_inv_ramp, ws: Workspace, live: tuple[float, float] | None = None
                          ) -> np.ndarray:
    """12 x the average adoption over each year, (H, n), for a linear ramp from go-live ``L`` to
    ``L + R`` months, from the months past go-live at the year edges ``d`` (:func:`_edges`).

    ``ramp_months`` is ``R`` (floored at 1e-9 months) and ``half_inv_ramp`` is ``1 / (2 R)``,
    both (n,) or scalars. The integral of clip((x - L)/R, 0, 1) is F(x) = d - q with
    d = max(x - L, 0), m = min(d, R) and q = m - m^2 / (2R): that is d^2 / (2R) up to
    x = L + R and d - R/2 beyond. Year t gets F(12t) - F(12t - 12), twelve times its average
    adoption, evaluated as (d_t - d_(t-1)) - (q_t - q_(t-1)).

    In that form a trial already fully ramped at the start of year t has q_t = q_(t-1) exactly,
    so its year is exactly d_t - d_(t-1), and a trial not yet live has exactly 0. ``live =
    (min L, max (L + R))`` over the trials, if given, lets the years where that holds for every
    trial skip the q terms; the numbers are the same bit for bit, whatever the trials' bounds.
    """
    H = d.shape[0] - 1
    first, stop = 1, H + 1  # years whose q terms are computed: first .. stop - 1
    if live is not None and np.isfinite(live[0]) and np.isfinite(live[1]):
        first = min(max(int(live[0] // 12) + 1, 1), H + 1)
        stop = max(min(int(np.ceil(min(live[1], 12.0 * H) / 12)) + 1, H + 1), first)
    out = ws("ramp", (H, d.shape[1]))
    out[:first - 1] = 0.0
    np.subtract(d[first:], d[first - 1:-1], out=out[first - 1:])
    if stop > first:
        dd = d[first - 1:stop]  # edges first - 1 .. stop - 1
        shape = np.broadcast_shapes(dd.shape, np.shape(ramp_months))
        m = np.minimum(dd, ramp_months, out=ws("ramp_m", shape))
        q = np.multiply(m, half_inv_ramp, out=ws("ramp_q", shape))
        q *= m
        np.subtract(m, q, out=q)  # q at the edges
        out[first - 1:stop - 1] -= np.subtract(q[1:], q[:-1], out=m[1:])
    return out


def project(s: Scenario, lay: Layout, values: dict, risks: RiskDraws, n: int,
            ws: Workspace | None = None, on_cell=None) -> ChunkFlows:
    """Cash flows of every option under every owner for ``n`` trials of sampled ``values``.

    ``values`` maps each uncertain input's dotted path (see :func:`decision_kit.loading.input_paths`)
    to an array of ``n`` draws or a float. Flows that do not depend on the owner (cost lines
    that run from the decision date, owner-independent risk events) are computed once per
    option and reused per owner.

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
    H, P = s.horizon_years, s.horizon_years + 1
    O, W = len(lay.options), len(lay.owners)
    ws = Workspace() if ws is None else ws
    row_index = {r: i for i, r in enumerate(lay.rows)}
    if on_cell is None:
        cost, benefit = ws("cost", (O, W, P, n)), ws("benefit", (O, W, P, n))
    else:
        cost = benefit = None
    launch_all = np.empty((O, W, n))
    sec_events = np.zeros((O, W, n))
    rows_sum = np.zeros((len(lay.rows), P, O, W))
    shifts = [s.owner_shifts(w) for w in lay.owners]
    effects = _RiskEffects(s, values, risks, n, ws)
    years = np.arange(1, H + 1, dtype=float).reshape(-1, 1)
    lic_rows = [t for t in (2, 3) if t <= H]  # periods where consolidation applies

    growth_fixed: dict = {}

    def growth_times(rate, amount, key):
        """growth(rate) x amount, (H, n) (or (H, 1) if both are fixed), into ``ws(key)``."""
        if np.ndim(rate) == 0:
            r = float(rate)
            if r not in growth_fixed:
                growth_fixed[r] = _growth(r, H)
            g = growth_fixed[r]
        else:
            g = _growth(rate, H, ws("growth", (H, n)))
        amount = _vec(amount)
        if g.shape[1] == 1 and amount.ndim == 0:
            return g * amount
        return np.multiply(g, amount, out=ws(key, (H, n)))

    drivers = {d: growth_times(values[f"drivers.{d}.growth"], values[f"drivers.{d}.start"], ("driver", d))
               for d in s.drivers}

    for oi, (oname, opt) in enumerate(s.options.items()):
        pre = f"options.{oname}"
        base_launch = _vec(values[f"{pre}.launch_months"])
        overrun = _vec(values[f"{pre}.cost_overrun"])
        realisation = _vec(values[f"{pre}.realisation"])
        order = _topological(opt.costs)
        dependent = _launch_dependent(opt.costs)
        referenced = {line.of for line in opt.costs.values() if line.timing == "percent_of"}
        my_risks = [r for r, risk in s.risks.items() if risk.options is None or oname in risk.options]
        price_risks = [r for r in my_risks if s.risks[r].effect == "price_rise"]

        # per line: amount x growth (x driver) over years 1..H, (H, n), before timing and owner effects
        shape = {}
        for lname in order:
            line = opt.costs[lname]
            if line.timing in ("recurring", "per_unit"):
                esc = values[f"{pre}.costs.{lname}.escalation"] if line.escalation is not None else 0.0
                g = growth_times(esc, values[f"{pre}.costs.{lname}.amount"], ("shape", lname))
                if line.timing == "per_unit":
                    g = np.multiply(g, drivers[line.driver], out=ws(("shape", lname), (H, n)))
                shape[lname] = g
        # per benefit: amount x growth / 12 over years 1..H (the 12 is that of the year's average
        # adoption, see _year_fraction_ramped) and the ramp R, 1 / (2R); all owner-independent
        benefit_base, ramps = {}, {}
        for b in opt.benefits:
            base = growth_times(values[f"{pre}.benefits.{b}.growth"], values[f"{pre}.benefits.{b}.amount"],
                                ("benefit_base", b))
            base /= 12.0  # a buffer of this call's own
            benefit_base[b] = base
            R = np.maximum(_vec(values[f"{pre}.benefits.{b}.ramp_months"]), 1e-9)
            ramps[b] = (R, 0.5 / R, float(R.max()))

        def line_flow(lname, active, price_mult, integ, flows, tag):
            """(first period, flow over the periods from it) of one line; kept in ``flows`` if
            a percent_of line refers to it."""
            line = opt.costs[lname]
            if line.timing == "percent_of":
                r0, src = flows[line.of]
                f = np.multiply(src, _vec(values[f"{pre}.costs.{lname}.amount"]), out=ws("line", (P, n))[:len(src)])
            elif line.timing == "one_off":
                r0, f = line.year or 0, ws("line", (P, n))[:1]
                f[...] = values[f"{pre}.costs.{lname}.amount"]
            else:
                r0, f = 1, ws("line", (P, n))[1:]
                if line.start == "launch":
                    np.multiply(shape[lname], active, out=f)
                else:
                    f[...] = shape[lname]
            if line.overrun:
                f *= overrun
            if line.category in ("integration", "customisation") and integ != 1.0:
                f *= integ
            if lname in price_mult and r0 + len(f) > 1:
                lo = max(r0, 1)
                f[lo - r0:] *= price_mult[lname][lo - 1:r0 + len(f) - 1]
            if lname in referenced:  # keep it: the line buffer is reused by the next line
                kept = ws((tag, lname), f.shape)
                kept[...] = f
                f = kept
                flows[lname] = (r0, f)
            return r0, f

        def add_lines(names, active, price_mult, integ, flows, tag, total, lic, cats):
            """Add the named lines' flows to ``total`` (P, n), to ``lic`` (license cost in the
            periods ``lic_rows``) and their sums over trials to the category rows ``cats`` (R, P)."""
            for lname in names:
                r0, f = line_flow(lname, active, price_mult, integ, flows, tag)
                r1 = r0 + len(f)
                total[r0:r1] += f
                cat = opt.costs[lname].category
                cats[row_index[cat], r0:r1] += f.sum(axis=1)
                if cat == "license":
                    for i, t in enumerate(lic_rows):
                        if r0 <= t < r1:
                            lic[i] += f[t - r0]

        price_cache: dict = {}

        def price_multipliers(freq, sev):
            if (freq, sev) not in price_cache:
                out = {}
                for r in price_risks:
                    m = effects.effect(r, freq, sev)["mult"]
                    for lname in s.risks[r].lines:
                        if lname in opt.costs:
                            out[lname] = out[lname] * m if lname in out else m
                price_cache[freq, sev] = out
            return price_cache[freq, sev]

        shared = [l for l in order if l not in dependent]
        own = [l for l in order if l in dependent]
        # A line's flow scales with integration_factor ** e: e = 1 for integration and
        # customisation lines, plus the e of the line a percent_of line is a percentage of.
        integ_exp: dict = {}
        for lname in order:
            line = opt.costs[lname]
            integ_exp[lname] = (line.category in ("integration", "customisation")) + \
                (integ_exp[line.of] if line.timing == "percent_of" else 0)
        # Owner-independent lines are computed once at integration factor 1 (per risk class if
        # a security risk raises their price), summed per exponent e; an owner's sums are then
        # sum_e factor ** e x part_e, and the flows percent_of lines refer to are scaled alike.
        unit_cache: dict = {}
        shared_cache: dict = {}

        def unit_parts(cls_key, price_mult):
            if cls_key not in unit_cache:
                u = len(unit_cache)
                flows_u: dict = {}
                parts: dict = {}
                for lname in shared:
                    e = integ_exp[lname]
                    if e not in parts:
                        tot, lic = ws(("total_u", u, e), (P, n)), ws(("lic_u", u, e), (len(lic_rows), n))
                        tot[...] = 0.0
                        lic[...] = 0.0
                        parts[e] = (tot, lic, np.zeros((len(lay.rows), P)))
                    add_lines([lname], None, price_mult, 1.0, flows_u, ("flow_u", u), *parts[e])
                unit_cache[cls_key] = (flows_u, parts)
            return unit_cache[cls_key]

        def shared_flows(g, cls_key, price_mult):
            """(kept flows, total (P, n), category sums (R, P), license rows) of the
            owner-independent lines at integration factor ``g``."""
            if (g, cls_key) not in shared_cache:
                flows_u, parts = unit_parts(cls_key, price_mult)
                factor = {e: g ** e for e in parts}
                if len(parts) == 1 and factor[next(iter(parts))] == 1.0:  # the unit sums as they are
                    (total0, lic0, cats0), = parts.values()
                else:
                    k = len(shared_cache)
                    total0, lic0 = ws(("total0", k), (P, n)), ws(("lic0", k), (len(lic_rows), n))
                    total0[...] = 0.0
                    lic0[...] = 0.0
                    cats0 = np.zeros((len(lay.rows), P))
                    scratch = ws("scratch", (P, n))
                    for e, (tot, lic, cats) in parts.items():
                        if factor[e] == 1.0:
                            total0 += tot
                            lic0 += lic
                        else:
                            total0 += np.multiply(tot, factor[e], out=scratch)
                            lic0 += np.multiply(lic, factor[e], out=scratch[:len(lic_rows)])
                        cats0 += cats * factor[e]
                flows0 = {}
                for lname, (r0, f) in flows_u.items():
                    x = g ** integ_exp[lname]
                    flows0[lname] = (r0, f if x == 1.0 else
                                     np.multiply(f, x, out=ws(("flow0", len(shared_cache), lname), f.shape)))
                shared_cache[g, cls_key] = (flows0, total0, cats0, lic0)
            return shared_cache[g, cls_key]

        for wi, sh in enumerate(shifts):
            cls = (sh.incident_frequency, sh.incident_severity)
            price_mult = price_multipliers(*cls)
            cls_key = cls if any(s.risks[r].type == "security" for r in price_risks) else ()
            flows0, total0, cats0, lic0 = shared_flows(sh.integration_factor, cls_key, price_mult)

            L = base_launch * sh.launch_factor + sh.launch_extra_months
            launch_all[oi, wi] = L
            rows_sum[:, :, oi, wi] += cats0
            total, license_cost = total0, lic0
            if own:
                active = np.clip(years - L / 12.0, 0.0, 1.0, out=ws("active", (H, n)))  # share of year t after go-live
                total, license_cost = ws("total", (P, n)), ws("lic", lic0.shape)
                total[...] = total0
                license_cost[...] = lic0
                add_lines(own, active, price_mult, sh.integration_factor, dict(flows0), "flow",
                          total, license_cost, rows_sum[:, :, oi, wi])

            risk_cost = None  # (H, n), years 1..H
            keep = None
            for r in my_risks:
                e = effects.effect(r, *cls)
                if "cost" in e:
                    if risk_cost is None:
                        risk_cost = ws("risk_cost", (H, n))
                        risk_cost[...] = e["cost"]
                    else:
                        risk_cost += e["cost"]
                if "keep" in e:
                    keep = e["keep"] if keep is None else np.multiply(keep, e["keep"], out=ws("keep", (H, n)))
                if s.risks[r].type == "security":
                    sec_events[oi, wi] += e["events"]

            c = cost[oi, wi] if on_cell is None else ws("cell_cost", (P, n))
            c[...] = total
            if risk_cost is not None:
                c[1:] += risk_cost
                rows_sum[row_index["risk"], 1:, oi, wi] += risk_cost.sum(axis=1)
            if sh.governance_overhead:
                governance = np.multiply(total, sh.governance_overhead, out=ws("scratch", (P, n)))
                c += governance
                rows_sum[row_index["governance"], :, oi, wi] += governance.sum(axis=1)
            if sh.consolidation:
                for i, t in enumerate(lic_rows):
                    extra = np.multiply(license_cost[i], sh.consolidation, out=ws("scratch", (P, n))[0])
                    c[t] += extra
                    rows_sum[row_index["consolidation"], t, oi, wi] += extra.sum()

            # benefits: sum(base_b x ramp_b) per category, then x realisation (x kept share)
            ben = benefit[oi, wi] if on_cell is None else ws("cell_benefit", (P, n))
            ben[0] = 0.0
            if not opt.benefits:
                ben[1:] = 0.0
                if on_cell is not None:
                    on_cell(oi, wi, c, ben)
                continue
            edges = _edges(L, H, ws)
            L_min, L_max = float(np.min(L)), float(np.max(L))
            real = realisation * sh.realisation_factor
            scale = real if keep is None else np.multiply(keep, real, out=ws("real_keep", (H, n)))
            by_cat = {}
            for bname, b in opt.benefits.items():
                R, half_inv, R_max = ramps[bname]
                ramp = _year_fraction_ramped(edges, R, half_inv, ws, (L_min, L_max + R_max))
                if b.category in by_cat:
                    ramp *= benefit_base[bname]
                    by_cat[b.category] += ramp
                else:
                    by_cat[b.category] = np.multiply(ramp, benefit_base[bname], out=ws(("ben_cat", b.category), (H, n)))
            for ci, (cat, flow) in enumerate(by_cat.items()):
                flow *= scale
                rows_sum[row_index[cat], 1:, oi, wi] += flow.sum(axis=1)
                if ci == 0:
                    ben[1:] = flow
                else:
                    ben[1:] += flow
            if on_cell is not None:
                on_cell(oi, wi, c, ben)
    return ChunkFlows(cost, benefit, launch_all, sec_events, rows_sum)


def uncertain_inputs(s: Scenario) -> dict:
    """Every input the engine reads, by dotted path, in a stable order."""
    return input_paths(s)
