"""The Jacobian in its three forms: a dense array, a sparse CSR matrix, a linear operator.

The trust-region solvers never ask which form they hold. What they do with a Jacobian —
products ``J p`` and ``J^T y``, the column norms behind ``x_scale='jac'``, the row scaling of
a robust loss (Triggs et al., "Bundle adjustment — a modern synthesis", *Vision Algorithms:
Theory and Practice*, LNCS 1883, 2000, §4.3; :mod:`refopt.lsq.losses`) — is written here
once for each form, so that a 100 000-variable problem runs on O(nnz) memory with the same
solver code as a three-variable one (the book's chapter 16):

* a dense ``ndarray`` (``tr_solver='exact'`` or ``'lsmr'``);
* a :class:`refopt.linalg.sparse.CSRMatrix`: from ``jac_sparsity`` by grouped differences
  (Curtis, Powell & Reid 1974, :func:`refopt.differentiation.grouped_difference`), or a
  sparse matrix returned by a callable ``jac`` (scipy.sparse, by duck typing);
* a :class:`refopt.linalg.operators.LinearOperator`, returned by a callable ``jac``.

The sparse and operator forms need ``tr_solver='lsmr'``.
"""

from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np

from ..linalg.operators import LinearOperator, aslinearoperator
from ..linalg.sparse import CSRMatrix, ascsr, issparse

__all__ = ["as_jacobian", "working_copy", "column_norms", "scale_rows", "like_user",
           "map_of_workers"]


def is_operator(J: Any) -> bool:
    """A linear operator (``matvec`` and ``rmatvec``) that is not a sparse matrix."""
    return hasattr(J, "matvec") and hasattr(J, "rmatvec") and not issparse(J)


def as_jacobian(J: Any) -> np.ndarray | CSRMatrix | LinearOperator:
    """A user's Jacobian in one of the three forms: CSR for any sparse matrix, refopt's
    operator for any operator, otherwise a new 2-D float array."""
    if issparse(J):
        J = ascsr(J)
        if not np.all(np.isfinite(J.data)):
            raise ValueError("The sparse Jacobian returned by `jac` has entries that are not "
                             "finite.")
        return J
    if is_operator(J):
        return aslinearoperator(J)
    return np.array(np.atleast_2d(J), dtype=float)


def working_copy(J: Any) -> Any:
    """A copy that the robust-loss scaling may change in place (an operator is rewrapped
    instead, so it needs none)."""
    if isinstance(J, CSRMatrix):
        return J.copy()
    if isinstance(J, LinearOperator):
        return J
    return np.array(J, dtype=float)


def column_norms(J: Any) -> np.ndarray:
    """``||J[:, j]||_2`` for a dense or CSR Jacobian (an operator has none to offer)."""
    if isinstance(J, CSRMatrix):
        return J.column_norms()            # (16.5): the squares scattered onto the columns
    return np.sum(J**2, axis=0)**0.5


def scale_rows(J: Any, d: np.ndarray) -> Any:
    """``diag(d) J``: in place for an array or a CSR matrix, a new operator otherwise."""
    if isinstance(J, np.ndarray):
        J *= d[:, np.newaxis]
        return J
    if isinstance(J, CSRMatrix):
        J.data *= d[J.row_of_entry()]      # (16.6): each entry scaled by its row's factor
        return J
    if not isinstance(J, LinearOperator):
        raise TypeError(f"cannot scale the rows of a Jacobian of type {type(J).__name__}")
    # (16.6) for an operator: diag(d) J p and J^T diag(d) y, never forming diag(d) J
    return LinearOperator(J.shape, matvec=lambda x: d * J.matvec(x),
                          rmatvec=lambda y: J.rmatvec(d * y),
                          matmat=lambda X: d[:, np.newaxis] * J.matmat(X))


def like_user(J: Any, user_J: Any) -> Any:
    """The final Jacobian in the kind the user's ``jac`` returned: a sparse matrix is rebuilt
    in the CSR class of ``user_J.tocsr()`` (scipy's ``csr_array`` for a ``lil_array``, say)
    from its three arrays; anything else is returned as it is."""
    if not isinstance(J, CSRMatrix) or isinstance(user_J, CSRMatrix) or \
            not hasattr(user_J, "tocsr"):
        return J
    kind = type(user_J.tocsr())
    try:
        return kind((J.data, J.indices, J.indptr), shape=J.shape)
    except (TypeError, ValueError):      # a CSR class that is not built from its arrays
        return J


@contextmanager
def map_of_workers(workers: Any) -> Iterator[Callable]:
    """``workers`` as a map-like callable, for the difference points (scipy >= 1.16).

    None: the builtin ``map``. A callable: used as given (``Pool.map``, or a vectorised
    evaluation). An int: a ``multiprocessing.Pool`` of that many processes (-1: one per
    core), closed on exit; ``fun`` must then be picklable.
    """
    check_workers(workers)
    if callable(workers):
        yield workers
    elif workers is None or workers == 1:
        yield map
    else:
        with multiprocessing.Pool(os.cpu_count() if workers == -1 else int(workers)) as pool:
            yield pool.map


def check_workers(workers: Any) -> None:
    """The checks :func:`map_of_workers` makes, before any work is done."""
    valid = workers is None or callable(workers) or (
        isinstance(workers, (int, np.integer)) and not isinstance(workers, bool)
        and (workers == -1 or workers > 0))
    if not valid:
        raise ValueError("`workers` must be None, a positive int, -1 or a map-like callable.")


class Jacobian:
    """``(x, f) -> J`` for the solvers, ``f`` the (unscaled) residuals at ``x``: the user's
    ``jac`` in one of the three forms, or finite differences — grouped on a CSR pattern
    when ``structure = (pattern, groups)`` is given, dense otherwise.

    Differences call the user's ``fun`` directly: the complex step needs its complex values.
    """

    def __init__(self, fun: Callable | None, jac: Any, bounds: Any, diff_step: Any,
                 args: tuple, kwargs: dict, structure: Any = None, workers: Callable = map):
        self.fun, self.jac, self.bounds, self.diff_step = fun, jac, bounds, diff_step
        self.args, self.kwargs, self.structure, self.workers = args, kwargs, structure, workers
        self.first_user_J = None        # the user's first Jacobian: the kind to give back

    def __call__(self, x: np.ndarray, f: np.ndarray) -> Any:
        if callable(self.jac):
            user_J = self.jac(x.copy(), *self.args, **self.kwargs)
            if self.first_user_J is None:
                self.first_user_J = user_J
            return as_jacobian(user_J)
        from ..differentiation import approx_derivative

        J = approx_derivative(self.fun, x, method=self.jac, rel_step=self.diff_step, f0=f,
                              bounds=self.bounds, sparsity=self.structure, args=self.args,
                              kwargs=self.kwargs, workers=self.workers)
        return J if self.structure is not None else np.atleast_2d(J)  # m == 1: a gradient

    def checked(self, m: int, n: int, J0: Any = None) -> Callable[[np.ndarray, np.ndarray], Any]:
        """``self`` insisting on the shape ``(m, n)`` and on the form of ``J0``: a ``jac``
        that returns a sparse matrix at ``x0`` and a dense one later (or the reverse) would
        change the solver's arithmetic mid-run."""
        form = None if J0 is None else form_of(J0)

        def jacobian(x: np.ndarray, f: np.ndarray) -> Any:
            J = self(x, f)
            if getattr(J, "shape", None) != (m, n):
                raise ValueError("The return value of `jac` has wrong shape: expected "
                                 f"{(m, n)}, actual {getattr(J, 'shape', None)}.")
            if form is not None and form_of(J) != form:
                raise ValueError(f"`jac` returned a {form} Jacobian at `x0` but a "
                                 f"{form_of(J)} one at x = {x}.")
            return J

        return jacobian

    def like_user(self, J: Any) -> Any:
        """The final Jacobian in the kind of the user's (see :func:`like_user`)."""
        return J if self.first_user_J is None else like_user(J, self.first_user_J)


def form_of(J: Any) -> str:
    """'dense', 'sparse' or 'operator'."""
    if isinstance(J, np.ndarray):
        return "dense"
    return "sparse" if isinstance(J, CSRMatrix) else "operator"
