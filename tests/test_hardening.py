"""Hostile and careless files (#16): the loader's limits, and errors that keep their place.

The limits of :mod:`decision_kit.loading` are checked at their boundaries (the last value
allowed is read, one more is refused) with texts built here, and the hostile files of
``tests/malformed/`` (an alias bomb, 5,000 nested lists, 250 nested mixtures) are refused with
a located :class:`~decision_kit.errors.ScenarioError` within a second of CPU time; the
expectations of those files are checked by ``tests/test_malformed.py``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import TypeAdapter

from decision_kit import loading
from decision_kit.cli import main
from decision_kit.distributions import Distribution
from decision_kit.errors import ScenarioError
from decision_kit.loading import MAX_ALIAS_NODES, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load, loads, read_yaml

ROOT = Path(__file__).resolve().parents[1]
MALFORMED = ROOT / "tests" / "malformed"
HOSTILE = [
    MALFORMED / name
    for name in (
        "yaml_alias_bomb.yaml",
        "yaml_nesting_5000_brackets.yaml",
        "yaml_nested_mixtures_250.yaml",
        "yaml_alias_inside_its_anchor.yaml",
    )
]
YAML_CORPUS = sorted(MALFORMED.glob("yaml_*.yaml"))
MINIMAL = "name: x\nhorizon_years: 5\ndiscount_rate: 0.08\noptions: {buy: {kind: buy}}\n"


def _error(fn, *args) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        fn(*args)
    return info.value


# --- the hostile files -----------------------------------------------------------------------


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_file_is_refused_within_a_second(path: Path):
    start = time.process_time()
    err = _error(load, path)
    elapsed = time.process_time() - start
    assert elapsed < 1.0, f"{path.name} took {elapsed:.2f} s of CPU"
    assert err.first.file == str(path) and err.first.line is not None


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_cli_validate_exits_2_naming_the_file(path: Path, capsys):
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_the_alias_bomb_is_refused_before_it_expands():
    """Nine levels of nine aliases would be 9**9 (387 million) strings; the loader stops when the
    aliases have added more than MAX_ALIAS_NODES values: at the first alias of line 13."""
    err = _error(load, MALFORMED / "yaml_alias_bomb.yaml")
    assert (err.first.line, err.first.column) == (13, 8)
    assert f"more than {MAX_ALIAS_NODES:,} values" in err.first.message


# --- each limit at its boundary --------------------------------------------------------------


def _nested(depth: int) -> str:
    return MINIMAL + "extra: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def test_nesting_up_to_max_depth_is_read():
    data, _ = read_yaml(_nested(MAX_DEPTH))  # the top mapping is the first level
    inner, levels = data["extra"], 2
    while inner:
        inner, levels = inner[0], levels + 1
    assert levels == MAX_DEPTH


@pytest.mark.parametrize("parser", ["libyaml", "python"])
def test_nesting_beyond_max_depth_is_refused(parser, monkeypatch):
    if parser == "python":
        monkeypatch.setattr(loading, "_PARSER", yaml.SafeLoader)
    err = _error(read_yaml, _nested(MAX_DEPTH + 1), "deep.yaml")
    assert str(err).startswith("deep.yaml:5:")
    assert err.first.message == f"mappings and lists nest more than {MAX_DEPTH} levels deep (the limit of a file)"


def _aliased(n_aliases: int) -> str:
    """A 999-item list (1,000 values) and ``n_aliases`` aliases of it: each adds 1,000 values."""
    return "base: &a [" + ", ".join(["0"] * 999) + "]\ncopies: [" + ", ".join(["*a"] * n_aliases) + "]\n"


def test_aliases_up_to_the_limit_are_read_and_share_their_anchor():
    data, locs = read_yaml(_aliased(MAX_ALIAS_NODES // 1000))
    assert len(data["copies"]) == 100 and all(c is data["base"] for c in data["copies"])
    assert locs[("copies", 99)] == (2, 10 + 4 * 99)


def test_one_alias_more_is_refused_at_that_alias():
    err = _error(read_yaml, _aliased(MAX_ALIAS_NODES // 1000 + 1), "aliases.yaml")
    assert (err.first.line, err.first.column) == (2, 10 + 4 * 100)


@pytest.mark.parametrize("limit", [10_000])
def test_more_values_than_max_nodes_are_refused(limit, monkeypatch):
    """``v: [0, ...]`` is the top mapping, its key, the list and the zeros: with ``limit - 3``
    zeros it is ``limit`` values, read; one zero more is refused (checked at 10,000 as well,
    where it is quick, with the limit lowered)."""
    monkeypatch.setattr(loading, "MAX_NODES", limit)
    ok, _ = read_yaml("v: [" + "0," * (limit - 3) + "]\n")
    assert len(ok["v"]) == limit - 3
    err = _error(read_yaml, "v: [" + "0," * (limit - 2) + "]\n", "many.yaml")
    assert f"more than {limit:,} values" in err.first.message and err.first.line == 1


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(MINIMAL.encode() + b"#" * (MAX_FILE_BYTES - len(MINIMAL)) + b"\n")
    err = _error(load, big)
    assert err.first.file == str(big)
    assert f"{MAX_FILE_BYTES + 1:,} bytes, more than the {MAX_FILE_BYTES:,}" in err.first.message
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(MINIMAL.encode() + b"#" * (MAX_FILE_BYTES - len(MINIMAL)))
    assert load(exact).name == "x"


def test_text_over_the_size_limit_is_refused():
    err = _error(loads, MINIMAL + "#" * MAX_FILE_BYTES, loading.Scenario, "text")
    assert "more than the" in err.first.message and err.first.file == "text"


# --- the C parser, and the same answers without it -------------------------------------------


def test_libyaml_parses_where_pyyaml_has_it():
    if yaml.__with_libyaml__:
        assert loading._PARSER is yaml.CSafeLoader
    else:
        pytest.skip("PyYAML was built without libyaml")


@pytest.mark.parametrize("path", YAML_CORPUS, ids=lambda p: p.stem)
def test_both_parsers_report_the_same_line_path_and_message(path: Path, monkeypatch):
    """The located problems of every YAML-level malformed file do not depend on the parser
    (columns may: libyaml scans ahead on deep nesting)."""
    first = _error(load, path)
    monkeypatch.setattr(loading, "_PARSER", yaml.SafeLoader)
    second = _error(load, path)
    assert [(p.line, p.path, p.message) for p in first.problems] == [
        (p.line, p.path, p.message) for p in second.problems
    ]


@pytest.mark.parametrize("parser", ["libyaml", "python"])
def test_a_tab_is_named_as_such(parser, monkeypatch):
    if parser == "python":
        monkeypatch.setattr(loading, "_PARSER", yaml.SafeLoader)
    err = _error(loads, "name: x\n\thorizon_years: 5\n", loading.Scenario, "tab.yaml")
    assert (err.first.line, err.first.column) == (2, 1)
    assert "found character '\\t' that cannot start any token (indent with spaces" in err.first.message


def test_reading_keeps_lines_and_columns_of_keys_and_values():
    text = "a:\n  b: [1, {c: 2}]\n  'd': \"e\"\n"
    data, locs = read_yaml(text)
    assert data == {"a": {"b": [1, {"c": 2}], "d": "e"}}
    assert locs[("a",)] == (2, 3)
    assert locs[("key", "a", "b")] == (2, 3) and locs[("a", "b")] == (2, 6)
    assert locs[("a", "b", 0)] == (2, 7) and locs[("a", "b", 1, "c")] == (2, 14)
    assert locs[("key", "a", "d")] == (3, 3) and locs[("a", "d")] == (3, 8)


def test_a_mapping_as_a_key_is_refused_where_it_is_written():
    err = _error(read_yaml, "a:\n  ? [1, 2]\n  : 3\n", "k.yaml")
    assert (err.first.line, err.first.path, err.first.message) == (2, "a", "keys must be plain names")


# --- the documentation states the limits ------------------------------------------------------


def test_the_limits_page_states_each_limit():
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for name, value in {
        "MAX_FILE_BYTES": f"{MAX_FILE_BYTES:,} bytes",
        "MAX_DEPTH": f"{MAX_DEPTH} levels",
        "MAX_NODES": f"{MAX_NODES:,} values",
        "MAX_ALIAS_NODES": f"{MAX_ALIAS_NODES:,} values",
    }.items():
        assert re.search(rf"`{name}`[^\n]*{re.escape(value)}", text), f"docs/limits.md must state {name} = {value}"


# --- nested mixtures ---------------------------------------------------------------------------


def _nested_mixture(levels: int, inner, components: int = 2) -> dict:
    dist = inner
    for _ in range(levels):
        dist = {"dist": "mixture", "components": [{"weight": 1 / components, "dist": dist}] * components}
    return dist


def test_nested_mixture_quantiles_take_time_in_proportion_to_depth():
    """A mixture of one component is that component, so 14 nested ones are uniform(2, 6):
    quantile q is 2 + 4q (to the bisection's 100 halvings). Before, each level asked its
    component for its extremes by bisection, which asked its own: 2**14 bisections here."""
    mixture = TypeAdapter(Distribution).validate_python(
        _nested_mixture(14, {"dist": "uniform", "low": 2, "high": 6}, 1)
    )
    start = time.process_time()
    q = mixture.ppf(np.array([0.1, 0.5, 0.9]))
    assert time.process_time() - start < 1.0
    assert q == pytest.approx([2.4, 4.0, 5.6], abs=1e-9)
    assert mixture.support() == pytest.approx((2.0, 6.0), abs=1e-9)


def test_mixture_quantiles_search_between_the_extremes_of_its_components():
    """Half uniform(0, 1), half a mixture of uniform(10, 11): the quartiles are 0.5 and 10.5."""
    inner = _nested_mixture(1, {"dist": "uniform", "low": 10, "high": 11}, 1)
    mixture = TypeAdapter(Distribution).validate_python(
        {"dist": "mixture", "components": [{"weight": 0.5, "dist": {"dist": "uniform", "low": 0, "high": 1}},
                                           {"weight": 0.5, "dist": inner}]}
    )  # fmt: skip
    assert mixture.ppf(np.array([0.25, 0.75])) == pytest.approx([0.5, 10.5], abs=1e-9)
    assert mixture.support() == pytest.approx((0.0, 11.0), abs=1e-9)


def test_mixtures_nested_deeper_than_python_allows_are_a_located_error():
    """From plain data (no file, so no depth limit of the loader) pydantic's own depth guard
    turns 250 nested mixtures into a problem at the field, not a RecursionError."""
    data = yaml.safe_load(MINIMAL)
    line = {"category": "license", "timing": "recurring", "amount": _nested_mixture(250, 1.0, components=1)}
    data["options"]["buy"]["costs"] = {"licence": line}
    err = _error(loading.validate, data)
    assert err.first.path.startswith("options.buy.costs.licence.amount")


# --- errors that keep their place ---------------------------------------------------------------


def test_a_request_error_names_no_file():
    err = ScenarioError("trials must be a positive integer, got 0")
    assert str(err) == "trials must be a positive integer, got 0"
    assert err.first.file == "" and err.first.line is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "scenarios/marketing_automation.yaml", "--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
        (["run", "scenarios/marketing_automation.yaml", "--trials", "2k"], "expected a whole number such as 20000"),
        (["allocate", "scenarios/digital_budget_2027.yaml", "--year", "7"], "decision-kit: year must be a plan year"),
    ],
)
def test_command_line_errors_say_who_speaks_not_input(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and "<input>" not in err and "Traceback" not in err


SUFFIXES = " (the suffixes are k for thousand, M for million and B for billion)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"$150k"', "'$150k' is not a number: leave out the currency sign (amounts are in the scenario's "
                    "currency), e.g. 150k"),
        ('"1.5m"', "'1.5m' is not a number: write 1.5M" + SUFFIXES),
        ('"2 bn"', "'2 bn' is not a number: write 2B" + SUFFIXES),
        ('"-1e309"', "'-1e309' is out of range: numbers must lie within about ±1.8e308 (what a float can hold)"),
        ("1" + "0" * 400, "1" + "0" * 400 + " is out of range: numbers must lie within about ±1.8e308"),
        ('"lots"', "expected a number or a distribution mapping, got 'lots'"),
    ],
)  # fmt: skip
def test_a_number_that_is_not_one_says_what_it_got(text, message):
    doc = MINIMAL.replace("options: {buy: {kind: buy}}", "options:\n  buy:\n    kind: buy\n    launch_months: " + text)
    err = _error(loads, doc, loading.Scenario, "n.yaml")
    assert (err.first.line, err.first.path, err.first.message) == (7, "options.buy.launch_months", message)


# --- tests/pathological: files that must run ----------------------------------------------------

PATHOLOGICAL = ROOT / "tests" / "pathological"


def test_nested_mixtures_as_deep_as_allowed_run_with_finite_money():
    """The amount is uniform(2k, 6k) through 14 one-component mixtures: a mean of 4k a year."""
    import decision_kit as dk

    scenario = load(PATHOLOGICAL / "nested_mixtures_14.yaml")
    summary = dk.simulate(scenario, trials=2000, seed=1).summary()
    money = summary[["npv_mean", "npv_p10", "npv_p90", "tco_mean", "pv_cost_mean", "cvar_10"]].to_numpy()
    assert np.isfinite(money).all()
    assert summary["tco_mean"].iloc[0] == pytest.approx(5 * 4000, rel=0.05)


def test_an_overflowed_figure_is_never_written_to_json_as_null(capsys):
    import json

    path = PATHOLOGICAL / "overflow_escalation_400_percent.yaml"
    assert main(["run", str(path), "--trials", "200", "--format", "json"]) == 0
    rows = {(r["option"], r["owner"]): r for r in json.loads(capsys.readouterr().out)["summary"]}
    assert rows[("buy", "marketing")]["tco_mean"] == "inf"  # 1e30 x 5**49 is beyond float32
    assert rows[("build", "marketing")]["tco_mean"] == pytest.approx(100_000, rel=0.1)
    assert rows[("build", "marketing")]["payback_p50"] is None  # no benefit: never pays back
