"""The dashboard's charts: kept matplotlib figures, redrawn and shown as SVG in Image widgets.

What is here: :class:`Chart`, one figure drawn by a function of :mod:`decision_kit.plots`,
cleared and redrawn on each update rather than rebuilt, and written as SVG with its text left
as text (the browser sets it); :data:`_RC`, the chart style (fonts for a projector, fixed title
and legend places, the SVG settings).

SVG rather than PNG because a redraw is then about half as long: matplotlib's Agg renderer
spent most of a PNG redraw rasterising the glyphs of the tick labels and the legend, and the
picture is a quarter of the bytes (``benchmarks/bench_dashboard.py`` times both parts).

Text sizes are kept between drawings (:class:`_KeptTextSizes`): matplotlib measures every
label to place it, and keeps the measurements only for one drawing; measuring the same tick
labels, legend entries and titles again was about 5 ms of each redraw.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager, get_font
from matplotlib.textpath import TextToPath

from .. import plots
from ..results import Result
from .markup import css_class

_RC = {
    "font.size": 14,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "legend.fontsize": 13,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "axes.titley": 1.0,
    "legend.loc": "upper left",
    "svg.fonttype": "none",  # text as <text>, set by the browser: no glyph paths to draw or send
    "svg.hashsalt": "decision_kit",  # ids from the content only: the same drawing, the same bytes
}
"""Chart style: fonts large enough for a projector; a fixed title position and legend corner
(matplotlib's automatic placement measures the artists on every redraw: about 6 % of it)."""


class _KeptTextSizes(TextToPath):
    """matplotlib's text measurer for the SVG writer, keeping what it measured: the size of a
    string depends only on the string, the font properties and whether it is math text, so
    the numbers are those a new measurer gives. At most :attr:`LIMIT` strings are kept (then
    the store starts again)."""

    LIMIT = 4096

    def __init__(self):
        super().__init__()
        self._sizes: dict = {}

    def get_text_width_height_descent(self, s, prop, ismath):
        key = (s, ismath, tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
               prop.get_stretch(), prop.get_file(), prop.get_size(), prop.get_math_fontfamily())  # fmt: skip
        size = self._sizes.get(key)
        if size is None:
            if len(self._sizes) >= self.LIMIT:
                self._sizes.clear()
            size = self._sizes[key] = super().get_text_width_height_descent(s, prop, ismath)
        return size


_TEXT_SIZES = _KeptTextSizes()
_LINE_HEIGHTS: dict = {}  # (font properties, dpi) -> (ascent, descent, line gap) in pixels


def _line_heights(prop, dpi: float) -> tuple:
    """``(ascent, descent, line gap)`` of a line of text in ``prop`` at ``dpi``, from the font's
    OS/2 or hhea table, as :meth:`matplotlib.text.Text._get_layout` reads them (a renderer may
    answer for it; ``(None, None, None)`` lets matplotlib measure), kept for each font and size."""
    key = (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
           prop.get_stretch(), prop.get_file(), prop.get_size(), prop.get_math_fontfamily(), dpi)  # fmt: skip
    if key not in _LINE_HEIGHTS:
        font = get_font(fontManager._find_fonts_by_props(prop))
        _LINE_HEIGHTS[key] = (None, None, None)
        for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                  ("hhea", "lineGap", "ascent", "descent")):  # fmt: skip
            table = font.get_sfnt_table(table_name)
            if table is not None:
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
                _LINE_HEIGHTS[key] = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                break
    return _LINE_HEIGHTS[key]


class _Figure(Figure):
    """A figure whose drawings measure text with the kept measurer :data:`_TEXT_SIZES` and
    the kept line heights :func:`_line_heights` (the SVG writer makes a new renderer, and with
    it a new measurer, for every picture; matplotlib reads a font's tables for every label)."""

    def draw(self, renderer):
        svg = getattr(renderer, "_renderer", renderer)  # the SVG renderer behind a mixed one
        if isinstance(svg, RendererSVG):
            svg._text2path = _TEXT_SIZES
            svg._get_font_height_metrics = lambda prop, dpi=self.dpi: _line_heights(prop, dpi)
        super().draw(renderer)


class Chart:
    """A kept figure drawn by one of :mod:`decision_kit.plots` and shown as SVG in an Image widget.

    A redraw removes the previous drawing's artists (and any colorbar) but keeps the figure,
    the axes and their ticks: rebuilding ticks and axes costs about a quarter of a redraw.
    The picture is the same as on a fresh figure (``tests/test_widgets.py`` checks it).

    ``depends``, if given, is a function of ``(result, owner)`` returning what the picture is
    drawn from (e.g. :func:`cost_bands`); a render whose ``depends`` equals the last one's keeps
    the picture without drawing it (a change of the discount rate leaves the cost bands as
    they are). ``refill``, if given, is a function of ``(result, ax, owner)`` that moves the
    drawing on ``ax`` to the new numbers in place and returns True, or returns False where it
    cannot (e.g. :func:`refill_cumulative_cost`); then the chart is drawn anew.
    """

    def __init__(self, key: str, title: str, draw: Callable, figsize=(10, 4.8), rc=None, margins=None,
                 depends: Callable | None = None, refill: Callable | None = None):  # fmt: skip
        self.key, self.title, self._draw, self._depends, self._refill = key, title, draw, depends, refill
        self._drawn_from: object = None
        self._rc = {**_RC, **(rc or {})}
        self.figure = _Figure(figsize=figsize, dpi=80)
        FigureCanvasSVG(self.figure)
        self.figure.subplots_adjust(**{"left": 0.09, "right": 0.97, "bottom": 0.14, "top": 0.9, **(margins or {})})
        with matplotlib.rc_context(self._rc):
            self.ax = self.figure.add_subplot()
        self._spec = self.ax.get_subplotspec()
        width = int(figsize[0] * 80 * 1.25)  # at most a quarter larger than drawn
        self.image = widgets.Image(format="svg+xml", layout=widgets.Layout(width="100%", max_width=f"{width}px"))
        self.image.add_class(css_class(f"chart.{key}"))
        self.drawn: tuple | None = None  # what the picture shows: (simulation serial number, owner)

    def _strip(self) -> None:
        ax = self.ax
        for extra in list(self.figure.axes):  # a colorbar's axes took room from ours: give it back
            if extra is not ax:
                extra.remove()
        if ax.get_subplotspec() is not self._spec:
            ax.set_subplotspec(self._spec)
            ax.set_anchor("C")
        for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
            artist.remove()
        ax.containers.clear()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.relim()

    def render(self, result: Result, owner: str | None) -> None:
        if self._depends is not None:
            source = self._depends(result, owner)
            if source == self._drawn_from:
                return
            self._drawn_from = source
        with matplotlib.rc_context(self._rc):
            if self._refill is None or not self._refill(result, self.ax, owner):
                self._strip()
                self._draw(result, self.ax, owner)
            buf = io.BytesIO()
            self.figure.savefig(buf, format="svg", metadata={"Date": None})
        self.image.value = buf.getvalue()


_LAST_CURVES: dict = {}  # the last result and owner asked about, and their curves: depends and refill both ask


def _curves(result: Result, owner: str | None) -> tuple:
    """:func:`decision_kit.plots.cumulative_cost_curves` of ``result`` and ``owner``, kept for the last pair."""
    if _LAST_CURVES.get("result") is not result or _LAST_CURVES.get("owner") != owner:
        _LAST_CURVES.update(result=result, owner=owner, curves=plots.cumulative_cost_curves(result, owner))
    return _LAST_CURVES["curves"]


def cost_bands(result: Result, owner: str | None) -> tuple:
    """What :func:`decision_kit.plots.cumulative_cost` draws from: the owner shown (None: the
    best cell's), the currency, the options and their kinds, and the curves drawn (years, mean
    and band of the cumulative cost: undiscounted, so the discount rate does not move them)."""
    owner, years, mean, low, high = _curves(result, owner)
    kinds = tuple(result.scenario.options[o].kind for o in result.layout.options)
    return (owner, result.scenario.currency, result.layout.options, kinds,
            *(np.ascontiguousarray(a).tobytes() for a in (years, mean, low, high)))  # fmt: skip


def refill_cumulative_cost(result: Result, ax, owner: str | None) -> bool:
    """Move a drawing of :func:`decision_kit.plots.cumulative_cost` on ``ax`` to ``result`` and
    ``owner`` in place: the lines' and the bands' data, the title and the limits change; the
    axes, labels, formatter and legend are kept (building them was about a quarter of a redraw).
    False, with ``ax`` untouched, unless ``ax`` shows the same options in the same colours and
    currency. The picture is the one a new drawing makes (``tests/test_dashboard_reuse.py``)."""
    s, options = result.scenario, list(result.layout.options)
    lines, bands = ax.lines, ax.collections
    colours = [plots.OPTION_COLOURS.get(s.options[o].kind) for o in options]
    drawn = [(line.get_label(), line.get_color()) for line in lines]
    if None in colours or drawn != list(zip(options, colours, strict=True)) or len(bands) != len(options):
        return False
    if ax.get_ylabel() != f"cumulative cost ({s.currency})":
        return False
    owner, years, mean, low, high = _curves(result, owner)
    for oi, (line, band) in enumerate(zip(lines, bands, strict=True)):
        line.set_data(years, mean[:, oi])
        band.set_data(years, low[:, oi], high[:, oi])
    ax.set_title(plots.cumulative_cost_title(owner))
    ax.relim()
    ax.autoscale_view()
    return True
