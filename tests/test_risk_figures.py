"""Risk figures that exist (issue 12 item 8): caps on risk losses, the certainty equivalent only
where it is finite for the stated distributions, and Monte Carlo standard errors with "too close
to call".

References, each worked by hand:

- a capped loss: an event every year costing ``min(impact x severity, cap)``, undiscounted at a
  0% rate, so the horizon's risk cost is ``H x min(impact x severity, cap)``;
- exponential utility of a normal NPV ``N(m, s^2)``: ``E[exp(-X/R)] = exp(-m/R + s^2/(2R^2))``,
  so ``CE = m - s^2/(2R)``; the Monte Carlo error of the estimator (delta method) is
  ``R sqrt((exp(s^2/R^2) - 1) / N)``;
- a share ``p`` of ``N`` trials has binomial standard error ``sqrt(p (1 - p) / N)``;
- a lead ``L`` with standard error ``se`` at ``N`` trials is two standard errors at
  ``N (2 se / L)^2`` trials (the standard error falls as ``1 / sqrt(N)``).
"""

from __future__ import annotations

import dataclasses
import math
import re
import textwrap

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import tails
from decision_kit.distributions import LogNormal, Mixture, Normal, Pareto, PriorRef, Quantiles, Uniform
from decision_kit.formatting import money
from decision_kit.loading import loads
from decision_kit.results import shown_certainty_equivalent, trials_to_separate

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


# --- tails and where the certainty equivalent exists ------------------------------------------


def test_tail_classes_of_the_distribution_families():
    heavy, gaussian, bounded = tails.TAILS.index("heavy"), tails.TAILS.index("gaussian"), tails.TAILS.index("bounded")
    assert tails.tail(LogNormal(median=1, sigma=0.1)) == heavy
    assert tails.tail(LogNormal(median=1, sigma=0.1), "lower") == bounded
    assert tails.tail(Pareto(xm=1, alpha=3)) == heavy and tails.tail(Pareto(xm=1, alpha=3, cap=5)) == bounded
    assert tails.tail(Normal(mean=0, sd=1)) == gaussian and tails.tail(Uniform(low=0, high=1)) == bounded
    assert tails.tail(Quantiles(p10=1, p50=2, p90=4)) == tails.TAILS.index("exponential")
    mix = Mixture(
        components=[
            {"weight": 0.5, "dist": 0},
            {"weight": 0.5, "dist": {"dist": "lognormal", "median": 1, "sigma": 0.2}},
        ]
    )
    assert tails.tail(mix) == heavy  # a mixture has the tail of its heaviest component
    assert tails.tail(PriorRef(name="saas_price_escalator_capped")) == bounded
    # products and powers: two normals make an exponential tail; a normal rate compounded over
    # three or more years is heavier than exponential
    assert tails.product([gaussian, bounded]) == gaussian and tails.product([gaussian, gaussian]) == 2
    assert tails.power(gaussian, 2) == 2 and tails.power(gaussian, 3) == heavy and tails.power(heavy, 0) == bounded


LOGNORMAL_LOSS = """
    options:
      a:
        kind: buy
        benefits: {gain: {category: revenue, amount: {dist: normal, mean: 1M, sd: 200k}, ramp_months: 0}}
      b:
        kind: build
        benefits: {gain: {category: revenue, amount: {dist: normal, mean: 900k, sd: 200k}, ramp_months: 0}}
    risks:
      breach:
        type: vendor
        effect: one_off
        probability: 0.1
        options: [a]
        impact: {dist: lognormal, median: 200k, sigma: 1.5}%s
    """


def test_an_uncapped_lognormal_loss_makes_the_certainty_equivalent_undefined_and_a_cap_restores_it():
    s = scenario(LOGNORMAL_LOSS % "", risk_tolerance="2M")
    assert tails.certainty_equivalent_defects(s) == {
        "a": "not defined: risks.breach.impact has an unbounded loss tail",
        "b": None,
    }
    capped = scenario(LOGNORMAL_LOSS % "\n        cap: {amount: 5M}", risk_tolerance="2M")
    assert tails.certainty_equivalent_defects(capped) == {"a": None, "b": None}


def test_every_loss_term_counts_not_only_risks():
    s = scenario(
        """
        drivers:
          users: {unit: users, start: 100, growth: {dist: normal, mean: 0.05, sd: 0.02}}
        options:
          esc:
            kind: buy
            costs:
              fee:
                {category: license, timing: recurring, amount: 10k, escalation: {dist: normal, mean: 0.05, sd: 0.01}}
          unit: {kind: buy, costs: {seat: {category: license, timing: per_unit, driver: users, amount: 100}}}
          over:
            kind: build
            cost_overrun: {dist: prior, name: it_cost_overrun}
            costs: {dev: {category: implementation, timing: one_off, amount: 100k, overrun: true}}
          pct:
            kind: buy
            costs:
              base: {category: license, timing: one_off, amount: {dist: lognormal, median: 10k, sigma: 0.3}}
              extra: {category: support, timing: percent_of, of: base, amount: 0.2}
          fine:
            kind: buy
            costs:
              fee:
                category: license
                timing: recurring
                amount: {dist: pert, low: 8k, mode: 10k, high: 15k}
                escalation: {dist: uniform, low: 0.02, high: 0.06}
        """,
        horizon_years=5,
    )
    d = tails.certainty_equivalent_defects(s)
    assert d["esc"] == "not defined: options.esc.costs.fee.escalation has an unbounded loss tail"  # a normal to the 4th
    assert d["unit"] == "not defined: drivers.users.growth has an unbounded loss tail"
    assert d["over"] == "not defined: options.over.cost_overrun has an unbounded loss tail"
    assert tails.loss_tails(s, "pct") == [("options.pct.costs.base.amount", "heavy")] * 2  # itself and its percent
    assert d["fine"] is None


def normal_npv(m: float, sd: float, rho: float) -> dk.Scenario:
    return scenario(
        f"""
        {SHARED_ONLY}
        options:
          a:
            kind: buy
            benefits: {{gain: {{category: revenue, amount: {{dist: normal, mean: {m}, sd: {sd}}}, ramp_months: 0}}}}
        """,
        horizon_years=1,
        risk_tolerance=rho,
    )


def test_certainty_equivalent_of_a_normal_npv_is_mean_minus_variance_over_twice_the_tolerance():
    m, sd, rho, n = 1e6, 4e5, 1e6, 40_000
    r = dk.simulate(normal_npv(m, sd, rho), trials=n, seed=7)
    row = r.summary().loc[("a", "shared")]
    assert row.npv_mean == pytest.approx(m, abs=5 * sd / math.sqrt(n))  # the NPV is the benefit itself
    closed = m - sd**2 / (2 * rho)
    mc_error = rho * math.sqrt(math.expm1(sd**2 / rho**2) / n)  # delta method, see the module docstring
    assert row.ce_note == "" and abs(row.certainty_equivalent - closed) < 4 * mc_error
    assert shown_certainty_equivalent(r.summary()).loc[("a", "shared")] == row.certainty_equivalent


# --- every output says "not defined" ------------------------------------------------------------

NOT_DEFINED = "not defined: risks.breach.impact has an unbounded loss tail"


@pytest.fixture(scope="module")
def uncapped(tmp_path_factory):
    path = tmp_path_factory.mktemp("uncapped") / "uncapped.yaml"
    text = "name: uncapped\nhorizon_years: 3\ndiscount_rate: 0\nrisk_tolerance: 2M\n" + textwrap.dedent(
        LOGNORMAL_LOSS % ""
    )
    path.write_text(text)
    return path


def test_the_cli_says_not_defined(uncapped, capsys):
    from decision_kit.cli import main

    assert main(["run", str(uncapped), "--trials", "500"]) == 0
    out = capsys.readouterr().out
    assert f"a: {NOT_DEFINED}" in out
    assert "b: not defined" not in out


def test_the_memo_and_the_workbook_say_not_defined(uncapped, tmp_path):
    from openpyxl import load_workbook

    from decision_kit import report

    r = dk.simulate(dk.load_scenario(uncapped), trials=500, seed=1)
    risk_table = report.html_memo(r).split('id="risk"')[1]
    for w in r.layout.owners:
        row = re.search(rf"<tr[^>]*>\s*<td>a</td>\s*<td>{w}</td>(.*?)</tr>", risk_table, re.S)
        assert re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))[3] == NOT_DEFINED
    out = report.write_xlsx(r, tmp_path / "memo.xlsx", trials_file=False)
    ws = load_workbook(out)["Summary"]
    h = report.XLSX_HEADER_ROW["Summary"]
    header = [c.value for c in ws[h]]
    col = header.index(f"Certainty equivalent ({r.scenario.currency})")
    values = {(row[0].value, row[col].value) for row in ws.iter_rows(min_row=h + 1) if row[0].value}
    assert {v for o, v in values if o == "a"} == {NOT_DEFINED}
    assert all(isinstance(v, float) for o, v in values if o == "b")
    assert "ce_note" not in header


def test_the_dashboard_says_not_defined(uncapped, tmp_path):
    pytest.importorskip("ipywidgets")
    from decision_kit.widgets import Dashboard

    d = Dashboard.from_file(uncapped, interactive_trials=300, save_dir=tmp_path)
    row_a = re.search(r"<tr[^>]*><td>a</td>(.*?)</tr>", d.summary.value, re.S).group(1)
    assert NOT_DEFINED in row_a
    row_b = re.search(r"<tr[^>]*><td>b</td>(.*?)</tr>", d.summary.value, re.S).group(1)
    assert "not defined" not in row_b


# --- Monte Carlo standard errors ----------------------------------------------------------------

TWO = """
    %s
    options:
      a: {kind: buy, benefits: {gain: {category: revenue, amount: {dist: normal, mean: %s, sd: 700k}, ramp_months: 0}}}
      b: {kind: buy, benefits: {gain: {category: revenue, amount: {dist: normal, mean: 1M, sd: 700k}, ramp_months: 0}}}
    """


def test_standard_error_of_p_best_is_the_binomial_one_and_matches_the_spread_over_seeds():
    # a and b alike: P(best) is 1/2 for each; 200 independent blocks of 400 trials
    s = scenario(TWO % (SHARED_ONLY, "1M"), horizon_years=1, risk_tolerance="5M")
    n, blocks = 400, 200
    big = dk.simulate(s, trials=n * blocks, seed=3)
    p, se, regret, regret_se = [], [], [], []
    for k in range(blocks):
        part = {name: a[k * n : (k + 1) * n] for name, a in big.metrics.items()}
        row = dataclasses.replace(big, trials=n, metrics=part).summary().loc[("a", "shared")]
        p.append(row.p_best), se.append(row.p_best_se)
        regret.append(row.expected_regret), regret_se.append(row.expected_regret_se)
    assert np.allclose(se, np.sqrt(np.array(p) * (1 - np.array(p)) / n))  # binomial, per block
    assert np.mean(se) == pytest.approx(math.sqrt(0.25 / n), rel=0.01)  # closed form at p = 1/2
    assert np.std(p, ddof=1) == pytest.approx(math.sqrt(0.25 / n), rel=0.2)  # and what another seed does
    assert np.std(regret, ddof=1) == pytest.approx(np.mean(regret_se), rel=0.2)


def test_standard_error_of_p_best_on_hand_made_trials():
    s = scenario(TWO % (SHARED_ONLY, "1M"), horizon_years=1, risk_tolerance="5M")
    base = dk.simulate(s, trials=4, seed=1)
    npv = np.zeros((4, 2, 1))
    npv[:, 1, 0] = [0.0, 1.0, 1.0, 1.0]  # a (0 everywhere) is best in the first of 4 trials only
    m = dict(base.metrics.items(), npv=npv)
    row = dataclasses.replace(base, metrics=m).summary().loc[("a", "shared")]
    assert row.p_best == 0.25 and row.p_best_se == pytest.approx(math.sqrt(0.25 * 0.75 / 4))  # 0.2165
    # a's regret is 0, 1, 1, 1: mean 0.75, sample sd 0.5, standard error 0.5 / sqrt(4) = 0.25
    assert row.expected_regret == 0.75 and row.expected_regret_se == pytest.approx(0.25)


def test_trials_to_separate_scales_by_the_square_of_two_standard_errors_over_the_lead():
    assert trials_to_separate(1_000, 50.0, 100.0) == pytest.approx(1_000 * 16)
    assert math.isinf(trials_to_separate(1_000, 0.0, 100.0))


def test_too_close_to_call_appears_within_two_standard_errors_and_disappears_with_enough_trials():
    s = scenario(
        TWO % (SHARED_ONLY, "1.05M"), horizon_years=1, risk_tolerance="5M"
    )  # a leads b by 50k; sd of a - b is 990k
    few = dk.simulate(s, trials=200, seed=4)
    gap, se = few.lead(("a", "shared"), ("b", "shared"))
    assert gap <= 2 * se
    text = few.recommendation()
    assert text.startswith("Too close to call at 200 trials: ")
    need = int(re.search(r"about ([\d,]+) trials would separate them", text).group(1).replace(",", ""))
    assert need >= trials_to_separate(200, gap, se) and need == pytest.approx(
        trials_to_separate(200, gap, se), rel=0.05
    )
    many = dk.simulate(s, trials=40_000, seed=4)
    gap, se = many.lead(("a", "shared"), ("b", "shared"))
    assert gap > 2 * se and se == pytest.approx(0.99e6 / 200, rel=0.05)  # sd of a - b, sqrt(2) x 700k, over sqrt(N)
    assert many.recommendation().startswith("Recommend a owned by shared")
    assert "too close" not in many.recommendation().lower()


def test_identical_options_are_too_close_at_any_trial_count():
    s = scenario(
        f"""
        {SHARED_ONLY}
        options:
          a: {{kind: buy, costs: {{fee: {{category: license, timing: one_off, amount: 10k}}}}}}
          b: {{kind: buy, costs: {{fee: {{category: license, timing: one_off, amount: 10k}}}}}}
        """,
        horizon_years=1,
    )
    text = dk.simulate(s, trials=100, seed=1).recommendation()
    assert "have the same NPV in every trial, and no number of trials separates them" in text


def test_evpi_says_its_standard_error():
    from decision_kit import voi

    s = scenario(TWO % (SHARED_ONLY, "1M"), horizon_years=1, risk_tolerance="5M")
    e = voi.evpi(dk.simulate(s, trials=2_000, seed=1))
    assert e.standard_error > 0 and f"± {money(e.standard_error, 'USD')}" in e.describe()


def test_a_shared_quantity_is_named_where_it_is_drawn_and_a_variant_bears_its_parents_risks():
    s = scenario(
        """
        shared:
          salary: {dist: lognormal, median: 120k, sigma: 0.2}
        options:
          a: {kind: build, costs: {dev: {category: staff, timing: recurring, amount: {dist: shared, name: salary}}}}
          b: {kind: buy}
          b_plus:
            extends: b
            costs: {support: {category: support, timing: recurring, amount: 5k}}
        risks:
          breach:
            {type: vendor, effect: one_off, probability: 0.1, options: [b], impact: {dist: pareto, xm: 10k, alpha: 2}}
        """
    )
    assert tails.certainty_equivalent_defects(s) == {
        "a": "not defined: shared.salary has an unbounded loss tail",
        "b": "not defined: risks.breach.impact has an unbounded loss tail",
        "b_plus": "not defined: risks.breach.impact has an unbounded loss tail",
    }
