"""The dashboard's organisation controls: the profile that decides who should own the budget.

Shown only for a scenario that states ``organisation:`` (its owners are computed by mechanism,
:mod:`decision_kit.ownership`). :func:`add_organisation_controls` adds to the section
:data:`ORGANISATION_SECTION`:

- ``profile``: a dropdown of the shipped profiles (:func:`decision_kit.schema.profile_names`).
  Choosing one replaces the scenario's whole ``organisation:`` block with ``{profile: NAME}``:
  fields the scenario stated beside its own profile go with it, and validation fills in the
  chosen profile's figures. Back at its default, the block is the scenario's as written.
- ``organisation.<field>`` and ``mechanisms.embedded_fte``: scale factors on the inputs of
  :data:`SCALED` (1.00 is as written; every parameter of the distribution is multiplied, so
  its median scales by the factor, :func:`~decision_kit.widgets.controls.scaled`). They apply
  after the dropdown, so they scale the chosen profile's figures. A factor that takes a share
  past its bounds (``marketing_it_dependency`` above 1) is refused by validation with a
  message, like any invalid value.
- a one-line note naming the profile and where its figures come from, updated with the
  dropdown (returned, for the dashboard to show under the sliders).

Every control goes through the dashboard's ``add``, so it is recorded and reset like the others.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from ..schema import Organisation, Scenario, profile_names
from ..schema.organisation import ownership_file
from .controls import _SCALE_KEYS, _transform, scaled, set_path, slider
from .markup import escape, words

ORGANISATION_SECTION = "Organisation (who owns the budget)"

SCALED: dict[tuple[str, str], str] = {
    ("organisation", "it_lead_time_weeks"): "IT lead time (weeks)",
    ("organisation", "it_queue_months"): "IT queue (months)",
    ("organisation", "approval_days"): "Joint approval (days)",
    ("organisation", "marketing_lead_time_weeks"): "Marketing lead time (weeks)",
    ("organisation", "marketing_it_dependency"): "Marketing changes needing IT",
    ("organisation", "change_rate_per_month"): "Needs changing (a month)",
    ("mechanisms", "embedded_fte"): "Embedded specialists (FTE)",
}
"""The scaled inputs (field paths in the scenario) and their slider labels."""

_NOT_FIGURES = {"profile", "description", "source"}
SHARES = {"marketing_it_dependency"}
"""Fields that are shares (at most 1): their slider stops at the factor that takes the share's
largest parameter to 1, so that no position of it is refused."""


def _share_max(org: Organisation, field: str, profile: str) -> float:
    """The largest scale factor (at most 3, in steps of 0.05) for ``field`` under ``profile``
    ('' or the scenario's own: the figures as written)."""
    if field not in SHARES:
        return 3.0
    dist = getattr(org if profile in ("", org.profile) else Organisation.model_validate({"profile": profile}), field)
    dumped = _transform(dist.model_dump(), _SCALE_KEYS, lambda x: x)
    top = max([float(v) for k in _SCALE_KEYS.get(dumped.get("dist"), ()) for v in np.ravel(dumped.get(k, []))
               if v is not None] or [1.0])  # fmt: skip
    return min(3.0, math.floor(1 / top * 20 + 1e-9) / 20) if top > 0 else 3.0


def add_organisation_controls(scenario: Scenario, add: Callable[..., None]) -> list[widgets.Widget]:
    """Add the organisation section's controls through the dashboard's
    ``add(section, key, widget, label, path, write)`` and return the widgets to show under
    them (the note); nothing for a scenario without an organisation."""
    org = scenario.organisation
    if org is None:
        return []
    names = list(profile_names())
    options = [(words(n), n) for n in names]
    if org.profile is None:
        options.insert(0, ("as written (no shipped profile)", ""))
    dropdown = widgets.Dropdown(options=options, value=org.profile or "", description="Organisation profile",
                                style={"description_width": "55%"}, layout=widgets.Layout(width="98%"))  # fmt: skip
    add(ORGANISATION_SECTION, "profile", dropdown, "organisation profile", ("organisation",),
        lambda d, v: set_path(d, ("organisation",), {"profile": v}))  # fmt: skip
    share = None
    for path, label in SCALED.items():
        w = slider(label, 1.0, 0.25, _share_max(org, path[1], org.profile or ""), 0.05)
        share = w if path[1] in SHARES else share
        add(ORGANISATION_SECTION, ".".join(path), w, f"{label} (x)", path,
            lambda d, v, p=path: _write_scaled(d, p, v))  # fmt: skip
    note = widgets.HTML(_note(org, dropdown.value))
    note.add_class("dk-organisation-note")
    dropdown.observe(lambda change: setattr(note, "value", _note(org, change["new"])), "value")
    if share is not None:  # a share's factor is bounded so that the share stays at most 1
        dropdown.observe(lambda change: setattr(share, "max", _share_max(org, "marketing_it_dependency",
                                                                         change["new"])), "value")  # fmt: skip
    return [note]


def _write_scaled(data: dict, path: tuple[str, str], k: float) -> None:
    """Scale the input at ``path`` in dumped scenario data by ``k``. After the dropdown has
    written ``{profile: NAME}``, the field is the chosen profile's (validation would fill it in)."""
    block, field = data[path[0]], path[1]
    if field not in block:
        block[field] = copy.deepcopy(ownership_file()["profiles"][block["profile"]][field])
    block[field] = scaled(block[field], k)


def _overrides(org: Organisation) -> list[str]:
    """The figures the scenario states instead of its profile's."""
    if org.profile is None:
        return []
    shipped = Organisation.model_validate({"profile": org.profile})
    return [f for f in Organisation.model_fields if f not in _NOT_FIGURES and getattr(org, f) != getattr(shipped, f)]


def _note(org: Organisation, chosen: str) -> str:
    """The note under the sliders for the profile ``chosen`` in the dropdown ('' for as written
    without a shipped profile)."""
    if not chosen:
        return "<i>Figures as the scenario states them (no shipped profile).</i>"
    text = (f"Profile <b>{escape(words(chosen))}</b>: its figures, DORA 2024 clusters for IT and judgement "
            "for the rest.")  # fmt: skip
    stated = _overrides(org) if chosen == org.profile else []
    if stated:
        text += " The scenario states its own " + escape(", ".join(words(f) for f in stated)) + "."
    return f"<i>{text}</i>"
