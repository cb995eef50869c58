"""One decision date, one scalar signal: go (scale, invest) or stop, by a threshold on the signal.

The rule sees only the signal, what is observable at its date (a pilot's measured uplift, the
project value learned while waiting); the payoffs of going and of stopping are used to fit it
and to value it, never to decide. The threshold is the exact optimum on the fit trials: every
cut between two consecutive distinct signal values is tried at once from cumulative sums of
``payoff_go - payoff_stop`` over the trials sorted by signal, in both directions ("go when the
signal is at least t" and "go when it is at most t"), including never and always going. The
rule is then valued on the other trials, which are independent of the fit: the in-sample value
is biased high (the threshold is tuned to the fit trials' noise), the out-of-sample value low
(it is not the best threshold), and the true value of the best rule lies between them.

Money: the payoffs' own (the scenario's currency later), as per-trial present values at the
decision date's valuation date, discounting already applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from .trials import Estimate, mean_estimate, split_trials, trial_vector

__all__ = [
    "ThresholdRule",
    "threshold_rule",
    "defer_rule",
    "fit_band",
    "fit_threshold",
    "threshold_npv",
    "go_decisions",
]


# --- kernels -------------------------------------------------------------------------------------


def go_decisions(signal: np.ndarray, threshold: float, direction: int) -> np.ndarray:
    """Boolean go decision per trial: ``signal >= threshold`` for ``direction`` +1,
    ``signal <= threshold`` for -1. A threshold of ``-inf`` with +1 (or ``+inf`` with -1) is
    "never stop"."""
    return signal >= threshold if direction > 0 else signal <= threshold


def threshold_npv(signal, payoff_go, payoff_stop, threshold: float, direction: int, cost=0.0) -> np.ndarray:
    """Per-trial NPV under the rule: ``payoff_go`` where it goes, ``payoff_stop`` where it stops,
    less ``cost`` (paid whatever is decided: the pilot's cost). Never stopping gives
    ``payoff_go`` bit for bit (when ``cost`` is 0)."""
    npv = np.where(go_decisions(signal, threshold, direction), payoff_go, payoff_stop)
    return npv - cost if np.any(cost) else npv


def _cut(s: np.ndarray, i: int) -> float:
    """The threshold between sorted signals ``s[i-1]`` and ``s[i]`` (infinite at the ends)."""
    if i == 0:
        return -np.inf
    if i == s.size:
        return np.inf
    return float(s[i - 1] + (s[i] - s[i - 1]) / 2)


def fit_threshold(signal: np.ndarray, gain: np.ndarray) -> tuple[float, int]:
    """The threshold and direction maximising ``sum(gain[go])`` over the trials (kernel).

    ``gain`` (n,) is ``payoff_go - payoff_stop`` per trial. Only cuts between distinct signal
    values are candidates (tied trials are decided together). Ties between candidates go to
    direction +1 and the lowest threshold ("go" is preferred when it costs nothing).
    """
    order = np.argsort(signal, kind="stable")
    s, g = signal[order], gain[order]
    n = s.size
    suffix = np.concatenate([np.cumsum(g[::-1])[::-1], [0.0]])  # go on s[i:], direction +1
    prefix = np.concatenate([[0.0], np.cumsum(g)])  # go on s[:i], direction -1
    valid = np.ones(n + 1, dtype=bool)
    valid[1:n] = s[1:] > s[:-1]
    up = int(np.argmax(np.where(valid, suffix, -np.inf)))
    down = int(np.argmax(np.where(valid, prefix, -np.inf)))
    if prefix[down] > suffix[up]:
        return _cut(s, down), -1
    return _cut(s, up), 1


def fit_band(signal: np.ndarray, gain_go: np.ndarray, gain_middle: np.ndarray) -> tuple[float, float, float]:
    """Two thresholds ``low <= high`` on ``signal``: stop below ``low``, take the middle action
    (extend a pilot) on ``[low, high)``, go from ``high`` on, maximising the sum over the trials
    of ``gain_middle`` on the middle and ``gain_go`` above (each relative to stopping) (kernel).

    Every pair of cuts between consecutive distinct signal values is tried at once: the best
    ``low`` for each ``high`` is a running maximum of ``-cumsum(gain_middle)``. An empty middle
    (``low == high``) is a single threshold. Returns ``(low, high, best sum)``; ties go to the
    lowest cuts.
    """
    order = np.argsort(signal, kind="stable")
    s, g, m = signal[order], gain_go[order], gain_middle[order]
    n = s.size
    valid = np.ones(n + 1, dtype=bool)
    valid[1:n] = s[1:] > s[:-1]
    cm = np.concatenate([[0.0], np.cumsum(m)])  # middle gain of the first i trials
    sg = np.concatenate([np.cumsum(g[::-1])[::-1], [0.0]])  # go gain from trial j on
    a = np.where(valid, -cm, -np.inf)
    run = np.maximum.accumulate(a)
    idx = np.arange(n + 1)
    # where each running maximum is first reached, kept until it is beaten (the lowest cut on ties)
    arg = np.maximum.accumulate(np.where(a > np.concatenate([[-np.inf], run[:-1]]), idx, 0))
    total = np.where(valid, run + cm + sg, -np.inf)
    high = int(np.argmax(total))
    low = int(arg[high])
    return _cut(s, low), _cut(s, high), float(total[high])


# --- result ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ThresholdRule:
    """A go/stop rule on one scalar signal, fitted on some trials and valued on the others.

    Attributes
    ----------
    threshold, direction : go when ``signal >= threshold`` (direction +1) or ``signal <=
        threshold`` (-1), in the signal's units; an infinite threshold is "never stop" or
        "always stop".
    value_in_sample, value_out_of_sample : mean NPV under the rule on the fit and on the valued
        trials (payoffs' money, pilot cost deducted); ``standard_error`` is the latter's.
    commit_now_value : mean NPV on the valued trials of committing now to the action with the
        higher mean on the fit trials (go unless stopping is strictly better), pilot cost not paid.
    flexibility_in_sample, flexibility : value of flexibility (rule minus commit now, paired
        per trial) on the fit and on the valued trials; ``flexibility_standard_error`` is the
        latter's.
    p_stop : share of valued trials where the rule stops.
    p_stop_when_go_pays, p_go_when_stop_pays : the rule's errors, as shares of all valued trials:
        it stops where going would have paid more, or goes where stopping would have.
    fit, valued : indices of the fit and the valued trials.
    """

    threshold: float
    direction: int
    value_in_sample: float
    value_out_of_sample: float
    standard_error: float
    commit_now_value: float
    flexibility_in_sample: float
    flexibility: float
    flexibility_standard_error: float
    p_stop: float
    p_stop_when_go_pays: float
    p_go_when_stop_pays: float
    fit: np.ndarray
    valued: np.ndarray

    def decide(self, signal) -> np.ndarray:
        """Boolean go decision per trial for observed ``signal`` values."""
        return go_decisions(np.asarray(signal, dtype=float), self.threshold, self.direction)

    def npv(self, signal, payoff_go, payoff_stop, cost=0.0) -> np.ndarray:
        """Per-trial NPV under this rule for any trials (see :func:`threshold_npv`)."""
        return threshold_npv(
            np.asarray(signal, dtype=float), payoff_go, payoff_stop, self.threshold, self.direction, cost
        )

    def to_frame(self):
        """One row per quantity: ``quantity, value``."""
        import pandas as pd

        names = [f for f in self.__dataclass_fields__ if f not in ("fit", "valued")]
        rows = [(f, getattr(self, f)) for f in names] + [
            ("trials_fit", self.fit.size),
            ("trials_valued", self.valued.size),
        ]
        return pd.DataFrame(rows, columns=["quantity", "value"])


# --- public entry points -----------------------------------------------------------------------


def _valued(signal, go, stop, cost, idx, threshold, direction, commit_go) -> tuple[Estimate, Estimate, np.ndarray]:
    """NPV and value of flexibility of the rule on trials ``idx``, and its go decisions there."""
    s, g, st = signal[idx], go[idx], stop[idx]
    c = cost[idx] if np.ndim(cost) else cost
    npv = threshold_npv(s, g, st, threshold, direction, c)
    commit = g if commit_go else st
    return mean_estimate(npv), mean_estimate(npv - commit), go_decisions(s, threshold, direction)


def _scalar_cost(cost) -> float:
    """A scalar ``cost`` as a finite float."""
    if isinstance(cost, bool) or not isinstance(cost, int | float | np.number) or not np.isfinite(cost):
        raise ScenarioError(f"cost must be a finite amount or one per trial, got {cost!r}")
    return float(cost)


def threshold_rule(signal, payoff_go, payoff_stop, *, cost=0.0, seed=None, split: float = 0.5) -> ThresholdRule:
    """Fit a go/stop threshold on a scalar signal on some trials and value it on the others.

    Parameters
    ----------
    signal : array_like, shape (trials,)
        What the rule observes at its date, per trial (never a latent input).
    payoff_go, payoff_stop : array_like, shape (trials,)
        Per-trial NPV of going on (scaling, investing) and of stopping, in the payoffs' money,
        discounted to the valuation date.
    cost : float or array_like, shape (trials,)
        Cost of the information (the pilot), paid whatever is decided, in the same money. The
        values with a cost are exactly ``cost`` less than without; the rule is the same.
    seed : None, int or numpy Generator
        Draws which trials fit the rule.
    split : float
        Share of trials that fit the rule (the others value it), strictly between 0 and 1.

    Returns
    -------
    ThresholdRule

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.random.default_rng(0).normal(0.0, 1.0, 10_000)
    >>> rule = threshold_rule(theta, theta - 0.5, np.zeros_like(theta), seed=1)
    >>> rule.direction, round(rule.threshold, 1)
    (1, 0.5)
    """
    s = trial_vector("signal", signal)
    go = trial_vector("payoff_go", payoff_go, s.size)
    stop = trial_vector("payoff_stop", payoff_stop, s.size)
    cost = trial_vector("cost", cost, s.size) if np.ndim(cost) else _scalar_cost(cost)
    fit, valued = split_trials(s.size, split, seed)
    gain = go - stop
    threshold, direction = fit_threshold(s[fit], gain[fit])
    commit_go = bool(gain[fit].mean() >= 0)
    inside, flex_in, _ = _valued(s, go, stop, cost, fit, threshold, direction, commit_go)
    out, flex, goes = _valued(s, go, stop, cost, valued, threshold, direction, commit_go)
    n = valued.size
    return ThresholdRule(
        threshold=threshold,
        direction=direction,
        value_in_sample=inside.mean,
        value_out_of_sample=out.mean,
        standard_error=out.standard_error,
        commit_now_value=float((go if commit_go else stop)[valued].mean()),
        flexibility_in_sample=flex_in.mean,
        flexibility=flex.mean,
        flexibility_standard_error=flex.standard_error,
        p_stop=float(np.count_nonzero(~goes) / n),
        p_stop_when_go_pays=float(np.count_nonzero(~goes & (gain[valued] > 0)) / n),
        p_go_when_stop_pays=float(np.count_nonzero(goes & (gain[valued] < 0)) / n),
        fit=fit,
        valued=valued,
    )


def defer_rule(project_value, investment, discount_factor: float, *, seed=None, split: float = 0.5) -> ThresholdRule:
    """The option to defer: wait, learn the project's value, then invest only if it pays.

    Parameters
    ----------
    project_value : array_like, shape (trials,)
        The project's value at the end of the wait (observed then), in money of that date.
    investment : float or array_like, shape (trials,)
        The investment paid at the end of the wait if the project goes ahead, same money.
    discount_factor : float
        From the end of the wait to the valuation date (``exp(-r T)`` at a continuous rate r).

    Returns
    -------
    ThresholdRule
        On signal ``project_value``: go pays ``discount_factor * (project_value - investment)``
        and stop pays 0, so the out-of-sample value estimates ``E[discount_factor *
        max(V_T - I, 0)]`` (Black-Scholes' call when V is lognormal under the risk-neutral
        measure), and the commit-now value is investing at the end of the wait regardless.
    """
    v = trial_vector("project_value", project_value)
    go = discount_factor * (v - np.asarray(investment, dtype=float))
    return threshold_rule(v, go, np.zeros_like(v), seed=seed, split=split)
