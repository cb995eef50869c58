"""The cap on a risk event's loss: an insurance limit, a contractual or regulatory maximum, or a
share of the organisation's revenue.

A cap bounds the loss of *one event*, after the ownership model's incident severity:

- ``one_off`` and ``forced_migration`` events cost at most ``amount`` (currency) and at most
  ``share_of_revenue`` times the scenario's ``revenue``, whichever is smaller;
- a ``price_rise`` raises prices by at most ``amount`` (a fraction, as its impact is);
- a ``benefit_loss`` takes at most ``amount`` (a fraction) of the benefits.

A capped impact has a bounded tail, so it never makes the certainty equivalent undefined
(see :mod:`decision_kit.tails`).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ..distributions import Num
from ..errors import input_error
from .base import Model


class RiskCap(Model):
    """The most one event of a risk can cost (see the module docstring for the units)."""

    amount: Num | None = Field(None, gt=0)
    share_of_revenue: Num | None = Field(None, gt=0, le=1)
    source: str | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.amount is None and self.share_of_revenue is None:
            raise input_error("cap", "a cap needs 'amount:', 'share_of_revenue:' or both")
        return self

    def limit(self, revenue: float | None) -> float:
        """The cap in the impact's unit: the smaller of ``amount`` and ``share_of_revenue``
        times ``revenue`` (the scenario's; required when a share is given)."""
        limits = [] if self.amount is None else [float(self.amount)]
        if self.share_of_revenue is not None:
            if revenue is None:
                raise ValueError("a cap by share_of_revenue needs the scenario's revenue")
            limits.append(float(self.share_of_revenue) * float(revenue))
        return min(limits)
