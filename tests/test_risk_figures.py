"""Risk figures that exist (issue 12 item 8): caps on risk losses.

Reference, worked by hand: an event every year costing ``min(impact x severity, cap)``,
undiscounted at a 0% rate, so the horizon's risk cost is ``H x min(impact x severity, cap)``.
"""

from __future__ import annotations

import re
import textwrap

import pytest

import decision_kit as dk
from decision_kit.loading import loads

SHARED_ONLY = "owners: {shared: {launch_extra_months: 0}}"  # no funding delay: NPV = the benefit as drawn


def scenario(body: str, **top) -> dk.Scenario:
    head = {"name": "risk figures", "horizon_years": 3, "discount_rate": 0, **top}
    text = "\n".join(f"{k}: {v}" for k, v in head.items()) + "\n" + textwrap.dedent(body)
    return loads(text)


# --- caps --------------------------------------------------------------------------------------

ONE_RISK = """
    options:
      a: {kind: buy}
    risks:
      outage: {type: %s, effect: %s, probability: 1, impact: %s%s}
    """


def risk_cost(s: dk.Scenario, owner: str = "shared") -> float:
    r = dk.simulate(s, trials=200, seed=1)
    tco = r.summary().loc[("a", owner), "tco_mean"]
    return float(tco)


@pytest.mark.parametrize(
    "cap, expected",
    [
        ("", 3 * 100_000),
        (", cap: {amount: 30k}", 3 * 30_000),
        (", cap: {share_of_revenue: 2%}", 3 * 40_000),
        (", cap: {amount: 30k, share_of_revenue: 2%}", 3 * 30_000),
    ],
    ids=["uncapped", "amount", "share_of_revenue", "the_smaller"],
)
def test_a_capped_one_off_loss_costs_at_most_the_cap_every_year(cap, expected):
    s = scenario(ONE_RISK % ("vendor", "one_off", "100k", cap), revenue="2M")
    assert risk_cost(s) == pytest.approx(expected, rel=1e-12)


def test_the_cap_bounds_a_security_loss_after_the_owners_severity():
    s = scenario(ONE_RISK % ("security", "one_off", "100k", ", cap: {amount: 120k}"))
    sev = {w: s.owner_shifts(w).incident_severity for w in s.owners}
    r = dk.simulate(s, trials=50, seed=1)
    for w, k in sev.items():
        freq = min(s.owner_shifts(w).incident_frequency, 1.0)  # probability 1 x frequency, clipped at 1
        if freq < 1:
            continue
        assert r.summary().loc[("a", w), "tco_mean"] == pytest.approx(3 * min(100_000 * k, 120_000), rel=1e-12)


def test_a_forced_migration_and_a_price_rise_are_capped_too():
    s = scenario(ONE_RISK % ("vendor", "forced_migration", "100k", ", cap: {amount: 25k}"))
    assert risk_cost(s) == pytest.approx(25_000, rel=1e-12)  # one event, in year 1
    rise = scenario(
        """
        options:
          a: {kind: buy, costs: {fee: {category: license, timing: recurring, amount: 10k}}}
        risks:
          hike: {type: vendor, effect: price_rise, probability: 1, impact: 0.5, lines: [fee], cap: {amount: 0.2}}
        """
    )
    # the first event is in year 1; the price rises from year 2: 10k + 2 x 12k, plus the owner's
    # governance overhead on cost lines
    overhead = 1 + rise.owner_shifts("shared").governance_overhead
    assert risk_cost(rise) == pytest.approx((10_000 + 2 * 12_000) * overhead, rel=1e-12)


@pytest.mark.parametrize(
    "body, top, message",
    [
        (
            ONE_RISK % ("vendor", "one_off", "100k", ", cap: {share_of_revenue: 2%}"),
            {},
            "needs the scenario's 'revenue:'",
        ),
        (ONE_RISK % ("vendor", "one_off", "100k", ", cap: {}"), {}, "a cap needs 'amount:'"),
        (
            ONE_RISK % ("vendor", "benefit_loss", "0.5", ", cap: {share_of_revenue: 2%}"),
            {"revenue": "1M"},
            "cap it by 'amount:' only",
        ),
    ],
    ids=["share_without_revenue", "empty_cap", "share_on_a_fraction"],
)
def test_an_invalid_cap_is_one_located_error(body, top, message):
    with pytest.raises(dk.ScenarioError, match=re.escape(message)) as err:
        scenario(body, **top)
    assert "risks.outage" in str(err.value)
