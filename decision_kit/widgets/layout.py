"""How the dashboard is laid out: the answer first, the controls beside the results or below them.

What is here:

- :func:`typed_row`: a slider shown with a box to type its value in. The browser clamps a
  value typed into a slider's own readout to the slider's range before Python sees it (a horizon
  typed as 500 arrived as 30, without a word); the box sends what was typed, so the slider's
  range check (:class:`~decision_kit.widgets.controls.FloatSlider`) can say so in the dashboard.
- :func:`arrange`: the top-level box. The title, the recommendation and its buttons come
  first; under them the results (the summary table, the charts, the saved what-ifs) and the
  controls, side by side where the dashboard is wide and stacked (results first) where it is
  narrow. The widths are decided by the stylesheet (:data:`~decision_kit.widgets.markup.CSS`,
  a container query on the dashboard's own width, so a notebook beside JupyterLab's file
  browser stacks as a narrow window does).
"""

from __future__ import annotations

import ipywidgets as widgets

from .markup import CSS


def typed_row(slider: widgets.ValueWidget) -> widgets.Box:
    """``slider`` (its own readout hidden) and a box showing its value, where a value can be typed.

    A typed value is given to the slider as it is: within the range it moves the slider, outside
    it the slider keeps the nearest end and reports the refusal (its ``on_refused``). The box then
    shows the slider's value again. The box has the CSS classes ``dk-typed`` and
    ``<slider's dk- class>-typed``.
    """
    slider.readout = False
    kind = widgets.IntText if isinstance(slider.value, int) else widgets.FloatText
    box = kind(value=slider.value, layout=widgets.Layout(width="76px", flex="0 0 auto"))
    box.add_class("dk-typed")
    for cls in slider._dom_classes:
        if cls.startswith("dk-") and cls != "dk-control":
            box.add_class(f"{cls}-typed")

    def typed(change):
        slider.value = change["new"]  # the slider's validation keeps it in range (and says so)
        box.value = slider.value

    box.observe(typed, "value")
    slider.observe(lambda change: setattr(box, "value", change["new"]), "value")
    row = widgets.HBox([slider, box], layout=widgets.Layout(width="100%"))
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
