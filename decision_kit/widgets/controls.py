"""The dashboard's controls: what each one records, and how it writes its scenario input.

What is here:

- :class:`Control`: one control's widget, its words for the decision record, its default, the
  field path of the scenario input it writes and how it writes it into dumped scenario data
  (with :func:`set_path` and :func:`get_path` on a field path);
- :func:`scaled` and :func:`shifted`: a dumped distribution times a scale factor (the level,
  launch-delay and cost controls) or plus a shift (the growth controls), on the parameters
  listed in :data:`_SCALE_KEYS` and :data:`_SHIFT_KEYS`, with a source note;
  :func:`can_shift` says whether a distribution can be shifted;
- :func:`key_cost_line`: the cost line an option's cost control scales;
- :func:`slider`: the slider every numeric control is built from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from traitlets import validate

from ..errors import ScenarioError
from ..schema import Scenario

_SCALE_KEYS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "p90", "mean", "sd"),
    "discrete": ("values",),
    "quantiles": ("p10", "p50", "p90"),
    "pareto": ("xm", "cap"),
}
_SHIFT_KEYS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "normal": ("mean",),
    "discrete": ("values",),
    "quantiles": ("p10", "p50", "p90"),
}


# --- scenario edits on dumped data ---------------------------------------------------------


def tidy(x: float) -> float | int:
    """12 significant digits, written as an int when whole: 700 x 1.1 is 770, not 770.0000000000001."""
    x = float(f"{float(x):.12g}")
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _resolve(d: Any) -> Any:
    """A dumped distribution with a shipped prior replaced by its numbers (to scale or shift it)."""
    if isinstance(d, dict) and d.get("dist") == "prior":
        from ..priors import PRIORS

        out = PRIORS.distributions[d["name"]].dist.model_dump()
        if isinstance(out, dict):
            out["source"] = f"prior {d['name']}"
        return out
    return d


def _annotate(d: Any, note: str) -> dict:
    if not isinstance(d, dict):
        d = {"dist": "fixed", "value": d}
    d["source"] = f"{d['source']}; {note}" if d.get("source") else note
    return d


def _transform(d: Any, keys: dict, f: Callable[[float], float]) -> Any:
    d = _resolve(d)
    if not isinstance(d, dict):
        return tidy(f(d))
    out = dict(d)
    if d["dist"] == "mixture":
        out["components"] = [{"weight": c["weight"], "dist": _transform(c["dist"], keys, f)} for c in d["components"]]
        return out
    if d["dist"] == "shared" and keys is _SCALE_KEYS:  # this use of the shared quantity, scaled
        out["scale"] = tidy(f(float(d.get("scale", 1))))
        return out
    if d["dist"] not in keys:
        raise ScenarioError(f"a {d['dist']} distribution cannot be shifted; edit the scenario file instead")
    for k in keys[d["dist"]]:
        v = out.get(k)
        if isinstance(v, list):
            out[k] = [tidy(f(x)) for x in v]
        elif v is not None:
            out[k] = tidy(f(v))
    return out


def scaled(d: Any, k: float) -> dict:
    """A dumped distribution multiplied by ``k`` > 0 (every quantile scales by ``k``), with a source note."""
    return _annotate(_transform(d, _SCALE_KEYS, lambda x: x * k), f"what-if: x{k:g} in the dashboard")


def shifted(d: Any, delta: float) -> dict:
    """A dumped distribution plus ``delta`` (every quantile moves by ``delta``), with a source note."""
    return _annotate(
        _transform(d, _SHIFT_KEYS, lambda x: x + delta), f"what-if: {delta * 100:+g} percentage points in the dashboard"
    )


def can_shift(dist) -> bool:
    try:
        _transform(dist.model_dump(), _SHIFT_KEYS, lambda x: x)
    except ScenarioError:
        return False
    return True


def key_cost_line(scenario: Scenario, option: str) -> str | None:
    """The option's largest recurring cost line by its median first-year amount (recurring and
    per-unit lines; a per-unit line at the driver's median start level), or None. A line a
    variant inherits is its parent's (the parent's control moves it, in both), so a variant's
    key line is among its own."""
    best, best_amount = None, 0.0
    opt = scenario.options[option]
    for name, line in opt.costs.items():
        if opt.is_inherited(("costs", name)):
            continue
        if line.timing == "recurring":
            amount = line.amount.median()
        elif line.timing == "per_unit":
            amount = line.amount.median() * scenario.drivers[line.driver].start.median()
        else:
            continue
        if amount > best_amount:
            best, best_amount = name, amount
    return best


def set_path(data: dict, path: tuple, value) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def get_path(data: dict, path: tuple):
    for step in path:
        data = data[step]
    return data


# --- the controls --------------------------------------------------------------------------


@dataclass
class Control:
    """One control: its widget, its words for the record, and the scenario input it writes.

    ``path`` is the field path of the model input in the scenario (None for a view control);
    ``write(data, value)`` puts the control's value into dumped scenario data.
    """

    key: str
    widget: widgets.ValueWidget
    label: str
    default: Any
    path: tuple | None = None
    write: Callable[[dict, Any], None] | None = None


class _Bounded:
    """A slider that says when a typed value falls outside its range: it still clamps it, and
    calls ``on_refused(typed, kept)`` first (the dashboard shows a message)."""

    on_refused: Callable[[Any, Any], None] | None = None

    @validate("value")
    def _validate_value(self, proposal):
        typed = proposal["value"]
        kept = min(max(typed, self.min), self.max)  # type: ignore[attr-defined]
        if kept != typed and self.on_refused is not None:
            self.on_refused(typed, kept)
        return kept


class FloatSlider(_Bounded, widgets.FloatSlider):
    """A :class:`ipywidgets.FloatSlider` that reports out-of-range values (:class:`_Bounded`)."""


class IntSlider(_Bounded, widgets.IntSlider):
    """A :class:`ipywidgets.IntSlider` that reports out-of-range values (:class:`_Bounded`)."""


def slider(description, value, lo, hi, step, fmt=".2f", cls=None, tooltip=None):
    cls = FloatSlider if cls in (None, widgets.FloatSlider) else IntSlider if cls is widgets.IntSlider else cls
    return cls(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        readout_format=fmt,
        continuous_update=False,
        tooltip=tooltip,
        style={"description_width": "55%"},
        layout=widgets.Layout(width="98%"),
    )
