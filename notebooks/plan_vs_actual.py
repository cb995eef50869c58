# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Plan versus actual: what a year of actuals says about the rest of the plan
#
# For an analyst preparing the first review of a decision already taken. A year after choosing the SaaS marketing automation platform (*buy*, run by IT staff embedded in marketing), the project log, the ledger and the attribution model say what happened. This notebook takes those actuals, updates every uncertain input of the scenario on them, and re-forecasts what is still to come: the expected NPV of carrying on, of stopping, and of switching to another option, the chance of passing the milestones still ahead, and which observation moved the forecast most (issue #15; the method is in `docs/review.md`).
#
# The prior trials are the ones `simulate` draws for the same seed and trial count. Each is weighted by how likely it makes what was observed (each observation with its measurement error); if the weights concentrate on too few trials, tempered sequential Monte Carlo takes over. Money is NPV at the decision date in the scenario's currency. The flows up to the review date are sunk: reported, never part of the choice. The actuals in `scenarios/actuals/marketing_automation_2028.yaml` are illustrative, not measurements of a real company.

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
actuals_path = "../scenarios/actuals/marketing_automation_2028.yaml"
trials = 20_000
seed = 0

# %% tags=["nbval-check-output"]
from IPython.display import display

import decision_kit as dk
from decision_kit import review_tables as rt
from decision_kit.formatting import compact, percent
from decision_kit.review_scenario import load_actuals, review_scenario
from decision_kit.tables import table

scenario = dk.load_scenario(scenario_path)
actuals = load_actuals(actuals_path, scenario)
rv = review_scenario(scenario, actuals, trials=trials, seed=seed)
r, cur = rv.review, rv.currency
print(f"{scenario.name}: {actuals.cell.option} owned by {actuals.cell.owner}, reviewed at the end of year "
      f"{actuals.as_of_years} ({actuals.date}); {trials:,} prior trials, seed {seed}")
print(f"Recommended action before the actuals: {r.recommended_before}; after them: {r.recommended_after}")

# %% [markdown]
# ## What was observed
#
# Four numbers from the first year, each with how far it can be trusted. A normal `sd` is in the KPI's own unit (months, dollars); a lognormal `sigma` is in log units (0.8 is about a factor 2.2 either way, for an attribution model). The last column is each observation's share of the change in the expected NPV to go, explained below.

# %% tags=["nbval-check-output"]
observations = rt.observations_frame(rv).set_index("observation")
share = observations.columns[-1]
table(observations, {"observed value": lambda v: v if isinstance(v, str) else compact(v), share: "signed"},
      caption="What was observed at the review date")

# %% [markdown]
# ## What changed, and how much the observations say
#
# The first row is the number the review is about: the expected NPV of the flows still to come if the organisation carries on. The NPV to date moves too, but it is sunk. The effective sample size says how many of the prior trials the weights effectively keep; below the threshold (the larger of 2,000 and 5% of the trials, at most half of them) the review would have moved to tempered SMC, and the table would say so.

# %% tags=["nbval-check-output"]
table(rt.summary_words(rv).set_index("quantity").drop(columns="unit"), caption="What changed with the actuals")

# %% [markdown]
# ## Carry on, stop or switch
#
# Every action still open at the review date, with the expected NPV of what it brings from then on: *continue* the chosen cell; *stop*, back to the status quo (exit costs are not modelled); *switch* to another option under the same owner, started afresh at the review date. The recommendation is the action with the highest expected NPV to go, before and after the actuals.

# %% tags=["nbval-check-output"]
actions = rt.actions_frame(rv).set_index("action")
money = [c for c in actions.columns if c.endswith(f"({cur})")]
table(actions, {c: ("signed" if c.startswith("change") else "compact") for c in money},
      caption=f"Expected NPV to go of each action ({cur})")

# %% [markdown]
# ## The milestones still ahead
#
# The signed targets of the scenario's `success:` block (`docs/success.md`), for the chosen cell. A milestone at or before the review date is listed for the record: its chance after the actuals is what they say about a review already held. The go-live review at month 12 asked for a go-live within six months: with the go-live observed at 7.5 months it is almost surely missed. The value review at month 36 is still ahead, and the actuals make it more likely. The year-2 stop review signs buy's fitted stop rule (`stop_rule:`); a rule fitted on the plan is not re-forecast here, so its chances read n/a.

# %% tags=["nbval-check-output"]
miles = rt.milestones_frame(rv).set_index("milestone")
chances = [c for c in miles.columns if c.startswith(("chance", "change"))]
table(miles, {**dict.fromkeys(chances, "percent"), "at month (after the decision)": lambda v: v if isinstance(v, str) else f"{v:g}"},
      caption="Chance of passing each milestone, before and after the actuals")

# %% [markdown]
# ## Which inputs moved
#
# Prior versus posterior for the inputs that moved most, largest shift first, each in its own unit (a share for a realisation, months for a lag, dollars for a cost). The shift is the change of the mean in prior standard deviations. The benefit realisation moves most: the prior gives one chance in five to a delivery that realises nothing, and a first-year benefit measured at 150k (even with a factor of 2.2 of error either way) rules those trials out.

# %% tags=["nbval-check-output"]
inputs = rt.inputs_frame(rv, top=10).set_index("input")
table(inputs, {c: ("{:+.2f}".format if c.startswith("shift") else "quantity") for c in inputs.columns},
      caption="The ten inputs that moved most")

# %% [markdown]
# ## What each observation changed
#
# Each observation's Shapley share of the change in the expected NPV to go of carrying on: its average marginal effect over every order in which the four observations could have arrived, so the shares add up to the total change. They are computed by reweighting the prior trials with every subset of the observations; the smallest effective sample size over those subsets is printed, because a small one makes the shares noisy.

# %% tags=["nbval-check-output"]
att = r.attribution


def signed(value):
    """Money with a + before a gain."""
    return ("+" if value > 0 else "") + compact(value)


for name, value in zip(att.observations, att.values, strict=True):
    print(f"{name:<24} {signed(value):>8} {cur}")
print(f"{'total':<24} {signed(att.total):>8} {cur}  (smallest effective sample size {att.min_ess:,.0f})")
every = rv.milestones.loc["every remaining milestone"]
print(f"Chance of passing every remaining milestone: {percent(every.p_before)} -> {percent(every.p_after)}")

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 2.8))
ax.barh(list(att.observations)[::-1], att.values[::-1] / 1e3, color=["#2a7" if v > 0 else "#c44" for v in att.values[::-1]])
ax.axvline(0, color="black", linewidth=0.8)
ax.set_xlabel(f"share of the change in expected NPV to go (thousand {cur})")
ax.set_title(f"What each observation changed: {compact(att.total)} {cur} in all")
fig.tight_layout()

# %% [markdown]
# ## The same review in the memo and the workbook
#
# `decision-kit review SCENARIO ACTUALS` prints this review in a terminal. `decision-kit report SCENARIO --actuals ACTUALS -o memo.html -o memo.xlsx` adds it to the decision memo (its "Plan versus actual" sections) and to the workbook (a sheet "Plan vs actual" with the numbers as numbers: what changed, the actions, the milestones, every input sorted by its shift, the Shapley shares). In Python, `decision_kit.review_tables` gives these tables as DataFrames.
#
# Read with care: the attribution reweights the prior trials even when tempered SMC ran, so in the tail its shares can differ from the SMC change; stopping is valued without exit costs; switching restarts the other option's drivers from their year-1 values.
