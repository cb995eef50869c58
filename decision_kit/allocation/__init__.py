"""Budget allocation across a portfolio of initiatives with uncertain spend-response curves.

What this package holds, in pipeline order:

- :func:`portfolio_model` draws every uncertain curve parameter once for ``trials`` Monte Carlo
  trials (common random numbers: every evaluation of every allocation uses the same draws);
- :func:`optimize` finds the allocation of one plan year's budget that maximises expected
  value (or a risk-adjusted objective) and reports the marginal value of budget;
- :func:`frontier` and :func:`risk_frontier` trace value against budget and against risk aversion;
- :func:`control_split` compares marketing and IT each controlling a share of the budget with
  the jointly optimised allocation;
- :func:`phase` allocates every plan year with carry-over of unspent budget and platform-type
  initiatives whose value builds on cumulative spend;
- every allocation says why: a :class:`Reason` per initiative (and plan year) and, for one plan
  year, a :class:`BudgetLimit` per budget with its marginal value and whether it binds.

Conventions
-----------
Money is in the portfolio's currency, nominal. Spend and value are **per plan year** (currency
per year). Plan years are numbered ``1 .. len(portfolio.budget)`` (year 1 is ``start_year``), as
in ``Initiative.years``.

The value model (one initiative ``i`` with owner ``o``, one trial ``k``, spend ``x`` in a year).
Where the portfolio states ``organisation:``, the owners act by mechanism, from the same
profile and coefficients as a scenario's (:mod:`~decision_kit.allocation.owners`)::

    value_ik(x) = curve(x; max_value_ik * R_ok * L_ikt, scale_ik * (1 + h_i r_o))

with ``R_ok`` the owner's realisation factor (its change cycle against the reference
delivery), ``L_ikt`` the share of the initiative's first active plan year left after the
owner's start delay (1 in later years), ``h_i`` the initiative's integration share and ``r_o``
the owner's integration rework; the shared pot's steering time is a fixed yearly cost. Without
an organisation, round one's constants (the legacy override, also the ``shifts`` argument)::

    value_ik(x) = R_o * curve(x * (1 - g_o); max_value_ik, scale_ik)

with ``R_o`` the owner's ``realisation_factor`` and ``g_o`` its ``governance_overhead`` from
``PRIORS.ownership[o]``: a share ``g_o`` of every unit spent goes to governance and buys
nothing, and only a share ``R_o`` of the curve's promised value is realised.

The optimisers maximise value **net of spend**, ``value - u x`` with ``u`` the portfolio's
``unspent_value`` (1 by default: a unit left unspent stays with the business, so nothing is
funded where its next unit returns less than 1; 0 reproduces round one's gross value, which
spends the budget while anything gains at all). Marginal values of budgets are net of ``u``.
The value is **zero** in plan years the initiative is not active (``years``) and in any year its
prerequisite (``requires``) is funded below ``requires.min_spend`` (spend in that same year).
``curve`` is one of the three concave forms of :class:`decision_kit.schema.ResponseCurve`, so
the expected value (an average over trials) is concave in spend too.

Solvers
-------
The mean objective is separable and concave, so it is solved exactly by water-filling: every
funded initiative strictly inside its bounds has the same expected marginal value ``lambda``
(currency of value per currency spent). ``lambda`` is found by safeguarded Newton on
``log lambda`` with bisection as the fallback, and each initiative's spend solves
``E[value'(x)] = lambda`` in the same way. Per-owner budgets get their own multipliers (an
owner whose budget binds has ``lambda_o > lambda``). Prerequisites are handled exactly by
enumerating which prerequisite-bearing initiatives are switched on; each case is again
separable and concave. Where no ``lambda`` hits the budget in floating point, the two
allocations either side of it are mixed, and their marginal values agree to 1e-13.

The risk-adjusted objectives and multi-year phasing use ``scipy.optimize``: SLSQP with analytic
gradients, started from the water-filling solution, falling back to trust-constr if SLSQP
fails. Every scipy call's status is checked, and a failure raises :class:`AllocationError`
with the solvers' messages. A solver's answer that is worse than its feasible start is never
kept. This package is the only user of ``scipy.optimize``'s optimisers in decision_kit; the
break-even analysis and the weight-flip analysis use only its root finder, ``brentq``, with
convergence checked.

Modules
-------
One module per stage, each importing only from those above it:

- :mod:`~decision_kit.allocation.owners`: the owners' mechanisms on the curves;
- :mod:`~decision_kit.allocation.model`: the curve kernels, :class:`PortfolioModel` and
  :func:`portfolio_model`, :data:`OWNERS` and :class:`AllocationError`;
- :mod:`~decision_kit.allocation.waterfilling`: the exact solver of the mean objective;
- :mod:`~decision_kit.allocation.solvers`: the plan-year problem and its prerequisite cases,
  water-filling applied to each, and the SLSQP solver for the risk-adjusted objectives;
- :mod:`~decision_kit.allocation.explain`: :class:`Reason`, :class:`BudgetLimit` and
  :data:`REASONS`, read off an optimum's constraints and multipliers, and what "value" means;
- :mod:`~decision_kit.allocation.allocate`: :func:`optimize`, its result :class:`Allocation`
  and the validating helpers that build a plan-year problem;
- :mod:`~decision_kit.allocation.studies`: :func:`frontier`, :func:`risk_frontier` and
  :func:`control_split`;
- :mod:`~decision_kit.allocation.phasing`: :func:`phase`, multi-year allocation.
"""

from .allocate import OBJECTIVES, Allocation, optimize
from .explain import REASONS, BudgetLimit, Reason
from .model import OWNERS, AllocationError, PortfolioModel, portfolio_model
from .phasing import Phasing, phase
from .solvers import MAX_PREREQUISITE_CASES
from .studies import ControlSplit, Frontier, RiskFrontier, control_split, frontier, risk_frontier

__all__ = [
    "AllocationError",
    "PortfolioModel",
    "portfolio_model",
    "optimize",
    "Allocation",
    "frontier",
    "Frontier",
    "risk_frontier",
    "RiskFrontier",
    "control_split",
    "ControlSplit",
    "phase",
    "Phasing",
    "OWNERS",
    "OBJECTIVES",
    "MAX_PREREQUISITE_CASES",
    "Reason",
    "BudgetLimit",
    "REASONS",
]
