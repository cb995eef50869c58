"""Multi-criteria views of a simulation: AHP, weighted sum, TOPSIS and the stakeholders' rankings.

The package holds, in pipeline order (submodule in brackets):

- kernels on a decision matrix: :func:`ahp` (priorities from pairwise comparisons,
  ``pairwise``), :func:`weighted_sum` and :func:`topsis` (``methods``, on the shared checks of
  ``matrix``), :func:`compare_normalisations` and :func:`weight_flips` (``robustness``);
- views of a :class:`~decision_kit.results.Result`: :func:`criteria_scores` (``criteria``),
  :func:`stakeholder_weights` and :func:`stakeholder_view` (``stakeholders``),
  :func:`rank_acceptability` (``acceptability``), :func:`normalisation_check`,
  :func:`flip_analysis` and :func:`weight_ranges` (``robustness``).

Conventions, stated once and followed everywhere:

- A **decision matrix** is a DataFrame with one row per alternative (for a Result, one row per
  option x owner cell) and one column per criterion, each in its own unit (NPV in the
  scenario's currency, time to launch in months, security risk in expected incidents over the
  horizon, judged scores on their 1-5 scale).
- ``benefit[c]`` is True when more of criterion ``c`` is better.
- **Weights** are non-negative, one per criterion, and are normalised to sum to 1; a criterion
  of the matrix without a weight has weight 0.
- Scores and closeness are "higher is better"; rank 1 is the best and ties share the better rank.
- Every invalid input raises :class:`~decision_kit.errors.ScenarioError` with a plain message.
"""

from .acceptability import RankAcceptability, rank_acceptability
from .criteria import criteria_directions, criteria_scores
from .methods import METHODS, NORMALISATIONS, TopsisResult, WeightedSumResult, topsis, weighted_sum
from .pairwise import CR_THRESHOLD, RANDOM_INDEX, AHPConsistencyWarning, AHPResult, ahp
from .robustness import (
    FlipAnalysis,
    NormalisationCheck,
    compare_normalisations,
    flip_analysis,
    normalisation_check,
    weight_flips,
    weight_ranges,
)
from .stakeholders import (
    AGGREGATIONS,
    GROUP,
    StakeholderView,
    StakeholderWeights,
    stakeholder_view,
    stakeholder_weights,
)

__all__ = [
    "RANDOM_INDEX",
    "CR_THRESHOLD",
    "METHODS",
    "NORMALISATIONS",
    "AGGREGATIONS",
    "GROUP",
    "AHPConsistencyWarning",
    "AHPResult",
    "ahp",
    "WeightedSumResult",
    "weighted_sum",
    "TopsisResult",
    "topsis",
    "NormalisationCheck",
    "compare_normalisations",
    "FlipAnalysis",
    "weight_flips",
    "criteria_directions",
    "criteria_scores",
    "StakeholderWeights",
    "stakeholder_weights",
    "StakeholderView",
    "stakeholder_view",
    "RankAcceptability",
    "rank_acceptability",
    "normalisation_check",
    "flip_analysis",
    "weight_ranges",
]
