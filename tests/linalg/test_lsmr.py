"""LSMR (refopt.linalg.lsmr) against independently computed least-squares solutions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from refopt.linalg.lsmr import STOP_MESSAGES, lsmr, sym_ortho
from refopt.linalg.operators import (
    LinearOperator, aslinearoperator, regularized_lsq_operator, right_multiplied_operator,
)


@st.composite
def full_rank_problems(draw, square=False):
    """A well-conditioned random A (m >= n), b, from a seed."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 8))
    m = n if square else draw(st.integers(n, 15))
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    assume(np.linalg.cond(A) < 1e3)
    b = rng.standard_normal(m)
    return A, b


TIGHT = dict(atol=1e-12, btol=1e-12, conlim=1e12)


@given(full_rank_problems())
def test_solution_is_the_least_squares_solution(problem):
    A, b = problem
    x, istop, itn = lsmr(A, b, maxiter=10 * A.shape[1], **TIGHT)[:3]
    expected = np.linalg.lstsq(A, b, rcond=None)[0]
    assert istop in (1, 2, 4, 5)
    np.testing.assert_allclose(x, expected, rtol=1e-7, atol=1e-9)


@given(full_rank_problems(), st.floats(0.01, 10.0))
def test_damped_solution_solves_the_regularised_normal_equations(problem, damp):
    A, b = problem
    n = A.shape[1]
    x = lsmr(A, b, damp=damp, maxiter=10 * n, **TIGHT)[0]
    expected = np.linalg.solve(A.T @ A + damp**2 * np.eye(n), A.T @ b)
    np.testing.assert_allclose(x, expected, rtol=1e-7, atol=1e-9)


@given(full_rank_problems())
def test_reported_norms_match_the_returned_x(problem):
    A, b = problem
    x, istop, itn, normr, normar, norma, conda, normx = lsmr(A, b, **TIGHT)
    r = b - A @ x
    assert normr == pytest.approx(np.linalg.norm(r), rel=1e-6, abs=1e-12)
    assert normar == pytest.approx(np.linalg.norm(A.T @ r), rel=1e-3, abs=1e-10)
    assert normx == pytest.approx(np.linalg.norm(x), rel=1e-12)
    # ||A||_F estimate from B_k never exceeds the true Frobenius norm (up to rounding)
    assert norma <= np.linalg.norm(A) * (1 + 1e-12)
    assert conda >= 1


@given(full_rank_problems())
def test_normal_equation_residual_decreases_monotonically(problem):
    """§4 of the paper: ||A^T r_k|| never increases with k."""
    A, b = problem
    n = A.shape[1]
    normars = [lsmr(A, b, maxiter=k, atol=0, btol=0, conlim=0)[4] for k in range(1, n + 1)]
    assert all(later <= earlier * (1 + 1e-8) + 1e-14
               for earlier, later in zip(normars, normars[1:]))


@given(full_rank_problems(square=True))
def test_compatible_square_system_stops_with_istop_1(problem):
    A, _ = problem
    x_true = np.arange(1.0, A.shape[1] + 1)
    b = A @ x_true
    x, istop = lsmr(A, b, maxiter=10 * A.shape[1])[:2]
    assert istop in (1, 4)
    # test 1 with the true norms (the estimate of ||A|| is at most the Frobenius norm)
    bound = 1e-6 * np.linalg.norm(b) + 1e-6 * np.linalg.norm(A) * np.linalg.norm(x)
    assert np.linalg.norm(b - A @ x) <= 1.01 * bound


def test_inconsistent_system_stops_with_istop_2():
    A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    b = np.array([1.0, 0.01, -1.0])
    x, istop, itn, normr = lsmr(A, b)[:4]
    expected = np.linalg.lstsq(A, b, rcond=None)[0]
    assert istop == 2
    np.testing.assert_allclose(x, expected, rtol=1e-6)
    assert normr == pytest.approx(np.linalg.norm(A @ expected - b), rel=1e-6)


def test_zero_right_hand_side_gives_zero_and_istop_0():
    A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    x, istop, itn = lsmr(A, np.zeros(3))[:3]
    assert istop == 0 and itn == 0
    assert np.array_equal(x, np.zeros(2))


def test_exact_x0_stops_at_once_with_istop_0():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x0 = np.array([0.5, -1.5])
    x, istop, itn = lsmr(A, A @ x0, x0=x0)[:3]
    assert istop == 0 and itn == 0
    np.testing.assert_array_equal(x, x0)


def test_b_orthogonal_to_the_range_gives_zero():
    A = np.array([[1.0], [0.0]])
    x, istop, itn, normr, normar = lsmr(A, [0.0, 3.0])[:5]
    assert (istop, itn, normr, normar) == (0, 0, 3.0, 0.0)
    assert np.array_equal(x, [0.0])


def test_maxiter_limits_the_iterations_with_istop_7():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((30, 20))
    b = rng.standard_normal(30)
    x, istop, itn = lsmr(A, b, maxiter=3)[:3]
    assert (istop, itn) == (7, 3)
    full = lsmr(A, b, atol=1e-12, btol=1e-12, maxiter=200)
    assert np.linalg.norm(A.T @ (b - A @ x)) > full[4]


def test_default_maxiter_is_min_m_n():
    A = np.vander(np.linspace(0, 1, 12), 9)   # ill-conditioned: needs many iterations
    b = np.ones(12)
    itn = lsmr(A, b, atol=0, btol=0, conlim=0)[2]
    assert itn == 9


def test_conlim_stops_an_ill_conditioned_problem_with_istop_3():
    A = np.vander(np.linspace(0, 1, 30), 12)
    b = np.sin(np.linspace(0, 3, 30))
    x, istop, itn, *_, conda, _ = lsmr(A, b, atol=0, btol=0, conlim=1e3, maxiter=100)
    assert istop == 3
    assert conda >= 1e3


def test_zero_tolerances_fall_back_to_machine_precision():
    A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    istop = lsmr(A, [1.0, 0.01, -1.0], atol=0, btol=0, conlim=0, maxiter=50)[1]
    assert istop in (4, 5, 6)


def test_operator_inputs_give_the_same_bits_as_the_dense_matrix():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((9, 5))
    b = rng.standard_normal(9)

    class Duck:            # only shape, matvec, rmatvec: e.g. a scipy LinearOperator
        shape = A.shape

        def matvec(self, x):
            return A.dot(x)

        def rmatvec(self, y):
            return A.T.dot(y)

    dense = lsmr(A, b, damp=0.3)
    for operator in (Duck(), aslinearoperator(A),
                     LinearOperator(A.shape, A.dot, A.T.dot)):
        result = lsmr(operator, b, damp=0.3)
        np.testing.assert_array_equal(result[0], dense[0])
        assert result[1:] == dense[1:]


def test_inputs_are_not_modified():
    rng = np.random.default_rng(8)
    A = rng.standard_normal((6, 4))
    b = rng.standard_normal(6)
    x0 = rng.standard_normal(4)
    copies = A.copy(), b.copy(), x0.copy()
    lsmr(A, b, x0=x0)
    lsmr(A, b)
    for original, copy in zip((A, b, x0), copies):
        np.testing.assert_array_equal(original, copy)


def test_wide_matrix_gives_the_minimum_norm_solution():
    rng = np.random.default_rng(9)
    A = rng.standard_normal((3, 7))
    b = rng.standard_normal(3)
    x = lsmr(A, b, **TIGHT, maxiter=50)[0]
    np.testing.assert_allclose(x, np.linalg.pinv(A) @ b, rtol=1e-8, atol=1e-10)


def test_show_prints_a_log(capsys):
    A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    lsmr(A, [1.0, 0.01, -1.0], show=True)
    out = capsys.readouterr().out
    assert "LSMR finished" in out and STOP_MESSAGES[2] in out


@given(st.floats(-1e300, 1e300), st.floats(-1e300, 1e300))
def test_sym_ortho_is_a_rotation_onto_the_first_axis(a, b):
    c, s, r = sym_ortho(a, b)
    assert c * c + s * s == pytest.approx(1.0) or (a == 0 and b == 0)
    assert c * a + s * b == pytest.approx(r, rel=1e-12, abs=1e-300)
    assert -s * a + c * b == pytest.approx(0.0, abs=1e-12 * max(abs(a), abs(b), 1e-300))
    assert abs(r) == pytest.approx(np.hypot(a, b), rel=1e-12)


def test_scaled_and_stacked_operators_equal_their_dense_matrices():
    rng = np.random.default_rng(10)
    J = rng.standard_normal((5, 3))
    d = rng.uniform(0.5, 2, 3)
    e = rng.uniform(0.5, 2, 3)
    x = rng.standard_normal(3)
    y = rng.standard_normal(5)
    X = rng.standard_normal((3, 2))
    Jd = right_multiplied_operator(J, d)
    np.testing.assert_allclose(Jd.dot(x), (J * d) @ x)
    np.testing.assert_allclose(Jd.rmatvec(y), (J * d).T @ y)
    np.testing.assert_allclose(Jd.dot(X), (J * d) @ X)
    stacked = regularized_lsq_operator(J, e)
    dense = np.vstack((J, np.diag(e)))
    z = rng.standard_normal(8)
    assert stacked.shape == (8, 3)
    np.testing.assert_allclose(stacked.matvec(x), dense @ x)
    np.testing.assert_allclose(stacked.rmatvec(z), dense.T @ z)
    np.testing.assert_allclose(stacked.dot(X), dense @ X)


@pytest.mark.parametrize("bad", [np.ones(3), "matrix", np.ones((2, 2), dtype=complex)])
def test_aslinearoperator_refuses_what_is_not_a_real_matrix(bad):
    with pytest.raises(TypeError, match="2-D array"):
        aslinearoperator(bad)


@pytest.mark.parametrize("b, x0, name", [(np.ones(4), None, "`b`"), (np.ones(3), np.ones(3), "`x0`")])
def test_mismatched_shapes_are_refused(b, x0, name):
    A = np.ones((3, 2))
    with pytest.raises(ValueError, match=name):
        lsmr(A, b, x0=x0)
