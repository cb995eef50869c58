"""A pilot's rule in words: a fitted cut below zero says the measurement is too noisy to stop
on, instead of quoting a negative benefit as a threshold a reader would act on."""

from __future__ import annotations

import pandas as pd

from decision_kit.staged_pilot import Pilots


def _pilots(cut: float, seen: float) -> Pilots:
    row = {"scale": 0.15, "months": 4.0, "p_failure_seen": seen, "scale_if_at_least": cut, "at_pilot_scale": cut * 0.15,
           "p_stop": 0.2}  # fmt: skip
    table = pd.DataFrame([{"option": "buy", "owner": "marketing", **row}]).set_index(["option", "owner"])
    return Pilots("s", "USD", 100, 1, table, {})


def test_a_negative_cut_reads_as_too_noisy_to_stop_on():
    words = _pilots(-1_350_000.0, 0.2).rule_words("buy", "marketing")
    assert "stop if a failed delivery shows (20% of trials); scale otherwise: the measurement is too noisy" in words
    assert "-1.35M USD a year at full scale, is below zero" in words and "at least" not in words


def test_a_positive_cut_is_the_threshold():
    words = _pilots(400_000.0, 0.0).rule_words("buy", "marketing")
    assert "scale if its measured benefit is at least 60.0k USD a year (400k a year at full scale)" in words


def _extended(low: float, after: float) -> Pilots:
    row = {"scale": 0.25, "months": 3.0, "p_failure_seen": 0.17, "scale_if_at_least": 286_000.0,
           "at_pilot_scale": 71_500.0, "p_stop": 0.2, "extend_from": low, "extend_below": 286_000.0,
           "extension_months": 3.0, "p_extend": 0.43, "extension_cost": 6_680.0,
           "scale_after_extension_if_at_least": after}  # fmt: skip
    table = pd.DataFrame([{"option": "buy", "owner": "marketing", **row}]).set_index(["option", "owner"])
    return Pilots("s", "USD", 100, 1, table, {})


def test_an_extension_whose_cuts_are_below_zero_says_the_measurement_stops_nothing():
    words = _extended(-503_000.0, -28_600.0).rule_words("buy", "marketing")
    assert "otherwise extend by 3 months (43% of trials, 6.68k USD): the stop cut, -503k, is below zero" in words
    assert "then scale (the cut on the whole 6 months, -28.6k a year, is below zero)" in words
    assert "stop below" not in words


def test_an_extension_with_positive_cuts_names_the_band():
    words = _extended(50_000.0, 120_000.0).rule_words("buy", "marketing")
    assert "stop below 50.0k, and in between extend by 3 months (43% of trials, 6.68k USD)" in words
    assert "then scale if the whole 6 months measure at least 120k a year" in words
