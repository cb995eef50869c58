"""The scenario and portfolio formats: frozen, typed models of what a file may say.

Conventions, stated once and followed everywhere:

- Time runs in **years**. Period 0 is the decision date; period ``t`` (1..horizon) is year
  ``t``, its flows booked at the end of the year (numpy-financial's convention: period 0 is
  not discounted). One-off costs fall in period 0 unless a ``year`` is given (or recur:
  ``every`` N years or on a list of ``years``); recurring costs run from year 1 unless a
  ``from_year`` is given. Escalators compound yearly from one draw per trial unless drawn
  ``per_year`` or ``per_renewal`` (:class:`CostLine`, :mod:`decision_kit.timing`).
- Money is in the scenario's ``currency``, **nominal**; ``discount_rate`` is a nominal
  annual rate. Costs and benefits are stated as **positive** amounts; net value is
  benefits minus costs.
- Rates (growth, escalation, probabilities, percentages) are fractions: 0.08 or "8%".
- Launch delays and ramp-ups are in **months** from the decision date.

Cross-references (a ``percent_of`` line's target, a driver name, a risk's options and
lines, correlated inputs, criteria in stakeholder weights) are checked after the fields, by
each file's model (:meth:`Scenario.reference_problems`); :func:`validate_document` turns
every problem into a :class:`~decision_kit.errors.Problem`, located when the data came from
a file (:mod:`decision_kit.loading` reads files and knows the line of every field).

Modules: ``base`` (the common model and rules), ``options`` (drivers, cost and benefit lines,
options), ``stakeholders`` (criteria, AHP, stakeholders), ``scenario`` (ownership overrides,
risks, correlations, the scenario and its cross-references, :func:`input_paths` and
:func:`derived_inputs`), ``variants`` (options that extend others), ``caps`` (the cap on a risk
event's loss), ``terminal`` (the terminal-value rule), ``success`` (signed KPIs and milestones), ``portfolio``
(budget portfolios) and ``validation`` (plain data to a model, or located problems).
"""

from .base import Document, FieldPath, Model, Name
from .caps import RiskCap
from .options import CATEGORIES, OPTION_KINDS, STATUS_QUO, BenefitLine, Category, CostLine, Driver, Option, StatusQuo
from .organisation import Mechanisms, Organisation, profile_names
from .portfolio import Initiative, Portfolio, Prerequisite, ResponseCurve
from .scenario import (
    Correlation,
    OwnerOverrides,
    Risk,
    Scenario,
    derived_inputs,
    input_paths,
    percent_cycle,
    repeated_paths,
    risk_touches,
)
from .stakeholders import AHP, COMPUTED_CRITERIA, Criterion, Stakeholder
from .success import KPI, Milestone, Success
from .terminal import TerminalValue
from .validation import Location, Locations, dotted, locate, validate_document, validation_problems
from .variants import expand_options, lineage

__all__ = [
    "CATEGORIES", "Category", "Name", "OPTION_KINDS", "COMPUTED_CRITERIA",
    "Driver", "CostLine", "BenefitLine", "Option", "StatusQuo", "STATUS_QUO", "OwnerOverrides", "Risk", "RiskCap",
    "Correlation",
    "Criterion", "AHP", "Stakeholder", "Scenario", "TerminalValue", "Success", "KPI", "Milestone",
    "Organisation", "Mechanisms", "profile_names",
    "ResponseCurve", "Prerequisite", "Initiative", "Portfolio",
    "Model", "Document", "FieldPath", "input_paths", "derived_inputs", "percent_cycle", "risk_touches",
    "repeated_paths", "expand_options", "lineage",
    "Location", "Locations", "dotted", "locate", "validate_document", "validation_problems",
]  # fmt: skip
