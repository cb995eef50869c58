"""Write notebooks/dashboard.ipynb, the planning-session dashboard (Voilà-ready).

    .venv/bin/python tools/make_dashboard_notebook.py              # source cells only
    timeout 300 .venv/bin/python tools/make_dashboard_notebook.py --execute   # and store outputs

``--execute`` runs it with nbclient (120 s per cell; nbclient can stall on widget cells, see
JUPYTER_NOTES.md, hence the outer ``timeout``) in the notebooks folder, so the committed
notebook shows the dashboard as last run. Serve it with
``voila notebooks/dashboard.ipynb``; batch runs pass ``interactive=False`` (papermill) to skip
building the widgets.
"""
import sys
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "dashboard.ipynb"

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    code('scenario_path = "../scenarios/analytics_stack.yaml"\n'
         "interactive = True  # False skips building the dashboard (batch runs)",
         metadata={"tags": ["parameters"]}),
    code("# NBVAL_IGNORE_OUTPUT\n"
         "from decision_kit.widgets import Dashboard\n\n"
         "dashboard = Dashboard.from_file(scenario_path) if interactive else None\n"
         "dashboard"),
    md("**How to use it.** Move a control on the left: the recommendation, the summary and the "
       "visible chart update at a reduced trial count; **Refine** reruns at 20,000 trials. "
       "**Save what-if** writes the adjusted scenario as a new file next to the original (which is "
       "never touched) and adds it to the comparison table. Every change is kept in the decision "
       "record (`dashboard.record_frame()`, `dashboard.export_record(path)`, or the export button). "
       "Serve this notebook as a web app with `voila notebooks/dashboard.ipynb`."),
]
nb = nbf.v4.new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}


def main(argv: list[str]) -> None:
    nbf.write(nb, NOTEBOOK)
    if "--execute" in argv:
        from nbclient import NotebookClient

        run = nbf.read(NOTEBOOK, as_version=4)
        NotebookClient(run, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
        nbf.write(run, NOTEBOOK)


if __name__ == "__main__":
    main(sys.argv[1:])
