"""General constraints ``lb <= c(x) <= ub``, as ``scipy.optimize`` spells them.

The constrained method that consumes them is Kraft's SLSQP (DFVLR-FB 88-28, 1988).

Two kinds, as in scipy: :class:`NonlinearConstraint` (a function ``c`` with its Jacobian)
and :class:`LinearConstraint` (a matrix ``A``, ``c(x) = A x``). Methods that take the older
form — dicts ``{'type': 'eq'|'ineq', 'fun', 'jac', 'args'}`` with ``ineq`` meaning
``fun(x) >= 0`` — get them through :func:`to_dicts`, which splits each object into at most
one equality dict (the rows with ``lb == ub``) and one inequality dict (the finite sides of
the other rows, lower sides first, each written as ``c - lb >= 0`` or ``ub - c >= 0``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._warnings import OptimizeWarning, warn_user


class NonlinearConstraint:
    """``lb <= fun(x) <= ub`` (as ``scipy.optimize.NonlinearConstraint``).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> array_like, shape (m,)``.
    lb, ub : array_like
        Bounds on ``fun(x)``; equal entries make an equality, infinite ones a one-sided
        constraint. Scalars apply to every component.
    jac : callable or {'2-point', '3-point', 'cs'}, optional
        ``jac(x) -> (m, n)`` array, or a finite-difference scheme (the default '2-point').
    hess, keep_feasible, finite_diff_rel_step, finite_diff_jac_sparsity : optional
        Kept for the methods that use them; SLSQP ignores them (with a warning).
    """

    def __init__(self, fun: Callable, lb: Any, ub: Any, jac: Any = "2-point", hess: Any = None,
                 keep_feasible: Any = False, finite_diff_rel_step: Any = None,
                 finite_diff_jac_sparsity: Any = None):
        self.fun = fun
        self.lb = lb
        self.ub = ub
        self.jac = jac
        self.hess = hess
        self.keep_feasible = keep_feasible
        self.finite_diff_rel_step = finite_diff_rel_step
        self.finite_diff_jac_sparsity = finite_diff_jac_sparsity


class LinearConstraint:
    """``lb <= A x <= ub`` (as ``scipy.optimize.LinearConstraint``).

    Parameters
    ----------
    A : array_like, shape (m, n)
        The matrix (a sparse matrix is accepted by its ``toarray``).
    lb, ub : array_like, optional
        Bounds on ``A x``, broadcast to shape (m,); default unbounded.
    keep_feasible : array_like of bool, optional
        Ignored by SLSQP (with a warning).

    Raises
    ------
    ValueError
        "`A` must have exactly two dimensions." or "`lb`, `ub`, and `keep_feasible` must be
        broadcastable to shape `A.shape[0:1]`" (scipy's texts).
    """

    def __init__(self, A: Any, lb: Any = -np.inf, ub: Any = np.inf, keep_feasible: Any = False):
        if hasattr(A, "toarray"):
            A = A.toarray()
        self.A = np.atleast_2d(np.asarray(A, dtype=np.float64))
        if self.A.ndim != 2:
            raise ValueError("`A` must have exactly two dimensions.")
        try:
            shape = self.A.shape[0:1]
            self.lb = np.broadcast_to(np.atleast_1d(np.asarray(lb, dtype=float)), shape)
            self.ub = np.broadcast_to(np.atleast_1d(np.asarray(ub, dtype=float)), shape)
            self.keep_feasible = np.broadcast_to(np.atleast_1d(keep_feasible).astype(bool),
                                                 shape)
        except ValueError:
            raise ValueError("`lb`, `ub`, and `keep_feasible` must be broadcastable to shape "
                             "`A.shape[0:1]`") from None

    def residual(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(A x - lb, ub - A x)``: both nonnegative where ``x`` satisfies the constraint."""
        ax = self.A @ np.asarray(x)
        return ax - self.lb, self.ub - ax


CONSTRAINT_OBJECTS = (NonlinearConstraint, LinearConstraint)


def as_list(constraints: Any) -> list:
    """One constraint (dict or object) or a sequence of them, as a new list."""
    if constraints is None:
        return []
    if isinstance(constraints, (dict, *CONSTRAINT_OBJECTS)):
        return [constraints]
    return list(constraints)


def _fun_and_jac(con: Any) -> tuple[Callable, Callable | None]:
    if isinstance(con, LinearConstraint):
        A = con.A
        if np.any(con.keep_feasible):
            warn_user("Constraint option `keep_feasible` is ignored by this method.",
                      OptimizeWarning)
        return (lambda x: A @ x), (lambda x: A)
    if (con.finite_diff_jac_sparsity is not None or con.finite_diff_rel_step is not None
            or con.hess is not None or np.any(con.keep_feasible)):
        warn_user("Constraint options `finite_diff_jac_sparsity`, `finite_diff_rel_step`, "
                  "`keep_feasible`, and `hess` are ignored by this method.",
                  OptimizeWarning)
    return con.fun, (con.jac if callable(con.jac) else None)


def to_dicts(con: Any, x0: np.ndarray) -> list[dict]:
    """A constraint object as at most two old-style dicts (equalities first).

    ``fun`` is evaluated once at ``x0`` to learn the number of components of a nonlinear
    constraint.
    """
    fun, jac = _fun_and_jac(con)
    m = con.A.shape[0] if isinstance(con, LinearConstraint) else np.atleast_1d(fun(x0)).size
    lb = np.broadcast_to(np.asarray(con.lb, dtype=float), m)
    ub = np.broadcast_to(np.asarray(con.ub, dtype=float), m)
    eq = lb == ub
    below = (lb != -np.inf) & ~eq
    above = (ub != np.inf) & ~eq
    if np.any((lb == -np.inf) & (ub == np.inf)):
        warn_user("At least one constraint is unbounded above and below. Such "
                  "constraints are ignored.", OptimizeWarning)
    dicts = []
    if eq.any():
        dicts.append(_rows_dict("eq", fun, jac, [(eq, lb, 1.0)]))
    if below.any() or above.any():
        dicts.append(_rows_dict("ineq", fun, jac, [(below, lb, 1.0), (above, ub, -1.0)]))
    if len(dicts) > 1:
        warn_user("Equality and inequality constraints are specified in the same element "
                  "of the constraint list. For efficient use with this method, equality "
                  "and inequality constraints should be specified in separate elements "
                  "of the constraint list. ", OptimizeWarning)
    return dicts


def _rows_dict(kind: str, fun: Callable, jac: Callable | None, pieces: list) -> dict:
    """The dict whose ``fun`` is ``sign * (c(x)[rows] - bound[rows])`` for each piece."""
    def value(x):
        c = np.asarray(fun(x), dtype=float).ravel()
        return np.concatenate([sign * (c[rows] - bound[rows]) for rows, bound, sign in pieces])

    result = {"type": kind, "fun": value}
    if jac is not None:
        def derivative(x):
            J = jac(x)
            J = np.atleast_2d(J.toarray() if hasattr(J, "toarray") else np.asarray(J, float))
            return np.vstack([sign * J[rows] for rows, _, sign in pieces])

        result["jac"] = derivative
    return result


def standardize(constraints: Any, x0: np.ndarray) -> list[dict]:
    """Every constraint as an old-style dict, objects converted by :func:`to_dicts`."""
    result = []
    for con in as_list(constraints):
        if isinstance(con, CONSTRAINT_OBJECTS):
            result += to_dicts(con, x0)
        else:
            result.append(con)
    return result
