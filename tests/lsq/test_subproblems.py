"""The trust-region subproblem solvers (refopt.lsq.subproblems) against closed forms, brute
force and Moré's conditions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from refopt.lsq import subproblems as sp

from ..helpers import vectors

# matrix entries on a 1e-3 grid: no subnormal numbers, whose reciprocals overflow
entries = st.floats(-10, 10).map(lambda v: round(v, 3))


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
    p, alpha, n_iter = sp.solve_lsq_trust_region(n, m, uf, s, V, Delta)
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
    p, alpha, n_iter = sp.solve_lsq_trust_region(2, 3, uf, s, V, Delta=10.0)
    np.testing.assert_allclose(p, [1.0, 1.0])
    assert (alpha, n_iter) == (0.0, 0)


def test_solve_lsq_trust_region_diagonal_closed_form():
    # J = I: p(alpha) = -f / (1 + alpha), so the solution is -Delta f / ||f||, alpha = ||f||/Delta - 1
    f = np.array([3.0, 4.0])
    uf, s, V = svd_inputs(np.eye(2), f)
    p, alpha, _ = sp.solve_lsq_trust_region(2, 2, uf, s, V, Delta=1.0)
    np.testing.assert_allclose(p, -f / 5, rtol=1e-12)
    assert alpha == pytest.approx(4.0, rel=0.05)


def test_solve_lsq_trust_region_rank_deficient_stays_on_sphere():
    J = np.array([[1.0, 1.0], [1.0, 1.0]])
    f = np.array([1.0, 2.0])
    uf, s, V = svd_inputs(J, f)
    p, alpha, n_iter = sp.solve_lsq_trust_region(2, 2, uf, s, V, Delta=0.1)
    assert n_iter > 0 and alpha > 0
    assert np.linalg.norm(p) == pytest.approx(0.1)


@given(st.floats(0, 10), arrays(float, 3, elements=st.floats(0.1, 5)),
       arrays(float, 3, elements=st.floats(-5, 5)), st.floats(0.1, 5))
def test_phi_derivative_matches_finite_difference(alpha, s, uf, Delta):
    suf = s * uf
    assume(np.linalg.norm(suf) > 1e-3)
    phi, dphi = sp.phi_and_derivative(alpha, suf, s, Delta)
    h = 1e-6 * (1 + alpha)
    numeric = (sp.phi_and_derivative(alpha + h, suf, s, Delta)[0]
               - sp.phi_and_derivative(alpha - h, suf, s, Delta)[0]) / (2 * h)
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
    p, newton = sp.solve_trust_region_2d(B, g, Delta)
    assert p @ p <= Delta**2 * (1 + 1e-9)

    def q(P):
        return 0.5 * np.sum(P * (B @ P), axis=0) + g @ P

    angles = np.linspace(0, 2 * np.pi, 20001)
    ring = Delta * np.vstack((np.cos(angles), np.sin(angles)))
    candidates = q(ring).min()
    if newton:
        np.testing.assert_allclose(B @ p, -g, atol=1e-8 * (1 + np.abs(B).max() * Delta))
    assert q(p[:, None])[0] <= candidates + 1e-6 * (1 + abs(candidates))


@given(vectors(3), vectors(3), st.floats(0.1, 20))
def test_intersect_trust_region_roots_lie_on_the_sphere(x, s, Delta):
    assume(np.linalg.norm(s) > 1e-3 and np.linalg.norm(x) < Delta)
    t_neg, t_pos = sp.intersect_trust_region(x, s, Delta)
    assert t_neg <= 0 <= t_pos
    for t in (t_neg, t_pos):
        assert np.linalg.norm(x + t * s) == pytest.approx(Delta, rel=1e-9)


def test_intersect_trust_region_errors():
    with pytest.raises(ValueError, match="`s` is zero."):
        sp.intersect_trust_region(np.zeros(2), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="not within the trust region"):
        sp.intersect_trust_region(np.array([2.0, 0.0]), np.ones(2), 1.0)
