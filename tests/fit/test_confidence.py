"""refopt.fit.confidence: F-test intervals against the t intervals of linear models, and more.

For a model linear in its parameters the profile is exactly quadratic,
``chi2(v) - chi2_0 = (v - v0)^2 / C_ii`` with ``C = (X^T X)^{-1}``, and the F statistic of
(32.1) with one parameter fixed is ``t^2``: the F-test interval at probability ``q`` is the
Student-t interval ``v0 +- t_{(1+q)/2}(N - P) s sqrt(C_ii)``. These tests compute that
closed form with numpy's least squares, independently of the fitting layer.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from refopt import stats
from refopt.fit import (ConfidenceWarning, Minimizer, MinimizerException, Parameters, ci_report,
                        conf_interval, conf_interval2d, f_compare)
from refopt.fit.confidence import sigmas_to_probabilities

RNG_SEED = 20261204


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------

def linear_problem(degree: int = 2, n: int = 40):
    """A polynomial fit to noisy data: the minimizer, its result, and the closed forms."""
    rng = np.random.default_rng(RNG_SEED)
    x = np.linspace(-1.0, 2.0, n)
    X = np.vander(x, degree + 1, increasing=True)
    truth = np.arange(1.0, degree + 2.0)
    y = X @ truth + 0.3 * rng.standard_normal(n)
    names = [f"c{k}" for k in range(degree + 1)]

    def residual(params):
        return X @ np.array([params[name].value for name in names]) - y

    params = Parameters()
    for name in names:
        params.add(name, value=0.5)
    mini = Minimizer(residual, params)
    result = mini.leastsq(xtol=1e-14, ftol=1e-14)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    chi2 = float(np.sum((X @ coef - y) ** 2))
    nfree = n - degree - 1
    C = np.linalg.inv(X.T @ X)
    closed = {"coef": dict(zip(names, coef)), "stderr": dict(zip(names, np.sqrt(np.diag(C) * chi2 / nfree))),
              "C": C, "chi2": chi2, "nfree": nfree, "names": names}
    return mini, result, closed


def basic_example():
    """The 0.5 manual's basic example, 1/(a x) + b, with fixed noise."""
    rng = np.random.default_rng(0)
    x = np.linspace(0.3, 10, 100)
    y = 1 / (0.1 * x) + 2 + 0.1 * rng.standard_normal(x.size)
    params = Parameters()
    params.add_many(("a", 0.1), ("b", 1))
    mini = Minimizer(lambda p: 1 / (p["a"].value * x) + p["b"].value - y, params)
    return mini, mini.leastsq()


def two_exponentials():
    """The manual's advanced example (a sum of two exponentials), default_rng(0) noise."""
    rng = np.random.default_rng(0)
    x = np.linspace(0.3, 10, 100)
    y = 3 * np.exp(-x / 2) - 5 * np.exp(-x / 10) + 0.2 * rng.normal(size=x.size)

    def residual(p):
        return p["a1"].value * np.exp(-x / p["t1"].value) + p["a2"].value * np.exp(-x / p["t2"].value) - y

    params = Parameters()
    params.add_many(("a1", 5), ("a2", -5), ("t1", 2), ("t2", 5))
    mini = Minimizer(residual, params)
    return mini, mini.leastsq()


# ---------------------------------------------------------------------------------------
# Known solutions
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sigmas", [(1, 2, 3), (0.5, 0.9, 0.99)])
def test_linear_model_interval_is_the_t_interval(sigmas):
    mini, result, closed = linear_problem()
    ci = conf_interval(mini, result, sigmas=sigmas)
    assert not ci.messages
    probs = sigmas_to_probabilities(sigmas)
    for name in closed["names"]:
        best, se = closed["coef"][name], closed["stderr"][name]
        rows = ci[name]
        assert [p for p, _ in rows] == pytest.approx([*probs[::-1], 0.0, *probs])
        for k, q in enumerate(probs):
            half = float(stats.t.ppf((1 + q) / 2, closed["nfree"])) * se
            lower, upper = rows[len(probs) - 1 - k][1], rows[len(probs) + 1 + k][1]
            assert lower == pytest.approx(best - half, abs=1e-6 * half)
            assert upper == pytest.approx(best + half, abs=1e-6 * half)


def test_custom_prob_func_with_known_noise():
    # With the noise level known, Delta chi2 / sigma^2 is chi-square with 1 degree of
    # freedom: the interval is v0 +- sqrt(chi2_q(1)) sigma sqrt(C_ii).
    mini, result, closed = linear_problem()
    noise = 0.3

    def known_sigma(best, new):
        return float(stats.chi2.cdf((new.chisqr - best.chisqr) / noise ** 2, 1))

    ci = conf_interval(mini, result, sigmas=(1, 2), prob_func=known_sigma)
    for name in closed["names"]:
        scale = noise * math.sqrt(closed["C"][closed["names"].index(name)] [closed["names"].index(name)])
        for k, q in enumerate(sigmas_to_probabilities((1, 2))):
            half = math.sqrt(float(stats.chi2.ppf(q, 1))) * scale
            assert ci[name][3 + k][1] == pytest.approx(closed["coef"][name] + half, abs=1e-6 * half)


def test_basic_example_agrees_with_the_standard_errors():
    # The manual's point: for 1/(a x) + b the covariance estimate is already good, so the
    # one-sigma F-test interval is close to +- t * stderr and nearly symmetric.
    mini, result = basic_example()
    ci = conf_interval(mini, result)
    assert not ci.messages
    for name in ("a", "b"):
        best, se = result.params[name].value, result.params[name].stderr
        rows = dict(enumerate(ci[name]))
        lower, upper = best - rows[2][1], rows[4][1] - best
        t = float(stats.t.ppf((1 + math.erf(1 / math.sqrt(2))) / 2, result.nfree))
        assert lower == pytest.approx(t * se, rel=0.02) and upper == pytest.approx(t * se, rel=0.02)
        assert lower == pytest.approx(upper, rel=0.03)


def test_each_limit_sits_on_its_level():
    # Self-consistency on a strongly nonlinear problem: at every limit reported without a
    # message, an independent re-fit gives the F-test probability of that level.
    mini, result = two_exponentials()
    ci, trace = conf_interval(mini, result, trace=True)
    assert not ci.messages
    for name, rows in ci.items():
        values = [v for _, v in rows]
        assert values == sorted(values)                     # nested intervals
        for prob, value in rows:
            if prob == 0:
                continue
            # re-fit from the nearest traced point, as conf_interval itself does
            near = int(np.argmin(np.abs(trace[name][name] - value)))
            params = result.params.copy()
            for other in params:
                params[other].value = trace[name][other][near]
            params[name].set(value=value, vary=False)
            new = mini.minimize(params=params)
            assert f_compare(result, new) == pytest.approx(prob, abs=2e-4)


def test_warm_starts_follow_the_valley_that_cold_restarts_leave():
    # The upper 3-sigma limit of a1 in the two-exponential example lies where the profile
    # re-fitted from its neighbours reaches the level. A re-fit started from the best fit
    # (as lmfit does) at a1 = 4.0 falls into another, worse minimum, and lmfit's root
    # finder locks onto that jump: refopt's limit is further out and the profile there is
    # continuous.
    mini, result = two_exponentials()
    ci = conf_interval(mini, result, p_names=["a1"], sigmas=[3])
    upper = ci["a1"][-1][1]
    assert upper > 4.0
    params = result.params.copy()
    params["a1"].set(value=4.0, vary=False)
    cold = mini.minimize(params=params)
    z_cold = math.sqrt((cold.chisqr / result.chisqr - 1) * result.nfree)
    assert z_cold > math.sqrt(float(stats.f.ppf(0.9973, 1, result.nfree)))   # the jump


def test_trace_records_every_refit():
    mini, result = basic_example()
    ci, trace = conf_interval(mini, result, sigmas=[1, 2], trace=True)
    assert set(trace) == {"a", "b"}
    for name, columns in trace.items():
        assert set(columns) == {"a", "b", "prob"}
        assert len({len(v) for v in columns.values()}) == 1
        assert columns["prob"][0] == 0.0 and columns[name][0] == result.params[name].value
        assert np.all((columns["prob"] >= 0) & (columns["prob"] < 1))
        fixed = [v for _, v in ci[name]]
        assert min(columns[name]) <= fixed[0] and max(columns[name]) >= fixed[-1]


def test_bound_leaves_an_open_side_with_a_message():
    mini, result = basic_example()
    params = result.params.copy()
    params["b"].set(max=result.params["b"].value + 1.5 * result.params["b"].stderr)
    mini2 = Minimizer(mini.userfcn, params)
    fit = mini2.leastsq()
    with pytest.warns(ConfidenceWarning, match="b: the upper limit at probability 0.9545 was not found: the bound"):
        ci = conf_interval(mini2, fit, p_names=["b"])
    assert ci["b"][-1][1] == math.inf and ci["b"][-2][1] == math.inf
    assert math.isfinite(ci["b"][-3][1]) and ci["b"][0][1] < ci["b"][3][1]
    assert len(ci.messages) == 1


def test_minimizer_and_parameters_are_left_as_they_were():
    mini, result = basic_example()
    before = {n: (p.value, p.stderr, p.vary) for n, p in result.params.items()}
    own = {n: (p.value, p.vary) for n, p in mini.params.items()}
    conf_interval(mini)                              # the manual's call: the last fit
    assert mini.result is result
    assert {n: (p.value, p.stderr, p.vary) for n, p in result.params.items()} == before
    assert {n: (p.value, p.vary) for n, p in mini.params.items()} == own


def test_fewer_evaluations_than_restarting_from_the_best_fit():
    # lmfit's walk (constant steps, every re-fit from the best fit) needs 1040 evaluations
    # on this example; the warm-started, extrapolating walk needs far fewer.
    mini, result = basic_example()
    ci = conf_interval(mini, result)
    assert 0 < ci.nfev < 520


# ---------------------------------------------------------------------------------------
# conf_interval2d and the report
# ---------------------------------------------------------------------------------------

def test_conf_interval2d_on_a_linear_model_is_the_quadratic_form():
    mini, result, closed = linear_problem()
    x, y, grid = conf_interval2d(mini, result, "c0", "c2", nx=5, ny=4)
    assert x.shape == (5,) and y.shape == (4,) and grid.shape == (4, 5)
    i, j = 0, 2
    block = closed["C"][np.ix_([i, j], [i, j])]
    inv = np.linalg.inv(block)
    for jj, vy in enumerate(y):
        for ii, vx in enumerate(x):
            d = np.array([vx - closed["coef"]["c0"], vy - closed["coef"]["c2"]])
            stat = (d @ inv @ d) / closed["chi2"] * closed["nfree"] / 2
            assert grid[jj, ii] == pytest.approx(float(stats.f.cdf(stat, 2, closed["nfree"])), abs=1e-7)


def test_conf_interval2d_takes_the_manuals_arguments():
    mini, result = basic_example()
    x, y, grid = conf_interval2d(mini, "a", "b", 4, 3)
    assert grid.shape == (3, 4)
    limits = ((0.1, 0.099), (2.0, 1.95))
    x, y, grid = conf_interval2d(mini, result, "a", "b", nx=3, ny=3, limits=limits)
    assert x[0] == 0.099 and x[-1] == 0.1 and y[0] == 1.95 and y[-1] == 2.0
    assert np.all((grid >= 0) & (grid <= 1))


def test_ci_report_in_the_manuals_layout():
    mini, result = basic_example()
    ci = conf_interval(mini, result)
    text = ci_report(ci)
    head, row_a, row_b = text.splitlines()
    assert head.split() == ["99.73%", "95.45%", "68.27%", "0.00%", "68.27%", "95.45%", "99.73%"]
    assert row_a.split()[0] == "a" and len(row_a.split()) == 8
    assert float(row_b.split()[4]) == pytest.approx(result.params["b"].value, abs=1e-5)
    offset = ci_report(ci, with_offset=True).splitlines()
    assert "_BEST_" in offset[0] and offset[1].split()[1].startswith("-")


# ---------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------

def test_bad_inputs():
    mini, result = basic_example()
    fresh = Minimizer(mini.userfcn, mini.params)
    with pytest.raises(MinimizerException, match="has not been fitted"):
        conf_interval(fresh)
    with pytest.raises(TypeError, match="Minimizer"):
        conf_interval(result)
    with pytest.raises(KeyError, match="no parameter named 'c'"):
        conf_interval(mini, result, p_names=["c"])
    with pytest.raises(ValueError, match="must be positive"):
        conf_interval(mini, result, sigmas=[1, -2])
    with pytest.raises(ValueError, match="must be positive"):
        conf_interval(mini, result, sigmas=[0])
    with pytest.raises(ValueError, match="maxiter"):
        conf_interval(mini, result, maxiter=0)
    params = mini.params.copy()
    params["b"].set(vary=False)
    fixed = Minimizer(mini.userfcn, params)
    fit = fixed.leastsq()
    with pytest.raises(ValueError, match="'b' is fixed"):
        conf_interval(fixed, fit, p_names=["b"])
    with pytest.raises(ValueError, match="x_name and y_name must differ"):
        conf_interval2d(mini, result, "a", "a")


def test_a_fit_without_error_bars_is_refused_with_its_reason():
    x = np.linspace(0, 1, 10)
    params = Parameters()
    params.add_many(("a", 1.0), ("b", 1.0))
    # the residuals do not depend on b: the covariance is singular
    mini = Minimizer(lambda p: p["a"].value - x, params)
    fit = mini.leastsq()
    assert not fit.errorbars
    with pytest.raises(MinimizerException, match="uncertainty estimate"):
        conf_interval(mini, fit)


def test_plots_draw_the_region_and_the_trace():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from refopt.fit.plot import plot_conf_interval2d, plot_trace

    mini, result = basic_example()
    ci, trace = conf_interval(mini, result, sigmas=[1], trace=True)
    ax = plot_trace(trace, "a", "b")
    assert len(ax.collections[0].get_offsets()) == len(trace["a"]["a"])
    x, y, grid = conf_interval2d(mini, result, "a", "b", nx=4, ny=3)
    ax = plot_conf_interval2d(x, y, grid, "a", "b")
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "b"
    with pytest.raises(KeyError, match="no profile of 'c'"):
        plot_trace(trace, "c", "a")


@pytest.mark.slow
def test_degenerate_fit_returns_what_it_can():
    # The manual's advanced example with its own noise (np.random.seed(0)): the fit ends with
    # t1 close to t2, where a1 and a2 can trade amplitude almost freely. lmfit's
    # conf_interval raises a ValueError there; refopt returns the limits it finds and says
    # which sides are open.
    x = np.linspace(0.3, 10, 100)
    y = 3 * np.exp(-x / 2) - 5 * np.exp(-x / 10) + 0.2 * np.random.RandomState(0).randn(x.size)

    def residual(p):
        return p["a1"].value * np.exp(-x / p["t1"].value) + p["a2"].value * np.exp(-x / p["t2"].value) - y

    params = Parameters()
    params.add_many(("a1", 5), ("a2", -5), ("t1", 2), ("t2", 5))
    mini = Minimizer(residual, params)
    result = mini.leastsq()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfidenceWarning)
        ci = conf_interval(mini, result, p_names=["a1", "t2"], sigmas=[1])
    assert ci["a1"][0][1] == -math.inf and ci["a1"][-1][1] == math.inf
    assert sum("a1:" in m and "open" in m for m in ci.messages) == 2
    lower, best, upper = (v for _, v in ci["t2"])
    assert lower < best < upper and all(map(math.isfinite, (lower, upper)))
