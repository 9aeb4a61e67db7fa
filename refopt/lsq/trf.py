"""Trust-region reflective (TRF) least squares with bound constraints.

Reference: M. A. Branch, T. F. Coleman and Y. Li, "A subspace, interior, and conjugate
gradient method for large-scale bound-constrained minimization problems", SIAM J. Sci.
Comput. 21(1), 1–23, 1999 (STIR), which builds on T. F. Coleman and Y. Li, "An interior trust
region approach for nonlinear minimization subject to bounds", SIAM J. Optim. 6(2), 418–445,
1996. The subproblem is solved by Moré's method (J. J. Moré, "The Levenberg–Marquardt
algorithm: implementation and theory", Lecture Notes in Mathematics 630, 1977), see
:mod:`refopt.lsq.subproblems`. The outer loop (ratio test, radius, termination, iterate
record) is :func:`refopt._trust_region.trust_region_loop`, shared with dogbox; this module
supplies trf's model and step (:class:`TRF`).

The problem is::

    minimise F(x) = 1/2 sum rho(f_i(x)**2)  subject to  lb <= x <= ub            (13.1)

(``rho(s) = s`` for ordinary least squares). With the gradient ``g = J^T f`` the Coleman–Li
vector ``v(x)`` (13.2) holds the distance to the bound each negative-gradient component
points at (1 where that bound is infinite). At a first-order point ``v * g = 0`` (13.3):
interior components have zero gradient, components on a bound have a gradient pointing out.
Newton's method on ``diag(v) g = 0`` in the scaled ("hat") variables ``x = x_k + D p_h``::

    D = diag(v**0.5 * scale),  g_h = D g,  J_h = J D,  C = diag(g * dv * scale)     (13.4)

(``dv = dv/dx``, so ``C >= 0``) leads to the trust-region subproblem::

    minimise 1/2 ||J_h p_h||**2 + 1/2 p_h^T C p_h + g_h^T p_h,  ||p_h|| <= Delta   (13.5)

which is a linear least-squares problem with the augmented matrix ``[J_h; C**0.5]``; one SVD
of that matrix and Moré's iteration (13.6)–(13.8) solve it. Near a bound ``v`` is small, so
the region is flattened against it: the bounds shape the trust region. The step must keep
the iterate strictly inside, so when the trust-region step leaves the box the method picks
the best of three candidates (13.9): the step cut back (by ``theta``) at the first bound, its
reflection off that bound, and the Cauchy step along ``-g_h`` cut back at the bounds. Without
bounds ``v = 1`` and ``C = 0``: the method is a plain trust-region Gauss–Newton method much like
MINPACK's.

The radius rules (13.10), the tests (13.12) and the initial radius (13.13) are described in
the book chapter "Trust-region reflective". With ``tr_solver='lsmr'`` the SVD is replaced by
LSMR (:mod:`refopt.linalg.lsmr`; D. C.-L. Fong and M. A. Saunders, SIAM J. Sci. Comput.
33(5), 2011): a Gauss–Newton step regularised by the radius (15.12), and (13.5) solved
exactly in the plane of that step and ``g_h`` (15.13) (Byrd, Schnabel and Shultz, Math.
Programming 40, 1988); see the chapter "LSMR". This module follows scipy's
``optimize/_lsq/trf.py`` step for step (the same candidates, constants, counters and
floating-point operations), so that ``nfev``/``njev`` agree with scipy iteration for
iteration; the code is refopt's own, with one deliberate change: an initial radius too small
for the first step to register falls back to 1, as a zero radius does (see
:func:`initial_radius`), which fixes scipy's false "success" after two evaluations when
``x0 = 0`` sits on a bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.linalg import norm

from .. import _trust_region
from .._bounds import find_active_constraints, in_bounds, make_strictly_feasible, step_size_to_bound
from .._result import OptimizeResult
from .._trust_region import Step, first_radius, trust_region_loop
from ..linalg.lsmr import lsmr
from ..linalg.operators import regularized_lsq_operator, right_multiplied_operator
from .options import Options, Problem, Scaling
from .point import Point, Residuals
from .quadratic import build_quadratic_1d, evaluate_quadratic, minimize_quadratic_1d
from .subproblems import intersect_trust_region, solve_lsq_trust_region, solve_trust_region_2d


# --------------------------------------------------------------------------------------------
# State of the iteration
# --------------------------------------------------------------------------------------------

@dataclass
class Radius(_trust_region.Radius):
    """The trust-region radius ``Delta`` and the Levenberg–Marquardt ``alpha`` it goes with.

    ``alpha`` warm-starts Moré's iteration; when ``Delta`` changes it is rescaled by
    ``Delta_old / Delta_new``, a first-order guess of the new root.
    """

    alpha: float = 0.0

    def resize(self, Delta_new: float) -> None:
        self.alpha *= self.Delta / Delta_new
        self.Delta = Delta_new


@dataclass(kw_only=True)
class Model:
    """The subproblem (13.5) at the current point, in hat variables.

    With ``tr_solver='exact'`` it is held as one SVD (``uf``, ``s``, ``V``); with 'lsmr' as
    its restriction to a two-dimensional subspace (``S``, ``B_S``, ``g_S``, (15.13)).
    """

    d: np.ndarray                  # x = x_k + d * p_h, (13.4)
    g_h: np.ndarray
    J_h: Any                       # J d: an array ('exact') or a LinearOperator ('lsmr')
    diag_h: np.ndarray | None      # the diagonal of C; None without bounds (C = 0)
    theta: float                   # step-back factor from the bounds, (13.9)
    uf: np.ndarray | None = None   # U^T [f; 0]
    s: np.ndarray | None = None    # singular values of [J_h; C**0.5]
    V: np.ndarray | None = None
    S: np.ndarray | None = None    # orthonormal basis of span{g_h, Gauss-Newton step}
    B_S: np.ndarray | None = None  # S^T (J_h^T J_h + C) S
    g_S: np.ndarray | None = None  # S^T g_h


@dataclass
class LSMRSettings:
    """``tr_options`` for ``tr_solver='lsmr'``: scipy's ``regularize`` and ``damp`` (the
    latter taken out only without bounds, as scipy does), the rest for :func:`lsmr`."""

    regularize: bool = True
    damp: float = 0.0
    lsmr_options: dict = field(default_factory=dict)

    @classmethod
    def from_options(cls, tr_options: dict, bounded: bool) -> "LSMRSettings":
        options = dict(tr_options)
        regularize = options.pop("regularize", True)
        damp = 0.0 if bounded else options.pop("damp", 0.0)
        return cls(regularize=regularize, damp=damp, lsmr_options=options)


# --------------------------------------------------------------------------------------------
# The scaled model
# --------------------------------------------------------------------------------------------

# [cl-scaling]
def CL_scaling_vector(x: np.ndarray, g: np.ndarray, lb: np.ndarray,
                      ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Coleman–Li scaling vector ``v`` of (13.2) and its derivative ``dv/dx``.

    ``v_i`` is the distance to the bound the negative gradient points at (``ub_i - x_i``
    when ``g_i < 0``, ``x_i - lb_i`` when ``g_i > 0``), or 1 when that bound is infinite or
    ``g_i = 0``. Branch, Coleman and Li [Branch, Coleman & Li (2.2)] use ``|v|`` with signed distances;
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


# [optimality]
def scaled_optimality(point: Point, lb: np.ndarray, ub: np.ndarray,
                      bounded: bool = True) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """``||v * g||_inf`` (13.3) and the Coleman–Li vector ``v``, ``dv`` (13.2) at the point.

    Without bounds ``v = 1`` and ``dv = 0``: the measure is ``||g||_inf`` and ``v``, ``dv`` are
    returned as None.
    """
    if not bounded:
        return norm(point.g, ord=np.inf), None, None
    v, dv = CL_scaling_vector(point.x, point.g, lb, ub)
    return norm(point.g * v, ord=np.inf), v, dv
# [/optimality]


# [model]
def hat_variables(point: Point, v: np.ndarray | None, dv: np.ndarray | None,
                  scale: np.ndarray, scale_inv: np.ndarray, bounded: bool):
    """``d``, ``g_h`` and the diagonal of ``C`` (13.4); ``diag_h`` is None without bounds.

    ``x_scale`` is applied first, then Coleman–Li scaling in the scaled variables: only the
    components of ``v`` that measure a distance (``dv != 0``) change with ``x_scale``.
    """
    if bounded:
        v = v.copy()
        distance = dv != 0
        v[distance] *= scale_inv[distance]
        d = v**0.5 * scale                                # (13.4)
        diag_h = point.g * dv * scale                     # (13.4): C, never negative
    else:
        d = scale                                         # (13.4) with v = 1
        diag_h = None
    return d, d * point.g, diag_h


def build_model(point: Point, v: np.ndarray | None, dv: np.ndarray | None, scale: np.ndarray,
                scale_inv: np.ndarray, g_norm: float, bounded: bool) -> Model:
    """The hat variables (13.4) and one SVD of the augmented matrix of (13.5)."""
    d, g_h, diag_h = hat_variables(point, v, dv, scale, scale_inv, bounded)
    J_h = point.J * d
    if bounded:
        m, n = J_h.shape
        A = np.vstack((J_h, np.diag(diag_h**0.5)))        # (13.5) as least squares
        rhs = np.concatenate((point.f, np.zeros(n)))
        # J_h as the top block of A (row-major, as scipy holds it), whatever the layout of J:
        # later products with J_h then add in scipy's order
        J_h = A[:m]
    else:
        A, rhs = J_h, point.f                             # C = 0: no extra rows
    # Fortran-ordered factors, as LAPACK returns them to scipy: the products below then round
    # exactly as scipy's do, and the iterates agree bit for bit.
    U, s, Vt = map(np.asfortranarray, np.linalg.svd(A, full_matrices=False))
    theta = max(0.995, 1 - g_norm)                        # (13.9)
    return Model(d=d, g_h=g_h, J_h=J_h, diag_h=diag_h, theta=theta, uf=U.T.dot(rhs), s=s,
                 V=Vt.T)
# [/model]


# [lsmr-model]
def regularization(J_h, g_h: np.ndarray, diag_h: np.ndarray | None, Delta: float) -> float:
    """The Tikhonov term (15.12) added to the Gauss–Newton problem before LSMR solves it.

    ``-m(p_c) / Delta**2`` where ``p_c`` is the Cauchy step (the model minimiser along
    ``-g_h`` within the radius): large when the region is small, so the regularised step
    shrinks toward the region; zero as the model's decrease vanishes.
    """
    a, b = build_quadratic_1d(J_h, g_h, -g_h, diag=diag_h)
    to_tr = Delta / norm(g_h)
    cauchy_value = minimize_quadratic_1d(a, b, 0, to_tr)[1]
    return -cauchy_value / Delta**2


def gauss_newton_by_lsmr(J_h, f: np.ndarray, diag_h: np.ndarray | None, reg_term: float,
                         settings: LSMRSettings) -> np.ndarray:
    """The (regularised) Gauss–Newton step of (13.5) in hat variables, by LSMR.

    Without bounds it is ``min ||J_h p + f||**2 + (damp**2 + reg_term) ||p||**2``, LSMR's own
    damping; with bounds the diagonal is ``C + reg_term`` and the problem is stacked as
    ``[J_h; diag(e)]`` against ``[f; 0]`` (:func:`regularized_lsq_operator`). As in scipy,
    LSMR is given ``f``, not ``-f``: the vector returned is minus the step, which spans
    the same subspace (15.13), the only use made of it.
    """
    if diag_h is None:
        damp = (settings.damp**2 + reg_term)**0.5
        return lsmr(J_h, f, damp=damp, **settings.lsmr_options)[0]
    f_augmented = np.concatenate((f, np.zeros(J_h.shape[1])))
    operator = regularized_lsq_operator(J_h, (diag_h + reg_term)**0.5)
    return lsmr(operator, f_augmented, **settings.lsmr_options)[0]


def build_lsmr_model(point: Point, v: np.ndarray | None, dv: np.ndarray | None,
                     scale: np.ndarray, scale_inv: np.ndarray, g_norm: float, bounded: bool,
                     *, Delta: float, settings: LSMRSettings) -> Model:
    """The subproblem (13.5) restricted to ``span{g_h, p_gn}`` (15.13), ``p_gn`` by LSMR.

    ``J_h = J diag(d)`` stays an operator. The orthonormal basis ``S`` of the two
    directions turns (13.5) into a 2-by-2 trust-region problem with ``B_S = (J_h S)^T
    (J_h S) + S^T C S`` and ``g_S = S^T g_h``.
    """
    d, g_h, diag_h = hat_variables(point, v, dv, scale, scale_inv, bounded)
    J_h = right_multiplied_operator(point.J, d)
    reg_term = regularization(J_h, g_h, diag_h, Delta) if settings.regularize else 0.0
    gn_h = gauss_newton_by_lsmr(J_h, point.f, diag_h, reg_term, settings)
    # Fortran order, as scipy.linalg.qr returns it: later products then round as scipy's
    S = np.asfortranarray(np.linalg.qr(np.vstack((g_h, gn_h)).T)[0])    # (15.13)
    JS = J_h.dot(S)
    B_S = np.dot(JS.T, JS)
    if bounded:
        B_S += np.dot(S.T * diag_h, S)
    theta = max(0.995, 1 - g_norm)                        # (13.9)
    return Model(d=d, g_h=g_h, J_h=J_h, diag_h=diag_h, theta=theta, S=S, B_S=B_S,
                 g_S=S.T.dot(g_h))


def trust_region_step(model: Model, radius: Radius, n: int, m: int) -> np.ndarray:
    """The solution ``p_h`` of (13.5): Moré's method on the SVD ('exact'), or the exact
    minimiser in the subspace, ``S p_S`` ('lsmr')."""
    if model.S is None:
        p_h, radius.alpha, _ = solve_lsq_trust_region(
            n, m, model.uf, model.s, model.V, radius.Delta, initial_alpha=radius.alpha)
        return p_h
    p_S, _ = solve_trust_region_2d(model.B_S, model.g_S, radius.Delta)
    return model.S.dot(p_S)
# [/lsmr-model]


# --------------------------------------------------------------------------------------------
# Step selection among the trust-region, reflected and Cauchy steps (13.9)
# --------------------------------------------------------------------------------------------

# [reflected]
def reflected_step(x_on_bound: np.ndarray, p_h: np.ndarray, r_h: np.ndarray, p_stride: float,
                   model: Model, Delta: float, lb: np.ndarray, ub: np.ndarray):
    """The best point on the ray reflected off the first bound the step hit (13.9).

    ``p_h`` is the trust-region step already cut at the bound, ``r_h`` the reflected
    direction. The ray is searched between ``(1 - theta) * p_stride / r_stride`` (so that the
    reflected step does not come back too near the bound it left) and ``theta`` times the
    distance to the next bound, or the trust-region sphere if that comes first.

    Returns ``(r, r_h, value)``; ``value`` is ``inf`` when there is no room to reflect.
    """
    d, theta = model.d, model.theta
    r = d * r_h
    _, to_tr = intersect_trust_region(p_h, r_h, Delta)
    to_bound, _ = step_size_to_bound(x_on_bound, r, lb, ub)
    r_stride = min(to_bound, to_tr)
    if r_stride > 0:
        lower = (1 - theta) * p_stride / r_stride
        upper = theta * to_bound if r_stride == to_bound else to_tr
    else:
        lower, upper = 0, -1
    if lower > upper:
        return r, r_h, np.inf
    a, b, c = build_quadratic_1d(model.J_h, model.g_h, r_h, s0=p_h, diag=model.diag_h)
    t, value = minimize_quadratic_1d(a, b, lower, upper, c=c)
    r_h = t * r_h + p_h
    return r_h * d, r_h, value
# [/reflected]


# [cauchy]
def cauchy_step(x: np.ndarray, model: Model, Delta: float, lb: np.ndarray, ub: np.ndarray):
    """The model minimiser along ``-g_h`` within the sphere and ``theta`` of the way to the
    bounds (13.9). Returns ``(step, step_h, value)``."""
    ag_h = -model.g_h
    ag = model.d * ag_h
    to_tr = Delta / norm(ag_h)
    to_bound, _ = step_size_to_bound(x, ag, lb, ub)
    longest = model.theta * to_bound if to_bound < to_tr else to_tr
    a, b = build_quadratic_1d(model.J_h, model.g_h, ag_h, diag=model.diag_h)
    t, value = minimize_quadratic_1d(a, b, 0, longest)
    return ag * t, ag_h * t, value
# [/cauchy]


# [select]
def select_step(x: np.ndarray, p_h: np.ndarray, model: Model, Delta: float,
                lb: np.ndarray, ub: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Choose the step of (13.9) and return ``(step, step_h, predicted_reduction)``.

    The trust-region step ``p = d * p_h`` is taken as it is when it stays in the bounds.
    Otherwise three candidates compete on the model value: ``p`` cut at the first bound and
    pulled back by ``theta``; its reflection off that bound; the Cauchy step. Ties go to the
    Cauchy step.
    """
    J_h, g_h, diag_h, d, theta = model.J_h, model.g_h, model.diag_h, model.d, model.theta
    p = d * p_h
    if diag_h is None or in_bounds(x + p, lb, ub):    # no bounds (C = 0), or inside them
        return p, p_h, -evaluate_quadratic(J_h, g_h, p_h, diag=diag_h)

    p_stride, hits = step_size_to_bound(x, p, lb, ub)
    r_h = p_h.copy()
    r_h[hits != 0] *= -1                 # (13.9): reflect the components that hit a bound
    p = p * p_stride
    p_h = p_h * p_stride
    r, r_h, r_value = reflected_step(x + p, p_h, r_h, p_stride, model, Delta, lb, ub)

    p = p * theta                        # (13.9): strictly inside
    p_h = p_h * theta
    p_value = evaluate_quadratic(J_h, g_h, p_h, diag=diag_h)

    ag, ag_h, ag_value = cauchy_step(x, model, Delta, lb, ub)

    if p_value < r_value and p_value < ag_value:
        return p, p_h, -p_value
    if r_value < p_value and r_value < ag_value:
        return r, r_h, -r_value
    return ag, ag_h, -ag_value
# [/select]


# --------------------------------------------------------------------------------------------
# trf's part of the trust-region loop: the model at each point and its trial steps
# --------------------------------------------------------------------------------------------

# [trial]
def trial_point(x: np.ndarray, step: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                bounded: bool) -> np.ndarray:
    """``x + step``, nudged to the next float inside any bound it touches (13.11)."""
    if not bounded:
        return x + step
    return make_strictly_feasible(x + step, lb, ub, rstep=0)


@dataclass
class Iteration:
    """The model (13.5) at one point and the box: each trial solves (13.5) in the current
    radius, chooses the step (13.9) and the trial point (13.11)."""

    point: Point
    model: Model
    lb: np.ndarray
    ub: np.ndarray
    bounded: bool

    def trial(self, radius: Radius) -> Step:
        x = self.point.x
        p_h = trust_region_step(self.model, radius, x.size, self.point.f.size)
        step, step_h, predicted_reduction = select_step(x, p_h, self.model, radius.Delta,
                                                        self.lb, self.ub)
        step_h_norm = norm(step_h)
        return Step(x=trial_point(x, step, self.lb, self.ub, self.bounded), p=step,
                    predicted_reduction=predicted_reduction, size=step_h_norm,
                    at_edge=step_h_norm > 0.95 * radius.Delta)                  # (13.10)

    def accept(self, step: Step) -> np.ndarray:
        return step.x


class TRF:
    """What trf gives the trust-region loop: the optimality measure (13.3) and the model in
    hat variables (13.4), by SVD ('exact') or in LSMR's subspace ('lsmr')."""

    def __init__(self, problem: Problem, options: Options, residuals: Residuals):
        self.lb, self.ub, self.residuals = problem.lb, problem.ub, residuals
        self.bounded = not (np.all(self.lb == -np.inf) and np.all(self.ub == np.inf))
        self.settings = (LSMRSettings.from_options(options.tr_options, self.bounded)
                         if options.tr_solver == "lsmr" else None)

    def optimality(self, point: Point):
        g_norm, v, dv = scaled_optimality(point, self.lb, self.ub, self.bounded)
        return g_norm, (g_norm, v, dv)

    def model(self, point: Point, found, radius: Radius) -> Iteration:
        g_norm, v, dv = found
        scale, scale_inv = self.residuals.scale, self.residuals.scale_inv
        if self.settings is None:
            model = build_model(point, v, dv, scale, scale_inv, g_norm, self.bounded)
        else:
            model = build_lsmr_model(point, v, dv, scale, scale_inv, g_norm, self.bounded,
                                     Delta=radius.Delta, settings=self.settings)
        return Iteration(point, model, self.lb, self.ub, self.bounded)
# [/trial]


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------

# [initial-radius]
def initial_radius(point: Point, lb: np.ndarray, ub: np.ndarray, scale: np.ndarray,
                   scale_inv: np.ndarray, ftol: float) -> float:
    """``Delta_0 = ||x0 * scale_inv / v**0.5||`` (13.13), or 1 when that radius is too small
    for a first step to register.

    scipy falls back to 1 only when ``Delta_0 = 0``. But ``x0 = 0`` on a bound reaches the
    solver as ``1e-10`` (moved strictly inside), so ``Delta_0`` is about ``1e-10``; the model
    reduction over such a radius is at most ``||g_h|| Delta_0``, below ``ftol * F``, and the
    first step ends the run with a false ``ftol`` "success". A radius that small carries no
    information about the problem's scale, so it is treated as the zero it stands for
    (:func:`refopt._trust_region.first_radius`).
    """
    v, dv = CL_scaling_vector(point.x, point.g, lb, ub)
    distance = dv != 0
    v[distance] *= scale_inv[distance]
    Delta = norm(point.x * scale_inv / v**0.5)
    g_h = v**0.5 * scale * point.g                  # (13.4)
    return first_radius(Delta, norm(g_h), ftol, point.cost)
# [/initial-radius]


# [trf]
def trf(problem: Problem, options: Options, scaling: Scaling) -> OptimizeResult:
    """Minimise (13.1) by the trust-region reflective method.

    The front end :func:`refopt.least_squares` validates the arguments and builds the
    message; this function trusts them.

    Parameters
    ----------
    problem : Problem
        ``fun(x)`` the residuals (m,); ``jac(x, f)`` the dense Jacobian (m, n) at ``x``
        where the residuals are ``f``; ``x0`` strictly inside the bounds ``lb``, ``ub``
        (infinite entries for none); ``f0 = fun(x0)``, finite; ``J0 = jac(x0, f0)``.
    options : Options
        ``ftol``, ``xtol``, ``gtol``: the tolerances of (13.12) and (13.3), 0 disables a
        test; ``max_nfev`` (``f0`` counts as one); ``loss_function`` (None: linear);
        ``tr_solver`` 'exact' (SVD and Moré's method) or 'lsmr' (LSMR and a
        two-dimensional subspace, :func:`build_lsmr_model`) with its ``tr_options``
        (``regularize``, default True, and the keywords of :func:`refopt.linalg.lsmr.lsmr`;
        ``damp`` adds to the regularisation without bounds); ``verbose`` 2 prints the
        iteration table; ``callback`` (wrapped) stops the run with status -2.
    scaling : Scaling
        The variable scales, fixed or from the Jacobian's column norms.

    Returns
    -------
    OptimizeResult
        ``x, cost, fun, jac, grad, optimality, active_mask, nfev, njev, status``.
    """
    residuals = Residuals(problem, options, scaling)
    start = residuals.start
    radius = Radius(initial_radius(start, problem.lb, problem.ub, residuals.scale,
                                   residuals.scale_inv, options.ftol))
    outcome = trust_region_loop(TRF(problem, options, residuals), residuals, start, radius,
                                options)
    return residuals.result(outcome, find_active_constraints(
        outcome.point.x, problem.lb, problem.ub, rtol=options.xtol))
# [/trf]
