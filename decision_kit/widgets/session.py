"""The session's simulations: how many trials, and a result that computes each table once.

What is here: :data:`REFINE_TRIALS` (the "Refine" button) and :data:`INTERACTIVE_BUDGET` with
:func:`default_interactive_trials` (trials per interactive update, by the scenario's size);
:data:`_FREE_FIELDS`, the scenario fields the simulation never reads; and :class:`_SessionResult`,
a :class:`~decision_kit.results.Result` that keeps each table it computes and carries them over
to a scenario that differs only in those fields.
"""

from __future__ import annotations

import dataclasses

from ..results import Result
from ..schema import Scenario

REFINE_TRIALS = 20_000
"""Trials of a refined run (the "Refine" button)."""

INTERACTIVE_BUDGET = 275_000
"""Trials x cells x periods simulated per interactive update. The largest shipped scenario
(analytics_stack: 25 option x owner cells, 11 periods) gets 1,000 trials, which keeps one
update (simulation and redraw) inside the latency bar of DESIGN.md section 7; see
``benchmarks/bench_dashboard.py``."""

_FREE_FIELDS = frozenset({"name", "description", "source", "risk_tolerance", "criteria", "stakeholders"})
"""Scenario fields :func:`~decision_kit.simulation.simulate` never reads: a change to them only
re-reads the current simulation (the risk tolerance enters the summary, weights the stakeholder view)."""


def default_interactive_trials(scenario: Scenario) -> int:
    """Trials per interactive update: :data:`INTERACTIVE_BUDGET` over cells x periods, in
    steps of 500, between 500 and 5,000."""
    cells = len(scenario.options) * len(scenario.owners)
    n = INTERACTIVE_BUDGET // (cells * (scenario.horizon_years + 1)) // 500 * 500
    return int(min(5_000, max(500, n)))


class _SessionResult(Result):
    """A Result that computes each table once: the dashboard reads the summary for its table,
    the recommendation, the stakeholder view and the charts, and the plots read it again."""

    def _memo(self, key, make):
        memo = self.__dict__.setdefault("_dk_memo", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def summary(self, **kwargs):
        return self._memo(("summary", tuple(sorted(kwargs.items()))), lambda: Result.summary(self, **kwargs))

    def cashflows(self, percentiles=(10, 50, 90)):
        return self._memo(("cashflows", tuple(percentiles)), lambda: Result.cashflows(self, percentiles))

    def with_scenario(self, scenario: Scenario) -> "_SessionResult":
        """The same simulation read under ``scenario``, which differs from this one only in
        fields the simulation does not read (:data:`_FREE_FIELDS`); tables that do not depend
        on those fields are carried over."""
        new = dataclasses.replace(self, scenario=scenario)
        memo = self.__dict__.get("_dk_memo", {})
        same_rho = scenario.risk_tolerance == self.scenario.risk_tolerance
        new.__dict__["_dk_memo"] = {k: v for k, v in memo.items() if same_rho or k[0] == "cashflows"}
        return new

    @classmethod
    def of(cls, result: Result) -> "_SessionResult":
        return cls(**{f.name: getattr(result, f.name) for f in dataclasses.fields(result)})
