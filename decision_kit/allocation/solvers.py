"""Solvers of one plan year's allocation problem: exact water-filling and SLSQP.

What this module holds, in the order a solve uses it:

- water-filling for the mean objective: ``_Responder`` (each initiative's spend at given
  marginal values), ``_root_lambda`` (the marginal value at which the spends meet the budget),
  ``_interpolate``, ``_trim`` (rounding excess over a cap) and ``_waterfill``;
- ``_Problem``, one plan year's bounds, budget, owner caps and prerequisites, and ``_cases``,
  its prerequisite on/off cases (at most :data:`MAX_PREREQUISITE_CASES`), each solved apart;
- ``_solve_mean`` (exact) and ``_solve_risk`` (SLSQP from the water-filling start, through
  ``_slsqp``, which falls back to trust-constr and checks both statuses), each returning a
  ``_Solved``; ``_multipliers`` reads the budget's marginal values off the gradient, ``_stats``
  summarises the value over the trials, and ``_solve`` picks the solver by objective.

These are kernels: they check no arguments. :mod:`decision_kit.allocation.allocate` validates
the arguments and builds the ``_Problem``. With :mod:`decision_kit.allocation.phasing`, this is
the only user of ``scipy.optimize``'s optimisers in decision_kit (break-even and weight flips
use its root finder, ``brentq``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import optimize as _opt

from .model import _HILL_FLOOR, AllocationError, _Curves

MAX_PREREQUISITE_CASES = 4096
"""Most prerequisite on/off combinations enumerated before refusing (2**12)."""


# --- water-filling (exact, mean objective) ---------------------------------------------------

class _Responder:
    """Each initiative's spend where its expected slope equals a multiplier, within [lo, hi].

    Calling it with multipliers ``lam`` (n,) returns the spends and their derivatives with
    respect to ``log lam`` (``lam / E[value''(x)]`` inside the bounds, 0 at a bound). Each spend
    solves ``psi(x) = log E[value'(x)] - log lam = 0`` by safeguarded Newton: in ``x`` for
    exp_saturation and log curves (``psi`` is convex there, so Newton from the left never
    overshoots), in ``log x`` for hill curves (whose slope behaves like ``x^(shape-1)`` near 0,
    so ``psi`` is nearly linear in ``log x``). A step that leaves the bracket is replaced by
    bisection. Each call starts from the previous call's answer.
    """

    def __init__(self, cv: _Curves, lo, hi):
        self.cv, self.lo, self.hi = cv, lo, hi
        self.g_lo, self.g_hi = cv.mean_slope(lo), cv.mean_slope(hi)
        self.floor = _HILL_FLOOR * cv.s.max(1)  # below it the hill kernel floors the slope
        self.scale = cv.s.mean(1)
        self.in_log = cv.form == 1
        self.x = None

    def __call__(self, lam):
        cv, lo, hi = self.cv, self.lo, self.hi
        x = lo.copy()
        at_hi = (self.g_lo > lam) & (self.g_hi >= lam)
        x[at_hi] = hi[at_hi]
        inside = (self.g_lo > lam) & (self.g_hi < lam)
        todo = inside.copy()
        a, b = lo.copy(), hi.copy()
        start = self.cv.guess(lam) if self.x is None else self.x
        x[todo] = np.clip(start[todo], np.maximum(lo, self.floor)[todo], hi[todo])
        dx = np.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for it in range(300):
                idx = np.flatnonzero(todo)
                if idx.size == 0:
                    break
                xi = x[idx]
                g, c = cv.mean_slope_curv(xi, idx)
                dx[idx] = lam[idx] / c
                phi = np.log(g) - np.log(lam[idx])
                a[idx] = np.where(phi >= 0, xi, a[idx])
                b[idx] = np.where(phi <= 0, xi, b[idx])
                step = -phi * g / c
                xn = np.where(self.in_log[idx] & (xi > 0), xi * np.exp(np.clip(step / xi, -50, 50)), xi + step)
                # after 60 Newton iterations, bisection alone (a guaranteed end within 300)
                bad = ~np.isfinite(xn) | (xn <= a[idx]) | (xn >= b[idx]) | (it >= 60)
                mid = np.where(self.in_log[idx] & (a[idx] > 0), np.sqrt(a[idx] * b[idx]), 0.5 * (a[idx] + b[idx]))
                xn = np.where(bad, mid, xn)
                # spend is resolved relative to the curve's own scale
                xtol = 1e-13 * (np.abs(xi) + self.scale[idx])
                # converged when the slope matches lam to 1e-13 (relative), when a Newton step
                # close to the root is tiny, or when the bracket has closed
                hit = np.abs(phi) <= 1e-13
                done = (hit | ((np.abs(xn - xi) <= 1e3 * xtol) & (np.abs(phi) <= 1e-7) & ~bad)
                        | (b[idx] - a[idx] <= xtol))
                x[idx] = np.where(hit, xi, xn)
                todo[idx[done]] = False
            else:
                raise AllocationError("water-filling: the spend for a marginal value did not converge "
                                      "(an internal failure; please report the portfolio)")
        dx[~inside] = 0.0
        dx[~np.isfinite(dx)] = 0.0
        self.x = x
        return x, dx


def _root_lambda(spend_at, target: float, lam0: float) -> tuple[float, float, float]:
    """The multiplier ``lam`` at which the decreasing ``spend_at(lam)`` equals ``target``.

    ``spend_at(lam)`` returns the spend and its derivative with respect to ``log lam``.
    Safeguarded Newton on ``u = log lam``: a bracket is grown by doubling steps and kept, and a
    Newton step that leaves it is replaced by bisection. Where spend is flat in ``lam`` (every
    initiative at a bound) the lower end of the flat stretch is returned: the value of one
    *more* unit of budget.

    Returns ``(lam, lam_a, lam_b)`` with ``spend(lam_a) >= target >= spend(lam_b)`` and
    ``lam_a <= lam <= lam_b``; the caller interpolates between the two allocations when, in
    floating point, no ``lam`` hits the target (a curve that is linear at the scale of the
    budget, or a budget far below the curves' scales).
    """
    tol = 1e-12 * abs(target)
    u = math.log(lam0) if np.isfinite(lam0) and lam0 > 0 else 0.0
    lo_u, hi_u = -math.inf, math.inf  # spend > target at lo_u, < target at hi_u
    reach = 2.0
    for _ in range(400):
        spend, ds = spend_at(math.exp(u))
        f = spend - target
        if abs(f) <= tol:
            lo_u = hi_u = u
            break
        if f > 0:
            lo_u = u
        else:
            hi_u = u
        step = -f / ds if ds < 0 else math.nan
        if math.isinf(lo_u) or math.isinf(hi_u):
            # no bracket yet: a Newton step limited to a reach that doubles; too much spend
            # (f > 0) means lam must rise
            step = min(max(step, -reach), reach) if np.isfinite(step) else math.copysign(reach, f)
            reach *= 2
            un = u + step
        else:
            if hi_u - lo_u <= 1e-13 * max(1.0, abs(u)):
                break
            un = u + step if np.isfinite(step) else math.nan
            if not lo_u < un < hi_u:
                un = 0.5 * (lo_u + hi_u)
        if un < -745:
            if u <= -745:  # slopes have underflowed: more spend adds no representable value
                lam = math.exp(-745)
                return lam, lam, lam
            un = -745.0
        if un > 745:
            raise AllocationError("water-filling: no marginal value balances the budget (an internal "
                                  "failure; please report the portfolio)")
        if abs(un - u) <= 1e-13 * max(1.0, abs(u)):
            break  # lam is resolved as finely as the spends it produces
        u = un
    else:
        raise AllocationError("water-filling: the marginal value of budget did not converge")
    # close the bracket on the side the loop never visited
    for side in (-1.0, 1.0):
        if math.isinf(lo_u if side < 0 else hi_u):
            d = 1e-13 * max(1.0, abs(u))
            while True:
                v = u + side * d
                f = spend_at(math.exp(v))[0] - target
                if (f >= 0) if side < 0 else (f <= 0):
                    break
                d *= 2
                if d > 1490:
                    raise AllocationError("water-filling: cannot bracket the marginal value (internal)")
            lo_u, hi_u = (v, hi_u) if side < 0 else (lo_u, v)
    if lo_u == hi_u and spend_at(math.exp(u - 1e-7))[0] <= target + tol:
        # a flat stretch: move to its lower end
        below = u - 1e-7
        while spend_at(math.exp(below))[0] <= target + tol:
            below -= 1.0
            if below < -745:
                return 0.0, 0.0, 0.0
        top = u
        for _ in range(60):
            mid = 0.5 * (below + top)
            if spend_at(math.exp(mid))[0] <= target + tol:
                top = mid
            else:
                below = mid
        return math.exp(top), math.exp(top), math.exp(top)
    return math.exp(u), math.exp(lo_u), math.exp(hi_u)


def _interpolate(spend_of, lam, lam_a, lam_b, target):
    """Spends summing to ``target``: those at ``lam``, or, when they miss it by more than
    rounding, the mix of those at ``lam_a`` and ``lam_b`` (marginal values within the bracket)."""
    x = spend_of(lam)
    if abs(x.sum() - target) <= 1e-12 * abs(target) or lam_a == lam_b:
        return x
    xa, xb = spend_of(lam_a), spend_of(lam_b)
    sa, sb = xa.sum(), xb.sum()
    theta = min(max((target - sb) / (sa - sb), 0.0), 1.0) if sa > sb else 0.0
    return xb + theta * (xa - xb)


def _trim(x, lo, idx, cap, scale):
    """Remove a rounding excess of spend over ``cap`` from columns ``idx`` above their minimum.

    Only rounding: the solvers resolve spend relative to the size of the problem, ``cap`` plus
    the curves' ``scale`` (their summed mean scales); SLSQP meets constraints to about 1e-8 of
    that, so an excess above 1e-6 of it means the
    solver went wrong, and is raised, never trimmed away.
    """
    excess = x[idx].sum() - cap
    if excess > 1e-6 * max(cap + scale, 1e-300):
        raise AllocationError(f"internal: the solver's spend {x[idx].sum()!r} exceeds its limit {cap!r} "
                              "by more than rounding (please report the portfolio)")
    for _ in range(8):
        excess = x[idx].sum() - cap
        if excess <= 0:
            return
        room = x[idx] - lo[idx]
        if room.sum() <= 0:
            break
        share = room / room.sum()  # divide first: tiny amounts must not underflow
        x[idx] = np.maximum(lo[idx], x[idx] - (excess * (1 + 1e-9) + 1e-300) * share)
    if x[idx].sum() > cap * (1 + 1e-12) + 1e-300:
        raise AllocationError(f"internal: spend {x[idx].sum():,.6f} exceeds its limit {cap:,.6f}")


def _waterfill(cv: _Curves, lo, hi, budget: float, groups):
    """Exact maximiser of expected value: sum x <= budget, per-group caps, lo <= x <= hi.

    ``groups`` lists ``(idx, cap)`` for capped owners (disjoint column sets). Returns
    ``(x, lam, group_lams)``: the spends, the budget's multiplier (value per extra unit of
    budget) and each group's multiplier (``>= lam``; above it when the group's cap binds).
    """
    n = cv.n
    room = hi > lo  # may take more (before clipping to the budget)
    hi = np.minimum(hi, max(budget, 0.0))
    for idx, cap in groups:
        hi[idx] = np.minimum(hi[idx], cap)
    hi = np.maximum(hi, lo)

    def guess(sub_lo, sub_hi, sub_cv, target):
        mid = np.minimum(sub_hi, sub_lo + max(target - sub_lo.sum(), 0) / max(sub_lo.size, 1))
        g = sub_cv.mean_slope(mid)
        g = g[np.isfinite(g) & (g > 0)]
        return float(np.median(g)) if g.size else 1.0

    if budget <= lo.sum() * (1 + 1e-12):
        for idx, cap in groups:
            if cap <= lo[idx].sum() * (1 + 1e-12):
                room[idx] = False  # its owner's budget is used up too
        g = cv.mean_slope(lo)[room]
        lam = float(np.max(g)) if g.size else 0.0
        return lo.copy(), lam, np.full(len(groups), lam)

    # each capped owner on its own: its multiplier and its spends when its cap binds
    glam, gx = np.zeros(len(groups)), []
    for k, (idx, cap) in enumerate(groups):
        sub_lo, sub_hi = lo[idx], hi[idx]
        if sub_hi.sum() <= cap:
            gx.append(sub_hi.copy())
            continue
        sub = cv.take(idx)
        if cap <= sub_lo.sum() * (1 + 1e-12):
            g = sub.mean_slope(sub_lo)[room[idx]]
            glam[k] = float(np.max(g)) if g.size else 0.0
            gx.append(sub_lo.copy())
            continue
        sub_respond = _Responder(sub, sub_lo, sub_hi)

        def sub_spend(lam, sub_respond=sub_respond, m=idx.size):
            x, dx = sub_respond(np.full(m, lam))
            return x.sum(), dx.sum()

        roots = _root_lambda(sub_spend, cap, guess(sub_lo, sub_hi, sub, cap))
        glam[k] = roots[0]
        gx.append(_interpolate(lambda l, r=sub_respond, m=idx.size: r(np.full(m, l))[0], *roots, cap))

    respond = _Responder(cv, lo, hi)

    def assemble(lam):
        """Spends at budget multiplier ``lam`` (owners whose cap binds at their own multiplier)."""
        v = np.full(n, lam)
        for k, (idx, _) in enumerate(groups):
            v[idx] = max(lam, glam[k])
        x, dx = respond(v)
        for k, (idx, _) in enumerate(groups):
            if glam[k] > lam:
                x[idx] = gx[k]
        return x, dx[v == lam].sum()

    x = assemble(0.0)[0]
    if x.sum() <= budget:
        lam = 0.0
    else:
        def spend(lam):
            x, ds = assemble(lam)
            return x.sum(), ds

        roots = _root_lambda(spend, budget, guess(lo, hi, cv, budget))
        lam = roots[0]
        x = _interpolate(lambda l: assemble(l)[0], *roots, budget)
    scale = cv.s.mean(1)
    for idx, cap in groups:
        _trim(x, lo, idx, cap, scale[idx].sum())
    _trim(x, lo, np.arange(n), budget, scale.sum())
    return x, lam, np.maximum(glam, lam)


# --- problem set-up shared by the solvers ----------------------------------------------------

@dataclass(frozen=True)
class _Problem:
    """One plan year's problem: bounds, which initiatives earn, budget and owner caps.

    ``hi`` is the initiatives' own maximum (``inf`` where none); solvers clip it to the budget
    and owner caps themselves, so that the room to grow above a minimum stays visible.
    """

    lo: np.ndarray
    hi: np.ndarray
    live: np.ndarray
    budget: float
    groups: tuple  # ((owner, idx, cap), ...)
    prereqs: tuple  # ((i, j, thr), ...) with i live and thr > 0


def _cases(prob: _Problem, only=None):
    """Prerequisite on/off cases as (bits, lo, hi, live), skipping impossible ones.

    ``bits[k]`` says whether dependent ``prob.prereqs[k]`` is on (its prerequisite's spend is
    raised to the threshold) or off (it earns nothing and stays at its minimum). ``only``
    restricts to one case.
    """
    deps = prob.prereqs
    if 2 ** len(deps) > MAX_PREREQUISITE_CASES:
        raise AllocationError(f"{len(deps)} initiatives have prerequisites: too many on/off combinations "
                              f"to enumerate (at most {int(math.log2(MAX_PREREQUISITE_CASES))})")
    for bits in (product((False, True), repeat=len(deps)) if only is None else [only]):
        lo, hi, live = prob.lo.copy(), prob.hi.copy(), prob.live.copy()
        for on, (i, j, thr) in zip(bits, deps):
            if on:
                lo[j] = max(lo[j], thr)
        if np.any(lo > prob.hi):
            continue  # a prerequisite's threshold is above its own maximum
        for on, (i, j, thr) in zip(bits, deps):
            if not on:
                live[i] = False
                hi[i] = lo[i]
        if np.any(lo > hi) or lo.sum() > prob.budget or any(lo[idx].sum() > cap for _, idx, cap in prob.groups):
            continue
        yield bits, lo, hi, live


def _stats(v_total: np.ndarray, level: float):
    k = max(1, int(math.ceil(level * v_total.size)))
    tail = np.partition(v_total, k - 1)[:k]
    return float(v_total.mean()), float(v_total.std()), float(np.quantile(v_total, 0.1)), float(tail.mean())


@dataclass(frozen=True)
class _Solved:
    x: np.ndarray
    lam: float
    owner_lam: dict
    value: float  # the objective (currency per year)
    method: str
    message: str
    case: tuple = ()  # the prerequisite case (see _cases)


def _solve_mean(cv: _Curves, prob: _Problem, only=None) -> _Solved:
    """Exact mean-objective optimum: water-filling for every prerequisite case, best kept."""
    best = None
    groups = [(idx, cap) for _, idx, cap in prob.groups]
    for bits, lo, hi, live in _cases(prob, only):
        x, lam, glam = _waterfill(cv, lo, hi, prob.budget, groups)
        v, _ = cv.value_slope(x)
        value = float(v.mean(1) @ live)
        if best is None or value > best.value + 1e-12 * abs(best.value):
            owner_lam = {o: float(g) for (o, _, _), g in zip(prob.groups, glam)}
            best = _Solved(x, lam, owner_lam, value, "water-filling", "exact", bits)
    if best is None:  # _cases always yields the all-off case when the minimums fit
        raise AllocationError("no feasible allocation (an internal failure; the minimums were checked)")
    return best


def _risk_value_grad(cv, x, live, objective, aversion, level):
    """Risk-adjusted objective and its gradient at ``x`` (currency per year; per unit spend)."""
    v, d = cv.value_slope(x)
    total = live @ v
    mean = total.mean()
    d = d * live[:, None]
    dmean = d.mean(1)
    if objective == "mean_minus_std":
        dev = total - mean
        sd = math.sqrt(float(np.mean(dev**2)))
        dsd = (d @ dev) / (total.size * sd) if sd > 0 else np.zeros_like(dmean)
        return mean - aversion * sd, dmean - aversion * dsd
    k = max(1, int(math.ceil(level * total.size)))
    tail = np.argpartition(total, k - 1)[:k]
    cvar, dcvar = total[tail].mean(), d[:, tail].mean(1)
    return (1 - aversion) * mean + aversion * cvar, (1 - aversion) * dmean + aversion * dcvar


def _slsqp(fun, x0, bounds, a_ub, b_ub, what: str):
    """``min fun(z)`` s.t. ``a_ub @ z <= b_ub`` and bounds, by SLSQP; raises unless successful.

    If SLSQP fails (its linearised sub-problem can break down next to a bound where a hill
    curve's slope is infinite), trust-constr is tried from the same start; its status is
    checked too, and if both fail the error quotes both solvers' messages.
    """
    cons = [{"type": "ineq", "fun": lambda z: b_ub - a_ub @ z, "jac": lambda z: -a_ub}] if len(b_ub) else []
    res = _opt.minimize(fun, x0, jac=True, method="SLSQP", bounds=bounds, constraints=cons,
                        options={"maxiter": 1000, "ftol": 1e-10})
    if res.success:
        return res
    lo, hi = np.array(bounds, dtype=float).T
    lin = [_opt.LinearConstraint(a_ub, -np.inf, b_ub)] if len(b_ub) else []
    with warnings.catch_warnings():  # its quasi-Newton update warns on flat stretches
        warnings.simplefilter("ignore", UserWarning)
        res2 = _opt.minimize(fun, np.clip(x0, lo, hi), jac=True, method="trust-constr", bounds=_opt.Bounds(lo, hi),
                             constraints=lin, options={"maxiter": 3000, "gtol": 1e-10, "xtol": 1e-12})
    if res2.status in (1, 2) and np.all(a_ub @ res2.x <= b_ub + 1e-9) if len(b_ub) else res2.status in (1, 2):
        res2.message = f"trust-constr after SLSQP failed ({res.message}): {res2.message}"
        return res2
    raise AllocationError(f"{what}: scipy.optimize SLSQP failed (status {res.status}): {res.message}; "
                          f"trust-constr also failed (status {res2.status}): {res2.message}")


def _solve_risk(cv: _Curves, prob: _Problem, objective: str, aversion: float, level: float,
                only=None) -> _Solved:
    """Risk-adjusted optimum by SLSQP from the water-filling start, for each prerequisite case.

    Cases are tried in decreasing order of their mean-objective optimum, an upper bound on the
    risk-adjusted objective (standard deviation and mean minus CVaR are non-negative), and the
    search stops once the best objective found reaches the next bound.
    """
    groups = [(idx, cap) for _, idx, cap in prob.groups]
    starts = []
    for bits, lo, hi, live in _cases(prob, only):
        hi = np.minimum(hi, prob.budget)
        for idx, cap in groups:
            hi[idx] = np.minimum(hi[idx], cap)
        hi = np.maximum(hi, lo)
        x, _, _ = _waterfill(cv, lo, hi, prob.budget, groups)
        v, _ = cv.value_slope(x)
        starts.append((float(v.mean(1) @ live), bits, lo, hi, live, x))
    if not starts:  # _cases always yields the all-off case when the minimums fit
        raise AllocationError("no feasible allocation (an internal failure; the minimums were checked)")
    starts.sort(key=lambda t: -t[0])
    best, best_case = None, None
    unit = prob.budget if prob.budget > 0 else 1.0  # SLSQP works on spend / budget
    for bound, bits, lo, hi, live, x0 in starts:
        if best is not None and best[0] >= bound - 1e-9 * abs(bound):
            break
        # less than 1e-9 (currency) to allocate above the minimums: nothing a risk objective can change
        free = np.flatnonzero(hi > lo) if prob.budget - lo.sum() > 1e-9 else np.array([], dtype=int)
        v0, g0 = _risk_value_grad(cv, x0, live, objective, aversion, level)
        scale = max(abs(v0), unit * float(np.max(np.abs(g0), initial=0.0)), 1e-300)  # scaled gradient <= 1
        if free.size == 0:
            val = _risk_value_grad(cv, x0, live, objective, aversion, level)[0]
            cand = (val, x0, "fixed", lo, hi, live, bits)
        else:
            base = x0.copy()

            def fun(z, base=base, free=free, live=live):
                x = base.copy()
                x[free] = z * unit
                val, grad = _risk_value_grad(cv, x, live, objective, aversion, level)
                return -val / scale, -grad[free] * unit / scale

            rows = [np.ones(free.size)]
            b = [(prob.budget - base.sum() + base[free].sum()) / unit]
            for idx, cap in groups:
                inside = np.isin(free, idx)
                rows.append(inside.astype(float))
                b.append((cap - base[idx].sum() + base[free[inside]].sum()) / unit)
            bounds = list(zip(lo[free] / unit, np.minimum(hi[free], prob.budget) / unit))
            res = _slsqp(fun, x0[free] / unit, bounds, np.array(rows), np.array(b), f"optimize ({objective})")
            x = base.copy()
            x[free] = np.clip(res.x * unit, lo[free], hi[free])
            for idx, cap in groups:
                _trim(x, lo, idx, cap, cv.s[idx].mean(1).sum())
            _trim(x, lo, np.arange(cv.n), prob.budget, cv.s.mean(1).sum())
            val = _risk_value_grad(cv, x, live, objective, aversion, level)[0]
            cand = (val, x, str(res.message), lo, hi, live, bits)
            if val < v0 - 1e-9 * abs(v0):  # never worse than the (feasible) water-filling start
                cand = (v0, x0, "water-filling start (the solver's answer was worse)", lo, hi, live, bits)
        if best is None or cand[0] > best[0] + 1e-12 * abs(best[0]):
            best, best_case = cand, cand
    val, x, message, lo, hi, live, bits = best_case
    grad = _risk_value_grad(cv, x, live, objective, aversion, level)[1]
    lam, owner_lam = _multipliers(grad, x, lo, hi, prob)
    return _Solved(x, lam, owner_lam, float(val), "SLSQP", message, bits)


def _multipliers(grad, x, lo, hi, prob: _Problem):
    """Budget and owner multipliers from the gradient at an optimum (KKT): the marginal value of
    initiatives strictly inside their bounds. NaN where no initiative is inside (use the
    finite-difference check then)."""
    tol = 1e-6 * np.maximum(1.0, hi - lo)
    inside = (x > lo + tol) & (x < hi - tol) & (hi > lo)
    capped = np.zeros(x.size, dtype=bool)
    owner_lam = {}
    slack = prob.budget - x.sum() > 1e-7 * max(prob.budget, 1.0)
    for owner, idx, cap in prob.groups:
        binds = cap - x[idx].sum() <= 1e-7 * max(cap, 1.0)
        if binds:
            capped[idx] = True
            sel = idx[inside[idx]]
            owner_lam[owner] = float(np.mean(grad[sel])) if sel.size else math.nan
    sel = np.flatnonzero(inside & ~capped)
    lam = 0.0 if slack else (float(np.mean(grad[sel])) if sel.size else math.nan)
    for owner, _, _ in prob.groups:
        owner_lam.setdefault(owner, lam)
    return lam, owner_lam


def _solve(model, prob, objective, aversion, level, only=None) -> _Solved:
    if objective == "mean":
        return _solve_mean(model.curves, prob, only)
    return _solve_risk(model.curves, prob, objective, aversion, level, only)
