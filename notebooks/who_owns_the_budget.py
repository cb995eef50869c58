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
# # Who should own the budget?
#
# Every option is evaluated under five ownership models: marketing, IT, shared, IT embedded in marketing, and marketing going around IT (shadow). Each shifts time to launch, integration cost, incident risk, governance overhead and benefit realisation (shipped priors, `decision_kit.PRIORS.ownership`, with sources; most shifts are judgement calls, grade J).

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
trials = 20_000
seed = 1

# %%
import decision_kit as dk
from decision_kit import plots

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)
print(result.recommendation())

# %% [markdown]
# ## The ownership shifts in force

# %%
# NBVAL_CHECK_OUTPUT
import pandas as pd
shifts = pd.DataFrame({w: scenario.owner_shifts(w).model_dump(exclude={'source'}) for w in result.layout.owners})
print(shifts.round(3).to_string())

# %% [markdown]
# ## The option x owner grid
#
# Expected NPV against the status quo and the chance of doing worse than it, then expected NPV and its P10 (thousands), chance of a loss, chance of being best, median months to launch.

# %%
# NBVAL_CHECK_OUTPUT
summary = result.summary()
versus = ['npv_vs_status_quo_mean', 'p_worse_than_status_quo'] if result.status_quo is not None else []
table = summary[versus + ['npv_mean', 'npv_p10', 'p_loss', 'p_best', 'launch_months_p50']].copy()
money = [c for c in table.columns if not c.startswith(('p_', 'payback', 'launch'))]
table[money] = (table[money] / 1e3).round(0)
print(table.round(2).to_string())

# %% [markdown]
# ## Probability each cell is best

# %%
# NBVAL_IGNORE_OUTPUT
# %matplotlib inline
ax = plots.probability_best(result)

# %% [markdown]
# ## Who pays? Mean cost per year by budget holder (thousands)
#
# Benefits are credited to marketing.

# %%
# NBVAL_CHECK_OUTPUT
ledger = result.ledger()
best_option, best_owner = result.best_cell
view = ledger[(ledger.option == best_option)].pivot_table(index='owner', columns='year', values=['marketing_pays', 'it_pays'])
print((view / 1e3).round(0).to_string())
