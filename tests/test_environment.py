"""environment.yml (conda) and pyproject.toml (pip) list the same packages and bounds."""

import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"matplotlib": "matplotlib-base", "pyyaml": "pyyaml"}  # pip name -> conda-forge name


def _parse(req: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return project, {CONDA_NAMES.get(n, n): spec for n, spec in map(_parse, reqs)}


def _environment():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    return env, dict(_parse(d) for d in deps), pip


def test_same_packages_and_bounds():
    _, py = _pyproject()
    env, conda, _ = _environment()
    conda = {k: v for k, v in conda.items() if k not in ("python", "pip")}
    assert conda == py


def test_channel_python_and_editable_install():
    project, _ = _pyproject()
    env, conda, pip = _environment()
    assert env["channels"][0] == "conda-forge"
    assert conda["python"] == "=3.11"
    assert project["requires-python"] == ">=3.11"
    assert pip == [{"pip": ["-e ."]}]


def test_running_python_satisfies_requires_python():
    assert sys.version_info >= (3, 11)


def test_the_analyst_set_up_installs_jupyterlab_ipywidgets_and_voila():
    project, _ = _pyproject()
    analyst = {_parse(r)[0] for r in project["optional-dependencies"]["notebooks"]}
    assert {"jupyterlab", "ipywidgets", "ipykernel", "voila"} <= analyst
    assert not analyst & {_parse(r)[0] for r in project["optional-dependencies"]["test"]}
    makefile = (ROOT / "Makefile").read_text()
    setup = makefile[makefile.index("$(BIN)/.installed: pyproject.toml") :].split("\n\n")[0]
    assert "pip install --quiet -e '.[notebooks]'" in setup  # what make run and make setup install
    assert re.search(r"^run: \$\(BIN\)/\.installed$", makefile, flags=re.M)
    _, conda, _ = _environment()
    assert {"jupyterlab", "ipywidgets", "ipykernel", "voila"} <= set(conda)
