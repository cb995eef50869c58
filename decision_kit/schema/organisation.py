"""The organisation profile and the ownership mechanisms' coefficients (``organisation:`` and
``mechanisms:`` in a scenario; the relationships are in :mod:`decision_kit.ownership`).

A scenario that states ``organisation:`` has its owners computed by mechanism from the
profile; one without keeps round one's constant shifts (``owners:``, the legacy override).
``organisation: {profile: NAME}`` starts from a shipped profile of ``data/ownership.yaml``
(``regulated_enterprise``, ``mid_size_b2b``, ``digital_native``); fields stated beside it
replace the profile's. ``mechanisms:`` may be left out: the shipped coefficients are used,
each with its grade and source; fields stated replace them one by one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from ..distributions import Distribution, Num, shipped_yaml
from ..errors import input_error
from ..ownership import Fixed
from .base import Model, Name
from .options import not_negative

OWNERSHIP_FILE = "data/ownership.yaml"


def ownership_file() -> dict[str, Any]:
    """The shipped profiles, coefficients and reference delivery as plain data (read once)."""
    return shipped_yaml(OWNERSHIP_FILE)


def profile_names() -> tuple[str, ...]:
    """The shipped organisation profiles' names."""
    return tuple(ownership_file()["profiles"])


def _share(v: Any, what: str) -> Any:
    lo, hi = v.support()
    if lo < 0 or hi >= 1:
        raise input_error("share", "{what} must lie in [0, 1) (this one ranges {lo} to {hi})", what=what, lo=lo, hi=hi)
    return v


def _profile_or_all(schema: dict[str, Any]) -> None:
    """JSON Schema: a shipped profile's name, or every field stated (what validation checks)."""
    fields = schema.pop("required", [])
    schema["anyOf"] = [{"required": ["profile"]}, {"required": fields}]


class Organisation(Model):
    """How this organisation delivers and changes marketing technology (each field may be a
    distribution where it is estimated).

    Attributes
    ----------
    it_lead_time_weeks : central IT's lead time for changes (DORA's metric), weeks.
    it_change_failure_rate : share of IT's changes that fail in production (DORA).
    it_queue_months : wait for IT capacity before a project starts, months.
    approval_days : time to approve a change funded from a shared pot, days.
    marketing_lead_time_weeks : marketing operations' own time to ship a change, weeks.
    marketing_change_failure_rate : share of marketing's own changes that fail.
    marketing_it_dependency : share of marketing's changes that need IT (integrations, data,
        security review) and so wait for IT's lead time.
    marketing_maturity : 1-5 (martech operations team, admin certifications, testing); an
        assessment, so it may be a distribution within 1-5.
    change_rate_per_month : changes in marketing's needs a month that need technical work.
    data_sensitivity : low, medium or high (PII, regulated data, cross-border transfers).
    stack_size : tools the new system must integrate with (a count, or a distribution where
        what counts as an integration is not settled).
    hire_lag_months : months to recruit embedded specialists.
    specialist_cost : loaded cost of one specialist a year (currency).
    agency_lead_time_weeks, agency_change_failure_rate : an outside agency's time to ship a
        change (weeks) and share of its changes that fail, on the work it does without IT.
    agency_onboarding_months : months to contract an agency and give it access (vendor
        assessment included) before its work starts.
    agency_fee : the agency's retainer a year (currency).

    The four agency fields may be left out: ``data/ownership.yaml``'s ``agency`` figures are
    used (judgement; a shipped profile states its own).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, json_schema_extra=_profile_or_all)

    profile: str | None = None
    description: str | None = None
    it_lead_time_weeks: Distribution
    it_change_failure_rate: Distribution
    it_queue_months: Distribution
    approval_days: Distribution
    marketing_lead_time_weeks: Distribution
    marketing_change_failure_rate: Distribution
    marketing_it_dependency: Distribution
    marketing_maturity: Distribution
    change_rate_per_month: Distribution
    data_sensitivity: Literal["low", "medium", "high"]
    stack_size: Distribution
    hire_lag_months: Distribution
    specialist_cost: Distribution
    agency_lead_time_weeks: Distribution
    agency_change_failure_rate: Distribution
    agency_onboarding_months: Distribution
    agency_fee: Distribution
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _profile(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        agency = {k: v for k, v in ownership_file()["agency"].items() if k != "source"}
        if data.get("profile") is None:
            return {**agency, **data}
        name = data["profile"]
        profiles = ownership_file()["profiles"]
        if name not in profiles:
            raise input_error(
                "profile",
                "no shipped organisation profile is called {name!r}; the profiles are {names}",
                name=name,
                names=", ".join(profiles),
            )
        return {**agency, **profiles[name], **data}

    @model_validator(mode="after")
    def _ranges(self):
        for f in ("it_change_failure_rate", "marketing_change_failure_rate", "agency_change_failure_rate"):
            _share(getattr(self, f), f.replace("_", " "))
        lo, hi = self.marketing_it_dependency.support()
        if lo < 0 or hi > 1:
            raise input_error("share", "marketing it dependency is a share between 0 and 1")
        for f in ("it_lead_time_weeks", "it_queue_months", "approval_days", "marketing_lead_time_weeks",
                  "change_rate_per_month", "hire_lag_months", "specialist_cost", "agency_lead_time_weeks",
                  "agency_onboarding_months", "agency_fee"):  # fmt: skip
            not_negative(getattr(self, f), f.replace("_", " "))
        for f, lo_ok, hi_ok in (("marketing_maturity", 1, 5), ("stack_size", 0, 10_000)):
            lo, hi = getattr(self, f).support()
            if lo < lo_ok or hi > hi_ok:
                raise input_error(
                    "range", "{what} must lie between {a} and {b}", what=f.replace("_", " "), a=lo_ok, b=hi_ok
                )
        return self


def _default_mechanisms() -> dict[str, Any]:
    data = ownership_file()
    out: dict[str, Any] = {name: entry["dist"] for name, entry in data["mechanisms"].items()}
    out.update({k: v for k, v in data["fixed"].items() if k != "source"})
    out["shadow_discovery_draw"] = {"dist": "uniform", "low": 0.0, "high": 1.0}
    return out


class Mechanisms(Model):
    """The mechanisms' coefficients (shipped defaults in ``data/ownership.yaml``, each with a
    grade and source; :mod:`decision_kit.ownership` states what each does).

    ``embedded_replaces``: cost lines that already pay the embedded specialists (an option's
    ``extension_engineering``, say): an option with one of them adds no specialist cost under
    embedded delivery, so nothing is counted twice.
    """

    speed_elasticity: Distribution
    embedded_speed_ratio: Distribution
    embedded_handoff_weeks: Distribution
    embedded_fte: Distribution
    embedded_new_hires: bool = True
    embedded_replaces: list[Name] = Field(default_factory=list)
    funding_delay_months: Distribution
    correction_share: Distribution
    drift_per_change: Distribution
    co_ownership_uplift: Distribution
    steering_rate: Distribution
    shadow_discovery_hazard: Distribution
    shadow_absorb_ratio: Distribution
    shadow_duplicate_share: Distribution
    shadow_discovery_draw: Distribution  # when IT finds a shadow tool: the uniform of its waiting time
    steering_meetings_per_month: Num = Field(ge=0)
    steering_attendees: Num = Field(ge=0)
    steering_hours: Num = Field(ge=0)
    rework_marketing_ops: Distribution
    rework_shadow: Distribution
    rework_agency: Distribution
    security_marketing_ops: Distribution
    security_shadow: Distribution
    security_agency: Distribution
    shadow_severity: Distribution
    shadow_regulatory_uplift: Distribution
    shared_pot_marketing_share: Num = Field(ge=0, le=1)
    holder_approval_share: Num = Field(ge=0, le=10)
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            return data
        return {**_default_mechanisms(), **data}

    @model_validator(mode="after")
    def _ranges(self):
        for f in ("speed_elasticity", "embedded_handoff_weeks", "embedded_fte", "funding_delay_months",
                  "drift_per_change", "steering_rate", "embedded_speed_ratio", "co_ownership_uplift",
                  "rework_marketing_ops", "rework_shadow", "rework_agency", "security_marketing_ops",
                  "security_shadow", "security_agency", "shadow_severity", "shadow_regulatory_uplift"):  # fmt: skip
            not_negative(getattr(self, f), f.replace("_", " "))
        for f in ("correction_share", "shadow_discovery_hazard", "shadow_absorb_ratio", "shadow_duplicate_share",
                  "shadow_discovery_draw"):  # fmt: skip
            lo, hi = getattr(self, f).support()
            if lo < 0 or hi > 1:
                raise input_error("share", "{what} must lie between 0 and 1", what=f.replace("_", " "))
        return self


def with_mechanisms(data: Any) -> Any:
    """A document's raw data with ``mechanisms: {}`` (the shipped coefficients) where it states
    an organisation profile and no ``mechanisms`` block (a scenario's or a portfolio's)."""
    if isinstance(data, dict) and data.get("organisation") is not None and data.get("mechanisms") is None:
        return {**data, "mechanisms": {}}
    return data


def fixed_numbers(org: Organisation, mech: Mechanisms) -> Fixed:
    """The fixed numbers :func:`decision_kit.ownership.owner_arrays` reads (the per-trial
    inputs are read from the draws)."""
    ref = ownership_file()["reference"]
    return Fixed(
        steering_meetings_per_month=float(mech.steering_meetings_per_month),
        steering_attendees=float(mech.steering_attendees),
        steering_hours=float(mech.steering_hours),
        shared_pot_marketing_share=float(mech.shared_pot_marketing_share),
        holder_approval_share=float(mech.holder_approval_share),
        embedded_new_hires=bool(mech.embedded_new_hires),
        reference_cycle_weeks=float(ref["cycle_weeks"]),
        reference_change_failure_rate=float(ref["change_failure_rate"]),
        reference_change_rate_per_month=float(ref["change_rate_per_month"]),
        data_sensitivity=org.data_sensitivity,
    )
