"""Who should own the budget, for this organisation: the best owner of each option and how sure,
what each ownership mechanism contributes, what would have to be true for another owner to win,
a map of the best owner over two profile inputs, and which judgement is most worth researching.

Every function here needs a scenario whose owners are computed by mechanism (an
``organisation:`` block; :mod:`decision_kit.ownership` states the relationships). All use
common random numbers: the same draws for every owner, every mechanism switched off and every
profile value tried, so differences are the mechanisms', not sampling noise. Money is the
scenario's currency, as NPV at the decision date.

- :func:`owner_choice`: per option, the best owner by expected NPV, its lead over the runner-up
  with a paired standard error, the per-trial chance each owner is best, and the chance it is
  best *in expectation* over draws of the profile and coefficients (epistemic: ``worlds``
  draws, each averaged over the same ``inner`` trials of everything else);
- :func:`mechanism_contributions`: per option x owner, each mechanism's contribution to NPV
  (NPV with every mechanism on minus NPV with that one neutral; mean, P10, P50, P90 over
  trials), the NPV with every mechanism neutral and the interaction left over;
- :func:`what_would_have_to_be_true`: the break-even value of every uncertain profile input and
  coefficient at which two owners' expected NPVs are equal, in plain words;
- :func:`joint_flip`: the smallest joint change of those inputs, in their own standard
  deviations, at which another owner catches up;
- :func:`grid_npv`: the option's expected NPV in every (budget holder, delivery) cell, the
  five owners among them (e.g. IT holding the budget with embedded delivery);
- :func:`owner_map`: the best owner on a grid of two profile inputs, with the profile's own
  P10-P90 of each;
- :func:`ownership_value_of_information`: EVPPI of the profile inputs and coefficients for the
  choice of owner of one option.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import engine, ownership
from .errors import ScenarioError
from .formatting import money, quantity
from .owner_plans import with_cells, without_mechanisms
from .ownership import MECHANISMS
from .plan import compile_plan
from .schema import Scenario
from .sensitivity import break_even
from .sensitivity.cells import cell_scenario
from .simulation import draw_trials, evaluate, simulate

MECHANISM_LABELS = ownership.MECHANISM_LABELS
"""Plain names of the mechanism groups (:data:`decision_kit.ownership.MECHANISM_LABELS`)."""

SKIPPED_INPUTS = ("mechanisms.shadow_discovery_draw",)
"""Inputs that are a draw of chance, not a judgement: no break-even, no research value."""


def _check(scenario: Scenario) -> None:
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"expected a Scenario, got {type(scenario).__name__}")
    if scenario.organisation is None:
        raise ScenarioError(
            f"scenario '{scenario.name}' states no organisation, so its owners are round one's constants, "
            "not mechanisms: add 'organisation: {profile: mid_size_b2b}' (or another profile) to compare owners"
        )


def _option(scenario: Scenario, option: str | None) -> list[str]:
    if option is None:
        return list(scenario.options)
    if option not in scenario.options:
        raise ScenarioError(f"no option '{option}' in '{scenario.name}' (options: {', '.join(scenario.options)})")
    return [option]


def ownership_inputs(scenario: Scenario) -> list[str]:
    """The uncertain profile inputs and coefficients of a scenario (``organisation.*``,
    ``mechanisms.*``), in file order, without the draws of chance."""
    return [
        p
        for p, d in engine.uncertain_inputs(scenario).items()
        if p.startswith(("organisation.", "mechanisms."))
        and p not in SKIPPED_INPUTS
        and d.support()[0] != d.support()[1]
    ]


# -- the best owner --------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerChoice:
    """The best owner of each option.

    ``table``: one row per option: ``owner`` (best by expected NPV), ``npv_mean``,
    ``runner_up``, ``lead`` and ``lead_se`` (paired standard error), ``too_close`` (lead
    within two standard errors), ``p_best`` (share of trials in which the owner is best) and
    ``p_best_in_expectation`` (share of the ``worlds`` draws of profile and coefficients in
    which it has the highest expected NPV). ``p_best``: (option, owner) per-trial shares;
    ``p_best_in_expectation``: (option, owner) shares over the worlds.
    """

    table: pd.DataFrame
    p_best: pd.DataFrame
    p_best_in_expectation: pd.DataFrame
    trials: int
    worlds: int
    inner: int
    currency: str

    def describe(self) -> list[str]:
        """One sentence per option."""
        out = []
        for o, r in self.table.iterrows():
            sure = (
                f"too close to call against {r.runner_up} (lead {money(r.lead, self.currency)} ± "
                f"{money(r.lead_se, self.currency)})"
                if r.too_close
                else f"ahead of {r.runner_up} by {money(r.lead, self.currency)} ± {money(r.lead_se, self.currency)}"
            )
            out.append(
                f"{o}: owned by {r.owner}, {sure}; best in {r.p_best:.0%} of trials, and best in expectation in "
                f"{self.share_words(r.p_best_in_expectation)} of {self.worlds} draws of the profile and coefficients."
            )
        return out

    def share_words(self, p: float) -> str:
        """A share of the ``worlds`` draws with its binomial standard error, ``sqrt(p (1 - p) /
        worlds)``, in percentage points: ``"91% ± 4"`` (``"100%"`` or ``"0%"`` where every draw
        agrees, whose error the worlds cannot show)."""
        se = np.sqrt(p * (1.0 - p) / self.worlds)
        return f"{p:.0%}" if se == 0 else f"{p:.0%} ± {max(1, round(100 * se))}"


def owner_choice(
    scenario: Scenario, trials: int = 10_000, seed: int = 0, *, worlds: int = 64, inner: int = 1_000
) -> OwnerChoice:
    """The best owner of each option and how sure (see :class:`OwnerChoice`).

    The epistemic share draws ``worlds`` values of the profile inputs and coefficients
    (:func:`ownership_inputs`) and, for each, averages NPV over the same ``inner`` trials of
    every other input (common random numbers), so an owner's share is the probability that
    it is best once the profile and coefficients are known.
    """
    _check(scenario)
    r = simulate(scenario, trials, seed)
    lay, x = r.layout, r.metrics["npv"]  # (n, O, W)
    n = x.shape[0]
    best = x.argmax(axis=2)
    p_best = np.stack([(best == w).mean(axis=0) for w in range(len(lay.owners))], axis=1)  # (O, W)
    p_world = _world_shares(scenario, seed, worlds, inner)
    rows = []
    for oi, o in enumerate(lay.options):
        mean = x[:, oi].mean(axis=0)
        order = np.argsort(-mean, kind="stable")
        a, b = order[0], order[1] if len(order) > 1 else order[0]
        d = x[:, oi, a] - x[:, oi, b]
        se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        rows.append(
            {
                "option": o,
                "owner": lay.owners[a],
                "npv_mean": float(mean[a]),
                "runner_up": lay.owners[b],
                "lead": float(d.mean()),
                "lead_se": se,
                "too_close": bool(d.mean() <= 2 * se),
                "p_best": float(p_best[oi, a]),
                "p_best_in_expectation": float(p_world[oi, a]),
            }
        )
    idx = pd.Index(lay.options, name="option")
    cols = pd.Index(lay.owners, name="owner")
    return OwnerChoice(
        pd.DataFrame(rows).set_index("option"),
        pd.DataFrame(p_best, index=idx, columns=cols),
        pd.DataFrame(p_world, index=idx, columns=cols),
        n,
        worlds,
        inner,
        scenario.currency,
    )


def _world_shares(scenario: Scenario, seed: int, worlds: int, inner: int) -> np.ndarray:
    """(O, W): share of ``worlds`` draws of the ownership inputs in which each owner has the
    highest expected NPV over the same ``inner`` trials of the other inputs."""
    plan = compile_plan(scenario)
    lay = plan.layout
    paths = ownership_inputs(scenario)
    drawn, risks, _ = draw_trials(plan, inner, seed)
    world_draws, _, _ = draw_trials(plan, worlds, seed + 1)
    wins = np.zeros((len(lay.options), len(lay.owners)))
    for k in range(worlds):
        fixed = {p: float(np.asarray(world_draws[p]).reshape(-1)[k % np.size(world_draws[p])]) for p in paths}
        mean = evaluate(plan, {**drawn, **fixed}, risks)["npv"].mean(axis=0)  # (O, W)
        wins[np.arange(len(lay.options)), mean.argmax(axis=1)] += 1
    return wins / worlds


# -- what each mechanism contributes ------------------------------------------------------------


def mechanism_contributions(scenario: Scenario, trials: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Each mechanism's contribution to each cell's NPV (currency).

    Rows (option, owner, mechanism), columns ``mean, p10, p50, p90`` over trials, where a
    mechanism's contribution in a trial is the NPV with every mechanism on minus the NPV with
    that one neutral (:func:`decision_kit.plan.without_mechanisms`), on the same draws. Two more
    rows per cell: ``all neutral`` (the NPV with every mechanism neutral, the same for every
    owner up to who pays) and ``interaction`` (the NPV less ``all neutral`` less the sum of the
    contributions: how far the mechanisms do not add up).
    """
    _check(scenario)
    plan = compile_plan(scenario)
    drawn, risks, _ = draw_trials(plan, trials, seed)
    full = evaluate(plan, drawn, risks)["npv"]
    neutral = evaluate(without_mechanisms(plan, set(MECHANISMS)), drawn, risks)["npv"]
    parts = {m: full - evaluate(without_mechanisms(plan, {m}), drawn, risks)["npv"] for m in MECHANISMS}
    parts["all neutral"] = neutral
    parts["interaction"] = full - neutral - sum(parts[m] for m in MECHANISMS)
    lay = plan.layout
    rows = []
    for oi, o in enumerate(lay.options):
        for wi, w in enumerate(lay.owners):
            for m, x in parts.items():
                v = x[:, oi, wi]
                q = np.quantile(v, [0.1, 0.5, 0.9])
                rows.append({"option": o, "owner": w, "mechanism": m, "mean": v.mean(), "p10": q[0], "p50": q[1],
                             "p90": q[2]})  # fmt: skip
    return pd.DataFrame(rows).set_index(["option", "owner", "mechanism"])


# -- what would have to be true -------------------------------------------------------------------


@dataclass(frozen=True)
class WhatWouldHaveToBeTrue:
    """Break-even values of the ownership inputs for two owners of one option.

    ``found``: the :class:`~decision_kit.sensitivity.BreakEven` of each input whose break-even
    lies in its searched range; ``no_crossing``: the inputs that cannot change the order
    within their range (P1-P99 of the input's distribution).
    """

    option: str
    owner: str
    other: str
    found: tuple = ()
    no_crossing: tuple[str, ...] = ()
    notes: dict = field(default_factory=dict)

    def describe(self) -> str:
        """In plain words: "X beats Y if a is above v, or if b is below w"."""
        if not self.found:
            return (
                f"For {self.option}, {self.other} does not beat {self.owner} for any single profile input or "
                "coefficient within its range: the order holds input by input."
            )
        clauses = []
        for be in self.found:
            other_better_above = (be.cell_a[1] == self.other) == be.a_better_above
            side = "above" if other_better_above else "below"
            clauses.append(f"{be.input} is {side} {quantity(be.value)}")
        return f"For {self.option}, {self.other} beats {self.owner} if " + ", or if ".join(clauses) + "."

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([be.to_series() for be in self.found]) if self.found else pd.DataFrame()


def what_would_have_to_be_true(
    scenario: Scenario, option: str, owner: str, other: str, trials: int = 4_000, seed: int = 0
) -> WhatWouldHaveToBeTrue:
    """For ``option``, the value of each uncertain profile input and coefficient at which
    ``other`` and ``owner`` have equal expected NPV (the others keep their draws; common random
    numbers), by :func:`~decision_kit.sensitivity.break_even` over the input's P1-P99."""
    _check(scenario)
    found, none = [], []
    for path in ownership_inputs(scenario):
        if not _moves(scenario, path, (owner, other)):
            none.append(path)
            continue
        try:
            found.append(break_even(scenario, path, (option, owner), (option, other), trials=trials, seed=seed))
        except ScenarioError:
            none.append(path)
    return WhatWouldHaveToBeTrue(option, owner, other, tuple(found), tuple(none))


def _moves(scenario: Scenario, path: str, owners: tuple[str, str]) -> bool:
    """Whether input ``path`` changes either owner's mechanisms (:func:`decision_kit.ownership.reads`)."""
    return ownership.reads(compile_plan(scenario), path, owners)


@dataclass(frozen=True)
class JointFlip:
    """The smallest joint change of the ownership inputs at which ``other`` catches up with
    ``owner`` for ``option``.

    Each input is measured by its normal score ``z = Phi^-1(F(x))`` under its own distribution
    (0 at the median, about +-1.28 at P10/P90). ``values``: input -> (value, its quantile) at
    the flip point, for the (at most five) inputs that moved most; ``distance``: the length of the z vector, in
    standard deviations of the profile's own uncertainty; ``found``: whether a point within
    P1-P99 of every input where the gap closes was found; ``gap``: the expected-NPV gap left
    there (currency, ``owner`` minus ``other``).
    """

    option: str
    owner: str
    other: str
    found: bool
    distance: float
    values: dict
    gap: float
    trials: int

    def describe(self) -> str:
        if not self.found:
            return (f"For {self.option}, no joint change of the ownership inputs within their P1-P99 makes "
                    f"{self.other} catch up with {self.owner}.")  # fmt: skip
        if not self.values:
            return f"For {self.option}, {self.other} is level with or ahead of {self.owner} at the profile's medians."
        parts = ", ".join(f"{p.split('.', 1)[1]} {quantity(v if abs(v) > 1e-12 else 0.0)} (P{q * 100:.0f})"
                          for p, (v, q) in self.values.items())  # fmt: skip
        return (f"For {self.option}, {self.other} catches up with {self.owner} if, together, mainly {parts}: "
                f"{self.distance:.1f} standard deviations from the profile's medians.")  # fmt: skip


def joint_flip(scenario: Scenario, option: str, owner: str, other: str, trials: int = 500, seed: int = 0) -> JointFlip:
    """The nearest point, in normal scores of the ownership inputs (:func:`ownership_inputs`,
    the others keeping their draws under common random numbers), where ``other``'s expected
    NPV for ``option`` reaches ``owner``'s: the minimal normalised change that flips the order
    (MODEL_DESIGN 4a), by :func:`scipy.optimize.minimize` (SLSQP) of ``|z|^2`` subject to the
    gap being at most 0, within P1-P99 of each input."""
    from scipy.optimize import minimize
    from scipy.stats import norm

    _check(scenario)
    _option(scenario, option)
    plan = compile_plan(cell_scenario(scenario, [option], [owner, other], risks=True))
    lay = plan.layout
    oi, a, b = lay.options.index(option), lay.owners.index(owner), lay.owners.index(other)
    paths = [p for p in ownership_inputs(scenario) if _moves(scenario, p, (owner, other))]
    drawn, risks, _ = draw_trials(plan, trials, seed)
    dists = [plan.inputs[p] for p in paths]

    def gap(z: np.ndarray) -> float:
        fixed = {p: float(d.ppf(norm.cdf(zi))) for p, d, zi in zip(paths, dists, z, strict=True)}
        npv = evaluate(plan, {**drawn, **fixed}, risks)["npv"][:, oi]
        return float(np.mean(npv[:, a] - npv[:, b]))

    z0 = np.zeros(len(paths))
    g0 = gap(z0)
    if not paths or g0 <= 0:
        return JointFlip(option, owner, other, bool(paths), 0.0, {}, g0, trials)
    scale = abs(g0)
    bound = float(norm.ppf(0.99))
    res = minimize(lambda z: float(z @ z), z0 + 0.1, jac=lambda z: 2 * z, method="SLSQP",
                   bounds=[(-bound, bound)] * len(paths),
                   constraints=[{"type": "ineq", "fun": lambda z: -gap(z) / scale}],
                   options={"maxiter": 100, "ftol": 1e-6})  # fmt: skip
    z = np.asarray(res.x)
    g = gap(z)
    found = bool(g <= 1e-3 * scale)
    order = np.argsort(-np.abs(z), kind="stable")[:5]  # the five that move most (|z| above 0.25)
    moved = {paths[i]: (float(dists[i].ppf(norm.cdf(z[i]))), float(norm.cdf(z[i]))) for i in order if abs(z[i]) > 0.25}
    return JointFlip(option, owner, other, found, float(np.sqrt(z @ z)), moved, g, trials)


# -- the whole grid -------------------------------------------------------------------------------


def grid_cells() -> tuple[tuple[str, str], ...]:
    """Every (budget holder, delivery) cell that makes sense: each holder with central IT,
    embedded IT and marketing operations, and shadow IT under a marketing budget only (going
    around IT with IT's or a joint budget is a contradiction)."""
    cells = [(h, d) for h in ownership.HOLDERS for d in ownership.DELIVERIES if d != "shadow"]
    return tuple(cells) + (("marketing", "shadow"),)


def grid_npv(scenario: Scenario, option: str, trials: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Expected NPV of ``option`` in every cell of the ownership grid (:func:`grid_cells`), on
    the draws :func:`~decision_kit.simulation.simulate` makes for ``seed`` (so a preset's cell
    equals that owner's expected NPV). Rows: budget holder; columns: delivery; NaN where a cell
    is not evaluated. ``attrs["presets"]`` names the cell of each of the five owners."""
    _check(scenario)
    _option(scenario, option)
    plan = compile_plan(scenario)
    drawn, risks, _ = draw_trials(plan, trials, seed)
    cells = grid_cells()
    npv = evaluate(with_cells(plan, cells), drawn, risks)["npv"][:, plan.layout.options.index(option)]
    out = pd.DataFrame(np.nan, index=pd.Index(ownership.HOLDERS, name="budget holder"),
                       columns=pd.Index(ownership.DELIVERIES, name="delivery"))  # fmt: skip
    for k, (h, d) in enumerate(cells):
        out.loc[h, d] = float(npv[:, k].mean())
    out.attrs["presets"] = dict(ownership.PRESETS)
    return out


# -- a map of the best owner ------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerMap:
    """The best owner of one option on a grid of two profile inputs.

    ``x``, ``y``: the grid values of inputs ``x_input`` and ``y_input``; ``best``: the best
    owner's name at each (y, x) point; ``npv``: expected NPV (owners, y, x); ``x_band``,
    ``y_band``: this organisation's P10, P50 and P90 of each input (its uncertainty).
    """

    option: str
    x_input: str
    y_input: str
    x: np.ndarray
    y: np.ndarray
    owners: tuple[str, ...]
    npv: np.ndarray
    x_band: tuple[float, float, float]
    y_band: tuple[float, float, float]
    trials: int

    @property
    def best(self) -> np.ndarray:
        return np.asarray(self.owners, dtype=object)[self.npv.argmax(axis=0)]

    def winners(self) -> set[str]:
        """The owners that are best somewhere on the grid."""
        return {str(w) for w in self.best.ravel()}

    def to_frame(self) -> pd.DataFrame:
        """Best owner at each grid point: rows ``y``, columns ``x``."""
        return pd.DataFrame(self.best, index=pd.Index(self.y, name=self.y_input),
                            columns=pd.Index(self.x, name=self.x_input))  # fmt: skip


def owner_map(
    scenario: Scenario,
    option: str,
    x_input: str = "organisation.it_lead_time_weeks",
    y_input: str = "organisation.change_rate_per_month",
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    grid: int = 9,
    trials: int = 2_000,
    seed: int = 0,
) -> OwnerMap:
    """Expected NPV of every owner of ``option`` on a ``grid`` x ``grid`` lattice of two inputs
    (default ranges: each input's P1 to P99), the other inputs keeping their draws."""
    _check(scenario)
    _option(scenario, option)
    inputs = engine.uncertain_inputs(scenario)
    for p in (x_input, y_input):
        if p not in inputs:
            raise ScenarioError(f"'{p}' is not an uncertain input of '{scenario.name}'")
    if grid < 2:
        raise ScenarioError("grid must be at least 2")
    sub = cell_scenario(scenario, [option], list(scenario.owners), risks=True)
    plan = compile_plan(sub)
    drawn, risks, _ = draw_trials(plan, trials, seed)
    xr = x_range or inputs[x_input].quantiles([0.01, 0.99])
    yr = y_range or inputs[y_input].quantiles([0.01, 0.99])
    xs, ys = np.linspace(float(xr[0]), float(xr[1]), grid), np.linspace(float(yr[0]), float(yr[1]), grid)
    oi = plan.layout.options.index(option)
    W = len(plan.layout.owners)
    out = np.empty((W, grid, grid))
    for j, yv in enumerate(ys):
        for i, xv in enumerate(xs):
            npv = evaluate(plan, {**drawn, x_input: float(xv), y_input: float(yv)}, risks)["npv"]
            out[:, j, i] = npv[:, oi, :].mean(axis=0)
    xq, yq = (inputs[p].quantiles([0.1, 0.5, 0.9]) for p in (x_input, y_input))
    xb = (float(xq[0]), float(xq[1]), float(xq[2]))
    yb = (float(yq[0]), float(yq[1]), float(yq[2]))
    return OwnerMap(option, x_input, y_input, xs, ys, plan.layout.owners, out, xb, yb, trials)


# -- value of information ---------------------------------------------------------------------------


TOGETHER = "all of them together"
"""Row label of the value of learning every ownership input at once."""


def ownership_value_of_information(
    scenario: Scenario, option: str, trials: int = 20_000, seed: int = 0
) -> pd.DataFrame:
    """EVPPI of every uncertain profile input and coefficient for the choice among the owners
    of ``option`` (:func:`decision_kit.voi.evppi_kernel`, regression smoother): what knowing it
    exactly would be worth before choosing the owner, in currency, largest first. Columns
    ``evppi`` and ``share_of_evpi`` (of the owner choice's EVPI on the same trials), indexed
    by input. The first row, :data:`TOGETHER`, is the value of learning all of them together
    (:func:`decision_kit.voi.group_evppi_kernel`, on the inputs some owner reads; NaN where the
    trials are too few for its regression, about 4,600 for the 29 inputs of a shipped profile
    under the five preset owners): no single judgement may flip the owner
    while the profile as a whole does, so the row says whether measuring the organisation is
    worth it even where every input alone is worth nothing."""
    from .voi import evpi_kernel, evppi_kernel, group_evppi_kernel

    _check(scenario)
    _option(scenario, option)
    sub = cell_scenario(scenario, [option], list(scenario.owners), risks=True)
    r = simulate(sub, trials, seed)
    x = r.metrics["npv"][:, r.layout.options.index(option), :]
    n = len(next(iter(r.inputs.values())))
    total = evpi_kernel(x[:n])[0]
    rows = {p: evppi_kernel(np.asarray(r.inputs[p], dtype=float), x[:n]) for p in ownership_inputs(scenario)}
    out = pd.DataFrame({"evppi": pd.Series(rows, dtype=float)})
    out.loc[out["evppi"].abs() < 1e-6 * max(total, 1.0), "evppi"] = 0.0  # rounding noise of the smoother
    out = out.sort_values("evppi", ascending=False)
    plan = compile_plan(sub)
    read = [p for p in out.index if ownership.reads(plan, p, plan.layout.owners)]  # the others cannot move a cell
    inputs = np.column_stack([np.asarray(r.inputs[p], dtype=float) for p in read]) if read else None
    try:
        together = max(group_evppi_kernel(inputs, x[:n]), 0.0) if inputs is not None else 0.0
    except ValueError:  # too few trials for the group's regression: not estimated, never a guess
        together = math.nan
    out = pd.concat([pd.DataFrame({"evppi": [together]}, index=[TOGETHER]), out])
    out["share_of_evpi"] = out["evppi"] / total if total > 0 else np.nan
    out.index.name = "input"
    return out
