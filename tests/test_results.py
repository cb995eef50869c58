"""Result: typed metrics, tables computed once and handed out as copies, the best cell, a
result read under another scenario, and the recommendation's wording on hand-made metrics.

The hand-made result has four trials. The first cell's NPV is 1, 2, 3, 4 million (mean 2.5M;
numpy's linear percentiles: P10 at position 0.3 -> 1.3M, P90 at position 2.7 -> 3.7M), the
second cell's 0, 1, 0, 1 million (mean 0.5M) and every other cell's -1 million: the first cell
is best in every trial, 2.0M ahead of the second. PV of cost is 1.0M for the first cell and
1.5M for the second, so the second costs 0.5M more but brings (2.5 + 1.0) - (0.5 + 1.5) = 1.5M
less benefit: the benefit is the main reason. The lead's per-trial differences are 1, 1, 3, 3
million: sample sd sqrt(4/3) = 1.1547M, standard error 1.1547M / sqrt(4) = 577.35k, so the 2.0M
lead is more than two standard errors and the recommendation is made."""

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import decision_kit as dk
from decision_kit.results import METRIC_NAMES, Metrics, Result

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "webinar_platform.yaml"


@pytest.fixture(scope="module")
def simulated():
    return dk.simulate(dk.load_scenario(SCENARIO), trials=300, seed=2)


def hand_made(base: Result, **fields) -> Result:
    O, W = len(base.layout.options), len(base.layout.owners)
    npv = np.full((4, O, W), -1e6)
    npv[:, 0, 0] = [1e6, 2e6, 3e6, 4e6]
    npv[:, 1, 0] = [0, 1e6, 0, 1e6]
    pv_cost = np.full((4, O, W), 2e6)
    pv_cost[:, 0, 0], pv_cost[:, 1, 0] = 1e6, 1.5e6
    zeros = np.zeros((4, O, W))
    metrics = {
        "npv": npv,
        "pv_cost": pv_cost,
        "tco": pv_cost,
        "payback": np.full((4, O, W), np.nan),
        "launch_months": zeros,
        "security_events": zeros,
    }
    fields.setdefault("status_quo", None)  # hand-made cells, no status quo of their own
    return dataclasses.replace(base, trials=4, metrics=metrics, **fields)


def test_metrics_are_typed_and_read_as_a_mapping(simulated):
    m = simulated.metrics
    assert isinstance(m, Metrics) and list(m) == list(METRIC_NAMES) and len(m) == 6
    assert m["npv"] is m.npv and m.npv.shape == (300, len(simulated.layout.options), len(simulated.layout.owners))
    assert "npv" in m and "nope" not in m
    with pytest.raises(KeyError):
        m["nope"]
    with pytest.raises(ValueError, match="metrics must be exactly"):
        Metrics.of({"npv": m.npv})


def test_recommendation_words_hand_made_metrics(simulated):
    r = hand_made(simulated)
    o, o2 = r.layout.options[0], r.layout.options[1]
    w = r.layout.owners[0]
    cur = r.scenario.currency
    assert r.best_cell == (o, w)
    assert r.recommendation() == (
        f"Recommend {o} owned by {w} (confidently): expected NPV 2.50M {cur} (P10 1.30M {cur} to P90 3.70M {cur}), "
        f"best in 100% (± 0.0%) of trials, 0% chance of a loss. Ahead of {o2}/{w} by 2.00M {cur} (± 577.35k {cur}), "
        f"mainly through 1.50M {cur} more benefit in present value."
    )


def test_summary_is_computed_once_and_handed_out_as_copies(simulated, monkeypatch):
    r = hand_made(simulated)
    calls = []
    make = Result._make_summary
    monkeypatch.setattr(Result, "_make_summary", lambda self, *a: calls.append(a) or make(self, *a))
    first = r.summary()
    first["npv_mean"] = 0.0  # the caller's copy, not the result's table
    assert r.summary()["npv_mean"].iloc[0] == 2.5e6
    r.best_cell, r.recommendation()
    assert len(calls) == 1
    r.summary(cvar_level=0.2)  # other arguments: another table
    assert len(calls) == 2


def test_cashflows_are_kept_and_copied(simulated):
    a = simulated.cashflows()
    a["cost_mean"] = -1.0
    b = simulated.cashflows()
    assert (b["cost_mean"] != -1.0).any()
    assert simulated.cashflows(percentiles=(50,)).columns.tolist()[-2:] == ["cum_net_p50", "cum_cost_p50"]


def test_with_scenario_rereads_when_the_simulation_reads_nothing_that_changed(simulated):
    def no_rerun(_):
        raise AssertionError("should not simulate again")

    r = dataclasses.replace(simulated, rerun=no_rerun)
    r.summary()
    renamed = r.with_scenario(r.scenario.replace(name="renamed", risk_tolerance=2.5e6))
    assert renamed.scenario.name == "renamed" and renamed.metrics is r.metrics and renamed.trials == r.trials
    assert renamed.risk_tolerance == 2.5e6
    fresh = dataclasses.replace(simulated, scenario=renamed.scenario)  # an empty cache
    pd.testing.assert_frame_equal(renamed.summary(), fresh.summary())


def test_with_scenario_simulates_a_changed_scenario_with_the_same_trials_and_seed(simulated):
    r = dataclasses.replace(simulated, rerun=functools.partial(dk.simulate, trials=300, seed=2))
    changed = r.scenario.replace(discount_rate=r.scenario.discount_rate + 0.03)
    got = r.with_scenario(changed)
    assert got.scenario is changed or got.scenario == changed
    pd.testing.assert_frame_equal(got.summary(), dk.simulate(changed, trials=300, seed=2).summary())
    assert got.summary()["npv_mean"].ne(simulated.summary()["npv_mean"]).any()


def test_with_scenario_without_rerun_refuses_a_changed_scenario(simulated):
    r = dataclasses.replace(simulated, rerun=None)
    with pytest.raises(ValueError, match="rerun"):
        r.with_scenario(r.scenario.replace(horizon_years=r.scenario.horizon_years - 1))
