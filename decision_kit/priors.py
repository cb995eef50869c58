"""Shipped reference-class priors and ownership-model defaults, read from ``data/priors.yaml``.

The numbers live in the data file, each with its source and a confidence grade (A, B, C, D,
or J for judgement). ``PRIORS.distributions[name].dist`` is a distribution (the very object a
``{dist: prior, name: ...}`` reference resolves to, see
:func:`decision_kit.distributions.shipped_distributions`); ``PRIORS.ownership[owner]`` holds
the default shifts of one ownership model.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

from .distributions import Distribution, priors_file, shipped_distributions

if TYPE_CHECKING:
    import pandas as pd

Owner = Literal["marketing", "it", "shared", "embedded", "shadow"]

OWNERS: tuple[Owner, ...] = ("marketing", "it", "shared", "embedded", "shadow")
"""The five ownership models, in display order."""


def is_owner(name: object) -> TypeGuard[Owner]:
    """True when ``name`` is one of the five ownership models."""
    return name in OWNERS


Grade = Literal["A", "B", "C", "D", "J"]


class Prior(BaseModel):
    """One reference-class default: a distribution with its unit, source and grade."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    description: str
    unit: str
    grade: Grade
    source: str
    dist: Distribution


class OwnerShifts(BaseModel):
    """How an ownership model shifts an option, relative to ``shared`` = 1.

    Attributes
    ----------
    launch_factor : multiplies the option's months to launch.
    launch_extra_months : added to the months to launch (e.g. agreeing joint funding).
    integration_factor : multiplies cost lines in the ``integration`` and ``customisation``
        categories (rework when standards are ignored).
    incident_frequency, incident_severity : multiply the probability per year and the
        impact of ``security`` risk events.
    governance_overhead : fraction of every period's cost added as governance cost.
    consolidation : fraction of ``license`` cost paid again in years 2 and 3 when IT later
        absorbs a tool bought around it (booked to IT's budget).
    realisation_factor : multiplies the realised share of benefits.
    marketing_share : fraction of costs paid from marketing's budget; IT pays the rest.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    launch_factor: float = Field(1.0, gt=0)
    launch_extra_months: float = Field(0.0, ge=0)
    integration_factor: float = Field(1.0, ge=0)
    incident_frequency: float = Field(1.0, ge=0)
    incident_severity: float = Field(1.0, ge=0)
    governance_overhead: float = Field(0.0, ge=0, le=1)
    consolidation: float = Field(0.0, ge=0)
    realisation_factor: float = Field(1.0, ge=0)
    marketing_share: float = Field(1.0, ge=0, le=1)
    source: str | None = None


class Priors(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    distributions: dict[str, Prior]
    ownership: dict[Owner, OwnerShifts]

    def table(self) -> pd.DataFrame:
        """The priors as a pandas DataFrame (name, description, unit, grade, mean, P10, P50, P90, source)."""
        import pandas as pd

        rows = []
        for name, p in self.distributions.items():
            q = p.dist.quantiles([0.1, 0.5, 0.9])
            rows.append(
                {
                    "name": name,
                    "description": p.description,
                    "unit": p.unit,
                    "grade": p.grade,
                    "mean": p.dist.mean(),
                    "p10": q[0],
                    "p50": q[1],
                    "p90": q[2],
                    "source": p.source,
                }
            )
        return pd.DataFrame(rows).set_index("name")


@functools.cache
def read_priors() -> Priors:
    """The shipped priors file, validated (read once, on first use).

    Each prior's ``dist`` is the object :func:`~decision_kit.distributions.shipped_distributions`
    holds, so a prior reference and the table describe the same distribution.
    """
    data = priors_file()
    dists = shipped_distributions()
    entries = {name: {**entry, "dist": dists[name]} for name, entry in data["distributions"].items()}
    return Priors.model_validate({**data, "distributions": entries})


class ShippedPriors:
    """The shipped priors, read from the data file on first use, so importing the package reads nothing."""

    @property
    def distributions(self) -> dict[str, Prior]:
        return read_priors().distributions

    @property
    def ownership(self) -> dict[Owner, OwnerShifts]:
        return read_priors().ownership

    def table(self) -> pd.DataFrame:
        """The priors as a pandas DataFrame (see :meth:`Priors.table`)."""
        return read_priors().table()


PRIORS = ShippedPriors()
"""The shipped priors: ``PRIORS.distributions``, ``PRIORS.ownership`` and ``PRIORS.table()``."""
