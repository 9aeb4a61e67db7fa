"""Robust loss functions for nonlinear least squares, and the rescaling that lets a plain
least-squares solver minimise a robust cost.

The cost minimised by :func:`refopt.least_squares` is

    F(x) = 1/2 * sum_i rho(f_i(x)**2)                                          (12.1)

where ``rho`` is a loss applied to the *squared* residual ``s = f**2``. The linear loss
``rho(s) = s`` gives ordinary least squares; the others grow more slowly than ``s`` for large
``s``, so that outliers pull less on the solution.

Reference: B. Triggs, P. F. McLauchlan, R. I. Hartley and A. W. Fitzgibbon, "Bundle
adjustment — a modern synthesis", in *Vision Algorithms: Theory and Practice*, LNCS 1883,
Springer, 2000 (workshop 1999), pp. 298–372, §4.3 ("robustified least squares").

Triggs et al. show (§4.3) that the gradient and the Gauss–Newton Hessian of (12.1) are those
of an ordinary least-squares problem with a *corrected* residual and Jacobian:

    g = J^T (rho' f)                                                           (12.3)
    H ≈ J^T diag(rho' + 2 rho'' f**2) J                                        (12.4)

(derivatives taken with respect to ``s = f**2``). Writing ``a = sqrt(rho' + 2 rho'' f**2)``,
the corrected quantities are

    J_c = diag(a) J,     f_c = (rho' / a) f                                    (12.5)

so that ``J_c^T J_c`` is (12.4) and ``J_c^T f_c`` is (12.3). Where ``rho' + 2 rho'' f**2`` is
not positive (a far outlier on a redescending loss such as cauchy or arctan), the Hessian
term is clipped at machine epsilon, as scipy does: the residual then keeps its gradient
contribution but adds almost no curvature.

A soft margin ``C = f_scale`` separates inliers from outliers:

    rho_C(s) = C**2 * rho(s / C**2)                                            (12.2)

so ``rho_C' (s) = rho'(s / C**2)`` and ``rho_C''(s) = rho''(s / C**2) / C**2``.

The names and arithmetic follow scipy's ``least_squares`` so that solvers reproduce its
iterates bit for bit; the code is refopt's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .jacobian import scale_rows

EPS = np.finfo(float).eps

LossFunction = Callable[..., Any]


# [losses]
def linear(z: np.ndarray) -> np.ndarray:
    """``rho(z) = z``: ordinary least squares."""
    return np.vstack([z, np.ones_like(z), np.zeros_like(z)])


def soft_l1(z: np.ndarray) -> np.ndarray:
    """``rho(z) = 2 (sqrt(1 + z) - 1)``: a smooth absolute value for large residuals."""
    t = 1 + z
    return np.vstack([2 * (t**0.5 - 1), t**-0.5, -0.5 * t**-1.5])


def huber(z: np.ndarray) -> np.ndarray:
    """``rho(z) = z`` for ``z <= 1``, else ``2 sqrt(z) - 1``: quadratic core, linear tails."""
    inlier = z <= 1
    # the outlier branch is evaluated only where it applies (z**-0.5 would warn at z = 0)
    far = np.where(inlier, 1.0, z)
    rho = np.where(inlier, z, 2 * far**0.5 - 1)
    drho = np.where(inlier, 1.0, far**-0.5)
    d2rho = np.where(inlier, 0.0, -0.5 * far**-1.5)
    return np.vstack([rho, drho, d2rho])


def cauchy(z: np.ndarray) -> np.ndarray:
    """``rho(z) = log(1 + z)``: strongly discounts outliers (the cost is not convex)."""
    t = 1 + z
    return np.vstack([np.log1p(z), 1 / t, -1 / t**2])


def arctan(z: np.ndarray) -> np.ndarray:
    """``rho(z) = arctan(z)``: bounded loss, at most pi/2 per residual."""
    t = 1 + z**2
    return np.vstack([np.arctan(z), 1 / t, -2 * z / t**2])


LOSSES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": linear, "huber": huber, "soft_l1": soft_l1, "cauchy": cauchy, "arctan": arctan,
}
# [/losses]


# [construct]
def construct_loss_function(m: int, loss: str | Callable, f_scale: float) -> LossFunction | None:
    """The robust loss ``rho_C`` of (12.2) as the solvers call it.

    Parameters
    ----------
    m : int
        Number of residuals.
    loss : str or callable
        A name in :data:`LOSSES`, or ``loss(z)`` returning a ``(3, m)`` array of
        ``rho(z), rho'(z), rho''(z)`` for ``z = (f / f_scale)**2``.
    f_scale : float
        The soft margin ``C`` between inlier and outlier residuals.

    Returns
    -------
    callable or None
        None for the linear loss (the solvers then skip the rescaling). Otherwise
        ``loss_function(f, cost_only=False)``: with ``cost_only`` the robust cost (12.1) as a
        float, else a new ``(3, m)`` array ``rho_C(f**2), rho_C'(f**2), rho_C''(f**2)``.

    Raises
    ------
    ValueError
        When a callable ``loss`` returns something that is not of shape ``(3, m)``.
    """
    if isinstance(loss, str) and loss == "linear":
        return None
    rho_of_z = LOSSES[loss] if isinstance(loss, str) else _checked_user_loss(loss, m)
    C2 = f_scale**2

    def loss_function(f: np.ndarray, cost_only: bool = False) -> Any:
        rho = rho_of_z((f / f_scale) ** 2)
        if cost_only:
            return 0.5 * C2 * np.sum(rho[0])
        rho[0] *= C2  # (12.2): rho_C = C**2 rho, rho_C' = rho', rho_C'' = rho'' / C**2
        rho[2] /= C2
        return rho

    return loss_function


def cost(f: np.ndarray, loss_function: LossFunction | None) -> float:
    """The cost (12.1) of residuals ``f``: ``0.5 ||f||**2``, or the robust cost of the loss."""
    if loss_function is None:
        return 0.5 * np.dot(f, f)
    return loss_function(f, cost_only=True)


def _checked_user_loss(loss: Callable, m: int) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap a user's loss: copy its answer to float and insist on the shape ``(3, m)``."""

    def rho_of_z(z: np.ndarray) -> np.ndarray:
        rho = np.array(loss(z), dtype=float)  # a copy: the user's array is never modified
        if rho.shape != (3, m):
            raise ValueError("The return value of `loss` callable has wrong shape.")
        return rho

    return rho_of_z
# [/construct]


# [rescale]
def scale_for_robust_loss_function(J: Any, f: np.ndarray,
                                   rho: np.ndarray) -> tuple[Any, np.ndarray]:
    """Correct ``J`` and ``f`` as in (12.5) so that least squares sees the robust cost.

    After the call ``J^T J`` is the Gauss–Newton Hessian (12.4) of the robust cost and
    ``J^T f`` its gradient (12.3), wherever ``rho' + 2 rho'' f**2 >= eps``.

    Parameters
    ----------
    J : ndarray, shape (m, n), or a CSR-like sparse matrix
        Jacobian of the residuals. **Scaled in place** (as scipy does, to avoid a copy of a
        possibly large matrix); the solvers pass their own working copy.
    f : ndarray, shape (m,)
        Residuals, **scaled in place**.
    rho : ndarray, shape (3, m)
        ``rho_C, rho_C', rho_C''`` at ``f**2``, from the loss function.

    Returns
    -------
    J, f
        The same objects, now corrected.
    """
    J_scale = rho[1] + 2 * rho[2] * f**2  # the diagonal of (12.4)
    J_scale[J_scale < EPS] = EPS  # far outliers: no negative curvature in a Gauss-Newton model
    J_scale **= 0.5
    f *= rho[1] / J_scale
    return left_scale_rows(J, J_scale), f
# [/rescale]


def left_scale_rows(J: Any, d: np.ndarray) -> Any:
    """``diag(d) J``: in place for a dense array or a CSR matrix, a new operator for a
    linear operator (:func:`refopt.lsq.jacobian.scale_rows`)."""
    return scale_rows(J, d)
