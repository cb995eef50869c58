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
# # Quickstart: build, buy or hybrid, and who should own it
#
# Load a shipped scenario, simulate every option under every ownership model, read the summary and the recommendation, and look at cumulative cost over time.
#
# Every number below comes from `scenarios/marketing_automation.yaml`: open it to see each assumption with its uncertainty and its source.

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
trials = 20_000
seed = 1

# %%
import decision_kit as dk
from decision_kit.formatting import whole_percent

scenario = dk.load_scenario(scenario_path)
print(scenario.name, '-', len(scenario.options), 'options x', len(scenario.owners), 'owners,',
      scenario.horizon_years, 'years at', whole_percent(scenario.discount_rate))

# %% [markdown]
# ## Simulate
#
# The same seed gives the same numbers on every run.

# %%
result = dk.simulate(scenario, trials=trials, seed=seed)
print(result.recommendation())

# %% [markdown]
# ## The option x owner summary
#
# Each cell against the status quo first (what nothing-changes would give, from the same draws): `npv_vs_status_quo_mean` is the expected NPV gained over it and `p_worse_than_status_quo` the chance of doing worse than keeping it. Then the absolute figures: expected NPV with its P10 and P90, and the expected total cost of ownership (TCO). Money in the scenario's currency; *chance best* is the chance a cell has the highest NPV, *chance of a loss* the chance of a negative NPV. The recommended cell is in bold.

# %% tags=["nbval-check-output"]
from decision_kit.tables import table

cur = scenario.currency
summary = result.summary()
names = {'npv_vs_status_quo_mean': 'NPV gained over the status quo', 'p_worse_than_status_quo': 'chance worse than the status quo',
         'npv_mean': 'expected NPV', 'npv_p10': 'NPV P10', 'npv_p90': 'NPV P90', 'tco_mean': 'expected TCO',
         'p_loss': 'chance of a loss', 'p_best': 'chance best'}
cols = [c for c in names if c in summary.columns and (result.status_quo is not None or 'status_quo' not in c)]
view = summary[cols].rename(columns=names)
table(view, {names[c]: 'percent' if c.startswith('p_') else 'compact' for c in cols}, bold_rows=[result.best_cell],
      caption=f'Every option under every owner ({trials:,} trials; money in {cur}, NPV at the decision date)')

# %% [markdown]
# ## The base case, line by line
#
# Every input at its median (risk events do not occur in the base case). This is the table to check against a spreadsheet.

# %% tags=["nbval-check-output"]
best_option, best_owner = result.best_cell
base = dk.base_case(scenario, option=best_option, owner=best_owner)
table(base, dict.fromkeys(base.columns, 'amount'),
      caption=f'Base case of {best_option} under {best_owner}: every input at its median ({cur} a year)')

# %% [markdown]
# ## Cumulative cost over time
#
# Mean line with a P10-P90 band, under the recommended owner.

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
from decision_kit import plots

ax = plots.cumulative_cost(result)
