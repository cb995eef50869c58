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
#
# Two things decide the answer besides the curves. **Value net of spend**: a dollar left unspent stays with the business (`unspent_value: 1`), so nothing is funded past the point where its next dollar returns less than a dollar, and money may be left over. **The owners act by mechanism** (`organisation: {profile: mid_size_b2b}`, the same profile and coefficients as the scenarios): each owner's realisation factor from its change cycle, its start delay in an initiative's first year, marketing operations' integration rework, and the shared pot's steering time (`decision_kit/allocation/owners.py` states each relationship).

# %% tags=["parameters"]
portfolio_path = "../scenarios/digital_budget_2027.yaml"
trials = 2000
seed = 0

# %%
import numpy as np
import decision_kit as dk
from decision_kit import allocation, plots
from decision_kit.formatting import compact
from decision_kit.tables import table

portfolio = dk.load_portfolio(portfolio_path)
print(f"{portfolio.name}: {len(portfolio.initiatives)} initiatives; total budget by plan year "
      + ", ".join(f"{compact(b)} USD" for b in portfolio.budget))

# %% [markdown]
# ## The optimal allocation for the first plan year
#
# **Value** is what each initiative's spend-response curve says a year's spend on it buys (for this portfolio, gross profit or avoided cost), against spending nothing on it: USD per plan year, nominal and undiscounted, after each owner's mechanisms, averaged over the trials. An initiative's "next USD returns 1.15" means 1.15 USD of value a year for one more USD spent, 0.15 more than it costs; the allocation stops each initiative where its next USD returns 1.00 unless a budget binds first. Money below is in USD per year, to three significant figures.

# %% tags=["nbval-check-output"]
import pandas as pd

alloc = allocation.optimize(portfolio, trials=trials, seed=seed)
limited_by = {"inactive": "not active", "prerequisite": "prerequisite", "at_maximum": "its maximum",
              "threshold": "a dependent", "at_minimum": "its minimum", "unprofitable": "its cost",
              "balanced": "its cost" if alloc.marginal_value == 0 else "total budget"}
reasons = pd.DataFrame(
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
table(reasons, caption="The first plan year's allocation, and what limits each initiative's spend")

# %% [markdown]
# ### Which budgets bind
#
# A budget binds when it is used up and one more USD of it would add value; "one more USD adds" is its shadow price net of that USD (for an owner's budget, with the total budget raised too where the total binds). The first plan year's budget does not bind: what is left over returns less than it costs. The second year's shared pot does.

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
print(f"net of the spend and {compact(alloc.fixed_cost)} USD of shared-pot steering: {compact(alloc.net_value)} USD a year")
print("binding: " + (", ".join(b.name for b in alloc.binding) or "none"))
print(alloc.unspent_reason)
table(budgets, caption="The budgets of the first plan year")

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.allocation_bars(alloc)

# %% [markdown]
# ### What the owners' mechanisms do to a curve
#
# Per owner, over the trials: the realisation factor multiplies every year's value (the change cycle against the reference delivery the benefit prior describes); the start delay removes that share of an initiative's first year; rework raises the spend integration work needs; steering is the shared pot's yearly meeting time. Then the second plan year under the mechanisms against round one's constants (`shifts`, the legacy override).

# %% tags=["nbval-check-output"]
from decision_kit.priors import PRIORS

model = allocation.portfolio_model(portfolio, trials=trials, seed=seed)
eff = model.effects
owners_table = pd.DataFrame(
    {
        "realisation factor (mean)": [f"{eff.value[o].mean():.2f}" for o in allocation.OWNERS],
        "start delay (months, mean)": [f"{eff.delay[o].mean():.1f}" for o in allocation.OWNERS],
        "integration rework (mean)": [f"{eff.rework[o].mean():.0%}" for o in allocation.OWNERS],
        "steering (USD a year)": [compact(eff.steering_mean(o)) for o in allocation.OWNERS],
    },
    index=pd.Index(["marketing", "IT", "shared"], name="owner"),
)
legacy = allocation.optimize(portfolio, year=2, trials=trials, seed=seed, shifts={o: PRIORS.ownership[o] for o in allocation.OWNERS})
second = allocation.optimize(portfolio, year=2, trials=trials, seed=seed)
print(f"plan year 2, net value: {compact(second.net_value)} USD a year by mechanism, "
      f"{compact(legacy.net_value)} under round one's constants")
table(owners_table, caption="Each owner's mechanisms on the curves, mid-size B2B profile")

# %% [markdown]
# ## Efficient frontier
#
# The portfolio's owner budgets stay in force along the frontier, so value stops rising once every owner's budget binds or every initiative's next USD returns less than it costs; "next USD of budget adds" is net of that USD.

# %% tags=["nbval-check-output"]
budgets = np.linspace(1.0e6, 8.0e6, 8)
fr = allocation.frontier(portfolio, budgets, trials=trials, seed=seed)
names = {'budget': 'total budget (USD a year)', 'value_mean': 'expected value (USD a year)', 'value_p10': 'value P10',
         'marginal_value': 'next USD of budget adds (USD)'}
frontier = fr.to_frame().reset_index()[list(names)].rename(columns=names)
table(frontier, {**dict.fromkeys(list(names.values())[:3], 'compact'), 'next USD of budget adds (USD)': lambda v: f'{v:.2f}'},
      index=False, caption='The efficient frontier: the best allocation at each total budget')

# %% tags=["nbval-ignore-output"]
ax = plots.frontier(fr)

# %% [markdown]
# ## Who controls the money? Value lost when each side optimises only its own initiatives

# %% tags=["nbval-check-output"]
split = allocation.control_split(portfolio, trials=trials, seed=seed)
names = {'marketing_pool': 'marketing pool', 'it_pool': 'IT pool', 'shared_pool': 'shared pool',
         'value_mean': 'net value', 'loss': 'value lost', 'loss_share': 'share lost', 'unspent': 'unspent',
         'status': 'status'}
control = split.to_frame()[list(names)].rename(columns=names).rename_axis("marketing's share")
control.index = [f'{v:.0%}' for v in control.index]
control.index.name = "marketing's share"
table(control, {**dict.fromkeys(['marketing pool', 'IT pool', 'shared pool', 'net value', 'value lost', 'unspent'],
                                'compact'), 'share lost': 'percent'},
      caption="Value net of spend lost when marketing and IT each optimise only their own initiatives (USD a year; n/a: no feasible split)")

# %% [markdown]
# ## Multi-year phasing with carry-over

# %% tags=["nbval-check-output"]
ph = allocation.phase(portfolio, trials=trials, seed=seed)
phasing = ph.to_frame().T
phasing.index = [{'value_mean': 'expected value', 'value_p10': 'value P10'}.get(n, n.replace('_', ' ')) for n in phasing.index]
phasing.columns = [f'year {y}' for y in phasing.columns]
table(phasing, dict.fromkeys(phasing.columns, 'compact'),
      bold_rows=['total spend', 'expected value'],
      caption='Spend by initiative and plan year with carry-over, then the totals and the value (USD a year)')
