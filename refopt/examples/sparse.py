"""Worked example for sparse least squares (chapter 16 of the book).

The Broyden tridiagonal system is problem 30 of Moré, Garbow & Hillstrom, "Testing
unconstrained optimization software", ACM TOMS 7(1), 1981, and the large example of scipy's
``least_squares`` page. Its Jacobian has three nonzeros a row, so the columns fall into three
groups that share no row (Curtis, Powell & Reid 1974): each Jacobian costs three evaluations
of the residuals, whatever the number of variables.
"""

from __future__ import annotations

import numpy as np

from refopt import least_squares
from refopt.differentiation import group_columns
from refopt.linalg.sparse import CSRMatrix

ORDER = 25   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def broyden_tridiagonal(x: np.ndarray) -> np.ndarray:
    """``f_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1``, with ``x_0 = x_{n+1} = 0``."""
    f = (3.0 - 2.0 * x) * x + 1.0
    f[1:] -= x[:-1]
    f[:-1] -= 2.0 * x[1:]
    return f


def tridiagonal_pattern(n: int) -> CSRMatrix:
    """Ones on the three diagonals of an ``n x n`` matrix: where the Jacobian may be nonzero."""
    i = np.arange(n)
    rows = np.concatenate([i, i[1:], i[:-1]])
    cols = np.concatenate([i, i[:-1], i[1:]])
    return CSRMatrix.from_coo(rows, cols, np.ones(rows.size), (n, n))


def example_broyden_tridiagonal_with_jac_sparsity() -> str:
    """Broyden tridiagonal, n = 1 000, with jac_sparsity: three evaluations per Jacobian"""
    n = 1000
    pattern = tridiagonal_pattern(n)
    calls = []

    def counted(x: np.ndarray) -> np.ndarray:
        calls.append(1)
        return broyden_tridiagonal(x)

    res = least_squares(counted, -np.ones(n), jac_sparsity=pattern, method="trf")
    groups = group_columns(pattern).max() + 1
    random_groups = group_columns(pattern, order=0).max() + 1
    return "\n".join([
        f"n = {n}, jac_sparsity with {pattern.nnz} nonzeros (a dense J would hold {n * n})",
        f"column groups: {groups} (default order, smallest-last); "
        f"{random_groups} with scipy's seeded random order",
        f"status {res.status}: {res.message}",
        f"nfev {res.nfev}, njev {res.njev}; calls of fun in all: {len(calls)}, "
        f"and nfev + njev * groups = {res.nfev + res.njev * groups}",
        f"final cost {res.cost:.3e}, max |f| {np.max(np.abs(res.fun)):.3e}",
        f"result jac: {res.jac!r}",
    ])
