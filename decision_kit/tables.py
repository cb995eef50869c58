"""Tables for a notebook's reader: a DataFrame as styled HTML, its numbers written by the rules
of :mod:`decision_kit.formatting`, the same on every run.

:func:`table` takes a frame and a format per column (a rule's name such as ``"money"`` or
``"percent"``, or any function of one value) and returns a :class:`Table`, which a notebook
displays as HTML (it has ``_repr_html_``; nothing here imports IPython). The HTML is pandas'
Styler with a fixed id, derived from the table's caption and labels unless one is given, so a
stored output does not change between runs and nbval can check it.

Rules by name: ``money`` (compact with the currency, or without when the currency is empty:
a header that names the unit), ``compact``, ``amount``, ``quantity``, ``percent``,
``whole_percent``, ``rate``, ``years``, ``months``, ``signed`` (compact with a ``+`` before a
gain), ``integer`` and ``text``. A value that is not a finite number reads ``'n/a'`` except
where the rule says what it means (``years``: ``'never'``). Columns without a format are shown
as pandas writes them: whole numbers plain, other numbers with three significant digits.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import formatting as fmt

Rule = str | Callable[[Any], str]


def _guarded(rule: Callable[[float], str]) -> Callable[[Any], str]:
    return lambda v: rule(float(v)) if fmt.finite(v) else "n/a"


def _signed(v: float) -> str:
    return ("+" if v > 0 else "") + fmt.compact(v)


def _rules(currency: str) -> dict[str, Callable[[Any], str]]:
    return {
        "money": _guarded(lambda v: fmt.money(v, currency)),
        "compact": fmt.compact,
        "amount": _guarded(lambda v: fmt.amount(v, currency)),
        "quantity": _guarded(fmt.quantity),
        "percent": fmt.percent,
        "whole_percent": _guarded(fmt.whole_percent),
        "rate": _guarded(fmt.rate),
        "years": fmt.years,
        "months": fmt.months,
        "signed": _guarded(_signed),
        "integer": _guarded(lambda v: f"{v:,.0f}"),
        "text": lambda v: "" if v is None else str(v),
    }


def _plain(v: Any) -> str:
    """A value with no format: whole numbers as they are, other numbers to three significant digits."""
    if isinstance(v, (str, bool)) or not fmt.finite(v):
        return "n/a" if isinstance(v, float) else str(v)
    x = float(v)
    return f"{x:,.0f}" if x == int(x) else f"{x:.3g}"


class Table:
    """A styled table; a notebook shows :attr:`html`. ``repr`` names the table, not its cells."""

    def __init__(self, html_text: str, caption: str, shape: tuple[int, int]):
        self.html = html_text
        self.caption = caption
        self.shape = shape

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        rows, cols = self.shape
        return f"Table({self.caption!r}, {rows} rows x {cols} columns)"


def _fixed_id(frame, caption: str) -> str:
    labels = repr((caption, list(map(str, frame.columns)), list(map(str, frame.index))))
    return "dk" + hashlib.sha1(labels.encode()).hexdigest()[:10]


def table(
    frame,
    formats: Mapping[Any, Rule] | None = None,
    *,
    caption: str = "",
    currency: str = "",
    index: bool = True,
    bold_rows: Sequence[Any] = (),
    uuid: str | None = None,
):
    """``frame`` as a :class:`Table`: each column in ``formats`` written by its rule (a name
    from the module's list or a function of one value), the rest as pandas would; the rows
    whose index label is in ``bold_rows`` in bold; text left-aligned and numbers right-aligned.
    Every row and column is shown. ``uuid`` fixes the HTML ids (by default a hash of the
    caption and the labels).

    >>> import pandas as pd
    >>> t = table(pd.DataFrame({"npv": [1_234_567.0], "p": [0.372]}, index=["buy"]),
    ...           {"npv": "money", "p": "percent"}, currency="USD", caption="NPV")
    >>> "1.23M USD" in t.html, "37%" in t.html, t
    (True, True, Table('NPV', 1 rows x 2 columns))
    """
    rules = _rules(currency)
    formats = dict(formats or {})
    unknown = [r for r in formats.values() if isinstance(r, str) and r not in rules]
    if unknown:
        raise ValueError(f"unknown formats {unknown}; known: {', '.join(rules)}")
    styler = frame.style.format(_plain)
    for column, rule in formats.items():
        styler = styler.format(rules[rule] if isinstance(rule, str) else rule, subset=[column])
    numeric = [c for c in frame.columns if frame[c].dtype.kind in "iuf"]
    styler = styler.set_properties(**{"text-align": "left", "vertical-align": "top"})
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right", "white-space": "nowrap"})
    if bold_rows:
        bold = set(bold_rows)
        styler = styler.apply(lambda r: ["font-weight: bold" if r.name in bold else "" for _ in r], axis=1)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    if not index:
        styler = styler.hide(axis="index")
    styler = styler.set_table_styles([{"selector": "th", "props": "text-align: left; vertical-align: bottom"}])
    text = styler.set_uuid(uuid or _fixed_id(frame, caption)).to_html()
    return Table(text, caption, frame.shape)
