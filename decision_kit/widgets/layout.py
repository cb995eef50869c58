"""How the dashboard is laid out: the answer first, the controls beside the results or below them.

What is here:

- :func:`typed_row`: a slider shown with a box to type its value in. The browser clamps a
  value typed into a slider's own readout to the slider's range before Python sees it (a horizon
  typed as 500 arrived as 30, without a word); the box sends what was typed, so the slider's
  range check (:class:`~decision_kit.widgets.controls.FloatSlider`) can say so in the dashboard.
- :func:`preview`: the static HTML a saved notebook shows where widgets do not run.
- :func:`arrange`: the top-level box. The title, the recommendation and its buttons come
  first; under them the results (the summary table, the charts, the saved what-ifs) and the
  controls, side by side where the dashboard is wide and stacked (results first) where it is
  narrow. The widths are decided by the stylesheet (:data:`~decision_kit.widgets.markup.CSS`,
  a container query on the dashboard's own width, so a notebook beside JupyterLab's file
  browser stacks as a narrow window does).
"""

from __future__ import annotations

import base64

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle

from .markup import CSS

_SHARED: dict = {}


def _shared(name: str) -> widgets.Widget:
    """One layout (or style) model for every typed box and row: a saved notebook keeps one
    model per widget, and the dashboard has dozens of sliders."""
    if name not in _SHARED or _SHARED[name].comm is None:  # closed with its kernel's widgets
        _SHARED[name] = {
            "typed": lambda: widgets.Layout(width="76px", flex="0 0 auto"),
            "row": lambda: widgets.Layout(width="100%"),
            "style": lambda: DescriptionStyle(),
        }[name]()
    return _SHARED[name]


def typed_row(slider: widgets.ValueWidget) -> widgets.Box:
    """``slider`` (its own readout hidden) and a box showing its value, where a value can be typed.

    A typed value is given to the slider as it is: within the range it moves the slider, outside
    it the slider keeps the nearest end and reports the refusal (its ``on_refused``). The box then
    shows the slider's value again. The box has the CSS classes ``dk-typed`` and
    ``<slider's dk- class>-typed``.
    """
    slider.readout = False
    kind = widgets.IntText if isinstance(slider.value, int) else widgets.FloatText
    box = kind(value=slider.value, layout=_shared("typed"), style=_shared("style"))
    box.add_class("dk-typed")
    for cls in slider._dom_classes:
        if cls.startswith("dk-") and cls != "dk-control":
            box.add_class(f"{cls}-typed")

    def typed(change):
        slider.value = change["new"]  # the slider's validation keeps it in range (and says so)
        box.value = slider.value

    box.observe(typed, "value")
    slider.observe(lambda change: setattr(box, "value", change["new"]), "value")
    row = widgets.HBox([slider, box], layout=_shared("row"))
    row.add_class("dk-row")
    return row


def shown(widget: widgets.Widget) -> widgets.Widget:
    """What the controls panel shows for ``widget``: a slider with its typed box, else itself."""
    return typed_row(widget) if hasattr(widget, "on_refused") else widget


def arrange(title, answer: list, buttons, sections: dict[str, list], results: list) -> widgets.Box:
    """The dashboard's top-level box (CSS class ``dk-dashboard``): the stylesheet, ``title``,
    the ``answer`` widgets, then the ``results`` and the controls: ``buttons`` over the accordion
    of ``sections`` (title -> widgets, the first open; empty sections are left out)."""
    shown_sections = [(t, ws) for t, ws in sections.items() if ws]
    accordion = widgets.Accordion(
        children=[widgets.VBox(ws) for _, ws in shown_sections],
        titles=[t for t, _ in shown_sections],
        selected_index=0,
    )
    accordion.add_class("dk-controls")
    left = widgets.VBox([buttons, accordion])
    left.add_class("dk-left")
    right = widgets.VBox(results)
    right.add_class("dk-right")
    main = widgets.Box([right, left])  # results first in the page; the stylesheet orders them
    main.add_class("dk-main")
    top = widgets.VBox([widgets.HTML(CSS), title, widgets.VBox(answer), main], layout=widgets.Layout(width="100%"))
    top.add_class("dk-dashboard")
    return top


def preview(title: str, recommendation: str, summary: str, chart_svg: bytes) -> str:
    """A static picture of the dashboard as first shown: the stylesheet, the title, the
    recommendation, the summary table and the first chart (inline SVG as an image), with a note
    that the controls need a running kernel. A saved notebook shows it before Run All, as do
    GitHub and an HTML export, which cannot run widgets."""
    image = base64.b64encode(chart_svg).decode("ascii")
    return (
        f'{CSS}<div class="dk-dashboard dk-preview">'
        f'<div class="dk-title">{title}</div><div class="dk-recommendation">{recommendation}</div>'
        f'<p class="dk-status"><i>A picture of the dashboard as saved: run the notebook (or serve it with '
        f"Voil&agrave;) to move the controls.</i></p>"
        f'<div class="dk-summary">{summary}</div>'
        f'<img alt="cumulative cost" style="max-width: 100%; max-height: 320px"'
        f' src="data:image/svg+xml;base64,{image}">'
        "</div>"
    )
