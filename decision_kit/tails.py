"""Which inputs give an option's losses an unbounded tail, and so whether its certainty
equivalent exists, decided from the distribution families and the caps (never from the trials).

The certainty equivalent under exponential utility with risk tolerance ``R`` is
``CE = -R ln E[exp(-NPV / R)]``. It is finite exactly when ``E[exp(-NPV / R)]`` is, that is when
the losses have a finite exponential moment. A lognormal or an uncapped Pareto loss has none
(``E[exp(t X)]`` is infinite for every ``t > 0``): with one in the NPV the certainty equivalent
is minus infinity, and a Monte Carlo estimate of it is sample noise that falls without bound as
the trials grow.

Tail classes of one side of a distribution, lightest first (:data:`TAILS`):

- ``bounded``: the side has a finite end (fixed, uniform, triangular, PERT, discrete, a capped
  Pareto, a lognormal's lower side);
- ``gaussian``: a normal's; every exponential moment is finite;
- ``exponential``: a three-term metalog's (``quantiles``), or a product of two normals; the
  exponential moment is finite only below a threshold in ``1 / R``, which is not computed: such a
  loss is reported as making the CE undefined (the conservative side);
- ``heavy``: heavier than exponential (lognormal, uncapped Pareto, a mixture with such a
  component, a distribution form this module does not know).

An option's NPV is a sum of loss terms, each a product of inputs: a cost line is its amount x
its cost overrun (if it overruns) x ``(1 + escalation)^(t - 1)`` (recurring and per-unit lines)
x its driver's start x ``(1 + growth)^(t - 1)`` (per-unit lines) x the line it is a percent of
x ``(1 + rise)`` for each price-rise risk on it; a one-off or forced-migration risk is its impact
(bounded when capped); a benefit counts only if some factor of it can be negative (otherwise its
``exp(-B / R)`` is at most 1). A product of one unbounded factor and bounded ones has that
factor's class; two normals make ``exponential``, any other two unbounded factors ``heavy``; a
power ``(1 + e)^k`` of a normal rate is ``exponential`` for ``k = 2`` and ``heavy`` beyond.
Owners scale probabilities and severities by constants, which changes no class, so the answer
is per option. A shared quantity (``dist: shared``) has its quantity's class times a positive
constant, and is named by the path it is drawn under, ``shared.<name>``; a variant's inherited
lines and the risks of the option it extends count as its own.

The CE of an option is defined when every term is ``bounded`` or ``gaussian``: a finite sum of
such terms has every exponential moment, whatever their dependence (generalised Hölder). When
a term is heavier, the expectation is infinite unless the benefits rise with that very loss (a
shared quantity on both sides), which no shipped scenario does; there "not defined" is exact.
"""

from __future__ import annotations

from collections.abc import Iterator

from .distributions import (
    PERT,
    Discrete,
    DistributionBase,
    Fixed,
    LogNormal,
    Mixture,
    Normal,
    Pareto,
    PriorRef,
    Quantiles,
    Shared,
    Triangular,
    Uniform,
)
from .schema import CostLine, Scenario, risk_touches

__all__ = ["TAILS", "CE_NOT_DEFINED", "tail", "product", "power", "loss_tails", "certainty_equivalent_defects"]

TAILS = ("bounded", "gaussian", "exponential", "heavy")
"""Tail classes, lightest first (see the module docstring)."""

BOUNDED, GAUSSIAN, EXPONENTIAL, HEAVY = range(4)

CE_NOT_DEFINED = "not defined: {path} has an unbounded loss tail"
"""What every output shows instead of a certainty equivalent that does not exist."""

_BOUNDED_FORMS = (Fixed, Uniform, Triangular, PERT, Discrete)


def tail(dist: DistributionBase, side: str = "upper") -> int:
    """The class (an index into :data:`TAILS`) of the ``upper`` or ``lower`` tail of ``dist``."""
    if isinstance(dist, PriorRef):
        return tail(dist.resolved, side)
    if isinstance(dist, Shared):  # a shared quantity times a positive constant
        return tail(dist.target, side)
    if isinstance(dist, Mixture):
        return max(tail(c.dist, side) for c in dist.components)
    if isinstance(dist, _BOUNDED_FORMS):
        return BOUNDED
    if isinstance(dist, Normal):
        return GAUSSIAN
    if isinstance(dist, LogNormal):
        return HEAVY if side == "upper" else BOUNDED
    if isinstance(dist, Pareto):
        return HEAVY if side == "upper" and dist.cap is None else BOUNDED
    if isinstance(dist, Quantiles):
        return EXPONENTIAL
    try:  # a form not known here: bounded only where its support ends
        lo, hi = dist.support()
    except Exception:
        return HEAVY
    end = hi if side == "upper" else lo
    return BOUNDED if abs(end) < float("inf") else HEAVY


def product(classes) -> int:
    """The tail class of a product of independent-or-not factors of these classes."""
    unbounded = [c for c in classes if c > BOUNDED]
    if len(unbounded) <= 1:
        return unbounded[0] if unbounded else BOUNDED
    if len(unbounded) == 2 and unbounded == [GAUSSIAN, GAUSSIAN]:
        return EXPONENTIAL
    return HEAVY


def power(c: int, k: int) -> int:
    """The tail class of ``X^k`` for ``X`` of class ``c`` (``k`` a whole number of years)."""
    if k <= 0 or c == BOUNDED:
        return BOUNDED
    if k == 1:
        return c
    return EXPONENTIAL if c == GAUSSIAN and k == 2 else HEAVY


Factor = tuple[int, str]
"""A factor of a loss term: its tail class and the input path it comes from."""


def _at(dist: DistributionBase, path: str) -> str:
    """Where an input is drawn: ``shared.<name>`` for a shared quantity, else its own path."""
    return dist.path if isinstance(dist, Shared) else path


def _line_factors(s: Scenario, oname: str, lname: str) -> Iterator[Factor]:
    """The factors of cost line ``lname``'s loss: its own (amount, overrun, escalation, driver),
    those of the lines a percent_of chain refers to, then the price rises on it, nearest line
    last. Walked iteratively, so a chain of any length needs no recursion."""
    opt = s.options[oname]
    k = s.horizon_years - 1  # the highest power an escalation or growth rate is raised to
    after: list[list[Factor]] = []  # each chain link's price rises, yielded after the whole chain
    seen: set[str] = set()
    while lname in opt.costs and lname not in seen:
        seen.add(lname)
        line: CostLine = opt.costs[lname]
        pre = f"options.{oname}.costs.{lname}"
        yield tail(line.amount), _at(line.amount, f"{pre}.amount")
        if line.overrun:
            yield tail(opt.cost_overrun), _at(opt.cost_overrun, f"options.{oname}.cost_overrun")
        if line.escalation is not None:
            yield power(tail(line.escalation), k), _at(line.escalation, f"{pre}.escalation")
        if line.timing == "per_unit" and line.driver in s.drivers:
            d = s.drivers[line.driver]
            yield tail(d.start), _at(d.start, f"drivers.{line.driver}.start")
            yield power(tail(d.growth), k), _at(d.growth, f"drivers.{line.driver}.growth")
        after.append(
            [
                ((BOUNDED if risk.cap is not None else tail(risk.impact)), _at(risk.impact, f"risks.{rname}.impact"))
                for rname, risk in s.risks.items()
                if risk.effect == "price_rise" and lname in (risk.lines or ()) and risk_touches(s, risk, oname)
            ]
        )
        if line.timing != "percent_of" or line.of is None:
            break
        lname = line.of
    for rises in reversed(after):
        yield from rises


def _term(factors: list[Factor]) -> Factor:
    """A loss term's class and the path of its heaviest factor (the first of equals)."""
    c = product(f[0] for f in factors)
    worst = max(factors, key=lambda f: f[0])
    return c, worst[1]


def _benefit_terms(s: Scenario, oname: str) -> Iterator[Factor]:
    """Benefits whose some factor can be negative, as terms of their magnitudes' classes."""
    opt = s.options[oname]
    k = s.horizon_years - 1
    for bname, b in opt.benefits.items():
        pre = f"options.{oname}.benefits.{bname}"
        parts = [(b.amount, f"{pre}.amount", 1), (opt.realisation, f"options.{oname}.realisation", 1)]
        parts = [(d, _at(d, p), n) for d, p, n in parts]
        if not any(d.support()[0] < 0 for d, _, _ in parts):
            continue
        parts.append((b.growth, _at(b.growth, f"{pre}.growth"), k))
        yield _term([(power(max(tail(d, "upper"), tail(d, "lower")), n), p) for d, p, n in parts])


def loss_tails(s: Scenario, oname: str) -> list[tuple[str, str]]:
    """The loss terms of option ``oname`` heavier than ``gaussian``, as (input path, tail
    class name) of each term's heaviest input: risks first, then cost lines, then benefits, each
    in the file's order (paths may repeat)."""
    terms: list[Factor] = []
    for rname, risk in s.risks.items():
        if risk.effect in ("one_off", "forced_migration") and risk_touches(s, risk, oname):
            c = BOUNDED if risk.cap is not None else tail(risk.impact)
            terms.append((c, _at(risk.impact, f"risks.{rname}.impact")))
    terms += [_term(list(_line_factors(s, oname, lname))) for lname in s.options[oname].costs]
    terms += list(_benefit_terms(s, oname))
    return [(path, TAILS[c]) for c, path in terms if c > GAUSSIAN]


def certainty_equivalent_defects(s: Scenario) -> dict[str, str | None]:
    """Per option: None where its certainty equivalent exists, else the sentence every output
    shows instead of it (:data:`CE_NOT_DEFINED`, naming the first input behind an unbounded
    loss tail in :func:`loss_tails`' order)."""
    out: dict[str, str | None] = {}
    for oname in s.options:
        heavy = loss_tails(s, oname)
        out[oname] = CE_NOT_DEFINED.format(path=heavy[0][0]) if heavy else None
    return out
