"""What every staged decision on a scenario shares (:mod:`decision_kit.staged_decisions`,
:mod:`decision_kit.staged_pilot`, :mod:`decision_kit.staged_defer`): the cells' flows on
:func:`~decision_kit.simulation.simulate`'s own trials (same seed, same trials, so each trial's
commit-now NPV is the reported one bit for bit), their NPV, which options state which
flexibility, and the yearly stop review's observables and payoffs (used by the review alone
and after a pilot).

The draws a stage adds come from streams of their own, ``default_rng([seed, STREAM + k,
option index])``: k 0 the review, 1 the pilot, 2 the vendor switch, 3 the deferral, 4 a pilot's
extension. Adding a stage changes no commit-now number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import engine, finance
from .errors import ScenarioError
from .plan import Plan, compile_plan
from .sampling import RiskDraws
from .schema import Scenario
from .simulation import draw_trials
from .workspace import Workspace

__all__ = [
    "CellRules",
    "Projected",
    "chosen",
    "licence_flows",
    "npv",
    "project",
    "review_cell",
    "review_draws",
    "reviewed_options",
    "stage_tornado",
    "stated",
    "stated_or_none",
]

STREAM = 0x5747  # the review's own random stream, next to simulate's (seed, block) streams


def reviewed_options(scenario: Scenario | Plan, kind: str = "abandon") -> list[str]:
    """The options that state a yearly stop review (``flexibility: abandon``), or with
    ``kind="pilot"`` a pilot (``"switch_vendor"``, ``"defer"``: those), in file order."""
    s = compile_plan(scenario).scenario
    return [o for o, opt in s.options.items() if opt.flexibility is not None and getattr(opt.flexibility, kind)]


WHAT = {
    "abandon": "a yearly stop review (flexibility: abandon)",
    "pilot": "a pilot (flexibility: pilot)",
    "switch_vendor": "a vendor switch (flexibility: switch_vendor)",
    "defer": "a deferral (flexibility: defer)",
}


def chosen(plan: Plan, options, kind: str) -> list[str]:
    """``options`` (default: every option stating ``kind``), each checked to state it."""
    stated = reviewed_options(plan, kind)
    chosen = stated if options is None else list(options)
    for o in chosen:
        if o not in stated:
            raise ScenarioError(
                f"option '{o}' does not state {WHAT[kind]}; options that do: {', '.join(stated) or 'none'}"
            )
    if not chosen:
        raise ScenarioError(f"no option of '{plan.scenario.name}' states {WHAT[kind]}")
    return chosen


@dataclass(frozen=True, eq=False)
class Projected:
    """Every cell's flows on simulate's trials: ``cost``, ``benefit`` (O, W, P, n), the status
    quo's ``sq`` ((P, n) each), ``launch`` (O, W, n), the completed input ``values``, the
    discount factors ``df`` (P,)."""

    plan: Plan
    n: int
    cost: np.ndarray
    benefit: np.ndarray
    sq: tuple
    launch: np.ndarray
    values: dict
    df: np.ndarray
    risks: RiskDraws


def project(scenario: Scenario | Plan, trials: int, seed: int) -> Projected:
    """Every cell's flows on :func:`~decision_kit.simulation.simulate`'s trials for ``seed``."""
    plan = compile_plan(scenario)
    values, risks, n = draw_trials(plan, trials, seed)
    flows = engine.project(plan, values, risks, n)
    cost, benefit = flows.flows()
    zero = np.zeros((plan.layout.periods, n))
    sq = flows.status_quo if flows.status_quo is not None else (zero, zero)
    df = finance.discount_factors(plan.scenario.discount_rate, plan.layout.periods)
    return Projected(plan, n, cost, benefit, sq, flows.launch, plan.complete(values), df, risks)


LICENCE_CHUNK = 2_048  # trials per engine pass of licence_flows (its per-trial sums take R x P x O x W floats each)


def _trials(x: Any, a: int, b: int) -> Any:
    return x[a:b] if isinstance(x, np.ndarray) and x.ndim else x


def licence_flows(plan: Plan, values: dict, risks: RiskDraws, n: int) -> np.ndarray:
    """Every cell's licence cost (category ``license``: the sum of its licence lines' flows, as
    the engine puts it in that category's row) per period and trial, (O, W, P, n), currency.

    The engine keeps category rows as sums over trials only; here it is run again on the same
    ``values`` and ``risks`` with a workspace that takes those sums per trial (a block of one
    trial, :meth:`~decision_kit.workspace.Workspace.sum_blocks`), :data:`LICENCE_CHUNK` trials
    at a time. Each trial's row is then that trial's licence flow exactly (a sum of one term).
    Zero where no line of the scenario is a licence."""
    lay = plan.layout
    out = np.zeros((len(lay.options), len(lay.owners), lay.periods, n))
    row = plan.row_index.get("license")
    if row is None:
        return out
    ws = Workspace()
    for a in range(0, n, LICENCE_CHUNK):
        b = min(n, a + LICENCE_CHUNK)
        ws.sum_blocks(1, b - a)
        drawn = (risks.first, risks.yearly, risks.impact)
        cut = RiskDraws(*({k: _trials(v, a, b) for k, v in d.items()} for d in drawn))
        chunk = {k: _trials(v, a, b) for k, v in values.items()}
        flows = engine.project(plan, chunk, cut, b - a, ws, on_cell=lambda *_: None)
        sums = flows.rows_sum[row]  # (P, O, W, trials), or (P, O, W) for a chunk of one trial
        out[..., a:b] = np.moveaxis(sums.reshape(sums.shape[:3] + (b - a,)), 0, 2)
    return out


def stated_or_none(plan: Plan, option: str, kind: str) -> Any:
    """The ``flexibility.<kind>`` block ``option`` states, or None."""
    flex = plan.scenario.options[option].flexibility
    return getattr(flex, kind) if flex is not None else None


def stated(plan: Plan, option: str, kind: str) -> Any:
    """The ``flexibility.<kind>`` block ``option`` states (checked by :func:`chosen` first)."""
    block = stated_or_none(plan, option, kind)
    if block is None:
        raise ScenarioError(f"option '{option}' does not state {WHAT[kind]}")
    return block


def draw(block: Any, name: str, rng: np.random.Generator, n: int, pinned: dict | None) -> np.ndarray:
    """``n`` draws of the stage input ``name`` of ``block``; the stream advances as always, and a
    value in ``pinned[name]`` then replaces the draws (the stage tornado: every other draw of the
    stage stays the same, so a swing is the input's, not noise)."""
    x = np.asarray(getattr(block, name).sample(rng, n), dtype=float)
    return np.full(n, float(pinned[name])) if pinned and name in pinned else x


def review_draws(plan: Plan, option: str, n: int, seed: int, pinned: dict | None = None):
    """The review's own draws for ``option``: exit cost (n,), months from go-live until a
    failure is seen (n,), and the measured-benefit errors (2, P, n) as standard normals
    (``pinned``: see :func:`draw`)."""
    index = list(plan.scenario.options).index(option)
    rng = np.random.default_rng([seed, STREAM, index])
    ab = stated(plan, option, "abandon")
    exit_cost = draw(ab, "exit_cost", rng, n, pinned)
    seen = draw(ab, "failure_seen_after_months", rng, n, pinned)
    noise = rng.standard_normal((2, plan.layout.periods, n))
    return ab, exit_cost, seen, noise


def npv(net: np.ndarray, df: np.ndarray) -> np.ndarray:
    """NPV of a (P, n) net flow, summed period by period as :mod:`decision_kit.trial_metrics`
    does (so it is the reported NPV bit for bit)."""
    out = np.zeros(net.shape[1])
    for t in range(len(df)):
        out += net[t] * df[t]
    return out


def review_cell(cost, benefit, sq, launch, failed, df, draws, H: int):
    """Observables, stopping payoffs and the commit-now NPV of one cell (see the module)."""
    ab, exit_cost, seen, noise = draws
    sq_cost, sq_benefit = sq
    terminal = npv(benefit - cost, df) - npv(sq_benefit - sq_cost, df)
    d = (benefit - cost) - (sq_benefit - sq_cost)
    cum = np.cumsum(d * df[:, None], axis=0)
    k = ab.commitment_years
    sigma = float(ab.benefit_noise)
    measured = benefit * np.exp(sigma * noise[0] - sigma**2 / 2) + float(ab.benefit_noise_floor) * noise[1]
    obs, exercise = [], np.full((terminal.size, H - 1), -np.inf)
    for t in range(1, H):
        live = launch <= 12 * t
        obs.append(np.column_stack([measured[t], cost[t], live, failed & (launch + seen <= 12 * t)]))
        last = t + k
        if last < H:
            exercise[:, t - 1] = cum[last] - exit_cost * df[last]
    return obs, exercise, terminal


@dataclass(frozen=True, eq=False)
class CellRules:
    """A one-date rule fitted per option x owner: the scenario's name and currency, the trials
    and seed, one row per cell in ``table`` and the fitted rule per cell in ``rules``."""

    scenario: str
    currency: str
    trials: int
    seed: int
    table: pd.DataFrame
    rules: dict

    def to_frame(self) -> pd.DataFrame:
        return self.table


def option_index(plan: Plan, option: str) -> int:
    """The option's index in the compiled plan (the first axis of ``Projected.cost``)."""
    return next(p.index for p in plan.options if p.name == option)


def commit_and_later(pr: Projected, oi: int, wi: int, months: float) -> tuple[np.ndarray, np.ndarray]:
    """Per trial, the cell's commit-now NPV versus the status quo (the reported one, bit for bit)
    and the NPV of the same option started ``months`` later: the same flows over the same life,
    discounted ``months / 12`` years more, the status quo running meanwhile (the horizon is read
    as the option's life, so nothing is cut at it)."""
    cost, benefit = pr.cost[oi, wi], pr.benefit[oi, wi]
    sq_cost, sq_benefit = pr.sq
    terminal = npv(benefit - cost, pr.df) - npv(sq_benefit - sq_cost, pr.df)
    d = (benefit - cost) - (sq_benefit - sq_cost)
    later = npv(d, pr.df) * (1.0 + pr.plan.scenario.discount_rate) ** -(months / 12)
    return terminal, later


STAGE_INPUTS = {
    "abandon": ("flexibility", ("exit_cost", "failure_seen_after_months"), ("benefit_noise", "benefit_noise_floor")),
    "pilot": (
        "value",
        ("setup_cost", "monthly_cost", "failure_seen_after_months"),
        ("benefit_noise", "benefit_noise_floor"),
    ),
    "switch_vendor": (
        "value",
        ("cost", "double_running_months", "new_vendor_price", "new_vendor_escalation", "migration_benefit_loss"),
        (),
    ),
    "defer": ("value", ("waiting_cost",), ("benefit_noise", "benefit_noise_floor")),
}
"""Per kind of stage: the column of its analysis's table holding the value of flexibility, its
drawn inputs (distributions) and its measurement errors (numbers)."""


def _restated(s: Scenario, option: str, kind: str, name: str, value: float) -> Scenario:
    """``s`` with ``options.<option>.flexibility.<kind>.<name>`` set to ``value`` (the option's
    flexibility written out, so a variant keeps what it inherits)."""
    raw = s.model_dump(exclude_none=True)
    flex = s.options[option].flexibility.model_dump(exclude_none=True)  # type: ignore[union-attr]
    flex[kind][name] = value
    raw["options"][option]["flexibility"] = flex
    return Scenario.model_validate(raw)


def stage_tornado(
    analyse, scenario: Scenario | Plan, option: str, owner: str, kind: str, *, trials: int = 4_000, seed: int = 1
) -> pd.DataFrame:
    """The value of flexibility of one cell (``option`` x ``owner``) with each of the stage's own
    inputs at a low and a high value, the others as stated (a tornado over what the main
    tornado and the value of information do not see: the stages' inputs are drawn apart from
    :func:`~decision_kit.simulation.simulate`). ``analyse`` is the stage's analysis
    (:func:`~decision_kit.staged_decisions.abandonment` for ``kind="abandon"``, ``pilots``,
    ``switches``, ``deferrals``). A drawn input (exit cost, a pilot's or switching cost, months of
    double running, a new vendor's price, months until a failure is seen) goes to its P10 and
    P90, every trial at that value, on the same trials and the stage's other draws (common random
    numbers); a measurement error (lognormal
    sigma, additive floor) to half and twice its stated value (a judgement range: no prior
    states them). Rows sorted by ``swing`` (``|value_at_high - value_at_low|``), currency;
    columns ``input``, ``low``, ``high``, ``value_at_low``, ``value_at_high``, ``swing``,
    ``value_as_stated``."""
    plan = compile_plan(scenario)
    s, block = plan.scenario, stated(plan, option, kind)
    column, drawn, errors = STAGE_INPUTS[kind]

    def value(scn, pinned=None) -> float:
        table = analyse(scn, trials=trials, seed=seed, options=[option], pinned=pinned).table
        return float(table.loc[(option, owner), column])

    base = value(s)
    rows = []
    for name in drawn:
        dist = getattr(block, name, None)
        if dist is None or dist.is_fixed():
            continue
        lo, hi = float(dist.ppf(0.1)), float(dist.ppf(0.9))
        rows.append((f"{kind}.{name}", lo, hi, value(s, {name: lo}), value(s, {name: hi})))
    for name in errors:
        x = float(getattr(block, name))
        if x > 0:
            lo, hi = x / 2, min(2 * x, 3.0) if name == "benefit_noise" else 2 * x
            rows.append((f"{kind}.{name}", lo, hi, value(_restated(s, option, kind, name, lo)),
                         value(_restated(s, option, kind, name, hi))))  # fmt: skip
    out = pd.DataFrame(rows, columns=["input", "low", "high", "value_at_low", "value_at_high"])
    out["swing"] = (out.value_at_high - out.value_at_low).abs()
    out["value_as_stated"] = base
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
