"""The outputs the golden test pins: every shipped scenario's simulation, base case and the
main analyses, each reduced to a SHA-256 digest of its exact bytes.

A digest changes when a single bit of a number changes, so a refactoring that keeps every
digest is bit-identical. When a change is *meant* to move numbers (a model change), rerun
``python tests/golden/outputs.py --write`` and say in the commit which outputs moved and why.

Digests are of arrays (dtype, shape and raw bytes, C order) and of tables (pandas' own CSV
writer at full float precision, which round-trips every float64 exactly).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p.stem != "digital_budget_2027")
PORTFOLIO = ROOT / "scenarios" / "digital_budget_2027.yaml"
GOLDEN = Path(__file__).with_name("golden.json")
TRIALS = 4_000
SEED = 11


def digest_array(a) -> str:
    a = np.ascontiguousarray(np.asarray(a))
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.tobytes())
    return h.hexdigest()[:20]


def digest_frame(df) -> str:
    text = df.to_csv(float_format=repr) if hasattr(df, "to_csv") else repr(df)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def digest_mapping(m: Mapping) -> str:
    h = hashlib.sha256()
    for key in sorted(m):
        h.update(key.encode())
        h.update(digest_array(m[key]).encode())
    return h.hexdigest()[:20]


def _or_error(make: Callable[[], object]) -> str:
    """``repr`` of what ``make`` returns, or the message of the ScenarioError it raises."""
    from decision_kit.errors import ScenarioError

    try:
        return repr(make())
    except ScenarioError as exc:
        return f"ScenarioError: {exc}"


def _simulation_outputs(path: Path) -> dict[str, Callable[[], str]]:
    import decision_kit as dk

    scenario = dk.load_scenario(path)
    result = dk.simulate(scenario, trials=TRIALS, seed=SEED)
    out: dict[str, Callable[[], str]] = {
        "metrics": lambda: digest_mapping(result.metrics),
        "means": lambda: digest_mapping(result.means),
        "band_net": lambda: digest_array(result.band_net),
        "band_cost": lambda: digest_array(result.band_cost),
        "inputs": lambda: digest_mapping(result.inputs),
        "summary": lambda: digest_frame(result.summary()),
        "cashflows": lambda: digest_frame(result.cashflows()),
        "breakdown": lambda: digest_frame(result.breakdown()),
        "ledger": lambda: digest_frame(result.ledger()),
        "recommendation": lambda: hashlib.sha256(result.recommendation().encode()).hexdigest()[:20],
        "base_case": lambda: digest_frame(dk.base_case(scenario)),
    }
    if result.status_quo is not None:  # the status quo's per-trial npv, pv_cost and tco
        out["status_quo"] = lambda: digest_mapping(result.status_quo)
    return out


def _analysis_outputs() -> dict[str, Callable[[], str]]:
    import decision_kit as dk
    from decision_kit import mcda, voi
    from decision_kit import sensitivity as sens

    scenario = dk.load_scenario(ROOT / "scenarios" / "marketing_automation.yaml")
    result = dk.simulate(scenario, trials=TRIALS, seed=SEED)
    summary = result.summary()
    best = summary["npv_mean"].idxmax()
    second = summary["npv_mean"].drop(best).idxmax()
    out: dict[str, Callable[[], str]] = {
        "tornado": lambda: digest_frame(sens.tornado(scenario).to_frame()),
        "sobol": lambda: digest_frame(sens.sobol_scenario(scenario, n=256, seed=3, n_boot=50).to_frame()),
        "evpi": lambda: digest_frame(repr(voi.evpi(result))),
        "evppi": lambda: _significant(voi.evppi(result).to_frame()),
        "break_even": lambda: digest_frame(
            _or_error(
                lambda: sens.break_even(
                    scenario,
                    "drivers.contacts.start",
                    ("hybrid", best[1]),
                    ("buy", best[1]),
                    bounds=(50_000, 2_000_000),
                    trials=2_000,
                    seed=5,
                )
            )
        ),
        "crossover_year": lambda: repr(sens.crossover_year(result, best, second)),
        "criteria": lambda: digest_frame(mcda.criteria_scores(result)),
        "stakeholder_view": lambda: _significant(mcda.stakeholder_view(result).to_frame()),
        "rank_acceptability": lambda: digest_frame(mcda.rank_acceptability(result, trials=1_000).to_frame()),
    }
    return out


def _solved(frame) -> str:
    """Digest of an optimiser's result to whole cents: its last bits depend on the scipy release
    (SLSQP's iterates moved at the 1e-10 level from one release to the next), which a fresh
    install picks anew, so bits beyond a cent would make this test fail on a library upgrade
    rather than on a change of ours."""
    return digest_frame(frame.round(2))


def _significant(frame, digits: int = 9) -> str:
    """Digest of a table to ``digits`` significant figures: for analyses whose last bits follow
    the machine's linear-algebra kernels (the EVPPI's regression, the stakeholder view's
    weights), which moved between two fresh installs on the same kind of machine with the same
    library versions. Nine figures still catch any change in the model."""
    import pandas as pd

    def round_value(v):
        return float(f"{v:.{digits}g}") if isinstance(v, float) else v

    return digest_frame(frame.map(round_value) if isinstance(frame, pd.DataFrame) else frame)


def _allocation_outputs() -> dict[str, Callable[[], str]]:
    from decision_kit import allocation as al
    from decision_kit.loading import load_portfolio

    portfolio = load_portfolio(PORTFOLIO)
    return {
        "optimize": lambda: _solved(al.optimize(portfolio, trials=1_000, seed=2).to_frame()),
        "phase": lambda: _solved(al.phase(portfolio, trials=1_000, seed=2).to_frame()),
        "control_split": lambda: _solved(al.control_split(portfolio, trials=1_000, seed=2).to_frame()),
    }


def groups() -> dict[str, Callable[[], dict[str, Callable[[], str]]]]:
    """Every pinned group, by name, each computed only when asked for."""
    out: dict[str, Callable[[], dict[str, Callable[[], str]]]] = {
        f"scenario:{p.stem}": (lambda p=p: _simulation_outputs(p)) for p in SCENARIOS
    }
    out["analyses:marketing_automation"] = _analysis_outputs
    out["allocation:digital_budget_2027"] = _allocation_outputs
    return out


def compute(group: str) -> dict[str, str]:
    return {name: make() for name, make in groups()[group]().items()}


def main(argv: list[str]) -> int:
    current = {g: compute(g) for g in groups()}
    if "--write" in argv:
        GOLDEN.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN}")
        return 0
    stored = json.loads(GOLDEN.read_text())
    changed = [f"{g}.{k}" for g in current for k in current[g] if stored.get(g, {}).get(k) != current[g][k]]
    print("\n".join(changed) or "all outputs identical")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
