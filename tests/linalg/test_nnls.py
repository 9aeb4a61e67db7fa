"""NNLS, LDP, LSI and LSEI (refopt.linalg.nnls) against optimality conditions and enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import refopt
from refopt.linalg import nnls as lh

seeds = st.integers(0, 2**32 - 1)


def random_problem(seed, m, n):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n)), rng.normal(size=m)


def brute_force_nnls(A, b):
    """The least residual over every support whose unconstrained solution is positive."""
    m, n = A.shape
    best = (np.linalg.norm(b), np.zeros(n))
    for k in range(1, n + 1):
        for support in itertools.combinations(range(n), k):
            cols = list(support)
            z, *_ = np.linalg.lstsq(A[:, cols], b, rcond=None)
            if np.all(z > 0):
                x = np.zeros(n)
                x[cols] = z
                r = np.linalg.norm(A @ x - b)
                if r < best[0]:
                    best = (r, x)
    return best


@given(seeds, st.integers(1, 7), st.integers(1, 6))
def test_nnls_satisfies_kkt(seed, m, n):
    A, b = random_problem(seed, m, n)
    x, rnorm = refopt.nnls(A, b, maxiter=50 * n)
    w = A.T @ (b - A @ x)
    scale = np.linalg.norm(A) * (np.linalg.norm(b) + 1.0)
    assert np.all(x >= 0)
    assert np.all(w <= 1e-10 * scale)                     # dual feasibility
    assert np.all(np.abs(w[x > 0]) <= 1e-10 * scale)      # complementarity
    assert rnorm == pytest.approx(np.linalg.norm(A @ x - b), rel=1e-12, abs=1e-12 * scale)


@given(seeds, st.integers(1, 7), st.integers(1, 5))
def test_nnls_equals_enumeration_of_active_sets(seed, m, n):
    A, b = random_problem(seed, m, n)
    x, rnorm = refopt.nnls(A, b, maxiter=50 * n)
    best, x_best = brute_force_nnls(A, b)
    assert rnorm == pytest.approx(best, rel=1e-9, abs=1e-12)
    if m >= n:  # full column rank (almost surely): the minimiser is unique
        np.testing.assert_allclose(x, x_best, atol=1e-8 * (1 + np.abs(x_best).max()))


def test_nnls_public_face_like_scipy():
    A = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    x, rnorm = refopt.nnls(A, np.array([2.0, 1.0, 1.0]))
    np.testing.assert_allclose(x, [1.5, 1.0], rtol=1e-15)
    assert rnorm == pytest.approx(np.sqrt(0.5), rel=1e-15)
    x, rnorm = refopt.nnls(A, [[-1.0], [-1.0], [-1.0]])  # a column is accepted
    assert np.all(x == 0) and rnorm == pytest.approx(np.sqrt(3.0))


@pytest.mark.parametrize("A, b, message", [
    (np.ones(3), np.ones(3), "Expected a 2D array"),
    (np.ones((3, 2)), np.ones((3, 2)), "Expected a 1D array"),
    (np.ones((3, 2)), np.ones(4), "Incompatible dimensions"),
    (np.array([[np.nan, 1.0]]), np.ones(1), "infs or NaNs"),
])
def test_nnls_rejects_bad_input(A, b, message):
    with pytest.raises(ValueError, match=message):
        refopt.nnls(A, b)


def test_nnls_iteration_limit_raises():
    A, b = random_problem(3, 20, 10)
    b = A @ np.abs(np.random.default_rng(0).normal(size=10))  # all variables positive
    with pytest.raises(RuntimeError, match="Maximum number of iterations reached."):
        refopt.nnls(A, b, maxiter=1)


def test_nnls_does_not_modify_its_input():
    A, b = random_problem(1, 6, 4)
    A0, b0 = A.copy(), b.copy()
    refopt.nnls(A, b)
    assert np.array_equal(A, A0) and np.array_equal(b, b0)


@given(seeds, st.integers(2, 8))
def test_householder_maps_onto_a_nonnegative_multiple_of_e1(seed, k):
    x = np.random.default_rng(seed).normal(size=k)
    v, tau, beta = lh.householder(x)
    H = np.eye(k) - tau * np.outer(v, v)
    np.testing.assert_allclose(H @ x, np.r_[beta, np.zeros(k - 1)], atol=1e-14 * beta)
    np.testing.assert_allclose(H @ H.T, np.eye(k), atol=1e-14)
    assert beta >= 0


def projection_by_enumeration(G, h):
    """min ||x|| s.t. G x >= h: the KKT point among all active sets (None if none)."""
    m, n = G.shape
    if np.all(h <= 0):
        return np.zeros(n)
    for k in range(1, min(m, n) + 1):
        for active in itertools.combinations(range(m), k):
            Ga, ha = G[list(active)], h[list(active)]
            gram = Ga @ Ga.T
            if np.linalg.cond(gram) > 1e10:
                continue
            u = np.linalg.solve(gram, ha)
            x = Ga.T @ u
            if np.all(u >= -1e-12) and np.all(G @ x >= h - 1e-9):
                return x
    return None


@given(seeds, st.integers(1, 5), st.integers(1, 4))
def test_ldp_is_the_projection_of_the_origin_onto_a_polyhedron(seed, m, n):
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(m, n))
    inside = rng.normal(size=n)
    h = G @ inside - rng.uniform(0.0, 1.0, size=m)  # `inside` is feasible: never empty
    found = lh.ldp(G, h)
    assert found.mode == lh.SOLVED
    x_star = projection_by_enumeration(G, h)
    assert x_star is not None
    np.testing.assert_allclose(found.x, x_star, atol=1e-9 * (1 + np.linalg.norm(x_star)))
    assert np.all(G @ found.x >= h - 1e-9)
    np.testing.assert_allclose(G.T @ found.ineq_multipliers, found.x, atol=1e-9)  # x = G^T u


def test_ldp_reports_incompatible_constraints():
    G = np.array([[1.0], [-1.0]])  # x >= 1 and x <= 0
    assert lh.ldp(G, np.array([1.0, 0.0])).mode == lh.INCOMPATIBLE


@given(seeds, st.integers(0, 3))
def test_lsei_equals_the_equality_constrained_normal_equations(seed, me):
    rng = np.random.default_rng(seed)
    n = 4
    A, b = rng.normal(size=(6, n)), rng.normal(size=6)
    E, f = rng.normal(size=(me, n)), rng.normal(size=me)
    kkt = np.block([[A.T @ A, E.T], [E, np.zeros((me, me))]])
    solution = np.linalg.solve(kkt, np.r_[A.T @ b, f])
    x_star, lam_star = solution[:n], -solution[n:]
    G = rng.normal(size=(3, n))
    h = G @ x_star - 1.0  # every inequality inactive at x_star
    found = lh.lsei(A, b, E, f, G, h)
    assert found.mode == lh.SOLVED
    np.testing.assert_allclose(found.x, x_star, atol=1e-10 * (1 + np.abs(x_star).max()))
    np.testing.assert_allclose(found.eq_multipliers, lam_star, atol=1e-8 * (1 + np.abs(np.r_[0.0, lam_star]).max()))
    assert np.all(found.ineq_multipliers == 0)
    assert found.norm == pytest.approx(np.linalg.norm(A @ x_star - b), rel=1e-9)


@given(seeds)
def test_lsei_satisfies_kkt_with_active_inequalities(seed):
    rng = np.random.default_rng(seed)
    n = 4
    A, b = rng.normal(size=(5, n)), rng.normal(size=5)
    E, f = rng.normal(size=(1, n)), rng.normal(size=1)
    G, h = rng.normal(size=(4, n)), rng.normal(size=4)
    found = lh.lsei(A, b, E, f, G, h)
    if found.mode == lh.INCOMPATIBLE:
        return
    assert found.mode == lh.SOLVED
    x, lam, mu = found.x, found.eq_multipliers, found.ineq_multipliers
    # each test relative to the size of the terms it adds (vertex solutions with large
    # multipliers occur when the constraints nearly clash)
    row_scale = 1.0 + np.abs(G) @ np.abs(x) + np.abs(h)
    assert np.all(np.abs(E @ x - f) <= 1e-10 * (1.0 + np.abs(E) @ np.abs(x) + np.abs(f)))
    assert np.all(G @ x - h >= -1e-10 * row_scale) and np.all(mu >= 0)
    assert np.all(np.abs(G @ x - h)[mu > 0] <= 1e-10 * row_scale[mu > 0])
    terms = (np.abs(A.T) @ np.abs(A @ x - b) + np.abs(E.T) @ np.abs(lam)
             + np.abs(G.T) @ np.abs(mu))
    assert np.all(np.abs(A.T @ (A @ x - b) - E.T @ lam - G.T @ mu) <= 1e-10 * (1.0 + terms))


def test_lsei_status_codes():
    A, b = np.eye(2), np.zeros(2)
    assert lh.lsei(A, b, np.ones((3, 2)), np.ones(3), np.zeros((0, 2)), np.zeros(0)).mode == 2
    assert lh.lsei(A, b, np.zeros((1, 2)), np.ones(1), np.zeros((0, 2)), np.zeros(0)).mode == 6
    singular = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert lh.lsei(singular, b, np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)),
                   np.zeros(0)).mode == 7
    assert lh.lsei(singular, b, np.zeros((0, 2)), np.zeros(0), np.eye(2),
                   np.zeros(2)).mode == 5


@given(seeds, st.integers(1, 4), st.integers(1, 3))
def test_lsi_satisfies_kkt(seed, n, mg):
    rng = np.random.default_rng(seed)
    A, b = rng.normal(size=(n + 1, n)), rng.normal(size=n + 1)
    G = rng.normal(size=(mg, n))
    h = G @ rng.normal(size=n) - rng.uniform(0, 1, size=mg)
    found = lh.lsi(A, b, G, h)
    assert found.mode == lh.SOLVED
    x, mu = found.x, found.ineq_multipliers
    assert np.all(G @ x >= h - 1e-9) and np.all(mu >= 0)
    np.testing.assert_allclose(A.T @ (A @ x - b), G.T @ mu, atol=1e-8)
    assert found.norm == pytest.approx(np.linalg.norm(A @ x - b), rel=1e-9)


# The cases of scipy's own NNLS tests (scipy/optimize/tests/test__nnls.py, 1.17) with answers
# true by construction: b = A x for a nonnegative x, so the residual is zero and, where the
# columns on x's support determine it, x is the solution.

def test_consistent_system_with_rank_two_matrix_has_zero_residual():
    A = np.arange(25.0).reshape(-1, 5)  # rank 2: many nonnegative solutions fit exactly
    b = A @ np.arange(5.0)
    x, rnorm = refopt.nnls(A, b)
    assert np.all(x >= 0) and rnorm < 1e-7 and np.linalg.norm(A @ x - b) < 1e-7


@pytest.mark.parametrize("shape", [(50, 10), (100, 120)], ids=["tall", "wide"])
def test_sparse_nonnegative_solution_is_recovered(shape):
    rng = np.random.default_rng(1685225766635251)
    A = rng.uniform(-10, 10, size=shape)
    x = np.abs(rng.uniform(-2, 2, size=shape[1]))
    x[::2] = 0  # half the variables at their bound
    x_found, rnorm = refopt.nnls(A, A @ x)
    np.testing.assert_allclose(x_found, x, rtol=0, atol=1e-10)
    assert rnorm < 1e-12


def test_iteration_limit_on_a_wide_problem():
    rng = np.random.default_rng(1685225766635251)
    with pytest.raises(RuntimeError):
        refopt.nnls(rng.uniform(size=(5, 10)), rng.uniform(size=5), maxiter=1)


def test_rows_of_zeros_and_a_column_right_side():
    # two zero rows, as in scikit-learn's case (scipy issue 22791): KKT still holds
    rng = np.random.default_rng(42)
    A = rng.normal(size=(5, 12))
    A[:2] = 0.0
    b = rng.normal(size=5)
    x, rnorm = refopt.nnls(A, b[:, None])
    w = A.T @ (b - A @ x)
    assert np.all(x >= 0) and np.all(w[x == 0] <= 1e-10) and np.allclose(w[x > 0], 0, atol=1e-10)
    assert rnorm == pytest.approx(np.linalg.norm(A @ x - b), abs=1e-14)
