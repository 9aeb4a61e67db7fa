"""BFGS: the quasi-Newton method of Broyden, Fletcher, Goldfarb and Shanno.

J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006), §6.1 and
Algorithm 6.1; the update is due to C. G. Broyden, R. Fletcher, D. Goldfarb and D. F. Shanno
(all 1970). The line search is Moré–Thuente with the zoom as fallback
(:mod:`refopt.optimize.line_search`).

BFGS keeps ``H``, an approximation of the *inverse* Hessian, and at each iterate
``x_k``::

    p_k = -H_k g_k                                              (21.1)  search direction
    x_{k+1} = x_k + alpha_k p_k                                 (21.2)  alpha_k: strong Wolfe
    s_k = x_{k+1} - x_k,   y_k = g_{k+1} - g_k                  (21.3)
    rho_k = 1 / (y_kᵀ s_k)                                      (21.4)
    H_{k+1} = (I - rho_k s_k y_kᵀ) H_k (I - rho_k y_k s_kᵀ) + rho_k s_k s_kᵀ    (21.5)

(21.5) is the matrix closest to ``H_k`` (in a weighted norm) that is symmetric and satisfies
the secant equation ``H_{k+1} y_k = s_k``; the curvature condition ``y_kᵀ s_k > 0``, which the
strong Wolfe step guarantees, keeps it positive definite.

As scipy 1.17 (``_minimize_bfgs``), and so with the same iterates and evaluation counts:

* ``H_0 = I`` (or the user's ``hess_inv0``) with no rescaling by ``y_0ᵀs_0 / y_0ᵀy_0``; the
  first step is scaled instead through the line search's first trial step (20.3): pretending
  the previous value was ``f_0 + ‖g_0‖/2`` makes the first trial step move ``x`` by about 1
  (``alpha = min(1, 1.01 / ‖g_0‖)`` along ``-g_0``)              (21.6)
* a zero ``y_kᵀ s_k`` gives ``rho_k = 1000`` instead of a division by zero; a negative one is
  used as it is (no skipping or damping);
* after each step: the callback, then stop if ``‖g‖ <= gtol`` (in the ``norm`` option's
  norm), or if ``alpha_k ‖p_k‖ <= xrtol (xrtol + ‖x_{k+1}‖)``, or if ``f`` is not finite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from .._warnings import OptimizeWarning, warn_user
from ._objective import (EPSILON, GRADIENT_STATUS, STATUS_MESSAGES, ScalarObjective,
                         gradient_status, print_summary, vecnorm, warn_unknown_options)
from .line_search import LineSearchError, line_search_wolfe12

__all__ = ["minimize_bfgs"]


def check_positive_definite(H: Any, n: int) -> None:
    """Raise ValueError unless ``H`` is an n-by-n symmetric positive definite matrix."""
    H = np.asarray(H)
    if H.shape != (n, n):
        raise ValueError(f"'hess_inv0' must be an array of shape ({n}, {n}); got {H.shape}.")
    symmetric = np.array_equal(H, H.T)
    try:
        if symmetric:
            np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        symmetric = False
    if not symmetric:
        raise ValueError("'hess_inv0' matrix isn't positive definite.")


def bfgs_update(H: np.ndarray, s: np.ndarray, y: np.ndarray, disp: bool = False) -> np.ndarray:
    """The inverse-Hessian update (21.5), written as two dense products."""
    ys = np.dot(y, s)
    if ys == 0.0:
        rho = 1000.0  # scipy's guard: treat the curvature as tiny, not as missing
        if disp:
            warn_user("Divide-by-zero encountered: rhok assumed large", OptimizeWarning)
    else:
        rho = 1.0 / ys                                      # (21.4)
    identity = np.eye(len(s), dtype=int)
    left = identity - s[:, np.newaxis] * y[np.newaxis, :] * rho
    right = identity - y[:, np.newaxis] * s[np.newaxis, :] * rho
    return np.dot(left, np.dot(H, right)) + rho * s[:, np.newaxis] * s[np.newaxis, :]  # (21.5)


def minimize_bfgs(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                  callback: Callable | None = None, gtol: float = 1e-5, norm: float = np.inf,
                  eps: Any = EPSILON, maxiter: int | None = None, disp: bool = False,
                  return_all: bool = False, finite_diff_rel_step: Any = None,
                  xrtol: float = 0, c1: float = 1e-4, c2: float = 0.9,
                  hess_inv0: Any = None, **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function with BFGS (Nocedal & Wright Algorithm 6.1).

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
    xrtol : float, optional
        Stop when the step is at most ``xrtol (xrtol + ‖x‖)``.
    c1, c2 : float, optional
        Wolfe constants of the line search, ``0 < c1 < c2 < 1``.
    hess_inv0 : ndarray, shape (n, n), optional
        Initial inverse Hessian; must be symmetric positive definite.

    Returns
    -------
    OptimizeResult
        ``fun, jac, hess_inv, nfev, njev, status, success, message, x, nit`` (and
        ``allvecs`` with ``return_all``). Status 0 converged, 1 iteration limit, 2 the line
        search failed (precision loss), 3 NaN encountered.
    """
    warn_unknown_options(unknown_options)
    x0 = np.asarray(x0).flatten()
    if hess_inv0 is not None:
        check_positive_definite(hess_inv0, len(x0))
    if maxiter is None:
        maxiter = len(x0) * 200
    objective = ScalarObjective(fun, x0, args, jac, epsilon=eps,
                                finite_diff_rel_step=finite_diff_rel_step)
    f, fprime = objective.fun, objective.grad
    old_fval = f(x0)
    gfk = fprime(x0)
    H = np.eye(len(x0), dtype=int) if hess_inv0 is None else np.array(hess_inv0)  # a copy
    old_old_fval = old_fval + np.linalg.norm(gfk) / 2               # (21.6)
    xk, k, warnflag = x0, 0, 0
    allvecs = [x0]
    gnorm = vecnorm(gfk, ord=norm)
    while gnorm > gtol and k < maxiter:
        pk = -np.dot(H, gfk)                                        # (21.1)
        try:
            alpha_k, _fc, _gc, old_fval, old_old_fval, gfkp1 = line_search_wolfe12(
                f, fprime, xk, pk, gfk, old_fval, old_old_fval, amin=1e-100, amax=1e100,
                c1=c1, c2=c2)
        except LineSearchError:
            warnflag = 2
            break
        sk = alpha_k * pk
        xk = xk + sk                                                # (21.2)
        allvecs.append(xk)
        if gfkp1 is None:
            gfkp1 = fprime(xk)
        yk = gfkp1 - gfk                                            # (21.3)
        gfk = gfkp1
        k += 1
        if call_callback_maybe_halt(callback, OptimizeResult(x=xk, fun=old_fval)):
            break
        gnorm = vecnorm(gfk, ord=norm)
        if gnorm <= gtol:
            break
        if alpha_k * vecnorm(pk) <= xrtol * (xrtol + vecnorm(xk)):
            break
        if not np.isfinite(old_fval):  # f went to -inf (or NaN): nothing more to do
            warnflag = 2
            break
        H = bfgs_update(H, sk, yk, disp)                            # (21.5)

    warnflag = gradient_status(warnflag, k, maxiter, gnorm, old_fval, xk)
    message = STATUS_MESSAGES[GRADIENT_STATUS[warnflag]]
    if disp:
        print_summary(warnflag, message, old_fval, k, objective.nfev, objective.ngev)
    result = OptimizeResult(fun=old_fval, jac=gfk, hess_inv=H, nfev=objective.nfev,
                            njev=objective.ngev, status=warnflag, success=warnflag == 0,
                            message=message, x=xk, nit=k)
    if return_all:
        result["allvecs"] = allvecs
    return result
