"""Random numbers: seed normalisation, per-block generators, input sampling and rank correlation.

Every draw in decision_kit comes from here. Trials are cut into fixed blocks of
:data:`BLOCK` trials; block ``i`` draws from its own generator, seeded by
``SeedSequence(seed, spawn_key=(i,))``. A run's numbers therefore depend only on the seed and
the trial count, never on how trials are grouped into chunks for memory, so a lower memory
cap gives identical results.
"""

from __future__ import annotations

import numbers
from typing import Mapping

import numpy as np

from .errors import ScenarioError

BLOCK = 8192
"""Trials per random-number block (the unit of reproducibility)."""


def as_seed(seed) -> int:
    """Check a seed: a non-negative integer (numpy integers too). Anything else is a ScenarioError."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ScenarioError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer, got {seed}")
    return int(seed)


def as_generator(seed) -> np.random.Generator:
    """Normalise ``seed`` (None, an int or a Generator) to a Generator. ``None`` means fresh
    entropy; ``0`` is a seed like any other."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(as_seed(seed))


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of block ``block`` for run seed ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def check_correlation(matrix: np.ndarray, names: list[str]) -> np.ndarray:
    """Validate a rank-correlation matrix: symmetric, unit diagonal, positive semi-definite."""
    m = np.asarray(matrix, dtype=float)
    if not np.allclose(m, m.T) or not np.allclose(np.diag(m), 1):
        raise ScenarioError("correlation matrix must be symmetric with ones on the diagonal")
    eig = np.linalg.eigvalsh(m)
    if eig.min() < -1e-10:
        raise ScenarioError(
            "the stated correlations between " + ", ".join(names) + " are not mutually consistent "
            f"(the correlation matrix is not positive semi-definite; smallest eigenvalue {eig.min():.3f}); "
            "weaken some of them")
    return m


def _sqrt_psd(c: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix.

    Eigen-based, so semi-definite targets work too; unlike a root built from raw eigenvectors
    (whose signs are arbitrary) it is unique and changes smoothly with ``c``, so rounding-level
    changes in ``c`` cannot reorder a whole column of scores.
    """
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def _scores(n: int) -> np.ndarray:
    """Van der Waerden scores ``Phi^-1(i / (n + 1))``, i = 1..n."""
    from scipy.special import ndtri

    return ndtri(np.arange(1, n + 1) / (n + 1))


def iman_conover(samples: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reorder columns of ``samples`` (n x k) so their rank correlation approximates ``target``.

    Iman & Conover (1982): build van der Waerden scores with the target correlation (through a
    symmetric square root of it, corrected for the scores' own sample correlation), then give each column
    of ``samples`` the rank order of the matching score column. Marginals are unchanged.

    The products over the ``n`` rows are ``einsum`` sums, not BLAS calls: a BLAS call of this
    size starts the BLAS library's own threads, which burn CPU and compete with
    :func:`decision_kit.simulate`'s worker threads (PERFORMANCE_NOTES.md).
    """
    n, k = samples.shape
    scores = _scores(n)
    base = np.empty((n, k))
    for j in range(k):
        base[:, j] = rng.permutation(scores)
    # every column is a permutation of the same scores: same mean and variance
    centred = base - scores.mean()
    cov = np.einsum("ni,nj->ij", centred, centred)
    sd = np.sqrt(np.diag(cov))
    e = cov / np.outer(sd, sd)
    t = np.einsum("nk,kj->nj", base, np.linalg.inv(_sqrt_psd(e)) @ _sqrt_psd(target))
    out = np.empty_like(samples)
    for j in range(k):
        # the i-th smallest score gets the i-th smallest sample (one argsort, one sort per column)
        out[np.argsort(t[:, j]), j] = np.sort(samples[:, j])
    return out


def draw_inputs(inputs: Mapping, n: int, rng: np.random.Generator,
                correlated: list[str] | None = None, corr: np.ndarray | None = None) -> dict[str, np.ndarray | float]:
    """Draw ``n`` values of every input. Fixed inputs stay Python floats (no array is made).

    ``correlated`` names inputs to be reordered together by :func:`iman_conover` to ``corr``.
    Inputs are drawn in the mapping's order, so the same generator state gives the same draws.
    """
    out: dict[str, np.ndarray | float] = {}
    for name, dist in inputs.items():
        out[name] = float(dist.value) if dist.is_fixed() else dist.sample(rng, n)
    if correlated and n > 2:
        block = np.column_stack([np.broadcast_to(out[c], (n,)) for c in correlated])
        block = iman_conover(block, corr, rng)
        for j, c in enumerate(correlated):
            out[c] = block[:, j].copy()
    return out
