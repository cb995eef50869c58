"""Worker processes for :func:`decision_kit.simulate`: chunks of trials run in forked processes
that write their results straight into memory shared with the caller.

Threads share one interpreter, so the engine's Python-level work (a few thousand numpy calls
per random-number block) serialises on the GIL beyond about two threads. Processes do not: each
runs whole chunks on its own interpreter. Nothing crosses a pipe: the arrays a run keeps
(per-trial metrics, bands, each block's category sums) are allocated by :func:`shared_empty` in
anonymous shared memory before the workers are forked, and every worker writes its own chunks'
part there. The caller then adds the category sums block by block in block order, exactly as
a single-process run adds them, so the numbers do not depend on the number of processes
(``tests/test_engine.py`` checks them bit for bit).

:func:`fork_each` forks the workers afresh for each call with ``os.fork`` (the job, the compiled
plan and the shared arrays are inherited, nothing is pickled; forking and reaping a worker
took 18-22 ms on the loaded 2-core VM) and the calling process works as worker 0. Only where
the platform offers fork (Linux; not Windows, and not macOS, where forking a process that may
hold system framework threads is unsafe): :func:`available` says whether it does. Each forked
worker allocates its own engine buffers, and shared memory is faulted in 4 KiB pages where
private arrays get huge pages (about 0.7 against 0.15 ms per MiB measured), so processes pay
off only for runs of many blocks on more cores than two threads can use (docs/benchmarks.md).
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable

import numpy as np

__all__ = ["ENV", "available", "fork_each", "requested_workers", "shared_empty", "usable_cores"]

ENV = "DECISION_KIT_WORKERS"
"""Environment variable giving :func:`decision_kit.simulate`'s default number of worker
processes (a positive integer, or ``auto`` for every usable core) when neither ``workers`` nor
``threads`` is passed."""


def available() -> bool:
    """Whether worker processes can be forked here (POSIX with the ``fork`` start method, not
    macOS: forking a process that may hold system framework threads is unsafe there)."""
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def requested_workers(value: str | None = None) -> int | None:
    """Worker processes asked for by :data:`ENV` (or ``value``): an integer of at least 1,
    ``auto`` for :func:`usable_cores`, None when unset or empty. Anything else is a ValueError
    naming the variable."""
    text = os.environ.get(ENV, "") if value is None else value
    text = text.strip()
    if not text:
        return None
    if text.lower() == "auto":
        return usable_cores()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV} must be a positive integer or 'auto', got {text!r}")
    return n


def shared_empty(shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array in anonymous shared memory: what a forked worker writes into it,
    the parent sees. The mapping lives as long as the array (or a view of it) does."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    buf = mmap.mmap(-1, max(count * dtype.itemsize, 1))  # MAP_SHARED | MAP_ANONYMOUS
    return np.frombuffer(buf, dtype=dtype, count=count).reshape(shape)


def fork_each(job: Callable[[int, int], None], count: int, workers: int) -> None:
    """Run ``job(w, i)`` for ``i`` in ``range(count)`` on ``workers`` workers: worker ``w`` takes
    ``i = w, w + workers, w + 2 workers, ...`` in that order. Worker 0 is this process itself;
    workers 1.. are forked from it (``os.fork``) and exit as soon as their share is done.

    ``job`` may be any callable, a closure included: it is inherited by the fork, not pickled.
    What it writes into arrays from :func:`shared_empty` is seen by the caller once this
    returns; anything else a forked worker changes is lost. An exception in any worker is
    raised here after every worker has ended (a RuntimeError naming its type and message for
    a forked one); an interrupt ends the forked workers.
    """
    if workers > 1 and not available():
        raise RuntimeError("worker processes need the 'fork' start method, which this platform does not offer")
    errors = shared_empty((max(workers, 1), _MESSAGE), np.uint8)  # each forked worker's error, if any
    errors[...] = 0
    pids: list[int] = []
    try:
        for w in range(1, workers):
            pid = os.fork()
            if pid == 0:  # the worker: its share, then out at once (no atexit handlers, no flushing)
                status = 0
                try:
                    for i in range(w, count, workers):
                        job(w, i)
                except BaseException as exc:  # reported to the caller
                    message = f"{type(exc).__name__}: {exc}".encode(errors="replace")[: _MESSAGE - 1]
                    errors[w, : len(message)] = np.frombuffer(message, dtype=np.uint8)
                    status = 1
                finally:
                    os._exit(status)
            pids.append(pid)
        for i in range(0, count, workers):
            job(0, i)
    finally:
        failed = _reap(pids)
    for w in failed:
        text = bytes(errors[w]).rstrip(b"\0").decode(errors="replace")
        raise RuntimeError(f"decision_kit worker process {w} failed: {text or 'it ended without a message'}")


_MESSAGE = 2048  # bytes of a forked worker's error message


def _reap(pids: list[int]) -> list[int]:
    """Wait for the forked workers (worker ``w`` is ``pids[w - 1]``); if this process is being
    interrupted or failed, end them first. Returns the workers that did not exit with 0."""
    if sys.exc_info()[0] is not None:  # leaving on an exception: the others' work is not needed
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    failed = []
    for w, pid in enumerate(pids, start=1):
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        if status != 0:
            failed.append(w)
    return failed
