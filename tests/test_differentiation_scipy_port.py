"""scipy's own sparse finite-difference tests, ported by hand (no scipy imported).

From scipy's ``optimize/tests/test__numdiff.py`` (1.17): ``test_group_columns``, the class
``TestApproxDerivativeSparse`` (the tridiagonal example of Nocedal & Wright, *Numerical
Optimization*, 2nd ed., p. 198, whose Jacobian is known in closed form) and the
vector-to-vector case of ``TestApproxDerivativeLinearOperator``, rewritten on refopt's
CSRMatrix. scipy's process pool for ``workers`` is replaced by a map-like callable that
evaluates the points itself (the same contract; ``test_differentiation.py`` runs a pool).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from refopt import approx_derivative
from refopt.differentiation import group_columns
from refopt.linalg.sparse import CSRMatrix

BANDED_WITH_EMPTY_ROW = np.array([
    [1, 1, 0, 0, 0, 0],
    [1, 1, 1, 0, 0, 0],
    [0, 1, 1, 1, 0, 0],
    [0, 0, 1, 1, 1, 0],
    [0, 0, 0, 1, 1, 1],
    [0, 0, 0, 0, 1, 1],
    [0, 0, 0, 0, 0, 0],
])


@pytest.mark.parametrize("transform", [np.asarray, CSRMatrix, lambda A: CSRMatrix(A).tocoo()],
                         ids=["dense", "csr", "coo"])
def test_group_columns_in_a_given_order(transform):
    A = transform(BANDED_WITH_EMPTY_ROW)
    # natural order on a band of three: the columns cycle through three groups
    assert np.array_equal(group_columns(A, np.arange(6)), [0, 1, 2, 0, 1, 2])
    # by hand: 1 opens group 0; 2 shares rows with 1 and opens 1; 4 shares none with 1
    # and joins 0; 3 meets 1, 2 and 4 and opens 2; 5 meets 4 (0) and 3 (2): group 1;
    # 0 meets 1 (0) and 2 (1): group 2
    assert np.array_equal(group_columns(A, [1, 2, 4, 3, 5, 0]), [2, 0, 1, 2, 0, 1])
    assert np.array_equal(group_columns(A), group_columns(A))   # no hidden randomness


N = 50
LB = -0.1 * (1 + np.arange(N))
UB = 0.1 * (1 + np.arange(N))
X0 = np.where(np.arange(N) % 2 == 0, (1 - 1e-7) * LB, (1 - 1e-7) * UB)   # next to a bound


def nocedal_wright(x):
    e = x[1:]**3 - x[:-1]**2
    return np.hstack((0, 3 * e)) + np.hstack((2 * e, 0))


def nocedal_wright_jacobian(x):
    i = np.arange(1, x.size - 1)
    J = np.zeros((x.size, x.size))
    J[i, i - 1] = -6 * x[i - 1]
    J[i, i] = 9 * x[i]**2 - 4 * x[i]
    J[i, i + 1] = 6 * x[i + 1]**2
    J[0, :2] = -4 * x[0], 6 * x[1]**2
    J[-1, -2:] = -6 * x[-2], 9 * x[-1]**2
    return J


def tridiagonal_structure(n):
    return (np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1).astype(int)


def evaluating_map(fun, points):
    """A map-like ``workers`` that evaluates every point before returning (as a pool does)."""
    return [fun(x) for x in points]


J_TRUE = nocedal_wright_jacobian(X0)
STRUCTURE = tridiagonal_structure(N)
NATURAL_GROUPS = group_columns(STRUCTURE, np.arange(N))
SHUFFLED_GROUPS = group_columns(STRUCTURE, np.random.default_rng(121091202).permutation(N))


@pytest.mark.parametrize("method, groups, lb, ub, workers", list(itertools.product(
    ["2-point", "3-point", "cs"], [NATURAL_GROUPS, SHUFFLED_GROUPS], [-np.inf, LB],
    [np.inf, UB], [map, evaluating_map])))
def test_sparse_differences_with_given_groups(method, groups, lb, ub, workers):
    J = approx_derivative(nocedal_wright, X0, method=method, bounds=(lb, ub),
                          sparsity=(STRUCTURE, groups), workers=workers)
    assert isinstance(J, CSRMatrix)
    np.testing.assert_allclose(J.toarray(), J_TRUE, rtol=1e-6)
    # relative steps of alternating sign, without bounds
    rel_step = np.where(np.arange(N) % 2 == 0, -1e-8, 1e-8)
    J = approx_derivative(nocedal_wright, X0, method=method, rel_step=rel_step,
                          sparsity=(STRUCTURE, groups), workers=workers)
    np.testing.assert_allclose(J.toarray(), J_TRUE, rtol=1e-5)


def test_sparse_differences_group_the_columns_themselves():
    J = approx_derivative(nocedal_wright, X0, sparsity=STRUCTURE)
    np.testing.assert_allclose(J.toarray(), J_TRUE, rtol=1e-6)


@pytest.mark.parametrize("method", ["2-point", "3-point", "cs"])
def test_one_column_a_group_is_the_dense_jacobian(method):
    dense = approx_derivative(nocedal_wright, X0, method=method)
    sparse = approx_derivative(nocedal_wright, X0, method=method,
                               sparsity=(np.ones((N, N), dtype=int), np.arange(N)))
    np.testing.assert_allclose(sparse.toarray(), dense, rtol=5e-16, atol=7e-15)


def vector_function(x):
    return np.array([x[0] * np.sin(x[1]), x[1] * np.cos(x[0]), x[0]**3 * x[1]**-0.5])


def vector_jacobian(x):
    return np.array([[np.sin(x[1]), x[0] * np.cos(x[1])],
                     [-x[1] * np.sin(x[0]), np.cos(x[0])],
                     [3 * x[0]**2 * x[1]**-0.5, -0.5 * x[0]**3 * x[1]**-1.5]])


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-5), ("3-point", 1e-6), ("cs", 1e-7)])
def test_the_directional_difference_operator_of_a_vector_function(method, rtol):
    x0 = np.array([-100.0, 0.2])
    J = approx_derivative(vector_function, x0, method=method, as_linear_operator=True)
    exact = vector_jacobian(x0)
    for p in np.random.default_rng(11290049580398).uniform(-10, 10, size=(10, 2)):
        np.testing.assert_allclose(J.dot(p), exact @ p, rtol=rtol)
