"""Staged decisions and real options: pilot then scale or stop, defer, abandon, switch.

What is here (each public function validates its per-trial arrays, calls a kernel and returns
a named result):

- :func:`threshold_rule`: one decision date and a scalar signal (a pilot's measurement): go or
  stop by a threshold fitted on the trials, as :class:`ThresholdRule`; :func:`defer_rule` is
  the option to wait, learn a project's value and invest only if it pays;
- :func:`choice_rule`: one decision date and several options (defer, then commit to one of
  them or to none) by least squares on every option's signal, as :class:`ChoiceRule`;
- :func:`least_squares_policy`: several decision dates (abandon or switch at any year-end), by
  least-squares Monte Carlo (Longstaff and Schwartz 2001), as :class:`LSMPolicy`;
- :func:`value_of_flexibility`: staged minus commit-now NPV on the same trials, as an
  :class:`Estimate` (mean and standard error).

Conventions. The arrays are per trial (vectorised over trials). Payoffs are present values at
the valuation date, discounting already applied, in the payoffs' own money (the scenario's
currency, when the scenario format calls this). A rule sees only what is observable at its
date (the signal, the observables of that date), never a latent input; payoffs fit and value
it. Every rule is fitted on a random share ``split`` of the trials and valued on the others:
the in-sample value is biased high, the out-of-sample value low, and both are reported. The
decision maker is risk neutral (maximises expected NPV). Bad arguments raise
:class:`~decision_kit.errors.ScenarioError`.

Modules:

- :mod:`~decision_kit.staging.threshold`: :func:`threshold_rule`, :func:`defer_rule` and
  their kernels;
- :mod:`~decision_kit.staging.choice`: :func:`choice_rule` and its kernels;
- :mod:`~decision_kit.staging.lsm`: :func:`least_squares_policy` and its kernels;
- :mod:`~decision_kit.staging.basis`: the regression basis of observables;
- :mod:`~decision_kit.staging.trials`: checks, the fit/value split, :class:`Estimate`.
"""

from .choice import ChoiceRule, choice_rule
from .lsm import LSMPolicy, least_squares_policy
from .threshold import ThresholdRule, defer_rule, threshold_rule
from .trials import Estimate, value_of_flexibility

__all__ = [
    "ChoiceRule",
    "Estimate",
    "LSMPolicy",
    "ThresholdRule",
    "choice_rule",
    "defer_rule",
    "least_squares_policy",
    "threshold_rule",
    "value_of_flexibility",
]
