"""Latency of the planning-session dashboard (DESIGN.md section 7, issue 6 item 4).

Builds :class:`decision_kit.widgets.Dashboard` for the largest shipped scenario in plain
Python (no kernel, no browser: setting a widget's value calls the dashboard's observer
synchronously), then changes every control programmatically, alternately to a moved value
and back, and times each full update: building and validating the adjusted scenario,
simulating at the interactive trial count, the summary, recommendation and stakeholder view,
and redrawing the visible chart to PNG. Also times opening each other chart tab after a
change (a hidden chart is redrawn when its tab is opened).

Prints, per control, the median and the worst of ``--repeats`` updates in wall-clock time
and in process CPU time (wall time also counts waiting for a busy CPU; CPU time is closer to
what an update costs on an idle machine), then the bar of issue 6: the slowest control's
median under 150 ms and the worst single update under 400 ms. Controls that only re-read
the current simulation (stakeholder weights, risk tolerance, the owner shown) are much
faster than those that re-simulate; the median of the latter is printed too.

The largest scenario is chosen by options x owners x periods x lines
(``loop_model.model_size``), as in ``bench_simulation.py``. No assertions: these VMs vary
from run to run; read the load average printed with the results.

    .venv/bin/python benchmarks/bench_dashboard.py
    .venv/bin/python benchmarks/bench_dashboard.py --repeats 3 --trials 2000
    .venv/bin/python benchmarks/bench_dashboard.py --json out/bench_dashboard.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

MEDIAN_BAR_MS = 150.0
WORST_BAR_MS = 400.0


def largest_scenario():
    """(path, scenario) of the largest shipped scenario (the one the simulation benchmark uses)."""
    from bench_simulation import largest_scenario as largest

    path, scenario, _ = largest()
    return path, scenario


def moved_value(widget):
    """A valid value for ``widget`` other than its current one (a few steps along a slider,
    the next option of a dropdown, another amount in a text box)."""
    value = widget.value
    if hasattr(widget, "step") and hasattr(widget, "max"):
        step = widget.step * (1 if isinstance(value, int) else 4)
        up = value + step
        return up if up <= widget.max else value - step
    if hasattr(widget, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return values[(values.index(value) + 1) % len(values)]
    return "4M" if value != "4M" else "6M"  # the risk tolerance text box


def timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms) of ``fn()``."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - w0) * 1e3, (time.process_time() - c0) * 1e3


def reference_redraw_ms(repeats: int = 10) -> tuple[float, float]:
    """Median (wall ms, CPU ms) to redraw a one-line matplotlib chart of the dashboard's size
    to PNG: a yardstick for comparing this machine with others."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.8), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    times = []
    for i in range(repeats):
        ax.clear()
        ax.plot([0, 1, 2], [0, i, 2 * i])
        ax.set_title("reference")
        times.append(timed(lambda: fig.savefig(io.BytesIO(), format="png")))
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def breakdown(dash, repeats: int) -> dict:
    """Median (wall ms, CPU ms) of the phases of an update that re-simulates: building and
    validating the scenario, simulating, the text outputs (summary, recommendation,
    stakeholder view), and a chart (the NPV histogram: the cumulative cost is kept at a new rate)."""
    from decision_kit.simulation import simulate

    phases: dict[str, list] = {"scenario": [], "simulate": [], "text outputs": [], "chart": []}
    rate = dash.controls["discount_rate"]
    for i in range(repeats):
        scenario = dash.scenario.replace(discount_rate=dash.scenario.discount_rate + 0.001 * (i + 1))
        phases["scenario"].append(timed(lambda: dash.scenario.replace(discount_rate=rate.value / 100 + 0.001)))
        box = {}
        phases["simulate"].append(timed(lambda: box.setdefault(
            "r", simulate(scenario, dash.interactive_trials, dash.seed))))
        r = box["r"]
        phases["text outputs"].append(timed(lambda: (r.recommendation(), dash._stakeholders_html(r),
                                                     dash._summary_html(r))))
        phases["chart"].append(timed(lambda: dash.charts[1].render(r, None)))  # NPV: moves with the rate
    return {k: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v)) for k, v in phases.items()}


def run(repeats: int, trials: int | None, only: str | None) -> dict:
    from decision_kit.widgets import Dashboard

    path, scenario = largest_scenario()
    t0 = time.perf_counter()
    dash = Dashboard(scenario, path, interactive_trials=trials)
    build_ms = (time.perf_counter() - t0) * 1e3
    print(f"scenario {path.relative_to(ROOT)}: {len(scenario.options)} options x {len(scenario.owners)} owners x "
          f"{scenario.horizon_years + 1} periods; interactive trials {dash.interactive_trials:,}; "
          f"build {build_ms:,.0f} ms")

    # warm-up: one change of a model control and of a view control, and every chart drawn once
    for key in ("discount_rate", "owner"):
        w = dash.controls[key]
        default = w.value
        w.value = moved_value(w)
        w.value = default
    for i in range(len(dash.charts)):
        dash.chart_tabs.selected_index = i
    dash.chart_tabs.selected_index = 0

    # round robin: every control moves once per round (to a moved value, then back in the next
    # round), so a burst of load from elsewhere on the machine spreads over all controls
    keys = [k for k in dash.controls if k != "whatif_name" and (only is None or only in k)
            and not getattr(dash.controls[k], "disabled", False)]
    values = {k: (dash.controls[k].value, moved_value(dash.controls[k])) for k in keys}
    times: dict[str, list] = {k: [] for k in keys}
    for i in range(repeats):
        for key in keys:
            target = values[key][1] if i % 2 == 0 else values[key][0]
            times[key].append(timed(lambda: setattr(dash.controls[key], "value", target)))
            if dash.error:
                raise SystemExit(f"control {key} gave an error: {dash.error}")
    dash.reset()
    rows = []
    for key in keys:
        walls, cpus = [t[0] for t in times[key]], [t[1] for t in times[key]]
        rows.append({"control": key, "model": dash.inputs.get(key) is not None and not key.startswith("weight."),
                     "median_ms": statistics.median(walls), "worst_ms": max(walls),
                     "cpu_median_ms": statistics.median(cpus), "cpu_worst_ms": max(cpus), "walls": walls})

    tabs = []
    rate = dash.controls["discount_rate"]
    default_rate = rate.value
    for i, chart in enumerate(dash.charts[1:], start=1):
        walls, cpus = [], []
        for r in range(repeats):
            dash.chart_tabs.selected_index = 0
            rate.value = moved_value(rate) if rate.value == default_rate else default_rate  # a new simulation
            wall, cpu = timed(lambda: setattr(dash.chart_tabs, "selected_index", i))
            walls.append(wall)
            cpus.append(cpu)
        dash.chart_tabs.selected_index = 0
        tabs.append({"control": f"open tab '{chart.title}'", "median_ms": statistics.median(walls),
                     "worst_ms": max(walls), "cpu_median_ms": statistics.median(cpus), "cpu_worst_ms": max(cpus)})
    rate.value = default_rate

    slowest = max(rows, key=lambda r: r["median_ms"])
    return {"scenario": str(path.relative_to(ROOT)), "interactive_trials": dash.interactive_trials,
            "repeats": repeats, "build_ms": build_ms, "controls": rows, "tabs": tabs,
            "slowest_control": slowest["control"], "median_ms": slowest["median_ms"],
            "worst_ms": max(r["worst_ms"] for r in rows),
            "model_median_ms": statistics.median([t for r in rows if r["model"] for t in r["walls"]]),
            "cpu_median_ms": max(r["cpu_median_ms"] for r in rows),
            "cpu_worst_ms": max(r["cpu_worst_ms"] for r in rows),
            "breakdown": breakdown(dash, repeats), "load_average": os.getloadavg(), "cpus": os.cpu_count(),
            "reference_redraw_ms": reference_redraw_ms()}


def report(res: dict) -> None:
    print(f"\n{'control':44s} {'median':>8s} {'worst':>8s} {'cpu med':>8s} {'cpu max':>8s}   (ms)")
    for r in res["controls"] + res["tabs"]:
        print(f"{r['control']:44s} {r['median_ms']:8.0f} {r['worst_ms']:8.0f} {r['cpu_median_ms']:8.0f} "
              f"{r['cpu_worst_ms']:8.0f}")
    ok_median = res["median_ms"] < MEDIAN_BAR_MS
    ok_worst = res["worst_ms"] < WORST_BAR_MS
    print(f"\n{len(res['controls'])} controls x {res['repeats']} updates at {res['interactive_trials']:,} trials:")
    print(f"  slowest control's median {res['median_ms']:.0f} ms ({res['slowest_control']}; "
          f"{'under' if ok_median else 'OVER'} the {MEDIAN_BAR_MS:.0f} ms bar)")
    print(f"  worst single update {res['worst_ms']:.0f} ms ({'under' if ok_worst else 'OVER'} the "
          f"{WORST_BAR_MS:.0f} ms bar)")
    print(f"  median of the updates that re-simulate {res['model_median_ms']:.0f} ms")
    print(f"  CPU time: slowest control's median {res['cpu_median_ms']:.0f} ms, worst {res['cpu_worst_ms']:.0f} ms")
    parts = ", ".join(f"{k} {w:.0f} ({c:.0f})" for k, (w, c) in res["breakdown"].items())
    print(f"  one re-simulating update, wall (CPU) ms: {parts}")
    w, c = res["reference_redraw_ms"]
    print(f"  yardstick: a one-line chart redrawn to PNG takes {w:.0f} ms ({c:.0f} ms CPU) on this machine")
    la = res["load_average"]
    print(f"load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {res['cpus']} CPUs"
          + (" (busy machine: wall times are inflated; CPU times are the cost of an update)" if la[0] > res["cpus"] else ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=6, help="updates per control (alternating moved value and back)")
    ap.add_argument("--trials", type=int, default=None, help="interactive trials (default: the dashboard's rule)")
    ap.add_argument("--only", default=None, help="only controls whose name contains this text")
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = ap.parse_args(argv)
    res = run(args.repeats, args.trials, args.only)
    report(res)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1, default=list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
