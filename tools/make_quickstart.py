"""Write notebooks/quickstart.ipynb (source cells only; execute it afterwards to store outputs)."""
import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("# Quickstart: build, buy or hybrid, and who should own it\n\n"
       "Load a shipped scenario, simulate every option under every ownership model, read the "
       "summary and the recommendation, and look at cumulative cost over time.\n\n"
       "Every number below comes from `scenarios/marketing_automation.yaml`: open it to see each "
       "assumption with its uncertainty and its source."),
    code('scenario_path = "../scenarios/marketing_automation.yaml"\ntrials = 20_000\nseed = 1',
         metadata={"tags": ["parameters"]}),
    code("import decision_kit as dk\n\nscenario = dk.load_scenario(scenario_path)\n"
         "print(scenario.name, '-', len(scenario.options), 'options x', len(scenario.owners), 'owners,',\n"
         "      scenario.horizon_years, 'years at', f'{scenario.discount_rate:.0%}')"),
    md("## Simulate\n\nThe same seed gives the same numbers on every run."),
    code("result = dk.simulate(scenario, trials=trials, seed=seed)\nprint(result.recommendation())"),
    md("## The option x owner summary\n\nNPV and TCO in thousands of the scenario's currency; "
       "`p_best` is the chance a cell has the highest NPV, `p_loss` the chance of a negative NPV."),
    code("# NBVAL_CHECK_OUTPUT\nsummary = result.summary()\n"
         "cols = ['npv_mean', 'npv_p10', 'npv_p90', 'tco_mean', 'p_loss', 'p_best']\n"
         "table = summary[cols].copy()\n"
         "table[['npv_mean', 'npv_p10', 'npv_p90', 'tco_mean']] = (table[['npv_mean', 'npv_p10', 'npv_p90', 'tco_mean']] / 1e3).round(0)\n"
         "print(table.round(2).to_string())"),
    md("## The base case, line by line\n\nEvery input at its median (risk events do not occur in the base case). "
       "This is the table to check against a spreadsheet."),
    code("# NBVAL_CHECK_OUTPUT\nbest_option, best_owner = summary['npv_mean'].idxmax()\n"
         "base = dk.base_case(scenario, option=best_option, owner=best_owner)\nprint(base.round(0).to_string())"),
    md("## Cumulative cost over time\n\nMean line with a P10-P90 band, under the recommended owner."),
    code("# NBVAL_IGNORE_OUTPUT\n%matplotlib inline\nfrom decision_kit import plots\n\nax = plots.cumulative_cost(result)"),
]
nb = nbf.v4.new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/quickstart.ipynb")

if __name__ == "__main__":
    import sys

    if "--execute" in sys.argv:
        from nbclient import NotebookClient

        nb = nbf.read("notebooks/quickstart.ipynb", as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
        nbf.write(nb, "notebooks/quickstart.ipynb")
