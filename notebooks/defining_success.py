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
# # Defining success together: what the CMO and the CIO each weigh
#
# Criteria computed by the simulation (expected NPV, P10 NPV, time to launch, probability of loss, security risk) and judged in the scenario file (architecture fit, customer experience, data governance). The CMO gives weights directly; the CIO by AHP pairwise comparisons.

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
trials = 20_000
seed = 1

# %%
import decision_kit as dk
from decision_kit import mcda, plots
from decision_kit.formatting import finite
from decision_kit.tables import table
from IPython.display import display

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)


def weight(v):
    """A criterion weight with three decimals."""
    return f'{v:.3f}'

# %% [markdown]
# ## Weights per stakeholder (AHP weights and consistency ratio for the CIO)

# %% tags=["nbval-check-output"]
sw = mcda.stakeholder_weights(scenario, aggregation='arithmetic')
weights = sw.to_frame().T.rename_axis('criterion')
display(table(weights, dict.fromkeys(weights.columns, weight),
              caption='Criterion weights of each stakeholder and of the group (each column sums to 1)'))
for who, a in sw.ahp.items():
    print(f'{who}: consistency ratio {a.cr:.3f}', 'consistent' if a.consistent else 'INCONSISTENT')

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.stakeholder_weights(sw)

# %% [markdown]
# ## Rankings side by side (TOPSIS)

# %% tags=["nbval-check-output"]
view = mcda.stakeholder_view(result, aggregation='arithmetic')
print(view.summary())

# %% [markdown]
# ## Rank acceptability: the chance each cell ranks first under each stakeholder's weights
#
# Every option under every owner; each stakeholder's most likely first choice is in bold.

# %% tags=["nbval-check-output"]
ra = mcda.rank_acceptability(result, aggregation='arithmetic')
acceptability = ra.to_frame()
print(ra.summary())
table(acceptability, dict.fromkeys(acceptability.columns, 'percent'),
      bold_rows=set(acceptability.idxmax()),
      caption=f'Chance of ranking first ({ra.trials:,} trials)')

# %% [markdown]
# ## What would change the CMO's mind? Smallest weight change that flips the top choice
#
# For each criterion: the CMO's weight, the weight to lower or raise it to for the top choice to change, and the cell that would then come first ("no change" where no weight in that direction changes it).

# %% tags=["nbval-check-output"]
flip = mcda.flip_analysis(result, 'CMO')
def to_weight(v):
    return weight(v) if finite(v) else 'no change'


def cell(v):
    return '/'.join(v) if isinstance(v, tuple) else '-'


import pandas as pd

names = {'weight': ('now', 'weight'), 'lower_to': ('lowered', 'to'), 'lower_top': ('lowered', 'then first'),
         'raise_to': ('raised', 'to'), 'raise_top': ('raised', 'then first')}
flips = flip.to_frame()[list(names)]
flips.columns = pd.MultiIndex.from_tuples(names.values())
print(flip.summary())
table(flips, {('now', 'weight'): weight, ('lowered', 'to'): to_weight, ('lowered', 'then first'): cell,
              ('raised', 'to'): to_weight, ('raised', 'then first'): cell},
      caption="The smallest change of one CMO weight that changes the CMO's top choice")
