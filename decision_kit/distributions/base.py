"""The common base of every distribution: frozen, unknown keys rejected, an optional ``source``.

Every form answers the same questions: ``sample(rng, size)`` draws with an explicit
:class:`numpy.random.Generator`, ``ppf(q)`` is the quantile function (inverse CDF) and
``cdf(x)`` the cumulative distribution function, both vectorised (a float for a scalar
argument, an array for an array); ``mean()`` is the analytic mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

FloatArray = npt.NDArray[np.float64]
"""An array of float64 values (draws, quantiles, probabilities)."""

Values = FloatArray | float
"""What ``ppf`` and ``cdf`` return: a float for a scalar argument, an array for an array."""


class DistributionBase(BaseModel):
    """Common base: frozen, unknown keys rejected, an optional ``source`` note."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    source: str | None = None
    if TYPE_CHECKING:  # each form declares its own literal tag as a pydantic field
        dist: str

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws."""
        raise NotImplementedError

    def ppf(self, q: npt.ArrayLike) -> Values:
        """Quantile function (inverse CDF) at probabilities ``q``."""
        raise NotImplementedError

    def cdf(self, x: npt.ArrayLike) -> Values:
        """Cumulative distribution function at ``x``."""
        raise NotImplementedError

    def mean(self) -> float:
        """The analytic mean."""
        raise NotImplementedError

    def median(self) -> float:
        return float(self.ppf(0.5))

    def quantiles(self, qs: npt.ArrayLike) -> FloatArray:
        """Quantiles at probabilities ``qs`` (array-like in [0, 1])."""
        return np.asarray(self.ppf(np.asarray(qs, dtype=float)), dtype=float)

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value (may be infinite)."""
        return float(self.ppf(0.0)), float(self.ppf(1.0))

    def is_fixed(self) -> bool:
        return False

    def _dump(self, fields: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": self.dist}
        out.update(fields)
        if self.source is not None:
            out["source"] = self.source
        return out
