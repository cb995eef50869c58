"""The result of a simulation, with tidy pandas views and a plain-language recommendation.

Sign conventions: NPV is benefits minus costs, discounted at the scenario's nominal rate with
period 0 undiscounted. TCO is total cost of ownership over the horizon (undiscounted, nominal);
``pv_cost`` is its present value. Money is in the scenario's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .engine import Layout
from .schema import Scenario


def _cvar(x: np.ndarray, level: float) -> np.ndarray:
    """Mean of the worst ``level`` share of outcomes along axis 0 (lower tail of NPV)."""
    n = x.shape[0]
    k = max(1, int(np.ceil(level * n)))
    part = np.partition(x, k - 1, axis=0)[:k]
    return part.mean(axis=0)


CE_MIN_EFFECTIVE_TRIALS = 100
"""A certainty equivalent carried by fewer effective trials than this (see
``ce_effective_trials`` in :meth:`Result.summary`) is not shown: the CLI, the memo and the
dashboard print it as NaN or n/a, because a handful of extreme losses decide it and another
seed would give a very different number."""


def shown_certainty_equivalent(summary):
    """The summary's ``certainty_equivalent`` where at least :data:`CE_MIN_EFFECTIVE_TRIALS`
    effective trials carry it, NaN elsewhere (a pandas Series indexed like ``summary``)."""
    return summary["certainty_equivalent"].where(summary["ce_effective_trials"] >= CE_MIN_EFFECTIVE_TRIALS)


def _certainty_equivalent(x: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Certainty equivalent under exponential utility ``u(x) = 1 - exp(-x / rho)``:
    ``CE = -rho ln E[exp(-x / rho)]``, computed stably (log-sum-exp).

    Also returns the effective sample size of the weights ``exp(-x / rho)``,
    ``(sum w)^2 / sum w^2``: when a handful of extreme losses carry the expectation (ESS in
    the tens), the Monte Carlo estimate of the CE is unreliable — more trials, a larger risk
    tolerance or a capped tail are needed.
    """
    z = -x / rho
    m = z.max(axis=0)
    w = np.exp(z - m)
    ce = -rho * (m + np.log(np.mean(w, axis=0)))
    ess = w.sum(axis=0) ** 2 / (w * w).sum(axis=0)
    return ce, ess


@dataclass(frozen=True, eq=False)
class Result:
    """A finished simulation: per-trial metrics per option x owner, mean flows and bands.

    Attributes
    ----------
    metrics : dict of arrays (trials, options, owners): ``npv``, ``pv_cost``, ``tco``,
        ``payback`` (years, NaN if never), ``launch_months``, ``security_events``.
    means : mean per period (periods, options, owners) of ``cost``, ``benefit``,
        ``marketing_cost``; ``rows`` is the mean by cost or benefit category (rows, periods,
        options, owners) in :attr:`Layout.rows` order.
    band_net, band_cost : cumulative net cash flow and cumulative cost per period for the first
        ``min(trials, 20_000)`` trials (float32, :data:`~decision_kit.simulation.BAND_TRIALS`),
        for percentile bands.
    inputs : the sampled value of every drawn input (by dotted path) for the first
        ``min(trials, 100_000)`` trials (:data:`~decision_kit.simulation.INPUT_TRIALS`),
        aligned with ``metrics[...][:len]``: what value-of-information and sensitivity
        analyses regress on. A read-only mapping whose draws are made again from the seed
        the first time it is read (identical to the simulation's, not kept by it).
    """

    scenario: Scenario
    layout: Layout
    trials: int
    seed: int
    metrics: dict
    means: dict
    band_net: np.ndarray = field(repr=False)
    band_cost: np.ndarray = field(repr=False)
    inputs: Mapping = field(repr=False, default_factory=dict)

    # -- helpers --------------------------------------------------------------------------
    def _index(self):
        import pandas as pd

        return pd.MultiIndex.from_product([self.layout.options, self.layout.owners], names=["option", "owner"])

    def _flat(self, a: np.ndarray) -> np.ndarray:
        """(…, O, W) -> (…, O*W) in option-major order."""
        return a.reshape(a.shape[:-2] + (-1,))

    @property
    def risk_tolerance(self) -> float:
        """The scenario's stated risk tolerance, or (when it states none) the mean present
        value of cost of the costliest cell: a decision of this size is then taken as about
        one risk tolerance."""
        if self.scenario.risk_tolerance is not None:
            return float(self.scenario.risk_tolerance)
        return float(np.max(self.metrics["pv_cost"].mean(axis=0)))

    # -- views ----------------------------------------------------------------------------
    def summary(self, *, cvar_level: float = 0.10, risk_tolerance: float | None = None):
        """One row per option x owner.

        Columns: mean, P10, P50, P90 of NPV; mean and P50 of TCO and of PV of cost; median
        payback (years; NaN if fewer than half the trials pay back); probability of a loss
        (NPV < 0); probability of being the best cell (highest NPV in the trial); expected
        regret (mean shortfall of NPV to the trial's best cell); CVaR of NPV at ``cvar_level``
        (mean of the worst ``cvar_level`` share); certainty equivalent under exponential
        utility with ``risk_tolerance`` (currency; default :attr:`risk_tolerance`) and the
        effective number of trials behind it (below ~100 the CE is dominated by a few extreme
        trials and should not be trusted); median
        months to launch; expected number of security incidents over the horizon.
        """
        import pandas as pd

        if not 0 < cvar_level < 1:
            raise ValueError(f"cvar_level must lie between 0 and 1, got {cvar_level}")
        rho = self.risk_tolerance if risk_tolerance is None else float(risk_tolerance)
        if not rho > 0:
            raise ValueError(f"risk_tolerance must be positive, got {rho}")
        npv = self._flat(self.metrics["npv"])
        q_npv = np.percentile(npv, [10, 50, 90], axis=0)
        tco = self._flat(self.metrics["tco"]).astype(float)
        pvc = self._flat(self.metrics["pv_cost"]).astype(float)
        best = npv.max(axis=1, keepdims=True)
        winner = npv.argmax(axis=1)
        p_best = np.bincount(winner, minlength=npv.shape[1]) / npv.shape[0]
        payback = self._flat(self.metrics["payback"]).astype(float)
        ce, ess = _certainty_equivalent(npv, rho)
        payback_med = np.nanmedian(np.where(np.isnan(payback), np.inf, payback), axis=0)
        df = pd.DataFrame({
            "npv_mean": npv.mean(axis=0),
            "npv_p10": q_npv[0], "npv_p50": q_npv[1], "npv_p90": q_npv[2],
            "tco_mean": tco.mean(axis=0), "tco_p50": np.median(tco, axis=0),
            "pv_cost_mean": pvc.mean(axis=0), "pv_cost_p90": np.percentile(pvc, 90, axis=0),
            "payback_p50": np.where(np.isinf(payback_med), np.nan, payback_med),
            "p_loss": (npv < 0).mean(axis=0),
            "p_best": p_best,
            "expected_regret": (best - npv).mean(axis=0),
            f"cvar_{int(round(cvar_level * 100))}": _cvar(npv, cvar_level),
            "certainty_equivalent": ce,
            "ce_effective_trials": ess,
            "launch_months_p50": np.median(self._flat(self.metrics["launch_months"]), axis=0),
            "security_incidents": self._flat(self.metrics["security_events"]).mean(axis=0),
        }, index=self._index())
        return df

    def _per_cell_period(self, arrays: dict) -> "pd.DataFrame":
        """A tidy frame, one row per option, owner and period (in that nesting), from arrays
        shaped (P, O, W)."""
        import pandas as pd

        lay = self.layout
        O, W, P = len(lay.options), len(lay.owners), lay.periods
        cols = {"option": np.repeat(lay.options, W * P), "owner": np.tile(np.repeat(lay.owners, P), O),
                "period": np.tile(np.arange(P), O * W),
                "year": np.tile(self.scenario.start_year - 1 + np.arange(P), O * W)}
        cols.update({k: np.transpose(v, (1, 2, 0)).reshape(-1) for k, v in arrays.items()})
        return pd.DataFrame(cols)

    def _mean_flows(self) -> dict:
        c, b, m = self.means["cost"], self.means["benefit"], self.means["marketing_cost"]
        return {"cost_mean": c, "benefit_mean": b, "net_mean": b - c, "marketing_pays": m, "it_pays": c - m}

    def cashflows(self, percentiles=(10, 50, 90)):
        """Tidy cash flows over time: one row per option, owner and year.

        Columns: mean cost, mean benefit, mean net, mean marketing-paid and IT-paid cost, and
        percentiles of cumulative net cash flow and of cumulative cost (bands from at most the
        first 20,000 trials, :data:`~decision_kit.simulation.BAND_TRIALS`).
        """
        qs_net = np.percentile(self.band_net, percentiles, axis=0)  # (Q, P, O, W)
        qs_cost = np.percentile(self.band_cost, percentiles, axis=0)
        arrays = self._mean_flows()
        for qi, q in enumerate(percentiles):
            arrays[f"cum_net_p{q}"] = qs_net[qi]
            arrays[f"cum_cost_p{q}"] = qs_cost[qi]
        return self._per_cell_period(arrays)

    def breakdown(self):
        """Mean flows by category and year (rows: option, owner, flow; columns: periods)."""
        import pandas as pd

        lay = self.layout
        r = self.means["rows"]  # (R, P, O, W)
        data = np.moveaxis(r, 1, -1).transpose(1, 2, 0, 3).reshape(-1, lay.periods)
        idx = pd.MultiIndex.from_product([lay.options, lay.owners, list(lay.rows)], names=["option", "owner", "flow"])
        return pd.DataFrame(data, index=idx, columns=list(range(lay.periods)))

    def ledger(self):
        """Who pays: mean cost per year for each budget holder, per option x owner.

        Benefits (revenue uplift and savings) are credited to marketing.
        """
        flows = self._mean_flows()
        cf = self._per_cell_period({"marketing_pays": flows["marketing_pays"], "it_pays": flows["it_pays"],
                                    "marketing_gains": flows["benefit_mean"]})
        return cf.drop(columns="period")

    def per_trial(self):
        """Per-trial metrics in long form: one row per trial, option and owner."""
        import pandas as pd

        O, W = len(self.layout.options), len(self.layout.owners)
        idx = pd.MultiIndex.from_product([range(self.trials), self.layout.options, self.layout.owners],
                                         names=["trial", "option", "owner"])
        return pd.DataFrame({k: v.reshape(-1) for k, v in self.metrics.items()}, index=idx)

    def recommendation(self) -> str:
        """One plain-language line: which option, which owner, how sure, and the main reason."""
        s = self.summary()
        cur = self.scenario.currency
        ranked = s.sort_values("npv_mean", ascending=False)
        (o, w), top = ranked.index[0], ranked.iloc[0]
        if len(ranked) == 1:
            return (f"Only one choice is modelled, {o} owned by {w}: expected NPV {format_money(top.npv_mean, cur)} "
                    f"(P10 {format_money(top.npv_p10, cur)} to P90 {format_money(top.npv_p90, cur)}), "
                    f"{top.p_loss:.0%} chance of a loss.")
        (o2, w2), second = ranked.index[1], ranked.iloc[1]
        gap = top.npv_mean - second.npv_mean
        d_cost = second.pv_cost_mean - top.pv_cost_mean
        d_benefit = (top.npv_mean + top.pv_cost_mean) - (second.npv_mean + second.pv_cost_mean)
        reason = (f"{format_money(abs(d_cost), cur)} {'lower' if d_cost >= 0 else 'higher'} cost in present value"
                  if abs(d_cost) >= abs(d_benefit) else
                  f"{format_money(abs(d_benefit), cur)} {'more' if d_benefit >= 0 else 'less'} benefit in present value")
        sure = "confidently" if top.p_best >= 0.6 else ("narrowly" if top.p_best < 0.35 else "on balance")
        return (f"Recommend {o} owned by {w} ({sure}): expected NPV {format_money(top.npv_mean, cur)} "
                f"(P10 {format_money(top.npv_p10, cur)} to P90 {format_money(top.npv_p90, cur)}), best in "
                f"{top.p_best:.0%} of trials, {top.p_loss:.0%} chance of a loss. Ahead of {o2}/{w2} by "
                f"{format_money(gap, cur)}, mainly through {reason}.")

    def _repr_html_(self):
        return f"<p>{self.recommendation()}</p>" + self.summary().to_html(float_format=lambda x: f"{x:,.2f}")


def format_money(x: float, currency: str = "USD") -> str:
    """Compact money: 1,234,567 -> '1.23M USD'."""
    a = abs(x)
    sign = "-" if x < 0 else ""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{sign}{a / div:.2f}{suffix} {currency}"
    return f"{sign}{a:.0f} {currency}"
