"""Golden outputs: every shipped scenario's simulation, base case and main analyses, pinned bit
for bit (digests in ``tests/golden/golden.json``, how they are made in ``tests/golden/outputs.py``).

A refactoring must leave every digest unchanged. A change meant to move numbers regenerates
them (``python tests/golden/outputs.py --write``) and says in its commit which moved and why.
"""

import json

import pytest

from tests.golden import outputs

STORED = json.loads(outputs.GOLDEN.read_text())


@pytest.mark.parametrize("group", sorted(outputs.groups()))
def test_outputs_are_bit_identical(group):
    assert group in STORED, f"{group} has no stored digests: run tests/golden/outputs.py --write"
    got = outputs.compute(group)
    changed = {k: (STORED[group].get(k), v) for k, v in got.items() if STORED[group].get(k) != v}
    assert not changed, f"{group}: outputs changed (stored, now): {changed}"
    assert set(STORED[group]) == set(got), "the set of pinned outputs changed"
