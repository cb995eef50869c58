"""One decision date, several options: after a wait, commit to one of them or to none.

Preposterior analysis by least squares. Each option's payoff (its NPV if committed to after the
wait) is regressed, over the fit trials, on the polynomial basis of every option's signal
(:mod:`~decision_kit.staging.basis`: powers of each signal and the products of pairs); the
rule commits to the option with the highest fitted value, or to none (payoff 0: the status quo
goes on) when every fitted value is below 0. With one option and a signal that orders its
payoff this is a threshold, and :func:`~decision_kit.staging.threshold_rule` finds the exact one;
with several the boundary between options depends on all the signals, which a threshold
search cannot express. The rule sees only the signals; the payoffs fit and value it.

A regression can be misspecified (the basis cannot bend as E[payoff | signals] does), and its
choices may then lose money even on the fit trials against a choice that ignores the signals.
The rule is therefore whichever pays most on the fit trials among the regression's choices and
the constant choices (always the same option, or always none): chosen on the fit trials alone,
so the valued trials stay independent of the fit. The in-sample value is biased high, the
out-of-sample value low.

Conventions. Payoffs are per-trial present values at the valuation date (discounting already
applied), in the payoffs' money; ``cost`` (a study, a holding fee) is paid whatever is chosen.
Signals are in their own units (the scenario's currency a year, later). Choices are option
indices ``0 .. k-1``, and ``k`` for none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from .basis import Regression, check_degree, fit_regression, observable_matrix
from .trials import mean_estimate, split_trials, trial_vector

__all__ = ["ChoiceRule", "choice_rule", "fit_choice", "choose", "choice_npv", "own_signal_cut"]


# --- kernels -------------------------------------------------------------------------------------


def fit_choice(signals: np.ndarray, payoffs: np.ndarray, degree: int) -> tuple[Regression, ...]:
    """One regression per option of its payoff ``payoffs[:, i]`` on the basis of every signal
    ``signals`` (n, k), on the given trials (kernel, no checks)."""
    return tuple(fit_regression(signals, payoffs[:, i], degree) for i in range(payoffs.shape[1]))


def choose(regressions, signals: np.ndarray) -> np.ndarray:
    """The choice per trial (n,): the option with the highest fitted payoff, ``k`` (none) where
    every fitted payoff is below 0 (ties go to the first option, then to committing)."""
    fitted = np.column_stack([r.predict(signals) for r in regressions])
    best = np.argmax(fitted, axis=1)
    return np.where(fitted[np.arange(best.size), best] >= 0, best, len(regressions))


def choice_npv(choice: np.ndarray, payoffs: np.ndarray, cost=0.0) -> np.ndarray:
    """Per-trial NPV of ``choice`` (n,): the chosen option's payoff, 0 where none, less ``cost``."""
    padded = np.column_stack([payoffs, np.zeros(payoffs.shape[0])])
    npv = padded[np.arange(choice.size), choice]
    return npv - cost if np.any(cost) else npv


def _best_constant(payoffs: np.ndarray) -> tuple[int, float]:
    """The constant choice (an option, or ``k`` for none) with the highest total payoff, and that
    total (ties go to the lowest index)."""
    totals = np.concatenate([payoffs.sum(axis=0), [0.0]])
    best = int(np.argmax(totals))
    return best, float(totals[best])


# --- result ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ChoiceRule:
    """A choice among ``k`` options or none from their signals, fitted on some trials and valued
    on the others.

    Attributes
    ----------
    regressions : per option, the fitted ``E[payoff | signals]``; None when the rule is constant.
    constant : the choice the rule makes whatever the signals (an option index, ``k`` for none)
        when the regression's choices paid less on the fit trials; None otherwise.
    value_in_sample, value_out_of_sample : mean NPV under the rule on the fit and on the valued
        trials (payoffs' money, ``cost`` deducted); ``standard_error`` is the latter's.
    shares : (k + 1,) share of valued trials ending in each option, the last in none.
    fit, valued : indices of the fit and the valued trials.
    """

    regressions: tuple[Regression, ...] | None
    constant: int | None
    value_in_sample: float
    value_out_of_sample: float
    standard_error: float
    shares: np.ndarray
    fit: np.ndarray
    valued: np.ndarray

    @property
    def options(self) -> int:
        """How many options the rule chooses among (``k``)."""
        return self.shares.size - 1

    def decide(self, signals) -> np.ndarray:
        """The choice per trial (option index, ``k`` for none) for observed ``signals`` (n, k)."""
        x = np.asarray(signals, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        if self.regressions is None:
            return np.full(x.shape[0], self.constant, dtype=int)
        return choose(self.regressions, x)

    def npv(self, signals, payoffs, cost=0.0) -> np.ndarray:
        """Per-trial NPV under this rule for any trials (see :func:`choice_npv`)."""
        p = np.asarray(payoffs, dtype=float)
        return choice_npv(self.decide(signals), p[:, None] if p.ndim == 1 else p, cost)


def own_signal_cut(rule: ChoiceRule, option: int, others: np.ndarray, grid: np.ndarray) -> tuple[float, bool]:
    """Where ``rule`` starts choosing ``option`` along its own signal, the other signals held at
    ``others`` (k,): the lowest value of ``grid`` (increasing, the option's signal) at which it is
    chosen (NaN if nowhere on the grid, ``-inf`` if already at its first value), and whether the
    values where it is chosen are exactly those from that cut up (a threshold on its own signal,
    at those other signals)."""
    x = np.tile(np.asarray(others, dtype=float), (grid.size, 1))
    x[:, option] = grid
    picked = rule.decide(x) == option
    if not picked.any():
        return float("nan"), False
    first = int(np.argmax(picked))
    return (float(grid[first]) if first else -np.inf), bool(picked[first:].all())


# --- public entry point ------------------------------------------------------------------------


def choice_rule(signals, payoffs, *, cost=0.0, degree: int = 2, seed=None, split: float = 0.5) -> ChoiceRule:
    """Fit a choice among several options (or none) on their signals on some trials, by least
    squares, and value it on the others.

    Parameters
    ----------
    signals : array_like, shape (trials, k) or (trials,)
        What the rule observes at its date, per trial: one signal per option (never a latent input).
    payoffs : array_like, shape (trials, k) or (trials,)
        Per-trial NPV of committing to each option, discounted to the valuation date; none pays 0.
    cost : float or array_like, shape (trials,)
        Paid whatever is chosen (the cost of waiting), in the payoffs' money.
    degree : int
        Polynomial degree of the regression basis (1 to 6).
    seed : None, int or numpy Generator
        Draws which trials fit the rule (the same split as :func:`~decision_kit.staging.threshold_rule`
        for the same seed and number of trials).
    split : float
        Share of trials that fit the rule, strictly between 0 and 1.

    Returns
    -------
    ChoiceRule

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.random.default_rng(0).normal([1.0, 0.5], 1.0, (10_000, 2))
    >>> rule = choice_rule(theta, theta, seed=1, degree=1)
    >>> [int(c) for c in rule.decide([[2.0, 0.0], [0.0, 2.0], [-1.0, -1.0]])]
    [0, 1, 2]
    """
    p = np.asarray(payoffs, dtype=float)
    p = p[:, None] if p.ndim == 1 else p
    if p.ndim != 2 or p.shape[1] < 1:
        raise ScenarioError(f"payoffs must be (trials, options), got shape {p.shape}")
    n = trial_vector("payoffs[:, 0]", p[:, 0]).size
    for i in range(1, p.shape[1]):
        trial_vector(f"payoffs[:, {i}]", p[:, i], n)
    s = observable_matrix("signals", signals, n)
    if s.shape[1] != p.shape[1]:
        raise ScenarioError(f"signals has {s.shape[1]} columns, payoffs {p.shape[1]}: one signal per option")
    c = trial_vector("cost", cost, n) if np.ndim(cost) else np.full(n, float(cost))
    fit, valued = split_trials(n, split, seed)
    regressions: tuple[Regression, ...] | None = fit_choice(s[fit], p[fit], check_degree(degree))
    constant: int | None
    constant, total = _best_constant(p[fit])
    if choice_npv(choose(regressions, s[fit]), p[fit]).sum() >= total:
        constant = None
    else:
        regressions = None
    k = p.shape[1]
    rule = ChoiceRule(regressions, constant, np.nan, np.nan, np.nan, np.zeros(k + 1), fit, valued)
    inside = rule.npv(s[fit], p[fit], c[fit]).mean()
    out = mean_estimate(rule.npv(s[valued], p[valued], c[valued]))
    shares = np.bincount(rule.decide(s[valued]), minlength=k + 1) / valued.size
    return ChoiceRule(regressions, constant, float(inside), out.mean, out.standard_error, shares, fit, valued)
