"""The writing rules of decision_kit.formatting, against strings worked out by hand.

Each expected string is the rule applied on paper: 1,234,567 / 10^6 = 1.234567, two decimals
-> '1.23M'; 0.034 as a rate with one decimal -> '3.4%'. No value sits on a rounding tie."""

import math

import pytest

from decision_kit import formatting as f


@pytest.mark.parametrize(
    "x, currency, text",
    [
        (1_234_567, "USD", "1.23M USD"),
        (-143_000, "EUR", "-143.00k EUR"),
        (2_500_000_000, "GBP", "2.50B GBP"),
        (999.4, "USD", "999 USD"),
        (1_000, "USD", "1.00k USD"),
        (0, "USD", "0 USD"),
        (1_500_000, "", "1.50M"),
    ],
)
def test_money(x, currency, text):
    assert f.money(x, currency) == text


def test_money_defaults_to_usd():
    assert f.money(5_000) == "5.00k USD"


@pytest.mark.parametrize(
    "x, text",
    [
        (1_234_567, "1.23M"),
        (-143_000, "-143k"),
        (999_999, "1.00M"),
        (12_345, "12.3k"),
        (512, "512"),
        (0.042, "0.042"),
        (0, "0"),
        (2e-29, "0"),
        (math.nan, "n/a"),
        (math.inf, "n/a"),
        (None, "n/a"),
    ],
)
def test_compact(x, text):
    assert f.compact(x) == text


@pytest.mark.parametrize(
    "x, text",
    [(250_000, "250k"), (1_234_567, "1.235M"), (-4_200, "-4.2k"), (0.0325, "0.0325"), (12, "12"), (3e9, "3B")],
)
def test_quantity_keeps_four_significant_digits(x, text):
    assert f.quantity(x) == text


@pytest.mark.parametrize("x, text", [(1_260_000, "1.3M"), (12_600_000, "13M"), (-3_400, "-3.4k"), (950, "950")])
def test_tick_money(x, text):
    assert f.tick_money(x) == text


def test_amount():
    assert f.amount(1_234_567.4, "USD") == "1,234,567 USD"
    assert f.amount(-2_500) == "-2,500"


@pytest.mark.parametrize(
    "x, text",
    [
        (0.372, "37%"),
        (0.001, "<1%"),
        (0.0049, "<1%"),
        (0.0, "0%"),
        (0.996, ">99%"),
        (1.0, "100%"),
        (math.nan, "n/a"),
    ],
)
def test_percent_never_rounds_a_possibility_to_zero_or_a_certainty(x, text):
    assert f.percent(x) == text


def test_whole_percent_and_rate():
    assert [f.whole_percent(x) for x in (0.372, 0.004, 1.0)] == ["37%", "0%", "100%"]
    assert [f.rate(x) for x in (0.075, 0.1, 0.034)] == ["7.5%", "10.0%", "3.4%"]


def test_years_and_months():
    assert [f.years(x) for x in (2.34, 0.0, math.nan)] == ["2.3", "0.0", "never"]
    assert [f.months(x) for x in (7.26, 12, math.nan)] == ["7.3", "12.0", "n/a"]
