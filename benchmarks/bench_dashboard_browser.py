"""Latency of the served dashboard in a real browser (issue 17 item 3).

Serves ``notebooks/dashboard.ipynb`` with Voilà on 127.0.0.1 (a free port), opens it in headless
Debian Chromium through Playwright at 1280x800 and measures, in the page's own clock
(``performance.now()``):

- **first render**: from the start of the navigation to the summary table and the chart on the
  screen (the frame after the chart's picture is decoded), for ``--loads`` page loads (each
  starts a kernel and runs the notebook, as a leader opening the link does);
- **input to screen**: for each control, ``--steps`` changes made the way a leader makes them,
  from the key press (the ``keydown`` event, or the ``change`` of a dropdown) to the frame that
  shows the last change the update made to the page: the summary table, the chart's new picture
  (decoded), the status line (written last). A chart whose picture is the same is not sent
  again (the cumulative cost does not depend on the discount rate); the table says how many
  changes brought a new picture. The controls: the
  discount rate (arrow keys on the slider's handle; the update reuses the compiled plan and the
  draws), the horizon and the largest cost line of ``build`` (typed into the box beside the
  slider; a new plan and new draws), and the owner shown (a dropdown; nothing simulated, the
  table and the chart redrawn). Each change waits for the previous one's screen.

Also prints the update time the dashboard reports in its status line (``Updated in N ms``: the
kernel's part, from the change reaching Python to the last output set), the machine (CPU model,
cores, load average before and after) and writes everything to ``--json`` if asked. No
assertions and no bars are checked here: the issue's bars (median under 100 ms, worst under
300 ms, first render under 3 s) are compared in docs/benchmarks.md, with the machine.

Needs /usr/bin/chromium (``make browser``), playwright and voila; run from the repository root:

    .venv/bin/python benchmarks/bench_dashboard_browser.py
    .venv/bin/python benchmarks/bench_dashboard_browser.py --steps 10 --loads 1 --json out/bench_browser.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "dashboard.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 800}
CHART = ".dk-chart-cumulative_cost"

PROBE = """() => {
  const dk = window.__dk = {t0: null, last: null, summary: null, chart: null};
  const mark = key => requestAnimationFrame(() => { const t = performance.now(); dk[key] = t;
    dk.last = Math.max(dk.last || 0, t); });  // the frame that shows the change
  document.addEventListener('keydown', e => { if (['ArrowLeft', 'ArrowRight', 'Enter'].includes(e.key))
    dk.t0 = e.timeStamp; }, true);
  document.addEventListener('change', e => { if (e.target.tagName === 'SELECT') dk.t0 = e.timeStamp; }, true);
  const summary = document.querySelector('.dk-summary'), img = document.querySelector('CHART');
  new MutationObserver(records => {
    for (const r of records) {
      if (r.target === img) img.decode().then(() => mark('chart'), () => mark('chart'));  // a new picture
      else mark(summary.contains(r.target) ? 'summary' : 'other');
    }
  }).observe(document.querySelector('.dk-dashboard'), {subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['src']});
}""".replace("CHART", CHART)

FIRST = """() => new Promise(done => {
  const img = document.querySelector('CHART');
  img.decode().then(() => requestAnimationFrame(() => done(performance.now())));
})""".replace("CHART", CHART)


def machine() -> dict:
    """CPU model, cores and load average of this machine."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average": os.getloadavg()}  # fmt: skip


def serve(log: Path, extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Voilà serving the dashboard notebook on a free port; (process, url) once it listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
                                 "--Voila.ip=127.0.0.1", *extra], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"voila did not listen within 60 s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """End Voilà and the kernels it started (its own process group), nothing else."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def first_render(page, url: str) -> float:
    """Milliseconds from the start of the navigation to the table and the chart on the screen."""
    page.goto(url, timeout=90_000)
    page.wait_for_selector(".dk-summary table", timeout=90_000)
    page.wait_for_selector(f"{CHART}[src]", timeout=90_000)
    return float(page.evaluate(FIRST))


def step(page, act) -> tuple[float, float, bool]:
    """(input-to-screen ms, the dashboard's own update ms, whether the chart changed) of one
    change made by ``act()``: from the input event to the frame showing the last change the
    update made (the status line is written last), once the page has been quiet for 300 ms."""
    status = page.locator(".dk-status").inner_text()
    page.evaluate("() => { const dk = window.__dk; dk.t0 = dk.last = dk.summary = dk.chart = null; }")
    act()
    try:  # the status line is written last; the same words twice make no change to wait for
        page.wait_for_function("s => document.querySelector('.dk-status').innerText !== s", arg=status, timeout=3_000)
    except Exception:  # playwright's TimeoutError
        pass
    page.wait_for_function("() => { const dk = window.__dk; return dk.t0 !== null && dk.summary > dk.t0 "
                           "&& performance.now() - dk.last > 300; }", polling=50, timeout=30_000)  # fmt: skip
    dk = page.evaluate("() => window.__dk")
    reported = re.search(r"Updated in ([\d,]+) ms", page.locator(".dk-status").inner_text())
    kernel = float(reported.group(1).replace(",", "")) if reported else float("nan")
    return dk["last"] - dk["t0"], kernel, dk["chart"] is not None


def controls(page, steps: int) -> dict[str, list[tuple[float, float, bool]]]:
    """Input-to-screen and reported times of ``steps`` changes of each benchmarked control."""
    page.evaluate(PROBE)
    out: dict[str, list[tuple[float, float, bool]]] = {}
    handle = page.locator(".dk-discount_rate .noUi-handle")

    def key(k):
        handle.focus()
        page.keyboard.press(k)

    out["discount rate (arrow key)"] = [step(page, lambda i=i: key("ArrowRight" if i % 2 == 0 else "ArrowLeft"))
                                        for i in range(steps)]  # fmt: skip

    def typed(selector, value):
        box = page.locator(selector)
        box.fill(value)
        box.press("Enter")

    horizon = page.locator(".dk-horizon-typed input").input_value()
    other = str(int(horizon) + 1)
    out["horizon (typed)"] = [step(page, lambda i=i: typed(".dk-horizon-typed input", other if i % 2 == 0 else horizon))
                              for i in range(steps)]  # fmt: skip
    page.get_by_text("Launch delays and key costs").click()
    cost = ".dk-cost-build-typed input"
    page.locator(cost).wait_for(state="visible")
    out["build's key cost (typed)"] = [step(page, lambda i=i: typed(cost, "1.2" if i % 2 == 0 else "1"))
                                       for i in range(steps)]  # fmt: skip
    page.get_by_text("Money and time").click()
    owner = page.locator(".dk-owner select")
    owner.wait_for(state="visible")
    labels = [o.strip() for o in owner.locator("option").all_inner_texts()]
    out["owner shown (dropdown)"] = [step(page, lambda i=i: owner.select_option(label=labels[2 + i % 2]))
                                     for i in range(steps)]  # fmt: skip
    return out


def run(steps: int, loads: int, extra: tuple[str, ...] = (), pause: float = 0.0) -> dict:
    from playwright.sync_api import sync_playwright

    before = machine()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = serve(Path(tmp) / "voila.log", extra)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    renders = []
                    for _ in range(loads):
                        time.sleep(pause)  # a preheated kernel (--voila-arg=--preheat_kernel=True) is ready again
                        page = browser.new_page(viewport=VIEWPORT)
                        renders.append(first_render(page, url))
                        page.close()
                    page = browser.new_page(viewport=VIEWPORT)
                    first_render(page, url)
                    page.wait_for_timeout(1000)
                    times = controls(page, steps)
                finally:
                    browser.close()
        finally:
            stop(proc)
    return {
        "machine": before,
        "load_average_after": os.getloadavg(),
        "steps": steps,
        "first_render_ms": renders,
        "controls": {
            k: {"screen_ms": [t[0] for t in v], "reported_ms": [t[1] for t in v], "chart_changed": [t[2] for t in v]}
            for k, v in times.items()
        },
    }


def report(res: dict) -> None:
    m = res["machine"]
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; load average "
        f"{' '.join(f'{x:.2f}' for x in m['load_average'])} before, "
        f"{' '.join(f'{x:.2f}' for x in res['load_average_after'])} after"
    )
    r = res["first_render_ms"]
    print(
        f"first render (navigation to table and chart on screen), {len(r)} loads: median "
        f"{statistics.median(r) / 1e3:.2f} s, worst {max(r) / 1e3:.2f} s"
    )
    print(
        f"\n{'control':30s} {'steps':>5s} {'median':>8s} {'worst':>8s} {'kernel med':>11s} {'kernel max':>11s} "
        f"{'chart new':>9s}   (ms)"
    )
    every = []
    for name, t in res["controls"].items():
        s, k = t["screen_ms"], t["reported_ms"]
        every += s
        print(
            f"{name:30s} {len(s):5d} {statistics.median(s):8.0f} {max(s):8.0f} {statistics.median(k):11.0f} "
            f"{max(k):11.0f} {sum(t['chart_changed']):5d}/{len(s)}"
        )
    print(f"{'all changes':30s} {len(every):5d} {statistics.median(every):8.0f} {max(every):8.0f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=30, help="changes per control (alternating two values)")
    ap.add_argument("--loads", type=int, default=3, help="page loads timed for the first render")
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    ap.add_argument("--voila-arg", action="append", default=[], help="an extra Voila option (repeatable)")
    ap.add_argument("--pause", type=float, default=0.0, help="seconds to wait before each timed page load")
    args = ap.parse_args(argv)
    if not os.access(CHROMIUM, os.X_OK):
        print(f"skipped: the browser benchmark needs Debian's chromium at {CHROMIUM} (make browser)")
        return 0
    res = run(args.steps, args.loads, tuple(args.voila_arg), args.pause)
    res["voila_args"] = args.voila_arg
    report(res)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
