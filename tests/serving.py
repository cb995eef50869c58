"""Helpers for the tests that start a server through the README's make targets and open it in
a real browser: a free port, a bounded wait for it to listen, a process group to stop.

The browser is Debian's chromium driven by Playwright (never ``playwright install``); without
it, or without playwright, the tests that need it skip with the reason, except under CI=...,
where they fail, so CI never passes without a browser.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtual environment running the tests; make's BIN
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def make_command(*targets_and_variables: str) -> list[str]:
    """``make`` in the repository's Makefile with this environment's bin folder and without the
    set-up step (``-o``: the environment is installed already), so the recipe runs as written."""
    return [
        "make",
        "--no-print-directory",
        "-o",
        f"{BIN}/.installed",
        "-o",
        f"{BIN}/.installed-test",
        f"BIN={BIN}",
        *targets_and_variables,
    ]


def copy_project(dest: Path) -> Path:
    """The files the README's commands read, copied to ``dest`` (the commands write only there)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("scenarios", "notebooks", "benchmarks"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def require_browser() -> None:
    """Skip (fail under CI) unless chromium and playwright are there."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package")
    if missing:
        reason = "the real-browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A command started in its own process group, its output in ``log``; ``stop()`` ends the
    group (make, the server and the kernels it started, nothing else)."""

    def __init__(self, command: list[str], cwd: Path, log: Path, env: dict | None = None):
        self.log = log
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )

    def output(self, tail: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-tail:]

    def wait_for_port(self, port: int, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"nothing listened on port {port} within {timeout_s} s:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the servers stop their kernels on SIGTERM
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever of the group is left
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=5)
