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

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)

# %% [markdown]
# ## Weights per stakeholder (AHP weights and consistency ratio for the CIO)

# %% tags=["nbval-check-output"]
sw = mcda.stakeholder_weights(scenario, aggregation='arithmetic')
print(sw.to_frame().round(3).to_string())
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

# %% tags=["nbval-check-output"]
ra = mcda.rank_acceptability(result, aggregation='arithmetic')
print(ra.to_frame().round(2).head(8).to_string())

# %% [markdown]
# ## What would change the CMO's mind? Smallest weight change that flips the top choice

# %% tags=["nbval-check-output"]
flip = mcda.flip_analysis(result, 'CMO')
print(flip.to_frame().round(3).head(6).to_string())
