"""The shape of the package's code: function sizes (docstrings excluded), cyclomatic complexity
(ruff's mccabe count) and module sizes; the figures behind the architecture bars.

    python tools/code_shape.py [PACKAGE_DIR]     # default: decision_kit/

Prints the counts of functions over 80 lines and over complexity 15, the ten largest
functions and the modules over 600 lines.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path


def function_sizes(root: Path):
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = 0
                first = node.body[0] if node.body else None
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                        and isinstance(first.value.value, str):
                    doc = first.end_lineno - first.lineno + 1
                yield path.relative_to(root.parent), node.name, node.end_lineno - node.lineno + 1 - doc


def complexities(root: Path) -> dict[str, int]:
    """Function -> mccabe complexity, for every function above 1, from ruff (C901 at threshold 1)."""
    ruff = Path(sys.executable).parent / "ruff"
    out = subprocess.run([str(ruff), "check", "--isolated", "--select", "C901", "--config",
                          "lint.mccabe.max-complexity = 1", "--output-format", "json", str(root)],
                         capture_output=True, text=True).stdout
    found = {}
    for item in json.loads(out or "[]"):
        msg = item["message"]  # "`name` is too complex (N > 1)"
        name = msg.split("`")[1]
        found[f"{Path(item['filename']).relative_to(root.parent.resolve())}:{name}"] = int(msg.split("(")[1].split()[0])
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "decision_kit").resolve()
    sizes = sorted(function_sizes(root), key=lambda x: -x[2])
    cx = complexities(root)
    modules = sorted(((p.relative_to(root.parent), len(p.read_text().splitlines())) for p in root.rglob("*.py")),
                     key=lambda x: -x[1])
    print(f"functions: {len(sizes)}; over 80 lines: {sum(n > 80 for *_, n in sizes)}; "
          f"over complexity 15: {sum(c > 15 for c in cx.values())}; largest complexity: {max(cx.values(), default=0)}")
    print(f"modules: {len(modules)}; over 600 lines: {sum(n > 600 for _, n in modules)}; "
          f"largest: {modules[0][0]} ({modules[0][1]} lines)")
    print("largest functions (lines without docstring, complexity):")
    for path, name, n in sizes[:10]:
        print(f"  {n:4d}  {cx.get(f'{path}:{name}', 1):3d}  {path}:{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
