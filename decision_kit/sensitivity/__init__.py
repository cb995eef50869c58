"""Sensitivity of a decision to its inputs: one-way swings, Sobol indices, break-even values.

What is here (each public function validates its arguments, calls a kernel and returns a named
result with ``to_frame``):

- :func:`tornado` and :func:`spider`: one-way sensitivity of one option x owner cell's metric
  to each uncertain input, the others held at base, in one vectorised engine call;
- :func:`sobol`: first-order and total Sobol indices, with bootstrap confidence intervals, of
  any vectorised function of independent inputs; :func:`saltelli_jansen` is its kernel;
- :func:`sobol_scenario`: the same for a metric of one cell of a scenario;
- :func:`break_even`: the value of one input at which two cells have equal expected NPV;
- :func:`crossover_year`: the first year one cell's mean cumulative cost overtakes another's.

Conventions (those of :mod:`decision_kit.results`): metrics are ``npv`` (benefits minus costs,
discounted at the scenario's nominal rate, period 0 undiscounted), ``pv_cost`` (present value
of cost) and ``tco`` (undiscounted total cost), all in the scenario's currency; costs are
positive. Inputs are named by their dotted path in the scenario file
(:func:`decision_kit.loading.input_paths`, e.g. ``options.build.cost_overrun``). Percentile
levels are fractions in (0, 1): 0.10 is P10. Cells are ``(option, owner)`` pairs.

The base case is that of :func:`decision_kit.simulation.base_case`: every input at its median
and no risk event (the median of a yearly event with probability below one half is no event).
One-way analyses hold the other inputs there, so they do not swing risk inputs; their weight
shows in :func:`sobol_scenario` (which samples risk events) and in
:func:`decision_kit.voi.evppi`. Correlations between inputs are ignored by the one-way and
Sobol analyses (Sobol indices assume independent inputs).

Every bad request raises :class:`~decision_kit.errors.ScenarioError` with a plain message.

Modules, one per kind of analysis (import the names above from here):

- :mod:`~decision_kit.sensitivity.one_way`: :func:`tornado`, :func:`spider` and their results;
- :mod:`~decision_kit.sensitivity.variance`: :func:`sobol`, :func:`sobol_scenario`,
  :func:`saltelli_jansen` and :class:`SobolIndices`;
- :mod:`~decision_kit.sensitivity.thresholds`: :func:`break_even` and :func:`crossover_year`;
- :mod:`~decision_kit.sensitivity.checks`, :mod:`~decision_kit.sensitivity.cells` and
  :mod:`~decision_kit.sensitivity.output`: what the three share (checks of a request, the cells
  and inputs an analysis needs, read-only arrays and wording of results).
"""

from .checks import METRICS
from .one_way import Spider, Tornado, spider, tornado
from .thresholds import BreakEven, break_even, crossover_year
from .variance import SobolIndices, saltelli_jansen, sobol, sobol_scenario

__all__ = [
    "METRICS",
    "Tornado",
    "Spider",
    "SobolIndices",
    "BreakEven",
    "tornado",
    "spider",
    "sobol",
    "sobol_scenario",
    "saltelli_jansen",
    "break_even",
    "crossover_year",
]
