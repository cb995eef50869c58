"""A plan-vs-actual review as tables with headers in words: what the memo, the workbook and
the notebook show of a :class:`~decision_kit.review_scenario.ScenarioReview`.

Each function returns a pandas DataFrame with a plain index and one column per header, the
header naming its unit: money in the scenario's currency as NPV at the decision date (nominal,
discounted at the scenario's rate), chances as shares (0 to 1), months after the decision.
What does not apply is the text ``"n/a"`` (never a number), so that a workbook cell, a memo
cell and a notebook cell say the same thing:

- :func:`summary_frame`: what changed, one row per quantity (``before``, ``after``, ``change``
  and ``unit``, the unit telling a writer how to format the row); :func:`summary_words` the
  same written as text;
- :func:`actions_frame`: expected NPV to go of every open action, and which is recommended;
- :func:`inputs_frame`: prior versus posterior per input, largest shift first;
- :func:`milestones_frame`: the chance of passing each milestone of the success block;
- :func:`observations_frame`: what was observed and each observation's Shapley share of the
  change in the reviewed cell's expected NPV to go, with their total.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .formatting import compact, months, percent
from .review_milestones import EVERY_REMAINING

if TYPE_CHECKING:
    import pandas as pd

    from .review_scenario import ScenarioReview

__all__ = [
    "NA",
    "actions_frame",
    "inputs_frame",
    "milestones_frame",
    "observations_frame",
    "summary_frame",
    "summary_words",
]

NA = "n/a"
"""What a cell says where a quantity does not apply."""

SHARE, TRIALS, TEXT = "share (0 to 1)", "trials", "text"
"""The units of :func:`summary_frame` rows besides the currency."""


def _smc_words(rv: ScenarioReview) -> str:
    r = rv.review
    if r.smc is None:
        return f"did not run (effective sample size at least {r.min_ess:,.0f})"
    acc = sum(r.smc.acceptance) / len(r.smc.acceptance)
    return f"ran: {len(r.smc.temperatures)} stages, {r.smc.particles:,} particles, mean acceptance {acc:.0%}"


def summary_frame(rv: ScenarioReview) -> pd.DataFrame:
    """One row per quantity: ``quantity, before the actuals, after the actuals, change, unit``:
    the reviewed cell's expected NPV to go and to date (the currency), the recommended action
    (text), the chance of passing every remaining milestone (a share, where the scenario states
    milestones), the effective sample size of the likelihood weights (trials) and whether
    tempered SMC ran (text)."""
    import pandas as pd

    r, cur = rv.review, rv.currency
    c = r.cells.index(r.cell)
    before, after = float(r.prior_npv_to_go[c]), float(r.posterior_npv_to_go[c])
    rows = [
        (f"expected NPV to go of {r.cell}", before, after, after - before, cur),
        ("expected NPV to date (sunk, not part of the choice)", r.prior_npv_to_date, r.posterior_npv_to_date,
         r.posterior_npv_to_date - r.prior_npv_to_date, cur),
        ("recommended action", r.recommended_before, r.recommended_after,
         "unchanged" if r.recommended_before == r.recommended_after else "changed", TEXT),
    ]  # fmt: skip
    if rv.milestones is not None:
        m = rv.milestones.loc[EVERY_REMAINING]
        rows.append(("chance of passing every remaining milestone", m.p_before, m.p_after,
                     m.p_after - m.p_before, SHARE))  # fmt: skip
    rows += [
        (f"effective sample size of the {r.trials:,} prior trials reweighted", NA, r.ess, NA, TRIALS),
        ("tempered sequential Monte Carlo (the fallback when the weights degenerate)", NA, _smc_words(rv), NA, TEXT),
    ]
    return pd.DataFrame(rows, columns=["quantity", "before the actuals", "after the actuals", "change", "unit"])


def summary_words(rv: ScenarioReview) -> pd.DataFrame:
    """:func:`summary_frame` with its values as text: money in three significant figures,
    shares as percentages, trials as whole numbers (for a page or a notebook; the workbook
    keeps the numbers)."""

    def shown(v, unit: str) -> str:
        if isinstance(v, str):
            return v
        if unit == SHARE:
            return percent(v)
        return f"{v:,.0f}" if unit == TRIALS else compact(v)

    frame = summary_frame(rv)
    cols = ["before the actuals", "after the actuals", "change"]
    frame[cols] = [[shown(r[c], r.unit) for c in cols] for _, r in frame.iterrows()]
    return frame


def actions_frame(rv: ScenarioReview) -> pd.DataFrame:
    """One row per open action (continue, stop, switch): its expected NPV to go before and
    after the actuals and the change (the currency), and ``yes`` where it is recommended."""
    import pandas as pd

    r, cur = rv.review, rv.currency
    return pd.DataFrame(
        {
            "action": list(r.cells),
            f"expected NPV to go before the actuals ({cur})": r.prior_npv_to_go,
            f"expected NPV to go after the actuals ({cur})": r.posterior_npv_to_go,
            f"change ({cur})": r.posterior_npv_to_go - r.prior_npv_to_go,
            "recommended before": ["yes" if c == r.recommended_before else "" for c in r.cells],
            "recommended after": ["yes" if c == r.recommended_after else "" for c in r.cells],
        }
    )


INPUT_COLUMNS = {
    "input": "input",
    "prior_p10": "prior P10",
    "prior_median": "prior median",
    "prior_p90": "prior P90",
    "posterior_p10": "posterior P10",
    "posterior_median": "posterior median",
    "posterior_p90": "posterior P90",
    "prior_mean": "prior mean",
    "posterior_mean": "posterior mean",
    "shift_sd": "shift (prior standard deviations)",
}
"""Column of :meth:`~decision_kit.review.InputShifts.to_frame` -> header (each input in its own
unit: currency, months, a share or a count, as the scenario states it)."""


def inputs_frame(rv: ScenarioReview, top: int | None = None) -> pd.DataFrame:
    """Prior versus posterior per input (the ``top`` that moved most, default all), largest
    shift first: P10, median, P90 and mean in the input's own unit, and the shift of the mean in
    prior standard deviations."""
    frame = rv.review.inputs.to_frame()[list(INPUT_COLUMNS)].rename(columns=INPUT_COLUMNS)
    return frame if top is None else frame.head(top)


def milestones_frame(rv: ScenarioReview) -> pd.DataFrame | None:
    """One row per milestone of the success block and one for every remaining milestone: its
    month, its KPIs, whether it falls after the review date, the chance of passing it before
    and after the actuals (shares) and the change; None where the scenario states none."""
    import pandas as pd

    m = rv.milestones
    if m is None:
        return None
    month = [NA if not math.isfinite(x) else x for x in m.at_month]
    return pd.DataFrame(
        {
            "milestone": list(m.index),
            "at month (after the decision)": month,
            "KPIs (milestones, for the last row)": list(m.kpis),
            "after the review date": ["yes" if x else "no" for x in m.remaining],
            "chance of passing before the actuals": m.p_before.to_numpy(),
            "chance of passing after the actuals": m.p_after.to_numpy(),
            "change (share)": (m.p_after - m.p_before).to_numpy(),
        }
    )


def _measurement(name: str, m, cur: str) -> tuple[str, str]:
    """The observation's unit and its measurement error in words."""
    unit = "months" if name == "launch_months" else cur
    if m.likelihood == "lognormal":
        return unit, f"lognormal, sigma {m.spread:.2g} (log units)"
    if not math.isfinite(m.spread):
        return unit, "none (sd infinite: no information)"
    return unit, f"normal, sd {(months if name == 'launch_months' else compact)(m.spread)} {unit}"


def observations_frame(rv: ScenarioReview) -> pd.DataFrame:
    """One row per observation: its value, unit and measurement error, and its Shapley share of
    the change in the reviewed cell's expected NPV to go (the currency; the prior trials
    reweighted by each subset of the observations); a last row ``total`` with their sum."""
    import pandas as pd

    att, cur = rv.review.attribution, rv.currency
    rows: list[tuple[str, float | str, str, str, float]] = []
    for name, share in zip(att.observations, att.values, strict=True):
        m = rv.actuals.observed[name]
        unit, error = _measurement(name, m, cur)
        rows.append((name, float(m.value), unit, error, float(share)))
    rows.append(("total", NA, "", f"smallest effective sample size {att.min_ess:,.0f}", float(att.total)))
    columns = ["observation", "observed value", "unit", "measurement error",
               f"share of the change in expected NPV to go of {att.cell} ({cur})"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
