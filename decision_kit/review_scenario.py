"""Plan-vs-actual review of a scenario: its actuals file, the prior trials, and the review.

:func:`review_scenario` connects a scenario and its actuals file
(:mod:`decision_kit.schema.actuals`) to the numerical core in :mod:`decision_kit.review`:

1. it draws the prior trials exactly as :func:`~decision_kit.simulation.simulate` does
   (:func:`~decision_kit.simulation.draw_trials`, same seed and trial count), and keeps every
   trial's inputs as one row: each uncertain input drawn once per trial, each input drawn
   several times per trial (one column per draw), and the risk events' uniforms and one-off
   impacts (so that tempered SMC can move them too);
2. a forward model (:class:`ScenarioModel`) runs the cash-flow engine on such rows and returns
   the reviewed cell's KPIs, its NPV to date and the NPV to go of every open action;
3. it calls :func:`decision_kit.review.review` and returns a :class:`ScenarioReview`.

Conventions. Money is in the scenario's currency, nominal, discounted at its rate to the
decision date (period 0, undiscounted; period ``t`` is year ``t``, booked at its end), as
absolute NPV (benefits minus costs), the same NPV :func:`~decision_kit.simulation.simulate`
reports: a trial's NPV to date plus the NPV to go of *continue* is the cell's NPV. The review
date is the end of year ``a = as_of_years``: periods ``0..a`` are to date (sunk), ``a+1..H``
to go. The open actions (cells of the review) are:

- ``continue``: the reviewed cell's flows after the review date;
- ``stop``: return to the status quo from the review date (its flows after it; nothing at all
  where the scenario states no status quo). Exit costs of stopping are not modelled;
- ``switch to <option>``: every other option, under the same owner, started afresh at the
  review date: its period ``s`` falls in period ``a + s`` (its one-off costs at the review
  date), up to the horizon. Its drivers and prices start from their year-1 values, as if the
  first ``a`` years had not happened (a simplification).

KPIs: ``launch_months``, ``cost[t]`` and ``benefit[t]`` are the engine's per-cell outputs. The
spend of a line or a category (``cost.<name>[t]``) is the cell's cost less its cost with those
lines' amounts at zero, one more engine run per name: it includes what is priced on the lines
(a percent-of line such as premium support on a subscription) and the owner's overheads in
proportion to them (governance overhead, shadow IT's consolidation of licences).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import engine, finance
from .errors import Problem, ScenarioError
from .loading import load_scenario, read_text, read_yaml
from .plan import Plan, compile_plan
from .review import CopulaSpace, Observation, Review, Trials, review
from .review.trials import ModelOutputs
from .review_milestones import milestone_chances
from .sampling import RiskDraws
from .schema import Scenario, dotted, locate, validate_document
from .schema.actuals import Actuals, ActualsFile, parse_kpi
from .simulation import draw_trials

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ScenarioModel", "ScenarioReview", "load_actuals", "review_scenario", "review_files"]


def load_actuals(path: str | os.PathLike, scenario: Scenario | None = None, *, text: str | None = None) -> Actuals:
    """Read and validate an actuals file; with ``scenario``, also check that its option, owner,
    lines and review date exist there. Every problem is a :class:`ScenarioError` naming the
    file, line, column and field. ``text`` gives the file's content instead of reading it."""
    file = str(path)
    data, locs = read_yaml(read_text(path) if text is None else text, file)
    actuals = validate_document(ActualsFile, data, locs, file).actuals
    if scenario is not None:
        problems = []
        for p, m in scenario_problems(actuals, scenario):
            line, column = locate(locs, p) or (None, None)
            problems.append(Problem(file, line, column, dotted(p), m))
        if problems:
            raise ScenarioError(problems)
    return actuals


def scenario_problems(actuals: Actuals, scenario: Scenario) -> list[tuple[tuple, str]]:
    """(field path, message) for what an actuals file names that the scenario does not have."""
    out: list[tuple[tuple, str]] = []
    o, w = actuals.cell.option, actuals.cell.owner
    if o not in scenario.options:
        out.append(
            (("actuals", "cell", "option"), f"no option '{o}' in the scenario (options: {', '.join(scenario.options)})")
        )
    if w not in scenario.owners:
        out.append(
            (("actuals", "cell", "owner"), f"no owner '{w}' in the scenario (owners: {', '.join(scenario.owners)})")
        )
    if actuals.as_of_years >= scenario.horizon_years:
        out.append(
            (
                ("actuals", "as_of_years"),
                f"the review date (year {actuals.as_of_years}) must be before the end of the "
                f"{scenario.horizon_years}-year horizon, so that something is still to go",
            )
        )
    if out:
        return out
    op = compile_plan(scenario).options[list(scenario.options).index(o)]
    for name in actuals.observed:
        flow, part, _ = parse_kpi(name) or (None, None, None)
        if part is None:
            continue
        lines = op.lines if flow == "cost" else op.benefits
        if not any(part in (line.name, line.category) for line in lines):
            known = ", ".join(sorted({line.name for line in lines} | {line.category for line in lines}))
            out.append(
                (("actuals", "observed", name), f"option '{o}' has no {flow} line or category '{part}' ({known})")
            )
    return out


# --- the per-trial inputs as one matrix ------------------------------------------------------


class _Unit:
    """The uniform distribution on (0, 1), for the risk events' uniforms."""

    @staticmethod
    def cdf(x):
        return np.clip(x, 0.0, 1.0)

    @staticmethod
    def ppf(q):
        return np.asarray(q, dtype=float)


class _Marginal:
    """One input's distribution for the copula space, with a randomised probability integral
    transform: where the input has an atom (a realisation of exactly 0, a price change of
    exactly 0), ``cdf`` spreads the atom's trials uniformly over its probability interval
    ``(F(x-), F(x)]`` instead of putting them all at ``F(x)``. The starting normal scores of
    tempered SMC are then standard normal whatever the marginal, and ``ppf`` maps each of them
    back to the same value. For a continuous input it is the plain ``cdf``."""

    def __init__(self, dist, rng: np.random.Generator):
        self.dist, self.rng = dist, rng

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        upper = np.asarray(self.dist.cdf(x), dtype=float)
        lower = np.asarray(self.dist.cdf(np.nextafter(x, -np.inf)), dtype=float)
        atom = upper - lower > 1e-12
        if not atom.any():
            return upper
        return np.where(atom, lower + self.rng.random(x.shape) * (upper - lower), upper)

    def ppf(self, q):
        return self.dist.ppf(q)


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # "value", "repeated", "first", "yearly" or "impact"
    key: str
    index: int
    dist: object


def _columns(plan: Plan) -> list[_Column]:
    """One column per drawn number of a trial: uncertain inputs (fixed ones are not drawn),
    inputs drawn several times, and the risk events' draws."""
    cols = [_Column(k, "value", k, 0, d) for k, d in plan.drawn.items() if not d.is_fixed()]
    for k, (d, reps) in plan.repeated.items():
        cols += [_Column(f"{k}[{j + 1}]", "repeated", k, j, d) for j in range(reps)] if not d.is_fixed() else []
    for r in plan.risks:
        if r.effect != "one_off":
            cols.append(_Column(f"risks.{r.name}.first_event_uniform", "first", r.name, 0, _Unit()))
            continue
        for t in range(plan.horizon):
            cols.append(_Column(f"risks.{r.name}.year{t + 1}_uniform", "yearly", r.name, t, _Unit()))
            if not r.impact_dist.is_fixed():
                cols.append(_Column(f"risks.{r.name}.year{t + 1}_impact", "impact", r.name, t, r.impact_dist))
    return cols


def _normal_score_correlation(plan: Plan, cols: list[_Column]) -> np.ndarray | None:
    """The inputs' normal-score correlation: ``2 sin(pi rho / 6)`` of each stated rank
    correlation (exact for a Gaussian copula), identity elsewhere; None if nothing is correlated."""
    if plan.correlation is None or not plan.correlated:
        return None
    where = {c.name: i for i, c in enumerate(cols)}
    r = np.eye(len(cols))
    for a, na in enumerate(plan.correlated):
        for b, nb in enumerate(plan.correlated):
            if a != b and na in where and nb in where:
                r[where[na], where[nb]] = 2.0 * math.sin(math.pi * float(plan.correlation[a, b]) / 6.0)
    w, v = np.linalg.eigh(r)
    if w.min() <= 1e-9:  # the nearest positive definite matrix, with a unit diagonal again
        r = (v * np.clip(w, 1e-6, None)) @ v.T
        d = np.sqrt(np.diag(r))
        r = r / np.outer(d, d)
    return r


def _matrix(cols: list[_Column], values: dict, risks: RiskDraws, n: int) -> np.ndarray:
    x = np.empty((n, len(cols)))
    for j, c in enumerate(cols):
        if c.kind == "value":
            x[:, j] = values[c.key]
        elif c.kind == "repeated":
            x[:, j] = values[c.key][:, c.index]
        elif c.kind == "first":
            x[:, j] = risks.first[c.key]
        elif c.kind == "yearly":
            x[:, j] = risks.yearly[c.key][:, c.index]
        else:
            x[:, j] = risks.impact[c.key][:, c.index]
    return x


def _draws(plan: Plan, cols: list[_Column], x: np.ndarray) -> tuple[dict, RiskDraws]:
    """The engine's ``values`` and ``risks`` from rows of inputs (the inverse of :func:`_matrix`)."""
    n, H = x.shape[0], plan.horizon
    values: dict = {k: float(d.value) for k, d in plan.drawn.items() if d.is_fixed()}
    values |= {k: float(d.value) for k, (d, _) in plan.repeated.items() if d.is_fixed()}
    risks = RiskDraws()
    for r in plan.risks:
        if r.effect == "one_off":
            risks.yearly[r.name] = np.empty((n, H))
            fixed = r.impact_dist.is_fixed()
            risks.impact[r.name] = float(r.impact_dist.value) if fixed else np.empty((n, H))
    for k, (_, reps) in plan.repeated.items():
        if k not in values:
            values[k] = np.empty((n, reps))
    for j, c in enumerate(cols):
        col = np.ascontiguousarray(x[:, j])
        if c.kind == "value":
            values[c.key] = col
        elif c.kind == "repeated":
            values[c.key][:, c.index] = col
        elif c.kind == "first":
            risks.first[c.key] = col
        else:
            (risks.yearly if c.kind == "yearly" else risks.impact)[c.key][:, c.index] = col
    values = plan.complete(values)
    for r in plan.risks:
        if r.effect != "one_off":
            risks.impact[r.name] = values[r.impact]
    return values, risks


def _kpi(name: str) -> tuple[str, str | None, int]:
    """:func:`~decision_kit.schema.actuals.parse_kpi` of a validated name (period 0 for launch)."""
    kpi = parse_kpi(name)
    if kpi is None:
        raise ScenarioError(f"'{name}' is not an observable KPI")
    return kpi[0], kpi[1], kpi[2] or 0


# --- the forward model ---------------------------------------------------------------------


class ScenarioModel:
    """The forward model of a review: rows of inputs (trials, inputs) to the reviewed cell's
    KPIs, its NPV to date, and the NPV to go of each open action (:attr:`actions`), as
    :class:`~decision_kit.review.ModelOutputs` (see the module docstring for the conventions).
    """

    def __init__(self, scenario: Scenario | Plan, actuals: Actuals):
        plan = compile_plan(scenario)
        self.plan, self.actuals = plan, actuals
        lay = plan.layout
        self.option, self.owner = lay.options.index(actuals.cell.option), lay.owners.index(actuals.cell.owner)
        self.a = int(actuals.as_of_years)
        self.columns = _columns(plan)
        self.input_names = tuple(c.name for c in self.columns)
        self.kpi_names = tuple(actuals.observed)
        self.others = [i for i in range(len(lay.options)) if i != self.option]
        stop = "stop (back to the status quo)" if plan.status_quo is not None else "stop (nothing after the review)"
        self.actions = (f"continue {lay.options[self.option]}", stop) + tuple(
            f"switch to {lay.options[i]}" for i in self.others
        )
        self.df = finance.discount_factors(plan.scenario.discount_rate, lay.periods)
        op = plan.options[self.option]
        self.zeroed: dict[tuple[str, str], list[str]] = {}  # (flow, name) -> the amounts set to 0
        for name in self.kpi_names:
            flow, part, _ = _kpi(name)
            if part is None or (flow, part) in self.zeroed:
                continue
            items = op.lines if flow == "cost" else op.benefits
            chosen = [x for x in items if x.name == part] or [x for x in items if x.category == part]
            if not chosen:
                raise ScenarioError(f"option '{op.name}' has no {flow} line or category '{part}'")
            self.zeroed[flow, part] = [x.amount for x in chosen]

    def space(self, seed: int = 0) -> CopulaSpace:
        """The inputs' marginals and normal-score correlation, for tempered SMC (``seed`` spreads
        the starting scores of inputs with atoms, see :class:`_Marginal`)."""
        rng = np.random.default_rng(seed)
        marginals = [_Marginal(c.dist, rng) for c in self.columns]
        return CopulaSpace.from_marginals(marginals, _normal_score_correlation(self.plan, self.columns))

    def draws(self, x: np.ndarray) -> tuple[dict, RiskDraws]:
        """The engine's ``values`` and ``risks`` of rows of inputs (trials, inputs)."""
        return _draws(self.plan, self.columns, np.asarray(x, dtype=float))

    def inputs(self, trials: int, seed: int) -> np.ndarray:
        """The prior trials' inputs: :func:`~decision_kit.simulation.simulate`'s draws."""
        values, risks, n = draw_trials(self.plan, trials, seed)
        return _matrix(self.columns, values, risks, n)

    def _project(self, values: dict, risks: RiskDraws, n: int, options) -> tuple[dict, engine.ChunkFlows]:
        kept: dict = {}
        w = self.owner

        def keep(oi, wi, cost, benefit):
            if wi == w and oi in options:
                kept[oi] = (cost.copy(), benefit.copy())

        flows = engine.project(self.plan, values, risks, n, on_cell=keep)
        return kept, flows

    def __call__(self, x: np.ndarray) -> ModelOutputs:
        x = np.asarray(x, dtype=float)
        n = x.shape[0]
        values, risks = _draws(self.plan, self.columns, x)
        kept, flows = self._project(values, risks, n, {self.option, *self.others})
        cost, benefit = kept[self.option]
        parts = {}
        for key, amounts in self.zeroed.items():
            cut, _ = self._project(values | dict.fromkeys(amounts, 0.0), risks, n, {self.option})
            full, less = (cost, cut[self.option][0]) if key[0] == "cost" else (benefit, cut[self.option][1])
            parts[key] = full - less
        kpis = np.empty((n, len(self.kpi_names)))
        for j, name in enumerate(self.kpi_names):
            flow, part, t = _kpi(name)
            if flow == "launch_months":
                kpis[:, j] = flows.launch[self.option, self.owner]
            elif part is None:
                kpis[:, j] = (cost if flow == "cost" else benefit)[t]
            else:
                kpis[:, j] = parts[flow, part][t]
        return ModelOutputs(kpis, *self._npv(cost, benefit, kept, flows.status_quo, n))

    def _npv(self, cost, benefit, kept, status_quo, n) -> tuple[np.ndarray, np.ndarray]:
        """(NPV to date (n,), NPV to go per action (n, actions)) from (P, n) flows."""
        a, df = self.a, self.df
        net = benefit - cost
        to_date = df[: a + 1] @ net[: a + 1]
        go = np.empty((n, len(self.actions)))
        go[:, 0] = df[a + 1 :] @ net[a + 1 :]
        go[:, 1] = 0.0 if status_quo is None else df[a + 1 :] @ (status_quo[1][a + 1 :] - status_quo[0][a + 1 :])
        P = len(df)
        for j, oi in enumerate(self.others):
            c, b = kept[oi]
            go[:, 2 + j] = df[a:] @ (b[: P - a] - c[: P - a])
        return to_date, go

    def trials(self, trials: int, seed: int) -> Trials:
        """The prior trials, evaluated."""
        return Trials.from_model(
            self.inputs(trials, seed),
            self,
            input_names=self.input_names,
            kpi_names=self.kpi_names,
            cell_names=self.actions,
            currency=self.plan.scenario.currency,
        )

    def observations(self) -> list[Observation]:
        """The actuals file's observations, in its order."""
        return [Observation(name, float(m.value), m.spread, m.likelihood) for name, m in self.actuals.observed.items()]


# --- the review ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScenarioReview:
    """A plan-vs-actual review of one scenario's cell.

    Attributes
    ----------
    review : the :class:`~decision_kit.review.Review` (its cells are :attr:`actions`, the
        first being ``continue``).
    scenario, actuals : what was reviewed; ``trials``, ``seed`` the prior trials drawn.
    actions : the open actions: continue, stop, switch to each other option.
    milestones : the chance of passing each milestone of the scenario's success block before
        and after the actuals, if it states any
        (:func:`~decision_kit.review_milestones.milestone_chances`), else None.
    """

    review: Review
    scenario: Scenario
    actuals: Actuals
    actions: tuple[str, ...]
    trials: int
    seed: int
    milestones: pd.DataFrame | None = None

    @property
    def currency(self) -> str:
        return self.scenario.currency

    @property
    def change_in_npv_to_go(self) -> float:
        """Change in the expected NPV to go of continuing, posterior minus prior."""
        return self.review.delta_npv_to_go


def review_scenario(
    scenario: Scenario, actuals: Actuals, *, trials: int = 20_000, seed: int = 0, min_ess: float | None = None
) -> ScenarioReview:
    """Review ``scenario``'s cell named in ``actuals`` against what was observed.

    The prior trials are :func:`~decision_kit.simulation.simulate`'s for ``trials`` and
    ``seed``; the review reweights them by the observations' likelihood and moves to tempered
    SMC (seeded by ``seed``) when the effective sample size falls below ``min_ess`` (default
    :func:`decision_kit.review.plan_vs_actual.default_min_ess`). Raises :class:`ScenarioError`
    when ``actuals`` names what the scenario does not have.
    """
    problems = scenario_problems(actuals, scenario)
    if problems:
        raise ScenarioError("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))
    model = ScenarioModel(scenario, actuals)
    prior = model.trials(trials, seed)
    result = review(
        prior, model.observations(), cell=0, model=model, space=model.space(seed), min_ess=min_ess, rng=seed
    )
    chances = milestone_chances(model, result, prior.inputs)
    return ScenarioReview(result, scenario, actuals, model.actions, trials, seed, chances)


def review_files(scenario_path, actuals_path, *, trials: int = 20_000, seed: int = 0) -> ScenarioReview:
    """:func:`review_scenario` of a scenario file and an actuals file (both validated first)."""
    scenario = load_scenario(scenario_path)
    return review_scenario(scenario, load_actuals(actuals_path, scenario), trials=trials, seed=seed)
