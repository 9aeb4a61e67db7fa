"""Linear least squares and convex quadratics whose solutions are known by construction.

No solver is needed to know the answer, because the problem is built around it:

* **Linear least squares** ``min ||A x - b||``. Take ``A = U diag(s) V^T`` with orthonormal
  columns ``U`` (m x n), an orthogonal ``V`` and chosen singular values ``s`` (so the
  condition number is chosen too), a solution ``x*`` and a residual ``r*`` orthogonal to the
  range of ``A`` (``r* = (I - U U^T) z`` rescaled). With ``b = A x* + r*`` the normal
  equations ``A^T (A x - b) = 0`` hold at ``x*`` because ``A^T r* = V diag(s) U^T r* = 0``;
  ``A`` has full column rank, so ``x*`` is the unique minimiser and ``||r*||`` the least
  residual norm (Björck, *Numerical Methods for Least Squares Problems*, SIAM, 1996, §1.1).
* **Quadratics** ``f(x) = 1/2 x^T H x - g^T x`` with ``H = V diag(lam) V^T`` symmetric positive
  definite: the minimiser solves ``H x* = g``, so choose ``x*`` and set ``g = H x*``; then
  ``f* = -1/2 x*^T H x*`` (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Springer,
  2006, §5.1).

Random choices take a seed (``numpy.random.default_rng``), so every problem is reproducible.
"""

from __future__ import annotations

import numpy as np

from . import Problem, register

SOURCE_LSQ = "by construction: A = U diag(s) V^T, b = A x* + r* with A^T r* = 0 (Björck 1996, §1.1)"
SOURCE_QUAD = "by construction: f = x^T H x / 2 - g^T x with g = H x* (Nocedal & Wright 2006, §5.1)"


def _orthonormal(rng, rows, cols):
    """A matrix with orthonormal columns (QR of a Gaussian matrix; sign-fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q * np.sign(np.diag(r))


def linear_least_squares(name: str, m: int, n: int, cond: float, residual_norm: float,
                         seed: int) -> Problem:
    """A full-rank linear least-squares problem with a known solution.

    Parameters
    ----------
    name : str
        Problem name.
    m, n : int
        Rows and columns of ``A`` (``m >= n``).
    cond : float
        Condition number of ``A``: singular values spaced logarithmically from 1 to ``1/cond``.
    residual_norm : float
        ``||A x* - b||`` at the solution (0 for a consistent system).
    seed : int
        Seed of the random ``U``, ``V``, ``x*`` and residual direction.

    Returns
    -------
    Problem
        ``kind="least_squares"``, residuals ``F(x) = A x - b``, Jacobian ``A``,
        ``f_star = residual_norm``.
    """
    if m < n:
        raise ValueError(f"m must be at least n for a full-rank problem, got m={m}, n={n}")
    if residual_norm > 0 and m == n:
        raise ValueError("a nonzero residual_norm needs m > n: a square A has no residual "
                         "direction orthogonal to its range")
    rng = np.random.default_rng(seed)
    U = _orthonormal(rng, m, n)
    V = _orthonormal(rng, n, n)
    s = np.logspace(0.0, -np.log10(cond), n)
    A = (U * s) @ V.T
    x_star = rng.standard_normal(n)
    r = np.zeros(m)
    if residual_norm > 0:
        z = rng.standard_normal(m)
        r = z - U @ (U.T @ z)  # the part of z outside the range of A
        r *= residual_norm / np.linalg.norm(r)
    b = A @ x_star + r  # (40.4): A^T r = 0, so x* solves the normal equations
    return Problem(
        name=name, source=SOURCE_LSQ, kind="least_squares", n=n, m=m,
        starts=(np.zeros(n), x_star + rng.standard_normal(n)),
        fun=lambda x: A @ x - b, jac=lambda x: A.copy(),
        f_star=float(residual_norm), x_star=x_star,
        # the value at x* is known only to the rounding of b = A x* + r*
        rtol=1e-10, atol=1e-12 * float(np.linalg.norm(b)),
        extra={"A": A, "b": b, "cond": cond, "seed": seed},
    )


GTOL = 1e-5
"""The gradient-norm tolerance the quadratics' ``atol`` allows for (scipy's default)."""


def quadratic(name: str, n: int, cond: float, seed: int, **extra) -> Problem:
    """A strictly convex quadratic with a known minimiser.

    Parameters
    ----------
    name : str
        Problem name.
    n : int
        Number of variables.
    cond : float
        Condition number of the Hessian: eigenvalues spaced logarithmically from 1 to
        ``1/cond``.
    seed : int
        Seed of the random eigenvectors and minimiser.
    **extra
        Further entries of ``Problem.extra`` (e.g. ``known_misses``).

    Returns
    -------
    Problem
        ``kind="minimize"``, gradient ``H x - g``, ``extra["hess"]`` the constant Hessian.
    """
    rng = np.random.default_rng(seed)
    V = _orthonormal(rng, n, n)
    lam = np.logspace(0.0, -np.log10(cond), n)
    H = (V * lam) @ V.T
    H = 0.5 * (H + H.T)  # exactly symmetric
    x_star = rng.standard_normal(n)
    g = H @ x_star  # (40.5)
    f_star = -0.5 * float(x_star @ H @ x_star)
    return Problem(
        name=name, source=SOURCE_QUAD, kind="minimize", n=n, m=1,
        starts=(np.zeros(n),),
        fun=lambda x: 0.5 * float(x @ H @ x) - float(g @ x), jac=lambda x: H @ x - g,
        # a gradient method stops when ||g|| <= gtol = 1e-5 (scipy's default); then
        # f - f* = g^T H^-1 g / 2 <= gtol**2 * cond / 2, since the smallest eigenvalue is 1/cond
        f_star=f_star, x_star=x_star, rtol=1e-8, atol=0.5 * GTOL**2 * cond,
        extra={"hess": lambda x: H.copy(), "cond": cond, "seed": seed, **extra},
    )


def problems() -> list[Problem]:
    """The linear problems registered by this module."""
    return [
        linear_least_squares("linear_consistent_8x4", 8, 4, cond=10.0, residual_norm=0.0, seed=1),
        linear_least_squares("linear_residual_20x6", 20, 6, cond=1e2, residual_norm=1.5, seed=2),
        linear_least_squares("linear_illcond_40x8", 40, 8, cond=1e4, residual_norm=0.25, seed=3),
        quadratic("quadratic_4", 4, cond=10.0, seed=4),
        quadratic("quadratic_10", 10, cond=1e3, seed=5),
    ]


register(problems())
