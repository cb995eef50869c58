"""Named float buffers reused from one chunk of trials to the next (the engine's scratch memory).

Kept apart from the engine because the simulation pools them between runs and the memory
estimate reads what they hold.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Workspace"]


class Workspace:
    """Named float buffers reused from one chunk of trials to the next.

    Fresh large temporaries for every chunk make glibc map and unmap memory each time
    (hundreds of thousands of page faults per run); a buffer taken from here is allocated
    once, for the largest chunk, and its first ``n`` columns reused afterwards. Values are
    not kept: whoever takes a buffer writes it before reading it.

    Buffers are carved from slabs of :attr:`SLAB` bytes rather than allocated one by one:
    numpy asks the kernel for transparent huge pages for allocations of 4 MiB and more, so a
    slab is backed by a few 2 MiB pages instead of thousands of 4 KiB ones. On the 2-core VMs
    this project is measured on, a 4 KiB page fault costs ~5-10 µs, and a workspace of ~60 MiB
    would otherwise fault ~15,000 times per run.
    """

    SLAB = 32 * 2**20
    _ALIGN = 64  # bytes: a cache line

    def __init__(self):
        self._buffers: dict = {}
        self._slab: np.ndarray | None = None
        self._used = 0  # bytes of the current slab handed out
        self.nbytes = 0  # bytes this workspace has allocated
        self._capacity = 0  # trials per chunk it was last fitted to
        self._n_sums = 0
        self.floats_per_trial = 0  # floats per trial of every buffer allocated since the last fit
        self.sum_block: int | None = None  # see sums

    def sum_shape(self, shape: tuple) -> tuple:
        """The shape of :meth:`sums` of arrays of ``shape + (n,)`` over a chunk of ``n`` trials
        (one trailing axis of random-number blocks when :attr:`sum_block` is set)."""
        return shape if self.sum_block is None else shape + (self._n_sums,)

    def sums(self, x: np.ndarray):
        """Sums of ``x`` over its last (trials) axis, as ``x.sum(axis=-1)``.

        When :attr:`sum_block` is set (by :func:`decision_kit.simulate`, for a chunk that spans
        several random-number blocks), one sum per block instead, on a trailing axis: the last
        block may be partial. Each is bit for bit the sum a chunk of that block alone would take
        (the same pairwise summation over the same contiguous trials), so sums over the blocks
        added in block order do not depend on how blocks are grouped into chunks.
        """
        if self.sum_block is None:
            return x.sum(axis=-1)
        B, n = self.sum_block, x.shape[-1]
        k, rest = divmod(n, B)
        out = np.empty(x.shape[:-1] + (k + (rest > 0),))
        out[..., :k] = x[..., : k * B].reshape(x.shape[:-1] + (k, B)).sum(axis=-1)
        if rest:
            out[..., k] = x[..., k * B :].sum(axis=-1)
        return out

    def sum_blocks(self, block: int | None, n: int) -> None:
        """Take :meth:`sums` per ``block`` trials over chunks of ``n`` trials (None: whole chunks)."""
        self.sum_block = block if block is not None and n > block else None
        self._n_sums = 0 if self.sum_block is None else -(-n // self.sum_block)

    def fit(self, n: int) -> None:
        """Prepare for chunks of up to ``n`` trials: a workspace last used for smaller chunks
        drops its buffers, so they are allocated once at the new size instead of again beside
        the old ones."""
        if n > self._capacity:
            self._buffers, self._slab, self._used, self.nbytes = {}, None, 0, 0
            self.floats_per_trial = 0
            self._capacity = n

    def __call__(self, key, shape: tuple) -> np.ndarray:
        """An uninitialised buffer of ``shape`` (trials last) reserved under ``key``."""
        b = self._buffers.get(key)
        if b is None or b.shape[:-1] != shape[:-1] or b.shape[-1] < shape[-1]:
            self.floats_per_trial += int(np.prod(shape[:-1], dtype=np.int64))  # a replaced one stays in its slab
            b = self._buffers[key] = self._allocate(shape)
        return b[..., : shape[-1]]

    def _allocate(self, shape: tuple) -> np.ndarray:
        size = int(np.prod(shape, dtype=np.int64))
        nbytes = -(-size * 8 // self._ALIGN) * self._ALIGN
        if nbytes > self.SLAB // 4:
            self.nbytes += size * 8
            return np.empty(shape)
        if self._slab is None or self._used + nbytes > self.SLAB:
            self._slab = np.empty(self.SLAB // 8)
            self._used = 0
            self.nbytes += self.SLAB
        start = self._used // 8
        self._used += nbytes
        return self._slab[start : start + size].reshape(shape)
