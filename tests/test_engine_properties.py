"""Property tests of the engine (hypothesis): monotonicity the model must respect whatever the numbers.

- raising a licence price never lowers that option's TCO (in any trial, under any owner);
- raising the discount rate never raises the NPV of a stream whose benefits only ever exceed
  costs after the costs (a conventional investment), and never raises the PV of costs;
- an owner whose shifts are all neutral gives exactly the bare option's numbers.
"""

import textwrap

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decision_kit.loading import loads
from decision_kit.simulation import simulate

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

NEUTRAL = ("{launch_factor: 1, launch_extra_months: 0, integration_factor: 1, incident_frequency: 1, "
           "incident_severity: 1, governance_overhead: 0, consolidation: 0, realisation_factor: 1, marketing_share: 1}")


def scenario(licence: float, rate: float = 0.08, setup: float = 50_000, benefit: float = 120_000,
             horizon: int = 5, owners: str = "") -> str:
    return textwrap.dedent(f"""
        name: properties
        horizon_years: {horizon}
        discount_rate: {rate}
        drivers:
          seats: {{unit: seats, start: {{dist: uniform, low: 80, high: 120}}, growth: {{dist: triangular, low: 0, mode: 0.05, high: 0.15}}}}
        options:
          buy:
            kind: buy
            launch_months: {{dist: uniform, low: 1, high: 9}}
            costs:
              setup: {{category: implementation, timing: one_off, amount: {setup}, overrun: true}}
              licence: {{category: license, timing: recurring, amount: {licence}, escalation: {{dist: uniform, low: 0, high: 0.1}}}}
              seats: {{category: license, timing: per_unit, driver: seats, amount: 20, start: launch}}
              support: {{category: support, timing: percent_of, of: licence, amount: 0.15}}
              integration: {{category: integration, timing: one_off, amount: 10000}}
            benefits:
              uplift: {{category: revenue, amount: {benefit}, ramp_months: {{dist: uniform, low: 3, high: 12}}}}
            cost_overrun: {{dist: prior, name: it_cost_overrun}}
        risks:
          acquisition: {{type: vendor, effect: price_rise, probability: 0.2, impact: {{dist: uniform, low: 0, high: 0.5}}, lines: [licence]}}
          breach: {{type: security, effect: one_off, probability: 0.1, impact: {{dist: lognormal, median: 50000, sigma: 1}}}}
        {owners}
        """)


@SETTINGS
@given(price=st.floats(1_000, 500_000), extra=st.floats(1, 200_000), seed=st.integers(0, 2**31))
def test_raising_a_licence_price_never_lowers_tco(price, extra, seed):
    low = simulate(loads(scenario(price)), trials=500, seed=seed)
    high = simulate(loads(scenario(price + extra)), trials=500, seed=seed)
    # same seed, same trials: common random numbers, so the comparison holds trial by trial
    assert np.all(high.metrics["tco"] >= low.metrics["tco"])
    assert np.all(high.metrics["pv_cost"] >= low.metrics["pv_cost"])


@SETTINGS
@given(rate=st.floats(0.0, 0.3), bump=st.floats(0.001, 0.3), seed=st.integers(0, 2**31))
def test_raising_the_discount_rate_never_raises_npv_of_a_conventional_investment(rate, bump, seed):
    # costs are paid up front only (no licence, no risks): the stream is -setup, then benefits >= 0,
    # so every later flow is non-negative and discounting harder can only lower the NPV.
    text = textwrap.dedent(f"""
        name: conventional
        horizon_years: 6
        discount_rate: {{rate}}
        options:
          a:
            kind: build
            launch_months: {{{{dist: uniform, low: 0, high: 12}}}}
            costs:
              build: {{{{category: implementation, timing: one_off, amount: {{{{dist: pert, low: 100000, mode: 200000, high: 500000}}}}}}}}
            benefits:
              uplift: {{{{category: savings, amount: {{{{dist: triangular, low: 10000, mode: 80000, high: 150000}}}}, ramp_months: 6}}}}
        """)
    low = simulate(loads(text.format(rate=rate)), trials=500, seed=seed)
    high = simulate(loads(text.format(rate=rate + bump)), trials=500, seed=seed)
    assert np.all(high.metrics["npv"] <= low.metrics["npv"] + 1e-6)


@SETTINGS
@given(rate=st.floats(0.0, 0.3), bump=st.floats(0.001, 0.3), seed=st.integers(0, 2**31))
def test_raising_the_discount_rate_never_raises_the_pv_of_costs(rate, bump, seed):
    low = simulate(loads(scenario(100_000, rate=rate)), trials=500, seed=seed)
    high = simulate(loads(scenario(100_000, rate=rate + bump)), trials=500, seed=seed)
    assert np.all(high.metrics["pv_cost"] <= low.metrics["pv_cost"] * (1 + 1e-6))


@SETTINGS
@given(seed=st.integers(0, 2**31), price=st.floats(1_000, 500_000))
def test_a_neutral_owner_equals_the_bare_option(seed, price):
    # 'shared' made neutral vs 'it' made neutral: both must equal the option with no shifts at all,
    # i.e. each other, trial by trial, for every metric.
    owners = f"owners: {{shared: {NEUTRAL}, it: {NEUTRAL}}}"
    r = simulate(loads(scenario(price, owners=owners)), trials=500, seed=seed)
    for key in ("npv", "pv_cost", "tco", "launch_months"):
        np.testing.assert_array_equal(r.metrics[key][:, :, 0], r.metrics[key][:, :, 1])
