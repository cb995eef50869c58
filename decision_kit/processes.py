"""Worker processes for :func:`decision_kit.simulate`: chunks of trials run in forked processes
that write their per-trial results straight into memory shared with the caller.

Threads share one interpreter, so the engine's Python-level work (a few thousand numpy calls
per random-number block) serialises on the GIL beyond about two threads. Processes do not: each
runs whole chunks on its own interpreter. Nothing large crosses a pipe: the arrays a run keeps
(per-trial metrics, bands) are allocated by :func:`shared_empty` in anonymous shared memory
before the workers are forked, every worker writes the trials of its own chunks there, and only
a chunk's category sums (a few kilobytes) come back, in chunk order, to be added up exactly as
the single-process run adds them. The numbers therefore do not depend on the number of
processes (``tests/test_engine.py`` checks them bit for bit).

Processes are started with ``fork`` (the job, the compiled plan and the shared arrays are
inherited, nothing is pickled) and only where the platform offers it (Linux; not Windows, and
not macOS where Python no longer forks by default): :func:`available` says whether it does.
Each call forks its workers afresh, about 10-30 ms, and every worker allocates its own engine
buffers, so processes pay only for runs of many blocks (docs/benchmarks.md measures where).
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Generator, Iterable
from typing import Any

import numpy as np

__all__ = ["ENV", "available", "imap", "requested_workers", "shared_empty"]

ENV = "DECISION_KIT_WORKERS"
"""Environment variable giving :func:`decision_kit.simulate`'s default number of worker
processes (a positive integer, or ``auto`` for every usable core) when neither ``workers`` nor
``threads`` is passed."""

_JOB: Callable[[Any], Any] | None = None  # what a forked worker runs, set before forking
_FORKING = threading.Lock()


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


def _call(arg):
    assert _JOB is not None, "a decision_kit worker process was started without a job"
    return _JOB(arg)


def imap(job: Callable[[Any], Any], args: Iterable, workers: int) -> Generator:
    """``job(arg)`` for each of ``args`` on ``workers`` forked processes, results in the order
    of ``args`` (as they come: the caller may consume them while later ones run).

    ``job`` may be any callable, a closure included: it is inherited by the fork, not pickled.
    Its results are pickled back, so they should be small; what it writes into arrays from
    :func:`shared_empty` is seen by the caller. The processes are ended when the iterator is
    exhausted or closed, or an exception is raised.
    """
    global _JOB
    if not available():
        raise RuntimeError("worker processes need the 'fork' start method, which this platform does not offer")
    with _FORKING:  # two calls from two threads must not swap jobs between setting and forking
        _JOB = job
        try:
            pool = multiprocessing.get_context("fork").Pool(workers)  # forks here, inheriting _JOB
        finally:
            _JOB = None  # the parent keeps no reference to the job
    try:
        yield from pool.imap(_call, args, chunksize=1)
    finally:
        pool.terminate()
        pool.join()
