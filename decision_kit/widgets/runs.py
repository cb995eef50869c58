"""The dashboard's simulations between updates: what a change of controls leaves valid is reused.

:class:`Runs` simulates successive adjusted scenarios of one dashboard at its interactive
trial count and seed. For a new scenario it reuses, from the last one:

- everything, when the two differ only in fields the simulation never reads (the risk
  tolerance, the stakeholders' weights: :meth:`~decision_kit.results.Result.simulates_alike`):
  the current result is read under the new scenario, its tables carried over;
- the compiled plan and the draws, when they differ only in the discount rate (and such
  fields): the plan at the new rate (:meth:`~decision_kit.plan.Plan.at_rate`) keeps its draws
  (:func:`~decision_kit.kept_draws.keep_draws`), so only the engine and the metrics run again;
- nothing otherwise: the new scenario is compiled, drawn and simulated, and its plan keeps its
  draws for the next change.

:class:`LastViews` keeps what the dashboard writes from a result whatever the owner shown (the
recommendation, the stakeholders' view): a change of the owner shown writes them again from
the same result without computing them (about 11 ms of such a change).

Every result is the one a fresh ``simulate(scenario, trials, seed)`` gives, bit for bit
(``tests/test_widgets.py`` checks it). The first run checks the memory estimate as
:func:`~decision_kit.simulation.simulate` always does; the later ones skip it (it projects the
plan once more at its inputs' medians), since the interactive trial count is bounded by
:data:`~decision_kit.widgets.session.INTERACTIVE_BUDGET` and the controls change the sizes by
at most the horizon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..kept_draws import KEPT_DRAWS, keep_draws
from ..plan import Plan, compile_plan
from ..results import UNSIMULATED_FIELDS, Result
from ..schema import Scenario
from ..simulation import simulate


class Runs:
    """Simulations of one dashboard's adjusted scenarios at ``trials`` trials and ``seed``.

    Attributes
    ----------
    plan : the compiled plan of the last scenario simulated here (it keeps its draws).
    last : how the last result was obtained: ``"first"``, ``"reused"`` (nothing simulated),
        ``"rate"`` (plan and draws reused) or ``"new"``.
    """

    def __init__(self, trials: int, seed: int):
        self.trials, self.seed = trials, seed
        self.plan: Plan | None = None
        self.last = ""
        self._dumps: list[tuple[Scenario, dict]] = []

    def first(self, scenario: Scenario) -> Result:
        """The simulation of the scenario as written (memory checked as usual)."""
        self.plan = keep_draws(compile_plan(scenario))
        self.last = "first"
        return simulate(self.plan, self.trials, self.seed)

    def run(self, scenario: Scenario, current: Result) -> tuple[Result, bool]:
        """``(result, simulated)``: the simulation of ``scenario``, reusing ``current`` (the
        result on show, at any trial count) or this object's plan and draws where they are
        still valid; ``simulated`` is False when ``current`` was read under ``scenario``."""
        if self._dump(scenario) == self._dump(current.scenario):  # current.simulates_alike(scenario)
            self.last = "reused"
            if self.plan is not None and self._rate_only(scenario):  # the plan analyses of it compile
                self.plan = self.plan.at_rate(scenario)
            return current.with_scenario(scenario), False
        if self.plan is not None and self._rate_only(scenario):
            self.plan = self.plan.at_rate(scenario)
            self.last = "rate"
        else:
            if self.plan is not None:  # the old draws go (plans are kept by compile_plan for a while)
                self.plan.cache.pop(KEPT_DRAWS, None)
            self.plan = keep_draws(compile_plan(scenario))
            self.last = "new"
        return simulate(self.plan, self.trials, self.seed, max_memory=None), True

    def _rate_only(self, scenario: Scenario) -> bool:
        assert self.plan is not None
        new, old = self._dump(scenario), self._dump(self.plan.scenario)
        return all(new[k] == old[k] for k in new if k != "discount_rate")  # the same keys: a scenario's fields

    def _dump(self, scenario: Scenario) -> dict:
        """``scenario.model_dump()`` without :data:`~decision_kit.results.UNSIMULATED_FIELDS`, kept
        for the last two scenarios asked about (each update compares the new one with the last)."""
        for kept, dumped in self._dumps:
            if kept is scenario:
                return dumped
        dumped = scenario.model_dump(exclude=set(UNSIMULATED_FIELDS))
        self._dumps = [(scenario, dumped), *self._dumps[:1]]
        return dumped


class LastViews:
    """``of(result)``: ``make(result)``, made again only when ``result`` is another object than
    the last one asked about (a result is never changed once made)."""

    def __init__(self, make: Callable[[Result], Any]):
        self._make = make
        self._result: Result | None = None
        self._views: Any = None

    def of(self, result: Result) -> Any:
        if result is not self._result:
            self._views, self._result = self._make(result), result
        return self._views
