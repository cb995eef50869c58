"""Several decision dates: when to stop (abandon, switch, exercise), by least-squares Monte Carlo.

Longstaff and Schwartz (2001). At each date t, from the last backwards, the realised NPV of
carrying on (under the rule already fitted for the later dates) minus the NPV of stopping at t
is regressed, over the fit trials where stopping is possible, on a polynomial basis of what is
observable at t (:mod:`~decision_kit.staging.basis`); the rule stops at t where that fitted
difference is negative. The rule at date t sees only ``observables_by_date[t]`` (put into it
whatever history is known then: benefit to date, the acquisition flag, the price multiplier);
payoffs fit and value the rule but never decide. With the stopping payoff a function of the
observables in the basis' span (an option's intrinsic value), this is Longstaff and Schwartz's
comparison of exercise value and fitted continuation.

The rule is fitted on some trials and valued, forwards, on the others (independent of the
fit): the in-sample value is biased high, the out-of-sample value low.

Conventions. Every payoff is a per-trial present value at the valuation date (discounting
already applied), in the payoffs' money (the scenario's currency later). ``exercise[:, t]`` is
the NPV of the whole decision if the rule stops at date t (flows to t, exit or switching costs,
and what follows); ``-inf`` means stopping is impossible in that trial at that date (an
infinite switching cost). ``terminal`` is the NPV if it never stops: the commit-now NPV.

References
----------
Longstaff, F. A. and Schwartz, E. S. (2001). Valuing American options by simulation: a simple
least-squares approach. Review of Financial Studies 14(1), 113-147.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from .basis import Regression, check_degree, fit_regression, observable_matrix
from .trials import mean_estimate, split_trials, trial_vector

__all__ = [
    "LSMPolicy",
    "least_squares_policy",
    "fit_least_squares",
    "prune_losing_dates",
    "stopping_dates",
    "policy_npv",
]


# --- kernels -------------------------------------------------------------------------------------


def _basis_size(k: int, degree: int) -> int:
    return 1 + k * degree + k * (k - 1) // 2


def fit_least_squares(observables, exercise, terminal, eligible, degree: int) -> tuple[Regression | None, ...]:
    """Backward induction on the given trials (kernel, no checks).

    ``observables`` is a list of (n, k_t) arrays, one per date; ``exercise`` (n, dates) with
    ``-inf`` where stopping is impossible; ``terminal`` (n,); ``eligible`` (n, dates) bool. Returns
    one regression of ``E[carry on - stop | observables]`` per date, None where fewer trials
    than basis functions could stop (the rule never stops there).
    """
    cash = terminal.copy()
    fitted: list[Regression | None] = [None] * exercise.shape[1]
    for t in reversed(range(exercise.shape[1])):
        e = exercise[:, t]
        idx = np.flatnonzero(eligible[:, t] & np.isfinite(e))
        x = observables[t][idx]
        if idx.size <= _basis_size(x.shape[1], degree):
            continue
        reg = fit_regression(x, cash[idx] - e[idx], degree)
        stop = idx[reg.predict(x) < 0]
        cash[stop] = e[stop]
        fitted[t] = reg
    return tuple(fitted)


def stopping_dates(fitted, observables, exercise, eligible) -> np.ndarray:
    """First date (index) at which the fitted rule stops, per trial; ``dates`` if it never does."""
    n, dates = exercise.shape
    stop = np.zeros((n, dates), dtype=bool)
    for t, reg in enumerate(fitted):
        if reg is None:
            continue
        idx = np.flatnonzero(eligible[:, t] & np.isfinite(exercise[:, t]))
        stop[idx, t] = reg.predict(observables[t][idx]) < 0
    return np.where(stop.any(axis=1), stop.argmax(axis=1), dates)


def policy_npv(stop_date: np.ndarray, exercise: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Per-trial NPV of stopping at ``stop_date`` (``terminal`` where it is ``dates``): never
    stopping gives ``terminal`` bit for bit."""
    dates = exercise.shape[1]
    taken = exercise[np.arange(terminal.size), np.minimum(stop_date, dates - 1)]
    return np.where(stop_date < dates, taken, terminal)


def prune_losing_dates(fitted, observables, exercise, terminal, eligible) -> tuple[Regression | None, ...]:
    """``fitted`` with each date's regression dropped (never stop there) when dropping it does
    not lower the total NPV under the rule on the given trials, tried date by date from the
    first (kernel). A misspecified basis can make a date's stops lose money even in sample (a
    quadratic in the observables stops trials that carrying on would pay for); on the fit
    trials this keeps only the dates whose stops pay there. Never stopping is kept bit for bit."""
    out = list(fitted)
    best = policy_npv(stopping_dates(out, observables, exercise, eligible), exercise, terminal).sum()
    for t, reg in enumerate(out):
        if reg is None:
            continue
        trial = [*out[:t], None, *out[t + 1 :]]
        total = policy_npv(stopping_dates(trial, observables, exercise, eligible), exercise, terminal).sum()
        if total >= best:
            out, best = trial, total
    return tuple(out)


# --- result ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LSMPolicy:
    """A stopping rule over several dates, fitted by least squares on some trials and valued on
    the others.

    Attributes
    ----------
    regressions : per date, the fitted ``E[NPV carrying on - NPV stopping | observables]``
        (None: the rule never stops at that date).
    value_in_sample, value_out_of_sample : mean NPV under the rule on the fit and on the valued
        trials (payoffs' money); ``standard_error_in_sample`` and ``standard_error`` theirs.
    commit_now_value : mean NPV on the valued trials of never stopping (``terminal``).
    flexibility_in_sample, flexibility : value of flexibility (rule minus never stopping, paired
        per trial) on the fit and on the valued trials; ``flexibility_standard_error`` the latter's.
    p_stop_by_date : share of valued trials stopping at each date; ``p_stop`` their sum.
    fit, valued : indices of the fit and the valued trials.
    """

    regressions: tuple[Regression | None, ...]
    value_in_sample: float
    standard_error_in_sample: float
    value_out_of_sample: float
    standard_error: float
    commit_now_value: float
    flexibility_in_sample: float
    flexibility: float
    flexibility_standard_error: float
    p_stop_by_date: np.ndarray
    fit: np.ndarray
    valued: np.ndarray

    @property
    def p_stop(self) -> float:
        return float(self.p_stop_by_date.sum())

    def decide(self, date: int, observables, eligible=None) -> np.ndarray:
        """Boolean "stop now" per trial at date index ``date``, from that date's observables
        only (and ``eligible``, the trials where stopping is possible; all if None)."""
        reg = self.regressions[date]
        x = np.asarray(observables, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        if reg is None:
            return np.zeros(x.shape[0], dtype=bool)
        stop = reg.predict(x) < 0
        return stop if eligible is None else stop & np.asarray(eligible, dtype=bool)

    def npv(self, observables_by_date, exercise_by_date, terminal, eligible_by_date=None) -> np.ndarray:
        """Per-trial NPV under this rule for any trials (arguments as in
        :func:`least_squares_policy`); never stopping gives ``terminal`` bit for bit."""
        obs, exercise, terminal, eligible = _checked(observables_by_date, exercise_by_date, terminal, eligible_by_date)
        return policy_npv(stopping_dates(self.regressions, obs, exercise, eligible), exercise, terminal)

    def to_frame(self):
        """One row per date: ``date, p_stop`` (share of valued trials stopping there)."""
        import pandas as pd

        return pd.DataFrame({"date": np.arange(self.p_stop_by_date.size), "p_stop": self.p_stop_by_date})

    def summary(self):
        """One row per quantity: ``quantity, value`` (values, standard errors, P(stop), trials)."""
        import pandas as pd

        names = [f for f in self.__dataclass_fields__ if f not in ("regressions", "p_stop_by_date", "fit", "valued")]
        rows = [(f, getattr(self, f)) for f in names]
        rows += [("p_stop", self.p_stop), ("trials_fit", self.fit.size), ("trials_valued", self.valued.size)]
        return pd.DataFrame(rows, columns=["quantity", "value"])


# --- public entry point ------------------------------------------------------------------------


def _checked(observables_by_date, exercise_by_date, terminal, eligible_by_date):
    """The arrays of :func:`least_squares_policy`, checked and shaped."""
    terminal = trial_vector("terminal", terminal)
    n = terminal.size
    exercise = np.asarray(exercise_by_date, dtype=float)
    if exercise.ndim != 2 or exercise.shape[0] != n or exercise.shape[1] < 1:
        raise ScenarioError(f"exercise_by_date must be (trials={n}, dates), got shape {exercise.shape}")
    if np.isnan(exercise).any() or (exercise == np.inf).any():
        raise ScenarioError("exercise_by_date has NaN or +inf values (-inf means: cannot stop)")
    dates = exercise.shape[1]
    if len(observables_by_date) != dates:
        raise ScenarioError(f"observables_by_date has {len(observables_by_date)} dates, exercise_by_date {dates}")
    obs = [observable_matrix(f"observables_by_date[{t}]", x, n) for t, x in enumerate(observables_by_date)]
    if eligible_by_date is None:
        eligible = np.ones((n, dates), dtype=bool)
    else:
        eligible = np.asarray(eligible_by_date)
        if eligible.shape != exercise.shape or eligible.dtype != bool:
            raise ScenarioError(f"eligible_by_date must be a boolean array of shape {exercise.shape}")
    return obs, exercise, terminal, eligible


def least_squares_policy(
    observables_by_date, exercise_by_date, terminal, *, eligible_by_date=None, degree: int = 3, seed=None, split=0.5
) -> LSMPolicy:
    """Fit a stopping rule over several dates by least squares (Longstaff-Schwartz) on some
    trials and value it on the others.

    Parameters
    ----------
    observables_by_date : sequence of array_like, one per date, each (trials,) or (trials, k_t)
        What the rule can see at each date (never a latent input).
    exercise_by_date : array_like, shape (trials, dates)
        Per-trial NPV of the whole decision if stopped at each date, discounted to the
        valuation date, in the payoffs' money; ``-inf`` where stopping is impossible.
    terminal : array_like, shape (trials,)
        Per-trial NPV if the rule never stops (commit now), same money.
    eligible_by_date : array_like of bool, shape (trials, dates), optional
        Trials where stopping is considered at each date, computed from the observables (an
        option's in-the-money paths, as in Longstaff and Schwartz); all if None.
    degree : int
        Polynomial degree of the regression basis (1 to 6).
    seed : None, int or numpy Generator
        Draws which trials fit the rule.
    split : float
        Share of trials that fit the rule, strictly between 0 and 1.

    Returns
    -------
    LSMPolicy
    """
    obs, exercise, terminal, eligible = _checked(observables_by_date, exercise_by_date, terminal, eligible_by_date)
    degree = check_degree(degree)
    fit, valued = split_trials(terminal.size, split, seed)
    fitted = fit_least_squares([x[fit] for x in obs], exercise[fit], terminal[fit], eligible[fit], degree)
    return policy_from_rules(fitted, obs, exercise, terminal, eligible, fit, valued)


checked_arrays = _checked
"""The checked and shaped arrays of :func:`least_squares_policy`'s arguments."""


def policy_from_rules(fitted, obs, exercise, terminal, eligible, fit, valued) -> LSMPolicy:
    """The :class:`LSMPolicy` of per-date rules ``fitted`` (anything with ``predict(x)``,
    negative where it stops, or None), valued on the ``fit`` and the ``valued`` trials."""
    parts = {}
    for name, idx in (("fit", fit), ("valued", valued)):
        when = stopping_dates(fitted, [x[idx] for x in obs], exercise[idx], eligible[idx])
        npv = policy_npv(when, exercise[idx], terminal[idx])
        parts[name] = (mean_estimate(npv), mean_estimate(npv - terminal[idx]), when)
    (inside, flex_in, _), (out, flex, when) = parts["fit"], parts["valued"]
    return LSMPolicy(
        regressions=fitted,
        value_in_sample=inside.mean,
        standard_error_in_sample=inside.standard_error,
        value_out_of_sample=out.mean,
        standard_error=out.standard_error,
        commit_now_value=float(terminal[valued].mean()),
        flexibility_in_sample=flex_in.mean,
        flexibility=flex.mean,
        flexibility_standard_error=flex.standard_error,
        p_stop_by_date=np.bincount(when, minlength=exercise.shape[1] + 1)[:-1] / valued.size,
        fit=fit,
        valued=valued,
    )
