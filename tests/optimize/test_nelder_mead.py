"""Tests for refopt/optimize/nelder_mead.py (Nelder & Mead 1965; Gao & Han 2012).

Known answers: strictly convex quadratics (x* = A^-1 b), Moré–Garbow–Hillstrom functions
with published minima, and the exact call counts and iterates that scipy's own test
suite asserts for its entropy-maximisation problem (CheckOptimizeParameterized).
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
from refopt.optimize.nelder_mead import minimize_neldermead

from . import EntropyProblem, check_library_run, library_cases, library_id, rosen
from .helpers import MGH, MGH_IDS, beale, spd_problems


# ---------------------------------------------------------------------------------------
# Moré, Garbow & Hillstrom (1981), "Testing unconstrained optimization software",
# ACM TOMS 7(1): f = ||F||^2 from the registry, with the published starts and minimisers
# (f* = 0); and scipy's documentation example, Rosenbrock in 5 variables.
# ---------------------------------------------------------------------------------------



@pytest.mark.parametrize("fun, x0, x_star", MGH, ids=MGH_IDS)
def test_mgh_minima(fun, x0, x_star):
    res = minimize_neldermead(fun, np.array(x0), xatol=1e-8, fatol=1e-8, maxiter=20000,
                              maxfev=20000)
    assert res.success and res.status == 0
    assert res.fun <= 1e-14
    assert np.max(np.abs(res.x - x_star)) <= 1e-6
    assert res.fun == fun(res.x)


# ---------------------------------------------------------------------------------------
# scipy's own regression problem: maximum entropy (Berger et al. 1996), known solution
# ---------------------------------------------------------------------------------------

def test_scipy_entropy_problem():
    f = EntropyProblem()
    res = minimize_neldermead(f, np.zeros(3), maxiter=1000)
    assert f(res.x) == pytest.approx(f(f.solution), abs=1e-6)
    # scipy's test fixes the count (167 with the two calls above) and the 77th and 78th
    # points: figures of a long floating-point path, not asserted here (tests/README.md)
    assert res.success and res.nfev == len(f.trace) - 2
    np.testing.assert_allclose(res.x[1:], f.solution[1:], atol=1e-3)   # x[0] does not matter


def test_scipy_entropy_problem_with_initial_simplex():
    f = EntropyProblem()
    simplex = np.zeros((4, 3)) + np.eye(4, 3, k=-1) * 0.1
    keep = simplex.copy()
    res = minimize_neldermead(f, np.zeros(3), maxiter=1000, initial_simplex=simplex,
                              return_all=True)
    assert f(res.x) == pytest.approx(f(f.solution), abs=1e-6)
    assert res.success and res.nfev == len(f.trace) - 2
    np.testing.assert_allclose(f.trace[:4], simplex)  # the given simplex is evaluated first
    np.testing.assert_array_equal(res.allvecs[0], simplex[0])
    np.testing.assert_array_equal(simplex, keep)     # the user's simplex is not modified


# ---------------------------------------------------------------------------------------
# Quadratics (hypothesis): x* = A^-1 b
# ---------------------------------------------------------------------------------------



@given(spd_problems())
def test_quadratic_property(problem):
    a, b, x0 = problem
    x_star = np.linalg.solve(a, b)
    res = minimize_neldermead(lambda x: 0.5 * x @ a @ x - b @ x, x0, xatol=1e-10,
                              fatol=1e-14, maxiter=10000, maxfev=10000)
    assert res.success
    assert np.max(np.abs(res.x - x_star)) <= 1e-6


# ---------------------------------------------------------------------------------------
# Counting, limits, nit
# ---------------------------------------------------------------------------------------

def test_nit_counts_the_initial_simplex_as_one():
    """scipy's nit is one more than the number of simplex iterations; refopt keeps it."""
    passes = []
    res = minimize_neldermead(rosen, np.array([-1.2, 1.0]), callback=wrap_callback(passes.append))
    assert res.success and res.nit == len(passes) + 1
    passes.clear()
    res = minimize_neldermead(rosen, np.array([-1.2, 1.0]), maxiter=3,
                              callback=wrap_callback(passes.append))
    assert (res.nit, len(passes), res.status) == (3, 2, 2)
    assert res.message == "Maximum number of iterations has been exceeded."


@given(maxfev=st.integers(1, 60))
def test_maxfev_is_never_exceeded(maxfev):
    calls = []
    res = minimize_neldermead(lambda x: calls.append(1) or rosen(x), np.array([-1.2, 1.0]),
                              maxfev=maxfev)
    assert res.nfev == len(calls) <= maxfev
    assert res.status == 1 and not res.success
    assert res.message == "Maximum number of function evaluations has been exceeded."


def test_default_limits_are_200_n():
    # scipy's test_neldermead_adaptive: 15 variables, only the adaptive variant converges
    x0 = np.array([0.15746215, 0.48087031, 0.44519198, 0.4223638, 0.61505159, 0.32308456,
                   0.9692297, 0.4471682, 0.77411992, 0.80441652, 0.35994957, 0.75487856,
                   0.99973421, 0.65063887, 0.09626474])
    res = minimize_neldermead(lambda x: np.sum(x**2), x0)
    assert res.status == 1 and res.nfev == 3000
    res = minimize_neldermead(lambda x: np.sum(x**2), x0, adaptive=True)
    assert res.success


def test_result_fields_and_final_simplex():
    res = minimize_neldermead(beale, np.array([1.0, 1.0]))
    assert set(res) == {"fun", "nit", "nfev", "status", "success", "message", "x",
                        "final_simplex"}
    sim, fsim = res.final_simplex
    assert sim.shape == (3, 2) and np.all(np.diff(fsim) >= 0)
    np.testing.assert_array_equal(sim[0], res.x)
    assert res.fun == fsim[0] == beale(res.x)
    assert res.message == "Optimization terminated successfully."


def test_callback_stop_iteration_gives_status_99():
    def stop(intermediate_result):
        if intermediate_result.fun < 1.0:
            raise StopIteration

    res = minimize_neldermead(rosen, np.array([-1.2, 1.0]), callback=wrap_callback(stop))
    assert (res.status, res.success) == (99, False)
    assert res.message == "`callback` raised `StopIteration`."
    assert res.fun < 1.0


def test_return_all_lists_the_best_vertex_per_iteration():
    res = minimize_neldermead(beale, np.array([1.0, 1.0]), return_all=True)
    assert len(res.allvecs) == res.nit
    values = [beale(v) for v in res.allvecs[1:]]
    assert all(np.diff(values) <= 0)                  # the best value never gets worse


def test_initial_simplex_rules():
    """(23.1): a zero coordinate becomes 0.00025, others grow by 5 %."""
    points = []
    minimize_neldermead(lambda x: points.append(np.copy(x)) or 0.0, np.array([0.0, 2.0]))
    np.testing.assert_array_equal(points[:3], [[0.0, 2.0], [0.00025, 2.0], [0.0, 2.1]])


def test_bad_initial_simplex():
    with pytest.raises(ValueError, match=r"^Size of `initial_simplex` is not consistent with `x0`$"):
        minimize_neldermead(rosen, np.zeros(3), initial_simplex=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"should be an array of shape \(N\+1,N\)"):
        minimize_neldermead(rosen, np.zeros(3), initial_simplex=np.zeros((3, 3)))


def test_float32_is_respected():
    def f(x):
        assert x.dtype == np.float32
        return rosen(x)

    res = minimize_neldermead(f, np.array([5.0, 4.0], dtype=np.float32))
    assert res.x.dtype == np.float32


def test_nan_does_not_crash():
    res = minimize_neldermead(lambda x: np.nan if x[0] > 1.02 else np.sum((x - 1) ** 2),
                              np.array([1.0, 1.0]))
    assert np.isfinite(res.fun)
    res = minimize_neldermead(lambda x: np.nan, np.array([1.0, 1.0]), maxiter=10)
    assert res.status == 2 and np.isnan(res.fun)


def test_inputs_are_not_modified():
    x0 = np.array([-1.2, 1.0])
    minimize_neldermead(rosen, x0)
    np.testing.assert_array_equal(x0, [-1.2, 1.0])


def test_disp_prints_summary(capsys):
    minimize_neldermead(beale, np.array([1.0, 1.0]), disp=True)
    out = capsys.readouterr().out
    assert "Optimization terminated successfully." in out and "Function evaluations" in out
    with pytest.warns(RuntimeWarning, match="Maximum number of iterations"):
        minimize_neldermead(beale, np.array([1.0, 1.0]), disp=True, maxiter=5)


# ---------------------------------------------------------------------------------------
# Bounds (clipping)
# ---------------------------------------------------------------------------------------

def box(lb, ub):
    return np.asarray(lb, dtype=float), np.asarray(ub, dtype=float)


def test_x0_on_the_upper_bound_gh19991():
    """A simplex built at x0 = ub is reflected inside, so the run still makes progress."""
    res = minimize_neldermead(lambda x: np.sum(x**2), np.array([1.0]), bounds=box([0], [1]))
    np.testing.assert_allclose(res.x, [0], atol=1e-7)
    res = minimize_neldermead(lambda x: np.sum(x**2), np.array([1.0, 2.0]),
                              bounds=box([0, 1], [1, 3]))
    np.testing.assert_allclose(res.x, [0, 1], atol=1e-7)


@given(lower=st.lists(st.floats(-2, 0.5), min_size=2, max_size=2),
       width=st.lists(st.floats(0.1, 3), min_size=2, max_size=2))
def test_every_evaluation_is_inside_the_bounds(lower, width):
    lb = np.array(lower)
    ub = lb + np.array(width)
    seen = []
    x0 = (lb + ub) / 2
    res = minimize_neldermead(lambda x: seen.append(np.copy(x)) or rosen(x), x0,
                              bounds=(lb, ub))
    seen = np.array(seen)
    assert np.all(seen >= lb) and np.all(seen <= ub)
    assert np.all(res.x >= lb) and np.all(res.x <= ub)


def test_constrained_minimum_on_the_boundary():
    # Rosenbrock with x <= 0.5: the minimum lies on the edge x0 = 0.5, x1 = 0.25
    res = minimize_neldermead(rosen, np.array([-1.2, 1.0]), xatol=1e-10, fatol=1e-14,
                              bounds=box([-2, -2], [0.5, 2]))
    np.testing.assert_allclose(res.x, [0.5, 0.25], atol=1e-6)


def test_x0_outside_bounds_warns_and_is_clipped():
    points = []
    with pytest.warns(OptimizeWarning, match="^Initial guess is not within the specified bounds$"):
        minimize_neldermead(lambda x: points.append(np.copy(x)) or np.sum(x**2),
                            np.array([3.0, -4.0]), bounds=box([-1, -1], [1, 1]))
    np.testing.assert_array_equal(points[0], [1.0, -1.0])


def test_lower_above_upper_is_an_error():
    with pytest.raises(ValueError, match="one of the lower bounds is greater than an upper bound"):
        minimize_neldermead(rosen, np.zeros(2), bounds=box([1, 0], [0, 1]))


# ---------------------------------------------------------------------------------------
# Through the public face: refopt.minimize(method='Nelder-Mead')
# ---------------------------------------------------------------------------------------

def test_minimize_scipy_docs_example():
    x0 = [1.3, 0.7, 0.8, 1.9, 1.2]
    res = refopt.minimize(rosen, x0, method="Nelder-Mead", tol=1e-6)
    np.testing.assert_allclose(res.x, 1.0, atol=1e-5)
    direct = minimize_neldermead(rosen, np.array(x0), xatol=1e-6, fatol=1e-6)
    assert (res.nit, res.nfev) == (direct.nit, direct.nfev)
    np.testing.assert_array_equal(res.x, direct.x)


def test_minimize_bounds_pairs_and_old_style_callback():
    seen = []
    res = refopt.minimize(lambda x: np.sum(x**2), [1.0, 2.0], method="nelder-mead",
                          bounds=[(0, 1), (1, None)], callback=seen.append)
    np.testing.assert_allclose(res.x, [0, 1], atol=1e-7)
    assert len(seen) == res.nit - 1 and all(isinstance(x, np.ndarray) for x in seen)

    def stop(xk):
        raise StopIteration

    res = refopt.minimize(rosen, [-1.2, 1.0], method="Nelder-Mead", callback=stop)
    assert (res.status, res.success, res.nit) == (99, False, 2)    # one iteration, nit 2


def test_minimize_warnings():
    with pytest.warns(RuntimeWarning, match="does not use gradient information"):
        refopt.minimize(rosen, [-1.2, 1.0], method="Nelder-Mead", jac=lambda x: x)
    with pytest.warns(OptimizeWarning, match="^Unknown solver options: bogus$"):
        refopt.minimize(rosen, [-1.2, 1.0], method="Nelder-Mead", options={"bogus": 1})


# ---------------------------------------------------------------------------------------
# The whole minimisation library (refopt.problems): every problem x start
# ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("problem, start", library_cases(), ids=library_id)
def test_library_problem(problem, start):
    check_library_run("Nelder-Mead", problem, start)
