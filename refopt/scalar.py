"""Brent's methods in one variable: a root finder and a minimizer.

Both come from R. P. Brent, *Algorithms for Minimization without Derivatives*,
Prentice-Hall, 1973: chapter 4 ("zero") finds a root of ``f`` inside a sign change
by mixing bisection with secant and inverse-quadratic steps; chapter 5 ("localmin")
finds a local minimum by mixing golden-section steps with parabolic interpolation.
This module also holds the two helpers scipy builds around them: the downhill
bracket search (Press et al., *Numerical Recipes*, §10.1, "mnbrak") and golden
section search, plus the bounded minimizer that scipy calls ``fminbound``
(Brent's ``localmin`` on a fixed interval, with an absolute tolerance).

Equation numbers in the comments, ``(25.1)`` to ``(25.6)``, are those of the book
chapter ``chapters/25-brent.md``:

* (25.1)  the root stays bracketed: ``f(x)`` and ``f(x_contra)`` differ in sign;
* (25.2)  the tolerance ``delta = (xtol + rtol |x|) / 2`` and the bisection step;
* (25.3)  the secant step (two points known);
* (25.4)  the inverse-quadratic step through three points;
* (25.5)  Brent's acceptance test for an interpolated root step;
* (25.7)  the minimizer's stopping test ``|x - m| <= 2 tol - (b - a) / 2``;
* (25.8)  the parabola through ``x, w, v`` and its vertex ``x + p/q``;
* (25.9)  the golden-section step into the larger half;
* (25.6)  the parabolic extrapolation in the bracket search.

``brentq`` follows scipy 1.17's C code (``Zeros/brentq.c``) step for step, and the
minimizers follow ``scipy.optimize._optimize`` (``Brent``, ``golden``, ``bracket``,
``_minimize_scalar_bounded``), so function-call counts agree with scipy's.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ._result import OptimizeResult
from ._warnings import OptimizeWarning, warn_user

__all__ = [
    "BracketError", "RootResults", "bracket", "brentq", "minimize_scalar",
    "minimize_scalar_bounded", "minimize_scalar_brent", "minimize_scalar_golden",
]

EPS = float(np.finfo(float).eps)
_XTOL = 2e-12          # brentq's default absolute tolerance
_RTOL = 4 * EPS        # and the smallest relative tolerance it accepts

# brentq's termination flags (scipy's zeros.h values and RootResults.flag words)
_CONVERGED, _SIGNERR, _CONVERR = 0, -1, -2
_FLAG_WORDS = {_CONVERGED: "converged", _SIGNERR: "sign error", _CONVERR: "convergence error"}

# Messages shared with scipy.optimize
_MSG_NAN = "NaN result encountered."
_MSG_NO_BRACKET = ("The algorithm terminated without finding a valid bracket. "
                   "Consider trying different initial points.")


# ---------------------------------------------------------------------------------------
# Roots: Brent (1973), chapter 4
# ---------------------------------------------------------------------------------------

class RootResults(OptimizeResult):
    """Outcome of a bracketing root finder, like ``scipy.optimize.RootResults``.

    Attributes
    ----------
    root : float
        The estimated root.
    iterations : int
        Number of iterations (interpolation or bisection steps) taken.
    function_calls : int
        Number of times ``f`` was called.
    converged : bool
        True if the tolerance was met.
    flag : str
        ``'converged'`` or ``'convergence error'``.
    method : str
        ``'brentq'``.
    """

    def __init__(self, root: float, iterations: int, function_calls: int, flag: int,
                 method: str):
        super().__init__()
        self.root = root
        self.iterations = iterations
        self.function_calls = function_calls
        self.converged = flag == _CONVERGED
        self.flag = _FLAG_WORDS.get(flag, flag)
        self.method = method


def _float_function(f: Callable[..., Any], args: tuple) -> Callable[[float], float]:
    """``x -> float(f(x, *args))`` that refuses a NaN value, as scipy's root finders do."""
    def value(x: float) -> float:
        fx = float(f(x, *args))
        if math.isnan(fx):
            raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
        return fx
    return value


# [brentq]
def _brentq_steps(f: Callable[[float], float], a: float, b: float, xtol: float,
                  rtol: float, maxiter: int) -> tuple[float, int, int, int]:
    """Brent's ``zero`` as scipy's ``brentq.c`` runs it: (root, calls, iterations, flag).

    Three points are kept: ``x`` the best estimate so far, ``x_prev`` the estimate
    before it, and ``x_contra`` the contrapoint, where ``f`` has the other sign.
    """
    x_prev, x = a, b
    f_prev, fx = f(x_prev), f(x)
    calls = 2
    if f_prev == 0:
        return x_prev, calls, 0, _CONVERGED
    if fx == 0:
        return x, calls, 0, _CONVERGED
    if math.copysign(1.0, f_prev) == math.copysign(1.0, fx):
        return 0.0, calls, 0, _SIGNERR

    x_contra = f_contra = 0.0
    step = step_prev = 0.0
    for iteration in range(1, maxiter + 1):
        if f_prev != 0 and fx != 0 and math.copysign(1.0, f_prev) != math.copysign(1.0, fx):
            # (25.1) the sign changed between x_prev and x: x_prev becomes the contrapoint
            x_contra, f_contra = x_prev, f_prev
            step = step_prev = x - x_prev
        if abs(f_contra) < abs(fx):
            # keep x the point of smallest |f|; the old x becomes the previous point
            x_prev, x, x_contra = x, x_contra, x
            f_prev, fx, f_contra = fx, f_contra, fx

        delta = (xtol + rtol * abs(x)) / 2          # (25.2)
        bisect = (x_contra - x) / 2                  # (25.2)
        if fx == 0 or abs(bisect) < delta:
            return x, calls, iteration, _CONVERGED

        if abs(step_prev) > delta and abs(fx) < abs(f_prev):
            if x_prev == x_contra:                   # two distinct points: secant (25.3)
                trial = -fx * (x - x_prev) / (fx - f_prev)
            else:                                    # three points: inverse quadratic (25.4)
                slope_prev = (f_prev - fx) / (x_prev - x)
                slope_contra = (f_contra - fx) / (x_contra - x)
                trial = (-fx * (f_contra * slope_contra - f_prev * slope_prev)
                         / (slope_contra * slope_prev * (f_contra - f_prev)))
            if 2 * abs(trial) < min(abs(step_prev), 3 * abs(bisect) - delta):   # (25.5)
                step_prev, step = step, trial
            else:
                step_prev = step = bisect
        else:
            step_prev = step = bisect

        x_prev, f_prev = x, fx
        # never move by less than delta, so the bracket keeps shrinking
        x = x + step if abs(step) > delta else x + (delta if bisect > 0 else -delta)
        fx = f(x)
        calls += 1
    return x, calls, maxiter, _CONVERR
# [/brentq]


def brentq(f: Callable[..., Any], a: float, b: float, args: Any = (), xtol: float = _XTOL,
           rtol: float = _RTOL, maxiter: int = 100, full_output: bool = False,
           disp: bool = True) -> float | tuple[float, RootResults]:
    """Find a root of ``f`` in a sign-changing interval ``[a, b]`` by Brent's method.

    Bisection keeps the root bracketed; secant and inverse quadratic interpolation
    steps are taken when they promise faster progress (Brent 1973, ch. 4). The same
    algorithm, tolerances, errors and counts as ``scipy.optimize.brentq``.

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> float``, continuous, with ``f(a)`` and ``f(b)`` of opposite signs.
    a, b : float
        The ends of the bracketing interval.
    args : tuple, optional
        Extra arguments for ``f`` (a non-tuple is wrapped into a tuple).
    xtol, rtol : float, optional
        The root ``x0`` returned satisfies ``|x - x0| <= xtol + rtol |x0|`` for the exact
        root ``x``. ``xtol`` must be positive and ``rtol`` at least ``4 * eps``.
    maxiter : int, optional
        Most iterations allowed (``>= 0``).
    full_output : bool, optional
        If True, return ``(root, r)`` with ``r`` a :class:`RootResults`.
    disp : bool, optional
        If True, raise ``RuntimeError`` when the method does not converge; otherwise
        the failure is recorded in the :class:`RootResults`.

    Returns
    -------
    root : float
        The root found.
    r : RootResults
        Present when ``full_output`` is True.

    Raises
    ------
    ValueError
        If ``f(a)`` and ``f(b)`` have the same sign, a tolerance is too small,
        ``maxiter`` is negative, or ``f`` returns NaN.
    RuntimeError
        If ``disp`` is True and ``maxiter`` iterations did not reach the tolerance.

    Examples
    --------
    >>> from refopt import brentq
    >>> brentq(lambda x: x**2 - 1, 0, 2)
    1.0
    """
    if not isinstance(args, tuple):
        args = (args,)
    maxiter = operator.index(maxiter)
    if xtol <= 0:
        raise ValueError(f"xtol too small ({xtol:g} <= 0)")
    if rtol < _RTOL:
        raise ValueError(f"rtol too small ({rtol:g} < {_RTOL:g})")
    if maxiter < 0:
        raise ValueError("maxiter must be >= 0")
    root, calls, iterations, flag = _brentq_steps(
        _float_function(f, args), float(a), float(b), float(xtol), float(rtol), maxiter)
    if flag == _SIGNERR:
        raise ValueError("f(a) and f(b) must have different signs")
    if flag == _CONVERR and disp:
        raise RuntimeError(f"Failed to converge after {iterations} iterations.")
    if full_output:
        return root, RootResults(root, iterations, calls, flag, "brentq")
    return root


# ---------------------------------------------------------------------------------------
# Bracketing a minimum (Numerical Recipes' mnbrak, as scipy.optimize.bracket)
# ---------------------------------------------------------------------------------------

class BracketError(RuntimeError):
    """No valid bracket was found; ``data`` holds ``(xa, xb, xc, fa, fb, fc, funcalls)``."""

    data: tuple


_GOLD = 1.618034          # golden ratio (1 + sqrt 5)/2, to the digits scipy uses
_TINY_DENOMINATOR = 1e-21


def _parabola_vertex(xa: float, xb: float, xc: float, fa: float, fb: float, fc: float) -> float:
    """(25.6) the abscissa of the vertex of the parabola through three points."""
    tmp1 = (xb - xa) * (fb - fc)
    tmp2 = (xb - xc) * (fb - fa)
    val = tmp2 - tmp1
    denom = 2.0 * _TINY_DENOMINATOR if np.abs(val) < _TINY_DENOMINATOR else 2.0 * val
    return xb - ((xb - xc) * tmp2 - (xb - xa) * tmp1) / denom


def bracket(func: Callable[..., Any], xa: float = 0.0, xb: float = 1.0, args: tuple = (),
            grow_limit: float = 110.0, maxiter: int = 1000) -> tuple:
    """Search downhill from ``xa, xb`` for three points that bracket a minimum.

    Steps grow by the golden ratio, or jump to the vertex of a parabola through
    the last three points when that lies within ``grow_limit`` steps (Numerical
    Recipes' ``mnbrak``, as ``scipy.optimize.bracket``).

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    xa, xb : float, optional
        Two distinct starting points (default 0 and 1).
    args : tuple, optional
        Extra arguments for ``func``.
    grow_limit : float, optional
        How many times the last step a parabolic jump may be.
    maxiter : int, optional
        Most iterations allowed.

    Returns
    -------
    xa, xb, xc, fa, fb, fc : float
        The bracket, ``xb`` between ``xa`` and ``xc`` with ``fb`` below both ends.
    funcalls : int
        Number of calls of ``func``.

    Raises
    ------
    BracketError
        If the search ends without a valid bracket (e.g. ``func`` decreases forever).
    RuntimeError
        If ``maxiter`` iterations pass.
    """
    xa, xb = np.asarray([xa, xb], dtype=float)
    fa = func(*(xa,) + args)
    fb = func(*(xb,) + args)
    if fa < fb:                                   # walk downhill: from a to b
        xa, xb, fa, fb = xb, xa, fb, fa
    xc = xb + _GOLD * (xb - xa)
    fc = func(*(xc,) + args)
    funcalls = 3
    iteration = 0
    with np.errstate(over="ignore", invalid="ignore"):   # a function unbounded below
        while fc < fb:
            w = _parabola_vertex(xa, xb, xc, fa, fb, fc)
            wlim = xb + grow_limit * (xc - xb)
            if iteration > maxiter:
                raise RuntimeError("No valid bracket was found before the iteration limit "
                                   "was reached. Consider trying different initial points "
                                   "or increasing `maxiter`.")
            iteration += 1
            if (w - xc) * (xb - w) > 0.0:             # vertex between xb and xc
                fw = func(*(w,) + args)
                funcalls += 1
                if fw < fc:                            # minimum between xb and xc
                    xa, xb, fa, fb = xb, w, fb, fw
                    break
                if fw > fb:                            # minimum between xa and w
                    xc, fc = w, fw
                    break
                w = xc + _GOLD * (xc - xb)             # vertex useless: golden step
                fw = func(*(w,) + args)
                funcalls += 1
            elif (w - wlim) * (wlim - xc) >= 0.0:     # vertex beyond the limit: clip it
                w = wlim
                fw = func(*(w,) + args)
                funcalls += 1
            elif (w - wlim) * (xc - w) > 0.0:         # vertex between xc and the limit
                fw = func(*(w,) + args)
                funcalls += 1
                if fw < fc:
                    xb, xc = xc, w
                    w = xc + _GOLD * (xc - xb)
                    fb, fc = fc, fw
                    fw = func(*(w,) + args)
                    funcalls += 1
            else:                                      # vertex uphill: golden step
                w = xc + _GOLD * (xc - xb)
                fw = func(*(w,) + args)
                funcalls += 1
            xa, xb, xc = xb, xc, w
            fa, fb, fc = fb, fc, fw

    valid_values = (fb < fc and fb <= fa) or (fb < fa and fb <= fc)
    ordered = xa < xb < xc or xc < xb < xa
    finite = np.isfinite(xa) and np.isfinite(xb) and np.isfinite(xc)
    if not (valid_values and ordered and finite):
        error = BracketError(_MSG_NO_BRACKET)
        error.data = (xa, xb, xc, fa, fb, fc, funcalls)
        raise error
    return xa, xb, xc, fa, fb, fc, funcalls


def _bracket_from(func: Callable[..., Any], brack: Any, args: tuple) -> tuple:
    """A bracketing triple with values: searched for (None or 2 points) or checked (3 points)."""
    if brack is None:
        return bracket(func, args=args)
    if len(brack) == 2:
        return bracket(func, xa=brack[0], xb=brack[1], args=args)
    if len(brack) == 3:
        xa, xb, xc = brack
        if xa > xc:
            xa, xc = xc, xa
        if not (xa < xb and xb < xc):
            raise ValueError("Bracketing values (xa, xb, xc) do not fulfill this "
                             "requirement: (xa < xb) and (xb < xc)")
        fa = func(*(xa,) + args)
        fb = func(*(xb,) + args)
        fc = func(*(xc,) + args)
        if not (fb < fa and fb < fc):
            raise ValueError("Bracketing values (xa, xb, xc) do not fulfill this "
                             "requirement: (f(xb) < f(xa)) and (f(xb) < f(xc))")
        return xa, xb, xc, fa, fb, fc, 3
    raise ValueError("Bracketing interval must be length 2 or 3 sequence.")


# ---------------------------------------------------------------------------------------
# Minimization: Brent (1973), chapter 5
# ---------------------------------------------------------------------------------------

_CGOLD = 0.3819660        # (3 - sqrt 5)/2, the golden-section fraction, as scipy truncates it
_MINTOL = 1.0e-11         # absolute part of Brent's tolerance


def _success_message(xtol: float) -> str:
    return ("\nOptimization terminated successfully;\n"
            "The returned value satisfies the termination criteria\n"
            f"(using xtol = {xtol} )")


def _report(failed: bool, message: str) -> None:
    """scipy's disp behaviour: print success, warn about failure."""
    if not failed:
        print(message)
    else:
        warn_user(message, OptimizeWarning)


def _outcome(x: float, fval: float, nit: int, maxiter: int, xtol: float,
             disp: int) -> tuple[bool, str]:
    """``(success, message)`` of Brent's and golden-section search: within ``maxiter``
    iterations and no NaN; printed or warned as scipy does when ``disp``."""
    nan = bool(np.isnan(x) or np.isnan(fval))
    success = nit < maxiter and not nan
    if success:
        message = _success_message(xtol)
    elif nan:
        message = _MSG_NAN
    else:
        message = "\nMaximum number of iterations exceeded"
    if disp:
        _report(not success, message)
    return success, message


def _warn_unknown(options: dict) -> None:
    if options:
        warn_user(f"Unknown solver options: {', '.join(map(str, options))}",
                  OptimizeWarning)


# [brent-localmin]
def _parabola_step(x: float, w: float, v: float, fx: float, fw: float, fv: float):
    """(25.8) the vertex of the parabola through (x, fx), (w, fw), (v, fv) as ``x + p/q``,
    returned as ``(p, q)`` with ``q >= 0``, so that nothing is divided before it is accepted."""
    r = (x - w) * (fx - fv)
    q = (x - v) * (fx - fw)
    p = (x - v) * q - (x - w) * r
    q = 2.0 * (q - r)
    if q > 0.0:
        p = -p
    return p, np.abs(q)


def _brent_localmin(func: Callable[..., Any], args: tuple, xa: float, xb: float, xc: float,
                    fb: float, tol: float, maxiter: int, disp: int, funcalls: int):
    """Brent's ``localmin`` from a bracket ``xa < xb < xc`` (either order of xa, xc).

    ``x`` is the best point so far, ``w`` the second best, ``v`` the previous ``w``;
    ``[a, b]`` brackets the minimum. Returns ``(x, fx, iterations, funcalls)``.
    """
    x = w = v = xb
    fx = fw = fv = fb
    a, b = (xa, xc) if xa < xc else (xc, xa)
    step = 0.0            # the step before last ("e" in Brent's Algol)
    rat = 0.0             # the last step ("d")
    iteration = 0
    if disp > 2:
        print(" ")
        print(f"{'Func-count':^12} {'x':^12} {'f(x)': ^12}")
        print(f"{funcalls:^12g} {x:^12.6g} {fx:^12.6g}")
    while iteration < maxiter:
        tol1 = tol * np.abs(x) + _MINTOL
        tol2 = 2.0 * tol1
        xmid = 0.5 * (a + b)
        if np.abs(x - xmid) < (tol2 - 0.5 * (b - a)):        # (25.7)
            break
        if np.abs(step) <= tol1:
            step = (a - x) if x >= xmid else (b - x)           # (25.9) golden section
            rat = _CGOLD * step
        else:
            p, q = _parabola_step(x, w, v, fx, fw, fv)         # (25.8)
            step_before, step = step, rat
            # accept only a step inside [a, b] and shorter than half the step before last
            if p > q * (a - x) and p < q * (b - x) and np.abs(p) < np.abs(0.5 * q * step_before):
                rat = p * 1.0 / q
                u = x + rat
                if (u - a) < tol2 or (b - u) < tol2:           # too close to an end
                    rat = tol1 if xmid - x >= 0 else -tol1
            else:
                step = (a - x) if x >= xmid else (b - x)       # (25.9)
                rat = _CGOLD * step
        if np.abs(rat) < tol1:                                 # move at least tol1
            u = x + tol1 if rat >= 0 else x - tol1
        else:
            u = x + rat
        fu = func(*(u,) + args)
        funcalls += 1
        if fu > fx:                        # u is worse: it narrows [a, b] from its side
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, w, fv, fw = w, u, fw, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
        else:                              # u is the new best point
            if u >= x:
                a = x
            else:
                b = x
            v, w, x = w, x, u
            fv, fw, fx = fw, fx, fu
        if disp > 2:
            print(f"{funcalls:^12g} {x:^12.6g} {fx:^12.6g}")
        iteration += 1
    return x, fx, iteration, funcalls
# [/brent-localmin]


def minimize_scalar_brent(func: Callable[..., Any], brack: Any = None, args: tuple = (),
                          xtol: float = 1.48e-8, maxiter: int = 500, disp: int = 0,
                          **unknown_options: Any) -> OptimizeResult:
    """Brent's minimizer (``minimize_scalar(method='brent')``), scipy's ``_minimize_scalar_brent``.

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    brack : sequence, optional
        ``(xa, xb, xc)`` with ``f(xb)`` below both ends, or ``(xa, xb)`` to start a
        downhill :func:`bracket` search (the default starts from 0 and 1).
    args : tuple, optional
        Extra arguments for ``func``.
    xtol : float, optional
        Relative tolerance in x (plus an absolute 1e-11).
    maxiter : int, optional
        Most iterations.
    disp : int, optional
        0 silent, 1 warn on failure, 2 also print success, 3 print every iteration.

    Returns
    -------
    OptimizeResult
        ``fun, x, nit, nfev, success, message``.

    Raises
    ------
    BracketError
        If the bracket search fails (``minimize_scalar`` turns this into a result).
    """
    _warn_unknown(unknown_options)
    if xtol < 0:
        raise ValueError(f"tolerance should be >= 0, got {xtol!r}")
    xa, xb, xc, _fa, fb, _fc, funcalls = _bracket_from(func, brack, args)
    x, fval, nit, nfev = _brent_localmin(func, args, xa, xb, xc, fb, xtol, maxiter, disp, funcalls)
    success, message = _outcome(x, fval, nit, maxiter, xtol, disp)
    return OptimizeResult(fun=fval, x=x, nit=nit, nfev=nfev, success=success, message=message)


_GOLDEN_R = 0.61803399    # 2/(1 + sqrt 5), as scipy truncates it
_GOLDEN_C = 1.0 - _GOLDEN_R


def minimize_scalar_golden(func: Callable[..., Any], brack: Any = None, args: tuple = (),
                           xtol: float = math.sqrt(EPS), maxiter: int = 5000, disp: int = 0,
                           **unknown_options: Any) -> OptimizeResult:
    """Golden-section search (``minimize_scalar(method='golden')``), as scipy's.

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    brack : sequence, optional
        As for :func:`minimize_scalar_brent`.
    args : tuple, optional
        Extra arguments for ``func``.
    xtol : float, optional
        Stop when the bracket is shorter than ``xtol (|x1| + |x2|)``.
    maxiter : int, optional
        Most iterations.
    disp : int, optional
        As for :func:`minimize_scalar_brent`.

    Returns
    -------
    OptimizeResult
        ``fun, nfev, x, nit, success, message``.
    """
    _warn_unknown(unknown_options)
    xa, xb, xc, _fa, _fb, _fc, funcalls = _bracket_from(func, brack, args)
    # four points x0 < x1 < x2 < x3; the inner two divide the bracket in the golden ratio
    x0, x3 = xa, xc
    if np.abs(xc - xb) > np.abs(xb - xa):
        x1, x2 = xb, xb + _GOLDEN_C * (xc - xb)
    else:
        x1, x2 = xb - _GOLDEN_C * (xb - xa), xb
    f1 = func(*(x1,) + args)
    f2 = func(*(x2,) + args)
    funcalls += 2
    nit = 0
    if disp > 2:
        print(" ")
        print(f"{'Func-count':^12} {'x':^12} {'f(x)': ^12}")
    for _ in range(maxiter):
        if np.abs(x3 - x0) <= xtol * (np.abs(x1) + np.abs(x2)):
            break
        if f2 < f1:                       # (25.9) keep [x1, x3], new point right of x2
            x0, x1 = x1, x2
            x2 = _GOLDEN_R * x1 + _GOLDEN_C * x3
            f1 = f2
            f2 = func(*(x2,) + args)
        else:                             # keep [x0, x2], new point left of x1
            x3, x2 = x2, x1
            x1 = _GOLDEN_R * x2 + _GOLDEN_C * x0
            f2 = f1
            f1 = func(*(x1,) + args)
        funcalls += 1
        if disp > 2:
            xbest, fbest = (x1, f1) if f1 < f2 else (x2, f2)
            print(f"{funcalls:^12g} {xbest:^12.6g} {fbest:^12.6g}")
        nit += 1
    xmin, fval = (x1, f1) if f1 < f2 else (x2, f2)
    success, message = _outcome(xmin, fval, nit, maxiter, xtol, disp)
    return OptimizeResult(fun=fval, nfev=funcalls, x=xmin, nit=nit, success=success,
                          message=message)


_SQRT_EPS_BOUNDED = math.sqrt(2.2e-16)    # fminbound's relative tolerance (a rounded eps)
_GOLDEN_MEAN = 0.5 * (3.0 - math.sqrt(5.0))
_BOUNDED_MESSAGES = {0: "Solution found.", 1: "Maximum number of function calls reached.",
                     2: _MSG_NAN}


def _finite_scalar(value: Any) -> bool:
    return bool(np.size(value) == 1 and np.isfinite(value))


# [fminbound]
def minimize_scalar_bounded(func: Callable[..., Any], bounds: Any, args: tuple = (),
                            xatol: float = 1e-5, maxiter: int = 500, disp: int = 0,
                            **unknown_options: Any) -> OptimizeResult:
    """Brent's minimizer on a fixed interval (``method='bounded'``, scipy's ``fminbound``).

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    bounds : sequence of two finite floats
        The interval ``(x1, x2)``.
    args : tuple, optional
        Extra arguments for ``func``.
    xatol : float, optional
        Absolute tolerance in x.
    maxiter : int, optional
        Most function calls.
    disp : int, optional
        As for :func:`minimize_scalar_brent`.

    Returns
    -------
    OptimizeResult
        ``fun, status, success, message, x, nfev, nit``; status 0 found, 1 call limit,
        2 NaN.
    """
    _warn_unknown(unknown_options)
    if len(bounds) != 2:
        raise ValueError("bounds must have two elements.")
    x1, x2 = bounds
    if not (_finite_scalar(x1) and _finite_scalar(x2)):
        raise ValueError("Optimization bounds must be finite scalars.")
    if x1 > x2:
        raise ValueError("The lower bound exceeds the upper bound.")

    a, b = x1, x2
    # xf best point, nfc second best, fulc third ("v, w, x" of Brent's Algol)
    fulc = a + _GOLDEN_MEAN * (b - a)
    nfc = xf = fulc
    rat = e = 0.0
    x = xf
    fx = func(x, *args)
    num = 1
    fu = np.inf
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = _SQRT_EPS_BOUNDED * np.abs(xf) + xatol / 3.0
    tol2 = 2.0 * tol1
    if disp > 2:
        print(" ")
        print(" Func-count     x          f(x)          Procedure")
        print("%5.0f   %12.6g %12.6g %s" % (1, xf, fx, "       initial"))

    flag = 0
    while np.abs(xf - xm) > (tol2 - 0.5 * (b - a)):                   # (25.7)
        golden = True
        if np.abs(e) > tol1:
            golden = False
            p, q = _parabola_step(xf, nfc, fulc, fx, fnfc, ffulc)     # (25.8)
            r, e = e, rat
            if np.abs(p) < np.abs(0.5 * q * r) and p > q * (a - xf) and p < q * (b - xf):
                rat = (p + 0.0) / q
                x = xf + rat
                step = "       parabolic"
                if (x - a) < tol2 or (b - x) < tol2:                   # too near an end
                    rat = tol1 * (np.sign(xm - xf) + ((xm - xf) == 0))
            else:
                golden = True
        if golden:                                                      # (25.9)
            e = (a - xf) if xf >= xm else (b - xf)
            rat = _GOLDEN_MEAN * e
            step = "       golden"

        x = xf + (np.sign(rat) + (rat == 0)) * np.maximum(np.abs(rat), tol1)
        fu = func(x, *args)
        num += 1
        if disp > 2:
            print("%5.0f   %12.6g %12.6g %s" % (num, x, fu, step))

        if fu <= fx:                      # x is the new best point
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if fu <= fnfc or nfc == xf:
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif fu <= ffulc or fulc == xf or fulc == nfc:
                fulc, ffulc = x, fu

        xm = 0.5 * (a + b)
        tol1 = _SQRT_EPS_BOUNDED * np.abs(xf) + xatol / 3.0
        tol2 = 2.0 * tol1
        if num >= maxiter:
            flag = 1
            break

    if np.isnan(xf) or np.isnan(fx) or np.isnan(fu):
        flag = 2
    if disp > 0:
        _end_message(flag, xatol, disp)
    return OptimizeResult(fun=fx, status=flag, success=(flag == 0),
                          message=_BOUNDED_MESSAGES.get(flag, ""), x=xf, nfev=num, nit=num)
# [/fminbound]


def _end_message(flag: int, xtol: float, disp: int) -> None:
    """fminbound's closing words under ``disp``."""
    if flag == 0:
        if disp > 1:
            print("\nOptimization terminated successfully;\n"
                  "The returned value satisfies the termination criteria\n"
                  "(using xtol = ", xtol, ")")
        return
    if flag == 1:
        message = ("\nMaximum number of function evaluations exceeded --- "
                   "increase maxfun argument.\n")
    else:
        message = f"\n{_MSG_NAN}"
    _report(True, message)


def _result_from_bracket_error(error: BracketError) -> OptimizeResult:
    """A failed bracket search becomes an unsuccessful result holding the best point seen."""
    xa, xb, xc, fa, fb, fc, funcalls = error.data
    xs, fs = [xa, xb, xc], [fa, fb, fc]
    if np.any(np.isnan([xs, fs])):
        x, fun = np.nan, np.nan
    else:
        best = int(np.argmin(fs))
        x, fun = xs[best], fs[best]
    return OptimizeResult(fun=fun, nfev=funcalls, x=x, nit=0, success=False, message=str(error))


def minimize_scalar(fun: Callable[..., Any], bracket: Any = None, bounds: Any = None,
                    args: Any = (), method: str | Callable | None = None,
                    tol: float | None = None, options: dict | None = None) -> OptimizeResult:
    """Minimize a function of one variable, like ``scipy.optimize.minimize_scalar``.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    bracket : sequence, optional
        For 'brent' and 'golden': ``(xa, xb, xc)`` with ``f(xb) < f(xa), f(xc)``, or
        ``(xa, xb)``, the start of a downhill search for such a triple. The minimizer
        found need not lie between ``xa`` and ``xb``.
    bounds : sequence, optional
        For 'bounded' (and the default method when given): two finite numbers.
    args : tuple, optional
        Extra arguments for ``fun`` (a non-tuple is wrapped into a tuple).
    method : {'brent', 'bounded', 'golden'} or callable, optional
        Default 'bounded' when ``bounds`` is given, else 'brent'. A callable is
        called as ``method(fun, args=args, bracket=bracket, bounds=bounds, **options)``.
    tol : float, optional
        ``xtol`` for 'brent'/'golden'; for 'bounded' it becomes ``xatol`` (with a
        RuntimeWarning, as the method has no relative tolerance).
    options : dict, optional
        Method options: 'brent' ``xtol, maxiter, disp``; 'golden' ``xtol, maxiter,
        disp``; 'bounded' ``xatol, maxiter, disp``. A boolean ``disp`` means 0 or 2.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun`` (numpy scalars), ``nit``, ``nfev``, ``success``, ``message``
        (and ``status`` for 'bounded'). A failed bracket search gives
        ``success=False`` and the best point seen.

    Raises
    ------
    ValueError
        Unknown method, bounds with 'brent'/'golden', missing or invalid bounds for
        'bounded', an invalid three-point bracket.

    Examples
    --------
    >>> from refopt import minimize_scalar
    >>> res = minimize_scalar(lambda x: (x - 2) * x * (x + 2)**2)
    >>> round(float(res.x), 6)
    1.280776
    """
    if not isinstance(args, tuple):
        args = (args,)
    if callable(method):
        meth = "_custom"
    elif method is None:
        meth = "brent" if bounds is None else "bounded"
    else:
        meth = method.lower()
    options = {} if options is None else dict(options)

    if bounds is not None and meth in {"brent", "golden"}:
        raise ValueError(f"Use of `bounds` is incompatible with 'method={method}'.")
    if tol is not None:
        if meth == "bounded" and "xatol" not in options:
            warn_user("Method 'bounded' does not support relative tolerance in x; "
                      "defaulting to absolute tolerance.", RuntimeWarning)
            options["xatol"] = tol
        elif meth == "_custom":
            options.setdefault("tol", tol)
        else:
            options.setdefault("xtol", tol)
    if isinstance(options.get("disp"), bool):
        options["disp"] = 2 * int(options["disp"])

    if meth == "_custom":
        res = method(fun, args=args, bracket=bracket, bounds=bounds, **options)
    elif meth == "bounded":
        if bounds is None:
            raise ValueError("The `bounds` parameter is mandatory for method `bounded`.")
        res = minimize_scalar_bounded(fun, bounds, args, **options)
    elif meth in ("brent", "golden"):
        solver = minimize_scalar_brent if meth == "brent" else minimize_scalar_golden
        try:
            res = solver(fun, bracket, args, **options)
        except BracketError as error:
            res = _result_from_bracket_error(error)
    else:
        raise ValueError(f"Unknown solver {method}")

    # x has the shape of fun (numpy scalars for scalar functions), as scipy >= 1.9
    res.fun = np.asarray(res.fun)[()]
    res.x = np.reshape(res.x, res.fun.shape)[()]
    return res
