"""Benchmark of decision_kit.simulate on the compact model and the largest shipped scenario.

Two scenarios by default (DESIGN.md section 7, issue 18): ``benchmarks/compact_model.yaml``,
the standard build / buy / hybrid shape (3 options, one owner, 11 periods, 27 uncertain inputs,
2 risks), and the largest shipped scenario; each with its own random-number floor measured in
the same run. ``--scenario`` (repeatable) benchmarks other files instead.

For each scenario and trial count, in the same run and interleaved, median of ``--repeats`` repeats (default
4). Each repeat runs (a), (a2), (b), (b1), (b2) and then (c), rotating the order of the first five
from one repeat to the next: on these VMs the first run after the long single-threaded loop
(or after any pause) is slowed by the kernel handing out fresh memory again, and rotation
spreads that over every implementation instead of always charging it to the same one.

(a) floor: the time numpy needs just to draw the random numbers the model uses, with the
    same distributions and the same blocks (``decision_kit.sampling.draw_inputs`` and
    ``decision_kit.sampling.draw_risks`` per block of 8192 trials; no engine, no rank
    correlation, no metrics), on one thread: numpy's own speed;
(a2) the same draws with the blocks shared out over as many threads as ``simulate`` uses by
    default (each block has its own generator), for a like-for-like ratio;
(b) ``decision_kit.simulate`` as a user calls it (everything: draws, rank correlation, engine,
    NPV, TCO, payback, bands; worker threads as by default, see
    ``decision_kit.simulation.default_threads``), (b1) the same with ``threads=1``, and (b2)
    the same on worker processes, ``workers=`` the usable cores (at least 2; ``--workers``);
(c) a per-trial pure-Python loop (``benchmarks/loop_model.py``) timed on a subsample of
    ``--loop-trials`` trials and scaled linearly to the trial count (it ignores correlations);

and the peak memory of ``simulate`` at each trial count, measured in a fresh subprocess
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``: total peak, and the rise over the same
process after imports, loading and a 100-trial warm-up), next to
``decision_kit.simulation.memory_estimate``. Also the time of ``import decision_kit``.

The largest scenario is chosen at run time by options x owners x periods x cost and benefit
lines (``loop_model.model_size``), among the scenarios/*.yaml files that load as scenarios.

No assertions on time: these VMs vary by +-20 % run to run, so compare ratios from one run.

    .venv/bin/python benchmarks/bench_simulation.py                 # 10k, 100k, 1M trials, both scenarios
    .venv/bin/python benchmarks/bench_simulation.py --loop-trials 0 # without the per-trial loop
    .venv/bin/python benchmarks/bench_simulation.py --quick         # a smoke run
    .venv/bin/python benchmarks/bench_simulation.py --profile 100000  # plus cProfile of simulate
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # the decision_kit of this checkout, not whichever one is installed


# --- scenario and machine -----------------------------------------------------------------

def largest_scenario(folder: Path = ROOT / "scenarios"):
    """(path, scenario, size) of the largest shipped scenario by model size."""
    from loop_model import model_size

    import decision_kit as dk

    best = None
    for path in sorted(folder.glob("*.yaml")):
        try:
            obj = dk.load(path)
        except dk.ScenarioError:
            continue
        if isinstance(obj, dk.Scenario):
            size = model_size(obj)
            if best is None or size > best[2]:
                best = (path, obj, size)
    if best is None:
        raise SystemExit(f"no loadable scenario in {folder}")
    return best


def machine() -> dict:
    import numpy as np

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable, "memory": mem,
            "os": platform.platform(), "python": platform.python_version(), "numpy": np.__version__}


# --- the three implementations --------------------------------------------------------------

def floor_run(scenario, trials: int, seed: int) -> None:
    """Draw exactly the random numbers simulate draws (same inputs, blocks and generators)."""
    from decision_kit.plan import compile_plan
    from decision_kit.sampling import BLOCK, block_generator, draw_inputs, draw_risks

    plan = compile_plan(scenario)
    for b in range(-(-trials // BLOCK)):
        n = min(BLOCK, trials - b * BLOCK)
        rng = block_generator(seed, b)
        values = draw_inputs(plan.drawn, n, rng)
        draw_risks(plan, values, n, rng)


def floor_threads_run(scenario, trials: int, seed: int) -> None:
    """The floor's draws, block by block on ``default_threads()`` threads."""
    from concurrent.futures import ThreadPoolExecutor

    from decision_kit.plan import compile_plan
    from decision_kit.sampling import BLOCK, block_generator, draw_inputs, draw_risks
    from decision_kit.simulation import default_threads

    plan = compile_plan(scenario)

    def block(b):
        n = min(BLOCK, trials - b * BLOCK)
        rng = block_generator(seed, b)
        draw_risks(plan, draw_inputs(plan.drawn, n, rng), n, rng)

    with ThreadPoolExecutor(default_threads()) as pool:
        list(pool.map(block, range(-(-trials // BLOCK))))


def simulate_run(scenario, trials: int, seed: int, threads: int | None = None, workers: int | None = None) -> None:
    from decision_kit import simulate

    result = simulate(scenario, trials=trials, seed=seed, threads=threads, workers=workers)
    del result


def loop_run(scenario, trials: int, seed: int) -> None:
    from loop_model import simulate_loop

    simulate_loop(scenario, trials, seed)


def _children_cpu() -> float:
    """CPU seconds of this process's ended child processes (the worker processes of (b2))."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn, *args) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process and of the worker processes it ended
    meanwhile). CPU time is the steadier number when other work shares the machine;
    wall-clock is what a user waits."""
    gc.collect()
    c0, k0, t0 = time.process_time(), _children_cpu(), time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0 + _children_cpu() - k0


# --- memory (child process) -----------------------------------------------------------------

def _vm_hwm_kib() -> int | None:
    """Peak resident set of this process's own address space (VmHWM, KiB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _child_memory(path: str, trials: int, seed: int) -> None:
    """Run in a fresh interpreter. Reports VmHWM (the peak of this process's own memory) and
    ru_maxrss. On Linux ru_maxrss survives execve, so a child started from a large parent
    inherits the parent's peak; the bench starts its memory children from a small launcher
    (see memory_of), and VmHWM is immune either way."""
    import resource

    import decision_kit as dk
    from decision_kit.simulation import default_threads, memory_estimate

    s = dk.load_scenario(path)
    dk.simulate(s, trials=100, seed=seed)  # warm-up: every lazy import done
    base = _vm_hwm_kib()
    t0 = time.perf_counter()
    dk.simulate(s, trials=trials, seed=seed)
    dt = time.perf_counter() - t0
    print(json.dumps({"peak_kib": _vm_hwm_kib(), "base_kib": base,
                      "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "estimate": memory_estimate(s, trials, 1, default_threads()), "seconds": dt}))


class _Launcher:
    """A small helper process, started before the bench grows, that starts the memory
    children: their ru_maxrss then inherits only the launcher's few MiB, not the bench's peak."""

    def __init__(self):
        code = ("import subprocess, sys\n"
                "for line in sys.stdin:\n"
                "    args = line.split('\\t')\n"
                "    out = subprocess.run([sys.executable] + [a.strip() for a in args],\n"
                "                         capture_output=True, text=True)\n"
                "    print((out.stdout.strip().splitlines() or ['{}'])[-1] if out.returncode == 0 else "
                "'ERROR ' + out.stderr.replace('\\n', ' | '), flush=True)\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=ROOT)

    def run(self, *args) -> str:
        self.proc.stdin.write("\t".join(map(str, args)) + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


_LAUNCHER: _Launcher | None = None


def memory_of(path: Path, trials: int, seed: int) -> dict:
    line = _LAUNCHER.run(__file__, "--_child-memory", path, trials, seed)
    if line.startswith("ERROR"):
        raise RuntimeError(f"memory child failed: {line}")
    return json.loads(line)


# --- import time ----------------------------------------------------------------------------

def import_time(repeats: int = 7) -> dict:
    """Median wall-clock of fresh interpreters: ``import decision_kit`` and first use of
    ``simulate`` / ``load_scenario``, each minus ``python -c pass``; plus -X importtime."""
    cmds = {"pass": "pass", "import": "import decision_kit",
            "first_use": "import decision_kit as dk; dk.simulate; dk.load_scenario"}
    times = {k: [] for k in cmds}
    for _ in range(repeats):
        for k, c in cmds.items():  # interleaved
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", c], check=True, cwd=ROOT)
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import decision_kit"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stderr
    cumulative = None
    for line in err.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "decision_kit":
            cumulative = int(parts[1]) / 1e6
    heavy = [m for m in ("matplotlib", "ipywidgets", "IPython", "pandas", "scipy")
             if any(line.rstrip().endswith(" " + m) for line in err.splitlines())]
    return {"import": med["import"] - med["pass"], "first_use": med["first_use"] - med["pass"],
            "importtime_cumulative": cumulative, "heavy_modules_loaded": heavy, "python_startup": med["pass"]}


# --- profile --------------------------------------------------------------------------------

def profile(scenario, trials: int, seed: int, top: int = 25) -> None:
    import cProfile
    import pstats

    from decision_kit import simulate

    pr = cProfile.Profile()
    pr.enable()
    simulate(scenario, trials=trials, seed=seed)
    pr.disable()
    print(f"\ncProfile of simulate({trials:,} trials), top {top} by internal time:")
    pstats.Stats(pr).sort_stats("tottime").print_stats(top)


# --- main -----------------------------------------------------------------------------------

COMPACT = ROOT / "benchmarks" / "compact_model.yaml"


def fmt_s(x: float) -> str:
    return f"{x:.3f} s" if x < 100 else f"{x:,.0f} s"


def describe(path: Path, scenario, size: int) -> str:
    from decision_kit.plan import compile_plan

    plan = compile_plan(scenario)
    uncertain = sum(not d.is_fixed() for d in plan.drawn.values())
    variates = uncertain + sum(k for _, k in plan.repeated.values())
    for r in plan.risks:  # draw_risks: a one-off event draws H uniforms and H impacts, a lasting one 1 uniform
        variates += (plan.horizon * (1 + (not r.impact_dist.is_fixed()))) if r.effect == "one_off" else 1
    return (f"{path.relative_to(ROOT) if path.is_absolute() else path} ({scenario.name}): "
            f"{len(scenario.options)} options x {len(scenario.owners)} owners x {scenario.horizon_years + 1} periods, "
            f"{sum(len(o.costs) + len(o.benefits) for o in scenario.options.values())} cost and benefit lines, "
            f"{len(scenario.risks)} risks, {len(scenario.correlations)} correlations, {uncertain} uncertain inputs, "
            f"{variates} variates per trial (size {size:,})")


def bench_scenario(path: Path, scenario, a, threads: int, workers: int) -> list[dict]:
    """The interleaved timings of one scenario at every trial count (printed as they come)."""
    # warm-up: imports, caches, first-touch of the allocator
    floor_run(scenario, 1_000, a.seed)
    simulate_run(scenario, 1_000, a.seed)
    if a.loop_trials:
        loop_run(scenario, 20, a.seed)
    rows = []
    med = statistics.median
    for trials in a.trials:
        t = {"floor": [], "floor_threads": [], "simulate": [], "simulate_1t": [], "simulate_procs": [], "loop": []}
        n = min(trials, a.loop_trials)
        runs = [("floor", floor_run, ()), ("floor_threads", floor_threads_run, ()),
                ("simulate", simulate_run, ()), ("simulate_1t", simulate_run, (1,))]
        if workers > 1:
            runs.append(("simulate_procs", simulate_run, (None, workers)))
        for rep in range(a.repeats):  # interleaved, the order rotated every repeat (see the module docstring)
            for name, fn, extra in runs[rep % len(runs):] + runs[:rep % len(runs)]:
                t[name].append(timed(fn, scenario, trials, a.seed, *extra))
            if n:
                wall, cpu = timed(loop_run, scenario, n, a.seed)
                t["loop"].append((wall * trials / n, cpu * trials / n))
        mem = None if a.no_memory else memory_of(path, trials, a.seed)
        row = {"trials": trials, "loop_measured_trials": n, "memory": mem}
        for k, v in t.items():
            row[k] = med(w for w, _ in v) if v else float("nan")
            row[k + "_cpu"] = med(c for _, c in v) if v else float("nan")
            row[k + "_all"] = v
        rows.append(row)
        print(f"  {trials:>9,} trials: floor {fmt_s(row['floor'])} "
              f"({fmt_s(row['floor_threads'])} on {threads} threads), "
              f"simulate {fmt_s(row['simulate'])} ({fmt_s(row['simulate_1t'])} on 1 thread, "
              f"{fmt_s(row['simulate_procs'])} on {workers} processes), "
              f"loop {fmt_s(row['loop'])} (scaled from {n:,}) [CPU: {fmt_s(row['floor_cpu'])}, "
              f"{fmt_s(row['simulate_cpu'])}, {fmt_s(row['loop_cpu'])}]"
              + (f", peak RSS {mem['peak_kib'] / 1024:,.0f} MiB" if mem else ""), flush=True)
    return rows


def print_workers_table(rows: list[dict], threads: int, workers: int) -> None:
    """Worker processes (``simulate(workers=...)``) beside threads and one thread, wall-clock."""
    if workers < 2:
        return
    print(f"\n| trials | floor (1 thread) | simulate, 1 thread | simulate, {threads} threads | "
          f"simulate, {workers} processes | processes / floor | speed-up of {workers} processes over 1 thread | "
          f"speed-up of {threads} threads over 1 thread | processes: min / median of repeats | "
          "CPU of processes (all) / of 1 thread |")
    print("| ---: " * 10 + "|")
    for r in rows:
        procs = [w for w, _ in r["simulate_procs_all"]]
        print(f"| {r['trials']:,} | {fmt_s(r['floor'])} | {fmt_s(r['simulate_1t'])} | {fmt_s(r['simulate'])} | "
              f"{fmt_s(r['simulate_procs'])} | **{r['simulate_procs'] / r['floor']:.1f}x** | "
              f"{r['simulate_1t'] / r['simulate_procs']:.2f}x | {r['simulate_1t'] / r['simulate']:.2f}x | "
              f"{fmt_s(min(procs))} / {fmt_s(statistics.median(procs))} | "
              f"{fmt_s(r['simulate_procs_cpu'])} / {fmt_s(r['simulate_1t_cpu'])} |")


def print_table(rows: list[dict], threads: int, a) -> None:
    print()
    print(f"| trials | floor (draws only, 1 thread) | floor on {threads} threads | simulate ({threads} threads, "
          "the default) | simulate, 1 thread | per-trial loop (scaled) | simulate / floor | "
          f"simulate 1 thread / floor | simulate / floor on {threads} threads | loop / simulate | "
          "simulate µs/trial | peak RSS of simulate, fresh process (rise over warm-up) | memory_estimate |")
    print("| ---: " * 13 + "|")
    for r in rows:
        mem = r["memory"]
        mem_s = (f"{mem['peak_kib'] / 1024:,.0f} MiB (+{(mem['peak_kib'] - mem['base_kib']) / 1024:,.0f} MiB)"
                 if mem else "n/a")
        est_s = f"{mem['estimate'] / 2**20:,.0f} MiB" if mem else "n/a"

        def both(k, r=r):
            return f"{fmt_s(r[k])} ({fmt_s(r[k + '_cpu'])} CPU)"

        loop_s = (f"{both('loop')}", f"{r['loop'] / r['simulate']:.0f}x ({r['loop_cpu'] / r['simulate_1t_cpu']:.0f}x "
                  "CPU, 1 thread)") if r["loop_all"] else ("not run", "n/a")
        print(f"| {r['trials']:,} | {both('floor')} | {fmt_s(r['floor_threads'])} | {both('simulate')} | "
              f"{both('simulate_1t')} | {loop_s[0]} | "
              f"**{r['simulate'] / r['floor']:.1f}x** | {r['simulate_1t'] / r['floor']:.1f}x "
              f"({r['simulate_1t_cpu'] / r['floor_cpu']:.1f}x CPU) | {r['simulate'] / r['floor_threads']:.1f}x | "
              f"{loop_s[1]} | {r['simulate'] / r['trials'] * 1e6:.1f} | {mem_s} | {est_s} |")
    maxrss = ", ".join(f"{r['memory']['ru_maxrss_kib'] / 1024:,.0f} MiB" for r in rows if r["memory"])
    print(f"\nWall-clock (process CPU time in brackets: with {threads} threads it adds up both), medians of "
          f"{a.repeats} interleaved repeats (order rotated each repeat). "
          f"Loop timed on {a.loop_trials:,} trials (fewer if the trial count is smaller) and scaled linearly; "
          "it ignores correlations. Peak RSS is VmHWM of a fresh process running one simulate "
          f"(ru_maxrss there: {maxrss or 'n/a'}).")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=4, help="repeats per implementation (median reported)")
    ap.add_argument("--loop-trials", type=int, default=2_000,
                    help="subsample for the per-trial loop (0: do not run the loop)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", type=Path, action="append",
                    help="scenario file, may be repeated (default: benchmarks/compact_model.yaml and the "
                         "largest shipped scenario)")
    ap.add_argument("--quick", action="store_true", help="10k and 20k trials, 1 repeat, 200 loop trials")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    ap.add_argument("--profile", type=int, metavar="TRIALS", help="also cProfile simulate at this trial count")
    ap.add_argument("--workers", type=int, default=0,
                    help="worker processes for the (b2) run, simulate(workers=...) (default: the usable cores, "
                         "at least 2; 1 skips it)")
    ap.add_argument("--_child-memory", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a._child_memory:
        _child_memory(a._child_memory[0], int(a._child_memory[1]), int(a._child_memory[2]))
        return
    if a.quick:
        a.trials, a.repeats, a.loop_trials = [10_000, 20_000], 1, 200
    global _LAUNCHER
    if not a.no_memory:
        _LAUNCHER = _Launcher()  # before anything large is imported or allocated here

    from loop_model import model_size

    import decision_kit as dk

    if a.scenario:
        chosen = [(p, dk.load_scenario(p)) for p in a.scenario]
        chosen = [(p, s, model_size(s)) for p, s in chosen]
    else:
        compact = dk.load_scenario(COMPACT)
        chosen = [(COMPACT, compact, model_size(compact)), largest_scenario()]
    m = machine()
    import hashlib

    hot = ("distributions.py", "sampling.py", "plan.py", "engine.py", "simulation.py", "trial_metrics.py",
           "workspace.py", "adoption.py", "timing.py", "finance/__init__.py", "finance/present_value.py",
           "finance/returns.py", "finance/irr_roots.py", "finance/payback_period.py")
    hot = tuple(f for f in hot if (ROOT / "decision_kit" / f).is_file())  # modules may become packages
    src = hashlib.sha256(b"".join((ROOT / "decision_kit" / f).read_bytes() for f in hot)).hexdigest()[:12]
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]) if argv is None else argv)
    print(f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['memory']} RAM, "
          f"{m['os']}, Python {m['python']}, numpy {m['numpy']}")
    print(f"decision_kit hot path: sha256 of {', '.join(hot)} = {src}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(other work on the machine skews times)")
    imp = import_time()
    print(f"import decision_kit: {imp['import'] * 1e3:.0f} ms over a bare interpreter "
          f"(-X importtime cumulative {(imp['importtime_cumulative'] or float('nan')) * 1e3:.1f} ms; "
          f"heavy modules loaded: {', '.join(imp['heavy_modules_loaded']) or 'none'}); "
          f"first use of simulate + load_scenario: {imp['first_use'] * 1e3:.0f} ms; "
          f"bare interpreter {imp['python_startup'] * 1e3:.0f} ms")

    from decision_kit import processes
    from decision_kit.simulation import default_threads

    threads = default_threads()
    workers = (a.workers or max(2, processes.usable_cores())) if processes.available() else 0
    print(f"worker processes: {workers or 'not available here (no fork)'}")
    results = []
    for path, scenario, size in chosen:
        print(f"\nscenario: {describe(path, scenario, size)}", flush=True)
        results.append((path, scenario, size, bench_scenario(path, scenario, a, threads, workers)))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for path, scenario, size, rows in results:
        print(f"\n### {describe(path, scenario, size)}")
        print_table(rows, threads, a)
        print_workers_table(rows, threads, workers)
        print("raw:", json.dumps([{"scenario": str(path), **r} for r in rows]))

    if _LAUNCHER is not None:
        _LAUNCHER.close()
    if a.profile:
        for path, scenario, _ in chosen:
            print(f"\n{path}:")
            profile(scenario, a.profile, a.seed)


if __name__ == "__main__":
    main()
