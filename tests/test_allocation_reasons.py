"""Why an allocation is what it is (issue 17 item 8): a reason for every initiative, the budgets
that bind with their marginal value, and the terminal output in words and money.

The portfolios are worked by hand with fixed curves and neutral owners (realisation 1, no
governance overhead), so every trial is the same curve:

- exp_saturation ``m (1 - exp(-x/s))`` has slope ``(m/s) exp(-x/s)``, ``m/s`` at zero;
- log ``m ln(1 + x/s)`` has slope ``m / (s + x)``, so the one log initiative that takes all the
  money left over sets the marginal value of its budget at ``m / (s + left)``.
"""

import math
import re
from pathlib import Path

import pytest
from scipy.optimize import brentq

from decision_kit import allocation as al
from decision_kit.cli import main
from decision_kit.loading import load_portfolio
from decision_kit.priors import OwnerShifts
from decision_kit.schema import Portfolio

SHIPPED = Path(__file__).resolve().parents[1] / "scenarios" / "digital_budget_2027.yaml"
NEUTRAL = {o: OwnerShifts() for o in al.OWNERS}


def exp_ini(m, s, owner="marketing", **kw):
    return {"owner": owner, "curve": {"form": "exp_saturation", "max_value": m, "scale": s}, **kw}


def log_ini(m, s, owner="marketing", **kw):
    return {"owner": owner, "curve": {"form": "log", "max_value": m, "scale": s}, **kw}


def portfolio(initiatives, budget, **kw) -> Portfolio:
    """Gross value (``unspent_value: 0``) as the hand-worked cases assume, unless ``kw`` says otherwise."""
    data = {"name": "hand", "budget": budget, "initiatives": initiatives, "unspent_value": 0, **kw}
    return Portfolio.model_validate(data)


# Budget 300 in plan year 1. "capped" (slope 6 exp(-2/3) = 3.08 at its maximum of 100) and "floor"
# (minimum 50) take 150; "web" takes the other 150, so lambda = 300 / (50 + 150) = 1.5. "weak"
# (slope 0.1 at zero) and "governance" (0.5 at zero) are below 1.5 and get nothing; "dependent"
# needs 200 on governance, which would take 200 from web (300 ln 5 = 483 of value at 200)
# for at most 100 + 43 of value, so it stays off; "late" runs in plan year 2 only.
TOTAL_BINDS = {
    "capped": exp_ini(900, 150, max_spend=100),
    "floor": exp_ini(10, 100, min_spend=50),
    "web": log_ini(300, 50),
    "weak": exp_ini(10, 100),
    "governance": exp_ini(50, 100, owner="it"),
    "dependent": exp_ini(100, 100, owner="shared", requires={"initiative": "governance", "min_spend": 200}),
    "late": exp_ini(900, 150, years=[2]),
}


@pytest.fixture(scope="module")
def total_binds():
    return al.optimize(portfolio(TOTAL_BINDS, [300, 300]), trials=2, seed=0, shifts=NEUTRAL)


def test_the_hand_worked_allocation_is_what_the_reasons_explain(total_binds):
    r = total_binds
    spend = dict(zip(r.initiatives, r.spend))
    assert spend["capped"] == pytest.approx(100) and spend["floor"] == pytest.approx(50)
    assert spend["web"] == pytest.approx(150, rel=1e-9)
    assert all(spend[n] == pytest.approx(0, abs=1e-9) for n in ("weak", "governance", "dependent", "late"))
    assert r.marginal_value == pytest.approx(1.5, rel=1e-9)


def test_every_zero_and_every_bound_has_its_reason(total_binds):
    codes = {x.initiative: x.code for x in total_binds.reasons}
    assert codes == {
        "capped": "at_maximum",
        "floor": "at_minimum",
        "web": "balanced",
        "weak": "at_minimum",
        "governance": "at_minimum",
        "dependent": "prerequisite",
        "late": "inactive",
    }
    r = total_binds.reason_of
    assert r("capped").limit == 100 and r("capped").marginal == pytest.approx(6 * math.exp(-100 / 150))
    assert r("floor").limit == 50 and r("floor").marginal == pytest.approx(0.1 * math.exp(-0.5))
    assert r("weak").marginal == pytest.approx(0.1) and r("weak").rival == pytest.approx(1.5)
    assert r("weak").budget == "total budget"
    assert r("dependent").limit == 200 and r("dependent").marginal == 0
    assert r("web").marginal == pytest.approx(1.5, rel=1e-9) and not r("web").bounded


def test_the_reasons_say_it_in_words(total_binds):
    r = total_binds.reason_of
    assert r("late").text == "not active in plan year 1 (2027); it runs in plan year 2"
    assert r("dependent").text == "earns nothing: it needs at least 200 USD a year on governance, which gets 0 USD"
    assert r("weak").text == (
        "gets nothing: its first USD returns 0.10 USD, less than the 1.50 USD of the total budget's next USD"
    )
    assert r("floor").text.startswith("held at its minimum of 50 USD: its next USD returns 0.06 USD")
    assert r("capped").text == "at its maximum of 100 USD; its next USD would still return 3.08 USD"
    assert r("web").text == "funded until its next USD returns 1.50 USD, the total budget's marginal value"


def test_the_total_budget_binds_with_its_marginal_value(total_binds):
    (total,) = total_binds.limits  # no owner budgets
    assert total.name == "total budget" and total.binds and total.left == pytest.approx(0, abs=1e-9)
    assert total.marginal_value == pytest.approx(1.5, rel=1e-9)
    assert total_binds.binding == (total,)
    assert total_binds.unspent_reason == ""
    assert total.text == "total budget 300 USD: used up; one more USD of it adds 1.50 USD of value a year"


# Total budget 1000, owner budgets marketing 500 and shared 150. Marketing's two initiatives are
# at their maximums (100 and 50), so 350 of its pot and 700 of the total stay unspent. The shared
# pot binds: web takes all 150 at slope 300 / (50 + 150) = 1.5, and "thin" (slope 100 / 100 = 1
# at zero) gets nothing because the shared budget is used up.
POT_BINDS = {
    "capped": exp_ini(900, 150, max_spend=100),
    "small": exp_ini(10, 100, max_spend=50),
    "web": log_ini(300, 50, owner="shared"),
    "thin": exp_ini(100, 100, owner="shared"),
}


@pytest.fixture(scope="module")
def pot_binds():
    p = portfolio(POT_BINDS, [1000])
    return al.optimize(p, trials=2, seed=0, shifts=NEUTRAL, owner_budgets={"marketing": 500, "shared": 150})


def test_the_shared_pot_binds_and_is_named(pot_binds):
    total, marketing, shared = pot_binds.limits
    assert (total.name, marketing.name, shared.name) == ("total budget", "marketing budget", "shared budget")
    assert pot_binds.binding == (shared,)
    assert shared.marginal_value == pytest.approx(1.5, rel=1e-9) and shared.spent == pytest.approx(150)
    # web takes the whole pot: the owner's multiplier is web's slope, not thin's 1.0 below it
    assert pot_binds.owner_marginal["shared"] == pytest.approx(1.5, rel=1e-9)
    assert total.marginal_value == 0 and total.left == pytest.approx(700)
    assert marketing.marginal_value == 0 and marketing.left == pytest.approx(350)
    assert shared.text == "shared budget 150 USD: used up; one more USD in it adds 1.50 USD of value a year"


def test_a_zero_under_an_exhausted_pot_says_so(pot_binds):
    thin = pot_binds.reason_of("thin")
    assert thin.code == "pot_exhausted" and thin.spend == pytest.approx(0, abs=1e-9)
    assert thin.marginal == pytest.approx(1.0) and thin.rival == pytest.approx(1.5) and thin.budget == "shared budget"
    assert thin.text.startswith("gets nothing: the shared budget is used up, and its first USD returns 1.00 USD")
    assert pot_binds.reason_of("web").code == "pot_exhausted"
    assert {pot_binds.reason_of(n).code for n in ("capped", "small")} == {"at_maximum"}


def test_unspent_budget_is_explained_by_the_pots(pot_binds):
    text = pot_binds.unspent_reason
    assert text.startswith("700 USD of the total budget is left unspent: the marketing budget has 350 USD left")
    assert "capped at its maximum spend" in text
    assert text.endswith("while the shared budget (one more USD adds 1.50 USD) binds")


def test_the_pots_marginal_value_is_what_one_more_unit_of_it_adds(pot_binds):
    """A finite difference on the pot itself, against the shadow price read off the optimum."""
    p = portfolio(POT_BINDS, [1000])
    up = al.optimize(p, trials=2, seed=0, shifts=NEUTRAL, owner_budgets={"marketing": 500, "shared": 151})
    assert up.value_mean - pot_binds.value_mean == pytest.approx(300 * math.log(201 / 200), rel=1e-9)
    assert pot_binds.binding[0].marginal_value == pytest.approx(up.value_mean - pot_binds.value_mean, rel=5e-3)


def test_a_prerequisite_held_at_its_threshold_says_for_whom():
    # "big" pays well, so governance is raised to the 200 big needs, where its own slope,
    # 0.5 exp(-2) = 0.068, is below lambda; big and web share the other 800 at equal slopes:
    # 100 ln(20 / lambda) + 300 / lambda - 50 = 800
    p = portfolio(
        {
            "governance": exp_ini(50, 100, owner="it"),
            "big": exp_ini(2000, 100, requires={"initiative": "governance", "min_spend": 200}),
            "web": log_ini(300, 50),
        },
        [1000],
    )
    r = al.optimize(p, trials=2, seed=0, shifts=NEUTRAL)
    lam = brentq(lambda lam: 100 * math.log(20 / lam) + 300 / lam - 50 - 800, 0.01, 10, xtol=1e-14)
    assert r.marginal_value == pytest.approx(lam, rel=1e-8)
    gov = r.reason_of("governance")
    assert gov.code == "threshold" and gov.limit == 200 and gov.spend == pytest.approx(200)
    assert gov.text == "held at 200 USD, the least big needs from it; its own next USD returns 0.07 USD"
    assert [r.reason_of(n).code for n in ("big", "web")] == ["balanced", "balanced"]


def test_reasons_come_with_a_risk_objective_too(pot_binds):
    p = portfolio(POT_BINDS, [1000])
    r = al.optimize(p, objective="cvar", trials=2, seed=0, shifts=NEUTRAL, owner_budgets={"shared": 150})
    assert r.reason_of("thin").code == "pot_exhausted" and r.binding[0].name == "shared budget"
    assert "risk-adjusted objective (cvar)" in r.value_statement


def test_the_frames_carry_the_reasons_and_the_budgets(pot_binds):
    reasons = pot_binds.reasons_frame()
    assert list(reasons.index) == list(POT_BINDS) and reasons.loc["thin", "code"] == "pot_exhausted"
    budgets = pot_binds.budgets_frame()
    assert list(budgets.index) == ["total budget", "marketing budget", "shared budget"]
    assert budgets["binds"].tolist() == [False, False, True]


def test_value_is_defined_with_its_unit(total_binds):
    text = total_binds.value_statement
    assert "in USD per plan year, nominal and undiscounted" in text and "averaged over 2 trials" in text
    assert "gross of the spend" in text


# --- the shipped portfolio and the command line ---------------------------------------------------


def test_the_shipped_first_year_says_why_the_platform_gets_nothing_and_why_money_is_left():
    # value net of spend: in 2027 no budget binds, because every funded initiative stops where
    # its next dollar returns a dollar (the CDP and AI content start in 2028)
    r = al.optimize(load_portfolio(SHIPPED), trials=500, seed=0)
    cdp = r.reason_of("customer_data_platform")
    assert cdp.code == "inactive" and cdp.text.startswith("not active in plan year 1 (2027)")
    assert r.binding == () and r.unspent > 1e5
    assert "returns its cost" in r.limits[0].text
    assert "the marketing budget has" in r.unspent_reason and "the shared budget" in r.unspent_reason


def test_the_shipped_second_year_names_the_shared_pot_that_binds():
    r = al.optimize(load_portfolio(SHIPPED), year=2, trials=500, seed=0)
    names = [b.name for b in r.binding]
    assert names == ["shared budget"] and r.unspent > 1e3
    assert r.reason_of("web_platform").code == "pot_exhausted"
    assert "while the shared budget (one more USD adds" in r.unspent_reason


def test_the_allocate_command_speaks_in_words_and_money(capsys):
    assert main(["allocate", str(SHIPPED), "--trials", "500", "--year", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert not re.search(r"\d\.\d{3}", out), "no false precision such as 847123.397"
    assert "_" not in out, "initiatives and owners in words, not code names"
    assert any(line.startswith("- customer data platform: limited by the shared budget") for line in lines)
    assert any(line.startswith("Binding: the ") and "shared budget" in line for line in lines)
    assert any(line.startswith("net of the spend and ") for line in lines)
    assert "of the total budget is left unspent" in out and "USD per plan year" in out
    row = next(line for line in lines if line.startswith("web platform"))
    assert row.split()[2] == "shared" and row.endswith("shared budget")


def test_the_allocate_csv_keeps_every_digit_and_adds_the_reason_codes(capsys):
    assert main(["allocate", str(SHIPPED), "--trials", "500", "--format", "csv"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.endswith("prerequisite_met,reason,reason_text")
    cdp = next(r for r in rows if r.startswith("customer_data_platform,"))
    assert ",inactive," in cdp


def test_an_initiative_taking_the_whole_budget_sets_its_marginal_value():
    # "a" takes all 100 (b's first unit returns 0.1, a's slope at 100 is 6 exp(-2/3) = 3.08): one
    # more unit of budget goes to a, so it is worth a's slope, not b's 0.1 next in line
    p = portfolio({"a": exp_ini(900, 150), "b": exp_ini(10, 100)}, [100])
    r = al.optimize(p, trials=2, seed=0, shifts=NEUTRAL)
    assert r.spend[0] == pytest.approx(100) and r.marginal_value == pytest.approx(6 * math.exp(-100 / 150), rel=1e-9)
    assert r.marginal_value == pytest.approx(r.marginal_value_check, rel=1e-3)  # the re-solve at budget + 1e-4 budget
    assert r.reason_of("b").text.endswith("less than the 3.08 USD of the total budget's next USD")


def test_the_console_writes_owners_as_the_reasons_do():
    from decision_kit import console
    from decision_kit.allocation import explain

    assert console._OWNER_WORDS == explain.OWNER_WORDS
    assert console._words("customer_data_platform") == explain.words("customer_data_platform")


# --- multi-year phasing ---------------------------------------------------------------------------


def test_phasing_gives_a_reason_per_year_and_initiative():
    # no carry-over and no platform: each year is its own water-filling. Year 1: "late" does not
    # run, "web" takes what "capped" (at its maximum of 100) leaves; "dependent" needs 200 on
    # "governance", which never pays (as in TOTAL_BINDS). Year 2: "late" runs and the shared pot
    # of 50 is used up by "web" alone
    p = portfolio(
        {
            "capped": exp_ini(900, 150, max_spend=100),
            "web": log_ini(300, 50, owner="shared"),
            "governance": exp_ini(50, 100, owner="it"),
            "dependent": exp_ini(100, 100, requires={"initiative": "governance", "min_spend": 200}),
            "late": exp_ini(900, 150, years=[2]),
        },
        [300, 300],
        owner_budgets={"marketing": [300, 300], "it": [300, 300], "shared": [300, 50]},
    )
    ph = al.phase(p, trials=2, seed=0, shifts=NEUTRAL)
    codes = [[r.code for r in year] for year in ph.reasons]
    assert codes[0] == ["at_maximum", "balanced", "at_minimum", "prerequisite", "inactive"]
    assert codes[1][0] == "at_maximum" and codes[1][1] == "pot_exhausted" and codes[1][4] != "inactive"
    assert ph.reason_of("late", 1).text == "not active in plan year 1 (2027); it runs in plan year 2"
    assert ph.reason_of("web", 2).text == "limited by the shared budget, used up this year"
    assert ph.reason_of("dependent", 1).text.startswith("earns nothing: it needs at least 200 USD on governance")
    frame = ph.reasons_frame()
    assert frame.loc[(1, "late"), "code"] == "inactive" and len(frame) == 10


def test_a_platform_keeps_earning_after_its_build_years():
    p = portfolio(
        {"platform": exp_ini(900, 150, years=[1]), "web": log_ini(300, 50)},
        [300, 300],
    )
    ph = al.phase(p, cumulative=["platform"], trials=2, seed=0, shifts=NEUTRAL)
    assert ph.reason_of("platform", 2).code == "inactive"
    assert ph.reason_of("platform", 2).text.endswith("; its earlier spend keeps earning")
