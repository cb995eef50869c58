"""Write the story notebooks in notebooks/ from source, then (with --execute) run them so they
are committed with outputs. nbval re-executes them in the test suite; cells marked
``# NBVAL_CHECK_OUTPUT`` must reproduce their stored numbers.

    .venv/bin/python tools/make_notebooks.py --execute
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
NB = Path(__file__).resolve().parents[1] / "notebooks"


def params(text: str):
    return code(text, metadata={"tags": ["parameters"]})


def money_table(expr: str, cols: str) -> str:
    return (f"table = {expr}[{cols}].copy()\n"
            "money = [c for c in table.columns if not c.startswith(('p_', 'payback', 'launch'))]\n"
            "table[money] = (table[money] / 1e3).round(0)\n"
            "print(table.round(2).to_string())")


NOTEBOOKS = {
    "build_vs_buy": [
        md("# Build, buy or hybrid: the hidden costs made visible\n\n"
           "Vendor demos show the licence. This notebook shows everything else: integration, "
           "customisation, upgrades, security work, support, staff, exit — year by year — and how "
           "uncertain each option's total cost of ownership is. Scenario: a marketing automation "
           "platform (`scenarios/marketing_automation.yaml`)."),
        params('scenario_path = "../scenarios/marketing_automation.yaml"\nowner = "shared"\ntrials = 20_000\nseed = 1'),
        code("import decision_kit as dk\nfrom decision_kit import plots\n\n"
             "scenario = dk.load_scenario(scenario_path)\nresult = dk.simulate(scenario, trials=trials, seed=seed)"),
        md("## Total cost of ownership by category (mean over trials, thousands)\n\n"
           "The licence is only part of it. Categories sum to the total; `risk` is the expected cost of "
           "risk events (incidents, forced migrations), `governance` the ownership model's overhead."),
        code("# NBVAL_CHECK_OUTPUT\nbreakdown = result.breakdown().xs(owner, level='owner')\n"
             "by_category = (breakdown.sum(axis=1).unstack('flow') / 1e3).round(0)\n"
             "costs = [c for c in result.layout.cost_rows if c in by_category.columns]\n"
             "by_category = by_category[costs]\nby_category['total'] = by_category.sum(axis=1)\n"
             "print(by_category.to_string())"),
        md("## Share of five-year cost that is *not* licence"),
        code("# NBVAL_CHECK_OUTPUT\nhidden = 1 - by_category['license'] / by_category['total']\nprint(hidden.map('{:.0%}'.format).to_string())"),
        md("## How uncertain is each option's cost?\n\nP10, median and P90 of the present value of cost; a build's "
           "fat right tail comes from the IT cost-overrun prior (Flyvbjerg & Budzier 2011)."),
        code("# NBVAL_CHECK_OUTPUT\nimport numpy as np\nwi = result.layout.owners.index(owner)\n"
             "pv = result.metrics['pv_cost'][:, :, wi].astype(float)\n"
             "for oi, o in enumerate(result.layout.options):\n"
             "    p10, p50, p90 = np.percentile(pv[:, oi], [10, 50, 90]) / 1e3\n"
             "    print(f'{o:8s} P10 {p10:7.0f}k  P50 {p50:7.0f}k  P90 {p90:7.0f}k  (P90/P50 {p90 / p50:.2f})')"),
        md("## Cumulative cost over time"),
        code("# NBVAL_IGNORE_OUTPUT\n%matplotlib inline\nax = plots.cumulative_cost(result, owner=owner)"),
        md("## Does one option's cumulative cost ever overtake another's?\n\n"
           "The first year the mean cumulative cost of the first option exceeds the second's "
           "(None: not within the horizon, in either the first or the second order)."),
        code("# NBVAL_CHECK_OUTPUT\nfrom itertools import permutations\nfrom decision_kit.sensitivity import crossover_year\n"
             "for a, b in permutations(result.layout.options, 2):\n"
             "    print(f'{a} overtakes {b}:', crossover_year(result, (a, owner), (b, owner)))"),
    ],
    "who_owns_the_budget": [
        md("# Who should own the budget?\n\n"
           "Every option is evaluated under five ownership models: marketing, IT, shared, IT embedded in "
           "marketing, and marketing going around IT (shadow). Each shifts time to launch, integration "
           "cost, incident risk, governance overhead and benefit realisation (shipped priors, "
           "`decision_kit.PRIORS.ownership`, with sources; most shifts are judgement calls, grade J)."),
        params('scenario_path = "../scenarios/marketing_automation.yaml"\ntrials = 20_000\nseed = 1'),
        code("import decision_kit as dk\nfrom decision_kit import plots\n\n"
             "scenario = dk.load_scenario(scenario_path)\nresult = dk.simulate(scenario, trials=trials, seed=seed)\n"
             "print(result.recommendation())"),
        md("## The ownership shifts in force"),
        code("# NBVAL_CHECK_OUTPUT\nimport pandas as pd\n"
             "shifts = pd.DataFrame({w: scenario.owner_shifts(w).model_dump(exclude={'source'}) for w in result.layout.owners})\n"
             "print(shifts.round(3).to_string())"),
        md("## The option x owner grid\n\nExpected NPV and its P10 (thousands), chance of a loss, chance of being best, "
           "median months to launch."),
        code("# NBVAL_CHECK_OUTPUT\nsummary = result.summary()\n" + money_table("summary", "['npv_mean', 'npv_p10', 'p_loss', 'p_best', 'launch_months_p50']")),
        md("## Probability each cell is best"),
        code("# NBVAL_IGNORE_OUTPUT\n%matplotlib inline\nax = plots.probability_best(result)"),
        md("## Who pays? Mean cost per year by budget holder (thousands)\n\nBenefits are credited to marketing."),
        code("# NBVAL_CHECK_OUTPUT\nledger = result.ledger()\nbest_option, best_owner = summary['npv_mean'].idxmax()\n"
             "view = ledger[(ledger.option == best_option)].pivot_table(index='owner', columns='year', values=['marketing_pays', 'it_pays'])\n"
             "print((view / 1e3).round(0).to_string())"),
    ],
    "risk_and_sensitivity": [
        md("# Risk and sensitivity: what drives the answer, and what is worth finding out first\n\n"
           "Tornado (one input at a time), global Sobol indices (all inputs together), and the value of "
           "information: how much it would be worth to know an input before committing — the ceiling on "
           "what a pilot or a vendor reference call is worth."),
        params('scenario_path = "../scenarios/marketing_automation.yaml"\ntrials = 20_000\nseed = 1\nsobol_n = 4096'),
        code("import decision_kit as dk\nfrom decision_kit import plots, sensitivity, voi\n\n"
             "scenario = dk.load_scenario(scenario_path)\nresult = dk.simulate(scenario, trials=trials, seed=seed)\n"
             "best_option, best_owner = result.summary()['npv_mean'].idxmax()\nprint(best_option, best_owner)"),
        md("## Tornado for the best cell: NPV with each input at its P10 and P90"),
        code("# NBVAL_CHECK_OUTPUT\nt = sensitivity.tornado(scenario, option=best_option, owner=best_owner)\n"
             "df = t.to_frame().head(8)[['input', 'metric_at_low', 'metric_at_high', 'swing']]\n"
             "df[['metric_at_low', 'metric_at_high', 'swing']] = (df[['metric_at_low', 'metric_at_high', 'swing']] / 1e3).round(0)\n"
             "print(df.to_string(index=False))"),
        code("# NBVAL_IGNORE_OUTPUT\n%matplotlib inline\nax = plots.tornado(t)"),
        md("## Global sensitivity (Sobol first and total indices)"),
        code("# NBVAL_CHECK_OUTPUT\nsi = sensitivity.sobol_scenario(scenario, option=best_option, owner=best_owner, n=sobol_n, seed=seed)\n"
             "print(si.to_frame().head(6)[['input', 'first', 'total']].round(2).to_string(index=False))"),
        code("# NBVAL_IGNORE_OUTPUT\nax = plots.sobol_bars(si)"),
        md("## Value of information"),
        code("# NBVAL_CHECK_OUTPUT\ne = voi.evpi(result)\nprint(e.describe())\n"
             "ev = voi.evppi(result).to_frame().head(6)\nev['evppi'] = (ev['evppi'] / 1e3).round(0)\n"
             "print(ev.round(2).to_string(index=False))"),
        md("## Break-even: at what contact volume would hybrid beat buy?\n\n"
           "Expected NPV of the two cells as the year-1 contact count varies (common random numbers)."),
        code("# NBVAL_CHECK_OUTPUT\ntry:\n"
             "    be = sensitivity.break_even(scenario, 'drivers.contacts.start', ('hybrid', best_owner), ('buy', best_owner),\n"
             "                                bounds=(50_000, 2_000_000), trials=trials, seed=seed)\n"
             "    print(be.describe())\n"
             "except dk.ScenarioError as exc:\n"
             "    print(exc)"),
    ],
    "defining_success": [
        md("# Defining success together: what the CMO and the CIO each weigh\n\n"
           "Criteria computed by the simulation (expected NPV, P10 NPV, time to launch, probability of "
           "loss, security risk) and judged in the scenario file (architecture fit, customer experience, "
           "data governance). The CMO gives weights directly; the CIO by AHP pairwise comparisons."),
        params('scenario_path = "../scenarios/marketing_automation.yaml"\ntrials = 20_000\nseed = 1'),
        code("import decision_kit as dk\nfrom decision_kit import mcda, plots\n\n"
             "scenario = dk.load_scenario(scenario_path)\nresult = dk.simulate(scenario, trials=trials, seed=seed)"),
        md("## Weights per stakeholder (AHP weights and consistency ratio for the CIO)"),
        code("# NBVAL_CHECK_OUTPUT\nsw = mcda.stakeholder_weights(scenario, aggregation='arithmetic')\n"
             "print(sw.to_frame().round(3).to_string())\nfor who, a in sw.ahp.items():\n"
             "    print(f'{who}: consistency ratio {a.cr:.3f}', 'consistent' if a.consistent else 'INCONSISTENT')"),
        code("# NBVAL_IGNORE_OUTPUT\n%matplotlib inline\nax = plots.stakeholder_weights(sw)"),
        md("## Rankings side by side (TOPSIS)"),
        code("# NBVAL_CHECK_OUTPUT\nview = mcda.stakeholder_view(result, aggregation='arithmetic')\nprint(view.summary())"),
        md("## Rank acceptability: the chance each cell ranks first under each stakeholder's weights"),
        code("# NBVAL_CHECK_OUTPUT\nra = mcda.rank_acceptability(result, aggregation='arithmetic')\nprint(ra.to_frame().round(2).head(8).to_string())"),
        md("## What would change the CMO's mind? Smallest weight change that flips the top choice"),
        code("# NBVAL_CHECK_OUTPUT\nflip = mcda.flip_analysis(result, 'CMO')\nprint(flip.to_frame().round(3).head(6).to_string())"),
    ],
    "budget_allocation": [
        md("# Splitting the digital budget across initiatives and owners\n\n"
           "Each initiative has a saturating spend-response curve with uncertain parameters, an owner, "
           "bounds and sometimes a prerequisite. The optimiser (exact water-filling on equal marginal "
           "value, scipy for the general case) splits the budget; the frontier shows value against "
           "budget; the control split shows what it costs when marketing and IT each optimise only "
           "their own share. Portfolio: `scenarios/digital_budget_2027.yaml`."),
        params('portfolio_path = "../scenarios/digital_budget_2027.yaml"\ntrials = 2000\nseed = 0'),
        code("import numpy as np\nimport decision_kit as dk\nfrom decision_kit import allocation, plots\n\n"
             "portfolio = dk.load_portfolio(portfolio_path)\nprint(portfolio.name, '-', len(portfolio.initiatives), 'initiatives; budgets', portfolio.budget)"),
        md("## The optimal allocation for the first plan year\n\n`marginal_value`: expected value of one more unit spent on that initiative."),
        code("# NBVAL_CHECK_OUTPUT\nalloc = allocation.optimize(portfolio, trials=trials, seed=seed)\n"
             "print(alloc.to_frame().round(3).to_string())\n"
             "print(f'value {alloc.value_mean:,.0f} per year (P10 {alloc.value_p10:,.0f}); next unit of budget worth {alloc.marginal_value:.3f}')"),
        code("# NBVAL_IGNORE_OUTPUT\n%matplotlib inline\nax = plots.allocation_bars(alloc)"),
        md("## Efficient frontier\n\nThe portfolio's owner budgets stay in force along the frontier, so value stops rising once every owner's budget binds."),
        code("# NBVAL_CHECK_OUTPUT\nbudgets = np.linspace(1.0e6, 8.0e6, 8)\nfr = allocation.frontier(portfolio, budgets, trials=trials, seed=seed)\n"
             "print((fr.to_frame().reset_index()[['budget', 'value_mean', 'value_p10', 'marginal_value']]).round(3).to_string(index=False))"),
        code("# NBVAL_IGNORE_OUTPUT\nax = plots.frontier(fr)"),
        md("## Who controls the money? Value lost when each side optimises only its own initiatives"),
        code("# NBVAL_CHECK_OUTPUT\nsplit = allocation.control_split(portfolio, trials=trials, seed=seed)\n"
             "print(split.to_frame().round(3).to_string())"),
        md("## Multi-year phasing with carry-over"),
        code("# NBVAL_CHECK_OUTPUT\nph = allocation.phase(portfolio, trials=trials, seed=seed)\nprint(ph.to_frame().round(0).to_string())"),
    ],
}


def write(name: str, cells) -> Path:
    nb = nbf.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = NB / f"{name}.ipynb"
    nbf.write(nb, path)
    return path


def execute(path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbf.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NB)}}).execute()
    nbf.write(nb, path)


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("--")] or list(NOTEBOOKS)
    for name in names:
        p = write(name, NOTEBOOKS[name])
        if "--execute" in sys.argv:
            execute(p)
        print("wrote", p)
