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

    γ_{j+1} q_{j+1} = B q_j - δ_j q_j - γ_j q_{j-1},   q_0 = g/‖g‖          (29.16) [GLRT (2.6)]

and with ``p = Q_k h`` the subproblem on ``K_k`` is a tridiagonal one::

    min ‖g‖ e_1ᵀh + ½ hᵀT_k h   subject to ‖h‖ <= Δ                      (29.17) [GLRT (3.3)]

solved, λ and all, by (29.10)–(29.11) with ``T_k + λI`` in place of ``B + λI``. Its
solution ``h_k, λ_k`` gives the step ``Q_k h_k``, and the gradient of the Lagrangian there
is known without another product::

    ‖(B + λ_k I) Q_k h_k + g‖ = γ_{k+1} |e_{k+1}ᵀ h_k|                    (29.18) [GLRT (5.1)]

The iteration stops when (29.18) is at most ``η ‖g‖``: ``η_i = min(1/2, ‖g‖)`` for an
interior solution (``λ = 0``) and ``η_b = max(10⁻⁶, min(1/2, √‖g‖))`` on the boundary —
trlib's ``tol_rel_i = -2``, ``tol_rel_b = -3``, scipy's default ``inexact=True``; with
``inexact=False``, ``η_i = 10⁻⁸`` and ``η_b = 10⁻⁶``. It stops also when the Krylov space is
invariant (``γ_{k+1} = 0``) or after ``min(10⁹/n, 2n)`` Lanczos steps, trlib's limit. A
re-solve with a smaller radius after a rejected step starts from the stored ``T_k`` and
``Q_k`` (trlib's hot start) and continues the Lanczos iteration only if the test fails.

Where refopt differs from scipy (which calls the C library trlib): the Lanczos vectors are
formed directly rather than through CG's directions (the same spaces and products, one
product per step), and (29.17) is solved with ``T_k + λI`` diagonalised once per step by its
eigenvectors — ``T_k`` is at most ``2n`` by ``2n`` — so the Moré–Sorensen Newton steps
(29.11), the hard case (29.14) and the leftmost eigenvalue come from one small
eigendecomposition instead of a factorization per λ. Steps agree with trlib's to the
tolerances above, not to the last digit, so counts may differ where a step's acceptance is
a near thing.

As in scipy the gradient is evaluated when the subproblem is set up, so at every trial point.
"""

from __future__ import annotations

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


# [tridiagonal]
def tridiagonal_trust_region(T: np.ndarray, c: np.ndarray, Delta: float,
                             rtol: float = 1e-12, maxiter: int = 100) -> tuple[np.ndarray, float]:
    """Globally minimize ``cᵀh + ½ hᵀT h`` over ``‖h‖ <= Delta``; return ``(h, λ)``.

    ``T`` symmetric (here tridiagonal and small). With ``T = V diag(θ) Vᵀ`` and ``a = Vᵀc``,
    ``‖h(λ)‖² = Σ a_i² / (θ_i + λ)²`` for ``λ > -θ_1``, and Newton's method (29.11) on
    ``1/‖h(λ)‖ = 1/Δ``, started left of the root, rises monotonically to it (the function
    is concave and increasing). When ``a`` vanishes on the lowest eigenvalue and
    ``‖h(-θ_1)‖ <= Δ`` (the hard case) the step is completed along that eigenvector to the
    boundary (29.14).
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
        if gap >= 0:                                                          # (29.14)
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
        step = (h_norm**2 / w_norm_sq) * (h_norm - Delta) / Delta             # (29.11)
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
        self.Q: list[np.ndarray] = []
        self.delta: list[float] = []
        self.gamma: list[float] = []   # gamma[j] couples q_j and q_{j+1}
        self.pivot = 0.0               # last pivot of T_k = L D Lᵀ (all > 0: T_k is PD)
        self.positive_definite = True
        self.interior = True           # T_k PD and its CG iterate inside, so far
        self.progress: list[float] = []
        self.lam = 0.0

    def _lanczos_step(self) -> None:
        """One step of (29.16): one product with B."""
        q = self.model.g / self.model.g_norm if not self.Q else self._next
        u = self.model.hessp(q)
        if not np.all(np.isfinite(u)):
            raise np.linalg.LinAlgError("The Hessian product is not finite.")
        if self.Q:
            u = u - self.gamma[-1] * self.Q[-1]
        self.Q.append(q)
        d = float(np.dot(q, u))
        u = u - d * q
        self.pivot = d if len(self.delta) == 0 else d - self.gamma[-1] ** 2 / self.pivot
        self.positive_definite = self.positive_definite and self.pivot > 0
        self.delta.append(d)
        self.gamma.append(float(np.linalg.norm(u)))
        self._next = u / self.gamma[-1] if self.gamma[-1] > 0 else u

    def _tridiagonal(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self.delta)
        off = np.asarray(self.gamma[:k - 1])
        c = np.zeros(k)
        c[0] = self.model.g_norm
        return np.diag(self.delta) + np.diag(off, 1) + np.diag(off, -1), c

    def _step(self, h: np.ndarray, lam: float) -> tuple[np.ndarray, bool]:
        self.lam = lam
        return np.stack(self.Q, axis=1) @ h, lam > 0

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
        if self.Q:  # a re-solve with a smaller radius: (29.17) on the stored T_k only
            return self._step(*tridiagonal_trust_region(*self._tridiagonal(), Delta))
        while True:
            self._lanczos_step()
            T, c = self._tridiagonal()
            cg_point = np.linalg.solve(T, -c) if self.pivot != 0 else np.full(len(c), np.inf)
            self.interior = (self.interior and self.positive_definite
                             and np.linalg.norm(cg_point) < Delta)
            if self.interior:
                h, lam = cg_point, 0.0
            else:
                h, lam = tridiagonal_trust_region(T, c, Delta)                  # (29.17)
                if lam == 0 and self.positive_definite:
                    return self._step(h, lam)
            cg_residual = self.gamma[-1] * abs(cg_point[-1])
            lagrangian = self.gamma[-1] * abs(h[-1])                            # (29.18)
            if self.interior:
                converged = cg_residual <= self.stop_interior
                self.progress.append(cg_residual / self.stop_interior**2)
            else:
                converged = lagrangian <= self.stop_boundary
                self.progress.append(lagrangian / self.stop_boundary)
            if (cg_residual**2 <= self.ZERO or converged or self._stalled()
                    or len(self.Q) >= self.itmax):
                return self._step(h, lam)
    # [/gltr-solve]
