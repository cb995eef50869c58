"""Validation of plain data as a scenario or portfolio: every problem becomes a located
:class:`~decision_kit.errors.Problem`, field problems first, then cross-references.

``locs`` maps a field path to the (line, column) where it is written, with ``("key",) + path``
for where its key is written; data with no file behind it passes an empty mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..distributions import DIST_NAMES
from ..errors import Problem, ScenarioError
from .base import Document

Location = tuple[int, int]
"""A (line, column) in a file, both counted from 1."""

Locations = Mapping[tuple[Any, ...], Location]
"""Field path (or ``("key",) + path``) -> where it is written."""

M = TypeVar("M", bound=BaseModel)


def dotted(path: tuple[Any, ...]) -> str:
    """A field path as text: ``options.buy.costs.licence``, list items as ``[0]``, and a name that
    itself contains a dot quoted in brackets (``costs['licence.v2']``)."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif "." in str(p):
            out += f"[{str(p)!r}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def locate(locs: Locations, path: tuple[Any, ...]) -> Location | None:
    """Where ``path`` is written, or its nearest written parent."""
    for n in range(len(path), -1, -1):
        if path[:n] in locs:
            return locs[path[:n]]
    return None


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Map a pydantic error location onto the path that exists in the data.

    pydantic adds union tags (e.g. ``triangular``) and function names to locations; keep only
    the steps that exist in the document, and the first missing key (a missing field).
    """
    path: list[Any] = []
    cur = data
    for step in loc:
        if isinstance(cur, dict) and step in cur:
            path.append(step)
            cur = cur[step]
        elif isinstance(cur, list) and isinstance(step, int) and 0 <= step < len(cur):
            path.append(step)
            cur = cur[step]
        elif isinstance(cur, dict) and isinstance(step, str) and step not in DIST_NAMES:
            path.append(step)  # a missing field: report it under its parent's location
            cur = None
    return tuple(path)


def _message(err: ErrorDetails) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}' (check the spelling; unknown keys are not allowed)"
    if kind == "missing":
        return f"required field '{err['loc'][-1]}' is missing"
    if kind == "literal_error":
        return f"{msg[0].lower()}{msg[1:]} (got {err.get('input')!r})"
    if kind.startswith("value_error"):
        return msg.removeprefix("Value error, ")
    if not msg:
        return kind
    return msg[0].lower() + msg[1:] if msg[1:2].islower() else msg


def validation_problems(exc: ValidationError, data: Any, locs: Locations, file: str) -> list[Problem]:
    """pydantic's errors as problems at the position of the field (or key) they concern."""
    problems, seen = [], set()
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        is_key = bool(loc) and loc[-1] == "[key]"  # pydantic's marker for a problem with a key itself
        path = _data_path(data, loc[:-1] if is_key else loc)
        # a key (unknown, or a bad name) is reported where it is written, anything else where its value is
        line_col = locs.get(("key",) + path) if err["type"] == "extra_forbidden" or is_key else None
        line_col = line_col or locate(locs, path)
        message = _message(err)
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        line, col = line_col or (None, None)
        problems.append(Problem(file, line, col, dotted(path), message))
    return problems


def validate_document(model: type[M], data: Any, locs: Locations, file: str) -> M:
    """Validate plain data as ``model``, then (for a scenario or portfolio) its cross-references.

    Raises :class:`~decision_kit.errors.ScenarioError` listing every problem found, located
    through ``locs`` where the data came from a file.
    """
    if not isinstance(data, dict):
        top_line, top_col = locs.get((), (1, 1))
        message = f"the top level must be a mapping of fields, not {type(data).__name__}"
        raise ScenarioError([Problem(file, top_line, top_col, "", message)])
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, data, locs, file)) from None
    refs = obj.reference_problems() if isinstance(obj, Document) else []
    if refs:
        problems = []
        for p, m in refs:
            line, col = locate(locs, p) or (None, None)
            problems.append(Problem(file, line, col, dotted(p), m))
        raise ScenarioError(problems)
    return obj
