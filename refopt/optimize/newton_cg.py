"""Newton-CG: the line-search Newton method with a truncated conjugate-gradient inner solve.

J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006), §7.1 and
Algorithm 7.1 (line search Newton–CG), with the conjugate-gradient method of §5.1
(Algorithm 5.2) and the forcing terms of §7.1 (Theorem 7.2). The inexact-Newton idea is
R. S. Dembo, S. C. Eisenstat and T. Steihaug, "Inexact Newton methods", SIAM J. Numer. Anal.
19(2), 400–408 (1982).

At ``x_k`` with gradient ``g`` and Hessian ``H`` the quadratic model of ``f`` is::

    m(p) = f + gᵀp + ½ pᵀH p                                    (29.1)

and its minimiser, when ``H`` is positive definite, solves the Newton equation::

    H p = -g                                                    (29.2)

The equation is solved only roughly, by conjugate gradients from ``p = 0`` (residual
``r = H p + g``, direction ``d``), stopped as soon as::

    ‖r‖₁ <= eta ‖g‖₁,   eta = min(0.5, sqrt(‖g‖₁))              (29.10)  [N&W (7.3)]

so the inner solve is loose far from the solution and tight (superlinear convergence) near it.
One CG step is::

    alpha = rᵀr / dᵀHd,  p += alpha d,  r += alpha H d,
    beta = r₊ᵀr₊ / rᵀr,  d = -r₊ + beta d                         (29.11)  N&W Alg 5.2

CG needs only products ``H d``: from the Hessian matrix, from ``hessp``, from a difference
operator, from an update strategy, or — with none of these — a forward difference of the
gradient with the absolute step ``eps``::

    H d ≈ (g(x + eps d) - g(x)) / eps                           (29.12)

A direction of non-positive curvature ``dᵀHd <= 0`` ends the inner solve (29.13): the
current ``p`` is returned if CG has made a step, and on the very first step the steepest
descent direction ``-g`` scaled by ``rᵀr / |dᵀHd|`` is used instead (``d = -g`` there). A
curvature in ``[0, 3 EPS]`` also ends it. After ``20 n`` CG steps without meeting (29.10)
the method gives up (status 3).

The step length comes from the strong Wolfe line search (Moré–Thuente, then the zoom;
:mod:`refopt.optimize.line_search`), which tries the Newton step ``alpha = 1`` first. The
iteration stops when the step is small in the 1-norm::

    ‖alpha_k p_k‖₁ <= n · xtol                                  (29.14)

All of this follows scipy 1.17 (``_minimize_newtoncg``) step for step, with the same
evaluations. Two things scipy gets wrong are right here: ``allvecs`` holds every iterate
(scipy's list holds one array, updated in place, so every entry is the last point), and the
result's ``jac`` is the gradient at the returned ``x`` (scipy's is the gradient at the
point before the last step, the last one it asked CG about).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from ._objective import (EPSILON, STATUS_MESSAGES, ScalarObjective, is_linear_operator,
                         print_summary, warn_unknown_options)
from .line_search import LineSearchError, check_c1_c2, line_search_wolfe12

__all__ = ["minimize_newtoncg"]

CG_NOT_CONVERGED = ("Warning: CG iterations didn't converge. The Hessian is not positive "
                    "definite.")
TINY_CURVATURE = 3 * np.finfo(np.float64).eps  # below this dᵀHd counts as zero (29.13)


class HessianProducts:
    """``d -> H(x_k) d`` for the CG loop, and the count scipy reports as ``nhev``.

    A matrix (dense, sparse, or an update strategy) is fetched once per iteration and counts
    once; every other kind (``hessp``, a linear operator, a difference Hessian) counts per
    product; the gradient difference (29.12) counts nothing here (it is in ``njev``).
    """

    def __init__(self, objective: ScalarObjective, hess: Any, hessp: Any, x0: np.ndarray,
                 args: tuple, epsilon: Any):
        self.objective, self.hessp, self.args, self.epsilon = objective, hessp, args, epsilon
        self.calls = 0
        H0 = objective.hess(x0)
        self.by_matrix = hess is not None and not isinstance(hess, str) \
            and not is_linear_operator(H0)
        self.by_operator = hess is not None and not self.by_matrix
        self.A = None

    def at(self, xk: np.ndarray) -> None:
        """Start the products at a new iterate ``xk``."""
        self.xk = xk
        if self.by_matrix:
            self.A = self.objective.hess(xk)
            self.calls += 1

    def __call__(self, d: np.ndarray) -> np.ndarray:
        if self.by_matrix:
            Hd = self.A.dot(d)
        elif self.by_operator:
            Hd = self.objective.hess(self.xk).dot(d)
            self.calls += 1
        elif self.hessp is not None:
            Hd = self.hessp(np.copy(self.xk), d, *self.args)
            self.calls += 1
        else:
            Hd = gradient_difference(self.objective.grad, self.xk, d, self.epsilon)
        return np.asarray(Hd).squeeze()


def gradient_difference(grad: Callable, x: np.ndarray, d: np.ndarray, epsilon: Any
                        ) -> np.ndarray:
    """(29.12); ``g(x)`` first, so that a cached gradient is used."""
    g_x = grad(x)
    return (grad(x + epsilon * d) - g_x) / epsilon


def truncated_cg(g: np.ndarray, product: Callable) -> np.ndarray | None:
    """An approximate solution of (29.2) by CG from 0, stopped by (29.10) or by non-positive
    curvature (29.13); None when ``20 n`` steps do not meet (29.10)."""
    b = -g
    g_norm1 = np.linalg.norm(b, ord=1)
    tolerance = min(0.5, math.sqrt(g_norm1)) * g_norm1                   # (29.10)
    p = np.zeros(len(g), dtype=g.dtype)
    r = -b
    d = -r
    rr = np.dot(r, r)
    for i in range(20 * len(g)):
        if np.add.reduce(np.abs(r)) <= tolerance:                        # (29.10)
            return p
        Hd = product(d)
        curvature = np.dot(d, Hd)
        if 0 <= curvature <= TINY_CURVATURE:
            return p
        if curvature < 0:                                                # (29.13)
            return p if i > 0 else rr / (-curvature) * b
        alpha = rr / curvature                                           # (29.11)
        p += alpha * d
        r += alpha * Hd
        rr_next = np.dot(r, r)
        d = -r + (rr_next / rr) * d
        rr = rr_next
    return None


def minimize_newtoncg(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                      hess: Any = None, hessp: Any = None, callback: Callable | None = None,
                      xtol: float = 1e-5, eps: Any = EPSILON, maxiter: int | None = None,
                      disp: bool = False, return_all: bool = False, c1: float = 1e-4,
                      c2: float = 0.9, workers: Any = None,
                      **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function with Newton-CG (Nocedal & Wright Algorithm 7.1).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        Starting point.
    args : tuple, optional
        Extra arguments for ``fun``, ``jac``, ``hess`` and ``hessp``.
    jac : callable
        The gradient ``jac(x, *args)`` (required).
    hess : callable, {'2-point', '3-point', 'cs'} or HessianUpdateStrategy, optional
        The Hessian (an (n, n) array, sparse matrix or linear operator), how to difference
        it from the gradient, or a quasi-Newton approximation. Used in preference to
        ``hessp``.
    hessp : callable, optional
        ``hessp(x, p, *args)``, the Hessian at ``x`` times ``p``. With neither ``hess`` nor
        ``hessp`` the products are gradient differences (29.12).
    callback : callable, optional
        Already wrapped by :func:`refopt._callback.wrap_callback`; called with
        ``OptimizeResult(x=x_k, fun=f_k)`` after each iteration.
    xtol : float, optional
        Stop when ``‖alpha_k p_k‖₁ <= n · xtol`` (29.14).
    eps : float or array_like, optional
        Step of the gradient differences (29.12).
    maxiter : int, optional
        Iteration limit, ``200 n`` by default.
    disp : bool, optional
        Print a summary at the end.
    return_all : bool, optional
        Also return every iterate (``allvecs``).
    c1, c2 : float, optional
        Wolfe constants of the line search, ``0 < c1 < c2 < 1``.
    workers : optional
        Accepted for scipy's signature; the differences here are evaluated in turn.

    Returns
    -------
    OptimizeResult
        ``fun, jac, nfev, njev, nhev, status, success, message, x, nit`` (and ``allvecs``).
        Status 0 converged, 1 iteration limit, 2 the line search failed (precision loss),
        3 CG did not converge or a NaN was met, 5 the callback asked to stop.

    Raises
    ------
    ValueError
        Without ``jac`` ("Jacobian is required for Newton-CG method"), for ``c1``, ``c2``
        out of order, or a Hessian of the wrong shape.
    """
    warn_unknown_options(unknown_options)
    if jac is None:
        raise ValueError("Jacobian is required for Newton-CG method")
    check_c1_c2(c1, c2)
    x0 = np.asarray(x0).flatten()
    objective = ScalarObjective(fun, x0, args, jac, epsilon=eps, hess=hess)
    products = HessianProducts(objective, hess, hessp, x0, args, eps)
    run = _Run(objective, products, x0, 200 * len(x0) if maxiter is None else maxiter,
               len(x0) * xtol, c1, c2, callback)
    status, message = run.iterate()
    if disp:
        print_summary(status, message, run.fval, run.k, objective.nfev, objective.ngev,
                      nhev=products.calls)
    result = OptimizeResult(fun=run.fval, jac=run.gfk, nfev=objective.nfev,
                            njev=objective.ngev, nhev=products.calls, status=status,
                            success=status == 0, message=message, x=run.xk, nit=run.k)
    if return_all:
        result["allvecs"] = run.allvecs
    return result


class _Run:
    """The outer loop of Algorithm 7.1 and what it carries from one iteration to the next."""

    def __init__(self, objective: ScalarObjective, products: HessianProducts, x0: np.ndarray,
                 maxiter: int, xtol: float, c1: float, c2: float, callback: Any):
        self.objective, self.products = objective, products
        self.maxiter, self.xtol, self.c1, self.c2 = maxiter, xtol, c1, c2
        self.callback = callback
        self.xk = np.copy(x0)
        self.allvecs = [self.xk]
        self.k = 0
        self.fval = objective.fun(x0)
        self.old_fval = None  # no previous value: the first trial step is 1, the Newton step
        self.gfk = objective.g  # the gradient at xk (scipy reports the previous point's)

    def iterate(self) -> tuple[int, str]:
        """Run to the end; ``(status, message)``."""
        step_norm = np.finfo(float).max
        while step_norm > self.xtol:                                     # (29.14)
            if self.k >= self.maxiter:
                return 1, "Warning: " + STATUS_MESSAGES["maxiter"]
            g = self.objective.grad(self.xk)
            self.products.at(self.xk)
            pk = truncated_cg(g, self.products)
            if pk is None:
                self.gfk = g
                return 3, CG_NOT_CONVERGED
            try:
                step_norm = self._step(g, pk)
            except LineSearchError:
                self.gfk = g
                return 2, "Warning: " + STATUS_MESSAGES["pr_loss"]
            if call_callback_maybe_halt(self.callback,
                                        OptimizeResult(x=self.xk, fun=self.fval)):
                return 5, ""
        if np.isnan(self.fval) or np.isnan(step_norm):
            return 3, STATUS_MESSAGES["nan"]
        return 0, STATUS_MESSAGES["success"]

    def _step(self, g: np.ndarray, pk: np.ndarray) -> Any:
        """The line search along ``pk``; moves to the new iterate and returns ``‖alpha pk‖₁``."""
        alpha, _fc, _gc, self.fval, self.old_fval, g_new = line_search_wolfe12(
            self.objective.fun, self.objective.grad, self.xk, pk, g, self.fval,
            self.old_fval, c1=self.c1, c2=self.c2)
        update = alpha * pk
        self.xk = self.xk + update  # a new array: earlier iterates stay as they were
        self.allvecs.append(self.xk)
        self.k += 1
        self.gfk = g_new if g_new is not None else self.objective.grad(self.xk)
        return np.linalg.norm(update, ord=1)
