"""L-BFGS-B (refopt.optimize.lbfgsb): known box-constrained minimizers, properties, bad input."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt import minimize
from refopt.optimize.lbfgsb import (Box, LbfgsInvHessProduct, LimitedMemory, cauchy_point,
                                    minimize_lbfgsb, projected_gradient_norm,
                                    subspace_point)


def rosen(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def rosen_der(x):
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


# ------------------------------------------------------------------ bounded convex quadratics

def quadratic(A, b):
    return (lambda x: 0.5 * x @ A @ x - b @ x), (lambda x: A @ x - b)


def enumerate_active_sets(A, b, lo, hi):
    """The box-constrained minimizer of ½xᵀAx - bᵀx by trying every assignment of each
    variable to free / at its lower bound / at its upper bound (KKT by brute force)."""
    n = len(b)
    best, best_f = None, np.inf
    for pattern in itertools.product((0, 1, 2), repeat=n):
        pattern = np.array(pattern)
        x = np.where(pattern == 1, lo, np.where(pattern == 2, hi, 0.0))
        free = pattern == 0
        if free.any():
            rhs = b[free] - A[np.ix_(free, ~free)] @ x[~free]
            x[free] = np.linalg.solve(A[np.ix_(free, free)], rhs)
        if np.any(x < lo - 1e-12) or np.any(x > hi + 1e-12):
            continue
        f = 0.5 * x @ A @ x - b @ x
        if f < best_f:
            best, best_f = x, f
    return best


def spd_problem(draw, n):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    eig = 10.0 ** rng.uniform(-1, 2, n)
    A = (Q * eig) @ Q.T
    A = 0.5 * (A + A.T)
    b = rng.standard_normal(n) * 5
    lo = rng.uniform(-2, 0.5, n)
    hi = lo + rng.uniform(0.1, 3, n)
    x0 = rng.uniform(-3, 3, n)
    return A, b, lo, hi, x0


@st.composite
def bounded_quadratics(draw, max_n=4):
    return spd_problem(draw, draw(st.integers(1, max_n)))


@settings(deadline=None)
@given(bounded_quadratics())
def test_bounded_quadratic_reaches_the_enumerated_minimizer(problem):
    A, b, lo, hi, x0 = problem
    f, g = quadratic(A, b)
    # ftol = 0: only the projected gradient may stop the run (scipy, which stops when f does
    # not decrease at all, misses some of these; refopt restarts from steepest descent)
    res = minimize(f, x0, jac=g, method="L-BFGS-B", bounds=list(zip(lo, hi)),
                   options=dict(gtol=1e-10, ftol=0.0, maxiter=1000))
    exact = enumerate_active_sets(A, b, lo, hi)
    assert np.all(res.x >= lo) and np.all(res.x <= hi)
    assert_allclose(res.x, exact, atol=1e-5 * max(1.0, np.abs(exact).max()))
    assert f(res.x) <= f(exact) + 1e-9 * max(1.0, abs(f(exact)))


@settings(deadline=None)
@given(st.integers(5, 30), st.integers(0, 2**32 - 1))
def test_bounded_quadratic_projected_gradient_vanishes(n, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    A = M @ M.T + n * np.eye(n)
    b = rng.standard_normal(n) * 10
    lo, hi = -np.ones(n), np.ones(n)
    f, g = quadratic(A, b)
    res = minimize(f, np.zeros(n), jac=g, bounds=list(zip(lo, hi)),
                   options=dict(gtol=1e-9, ftol=1e-14, maxiter=2000))
    box = Box.from_bounds(lo, hi)
    scale = np.abs(b).max() + np.linalg.norm(A, 2)
    assert projected_gradient_norm(res.x, g(res.x), box) <= 1e-7 * scale
    assert np.all(res.x >= lo) and np.all(res.x <= hi)


# ------------------------------------------------------------------ Rosenbrock on the bounds

def test_rosenbrock_with_upper_bound_on_x1():
    # x1 <= 0.5 binds; then x2 = x1² and f = (1 - 0.5)²
    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, bounds=[(-2, 0.5), (-1, 2)])
    assert_allclose(res.x, [0.5, 0.25], atol=1e-6)
    assert_allclose(res.fun, 0.25, rtol=1e-9)


def test_rosenbrock_with_lower_bounds_above_the_minimum():
    # x1 >= 1.5 binds (the slope there is +1), x2 = x1² = 2.25 is free
    res = minimize(rosen, [3.0, 3.0], jac=rosen_der, bounds=[(1.5, 3), (1.5, 3)])
    assert_allclose(res.x, [1.5, 2.25], atol=1e-6)
    assert_allclose(res.fun, 0.25, rtol=1e-9)


def test_rosenbrock_with_x2_capped():
    # x2 <= c binds; x1 minimizes (1 - x1)² + 100 (c - x1²)²: a root of 400x³ + (2 - 400c)x - 2
    c = 0.25
    roots = np.roots([400.0, 0.0, 2 - 400 * c, -2.0])
    x1 = max(r.real for r in roots if abs(r.imag) < 1e-12)
    res = minimize(rosen, [-1.2, 0.0], jac=rosen_der, bounds=[(None, None), (None, c)])
    assert_allclose(res.x, [x1, c], atol=1e-6)


def test_rosenbrock_with_a_fixed_variable():
    # x2 fixed at 1 by l = u: then x1 = 1 is the minimizer of the rest
    res = minimize(rosen, [0.0, 1.0, 0.5], jac=rosen_der, bounds=[(-2, 2), (1, 1), (-2, 2)],
                   options=dict(gtol=1e-9))
    assert res.x[1] == 1.0
    assert_allclose(res.x, [1.0, 1.0, 1.0], atol=1e-5)


def test_x0_outside_the_box_is_clipped():
    seen = []

    def f(x):
        seen.append(x.copy())
        return rosen(x)

    res = minimize(f, [5.0, -5.0], jac=rosen_der, bounds=[(-2, 0.5), (-1, 2)])
    assert_allclose(seen[0], [0.5, -1.0])
    assert all(np.all(x >= [-2, -1]) and np.all(x <= [0.5, 2]) for x in seen)
    assert_allclose(res.x, [0.5, 0.25], atol=1e-6)


def test_finite_differences_respect_the_bounds():
    seen = []

    def f(x):
        seen.append(x.copy())
        return rosen(x)

    res = minimize(f, [0.5, 0.5], bounds=[(-2, 0.5), (-1, 0.5)])
    assert all(np.all(x <= 0.5) for x in seen)
    assert_allclose(res.x, [0.5, 0.25], atol=1e-4)


# ------------------------------------------------------------------ unbounded: BFGS's minima

@pytest.mark.parametrize("x0", [[-1.2, 1.0], [0.5] * 6, [-1.0, 2.0, -1.0, 2.0]])
def test_unbounded_reaches_the_minimum_bfgs_reaches(x0):
    a = minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", options=dict(gtol=1e-8))
    b = minimize(rosen, x0, jac=rosen_der, method="BFGS", options=dict(gtol=1e-8))
    assert_allclose(a.x, b.x, atol=1e-5)
    assert_allclose(a.x, np.ones(len(x0)), atol=1e-5)


def test_library_problems_reach_their_known_minima():
    from refopt.problems import all_problems

    problems = [p for p in all_problems() if p.kind == "minimize" and np.isfinite(p.f_star)][:12]
    for p in problems:
        res = minimize(p.fun, np.array(p.starts[0], float), jac=p.jac, method="L-BFGS-B",
                       options=dict(maxiter=5000))
        bfgs = minimize(p.fun, np.array(p.starts[0], float), jac=p.jac, method="BFGS",
                        options=dict(maxiter=5000))
        tol = 1e-6 * max(1.0, abs(p.f_star))
        assert res.fun <= max(p.f_star, bfgs.fun) + max(tol, 1e-4 * abs(bfgs.fun - p.f_star)), p.name


# ------------------------------------------------------------------ the pieces

def random_memory(rng, n, pairs):
    memory = LimitedMemory(n, 5)
    M = rng.standard_normal((n, n))
    A = M @ M.T + np.eye(n)
    for _ in range(pairs):
        s = rng.standard_normal(n)
        y = A @ s
        memory.update(s, y, float(s @ y), float(s @ s))
    return memory, A


@settings(deadline=None)
@given(st.integers(1, 8), st.integers(0, 4), st.integers(0, 2**32 - 1))
def test_cauchy_point_is_feasible_and_does_not_raise_the_model(n, pairs, seed):
    rng = np.random.default_rng(seed)
    memory, _ = random_memory(rng, n, pairs)
    lo = -rng.uniform(0, 2, n)
    hi = rng.uniform(0, 2, n)
    box = Box.from_bounds(lo, hi)
    x = rng.uniform(lo, hi)
    g = rng.standard_normal(n) * 3
    cp = cauchy_point(x, g, box, box.initial_where(), memory, projected_gradient_norm(x, g, box))
    assert np.all(cp.xcp >= lo) and np.all(cp.xcp <= hi)
    B = memory.theta * np.eye(n) - memory.W @ memory.middle @ memory.W.T if memory.col else np.eye(n)
    dx = cp.xcp - x
    assert g @ dx + 0.5 * dx @ B @ dx <= 1e-12 * (1 + np.abs(g).sum() ** 2)
    assert_allclose(cp.c, memory.W.T @ dx, atol=1e-9 * (1 + np.abs(memory.W).max(initial=0)))


def test_compact_matrix_equals_the_bfgs_recursion():
    # B of (26.1) is the matrix the BFGS update builds from theta I through the same pairs
    rng = np.random.default_rng(3)
    n = 6
    memory, A = random_memory(rng, n, 4)
    B = memory.theta * np.eye(n)
    for s, y in zip(memory.S.T, memory.Y.T):
        Bs = B @ s
        B = B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (y @ s)
    compact = memory.theta * np.eye(n) - memory.W @ memory.middle @ memory.W.T
    assert_allclose(compact, B, rtol=1e-9, atol=1e-9)


def test_subspace_point_is_feasible():
    rng = np.random.default_rng(1)
    lo, hi = -np.ones(5), np.ones(5)
    box = Box.from_bounds(lo, hi)
    for _ in range(50):
        x = rng.uniform(-1, 1, 5)
        z = rng.uniform(-1, 1, 5)
        free = rng.uniform(size=5) < 0.7
        d = rng.standard_normal(free.sum()) * 3
        g = rng.standard_normal(5)
        p = subspace_point(x, g, z, d, free, box)
        assert np.all(p >= lo) and np.all(p <= hi)
        assert_allclose(p[~free], z[~free])


def test_hess_inv_is_the_two_loop_operator():
    res = minimize(rosen, [-1.2, 1.0, 0.8], jac=rosen_der, method="L-BFGS-B")
    H = res.hess_inv
    assert isinstance(H, LbfgsInvHessProduct)
    dense = H.todense()
    assert dense.shape == (3, 3)
    assert_allclose(dense, dense.T, atol=1e-10 * np.abs(dense).max())
    assert np.all(np.linalg.eigvalsh(dense) > 0)
    v = np.array([1.0, -2.0, 0.5])
    assert_allclose(H.matvec(v), dense @ v, rtol=1e-12)
    assert_allclose(H.dot(v), dense @ v, rtol=1e-12)
    # the secant equation for the newest pair: H y = s
    assert_allclose(H.matvec(H.yk[-1]), H.sk[-1], rtol=1e-8, atol=1e-12)


# ------------------------------------------------------------------ limits, callback, messages

def test_maxiter_stops_with_scipys_message():
    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="L-BFGS-B",
                   options=dict(maxiter=3))
    assert res.nit == 3 and res.status == 1 and not res.success
    assert res.message == "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"


def test_maxfun_is_checked_after_an_iteration():
    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="L-BFGS-B",
                   options=dict(maxfun=5))
    assert res.status == 1 and res.nfev > 5
    assert res.message == "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"


def test_callback_stop_iteration_and_intermediate_result():
    seen = []

    def callback(intermediate_result):
        seen.append(intermediate_result.fun)
        if len(seen) == 2:
            raise StopIteration

    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="L-BFGS-B", callback=callback)
    assert res.status == 99 and res.nit == 2 and len(seen) == 2 and res.fun == seen[-1]


def test_converges_at_the_start_when_the_projected_gradient_is_zero():
    # the unconstrained minimizer is outside; x0 at the bound with the gradient pushing out
    res = minimize(lambda x: float((x[0] - 3) ** 2), [1.0], jac=lambda x: 2 * (x - 3),
                   bounds=[(0, 1)])
    assert res.nit == 0 and res.nfev == 1 and res.x[0] == 1.0
    assert res.message == "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"


def test_deprecated_disp_and_unknown_options_warn():
    with pytest.warns(DeprecationWarning, match="disp"):
        minimize(rosen, [0.0, 0.0], jac=rosen_der, method="L-BFGS-B", options=dict(disp=True))
    from refopt.optimize import OptimizeWarning

    with pytest.warns(OptimizeWarning, match="Unknown solver options: foo"):
        minimize(rosen, [0.0, 0.0], jac=rosen_der, method="L-BFGS-B", options=dict(foo=1))


# ------------------------------------------------------------------ bad input, NaN

def test_infeasible_bounds():
    with pytest.raises(ValueError, match="upper bound is less than"):
        minimize(rosen, [0.0, 0.0], method="L-BFGS-B", bounds=[(1, 0), (0, 1)])
    with pytest.raises(ValueError, match="lower bounds is greater than an upper"):
        minimize_lbfgsb(rosen, np.zeros(2), bounds=(np.array([1.0, 0]), np.array([0.0, 1])))


@pytest.mark.parametrize("options, text", [(dict(maxcor=0), "maxcor"), (dict(maxls=0), "maxls"),
                                           (dict(ftol=-1.0), "ftol")])
def test_bad_options_are_refused_before_any_evaluation(options, text):
    calls = []
    with pytest.raises(ValueError, match=text):
        minimize(lambda x: calls.append(1) or rosen(x), [0.0, 0.0], method="L-BFGS-B",
                 options=options)
    assert calls == []


def test_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        minimize(rosen, [0.0, 0.0], jac=lambda x: np.zeros(3), method="L-BFGS-B")


def test_nan_mid_run_rejects_the_step():
    def f(x):
        return np.nan if x[0] > 0.5 else rosen(x)

    def g(x):
        return np.full(2, np.nan) if x[0] > 0.5 else rosen_der(x)

    res = minimize(f, [-1.2, 1.0], jac=g, method="L-BFGS-B")
    assert np.isfinite(res.fun) and res.x[0] <= 0.5
    assert res.fun < rosen(np.array([-1.2, 1.0]))
    assert res.fun == f(res.x)


def test_overflow_mid_run_rejects_the_step():
    def f(x):
        return float(np.exp(x[0]) - 3 * x[0] + x[1] ** 2) if x[0] < 50 else np.inf

    res = minimize(f, [60.0 - 20, 1.0], method="L-BFGS-B")
    assert_allclose(res.x, [np.log(3.0), 0.0], atol=1e-4)


def test_nan_at_the_start_ends_abnormally():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = minimize(lambda x: np.nan, [1.0, 2.0], method="L-BFGS-B")
    assert res.status == 2 and res.message == "ABNORMAL: " and not res.success
    assert_allclose(res.x, [1.0, 2.0])


def test_input_is_not_mutated():
    x0 = np.array([-1.2, 1.0])
    lo, hi = np.array([-2.0, -1.0]), np.array([0.5, 2.0])
    from refopt import Bounds

    minimize(rosen, x0, jac=rosen_der, bounds=Bounds(lo, hi))
    assert_allclose(x0, [-1.2, 1.0]) and assert_allclose(lo, [-2, -1])
