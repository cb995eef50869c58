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
from .staged_flows import (
    STREAM,
    CellRules,
    Projected,
    chosen,
    draw,
    npv,
    project,
    review_cell,
    review_draws,
    stated,
    stated_or_none,
)
from .staging import threshold_rule, value_of_flexibility
from .staging.lsm import fit_least_squares, policy_npv, prune_losing_dates, stopping_dates
from .staging.threshold import fit_band, fit_threshold, go_decisions

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
    the valued trials), ``pilot_cost`` (mean, currency), ``months``, ``scale``; ``npv_if_stopped``,
    ``npv_if_scaled`` and their ``npv_vs_status_quo_if_*`` (expected NPV under the rule on the
    valued trials it stops or scales). When the option
    also states a yearly stop review, a scaled option keeps it: ``reviewed_npv``,
    ``value_with_reviews`` (± ``value_with_reviews_se``, ``value_with_reviews_in_sample``),
    ``reviews_add`` ± ``reviews_add_se`` (with the reviews minus the pilot alone, paired) and
    ``p_stop_with_reviews`` are the pilot valued so. When the pilot states an extension:
    ``extended_npv``, ``value_extended`` (± ``value_extended_se``, ``value_extended_in_sample``),
    the band ``extend_from``-``extend_below`` (measured benefit at full scale, currency a year;
    NaN when no band pays and the pilot alone is kept), ``p_extend``,
    ``scale_after_extension_if_at_least``, ``extension_cost`` (mean), ``extension_months``.
    ``rules``: the fitted single-stage :class:`~decision_kit.staging.ThresholdRule` per cell.
    """

    def rule_words(self, option: str, owner: str) -> str:
        """The fitted scale-or-stop rule of one cell in business units (with its extension, when
        the pilot states one and the band is not empty)."""
        r = self.table.loc[(option, owner)]
        share, months = f"{float(r.scale):.0%}", f"{float(r.months):g}"
        seen = (
            f"stop if a failed delivery shows ({whole_percent(r.p_failure_seen)} of trials); "
            if r.p_failure_seen
            else ""
        )
        head = f"pilot on {share} for {months} months: {seen}"
        if finite(r.get("extend_from", np.nan)):
            return head + self._extension_words(r)
        if not finite(r.scale_if_at_least):
            rest = (
                "scale otherwise"
                if seen
                else ("scale whatever it measures" if r.p_stop == 0 else "stop whatever it measures")
            )
            return f"{head}{rest}; it stops in {whole_percent(r.p_stop)} of trials"
        if r.scale_if_at_least < 0:  # the measurement is too noisy for a cut a working delivery would meet
            return (f"{head}{'scale otherwise' if seen else 'scale'}: the measurement is too noisy to stop on (the "
                    f"fitted cut, {compact(r.scale_if_at_least)} {self.currency} a year at full scale, is below "
                    f"zero); it stops in {whole_percent(r.p_stop)} of trials")  # fmt: skip
        return (f"{head}scale if its measured benefit is at least {compact(r.at_pilot_scale)} {self.currency} a year "
                f"({compact(r.scale_if_at_least)} a year at full scale), otherwise stop; it stops in "
                f"{whole_percent(r.p_stop)} of trials")  # fmt: skip

    def _extension_words(self, r) -> str:
        cur, after, low = self.currency, r.scale_after_extension_if_at_least, r.extend_from
        whole = f"the whole {float(r.months + r.extension_months):g} months"
        if not finite(after):
            then = "then decide on the whole measurement"
        elif after < 0:  # a working delivery clears it whatever the noise: the measurement does not stop it
            then = f"then scale (the cut on {whole}, {compact(after)} a year, is below zero)"
        else:
            then = f"then scale if {whole} measure at least {compact(after)} a year"
        extend = (f"extend by {float(r.extension_months):g} months ({whole_percent(r.p_extend)} of trials, "
                  f"{compact(r.extension_cost)} {cur})")  # fmt: skip
        middle = (f"stop below {compact(low)}, and in between {extend}" if low >= 0
                  else f"otherwise {extend}: the stop cut, {compact(low)}, is below zero, so the first measurement "
                  "stops nothing")  # fmt: skip
        scale = f"scale if its measured benefit is at least {compact(r.extend_below)} {cur} a year at full scale"
        return f"{scale}, {middle}; {then}"


def _pilot_draws(plan: Plan, option: str, n: int, seed: int, pinned: dict | None = None):
    """The pilot's own draws: setup and monthly cost (n,) each, measurement errors (2, n), and
    the months into the pilot after which a failed delivery shows (n,; infinite if never)."""
    index = list(plan.scenario.options).index(option)
    rng = np.random.default_rng([seed, STREAM + 1, index])
    pi = stated(plan, option, "pilot")
    setup = draw(pi, "setup_cost", rng, n, pinned)
    monthly = draw(pi, "monthly_cost", rng, n, pinned)
    z = rng.standard_normal((2, n))
    seen = (
        np.full(n, np.inf)
        if pi.failure_seen_after_months is None
        else draw(pi, "failure_seen_after_months", rng, n, pinned)
    )
    return pi, setup, monthly, z, np.asarray(seen, dtype=float)


@dataclass(frozen=True, eq=False)
class _Cell:
    """One cell's pilot arrays (n,) each: the measured ``signal`` (a failure seen sits below every
    other), ``go`` (NPV of scaling after the pilot), the pilot's ``cost``, the commit-now
    ``terminal``, ``shown`` (a failure seen in the pilot), the ``latent`` measured benefit,
    ``failed`` and ``life`` (the NPV of the cell's difference from the status quo, started now)."""

    signal: np.ndarray
    go: np.ndarray
    cost: np.ndarray
    terminal: np.ndarray
    shown: np.ndarray
    latent: np.ndarray
    failed: np.ndarray
    life: np.ndarray


def _below_the_rest(signal: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """``signal`` with the trials whose failure is seen moved below every other (the rule stops them)."""
    if not shown.any():
        return signal
    low = signal[~shown].min() if (~shown).any() else 0.0
    return np.where(shown, low - (np.ptp(signal) + 1.0), signal)


def _pilot_cell(pr: Projected, oi: int, wi: int, draws, months: float, scale: float) -> _Cell:
    """The pilot arrays of one cell, for a pilot of ``months`` on ``scale`` (see
    :class:`~decision_kit.schema.Pilot`). Scaling starts the whole option ``months`` later: its
    flows keep their profile over the same life (the horizon is read as the option's life, not
    a calendar end, so nothing is cut at the horizon), and are discounted ``months / 12`` years
    more; the status quo runs meanwhile."""
    pi, setup, monthly, z, seen = draws
    plan, (sq_cost, sq_benefit) = pr.plan, pr.sq
    op = plan.options[oi]
    cost, benefit = pr.cost[oi, wi], pr.benefit[oi, wi]
    terminal = npv(benefit - cost, pr.df) - npv(sq_benefit - sq_cost, pr.df)
    life = npv((benefit - cost) - (sq_benefit - sq_cost), pr.df)
    go = life * (1.0 + plan.scenario.discount_rate) ** -(months / 12)  # the same life, later
    share = scale * months / 12  # of a full-scale year's measurement
    sigma, floor = float(pi.benefit_noise) / np.sqrt(share), float(pi.benefit_noise_floor) / np.sqrt(share)
    latent = benefit[min(2, plan.horizon)]  # the full rollout's benefit in its second year
    signal = latent * np.exp(sigma * z[0] - sigma**2 / 2) + floor * z[1]
    failed = np.broadcast_to(np.asarray(pr.values.get(op.realisation, 1.0), dtype=float) == 0, terminal.shape)
    shown = failed & (seen <= months)
    cost_paid = setup + monthly * scale * months
    return _Cell(_below_the_rest(signal, shown), go, cost_paid, terminal, shown, latent, failed, life)


def _values(terminal, staged_of, fit, valued) -> tuple:
    """Value of flexibility (staged minus commit now, paired) in and out of sample."""
    return tuple(value_of_flexibility(terminal[idx], staged_of(idx)) for idx in (fit, valued))


def _pilot_row(pr, oi, wi, draws, months, scale, seed, split, reviewed=None, extension=None):
    c = _pilot_cell(pr, oi, wi, draws, months, scale)
    signal, go, pilot_cost, terminal, shown = c.signal, c.go, c.cost, c.terminal, c.shown
    rule = threshold_rule(signal, go, np.zeros_like(go), cost=pilot_cost, seed=seed, split=split)
    inside, out = _values(terminal, lambda i: rule.npv(signal[i], go[i], np.zeros(i.size), pilot_cost[i]),
                          rule.fit, rule.valued)  # fmt: skip
    t = rule.threshold if rule.direction == 1 and np.isfinite(rule.threshold) else np.nan
    if (~shown).any() and t < signal[~shown].min():  # the cut only separates the failures seen
        t = np.nan
    v = rule.valued
    row = {"commit_npv": terminal[v].mean(), "piloted_npv": rule.value_out_of_sample, "value": out.mean,
           "value_se": out.standard_error, "value_in_sample": inside.mean,
           "significant": abs(out.mean) > 2 * out.standard_error, "p_stop": rule.p_stop,
           "scale_if_at_least": t, "at_pilot_scale": t * scale,
           "p_stop_when_scaling_pays": rule.p_stop_when_go_pays, "p_scale_when_stopping_pays": rule.p_go_when_stop_pays,
           "pilot_cost": pilot_cost.mean(), "months": months, "scale": scale,
           "p_failure_seen": shown[v].mean(), **_if_stopped(pr, rule, signal, go, pilot_cost)}  # fmt: skip
    if reviewed is not None:
        row.update(_with_reviews(c, rule, reviewed, months, pr.plan.scenario.discount_rate, seed, split))
    if extension is not None:
        row.update(_extended(c, rule, extension, months, scale, pr.plan.scenario.discount_rate))
    return row, rule


def _if_stopped(pr, rule, signal, go, pilot_cost) -> dict:
    """Expected NPV under the pilot's rule on its valued trials given it stops and given it
    scales, against the status quo (``*_vs_status_quo``) and plain (the trial's status quo NPV
    added back); NaN where no trial is in the group."""
    v = rule.valued
    staged = rule.npv(signal[v], go[v], np.zeros(v.size), pilot_cost[v])
    sq = np.broadcast_to(npv(pr.sq[1] - pr.sq[0], pr.df), go.shape)[v]
    scaled = rule.decide(signal[v])
    out = {}
    for name, where in (("stopped", ~scaled), ("scaled", scaled)):
        out[f"npv_vs_status_quo_if_{name}"] = float(staged[where].mean()) if where.any() else np.nan
        out[f"npv_if_{name}"] = float((staged + sq)[where].mean()) if where.any() else np.nan
    return out


def _with_reviews(c: _Cell, alone, review, months: float, rate: float, seed, split) -> dict:
    """The pilot when a scaled option keeps its yearly stop review. The review's rule
    (least-squares Monte Carlo, as :func:`~decision_kit.staged_decisions.abandonment`) is fitted
    on the fit trials that the pilot alone scales (the trials that reach a review), keeping only
    the review dates whose stops pay on those trials (:func:`~decision_kit.staging.lsm.
    prune_losing_dates`: once the pilot has stopped the failures it saw, a quadratic basis
    stops some sound trials at a loss even in sample), then scaling
    pays the review's NPV per trial, started ``months`` later: ``go + (reviewed - terminal) x
    delay``, so a review that never stops gives the pilot alone bit for bit. The pilot's rule is
    then refitted on that payoff, on the same fit trials, and valued on the others."""
    obs, exercise, terminal = review
    reach = alone.fit[alone.decide(c.signal[alone.fit])]
    eligible = np.ones(exercise.shape, dtype=bool)
    sub = ([x[reach] for x in obs], exercise[reach], terminal[reach], eligible[reach])
    fitted = fit_least_squares(*sub, 2)
    fitted = prune_losing_dates(fitted, sub[0], sub[1], sub[2], sub[3])
    reviewed = policy_npv(stopping_dates(fitted, obs, exercise, eligible), exercise, terminal)
    go = c.go + (reviewed - c.terminal) * (1.0 + rate) ** -(months / 12)
    rule = threshold_rule(c.signal, go, np.zeros_like(go), cost=c.cost, seed=seed, split=split)
    if not (np.array_equal(rule.fit, alone.fit) and np.array_equal(rule.valued, alone.valued)):
        raise AssertionError("the pilot and its reviews must be fitted on the same trials")
    inside, out = _values(c.terminal, lambda i: rule.npv(c.signal[i], go[i], np.zeros(i.size), c.cost[i]),
                          rule.fit, rule.valued)  # fmt: skip
    v = rule.valued
    added = value_of_flexibility(alone.npv(c.signal[v], c.go[v], np.zeros(v.size), c.cost[v]),
                                 rule.npv(c.signal[v], go[v], np.zeros(v.size), c.cost[v]))  # fmt: skip
    return {"reviewed_npv": rule.value_out_of_sample, "value_with_reviews": out.mean,
            "value_with_reviews_se": out.standard_error, "value_with_reviews_in_sample": inside.mean,
            "reviews_add": added.mean, "reviews_add_se": added.standard_error,
            "p_stop_with_reviews": rule.p_stop}  # fmt: skip


def _extended(c: _Cell, alone, extension, months: float, scale: float, rate: float) -> dict:
    """The pilot with one extension (see :class:`~decision_kit.schema.Extension`): stop below a
    low threshold, extend on an ambiguous band, scale above a high one; after the extension a
    threshold on the measurement of the whole ``months + M`` (the precision-weighted errors of
    both periods). Fitted on the pilot's fit trials, valued on the others. When the best band
    is empty on the fit trials the single-stage rule is kept, so the values are the pilot's."""
    ex, z, extra, monthly, seen, (sigma, floor) = extension
    a, b = scale * months / 12, scale * float(ex.months) / 12
    log_error = sigma * (np.sqrt(a) * z[0][0] + np.sqrt(b) * z[1][0]) / (a + b)
    add_error = floor * (np.sqrt(a) * z[0][1] + np.sqrt(b) * z[1][1]) / (a + b)
    both = c.latent * np.exp(log_error - sigma**2 / (a + b) / 2) + add_error
    later = months + float(ex.months)
    s2 = _below_the_rest(both, c.failed & (seen <= later))
    go2 = c.life * (1.0 + rate) ** -(later / 12)
    cost2 = monthly * scale * float(ex.months) + extra
    fit, v = alone.fit, alone.valued
    t2, d2 = fit_threshold(s2[fit], go2[fit])
    middle = np.where(go_decisions(s2, t2, d2), go2, 0.0) - cost2
    low, high, total = fit_band(c.signal[fit], c.go[fit], middle[fit])
    single = np.where(alone.decide(c.signal[fit]), c.go[fit], 0.0).sum()
    if low == high or not total > single:  # no band pays on the fit trials: the pilot alone, exactly
        low = high = np.nan

    def staged(i):
        if np.isnan(low):
            return alone.npv(c.signal[i], c.go[i], np.zeros(i.size), c.cost[i])
        s = c.signal[i]
        return np.where(s >= high, c.go[i], np.where(s >= low, middle[i], 0.0)) - c.cost[i]

    inside, out = _values(c.terminal, staged, fit, v)
    band = (c.signal[v] >= low) & (c.signal[v] < high)
    t_after = t2 if d2 == 1 and np.isfinite(t2) else np.nan
    return {"extended_npv": staged(v).mean(), "value_extended": out.mean, "value_extended_se": out.standard_error,
            "value_extended_in_sample": inside.mean, "extend_from": low, "extend_below": high,
            "p_extend": band.mean(), "scale_after_extension_if_at_least": t_after,
            "extension_cost": cost2.mean(), "extension_months": float(ex.months)}  # fmt: skip


def _extension_draws(plan: Plan, option: str, draws, n: int, seed: int):
    """The extension's own draws (a stream of its own, so the pilot's are unchanged): its extra
    cost (n,) and measurement errors (2, n); with the pilot's errors, monthly cost, the months
    after which a failure shows and its noise (sigma, floor)."""
    pi, _, monthly, z, seen = draws
    if pi.extend is None:
        return None
    rng = np.random.default_rng([seed, STREAM + 4, list(plan.scenario.options).index(option)])
    extra = np.asarray(pi.extend.extra_cost.sample(rng, n), dtype=float)
    z2 = rng.standard_normal((2, n))
    return pi.extend, (z, z2), extra, monthly, seen, (float(pi.benefit_noise), float(pi.benefit_noise_floor))


def _review(pr: Projected, option: str, oi: int, wi: int, seed: int, pinned: dict | None = None) -> tuple | None:
    """The yearly stop review's observables, stopping payoffs and commit-now NPV of one cell
    (:func:`~decision_kit.staged_flows.review_cell`, the review's own draws); None when the
    option states no review or the horizon leaves none."""
    if stated_or_none(pr.plan, option, "abandon") is None or pr.plan.horizon < 2:
        return None
    op = pr.plan.options[oi]
    failed = np.broadcast_to(np.asarray(pr.values.get(op.realisation, 1.0), dtype=float) == 0, (pr.n,))
    draws = review_draws(pr.plan, option, pr.n, seed, {k: v for k, v in (pinned or {}).items() if k == "exit_cost"})
    return review_cell(pr.cost[oi, wi], pr.benefit[oi, wi], pr.sq, pr.launch[oi, wi], failed, pr.df, draws,
                       pr.plan.horizon)  # fmt: skip


def pilots(
    scenario: Scenario | Plan,
    *,
    trials: int = 20_000,
    seed: int = 1,
    options: list[str] | None = None,
    split=0.5,
    pinned: dict | None = None,
) -> Pilots:
    """Value the pilot of each option stating one (or of ``options``) under every owner, on
    :func:`~decision_kit.simulation.simulate`'s trials: a threshold on the pilot's measured
    benefit, fitted on a share ``split`` of the trials and valued on the others, against
    committing now on the same trials. Money in the scenario's currency, NPV versus the status
    quo at the decision date. ``pinned`` fixes stage inputs (the pilot's, and the review's when a
    scaled option keeps it) for the stage tornado (:func:`~decision_kit.staged_flows.draw`)."""
    pr = project(scenario, trials, seed)
    plan, lay = pr.plan, pr.plan.layout
    rows, rules = [], {}
    for o in chosen(plan, options, "pilot"):
        draws = _pilot_draws(plan, o, pr.n, seed, pinned)
        pi, oi = draws[0], next(p.index for p in plan.options if p.name == o)
        if pi.months / 12 >= plan.horizon:
            raise ScenarioError(
                f"option '{o}': a pilot of {pi.months:g} months outlasts the {plan.horizon}-year horizon"
            )
        extension = _extension_draws(plan, o, draws, pr.n, seed)
        for wi, w in enumerate(lay.owners):
            reviewed = _review(pr, o, oi, wi, seed, pinned)
            row, rules[(o, w)] = _pilot_row(pr, oi, wi, draws, float(pi.months), float(pi.scale), seed, split,
                                            reviewed, extension)  # fmt: skip
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
