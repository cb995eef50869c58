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
# # Commit now, or review every year?
#
# For an analyst preparing the decision and a CMO, CIO or CFO reviewing it. Every other figure of the tool is a commit-now decision: the option runs to the horizon whatever happens. Here the organisation keeps the right to stop at each year-end review, and this notebook asks what that right is worth, under which rule, and how often the rule is wrong (issue #14; the method is in `docs/staging.md`).
#
# The trials are the ones `simulate` draws for the same seed: the commit-now NPV of each trial is the one the rest of the tool reports, bit for bit. The rule is fitted on half of the trials and valued on the other half. Money is NPV versus the status quo at the decision date, in the scenario's currency.

# %% tags=["parameters"]
scenario_path = "../scenarios/marketing_automation.yaml"
trials = 8_000
seed = 1

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display

import decision_kit as dk
from decision_kit import plots
from decision_kit.formatting import compact, whole_percent
from decision_kit.staged_decisions import abandonment, reviewed_options

scenario = dk.load_scenario(scenario_path)
result = dk.simulate(scenario, trials=trials, seed=seed)
best_option, best_owner = result.best_cell
cur = scenario.currency
print(f"{scenario.name}: {trials:,} trials, {scenario.horizon_years} years at {scenario.discount_rate:.1%}")
print(result.recommendation())
print(f"Options with a yearly stop review: {', '.join(reviewed_options(scenario))}")


def show(styler, uuid):
    """A styled table as HTML, with a fixed id so that the stored output is the same on every run."""
    display(HTML(styler.set_uuid(uuid).to_html()))


# %% [markdown]
# ## What the review is, and what it may see
#
# At the end of each year the organisation may stop the option. A stop does not end it at once: the option runs on through the contract years still due (licences are paid and the tool keeps delivering until the contract ends), pays the exit cost in that last year, and from the next year on the organisation is back at the status quo. A review whose contract years reach the horizon changes nothing and is not offered.
#
# The rule may use, at each review, only what the organisation would know then: the benefit **measured** in the year (the true one times a lognormal error, plus an additive error: what a zero benefit can measure as), the cost paid in the year (invoices, exact), whether the option is live, and whether a delivery failure has been seen. A delivery failure is the benefit-realisation prior's atom at zero (20% of its mass), seen some months after go-live. The rule never sees the latent inputs (how well the project realises its benefit, how the market responds).
#
# Each option states its review under `flexibility: abandon` in the scenario, with its reasons:

# %% tags=["nbval-check-output"]
def as_written(d):
    """A distribution as the scenario writes it, money and months to three significant digits."""
    fields = {k: v for k, v in d.model_dump().items() if k not in ("source", "dist", "lamb")}
    return f"{d.dist} " + ", ".join(f"{k} {compact(v)}" for k, v in fields.items())


reviews = {}
for o in reviewed_options(scenario):
    ab = scenario.options[o].flexibility.abandon
    reviews[o] = {
        "review": ab.review,
        f"exit cost ({cur}, paid in the last year)": as_written(ab.exit_cost),
        "contract years still due after a stop": ab.commitment_years,
        "failure seen after go-live (months)": as_written(ab.failure_seen_after_months),
        "measured benefit: lognormal error (sigma)": f"{ab.benefit_noise:g}",
        f"measured benefit: additive error ({cur} a year, sd)": compact(ab.benefit_noise_floor),
        "source": " ".join(str(ab.source or "none stated").split()),
    }
review_table = pd.DataFrame(reviews)
show(review_table.style.set_caption("The yearly stop review of each option, as the scenario states it")
     .set_properties(**{"text-align": "left", "vertical-align": "top"}), "reviews")

# %% [markdown]
# ## Commit now or review: every option under every owner
#
# *Commit now* and *with the review* are the expected NPV on the valued trials. *Value of the review* is their difference, paired per trial, with its standard error; it is the out-of-sample value, biased low (the rule is judged on trials it was not fitted on). *In sample* is the same on the fit trials, biased high. The two biases hold in expectation: on one run the two figures can cross by a standard error or so. *Stops* is the share of trials the rule stops at some review. The two regrets are hindsight on each trial: stopped although carrying on would have paid more, and never stopped although stopping at some review would have paid more. The row of the recommended owner is in bold. *Commit now* is the mean of the valued half of the trials, so it differs from the recommendation's figure (all trials) by sampling error.

# %% tags=["nbval-check-output"]
staged = abandonment(scenario, trials=trials, seed=seed)
t = staged.table
columns = {
    "commit_npv": "commit now",
    "staged_npv": "with the review",
    "flexibility": "value of the review",
    "flexibility_se": "± SE",
    "flexibility_in_sample": "in sample (biased high)",
    "p_stop": "stops",
    "p_stop_regret": "stopped, carrying on paid more",
    "p_carry_on_regret": "carried on, stopping paid more",
}
view = t[list(columns)].rename(columns=columns)
money_columns = ["commit now", "with the review", "value of the review", "± SE", "in sample (biased high)"]
def signed(v):
    """Money with its sign, as the value of the review is written elsewhere: '+89.0k', '-4.1k'."""
    return ("+" if v > 0 else "") + compact(v)


styled = (
    view.style.format(compact, subset=money_columns)
    .format(signed, subset=["value of the review", "in sample (biased high)"])
    .format(whole_percent, subset=["stops", "stopped, carrying on paid more", "carried on, stopping paid more"])
    .apply(lambda r: ["font-weight: bold" if r.name[1] == best_owner else "" for _ in r], axis=1)
    .set_caption(f"Commit now or review every year ({staged.trials:,} trials, the rule fitted on half and "
                 f"valued on the other half; NPV versus the status quo, {cur})")
)
show(styled, "staged")

# %% [markdown]
# Is the review worth something, or could its value be Monte Carlo noise? One sentence per option, for the recommended owner, and a count over the owners. "Significant" means more than two standard errors from zero.

# %% tags=["nbval-check-output"]
for o in dict.fromkeys(t.index.get_level_values("option")):
    r = t.loc[(o, best_owner)]
    value = f"{signed(r.flexibility)} ± {compact(r.flexibility_se)} {cur}"
    verdict = ("more than two standard errors from zero: significant" if r.significant
               else "within two standard errors of zero: not distinguishable from Monte Carlo noise")
    n_sig = int(t.loc[o, "significant"].sum())
    print(f"{o} under {best_owner}: the review is worth {value} out of sample (in sample "
          f"{signed(r.flexibility_in_sample)}), {verdict}; significant under {n_sig} of {len(t.loc[o])} owners.")

# %% [markdown]
# ## The rule, in business units
#
# For the recommended option under its best owner with the review: the rule fitted on the trials, review by review, for a live option with the year's cost at its median. The chart shows the same over time: the measured benefit below which a live option with no failure seen is stopped (the line, absent where no benefit threshold applies), and the share of trials stopped at each review (the bars).

# %% tags=["nbval-check-output"]
# the recommended option, or the first reviewed one if the recommended option states no review (as the memo does)
option = best_option if best_option in t.index.get_level_values("option") else str(t.index[0][0])
rule_owner = str(t.loc[option, "staged_npv"].idxmax())
r = t.loc[(option, rule_owner)]
print(f"{option} under {rule_owner} (the best owner of {option} with the review): "
      f"{whole_percent(r.p_failure)} of deliveries fail; the review stops {whole_percent(r.p_stop)} of trials.")
for line in staged.rule_words(option, rule_owner):
    print(f"  {line}")

# %% tags=["nbval-ignore-output"]
# %matplotlib inline
ax = plots.stop_boundary(staged, option, rule_owner)

# %% [markdown]
# ## The value of the review differs by owner
#
# Owners differ in when the option goes live and how much of its benefit it realises, so what a review can see by a given year-end, and what stopping saves, differ too. The value of the review of the recommended option per owner, with two standard errors either side:

# %% tags=["nbval-check-output"]
by_owner = t.loc[option, ["flexibility", "flexibility_se", "p_stop", "significant"]]
show(by_owner.rename(columns={"flexibility": "value of the review", "flexibility_se": "± SE", "p_stop": "stops"}).style
     .format(signed, subset=["value of the review"]).format(compact, subset=["± SE"])
     .format(whole_percent, subset=["stops"])
     .set_caption(f"Value of the review of {option} by owner ({cur}, out of sample)"), "owners")

# %% tags=["nbval-ignore-output"]
owners = list(by_owner.index)
colours = plots.owner_colours(owners)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.bar(owners, by_owner["flexibility"], yerr=2 * by_owner["flexibility_se"], capsize=6,
       color=[colours[w] for w in owners])
ax.axhline(0, color="black", linewidth=0.8)
ax.yaxis.set_major_formatter(plots.money_formatter(cur))
ax.set_ylabel(f"value of the review ({cur}, NPV)")
ax.set_title(f"Value of the yearly review of {option} by owner (± 2 standard errors, out of sample)")
ax.spines[["top", "right"]].set_visible(False)

# %% [markdown]
# ## What carries the value, and what not to read into it
#
# The figures behind the reading below, for the recommended option under each owner: how many deliveries fail, how many trials the first review stops, and how much of the stopping happens there; then what the rules look at, and whether the review changes the best cell.

# %% tags=["nbval-check-output"]
first = staged.reviews.xs(1, level="year").loc[option, "p_stop"]
carry = pd.DataFrame({
    "deliveries that fail": t.loc[option, "p_failure"],
    "stopped at the first review": first,
    "stopped at any review": t.loc[option, "p_stop"],
})
carry["share of stops at the first review"] = carry["stopped at the first review"] / carry["stopped at any review"]
show(carry.style.format(whole_percent)
     .set_caption(f"{option}: where the stops happen (shares of the valued trials)"), "carry")
rv = staged.reviews.loc[option]
offered = ~rv["rule"].str.startswith("no review")
print(f"Reviews of {option} (owner x year-end) that can change anything: {int(offered.sum())}; "
      f"stop if a failure has been seen: {int(rv.loc[offered, 'stop_if_failure_seen'].sum())}; "
      f"with a benefit threshold as well: {int(rv.loc[offered, 'stop_below'].notna().sum())}.")
commit_best, staged_best = t["commit_npv"].idxmax(), t["staged_npv"].idxmax()
print(f"Best cell on the valued trials: committing now {'/'.join(commit_best)} ({compact(t['commit_npv'].max())} {cur}), "
      f"with the review {'/'.join(staged_best)} ({compact(t['staged_npv'].max())} {cur}).")

# %% [markdown]
# **What carries the value.** In marketing automation almost all of the review's value is stopping the deliveries that fail (the 20% of the realisation prior at zero), once the failure is seen: mostly at the first review, and for the owners who go live later (central IT, a shared pot, new embedded specialists) more of it at the second. A stop then saves the remaining years of licences and running costs, less the contract year still due and the exit cost. The measured benefit matters little: every rule stops where a failure has been seen; for the recommended owner that is the whole rule, and where a benefit threshold appears as well (the slower owners, later reviews) it adds few stops, since the rule stops only a few points more of the trials than fail. A yearly benefit measured with a 30% lognormal error and a 90k floor tells the review little that the failure itself does not. Embedded gains most from the review: it carries the largest spread of outcomes. The review adds to every cell, most to embedded, but not enough to change which cell is best (the last line above).
#
# **Caveats** (`docs/staging.md`):
#
# - *The horizon artefact in long scenarios.* The model counts nothing after the horizon. In a long scenario with no terminal value (the ten-year analytics stack, `terminal_value: none`) a late review weighs only a year or two of benefit against the running cost, so the rule stops often late in the horizon, and part of the review's value there is the horizon's, not the project's; a terminal value would shrink it. Marketing automation's five-year horizon makes this small here, but read the value of the review of a long scenario with it in mind.
# - *Judgement inputs.* The review's own inputs (exit cost, contract years still due, when a failure becomes visible, how noisily benefit is measured) are judgements (grade J), stated with their reasons in `source:` above. They are drawn on a stream of their own, apart from `simulate`, so they are not in the tornado, the Sobol indices or the value of information: how much the review is worth is only as good as those judgements.
# - *Estimates, not truths.* The out-of-sample value is biased low and the in-sample value high; the standard error is the Monte Carlo error of the valued half only. The rule is fitted, not chosen by the organisation: a real review that stops less readily than the fitted rule, or later, is worth less.
# - *Judgement inputs, measured.* The last section shows how much the review's value (and a pilot's) moves with each of those judgement inputs.
# - *Elsewhere*: waiting and then choosing among several options (`flexibility: defer` with `choose_among`, in `decision-kit stages`; the customer data platform states one) and switching vendor after an acquisition (with double running, a new vendor's price and the roadmap loss it restores) are in `docs/staging.md`. The dashboard values the reviews and pilots on demand (its "commit now or stage it" panel). *Not built yet* (#14): learning prices or acquisitions during a wait.

# %% [markdown]
# ## Beyond the review: a pilot first, with the review kept once scaled
#
# An option may state a pilot (`flexibility: pilot`): it runs on a share of contacts for some months, its benefit is measured, then it is scaled (the whole option, that many months later) or stopped. When the option also states the review, a scaled option keeps it. *Value of the pilot* is piloted minus commit-now NPV, paired, net of the pilot's cost and its delay; *with the reviews* the same when the scaled option is reviewed every year; *the reviews add* is the difference of the two, paired (so its standard error is small).

# %% tags=["nbval-check-output"]
from decision_kit.staged_pilot import pilots
from decision_kit.tables import table

if option in reviewed_options(scenario, "pilot"):
    piloted = pilots(scenario, trials=trials, seed=seed, options=[option])
    p_cols = {"commit_npv": "commit now", "value": "value of the pilot", "value_se": "± SE", "p_stop": "stops",
              "value_with_reviews": "with the reviews", "reviews_add": "the reviews add", "reviews_add_se": "± SE "}
    p_view = piloted.table.loc[option][list(p_cols)].rename(columns=p_cols)
    display(table(p_view, {"commit now": "compact", "value of the pilot": signed, "± SE": "compact",
                           "stops": "percent", "with the reviews": signed, "the reviews add": signed,
                           "± SE ": "compact"},
                  caption=f"{option}: commit now or pilot first ({trials:,} trials, {cur})",
                  bold_rows=[best_owner]))
    print(f"{option} under {rule_owner}: {piloted.rule_words(option, rule_owner)}.")
else:
    print(f"{option} states no pilot.")

# %% [markdown]
# ### How long, and on how many: the pilot-design curve
#
# The pilot's value net of its cost and its delay for other lengths and scales, on the same trials and measurement errors (so the differences between designs are the design's, not noise). A longer pilot measures better and sees more failures, but delays the benefit of every delivery; a larger one measures better but costs more.

# %% tags=["nbval-ignore-output"]
from decision_kit.staged_pilot import pilot_design

if option in reviewed_options(scenario, "pilot"):
    design = pilot_design(scenario, option, rule_owner, trials=min(trials, 4_000), seed=seed)
    best_design = design["value"].idxmax()
    print(f"best design: {best_design[1]:g} months on {best_design[0]:.0%}, worth {compact(design['value'].max())} {cur}")
    ax = plots.pilot_design(design, cur)

# %% [markdown]
# ## What the value of the review depends on: its own inputs
#
# The review's inputs are drawn apart from `simulate`, so the main tornado and the value of information do not see them. Here each of them moves on its own, the others as stated, on the same trials and the review's other draws: a drawn input (exit cost, months until a failure shows) to its P10 and P90, a measurement error to half and twice its stated value (a judgement range).

# %% tags=["nbval-check-output"]
from decision_kit.staged_flows import stage_tornado

tornado = stage_tornado(abandonment, scenario, option, rule_owner, "abandon", trials=min(trials, 4_000), seed=seed)
display(table(tornado.set_index("input")[["low", "high", "value_at_low", "value_at_high", "swing"]],
              {"low": "compact", "high": "compact", "value_at_low": "compact", "value_at_high": "compact",
               "swing": "compact"},
              caption=f"The value of the review of {option} under {rule_owner} "
                      f"({compact(tornado.value_as_stated.iloc[0])} {cur} as stated) with each of its inputs low and high"))
