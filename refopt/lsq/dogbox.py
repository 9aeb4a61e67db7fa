"""Dogbox: a dogleg method with rectangular trust regions, for bound-constrained least squares.

Reference: C. Voglis and I. E. Lagaris, "A rectangular trust region dogleg approach for
unconstrained and bound constrained nonlinear optimization", WSEAS International Conference
on Applied Mathematics, Corfu, Greece, 2004. The dogleg path is that of J. Nocedal and
S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, §4.1.

With the Euclidean ball replaced by a box::

    |x'_i - x_i| <= Delta * scale_i                                            (14.1)

the trust region and the bounds ``lb <= x' <= ub`` intersect in another box, so each
iteration is a box-constrained quadratic problem. The model is minimised approximately along
the dogleg path: from the origin to the Cauchy point (the model minimiser along ``-g`` within
the box, (14.4)), then toward the Gauss–Newton point (14.3), stopping at the first face of the
box (14.5). Variables that sit on a bound with the gradient pushing them out of the box::

    on_bound_i * g_i < 0                                                       (14.2)

already satisfy the first-order conditions; they are frozen and the step is computed in the
remaining (free) variables. The radius is measured in the max-norm of the scaled step and
updated by the rules (13.10) of the trust-region reflective method, growing only when a
trust-region face (not a bound) stopped the step (14.6). The outer loop is trf's
(:func:`refopt._trust_region.trust_region_loop`); this module supplies the box, the free
variables and the dogleg step (:class:`Dogbox`). The initial radius is
``||x0 / scale||_inf``, or 1 when that is 0 (14.7).

With ``tr_solver='lsmr'`` the Gauss–Newton step comes from LSMR (:mod:`refopt.linalg.lsmr`)
on the scaled Jacobian with the active columns zeroed (15.14), chapter "LSMR".

Unlike trust-region reflective, iterates may lie on the bounds: a variable that reaches a
bound is set exactly onto it and enters the active-set bookkeeping.

This module follows scipy's ``optimize/_lsq/dogbox.py`` step for step (constants, counters and
floating-point operations), so that ``nfev``/``njev`` agree with scipy iteration for iteration;
the code is refopt's own. Without bounds the runs are scipy's bit for bit. With bounds, five
defects of scipy's loop that end runs away from the solution with a "success" status are
fixed (chapter 14, §14.5): a variable reaching its bound together with another is counted as
on it (:func:`landed_on_bounds`); a zero dogleg leg is not multiplied by an infinite step; a
free variable whose step would bounce off its own bound is held there for the step (14.8)
(:func:`step_in_free_variables`); a step cut short by a bound it reaches does not pass the
``ftol``/``xtol`` tests (14.9); and a start a hair off zero gets the unit radius
(:func:`initial_radius`). Two reporting defects are not copied either: the callback sees the
raw residuals and the accepted cost (scipy passes loss-scaled residuals and the last trial
cost), and ``grad`` is the full gradient even after a rejected last step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.linalg import lstsq, norm

from .._bounds import in_bounds, step_size_to_bound
from .._result import OptimizeResult
from .._trust_region import Radius, Step, first_radius, trust_region_loop
from ..linalg.lsmr import lsmr
from ..linalg.operators import LinearOperator, aslinearoperator
from .options import Options, Problem, Scaling
from .point import Point, Residuals
from .quadratic import build_quadratic_1d, evaluate_quadratic, minimize_quadratic_1d

EPS = np.finfo(float).eps


# [intersection]
def find_intersection(x: np.ndarray, tr_bounds: np.ndarray, lb: np.ndarray, ub: np.ndarray):
    """The box (14.1) intersected with the bounds, in steps from ``x``.

    Returns
    -------
    lb_total, ub_total : ndarray
        Lower and upper ends of the steps allowed.
    orig_l, orig_u : ndarray of bool
        Where an end is the original bound.
    tr_l, tr_u : ndarray of bool
        Where an end is a face of the trust region.
    """
    lb_centered = lb - x
    ub_centered = ub - x
    lb_total = np.maximum(lb_centered, -tr_bounds)
    ub_total = np.minimum(ub_centered, tr_bounds)
    orig_l = np.equal(lb_total, lb_centered)
    orig_u = np.equal(ub_total, ub_centered)
    tr_l = np.equal(lb_total, -tr_bounds)
    tr_u = np.equal(ub_total, tr_bounds)
    return lb_total, ub_total, orig_l, orig_u, tr_l, tr_u
# [/intersection]


# [dogleg]
def dogleg_step(x: np.ndarray, newton_step: np.ndarray, g: np.ndarray, a: float, b: float,
                tr_bounds: np.ndarray, lb: np.ndarray, ub: np.ndarray):
    """The dogleg step in the box (14.1) intersected with the bounds.

    Parameters
    ----------
    x : ndarray
        Current point (free variables).
    newton_step : ndarray
        Gauss–Newton step (14.3).
    g : ndarray
        Gradient.
    a, b : float
        The model along ``-g``: ``m(-t g) = a t**2 + b t``.
    tr_bounds : ndarray
        Half-widths of the trust-region box.
    lb, ub : ndarray
        Bounds.

    Returns
    -------
    step : ndarray
        The step.
    bound_hits : ndarray of int
        ``-1``/``+1`` where the step ends on an original lower/upper bound, else 0.
    tr_hit : bool
        Whether the step ends on a face of the trust region.
    """
    lb_total, ub_total, orig_l, orig_u, tr_l, tr_u = find_intersection(x, tr_bounds, lb, ub)
    bound_hits = np.zeros_like(x, dtype=int)
    if in_bounds(newton_step, lb_total, ub_total):
        return newton_step, bound_hits, False

    # (14.4): the model minimiser along -g inside the box. In a box, unlike a ball, the
    # path onward from a cut-off Cauchy point can still improve, so it is always followed.
    to_box, _ = step_size_to_bound(np.zeros_like(x), -g, lb_total, ub_total)
    cauchy = -minimize_quadratic_1d(a, b, 0, to_box)[0] * g

    # (14.5): from the Cauchy point toward the Newton point, up to the first face.
    leg = newton_step - cauchy
    t, hits = step_size_to_bound(cauchy, leg, lb_total, ub_total)
    if not np.isfinite(t):
        # No leg: the Newton point is the Cauchy point, both a rounding error outside the
        # box. scipy multiplies the zero leg by t = inf and gets NaN (chapter 14).
        return cauchy, bound_hits, False
    bound_hits[(hits < 0) & orig_l] = -1
    bound_hits[(hits > 0) & orig_u] = 1
    tr_hit = bool(np.any((hits < 0) & tr_l | (hits > 0) & tr_u))
    return cauchy + t * leg, bound_hits, tr_hit
# [/dogleg]


# [hold]
def step_in_free_variables(point: Point, free: np.ndarray, on_bound: np.ndarray, model,
                           tr_bounds: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                           model_of: Callable):
    """The dogleg step in the free variables, holding any that would bounce off their bound.

    A variable on a bound with the gradient pointing into the box is free by (14.2), but the
    Gauss–Newton step may point out of it: the Cauchy point moves it in, the leg toward the
    Newton point brings it back, and the leg stops on that same face (14.8). Such a step
    leaves the variable where it was and is cut short; repeated, the steps shrink
    geometrically and the ``ftol``/``xtol`` tests end the run away from the solution (scipy
    does this). The variables that bounce are held on their bounds for this iteration and the
    model is rebuilt in the others, until no step bounces. A step without a bounce is
    scipy's, unchanged.

    Returns ``(free, model, (step_free, bound_hits, tr_hit))``; ``model`` (from
    ``model_of(point, free)``, or as given) is ``(J, g, newton_step, a, b)``.
    """
    while True:
        if model is None:
            model = model_of(point, free)
        newton_step, a, b = model[2:]
        step = dogleg_step(point.x[free], newton_step, point.g[free], a, b, tr_bounds[free],
                           lb[free], ub[free])
        bounced = (step[1] != 0) & (step[1] == on_bound[free])              # (14.8)
        if not np.any(bounced) or np.all(bounced):
            return free, model, step
        free = free.copy()
        free[np.flatnonzero(free)[bounced]] = False
        model = None
# [/hold]


# [free-model]
def landed_on_bounds(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """``-1``/``+1`` where ``x`` lies on its lower/upper bound up to rounding, else 0.

    A dogleg leg that reaches two faces at once flags only the one that rounding makes
    first; the other variable stops a few ulps short of (or is clipped onto) its bound.
    scipy keeps such a variable free, and its next step, a few ulps long, passes the
    ``xtol`` test: a false "success" away from the solution. Counting it as on the bound
    lets the active set grow as the mathematics says it should (chapter 14).
    """
    slack = 4 * EPS * np.maximum(1.0, np.abs(x))
    return np.where(x - lb <= slack, -1, np.where(ub - x <= slack, 1, 0))


def free_variables(g: np.ndarray, on_bound: np.ndarray) -> tuple[np.ndarray, float]:
    """The variables not held by an active bound (14.2), and ``||g_free||_inf``."""
    free = ~(on_bound * g < 0)                               # (14.2)
    return free, norm(np.where(free, g, 0), ord=np.inf)


def free_model(point: Point, free: np.ndarray):
    """The model in the free variables: ``(J_free, g_free, newton_step, a, b)``, with the
    Gauss–Newton step (14.3) and the model along ``-g_free``, ``a t**2 + b t`` (14.4)."""
    J_free = point.J[:, free]
    g_free = point.g[free]
    newton_step = lstsq(J_free, -point.f, rcond=-1)[0]       # (14.3)
    a, b = build_quadratic_1d(J_free, g_free, -g_free)       # (14.4)
    return J_free, g_free, newton_step, a, b

# [/free-model]


# [lsmr-model]
def lsmr_operator(J, d: np.ndarray, active: np.ndarray) -> LinearOperator:
    """``J diag(d)`` with the columns of the active variables zeroed: the free columns
    without slicing (which an operator cannot do).

    Products with it never involve the active variables, so LSMR's iterates keep zeros
    there. (scipy's version forgets the zeroing in ``matvec``; it matters only for an
    ``x0`` in ``tr_options`` with nonzero active entries.)
    """
    J = aslinearoperator(J)

    def matvec(x: np.ndarray) -> np.ndarray:
        x_free = x * d
        x_free[active] = 0
        return J.matvec(x_free)

    def rmatvec(y: np.ndarray) -> np.ndarray:
        r = d * J.rmatvec(y)
        r[active] = 0
        return r

    return LinearOperator(J.shape, matvec, rmatvec)


def free_model_lsmr(point: Point, free: np.ndarray, scale: np.ndarray, lsmr_options: dict):
    """As :func:`free_model`, with LSMR for the Gauss–Newton step (14.3) (15.14).

    LSMR works in the scaled variables ``x / scale`` (a better-conditioned problem for an
    iterative method that stops early), and the step is scaled back. The model is kept in
    all ``n`` variables with the active gradient components zeroed, which is the model in
    the free variables. Returns ``(J, g, newton_step, a, b)``, ``J`` an operator.
    """
    J = aslinearoperator(point.J)
    g = np.where(free, point.g, 0.0)
    newton_step = -lsmr(lsmr_operator(J, scale, ~free), point.f, **lsmr_options)[0][free]
    newton_step *= scale[free]                               # (15.14)
    a, b = build_quadratic_1d(J, g, -g)                      # (14.4)
    return J, g, newton_step, a, b
# [/lsmr-model]


# [initial-radius]
def initial_radius(point: Point, scale: np.ndarray, scale_inv: np.ndarray,
                   ftol: float) -> float:
    """``Delta_0 = ||x0 / scale||_inf`` (14.7), or 1 when that radius is too small for a first
    step to register.

    Over the box (14.1) the model decreases by at most ``||g * scale||_1 * Delta``. scipy falls
    back to 1 only when ``Delta_0 = 0``; from a start a hair off zero (``x0 = 1e-33`` on a
    bound) the first step is ``1e-33`` long, changes no bit of the cost, and the ``xtol``
    test ends the run with a false "success". As in trf (13.13), such a radius below 1 is
    taken for the zero it stands for.
    """
    Delta = norm(point.x * scale_inv, ord=np.inf)
    return first_radius(Delta, norm(point.g * scale, ord=1), ftol, point.cost)
# [/initial-radius]


# [box-iteration]
@dataclass
class BoxStep(Step):
    """A dogleg step and the bounds it ends on in the free variables (``-1``/``+1``)."""

    hits: np.ndarray | None = None


class BoxIteration:
    """The model at one point in its free variables (14.2); each trial is a dogleg step in
    the box (14.1) of the current radius, with the variables that would bounce held (14.8)."""

    def __init__(self, point: Point, free: np.ndarray, on_bound: np.ndarray, scales,
                 bounds, model_of: Callable):
        self.point, self.free, self.on_bound, self.model_of = point, free, on_bound, model_of
        self.scale, self.scale_inv = scales
        self.lb, self.ub = bounds
        self.parts = None              # (J, g, newton_step, a, b), built at the first trial

    def trial(self, radius: Radius) -> BoxStep:
        point = self.point
        self.free, self.parts, (step_free, hits, tr_hit) = step_in_free_variables(
            point, self.free, self.on_bound, self.parts, radius.Delta * self.scale, self.lb,
            self.ub, self.model_of)
        J_model, g_model = self.parts[:2]
        step = np.zeros_like(point.x)
        step[self.free] = step_free
        in_all_variables = self.model_of is not free_model       # LSMR's model keeps all n
        predicted_reduction = -evaluate_quadratic(                     # (14.4)
            J_model, g_model, step if in_all_variables else step_free)
        return BoxStep(x=np.clip(point.x + step, self.lb, self.ub),   # rounding stays in the box
                       p=step, predicted_reduction=predicted_reduction,
                       size=norm(step * self.scale_inv, ord=np.inf), at_edge=tr_hit,  # (14.6)
                       conclusive=not np.any(hits != 0), hits=hits)                   # (14.9)

    def accept(self, step: BoxStep) -> np.ndarray:
        """The accepted point, set exactly onto the bounds it reached; they become active."""
        free, lb, ub, x = self.free, self.lb, self.ub, step.x
        self.on_bound[free] = np.where(step.hits != 0, step.hits,
                                       landed_on_bounds(x, lb, ub)[free])
        x[self.on_bound == -1] = lb[self.on_bound == -1]
        x[self.on_bound == 1] = ub[self.on_bound == 1]
        return x


class Dogbox:
    """What dogbox gives the trust-region loop: the free variables (14.2) with the
    optimality measure ``||g_free||_inf``, and the model in them (14.3)–(14.4)."""

    def __init__(self, problem: Problem, options: Options, residuals: Residuals):
        self.lb, self.ub, self.residuals = problem.lb, problem.ub, residuals
        self.lsmr_options = dict(options.tr_options) if options.tr_solver == "lsmr" else None
        x = residuals.start.x
        self.on_bound = np.zeros_like(x, dtype=int)
        self.on_bound[np.equal(x, self.lb)] = -1
        self.on_bound[np.equal(x, self.ub)] = 1

    def optimality(self, point: Point):
        free, g_norm = free_variables(point.g, self.on_bound)
        return g_norm, free

    def model(self, point: Point, free: np.ndarray, radius: Radius) -> BoxIteration:
        scale, scale_inv = self.residuals.scale, self.residuals.scale_inv
        if self.lsmr_options is None:
            model_of = free_model
        else:
            def model_of(point, free, options=self.lsmr_options):
                return free_model_lsmr(point, free, scale, options)
        return BoxIteration(point, free, self.on_bound, (scale, scale_inv), (self.lb, self.ub),
                            model_of)
# [/box-iteration]


# [dogbox]
def dogbox(problem: Problem, options: Options, scaling: Scaling) -> OptimizeResult:
    """Minimise ``1/2 sum rho(f_i(x)**2)`` within bounds by the dogbox method.

    The arguments and the result are those of :func:`refopt.lsq.trf.trf`, except that
    ``x0`` may lie on a bound, the scales shape the box (14.1), ``tr_solver`` chooses the
    Gauss–Newton step by ``numpy.linalg.lstsq`` ('exact') or by
    :func:`refopt.linalg.lsmr.lsmr` ('lsmr', with ``tr_options`` its keywords), and
    ``active_mask`` reports the bounds the solution sits on exactly.
    """
    residuals = Residuals(problem, options, scaling)
    method = Dogbox(problem, options, residuals)
    start = residuals.start
    radius = Radius(initial_radius(start, residuals.scale, residuals.scale_inv, options.ftol))
    outcome = trust_region_loop(method, residuals, start, radius, options)
    return residuals.result(outcome, method.on_bound)
# [/dogbox]
