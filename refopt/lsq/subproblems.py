"""The trust-region subproblem: minimise a quadratic model over a ball.

The least-squares model of ``F(x) = 1/2 ||f(x)||**2`` near the current point is::

    m(p) = 1/2 ||J p||**2 + 1/2 p^T C p + g^T p,      g = J^T f                  (13.5)

(``C`` a diagonal term that only the bounded trust-region reflective method uses). This module
solves ``min m(p)`` subject to ``||p|| <= Delta`` in two ways:

* :func:`solve_lsq_trust_region` is Moré's method (J. J. Moré, "The Levenberg–Marquardt
  algorithm: implementation and theory", Numerical Analysis, Lecture Notes in Mathematics
  630, Springer, 1977, pp. 105–116; J. J. Moré and D. C. Sorensen, "Computing a trust region
  step", SIAM J. Sci. Stat. Comput. 4(3), 553–572, 1983), run on one singular value
  decomposition of ``J`` instead of a sequence of factorizations, (13.6)–(13.8);
* :func:`solve_trust_region_2d` solves the subproblem exactly in a two-dimensional subspace
  (the quartic (13.14) of Byrd, Schnabel and Shultz, "Approximate solution of the trust
  region problem by minimization over two-dimensional subspaces", Math. Programming 40,
  247–263, 1988);

and :func:`intersect_trust_region` finds where a ray leaves the ball. Equation numbers refer
to the chapter "Trust-region reflective" of the book. The steps, constants and floating-point
operations follow scipy's ``optimize/_lsq/common.py`` so that the solvers built on them
reproduce scipy's iterates; the code and the words are refopt's.
"""

from __future__ import annotations

from fractions import Fraction
from math import copysign, sqrt

import numpy as np
from numpy.linalg import norm

EPS = np.finfo(float).eps


# [phi]
def phi_and_derivative(alpha: float, suf: np.ndarray, s: np.ndarray,
                       Delta: float) -> tuple[float, float]:
    """Moré's secular function ``phi(alpha) = ||p(alpha)|| - Delta`` and its derivative.

    With the thin SVD ``J = U diag(s) V^T`` and ``uf = U^T f`` the regularised step is
    ``p(alpha) = -V (s uf / (s**2 + alpha))`` (13.6), so its norm needs no matrix at all.

    Parameters
    ----------
    alpha : float
        The Levenberg–Marquardt parameter, ``alpha >= 0``.
    suf : ndarray
        ``s * uf``.
    s : ndarray
        Singular values of ``J``.
    Delta : float
        Trust-region radius.

    Returns
    -------
    phi, phi_prime : float
        ``phi(alpha)`` and ``phi'(alpha)`` of (13.7).
    """
    denom = s**2 + alpha
    p_norm = norm(suf / denom)
    phi = p_norm - Delta                                  # (13.7)
    phi_prime = -np.sum(suf**2 / denom**3) / p_norm       # (13.7), phi' < 0
    return phi, phi_prime
# [/phi]


def _alpha_safeguard(alpha_lower: float, alpha_upper: float) -> float:
    """A point inside ``[alpha_lower, alpha_upper]`` to restart from [Moré (5.5)]."""
    return max(0.001 * alpha_upper, (alpha_lower * alpha_upper)**0.5)


# [solve-lsq-tr]
def solve_lsq_trust_region(n: int, m: int, uf: np.ndarray, s: np.ndarray, V: np.ndarray,
                           Delta: float, *, initial_alpha: float | None = None,
                           rtol: float = 0.01, max_iter: int = 10) -> tuple[np.ndarray, float, int]:
    """Minimise ``||J p + f||`` subject to ``||p|| <= Delta`` from one SVD of ``J``.

    Moré's method: take the Gauss–Newton step if ``J`` has full rank and the step fits;
    otherwise find the ``alpha > 0`` with ``||p(alpha)|| = Delta`` by a safeguarded Newton
    iteration on the secular function ``phi`` (13.7)–(13.8), which keeps a bracket
    ``[alpha_lower, alpha_upper]`` around the root.

    Parameters
    ----------
    n, m : int
        Number of variables and of residuals (``m`` enters the rank test).
    uf : ndarray, shape (k,)
        ``U^T f`` for the thin SVD ``J = U diag(s) V^T``.
    s : ndarray, shape (k,)
        Singular values of ``J``, in decreasing order.
    V : ndarray, shape (n, k)
        Right singular vectors (the transpose of ``Vt``).
    Delta : float
        Trust-region radius.
    initial_alpha : float, optional
        A starting ``alpha`` (the previous solution); None lets the bracket choose.
    rtol : float, optional
        Stop when ``| ||p|| - Delta | < rtol * Delta``.
    max_iter : int, optional
        Maximum number of Newton iterations on ``alpha``.

    Returns
    -------
    p : ndarray, shape (n,)
        The step.
    alpha : float
        The Levenberg–Marquardt parameter: ``(J^T J + alpha I) p = -J^T f``.
    n_iter : int
        Newton iterations made; 0 when the Gauss–Newton step was taken.
    """
    suf = s * uf

    # Full rank: enough residuals and the smallest singular value above rounding level.
    full_rank = m >= n and s[-1] > EPS * m * s[0]
    if full_rank:
        p = -V.dot(uf / s)                                # (13.6) with alpha = 0
        if norm(p) <= Delta:
            return p, 0.0, 0
    else:
        # Rank deficient. As alpha -> 0, p(alpha) tends to -V (uf / s) over the nonzero s
        # (a zero singular value contributes suf / alpha = 0). If that limit fits, phi has
        # no root and alpha = 0 is the answer (13.8). scipy skips this test and stretches
        # the step to the sphere, which can give a step with no predicted decrease and a
        # false `ftol` success (see the chapter).
        nonzero = s > 0
        p = -V[:, nonzero].dot(uf[nonzero] / s[nonzero])
        if norm(p) <= Delta:
            return p, 0.0, 0

    alpha_upper = norm(suf) / Delta                       # (13.8): phi(alpha_upper) <= 0
    if full_rank:
        phi, phi_prime = phi_and_derivative(0.0, suf, s, Delta)
        alpha_lower = -phi / phi_prime                    # (13.8): a Newton step from 0
    else:
        alpha_lower = 0.0

    if initial_alpha is None or (not full_rank and initial_alpha == 0):
        alpha = _alpha_safeguard(alpha_lower, alpha_upper)
    else:
        alpha = initial_alpha

    for it in range(max_iter):
        if alpha < alpha_lower or alpha > alpha_upper:
            alpha = _alpha_safeguard(alpha_lower, alpha_upper)
        phi, phi_prime = phi_and_derivative(alpha, suf, s, Delta)
        if phi < 0:
            alpha_upper = alpha
        ratio = phi / phi_prime
        alpha_lower = max(alpha_lower, alpha - ratio)
        alpha -= (phi + Delta) * ratio / Delta            # (13.8): Newton on 1/||p|| - 1/Delta
        if np.abs(phi) < rtol * Delta:
            break

    p = -V.dot(suf / (s**2 + alpha))
    # ||p|| is within rtol of Delta; put it exactly on the sphere so that later tests
    # (the bound-hit test, intersections with the sphere) see a point inside the region.
    p *= Delta / norm(p)
    return p, alpha, it + 1
# [/solve-lsq-tr]


# [solve-2d]
def solve_trust_region_2d(B: np.ndarray, g: np.ndarray, Delta: float) -> tuple[np.ndarray, bool]:
    """Minimise ``1/2 p^T B p + g^T p`` subject to ``||p|| <= Delta`` in two dimensions.

    If ``B`` is positive definite and its Newton step fits, that is the answer. Otherwise the
    minimum lies on the circle: writing ``p = Delta (2t/(1+t**2), (1-t**2)/(1+t**2))`` turns
    the stationarity condition into a quartic in ``t`` (13.14) whose real roots are the
    candidates. A one-dimensional problem (``B`` of shape (1, 1), the subspace of a problem
    with one variable) is solved directly.

    Parameters
    ----------
    B : ndarray, shape (2, 2) or (1, 1)
        Symmetric matrix of the quadratic term.
    g : ndarray, shape (2,) or (1,)
        Linear term.
    Delta : float
        Trust-region radius.

    Returns
    -------
    p : ndarray, shape (2,) or (1,)
        The minimiser.
    newton_step : bool
        True when ``p`` is the interior Newton step.
    """
    if g.size == 1:
        return solve_trust_region_1d(B[0, 0], g[0], Delta)
    p = newton_step_2x2(B, g)
    if p is not None and np.dot(p, p) <= Delta**2:
        return p, True

    a = B[0, 0] * Delta**2
    b = B[0, 1] * Delta**2
    c = B[1, 1] * Delta**2
    d = g[0] * Delta
    f = g[1] * Delta
    coeffs = np.array([-b + d, 2 * (a - c + f), 6 * b, 2 * (-a + c + f), -b - d])  # (13.14)
    t = np.roots(coeffs)  # leading zeros are allowed
    t = np.real(t[np.isreal(t)])
    p = Delta * np.hstack((circle_point(t), [[0.0], [-1.0]]))
    value = 0.5 * np.sum(p * B.dot(p), axis=0) + np.dot(g, p)
    return p[:, np.argmin(value)], False


def circle_point(t: np.ndarray) -> np.ndarray:
    """The unit vectors ``(2t/(1+t**2), (1-t**2)/(1+t**2))`` as columns, overflow-free.

    Where ``t**2`` overflows, the same point is written in ``u = 1/t``. The limit ``t ->
    inf`` is ``(0, -1)``, a point no finite root reaches; :func:`solve_trust_region_2d`
    always adds it to the candidates (scipy does not, and can miss it or return NaN when a
    root is huge). Elsewhere the plain formula is kept: it rounds as scipy's does.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        first = 2 * t / (1 + t**2)
        second = (1 - t**2) / (1 + t**2)
    huge = ~(np.isfinite(first) & np.isfinite(second))
    u = 1 / t[huge]
    first[huge] = 2 * u / (1 + u**2)
    second[huge] = (u**2 - 1) / (1 + u**2)
    return np.vstack((first, second))


def solve_trust_region_1d(B: float, g: float, Delta: float) -> tuple[np.ndarray, bool]:
    """The one-dimensional case: the Newton step ``-g/B`` if ``B > 0`` and it fits, else
    the end of the interval ``[-Delta, Delta]`` downhill (scipy fails with an IndexError)."""
    if B > 0 and abs(g / B) <= Delta:
        return np.array([-g / B]), True
    return np.array([-Delta if g > 0 else Delta]), False
# [/solve-2d]


# [newton-2x2]
def newton_step_2x2(B: np.ndarray, g: np.ndarray) -> np.ndarray | None:
    """``-B^{-1} g`` by Cholesky, or None when ``B`` is not positive definite.

    Written out for 2 x 2 so that it rounds exactly as LAPACK's ``potrf``/``potrs`` in
    scipy's ``cho_factor``/``cho_solve`` (upper factor ``B = U^T U``) do here: OpenBLAS
    multiplies by the reciprocal of each pivot and updates with a fused multiply-add. Bit
    agreement with scipy's 2-d subproblem makes trf with ``tr_solver='lsmr'`` take scipy's
    iterates exactly.
    """
    if not B[0, 0] > 0:
        return None
    u11 = sqrt(B[0, 0])
    r11 = 1 / u11
    u12 = B[0, 1] * r11
    pivot = B[1, 1] - u12 * u12
    if not pivot > 0:
        return None
    r22 = 1 / sqrt(pivot)
    y1 = g[0] * r11                              # U^T y = g
    y2 = fma(-u12, y1, g[1]) * r22
    x2 = y2 * r22                                # U x = y
    x1 = fma(-u12, x2, y1) * r11
    return -np.array([x1, x2])


def fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once (a fused multiply-add), exactly, by rational arithmetic."""
    if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(c)):
        return a * b + c
    return float(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))
# [/newton-2x2]


def intersect_trust_region(x: np.ndarray, s: np.ndarray, Delta: float) -> tuple[float, float]:
    """The two ``t`` with ``||x + t s|| = Delta``, for ``x`` inside the sphere.

    The quadratic ``a t**2 + 2 b t + c = 0`` is solved in the cancellation-free form
    ``q = -(b + sign(b) sqrt(b**2 - a c))``, ``t = q / a`` and ``t = c / q``.

    Parameters
    ----------
    x : ndarray
        A point with ``||x|| <= Delta``.
    s : ndarray
        A nonzero direction.
    Delta : float
        Radius.

    Returns
    -------
    t_neg, t_pos : float
        The non-positive and the non-negative root.

    Raises
    ------
    ValueError
        If ``s`` is zero or ``x`` lies outside the sphere.
    """
    a = np.dot(s, s)
    if a == 0:
        raise ValueError("`s` is zero.")
    b = np.dot(x, s)
    c = np.dot(x, x) - Delta**2
    if c > 0:
        raise ValueError("`x` is not within the trust region.")
    d = np.sqrt(b * b - a * c)
    q = -(b + copysign(d, b))
    t1, t2 = q / a, c / q
    return (t1, t2) if t1 < t2 else (t2, t1)
