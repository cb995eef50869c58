"""Solvers of one plan year's allocation problem: exact water-filling and SLSQP.

Water-filling itself lives in :mod:`~decision_kit.allocation.waterfilling`.

What this module holds, in the order a solve uses it:

- ``YearProblem``, one plan year's bounds, budget, owner caps and prerequisites, and ``_cases``,
  its prerequisite on/off cases (at most :data:`MAX_PREREQUISITE_CASES`), each solved apart;
- ``solve_mean`` (exact, water-filling every case) and ``_solve_risk`` (SLSQP from the
  water-filling start, through ``slsqp``, which falls back to trust-constr and checks both
  statuses), each returning a ``_Solved``; ``_multipliers`` reads the budget's marginal values
  off the gradient, ``value_stats`` summarises the value over the trials, and ``solve`` picks
  the solver by objective.

These are kernels: they check no arguments. :mod:`decision_kit.allocation.allocate` validates
the arguments and builds the ``YearProblem``. With :mod:`decision_kit.allocation.phasing`, this
is the only user of ``scipy.optimize``'s optimisers in decision_kit (break-even and weight flips
use its root finder, ``brentq``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import optimize as _opt

from .model import AllocationError, Curves
from .waterfilling import trim_excess, waterfill

MAX_PREREQUISITE_CASES = 4096
"""Most prerequisite on/off combinations enumerated before refusing (2**12)."""


# --- problem set-up shared by the solvers ----------------------------------------------------


@dataclass(frozen=True)
class YearProblem:
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
    cost: float = 0.0  # value of a unit left unspent: the objective is value minus cost x spend
    t: int = 0  # plan year index (0-based): whose curves apply (PortfolioModel.curves_in)


def _cases(prob: YearProblem, only=None):
    """Prerequisite on/off cases as (bits, lo, hi, live), skipping impossible ones.

    ``bits[k]`` says whether dependent ``prob.prereqs[k]`` is on (its prerequisite's spend is
    raised to the threshold) or off (it earns nothing and stays at its minimum). ``only``
    restricts to one case.
    """
    deps = prob.prereqs
    if 2 ** len(deps) > MAX_PREREQUISITE_CASES:
        raise AllocationError(
            f"{len(deps)} initiatives have prerequisites: too many on/off combinations "
            f"to enumerate (at most {int(math.log2(MAX_PREREQUISITE_CASES))})"
        )
    for bits in product((False, True), repeat=len(deps)) if only is None else [only]:
        lo, hi, live = prob.lo.copy(), prob.hi.copy(), prob.live.copy()
        for on, (_i, j, thr) in zip(bits, deps):
            if on:
                lo[j] = max(lo[j], thr)
        if np.any(lo > prob.hi):
            continue  # a prerequisite's threshold is above its own maximum
        for on, (i, _j, _thr) in zip(bits, deps):
            if not on:
                live[i] = False
                hi[i] = lo[i]
        if np.any(lo > hi) or lo.sum() > prob.budget or any(lo[idx].sum() > cap for _, idx, cap in prob.groups):
            continue
        yield bits, lo, hi, live


def value_stats(v_total: np.ndarray, level: float):
    """Mean, standard deviation, P10 and CVaR at ``level`` of total value over the trials (currency per year).

    CVaR is the mean of the lowest ``level`` share of the trials.
    """
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


def solve_mean(cv: Curves, prob: YearProblem, only=None) -> _Solved:
    """Exact mean-objective optimum: water-filling for every prerequisite case, best kept."""
    best = None
    groups = [(idx, cap) for _, idx, cap in prob.groups]
    for bits, lo, hi, live in _cases(prob, only):
        x, lam, glam = waterfill(cv, lo, hi, prob.budget, groups, prob.cost)
        v, _ = cv.value_slope(x)
        value = float(v.mean(1) @ live) - prob.cost * float(x.sum())
        if best is None or value > best.value + 1e-12 * abs(best.value):
            owner_lam = {o: float(g) for (o, _, _), g in zip(prob.groups, glam)}
            best = _Solved(x, lam, owner_lam, value, "water-filling", "exact", bits)
    if best is None:  # _cases always yields the all-off case when the minimums fit
        raise AllocationError("no feasible allocation (an internal failure; the minimums were checked)")
    return best


def _risk_value_grad(cv, x, live, objective, aversion, level, cost=0.0):
    """Risk-adjusted objective and its gradient at ``x`` (currency per year; per unit spend),
    net of ``cost`` per unit spent (the spend is certain, so it shifts every trial alike)."""
    value, grad = _gross_risk_value_grad(cv, x, live, objective, aversion, level)
    return value - cost * float(np.sum(x)), grad - cost


def _gross_risk_value_grad(cv, x, live, objective, aversion, level):
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


def objective_gradient(
    cv: Curves, x, live, objective: str, aversion: float, level: float, cost: float = 0.0
) -> np.ndarray:
    """The objective's gain per extra unit spent on each initiative at ``x``, net of ``cost``
    (``-cost`` where not ``live``)."""
    if objective == "mean":
        return (cv.value_slope(x)[1] * live[:, None]).mean(1) - cost
    return _risk_value_grad(cv, x, live, objective, aversion, level, cost)[1]


def slsqp(fun, x0, bounds, a_ub, b_ub, what: str):
    """``min fun(z)`` s.t. ``a_ub @ z <= b_ub`` and bounds, by SLSQP; raises unless successful.

    If SLSQP fails (its linearised sub-problem can break down next to a bound where a hill
    curve's slope is infinite), trust-constr is tried from the same start; its status is
    checked too, and if both fail the error quotes both solvers' messages.
    """
    cons = [{"type": "ineq", "fun": lambda z: b_ub - a_ub @ z, "jac": lambda z: -a_ub}] if len(b_ub) else []
    res = _opt.minimize(
        fun, x0, jac=True, method="SLSQP", bounds=bounds, constraints=cons, options={"maxiter": 1000, "ftol": 1e-10}
    )
    if res.success:
        return res
    lo, hi = np.array(bounds, dtype=float).T
    lin = [_opt.LinearConstraint(a_ub, -np.inf, b_ub)] if len(b_ub) else []
    with warnings.catch_warnings():  # its quasi-Newton update warns on flat stretches
        warnings.simplefilter("ignore", UserWarning)
        res2 = _opt.minimize(
            fun,
            np.clip(x0, lo, hi),
            jac=True,
            method="trust-constr",
            bounds=_opt.Bounds(lo, hi),
            constraints=lin,
            options={"maxiter": 3000, "gtol": 1e-10, "xtol": 1e-12},
        )
    if res2.status in (1, 2) and np.all(a_ub @ res2.x <= b_ub + 1e-9) if len(b_ub) else res2.status in (1, 2):
        res2.message = f"trust-constr after SLSQP failed ({res.message}): {res2.message}"
        return res2
    raise AllocationError(
        f"{what}: scipy.optimize SLSQP failed (status {res.status}): {res.message}; "
        f"trust-constr also failed (status {res2.status}): {res2.message}"
    )


def _solve_risk(cv: Curves, prob: YearProblem, objective: str, aversion: float, level: float, only=None) -> _Solved:
    """Risk-adjusted optimum by SLSQP from the water-filling start, for each prerequisite case.

    Cases are tried in decreasing order of their mean-objective optimum, an upper bound on the
    risk-adjusted objective (standard deviation and mean minus CVaR are non-negative), and the
    search stops once the best objective found reaches the next bound.
    """
    groups = [(idx, cap) for _, idx, cap in prob.groups]
    cost = prob.cost
    starts = []
    for bits, lo, hi, live in _cases(prob, only):
        hi = np.minimum(hi, prob.budget)
        for idx, cap in groups:
            hi[idx] = np.minimum(hi[idx], cap)
        hi = np.maximum(hi, lo)
        x, _, _ = waterfill(cv, lo, hi, prob.budget, groups, prob.cost)
        v, _ = cv.value_slope(x)
        starts.append((float(v.mean(1) @ live) - prob.cost * float(x.sum()), bits, lo, hi, live, x))
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
        v0, g0 = _risk_value_grad(cv, x0, live, objective, aversion, level, cost)
        scale = max(abs(v0), unit * float(np.max(np.abs(g0), initial=0.0)), 1e-300)  # scaled gradient <= 1
        if free.size == 0:
            val = _risk_value_grad(cv, x0, live, objective, aversion, level, cost)[0]
            cand = (val, x0, "fixed", lo, hi, live, bits)
        else:
            base = x0.copy()

            def fun(z, base=base, free=free, live=live, scale=scale, cost=cost):
                x = base.copy()
                x[free] = z * unit
                val, grad = _risk_value_grad(cv, x, live, objective, aversion, level, cost)
                return -val / scale, -grad[free] * unit / scale

            rows = [np.ones(free.size)]
            b = [(prob.budget - base.sum() + base[free].sum()) / unit]
            for idx, cap in groups:
                inside = np.isin(free, idx)
                rows.append(inside.astype(float))
                b.append((cap - base[idx].sum() + base[free[inside]].sum()) / unit)
            bounds = list(zip(lo[free] / unit, np.minimum(hi[free], prob.budget) / unit))
            res = slsqp(fun, x0[free] / unit, bounds, np.array(rows), np.array(b), f"optimize ({objective})")
            x = base.copy()
            x[free] = np.clip(res.x * unit, lo[free], hi[free])
            for idx, cap in groups:
                trim_excess(x, lo, idx, cap, cv.s[idx].mean(1).sum())
            trim_excess(x, lo, np.arange(cv.n), prob.budget, cv.s.mean(1).sum())
            val = _risk_value_grad(cv, x, live, objective, aversion, level, cost)[0]
            cand = (val, x, str(res.message), lo, hi, live, bits)
            if val < v0 - 1e-9 * abs(v0):  # never worse than the (feasible) water-filling start
                cand = (v0, x0, "water-filling start (the solver's answer was worse)", lo, hi, live, bits)
        if best is None or cand[0] > best[0] + 1e-12 * abs(best[0]):
            best, best_case = cand, cand
    val, x, message, lo, hi, live, bits = best_case
    grad = _risk_value_grad(cv, x, live, objective, aversion, level, cost)[1]
    # judge "inside" against the initiatives' own maximums, not the clips to the budget and caps
    # (an initiative taking a whole owner budget is inside its bounds); dependents off keep hi = lo
    lam, owner_lam = _multipliers(grad, x, lo, np.where(hi > lo, np.maximum(prob.hi, lo), hi), prob)
    return _Solved(x, lam, owner_lam, float(val), "SLSQP", message, bits)


def _multipliers(grad, x, lo, hi, prob: YearProblem):
    """Budget and owner multipliers from the gradient at an optimum (KKT): the marginal value of
    initiatives strictly inside their bounds. NaN where no initiative is inside (use the
    finite-difference check then)."""
    tol = 1e-6 * np.maximum(1.0, np.minimum(hi, prob.budget) - lo)
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


def solve(model, prob, objective, aversion, level, only=None) -> _Solved:
    """The optimum (:class:`_Solved`, currency per year) of one plan year's problem.

    Exact water-filling for the mean objective, SLSQP for a risk-adjusted one.
    """
    if objective == "mean":
        return solve_mean(model.curves_in(prob.t), prob, only)
    return _solve_risk(model.curves_in(prob.t), prob, objective, aversion, level, only)
