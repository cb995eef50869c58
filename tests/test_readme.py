"""Every command the README shows is run (issue 17 item 1).

The commands are read from the README itself: each line of its ``bash`` blocks (comments
dropped) and each inline code span that starts with a command (``make …``, ``decision-kit …``,
``.venv/bin/decision-kit …``, ``jupytext …``, ``voila …``, ``conda …``). They run in a copy of
the project in a temporary folder, so nothing they write lands in the repository:

- ``decision-kit`` is this environment's command (a two-line shim on the PATH and in the copy's
  ``.venv/bin``); ``make`` runs the Makefile with this environment's bin folder and without
  the set-up step (``make -o``), so each recipe runs as written;
- ``report`` and ``batch`` get ``--trials 2000`` appended: their 20,000-trial defaults take a
  minute on a 2-core machine and the trial count changes no code path;
- ``make dashboard`` is started, and its page must come back with the notebook on it;
- commands that cannot run inside the suite are named in :data:`ELSEWHERE` with what runs or
  checks them instead (``make test`` is this suite; ``make lab`` is the browser test
  tests/test_lab.py; ``make bench`` is dry-run and its scripts must exist; the notebook batch
  is tests/test_package.py's).

A command added to the README without a way to run it here fails
:func:`test_every_readme_command_is_run`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from serving import BIN, ROOT, Server, copy_project, free_port, make_command

README = ROOT / "README.md"
COMMAND_WORDS = ("make", "decision-kit", ".venv/bin/decision-kit", "jupytext", "voila", "conda")
FAST_TRIALS = ("--trials", "2000")
TIMEOUT_S = 300
# commands not run here as written, with what runs them instead
ELSEWHERE = {
    "make test": "this suite is its recipe; dry-run by tests/test_readme.py::test_make_test_and_bench_recipes",
    "make bench": "not a test; dry-run, its scripts checked by tests/test_readme.py::test_make_test_and_bench_recipes",
    "make lab": "started, a notebook opened and run in a real browser by "
    "tests/test_lab.py::test_make_lab_serves_a_notebook_that_renders_and_runs",
    "decision-kit batch --notebook notebooks/quickstart.ipynb scenarios/webinar_platform.yaml -o out/nb": "run "
    "with --trials 2000 (and checked not to overwrite) by tests/test_package.py::test_batch_notebook_cli",
    "conda env create -f environment.yml": "no conda on CI; tests/test_environment.py checks the file against "
    "pyproject.toml",
}
SERVED = {"make dashboard"}  # started and its page fetched (a server does not finish)


def readme_commands() -> list[str]:
    """The README's shell commands, in order, each once."""
    text = README.read_text()
    found: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                found.append(command)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`\n]+)`", prose):
        words = span.split()
        if len(words) > 1 and words[0] in COMMAND_WORDS:
            found.append(span.strip())
    return list(dict.fromkeys(found))


def _shim(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "decision-kit"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m decision_kit.cli "$@"\n')
    script.chmod(0o755)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project, with ``decision-kit`` on the PATH and in ``.venv/bin``."""
    copy = copy_project(tmp_path_factory.mktemp("readme") / "project")
    _shim(copy / ".venv" / "bin")
    env = {
        **os.environ,
        "PATH": f"{copy / '.venv' / 'bin'}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return copy, env


def _as_run(command: str) -> list[str]:
    """The argument list that runs a README command here."""
    words = shlex.split(command)
    if words[0] == "make":
        return make_command(*words[1:])
    if words[0] == "decision-kit" and len(words) > 1 and words[1] in ("report", "batch"):
        words += FAST_TRIALS
    if words[0] == "jupytext":
        words = [str(BIN / "jupytext"), *[w.replace("<name>", "quickstart") for w in words[1:]]]
    return words


def _run(command: str, project) -> subprocess.CompletedProcess:
    cwd, env = project
    args = _as_run(command)
    # a shell, for the README's globs (scenarios/*.yaml)
    line = " ".join(shlex.quote(a) if "*" not in a else a for a in args)
    out = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert out.returncode == 0, f"{command!r} exited {out.returncode}:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


def test_the_readme_names_files_that_exist():
    for command in readme_commands():
        for word in shlex.split(command):
            if word.startswith(("scenarios/", "notebooks/")) and "*" not in word and "<" not in word:
                assert (ROOT / word).exists(), f"README command {command!r} names {word}, which does not exist"
    for path in re.findall(r"`((?:notebooks|docs|scenarios)/[^`\s<*]+)`", README.read_text()):
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"


def test_every_notebook_is_in_where_to_go_next():
    text = README.read_text()
    section = text[text.index("## Where to go next") :]
    section = section[: section.index("\n## ", 1)]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{nb.name}" in section, f"{nb.name} is missing from 'Where to go next'"


def test_every_readme_command_is_run():
    commands = readme_commands()
    assert "make run" in commands and "make lab" in commands and "make dashboard" in commands
    for command in commands:
        assert command in ELSEWHERE or command in SERVED or command.split()[0] in COMMAND_WORDS[:4], command
    assert not [c for c in commands if c.split()[0] == "voila"], "say `make dashboard`, which the tests start"
    assert set(ELSEWHERE) <= set(commands), "ELSEWHERE names a command the README no longer shows"
    for how in ELSEWHERE.values():
        for path, name in re.findall(r"(tests/\w+\.py)::(\w+)", how):
            assert f"\ndef {name}(" in (ROOT / path).read_text(), f"{path} has no test {name}"


@pytest.mark.parametrize("command", [c for c in readme_commands() if c not in ELSEWHERE and c not in SERVED])
def test_readme_command_runs(command, project):
    out = _run(command, project)
    cwd, _ = project
    if command == "make run" or command.startswith("make run "):
        scenario = re.search(r"SCENARIO=(\S+)", command)
        stem = Path(scenario.group(1)).stem if scenario else "marketing_automation"
        assert (cwd / "out" / f"{stem}.html").stat().st_size > 10_000
        last = out.stdout.strip().splitlines()[-2:]
        assert last[0].startswith("Next: make lab") and "make dashboard" in last[1], last
    if "report" in command.split():
        assert (cwd / "memo.html").exists() and (cwd / "memo.xlsx").exists() and (cwd / "memo-trials.csv").exists()
    if "schema" in command.split():
        assert (cwd / "scenario.schema.json").exists()


def test_readme_python_block_runs(project):
    cwd, env = project
    code = re.search(r"```python\n(.*?)```", README.read_text(), flags=re.S).group(1)
    code += "\nprint(result.recommendation())\n"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Recommend" in out.stdout


def test_make_test_and_bench_recipes():
    for target in ("test", "bench"):
        recipe = subprocess.run(make_command("-n", target), cwd=ROOT, capture_output=True, text=True, check=True)
        assert recipe.returncode == 0
        if target == "test":
            assert f"{BIN}/python -m pytest" in recipe.stdout
        for script in re.findall(r"(benchmarks/\S+\.py)", recipe.stdout):
            assert (ROOT / script).is_file(), script


def test_make_dashboard_serves_the_dashboard(project, tmp_path):
    cwd, env = project
    port = free_port()
    server = Server(
        make_command("dashboard", f"DASHBOARD_PORT={port}", "DASHBOARD_ARGS=--no-browser"),
        cwd=cwd,
        log=tmp_path / "voila.log",
        env=env,
    )
    try:
        server.wait_for_port(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120) as page:  # runs the notebook
            assert page.status == 200
            html = page.read().decode()
        assert "How to use it" in html, server.output()
        assert "Traceback" not in html
    finally:
        server.stop()
