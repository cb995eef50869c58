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
# # Risk and sensitivity: what drives the answer, and what is worth finding out first
#
# Tornado (one input at a time), global Sobol indices (all inputs together), and the value of information: how much it would be worth to know an input before committing — the ceiling on what a pilot or a vendor reference call is worth.

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
trials = 20_000
seed = 1
sobol_n = 4096

# %%
import decision_kit as dk
from decision_kit import plots, sensitivity, voi

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)
best_option, best_owner = result.best_cell
print(best_option, best_owner)

# %% [markdown]
# ## Tornado for the best cell: NPV with each input at its P10 and P90

# %%
# NBVAL_CHECK_OUTPUT
t = sensitivity.tornado(scenario, option=best_option, owner=best_owner)
df = t.to_frame().head(8)[['input', 'metric_at_low', 'metric_at_high', 'swing']]
df[['metric_at_low', 'metric_at_high', 'swing']] = (df[['metric_at_low', 'metric_at_high', 'swing']] / 1e3).round(0)
print(df.to_string(index=False))

# %%
# NBVAL_IGNORE_OUTPUT
# %matplotlib inline
ax = plots.tornado(t)

# %% [markdown]
# ## Global sensitivity (Sobol first and total indices)

# %%
# NBVAL_CHECK_OUTPUT
si = sensitivity.sobol_scenario(scenario, option=best_option, owner=best_owner, n=sobol_n, seed=seed)
print(si.to_frame().head(6)[['input', 'first', 'total']].round(2).to_string(index=False))

# %%
# NBVAL_IGNORE_OUTPUT
ax = plots.sobol_bars(si)

# %% [markdown]
# ## Value of information

# %%
# NBVAL_CHECK_OUTPUT
e = voi.evpi(result)
print(e.describe())
ev = voi.evppi(result).to_frame().head(6)
ev['evppi'] = (ev['evppi'] / 1e3).round(0)
print(ev.round(2).to_string(index=False))

# %% [markdown]
# ## Break-even: at what contact volume would hybrid beat buy?
#
# Expected NPV of the two cells as the year-1 contact count varies (common random numbers).

# %%
# NBVAL_CHECK_OUTPUT
try:
    be = sensitivity.break_even(scenario, 'drivers.contacts.start', ('hybrid', best_owner), ('buy', best_owner),
                                bounds=(50_000, 2_000_000), trials=trials, seed=seed)
    print(be.describe())
except dk.ScenarioError as exc:
    print(exc)
