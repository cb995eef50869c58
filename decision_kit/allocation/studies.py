"""Studies made of many optimisations of one plan year, all on the same curve draws.

What this module holds:

- :func:`frontier` and its result :class:`Frontier`: optimal value against total budget;
- :func:`risk_frontier` and :class:`RiskFrontier`: value mean and spread against risk aversion;
- :func:`control_split` and :class:`ControlSplit`: marketing and IT each controlling a share of
  the budget, against the jointly optimised allocation; ``_best_responses`` lets each side
  re-plan for its own initiatives until no side changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..priors import OwnerShifts
from ..schema import Portfolio
from .allocate import Allocation, check_amount, format_amount, optimize_model, year_problem
from .model import MET_RTOL, OWNERS, AllocationError, PortfolioModel, portfolio_model, prerequisites_met, year_index
from .solvers import YearProblem, solve_mean

# --- frontiers -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Frontier:
    """Value against total budget for one plan year, with the allocation path.

    Attributes
    ----------
    budgets : (b,) total budgets (currency per year).
    value_mean, value_std, value_p10 : (b,) value per year at the optimum (currency per year).
    objective_value, marginal_value : (b,) the objective and its multiplier at each budget.
    spend : (b, n) optimal spend per initiative (currency per year).
    initiatives : initiative names (columns of ``spend``).
    objective, risk_aversion, year : as passed.
    """

    budgets: np.ndarray
    value_mean: np.ndarray
    value_std: np.ndarray
    value_p10: np.ndarray
    objective_value: np.ndarray
    marginal_value: np.ndarray
    spend: np.ndarray = field(repr=False)
    initiatives: tuple[str, ...] = ()
    objective: str = "mean"
    risk_aversion: float = 0.0
    year: int = 1

    def to_frame(self):
        """One row per budget: value mean, std, P10, objective, marginal value and spend by initiative."""
        import pandas as pd

        df = pd.DataFrame(
            {
                "value_mean": self.value_mean,
                "value_std": self.value_std,
                "value_p10": self.value_p10,
                "objective_value": self.objective_value,
                "marginal_value": self.marginal_value,
            },
            index=pd.Index(self.budgets, name="budget"),
        )
        return df.join(pd.DataFrame(self.spend, index=df.index, columns=[f"spend_{n}" for n in self.initiatives]))


def frontier(
    portfolio: Portfolio,
    budgets: Sequence[float],
    *,
    year: int = 1,
    objective: str = "mean",
    risk_aversion: float | None = None,
    cvar_level: float = 0.1,
    owner_budgets: Mapping[str, float] | None = None,
    trials: int = 2000,
    seed: int = 0,
    shifts: Mapping[str, OwnerShifts] | None = None,
) -> Frontier:
    """Optimal value (mean and P10) against total budget, with the allocation at each budget.

    All budgets use the same curve draws, so differences along the frontier are not Monte Carlo
    noise. Arguments as in :func:`optimize`; every budget must cover the minimum spends.
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    budgets = np.atleast_1d(np.asarray(budgets, dtype=float))
    if budgets.ndim != 1 or budgets.size == 0:
        raise AllocationError("budgets must be a non-empty list of numbers")
    rows = [
        optimize_model(model, float(b), year, objective, risk_aversion, cvar_level, owner_budgets, False)
        for b in budgets
    ]
    return Frontier(
        budgets,
        *(
            np.array([getattr(r, a) for r in rows])
            for a in ("value_mean", "value_std", "value_p10", "objective_value", "marginal_value")
        ),
        spend=np.array([r.spend for r in rows]),
        initiatives=model.names,
        objective=objective,
        risk_aversion=rows[0].risk_aversion,
        year=year,
    )


@dataclass(frozen=True, eq=False)
class RiskFrontier:
    """Value mean and spread against risk aversion for one budget.

    Attributes
    ----------
    risk_aversions : (k,) the values of ``risk_aversion``.
    value_mean, value_std, value_p10, objective_value : (k,) at each optimum (currency per year).
    spend : (k, n) the allocations (currency per year).
    """

    risk_aversions: np.ndarray
    value_mean: np.ndarray
    value_std: np.ndarray
    value_p10: np.ndarray
    objective_value: np.ndarray
    spend: np.ndarray = field(repr=False)
    initiatives: tuple[str, ...] = ()
    objective: str = "mean_minus_std"
    budget: float = 0.0
    year: int = 1

    def to_frame(self):
        """One row per risk aversion: value mean, std, P10, objective and spend by initiative."""
        import pandas as pd

        df = pd.DataFrame(
            {
                "value_mean": self.value_mean,
                "value_std": self.value_std,
                "value_p10": self.value_p10,
                "objective_value": self.objective_value,
            },
            index=pd.Index(self.risk_aversions, name="risk_aversion"),
        )
        return df.join(pd.DataFrame(self.spend, index=df.index, columns=[f"spend_{n}" for n in self.initiatives]))


def risk_frontier(
    portfolio: Portfolio,
    risk_aversions: Sequence[float],
    budget: float | None = None,
    *,
    year: int = 1,
    objective: str = "mean_minus_std",
    cvar_level: float = 0.1,
    owner_budgets: Mapping[str, float] | None = None,
    trials: int = 2000,
    seed: int = 0,
    shifts: Mapping[str, OwnerShifts] | None = None,
) -> RiskFrontier:
    """The trade-off between expected value and its spread as risk aversion rises.

    For each ``k`` in ``risk_aversions`` maximises ``E[V] - k std(V)`` (or, with
    ``objective="cvar"``, ``E[V] - k (E[V] - CVaR(V))``) at one budget; arguments as in
    :func:`optimize`.
    """
    if objective == "mean":
        raise AllocationError("risk_frontier needs a risk objective: 'mean_minus_std' or 'cvar'")
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    ks = np.atleast_1d(np.asarray(risk_aversions, dtype=float))
    if ks.ndim != 1 or ks.size == 0:
        raise AllocationError("risk_aversions must be a non-empty list of numbers")
    rows = [optimize_model(model, budget, year, objective, float(k), cvar_level, owner_budgets, False) for k in ks]
    return RiskFrontier(
        ks,
        *(np.array([getattr(r, a) for r in rows]) for a in ("value_mean", "value_std", "value_p10", "objective_value")),
        spend=np.array([r.spend for r in rows]),
        initiatives=model.names,
        objective=objective,
        budget=rows[0].budget,
        year=year,
    )


# --- who controls which share ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ControlSplit:
    """Marketing and IT each controlling a share of the budget, against joint optimisation.

    Attributes
    ----------
    shares : (k,) marketing's share ``s`` of the budget.
    budget, shared_pool : total budget and the joint pool for shared initiatives (currency per year).
    marketing_pool, it_pool : (k,) the pools each side controls: ``s (budget - shared_pool)`` and
        ``(1 - s) (budget - shared_pool)``.
    value_mean : (k,) expected value per year of the split allocation (NaN where infeasible).
    loss : (k,) expected value lost against the joint optimum (currency per year).
    unspent : (k,) budget a side could not use (its initiatives at their maximum).
    feasible : (k,) bool; False where a pool is below its side's minimum spends, or where the
        sides never settle (see ``status``).
    status : (k,) "ok", "infeasible: ..." or "unstable: ..." (prerequisites across sides in a
        cycle, so each side's best plan keeps changing the other's: no stable split exists).
    spend : (k, n) the split allocations (currency per year).
    joint : the jointly optimised allocation (no owner budgets).
    """

    shares: np.ndarray
    budget: float
    shared_pool: float
    marketing_pool: np.ndarray
    it_pool: np.ndarray
    value_mean: np.ndarray
    loss: np.ndarray
    unspent: np.ndarray
    feasible: np.ndarray
    status: tuple[str, ...] = ()
    spend: np.ndarray = field(repr=False, default=None)
    joint: Allocation = field(repr=False, default=None)
    initiatives: tuple[str, ...] = ()

    @property
    def best_share(self) -> float:
        """The marketing share with the least loss among those tried."""
        loss = np.where(self.feasible, self.loss, np.inf)
        return float(self.shares[int(np.argmin(loss))])

    def to_frame(self):
        """One row per share: pools, value, loss (absolute and as a share of the joint value), unspent."""
        import pandas as pd

        joint = self.joint.value_mean - self.joint.unspent_value * self.joint.total_spend  # net of spend
        return pd.DataFrame(
            {
                "marketing_pool": self.marketing_pool,
                "it_pool": self.it_pool,
                "shared_pool": self.shared_pool,
                "value_mean": self.value_mean,
                "loss": self.loss,
                "loss_share": self.loss / joint if joint else np.nan,
                "unspent": self.unspent,
                "feasible": self.feasible,
                "status": self.status,
            },
            index=pd.Index(self.shares, name="marketing_share"),
        )


def control_split(
    portfolio: Portfolio,
    budget: float | None = None,
    marketing_share=None,
    *,
    year: int = 1,
    shared_pool: float | None = None,
    trials: int = 2000,
    seed: int = 0,
    shifts: Mapping[str, OwnerShifts] | None = None,
) -> ControlSplit:
    """Expected value lost when marketing and IT each optimise only their own initiatives.

    The model (expected-value objective throughout):

    - **shared initiatives** are funded from a joint pool decided together. By default the pool
      is what the joint optimum spends on them (``shared_pool`` overrides it), and both sides
      pay into it in proportion to their shares;
    - **marketing** controls ``s (budget - shared_pool)`` and **IT** the rest; each maximises the
      expected value of its own initiatives only, within its pool. A prerequisite held by another
      side counts as met only if that side funds it for its own reasons; sides respond to each
      other until nothing changes;
    - the **joint** optimum maximises the value of all initiatives with one budget and no owner
      budgets. The loss is joint value minus split value. With no prerequisites across sides
      the loss is zero at the share matching the joint optimum's marketing : IT spend.

    Parameters
    ----------
    portfolio, budget, year, trials, seed, shifts : as in :func:`optimize`.
    marketing_share : a share in [0, 1] or a list of them; default 0, 0.1, .. 1.
    shared_pool : the joint pool (currency per year); default the joint optimum's shared spend.

    Returns
    -------
    ControlSplit ; shares where a pool cannot cover its side's minimum spends, or where the
    sides never settle, are marked in ``status`` (value NaN), never reported as a result.
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    t = year_index(portfolio, year)
    budget = check_amount(portfolio.budget[t] if budget is None else budget, "budget")
    shares = np.atleast_1d(
        np.linspace(0, 1, 11) if marketing_share is None else np.asarray(marketing_share, dtype=float)
    )
    if shares.ndim != 1 or np.any(~np.isfinite(shares)) or np.any((shares < 0) | (shares > 1)):
        raise AllocationError("marketing_share must be a share from 0 to 1 (or a list of them)")
    joint = optimize_model(model, budget, year, "mean", None, 0.1, {}, False)
    owners = np.array(model.owners)
    cols = {o: np.flatnonzero(owners == o) for o in OWNERS}
    pool = float(joint.spend[cols["shared"]].sum()) if shared_pool is None else check_amount(shared_pool, "shared_pool")
    if pool > budget:
        raise AllocationError(f"shared_pool {format_amount(pool)} exceeds the budget {format_amount(budget)}")
    base = year_problem(model, t, budget, {})
    need_shared = base.lo[cols["shared"]].sum()
    if need_shared > pool * (1 + 1e-12):
        raise AllocationError(
            f"shared_pool {format_amount(pool)} is below the minimum spends of the shared "
            f"initiatives, {format_amount(need_shared)}"
        )
    rest = budget - pool
    out = {k: [] for k in ("mkt", "it", "value", "unspent", "status", "spend")}
    for s in shares:
        pools = {"shared": pool, "it": (1 - s) * rest, "marketing": s * rest}
        short = [o for o in ("marketing", "it") if base.lo[cols[o]].sum() > pools[o]]
        out["mkt"].append(pools["marketing"])
        out["it"].append(pools["it"])
        x = None if short else _best_responses(model, base, cols, pools)
        if x is None:
            out["status"].append(
                f"infeasible: the {short[0]} pool is below its minimum spends"
                if short
                else "unstable: prerequisites across sides form a cycle; no plan settles"
            )
            out["value"].append(math.nan)
            out["unspent"].append(math.nan)
            out["spend"].append(np.full(model.curves.n, math.nan))
            continue
        out["status"].append("ok")
        live = base.live & prerequisites_met(model.prerequisites, x, x.size)
        gross = float(model.curves_in(t).value_slope(x)[0].mean(1) @ live)
        out["value"].append(gross - base.cost * float(x.sum()))
        out["unspent"].append(float(budget - x.sum()))
        out["spend"].append(x)
    value = np.array(out["value"])
    status = tuple(out["status"])
    return ControlSplit(
        shares,
        budget,
        pool,
        np.array(out["mkt"]),
        np.array(out["it"]),
        value,
        joint.value_mean - joint.unspent_value * joint.total_spend - value,
        np.array(out["unspent"]),
        np.array([s == "ok" for s in status]),
        status,
        np.array(out["spend"]),
        joint,
        model.names,
    )


def _best_responses(model: PortfolioModel, base: YearProblem, cols, pools) -> np.ndarray | None:
    """Each side maximises its own initiatives' expected value in its pool, given the others',
    until no side changes its plan (at most 20 rounds; None if they never settle)."""
    x = base.lo.copy()
    for _ in range(20):
        before = x.copy()
        for owner in ("shared", "it", "marketing"):
            idx = cols[owner]
            if idx.size == 0:
                continue
            where = {int(c): k for k, c in enumerate(idx)}
            lo, hi, live = base.lo[idx].copy(), np.minimum(base.hi[idx], pools[owner]), base.live[idx].copy()
            inner = []
            for i, j, thr in base.prereqs:
                if i not in where:
                    continue
                if j in where:
                    inner.append((where[i], where[j], thr))
                elif x[j] < thr * (1 - MET_RTOL):
                    live[where[i]] = False
                    hi[where[i]] = lo[where[i]]
            sub = YearProblem(lo, np.maximum(hi, lo), live, pools[owner], (), tuple(inner), base.cost, base.t)
            x[idx] = solve_mean(model.curves_in(base.t).take(idx), sub).x
        if np.allclose(x, before, rtol=1e-9, atol=1e-12):
            return x
    return None  # the sides' plans keep changing each other: no stable split
