"""What success means, signed: a scenario's ``success`` block of KPIs, milestones and signers.

The block is read by :mod:`decision_kit.success` on a simulation's trials; the simulation
itself never reads it (adding or changing it changes no simulated number).

A KPI is a whitelisted metric of one option x owner cell in one trial (:data:`METRICS`), a
target and a direction: ``at_most`` is hit when the metric is at most the target (launch,
cost, incidents), ``at_least`` when it is at least the target (benefit, net value). Years
follow the scenario's periods: 0 is the decision date, ``t`` is year ``t`` (1..horizon), and
``cost[1:2]`` sums years 1 and 2 (both ends included). Money is in the scenario's currency,
nominal, undiscounted; costs and benefits are positive amounts; net is benefit minus cost.
``adoption(m)`` is the share of full adoption ``m`` whole months after the decision: the
linear ramp ``clip((m - L) / R, 0, 1)`` from the cell's go-live ``L`` over the ramp ``R`` of
each of the option's benefit lines, averaged over its lines (0 for an option without benefits;
a delivery failure, the realisation, is not part of it: adoption is the ramp, not the benefit).

Each KPI has an ``owner`` (a stakeholder of the scenario such as CMO or CIO, or a named role);
the KPIs whose owner is among ``signed_by`` are the signed ones, and their joint hit is what
the signers commit to. A milestone groups KPIs at a month after the decision; each of its
KPIs must be known by then (flows through year ``t`` at month ``12 t``, launch by month ``T``
at month ``T``, incidents over the horizon at its end).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..distributions import Num
from ..errors import input_error
from .base import FieldPath, Model, Name

METRICS: dict[str, str] = {
    "launch_months": "months from the decision to go-live",
    "security_events": "security incidents over the whole horizon (count)",
    "cost[a:b]": "cost of years a to b (currency; cost[1] is year 1's, cost[0] the decision date's)",
    "benefit[a:b]": "benefit of years a to b (currency)",
    "net[a:b]": "benefit minus cost of years a to b (currency; net[0:3] is the cumulative net by year 3)",
    "adoption(m)": "share of full adoption m whole months after the decision (0 to 1; see adoption_at)",
}
"""The metrics a KPI may name, with their meaning and unit."""

FLOWS = ("cost", "benefit", "net")
"""The metrics over a range of years."""

_METRIC = re.compile(r"^\s*(?:(launch_months|security_events)|(cost|benefit|net)\[\s*(\d+)\s*(?::\s*(\d+)\s*)?\])\s*$")
_ADOPTION = re.compile(r"^\s*adoption\(\s*(\d+)\s*\)\s*$")


def parse_metric(text: str) -> tuple[str, int | None, int | None]:
    """``(kind, first year, last year)`` of a metric: ``("cost", 1, 1)`` for ``cost[1]``,
    ``("net", 0, 3)`` for ``net[0:3]``, ``("launch_months", None, None)``; for adoption the
    month instead of the first year, ``("adoption", 12, None)`` for ``adoption(12)``. A
    ValueError with the allowed forms for anything else."""
    a = _ADOPTION.match(text)
    if a is not None:
        return "adoption", int(a.group(1)), None
    m = _METRIC.match(text)
    if m is None:
        raise ValueError(text)
    if m.group(1):
        return m.group(1), None, None
    first = int(m.group(3))
    last = int(m.group(4)) if m.group(4) is not None else first
    return m.group(2), first, last


class KPI(Model):
    """One key performance indicator: ``metric`` (see :data:`METRICS`) compared with
    ``target`` in ``direction``, owned by ``owner``."""

    metric: str
    target: Num
    direction: Literal["at_most", "at_least"]
    owner: str = Field(min_length=1)
    source: str | None = None

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        try:
            kind, first, last = parse_metric(v)
        except ValueError:
            raise input_error(
                "metric",
                "unknown metric {v!r}: use one of {forms}",
                v=v,
                forms=", ".join(METRICS),
            ) from None
        if first is not None and last is not None and last < first:
            raise input_error("metric", "the years of {v!r} run backwards ({a} after {b})", v=v, a=first, b=last)
        return v

    @property
    def parsed(self) -> tuple[str, int | None, int | None]:
        """``(kind, first year, last year)`` (:func:`parse_metric`)."""
        return parse_metric(self.metric)

    def hit(self, values):
        """Whether ``values`` (an array of the metric) meet the target."""
        return values <= self.target if self.direction == "at_most" else values >= self.target


class StopRule(Model):
    """The decision rule a milestone signs: ``option``'s yearly stop review (``rule:
    yearly_review``, its ``flexibility: abandon``) or its pilot (``rule: pilot``), as
    :mod:`decision_kit.staged_decisions` fits it."""

    option: Name
    rule: Literal["yearly_review", "pilot"] = "yearly_review"
    source: str | None = None


class Milestone(Model):
    """A review ``at_month`` months after the decision, passed when every KPI it names is hit;
    or, with ``stop_rule`` instead of ``kpis``, the staged decision at that date, passed when the
    fitted rule carries on (signing it is signing the decision rule)."""

    name: str = Field(min_length=1)
    at_month: Num = Field(gt=0)
    kpis: list[Name] = Field(default_factory=list)
    stop_rule: StopRule | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _kpis_or_rule(self):
        if bool(self.kpis) == (self.stop_rule is not None):
            raise input_error(
                "kpis",
                "a milestone names either its KPIs (kpis: [...]) or the decision rule it signs "
                "(stop_rule: {option: ...}), exactly one of them",
            )
        return self


class Success(Model):
    """The scenario's ``success`` block: KPIs by name, milestones, and who signs."""

    signed_by: list[str] = Field(min_length=1)
    kpis: dict[Name, KPI] = Field(min_length=1)
    milestones: list[Milestone] = Field(default_factory=list)
    source: str | None = None

    @field_validator("signed_by")
    @classmethod
    def _signers(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise input_error("signed_by", "a signer is named twice in signed_by")
        return v

    @property
    def signed(self) -> list[str]:
        """The names of the KPIs whose owner signs, in file order."""
        return [name for name, k in self.kpis.items() if k.owner in self.signed_by]


def known_at(kpi: KPI, horizon: int) -> float:
    """The month after the decision at which a KPI's value is known: the end of its last year
    for a flow, the target month for a launch KPI (by then it has happened or not), the month
    of an adoption KPI, the end of the horizon for incidents."""
    kind, first, last = kpi.parsed
    if kind == "launch_months":
        return float(kpi.target)
    if kind == "adoption":
        assert first is not None
        return float(first)
    if kind == "security_events":
        return 12.0 * horizon
    assert last is not None
    return 12.0 * last


def success_problems(s: Any) -> list[tuple[FieldPath, str]]:
    """Cross-references of ``s.success`` (``s`` is a :class:`~decision_kit.schema.Scenario`,
    which imports this module): years within the horizon, milestones naming defined KPIs known
    by their date, unique milestone names."""
    block: Success | None = s.success
    if block is None:
        return []
    H = s.horizon_years
    out: list[tuple[FieldPath, str]] = []
    if not block.signed:
        out.append(
            (
                ("success", "signed_by"),
                "no KPI is owned by anyone who signs: give each signer's KPIs 'owner:' of that name",
            )
        )
    for name, kpi in block.kpis.items():
        kind, first, last = kpi.parsed
        if last is not None and last > H:
            out.append((("success", "kpis", name, "metric"), f"year {last} is beyond the horizon of {H} years"))
        if kind == "adoption" and first is not None and first > 12 * H:
            out.append((("success", "kpis", name, "metric"), f"month {first} is beyond the horizon ({12 * H} months)"))
    seen: set[str] = set()
    for i, ms in enumerate(block.milestones):
        at: FieldPath = ("success", "milestones", i)
        if ms.name in seen:
            out.append((at + ("name",), f"milestone '{ms.name}' is named twice"))
        seen.add(ms.name)
        if ms.at_month > 12 * H:
            out.append((at + ("at_month",), f"month {ms.at_month:g} is beyond the horizon ({12 * H} months)"))
        if ms.stop_rule is not None:
            out += [(at + where, message) for where, message in _rule_problems(s, ms)]
        for j, k in enumerate(ms.kpis):
            if k not in block.kpis:
                out.append((at + ("kpis", j), f"KPI '{k}' is not defined under success.kpis"))
            elif block.kpis[k].parsed[2] is None or block.kpis[k].parsed[2] <= H:
                due = known_at(block.kpis[k], H)
                if due > ms.at_month:
                    out.append(
                        (
                            at + ("kpis", j),
                            f"KPI '{k}' ({block.kpis[k].metric}) is known only at month {due:g}, "
                            f"after this milestone at month {ms.at_month:g}",
                        )
                    )
    return out


def _rule_problems(s: Any, ms: Milestone) -> list[tuple[FieldPath, str]]:
    """A stop-rule milestone's cross-references: the option states the review or pilot, and the
    milestone falls at its date (a year end before the horizon's last, or the pilot's end)."""
    rule = ms.stop_rule
    assert rule is not None
    o = rule.option
    if o not in s.options:
        return [(("stop_rule", "option"), f"no option '{o}' in the scenario (options: {', '.join(s.options)})")]
    flex = s.options[o].flexibility
    kind = "abandon" if rule.rule == "yearly_review" else "pilot"
    stated = getattr(flex, kind, None) if flex is not None else None
    if stated is None:
        return [(("stop_rule", "rule"), f"option '{o}' states no {kind} under flexibility: to sign")]
    H = s.horizon_years
    if kind == "abandon":
        t = float(ms.at_month) / 12
        if t != int(t) or not 1 <= t <= H - 1:
            return [(("at_month",), f"a yearly stop review falls at a year end before the horizon's last: at_month "
                                    f"12, 24, ... up to {12 * (H - 1)}, got {ms.at_month:g}")]  # fmt: skip
    elif float(ms.at_month) != float(stated.months):
        return [
            (("at_month",), f"the pilot of '{o}' decides at its end: at_month {stated.months:g}, got {ms.at_month:g}")
        ]
    return []
