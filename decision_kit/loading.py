"""Read, validate and write scenario and portfolio files.

Reading uses PyYAML's safe loader only and keeps the line and column of every node, so that
every problem, whether a YAML syntax error, an unknown key, a bad value or a dangling
cross-reference, becomes one :class:`~decision_kit.errors.ScenarioError` naming the file,
line, column, field path and what is wrong. Writing is atomic (a temporary file in the same
directory, then a rename) and refuses to replace an existing file unless ``overwrite=True``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from .errors import Problem, ScenarioError
from .schema import Location, Portfolio, Scenario, dotted, input_paths, validate_document

__all__ = [
    "read_yaml", "validate", "is_portfolio", "load_scenario", "load_portfolio", "load", "loads",
    "dumps", "content_hash", "write_text_atomic", "save", "json_schema",
    "input_paths",  # moved to decision_kit.schema; re-exported while callers move
]  # fmt: skip


# --- YAML with locations -------------------------------------------------------------------


def _construct(node: yaml.Node, path: tuple, locs: dict, problems: list, file: str):
    """Build plain Python data from a composed node, recording each path's (line, column)."""
    locs[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if (isinstance(node, yaml.MappingNode) and node.tag != "tag:yaml.org,2002:map") or (
        isinstance(node, yaml.SequenceNode) and node.tag != "tag:yaml.org,2002:seq"
    ):
        problems.append(
            _problem(file, node, path, f"the tag '{node.tag}' is not allowed; write plain mappings and lists")
        )
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    _problem(file, key_node, path, "merge keys (<<) are not supported; write the values out")
                )
                continue
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                problems.append(_problem(file, key_node, path, "keys must be plain names"))
                continue
            key = str(key)
            if key in out:
                problems.append(_problem(file, key_node, path + (key,), f"duplicate key '{key}'"))
                continue
            out[key] = _construct(value_node, path + (key,), locs, problems, file)
            locs[("key",) + path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, path + (i,), locs, problems, file) for i, v in enumerate(node.value)]
    return _scalar(node)


class _ScalarLoader(yaml.SafeLoader):
    def __init__(self):  # a loader used only to construct scalars
        super().__init__("")


def _scalar(node: yaml.Node) -> Any:
    """The value of one scalar node, from a fresh constructor (keeps no reference to the node)."""
    return _ScalarLoader().construct_object(node)


def _problem(file: str, node_or_loc, path: tuple, message: str) -> Problem:
    if isinstance(node_or_loc, yaml.Node):
        line, col = node_or_loc.start_mark.line + 1, node_or_loc.start_mark.column + 1
    elif node_or_loc is None:
        line = col = None
    else:
        line, col = node_or_loc
    return Problem(file, line, col, dotted(path), message)


def read_yaml(text: str, file: str = "<string>") -> tuple[Any, dict[tuple, Location]]:
    """Parse YAML safely; return the data and a map from field path to (line, column)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = (mark.line + 1, mark.column + 1) if mark else None
        raise ScenarioError([_problem(file, loc, (), f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([_problem(file, None, (), f"not valid YAML: {exc}")]) from None
    if node is None:
        raise ScenarioError([_problem(file, (1, 1), (), "the file is empty")])
    locs: dict[tuple, Location] = {}
    problems: list[Problem] = []
    try:
        data = _construct(node, (), locs, problems, file)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(
            [
                _problem(
                    file,
                    (mark.line + 1, mark.column + 1) if mark else None,
                    (),
                    f"not valid YAML: {getattr(exc, 'problem', exc)}",
                )
            ]
        ) from None
    if problems:
        raise ScenarioError(problems)
    return data, locs


# --- validation ----------------------------------------------------------------------------


def validate(data: Any, model: type[BaseModel] = Scenario, file: str = "<data>"):
    """Validate plain data (as read from YAML) as ``model``, with every cross-reference check.

    Raises :class:`ScenarioError` (without line numbers: the data has no file positions).
    """
    return validate_document(model, data, {}, file)


def is_portfolio(data: Any) -> bool:
    return isinstance(data, dict) and "initiatives" in data


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file. Raises :class:`ScenarioError` for any problem."""
    return _load(path, Scenario)


def load_portfolio(path: str | os.PathLike) -> Portfolio:
    """Read and validate a budget portfolio file. Raises :class:`ScenarioError` for any problem."""
    return _load(path, Portfolio)


def load(path: str | os.PathLike) -> Scenario | Portfolio:
    """Read a scenario or a portfolio (a file with ``initiatives:``)."""
    return _load(path, None)


def loads(text: str, model: type[BaseModel] = Scenario, file: str = "<string>"):
    """Validate YAML text as ``model``."""
    data, locs = read_yaml(text, file)
    return validate_document(model, data, locs, file)


def _load(path, model):
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(file, None, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(file, None, None, "", "is a directory, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(file, None, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(file, None, None, "", f"cannot be read: {exc.strerror}")]) from None
    data, locs = read_yaml(text, file)
    if model is None:
        model = Portfolio if is_portfolio(data) else Scenario
    return validate_document(model, data, locs, file)


# --- writing -------------------------------------------------------------------------------


def dumps(obj: Scenario | Portfolio) -> str:
    """YAML text for a scenario or portfolio: defaults left out, distributions as written."""
    data = obj.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def content_hash(obj: Scenario | Portfolio) -> str:
    """SHA-256 (first 12 hex digits) of the canonical YAML of a scenario: equal content, equal hash."""
    return hashlib.sha256(dumps(obj).encode("utf-8")).hexdigest()[:12]


def write_text_atomic(path: str | os.PathLike, text: str | bytes, *, overwrite: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically; refuse to replace an existing file unless ``overwrite``.

    The content goes to a temporary file in the same directory, is flushed to disk, and is
    then renamed into place, so a reader never sees a half-written file and a failure leaves
    any existing file untouched. Raises ``FileExistsError`` if ``path`` exists and not ``overwrite``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True (--force) to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the path appeared meanwhile: never clobber
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save(obj: Scenario | Portfolio, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a scenario or portfolio to YAML (atomic; never overwrites unless ``overwrite``)."""
    return write_text_atomic(path, dumps(obj), overwrite=overwrite)


def json_schema(kind: str = "scenario") -> dict:
    """The JSON Schema of the scenario (or ``"portfolio"``) format, for editors."""
    models: dict[str, type[BaseModel]] = {"scenario": Scenario, "portfolio": Portfolio}
    model = models[kind]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"decision_kit {kind}"
    return schema
