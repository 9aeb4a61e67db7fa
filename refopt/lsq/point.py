"""The least-squares objective as the trust-region loop sees it: iterates and evaluations.

:class:`Point` is an accepted iterate of trf or dogbox with the residuals, the Jacobian and
the gradient ``g = J^T f`` there, corrected for a robust loss (B. Triggs, P. F. McLauchlan,
R. I. Hartley and A. W. Fitzgibbon, "Bundle adjustment — a modern synthesis", Vision
Algorithms: Theory and Practice, LNCS 1883, Springer, 2000; see :mod:`refopt.lsq.losses`).
:class:`Residuals` is the objective of :func:`refopt._trust_region.trust_region_loop`: it
evaluates the residuals and counts them, builds the next :class:`Point` (one Jacobian
evaluation, and the scales of ``x_scale='jac'`` updated there), prints the ``verbose=2``
table and hands each iterate to the user's callback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from .jacobian import working_copy
from .losses import cost, scale_for_robust_loss_function
from .options import Options, Problem, Scaling
from .printing import print_header_nonlinear, print_iteration_nonlinear


def compute_grad(J, f: np.ndarray) -> np.ndarray:
    """The gradient ``J^T f`` of ``1/2 ||f||**2``, shape (n,), for a Jacobian ``J`` of shape
    (m, n) held as an array or as an operator with ``rmatvec``."""
    if hasattr(J, "rmatvec") and not isinstance(J, np.ndarray):
        return J.rmatvec(f)
    return J.T.dot(f)


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


@dataclass
class Evaluation:
    """The residuals at a trial point and the (robust) cost they give."""

    f: np.ndarray
    cost: float


# [residuals]
class Residuals:
    """The residuals ``fun`` and the Jacobian ``jac`` of a problem, counted.

    ``nfev`` and ``njev`` start at 1: the front end evaluated ``f0`` and ``J0``. ``scale`` and
    ``scale_inv`` are the variable scales at the current point (fixed, or the column norms of
    ``J`` for ``x_scale='jac'``, updated at each new point).
    """

    def __init__(self, problem: Problem, options: Options, scaling: Scaling):
        self.fun, self.jac = problem.fun, problem.jac
        self.loss_function = options.loss_function
        self.verbose, self.callback = options.verbose, options.callback
        self.scaling = scaling
        self.nfev = self.njev = 1
        self.start = make_point(np.array(problem.x0, dtype=float), problem.f0, problem.J0,
                                self.loss_function)
        self.scale, self.scale_inv = scaling.initial(self.start.J)

    def evaluate(self, x: np.ndarray) -> Evaluation | None:
        """The residuals at a trial point, or None when they are not all finite."""
        f = self.fun(x)
        self.nfev += 1
        if not np.all(np.isfinite(f)):
            return None
        return Evaluation(f, cost(f, self.loss_function))

    def point_at(self, x: np.ndarray, evaluation: Evaluation) -> Point:
        """The accepted iterate at ``x``: the Jacobian there, and the scales updated."""
        point = make_point(x, evaluation.f, self.jac(x, evaluation.f), self.loss_function,
                           cost=evaluation.cost)
        self.njev += 1
        self.scale, self.scale_inv = self.scaling.updated(point.J, self.scale_inv)
        return point

    def print_header(self) -> None:
        if self.verbose == 2:
            print_header_nonlinear()

    def print_row(self, iteration: int, point: Point, last, optimality: float) -> None:
        """One row of the table; ``last`` is (cost reduction, step norm) of the previous
        iteration, None at iteration 0."""
        if self.verbose == 2:
            reduction, step_norm = (None, None) if last is None else last
            print_iteration_nonlinear(iteration, self.nfev, point.cost, reduction, step_norm,
                                      optimality)

    def stop_requested(self, point: Point, iteration: int) -> bool:
        return report_iteration(self.callback, point, iteration, self.nfev)

    def result(self, outcome, active_mask: np.ndarray) -> OptimizeResult:
        """The fields scipy's trf and dogbox return (status 0: the evaluations ran out)."""
        point = outcome.point
        return OptimizeResult(
            x=point.x, cost=point.cost, fun=point.f_true, jac=point.J, grad=point.g,
            optimality=outcome.optimality, active_mask=active_mask, nfev=self.nfev,
            njev=self.njev, status=0 if outcome.status is None else outcome.status)
# [/residuals]
