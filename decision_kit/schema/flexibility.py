"""Flexibility an option keeps after the decision: a yearly review that may stop it.

Written under an option (a variant inherits its parent's)::

    options:
      buy:
        kind: buy
        flexibility:
          abandon:
            exit_cost: {dist: pert, low: 20k, mode: 45k, high: 90k}
            commitment_years: 1
            failure_seen_after_months: {dist: triangular, low: 2, mode: 4, high: 9}
            benefit_noise: 0.3
            benefit_noise_floor: 40k
            source: ...

At each year-end review (years 1, 2, ... of the horizon) the organisation may stop the option.
Stopping at year-end t keeps its flows through year ``t + commitment_years`` (the contract
years still due: licences are paid and the tool keeps running until the contract ends), pays
``exit_cost`` (termination, migrating back to today's tools; currency) in that last year, and
from the next year on the organisation is back at the status quo: the option's difference from
the status quo is zero. What the review may use is stated here and nothing else: whether the
option has gone live, whether a delivery failure has been seen (``failure_seen_after_months``
after go-live; a failure is the benefit-realisation prior's atom at zero), the cost paid in
the year (invoices, known exactly) and the benefit measured in the year, which is the true one
times a lognormal error of ``benefit_noise`` (sigma; attribution and seasonality) plus a
normal error of standard deviation ``benefit_noise_floor`` (currency a year: what a benefit of
zero can look like when measured). The rule itself is fitted on the trials
(:mod:`decision_kit.staged_decisions`), never written by hand.

A pilot comes before the commitment instead::

        flexibility:
          pilot: {months: 4, scale: 0.15, setup_cost: 10k, monthly_cost: {dist: pert, ...}}

The option runs at ``scale`` for ``months`` and its benefit is measured; then it is scaled
(the whole option, ``months`` later than committing now: the same flows over the same life,
discounted that much more) or stopped (the status quo goes on; the pilot's
cost is paid either way). The scale-or-stop rule is a threshold on the measured benefit,
fitted on the trials. ``extend: {months: M}`` lets the pilot run M months more, once, when
its measured benefit falls in a band between two thresholds (both fitted), at its running cost.

Deferral waits instead (``defer: {months: 12, benefit_noise: 0.4, benefit_noise_floor: 50k}``):
nothing is bought during the wait; what is learned is a market signal of the option's yearly
benefit at full delivery (peers' results, analyst benchmarks: the cell's second-year benefit with
the benefit-realisation input at 1, so the organisation's own delivery risk is not learned),
with the errors stated; then the option is committed (``months`` later, the same flows over the
same life) or the status quo goes on, by a threshold on the signal fitted on the trials.
With ``choose_among: [buy, build]`` the wait ends in a choice instead: a market signal of each
listed option, then a commitment to the one whose expected NPV given all the signals is highest,
or to none when none is positive (:mod:`decision_kit.staged_defer`). ``signal_errors: common``
(the default) gives every listed option's signal the same error draws, one measurement of the
market seen through each option's benefit; ``independent`` draws each option's errors apart,
which counts the options' shared market response as several looks (an upper bound).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from ..distributions import Distribution, Num
from ..errors import input_error
from .base import FieldPath, Model, Name, fixed_default


def lowest_not_negative(v: Any, what: str) -> Any:
    """``v`` unchanged, or a located error naming ``what`` where its support reaches below zero
    (a stage's costs and months cannot be negative in any draw)."""
    lo, _ = v.support()
    if lo < 0:
        raise input_error("negative", "{what} cannot be negative (lowest possible value {lo})", what=what, lo=lo)
    return v


class Abandon(Model):
    """A yearly review at which the option may be stopped (see the module docstring).

    ``exit_cost``: currency, paid in the option's last year. ``commitment_years``: contract
    years still due after a decision to stop (0: the option stops at once). ``failure_seen_
    after_months``: months after go-live before a failed delivery is visible. ``benefit_noise``:
    lognormal sigma of the measured yearly benefit; ``benefit_noise_floor``: standard deviation
    of its additive error, currency a year.
    """

    review: str = "yearly"
    exit_cost: Distribution = fixed_default(0.0)
    commitment_years: int = Field(1, ge=0, le=10)
    failure_seen_after_months: Distribution = fixed_default(6.0)
    benefit_noise: Num = Field(0.3, ge=0, le=3)
    benefit_noise_floor: Num = Field(0.0, ge=0)
    source: str | None = None

    @field_validator("review")
    @classmethod
    def _yearly(cls, v: Any) -> Any:
        if v != "yearly":
            raise input_error("review", "the only review cycle is 'yearly' (got {v!r})", v=v)
        return v

    @field_validator("exit_cost", "failure_seen_after_months")
    @classmethod
    def _not_negative(cls, v: Any, info: Any) -> Any:
        return lowest_not_negative(
            v, {"exit_cost": "an exit cost", "failure_seen_after_months": "months"}[info.field_name]
        )


class Pilot(Model):
    """A pilot before the commitment: the option runs on ``scale`` (a share of contacts, seats or
    users) for ``months``, then the organisation scales it or stops (see the module docstring).

    ``setup_cost``: currency, paid at the decision date whatever follows; ``monthly_cost``:
    currency a month at full scale, paid pro rata to ``scale`` over the pilot (a vendor's pilot
    fee, the team's time). ``benefit_noise`` and ``benefit_noise_floor`` are the errors of a
    full-scale measurement over one year (lognormal sigma; standard deviation, currency a year),
    as in :class:`Abandon`; a pilot measures ``scale x months / 12`` of that, so its errors are
    those divided by the square root of that share. ``failure_seen_after_months``: months into
    the pilot after which a failed delivery is visible (nobody uses it); a failure seen within
    the pilot stops it. Without it the pilot sees only the measured benefit. ``extend``: one
    extension when the measured benefit is ambiguous (:class:`Extension`).
    """

    months: Num = Field(..., gt=0, le=24)
    scale: Num = Field(..., gt=0, le=1)
    setup_cost: Distribution = fixed_default(0.0)
    monthly_cost: Distribution = fixed_default(0.0)
    benefit_noise: Num = Field(0.3, ge=0, le=3)
    benefit_noise_floor: Num = Field(0.0, ge=0)
    failure_seen_after_months: Distribution | None = None
    extend: Extension | None = None
    source: str | None = None

    @field_validator("setup_cost", "monthly_cost", "failure_seen_after_months")
    @classmethod
    def _not_negative(cls, v: Any, info: Any) -> Any:
        return lowest_not_negative(v, "months" if info.field_name == "failure_seen_after_months" else "a pilot's cost")


class Extension(Model):
    """One extension of a pilot by ``months`` when its measured benefit is ambiguous (between two
    fitted thresholds): the pilot runs on at its ``scale`` and ``monthly_cost``, plus
    ``extra_cost`` (currency; both counted at the decision date, as the pilot's own cost), and
    measures ``months`` more; then scale or stop, the option starting that much later."""

    months: Num = Field(..., gt=0, le=24)
    extra_cost: Distribution = fixed_default(0.0)
    source: str | None = None

    @field_validator("extra_cost")
    @classmethod
    def _not_negative(cls, v: Any) -> Any:
        return lowest_not_negative(v, "a pilot's cost")


class Defer(Model):
    """Wait ``months`` before committing, and learn a market signal of the option's benefit (see
    the module docstring). ``benefit_noise`` (lognormal sigma) and ``benefit_noise_floor``
    (standard deviation, currency a year) are the signal's errors about the full-delivery benefit
    of the option's second year; ``waiting_cost`` (currency, paid at the decision date whatever
    follows: a study, a holding fee) is the cost of waiting beyond the delay itself.
    ``choose_among``: the options one may commit to after the wait (option names, this one
    among them; each gets its own market signal of the same error sizes); without it, this option
    alone (commit to it or keep the status quo). ``signal_errors``: ``common`` (default), every
    listed option's signal has this option's error draws (the same lognormal factor and floor
    error per trial); ``independent``, each option's errors are drawn apart. Either is the same
    with one option."""

    months: Num = Field(..., gt=0, le=36)
    benefit_noise: Num = Field(0.3, ge=0, le=3)
    benefit_noise_floor: Num = Field(0.0, ge=0)
    waiting_cost: Distribution = fixed_default(0.0)
    choose_among: list[str] | None = None
    signal_errors: Literal["common", "independent"] = "common"
    source: str | None = None

    @field_validator("waiting_cost")
    @classmethod
    def _not_negative(cls, v: Any) -> Any:
        return lowest_not_negative(v, "a waiting cost")


class SwitchVendor(Model):
    """Switch vendor when the vendor is acquired: at the end of the year ``k`` of the event of
    the vendor risk named ``risk`` (a ``price_rise`` risk that touches the option), knowing the
    acquirer's price change, the organisation may move to another vendor for ``cost``
    (currency, paid then: migration and re-implementation). From the next year the option runs
    as if the acquisition had not happened (a roadmap loss the risk states, ``roadmap_loss``, no
    longer cuts the benefit), with these differences:

    - ``double_running_months``: months of the migration year ``k + 1`` (and on, beyond 12)
      during which both vendors are paid: the old vendor's licence of that year as the trial
      drew it (at the acquirer's price) x months / 12, on top of the new vendor's. Default 0.
      ``double_running_lines`` names the licence lines paid twice (default: every licence line
      of the option); leave out what follows usage, such as fees per registrant, which go to
      the new vendor alone once traffic moves.
    - ``new_vendor_price``: the new vendor's price relative to the old vendor's before the
      acquisition (a ratio, drawn per trial): the option's licence lines (category ``license``)
      cost that multiple of what they would have cost without the acquisition, from year
      ``k + 1`` on (the same market price list and escalator draws, scaled). Default exactly 1:
      the new vendor prices as the old one did before. ``new_vendor_escalation`` (a
      distribution, drawn per trial; default none: the old escalators' draws) gives the new
      vendor a fresh price path: from its price in year ``k + 1`` its licence lines escalate at
      that rate each year (lines with a yearly escalator; :func:`~decision_kit.staged_decisions.new_vendor_values`).
    - ``migration_benefit_loss``: the share of the migration year's benefit (year ``k + 1``,
      the new system's) lost while it beds in (the users' re-ramp, campaigns rebuilt, data
      re-synchronised; a dip in the ramp). Default 0.

    The rule sees the acquirer's price change and, with ``roadmap_loss_seen`` (default true:
    the acquirer's plans for the product are known when deciding, as MODEL_DESIGN 4b has it),
    the trial's roadmap loss where the risk states one that varies: then a rule on both, by
    least squares, where it pays more than the threshold on the price change alone on the fit
    trials. It does not see these two: they are what the migration turns
    out to take and what the new vendor charges over the remaining years (a quote before the
    move is not the price path after it), drawn per trial, so the rule is fitted on their
    spread. Both are drawn after ``cost`` from the switch's own stream."""

    risk: str
    cost: Distribution
    double_running_months: Distribution = fixed_default(0.0)
    new_vendor_price: Distribution = fixed_default(1.0)
    double_running_lines: list[Name] | None = None
    new_vendor_escalation: Distribution | None = None
    migration_benefit_loss: Distribution = fixed_default(0.0)
    roadmap_loss_seen: bool = True
    source: str | None = None

    @field_validator("cost", "double_running_months", "new_vendor_price")
    @classmethod
    def _not_negative(cls, v: Any, info: Any) -> Any:
        what = {"cost": "a switching cost", "double_running_months": "months of double running",
                "new_vendor_price": "a new vendor's price"}[info.field_name]  # fmt: skip
        return lowest_not_negative(v, what)

    @field_validator("migration_benefit_loss")
    @classmethod
    def _a_share(cls, v: Any) -> Any:
        lo, hi = v.support()
        if lo < 0 or hi > 1:
            raise input_error("share", "a migration's benefit loss is a share of a year's benefit, between 0 and 1")
        return v

    @field_validator("new_vendor_escalation")
    @classmethod
    def _above_minus_one(cls, v: Any) -> Any:
        if v is not None and v.support()[0] <= -1:
            raise input_error("escalation", "a new vendor's escalation must stay above -100% a year")
        return v


class Flexibility(Model):
    """What an option keeps open after the decision. ``abandon``: a yearly stop review;
    ``pilot``: a pilot before the commitment, then scale or stop; ``switch_vendor``: switch
    vendor after an acquisition; ``defer``: wait and learn, then commit or not."""

    abandon: Abandon | None = None
    pilot: Pilot | None = None
    switch_vendor: SwitchVendor | None = None
    defer: Defer | None = None
    source: str | None = None


def switch_problems(scenario: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Each ``switch_vendor.risk`` that is not a price-rise risk touching its option: (path, message)."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for name, opt in scenario.options.items():
        sw = opt.flexibility.switch_vendor if opt.flexibility is not None else None
        if sw is None:
            continue
        risk = scenario.risks.get(sw.risk)
        at = ("options", name, "flexibility", "switch_vendor", "risk")
        rises = [r for r, x in scenario.risks.items() if x.effect == "price_rise"]
        if risk is None or risk.effect != "price_rise":
            those = ", ".join(rises) or "none"
            out.append((at, f"'{sw.risk}' is not a price-rise risk of this scenario (those: {those})"))
        elif risk.options is not None and name not in risk.options and opt.extends not in risk.options:
            out.append((at, f"risk '{sw.risk}' does not touch option '{name}' (it touches {', '.join(risk.options)})"))
        licences = [line for line, c in opt.costs.items() if c.category == "license"]
        for i, line in enumerate(sw.double_running_lines or ()):
            if line not in licences:
                where = ("options", name, "flexibility", "switch_vendor", "double_running_lines", i)
                out.append((where, f"'{line}' is not a licence line of option '{name}' (those: {', '.join(licences)})"))
    return out


def defer_problems(scenario: Any) -> list[tuple[FieldPath, str]]:
    """Each ``defer.choose_among`` that names no option of the scenario, names one twice, or
    leaves out the option stating it: (path, message)."""
    out: list[tuple[FieldPath, str]] = []
    names = list(scenario.options)
    for name, opt in scenario.options.items():
        de = opt.flexibility.defer if opt.flexibility is not None else None
        if de is None or de.choose_among is None:
            continue
        at: FieldPath = ("options", name, "flexibility", "defer", "choose_among")
        for i, other in enumerate(de.choose_among):
            if other not in names:
                out.append(((*at, i), f"'{other}' is not an option of this scenario (those: {', '.join(names)})"))
            elif other in de.choose_among[:i]:
                out.append(((*at, i), f"'{other}' is listed twice"))
        if name not in de.choose_among:
            out.append((at, f"the options to choose among after the wait must include '{name}', which states it"))
    return out
