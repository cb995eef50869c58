"""The package's structure, read from its source: no import cycles, no import up the layers
listed in the package docstring (``decision_kit/__init__.py``), and the size bars of the
architecture issue (no function over 80 lines without its docstring, no module over 600 lines;
complexity is ruff's C901 at 15, in pyproject.toml).

Lazy imports inside functions count like any other: a layer that needs something from above
it is a design problem, not an import-placement one.
"""

import ast
import re
from pathlib import Path

import pytest

import decision_kit

PACKAGE = Path(decision_kit.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = ("decision_kit",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


KNOWN = {_module_name(p) for p in MODULES}


def _imports(path: Path) -> set[str]:
    return _imports_of(path.read_text(), _module_name(path), _is_package(path), KNOWN)


def _imports_of(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """Every decision_kit module that module ``name`` imports (``from . import x`` names module
    ``x``), wherever the import statement stands."""
    package = name if is_package else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("decision_kit")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("decision_kit"):
                target = node.module
            else:
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.add(sub if sub in known else target)
    return out - {name}


def _layers() -> dict[str, int]:
    ranks = {}
    for line in decision_kit.__doc__.splitlines():
        m = re.match(r"^\s*(\d+)\. ([a-z_, ]+)$", line)
        if m:
            for top in m.group(2).split(","):
                ranks[top.strip()] = int(m.group(1))
    return ranks


def _top(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


GRAPH = {_module_name(p): _imports(p) for p in MODULES}
LAYERS = _layers()


def test_every_module_has_a_layer():
    tops = {_top(m) for m in GRAPH} - {""}
    assert tops - set(LAYERS) == set(), "modules missing from the layer list in decision_kit/__init__.py"


def _upward(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in graph.items():
        src = _top(module)
        if not src:  # the package root re-exports lazily from every layer
            continue
        for target in targets:
            dst = _top(target)
            if dst and dst != src and LAYERS[dst] >= LAYERS[src]:
                bad.append(f"{module} (layer {LAYERS[src]}) imports {target} (layer {LAYERS[dst]})")
    return sorted(bad)


def test_no_import_goes_up_or_sideways_in_the_layers():
    bad = _upward(GRAPH)
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    """Depth-first search over the module graph (sub-modules and packages included)."""
    state: dict[str, int] = {}
    cycles = []

    def visit(m, stack):
        state[m] = 1
        for t in sorted(GRAPH.get(m, ())):
            if t == "decision_kit" or t not in GRAPH:
                continue
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t) :] + [t]) if t in stack else f"{m} -> {t}")
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])
    # a sub-module importing its own package's __init__ (re-exports) is a cycle too
    assert not cycles, "\n".join(cycles)


def test_the_checker_sees_lazy_upward_and_sideways_imports():
    """The checker itself, on made-up modules: a lazy import of the simulation from schema,
    and mcda importing sensitivity (the same layer), are both reported; a downward one is not."""
    lazy = _imports_of("def f():\n    from .simulation import simulate\n", "decision_kit.schema", False, KNOWN)
    assert lazy == {"decision_kit.simulation"}
    side = _imports_of(
        "from ..sensitivity import tornado\nfrom .. import errors\n", "decision_kit.mcda.x", False, KNOWN
    )
    assert side == {"decision_kit.sensitivity", "decision_kit.errors"}
    bad = _upward({"decision_kit.schema": lazy, "decision_kit.mcda.x": side})
    assert bad == [
        "decision_kit.mcda.x (layer 10) imports decision_kit.sensitivity (layer 10)",
        "decision_kit.schema (layer 4) imports decision_kit.simulation (layer 9)",
    ]


def _function_lengths(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            doc = 0
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(getattr(body[0], "value", None), ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                doc = body[0].end_lineno - body[0].lineno + 1
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1 - doc


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_functions_and_modules_are_short(path):
    long = [f"{name} (line {line}): {n} lines" for name, line, n in _function_lengths(path) if n > 80]
    assert not long, f"functions over 80 lines (docstrings excluded): {long}"
    assert len(path.read_text().splitlines()) <= 600, "module over 600 lines"
