"""Thresholds: the input value at which two cells break even, and the year one overtakes another.

:func:`break_even` finds where two cells' expected NPV are equal as one input varies (grid
scan, then :func:`scipy.optimize.brentq`) and returns a :class:`BreakEven`;
:func:`crossover_year` reads the first year one cell's mean cumulative cost overtakes
another's from a simulation result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import engine
from ..errors import ScenarioError
from ..formatting import money, quantity
from ..sampling import as_seed
from ..schema import Scenario
from ..simulation import evaluate
from .cells import affects, cell_scenario
from .checks import check_cell, check_input, check_int, check_scenario

__all__ = ["BreakEven", "break_even", "crossover_year"]


@dataclass(frozen=True)
class BreakEven:
    """Where two cells have equal expected NPV as one input varies.

    Attributes
    ----------
    input : the input's path; ``value`` the break-even value (the input's own unit), the lowest
        if the gap changes sign more than once (all are in ``crossings``).
    cell_a, cell_b : the two (option, owner) cells.
    a_better_above : whether ``cell_a`` has the higher expected NPV just above ``value``.
    bounds : the range searched. ``trials`` 0 means the deterministic base case; otherwise the
        Monte Carlo trials (common random numbers, ``seed``) behind each expected NPV.
    function_calls : evaluations of the NPV gap (grid scan and root finding).
    """

    input: str
    value: float
    cell_a: tuple[str, str]
    cell_b: tuple[str, str]
    a_better_above: bool
    crossings: tuple[float, ...]
    bounds: tuple[float, float]
    trials: int
    seed: int
    function_calls: int

    def __float__(self) -> float:
        return self.value

    def describe(self) -> str:
        """One plain-language line."""
        a, b = "/".join(self.cell_a), "/".join(self.cell_b)
        above, below = (a, b) if self.a_better_above else (b, a)
        how = (
            "in the base case"
            if self.trials == 0
            else f"in expected NPV over {self.trials:,} trials (seed {self.seed})"
        )
        text = (
            f"{above} beats {below} {how} when {self.input} is above {quantity(self.value)}, "
            f"and {below} is ahead below it "
            f"(searched {quantity(self.bounds[0])} to {quantity(self.bounds[1])})"
        )
        if len(self.crossings) > 1:
            text += "; the lead changes again at " + ", ".join(quantity(x) for x in self.crossings[1:])
        return text + "."

    def to_series(self):
        import pandas as pd

        return pd.Series(
            {
                "input": self.input,
                "value": self.value,
                "cell_a": "/".join(self.cell_a),
                "cell_b": "/".join(self.cell_b),
                "a_better_above": self.a_better_above,
                "crossings": len(self.crossings),
                "low": self.bounds[0],
                "high": self.bounds[1],
                "trials": self.trials,
                "seed": self.seed,
            }
        )


def break_even(
    scenario: Scenario,
    input_path: str,
    cell_a,
    cell_b,
    bounds=None,
    trials: int = 10_000,
    seed: int = 0,
    *,
    grid: int = 9,
) -> BreakEven:
    """The value of one input at which two cells have equal expected NPV.

    The NPV gap ``g(x) = E[NPV_a | input = x] - E[NPV_b | input = x]`` is scanned on ``grid``
    evenly spaced points of ``bounds``; each sign change is solved with
    :func:`scipy.optimize.brentq` (convergence checked).

    Parameters
    ----------
    scenario : a validated scenario.
    input_path : the input's dotted path, e.g. ``drivers.contacts.start``.
    cell_a, cell_b : two different (option, owner) cells, e.g. ``("build", "it")``.
    bounds : (low, high) to search, in the input's unit. Default: the input's P1 to P99 (a fixed
        input needs explicit bounds).
    trials : 0 for the deterministic base case (other inputs at their medians, no risk event);
        otherwise expected NPV over this many Monte Carlo trials with the input fixed at ``x``
        in every trial. The trials are those :func:`~decision_kit.simulation.simulate` draws for
        ``seed``, reused at every ``x`` (common random numbers), so ``g`` is a smooth
        deterministic function for the root finder. Other inputs keep their draws: a
        correlation with the fixed input is not carried over.
    seed : non-negative integer.
    grid : points of the initial scan (at least 2).

    Returns
    -------
    BreakEven

    Raises
    ------
    ScenarioError
        For an unknown input (with near matches), unknown or equal cells, bad bounds, an input
        that cannot affect either cell, or no crossing in the range, e.g. ``build/it never
        beats buy/it for drivers.contacts.start between 100k and 400k: build/it is worse by at
        least 212k USD``.
    """
    check_scenario(scenario)
    lay = engine.layout(scenario)
    inputs = engine.uncertain_inputs(scenario)
    path = check_input(scenario, input_path, inputs)
    a = check_cell(cell_a, "cell_a", lay, scenario.name)
    b = check_cell(cell_b, "cell_b", lay, scenario.name)
    if a == b:
        raise ScenarioError(f"cell_a and cell_b are the same cell {a[0]}/{a[1]}; compare two different cells")
    trials = check_int("trials", trials, 0)
    seed = as_seed(seed)
    grid = check_int("grid", grid, 2)
    name_a, name_b = "/".join(a), "/".join(b)
    if not (affects(scenario, path, a[0]) or affects(scenario, path, b[0])):
        raise ScenarioError(f"{path} does not affect {name_a} or {name_b}, so it cannot make them break even")
    if trials == 0 and path.startswith("risks."):
        raise ScenarioError(
            f"risk events do not occur in the base case (trials=0), so {path} cannot move expected NPV; use trials > 0"
        )
    lo, hi = _search_bounds(scenario, path, inputs[path], bounds)
    gap = _NpvGap(scenario, path, a, b, trials, seed)
    xs = np.linspace(lo, hi, grid)
    gs = np.array([gap(x) for x in xs])
    roots = _sign_changes(gap, xs, gs, lo, hi, path)
    if not roots:
        raise _no_crossing(scenario, path, (name_a, name_b), (lo, hi), xs, gs, trials, seed)
    first = roots[0]
    above = next((g for x, g in zip(xs, gs) if x > first and g != 0), None)
    a_above = bool(above > 0) if above is not None else bool(gs[0] < 0)
    return BreakEven(path, first, a, b, a_above, tuple(roots), (lo, hi), trials, seed, gap.calls)


def _search_bounds(scenario: Scenario, path: str, dist, bounds) -> tuple[float, float]:
    """The (low, high) range to search, in the input's unit: ``bounds`` checked, or the input's P1 to P99."""
    if bounds is None:
        lo, hi = (float(v) for v in dist.ppf(np.array([0.01, 0.99])))
        if not lo < hi:
            raise ScenarioError(
                f"{path} is fixed at {quantity(lo)} in '{scenario.name}'; give bounds=(low, high) "
                "to search for a break-even"
            )
    else:
        try:
            lo, hi = (float(v) for v in bounds)
        except (TypeError, ValueError):
            raise ScenarioError(f"bounds must be a (low, high) pair of numbers, got {bounds!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ScenarioError(f"bounds must be finite with low below high, got ({lo}, {hi})")
    return lo, hi


class _NpvGap:
    """``g(x)``, expected NPV of cell ``a`` minus that of cell ``b`` (currency) with input ``path`` at ``x``.

    Runs the engine on the scenario cut down to the two cells; with ``trials`` the Monte Carlo
    draws of ``seed`` are made once and reused at every ``x`` (common random numbers).
    ``calls`` counts the evaluations.
    """

    def __init__(self, scenario: Scenario, path: str, a, b, trials: int, seed: int):
        sub = cell_scenario(scenario, [a[0], b[0]], [a[1], b[1]], risks=trials > 0)
        sub_lay = engine.layout(sub)
        self.ia = (sub_lay.options.index(a[0]), sub_lay.owners.index(a[1]))
        self.ib = (sub_lay.options.index(b[0]), sub_lay.owners.index(b[1]))
        self.sub, self.path, self.trials, self.calls = sub, path, trials, 0
        if trials:
            from ..simulation import draw_trials

            drawn, self.risks, _ = draw_trials(scenario, trials, seed)
            known = engine.uncertain_inputs(sub)
            self.drawn = {k: v for k, v in drawn.items() if k in known}
            self.parts = parts = path.split(".")
            self.one_off_impact = (
                parts[0] == "risks" and sub.risks[parts[1]].effect == "one_off" and parts[2] == "impact"
            )

    def __call__(self, x: float) -> float:
        """The expected-NPV gap at input value ``x`` (currency)."""
        sub, path, risks, ia, ib = self.sub, self.path, getattr(self, "risks", None), self.ia, self.ib
        self.calls += 1
        if self.trials == 0:
            npv = evaluate(sub, {path: float(x)})["npv"]
        elif self.one_off_impact:
            r = engine.RiskDraws(risks.first, risks.yearly, {**risks.impact, self.parts[1]: float(x)})
            npv = evaluate(sub, self.drawn, r)["npv"]
        else:
            npv = evaluate(sub, {**self.drawn, path: float(x)}, risks)["npv"]
        return float(np.mean(npv[:, ia[0], ia[1]] - npv[:, ib[0], ib[1]]))


def _sign_changes(gap, xs: np.ndarray, gs: np.ndarray, lo: float, hi: float, path: str) -> list[float]:
    """Every input value where ``gap`` is zero: grid points at zero and brentq roots (convergence checked)."""
    from scipy.optimize import brentq

    grid = len(xs)
    roots = []
    for i in range(grid - 1):
        if gs[i] == 0:
            roots.append(float(xs[i]))
        elif gs[i] * gs[i + 1] < 0:
            root, info = brentq(
                gap, xs[i], xs[i + 1], xtol=1e-12 * max(1.0, abs(hi - lo)), full_output=True, disp=False
            )
            if not info.converged:
                raise RuntimeError(
                    f"break-even search for {path} did not converge between {xs[i]} and {xs[i + 1]}: {info.flag}"
                )
            roots.append(float(root))
    if gs[-1] == 0:
        roots.append(float(xs[-1]))
    return roots


def _no_crossing(scenario: Scenario, path, names, bounds, xs, gs, trials: int, seed: int) -> ScenarioError:
    """The error for a gap that keeps its sign over the range: who is ahead, and by how much at least (currency)."""
    (name_a, name_b), (lo, hi), grid = names, bounds, len(xs)
    how = "in the base case" if trials == 0 else f"over {trials:,} trials, seed {seed}"
    i = int(np.argmin(np.abs(gs)))
    worse = gs[0] < 0
    verb, comp = ("never beats", "worse") if worse else ("beats", "better")
    everywhere = "" if worse else " everywhere"
    return ScenarioError(
        f"{name_a} {verb} {name_b}{everywhere} for {path} between {quantity(lo)} and {quantity(hi)}: "
        f"{name_a} is {comp} "
        f"by at least {money(abs(gs[i]), scenario.currency)} in expected NPV (smallest gap of {grid} points "
        f"checked, at {quantity(xs[i])}; {how})"
    )


def crossover_year(result, cell_a, cell_b) -> int | None:
    """The first year in which the mean cumulative cost of ``cell_a`` overtakes that of ``cell_b``.

    Cumulative cost runs from the decision date (period 0, counted as year ``start_year - 1``,
    as in :meth:`Result.cashflows`) and is undiscounted and nominal. "Overtakes" means ``a``'s
    cumulative cost is above ``b``'s in that year and was not in the year before, so a cell that
    is costlier from the decision date on never overtakes. Returns the calendar year, or None if
    ``a`` never overtakes ``b`` within the horizon.

    Example: build costs more up front, buy's subscription adds up; ``crossover_year(result,
    ("buy", "it"), ("build", "it"))`` is the year buy has cost more in total.
    """
    means = getattr(result, "means", None)
    if not isinstance(means, dict) or "cost" not in means:
        raise ScenarioError(f"expected a simulation Result, got {type(result).__name__}")
    lay = result.layout
    a = check_cell(cell_a, "cell_a", lay, result.scenario.name)
    b = check_cell(cell_b, "cell_b", lay, result.scenario.name)
    cum = np.cumsum(means["cost"], axis=0)
    ca = cum[:, lay.options.index(a[0]), lay.owners.index(a[1])]
    cb = cum[:, lay.options.index(b[0]), lay.owners.index(b[1])]
    above = ca - cb > 1e-9 * np.maximum(1.0, np.maximum(np.abs(ca), np.abs(cb)))
    for t in range(1, len(above)):
        if above[t] and not above[t - 1]:
            return result.scenario.start_year - 1 + t
    return None
