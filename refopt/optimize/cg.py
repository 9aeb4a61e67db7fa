"""Nonlinear conjugate gradients, Polak–Ribière+ with a sufficient-descent safeguard.

E. Polak and G. Ribière, "Note sur la convergence de méthodes de directions conjuguées",
Revue française d'informatique et de recherche opérationnelle 3(16), 35–43 (1969);
J. C. Gilbert and J. Nocedal, "Global convergence properties of conjugate gradient methods for
optimization", SIAM Journal on Optimization 2(1), 21–42 (1992); J. Nocedal and S. J. Wright,
*Numerical Optimization*, 2nd ed., Springer (2006), §5.2.

From ``x_k`` with gradient ``g_k`` and direction ``p_k`` (``p_0 = -g_0``)::

    x_{k+1} = x_k + alpha_k p_k                                 (22.1)  alpha_k: strong Wolfe
    y_k = g_{k+1} - g_k                                         (22.2)
    beta_{k+1} = max(0, y_kᵀ g_{k+1} / g_kᵀ g_k)                (22.3)  Polak–Ribière+
    p_{k+1} = -g_{k+1} + beta_{k+1} p_k                         (22.4)

Truncating beta at 0 (the "+") restarts along the steepest descent whenever Polak–Ribière
would turn away from it; Gilbert and Nocedal proved global convergence for it provided every
direction is a *sufficient* descent direction::

    p_{k+1}ᵀ g_{k+1} <= -sigma_3 ‖g_{k+1}‖²,   sigma_3 = 0.01   (22.5)

which the strong Wolfe conditions alone do not ensure. So, as in scipy 1.17 (``_minimize_cg``),
the line search gets (22.5) as an extra acceptance condition: a step whose next direction
fails it is rejected (unless the new gradient already meets ``gtol``). The line search is
Moré–Thuente with ``c2 = 0.4`` (a tighter curvature condition than BFGS's 0.9, since CG needs
nearly exact line minimization), the zoom as fallback (:mod:`refopt.optimize.line_search`),
and the first trial step as BFGS's (21.6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from ._objective import (EPSILON, GRADIENT_STATUS, STATUS_MESSAGES, ScalarObjective,
                         gradient_status, print_summary, vecnorm, warn_unknown_options)
from .line_search import LineSearchError, line_search_wolfe12

__all__ = ["minimize_cg"]

SIGMA_3 = 0.01  # sufficient-descent constant of (22.5)


def polak_ribiere_step(fprime: Callable, xk: np.ndarray, pk: np.ndarray, gfk: np.ndarray,
                       alpha: Any, gfkp1: Any = None, norm: float = np.inf) -> tuple:
    """The next iterate and direction for the step ``alpha``: (22.1)–(22.4).

    Returns
    -------
    tuple
        ``(alpha, x_{k+1}, p_{k+1}, g_{k+1}, ‖g_{k+1}‖)``.
    """
    xkp1 = xk + alpha * pk                                  # (22.1)
    if gfkp1 is None:
        gfkp1 = fprime(xkp1)
    yk = gfkp1 - gfk                                        # (22.2)
    beta = max(0, np.dot(yk, gfkp1) / np.dot(gfk, gfk))     # (22.3)
    pkp1 = -gfkp1 + beta * pk                               # (22.4)
    return alpha, xkp1, pkp1, gfkp1, vecnorm(gfkp1, ord=norm)


def minimize_cg(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                callback: Callable | None = None, gtol: float = 1e-5, norm: float = np.inf,
                eps: Any = EPSILON, maxiter: int | None = None, disp: bool = False,
                return_all: bool = False, finite_diff_rel_step: Any = None,
                c1: float = 1e-4, c2: float = 0.4, **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function by Polak–Ribière+ conjugate gradients.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        Starting point.
    args : tuple, optional
        Extra arguments for ``fun`` and ``jac``.
    jac : callable, {'2-point', '3-point', 'cs'} or None, optional
        Gradient; None means forward differences with the absolute step ``eps``.
    callback : callable, optional
        Already wrapped by :func:`refopt._callback.wrap_callback`; called with
        ``OptimizeResult(x=x_k, fun=f_k)`` after each iteration.
    gtol : float, optional
        Stop when the gradient's ``norm`` is at most ``gtol``.
    norm : float, optional
        Order of the norm (``np.inf`` is the largest magnitude).
    eps : float or array_like, optional
        Absolute finite-difference step when ``jac`` is None.
    maxiter : int, optional
        Iteration limit, ``200 n`` by default.
    disp : bool, optional
        Print a summary at the end.
    return_all : bool, optional
        Also return every iterate (``allvecs``).
    finite_diff_rel_step : float or array_like, optional
        Relative step when ``jac`` names a finite-difference scheme.
    c1, c2 : float, optional
        Wolfe constants of the line search, ``0 < c1 < c2 < 1``.

    Returns
    -------
    OptimizeResult
        ``fun, jac, nfev, njev, status, success, message, x, nit`` (and ``allvecs``); the
        statuses are those of BFGS.
    """
    warn_unknown_options(unknown_options)
    x0 = np.asarray(x0).flatten()
    if maxiter is None:
        maxiter = len(x0) * 200
    objective = ScalarObjective(fun, x0, args, jac, epsilon=eps,
                                finite_diff_rel_step=finite_diff_rel_step)
    f, fprime = objective.fun, objective.grad
    old_fval = f(x0)
    gfk = fprime(x0)
    xk, k, warnflag = x0, 0, 0
    old_old_fval = old_fval + np.linalg.norm(gfk) / 2      # (21.6)
    allvecs = [xk]
    pk = -gfk
    gnorm = vecnorm(gfk, ord=norm)
    while gnorm > gtol and k < maxiter:
        # The condition (22.5) computes the next direction anyway; keep it for reuse.
        cached_step: list = [None]

        def descent_condition(alpha, xkp1, fp1, gfkp1, xk=xk, pk=pk, gfk=gfk, cache=cached_step):
            cache[:] = polak_ribiere_step(fprime, xk, pk, gfk, alpha, gfkp1, norm)
            _alpha, _x, pkp1, gkp1, gnorm_kp1 = cache
            if gnorm_kp1 <= gtol:  # converged: accept whatever the direction
                return True
            return np.dot(pkp1, gkp1) <= -SIGMA_3 * np.dot(gkp1, gkp1)   # (22.5)

        try:
            alpha_k, _fc, _gc, old_fval, old_old_fval, gfkp1 = line_search_wolfe12(
                f, fprime, xk, pk, gfk, old_fval, old_old_fval, c1=c1, c2=c2, amin=1e-100,
                amax=1e100, extra_condition=descent_condition)
        except LineSearchError:
            warnflag = 2
            break
        if alpha_k == cached_step[0]:
            alpha_k, xk, pk, gfk, gnorm = cached_step
        else:
            alpha_k, xk, pk, gfk, gnorm = polak_ribiere_step(fprime, xk, pk, gfk, alpha_k,
                                                             gfkp1, norm)
        allvecs.append(xk)
        k += 1
        if call_callback_maybe_halt(callback, OptimizeResult(x=xk, fun=old_fval)):
            break

    warnflag = gradient_status(warnflag, k, maxiter, gnorm, old_fval, xk)
    message = STATUS_MESSAGES[GRADIENT_STATUS[warnflag]]
    if disp:
        print_summary(warnflag, message, old_fval, k, objective.nfev, objective.ngev)
    result = OptimizeResult(fun=old_fval, jac=gfk, nfev=objective.nfev, njev=objective.ngev,
                            status=warnflag, success=warnflag == 0, message=message, x=xk,
                            nit=k)
    if return_all:
        result["allvecs"] = allvecs
    return result
