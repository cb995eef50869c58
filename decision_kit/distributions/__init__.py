"""How an uncertain input is stated, and how it is drawn.

Each distribution is a small frozen pydantic model that owns its behaviour:

- ``sample(rng, size)`` draws with an explicit :class:`numpy.random.Generator`;
- ``ppf(q)`` is the quantile function (inverse CDF), vectorised over ``q``;
- ``cdf(x)`` is the cumulative distribution function;
- ``mean()`` is the analytic mean, ``median()`` is ``ppf(0.5)``.

The forms follow what an analyst says in a meeting: a three-point range ("between 150k
and 400k, most likely 200k") as ``triangular`` or ``pert``, a lognormal by its median and
P90, an expert's P10/P50/P90 as ``quantiles`` (fitted as a three-term metalog), or a
shipped reference-class ``prior`` by name. A bare number is a ``fixed`` value.

This package is the vocabulary of uncertainty; the scenario schema builds on it. Its modules:

- ``numbers``: readable numbers ("150k", "8%") read and written back;
- ``base``: :class:`DistributionBase`, what every form answers;
- ``families``: fixed, uniform, triangular, PERT, normal, lognormal, discrete, Pareto;
- ``metalog``: ``quantiles`` (P10/P50/P90 as a three-term metalog);
- ``compound``: mixtures, shipped priors by name, references to a scenario's shared
  quantities, and the :data:`Distribution` type.

It imports only numpy and pydantic at module level (scipy.special is imported inside the few
functions that need it so that ``import decision_kit`` stays light).
"""

from .base import DistributionBase, FloatArray, Values
from .compound import (
    DIST_NAMES,
    PRIORS_FILE,
    Component,
    Distribution,
    Mixture,
    OptionalDistribution,
    PriorRef,
    Shared,
    priors_file,
    shared_scope,
    shipped_distributions,
    shipped_yaml,
)
from .families import PERT, Z90, Discrete, Fixed, LogNormal, Normal, Pareto, Triangular, Uniform
from .metalog import METALOG3_FEASIBLE, Quantiles
from .numbers import Num, ReadableNumber, number_in_file, parse_number, plain_number

__all__ = [
    "Fixed", "Uniform", "Triangular", "PERT", "Normal", "LogNormal", "Discrete",
    "Quantiles", "Pareto", "Mixture", "PriorRef", "Shared", "shared_scope", "Distribution", "DIST_NAMES",
    "parse_number",
    "Component", "OptionalDistribution", "DistributionBase", "FloatArray", "Values",
    "PRIORS_FILE", "priors_file", "shipped_yaml", "shipped_distributions", "Z90", "METALOG3_FEASIBLE",
    "Num", "ReadableNumber", "number_in_file", "plain_number",
]  # fmt: skip
