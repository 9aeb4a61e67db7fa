"""MINPACK's pivoted QR (qrfac), the damped solve (qrsolv) and the safe norm (enorm).

Properties checked against their definitions: A P = Q R with Q orthogonal and |diag R|
non-increasing; qrsolv against the normal equations of the damped problem (numpy's solve as
the independent reference); enorm against a rescaled plain norm across the exponent range.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refopt.linalg import enorm, qrfac, qrsolv
from refopt.linalg.qr import column_norms, dot_sequential, givens


@st.composite
def matrices(draw, min_rows=1, max_rows=9, max_cols=6, rank_deficient=False):
    m = draw(st.integers(min_rows, max_rows))
    n = draw(st.integers(1, min(max_cols, m) if min_rows > 1 else max_cols))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-3, 3, size=n)  # badly scaled columns exercise pivoting
    a = rng.standard_normal((m, n)) * scales
    if rank_deficient and n >= 2:
        a[:, -1] = 2.0 * a[:, 0]  # an exactly dependent column
    return a


def householder_q(qr: np.ndarray) -> np.ndarray:
    """Q = Q_1 ... Q_p from the stored vectors u_j (Q_j = I - u_j u_j^T / u_j[j])."""
    m, n = qr.shape
    q = np.eye(m)
    for j in range(min(m, n)):
        u = np.zeros(m)
        u[j:] = qr[j:, j]
        if u[j] != 0.0:
            q = q @ (np.eye(m) - np.outer(u, u) / u[j])
    return q


def r_factor(qr: np.ndarray, rdiag: np.ndarray) -> np.ndarray:
    m, n = qr.shape
    r = np.triu(qr)[: min(m, n)]
    r[np.arange(min(m, n)), np.arange(min(m, n))] = rdiag[: min(m, n)]
    return r


@given(matrices())
def test_qrfac_reconstructs_a_p(a):
    qr, ipvt, rdiag, acnorm = qrfac(a)
    q = householder_q(qr)
    k = min(a.shape)
    np.testing.assert_allclose(q.T @ q, np.eye(a.shape[0]), atol=1e-12)
    scale = np.abs(a).max()
    np.testing.assert_allclose(q[:, :k] @ r_factor(qr, rdiag), a[:, ipvt], atol=1e-12 * scale)
    assert sorted(ipvt) == list(range(a.shape[1]))
    np.testing.assert_allclose(acnorm, np.linalg.norm(a, axis=0), rtol=1e-14)


@given(matrices(min_rows=2))
def test_qrfac_diagonal_is_non_increasing(a):
    _, _, rdiag, _ = qrfac(a)
    d = np.abs(rdiag[: min(a.shape)])
    assert np.all(d[1:] <= d[:-1] * (1 + 1e-12) + 1e-12 * d[0])


@given(matrices(min_rows=2, rank_deficient=True))
def test_qrfac_reveals_a_dependent_column(a):
    _, _, rdiag, _ = qrfac(a)
    if a.shape[1] >= 2:
        assert abs(rdiag[a.shape[1] - 1]) <= 1e-10 * abs(rdiag[0])


def test_qrfac_does_not_modify_its_input():
    a = np.arange(12.0).reshape(4, 3) ** 1.5
    before = a.copy()
    qrfac(a)
    np.testing.assert_array_equal(a, before)


def test_qrfac_zero_column_gives_zero_diagonal():
    a = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    _, ipvt, rdiag, acnorm = qrfac(a)
    assert list(ipvt) == [0, 1]
    assert rdiag[1] == 0.0 and acnorm[1] == 0.0
    assert abs(rdiag[0]) == pytest.approx(math.sqrt(14.0))


@given(matrices(min_rows=2), st.floats(1e-6, 1e3), st.integers(0, 2**31 - 1))
def test_qrsolv_matches_damped_normal_equations(a, par, seed):
    rng = np.random.default_rng(seed)
    m, n = a.shape
    b = rng.standard_normal(m)
    d = rng.uniform(0.1, 10.0, size=n)
    qr, ipvt, rdiag, _ = qrfac(a)
    q = householder_q(qr)
    r = np.zeros((n, n))
    r[: min(m, n)] = r_factor(qr, rdiag)[:, :n]
    qtb = (q.T @ b)[:n] if m >= n else np.concatenate([q.T @ b, np.zeros(n - m)])
    r_before = np.triu(r).copy()
    x, sdiag = qrsolv(r, ipvt, math.sqrt(par) * d, qtb)
    # the damped problem min ||A x - b||^2 + par ||D x||^2, by its normal equations
    expected = np.linalg.solve(a.T @ a + par * np.diag(d**2), a.T @ b)
    np.testing.assert_allclose(x, expected, rtol=1e-7, atol=1e-9 * np.abs(expected).max())
    np.testing.assert_array_equal(np.triu(r), r_before)  # R's upper triangle is kept
    # S^T S = P^T (A^T A + par D^2) P, S from sdiag and the strict lower triangle of r
    s = np.tril(r, -1).T + np.diag(sdiag)
    gram = (a.T @ a + par * np.diag(d**2))[np.ix_(ipvt, ipvt)]
    np.testing.assert_allclose(s.T @ s, gram, rtol=1e-9, atol=1e-9 * np.abs(gram).max())


def test_qrsolv_singular_r_without_damping_gives_least_squares_solution():
    # A with a zero column: R is singular, D = 0 leaves it singular; the solution keeps the
    # free component at zero and solves for the rest.
    a = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    b = np.array([1.0, 3.0, 5.0])
    qr, ipvt, rdiag, _ = qrfac(a)
    q = householder_q(qr)
    r = r_factor(qr, rdiag)[:2, :2].copy()
    x, _ = qrsolv(r, ipvt, np.zeros(2), (q.T @ b)[:2])
    np.testing.assert_allclose(x, [2.0, 0.0], atol=1e-14)


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20), st.sampled_from([1e-300, 1e-150, 1.0, 1e150, 1e300]))
def test_enorm_avoids_underflow_and_overflow(values, scale):
    x = np.array(values) * scale
    big = float(np.abs(x).max())
    expected = 0.0 if big == 0.0 else big * math.sqrt(float(np.sum((x / big) ** 2)))
    assert enorm(x) == pytest.approx(expected, rel=1e-13, abs=0.0)


def test_enorm_of_empty_and_zero_vectors():
    assert enorm(np.array([])) == 0.0
    assert enorm(np.zeros(4)) == 0.0


@given(st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=30))
def test_dot_sequential_adds_left_to_right(values):
    u = np.array(values)
    v = np.linspace(-1.0, 2.0, u.size)
    total = 0.0
    for a, b in zip(u, v):
        total += a * b
    assert float(dot_sequential(u, v)) == total


def test_givens_squares_the_tangent_as_a_product():
    # gfortran computes MINPACK's tan**2 as tan*tan; Python's ** calls pow, which differs in
    # the last bit for about one float in a thousand (this is one, and it moves cos)
    t = 0.6127902138847159
    assert t**2 != t * t
    cos, sin = givens(1.0, t)
    assert cos == 0.5 / math.sqrt(0.25 + 0.25 * (t * t)) and sin == cos * t
    sin, cos = givens(t, 1.0)[::-1]
    assert sin == 0.5 / math.sqrt(0.25 + 0.25 * (t * t))


def test_dot_sequential_matrix_sums_each_column():
    u = np.array([1.0, 2.0, 3.0])
    a = np.array([[1.0, 0.5], [0.25, 2.0], [1.0, -1.0]])
    np.testing.assert_array_equal(dot_sequential(u, a), u @ a)


# ------------------------------------------------------------------------------------------
# The vectorised steps against plain transcriptions of MINPACK's Fortran loops, bit for bit:
# the speed-ups must not move a single rounding (the evaluation counts depend on it).


def qrsolv_loops(r, ipvt, diag, qtb):
    """MINPACK's qrsolv, element by element (S^T in the lower triangle of r, as the Fortran)."""
    n = len(qtb)
    x = [0.0] * n
    wa = [float(v) for v in qtb]
    for j in range(n):  # copy R's strict upper triangle below the diagonal, save diag(R)
        for i in range(j + 1, n):
            r[i, j] = r[j, i]
        x[j] = r[j, j]
    sdiag = [0.0] * n
    for j in range(n):
        if diag[ipvt[j]] != 0.0:
            for k in range(j, n):
                sdiag[k] = 0.0
            sdiag[j] = diag[ipvt[j]]
            qtbpj = 0.0
            for k in range(j, n):
                if sdiag[k] == 0.0:
                    continue
                if abs(r[k, k]) < abs(sdiag[k]):
                    cotan = r[k, k] / sdiag[k]
                    sin = 0.5 / math.sqrt(0.25 + 0.25 * (cotan * cotan))
                    cos = sin * cotan
                else:
                    tan = sdiag[k] / r[k, k]
                    cos = 0.5 / math.sqrt(0.25 + 0.25 * (tan * tan))
                    sin = cos * tan
                r[k, k] = cos * r[k, k] + sin * sdiag[k]
                temp = cos * wa[k] + sin * qtbpj
                qtbpj = -sin * wa[k] + cos * qtbpj
                wa[k] = temp
                for i in range(k + 1, n):
                    temp = cos * r[i, k] + sin * sdiag[i]
                    sdiag[i] = -sin * r[i, k] + cos * sdiag[i]
                    r[i, k] = temp
        sdiag[j] = r[j, j]
        r[j, j] = x[j]
    nsing = n
    for j in range(n):
        if sdiag[j] == 0.0 and nsing == n:
            nsing = j
        if nsing < n:
            wa[j] = 0.0
    for j in range(nsing - 1, -1, -1):
        total = 0.0
        for i in range(j + 1, nsing):
            total = total + r[i, j] * wa[i]
        wa[j] = (wa[j] - total) / sdiag[j]
    for j in range(n):
        x[ipvt[j]] = wa[j]
    return np.array(x), np.array(sdiag)


@given(matrices(min_rows=2, max_rows=12, max_cols=8, rank_deficient=True),
       st.floats(1e-8, 1e4), st.integers(0, 2**31 - 1), st.booleans())
def test_qrsolv_equals_minpack_loops_bit_for_bit(a, par, seed, zeros_in_d):
    rng = np.random.default_rng(seed)
    m, n = a.shape
    qr, ipvt, rdiag, _ = qrfac(a)
    r = np.triu(qr[:n])
    r[np.arange(n), np.arange(n)] = rdiag
    d = math.sqrt(par) * rng.uniform(0.1, 10.0, size=n)
    if zeros_in_d:
        d[rng.random(n) < 0.5] = 0.0  # undamped columns, and a singular S when R is
    qtb = rng.standard_normal(n)
    r_loops = r.copy()
    x, sdiag = qrsolv(r, ipvt, d, qtb)
    x_loops, sdiag_loops = qrsolv_loops(r_loops, ipvt, d, qtb)
    np.testing.assert_array_equal(x, x_loops)
    np.testing.assert_array_equal(sdiag, sdiag_loops)
    np.testing.assert_array_equal(r, r_loops)


@given(matrices(max_rows=12, max_cols=8), st.sampled_from([1e-300, 1e-25, 1.0, 1e18, 1e300]),
       st.integers(0, 2**31 - 1))
def test_column_norms_equals_enorm_of_each_column_bit_for_bit(a, scale, seed):
    a = a * scale
    rng = np.random.default_rng(seed)
    a[rng.random(a.shape) < 0.2] = 0.0  # zeros are neither small nor intermediate
    expected = np.array([enorm(a[:, j]) for j in range(a.shape[1])])
    assert column_norms(a).tobytes() == expected.tobytes()


@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-15, 1e15), st.floats(-1e15, -1e-15)),
                min_size=1, max_size=30))
def test_enorm_of_intermediate_components_is_the_sequential_sum(values):
    # MINPACK's enorm with every nonzero |x_i| in (rdwarf, rgiant/n): sqrt of s2 = x_1^2 + ...
    s2 = 0.0
    for v in values:
        if v != 0.0:
            s2 = s2 + abs(v) * abs(v)  # gfortran squares by one multiplication
    assert enorm(np.array(values)) == math.sqrt(s2)


def test_enorm_propagates_nan():
    assert math.isnan(enorm(np.array([1.0, np.nan, 2.0])))
    assert math.isnan(column_norms(np.array([[1.0, 2.0], [np.nan, 3.0]]))[0])
