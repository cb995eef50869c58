"""Plan-vs-actual review and stakeholder beliefs, on per-trial arrays.

What is here (import the names from here; each module's docstring states its method):

- :func:`review`: reweight the prior trials of the cell under review by the likelihood of what
  was observed (:class:`Observation`), fall back to tempered sequential Monte Carlo when the
  effective sample size is too small, and report prior versus posterior per input, expected
  NPV to date and to go per cell, the recommendation before and after, and each observation's
  Shapley share of the change, as a :class:`Review`;
- :func:`compare_beliefs`: the decision under each stakeholder's beliefs and under their linear
  opinion pool, and the value of resolving the disagreement, as a :class:`BeliefComparison`;
  :func:`disagreement_values` does it input by input (:class:`DisagreementValues`).

Conventions. Money is in the scenario's currency, as NPV at the decision date (nominal,
benefits minus costs). Each trial's NPV is split at the review date into ``npv_to_date``
(sunk: reported, never used to choose) and ``npv_to_go`` per open action (cell); a
recommendation is the cell with the highest expected NPV to go. The package works on arrays
and callables (:class:`Trials`, a forward :data:`Model`, a :class:`CopulaSpace` of the
inputs' cdf and ppf), so it does not depend on the scenario objects. Every bad request raises
:class:`~decision_kit.errors.ScenarioError`.

Modules:

- :mod:`~decision_kit.review.weights`: observations, likelihoods, weights, weighted statistics;
- :mod:`~decision_kit.review.trials`: :class:`Trials` and :class:`ModelOutputs`;
- :mod:`~decision_kit.review.smc`: the tempered sequential Monte Carlo sampler;
- :mod:`~decision_kit.review.shapley`: exact Shapley attribution over observation subsets;
- :mod:`~decision_kit.review.plan_vs_actual`: :func:`review` and its results;
- :mod:`~decision_kit.review.beliefs`: stakeholder beliefs and the linear opinion pool.
"""

from .beliefs import BeliefComparison, DisagreementValues, compare_beliefs, disagreement_values, joint_log_density
from .plan_vs_actual import InputShifts, Review, review
from .shapley import Attribution
from .smc import CopulaSpace, SMCTrace
from .trials import Model, ModelOutputs, Trials
from .weights import Observation

__all__ = [
    "Attribution",
    "BeliefComparison",
    "CopulaSpace",
    "DisagreementValues",
    "InputShifts",
    "Model",
    "ModelOutputs",
    "Observation",
    "Review",
    "SMCTrace",
    "Trials",
    "compare_beliefs",
    "disagreement_values",
    "joint_log_density",
    "review",
]
