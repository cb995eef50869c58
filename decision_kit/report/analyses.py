"""The analyses a decision memo carries besides the summary: :func:`standard_analyses`."""

from __future__ import annotations

from typing import Any


def standard_analyses(result, *, top: int = 8) -> dict[str, Any]:
    """The analyses a decision memo carries besides the summary: the main one-way
    sensitivities of the recommended cell (tornado), the value of information (EVPI and the
    inputs most worth learning about, EVPPI), and, when the scenario names stakeholders, their
    views side by side (TOPSIS, group weights by arithmetic mean). Title -> section content,
    ready for ``html_memo(result, analyses=...)``.

    The tornado is drawn on a figure of its own with matplotlib's Agg canvas, not through
    pyplot: nothing here chooses a backend or touches pyplot's figures (a backend is the
    calling application's choice)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots, sensitivity, voi

    s = result.scenario
    out: dict[str, Any] = {}
    best = result.best_cell
    t = sensitivity.tornado(s, option=best[0], owner=best[1])
    table = t.to_frame().head(top)[["input", "low_value", "high_value", "metric_at_low", "metric_at_high", "swing"]]
    out[f"Main sensitivities: NPV of {best[0]} / {best[1]}, each input at its P10 and P90"] = table
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    plots.tornado(t, ax=ax, top=top)
    fig.tight_layout()
    out["Tornado"] = fig
    e = voi.evpi(result)
    out["Value of information"] = e.describe()
    out["Inputs most worth learning about before committing (EVPPI)"] = voi.evppi(result).to_frame().head(top)
    if s.stakeholders:
        from .. import mcda

        view = mcda.stakeholder_view(result, aggregation="arithmetic")
        out["Stakeholder view"] = view.summary()
        out["Rankings by stakeholder (TOPSIS closeness and rank)"] = view.to_frame().head(top * 2)
    return out
