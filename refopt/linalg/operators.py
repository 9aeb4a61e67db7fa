"""Linear operators: a matrix known only by its products ``A x`` and ``A^T y``.

LSMR (Fong & Saunders, SIAM J. Sci. Comput. 33(5), 2011) needs nothing else of a matrix.

Iterative solvers such as LSMR (:mod:`refopt.linalg.lsmr`) never look inside the matrix:
each step needs one product with ``A`` and one with its transpose. This module gives that
protocol a small concrete form,

* :class:`LinearOperator` — ``shape``, ``matvec(x) = A x``, ``rmatvec(y) = A^T y``, and
  ``dot`` (a vector or the columns of a matrix);
* :func:`aslinearoperator` — the operator of a dense array, or of anything that already
  speaks the protocol (``shape``, ``matvec``, ``rmatvec``; a scipy ``LinearOperator`` does),
  by duck typing: refopt never imports scipy;
* the two compositions the trust-region solvers build from a Jacobian: ``J diag(d)``
  (:func:`right_multiplied_operator`) and the stacked ``[J; diag(e)]`` of a regularised
  least-squares problem (:func:`regularized_lsq_operator`).

Only real matrices are handled (the transpose is the adjoint).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["LinearOperator", "aslinearoperator", "right_multiplied_operator",
           "regularized_lsq_operator"]


class LinearOperator:
    """A real ``m x n`` matrix given by its products.

    Parameters
    ----------
    shape : tuple of int
        ``(m, n)``.
    matvec : callable
        ``matvec(x)`` returns ``A x`` for ``x`` of shape (n,).
    rmatvec : callable
        ``rmatvec(y)`` returns ``A^T y`` for ``y`` of shape (m,).
    matmat : callable, optional
        ``matmat(X)`` returns ``A X`` for ``X`` of shape (n, k); by default column by column.
    """

    def __init__(self, shape: tuple[int, int], matvec: Callable, rmatvec: Callable,
                 matmat: Callable | None = None):
        self.shape = (int(shape[0]), int(shape[1]))
        self._matvec = matvec
        self._rmatvec = rmatvec
        self._matmat = matmat

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``A x`` as a 1-D array of length ``m``."""
        return np.asarray(self._matvec(np.ravel(x)), dtype=float).reshape(self.shape[0])

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        """``A^T y`` as a 1-D array of length ``n``."""
        return np.asarray(self._rmatvec(np.ravel(y)), dtype=float).reshape(self.shape[1])

    def matmat(self, X: np.ndarray) -> np.ndarray:
        """``A X`` for a 2-D ``X`` of ``n`` rows."""
        if self._matmat is not None:
            return np.asarray(self._matmat(X), dtype=float)
        return np.column_stack([self.matvec(column) for column in X.T])

    def dot(self, x: np.ndarray) -> np.ndarray:
        """``A x`` for a vector, ``A X`` for a matrix (as ``ndarray.dot``)."""
        x = np.asarray(x)
        return self.matvec(x) if x.ndim == 1 else self.matmat(x)

    def __repr__(self) -> str:
        return f"<{self.shape[0]}x{self.shape[1]} LinearOperator>"


def aslinearoperator(A: Any) -> LinearOperator:
    """``A`` as a :class:`LinearOperator`.

    Parameters
    ----------
    A : LinearOperator, array_like of 2 dimensions, or an object with ``shape``, ``matvec``
        and ``rmatvec``
        The matrix. An object with ``shape``, ``dot`` and ``T`` (a scipy sparse matrix, say)
        is used through those.

    Returns
    -------
    LinearOperator

    Raises
    ------
    TypeError
        If ``A`` is none of these.
    """
    if isinstance(A, LinearOperator):
        return A
    if hasattr(A, "shape") and hasattr(A, "matvec") and hasattr(A, "rmatvec"):
        matmat = getattr(A, "matmat", None)
        return LinearOperator(A.shape, A.matvec, A.rmatvec, matmat)
    if not isinstance(A, np.ndarray) and hasattr(A, "shape") and hasattr(A, "dot") \
            and hasattr(A, "T"):
        At = A.T
        return LinearOperator(A.shape, A.dot, At.dot, A.dot)
    M = np.asarray(A)
    if M.ndim != 2 or not np.issubdtype(M.dtype, np.number) or np.iscomplexobj(M):
        raise TypeError("`A` must be a real 2-D array or have `shape`, `matvec` and "
                        "`rmatvec`.")
    M = M.astype(float, copy=False)
    Mt = M.T
    return LinearOperator(M.shape, M.dot, Mt.dot, M.dot)


# [right-multiplied]
def right_multiplied_operator(J: Any, d: np.ndarray) -> LinearOperator:
    """``J diag(d)``: the Jacobian in variables scaled by ``d``, without forming it.

    Parameters
    ----------
    J : ndarray or operator
        The ``m x n`` matrix.
    d : ndarray, shape (n,)
        Column scales.

    Returns
    -------
    LinearOperator
    """
    J = aslinearoperator(J)
    return LinearOperator(J.shape,
                          matvec=lambda x: J.matvec(x * d),
                          rmatvec=lambda y: d * J.rmatvec(y),
                          matmat=lambda X: J.matmat(X * d[:, np.newaxis]))
# [/right-multiplied]


# [regularized]
def regularized_lsq_operator(J: Any, e: np.ndarray) -> LinearOperator:
    """The ``(m + n) x n`` matrix ``[J; diag(e)]`` of a regularised least-squares problem.

    ``min ||J p - f||**2 + ||e * p||**2`` is the ordinary least-squares problem of this
    matrix and the right-hand side ``[f; 0]``.

    Parameters
    ----------
    J : ndarray or operator
        The ``m x n`` matrix.
    e : ndarray, shape (n,)
        The diagonal below it.

    Returns
    -------
    LinearOperator
    """
    J = aslinearoperator(J)
    m, n = J.shape

    def matvec(x: np.ndarray) -> np.ndarray:
        return np.concatenate((J.matvec(x), e * x))

    def rmatvec(y: np.ndarray) -> np.ndarray:
        return J.rmatvec(y[:m]) + e * y[m:]

    return LinearOperator((m + n, n), matvec, rmatvec)
# [/regularized]
