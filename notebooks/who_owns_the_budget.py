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
# # Who should own the budget, for this organisation?
#
# For an analyst preparing the decision and a CIO or CMO reviewing it. The answer is not fixed in advance: each owner's launch time, realised benefit, rework, incidents and explicit costs are computed by stated mechanisms from the organisation's profile (`organisation:` in the scenario), and every figure of the profile and every coefficient of the mechanisms is uncertain where it is estimated. Change the profile and the answer may change; this notebook shows which owner is best, how sure, through which mechanisms, and what would have to be true for another owner to win.
#
# All comparisons use common random numbers: every owner sees the same draws, so the differences are the mechanisms', not sampling noise. Money is NPV at the decision date, in the scenario's currency.

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
trials = 4_000
seed = 1
worlds = 48  # draws of the profile and coefficients for "best in expectation"
inner = 500  # trials of everything else in each of those draws
break_even_trials = 1_500
map_trials = 1_500
map_grid = 9
other_profiles = ["regulated_enterprise", "digital_native"]

# %% tags=["nbval-check-output"]
import numpy as np
import pandas as pd

import decision_kit as dk
from decision_kit import owner_tradeoffs as ot
from decision_kit import ownership, plots
from decision_kit.formatting import compact, quantity
from decision_kit.plan import compile_plan
from decision_kit.tables import table
from IPython.display import display

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)
best_option, best_owner = result.best_cell
print(f"{scenario.name}: organisation profile {scenario.organisation.profile}, {trials:,} trials")
print(result.recommendation())

# %% [markdown]
# ## How ownership is modelled
#
# **Ownership is a cell: who holds the budget x who delivers.** The budget holder is marketing, IT or a shared pot; delivery (who builds and changes the system) is central IT, IT specialists embedded in marketing, marketing's own operations team (calling on IT for the share of changes that need it), or marketing going around IT (shadow IT). The five owners of the scenario are presets of that grid:

# %% tags=["nbval-check-output"]
presets = pd.DataFrame(
    [(w, *ownership.PRESETS[w]) for w in result.layout.owners], columns=["owner", "budget holder", "delivery"]
).set_index("owner")
table(presets, caption="Each owner's budget holder and delivery team")

# %% [markdown]
# **Which mechanisms act** (`decision_kit/ownership.py` states each; the coefficients, grades and sources are in `decision_kit/data/ownership.yaml`):
#
# 1. **Cycle time** $c$, months per change: central IT's lead time for changes; an embedded specialist's hand-off; for marketing operations $(1-q)\times$ its own lead time $+\; q \times$ IT's, with $q$ the share of its changes that need IT; shadow IT marketing's own lead time. A shared pot adds the joint approval time. The change-failure rate $f$ mixes the same way.
# 2. **Go-live**: $L = D + b\,(1-h) + b\,h\,S$, where $b$ is the option's launch months, $h$ its in-house share (the vendor's configuration time does not depend on the owner) and $S = (w_d / w_\mathrm{ref})^{\varepsilon}$ the delivery team's speed from its weeks per change. The start delay $D$ is IT's queue for central IT, the hiring lag for new embedded specialists, plus the funding delay of a shared pot.
# 3. **Realised benefit (the trial-and-error loop)**: successful course corrections arrive at $\kappa = (1-f)/c$ a month, each closing a share $\varphi$ of the gap to what marketing needs, while needs drift at $\delta = \text{change rate} \times \text{drift per change}$. The realised share follows $\dot\rho = \varphi\kappa(1-\rho) - \delta\rho$, with steady state $\rho^* = \dfrac{\varphi\kappa}{\varphi\kappa + \delta}$. The owner's realisation factor is $\rho^*_w / \rho^*_\mathrm{ref}$ against the reference delivery the benefit-realisation prior describes, times the co-ownership uplift for a shared pot.
# 4. **Integration rework**: integration and customisation lines scale by $1 + r \ln(1 + \text{stack size}/10)$, with $r = 0$ for IT delivery, $r_\mathrm{mops}\,(5 - \text{maturity})/4$ for marketing operations and $r_\mathrm{shadow}$ for shadow IT.
# 5. **Incidents**: the probability of security events scales by $1 + s \times \text{sensitivity}$ (sensitivity 0, 0.5, 1 for low, medium, high; $s = 0$ where IT reviews security), their impact by a severity factor for shadow IT. The coefficients $r$ and $s$, the severity, the stack size and the maturity are uncertain inputs like the rest, so they appear in the value-of-information and break-even tables below.
# 6. **Explicit costs**: embedded specialists (FTE x loaded cost a year, from their hiring), a shared pot's steering time (meetings a month x attendees x hours x 12 x rate a year), shadow IT's duplicate licences until IT discovers the tool (a yearly hazard), the cost of absorbing it in that year, and central IT's change cycle after it.
#
# The fixed numbers of this scenario's mechanisms, and the profile's uncertain inputs as P10, P50, P90:

# %% tags=["nbval-check-output"]
org, mech = scenario.organisation, scenario.mechanisms
fixed = {
    "data sensitivity": org.data_sensitivity,
    "steering: meetings a month x attendees x hours": f"{mech.steering_meetings_per_month:g} x {mech.steering_attendees:g} x {mech.steering_hours:g}",
    "marketing's share of a shared pot's cost": f"{mech.shared_pot_marketing_share:.0%}",
    "IT's sign-off, as a share of the joint approval time": f"{mech.holder_approval_share:g}",
}
display(table(pd.Series(fixed, dtype=object).map(str).rename('value').to_frame(),
              caption="The organisation's fixed inputs"))
plan = compile_plan(scenario)
profile = pd.DataFrame(
    {p: plan.inputs[p].quantiles([0.1, 0.5, 0.9]) for p in ot.ownership_inputs(scenario)}, index=["P10", "P50", "P90"]
).T
display(table(profile.rename_axis('uncertain input'), dict.fromkeys(profile.columns, lambda v: quantity(v) if abs(v) > 1e-9 else "0"),
              caption="The organisation's uncertain inputs (P10, median, P90)"))

# %% [markdown]
# What those mean for each owner with every input at its median (the model draws them; this is a reading aid): months before the in-house work starts, the multiplier of the in-house share of launch time, months per course correction, the realisation factor (year one for shadow IT, before IT discovers it), the rework and incident factors, and the yearly explicit costs in the last year of the horizon.

# %% tags=["nbval-check-output"]
medians = {p: float(d.quantiles([0.5])[0]) for p, d in plan.inputs.items() if p.startswith(("organisation.", "mechanisms."))}
cells, fx = plan.ownership.cells, plan.ownership.fixed
values = {f: np.asarray([medians[f"organisation.{f}"]]) for f in ownership.ORGANISATION_FIELDS}
values.update({f: np.asarray([medians[f"mechanisms.{f}"]]) for f in ownership.MECHANISM_FIELDS})
rows = {}
for w, cell, a in zip(plan.layout.owners, cells, ownership.owner_arrays(cells, medians, fx, 1, plan.horizon)):
    rows[w] = {
        "start delay (months)": a.delay[0],
        "in-house speed x": a.speed[0],
        "months per change": ownership.cycle_months(cell, values)[0],
        "realisation factor": np.asarray(a.realisation).reshape(-1)[0],
        "rework factor": float(np.asarray(a.integration).reshape(-1)[0]),
        "incident frequency x": float(np.asarray(a.frequency).reshape(-1)[0]),
        f"specialists ({scenario.currency} a year)": 0.0 if a.specialists is None else a.specialists[-1, 0],
        f"steering ({scenario.currency} a year)": 0.0 if a.steering is None else a.steering[-1, 0],
    }
effects = pd.DataFrame(rows)
table(effects.T, {c: compact if scenario.currency in c else (lambda v: f"{v:.2f}") for c in effects.index},
      caption='What each owner changes, with every input at its median')

# %% [markdown]
# ## The best owner of each option, and how sure
#
# *Best in % of trials* counts the trials in which an owner has the highest NPV; it mixes up what nobody can know (will the project deliver?) with what the organisation could find out. *Best in expectation* draws the profile and coefficients `worlds` times and, in each, averages NPV over the same trials of everything else: the chance that the owner is still best once this organisation's figures are known.

# %% tags=["nbval-check-output"]
choice = ot.owner_choice(scenario, trials=trials, seed=seed, worlds=worlds, inner=inner)
print("\n".join(choice.describe()))
display(table(choice.p_best, dict.fromkeys(choice.p_best.columns, 'percent'),
              caption='Share of trials in which each owner is best'))
display(table(choice.p_best_in_expectation, dict.fromkeys(choice.p_best_in_expectation.columns, 'percent'),
              caption=f'Share of {worlds} draws of the profile and coefficients in which each owner is best in expectation'))

# %% [markdown]
# ## Through which mechanisms: the owner trade-off table for the recommended option
#
# Each mechanism's contribution to NPV is NPV with every mechanism on minus NPV with that one mechanism neutral, trial by trial on the same draws (mean, P10 and P90 over trials, in the scenario's currency). *All neutral* is the NPV with every mechanism neutral (the same for every owner); *interaction* is what is left because the mechanisms do not add up exactly (a later launch also shortens the time a better realisation pays).

# %% tags=["nbval-check-output"]
contributions = ot.mechanism_contributions(scenario, trials=trials, seed=seed)
view = contributions.loc[best_option, ["mean", "p10", "p90"]]
means = view["mean"].unstack("owner").loc[[*ot.MECHANISM_LABELS, "all neutral", "interaction"], list(result.layout.owners)]
means.index = [ot.MECHANISM_LABELS.get(m, m) for m in means.index]
display(table(means, dict.fromkeys(means.columns, 'compact'), bold_rows=['all neutral'],
              caption=f"{best_option}: mean contribution to NPV by owner ({scenario.currency})"))
spread = view.apply(lambda r: f"{compact(r.p10)} to {compact(r.p90)}", axis=1).unstack("owner")
spread = spread.loc[list(ot.MECHANISM_LABELS), list(result.layout.owners)]
spread.index = [ot.MECHANISM_LABELS[m] for m in spread.index]
display(table(spread, caption=f"{best_option}: P10 to P90 of each contribution over trials ({scenario.currency})"))

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.mechanism_contributions(contributions, best_option, currency=scenario.currency)

# %% [markdown]
# ## What would have to be true for another owner to win
#
# For the recommended option and owner against each other owner: the value of each uncertain profile input and coefficient (searched over its P1 to P99, the others keeping their draws) at which the two owners' expected NPVs are equal. An input that cannot reverse the order on its own within its range is not listed; when none can, the maps below show whether two inputs moving together can.

# %% tags=["nbval-check-output"]
for other in result.layout.owners:
    if other != best_owner:
        w = ot.what_would_have_to_be_true(scenario, best_option, best_owner, other, trials=break_even_trials, seed=seed)
        print(w.describe())

# %% [markdown]
# ## Where this organisation sits on the map of best owners
#
# The best owner of the recommended option on a grid of two profile inputs (each over its P1 to P99), the other inputs keeping their draws. The box is this organisation's P10 to P90 of both inputs, the dot its P50: how far the organisation is from a border, and how uncertain its own figures are.

# %% tags=["nbval-check-output"]
map_axes = [
    ("organisation.it_lead_time_weeks", "organisation.change_rate_per_month"),
    ("organisation.approval_days", "mechanisms.co_ownership_uplift"),
]
maps = [ot.owner_map(scenario, best_option, x, y, grid=map_grid, trials=map_trials, seed=seed) for x, y in map_axes]
for m in maps:
    share = {w: float((m.best == w).mean()) for w in m.owners if w in m.winners()}
    print(f"{plots.input_words(m.x_input)} x {plots.input_words(m.y_input)}: best owner on the grid "
          + ", ".join(f"{w} {s:.0%}" for w, s in share.items()))

# %% tags=["nbval-ignore-output"]
ax = plots.owner_map(maps[0])

# %% tags=["nbval-ignore-output"]
ax = plots.owner_map(maps[1])

# %% [markdown]
# ## Which judgement is most worth researching
#
# The expected value of partial perfect information (EVPPI) of each profile input and coefficient for the choice of owner of the recommended option: what knowing it exactly would be worth before choosing the owner, against the value of knowing everything (EVPI). The regression smoother leaves a small positive bias of its own, so values that are a tiny share of EVPI say "not worth researching for this choice". The first row is the value of learning all of them together (a cross-fitted quadratic regression on every input at once): where no single judgement can flip the owner, measuring the organisation as a whole still may.

# %% tags=["nbval-check-output"]
information = ot.ownership_value_of_information(scenario, best_option, trials=trials, seed=seed)
shown = information.rename(columns={"evppi": f"EVPPI ({scenario.currency})", "share_of_evpi": "share of the EVPI"})
table(shown, {f"EVPPI ({scenario.currency})": 'compact', "share of the EVPI": lambda v: f"{v:.2%}"},
      caption=f"{best_option}: value of information for the choice of owner, every input")

# %% [markdown]
# ## The answer comes from the profile
#
# The same scenario under the other shipped profiles (`scenario.replace(organisation={"profile": ...})`, the coefficients unchanged): the best owner of each option, its runner-up and lead (with its paired standard error), and how sure.

# %% tags=["nbval-check-output"]
profiles = [scenario.organisation.profile, *other_profiles]
tables, best_cells = [], {}
for name in profiles:
    s = scenario if name == scenario.organisation.profile else scenario.replace(organisation={"profile": name})
    best_cells[name] = dk.simulate(s, trials=trials, seed=seed).best_cell
    c = ot.owner_choice(s, trials=trials, seed=seed, worlds=worlds, inner=inner).table
    tables.append(c.assign(profile=name).reset_index().set_index(["profile", "option"]))
compare = pd.concat(tables)[["owner", "runner_up", "lead", "lead_se", "too_close", "p_best", "p_best_in_expectation"]]
compare = compare.rename(columns={"runner_up": "runner-up", "lead": f"lead ({scenario.currency})", "lead_se": "± SE",
                                  "too_close": "too close to call", "p_best": "best in trials",
                                  "p_best_in_expectation": "best in expectation"})
display(table(compare, {f"lead ({scenario.currency})": 'compact', "± SE": 'compact',
                        "too close to call": lambda v: "yes" if v else "no", "best in trials": 'percent',
                        "best in expectation": 'percent'},
              caption="The best owner of each option under each organisation profile"))
for name, (o, w) in best_cells.items():
    print(f"{name}: recommended cell {o} owned by {w}")
