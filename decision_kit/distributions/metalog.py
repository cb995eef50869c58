"""An expert's P10, P50 and P90, fitted exactly by a three-term metalog (Keelin 2016)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import model_serializer, model_validator

from ..errors import input_error
from .base import DistributionBase
from .numbers import Num, plain_number

_L90 = math.log(9.0)  # logit(0.9)
METALOG3_FEASIBLE = 1.66711
"""Keelin (2016): a three-term metalog is a valid distribution iff a2 > 0 and |a3|/a2 < 1.66711."""


class Quantiles(DistributionBase):
    """An analyst's P10, P50 and P90, fitted exactly by a three-term metalog.

    Quantile function (Keelin 2016, eq. 6): ``M(y) = a1 + a2 L + a3 (y - 0.5) L`` with
    ``L = ln(y / (1 - y))``. The mean is ``a1 + a3 / 2``. Quantiles so skewed that the fit
    is not a valid distribution are rejected.
    """

    dist: Literal["quantiles"] = "quantiles"
    p10: Num
    p50: Num
    p90: Num

    @model_validator(mode="after")
    def _check(self):
        if not self.p10 < self.p50 < self.p90:
            raise input_error(
                "order",
                "quantiles must rise: p10 {p10} < p50 {p50} < p90 {p90}",
                p10=plain_number(self.p10),
                p50=plain_number(self.p50),
                p90=plain_number(self.p90),
            )
        a1, a2, a3 = self.coefficients
        if abs(a3) / a2 >= METALOG3_FEASIBLE:
            raise input_error(
                "infeasible",
                "quantiles p10 {p10}, p50 {p50}, p90 {p90} are too skewed for a "
                "valid metalog fit (|a3|/a2 = {ratio} >= 1.667); move p50 towards the middle",
                p10=plain_number(self.p10),
                p50=plain_number(self.p50),
                p90=plain_number(self.p90),
                ratio=round(abs(a3) / a2, 3),
            )
        return self

    @property
    def coefficients(self) -> tuple[float, float, float]:
        a1 = self.p50
        a2 = (self.p90 - self.p10) / (2 * _L90)
        a3 = (self.p90 + self.p10 - 2 * self.p50) / (0.8 * _L90)
        return a1, a2, a3

    def ppf(self, q):
        a1, a2, a3 = self.coefficients
        y = np.asarray(q, dtype=float)
        with np.errstate(divide="ignore"):
            logit = np.log(y) - np.log1p(-y)
        return a1 + (a2 + a3 * (y - 0.5)) * logit

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def cdf(self, x):
        """CDF by bisection on the (monotone) quantile function."""
        x = np.asarray(x, dtype=float)
        lo, hi = np.zeros_like(x), np.ones_like(x)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = self.ppf(mid) < x
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    def mean(self):
        a1, _, a3 = self.coefficients
        return a1 + a3 / 2

    @model_serializer
    def _ser(self):
        return self._dump({"p10": plain_number(self.p10), "p50": plain_number(self.p50), "p90": plain_number(self.p90)})
