"""How many trials the session's simulations run, and where the session writes.

What is here: :data:`REFINE_TRIALS` (the "Refine" button) and :data:`INTERACTIVE_BUDGET` with
:func:`default_interactive_trials` (trials per interactive update, by the scenario's size);
:data:`DEFAULT_SAVE_DIR`, the working folder of what-ifs and decision records.
Each table of a simulation is computed once by the :class:`~decision_kit.results.Result`
itself, and :meth:`~decision_kit.results.Result.with_scenario` carries them over to a
scenario that differs only in fields the simulation never reads.
"""

from __future__ import annotations

from ..schema import Scenario

DEFAULT_SAVE_DIR = "out"
"""The working folder (under the working directory) that what-ifs and decision records go to,
unless a dashboard is given another; never ``scenarios/``, which holds the shipped files."""

REFINE_TRIALS = 20_000
"""Trials of a refined run (the "Refine" button)."""

INTERACTIVE_BUDGET = 275_000
"""Trials x cells x periods simulated per interactive update. The largest shipped scenario
(analytics_stack: 25 option x owner cells, 11 periods) gets 1,000 trials, which keeps one
update (simulation and redraw) inside the latency bar of DESIGN.md section 7; see
``benchmarks/bench_dashboard.py``."""


def default_interactive_trials(scenario: Scenario) -> int:
    """Trials per interactive update: :data:`INTERACTIVE_BUDGET` over cells x periods, in
    steps of 500, between 500 and 5,000."""
    cells = len(scenario.options) * len(scenario.owners)
    n = INTERACTIVE_BUDGET // (cells * (scenario.horizon_years + 1)) // 500 * 500
    return int(min(5_000, max(500, n)))
