"""refopt.stats against printed tables, closed forms and its own identities.

The critical values are those of the standard printed tables (e.g. the NIST/SEMATECH
e-Handbook of Statistical Methods, §1.3.6.7, and Abramowitz & Stegun 1964, tables 26.7-26.9),
given to the digits printed there; each is checked to half a unit of its last digit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from refopt import stats

# (distribution, probability q with cdf(x) = q, shape parameters, tabulated x)
TABLE = [
    # Student t, two-sided 95 %, 90 % and 99 % points
    ("t", 0.975, (1,), "12.706"), ("t", 0.975, (2,), "4.303"), ("t", 0.975, (3,), "3.182"),
    ("t", 0.975, (4,), "2.776"), ("t", 0.975, (5,), "2.571"), ("t", 0.975, (6,), "2.447"),
    ("t", 0.975, (8,), "2.306"), ("t", 0.975, (10,), "2.2281"), ("t", 0.975, (15,), "2.131"),
    ("t", 0.975, (20,), "2.086"), ("t", 0.975, (30,), "2.042"), ("t", 0.975, (60,), "2.000"),
    ("t", 0.975, (120,), "1.980"), ("t", 0.95, (1,), "6.314"), ("t", 0.95, (5,), "2.015"),
    ("t", 0.95, (10,), "1.812"), ("t", 0.95, (30,), "1.697"), ("t", 0.995, (1,), "63.657"),
    ("t", 0.995, (10,), "3.169"), ("t", 0.995, (30,), "2.750"),
    # chi-square, upper 5 % and 1 % points and a lower 5 % point
    ("chi2", 0.95, (1,), "3.8415"), ("chi2", 0.95, (2,), "5.991"), ("chi2", 0.95, (3,), "7.815"),
    ("chi2", 0.95, (4,), "9.488"), ("chi2", 0.95, (5,), "11.070"), ("chi2", 0.95, (10,), "18.307"),
    ("chi2", 0.95, (20,), "31.410"), ("chi2", 0.95, (30,), "43.773"), ("chi2", 0.99, (1,), "6.635"),
    ("chi2", 0.99, (2,), "9.210"), ("chi2", 0.99, (10,), "23.209"), ("chi2", 0.05, (10,), "3.940"),
    # F, upper 5 % and 1 % points
    ("f", 0.95, (1, 10), "4.9646"), ("f", 0.95, (2, 10), "4.103"), ("f", 0.95, (3, 10), "3.708"),
    ("f", 0.95, (5, 10), "3.326"), ("f", 0.95, (10, 10), "2.978"), ("f", 0.95, (1, 1), "161.448"),
    ("f", 0.95, (1, 20), "4.351"), ("f", 0.95, (2, 20), "3.493"), ("f", 0.95, (4, 20), "2.866"),
    ("f", 0.95, (10, 20), "2.348"), ("f", 0.95, (1, 30), "4.171"), ("f", 0.95, (5, 5), "5.050"),
    ("f", 0.99, (1, 10), "10.044"), ("f", 0.99, (2, 10), "7.559"), ("f", 0.99, (5, 10), "5.636"),
    # the standard normal
    ("norm", 0.975, (), "1.95996"), ("norm", 0.95, (), "1.64485"), ("norm", 0.995, (), "2.57583"),
    ("norm", 0.9, (), "1.28155"), ("norm", 0.999, (), "3.09023"),
]


def half_unit(printed: str) -> float:
    """Half a unit in the last printed digit of a table entry."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** -decimals


@pytest.mark.parametrize("name, q, shape, printed", TABLE)
def test_tabulated_critical_values(name, q, shape, printed):
    dist = getattr(stats, name)
    x = float(dist.ppf(q, *shape))
    assert abs(x - float(printed)) <= half_unit(printed)
    assert abs(float(dist.cdf(x, *shape)) - q) < 1e-13


def test_table_is_long_enough():
    assert len(TABLE) >= 33


def test_normal_cdf_at_whole_sigmas():
    # Φ(1), Φ(2), Φ(3) as tabulated (A&S table 26.1)
    assert stats.norm.cdf([1.0, 2.0, 3.0]) == pytest.approx([0.8413447461, 0.9772498681, 0.9986501020], abs=1e-10)


# ---------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------

XS = np.concatenate([-np.logspace(-8, 8, 60), [0.0], np.logspace(-8, 8, 60)])


def test_t_with_one_degree_is_cauchy():
    # the lower tail at x < 0 is arctan(1/|x|)/pi, written without the cancellation of 1/2 + ...
    neg = XS < 0
    assert stats.t.cdf(XS[neg], 1) == pytest.approx(np.arctan(-1 / XS[neg]) / np.pi, rel=1e-13)
    assert stats.t.cdf(XS, 1) == pytest.approx(0.5 + np.arctan(XS) / np.pi, rel=1e-13)
    q = np.linspace(0.001, 0.999, 37)
    assert stats.t.ppf(q, 1) == pytest.approx(np.tan(np.pi * (q - 0.5)), rel=1e-12, abs=1e-14)


def test_t_with_two_degrees():
    # cdf = 1/2 + t / (2 sqrt(2 + t^2)); the upper tail written without cancellation
    upper = 1.0 / (np.sqrt(2 + XS ** 2) * (np.sqrt(2 + XS ** 2) + XS))
    pos = XS > 0
    assert stats.t.sf(XS[pos], 2) == pytest.approx(upper[pos], rel=1e-13)
    assert stats.t.cdf(XS, 2) == pytest.approx(0.5 + XS / (2 * np.sqrt(2 + XS ** 2)), rel=1e-13)


def test_chi2_with_two_degrees_is_exponential():
    x = np.logspace(-10, 2.8, 80)
    assert stats.chi2.sf(x, 2) == pytest.approx(np.exp(-x / 2), rel=1e-13)
    assert stats.chi2.cdf(x, 2) == pytest.approx(-np.expm1(-x / 2), rel=1e-13)


def test_f_two_two():
    # cdf = x / (1 + x), so the 95 % point is exactly 19
    x = np.logspace(-10, 10, 80)
    assert stats.f.cdf(x, 2, 2) == pytest.approx(x / (1 + x), rel=1e-13)
    assert stats.f.ppf(0.95, 2, 2) == pytest.approx(19.0, rel=1e-13)


@pytest.mark.parametrize("df", [1, 3, 7, 25, 200])
def test_f_one_n_is_t_squared(df):
    # F(1, n) is the square of Student's t with n degrees of freedom: the identity that makes
    # the F-test interval of a linear model the t interval.
    p = np.array([0.3173, 0.05, 0.0027, 1e-5, 1e-12])     # two-sided tail probabilities
    assert stats.f.isf(p, 1, df) == pytest.approx(stats.t.isf(p / 2, df) ** 2, rel=1e-11)


def test_chi2_one_is_normal_squared():
    z = np.linspace(0.01, 30, 50)
    assert stats.chi2.sf(z ** 2, 1) == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)


def test_incomplete_beta_special_cases():
    x = np.linspace(0, 1, 41)
    assert stats.betainc(1.0, 1.0, x) == pytest.approx(x, abs=1e-15)
    assert stats.betainc(3.5, 1.0, x) == pytest.approx(x ** 3.5, rel=1e-13, abs=1e-300)
    assert stats.betainc(1.0, 2.5, x) == pytest.approx(1 - (1 - x) ** 2.5, rel=1e-13, abs=1e-16)
    # I_x(1/2, 1/2) is the arcsine law
    assert stats.betainc(0.5, 0.5, x) == pytest.approx(2 / np.pi * np.arcsin(np.sqrt(x)), abs=1e-14)


def test_incomplete_gamma_special_cases():
    x = np.logspace(-8, 2.5, 60)
    assert stats.gammainc(1.0, x) == pytest.approx(-np.expm1(-x), rel=1e-13)
    assert stats.gammaincc(1.0, x) == pytest.approx(np.exp(-x), rel=1e-13)
    # P(1/2, x) = erf(sqrt(x))
    assert stats.gammainc(0.5, x) == pytest.approx([math.erf(math.sqrt(v)) for v in x], rel=1e-13)


# ---------------------------------------------------------------------------------------
# Identities, by hypothesis
# ---------------------------------------------------------------------------------------

shape = st.floats(0.05, 2000.0)
unit = st.floats(0.0, 1.0)


@given(a=shape, b=shape, x=unit)
def test_beta_symmetry(a, b, x):
    # I_x(a, b) + I_{1-x}(b, a) = 1   (33.1)
    assert stats.betainc(a, b, x) + stats.betainc(b, a, 1 - x) == pytest.approx(1.0, abs=1e-12)


@given(a=st.floats(0.05, 500.0), x=st.floats(1e-6, 800.0))
def test_gamma_recurrence(a, x):
    # P(a + 1, x) = P(a, x) - x^a e^{-x} / Γ(a + 1)
    step = math.exp(a * math.log(x) - x - math.lgamma(a + 1))
    assert stats.gammainc(a + 1, x) == pytest.approx(stats.gammainc(a, x) - step, abs=1e-12)
    assert stats.gammainc(a, x) + stats.gammaincc(a, x) == pytest.approx(1.0, abs=1e-14)


DISTS = {
    "t": (stats.t, st.tuples(st.floats(0.5, 1e4))),
    "chi2": (stats.chi2, st.tuples(st.floats(0.5, 1e4))),
    "f": (stats.f, st.tuples(st.floats(0.5, 1e4), st.floats(0.5, 1e4))),
    "norm": (stats.norm, st.just(())),
}


@pytest.mark.parametrize("name", sorted(DISTS))
@given(data=st.data(), q=st.floats(1e-12, 1 - 1e-10))
def test_ppf_inverts_cdf(name, data, q):
    dist, shapes = DISTS[name]
    params = data.draw(shapes)
    x = float(dist.ppf(q, *params))
    assert math.isfinite(x)
    assert float(dist.cdf(x, *params)) == pytest.approx(q, rel=1e-10)
    # and back: ppf(cdf(x)) = x, where the cdf is not saturated
    assert float(dist.ppf(dist.cdf(x, *params), *params)) == pytest.approx(x, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("name", sorted(DISTS))
@given(data=st.data(), p=st.floats(1e-300, 0.5))
def test_isf_inverts_sf_far_into_the_upper_tail(name, data, p):
    dist, shapes = DISTS[name]
    params = data.draw(shapes)
    x = float(dist.isf(p, *params))
    assume(math.isfinite(x) and dist.pdf(x, *params) > 0)
    assert float(dist.sf(x, *params)) == pytest.approx(p, rel=1e-9)


@pytest.mark.parametrize("name", sorted(DISTS))
@given(data=st.data(), x=st.floats(-1e6, 1e6))
def test_cdf_and_sf_are_complementary(name, data, x):
    dist, shapes = DISTS[name]
    params = data.draw(shapes)
    lower, upper = float(dist.cdf(x, *params)), float(dist.sf(x, *params))
    assert 0.0 <= lower <= 1.0 and 0.0 <= upper <= 1.0
    assert lower + upper == pytest.approx(1.0, abs=1e-13)


@pytest.mark.parametrize("name", sorted(DISTS))
def test_cdf_is_monotone_and_the_density_its_slope(name):
    dist, shapes = DISTS[name]
    params = {"t": (4.0,), "chi2": (3.0,), "f": (3.0, 7.0), "norm": ()}[name]
    x = np.linspace(0.05, 8, 400) if name in ("chi2", "f") else np.linspace(-8, 8, 400)
    c = dist.cdf(x, *params)
    assert np.all(np.diff(c) > 0)
    h = 1e-5
    # differences of the smaller tail, which keeps its digits
    lower = (dist.cdf(x + h, *params) - dist.cdf(x - h, *params)) / (2 * h)
    upper = (dist.sf(x - h, *params) - dist.sf(x + h, *params)) / (2 * h)
    slope = np.where(c < 0.5, lower, upper)
    assert slope == pytest.approx(dist.pdf(x, *params), rel=1e-6, abs=1e-12)


# ---------------------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------------------

def test_quantile_edges():
    assert np.isnan(stats.f.ppf(1.5, 2, 3)) and np.isnan(stats.t.ppf(-0.1, 3))
    assert stats.f.ppf(0.0, 2, 3) == 0.0 and stats.f.ppf(1.0, 2, 3) == np.inf
    assert stats.t.ppf(0.0, 3) == -np.inf and stats.t.ppf(0.5, 3) == 0.0
    assert stats.norm.isf(1.0) == -np.inf and stats.chi2.isf(0.0, 4) == np.inf


def test_support_and_infinities():
    assert stats.f.cdf(-1.0, 2, 3) == 0.0 and stats.chi2.sf(-2.0, 3) == 1.0
    assert stats.t.cdf(np.inf, 5) == 1.0 and stats.t.cdf(-np.inf, 5) == 0.0
    assert stats.norm.sf(np.inf) == 0.0 and stats.chi2.cdf(np.inf, 2) == 1.0


def test_arrays_broadcast_against_shape_parameters():
    q = np.array([[0.9], [0.95]])
    df = np.array([1.0, 10.0, 30.0])
    out = stats.t.ppf(q, df)
    assert out.shape == (2, 3)
    assert out[1, 1] == pytest.approx(1.8125, abs=5e-5)
    assert np.isscalar(stats.t.ppf(0.95, 10)) or np.ndim(stats.t.ppf(0.95, 10)) == 0
