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

This module is the vocabulary of uncertainty; the scenario schema builds on it. It imports
only numpy and pydantic at module level (scipy.special is imported inside the few
functions that need it so that ``import decision_kit`` stays light).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator, model_serializer
from pydantic_core import PydanticCustomError

Z90 = 1.2815515655446004
"""Standard normal quantile at 0.9."""

__all__ = [
    "Fixed", "Uniform", "Triangular", "PERT", "Normal", "LogNormal", "Discrete",
    "Quantiles", "Pareto", "Mixture", "PriorRef", "Distribution", "DIST_NAMES",
    "parse_number",
]


_THOUSANDS = re.compile(r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*[%kKMB]?$")


def parse_number(value: Any) -> Any:
    """Turn a readable number into a float; leave anything else unchanged.

    Accepts ints and floats, and strings such as ``"150k"``, ``"1.2M"``, ``"2B"``,
    ``"8%"`` (0.08) or ``"150,000"``. Returns other inputs unchanged so that the caller's
    validation reports them.

    A comma must group thousands: ``"1,500"`` is 1500.0, but ``"1,5"`` (a decimal comma) is
    returned unchanged rather than read as 15.

    >>> parse_number("150k"), parse_number("8%"), parse_number("1_200"), parse_number("1,5")
    (150000.0, 0.08, 1200.0, '1,5')
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an int beyond 1.8e308: let validation report it
            return value
    if isinstance(value, str):
        text = value.strip()
        if "," in text and not _THOUSANDS.match(text):
            return value  # "1,5" is not 15: commas only group thousands (see _number_in_file)
        text = text.replace(",", "").replace("_", "")
        scale = 1.0
        for suffix, factor in (("%", 0.01), ("k", 1e3), ("K", 1e3), ("M", 1e6), ("B", 1e9)):
            if text.endswith(suffix):
                text, scale = text[: -len(suffix)].strip(), factor
                break
        try:
            number = float(text)
        except ValueError:
            return value
        if not math.isfinite(number):
            return value
        return number * scale
    return value


from pydantic import BeforeValidator  # noqa: E402

ReadableNumber = Annotated[str, Field(
    pattern=r"^\s*[-+]?([0-9]{1,3}(,[0-9]{3})+|[0-9][0-9_]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*[%kKMB]?\s*$")]
"""A number as an analyst writes it: "150k", "8%", "1.2M", "150,000"."""


def _number_in_file(value: Any) -> Any:
    """:func:`parse_number` for values read from a file, naming the mistake of a decimal comma."""
    out = parse_number(value)
    if isinstance(out, str) and "," in out:
        raise _err("number_comma", "'{text}' is not a number: a comma may only group thousands "
                   "(1,500 or 1,500,000); write a decimal with a point (1.5)", text=out.strip())
    return out


Num = Annotated[float, BeforeValidator(_number_in_file, json_schema_input_type=Union[float, ReadableNumber])]
"""A plain number; readable forms are accepted (and described so in the JSON Schema)."""


def _num(value: float) -> float | int:
    """Write a float back as an int when it is one (for readable saved files)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


class _Dist(BaseModel):
    """Common base: frozen, unknown keys rejected, an optional ``source`` note."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    source: str | None = None

    def median(self) -> float:
        return float(self.ppf(0.5))

    def quantiles(self, qs) -> np.ndarray:
        """Quantiles at probabilities ``qs`` (array-like in [0, 1])."""
        return np.asarray(self.ppf(np.asarray(qs, dtype=float)), dtype=float)

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value (may be infinite)."""
        return float(self.ppf(0.0)), float(self.ppf(1.0))

    def is_fixed(self) -> bool:
        return False

    def _dump(self, fields: dict) -> dict:
        out = {"dist": self.dist}  # type: ignore[attr-defined]
        out.update(fields)
        if self.source is not None:
            out["source"] = self.source
        return out


def _err(kind: str, msg: str, **ctx) -> PydanticCustomError:
    return PydanticCustomError(kind, msg, ctx)


class Fixed(_Dist):
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
            return _num(self.value)
        return self._dump({"value": _num(self.value)})


class Uniform(_Dist):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"] = "uniform"
    low: Num
    high: Num

    @model_validator(mode="after")
    def _check(self):
        if not self.low < self.high:
            raise _err("order", "uniform low {low} is not below high {high}",
                       low=_num(self.low), high=_num(self.high))
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
        return self._dump({"low": _num(self.low), "high": _num(self.high)})


class _ThreePoint(_Dist):
    low: Num
    mode: Num
    high: Num

    @model_validator(mode="after")
    def _check(self):
        name, lo, mo, hi = self.dist, _num(self.low), _num(self.mode), _num(self.high)  # type: ignore[attr-defined]
        if self.low > self.mode:
            raise _err("order", "{name} low {low} is above mode {mode}", name=name, low=lo, mode=mo)
        if self.mode > self.high:
            raise _err("order", "{name} mode {mode} is above high {high}", name=name, mode=mo, high=hi)
        if not self.low < self.high:
            raise _err("order", "{name} low {low} must be below high {high}", name=name, low=lo, high=hi)
        return self

    @model_serializer
    def _ser(self):
        return self._dump({"low": _num(self.low), "mode": _num(self.mode), "high": _num(self.high)})


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
        out = {"low": _num(self.low), "mode": _num(self.mode), "high": _num(self.high)}
        if self.lamb != 4.0:
            out["lamb"] = _num(self.lamb)
        return self._dump(out)


class Normal(_Dist):
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
        return self._dump({"mean": _num(self.mean_), "sd": _num(self.sd)})


class LogNormal(_Dist):
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
        given = {k for k, v in (("median", self.median_), ("p90", self.p90), ("sigma", self.sigma),
                                ("mean", self.mean_), ("sd", self.sd)) if v is not None}
        if given not in ({"median", "p90"}, {"median", "sigma"}, {"mean", "sd"}):
            raise _err("pair", "lognormal needs exactly one of: median and p90, median and sigma, "
                       "or mean and sd (got {given})", given=", ".join(sorted(given)) or "none")
        if self.p90 is not None and not self.p90 > self.median_:
            raise _err("order", "lognormal p90 {p90} must be above median {median}",
                       p90=_num(self.p90), median=_num(self.median_))
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Mean and standard deviation of the log of the variable."""
        if self.mean_ is not None:
            r = self.sd / self.mean_
            s2 = math.log1p(r * r) if r < 1e100 else 2 * math.log(r)
            return math.log(self.mean_) - s2 / 2, math.sqrt(s2)
        sigma = self.sigma if self.sigma is not None else math.log(self.p90 / self.median_) / Z90
        return math.log(self.median_), sigma

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
        pairs = (("median", self.median_), ("p90", self.p90), ("sigma", self.sigma),
                 ("mean", self.mean_), ("sd", self.sd))
        return self._dump({k: _num(v) for k, v in pairs if v is not None})


class Discrete(_Dist):
    """A few possible values with their probabilities (which must sum to 1)."""

    dist: Literal["discrete"] = "discrete"
    values: list[Num] = Field(min_length=1)
    probs: list[Num] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self):
        if len(self.values) != len(self.probs):
            raise _err("shape", "discrete has {n} values but {m} probs", n=len(self.values), m=len(self.probs))
        if any(not 0 <= p <= 1 for p in self.probs):
            raise _err("prob", "discrete probs must each be between 0 and 1")
        if abs(sum(self.probs) - 1) > 1e-6:
            raise _err("prob", "discrete probs sum to {total}, not 1", total=round(sum(self.probs), 6))
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
        return self._dump({"values": [_num(v) for v in self.values], "probs": [_num(p) for p in self.probs]})


_L90 = math.log(9.0)  # logit(0.9)
METALOG3_FEASIBLE = 1.66711
"""Keelin (2016): a three-term metalog is a valid distribution iff a2 > 0 and |a3|/a2 < 1.66711."""


class Quantiles(_Dist):
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
            raise _err("order", "quantiles must rise: p10 {p10} < p50 {p50} < p90 {p90}",
                       p10=_num(self.p10), p50=_num(self.p50), p90=_num(self.p90))
        a1, a2, a3 = self.coefficients
        if abs(a3) / a2 >= METALOG3_FEASIBLE:
            raise _err("infeasible", "quantiles p10 {p10}, p50 {p50}, p90 {p90} are too skewed for a "
                       "valid metalog fit (|a3|/a2 = {ratio} >= 1.667); move p50 towards the middle",
                       p10=_num(self.p10), p50=_num(self.p50), p90=_num(self.p90), ratio=round(abs(a3) / a2, 3))
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
        return self._dump({"p10": _num(self.p10), "p50": _num(self.p50), "p90": _num(self.p90)})


class Pareto(_Dist):
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
            raise _err("order", "pareto cap {cap} must be above xm {xm}", cap=_num(self.cap), xm=_num(self.xm))
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
        out = {"xm": _num(self.xm), "alpha": _num(self.alpha)}
        if self.cap is not None:
            out["cap"] = _num(self.cap)
        return self._dump(out)


class Component(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    weight: Num = Field(gt=0, le=1)
    dist: "Distribution"


class Mixture(_Dist):
    """With probability ``weight_i`` the value comes from component ``i``."""

    dist: Literal["mixture"] = "mixture"
    components: list[Component] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self):
        total = sum(c.weight for c in self.components)
        if abs(total - 1) > 1e-6:
            raise _err("prob", "mixture weights sum to {total}, not 1", total=round(total, 6))
        return self

    def sample(self, rng, size):
        u = rng.random(size)
        edges = np.cumsum([c.weight for c in self.components])
        which = np.minimum(np.searchsorted(edges, u, side="right"), len(self.components) - 1)
        out = np.empty(size)
        for i, comp in enumerate(self.components):
            mask = which == i
            out[mask] = comp.dist.sample(rng, int(mask.sum()))
        return out

    def cdf(self, x):
        return sum(c.weight * np.asarray(c.dist.cdf(x), dtype=float) for c in self.components)

    def ppf(self, q):
        """Quantiles by bisection on the mixture CDF between the components' extremes."""
        q = np.asarray(q, dtype=float)
        lo_b = min(float(c.dist.ppf(1e-12)) for c in self.components)
        hi_b = max(float(c.dist.ppf(1 - 1e-12)) for c in self.components)
        lo, hi = np.full(q.shape, lo_b), np.full(q.shape, hi_b)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            below = self.cdf(mid) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return hi if hi.ndim else float(hi)

    def mean(self):
        return sum(c.weight * c.dist.mean() for c in self.components)

    @model_serializer
    def _ser(self):
        return self._dump({"components": [{"weight": _num(c.weight), "dist": c.dist.model_dump()}
                                          for c in self.components]})


class PriorRef(_Dist):
    """A shipped reference-class prior, by name (see ``decision_kit.priors``).

    Behaves as the prior's distribution; saving writes the name back, not the numbers.
    """

    dist: Literal["prior"] = "prior"
    name: str

    @model_validator(mode="after")
    def _check(self):
        from .priors import PRIORS

        if self.name not in PRIORS.distributions:
            raise _err("prior", "unknown prior '{name}' (known: {known})", name=self.name,
                       known=", ".join(sorted(PRIORS.distributions)))
        return self

    @property
    def resolved(self) -> "Distribution":
        from .priors import PRIORS

        return PRIORS.distributions[self.name].dist

    def sample(self, rng, size):
        return self.resolved.sample(rng, size)

    def ppf(self, q):
        return self.resolved.ppf(q)

    def cdf(self, x):
        return self.resolved.cdf(x)

    def mean(self):
        return self.resolved.mean()

    @model_serializer
    def _ser(self):
        return self._dump({"name": self.name})


DIST_NAMES = ("fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete",
              "quantiles", "pareto", "mixture", "prior")


_TEXT_KEYS = ("dist", "source", "name", "components")


def _coerce(value: Any) -> Any:
    """Numbers and readable number strings become ``fixed``; mappings must name a known ``dist``."""
    value = _number_in_file(value)
    if isinstance(value, float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, BaseModel):
        return value
    if isinstance(value, dict):
        if "dist" not in value:
            raise _err("dist_missing", "a distribution needs 'dist:' naming one of {names} "
                       "(or write a plain number)", names=", ".join(DIST_NAMES))
        if value["dist"] not in DIST_NAMES:
            raise _err("dist_unknown", "unknown distribution '{name}'; expected one of {names}",
                       name=str(value["dist"]), names=", ".join(DIST_NAMES))
        out = {}
        for k, v in value.items():
            try:
                out[k] = v if k in _TEXT_KEYS else (
                    [_number_in_file(x) for x in v] if isinstance(v, list) and k != "components"
                    else _number_in_file(v))
            except PydanticCustomError as exc:  # say which parameter of the distribution
                raise _err(exc.type, "{key}: " + exc.message_template, key=str(k), **(exc.context or {}))
        return out
    raise _err("dist_type", "expected a number or a distribution mapping, got {got!r}", got=value)



_Union = Annotated[
    Union[Fixed, Uniform, Triangular, PERT, Normal, LogNormal, Discrete, Quantiles, Pareto, Mixture, PriorRef],
    Field(discriminator="dist"),
]

Distribution = Annotated[_Union, BeforeValidator(_coerce, json_schema_input_type=Union[float, ReadableNumber, _Union])]
"""An uncertain quantity: a bare number or a mapping with ``dist:`` and its parameters."""

OptionalDistribution = Annotated[Union[_Union, None], BeforeValidator(lambda v: None if v is None else _coerce(v),
                                                                    json_schema_input_type=Union[float, ReadableNumber, _Union, None])]
"""A distribution that may be left out (``None``)."""

Component.model_rebuild()
Mixture.model_rebuild()
