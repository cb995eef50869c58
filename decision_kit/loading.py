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
from pydantic import BaseModel, ValidationError

from .errors import Problem, ScenarioError
from .schema import Portfolio, Scenario

Location = tuple[int, int]


# --- YAML with locations -------------------------------------------------------------------

def _construct(node: yaml.Node, path: tuple, locs: dict, problems: list, file: str):
    """Build plain Python data from a composed node, recording each path's (line, column)."""
    locs[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if (isinstance(node, yaml.MappingNode) and node.tag != "tag:yaml.org,2002:map") or \
            (isinstance(node, yaml.SequenceNode) and node.tag != "tag:yaml.org,2002:seq"):
        problems.append(_problem(file, node, path, f"the tag '{node.tag}' is not allowed; write plain mappings and lists"))
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(_problem(file, key_node, path, "merge keys (<<) are not supported; write the values out"))
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


def _scalar(node: yaml.ScalarNode):
    """The value of one scalar node, from a fresh constructor (keeps no reference to the node)."""
    return _ScalarLoader().construct_object(node)


def _problem(file: str, node_or_loc, path: tuple, message: str) -> Problem:
    if isinstance(node_or_loc, yaml.Node):
        line, col = node_or_loc.start_mark.line + 1, node_or_loc.start_mark.column + 1
    elif node_or_loc is None:
        line = col = None
    else:
        line, col = node_or_loc
    return Problem(file, line, col, _dotted(path), message)


def _dotted(path: tuple) -> str:
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
        raise ScenarioError([_problem(file, (mark.line + 1, mark.column + 1) if mark else None, (),
                                      f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if problems:
        raise ScenarioError(problems)
    return data, locs


# --- validation ----------------------------------------------------------------------------

def _data_path(data: Any, loc: tuple) -> tuple:
    """Map a pydantic error location onto the path that exists in the data.

    pydantic adds union tags (e.g. ``triangular``) and function names to locations; keep only
    the steps that exist in the document, and the first missing key (a missing field).
    """
    path: list = []
    cur = data
    for step in loc:
        if isinstance(cur, dict) and step in cur:
            path.append(step)
            cur = cur[step]
        elif isinstance(cur, list) and isinstance(step, int) and 0 <= step < len(cur):
            path.append(step)
            cur = cur[step]
        elif isinstance(cur, dict) and isinstance(step, str) and step not in _TAGS:
            path.append(step)  # a missing field: report it under its parent's location
            cur = None
    return tuple(path)


_TAGS = {"fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete", "quantiles",
         "pareto", "mixture", "prior"}


def _locate(locs: dict, path: tuple) -> Location | None:
    for n in range(len(path), -1, -1):
        if path[:n] in locs:
            return locs[path[:n]]
    return None


def _message(err: dict) -> str:
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


def _validation_problems(exc: ValidationError, data: Any, locs: dict, file: str) -> list[Problem]:
    problems, seen = [], set()
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        is_key = bool(loc) and loc[-1] == "[key]"  # pydantic's marker for a problem with a key itself
        path = _data_path(data, loc[:-1] if is_key else loc)
        # a key (unknown, or a bad name) is reported where it is written, anything else where its value is
        line_col = locs.get(("key",) + path) if err["type"] == "extra_forbidden" or is_key else None
        line_col = line_col or _locate(locs, path)
        message = _message(err)
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(file, *(line_col or (None, None)), _dotted(path), message))
    return problems


def _reference_problems(s: Scenario) -> list[tuple[tuple, str]]:
    """Cross-references a field validator cannot see: (path, message) pairs."""
    out: list[tuple[tuple, str]] = []
    all_lines = {line for o in s.options.values() for line in o.costs}
    for oname, opt in s.options.items():
        for lname, line in opt.costs.items():
            here = ("options", oname, "costs", lname)
            if line.timing == "one_off" and (line.year or 0) > s.horizon_years:
                out.append((here + ("year",), f"year {line.year} is beyond the horizon of {s.horizon_years} years"))
            if line.timing == "per_unit" and line.driver not in s.drivers:
                out.append((here + ("driver",), f"driver '{line.driver}' is not defined under drivers"
                            + (f" (defined: {', '.join(s.drivers)})" if s.drivers else "")))
            if line.timing == "percent_of":
                if line.of not in opt.costs:
                    out.append((here + ("of",), f"cost line '{line.of}' does not exist in option '{oname}'"))
                elif line.of == lname:
                    out.append((here + ("of",), "a percent_of line cannot refer to itself"))
        for lname in _percent_cycle(opt.costs):
            out.append((("options", oname, "costs", lname, "of"),
                        f"percent_of lines refer to each other in a cycle through '{lname}'"))
        for score in opt.scores:
            if s.criteria and score not in s.criteria:
                out.append((("options", oname, "scores", score), f"criterion '{score}' is not defined under criteria"))
    for rname, risk in s.risks.items():
        for i, oname in enumerate(risk.options or []):
            if oname not in s.options:
                out.append((("risks", rname, "options", i), f"option '{oname}' does not exist"))
        scope = [o for o in (risk.options or s.options) if o in s.options]
        scoped = {line for o in scope for line in s.options[o].costs}
        for i, lname in enumerate(risk.lines or []):
            if lname not in scoped:
                out.append((("risks", rname, "lines", i), f"cost line '{lname}' does not exist in any option"))
    known_inputs = set(input_paths(s))
    for i, corr in enumerate(s.correlations):
        for j, name in enumerate(corr.between):
            if name not in known_inputs:
                out.append((("correlations", i, "between", j),
                            f"'{name}' is not an uncertain input of this scenario"))
        if corr.between[0] == corr.between[1]:
            out.append((("correlations", i, "between"), "an input cannot be correlated with itself"))
    from .schema import COMPUTED_CRITERIA

    defined = set(s.criteria) | set(COMPUTED_CRITERIA)
    for sname, st in s.stakeholders.items():
        names = list(st.weights) if st.weights is not None else st.ahp.criteria
        field = "weights" if st.weights is not None else "ahp"
        for c in names:
            if c not in defined:
                out.append((("stakeholders", sname, field) + ((c,) if field == "weights" else ("criteria",)),
                            f"criterion '{c}' is neither computed ({', '.join(COMPUTED_CRITERIA)}) "
                            "nor defined under criteria"))
    return out


def _percent_cycle(costs: dict) -> list[str]:
    """Names of percent_of lines that sit on a cycle."""
    on_cycle = []
    for start in costs:
        seen, cur = set(), start
        while cur in costs and costs[cur].timing == "percent_of" and cur not in seen:
            seen.add(cur)
            cur = costs[cur].of
        if cur == start and len(seen) > 1:
            on_cycle.append(start)
    return on_cycle


def input_paths(s: Scenario) -> dict[str, Any]:
    """Every distribution-valued input of a scenario by its dotted path in the file."""
    from .distributions import _Dist

    out: dict[str, Any] = {}

    def walk(obj, prefix):
        if isinstance(obj, _Dist):
            out[prefix] = obj
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name), f"{prefix}.{name}" if prefix else name)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{prefix}.{k}")

    for section in ("drivers", "options", "risks"):
        walk(getattr(s, section), section)
    return out


def _validate(model: type[BaseModel], data: Any, locs: dict, file: str):
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, *locs.get((), (1, 1)), "", f"the top level must be a mapping of fields, not {type(data).__name__}")])
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_validation_problems(exc, data, locs, file)) from None
    if isinstance(obj, Portfolio):
        refs = [(("initiatives", n, "requires", "initiative"), f"initiative '{i.requires.initiative}' does not exist")
                for n, i in obj.initiatives.items()
                if i.requires is not None and i.requires.initiative not in obj.initiatives]
        if refs:
            raise ScenarioError([Problem(file, *(_locate(locs, p) or (None, None)), _dotted(p), m) for p, m in refs])
    if isinstance(obj, Scenario):
        refs = _reference_problems(obj)
        if refs:
            raise ScenarioError([Problem(file, *(_locate(locs, p) or (None, None)), _dotted(p), m) for p, m in refs])
    return obj


def validate(data: Any, model: type[BaseModel] = Scenario, file: str = "<data>"):
    """Validate plain data (as read from YAML) as ``model``, with every cross-reference check.

    Raises :class:`ScenarioError` (without line numbers: the data has no file positions).
    """
    return _validate(model, data, {}, file)


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
    return _validate(model, data, locs, file)


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
    return _validate(model, data, locs, file)


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
    model = {"scenario": Scenario, "portfolio": Portfolio}[kind]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"decision_kit {kind}"
    return schema
