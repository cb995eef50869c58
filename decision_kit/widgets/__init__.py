"""The planning-session dashboard: ipywidgets controls wired to the model and the plots.

A :class:`Dashboard` is built from a scenario. Each control names one model input (horizon,
discount rate, a driver's start level or growth, an option's launch delay, an option's largest
recurring cost line, the organisation profile and scale factors on its figures when the
scenario states one, the risk tolerance, a stakeholder's criterion weight) or one view (whose
ownership model the charts show, whose weights the sliders show). A change:

1. builds a new scenario from the original and every control's value, validated like a file
   (an invalid value becomes a message in the ``dk-error`` box, never a traceback);
2. simulates it at the interactive trial count with the dashboard's seed, so every update
   uses the same random numbers and moves the answer only through the input that changed,
   reusing what the change left valid (``runs``): inputs that the simulation never reads, the
   risk tolerance and the weights, reuse the current simulation; a new discount rate reuses
   the compiled plan and the draws; every result equals a fresh simulation bit for bit;
3. redraws the recommendation, the stakeholders' first choices, the summary table and the
   chart on the visible tab (a chart on a hidden tab is redrawn when its tab is opened).

"Refine" reruns the current scenario at the full trial count. "Save what-if" writes the
adjusted scenario to the working folder (``out/`` unless told otherwise; never next to the
original, never overwriting) and adds it to the comparison table. Every change is kept in a
decision record (:meth:`Dashboard.record_frame`, :meth:`Dashboard.export_record`), exported
to the same folder.

Conventions: sliders do not recompute while dragged (``continuous_update=False``); scale
factors multiply every parameter of a distribution (its median scales by the factor); a growth
shift adds percentage points to every location parameter of the growth distribution. Each
control and output carries a stable CSS class (``dk-<name>``, see :attr:`Dashboard.controls`)
for browser tests and styling. Figures are drawn by matplotlib into kept figures and shown as
SVG in Image widgets. ipywidgets and matplotlib are imported here only.

The package holds (submodule in brackets): :class:`Dashboard` itself (``dashboard``); the
controls' records and the scenario edits they make, :func:`scaled`, :func:`shifted` and
:func:`key_cost_line` (``controls``); the organisation section,
:func:`~decision_kit.widgets.organisation.add_organisation_controls`
(``organisation``); the trial counts :data:`REFINE_TRIALS`,
:data:`INTERACTIVE_BUDGET` and :func:`default_interactive_trials`, and the working folder
:data:`DEFAULT_SAVE_DIR` (``session``); the
simulations between updates (``runs``); the kept figures of the charts (``charts``); the
stylesheet and the HTML pieces of the tables and the decision record (``markup``); the layout
and the sliders' boxes to type values in (``layout``). The simulations' tables are kept by the
:class:`~decision_kit.results.Result` itself.
"""

from .controls import key_cost_line, scaled, shifted
from .dashboard import Dashboard
from .session import DEFAULT_SAVE_DIR, INTERACTIVE_BUDGET, REFINE_TRIALS, default_interactive_trials

__all__ = [
    "Dashboard",
    "DEFAULT_SAVE_DIR",
    "REFINE_TRIALS",
    "INTERACTIVE_BUDGET",
    "default_interactive_trials",
    "key_cost_line",
    "scaled",
    "shifted",
]
