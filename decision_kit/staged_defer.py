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

A choice among several options (``choose_among``). Each listed option gets a market signal of
its own, built as above (its cell's second-year benefit at full delivery, with errors of the
sizes ``benefit_noise`` and ``benefit_noise_floor``). Which error draws (``signal_errors``):

- ``common`` (the default): every listed option's signal has the stating option's own draws, the
  same lognormal factor and the same floor error in each trial, so the signals differ only
  through the options' own benefits. Why both are common: the options' benefits rest on the same
  physical market response (the scenario's ``shared:`` quantities), and what a year of waiting
  shows is that market measured once (peers' results, analysts' benchmarks, which cover the kinds
  of CDP together); a measurement read 20% high reads every option 20% high (the lognormal
  factor, attribution and the peers' sample), and its additive error (what a benefit of zero can
  look like) is the same error whichever option it is read for. Making one of the two common and
  the other independent would leave that one as further independent looks at the same market,
  the artefact below, in whichever error dominates (in the shipped scenario the lognormal: 0.5
  on a second-year benefit of about 1.2M a year, some 620k, next to a 75k floor). What waiting
  reveals is then which option is better, not more about the market: two options whose benefits
  are the same function of the same inputs add nothing to one. A limit of this reading: where two options'
  benefits differ in scale (not by a shift), the difference of their signals cancels the common
  floor error, which a single measurement in the market's own units would not, and the ratio of
  two signals is the ratio of the benefits without error; on the shipped scenario the choice adds
  little over buy alone all the same (docs/staging.md).
- ``independent``: the stating option's errors are the draws it has alone, and the others' are
  drawn after them on the same stream, in the scenario's option order (so the stating option's
  draws do not depend on the list, nor anyone's on the list's order), independent of each other.
  For options that share their market response this counts each option's signal as another
  independent look at the same market, so the value of the choice is an upper bound.

The wait, its months and its waiting cost are the stating option's. After the wait the rule
commits to the option with the highest expected NPV given all the signals, by a least-squares
regression of each option's deferred NPV on the signals
(:func:`~decision_kit.staging.choice_rule`), or keeps the status quo when none is positive.
Committing now is then the option, or the status quo, with the highest mean NPV on the valued
trials: the value of waiting is the choice against the best commitment one could make today.
With one option listed, everything is as above, bit for bit, for either ``signal_errors``. Each
cell is the stating option's list under one owner: every listed option runs under that owner.
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
from .staging import ChoiceRule, ThresholdRule, choice_rule, threshold_rule, value_of_flexibility
from .staging.choice import own_signal_cut

__all__ = ["Deferrals", "deferrals", "market_signal"]


@dataclass(frozen=True, eq=False)
class Deferrals(CellRules):
    """Commit now versus wait and learn, per option stating a deferral x owner.

    ``table``: one row per (option, owner): ``commit_npv`` and ``deferred_npv`` (expected NPV
    versus the status quo on the valued trials, currency; the deferred one net of the waiting
    cost), ``value`` and ``value_se`` (deferred minus commit now, paired per trial, out of
    sample), ``value_in_sample`` (on the fit trials, biased high), ``significant`` (more than two
    standard errors from zero), ``p_stop`` (share of valued trials where the rule does not
    commit), ``commit_if_at_least`` (the threshold on the market signal, currency a year; NaN
    when the rule commits whatever it sees or never does, and for a choice among several
    options), ``p_stop_when_commit_pays`` (stays although some option would have paid) and
    ``p_commit_when_stop_pays`` (commits to an option that loses), shares of the valued trials,
    ``cost_of_waiting`` (expected NPV lost by waiting and then committing to ``commit_to``
    whatever is seen: the time value of the life plus the waiting cost, currency),
    ``waiting_cost`` (mean), ``months``, ``choose_among`` (the options the wait may end in),
    ``commit_to`` (what committing now means: the option itself for a deferral of one option,
    else the option, or the status quo, with the highest mean NPV on the valued trials) and
    ``p_other_paid_more`` (commits to an option when another would have paid more than it and
    than staying; 0 for one option) and ``signal_errors`` (``common`` or ``independent``: whether
    the listed options' signals share the stating option's error draws). ``rules``: per cell the fitted
    :class:`~decision_kit.staging.ThresholdRule` (one option) or
    :class:`~decision_kit.staging.ChoiceRule` (several, the options in ``choose_among`` order).
    ``shares``: per cell the share of valued trials ending in each option and in the status quo
    (the options in the scenario's order, then the status quo; NaN for options outside the
    cell's set). ``boundaries``: per cell of several options and per option it may choose
    (``choice``), the market signal of that option (currency a year) from which the rule chooses
    it, the others at their median on the fit trials (``cut``), at their P25
    (``cut_others_low``) and at their P75 (``cut_others_high``); NaN where it is not chosen at
    any signal, ``-inf`` where it is at every signal (both over the signal's P0.5 to P99.5);
    ``threshold``: whether at the others' median it is chosen exactly from the cut up.
    """

    shares: pd.DataFrame
    boundaries: pd.DataFrame

    def rule_words(self, option: str, owner: str) -> str:
        """The fitted rule of one cell after the wait in business units."""
        r = self.table.loc[(option, owner)]
        head = f"wait {float(r.months):g} months, then "
        if isinstance(self.rules[(option, owner)], ChoiceRule):
            return head + self._choice_words(option, owner)
        if not finite(r.commit_if_at_least):
            what = "commit whatever the market signal shows" if r.p_stop == 0 else "stay with the status quo"
            return f"{head}{what}"
        return (f"{head}commit if the market signal of the yearly benefit is at least "
                f"{compact(r.commit_if_at_least)} {self.currency} a year, otherwise stay with the status quo; "
                f"it stays in {whole_percent(r.p_stop)} of trials")  # fmt: skip

    def errors_words(self, option: str) -> str:
        """The market signals of ``option``'s choice and how they err, in words (see the module docstring)."""
        if self.table.loc[option, "signal_errors"].iloc[0] == "independent":
            return "a market signal of each, with independent errors: more looks at a shared market, an upper bound"
        return "a market signal of each, with the same error draws: the market measured once"

    def _choice_words(self, option: str, owner: str) -> str:
        """The choice among several options of one cell, after "wait N months, then"."""
        rule, among = self.rules[(option, owner)], self.table.loc[(option, owner), "choose_among"].split(", ")
        share = self.shares.loc[(option, owner)]
        ends = ", ".join(f"{x} in {whole_percent(share[x])}" for x in [*among, STATUS_QUO])
        if rule.constant is not None:
            what = f"commit to {among[rule.constant]}" if rule.constant < len(among) else "keep the status quo"
            return f"{what} whatever the market signals show (no choice by the signals paid more on the fit trials)"
        parts = [self._cut_words(option, owner, x) for x in among]
        said = "; ".join(p for p in parts if p) or "none of them"
        never = [x for x, p in zip(among, parts, strict=True) if not p]
        rare = (f"; {' and '.join(never)}: never at the median (chosen in "
                f"{' and '.join(whole_percent(share[x]) for x in never)} of trials, when the other signals are away "
                "from their median)") if never else ""  # fmt: skip
        several = ". Where several clear their cuts, the highest expected NPV wins" * (len(among) - len(never) > 1)
        return (f"commit to the option with the highest expected NPV given the {len(among)} market signals, or keep "
                f"the status quo if none is positive. With the other signals at their median: {said}{rare}{several}. "
                f"It ends in {ends} of trials")  # fmt: skip

    def _cut_words(self, option: str, owner: str, choice: str) -> str:
        """Where the cell's choice rule starts choosing ``choice`` on its own market signal, in words
        (empty when it does not at the other signals' median)."""
        b = self.boundaries.loc[(option, owner, choice)]
        if np.isnan(b.cut):
            return ""

        def at(x: float) -> str:
            return f"from {compact(x)}" if finite(x) else "at any signal" if x == -np.inf else "never"

        lo, hi = b.cut_others_low, b.cut_others_high
        if lo == hi:
            how = "the other signals do not move it"
        elif np.isnan(lo) or np.isnan(hi):
            how = "the other signals move it"
        else:
            how = ("the other signals lower it: they carry information on its benefit" if hi < lo
                   else "the other signals raise it: they compete with it")  # fmt: skip
        bands = "" if b.threshold else ", though not from the cut up throughout: it is chosen in bands"
        cut = f"if its signal is at least {compact(b.cut)} {self.currency} a year" if finite(b.cut) else "at any signal"
        return (f"{choice} {cut}{bands} (with the others at their P25 {at(b.cut_others_low)}, at their P75 "
                f"{at(b.cut_others_high)}; {how})")  # fmt: skip


STATUS_QUO = "status quo"
COLUMNS = ["commit_npv", "deferred_npv", "value", "value_se", "value_in_sample", "significant", "p_stop",
           "commit_if_at_least", "p_stop_when_commit_pays", "p_commit_when_stop_pays", "cost_of_waiting",
           "waiting_cost", "months", "choose_among", "commit_to", "p_other_paid_more", "signal_errors"]  # fmt: skip
"""The columns of :attr:`Deferrals.table`, today's single-option ones first."""
CUT_COLUMNS = ["choice", "cut", "cut_others_low", "cut_others_high", "threshold"]
"""The columns of :attr:`Deferrals.boundaries` after its index (option, owner)."""


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


def _draws(plan: Plan, option: str, n: int, seed: int, pinned: dict | None = None, others: int = 0):
    """The deferral's own draws: its statement, the waiting cost (n,), the signal's errors (2, n)
    as standard normals, then those of the ``others`` other options it chooses among (others, 2,
    n), drawn after (so the stating option's draws are the same with or without them)."""
    rng = np.random.default_rng([seed, STREAM + 3, list(plan.scenario.options).index(option)])
    de = stated(plan, option, "defer")
    waiting = draw(de, "waiting_cost", rng, n, pinned)
    z = rng.standard_normal((2, n))
    return de, waiting, z, rng.standard_normal((others, 2, n))


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


def choice_row(among, signals, later, terminal, waiting, seed, split) -> tuple[dict, ChoiceRule, list[dict]]:
    """Fit the choice after the wait among the options ``among`` (signals, ``later`` and
    ``terminal`` (k, n): per option its market signal, its NPV committed after the wait and
    committed now) and value it against committing now to the option with the highest mean NPV on
    the valued trials (the status quo if none is positive), on the fit and on the valued trials:
    the row of the table, the rule and where it starts choosing each option."""
    rule = choice_rule(signals.T, later.T, cost=waiting, seed=seed, split=split)
    f, v = rule.fit, rule.valued
    means = [*terminal[:, v].mean(axis=1), 0.0]
    best = int(np.argmax(means))
    now = terminal[best] if best < len(among) else np.zeros(terminal.shape[1])
    staged = rule.npv(signals.T, later.T, waiting)
    out, inside = value_of_flexibility(now[v], staged[v]), value_of_flexibility(now[f], staged[f])
    k, picked = len(among), rule.decide(signals.T)[v]
    paid = np.vstack([later[:, v], np.zeros(v.size)])  # what each choice would have paid, none last
    got, committed = paid[picked, np.arange(v.size)], picked < k
    rival = np.where(np.arange(k)[:, None] == picked, -np.inf, paid[:-1]).max(axis=0)
    lost = (now - later[best])[v].mean() if best < k else 0.0
    row = {"commit_npv": now[v].mean(), "deferred_npv": rule.value_out_of_sample, "value": out.mean,
           "value_se": out.standard_error, "value_in_sample": inside.mean,
           "significant": abs(out.mean) > 2 * out.standard_error, "p_stop": float(rule.shares[-1]),
           "commit_if_at_least": np.nan,
           "p_stop_when_commit_pays": float(np.mean(~committed & (paid[:-1].max(axis=0) > 0))),
           "p_commit_when_stop_pays": float(np.mean(committed & (got < 0))),
           "cost_of_waiting": lost + waiting[v].mean(), "commit_to": among[best] if best < k else STATUS_QUO,
           "p_other_paid_more": float(np.mean(committed & (rival > np.maximum(got, 0))))}  # fmt: skip
    return row, rule, _cuts(rule, among, signals[:, f])


def _cuts(rule: ChoiceRule, among: list[str], signals: np.ndarray) -> list[dict]:
    """Per option of ``among``, where ``rule`` starts choosing it along its own market signal with
    the other signals at their median on the fit trials ``signals`` (k, n_fit) (``cut``), at their
    P25 and at their P75 (``cut_others_low``, ``cut_others_high``), and whether at their median
    it is chosen from the cut up and nowhere below (``threshold``); currency a year. The signal
    runs over 1,001 points from its P0.5 to its P99.5 on the fit trials: a cut is NaN where the
    option is not chosen on them, ``-inf`` where it is from the lowest."""
    quartiles = np.quantile(signals, [0.25, 0.5, 0.75], axis=1)  # (3, k)
    out = []
    for i, name in enumerate(among):
        bottom, top = np.quantile(signals[i], [0.005, 0.995])
        grid = np.linspace(bottom, top, 1001)
        (low, _), (cut, simple), (high, _) = (own_signal_cut(rule, i, q, grid) for q in quartiles)
        out.append({"choice": name, "cut": cut, "cut_others_low": low, "cut_others_high": high, "threshold": simple})
    return out


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
    trials and valued on the others, against committing now on the same trials; or, for a
    deferral that chooses among several options, observe each one's signal and commit to the one
    with the highest fitted expected NPV, or to none, against committing now to the best of them.
    Money in the scenario's currency, NPV versus the status quo at the decision date (see the module).
    ``pinned`` fixes stage inputs for the stage tornado (:func:`~decision_kit.staged_flows.draw`)."""
    pr = project(scenario, trials, seed)
    plan, lay = pr.plan, pr.plan.layout
    rules: dict = {}
    rows, shares, cuts = [], [], []
    for o in chosen(plan, options, "defer"):
        among = members(plan, o)
        others = [x for x in plan.scenario.options if x in among and x != o]
        apart = stated(plan, o, "defer").signal_errors == "independent"
        de, waiting, z, extra = _draws(plan, o, pr.n, seed, pinned, len(others) if apart else 0)
        noise = (float(de.benefit_noise), float(de.benefit_noise_floor))
        errors = list(extra) if apart else [z] * len(others)
        signals = {o: market_signal(pr, o, noise, z), **{x: market_signal(pr, x, noise, errors[j])
                                                          for j, x in enumerate(others)}}  # fmt: skip
        months = float(de.months)
        for wi, w in enumerate(lay.owners):
            flows = [commit_and_later(pr, option_index(plan, x), wi, months) for x in among]
            sig = np.array([signals[x][wi] for x in among])
            terminal, later = np.array([f[0] for f in flows]), np.array([f[1] for f in flows])
            if len(among) == 1:
                row, rules[(o, w)] = _single_row(sig[0], later[0], terminal[0], waiting, seed, split)
            else:
                row, rules[(o, w)], cut = choice_row(among, sig, later, terminal, waiting, seed, split)
                cuts += [{"option": o, "owner": w, **c} for c in cut]
            rows.append({"option": o, "owner": w, "commit_to": o, **row, "waiting_cost": waiting.mean(),
                         "months": months, "choose_among": ", ".join(among),
                         "signal_errors": de.signal_errors})  # fmt: skip
            shares.append(_shares(o, w, among, rules[(o, w)]))
    s, index = plan.scenario, ["option", "owner"]
    table = pd.DataFrame(rows, columns=[*index, *COLUMNS]).set_index(index)
    cut_frame = pd.DataFrame(cuts, columns=[*index, *CUT_COLUMNS]).set_index([*index, "choice"])
    ended = [x for x in s.options if any(x in r for r in shares)] + [STATUS_QUO]
    share_frame = pd.DataFrame(shares, columns=[*index, *ended]).set_index(index)
    return Deferrals(s.name, s.currency, pr.n, seed, table, rules, share_frame, cut_frame)


def members(plan: Plan, option: str) -> list[str]:
    """The options ``option``'s deferral chooses among after the wait (``choose_among``, in the
    order stated), or ``option`` alone."""
    return list(stated(plan, option, "defer").choose_among or [option])


def _shares(option: str, owner: str, among: list[str], rule) -> dict:
    """Share of the valued trials ending in each option of ``among`` and in the status quo."""
    if isinstance(rule, ThresholdRule):
        return {"option": option, "owner": owner, among[0]: 1 - rule.p_stop, STATUS_QUO: rule.p_stop}
    return {"option": option, "owner": owner, **dict(zip([*among, STATUS_QUO], map(float, rule.shares)))}


def _single_row(signal, later, terminal, waiting, seed, split) -> tuple[dict, ThresholdRule]:
    """The row of a deferral that may commit to its own option alone (a threshold on its signal)."""
    row, rule = go_or_stop_row(signal, later, terminal, waiting, seed, split)
    v = rule.valued
    out = {"commit_npv": row["commit_npv"], "deferred_npv": row["staged_npv"],
           **{k: row[k] for k in ("value", "value_se", "value_in_sample", "significant", "p_stop")},
           "commit_if_at_least": row["threshold"], "p_stop_when_commit_pays": row["p_stop_when_go_pays"],
           "p_commit_when_stop_pays": row["p_go_when_stop_pays"],
           "cost_of_waiting": (terminal[v] - later[v]).mean() + waiting[v].mean(),
           "p_other_paid_more": 0.0}  # fmt: skip
    return out, rule
