"""Budget allocation across a portfolio of initiatives with uncertain spend-response curves.

What this module holds, in pipeline order:

- :func:`portfolio_model` draws every uncertain curve parameter once for ``trials`` Monte Carlo
  trials (common random numbers: every evaluation of every allocation uses the same draws);
- :func:`optimize` finds the allocation of one plan year's budget that maximises expected
  value (or a risk-adjusted objective) and reports the marginal value of budget;
- :func:`frontier` and :func:`risk_frontier` trace value against budget and against risk aversion;
- :func:`control_split` compares marketing and IT each controlling a share of the budget with
  the jointly optimised allocation;
- :func:`phase` allocates every plan year with carry-over of unspent budget and platform-type
  initiatives whose value builds on cumulative spend.

Conventions
-----------
Money is in the portfolio's currency, nominal. Spend and value are **per plan year** (currency
per year). Plan years are numbered ``1 .. len(portfolio.budget)`` (year 1 is ``start_year``), as
in ``Initiative.years``.

The value model (one initiative ``i`` with owner ``o``, one trial ``k``, spend ``x`` in a year)::

    value_ik(x) = R_o * curve(x * (1 - g_o); max_value_ik, scale_ik)

with ``R_o`` the owner's ``realisation_factor`` and ``g_o`` its ``governance_overhead`` from
``PRIORS.ownership[o]`` (or the ``shifts`` argument): a share ``g_o`` of every unit spent goes
to governance and buys nothing, and only a share ``R_o`` of the curve's promised value is
realised. Equivalently the curve is used with ``max_value * R_o`` and ``scale / (1 - g_o)``.
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
kept. This module is the only caller of ``scipy.optimize`` in the package.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field
from itertools import product
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
from scipy import optimize as _opt

from .errors import ScenarioError
from .priors import PRIORS, OwnerShifts
from .sampling import as_generator, as_seed, draw_inputs
from .schema import Portfolio

__all__ = [
    "AllocationError", "PortfolioModel", "portfolio_model", "optimize", "Allocation", "frontier",
    "Frontier", "risk_frontier", "RiskFrontier", "control_split", "ControlSplit", "phase", "Phasing",
    "OWNERS", "OBJECTIVES",
]

OWNERS: tuple[str, ...] = ("marketing", "it", "shared")
"""Owners an initiative may have (and keys of per-owner budgets)."""

OBJECTIVES: tuple[str, ...] = ("mean", "mean_minus_std", "cvar")
"""Objectives of :func:`optimize`; see its docstring."""

MAX_PREREQUISITE_CASES = 4096
"""Most prerequisite on/off combinations enumerated before refusing (2**12)."""

_FORMS = {"exp_saturation": 0, "hill": 1, "log": 2}
_HILL_FLOOR = 1e-12
"""Hill slopes are evaluated at spend >= this times the scale (the slope is infinite at 0 and
gradient solvers need it finite); values are exact. Below the floor the slope is understated,
which can only matter for budgets under about 1e-12 of a hill curve's scale."""
_MET_RTOL = 1e-7


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
    xf = np.maximum(x, _HILL_FLOOR * s)
    r = np.exp(h * (np.log(xf) - log_s))
    q = 1.0 / (1.0 + r)
    d = m * h * r * q * q / xf
    if curv:
        return d, d / xf * ((h - 1.0) - 2.0 * h * r * q)
    rv = np.where(x > 0, np.exp(h * (np.log(np.maximum(x, 1e-320)) - log_s)), 0.0)
    return m * rv / (1.0 + rv), d


@dataclass(frozen=True, eq=False)
class _Curves:
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

    def take(self, cols) -> "_Curves":
        cols = np.asarray(cols, dtype=int)
        return _Curves(self.form[cols], self.m[cols], self.s[cols], self.h[cols])

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
    curves: _Curves = field(repr=False)

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
        return _met(self.prerequisites, np.asarray(spend, dtype=float), self.curves.n)

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
        t = _year_index(self.portfolio, year)
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


def _met(prereqs, x, n) -> np.ndarray:
    ok = np.ones(n, dtype=bool)
    for i, j, thr in prereqs:
        ok[i] = x[j] >= thr * (1 - _MET_RTOL)
    return ok


def portfolio_model(portfolio: Portfolio, *, trials: int = 2000, seed: int = 0,
                    shifts: Mapping[str, OwnerShifts] | None = None) -> PortfolioModel:
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
    used = {o: PRIORS.ownership[o] for o in OWNERS}
    for owner, sh in (shifts or {}).items():
        if owner not in OWNERS:
            raise AllocationError(f"shifts names unknown owner '{owner}' (owners: {', '.join(OWNERS)})")
        if not isinstance(sh, OwnerShifts):
            raise AllocationError(f"shifts['{owner}'] must be an OwnerShifts, got {type(sh).__name__}")
        used[owner] = sh
    names = tuple(portfolio.initiatives)
    n, years = len(names), len(portfolio.budget)
    active = np.ones((years, n), dtype=bool)
    prereqs = []
    for i, (name, ini) in enumerate(portfolio.initiatives.items()):
        if ini.years is not None:
            bad = [y for y in ini.years if not 1 <= y <= years]
            if bad:
                raise AllocationError(f"initiatives.{name}.years: plan year {bad[0]} is outside the plan "
                                      f"(years are numbered 1 to {years}, one per budget entry)")
            active[:, i] = False
            active[np.asarray(ini.years, dtype=int) - 1, i] = True
        if ini.requires is not None:
            j = ini.requires.initiative
            if j not in portfolio.initiatives:
                raise AllocationError(f"initiatives.{name}.requires: unknown initiative '{j}' "
                                      f"(initiatives: {', '.join(names)})")
            if j == name:
                raise AllocationError(f"initiatives.{name}.requires: an initiative cannot require itself")
            prereqs.append((i, names.index(j), float(ini.requires.min_spend)))
    inputs = {}
    for name, ini in portfolio.initiatives.items():
        inputs[f"initiatives.{name}.curve.max_value"] = ini.curve.max_value
        inputs[f"initiatives.{name}.curve.scale"] = ini.curve.scale
    draws = draw_inputs(inputs, int(trials), as_generator(seed))
    m, s = np.empty((n, trials)), np.empty((n, trials))
    for i, (name, ini) in enumerate(portfolio.initiatives.items()):
        mv = np.broadcast_to(draws[f"initiatives.{name}.curve.max_value"], (trials,))
        sc = np.broadcast_to(draws[f"initiatives.{name}.curve.scale"], (trials,))
        if not np.all(np.isfinite(sc)) or sc.min() <= 0:
            raise AllocationError(f"initiatives.{name}.curve.scale: a scale must be positive, but "
                                  f"{np.mean(~(sc > 0)):.1%} of the draws are not (lowest {sc.min():.4g}); "
                                  "use a distribution bounded above zero (e.g. pert or lognormal)")
        if not np.all(np.isfinite(mv)) or mv.min() < 0:
            raise AllocationError(f"initiatives.{name}.curve.max_value: a max_value cannot be negative, but "
                                  f"{np.mean(~(mv >= 0)):.1%} of the draws are (lowest {mv.min():.4g})")
        sh = used[ini.owner]
        keep = 1.0 - sh.governance_overhead
        m[i] = mv * sh.realisation_factor * (keep > 0)
        s[i] = sc / keep if keep > 0 else sc
    curves = _Curves(np.array([_FORMS[ini.curve.form] for ini in portfolio.initiatives.values()]),
                     m, s, np.array([ini.curve.shape for ini in portfolio.initiatives.values()], dtype=float))
    lo = np.array([ini.min_spend for ini in portfolio.initiatives.values()], dtype=float)
    hi = np.array([np.inf if ini.max_spend is None else ini.max_spend for ini in portfolio.initiatives.values()])
    return PortfolioModel(portfolio, names, tuple(ini.owner for ini in portfolio.initiatives.values()),
                          int(trials), seed, MappingProxyType(used), lo, hi, active, tuple(prereqs), curves)


# --- water-filling (exact, mean objective) ---------------------------------------------------

class _Responder:
    """Each initiative's spend where its expected slope equals a multiplier, within [lo, hi].

    Calling it with multipliers ``lam`` (n,) returns the spends and their derivatives with
    respect to ``log lam`` (``lam / E[value''(x)]`` inside the bounds, 0 at a bound). Each spend
    solves ``psi(x) = log E[value'(x)] - log lam = 0`` by safeguarded Newton: in ``x`` for
    exp_saturation and log curves (``psi`` is convex there, so Newton from the left never
    overshoots), in ``log x`` for hill curves (whose slope behaves like ``x^(shape-1)`` near 0,
    so ``psi`` is nearly linear in ``log x``). A step that leaves the bracket is replaced by
    bisection. Each call starts from the previous call's answer.
    """

    def __init__(self, cv: _Curves, lo, hi):
        self.cv, self.lo, self.hi = cv, lo, hi
        self.g_lo, self.g_hi = cv.mean_slope(lo), cv.mean_slope(hi)
        self.floor = _HILL_FLOOR * cv.s.max(1)  # below it the hill kernel floors the slope
        self.scale = cv.s.mean(1)
        self.in_log = cv.form == 1
        self.x = None

    def __call__(self, lam):
        cv, lo, hi = self.cv, self.lo, self.hi
        x = lo.copy()
        at_hi = (self.g_lo > lam) & (self.g_hi >= lam)
        x[at_hi] = hi[at_hi]
        inside = (self.g_lo > lam) & (self.g_hi < lam)
        todo = inside.copy()
        a, b = lo.copy(), hi.copy()
        start = self.cv.guess(lam) if self.x is None else self.x
        x[todo] = np.clip(start[todo], np.maximum(lo, self.floor)[todo], hi[todo])
        dx = np.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for it in range(300):
                idx = np.flatnonzero(todo)
                if idx.size == 0:
                    break
                xi = x[idx]
                g, c = cv.mean_slope_curv(xi, idx)
                dx[idx] = lam[idx] / c
                phi = np.log(g) - np.log(lam[idx])
                a[idx] = np.where(phi >= 0, xi, a[idx])
                b[idx] = np.where(phi <= 0, xi, b[idx])
                step = -phi * g / c
                xn = np.where(self.in_log[idx] & (xi > 0), xi * np.exp(np.clip(step / xi, -50, 50)), xi + step)
                # after 60 Newton iterations, bisection alone (a guaranteed end within 300)
                bad = ~np.isfinite(xn) | (xn <= a[idx]) | (xn >= b[idx]) | (it >= 60)
                mid = np.where(self.in_log[idx] & (a[idx] > 0), np.sqrt(a[idx] * b[idx]), 0.5 * (a[idx] + b[idx]))
                xn = np.where(bad, mid, xn)
                # spend is resolved relative to the curve's own scale
                xtol = 1e-13 * (np.abs(xi) + self.scale[idx])
                # converged when the slope matches lam to 1e-13 (relative), when a Newton step
                # close to the root is tiny, or when the bracket has closed
                hit = np.abs(phi) <= 1e-13
                done = (hit | ((np.abs(xn - xi) <= 1e3 * xtol) & (np.abs(phi) <= 1e-7) & ~bad)
                        | (b[idx] - a[idx] <= xtol))
                x[idx] = np.where(hit, xi, xn)
                todo[idx[done]] = False
            else:
                raise AllocationError("water-filling: the spend for a marginal value did not converge "
                                      "(an internal failure; please report the portfolio)")
        dx[~inside] = 0.0
        dx[~np.isfinite(dx)] = 0.0
        self.x = x
        return x, dx


def _root_lambda(spend_at, target: float, lam0: float) -> tuple[float, float, float]:
    """The multiplier ``lam`` at which the decreasing ``spend_at(lam)`` equals ``target``.

    ``spend_at(lam)`` returns the spend and its derivative with respect to ``log lam``.
    Safeguarded Newton on ``u = log lam``: a bracket is grown by doubling steps and kept, and a
    Newton step that leaves it is replaced by bisection. Where spend is flat in ``lam`` (every
    initiative at a bound) the lower end of the flat stretch is returned: the value of one
    *more* unit of budget.

    Returns ``(lam, lam_a, lam_b)`` with ``spend(lam_a) >= target >= spend(lam_b)`` and
    ``lam_a <= lam <= lam_b``; the caller interpolates between the two allocations when, in
    floating point, no ``lam`` hits the target (a curve that is linear at the scale of the
    budget, or a budget far below the curves' scales).
    """
    tol = 1e-12 * abs(target)
    u = math.log(lam0) if np.isfinite(lam0) and lam0 > 0 else 0.0
    lo_u, hi_u = -math.inf, math.inf  # spend > target at lo_u, < target at hi_u
    reach = 2.0
    for _ in range(400):
        spend, ds = spend_at(math.exp(u))
        f = spend - target
        if abs(f) <= tol:
            lo_u = hi_u = u
            break
        if f > 0:
            lo_u = u
        else:
            hi_u = u
        step = -f / ds if ds < 0 else math.nan
        if math.isinf(lo_u) or math.isinf(hi_u):
            # no bracket yet: a Newton step limited to a reach that doubles; too much spend
            # (f > 0) means lam must rise
            step = min(max(step, -reach), reach) if np.isfinite(step) else math.copysign(reach, f)
            reach *= 2
            un = u + step
        else:
            if hi_u - lo_u <= 1e-13 * max(1.0, abs(u)):
                break
            un = u + step if np.isfinite(step) else math.nan
            if not lo_u < un < hi_u:
                un = 0.5 * (lo_u + hi_u)
        if un < -745:
            if u <= -745:  # slopes have underflowed: more spend adds no representable value
                lam = math.exp(-745)
                return lam, lam, lam
            un = -745.0
        if un > 745:
            raise AllocationError("water-filling: no marginal value balances the budget (an internal "
                                  "failure; please report the portfolio)")
        if abs(un - u) <= 1e-13 * max(1.0, abs(u)):
            break  # lam is resolved as finely as the spends it produces
        u = un
    else:
        raise AllocationError("water-filling: the marginal value of budget did not converge")
    # close the bracket on the side the loop never visited
    for side in (-1.0, 1.0):
        if math.isinf(lo_u if side < 0 else hi_u):
            d = 1e-13 * max(1.0, abs(u))
            while True:
                v = u + side * d
                f = spend_at(math.exp(v))[0] - target
                if (f >= 0) if side < 0 else (f <= 0):
                    break
                d *= 2
                if d > 1490:
                    raise AllocationError("water-filling: cannot bracket the marginal value (internal)")
            lo_u, hi_u = (v, hi_u) if side < 0 else (lo_u, v)
    if lo_u == hi_u and spend_at(math.exp(u - 1e-7))[0] <= target + tol:
        # a flat stretch: move to its lower end
        below = u - 1e-7
        while spend_at(math.exp(below))[0] <= target + tol:
            below -= 1.0
            if below < -745:
                return 0.0, 0.0, 0.0
        top = u
        for _ in range(60):
            mid = 0.5 * (below + top)
            if spend_at(math.exp(mid))[0] <= target + tol:
                top = mid
            else:
                below = mid
        return math.exp(top), math.exp(top), math.exp(top)
    return math.exp(u), math.exp(lo_u), math.exp(hi_u)


def _interpolate(spend_of, lam, lam_a, lam_b, target):
    """Spends summing to ``target``: those at ``lam``, or, when they miss it by more than
    rounding, the mix of those at ``lam_a`` and ``lam_b`` (marginal values within the bracket)."""
    x = spend_of(lam)
    if abs(x.sum() - target) <= 1e-12 * abs(target) or lam_a == lam_b:
        return x
    xa, xb = spend_of(lam_a), spend_of(lam_b)
    sa, sb = xa.sum(), xb.sum()
    theta = min(max((target - sb) / (sa - sb), 0.0), 1.0) if sa > sb else 0.0
    return xb + theta * (xa - xb)


def _trim(x, lo, idx, cap, scale):
    """Remove a rounding excess of spend over ``cap`` from columns ``idx`` above their minimum.

    Only rounding: the solvers resolve spend relative to the size of the problem, ``cap`` plus
    the curves' ``scale`` (their summed mean scales); SLSQP meets constraints to about 1e-8 of
    that, so an excess above 1e-6 of it means the
    solver went wrong, and is raised, never trimmed away.
    """
    excess = x[idx].sum() - cap
    if excess > 1e-6 * max(cap + scale, 1e-300):
        raise AllocationError(f"internal: the solver's spend {x[idx].sum()!r} exceeds its limit {cap!r} "
                              "by more than rounding (please report the portfolio)")
    for _ in range(8):
        excess = x[idx].sum() - cap
        if excess <= 0:
            return
        room = x[idx] - lo[idx]
        if room.sum() <= 0:
            break
        share = room / room.sum()  # divide first: tiny amounts must not underflow
        x[idx] = np.maximum(lo[idx], x[idx] - (excess * (1 + 1e-9) + 1e-300) * share)
    if x[idx].sum() > cap * (1 + 1e-12) + 1e-300:
        raise AllocationError(f"internal: spend {x[idx].sum():,.6f} exceeds its limit {cap:,.6f}")


def _waterfill(cv: _Curves, lo, hi, budget: float, groups):
    """Exact maximiser of expected value: sum x <= budget, per-group caps, lo <= x <= hi.

    ``groups`` lists ``(idx, cap)`` for capped owners (disjoint column sets). Returns
    ``(x, lam, group_lams)``: the spends, the budget's multiplier (value per extra unit of
    budget) and each group's multiplier (``>= lam``; above it when the group's cap binds).
    """
    n = cv.n
    room = hi > lo  # may take more (before clipping to the budget)
    hi = np.minimum(hi, max(budget, 0.0))
    for idx, cap in groups:
        hi[idx] = np.minimum(hi[idx], cap)
    hi = np.maximum(hi, lo)

    def guess(sub_lo, sub_hi, sub_cv, target):
        mid = np.minimum(sub_hi, sub_lo + max(target - sub_lo.sum(), 0) / max(sub_lo.size, 1))
        g = sub_cv.mean_slope(mid)
        g = g[np.isfinite(g) & (g > 0)]
        return float(np.median(g)) if g.size else 1.0

    if budget <= lo.sum() * (1 + 1e-12):
        for idx, cap in groups:
            if cap <= lo[idx].sum() * (1 + 1e-12):
                room[idx] = False  # its owner's budget is used up too
        g = cv.mean_slope(lo)[room]
        lam = float(np.max(g)) if g.size else 0.0
        return lo.copy(), lam, np.full(len(groups), lam)

    # each capped owner on its own: its multiplier and its spends when its cap binds
    glam, gx = np.zeros(len(groups)), []
    for k, (idx, cap) in enumerate(groups):
        sub_lo, sub_hi = lo[idx], hi[idx]
        if sub_hi.sum() <= cap:
            gx.append(sub_hi.copy())
            continue
        sub = cv.take(idx)
        if cap <= sub_lo.sum() * (1 + 1e-12):
            g = sub.mean_slope(sub_lo)[room[idx]]
            glam[k] = float(np.max(g)) if g.size else 0.0
            gx.append(sub_lo.copy())
            continue
        sub_respond = _Responder(sub, sub_lo, sub_hi)

        def sub_spend(lam, sub_respond=sub_respond, m=idx.size):
            x, dx = sub_respond(np.full(m, lam))
            return x.sum(), dx.sum()

        roots = _root_lambda(sub_spend, cap, guess(sub_lo, sub_hi, sub, cap))
        glam[k] = roots[0]
        gx.append(_interpolate(lambda l, r=sub_respond, m=idx.size: r(np.full(m, l))[0], *roots, cap))

    respond = _Responder(cv, lo, hi)

    def assemble(lam):
        """Spends at budget multiplier ``lam`` (owners whose cap binds at their own multiplier)."""
        v = np.full(n, lam)
        for k, (idx, _) in enumerate(groups):
            v[idx] = max(lam, glam[k])
        x, dx = respond(v)
        for k, (idx, _) in enumerate(groups):
            if glam[k] > lam:
                x[idx] = gx[k]
        return x, dx[v == lam].sum()

    x = assemble(0.0)[0]
    if x.sum() <= budget:
        lam = 0.0
    else:
        def spend(lam):
            x, ds = assemble(lam)
            return x.sum(), ds

        roots = _root_lambda(spend, budget, guess(lo, hi, cv, budget))
        lam = roots[0]
        x = _interpolate(lambda l: assemble(l)[0], *roots, budget)
    scale = cv.s.mean(1)
    for idx, cap in groups:
        _trim(x, lo, idx, cap, scale[idx].sum())
    _trim(x, lo, np.arange(n), budget, scale.sum())
    return x, lam, np.maximum(glam, lam)


# --- problem set-up shared by the solvers ----------------------------------------------------

@dataclass(frozen=True)
class _Problem:
    """One plan year's problem: bounds, which initiatives earn, budget and owner caps.

    ``hi`` is the initiatives' own maximum (``inf`` where none); solvers clip it to the budget
    and owner caps themselves, so that the room to grow above a minimum stays visible.
    """

    lo: np.ndarray
    hi: np.ndarray
    live: np.ndarray
    budget: float
    groups: tuple  # ((owner, idx, cap), ...)
    prereqs: tuple  # ((i, j, thr), ...) with i live and thr > 0


def _cases(prob: _Problem, only=None):
    """Prerequisite on/off cases as (bits, lo, hi, live), skipping impossible ones.

    ``bits[k]`` says whether dependent ``prob.prereqs[k]`` is on (its prerequisite's spend is
    raised to the threshold) or off (it earns nothing and stays at its minimum). ``only``
    restricts to one case.
    """
    deps = prob.prereqs
    if 2 ** len(deps) > MAX_PREREQUISITE_CASES:
        raise AllocationError(f"{len(deps)} initiatives have prerequisites: too many on/off combinations "
                              f"to enumerate (at most {int(math.log2(MAX_PREREQUISITE_CASES))})")
    for bits in (product((False, True), repeat=len(deps)) if only is None else [only]):
        lo, hi, live = prob.lo.copy(), prob.hi.copy(), prob.live.copy()
        for on, (i, j, thr) in zip(bits, deps):
            if on:
                lo[j] = max(lo[j], thr)
        if np.any(lo > prob.hi):
            continue  # a prerequisite's threshold is above its own maximum
        for on, (i, j, thr) in zip(bits, deps):
            if not on:
                live[i] = False
                hi[i] = lo[i]
        if np.any(lo > hi) or lo.sum() > prob.budget or any(lo[idx].sum() > cap for _, idx, cap in prob.groups):
            continue
        yield bits, lo, hi, live


def _stats(v_total: np.ndarray, level: float):
    k = max(1, int(math.ceil(level * v_total.size)))
    tail = np.partition(v_total, k - 1)[:k]
    return float(v_total.mean()), float(v_total.std()), float(np.quantile(v_total, 0.1)), float(tail.mean())


@dataclass(frozen=True)
class _Solved:
    x: np.ndarray
    lam: float
    owner_lam: dict
    value: float  # the objective (currency per year)
    method: str
    message: str
    case: tuple = ()  # the prerequisite case (see _cases)


def _solve_mean(cv: _Curves, prob: _Problem, only=None) -> _Solved:
    """Exact mean-objective optimum: water-filling for every prerequisite case, best kept."""
    best = None
    groups = [(idx, cap) for _, idx, cap in prob.groups]
    for bits, lo, hi, live in _cases(prob, only):
        x, lam, glam = _waterfill(cv, lo, hi, prob.budget, groups)
        v, _ = cv.value_slope(x)
        value = float(v.mean(1) @ live)
        if best is None or value > best.value + 1e-12 * abs(best.value):
            owner_lam = {o: float(g) for (o, _, _), g in zip(prob.groups, glam)}
            best = _Solved(x, lam, owner_lam, value, "water-filling", "exact", bits)
    if best is None:  # _cases always yields the all-off case when the minimums fit
        raise AllocationError("no feasible allocation (an internal failure; the minimums were checked)")
    return best


def _risk_value_grad(cv, x, live, objective, aversion, level):
    """Risk-adjusted objective and its gradient at ``x`` (currency per year; per unit spend)."""
    v, d = cv.value_slope(x)
    total = live @ v
    mean = total.mean()
    d = d * live[:, None]
    dmean = d.mean(1)
    if objective == "mean_minus_std":
        dev = total - mean
        sd = math.sqrt(float(np.mean(dev**2)))
        dsd = (d @ dev) / (total.size * sd) if sd > 0 else np.zeros_like(dmean)
        return mean - aversion * sd, dmean - aversion * dsd
    k = max(1, int(math.ceil(level * total.size)))
    tail = np.argpartition(total, k - 1)[:k]
    cvar, dcvar = total[tail].mean(), d[:, tail].mean(1)
    return (1 - aversion) * mean + aversion * cvar, (1 - aversion) * dmean + aversion * dcvar


def _slsqp(fun, x0, bounds, a_ub, b_ub, what: str):
    """``min fun(z)`` s.t. ``a_ub @ z <= b_ub`` and bounds, by SLSQP; raises unless successful.

    If SLSQP fails (its linearised sub-problem can break down next to a bound where a hill
    curve's slope is infinite), trust-constr is tried from the same start; its status is
    checked too, and if both fail the error quotes both solvers' messages.
    """
    cons = [{"type": "ineq", "fun": lambda z: b_ub - a_ub @ z, "jac": lambda z: -a_ub}] if len(b_ub) else []
    res = _opt.minimize(fun, x0, jac=True, method="SLSQP", bounds=bounds, constraints=cons,
                        options={"maxiter": 1000, "ftol": 1e-10})
    if res.success:
        return res
    lo, hi = np.array(bounds, dtype=float).T
    lin = [_opt.LinearConstraint(a_ub, -np.inf, b_ub)] if len(b_ub) else []
    with warnings.catch_warnings():  # its quasi-Newton update warns on flat stretches
        warnings.simplefilter("ignore", UserWarning)
        res2 = _opt.minimize(fun, np.clip(x0, lo, hi), jac=True, method="trust-constr", bounds=_opt.Bounds(lo, hi),
                             constraints=lin, options={"maxiter": 3000, "gtol": 1e-10, "xtol": 1e-12})
    if res2.status in (1, 2) and np.all(a_ub @ res2.x <= b_ub + 1e-9) if len(b_ub) else res2.status in (1, 2):
        res2.message = f"trust-constr after SLSQP failed ({res.message}): {res2.message}"
        return res2
    raise AllocationError(f"{what}: scipy.optimize SLSQP failed (status {res.status}): {res.message}; "
                          f"trust-constr also failed (status {res2.status}): {res2.message}")


def _solve_risk(cv: _Curves, prob: _Problem, objective: str, aversion: float, level: float,
                only=None) -> _Solved:
    """Risk-adjusted optimum by SLSQP from the water-filling start, for each prerequisite case.

    Cases are tried in decreasing order of their mean-objective optimum, an upper bound on the
    risk-adjusted objective (standard deviation and mean minus CVaR are non-negative), and the
    search stops once the best objective found reaches the next bound.
    """
    groups = [(idx, cap) for _, idx, cap in prob.groups]
    starts = []
    for bits, lo, hi, live in _cases(prob, only):
        hi = np.minimum(hi, prob.budget)
        for idx, cap in groups:
            hi[idx] = np.minimum(hi[idx], cap)
        hi = np.maximum(hi, lo)
        x, _, _ = _waterfill(cv, lo, hi, prob.budget, groups)
        v, _ = cv.value_slope(x)
        starts.append((float(v.mean(1) @ live), bits, lo, hi, live, x))
    if not starts:  # _cases always yields the all-off case when the minimums fit
        raise AllocationError("no feasible allocation (an internal failure; the minimums were checked)")
    starts.sort(key=lambda t: -t[0])
    best, best_case = None, None
    unit = prob.budget if prob.budget > 0 else 1.0  # SLSQP works on spend / budget
    for bound, bits, lo, hi, live, x0 in starts:
        if best is not None and best[0] >= bound - 1e-9 * abs(bound):
            break
        # less than 1e-9 (currency) to allocate above the minimums: nothing a risk objective can change
        free = np.flatnonzero(hi > lo) if prob.budget - lo.sum() > 1e-9 else np.array([], dtype=int)
        v0, g0 = _risk_value_grad(cv, x0, live, objective, aversion, level)
        scale = max(abs(v0), unit * float(np.max(np.abs(g0), initial=0.0)), 1e-300)  # scaled gradient <= 1
        if free.size == 0:
            val = _risk_value_grad(cv, x0, live, objective, aversion, level)[0]
            cand = (val, x0, "fixed", lo, hi, live, bits)
        else:
            base = x0.copy()

            def fun(z, base=base, free=free, live=live):
                x = base.copy()
                x[free] = z * unit
                val, grad = _risk_value_grad(cv, x, live, objective, aversion, level)
                return -val / scale, -grad[free] * unit / scale

            rows = [np.ones(free.size)]
            b = [(prob.budget - base.sum() + base[free].sum()) / unit]
            for idx, cap in groups:
                inside = np.isin(free, idx)
                rows.append(inside.astype(float))
                b.append((cap - base[idx].sum() + base[free[inside]].sum()) / unit)
            bounds = list(zip(lo[free] / unit, np.minimum(hi[free], prob.budget) / unit))
            res = _slsqp(fun, x0[free] / unit, bounds, np.array(rows), np.array(b), f"optimize ({objective})")
            x = base.copy()
            x[free] = np.clip(res.x * unit, lo[free], hi[free])
            for idx, cap in groups:
                _trim(x, lo, idx, cap, cv.s[idx].mean(1).sum())
            _trim(x, lo, np.arange(cv.n), prob.budget, cv.s.mean(1).sum())
            val = _risk_value_grad(cv, x, live, objective, aversion, level)[0]
            cand = (val, x, str(res.message), lo, hi, live, bits)
            if val < v0 - 1e-9 * abs(v0):  # never worse than the (feasible) water-filling start
                cand = (v0, x0, "water-filling start (the solver's answer was worse)", lo, hi, live, bits)
        if best is None or cand[0] > best[0] + 1e-12 * abs(best[0]):
            best, best_case = cand, cand
    val, x, message, lo, hi, live, bits = best_case
    grad = _risk_value_grad(cv, x, live, objective, aversion, level)[1]
    lam, owner_lam = _multipliers(grad, x, lo, hi, prob)
    return _Solved(x, lam, owner_lam, float(val), "SLSQP", message, bits)


def _multipliers(grad, x, lo, hi, prob: _Problem):
    """Budget and owner multipliers from the gradient at an optimum (KKT): the marginal value of
    initiatives strictly inside their bounds. NaN where no initiative is inside (use the
    finite-difference check then)."""
    tol = 1e-6 * np.maximum(1.0, hi - lo)
    inside = (x > lo + tol) & (x < hi - tol) & (hi > lo)
    capped = np.zeros(x.size, dtype=bool)
    owner_lam = {}
    slack = prob.budget - x.sum() > 1e-7 * max(prob.budget, 1.0)
    for owner, idx, cap in prob.groups:
        binds = cap - x[idx].sum() <= 1e-7 * max(cap, 1.0)
        if binds:
            capped[idx] = True
            sel = idx[inside[idx]]
            owner_lam[owner] = float(np.mean(grad[sel])) if sel.size else math.nan
    sel = np.flatnonzero(inside & ~capped)
    lam = 0.0 if slack else (float(np.mean(grad[sel])) if sel.size else math.nan)
    for owner, _, _ in prob.groups:
        owner_lam.setdefault(owner, lam)
    return lam, owner_lam


# --- validating wrappers ---------------------------------------------------------------------

def _year_index(portfolio: Portfolio, year) -> int:
    n = len(portfolio.budget)
    if isinstance(year, bool) or not isinstance(year, numbers.Integral) or not 1 <= year <= n:
        raise AllocationError(f"year must be a plan year from 1 to {n}, got {year!r}")
    return int(year) - 1


def _amount(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise AllocationError(f"{what} must be a finite number (currency per year), got {value!r}")
    if value < 0:
        raise AllocationError(f"{what} cannot be negative (got {value:,.2f})")
    return float(value)


def _owner_caps(model: PortfolioModel, t: int, owner_budgets) -> dict:
    p = model.portfolio
    if owner_budgets is None:
        if p.owner_budgets is None:
            return {}
        caps = {}
        for owner, path in p.owner_budgets.items():
            if len(path) != model.years:
                raise AllocationError(f"owner_budgets.{owner} has {len(path)} entries but the plan has "
                                      f"{model.years} years")
            caps[owner] = _amount(path[t], f"owner_budgets.{owner}[{t}]")
        return caps
    if not isinstance(owner_budgets, Mapping):
        raise AllocationError("owner_budgets must map owners to budgets (currency per year)")
    caps = {}
    for owner, cap in owner_budgets.items():
        if owner not in OWNERS:
            raise AllocationError(f"owner_budgets names unknown owner '{owner}' (owners: {', '.join(OWNERS)})")
        caps[owner] = _amount(cap, f"owner budget of {owner}")
    return caps


def _fmt(x: float, other: float | None = None) -> str:
    """A readable amount; full precision when rounding would make it look equal to ``other``."""
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.6g}"
    if other is not None and text == (f"{other:,.0f}" if abs(other) >= 100 else f"{other:,.6g}"):
        return repr(float(x))
    return text


def _problem(model: PortfolioModel, t: int, budget: float, caps: Mapping[str, float]) -> _Problem:
    """The plan-year problem, with minimum spends checked against the budget and owner caps."""
    act = model.active[t]
    lo = np.where(act, model.min_spend, 0.0)
    hi = np.where(act, model.max_spend, 0.0)  # may be inf: the solvers clip to the budget
    owners = np.array(model.owners)
    groups = []
    for owner, cap in caps.items():
        idx = np.flatnonzero(owners == owner)
        need = lo[idx].sum()
        if need > cap:
            detail = ", ".join(f"{model.names[i]}: {_fmt(lo[i])}" for i in idx if lo[i] > 0)
            raise AllocationError(f"the {owner} budget {_fmt(cap, need)} in plan year {t + 1} is below the sum of "
                                  f"minimum spends of its active initiatives, {_fmt(need, cap)} ({detail})")
        groups.append((owner, idx, cap))
    need = lo.sum()
    if need > budget:
        detail = ", ".join(f"{model.names[i]}: {_fmt(lo[i])}" for i in np.flatnonzero(lo > 0))
        raise AllocationError(f"the budget {_fmt(budget, need)} in plan year {t + 1} is below the sum of minimum "
                              f"spends of the initiatives active that year, {_fmt(need, budget)} ({detail})")
    hi = np.maximum(hi, lo)
    prereqs = tuple((i, j, thr) for i, j, thr in model.prerequisites if act[i] and thr > 0)
    return _Problem(lo, hi, act.copy(), float(budget), tuple(groups), prereqs)


def _check_objective(objective, risk_aversion, cvar_level):
    if objective not in OBJECTIVES:
        raise AllocationError(f"unknown objective {objective!r} (choose one of {', '.join(OBJECTIVES)})")
    if objective == "mean":
        if risk_aversion not in (None, 0):
            raise AllocationError("risk_aversion applies only to the 'mean_minus_std' and 'cvar' objectives")
        aversion = 0.0
    else:
        aversion = 1.0 if risk_aversion is None else _amount(risk_aversion, "risk_aversion")
        if objective == "cvar" and aversion > 1:
            raise AllocationError(f"for the cvar objective risk_aversion is a weight from 0 to 1, got {aversion}")
    if isinstance(cvar_level, bool) or not isinstance(cvar_level, numbers.Real) or not 0 < cvar_level <= 1:
        raise AllocationError(f"cvar_level must be in (0, 1], got {cvar_level!r}")
    return aversion, float(cvar_level)


def _solve(model, prob, objective, aversion, level, only=None) -> _Solved:
    if objective == "mean":
        return _solve_mean(model.curves, prob, only)
    return _solve_risk(model.curves, prob, objective, aversion, level, only)


# --- optimize --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Allocation:
    """An optimal allocation of one plan year's budget.

    Attributes
    ----------
    portfolio : the portfolio's name.
    year : plan year (1-based).
    budget : total budget of the year (currency per year).
    owner_budgets : the per-owner budgets applied (currency per year).
    objective, risk_aversion, cvar_level : what was maximised (see :func:`optimize`).
    trials, seed : Monte Carlo trials and seed of the curve draws.
    initiatives, owners : initiative names and owners, in file order.
    spend : read-only (n,) spend per initiative (currency per year).
    expected_value : read-only (n,) expected value per initiative (currency per year), zero where
        inactive or where the prerequisite is not funded.
    marginal : read-only (n,) expected value of one more unit spent on each initiative
        (currency of value per currency spent), zero where it earns nothing.
    prerequisite_met : read-only (n,) bool (True where there is no prerequisite).
    value_mean, value_std, value_p10, value_cvar : the portfolio's value per year over the
        trials: mean, standard deviation, 10th percentile and the mean of the worst
        ``cvar_level`` share of trials (currency per year).
    objective_value : the maximised objective (currency per year).
    marginal_value : value of one more unit of total budget (the multiplier lambda; 0 when the
        budget does not bind). For risk objectives, of the risk-adjusted objective.
    marginal_value_check : the same by re-solving, with the same prerequisites switched on, at
        ``budget + delta`` (forward difference, ``delta = 1e-4 budget``); NaN when not checked.
    owner_marginal : by owner with a budget: value of one more unit of that owner's budget *and*
        of the total (``lambda_o >= lambda``). ``lambda_o - lambda`` is the value of raising the
        owner's budget alone, shifting money from the other owners.
    method, solver_message : "water-filling" (exact) or "SLSQP", and its final message.
    """

    portfolio: str
    year: int
    budget: float
    owner_budgets: Mapping[str, float]
    objective: str
    risk_aversion: float
    cvar_level: float
    trials: int
    seed: int
    initiatives: tuple[str, ...]
    owners: tuple[str, ...]
    spend: np.ndarray = field(repr=False)
    expected_value: np.ndarray = field(repr=False)
    marginal: np.ndarray = field(repr=False)
    prerequisite_met: np.ndarray = field(repr=False)
    value_mean: float
    value_std: float
    value_p10: float
    value_cvar: float
    objective_value: float
    marginal_value: float
    marginal_value_check: float
    owner_marginal: Mapping[str, float]
    method: str
    solver_message: str

    @property
    def total_spend(self) -> float:
        """Total spend (currency per year); at most :attr:`budget`."""
        return float(self.spend.sum())

    @property
    def unspent(self) -> float:
        """Budget left unspent because every initiative is at its maximum, its owner's budget
        binds, or (risk objectives) spending more would lower the objective."""
        return float(self.budget - self.spend.sum())

    @property
    def owner_spend(self) -> dict[str, float]:
        """Spend by owner (currency per year)."""
        own = np.array(self.owners)
        return {o: float(self.spend[own == o].sum()) for o in OWNERS if np.any(own == o)}

    def spend_of(self, name: str) -> float:
        """Spend of one initiative (currency per year)."""
        return float(self.spend[self.initiatives.index(name)])

    def to_frame(self):
        """One row per initiative: owner, spend, share of budget, expected value, marginal value,
        prerequisite met (pandas DataFrame indexed by initiative)."""
        import pandas as pd

        return pd.DataFrame({
            "owner": self.owners, "spend": self.spend,
            "share_of_budget": self.spend / self.budget if self.budget > 0 else np.nan,
            "expected_value": self.expected_value, "marginal_value": self.marginal,
            "prerequisite_met": self.prerequisite_met,
        }, index=pd.Index(self.initiatives, name="initiative"))

    def to_series(self):
        """The headline numbers as a pandas Series."""
        import pandas as pd

        out = {"budget": self.budget, "total_spend": self.total_spend, "unspent": self.unspent,
               "value_mean": self.value_mean, "value_std": self.value_std, "value_p10": self.value_p10,
               "value_cvar": self.value_cvar, "objective_value": self.objective_value,
               "marginal_value": self.marginal_value, "marginal_value_check": self.marginal_value_check}
        out.update({f"marginal_value_{o}": v for o, v in self.owner_marginal.items()})
        return pd.Series(out, name=f"{self.portfolio} year {self.year}")


def _readonly(a) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


def _allocation(model, t, prob, sol, objective, aversion, level, check) -> Allocation:
    cv = model.curves
    x = sol.x
    met = _met(model.prerequisites, x, cv.n)
    live = prob.live & met
    v, d = cv.value_slope(x)
    v, d = v * live[:, None], d * live[:, None]
    mean, sd, p10, cvar = _stats(v.sum(0), level)
    return Allocation(
        portfolio=model.portfolio.name, year=t + 1, budget=prob.budget,
        owner_budgets=MappingProxyType({o: c for o, _, c in prob.groups}), objective=objective,
        risk_aversion=aversion, cvar_level=level, trials=model.trials, seed=model.seed,
        initiatives=model.names, owners=model.owners, spend=_readonly(x), expected_value=_readonly(v.mean(1)),
        marginal=_readonly(d.mean(1)), prerequisite_met=_readonly(met), value_mean=mean, value_std=sd,
        value_p10=p10, value_cvar=cvar, objective_value=sol.value,
        marginal_value=sol.lam if math.isfinite(sol.lam) or not math.isfinite(check) else check,
        marginal_value_check=check, owner_marginal=MappingProxyType(dict(sol.owner_lam)),
        method=sol.method, solver_message=sol.message)


def optimize(portfolio: Portfolio, budget: float | None = None, *, year: int = 1, objective: str = "mean",
             risk_aversion: float | None = None, cvar_level: float = 0.1,
             owner_budgets: Mapping[str, float] | None = None, trials: int = 2000, seed: int = 0,
             shifts: Mapping[str, OwnerShifts] | None = None, check_marginal: bool = True) -> Allocation:
    """The allocation of one plan year's budget that maximises expected (or risk-adjusted) value.

    Maximises, over spend ``x_i`` (currency per year) of the initiatives active in ``year``,

    - ``"mean"``: expected value ``E[V(x)]`` (exact water-filling);
    - ``"mean_minus_std"``: ``E[V] - k std(V)`` with ``k = risk_aversion`` (default 1);
    - ``"cvar"``: ``E[V] - a (E[V] - CVaR(V))`` with ``a = risk_aversion`` in [0, 1] (default 1,
      pure CVaR), where ``CVaR`` is the mean of the worst ``cvar_level`` share of trials;

    where ``V`` is the portfolio's value per year (see the module docstring for the value
    model), subject to ``sum x <= budget``, ``min_spend <= x_i <= max_spend`` for active
    initiatives (inactive ones spend 0), ``sum of an owner's x <= its budget`` and the
    prerequisites (enumerated on/off). Risk objectives use SLSQP from the water-filling start;
    the mean-minus-std objective need not be concave, so its answer is a local optimum.

    Parameters
    ----------
    portfolio : the portfolio.
    budget : total budget (currency per year); default the portfolio's budget for ``year``.
    year : plan year, 1 .. number of budget entries.
    objective, risk_aversion, cvar_level : see above; ``risk_aversion`` is not allowed with "mean".
    owner_budgets : budget per owner (currency per year). Default: the portfolio's
        ``owner_budgets`` for ``year`` if any; ``{}`` applies none.
    trials, seed, shifts : see :func:`portfolio_model`.
    check_marginal : re-solve at ``budget + 1e-4 budget`` to check the marginal value.

    Returns
    -------
    Allocation

    Raises
    ------
    AllocationError : a negative budget, a budget (or owner budget) below the sum of minimum
        spends of the active initiatives, an unknown owner, bad arguments, or a solver failure.

    Examples
    --------
    Two initiatives with fixed curves and neutral owners share 300 a year. At the optimum both
    return the same value per extra unit, ``lambda``: ``crm`` spends ``150 ln(6 / lambda)`` and
    ``web`` spends ``300 / lambda - 50``, which add up to 300 at ``lambda = 1.7845``.

    >>> from decision_kit.schema import Portfolio
    >>> from decision_kit.priors import OwnerShifts
    >>> p = Portfolio.model_validate({"name": "demo", "budget": [300], "initiatives": {
    ...     "crm": {"owner": "marketing", "curve": {"form": "exp_saturation", "max_value": 900, "scale": 150}},
    ...     "web": {"owner": "it", "curve": {"form": "log", "max_value": 300, "scale": 50}}}})
    >>> r = optimize(p, trials=1, shifts={"marketing": OwnerShifts(), "it": OwnerShifts()})
    >>> r.spend.round(2).tolist(), round(r.marginal_value, 4), round(r.marginal_value_check, 4)
    ([181.89, 118.11], 1.7845, 1.7845)
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    return _optimize_model(model, budget, year, objective, risk_aversion, cvar_level, owner_budgets, check_marginal)


def _optimize_model(model, budget, year, objective, risk_aversion, cvar_level, owner_budgets, check) -> Allocation:
    t = _year_index(model.portfolio, year)
    aversion, level = _check_objective(objective, risk_aversion, cvar_level)
    budget = _amount(model.portfolio.budget[t] if budget is None else budget, "budget")
    caps = _owner_caps(model, t, owner_budgets)
    prob = _problem(model, t, budget, caps)
    sol = _solve(model, prob, objective, aversion, level)
    fd = math.nan
    if check:
        delta = max(1e-4 * budget, 1e-6)
        up = _solve(model, _problem(model, t, budget + delta, caps), objective, aversion, level, sol.case)
        fd = (up.value - sol.value) / delta
    return _allocation(model, t, prob, sol, objective, aversion, level, fd)


# --- frontiers -------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Frontier:
    """Value against total budget for one plan year, with the allocation path.

    Attributes
    ----------
    budgets : (b,) total budgets (currency per year).
    value_mean, value_std, value_p10 : (b,) value per year at the optimum (currency per year).
    objective_value, marginal_value : (b,) the objective and its multiplier at each budget.
    spend : (b, n) optimal spend per initiative (currency per year).
    initiatives : initiative names (columns of ``spend``).
    objective, risk_aversion, year : as passed.
    """

    budgets: np.ndarray
    value_mean: np.ndarray
    value_std: np.ndarray
    value_p10: np.ndarray
    objective_value: np.ndarray
    marginal_value: np.ndarray
    spend: np.ndarray = field(repr=False)
    initiatives: tuple[str, ...] = ()
    objective: str = "mean"
    risk_aversion: float = 0.0
    year: int = 1

    def to_frame(self):
        """One row per budget: value mean, std, P10, objective, marginal value and spend by initiative."""
        import pandas as pd

        df = pd.DataFrame({"value_mean": self.value_mean, "value_std": self.value_std,
                           "value_p10": self.value_p10, "objective_value": self.objective_value,
                           "marginal_value": self.marginal_value},
                          index=pd.Index(self.budgets, name="budget"))
        return df.join(pd.DataFrame(self.spend, index=df.index, columns=[f"spend_{n}" for n in self.initiatives]))


def frontier(portfolio: Portfolio, budgets: Sequence[float], *, year: int = 1, objective: str = "mean",
             risk_aversion: float | None = None, cvar_level: float = 0.1,
             owner_budgets: Mapping[str, float] | None = None, trials: int = 2000, seed: int = 0,
             shifts: Mapping[str, OwnerShifts] | None = None) -> Frontier:
    """Optimal value (mean and P10) against total budget, with the allocation at each budget.

    All budgets use the same curve draws, so differences along the frontier are not Monte Carlo
    noise. Arguments as in :func:`optimize`; every budget must cover the minimum spends.
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    budgets = np.atleast_1d(np.asarray(budgets, dtype=float))
    if budgets.ndim != 1 or budgets.size == 0:
        raise AllocationError("budgets must be a non-empty list of numbers")
    rows = [_optimize_model(model, float(b), year, objective, risk_aversion, cvar_level, owner_budgets, False)
            for b in budgets]
    return Frontier(budgets, *(np.array([getattr(r, a) for r in rows]) for a in
                               ("value_mean", "value_std", "value_p10", "objective_value", "marginal_value")),
                    spend=np.array([r.spend for r in rows]), initiatives=model.names, objective=objective,
                    risk_aversion=rows[0].risk_aversion, year=year)


@dataclass(frozen=True, eq=False)
class RiskFrontier:
    """Value mean and spread against risk aversion for one budget.

    Attributes
    ----------
    risk_aversions : (k,) the values of ``risk_aversion``.
    value_mean, value_std, value_p10, objective_value : (k,) at each optimum (currency per year).
    spend : (k, n) the allocations (currency per year).
    """

    risk_aversions: np.ndarray
    value_mean: np.ndarray
    value_std: np.ndarray
    value_p10: np.ndarray
    objective_value: np.ndarray
    spend: np.ndarray = field(repr=False)
    initiatives: tuple[str, ...] = ()
    objective: str = "mean_minus_std"
    budget: float = 0.0
    year: int = 1

    def to_frame(self):
        """One row per risk aversion: value mean, std, P10, objective and spend by initiative."""
        import pandas as pd

        df = pd.DataFrame({"value_mean": self.value_mean, "value_std": self.value_std,
                           "value_p10": self.value_p10, "objective_value": self.objective_value},
                          index=pd.Index(self.risk_aversions, name="risk_aversion"))
        return df.join(pd.DataFrame(self.spend, index=df.index, columns=[f"spend_{n}" for n in self.initiatives]))


def risk_frontier(portfolio: Portfolio, risk_aversions: Sequence[float], budget: float | None = None, *,
                  year: int = 1, objective: str = "mean_minus_std", cvar_level: float = 0.1,
                  owner_budgets: Mapping[str, float] | None = None, trials: int = 2000, seed: int = 0,
                  shifts: Mapping[str, OwnerShifts] | None = None) -> RiskFrontier:
    """The trade-off between expected value and its spread as risk aversion rises.

    For each ``k`` in ``risk_aversions`` maximises ``E[V] - k std(V)`` (or, with
    ``objective="cvar"``, ``E[V] - k (E[V] - CVaR(V))``) at one budget; arguments as in
    :func:`optimize`.
    """
    if objective == "mean":
        raise AllocationError("risk_frontier needs a risk objective: 'mean_minus_std' or 'cvar'")
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    ks = np.atleast_1d(np.asarray(risk_aversions, dtype=float))
    if ks.ndim != 1 or ks.size == 0:
        raise AllocationError("risk_aversions must be a non-empty list of numbers")
    rows = [_optimize_model(model, budget, year, objective, float(k), cvar_level, owner_budgets, False) for k in ks]
    return RiskFrontier(ks, *(np.array([getattr(r, a) for r in rows]) for a in
                              ("value_mean", "value_std", "value_p10", "objective_value")),
                        spend=np.array([r.spend for r in rows]), initiatives=model.names, objective=objective,
                        budget=rows[0].budget, year=year)


# --- who controls which share ----------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ControlSplit:
    """Marketing and IT each controlling a share of the budget, against joint optimisation.

    Attributes
    ----------
    shares : (k,) marketing's share ``s`` of the budget.
    budget, shared_pool : total budget and the joint pool for shared initiatives (currency per year).
    marketing_pool, it_pool : (k,) the pools each side controls: ``s (budget - shared_pool)`` and
        ``(1 - s) (budget - shared_pool)``.
    value_mean : (k,) expected value per year of the split allocation (NaN where infeasible).
    loss : (k,) expected value lost against the joint optimum (currency per year).
    unspent : (k,) budget a side could not use (its initiatives at their maximum).
    feasible : (k,) bool; False where a pool is below its side's minimum spends, or where the
        sides never settle (see ``status``).
    status : (k,) "ok", "infeasible: ..." or "unstable: ..." (prerequisites across sides in a
        cycle, so each side's best plan keeps changing the other's: no stable split exists).
    spend : (k, n) the split allocations (currency per year).
    joint : the jointly optimised allocation (no owner budgets).
    """

    shares: np.ndarray
    budget: float
    shared_pool: float
    marketing_pool: np.ndarray
    it_pool: np.ndarray
    value_mean: np.ndarray
    loss: np.ndarray
    unspent: np.ndarray
    feasible: np.ndarray
    status: tuple[str, ...] = ()
    spend: np.ndarray = field(repr=False, default=None)
    joint: Allocation = field(repr=False, default=None)
    initiatives: tuple[str, ...] = ()

    @property
    def best_share(self) -> float:
        """The marketing share with the least loss among those tried."""
        loss = np.where(self.feasible, self.loss, np.inf)
        return float(self.shares[int(np.argmin(loss))])

    def to_frame(self):
        """One row per share: pools, value, loss (absolute and as a share of the joint value), unspent."""
        import pandas as pd

        joint = self.joint.value_mean
        return pd.DataFrame({"marketing_pool": self.marketing_pool, "it_pool": self.it_pool,
                             "shared_pool": self.shared_pool, "value_mean": self.value_mean,
                             "loss": self.loss, "loss_share": self.loss / joint if joint else np.nan,
                             "unspent": self.unspent, "feasible": self.feasible, "status": self.status},
                            index=pd.Index(self.shares, name="marketing_share"))


def control_split(portfolio: Portfolio, budget: float | None = None, marketing_share=None, *, year: int = 1,
                  shared_pool: float | None = None, trials: int = 2000, seed: int = 0,
                  shifts: Mapping[str, OwnerShifts] | None = None) -> ControlSplit:
    """Expected value lost when marketing and IT each optimise only their own initiatives.

    The model (expected-value objective throughout):

    - **shared initiatives** are funded from a joint pool decided together. By default the pool
      is what the joint optimum spends on them (``shared_pool`` overrides it), and both sides
      pay into it in proportion to their shares;
    - **marketing** controls ``s (budget - shared_pool)`` and **IT** the rest; each maximises the
      expected value of its own initiatives only, within its pool. A prerequisite held by another
      side counts as met only if that side funds it for its own reasons; sides respond to each
      other until nothing changes;
    - the **joint** optimum maximises the value of all initiatives with one budget and no owner
      budgets. The loss is joint value minus split value. With no prerequisites across sides
      the loss is zero at the share matching the joint optimum's marketing : IT spend.

    Parameters
    ----------
    portfolio, budget, year, trials, seed, shifts : as in :func:`optimize`.
    marketing_share : a share in [0, 1] or a list of them; default 0, 0.1, .. 1.
    shared_pool : the joint pool (currency per year); default the joint optimum's shared spend.

    Returns
    -------
    ControlSplit ; shares where a pool cannot cover its side's minimum spends, or where the
    sides never settle, are marked in ``status`` (value NaN), never reported as a result.
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    t = _year_index(portfolio, year)
    budget = _amount(portfolio.budget[t] if budget is None else budget, "budget")
    shares = np.atleast_1d(np.linspace(0, 1, 11) if marketing_share is None else
                           np.asarray(marketing_share, dtype=float))
    if shares.ndim != 1 or np.any(~np.isfinite(shares)) or np.any((shares < 0) | (shares > 1)):
        raise AllocationError("marketing_share must be a share from 0 to 1 (or a list of them)")
    joint = _optimize_model(model, budget, year, "mean", None, 0.1, {}, False)
    owners = np.array(model.owners)
    cols = {o: np.flatnonzero(owners == o) for o in OWNERS}
    pool = (float(joint.spend[cols["shared"]].sum()) if shared_pool is None
            else _amount(shared_pool, "shared_pool"))
    if pool > budget:
        raise AllocationError(f"shared_pool {_fmt(pool)} exceeds the budget {_fmt(budget)}")
    base = _problem(model, t, budget, {})
    need_shared = base.lo[cols["shared"]].sum()
    if need_shared > pool * (1 + 1e-12):
        raise AllocationError(f"shared_pool {_fmt(pool)} is below the minimum spends of the shared "
                              f"initiatives, {_fmt(need_shared)}")
    rest = budget - pool
    out = {k: [] for k in ("mkt", "it", "value", "unspent", "status", "spend")}
    for s in shares:
        pools = {"shared": pool, "it": (1 - s) * rest, "marketing": s * rest}
        short = [o for o in ("marketing", "it") if base.lo[cols[o]].sum() > pools[o]]
        out["mkt"].append(pools["marketing"])
        out["it"].append(pools["it"])
        x = None if short else _best_responses(model, base, cols, pools)
        if x is None:
            out["status"].append(f"infeasible: the {short[0]} pool is below its minimum spends" if short else
                                 "unstable: prerequisites across sides form a cycle; no plan settles")
            out["value"].append(math.nan)
            out["unspent"].append(math.nan)
            out["spend"].append(np.full(model.curves.n, math.nan))
            continue
        out["status"].append("ok")
        live = base.live & _met(model.prerequisites, x, x.size)
        out["value"].append(float(model.curves.value_slope(x)[0].mean(1) @ live))
        out["unspent"].append(float(budget - x.sum()))
        out["spend"].append(x)
    value = np.array(out["value"])
    status = tuple(out["status"])
    return ControlSplit(shares, budget, pool, np.array(out["mkt"]), np.array(out["it"]), value,
                        joint.value_mean - value, np.array(out["unspent"]), np.array([s == "ok" for s in status]),
                        status, np.array(out["spend"]), joint, model.names)


def _best_responses(model: PortfolioModel, base: _Problem, cols, pools) -> np.ndarray | None:
    """Each side maximises its own initiatives' expected value in its pool, given the others',
    until no side changes its plan (at most 20 rounds; None if they never settle)."""
    x = base.lo.copy()
    for _ in range(20):
        before = x.copy()
        for owner in ("shared", "it", "marketing"):
            idx = cols[owner]
            if idx.size == 0:
                continue
            where = {int(c): k for k, c in enumerate(idx)}
            lo, hi, live = base.lo[idx].copy(), np.minimum(base.hi[idx], pools[owner]), base.live[idx].copy()
            inner = []
            for i, j, thr in base.prereqs:
                if i not in where:
                    continue
                if j in where:
                    inner.append((where[i], where[j], thr))
                elif x[j] < thr * (1 - _MET_RTOL):
                    live[where[i]] = False
                    hi[where[i]] = lo[where[i]]
            sub = _Problem(lo, np.maximum(hi, lo), live, pools[owner], (), tuple(inner))
            x[idx] = _solve_mean(model.curves.take(idx), sub).x
        if np.allclose(x, before, rtol=1e-9, atol=1e-12):
            return x
    return None  # the sides' plans keep changing each other: no stable split


# --- multi-year phasing ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Phasing:
    """An allocation of every plan year's budget.

    Attributes
    ----------
    years : plan years 1..Y.
    budget : (Y,) the budget path (currency per year).
    available : (Y,) budget available each year: the year's budget plus the carried-over share
        of last year's unspent amount.
    spend : (Y, n) spend per initiative and year (currency per year).
    unspent : (Y,) available minus spent; ``carry_over * unspent[t]`` is added to year t+1.
    value_mean, value_p10 : (Y,) the portfolio's value per year over the trials.
    present_value : expected value summed over the years, discounted to the decision date at the
        portfolio's discount rate (year t's value at the end of year t); undiscounted if
        ``discount=False``.
    cumulative : names of the initiatives valued on cumulative spend.
    method : "water-filling" (years independent, exact), "SLSQP", or "year by year" (when the
        year-by-year solution beat every SLSQP pattern).
    """

    years: np.ndarray
    budget: np.ndarray
    available: np.ndarray
    spend: np.ndarray = field(repr=False)
    unspent: np.ndarray = field(repr=False)
    value_mean: np.ndarray = field(repr=False)
    value_p10: np.ndarray = field(repr=False)
    present_value: float = 0.0
    carry_over: float = 0.0
    cumulative: tuple[str, ...] = ()
    initiatives: tuple[str, ...] = ()
    method: str = ""

    def to_frame(self):
        """Spend by plan year (rows) and initiative (columns), with budget, available, unspent and value."""
        import pandas as pd

        df = pd.DataFrame(self.spend, index=pd.Index(self.years, name="year"), columns=list(self.initiatives))
        return df.assign(total_spend=self.spend.sum(1), budget=self.budget, available=self.available,
                         unspent=self.unspent, value_mean=self.value_mean, value_p10=self.value_p10)


def phase(portfolio: Portfolio, *, cumulative: Sequence[str] = (), owner_budgets: Mapping[str, Sequence[float]] | None = None,
          discount: bool = True, trials: int = 2000, seed: int = 0,
          shifts: Mapping[str, OwnerShifts] | None = None) -> Phasing:
    """Allocate every plan year's budget, maximising the present value of expected value.

    The model:

    - year ``t`` may spend ``available[t] = budget[t] + carry_over * unspent[t-1]``; owner
      budgets (if any) cap each owner's spend in each year and do not carry over;
    - an initiative spends only in its active ``years``, within ``[min_spend, max_spend]`` there;
    - a regular initiative's value in year ``t`` is the curve at that year's spend, and counts
      only in its active years;
    - an initiative named in ``cumulative`` (a platform) is valued on **cumulative** spend: its
      value in year ``t`` is the curve at the sum of its spend in years ``1..t``, and counts in
      every year from its first active year on (the platform keeps working after the build);
    - a prerequisite is met in year ``t`` when the prerequisite's spend that year (its cumulative
      spend, if it is cumulative) reaches ``requires.min_spend``. Each prerequisite-bearing
      initiative is either off in every year or on from one of its years onward (enumerated);
    - the objective is the sum over years of expected value, discounted at the portfolio's
      ``discount_rate`` with year t at the end of year t (``discount=False``: plain sum).

    Without carry-over or cumulative initiatives the years are independent and each is solved
    exactly by water-filling; otherwise by SLSQP from the year-by-year solution, for each
    prerequisite pattern, keeping the year-by-year solution itself if it is better.

    Parameters
    ----------
    portfolio, trials, seed, shifts : as in :func:`portfolio_model`.
    cumulative : names of platform-type initiatives (the schema has no field for this yet).
    owner_budgets : budget path per owner (currency per year, one entry per plan year). Default
        the portfolio's; ``{}`` applies none.
    discount : discount later years' value at the portfolio's rate.

    Raises
    ------
    AllocationError : budgets that cannot cover the minimum spends (even with carry-over),
        unknown initiatives or owners, too many prerequisite patterns, or a solver failure.
    """
    model = portfolio_model(portfolio, trials=trials, seed=seed, shifts=shifts)
    Y, n = model.active.shape
    cum = np.zeros(n, dtype=bool)
    for name in ([cumulative] if isinstance(cumulative, str) else cumulative):
        cum[model.index(name)] = True
    budgets = np.array([_amount(b, f"budget[{t}]") for t, b in enumerate(portfolio.budget)])
    caps = _phase_caps(model, owner_budgets)
    c = float(portfolio.carry_over)
    d = (1 + portfolio.discount_rate) ** -np.arange(1, Y + 1) if discount else np.ones(Y)
    lo = np.where(model.active, model.min_spend, 0.0)
    hi = np.where(model.active, np.minimum(model.max_spend, budgets.sum()), 0.0)
    owners = np.array(model.owners)
    for owner, path in caps.items():
        idx = owners == owner
        hi[:, idx] = np.minimum(hi[:, idx], path[:, None])
    hi = np.maximum(hi, lo)
    left = 0.0
    for t in range(Y):  # minimum spends must fit even with every earlier year at its minimum
        avail = budgets[t] + c * left
        for owner, path in caps.items():
            need = lo[t, owners == owner].sum()
            if need > path[t]:
                raise AllocationError(f"the {owner} budget {_fmt(path[t])} in plan year {t + 1} is below the sum "
                                      f"of minimum spends of its active initiatives, {_fmt(need)}")
        if lo[t].sum() > avail:
            raise AllocationError(f"the budget available in plan year {t + 1}, {_fmt(avail)} (budget "
                                  f"{_fmt(budgets[t])} plus carry-over), is below the sum of minimum spends of "
                                  f"the initiatives active that year, {_fmt(lo[t].sum())}")
        left = avail - lo[t].sum()
    value_years = model.active.copy()
    for i in np.flatnonzero(cum):
        first = np.flatnonzero(model.active[:, i])
        if first.size:
            value_years[first[0]:, i] = True
    setup = _Phase(model, lo, hi, value_years, cum, budgets, caps, c, d)
    if c == 0 and not cum.any():
        x, method = _phase_by_year(setup), "water-filling"
    elif budgets.sum() - lo.sum() <= 1e-9:  # under 1e-9 (currency) to allocate in the whole plan
        x, method = _phase_by_year(setup), "year by year"
    else:
        x, method = _phase_slsqp(setup)
    eff = np.where(cum, np.cumsum(x, axis=0), x)
    vals = np.empty((Y, model.trials))
    for t in range(Y):
        live = value_years[t] & _met(model.prerequisites, eff[t], n)
        vals[t] = live @ model.curves.value_slope(eff[t])[0]
    avail, unspent, left = np.empty(Y), np.empty(Y), 0.0
    for t in range(Y):
        avail[t] = budgets[t] + c * left
        unspent[t] = left = avail[t] - x[t].sum()
    return Phasing(np.arange(1, Y + 1), budgets, avail, x, unspent, vals.mean(1), np.quantile(vals, 0.1, axis=1),
                   float(d @ vals.mean(1)), c, tuple(np.array(model.names)[cum]), model.names, method)


def _phase_caps(model, owner_budgets) -> dict:
    src = model.portfolio.owner_budgets if owner_budgets is None else owner_budgets
    caps = {}
    for owner, path in (src or {}).items():
        if owner not in OWNERS:
            raise AllocationError(f"owner_budgets names unknown owner '{owner}' (owners: {', '.join(OWNERS)})")
        path = np.atleast_1d(np.asarray(path, dtype=float))
        if path.shape != (model.years,):
            raise AllocationError(f"owner_budgets.{owner} needs one budget per plan year ({model.years})")
        caps[owner] = np.array([_amount(v, f"owner_budgets.{owner}[{t}]") for t, v in enumerate(path)])
    return caps


@dataclass(frozen=True, eq=False)
class _Phase:
    model: PortfolioModel
    lo: np.ndarray
    hi: np.ndarray
    value_years: np.ndarray
    cum: np.ndarray
    budgets: np.ndarray
    caps: dict
    carry: float
    discount: np.ndarray


def _phase_by_year(ph: _Phase, pattern=None) -> np.ndarray:
    """Year-by-year water-filling, each year spending what is available after the last.

    Exact when years are independent (no carry-over, no cumulative initiatives). With a
    prerequisite ``pattern`` ``(lo, hi, live)`` it gives the starting point for SLSQP.
    """
    m = ph.model
    owners = np.array(m.owners)
    Y = ph.lo.shape[0]
    x, left = np.zeros_like(ph.lo), 0.0
    for t in range(Y):
        avail = ph.budgets[t] + ph.carry * left
        caps = {o: p[t] for o, p in ph.caps.items()}
        if pattern is None:
            prob = _problem(m, t, avail, caps)
        else:
            lo, hi, live = (a[t] for a in pattern)
            groups = tuple((o, np.flatnonzero(owners == o), c) for o, c in caps.items())
            prob = _Problem(lo, np.maximum(np.minimum(hi, avail), lo), live, avail, groups, ())
        x[t] = _solve_mean(m.curves, prob).x
        left = avail - x[t].sum()
    return x


def _phase_patterns(ph: _Phase):
    """Prerequisite patterns: each dependent on in every one of its value years, or off in all."""
    m = ph.model
    deps = [(i, j, thr) for i, j, thr in m.prerequisites if thr > 0 and ph.value_years[:, i].any()]
    if 2 ** len(deps) > MAX_PREREQUISITE_CASES:
        raise AllocationError(f"{len(deps)} initiatives have prerequisites: too many on/off combinations "
                              f"to enumerate (at most {int(math.log2(MAX_PREREQUISITE_CASES))})")
    for bits in product((False, True), repeat=len(deps)):
        live = ph.value_years.copy()
        hi = ph.hi.copy()
        need = []  # (t, j, thr)
        for (i, j, thr), on in zip(deps, bits):
            if on:
                need += [(t, j, thr) for t in np.flatnonzero(live[:, i])]
            else:
                live[:, i] = False
                hi[:, i] = ph.lo[:, i]
        yield live, hi, need


def _phase_slsqp(ph: _Phase):
    """Joint multi-year optimum by SLSQP over every active (year, initiative) spend."""
    m = ph.model
    Y, n = ph.lo.shape
    unit = ph.budgets.max() if ph.budgets.max() > 0 else 1.0
    best = None
    for live, hi, need in _phase_patterns(ph):
        lo = ph.lo.copy()
        rows, rhs = [], []
        for t, j, thr in need:
            if ph.cum[j]:
                r = np.zeros((Y, n))
                r[: t + 1, j] = -1.0
                rows.append(r)
                rhs.append(-thr)
            else:
                lo[t, j] = max(lo[t, j], thr)
        free = hi > lo
        if np.any(lo > hi):
            continue
        a_ub, b_ub = _phase_constraints(ph, rows, rhs)
        fixed = np.where(free, 0.0, lo)
        a_free, b_free = a_ub[:, free.ravel()], b_ub - a_ub @ fixed.ravel()
        if not free.any():  # nothing to choose: the pattern's minimums are its only allocation
            if np.all(b_free >= -1e-9 * unit):
                val = _phase_true_value(ph, fixed)
                if best is None or val > best[0] + 1e-12 * abs(best[0]):
                    best = (val, fixed, "SLSQP")
            continue
        bounds = list(zip(lo[free] / unit, hi[free] / unit))
        lp = _opt.linprog(np.zeros(int(free.sum())), A_ub=a_free, b_ub=b_free / unit, bounds=bounds,
                          method="highs")
        if lp.status == 2:
            continue  # this pattern cannot be funded
        if lp.status != 0:
            raise AllocationError(f"phase: scipy.optimize linprog feasibility check failed: {lp.message}")
        try:
            start = _phase_by_year(ph, (lo, hi, live))
        except AllocationError:
            start = fixed.copy()
            start[free] = lp.x * unit
        if np.any(a_ub @ start.ravel() > b_ub + 1e-9 * unit):
            start = fixed.copy()
            start[free] = lp.x * unit
        v0, g0 = _phase_value(ph, start, live)
        scale = max(abs(v0), unit * float(np.max(np.abs(g0), initial=0.0)), 1e-300)

        def fun(z, fixed=fixed, free=free, live=live, scale=scale):
            x = fixed.copy()
            x[free] = z * unit
            v, g = _phase_value(ph, x, live)
            return -v / scale, -g[free] * unit / scale

        try:
            res = _slsqp(fun, start[free] / unit, bounds, a_free, b_free / unit, "phase")
        except AllocationError:
            # a feasible set that is a single point or a thin sliver can defeat SLSQP's first
            # step from outside it: retry once from linprog's feasible point, else report
            res = _slsqp(fun, lp.x, bounds, a_free, b_free / unit, "phase")
        x = fixed.copy()
        x[free] = np.clip(res.x * unit, lo[free], hi[free])
        x = _phase_repair(ph, x, lo, a_ub, b_ub)
        for cand, how in ((x, "SLSQP"), (start, "year by year")):  # the feasible start may be better
            if np.all(a_ub @ cand.ravel() <= b_ub + 1e-9 * unit):
                val = _phase_true_value(ph, cand)
                if best is None or val > best[0] + 1e-12 * abs(best[0]):
                    best = (val, cand, how)
    # The year-by-year optimum is feasible too, and may switch a dependent on in some years only,
    # which no pattern above does: keep it if it is better.
    x = _phase_by_year(ph)
    val = _phase_true_value(ph, x)
    if best is None or val > best[0] + 1e-12 * abs(best[0]):
        best = (val, x, "year by year")
    return best[1], best[2]


def _phase_true_value(ph: _Phase, x) -> float:
    """Present value of expected value of a (Y, n) allocation, prerequisites judged on ``x``."""
    m = ph.model
    eff = np.where(ph.cum, np.cumsum(x, axis=0), x)
    live = np.array([ph.value_years[t] & _met(m.prerequisites, eff[t], x.shape[1]) for t in range(x.shape[0])])
    return _phase_value(ph, x, live)[0]


def _phase_constraints(ph: _Phase, rows, rhs):
    """Linear constraints ``A vec(x) <= b`` over (Y, n) spend: carry-over budget, owner caps, thresholds.

    Carry-over: what is left at the end of year t is ``sum_{tau<=t} c^(t-tau) (budget_tau - S_tau)``,
    which must not be negative.
    """
    m = ph.model
    Y, n = ph.lo.shape
    owners = np.array(m.owners)
    for t in range(Y):
        r = np.zeros((Y, n))
        w = ph.carry ** (t - np.arange(t + 1))
        r[: t + 1] = w[:, None]
        rows.append(r)
        rhs.append(float(w @ ph.budgets[: t + 1]))
        for owner, path in ph.caps.items():
            r = np.zeros((Y, n))
            r[t, owners == owner] = 1.0
            rows.append(r)
            rhs.append(float(path[t]))
    return np.array([r.ravel() for r in rows]), np.array(rhs)


def _phase_repair(ph, x, lo, a_ub, b_ub):
    """Remove rounding excess over the budget and owner caps (year by year), then verify."""
    Y, n = x.shape
    owners = np.array(ph.model.owners)
    scale = ph.model.curves.s.mean(1)
    left = 0.0
    for t in range(Y):
        for owner, path in ph.caps.items():
            own = np.flatnonzero(owners == owner)
            _trim(x[t], lo[t], own, path[t], scale[own].sum())
        avail = ph.budgets[t] + ph.carry * left
        _trim(x[t], lo[t], np.arange(n), avail, scale.sum())
        left = avail - x[t].sum()
    viol = a_ub @ x.ravel() - b_ub
    if np.any(viol > 1e-6 * max(ph.budgets.max(), 1.0)):
        raise AllocationError(f"phase: SLSQP returned an allocation that breaks a constraint by {viol.max():,.2f}")
    return x


def _phase_value(ph: _Phase, x, live):
    """Present value of expected value over the years and its gradient (Y, n)."""
    cv = ph.model.curves
    eff = np.where(ph.cum, np.cumsum(x, axis=0), x)
    w = ph.discount[:, None] * live
    total, grad = 0.0, np.empty_like(x)
    for t in range(x.shape[0]):
        v, d = cv.value_slope(eff[t])
        total += float(v.mean(1) @ w[t])
        grad[t] = d.mean(1) * w[t]
    grad = np.where(ph.cum, np.flip(np.cumsum(np.flip(grad, 0), 0), 0), grad)
    return total, grad
