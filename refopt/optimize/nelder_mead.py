"""The Nelder–Mead downhill simplex method, as ``scipy.optimize.minimize(method='Nelder-Mead')``.

J. A. Nelder and R. Mead, "A simplex method for function minimization", *The Computer
Journal* 7(4), 308–313 (1965). The adaptive coefficients are those of F. Gao and L. Han,
"Implementing the Nelder–Mead simplex algorithm with adaptive parameters",
*Computational Optimization and Applications* 51(1), 259–277 (2012).

A simplex of ``n + 1`` points is kept sorted by function value. Each iteration moves
the worst vertex along the line through the centroid of the others — reflection,
expansion, outside or inside contraction — or, when none of these helps, shrinks the
whole simplex towards the best vertex. Only function values are used.

Equation numbers in the comments are those of ``chapters/23-nelder-mead.md``:

* (23.1)  the initial simplex: each coordinate of ``x0`` in turn scaled by 1.05
  (or set to 0.00025 when it is zero);
* (23.2)  the centroid of the ``n`` best vertices;
* (23.3)  reflection ``x_r = (1 + rho) xbar - rho x_worst``;
* (23.4)  expansion ``x_e = (1 + rho chi) xbar - rho chi x_worst``;
* (23.5)  outside contraction ``x_c = (1 + psi rho) xbar - psi rho x_worst``;
* (23.6)  inside contraction ``x_cc = (1 - psi) xbar + psi x_worst``;
* (23.7)  shrink ``x_j = x_0 + sigma (x_j - x_0)``;
* (23.8)  the coefficients rho, chi, psi, sigma (fixed, or Gao–Han adaptive);
* (23.9)  the stopping test on the simplex diameter and the spread of values.

Faithful to scipy 1.17 (``_optimize._minimize_neldermead``): the same trial points,
acceptance comparisons, sorting (``np.argsort``), clipping to bounds, evaluation
limits, messages and counts. One quirk is kept on purpose so that ``nit`` agrees with
scipy: the count starts at 1, i.e. ``nit`` is one more than the number of completed
simplex iterations (the initial simplex counts as the first), and ``maxiter`` is
compared with that count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from .._warnings import OptimizeWarning, warn_user
from ._objective import (CountedObjective, MaxFevReached, iteration_limits, print_summary,
                         warn_unknown_options)

__all__ = ["minimize_neldermead"]

NONZDELT = 0.05      # (23.1) relative change of a nonzero coordinate
ZDELT = 0.00025      # (23.1) value given to a zero coordinate

MESSAGES = {
    "success": "Optimization terminated successfully.",
    "maxfev": "Maximum number of function evaluations has been exceeded.",
    "maxiter": "Maximum number of iterations has been exceeded.",
    "callback": "`callback` raised `StopIteration`.",
}


def coefficients(n: int, adaptive: bool) -> tuple[float, float, float, float]:
    """(23.8) reflection rho, expansion chi, contraction psi, shrink sigma."""
    if adaptive:                       # Gao & Han (2012), section 4
        dim = float(n)
        return 1, 1 + 2 / dim, 0.75 - 1 / (2 * dim), 1 - 1 / dim
    return 1, 2, 0.5, 0.5              # Nelder & Mead (1965)


def initial_simplex_around(x0: np.ndarray) -> np.ndarray:
    """(23.1) vertex 0 is ``x0``; vertex k+1 moves coordinate k by 5 % (or to 0.00025)."""
    n = len(x0)
    sim = np.empty((n + 1, n), dtype=x0.dtype)
    sim[0] = x0
    for k in range(n):
        vertex = np.array(x0, copy=True)
        vertex[k] = (1 + NONZDELT) * vertex[k] if vertex[k] != 0 else ZDELT
        sim[k + 1] = vertex
    return sim


def _given_simplex(initial_simplex: Any, n: int) -> np.ndarray:
    sim = np.atleast_2d(initial_simplex).copy()
    dtype = sim.dtype if np.issubdtype(sim.dtype, np.inexact) else np.float64
    sim = np.asarray(sim, dtype=dtype)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1] + 1:
        raise ValueError("`initial_simplex` should be an array of shape (N+1,N)")
    if n != sim.shape[1]:
        raise ValueError("Size of `initial_simplex` is not consistent with `x0`")
    return sim


def _sorted(sim: np.ndarray, fsim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ordered best first (``np.argsort``, as scipy, so ties break alike)."""
    order = np.argsort(fsim)
    return np.take(sim, order, 0), np.take(fsim, order, 0)


# [nm-iteration]
def simplex_step(f: CountedObjective, sim: np.ndarray, fsim: np.ndarray,
                 coef: tuple[float, float, float, float],
                 clip: Callable[[np.ndarray], np.ndarray]) -> None:
    """One Nelder–Mead iteration on a sorted simplex, in place (the worst vertex or all).

    May raise :class:`MaxFevReached` part-way, leaving the simplex as it stood then.
    """
    rho, chi, psi, sigma = coef
    n = sim.shape[1]
    worst = sim[-1]
    xbar = np.add.reduce(sim[:-1], 0) / n                      # (23.2)
    xr = clip((1 + rho) * xbar - rho * worst)                  # (23.3)
    fxr = f(xr)

    if fxr < fsim[0]:                      # better than the best: try going further
        xe = clip((1 + rho * chi) * xbar - rho * chi * worst)  # (23.4)
        fxe = f(xe)
        sim[-1], fsim[-1] = (xe, fxe) if fxe < fxr else (xr, fxr)
        return
    if fxr < fsim[-2]:                     # better than the second worst: accept
        sim[-1], fsim[-1] = xr, fxr
        return
    if fxr < fsim[-1]:                     # better than the worst only: contract outside
        xc = clip((1 + psi * rho) * xbar - psi * rho * worst)  # (23.5)
        fxc = f(xc)
        if fxc <= fxr:
            sim[-1], fsim[-1] = xc, fxc
            return
    else:                                  # no better than the worst: contract inside
        xcc = clip((1 - psi) * xbar + psi * worst)             # (23.6)
        fxcc = f(xcc)
        if fxcc < fsim[-1]:
            sim[-1], fsim[-1] = xcc, fxcc
            return
    for j in range(1, n + 1):              # contraction failed: shrink towards the best
        sim[j] = clip(sim[0] + sigma * (sim[j] - sim[0]))      # (23.7)
        fsim[j] = f(sim[j])
# [/nm-iteration]


def converged(sim: np.ndarray, fsim: np.ndarray, xatol: float, fatol: float) -> bool:
    """(23.9) every vertex within ``xatol`` of the best (max norm), every value within
    ``fatol`` of the best value."""
    return bool(np.max(np.ravel(np.abs(sim[1:] - sim[0]))) <= xatol
                and np.max(np.abs(fsim[0] - fsim[1:])) <= fatol)


def minimize_neldermead(fun: Callable[..., Any], x0: Any, args: tuple = (),
                        callback: Callable[[OptimizeResult], Any] | None = None,
                        maxiter: float | None = None, maxfev: float | None = None,
                        disp: bool = False, return_all: bool = False,
                        initial_simplex: Any = None, xatol: float = 1e-4,
                        fatol: float = 1e-4, adaptive: bool = False,
                        bounds: tuple[np.ndarray, np.ndarray] | None = None,
                        **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function by the Nelder–Mead simplex method.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        Starting point.
    args : tuple, optional
        Extra arguments for ``fun``.
    callback : callable, optional
        An already wrapped callback (``refopt._callback.wrap_callback``), called with
        ``OptimizeResult(x=best vertex, fun=its value)`` after every iteration; raising
        ``StopIteration`` ends the run with status 99.
    maxiter, maxfev : int, optional
        Limits on iterations and evaluations; both default to ``200 n``. If only one is
        given, the other is unlimited (unless the given one is infinite).
    disp : bool, optional
        Print a summary on success; warn (RuntimeWarning) on a limit.
    return_all : bool, optional
        Also return ``allvecs``, the best vertex after each iteration.
    initial_simplex : array_like, shape (n + 1, n), optional
        The starting simplex, one vertex per row; overrides the one built from ``x0``.
    xatol, fatol : float, optional
        Absolute tolerances on the simplex size and on the spread of values (23.9).
    adaptive : bool, optional
        Use the Gao–Han coefficients, which suit many variables (23.8).
    bounds : tuple of two ndarrays, optional
        ``(lb, ub)``; every trial point is clipped into the box.
    **unknown_options
        Options this method does not know: warned about (``OptimizeWarning``), ignored.

    Returns
    -------
    OptimizeResult
        ``fun, nit, nfev, status, success, message, x, final_simplex`` (+ ``allvecs``).
        ``status``: 0 converged, 1 ``maxfev`` reached, 2 ``maxiter`` reached, 99 stopped
        by the callback. ``nit`` counts the initial simplex as iteration 1, as scipy.

    Warns
    -----
    OptimizeWarning
        If ``x0`` lies outside ``bounds`` (it is clipped).
    """
    warn_unknown_options(unknown_options)
    x0 = np.atleast_1d(x0).flatten()
    dtype = x0.dtype if np.issubdtype(x0.dtype, np.inexact) else np.float64
    x0 = np.asarray(x0, dtype=dtype)
    coef = coefficients(len(x0), adaptive)

    clip: Callable[[np.ndarray], np.ndarray] = lambda v: v  # noqa: E731
    if bounds is not None:
        lower, upper = bounds
        if np.any(lower > upper):
            raise ValueError("Nelder Mead - one of the lower bounds is greater than an upper bound.")
        if np.any(lower > x0) or np.any(x0 > upper):
            warn_user("Initial guess is not within the specified bounds",
                      OptimizeWarning)
        x0 = np.clip(x0, lower, upper)
        clip = lambda v: np.clip(v, lower, upper)  # noqa: E731

    if initial_simplex is None:
        sim = initial_simplex_around(x0)
    else:
        sim = _given_simplex(initial_simplex, len(x0))
    n = sim.shape[1]
    allvecs = [sim[0]] if return_all else None
    maxiter, maxfev = iteration_limits(maxiter, maxfev, n, 200)

    if bounds is not None:
        # a vertex pushed past ub (x0 at ub) is reflected back inside, not flattened onto it
        sim = np.clip(np.where(sim > upper, 2 * upper - sim, sim), lower, upper)

    f = CountedObjective(fun, args, maxfev)
    fsim = np.full((n + 1,), np.inf, dtype=float)
    try:
        for k in range(n + 1):
            fsim[k] = f(sim[k])
    except MaxFevReached:
        pass
    # scipy sorts twice here; np.argsort is not guaranteed stable, so a second sort may
    # permute ties again: make the same calls to break ties the same way
    sim, fsim = _sorted(*_sorted(sim, fsim))

    nit = 1                                # scipy counts the initial simplex as iteration 1
    stopped = False
    while f.nfev < maxfev and nit < maxiter:
        if converged(sim, fsim, xatol, fatol):
            break
        try:
            simplex_step(f, sim, fsim, coef, clip)
            nit += 1
        except MaxFevReached:
            pass
        sim, fsim = _sorted(sim, fsim)
        if return_all:
            allvecs.append(sim[0])
        if call_callback_maybe_halt(callback, OptimizeResult(x=sim[0], fun=fsim[0])):
            stopped = True
            break

    return _result(sim, fsim, nit, f.nfev, maxiter, maxfev, stopped, disp, allvecs)


def _result(sim: np.ndarray, fsim: np.ndarray, nit: int, nfev: int, maxiter: float,
            maxfev: float, stopped: bool, disp: bool, allvecs: list | None) -> OptimizeResult:
    fval = np.min(fsim)
    if stopped:
        status, message = 99, MESSAGES["callback"]
    elif nfev >= maxfev:
        status, message = 1, MESSAGES["maxfev"]
    elif nit >= maxiter:
        status, message = 2, MESSAGES["maxiter"]
    else:
        status, message = 0, MESSAGES["success"]
    if disp:
        if status in (1, 2):
            warn_user(message, RuntimeWarning)
        elif status == 0:
            print_summary(status, message, fval, nit, nfev)
    result = OptimizeResult(fun=fval, nit=nit, nfev=nfev, status=status,
                            success=(status == 0), message=message, x=sim[0],
                            final_simplex=(sim, fsim))
    if allvecs is not None:
        result["allvecs"] = allvecs
    return result
