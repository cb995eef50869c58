"""The dominance lint (MODEL_DESIGN 4a; issue 13): an owner whose every ownership effect is at
least as favourable as another's is ahead of it by construction, and the recommendation says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import decision_kit as dk
from decision_kit import loading
from decision_kit.dominance import dominated_by, dominates
from decision_kit.priors import OwnerShifts

SCENARIOS = sorted(p for p in Path("scenarios").glob("*.yaml") if "budget" not in p.stem)


def legacy(path):
    """A shipped scenario without its organisation profile: owners by round one's constants."""
    data = yaml.safe_load(Path(path).read_text())
    data.pop("organisation", None)
    return loading.validate(data, file=str(path))


def test_dominance_by_hand():
    base = OwnerShifts()
    faster = OwnerShifts(launch_factor=0.8)
    assert dominates(faster, base) and not dominates(base, faster)
    assert not dominates(base, OwnerShifts())  # identical shifts: neither
    trade_off = OwnerShifts(launch_factor=0.8, governance_overhead=0.05)
    assert not dominates(trade_off, base) and not dominates(base, trade_off)
    assert dominates(OwnerShifts(realisation_factor=1.1), base)
    assert not dominates(OwnerShifts(marketing_share=0.2), base)  # who pays is neither better nor worse


def test_the_lint_fires_on_the_shipped_constants_embedded_over_shared():
    s = legacy("scenarios/marketing_automation.yaml")
    assert dominated_by(s, "embedded") == ("shared",)
    assert dominated_by(dk.load_scenario("scenarios/marketing_automation.yaml"), "embedded") == ()  # by mechanism
    assert dominated_by(s, "shared") == ()
    assert all(dominated_by(s, w) == () for w in ("marketing", "it", "shadow"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_dominated_owner_is_behind_for_every_option_of_every_shipped_scenario(path):
    s = legacy(path)
    r = dk.simulate(s, trials=4_000, seed=5)
    npv = r.summary()["npv_mean"]
    for a in s.owners:
        for b in dominated_by(s, a):
            for o in r.layout.options:
                assert npv[(o, a)] > npv[(o, b)], (o, a, b)


def test_the_recommendation_names_a_predetermined_lead_and_is_silent_without_one():
    s = legacy("scenarios/analytics_stack.yaml")
    text = dk.simulate(s, trials=4_000, seed=1).recommendation()
    assert "predetermined: embedded is at least as good as shared on every ownership effect" in text
    level = "{governance_overhead: 0.05, launch_factor: 1, launch_extra_months: 0, realisation_factor: 1}"
    flat = loading.loads(
        "name: flat\nhorizon_years: 3\ndiscount_rate: 0.05\n"
        f"owners: {{marketing: {level}, it: {level}}}\n"
        "options:\n"
        "  a: {kind: buy, costs: {x: {category: license, timing: recurring, amount: 10k}},"
        " benefits: {y: {category: savings, amount: 30k, ramp_months: 0}}}\n"
        "  b: {kind: buy, costs: {x: {category: license, timing: recurring, amount: 15k}}}\n"
    )
    assert (
        dominated_by(flat, "marketing") == () and "predetermined" not in dk.simulate(flat, 500, seed=1).recommendation()
    )
