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

# %% tags=["parameters"]
scenario_path = "../scenarios/analytics_stack.yaml"
interactive = True  # False skips building the dashboard (batch runs)

# %% tags=["nbval-ignore-output"]
from decision_kit.widgets import Dashboard

dashboard = Dashboard.from_file(scenario_path) if interactive else None
dashboard

# %% [markdown]
# **How to use it.** Move a control, or type a value in the box beside a slider: the recommendation, the summary and the visible chart update at a reduced trial count; **Refine** reruns at 20,000 trials. **Save what-if** writes the adjusted scenario as a new file in `out/` (never next to the original, which is never touched) and adds it to the comparison table. Every change is kept in the decision record (`dashboard.record_frame()`, `dashboard.export_record(path)`, or the export button). Serve this notebook as a web app with `voila notebooks/dashboard.ipynb`.
