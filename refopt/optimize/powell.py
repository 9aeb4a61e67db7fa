"""Powell's conjugate-direction method, as ``scipy.optimize.minimize(method='Powell')``.

M. J. D. Powell, "An efficient method for finding the minimum of a function of several
variables without calculating derivatives", *The Computer Journal* 7(2), 155–162 (1964),
in the modified form of Press et al., *Numerical Recipes* (§10.5, "powell"), which
scipy implements: the direction of largest decrease is discarded, not the first one.

Each iteration minimises ``f`` along each of ``n`` directions in turn (a line search by
Brent's method, ``refopt/scalar.py``), then tries the overall displacement of the sweep
as a new direction. For a quadratic the directions become mutually conjugate, so that
``n`` sweeps reach the minimum (Powell 1964, §2). No derivatives are used.

Equation numbers in the comments are those of ``chapters/24-powell.md``:

* (24.1)  the line minimisation ``min_alpha f(x + alpha d)``;
* (24.2)  the range of ``alpha`` that keeps ``x + alpha d`` inside the bounds;
* (24.5)  the stopping test ``2 |f_start - f_end| <= ftol (|f_start| + |f_end|) + 1e-20``;
* (24.3)  the extrapolated point ``x_e = x + min(1, alpha_max) (x - x_start)``;
* (24.4)  Powell's test for replacing the direction of largest decrease.

Faithful to scipy 1.17 (``_optimize._minimize_powell`` and ``_linesearch_powell``):
line searches with ``tol = 100 xtol``; Brent's method from the bracket search started
at 0 and 1 when unbounded; the bounded scalar minimiser (``xatol = tol / 100``) on the
feasible segment when the segment is finite, and in ``arctan`` coordinates when it is
finite on one side only. The same counts, statuses and messages follow.

One deliberate difference, with bounds only: scipy stops when ``2 (f_start - f_end)`` is
small, which is also true when a sweep went *uphill* (the bounded line search never
evaluates its own starting point, so it can end higher than it began). scipy then reports
success at a worse point. Here the test (24.5) uses ``|f_start - f_end|``, so one uphill
sweep does not count as convergence; a second in a row does (a slow uphill drift would
otherwise run to the evaluation limit), and the run returns the best feasible point a sweep
ended at, not a worse last one. Runs without an uphill sweep, which includes every run
without bounds, are unchanged.
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
from ..scalar import BracketError, minimize_scalar_bounded, minimize_scalar_brent

__all__ = ["minimize_powell"]

MESSAGES = {
    "success": "Optimization terminated successfully.",
    "maxfev": "Maximum number of function evaluations has been exceeded.",
    "maxiter": "Maximum number of iterations has been exceeded.",
    "nan": "NaN result encountered.",
    "out_of_bounds": "The result is outside of the provided bounds.",
    "callback": "`callback` raised `StopIteration`.",
}


def line_for_search(x0: np.ndarray, d: np.ndarray, lower: np.ndarray,
                    upper: np.ndarray) -> tuple[float, float]:
    """(24.2) the interval ``[lmin, lmax]`` of ``alpha`` with ``lower <= x0 + alpha d <= upper``.

    Only the coordinates where ``d`` is nonzero constrain ``alpha``. When ``x0`` is
    outside the box and ``d`` cannot bring it back, the interval is empty and
    ``(0, 0)`` is returned (do not move).
    """
    moving = d.nonzero()[0]
    lower, upper, x0, d = lower[moving], upper[moving], x0[moving], d[moving]
    to_lower = (lower - x0) / d
    to_upper = (upper - x0) / d
    forward = d > 0
    lmin = np.max(np.where(forward, to_lower, 0) + np.where(forward, 0, to_upper))
    lmax = np.min(np.where(forward, to_upper, 0) + np.where(forward, 0, to_lower))
    return (lmin, lmax) if lmax >= lmin else (0, 0)


# [powell-linesearch]
def line_search(f: Callable[[np.ndarray], float], x: np.ndarray, d: np.ndarray, tol: float,
                lower: np.ndarray | None = None, upper: np.ndarray | None = None,
                fval: float | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """(24.1) minimise ``f(x + alpha d)`` over ``alpha``; return ``(f_min, x_min, alpha d)``.

    ``fval = f(x)`` spares an evaluation when ``d`` is zero.
    """
    def along(alpha: float) -> float:
        return f(x + alpha * d)

    if not np.any(d):
        return (fval, x, d) if fval is not None else (f(x), x, d)
    if lower is None and upper is None:
        try:
            res = minimize_scalar_brent(along, None, (), xtol=tol)
            alpha, fmin = res.x, res.fun
        except BracketError as error:              # keep the best point the search saw
            alpha, fmin = _best_of_bracket(error)
        return fmin, x + alpha * d, alpha * d
    lmin, lmax = line_for_search(x, d, lower, upper)
    if np.isneginf(lmin) and np.isposinf(lmax):    # the box does not constrain this line
        return line_search(f, x, d, tol, fval=fval)
    if not np.isneginf(lmin) and not np.isposinf(lmax):
        res = minimize_scalar_bounded(along, (lmin, lmax), xatol=tol / 100)
        return res.fun, x + res.x * d, res.x * d
    # bounded on one side only: alpha = tan(t) maps a finite t-interval onto it
    res = minimize_scalar_bounded(lambda t: along(np.tan(t)),
                                  (np.arctan(lmin), np.arctan(lmax)), xatol=tol / 100)
    step = np.tan(res.x) * d
    return res.fun, x + step, step
# [/powell-linesearch]


def _best_of_bracket(error: BracketError) -> tuple[float, float]:
    xa, xb, xc, fa, fb, fc, _calls = error.data
    xs, fs = [xa, xb, xc], [fa, fb, fc]
    if np.any(np.isnan([xs, fs])):
        return np.nan, np.nan
    best = int(np.argmin(fs))
    return xs[best], fs[best]


# [powell-replace]
def replaces_direction(f_start: float, f_end: float, f_extra: float, delta: float) -> bool:
    """(24.4) Powell's test: is the sweep's displacement worth keeping as a direction?

    ``f_start``/``f_end`` are the values before and after the sweep, ``f_extra`` the value
    at the extrapolated point (24.3) and ``delta`` the largest single-direction decrease.
    The new direction is kept when ``f_extra < f_start`` and
    ``2 (f_s - 2 f_e + f_x)(f_s - f_e - delta)^2 < delta (f_s - f_x)^2``.
    """
    if not f_start > f_extra:
        return False
    t = 2.0 * (f_start + f_extra - 2.0 * f_end)
    temp = f_start - f_end - delta
    t *= temp * temp
    temp = f_start - f_extra
    t -= delta * temp * temp
    return t < 0.0
# [/powell-replace]


def minimize_powell(fun: Callable[..., Any], x0: Any, args: tuple = (),
                    callback: Callable[[OptimizeResult], Any] | None = None,
                    bounds: tuple[np.ndarray, np.ndarray] | None = None, xtol: float = 1e-4,
                    ftol: float = 1e-4, maxiter: float | None = None,
                    maxfev: float | None = None, disp: bool = False, direc: Any = None,
                    return_all: bool = False,
                    **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function by Powell's conjugate-direction method.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        Starting point.
    args : tuple, optional
        Extra arguments for ``fun``.
    callback : callable, optional
        An already wrapped callback, called with ``OptimizeResult(x=..., fun=...)`` after
        each sweep; raising ``StopIteration`` ends the run with status 99.
    bounds : tuple of two ndarrays, optional
        ``(lb, ub)``. Line searches then stay on the feasible segment; a start outside
        the box only warns, and a result outside it gets status 4.
    xtol : float, optional
        Line-search tolerance (each line search uses ``100 xtol``, as scipy).
    ftol : float, optional
        Relative decrease of ``f`` per sweep below which the run stops (24.5).
    maxiter, maxfev : int, optional
        Limits; both default to ``1000 n`` (the same None rules as Nelder–Mead).
    disp : bool, optional
        Print a summary (warn on failure).
    direc : array_like, shape (n, n), optional
        Initial directions, one per row (default the identity). Not modified.
    return_all : bool, optional
        Also return ``allvecs``, the point after each sweep.
    **unknown_options
        Options this method does not know: warned about (``OptimizeWarning``), ignored.

    Returns
    -------
    OptimizeResult
        ``fun, direc, nit, nfev, status, success, message, x`` (+ ``allvecs``). ``status``:
        0 converged, 1 ``maxfev``, 2 ``maxiter``, 3 NaN, 4 result outside the bounds,
        99 stopped by the callback.

    Warns
    -----
    OptimizeWarning
        If ``direc`` is not of full rank, or ``x0`` lies outside the bounds.
    """
    warn_unknown_options(unknown_options)

    x = np.asarray(x0).flatten()
    allvecs = [x] if return_all else None
    n = len(x)
    maxiter, maxfev = iteration_limits(maxiter, maxfev, n, 1000)
    f = CountedObjective(fun, args, maxfev)

    if direc is None:
        direc = np.eye(n, dtype=float)
    else:
        direc = np.array(direc, dtype=float)      # a copy: the user's array is not touched
        if np.linalg.matrix_rank(direc) != direc.shape[0]:
            warn_user("direc input is not full rank, some parameters may not be optimized",
                      OptimizeWarning)
    lower, upper = (None, None) if bounds is None else bounds
    if bounds is not None and (np.any(lower > x0) or np.any(x0 > upper)):
        warn_user("Initial guess is not within the specified bounds",
                  OptimizeWarning)

    tol = xtol * 100
    fval = f(x)
    x_start = x.copy()
    nit = 0
    stopped = False
    uphill_before = False
    best = BestPoint(lower, upper)
    while True:
        try:
            f_start = fval
            # one sweep: a line search along every direction, noting the largest decrease
            biggest, delta = 0, 0.0
            for i in range(n):
                f_before = fval
                fval, x, _ = line_search(f, x, direc[i], tol, lower, upper, fval)
                if (f_before - fval) > delta:
                    biggest, delta = i, f_before - fval
            nit += 1
            if return_all:
                allvecs.append(x)
            best.offer(fval, x)
            if call_callback_maybe_halt(callback, OptimizeResult(x=x, fun=fval)):
                stopped = True
                break
            # (24.5) little change in f; |.| so that an uphill sweep is not "convergence" ...
            if 2.0 * np.abs(f_start - fval) <= ftol * (np.abs(f_start) + np.abs(fval)) + 1e-20:
                break
            # ... unless the sweep before went uphill too: a drift, not progress
            uphill = fval > f_start
            if uphill and uphill_before:
                break
            uphill_before = uphill
            if f.nfev >= maxfev or nit >= maxiter:
                break
            if np.isnan(f_start) and np.isnan(fval):   # stuck where f is NaN
                break

            # (24.3) extrapolate along the sweep's displacement, staying inside the bounds
            displacement = x - x_start
            x_start = x.copy()
            lmax = 1 if bounds is None else line_for_search(x, displacement, lower, upper)[1]
            f_extra = f(x + min(lmax, 1) * displacement)
            if replaces_direction(f_start, fval, f_extra, delta):           # (24.4)
                fval, x, new_direction = line_search(f, x, displacement, tol, lower, upper, fval)
                best.offer(fval, x)
                if np.any(new_direction):
                    direc[biggest] = direc[-1]
                    direc[-1] = new_direction
        except MaxFevReached:
            break

    fval, x = best.better_of(fval, x)
    return _result(x, fval, direc, nit, f.nfev, maxiter, maxfev, bounds, stopped, disp,
                   allvecs)


class BestPoint:
    """The lowest feasible point the sweeps have ended at.

    Without bounds every line search goes downhill and the last point is the best. With
    bounds a line search can end above its start (§24.6), so the run returns the best
    feasible point it stood on rather than a worse last one.
    """

    def __init__(self, lower: np.ndarray | None, upper: np.ndarray | None):
        self.lower, self.upper = lower, upper
        self.f, self.x = np.inf, None

    def offer(self, f: float, x: np.ndarray) -> None:
        feasible = self.lower is None or bool(np.all(x >= self.lower) and np.all(x <= self.upper))
        if feasible and f < self.f:
            self.f, self.x = f, x.copy()

    def better_of(self, f: float, x: np.ndarray) -> tuple[float, np.ndarray]:
        return (self.f, self.x) if self.x is not None and self.f < f else (f, x)


def _result(x: np.ndarray, fval: float, direc: np.ndarray, nit: int, nfev: int,
            maxiter: float, maxfev: float, bounds: Any, stopped: bool, disp: bool,
            allvecs: list | None) -> OptimizeResult:
    # outside the bounds is the most urgent news (status 4 is checked first, as scipy)
    if stopped:
        status, key = 99, "callback"
    elif bounds is not None and (np.any(bounds[0] > x) or np.any(x > bounds[1])):
        status, key = 4, "out_of_bounds"
    elif nfev >= maxfev:
        status, key = 1, "maxfev"
    elif nit >= maxiter:
        status, key = 2, "maxiter"
    elif np.isnan(fval) or np.isnan(x).any():
        status, key = 3, "nan"
    else:
        status, key = 0, "success"
    message = MESSAGES[key]
    if disp:
        print_summary(status, message, fval, nit, nfev, warning=RuntimeWarning)
    result = OptimizeResult(fun=fval, direc=direc, nit=nit, nfev=nfev, status=status,
                            success=(status == 0), message=message, x=x)
    if allvecs is not None:
        result["allvecs"] = allvecs
    return result
