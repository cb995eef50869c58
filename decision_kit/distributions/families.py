"""The parametric families: fixed, uniform, triangular, PERT, normal, lognormal, discrete and Pareto."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, model_serializer, model_validator

from ..errors import input_error
from .base import DistributionBase
from .numbers import Num, plain_number

Z90 = 1.2815515655446004
"""Standard normal quantile at 0.9."""


class Fixed(DistributionBase):
    """A known value. Written in a scenario file as a bare number."""

    dist: Literal["fixed"] = "fixed"
    value: Num

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def ppf(self, q):
        return np.full(np.shape(q), self.value) if np.ndim(q) else self.value

    def cdf(self, x):
        return np.where(np.asarray(x) >= self.value, 1.0, 0.0)

    def mean(self) -> float:
        return self.value

    def is_fixed(self) -> bool:
        return True

    @model_serializer
    def _ser(self):
        if self.source is None:
            return plain_number(self.value)
        return self._dump({"value": plain_number(self.value)})


class Uniform(DistributionBase):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"] = "uniform"
    low: Num
    high: Num

    @model_validator(mode="after")
    def _check(self):
        if not self.low < self.high:
            raise input_error(
                "order",
                "uniform low {low} is not below high {high}",
                low=plain_number(self.low),
                high=plain_number(self.high),
            )
        return self

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)

    def ppf(self, q):
        return self.low + np.asarray(q, dtype=float) * (self.high - self.low)

    def cdf(self, x):
        return np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0, 1)

    def mean(self):
        return 0.5 * (self.low + self.high)

    @model_serializer
    def _ser(self):
        return self._dump({"low": plain_number(self.low), "high": plain_number(self.high)})


class _ThreePoint(DistributionBase):
    low: Num
    mode: Num
    high: Num

    @model_validator(mode="after")
    def _check(self):
        name, lo, mo, hi = self.dist, plain_number(self.low), plain_number(self.mode), plain_number(self.high)
        if self.low > self.mode:
            raise input_error("order", "{name} low {low} is above mode {mode}", name=name, low=lo, mode=mo)
        if self.mode > self.high:
            raise input_error("order", "{name} mode {mode} is above high {high}", name=name, mode=mo, high=hi)
        if not self.low < self.high:
            raise input_error("order", "{name} low {low} must be below high {high}", name=name, low=lo, high=hi)
        return self

    @model_serializer
    def _ser(self):
        return self._dump(
            {"low": plain_number(self.low), "mode": plain_number(self.mode), "high": plain_number(self.high)}
        )


class Triangular(_ThreePoint):
    """Three-point estimate with straight-line density between low, mode and high."""

    dist: Literal["triangular"] = "triangular"

    def sample(self, rng, size):
        return rng.triangular(self.low, self.mode, self.high, size)

    def ppf(self, q):
        q = np.asarray(q, dtype=float)
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        left = a + np.sqrt(q * (b - a) * (c - a))
        right = b - np.sqrt((1 - q) * (b - a) * (b - c))
        return np.where(q < fc, left, right)

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        a, c, b = self.low, self.mode, self.high
        with np.errstate(divide="ignore", invalid="ignore"):
            left = (x - a) ** 2 / ((b - a) * (c - a))
            right = 1 - (b - x) ** 2 / ((b - a) * (b - c))
        out = np.where(x <= c, left, right)
        return np.where(x <= a, 0.0, np.where(x >= b, 1.0, out))

    def mean(self):
        return (self.low + self.mode + self.high) / 3


class PERT(_ThreePoint):
    """Beta-PERT: a smooth three-point estimate, mean ``(low + 4 mode + high) / 6``.

    ``lamb`` (default 4) sets how strongly the mode pulls; the underlying beta has
    ``alpha = 1 + lamb (mode - low) / (high - low)`` and ``beta = 1 + lamb (high - mode) / (high - low)``.
    """

    dist: Literal["pert"] = "pert"
    lamb: Num = Field(4.0, gt=0)

    @property
    def _ab(self) -> tuple[float, float]:
        r = self.high - self.low
        return 1 + self.lamb * (self.mode - self.low) / r, 1 + self.lamb * (self.high - self.mode) / r

    def sample(self, rng, size):
        a, b = self._ab
        return self.low + (self.high - self.low) * rng.beta(a, b, size)

    def ppf(self, q):
        from scipy.special import betaincinv

        a, b = self._ab
        return self.low + (self.high - self.low) * betaincinv(a, b, np.asarray(q, dtype=float))

    def cdf(self, x):
        from scipy.special import betainc

        a, b = self._ab
        z = np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0, 1)
        return betainc(a, b, z)

    def mean(self):
        return (self.low + self.lamb * self.mode + self.high) / (self.lamb + 2)

    @model_serializer
    def _ser(self):
        out = {"low": plain_number(self.low), "mode": plain_number(self.mode), "high": plain_number(self.high)}
        if self.lamb != 4.0:
            out["lamb"] = plain_number(self.lamb)
        return self._dump(out)


class Normal(DistributionBase):
    """Normal by mean and standard deviation (``sd`` > 0)."""

    dist: Literal["normal"] = "normal"
    mean_: Num = Field(alias="mean")
    sd: Num = Field(gt=0)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def sample(self, rng, size):
        return rng.normal(self.mean_, self.sd, size)

    def ppf(self, q):
        from scipy.special import ndtri

        return self.mean_ + self.sd * ndtri(np.asarray(q, dtype=float))

    def cdf(self, x):
        from scipy.special import ndtr

        return ndtr((np.asarray(x, dtype=float) - self.mean_) / self.sd)

    def mean(self):
        return self.mean_

    @model_serializer
    def _ser(self):
        return self._dump({"mean": plain_number(self.mean_), "sd": plain_number(self.sd)})


class LogNormal(DistributionBase):
    """Lognormal, stated by ``median`` and ``p90``, by ``median`` and ``sigma`` (the
    standard deviation of the log, as the priors state it), or by ``mean`` and ``sd``.
    All values must be positive; exactly one pair is given."""

    dist: Literal["lognormal"] = "lognormal"
    median_: Num | None = Field(None, alias="median", gt=0)
    p90: Num | None = Field(None, gt=0)
    sigma: Num | None = Field(None, gt=0)
    mean_: Num | None = Field(None, alias="mean", gt=0)
    sd: Num | None = Field(None, gt=0)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _check(self):
        given = {
            k
            for k, v in (
                ("median", self.median_),
                ("p90", self.p90),
                ("sigma", self.sigma),
                ("mean", self.mean_),
                ("sd", self.sd),
            )
            if v is not None
        }
        if given not in ({"median", "p90"}, {"median", "sigma"}, {"mean", "sd"}):
            raise input_error(
                "pair",
                "lognormal needs exactly one of: median and p90, median and sigma, or mean and sd (got {given})",
                given=", ".join(sorted(given)) or "none",
            )
        if self.p90 is not None and self.median_ is not None and not self.p90 > self.median_:
            raise input_error(
                "order",
                "lognormal p90 {p90} must be above median {median}",
                p90=plain_number(self.p90),
                median=plain_number(self.median_),
            )
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Mean and standard deviation of the log of the variable."""
        if self.mean_ is not None and self.sd is not None:
            r = self.sd / self.mean_
            s2 = math.log1p(r * r) if r < 1e100 else 2 * math.log(r)
            return math.log(self.mean_) - s2 / 2, math.sqrt(s2)
        assert self.median_ is not None  # the other two pairs both state the median (see _check)
        if self.sigma is not None:
            return math.log(self.median_), self.sigma
        assert self.p90 is not None
        return math.log(self.median_), math.log(self.p90 / self.median_) / Z90

    def sample(self, rng, size):
        mu, s = self.mu_sigma
        return rng.lognormal(mu, s, size)

    def ppf(self, q):
        from scipy.special import ndtri

        mu, s = self.mu_sigma
        return np.exp(mu + s * ndtri(np.asarray(q, dtype=float)))

    def cdf(self, x):
        from scipy.special import ndtr

        mu, s = self.mu_sigma
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, ndtr((np.log(np.where(x > 0, x, 1)) - mu) / s), 0.0)

    def mean(self):
        mu, s = self.mu_sigma
        return math.exp(mu + s * s / 2)

    @model_serializer
    def _ser(self):
        pairs = (
            ("median", self.median_),
            ("p90", self.p90),
            ("sigma", self.sigma),
            ("mean", self.mean_),
            ("sd", self.sd),
        )
        return self._dump({k: plain_number(v) for k, v in pairs if v is not None})


class Discrete(DistributionBase):
    """A few possible values with their probabilities (which must sum to 1)."""

    dist: Literal["discrete"] = "discrete"
    values: list[Num] = Field(min_length=1)
    probs: list[Num] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self):
        if len(self.values) != len(self.probs):
            raise input_error("shape", "discrete has {n} values but {m} probs", n=len(self.values), m=len(self.probs))
        if any(not 0 <= p <= 1 for p in self.probs):
            raise input_error("prob", "discrete probs must each be between 0 and 1")
        if abs(sum(self.probs) - 1) > 1e-6:
            raise input_error("prob", "discrete probs sum to {total}, not 1", total=round(sum(self.probs), 6))
        return self

    @property
    def _sorted(self):
        order = np.argsort(self.values, kind="stable")
        v = np.asarray(self.values, dtype=float)[order]
        c = np.cumsum(np.asarray(self.probs, dtype=float)[order])
        c[-1] = 1.0
        return v, c

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def ppf(self, q):
        v, c = self._sorted
        idx = np.searchsorted(c, np.asarray(q, dtype=float), side="left")
        return v[np.minimum(idx, len(v) - 1)]

    def cdf(self, x):
        v, c = self._sorted
        idx = np.searchsorted(v, np.asarray(x, dtype=float), side="right")
        return np.where(idx > 0, c[np.maximum(idx - 1, 0)], 0.0)

    def mean(self):
        return float(np.dot(self.values, self.probs))

    @model_serializer
    def _ser(self):
        return self._dump(
            {"values": [plain_number(v) for v in self.values], "probs": [plain_number(p) for p in self.probs]}
        )


class Pareto(DistributionBase):
    """Pareto (type I) with minimum ``xm`` and tail index ``alpha``; optional ``cap``.

    Used for the fat tail of IT cost overruns (PRIORS section 1). With a cap the draws are
    clipped at ``cap`` (the mean then is that of the clipped variable).
    """

    dist: Literal["pareto"] = "pareto"
    xm: Num = Field(gt=0)
    alpha: Num = Field(gt=0)
    cap: Num | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.cap is not None and not self.cap > self.xm:
            raise input_error(
                "order", "pareto cap {cap} must be above xm {xm}", cap=plain_number(self.cap), xm=plain_number(self.xm)
            )
        return self

    def ppf(self, q):
        q = np.asarray(q, dtype=float)
        with np.errstate(divide="ignore"):
            x = self.xm * (1 - q) ** (-1 / self.alpha)
        return np.minimum(x, self.cap) if self.cap is not None else x

    def sample(self, rng, size):
        return self.ppf(rng.random(size))

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        out = np.where(x >= self.xm, 1 - (self.xm / np.maximum(x, self.xm)) ** self.alpha, 0.0)
        return np.where(x >= self.cap, 1.0, out) if self.cap is not None else out

    def mean(self):
        a, m = self.alpha, self.xm
        if self.cap is None:
            return a * m / (a - 1) if a > 1 else math.inf
        c = self.cap
        # E[min(X, c)] = c - integral_xm^c F(x) dx ... closed form:
        if a == 1:
            body = m * math.log(c / m)
        else:
            body = a * m**a * (c ** (1 - a) - m ** (1 - a)) / (1 - a)
        return body + c * (m / c) ** a

    @model_serializer
    def _ser(self):
        out = {"xm": plain_number(self.xm), "alpha": plain_number(self.alpha)}
        if self.cap is not None:
            out["cap"] = plain_number(self.cap)
        return self._dump(out)
