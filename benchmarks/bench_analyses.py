"""Benchmark of the decision analyses on the largest shipped scenario (not part of the tests).

Times the tornado, the spider, Sobol indices of a scenario metric, break-even (base case and
Monte Carlo), EVPI and EVPPI, and the stakeholder view with rank acceptability, each the
median of a few repeats, and prints the machine it ran on.

    .venv/bin/python benchmarks/bench_analyses.py [--scenario PATH] [--repeats 3]
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
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
