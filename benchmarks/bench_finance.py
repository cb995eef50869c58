"""Benchmark: vectorised ``decision_kit.finance.irr`` against a loop of ``numpy_financial.irr``.

A script, not a test (tests never assert timings). Run from the repository root::

    .venv/bin/python benchmarks/bench_finance.py [--series 100000] [--sample 2000] [--repeats 5]

For each data set it times ``irr`` on all series at once, and a Python loop of
``numpy_financial.irr`` over a random subsample, scaled up to the full count (the loop
costs the same per series). The two are interleaved in each repeat and the medians are
compared, as PERFORMANCE_NOTES.md asks (these VMs vary by up to +-20 % run to run). Both
wall-clock time and this process's CPU time are reported: on a busy shared machine the CPU
time is the steadier of the two. It also checks the answers on the subsample: on series with
one sign change (one IRR) both must agree; where there are several IRRs ``irr`` returns the
root Newton's method finds from the 10 % guess (a spreadsheet's choice) and numpy-financial
1.0.0 the root nearest zero, so the share that differs there is reported, not checked.

Data sets, each of length 11 (time zero plus ten years):

- ``project``: an investment now, then ten uncertain yearly net flows, a few of them
  negative (upgrade years, incidents), so that some series change sign more than once.
- ``normal``: independent standard normal flows, so nearly every series changes sign
  several times (a hard case: many series have several IRRs or none).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import numpy_financial as npf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from decision_kit.finance import irr


def project_like(n, rng):
    flows = np.empty((n, 11))
    flows[:, 0] = -rng.uniform(500, 1500, n)
    flows[:, 1:] = rng.normal(180, 75, (n, 10))
    upgrade = rng.random((n, 10)) < 0.005
    flows[:, 1:] -= upgrade * rng.uniform(300, 900, (n, 10))
    return flows


def normal(n, rng):
    return rng.normal(size=(n, 11))


def loop_npf(values):
    return np.array([npf.irr(row) for row in values])


def _timed(fn, *args):
    """Result, wall-clock seconds and CPU seconds of this process (less sensitive to other
    load on a shared machine)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def bench(name, values, sample, repeats, rng):
    sub = rng.choice(values.shape[0], size=sample, replace=False)
    scale = values.shape[0] / sample
    vec, loop = [], []
    for _ in range(repeats):
        ours, *t_vec = _timed(irr, values)
        ref, *t_loop = _timed(loop_npf, values[sub])
        vec.append(t_vec)
        loop.append([t * scale for t in t_loop])
    (vec_wall, vec_cpu), (loop_wall, loop_cpu) = (
        [statistics.median(col) for col in zip(*runs)] for runs in (vec, loop))
    mine = ours[sub]
    changes = np.count_nonzero(np.diff(np.sign(values), axis=1), axis=1)
    single = changes[sub] == 1  # one sign change: one IRR, every rule agrees
    both = ~np.isnan(mine) & ~np.isnan(ref)
    diff = np.abs(mine[both & single] - ref[both & single]) / (1 + np.abs(ref[both & single]))
    several = both & ~single
    other = np.abs(mine[several] - ref[several]) > 1e-9 * (1 + np.abs(ref[several]))
    print(f"{name}: {values.shape[0]:,} series of length {values.shape[1]}, "
          f"{np.mean(changes >= 2):.1%} with 2+ sign changes, "
          f"{np.mean(np.isnan(ours)):.1%} without IRR")
    print(f"  {'':34s}{'wall':>9s}{'cpu':>9s}   (medians of {repeats})")
    print(f"  {'vectorised decision_kit irr':34s}{vec_wall:8.3f}s{vec_cpu:8.3f}s")
    print(f"  {'numpy_financial.irr loop, scaled':34s}{loop_wall:8.3f}s{loop_cpu:8.3f}s"
          f"   ({sample:,} series x {scale:g}; "
          f"{loop_cpu / values.shape[0] * 1e6:.0f} us cpu per series)")
    print(f"  {'speed-up':34s}{loop_wall / vec_wall:8.1f}x{loop_cpu / vec_cpu:8.1f}x")
    same_nan = (np.isnan(mine) == np.isnan(ref)).all()
    print(f"  agreement on the subsample: NaN pattern {'same' if same_nan else 'DIFFERS'}, "
          f"one sign change: max |diff| / (1 + |irr|) = {diff.max() if diff.size else 0:.1e}; "
          f"several sign changes: {other.mean() if other.size else 0:.1%} of {other.size} "
          f"get another root than numpy-financial 1.0.0's nearest zero")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    for name, make in (("project", project_like), ("normal", normal)):
        bench(name, make(args.series, rng), args.sample, args.repeats, rng)


if __name__ == "__main__":
    main()
