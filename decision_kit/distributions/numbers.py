"""Numbers as an analyst writes them ("150k", "8%", "1.2M", "150,000"): read into floats, and
written back as plainly as they were given."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from ..errors import input_error

_THOUSANDS = re.compile(r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*[%kKMB]?$")


def parse_number(value: Any) -> Any:
    """Turn a readable number into a float; leave anything else unchanged.

    Accepts ints and floats, and strings such as ``"150k"``, ``"1.2M"``, ``"2B"``,
    ``"8%"`` (0.08) or ``"150,000"``. Returns other inputs unchanged so that the caller's
    validation reports them.

    A comma must group thousands: ``"1,500"`` is 1500.0, but ``"1,5"`` (a decimal comma) is
    returned unchanged rather than read as 15.

    >>> parse_number("150k"), parse_number("8%"), parse_number("1_200"), parse_number("1,5")
    (150000.0, 0.08, 1200.0, '1,5')
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an int beyond 1.8e308: let validation report it
            return value
    if isinstance(value, str):
        text = value.strip()
        if "," in text and not _THOUSANDS.match(text):
            return value  # "1,5" is not 15: commas only group thousands (see number_in_file)
        text = text.replace(",", "").replace("_", "")
        scale = 1.0
        for suffix, factor in (("%", 0.01), ("k", 1e3), ("K", 1e3), ("M", 1e6), ("B", 1e9)):
            if text.endswith(suffix):
                text, scale = text[: -len(suffix)].strip(), factor
                break
        try:
            number = float(text)
        except ValueError:
            return value
        if not math.isfinite(number):
            return value
        return number * scale
    return value


ReadableNumber = Annotated[
    str, Field(pattern=r"^\s*[-+]?([0-9]{1,3}(,[0-9]{3})+|[0-9][0-9_]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*[%kKMB]?\s*$")
]
"""A number as an analyst writes it: "150k", "8%", "1.2M", "150,000"."""


_CURRENCY = re.compile(r"^\s*[-+]?\s*[$€£¥]\s*(?P<rest>[-+]?[0-9][^$€£¥]*?)\s*$")
_LOWER_SUFFIX = re.compile(
    r"^\s*(?P<num>[-+]?[0-9][0-9,_]*(\.[0-9]*)?([eE][-+]?[0-9]+)?)\s*(?P<suffix>m|mm|mn|b|bn)\s*$"
)
_UPPER = {"m": "M", "mm": "M", "mn": "M", "b": "B", "bn": "B"}
_NUMBER = re.compile(r"^\s*[-+]?([0-9][0-9,_]*(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*[%kKMB]?\s*$")


def number_in_file(value: Any) -> Any:
    """:func:`parse_number` for values read from a file, naming the usual mistakes: a decimal
    comma, a currency sign, a lower-case ``m`` or ``b`` for million or billion, and a number
    beyond the floating-point range (``1e309``)."""
    out = parse_number(value)
    if isinstance(out, str):
        _refuse_readable_mistakes(out)
    elif isinstance(out, int) and not isinstance(out, bool):  # an int beyond 1.8e308
        raise input_error(
            "number_range", "{text} is out of range: numbers must lie within about ±1.8e308", text=str(out)
        )
    return out


def _refuse_readable_mistakes(text: str) -> None:
    """Raise a plain message for a string that is nearly a readable number; otherwise return."""
    if "," in text and not _THOUSANDS.match(text.strip()):
        raise input_error(
            "number_comma",
            "'{text}' is not a number: a comma may only group thousands "
            "(1,500 or 1,500,000); write a decimal with a point (1.5)",
            text=text.strip(),
        )
    if m := _CURRENCY.match(text):
        raise input_error(
            "number_currency",
            "'{text}' is not a number: leave out the currency sign (amounts are in the scenario's "
            "currency), e.g. {plain}",
            text=text.strip(),
            plain=m["rest"],
        )
    if m := _LOWER_SUFFIX.match(text):
        raise input_error(
            "number_suffix",
            "'{text}' is not a number: write {fixed} (the suffixes are k for thousand, M for million "
            "and B for billion)",
            text=text.strip(),
            fixed=m["num"] + _UPPER[m["suffix"]],
        )
    if _NUMBER.match(text):  # reads as a number, so parse_number found it infinite
        raise input_error(
            "number_range",
            "'{text}' is out of range: numbers must lie within about ±1.8e308 (what a float can hold)",
            text=text.strip(),
        )


Num = Annotated[float, BeforeValidator(number_in_file, json_schema_input_type=float | ReadableNumber)]
"""A plain number; readable forms are accepted (and described so in the JSON Schema)."""


def plain_number(value: float) -> float | int:
    """Write a float back as an int when it is one (for readable saved files)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)
