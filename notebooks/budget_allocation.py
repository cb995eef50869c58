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
# # Splitting the digital budget across initiatives and owners
#
# Each initiative has a saturating spend-response curve with uncertain parameters, an owner, bounds and sometimes a prerequisite. The optimiser (exact water-filling on equal marginal value, scipy for the general case) splits the budget; the frontier shows value against budget; the control split shows what it costs when marketing and IT each optimise only their own share. Portfolio: `scenarios/digital_budget_2027.yaml`.

# %% tags=["parameters"]
portfolio_path = "../scenarios/digital_budget_2027.yaml"
trials = 2000
seed = 0

# %%
import numpy as np
import decision_kit as dk
from decision_kit import allocation, plots
from decision_kit.formatting import amount

portfolio = dk.load_portfolio(portfolio_path)
print(portfolio.name, '-', len(portfolio.initiatives), 'initiatives; budgets', portfolio.budget)

# %% [markdown]
# ## The optimal allocation for the first plan year
#
# `marginal_value`: expected value of one more unit spent on that initiative.

# %%
# NBVAL_CHECK_OUTPUT
alloc = allocation.optimize(portfolio, trials=trials, seed=seed)
print(alloc.to_frame().round(3).to_string())
print(f'value {amount(alloc.value_mean)} per year (P10 {amount(alloc.value_p10)}); next unit of budget worth {alloc.marginal_value:.3f}')

# %%
# NBVAL_IGNORE_OUTPUT
# %matplotlib inline
ax = plots.allocation_bars(alloc)

# %% [markdown]
# ## Efficient frontier
#
# The portfolio's owner budgets stay in force along the frontier, so value stops rising once every owner's budget binds.

# %%
# NBVAL_CHECK_OUTPUT
budgets = np.linspace(1.0e6, 8.0e6, 8)
fr = allocation.frontier(portfolio, budgets, trials=trials, seed=seed)
print((fr.to_frame().reset_index()[['budget', 'value_mean', 'value_p10', 'marginal_value']]).round(3).to_string(index=False))

# %%
# NBVAL_IGNORE_OUTPUT
ax = plots.frontier(fr)

# %% [markdown]
# ## Who controls the money? Value lost when each side optimises only its own initiatives

# %%
# NBVAL_CHECK_OUTPUT
split = allocation.control_split(portfolio, trials=trials, seed=seed)
print(split.to_frame().round(3).to_string())

# %% [markdown]
# ## Multi-year phasing with carry-over

# %%
# NBVAL_CHECK_OUTPUT
ph = allocation.phase(portfolio, trials=trials, seed=seed)
print(ph.to_frame().round(0).to_string())
