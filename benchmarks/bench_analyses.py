"""Benchmark of the decision analyses on the largest shipped scenario (not part of the tests).

Times the tornado, the spider, Sobol indices of a scenario metric, break-even (base case and
Monte Carlo), EVPI and EVPPI, and the stakeholder view with rank acceptability, each the
median of a few repeats, and prints the machine it ran on.

    .venv/bin/python benchmarks/bench_analyses.py [--scenario PATH] [--repeats 3]
    .venv/bin/python benchmarks/bench_analyses.py --sobol-coverage 200   # interval coverage instead

``--sobol-coverage R`` measures how often the 95% bootstrap intervals of ``sensitivity.sobol``
cover the analytic indices of the 8-factor G function at N = 512, over R seeds (#16 item 8).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import decision_kit as dk
from decision_kit import mcda, sensitivity, voi

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulation import largest_scenario

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def sobol_coverage(reps: int, n: int = 512) -> None:
    """Print the share of seeds whose 95% intervals cover the G function's analytic indices."""
    from decision_kit.test_functions import SOBOL_G_A, sobol_g, sobol_g_indices, sobol_g_inputs

    exact = sobol_g_indices(SOBOL_G_A)
    first = total = 0
    for seed in range(reps):
        si = sensitivity.sobol(sobol_g, sobol_g_inputs(), n=n, seed=seed, n_boot=500)
        ef = np.array([exact["first"][k] for k in si.inputs])
        et = np.array([exact["total"][k] for k in si.inputs])
        first = first + ((si.first_ci[:, 0] <= ef) & (ef <= si.first_ci[:, 1]))
        total = total + ((si.total_ci[:, 0] <= et) & (et <= si.total_ci[:, 1]))
    print(f"G function, N = {n}, {reps} seeds, 500 resamples, 95% intervals; coverage by factor")
    print("factor        " + " ".join(f"{k:>6}" for k in si.inputs))
    print("first order   " + " ".join(f"{c / reps:6.3f}" for c in first))
    print("total         " + " ".join(f"{c / reps:6.3f}" for c in total))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sobol-coverage", type=int, default=0, metavar="SEEDS")
    args = ap.parse_args()
    if args.sobol_coverage:
        sobol_coverage(args.sobol_coverage)
        return
    path = args.scenario or largest_scenario()[0]
    s = dk.load_scenario(path)
    cpu = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor()
    )
    print(f"scenario {path.name}; {cpu}; {len(__import__('os').sched_getaffinity(0))} cores; numpy {np.__version__}")
    result = dk.simulate(s, trials=100_000, seed=0)
    best = result.best_cell
    options = list(s.options)
    other = next(o for o in options if o != best[0])
    driver = next(iter(s.drivers), None)
    rows = [
        ("tornado (best cell)", lambda: sensitivity.tornado(s, option=best[0], owner=best[1])),
        ("spider (best cell)", lambda: sensitivity.spider(s, option=best[0], owner=best[1])),
        (
            "Sobol, scenario metric, n=4096",
            lambda: sensitivity.sobol_scenario(s, option=best[0], owner=best[1], n=4096, seed=0),
        ),
        ("EVPI, 100k trials", lambda: voi.evpi(result)),
        ("EVPPI regression, 100k trials, all inputs", lambda: voi.evppi(result)),
        ("stakeholder view (TOPSIS)", lambda: mcda.stakeholder_view(result, aggregation="arithmetic")),
        ("rank acceptability, 100k trials", lambda: mcda.rank_acceptability(result, aggregation="arithmetic")),
    ]
    if driver:
        inp = f"drivers.{driver}.start"
        lo, hi = (
            s.drivers[driver].start.quantiles([0.01, 0.99])
            if not s.drivers[driver].start.is_fixed()
            else (0.5 * s.drivers[driver].start.value, 2 * s.drivers[driver].start.value)
        )

        def be(trials):
            try:
                sensitivity.break_even(
                    s, inp, (best[0], best[1]), (other, best[1]), bounds=(lo, hi), trials=trials, seed=0
                )
            except dk.ScenarioError:
                pass  # no crossing in the range: the search itself is what is timed

        rows += [("break-even, base case", lambda: be(0)), ("break-even, 10k trials", lambda: be(10_000))]
    for name, fn in rows:
        print(f"{name:45s} {timed(fn, args.repeats):8.3f} s")


if __name__ == "__main__":
    main()
