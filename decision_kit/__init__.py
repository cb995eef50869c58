"""decision_kit: build, buy or extend marketing technology, who owns its budget, and how to split it.

Scenario files state every assumption with its uncertainty and source; the package computes
cost, benefit and risk over time for every option under every ownership model.

>>> import decision_kit as dk
>>> scenario = dk.load_scenario("scenarios/marketing_automation.yaml")  # doctest: +SKIP
>>> result = dk.simulate(scenario, trials=20_000, seed=1)               # doctest: +SKIP
>>> result.summary()                                                    # doctest: +SKIP

``import decision_kit`` is light: the names below are imported on first use, and nothing here
imports matplotlib, ipywidgets or IPython.

Layers, lowest first. A module imports only from layers below its own, never from its own
layer's other entries or from above, lazily inside a function or not (checked from the source
by ``tests/test_layering.py``, with the absence of import cycles):

1. errors, formatting, finance, workspace, timing, processes
2. distributions
3. priors, ownership
4. schema
5. loading, plan, tails, dominance
6. sampling, adoption, plausibility, owner_plans, risk_effects
7. engine, trial_metrics, kept_draws
8. results
9. simulation
10. sensitivity, voi, mcda, allocation, test_functions, staging, review, success, staged_flows
11. owner_tradeoffs, staged_decisions, staged_pilot, staged_defer, review_milestones, whose_numbers
12. review_scenario, success_rules
13. plots, review_tables
14. report, widgets, console, tables
15. batch, success_text
16. cli
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "ScenarioError": "errors",
    "Problem": "errors",
    "Scenario": "schema",
    "Portfolio": "schema",
    "load": "loading",
    "load_scenario": "loading",
    "load_portfolio": "loading",
    "save": "loading",
    "PRIORS": "priors",
    "OWNERS": "priors",
    "simulate": "simulation",
    "base_case": "simulation",
    "Result": "results",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'decision_kit' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
