"""The cash-flow engine pinned to hand-worked cases and analytic expectations.

Expected values are worked out by hand in the comments (year by year), never by calling the
engine twice.
"""

import math
import os
import textwrap

import numpy as np
import pytest

import decision_kit as dk
from decision_kit.loading import loads
from decision_kit.simulation import base_case, simulate

NEUTRAL = dict(launch_factor=1, launch_extra_months=0, integration_factor=1, incident_frequency=1,
               incident_severity=1, governance_overhead=0, consolidation=0, realisation_factor=1,
               marketing_share=0.5)

FIXED = textwrap.dedent("""
    name: hand-worked
    horizon_years: 3
    discount_rate: 0.10
    drivers:
      seats: {unit: seats, start: 100, growth: 0.10}
    options:
      buy:
        kind: buy
        launch_months: 6
        costs:
          setup: {category: implementation, timing: one_off, amount: 1000}
          sub: {category: license, timing: recurring, amount: 1200, escalation: 0.05}
          seats: {category: license, timing: per_unit, driver: seats, amount: 10, start: launch}
          support: {category: support, timing: percent_of, of: sub, amount: 0.10}
        benefits:
          uplift: {category: revenue, amount: 6000, ramp_months: 12}
    owners:
      shared: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
               incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1,
               marketing_share: 0.5}
      it: {launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1,
           incident_severity: 1, governance_overhead: 0.10, consolidation: 0, realisation_factor: 1,
           marketing_share: 0}
""")

# Hand-worked, year by year (launch at month 6):
#   setup          t0: 1000
#   sub            1200, 1200*1.05 = 1260, 1260*1.05 = 1323
#   seats          10 * 100 seats * 0.5 (half of year 1 after launch) = 500; 10*110 = 1100; 10*121 = 1210
#   support        10% of sub: 120, 126, 132.3
#   costs          t0 1000; y1 1820; y2 2486; y3 2665.3
#   benefit        linear ramp from month 6 to 18; average adoption per year:
#                  y1 = (6^2 / (2*12)) / 12 = 0.125; y2 = (12 - 1.5)/12 = 0.875; y3 = 1
#                  -> 750, 5250, 6000
#   net            -1000, -1070, 2764, 3334.7
COSTS = [1000.0, 1820.0, 2486.0, 2665.3]
BENEFITS = [0.0, 750.0, 5250.0, 6000.0]
NET = [b - c for b, c in zip(BENEFITS, COSTS)]
NPV = -1000 - 1070 / 1.1 + 2764 / 1.1**2 + 3334.7 / 1.1**3   # = 2816.98...
TCO = 1000 + 1820 + 2486 + 2665.3                               # = 7971.3
PAYBACK = 1 + 2070 / 2764                                       # cumulative -2070 after y1, +694 after y2


@pytest.fixture(scope="module")
def fixed():
    return loads(FIXED)


def test_base_case_matches_hand_worked_flows(fixed):
    shared = base_case(fixed, option="buy", owner="shared")
    np.testing.assert_allclose(shared.loc["total cost"].to_numpy(), COSTS, rtol=1e-12)
    np.testing.assert_allclose(shared.loc["total benefit"].to_numpy(), BENEFITS, rtol=1e-12)
    np.testing.assert_allclose(shared.loc["license"].to_numpy(), [0, 1700, 2360, 2533], rtol=1e-12)
    np.testing.assert_allclose(shared.loc["support"].to_numpy(), [0, 120, 126, 132.3], rtol=1e-12)


def test_fixed_scenario_npv_tco_payback(fixed):
    r = simulate(fixed, trials=50, seed=3)
    s = r.summary()
    row = s.loc[("buy", "shared")]
    assert row.npv_mean == pytest.approx(NPV, rel=1e-12)
    assert row.npv_p10 == pytest.approx(NPV, rel=1e-12)
    assert row.tco_mean == pytest.approx(TCO, rel=1e-6)  # stored as float32
    assert row.payback_p50 == pytest.approx(PAYBACK, rel=1e-6)
    assert row.p_loss == 0


def test_governance_overhead_and_ledger(fixed):
    r = simulate(fixed, trials=10, seed=0)
    s = r.summary()
    # IT model adds 10% governance overhead to every period's cost; benefits unchanged
    pv_cost = sum(c / 1.1**t for t, c in enumerate(COSTS))
    assert s.loc[("buy", "it"), "npv_mean"] == pytest.approx(NPV - 0.1 * pv_cost, rel=1e-12)
    led = r.ledger().set_index(["option", "owner", "year"])
    shared = led.loc[("buy", "shared")]
    np.testing.assert_allclose(shared.marketing_pays, np.array(COSTS) * 0.5)
    np.testing.assert_allclose(shared.it_pays, np.array(COSTS) * 0.5)
    it = led.loc[("buy", "it")]
    np.testing.assert_allclose(it.marketing_pays, 0)
    np.testing.assert_allclose(it.it_pays, np.array(COSTS) * 1.1)


def test_rate_zero_makes_npv_the_plain_sum(fixed):
    r = simulate(fixed.replace(discount_rate=0.0), trials=10, seed=0)
    assert r.summary().loc[("buy", "shared"), "npv_mean"] == pytest.approx(sum(NET), rel=1e-12)


def _one_line(cost_yaml: str, horizon=4, risks="", owners=None):
    owners = owners or {"shared": NEUTRAL}
    import yaml

    return loads(textwrap.dedent(f"""
        name: analytic
        horizon_years: {horizon}
        discount_rate: 0.0
        options:
          buy:
            kind: buy
            costs:
              x: {cost_yaml}
        {textwrap.indent(risks, '        ').strip()}
        """) + "owners: " + yaml.safe_dump(owners, default_flow_style=True))


def test_triangular_and_lognormal_means():
    # mean of a triangular (low+mode+high)/3 = 200; mean of LN(median 100, sigma 0.5) = 100 e^(0.125)
    s = _one_line("{category: license, timing: recurring, amount: {dist: triangular, low: 100, mode: 200, high: 300}}")
    r = simulate(s, trials=200_000, seed=1)
    tco = r.metrics["tco"][:, 0, 0].astype(float)
    se = tco.std() / math.sqrt(len(tco))
    assert abs(tco.mean() - 4 * 200) < 5 * se
    s = _one_line("{category: license, timing: one_off, amount: {dist: lognormal, median: 100, sigma: 0.5}}")
    r = simulate(s, trials=200_000, seed=2)
    tco = r.metrics["tco"][:, 0, 0].astype(float)
    se = tco.std() / math.sqrt(len(tco))
    assert abs(tco.mean() - 100 * math.exp(0.125)) < 5 * se


def test_bernoulli_event_cost_mean():
    # a one-off event with p = 0.2 a year and impact 1000: expected cost 0.2 * 1000 * 4 years = 800;
    # governance 0, so TCO = event cost only (the line costs 0)
    risks = """
risks:
  incident: {type: security, effect: one_off, probability: 0.2, impact: 1000}
"""
    s = _one_line("{category: license, timing: one_off, amount: 0}", risks=risks)
    r = simulate(s, trials=200_000, seed=5)
    tco = r.metrics["tco"][:, 0, 0].astype(float)
    assert abs(tco.mean() - 800) < 5 * tco.std() / math.sqrt(len(tco))
    # the number of incidents per trial is binomial(4, 0.2): mean 0.8
    ev = r.metrics["security_events"][:, 0, 0]
    assert abs(ev.mean() - 0.8) < 5 * math.sqrt(4 * 0.2 * 0.8 / len(ev))


def test_price_rise_geometric_first_event():
    # recurring 100 a year; a vendor event with p = 0.3 a year raises the price 50% from the year
    # after the first event. P(first event by year k) = 1 - 0.7^k, so year t pays 100 (1 + 0.5 (1 - 0.7^(t-1))).
    risks = """
risks:
  acquisition: {type: vendor, effect: price_rise, probability: 0.3, impact: 0.5, lines: [x]}
"""
    s = _one_line("{category: license, timing: recurring, amount: 100}", risks=risks)
    r = simulate(s, trials=200_000, seed=9)
    expected = sum(100 * (1 + 0.5 * (1 - 0.7 ** (t - 1))) for t in range(1, 5))
    tco = r.metrics["tco"][:, 0, 0].astype(float)
    assert abs(tco.mean() - expected) < 5 * tco.std() / math.sqrt(len(tco))


def test_neutral_owner_changes_nothing():
    path = "scenarios/marketing_automation.yaml"
    s = dk.load_scenario(path).replace(organisation=None, mechanisms=None)  # round one's constants
    neutral = {w: NEUTRAL | {"marketing_share": 1.0} for w in ("marketing", "shared")}
    s2 = s.replace(owners=neutral)
    r = simulate(s2, trials=5000, seed=11)
    np.testing.assert_array_equal(r.metrics["npv"][:, :, 0], r.metrics["npv"][:, :, 1])


@pytest.mark.parametrize("path", ["scenarios/analytics_stack.yaml",  # with rank correlations and mechanisms
                                  "benchmarks/compact_model.yaml"])  # the compact benchmark (issue 18)
def test_same_seed_same_numbers_whatever_the_chunking_threads_and_processes(path):
    """Bit for bit, whatever the threads, the worker processes and the chunks: per-trial
    metrics, bands, inputs, the status quo's, and the means too (the category sums are taken
    block by block, Workspace.sums, and added in chunk order whoever ran the chunk), on 20,000
    trials = two whole random-number blocks and a partial one."""
    s = dk.load_scenario(path)
    a = simulate(s, trials=20_000, seed=4, threads=1)
    runs = [simulate(s, trials=20_000, seed=4, threads=2),
            simulate(s, trials=20_000, seed=4, chunk_blocks=2, threads=1),
            simulate(s, trials=20_000, seed=4, chunk_blocks=3, threads=2),  # one chunk, partial block last
            simulate(s, trials=20_000, seed=4, chunk_blocks=2, threads=2),
            # a cap that leaves room for one thread's buffers only
            simulate(s, trials=20_000, seed=4, threads=2,
                     max_memory=dk.simulation.memory_estimate(s, 20_000, 1, 1) + 1),
            simulate(s, trials=20_000, seed=4, workers=2),  # forked worker processes (threads where none fork)
            simulate(s, trials=20_000, seed=4, workers=3),  # a process per chunk, more than the cores here
            simulate(s, trials=20_000, seed=4, workers=2, chunk_blocks=2)]  # a whole and a partial chunk
    for b in runs:
        for k in a.metrics:
            np.testing.assert_array_equal(a.metrics[k], b.metrics[k])
        np.testing.assert_array_equal(a.band_net, b.band_net)
        np.testing.assert_array_equal(a.band_cost, b.band_cost)
        for k in a.inputs:
            np.testing.assert_array_equal(a.inputs[k], b.inputs[k])
        for k in a.means:
            np.testing.assert_array_equal(a.means[k], b.means[k])
        assert (a.status_quo is None) == (b.status_quo is None)
        for k in a.status_quo or {}:
            np.testing.assert_array_equal(a.status_quo[k], b.status_quo[k])
    d = simulate(s, trials=20_000, seed=5)
    assert not np.array_equal(a.metrics["npv"], d.metrics["npv"])


def test_block_sums_are_the_sums_of_each_block_alone():
    """Workspace.sums with blocks of 4 trials against sums worked by hand: 1 + 2 + 3 + 4 = 10,
    5 + 6 + 7 + 8 = 26 and the partial block 9 + 10 = 19, on a strided view (a buffer's first
    columns, as the engine's are); and bit for bit the sum numpy takes of each block alone, on
    lognormal values whose order of summation shows in the last digits."""
    from decision_kit.workspace import Workspace

    ws = Workspace()
    buf = np.zeros((3, 12))
    buf[:2, :10] = np.arange(1.0, 11.0)
    buf[1, :10] *= 2
    x = buf[:2, :10]
    assert ws.sum_shape((5, 2)) == (5, 2)
    np.testing.assert_array_equal(ws.sums(x), [55.0, 110.0])  # no blocks: the plain sum
    ws.sum_blocks(4, 10)
    assert ws.sum_shape((5, 2)) == (5, 2, 3)
    np.testing.assert_array_equal(ws.sums(x), [[10.0, 26.0, 19.0], [20.0, 52.0, 38.0]])
    np.testing.assert_array_equal(ws.sums(x[0]), [10.0, 26.0, 19.0])
    ws.sum_blocks(4, 4)  # a chunk of one block: the plain sum again
    assert ws.sum_shape((5,)) == (5,)

    rng = np.random.default_rng(7)
    big = np.empty((4, 3 * 8192 + 700))
    big[...] = rng.lognormal(10, 2, big.shape)
    y = big[1:, : 2 * 8192 + 123]
    ws.sum_blocks(8192, y.shape[1])
    expected = np.stack([y[:, i : i + 8192].sum(axis=1) for i in range(0, y.shape[1], 8192)], axis=1)
    np.testing.assert_array_equal(ws.sums(y), expected)


def test_memory_estimate_counts_each_threads_buffers():
    s = dk.load_scenario("scenarios/analytics_stack.yaml")
    one, two = (dk.simulation.memory_estimate(s, 100_000, 1, t) for t in (1, 2))
    assert two - one > dk.engine.Workspace.SLAB  # a second thread's draws, engine buffers and slab
    # one block of trials: a second thread would have nothing to do
    assert dk.simulation.memory_estimate(s, 5000, 1, 2) == dk.simulation.memory_estimate(s, 5000, 1, 1)


def test_the_engine_buffer_count_bounds_what_a_real_chunk_takes():
    """The estimate's engine buffers (measured on two trials at the medians) against a workspace
    that ran a real chunk of drawn trials: never less, and not wildly more (fixed inputs are
    arrays in the measurement, floats in a run)."""
    from decision_kit import engine
    from decision_kit.plan import compile_plan
    from decision_kit.simulation import _engine_floats_per_trial, draw_trials

    for name in ("analytics_stack", "webinar_platform"):
        plan = compile_plan(dk.load_scenario(f"scenarios/{name}.yaml"))
        values, risks, n = draw_trials(plan, 3000, 4)
        ws = engine.Workspace()
        engine.project(plan, values, risks, n, ws, on_cell=lambda *cell: None)
        estimate = _engine_floats_per_trial(plan)
        assert ws.floats_per_trial <= estimate <= 1.5 * ws.floats_per_trial


def _many_lines(lines: int) -> "dk.Scenario":
    """One option with ``lines`` uncertain recurring cost lines, built as data (parsing 10,000
    lines of YAML with the pure-Python parser is slow, and not what is tested here)."""
    costs = {f"l{i}": {"category": "support", "timing": "recurring", "start": "decision",
                       "amount": {"dist": "triangular", "low": 90 + i % 7, "mode": 100 + i % 7, "high": 130 + i % 7}}
             for i in range(lines)}
    return dk.Scenario.model_validate({
        "name": "many lines", "horizon_years": 10, "discount_rate": 0.08, "drivers": {},
        "options": {"buy": {"kind": "buy", "launch_months": 3, "costs": costs,
                            "benefits": {"b": {"category": "savings", "ramp_months": 6,
                                               "amount": {"dist": "pert", "low": 1e6, "mode": 1.5e6, "high": 2e6}}}}},
        "owners": {"marketing": {}}})


def test_a_scenario_with_ten_thousand_lines_runs_under_the_memory_cap():
    """Issue 16: 10,000 uncertain cost lines used to pass 6 GB at 20,000 trials, as every line
    keeps an (H, n) buffer for a whole 8,192-trial block. The estimate now counts those buffers
    and the engine runs over slices of a block that fit the cap (measured peak: the benchmark)."""
    s = _many_lines(10_000)
    assert dk.simulation.memory_estimate(s, 2000, 1, 1) > 500 * 2**20  # one block unsliced: ~0.8 GB
    r = simulate(s, trials=2000, seed=1, max_memory=300 * 2**20)
    # hand-worked: a triangular's mean is (low + mode + high) / 3 = 320/3 + i % 7 a year, ten years,
    # plus marketing's governance overhead on every cost
    per_year = sum(320 / 3 + i % 7 for i in range(10_000))
    overhead = s.owner_shifts("marketing").governance_overhead
    assert r.metrics["tco"].mean() == pytest.approx(10 * per_year * (1 + overhead), rel=1e-3)
    assert dk.simulation.memory_estimate(s, 20_000, 1, 1, 150) < 2 * 1024**3


def test_slicing_a_block_changes_no_per_trial_number():
    s = dk.load_scenario("scenarios/analytics_stack.yaml")
    whole = simulate(s, trials=12_000, seed=3, threads=1, max_memory=None)
    cap = dk.simulation.memory_estimate(s, 12_000, 1, 1, 1500)
    sliced = simulate(s, trials=12_000, seed=3, threads=1, max_memory=cap)
    assert dk.simulation._fit_memory(dk.plan.compile_plan(s), 12_000, 1, 1, cap)[2] < 8192
    for k in whole.metrics:
        np.testing.assert_array_equal(sliced.metrics[k], whole.metrics[k])
    np.testing.assert_array_equal(sliced.band_net, whole.band_net)
    for k in whole.means:  # sums over trials, added slice by slice
        np.testing.assert_allclose(sliced.means[k], whole.means[k], rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"trials": 0}, "trials must be a positive integer"),
    ({"trials": -5}, "trials must be a positive integer"),
    ({"trials": 10.5}, "trials must be a positive integer"),
    ({"seed": 1.5}, "seed must be a non-negative integer"),
    ({"seed": "abc"}, "seed must be a non-negative integer"),
    ({"trials": 10_000_000, "max_memory": 100e6}, "over the cap"),
    ({"threads": 0}, "threads must be a positive integer"),
    ({"threads": 1.5}, "threads must be a positive integer"),
    ({"chunk_blocks": 0}, "chunk_blocks must be a positive integer"),
    ({"workers": 0}, "workers must be a positive integer"),
    ({"workers": True}, "workers must be a positive integer"),
])
def test_bad_requests_fail_before_work(fixed, kwargs, message):
    with pytest.raises(dk.ScenarioError, match=message):
        simulate(fixed, **({"trials": 10} | kwargs))


def test_workers_from_the_environment(monkeypatch):
    """DECISION_KIT_WORKERS sets the worker processes when neither workers nor threads is
    passed: an integer, 'auto' (the usable cores), unset or empty for none; anything else is
    refused, naming the variable. An explicit threads= (batch passes 1) keeps the run here."""
    from decision_kit import processes
    from decision_kit.simulation import _processes_asked

    monkeypatch.delenv(processes.ENV, raising=False)
    assert _processes_asked(None, None) == 1
    for text, expected in (("3", 3), (" 1 ", 1), ("", 1), ("auto", processes.usable_cores())):
        monkeypatch.setenv(processes.ENV, text)
        assert _processes_asked(None, None) == expected
    monkeypatch.setenv(processes.ENV, "4")
    assert _processes_asked(None, 1) == 1  # threads given: no processes
    assert _processes_asked(2, None) == 2  # workers given: the environment does not count
    for text in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv(processes.ENV, text)
        with pytest.raises(dk.ScenarioError, match="DECISION_KIT_WORKERS must be a positive integer"):
            simulate(dk.load_scenario("benchmarks/compact_model.yaml"), trials=10)


def test_workers_fall_back_to_threads_where_nothing_forks(monkeypatch):
    """Without fork (Windows, macOS), workers=3 runs three threads: nothing is forked and the
    numbers are those of one thread."""
    from decision_kit import processes

    monkeypatch.setattr(processes, "available", lambda: False)
    monkeypatch.setattr(processes, "fork_each", lambda *a: pytest.fail("forked without fork"))
    s = dk.load_scenario("benchmarks/compact_model.yaml")
    a, b = simulate(s, trials=20_000, seed=9, threads=1), simulate(s, trials=20_000, seed=9, workers=3)
    np.testing.assert_array_equal(a.metrics["npv"], b.metrics["npv"])
    np.testing.assert_array_equal(a.means["rows"], b.means["rows"])


def test_forked_workers_share_out_the_items_and_write_shared_memory():
    """processes.fork_each: worker w takes items w, w + 3, ... (worker 0 being this process), a
    closure as the job (inherited, not pickled), and what the workers write into shared_empty
    arrays is seen here: 1 + 2 + ... + 8 = 36. A failing worker's error is raised here."""
    from decision_kit import processes

    if not processes.available():
        pytest.skip("no fork start method on this platform")
    out = processes.shared_empty((8, 2), np.float64)
    out[...] = 0.0
    pid = os.getpid()

    def job(w, i):
        out[i] = (i + 1, w + 10 * (os.getpid() != pid))

    processes.fork_each(job, 8, 3)
    assert out[:, 0].sum() == 36.0
    assert out[:, 1].tolist() == [0, 11, 12, 0, 11, 12, 0, 11]  # worker 0 here, 1 and 2 forked

    def bad(w, i):
        if w == 2:
            raise ValueError("no such trial")

    with pytest.raises(RuntimeError, match="worker process 2 failed: ValueError: no such trial"):
        processes.fork_each(bad, 8, 3)


def test_correlation_not_psd_is_a_clear_error():
    """Refused when the file is validated, at the correlations (line 12 of the text)."""
    text = textwrap.dedent("""
        name: corr
        horizon_years: 2
        discount_rate: 0.05
        options:
          a:
            kind: buy
            launch_months: {dist: uniform, low: 1, high: 5}
            cost_overrun: {dist: uniform, low: 1, high: 2}
            realisation: {dist: uniform, low: 0.5, high: 1}
        correlations:
          - {between: [options.a.launch_months, options.a.cost_overrun], rank: 0.9}
          - {between: [options.a.launch_months, options.a.realisation], rank: 0.9}
          - {between: [options.a.cost_overrun, options.a.realisation], rank: -0.9}
        """)
    with pytest.raises(dk.ScenarioError, match="not positive semi-definite") as info:
        loads(text)
    assert (info.value.first.line, info.value.first.path) == (12, "correlations")


def test_rank_correlation_is_induced_and_marginals_kept():
    from scipy.stats import spearmanr

    from decision_kit.distributions import LogNormal, PriorRef
    from decision_kit.sampling import block_generator, draw_inputs

    inputs = {"launch": LogNormal(median=9, sigma=0.5), "overrun": PriorRef(name="it_cost_overrun")}
    target = np.array([[1.0, 0.6], [0.6, 1.0]])
    v = draw_inputs(inputs, 8192, block_generator(1, 0), ["launch", "overrun"], target)
    rho = spearmanr(v["launch"], v["overrun"]).statistic
    assert abs(rho - 0.6) < 0.03
    # marginals unchanged: the same multiset of values as the independent draw
    w = draw_inputs(inputs, 8192, block_generator(1, 0))
    np.testing.assert_array_equal(np.sort(v["launch"]), np.sort(w["launch"]))


def test_rank_correlation_matrix_of_several_inputs():
    """Four inputs with a full target matrix (one pair negative, one semi-definite-near pair):
    every pairwise Spearman correlation lands near its target, and a rounding-level change of
    the scores' correlation matrix does not reshuffle the result (the square roots are the
    unique symmetric ones)."""
    from scipy.stats import spearmanr

    from decision_kit.sampling import block_generator, iman_conover

    target = np.array([[1.0, 0.6, -0.3, 0.0],
                       [0.6, 1.0, 0.0, 0.4],
                       [-0.3, 0.0, 1.0, 0.2],
                       [0.0, 0.4, 0.2, 1.0]])
    rng = np.random.default_rng(5)
    samples = np.column_stack([rng.lognormal(size=8192), rng.triangular(0, 1, 4, size=8192),
                               rng.beta(2, 5, size=8192), rng.uniform(size=8192)])
    out = iman_conover(samples, target, block_generator(3, 0))
    rho = spearmanr(out).statistic
    np.testing.assert_allclose(rho, target, atol=0.03)
    np.testing.assert_array_equal(np.sort(out, axis=0), np.sort(samples, axis=0))  # marginals kept
    nudged = iman_conover(samples, target + 1e-13 * (1 - np.eye(4)), block_generator(3, 0))
    assert (nudged != out).mean() < 1e-3


def test_simulated_metrics_match_the_finance_kernels_on_the_same_flows():
    """The per-cell metric loops of `simulate` (running sums, payback found backwards) against
    `finance.npv`/`finance.payback` applied to the engine's flows for the same draws."""
    from decision_kit import engine, finance
    from decision_kit.simulation import draw_trials

    s = dk.load_scenario("scenarios/analytics_stack.yaml")
    n = 3000
    r = simulate(s, trials=n, seed=8)
    values, risks, m = draw_trials(s, n, 8)
    flows = engine.project(s, values, risks, m)
    net = np.moveaxis(flows.benefit - flows.cost, -1, 0)  # (n, O, W, P)
    np.testing.assert_allclose(r.metrics["npv"], finance.npv(s.discount_rate, net), rtol=1e-12, atol=1e-6)
    expected = finance.payback(net).astype(np.float32)
    np.testing.assert_array_equal(np.isnan(r.metrics["payback"]), np.isnan(expected))
    np.testing.assert_allclose(r.metrics["payback"], expected, rtol=1e-6, equal_nan=True)
    assert np.isfinite(expected).mean() > 0.3 and (expected > 0).mean() > 0.3  # a real test of crossings


def test_result_inputs_are_the_draws_the_engine_used(monkeypatch):
    """Result.inputs is drawn again from the seed on first read: it must equal the draws of the
    simulation itself, also when the kept trials end inside a random-number block."""
    from decision_kit import sampling, simulation
    from decision_kit.plan import STATUS_QUO_CONSTANTS, compile_plan
    from decision_kit.simulation import draw_trials

    s = dk.load_scenario("scenarios/analytics_stack.yaml")
    trials, kept = 2 * sampling.BLOCK + 700, sampling.BLOCK + 300
    monkeypatch.setattr(simulation, "INPUT_TRIALS", kept)
    r = simulate(s, trials=trials, seed=12)
    values, _, _ = draw_trials(s, trials, 12)
    plan = compile_plan(s)
    # the inputs drawn on their own: not a field that reads another's draw, nor the status
    # quo's constants (no launch, no overrun, realisation 1)
    drawn = [k for k in values if k not in plan.derived and k not in STATUS_QUO_CONSTANTS]
    assert list(r.inputs) == drawn and len(plan.derived) > 5
    for k in drawn:
        v = values[k]
        np.testing.assert_array_equal(r.inputs[k], np.broadcast_to(v, (trials,))[:kept])
        assert not r.inputs[k].flags.writeable
    import pickle
    again = pickle.loads(pickle.dumps(r.inputs))
    assert isinstance(again, dict) and set(again) == set(drawn)


def test_ledger_books_each_cost_to_its_holder():
    """Marketing-owned cells leave IT exactly nothing; under shadow IT, IT pays exactly the
    later consolidation; under a shared model the stated split holds; the two sides add up
    to the cell's cost."""
    s = dk.load_scenario("scenarios/analytics_stack.yaml")
    r = simulate(s, trials=3000, seed=2)
    ledger = r.ledger().set_index(["option", "owner", "year"]).sort_index()
    rows = r.breakdown().sort_index()
    for option in r.layout.options:
        mkt = ledger.loc[(option, "marketing")]
        assert (mkt["it_pays"] == 0).all()
        shadow = ledger.loc[(option, "shadow")]
        consolidation = rows.loc[(option, "shadow", "consolidation")].to_numpy()
        np.testing.assert_allclose(shadow["it_pays"].to_numpy(), consolidation, rtol=1e-9, atol=1e-6)
        shared = ledger.loc[(option, "shared")]
        total = shared["marketing_pays"] + shared["it_pays"]
        np.testing.assert_allclose(total.to_numpy(), r.means["cost"][:, r.layout.options.index(option),
                                                                     r.layout.owners.index("shared")], rtol=1e-12)
        np.testing.assert_allclose(shared["marketing_pays"], 0.5 * total, rtol=1e-12)


@pytest.mark.parametrize("L_scale, R_scale", [(0.0, 0.0), (3.0, 6.0), (30.0, 2.0), (200.0, 50.0)])
def test_ramp_skips_only_years_it_can_fill(L_scale, R_scale):
    """Years before any go-live and years every trial starts fully ramped skip part of the
    arithmetic: the result must be the fully computed one bit for bit (so it cannot depend on
    which trials share a chunk), and the textbook integral."""
    from decision_kit import engine

    H, n = 10, 4000
    rng = np.random.default_rng(3)
    L = L_scale * rng.random(n)
    R = np.maximum(R_scale * rng.random(n), 1e-9)
    ws = engine.Workspace()
    d = engine.edges(L, H, ws)
    full = engine.year_fraction_ramped(d, R, 0.5 / R, ws).copy()
    skipped = engine.year_fraction_ramped(d, R, 0.5 / R, ws, (L.min(), (L + R).max()))
    np.testing.assert_array_equal(skipped, full)
    half = slice(0, n // 2)  # another chunk: other bounds, the same numbers
    d_half = engine.edges(L[half], H, engine.Workspace())
    alone = engine.year_fraction_ramped(d_half, R[half], 0.5 / R[half], engine.Workspace(),
                                         (L[half].min(), (L[half] + R[half]).max()))
    np.testing.assert_array_equal(alone, full[:, half])
    # against the adoption integral, by midpoint quadrature over each month
    months = np.arange(0.5, 12 * H, 1.0)[:, None]
    ramp = np.clip((months - L) / R, 0, 1)
    exact = ramp.reshape(H, 12, n).sum(axis=1)
    np.testing.assert_allclose(skipped, exact, atol=0.51)  # midpoint rule error within one month's ramp


def test_workspace_refits_instead_of_growing_beside_old_buffers():
    from decision_kit import engine

    ws = engine.Workspace()
    ws.fit(100)
    small = ws("a", (3, 100))
    ws.fit(50)  # smaller chunks: the same buffer, viewed
    assert np.shares_memory(ws("a", (3, 50)), small)
    ws.fit(8192)  # larger: everything is dropped and allocated once at the new size
    assert ws.nbytes == 0
    big = ws("a", (3, 8192))
    assert big.shape == (3, 8192) and not np.shares_memory(big, small)
    assert ws.nbytes == engine.Workspace.SLAB


def test_a_fixed_go_live_with_an_uncertain_ramp_is_projected_per_trial():
    """Go-live fixed at month 3, ramp R uncertain per trial (it was refused with a broadcasting
    error): year 1 earns 10k x (9 - R/2)/12 (the integral of a linear ramp over months 3..12, R
    <= 9), later years 10k; the licence is 1k a year."""
    text = """
name: ramp
horizon_years: 4
discount_rate: 10%
owners: {marketing: {governance_overhead: 0, launch_factor: 1, launch_extra_months: 0, realisation_factor: 1}}
options:
  a:
    kind: buy
    launch_months: 3
    costs: {x: {category: license, timing: recurring, amount: 1k}}
    benefits:
      b: {category: savings, amount: 10k, ramp_months: {dist: triangular, low: 1, mode: 3, high: 9}}
"""
    import decision_kit as dk
    from decision_kit import loading

    r = dk.simulate(loading.loads(text), trials=500, seed=3)
    R = r.inputs["options.a.benefits.b.ramp_months"]
    year1 = 10_000 * (9 - R / 2) / 12
    npv = (year1 - 1_000) / 1.1 + sum((10_000 - 1_000) / 1.1**t for t in range(2, 5))
    assert np.ptp(R) > 1
    np.testing.assert_allclose(r.metrics.npv[:, 0, 0], npv, rtol=1e-6)
