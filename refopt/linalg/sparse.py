"""A small compressed-sparse-row (CSR) matrix on numpy arrays.

A Jacobian of 100 000 residuals in 100 000 variables with three nonzeros a row holds 3·10^5
numbers; as a dense array it would hold 10^10. The iterative trust-region solvers need only
products ``J p`` and ``J^T y``, column norms and row or column scalings, so a matrix that
stores its nonzeros row by row is all they need (the format of Gustavson's "Two fast
algorithms for sparse matrices: multiplication and permuted transposition", *ACM Trans.
Math. Softw.* 4(3), 250-269, 1978, and of scipy.sparse; the book's chapter 16).

Row ``i`` of an ``m x n`` matrix occupies ``data[indptr[i]:indptr[i+1]]``, with the column
of each entry in ``indices`` at the same place::

    A[i, indices[k]] = data[k]     for indptr[i] <= k < indptr[i + 1]          (16.1)

Every operation is a handful of whole-array numpy calls, never a Python loop over rows,
columns or entries:

* ``A x`` sums ``data * x[indices]`` row by row (``np.bincount`` on the row of each entry,
  which adds a row's entries in stored order, as a sequential loop would);
* ``A^T y`` scatters ``data * y[row]`` onto the columns, again by ``np.bincount``, so that
  no transpose is ever formed for a product (``A.T`` is a view);
* a row scaling multiplies ``data`` by the scale of each entry's row, a column scaling by
  that of its column;
* building from triplets (COO) sorts the entries by row and column once (``np.lexsort``)
  and adds duplicates with ``np.bincount`` (in the order given).

Any matrix offering ``tocsr()`` (or ``tocoo()``) with numpy-like ``data``/``indices``/
``indptr`` (a scipy.sparse matrix or array) is read by duck typing: refopt never imports
scipy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["CSRMatrix", "COO", "ascsr", "issparse"]


class COO:
    """Triplets ``(row, col, data)`` of a sparse matrix, the ``tocoo()`` of :class:`CSRMatrix`."""

    def __init__(self, row: np.ndarray, col: np.ndarray, data: np.ndarray,
                 shape: tuple[int, int]):
        self.row, self.col, self.data, self.shape = row, col, data, shape

    @property
    def nnz(self) -> int:
        return self.data.size

    def tocsr(self) -> "CSRMatrix":
        return CSRMatrix.from_coo(self.row, self.col, self.data, self.shape)


class CSRMatrix:
    """An ``m x n`` sparse matrix in compressed sparse row form (16.1).

    Parameters
    ----------
    arg : array_like, sparse matrix, ``(data, (row, col))`` or ``(data, indices, indptr)``
        A dense 2-D array (its nonzeros are stored), anything with ``tocsr()`` or
        ``tocoo()`` (a scipy.sparse matrix, or a :class:`CSRMatrix`), COO triplets, or the
        three CSR arrays themselves (taken as given: sorted, no duplicates).
    shape : tuple of int, optional
        ``(m, n)``; needed for triplets and CSR arrays, inferred otherwise.

    Attributes
    ----------
    data, indices, indptr : ndarray
        The CSR arrays (16.1); column indices sorted within each row.
    shape : tuple of int
    nnz : int
        Number of stored entries.
    """

    format = "csr"
    __array_ufunc__ = None      # ``y @ A`` with an ndarray y comes to __rmatmul__

    def __init__(self, arg: Any, shape: tuple[int, int] | None = None):
        if isinstance(arg, tuple) and len(arg) == 3:
            data, indices, indptr = arg
            self._set(np.asarray(data, dtype=float), np.asarray(indices, dtype=np.intp),
                      np.asarray(indptr, dtype=np.intp), shape)
            return
        if isinstance(arg, tuple) and len(arg) == 2:
            data, (row, col) = arg
            other = CSRMatrix.from_coo(row, col, data, shape)
        elif issparse(arg):
            other = CSRMatrix.from_sparse(arg)
        else:
            other = CSRMatrix.from_dense(arg)
        if shape is not None and tuple(shape) != other.shape:
            raise ValueError(f"shape {tuple(shape)} does not match the matrix, {other.shape}.")
        self._set(other.data, other.indices, other.indptr, other.shape)

    def _set(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
             shape: tuple[int, int] | None) -> None:
        if shape is None:
            raise ValueError("`shape` is needed to build a CSRMatrix from its arrays.")
        m, n = (int(s) for s in shape)
        if indptr.shape != (m + 1,) or data.shape != indices.shape or indptr[-1] != data.size:
            raise ValueError("inconsistent CSR arrays: indptr needs m + 1 entries ending at nnz, "
                             "and data and indices the same length.")
        self.data, self.indices, self.indptr, self.shape = data, indices, indptr, (m, n)
        self._row = None

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_coo(cls, row: Any, col: Any, data: Any, shape: tuple[int, int]) -> "CSRMatrix":
        """From triplets: entries sorted by row, then column; duplicates added."""
        m, n = (int(s) for s in shape)
        row, col = np.asarray(row, dtype=np.intp).ravel(), np.asarray(col, dtype=np.intp).ravel()
        data = np.asarray(data, dtype=float).ravel()
        if not row.shape == col.shape == data.shape:
            raise ValueError("row, col and data must have the same length.")
        if row.size and (row.min() < 0 or row.max() >= m or col.min() < 0 or col.max() >= n):
            raise ValueError("row or column index out of range for the shape.")
        order = np.lexsort((col, row))
        row, col, data = row[order], col[order], data[order]
        first = np.ones(row.size, dtype=bool)          # the first of each run of equal (i, j)
        first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        starts = np.flatnonzero(first)
        if starts.size < data.size:     # bincount adds in order; reduceat sums pairwise
            data = np.bincount(np.cumsum(first) - 1, weights=data)
        row, col = row[starts], col[starts]
        indptr = np.zeros(m + 1, dtype=np.intp)
        np.cumsum(np.bincount(row, minlength=m), out=indptr[1:])
        return cls((data, col, indptr), shape=(m, n))

    @classmethod
    def from_dense(cls, A: Any) -> "CSRMatrix":
        """The nonzeros of a dense 2-D array, row by row."""
        A = np.atleast_2d(np.asarray(A))
        if A.ndim != 2:
            raise ValueError("a CSRMatrix is 2-dimensional.")
        if np.iscomplexobj(A):
            raise TypeError("CSRMatrix holds real numbers only.")
        row, col = np.nonzero(A)                        # row-major: already in CSR order
        indptr = np.zeros(A.shape[0] + 1, dtype=np.intp)
        np.cumsum(np.bincount(row, minlength=A.shape[0]), out=indptr[1:])
        return cls((A[row, col].astype(float), col, indptr), shape=A.shape)

    @classmethod
    def from_sparse(cls, A: Any) -> "CSRMatrix":
        """From anything with ``tocsr()`` or ``tocoo()`` (duck typing: scipy.sparse, COO)."""
        if isinstance(A, CSRMatrix):
            return A.copy()
        if hasattr(A, "tocsr"):
            csr = A.tocsr()
            if all(hasattr(csr, name) for name in ("data", "indices", "indptr")):
                if np.iscomplexobj(csr.data):
                    raise TypeError("CSRMatrix holds real numbers only.")
                coo_like = cls((np.array(csr.data, dtype=float), np.array(csr.indices),
                                np.array(csr.indptr)), shape=csr.shape)
                return coo_like.canonical()
        coo = A.tocoo()
        if np.iscomplexobj(coo.data):
            raise TypeError("CSRMatrix holds real numbers only.")
        return cls.from_coo(coo.row, coo.col, coo.data, coo.shape)

    def canonical(self) -> "CSRMatrix":
        """The same matrix with columns sorted within rows and duplicates added (a no-op,
        returning ``self``, when it is so already)."""
        row = self.row_of_entry()
        same_row = row[1:] == row[:-1]
        if np.all(self.indices[1:][same_row] > self.indices[:-1][same_row]):
            return self
        return CSRMatrix.from_coo(row, self.indices, self.data, self.shape)

    def copy(self) -> "CSRMatrix":
        return CSRMatrix((self.data.copy(), self.indices.copy(), self.indptr.copy()),
                         shape=self.shape)

    # -- inspection -------------------------------------------------------------------------

    @property
    def nnz(self) -> int:
        return int(self.data.size)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def row_of_entry(self) -> np.ndarray:
        """The row of each stored entry (``np.repeat`` of the row lengths; kept once made:
        the pattern of a CSRMatrix never changes, only its values may)."""
        if self._row is None:
            self._row = np.repeat(np.arange(self.shape[0], dtype=np.intp), np.diff(self.indptr))
        return self._row

    def toarray(self) -> np.ndarray:
        A = np.zeros(self.shape)
        A[self.row_of_entry(), self.indices] = self.data
        return A

    def tocoo(self) -> COO:
        return COO(self.row_of_entry().copy(), self.indices.copy(), self.data.copy(), self.shape)

    def tocsr(self) -> "CSRMatrix":
        return self

    def __repr__(self) -> str:
        return f"<{self.shape[0]}x{self.shape[1]} CSRMatrix with {self.nnz} stored entries>"

    # -- products ---------------------------------------------------------------------------

    def dot(self, x: Any) -> np.ndarray:
        """``A x`` for a vector of length n, ``A X`` for an ``n x k`` array."""
        x = np.asarray(x)
        if x.ndim == 1:
            if x.shape != (self.shape[1],):
                raise ValueError(f"dimension mismatch: {self.shape} times {x.shape}.")
            # row sums of data * x[indices]; bincount adds each row's entries in stored order
            return np.bincount(self.row_of_entry(), weights=self.data * x[self.indices],
                               minlength=self.shape[0])
        if x.ndim != 2 or x.shape[0] != self.shape[1]:
            raise ValueError(f"dimension mismatch: {self.shape} times {x.shape}.")
        return self.each_column(self.dot, x, self.shape[0])

    def rdot(self, y: Any) -> np.ndarray:
        """``A^T y`` for a vector of length m, ``A^T Y`` for an ``m x k`` array."""
        y = np.asarray(y)
        if y.ndim == 1:
            if y.shape != (self.shape[0],):
                raise ValueError(f"dimension mismatch: {self.shape[::-1]} times {y.shape}.")
            # scatter data * y[row] onto the columns, rows in increasing order
            return np.bincount(self.indices, weights=self.data * y[self.row_of_entry()],
                               minlength=self.shape[1])
        if y.ndim != 2 or y.shape[0] != self.shape[0]:
            raise ValueError(f"dimension mismatch: {self.shape[::-1]} times {y.shape}.")
        return self.each_column(self.rdot, y, self.shape[1])

    @staticmethod
    def each_column(product: Any, X: np.ndarray, rows: int) -> np.ndarray:
        """A product with each of the (few) columns of ``X`` in turn.

        Column by column, every sum is added in stored order, as scipy.sparse's compiled
        loops add it; ``np.add.reduceat`` over a 2-D block would be one call, but it sums a
        segment in its own (pairwise, vectorised) order and so rounds differently.
        """
        out = np.empty((rows, X.shape[1]))
        for k in range(X.shape[1]):
            out[:, k] = product(X[:, k])
        return out

    def __matmul__(self, x: Any) -> np.ndarray:
        return self.dot(x)

    def __rmatmul__(self, y: Any) -> np.ndarray:
        """``y @ A`` is ``A^T y`` for a vector (``Y A = (A^T Y^T)^T`` for an array)."""
        y = np.asarray(y)
        return self.rdot(y) if y.ndim == 1 else self.rdot(y.T).T

    @property
    def T(self) -> "TransposedCSR":
        """``A^T`` as a view: products with it scatter, no transpose is formed."""
        return TransposedCSR(self)

    def transpose(self) -> "CSRMatrix":
        """``A^T`` as a new CSRMatrix: a stable sort of the entries by column keeps each
        column's rows in increasing order, so no second sort key is needed."""
        A = self.canonical()
        by_column = np.argsort(A.indices, kind="stable")
        indptr = np.zeros(A.shape[1] + 1, dtype=np.intp)
        np.cumsum(np.bincount(A.indices, minlength=A.shape[1]), out=indptr[1:])
        return CSRMatrix((A.data[by_column], A.row_of_entry()[by_column], indptr),
                         shape=A.shape[::-1])

    # -- scalings and norms -----------------------------------------------------------------

    def scale_rows(self, d: np.ndarray) -> "CSRMatrix":
        """``diag(d) A`` as a new matrix (the same pattern)."""
        return self.with_data(self.data * np.asarray(d, dtype=float)[self.row_of_entry()])

    def scale_columns(self, d: np.ndarray) -> "CSRMatrix":
        """``A diag(d)`` as a new matrix (the same pattern)."""
        return self.with_data(self.data * np.asarray(d, dtype=float)[self.indices])

    def with_data(self, data: np.ndarray) -> "CSRMatrix":
        """The same pattern holding other values (the structure arrays are shared)."""
        other = CSRMatrix((data, self.indices, self.indptr), shape=self.shape)
        other._row = self._row
        return other

    def column_norms(self) -> np.ndarray:
        """``||A[:, j]||_2`` for every column: the squares scattered onto the columns."""
        return np.bincount(self.indices, weights=self.data**2, minlength=self.shape[1])**0.5

    def __mul__(self, scalar: Any) -> "CSRMatrix":
        if not np.isscalar(scalar):
            raise TypeError("a CSRMatrix multiplies only by a scalar with `*`; use `@` for "
                            "products and scale_rows/scale_columns for diagonal scalings.")
        return self.with_data(self.data * scalar)

    __rmul__ = __mul__

    def __neg__(self) -> "CSRMatrix":
        return self.with_data(-self.data)


class TransposedCSR:
    """``A^T`` for a :class:`CSRMatrix` ``A``: its products without forming it."""

    format = "csr-transposed"
    __array_ufunc__ = None

    def __init__(self, A: CSRMatrix):
        self.A = A
        self.shape = A.shape[::-1]

    @property
    def T(self) -> CSRMatrix:
        return self.A

    @property
    def nnz(self) -> int:
        return self.A.nnz

    def dot(self, y: Any) -> np.ndarray:
        return self.A.rdot(y)

    def __matmul__(self, y: Any) -> np.ndarray:
        return self.A.rdot(y)

    def tocsr(self) -> CSRMatrix:
        return self.A.transpose()

    def toarray(self) -> np.ndarray:
        return self.A.toarray().T


def issparse(A: Any) -> bool:
    """True for a sparse matrix by duck typing: it offers ``tocsr()`` or ``tocoo()`` and a
    2-D ``shape`` (scipy.sparse matrices and arrays, :class:`CSRMatrix`)."""
    if isinstance(A, (CSRMatrix, TransposedCSR)):
        return True
    return (hasattr(A, "tocsr") or hasattr(A, "tocoo")) and hasattr(A, "shape") \
        and not isinstance(A, np.ndarray)


def ascsr(A: Any) -> CSRMatrix:
    """``A`` as a :class:`CSRMatrix` (``A`` itself when it is one already)."""
    if isinstance(A, CSRMatrix):
        return A
    if isinstance(A, TransposedCSR):
        return A.tocsr()
    return CSRMatrix(A)
