"""The generalized Lanczos trust-region method GLTR (``minimize(method='trust-krylov')``).

N. I. M. Gould, S. Lucidi, M. Roma and P. L. Toint, "Solving the trust-region subproblem
using the Lanczos method", *SIAM J. Optim.* 9(2) (1999), 504–525 (GLRT); F. Lenders,
C. Kirches and A. Potschka, "trlib: a vector-free implementation of the GLTR method for
iterative solution of the trust region problem", *Optim. Methods Softw.* 33(3) (2018),
420–449, whose stopping rules scipy uses and refopt follows. The tridiagonal subproblem is
solved by the Moré–Sorensen iteration of :mod:`refopt.optimize.trust_exact`.

Steihaug's CG (chapter 29, trust-ncg) stops at the boundary; GLTR goes on minimizing the
model over the growing Krylov spaces ``K_k = span{g, Bg, ..., B^k g}`` intersected with the
ball. Lanczos gives an orthonormal basis ``Q_k`` of ``K_k`` and the tridiagonal
``T_k = Q_kᵀ B Q_k`` (diagonal ``δ_j``, off-diagonal ``γ_j``)::

    γ_{j+1} q_{j+1} = B q_j - δ_j q_j - γ_j q_{j-1},   q_0 = g/‖g‖          (29.30) [GLRT (2.6)]

and with ``p = Q_k h`` the subproblem on ``K_k`` is a tridiagonal one::

    min ‖g‖ e_1ᵀh + ½ hᵀT_k h   subject to ‖h‖ <= Δ                      (29.31) [GLRT (3.3)]

solved, λ and all, by (29.24)–(29.25) with ``T_k + λI`` in place of ``B + λI``. Its
solution ``h_k, λ_k`` gives the step ``Q_k h_k``, and the gradient of the Lagrangian there
is known without another product::

    ‖(B + λ_k I) Q_k h_k + g‖ = γ_{k+1} |e_{k+1}ᵀ h_k|                    (29.32) [GLRT (5.1)]

The iteration stops when (29.32) is at most ``η ‖g‖``: ``η_i = min(1/2, ‖g‖)`` for an
interior solution (``λ = 0``) and ``η_b = max(10⁻⁶, min(1/2, √‖g‖))`` on the boundary —
trlib's ``tol_rel_i = -2``, ``tol_rel_b = -3``, scipy's default ``inexact=True``; with
``inexact=False``, ``η_i = 10⁻⁸`` and ``η_b = 10⁻⁶``. It stops also when the Krylov space is
invariant (``γ_{k+1} = 0``) or after ``min(10⁹/n, 2n)`` Lanczos steps, trlib's limit. A
re-solve with a smaller radius after a rejected step starts from the stored ``T_k`` and
``Q_k`` (trlib's hot start) and continues the Lanczos iteration only if the test fails.

Where refopt differs from scipy (which calls the C library trlib): the Lanczos vectors are
formed directly rather than through CG's directions (the same spaces and products, one
product per step), and (29.31) is solved with ``T_k + λI`` diagonalised once per step by its
eigenvectors — ``T_k`` is at most ``2n`` by ``2n`` — so the Moré–Sorensen Newton steps
(29.25), the hard case (29.28) and the leftmost eigenvalue come from one small
eigendecomposition instead of a factorization per λ. Steps agree with trlib's to the
tolerances above, not to the last digit, so counts may differ where a step's acceptance is
a near thing.

As in scipy the gradient is evaluated when the subproblem is set up, so at every trial point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import OptimizeResult
from .trust_region import QuadraticModel, minimize_trust_region

__all__ = ["minimize_trust_krylov", "GLTRSubproblem", "tridiagonal_trust_region"]

HARD_CASE_TOL = 1e-12  # relative size of a gradient component counted as zero


def minimize_trust_krylov(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                          hess: Any = None, hessp: Any = None,
                          callback: Callable | None = None, inexact: bool = True,
                          **options: Any) -> OptimizeResult:
    """Minimize with GLTR steps; options as
    :func:`~refopt.optimize.trust_region.minimize_trust_region`, and ``inexact`` (loose
    subproblem tolerances: fewer products, more iterations).

    Raises
    ------
    ValueError
        Without a callable ``jac``, or with neither ``hess`` nor ``hessp``.
    """
    if jac is None:  # scipy passes these two strings as two arguments; joined here
        raise ValueError("Jacobian is required for trust region exact minimization.")
    if hess is None and hessp is None:
        raise ValueError("Either the Hessian or the Hessian-vector product is required for "
                         "Krylov trust-region minimization")
    return minimize_trust_region(fun, x0, args, jac, hess, hessp, callback,
                                 subproblem=GLTRSubproblem,
                                 subproblem_options={"inexact": inexact}, **options)


class _CGNorms:
    """The lengths CG would have, from the Lanczos numbers alone (trlib's recursions).

    The Lanczos pivots are CG's ``1/α_k`` and ``β_k = (γ_{k+1} α_k)²``; with them
    ``‖r_{k+1}‖² = β_k ‖r_k‖²``, ``‖p_k‖² = ‖r_k‖² + β_{k-1}² ‖p_{k-1}‖²`` and
    ``sᵀp_k = β_{k-1} (sᵀp_{k-1} + α_{k-1} ‖p_{k-1}‖²)`` give ``‖s + α_k p_k‖`` and the
    residual of the CG point in O(1) a step, without solving with T_k.
    """

    def __init__(self, g_norm_sq: float):
        self.r_sq = self.p_sq = g_norm_sq
        self.s_sq = self.s_p = 0.0
        self.alpha = self.beta = None
        self.trial_norm_sq = 0.0
        self.residual = math.sqrt(g_norm_sq)

    def advance(self, pivot: float, gamma: float) -> None:
        if self.alpha is not None:  # the new direction p_k
            self.s_p = self.beta * (self.s_p + self.alpha * self.p_sq)
            self.p_sq = self.r_sq + self.beta**2 * self.p_sq
        self.alpha = 1 / pivot if pivot != 0 else math.inf
        self.trial_norm_sq = self.s_sq + self.alpha * (2 * self.s_p + self.alpha * self.p_sq)
        self.beta = (gamma * self.alpha) ** 2
        self.r_sq = self.beta * self.r_sq
        self.residual = math.sqrt(self.r_sq)

    def accept(self) -> None:
        self.s_sq = self.trial_norm_sq


# [tridiagonal]
def tridiagonal_trust_region(T: np.ndarray, c: np.ndarray, Delta: float,
                             rtol: float = 1e-12, maxiter: int = 100) -> tuple[np.ndarray, float]:
    """Globally minimize ``cᵀh + ½ hᵀT h`` over ``‖h‖ <= Delta``; return ``(h, λ)``.

    ``T`` symmetric (here tridiagonal and small). With ``T = V diag(θ) Vᵀ`` and ``a = Vᵀc``,
    ``‖h(λ)‖² = Σ a_i² / (θ_i + λ)²`` for ``λ > -θ_1``, and Newton's method (29.25) on
    ``1/‖h(λ)‖ = 1/Δ``, started left of the root, rises monotonically to it (the function
    is concave and increasing). When ``a`` vanishes on the lowest eigenvalue and
    ``‖h(-θ_1)‖ <= Δ`` (the hard case) the step is completed along that eigenvector to the
    boundary (29.28).
    """
    theta, V = np.linalg.eigh(T)
    a = V.T @ c
    lowest = theta[0]
    if lowest > 0:  # positive definite: is the Newton step inside?
        h = -V @ (a / theta)
        if np.linalg.norm(h) <= Delta:
            return h, 0.0
    lambda_min = max(0.0, -lowest)
    low = theta - lowest <= rtol * max(np.abs(theta).max(), 1.0)
    a_low = np.linalg.norm(a[low])
    if lowest > 0:
        lam = 0.0  # and ‖h(0)‖ > Delta
    elif a_low <= HARD_CASE_TOL * np.linalg.norm(c):  # the hard case, or nearly
        a = np.where(low, 0.0, a)
        h = -V @ _ratio(a, theta + lambda_min)
        gap = Delta**2 - np.dot(h, h)
        if gap >= 0:                                                          # (29.28)
            return h + np.sqrt(gap) * V[:, 0], lambda_min
        lam = lambda_min
    else:  # ‖h(λ)‖ >= a_low / (λ - λ_min): this λ is left of the root
        lam = lambda_min + a_low / Delta
    for _ in range(maxiter):
        ratio = _ratio(a, theta + lam)
        h_norm = np.linalg.norm(ratio)
        if abs(h_norm - Delta) <= rtol * Delta:
            break
        w_norm_sq = np.sum(_ratio(ratio**2, theta + lam))
        step = (h_norm**2 / w_norm_sq) * (h_norm - Delta) / Delta             # (29.25)
        if not step > 0:  # rounding: no further progress from the left
            break
        lam += step
    return -V @ _ratio(a, theta + lam), lam


def _ratio(a: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """``a / shifted``, with 0 where ``a`` is 0 (components dropped in the hard case)."""
    return np.divide(a, shifted, out=np.zeros_like(a), where=a != 0)
# [/tridiagonal]


class GLTRSubproblem:
    """GLTR at one model: the Lanczos basis and tridiagonal, kept for re-solves."""

    ZERO = 2e-16        # trlib's breakdown test on the squared CG residual
    STALL_WINDOW = 10   # trlib's early end of a boundary phase that no longer progresses

    def __init__(self, model: QuadraticModel, inexact: bool = True):
        self.model = model
        g_norm = model.g_norm  # the gradient, evaluated on construction as in scipy
        n = model.g.size
        self.itmax = int(min(1e9 / n, 2 * n))
        if inexact:
            eta_i = min(0.5, g_norm)
            eta_b = max(1e-6, min(0.5, np.sqrt(g_norm)))
        else:
            eta_i, eta_b = 1e-8, 1e-6
        self.stop_interior, self.stop_boundary = eta_i * g_norm, eta_b * g_norm
        self.Q = np.empty((self.itmax, n))  # the Lanczos vectors q_0 .. q_{k-1}, as rows
        self.T = np.zeros((self.itmax, self.itmax))  # T_k is the leading k-by-k block
        self.c = np.zeros(self.itmax)
        self.c[0] = g_norm
        self.k = 0
        self.gamma_next = 0.0          # γ_k, coupling q_{k-1} to the next vector
        self._next = model.g / g_norm if g_norm > 0 else model.g
        self.pivot = 0.0               # last pivot of T_k = L D Lᵀ (all > 0: T_k is PD)
        self.positive_definite = True
        self.interior = True           # T_k PD and its CG iterate inside, so far
        self.progress: list[float] = []
        self.lam = 0.0

    def _lanczos_step(self) -> None:
        """One step of (29.30): one product with B."""
        k, q = self.k, self._next
        u = self.model.hessp(q)
        if k > 0:
            u = u - self.gamma_next * self.Q[k - 1]
        d = np.dot(q, u)
        u = u - d * q
        gamma = np.linalg.norm(u)
        if not (np.isfinite(d) and np.isfinite(gamma)):
            raise np.linalg.LinAlgError("The Hessian product is not finite.")
        self.Q[k] = q
        self.T[k, k] = d
        if k > 0:
            self.T[k, k - 1] = self.T[k - 1, k] = self.gamma_next
            self.pivot = d - self.gamma_next**2 / self.pivot
        else:
            self.pivot = d
        self.positive_definite = self.positive_definite and self.pivot > 0
        self.k, self.gamma_next = k + 1, gamma
        self._next = u / gamma if gamma > 0 else u

    def _tridiagonal(self) -> tuple[np.ndarray, np.ndarray]:
        return self.T[:self.k, :self.k], self.c[:self.k]

    def _step(self, h: np.ndarray, lam: float) -> tuple[np.ndarray, bool]:
        self.lam = lam
        return h @ self.Q[:self.k], lam > 0

    def _stalled(self) -> bool:
        """No tenfold progress over the last ten boundary iterations, and no setback."""
        h = self.progress
        k = len(h) - 1
        if self.interior or k <= self.STALL_WINDOW or not h[k - self.STALL_WINDOW] > 0.1 * h[k]:
            return False
        return all(h[j + 1] <= h[j] for j in range(k - self.STALL_WINDOW, k))

    # [gltr-solve]
    def solve(self, Delta: float) -> tuple[np.ndarray, bool]:
        """The GLTR step for radius ``Delta`` and whether it is on the boundary (λ > 0)."""
        if self.model.g_norm == 0:
            return np.zeros_like(self.model.g), False
        if self.k:  # a re-solve with a smaller radius: (29.31) on the stored T_k only
            return self._step(*tridiagonal_trust_region(*self._tridiagonal(), Delta))
        cg = _CGNorms(self.model.g_norm**2)
        while True:
            self._lanczos_step()
            cg.advance(self.pivot, self.gamma_next)
            self.interior = (self.interior and self.positive_definite
                             and cg.trial_norm_sq < Delta**2)
            if self.interior:
                cg.accept()
                converged = cg.residual <= self.stop_interior
                self.progress.append(cg.residual / self.stop_interior**2)
                h, lam = None, 0.0
            else:
                h, lam = tridiagonal_trust_region(*self._tridiagonal(), Delta)  # (29.31)
                if lam == 0 and self.positive_definite:
                    return self._step(h, lam)
                lagrangian = self.gamma_next * abs(h[-1])                       # (29.32)
                converged = lagrangian <= self.stop_boundary
                self.progress.append(lagrangian / self.stop_boundary)
            if (cg.residual**2 <= self.ZERO or converged or self._stalled()
                    or self.k >= self.itmax):
                if h is None:  # the CG point, T_k h = -‖g‖ e_1
                    T, c = self._tridiagonal()
                    h = np.linalg.solve(T, -c)
                return self._step(h, lam)
    # [/gltr-solve]
