"""Each notebook has one source: notebooks/<name>.py (jupytext, percent format) is what a reviewer
reads and edits; notebooks/<name>.ipynb carries the outputs nbval checks. The two must hold the
same cells, and pyproject.toml must pair them so that `jupytext --sync` finds one from the other."""

import copy
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.config import load_jupytext_config
from jupytext.paired_paths import paired_paths

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOT_SOURCES = {"conftest.py"}  # pytest settings for the folder, not a notebook


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _sources() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.py") if p.name not in NOT_SOURCES)


def cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a notebook's reader and its runners see of each cell: type, source text and tags
    (papermill finds its parameters by the tag)."""
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def differences(notebook, source) -> list[str]:
    """Where two notebooks' cells differ, as 'cell <index>: ...' lines; empty when they agree."""
    a, b = cells(notebook), cells(source)
    found = [f"cell {i}: {x!r} != {y!r}" for i, (x, y) in enumerate(zip(a, b)) if x != y]
    if len(a) != len(b):
        found.append(f"{len(a)} cells != {len(b)} cells")
    return found


def test_every_notebook_has_a_source_and_every_source_a_notebook():
    names = {p.stem for p in _notebooks()}
    assert names, "no notebooks found"
    assert names == {p.stem for p in _sources()}


@pytest.mark.parametrize("notebook", _notebooks(), ids=lambda p: p.stem)
def test_pyproject_pairs_the_notebook_with_its_percent_source(notebook):
    formats = load_jupytext_config(str(notebook.parent)).default_formats(str(notebook))
    paths = dict(paired_paths(str(notebook), "ipynb", formats))
    source = str(notebook.with_suffix(".py"))
    assert source in paths
    assert paths[source]["format_name"] == "percent"


@pytest.mark.parametrize("notebook", _notebooks(), ids=lambda p: p.stem)
def test_committed_notebook_matches_its_source(notebook):
    committed = nbformat.read(notebook, as_version=4)
    source = jupytext.read(notebook.with_suffix(".py"))
    assert differences(committed, source) == []
    assert source.metadata["kernelspec"] == committed.metadata["kernelspec"]


@pytest.mark.parametrize("source", _sources(), ids=lambda p: p.stem)
def test_no_test_marker_in_the_readers_view(source):
    """nbval's checks are cell tags (``# %% tags=["nbval-check-output"]``), not comments in the code."""
    shown = [i for i, c in enumerate(jupytext.read(source).cells) if "NBVAL_" in c.source]
    assert shown == [], f"cells {shown} carry an NBVAL_ comment; tag the cell instead"


# The comparison itself, on copies edited on one side only.

SOURCE = """# %% [markdown]
# # Title
#
# Prose.

# %% tags=["parameters"]
trials = 100

# %%
# NBVAL_CHECK_OUTPUT
print(trials)
"""


def test_reading_the_percent_format_gives_the_cells_written_in_it():
    assert cells(jupytext.reads(SOURCE, fmt="py:percent")) == [
        ("markdown", "# Title\n\nProse.", ()),
        ("code", "trials = 100", ("parameters",)),
        ("code", "# NBVAL_CHECK_OUTPUT\nprint(trials)", ()),
    ]


@pytest.mark.parametrize(
    "edit, cell",
    [
        (lambda s: s.replace("trials = 100", "trials = 101"), "cell 1"),
        (lambda s: s.replace("# Prose.", "# Other prose."), "cell 0"),
        (lambda s: s.replace('# %% tags=["parameters"]', "# %%"), "cell 1"),
        (lambda s: s.replace("# NBVAL_CHECK_OUTPUT\n", ""), "cell 2"),
        (lambda s: s + "\n# %%\nprint(2 * trials)\n", "3 cells != 4 cells"),
    ],
    ids=["code", "markdown", "tag", "nbval-marker", "added-cell"],
)
def test_an_edit_on_one_side_only_is_reported(edit, cell):
    notebook = jupytext.reads(SOURCE, fmt="py:percent")
    assert differences(notebook, copy.deepcopy(notebook)) == []
    edited = jupytext.reads(edit(SOURCE), fmt="py:percent")
    found = differences(notebook, edited)
    assert len(found) == 1 and found[0].startswith(cell), found


def test_a_changed_committed_notebook_is_reported():
    notebook = _notebooks()[0]
    committed = nbformat.read(notebook, as_version=4)
    source = jupytext.read(notebook.with_suffix(".py"))
    last_code = max(i for i, c in enumerate(committed.cells) if c.cell_type == "code")
    committed.cells[last_code].source += "\nprint('edited in the notebook only')"
    assert differences(committed, source) == [
        f"cell {last_code}: {cells(committed)[last_code]!r} != {cells(source)[last_code]!r}"
    ]
