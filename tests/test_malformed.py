"""Every file in ``tests/malformed/`` is rejected with one ScenarioError that says where and why.

Each corpus file opens with three header comments giving what the error must say::

    # expect-line: N                   the 1-based line the problem is reported at
    # expect-path: dotted.field.path   the field path ('' for the whole document)
    # expect-message: substring        part of the message

The test loads the file with :func:`decision_kit.loading.load` (which tells scenarios from
portfolios by an ``initiatives:`` key) and checks that one of the reported problems matches
all three, and that the printed message names the file and ``:N:``.

Files listed in ``KNOWN_BUGS`` show a defect of ``decision_kit`` (see the reason); they are
strict xfails, so the test turns red when the bug is fixed and the entry must be removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decision_kit.errors import ScenarioError
from decision_kit.loading import load

CORPUS = Path(__file__).parent / "malformed"
FILES = sorted(CORPUS.glob("*.yaml"))

HEADER = re.compile(
    r"\A# expect-line: (?P<line>\d+)\n# expect-path:[ ]?(?P<path>[^\n]*)\n# expect-message: (?P<message>[^\n]+)\n"
)

KNOWN_BUGS: dict[str, str] = {}


def _expectation(path: Path) -> dict:
    match = HEADER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} must start with the three '# expect-...' header lines"
    return {"line": int(match["line"]), "path": match["path"].strip(), "message": match["message"].strip()}


def _params():
    for path in FILES:
        marks = ()
        if path.name in KNOWN_BUGS:
            marks = pytest.mark.xfail(strict=True, raises=AssertionError, reason=KNOWN_BUGS[path.name])
        yield pytest.param(path, id=path.stem, marks=marks)


def test_corpus_is_large_enough():
    assert len(FILES) >= 35
    portfolios = [p for p in FILES if p.name.startswith("portfolio_")]
    assert len(portfolios) >= 2


def test_known_bugs_name_existing_files():
    assert set(KNOWN_BUGS) <= {p.name for p in FILES}


@pytest.mark.parametrize("path", list(_params()))
def test_malformed_file_is_rejected_with_location(path: Path):
    expected = _expectation(path)
    try:
        load(path)
    except ScenarioError as exc:
        err = exc
    else:
        raise AssertionError(f"{path.name} loaded without error")
    # anything other than ScenarioError propagates and fails the test
    assert isinstance(err, ValueError)
    text = str(err)
    assert path.name in text
    assert f":{expected['line']}:" in text, text
    assert expected["path"] in text
    assert expected["message"] in text
    matching = [
        p for p in err.problems
        if p.line == expected["line"] and p.path == expected["path"] and expected["message"] in p.message
    ]
    assert matching, f"no problem at line {expected['line']}, path {expected['path']!r} with " \
                     f"{expected['message']!r}; got:\n{text}"
    for problem in err.problems:
        assert problem.message
        assert problem.file == str(path)


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()}


def test_loading_the_corpus_writes_nothing():
    before = _snapshot(CORPUS)
    for path in FILES:
        try:
            load(path)
        except ScenarioError:
            pass
    assert _snapshot(CORPUS) == before
