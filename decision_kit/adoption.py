"""Adoption ramps: the share of a year's benefit a trial earns after go-live, for a linear ramp
from go-live ``L`` to ``L + R`` months, from the months past go-live at the year edges.

Time-major arrays, (H + 1, n) edges and (H, n) year fractions, in buffers of a
:class:`~decision_kit.workspace.Workspace`; used by :mod:`decision_kit.engine`.
"""

from __future__ import annotations

import numpy as np

from .workspace import Workspace


def edges(L, H: int, ws: Workspace) -> np.ndarray:
    """Months past go-live ``L`` at the year edges 0, 12, ..., 12 H: max(12 t - L, 0), (H + 1, n)."""
    d = np.subtract(12.0 * np.arange(H + 1, dtype=float).reshape(-1, 1), L, out=ws("edges", (H + 1, np.size(L))))
    return np.maximum(d, 0.0, out=d)


def year_fraction_ramped(
    d, ramp_months, half_inv_ramp, ws: Workspace, live: tuple[float, float] | None = None
) -> np.ndarray:
    """12 x the average adoption over each year, (H, n), for a linear ramp from go-live ``L`` to
    ``L + R`` months, from the months past go-live at the year edges ``d`` (:func:`edges`).

    ``ramp_months`` is ``R`` (floored at 1e-9 months) and ``half_inv_ramp`` is ``1 / (2 R)``,
    both (n,) or scalars. The integral of clip((x - L)/R, 0, 1) is F(x) = d - q with
    d = max(x - L, 0), m = min(d, R) and q = m - m^2 / (2R): that is d^2 / (2R) up to
    x = L + R and d - R/2 beyond. Year t gets F(12t) - F(12t - 12), twelve times its average
    adoption, evaluated as (d_t - d_(t-1)) - (q_t - q_(t-1)).

    In that form a trial already fully ramped at the start of year t has q_t = q_(t-1) exactly,
    so its year is exactly d_t - d_(t-1), and a trial not yet live has exactly 0. ``live =
    (min L, max (L + R))`` over the trials, if given, lets the years where that holds for every
    trial skip the q terms; the numbers are the same bit for bit, whatever the trials' bounds.
    """
    H = d.shape[0] - 1
    first, stop = 1, H + 1  # years whose q terms are computed: first .. stop - 1
    if live is not None and np.isfinite(live[0]) and np.isfinite(live[1]):
        first = min(max(int(live[0] // 12) + 1, 1), H + 1)
        stop = max(min(int(np.ceil(min(live[1], 12.0 * H) / 12)) + 1, H + 1), first)
    # a fixed go-live with an uncertain ramp (or the reverse): as wide as the wider of the two
    out = ws("ramp", (H, max(d.shape[1], np.size(ramp_months))))
    out[: first - 1] = 0.0
    np.subtract(d[first:], d[first - 1 : -1], out=out[first - 1 :])
    if stop > first:
        dd = d[first - 1 : stop]  # edges first - 1 .. stop - 1
        shape = np.broadcast_shapes(dd.shape, np.shape(ramp_months))
        full = (H + 1,) + shape[1:]  # buffers of the largest shape, viewed: one allocation each
        m = np.minimum(dd, ramp_months, out=ws("ramp_m", full)[: shape[0]])
        q = np.multiply(m, half_inv_ramp, out=ws("ramp_q", full)[: shape[0]])
        q *= m
        np.subtract(m, q, out=q)  # q at the edges
        out[first - 1 : stop - 1] -= np.subtract(q[1:], q[:-1], out=m[1:])
    return out
