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
# Each cell against the status quo first (what nothing-changes would give, from the same draws): `npv_vs_status_quo_mean` is the expected NPV gained over it and `p_worse_than_status_quo` the chance of doing worse than keeping it. Then the absolute figures. Money in thousands of the scenario's currency; `p_best` is the chance a cell has the highest NPV, `p_loss` the chance of a negative NPV.

# %%
# NBVAL_CHECK_OUTPUT
summary = result.summary()
versus = ['npv_vs_status_quo_mean', 'p_worse_than_status_quo'] if result.status_quo is not None else []
cols = versus + ['npv_mean', 'npv_p10', 'npv_p90', 'tco_mean', 'p_loss', 'p_best']
table = summary[cols].copy()
money = [c for c in cols if not c.startswith('p_')]
table[money] = (table[money] / 1e3).round(0)
print(table.round(2).to_string())

# %% [markdown]
# ## The base case, line by line
#
# Every input at its median (risk events do not occur in the base case). This is the table to check against a spreadsheet.

# %%
# NBVAL_CHECK_OUTPUT
best_option, best_owner = result.best_cell
base = dk.base_case(scenario, option=best_option, owner=best_owner)
print(base.round(0).to_string())

# %% [markdown]
# ## Cumulative cost over time
#
# Mean line with a P10-P90 band, under the recommended owner.

# %%
# NBVAL_IGNORE_OUTPUT
# %matplotlib inline
from decision_kit import plots

ax = plots.cumulative_cost(result)
