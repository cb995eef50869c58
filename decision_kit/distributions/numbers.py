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


def number_in_file(value: Any) -> Any:
    """:func:`parse_number` for values read from a file, naming the mistake of a decimal comma."""
    out = parse_number(value)
    if isinstance(out, str) and "," in out:
        raise input_error(
            "number_comma",
            "'{text}' is not a number: a comma may only group thousands "
            "(1,500 or 1,500,000); write a decimal with a point (1.5)",
            text=out.strip(),
        )
    return out


Num = Annotated[float, BeforeValidator(number_in_file, json_schema_input_type=float | ReadableNumber)]
"""A plain number; readable forms are accepted (and described so in the JSON Schema)."""


def plain_number(value: float) -> float | int:
    """Write a float back as an int when it is one (for readable saved files)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)
