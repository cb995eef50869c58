"""The actuals file of a plan-vs-actual review: what was observed, as of a date, for one cell.

An actuals file records, some whole years after the decision, what actually happened to the
option x owner cell that was chosen, each observation with its measurement uncertainty::

    actuals:
      as_of_years: 1                 # the review date, in whole years after the decision
      date: 2028-01-31               # optional: the calendar date, for the reader
      cell: {option: buy, owner: embedded}
      observed:
        launch_months:        {value: 5.5, sd: 0.25}     # normal error, in the KPI's units
        cost.subscription[1]: {value: 130k, sd: 5k}
        benefit[1]:           {value: 260k, sigma: 0.4}  # lognormal error, in log units

Observed KPIs (what the cash-flow engine computes for the cell, :data:`KPI_SYNTAX`):

- ``launch_months``: months from the decision to go-live;
- ``cost[t]``, ``benefit[t]``: the cell's total cost or benefit in period ``t`` (0 is the
  decision date, ``t`` the year ``t``), positive amounts in the scenario's currency;
- ``cost.<name>[t]``, ``benefit.<name>[t]``: the spend (benefit) of one cost (benefit) line of
  the option, or of every line of a category (``cost.license[1]``, ``benefit.revenue[1]``).

Measurement: ``sd`` (normal: ``value = kpi + e``, ``e ~ N(0, sd^2)``; ``.inf`` for an
observation that carries no information) or ``sigma`` (lognormal: ``log value = log kpi + e``),
exactly one. Periods observed must be in the past (``t <= as_of_years``). Which option, owner
and line names exist is checked against the scenario by :mod:`decision_kit.review_scenario`.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..distributions import parse_number
from ..errors import input_error
from .base import Document, FieldPath, Model

__all__ = ["KPI_SYNTAX", "Actuals", "ActualsFile", "Measured", "ObservedCell", "parse_kpi"]

KPI_SYNTAX = re.compile(r"^(?:(launch_months)|(cost|benefit)(?:\.([A-Za-z0-9_-]+))?\[(\d+)\])$")
"""An observable KPI: ``launch_months``, ``cost[t]``, ``benefit[t]``, ``cost.<name>[t]`` or
``benefit.<name>[t]`` (a line or a category of the option)."""

MAX_OBSERVED = 12
"""At most this many observations (each one's Shapley share needs 2^K reweightings)."""


def parse_kpi(name: str) -> tuple[str, str | None, int | None] | None:
    """``(flow, line or category, period)`` of a KPI name, ``("launch_months", None, None)``,
    or None if the name is not one.

    >>> parse_kpi("cost.subscription[1]"), parse_kpi("benefit[2]"), parse_kpi("launch_months")
    (('cost', 'subscription', 1), ('benefit', None, 2), ('launch_months', None, None))
    """
    m = KPI_SYNTAX.match(name)
    if m is None:
        return None
    if m.group(1):
        return "launch_months", None, None
    return m.group(2), m.group(3), int(m.group(4))


def _number(v: Any) -> Any:
    return parse_number(v)


Number = Annotated[float, BeforeValidator(_number)]


class Measured(Model):
    """One observed KPI: its value and measurement uncertainty (``sd`` or ``sigma``)."""

    value: Number
    sd: Annotated[float, Field(allow_inf_nan=True)] | None = None
    sigma: Number | None = None
    source: str | None = None

    @field_validator("sd", mode="before")
    @classmethod
    def _sd_number(cls, v):
        return parse_number(v)

    @field_validator("sd")
    @classmethod
    def _sd(cls, v):
        if v is not None and (math.isnan(v) or v <= 0):
            raise input_error("sd", "sd must be positive (.inf for an observation without information), got {v}", v=v)
        return v

    @field_validator("sigma")
    @classmethod
    def _sigma(cls, v):
        if v is not None and v <= 0:
            raise input_error("sigma", "sigma (log units) must be positive, got {v}", v=v)
        return v

    @model_validator(mode="after")
    def _one_error(self):
        if (self.sd is None) == (self.sigma is None):
            raise input_error(
                "measurement",
                "give exactly one measurement uncertainty: sd (normal, in the KPI's units) or sigma "
                "(lognormal, in log units)",
            )
        if self.sigma is not None and self.value <= 0:
            raise input_error(
                "lognormal", "a value measured with a lognormal sigma must be positive, got {v}", v=self.value
            )
        return self

    @property
    def likelihood(self) -> str:
        """``"normal"`` (``sd``) or ``"lognormal"`` (``sigma``)."""
        return "normal" if self.sd is not None else "lognormal"

    @property
    def spread(self) -> float:
        """``sd`` or ``sigma``, whichever is given."""
        return float(self.sd if self.sd is not None else self.sigma)  # type: ignore[arg-type]


class ObservedCell(Model):
    """The option x owner cell that was chosen and is reviewed."""

    option: str
    owner: str


class Actuals(Model):
    """What was observed of one cell, as of a whole number of years after the decision."""

    as_of_years: int = Field(ge=1)
    date: datetime.date | None = None
    cell: ObservedCell
    observed: dict[str, Measured]
    description: str | None = None
    source: str | None = None

    @field_validator("as_of_years", mode="before")
    @classmethod
    def _whole_years(cls, v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise input_error("as_of", "as_of_years must be a whole number of years after the decision, got {v!r}", v=v)
        return v

    @field_validator("observed")
    @classmethod
    def _some(cls, v):
        if not v:
            raise input_error("observed", "nothing is observed: name at least one KPI")
        if len(v) > MAX_OBSERVED:
            raise input_error("observed", "at most {m} observations, got {n}", m=MAX_OBSERVED, n=len(v))
        return v


class ActualsFile(Document):
    """An actuals file: one ``actuals:`` block."""

    actuals: Actuals

    def reference_problems(self) -> list[tuple[FieldPath, str]]:
        """KPI names that are not KPIs, and periods not yet in the past at the review date."""
        out: list[tuple[FieldPath, str]] = []
        a = self.actuals
        for name in a.observed:
            kpi = parse_kpi(name)
            path: FieldPath = ("actuals", "observed", name)
            if kpi is None:
                out.append(
                    (
                        path,
                        f"'{name}' is not an observable KPI: write launch_months, cost[t], benefit[t], "
                        "cost.<line or category>[t] or benefit.<line or category>[t]",
                    )
                )
            elif kpi[2] is not None and kpi[2] > a.as_of_years:
                out.append(
                    (
                        path,
                        f"period {kpi[2]} is after the review date (year {a.as_of_years}): only the past "
                        "can be observed",
                    )
                )
        return out
