"""Multi-year phasing: every plan year's budget allocated together.

What this module holds:

- :func:`phase` and its result :class:`Phasing`: carry-over of unspent budget, owner budget
  paths, platform-type initiatives valued on cumulative spend, and value discounted at the
  portfolio's rate;
- ``_Phase``, the set-up shared by the helpers, and the ``_phase_*`` helpers: owner budget
  paths (``_phase_caps``), year-by-year water-filling (``_phase_by_year``, exact when the years
  are independent, else the starting point), prerequisite patterns (``_phase_patterns``), the
  joint SLSQP over every (year, initiative) spend (``_phase_slsqp``) with its linear
  constraints, rounding repair, objective and gradient.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
from scipy import optimize as _opt

from ..priors import OwnerShifts
from ..schema import Portfolio
from .allocate import check_amount, format_amount, year_problem
from .explain import Reason, phase_reasons
from .model import OWNERS, AllocationError, PortfolioModel, portfolio_model, prerequisites_met
from .solvers import MAX_PREREQUISITE_CASES, YearProblem, slsqp, solve_mean
from .waterfilling import trim_excess

# --- multi-year phasing ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Phasing:
    """An allocation of every plan year's budget.

    Attributes
    ----------
    years : plan years 1..Y.
    budget : (Y,) the budget path (currency per year).
    available : (Y,) budget available each year: the year's budget plus the carried-over share
        of last year's unspent amount.
    spend : (Y, n) spend per initiative and year (currency per year).
    unspent : (Y,) available minus spent; ``carry_over * unspent[t]`` is added to year t+1.
    value_mean, value_p10 : (Y,) the portfolio's value per year over the trials.
    present_value : expected value summed over the years, discounted to the decision date at the
        portfolio's discount rate (year t's value at the end of year t); undiscounted if
        ``discount=False``.
    cumulative : names of the initiatives valued on cumulative spend.
    method : "water-filling" (years independent, exact), "SLSQP", or "year by year" (when the
        year-by-year solution beat every SLSQP pattern).
    reasons : per plan year, a :class:`~decision_kit.allocation.explain.Reason` per initiative:
        not active that year, prerequisite not funded, at its maximum, its owner's budget used
        up, at its minimum, or funded inside its bounds (no marginal values: the years are
        solved jointly).
    """

    years: np.ndarray
    budget: np.ndarray
    available: np.ndarray
    spend: np.ndarray = field(repr=False)
    unspent: np.ndarray = field(repr=False)
    value_mean: np.ndarray = field(repr=False)
    value_p10: np.ndarray = field(repr=False)
    present_value: float = 0.0
    carry_over: float = 0.0
    cumulative: tuple[str, ...] = ()
    initiatives: tuple[str, ...] = ()
    method: str = ""
    reasons: tuple[tuple[Reason, ...], ...] = field(default=(), repr=False)

    def reason_of(self, name: str, year: int) -> Reason:
        """Why initiative ``name`` gets what it gets in plan ``year`` (1-based)."""
        return self.reasons[year - 1][self.initiatives.index(name)]

    def reasons_frame(self):
        """One row per plan year and initiative: spend, reason code and text (pandas DataFrame)."""
        import pandas as pd

        rows = [(r.year, r.initiative, r.spend, r.code, r.text) for year in self.reasons for r in year]
        return pd.DataFrame(rows, columns=["year", "initiative", "spend", "code", "text"]).set_index(
            ["year", "initiative"]
        )

    def to_frame(self):
        """Spend by plan year (rows) and initiative (columns), with budget, available, unspent and value."""
        import pandas as pd

        df = pd.DataFrame(self.spend, index=pd.Index(self.years, name="year"), columns=list(self.initiatives))
        return df.assign(
            total_spend=self.spend.sum(1),
            budget=self.budget,
            available=self.available,
            unspent=self.unspent,
            value_mean=self.value_mean,
            value_p10=self.value_p10,
        )


def phase(
    portfolio: Portfolio,
    *,
    cumulative: Sequence[str] = (),
    owner_budgets: Mapping[str, Sequence[float]] | None = None,
    discount: bool = True,
    trials: int = 2000,
    seed: int = 0,
    shifts: Mapping[str, OwnerShifts] | None = None,
) -> Phasing:
    """Allocate every plan year's budget, maximising the present value of expected value.

    The model:

    - year ``t`` may spend ``available[t] = budget[t] + carry_over * unspent[t-1]``; owner
      budgets (if any) cap each owner's spend in each year and do not carry over;
    - an initiative spends only in its active ``years``, within ``[min_spend, max_spend]`` there;
    - a regular initiative's value in year ``t`` is the curve at that year's spend, and counts
      only in its active years;
    - an initiative named in ``cumulative`` (a platform) is valued on **cumulative** spend: its
      value in year ``t`` is the curve at the sum of its spend in years ``1..t``, and counts in
      every year from its first active year on (the platform keeps working after the build);
    - a prerequisite is met in year ``t`` when the prerequisite's spend that year (its cumulative
      spend, if it is cumulative) reaches ``requires.min_spend``. Each prerequisite-bearing
      initiative is either off in every year or on from one of its years onward (enumerated);
    - the objective is the sum over years of expected value, discounted at the portfolio's
      ``discount_rate`` with year t at the end of year t (``discount=False``: plain sum).

    Without carry-over or cumulative initiatives the years are independent and each is solved
    exactly by water-filling; otherwise by SLSQP from the year-by-year solution, for each
    prerequisite pattern, keeping the year-by-year solution itself if it is better.

    Parameters
    ----------
    portfolio, trials, seed, shifts : as in :func:`portfolio_model`.
    cumulative : names of platform-type initiatives (the schema has no field for this yet).
    owner_budgets : budget path per owner (currency per year, one entry per plan year). Default
        the portfolio's; ``{}`` applies none.
    discount : discount later years' value at the portfolio's rate.

    Raises
    ------
    AllocationError : budgets that cannot cover the minimum spends (even with carry-over),
        unknown initiatives or owners, too many prerequisite patterns, or a solver failure.
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    Y, n = model.active.shape
    cum = np.zeros(n, dtype=bool)
    for name in [cumulative] if isinstance(cumulative, str) else cumulative:
        cum[model.index(name)] = True
    budgets = np.array([check_amount(b, f"budget[{t}]") for t, b in enumerate(portfolio.budget)])
    caps = _phase_caps(model, owner_budgets)
    c = float(portfolio.carry_over)
    d = (1 + portfolio.discount_rate) ** -np.arange(1, Y + 1) if discount else np.ones(Y)
    lo = np.where(model.active, model.min_spend, 0.0)
    hi = np.where(model.active, np.minimum(model.max_spend, budgets.sum()), 0.0)
    owners = np.array(model.owners)
    for owner, path in caps.items():
        idx = owners == owner
        hi[:, idx] = np.minimum(hi[:, idx], path[:, None])
    hi = np.maximum(hi, lo)
    left = 0.0
    for t in range(Y):  # minimum spends must fit even with every earlier year at its minimum
        avail = budgets[t] + c * left
        for owner, path in caps.items():
            need = lo[t, owners == owner].sum()
            if need > path[t]:
                raise AllocationError(
                    f"the {owner} budget {format_amount(path[t])} in plan year {t + 1} is below the sum "
                    f"of minimum spends of its active initiatives, {format_amount(need)}"
                )
        if lo[t].sum() > avail:
            raise AllocationError(
                f"the budget available in plan year {t + 1}, {format_amount(avail)} (budget "
                f"{format_amount(budgets[t])} plus carry-over), is below the sum of minimum spends of "
                f"the initiatives active that year, {format_amount(lo[t].sum())}"
            )
        left = avail - lo[t].sum()
    value_years = model.active.copy()
    for i in np.flatnonzero(cum):
        first = np.flatnonzero(model.active[:, i])
        if first.size:
            value_years[first[0] :, i] = True
    setup = _Phase(model, lo, hi, value_years, cum, budgets, caps, c, d)
    if c == 0 and not cum.any():
        x, method = _phase_by_year(setup), "water-filling"
    elif budgets.sum() - lo.sum() <= 1e-9:  # under 1e-9 (currency) to allocate in the whole plan
        x, method = _phase_by_year(setup), "year by year"
    else:
        x, method = _phase_slsqp(setup)
    eff = np.where(cum, np.cumsum(x, axis=0), x)
    vals = np.empty((Y, model.trials))
    met = np.array([prerequisites_met(model.prerequisites, eff[t], n) for t in range(Y)])
    for t in range(Y):
        vals[t] = (value_years[t] & met[t]) @ model.curves_in(t).value_slope(eff[t])[0]
    avail, unspent, left = np.empty(Y), np.empty(Y), 0.0
    for t in range(Y):
        avail[t] = budgets[t] + c * left
        unspent[t] = left = avail[t] - x[t].sum()
    return Phasing(
        np.arange(1, Y + 1),
        budgets,
        avail,
        x,
        unspent,
        vals.mean(1),
        np.quantile(vals, 0.1, axis=1),
        float(d @ vals.mean(1)),
        c,
        tuple(np.array(model.names)[cum]),
        model.names,
        method,
        phase_reasons(model, x, eff, value_years, met, caps, avail),
    )


def _phase_caps(model, owner_budgets) -> dict:
    src = model.portfolio.owner_budgets if owner_budgets is None else owner_budgets
    caps = {}
    for owner, path in (src or {}).items():
        if owner not in OWNERS:
            raise AllocationError(f"owner_budgets names unknown owner '{owner}' (owners: {', '.join(OWNERS)})")
        path = np.atleast_1d(np.asarray(path, dtype=float))
        if path.shape != (model.years,):
            raise AllocationError(f"owner_budgets.{owner} needs one budget per plan year ({model.years})")
        caps[owner] = np.array([check_amount(v, f"owner_budgets.{owner}[{t}]") for t, v in enumerate(path)])
    return caps


@dataclass(frozen=True, eq=False)
class _Phase:
    model: PortfolioModel
    lo: np.ndarray
    hi: np.ndarray
    value_years: np.ndarray
    cum: np.ndarray
    budgets: np.ndarray
    caps: dict
    carry: float
    discount: np.ndarray


def _phase_by_year(ph: _Phase, pattern=None) -> np.ndarray:
    """Year-by-year water-filling, each year spending what is available after the last.

    Exact when years are independent (no carry-over, no cumulative initiatives). With a
    prerequisite ``pattern`` ``(lo, hi, live)`` it gives the starting point for SLSQP.
    """
    m = ph.model
    owners = np.array(m.owners)
    Y = ph.lo.shape[0]
    x, left = np.zeros_like(ph.lo), 0.0
    for t in range(Y):
        avail = ph.budgets[t] + ph.carry * left
        caps = {o: p[t] for o, p in ph.caps.items()}
        if pattern is None:
            prob = year_problem(m, t, avail, caps)
        else:
            lo, hi, live = (a[t] for a in pattern)
            groups = tuple((o, np.flatnonzero(owners == o), c) for o, c in caps.items())
            prob = YearProblem(lo, np.maximum(np.minimum(hi, avail), lo), live, avail, groups, (), m.unspent_value, t)
        x[t] = solve_mean(m.curves_in(t), prob).x
        left = avail - x[t].sum()
    return x


def _phase_patterns(ph: _Phase):
    """Prerequisite patterns: each dependent on in every one of its value years, or off in all."""
    m = ph.model
    deps = [(i, j, thr) for i, j, thr in m.prerequisites if thr > 0 and ph.value_years[:, i].any()]
    if 2 ** len(deps) > MAX_PREREQUISITE_CASES:
        raise AllocationError(
            f"{len(deps)} initiatives have prerequisites: too many on/off combinations "
            f"to enumerate (at most {int(math.log2(MAX_PREREQUISITE_CASES))})"
        )
    for bits in product((False, True), repeat=len(deps)):
        live = ph.value_years.copy()
        hi = ph.hi.copy()
        need = []  # (t, j, thr)
        for (i, j, thr), on in zip(deps, bits):
            if on:
                need += [(t, j, thr) for t in np.flatnonzero(live[:, i])]
            else:
                live[:, i] = False
                hi[:, i] = ph.lo[:, i]
        yield live, hi, need


def _phase_slsqp(ph: _Phase):
    """Joint multi-year optimum by SLSQP over every active (year, initiative) spend."""
    unit = ph.budgets.max() if ph.budgets.max() > 0 else 1.0
    best = None
    for live, hi, need in _phase_patterns(ph):
        best = _phase_pattern(ph, live, hi, need, unit, best)
    # The year-by-year optimum is feasible too, and may switch a dependent on in some years only,
    # which no pattern above does: keep it if it is better.
    x = _phase_by_year(ph)
    val = _phase_true_value(ph, x)
    if best is None or val > best[0] + 1e-12 * abs(best[0]):
        best = (val, x, "year by year")
    return best[1], best[2]


def _phase_pattern(ph: _Phase, live, hi, need, unit: float, best):
    """``best`` (value, allocation, how), or the SLSQP optimum of one on/off pattern if it is better.

    Value is present value of expected value (currency); ``unit`` is the spend SLSQP works in.
    """
    lo, rows, rhs = _pattern_thresholds(ph, need)
    free = hi > lo
    if np.any(lo > hi):
        return best
    a_ub, b_ub = _phase_constraints(ph, rows, rhs)
    fixed = np.where(free, 0.0, lo)
    a_free, b_free = a_ub[:, free.ravel()], b_ub - a_ub @ fixed.ravel()
    if not free.any():  # nothing to choose: the pattern's minimums are its only allocation
        if np.all(b_free >= -1e-9 * unit):
            val = _phase_true_value(ph, fixed)
            if best is None or val > best[0] + 1e-12 * abs(best[0]):
                best = (val, fixed, "SLSQP")
        return best
    bounds = list(zip(lo[free] / unit, hi[free] / unit))
    lp = _opt.linprog(np.zeros(int(free.sum())), A_ub=a_free, b_ub=b_free / unit, bounds=bounds, method="highs")
    if lp.status == 2:
        return best  # this pattern cannot be funded
    if lp.status != 0:
        raise AllocationError(f"phase: scipy.optimize linprog feasibility check failed: {lp.message}")
    start = _pattern_start(ph, (lo, hi, live), fixed, free, lp.x, (a_ub, b_ub), unit)
    v0, g0 = _phase_value(ph, start, live)
    scale = max(abs(v0), unit * float(np.max(np.abs(g0), initial=0.0)), 1e-300)

    def fun(z, fixed=fixed, free=free, live=live, scale=scale):
        x = fixed.copy()
        x[free] = z * unit
        v, g = _phase_value(ph, x, live)
        return -v / scale, -g[free] * unit / scale

    try:
        res = slsqp(fun, start[free] / unit, bounds, a_free, b_free / unit, "phase")
    except AllocationError:
        # a feasible set that is a single point or a thin sliver can defeat SLSQP's first
        # step from outside it: retry once from linprog's feasible point, else report
        res = slsqp(fun, lp.x, bounds, a_free, b_free / unit, "phase")
    x = fixed.copy()
    x[free] = np.clip(res.x * unit, lo[free], hi[free])
    x = _phase_repair(ph, x, lo, a_ub, b_ub)
    for cand, how in ((x, "SLSQP"), (start, "year by year")):  # the feasible start may be better
        if np.all(a_ub @ cand.ravel() <= b_ub + 1e-9 * unit):
            val = _phase_true_value(ph, cand)
            if best is None or val > best[0] + 1e-12 * abs(best[0]):
                best = (val, cand, how)
    return best


def _pattern_thresholds(ph: _Phase, need):
    """Lower bounds (Y, n) with same-year thresholds raised, and cumulative thresholds as rows ``-sum <= -thr``."""
    Y, n = ph.lo.shape
    lo = ph.lo.copy()
    rows, rhs = [], []
    for t, j, thr in need:
        if ph.cum[j]:
            r = np.zeros((Y, n))
            r[: t + 1, j] = -1.0
            rows.append(r)
            rhs.append(-thr)
        else:
            lo[t, j] = max(lo[t, j], thr)
    return lo, rows, rhs


def _pattern_start(ph: _Phase, bounds, fixed, free, lp_x, constraints, unit: float):
    """SLSQP's start (Y, n spend, currency per year): the year-by-year optimum if feasible, else linprog's point."""
    lo, hi, live = bounds
    a_ub, b_ub = constraints
    try:
        start = _phase_by_year(ph, (lo, hi, live))
    except AllocationError:
        start = fixed.copy()
        start[free] = lp_x * unit
    if np.any(a_ub @ start.ravel() > b_ub + 1e-9 * unit):
        start = fixed.copy()
        start[free] = lp_x * unit
    return start


def _phase_true_value(ph: _Phase, x) -> float:
    """Present value of expected value of a (Y, n) allocation, prerequisites judged on ``x``."""
    m = ph.model
    eff = np.where(ph.cum, np.cumsum(x, axis=0), x)
    live = np.array(
        [ph.value_years[t] & prerequisites_met(m.prerequisites, eff[t], x.shape[1]) for t in range(x.shape[0])]
    )
    return _phase_value(ph, x, live)[0]


def _phase_constraints(ph: _Phase, rows, rhs):
    """Linear constraints ``A vec(x) <= b`` over (Y, n) spend: carry-over budget, owner caps, thresholds.

    Carry-over: what is left at the end of year t is ``sum_{tau<=t} c^(t-tau) (budget_tau - S_tau)``,
    which must not be negative.
    """
    m = ph.model
    Y, n = ph.lo.shape
    owners = np.array(m.owners)
    for t in range(Y):
        r = np.zeros((Y, n))
        w = ph.carry ** (t - np.arange(t + 1))
        r[: t + 1] = w[:, None]
        rows.append(r)
        rhs.append(float(w @ ph.budgets[: t + 1]))
        for owner, path in ph.caps.items():
            r = np.zeros((Y, n))
            r[t, owners == owner] = 1.0
            rows.append(r)
            rhs.append(float(path[t]))
    return np.array([r.ravel() for r in rows]), np.array(rhs)


def _phase_repair(ph, x, lo, a_ub, b_ub):
    """Remove rounding excess over the budget and owner caps (year by year), then verify."""
    Y, n = x.shape
    owners = np.array(ph.model.owners)
    scale = ph.model.curves.s.mean(1)
    left = 0.0
    for t in range(Y):
        for owner, path in ph.caps.items():
            own = np.flatnonzero(owners == owner)
            trim_excess(x[t], lo[t], own, path[t], scale[own].sum())
        avail = ph.budgets[t] + ph.carry * left
        trim_excess(x[t], lo[t], np.arange(n), avail, scale.sum())
        left = avail - x[t].sum()
    viol = a_ub @ x.ravel() - b_ub
    if np.any(viol > 1e-6 * max(ph.budgets.max(), 1.0)):
        raise AllocationError(f"phase: SLSQP returned an allocation that breaks a constraint by {viol.max():,.2f}")
    return x


def _phase_value(ph: _Phase, x, live):
    """Present value of expected value over the years and its gradient (Y, n)."""
    eff = np.where(ph.cum, np.cumsum(x, axis=0), x)
    w = ph.discount[:, None] * live
    total, grad = 0.0, np.empty_like(x)
    for t in range(x.shape[0]):
        v, d = ph.model.curves_in(t).value_slope(eff[t])
        total += float(v.mean(1) @ w[t])
        grad[t] = d.mean(1) * w[t]
    grad = np.where(ph.cum, np.flip(np.cumsum(np.flip(grad, 0), 0), 0), grad)
    cost = ph.model.unspent_value  # net of spend: each year's spend, discounted like its value
    return total - cost * float(ph.discount @ x.sum(1)), grad - cost * ph.discount[:, None]
