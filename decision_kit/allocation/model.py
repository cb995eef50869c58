"""The portfolio model: every uncertain response curve drawn once, and the value it gives.

What this module holds:

- :data:`OWNERS` and :class:`AllocationError`, used by every stage of the package;
- the curve kernels (pure numpy, no checks) and ``Curves``, the sampled effective curves of
  the initiatives with their values, slopes and curvatures at given spends;
- :class:`PortfolioModel` and :func:`portfolio_model`, which validate a portfolio and draw its
  curve parameters once, so that every later evaluation uses the same draws (common random
  numbers); ``prerequisites_met`` (prerequisites funded?) and ``year_index`` (plan year
  checked) serve it.

The value model and its units (currency per plan year, nominal) are those of the package
docstring, :mod:`decision_kit.allocation`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..errors import ScenarioError
from ..priors import PRIORS, OwnerShifts
from ..sampling import as_generator, as_seed, draw_inputs
from ..schema import Portfolio
from .owners import DEFAULT_INTEGRATION_SHARE, OwnerEffects, owner_effects

OWNERS: tuple[str, ...] = ("marketing", "it", "shared")
"""Owners an initiative may have (and keys of per-owner budgets)."""

_FORMS = {"exp_saturation": 0, "hill": 1, "log": 2}
HILL_FLOOR = 1e-12
"""Hill slopes are evaluated at spend >= this times the scale (the slope is infinite at 0 and
gradient solvers need it finite); values are exact. Below the floor the slope is understated,
which can only matter for budgets under about 1e-12 of a hill curve's scale."""
MET_RTOL = 1e-7
"""Relative shortfall of a prerequisite's spend below its ``min_spend`` still counted as funded."""


class AllocationError(ScenarioError):
    """An allocation that cannot be made: infeasible budgets, bad arguments, or a solver failure.

    The message names the numbers involved (e.g. the budget and the sum of minimum spends) or
    the solver and its own message. Never is an infeasible or unconverged result returned.
    """


# --- curve kernels ---------------------------------------------------------------------------
# Pure numpy, no checks. Parameters are (r, K) arrays, one row per initiative and one column per
# trial: effective max_value m and scale s (currency per year), 1 / s, log s; h the (r, 1) hill
# shapes; x the (r, 1) spends (currency per year). Each returns (value, slope), or with
# ``curv`` (slope, curvature): the Newton steps of water-filling need no values.


def _exp_kernel(m, inv_s, x, curv):
    z = -x * inv_s
    d = m * inv_s * np.exp(z)
    return (d, -d * inv_s) if curv else (-m * np.expm1(z), d)  # expm1: exact for small spend


def _log_kernel(m, s, inv_s, x, curv):
    u = 1.0 / (s + x)
    d = m * u
    return (d, -d * u) if curv else (m * np.log1p(x * inv_s), d)


def _hill_kernel(m, s, log_s, x, h, curv):
    # the value is exact (0 at x = 0); the slope of x^h (h < 1) is infinite at 0, so slope and
    # curvature are evaluated at x or just above 0, whichever is larger
    xf = np.maximum(x, HILL_FLOOR * s)
    r = np.exp(h * (np.log(xf) - log_s))
    q = 1.0 / (1.0 + r)
    d = m * h * r * q * q / xf
    if curv:
        return d, d / xf * ((h - 1.0) - 2.0 * h * r * q)
    rv = np.where(x > 0, np.exp(h * (np.log(np.maximum(x, 1e-320)) - log_s)), 0.0)
    return m * rv / (1.0 + rv), d


@dataclass(frozen=True, eq=False)
class Curves:
    """Sampled effective curves of n initiatives: (n, K) parameters, one row per initiative."""

    form: np.ndarray
    m: np.ndarray
    s: np.ndarray
    h: np.ndarray
    inv_s: np.ndarray = field(init=False, repr=False)
    log_s: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "inv_s", 1.0 / self.s)
        object.__setattr__(self, "log_s", np.log(self.s))

    @property
    def n(self) -> int:
        return self.form.size

    def take(self, cols) -> Curves:
        cols = np.asarray(cols, dtype=int)
        return Curves(self.form[cols], self.m[cols], self.s[cols], self.h[cols])

    def _eval(self, x, idx, curv):
        """(value, slope) or (slope, curvature), each (len(idx), K), at spends ``x`` (aligned with ``idx``)."""
        k = self.m.shape[1]
        out = np.empty((2, idx.size, k))
        codes = self.form[idx]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # hill slopes next to 0
            return self._fill(out, x, idx, codes, curv)

    def _fill(self, out, x, idx, codes, curv):
        for code in (0, 1, 2):
            pos = np.flatnonzero(codes == code)
            if not pos.size:
                continue
            rows, xs = idx[pos], x[pos, None]
            if code == 0:
                res = _exp_kernel(self.m[rows], self.inv_s[rows], xs, curv)
            elif code == 1:
                res = _hill_kernel(self.m[rows], self.s[rows], self.log_s[rows], xs, self.h[rows, None], curv)
            else:
                res = _log_kernel(self.m[rows], self.s[rows], self.inv_s[rows], xs, curv)
            out[0, pos], out[1, pos] = res
        return out

    def value_slope(self, x):
        """Per-trial values and slopes at spends ``x`` (n,): two (n, K) arrays."""
        out = self._eval(np.asarray(x, dtype=float), np.arange(self.n), False)
        return out[0], out[1]

    def mean_slope_curv(self, x, idx=None):
        """Expected slope and curvature at spends ``x`` of initiatives ``idx`` (default all)."""
        idx = np.arange(self.n) if idx is None else idx
        out = self._eval(np.asarray(x, dtype=float), idx, True)
        return out[0].mean(1), out[1].mean(1)

    def mean_slope(self, x):
        return self.mean_slope_curv(x)[0]

    def guess(self, lam):
        """Spend where the curve with mean parameters has slope ``lam`` (n,): closed form for
        exp_saturation and log, the smaller asymptotic root for hill. A first Newton iterate."""
        m, s, h = self.m.mean(1), self.s.mean(1), self.h
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.where(self.form == 0, s * np.log(m / (s * lam)), m / lam - s)
            small = s * (m * h / (s * lam)) ** (1 / (1 - np.minimum(h, 1 - 1e-9)))
            large = s * (m * h / (s * lam)) ** (1 / (1 + h))
            out = np.where(self.form == 1, np.minimum(small, large), out)
        return np.where(np.isfinite(out), out, 0.0)


# --- the portfolio model ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PortfolioModel:
    """A portfolio with its uncertain curve parameters drawn once (common random numbers).

    Attributes
    ----------
    portfolio : the portfolio.
    names, owners : initiative names and owners, in file order.
    trials, seed : Monte Carlo trials drawn and the seed they were drawn with.
    shifts : the ownership shifts used, by owner.
    min_spend, max_spend : (n,) bounds on spend in an active year (currency per year);
        ``max_spend`` is ``inf`` where the file sets none.
    active : (years, n) bool, whether each initiative may spend (and earn) in each plan year.
    prerequisites : ``(i, j, min_spend)`` triples: initiative ``i`` earns nothing unless
        initiative ``j`` spends at least ``min_spend`` (currency per year).
    unspent_value : what a unit of budget left unspent is worth (the portfolio's
        ``unspent_value``): the optimisers maximise value minus this times the spend.
    effects : each owner's mechanisms per trial (:mod:`decision_kit.allocation.owners`), None
        where the owners keep round one's constants.
    shifts_given : owners whose constants were set by the ``shifts`` argument (the legacy
        override: no mechanism acts on them).
    """

    portfolio: Portfolio
    names: tuple[str, ...]
    owners: tuple[str, ...]
    trials: int
    seed: int
    shifts: Mapping[str, OwnerShifts]
    min_spend: np.ndarray = field(repr=False)
    max_spend: np.ndarray = field(repr=False)
    active: np.ndarray = field(repr=False)
    prerequisites: tuple = field(repr=False)
    curves: Curves = field(repr=False)
    unspent_value: float = 1.0
    effects: OwnerEffects | None = field(default=None, repr=False)
    shifts_given: frozenset = frozenset()
    _by_year: dict = field(default_factory=dict, repr=False)

    def fixed_cost(self, spend) -> float:
        """Expected yearly cost no allocation changes at ``spend`` (n,): the shared pot's
        steering time when owners act by mechanism and the pot funds anything (currency per year)."""
        if self.effects is None:
            return 0.0
        x = np.asarray(spend, dtype=float)
        own = np.array(self.owners)
        return sum(
            self.effects.steering_mean(o) for o in OWNERS if o not in self.shifts_given and float(x[own == o].sum()) > 0
        )

    def curves_in(self, t: int) -> Curves:
        """The curves of plan year index ``t`` (0-based): :attr:`curves`, with the first-year
        share left after the owner's start delay applied to the initiatives that start in
        year ``t`` where owners act by mechanism (:mod:`decision_kit.allocation.owners`)."""
        if self.effects is None:
            return self.curves
        cached = self._by_year.get(t)
        if cached is None:
            starts = [i for i, o in enumerate(self.owners) if o not in self.shifts_given and self.first_year[i] == t]
            if not starts:
                cached = self.curves
            else:
                m = self.curves.m.copy()
                for i in starts:
                    m[i] = m[i] * self.effects.launch[self.owners[i]]
                cached = Curves(self.curves.form, m, self.curves.s, self.curves.h)
            self._by_year[t] = cached
        return cached

    @property
    def first_year(self) -> np.ndarray:
        """(n,) each initiative's first active plan year index (0-based; the number of years when never)."""
        act = self.active
        return np.where(act.any(0), act.argmax(0), act.shape[0])

    @property
    def years(self) -> int:
        """Number of plan years."""
        return self.active.shape[0]

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise AllocationError(f"unknown initiative '{name}' (initiatives: {', '.join(self.names)})") from None

    def prerequisites_met(self, spend) -> np.ndarray:
        """(n,) bool: whether each initiative's prerequisite is funded at ``spend`` (currency per year)."""
        return prerequisites_met(self.prerequisites, np.asarray(spend, dtype=float), self.curves.n)

    def value(self, spend, year: int = 1) -> np.ndarray:
        """Value per trial of each initiative in plan ``year`` at ``spend``.

        Parameters
        ----------
        spend : array of shape (n,) or mapping of initiative name to spend (currency per year;
            missing names spend 0).
        year : plan year, 1 .. :attr:`years`.

        Returns
        -------
        ndarray (trials, n): value in currency per year, zero for initiatives inactive in
        ``year`` or whose prerequisite is funded below its ``min_spend``.
        """
        t = year_index(self.portfolio, year)
        x = self._spend_vector(spend)
        live = self.active[t] & self.prerequisites_met(x)
        v, _ = self.curves.value_slope(x)
        return (v * live[:, None]).T

    def _spend_vector(self, spend) -> np.ndarray:
        if isinstance(spend, Mapping):
            x = np.zeros(len(self.names))
            for name, amount in spend.items():
                x[self.index(name)] = float(amount)
        else:
            x = np.asarray(spend, dtype=float).reshape(-1)
            if x.size != len(self.names):
                raise AllocationError(f"spend has {x.size} entries for {len(self.names)} initiatives")
        if not np.all(np.isfinite(x)) or np.any(x < 0):
            raise AllocationError("spend must be finite and non-negative")
        return x


def prerequisites_met(prereqs, x, n) -> np.ndarray:
    """Per initiative, whether spends ``x`` (currency per year) fund its prerequisite at ``min_spend``.

    A shortfall up to :data:`MET_RTOL` (relative) still counts as funded.
    """
    ok = np.ones(n, dtype=bool)
    for i, j, thr in prereqs:
        ok[i] = x[j] >= thr * (1 - MET_RTOL)
    return ok


def year_index(portfolio: Portfolio, year) -> int:
    """The 0-based index of plan ``year`` (1 .. number of budget entries), else AllocationError."""
    n = len(portfolio.budget)
    if isinstance(year, bool) or not isinstance(year, numbers.Integral) or not 1 <= year <= n:
        raise AllocationError(f"year must be a plan year from 1 to {n}, got {year!r}")
    return int(year) - 1


def portfolio_model(
    portfolio: Portfolio, *, trials: int = 2000, seed: int = 0, shifts: Mapping[str, OwnerShifts] | None = None
) -> PortfolioModel:
    """Validate a portfolio and draw its uncertain curve parameters.

    Parameters
    ----------
    portfolio : the portfolio (see :class:`decision_kit.schema.Portfolio`).
    trials : Monte Carlo trials; every later evaluation uses the same draws.
    seed : non-negative integer seed. Parameters are drawn initiative by initiative in file
        order, ``max_value`` then ``scale``, so the same seed and trials give the same draws.
    shifts : ownership shifts by owner, replacing ``PRIORS.ownership[owner]`` for the owners
        given. ``OwnerShifts()`` is neutral (realisation 1, no governance overhead).

    Raises
    ------
    AllocationError : unknown prerequisite, plan years out of range, a drawn scale that is not
        positive or a drawn max_value that is negative, bad trials, seed or shifts.
    """
    if not isinstance(portfolio, Portfolio):
        raise AllocationError(f"expected a Portfolio, got {type(portfolio).__name__}")
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or trials < 1:
        raise AllocationError(f"trials must be a positive integer, got {trials!r}")
    try:
        seed = as_seed(seed)
    except ScenarioError as exc:
        raise AllocationError(exc.first.message) from None
    by_mechanism = portfolio.organisation is not None
    used = _owner_shifts(shifts, neutral=by_mechanism)
    names = tuple(portfolio.initiatives)
    active, prereqs = _plan_structure(portfolio, names)
    rng = as_generator(seed)
    curves = _drawn_curves(portfolio, int(trials), rng, used)
    effects = owner_effects(portfolio, int(trials), rng)  # after the curves: their draws do not move
    if effects is not None:
        curves = _with_owner_effects(portfolio, curves, effects, shifts or {})
    lo = np.array([ini.min_spend for ini in portfolio.initiatives.values()], dtype=float)
    hi = np.array([np.inf if ini.max_spend is None else ini.max_spend for ini in portfolio.initiatives.values()])
    return PortfolioModel(
        portfolio,
        names,
        tuple(ini.owner for ini in portfolio.initiatives.values()),
        int(trials),
        seed,
        MappingProxyType(used),
        lo,
        hi,
        active,
        tuple(prereqs),
        curves,
        float(portfolio.unspent_value),
        effects,
        frozenset(shifts or {}),
    )


def _owner_shifts(shifts, neutral: bool = False) -> dict[str, OwnerShifts]:
    """Owner -> the ownership shifts in use: ``PRIORS.ownership`` (neutral ones where the owners
    act by mechanism instead) with ``shifts`` checked and applied."""
    used = {o: OwnerShifts() if neutral else PRIORS.ownership[o] for o in OWNERS}
    for owner, sh in (shifts or {}).items():
        if owner not in OWNERS:
            raise AllocationError(f"shifts names unknown owner '{owner}' (owners: {', '.join(OWNERS)})")
        if not isinstance(sh, OwnerShifts):
            raise AllocationError(f"shifts['{owner}'] must be an OwnerShifts, got {type(sh).__name__}")
        used[owner] = sh
    return used


def _plan_structure(portfolio: Portfolio, names: tuple[str, ...]):
    """``(active, prereqs)``: (years, n) whether each initiative is active in each plan year, and
    ``(i, j, min_spend)`` for each initiative ``i`` requiring ``j`` (currency per year), checked."""
    n, years = len(names), len(portfolio.budget)
    active = np.ones((years, n), dtype=bool)
    prereqs = []
    for i, (name, ini) in enumerate(portfolio.initiatives.items()):
        if ini.years is not None:
            bad = [y for y in ini.years if not 1 <= y <= years]
            if bad:
                raise AllocationError(
                    f"initiatives.{name}.years: plan year {bad[0]} is outside the plan "
                    f"(years are numbered 1 to {years}, one per budget entry)"
                )
            active[:, i] = False
            active[np.asarray(ini.years, dtype=int) - 1, i] = True
        if ini.requires is not None:
            j = ini.requires.initiative
            if j not in portfolio.initiatives:
                raise AllocationError(
                    f"initiatives.{name}.requires: unknown initiative '{j}' (initiatives: {', '.join(names)})"
                )
            if j == name:
                raise AllocationError(f"initiatives.{name}.requires: an initiative cannot require itself")
            prereqs.append((i, names.index(j), float(ini.requires.min_spend)))
    return active, prereqs


def _drawn_curves(portfolio: Portfolio, trials: int, rng: np.random.Generator, used) -> Curves:
    """The effective curves of every initiative over ``trials`` draws of ``rng``, owner shifts applied.

    ``max_value`` is in currency per year, ``scale`` in currency spent per year; draws are checked
    (scales positive, max_values not negative).
    """
    names = tuple(portfolio.initiatives)
    n = len(names)
    inputs = {}
    for name, ini in portfolio.initiatives.items():
        inputs[f"initiatives.{name}.curve.max_value"] = ini.curve.max_value
        inputs[f"initiatives.{name}.curve.scale"] = ini.curve.scale
    draws = draw_inputs(inputs, int(trials), rng)
    m, s = np.empty((n, trials)), np.empty((n, trials))
    for i, (name, ini) in enumerate(portfolio.initiatives.items()):
        mv = np.broadcast_to(draws[f"initiatives.{name}.curve.max_value"], (trials,))
        sc = np.broadcast_to(draws[f"initiatives.{name}.curve.scale"], (trials,))
        if not np.all(np.isfinite(sc)) or sc.min() <= 0:
            raise AllocationError(
                f"initiatives.{name}.curve.scale: a scale must be positive, but "
                f"{np.mean(~(sc > 0)):.1%} of the draws are not (lowest {sc.min():.4g}); "
                "use a distribution bounded above zero (e.g. pert or lognormal)"
            )
        if not np.all(np.isfinite(mv)) or mv.min() < 0:
            raise AllocationError(
                f"initiatives.{name}.curve.max_value: a max_value cannot be negative, but "
                f"{np.mean(~(mv >= 0)):.1%} of the draws are (lowest {mv.min():.4g})"
            )
        sh = used[ini.owner]
        keep = 1.0 - sh.governance_overhead
        m[i] = mv * sh.realisation_factor * (keep > 0)
        s[i] = sc / keep if keep > 0 else sc
    curves = Curves(
        np.array([_FORMS[ini.curve.form] for ini in portfolio.initiatives.values()]),
        m,
        s,
        np.array([ini.curve.shape for ini in portfolio.initiatives.values()], dtype=float),
    )
    return curves


def _with_owner_effects(portfolio: Portfolio, curves: Curves, eff: OwnerEffects, shifts) -> Curves:
    """Curves with each owner's mechanisms applied (:mod:`decision_kit.allocation.owners`):
    ``max_value`` times the owner's realisation factor, ``scale`` times ``1 + integration_share
    x rework``; the start delay acts in an initiative's first plan year only
    (:meth:`PortfolioModel.curves_in`). Owners named in ``shifts`` keep round one's constants
    instead (the legacy override): their curves are left as drawn."""
    m, s = curves.m.copy(), curves.s.copy()
    for i, ini in enumerate(portfolio.initiatives.values()):
        o = ini.owner
        if o in shifts:
            continue
        share = DEFAULT_INTEGRATION_SHARE if ini.integration_share is None else float(ini.integration_share)
        m[i] = m[i] * eff.value[o]
        s[i] = s[i] * (1.0 + share * eff.rework[o])
    return Curves(curves.form, m, s, curves.h)
