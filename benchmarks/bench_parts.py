"""Where one thread's simulate time goes: the parts of a run, timed apart (issue 18 item 2).

For one scenario and trial count, one thread, CPU time (the steadier measure when other work
shares the machine), medians and minima of ``--repeats`` interleaved repeats:

- ``floor``: the random numbers only (``draw_inputs`` and ``draw_risks`` per block, as
  ``bench_simulation.py`` defines it);
- ``draws``: everything ``simulate`` draws (``draw_blocks``: plus rank correlation, the inputs
  drawn several times per trial and the derived fields);
- ``engine``: ``engine.project`` over the blocks' draws (drawn once beforehand), metrics off;
- ``engine+metrics``: the same with the per-cell metrics (NPV, PV of cost, TCO, payback, bands);
- ``simulate``: ``simulate(threads=1)``;
- with ``--slices``, ``simulate`` with the engine over slices of that many trials of each block
  (``_run_chunks(slice_trials=...)``; the draws are the same), to see whether smaller arrays
  that stay in cache pay for more Python-level calls.

    .venv/bin/python benchmarks/bench_parts.py                       # analytics_stack, 100k trials
    .venv/bin/python benchmarks/bench_parts.py --slices 4096 2048 --trials 50000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the decision_kit of this checkout


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "analytics_stack.yaml")
    ap.add_argument("--trials", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slices", type=int, nargs="*", default=[])
    a = ap.parse_args(argv)

    import decision_kit as dk
    from decision_kit import engine, simulation
    from decision_kit.plan import compile_plan
    from decision_kit.sampling import BLOCK, block_generator, draw_blocks, draw_inputs, draw_risks
    from decision_kit.trial_metrics import CellWork, ChunkMetrics

    plan = compile_plan(dk.load_scenario(a.scenario))
    N, seed = a.trials, a.seed
    n_blocks = -(-N // BLOCK)
    ws = engine.Workspace()
    ws.fit(BLOCK)
    work = CellWork(plan.layout.periods, BLOCK, ws)
    store = simulation._Store(plan, N)
    drawn = [draw_blocks(plan, seed, N, [b]) for b in range(n_blocks)]

    def floor():
        for b in range(n_blocks):
            n, rng = min(BLOCK, N - b * BLOCK), block_generator(seed, b)
            draw_risks(plan, draw_inputs(plan.drawn, n, rng), n, rng)

    def draws():
        for b in range(n_blocks):
            draw_blocks(plan, seed, N, [b])

    def project():
        for values, risks, n in drawn:
            engine.project(plan, values, risks, n, ws, on_cell=lambda *cell: None)

    def project_metrics():
        for b, (values, risks, n) in enumerate(drawn):
            m = max(0, min(n, store.n_band - b * BLOCK))
            metrics = ChunkMetrics(store.metrics, store.df, b * BLOCK, n, work, store.band_net, store.band_cost, m)
            metrics.finish(engine.project(plan, values, risks, n, ws, on_cell=metrics))

    def sliced(step):
        def run():
            simulation._run_chunks(plan, simulation._Store(plan, N), N, seed, 1, 1, step)

        return run

    parts = {
        "floor": floor,
        "draws": draws,
        "engine": project,
        "engine+metrics": project_metrics,
        "simulate": lambda: dk.simulate(plan, trials=N, seed=seed, threads=1),
    }
    parts |= {f"simulate, slices of {s}": sliced(s) for s in a.slices}
    for fn in parts.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {k: [] for k in parts}
    keys = list(parts)
    for rep in range(a.repeats):
        for k in keys[rep % len(keys) :] + keys[: rep % len(keys)]:
            c0 = time.process_time()
            parts[k]()
            times[k].append(time.process_time() - c0)
    print(f"{a.scenario.name}, {N:,} trials, one thread, CPU seconds over {a.repeats} interleaved repeats")
    floor_med = statistics.median(times["floor"])
    for k, v in times.items():
        med = statistics.median(v)
        print(f"  {k:<24} median {med:.3f}  min {min(v):.3f}  ({med / floor_med:.2f}x floor)")


if __name__ == "__main__":
    main()
