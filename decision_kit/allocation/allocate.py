"""One plan year's optimal allocation: :func:`optimize` and its result, :class:`Allocation`.

What this module holds:

- :data:`OBJECTIVES` and the validating helpers that turn the arguments of a request into a
  plan-year ``YearProblem`` (``check_amount``, ``_owner_caps``, ``year_problem``,
  ``_check_objective``, and ``format_amount`` for amounts in messages);
  :mod:`~decision_kit.allocation.studies` and :mod:`~decision_kit.allocation.phasing` use the
  public ones too;
- :class:`Allocation`, the named result, with ``to_frame`` and ``to_series``, and why it is what
  it is (a reason per initiative, the budgets that bind, what "value" means: see
  :mod:`~decision_kit.allocation.explain`);
- :func:`optimize`, the public entry point, and ``optimize_model``, the same on a
  :class:`~decision_kit.allocation.model.PortfolioModel` already drawn (the studies call it
  once per budget or share, on the same draws).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..priors import OwnerShifts
from ..schema import Portfolio
from .explain import BudgetLimit, Reason, explain_year, unspent_text, value_statement
from .model import OWNERS, AllocationError, PortfolioModel, portfolio_model, prerequisites_met, year_index
from .solvers import YearProblem, objective_gradient, solve, value_stats

OBJECTIVES: tuple[str, ...] = ("mean", "mean_minus_std", "cvar")
"""Objectives of :func:`optimize`; see its docstring."""


# --- validating wrappers ---------------------------------------------------------------------


def check_amount(value, what: str) -> float:
    """``value`` as a float if it is a finite, non-negative amount (currency per year), else AllocationError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise AllocationError(f"{what} must be a finite number (currency per year), got {value!r}")
    if value < 0:
        raise AllocationError(f"{what} cannot be negative (got {value:,.2f})")
    return float(value)


def _owner_caps(model: PortfolioModel, t: int, owner_budgets) -> dict:
    p = model.portfolio
    if owner_budgets is None:
        if p.owner_budgets is None:
            return {}
        caps = {}
        for owner, path in p.owner_budgets.items():
            if len(path) != model.years:
                raise AllocationError(
                    f"owner_budgets.{owner} has {len(path)} entries but the plan has {model.years} years"
                )
            caps[owner] = check_amount(path[t], f"owner_budgets.{owner}[{t}]")
        return caps
    if not isinstance(owner_budgets, Mapping):
        raise AllocationError("owner_budgets must map owners to budgets (currency per year)")
    caps = {}
    for owner, cap in owner_budgets.items():
        if owner not in OWNERS:
            raise AllocationError(f"owner_budgets names unknown owner '{owner}' (owners: {', '.join(OWNERS)})")
        caps[owner] = check_amount(cap, f"owner budget of {owner}")
    return caps


def format_amount(x: float, other: float | None = None) -> str:
    """A readable amount; full precision when rounding would make it look equal to ``other``."""
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.6g}"
    if other is not None and text == (f"{other:,.0f}" if abs(other) >= 100 else f"{other:,.6g}"):
        return repr(float(x))
    return text


def year_problem(model: PortfolioModel, t: int, budget: float, caps: Mapping[str, float]) -> YearProblem:
    """The plan-year problem, with minimum spends checked against the budget and owner caps."""
    act = model.active[t]
    lo = np.where(act, model.min_spend, 0.0)
    hi = np.where(act, model.max_spend, 0.0)  # may be inf: the solvers clip to the budget
    owners = np.array(model.owners)
    groups = []
    for owner, cap in caps.items():
        idx = np.flatnonzero(owners == owner)
        need = lo[idx].sum()
        if need > cap:
            detail = ", ".join(f"{model.names[i]}: {format_amount(lo[i])}" for i in idx if lo[i] > 0)
            raise AllocationError(
                f"the {owner} budget {format_amount(cap, need)} in plan year {t + 1} is below the sum of "
                f"minimum spends of its active initiatives, {format_amount(need, cap)} ({detail})"
            )
        groups.append((owner, idx, cap))
    need = lo.sum()
    if need > budget:
        detail = ", ".join(f"{model.names[i]}: {format_amount(lo[i])}" for i in np.flatnonzero(lo > 0))
        raise AllocationError(
            f"the budget {format_amount(budget, need)} in plan year {t + 1} is below the sum of minimum "
            f"spends of the initiatives active that year, {format_amount(need, budget)} ({detail})"
        )
    hi = np.maximum(hi, lo)
    prereqs = tuple((i, j, thr) for i, j, thr in model.prerequisites if act[i] and thr > 0)
    return YearProblem(lo, hi, act.copy(), float(budget), tuple(groups), prereqs, model.unspent_value, t)


def _check_objective(objective, risk_aversion, cvar_level):
    if objective not in OBJECTIVES:
        raise AllocationError(f"unknown objective {objective!r} (choose one of {', '.join(OBJECTIVES)})")
    if objective == "mean":
        if risk_aversion not in (None, 0):
            raise AllocationError("risk_aversion applies only to the 'mean_minus_std' and 'cvar' objectives")
        aversion = 0.0
    else:
        aversion = 1.0 if risk_aversion is None else check_amount(risk_aversion, "risk_aversion")
        if objective == "cvar" and aversion > 1:
            raise AllocationError(f"for the cvar objective risk_aversion is a weight from 0 to 1, got {aversion}")
    if isinstance(cvar_level, bool) or not isinstance(cvar_level, numbers.Real) or not 0 < cvar_level <= 1:
        raise AllocationError(f"cvar_level must be in (0, 1], got {cvar_level!r}")
    return aversion, float(cvar_level)


# --- optimize --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Allocation:
    """An optimal allocation of one plan year's budget.

    Attributes
    ----------
    portfolio : the portfolio's name.
    year : plan year (1-based).
    budget : total budget of the year (currency per year).
    owner_budgets : the per-owner budgets applied (currency per year).
    objective, risk_aversion, cvar_level : what was maximised (see :func:`optimize`).
    trials, seed : Monte Carlo trials and seed of the curve draws.
    initiatives, owners : initiative names and owners, in file order.
    spend : read-only (n,) spend per initiative (currency per year).
    expected_value : read-only (n,) expected value per initiative (currency per year), zero where
        inactive or where the prerequisite is not funded.
    marginal : read-only (n,) expected value of one more unit spent on each initiative
        (currency of value per currency spent), zero where it earns nothing.
    prerequisite_met : read-only (n,) bool (True where there is no prerequisite).
    value_mean, value_std, value_p10, value_cvar : the portfolio's value per year over the
        trials: mean, standard deviation, 10th percentile and the mean of the worst
        ``cvar_level`` share of trials (currency per year).
    objective_value : the maximised objective (currency per year).
    marginal_value : net value of one more unit of total budget (the multiplier lambda, net of
        ``unspent_value``; 0 when the budget does not bind). For risk objectives, of the
        risk-adjusted objective.
    marginal_value_check : the same by re-solving, with the same prerequisites switched on, at
        ``budget + delta`` (forward difference, ``delta = 1e-4 budget``); NaN when not checked.
    owner_marginal : by owner with a budget: value of one more unit of that owner's budget *and*
        of the total (``lambda_o >= lambda``). ``lambda_o - lambda`` is the value of raising the
        owner's budget alone, shifting money from the other owners.
    method, solver_message : "water-filling" (exact) or "SLSQP", and its final message.
    currency : the portfolio's currency (money is in it, per plan year, nominal).
    reasons : a :class:`~decision_kit.allocation.explain.Reason` per initiative, in file order:
        why it gets what it gets (not active this year, prerequisite not funded, at its maximum or
        minimum, held at a dependent's threshold, its owner's budget used up, or funded to the
        total budget's marginal value).
    limits : a :class:`~decision_kit.allocation.explain.BudgetLimit` for the total budget, then
        each owner budget: amount, spend, shadow price and whether it binds.
    unspent_value : what a unit left unspent is worth (the portfolio's ``unspent_value``): the
        objective is value minus this times the spend, and marginal values are net of it (a
        marginal value of 0.15 means the next unit returns 1.15 where ``unspent_value`` is 1).
    fixed_cost : expected yearly cost that no allocation changes (currency per year): the
        shared pot's steering time where owners act by mechanism and the pot funds anything.
    owners_by_mechanism : whether the owners acted by mechanism (an organisation profile) or
        by round one's constants.
    """

    portfolio: str
    year: int
    budget: float
    owner_budgets: Mapping[str, float]
    objective: str
    risk_aversion: float
    cvar_level: float
    trials: int
    seed: int
    initiatives: tuple[str, ...]
    owners: tuple[str, ...]
    spend: np.ndarray = field(repr=False)
    expected_value: np.ndarray = field(repr=False)
    marginal: np.ndarray = field(repr=False)
    prerequisite_met: np.ndarray = field(repr=False)
    value_mean: float
    value_std: float
    value_p10: float
    value_cvar: float
    objective_value: float
    marginal_value: float
    marginal_value_check: float
    owner_marginal: Mapping[str, float]
    method: str
    solver_message: str
    currency: str = "USD"
    reasons: tuple[Reason, ...] = field(default=(), repr=False)
    limits: tuple[BudgetLimit, ...] = field(default=(), repr=False)
    unspent_value: float = 0.0
    fixed_cost: float = 0.0
    owners_by_mechanism: bool = False

    @property
    def net_value(self) -> float:
        """Expected value minus ``unspent_value`` times the spend, minus the fixed cost
        (currency per year): what the allocation adds over keeping the money."""
        return self.value_mean - self.unspent_value * self.total_spend - self.fixed_cost

    @property
    def total_spend(self) -> float:
        """Total spend (currency per year); at most :attr:`budget`."""
        return float(self.spend.sum())

    @property
    def unspent(self) -> float:
        """Budget left unspent because every initiative is at its maximum, its owner's budget
        binds, or (risk objectives) spending more would lower the objective."""
        return float(self.budget - self.spend.sum())

    @property
    def owner_spend(self) -> dict[str, float]:
        """Spend by owner (currency per year)."""
        own = np.array(self.owners)
        return {o: float(self.spend[own == o].sum()) for o in OWNERS if np.any(own == o)}

    def spend_of(self, name: str) -> float:
        """Spend of one initiative (currency per year)."""
        return float(self.spend[self.initiatives.index(name)])

    def reason_of(self, name: str) -> Reason:
        """Why initiative ``name`` gets what it gets."""
        return self.reasons[self.initiatives.index(name)]

    @property
    def binding(self) -> tuple[BudgetLimit, ...]:
        """The budgets that bind: used up, with one more unit of them adding value."""
        return tuple(b for b in self.limits if b.binds)

    @property
    def value_statement(self) -> str:
        """What "value" means here and in what unit, in words."""
        owners = (
            "each owner's mechanisms (realisation, start delay, integration rework) for the organisation profile"
            if self.owners_by_mechanism
            else "each owner's realisation and governance overhead (round one's constants)"
        )
        return value_statement(self.currency, self.trials, self.objective, self.unspent_value, owners)

    @property
    def unspent_reason(self) -> str:
        """Why budget is left unspent, in words; "" when the total budget is used up."""
        return unspent_text(self.limits, self.reasons, self.currency, self.objective, self.unspent_value)

    def reasons_frame(self):
        """One row per initiative: reason code, its text, the limit that holds it, its marginal
        value and the marginal value it is measured against (pandas DataFrame)."""
        import pandas as pd

        cols = ("code", "text", "spend", "limit", "marginal", "rival", "budget")
        return pd.DataFrame(
            [[getattr(r, c) for c in cols] for r in self.reasons],
            columns=list(cols),
            index=pd.Index(self.initiatives, name="initiative"),
        )

    def budgets_frame(self):
        """One row per budget (the total, then each owner's): amount, spent, left, shadow price,
        whether it binds and the text (pandas DataFrame)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "amount": [b.amount for b in self.limits],
                "spent": [b.spent for b in self.limits],
                "left": [b.left for b in self.limits],
                "marginal_value": [b.marginal_value for b in self.limits],
                "binds": [b.binds for b in self.limits],
                "text": [b.text for b in self.limits],
            },
            index=pd.Index([b.name for b in self.limits], name="budget"),
        )

    def to_frame(self):
        """One row per initiative: owner, spend, share of budget, expected value, marginal value,
        prerequisite met (pandas DataFrame indexed by initiative)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "owner": self.owners,
                "spend": self.spend,
                "share_of_budget": self.spend / self.budget if self.budget > 0 else np.nan,
                "expected_value": self.expected_value,
                "marginal_value": self.marginal,
                "prerequisite_met": self.prerequisite_met,
            },
            index=pd.Index(self.initiatives, name="initiative"),
        )

    def to_series(self):
        """The headline numbers as a pandas Series."""
        import pandas as pd

        out = {
            "budget": self.budget,
            "total_spend": self.total_spend,
            "unspent": self.unspent,
            "value_mean": self.value_mean,
            "value_std": self.value_std,
            "value_p10": self.value_p10,
            "value_cvar": self.value_cvar,
            "net_value": self.net_value,
            "objective_value": self.objective_value,
            "marginal_value": self.marginal_value,
            "marginal_value_check": self.marginal_value_check,
        }
        out.update({f"marginal_value_{o}": v for o, v in self.owner_marginal.items()})
        return pd.Series(out, name=f"{self.portfolio} year {self.year}")


def _readonly(a) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


def _allocation(model, t, prob, sol, objective, aversion, level, check) -> Allocation:
    cv = model.curves_in(t)
    x = sol.x
    met = prerequisites_met(model.prerequisites, x, cv.n)
    live = prob.live & met
    v, d = cv.value_slope(x)
    v, d = v * live[:, None], d * live[:, None]
    mean, sd, p10, cvar = value_stats(v.sum(0), level)
    lam = sol.lam if math.isfinite(sol.lam) or not math.isfinite(check) else check
    grad = objective_gradient(cv, x, live, objective, aversion, level, prob.cost)
    reasons, limits = explain_year(model, t, prob, x, grad, lam, sol.owner_lam, met)
    return Allocation(
        portfolio=model.portfolio.name,
        year=t + 1,
        budget=prob.budget,
        owner_budgets=MappingProxyType({o: c for o, _, c in prob.groups}),
        objective=objective,
        risk_aversion=aversion,
        cvar_level=level,
        trials=model.trials,
        seed=model.seed,
        initiatives=model.names,
        owners=model.owners,
        spend=_readonly(x),
        expected_value=_readonly(v.mean(1)),
        marginal=_readonly(d.mean(1)),
        prerequisite_met=_readonly(met),
        value_mean=mean,
        value_std=sd,
        value_p10=p10,
        value_cvar=cvar,
        objective_value=sol.value,
        marginal_value=lam,
        marginal_value_check=check,
        owner_marginal=MappingProxyType(dict(sol.owner_lam)),
        method=sol.method,
        solver_message=sol.message,
        currency=model.portfolio.currency,
        reasons=reasons,
        limits=limits,
        unspent_value=prob.cost,
        fixed_cost=model.fixed_cost(x),
        owners_by_mechanism=model.effects is not None,
    )


def optimize(
    portfolio: Portfolio,
    budget: float | None = None,
    *,
    year: int = 1,
    objective: str = "mean",
    risk_aversion: float | None = None,
    cvar_level: float = 0.1,
    owner_budgets: Mapping[str, float] | None = None,
    trials: int = 2000,
    seed: int = 0,
    shifts: Mapping[str, OwnerShifts] | None = None,
    check_marginal: bool = True,
) -> Allocation:
    """The allocation of one plan year's budget that maximises expected (or risk-adjusted) value.

    Maximises, over spend ``x_i`` (currency per year) of the initiatives active in ``year``,
    an objective of the value net of spend, ``V(x) - u sum x`` with ``u`` the portfolio's
    ``unspent_value`` (1 by default: a unit kept is worth a unit; 0: gross value):

    - ``"mean"``: expected value ``E[V(x)]`` (exact water-filling);
    - ``"mean_minus_std"``: ``E[V] - k std(V)`` with ``k = risk_aversion`` (default 1);
    - ``"cvar"``: ``E[V] - a (E[V] - CVaR(V))`` with ``a = risk_aversion`` in [0, 1] (default 1,
      pure CVaR), where ``CVaR`` is the mean of the worst ``cvar_level`` share of trials;

    where ``V`` is the portfolio's value per year (see the package docstring for the value
    model), subject to ``sum x <= budget``, ``min_spend <= x_i <= max_spend`` for active
    initiatives (inactive ones spend 0), ``sum of an owner's x <= its budget`` and the
    prerequisites (enumerated on/off). Risk objectives use SLSQP from the water-filling start;
    the mean-minus-std objective need not be concave, so its answer is a local optimum.

    Parameters
    ----------
    portfolio : the portfolio.
    budget : total budget (currency per year); default the portfolio's budget for ``year``.
    year : plan year, 1 .. number of budget entries.
    objective, risk_aversion, cvar_level : see above; ``risk_aversion`` is not allowed with "mean".
    owner_budgets : budget per owner (currency per year). Default: the portfolio's
        ``owner_budgets`` for ``year`` if any; ``{}`` applies none.
    trials, seed, shifts : see :func:`portfolio_model`.
    check_marginal : re-solve at ``budget + 1e-4 budget`` to check the marginal value.

    Returns
    -------
    Allocation

    Raises
    ------
    AllocationError : a negative budget, a budget (or owner budget) below the sum of minimum
        spends of the active initiatives, an unknown owner, bad arguments, or a solver failure.

    Examples
    --------
    Two initiatives with fixed curves and neutral owners share 300 a year. At the optimum both
    return the same value per extra unit, ``lambda``: ``crm`` spends ``150 ln(6 / lambda)`` and
    ``web`` spends ``300 / lambda - 50``, which add up to 300 at ``lambda = 1.7845``. The next
    unit of budget returns 1.7845 for a unit that would otherwise be kept: 0.7845 net of spend.

    >>> from decision_kit.schema import Portfolio
    >>> from decision_kit.priors import OwnerShifts
    >>> p = Portfolio.model_validate({"name": "demo", "budget": [300], "initiatives": {
    ...     "crm": {"owner": "marketing", "curve": {"form": "exp_saturation", "max_value": 900, "scale": 150}},
    ...     "web": {"owner": "it", "curve": {"form": "log", "max_value": 300, "scale": 50}}}})
    >>> r = optimize(p, trials=1, shifts={"marketing": OwnerShifts(), "it": OwnerShifts()})
    >>> r.spend.round(2).tolist(), round(r.marginal_value, 4), round(r.marginal_value_check, 4)
    ([181.89, 118.11], 0.7845, 0.7845)

    With 1,000 a year the budget is left over: each spends to where its next unit returns 1,
    ``150 ln 6`` and ``300 - 50``.

    >>> optimize(p, 1000, trials=1, shifts={"marketing": OwnerShifts(), "it": OwnerShifts()}).spend.round(2).tolist()
    [268.76, 250.0]
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    return optimize_model(model, budget, year, objective, risk_aversion, cvar_level, owner_budgets, check_marginal)


def optimize_model(model, budget, year, objective, risk_aversion, cvar_level, owner_budgets, check) -> Allocation:
    """The :class:`Allocation` of one plan year's budget (currency per year) on a drawn model.

    :func:`optimize` once its model is built; the studies call it on one model many times.
    """
    t = year_index(model.portfolio, year)
    aversion, level = _check_objective(objective, risk_aversion, cvar_level)
    budget = check_amount(model.portfolio.budget[t] if budget is None else budget, "budget")
    caps = _owner_caps(model, t, owner_budgets)
    prob = year_problem(model, t, budget, caps)
    sol = solve(model, prob, objective, aversion, level)
    fd = math.nan
    if check:
        delta = max(1e-4 * budget, 1e-6)
        up = solve(model, year_problem(model, t, budget + delta, caps), objective, aversion, level, sol.case)
        fd = (up.value - sol.value) / delta
    return _allocation(model, t, prob, sol, objective, aversion, level, fd)
