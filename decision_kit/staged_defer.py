"""Defer and learn on a scenario (``flexibility: defer``): wait, observe, then commit or not.

:func:`deferrals` values the deferral an option states for every owner of that option, on
:func:`~decision_kit.simulation.simulate`'s own trials (same seed, same trials), so committing
now is the NPV the rest of the tool reports, bit for bit.

What is observed during the wait, and nothing else: a market signal of the option's yearly
benefit at full delivery, the cell's benefit in the second year of its life computed with the
benefit-realisation input at 1 (a second engine pass on the same draws), times a lognormal
error of ``benefit_noise`` plus a normal error of ``benefit_noise_floor`` (currency a year).
The organisation's own delivery (the realisation input, its failure atom) is not learned by
waiting: nothing is delivered yet. Neither is anything else (prices, acquisitions, launch).

What waiting does. Committing after the wait starts the whole option ``months`` later: the
same flows over the same life, discounted ``months / 12`` years more, the status quo running
meanwhile (as a pilot's delay, :mod:`decision_kit.staged_pilot`; the horizon is read as the
option's life, so nothing is cut at it). The cost of waiting is therefore the benefit foregone
during the wait net of the same months gained at the end of the life, which is the time value
of the whole life, ``NPV x (1 - (1 + r)^(-months/12))``, plus the stated ``waiting_cost``.
Not committing leaves the status quo (NPV 0 versus it; the waiting cost is paid either way).

The rule is a threshold on the signal (:func:`~decision_kit.staging.threshold_rule`, the exact
optimum on the fit trials), fitted on one half of the trials and valued on the other; both
values are reported. The deferral's own draws come from ``default_rng([seed, STREAM + 3,
option index])``, shared by an option's owners: stating it changes no commit-now number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import engine
from .formatting import compact, finite, whole_percent
from .plan import Plan
from .schema import Scenario
from .staged_flows import STREAM, CellRules, Projected, chosen, commit_and_later, draw, option_index, project, stated
from .staging import ThresholdRule, threshold_rule, value_of_flexibility

__all__ = ["Deferrals", "deferrals", "market_signal"]


@dataclass(frozen=True, eq=False)
class Deferrals(CellRules):
    """Commit now versus wait and learn, per option x owner.

    ``table``: one row per (option, owner): ``commit_npv`` and ``deferred_npv`` (expected NPV
    versus the status quo on the valued trials, currency; the deferred one net of the waiting
    cost), ``value`` and ``value_se`` (deferred minus commit now, paired per trial, out of
    sample), ``value_in_sample`` (on the fit trials, biased high), ``significant`` (more than two
    standard errors from zero), ``p_stop`` (share of valued trials where the rule does not
    commit), ``commit_if_at_least`` (the threshold on the market signal, currency a year; NaN
    when the rule commits whatever it sees or never does), ``p_stop_when_commit_pays`` and
    ``p_commit_when_stop_pays`` (its errors, shares of the valued trials), ``cost_of_waiting``
    (expected NPV lost by waiting and then committing whatever is seen: the time value of the
    life plus the waiting cost, currency), ``waiting_cost`` (mean), ``months``. ``rules``: the
    fitted :class:`~decision_kit.staging.ThresholdRule` per cell.
    """

    def rule_words(self, option: str, owner: str) -> str:
        """The fitted commit-or-not rule of one cell in business units."""
        r = self.table.loc[(option, owner)]
        head = f"wait {float(r.months):g} months, then "
        if not finite(r.commit_if_at_least):
            what = "commit whatever the market signal shows" if r.p_stop == 0 else "stay with the status quo"
            return f"{head}{what}"
        return (f"{head}commit if the market signal of the yearly benefit is at least "
                f"{compact(r.commit_if_at_least)} {self.currency} a year, otherwise stay with the status quo; "
                f"it stays in {whole_percent(r.p_stop)} of trials")  # fmt: skip


def market_signal(pr: Projected, option: str, noise: tuple[float, float], z: np.ndarray) -> np.ndarray:
    """The market signal of ``option`` per owner and trial, (W, n): the second-year benefit at
    full delivery (realisation input at 1, same draws otherwise) times ``exp(sigma z[0] -
    sigma^2 / 2)`` plus ``floor z[1]``, for ``noise = (sigma, floor)``."""
    plan = pr.plan
    op = plan.options[option_index(plan, option)]
    delivered = {**pr.values, op.realisation: 1.0}
    _, benefit = engine.project(plan, delivered, pr.risks, pr.n).flows()
    latent = benefit[op.index, :, min(2, plan.horizon)]
    sigma, floor = noise
    return latent * np.exp(sigma * z[0] - sigma**2 / 2) + floor * z[1]


def _draws(plan: Plan, option: str, n: int, seed: int, pinned: dict | None = None):
    """The deferral's own draws: its statement, the waiting cost (n,) and the signal's errors
    (2, n) as standard normals."""
    rng = np.random.default_rng([seed, STREAM + 3, list(plan.scenario.options).index(option)])
    de = stated(plan, option, "defer")
    waiting = draw(de, "waiting_cost", rng, n, pinned)
    return de, waiting, rng.standard_normal((2, n))


def go_or_stop_row(signal, go, terminal, cost, seed, split) -> tuple[dict, ThresholdRule]:
    """Fit a go/stop threshold on ``signal`` (go pays ``go``, stop 0, ``cost`` paid either way)
    and value it against committing now (``terminal``) on the fit and on the valued trials."""
    rule = threshold_rule(signal, go, np.zeros_like(go), cost=cost, seed=seed, split=split)
    out = {}
    for name, idx in (("in_sample", rule.fit), ("", rule.valued)):
        staged = rule.npv(signal[idx], go[idx], np.zeros(idx.size), cost[idx])
        out[name] = value_of_flexibility(terminal[idx], staged)
    t = rule.threshold if rule.direction == 1 and np.isfinite(rule.threshold) else np.nan
    v = rule.valued
    row = {"commit_npv": terminal[v].mean(), "staged_npv": rule.value_out_of_sample, "value": out[""].mean,
           "value_se": out[""].standard_error, "value_in_sample": out["in_sample"].mean,
           "significant": abs(out[""].mean) > 2 * out[""].standard_error, "p_stop": rule.p_stop,
           "threshold": t, "p_stop_when_go_pays": rule.p_stop_when_go_pays,
           "p_go_when_stop_pays": rule.p_go_when_stop_pays}  # fmt: skip
    return row, rule


def deferrals(
    scenario: Scenario | Plan,
    *,
    trials: int = 20_000,
    seed: int = 1,
    options: list[str] | None = None,
    split=0.5,
    pinned: dict | None = None,
) -> Deferrals:
    """Value the deferral of each option stating one (or of ``options``) under every owner: wait,
    observe the market signal, commit by a threshold on it fitted on a share ``split`` of the
    trials and valued on the others, against committing now on the same trials. Money in the
    scenario's currency, NPV versus the status quo at the decision date (see the module).
    ``pinned`` fixes stage inputs for the stage tornado (:func:`~decision_kit.staged_flows.draw`)."""
    pr = project(scenario, trials, seed)
    plan, lay = pr.plan, pr.plan.layout
    rows, rules = [], {}
    for o in chosen(plan, options, "defer"):
        de, waiting, z = _draws(plan, o, pr.n, seed, pinned)
        signals = market_signal(pr, o, (float(de.benefit_noise), float(de.benefit_noise_floor)), z)
        oi, months = option_index(plan, o), float(de.months)
        for wi, w in enumerate(lay.owners):
            terminal, later = commit_and_later(pr, oi, wi, months)
            row, rules[(o, w)] = go_or_stop_row(signals[wi], later, terminal, waiting, seed, split)
            v = rules[(o, w)].valued
            rows.append({"option": o, "owner": w, "commit_npv": row["commit_npv"], "deferred_npv": row["staged_npv"],
                         **{k: row[k] for k in ("value", "value_se", "value_in_sample", "significant", "p_stop")},
                         "commit_if_at_least": row["threshold"], "p_stop_when_commit_pays": row["p_stop_when_go_pays"],
                         "p_commit_when_stop_pays": row["p_go_when_stop_pays"],
                         "cost_of_waiting": (terminal[v] - later[v]).mean() + waiting[v].mean(),
                         "waiting_cost": waiting.mean(), "months": months})  # fmt: skip
    s = plan.scenario
    return Deferrals(s.name, s.currency, pr.n, seed, pd.DataFrame(rows).set_index(["option", "owner"]), rules)
