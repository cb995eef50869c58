"""The per-trial arrays a review works on, and what a forward model returns.

Conventions. Money is in the scenario's currency, as NPV (present value at the decision date,
nominal, benefits minus costs). Each trial's NPV is split at the review date (``as_of``):

- ``npv_to_date`` (trials,): the present value of the flows up to ``as_of`` of the cell under
  review. They are sunk: they are reported, never used to choose;
- ``npv_to_go`` (trials, cells): the present value of the flows after ``as_of``, for each
  action still open (continue, stop, switch, ...); the recommendation is the cell with the
  highest expected NPV to go.

The total NPV of a trial is ``npv_to_date + npv_to_go[:, c]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import ScenarioError

__all__ = ["ModelOutputs", "Model", "Trials"]


class ModelOutputs(NamedTuple):
    """What a forward model returns for inputs (trials, inputs): ``kpis`` (trials, KPIs),
    ``npv_to_date`` (trials,) and ``npv_to_go`` (trials, cells), as in :class:`Trials`."""

    kpis: np.ndarray
    npv_to_date: np.ndarray
    npv_to_go: np.ndarray


Model = Callable[[np.ndarray], ModelOutputs]
"""A vectorised forward model: inputs (trials, inputs) to :class:`ModelOutputs` (a plain
tuple of the three arrays works too)."""


def _names(names, size: int, what: str) -> tuple[str, ...]:
    names = tuple(str(n) for n in names)
    if len(names) != size:
        raise ScenarioError(f"{size} {what} columns but {len(names)} {what} names")
    if len(set(names)) != len(names):
        raise ScenarioError(f"{what} names must be unique, got {names}")
    return names


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Trials:
    """Prior (or posterior) trials of the cell under review: sampled inputs and what the
    forward model made of them. Arrays are copied and read-only.

    Attributes
    ----------
    inputs : (trials, inputs) sampled input values, named by ``input_names``.
    kpis : (trials, KPIs) the KPIs that observations may measure, named by ``kpi_names``.
    npv_to_date : (trials,) NPV of the flows up to the review date (sunk), in ``currency``.
    npv_to_go : (trials, cells) NPV of the flows after it, per action ``cell_names``.
    """

    inputs: np.ndarray
    kpis: np.ndarray
    npv_to_date: np.ndarray
    npv_to_go: np.ndarray
    input_names: tuple[str, ...]
    kpi_names: tuple[str, ...]
    cell_names: tuple[str, ...]
    currency: str

    def __post_init__(self):
        arrays = {k: _read_only(getattr(self, k)) for k in ("inputs", "kpis", "npv_to_date", "npv_to_go")}
        n = arrays["inputs"].shape[0] if arrays["inputs"].ndim == 2 else -1
        shapes = {"inputs": 2, "kpis": 2, "npv_to_date": 1, "npv_to_go": 2}
        for k, a in arrays.items():
            if a.ndim != shapes[k] or a.shape[0] != n or n < 1:
                raise ScenarioError(f"trials.{k}: expected {shapes[k]} dimensions with the trials first, got {a.shape}")
            object.__setattr__(self, k, a)
        object.__setattr__(self, "input_names", _names(self.input_names, arrays["inputs"].shape[1], "input"))
        object.__setattr__(self, "kpi_names", _names(self.kpi_names, arrays["kpis"].shape[1], "KPI"))
        object.__setattr__(self, "cell_names", _names(self.cell_names, arrays["npv_to_go"].shape[1], "cell"))

    @property
    def size(self) -> int:
        """Number of trials."""
        return self.inputs.shape[0]

    @classmethod
    def from_model(cls, inputs: np.ndarray, model: Model, *, input_names, kpi_names, cell_names, currency: str):
        """Trials of ``inputs`` evaluated by ``model``."""
        out = ModelOutputs(*model(np.asarray(inputs, dtype=float)))
        return cls(inputs, out.kpis, out.npv_to_date, out.npv_to_go, input_names, kpi_names, cell_names, currency)

    def replace_arrays(self, inputs, outputs: ModelOutputs) -> Trials:
        """The same names and currency with other arrays (the posterior particles)."""
        return Trials(
            inputs,
            outputs.kpis,
            outputs.npv_to_date,
            outputs.npv_to_go,
            self.input_names,
            self.kpi_names,
            self.cell_names,
            self.currency,
        )

    def kpi_columns(self, names) -> np.ndarray:
        """The KPI columns named ``names``, (trials, len(names)); an unknown name is a
        :class:`ScenarioError` naming the known ones."""
        index = {k: i for i, k in enumerate(self.kpi_names)}
        unknown = [n for n in names if n not in index]
        if unknown:
            raise ScenarioError(f"observed KPI(s) {unknown} not among the trials' KPIs {list(self.kpi_names)}")
        return self.kpis[:, [index[n] for n in names]]
