"""Trust-region reflective (refopt.lsq.trf) on problems with independently known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refopt.lsq.losses import construct_loss_function
from refopt.lsq.point import make_point
from refopt.lsq.trf import CL_scaling_vector, build_model, initial_radius, scaled_optimality, trf
from refopt.problems import mgh

from .helpers import (
    INF, assert_kkt, bounded_linear_problems, bounded_lsq_oracle, check_mgh_case, linear,
    mgh_case_ids, outlier_model, rosenbrock, rosenbrock_jac, rosenbrock_on_x1_equals, run,
)
from ..helpers import boxes, vectors


# --------------------------------------------------------------------------------------------
# Known solutions
# --------------------------------------------------------------------------------------------

@given(bounded_linear_problems(x0_on_bounds=True))
def test_linear_residuals_reach_the_active_set_solution(problem):
    A, b, lb, ub, x0 = problem
    fun, jac = linear(A, b)
    res = run(trf, fun, jac, x0, lb, ub, tol=1e-12, max_nfev=2000)
    x_star, cost_star = bounded_lsq_oracle(A, b, lb, ub)
    assert res.status in (1, 2, 3, 4)
    assert np.all(res.x >= lb) and np.all(res.x <= ub)
    assert res.cost == pytest.approx(cost_star, rel=1e-8, abs=1e-10)
    # trf approaches an active bound from inside; it stops when ||v g|| < gtol, where the
    # distance v to the bound times the gradient is ~1e-12, so x is close but not exact
    np.testing.assert_allclose(res.x, x_star, atol=1e-4 * (1 + np.abs(x_star).max()))
    if strictly_complementary(A, b, x_star, lb, ub):
        assert_kkt(res.x, A.T @ (A @ res.x - b), lb, ub, atol=1e-5 * (1 + np.abs(A.T @ b).max()))
    assert res.active_mask.dtype.kind == "i"


def strictly_complementary(A, b, x_star, lb, ub):
    """Every variable on a bound at the solution has a nonzero gradient there.

    Where one has not (its unconstrained optimum is the bound itself), the Coleman-Li scaling
    v = x - lb shrinks with the gradient and trf, like scipy's, approaches that bound only
    linearly, halving the distance each step; `ftol` may then stop it a little inside, with
    the cost right to about 1e-9 but the raw gradient not yet small.
    """
    g = A.T @ (A @ x_star - b)
    on_bound = (x_star == lb) | (x_star == ub)
    return bool(np.all(np.abs(g[on_bound]) > 1e-6 * (1 + np.abs(A.T @ b).max())))


def test_a_degenerate_bound_is_approached_linearly_and_the_cost_is_right():
    # the example the property test found (hypothesis, 2,000 examples): x2's optimum is its
    # bound 0 with zero gradient there. trf (and scipy 1.17.1, identically) halves x2 each
    # step and stops by `ftol` at x2 = 4.5e-5: the cost is the optimum's to 2e-9
    A = np.array([[0.0, -1.625], [0.25, 0.0]])
    b = np.array([0.0, -1.7421875])
    lb, ub = np.zeros(2), np.full(2, 0.75)
    fun, jac = linear(A, b)
    res = run(trf, fun, jac, [0.1875, 0.1875], lb, ub, tol=1e-12, max_nfev=2000)
    x_star, cost_star = bounded_lsq_oracle(A, b, lb, ub)
    np.testing.assert_array_equal(x_star, [0.0, 0.0])
    assert not strictly_complementary(A, b, x_star, lb, ub)
    assert res.status == 2 and res.nfev == 16
    assert res.cost == pytest.approx(cost_star, rel=1e-8)
    assert 0 < res.x[1] < 1e-4 and res.x[0] < 1e-80


def test_bounded_rosenbrock_from_the_scipy_documentation():
    res = run(trf, rosenbrock, rosenbrock_jac, [2.0, 2.0], [-INF, 1.5], [INF, INF])
    expected = [rosenbrock_on_x1_equals(1.5), 1.5]
    np.testing.assert_allclose(res.x, expected, atol=1e-7)
    np.testing.assert_allclose(res.x, [1.22437075, 1.5], atol=1e-7)  # the documented answer
    np.testing.assert_array_equal(res.active_mask, [0, -1])


def test_unbounded_rosenbrock_reaches_one_one():
    res = run(trf, rosenbrock, rosenbrock_jac, [2.0, 2.0])
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-8)
    assert res.status == 1 and res.cost < 1e-20
    np.testing.assert_array_equal(res.active_mask, [0, 0])
    assert res.active_mask.dtype.kind == "i"  # scipy: a float array without bounds



@pytest.mark.parametrize("case", mgh.driver_cases(), ids=mgh_case_ids(mgh.driver_cases()))
def test_mgh_driver_problems_reach_known_minima(case):
    check_mgh_case(trf, case)


@given(boxes(), vectors(3))
def test_cl_scaling_vector_definition(box, g):
    x, lb, ub = box
    v, dv = CL_scaling_vector(x, g, lb, ub)
    assert np.all(v > 0)
    expected = np.where((g < 0) & np.isfinite(ub), ub - x,
                        np.where((g > 0) & np.isfinite(lb), x - lb, 1.0))
    np.testing.assert_array_equal(v, expected)
    # dv is the derivative of v: a finite difference along each coordinate agrees
    h = 1e-7
    v_plus, _ = CL_scaling_vector(x + h, g, lb, ub)
    np.testing.assert_allclose((v_plus - v) / h, dv, atol=1e-6)


# --------------------------------------------------------------------------------------------
# Where scipy is wrong
# --------------------------------------------------------------------------------------------

def test_x0_zero_on_a_bound_is_not_a_false_success():
    # scipy 1.17.1 stops after 2 evaluations with status 2 at x ~ 1e-10 and cost 2.5
    def fun(x):
        return np.array([x[0] - 1, x[1] - 2, x[0] * x[1]])

    def jac(x, f):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    res = run(trf, fun, jac, [0.0, 0.0], [0.0, 0.0], [1.0, 1.0])
    # on x1 = 1 the cost is ((x0 - 1)**2 + 1 + x0**2) / 2, least at x0 = 1/2: cost 3/4
    np.testing.assert_allclose(res.x, [0.5, 1.0], atol=1e-7)
    assert res.cost == pytest.approx(0.75)
    assert res.nfev > 2 and res.status in (1, 2, 3, 4)
    np.testing.assert_array_equal(res.active_mask, [0, 1])


def test_an_initial_radius_of_one_or_more_is_kept_however_small_the_gradient():
    # only a radius below 1 is taken for zero; a saturated loss can make ||g_h|| Delta tiny
    # from any start, and there the unit radius would only change the path
    point = make_point(np.array([5.0, -2.0]), np.array([1.0]), np.array([[1e-20, 0.0]]), None)
    lb, ub = np.array([-INF, -3.0]), np.full(2, INF)
    v = np.array([1.0, 1.0])  # x[1] is 1 from its bound and the gradient there is zero
    expected = np.linalg.norm(point.x / v**0.5)
    assert initial_radius(point, lb, ub, np.ones(2), np.ones(2), 1e-8) == expected
    small = make_point(np.array([0.3, 0.0]), np.array([1.0]), np.array([[1e-20, 0.0]]), None)
    assert initial_radius(small, lb, ub, np.ones(2), np.ones(2), 1e-8) == 1.0


def test_rank_deficient_gauss_newton_step_is_not_stretched():
    # J has a zero column; the minimum-norm Gauss-Newton step (1, 0) fits in the initial
    # region of radius ||x0|| ~ 2. scipy stretches it to the sphere, lands at x = (2, 2)
    # with the same cost and reports `ftol` success (status 2, cost 0.5).
    def fun(x):
        return np.array([x[0] - 1, 0.0 * x[1]])

    res = run(trf, fun, lambda x, f: np.array([[1.0, 0.0], [0.0, 0.0]]),
              [0.0, 2 * (1 - 1e-10)])
    assert res.cost == 0.0
    np.testing.assert_allclose(res.x, [1.0, 2 * (1 - 1e-10)])


@pytest.mark.parametrize("order", ["C", "F"])
def test_the_bounded_model_holds_j_h_row_major_whatever_the_layout_of_j(order):
    # scipy keeps J_h as the top block of the row-major augmented matrix of (13.5); products
    # with J_h (the reflected and gradient steps' models) add in an order that depends on the
    # layout, so refopt does the same, or a column-major J (finite differences) would make
    # bounded runs drift from scipy's in the last bits
    rng = np.random.default_rng(3)
    J = np.asarray(rng.normal(size=(6, 3)), order=order)
    x, f = np.array([0.2, 0.5, 0.9]), rng.normal(size=6)
    lb, ub = np.zeros(3), np.ones(3)
    point = make_point(x, f, J, None)
    g_norm, v, dv = scaled_optimality(point, lb, ub, True)
    model = build_model(point, v, dv, np.ones(3), np.ones(3), g_norm, True)
    assert model.J_h.flags.c_contiguous
    np.testing.assert_array_equal(model.J_h, J * model.d)


# --------------------------------------------------------------------------------------------
# Robustness and reporting
# --------------------------------------------------------------------------------------------

def test_non_finite_residuals_reject_the_step_and_shrink_the_radius():
    trials = []

    def recording(x):
        trials.append(x.copy())
        return rosenbrock(x)

    plain = run(trf, recording, rosenbrock_jac, [-1.2, 1.0])
    poisoned_point = trials[1]  # the first trial step of the plain run
    seen = []

    def poisoned(x):
        seen.append(x.copy())
        if np.linalg.norm(x - poisoned_point) < 1e-3:
            return np.array([np.nan, np.inf])
        return rosenbrock(x)

    res = run(trf, poisoned, rosenbrock_jac, [-1.2, 1.0])
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)
    assert np.all(np.isfinite(res.fun)) and np.isfinite(res.cost)
    assert res.nfev == len(seen)  # every call counted, the non-finite one too
    # the rejected trial was followed by a shorter step from the same point
    assert np.linalg.norm(seen[2] - seen[0]) < np.linalg.norm(seen[1] - seen[0])
    assert res.nfev > plain.nfev - 1 and res.njev >= 2


def test_non_finite_everywhere_beyond_the_start_ends_at_max_nfev():
    def fun(x):
        return np.array([x[0] - 3.0]) if x[0] == 0.5 else np.array([np.nan])

    res = run(trf, fun, lambda x, f: np.array([[1.0]]), [0.5], max_nfev=20)
    assert res.status == 0 and res.nfev == 20 and res.njev == 1
    np.testing.assert_array_equal(res.x, [0.5])


@pytest.mark.parametrize("how", ["true", "stop_iteration"])
def test_callback_halts_with_status_minus_two(how):
    calls = []

    def callback(intermediate_result):
        calls.append(intermediate_result)
        if intermediate_result.nit == 2:
            if how == "true":
                return True
            raise StopIteration

    res = run(trf, rosenbrock, rosenbrock_jac, [-1.2, 1.0], callback=callback)
    assert res.status == -2
    assert [c.nit for c in calls] == [1, 2]
    last = calls[-1]
    np.testing.assert_array_equal(last.x, res.x)
    assert last.cost == res.cost and last.nfev == res.nfev
    np.testing.assert_array_equal(last.fun, rosenbrock(res.x))


def test_verbose_two_prints_a_row_per_iteration(capsys):
    res = run(trf, rosenbrock, rosenbrock_jac, [-1.2, 1.0], [-2.0, -2.0], [2.0, 2.0], verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Iteration", "Total", "nfev", "Cost", "Cost", "reduction",
                                "Step", "norm", "Optimality"]
    rows = [line.split() for line in lines[1:]]
    assert len(rows[0]) == 4  # iteration 0: no reduction or step yet
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    assert int(rows[-1][1]) == res.nfev
    assert float(rows[-1][2]) == pytest.approx(res.cost, rel=1e-4, abs=1e-300)
    assert all(len(line) == 90 for line in lines)


def test_max_nfev_one_returns_x0():
    res = run(trf, rosenbrock, rosenbrock_jac, [-1.2, 1.0], max_nfev=1)
    assert (res.status, res.nfev, res.njev) == (0, 1, 1)
    np.testing.assert_array_equal(res.x, [-1.2, 1.0])


@pytest.mark.parametrize("x_scale", ["jac", np.array([10.0, 0.1])])
def test_x_scale_does_not_change_the_answer(x_scale):
    res = run(trf, rosenbrock, rosenbrock_jac, [2.0, 2.0], [-INF, 1.5], [INF, INF],
              x_scale=x_scale)
    np.testing.assert_allclose(res.x, [rosenbrock_on_x1_equals(1.5), 1.5], atol=1e-6)




@pytest.mark.parametrize("loss", ["soft_l1", "cauchy", "huber", "arctan"])
def test_robust_loss_result_is_stationary_for_the_robust_cost(loss):
    t, fun, jac = outlier_model()
    res = run(trf, fun, jac, [1.0, 1.0, -1.0], tol=1e-12, loss=loss, f_scale=0.1,
              max_nfev=2000)
    rho = construct_loss_function(t.size, loss, 0.1)(fun(res.x))
    gradient = jac(res.x, None).T @ (rho[1] * fun(res.x))  # d/dp of 1/2 sum rho(f**2)
    assert np.abs(gradient).max() < 1e-6
    np.testing.assert_allclose(res.fun, fun(res.x))
    np.testing.assert_allclose(res.x, [0.5, 2.0, -1.3], atol=0.05)  # outliers ignored


# --------------------------------------------------------------------------------------------
# Through the public face
# --------------------------------------------------------------------------------------------

def test_least_squares_runs_trf_on_the_documented_examples():
    from refopt import least_squares

    res = least_squares(rosenbrock, [2.0, 2.0], jac=rosenbrock_jac, bounds=([-INF, 1.5], INF))
    np.testing.assert_allclose(res.x, [1.22437075, 1.5], atol=1e-7)
    assert res.success and res.active_mask.dtype.kind == "i"

    res = least_squares(lambda x: [x[0] - 1, x[1] - 2, x[0] * x[1]], [0.0, 0.0], bounds=(0, 1))
    np.testing.assert_allclose(res.x, [0.5, 1.0], atol=1e-6)


# --------------------------------------------------------------------------------------------
# NIST StRD
# --------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_nist_strd_certified_values_with_tight_tolerances():
    from refopt.problems import nist

    datasets = nist.load_all()
    assert len(datasets) == 27
    digits = []
    for d in datasets:
        for start in d.starts:
            res = run(trf, d.residuals, lambda b, f, d=d: d.jac(b), start, tol=1e-15)
            digits.append(nist.log_relative_error(res.x, d.certified).min())
    assert len(digits) == 54
    assert sum(dig >= 6 for dig in digits) >= 50
