"""The nearly exact solution of the trust-region subproblem (``minimize(method='trust-exact')``).

J. J. Moré and D. C. Sorensen, "Computing a trust region step", *SIAM J. Sci. Stat.
Comput.* 4(3) (1983), 553–572; A. R. Conn, N. I. M. Gould and P. L. Toint, *Trust-Region
Methods*, SIAM (2000), §7.3 (CGT); J. Nocedal and S. J. Wright, *Numerical Optimization*,
2nd ed. (2006), §4.3. The condition estimate is A. K. Cline, C. B. Moler, G. W. Stewart and
J. H. Wilkinson, "An estimate for the condition number of a matrix", *SIAM J. Numer. Anal.*
16(2) (1979), 368–375.

``p*`` solves ``min m(p)`` over ``‖p‖ <= Δ`` (globally, ``B`` indefinite or not) exactly
when, for some ``λ >= 0``::

    (B + λI) p* = -g,   λ (Δ - ‖p*‖) = 0,   B + λI positive semidefinite   (29.24) [MS (2.1)]

With ``p(λ) = -(B + λI)⁻¹ g`` the boundary case is the root of the secular equation
``1/‖p(λ)‖ - 1/Δ = 0``, nearly linear in λ, and Newton's method on it gives, from the
Cholesky factor ``B + λI = UᵀU`` and ``w`` solving ``Uᵀ w = p``::

    λ <- λ + (‖p‖/‖w‖)² (‖p‖ - Δ)/Δ                            (29.25) [N&W (4.44)]

λ is kept in a bracket ``[λ_L, λ_U]`` (from Gershgorin bounds, CGT §7.3.8) and, whenever
Newton's step leaves it or a factorization fails, replaced by
``max(√(λ_L λ_U), λ_L + θ (λ_U - λ_L))``, ``θ = 0.01``        (29.26) [CGT (7.3.14)]

A failed factorization at ``k`` also raises ``λ_L``: adding ``δ`` to the ``k``-th diagonal
entry makes the leading k-by-k block singular with null vector ``v``, so
``λ_L >= λ + δ/‖v‖²``                                          (29.27) [MS (3.3), CGT §7.3.3]

*The hard case*: ``g`` orthogonal to the eigenvectors of the lowest eigenvalue ``λ₁``, so
``‖p(λ)‖ < Δ`` for every ``λ > -λ₁``. Then (MS Lemma 3.4) a step ``τ z`` along a vector
with small ``zᵀ(B + λI)z`` (the Cline–Moler–Stewart–Wilkinson estimate of the smallest
singular vector of ``U``) is added to reach the boundary, ``τ`` the root of (29.18) of
smaller magnitude, and the step is accepted when

    τ² (zᵀ(B+λI)z) <= k_hard (pᵀ(B+λI)p + λΔ²)                 (29.28) [MS (3.5), CGT (7.3.41)]

The boundary case stops when ``|‖p‖ - Δ| <= k_easy Δ``         (29.29) [MS (3.2)]

with ``k_easy = 0.1`` and ``k_hard = 0.2`` (scipy's), at most ``subproblem_maxiter`` (25)
factorizations per solve. The steps, safeguards and stopping tests are scipy 1.17's
``IterativeSubproblem``; refopt differs where scipy is wrong:

* after a successful trial factorization at the Newton value (29.25) scipy goes on with the
  *previous* factor, so the next ``p`` belongs to the previous λ while λ has moved on; here
  the new factor is used, and a returned interior-to-the-test step satisfies (29.24)'s first
  equation at the returned λ;
* when the iteration limit ends the loop, scipy returns the last ``p`` even if it lies
  outside the ball (or fails with ``UnboundLocalError`` if no factorization ever
  succeeded); here the step is the better, by the model, of that ``p`` cut back to the
  boundary and the Cauchy point.

As in scipy the Hessian is evaluated when the subproblem is set up, so at every trial point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import OptimizeResult
from .trust_region import QuadraticModel, boundary_intersections, minimize_trust_region

__all__ = ["minimize_trust_exact", "ExactSubproblem", "cholesky_upper",
           "estimate_smallest_singular_value", "gershgorin_bounds",
           "singular_leading_submatrix"]

EPS = np.finfo(float).eps


def minimize_trust_exact(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                         hess: Any = None, callback: Callable | None = None,
                         subproblem_maxiter: int | None = None,
                         **options: Any) -> OptimizeResult:
    """Minimize with nearly exact trust-region steps; options as
    :func:`~refopt.optimize.trust_region.minimize_trust_region`, and ``subproblem_maxiter``
    (factorizations per subproblem, 25 by default; ``np.inf`` for no limit).

    Raises
    ------
    ValueError
        Without a callable ``jac`` or ``hess`` (scipy's texts), or a negative
        ``subproblem_maxiter``.
    """
    if jac is None:
        raise ValueError("Jacobian is required for trust region exact minimization.")
    if not callable(hess):
        raise ValueError("Hessian matrix is required for trust region exact minimization.")
    if subproblem_maxiter is not None and subproblem_maxiter < 0:
        raise ValueError("maxiter must not be set to a negative number, use np.inf to mean "
                         "infinite.")
    return minimize_trust_region(fun, x0, args, jac, hess, None, callback,
                                 subproblem=ExactSubproblem,
                                 subproblem_options={"maxiter": subproblem_maxiter}, **options)


# [cholesky]
def cholesky_upper(A: np.ndarray) -> tuple[np.ndarray, int]:
    """``(U, info)`` with ``A = UᵀU`` from ``A``'s upper triangle, as LAPACK's ``potrf``.

    ``info = 0`` on success; else ``info = k`` (1-based): the leading k-by-k block is not
    positive definite, rows ``< k`` of ``U`` hold the partial factor and ``U[k-1, k-1]`` the
    failed pivot. numpy's factorization is tried first (it is LAPACK); only a failure is
    redone row by row to find ``k``.
    """
    try:
        return np.linalg.cholesky(A.T).T, 0
    except np.linalg.LinAlgError:
        pass
    n = len(A)
    U = np.zeros_like(A, dtype=float)
    for j in range(n):
        pivot = A[j, j] - np.dot(U[:j, j], U[:j, j])
        if not pivot > 0:
            U[j, j] = pivot
            return U, j + 1
        U[j, j] = np.sqrt(pivot)
        U[j, j + 1:] = (A[j, j + 1:] - U[:j, j] @ U[:j, j + 1:]) / U[j, j]
    return U, 0
# [/cholesky]


def estimate_smallest_singular_value(U: np.ndarray) -> tuple[float, np.ndarray]:
    """Estimate the smallest singular value of upper triangular ``U`` and its right singular
    vector (Cline, Moler, Stewart & Wilkinson 1979; Golub & Van Loan, Algorithm 3.5.1).

    Choose ``e`` of ±1 entries, one at a time, to make the solution of ``Uᵀ w = e`` large;
    then solve ``U v = w``: ``‖w‖/‖v‖`` estimates ``σ_min`` and ``v/‖v‖`` its vector.
    """
    n = len(U)
    partial = np.zeros(n)  # the sums U[:k, j] w[:k] of the columns not yet reached
    w = np.empty(n)
    for k in range(n):
        w_plus = (1 - partial[k]) / U[k, k]
        w_minus = (-1 - partial[k]) / U[k, k]
        plus = partial[k + 1:] + U[k, k + 1:] * w_plus
        minus = partial[k + 1:] + U[k, k + 1:] * w_minus
        if abs(w_plus) + np.abs(plus).sum() >= abs(w_minus) + np.abs(minus).sum():
            w[k], partial[k + 1:] = w_plus, plus
        else:
            w[k], partial[k + 1:] = w_minus, minus
    v = np.linalg.solve(U, w)
    v_norm = np.linalg.norm(v)
    return np.linalg.norm(w) / v_norm, v / v_norm


def gershgorin_bounds(B: np.ndarray) -> tuple[float, float]:
    """Lower and upper bounds on the eigenvalues of ``B`` from Gershgorin's discs."""
    diagonal = np.diag(B)
    radii = np.abs(B).sum(axis=1) - np.abs(diagonal)
    return float(np.min(diagonal - radii)), float(np.max(diagonal + radii))


def singular_leading_submatrix(A: np.ndarray, U: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """``(δ, v)`` of (29.27): ``A + δ e_k e_kᵀ`` has a singular leading k-by-k block with
    ``vᵀ(A + δ e_k e_kᵀ)v = 0``; ``U`` the partial factor of :func:`cholesky_upper`."""
    delta = np.dot(U[:k - 1, k - 1], U[:k - 1, k - 1]) - A[k - 1, k - 1]
    v = np.zeros(len(A))
    v[k - 1] = 1
    if k > 1:
        v[:k - 1] = np.linalg.solve(U[:k - 1, :k - 1], -U[:k - 1, k - 1])
    return delta, v


def _cho_solve(U: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.solve(U, np.linalg.solve(U.T, b))


def _safeguarded(lambda_lb: float, lambda_ub: float, theta: float) -> float:
    """A λ inside the bracket (29.26)."""
    return max(np.sqrt(np.abs(lambda_lb * lambda_ub)), lambda_lb + theta * (lambda_ub - lambda_lb))


class ExactSubproblem:
    """Moré–Sorensen iteration at one model (``B`` dense, evaluated on construction)."""

    THETA = 0.01          # (29.26)
    MAXITER_DEFAULT = 25  # factorizations per solve (scipy's; the iteration can cycle)

    def __init__(self, model: QuadraticModel, k_easy: float = 0.1, k_hard: float = 0.2,
                 maxiter: float | None = None):
        self.model = model
        self.B = B = np.asarray(model.B, dtype=float)
        self.k_easy, self.k_hard = k_easy, k_hard
        self.maxiter = self.MAXITER_DEFAULT if maxiter is None else maxiter
        self.n = len(B)
        self.gershgorin_lb, self.gershgorin_ub = gershgorin_bounds(B)
        self.norm_inf = float(np.abs(B).sum(axis=1).max())
        self.norm_fro = float(np.linalg.norm(B, "fro"))
        self.close_to_zero = self.n * EPS * self.norm_inf  # below it ‖g‖ counts as 0
        self.previous_Delta = -1.0
        self.lambda_lb: float | None = None
        self.lambda_current = 0.0
        self.niter = 0
        self.stop = ""  # how the last solve ended: interior, boundary, hard or limit

    def initial_values(self, Delta: float) -> tuple[float, float, float]:
        """First λ and its bracket (CGT §7.3.8), the lower end kept from the last solve when
        the radius shrank."""
        g_norm, B = self.model.g_norm, self.B
        lambda_ub = max(0.0, g_norm / Delta + min(-self.gershgorin_lb, self.norm_fro,
                                                  self.norm_inf))
        lambda_lb = max(0.0, -float(np.min(np.diag(B))),
                        g_norm / Delta - min(self.gershgorin_ub, self.norm_fro, self.norm_inf))
        if Delta < self.previous_Delta:
            lambda_lb = max(self.lambda_lb, lambda_lb)
        if lambda_lb == 0:
            return 0.0, lambda_lb, lambda_ub
        return _safeguarded(lambda_lb, lambda_ub, self.THETA), lambda_lb, lambda_ub

    # [exact-solve]
    def solve(self, Delta: float) -> tuple[np.ndarray, bool]:
        """The nearly exact step for radius ``Delta``, and whether it is on the boundary."""
        g, g_norm, n = self.model.g, self.model.g_norm, self.n
        lam, lambda_lb, lambda_ub = self.initial_values(Delta)
        p, hits_boundary, factor = None, True, None
        self.niter, self.stop = 0, "limit"  # how the last solve ended
        while self.niter < self.maxiter:
            if factor is None:
                H = self.B + lam * np.eye(n)
                U, info = cholesky_upper(H)
            else:  # factored at this λ by the trial below
                (H, U, info), factor = factor, None
            self.niter += 1
            if info == 0 and g_norm > self.close_to_zero:
                p = _cho_solve(U, -g)
                p_norm = np.linalg.norm(p)
                if p_norm <= Delta and lam == 0:  # interior: Newton step inside the ball
                    hits_boundary, self.stop = False, "interior"
                    break
                w = np.linalg.solve(U.T, p)
                w_norm = np.linalg.norm(w)
                lambda_new = lam + (p_norm / w_norm) ** 2 * (p_norm - Delta) / Delta  # (29.25)
                if p_norm < Delta:  # λ too large, or the hard case
                    s_min, z_min = estimate_smallest_singular_value(U)
                    ta, tb = boundary_intersections(p, z_min, Delta)
                    tau = min([ta, tb], key=abs)
                    relative_error = tau**2 * s_min**2 / (np.dot(p, H @ p) + lam * Delta**2)
                    if relative_error <= self.k_hard:                                 # (29.28)
                        p, self.stop = p + tau * z_min, "hard"
                        break
                    lambda_ub = lam
                    lambda_lb = max(lambda_lb, lam - s_min**2)
                    H_new = self.B + lambda_new * np.eye(n)
                    U_new, info_new = cholesky_upper(H_new)
                    if info_new == 0:
                        lam, factor = lambda_new, (H_new, U_new, 0)
                    else:
                        lambda_lb = max(lambda_lb, lambda_new)
                        lam = _safeguarded(lambda_lb, lambda_ub, self.THETA)         # (29.26)
                else:  # outside the ball: λ too small
                    if abs(p_norm - Delta) / Delta <= self.k_easy:                    # (29.29)
                        self.stop = "boundary"
                        break
                    lambda_lb, lam = lam, lambda_new
            elif info == 0:  # ‖g‖ about 0: only the curvature can give a decrease
                if lam == 0:
                    p, hits_boundary, self.stop = np.zeros(n), False, "interior"
                    break
                s_min, z_min = estimate_smallest_singular_value(U)
                p = Delta * z_min
                if Delta**2 * s_min**2 <= self.k_hard * lam * Delta**2:               # (29.28)
                    self.stop = "hard"
                    break
                lambda_ub = lam
                lambda_lb = max(lambda_lb, lam - s_min**2)
                lam = _safeguarded(lambda_lb, lambda_ub, self.THETA)                 # (29.26)
            else:  # B + λI is not positive definite: raise the lower bound
                delta, v = singular_leading_submatrix(H, U, info)
                lambda_lb = max(lambda_lb, lam + delta / np.dot(v, v))                 # (29.27)
                lam = _safeguarded(lambda_lb, lambda_ub, self.THETA)                 # (29.26)
        self.lambda_lb, self.lambda_current, self.previous_Delta = lambda_lb, lam, Delta
        if self.stop == "limit":
            p = self._fallback(p, Delta)
        return p, hits_boundary
    # [/exact-solve]

    def _fallback(self, p: np.ndarray | None, Delta: float) -> np.ndarray:
        """After the iteration limit: the better of ``p`` cut to the ball and the Cauchy point."""
        model = self.model
        if p is not None and np.all(np.isfinite(p)):
            p_norm = np.linalg.norm(p)
            p = p * (Delta / p_norm) if p_norm > Delta else p
        if model.g_norm == 0:
            return np.zeros(self.n) if p is None else p
        g, g_norm = model.g, model.g_norm
        gBg = np.dot(g, self.B @ g)
        cauchy = -min(Delta / g_norm, g_norm**2 / gBg if gBg > 0 else np.inf) * g  # (29.20)
        return p if p is not None and model(p) <= model(cauchy) else cauchy
