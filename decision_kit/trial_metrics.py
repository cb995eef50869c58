"""Per-trial metrics of one chunk of trials, cell by cell: NPV, PV of cost, TCO and payback
from time-major (P, n) cash flows, in scratch buffers reused by every chunk and cell.

:class:`ChunkMetrics` is the ``on_cell`` callback :func:`decision_kit.simulation.simulate` hands
:func:`decision_kit.engine.project`; the status quo's metrics are computed by the same
arithmetic (:func:`discounted`), so an option identical to it differs by exactly 0.
"""

from __future__ import annotations

import numpy as np

from .workspace import Workspace


class CellWork:
    """Scratch arrays for the per-cell metrics of a chunk, reused by every chunk and cell
    (taken from the thread's workspace)."""

    def __init__(self, P: int, n: int, ws: Workspace):
        self.net = ws(("metrics", "net"), (P, n))
        self.cum = ws(("metrics", "cum"), (P, n))
        self.tmp = ws(("metrics", "tmp"), (1, n))
        self.metric = ws(("metrics", "metric"), (n,))  # a float64 metric before it is stored as float32
        self.neg = np.empty((P, n), dtype=bool)
        self.cross = np.empty((P - 1, n), dtype=bool)
        self.first = np.empty(n, dtype=np.intp)
        self.found = np.empty(n, dtype=bool)


class ChunkMetrics:
    """Per-trial metrics of one chunk, cell by cell from its time-major (P, n) flows, as the
    ``on_cell`` callback of :func:`decision_kit.engine.project`.

    NPV and PV of cost are explicit multiply-adds over the short time axis, TCO a sum over
    periods, payback :func:`payback` of the cumulative net flow (which is also the net band).
    Writes into ``store`` (cell-contiguous (O, W, trials) arrays) at trials ``lo:lo + n``, and
    the first ``m`` trials' cumulative net flow and cost into the bands.
    """

    def __init__(self, store, df, lo, n, work, band_net, band_cost, m):
        self.store, self.df, self.lo, self.n, self.work = store, df, lo, n, work
        self.band_net, self.band_cost, self.m = band_net, band_cost, m
        self.status_quo: dict | None = None  # where the status quo's metrics go, if any
        self.terminal: tuple | None = None  # (store (O, W, trials), TerminalPlan, drawn values), if any

    def __call__(self, oi, wi, cost, benefit):
        store, df, lo, n, work, m = self.store, self.df, self.lo, self.n, self.work, self.m
        P = len(df)
        net, cum = work.net[:, :n], work.cum[:, :n]
        metric = work.metric[:n]
        sl = slice(lo, lo + n)
        discounted(cost, benefit, df, work, n, store["npv"][oi, wi, sl])
        store["pv_cost"][oi, wi, sl] = metric
        store["tco"][oi, wi, sl] = np.sum(cost, axis=0, out=metric)
        cum[0] = net[0]
        for t in range(1, P):
            np.add(cum[t - 1], net[t], out=cum[t])
        store["payback"][oi, wi, sl] = payback(net, cum, work, n, out=metric)
        if self.terminal is not None:
            self.terminal[0][oi, wi, sl] = self.terminal[1].present_value(oi, net[-1], self.terminal[2])
        if m:
            self.band_net[:, oi, wi, lo : lo + m] = cum[:, :m]
            cum[0] = cost[0]  # cum is free now: the cumulative cost
            for t in range(1, P):
                np.add(cum[t - 1], cost[t], out=cum[t])
            self.band_cost[:, oi, wi, lo : lo + m] = cum[:, :m]

    def finish(self, flows):
        """Store what the engine returns for all cells at once (launch months, incidents)."""
        sl = slice(self.lo, self.lo + self.n)
        self.store["launch_months"][..., sl] = flows.launch
        self.store["security_events"][..., sl] = flows.security_events
        if self.status_quo is not None and flows.status_quo is not None:
            cost, benefit = flows.status_quo  # the cells' arithmetic: an identical cell differs by 0
            metric = discounted(cost, benefit, self.df, self.work, self.n, self.status_quo["npv"][sl])
            self.status_quo["pv_cost"][sl] = metric
            self.status_quo["tco"][sl] = np.sum(cost, axis=0, out=metric)


def discounted(cost, benefit, df, work, n, npv):
    """NPV of ``benefit - cost`` into ``npv`` and the PV of cost into ``work.metric[:n]`` (returned),
    from (P, n) flows and discount factors ``df``: explicit multiply-adds over the short time
    axis; ``work.net[:, :n]`` is left holding the net flow."""
    net, tmp, metric = work.net[:, :n], work.tmp[0, :n], work.metric[:n]
    np.subtract(benefit, cost, out=net)
    npv[...] = 0.0
    for t in range(len(df)):
        npv += np.multiply(net[t], df[t], out=tmp)
    metric[...] = 0.0
    for t in range(len(df)):
        metric += np.multiply(cost[t], df[t], out=tmp)
    return metric


def payback(net, cum, work, n, out):
    """:func:`decision_kit.finance.payback` of the columns of a time-major (P, n) net-flow matrix
    ``net`` with running sums ``cum``, into ``out`` (same arithmetic, so the same numbers).

    Payback at the first ``t >= 1`` with ``C[t-1] < 0 <= C[t]``: ``(t - 1) - C[t-1] / net[t]``;
    0 if the cumulative flow is never negative; NaN if it never climbs back or ends as NaN.
    """
    neg = np.less(cum, 0, out=work.neg[:, :n])
    cross = np.greater_equal(cum[1:], 0, out=work.cross[:, :n])
    cross &= neg[:-1]  # cross[t - 1]: the running sum turns non-negative in period t
    first = work.first[:n]
    first[...] = -1
    for t in range(cross.shape[0] - 1, -1, -1):  # backwards, so the earliest crossing is written last
        np.copyto(first, t, where=cross[t])
    found = np.greater_equal(first, 0, out=work.found[:n])
    idx = np.maximum(first, 0)
    cols = np.arange(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.divide(cum[idx, cols], net[idx + 1, cols])
        np.subtract(idx, val, out=val)
    np.copyto(out, val)
    out[~found] = np.nan
    out[~found & ~neg.any(axis=0)] = 0.0
    out[np.isnan(cum[-1])] = np.nan
    return out
