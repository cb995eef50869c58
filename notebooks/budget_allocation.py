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

portfolio = dk.load_portfolio(portfolio_path)
print(portfolio.name, '-', len(portfolio.initiatives), 'initiatives; budgets', portfolio.budget)

# %% [markdown]
# ## The optimal allocation for the first plan year
#
# **Value** is what each initiative's spend-response curve says a year's spend on it buys (for this portfolio, gross profit or avoided cost), against spending nothing on it: USD per plan year, nominal and undiscounted, after each owner's realisation and governance overhead, averaged over the trials. It is gross of the spend, so "the next USD returns 1.15" means 1.15 USD of value a year for one more USD spent, 0.15 more than it costs. Money below is in USD per year, to three significant figures.

# %% tags=["nbval-check-output"]
import pandas as pd
from decision_kit.formatting import compact

pd.set_option("display.max_colwidth", None)  # the reasons in full
alloc = allocation.optimize(portfolio, trials=trials, seed=seed)
limited_by = {"inactive": "not active", "prerequisite": "prerequisite", "at_maximum": "its maximum",
              "threshold": "a dependent", "at_minimum": "its minimum", "balanced": "total budget"}
pd.DataFrame(
    {
        "owner": [{"it": "IT"}.get(r.owner, r.owner) for r in alloc.reasons],
        "spend (USD a year)": [compact(r.spend) for r in alloc.reasons],
        "expected value (USD a year)": [compact(v) for v in alloc.expected_value],
        "next USD returns (USD)": ["-" if r.code == "inactive" else f"{r.marginal:.2f}" for r in alloc.reasons],
        "limited by": [r.budget if r.code == "pot_exhausted" else limited_by[r.code] for r in alloc.reasons],
        "why": [r.text for r in alloc.reasons],
    },
    index=pd.Index([n.replace("_", " ") for n in alloc.initiatives], name="initiative"),
)

# %% [markdown]
# ### Which budgets bind
#
# A budget binds when it is used up and one more USD of it would add value; "one more USD adds" is its shadow price (for an owner's budget, with the total budget raised too where the total binds).

# %% tags=["nbval-check-output"]
budgets = pd.DataFrame(
    {
        "budget (USD a year)": [compact(b.amount) for b in alloc.limits],
        "spent": [compact(b.spent) for b in alloc.limits],
        "left": [compact(b.left) for b in alloc.limits],
        "binds": ["yes" if b.binds else "no" for b in alloc.limits],
        "one more USD adds (USD a year)": [f"{b.marginal_value + (alloc.marginal_value if b.owner else 0):.2f}" for b in alloc.limits],
    },
    index=pd.Index([b.name for b in alloc.limits], name="budget"),
)
print(f"expected value {compact(alloc.value_mean)} USD a year (P10 {compact(alloc.value_p10)}); spent {compact(alloc.total_spend)} of {compact(alloc.budget)}")
print("binding: " + (", ".join(b.name for b in alloc.binding) or "none"))
print(alloc.unspent_reason)
budgets

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.allocation_bars(alloc)

# %% [markdown]
# ## Efficient frontier
#
# The portfolio's owner budgets stay in force along the frontier, so value stops rising once every owner's budget binds.

# %% tags=["nbval-check-output"]
budgets = np.linspace(1.0e6, 8.0e6, 8)
fr = allocation.frontier(portfolio, budgets, trials=trials, seed=seed)
print((fr.to_frame().reset_index()[['budget', 'value_mean', 'value_p10', 'marginal_value']]).round(3).to_string(index=False))

# %% tags=["nbval-ignore-output"]
ax = plots.frontier(fr)

# %% [markdown]
# ## Who controls the money? Value lost when each side optimises only its own initiatives

# %% tags=["nbval-check-output"]
split = allocation.control_split(portfolio, trials=trials, seed=seed)
print(split.to_frame().round(3).to_string())

# %% [markdown]
# ## Multi-year phasing with carry-over

# %% tags=["nbval-check-output"]
ph = allocation.phase(portfolio, trials=trials, seed=seed)
print(ph.to_frame().round(0).to_string())
