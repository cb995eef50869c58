"""How much of each shipped scenario's comparison between options is noise from independent draws.

A measurement script, not a test. Run from the repository root::

    .venv/bin/python benchmarks/comparisons.py [--trials 20000] [--seed 1] [--scenario PATH ...]

For every option pair of each scenario (under the owner of the best cell) it prints the mean
and the standard deviation of the per-trial NPV difference, and for the scenario the EVPI
over the option x owner grid and each option's share of trials in which it is the best cell.
It then adds a copy of the first option with 1,000 of one-off cost, restated (its own draws)
and as a variant (``extends``, its parent's draws), and prints how often it beats the original
(each under its best owner in the trial): about half the time when restated, never as a variant. Run it on a scenario
file before and after its physically shared quantities are made ``shared:`` to see how much
of a difference was the independence of the draws (MODEL_DESIGN.md section 0, finding 5).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import decision_kit as dk  # noqa: E402
from decision_kit import loading  # noqa: E402
from decision_kit.schema import Scenario, validate_document  # noqa: E402
from decision_kit.voi import evpi  # noqa: E402


def _with_copy(s: Scenario, *, variant: bool) -> Scenario:
    """``s`` with a copy of its first option that costs 1,000 more: a variant (its parent's
    draws) or, with ``variant`` False, a restatement of the option (draws of its own)."""
    data = s.model_dump(mode="python", by_alias=True)
    parent = next(iter(s.options))
    extra = {"category": "implementation", "timing": "one_off", "amount": 1000}
    if variant:
        copy = {"extends": parent, "costs": {"plus_1k": extra}}
    else:
        copy = {**data["options"][parent], "extends": None}
        copy["costs"] = {**copy["costs"], "plus_1k": extra}
    data["options"][f"{parent}_plus_1k"] = copy
    return validate_document(Scenario, data, {}, "<copy>")


def _copy_wins(s: Scenario, trials: int, seed: int, *, variant: bool) -> float:
    c = dk.simulate(_with_copy(s, variant=variant), trials=trials, seed=seed)
    per_option = c.metrics.npv.max(axis=2)  # (trials, options): each option's best owner
    return float((per_option[:, -1] > per_option[:, 0]).mean())


def report(path: Path, trials: int, seed: int) -> None:
    s = loading.load_scenario(path)
    r = dk.simulate(s, trials=trials, seed=seed)
    lay, npv = r.layout, r.metrics.npv
    _, owner = r.best_cell
    w = lay.owners.index(owner)
    print(f"\n{path.name}: {trials:,} trials, seed {seed}; pairs under owner {owner}")
    print(f"  {'pair':<34}{'mean diff':>14}{'sd diff':>14}")
    for a, b in itertools.combinations(lay.options, 2):
        d = npv[:, lay.options.index(a), w] - npv[:, lay.options.index(b), w]
        print(f"  {a + ' - ' + b:<34}{d.mean():>14,.0f}{d.std(ddof=1):>14,.0f}")
    e = evpi(r)
    print(f"  EVPI {float(e):,.0f} (standard error {e.standard_error:,.0f})")
    flat = npv.reshape(npv.shape[0], -1)
    wins = np.bincount(flat.argmax(axis=1), minlength=flat.shape[1]).reshape(npv.shape[1:]) / npv.shape[0]
    print("  P(best cell), by option: " + ", ".join(f"{o} {wins[i].sum():.1%}" for i, o in enumerate(lay.options)))
    first = lay.options[0]
    print(
        f"  a copy of {first} with 1,000 more cost beats it in "
        f"{_copy_wins(s, trials, seed, variant=False):.1%} of trials when restated (draws of its own), "
        f"{_copy_wins(s, trials, seed, variant=True):.1%} as a variant (extends: {first})"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", type=Path, nargs="*")
    args = p.parse_args(argv)
    paths = args.scenario or sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "budget" not in p.name)
    for path in paths:
        report(path, args.trials, args.seed)


if __name__ == "__main__":
    main()
