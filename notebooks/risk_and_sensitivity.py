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
from decision_kit.formatting import compact
from decision_kit.tables import table

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)
best_option, best_owner = result.best_cell
cur = scenario.currency
print(f'The best cell: {best_option} under {best_owner}')


def two_decimals(v):
    """An index with two decimals; a small negative estimate (Monte Carlo noise) reads 0.00."""
    return f'{v:.2f}'.replace('-0.00', '0.00')

# %% [markdown]
# ## Tornado for the best cell: NPV with each input at its P10 and P90
#
# The eight inputs with the largest swing, largest first.

# %% tags=["nbval-check-output"]
t = sensitivity.tornado(scenario, option=best_option, owner=best_owner)
names = {'input': 'input', 'metric_at_low': 'NPV with the input at P10', 'metric_at_high': 'NPV with the input at P90',
         'swing': 'swing'}
df = t.to_frame().head(8)[list(names)].rename(columns=names)
table(df, dict.fromkeys(list(names.values())[1:], 'compact'), index=False,
      caption=f'Tornado of NPV for {best_option} under {best_owner} ({cur}; base case {compact(t.base)})')

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.tornado(t)

# %% [markdown]
# ## Global sensitivity (Sobol first and total indices)
#
# The six inputs with the largest total index: the share of the NPV's variance each explains alone (first) and with its interactions (total).

# %% tags=["nbval-check-output"]
si = sensitivity.sobol_scenario(scenario, option=best_option, owner=best_owner, n=sobol_n, seed=seed)
table(si.to_frame().head(6)[['input', 'first', 'total']], {'first': two_decimals, 'total': two_decimals}, index=False,
      caption=f'Sobol indices of NPV for {best_option} under {best_owner} (N = {sobol_n:,})')

# %% tags=["nbval-ignore-output"]
ax = plots.sobol_bars(si)

# %% [markdown]
# ## Value of information
#
# The expected value of perfect information (EVPI) on all inputs together, then the six inputs worth most to learn alone (EVPPI) and their share of the EVPI.

# %% tags=["nbval-check-output"]
e = voi.evpi(result)
print(e.describe())
ev = voi.evppi(result).to_frame().head(6).rename(columns={'evppi': f'EVPPI ({cur})', 'share_of_evpi': 'share of the EVPI'})
table(ev, {f'EVPPI ({cur})': 'compact', 'share of the EVPI': 'percent'}, index=False,
      caption='Expected value of perfect information on one input')

# %% [markdown]
# ## Break-even: at what contact volume would hybrid beat buy?
#
# Expected NPV of the two cells as the year-1 contact count varies (common random numbers).

# %% tags=["nbval-check-output"]
try:
    be = sensitivity.break_even(scenario, 'drivers.contacts.start', ('hybrid', best_owner), ('buy', best_owner),
                                bounds=(50_000, 2_000_000), trials=trials, seed=seed)
    print(be.describe())
except dk.ScenarioError as exc:
    print(exc)
