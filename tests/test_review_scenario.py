"""The plan-vs-actual review of a scenario (decision_kit.review_scenario, issue #15 item 3):
actuals files, the prior trials, sunk costs, and the ``decision-kit review`` command.

References are independent of the code under test: closed-form NPVs of a hand-built
scenario, the normal-normal conjugate update, simulate's own per-trial NPVs, and the standard
error of a reweighted mean."""

from pathlib import Path

import numpy as np
import pytest

import decision_kit as dk
from decision_kit import loading
from decision_kit.cli import main
from decision_kit.errors import ScenarioError
from decision_kit.review_scenario import ScenarioModel, load_actuals, review_scenario

ROOT = Path(__file__).resolve().parents[1]
MA = ROOT / "scenarios" / "marketing_automation.yaml"
EXAMPLE = ROOT / "scenarios" / "actuals" / "marketing_automation_2028.yaml"

# One option with a one-off implementation cost LN(log 100k, 0.2^2) at the decision date and fixed
# flows afterwards (licence 30k a year, savings 60k a year from go-live at month 0); option b
# only costs 10k a year, the status quo 20k. Owner shifts neutral. 10% discount rate, 3 years.
SUNK = """
name: sunk cost
horizon_years: 3
discount_rate: 0.1
owners: {marketing: {governance_overhead: 0, launch_factor: 1, launch_extra_months: 0, realisation_factor: 1}}
status_quo:
  costs: {old_tool: {category: license, timing: recurring, start: decision, amount: 20k}}
options:
  a:
    kind: buy
    launch_months: 0
    costs:
      implementation: {category: implementation, timing: one_off, amount: {dist: lognormal, median: 100k, sigma: 0.2}}
      licence: {category: license, timing: recurring, amount: 30k}
    benefits:
      savings: {category: savings, amount: 60k, ramp_months: 0}
  b:
    kind: buy
    launch_months: 0
    costs: {licence: {category: license, timing: recurring, amount: 10k}}
"""


def _actuals(tmp_path, observed: str, cell="{option: a, owner: marketing}", as_of=1) -> Path:
    path = tmp_path / "actuals.yaml"
    path.write_text(f"actuals:\n  as_of_years: {as_of}\n  cell: {cell}\n  observed:\n{observed}")
    return path


def test_past_cost_moves_npv_to_date_by_the_conjugate_update_and_leaves_npv_to_go(tmp_path):
    """Sunk-cost invariance on a scenario whose future is certain. Observing the implementation
    cost at 140k with a lognormal error of sigma 0.1 moves E[NPV to date] by minus the change in
    its mean, from the conjugate update in log space: the posterior log-mean is
    log 100k + 0.04 / (0.04 + 0.01) x log 1.4 and the log-variance 1 / (1/0.04 + 1/0.01) =
    0.008, so the mean goes from 100k e^0.02 to 100k x 1.4^0.8 e^0.004. The NPV to go of every
    action keeps its closed form: continue a = 30k / 1.1^2 + 30k / 1.1^3, stop (the status quo's
    years 2-3) = -20k / 1.1^2 - 20k / 1.1^3, switch to b (started at the review date, its years
    1-2 in years 2-3) = -10k / 1.1^2 - 10k / 1.1^3."""
    scenario = loading.loads(SUNK)
    path = _actuals(tmp_path, "    cost.implementation[0]: {value: 140k, sigma: 0.1}\n")
    rv = review_scenario(scenario, load_actuals(path, scenario), trials=50_000, seed=4)
    r = rv.review
    years_2_3 = 1 / 1.1**2 + 1 / 1.1**3
    go = np.array([30e3 * years_2_3, -20e3 * years_2_3, -10e3 * years_2_3])
    assert r.cells == ("continue a", "stop (back to the status quo)", "switch to b")
    np.testing.assert_allclose(r.prior_npv_to_go, go, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(r.posterior_npv_to_go, go, rtol=1e-12, atol=1e-9)
    assert r.recommended_before == r.recommended_after == "continue a"
    # to date: -implementation - 30k / 1.1 + 60k / 1.1, so only the implementation moves
    prior_mean, posterior_mean = 100e3 * np.exp(0.02), 100e3 * 1.4**0.8 * np.exp(0.004)
    posterior_sd = posterior_mean * np.sqrt(np.expm1(0.008))
    tolerance = 4 * posterior_sd / np.sqrt(r.ess) + 4 * 100e3 * 0.2 / np.sqrt(r.trials)
    change = r.posterior_npv_to_date - r.prior_npv_to_date
    assert change == pytest.approx(-(posterior_mean - prior_mean), abs=tolerance)
    assert r.method == "importance"


def test_uninformative_observation_leaves_the_forecast_bit_identical(tmp_path):
    """sd = .inf: every weight is exactly 1/n, so the posterior is the prior bit for bit; and
    the prior trials are simulate's (NPV to date + NPV to go of continue = simulate's NPV)."""
    scenario = dk.load_scenario(MA)
    obs = "    cost[1]: {value: 450k, sd: .inf}\n    launch_months: {value: 9, sd: .inf}\n"
    path = _actuals(tmp_path, obs, cell="{option: buy, owner: embedded}")
    rv = review_scenario(scenario, load_actuals(path, scenario), trials=3_000, seed=7)
    r = rv.review
    assert np.all(r.weights == 1 / 3_000) and r.ess == 3_000 and r.method == "importance"
    assert np.array_equal(r.posterior_npv_to_go, r.prior_npv_to_go)
    assert r.posterior_npv_to_date == r.prior_npv_to_date
    assert np.array_equal(r.inputs.posterior_mean, r.inputs.prior_mean)
    assert np.array_equal(r.inputs.posterior_quantiles, r.inputs.prior_quantiles)
    assert r.recommended_before == r.recommended_after
    assert np.all(r.attribution.values == 0.0)
    result = dk.simulate(scenario, trials=3_000, seed=7)
    o, w = result.layout.options.index("buy"), result.layout.owners.index("embedded")
    total = r.posterior.npv_to_date + r.posterior.npv_to_go[:, 0]
    np.testing.assert_allclose(total, result.metrics["npv"][:, o, w], rtol=1e-9, atol=1e-6)


def test_observed_past_cost_of_the_shipped_scenario_leaves_npv_to_go_within_its_standard_error(tmp_path):
    """buy's training is a one-off at the decision date that nothing later depends on:
    observing it at 45k (prior triangular 15k-30k-50k) changes each action's expected NPV to go
    by no more than four standard errors of a reweighted mean, sqrt(sum (w - 1/n)^2 (x - mean)^2),
    keeps the recommendation, and moves the NPV to date by minus the training's own reweighted
    change (a cost at the decision date), within four of those standard errors (the other flows
    to date are the noise of the reweighting: at ESS 3,200 about 6k, half the 11.6k shift)."""
    scenario = dk.load_scenario(MA)
    path = _actuals(tmp_path, "    cost.training[0]: {value: 45k, sd: 3k}\n", cell="{option: buy, owner: embedded}")
    r = review_scenario(scenario, load_actuals(path, scenario), trials=20_000, seed=2, min_ess=100).review
    n = r.trials
    x = r.posterior.npv_to_go
    se = np.sqrt(np.sum((r.weights - 1 / n)[:, None] ** 2 * (x - x.mean(axis=0)) ** 2, axis=0))
    assert np.all(np.abs(r.posterior_npv_to_go - r.prior_npv_to_go) <= 4 * se)
    assert r.recommended_before == r.recommended_after
    x0, w = r.posterior.npv_to_date, r.weights
    se0 = np.sqrt(np.sum((w - 1 / n) ** 2 * (x0 - x0.mean()) ** 2))
    training = np.asarray(r.posterior.inputs)[:, r.posterior.input_names.index("options.buy.costs.training.amount")]
    shift = np.sum(w * training) - training.mean()
    assert shift > 10_000  # 45k observed against a prior mean of 31.7k, measured with a 3k error
    assert abs((r.posterior_npv_to_date - r.prior_npv_to_date) + shift) < 4 * se0


def test_inputs_drawn_every_year_are_columns_of_their_own_and_the_trials_are_simulates(tmp_path):
    """An escalator drawn every year (an (n, 2) matrix: the rises into years 2 and 3) becomes two
    inputs, and the prior trials' NPV to date plus NPV to go of continue is simulate's NPV,
    trial by trial; with no status quo, stopping is worth exactly 0."""
    text = SUNK.split("status_quo:")[0] + "options:" + SUNK.split("options:")[1]
    text = text.replace(
        "licence: {category: license, timing: recurring, amount: 30k}",
        "licence: {category: license, timing: recurring, amount: 30k,"
        " escalation: {dist: uniform, low: 0, high: 0.1}, escalation_draw: per_year}",
    )
    scenario = loading.loads(text)
    path = _actuals(tmp_path, "    cost[1]: {value: 30k, sd: .inf}\n")
    r = review_scenario(scenario, load_actuals(path, scenario), trials=1_000, seed=9).review
    drawn = [n for n in r.posterior.input_names if n.startswith("options.a.costs.licence.escalation")]
    assert len(drawn) == 2
    assert r.cells[1] == "stop (nothing after the review)" and np.all(r.posterior.npv_to_go[:, 1] == 0.0)
    result = dk.simulate(scenario, trials=1_000, seed=9)
    total = r.posterior.npv_to_date + r.posterior.npv_to_go[:, 0]
    np.testing.assert_allclose(total, result.metrics["npv"][:, 0, 0], rtol=1e-12, atol=1e-6)


def test_tempered_smc_on_the_shipped_scenario_keeps_unobserved_inputs_with_atoms_at_their_prior(tmp_path):
    """Forced SMC (min_ess = every trial) on an observation of buy's training cost: inputs with
    an atom that the observation cannot inform (the 20 % of zero benefit realisation; a vendor
    acquisition's price change of exactly 0) keep their prior mean within 0.15 prior sd (the
    particles' standard error is about 0.03 sd), and each particle's KPIs and NPVs are the
    forward model's of its inputs."""
    scenario = dk.load_scenario(MA)
    path = _actuals(tmp_path, "    cost.training[0]: {value: 45k, sd: 3k}\n", cell="{option: buy, owner: embedded}")
    actuals = load_actuals(path, scenario)
    r = review_scenario(scenario, actuals, trials=2_000, seed=5, min_ess=2_000).review
    assert r.method == "smc" and r.smc is not None and r.smc.temperatures[-1] == 1.0
    shift = dict(zip(r.inputs.inputs, r.inputs.shift, strict=True))
    for name in ("shared.package_realisation", "risks.vendor_acquired.impact", "options.buy.launch_months"):
        assert abs(shift[name]) < 0.15, (name, shift[name])
    assert shift["options.buy.costs.training.amount"] > 1.0
    again = ScenarioModel(scenario, actuals)(r.posterior.inputs)
    np.testing.assert_allclose(again.kpis, r.posterior.kpis, rtol=1e-12)
    np.testing.assert_allclose(again.npv_to_go, r.posterior.npv_to_go, rtol=1e-12, atol=1e-6)


@pytest.mark.parametrize(
    "observed, cell, field, words",
    [
        ("    launch_months: {value: 5.5}\n", None, "actuals.observed.launch_months", "exactly one"),
        ("    cost[3]: {value: 5k, sd: 1k}\n", None, "actuals.observed.cost[3]", "after the review date"),
        ("    spend[1]: {value: 5k, sd: 1k}\n", None, "actuals.observed.spend[1]", "not an observable KPI"),
        ("    cost[1]: {value: 5k, sd: -1k}\n", None, "actuals.observed.cost[1].sd", "positive"),
        ("    cost[1]: {value: 5k, sd: 1k, colour: red}\n", None, "actuals.observed.cost[1].colour", "unknown"),
        ("    cost[1]: {value: 5k, sd: 1k}\n", "{option: rent, owner: it}", "actuals.cell.option", "no option 'rent'"),
        ("    cost.nothing[1]: {value: 5k, sd: 1k}\n", None, "actuals.observed['cost.nothing[1]']", "no cost line"),
    ],
)
def test_a_bad_actuals_file_is_a_located_scenario_error(tmp_path, observed, cell, field, words):
    scenario = dk.load_scenario(MA)
    path = _actuals(tmp_path, observed, cell=cell or "{option: buy, owner: embedded}")
    with pytest.raises(ScenarioError) as exc:
        load_actuals(path, scenario)
    problem = exc.value.first
    assert problem.file == str(path) and problem.line is not None
    assert field in problem.path and words in problem.message, str(exc.value)


def test_cli_review_exits_0_on_the_shipped_example_and_2_on_a_bad_file(tmp_path, capsys):
    assert main(["review", str(MA), str(EXAMPLE), "--trials", "4000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert all(len(line) <= 100 for line in out.splitlines())
    for words in ("Effective sample size", "Inputs that moved most", "Recommended action", "Shapley", "USD"):
        assert words in out
    assert "ILLUSTRATIVE" in EXAMPLE.read_text()
    bad = _actuals(tmp_path, "    cost[9]: {value: 5k, sd: 1k}\n", cell="{option: buy, owner: embedded}")
    assert main(["review", str(MA), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:5:" in err and "actuals.observed.cost[9]" in err and "Traceback" not in err


# One uncertain input: a benefit b ~ N(100k, 20k^2) a year, the same draw every year, in full
# from year 1 (live at once, no ramp); nothing else. Success: year 2's benefit at least 90k.
MILESTONE = """
name: milestone review
horizon_years: 3
discount_rate: 0.1
owners: {marketing: {governance_overhead: 0, launch_factor: 1, launch_extra_months: 0, realisation_factor: 1}}
options:
  a:
    kind: buy
    launch_months: 0
    benefits:
      uplift: {category: revenue, amount: {dist: normal, mean: 100k, sd: 20k}, ramp_months: 0}
stakeholders:
  CIO: {weights: {expected_npv: 1}}
success:
  signed_by: [CIO]
  kpis:
    year1: {metric: "benefit[1]", target: 50k, direction: at_least, owner: CIO}
    year2: {metric: "benefit[2]", target: 90k, direction: at_least, owner: CIO}
  milestones:
    - {name: Year-1 budget, at_month: 12, kpis: [year1]}
    - {name: Year-2 budget, at_month: 24, kpis: [year2]}
"""


def test_the_chance_of_a_remaining_milestone_follows_the_conjugate_update(tmp_path):
    """Observing year 1's benefit at 70k +- 15k: the normal-normal update gives b | obs ~
    N(80.8k, 12k^2) (posterior mean 100k - 400/625 x 30k, variance 1 / (1/400 + 1/225) in
    k^2), so P(b >= 90k) moves from Phi(0.5) = 0.6915 to Phi(-9.2 / 12) = Phi(-0.7667) =
    0.2216. The year-1 milestone is at the review date (not remaining); every remaining
    milestone is the year-2 one alone."""
    from math import erfc, sqrt

    scenario = loading.loads(MILESTONE)
    path = _actuals(tmp_path, "    benefit[1]: {value: 70k, sd: 15k}\n")
    rv = review_scenario(scenario, load_actuals(path, scenario), trials=40_000, seed=3)
    m = rv.milestones
    phi = lambda z: 0.5 * erfc(-z / sqrt(2))
    before, after = phi(0.5), phi(-9.2 / 12)
    assert abs(m.loc["Year-2 budget", "p_before"] - before) < 4 * sqrt(before * (1 - before) / 40_000)
    assert abs(m.loc["Year-2 budget", "p_after"] - after) < 4 * sqrt(after * (1 - after) / rv.review.ess)
    assert not m.loc["Year-1 budget", "remaining"] and m.loc["Year-2 budget", "remaining"]
    assert m.loc["every remaining milestone", "p_after"] == m.loc["Year-2 budget", "p_after"]
    assert list(m.index) == ["Year-1 budget", "Year-2 budget", "every remaining milestone"]


def test_the_milestones_before_the_actuals_are_the_success_analysis_of_the_same_trials():
    scenario = dk.load_scenario(MA)
    actuals = load_actuals(EXAMPLE, scenario)
    rv = review_scenario(scenario, actuals, trials=3_000, seed=5, min_ess=50)
    from decision_kit import success

    ms = success.analyse(dk.simulate(scenario, trials=3_000, seed=5)).milestones().sort_index().xs(("buy", "embedded"))
    for name in ms.index:
        if name == "Year-2 stop review":  # a signed stop rule: fitted on the plan, not re-forecast
            assert np.isnan(rv.milestones.loc[name, "p_before"]) and np.isnan(rv.milestones.loc[name, "p_after"])
            continue
        assert abs(rv.milestones.loc[name, "p_before"] - ms.loc[name, "p_hit"]) <= 1 / 3_000


def test_the_report_command_with_actuals_writes_the_review_and_refuses_a_bad_file_first(tmp_path, capsys):
    import pandas as pd

    scenario = tmp_path / "sunk.yaml"
    scenario.write_text(SUNK)
    actuals = _actuals(tmp_path, "    cost.implementation[0]: {value: 140k, sigma: 0.1}\n")
    html, xlsx = tmp_path / "m.html", tmp_path / "m.xlsx"
    code = main(["report", str(scenario), "--actuals", str(actuals), "-o", str(html), "-o", str(xlsx),
                 "--trials", "2000", "--no-trials-file"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "Plan versus actual: a / marketing as of year 1" in html.read_text()
    assert pd.ExcelFile(xlsx, engine="openpyxl").sheet_names[-1] == "Plan vs actual"
    bad = _actuals(tmp_path, "    cost.nothing[0]: {value: 140k, sigma: 0.1}\n")
    assert main(["report", str(scenario), "--actuals", str(bad), "-o", str(tmp_path / "n.html")]) == 2
    assert "no cost line or category 'nothing'" in capsys.readouterr().err
    assert not (tmp_path / "n.html").exists()


def test_after_tempered_smc_the_milestone_chance_is_the_particles_and_follows_the_conjugate_update(tmp_path):
    """The same update with SMC forced (min_ess = every trial): the chance after the actuals
    is the share of SMC particles passing the milestone, run through the engine again, and
    stays within 0.03 of Phi(-0.7667) = 0.2216 (four binomial standard errors of 4,000
    independent draws are 0.026; the particles are resampled, hence the wider band)."""
    from math import erfc, sqrt

    scenario = loading.loads(MILESTONE)
    path = _actuals(tmp_path, "    benefit[1]: {value: 70k, sd: 15k}\n")
    rv = review_scenario(scenario, load_actuals(path, scenario), trials=4_000, seed=6, min_ess=4_000)
    assert rv.review.method == "smc"
    after = 0.5 * erfc(9.2 / 12 / sqrt(2))
    assert abs(rv.milestones.loc["Year-2 budget", "p_after"] - after) < 0.03
    column = list(rv.review.posterior.input_names).index("options.a.benefits.uplift.amount")
    particles = rv.review.posterior.inputs[:, column]
    assert rv.milestones.loc["Year-2 budget", "p_after"] == pytest.approx(np.mean(particles >= 90e3), abs=1e-12)
