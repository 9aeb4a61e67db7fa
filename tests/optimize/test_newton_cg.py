"""Newton-CG (refopt/optimize/newton_cg.py) and the Hessian options of minimize: one Newton
step on a quadratic, the MGH minima, every form of ``hess``/``hessp``, the counts as the real
calls, scipy's own Newton-CG tests (test_optimize.py) ported, and scipy's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt import minimize
from refopt.linalg.operators import aslinearoperator
from refopt.linalg.sparse import CSRMatrix
from refopt.optimize import BFGS, SR1, OptimizeWarning
from refopt.optimize.newton_cg import truncated_cg

from . import (MGH_PROBLEMS, ROSEN_X0, EntropyProblem, assert_solves, check_library_run,
               library_cases, library_id, quadratic, rosen, rosen_der, rosen_hess,
               spd_systems)


def rosen_hess_prod(x, p):
    return rosen_hess(x) @ p


def entropy_hess(problem):
    """The Hessian of the maximum-entropy objective: Fᵀ(diag(p) - p pᵀ)F."""
    def hess(x):
        log_pdot = problem.F @ x
        p = np.exp(log_pdot - np.log(np.sum(np.exp(log_pdot))))
        return problem.F.T @ (np.diag(p) - np.outer(p, p)) @ problem.F

    return hess


def counted(fun, calls, key):
    def wrapped(*args):
        calls[key] += 1
        return fun(*args)

    return wrapped


# ------------------------------------------------------------------------------------------
# Known solutions
# ------------------------------------------------------------------------------------------

@st.composite
def quadratic_and_eigen_start(draw):
    """An SPD quadratic and a start x* + t v with v an eigenvector of A: the gradient there
    is an eigenvector, so one CG step solves (29.2) exactly."""
    M, c = draw(spd_systems())
    A = M @ M.T
    _, V = np.linalg.eigh(A)
    k = draw(st.integers(0, len(c) - 1))
    t = draw(st.floats(0.5, 10.0)) * draw(st.sampled_from([-1.0, 1.0]))
    x_star = np.linalg.solve(A, M @ c)
    return M, c, x_star + t * V[:, k], x_star


@given(quadratic_and_eigen_start())
def test_strictly_convex_quadratic_is_solved_by_one_newton_step(data):
    M, c, x0, x_star = data
    f, g = quadratic(M, c)
    A = M @ M.T
    res = minimize(f, x0, method="Newton-CG", jac=g, hess=lambda x: A,
                   options={"return_all": True})
    scale = max(np.linalg.norm(x_star), np.linalg.norm(x0 - x_star))
    assert np.linalg.norm(res.allvecs[1] - x_star) <= 1e-9 * scale  # the first iterate
    assert res.status in (0, 2), res.message  # the second step is rounding (it may stall)
    assert np.linalg.norm(res.x - x_star) <= 1e-9 * scale


@settings(deadline=None)
@given(spd_systems(), st.sampled_from([None, "matrix", "hessp", "2-point", "3-point", "cs",
                                       "BFGS", "SR1"]))
def test_convex_quadratic_minimum_with_every_hessian_form(system, form):
    M, c = system
    f, g = quadratic(M, c)
    A = M @ M.T
    hess = {"matrix": lambda x: A, "2-point": "2-point", "3-point": "3-point", "cs": "cs",
            "BFGS": BFGS(), "SR1": SR1()}.get(form)
    hessp = (lambda x, p: A @ p) if form == "hessp" else None
    res = minimize(f, np.zeros(len(c)), method="Newton-CG", jac=g, hess=hess, hessp=hessp,
                   options={"xtol": 1e-12, "maxiter": 400})
    # a tiny xtol runs Newton-CG on to the solution, where it may stop for lack of progress:
    # the line search finds no decrease below rounding (2) or, with products differenced
    # from a gradient that is all rounding, CG meets no residual test (3)
    stalled = (2, 3) if form in (None, "2-point", "3-point") else (2,)
    if res.status in stalled:
        assert np.linalg.norm(res.jac) <= 1e-6 * np.abs(M @ c).max()
    else:
        assert res.status == 0, res.message
    assert_solves(res, M, c)


@pytest.mark.parametrize("case", library_cases(bounded=False), ids=library_id)
def test_minimize_library_known_minima(case):
    # verify's Newton-CG: the problem's Hessian where it has one, else gradient differences
    problem, start = case
    check_library_run("Newton-CG", problem, start)


@pytest.mark.parametrize("hess", ["2-point", "3-point"])
@pytest.mark.parametrize("problem", [p for p in MGH_PROBLEMS
                                     # f* = 0 at (1e6, 2e-6): a relative step leaves f ~ 1e-7
                                     if p.name != "mgh_brown_badly_scaled_n2_m3_ssq"],
                         ids=lambda p: p.name)
def test_mgh_known_minima_with_a_differenced_hessian(problem, hess):
    with np.errstate(all="ignore"):
        res = minimize(problem.fun, problem.starts[0], method="Newton-CG", jac=problem.jac,
                       hess=hess, options={"maxiter": 2000})
    assert problem.judge(res.x, 0).passed, res.message


def test_himmelblau():
    # scipy's TestNewtonCg.test_himmelblau: Himmelblau (1972) has four minima, all f = 0;
    # from (-0.27, -0.9) Newton-CG goes to the one at (3, 2)
    def f(x):
        return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2

    def g(x):
        a, b = x[0] ** 2 + x[1] - 11, x[0] + x[1] ** 2 - 7
        return np.array([4 * a * x[0] + 2 * b, 2 * a + 4 * b * x[1]])

    def h(x):
        return np.array([[12 * x[0] ** 2 + 4 * x[1] - 42, 4 * (x[0] + x[1])],
                         [4 * (x[0] + x[1]), 12 * x[1] ** 2 + 4 * x[0] - 26]])

    res = minimize(f, [-0.27, -0.9], jac=g, hess=h, method="Newton-CG", tol=1e-6)
    assert res.success, res.message
    assert_allclose(res.x, [3.0, 2.0], rtol=1e-4)
    assert_allclose(res.fun, 0.0, atol=1e-4)


@pytest.mark.parametrize("hess", [rosen_hess, "2-point", "BFGS"])
def test_rosenbrock_from_the_standard_start(hess):
    # scipy's TestNewtonCg (rosenbrock, finite_difference, hessian_update_strategy)
    hess = BFGS() if hess == "BFGS" else hess
    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, hess=hess, tol=1e-5, method="Newton-CG")
    assert res.success, res.message
    assert_allclose(res.x, [1.0, 1.0], rtol=1e-4)


@pytest.mark.parametrize("form", ["none", "hess", "hessp", "operator", "sparse", "2-point",
                                  "3-point", "cs", "BFGS", "SR1"])
def test_every_hessian_form_reaches_the_rosenbrock_minimum(form):
    hess = {"hess": rosen_hess, "2-point": "2-point", "3-point": "3-point", "cs": "cs",
            "BFGS": BFGS(), "SR1": SR1(),
            "operator": lambda x: aslinearoperator(rosen_hess(x)),
            "sparse": lambda x: CSRMatrix.from_dense(rosen_hess(x))}.get(form)
    hessp = rosen_hess_prod if form == "hessp" else None
    res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=hess, hessp=hessp,
                   options={"xtol": 1e-8})
    assert res.success, res.message
    assert_allclose(res.x, np.ones(5), atol=1e-5)
    assert_allclose(res.jac, rosen_der(res.x))  # the gradient at the returned x


def test_sparse_operator_and_dense_hessians_give_the_same_run():
    # scipy's test_sparse_hessian: the same iterates and counts whatever holds the matrix
    runs = [minimize(rosen, [2.0, 2.0], method="Newton-CG", jac=rosen_der, hess=h)
            for h in (rosen_hess, lambda x: CSRMatrix.from_dense(rosen_hess(x)))]
    dense, sparse = runs
    assert_allclose(sparse.x, dense.x)
    assert (sparse.nfev, sparse.njev, sparse.nhev) == (dense.nfev, dense.njev, dense.nhev)


# ------------------------------------------------------------------------------------------
# Counts are the real calls
# ------------------------------------------------------------------------------------------

def test_counts_with_a_hessian_matrix_are_the_real_calls():
    calls = {"f": 0, "g": 0, "h": 0}
    res = minimize(counted(rosen, calls, "f"), ROSEN_X0, method="Newton-CG",
                   jac=counted(rosen_der, calls, "g"), hess=counted(rosen_hess, calls, "h"))
    assert res.success
    # one Hessian per iteration, the one at x0 evaluated when the objective is set up
    assert (res.nfev, res.njev, res.nhev) == (calls["f"], calls["g"], calls["h"])
    assert res.nhev == res.nit


def test_counts_with_hessp_and_with_differences_are_the_real_calls():
    calls = {"f": 0, "g": 0, "hp": 0}
    res = minimize(counted(rosen, calls, "f"), ROSEN_X0, method="Newton-CG",
                   jac=counted(rosen_der, calls, "g"),
                   hessp=counted(rosen_hess_prod, calls, "hp"))
    assert (res.nfev, res.njev, res.nhev) == (calls["f"], calls["g"], calls["hp"])
    for hess, per_product in (("2-point", 1), ("3-point", 2)):
        calls = {"f": 0, "g": 0}
        res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=counted(rosen_der, calls, "g"),
                       hess=hess)
        # nhev counts products; each costs per_product gradients, all of them in njev
        assert res.njev == calls["g"]
        assert res.njev >= per_product * res.nhev


def test_gradient_differences_count_as_gradients():
    # no hess, no hessp: (29.12), g(x) and g(x + eps d) for each CG step, all in njev
    calls = {"g": 0}
    res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=counted(rosen_der, calls, "g"))
    assert res.success and res.nhev == 0
    assert res.njev == calls["g"] and res.njev > 2 * res.nit


def test_update_strategy_gets_a_gradient_at_every_point_and_is_not_mutated():
    calls = {"f": 0, "g": 0}
    strategy = BFGS()
    res = minimize(counted(rosen, calls, "f"), ROSEN_X0, method="Newton-CG",
                   jac=counted(rosen_der, calls, "g"), hess=strategy)
    assert res.success
    assert res.nfev == res.njev == calls["f"] == calls["g"]  # every point visited
    assert res.nhev == res.nit
    assert strategy.approx_type is None  # the user's object was copied, not initialised


# ------------------------------------------------------------------------------------------
# scipy's CheckOptimize tests for Newton-CG (the maximum-entropy problem)
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["none", "hess", "hessp"])
def test_entropy_problem(form):
    problem = EntropyProblem()
    hess = entropy_hess(problem)
    kwargs = {"hess": hess} if form == "hess" else \
        {"hessp": lambda x, p: hess(x) @ p} if form == "hessp" else {}
    res = minimize(problem.func, problem.x0, method="Newton-CG", jac=problem.grad,
                   options={"maxiter": 1000}, **kwargs)
    assert_allclose(problem.func(res.x), problem.func(problem.solution), atol=1e-6)
    assert (problem.funccalls, problem.gradcalls) == (res.nfev + 2, res.njev)


def test_negative_maxiter_stops_at_once():
    # scipy's test_ncg_negative_maxiter (gh-8241)
    problem = EntropyProblem()
    res = minimize(problem.func, problem.x0, method="Newton-CG", jac=problem.grad,
                   options={"maxiter": -1})
    assert res.status == 1 and res.nit == 0
    assert res.message == "Warning: Maximum number of iterations has been exceeded."
    assert_allclose(res.jac, problem.grad(problem.x0))


def test_zero_xtol_converges():
    # scipy's test_ncg_zero_xtol (gh-20214): the loop ends when the step is exactly zero
    res = minimize(lambda x: np.cos(x[0]), [0.1], jac=lambda x: -np.sin(x[0]),
                   method="newton-cg", options={"xtol": 0})
    assert res.status == 0
    assert_allclose(res.x[0], np.pi, rtol=1e-7)


# ------------------------------------------------------------------------------------------
# The CG inner solve and the outer loop's other exits
# ------------------------------------------------------------------------------------------

def test_negative_curvature_at_the_first_cg_step_gives_steepest_descent():
    g = np.array([1.0, -2.0])
    H = np.diag([-5.0, 1.0])  # along d = -g: dᵀHd = -5 + 4 = -1 < 0
    p = truncated_cg(g, lambda d: H @ d)
    assert_allclose(p, (g @ g) / 1.0 * -g)  # (29.13): rᵀr / |dᵀHd| times -g


def test_negative_curvature_later_returns_the_cg_iterate():
    H = np.diag([1.0, 1.0, -100.0])
    g = np.array([1.0, 1.0, 0.01])
    p = truncated_cg(g, lambda d: H @ d)
    d = -g
    alpha = (g @ g) / (d @ H @ d)  # the first CG step: positive curvature
    assert_allclose(p, alpha * d)


def test_cg_that_does_not_converge_is_status_3():
    # a hessp that is not symmetric (a rotation plus the identity): CG's residuals are then
    # not orthogonal and (29.10) is never met in 20 n steps
    R = np.array([[1.0, 10.0], [-10.0, 1.0]])
    res = minimize(lambda x: x @ x, [1.0, 2.0], jac=lambda x: 2 * x,
                   hessp=lambda x, p: R @ p, method="Newton-CG")
    assert res.status == 3
    assert res.message == ("Warning: CG iterations didn't converge. The Hessian is not "
                           "positive definite.")
    assert not res.success and res.nit == 0


def test_callback_and_stop_iteration():
    seen = []
    res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=rosen_hess,
                   callback=lambda intermediate_result: seen.append(intermediate_result.fun))
    assert len(seen) == res.nit and seen[-1] == res.fun

    def stop(xk):
        raise StopIteration

    res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, callback=stop)
    assert (res.status, res.nit, res.success) == (99, 1, False)
    assert res.message == "`callback` raised `StopIteration`."


def test_allvecs_holds_every_iterate():
    # scipy's list holds one array updated in place (every entry the last point)
    res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=rosen_hess,
                   options={"return_all": True})
    assert len(res.allvecs) == res.nit + 1
    assert_allclose(res.allvecs[0], ROSEN_X0)
    assert_allclose(res.allvecs[-1], res.x)
    assert not np.allclose(res.allvecs[1], res.x)


def test_disp_prints_the_counts(capsys):
    res = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=rosen_hess,
                   options={"disp": True})
    out = capsys.readouterr().out
    assert "Optimization terminated successfully." in out
    assert f"Hessian evaluations: {res.nhev}" in out
    assert f"Gradient evaluations: {res.njev}" in out


def test_tol_becomes_xtol():
    loose = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, tol=1e-2)
    tight = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, tol=1e-9)
    assert loose.nit < tight.nit


def test_user_arrays_are_not_modified():
    x0 = np.array(ROSEN_X0)
    seen = []

    def hessp(x, p):
        seen.append(x)
        x[0] = 99.0  # a careless user; the solver's own point must not move
        return rosen_hess(np.array(ROSEN_X0)) @ p

    minimize(rosen, x0, method="Newton-CG", jac=rosen_der, hessp=hessp,
             options={"maxiter": 1})
    assert_allclose(x0, ROSEN_X0)


# ------------------------------------------------------------------------------------------
# Bad input: scipy's errors and warnings (or clearer)
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("jac", [None, False, "2-point", "3-point", "cs"])
def test_newton_cg_needs_a_gradient(jac):
    calls = {"f": 0}
    with pytest.raises(ValueError, match="Jacobian is required for Newton-CG method"):
        minimize(counted(rosen, calls, "f"), ROSEN_X0, method="Newton-CG", jac=jac)
    assert calls["f"] == 0


def test_hessian_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"The Hessian \(`hess`\) must have shape \(5, 5\); "
                                         r"got \(4, 4\)."):
        minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=lambda x: np.eye(4))


def test_hess_of_an_unknown_kind():
    with pytest.raises(ValueError, match="`hess` must be either callable, "
                                         "HessianUpdateStrategy or one of"):
        minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess="exact")


def test_non_symmetric_hessian_warns():
    def hess(x):
        H = rosen_hess(x)
        H[0, 1] += 1.0
        return H

    with pytest.warns(OptimizeWarning, match="is not symmetric"):
        minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=hess)


def test_both_hess_and_hessp_warn_naming_the_one_used():
    with pytest.warns(RuntimeWarning, match="uses `hess` and ignores `hessp`"):
        both = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=rosen_hess,
                        hessp=rosen_hess_prod)
    alone = minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der, hess=rosen_hess)
    assert (both.nfev, both.njev, both.nhev) == (alone.nfev, alone.njev, alone.nhev)


@pytest.mark.parametrize("method, text", [
    ("dogleg", "Hessian is required for dogleg minimization"),
    ("trust-exact", "Hessian matrix is required for trust region exact minimization."),
])
@pytest.mark.parametrize("hess", ["strategy", "2-point"])
def test_strategy_or_scheme_for_a_method_that_needs_the_matrix(method, text, hess):
    hess = BFGS() if hess == "strategy" else hess
    with pytest.raises(ValueError, match=text):
        minimize(rosen, ROSEN_X0, method=method, jac=rosen_der, hess=hess)


@pytest.mark.parametrize("hess", [BFGS(), "2-point", rosen_hess])
def test_hess_for_a_method_that_ignores_it_warns(hess):
    with pytest.warns(RuntimeWarning, match="Method BFGS does not use Hessian information"):
        minimize(rosen, ROSEN_X0, method="BFGS", jac=rosen_der, hess=hess)


def test_hessp_for_a_method_that_ignores_it_warns():
    with pytest.warns(RuntimeWarning, match="does not use Hessian-vector product"):
        minimize(rosen, ROSEN_X0, method="CG", jac=rosen_der, hessp=rosen_hess_prod)


def test_wolfe_constants_are_checked_before_any_call():
    calls = {"f": 0}
    with pytest.raises(ValueError, match="'c1' and 'c2' do not satisfy"):
        minimize(counted(rosen, calls, "f"), ROSEN_X0, method="Newton-CG", jac=rosen_der,
                 options={"c1": 0.9, "c2": 0.1})
    assert calls["f"] == 0


def test_unknown_option_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizeWarning)
        with pytest.raises(OptimizeWarning, match="Unknown solver options: gtol"):
            minimize(rosen, ROSEN_X0, method="Newton-CG", jac=rosen_der,
                     options={"gtol": 1e-3})
