"""The decision matrix of a simulation: criteria scores of each option x owner cell, and their directions.

What is here: :func:`criteria_scores` (one row per option x owner cell of a
:class:`~decision_kit.results.Result`, one column per computed or judged criterion) and
:func:`criteria_directions` (criterion -> True when more is better, from
:data:`~decision_kit.schema.COMPUTED_CRITERIA` and the scenario's ``criteria`` section).

Units: NPV in the scenario's currency, time to launch in months, security risk in expected
incidents over the horizon, judged scores on their 1-5 scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..schema import COMPUTED_CRITERIA, Scenario

_SUMMARY_COLUMN = {
    "expected_npv": "npv_mean",
    "p10_npv": "npv_p10",
    "time_to_launch": "launch_months_p50",
    "probability_of_loss": "p_loss",
    "security_risk": "security_incidents",
}


# --- criteria of a simulation result -----------------------------------------------------


def scored_criteria(scenario: Scenario) -> list[str]:
    """Names of the judged criteria any option of scenario is scored on (1-5 scale), in file order."""
    return list(dict.fromkeys(c for o in scenario.options.values() for c in o.scores))


def criteria_directions(scenario: Scenario, criteria=None) -> dict[str, bool]:
    """Criterion -> True when more is better, from :data:`COMPUTED_CRITERIA` and the scenario's
    ``criteria`` section (default: every computed and declared criterion)."""
    names = list(COMPUTED_CRITERIA) + list(scenario.criteria) if criteria is None else list(criteria)
    out = {}
    for c in names:
        if c in COMPUTED_CRITERIA:
            out[c] = COMPUTED_CRITERIA[c] == "more"
        elif c in scenario.criteria:
            out[c] = scenario.criteria[c].better == "more"
        else:
            raise ScenarioError(
                f"criterion '{c}' has no direction: declare it under criteria with 'better: more' or 'better: less'"
            )
    return out


def criteria_scores(result, criteria=None) -> pd.DataFrame:
    """The decision matrix of a simulation: one row per option x owner cell, one column per criterion.

    Computed criteria come from :meth:`Result.summary`: ``expected_npv`` (mean NPV, currency),
    ``p10_npv`` (P10 of NPV), ``time_to_launch`` (median months to go-live),
    ``probability_of_loss`` (share of trials with NPV < 0) and ``security_risk`` (expected
    security incidents over the horizon). Judged criteria come from each option's ``scores``
    and are the same for every owner of that option (NaN where an option has no score).

    Parameters
    ----------
    result : :class:`~decision_kit.results.Result`
    criteria : list of str, optional
        Default: every computed criterion, then every declared criterion some option scores.

    Returns
    -------
    DataFrame
        Index (option, owner); ``attrs["benefit"]`` maps each criterion to True when more is
        better (see :func:`criteria_directions`).

    Raises
    ------
    ScenarioError
        For a criterion that is neither computed nor scored on any option.
    """
    s = result.scenario
    scored = scored_criteria(s)
    if criteria is None:
        criteria = list(COMPUTED_CRITERIA) + [c for c in s.criteria if c in scored]
    criteria = list(criteria)
    for c in criteria:
        if c not in COMPUTED_CRITERIA and c not in scored:
            raise ScenarioError(
                f"criterion '{c}' is neither computed ({', '.join(COMPUTED_CRITERIA)}) nor scored on any option"
            )
    summ = result.summary()
    df = pd.DataFrame(index=summ.index)
    for c in criteria:
        if c in COMPUTED_CRITERIA:
            df[c] = summ[_SUMMARY_COLUMN[c]].astype(float)
        else:
            df[c] = [float(s.options[o].scores.get(c, np.nan)) for o in summ.index.get_level_values("option")]
    known = [c for c in criteria if c in COMPUTED_CRITERIA or c in s.criteria]
    df.attrs["benefit"] = criteria_directions(s, known)
    return df
