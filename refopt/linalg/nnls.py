"""Nonnegative least squares and the constrained least-squares problems built on it.

C. L. Lawson and R. J. Hanson, *Solving Least Squares Problems*, Prentice-Hall, 1974
(reprinted by SIAM, 1995), chapter 23: Algorithm NNLS (§3), least distance programming by
way of NNLS (§4) and the reduction of inequality-constrained least squares to it (§5); and
D. Kraft, "A software package for sequential quadratic programming", DFVLR-FB 88-28, 1988,
§2.2, who adds equality constraints in front (LSEI) for SLSQP's subproblem. Equation
numbers ``(28.k)`` refer to chapter 28 of the book.

The four problems, each solved by reduction to the one before:

* **NNLS** ``min ||A x - b||`` subject to ``x >= 0``: an active-set method. The set ``P`` of
  free (positive) variables grows by the variable with the largest dual ``w = A^T (b - A x)``
  and shrinks when an unconstrained solve on ``P`` would leave the feasible region. ``A`` is
  kept triangularised on ``P`` by Householder reflections (a column enters) and Givens
  rotations (a column leaves), so each solve is one back substitution.
* **LDP** ``min ||x||`` subject to ``G x >= h``: the dual is an NNLS problem with the
  ``(n+1) x m`` matrix ``[G^T; h^T]`` and right side ``e_{n+1}``; its residual gives ``x``.
* **LSI** ``min ||A x - b||`` subject to ``G x >= h``: with ``A = Q R``, ``y = R x - Q^T b``
  turns it into an LDP.
* **LSEI** adds ``E x = f``: an orthogonal transformation from the right makes ``E``
  triangular, the equalities fix part of ``x``, and an LSI is left on the rest.

Status codes are those of Kraft's ``mode`` (scipy's SLSQP exit modes): 1 solved, 2 more
equalities than variables, 3 NNLS iteration limit, 4 inequalities incompatible, 5 ``A``
singular in LSI, 6 ``E`` singular, 7 ``A`` rank-deficient with no inequalities.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .qr import qrfac

EPS = float(np.finfo(float).eps)


def norm2(x: np.ndarray) -> float:
    """``||x||_2`` of a short vector (cheaper than ``np.linalg.norm`` at these sizes)."""
    return math.sqrt(float(x @ x))

SOLVED, TOO_MANY_EQUALITIES, ITERATION_LIMIT, INCOMPATIBLE = 1, 2, 3, 4
SINGULAR_A, SINGULAR_E, RANK_DEFICIENT = 5, 6, 7


# [householder]
def householder(x: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The reflection ``H = I - tau v v^T`` with ``H x = beta e_1`` and ``beta = ||x|| >= 0``.

    Returns ``(v, tau, beta)`` with ``v[0] = 1``. ``v_0 = x_0 - beta`` is computed without
    cancellation when ``x_0 > 0`` (as ``-||x_{1:}||^2 / (x_0 + beta)``).
    """
    alpha = float(x[0])
    tail = norm2(x[1:])
    v = np.zeros(x.size)
    v[0] = 1.0
    if tail == 0.0:  # already a multiple of e_1: flip the sign if needed
        return v, (0.0 if alpha >= 0.0 else 2.0), abs(alpha)
    beta = math.hypot(alpha, tail)
    v0 = -(tail * tail) / (alpha + beta) if alpha > 0.0 else alpha - beta
    v[1:] = x[1:] / v0
    return v, -v0 / beta, beta  # (28.5)


def reflect(v: np.ndarray, tau: float, a: np.ndarray) -> np.ndarray:
    """``(I - tau v v^T) a`` for a vector or for each column of a matrix."""
    if a.ndim == 1:
        return a - tau * v * (v @ a)
    return a - tau * np.outer(v, v @ a)


def givens(f: float, g: float) -> tuple[float, float, float]:
    """``(c, s, r)`` with ``[c s; -s c] [f; g] = [r; 0]`` and ``r >= 0``."""
    r = math.hypot(f, g)
    if r == 0.0:
        return 1.0, 0.0, 0.0
    return f / r, g / r, r


# [/householder]


class NNLSResult(NamedTuple):
    """``x``, the residual norm ``||A x - b||``, the dual ``w = A^T (b - A x)`` and the
    status (1 solved, 3 iteration limit)."""

    x: np.ndarray
    rnorm: float
    dual: np.ndarray
    mode: int


class _ActiveSet:
    """The working state of Algorithm NNLS: ``A`` and ``b`` transformed so far, and the
    order of the columns, the first ``npos`` of which form the positive set ``P``."""

    def __init__(self, A: np.ndarray, b: np.ndarray):
        self.a = np.array(A, dtype=float)
        self.b = np.array(b, dtype=float)
        self.m, self.n = self.a.shape
        self.order = np.arange(self.n)
        self.npos = 0
        self.x = np.zeros(self.n)
        self.w = np.zeros(self.n)

    def zero_set(self) -> np.ndarray:
        return self.order[self.npos:]

    def positive_set(self) -> np.ndarray:
        return self.order[:self.npos]

    def dual(self) -> None:
        """``w_Z = A_Z^T (b - A x)``: below row ``npos`` the transformed ``b`` is the residual."""
        z, k = self.zero_set(), self.npos
        self.w[z] = self.b[k:] @ self.a[k:, z]  # (28.3), [Lawson & Hanson (23.10)] step 2

    def candidate(self) -> tuple[int, Any] | None:
        """The zero-set column to free: the largest positive dual whose Householder pivot is
        not negligible against the part of the column already in ``P``'s rows and whose
        tentative value is positive (Lawson & Hanson, steps 5-6 of NNLS). None: KKT holds."""
        k = self.npos
        while True:
            z = self.zero_set()
            positive = np.where(self.w[z] > 0.0, self.w[z], -np.inf)  # NaN is not positive
            best = int(np.argmax(positive))
            if positive[best] == -np.inf:
                return None
            j = int(z[best])
            v, tau, beta = householder(self.a[k:, j])
            above = norm2(self.a[:k, j])
            if beta > 100.0 * (np.spacing(above) if above > 0.0 else 0.0):
                b = self.b.copy()
                b[k:] = reflect(v, tau, b[k:])
                if b[k] / beta > 0.0:
                    return k + best, (v, tau, beta, b)
            self.w[j] = 0.0  # rejected: try the next largest dual

    def free(self, position: int, reflection: tuple) -> None:
        """Move the column at ``order[position]`` into ``P`` and triangularise it."""
        v, tau, beta, b = reflection
        k = self.npos
        j = self.order[position]
        self.order[position], self.order[k] = self.order[k], j
        self.b = b
        self.npos += 1
        rest = self.zero_set()
        if rest.size:
            self.a[k:, rest] = reflect(v, tau, self.a[k:, rest])
        self.a[k, j] = beta
        self.a[k + 1:, j] = 0.0
        self.w[j] = 0.0

    def solve(self) -> np.ndarray:
        """The unconstrained least-squares values of the variables in ``P`` (back substitution)."""
        z = self.b[:self.npos].copy()
        for k in range(self.npos - 1, -1, -1):
            col = self.order[k]
            z[k] /= self.a[k, col]
            z[:k] -= self.a[:k, col] * z[k]
        return z

    def bind(self, position: int) -> None:
        """Move the column at ``order[position]`` back to the zero set; Givens rotations
        restore the triangle of the columns after it."""
        i = self.order[position]
        self.x[i] = 0.0
        for k in range(position + 1, self.npos):
            col = self.order[k]
            self.order[k - 1] = col
            c, s, r = givens(self.a[k - 1, col], self.a[k, col])
            top, bottom = self.a[k - 1].copy(), self.a[k].copy()
            self.a[k - 1], self.a[k] = c * top + s * bottom, -s * top + c * bottom
            self.a[k - 1, col], self.a[k, col] = r, 0.0
            bt, bb = self.b[k - 1], self.b[k]
            self.b[k - 1], self.b[k] = c * bt + s * bb, -s * bt + c * bb
        self.npos -= 1
        self.order[self.npos] = i


# [nnls-loop]
def nnls_active_set(A: Any, b: Any, maxiter: int) -> NNLSResult:
    """Algorithm NNLS of Lawson & Hanson (1974, ch. 23): ``min ||A x - b||``, ``x >= 0``.

    Parameters
    ----------
    A : array_like, shape (m, n)
    b : array_like, shape (m,)
    maxiter : int
        Limit on the inner (feasibility-restoring) iterations; reaching it gives mode 3.

    Returns
    -------
    NNLSResult
    """
    s = _ActiveSet(A, b)
    iteration, mode = 0, SOLVED
    while s.npos < min(s.m, s.n):
        s.dual()
        chosen = s.candidate()
        if chosen is None:
            break
        s.free(*chosen)
        z = s.solve()
        while True:
            iteration += 1
            if iteration >= maxiter:
                mode = ITERATION_LIMIT
                break
            if not _step_to_feasibility(s, z):
                break
            z = s.solve()
        if mode == ITERATION_LIMIT:
            break
        s.x[s.positive_set()] = z
    if s.npos < s.m:
        rnorm = norm2(s.b[s.npos:])
    else:
        s.w[:] = 0.0
        rnorm = 0.0
    return NNLSResult(s.x, rnorm, s.w, mode)


def _step_to_feasibility(s: _ActiveSet, z: np.ndarray) -> bool:
    """If ``z`` has nonpositive entries, move from ``x`` towards ``z`` as far as ``x >= 0``
    allows and return the variables that reach zero to the zero set (steps 8-11)."""
    p = s.positive_set()
    xp = s.x[p]
    nonpositive = z <= 0.0
    if not nonpositive.any():
        return False
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(nonpositive, -xp / (z - xp), np.inf)  # (28.4), [Lawson & Hanson (23.10)] steps 8-10
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    leaving = int(np.argmin(ratio))
    alpha = ratio[leaving]
    if not alpha < 2.0:
        return False
    s.x[p] = xp + alpha * (z - xp)
    while True:
        s.bind(leaving)
        still = np.nonzero(s.x[s.positive_set()] <= 0.0)[0]
        if still.size == 0:
            return True
        leaving = int(still[0])


# [/nnls-loop]


def nnls(A: Any, b: Any, maxiter: int | None = None) -> tuple[np.ndarray, float]:
    """Solve ``argmin_x ||A x - b||_2`` subject to ``x >= 0`` (as ``scipy.optimize.nnls``).

    Parameters
    ----------
    A : array_like, shape (m, n)
        Coefficient matrix.
    b : array_like, shape (m,) or (m, 1)
        Right-hand side.
    maxiter : int, optional
        Maximum number of inner iterations; default ``3 * n``.

    Returns
    -------
    x : ndarray, shape (n,)
        The solution.
    rnorm : float
        ``||A x - b||_2``.

    Raises
    ------
    ValueError
        If ``A`` or ``b`` holds infs or NaNs, ``A`` is not 2-D, ``b`` is not 1-D (or a
        column), or their sizes disagree.
    RuntimeError
        "Maximum number of iterations reached." when ``maxiter`` is hit.
    """
    A = _finite(A, "A")
    b = _finite(b, "b")
    if A.ndim != 2:
        raise ValueError(f"Expected a 2D array, but the shape of A is {A.shape}")
    if b.ndim > 2 or (b.ndim == 2 and b.shape[1] != 1):
        raise ValueError("Expected a 1D array (or 2D with one column), but the shape of b "
                         f"is {b.shape}")
    b = b.ravel()
    m, n = A.shape
    if m != b.shape[0]:
        raise ValueError(f"Incompatible dimensions. The first dimension of A is {m}, while "
                         f"the shape of b is {(b.shape[0],)}")
    if not maxiter:
        maxiter = 3 * n
    if m == 0 or n == 0:
        return np.zeros(n), float(np.linalg.norm(b))
    result = nnls_active_set(A, b, maxiter)
    if result.mode == ITERATION_LIMIT:
        raise RuntimeError("Maximum number of iterations reached.")
    return result.x, result.rnorm


def _finite(a: Any, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"array must not contain infs or NaNs (in {name})")
    return a


class ConstrainedSolution(NamedTuple):
    """A solution of LDP, LSI or LSEI: ``x``, the norm of the objective's residual, the
    multipliers of the equality and inequality constraints, and the status (1 solved)."""

    x: np.ndarray
    norm: float
    eq_multipliers: np.ndarray
    ineq_multipliers: np.ndarray
    mode: int


def _failed(n: int, me: int, mg: int, mode: int, x: np.ndarray | None = None):
    return ConstrainedSolution(np.zeros(n) if x is None else x, 0.0, np.zeros(me),
                               np.zeros(mg), mode)


# [ldp]
def ldp(G: np.ndarray, h: np.ndarray) -> ConstrainedSolution:
    """Least distance programming, ``min ||x||`` subject to ``G x >= h`` (LH ch. 23 §4).

    The dual NNLS problem ``min ||[G^T; h^T] u - e_{n+1}||``, ``u >= 0``, has residual
    ``r``; the primal solution is ``x = -r_{1:n} / r_{n+1} = G^T u / (1 - h^T u)``, and
    ``u / (1 - h^T u)`` are the multipliers. A zero residual means no ``x`` satisfies the
    constraints (mode 4).
    """
    mg, n = G.shape
    if mg == 0:
        return ConstrainedSolution(np.zeros(n), 0.0, np.zeros(0), np.zeros(0), SOLVED)
    dual = np.vstack([G.T, h[None, :]])  # (28.6), LH §23.4
    target = np.zeros(n + 1)
    target[n] = 1.0
    u, rnorm, _, mode = nnls_active_set(dual, target, 3 * mg)
    if mode != SOLVED:
        return _failed(n, 0, mg, mode)
    if not rnorm > 0.0:
        return _failed(n, 0, mg, INCOMPATIBLE)
    fac = 1.0 - float(h @ u)
    if not (1.0 + fac) - 1.0 > 0.0:
        return _failed(n, 0, mg, INCOMPATIBLE)
    x = (G.T @ u) / fac  # (28.7), LH §23.4
    return ConstrainedSolution(x, norm2(x), np.zeros(0), u / fac, SOLVED)


# [/ldp]


def householder_qr(A: np.ndarray) -> tuple[np.ndarray, list]:
    """``A = Q R`` by Householder reflections: returns ``R`` (upper trapezoid, shape of ``A``)
    and the reflections ``[(v, tau), ...]`` whose product, first to last, is ``Q``."""
    r = np.array(A, dtype=float)
    m, n = r.shape
    reflections = []
    for k in range(min(m, n)):
        v, tau, beta = householder(r[k:, k])
        if k + 1 < n:
            r[k:, k + 1:] = reflect(v, tau, r[k:, k + 1:])
        r[k, k] = beta
        r[k + 1:, k] = 0.0
        reflections.append((v, tau))
    return r, reflections


def apply_qt(reflections: list, b: np.ndarray) -> np.ndarray:
    """``Q^T b`` for the reflections of :func:`householder_qr`."""
    b = np.array(b, dtype=float)
    for k, (v, tau) in enumerate(reflections):
        b[k:] = reflect(v, tau, b[k:])
    return b


def solve_upper(R: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``R^{-1} y`` for an upper-triangular ``R`` with a nonzero diagonal (back substitution)."""
    x = np.array(y, dtype=float)
    for k in range(x.size - 1, -1, -1):
        x[k] = (x[k] - R[k, k + 1:] @ x[k + 1:]) / R[k, k]
    return x


def solve_lower(L: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``L^{-1} y`` for a lower-triangular ``L`` with a nonzero diagonal (forward substitution)."""
    x = np.array(y, dtype=float)
    for k in range(x.size):
        x[k] = (x[k] - L[k, :k] @ x[:k]) / L[k, k]
    return x


def right_solve_upper(G: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``G R^{-1}`` for an upper-triangular ``R``, a column of the result at a time."""
    X = np.array(G, dtype=float)
    for j in range(R.shape[0]):
        X[:, j] = (X[:, j] - X[:, :j] @ R[:j, j]) / R[j, j]
    return X


# [lsi]
def lsi(A: np.ndarray, b: np.ndarray, G: np.ndarray, h: np.ndarray) -> ConstrainedSolution:
    """``min ||A x - b||`` subject to ``G x >= h``, for ``A`` of full column rank (LH ch. 23 §5).

    With ``A = Q [R; 0]`` and ``c = Q^T b``, ``||A x - b||^2 = ||R x - c_1||^2 + ||c_2||^2``;
    the substitution ``y = R x - c_1`` leaves the LDP ``min ||y||`` subject to
    ``(G R^{-1}) y >= h - G R^{-1} c_1``, and ``x = R^{-1} (y + c_1)``.
    """
    ma, n = A.shape
    mg = G.shape[0]
    if ma < n:  # Kraft's LSI, like this one, needs A of full column rank
        return _failed(n, 0, mg, SINGULAR_A)
    r, reflections = householder_qr(A)
    c = apply_qt(reflections, b)
    k = min(ma, n)
    if not np.all(np.abs(np.diag(r[:k, :k])) >= EPS):
        return _failed(n, 0, mg, SINGULAR_A)
    g_r = right_solve_upper(G, r[:n, :n])  # G R^{-1}   (28.8), LH §23.5
    found = ldp(g_r, h - g_r @ c[:n])
    if found.mode != SOLVED:
        return found
    x = solve_upper(r[:n, :n], found.x + c[:n])
    norm = math.hypot(found.norm, norm2(c[n:]))
    return ConstrainedSolution(x, norm, np.zeros(0), found.ineq_multipliers, SOLVED)


# [/lsi]


def least_squares_full_rank(A: np.ndarray, b: np.ndarray, rcond: float) -> tuple[np.ndarray, bool]:
    """``min ||A x - b||`` by QR with column pivoting (:func:`refopt.linalg.qr.qrfac`).

    The rank is the number of pivots ``|r_kk| > rcond |r_11|``; columns beyond it get zero.
    Returns the solution and whether ``A`` had full column rank (LAPACK's ``dgelsy`` does
    the same with an incremental condition estimate in place of the pivot ratio).
    """
    m, n = A.shape
    if n == 0:
        return np.zeros(0), True
    qr, ipvt, rdiag, _ = qrfac(A)
    c = np.array(b, dtype=float)
    for j in range(min(m, n)):  # c = Q^T b with Q_j = I - u u^T / u_j
        u = qr[j:, j]
        if u[0] != 0.0:
            c[j:] -= u * (u @ c[j:]) / u[0]
    big = abs(rdiag[0])
    rank = int(np.sum(np.abs(rdiag[:min(m, n)]) > rcond * big)) if big > 0.0 else 0
    r = np.triu(qr[:rank, :rank], 1) + np.diag(rdiag[:rank])
    z = np.zeros(n)
    z[:rank] = solve_upper(r, c[:rank])
    x = np.empty(n)
    x[ipvt] = z
    return x, rank == n


# [lsei]
def lsei(A: np.ndarray, b: np.ndarray, E: np.ndarray, f: np.ndarray, G: np.ndarray,
         h: np.ndarray) -> ConstrainedSolution:
    """``min ||A x - b||`` subject to ``E x = f`` and ``G x >= h`` (Kraft 1988, §2.2).

    Householder reflections applied from the right, ``E H = [L 0]`` with ``L`` lower
    triangular, split ``H^T x = (x_1, x_2)``: ``L x_1 = f`` fixes ``x_1``, and ``x_2`` solves
    the LSI ``min ||A_2 x_2 - (b - A_1 x_1)||`` subject to ``G_2 x_2 >= h - G_1 x_1``
    (a plain least-squares problem when there are no inequalities). The equality multipliers
    solve ``L^T lambda = A_1^T (A x - b) - G_1^T mu``, from the stationarity condition
    ``A^T (A x - b) = E^T lambda + G^T mu``.
    """
    me, n = E.shape
    mg = G.shape[0]
    if me > n:
        return _failed(n, me, mg, TOO_MANY_EQUALITIES)
    e, a, g = np.array(E, dtype=float), np.array(A, dtype=float), np.array(G, dtype=float)
    reflections = []
    for i in range(me):  # (28.9), LH §23.6
        v, tau, beta = householder(e[i, i:])
        for block in (e[i + 1:], a, g):
            block[:, i:] = reflect(v, tau, block[:, i:].T).T
        e[i, i], e[i, i + 1:] = beta, 0.0
        reflections.append((v, tau))
    if not np.all(np.abs(np.diag(e[:, :me])) >= EPS):
        return _failed(n, me, mg, SINGULAR_E)
    x1 = solve_lower(e[:, :me], f)
    rhs = b - a[:, :me] @ x1
    mu = np.zeros(mg)
    if me == n:
        x2, norm = np.zeros(0), 0.0
    elif mg == 0:
        x2, full = least_squares_full_rank(a[:, me:], rhs, np.sqrt(EPS))
        norm = norm2(a[:, me:] @ x2 - rhs)
        if not full:
            return ConstrainedSolution(_to_original(reflections, np.concatenate([x1, x2])), norm,
                                       np.zeros(me), mu, RANK_DEFICIENT)
    else:
        found = lsi(a[:, me:], rhs, g[:, me:], h - g[:, :me] @ x1)
        if found.mode != SOLVED:
            return _failed(n, me, mg, found.mode)
        x2, norm, mu = found.x, found.norm, found.ineq_multipliers
    y = np.concatenate([x1, x2])
    lam = np.zeros(0)
    if me:
        gradient = a[:, :me].T @ (a @ y - b) - g[:, :me].T @ mu
        lam = solve_upper(e[:, :me].T, gradient)
    return ConstrainedSolution(_to_original(reflections, y), norm, lam, mu, SOLVED)


def _to_original(reflections: list, y: np.ndarray) -> np.ndarray:
    """``x = H y`` for ``H = H_1 ... H_me`` (applied last to first)."""
    x = y.copy()
    for i in range(len(reflections) - 1, -1, -1):
        v, tau = reflections[i]
        x[i:] = reflect(v, tau, x[i:])
    return x


# [/lsei]
