"""Stakeholders' weights and their rankings of the option x owner cells of a simulation.

What is here:

- :func:`stakeholder_weights`: each stakeholder's normalised weights (given directly or from
  AHP comparisons) and the group's, aggregated by geometric or arithmetic mean, as
  :class:`StakeholderWeights`;
- :func:`stakeholder_view`: every stakeholder's and the group's scores and ranks of the cells
  side by side, with their agreement, as :class:`StakeholderView`;
- :func:`stakeholder_problem`, which the robustness analyses share: the decision matrix of the weighted
  criteria and one weight set per stakeholder plus the group's.

The group's column is named :data:`GROUP`; :data:`AGGREGATIONS` lists the ways to form it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..schema import COMPUTED_CRITERIA, Scenario
from .criteria import criteria_directions, criteria_scores, scored_criteria
from .matrix import alternative_label, check_choice, normalised_weights
from .methods import METHODS, NORMALISATIONS, NormalisationStats, scorer
from .pairwise import ahp

AGGREGATIONS = ("geometric", "arithmetic")
_NORM_TEXT = {"minmax": "min-max", "vector": "vector", "sum": "sum"}
GROUP = "group"
"""Name of the group column (aggregated weights) next to the stakeholders."""


# --- stakeholder weights -----------------------------------------------------------------


@dataclass(frozen=True)
class StakeholderWeights:
    """Normalised weights per stakeholder and for the group.

    Attributes
    ----------
    individual : DataFrame, stakeholder x criterion (rows sum to 1; 0 where not weighted).
    group : Series, the aggregated weights (sum 1).
    aggregation : ``geometric`` (normalised geometric mean of the individual weights) or
        ``arithmetic``.
    ahp : dict, stakeholder -> :class:`AHPResult` for those who gave pairwise comparisons.
    vetoed : tuple of criteria that some stakeholder weights but the group does not, because
        another gives them no weight (the geometric mean of anything with a zero is zero).
    """

    individual: pd.DataFrame
    group: pd.Series
    aggregation: str
    ahp: dict = field(default_factory=dict)
    vetoed: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([self.individual, self.group.to_frame(GROUP).T])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()


def _criteria_order(scenario: Scenario, names) -> list[str]:
    pref = list(COMPUTED_CRITERIA) + list(scenario.criteria)
    names = list(dict.fromkeys(names))
    return [c for c in pref if c in names] + [c for c in names if c not in pref]


def stakeholder_weights(scenario: Scenario, aggregation: str = "geometric") -> StakeholderWeights:
    """Each stakeholder's weights, normalised, and the group's.

    A stakeholder's ``weights`` are divided by their sum; ``ahp`` comparisons give the
    principal-eigenvector priorities of :func:`ahp` (warning when inconsistent). The group
    weights aggregate the individual priorities (AIP, Forman and Peniwati 1998): by default
    their normalised geometric mean over the union of criteria, in which a criterion that any
    stakeholder leaves out (weight 0) drops out of the group weights (listed in ``vetoed``);
    ``aggregation="arithmetic"`` averages instead, so every weighted criterion keeps a share.

    Raises
    ------
    ScenarioError
        When the scenario has no stakeholders, one is named ``group``, or (geometric mean) no
        criterion is weighted by every stakeholder.
    """
    check_choice("aggregation", aggregation, AGGREGATIONS)
    if not scenario.stakeholders:
        raise ScenarioError(
            "the scenario defines no stakeholders: add a 'stakeholders:' section with weights or ahp comparisons"
        )
    if GROUP in scenario.stakeholders:
        raise ScenarioError(f"a stakeholder cannot be called '{GROUP}': that name is the group's")
    rows, ahps = {}, {}
    for name, st in scenario.stakeholders.items():
        if st.weights is not None:
            rows[name] = normalised_weights(st.weights, name)
        else:
            ahps[name] = ahp(st.ahp.matrix, st.ahp.criteria, label=name)
            rows[name] = ahps[name].weights
    crit = _criteria_order(scenario, [c for w in rows.values() for c in w.index])
    ind = pd.DataFrame({n: w.reindex(crit, fill_value=0.0) for n, w in rows.items()}).T
    ind.index.name, ind.columns.name = "stakeholder", "criterion"
    w = ind.to_numpy()
    if aggregation == "geometric":
        with np.errstate(divide="ignore"):
            g = np.exp(np.log(w).mean(axis=0))
        if not g.sum() > 0:
            raise ScenarioError(
                "no criterion is weighted by every stakeholder, so the geometric mean of their "
                "weights is zero everywhere; use aggregation='arithmetic'"
            )
    else:
        g = w.mean(axis=0)
    group = pd.Series(g / g.sum(), index=crit, name=GROUP)
    vetoed = tuple(c for c in crit if group[c] == 0 and ind[c].max() > 0)
    return StakeholderWeights(ind, group, aggregation, ahps, vetoed)


def stakeholder_problem(result, aggregation: str):
    """The decision problem the stakeholders pose on ``result``: its weighted criteria and their weights.

    Returns ``(matrix, benefit, weights, W, names)``: the decision matrix of the criteria some
    stakeholder weighs (each in its own unit, see :func:`criteria_scores`), whether more is better
    for each, the :class:`StakeholderWeights`, the weights as an array (one row per stakeholder,
    then the group; rows sum to 1) and the row names.
    """
    sw = stakeholder_weights(result.scenario, aggregation)
    crit = [c for c in sw.individual.columns if sw.individual[c].max() > 0]
    sw = dataclasses.replace(sw, individual=sw.individual[crit], group=sw.group[crit])
    s = result.scenario
    scored = scored_criteria(s)
    for c in crit:
        if c not in COMPUTED_CRITERIA and c not in scored:
            who = _join([n for n in sw.individual.index if sw.individual.loc[n, c] > 0])
            raise ScenarioError(f"criterion '{c}' is weighted by {who} but no option is scored on it")
    for c in crit:
        if c not in COMPUTED_CRITERIA:
            for o, opt in s.options.items():
                if c not in opt.scores:
                    raise ScenarioError(f"option '{o}' has no score on criterion '{c}', which the stakeholders weigh")
    matrix = criteria_scores(result, crit)
    directions = criteria_directions(s, crit)
    benefit = np.array([directions[c] for c in crit])
    W = np.vstack([sw.individual.to_numpy(), sw.group.to_numpy()[None, :]])
    return matrix, benefit, sw, W, list(sw.individual.index) + [GROUP]


# --- stakeholder view --------------------------------------------------------------------


@dataclass(frozen=True)
class StakeholderView:
    """Each stakeholder's and the group's ranking of the option x owner cells, side by side.

    Attributes
    ----------
    method : ``topsis`` or ``weighted_sum``; ``normalisation`` for the weighted sum.
    scores : DataFrame, cell x (stakeholders..., ``group``): closeness or weighted score.
    ranks : DataFrame, same shape, rank 1 = best.
    weights : :class:`StakeholderWeights` used.
    """

    method: str
    normalisation: str | None
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: StakeholderWeights

    @property
    def stakeholders(self) -> list[str]:
        return [c for c in self.scores.columns if c != GROUP]

    @property
    def top(self) -> pd.Series:
        """Top cell per stakeholder and for the group."""
        return pd.Series({who: self.scores[who].idxmax() for who in self.scores.columns}, name="top", dtype=object)

    @property
    def agree(self) -> bool:
        """True when every stakeholder puts the same cell first."""
        return len({self.top[w] for w in self.stakeholders}) == 1

    @property
    def agree_on_option(self) -> bool:
        """True when every stakeholder's top cell has the same option (perhaps not the same owner)."""
        return len({self.top[w][0] for w in self.stakeholders}) == 1

    @property
    def concordance(self) -> pd.DataFrame:
        """Kendall's tau between the stakeholders' scores (1: same order, -1: reversed)."""
        from scipy.stats import kendalltau  # here: importing scipy.stats costs the dashboard ~1 s to start

        names = list(self.scores.columns)
        out = pd.DataFrame(1.0, index=names, columns=names)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                tau = kendalltau(self.scores[a], self.scores[b]).statistic
                out.loc[a, b] = out.loc[b, a] = tau
        return out

    def disagreements(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` cells whose rank differs most between stakeholders (rank spread = worst - best)."""
        r = self.ranks[self.stakeholders]
        spread = (r.max(axis=1) - r.min(axis=1)).rename("spread")
        return r.assign(spread=spread).sort_values("spread", ascending=False, kind="stable").head(n)

    def to_frame(self) -> pd.DataFrame:
        """Score and rank per stakeholder: columns (who, score | rank)."""
        parts = {}
        for who in self.scores.columns:
            parts[(who, "score")] = self.scores[who]
            parts[(who, "rank")] = self.ranks[who]
        return pd.DataFrame(parts)

    def summary(self) -> str:
        """A few sentences: who prefers what, where they agree and differ, and the group's choice."""
        top, names = self.top, self.stakeholders
        how = (
            "TOPSIS" if self.method == "topsis" else f"a weighted sum ({_NORM_TEXT[self.normalisation]} normalisation)"
        )
        if self.agree:
            who = f"{_join(names)} all put" if len(names) > 1 else f"{names[0]} puts"
            lead = f"Under {how}, {who} {alternative_label(top[names[0]])} first."
        else:
            prefs = "; ".join(f"{w} {alternative_label(top[w])}" for w in names)
            lead = f"Under {how}, the stakeholders disagree on the top choice: {prefs}."
            if self.agree_on_option:
                lead += f" They agree on the option ({top[names[0]][0]}) but not on who should own it."
        agg = "geometric mean" if self.weights.aggregation == "geometric" else "average"
        group = f" With the group weights ({agg} of individual weights), {alternative_label(top[GROUP])} comes first."
        tail = ""
        if len(names) > 1:
            d = self.disagreements(1)
            cell = d.index[0]
            r = d.iloc[0]
            best, worst = r[names].idxmin(), r[names].idxmax()
            if r["spread"] > 0:
                tail = (
                    f" They differ most on {alternative_label(cell)}: ranked {int(r[best])} by {best} and "
                    f"{int(r[worst])} by {worst}."
                )
        if self.weights.vetoed:
            kept = [c for c in self.weights.group.index if self.weights.group[c] > 0]
            tail += (
                f" Note: the geometric mean drops any criterion a stakeholder leaves out "
                f"({', '.join(self.weights.vetoed)}), so the group weighs only {', '.join(kept)}."
            )
        return lead + group + tail

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:.3f}")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def stakeholder_view(
    result, method: str = "topsis", *, normalisation: str = "minmax", aggregation: str = "geometric"
) -> StakeholderView:
    """Rank the option x owner cells under every stakeholder's weights and the group's.

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    method : ``"topsis"`` (default) or ``"weighted_sum"``.
    normalisation : for the weighted sum: ``"minmax"`` (default), ``"vector"`` or ``"sum"``.
    aggregation : group weights, see :func:`stakeholder_weights`.

    Every ranking uses the same decision matrix (:func:`criteria_scores` over the criteria any
    stakeholder weighs) and the same normalisation, so they differ only by the weights.
    """
    check_choice("method", method, METHODS)
    check_choice("normalisation", normalisation, NORMALISATIONS)
    matrix, benefit, sw, W, names = stakeholder_problem(result, aggregation)
    x = matrix.to_numpy()
    S = scorer(method, normalisation, NormalisationStats.of(x), benefit)(x, W)
    scores = pd.DataFrame(S, index=matrix.index, columns=pd.Index(names, name="stakeholder"))
    ranks = scores.rank(ascending=False, method="min").astype(int)
    return StakeholderView(method, normalisation if method == "weighted_sum" else None, scores, ranks, sw)
