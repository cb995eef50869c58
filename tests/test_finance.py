"""Finance kernels checked against references computed independently of decision_kit.

References, each named next to the numbers it gives:

- numpy-financial 1.0.0: the examples in its docstrings (``npv``, ``irr``) and its functions
  looped one series at a time over seeded random series (``npv``, ``mirr``, and ``irr`` on
  series with a single IRR, where every choice rule agrees);
- numpy-financial's later test suite (numpy_financial/tests/test_financial.py, TestIrr,
  test_gh_39 and test_gh_44): two series whose expected IRR is the one a spreadsheet finds;
- a scalar Newton iteration from the guess, written below, for the root a spreadsheet's IRR
  returns (its Newton method from the guess);
- published spreadsheet examples for XNPV and XIRR (sources next to the numbers);
- hand-worked cases, with the arithmetic in a comment;
- exact rational arithmetic (``fractions`` and Sturm sequences, written below) for whether a
  returned rate is a root, how many roots a series has, and which is closest to zero.

No timings are asserted here; ``benchmarks/bench_finance.py`` measures speed.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decision_kit import finance
from decision_kit.finance import (
    all_irrs,
    discount_factors,
    irr,
    mirr,
    npv,
    payback,
    return_summary,
    several_irrs,
    xirr,
    xnpv,
)
from decision_kit.finance.dated import year_fractions
from decision_kit.finance.irr_roots import closest_to_zero, nearest_roots

# ----------------------------------------------------------------------------------------
# Seeded random series


def project_series(rng, n, T=11):
    """An investment now, then uncertain yearly flows, a few negative (some series change
    sign more than once)."""
    flows = rng.normal(20.0, 15.0, (n, T))
    flows[:, 0] = -rng.uniform(50, 150, n)
    flows[:, -1] -= rng.exponential(40.0, n) * (rng.random(n) < 0.3)  # exit cost
    return flows


def random_series(seed, n=300):
    """Series of several kinds and lengths: (name, values)."""
    rng = np.random.default_rng(seed)
    with_zeros = rng.normal(size=(n, 8))
    with_zeros[rng.random((n, 8)) < 0.3] = 0.0
    return [
        ("project", project_series(rng, n)),
        ("normal, length 11", rng.normal(size=(n, 11))),
        ("normal, length 4", rng.normal(size=(n, 4))),
        ("normal, length 2", rng.normal(size=(n, 2))),
        ("cauchy, length 7", rng.standard_cauchy(size=(n, 7))),
        ("with zeros", with_zeros),
        ("long, length 30", project_series(rng, n, T=30)),
    ]


def npf_irr(values):
    """numpy_financial.irr applied to each series along the last axis."""
    flat = np.asarray(values, dtype=float).reshape(-1, np.shape(values)[-1])
    return np.array([npf.irr(row) for row in flat]).reshape(np.shape(values)[:-1])


def assert_same_irr(ours, ref, tol=1e-9):
    ours, ref = np.asarray(ours), np.asarray(ref)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref), err_msg="NaN pattern differs")
    both = ~np.isnan(ref)
    err = np.abs(ours[both] - ref[both]) / (1 + np.abs(ref[both]))
    assert err.size == 0 or err.max() <= tol, f"max relative error {err.max():.2e}"


# ----------------------------------------------------------------------------------------
# Exact reference for the choice among several IRRs: Sturm sequences over the rationals.
# With x = 1/(1+r), the NPV is p(x) = sum v_t x^t and the IRRs are its roots x > 0.


def _trim(p):
    while p and p[-1] == 0:
        p = p[:-1]
    return p


def _value(p, x):
    out = Fraction(0)
    for c in reversed(p):
        out = out * x + c
    return out


def _sturm(p):
    """Sturm sequence of a polynomial given by ascending rational coefficients."""
    seq = [p, _trim([k * c for k, c in enumerate(p)][1:])]
    while len(seq[-1]) > 1:
        a, b = list(seq[-2]), seq[-1]
        while len(a) >= len(b):  # a mod b
            f, s = a[-1] / b[-1], len(a) - len(b)
            for i, c in enumerate(b):
                a[s + i] -= f * c
            a = _trim(a)
        if not a:
            break
        seq.append([-c for c in a])
    return seq


def _sign_changes(values):
    signs = [v > 0 for v in values if v != 0]
    return sum(a != b for a, b in zip(signs, signs[1:]))


def _roots_between(seq, lo, hi):
    """Number of distinct roots in (lo, hi]; hi may be None for +infinity."""
    at = lambda x: _sign_changes([_value(q, x) for q in seq])
    at_inf = _sign_changes([q[-1] for q in seq])
    return at(lo) - (at_inf if hi is None else at(hi))


def exact_irr_check(values, r, tol):
    """Whether ``r`` is, within ``tol``, the IRR closest to zero of ``values`` (NaN: none)."""
    p = [Fraction(float(v)) for v in values]
    while p and p[0] == 0:
        p = p[1:]  # x = 0 is no rate
    p = _trim(p)
    if len(p) < 2:
        return np.isnan(r)
    seq = _sturm(p)
    if np.isnan(r):
        return _roots_between(seq, Fraction(0), None) == 0
    r = Fraction(float(r))
    closer = abs(r) * (1 - Fraction(tol)) - Fraction(tol)  # no root with |rate| < closer
    if closer > 0:
        x_lo = 1 / (1 + closer)
        x_hi = None if closer >= 1 else 1 / (1 - closer)
        if _roots_between(seq, x_lo, x_hi) or _value(p, x_lo) == 0:
            return False
    d = Fraction(tol) * (1 + abs(r))  # and a root within d of r
    lo_rate, hi_rate = max(r - d, Fraction(-1) + d / 2), r + d
    return _roots_between(seq, 1 / (1 + hi_rate), 1 / (1 + lo_rate)) >= 1 or _value(
        p, 1 / (1 + hi_rate)) == 0


def _exact_poly(values):
    p = [Fraction(float(v)) for v in values]
    while p and p[0] == 0:
        p = p[1:]  # x = 0 is no rate
    return _trim(p)


def exact_root_count(values):
    """Number of distinct IRRs (rates above -1) of a series, exactly."""
    p = _exact_poly(values)
    return 0 if len(p) < 2 else _roots_between(_sturm(p), Fraction(0), None)


def exact_is_root(values, r, tol):
    """Whether a root lies within ``tol * (1 + |r|)`` of the rate ``r``, exactly."""
    p = _exact_poly(values)
    if len(p) < 2 or np.isnan(r):
        return False
    r, d = Fraction(float(r)), Fraction(tol) * (1 + abs(Fraction(float(r))))
    lo_rate, hi_rate = max(r - d, Fraction(-1) + d / 2), r + d
    x_lo = 1 / (1 + hi_rate)
    return _roots_between(_sturm(p), x_lo, 1 / (1 + lo_rate)) >= 1 or _value(p, x_lo) == 0


def newton_reference(values, guess=0.1, maxiter=50, tol=1e-12):
    """A spreadsheet's IRR: plain Newton steps on the NPV in the rate from ``guess``, one
    series at a time (direct sums, no Horner); NaN where an iterate leaves (-1, inf) or
    ``maxiter`` steps pass."""
    v = np.asarray(values, dtype=float)
    t = np.arange(v.size)
    r = guess
    for _ in range(maxiter):
        with np.errstate(all="ignore"):
            f = np.sum(v * (1 + r) ** -t)
            slope = np.sum(-t * v * (1 + r) ** (-t - 1.0))
            r_new = r - f / slope
        if slope == 0 or not np.isfinite(slope):
            return np.nan
        if not (np.isfinite(r_new) and r_new > -1):
            return np.nan
        if abs(r_new - r) <= tol * (1 + abs(r_new)):
            return r_new
        r = r_new
    return np.nan


def direction_reference(values, guess=0.1):
    """The fallback rule of ``irr`` from the roots ``np.roots`` gives: the nearest root on the
    side Newton's first step heads for (above when NPV and slope differ in sign), else the
    nearest on the other side."""
    v = np.asarray(values, dtype=float)
    t = np.arange(v.size)
    g = np.roots(v)  # v_0 g^N + ... + v_N, g = 1 + r
    rates = np.sort(g[(np.abs(g.imag) <= 1e-9 * np.abs(g)) & (g.real > 0)].real - 1)
    f, slope = np.sum(v * (1 + guess) ** -t), np.sum(-t * v * (1 + guess) ** (-t - 1.0))
    up, down = rates[rates >= guess][:1], rates[rates <= guess][-1:]
    first, second = (up, down) if f * slope < 0 else (down, up)
    return first[0] if first.size else (second[0] if second.size else np.nan)


def conventional_with_final_cost(rng, n):
    """Invest now, then positive yearly flows, then a small final (exit) cost: series with
    two IRRs, one of them usually near -100 % (the case of issue #16)."""
    out = []
    for _ in range(n):
        T = int(rng.integers(5, 16))
        v = np.empty(T)
        v[0] = -rng.uniform(50, 150)
        v[1:-1] = rng.uniform(0, 60 if rng.random() < 0.5 else 200, T - 2)
        v[-1] = -rng.uniform(0.01, 20)
        out.append(v)
    return out


GH_39 = [-217500.0, -217500.0, 108466.80462450592, 101129.96439328062, 93793.12416205535,
         86456.28393083003, 79119.44369960476, 71782.60346837944, 64445.76323715414,
         57108.92300592884, 49772.08277470355, 42435.24254347826, 35098.40231225296,
         27761.56208102766, 20424.721849802358, 13087.88161857707, 5751.041387351768,
         -1585.7988438735192, -8922.639075098821, -16259.479306324123, -23596.31953754941,
         -30933.159768774713, -38270.0, -45606.8402312253, -52943.680462450604,
         -60280.520693675906, -67617.36092490121]
GH_44 = [-1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1]


# ----------------------------------------------------------------------------------------
# discount_factors


def test_discount_factors_by_hand():
    # 1, 1/1.1, 1/1.21
    np.testing.assert_allclose(discount_factors(0.1, 3), [1, 1 / 1.1, 1 / 1.21], rtol=1e-15)


def test_discount_factors_broadcast_rates():
    rates = np.array([[0.0, 0.05, 0.1], [0.2, 0.5, 1.0]])
    df = discount_factors(rates, 5)
    assert df.shape == (2, 3, 5)
    np.testing.assert_allclose(df, 1 / (1 + rates[..., None]) ** np.arange(5), rtol=1e-15)
    np.testing.assert_array_equal(df[0, 0], np.ones(5))  # rate 0: nothing is discounted
    assert discount_factors(0.1, 0).shape == (0,)


@pytest.mark.parametrize("rate", [-1, -1.5, [0.1, -1.0]])
def test_discount_factors_reject_rate_at_or_below_minus_one(rate):
    with pytest.raises(ValueError, match="above -1"):
        discount_factors(rate, 3)


def test_discount_factors_reject_negative_periods():
    with pytest.raises(ValueError, match="periods"):
        discount_factors(0.1, -1)


# ----------------------------------------------------------------------------------------
# npv


def test_npv_numpy_financial_docstring_example():
    # numpy_financial 1.0.0, npv docstring: npf.npv(0.08, [-40_000, 5_000, 8_000, 12_000,
    # 30_000]).round(5) == 3065.22267
    assert round(float(npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000])), 5) == 3065.22267


def test_npv_spreadsheet_conversion():
    # A spreadsheet's NPV(r, v1..vn) discounts v1 by one period: it equals npv(r, [0, v1..vn])
    # and npv(r, [v1..vn]) / (1 + r). Worked: NPV(10%, 110, 121) = 100 + 100 = 200.
    assert npv(0.1, [0, 110, 121]) == pytest.approx(200.0, rel=1e-15)
    assert npv(0.1, [110, 121]) / 1.1 == pytest.approx(200.0, rel=1e-15)


@pytest.mark.parametrize("seed", [1, 2])
def test_npv_matches_numpy_financial_on_random_series(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 100, (200, 11))
    rates = rng.uniform(-0.5, 0.5, 200)
    ref = np.array([npf.npv(r, v) for r, v in zip(rates, values)])
    np.testing.assert_allclose(npv(rates, values), ref, rtol=1e-12, atol=1e-9)


def test_npv_at_rate_zero_is_the_plain_sum():
    values = np.random.default_rng(3).normal(size=(4, 5, 11))
    np.testing.assert_allclose(npv(0.0, values), values.sum(axis=-1), rtol=1e-13, atol=1e-13)


def test_npv_vectorised_shapes():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(4, 5, 11))  # e.g. trials x options x periods
    ref = np.array([[npf.npv(0.08, v) for v in row] for row in values])
    assert npv(0.08, values).shape == (4, 5)
    np.testing.assert_allclose(npv(0.08, values), ref, rtol=1e-13)
    rates = np.array([0.0, 0.05, 0.1])[:, None, None]  # many rates at once
    out = npv(rates, values)
    assert out.shape == (3, 4, 5)
    for i, r in enumerate(rates.ravel()):
        np.testing.assert_allclose(out[i], npv(r, values), rtol=1e-15)
    assert isinstance(npv(0.1, [1.0, 2.0]), float)
    assert npv(0.1, np.zeros((3, 0))).shape == (3,)  # no periods: NPV 0


@pytest.mark.parametrize("rate", [-1, -2.0, np.array([0.1, -1.0])])
def test_npv_rejects_rate_at_or_below_minus_one(rate):
    with pytest.raises(ValueError, match="above -1"):
        npv(rate, [-100, 50, 60])


def test_npv_rejects_values_without_time_axis():
    with pytest.raises(ValueError, match="time axis"):
        npv(0.1, 5.0)


# ----------------------------------------------------------------------------------------
# irr


# numpy_financial 1.0.0, irr docstring examples (rounded to 5 decimals there). Two of them have
# several IRRs ([-100, 100, 0, -7]: also -67.9 %; [-5, 10.5, 1, -8, 1]: also -87.0 % and
# 71.0 %); Newton from the default guess of 10 % finds the documented one in each.
NPF_IRR_EXAMPLES = [
    ([-100, 39, 59, 55, 20], 0.28095),
    ([-100, 0, 0, 74], -0.0955),
    ([-100, 100, 0, -7], -0.0833),
    ([-100, 100, 0, 7], 0.06206),
    ([-5, 10.5, 1, -8, 1], 0.0886),
]


@pytest.mark.parametrize(("values", "documented"), NPF_IRR_EXAMPLES)
def test_irr_numpy_financial_docstring_examples(values, documented):
    ours = float(irr(values))
    assert round(ours, 5) == documented
    assert abs(ours - npf.irr(np.array(values, dtype=float))) <= 1e-9
    assert abs(ours - newton_reference(values)) <= 1e-9


def test_irr_numpy_financial_docstring_examples_vectorised():
    padded = [v + [0] * (5 - len(v)) for v, _ in NPF_IRR_EXAMPLES]  # trailing zeros change nothing
    np.testing.assert_allclose(irr(padded), [d for _, d in NPF_IRR_EXAMPLES], atol=5e-5)


def test_irr_numpy_financial_gh_39():
    # numpy-financial's test suite, TestIrr.test_gh_39: expected 0.12 (assert_allclose,
    # rtol 1e-7). numpy-financial 1.0.0 returns the other root, -1.8 %.
    assert float(irr(GH_39)) == pytest.approx(0.12, rel=1e-7)
    assert npf.irr(GH_39) == pytest.approx(-0.0181, abs=1e-4)
    assert exact_root_count(GH_39) == 2 and several_irrs(GH_39)


def test_irr_numpy_financial_gh_44():
    # numpy-financial's test suite, TestIrr.test_gh_44: "true" value as calculated by Google
    # Sheets, 1.00426, rtol 1e-4. numpy-financial 1.0.0 returns -99.98 %.
    assert float(irr(GH_44)) == pytest.approx(1.00426, rel=1e-4)
    assert npf.irr(GH_44) == pytest.approx(-0.99979, abs=1e-5)
    assert exact_root_count(GH_44) == 2 and several_irrs(GH_44)


@pytest.mark.parametrize("seed", [50, 51])
def test_irr_is_newtons_root_from_the_guess_on_conventional_series_with_a_final_cost(seed):
    # Issue #16: conventional projects with a small exit cost have two IRRs. Where Newton's
    # method from the guess (a spreadsheet's IRR) converges, irr returns its root.
    rng = np.random.default_rng(seed)
    series = conventional_with_final_cost(rng, 400)
    for guess in (0.1, 0.0, 0.3):
        ref = np.array([newton_reference(v, guess) for v in series])
        T = max(len(v) for v in series)
        # zeros appended after the final cost change no root (x**k factors)
        padded = np.array([np.concatenate([v, np.zeros(T - len(v))]) for v in series])
        ours = irr(padded, guess=guess)
        ok = ~np.isnan(ref)
        assert ok.mean() > 0.9
        np.testing.assert_allclose(ours[ok], ref[ok], rtol=1e-9, atol=1e-12)
        for v, r in zip(series[:40], ours[:40]):
            assert exact_is_root(v, r, 1e-9) if exact_root_count(v) else np.isnan(r)
    # the comparison is only meaningful where the choice matters: numpy-financial 1.0.0's
    # root closest to zero differs from the spreadsheet's in many of these series
    ref = np.array([newton_reference(v) for v in series])
    nearest_zero = np.array([npf.irr(v) for v in series])
    assert np.mean(np.abs(ref - nearest_zero) > 1e-6) > 0.1


def test_irr_profitable_projects_with_an_exit_cost_are_not_near_minus_100_percent():
    # Issue #16's measurement: projects that pay back well with a small final cost. At the
    # guess of 10 % the NPV is positive and falling, so Newton, and irr, go up to the
    # economic IRR, above 10 %; numpy-financial 1.0.0 returns a rate near -100 % for them.
    rng = np.random.default_rng(52)
    n, T = 1000, 11
    values = np.empty((n, T))
    values[:, 0] = -rng.uniform(50, 150, n)
    values[:, 1:-1] = rng.uniform(20, 300, (n, T - 2))
    values[:, -1] = -rng.uniform(0.01, 5, n)
    assert (npv(0.1, values) > 0).all()
    ours = irr(values)
    assert (ours > 0.1).all()
    # numpy-financial 1.0.0 returns the root near -100 % wherever the economic IRR is
    # farther from zero (above about 100 %, as in gh-44)
    assert np.mean(npf_irr(values) < -0.9) > 0.05


def test_irr_fallback_where_newton_fails_is_the_root_in_newtons_direction():
    # Where Newton from the guess does not converge (a spreadsheet shows #NUM!), irr takes
    # the nearest root on the side Newton's first step heads for.
    rng = np.random.default_rng(53)
    checked = 0
    for _ in range(3000):
        v = rng.normal(size=int(rng.integers(3, 9)))
        if not np.isnan(newton_reference(v, maxiter=100)) or exact_root_count(v) == 0:
            continue
        ref = direction_reference(v)
        assert float(irr(v)) == pytest.approx(ref, rel=1e-7, abs=1e-9), v.tolist()
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("values", "guess", "expected"),
    [
        ([-100, 110], 0.1, 0.1),  # 110 / 1.1 = 100
        ([-100, 0, 121], 0.1, 0.1),  # 121 / 1.1**2 = 100
        ([-100, 50, 50], 0.1, 0.0),  # the flows sum to zero
        ([0, 0, -100, 110], 0.1, 0.1),  # leading zeros only shift the series
        # roots 1.1 and 1.2 (1.1 + 1.2 = 2.3, 1.1 * 1.2 = 1.32): the guess decides
        ([-100, 230, -132], 0.1, 0.1),
        ([-100, 230, -132], 0.0, 0.1),
        ([-100, 230, -132], 0.3, 0.2),
        # roots 0.95 and 1.2 (0.95 + 1.2 = 2.15, 0.95 * 1.2 = 1.14). From 10 % the NPV is
        # 1.24 and its slope in the rate 0.6 > 0: Newton heads up, to 20 %; from 0 % the
        # NPV is 1 and the slope -(215 - 228) = 13 > 0... the first step is -1/13, to -7.7 %.
        ([-100, 215, -114], 0.1, 0.2),
        ([-100, 215, -114], 0.0, -0.05),
    ],
)
def test_irr_by_hand(values, guess, expected):
    assert float(irr(values, guess=guess)) == pytest.approx(expected, abs=1e-12)
    assert float(irr(values, guess=guess)) == pytest.approx(newton_reference(values, guess), abs=1e-12)


def test_irr_double_root():
    # double root 1.05 (1.05**2 = 1.1025): a tangent root is fixed only to about the square
    # root of the machine epsilon, so 1e-7
    assert float(irr([-100, 210, -110.25])) == pytest.approx(0.05, abs=1e-7)


@pytest.mark.parametrize(
    "values",
    [
        [100, 10, 5],  # no sign change
        [-100, -10, -5],
        [0, 0, 0],  # all zero
        [-100],  # a single flow
        [-1, 1, -1],  # two sign changes, but -1 + x - x**2 < 0 for every x
        [-100, np.nan, 120],
        [-100, np.inf, 120],
    ],
)
def test_irr_is_nan_where_no_irr_exists(values):
    assert np.isnan(irr(values))


def test_irr_is_nan_not_an_error_inside_a_batch():
    out = irr([[-100, 110], [100, 10], [0, 0], [-100, np.nan]])
    np.testing.assert_allclose(out, [0.1, np.nan, np.nan, np.nan])


def sign_changes(values):
    signs = np.sign(values)
    count = np.zeros(values.shape[:-1], dtype=int)
    last = np.zeros(values.shape[:-1])
    for t in range(values.shape[-1]):
        count += signs[..., t] * last < 0
        last = np.where(signs[..., t] != 0, signs[..., t], last)
    return count


@pytest.mark.parametrize("seed", [10, 11])
def test_irr_matches_numpy_financial_on_random_series_with_one_irr(seed):
    # At most one sign change: at most one IRR (Descartes), so every choice rule agrees and
    # numpy-financial 1.0.0 is the reference.
    total = 0
    for name, values in random_series(seed):
        ours = irr(values)
        assert ours.shape == values.shape[:-1], name
        one = sign_changes(values) <= 1
        total += one.sum()
        assert_same_irr(ours[one], npf_irr(values[one]))
    assert total > 500


@pytest.mark.parametrize("seed", [10, 11])
def test_irr_on_random_series_with_several_sign_changes(seed):
    # Several sign changes: Newton's root from the guess where it converges, and always a
    # root (exactly checked on the shorter series).
    checked = 0
    for name, values in random_series(seed, n=120):
        ours = irr(values)
        for v, r in zip(values[sign_changes(values) >= 2], ours[sign_changes(values) >= 2]):
            ref = newton_reference(v)
            if not np.isnan(ref):
                assert r == pytest.approx(ref, rel=1e-9, abs=1e-12), (name, v.tolist())
                checked += 1
            if v.size <= 8:
                assert exact_is_root(v, r, 1e-7) if exact_root_count(v) else np.isnan(r), (name, v.tolist())
    assert checked > 100


def test_irr_random_series_include_several_irrs():
    # the comparisons above are only meaningful if they cover series with several IRRs
    values = dict(random_series(10))["normal, length 11"]
    counts = [np.sum((np.abs(g.imag) < 1e-9) & (g.real > 0)) for g in map(np.roots, values)]
    assert np.mean(np.array(counts) >= 2) > 0.2


def test_irr_npv_is_zero_at_the_irr():
    values = project_series(np.random.default_rng(12), 500)
    r = irr(values)
    ok = ~np.isnan(r)
    assert ok.mean() > 0.9
    scale = np.abs(values[ok] / (1 + r[ok, None]) ** np.arange(11)).sum(axis=1)
    assert np.abs(npv(r[ok], values[ok]) / scale).max() < 1e-13


def test_irr_vectorised_shapes():
    rng = np.random.default_rng(13)
    values = project_series(rng, 2 * 3 * 4).reshape(2, 3, 4, 11)  # a 4-D batch
    out = irr(values)
    assert out.shape == (2, 3, 4)
    flat = values.reshape(-1, 11)
    np.testing.assert_array_equal(out.ravel(), [irr(v) for v in flat])
    assert isinstance(irr([-100, 110]), float)
    assert irr(np.zeros((0, 5))).shape == (0,)
    assert irr(np.zeros((3, 0))).shape == (3,) and np.isnan(irr(np.zeros((3, 0)))).all()


def test_irr_chunks_agree_with_one_block(monkeypatch):
    values = np.concatenate([arr for _, arr in random_series(14, n=40)[:2]])  # both length 11
    whole = irr(values)
    monkeypatch.setattr(finance.returns, "_CHUNK", 7)
    np.testing.assert_array_equal(irr(values), whole)


def test_exact_reference_rejects_wrong_answers():
    # the reference itself: roots at 10 % and 20 %, so only 0.1 passes as closest to zero
    assert exact_irr_check([-100, 230, -132], 0.1, 1e-9)
    assert not exact_irr_check([-100, 230, -132], 0.2, 1e-9)  # a root, but not the closest
    assert not exact_irr_check([-100, 230, -132], 0.1 + 1e-6, 1e-9)  # not a root
    assert not exact_irr_check([-100, 230, -132], np.nan, 1e-9)
    assert exact_irr_check([-1, 1, -1], np.nan, 1e-9)  # no root at all
    assert exact_is_root([-100, 230, -132], 0.2, 1e-9)
    assert not exact_is_root([-100, 230, -132], 0.15, 1e-9)
    assert exact_root_count([-100, 230, -132]) == 2 and exact_root_count([-1, 1, -1]) == 0
    assert exact_root_count([-100, 210, -110.25]) == 1  # a double root is one root
    assert np.isnan(newton_reference([100, 10, 5]))


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_nearest_roots_exact(seed):
    # The certified search behind the fallback: exact rational arithmetic confirms that no
    # IRR lies closer to zero than the nearer of the two returned, that one lies within 1e-9
    # of it, and that NaN means there is none.
    rng = np.random.default_rng(seed)
    for _ in range(40):
        values = rng.normal(size=int(rng.integers(3, 9)))
        above, below = nearest_roots(values[None, :], 1e-12, 100)
        assert exact_irr_check(values, float(closest_to_zero(above, below)[0]), 1e-9), values.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=7))
def test_nearest_roots_exact_on_integer_series(values):
    # Small integers make double roots and roots exactly on grid points common; a double
    # root is only located to ~1e-8, hence the looser tolerance.
    above, below = nearest_roots(np.array([values], dtype=float), 1e-12, 100)
    assert exact_irr_check(values, float(closest_to_zero(above, below)[0]), 1e-7), values


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=7))
def test_irr_is_a_root_or_nan_exactly_on_integer_series(values):
    r = float(irr(values))
    if exact_root_count(values) == 0:
        assert np.isnan(r)
    else:
        assert exact_is_root(values, r, 1e-7), values


def test_irr_double_roots_use_the_eigenvalue_fallback():
    # (x - 0.8)**2 (x - 2): a double root at x = 0.8 (rate 25 %) and x = 2 (rate -50 %)
    values = np.poly([0.8, 0.8, 2.0])[::-1]
    above, below = nearest_roots(values[None, :], 1e-12, 100)
    assert float(above[0]) == pytest.approx(0.25, abs=1e-7)
    assert float(below[0]) == pytest.approx(-0.5, abs=1e-7)
    assert float(irr(values)) == pytest.approx(0.25, abs=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"guess": -1.0}, "guess"), ({"tol": 0.0}, "tol"), ({"maxiter": 0}, "maxiter")],
)
def test_irr_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        irr([-100, 110], **kwargs)


# ----------------------------------------------------------------------------------------
# all_irrs, several_irrs, return_summary


@pytest.mark.parametrize("seed", [60, 61])
def test_all_irrs_counts_match_exact_root_counts(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(200, 8))
    roots = all_irrs(values)
    assert roots.shape == (200, 7)
    counts = (~np.isnan(roots)).sum(axis=1)
    np.testing.assert_array_equal(counts, [exact_root_count(v) for v in values])
    np.testing.assert_array_equal(several_irrs(values), counts >= 2)
    assert (counts >= 2).any() and (counts == 0).any()
    for v, row in zip(values[:50], roots[:50]):
        for r in row[~np.isnan(row)]:
            assert exact_is_root(v, r, 1e-9)
    # irr's answer is one of them
    ours = irr(values)
    ok = ~np.isnan(ours)
    assert np.nanmin(np.abs(roots[ok] - ours[ok, None]) / (1 + np.abs(ours[ok, None])), axis=1).max() < 1e-8


def test_all_irrs_by_hand():
    np.testing.assert_allclose(all_irrs([-100, 230, -132]), [0.1, 0.2], rtol=1e-12)
    out = all_irrs([[-100, 210, -110.25], [100, 10, 5]])  # a double root is listed once
    np.testing.assert_allclose(out[0], [0.05, np.nan], rtol=1e-7)
    assert np.isnan(out[1]).all()
    assert all_irrs(np.zeros((2, 3, 0))).shape == (2, 3, 0)
    assert not several_irrs([-1, 1, -1])  # two sign changes, no root at all


def test_return_summary_by_hand():
    # roots 10 % and 20 %; MIRR at 8 %: inflow 230 at t = 1 is worth 230 * 1.08 = 248.4 at
    # t = 2; outflows are worth 100 + 132 / 1.08**2 at t = 0; MIRR = (248.4 / that)**(1/2) - 1
    s = return_summary([-100, 230, -132], 0.08)
    assert float(s.irr) == pytest.approx(0.1, abs=1e-12)
    assert float(s.mirr) == pytest.approx((248.4 / (100 + 132 / 1.08**2)) ** 0.5 - 1, rel=1e-12)
    assert int(s.irr_count) == 2 and bool(s.several_irrs)
    one = return_summary([[-100, 60, 60], [-100, 230, -132]], 0.08, 0.1, guess=0.3)
    np.testing.assert_allclose(one.irr, [irr([-100, 60, 60]), 0.2], rtol=1e-12)
    np.testing.assert_array_equal(one.several_irrs, [False, True])
    np.testing.assert_allclose(one.mirr, mirr([[-100, 60, 60], [-100, 230, -132]], 0.08, 0.1))


# ----------------------------------------------------------------------------------------
# xnpv, xirr

# Microsoft's example (Excel XNPV/XIRR help; learn.microsoft.com WorksheetFunction.Xnpv:
# "discounted at 9 percent (2086.6476 or 2086.65)"); Microsoft KB Q116041 gives the same
# flows on 1992 dates (same day counts: both leap years) with XIRR 0.373363.
MS_VALUES = [-10_000, 2750, 4250, 3250, 2750]
MS_DATES = [date(2008, 1, 1), date(2008, 3, 1), date(2008, 10, 30), date(2009, 2, 15), date(2009, 4, 1)]


def test_xnpv_microsoft_example():
    assert float(xnpv(0.09, MS_VALUES, MS_DATES)) == pytest.approx(2086.6476, abs=5e-5)


def test_xnpv_zcubes_example():
    # wiki.zcubes.com Manuals/calci/XNPV: XNPV(0.95, ...) = -4330.389965454265
    dates = ["2009-02-01", "2009-04-01", "2009-11-30", "2010-03-15", "2010-05-01"]
    out = xnpv(0.95, [-12000, 3000, 4300, 3250, 2200], dates)
    assert float(out) == pytest.approx(-4330.389965454265, rel=1e-12)


def test_xirr_microsoft_example():
    r = float(xirr(MS_VALUES, MS_DATES))
    # Excel shows 0.373362535; it iterates "until the result is accurate within 0.000001
    # percent" (ECMA-376 Part 4, XIRR), i.e. 1e-8
    assert r == pytest.approx(0.373362535, abs=1e-8)
    # KB Q116041: spreadsheet serial dates of 1992 (1900 date system), 0.373363
    assert round(float(xirr(MS_VALUES, [33604, 33664, 33907, 34015, 34060])), 6) == 0.373363
    assert float(xnpv(r, MS_VALUES, MS_DATES)) == pytest.approx(0.0, abs=1e-8)


def test_xirr_financial_crate_example():
    # docs.rs financial 1.1.2, fn xirr: -379 then 100 yearly from 2016-07-08 (2020 is a leap
    # year: that year counts 366/365), 0.10004608364 within 1e-7
    dates = [date(2016 + k, 7, 8) for k in range(6)]
    assert float(xirr([-379.0, 100, 100, 100, 100, 100], dates)) == pytest.approx(0.10004608364, abs=1e-7)


def test_xnpv_and_xirr_with_365_day_spacing_equal_npv_and_irr():
    rng = np.random.default_rng(70)
    values = np.concatenate([project_series(rng, 300), conventional_padded(rng, 300)])
    dates = np.datetime64("2024-01-01") + 365 * np.arange(values.shape[1])
    np.testing.assert_allclose(xnpv(0.07, values, dates), npv(0.07, values), rtol=1e-12)
    ours, periodic = xirr(values, dates), irr(values)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(periodic))
    ok = ~np.isnan(ours)
    np.testing.assert_allclose(ours[ok], periodic[ok], rtol=1e-9, atol=1e-12)


def conventional_padded(rng, n, T=11):
    values = np.zeros((n, T))
    for i, v in enumerate(conventional_with_final_cost(rng, n)):
        values[i, : min(len(v), T)] = v[:T]
        values[i, T - 1] = v[-1]
    return values


def test_xirr_vectorised_and_nan():
    dates = ["2024-01-01", "2024-07-01", "2025-03-01"]
    values = np.array([[[-100, 50, 60], [100, 50, 60]], [[-100, 0, 0], [-100, 30, 90]]])
    out = xirr(values, dates)
    assert out.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(out[i, j], xirr(values[i, j], dates))
    assert np.isnan(out[0, 1]) and np.isnan(out[1, 0])  # no sign change
    assert np.isnan(xirr([-100, np.nan, 60], dates)) and np.isnan(xirr([-100], dates[:1]))
    per_row = np.array([dates, ["2022-01-01", "2023-01-01", "2024-01-01"]], dtype="datetime64[D]")
    np.testing.assert_allclose(xirr(values[1], per_row)[1], irr([-100, 30, 90]), rtol=1e-10)
    assert isinstance(xirr([-100, 110], ["2024-01-01", "2024-12-31"]), float)


def test_xirr_honours_the_guess():
    # NPV -100 + 230 / g**a - 132 / g**b with a = 1, b = 2 years (2023 and 2024 dates,
    # 365 days each): roots 10 % and 20 %, as for the periodic series
    dates = ["2022-01-01", "2023-01-01", "2024-01-01"]
    assert float(xirr([-100, 230, -132], dates)) == pytest.approx(0.1, abs=1e-12)
    assert float(xirr([-100, 230, -132], dates, guess=0.3)) == pytest.approx(0.2, abs=1e-12)


def test_dated_argument_checks():
    assert year_fractions(["2024-03-01", "2025-03-01"]).tolist() == [0.0, 1.0]  # 365 days
    with pytest.raises(ValueError, match="precede"):
        xnpv(0.1, [-100, 110], ["2024-01-01", "2023-12-31"])
    with pytest.raises(ValueError, match="same length"):
        xirr([-100, 110, 5], ["2024-01-01", "2025-01-01"])
    with pytest.raises(ValueError, match="above -1"):
        xnpv(-1.0, [-100, 110], ["2024-01-01", "2025-01-01"])
    with pytest.raises(ValueError, match="guess"):
        xirr([-100, 110], ["2024-01-01", "2025-01-01"], guess=-2)


# ----------------------------------------------------------------------------------------
# mirr


@pytest.mark.parametrize("seed", [30, 31])
def test_mirr_matches_numpy_financial_on_random_series(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 100, (300, 11))
    values[:50] = np.abs(values[:50])  # some without a negative flow: NaN
    fr, rr = rng.uniform(0.0, 0.2, 300), rng.uniform(0.0, 0.2, 300)
    ref = np.array([npf.mirr(v, f, r) for v, f, r in zip(values, fr, rr)])
    np.testing.assert_allclose(mirr(values, fr, rr), ref, rtol=1e-12, atol=1e-14)
    assert np.isnan(ref[:50]).all()


def test_mirr_by_hand():
    # inflows 50 and 60 are worth 50 * 1.1 + 60 = 115 at t = 2; outflow 100 at t = 0
    assert float(mirr([-100, 50, 60], 0.1, 0.1)) == pytest.approx(1.15**0.5 - 1, rel=1e-14)
    # outflow 50 at t = 1 financed at 5 %: worth 100 + 50 / 1.05 at t = 0; inflow 200 at t = 2
    expected = (200 / (100 + 50 / 1.05)) ** 0.5 - 1
    assert float(mirr([-100, -50, 200], 0.05, 0.1)) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("values", [[100, 50], [-100, -50], [0, 0], [-100], [-100, np.nan, 50]])
def test_mirr_is_nan_when_undefined(values):
    assert np.isnan(mirr(values, 0.1, 0.1))


def test_mirr_broadcasts_rates_and_rejects_low_ones():
    values = project_series(np.random.default_rng(32), 6).reshape(2, 3, 11)
    out = mirr(values, np.array([0.05, 0.1])[:, None, None], 0.08)
    assert out.shape == (2, 2, 3)
    np.testing.assert_allclose(out[1], mirr(values, 0.1, 0.08), rtol=1e-15)
    with pytest.raises(ValueError, match="finance_rate"):
        mirr(values, -1.0, 0.1)
    with pytest.raises(ValueError, match="reinvest_rate"):
        mirr(values, 0.1, -1.5)


# ----------------------------------------------------------------------------------------
# payback


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([-100, 30, 40, 50], 2.6),  # cumulative -100, -70, -30, 20: 2 + 30/50
        ([-100, 100], 1.0),  # reaches exactly zero at the end of period 1
        ([-100, 50, 50, -10], 2.0),  # cumulative 0 at t = 2; the later dip is ignored
        ([50, -100, 80], 1.625),  # cumulative 50, -50, 30: 1 + 50/80
        ([-60, -40, 25, 100], 2.75),  # cumulative -60, -100, -75, 25: 2 + 75/100
        ([10, 20, 30], 0.0),  # never negative
        ([0, 0, 5], 0.0),
        ([-100, 10, 10, 10], np.nan),  # never paid back
        ([-100, np.nan, 200], np.nan),
    ],
)
def test_payback_by_hand(values, expected):
    np.testing.assert_allclose(payback(values), expected, rtol=1e-15)


def test_discounted_payback_by_hand():
    # At 10 % the flows are -100, 60/1.1 = 54.5454.., 60/1.21 = 49.5867..; cumulative
    # -100, -45.4545.. (= -500/11), +4.1322..; payback = 1 + (500/11) / (6000/121)
    # = 1 + 60500/66000 = 1 + 11/12.
    assert float(payback([-100, 60, 60], rate=0.1)) == pytest.approx(1 + 11 / 12, rel=1e-14)
    # Undiscounted the same flows pay back at 1 + 40/60.
    assert float(payback([-100, 60, 60])) == pytest.approx(1 + 40 / 60, rel=1e-14)
    # Discounting can postpone payback beyond the horizon.
    assert np.isnan(payback([-100, 50, 55], rate=0.1))  # -100, 45.45, 45.45: cumulative -9.09


def test_payback_at_rate_zero_is_undiscounted():
    values = project_series(np.random.default_rng(40), 200)
    np.testing.assert_allclose(payback(values, rate=0.0), payback(values), rtol=1e-14)


def test_discounted_payback_is_never_earlier_for_conventional_series():
    rng = np.random.default_rng(41)
    values = np.abs(rng.normal(20, 15, (500, 11)))
    values[:, 0] = -rng.uniform(50, 150, 500)  # one sign change: invest, then inflows
    plain, disc = payback(values), payback(values, rate=0.08)
    both = ~np.isnan(disc)
    assert both.any() and (disc[both] >= plain[both] - 1e-12).all()
    assert np.isnan(disc[np.isnan(plain)]).all()  # never paid back: not when discounted either


def test_payback_vectorised_shapes():
    rng = np.random.default_rng(42)
    values = project_series(rng, 3 * 4).reshape(3, 4, 11)
    out = payback(values)
    assert out.shape == (3, 4)
    np.testing.assert_array_equal(out[1, 2], payback(values[1, 2]))
    rates = np.array([0.0, 0.1])[:, None, None]
    out = payback(values, rate=rates)
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(out[1, 2, 3], payback(values[2, 3], rate=0.1), rtol=1e-15)
    assert isinstance(payback([-100, 30, 40, 50]), float)


def test_payback_rejects_rate_at_or_below_minus_one():
    with pytest.raises(ValueError, match="above -1"):
        payback([-100, 60, 60], rate=-1.0)


# ----------------------------------------------------------------------------------------
# the module itself


def test_finance_imports_only_numpy():
    code = ("import sys; import decision_kit.finance; "
            "print(sorted(m for m in ('scipy', 'pandas', 'numpy_financial', 'matplotlib') "
            "if m in sys.modules))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=root)
    assert out.stdout.strip() == "[]"
