"""The trust-region family (refopt/optimize/trust_region.py and its four subproblem solvers):
the subproblem against its global solution from an eigendecomposition (the hard case too),
the step's length and the Cauchy decrease, quadratics, the MGH library, scipy's own tests
(test_trustregion*.py) where they apply, and bad inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt import minimize
from refopt.optimize._objective import ScalarObjective
from refopt.optimize.dogleg import DoglegSubproblem
from refopt.optimize.trust_exact import (ExactSubproblem, cholesky_upper,
                                         estimate_smallest_singular_value,
                                         singular_leading_submatrix)
from refopt.optimize.trust_krylov import GLTRSubproblem, tridiagonal_trust_region
from refopt.optimize.trust_ncg import SteihaugSubproblem
from refopt.optimize.trust_region import Curvature, QuadraticModel, boundary_intersections

from . import (MGH_PROBLEMS, check_library_run, library_cases, library_id, quadratic, rosen,
               rosen_der, spd_systems)

METHODS = ("dogleg", "trust-ncg", "trust-exact", "trust-krylov")
SOLVERS = {"dogleg": DoglegSubproblem, "trust-ncg": SteihaugSubproblem,
           "trust-exact": ExactSubproblem, "trust-krylov": GLTRSubproblem}


def rosen_hess(x):
    """Hessian of the n-dimensional Rosenbrock function."""
    x = np.asarray(x)
    H = np.diag(-400 * x[:-1], 1) - np.diag(400 * x[:-1], -1)
    diagonal = np.zeros_like(x)
    diagonal[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2
    diagonal[-1] = 200
    diagonal[1:-1] = 202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]
    return H + np.diag(diagonal)


def rosen_hess_prod(x, p):
    return rosen_hess(x) @ p


# ---------------------------------------------------------------------------------------
# The subproblem: min gᵀp + ½ pᵀBp over ‖p‖ <= Δ, solved independently by eigenvalues
# ---------------------------------------------------------------------------------------

def model_at_zero(B, g, product=False):
    """The model (29.15) of f(x) = gᵀx + ½xᵀBx at x = 0, with ``hess`` or with ``hessp``."""
    B, g = np.asarray(B, float), np.asarray(g, float)
    objective = ScalarObjective(lambda x: g @ x + 0.5 * x @ B @ x, np.zeros(len(g)),
                                jac=lambda x: g + B @ x)
    curvature = Curvature(None if product else (lambda x: B),
                          (lambda x, p: B @ p) if product else None, (), len(g))
    return QuadraticModel(np.zeros(len(g)), objective, curvature)


def model_value(B, g, p):
    return g @ p + 0.5 * p @ B @ p


def global_minimum(B, g, Delta):
    """The global minimiser of the model in the ball: the conditions (29.24) solved in the
    eigenbasis of B, λ by bisection (independent of the Newton iterations under test)."""
    theta, V = np.linalg.eigh(B)
    a = V.T @ g
    scale = max(1.0, np.abs(theta).max())
    if theta[0] > 0 and np.linalg.norm(a / theta) <= Delta:
        return -V @ (a / theta)
    lo = max(0.0, -theta[0])
    low = theta - theta[0] <= 1e-9 * scale
    if np.linalg.norm(a[low]) <= 1e-10 * max(np.linalg.norm(g), 1e-300):  # hard case?
        rest = -V[:, ~low] @ (a[~low] / (theta[~low] + lo))
        if rest @ rest <= Delta**2:
            return rest + math.sqrt(Delta**2 - rest @ rest) * V[:, 0]
    hi = lo + np.linalg.norm(g) / Delta + 1.0
    for _ in range(300):
        mid = 0.5 * (lo + hi)
        with np.errstate(divide="ignore"):
            if np.linalg.norm(a / (theta + mid)) > Delta:
                lo = mid
            else:
                hi = mid
    return -V @ (a / (theta + hi))


def best_value(B, g, Delta):
    """The model's global minimum value in the ball."""
    return model_value(B, g, global_minimum(B, g, Delta))


def exact_step(problem, **options):
    """trust-exact's subproblem solver on ``(B, g, Delta)``: ``(solver, p, hits_boundary)``."""
    B, g, Delta = problem
    solver = ExactSubproblem(model_at_zero(B, g), **options)
    return (solver, *solver.solve(Delta))


def cauchy_point(B, g, Delta):
    gBg = g @ B @ g
    g_norm = np.linalg.norm(g)
    t = Delta / g_norm if gBg <= 0 else min(Delta / g_norm, g_norm**2 / gBg)
    return -t * g


@st.composite
def subproblems(draw, definite=False, hard=False):
    """(B, g, Delta): B = Q diag(θ) Qᵀ with θ in [-10, 10] ([0.1, 10] if ``definite``); in
    the hard case θ_1 < 0 is simple and g has no component along its eigenvector, with Δ
    beyond ‖p(-θ_1)‖ so that the step must use that eigenvector."""
    n = draw(st.integers(2 if hard else 1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    if definite:
        theta = np.sort(rng.uniform(0.1, 10, n))
    else:
        theta = np.sort(rng.uniform(-10, 10, n))
    a = rng.standard_normal(n) * 10 ** rng.uniform(-1, 1)
    if hard:
        theta[0] = -abs(theta[0]) - 0.5
        theta[1:] = np.maximum(theta[1:], theta[0] + 0.5)
        a[0] = 0.0
        rest = a[1:] / (theta[1:] - theta[0])
        Delta = float(np.linalg.norm(rest) * rng.uniform(1.2, 5))
    else:
        Delta = float(10 ** rng.uniform(-2, 1.5))
    B = (Q * theta) @ Q.T
    return 0.5 * (B + B.T), Q @ a, Delta


@settings(max_examples=150, deadline=None)
@given(subproblems(hard=True))
def test_hard_case_tridiagonal_solution_is_the_global_minimiser(problem):
    # the subproblem solver GLTR uses on its tridiagonal, on a dense symmetric matrix
    B, g, Delta = problem
    h, lam = tridiagonal_trust_region(B, g, Delta)
    p_star = global_minimum(B, g, Delta)
    m_star = model_value(B, g, p_star)
    assert np.linalg.norm(h) <= Delta * (1 + 1e-10)
    assert abs(model_value(B, g, h) - m_star) <= 1e-9 * abs(m_star)
    assert lam == pytest.approx(-np.linalg.eigvalsh(B)[0], rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(subproblems(hard=True))
def test_hard_case_trust_exact_meets_the_more_sorensen_bound(problem):
    # CGT §7.3 (p. 197): with k_easy <= 1 - √k_opt and k_hard = 1 - k_opt the step's model
    # value is at most k_opt times the global minimum's (both negative); here k_opt = 0.8
    B, g, Delta = problem
    solver, p, hits_boundary = exact_step(problem)
    m_star = best_value(B, g, Delta)
    assert hits_boundary
    assert np.linalg.norm(p) <= Delta * (1 + solver.k_easy)
    assert model_value(B, g, p) <= min((1 - solver.k_easy) ** 2, 1 - solver.k_hard) * m_star


@settings(max_examples=60, deadline=None)
@given(subproblems(hard=True))
def test_hard_case_trust_exact_tight_tolerances_give_the_global_minimum(problem):
    B, g, Delta = problem
    solver, p, _ = exact_step(problem, k_easy=1e-10, k_hard=1e-10, maxiter=500)
    assert model_value(B, g, p) <= (1 - 1e-8) * best_value(B, g, Delta)
    assert solver.lambda_current == pytest.approx(-np.linalg.eigvalsh(B)[0], rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(subproblems())
def test_tridiagonal_solver_is_the_global_minimiser(problem):
    B, g, Delta = problem
    h, lam = tridiagonal_trust_region(B, g, Delta)
    m_star = best_value(B, g, Delta)
    assert np.linalg.norm(h) <= Delta * (1 + 1e-10)
    assert model_value(B, g, h) <= m_star + 1e-9 * abs(m_star)
    assert lam >= 0 and np.all(np.linalg.eigvalsh(B + lam * np.eye(len(g))) >= -1e-9 * (1 + lam))


# the largest ‖p‖/Δ - 1 each solver allows, and the fraction of the Cauchy decrease it keeps
STEP_TOLERANCE = {"dogleg": 1e-12, "trust-ncg": 1e-12, "trust-krylov": 1e-10, "trust-exact": 0.1}
CAUCHY_FRACTION = {"dogleg": 1.0, "trust-ncg": 1.0, "trust-krylov": 1.0, "trust-exact": 0.8}


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_step_is_in_the_ball_and_decreases_the_model_as_the_cauchy_point(method, data):
    B, g, Delta = data.draw(subproblems(definite=method == "dogleg"))
    product = method in ("trust-ncg", "trust-krylov") and data.draw(st.booleans())
    p, _ = SOLVERS[method](model_at_zero(B, g, product)).solve(Delta)
    assert np.linalg.norm(p) <= Delta * (1 + STEP_TOLERANCE[method])
    cauchy = model_value(B, g, cauchy_point(B, g, Delta))
    assert model_value(B, g, p) <= CAUCHY_FRACTION[method] * cauchy + 1e-10 * abs(cauchy)


@settings(max_examples=100, deadline=None)
@given(subproblems())
def test_trust_exact_step_is_within_its_bound_of_the_global_minimum(problem):
    B, g, Delta = problem
    _, p, _ = exact_step(problem)
    m_star = best_value(B, g, Delta)
    assert model_value(B, g, p) <= 0.8 * m_star + 1e-12 * abs(m_star)


@settings(max_examples=100, deadline=None)
@given(subproblems())
def test_trust_exact_step_solves_the_shifted_system_at_the_returned_lambda(problem):
    # scipy reuses the previous factor after a successful trial factorization, so its step
    # can belong to another λ than the one it reports; refopt's satisfies (B + λI)p = -g
    B, g, _ = problem
    solver, p, _ = exact_step(problem)
    if solver.stop in ("interior", "boundary"):
        residual = (B + solver.lambda_current * np.eye(len(g))) @ p + g
        assert np.linalg.norm(residual) <= 1e-8 * (np.linalg.norm(g) + 1)


@settings(max_examples=100, deadline=None)
@given(subproblems())
def test_gltr_with_tight_tolerances_reaches_the_global_minimum_outside_the_hard_case(problem):
    B, g, Delta = problem
    p, _ = GLTRSubproblem(model_at_zero(B, g), inexact=False).solve(Delta)
    m_star = best_value(B, g, Delta)
    assert model_value(B, g, p) <= m_star + 1e-5 * abs(m_star)


def test_gltr_resolves_a_smaller_radius_without_new_products():
    rng = np.random.default_rng(3)
    B = rng.standard_normal((6, 6))
    B = B + B.T
    g = rng.standard_normal(6)
    model = model_at_zero(B, g, product=True)
    solver = GLTRSubproblem(model, inexact=False)
    solver.solve(2.0)
    products = model._curvature.nhev
    p, _ = solver.solve(0.5)
    assert model._curvature.nhev == products
    assert np.linalg.norm(p) == pytest.approx(0.5)


@pytest.mark.parametrize("z, d, Delta", [([0.0, 0.0], [1.0, 0.0], 2.0),
                                         ([0.5, 0.0], [0.0, 1.0], 1.0),
                                         ([1e-9, 1e9], [1.0, 1e-9], 2e9)])
def test_boundary_intersections_are_the_roots(z, d, Delta):
    z, d = np.array(z), np.array(d)
    ta, tb = boundary_intersections(z, d, Delta)
    assert ta <= tb
    for t in (ta, tb):
        assert np.linalg.norm(z + t * d) == pytest.approx(Delta, rel=1e-12)


# ---------------------------------------------------------------------------------------
# The pieces of trust-exact (scipy's TestEstimateSmallestSingularValue and
# TestSingularLeadingSubmatrix, with answers from numpy's SVD and determinants)
# ---------------------------------------------------------------------------------------

def test_smallest_singular_value_of_an_ill_conditioned_matrix():
    C = np.array([[1, 2, 3, 4], [0, 0.05, 60, 7], [0, 0, 0.8, 9], [0, 0, 0, 10]])
    U, s, Vt = np.linalg.svd(C)
    s_min, z_min = estimate_smallest_singular_value(C)
    assert s_min == pytest.approx(s[-1], rel=1e-8)
    assert_allclose(np.abs(z_min), np.abs(Vt[-1]), atol=1e-8)


@pytest.mark.parametrize("A", [
    [[1, 2, 3], [2, 4, 5], [3, 5, 6]],                      # leading 2-by-2 block singular
    [[1, 2, 3, 7], [2, 4, 5, 2], [3, 5, 6, 1], [7, 2, 1, 1]],
    [[0, 3, 11], [3, 12, 5], [11, 5, 6]],                    # first pivot zero
])
def test_singular_leading_submatrix(A):
    A = np.array(A, dtype=float)
    U, info = cholesky_upper(A)
    assert info > 0
    delta, v = singular_leading_submatrix(A, U, info)
    A[info - 1, info - 1] += delta
    assert np.linalg.det(A[:info, :info]) == pytest.approx(0, abs=1e-10)
    assert v @ A @ v == pytest.approx(0, abs=1e-10)


@settings(max_examples=100, deadline=None)
@given(subproblems())
def test_cholesky_upper_is_lapacks(problem):
    B, _, _ = problem
    U, info = cholesky_upper(B)
    if info == 0:
        assert_allclose(U.T @ U, B, atol=1e-10 * np.abs(B).max())
    else:
        k = info
        assert np.linalg.eigvalsh(B[:k, :k])[0] <= 1e-12 * np.abs(B).max()
        if k > 1:
            assert np.linalg.eigvalsh(B[:k - 1, :k - 1])[0] > 0


# scipy's TestIterativeSubproblem matrices, judged against the eigendecomposition
EASY_H = [[10, 2, 3, 4], [2, 1, 7, 1], [3, 7, 1, 7], [4, 1, 7, 2]]


@pytest.mark.parametrize("g", [[1, 1, 1, 1], [6.4852641521327437, 1, 1, 1]],
                         ids=["easy", "hard"])
def test_scipy_subproblem_cases(g):
    B, g = np.array(EASY_H, float), np.array(g, float)
    solver = ExactSubproblem(model_at_zero(B, g), k_easy=1e-10, k_hard=1e-10, maxiter=200)
    p, hits_boundary = solver.solve(1.0)
    p_star = global_minimum(B, g, 1.0)
    assert hits_boundary
    assert model_value(B, g, p) == pytest.approx(model_value(B, g, p_star), rel=1e-8)


def test_scipy_interior_convergence_case():
    H = np.array([[1.812159, 0.82687265, 0.21838879, -0.52487006, 0.25436988],
                  [0.82687265, 2.66380283, 0.31508988, -0.40144163, 0.08811588],
                  [0.21838879, 0.31508988, 2.38020726, -0.3166346, 0.27363867],
                  [-0.52487006, -0.40144163, -0.3166346, 1.61927182, -0.42140166],
                  [0.25436988, 0.08811588, 0.27363867, -0.42140166, 1.33243101]])
    g = np.array([0.75798952, 0.01421945, 0.33847612, 0.83725004, -0.47909534])
    solver = ExactSubproblem(model_at_zero(H, g))
    p, hits_boundary = solver.solve(1.1)
    assert not hits_boundary and solver.lambda_current == 0 and solver.niter == 1
    assert_allclose(p, -np.linalg.solve(H, g), rtol=1e-12)


@pytest.mark.parametrize("g_last", [0.0, 1e-15])
def test_scipy_zero_gradient_cases(g_last):
    # ‖g‖ about 0 with an indefinite B: the step follows the lowest eigenvector to the boundary
    H = np.array([[0.88547534, 2.90692271, 0.98440885, -0.78911503, -0.28035809],
                  [2.90692271, -0.04618819, 0.32867263, -0.83737945, 0.17116396],
                  [0.98440885, 0.32867263, -0.87355957, -0.06521957, -1.43030957],
                  [-0.78911503, -0.83737945, -0.06521957, -1.645709, -0.33887298],
                  [-0.28035809, 0.17116396, -1.43030957, -0.33887298, -1.68586978]])
    g = np.array([0, 0, 0, 0, g_last])
    solver = ExactSubproblem(model_at_zero(H, g), k_easy=1e-10, k_hard=1e-10, maxiter=500)
    p, hits_boundary = solver.solve(1.1)
    assert hits_boundary
    assert model_value(H, g, p) == pytest.approx(1.1**2 * np.linalg.eigvalsh(H)[0] / 2, rel=1e-7)


def test_trust_exact_subproblem_iterations_are_limited():
    # gh-12513: the safeguarded iteration can cycle; at most subproblem_maxiter factorizations
    rng = np.random.default_rng(12513)
    B = rng.standard_normal((8, 8)) * 10 ** rng.uniform(-3, 3, (8, 8))
    B = B + B.T
    g = rng.standard_normal(8)
    for maxiter in (0, 1, 3, 25):
        solver = ExactSubproblem(model_at_zero(B, g), maxiter=maxiter)
        p, _ = solver.solve(0.3)
        assert solver.niter <= maxiter
        assert np.linalg.norm(p) <= 0.3 * (1 + 1e-12) or solver.stop != "limit"


# ---------------------------------------------------------------------------------------
# minimize: quadratics, Rosenbrock (scipy's test_trustregion.py), the MGH library
# ---------------------------------------------------------------------------------------

def solve_quadratic(method, system, **options):
    """``minimize`` from 0 on the quadratic of ``system`` with its Hessian A:
    ``(res, x*, A, b)``."""
    M, c = system
    f, g = quadratic(M, c)
    A, b = M @ M.T, M @ c
    res = minimize(f, np.zeros(len(c)), method=method, jac=g, hess=lambda x: A, options=options)
    return res, np.linalg.solve(A, b), A, b


@pytest.mark.parametrize("method", ["trust-exact", "dogleg"])
@settings(max_examples=50, deadline=None)
@given(system=spd_systems())
def test_strictly_convex_quadratic_in_one_newton_step(method, system):
    M, c = system
    x_star = np.linalg.solve(M @ M.T, M @ c)
    res, x_star, _, _ = solve_quadratic(method, system,
                                        initial_trust_radius=2 * np.linalg.norm(x_star) + 1,
                                        max_trust_radius=1e6,
                                        gtol=1e-7 * np.linalg.norm(M @ c) + 1e-300)
    assert res.success and res.nit == 1
    assert_allclose(res.x, x_star, rtol=1e-8, atol=1e-10 * np.linalg.norm(x_star))


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=50, deadline=None)
@given(system=spd_systems())
def test_strictly_convex_quadratic_to_gtol(method, system):
    M, c = system
    gtol = 1e-9 * np.linalg.norm(M @ c) + 1e-300
    res, x_star, A, _ = solve_quadratic(method, system, gtol=gtol)
    assert res.success, res.message
    assert np.linalg.norm(res.jac) < gtol
    assert np.linalg.norm(res.x - x_star) <= 1.01 * np.linalg.norm(np.linalg.inv(A), 2) * gtol


HARD_GUESS, EASY_GUESS, X_OPT = [-1.2, 1.0], [2.0, 2.0], [1.0, 1.0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x0", [EASY_GUESS, HARD_GUESS, X_OPT])
def test_rosenbrock_concordance(method, x0):
    res = minimize(rosen, x0, jac=rosen_der, hess=rosen_hess, tol=1e-8, method=method,
                   options={"return_all": True})
    assert res.success
    assert_allclose(res.x, X_OPT, rtol=1e-6)
    assert_allclose(res.allvecs[0], x0)
    assert_allclose(res.allvecs[-1], res.x)
    assert_allclose(res.hess, rosen_hess(res.x))


@pytest.mark.parametrize("method", ["trust-ncg", "trust-krylov"])
@pytest.mark.parametrize("x0", [EASY_GUESS, HARD_GUESS, X_OPT])
def test_rosenbrock_with_hessp(method, x0):
    res = minimize(rosen, x0, jac=rosen_der, hessp=rosen_hess_prod, tol=1e-8, method=method)
    assert_allclose(res.x, X_OPT, rtol=1e-6)
    assert "hess" not in res


def test_callback_and_return_all_follow_the_iterates():
    seen = []
    res = minimize(rosen, HARD_GUESS, jac=rosen_der, hess=rosen_hess, method="dogleg",
                   callback=lambda x: seen.append(np.copy(x)),
                   options={"return_all": True, "maxiter": 5})
    assert len(seen) == 5 and len(res.allvecs) == 6
    assert_allclose(np.sum(res.allvecs[1:], axis=0), np.sum(seen, axis=0))
    assert res.status == 1 and not res.success
    assert res.message == "Maximum number of iterations has been exceeded."


def test_disp_warns_when_the_iteration_limit_is_reached(capsys):
    with pytest.warns(RuntimeWarning, match="Maximum number of iterations"):
        minimize(rosen, HARD_GUESS, jac=rosen_der, hess=rosen_hess, method="dogleg",
                 options={"disp": True, "maxiter": 1})
    assert "Hessian evaluations" in capsys.readouterr().out


@pytest.mark.parametrize("method", METHODS)
def test_counts_are_the_calls_made(method):
    calls = {"f": 0, "g": 0, "h": 0}

    def counted(key, function):
        def wrapped(*args):
            calls[key] += 1
            return function(*args)
        return wrapped

    res = minimize(counted("f", rosen), HARD_GUESS, jac=counted("g", rosen_der),
                   hess=counted("h", rosen_hess), method=method)
    assert (res.nfev, res.njev, res.nhev) == (calls["f"], calls["g"], calls["h"])


@pytest.mark.parametrize("method", ["trust-ncg", "trust-krylov"])
def test_nhev_counts_the_products_made(method):
    calls = [0]

    def hessp(x, p):
        calls[0] += 1
        return rosen_hess_prod(x, p)

    res = minimize(rosen, HARD_GUESS, jac=rosen_der, hessp=hessp, method=method)
    assert res.nhev == calls[0]


def test_dogleg_with_an_indefinite_hessian_ends_with_status_3():
    res = minimize(lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4, [1.0, 0.1],
                   jac=lambda x: np.array([2 * x[0], -2 * x[1] + 4 * x[1] ** 3]),
                   hess=lambda x: np.diag([2.0, -2 + 12 * x[1] ** 2]), method="dogleg")
    assert res.status == 3 and not res.success and res.nit == 0
    assert res.message == "A linalg error occurred, such as a non-psd Hessian."


@pytest.mark.parametrize("method", ["trust-ncg", "trust-exact", "trust-krylov"])
def test_indefinite_start_reaches_the_minimum(method):
    # f = x² - y² + y⁴: a saddle at 0, minima at y = ±1/√2 with f = -1/4
    res = minimize(lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4, [1.0, 0.1],
                   jac=lambda x: np.array([2 * x[0], -2 * x[1] + 4 * x[1] ** 3]),
                   hess=lambda x: np.diag([2.0, -2 + 12 * x[1] ** 2]), method=method)
    assert res.success and res.fun == pytest.approx(-0.25, abs=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_a_trial_point_where_f_is_nan_shrinks_the_radius(method):
    # sqrt(1 + x²) is NaN left of -2 here; Newton's step from 3 (to -27) is cut to the first
    # radius 6 and lands at -3. scipy's ratio is then NaN: no shrink, no step, the same trial
    # again until maxiter. Here the radius shrinks and the run reaches the minimum at 0.
    def f(x):
        return math.sqrt(1 + x[0] ** 2) if x[0] > -2 else math.nan

    res = minimize(f, [3.0], jac=lambda x: x / np.sqrt(1 + x**2),
                   hess=lambda x: np.array([[(1 + x[0] ** 2) ** -1.5]]), method=method,
                   options={"initial_trust_radius": 6.0})
    assert res.success and abs(res.x[0]) < 1e-4 and res.nit < 30


@pytest.mark.parametrize("method", ["trust-ncg", "trust-krylov"])
def test_a_nan_hessian_product_ends_the_run_instead_of_looping(method):
    res = minimize(rosen, HARD_GUESS, jac=rosen_der, hessp=lambda x, p: np.full(2, np.nan),
                   method=method)
    assert res.status == 3 and not res.success


@pytest.mark.parametrize("method", METHODS)
def test_start_at_the_optimum_takes_no_step(method):
    res = minimize(rosen, X_OPT, jac=rosen_der, hess=rosen_hess, method=method)
    assert res.success and res.nit == 0 and res.nfev == 1
    assert_allclose(res.x, X_OPT)


@pytest.mark.parametrize("method", METHODS)
def test_inputs_are_not_mutated(method):
    x0 = np.array(HARD_GUESS)
    H = rosen_hess(x0)
    kept = H.copy()
    minimize(rosen, x0, jac=rosen_der, hess=lambda x: H, method=method,
             options={"maxiter": 3})
    assert_allclose(x0, HARD_GUESS) and np.array_equal(H, kept)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("problem", MGH_PROBLEMS, ids=lambda p: p.name)
def test_mgh_problem(method, problem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check_library_run(method, problem, 0)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("problem, start", library_cases(bounded=False), ids=library_id)
def test_library_problem(method, problem, start):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check_library_run(method, problem, start)


# ---------------------------------------------------------------------------------------
# Bad inputs (scipy's errors; clearer where scipy's is a bare Exception or a tuple)
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, text", [
    ("dogleg", "Jacobian is required for dogleg minimization"),
    ("trust-ncg", "Jacobian is required for Newton-CG trust-region minimization"),
    ("trust-exact", "Jacobian is required for trust region exact minimization."),
    ("trust-krylov", "Jacobian is required for trust region exact minimization."),
])
def test_jac_is_required(method, text):
    with pytest.raises(ValueError, match=text):
        minimize(rosen, HARD_GUESS, hess=rosen_hess, method=method)


@pytest.mark.parametrize("method, text", [
    ("dogleg", "Hessian is required for dogleg minimization"),
    ("trust-exact", "Hessian matrix is required for trust region exact minimization."),
    ("trust-ncg", "Either the Hessian or the Hessian-vector product is required for "
                  "Newton-CG trust-region minimization"),
    ("trust-krylov", "Either the Hessian or the Hessian-vector product is required for "
                     "Krylov trust-region minimization"),
])
def test_hess_is_required(method, text):
    with pytest.raises(ValueError, match=text):
        minimize(rosen, HARD_GUESS, jac=rosen_der, method=method)


@pytest.mark.parametrize("method", ["dogleg", "trust-exact"])
def test_hessp_alone_is_not_enough_for_the_matrix_methods(method):
    with pytest.warns(RuntimeWarning, match="does not use Hessian-vector product"), \
            pytest.raises(ValueError, match="Hessian"):
        minimize(rosen, HARD_GUESS, jac=rosen_der, hessp=rosen_hess_prod, method=method)


@pytest.mark.parametrize("options, text", [
    ({"eta": 0.25}, "invalid acceptance stringency"),
    ({"eta": -0.1}, "invalid acceptance stringency"),
    ({"max_trust_radius": 0}, "the max trust radius must be positive"),
    ({"initial_trust_radius": 0}, "the initial trust radius must be positive"),
    ({"initial_trust_radius": 2000}, "the initial trust radius must be less than the max"),
])
def test_bad_trust_options(options, text):
    with pytest.raises(ValueError, match=text):
        minimize(rosen, HARD_GUESS, jac=rosen_der, hess=rosen_hess, method="trust-ncg",
                 options=options)


def test_hessian_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"must have shape \(2, 2\)"):
        minimize(rosen, HARD_GUESS, jac=rosen_der, hess=lambda x: np.eye(3),
                 method="trust-exact")


def test_negative_subproblem_maxiter():
    with pytest.raises(ValueError, match="maxiter must not be set to a negative number"):
        minimize(rosen, HARD_GUESS, jac=rosen_der, hess=rosen_hess, method="trust-exact",
                 options={"subproblem_maxiter": -1})


def test_unknown_option_is_warned_about():
    from refopt.optimize import OptimizeWarning

    with pytest.warns(OptimizeWarning, match="Unknown solver options: foo"):
        minimize(rosen, HARD_GUESS, jac=rosen_der, hess=rosen_hess, method="dogleg",
                 options={"foo": 1})


# -- Hessians the objective derives: differences of the gradient, quasi-Newton updates ------

@pytest.mark.parametrize("method", ["trust-ncg", "trust-krylov"])
@pytest.mark.parametrize("hess", ["2-point", "3-point", "cs", "bfgs"])
def test_derived_hessians_reach_rosenbrocks_minimum(method, hess):
    from refopt.optimize import BFGS

    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    res = minimize(rosen, x0, jac=rosen_der, method=method,
                   hess=BFGS() if hess == "bfgs" else hess)
    assert res.success and res.status == 0
    np.testing.assert_allclose(res.x, np.ones(5), atol=1e-4)  # gtol 1e-4 at the minimum
    assert np.linalg.norm(rosen_der(res.x)) < 1e-4
    assert res.nhev > 0 and res.njev > res.nit  # products counted; gradients pay for them


@pytest.mark.parametrize("hess", ["2-point", "3-point", "cs"])
def test_a_differenced_hessian_on_a_quadratic_reaches_its_minimiser(hess):
    # f = ½ xᵀAx - bᵀx: the gradient is linear, so its differences are exact up to rounding
    # and trust-ncg (inexact CG steps, Newton's rate) reaches A⁻¹b to gtol
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
    b = np.array([1.0, -2.0, 0.5])
    res = minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(3), jac=lambda x: A @ x - b,
                   hess=hess, method="trust-ncg",
                   options={"initial_trust_radius": 10.0, "max_trust_radius": 100.0,
                            "gtol": 1e-6})
    assert res.success and np.linalg.norm(A @ res.x - b) < 1e-6
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-6, atol=1e-8)
