"""One-way sensitivity: tornado and spider, and their result types.

:func:`tornado` swings each uncertain input of one option x owner cell between two percentiles
and :func:`spider` moves it through several, the other inputs held at their medians; both run
:func:`_one_way`, one vectorised engine call for all the changed rows. Conventions, and why
risk inputs are not swung, are in :mod:`decision_kit.sensitivity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import engine
from ..errors import ScenarioError
from ..formatting import money
from ..schema import Scenario
from ..simulation import evaluate
from .cells import affects_cell, pick_cell
from .checks import check_fraction, check_member, check_metric, check_scenario
from .output import frozen_array

__all__ = ["Tornado", "Spider", "tornado", "spider"]


def _one_way(scenario, metric, option, owner, levels):
    """Kernel of :func:`tornado` and :func:`spider`: one engine call with ``1 + K L`` rows.

    Row 0 is the base case; row ``1 + j L + l`` sets input ``j`` to its quantile ``levels[l]``.
    Returns the cell, how it was chosen, the swung inputs that can affect the cell, their values
    (K, L), the metric (K, L) and the base metric.
    """
    check_scenario(scenario)
    check_metric(metric)
    lay = engine.layout(scenario)
    if option is not None:
        check_member("option", option, lay.options, scenario.name)
    if owner is not None:
        check_member("owner", owner, lay.owners, scenario.name)
    inputs = engine.uncertain_inputs(scenario)
    paths = [p for p, d in inputs.items() if not d.is_fixed() and not p.startswith("risks.")]
    q = np.asarray(levels, dtype=float)
    L = q.size
    at = np.array([np.asarray(inputs[p].ppf(q), dtype=float).reshape(L) for p in paths]).reshape(len(paths), L)
    rows = 1 + len(paths) * L
    values = {}
    for j, p in enumerate(paths):
        col = np.full(rows, float(inputs[p].median()))
        col[1 + j * L : 1 + (j + 1) * L] = at[j]
        values[p] = col
    out = evaluate(scenario, values)
    option, owner, how = pick_cell(lay, out["npv"][0], option, owner)
    y = out[metric][:, lay.options.index(option), lay.owners.index(owner)]
    keep = [j for j, p in enumerate(paths) if affects_cell(scenario, p, option, owner)]
    return (
        option,
        owner,
        how,
        tuple(paths[j] for j in keep),
        at[keep],
        y[1:].reshape(len(paths), L)[keep],
        float(y[0]),
    )


@dataclass(frozen=True, eq=False)
class Tornado:
    """One-way swings of a cell's metric, largest first: the data a tornado chart needs.

    Attributes
    ----------
    scenario, metric, option, owner : what was analysed; ``cell_choice`` says whether the cell
        was given or chosen as the best by base-case NPV.
    low, high : the percentile levels swung between (fractions; 0.10 is P10).
    base : the metric in the base case (currency).
    inputs : input paths, sorted by swing, largest first.
    low_value, high_value : each input's value at ``low`` and ``high`` (the input's own unit).
    metric_at_low, metric_at_high : the metric with that input at that value, the others at
        their medians (currency).
    """

    scenario: str
    currency: str
    metric: str
    option: str
    owner: str
    cell_choice: str
    low: float
    high: float
    base: float
    inputs: tuple[str, ...]
    low_value: np.ndarray
    high_value: np.ndarray
    metric_at_low: np.ndarray
    metric_at_high: np.ndarray

    @property
    def swing(self) -> np.ndarray:
        """``|metric_at_high - metric_at_low|`` per input (currency)."""
        return np.abs(self.metric_at_high - self.metric_at_low)

    def to_frame(self):
        """Columns ``input, low_value, high_value, metric_at_low, metric_at_high, swing, base``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "input": list(self.inputs),
                "low_value": self.low_value,
                "high_value": self.high_value,
                "metric_at_low": self.metric_at_low,
                "metric_at_high": self.metric_at_high,
                "swing": self.swing,
                "base": self.base,
            }
        )

    def _repr_html_(self):
        head = (
            f"<p>Tornado of {self.metric} for {self.option}/{self.owner} ({self.cell_choice}) in "
            f"'{self.scenario}': P{self.low * 100:g} to P{self.high * 100:g}, base "
            f"{money(self.base, self.currency)}</p>"
        )
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:,.4g}")


def tornado(
    scenario: Scenario,
    metric: str = "npv",
    option: str | None = None,
    owner: str | None = None,
    low: float = 0.10,
    high: float = 0.90,
) -> Tornado:
    """One-way swings of each uncertain input between two percentiles, the others at base.

    Each uncertain input that can affect the cell (its drivers and the option's own inputs) is
    set to its ``low`` and then its ``high`` quantile (the distribution's ``ppf``) with every
    other input at its median; all ``1 + 2K`` rows run in one vectorised engine call.

    Parameters
    ----------
    scenario : a validated scenario.
    metric : ``"npv"``, ``"pv_cost"`` or ``"tco"`` (currency).
    option, owner : the cell. Left out, the best cell (or the best owner of ``option``, or the
        best option under ``owner``) by base-case NPV; :attr:`Tornado.cell_choice` says so.
    low, high : percentile levels as fractions, ``0 < low < high < 1`` (default P10 and P90).

    Returns
    -------
    Tornado
        Sorted by swing, largest first. Risk inputs are not swung: risk events do not occur
        in the base case (see :mod:`decision_kit.sensitivity`). Fixed inputs are left out.
    """
    low, high = check_fraction("low", low), check_fraction("high", high)
    if not low < high:
        raise ScenarioError(f"low ({low}) must be below high ({high})")
    option, owner, how, paths, at, y, base = _one_way(scenario, metric, option, owner, (low, high))
    order = np.argsort(-np.abs(y[:, 1] - y[:, 0]), kind="stable")
    return Tornado(
        scenario.name,
        scenario.currency,
        metric,
        option,
        owner,
        how,
        low,
        high,
        base,
        tuple(paths[i] for i in order),
        frozen_array(at[order, 0]),
        frozen_array(at[order, 1]),
        frozen_array(y[order, 0]),
        frozen_array(y[order, 1]),
    )


@dataclass(frozen=True, eq=False)
class Spider:
    """A cell's metric with one input at a time moved through several percentiles.

    ``values[j, l]`` is input ``inputs[j]`` at level ``levels[l]``; ``metric[j, l]`` is the
    metric there, the other inputs at their medians; ``base`` is the base-case metric.
    Inputs are sorted by the range of their metric, widest first.
    """

    scenario: str
    currency: str
    metric: str
    option: str
    owner: str
    cell_choice: str
    levels: tuple[float, ...]
    base: float
    inputs: tuple[str, ...]
    values: np.ndarray
    metric_values: np.ndarray

    def to_frame(self):
        """Long form: one row per input and level (``input, level, value, metric, base``)."""
        import pandas as pd

        K, L = self.values.shape
        return pd.DataFrame(
            {
                "input": np.repeat(list(self.inputs), L),
                "level": np.tile(self.levels, K),
                "value": self.values.ravel(),
                "metric": self.metric_values.ravel(),
                "base": self.base,
            }
        )


def spider(
    scenario: Scenario,
    metric: str = "npv",
    option: str | None = None,
    owner: str | None = None,
    levels=(0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95),
) -> Spider:
    """The metric of one cell with each uncertain input at several percentiles, others at base.

    Same inputs, cell choice and conventions as :func:`tornado`; ``levels`` are fractions in
    (0, 1), sorted and de-duplicated. One engine call with ``1 + K len(levels)`` rows.
    """
    try:
        lv = sorted({check_fraction("each level", v) for v in levels})
    except TypeError:
        raise ScenarioError(f"levels must be a sequence of fractions in (0, 1), got {levels!r}") from None
    if not lv:
        raise ScenarioError("levels must name at least one percentile level")
    option, owner, how, paths, at, y, base = _one_way(scenario, metric, option, owner, lv)
    order = np.argsort(-(y.max(axis=1) - y.min(axis=1)), kind="stable")
    return Spider(
        scenario.name,
        scenario.currency,
        metric,
        option,
        owner,
        how,
        tuple(lv),
        base,
        tuple(paths[i] for i in order),
        frozen_array(at[order]),
        frozen_array(y[order]),
    )
