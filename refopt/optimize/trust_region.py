"""The trust-region method of ``minimize``: one outer loop for dogleg, trust-ncg, trust-exact
and trust-krylov.

J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006), chapter 4,
Algorithm 4.1; A. R. Conn, N. I. M. Gould and P. L. Toint, *Trust-Region Methods*, SIAM
(2000), chapter 6 (the basic trust-region algorithm, BTR).

At the iterate ``x`` with ``f = f(x)``, ``g = grad f(x)`` and ``B`` the Hessian (or only its
products ``B v``), the quadratic model of ``f(x + p)`` is::

    m(p) = f + gᵀp + ½ pᵀB p                                  (29.15)  [N&W (4.2)]

trusted inside the ball ``‖p‖ <= Delta``. A *subproblem solver* (one module each:
:mod:`~refopt.optimize.dogleg`, :mod:`~refopt.optimize.trust_ncg`,
:mod:`~refopt.optimize.trust_exact`, :mod:`~refopt.optimize.trust_krylov`) returns a step ``p``
that decreases ``m`` at least as much as the Cauchy point does, and whether it reached the
boundary. The loop then compares what ``f`` did with what the model promised::

    rho = (f(x) - f(x + p)) / (m(0) - m(p))                    (29.16)  [N&W (4.4)]

and updates the radius and the iterate as scipy 1.17's ``_minimize_trust_region``::

    Delta <- Delta / 4                   if rho < 1/4
    Delta <- min(2 Delta, Delta_max)     if rho > 3/4 and ‖p‖ = Delta      (29.17)
    x <- x + p                           if rho > eta          [N&W Algorithm 4.1]

It stops when ``‖g‖ < gtol`` (tested before the first iteration too), after ``maxiter``
iterations, when the model predicts no decrease (status 2) or when a subproblem raises
``LinAlgError`` (status 3, e.g. dogleg's Cholesky factorization of an indefinite ``B``).

Evaluations are made as scipy makes them, so the counts agree: ``f`` at every trial point,
``g`` and ``B`` only where a solver asks for them (normally at accepted points; trust-exact
asks for ``B`` and trust-krylov for ``g`` at every trial point, as scipy's solvers do on
construction), all cached per point. Where scipy is wrong refopt differs, and says so:

* ``nhev`` counts every call of the user's ``hess`` or ``hessp``. scipy adds one call that
  never happens when only ``hessp`` is given (a placeholder Hessian "evaluated" at ``x0``)
  and leaves out the Hessian evaluated for the result's ``hess`` after the count was read;
* a trial point where ``f`` is NaN or infinite gives ``rho = nan`` in scipy, which neither
  shrinks the radius nor accepts the step, so the same step is tried again until
  ``maxiter``. Here a non-finite ``f(x + p)`` counts as a failed step (``rho = -inf``): the
  radius shrinks and the run goes on;
* scipy raises a bare ``Exception`` for an ``eta`` outside ``[0, 1/4)`` or a nonpositive
  ``max_trust_radius``; refopt raises ``ValueError`` (a subclass) with the same text.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from ._objective import (FD_METHODS, STATUS_MESSAGES, ScalarObjective, checked_hessian,
                         is_update_strategy, warn_unknown_options)

__all__ = ["QuadraticModel", "Curvature", "boundary_intersections", "minimize_trust_region",
           "TRUST_REGION_MESSAGES"]

TRUST_REGION_MESSAGES = (
    STATUS_MESSAGES["success"],
    STATUS_MESSAGES["maxiter"],
    "A bad approximation caused failure to predict improvement.",
    "A linalg error occurred, such as a non-psd Hessian.",
)


class Curvature:
    """The user's second derivatives, counted: a Hessian ``hess(x, *args)`` or a product
    ``hessp(x, p, *args)`` (``hess`` wins when both are given, as in scipy).

    ``nhev`` counts the calls of the user's function. ``matrix(x)`` is None when only
    products are known; a ``hess`` returning a sparse matrix or a linear operator gives
    products through its ``dot``.
    """

    def __init__(self, hess: Callable | None, hessp: Callable | None, args: tuple, n: int):
        self._hess = hess if callable(hess) else None
        self._hessp = None if self._hess is not None else hessp
        self._args = args
        self.n = n
        self.nhev = 0
        self._last: tuple | None = None

    @property
    def has_matrix(self) -> bool:
        return self._hess is not None

    def matrix(self, x: np.ndarray) -> Any:
        """``B(x)``: a dense (n, n) array, or whatever operator the user's ``hess`` returns.

        The last point's matrix is kept (a trial step too small to change ``x`` asks again)."""
        if self._last is None or not np.array_equal(x, self._last[0]):
            B = checked_hessian(self._hess(np.copy(x), *self._args), self.n)
            self._last = (np.copy(x), B)
            self.nhev += 1
        return self._last[1]

    def product(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``B(x) p`` from the user's ``hessp``."""
        Bp = np.asarray(self._hessp(np.copy(x), p, *self._args))
        self.nhev += 1
        return Bp


class ObjectiveCurvature:
    """Second derivatives kept by minimize's counted objective: differences of the gradient
    (``'2-point'``, ``'3-point'``, ``'cs'``) or a quasi-Newton ``HessianUpdateStrategy``, as
    scipy's ScalarFunction gives them. Both act through ``.dot(p)``; the gradients they cost
    count in ``njev``, and ``nhev`` counts the products, as scipy's trust-region loop counts
    its ``hessp`` calls there."""

    has_matrix = True

    def __init__(self, objective: ScalarObjective):
        self._objective = objective
        self.nhev = 0

    def matrix(self, x: np.ndarray) -> Any:
        """The difference operator at ``x``, or the update strategy as it stands, with its
        products counted."""
        return _CountedProducts(self._objective.hess(x), self)


class _CountedProducts:
    """``B.dot(p)``, each call counted in ``owner.nhev``."""

    def __init__(self, B: Any, owner: ObjectiveCurvature):
        self.operator, self._owner = B, owner

    def dot(self, p: np.ndarray) -> np.ndarray:
        self._owner.nhev += 1
        return np.asarray(self.operator.dot(p))


def derived_hessian(hess: Any) -> bool:
    """Whether ``hess`` names a Hessian the objective derives (differences or updates)."""
    return is_update_strategy(hess) or (isinstance(hess, str) and hess in FD_METHODS)


class QuadraticModel:
    """The model (29.15) at ``x``: ``f``, ``g`` and ``B`` evaluated on first use, then kept."""

    def __init__(self, x: np.ndarray, objective: ScalarObjective, curvature: Curvature):
        self.x = x
        self._objective = objective
        self._curvature = curvature
        self._f = self._g = self._B = self._g_norm = None

    @property
    def f(self) -> Any:
        if self._f is None:
            self._f = self._objective.fun(self.x)
        return self._f

    @property
    def g(self) -> np.ndarray:
        if self._g is None:
            self._g = self._objective.grad(self.x)
        return self._g

    @property
    def g_norm(self) -> float:
        if self._g_norm is None:
            self._g_norm = float(np.linalg.norm(self.g))
        return self._g_norm

    @property
    def has_matrix(self) -> bool:
        return self._curvature.has_matrix

    @property
    def B(self) -> Any:
        """The Hessian at ``x`` (only when the user gave ``hess``)."""
        if self._B is None:
            self._B = self._curvature.matrix(self.x)
        return self._B

    def hessp(self, p: np.ndarray) -> np.ndarray:
        """``B p``: from the matrix when there is one, else from the user's ``hessp``."""
        if self.has_matrix:
            return self.B.dot(p)
        return self._curvature.product(self.x, p)

    def __call__(self, p: np.ndarray) -> Any:
        """``m(p)`` (29.15)."""
        return self.f + np.dot(self.g, p) + 0.5 * np.dot(p, self.hessp(p))


def boundary_intersections(z: np.ndarray, d: np.ndarray, Delta: float) -> tuple[float, float]:
    """The two roots ``t_a <= t_b`` of ``‖z + t d‖ = Delta``, ``z`` inside the ball.

    ``a t² + b t + c = 0`` with ``a = dᵀd``, ``b = 2 zᵀd``, ``c = zᵀz - Delta²``; the root
    away from cancellation is taken first and the other from ``t_a t_b = c / a``   (29.18)
    """
    a = np.dot(d, d)
    b = 2 * np.dot(z, d)
    c = np.dot(z, z) - Delta**2
    sqrt_discriminant = math.sqrt(b * b - 4 * a * c)
    aux = b + math.copysign(sqrt_discriminant, b)
    ta, tb = -aux / (2 * a), -2 * c / aux
    return (ta, tb) if ta <= tb else (tb, ta)


# [radius-update]
def updated_radius(Delta: float, rho: float, hits_boundary: bool, max_trust_radius: float) -> float:
    """The radius after a step with ratio ``rho`` (29.17)."""
    if rho < 0.25:
        return 0.25 * Delta
    if rho > 0.75 and hits_boundary:
        return min(2 * Delta, max_trust_radius)
    return Delta
# [/radius-update]


def reduction_ratio(f: Any, f_trial: Any, predicted_value: Any) -> float:
    """``rho`` (29.16); a non-finite ``f`` at the trial point is a failed step (-inf)."""
    if not np.isfinite(f_trial):
        return -math.inf
    return (f - f_trial) / (f - predicted_value)


def check_trust_options(initial_trust_radius: float, max_trust_radius: float,
                        eta: float) -> None:
    """scipy's checks of the trust-region options, in scipy's order."""
    if not 0 <= eta < 0.25:
        raise ValueError("invalid acceptance stringency")
    if max_trust_radius <= 0:
        raise ValueError("the max trust radius must be positive")
    if initial_trust_radius <= 0:
        raise ValueError("the initial trust radius must be positive")
    if initial_trust_radius >= max_trust_radius:
        raise ValueError("the initial trust radius must be less than the max trust radius")


def check_derivatives(jac: Any, hess: Any, hessp: Any) -> None:
    """The loop needs a callable gradient and a callable Hessian or Hessian product."""
    if jac is None:
        raise ValueError("Jacobian is currently required for trust-region methods")
    if not callable(hess) and not callable(hessp) and not derived_hessian(hess):
        raise ValueError("Either the Hessian or the Hessian-vector product is currently "
                         "required for trust-region methods")


# [outer-loop]
def minimize_trust_region(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                          hess: Any = None, hessp: Any = None,
                          callback: Callable | None = None, subproblem: Any = None,
                          initial_trust_radius: float = 1.0, max_trust_radius: float = 1000.0,
                          eta: float = 0.15, gtol: float = 1e-4, maxiter: int | None = None,
                          disp: bool = False, return_all: bool = False,
                          subproblem_options: dict | None = None,
                          **unknown_options: Any) -> OptimizeResult:
    """Minimize ``fun`` by the trust-region method with the given subproblem solver.

    Parameters
    ----------
    fun, x0, args, jac, hess, hessp
        As for :func:`refopt.minimize`; ``jac`` must be callable, and ``hess`` or ``hessp``.
    callback : callable, optional
        Already wrapped by :func:`refopt._callback.wrap_callback`; called with
        ``OptimizeResult(x=x_k, fun=f_k)`` after each iteration.
    subproblem : class
        ``subproblem(model, **subproblem_options)`` with ``solve(Delta) -> (p,
        hits_boundary)``; it may raise ``numpy.linalg.LinAlgError``.
    initial_trust_radius, max_trust_radius : float, optional
        The first radius and the largest one (1 and 1000).
    eta : float, optional
        A step is accepted when ``rho > eta`` (eta = 0.15 by default), ``0 <= eta < 1/4``.
    gtol : float, optional
        Stop when ``‖g‖ < gtol`` (1e-4).
    maxiter : int, optional
        Iteration limit, ``200 n`` by default.
    disp, return_all : bool, optional
        Print a summary; keep every iterate (``allvecs``).

    Returns
    -------
    OptimizeResult
        ``x, success, status, fun, jac, nfev, njev, nhev, nit, message`` and ``hess`` when a
        Hessian was given (``allvecs`` with ``return_all``). Status 0 converged, 1 iteration
        limit, 2 no predicted decrease, 3 linear-algebra error in the subproblem.
    """
    warn_unknown_options(unknown_options)
    check_derivatives(jac, hess, hessp)
    check_trust_options(initial_trust_radius, max_trust_radius, eta)
    x = np.asarray(x0).flatten()
    if derived_hessian(hess):  # differences of the gradient, or a quasi-Newton update
        objective = ScalarObjective(fun, x, args, jac, hess=hess)
        curvature: Any = ObjectiveCurvature(objective)
    else:
        objective = ScalarObjective(fun, x, args, jac)
        curvature = Curvature(hess, hessp, args, x.size)
    maxiter = 200 * x.size if maxiter is None else maxiter
    options = subproblem_options or {}

    def solver_at(point: np.ndarray) -> Any:
        return subproblem(QuadraticModel(point, objective, curvature), **options)

    Delta, k, warnflag = initial_trust_radius, 0, 0
    allvecs = [x]
    solver = solver_at(x)
    while solver.model.g_norm >= gtol:
        try:
            p, hits_boundary = solver.solve(Delta)
        except np.linalg.LinAlgError:
            warnflag = 3
            break
        model = solver.model
        predicted_value = model(p)
        trial = solver_at(x + p)
        f_trial = trial.model.f  # evaluated before the test below, as scipy does
        if model.f - predicted_value <= 0:
            warnflag = 2
            break
        rho = reduction_ratio(model.f, f_trial, predicted_value)            # (29.16)
        Delta = updated_radius(Delta, rho, hits_boundary, max_trust_radius)  # (29.17)
        if rho > eta:
            x, solver = trial.model.x, trial
        if return_all:
            allvecs.append(np.copy(x))
        k += 1
        if call_callback_maybe_halt(callback, OptimizeResult(x=x, fun=solver.model.f)):
            break
        if solver.model.g_norm < gtol:
            break
        if k >= maxiter:
            warnflag = 1
            break
    return _result(solver.model, objective, curvature, k, warnflag, disp,
                   allvecs if return_all else None)
# [/outer-loop]


def _result(model: QuadraticModel, objective: ScalarObjective, curvature: Curvature, k: int,
            warnflag: int, disp: bool, allvecs: list | None) -> OptimizeResult:
    message = TRUST_REGION_MESSAGES[warnflag]
    result = OptimizeResult(x=model.x, success=warnflag == 0, status=warnflag, fun=model.f,
                            jac=model.g, nit=k, message=message)
    if model.has_matrix:
        B = model.B  # evaluated now if it was not yet, and counted
        result["hess"] = B.operator if isinstance(B, _CountedProducts) else B
    result.update(nfev=objective.nfev, njev=objective.ngev, nhev=curvature.nhev)
    if disp:
        _print_summary(result)
    if allvecs is not None:
        result["allvecs"] = allvecs
    return result


def _print_summary(result: OptimizeResult) -> None:
    if result.status == 0:
        print(result.message)
    else:
        warnings.warn(result.message, RuntimeWarning, stacklevel=5)
    print(f"         Current function value: {result.fun:f}")
    print(f"         Iterations: {result.nit:d}")
    print(f"         Function evaluations: {result.nfev:d}")
    print(f"         Gradient evaluations: {result.njev:d}")
    print(f"         Hessian evaluations: {result.nhev:d}")
