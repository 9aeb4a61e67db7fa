"""Dogbox (refopt.lsq.dogbox) on problems with independently known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from refopt.lsq.dogbox import (
    dogbox, dogleg_step, find_intersection, free_model, free_variables, initial_radius,
    step_in_free_variables,
)
from refopt.lsq.losses import construct_loss_function
from refopt.lsq.point import make_point
from refopt.problems import mgh

from .helpers import (
    INF, assert_kkt, bounded_linear_problems, bounded_lsq_oracle, check_mgh_case, linear,
    mgh_case_ids, outlier_model, rosenbrock, rosenbrock_jac, rosenbrock_on_x1_equals, run,
)


@settings(max_examples=max(300, settings.default.max_examples))  # its defects were 1 in 2,000
@given(bounded_linear_problems(x0_on_bounds=True))
def test_linear_residuals_reach_the_active_set_solution(problem):
    A, b, lb, ub, x0 = problem
    fun, jac = linear(A, b)
    res = run(dogbox, fun, jac, x0, lb, ub, tol=1e-12, max_nfev=2000)
    x_star, cost_star = bounded_lsq_oracle(A, b, lb, ub)
    assert res.status in (1, 2, 3, 4)
    assert np.all(res.x >= lb) and np.all(res.x <= ub)
    assert res.cost == pytest.approx(cost_star, rel=1e-8, abs=1e-10)
    np.testing.assert_allclose(res.x, x_star, atol=1e-5 * (1 + np.abs(x_star).max()))
    assert_kkt(res.x, A.T @ (A @ res.x - b), lb, ub, atol=1e-5 * (1 + np.abs(A.T @ b).max()))
    # dogbox lands exactly on the bounds it reports
    np.testing.assert_array_equal(res.x[res.active_mask == -1], lb[res.active_mask == -1])
    np.testing.assert_array_equal(res.x[res.active_mask == 1], ub[res.active_mask == 1])


def test_bounded_rosenbrock_from_the_scipy_documentation():
    res = run(dogbox, rosenbrock, rosenbrock_jac, [2.0, 2.0], [-INF, 1.5], [INF, INF])
    np.testing.assert_allclose(res.x, [rosenbrock_on_x1_equals(1.5), 1.5], atol=1e-7)
    np.testing.assert_allclose(res.x, [1.22437075, 1.5], atol=1e-7)
    assert res.x[1] == 1.5
    np.testing.assert_array_equal(res.active_mask, [0, -1])
    # grad is the full gradient; optimality counts only the free variable
    assert res.grad[1] > 0 and res.optimality == pytest.approx(abs(res.grad[0]))


@pytest.mark.parametrize("case", mgh.driver_cases(), ids=mgh_case_ids(mgh.driver_cases()))
def test_mgh_driver_problems_reach_known_minima(case):
    check_mgh_case(dogbox, case)


def test_x0_on_the_bounds_is_taken_as_it_is():
    def fun(x):
        return np.array([x[0] - 1, x[1] - 2, x[0] * x[1]])

    def jac(x, f):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    res = run(dogbox, fun, jac, [0.0, 0.0], [0.0, 0.0], [1.0, 1.0])
    np.testing.assert_allclose(res.x, [0.5, 1.0], atol=1e-8)
    assert res.x[1] == 1.0 and res.cost == pytest.approx(0.75)
    np.testing.assert_array_equal(res.active_mask, [0, 1])


def test_dogleg_step_stays_in_the_box_and_flags_what_stopped_it():
    x = np.array([0.0, 0.0])
    lb, ub = np.array([-1.0, -0.2]), np.array([1.0, 1.0])
    tr_bounds = np.array([0.5, 0.5])
    g = np.array([1.0, 2.0])
    J = np.eye(2)
    a, b = 0.5 * (g @ J.T @ J @ g), -(g @ g)   # the model along -g: a t**2 + b t
    newton = np.array([-1.0, -2.0])
    step, hits, tr_hit = dogleg_step(x, newton, g, a, b, tr_bounds, lb, ub)
    lo, hi, *_ = find_intersection(x, tr_bounds, lb, ub)
    assert np.all(step >= lo - 1e-15) and np.all(step <= hi + 1e-15)
    assert step[1] == pytest.approx(-0.2)  # stopped by the original lower bound of x2
    np.testing.assert_array_equal(hits, [0, -1])
    assert not tr_hit
    inside, _, hit = dogleg_step(x, np.array([0.1, 0.1]), g, a, b, tr_bounds, lb, ub)
    np.testing.assert_array_equal(inside, [0.1, 0.1])
    assert not hit


def test_non_finite_residuals_reject_the_step_and_shrink_the_radius():
    seen = []

    def fun(x):
        seen.append(x.copy())
        if len(seen) == 2:  # the first trial step
            return np.array([np.nan, 1.0])
        return rosenbrock(x)

    res = run(dogbox, fun, rosenbrock_jac, [-1.2, 1.0])
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)
    assert res.nfev == len(seen)
    step = np.abs(seen[1] - seen[0]).max()
    assert np.abs(seen[2] - seen[0]).max() <= 0.25 * step * (1 + 1e-12)


@pytest.mark.parametrize("how", ["true", "stop_iteration"])
def test_callback_sees_raw_residuals_and_accepted_cost(how):
    calls = []

    def callback(intermediate_result):
        calls.append(intermediate_result)
        if intermediate_result.nit == 3:
            if how == "true":
                return True
            raise StopIteration

    res = run(dogbox, rosenbrock, rosenbrock_jac, [-1.2, 1.0], loss="soft_l1",
              callback=callback)
    assert res.status == -2 and [c.nit for c in calls] == [1, 2, 3]
    for c in calls:  # scipy hands over loss-scaled residuals and the last trial cost
        np.testing.assert_array_equal(c.fun, rosenbrock(c.x))
        assert c.cost == pytest.approx(np.sum(np.sqrt(1 + rosenbrock(c.x) ** 2) - 1))


def test_verbose_two_prints_a_row_per_iteration(capsys):
    res = run(dogbox, rosenbrock, rosenbrock_jac, [-1.2, 1.0], [-2.0, -2.0], [2.0, 0.8],
              verbose=2)
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    assert int(rows[-1][1]) == res.nfev
    assert all(len(line) == 90 for line in lines)


def test_max_nfev_and_active_mask_type():
    res = run(dogbox, rosenbrock, rosenbrock_jac, [-1.2, 1.0], max_nfev=1)
    assert (res.status, res.nfev, res.njev) == (0, 1, 1)
    assert res.active_mask.dtype.kind == "i"


@pytest.mark.parametrize("loss", ["soft_l1", "cauchy"])
def test_robust_fit_ignores_outliers(loss):
    t, fun, jac = outlier_model()
    res = run(dogbox, fun, jac, [1.0, 1.0, -1.0], tol=1e-12, loss=loss, f_scale=0.1,
              max_nfev=2000)
    rho = construct_loss_function(t.size, loss, 0.1)(fun(res.x))
    assert np.abs(jac(res.x, None).T @ (rho[1] * fun(res.x))).max() < 1e-6
    np.testing.assert_allclose(res.x, [0.5, 2.0, -1.3], atol=0.05)


def test_least_squares_runs_dogbox():
    from refopt import least_squares

    res = least_squares(rosenbrock, [2.0, 2.0], jac=rosenbrock_jac, bounds=([-INF, 1.5], INF),
                        method="dogbox")
    np.testing.assert_allclose(res.x, [1.22437075, 1.5], atol=1e-7)
    assert res.success


def test_a_zero_dogleg_leg_is_not_multiplied_by_an_infinite_step():
    # 1 variable: the Newton point equals the Cauchy point, both a rounding error outside the
    # trust-region box, so the leg between them is zero and its step to the bound infinite.
    # scipy forms 0 * inf = NaN and spends every evaluation on NaN steps (status 0).
    A = np.array([[1.9687294201680787], [0.0]])
    lb, ub = np.array([-1.5070384728363728]), np.array([INF])
    fun, jac = linear(A, np.zeros(2))
    res = run(dogbox, fun, jac, [-1.4054759728363728], lb, ub, tol=1e-12, max_nfev=50)
    assert res.status == 1 and res.nfev == 2
    assert abs(res.x[0]) < 1e-15 and res.cost < 1e-30


def test_a_variable_reaching_its_bound_with_another_joins_the_active_set():
    # The first dogleg leg reaches the faces x1 = 0 and x3 = 0 together; rounding flags x1
    # only and leaves x3 at -5.6e-17. scipy keeps x3 free, takes a step of 5.6e-17 and stops
    # on xtol ("success") at cost 1.756 with optimality 3.35; the bounded solution is x = 0.
    A = np.array([[0.0, -1, -1], [-1, -1, -1], [-1, 0, -1], [-1, -1, -1]])
    b = np.array([0.0, -1, -1, -1])
    lb, ub = -np.ones(3), np.zeros(3)
    fun, jac = linear(A, b)
    res = run(dogbox, fun, jac, [-0.5, -0.5, -0.5], lb, ub, tol=1e-12, max_nfev=2000)
    x_star, cost_star = bounded_lsq_oracle(A, b, lb, ub)
    assert res.status in (1, 2, 3, 4)
    assert res.cost == pytest.approx(cost_star, rel=1e-12)
    np.testing.assert_array_equal(res.x, x_star)
    np.testing.assert_array_equal(res.active_mask, [1, 1, 1])


def bounce_problem():
    """Linear residuals ``A x - b`` in a box where scipy's dogbox bounces off x3 = 0 (14.8)."""
    A = np.array([[-1.0, 0, -1], [-1, -1, 0], [-1, 1, -1], [-1, -1, -1]])
    b = np.array([-3.0, -3, 0, 0])
    return A, b, np.zeros(3), np.array([INF, 0.25, 0.25])


def test_a_variable_bouncing_off_its_bound_is_held_there():
    # x3 sits on its lower bound with the gradient pointing into the box (free by (14.2)),
    # but the Gauss-Newton step points out: the leg from the Cauchy point back toward the
    # Newton point stops on x3's face every time while x2 creeps toward its upper bound,
    # each step 40-60 times shorter than the last. scipy stops there by ftol and xtol
    # ("success") at cost 4.697 with optimality 1.97; the bounded solution has cost 4.2109375.
    A, b, lb, ub = bounce_problem()
    fun, jac = linear(A, b)
    res = run(dogbox, fun, jac, [0.5, 0.125, 0.125], lb, ub, tol=1e-8)
    x_star, cost_star = bounded_lsq_oracle(A, b, lb, ub)
    np.testing.assert_allclose(x_star, [1.4375, 0.25, 0.0], atol=1e-15)
    assert res.status == 1 and res.cost == pytest.approx(cost_star, rel=1e-15)
    np.testing.assert_array_equal(res.x, [1.4375, 0.25, 0.0])
    np.testing.assert_array_equal(res.active_mask, [0, 1, -1])
    assert res.nfev == 4


def test_step_in_free_variables_holds_only_the_variables_that_bounce():
    A, b, lb, ub = bounce_problem()
    x = np.array([0.9060402684563758, 0.2281879194630873, 0.0])  # scipy's second iterate
    f = A @ x - b
    point = make_point(x, f, A, None)
    on_bound = np.array([0, 0, -1])
    free, _ = free_variables(point.g, on_bound)
    assert free.all()                                   # x3's gradient points inward
    # without holding: the step ends on x3's bound, where it started (a bounce)
    _, _, newton, a, b_ = free_model(point, free)
    _, hits, _ = dogleg_step(x, newton, point.g, a, b_, np.full(3, 0.5), lb, ub)
    assert hits[2] == -1
    held, model, (step, hits, _) = step_in_free_variables(
        point, free, on_bound, None, np.full(3, 0.5), lb, ub, free_model)
    np.testing.assert_array_equal(held, [True, True, False])
    assert model[0].shape == (4, 2) and step.shape == (2,)
    assert not np.any((hits != 0) & (hits == on_bound[held]))
    # the held step reaches x2's upper bound, which the bounced steps never did
    np.testing.assert_array_equal(hits, [0, 1])
    assert x[1] + step[1] == 0.25
    # the free set given is not modified
    assert free.all()


def test_a_step_cut_short_by_a_bound_it_reaches_is_not_convergence():
    # The first step stops on a trust-region face at x1 = 0, 1e-15 above its lower bound;
    # the next one reaches the bound after 1e-15 and passes the xtol test. scipy stops there
    # (status 4, "success") with x2 = 1/3, optimality 0.33; the solution has x2 = 0.
    A = np.diag([-1.0, 1.0])
    b = np.array([1.0, 0.0])
    lb, ub = np.full(2, -1.00311639e-15), np.ones(2)
    fun, jac = linear(A, b)
    res = run(dogbox, fun, jac, [0.5, 0.5], lb, ub, tol=1e-12, max_nfev=2000)
    x_star, cost_star = bounded_lsq_oracle(A, b, lb, ub)
    assert res.status == 1 and res.cost == pytest.approx(cost_star, rel=1e-15)
    np.testing.assert_allclose(res.x, [lb[0], 0.0], atol=1e-30)
    np.testing.assert_array_equal(res.active_mask, [-1, 0])


@pytest.mark.parametrize("x0", [1.40723693e-33, 2.7e-81, 0.0])
def test_a_start_a_hair_off_zero_gets_the_unit_radius(x0):
    # scipy's initial radius ||x0||_inf = 1e-33: the first step changes no bit of the cost
    # and the xtol test stops the run at x0 with "success". The minimum is on ub = 1.
    fun, jac = linear(np.array([[1.0]]), np.array([1.0]))
    res = run(dogbox, fun, jac, [x0], [x0], [1.0], tol=1e-12, max_nfev=2000)
    assert res.status == 1 and res.x[0] == 1.0 and res.cost == 0.0
    np.testing.assert_array_equal(res.active_mask, [1])
    point = make_point(np.array([x0]), fun(np.array([x0])), np.ones((1, 1)), None)
    assert initial_radius(point, np.ones(1), np.ones(1), 1e-12) == 1.0
    point = make_point(np.array([0.5]), fun(np.array([0.5])), np.ones((1, 1)), None)
    assert initial_radius(point, np.ones(1), np.ones(1), 1e-12) == 0.5   # (14.7) as scipy


def test_a_radius_of_one_or_more_is_kept_however_small_the_gradient():
    # a saturated loss can make ||g|| Delta < ftol F from any start; the unit radius would
    # not help there, so scipy's radius stands
    point = make_point(np.array([5.0, -2.0]), np.array([1.0]), np.array([[1e-20, 0.0]]), None)
    assert initial_radius(point, np.ones(2), np.ones(2), 1e-8) == 5.0
