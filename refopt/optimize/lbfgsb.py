"""L-BFGS-B: limited-memory BFGS for bound-constrained minimization.

R. H. Byrd, P. Lu, J. Nocedal and C. Zhu, "A limited memory algorithm for bound constrained
optimization", SIAM Journal on Scientific Computing 16(5), 1190–1208 (1995); the compact
limited-memory matrices of R. H. Byrd, J. Nocedal and R. B. Schnabel, "Representations of
quasi-Newton matrices and their use in limited memory methods", Mathematical Programming
63, 129–156 (1994); and the subspace step of version 3.0, J. L. Morales and J. Nocedal,
"Remark on 'Algorithm 778: L-BFGS-B'", ACM Transactions on Mathematical Software 38(1),
article 7 (2011). This is the code scipy 1.17 runs (its C translation of the Fortran 3.0),
step for step: the same tests, constants and messages, so the same evaluations.

The problem is ``min f(x)`` subject to ``l <= x <= u`` (either side may be infinite). From
the last ``m`` steps ``s_i = x_{i+1} - x_i`` and gradient changes ``y_i = g_{i+1} - g_i``
(the n-by-k matrices ``S`` and ``Y``, oldest first) the BFGS matrix is held in compact form::

    B = theta I - W M Wᵀ,   W = [Y  theta S]                                 (26.1) [BNS 3.2]
    M = [[-D, Lᵀ], [L, theta SᵀS]]⁻¹                                          (26.2)
    D = diag(s_iᵀ y_i),  L_ij = s_iᵀ y_j for i > j (else 0),  theta = yᵀy / sᵀy  (26.3)

``M`` is applied through the Cholesky factor ``J Jᵀ`` of ``T = theta SᵀS + L D⁻¹ Lᵀ`` (26.4).
One iteration from ``x`` with gradient ``g``:

1. The generalized Cauchy point: along the projected steepest-descent path
   ``x(t) = P(x - t g)`` (P: projection on the box), which bends at the breakpoints
   ``t_i = (x_i - l_i)/g_i`` or ``(x_i - u_i)/g_i`` (26.5), the quadratic model
   ``m(x) = f + gᵀ(x - x_k) + ½ (x - x_k)ᵀB(x - x_k)`` is a piecewise quadratic in ``t``.
   Visit the breakpoints in increasing order; on each segment the model's slope ``f'`` and
   curvature ``f''`` (26.6) give the segment's minimizer ``dt* = -f'/f''``; the first
   minimizer inside its segment is the Cauchy point ``x^c``. Crossing a breakpoint fixes one
   variable at its bound and updates ``f'`` and ``f''`` with O(m) work (26.7) [BLNZ 4.9–4.11].
2. Subspace minimization over the variables free at ``x^c`` (Z: their columns of I): the
   Newton step of the model restricted to them, from the reduced gradient
   ``r = -Zᵀ(g + B(x^c - x))`` (26.8), by the Sherman–Morrison–Woodbury formula with the
   2k-by-2k matrix ``K`` (26.9) [BLNZ 5.11]. Version 3.0 projects ``x^c + Z d`` onto the
   box (26.11); only if that point is not a descent direction from ``x`` does it fall back to
   the 1995 step, ``x^c + alpha* Z d`` with the largest ``alpha* <= 1`` that stays feasible
   (26.10) [MN 2011].
3. The line search from ``x`` along ``d = z - x`` (``z`` the subspace point): Moré–Thuente
   (``dcsrch``, :mod:`refopt.optimize.line_search`) with ``ftol=1e-3, gtol=0.9, xtol=0.1``,
   steps in ``[0, stpmax]``, where ``stpmax`` is the largest feasible step (1 at the first
   iteration of a constrained problem, 1e10 without bounds) (26.12); the first trial step is 1,
   or ``min(1/‖d‖, stpmax)`` at the first iteration unless every variable is boxed (26.13).
   Trial points are clipped to the box against rounding. A warning from the search ends it
   as a success; at most ``maxls`` evaluations. If it fails, the memory is discarded and the
   iteration repeated from steepest descent; if the memory was already empty, the run ends
   ("ABNORMAL").
4. Stop when ``max_i |P(x - g)_i - x_i| <= gtol`` (26.14), or when the decrease
   ``f_old - f <= ftol max(|f_old|, |f|, 1)`` (26.15); otherwise store ``(s, y)`` unless
   ``sᵀy <= eps (-g_oldᵀ s)`` (26.16), which would spoil positive definiteness.

Where refopt differs from scipy (each one a defect there, with a test here): a non-finite
``f`` or gradient at a trial point rejects the step (the search starts again with half the
step) instead of feeding NaN to ``dcsrch``; a step of rounding size counts as a failed search
(memory discarded) where scipy stops with a false "convergence"; ``fun`` at an ABNORMAL end is ``f(x)`` (scipy
returns the last trial value beside the restored ``x``); ``hess_inv`` keeps the pairs oldest
first (scipy passes its circular buffer in storage order once it has wrapped); ``maxcor < 1``
and ``ftol < 0`` are refused with ValueError (scipy evaluates ``f`` and returns "ERROR").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from ..linalg.operators import LinearOperator
from ._objective import ScalarObjective, warn_unknown_options
from .line_search import dcsrch
from .._warnings import warn_user

__all__ = ["minimize_lbfgsb", "LbfgsInvHessProduct"]

EPSMCH = float(np.finfo(float).eps)
SQRT_EPS = float(np.sqrt(EPSMCH))
LINE_SEARCH = dict(ftol=1e-3, gtol=0.9, xtol=0.1)  # lnsrlb's dcsrch constants
STEP_MAX_UNBOUNDED = 1e10
_NO_VALUE = object()  # "the deprecated option was not passed"

# scipy's messages: "<status>: <detail>"
CONV_GRAD = "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
CONV_F = "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"
STOP_MAXFUN = "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
STOP_MAXITER = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
STOP_CALLBACK = "STOP: CALLBACK REQUESTED HALT"
ABNORMAL = "ABNORMAL: "

# where a variable is (scipy's iwhere codes)
FREE_UNBOUNDED, FREE, FREE_ZERO_GRADIENT = -1, 0, -3
AT_LOWER, AT_UPPER, FIXED = 1, 2, 3


class SingularMemory(Exception):
    """A factorization of the limited-memory matrices failed: discard the memory."""


class NonFiniteTrial(Exception):
    """f or its gradient is not finite at a trial point of the line search."""


class OutOfEvaluations(Exception):
    """The line search would need more than ``maxls`` evaluations."""


# ------------------------------------------------------------------------------------------
# The box
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    """``l <= x <= u`` with the sides that exist (scipy's ``nbd`` codes, as two masks)."""

    lower: np.ndarray
    upper: np.ndarray
    has_lower: np.ndarray
    has_upper: np.ndarray

    @classmethod
    def from_bounds(cls, lower: np.ndarray, upper: np.ndarray) -> "Box":
        has_lower, has_upper = np.isfinite(lower), np.isfinite(upper)
        return cls(np.where(has_lower, lower, 0.0), np.where(has_upper, upper, 0.0),
                   has_lower, has_upper)

    @property
    def constrained(self) -> bool:
        return bool(np.any(self.has_lower | self.has_upper))

    @property
    def boxed(self) -> bool:
        return bool(np.all(self.has_lower & self.has_upper))

    def project(self, x: np.ndarray) -> np.ndarray:
        """``P(x)``; C's fmax/fmin, so a NaN coordinate becomes the bound."""
        x = np.where(self.has_lower, np.fmax(x, self.lower), x)
        return np.where(self.has_upper, np.fmin(x, self.upper), x)

    def initial_where(self) -> np.ndarray:
        """-1 for a variable without bounds, 3 for one fixed by ``l = u``, else 0."""
        where = np.where(self.has_lower | self.has_upper, FREE, FREE_UNBOUNDED)
        fixed = self.has_lower & self.has_upper & (self.upper - self.lower <= 0)
        return np.where(fixed, FIXED, where)


def projected_gradient_norm(x: np.ndarray, g: np.ndarray, box: Box) -> float:
    """``max_i |P(x - g)_i - x_i|`` (26.14): the gradient, with the parts that would leave the
    box cut at the bound; NaN if the gradient has a NaN."""
    if np.isnan(g).any():
        return np.nan
    pg = np.where(box.has_upper & (g < 0), np.fmax(x - box.upper, g), g)
    pg = np.where(box.has_lower & (g >= 0), np.fmin(x - box.lower, pg), pg)
    return float(np.max(np.abs(pg), initial=0.0))


# ------------------------------------------------------------------------------------------
# The compact limited-memory matrix (26.1)-(26.4)
# ------------------------------------------------------------------------------------------

def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError as exc:
        raise SingularMemory from exc


def _cholesky(A: np.ndarray) -> np.ndarray:
    """Lower factor of a symmetric positive definite ``A``; SingularMemory otherwise."""
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError as exc:
        raise SingularMemory from exc


class LimitedMemory:
    """The last ``k <= m`` correction pairs and what the compact form (26.1) needs of them.

    ``S`` and ``Y`` are n-by-k, oldest column first; ``SY`` holds ``SᵀY`` (lower triangle
    used), ``SS`` holds ``SᵀS`` (upper triangle used), ``theta`` the scaling (26.3) and
    ``middle`` the 2k-by-2k matrix ``M`` of (26.2).
    """

    def __init__(self, n: int, m: int):
        self.n, self.m = n, m
        self.reset()
        self.updates = 0  # pairs stored since the last reset

    def reset(self) -> None:
        self.S = np.zeros((self.n, 0))
        self.Y = np.zeros((self.n, 0))
        self.SY = np.zeros((0, 0))
        self.SS = np.zeros((0, 0))
        self.theta = 1.0
        self.middle = np.zeros((0, 0))
        self.W = np.zeros((self.n, 0))
        self.updates = 0

    @property
    def col(self) -> int:
        return self.S.shape[1]

    def update(self, s: np.ndarray, y: np.ndarray, sy: float, ss: float) -> None:
        """Store a new pair, dropping the oldest when full (scipy's ``matupd``), then form
        ``M`` (``formt``); SingularMemory if ``T`` is not positive definite."""
        if self.col == self.m:
            self.S, self.Y = self.S[:, 1:], self.Y[:, 1:]
            self.SY, self.SS = self.SY[1:, 1:], self.SS[1:, 1:]
        k = self.col
        SY = np.zeros((k + 1, k + 1))
        SS = np.zeros((k + 1, k + 1))
        SY[:k, :k], SS[:k, :k] = self.SY, self.SS
        SY[k, :k] = self.Y.T @ s        # new row of SᵀY: s_newᵀ y_j
        SS[:k, k] = self.S.T @ s        # new column of SᵀS: s_jᵀ s_new
        SY[k, k], SS[k, k] = sy, ss
        self.S = np.column_stack((self.S, s))
        self.Y = np.column_stack((self.Y, y))
        self.SY, self.SS = SY, SS
        self.theta = float(y @ y) / sy                                   # (26.3)
        self.updates += 1
        self.middle = self._middle_matrix()
        self.W = np.hstack((self.Y, self.theta * self.S))               # (26.1)

    def _middle_matrix(self) -> np.ndarray:
        """``M`` of (26.2) through ``T = theta SᵀS + L D⁻¹ Lᵀ = J Jᵀ`` (26.4), column by
        column as scipy's ``bmv`` applies it:
        ``M v = [-D⁻¹ v1 + D⁻¹ Lᵀ p2;  p2]`` with ``p2 = T⁻¹ (v2 + L D⁻¹ v1)``."""
        k = self.col
        D = np.diag(self.SY).copy()
        L = np.tril(self.SY, -1)
        SS = np.triu(self.SS) + np.triu(self.SS, 1).T
        T = self.theta * SS + (L / D) @ L.T
        J = _cholesky(T)                                                # (26.4)
        V1, V2 = np.eye(k, 2 * k), np.eye(k, 2 * k, k)
        P2 = _solve(J.T, _solve(J, V2 + (L / D) @ V1))
        P1 = (-V1 + L.T @ P2) / D[:, None]
        return np.vstack((P1, P2))

    def times_middle(self, v: np.ndarray) -> np.ndarray:
        return self.middle @ v

    def inverse_hessian(self) -> "LbfgsInvHessProduct":
        return LbfgsInvHessProduct(self.S.T.copy(), self.Y.T.copy())


# ------------------------------------------------------------------------------------------
# Step 1: the generalized Cauchy point (26.5)-(26.7)
# ------------------------------------------------------------------------------------------

@dataclass
class CauchyPoint:
    xcp: np.ndarray      # the generalized Cauchy point
    c: np.ndarray        # Wᵀ(xcp - x), for the reduced gradient (26.8)
    where: np.ndarray    # each variable's status at xcp
    segments: int        # segments of the path explored


def _start_of_path(x, g, box, where):
    """Which variables are at a bound the gradient pushes against (they stay), and the
    breakpoints (26.5) of the others along ``-g``."""
    neg_g = -g
    tl, tu = x - box.lower, box.upper - x
    bounded = (where != FIXED) & (where != FREE_UNBOUNDED)
    xlower = box.has_lower & (tl <= 0)
    xupper = box.has_upper & (tu <= 0)
    new = np.where(xlower, np.where(neg_g <= 0, AT_LOWER, FREE),
                   np.where(xupper, np.where(neg_g >= 0, AT_UPPER, FREE),
                            np.where(neg_g == 0, FREE_ZERO_GRADIENT, FREE)))
    where = np.where(bounded, new, where)
    moving = (where == FREE) | (where == FREE_UNBOUNDED)
    d = np.where(moving, neg_g, 0.0)
    to_lower = moving & box.has_lower & (neg_g < 0)
    to_upper = moving & ~to_lower & box.has_upper & (neg_g > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(to_lower, tl / -neg_g, np.where(to_upper, tu / neg_g, np.inf))
    has_break = to_lower | to_upper
    bounded_path = not np.any(moving & ~has_break & (neg_g != 0))
    return where, moving, d, t, has_break, bounded_path


def cauchy_point(x: np.ndarray, g: np.ndarray, box: Box, where: np.ndarray,
                 memory: LimitedMemory, sbgnrm: float) -> CauchyPoint:
    """The first local minimizer of the quadratic model along the projected gradient path
    (BLNZ 1995, Algorithm CP), breakpoints visited in increasing order."""
    col, theta = memory.col, memory.theta
    xcp = x.copy()
    c = np.zeros(2 * col)
    if sbgnrm <= 0:
        return CauchyPoint(xcp, c, where, 0)
    where, moving, d, t, has_break, bounded_path = _start_of_path(x, g, box, where)
    if not np.any(moving):                        # every variable stays: the path is x
        return CauchyPoint(xcp, c, where, 0)
    W = memory.W
    p = W.T @ d                                   # Wᵀd
    f1 = -float(d @ d)                            # f' = gᵀd        (26.6)
    f2 = -theta * f1                              # f'' = dᵀBd      (26.6)
    if col > 0:
        f2 -= float(memory.times_middle(p) @ p)
    f2_org = f2
    dtm = -f1 / f2
    tsum, segments = 0.0, 1
    order = np.flatnonzero(has_break)
    order = order[np.argsort(t[order], kind="stable")]
    tj = 0.0
    for count, ibp in enumerate(order, start=1):
        tj0, tj = tj, t[ibp]
        dt = tj - tj0
        if dtm < dt:                              # the minimizer lies in this segment
            break
        tsum += dt
        dibp = d[ibp]
        d[ibp] = 0.0
        if dibp > 0:
            zibp = box.upper[ibp] - x[ibp]
            xcp[ibp], where[ibp] = box.upper[ibp], AT_UPPER
        else:
            zibp = box.lower[ibp] - x[ibp]
            xcp[ibp], where[ibp] = box.lower[ibp], AT_LOWER
        segments += 1
        dibp2 = dibp * dibp
        f1 = f1 + dt * f2 + dibp2 - theta * dibp * zibp                 # (26.7)
        f2 = f2 - theta * dibp2
        if col > 0:
            c += dt * p
            wbp = W[ibp]
            v = memory.times_middle(wbp)
            wmc, wmp, wmw = float(c @ v), float(p @ v), float(wbp @ v)
            p -= dibp * wbp
            f1 += dibp * wmc
            f2 += 2.0 * dibp * wmp - dibp2 * wmw
        f2 = max(EPSMCH * f2_org, f2)             # keep the curvature positive
        if count < len(order):
            dtm = -f1 / f2
        else:                                     # past the last breakpoint
            dtm = 0.0 if bounded_path else -f1 / f2
            break
    dtm = max(dtm, 0.0)
    tsum += dtm
    xcp += tsum * d
    if col > 0:
        c += dtm * p
    return CauchyPoint(xcp, c, where, segments)


# ------------------------------------------------------------------------------------------
# Step 2: subspace minimization (26.8)-(26.10)
# ------------------------------------------------------------------------------------------

def reduced_gradient(x, g, z, c, free, memory) -> np.ndarray:
    """``r = -Zᵀ(g + B(z - x))`` (26.8), with ``B(z - x) = theta (z - x) - W M c`` and
    ``c = Wᵀ(z - x)`` from the Cauchy search."""
    Bdz_W = memory.W @ memory.times_middle(c)
    return (-memory.theta * (z - x) - g + Bdz_W)[free]


def k_factor(memory: LimitedMemory, free: np.ndarray) -> np.ndarray:
    """Upper-triangular ``R`` with ``K = Rᵀ E R``, ``E = diag(-I, I)`` (scipy's ``formk``),
    where (26.9)::

        K = [[-D - YᵀZZᵀY/theta,  (L_a - R_z)ᵀ],
             [L_a - R_z,          theta SᵀAAᵀS]]

    (Z the free, A the active variables; ``L_a`` the strictly lower part of ``SᵀAAᵀY``,
    ``R_z`` the upper part of ``SᵀZZᵀY``). SingularMemory if a block is not definite."""
    S, Y, theta = memory.S, memory.Y, memory.theta
    Sf, Yf, Sa, Ya = S[free], Y[free], S[~free], Y[~free]
    B11 = np.diag(np.diag(memory.SY)) + (Yf.T @ Yf) / theta
    B12 = (np.triu(Sf.T @ Yf) - np.tril(Sa.T @ Ya, -1)).T
    B22 = theta * (Sa.T @ Sa)
    U11 = _cholesky(B11).T
    X = _solve(U11.T, B12)
    U22 = _cholesky(B22 + X.T @ X).T
    k = memory.col
    R = np.zeros((2 * k, 2 * k))
    R[:k, :k], R[:k, k:], R[k:, k:] = U11, X, U22
    return R


def newton_direction(r: np.ndarray, free: np.ndarray, memory: LimitedMemory,
                     R: np.ndarray) -> np.ndarray:
    """The minimizer of the model over the free variables from the Cauchy point:
    ``d = (r + W_Z K⁻¹ W_Zᵀ r / theta) / theta`` by Sherman–Morrison–Woodbury (BLNZ 5.11)."""
    theta, k = memory.theta, memory.col
    Yf, Sf = memory.Y[free], memory.S[free]
    wv = np.concatenate((Yf.T @ r, theta * (Sf.T @ r)))
    wv = _solve(R.T, wv)
    wv[:k] = -wv[:k]
    wv = _solve(R, wv)
    return (r + Yf @ wv[:k] / theta + Sf @ wv[k:]) / theta


def subspace_point(x, g, z, d, free, box) -> np.ndarray:
    """Version 3.0: project ``z + Z d`` onto the box (26.11); if it is not a descent
    direction from ``x``, the 1995 step back from ``z`` to the first bound (26.10).

    refopt asks for a descent direction at an angle: ``-gᵀ(p - x) > sqrt(eps) ‖g‖ ‖p - x‖``
    (scipy: ``> 0``). A direction that descends by a hair (cosine ~1e-15) made scipy's search
    return a step of ~1e-16 and stop with a false "convergence" (found by the
    enumerated-quadratic test)."""
    lo, hi = box.lower[free], box.upper[free]
    has_lo, has_hi = box.has_lower[free], box.has_upper[free]
    zf = z[free]
    trial = zf + d
    trial = np.where(has_lo, np.fmax(lo, trial), trial)
    trial = np.where(has_hi, np.fmin(hi, trial), trial)
    hit = (has_lo & (trial == lo)) | (has_hi & (trial == hi))
    projected = z.copy()
    projected[free] = trial
    if not np.any(hit):
        return projected
    step = projected - x
    if float(step @ g) <= -SQRT_EPS * float(np.linalg.norm(step) * np.linalg.norm(g)):
        return projected                                                # (26.11)
    # (26.10): from z along d, the largest alpha <= 1 that keeps every free variable inside
    down, up = has_lo & (d < 0), has_hi & (d > 0)
    room = np.where(down, lo - zf, np.where(up, hi - zf, 0.0))
    ratio = np.full(d.shape, np.inf)
    ratio[down | up] = room[down | up] / d[down | up]
    ratio[(down & (room >= 0)) | (up & (room <= 0))] = 0.0   # at the bound already
    alpha, ibd = 1.0, None
    if ratio.size and np.min(ratio) < 1.0:
        ibd = int(np.argmin(ratio))
        alpha = float(ratio[ibd])
    d = d.copy()
    new = zf.copy()
    if ibd is not None:
        if d[ibd] > 0:
            new[ibd], d[ibd] = hi[ibd], 0.0
        elif d[ibd] < 0:
            new[ibd], d[ibd] = lo[ibd], 0.0
    result = z.copy()
    result[free] = new + alpha * d
    return result


# ------------------------------------------------------------------------------------------
# Step 3: the line search (26.12)-(26.13)
# ------------------------------------------------------------------------------------------

def largest_feasible_step(x: np.ndarray, d: np.ndarray, box: Box) -> float:
    """The largest ``stp`` with ``x + stp d`` in the box (0 if already at a bound that
    ``d`` points out of), at most 1e10 (26.12)."""
    down, up = box.has_lower & (d < 0), box.has_upper & (d > 0)
    room = np.where(down, box.lower - x, np.where(up, box.upper - x, 0.0))
    if np.any(down & (room >= 0)) or np.any(up & (room <= 0)):
        return 0.0
    moving = down | up
    if not np.any(moving):
        return STEP_MAX_UNBOUNDED
    return float(min(STEP_MAX_UNBOUNDED, np.min(room[moving] / d[moving])))


@dataclass
class LineSearchResult:
    ok: bool
    x: np.ndarray
    f: Any
    g: np.ndarray
    stp: float
    gd: float          # slope gᵀd at the new point


class _Trials:
    """The points the line search tries: ``z`` itself at ``stp = 1``, else ``x + stp d``
    clipped to the box against rounding; f and g from the shared objective."""

    def __init__(self, objective: ScalarObjective, x, z, d, box, maxls):
        self.objective, self.x, self.z, self.d, self.box = objective, x, z, d, box
        self.evaluations_left = maxls
        self.last = None

    def point(self, stp: float) -> np.ndarray:
        if stp == 1.0:
            return self.z.copy()
        return self.box.project(stp * self.d + self.x)

    def phi(self, stp: float) -> Any:
        if self.evaluations_left <= 0:
            raise OutOfEvaluations
        self.evaluations_left -= 1
        x = self.point(stp)
        f, g = self.objective.fun_and_grad(x)
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            raise NonFiniteTrial(stp)
        self.last = (x, f, g.copy())
        return f

    def derphi(self, stp: float) -> float:
        return float(self.last[2] @ self.d)


def line_search(objective, x, f, g, z, box, first_iteration, maxls) -> LineSearchResult:
    """Moré–Thuente from ``x`` along ``d = z - x`` (scipy's ``lnsrlb``)."""
    d = z - x
    failed = LineSearchResult(False, x, f, g, 0.0, 0.0)
    gd0 = float(g @ d)
    if not gd0 < 0:                         # not a descent direction (info = -4)
        return failed
    stpmax = STEP_MAX_UNBOUNDED
    if box.constrained:
        stpmax = 1.0 if first_iteration else largest_feasible_step(x, d, box)
    dnorm = float(np.linalg.norm(d))
    stp = min(1.0 / dnorm, stpmax) if first_iteration and not box.boxed else 1.0   # (26.13)
    trials = _Trials(objective, x, z, d, box, maxls)
    while True:
        try:  # maxls evaluations, and the test of the last one
            found, _f, _task = dcsrch(trials.phi, trials.derphi, stp, f, gd0, stpmin=0.0,
                                      stpmax=stpmax, maxiter=maxls + 1, accept_warnings=True,
                                      **LINE_SEARCH)
        except OutOfEvaluations:
            return failed
        except NonFiniteTrial as bad:   # refopt: reject the step, search again closer
            stp = stpmax = 0.5 * bad.args[0]
            trials.last = None
            continue
        if found is None or trials.last is None:
            return failed
        x_new, f_new, g_new = trials.last
        return LineSearchResult(True, x_new, f_new, g_new, float(found), float(g_new @ d))


# ------------------------------------------------------------------------------------------
# The inverse Hessian operator of the result
# ------------------------------------------------------------------------------------------

class LbfgsInvHessProduct(LinearOperator):
    """The L-BFGS inverse Hessian of the stored pairs (``H_0 = I``), applied by the two-loop
    recursion (J. Nocedal, "Updating quasi-Newton matrices with limited storage",
    Mathematics of Computation 35, 773–782, 1980), as scipy's class of the same name.

    Parameters
    ----------
    sk, yk : ndarray, shape (n_corrs, n)
        The steps and gradient changes, oldest first.
    """

    def __init__(self, sk: np.ndarray, yk: np.ndarray):
        sk, yk = np.asarray(sk, dtype=float), np.asarray(yk, dtype=float)
        if sk.shape != yk.shape or sk.ndim != 2:
            raise ValueError("sk and yk must have matching shape, (n_corrs, n)")
        self.sk, self.yk = sk, yk
        self.n_corrs, n = sk.shape
        self.rho = 1.0 / np.einsum("ij,ij->i", sk, yk)
        self.dtype = np.dtype(float)
        super().__init__((n, n), self._two_loop, self._two_loop, self._columns)

    def _two_loop(self, v: np.ndarray) -> np.ndarray:
        q = np.array(v, dtype=float).reshape(-1)
        alpha = np.empty(self.n_corrs)
        for i in range(self.n_corrs - 1, -1, -1):
            alpha[i] = self.rho[i] * (self.sk[i] @ q)
            q = q - alpha[i] * self.yk[i]
        for i in range(self.n_corrs):
            beta = self.rho[i] * (self.yk[i] @ q)
            q = q + self.sk[i] * (alpha[i] - beta)
        return q

    def _columns(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return np.column_stack([self._two_loop(col) for col in X.T]) if X.size else X.copy()

    def todense(self) -> np.ndarray:
        """The n-by-n matrix."""
        return self._columns(np.eye(self.shape[0]))

    def __repr__(self) -> str:
        return f"<{self.shape[0]}x{self.shape[1]} LbfgsInvHessProduct with dtype=float64>"


# ------------------------------------------------------------------------------------------
# The driver
# ------------------------------------------------------------------------------------------

def _check_options(maxcor, ftol, maxls, disp, iprint) -> None:
    if not maxls > 0:
        raise ValueError("maxls must be positive.")
    if not maxcor >= 1:
        raise ValueError("maxcor must be at least 1 (the number of correction pairs kept).")
    if not ftol >= 0:
        raise ValueError("ftol must be nonnegative.")
    if disp is not _NO_VALUE or iprint is not _NO_VALUE:
        warn_user("The `disp` and `iprint` options of the L-BFGS-B solver are deprecated "
                  "(as in scipy 1.15) and have no effect.", DeprecationWarning)


def _box(bounds: Any, n: int) -> Box:
    if bounds is None:
        return Box.from_bounds(np.full(n, -np.inf), np.full(n, np.inf))
    lower, upper = (np.asarray(side, dtype=float) for side in bounds)
    if lower.shape != (n,) or upper.shape != (n,):
        raise ValueError("length of x0 != length of bounds")
    if np.any(lower > upper):
        raise ValueError("LBFGSB - one of the lower bounds is greater than an upper bound.")
    return Box.from_bounds(lower, upper)


@dataclass
class _Run:
    """What the iterations carry from one to the next."""

    x: np.ndarray
    f: Any
    g: np.ndarray
    where: np.ndarray
    memory: LimitedMemory
    free: np.ndarray
    iteration: int = 0       # accepted steps (scipy's C ``iter``)
    message: str = ""


def search_point(run: _Run, box: Box, sbgnrm: float) -> np.ndarray:
    """Steps 1 and 2: the point ``z`` the line search aims at."""
    memory = run.memory
    if not box.constrained and memory.col > 0:     # no bounds: z = x, r = -g
        z, c = run.x.copy(), np.zeros(2 * memory.col)
        r_full = True
    else:
        cp = cauchy_point(run.x, run.g, box, run.where, memory, sbgnrm)
        run.where = cp.where
        run.free = run.where <= 0
        z, c, r_full = cp.xcp, cp.c, False
    if not np.any(run.free) or memory.col == 0:
        return z
    R = k_factor(memory, run.free)
    r = -run.g[run.free] if r_full else reduced_gradient(run.x, run.g, z, c, run.free, memory)
    d = newton_direction(r, run.free, memory, R)
    return subspace_point(run.x, run.g, z, d, run.free, box)


def minimize_lbfgsb(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                    callback: Callable | None = None, bounds: Any = None,
                    disp: Any = _NO_VALUE, maxcor: int = 10,
                    ftol: float = 2.2204460492503131e-09, gtol: float = 1e-5,
                    eps: Any = 1e-8, maxfun: int = 15000, maxiter: int = 15000,
                    iprint: Any = _NO_VALUE, maxls: int = 20,
                    finite_diff_rel_step: Any = None, workers: Any = None,
                    **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function subject to bounds with L-BFGS-B (scipy's options).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        Starting point; clipped into the box.
    args : tuple, optional
        Extra arguments for ``fun`` and ``jac``.
    jac : callable, {'2-point', '3-point', 'cs'} or None, optional
        Gradient; None means forward differences with the absolute step ``eps``.
    callback : callable, optional
        Already wrapped by :func:`refopt._callback.wrap_callback`; called with
        ``OptimizeResult(x=x_k, fun=f_k)`` after each iteration.
    bounds : tuple of arrays (lb, ub), optional
        Lower and upper bounds (``-inf``/``inf`` where there is none).
    maxcor : int, optional
        Correction pairs kept (``m``).
    ftol : float, optional
        Stop when ``(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol``.
    gtol : float, optional
        Stop when the largest component of the projected gradient is at most ``gtol``.
    eps : float or array_like, optional
        Absolute finite-difference step when ``jac`` is None.
    maxfun, maxiter : int, optional
        Limits on evaluations (checked after each iteration) and iterations.
    maxls : int, optional
        Evaluations per line search.
    finite_diff_rel_step : float or array_like, optional
        Relative step when ``jac`` names a finite-difference scheme.
    disp, iprint : optional
        Deprecated (scipy 1.15); no effect, a DeprecationWarning when given.
    workers : optional
        Accepted for scipy's signature; evaluations are made one after another.

    Returns
    -------
    OptimizeResult
        ``fun, jac, nfev, njev, nit, status, message, x, success, hess_inv`` (an
        :class:`LbfgsInvHessProduct`). Status 0 converged, 1 evaluation or iteration limit,
        2 otherwise (the line search failed with an empty memory: "ABNORMAL: ").
    """
    warn_unknown_options(unknown_options)
    _check_options(maxcor, ftol, maxls, disp, iprint)
    x0 = np.asarray(x0, dtype=float).ravel()
    n = x0.size
    box = _box(bounds, n)
    x = box.project(x0) if bounds is not None else x0.copy()
    fd_bounds = (-np.inf, np.inf) if bounds is None else (np.asarray(bounds[0], float),
                                                          np.asarray(bounds[1], float))
    objective = ScalarObjective(fun, x, args, jac, epsilon=eps,
                                finite_diff_rel_step=finite_diff_rel_step, bounds=fd_bounds)
    f, g = objective.fun_and_grad(x)
    run = _Run(x=x, f=f, g=np.array(g, dtype=float), where=box.initial_where(),
               memory=LimitedMemory(n, int(maxcor)), free=np.ones(n, dtype=bool))
    nit = 0
    sbgnrm = projected_gradient_norm(run.x, run.g, box)
    if sbgnrm <= gtol:
        run.message = CONV_GRAD
    while not run.message:
        step = _iterate(run, objective, box, sbgnrm, maxls)
        if step is None:  # the line search failed with an empty memory
            run.message = ABNORMAL
            break
        nit += 1
        sbgnrm = projected_gradient_norm(run.x, run.g, box)
        run.message = _stop_after_iteration(run, callback, nit, maxiter, objective.nfev, maxfun)
        if not run.message:
            run.message = _converged(sbgnrm, gtol, step, run.f, ftol)
        if not run.message:
            _store_pair(run, step)
    return _result(run, objective, nit, maxfun, maxiter)


@dataclass
class _Step:
    """An accepted step and what the update (26.16) needs of it."""

    s: np.ndarray      # x_new - x_old = stp d
    y: np.ndarray      # g_new - g_old
    sy: float          # sᵀy = (gᵀd at the new point - at the old) stp
    ss: float          # sᵀs = stp² ‖d‖²
    descent: float     # -g_oldᵀs > 0
    f_old: Any


def _iterate(run: _Run, objective, box, sbgnrm, maxls) -> _Step | None:
    """One iteration: search point, line search, and on success the move to the new point
    (returned with what the update needs); None if the search failed with no memory."""
    while True:
        try:
            z = search_point(run, box, sbgnrm)
        except SingularMemory:   # scipy: refresh the memory and restart the iteration
            run.memory.reset()
            continue
        result = line_search(objective, run.x, run.f, run.g, z, box, run.iteration == 0, maxls)
        if result.ok and not (run.memory.col > 0 and _stalled(run.x, z, result.stp)):
            break
        if not result.ok and run.memory.col == 0:
            return None
        run.memory.reset()       # discard the memory, try again from steepest descent
    d = z - run.x
    stp = result.stp
    gd_old = float(run.g @ d)
    dtd = float(np.linalg.norm(d)) ** 2
    if stp == 1.0:   # scipy skips the products by 1 (they would not change a bit)
        step = _Step(d, result.g - run.g, result.gd - gd_old, dtd, -gd_old, run.f)
    else:
        step = _Step(stp * d, result.g - run.g, (result.gd - gd_old) * stp,
                     stp * stp * dtd, -gd_old * stp, run.f)
    run.x, run.f, run.g = result.x, result.f, result.g
    run.iteration += 1
    return step


def _stalled(x: np.ndarray, z: np.ndarray, stp: float) -> bool:
    """refopt: a step of rounding size, ``stp ‖z - x‖ <= eps max(‖x‖, 1)``, counts as a failed
    search. (The 3.0 projected point can be a descent direction by a hair only; Moré–Thuente
    then returns a step of ~1e-17, the decrease test (26.15) fires, and scipy reports
    convergence far from the minimizer.)"""
    return stp * float(np.linalg.norm(z - x)) <= EPSMCH * max(float(np.linalg.norm(x)), 1.0)


def _stop_after_iteration(run, callback, nit, maxiter, nfev, maxfun) -> str:
    """scipy's Python loop at each new iterate: the callback, then the limits."""
    message = ""
    if call_callback_maybe_halt(callback, OptimizeResult(x=run.x.copy(), fun=run.f)):
        message = STOP_CALLBACK
    if nit >= maxiter:
        message = STOP_MAXITER
    elif nfev > maxfun:
        message = STOP_MAXFUN
    return message


def _converged(sbgnrm, gtol, step: _Step, f, ftol) -> str:
    if sbgnrm <= gtol:                                                    # (26.14)
        return CONV_GRAD
    if step.f_old - f <= ftol * max(abs(step.f_old), abs(f), 1.0):        # (26.15)
        return CONV_F
    return ""


def _store_pair(run: _Run, step: _Step) -> None:
    """The update, unless ``sᵀy <= eps (-g_oldᵀ s)`` (26.16)."""
    if step.sy <= EPSMCH * step.descent:
        return
    try:
        run.memory.update(step.s, step.y, step.sy, step.ss)
    except SingularMemory:
        run.memory.reset()


def _result(run: _Run, objective, nit, maxfun, maxiter) -> OptimizeResult:
    if run.message.startswith("CONVERGENCE"):
        status = 0
    elif objective.nfev > maxfun or nit >= maxiter:
        status = 1
    else:
        status = 2
    return OptimizeResult(fun=run.f, jac=run.g.copy(), nfev=objective.nfev,
                          njev=objective.ngev, nit=nit, status=status, message=run.message,
                          x=run.x.copy(), success=status == 0,
                          hess_inv=run.memory.inverse_hessian())
