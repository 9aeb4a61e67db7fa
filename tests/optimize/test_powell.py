"""Tests for refopt/optimize/powell.py (Powell 1964, with Brent line searches).

Known answers: quadratics (x* = A^-1 b), the Moré–Garbow–Hillstrom minima, bounded
problems whose constrained minimisers are known in closed form (scipy's own tests), and
scipy's entropy problem (its solution, and scipy's loose ceiling on the calls).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refopt
from refopt._callback import wrap_callback
from refopt.optimize import OptimizeWarning
from refopt.optimize.powell import BestPoint, line_for_search, line_search, minimize_powell
from refopt.scalar import brentq

from . import (EntropyProblem, check_library_run, library_cases, library_id,
               rosen)
from .helpers import MGH, MGH_IDS, powell_singular, spd_problems


def box(lb, ub):
    return np.asarray(lb, dtype=float), np.asarray(ub, dtype=float)


def sum_of_squares(x):
    return np.sum(np.asarray(x) ** 2)


@pytest.mark.parametrize("fun, x0, x_star", MGH, ids=MGH_IDS)
def test_mgh_minima(fun, x0, x_star):
    res = minimize_powell(fun, np.array(x0), xtol=1e-8, ftol=1e-10)
    assert res.success and res.status == 0
    assert res.fun <= 1e-12
    # Powell's singular function is quartic near 0: f = 1e-20 allows |x| ~ 1e-5
    tolerance = 1e-4 if fun is powell_singular else 1e-8
    assert np.max(np.abs(res.x - x_star)) <= tolerance


@given(spd_problems())
def test_quadratic_property(problem):
    a, b, x0 = problem
    x_star = np.linalg.solve(a, b)
    res = minimize_powell(lambda x: 0.5 * x @ a @ x - b @ x, x0, xtol=1e-8, ftol=1e-12)
    assert res.success
    assert np.max(np.abs(res.x - x_star)) <= 1e-6


def test_scipy_entropy_problem():
    f = EntropyProblem()
    res = minimize_powell(f, np.zeros(3), maxiter=1000)
    assert f(res.x) == pytest.approx(f(f.solution), abs=1e-6)
    np.testing.assert_allclose(res.x[1:], f.solution[1:], atol=5e-6)   # x[0] does not matter
    # scipy's test bounds the count (with the two calls above) rather than fixing it: the
    # count is a figure of the whole floating-point path (104 or 107 calls by machine)
    assert res.nfev == len(f.trace) - 2 and len(f.trace) <= 116 + 20


def test_scipy_entropy_problem_bounded():
    f = EntropyProblem()
    res = minimize_powell(f, np.zeros(3), maxiter=1000, bounds=box([-np.pi] * 3, [np.pi] * 3))
    assert res.nfev == len(f.trace) <= 155 + 20      # scipy's test's bound, not a count
    assert f(res.x) == pytest.approx(f(f.solution), abs=1e-6, rel=1e-5)


def test_start_outside_bounds_comes_back_inside():
    with pytest.warns(OptimizeWarning, match="Initial guess is not within the specified bounds"):
        res = minimize_powell(sum_of_squares, np.array([-4.0, 0.5, -0.8]),
                              bounds=box([-1] * 3, [1] * 3))
    np.testing.assert_allclose(res.x, 0, atol=1e-6)
    assert res.success and res.status == 0


def test_degenerate_directions_leave_the_result_out_of_bounds():
    direc = np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 1]])
    keep = direc.copy()
    with pytest.warns(OptimizeWarning) as record:
        res = minimize_powell(sum_of_squares, np.array([-4.0, 0.5, -0.8]),
                              bounds=box([-1] * 3, [1] * 3), direc=direc)
    messages = {str(w.message) for w in record}
    assert "direc input is not full rank, some parameters may not be optimized" in messages
    np.testing.assert_allclose(res.x, [-4, 0, 0], atol=1e-6)
    assert (res.status, res.success) == (4, False)
    assert res.message == "The result is outside of the provided bounds."
    np.testing.assert_array_equal(direc, keep)        # the user's directions are not modified


@pytest.mark.parametrize("lb, ub", [
    ([-5, -10, 1, -4, -15.9], [-1, -0.1, 9.2, 7.6, -2]),
    ([-np.inf, -np.inf, 1, -4, -15.9], [-1, -0.1, np.inf, np.inf, -2]),
])
def test_bounded_minimum_is_the_projection_of_the_origin(lb, ub):
    res = minimize_powell(sum_of_squares, np.array([-2.1, -5.2, 1.9, 0, -2]),
                          bounds=box(lb, ub), xtol=1e-10, ftol=1e-10)
    expected = np.clip(0.0, lb, ub)
    np.testing.assert_allclose(res.x, expected, atol=1e-6)


def test_infinite_bounds_equal_no_bounds():
    def f(x):
        t = np.sin(-x[0]) * np.cos(x[1]) * np.sin(-x[0] * x[1]) * np.cos(x[1])
        t -= np.cos(np.sin(x[1] * x[2]) * np.cos(x[2]))
        return t**2

    free = minimize_powell(f, np.array([-0.5] * 3))
    boxed = minimize_powell(f, np.array([-0.5] * 3), bounds=box([-np.inf] * 3, [np.inf] * 3))
    assert (free.nfev, free.fun) == (boxed.nfev, boxed.fun)
    np.testing.assert_array_equal(free.x, boxed.x)
    # with the box [-2, 5]^3 Powell reaches a global minimum (f = 0) from the same start
    res = minimize_powell(f, np.array([-0.5] * 3), bounds=box([-2] * 3, [5] * 3))
    assert res.fun <= 1e-9 < free.fun


@pytest.mark.parametrize("f, expected, rtol", [
    (lambda x: -np.sum(x), -3e6, 1e-10),
    (lambda x: -np.abs(np.sum(x)) ** 0.1 * (1 if np.all(x > 0) else -1), -(3e6) ** 0.1, 1e-7),
    (lambda x: -np.abs(np.sum(x)) ** 10 * (1 if np.all(x > 0) else -1), -(3e6) ** 10, 1e-7),
])
def test_one_sided_bounds_arctan_search(f, expected, rtol):
    """scipy's test_onesided_bounded_powell_stability: the optimum is at x = 1e6 each."""
    res = minimize_powell(f, np.ones(3), bounds=box([-np.inf] * 3, [1e6] * 3), xtol=1e-8,
                          ftol=1e-8)
    assert res.fun == pytest.approx(expected, rel=rtol)


def test_every_evaluation_is_inside_the_bounds():
    seen = []
    lb, ub = box([-2, -2], [2, 2])
    res = minimize_powell(lambda x: seen.append(np.copy(x)) or rosen(x),
                          np.array([-1.2, 1.0]), bounds=(lb, ub), xtol=1e-8, ftol=1e-12)
    seen = np.array(seen)
    assert np.all(seen >= lb) and np.all(seen <= ub)
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-8)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5))
def test_line_for_search_property(seed, n):
    """(24.2): the ends of [lmin, lmax] are feasible and one bound is active at each."""
    rng = np.random.default_rng(seed)
    lb = rng.uniform(-5, 0, n)
    ub = lb + rng.uniform(0.1, 5, n)
    x = rng.uniform(lb, ub)
    d = rng.normal(size=n)
    lmin, lmax = line_for_search(x, d, lb, ub)
    assert lmin <= 0 <= lmax
    for end in (lmin, lmax):
        point = x + end * d
        slack = 1e-9 * (1 + np.abs(point))
        assert np.all(point >= lb - slack) and np.all(point <= ub + slack)
        assert np.min(np.minimum(np.abs(point - lb), np.abs(point - ub))) <= 1e-9 * (1 + np.max(np.abs(point)))


def test_line_search_zero_direction_costs_nothing():
    calls = []
    f = lambda x: calls.append(1) or 1.0  # noqa: E731
    fval, x, d = line_search(f, np.ones(2), np.zeros(2), 1e-2, fval=3.0)
    assert (fval, len(calls)) == (3.0, 0)


def test_line_search_finds_the_minimum_along_a_line():
    fval, x, step = line_search(lambda x: np.sum((x - [3.0, 1.0]) ** 2), np.array([0.0, 1.0]),
                                np.array([1.0, 0.0]), 1e-8)
    np.testing.assert_allclose(x, [3.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(step, x - [0.0, 1.0])


def test_limits_and_statuses():
    res = minimize_powell(rosen, np.array([-1.2, 1.0]), maxiter=2)
    assert (res.nit, res.status) == (2, 2)
    assert res.message == "Maximum number of iterations has been exceeded."
    res = minimize_powell(rosen, np.array([-1.2, 1.0]), maxfev=30)
    assert (res.nfev, res.status) == (30, 1)
    assert res.message == "Maximum number of function evaluations has been exceeded."
    res = minimize_powell(lambda x: np.nan, np.array([1.0, 1.0]))
    assert res.status == 3 and res.message == "NaN result encountered."


@given(maxfev=st.integers(1, 200))
def test_maxfev_is_never_exceeded(maxfev):
    calls = []
    res = minimize_powell(lambda x: calls.append(1) or rosen(x), np.array([-1.2, 1.0]),
                          maxfev=maxfev)
    assert res.nfev == len(calls) <= maxfev


def test_callback_and_return_all():
    seen = []
    res = minimize_powell(rosen, np.array([-1.2, 1.0]), return_all=True,
                          callback=wrap_callback(seen.append))
    assert len(seen) == res.nit == len(res.allvecs) - 1
    assert set(res) == {"fun", "direc", "nit", "nfev", "status", "success", "message", "x",
                        "allvecs"}

    def stop(intermediate_result):
        raise StopIteration

    res = minimize_powell(rosen, np.array([-1.2, 1.0]), callback=wrap_callback(stop))
    assert (res.status, res.success, res.nit) == (99, False, 1)
    assert res.message == "`callback` raised `StopIteration`."


def test_direction_set_stays_full_rank_on_a_quadratic():
    a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
    res = minimize_powell(lambda x: 0.5 * x @ a @ x, np.array([1.0, -2.0, 3.0]), xtol=1e-10,
                          ftol=1e-14)
    assert np.linalg.matrix_rank(res.direc) == 3
    np.testing.assert_allclose(res.x, 0, atol=1e-7)


def test_disp(capsys):
    minimize_powell(rosen, np.array([-1.2, 1.0]), disp=True)
    out = capsys.readouterr().out
    assert "Optimization terminated successfully." in out and "Iterations:" in out


def test_an_uphill_sweep_is_not_convergence():
    """Rosenbrock with x1 <= 0.5 from the infeasible start (-1.2, 1). The minimiser lies on
    the edge x1 = 0.5, where x0 solves g'(x0) = 0 for g = 100 (0.5 - x0^2)^2 + (1 - x0)^2.
    scipy 1.17.1 stops after one (uphill) sweep at (1, 0.5), f = 25, reporting success;
    refopt's stopping test (24.5) uses |f_start - f_end| and goes on to the minimiser."""
    x0_star = brentq(lambda t: -400 * t * (0.5 - t * t) - 2 * (1 - t), 0.5, 1.0)
    with pytest.warns(OptimizeWarning, match="Initial guess"):
        res = minimize_powell(rosen, np.array([-1.2, 1.0]), bounds=box([-2, -2], [2, 0.5]),
                              xtol=1e-8, ftol=1e-12)
    assert res.success
    np.testing.assert_allclose(res.x, [x0_star, 0.5], atol=1e-6)


def test_uphill_sweeps_never_end_in_false_success():
    """Rosenbrock with x0 <= 0.5: the line searches keep jumping between valleys. scipy
    1.17.1 stops uphill at f = 2.14 claiming success; refopt runs to its limit and says so."""
    res = minimize_powell(rosen, np.array([-1.2, 1.0]), bounds=box([-2, -2], [0.5, 2]),
                          xtol=1e-8, ftol=1e-12)
    assert not res.success and res.status == 1 and res.nfev == 2000
    assert res.message == "Maximum number of function evaluations has been exceeded."


def test_two_uphill_sweeps_in_a_row_end_a_slow_drift():
    """A Rosenbrock-like function in the box [0, 1]^2 from its centre: near the corner
    minimum (1, 1) the bounded line searches drift uphill by ~1e-13 a sweep. scipy 1.17.1
    stops at the first uphill sweep (212 evaluations, f = 8.7e-10); with |f_start - f_end|
    alone refopt ran to its limit of 2,000. The second uphill sweep in a row ends it, and
    the best point the sweeps ended at is returned."""
    def f(x):
        return (x[0] - 1) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2

    ends = []
    res = minimize_powell(f, np.array([0.5, 0.5]), bounds=box([0, 0], [1, 1]),
                          callback=wrap_callback(lambda xk: ends.append(f(xk))))
    assert res.success and res.nfev < 300
    assert res.fun < 1e-9 and res.fun == min(ends) < ends[-1]


def test_best_point_keeps_the_lowest_feasible_offer():
    best = BestPoint(np.zeros(2), np.ones(2))
    best.offer(3.0, np.array([0.5, 0.5]))
    best.offer(1.0, np.array([2.0, 0.5]))        # lower but outside the box: ignored
    best.offer(2.0, np.array([0.25, 1.0]))
    assert best.better_of(2.5, np.array([1.0, 1.0]))[0] == 2.0
    assert best.better_of(1.5, np.array([1.0, 1.0]))[0] == 1.5
    assert BestPoint(None, None).better_of(5.0, np.zeros(1))[0] == 5.0   # nothing offered


# ---------------------------------------------------------------------------------------
# Through the public face: refopt.minimize(method='Powell')
# ---------------------------------------------------------------------------------------

def test_minimize_entropy_problem_counts():
    # the public face counts every call and takes bounds as pairs, lower-case names too
    f = EntropyProblem()
    res = refopt.minimize(f, np.zeros(3), method="Powell", options={"maxiter": 1000})
    direct = minimize_powell(EntropyProblem(), np.zeros(3), maxiter=1000)
    assert res.nfev == len(f.trace) == direct.nfev and res.success
    np.testing.assert_array_equal(res.x, direct.x)
    f = EntropyProblem()
    res = refopt.minimize(f, np.zeros(3), method="powell", bounds=[(-np.pi, np.pi)] * 3,
                          options={"maxiter": 1000})
    direct = minimize_powell(EntropyProblem(), np.zeros(3), maxiter=1000,
                             bounds=box([-np.pi] * 3, [np.pi] * 3))
    assert res.nfev == len(f.trace) == direct.nfev and res.success
    np.testing.assert_array_equal(res.x, direct.x)


def test_minimize_bounds_with_none_and_tol():
    res = refopt.minimize(sum_of_squares, [-2.1, -5.2, 1.9, 0, -2], method="Powell", tol=1e-10,
                          bounds=[(None, -1), (-np.inf, -0.1), (1, np.inf), (-4, None),
                                  (-15.9, -2)])
    np.testing.assert_allclose(res.x, [-1, -0.1, 1, 0, -2], atol=1e-6)


def test_minimize_callback_and_unknown_option():
    def stop(intermediate_result):
        raise StopIteration

    res = refopt.minimize(rosen, [-1.2, 1.0], method="Powell", callback=stop)
    assert (res.status, res.success) == (99, False)
    with pytest.warns(OptimizeWarning, match="^Unknown solver options: bogus$"):
        refopt.minimize(rosen, [-1.2, 1.0], method="Powell", options={"bogus": 1})


# ---------------------------------------------------------------------------------------
# The whole minimisation library (refopt.problems): every problem x start
# ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("problem, start", library_cases(), ids=library_id)
def test_library_problem(problem, start):
    check_library_run("Powell", problem, start)
