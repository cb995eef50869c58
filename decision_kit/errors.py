"""The one exception type for invalid scenario and portfolio input, and the error a field
validator raises (which loading turns into a :class:`Problem` at the field's file position)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, line, column, field path) and what."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        field = f"{self.path}: " if self.path else ""
        if not self.file:  # a request made in code or on the command line, not a file
            return f"{field}{self.message}"
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where}: {field}{self.message}"


class ScenarioError(ValueError):
    """An invalid scenario, portfolio or run request.

    ``problems`` lists every problem found (file, line, column, field path, message); the
    message is one line per problem, e.g.
    ``scenarios/x.yaml:12:9: options.buy.costs.license.amount: triangular low 50 is above mode 40``.
    A problem with a request rather than a file (``ScenarioError("trials must be ...")``) has
    no file, and its line is the message alone.
    """

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", None, None, "", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]


def input_error(kind: str, message: str, **context: Any) -> PydanticCustomError:
    """The error a pydantic validator raises for an invalid value.

    ``kind`` is a short error type (``"order"``, ``"prob"``); ``message`` is a template whose
    ``{names}`` are filled from ``context``, and ``{name!r}`` with the value's ``repr`` (pydantic
    itself fills only ``{name}``). Validation turns it into a :class:`Problem`.

    >>> input_error("type", "expected a number, got {got!r}", got="$150k").message()
    "expected a number, got '$150k'"
    """
    for name in _REPR_FIELD.findall(message):
        context[name] = repr(context[name])
    return PydanticCustomError(kind, _REPR_FIELD.sub(r"{\1}", message), context)


_REPR_FIELD = re.compile(r"\{(\w+)!r\}")
