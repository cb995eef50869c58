"""Random numbers: seed normalisation, per-block generators, input sampling, rank correlation
and the risk events' uniforms and impacts.

Every draw in decision_kit comes from here: :func:`draw_block` draws everything one block of
trials needs (the inputs, correlated as the plan states, then the risk events' draws) from a
:class:`~decision_kit.plan.Plan`, a seed and a block index. Trials are cut into fixed blocks of
:data:`BLOCK` trials; block ``i`` draws from its own generator, seeded by
``SeedSequence(seed, spawn_key=(i,))``. A run's numbers therefore depend only on the seed and
the trial count, never on how trials are grouped into chunks for memory, so a lower memory
cap gives identical results.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import ScenarioError
from .plan import Plan, check_correlation

__all__ = [
    "BLOCK",
    "RiskDraws",
    "as_generator",
    "as_seed",
    "block_generator",
    "check_correlation",
    "draw_block",
    "draw_blocks",
    "draw_inputs",
    "draw_repeated",
    "draw_risks",
    "iman_conover",
]

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


def draw_inputs(
    inputs: Mapping,
    n: int,
    rng: np.random.Generator,
    correlated: list[str] | None = None,
    corr: np.ndarray | None = None,
) -> dict[str, np.ndarray | float]:
    """Draw ``n`` values of every input. Fixed inputs stay Python floats (no array is made).

    ``correlated`` names inputs to be reordered together by :func:`iman_conover` to ``corr``.
    Inputs are drawn in the mapping's order, so the same generator state gives the same draws.
    """
    out: dict[str, np.ndarray | float] = {}
    for name, dist in inputs.items():
        out[name] = float(dist.value) if dist.is_fixed() else dist.sample(rng, n)
    if correlated and corr is not None and n > 2:
        block = np.column_stack([np.broadcast_to(out[c], (n,)) for c in correlated])
        block = iman_conover(block, corr, rng)
        for j, c in enumerate(correlated):
            out[c] = block[:, j].copy()
    return out


@dataclass
class RiskDraws:
    """Uniforms and impacts drawn for risk events, shared by every owner (common random numbers).

    ``first``: risk -> (n,) uniforms for the first-event year of a lasting event; ``yearly``:
    risk -> (n, H) uniforms of a one-off event, one per year; ``impact``: risk -> (n,) impacts
    (the trial's input draw) or (n, H) impacts of one-off events (one per year), or a float.
    """

    first: dict = field(default_factory=dict)
    yearly: dict = field(default_factory=dict)
    impact: dict = field(default_factory=dict)


def draw_risks(plan: Plan, values: Mapping, n: int, rng: np.random.Generator) -> RiskDraws:
    """Draw the uniforms and impacts the risk events need (impacts of one-off events per year)."""
    out = RiskDraws()
    H = plan.horizon
    for risk in plan.risks:
        if risk.effect == "one_off":
            out.yearly[risk.name] = rng.random((n, H))
            dist = risk.impact_dist
            out.impact[risk.name] = dist.sample(rng, n * H).reshape(n, H) if not dist.is_fixed() else dist.value
        else:
            out.first[risk.name] = rng.random(n)
            out.impact[risk.name] = values[risk.impact]
    return out


def draw_repeated(plan: Plan, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The inputs drawn several times per trial (:attr:`Plan.repeated`): an (n, k) matrix each,
    ``k`` independent draws per trial (one per occurrence, year or renewal), trial-major."""
    return {path: dist.sample(rng, n * k).reshape(n, k) for path, (dist, k) in plan.repeated.items()}


def plan_inputs(plan: Plan, n: int, rng: np.random.Generator) -> dict[str, np.ndarray | float]:
    """The first draws of a block: ``n`` values of every input the plan draws once per trial,
    correlated as it states (:func:`draw_inputs` of ``plan.drawn``)."""
    return draw_inputs(plan.drawn, n, rng, list(plan.correlated) or None, plan.correlation)


def draw_block(plan: Plan, seed: int, block: int, n: int, inputs: Callable | None = None) -> tuple[dict, RiskDraws]:
    """Everything ``n`` trials of random-number block ``block`` need: the drawn inputs (by
    path; fixed ones as floats), correlated as the plan states, then the risk draws, then the
    inputs drawn several times per trial (so a scenario without them draws as before), with the
    fields that read another input's draw filled in (:meth:`~decision_kit.plan.Plan.complete`).
    ``inputs``, if given, replaces :func:`plan_inputs` and must return what it would and leave the
    generator where it would (:func:`decision_kit.kept_draws.kept_or_drawn` reuses the last ones)."""
    rng = block_generator(seed, block)
    values = (inputs or plan_inputs)(plan, n, rng)
    values = plan.complete(values)
    risks = draw_risks(plan, values, n, rng)
    if plan.repeated:
        values.update(draw_repeated(plan, n, rng))
        values = plan.complete(values)
    return values, risks


Buffers = Callable[[tuple, tuple], np.ndarray]
"""Where joined draws may be written: ``buffers(key, shape)`` returns a float64 array of
``shape`` reserved under ``key`` (an :class:`~decision_kit.engine.Workspace`)."""


def draw_blocks(
    plan: Plan, seed: int, trials: int, blocks: Sequence[int], buffers: Buffers | None = None
) -> tuple[dict, RiskDraws, int]:
    """The draws of consecutive random-number blocks of a ``trials``-trial run, joined:
    ``(values, risks, n)``. Joined arrays are written into ``buffers`` if given (reused chunk
    after chunk), else freshly allocated; a single block's draws are returned as drawn."""
    parts = []
    for b in blocks:
        n = min(BLOCK, trials - b * BLOCK)
        values, risks = draw_block(plan, seed, b, n)
        parts.append((values, risks, n))
    if len(parts) == 1:
        return parts[0]

    def join(key, vs):
        if isinstance(vs[0], float):
            return vs[0]
        if buffers is None:
            return np.concatenate(vs)
        rest = vs[0].shape[1:]
        n = sum(len(v) for v in vs)
        flat = buffers(("draws",) + key, (n * int(np.prod(rest, dtype=int)),))
        return np.concatenate(vs, out=flat.reshape((n,) + rest))

    drawn = [key for key in parts[0][0] if key not in plan.derived]  # derived ones are filled in after
    values = plan.complete({key: join(("values", key), [p[0][key] for p in parts]) for key in drawn})
    risks = RiskDraws()
    for attr in ("first", "yearly", "impact"):
        for key in getattr(parts[0][1], attr):
            getattr(risks, attr)[key] = join((attr, key), [getattr(p[1], attr)[key] for p in parts])
    return values, risks, sum(p[2] for p in parts)
