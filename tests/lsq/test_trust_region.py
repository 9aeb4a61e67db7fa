"""Kernels of refopt.lsq.trust_region against closed forms, brute force and Moré's conditions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from refopt.lsq import trust_region as tr

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
# matrix entries on a 1e-3 grid: no subnormal numbers, whose reciprocals overflow
entries = st.floats(-10, 10).map(lambda v: round(v, 3))


def vectors(n):
    return arrays(float, n, elements=finite)


@st.composite
def lsq_problems(draw, max_n=4):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_n + 2))
    J = draw(arrays(float, (m, n), elements=entries))
    f = draw(arrays(float, m, elements=entries))
    Delta = draw(st.floats(1e-3, 10))
    return J, f, Delta


def svd_inputs(J, f):
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    return U.T @ f, s, Vt.T


def exact_tr_solution(J, f, Delta):
    """The trust-region minimiser of ||J p + f|| by bisection on alpha (slow, simple)."""
    A, b = J.T @ J, -J.T @ f
    n = A.shape[0]

    def p_of(alpha):
        return np.linalg.lstsq(A + alpha * np.eye(n), b, rcond=None)[0]

    lo, hi = 0.0, np.linalg.norm(J.T @ f) / Delta + 1.0
    if np.linalg.norm(np.linalg.pinv(J) @ -f) <= Delta:
        return np.linalg.pinv(J) @ -f
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.linalg.norm(p_of(mid)) > Delta else (lo, mid)
    p = p_of(hi)
    return p * min(1.0, Delta / np.linalg.norm(p))


# --------------------------------------------------------------------------------------------
# Moré's subproblem solver
# --------------------------------------------------------------------------------------------

@given(lsq_problems())
def test_solve_lsq_trust_region_meets_more_conditions(problem):
    J, f, Delta = problem
    m, n = J.shape
    assume(np.linalg.norm(J.T @ f) > 1e-6)
    uf, s, V = svd_inputs(J, f)
    # Moré's conditions are for exact arithmetic: the rank must be clear-cut. (A singular value
    # at rounding level, as for a matrix of ones, carries noise that the method, like MINPACK's
    # lmpar, treats as information; an exact zero is recognised.)
    assume(s[0] > 1e-6 and (s[-1] == 0 or s[-1] > 1e-6 * s[0]))
    p, alpha, n_iter = tr.solve_lsq_trust_region(n, m, uf, s, V, Delta)
    assert alpha >= -1e-12 * np.linalg.norm(J.T @ f) / Delta  # >= 0 up to rounding
    assert np.linalg.norm(p) <= Delta * (1 + 1e-12)
    if n_iter == 0:
        # Gauss-Newton step inside the region: the normal equations hold
        assert alpha == 0
        np.testing.assert_allclose(J.T @ (J @ p + f), 0, atol=1e-8 * (1 + np.abs(J).max() ** 2 * 10))
    else:
        # on the boundary, and the model reduction is (nearly) that of the exact minimiser
        assert np.linalg.norm(p) == pytest.approx(Delta, rel=1e-12)
    best = exact_tr_solution(J, f, Delta)
    F0 = 0.5 * f @ f
    reduction = F0 - 0.5 * np.sum((J @ p + f) ** 2)
    best_reduction = F0 - 0.5 * np.sum((J @ best + f) ** 2)
    assert reduction >= 0.95 * best_reduction - 1e-10 * (1 + F0)


def test_solve_lsq_trust_region_gauss_newton_inside():
    J = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    f = np.array([-2.0, -1.0, 3.0])
    uf, s, V = svd_inputs(J, f)
    p, alpha, n_iter = tr.solve_lsq_trust_region(2, 3, uf, s, V, Delta=10.0)
    np.testing.assert_allclose(p, [1.0, 1.0])
    assert (alpha, n_iter) == (0.0, 0)


def test_solve_lsq_trust_region_diagonal_closed_form():
    # J = I: p(alpha) = -f / (1 + alpha), so the solution is -Delta f / ||f||, alpha = ||f||/Delta - 1
    f = np.array([3.0, 4.0])
    uf, s, V = svd_inputs(np.eye(2), f)
    p, alpha, _ = tr.solve_lsq_trust_region(2, 2, uf, s, V, Delta=1.0)
    np.testing.assert_allclose(p, -f / 5, rtol=1e-12)
    assert alpha == pytest.approx(4.0, rel=0.05)


def test_solve_lsq_trust_region_rank_deficient_stays_on_sphere():
    J = np.array([[1.0, 1.0], [1.0, 1.0]])
    f = np.array([1.0, 2.0])
    uf, s, V = svd_inputs(J, f)
    p, alpha, n_iter = tr.solve_lsq_trust_region(2, 2, uf, s, V, Delta=0.1)
    assert n_iter > 0 and alpha > 0
    assert np.linalg.norm(p) == pytest.approx(0.1)


@given(st.floats(0, 10), arrays(float, 3, elements=st.floats(0.1, 5)),
       arrays(float, 3, elements=st.floats(-5, 5)), st.floats(0.1, 5))
def test_phi_derivative_matches_finite_difference(alpha, s, uf, Delta):
    suf = s * uf
    assume(np.linalg.norm(suf) > 1e-3)
    phi, dphi = tr.phi_and_derivative(alpha, suf, s, Delta)
    h = 1e-6 * (1 + alpha)
    numeric = (tr.phi_and_derivative(alpha + h, suf, s, Delta)[0]
               - tr.phi_and_derivative(alpha - h, suf, s, Delta)[0]) / (2 * h)
    assert dphi < 0
    assert dphi == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    assert phi == pytest.approx(np.linalg.norm(suf / (s**2 + alpha)) - Delta)


# --------------------------------------------------------------------------------------------
# Two-dimensional subproblem
# --------------------------------------------------------------------------------------------

# entries on a 1e-3 grid: np.roots cannot resolve quartics whose coefficients span 200 decades
grid_floats = st.floats(-5, 5).map(lambda v: round(v, 3))


@given(arrays(float, 3, elements=grid_floats), arrays(float, 2, elements=grid_floats),
       st.floats(0.1, 5))
def test_solve_trust_region_2d_beats_a_dense_search(b, g, Delta):
    B = np.array([[b[0], b[1]], [b[1], b[2]]])
    p, newton = tr.solve_trust_region_2d(B, g, Delta)
    assert p @ p <= Delta**2 * (1 + 1e-9)

    def q(P):
        return 0.5 * np.sum(P * (B @ P), axis=0) + g @ P

    angles = np.linspace(0, 2 * np.pi, 20001)
    ring = Delta * np.vstack((np.cos(angles), np.sin(angles)))
    candidates = q(ring).min()
    if newton:
        np.testing.assert_allclose(B @ p, -g, atol=1e-8 * (1 + np.abs(B).max() * Delta))
    assert q(p[:, None])[0] <= candidates + 1e-6 * (1 + abs(candidates))


# --------------------------------------------------------------------------------------------
# Lines, quadratics and bounds
# --------------------------------------------------------------------------------------------

@given(vectors(3), vectors(3), st.floats(0.1, 20))
def test_intersect_trust_region_roots_lie_on_the_sphere(x, s, Delta):
    assume(np.linalg.norm(s) > 1e-3 and np.linalg.norm(x) < Delta)
    t_neg, t_pos = tr.intersect_trust_region(x, s, Delta)
    assert t_neg <= 0 <= t_pos
    for t in (t_neg, t_pos):
        assert np.linalg.norm(x + t * s) == pytest.approx(Delta, rel=1e-9)


def test_intersect_trust_region_errors():
    with pytest.raises(ValueError, match="`s` is zero."):
        tr.intersect_trust_region(np.zeros(2), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="not within the trust region"):
        tr.intersect_trust_region(np.array([2.0, 0.0]), np.ones(2), 1.0)


@given(vectors(3), vectors(3), vectors(3), st.floats(-3, 3), st.floats(-3, 3))
def test_quadratic_1d_matches_evaluate_quadratic(s, s0, g, t, diag_seed):
    J = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [0.5, 0.0, 1.0], [1.0, 1.0, 1.0]])
    diag = np.abs(diag_seed) * np.array([1.0, 0.5, 2.0])
    a, b, c = tr.build_quadratic_1d(J, g, s, diag=diag, s0=s0)
    value = tr.evaluate_quadratic(J, g, s0 + t * s, diag=diag)
    assert a * t**2 + b * t + c == pytest.approx(value, rel=1e-9, abs=1e-9)
    a0, b0 = tr.build_quadratic_1d(J, g, s)
    assert a0 * t**2 + b0 * t == pytest.approx(tr.evaluate_quadratic(J, g, t * s), rel=1e-9, abs=1e-9)
    rows = tr.evaluate_quadratic(J, g, np.vstack((s, s0)), diag=diag)
    np.testing.assert_allclose(rows, [tr.evaluate_quadratic(J, g, s, diag=diag),
                                      tr.evaluate_quadratic(J, g, s0, diag=diag)], rtol=1e-9, atol=1e-9)


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5), st.floats(0, 5))
def test_minimize_quadratic_1d_beats_a_grid(a, b, lb, width):
    ub = lb + width
    t, y = tr.minimize_quadratic_1d(a, b, lb, ub, c=1.0)
    assert lb <= t <= ub
    assert y == pytest.approx(a * t**2 + b * t + 1.0)
    grid = np.linspace(lb, ub, 1001)
    assert y <= np.min(a * grid**2 + b * grid + 1.0) + 1e-12


@st.composite
def boxes(draw, n=3):
    lb = draw(arrays(float, n, elements=st.floats(-5, 0)))
    width = draw(arrays(float, n, elements=st.floats(0.1, 5)))
    frac = draw(arrays(float, n, elements=st.floats(0.01, 0.99)))
    infinite = draw(arrays(bool, n))
    ub = lb + width
    x = lb + frac * width
    lb = np.where(infinite & (np.arange(n) % 2 == 0), -np.inf, lb)
    ub = np.where(infinite & (np.arange(n) % 2 == 1), np.inf, ub)
    return x, lb, ub


@given(boxes(), arrays(float, 3, elements=st.floats(-10, 10).map(lambda v: round(v, 3))))
def test_step_size_to_bound_reaches_the_first_bound(box, s):
    x, lb, ub = box
    step, hits = tr.step_size_to_bound(x, s, lb, ub)
    assert step >= 0
    if np.isinf(step):
        # nothing stops the ray: every moving component heads to an infinite bound
        assert np.all((s == 0) | ((s > 0) & np.isinf(ub)) | ((s < 0) & np.isinf(lb)))
        return
    end = x + step * s
    scale = 1 + np.abs(x) + step * np.abs(s)
    assert np.all(end >= lb - 1e-12 * scale) and np.all(end <= ub + 1e-12 * scale)
    assert np.any(hits != 0)
    np.testing.assert_allclose(end[hits == -1], lb[hits == -1], atol=1e-12 * scale.max())
    np.testing.assert_allclose(end[hits == 1], ub[hits == 1], atol=1e-12 * scale.max())
    assert hits.dtype.kind == "i"


@given(boxes(), arrays(float, 3, elements=st.sampled_from([0.0, 1.0, 2.0])))
def test_make_strictly_feasible_moves_points_inside(box, where):
    x, lb, ub = box
    # put some components exactly on a finite bound
    x = np.where((where == 1) & np.isfinite(lb), lb, x)
    x = np.where((where == 2) & np.isfinite(ub), ub, x)
    for rstep in (1e-10, 0):
        x_new = tr.make_strictly_feasible(x, lb, ub, rstep=rstep)
        assert np.all(x_new > lb) and np.all(x_new < ub)
        on_bound = (x == lb) | (x == ub)
        interior_far = ~on_bound & (np.minimum(x - lb, ub - x) > 1e-6)
        np.testing.assert_array_equal(x_new[interior_far], x[interior_far])
    active = tr.find_active_constraints(x, lb, ub, rtol=0)
    np.testing.assert_array_equal(active, np.where(x == lb, -1, np.where(x == ub, 1, 0)))
    assert active.dtype.kind == "i"


def test_make_strictly_feasible_tight_bounds_go_to_the_middle():
    lb, ub = np.array([1.0]), np.array([1.0 + 1e-12])
    assert tr.make_strictly_feasible(np.array([1.0]), lb, ub)[0] == pytest.approx(1.0 + 5e-13)


@given(boxes(), vectors(3))
def test_cl_scaling_vector_definition(box, g):
    x, lb, ub = box
    v, dv = tr.CL_scaling_vector(x, g, lb, ub)
    assert np.all(v > 0)
    expected = np.where((g < 0) & np.isfinite(ub), ub - x,
                        np.where((g > 0) & np.isfinite(lb), x - lb, 1.0))
    np.testing.assert_array_equal(v, expected)
    # dv is the derivative of v: a finite difference along each coordinate agrees
    h = 1e-7
    v_plus, _ = tr.CL_scaling_vector(x + h, g, lb, ub)
    np.testing.assert_allclose((v_plus - v) / h, dv, atol=1e-6)


@given(boxes(), arrays(float, 3, elements=st.floats(-30, 30)))
def test_reflective_transformation_folds_into_the_box(box, y):
    _, lb, ub = box
    x, g = tr.reflective_transformation(y, lb, ub)
    assert np.all(x >= lb - 1e-9) and np.all(x <= ub + 1e-9)
    assert set(np.unique(g)) <= {-1.0, 1.0}
    # away from the folds (the bounds and, with two bounds, every multiple of the width)
    width = np.where(np.isfinite(lb) & np.isfinite(ub), ub - lb, np.inf)
    anchor = np.where(np.isfinite(lb), lb, ub)
    offset = np.where(np.isfinite(width), np.remainder(y - anchor, width), np.abs(y - anchor))
    smooth = np.minimum(offset, width - offset) > 1e-5
    h = 1e-7
    x_plus, _ = tr.reflective_transformation(y + h, lb, ub)
    np.testing.assert_allclose(((x_plus - x) / h)[smooth], g[smooth], atol=1e-5)
    if tr.in_bounds(y, lb, ub):
        np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------------------------
# Radius, termination, scaling
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("actual, predicted, hit, Delta, ratio", [
    (1.0, 1.0, True, 2.0, 1.0),        # good and held back: doubled
    (1.0, 1.0, False, 1.0, 1.0),       # good, inside: kept
    (0.5, 1.0, True, 1.0, 0.5),        # fair: kept
    (0.1, 1.0, True, 0.25 * 0.8, 0.1),  # poor: a quarter of the step
    (-1.0, 1.0, True, 0.25 * 0.8, -1.0),
    (0.0, 0.0, True, 2.0, 1.0),        # nothing predicted, nothing happened
    (1.0, 0.0, False, 0.25 * 0.8, 0),  # no predicted decrease
])
def test_update_tr_radius_rules(actual, predicted, hit, Delta, ratio):
    new, r = tr.update_tr_radius(1.0, actual, predicted, 0.8, hit)
    assert new == pytest.approx(Delta)
    assert r == ratio


@pytest.mark.parametrize("dF, ratio, dx, status", [
    (1e-10, 0.5, 1e-10, 4), (1e-10, 0.5, 1.0, 2), (1e-10, 0.2, 1.0, None),
    (1.0, 0.5, 1e-10, 3), (1.0, 0.5, 1.0, None),
])
def test_check_termination(dF, ratio, dx, status):
    assert tr.check_termination(dF, 1.0, dx, 1.0, ratio, 1e-8, 1e-8) == status


def test_compute_grad_is_J_transpose_f():
    J = np.array([[3.0, 0.0], [4.0, 0.0]])
    np.testing.assert_array_equal(tr.compute_grad(J, np.array([1.0, 1.0])), [7.0, 0.0])


def test_make_point_with_loss_keeps_inputs_and_matches_the_robust_gradient():
    from refopt.lsq.losses import construct_loss_function

    f = np.array([0.5, -3.0, 0.1])
    J = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, -1.0]])
    f_in, J_in = f.copy(), J.copy()
    loss = construct_loss_function(3, "soft_l1", 1.0)
    point = tr.make_point(np.zeros(2), f, J, loss)
    np.testing.assert_array_equal(f, f_in)
    np.testing.assert_array_equal(J, J_in)
    drho = (1 + f**2) ** -0.5  # soft_l1: rho'(z) = (1 + z)**-0.5
    np.testing.assert_allclose(point.g, J.T @ (drho * f), rtol=1e-12)
    assert point.cost == pytest.approx(np.sum((1 + f**2) ** 0.5 - 1))


def test_verbose_table_format(capsys):
    tr.print_header_nonlinear()
    tr.print_iteration_nonlinear(0, 1, 200.5, None, None, 801.0)
    tr.print_iteration_nonlinear(1, 2, 50.0, 150.5, 2.236, 200.0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("   Iteration     Total nfev        Cost      Cost reduction    "
                        "Step norm     Optimality   ")
    # the row layout of scipy's table, as printed by scipy 1.17.1 for the same numbers
    assert lines[1] == ("       0              1         2.0050e+02" + " " * 36
                        + "8.01e+02    ")
    assert lines[2] == ("       1              2         5.0000e+01      1.50e+02       "
                        "2.24e+00       2.00e+02    ")
