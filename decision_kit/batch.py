"""Batch runs: a memo for every scenario of a folder, in parallel, with an index page.

:func:`run_batch` simulates every scenario file it is given (files, or directories whose
``*.yaml`` files are taken in name order), writes one memo per scenario (HTML and/or Excel,
see :mod:`decision_kit.report`) and an ``index.html`` comparing them: recommendation, best
option x owner cell, expected NPV, probability best, and links to the memos. Portfolios are
skipped with a note. A scenario that fails (a :class:`~decision_kit.errors.ScenarioError` or
any other error) is reported with its message in the index and in the returned
:class:`BatchResult`; the others carry on, and every file is written atomically. Before any
work starts the batch refuses (``FileExistsError``) if an output it would write already
exists, unless ``overwrite=True``.

Scenarios run in parallel on all local cores with :class:`concurrent.futures.ProcessPoolExecutor`
(``spawn`` start method, safe from threaded parents such as Jupyter); ``workers=1`` runs them
in-process. ``progress(done, total, name)`` is called in the calling process after each
scenario; :class:`TerminalProgress` draws a bar on standard error.

:func:`run_notebook_batch` executes a notebook once per scenario with papermill (parameters
``scenario_path``, ``trials``, ``seed`` and ``interactive=False``), each run under a per-cell
execution timeout and an outer wall-clock limit, and exports each executed notebook to HTML
with nbconvert when it is installed.

Scaling out with Dask
---------------------
Nothing here depends on Dask. :func:`run_one` is a plain, picklable function that runs one
scenario and returns a :class:`BatchItem` (it never raises for a bad scenario), and
:func:`write_index` writes the index from any list of items, so a ``dask.distributed`` cluster
can run the scenarios instead of local processes::

    from dask.distributed import Client
    from decision_kit.batch import expand, run_one, write_index

    client = Client("tcp://scheduler:8786")        # or Client() for a local cluster
    jobs = expand(["scenarios/"])                  # [(path, memo name), ...]
    futures = [client.submit(run_one, str(path), "/shared/memos", name=name, trials=200_000,
                             seed=7, formats=("html", "xlsx"), pure=False) for path, name in jobs]
    items = client.gather(futures)
    write_index(items, "/shared/memos", trials=200_000, seed=7)

The workers need decision_kit installed and ``out_dir`` on a file system they share with the
client (otherwise write to a local folder on each worker and collect the files). A large trial
count for one scenario runs on a single worker: :func:`decision_kit.simulate` already works in
chunks of bounded memory (``max_memory``), so give that worker the memory and cores it needs
(``client.submit(..., resources=...)``). A simulation's trials are not split across machines:
results would stay identical to a single run only if a worker could simulate a given range of
random-number blocks (``sampling.block_generator(seed, b)`` makes that possible) and results
could be merged, which :mod:`decision_kit.simulation` does not offer today.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from .errors import ScenarioError

FORMATS = ("html", "xlsx")
"""Memo formats :func:`run_batch` can write."""

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BatchItem:
    """What happened to one scenario file of a batch.

    ``status`` is ``"ok"``, ``"failed"`` (``message`` says why) or ``"skipped"`` (a portfolio;
    ``message`` says so). For a scenario that ran: its ``scenario`` name, content hash, the
    ``recommendation`` line, the best cell (``option``, ``owner``) by expected NPV with its
    ``npv_mean`` (in ``currency``) and ``p_best``, and the memo files written (``outputs``).
    """

    source: str
    name: str
    status: str
    message: str = ""
    outputs: tuple[str, ...] = ()
    scenario: str = ""
    scenario_hash: str = ""
    recommendation: str = ""
    option: str = ""
    owner: str = ""
    npv_mean: float = math.nan
    p_best: float = math.nan
    currency: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class BatchResult:
    """The items of a batch in input order, and the index page written."""

    items: tuple[BatchItem, ...]
    index: Path | None = None

    @property
    def ok(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if i.status == "ok")

    @property
    def failed(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if i.status == "failed")

    @property
    def skipped(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if i.status == "skipped")

    def to_frame(self):
        """One row per scenario file (pandas DataFrame)."""
        import pandas as pd

        return pd.DataFrame([asdict(i) for i in self.items])


# --- one scenario -------------------------------------------------------------------------

def run_one(path: str | os.PathLike, out_dir: str | os.PathLike, *, trials: int, seed: int,
            formats: Sequence[str] = ("html",), overwrite: bool = False, name: str | None = None,
            generated: datetime | None = None, threads: int | None = None) -> BatchItem:
    """Load, simulate and write the memo(s) of one scenario file; never raises for a bad input.

    Memos are written to ``out_dir/<name>.<format>`` (``name`` defaults to the file's stem).
    ``threads`` is passed to :func:`~decision_kit.simulate` (the pool passes 1: its processes
    already use every core). A portfolio is skipped. Any exception (other than an interrupt) becomes a ``"failed"``
    item whose message is the error's text (for a ScenarioError: file, line, column, field
    and what is wrong).
    """
    from .loading import content_hash, load
    from .report import standard_analyses, write_html, write_xlsx
    from .report.traced import trials_csv_path
    from .schema import Portfolio
    from .simulation import simulate

    path = Path(path)
    name = name or path.stem
    start = time.perf_counter()
    outputs: list[str] = []
    try:
        obj = load(path)
        if isinstance(obj, Portfolio):
            return BatchItem(str(path), name, "skipped", f"portfolio '{obj.name}': budget allocation, not a "
                             "scenario memo", scenario=obj.name, seconds=time.perf_counter() - start)
        result = simulate(obj, trials=trials, seed=seed, threads=threads)
        summary = result.summary()
        option, owner = result.best_cell
        for fmt in formats:
            target = Path(out_dir) / f"{name}.{fmt}"
            if fmt == "html":
                analyses = standard_analyses(result)
                outputs.append(str(write_html(result, target, overwrite=overwrite, generated=generated,
                                              analyses=analyses)))
            else:
                outputs.append(str(write_xlsx(result, target, overwrite=overwrite, generated=generated)))
                outputs.append(str(trials_csv_path(target)))  # every trial's metrics, beside the workbook
        return BatchItem(str(path), name, "ok", outputs=tuple(outputs), scenario=obj.name,
                         scenario_hash=content_hash(obj), recommendation=result.recommendation(),
                         option=option, owner=owner, npv_mean=float(summary.at[(option, owner), "npv_mean"]),
                         p_best=float(summary.at[(option, owner), "p_best"]), currency=obj.currency,
                         seconds=time.perf_counter() - start)
    except Exception as exc:  # reported, never raised: one bad scenario must not stop a batch
        message = str(exc) if isinstance(exc, (ScenarioError, FileExistsError)) else f"{type(exc).__name__}: {exc}"
        return BatchItem(str(path), name, "failed", message, outputs=tuple(outputs),
                         seconds=time.perf_counter() - start)


# --- the batch ----------------------------------------------------------------------------

def expand(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[tuple[Path, str]]:
    """Scenario files to run, in order, each with a unique memo name (its stem, ``-2``... on a clash).

    A directory contributes its ``*.yaml`` and ``*.yml`` files in name order (not recursively);
    a file is taken as given, even if it does not exist (the batch then reports it as failed).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file()))
        else:
            files.append(p)
    seen, used, out = set(), set(), []
    for f in files:
        key = f.resolve()
        if key in seen:
            continue
        seen.add(key)
        name, k = f.stem, 1
        while name in used:
            k += 1
            name = f"{f.stem}-{k}"
        used.add(name)
        out.append((f, name))
    return out


def _check_request(trials, seed, formats) -> tuple[str, ...]:
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or trials < 1:
        raise ScenarioError(f"trials must be a positive integer, got {trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer, got {seed!r}")
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be one or more of {', '.join(FORMATS)}; got {', '.join(formats) or 'none'}")
    return tuple(dict.fromkeys(formats))


def local_cores() -> int:
    """Cores this process may use."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def run_batch(paths, out_dir: str | os.PathLike, *, trials: int, seed: int, formats: Sequence[str] = ("html",),
              overwrite: bool = False, workers: int | None = None, progress: Progress | None = None) -> BatchResult:
    """Run every scenario of ``paths`` and write a memo per scenario plus ``out_dir/index.html``.

    Parameters
    ----------
    paths : a scenario file or directory, or several (see :func:`expand`).
    out_dir : folder for the memos and the index (created if missing).
    trials, seed : as for :func:`decision_kit.simulate`; the same for every scenario.
    formats : ``"html"`` and/or ``"xlsx"``.
    overwrite : replace existing outputs. Without it, the batch raises ``FileExistsError``
        before doing any work if a memo or the index it would write exists.
    workers : processes to use (default: every local core, at most one per scenario);
        ``1`` runs in this process.
    progress : ``progress(done, total, name)``, called with ``done=0`` first and then after
        each scenario (``name`` is its memo name).

    Returns
    -------
    BatchResult : every item in input order (failed and skipped ones included) and the index path.
    """
    formats = _check_request(trials, seed, formats)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    out_dir = Path(out_dir)
    jobs = expand(paths)
    if not overwrite:
        planned = [out_dir / f"{name}.{fmt}" for _, name in jobs for fmt in formats] + [out_dir / "index.html"]
        planned += [out_dir / f"{name}-trials.csv" for _, name in jobs if "xlsx" in formats]  # beside each workbook
        existing = [str(p) for p in planned if p.exists()]
        if existing:
            raise FileExistsError(f"{len(existing)} output(s) already exist ({', '.join(existing[:3])}"
                                  f"{', ...' if len(existing) > 3 else ''}); pass overwrite=True (--force) "
                                  "to replace them")
    generated = datetime.now(UTC)
    kwargs = dict(trials=int(trials), seed=int(seed), formats=formats, overwrite=overwrite, generated=generated)
    total = len(jobs)
    items: list[BatchItem | None] = [None] * total
    if progress:
        progress(0, total, "")
    n_workers = min(workers or local_cores(), total)
    if n_workers <= 1:
        for k, (path, name) in enumerate(jobs):
            items[k] = run_one(path, out_dir, name=name, **kwargs)
            if progress:
                progress(k + 1, total, name)
    else:
        _run_pool(jobs, out_dir, kwargs, n_workers, items, progress)
    index = write_index(items, out_dir, trials=trials, seed=seed, overwrite=overwrite, generated=generated)
    return BatchResult(tuple(items), index)


def _run_pool(jobs, out_dir, kwargs, n_workers, items, progress):
    """Run jobs in worker processes; a worker that dies takes only its own scenario down."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    done, total, broken = 0, len(jobs), []
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx)
    try:
        futures = {pool.submit(run_one, path, out_dir, name=name, threads=1, **kwargs): k
                   for k, (path, name) in enumerate(jobs)}
        for fut in as_completed(futures):
            k = futures[fut]
            try:
                items[k] = fut.result()
            except BrokenProcessPool:
                broken.append(k)
                continue
            done += 1
            if progress:
                progress(done, total, jobs[k][1])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    # A crashed worker (e.g. killed for memory) breaks the whole pool: rerun its scenarios one
    # by one, each in a fresh process, so only the culprit fails. Files they may already have
    # written are theirs (the batch checked that no output existed before it started).
    for k in broken:
        path, name = jobs[k]
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as single:
            try:
                items[k] = single.submit(run_one, path, out_dir, name=name, **{**kwargs, "overwrite": True}).result()
            except BrokenProcessPool as exc:
                items[k] = BatchItem(str(path), name, "failed", f"the worker process running it died ({exc})")
        done += 1
        if progress:
            progress(done, total, name)


def write_index(items: Sequence[BatchItem], out_dir: str | os.PathLike, *, trials: int, seed: int,
                overwrite: bool = False, generated: datetime | None = None) -> Path:
    """Write ``out_dir/index.html``: one row per item, failures with their messages, links to memos."""
    from . import __version__
    from .formatting import compact, percent
    from .loading import write_text_atomic
    from .report import render

    out_dir = Path(out_dir)
    rows = []
    for i in items:
        links = [{"href": quote(Path(o).name), "label": Path(o).suffix.lstrip(".").upper()} for o in i.outputs]
        ok = i.status == "ok"
        rows.append({"item": i, "links": links, "npv": f"{compact(i.npv_mean)} {i.currency}".strip() if ok else "",
                     "p_best": percent(i.p_best) if i.status == "ok" else ""})
    when = (generated or datetime.now(UTC)).astimezone(UTC)
    html = render("index.html.j2", rows=rows, version=__version__, trials=trials, seed=seed,
                  generated=when.strftime("%Y-%m-%d %H:%M UTC"),
                  counts={s: sum(i.status == s for i in items) for s in ("ok", "failed", "skipped")})
    return write_text_atomic(out_dir / "index.html", html, overwrite=overwrite)


# --- a progress bar -----------------------------------------------------------------------

class TerminalProgress:
    """A progress callback that draws ``[#####-----] 3/8 name`` on standard error.

    On a terminal the bar is redrawn in place and ends with a newline when done; otherwise
    (a log file, CI) one line is written per finished item. No dependencies.
    """

    def __init__(self, stream=None, width: int = 28):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.tty:
            if done:
                self.stream.write(f"[{done}/{total}] {name}\n")
                self.stream.flush()
            return
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        columns = shutil.get_terminal_size((80, 20)).columns
        line = f"[{bar}] {done}/{total} {name}"[: columns - 1]
        self.stream.write("\r" + line.ljust(columns - 1))
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


# --- notebooks per scenario ---------------------------------------------------------------

@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook: ``status`` is ``"ok"``, ``"failed"``, ``"timed out"`` or ``"skipped"``."""

    source: str
    name: str
    status: str
    message: str = ""
    notebook: str = ""
    html: str = ""
    seconds: float = 0.0


def _require(module: str, purpose: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ModuleNotFoundError(
            f"{purpose} needs {module}, which is not installed in this environment "
            f"({sys.executable}); install it with: pip install {module}", name=module)


@dataclass(frozen=True)
class _Completed:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float


def _descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (Linux ``/proc``; empty elsewhere), children first."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _run_limited(cmd: Sequence[str], limit: float, cwd: str | None = None) -> _Completed:
    """Run ``cmd``; after ``limit`` seconds kill it with everything it started and report a timeout.

    The command runs in its own process group. Jupyter starts kernels in sessions of their
    own, so at the limit the command's descendants are also found (``/proc``) and killed by
    id, the kernel included.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=cwd, start_new_session=(os.name == "posix"))
    try:
        out, err = proc.communicate(timeout=limit)
        return _Completed(proc.returncode, out, err, False, time.perf_counter() - start)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            below = _descendants(proc.pid)
            for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), *(
                    (lambda p=p: os.kill(p, signal.SIGKILL)) for p in below)):
                try:
                    kill()
                except (ProcessLookupError, PermissionError):
                    pass
        else:  # pragma: no cover
            proc.kill()
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # a straggler still holds the pipes: give up on the output
            proc.kill()
            out, err = "", ""
        return _Completed(None, out or "", err or "", True, time.perf_counter() - start)


def _with_suffix(stem: Path, suffix: str) -> Path:
    return stem.parent / f"{stem.name}{suffix}"


def _tail(text: str, lines: int = 12) -> str:
    kept = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(kept[-lines:])


def _precheck(path: Path, name: str, targets: list[Path], overwrite: bool) -> NotebookRun | None:
    """A skipped or failed run if the file is a portfolio, invalid, or its outputs exist; else None."""
    from .loading import load
    from .schema import Portfolio

    try:
        obj = load(path)
    except ScenarioError as exc:
        return NotebookRun(str(path), name, "failed", str(exc))
    if isinstance(obj, Portfolio):
        return NotebookRun(str(path), name, "skipped", f"portfolio '{obj.name}': not a scenario")
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        return NotebookRun(str(path), name, "failed", f"{existing[0]} already exists; pass overwrite=True "
                           "(--force) to replace it")
    return None


_NO_CDN = ("--HTMLExporter.mathjax_url=", "--HTMLExporter.require_js_url=", "--HTMLExporter.jquery_url=",
           "--HTMLExporter.widget_renderer_url=")
"""nbconvert options that keep its HTML from loading scripts from public CDNs (math then shows
as TeX source and widgets as their text fallback: batch notebooks should draw plain figures)."""


def _execute(notebook: Path, path: Path, name: str, target: Path, params: dict, timeout: float, outer: float,
             html: bool, can_export: bool, overwrite: bool) -> NotebookRun:
    """One papermill run in a temporary folder; the executed notebook (and its HTML) then
    written atomically to ``target.ipynb`` (``target.html``)."""
    import yaml

    from .loading import write_text_atomic

    with tempfile.TemporaryDirectory(prefix="dk-notebook-") as tmp:
        executed = Path(tmp) / f"{target.name}.ipynb"
        done = _run_limited([sys.executable, "-m", "papermill", str(notebook.resolve()), str(executed),
                             "-y", yaml.safe_dump(params), "-k", "python3",
                             "--execution-timeout", str(max(1, math.ceil(float(timeout)))),
                             "--cwd", str(notebook.resolve().parent), "--no-progress-bar"], outer)
        if done.timed_out:
            status = "timed out"
            message = f"no result after {outer:g} s (outer limit); papermill and its kernel were killed"
        elif done.returncode != 0:
            cell_timeout = "CellTimeoutError" in done.stderr or "A cell timed out" in done.stderr
            status = "timed out" if cell_timeout else "failed"
            message = (f"a cell ran longer than {timeout:g} s (execution timeout)\n" if cell_timeout else "") + \
                _tail(done.stderr)
        else:
            status, message = "ok", ""
        notes, nb_out, html_out = [message] if message else [], "", ""
        if executed.exists():  # papermill saves failed runs too: keep them for diagnosis
            nb_out = str(write_text_atomic(_with_suffix(target, ".ipynb"), executed.read_bytes(), overwrite=overwrite))
            if can_export:
                conv = _run_limited([sys.executable, "-m", "nbconvert", "--to", "html", "--embed-images",
                                     *_NO_CDN, "--output-dir", tmp, "--output", target.name, str(executed)],
                                    max(60.0, float(timeout)))
                exported = Path(tmp) / f"{target.name}.html"
                if conv.returncode == 0 and exported.exists():
                    html_out = str(write_text_atomic(_with_suffix(target, ".html"), exported.read_bytes(),
                                                     overwrite=overwrite))
                else:
                    notes.append("HTML export failed: " + ("timed out" if conv.timed_out else _tail(conv.stderr, 4)))
            elif html:
                notes.append("HTML export skipped: nbconvert is not installed")
    return NotebookRun(str(path), name, status, "\n".join(notes), nb_out, html_out, done.seconds)


def run_notebook_batch(notebook: str | os.PathLike, scenarios, out_dir: str | os.PathLike, *, trials: int = 10_000,
                       seed: int = 0, timeout: float = 300, outer_timeout: float | None = None,
                       overwrite: bool = False, html: bool = True,
                       progress: Progress | None = None) -> list[NotebookRun]:
    """Execute ``notebook`` once per scenario with papermill; export each to HTML with nbconvert.

    Parameters
    ----------
    notebook : a notebook with a cell tagged ``parameters``.
    scenarios : scenario files or directories (see :func:`expand`); portfolios are skipped
        and invalid scenarios reported without starting a kernel.
    out_dir : where ``<notebook>-<scenario>.ipynb`` (and ``.html``) are written, atomically.
    trials, seed : injected with ``scenario_path`` (absolute) and ``interactive=False`` (the
        notebook should then skip building widgets, which can stall nbclient-based runners).
    timeout : papermill's per-cell execution timeout (seconds).
    outer_timeout : wall-clock limit for one whole run (default ``2 * timeout + 60``); at the
        limit papermill and its kernel are killed and the run reported as ``"timed out"``.
    html : export executed notebooks (failed ones too) with ``nbconvert --to html`` if
        nbconvert is installed (otherwise the runs carry a note), with images embedded and
        nbconvert's CDN scripts (MathJax, require.js, widget renderer) switched off, so the
        page loads nothing from outside; math then shows as TeX and widgets as text.

    Raises
    ------
    ModuleNotFoundError : papermill is not installed (it is not a dependency of decision_kit).
    """
    _require("papermill", "run_notebook_batch")
    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook {notebook}")
    _check_request(trials, seed, ("html",))
    outer = float(outer_timeout) if outer_timeout is not None else 2 * float(timeout) + 60
    can_export = html and importlib.util.find_spec("nbconvert") is not None
    out_dir = Path(out_dir)
    jobs = expand(scenarios)
    runs: list[NotebookRun] = []
    if progress:
        progress(0, len(jobs), "")
    for k, (path, name) in enumerate(jobs):
        target = out_dir / f"{notebook.stem}-{name}"
        params = {"scenario_path": str(path.resolve()), "trials": int(trials), "seed": int(seed), "interactive": False}
        outputs = [_with_suffix(target, ".ipynb")] + ([_with_suffix(target, ".html")] if can_export else [])
        run = _precheck(path, name, outputs, overwrite) or \
            _execute(notebook, path, name, target, params, timeout, outer, html, can_export, overwrite)
        runs.append(run)
        if progress:
            progress(k + 1, len(jobs), name)
    return runs
