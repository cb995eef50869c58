"""Per-trial arrays for staged decisions: checks, the fit/value split, and paired estimates.

Conventions. Every payoff is a per-trial present value, in whatever money the caller's payoffs
are in (the scenario's currency, later): the NPV at the valuation date of the first decision,
with the caller's discounting already applied. A rule is fitted on one part of the trials
(the *fit* trials) and valued on the rest (the *valued* trials), drawn at random by
:func:`split_trials`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from ..sampling import as_generator

__all__ = ["Estimate", "mean_estimate", "value_of_flexibility", "split_trials", "trial_vector", "check_split"]


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo mean with its standard error.

    Attributes
    ----------
    mean : the mean over ``trials`` trials, in the payoffs' money.
    standard_error : ``std(ddof=1) / sqrt(trials)``; NaN for fewer than two trials.
    trials : trials averaged.

    Unpacks as ``mean, standard_error = estimate``.
    """

    mean: float
    standard_error: float
    trials: int

    def __iter__(self):
        yield self.mean
        yield self.standard_error

    def to_series(self):
        """``mean, standard_error, trials`` as a pandas Series."""
        import pandas as pd

        return pd.Series({"mean": self.mean, "standard_error": self.standard_error, "trials": self.trials})


def mean_estimate(x: np.ndarray) -> Estimate:
    """The mean of per-trial values ``x`` (n,) and its standard error (kernel, no checks)."""
    n = x.size
    se = float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return Estimate(float(x.mean()), se, int(n))


def value_of_flexibility(commit_now_npv, staged_npv) -> Estimate:
    """Value of flexibility: ``E[staged NPV] - E[commit-now NPV]`` on the same trials.

    Parameters
    ----------
    commit_now_npv, staged_npv : array_like, shape (trials,)
        Per-trial NPVs of committing now and of following the staged policy, on the same
        trials (common random numbers), in the same money.

    Returns
    -------
    Estimate
        The mean of the paired differences and its standard error (the pairing removes the
        variance the two share).

    Examples
    --------
    >>> value_of_flexibility([1.0, -2.0, 3.0], [1.0, 0.0, 3.0]).mean
    0.6666666666666666
    """
    commit = trial_vector("commit_now_npv", commit_now_npv)
    staged = trial_vector("staged_npv", staged_npv, commit.size)
    return mean_estimate(staged - commit)


def trial_vector(name: str, x, trials: int | None = None, *, allow_minus_inf: bool = False) -> np.ndarray:
    """``x`` as a float vector of ``trials`` values (any length if None), finite (``-inf`` allowed
    if ``allow_minus_inf``: an action that can never be taken). Anything else is a ScenarioError."""
    a = np.asarray(x, dtype=float)
    if a.ndim != 1 or a.size < 2:
        raise ScenarioError(f"{name} must be a vector of per-trial values (at least 2), got shape {a.shape}")
    if trials is not None and a.size != trials:
        raise ScenarioError(f"{name} has {a.size} trials, expected {trials}")
    bad = np.isnan(a) | (a == np.inf) | (~allow_minus_inf & np.isneginf(a))
    if bad.any():
        raise ScenarioError(f"{name} has {int(bad.sum())} non-finite values (first at trial {int(np.argmax(bad))})")
    return a


def check_split(split) -> float:
    """``split`` as the share of trials that fit a rule: a number strictly between 0 and 1."""
    if isinstance(split, bool) or not isinstance(split, int | float) or not 0.0 < split < 1.0:
        raise ScenarioError(f"split must be a share of trials strictly between 0 and 1, got {split!r}")
    return float(split)


def split_trials(trials: int, split: float, seed) -> tuple[np.ndarray, np.ndarray]:
    """Indices (sorted) of the fit and the valued trials: ``round(split * trials)`` trials drawn
    at random without replacement fit the rule, the others value it. Each part has at least two."""
    n_fit = int(round(check_split(split) * trials))
    if n_fit < 2 or trials - n_fit < 2:
        raise ScenarioError(f"split {split} of {trials} trials leaves fewer than 2 trials to fit or to value")
    perm = as_generator(seed).permutation(trials)
    return np.sort(perm[:n_fit]), np.sort(perm[n_fit:])
