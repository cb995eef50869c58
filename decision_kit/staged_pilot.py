"""A pilot before the commitment, then scale or stop (``flexibility: pilot``), on a scenario.

:func:`pilots` values each stated pilot per option x owner on
:func:`~decision_kit.simulation.simulate`'s trials (so committing now is the reported NPV bit
for bit): a threshold on the pilot's measured benefit, fitted on one half of the trials and
valued on the other. :func:`pilot_design` is the pilot-design curve. See ``docs/staging.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .formatting import compact, finite, whole_percent
from .plan import Plan
from .schema import Scenario
from .staged_flows import STREAM, CellRules, Projected, chosen, npv, project, stated
from .staging import threshold_rule, value_of_flexibility

__all__ = ["Pilots", "pilot_design", "pilots"]


@dataclass(frozen=True, eq=False)
class Pilots(CellRules):
    """Commit now versus a pilot first, per option x owner.

    ``table``: one row per (option, owner): ``commit_npv`` and ``piloted_npv`` (expected NPV
    versus the status quo on the valued trials, currency; the piloted one net of the pilot's
    cost), ``value`` and ``value_se`` (piloted minus commit now, paired per trial),
    ``value_in_sample``, ``significant``, ``p_stop`` (share of valued trials the pilot stops),
    ``scale_if_at_least`` (the threshold on the pilot's measured benefit, annualised at full
    scale, currency a year) and ``at_pilot_scale`` (the same on the pilot's own scale),
    ``p_stop_when_scaling_pays``, ``p_scale_when_stopping_pays`` (the rule's errors, shares of
    the valued trials), ``pilot_cost`` (mean, currency), ``months``, ``scale``. ``rules``: the
    fitted :class:`~decision_kit.staging.ThresholdRule` per cell.
    """

    def rule_words(self, option: str, owner: str) -> str:
        """The fitted scale-or-stop rule of one cell in business units."""
        r = self.table.loc[(option, owner)]
        share, months = f"{float(r.scale):.0%}", f"{float(r.months):g}"
        seen = (
            f"stop if a failed delivery shows ({whole_percent(r.p_failure_seen)} of trials); "
            if r.p_failure_seen
            else ""
        )
        head = f"pilot on {share} for {months} months: {seen}"
        if not finite(r.scale_if_at_least):
            rest = (
                "scale otherwise"
                if seen
                else ("scale whatever it measures" if r.p_stop == 0 else "stop whatever it measures")
            )
            return f"{head}{rest}; it stops in {whole_percent(r.p_stop)} of trials"
        return (f"{head}scale if its measured benefit is at least {compact(r.at_pilot_scale)} {self.currency} a year "
                f"({compact(r.scale_if_at_least)} a year at full scale), otherwise stop; it stops in "
                f"{whole_percent(r.p_stop)} of trials")  # fmt: skip


def _pilot_draws(plan: Plan, option: str, n: int, seed: int):
    """The pilot's own draws: setup and monthly cost (n,) each, measurement errors (2, n), and
    the months into the pilot after which a failed delivery shows (n,; infinite if never)."""
    index = list(plan.scenario.options).index(option)
    rng = np.random.default_rng([seed, STREAM + 1, index])
    pi = stated(plan, option, "pilot")
    setup = np.asarray(pi.setup_cost.sample(rng, n), dtype=float)
    monthly = np.asarray(pi.monthly_cost.sample(rng, n), dtype=float)
    z = rng.standard_normal((2, n))
    seen = np.full(n, np.inf) if pi.failure_seen_after_months is None else pi.failure_seen_after_months.sample(rng, n)
    return pi, setup, monthly, z, np.asarray(seen, dtype=float)


def _pilot_cell(pr: Projected, oi: int, wi: int, draws, months: float, scale: float):
    """Signal, payoff of scaling, pilot cost and commit-now NPV of one cell, for a pilot of
    ``months`` on ``scale`` (see :class:`~decision_kit.schema.Pilot`). Scaling starts the whole
    option ``months`` later: its flows keep their profile over the same life (the horizon is
    read as the option's life, not a calendar end, so nothing is cut at the horizon), and are
    discounted ``months / 12`` years more; the status quo runs meanwhile."""
    pi, setup, monthly, z, seen = draws
    plan, (sq_cost, sq_benefit) = pr.plan, pr.sq
    op = plan.options[oi]
    cost, benefit = pr.cost[oi, wi], pr.benefit[oi, wi]
    terminal = npv(benefit - cost, pr.df) - npv(sq_benefit - sq_cost, pr.df)
    d = (benefit - cost) - (sq_benefit - sq_cost)
    go = npv(d, pr.df) * (1.0 + plan.scenario.discount_rate) ** -(months / 12)  # the same life, later
    share = scale * months / 12  # of a full-scale year's measurement
    sigma, floor = float(pi.benefit_noise) / np.sqrt(share), float(pi.benefit_noise_floor) / np.sqrt(share)
    latent = benefit[min(2, plan.horizon)]  # the full rollout's benefit in its second year
    signal = latent * np.exp(sigma * z[0] - sigma**2 / 2) + floor * z[1]
    failed = np.asarray(pr.values.get(op.realisation, 1.0), dtype=float) == 0
    shown = failed & (seen <= months)
    if shown.any():  # a failure seen in the pilot sits below every measured benefit: the rule stops it
        low = signal[~shown].min() if (~shown).any() else 0.0
        signal = np.where(shown, low - (np.ptp(signal) + 1.0), signal)
    return signal, go, setup + monthly * scale * months, terminal, shown


def _pilot_row(pr, oi, wi, draws, months, scale, seed, split):
    signal, go, pilot_cost, terminal, shown = _pilot_cell(pr, oi, wi, draws, months, scale)
    rule = threshold_rule(signal, go, np.zeros_like(go), cost=pilot_cost, seed=seed, split=split)
    out = {}
    for name, idx in (("in_sample", rule.fit), ("", rule.valued)):
        staged = rule.npv(signal[idx], go[idx], np.zeros(idx.size), pilot_cost[idx])
        out[name] = value_of_flexibility(terminal[idx], staged)
    t = rule.threshold if rule.direction == 1 and np.isfinite(rule.threshold) else np.nan
    if (~shown).any() and t < signal[~shown].min():  # the cut only separates the failures seen
        t = np.nan
    v = rule.valued
    row = {"commit_npv": terminal[v].mean(), "piloted_npv": rule.value_out_of_sample, "value": out[""].mean,
           "value_se": out[""].standard_error, "value_in_sample": out["in_sample"].mean,
           "significant": abs(out[""].mean) > 2 * out[""].standard_error, "p_stop": rule.p_stop,
           "scale_if_at_least": t, "at_pilot_scale": t * scale,
           "p_stop_when_scaling_pays": rule.p_stop_when_go_pays, "p_scale_when_stopping_pays": rule.p_go_when_stop_pays,
           "pilot_cost": pilot_cost.mean(), "months": months, "scale": scale,
           "p_failure_seen": shown[v].mean()}  # fmt: skip
    return row, rule


def pilots(
    scenario: Scenario | Plan, *, trials: int = 20_000, seed: int = 1, options: list[str] | None = None, split=0.5
) -> Pilots:
    """Value the pilot of each option stating one (or of ``options``) under every owner, on
    :func:`~decision_kit.simulation.simulate`'s trials: a threshold on the pilot's measured
    benefit, fitted on a share ``split`` of the trials and valued on the others, against
    committing now on the same trials. Money in the scenario's currency, NPV versus the status
    quo at the decision date."""
    pr = project(scenario, trials, seed)
    plan, lay = pr.plan, pr.plan.layout
    rows, rules = [], {}
    for o in chosen(plan, options, "pilot"):
        draws = _pilot_draws(plan, o, pr.n, seed)
        pi, oi = draws[0], next(p.index for p in plan.options if p.name == o)
        if pi.months / 12 >= plan.horizon:
            raise ScenarioError(
                f"option '{o}': a pilot of {pi.months:g} months outlasts the {plan.horizon}-year horizon"
            )
        for wi, w in enumerate(lay.owners):
            row, rules[(o, w)] = _pilot_row(pr, oi, wi, draws, float(pi.months), float(pi.scale), seed, split)
            rows.append({"option": o, "owner": w, **row})
    s = plan.scenario
    return Pilots(s.name, s.currency, pr.n, seed, pd.DataFrame(rows).set_index(["option", "owner"]), rules)


def pilot_design(
    scenario: Scenario | Plan,
    option: str,
    owner: str,
    *,
    scales=(0.05, 0.1, 0.15, 0.25, 0.5),
    months=(2, 3, 4, 6, 9),
    trials: int = 20_000,
    seed: int = 1,
    split: float = 0.5,
) -> pd.DataFrame:
    """The pilot-design curve of one cell: the pilot's value net of its cost and its delay
    (piloted minus commit-now expected NPV, out of sample, with its standard error) for every
    pilot ``scale`` x ``months``, on the same trials and measurement errors (so the grid's
    differences are the design's, not noise). Rows (scale, months); columns ``value``,
    ``value_se``, ``p_stop``, ``pilot_cost``. The scenario's own pilot gives the costs and
    measurement errors."""
    pr = project(scenario, trials, seed)
    plan = pr.plan
    chosen(plan, [option], "pilot")
    if owner not in plan.layout.owners:
        raise ScenarioError(f"no owner '{owner}' (owners: {', '.join(plan.layout.owners)})")
    draws = _pilot_draws(plan, option, pr.n, seed)
    oi, wi = next(p.index for p in plan.options if p.name == option), list(plan.layout.owners).index(owner)
    rows = []
    for sc in scales:
        for m in months:
            if not (0 < sc <= 1 and 0 < m and m / 12 < plan.horizon):
                raise ScenarioError(f"a pilot of {m} months on {sc} is not possible over {plan.horizon} years")
            row, _ = _pilot_row(pr, oi, wi, draws, float(m), float(sc), seed, split)
            rows.append({k: row[k] for k in ("scale", "months", "value", "value_se", "p_stop", "pilot_cost")})
    return pd.DataFrame(rows).set_index(["scale", "months"])
