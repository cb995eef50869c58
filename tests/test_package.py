"""Package-level contracts: a light import, and the command line's behaviour on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import decision_kit as dk
from decision_kit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "marketing_automation.yaml"


def test_import_is_light():
    code = ("import sys, decision_kit; heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'scipy', 'pandas') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_model_modules_do_not_import_presentation_libraries():
    code = ("import sys, decision_kit as dk; s = dk.load_scenario(%r); dk.simulate(s, trials=100, seed=0).summary(); "
            "print(','.join(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))" % str(DEFAULT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_validate_ok(capsys):
    assert main(["validate", str(DEFAULT)]) == 0
    assert "valid scenario" in capsys.readouterr().out


def test_validate_reports_every_bad_file_and_exits_2(tmp_path, capsys):
    bad1 = tmp_path / "bad1.yaml"
    bad1.write_text("name: x\nhorizon_years: 0\ndiscount_rate: 0.1\noptions: {a: {kind: buy}}\n")
    bad2 = tmp_path / "bad2.yaml"
    bad2.write_text("name: x\nhorizon_years: 3\ndiscount_rate: 0.1\noptions: {a: {kind: bye}}\n")
    assert main(["validate", str(DEFAULT), str(bad1), str(bad2)]) == 2
    err = capsys.readouterr().err
    assert "bad1.yaml:2:16: horizon_years: horizon_years must be between 1 and 50" in err
    assert "bad2.yaml:4:" in err and "options.a.kind" in err
    assert "Traceback" not in err


def test_cli_prints_no_traceback_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon_years: 5\ndiscount_rate: -1.5\noptions: {a: {kind: buy}}\n")
    out = subprocess.run([sys.executable, "-m", "decision_kit.cli", "run", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "bad.yaml:3:16: discount_rate: discount_rate must be above -100%" in out.stderr


def test_run_bad_trials_exits_2(capsys):
    assert main(["run", str(DEFAULT), "--trials", "0"]) == 2
    err = capsys.readouterr().err
    assert "decision-kit run: error: argument --trials: must be at least 1, got 0" in err
    assert "<input>" not in err


def test_run_json(capsys):
    assert main(["run", str(DEFAULT), "--trials", "2000", "--seed", "3", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    s = dk.load_scenario(DEFAULT)
    assert len(out["summary"]) == len(s.options) * len(s.owners)
    assert out["seed"] == 3 and out["trials"] == 2000
    assert out["recommendation"] == dk.simulate(s, trials=2000, seed=3).recommendation()


def test_run_table_and_csv(capsys):
    assert main(["run", str(DEFAULT), "--trials", "2000", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("option,owner,npv_mean")
    assert main(["run", str(DEFAULT), "--trials", "2000"]) == 0
    expected = dk.simulate(dk.load_scenario(DEFAULT), trials=2000, seed=0).recommendation()
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100  # the people's table and its words
    assert expected in " ".join(out.split())  # wrapped at 100 columns


def test_schema_writes_once(tmp_path, capsys):
    target = tmp_path / "scenario.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    schema = json.loads(target.read_text())
    assert "options" in schema["properties"]
    before = target.read_text()
    assert main(["schema", "--kind", "portfolio", "-o", str(target)]) == 2
    assert target.read_text() == before
    assert main(["schema", "--kind", "portfolio", "-o", str(target), "--force"]) == 0
    assert "initiatives" in json.loads(target.read_text())["properties"]


def test_base_case_cli(capsys):
    assert main(["base-case", str(DEFAULT), "--option", "buy", "--owner", "shared"]) == 0
    out = capsys.readouterr().out
    assert "total cost" in out and "net" in out


def test_batch_notebook_cli(tmp_path, capsys):
    pytest.importorskip("papermill")
    nb = ROOT / "notebooks" / "quickstart.ipynb"
    code = main(["batch", "--notebook", str(nb), str(ROOT / "scenarios" / "webinar_platform.yaml"),
                 "-o", str(tmp_path), "--trials", "2000", "--no-progress", "--timeout", "120"])
    assert code == 0, capsys.readouterr()
    executed = tmp_path / "quickstart-webinar_platform.ipynb"
    assert executed.exists()
    assert "webinar_platform.yaml" in executed.read_text()  # the injected parameter
    assert main(["batch", "--notebook", str(nb), str(ROOT / "scenarios" / "webinar_platform.yaml"),
                 "-o", str(tmp_path), "--no-progress"]) == 2  # never overwrites unless told


def test_allocate_cli(capsys):
    portfolio = str(ROOT / "scenarios" / "digital_budget_2027.yaml")
    assert main(["allocate", portfolio, "--trials", "500", "--year", "2"]) == 0  # 2028: the shared pot binds
    out = capsys.readouterr().out
    assert "marketing automation" in out and "one more USD in it adds" in out  # words, not code names
    assert main(["allocate", portfolio, "--budget", "100k", "--trials", "500"]) == 2
    assert "below the sum of minimum spends" in capsys.readouterr().err
    assert main(["allocate", portfolio, "--budget", "lots"]) == 2
