"""CSRMatrix against dense arithmetic: products, transposes, scalings, norms, conversions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refopt.linalg.operators import aslinearoperator
from refopt.linalg.sparse import COO, CSRMatrix, ascsr, issparse


@st.composite
def sparse_arrays(draw, max_side=9):
    """A dense (m, n) array with about half its entries zero, and some all-zero rows."""
    m, n = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    values = draw(hnp.arrays(float, (m, n), elements=st.floats(-10, 10, width=32)))
    keep = draw(hnp.arrays(bool, (m, n)))
    return np.where(keep, values, 0.0)


def vectors(size):
    return hnp.arrays(float, size, elements=st.floats(-10, 10, width=32))


@given(A=sparse_arrays(), data=st.data())
def test_products_and_transposes_equal_the_dense_ones(A, data):
    m, n = A.shape
    S = CSRMatrix(A)
    x, y = data.draw(vectors(n)), data.draw(vectors(m))
    X = data.draw(hnp.arrays(float, (n, 3), elements=st.floats(-10, 10, width=32)))
    Y = data.draw(hnp.arrays(float, (m, 2), elements=st.floats(-10, 10, width=32)))
    assert S.nnz == np.count_nonzero(A) and S.shape == A.shape
    assert np.allclose(S @ x, A @ x) and np.allclose(S.dot(X), A @ X)
    assert np.allclose(S.T @ y, A.T @ y) and np.allclose(S.T.dot(Y), A.T @ Y)
    assert np.allclose(y @ S, y @ A)
    assert np.array_equal(S.transpose().toarray(), A.T)
    assert np.array_equal(S.T.tocsr().toarray(), A.T) and S.T.T is S
    assert np.array_equal(S.toarray(), A)


def sequential_row_sums(S, x):
    """``S x`` added entry by entry in stored order: the order of scipy.sparse's loops."""
    out = [0.0] * S.shape[0]
    for i in range(S.shape[0]):
        for k in range(S.indptr[i], S.indptr[i + 1]):
            out[i] += S.data[k] * x[S.indices[k]]
    return np.array(out)


@given(A=sparse_arrays(), data=st.data())
def test_products_add_in_stored_order_for_vectors_and_blocks(A, data):
    # a block product must round as its column products do (trf multiplies J by a
    # two-column basis); np.add.reduceat would sum each row pairwise instead
    m, n = A.shape
    S = CSRMatrix(A)
    X = data.draw(hnp.arrays(float, (n, 3), elements=st.floats(-1e3, 1e3)))
    Y = data.draw(hnp.arrays(float, (m, 2), elements=st.floats(-1e3, 1e3)))
    for k in range(X.shape[1]):
        assert np.array_equal(S.dot(X)[:, k], sequential_row_sums(S, X[:, k]))
    for k in range(Y.shape[1]):
        assert np.array_equal(S.T.dot(Y)[:, k], sequential_row_sums(S.transpose(), Y[:, k]))


@given(A=sparse_arrays(), data=st.data())
def test_scalings_and_column_norms_equal_the_dense_ones(A, data):
    m, n = A.shape
    S = CSRMatrix(A)
    d, e = data.draw(vectors(m)), data.draw(vectors(n))
    assert np.array_equal(S.scale_rows(d).toarray(), d[:, None] * A)
    assert np.array_equal(S.scale_columns(e).toarray(), A * e)
    assert np.allclose(S.column_norms(), np.linalg.norm(A, axis=0))
    assert np.array_equal((2.0 * S).toarray(), 2.0 * A) and np.array_equal((-S).toarray(), -A)
    assert np.array_equal(S.toarray(), A)        # scalings return new matrices


@given(A=sparse_arrays(), data=st.data())
def test_triplets_round_trip_and_duplicates_add(A, data):
    S = CSRMatrix(A)
    coo = S.tocoo()
    assert np.array_equal(CSRMatrix((coo.data, (coo.row, coo.col)), shape=A.shape).toarray(), A)
    assert np.array_equal(coo.tocsr().toarray(), A)
    # the triplets shuffled and every entry split in two halves: the same matrix
    order = data.draw(st.permutations(range(coo.nnz)))
    row = np.concatenate((coo.row, coo.row))[order + order]
    col = np.concatenate((coo.col, coo.col))[order + order]
    half = np.concatenate((coo.data, coo.data))[order + order] / 2
    T = CSRMatrix.from_coo(row, col, half, A.shape)
    assert np.allclose(T.toarray(), A) and T.nnz == S.nnz
    assert np.array_equal(T.indices, S.indices) and np.array_equal(T.indptr, S.indptr)


class DuckSparse:
    """A sparse matrix known only by ``tocoo()`` (as a foreign library would offer it)."""

    def __init__(self, A):
        self.shape = A.shape
        self._coo = CSRMatrix(A).tocoo()

    def tocoo(self):
        return self._coo


class DuckCSR:
    """A foreign CSR matrix with unsorted columns within rows and a stored zero."""

    shape = (2, 3)
    format = "csr"

    def tocsr(self):
        return self

    data = np.array([2.0, 1.0, 0.0, 5.0])
    indices = np.array([2, 0, 1, 1])
    indptr = np.array([0, 3, 4])


def test_foreign_sparse_matrices_are_read_by_duck_typing():
    A = np.array([[1.0, 0, 2], [0, 5, 0]])
    assert issparse(DuckSparse(A)) and not issparse(A)
    assert np.array_equal(ascsr(DuckSparse(A)).toarray(), A)
    S = ascsr(DuckCSR())
    assert np.array_equal(S.toarray(), [[1.0, 0, 2], [0, 5, 0]])
    assert S.nnz == 4 and np.array_equal(S.indices, [0, 1, 2, 1])   # sorted; the zero is kept
    assert ascsr(S) is S


def test_a_csr_matrix_is_a_linear_operator():
    A = np.array([[1.0, 0, 2], [0, 5, 0]])
    op = aslinearoperator(CSRMatrix(A))
    assert np.array_equal(op.matvec(np.ones(3)), [3.0, 5.0])
    assert np.array_equal(op.rmatvec(np.ones(2)), [1.0, 5.0, 2.0])


def test_empty_rows_and_an_empty_matrix():
    A = np.zeros((3, 2))
    A[1, 1] = 4.0
    S = CSRMatrix(A)
    assert np.array_equal(S.dot(np.ones((2, 2))), A @ np.ones((2, 2)))
    Z = CSRMatrix(np.zeros((2, 3)))
    assert Z.nnz == 0 and np.array_equal(Z @ np.ones(3), np.zeros(2))
    assert np.array_equal(Z.dot(np.ones((3, 2))), np.zeros((2, 2)))
    assert np.array_equal(Z.column_norms(), np.zeros(3))


@pytest.mark.parametrize("build, message", [
    (lambda: CSRMatrix(([1.0], ([2], [0])), shape=(2, 2)), "out of range"),
    (lambda: CSRMatrix(([1.0, 2.0], ([0], [0])), shape=(2, 2)), "same length"),
    (lambda: CSRMatrix(([1.0], [0], [0, 1]), shape=(2, 2)), "inconsistent CSR arrays"),
    (lambda: CSRMatrix(np.ones((2, 2)), shape=(3, 3)), "does not match"),
    (lambda: CSRMatrix(np.ones((2, 2))) @ np.ones(3), "dimension mismatch"),
    (lambda: CSRMatrix(np.ones((2, 2))).T @ np.ones(3), "dimension mismatch"),
])
def test_bad_inputs_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match="real"):
        CSRMatrix(np.eye(2) * 1j)
    assert isinstance(COO(np.array([0]), np.array([0]), np.array([1.0]), (1, 1)).tocsr(), CSRMatrix)
