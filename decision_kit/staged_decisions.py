"""Staged decisions on a scenario: commit now, or review the option every year and stop it.

:func:`abandonment` values the yearly stop review an option states under
``flexibility: abandon`` (:mod:`decision_kit.schema.flexibility`) for every owner of that
option, on :func:`~decision_kit.simulation.simulate`'s own draws (same seed, same trials), so
the commit-now NPV of each trial is the one the rest of the tool reports, bit for bit.

How a trial is valued. The cell's difference from the status quo in period p is ``d[p]``
(currency; period 0 the decision date, period t the end of year t), discounted at the
scenario's rate. Stopping at the review at the end of year t keeps ``d`` through year ``t + k``
(``k`` the contract years still due), pays the exit cost in that year and nothing after it; a
review whose ``t + k`` reaches the horizon cannot change anything and is not offered. The
rule is least-squares Monte Carlo (:func:`~decision_kit.staging.least_squares_policy`) on what
is observable at each review only: the benefit measured in the year (true benefit x lognormal
error + normal error), the cost paid in the year, whether the option is live, whether a
delivery failure has been seen. It is fitted on one half of the trials and valued on the
other; the in-sample value (biased high) is reported with it. A delivery failure is the
realisation input's atom at zero (the ``benefit_realisation`` prior's 20%), seen
``failure_seen_after_months`` after go-live.

The draws the review adds (exit costs, when failures are seen, measurement errors) come from
a stream of their own, seeded from ``seed``, one set per option shared by its owners: adding a
review changes no commit-now number, and owners differ only by what they do, not by luck.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import engine
from .errors import ScenarioError
from .formatting import compact, finite, whole_percent
from .plan import Plan
from .sampling import RiskDraws
from .schema import Scenario
from .staged_flows import (
    STREAM,
    CellRules,
    Projected,
    chosen,
    draw,
    licence_flows,
    npv,
    project,
    review_cell,
    review_draws,
    reviewed_options,
    stated,
)
from .staging import Estimate, LSMPolicy, ThresholdRule, least_squares_policy, threshold_rule, value_of_flexibility
from .staging.lsm import stopping_dates
from .staging.review_rule import threshold_review_policy

__all__ = ["Abandonment", "Switches", "abandonment", "reviewed_options", "switches"]

_GRID = 241  # measured-benefit points searched for a review's stop boundary


@dataclass(frozen=True, eq=False)
class Abandonment:
    """Commit now versus a yearly stop review, per option x owner.

    ``table``: one row per (option, owner): ``commit_npv``, ``staged_npv`` (expected NPV versus
    the status quo on the valued trials, currency), ``flexibility`` and its
    ``flexibility_se`` (staged minus commit, paired per trial), ``flexibility_in_sample``,
    ``significant`` (the value of flexibility is more than two standard errors from zero),
    ``p_stop`` (share of valued trials stopped at some review), ``p_loss_commit``,
    ``p_loss_staged``, ``p10_commit``, ``p10_staged``, ``p_stop_regret`` (stopped although
    carrying on would have paid more), ``p_carry_on_regret`` (never stopped although stopping at
    some review would have paid more), ``p_failure`` (share of valued trials whose delivery
    failed), ``rule_form`` (how the rule was fitted: least squares or a threshold on the
    measured benefit at each review, whichever pays more on the fit trials). ``reviews``: one
    row per (option, owner, year): ``p_stop`` at that review,
    ``stop_below`` (stop if the year's measured benefit is below this, currency a year, for a
    live option with no failure seen; NaN where the rule never or always stops there, see
    ``rule``), ``rule`` (the same in words), ``stop_if_failure_seen``. ``policies``: the fitted
    :class:`~decision_kit.staging.LSMPolicy` per cell. ``commit``: per cell, every trial's
    commit-now NPV versus the status quo (the reported one, bit for bit); ``staged``: per cell,
    the NPV under the rule on the valued trials (``policies[cell].valued``); ``stops``: per
    cell, the review (0-based year-end index) at which each valued trial stops, the number of
    reviews where it never does.
    """

    scenario: str
    currency: str
    trials: int
    seed: int
    table: pd.DataFrame
    reviews: pd.DataFrame
    policies: dict
    commit: dict
    staged: dict
    stops: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def cell_reviews(self, option: str, owner: str) -> pd.DataFrame:
        """The rows of :attr:`reviews` of one cell, indexed by year."""
        rv = self.reviews.reset_index()
        return rv[(rv.option == option) & (rv.owner == owner)].set_index("year").drop(columns=["option", "owner"])

    def rule_words(self, option: str, owner: str) -> list[str]:
        """The fitted stop rule of one cell in words, one line per review that can change
        anything (money in the scenario's currency, three significant figures)."""
        out = []
        for year, r in self.cell_reviews(option, owner).iterrows():
            if str(r.rule).startswith("no review"):
                continue
            parts = ["a delivery failure has been seen"] if r.stop_if_failure_seen else []
            if finite(r.stop_below):
                parts.append(f"the year's measured benefit is below {compact(r.stop_below)} {self.currency}")
            elif str(r.rule).startswith("stop whatever"):
                parts = ["always"]
            what = " or ".join(parts) if parts else "never (carry on whatever is measured)"
            if str(r.rule).startswith("no single"):
                what += " (no single benefit threshold: the fitted rule is not monotone in it)"
            out.append(f"end of year {year}: stop if {what}; stops {whole_percent(r.p_stop)} of trials")
        return out


def _boundary(policy: LSMPolicy, j: int, x: np.ndarray) -> tuple[float, str, bool]:
    """Where the rule of review ``j`` stops a live option with no failure seen, scanning the
    measured benefit over its P1-P99 on the given observables ``x`` (valued trials)."""
    ok = (x[:, 2] > 0) & (x[:, 3] == 0)
    flagged = x[:, 3] > 0
    probe_fail = np.array([[np.median(x[flagged, 0]) if flagged.any() else 0.0, np.median(x[:, 1]), 1.0, 1.0]])
    stop_fail = bool(policy.decide(j, probe_fail)[0])
    if ok.sum() < 10:
        return np.nan, "too few live trials to state a rule", stop_fail
    lo, hi = np.quantile(x[ok, 0], [0.01, 0.99])
    grid = np.linspace(float(lo), float(hi), _GRID)
    probe = np.column_stack([grid, np.full(_GRID, np.median(x[ok, 1])), np.ones(_GRID), np.zeros(_GRID)])
    stop = policy.decide(j, probe)
    if not stop.any():
        return np.nan, "carry on whatever the measured benefit", stop_fail
    if stop.all():
        return np.nan, "stop whatever the measured benefit", stop_fail
    first_go = int(np.argmax(~stop))
    if stop[first_go:].any() or first_go == 0:
        return np.nan, "no single threshold (the fitted rule is not monotone in the benefit)", stop_fail
    return float(grid[first_go]), "stop if the measured benefit is below the threshold", stop_fail


def _summaries(when, exercise, terminal, staged, dates: int) -> dict:
    stopped = when < dates
    taken = exercise[np.arange(terminal.size), np.minimum(when, dates - 1)]
    best_stop = exercise.max(axis=1)
    return {
        "p_stop": stopped.mean(),
        "p_loss_commit": (terminal < 0).mean(),
        "p_loss_staged": (staged < 0).mean(),
        "p10_commit": np.quantile(terminal, 0.1),
        "p10_staged": np.quantile(staged, 0.1),
        "p_stop_regret": (stopped & (terminal > taken)).mean(),
        "p_carry_on_regret": (~stopped & (best_stop > terminal)).mean(),
    }


def _review_policy(obs, exercise, terminal, degree: int, seed, split) -> tuple[LSMPolicy, str]:
    """The stop rule of one cell: least squares (degree ``degree``) or a threshold on the
    measured benefit at each date (:func:`~decision_kit.staging.review_rule.threshold_review_policy`),
    whichever is worth more on the fit trials (both fit on the same ones, so the choice never
    sees the valued trials), and its form in words."""
    lsm = least_squares_policy(obs, exercise, terminal, degree=degree, seed=seed, split=split)
    rule = threshold_review_policy(obs, exercise, terminal, seed=seed, split=split)
    if rule.value_in_sample > lsm.value_in_sample:
        return rule, "a threshold on the measured benefit at each review"
    return lsm, f"least squares on a degree-{degree} polynomial of what the review sees"


def abandonment(
    scenario: Scenario | Plan,
    *,
    trials: int = 20_000,
    seed: int = 1,
    options: list[str] | None = None,
    degree: int = 2,
    split: float = 0.5,
    pinned: dict | None = None,
) -> Abandonment:
    """Value the yearly stop review of each reviewed option (or of ``options``) under every owner.

    ``trials`` and ``seed`` are :func:`~decision_kit.simulation.simulate`'s (the same trials);
    ``degree`` is the polynomial degree of the regression on the observables; ``split`` the
    share of trials that fit the rule (the others value it). Money in the scenario's currency,
    NPV versus the status quo at the decision date. Raises
    :class:`~decision_kit.errors.ScenarioError` if an option states no review or the horizon
    leaves no year to review. ``pinned`` fixes stage inputs for the stage tornado
    (:func:`~decision_kit.staged_flows.draw`).
    """
    pr = project(scenario, trials, seed)
    plan, s, lay, n, H = pr.plan, pr.plan.scenario, pr.plan.layout, pr.n, pr.plan.horizon
    picked = chosen(plan, options, "abandon")
    if H < 2:
        raise ScenarioError(f"a horizon of {H} year leaves no year-end to review before it ends")
    cost, benefit, sq, df, full = pr.cost, pr.benefit, pr.sq, pr.df, pr.values
    rows, review_rows, policies, commit, staged_npv, stops = [], [], {}, {}, {}, {}
    for o in picked:
        op = next(p for p in plan.options if p.name == o)
        failed = np.broadcast_to(np.asarray(full.get(op.realisation, 1.0), dtype=float) == 0, (n,))
        draws = review_draws(plan, o, n, seed, pinned)
        for wi, w in enumerate(lay.owners):
            oi = op.index
            obs, exercise, terminal = review_cell(cost[oi, wi], benefit[oi, wi], sq, pr.launch[oi, wi], failed,
                                                   df, draws, H)  # fmt: skip
            policy, form = _review_policy(obs, exercise, terminal, degree, seed, split)
            v = policy.valued
            when = stopping_dates(
                policy.regressions, [x[v] for x in obs], exercise[v], np.ones(exercise[v].shape, bool)
            )
            staged = policy.npv([x[v] for x in obs], exercise[v], terminal[v])
            rows.append({"option": o, "owner": w, "commit_npv": policy.commit_now_value,
                         "staged_npv": policy.value_out_of_sample, "flexibility": policy.flexibility,
                         "flexibility_se": policy.flexibility_standard_error,
                         "flexibility_in_sample": policy.flexibility_in_sample,
                         "significant": abs(policy.flexibility) > 2 * policy.flexibility_standard_error,
                         **_summaries(when, exercise[v], terminal[v], staged, H - 1),
                         "p_failure": failed[v].mean(), "rule_form": form})  # fmt: skip
            for j in range(H - 1):
                threshold, rule, stop_fail = _boundary(policy, j, obs[j][v])
                offered = bool(np.isfinite(exercise[:, j]).any())
                review_rows.append({"option": o, "owner": w, "year": j + 1, "p_stop": policy.p_stop_by_date[j],
                                    "stop_below": threshold if offered else np.nan,
                                    "rule": rule if offered else "no review (the contract runs to the horizon)",
                                    "stop_if_failure_seen": stop_fail and offered})  # fmt: skip
            policies[(o, w)], commit[(o, w)], staged_npv[(o, w)], stops[(o, w)] = policy, terminal, staged, when
    table = pd.DataFrame(rows).set_index(["option", "owner"])
    reviews = pd.DataFrame(review_rows).set_index(["option", "owner", "year"])
    return Abandonment(s.name, s.currency, n, seed, table, reviews, policies, commit, staged_npv, stops)


# -- switch vendor after an acquisition --------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Switches(CellRules):
    """Stay with an acquired vendor or switch, per option x owner.

    ``table``: one row per (option, owner): ``commit_npv`` (never switch) and ``switch_npv``
    (under the fitted rule), expected NPV versus the status quo on the valued trials,
    currency; ``value``, ``value_se``, ``value_in_sample``, ``significant``; ``p_acquired``
    (share of valued trials whose vendor is acquired with at least a year left), ``p_switch``;
    ``switch_if_rise_at_least`` (the smallest price change, a fraction, at which the rule
    switches; NaN if it never does); ``p_switch_regret`` (switched although staying paid more),
    ``p_stay_regret`` (acquired, stayed, and switching paid more); ``switching_cost`` (mean of
    the migration cost, currency); ``double_running_months`` (mean); ``double_running_cost``
    (what a switch would pay the old vendor during the double running, currency as paid, mean
    over the valued trials acquired with a year left); ``new_vendor_price`` (mean of the new vendor's
    price relative to the old one's before the acquisition); ``migration_benefit_loss`` (mean
    share of the migration year's benefit lost); ``roadmap_loss`` (mean of the
    risk's share of benefit lost after the acquisition, which switching restores); ``rule_on``
    (``"price change"``, or ``"price change and roadmap loss"`` where the trial's loss is seen
    and a rule on both paid more on the fit trials; then ``switch_if_rise_at_least`` is the cut
    at the median loss and ``switch_if_loss_at_least`` the cut in the loss at no price change). ``rules``: the fitted
    :class:`~decision_kit.staging.ThresholdRule` per cell.
    """

    def rule_words(self, option: str, owner: str) -> str:
        """The fitted stay-or-switch rule of one cell in business units."""
        r = self.table.loc[(option, owner)]
        seen = f"{whole_percent(r.p_acquired)} of trials see an acquisition"
        switch = whole_percent(r.p_switch)
        if r.get("rule_on") == "price change and roadmap loss":
            rise = ("never at the median roadmap loss" if not finite(r.switch_if_rise_at_least)
                    else f"at the median roadmap loss from a rise of {r.switch_if_rise_at_least:.0%}")  # fmt: skip
            kept = r.switch_if_loss_at_least
            loss = "never with the price kept"
            if finite(kept):
                loss = f"with the price kept from a loss of {kept:.0%} of the benefit"
            return (f"switch vendor when the acquirer's price rise and the roadmap loss it brings pay for the move "
                    f"(a rule on both): {rise}, {loss}; {seen}, {switch} switch")  # fmt: skip
        if not finite(r.switch_if_rise_at_least):
            return f"stay whatever the acquirer does to the price ({seen})"
        rise = f"{r.switch_if_rise_at_least:.0%}"
        lost = f" (and the roadmap loss cuts the benefit by {r.roadmap_loss:.0%} on average)" if r.roadmap_loss else ""
        return f"switch vendor when an acquirer raises the price by {rise} or more{lost}; {seen}, {switch} switch"

    def cost_words(self, option: str, owner: str) -> str:
        """What a switch costs in one cell, in words: the migration, the double running (only if
        stated), the new vendor's price (only if not exactly the old one's) and the migration
        year's benefit loss (only if stated)."""
        r, cur = self.table.loc[(option, owner)], self.currency
        out = f"switching costs {compact(r.switching_cost)} {cur} on average"
        if r.double_running_months > 0:
            out += (f" plus {r.double_running_months:.1f} months of double running (the old vendor's licence, "
                    f"{compact(r.double_running_cost)} {cur} on average)")  # fmt: skip
        if r.new_vendor_price != 1:
            out += (f"; the new vendor charges {r.new_vendor_price:.0%} of the old vendor's price before the "
                    "acquisition on average (not known when deciding)")  # fmt: skip
        if r.get("migration_benefit_loss", 0) > 0:
            out += f"; the migration year loses {r.migration_benefit_loss:.0%} of its benefit on average"
        return out


def _switch_cell(pr: Projected, quiet: tuple, oi: int, wi: int, k: np.ndarray, cost: np.ndarray, running=None,
                 dip=None):  # fmt: skip
    """Commit-now NPV and switching NPV of one cell: the flows as drawn through the year of the
    acquisition ``k``, then those of the same trial without it (``quiet``: cost, benefit, status
    quo; the new vendor's prices in them), less the switching cost in year ``k``, the present
    value of the double running ``running`` (per trial, or None for none) and the share ``dip``
    (per trial, or None) of the migration year's benefit lost while the new system beds in.
    Trials acquired in the last year or never switch to themselves."""
    H, df = pr.plan.horizon, pr.df
    d = (pr.benefit[oi, wi] - pr.cost[oi, wi]) - (pr.sq[1] - pr.sq[0])
    q_cost, q_benefit, q_sq = quiet
    d_quiet = (q_benefit[oi, wi] - q_cost[oi, wi]) - (q_sq[1] - q_sq[0])
    terminal = npv(pr.benefit[oi, wi] - pr.cost[oi, wi], df) - npv(pr.sq[1] - pr.sq[0], df)
    cum = np.cumsum(d * df[:, None], axis=0)  # PV through each period, as drawn
    tail = np.cumsum((d_quiet * df[:, None])[::-1], axis=0)[::-1]  # PV from each period on, unacquired
    can = k < H
    kk = np.minimum(k, H - 1).astype(int)
    cols = np.arange(terminal.size)
    switched = cum[kk, cols] + tail[kk + 1, cols] - cost * df[kk]
    if running is not None:
        switched = switched - running
    if dip is not None:
        migration = np.minimum(kk + 1, H)
        switched = switched - dip * q_benefit[oi, wi][migration, cols] * df[migration]
    return terminal, np.where(can, switched, terminal), can


def _switch_row(terminal, go, can, signal, cost, seed, split, loss=None):
    """One cell's row and rule: a threshold on the acquirer's price change ``signal``; with the
    trial's roadmap loss ``loss`` seen too (None: not seen, or the same in every trial), a rule
    on both by least squares (one date of :func:`~decision_kit.staging.least_squares_policy`,
    a quadratic in the two) where it pays more than the threshold on the fit trials."""
    threshold = threshold_rule(signal, go, terminal, seed=seed, split=split)
    out = {}
    for name, idx in (("in_sample", threshold.fit), ("", threshold.valued)):
        out[name] = value_of_flexibility(terminal[idx], threshold.npv(signal[idx], go[idx], terminal[idx]))
    v = threshold.valued
    moved = threshold.decide(signal[v]) & can[v]
    rule: ThresholdRule | LSMPolicy = threshold
    on, both = "price change", None
    if loss is not None:
        seen = np.column_stack([signal, loss])
        switch = np.where(can, go, -np.inf)[:, None]
        lsm = least_squares_policy([seen], switch, terminal, eligible_by_date=can[:, None], degree=2, seed=seed,
                                   split=split)  # fmt: skip
        if lsm.flexibility_in_sample > out["in_sample"].mean:
            rule, on, both = lsm, "price change and roadmap loss", lsm
            out = {"in_sample": Estimate(lsm.flexibility_in_sample, np.nan, lsm.fit.size),
                   "": Estimate(lsm.flexibility, lsm.flexibility_standard_error, lsm.valued.size)}  # fmt: skip
            moved = lsm.decide(0, seen[v], can[v])
    rises = signal[v][moved]
    row = {"commit_npv": terminal[v].mean(), "switch_npv": terminal[v].mean() + out[""].mean, "value": out[""].mean,
           "value_se": out[""].standard_error, "value_in_sample": out["in_sample"].mean,
           "significant": abs(out[""].mean) > 2 * out[""].standard_error, "p_acquired": can[v].mean(),
           "p_switch": moved.mean(), "switch_if_rise_at_least": rises.min() if rises.size else np.nan,
           "p_switch_regret": (moved & (go[v] < terminal[v])).mean(),
           "p_stay_regret": (~moved & can[v] & (go[v] > terminal[v])).mean(),
           "switching_cost": cost.mean(), "rule_on": on}  # fmt: skip
    if both is not None:
        row.update(_cuts(both, signal, loss))
    return row, rule


def _cuts(rule: LSMPolicy, signal: np.ndarray, loss: np.ndarray) -> dict:
    """Where a rule on the price change and the roadmap loss starts switching: along the rise at
    the median loss (``switch_if_rise_at_least``), and along the loss at no price change
    (``switch_if_loss_at_least``); NaN where it does not switch on the grid (P0-P100 of the draws)."""

    def first(x: np.ndarray) -> float:
        return float(x.min()) if x.size else np.nan

    grid = np.linspace(0.0, 1.0, 201)
    rise = np.quantile(signal, grid)
    lost = np.quantile(loss, grid)
    at_median = np.column_stack([rise, np.full(grid.size, np.median(loss))])
    at_no_rise = np.column_stack([np.zeros(grid.size), lost])
    return {"switch_if_rise_at_least": first(rise[rule.decide(0, at_median)]),
            "switch_if_loss_at_least": first(lost[rule.decide(0, at_no_rise)])}  # fmt: skip


def double_running(licence: np.ndarray, months: np.ndarray, k: np.ndarray, df: np.ndarray) -> tuple:
    """Per trial, what the old vendor is paid during ``months`` of double running after an
    acquisition in year ``k``: (as paid, currency; its present value at the decision date).
    Year ``k + j`` (j = 1, 2, ...) pays the share ``clip(months / 12 - (j - 1), 0, 1)`` of that
    year's licence ``licence`` ((P, n): the cell's licence as drawn, at the acquirer's price);
    nothing beyond the horizon, nor for a trial never acquired."""
    H, n = licence.shape[0] - 1, licence.shape[1]
    paid, pv, cols = np.zeros(n), np.zeros(n), np.arange(n)
    for j in range(1, int(np.ceil(float(months.max(initial=0.0)) / 12)) + 1):
        t = k + j
        on = t <= H
        tt = np.where(on, t, 0).astype(int)
        x = np.clip(months / 12 - (j - 1), 0.0, 1.0) * on * licence[tt, cols]
        paid += x
        pv += x * df[tt]
    return paid, pv


def _quiet(plan: Plan, values: dict, risks: RiskDraws, n: int) -> tuple:
    """(cost, benefit, status quo) of every cell on these draws (the status quo zero if none)."""
    flows = engine.project(plan, values, risks, n)
    zero = np.zeros((plan.layout.periods, n))
    return (*flows.flows(), flows.status_quo if flows.status_quo is not None else (zero, zero))


def new_vendor_values(plan: Plan, option: str, values: dict, price: np.ndarray, escalation=None, k=None) -> dict:
    """``values`` with the licence lines (category ``license``) of ``option`` at ``price`` (n,)
    times their amounts: each licence flow is ``price`` times what it was, from year 1 on
    (escalators as drawn); a line stated as a percent of a licence line follows it, and a licence
    line that is a percent of one is not scaled twice. What an owner pays in proportion to cost
    or licence (a governance overhead, shadow IT's duplicate licences) follows in the engine.

    With the new vendor's own ``escalation`` (n,) (a fresh price path) and the switch year ``k``
    (n,): each licence line with an escalator escalates at that rate instead, from the price it
    had in year ``k + 1``: its amount becomes ``amount x price x ((1 + e) / (1 + g)) ** k`` and
    its escalator ``g``, so year ``t`` pays ``amount x price x (1 + e) ** k x (1 + g) ** (t - 1 -
    k)``. A line without an escalator stays flat; a line escalating by contract term is an error
    (the fresh path is stated for yearly escalators)."""
    out, scaled = dict(values), set()  # the lines whose flows are scaled
    for line in next(p for p in plan.options if p.name == option).lines:  # a percent_of line after its source
        inherited = line.timing == "percent_of" and line.of in scaled
        if line.category == "license" and not inherited:
            a = np.asarray(values[line.amount], dtype=float)
            factor = price
            if escalation is not None and line.escalation is not None:
                if not line.legacy_escalation:
                    raise ScenarioError(f"option '{option}': new_vendor_escalation is stated for yearly escalators; "
                                        f"licence line '{line.name}' escalates by contract term")  # fmt: skip
                old = np.asarray(values[line.escalation], dtype=float)
                factor = price * ((1.0 + old) / (1.0 + escalation)) ** np.asarray(k, dtype=float)
                out[line.escalation] = escalation
            out[line.amount] = a * factor.reshape((-1,) + (1,) * max(a.ndim - 1, 0))
        if line.category == "license" or inherited:
            scaled.add(line.name)
    return out


def _double_running_base(pr: Projected, option: str, lines: list[str] | None, cache: dict) -> np.ndarray:
    """Every cell's licence flows per trial (O, W, P, n) on simulate's draws, of ``option``'s
    licence lines named in ``lines`` only (all of them when None): the others' amounts are 0 in
    a licence pass of their own (a licence line stated as a percent of one of them goes with it).
    ``cache`` keeps the passes by the amounts set to 0."""
    op = next(p for p in pr.plan.options if p.name == option)
    off = () if lines is None else tuple(x.amount for x in op.lines if x.category == "license" and x.name not in lines)
    if off not in cache:
        cache[off] = licence_flows(pr.plan, {**pr.values, **dict.fromkeys(off, 0.0)}, pr.risks, pr.n)
    return cache[off]


def _seen_loss(values: dict, path: str | None, n: int) -> np.ndarray | None:
    """The trial's roadmap loss as the switch rule sees it, (n,); None where the risk states
    none or the same loss in every trial (nothing to tell trials apart)."""
    if path is None:
        return None
    loss = np.broadcast_to(np.asarray(values[path], dtype=float), (n,))
    return None if np.ptp(loss) == 0 else loss


def _mean_of(values: dict, path: str | None) -> float:
    """The mean of input ``path``'s draws, 0 for no input."""
    return 0.0 if path is None else float(np.mean(values[path]))


def switches(
    scenario: Scenario | Plan,
    *,
    trials: int = 20_000,
    seed: int = 1,
    options: list[str] | None = None,
    split=0.5,
    pinned: dict | None = None,
) -> Switches:
    """Value switching vendor after an acquisition for each option stating it (or ``options``),
    under every owner, on :func:`~decision_kit.simulation.simulate`'s trials: a threshold on
    the acquirer's price change, fitted on a share ``split`` of the trials and valued on the
    others, against never switching on the same trials. Money in the scenario's currency, NPV
    versus the status quo at the decision date. ``pinned``: as :func:`abandonment`'s.

    The switch's own draws, per option from ``default_rng([seed, STREAM + 2, option index])``:
    the cost, then the months of double running, then the new vendor's price
    (:class:`~decision_kit.schema.flexibility.SwitchVendor`). The switched flows come from a
    second engine pass on the same draws without the acquisition (its probability and price
    change at 0), shared by the options on the same risk; an option whose new vendor's price
    is not exactly 1 has a pass of its own with its licence amounts scaled
    (:func:`new_vendor_values`). Double running reads the cells' licence flows per trial
    (:func:`~decision_kit.staged_flows.licence_flows`; those of ``double_running_lines`` where
    the switch names them), computed only if some months are drawn."""
    pr = project(scenario, trials, seed)
    plan, lay, n = pr.plan, pr.plan.layout, pr.n
    rows, rules, quiet_of = [], {}, {}
    licences: dict[tuple, np.ndarray] = {}
    for o in chosen(plan, options, "switch_vendor"):
        sw = stated(plan, o, "switch_vendor")
        risk = next(r for r in plan.risks if r.name == sw.risk)
        calm = RiskDraws(pr.risks.first, pr.risks.yearly, {**pr.risks.impact, sw.risk: 0.0})  # no price change
        unacquired = {**pr.values, risk.probability: 0.0}  # and no roadmap loss either
        k = engine.first_event_year(pr.risks.first[sw.risk], pr.values[risk.probability], plan.horizon)
        signal = np.broadcast_to(np.asarray(pr.risks.impact[sw.risk], dtype=float), (n,)).copy()
        rng = np.random.default_rng([seed, STREAM + 2, list(plan.scenario.options).index(o)])
        cost = draw(sw, "cost", rng, n, pinned)
        months = draw(sw, "double_running_months", rng, n, pinned)
        price = draw(sw, "new_vendor_price", rng, n, pinned)
        fresh = None if sw.new_vendor_escalation is None else draw(sw, "new_vendor_escalation", rng, n, pinned)
        dip = draw(sw, "migration_benefit_loss", rng, n, pinned)
        loss = _seen_loss(pr.values, risk.roadmap_loss, n) if sw.roadmap_loss_seen else None
        if np.all(price == 1.0) and fresh is None:  # the same trials without this acquisition, shared by its options
            if sw.risk not in quiet_of:
                quiet_of[sw.risk] = _quiet(plan, unacquired, calm, n)
            quiet = quiet_of[sw.risk]
        else:
            new = new_vendor_values(plan, o, unacquired, price, fresh, np.minimum(k, plan.horizon))
            quiet = _quiet(plan, new, calm, n)
        licence = _double_running_base(pr, o, sw.double_running_lines, licences) if np.any(months > 0) else None
        oi = next(p.index for p in plan.options if p.name == o)
        for wi, w in enumerate(lay.owners):
            paid, running = double_running(licence[oi, wi], months, k, pr.df) if licence is not None else (None, None)
            terminal, go, can = _switch_cell(pr, quiet, oi, wi, k, cost, running, dip if np.any(dip > 0) else None)
            row, rules[(o, w)] = _switch_row(terminal, go, can, signal, cost, seed, split, loss)
            acquired = can[rules[(o, w)].valued]
            paid_mean = paid[rules[(o, w)].valued][acquired].mean() if paid is not None and acquired.any() else 0.0
            rows.append({"option": o, "owner": w, **row, "double_running_months": months.mean(),
                         "double_running_cost": paid_mean, "new_vendor_price": price.mean(),
                         "migration_benefit_loss": dip.mean(),
                         "roadmap_loss": _mean_of(pr.values, risk.roadmap_loss)})  # fmt: skip
    s = plan.scenario
    return Switches(s.name, s.currency, n, seed, pd.DataFrame(rows).set_index(["option", "owner"]), rules)
