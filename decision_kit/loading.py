"""Read, validate and write scenario and portfolio files.

Reading uses PyYAML's safe loader only and keeps the line and column of every node, so that
every problem, whether a YAML syntax error, an unknown key, a bad value or a dangling
cross-reference, becomes one :class:`~decision_kit.errors.ScenarioError` naming the file,
line, column, field path and what is wrong. Writing is atomic (a temporary file in the same
directory, then a rename) and refuses to replace an existing file unless ``overwrite=True``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
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


# --- YAML with locations, within limits ----------------------------------------------------

MAX_FILE_BYTES = 10 * 2**20
"""The largest file (or text) read, in bytes: 10 MiB, several times a scenario of 10,000 lines."""

MAX_DEPTH = 50
"""How deeply mappings and lists may nest (a scenario needs under 15 levels)."""

MAX_NODES = 1_000_000
"""How many values (mappings, lists, keys and scalars) a file may hold, aliases expanded."""

MAX_ALIAS_NODES = 100_000
"""How many values aliases (``*name``) may add in all, counting each alias as its anchor's size."""

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it (about 20 times faster), else PyYAML's own."""

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + t for t in ("null", "bool", "int", "float", "str", "binary", "timestamp"))
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_RESOLVER = yaml.resolver.Resolver()


class _Frame:
    """A mapping or list being built: where it is, its value, its size so far and its anchor."""

    __slots__ = ("path", "loc", "value", "size", "anchor", "key")

    def __init__(self, path: tuple | None, loc: Location, value: dict | list, anchor: str | None):
        self.path, self.loc, self.value, self.anchor = path, loc, value, anchor
        self.size = 1
        self.key: Any = _NO_KEY  # a mapping's pending key: _NO_KEY, _SKIP or the key's text


_NO_KEY, _SKIP, _MERGE = object(), object(), object()


class _Builder:
    """Plain data from a stream of YAML events, with the (line, column) of every field.

    Iterative (no recursion however deep the file nests) and bounded: it stops at the first
    of :data:`MAX_DEPTH`, :data:`MAX_NODES` or :data:`MAX_ALIAS_NODES` exceeded. An alias
    shares its anchor's value (plain data is never modified), so expanding one costs nothing
    but is counted at its anchor's size; fields inside it are located at the alias.
    """

    def __init__(self, file: str):
        self.file = file
        self.locs: dict[tuple, Location] = {}
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.nodes = self.alias_nodes = 0
        self.root: Any = _NO_KEY

    def fail(self, event, message: str) -> ScenarioError:
        return ScenarioError([_problem(self.file, _at(event), (), message)])

    def slot(self) -> tuple[tuple | None, bool]:
        """The path of the next value (None inside a key or under a refused key), and whether it is a key."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if top.path is None:
            return None, False
        if isinstance(top.value, list):
            return top.path + (len(top.value),), False
        if top.key is _NO_KEY:
            return None, True
        return (None if top.key is _SKIP else top.path + (top.key,)), False

    def where(self, path: tuple | None) -> tuple:
        """The field path a problem is reported under: the value's, or its parent mapping's for a key."""
        if path is not None:
            return path
        return next((f.path for f in reversed(self.stack) if f.path is not None), ())

    def count(self, size: int, event) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            raise self.fail(event, f"more than {MAX_NODES:,} values (the limit of a file); split or shorten it")

    def anchor(self, event) -> None:
        if event.anchor in self.anchors or event.anchor in self.open_anchors:
            raise self.fail(event, f"not valid YAML: the anchor '&{event.anchor}' is defined twice")

    def start(self, event, value: dict | list) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(event, _depth_message())
        self.count(1, event)
        path, _ = self.slot()
        if event.tag not in (None, "!", _TAG + ("map" if isinstance(value, dict) else "seq")):
            message = f"the tag '{event.tag}' is not allowed; write plain mappings and lists"
            self.problems.append(_problem(self.file, _at(event), self.where(path), message))
        if event.anchor is not None:
            self.anchor(event)
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(path, _at(event), value, event.anchor))

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, frame.size)
        self.attach(frame.value, frame.size, frame.loc, False, *self.slot())

    def scalar(self, event) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.count(0, event)
        path, is_key = self.slot()
        if event.tag is None and not event.implicit[0]:
            value: Any = event.value  # quoted: always text
        else:
            value = _scalar_value(event.tag, event.value, event.implicit, is_key)
            if isinstance(value, _Refused):
                self.problems.append(_problem(self.file, _at(event), self.where(path), value.message))
                value = None
        if event.anchor is not None:
            self.anchor(event)
            self.anchors[event.anchor] = (value, 1)
        self.attach(value, 1, _at(event), True, path, is_key)

    def alias(self, event) -> None:
        name = event.anchor
        if name not in self.anchors:
            what = "the node that contains it" if name in self.open_anchors else "no anchor defined before it"
            raise self.fail(event, f"not valid YAML: the alias '*{name}' refers to {what}")
        value, size = self.anchors[name]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise self.fail(
                event,
                f"aliases expand to more than {MAX_ALIAS_NODES:,} values (the limit of a file); "
                "write the values out or use fewer aliases",
            )
        self.count(size, event)
        self.attach(value, size, _at(event), size == 1, *self.slot())

    def attach(self, value: Any, size: int, loc: Location, plain: bool, path: tuple | None, is_key: bool) -> None:
        """Put a finished value at ``path`` in its parent (or as its pending key), or make it the document."""
        if not self.stack:
            self.root = value
            self.locs[()] = loc
            return
        top = self.stack[-1]
        top.size += size
        if top.path is None:  # inside a key that is a mapping or list: refused when it ends
            return
        if is_key:
            top.key = self.key(top, value, loc, plain)
            return
        if path is not None:
            self.locs[path] = loc
        if isinstance(top.value, list):
            top.value.append(value)
            return
        if top.key is not _SKIP:
            top.value[top.key] = value
        top.key = _NO_KEY

    def key(self, top: _Frame, key: Any, loc: Location, plain: bool) -> Any:
        """The text of a mapping key, or _SKIP (and a problem) for one that cannot be a name."""
        assert top.path is not None  # attach() returns early inside a refused key
        if key is _MERGE:
            message = "merge keys (<<) are not supported; write the values out"
            self.problems.append(_problem(self.file, loc, top.path, message))
            return _SKIP
        if not plain or not isinstance(key, (str, int)) or isinstance(key, bool):
            self.problems.append(_problem(self.file, loc, top.path, "keys must be plain names"))
            return _SKIP
        key = str(key)
        if key in top.value:
            self.problems.append(_problem(self.file, loc, top.path + (key,), f"duplicate key '{key}'"))
            return _SKIP
        self.locs[("key",) + top.path + (key,)] = loc
        return key


class _Refused:
    """A scalar that is not read (an unknown tag or a malformed value), and why."""

    def __init__(self, message: str):
        self.message = message


@functools.lru_cache(maxsize=4096)
def _scalar_value(tag: str | None, text: str, implicit: tuple[bool, bool], is_key: bool) -> Any:
    """The value of a plain or tagged scalar (cached: a file repeats most of its words)."""
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, text, implicit)
    if tag == _TAG + "merge" and is_key:
        return _MERGE
    if tag not in _SCALAR_TAGS:
        return _Refused(f"could not determine a constructor for the tag '{tag}'; write a plain value")
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except yaml.YAMLError as exc:
        return _Refused(f"not valid YAML: {exc}")


def _at(event) -> Location:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


def _feed(builder: _Builder, text: str) -> None:
    """Drive the builder through the parser's events for one document; refuse a second one."""
    documents = 0
    scalar, start, end, alias = builder.scalar, builder.start, builder.end, builder.alias
    parser = _PARSER(text)
    try:
        while (event := parser.get_event()) is not None:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                scalar(event)
            elif kind is yaml.MappingStartEvent:
                start(event, {})
            elif kind is yaml.SequenceStartEvent:
                start(event, [])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                end()
            elif kind is yaml.AliasEvent:
                alias(event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise builder.fail(event, "not valid YAML: expected a single document, found another")
            elif kind is yaml.StreamEndEvent:
                return
    finally:
        parser.dispose()


def _yaml_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    """A parser's complaint, worded alike by libyaml and PyYAML, naming a character it cannot read.

    libyaml scans ahead and may stop at its own nesting limit (1,000 levels) before the builder
    sees :data:`MAX_DEPTH` exceeded: that is reported as the builder would.
    """
    if "maximum nesting depth" in str(exc):
        return _depth_message()
    return "not valid YAML: " + _parser_message(exc, text)


def _depth_message() -> str:
    return f"mappings and lists nest more than {MAX_DEPTH} levels deep (the limit of a file)"


def _parser_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    message = str(exc.problem or exc)
    message = message.replace("did not find expected", "expected").replace("in this context", "here")
    message = re.sub(r", but (got|found) .*$", "", message)  # PyYAML names the token, libyaml does not
    mark = exc.problem_mark
    if mark is not None and ("cannot start any token" in message or "tab character" in message):
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        char = line[mark.column] if mark.column < len(line) else ""
        message = f"found character {char!r} that cannot start any token"
        if char == "\t":
            message += " (indent with spaces: YAML does not allow tabs there)"
    return message


def read_yaml(text: str, file: str = "<string>") -> tuple[Any, dict[tuple, Location]]:
    """Parse YAML safely; return the data and a map from field path to (line, column).

    Only plain mappings, lists and scalars are read (no Python tags, no merge keys), within
    :data:`MAX_FILE_BYTES`, :data:`MAX_DEPTH`, :data:`MAX_NODES` and :data:`MAX_ALIAS_NODES`;
    anything else is a :class:`ScenarioError` naming the file and, where known, the line.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise ScenarioError([_problem(file, None, (), _too_big(size))])
    builder = _Builder(file)
    try:
        _feed(builder, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = (mark.line + 1, mark.column + 1) if mark else None
        raise ScenarioError([_problem(file, loc, (), _yaml_message(exc, text))]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([_problem(file, None, (), f"not valid YAML: {exc}")]) from None
    if builder.root is _NO_KEY:
        raise ScenarioError([_problem(file, (1, 1), (), "the file is empty")])
    if builder.problems:
        raise ScenarioError(builder.problems)
    return builder.root, builder.locs


def _too_big(size: int) -> str:
    return f"the file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a scenario may have"


def _problem(file: str, node_or_loc, path: tuple, message: str) -> Problem:
    if isinstance(node_or_loc, yaml.Node):
        line, col = node_or_loc.start_mark.line + 1, node_or_loc.start_mark.column + 1
    elif node_or_loc is None:
        line = col = None
    else:
        line, col = node_or_loc
    return Problem(file, line, col, dotted(path), message)


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


def read_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of the file at ``path``, at most :data:`MAX_FILE_BYTES`; a missing,
    unreadable, oversized or non-UTF-8 file raises :class:`ScenarioError` naming it."""
    file = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            size = max(os.stat(path).st_size, len(raw))
            raise ScenarioError([Problem(file, None, None, "", _too_big(size))])
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(file, None, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(file, None, None, "", "is a directory, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(file, None, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(file, None, None, "", f"cannot be read: {exc.strerror}")]) from None


def _load(path, model):
    file = str(path)
    text = read_text(path)
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
