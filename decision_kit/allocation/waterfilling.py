"""Water-filling: the exact optimum of one plan year's mean objective.

The mean objective is separable and concave, so at the optimum every initiative strictly inside
its bounds has the same expected marginal value ``lambda`` (currency of value per currency
spent). What this module holds, in the order a solve uses it:

- ``_Responder``: each initiative's spend at given marginal values;
- :func:`root_lambda`: the marginal value at which the spends meet the budget (safeguarded
  Newton on ``log lambda`` in ``_newton_log_lambda``, then ``_close_bracket`` and, where spend
  is flat in ``lambda``, ``_flat_lower_end``);
- ``_interpolate`` (mixing the allocations either side of a ``lambda`` that no float hits),
  :func:`trim_excess` (removing a rounding excess over a cap) and :func:`waterfill`, the solver,
  with ``_owner_multipliers`` for owners whose own budget binds.

These are kernels: they check no arguments. Spend is in currency per plan year, nominal.
"""

from __future__ import annotations

import math

import numpy as np

from .model import HILL_FLOOR, AllocationError, Curves


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

    def __init__(self, cv: Curves, lo, hi):
        self.cv, self.lo, self.hi = cv, lo, hi
        self.g_lo, self.g_hi = cv.mean_slope(lo), cv.mean_slope(hi)
        self.floor = HILL_FLOOR * cv.s.max(1)  # below it the hill kernel floors the slope
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
                done = (
                    hit | ((np.abs(xn - xi) <= 1e3 * xtol) & (np.abs(phi) <= 1e-7) & ~bad) | (b[idx] - a[idx] <= xtol)
                )
                x[idx] = np.where(hit, xi, xn)
                todo[idx[done]] = False
            else:
                raise AllocationError(
                    "water-filling: the spend for a marginal value did not converge "
                    "(an internal failure; please report the portfolio)"
                )
        dx[~inside] = 0.0
        dx[~np.isfinite(dx)] = 0.0
        self.x = x
        return x, dx


def root_lambda(spend_at, target: float, lam0: float) -> tuple[float, float, float]:
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
    found = _newton_log_lambda(spend_at, target, lam0, tol)
    if found is None:
        lam = math.exp(-745)
        return lam, lam, lam
    u, lo_u, hi_u = found
    lo_u, hi_u = _close_bracket(spend_at, target, u, lo_u, hi_u)
    if lo_u == hi_u and spend_at(math.exp(u - 1e-7))[0] <= target + tol:
        return _flat_lower_end(spend_at, target, u, tol)
    return math.exp(u), math.exp(lo_u), math.exp(hi_u)


def _newton_log_lambda(spend_at, target: float, lam0: float, tol: float):
    """Safeguarded Newton on ``u = log lam`` for ``spend_at(lam) = target``: ``(u, lo_u, hi_u)``.

    ``lo_u``/``hi_u`` bracket ``u`` (spend above / below the target there; infinite on a side
    never visited). None when the slopes underflow (more spend adds no representable value).
    """
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
                return None
            un = -745.0
        if un > 745:
            raise AllocationError(
                "water-filling: no marginal value balances the budget (an internal "
                "failure; please report the portfolio)"
            )
        if abs(un - u) <= 1e-13 * max(1.0, abs(u)):
            break  # lam is resolved as finely as the spends it produces
        u = un
    else:
        raise AllocationError("water-filling: the marginal value of budget did not converge")
    return u, lo_u, hi_u


def _close_bracket(spend_at, target: float, u: float, lo_u: float, hi_u: float) -> tuple[float, float]:
    """``(lo_u, hi_u)`` with an infinite end replaced by a point on that side of ``u`` (in ``log lam``)."""
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
    return lo_u, hi_u


def _flat_lower_end(spend_at, target: float, u: float, tol: float) -> tuple[float, float, float]:
    """The multiplier at the lower end of the flat stretch of spend around ``exp(u)``, three times."""
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


def trim_excess(x, lo, idx, cap, scale):
    """Remove a rounding excess of spend over ``cap`` from columns ``idx`` above their minimum.

    Only rounding: the solvers resolve spend relative to the size of the problem, ``cap`` plus
    the curves' ``scale`` (their summed mean scales); SLSQP meets constraints to about 1e-8 of
    that, so an excess above 1e-6 of it means the
    solver went wrong, and is raised, never trimmed away.
    """
    excess = x[idx].sum() - cap
    if excess > 1e-6 * max(cap + scale, 1e-300):
        raise AllocationError(
            f"internal: the solver's spend {x[idx].sum()!r} exceeds its limit {cap!r} "
            "by more than rounding (please report the portfolio)"
        )
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


def _spend_guess(sub_lo, sub_hi, sub_cv, target):
    """A starting multiplier: the median expected slope (value per unit spent) at an even split of ``target``."""
    mid = np.minimum(sub_hi, sub_lo + max(target - sub_lo.sum(), 0) / max(sub_lo.size, 1))
    g = sub_cv.mean_slope(mid)
    g = g[np.isfinite(g) & (g > 0)]
    return float(np.median(g)) if g.size else 1.0


def _owner_multipliers(cv: Curves, lo, hi, room, groups):
    """Each capped owner on its own: its multiplier (value per unit spent) and its spends when its cap binds.

    Returns ``(glam, gx)``, one multiplier and one spend array (currency per year) per group.
    """
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

        roots = root_lambda(sub_spend, cap, _spend_guess(sub_lo, sub_hi, sub, cap))
        glam[k] = roots[0]
        gx.append(_interpolate(lambda l, r=sub_respond, m=idx.size: r(np.full(m, l))[0], *roots, cap))
    return glam, gx


def waterfill(cv: Curves, lo, hi, budget: float, groups, cost: float = 0.0):
    """Exact maximiser of expected value net of ``cost`` per unit spent, ``E[V(x)] - cost sum x``:
    sum x <= budget, per-group caps, lo <= x <= hi.

    ``groups`` lists ``(idx, cap)`` for capped owners (disjoint column sets). Every initiative
    inside its bounds has expected marginal value ``cost + lam``: ``cost`` alone while the
    budget is left over (money not spent is worth ``cost`` a unit), more once it binds. Returns
    ``(x, lam, group_lams)``: the spends, the budget's multiplier (net value per extra unit of
    budget, 0 where it is left over) and each group's multiplier (``>= lam``; above it when the
    group's cap binds). With ``cost = 0`` this is the maximiser of gross expected value.
    """
    n = cv.n
    room = hi > lo  # may take more (before clipping to the budget)
    own_hi = hi.copy()
    hi = np.minimum(hi, max(budget, 0.0))
    for idx, cap in groups:
        hi[idx] = np.minimum(hi[idx], cap)
    hi = np.maximum(hi, lo)

    if budget <= lo.sum() * (1 + 1e-12):
        for idx, cap in groups:
            if cap <= lo[idx].sum() * (1 + 1e-12):
                room[idx] = False  # its owner's budget is used up too
        g = cv.mean_slope(lo)[room]
        lam = max(float(np.max(g)) - cost, 0.0) if g.size else 0.0
        return lo.copy(), lam, np.full(len(groups), lam)

    glam, gx = _owner_multipliers(cv, lo, hi, room, groups)

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

    x = assemble(cost)[0]
    if x.sum() <= budget:
        lam = cost
    else:

        def spend(lam):
            x, ds = assemble(lam)
            return x.sum(), ds

        roots = root_lambda(spend, budget, _spend_guess(lo, hi, cv, budget))
        lam = roots[0]
        x = _interpolate(lambda l: assemble(l)[0], *roots, budget)
    scale = cv.s.mean(1)
    for idx, cap in groups:
        trim_excess(x, lo, idx, cap, scale[idx].sum())
    trim_excess(x, lo, np.arange(n), budget, scale.sum())
    lam, glam = _right_multipliers(cv, x, own_hi, lam, glam, budget, groups)
    return x, max(lam - cost, 0.0), np.maximum(np.maximum(glam, lam) - cost, 0.0)


def _right_multipliers(cv: Curves, x, own_hi, lam: float, glam, budget: float, groups):
    """The budget's and each owner's multiplier as the value of one *more* unit: at least the
    expected slope of every initiative that may still grow (below its own maximum, and for the
    total budget outside owners whose cap binds).

    The solver clips spends to the budget and the owners' caps, so an initiative that takes a
    whole budget sits at that clip, and the root found is the lower end of a flat stretch: the
    slope of the next initiative in line, not of the one that would take the next unit. The
    spends are unchanged; only multipliers of budgets that bind are raised.
    """
    grows = x < own_hi * (1 - 1e-12) - 1e-12
    glam = np.asarray(glam, dtype=float).copy()
    free = grows.copy()
    for k, (idx, cap) in enumerate(groups):
        if cap - x[idx].sum() > 1e-9 * max(cap, 1.0):
            continue  # its cap does not bind
        free[idx] = False
        grow = idx[grows[idx]]
        if grow.size:
            glam[k] = max(glam[k], lam, float(np.max(cv.mean_slope_curv(x[grow], grow)[0])))
    if budget - x.sum() <= 1e-9 * max(budget, 1.0) and free.any():
        sel = np.flatnonzero(free)
        lam = max(lam, float(np.max(cv.mean_slope_curv(x[sel], sel)[0])))
    return lam, glam
