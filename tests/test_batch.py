"""Batch runs: a memo per scenario and an index, failures reported without stopping the others,
nothing overwritten unless asked; notebook runs under time limits; optional Dask scale-out."""

import io
import json
import os
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

import decision_kit as dk
from decision_kit import batch
from decision_kit.schema import Portfolio

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "marketing_automation.yaml"
TRIALS = 2000

BROKEN = "name: broken\nhorizon_years: 0\ndiscount_rate: 0.1\noptions: {a: {kind: buy}}\n"
PORTFOLIO = """name: tiny portfolio
budget: [100k]
initiatives:
  email: {owner: marketing, curve: {form: log, max_value: 50k, scale: 20k}}
"""


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


def _index(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_batch_over_the_shipped_scenarios(tmp_path):
    files = sorted(SCENARIOS.glob("*.yaml"))
    scenarios = [f for f in files if not isinstance(dk.load(f), Portfolio)]
    assert len(scenarios) >= 3
    calls = []
    out = batch.run_batch([SCENARIOS], tmp_path / "out", trials=TRIALS, seed=1, workers=2,
                          progress=lambda *a: calls.append(a))
    assert [i.source for i in out.items] == [str(f) for f in files]
    assert not out.failed, [i.message for i in out.failed]
    assert {Path(i.source) for i in out.ok} == set(scenarios)
    assert all(Path(i.source) not in scenarios for i in out.skipped)
    memos = sorted(p.name for p in (tmp_path / "out").glob("*.html") if p.name != "index.html")
    assert memos == sorted(f"{f.stem}.html" for f in scenarios)
    index = _index(out.index)
    assert sorted(index.hrefs) == memos
    text = " ".join(index.text)
    for item in out.ok:
        assert item.recommendation in text and f"{item.option} / {item.owner}" in text
        assert item.recommendation.startswith(("Recommend", "Too close to call at"))
    assert calls[0] == (0, len(files), "") and calls[-1][:2] == (len(files), len(files))
    assert sorted(c[2] for c in calls[1:]) == sorted(f.stem for f in files)


def test_a_failing_scenario_is_reported_and_the_others_still_run(tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    crashes = tmp_path / "crashes.yaml"
    crashes.write_text(DEFAULT.read_text().replace("name: Marketing automation platform", "name: Crashes", 1))

    import decision_kit.simulation as simulation

    original = simulation.simulate

    def flaky(scenario, *args, **kwargs):  # an unexpected error inside the package, for one scenario
        if scenario.name == "Crashes":
            raise RuntimeError("disk on fire")
        return original(scenario, *args, **kwargs)

    monkeypatch.setattr(simulation, "simulate", flaky)
    out = batch.run_batch([crashes, broken, DEFAULT], tmp_path / "out", trials=200, seed=0, workers=1,
                          formats=("html", "xlsx"))
    by_name = {i.name: i for i in out.items}
    assert by_name["crashes"].status == "failed" and by_name["crashes"].message == "RuntimeError: disk on fire"
    assert by_name["broken"].status == "failed"
    assert "broken.yaml:2:16: horizon_years: horizon_years must be between 1 and 50" in by_name["broken"].message
    good = by_name["marketing_automation"]
    assert good.status == "ok" and len(good.outputs) == 3 and all(Path(p).exists() for p in good.outputs)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["index.html", "marketing_automation-trials.csv", "marketing_automation.html",
                       "marketing_automation.xlsx"]  # every trial's metrics beside the workbook
    text = " ".join(_index(out.index).text)
    assert "disk on fire" in text and "horizon_years must be between 1 and 50" in text
    assert "2 failed" in text


def test_portfolios_and_missing_files(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "budget.yaml").write_text(PORTFOLIO)
    (tmp_path / "in" / "notes.txt").write_text("not a scenario")
    out = batch.run_batch([tmp_path / "in", tmp_path / "nowhere.yaml"], tmp_path / "out", trials=100, seed=0,
                          workers=1)
    assert [(i.name, i.status) for i in out.items] == [("budget", "skipped"), ("nowhere", "failed")]
    assert "portfolio" in out.skipped[0].message
    assert "nowhere.yaml" in out.failed[0].message
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["index.html"]


def test_batch_never_overwrites_unless_told(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "index.html").write_text("old index")
    with pytest.raises(FileExistsError, match="index.html"):
        batch.run_batch([DEFAULT], out_dir, trials=100, seed=0, workers=1)
    assert sorted(p.name for p in out_dir.iterdir()) == ["index.html"]  # nothing ran, nothing written
    assert (out_dir / "index.html").read_text() == "old index"
    out = batch.run_batch([DEFAULT], out_dir, trials=100, seed=0, workers=1, overwrite=True)
    assert out.ok and (out_dir / "index.html").read_text() != "old index"


def test_bad_requests_fail_before_any_work(tmp_path):
    with pytest.raises(dk.ScenarioError, match="trials must be a positive integer"):
        batch.run_batch([DEFAULT], tmp_path, trials=0, seed=0)
    with pytest.raises(ValueError, match="formats"):
        batch.run_batch([DEFAULT], tmp_path, trials=10, seed=0, formats=("pdf",))
    assert list(tmp_path.iterdir()) == []


def test_expand_names_are_unique(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "x.yaml").write_text("")
    jobs = batch.expand([tmp_path / "a", tmp_path / "b", tmp_path / "a" / "x.yaml"])
    assert [n for _, n in jobs] == ["x", "x-2"]


def test_terminal_progress():
    log = io.StringIO()
    bar = batch.TerminalProgress(log)
    for args in ((0, 2, ""), (1, 2, "one"), (2, 2, "two")):
        bar(*args)
    assert log.getvalue() == "[1/2] one\n[2/2] two\n"

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    bar = batch.TerminalProgress(tty, width=10)
    bar(1, 2, "one")
    bar(2, 2, "two")
    assert tty.getvalue().startswith("\r[#####-----] 1/2 one") and "\r[##########] 2/2 two" in tty.getvalue()
    assert tty.getvalue().endswith("\n")


# --- notebooks ------------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_outer_time_limit_kills_the_whole_process_group(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    code = ("import subprocess, sys, time; "
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True, "
            "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(60)")
    start = time.perf_counter()
    done = batch._run_limited([sys.executable, "-c", code], limit=3)
    assert done.timed_out and done.returncode is None
    assert time.perf_counter() - start < 30
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # the grandchild, in a session of its own like a Jupyter kernel, is gone too
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{grandchild}/stat").exists() and " Z " in Path(f"/proc/{grandchild}/stat").read_text():
            break
        time.sleep(0.1)
    else:
        pytest.fail("the grandchild survived the outer time limit")


def test_run_notebook_batch_names_a_missing_papermill(tmp_path):
    import importlib.util

    if importlib.util.find_spec("papermill") is not None:
        pytest.skip("papermill is installed: the real run is tested below")
    with pytest.raises(ModuleNotFoundError, match="papermill"):
        batch.run_notebook_batch(ROOT / "notebooks" / "quickstart.ipynb", [DEFAULT], tmp_path)
    assert list(tmp_path.iterdir()) == []


STAND_IN = """# A stand-in for `python -m papermill IN OUT -y PARAMS ...`: behaves as the notebook says.
import json, sys, time, yaml
args = sys.argv[1:]
src, dst = args[0], args[1]
params = yaml.safe_load(args[args.index("-y") + 1])
assert args[args.index("-k") + 1] == "python3" and "--execution-timeout" in args and "--cwd" in args
nb = json.load(open(src))
text = "".join(nb["cells"][0]["source"])
if "SLEEP" in text:
    time.sleep(60)
nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": yaml.safe_dump(params)})
json.dump(nb, open(dst, "w"))
if "CELL_TIMEOUT" in text:
    sys.exit("nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 3 seconds.")
if "FAIL" in text:
    sys.exit("papermill.exceptions.PapermillExecutionError: ZeroDivisionError: division by zero")
"""


def test_run_notebook_batch_statuses_with_a_stand_in_papermill(tmp_path, monkeypatch):
    """The orchestration around papermill (parameters, statuses, time limits, atomic outputs,
    HTML export), checked with a stand-in module so that it runs where papermill is not installed."""
    import importlib.util

    nbformat = pytest.importorskip("nbformat")
    if importlib.util.find_spec("papermill") is not None:
        pytest.skip("the real papermill is installed and tested below")
    fake = tmp_path / "fake"
    (fake / "papermill").mkdir(parents=True)
    (fake / "papermill" / "__init__.py").write_text("")
    (fake / "papermill" / "__main__.py").write_text(STAND_IN)
    monkeypatch.syspath_prepend(str(fake))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")]))
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    out = tmp_path / "out"
    has_nbconvert = importlib.util.find_spec("nbconvert") is not None
    for marker, status in (("OK", "ok"), ("FAIL", "failed"), ("CELL_TIMEOUT", "timed out"), ("SLEEP", "timed out")):
        nb = tmp_path / f"{marker.lower()}.ipynb"
        nb.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(marker)])))
        export = marker == "OK"  # one HTML export is enough (nbconvert takes seconds to start)
        runs = batch.run_notebook_batch(nb, [DEFAULT, broken], out, trials=123, seed=4, timeout=3, html=export,
                                        outer_timeout=3 if marker == "SLEEP" else 60)
        assert [r.status for r in runs] == [status, "failed"], [r.message for r in runs]
        assert "horizon_years must be between 1 and 50" in runs[1].message
        first = runs[0]
        if marker == "SLEEP":
            assert "outer limit" in first.message and first.notebook == "" and first.seconds < 30
            continue
        executed = Path(first.notebook)
        assert executed == out / f"{marker.lower()}-marketing_automation.ipynb"
        params = executed.read_text()
        assert f"scenario_path: {DEFAULT}" in params and "trials: 123" in params and "interactive: false" in params
        if marker == "CELL_TIMEOUT":
            assert first.message.startswith("a cell ran longer than 3 s")
        if marker == "FAIL":
            assert "ZeroDivisionError" in first.message
        if export and has_nbconvert:
            from decision_kit.report.memo import external_refs

            page = Path(first.html).read_text()
            assert Path(first.html) == out / "ok-marketing_automation.html" and "trials: 123" in page
            assert external_refs(page) == []  # no CDN scripts
        elif export:
            assert "nbconvert is not installed" in first.message and first.html == ""
    again = batch.run_notebook_batch(tmp_path / "ok.ipynb", [DEFAULT], out, html=False)
    assert again[0].status == "failed" and "already exists" in again[0].message


def _notebook(path: Path, body: str):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("scenario_path = ''\ntrials = 100\nseed = 0\ninteractive = True")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_run_notebook_batch_with_papermill(tmp_path):
    pytest.importorskip("papermill", reason="papermill is not installed (an optional extra; see batch.py)")
    ok = _notebook(tmp_path / "memo.ipynb", "import decision_kit as dk\n"
                   "r = dk.simulate(dk.load_scenario(scenario_path), trials=trials, seed=seed)\n"
                   "assert interactive is False\nprint(r.recommendation())")
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    runs = batch.run_notebook_batch(ok, [DEFAULT, broken], tmp_path / "out", trials=200, timeout=120)
    assert [r.status for r in runs] == ["ok", "failed"], [r.message for r in runs]
    # the notebook printed the recommendation of the same simulation (200 trials, seed 0)
    expected = dk.simulate(dk.load_scenario(DEFAULT), trials=200, seed=0).recommendation()
    assert Path(runs[0].notebook).exists() and json.dumps(expected)[1:-1][:60] in Path(runs[0].notebook).read_text()
    slow = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    runs = batch.run_notebook_batch(slow, [DEFAULT], tmp_path / "out", timeout=3, outer_timeout=40)
    assert runs[0].status == "timed out", runs[0].message


# --- Dask -----------------------------------------------------------------------------------

def test_batch_on_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="dask.distributed is not installed "
                                      "(not a dependency; see the Dask section of decision_kit/batch.py)")
    jobs = batch.expand([DEFAULT, SCENARIOS / "webinar_platform.yaml"])
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        futures = [client.submit(batch.run_one, str(p), str(tmp_path), name=n, trials=TRIALS, seed=1, pure=False)
                   for p, n in jobs]
        items = client.gather(futures)
    assert [i.status for i in items] == ["ok", "ok"]
    index = batch.write_index(items, tmp_path, trials=TRIALS, seed=1)
    assert sorted(_index(index).hrefs) == sorted(f"{n}.html" for _, n in jobs)
