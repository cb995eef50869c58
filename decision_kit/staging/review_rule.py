"""A stop rule over several review dates that is a threshold on one measured signal at each
date, found by exact search backwards in time: the rule a review states in business units.

Least squares (:mod:`~decision_kit.staging.lsm`) regresses the gain from carrying on on a
polynomial of the observables and stops where the fit is negative. Where the latent value is
lumpy (a project that either delivers or fails) and the signal noisy, a low-degree
polynomial bends away from the true conditional mean and its zero sits far from the best
threshold (a fit at 240 where the best is 740 was measured on a delivered-or-not benefit). This
rule instead searches each date's threshold directly on the fit trials, backwards from the last
date, given what the later dates' thresholds do (the dynamic programme on realised cash flows,
as Longstaff and Schwartz value a path, with a one-parameter rule per date):

- trials where a failure has been seen (column ``flag`` > 0) stop or carry on together,
  whichever pays more on the fit trials; so do trials not yet live (column ``live`` == 0);
- the others stop where the signal (column ``signal``) is below the date's threshold, the
  threshold maximising the fit trials' total NPV (the midpoint between two sorted signals; none
  where no threshold beats carrying on).

Each date's rule is a :class:`ThresholdStop`, which answers ``predict(x) < 0`` like a fitted
regression, so :func:`~decision_kit.staging.lsm.stopping_dates` and
:class:`~decision_kit.staging.lsm.LSMPolicy` value it unchanged: fit on one half of the trials,
valued on the other. Never stopping reproduces commit-now bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lsm import LSMPolicy, checked_arrays, policy_from_rules
from .trials import split_trials

__all__ = ["ThresholdStop", "fit_thresholds", "threshold_review_policy"]


@dataclass(frozen=True)
class ThresholdStop:
    """One date's rule: stop where a failure has been seen (if ``stop_flagged``), where the
    option is not yet live (if ``stop_idle``), and otherwise where column ``signal`` is below
    ``threshold`` (``-inf``: never on the signal). ``predict`` is negative where it stops."""

    threshold: float
    stop_flagged: bool
    stop_idle: bool
    signal: int = 0
    live: int = 2
    flag: int = 3

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        flagged, idle = x[:, self.flag] > 0, x[:, self.live] <= 0
        on_signal = np.where(x[:, self.signal] < self.threshold, -1.0, 1.0)
        out = np.where(idle, -1.0 if self.stop_idle else 1.0, on_signal)
        return np.where(flagged, -1.0 if self.stop_flagged else 1.0, out)


def _best_threshold(signal: np.ndarray, gain: np.ndarray) -> float:
    """The threshold ``t`` maximising ``sum(gain[signal < t])`` (``-inf`` if no stop pays)."""
    if signal.size == 0:
        return -np.inf
    order = np.argsort(signal, kind="stable")
    s, total = signal[order], np.cumsum(gain[order])
    k = int(np.argmax(total))
    if total[k] <= 0:
        return -np.inf
    # stop the k + 1 lowest signals: between the (k+1)-th and the next distinct one
    return float(s[k] + (s[k + 1] - s[k]) / 2) if k + 1 < s.size else float(np.nextafter(s[k], np.inf))


def fit_thresholds(observables, exercise, terminal, eligible, signal=0, live=2, flag=3) -> tuple[ThresholdStop, ...]:
    """Each date's :class:`ThresholdStop`, backwards from the last date, on the given (fit)
    trials: ``observables`` per date (trials, k), ``exercise`` (trials, dates) with ``-inf``
    where stopping is impossible, ``terminal`` (trials,), ``eligible`` (trials, dates)."""
    n, dates = exercise.shape
    value = np.asarray(terminal, dtype=float).copy()  # NPV of following the later rules
    rules: list[ThresholdStop] = []
    for t in reversed(range(dates)):
        x = observables[t]
        ok = eligible[:, t] & np.isfinite(exercise[:, t])
        gain = np.where(ok, exercise[:, t] - np.where(ok, value, 0.0), 0.0)
        flagged = ok & (x[:, flag] > 0)
        idle = ok & ~flagged & (x[:, live] <= 0)
        rest = ok & ~flagged & ~idle
        rule = ThresholdStop(
            _best_threshold(x[rest, signal], gain[rest]),
            bool(gain[flagged].sum() > 0),
            bool(gain[idle].sum() > 0),
            signal,
            live,
            flag,
        )
        stop = ok & (rule.predict(x) < 0)
        value = np.where(stop, exercise[:, t], value)
        rules.append(rule)
    return tuple(reversed(rules))


def threshold_review_policy(observables, exercise, terminal, eligible=None, *, seed=None, split=0.5) -> LSMPolicy:
    """The threshold rule (:func:`fit_thresholds`) fitted on a ``split`` share of the trials
    (drawn by ``seed``: the same trials :func:`~decision_kit.staging.least_squares_policy`
    fits on for the same seed and split) and valued on the others; arguments as there, with
    the observables' columns (measured signal, cost, live, failure seen) of a stop review."""
    observables, exercise, terminal, eligible = checked_arrays(observables, exercise, terminal, eligible)
    fit, valued = split_trials(terminal.size, split, seed)
    rules = fit_thresholds([x[fit] for x in observables], exercise[fit], terminal[fit], eligible[fit])
    return policy_from_rules(rules, observables, exercise, terminal, eligible, fit, valued)
