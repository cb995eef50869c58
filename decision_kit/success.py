"""Signed targets: how likely each option x owner cell is to hit the KPIs of a scenario's
``success`` block (:mod:`decision_kit.schema.success`), its milestones and all signed KPIs.

:func:`kpi_values` evaluates every KPI in every trial and cell on the draws of
:func:`~decision_kit.simulation.simulate` for the same seed and trial count (the engine is run
again block by block, so memory stays bounded; the trials are the simulation's own, so a
KPI's hits line up with the result's per-trial NPV). :func:`analyse` does that for a
:class:`~decision_kit.results.Result` and returns a :class:`SuccessResult`.

Conventions: a KPI is hit when its value is at most (``at_most``) or at least (``at_least``)
its target, ties included. A milestone is hit in a trial when all its KPIs are; "all signed"
when every KPI owned by a signer is. Probabilities are shares of trials, with their binomial
standard errors. "At risk" is the value with a one-in-ten chance of worse: the P10 of an
``at_least`` KPI, the P90 of an ``at_most`` one. A target is *aspirational* in a cell where
P(hit) < 20 % and *sandbagged* where P(hit) > 90 %. Money is the scenario's currency, nominal
and undiscounted for the KPIs; NPV as in :mod:`decision_kit.results`.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import engine
from .errors import ScenarioError
from .plan import Plan, compile_plan
from .results import Result, proportion_standard_error
from .sampling import BLOCK, RiskDraws, as_seed, draw_blocks
from .schema import Scenario
from .schema.success import FLOWS, Success

if TYPE_CHECKING:
    import pandas as pd

ASPIRATIONAL = 0.20
"""Below this chance of hitting it, a target is flagged aspirational."""

SANDBAGGED = 0.90
"""Above this chance of hitting it, a target is flagged sandbagged."""

AT_RISK = 0.10
"""The chance of worse that defines a KPI's at-risk value."""

__all__ = [
    "ASPIRATIONAL",
    "AT_RISK",
    "SANDBAGGED",
    "SuccessResult",
    "adoption_at",
    "analyse",
    "block_of",
    "flag",
    "kpi_values",
    "kpis_of_draws",
]


def block_of(scenario: Scenario) -> Success:
    """The scenario's success block; a ScenarioError naming the scenario if it states none."""
    if scenario.success is None:
        raise ScenarioError(f"scenario '{scenario.name}' states no 'success:' block (KPIs, milestones, signers)")
    return scenario.success


def flag(p: float) -> str:
    """``"aspirational"`` below :data:`ASPIRATIONAL`, ``"sandbagged"`` above :data:`SANDBAGGED`,
    else ``""`` (NaN: ``""``).

    >>> flag(0.1), flag(0.5), flag(0.95)
    ('aspirational', '', 'sandbagged')
    """
    if p < ASPIRATIONAL:
        return "aspirational"
    if p > SANDBAGGED:
        return "sandbagged"
    return ""


def kpi_values(scenario: Scenario | Plan, trials: int, seed: int) -> dict[str, np.ndarray]:
    """Every KPI of the scenario's success block in every trial and cell: name -> float array
    (trials, options, owners), on the draws :func:`~decision_kit.simulation.simulate` makes for
    ``trials`` and ``seed`` (block by block, as it draws them)."""
    seed = as_seed(seed)
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or trials < 1:
        raise ScenarioError(f"trials must be a positive integer, got {trials!r}")
    plan = compile_plan(scenario)
    block = block_of(plan.scenario)
    lay = plan.layout
    out = {name: np.empty((trials, len(lay.options), len(lay.owners))) for name in block.kpis}
    ws = engine.Workspace()
    for b in range(-(-trials // BLOCK)):
        values, risks, n = draw_blocks(plan, seed, trials, [b])
        lo = b * BLOCK
        for name, v in kpis_of_draws(plan, values, risks, n, ws).items():
            out[name][lo : lo + n] = v
    return out


def kpis_of_draws(
    plan: Plan, values: dict, risks: RiskDraws, n: int, ws: engine.Workspace | None = None
) -> dict[str, np.ndarray]:
    """Every KPI of the plan's success block on ``n`` trials of engine inputs (``values`` and
    ``risks`` as :func:`~decision_kit.engine.project` takes them): name -> (n, options, owners)."""
    block = block_of(plan.scenario)
    lay = plan.layout
    out = {name: np.empty((n, len(lay.options), len(lay.owners))) for name in block.kpis}
    flow_kpis = [(name, *k.parsed) for name, k in block.kpis.items() if k.parsed[0] in FLOWS]

    def on_cell(oi, wi, cost, benefit):
        for name, kind, first, last in flow_kpis:
            assert first is not None and last is not None  # a flow KPI names its years
            rows = slice(first, last + 1)
            if kind == "cost":
                v = cost[rows].sum(axis=0)
            elif kind == "benefit":
                v = benefit[rows].sum(axis=0)
            else:
                v = benefit[rows].sum(axis=0) - cost[rows].sum(axis=0)
            out[name][:, oi, wi] = v

    flows = engine.project(plan, values, risks, n, ws, on_cell=on_cell)
    full = None
    for name, k in block.kpis.items():
        kind, month, _ = k.parsed
        if kind == "launch_months":
            out[name][:] = np.moveaxis(flows.launch, -1, 0)
        elif kind == "security_events":
            out[name][:] = np.moveaxis(flows.security_events, -1, 0)
        elif kind == "adoption":
            assert month is not None
            full = plan.complete(values) if full is None else full
            for op in plan.options:
                out[name][:, op.index] = adoption_at(
                    month, flows.launch[op.index], [full[b.ramp_months] for b in op.benefits]
                ).T
    return out


def adoption_at(month: float, launch: np.ndarray, ramps: list) -> np.ndarray:
    """The share of full adoption ``month`` months after the decision, for go-live ``launch``
    (months, any shape) and the ramps of the option's benefit lines (months each, scalars or
    arrays broadcasting with ``launch``): the mean over the lines of ``clip((month - L) / R, 0,
    1)``, each ramp floored at 1e-9 months as the engine does; 0 where there is no line.

    >>> float(adoption_at(12, np.array(6.0), [12.0]))
    0.5
    """
    launch = np.asarray(launch, dtype=float)
    if not ramps:
        return np.zeros(launch.shape)
    total = np.zeros(launch.shape)
    for r in ramps:
        total += np.clip((month - launch) / np.maximum(np.asarray(r, dtype=float), 1e-9), 0.0, 1.0)
    return total / len(ramps)


def analyse(result: Result, plan: Plan | None = None, rules: pd.DataFrame | None = None) -> SuccessResult:
    """The chances of hitting the KPIs and milestones of ``result``'s scenario, on its trials.

    ``plan``: the plan ``result`` was simulated from, if not its scenario's own compiled plan.
    ``rules``: the fitted stop rules of the milestones that sign one
    (:func:`decision_kit.success_rules.rule_milestones`; :func:`decision_kit.success_rules.analyse`
    passes them), without which those milestones' chances are NaN.
    """
    plan = compile_plan(result.scenario) if plan is None else plan
    if plan.layout != result.layout:
        raise ScenarioError("the plan's option x owner cells are not the result's")
    values = kpi_values(plan, result.trials, result.seed)
    sq = None if result.status_quo is None else result.status_quo["npv"]
    npv = result.metrics["npv"]
    return SuccessResult(result.scenario, result.layout, result.trials, result.seed, values, npv, sq, rules)


@dataclass(frozen=True, eq=False)
class SuccessResult:
    """KPI values per trial and cell and what they say about the signed targets.

    Attributes
    ----------
    scenario, layout, trials, seed : what the values were computed from.
    values : KPI name -> (trials, options, owners) array of the KPI's value (its unit: months,
        currency or incidents, see :data:`~decision_kit.schema.success.METRICS`).
    npv : (trials, options, owners) per-trial NPV of the same trials (currency).
    status_quo_npv : (trials,) the status quo's NPV in the same trials, or None where the
        scenario states no status quo.
    rules : for milestones that sign a stop rule, one row per (option, owner, milestone) of the
        rule's option (:func:`decision_kit.success_rules.rule_milestones`): ``p_continue`` (the
        milestone's chance), ``p_continue_se``, ``threshold`` and ``rule``; None if not given.
    """

    scenario: Scenario
    layout: engine.Layout
    trials: int
    seed: int
    values: dict[str, np.ndarray]
    npv: np.ndarray
    status_quo_npv: np.ndarray | None = None
    rules: pd.DataFrame | None = None

    @property
    def block(self) -> Success:
        return block_of(self.scenario)

    @functools.cached_property
    def hits(self) -> dict[str, np.ndarray]:
        """KPI name -> (trials, options, owners) booleans: hit in that trial and cell."""
        return {name: k.hit(self.values[name]) for name, k in self.block.kpis.items()}

    def all_hit(self, names) -> np.ndarray:
        """(trials, options, owners) booleans: every KPI of ``names`` hit (all True for none)."""
        out = np.ones(self.npv.shape, dtype=bool)
        for name in names:
            out &= self.hits[name]
        return out

    def _index(self, extra: list[str] | None = None, name: str = ""):
        import pandas as pd

        lay = self.layout
        if extra is None:
            return pd.MultiIndex.from_product([lay.options, lay.owners], names=["option", "owner"])
        return pd.MultiIndex.from_product([lay.options, lay.owners, extra], names=["option", "owner", name])

    @functools.cached_property
    def _kpis(self) -> pd.DataFrame:
        import pandas as pd

        names = list(self.block.kpis)
        rows = []
        for name in names:
            k = self.block.kpis[name]
            v = self.values[name]
            p = self.hits[name].mean(axis=0)
            q = AT_RISK if k.direction == "at_least" else 1 - AT_RISK
            rows.append(
                {
                    "metric": k.metric,
                    "direction": k.direction,
                    "target": float(k.target),
                    "stakeholder": k.owner,
                    "signed": k.owner in self.block.signed_by,
                    "p_hit": p,
                    "p_hit_se": proportion_standard_error(p, self.trials),
                    "median": np.median(v, axis=0),
                    "at_risk": np.quantile(v, q, axis=0),
                }
            )
        O, W = len(self.layout.options), len(self.layout.owners)
        data = {col: np.stack([np.broadcast_to(r[col], (O, W)) for r in rows], axis=-1).reshape(-1) for col in rows[0]}
        frame = pd.DataFrame(data, index=self._index(names, "kpi"))
        frame["flag"] = [flag(p) for p in frame["p_hit"]]
        return frame

    def kpis(self) -> pd.DataFrame:
        """One row per (option, owner, kpi): metric, direction, target, stakeholder (the KPI's
        owner), signed, p_hit and its standard error, median, at_risk (a one-in-ten chance of
        worse) and flag (aspirational, sandbagged or empty). A copy."""
        return self._kpis.copy()

    @functools.cached_property
    def _milestones(self) -> pd.DataFrame:
        import pandas as pd

        npv = np.asarray(self.npv, dtype=float)
        vs = None if self.status_quo_npv is None else npv - np.asarray(self.status_quo_npv, dtype=float)[:, None, None]
        keys = (
            "at_month",
            "kpis",
            "p_hit",
            "npv_mean_if_missed",
            "npv_mean_if_hit",
            "npv_vs_status_quo_mean_if_missed",
        )
        cols: dict[str, list] = {k: [] for k in keys}
        for ms in self.block.milestones:
            if ms.stop_rule is not None:
                self._rule_row(ms, cols, vs is not None)
                continue
            hit = self.all_hit(ms.kpis)
            n_hit = hit.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                cols["npv_mean_if_missed"].append(np.where(hit, 0.0, npv).sum(axis=0) / (self.trials - n_hit))
                cols["npv_mean_if_hit"].append(np.where(hit, npv, 0.0).sum(axis=0) / n_hit)
                if vs is not None:  # E[NPV - the status quo's NPV | missed], trial by trial
                    cols[keys[-1]].append(np.where(hit, 0.0, vs).sum(axis=0) / (self.trials - n_hit))
            cols["p_hit"].append(n_hit / self.trials)
            cols["at_month"].append(np.full(n_hit.shape, float(ms.at_month)))
            cols["kpis"].append(np.full(n_hit.shape, ", ".join(ms.kpis), dtype=object))
        if vs is None:
            del cols[keys[-1]]
        names = [ms.name for ms in self.block.milestones]
        O, W = len(self.layout.options), len(self.layout.owners)
        data = {k: np.stack(v, axis=-1).reshape(-1) if v else np.empty(0) for k, v in cols.items()}
        frame = pd.DataFrame(data, index=self._index(names, "milestone"))
        frame.insert(3, "p_hit_se", proportion_standard_error(frame["p_hit"].to_numpy(dtype=float), self.trials))
        frame.insert(4, "npv_mean", np.repeat(npv.mean(axis=0).reshape(O * W), len(names)))
        if self.rules is not None:  # a rule's chance is on the trials that value it (half the trials)
            for key, r in self.rules.iterrows():
                frame.loc[key, "p_hit_se"] = r.p_continue_se
        return frame

    def _rule_row(self, ms, cols: dict, versus: bool) -> None:
        """A stop-rule milestone's columns: its chance is the rule's chance of carrying on in
        the cells of its option (NaN elsewhere, and without :attr:`rules`); the expected NPV
        under the rule given it is missed (the rule stops by then) or hit, on the trials that
        value the rule, where :attr:`rules` gives them."""
        lay = self.layout
        shape = (len(lay.options), len(lay.owners))
        p = np.full(shape, np.nan)
        words = np.full(shape, "", dtype=object)
        if self.rules is not None:
            for (o, w, name), r in self.rules.iterrows():
                if name == ms.name:
                    p[lay.options.index(o), lay.owners.index(w)] = r.p_continue
                    words[lay.options.index(o), lay.owners.index(w)] = r.rule
        assert ms.stop_rule is not None
        what = "yearly stop review" if ms.stop_rule.rule == "yearly_review" else "pilot"
        words[words == ""] = f"the {what} of {ms.stop_rule.option} carries on"
        got = {k: np.full(shape, np.nan) for k in ("npv_if_missed", "npv_if_hit", "npv_vs_status_quo_if_missed")}
        if self.rules is not None:
            for (o, w, name), r in self.rules.iterrows():
                if name == ms.name:
                    for k in got:
                        got[k][lay.options.index(o), lay.owners.index(w)] = r.get(k, np.nan)
        cols["npv_mean_if_missed"].append(got["npv_if_missed"])
        cols["npv_mean_if_hit"].append(got["npv_if_hit"])
        if versus:
            cols["npv_vs_status_quo_mean_if_missed"].append(got["npv_vs_status_quo_if_missed"])
        cols["p_hit"].append(p)
        cols["at_month"].append(np.full(shape, float(ms.at_month)))
        cols["kpis"].append(words)

    def milestones(self) -> pd.DataFrame:
        """One row per (option, owner, milestone): at_month, its KPIs, p_hit (all its KPIs hit;
        for a milestone signing a stop rule, the rule's chance of carrying on, its words in the
        ``kpis`` column and NaN in the cells of other options) and its standard error, the
        cell's expected NPV, and the expected NPV given the milestone is missed and given it is
        hit (NaN where it never is, and for a stop rule), and where the scenario states a status
        quo the expected NPV against it given the milestone is missed. A copy."""
        return self._milestones.copy()

    @functools.cached_property
    def _signed(self) -> pd.DataFrame:
        import pandas as pd

        block = self.block
        p = self.all_hit(block.signed).mean(axis=0)
        data = {"p_all_signed": p.reshape(-1), "p_all_signed_se": proportion_standard_error(p, self.trials).reshape(-1)}
        for who in block.signed_by:
            own = [name for name in block.signed if block.kpis[name].owner == who]
            share = self.all_hit(own).mean(axis=0).reshape(-1) if own else np.full(p.size, np.nan)
            data[f"p_all_of_{who}"] = share
        return pd.DataFrame(data, index=self._index())

    def signed(self) -> pd.DataFrame:
        """One row per (option, owner): p_all_signed (every signed KPI hit in the same trial) and
        its standard error, and per signer ``p_all_of_<signer>`` (every KPI that signer owns; NaN
        for a signer who owns none). A copy."""
        return self._signed.copy()
