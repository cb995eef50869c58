"""Static checks are tests: ruff (lint and format) and mypy with the pydantic plugin, as
configured in pyproject.toml, run by the README's test command like every other test."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is part of the test extras (pip install -e '.[test]')")
    return found


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


CHECKED = [
    "decision_kit/errors.py",
    "decision_kit/distributions",
    "decision_kit/priors.py",
    "decision_kit/schema",
    "decision_kit/loading.py",
    "decision_kit/plan.py",
    "decision_kit/workspace.py",
    "decision_kit/sampling.py",
    "decision_kit/finance",
    "decision_kit/engine.py",
    "decision_kit/simulation.py",
    "decision_kit/sensitivity",
    "decision_kit/mcda",
    "decision_kit/allocation",
    "decision_kit/voi.py",
    "decision_kit/staging",
    "decision_kit/review",
    "tests/test_layering.py",
    "tests/test_golden.py",
    "tests/golden",
]
"""What ruff checks today: the model and analysis layers. The presentation layers (results,
report, widgets, plots, cli, batch) and most tests join once they are clean (not yet)."""


def test_ruff_lint_is_clean():
    r = _run(_tool("ruff"), "check", "--no-cache", *CHECKED)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_is_clean():
    r = _run(_tool("ruff"), "format", "--check", "--no-cache", *CHECKED)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_is_clean_on_the_model_layers():
    r = _run(_tool("mypy"), "--no-incremental")  # the files are listed in pyproject.toml
    assert r.returncode == 0, r.stdout + r.stderr
