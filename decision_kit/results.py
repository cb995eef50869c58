"""The result of a simulation, with tidy pandas views and a plain-language recommendation.

Sign conventions: NPV is benefits minus costs, discounted at the scenario's nominal rate with
period 0 undiscounted. TCO is total cost of ownership over the horizon (undiscounted, nominal);
``pv_cost`` is its present value. Money is in the scenario's currency.

What is here: :class:`Metrics` (the per-trial metrics, one typed array each); :class:`Result`
(a finished simulation, whose tables are computed once and kept: :meth:`Result.summary`,
:meth:`Result.cashflows`, :attr:`Result.best_cell`; :meth:`Result.with_scenario` for the same
trials and seed under another scenario); :data:`UNSIMULATED_FIELDS`, the scenario fields the
simulation never reads; :func:`shown_certainty_equivalent` (what every output shows for a
certainty equivalent); the Monte Carlo standard errors :func:`mean_standard_error`,
:func:`proportion_standard_error` and :func:`trials_to_separate`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ownership
from .dominance import dominated_by
from .engine import Layout
from .formatting import money, rate, whole_percent
from .plan import compile_plan
from .schema import Scenario
from .tails import certainty_equivalent_defects

if TYPE_CHECKING:
    import pandas as pd

UNSIMULATED_FIELDS = frozenset(
    {"name", "description", "source", "risk_tolerance", "criteria", "stakeholders", "success"}
)
"""Scenario fields :func:`~decision_kit.simulation.simulate` never reads: two scenarios that
differ only in these give the same simulation, read differently (the risk tolerance enters the
summary, the stakeholders weight the multi-criteria view)."""

METRIC_NAMES = ("npv", "pv_cost", "tco", "payback", "launch_months", "security_events")
"""The per-trial metrics of a :class:`Metrics`, in order."""


VERSUS_STATUS_QUO = (
    "npv_vs_status_quo_mean",
    "npv_vs_status_quo_p10",
    "npv_vs_status_quo_p90",
    "pv_cost_vs_status_quo_mean",
    "p_worse_than_status_quo",
)
"""The summary's columns of each cell against the status quo (where the scenario states one),
in the order every report leads with them."""


@dataclass(frozen=True, eq=False)
class Metrics(Mapping[str, np.ndarray]):
    """Per-trial metrics of a simulation, each an array shaped (trials, options, owners).

    Also a read-only mapping from the names of :data:`METRIC_NAMES` to the arrays, so
    ``metrics["npv"]`` and ``metrics.npv`` are the same array.

    Attributes
    ----------
    npv : net present value (benefits minus costs, discounted at the scenario's nominal rate,
        period 0 undiscounted), currency; float64.
    pv_cost : present value of cost, currency (positive).
    tco : total cost of ownership over the horizon, undiscounted and nominal, currency.
    payback : years until the cumulative net cash flow turns non-negative (interpolated
        within the period); NaN where it never does within the horizon.
    launch_months : months from the decision to launch.
    security_events : number of security incidents over the horizon.
    """

    npv: np.ndarray
    pv_cost: np.ndarray
    tco: np.ndarray
    payback: np.ndarray
    launch_months: np.ndarray
    security_events: np.ndarray

    @classmethod
    def of(cls, metrics: Mapping[str, np.ndarray]) -> Metrics:
        """The metrics of a mapping holding exactly the names of :data:`METRIC_NAMES` (arrays not copied)."""
        if isinstance(metrics, Metrics):
            return metrics
        if set(metrics) != set(METRIC_NAMES):
            raise ValueError(f"metrics must be exactly {', '.join(METRIC_NAMES)}; got {', '.join(metrics)}")
        return cls(**{k: metrics[k] for k in METRIC_NAMES})

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in METRIC_NAMES:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(METRIC_NAMES)

    def __len__(self) -> int:
        return len(METRIC_NAMES)


def _cvar(x: np.ndarray, level: float) -> np.ndarray:
    """Mean of the worst ``level`` share of outcomes along axis 0 (lower tail of NPV)."""
    n = x.shape[0]
    k = max(1, int(np.ceil(level * n)))
    part = np.partition(x, k - 1, axis=0)[:k]
    return part.mean(axis=0)


def shown_certainty_equivalent(summary) -> pd.Series:
    """What every output shows for each cell's certainty equivalent: the number (a float, in
    currency) where it exists for the scenario's distributions and caps, else the sentence
    ``"not defined: <input> has an unbounded loss tail"`` (see :mod:`decision_kit.tails`). A
    pandas Series of objects indexed like ``summary``, from its ``certainty_equivalent`` and
    ``ce_note`` columns."""
    ce = summary["certainty_equivalent"].astype(object)
    return ce.where(summary["ce_note"] == "", summary["ce_note"])


def _certainty_equivalent(x: np.ndarray, rho: float) -> np.ndarray:
    """Certainty equivalent under exponential utility ``u(x) = 1 - exp(-x / rho)``:
    ``CE = -rho ln E[exp(-x / rho)]``, computed stably (log-sum-exp), along axis 0.

    This is the Monte Carlo estimate; whether the quantity it estimates exists is decided
    from the inputs (:func:`decision_kit.tails.certainty_equivalent_defects`), not here.
    """
    z = -x / rho
    m = z.max(axis=0)
    return -rho * (m + np.log(np.mean(np.exp(z - m), axis=0)))


def mean_standard_error(x: np.ndarray) -> np.ndarray:
    """The Monte Carlo standard error of the mean of ``x`` along axis 0 (trials):
    ``sd / sqrt(n)`` with the sample standard deviation (NaN for a single trial)."""
    n = x.shape[0]
    if n < 2:
        return np.full(x.shape[1:], np.nan)
    return x.std(axis=0, ddof=1) / np.sqrt(n)


def proportion_standard_error(p: np.ndarray, n: int) -> np.ndarray:
    """The binomial standard error ``sqrt(p (1 - p) / n)`` of a share ``p`` of ``n`` trials."""
    p = np.asarray(p, dtype=float)
    return np.sqrt(p * (1 - p) / n)


def trials_to_separate(trials: int, lead: float, se: float) -> float:
    """The trial count at which a lead of ``lead`` would be two standard errors: the standard
    error falls as ``1 / sqrt(n)``, so ``trials (2 se / lead)^2``; infinite for no lead."""
    if lead <= 0:
        return float("inf")
    return trials * (2 * se / lead) ** 2


def _round_up(n: float) -> int:
    """``n`` rounded up to two significant figures (45,123 -> 46,000)."""
    k = max(int(np.floor(np.log10(n))) - 1, 0)
    return int(np.ceil(n / 10**k) * 10**k)


PREDETERMINED = {
    False: ("launch, integration, incidents, governance, consolidation and realisation", "whatever the inputs"),
    True: ("go-live delay and speed, change cycle, specialists, steering, shadow licences, rework and incidents, "
           "in every trial", "whatever the options' numbers: the organisation profile decides it"),
}  # fmt: skip
"""What a predetermined owner comparison is predetermined on, by constants (False) or by mechanism."""


@dataclass(frozen=True, eq=False)
class Result:
    """A finished simulation: per-trial metrics per option x owner, mean flows and bands.

    The tables it computes are kept on the result (statsmodels' ``cache_readonly`` pattern):
    :meth:`summary` and :meth:`cashflows` are computed once per set of arguments and handed
    out as copies, so a caller that edits its table does not edit the result's.

    Attributes
    ----------
    metrics : :class:`Metrics`, arrays (trials, options, owners): ``npv``, ``pv_cost``, ``tco``,
        ``payback`` (years, NaN if never), ``launch_months``, ``security_events``. A plain
        mapping of those names is accepted and wrapped.
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
    terminal : per-trial present value at the decision date of each cell's terminal value
        (trials, options, owners), float64, under the scenario's rule
        (:class:`~decision_kit.schema.TerminalValue`); None when the rule is ``none``. Never
        part of ``metrics["npv"]``: :meth:`terminal_summary` reports it beside the NPV.
    rerun : how to simulate another scenario the way this result was made (same trials, seed
        and settings), as a function of a scenario; :meth:`with_scenario` calls it. None (the
        default, and what :func:`~decision_kit.simulation.simulate` gives today): then
        :meth:`with_scenario` accepts only a scenario that simulates alike.
    status_quo : the status quo's per-trial ``npv``, ``pv_cost`` and ``tco`` (trials,), from
        the same draws as the cells, or None where the scenario states no status quo. Then
        :meth:`summary` reports each cell's difference from it, :meth:`recommendation` whether the
        recommended cell beats it. ``status_quo_means``: its mean ``cost``, ``benefit`` per period.
    """

    scenario: Scenario
    layout: Layout
    trials: int
    seed: int
    metrics: Metrics | Mapping[str, np.ndarray]
    means: dict
    band_net: np.ndarray = field(repr=False)
    band_cost: np.ndarray = field(repr=False)
    inputs: Mapping = field(repr=False, default_factory=dict)
    rerun: Callable[[Scenario], Result] | None = field(default=None, repr=False)
    status_quo: Mapping[str, np.ndarray] | None = field(default=None, repr=False)
    terminal: np.ndarray | None = field(default=None, repr=False)
    status_quo_means: dict | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        if not isinstance(self.metrics, Metrics):
            object.__setattr__(self, "metrics", Metrics.of(self.metrics))

    def _kept(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The table kept under ``key``, made by ``make()`` the first time it is asked for."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

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
    def summary(self, *, cvar_level: float = 0.10, risk_tolerance: float | None = None) -> pd.DataFrame:
        """One row per option x owner.

        Columns: mean, P10, P50, P90 of NPV; mean and P50 of TCO and of PV of cost; median
        payback (years; NaN if fewer than half the trials pay back); probability of a loss
        (NPV < 0); probability of being the best cell (highest NPV in the trial); expected
        regret (mean shortfall of NPV to the trial's best cell); CVaR of NPV at ``cvar_level``
        (mean of the worst ``cvar_level`` share); certainty equivalent under exponential
        utility with ``risk_tolerance`` (currency; default :attr:`risk_tolerance`), NaN where
        it does not exist for the scenario's distributions and caps, with ``ce_note`` saying
        why (``"not defined: <input> has an unbounded loss tail"``, empty where it exists; show
        it by :func:`shown_certainty_equivalent`); median months to launch; expected number of
        security incidents over the horizon. Monte Carlo standard errors: ``p_best_se``
        (binomial) and ``expected_regret_se`` (of the mean).

        Computed once per ``cvar_level`` and risk tolerance and kept; each call returns a copy.
        """
        return self._summary(cvar_level, risk_tolerance).copy()

    def _summary(self, cvar_level: float, risk_tolerance: float | None) -> pd.DataFrame:
        """The kept summary table itself (not to be modified: :meth:`summary` hands out copies)."""
        if not 0 < cvar_level < 1:
            raise ValueError(f"cvar_level must lie between 0 and 1, got {cvar_level}")
        rho = self.risk_tolerance if risk_tolerance is None else float(risk_tolerance)
        if not rho > 0 and (risk_tolerance is not None or self.scenario.risk_tolerance is not None):
            raise ValueError(f"risk_tolerance must be positive, got {rho}")
        return self._kept(("summary", float(cvar_level), rho), lambda: self._make_summary(cvar_level, rho))

    def _make_summary(self, cvar_level: float, rho: float) -> pd.DataFrame:
        import pandas as pd

        npv = self._flat(self.metrics["npv"])
        q_npv = np.percentile(npv, [10, 50, 90], axis=0)
        tco = self._flat(self.metrics["tco"]).astype(float)
        pvc = self._flat(self.metrics["pv_cost"]).astype(float)
        best = npv.max(axis=1, keepdims=True)
        winner = npv.argmax(axis=1)
        p_best = np.bincount(winner, minlength=npv.shape[1]) / npv.shape[0]
        payback = self._flat(self.metrics["payback"]).astype(float)
        regret = best - npv
        defects = certainty_equivalent_defects(self.scenario)  # per option; cells are option-major
        notes = np.repeat(
            np.array([defects[o] or "" for o in self.layout.options], dtype=object), len(self.layout.owners)
        )
        if not rho > 0:  # no stated tolerance and no cost to scale one by (see risk_tolerance)
            notes[:] = "not defined: no risk_tolerance is stated and no option has a cost to scale one by"
        ce = np.where(notes == "", _certainty_equivalent(npv, rho), np.nan) if rho > 0 else np.full(len(notes), np.nan)
        payback_med = np.nanmedian(np.where(np.isnan(payback), np.inf, payback), axis=0)
        df = pd.DataFrame(
            {
                "npv_mean": npv.mean(axis=0),
                "npv_p10": q_npv[0],
                "npv_p50": q_npv[1],
                "npv_p90": q_npv[2],
                "tco_mean": tco.mean(axis=0),
                "tco_p50": np.median(tco, axis=0),
                "pv_cost_mean": pvc.mean(axis=0),
                "pv_cost_p90": np.percentile(pvc, 90, axis=0),
                "payback_p50": np.where(np.isinf(payback_med), np.nan, payback_med),
                "p_loss": (npv < 0).mean(axis=0),
                "p_best": p_best,
                "p_best_se": proportion_standard_error(p_best, npv.shape[0]),
                "expected_regret": regret.mean(axis=0),
                "expected_regret_se": mean_standard_error(regret),
                f"cvar_{int(round(cvar_level * 100))}": _cvar(npv, cvar_level),
                "certainty_equivalent": ce,
                "ce_note": notes,
                "launch_months_p50": np.median(self._flat(self.metrics["launch_months"]), axis=0),
                "security_incidents": self._flat(self.metrics["security_events"]).mean(axis=0),
            },
            index=self._index(),
        )
        if self.status_quo is not None:
            for k, v in self._versus_status_quo(npv, pvc).items():
                df[k] = v
        return df

    def status_quo_summary(self) -> pd.DataFrame | None:
        """The status quo's own figures, or None where the scenario states none: one row per
        measure (``npv``, ``pv_cost``, ``tco``; currency), columns ``mean``, ``p10``, ``p50``,
        ``p90`` over the trials. A copy, computed once."""
        if self.status_quo is None:
            return None
        return self._kept(("status_quo_summary",), self._make_status_quo_summary).copy()

    def _make_status_quo_summary(self) -> pd.DataFrame:
        import pandas as pd

        assert self.status_quo is not None
        rows = {}
        for key in ("npv", "pv_cost", "tco"):
            x = np.asarray(self.status_quo[key], dtype=float)
            rows[key] = [x.mean(), *np.percentile(x, [10, 50, 90])]
        return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "p10", "p50", "p90"])

    def _versus_status_quo(self, npv: np.ndarray, pv_cost: np.ndarray) -> dict[str, np.ndarray]:
        """Each cell's per-trial difference from the status quo, summarised: mean, P10 and P90
        of NPV less the status quo's, mean PV of cost less the status quo's, and the chance of
        doing worse than the status quo (a negative difference)."""
        assert self.status_quo is not None
        d = npv - np.asarray(self.status_quo["npv"], dtype=float)[:, None]
        q = np.percentile(d, [10, 90], axis=0)
        return {
            "npv_vs_status_quo_mean": d.mean(axis=0),
            "npv_vs_status_quo_p10": q[0],
            "npv_vs_status_quo_p90": q[1],
            "pv_cost_vs_status_quo_mean": pv_cost.mean(axis=0)
            - np.asarray(self.status_quo["pv_cost"], dtype=float).mean(),
            "p_worse_than_status_quo": (d < 0).mean(axis=0),
        }

    def _status_quo_sentence(self, top: Any) -> str:
        """The recommendation's words on the status quo, for the summary row ``top``."""
        if self.status_quo is None:
            return ""
        cur = self.scenario.currency
        d = top.npv_vs_status_quo_mean
        return (
            f" Against the status quo: {money(d, cur)} more expected NPV (P10 {money(top.npv_vs_status_quo_p10, cur)}"
            f" to P90 {money(top.npv_vs_status_quo_p90, cur)}), worse than keeping it in "
            f"{whole_percent(top.p_worse_than_status_quo)} of trials."
        )

    def terminal_summary(self) -> pd.DataFrame | None:
        """The terminal value beside the NPV, one row per option x owner, or None when the
        scenario's rule is ``none``: mean, P10 and P90 of the terminal value's present value,
        and mean, P10, P50 and P90 of NPV plus it (currency)."""
        import pandas as pd

        if self.terminal is None:
            return None
        tv = self._flat(self.terminal)
        total = self._flat(self.metrics["npv"]) + tv
        q_tv, q_total = np.percentile(tv, [10, 90], axis=0), np.percentile(total, [10, 50, 90], axis=0)
        columns = {"terminal_pv_mean": tv.mean(axis=0), "terminal_pv_p10": q_tv[0], "terminal_pv_p90": q_tv[1]}
        columns.update({"npv_with_terminal_mean": total.mean(axis=0), "npv_with_terminal_p10": q_total[0]})
        columns.update({"npv_with_terminal_p50": q_total[1], "npv_with_terminal_p90": q_total[2]})
        return pd.DataFrame(columns, index=self._index())

    @property
    def best_cell(self) -> tuple[str, str]:
        """The (option, owner) cell with the highest mean NPV (the first of equals, in
        option-major order)."""
        return self._kept(("best_cell",), lambda: tuple(self._summary(0.10, None)["npv_mean"].idxmax()))

    def _per_cell_period(self, arrays: dict) -> pd.DataFrame:
        """A tidy frame, one row per option, owner and period (in that nesting), from arrays
        shaped (P, O, W)."""
        import pandas as pd

        lay = self.layout
        O, W, P = len(lay.options), len(lay.owners), lay.periods
        cols = {
            "option": np.repeat(lay.options, W * P),
            "owner": np.tile(np.repeat(lay.owners, P), O),
            "period": np.tile(np.arange(P), O * W),
            "year": np.tile(self.scenario.start_year - 1 + np.arange(P), O * W),
        }
        cols.update({k: np.transpose(v, (1, 2, 0)).reshape(-1) for k, v in arrays.items()})
        return pd.DataFrame(cols)

    def _mean_flows(self) -> dict:
        c, b, m = self.means["cost"], self.means["benefit"], self.means["marketing_cost"]
        return {"cost_mean": c, "benefit_mean": b, "net_mean": b - c, "marketing_pays": m, "it_pays": c - m}

    def cashflows(self, percentiles=(10, 50, 90)) -> pd.DataFrame:
        """Tidy cash flows over time: one row per option, owner and year.

        Columns: mean cost, mean benefit, mean net, mean marketing-paid and IT-paid cost, and
        percentiles of cumulative net cash flow and of cumulative cost (bands from at most the
        first 20,000 trials, :data:`~decision_kit.simulation.BAND_TRIALS`). Computed once per
        set of ``percentiles`` and kept; each call returns a copy.
        """
        key = ("cashflows", tuple(percentiles))
        return self._kept(key, lambda: self._make_cashflows(percentiles)).copy()

    def _make_cashflows(self, percentiles) -> pd.DataFrame:
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
        cf = self._per_cell_period(
            {
                "marketing_pays": flows["marketing_pays"],
                "it_pays": flows["it_pays"],
                "marketing_gains": flows["benefit_mean"],
            }
        )
        return cf.drop(columns="period")

    def per_trial(self):
        """Per-trial metrics in long form: one row per trial, option and owner."""
        import pandas as pd

        idx = pd.MultiIndex.from_product(
            [range(self.trials), self.layout.options, self.layout.owners], names=["trial", "option", "owner"]
        )
        return pd.DataFrame({k: v.reshape(-1) for k, v in self.metrics.items()}, index=idx)

    # -- variants -------------------------------------------------------------------------
    def simulates_alike(self, scenario: Scenario) -> bool:
        """Whether ``scenario`` differs from this result's scenario only in
        :data:`UNSIMULATED_FIELDS` (so its simulation would be this one, bit for bit)."""
        return scenario.model_dump(exclude=set(UNSIMULATED_FIELDS)) == self.scenario.model_dump(
            exclude=set(UNSIMULATED_FIELDS)
        )

    def with_scenario(self, scenario: Scenario) -> Result:
        """The simulation of ``scenario`` with this result's trials, seed and settings.

        When ``scenario`` differs only in fields the simulation never reads
        (:meth:`simulates_alike`), this simulation is read under it without being run again,
        and the tables already computed are carried over (each is kept under every argument
        it depends on, the risk tolerance included). Otherwise :attr:`rerun` simulates it;
        a result without ``rerun`` raises ``ValueError``.
        """
        if self.simulates_alike(scenario):
            new = dataclasses.replace(self, scenario=scenario)
            new._cache.update(self._cache)
            return new
        if self.rerun is None:
            raise ValueError(
                "this result does not record how it was simulated (rerun is None): simulate the scenario instead"
            )
        return self.rerun(scenario)

    # -- words ----------------------------------------------------------------------------
    def lead(self, first: tuple[str, str], second: tuple[str, str]) -> tuple[float, float]:
        """How far cell ``first`` leads cell ``second`` in expected NPV, and the Monte Carlo
        standard error of that lead (of the mean of the per-trial difference: both cells see
        the same draws, so the difference's own spread is what counts), in currency."""
        lay = self.layout
        idx = [lay.options.index(c[0]) * len(lay.owners) + lay.owners.index(c[1]) for c in (first, second)]
        diff = self._flat(self.metrics["npv"])[:, idx[0]] - self._flat(self.metrics["npv"])[:, idx[1]]
        return float(diff.mean()), float(mean_standard_error(diff[:, None])[0])

    def recommendation(self) -> str:
        """One plain-language line: which option, which owner, how sure, and the main reason.

        When the lead of the best cell over the runner-up is within two Monte Carlo standard
        errors (:meth:`lead`), it says "too close to call at N trials" instead, with the trial
        count at which the same lead would be two standard errors (:func:`trials_to_separate`).
        """
        s = self._summary(0.10, None)
        cur = self.scenario.currency
        ranked = s.sort_values("npv_mean", ascending=False)
        (o, w), top = ranked.index[0], ranked.iloc[0]
        outlook = (
            f"expected NPV {money(top.npv_mean, cur)} (P10 {money(top.npv_p10, cur)} to P90 {money(top.npv_p90, cur)})"
        )
        if self.status_quo is not None and top.npv_vs_status_quo_mean <= 0:
            return (
                f"Keep the status quo: no option beats it in expected NPV. The best, {o} owned by {w}, is "
                f"{money(-top.npv_vs_status_quo_mean, cur)} worse (P10 {money(top.npv_vs_status_quo_p10, cur)} to "
                f"P90 {money(top.npv_vs_status_quo_p90, cur)} of the difference) and better in "
                f"{whole_percent(1 - top.p_worse_than_status_quo)} of trials."
            )
        if len(ranked) == 1:
            loss = whole_percent(top.p_loss)
            return (
                f"Only one choice is modelled, {o} owned by {w}: {outlook}, {loss} chance of a loss."
                + self._status_quo_sentence(top)
            )
        (o2, w2), second = ranked.index[1], ranked.iloc[1]
        gap, se = self.lead((o, w), (o2, w2))
        best_in = f"best in {whole_percent(top.p_best)} (± {rate(top.p_best_se)}) of trials"
        if gap <= 2 * se or gap <= 0:
            too_close = self._too_close((o, w), (o2, w2), gap, se) + f" {o}/{w}: {outlook}, {best_in}."
            return too_close + self._status_quo_sentence(top) + self._ownership_sentence(w, w2)
        d_cost = second.pv_cost_mean - top.pv_cost_mean
        d_benefit = (top.npv_mean + top.pv_cost_mean) - (second.npv_mean + second.pv_cost_mean)
        reason = (
            f"{money(abs(d_cost), cur)} {'lower' if d_cost >= 0 else 'higher'} cost in present value"
            if abs(d_cost) >= abs(d_benefit)
            else f"{money(abs(d_benefit), cur)} {'more' if d_benefit >= 0 else 'less'} benefit in present value"
        )
        sure = "confidently" if top.p_best >= 0.6 else ("narrowly" if top.p_best < 0.35 else "on balance")
        if top.npv_mean < 0:  # never "confidently" when the best choice still loses money
            sure = "the least bad: every choice loses money in expectation"
        return (
            (
                f"Recommend {o} owned by {w} ({sure}): {outlook}, {best_in}, {whole_percent(top.p_loss)} chance of a "
                f"loss. Ahead of {o2}/{w2} by {money(gap, cur)} (± {money(se, cur)}), mainly through {reason}."
            )
            + self._status_quo_sentence(top)
            + self._ownership_sentence(w, w2)
        )

    def _ownership_sentence(self, owner: str, runner_up: str) -> str:
        """Words on the owners ``owner`` dominates (:mod:`decision_kit.dominance`): its lead over
        them comes from the ownership constants, whatever the inputs."""
        mech = self.scenario.by_mechanism
        beaten = self.dominated_by_mechanism(owner) if mech else dominated_by(self.scenario, owner)
        effects, whatever = PREDETERMINED[mech]
        if not beaten:
            return ""
        which = f"the lead over {runner_up}" if runner_up in beaten else f"a lead over {', '.join(beaten)}"
        return (
            f" Note: {which} is predetermined: {owner} is at least as good as {', '.join(beaten)} on every "
            f"ownership effect stated ({effects}), {whatever}."
        )

    def dominated_by_mechanism(self, owner: str) -> tuple[str, ...]:
        """The owners ``owner`` dominates on every mechanism in every kept trial
        (:func:`decision_kit.ownership.dominated`); () where owners are not by mechanism."""
        return ownership.dominated(compile_plan(self.scenario), self.inputs, owner)

    def _too_close(self, first: tuple[str, str], second: tuple[str, str], gap: float, se: float) -> str:
        """The sentence for a lead within two standard errors."""
        cur = self.scenario.currency
        head = f"Too close to call at {self.trials:,} trials: {first[0]}/{first[1]} and {second[0]}/{second[1]}"
        if se == 0:
            return f"{head} have the same NPV in every trial, and no number of trials separates them."
        need = trials_to_separate(self.trials, gap, se)
        more = (
            f"about {_round_up(need):,} trials would separate them"
            if np.isfinite(need)
            else "no number of trials separates equal means"
        )
        return (
            f"{head} differ by {money(gap, cur)} in expected NPV, within two standard errors "
            f"({money(2 * se, cur)}); {more}."
        )

    def _repr_html_(self):
        return f"<p>{self.recommendation()}</p>" + self._summary(0.10, None).to_html(float_format=lambda x: f"{x:,.2f}")
