"""Monte Carlo simulation and the deterministic base case.

:func:`simulate` draws every uncertain input for ``trials`` trials (in fixed random-number
blocks, see :mod:`decision_kit.sampling`), runs the cash-flow engine chunk by chunk so memory
stays bounded, and keeps per-trial metrics per option x owner cell plus running sums for mean
cash flows. :func:`base_case` runs the same engine once with every input at its median.
"""

from __future__ import annotations

import numbers
import os
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import engine, finance, processes
from .errors import ScenarioError
from .kept_draws import kept_or_drawn as _draws
from .plan import STATUS_QUO_CONSTANTS, Plan, compile_plan
from .sampling import BLOCK, RiskDraws, as_seed, draw_blocks
from .schema import Scenario
from .trial_metrics import CellWork, ChunkMetrics

DEFAULT_MAX_MEMORY = 2 * 1024**3
"""Default memory cap for one simulation (bytes): 2 GiB."""

BAND_TRIALS = 20_000
"""Cash-flow bands (percentiles of cumulative flows over time) use at most this many trials
(the first ones). With 20,000 trials the standard error of an estimated 10th percentile is
sqrt(0.1 x 0.9 / 20,000) = 0.2 percentile points; more trials would not change a fan chart or
a table rounded to thousands, and each band trial keeps 8 bytes per cell and period."""

INPUT_TRIALS = 100_000
""":attr:`Result.inputs` covers at most this many trials (the first ones): what value-of-
information analyses regress on. They are drawn again on first read, not kept by
:func:`simulate`."""

STATUS_QUO_METRICS = ("npv", "pv_cost", "tco")
"""The per-trial metrics kept for the status quo (as the cells', in the same dtypes)."""

_STORED = {
    "npv": np.float64,
    "pv_cost": np.float32,
    "tco": np.float32,
    "payback": np.float32,
    "launch_months": np.float32,
    "security_events": np.float32,
}


class _WorkspacePool:
    """Engine workspaces kept from one :func:`simulate` call to the next.

    A workspace holds a thread's chunk buffers (about 60 MiB for the largest shipped scenario).
    Fresh memory is not free: the kernel zeroes every page on first touch, and on the VMs this
    project is measured on that costs ~0.8 ms per MiB, a quarter of a 100k-trial run. Keeping a
    few workspaces avoids it for every call after the first. :func:`release_buffers` frees them.
    """

    KEEP = 4  # workspaces kept at most
    MAX_BYTES = 256 * 2**20  # a workspace grown beyond this (e.g. by a huge scenario) is not kept

    def __init__(self):
        self._free: list = []
        self._lock = threading.Lock()

    def acquire(self) -> engine.Workspace:
        with self._lock:
            return self._free.pop() if self._free else engine.Workspace()

    def release(self, ws: engine.Workspace) -> None:
        with self._lock:
            if len(self._free) < self.KEEP and ws.nbytes <= self.MAX_BYTES:
                self._free.append(ws)

    def clear(self) -> None:
        with self._lock:
            self._free.clear()


_WORKSPACES = _WorkspacePool()


def release_buffers() -> None:
    """Free the chunk buffers :func:`simulate` keeps between calls (up to ~60 MiB per worker
    thread for the largest shipped scenario); the next call allocates them again."""
    _WORKSPACES.clear()


def default_threads() -> int:
    """Threads :func:`simulate` uses by default: the cores this process may run on, at most 2."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def _engine_floats_per_trial(plan: Plan) -> int:
    """Floats per trial of the engine's chunk buffers for ``plan``, measured: two trials are
    projected at the inputs' medians (which buffers a projection takes depends on the plan, not
    on the values), and the workspace counts what it allocated. Cached on the plan."""
    if "engine_floats" not in plan.cache:
        n, H = 2, plan.horizon
        values = plan.complete({k: np.full(n, float(d.median())) for k, d in plan.inputs.items()})
        risks = RiskDraws()
        for r in plan.risks:
            if r.effect == "one_off":
                risks.yearly[r.name] = np.ones((n, H))
                risks.impact[r.name] = np.full((n, H), float(r.impact_dist.median()))
            else:
                risks.first[r.name] = np.ones(n)
                risks.impact[r.name] = values[r.impact]
        ws = engine.Workspace()
        engine.project(plan, values, risks, n, ws, on_cell=lambda *cell: None)
        plan.cache["engine_floats"] = ws.floats_per_trial
    return int(plan.cache["engine_floats"])


def _draw_floats_per_trial(plan: Plan) -> int:
    """Floats per trial of one block's draws: every uncertain input, the scaled references to
    one (a reference at scale 1 is the input's own array), the risk events' uniforms and per-year
    impacts, and the rank-correlation scratch (five n x k matrices)."""
    H = plan.horizon
    floats = sum(not d.is_fixed() for d in plan.drawn.values()) + sum(k for _, k in plan.repeated.values())
    floats += sum(scale != 1 and not plan.inputs[src].is_fixed() for src, scale in plan.derived.values())
    for r in plan.risks:
        floats += 2 * H if r.effect == "one_off" else 1
    return floats + 5 * len(plan.correlated) + 4  # + a sampler's temporaries (a few (n,) arrays)


def _bytes_per_trial(lay: engine.Layout) -> tuple[int, int]:
    """(kept bytes per trial, bytes per trial of the per-cell metric scratch)."""
    cells = len(lay.options) * len(lay.owners)
    kept = cells * sum(np.dtype(t).itemsize for t in _STORED.values())
    metric_scratch = (2 * lay.periods + 2) * 8 + 2 * lay.periods + 9
    return kept, metric_scratch


def memory_estimate(
    scenario: Scenario | Plan, trials: int, chunk_blocks: int = 1, threads: int = 1, slice_trials: int | None = None
) -> int:
    """Estimated peak bytes of :func:`simulate` for ``trials`` trials, chunks of ``chunk_blocks``
    random-number blocks, ``threads`` worker threads (each with its own chunk buffers) and the
    engine run over ``slice_trials`` trials of a chunk at a time (default: the whole chunk).

    Counted: the per-trial metrics kept (``trials`` x cells), the cash-flow bands, and per
    thread the chunk's draws (twice when blocks are joined), the engine's buffers (measured by
    :func:`_engine_floats_per_trial`, one per cost line, benefit, driver and risk effect), the
    metric scratch and a slab of rounding (:attr:`~decision_kit.engine.Workspace.SLAB`).
    """
    plan = compile_plan(scenario)
    lay = plan.layout
    kept, metric_scratch = _bytes_per_trial(lay)
    cells = len(lay.options) * len(lay.owners)
    kept += 8 * cells if plan.terminal is not None else 0  # the terminal values
    bands = min(trials, BAND_TRIALS) * cells * lay.periods * 4 * 2
    chunk = min(trials, chunk_blocks * BLOCK)
    engine_trials = min(chunk, slice_trials or chunk)
    draws = _draw_floats_per_trial(plan) * 8 * chunk * (2 if chunk_blocks > 1 else 1)
    working = (_engine_floats_per_trial(plan) * 8 + metric_scratch) * engine_trials
    in_flight = max(1, min(threads, -(-trials // chunk)))
    return kept * trials + bands + in_flight * (draws + working + engine.Workspace.SLAB)


def _positive_int(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) >= 1


def _check_request(trials, seed, max_memory, chunk_blocks=None, threads=None, workers=None):
    if not _positive_int(trials):
        raise ScenarioError(f"trials must be a positive integer, got {trials!r}")
    for name, value in (("chunk_blocks", chunk_blocks), ("threads", threads), ("workers", workers)):
        if value is not None and not _positive_int(value):
            raise ScenarioError(f"{name} must be a positive integer or None, got {value!r}")
    seed = as_seed(seed)
    if max_memory is not None and (not isinstance(max_memory, numbers.Real) or max_memory <= 0):
        raise ScenarioError(f"max_memory must be a positive number of bytes, got {max_memory!r}")
    return int(trials), seed


def _fit_memory(plan: Plan, trials: int, blocks: int, workers: int, max_memory) -> tuple[int, int, int | None]:
    """``(workers, blocks, slice_trials)`` whose memory estimate fits ``max_memory``: fewer
    threads first, then smaller chunks, then the engine over slices of a block (a scenario with
    thousands of lines); a ScenarioError if even one trial at a time does not fit."""
    if max_memory is None:
        return workers, blocks, None
    while memory_estimate(plan, trials, blocks, workers) > max_memory and (workers > 1 or blocks > 1):
        if workers > 1:
            workers -= 1
        else:
            blocks -= 1
    if memory_estimate(plan, trials, blocks, workers) <= max_memory:
        return workers, blocks, None
    per_trial = memory_estimate(plan, trials, 1, 1, 2) - memory_estimate(plan, trials, 1, 1, 1)
    spare = max_memory - memory_estimate(plan, trials, 1, 1, 1)
    slice_trials = int(min(spare // max(per_trial, 1) + 1, BLOCK))
    need = memory_estimate(plan, trials, 1, 1, max(slice_trials, 1))
    if slice_trials < 1 or need > max_memory:
        need = memory_estimate(plan, trials, 1, 1, 1)
        raise ScenarioError(
            f"{trials:,} trials of '{plan.scenario.name}' need about {need / 2**20:,.0f} MiB, over the "
            f"cap of {max_memory / 2**20:,.0f} MiB; use fewer trials or raise max_memory"
        )
    return 1, 1, slice_trials


class _Store:
    """What a run keeps: per-trial metrics, cell-contiguous (O, W, trials), the first
    ``n_band`` trials' cumulative flows, trial-contiguous (P, O, W, n_band), the category
    sums (R, P, O, W) over all trials, and the status quo's cost and benefit sums (2, P)."""

    def __init__(self, plan: Plan, trials: int, shared: bool = False):
        lay = plan.layout
        O, W, P = len(lay.options), len(lay.owners), lay.periods
        empty = processes.shared_empty if shared else np.empty  # shared: written by worker processes
        self.metrics = {k: empty((O, W, trials), t) for k, t in _STORED.items()}
        self.n_band = min(trials, BAND_TRIALS)
        self.band_net = empty((P, O, W, self.n_band), np.float32)
        self.band_cost = empty((P, O, W, self.n_band), np.float32)
        self.rows_sum = np.zeros((len(lay.rows), P, O, W))
        self.df = finance.discount_factors(plan.scenario.discount_rate, P)
        self.status_quo = (
            {k: empty((trials,), _STORED[k]) for k in STATUS_QUO_METRICS} if plan.status_quo is not None else None
        )
        self.terminal = empty((O, W, trials), np.float64) if plan.terminal is not None else None  # PV of terminal value
        self.status_quo_sum = np.zeros((2, P))  # the status quo's cost and benefit per period, summed over trials


def simulate(
    scenario: Scenario | Plan,
    trials: int = 10_000,
    seed: int = 0,
    *,
    max_memory: float | None = DEFAULT_MAX_MEMORY,
    chunk_blocks: int | None = None,
    threads: int | None = None,
    workers: int | None = None,
):
    """Monte Carlo simulation of every option under every ownership model.

    Parameters
    ----------
    scenario : a validated :class:`~decision_kit.schema.Scenario`, or its compiled
        :class:`~decision_kit.plan.Plan` (a scenario is compiled once and the plan reused).
    trials : number of trials (a positive integer).
    seed : non-negative integer; the same seed and trial count give identical results,
        whatever the chunking.
    max_memory : cap in bytes on the estimated peak memory (default 2 GiB). A request whose
        estimate exceeds it is refused before any work starts; fewer threads and smaller
        chunks are used first if that fits. ``None`` means no cap.
    chunk_blocks : trials per chunk in units of :data:`~decision_kit.sampling.BLOCK`
        (default 1: measured fastest, see docs/benchmarks.md). Results do not depend on it,
        the means included: a chunk's category sums are taken block by block and added in
        block order (:meth:`~decision_kit.workspace.Workspace.sums`).
    threads : worker threads, each running whole chunks (draws, engine, metrics) with its own
        buffers (default :func:`default_threads`: the usable cores, at most 2). Results do not
        depend on it: every chunk draws from its own blocks' generators and the sums over
        chunks are taken in chunk order. If the memory cap requires, fewer threads are used.
        Pass 1 where processes already use every core (``decision_kit.batch`` does).
    workers : worker processes (default 1: none, the chunks run on ``threads`` threads here;
        when neither ``workers`` nor ``threads`` is passed, the environment variable
        ``DECISION_KIT_WORKERS``, an integer or ``auto`` for every usable core, may set it).
        With 2 or more, whole chunks run in that many forked processes, one thread each, which
        write the per-trial metrics and bands into shared memory (:mod:`decision_kit.processes`):
        no GIL between them, so every core is used, but forking and each worker's own buffers
        cost a few tens of milliseconds per call. Results do not depend on it, the means
        included. Where processes cannot be forked (Windows, macOS) that many threads are used.

    Returns
    -------
    :class:`~decision_kit.results.Result`
    """
    from .results import Result

    trials, seed = _check_request(trials, seed, max_memory, chunk_blocks, threads, workers)
    plan = compile_plan(scenario)
    n_blocks = -(-trials // BLOCK)
    blocks = int(chunk_blocks or 1)
    procs = _processes_asked(workers, threads)
    in_flight = procs if procs > 1 else int(threads or default_threads())
    in_flight = max(1, min(in_flight, -(-n_blocks // blocks)))
    in_flight, blocks, slice_trials = _fit_memory(plan, trials, blocks, in_flight, max_memory)
    forked = procs > 1 and in_flight > 1 and processes.available()
    store = _Store(plan, trials, shared=forked)
    _run_chunks(plan, store, trials, seed, blocks, in_flight, slice_trials, forked)
    lay = plan.layout
    means = {"rows": store.rows_sum / trials}
    # a cell's cost (benefit) is the sum of its cost (benefit) rows; marketing pays its share of
    # the cost before consolidation, which is booked to IT (so a share of 1 leaves IT exactly 0)
    means["cost"] = means["rows"][: len(lay.cost_rows)].sum(axis=0)
    means["benefit"] = means["rows"][len(lay.cost_rows) :].sum(axis=0)
    shares = plan.marketing_shares
    means["marketing_cost"] = shares * (means["cost"] - means["rows"][lay.rows.index("consolidation")])
    # per-trial metrics and bands are returned as (trials, ...) views of the stored arrays
    return Result(
        scenario=plan.scenario,
        layout=lay,
        trials=trials,
        seed=seed,
        metrics={k: np.moveaxis(v, -1, 0) for k, v in store.metrics.items()},
        means=means,
        band_net=np.moveaxis(store.band_net, -1, 0),
        band_cost=np.moveaxis(store.band_cost, -1, 0),
        inputs=_RedrawnInputs(plan, trials, seed, min(trials, INPUT_TRIALS)),
        status_quo=store.status_quo,
        terminal=None if store.terminal is None else np.moveaxis(store.terminal, -1, 0),
        status_quo_means=None
        if store.status_quo is None
        else {"cost": store.status_quo_sum[0] / trials, "benefit": store.status_quo_sum[1] / trials},
    )


def _processes_asked(workers: int | None, threads: int | None) -> int:
    """Worker processes asked for: ``workers``, else (with no ``threads`` either) the
    environment's :data:`~decision_kit.processes.ENV`, else 1 (none)."""
    if workers is None and threads is None:
        try:
            workers = processes.requested_workers()
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
    return int(workers or 1)


def _slice(values: dict, risks: RiskDraws, a: int, b: int) -> tuple[dict, RiskDraws]:
    """Trials ``a:b`` of a chunk's draws (fixed inputs stay floats)."""

    def cut(v):
        return v[a:b] if isinstance(v, np.ndarray) and v.ndim else v

    return (
        {k: cut(v) for k, v in values.items()},
        RiskDraws(
            {k: cut(v) for k, v in risks.first.items()},
            {k: cut(v) for k, v in risks.yearly.items()},
            {k: cut(v) for k, v in risks.impact.items()},
        ),
    )


def _run_chunks(
    plan: Plan,
    store: _Store,
    trials: int,
    seed: int,
    blocks: int,
    workers: int,
    slice_trials: int | None = None,
    forked: bool = False,
) -> None:
    """Draw, project and measure every chunk of ``blocks`` random-number blocks, on ``workers``
    threads (``forked``: processes, writing into a shared ``store``), adding the chunks' category
    sums to ``store.rows_sum`` in chunk order (block by block within a chunk, so the sums are
    those of one-block chunks bit for bit). With ``slice_trials``, the engine runs over that many
    trials of a chunk at a time (the draws are the same: a block is always drawn whole)."""
    n_blocks = -(-trials // BLOCK)
    chunk = min(blocks * BLOCK, trials)
    step = min(chunk, slice_trials or chunk)
    P = plan.layout.periods
    local = threading.local()  # per thread: the engine's buffers, reused by every chunk it runs
    caller = os.getpid()
    taken: list = []

    def project(values, risks, lo, n):
        m = max(0, min(n, store.n_band - lo))  # trials of this slice that go into the bands
        metrics = ChunkMetrics(store.metrics, store.df, lo, n, local.work, store.band_net, store.band_cost, m)
        metrics.status_quo = store.status_quo
        metrics.terminal = (store.terminal, plan.terminal, values) if plan.terminal is not None else None
        local.ws.sum_blocks(BLOCK, n)  # category sums block by block: chunking cannot change them
        flows = engine.project(plan, values, risks, n, local.ws, on_cell=metrics)
        metrics.finish(flows)
        if flows.status_quo is None:
            return flows.rows_sum, None
        return flows.rows_sum, np.stack([f.sum(axis=1) for f in flows.status_quo])  # (2, P): cost, benefit

    def run_chunk(first):
        if not hasattr(local, "ws"):
            forked_worker = os.getpid() != caller  # a forked worker's buffers die with it: not pooled
            local.ws = engine.Workspace() if forked_worker else _WORKSPACES.acquire()
            local.ws.fit(step)
            local.work = CellWork(P, step, local.ws)
            taken.append(local.ws)
        values, risks, n = _draws(plan, seed, trials, range(first, min(first + blocks, n_blocks)), local.ws)
        lo = first * BLOCK
        if step >= n:
            return project(values, risks, lo, n)  # (R, P, O, W) sums over the chunk's trials, and the status quo's
        total = None
        for a in range(0, n, step):
            part = project(*_slice(values, risks, a, min(a + step, n)), lo + a, min(step, n - a))
            total = part if total is None else (total[0] + part[0], None if part[1] is None else total[1] + part[1])
        return total

    starts = range(0, n_blocks, blocks)
    if forked:
        parts: Iterator = _forked(run_chunk, starts, workers, n_blocks, store)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="decision_kit") if workers > 1 and not forked else None
    if not forked:
        parts = pool.map(run_chunk, starts) if pool is not None else map(run_chunk, starts)
    try:
        for part, status_quo_sum in parts:  # in chunk order, so the sums do not depend on thread timing
            if part.ndim > store.rows_sum.ndim:  # one sum per block: added block by block
                for b in range(part.shape[-1]):
                    store.rows_sum += part[..., b]
            else:
                store.rows_sum += part
            if status_quo_sum is not None:
                store.status_quo_sum += status_quo_sum
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        for ws in taken:
            ws.sum_blocks(None, 0)
            _WORKSPACES.release(ws)


def _forked(run_chunk, starts: range, workers: int, n_blocks: int, store: _Store) -> Iterator:
    """Every chunk run by :func:`decision_kit.processes.fork_each` on ``workers`` processes (this
    one included), then each chunk's category sums (per block) and status quo sums, in chunk
    order, as :func:`_run_chunks` adds them: the workers leave them in shared memory."""
    R, P, O, W = store.rows_sum.shape
    block_sums = processes.shared_empty((n_blocks, R, P, O, W), np.float64)
    sq_sums = processes.shared_empty((len(starts), 2, P), np.float64)
    has_sq = processes.shared_empty((len(starts),), np.uint8)

    def job(_worker: int, c: int) -> None:
        part, status_quo_sum = run_chunk(starts[c])
        first = starts[c]
        if part.ndim > store.rows_sum.ndim:  # one sum per block
            block_sums[first : first + part.shape[-1]] = np.moveaxis(part, -1, 0)
        else:
            block_sums[first] = part
        has_sq[c] = status_quo_sum is not None
        if status_quo_sum is not None:
            sq_sums[c] = status_quo_sum

    processes.fork_each(job, len(starts), workers)
    for c, first in enumerate(starts):
        last = min(first + (starts.step or 1), n_blocks)
        part = block_sums[first] if last - first == 1 else np.moveaxis(block_sums[first:last], 0, -1)
        yield part, (sq_sums[c] if has_sq[c] else None)


def evaluate(scenario: Scenario | Plan, values: dict, risks: RiskDraws | None = None) -> dict:
    """Run the engine on given input rows and return per-row metrics per cell.

    ``values`` maps every uncertain input path (:attr:`decision_kit.plan.Plan.inputs`)
    to an array of ``n`` rows (or a float used for all rows); inputs left out are set to
    their medians. Fields that read another input's draw (:attr:`~decision_kit.plan.Plan.derived`,
    as :func:`draw_trials` returns them) may be given and are filled in again from their source.
    Without ``risks``, no risk event occurs (the base-case convention).
    Returns ``npv``, ``pv_cost``, ``tco`` (n, options, owners) and ``cost``, ``benefit``
    (n, periods, options, owners). Used by sensitivity analyses to evaluate many one-way
    changes in a single vectorised call.
    """
    plan = compile_plan(scenario)
    inputs = plan.inputs
    unknown = set(values) - set(inputs) - set(plan.derived) - set(STATUS_QUO_CONSTANTS)
    if unknown:
        raise ScenarioError(f"not an uncertain input of '{plan.scenario.name}': {', '.join(sorted(unknown))}")
    n = max((len(v) for v in values.values() if np.ndim(v)), default=1)
    full = {  # an (n, k) matrix of an input drawn k times per trial (Plan.repeated) is kept as it is
        k: np.broadcast_to(np.asarray(values[k], dtype=float), (n,) + np.shape(values[k])[1:])
        if k in values
        else np.full(n, float(d.median()))
        for k, d in inputs.items()
    }
    if risks is None:
        risks = no_events(plan, full, n)
    cost, benefit = engine.project(plan, full, risks, n).flows()
    df = finance.discount_factors(plan.scenario.discount_rate, plan.layout.periods)
    cost = np.ascontiguousarray(cost.transpose(3, 2, 0, 1))  # (O, W, P, n) -> (n, P, O, W)
    benefit = np.ascontiguousarray(benefit.transpose(3, 2, 0, 1))
    net = benefit - cost
    return {
        "npv": np.einsum("ntow,t->now", net, df),
        "pv_cost": np.einsum("ntow,t->now", cost, df),
        "tco": cost.sum(axis=1),
        "cost": cost,
        "benefit": benefit,
    }


def no_events(scenario: Scenario | Plan, values: dict, n: int) -> RiskDraws:
    """Risk draws under which no event happens (uniforms of 1), impacts at their medians."""
    plan = compile_plan(scenario)
    values = plan.complete(values)
    risks = RiskDraws()
    for risk in plan.risks:
        if risk.effect == "one_off":
            risks.yearly[risk.name] = np.ones((n, plan.horizon))
            risks.impact[risk.name] = float(risk.impact_dist.median())
        else:
            risks.first[risk.name] = np.ones(n)
            risks.impact[risk.name] = values[risk.impact]
    return risks


def draw_trials(scenario: Scenario | Plan, trials: int, seed: int):
    """The sampled inputs and risk draws :func:`simulate` uses for this seed and trial count.

    Returns ``(values, risks, n)``: ``values`` maps input paths to arrays of ``trials`` draws
    (or floats for fixed inputs), ``risks`` is a :class:`~decision_kit.sampling.RiskDraws`.
    Analyses that re-run the engine with one input changed (break-even) use it to share
    simulate's random numbers exactly.
    """
    trials, seed = _check_request(trials, seed, None)
    return draw_blocks(compile_plan(scenario), seed, trials, range(-(-trials // BLOCK)))


class _RedrawnInputs(Mapping):
    """:attr:`Result.inputs`: every input's draws for the first ``n`` trials of a simulation, by
    input path (read-only (n,) arrays; a fixed input's is a view of its one value).

    Not kept during the simulation but drawn again from the seed the first time they are read:
    a block's draws depend only on the seed and the block (:mod:`decision_kit.sampling`), so
    they come out identical, and a simulation that nobody asks for its inputs neither copies
    nor holds them (about 90 MB for 100k trials of the largest shipped scenario). Drawing them
    again costs about what drawing them did (the random-number floor of ``n`` trials).
    """

    def __init__(self, plan: Plan, trials: int, seed: int, n: int):
        self._args = plan, trials, seed, n
        self._keys = list(plan.drawn)
        self._values: dict | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict:
        with self._lock:
            if self._values is None:
                plan, trials, seed, n = self._args
                # whole blocks, drawn as simulate drew them (a block's size depends on ``trials``),
                # or the ones the plan keeps
                values, _, _ = _draws(plan, seed, trials, range(-(-n // BLOCK)), None)
                out = {}
                for k in self._keys:
                    v = values[k]
                    out[k] = v[:n].copy() if isinstance(v, np.ndarray) else np.broadcast_to(float(v), (n,))
                    out[k].flags.writeable = False
                self._values = out
            return self._values

    def __getitem__(self, key):
        return self._load()[key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def __reduce__(self):  # pickles (and deep-copies) as a plain dict of arrays
        return dict, (dict(self._load()),)


def base_case(scenario: Scenario | Plan, option: str | None = None, owner: str | None = None):
    """Deterministic cash flows with every input at its median (risk events do not occur:
    the median of a yearly event with probability below one half is no event).

    Returns a DataFrame indexed by (option, owner, flow) with one column per period (the
    scenario's years, period 0 being the decision date), costs and benefits as positive
    amounts, plus rows ``total cost``, ``total benefit`` and ``net``. With ``option`` and/or
    ``owner`` given, only those cells (and the index levels that still vary).
    """
    import pandas as pd

    plan = compile_plan(scenario)
    scenario, lay = plan.scenario, plan.layout
    values = {k: np.array([float(d.median())]) for k, d in plan.inputs.items()}
    flows = engine.project(plan, values, no_events(plan, values, 1), 1)
    cost, benefit = flows.flows()
    cols = ["t0 (decision)"] + [str(scenario.start_year + t - 1) for t in range(1, lay.periods)]
    frames = []
    for oi, o in enumerate(lay.options):
        for wi, w in enumerate(lay.owners):
            if (option is not None and o != option) or (owner is not None and w != owner):
                continue
            rows = pd.DataFrame(flows.rows_sum[:, :, oi, wi], index=list(lay.rows), columns=cols)
            rows = rows.loc[(rows != 0).any(axis=1) | rows.index.isin(["governance"])]
            rows.loc["total cost"] = cost[oi, wi, :, 0]
            rows.loc["total benefit"] = benefit[oi, wi, :, 0]
            rows.loc["net"] = benefit[oi, wi, :, 0] - cost[oi, wi, :, 0]
            rows.index = pd.MultiIndex.from_product([[o], [w], rows.index], names=["option", "owner", "flow"])
            frames.append(rows)
    if not frames:
        raise ScenarioError(
            f"no cell {option or '*'} x {owner or '*'} in '{scenario.name}' "
            f"(options: {', '.join(lay.options)}; owners: {', '.join(lay.owners)})"
        )
    table = pd.concat(frames)
    drop = [name for name, given in (("option", option), ("owner", owner)) if given is not None]
    return table.droplevel(drop) if drop else table
