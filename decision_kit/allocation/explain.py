"""Why an allocation is what it is: a reason per initiative and the budgets that bind.

What this module holds:

- :data:`REASONS`, the reason codes with their meaning in words;
- :class:`Reason`, one initiative's reason in one plan year, and :class:`BudgetLimit`, one
  budget (the total or an owner's pot) with its use and its marginal value (shadow price);
- :func:`explain_year`, which reads both off an optimum from its constraints: which bounds,
  thresholds and budgets are met with equality, and the multipliers of the budgets (the
  water-filling ``lambda``, or the KKT multipliers of SLSQP's optimum);
- :func:`value_statement`, what "value" means and in what unit.

Money is in the portfolio's currency per plan year, nominal; marginal values are currency of
value per year per extra unit of currency spent that year. The texts are plain words for a
reader (initiative names with spaces, money in three significant figures); programs read the
codes and the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..formatting import compact
from .solvers import YearProblem

REASONS: dict[str, str] = {
    "inactive": "not active this plan year",
    "prerequisite": "its prerequisite is not funded, so it earns nothing",
    "at_maximum": "at its maximum spend",
    "threshold": "held at the spend another initiative needs from it",
    "unprofitable": "at its minimum spend (zero where it has none): its next unit returns less than it costs",
    "at_minimum": "at its minimum spend (zero where it has none): the budget earns more elsewhere",
    "pot_exhausted": "its owner's budget is used up",
    "balanced": "funded until its next unit returns what the total budget's next unit returns",
}
"""Reason codes, in the order they are tested, and what each means."""

OWNER_WORDS = {"marketing": "marketing", "it": "IT", "shared": "shared"}
"""Owners as a reader writes them."""


def words(name: str) -> str:
    """An initiative's name as a reader writes it: ``'customer data platform'``."""
    return name.replace("_", " ")


def value_statement(currency: str, trials: int, objective: str = "mean", unspent_value: float = 0.0,
                    owners: str = "each owner's realisation and governance overhead") -> str:  # fmt: skip
    """What "value" means and in what unit, in one paragraph."""
    text = (
        f"Value is what each initiative's spend-response curve says a year's spend on it buys "
        f"(the gain the portfolio's curves measure, e.g. gross profit or avoided cost), against "
        f"spending nothing on it, in {currency} per plan year, nominal and undiscounted, after "
        f"{owners}, averaged over {trials:,} trials. An initiative's marginal value is gross of "
        f"the spend: 1.15 means its next {currency} returns 1.15 {currency} of value a year, "
        f"0.15 more than it costs."
    )
    if unspent_value > 0:
        text += (
            f" The allocation maximises value net of spend: a {currency} left unspent is worth "
            f"{unspent_value:g} {currency}, so no initiative is funded past the point where its next "
            f"{currency} returns less than that, and a budget's marginal value is net of it."
        )
    else:
        text += " The allocation maximises gross value: it spends the budget while any initiative gains at all."
    if objective != "mean":
        text += (
            f" Marginal values here are of the risk-adjusted objective ({objective}), which counts "
            "spread against the expected value."
        )
    return text


@dataclass(frozen=True)
class Reason:
    """Why one initiative gets what it gets in one plan year.

    Attributes
    ----------
    initiative, owner : the initiative and its owner.
    year : plan year (1-based).
    code : one of :data:`REASONS`.
    spend : its spend (currency per year).
    limit : the bound, threshold or budget that holds it (currency per year); NaN for none.
    marginal : the objective's gain from one more unit spent on it (currency per currency; 0
        where it earns nothing).
    rival : the marginal value it is measured against: that of its owner's budget where that
        binds, else that of the total budget.
    budget : the budget whose marginal value is ``rival`` ("total budget", "shared budget").
    text : the reason in words.
    """

    initiative: str
    owner: str
    year: int
    code: str
    spend: float
    limit: float
    marginal: float
    rival: float
    budget: str
    text: str

    @property
    def bounded(self) -> bool:
        """True unless the initiative is funded inside its bounds at the total budget's marginal value."""
        return self.code != "balanced"


@dataclass(frozen=True)
class BudgetLimit:
    """One budget of a plan year: the total or an owner's pot.

    Attributes
    ----------
    name : "total budget", "marketing budget", "IT budget" or "shared budget".
    owner : the owner, or "" for the total.
    year : plan year (1-based).
    amount, spent : the budget and what the allocation spends of it (currency per year).
    marginal_value : its shadow price: expected value per year added by one more unit of this
        budget alone, every other budget unchanged (currency per currency). For a pot, raising
        the total as well adds ``marginal_value`` plus the total's.
    binds : True when the budget is used up and one more unit of it would add value.
    text : the budget in words.
    """

    name: str
    owner: str
    year: int
    amount: float
    spent: float
    marginal_value: float
    binds: bool
    text: str

    @property
    def left(self) -> float:
        """Budget left unspent (currency per year)."""
        return self.amount - self.spent


def _rate(g: float, currency: str) -> str:
    """A marginal value in words: ``'1.15 USD'``."""
    if not math.isfinite(g) or g > 1e3:
        return f"more than 1,000 {currency}"
    return f"{max(g, 0.0):.2f} {currency}"


def _money(x: float, currency: str) -> str:
    return f"{compact(x)} {currency}"


def _plan_years(years: Sequence[int]) -> str:
    if not years:
        return "no plan year"
    if len(years) == 1:
        return f"plan year {years[0]}"
    return "plan years " + ", ".join(map(str, years[:-1])) + f" and {years[-1]}"


@dataclass(frozen=True)
class _Context:
    """What every reason of one plan year reads."""

    names: tuple[str, ...]
    owners: tuple[str, ...]
    t: int
    start_year: int
    currency: str
    tol: np.ndarray
    lam: float
    pot_lam: dict  # owner -> multiplier of the owner's budget where it binds (above lam)
    cost: float = 0.0  # what a unit left unspent is worth; multipliers above are net of it

    def rival(self, i: int) -> tuple[float, str]:
        """The gross marginal value an initiative is measured against, and whose budget it is."""
        owner = self.owners[i]
        if owner in self.pot_lam:
            return self.pot_lam[owner] + self.cost, f"{OWNER_WORDS[owner]} budget"
        return self.lam + self.cost, "total budget"

    @property
    def slack(self) -> bool:
        """Whether money is left unspent because it is worth more kept (net of spend, budget not binding)."""
        return self.cost > 0 and self.lam <= 0


def _lower_text(ctx: _Context, i: int, x: float, lo: float, g: float) -> tuple[str, str, float, str]:
    """Code, text, rival and its budget for an initiative at its minimum (or at zero)."""
    cur = ctx.currency
    rival, where = ctx.rival(i)
    head = "gets nothing" if lo <= 0 else f"held at its minimum of {_money(lo, cur)}"
    first = "first" if x <= ctx.tol[i] else "next"
    if where != "total budget":
        text = (
            f"{head}: the {where} is used up, and its {first} {cur} returns {_rate(g, cur)}, less than "
            f"the {_rate(rival, cur)} on the {where}'s other initiatives"
        )
        return "pot_exhausted", text, rival, where
    if ctx.slack:
        text = f"{head}: its {first} {cur} returns {_rate(g, cur)}, less than the {_rate(ctx.cost, cur)} it costs"
        return "unprofitable", text, rival, where
    if rival <= 0:
        return "at_minimum", f"{head}: more spend on it adds no value", rival, where
    text = (
        f"{head}: its {first} {cur} returns {_rate(g, cur)}, less than the {_rate(rival, cur)} "
        f"of the total budget's next {cur}"
    )
    return "at_minimum", text, rival, where


def _reason(ctx: _Context, i: int, prob: YearProblem, x, met, grad, active_years, prereqs) -> Reason:
    """The reason of initiative ``i`` (tested in the order of :data:`REASONS`)."""
    cur, name, year = ctx.currency, ctx.names[i], ctx.t + 1
    lo, hi, xi, g = float(prob.lo[i]), float(prob.hi[i]), float(x[i]), float(grad[i]) + ctx.cost
    rival, where = ctx.rival(i)
    limit = math.nan
    if not prob.live[i]:
        code = "inactive"
        text = f"not active in plan year {year} ({ctx.start_year + ctx.t}); it runs in {_plan_years(active_years)}"
    elif not met[i]:
        _, j, thr = next(p for p in prereqs if p[0] == i)
        code, limit = "prerequisite", thr
        text = (
            f"earns nothing: it needs at least {_money(thr, cur)} a year on {words(ctx.names[j])}, which gets "
            f"{_money(float(x[j]), cur)}" + ("" if xi <= ctx.tol[i] else "; it still spends its minimum")
        )
    elif math.isfinite(hi) and xi >= hi - ctx.tol[i]:
        code, limit = "at_maximum", hi
        text = f"at its maximum of {_money(hi, cur)}; its next {cur} would still return {_rate(g, cur)}"
    elif (dep := _held_for(i, xi, lo, g, rival, ctx, prereqs, met & prob.live)) is not None:
        code, limit = "threshold", dep[1]
        text = (
            f"held at {_money(dep[1], cur)}, the least {words(ctx.names[dep[0]])} needs from it; "
            f"its own next {cur} returns {_rate(g, cur)}"
        )
    elif xi <= lo + ctx.tol[i]:
        code, text, rival, where = _lower_text(ctx, i, xi, lo, g)
        limit = lo
    elif where != "total budget":
        code, limit = "pot_exhausted", math.nan
        text = f"limited by the {where}, which is used up: its next {cur} returns {_rate(g, cur)}"
    else:
        code = "balanced"
        if ctx.slack:
            text = f"funded until its next {cur} returns {_rate(g, cur)}, what it costs"
        elif rival > 0:
            text = f"funded until its next {cur} returns {_rate(g, cur)}, the total budget's marginal value"
        else:
            text = "funded until more spend on it adds almost nothing"
    return Reason(name, ctx.owners[i], year, code, xi, float(limit), g, float(rival), where, text)


def _held_for(j, xj, lo, g, rival, ctx, prereqs, met):
    """``(dependent, threshold)`` when ``j`` sits at an earning dependent's threshold above its own
    minimum and would get less on its own merits (its marginal value below the rival's)."""
    for i, jj, thr in prereqs:
        if jj == j and met[i] and thr > lo + ctx.tol[j] and abs(xj - thr) <= ctx.tol[j] and g < rival * (1 - 1e-6):
            return i, thr
    return None


def explain_year(model, t: int, prob: YearProblem, x, grad, lam: float, owner_lam, met) -> tuple:
    """Reasons and budget limits of one plan year's optimum.

    Parameters
    ----------
    model : the :class:`~decision_kit.allocation.model.PortfolioModel`.
    t : plan year index (0-based).
    prob : the plan year's problem (bounds, budget, owner caps, prerequisites).
    x : (n,) the optimal spends (currency per year).
    grad : (n,) the objective's gain per extra unit spent on each initiative, net of
        ``prob.cost`` (``-prob.cost`` where it earns nothing).
    lam, owner_lam : the total budget's multiplier and each capped owner's (``>= lam``), net
        of ``prob.cost``. Reasons report marginal values gross (``grad + prob.cost``).
    met : (n,) whether each initiative's prerequisite is funded.

    Returns
    -------
    (reasons, limits) : a :class:`Reason` per initiative and a :class:`BudgetLimit` for the
    total and for each owner budget, with a budget binding when it is used up and its shadow
    price is positive.
    """
    cur = model.portfolio.currency
    x = np.asarray(x, dtype=float)
    lam = float(lam) if math.isfinite(lam) else 0.0
    scale = max(prob.budget, 1.0)
    tol = 1e-6 * np.maximum(1.0, np.minimum(prob.hi, scale) - prob.lo)
    pot_lam = {o: float(owner_lam[o]) for o, _, _ in prob.groups if owner_lam.get(o, lam) > lam * (1 + 1e-9) + 1e-12}
    ctx = _Context(model.names, model.owners, t, model.portfolio.start_year, cur, tol, lam, pot_lam, prob.cost)
    active_years = [list(np.flatnonzero(model.active[:, i]) + 1) for i in range(len(model.names))]
    reasons = tuple(
        _reason(ctx, i, prob, x, met, grad, active_years[i], model.prerequisites) for i in range(len(model.names))
    )
    limits = [_total_limit(prob, x, lam, t, cur)]
    for owner, idx, cap in prob.groups:
        shadow = float(owner_lam.get(owner, lam)) - lam
        limits.append(_pot_limit(owner, idx, cap, x, shadow, lam, t, cur, reasons, prob.cost))
    return reasons, tuple(limits)


def _used(amount: float, spent: float) -> bool:
    return amount - spent <= 1e-7 * max(amount, 1.0)


def _total_limit(prob: YearProblem, x, lam: float, t: int, cur: str) -> BudgetLimit:
    spent = float(x.sum())
    head = f"total budget {_money(prob.budget, cur)}"
    if _used(prob.budget, spent) and lam > 0:
        net = " net of its cost" if prob.cost > 0 else ""
        text = f"{head}: used up; one more {cur} of it adds {_rate(lam, cur)} of value a year{net}"
    elif _used(prob.budget, spent):
        why = (
            "the owner budgets add up to it"
            if prob.groups and sum(c for _, _, c in prob.groups) <= prob.budget * (1 + 1e-9)
            else "every initiative is at a limit"
        )
        text = f"{head}: used up, but {why}, so one more {cur} of the total alone adds nothing"
    elif prob.cost > 0:
        text = (
            f"{head}: {_money(prob.budget - spent, cur)} left unspent, because no initiative's next {cur} "
            f"returns its cost of {_rate(prob.cost, cur)}; one more {cur} of it adds nothing"
        )
    else:
        text = f"{head}: {_money(prob.budget - spent, cur)} left unspent, so one more {cur} of it adds nothing"
    return BudgetLimit("total budget", "", t + 1, prob.budget, spent, lam, _used(prob.budget, spent) and lam > 0, text)


def _pot_limit(owner, idx, cap, x, shadow, lam, t, cur, reasons, cost=0.0) -> BudgetLimit:
    name = f"{OWNER_WORDS[owner]} budget"
    spent = float(x[idx].sum())
    shadow = max(float(shadow), 0.0) if math.isfinite(shadow) else 0.0
    head = f"{name} {_money(cap, cur)}"
    if _used(cap, spent) and shadow > 0:
        text = f"{head}: used up; one more {cur} in it adds {_rate(shadow + lam, cur)} of value a year"
        if lam > 0:
            text += f" ({_rate(shadow, cur)} if taken from another budget)"
    else:
        held = [reasons[i] for i in idx if reasons[i].code in ("inactive", "prerequisite", "at_maximum")]
        left = "used up" if _used(cap, spent) else f"{_money(cap - spent, cur)} left"
        if len(held) == len(idx):
            text = f"{head}: {left}, but its initiatives are at their maximum, inactive or waiting for a prerequisite"
        elif lam > 0:
            text = f"{head}: {left}; the total budget binds first"
        elif cost > 0:
            text = f"{head}: {left}; no next {cur} of its initiatives returns its cost"
        else:
            text = f"{head}: {left}; more spend on its initiatives adds no value"
        shadow = 0.0
    return BudgetLimit(name, owner, t + 1, float(cap), spent, shadow, shadow > 0, text)


def unspent_text(
    limits: Sequence[BudgetLimit], reasons: Sequence[Reason], cur: str, objective: str, unspent_value: float = 0.0
) -> str:
    """Why budget is left unspent, in words ("" when the total budget is used up)."""
    total = limits[0]
    if _used(total.amount, total.spent):
        return ""
    out = f"{_money(total.left, cur)} of the total budget is left unspent"
    slack = [b for b in limits[1:] if not _used(b.amount, b.spent)]
    parts = []
    for b in slack:
        mine = [r for r in reasons if r.owner == b.owner]
        held = "; ".join(f"{words(r.initiative)} {REASONS[r.code]}" for r in mine if r.code != "balanced")
        idle = (
            f"its initiatives' next {cur} returns less than it costs"
            if unspent_value > 0
            else "its initiatives gain nothing more"
        )
        parts.append(f"the {b.name} has {_money(b.left, cur)} left ({held or idle})")
    if not limits[1:]:
        if objective != "mean":
            parts.append("spending more would lower the risk-adjusted objective")
        elif unspent_value > 0 and any(r.code in ("balanced", "unprofitable") for r in reasons):
            parts.append(f"no initiative's next {cur} returns its cost, so the money is worth more kept")
        else:
            parts.append("every initiative is at its maximum, inactive or waiting for a prerequisite")
    text = "; ".join(parts)
    binding = [f"the {b.name} (one more {cur} adds {_rate(b.marginal_value, cur)})" for b in limits[1:] if b.binds]
    if binding:
        text += f"{', ' if text else ''}while {' and '.join(binding)} {'binds' if len(binding) == 1 else 'bind'}"
    return out + (f": {text}" if text else "")


def phase_reasons(model, x, eff, value_years, met, caps: dict, available) -> tuple[tuple[Reason, ...], ...]:
    """A :class:`Reason` per plan year and initiative of a multi-year allocation, read off its
    constraints: not active that year, prerequisite not funded that year, at its maximum, its
    owner's budget used up that year, at its minimum, or funded inside its bounds ("balanced").

    The years are solved jointly (carry-over, cumulative platforms), so no per-year multiplier is
    read: ``marginal`` and ``rival`` are NaN and the texts give the bounds and budgets only.

    Parameters
    ----------
    model : the :class:`~decision_kit.allocation.model.PortfolioModel`.
    x : (Y, n) spend (currency per year).
    eff : (Y, n) the spend each year's value and prerequisites are judged on (cumulative for platforms).
    value_years : (Y, n) bool, the years each initiative's value counts.
    met : (Y, n) bool, whether each initiative's prerequisite is funded that year.
    caps : owner -> (Y,) owner budget path (currency per year).
    available : (Y,) budget available each year, carry-over included (currency per year).
    """
    owners = np.array(model.owners)
    out = []
    for t in range(x.shape[0]):
        lo = np.where(model.active[t], model.min_spend, 0.0)
        tol = 1e-6 * np.maximum(1.0, np.minimum(model.max_spend, max(available[t], 1.0)) - lo)
        used = {o: _used(float(p[t]), float(x[t, owners == o].sum())) for o, p in caps.items()}
        out.append(
            tuple(_phase_reason(model, t, i, x, eff, lo, tol, value_years, met, used) for i in range(x.shape[1]))
        )
    return tuple(out)


def _phase_reason(model, t, i, x, eff, lo, tol, value_years, met, used) -> Reason:
    cur = model.portfolio.currency
    name, owner, xi, hi = model.names[i], model.owners[i], float(x[t, i]), float(model.max_spend[i])
    active_years = list(np.flatnonzero(model.active[:, i]) + 1)
    limit, where = math.nan, ""
    if not model.active[t, i]:
        code = "inactive"
        text = f"not active in plan year {t + 1} ({model.portfolio.start_year + t})"
        text += f"; it runs in {_plan_years(active_years)}"
        if value_years[t, i]:
            text += "; its earlier spend keeps earning"
    elif value_years[t, i] and not met[t, i]:
        _, j, thr = next(p for p in model.prerequisites if p[0] == i)
        code, limit = "prerequisite", thr
        text = (
            f"earns nothing: it needs at least {_money(thr, cur)} on {words(model.names[j])}, "
            f"which reaches {_money(float(eff[t, j]), cur)}"
        )
    elif math.isfinite(hi) and xi >= hi - tol[i]:
        code, limit = "at_maximum", hi
        text = f"at its maximum of {_money(hi, cur)}"
    elif used.get(owner, False):
        code, where = "pot_exhausted", f"{OWNER_WORDS[owner]} budget"
        text = (
            f"gets nothing: the {where} is used up this year"
            if xi <= tol[i]
            else f"limited by the {where}, used up this year"
        )
    elif xi <= lo[i] + tol[i]:
        code, limit = "at_minimum", float(lo[i])
        text = "gets nothing" if lo[i] <= 0 else f"held at its minimum of {_money(float(lo[i]), cur)}"
        text += ": the plan earns more elsewhere"
    else:
        code, text = "balanced", "funded inside its bounds"
    return Reason(name, owner, t + 1, code, xi, float(limit), math.nan, math.nan, where, text)
