"""Kernels shared by the trust-region least-squares solvers (``trf`` and ``dogbox``).

A trust-region method replaces the cost ``F(x) = 1/2 ||f(x)||**2`` near the current point by
the Gauss–Newton model::

    m(p) = 1/2 ||J p||**2 + 1/2 p^T C p + g^T p,      g = J^T f                  (13.5)

(``C`` is a diagonal term that only the bounded trust-region reflective method uses; it is
zero otherwise), minimises the model over a region where it is trusted, and adjusts the size
of the region by comparing the predicted and the actual reduction of ``F``.

This module holds the small pieces both solvers are made of:

* the subproblem solvers: :func:`solve_lsq_trust_region` is Moré's method for the spherical
  region ``||p|| <= Delta`` (J. J. Moré, "The Levenberg–Marquardt algorithm: implementation
  and theory", Numerical Analysis, Lecture Notes in Mathematics 630, Springer, 1977,
  pp. 105–116; J. J. Moré and D. C. Sorensen, "Computing a trust region step", SIAM J. Sci.
  Stat. Comput. 4(3), 553–572, 1983), run on one singular value decomposition of ``J``
  instead of a sequence of factorizations; :func:`solve_trust_region_2d` solves the
  subproblem exactly in a two-dimensional subspace (the quartic of Byrd, Schnabel and
  Shultz, "Approximate solution of the trust region problem by minimization over
  two-dimensional subspaces", Math. Programming 40, 247–263, 1988);
* the one-dimensional quadratics used to search along a line (:func:`build_quadratic_1d`,
  :func:`minimize_quadratic_1d`, :func:`evaluate_quadratic`);
* the radius update (13.10) and the termination tests (13.11);
* the bound-constraint utilities of Branch, Coleman and Li (M. A. Branch, T. F. Coleman and
  Y. Li, "A subspace, interior, and conjugate gradient method for large-scale
  bound-constrained minimization problems", SIAM J. Sci. Comput. 21(1), 1–23, 1999): the
  Coleman–Li scaling vector (13.2), the distance to the bounds along a direction, the
  strictly feasible shift of a point and the reflective transformation;
* the ``verbose=2`` iteration table.

Equation numbers refer to the chapter "Trust-region reflective" of the book. The steps,
constants and floating-point operations follow scipy's ``optimize/_lsq/common.py`` so that
the solvers built on them reproduce scipy's iterates; the code and the words are refopt's.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import copysign, sqrt

import numpy as np
from numpy.linalg import norm

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from .jacobian import working_copy
from .losses import scale_for_robust_loss_function

EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------------
# The spherical subproblem by Moré's method
# --------------------------------------------------------------------------------------------

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
    """A point inside ``[alpha_lower, alpha_upper]`` to restart from (Moré 1977, (5.5))."""
    return max(0.001 * alpha_upper, (alpha_lower * alpha_upper)**0.5)


# [solve-lsq-tr]
def solve_lsq_trust_region(n: int, m: int, uf: np.ndarray, s: np.ndarray, V: np.ndarray,
                           Delta: float, initial_alpha: float | None = None,
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
    the stationarity condition into a quartic in ``t`` (13.12) whose real roots are the
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
    coeffs = np.array([-b + d, 2 * (a - c + f), 6 * b, 2 * (-a + c + f), -b - d])  # (13.12)
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


# --------------------------------------------------------------------------------------------
# Radius update and termination
# --------------------------------------------------------------------------------------------

# [first-radius]
def first_radius(Delta: float, decrease_per_radius: float, ftol: float, cost: float) -> float:
    """The first trust radius: ``Delta``, or 1 when ``Delta`` stands for zero (13.13).

    That is when it is 0, or below 1 and so small that even the model's largest decrease over
    it, at most ``decrease_per_radius * Delta``, is below ``ftol * cost``: the first step
    could then only end the run with a false success. A radius of 1 or more is kept: there
    the test says only that the gradient is tiny (a loss saturated by huge residuals, say),
    which the unit radius would not change.
    """
    if Delta == 0 or (Delta < 1 and decrease_per_radius * Delta < ftol * cost):
        return 1.0
    return Delta
# [/first-radius]


# [radius]
def update_tr_radius(Delta: float, actual_reduction: float, predicted_reduction: float,
                     step_norm: float, bound_hit: bool) -> tuple[float, float]:
    """Shrink or grow the trust region from the agreement of model and function (13.10).

    Parameters
    ----------
    Delta : float
        Current radius.
    actual_reduction, predicted_reduction : float
        ``F(x) - F(x + p)`` and ``m(0) - m(p)``.
    step_norm : float
        Norm of the step in the variables where the region is a ball (or a box).
    bound_hit : bool
        Whether the step reached the edge of the region.

    Returns
    -------
    Delta : float
        The new radius.
    ratio : float
        ``actual_reduction / predicted_reduction`` (1 when both are 0, 0 when the model
        predicts no decrease).
    """
    if predicted_reduction > 0:
        ratio = actual_reduction / predicted_reduction
    elif predicted_reduction == actual_reduction == 0:
        ratio = 1
    else:
        ratio = 0

    if ratio < 0.25:
        Delta = 0.25 * step_norm      # poor model: a quarter of the step just tried
    elif ratio > 0.75 and bound_hit:
        Delta *= 2.0                  # good model held back by the region: let it grow
    return Delta, ratio
# [/radius]


# [termination]
def check_termination(dF: float, F: float, dx_norm: float, x_norm: float, ratio: float,
                      ftol: float, xtol: float) -> int | None:
    """The ``ftol`` and ``xtol`` tests of (13.11), made after every trial step.

    Parameters
    ----------
    dF, F : float
        Actual reduction of the cost and the cost before the step.
    dx_norm, x_norm : float
        Norm of the step and of the point it starts from.
    ratio : float
        Actual over predicted reduction.
    ftol, xtol : float
        Tolerances (0 disables a test).

    Returns
    -------
    int or None
        4 when both tests pass, 2 for ``ftol`` alone, 3 for ``xtol`` alone, None otherwise.
    """
    ftol_satisfied = dF < ftol * F and ratio > 0.25
    xtol_satisfied = dx_norm < xtol * (xtol + x_norm)
    if ftol_satisfied and xtol_satisfied:
        return 4
    if ftol_satisfied:
        return 2
    if xtol_satisfied:
        return 3
    return None
# [/termination]


# --------------------------------------------------------------------------------------------
# Quadratics along a line
# --------------------------------------------------------------------------------------------

def build_quadratic_1d(J, g: np.ndarray, s: np.ndarray, diag: np.ndarray | None = None,
                       s0: np.ndarray | None = None) -> tuple[float, ...]:
    """Coefficients of the model (13.5) restricted to the line ``s0 + t s``.

    The restriction is ``a t**2 + b t + c`` with ``a = 1/2 (||J s||**2 + s^T diag s)``,
    ``b = g^T s + (J s0)^T (J s) + s0^T diag s`` and ``c = m(s0)``.

    Parameters
    ----------
    J : ndarray or operator with ``dot``, shape (m, n)
        Jacobian.
    g : ndarray, shape (n,)
        Gradient (the linear term).
    s : ndarray, shape (n,)
        Direction of the line.
    diag : ndarray, shape (n,), optional
        Extra diagonal of the quadratic term (``C`` of (13.5)); None means zero.
    s0 : ndarray, shape (n,), optional
        Starting point of the line; None means the origin.

    Returns
    -------
    a, b : float
        When ``s0`` is None.
    a, b, c : float
        When ``s0`` is given.
    """
    Js = J.dot(s)
    a = np.dot(Js, Js)
    if diag is not None:
        a += np.dot(s * diag, s)
    a *= 0.5
    b = np.dot(g, s)
    if s0 is None:
        return a, b
    Js0 = J.dot(s0)
    b += np.dot(Js0, Js)
    c = 0.5 * np.dot(Js0, Js0) + np.dot(g, s0)
    if diag is not None:
        b += np.dot(s0 * diag, s)
        c += 0.5 * np.dot(s0 * diag, s0)
    return a, b, c


def minimize_quadratic_1d(a: float, b: float, lb: float, ub: float,
                          c: float = 0) -> tuple[float, float]:
    """Minimise ``a t**2 + b t + c`` over the finite interval ``[lb, ub]``.

    The candidates are the two ends and, when it lies strictly inside, the vertex
    ``-b / (2a)``; the first smallest value wins.

    Parameters
    ----------
    a, b, c : float
        Coefficients.
    lb, ub : float
        Finite ends of the interval.

    Returns
    -------
    t, y : float
        The minimiser and the minimum value.
    """
    candidates = [lb, ub]
    if a != 0:
        vertex = -0.5 * b / a
        if lb < vertex < ub:
            candidates.append(vertex)
    t = np.asarray(candidates)
    y = t * (a * t + b) + c
    best = np.argmin(y)
    return t[best], y[best]


def evaluate_quadratic(J, g: np.ndarray, s: np.ndarray, diag: np.ndarray | None = None):
    """The model (13.5) ``1/2 s^T (J^T J + diag) s + g^T s`` at one step or at rows of steps.

    Parameters
    ----------
    J : ndarray or operator with ``dot``, shape (m, n)
        Jacobian.
    g : ndarray, shape (n,)
        Gradient.
    s : ndarray, shape (n,) or (k, n)
        A step, or steps as rows.
    diag : ndarray, shape (n,), optional
        Extra diagonal of the quadratic term; None means zero.

    Returns
    -------
    float or ndarray of shape (k,)
        Model values.
    """
    if s.ndim == 1:
        Js = J.dot(s)
        q = np.dot(Js, Js)
        if diag is not None:
            q += np.dot(s * diag, s)
    else:
        Js = J.dot(s.T)
        q = np.sum(Js**2, axis=0)
        if diag is not None:
            q += np.sum(diag * s**2, axis=1)
    return 0.5 * q + np.dot(s, g)


# --------------------------------------------------------------------------------------------
# Bounds
# --------------------------------------------------------------------------------------------

def in_bounds(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> bool:
    """True when ``lb <= x <= ub`` holds componentwise (bounds included).

    Parameters
    ----------
    x, lb, ub : ndarray
        Point and bounds.

    Returns
    -------
    bool
    """
    return bool(np.all((x >= lb) & (x <= ub)))


# [step-to-bound]
def step_size_to_bound(x: np.ndarray, s: np.ndarray, lb: np.ndarray,
                       ub: np.ndarray) -> tuple[float, np.ndarray]:
    """The largest ``t >= 0`` with ``x + t s`` in the bounds, and which bounds stop it.

    Parameters
    ----------
    x : ndarray
        A point within the bounds.
    s : ndarray
        Direction.
    lb, ub : ndarray
        Bounds (infinite entries allowed).

    Returns
    -------
    step : float
        The step length (``inf`` when nothing stops the ray).
    hits : ndarray of int
        ``-1`` where the lower bound is reached at ``step``, ``+1`` for the upper bound,
        ``0`` elsewhere.
    """
    moving = np.nonzero(s)
    steps = np.full_like(x, np.inf, dtype=float)
    with np.errstate(over="ignore"):
        # per component, the bound in the direction of travel is the larger quotient
        steps[moving] = np.maximum((lb - x)[moving] / s[moving], (ub - x)[moving] / s[moving])
    min_step = np.min(steps)
    return min_step, np.equal(steps, min_step) * np.sign(s).astype(int)
# [/step-to-bound]


def find_active_constraints(x: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                            rtol: float = 1e-10) -> np.ndarray:
    """Which bounds are active at ``x``, to a relative tolerance.

    A lower bound is active when ``x - lb <= min(ub - x, rtol * max(1, |lb|))`` (and the
    upper one symmetrically). With ``rtol = 0`` the comparison is exact: ``x <= lb`` or
    ``x >= ub``.

    Parameters
    ----------
    x, lb, ub : ndarray
        Point and bounds.
    rtol : float, optional
        Relative tolerance.

    Returns
    -------
    ndarray of int
        ``-1`` for an active lower bound, ``+1`` for an active upper bound, ``0`` otherwise.
    """
    active = np.zeros_like(x, dtype=int)
    if rtol == 0:
        active[x <= lb] = -1
        active[x >= ub] = 1
        return active
    lower_dist = x - lb
    upper_dist = ub - x
    lower_threshold = rtol * np.maximum(1, np.abs(lb))
    upper_threshold = rtol * np.maximum(1, np.abs(ub))
    active[np.isfinite(lb) & (lower_dist <= np.minimum(upper_dist, lower_threshold))] = -1
    active[np.isfinite(ub) & (upper_dist <= np.minimum(lower_dist, upper_threshold))] = 1
    return active


def make_strictly_feasible(x: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                           rstep: float = 1e-10) -> np.ndarray:
    """A copy of ``x`` moved strictly inside the bounds.

    Components within ``rstep * max(1, |bound|)`` of a bound are moved to that distance from
    it; with ``rstep = 0`` they move to the next floating-point number inside. Where the
    bounds are too close for that, the component goes to the midpoint.

    Parameters
    ----------
    x, lb, ub : ndarray
        Point and bounds.
    rstep : float, optional
        Relative distance from the bounds.

    Returns
    -------
    ndarray
        The shifted point.
    """
    x_new = x.copy()
    active = find_active_constraints(x, lb, ub, rstep)
    lower = active == -1
    upper = active == 1
    if rstep == 0:
        x_new[lower] = np.nextafter(lb[lower], ub[lower])
        x_new[upper] = np.nextafter(ub[upper], lb[upper])
    else:
        x_new[lower] = lb[lower] + rstep * np.maximum(1, np.abs(lb[lower]))
        x_new[upper] = ub[upper] - rstep * np.maximum(1, np.abs(ub[upper]))
    too_tight = (x_new < lb) | (x_new > ub)
    x_new[too_tight] = 0.5 * (lb[too_tight] + ub[too_tight])
    return x_new


# [cl-scaling]
def CL_scaling_vector(x: np.ndarray, g: np.ndarray, lb: np.ndarray,
                      ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Coleman–Li scaling vector ``v`` of (13.2) and its derivative ``dv/dx``.

    ``v_i`` is the distance to the bound the negative gradient points at (``ub_i - x_i``
    when ``g_i < 0``, ``x_i - lb_i`` when ``g_i > 0``), or 1 when that bound is infinite or
    ``g_i = 0``. Branch, Coleman and Li (1999, (2.2)) use ``|v|`` with signed distances;
    taking the distances as non-negative gives the same method.

    Parameters
    ----------
    x, g : ndarray
        Point and gradient.
    lb, ub : ndarray
        Bounds.

    Returns
    -------
    v : ndarray
        Scaling vector, ``v >= 0``.
    dv : ndarray
        Its derivative: ``-1``, ``+1`` or ``0`` per component.
    """
    v = np.ones_like(x)
    dv = np.zeros_like(x)
    toward_upper = (g < 0) & np.isfinite(ub)
    v[toward_upper] = ub[toward_upper] - x[toward_upper]
    dv[toward_upper] = -1
    toward_lower = (g > 0) & np.isfinite(lb)
    v[toward_lower] = x[toward_lower] - lb[toward_lower]
    dv[toward_lower] = 1
    return v, dv
# [/cl-scaling]


def reflective_transformation(y: np.ndarray, lb: np.ndarray,
                              ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fold ``y`` into the bounds by reflecting it off them, and the fold's derivative.

    One finite bound reflects once (``x = 2 lb - y`` below ``lb``); two finite bounds make
    the fold periodic with period ``2 (ub - lb)``.

    Parameters
    ----------
    y : ndarray
        Any point.
    lb, ub : ndarray
        Bounds.

    Returns
    -------
    x : ndarray
        The reflected point, within the bounds.
    g : ndarray
        ``dx/dy``: ``+1`` or ``-1`` per component.
    """
    if in_bounds(y, lb, ub):
        return y, np.ones_like(y)
    lb_finite = np.isfinite(lb)
    ub_finite = np.isfinite(ub)
    x = y.copy()
    flipped = np.zeros_like(y, dtype=bool)

    only_lower = lb_finite & ~ub_finite
    x[only_lower] = np.maximum(y[only_lower], 2 * lb[only_lower] - y[only_lower])
    flipped[only_lower] = y[only_lower] < lb[only_lower]

    only_upper = ~lb_finite & ub_finite
    x[only_upper] = np.minimum(y[only_upper], 2 * ub[only_upper] - y[only_upper])
    flipped[only_upper] = y[only_upper] > ub[only_upper]

    both = lb_finite & ub_finite
    width = ub[both] - lb[both]
    t = np.remainder(y[both] - lb[both], 2 * width)
    x[both] = lb[both] + np.minimum(t, 2 * width - t)
    flipped[both] = t > width

    g = np.ones_like(y)
    g[flipped] = -1
    return x, g


# --------------------------------------------------------------------------------------------
# Gradient and Jacobian scaling
# --------------------------------------------------------------------------------------------

def compute_grad(J, f: np.ndarray) -> np.ndarray:
    """Gradient ``J^T f`` of ``1/2 ||f||**2``.

    Parameters
    ----------
    J : ndarray or operator with ``rmatvec``, shape (m, n)
        Jacobian.
    f : ndarray, shape (m,)
        Residuals.

    Returns
    -------
    ndarray, shape (n,)
    """
    if hasattr(J, "rmatvec") and not isinstance(J, np.ndarray):
        return J.rmatvec(f)
    return J.T.dot(f)


# --------------------------------------------------------------------------------------------
# The iterate, shared by trf and dogbox
# --------------------------------------------------------------------------------------------

@dataclass
class Point:
    """An accepted iterate with what the model needs there.

    ``f`` and ``J`` are corrected for the robust loss (Triggs et al.; see
    :mod:`refopt.lsq.losses`), ``f_true`` is the raw residual vector.
    """

    x: np.ndarray
    f_true: np.ndarray
    f: np.ndarray
    J: np.ndarray
    g: np.ndarray
    cost: float


# [point]
def make_point(x: np.ndarray, f_true: np.ndarray, J: np.ndarray, loss_function,
               cost: float | None = None) -> Point:
    """Correct ``f`` and ``J`` for the loss and form the gradient ``g = J^T f``.

    ``cost`` is the robust cost when the caller already has it (after a trial step);
    otherwise it is computed here, from the loss values ``rho`` at the start.
    """
    f = np.array(f_true, dtype=float)          # working copies: the corrections are in place
    if loss_function is None:
        if cost is None:
            cost = 0.5 * np.dot(f, f)
    else:
        rho = loss_function(f)
        if cost is None:
            cost = 0.5 * np.sum(rho[0])
        J, f = scale_for_robust_loss_function(working_copy(J), f, rho)
    return Point(x=x, f_true=f_true, f=f, J=J, g=compute_grad(J, f), cost=cost)
# [/point]


def report_iteration(callback, point: Point, iteration: int, nfev: int) -> bool:
    """Hand the iterate to the user's callback; True when the user asked to stop."""
    if callback is None:
        return False
    result = OptimizeResult(x=point.x.copy(), fun=point.f_true.copy(), nit=iteration,
                            nfev=nfev, cost=point.cost)
    return call_callback_maybe_halt(callback, result, stop_on_true=True)


# --------------------------------------------------------------------------------------------
# The verbose=2 table
# --------------------------------------------------------------------------------------------

def print_header_nonlinear() -> None:
    """Print the column titles of the iteration table (six centred fields of width 15)."""
    titles = ("Iteration", "Total nfev", "Cost", "Cost reduction", "Step norm", "Optimality")
    print("".join(f"{title:^15}" for title in titles))


def print_iteration_nonlinear(iteration: int, nfev: int, cost: float,
                              cost_reduction: float | None, step_norm: float | None,
                              optimality: float) -> None:
    """Print one row of the iteration table; None fields (iteration 0) are left blank.

    Parameters
    ----------
    iteration, nfev : int
        Outer iteration and evaluations so far.
    cost : float
        Current cost.
    cost_reduction, step_norm : float or None
        Of the last outer iteration (0 when it accepted no step).
    optimality : float
        First-order optimality measure.
    """
    reduction = " " * 15 if cost_reduction is None else f"{cost_reduction:^15.2e}"
    step = " " * 15 if step_norm is None else f"{step_norm:^15.2e}"
    print(f"{iteration:^15}{nfev:^15}{cost:^15.4e}{reduction}{step}{optimality:^15.2e}")
