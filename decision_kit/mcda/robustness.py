"""Robustness of a top choice to modelling choices and weights: normalisation checks, weight flips, weight ranges.

What is here, kernels on a decision matrix and views of a
:class:`~decision_kit.results.Result`:

- :func:`compare_normalisations` and :func:`normalisation_check`: whether the normalisation
  alone (weighted sum with min-max, vector or sum normalisation, or TOPSIS) changes the top
  choice, as :class:`NormalisationCheck`;
- :func:`weight_flips` and :func:`flip_analysis`: the smallest change of one weight set that
  changes its top choice, as :class:`FlipAnalysis`, searched by :class:`_Flipper`;
- :func:`weight_ranges`: for the group weights, the interval of each criterion's weight over
  which the group's top choice holds.

Weights are normalised to sum to 1; a shift of weights is half the L1 distance between the
weight vectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from .matrix import alternative_label, check_choice, checked_matrix, normalised_weights
from .methods import METHODS, NORMALISATIONS, NormalisationStats, scorer
from .stakeholders import GROUP, stakeholder_problem

_GRID = 201  # points per weight path before root-finding (flip analysis)


# --- normalisation check -----------------------------------------------------------------

_VARIANTS = (("weighted_sum", "minmax"), ("weighted_sum", "vector"), ("weighted_sum", "sum"), ("topsis", "vector"))
_VARIANT_NAMES = ("weighted_sum_minmax", "weighted_sum_vector", "weighted_sum_sum", "topsis")
_VARIANT_TEXT = dict(
    zip(
        _VARIANT_NAMES,
        (
            "the weighted sum with min-max normalisation",
            "with vector normalisation",
            "with sum normalisation",
            "TOPSIS",
        ),
    )
)


@dataclass(frozen=True)
class NormalisationCheck:
    """Top choice under each normalisation (weighted sum with min-max, vector and sum
    normalisation, and TOPSIS) for one or more weight sets.

    Attributes
    ----------
    tops : DataFrame, weight set x method, the top alternative of each.
    sensitive : Series of bool per weight set, True when the methods disagree on the top.
    flag : bool, True when any weight set is sensitive.
    message : str, a plain-language warning or all-clear.
    """

    tops: pd.DataFrame
    sensitive: pd.Series
    flag: bool
    message: str

    def to_frame(self) -> pd.DataFrame:
        return self.tops.assign(sensitive=self.sensitive)

    def _repr_html_(self) -> str:
        return f"<p>{self.message}</p>" + self.to_frame().to_html()


def _check_tops(x, W, b, alts, names) -> NormalisationCheck:
    st = NormalisationStats.of(x)
    tops = {}
    for (method, norm), col in zip(_VARIANTS, _VARIANT_NAMES):
        s = scorer(method, norm, st, b)(x, W)  # (A, K)
        tops[col] = [alts[i] for i in np.argmax(s, axis=0)]
    tops = pd.DataFrame(tops, index=pd.Index(names, name="weights"))
    sensitive = tops.apply(lambda row: len(set(row)) > 1, axis=1).astype(bool).rename("sensitive")
    lines = []
    for who in sensitive.index[sensitive.to_numpy()]:
        row = tops.loc[who]
        picks = "; ".join(f"{_VARIANT_TEXT[m]} picks {alternative_label(row[m])}" for m in _VARIANT_NAMES)
        lines.append(f"for {who}: {picks}")
    message = (
        "The normalisation alone changes the top choice " + ". And ".join(lines) + "."
        if lines
        else "Every normalisation (min-max, vector, sum; TOPSIS) gives the same top choice."
    )
    return NormalisationCheck(tops, sensitive, bool(sensitive.any()), message)


def compare_normalisations(
    matrix: pd.DataFrame, weights: Mapping[str, float], benefit: Mapping[str, bool]
) -> NormalisationCheck:
    """Whether the normalisation alone changes the top choice of ``matrix`` under ``weights``.

    Compares the weighted sum with min-max, vector and sum normalisation, and TOPSIS (vector
    normalisation, distance-based aggregation). The one weight set is labelled ``weights``.
    """
    x, w, b, alts, _ = checked_matrix(matrix, weights, benefit)
    return _check_tops(x, w[None, :], b, alts, ["weights"])


# --- weight flips (kernel) ---------------------------------------------------------------


@dataclass(frozen=True)
class FlipAnalysis:
    """How far one weight set can move before its top choice changes.

    Attributes
    ----------
    who : str, whose weights (a stakeholder, ``group`` or ``weights``).
    method : str, ``topsis`` or ``weighted_sum`` (with ``normalisation``).
    top : the current top alternative (a cell, or an option when ``by="option"``).
    weights : Series, the current normalised weights.
    per_criterion : DataFrame indexed by criterion: ``weight``; ``lower_to`` and ``lower_top``,
        the weight below which (others scaled up proportionally) the top changes and the new
        top; ``raise_to`` and ``raise_top`` likewise upwards. NaN / None when moving that way
        all the way (to 0 or 1) never changes the top. Lowering a criterion that holds all the
        weight spreads the weight equally over the others.
    overall : Series, the smallest move found: ``kind`` (``raise``, ``lower`` or ``transfer``),
        ``criterion`` (raised or lowered, or the one receiving weight), ``source`` (the one
        giving weight in a transfer), ``shift`` (weight moved: half the L1 distance between the
        weight vectors, and the L-infinity distance of a transfer), ``new_top``. Empty when no
        move considered changes the top.
    flipped_weights : Series, the weights at that move (empty when none).
    """

    who: str
    method: str
    normalisation: str | None
    top: object
    weights: pd.Series
    per_criterion: pd.DataFrame
    overall: pd.Series
    flipped_weights: pd.Series

    def to_frame(self) -> pd.DataFrame:
        return self.per_criterion.copy()

    def summary(self) -> str:
        """The top choice and the smallest change of weights that would replace it."""
        head = f"{self.who}'s top choice is {alternative_label(self.top)}."
        if self.overall.empty:
            return head + " No single change of one weight, nor a transfer between two, changes it."
        o = self.overall
        if o["kind"] == "transfer":
            move = f"moving {o['shift']:.3f} of weight from {o['source']} to {o['criterion']}"
        else:
            w0 = self.weights[o["criterion"]]
            move = (
                f"{'raising' if o['kind'] == 'raise' else 'lowering'} the weight of {o['criterion']} "
                f"from {w0:.3f} to {self.flipped_weights[o['criterion']]:.3f} (others rescaled)"
            )
        return f"{head} The smallest change found is {move}, which puts {alternative_label(o['new_top'])} first."

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html()


class _Flipper:
    """Searches straight paths in weight space for the first point where the top group changes.

    ``score(W (K, C)) -> (A, K)``; ``gid`` maps alternatives to groups (cells or options).
    Along a path the first grid point where another group is strictly ahead brackets the change;
    :func:`scipy.optimize.brentq` then finds the tie. For a weighted sum the margin of the top
    group is concave along any straight path, so the grid cannot miss the first change; for
    TOPSIS a change and change-back within one grid step (1/200 of the path) could be missed.
    """

    def __init__(self, score, gid: np.ndarray, g0: int):
        self.score, self.gid, self.g0 = score, gid, g0
        self.inside = gid == g0

    def margin(self, S: np.ndarray) -> np.ndarray:
        return S[self.inside].max(axis=0) - S[~self.inside].max(axis=0)

    def first_change(self, w0: np.ndarray, w1: np.ndarray):
        """(s in [0, 1], new group) of the first change on ``w0 + s (w1 - w0)``, or None."""
        if self.inside.all():
            return None
        s = np.linspace(0.0, 1.0, _GRID)
        m = self.margin(self.score(w0 + s[:, None] * (w1 - w0)))
        below = np.nonzero(m < 0)[0]
        if not len(below):
            return None
        k = int(below[0])
        if k == 0:
            root = 0.0
        else:
            from scipy.optimize import brentq  # here: importing scipy.optimize slows the dashboard's start

            f = lambda t: float(self.margin(self.score((w0 + t * (w1 - w0))[None, :]))[0])
            root = brentq(f, s[k - 1], s[k], xtol=1e-12, rtol=1e-12)
        S = self.score((w0 + root * (w1 - w0))[None, :])[:, 0]
        S = np.where(self.inside, -np.inf, S)
        return root, int(self.gid[int(np.argmax(S))])


def _flips(
    x: np.ndarray,
    w: np.ndarray,
    benefit: np.ndarray,
    criteria: list[str],
    labels: list,
    who: str,
    method: str,
    normalisation: str,
) -> FlipAnalysis:
    """Flip analysis of weights ``w`` on matrix ``x``; ``labels`` gives each alternative's group."""
    groups = list(dict.fromkeys(labels))
    gid = np.array([groups.index(g) for g in labels])
    score_x = scorer(method, normalisation, NormalisationStats.of(x), benefit)
    score = lambda W: score_x(x, W)
    g0 = int(gid[int(np.argmax(score(w[None, :])[:, 0]))])
    flip = _Flipper(score, gid, g0)
    C = len(criteria)
    rows, candidates = [], []
    for j, c in enumerate(criteria):
        wj = w[j]
        row = {"weight": wj, "lower_to": np.nan, "lower_top": None, "raise_to": np.nan, "raise_top": None}
        others = np.delete(np.arange(C), j)
        if wj < 1:
            e = np.zeros(C)
            e[j] = 1.0
            hit = flip.first_change(w, e)
            if hit:
                t = wj + hit[0] * (1 - wj)
                row.update(raise_to=t, raise_top=groups[hit[1]])
                candidates.append((t - wj, "raise", c, None, groups[hit[1]], w + hit[0] * (e - w)))
        if wj > 0 and len(others):
            base = w.copy()
            base[j] = 0.0
            base = base / base.sum() if base.sum() > 0 else np.where(np.arange(C) == j, 0.0, 1.0 / (C - 1))
            hit = flip.first_change(w, base)
            if hit:
                t = wj * (1 - hit[0])
                row.update(lower_to=t, lower_top=groups[hit[1]])
                candidates.append((wj - t, "lower", c, None, groups[hit[1]], w + hit[0] * (base - w)))
        rows.append(row)
    for i, src in enumerate(criteria):
        if w[i] <= 0:
            continue
        for k, dst in enumerate(criteria):
            if k == i:
                continue
            w1 = w.copy()
            w1[i], w1[k] = 0.0, w[k] + w[i]
            hit = flip.first_change(w, w1)
            if hit:
                candidates.append((hit[0] * w[i], "transfer", dst, src, groups[hit[1]], w + hit[0] * (w1 - w)))
    per = pd.DataFrame(rows, index=pd.Index(criteria, name="criterion"))
    if candidates:
        shift, kind, crit, src, new_top, w_new = min(candidates, key=lambda t: t[0])
        overall = pd.Series(
            {"kind": kind, "criterion": crit, "source": src, "shift": shift, "new_top": new_top}, dtype=object
        )
        flipped = pd.Series(w_new, index=criteria, name="weight")
    else:
        overall, flipped = pd.Series(dtype=object), pd.Series(dtype=float, name="weight")
    return FlipAnalysis(
        who,
        method,
        normalisation if method == "weighted_sum" else None,
        groups[g0],
        pd.Series(w, index=criteria, name="weight"),
        per,
        overall,
        flipped,
    )


def weight_flips(
    matrix: pd.DataFrame,
    weights: Mapping[str, float],
    benefit: Mapping[str, bool],
    method: str = "topsis",
    *,
    normalisation: str = "minmax",
    groups=None,
) -> FlipAnalysis:
    """The smallest weight changes that change the top choice of ``matrix``.

    Two kinds of move are searched, each along a straight path on the weight simplex:

    - per criterion: raise or lower its weight, scaling the others proportionally so the
      weights still sum to 1, and report the threshold weight at which another alternative
      ties with the top (then overtakes it);
    - transfers: move weight from one criterion to another.

    The overall answer is the move, among these, that shifts the least weight (half the L1
    distance between the weight vectors; for a transfer also the L-infinity distance). Moves
    that take weight from several criteria in other proportions are not searched, so a smaller
    change of some other shape may exist. Thresholds are bracketed on a grid of 201 points per
    path and refined with :func:`scipy.optimize.brentq` on the top's margin; the weighted sum's
    score is linear in the weights, so for it each threshold is exact.

    Parameters
    ----------
    matrix, weights, benefit : as for :func:`weighted_sum` and :func:`topsis`; every column of
        ``matrix`` is a criterion whose weight can move (a criterion without a weight starts at
        0 and can be raised).
    method : ``"topsis"`` or ``"weighted_sum"`` (with ``normalisation``).
    groups : sequence, optional
        A group label per alternative: the top choice is then the group of the best
        alternative (e.g. the option of the best option x owner cell).
    """
    check_choice("method", method, METHODS)
    check_choice("normalisation", normalisation, NORMALISATIONS)
    checked_matrix(matrix, weights, benefit)  # checks the matrix, the weights and the weighted criteria
    criteria = list(matrix.columns)
    missing = [c for c in criteria if c not in benefit]
    if missing:
        raise ScenarioError(f"say whether more or less is better for criterion '{missing[0]}'")
    x, _, b, alts, _ = checked_matrix(matrix, dict.fromkeys(criteria, 1.0), benefit)
    w = normalised_weights(weights).reindex(criteria, fill_value=0.0).to_numpy()
    labels = alts if groups is None else list(groups)
    if len(labels) != len(alts):
        raise ScenarioError(f"groups names {len(labels)} alternatives but the matrix has {len(alts)}")
    return _flips(x, w, b, criteria, labels, "weights", method, normalisation)


# --- normalisation check, flips and weight ranges of a result ------------------------------


def normalisation_check(result, *, aggregation: str = "geometric") -> NormalisationCheck:
    """Whether the normalisation alone changes any stakeholder's (or the group's) top cell.

    Compares the weighted sum with min-max, vector and sum normalisation, and TOPSIS, on the
    matrix of :func:`stakeholder_view`. ``flag`` is True and ``message`` says for whom and how
    when they disagree: then the ranking rests on a modelling choice, not only on the weights.
    """
    matrix, benefit, sw, W, names = stakeholder_problem(result, aggregation)
    return _check_tops(matrix.to_numpy(), W, benefit, list(matrix.index), names)


def flip_analysis(
    result,
    stakeholder: str,
    method: str = "topsis",
    *,
    by: str = "cell",
    normalisation: str = "minmax",
    aggregation: str = "geometric",
) -> FlipAnalysis:
    """The smallest change of a stakeholder's weights that changes their top choice.

    See :func:`weight_flips` for the moves searched (one weight raised or lowered with the
    others rescaled, and transfers between two criteria) and the method. Criteria are those any
    stakeholder weighs, so a criterion this stakeholder ignores can be raised from 0.

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    stakeholder : a stakeholder's name, or ``"group"`` for the aggregated weights.
    method : ``"topsis"`` (default) or ``"weighted_sum"``.
    by : ``"cell"`` (default): the top choice is an option x owner cell; ``"option"``: the
        option of the best cell, so a change of owner alone does not count.
    """
    check_choice("method", method, METHODS)
    check_choice("normalisation", normalisation, NORMALISATIONS)
    check_choice("by", by, ("cell", "option"))
    matrix, benefit, sw, W, names = stakeholder_problem(result, aggregation)
    if stakeholder not in names:
        raise ScenarioError(f"no stakeholder '{stakeholder}' (known: {', '.join(names)})")
    labels = list(matrix.index) if by == "cell" else list(matrix.index.get_level_values("option"))
    return _flips(
        matrix.to_numpy(),
        W[names.index(stakeholder)],
        benefit,
        list(matrix.columns),
        labels,
        stakeholder,
        method,
        normalisation,
    )


def weight_ranges(
    result, method: str = "topsis", *, by: str = "cell", normalisation: str = "minmax", aggregation: str = "geometric"
) -> pd.DataFrame:
    """For the group weights, the range of each criterion's weight over which the group's top holds.

    Each criterion's weight is moved alone, the others rescaled proportionally (as in
    :func:`flip_analysis`); ``low`` and ``high`` bound the interval around the current weight
    in which the top choice stays the same (0 and 1 when it never changes that way).

    Returns
    -------
    DataFrame indexed by criterion: ``weight``, ``low``, ``high``, ``top`` (the current group
    top), ``below`` and ``above`` (the top choice just outside the interval, None if none).
    """
    fa = flip_analysis(result, GROUP, method, by=by, normalisation=normalisation, aggregation=aggregation)
    p = fa.per_criterion
    return pd.DataFrame(
        {
            "weight": p["weight"],
            "low": p["lower_to"].fillna(0.0),
            "high": p["raise_to"].fillna(1.0),
            "top": pd.Series([fa.top] * len(p), index=p.index, dtype=object),
            "below": p["lower_top"],
            "above": p["raise_top"],
        }
    )
