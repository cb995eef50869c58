"""Finance kernels checked against references computed independently of decision_kit.

References, each named next to the numbers it gives:

- numpy-financial 1.0.0: the examples in its docstrings (``npv``, ``irr``) and its functions
  looped one series at a time over seeded random series (``npv``, ``irr``, ``mirr``);
- hand-worked cases, with the arithmetic in a comment;
- exact rational arithmetic (``fractions`` and Sturm sequences, written below) for which
  root ``irr`` must choose when a series has several: numpy-financial's rule, the rate
  closest to zero among all rates above -100 %.

No timings are asserted here; ``benchmarks/bench_finance.py`` measures speed.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decision_kit import finance
from decision_kit.finance import discount_factors, irr, mirr, npv, payback

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
    at = lambda x: _sign_changes([_value(q, x) for q in seq])  # noqa: E731
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


# numpy_financial 1.0.0, irr docstring examples (rounded to 5 decimals there)
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


def test_irr_numpy_financial_docstring_examples_vectorised():
    padded = [v + [0] * (5 - len(v)) for v, _ in NPF_IRR_EXAMPLES]  # trailing zeros change nothing
    np.testing.assert_allclose(irr(padded), [d for _, d in NPF_IRR_EXAMPLES], atol=5e-5)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([-100, 110], 0.1),  # 110 / 1.1 = 100
        ([-100, 0, 121], 0.1),  # 121 / 1.1**2 = 100
        ([-100, 50, 50], 0.0),  # the flows sum to zero
        ([0, 0, -100, 110], 0.1),  # leading zeros only shift the series
        ([-100, 230, -132], 0.1),  # roots 1.1 and 1.2 (1.1 + 1.2 = 2.3, 1.1 * 1.2 = 1.32)
        ([-100, 215, -114], -0.05),  # roots 0.95 and 1.2 (0.95 + 1.2 = 2.15, 0.95 * 1.2 = 1.14)
        ([-100, 210, -110.25], 0.05),  # double root 1.05 (1.05**2 = 1.1025)
    ],
)
def test_irr_by_hand(values, expected):
    # With several roots the rate closest to zero is returned: 10 % before 20 %, -5 %
    # before +20 %.
    assert float(irr(values)) == pytest.approx(expected, abs=1e-12)


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


@pytest.mark.parametrize("seed", [10, 11])
def test_irr_matches_numpy_financial_on_random_series(seed):
    for name, values in random_series(seed):
        ours = irr(values)
        assert ours.shape == values.shape[:-1], name
        assert_same_irr(ours, npf_irr(values))


def test_irr_random_series_include_several_sign_changes():
    # the comparison above is only meaningful if it covers series with several IRRs
    values = dict(random_series(10))["normal, length 11"]
    signs = np.sign(values)
    changes = (signs[:, 1:] != signs[:, :-1]).sum(axis=1)
    assert (changes >= 3).mean() > 0.5


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
    assert_same_irr(out, npf_irr(values))
    assert isinstance(irr([-100, 110]), float)
    assert irr(np.zeros((0, 5))).shape == (0,)
    assert irr(np.zeros((3, 0))).shape == (3,) and np.isnan(irr(np.zeros((3, 0)))).all()


def test_irr_chunks_agree_with_one_block(monkeypatch):
    values = np.concatenate([arr for _, arr in random_series(14, n=40)[:2]])  # both length 11
    whole = irr(values)
    monkeypatch.setattr(finance.returns, "_CHUNK", 7)
    np.testing.assert_array_equal(irr(values), whole)


def test_irr_double_roots_use_the_eigenvalue_fallback():
    # (x - 0.8)**2 (x - 2): a double root at x = 0.8 (rate 25 %) and x = 2 (rate -50 %)
    values = np.poly([0.8, 0.8, 2.0])[::-1]
    assert float(irr(values)) == pytest.approx(0.25, abs=1e-7)
    # a double root at rate 10 % and a simple one at 20 %: the closer one is 10 %, whereas
    # numpy-financial 1.0.0 drops the double root (its eigenvalues come out complex)
    values = np.poly([1 / 1.1, 1 / 1.1, 1 / 1.2])[::-1]
    assert float(irr(values)) == pytest.approx(0.1, abs=1e-7)


def test_exact_reference_rejects_wrong_answers():
    # the reference itself: roots at 10 % and 20 %, so only 0.1 passes
    assert exact_irr_check([-100, 230, -132], 0.1, 1e-9)
    assert not exact_irr_check([-100, 230, -132], 0.2, 1e-9)  # a root, but not the closest
    assert not exact_irr_check([-100, 230, -132], 0.1 + 1e-6, 1e-9)  # not a root
    assert not exact_irr_check([-100, 230, -132], np.nan, 1e-9)
    assert exact_irr_check([-1, 1, -1], np.nan, 1e-9)  # no root at all


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_irr_choice_among_several_roots_exact(seed):
    # Exact rational arithmetic confirms that no IRR lies closer to zero than the one
    # returned, that one lies within 1e-9 of it, and that NaN means there is none.
    rng = np.random.default_rng(seed)
    for _ in range(40):
        values = rng.normal(size=int(rng.integers(3, 9)))
        assert exact_irr_check(values, float(irr(values)), 1e-9), values.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=7))
def test_irr_choice_exact_on_integer_series(values):
    # Small integers make double roots and roots exactly on grid points common; a double
    # root is only located to ~1e-8, hence the looser tolerance.
    assert exact_irr_check(values, float(irr(values)), 1e-7), values


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"guess": -1.0}, "guess"), ({"tol": 0.0}, "tol"), ({"maxiter": 0}, "maxiter")],
)
def test_irr_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        irr([-100, 110], **kwargs)


def test_irr_result_does_not_depend_on_guess():
    values = dict(random_series(15, n=50))["normal, length 11"]
    np.testing.assert_array_equal(irr(values, guess=-0.5), irr(values, guess=3.0))


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
