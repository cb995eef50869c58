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
# # Build, buy or hybrid: the hidden costs made visible
#
# Vendor demos show the licence. This notebook shows everything else: integration, customisation, upgrades, security work, support, staff, exit — year by year — and how uncertain each option's total cost of ownership is. Scenario: a marketing automation platform (`scenarios/marketing_automation.yaml`).

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
owner = "shared"
trials = 20_000
seed = 1

# %%
import decision_kit as dk
from decision_kit import plots
from decision_kit.tables import table

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)
cur = scenario.currency

# %% [markdown]
# ## Total cost of ownership by category (mean over trials)
#
# The licence is only part of it. Categories sum to the total; `risk` is the expected cost of risk events (incidents, forced migrations), `governance` the ownership model's overhead.

# %% tags=["nbval-check-output"]
breakdown = result.breakdown().xs(owner, level='owner')
by_category = breakdown.sum(axis=1).unstack('flow')
costs = [c for c in result.layout.cost_rows if c in by_category.columns]
by_category = by_category[costs]
by_category['total'] = by_category.sum(axis=1)
categories = by_category.T.rename_axis('cost category')
table(categories, dict.fromkeys(categories.columns, 'compact'), bold_rows=['total'],
      caption=f'Mean total cost of ownership over {scenario.horizon_years} years under {owner}, by category ({cur}, undiscounted)')

# %% [markdown]
# ## Share of five-year cost that is *not* licence

# %% tags=["nbval-check-output"]
hidden = (1 - by_category['license'] / by_category['total']).rename('not licence').to_frame()
table(hidden, {'not licence': 'whole_percent'}, caption='Share of the total cost that is not licence')

# %% [markdown]
# ## How uncertain is each option's cost?
#
# P10, median and P90 of the present value of cost; a build's fat right tail comes from the IT cost-overrun prior (Flyvbjerg & Budzier 2011).

# %% tags=["nbval-check-output"]
import numpy as np
import pandas as pd

wi = result.layout.owners.index(owner)
pv = result.metrics['pv_cost'][:, :, wi].astype(float)
spread = pd.DataFrame(np.percentile(pv, [10, 50, 90], axis=0).T, columns=['P10', 'median', 'P90'],
                      index=pd.Index(result.layout.options, name='option'))
spread['P90 / median'] = spread['P90'] / spread['median']
table(spread, {'P10': 'compact', 'median': 'compact', 'P90': 'compact', 'P90 / median': lambda v: f'{v:.2f}'},
      caption=f'Present value of cost under {owner} ({cur})')

# %% [markdown]
# ## Cumulative cost over time

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.cumulative_cost(result, owner=owner)

# %% [markdown]
# ## Does one option's cumulative cost ever overtake another's?
#
# The first year the mean cumulative cost of the option in the row exceeds that of the option in the column ("not within the horizon" where it never does).

# %% tags=["nbval-check-output"]
from itertools import permutations
from decision_kit.sensitivity import crossover_year
options = result.layout.options
overtakes = pd.DataFrame('', index=pd.Index(options, name='option'), columns=[f'overtakes {b}' for b in options])
for a, b in permutations(options, 2):
    year = crossover_year(result, (a, owner), (b, owner))
    overtakes.loc[a, f'overtakes {b}'] = 'not within the horizon' if year is None else str(year)
table(overtakes, caption=f'When one option\'s mean cumulative cost first exceeds another\'s, under {owner}')
