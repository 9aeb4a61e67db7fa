"""Line searches for the strong Wolfe conditions: Moré–Thuente, and the Nocedal–Wright zoom.

Along a descent direction ``p`` from ``x`` a line search looks at the one-variable function
``phi(alpha) = f(x + alpha p)`` (so ``phi'(0) = g(x)ᵀp < 0``) and returns a step that satisfies
the *strong Wolfe conditions*::

    phi(alpha) <= phi(0) + c1 alpha phi'(0)                     (20.1)  sufficient decrease
    |phi'(alpha)| <= c2 |phi'(0)|                               (20.2)  curvature

with ``0 < c1 < c2 < 1``. Two searches live here, used the way scipy's BFGS and CG use them
(``_line_search_wolfe12``): first Moré–Thuente, and if it fails the zoom.

**Moré–Thuente** — J. J. Moré and D. J. Thuente, "Line search algorithms with guaranteed
sufficient decrease", ACM Transactions on Mathematical Software 20(3), 286–307 (1994), as coded
in MINPACK-2's ``dcsrch``/``dcstep`` (Argonne, 1993). The search keeps an interval of
uncertainty ``[stx, sty]`` that is known to contain good steps once it is *bracketed*. While
no point with ``psi <= 0, phi' >= 0`` has been seen (stage 1) it works on the auxiliary
function::

    psi(alpha) = phi(alpha) - phi(0) - c1 alpha phi'(0)         (20.4)

whose minimizers satisfy (20.1); afterwards (stage 2) on ``phi`` itself. Each new trial step
comes from ``dcstep``, which picks among the minimizer of a cubic interpolating two function
values and two slopes (20.7), a quadratic through two values and one slope (20.8) and a secant
step on the slopes (20.9), according to the paper's four cases of trial value selection, then
safeguards it: an extrapolated step stays within ``[stp + 1.1 (stp - stx), stp + 4 (stp -
stx)]`` (20.5), and when a bracket does not shrink by the factor 0.66 the step is a bisection
(20.6).

**Zoom** — J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006),
Algorithms 3.5 (bracketing by doubling the step) and 3.6 (zoom, shrinking the bracket with
cubic, then quadratic interpolation, then bisection).

Both searches start from the step that repeats the last iteration's decrease of ``f``
(Nocedal & Wright §3.5), capped at 1::

    alpha_1 = min(1, 1.01 * 2 (phi(0) - f_previous) / phi'(0))   (20.3)

Everything here follows scipy 1.17 (``_linesearch.py``, ``_dcsrch.py``) step for step, so a
minimizer built on it makes the same function evaluations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._warnings import warn_user

__all__ = ["LineSearchWarning", "LineSearchError", "line_search", "line_search_wolfe1",
           "line_search_wolfe2", "line_search_wolfe12", "scalar_search_wolfe1",
           "scalar_search_wolfe2", "dcsrch", "dcstep", "zoom"]

# MINPACK-2 dcsrch constants (Moré & Thuente 1994)
P5 = 0.5        # bisection point of the bracket (20.6)
P66 = 0.66      # required shrink factor of the bracket before bisecting (20.6)
XTRAPL = 1.1    # extrapolation: lower limit factor (20.5)
XTRAPU = 4.0    # extrapolation: upper limit factor (20.5)


class LineSearchWarning(RuntimeWarning):
    """The line search did not find a step satisfying the strong Wolfe conditions."""


class LineSearchError(RuntimeError):
    """Neither Moré–Thuente nor the zoom found an acceptable step."""


def check_c1_c2(c1: float, c2: float) -> None:
    """Raise ValueError unless ``0 < c1 < c2 < 1`` (needed for (20.1)–(20.2) to be solvable)."""
    if not (0 < c1 < c2 < 1):
        raise ValueError("'c1' and 'c2' do not satisfy '0 < c1 < c2 < 1'.")


def initial_step(phi0: Any, old_phi0: Any, derphi0: Any) -> Any:
    """The first trial step (20.3); 1 when there is no previous value or it points backwards."""
    if old_phi0 is not None and derphi0 != 0:
        alpha1 = min(1.0, 1.01 * 2 * (phi0 - old_phi0) / derphi0)  # (20.3)
        if alpha1 < 0:
            alpha1 = 1.0
        return alpha1
    return 1.0


def first_trial(phi: Callable, derphi: Callable, phi0: Any, old_phi0: Any, derphi0: Any,
                c1: float, c2: float) -> tuple[Any, Any, Any]:
    """How both searches begin: check ``c1, c2``; ``phi(0)`` and ``phi'(0)``, evaluated in
    that order unless given; the first trial step (20.3)."""
    check_c1_c2(c1, c2)
    if phi0 is None:
        phi0 = phi(0.0)
    if derphi0 is None:
        derphi0 = derphi(0.0)
    return phi0, derphi0, initial_step(phi0, old_phi0, derphi0)


# ------------------------------------------------------------------------------------------
# dcstep: one safeguarded trial step (Moré & Thuente 1994, cases 1-4)
# ------------------------------------------------------------------------------------------

def _cubic_gamma(theta: Any, d1: Any, d2: Any, clamp: bool = False) -> Any:
    """``sqrt(theta² - d1 d2)``, scaled by the largest magnitude to avoid overflow (20.7)."""
    s = max(abs(theta), abs(d1), abs(d2))
    radicand = (theta / s) ** 2 - (d1 / s) * (d2 / s)
    return s * np.sqrt(max(0, radicand) if clamp else radicand)


def _cubic_step(sta, fa, da, stp, fp, dp):
    """(20.7) with ``b`` the trial ``stp`` and ``a`` the point ``sta``: the minimizer of the
    cubic matching values and slopes at both (cases 2 and 4)."""
    theta = 3 * (fa - fp) / (stp - sta) + da + dp
    gamma = _cubic_gamma(theta, da, dp)
    if stp > sta:
        gamma = -gamma
    p = (gamma - dp) + theta
    q = ((gamma - dp) + gamma) + da
    return stp + p / q * (sta - stp)


def _case1_higher_value(stx, fx, dx, stp, fp, dp):
    """Case 1, ``fp > fx``: the minimum is bracketed. Take the cubic step (20.7) if it is closer
    to ``stx`` than the quadratic step (20.8), else the average of the two."""
    theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
    gamma = _cubic_gamma(theta, dx, dp)
    if stp < stx:
        gamma = -gamma
    p = (gamma - dx) + theta
    q = ((gamma - dx) + gamma) + dp
    stpc = stx + p / q * (stp - stx)                                            # (20.7)
    stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)    # (20.8)
    if abs(stpc - stx) <= abs(stpq - stx):
        return stpc
    return stpc + (stpq - stpc) / 2.0


def _case2_slopes_opposite(stx, fx, dx, stp, fp, dp):
    """Case 2, lower value and slopes of opposite sign: bracketed. Take whichever of the cubic
    (20.7) and secant (20.9) steps is farther from ``stp``."""
    stpc = _cubic_step(stx, fx, dx, stp, fp, dp)     # (20.7)
    stpq = stp + (dp / (dp - dx)) * (stx - stp)      # (20.9)
    if abs(stpc - stp) > abs(stpq - stp):
        return stpc
    return stpq


def _case3_slope_decreases(stx, fx, dx, sty, stp, fp, dp, brackt, stpmin, stpmax):
    """Case 3, lower value, same slope sign, slope magnitude decreases. The cubic step is used
    only if the cubic tends to infinity in the search direction; bracketed: the step closer to
    ``stp``, kept within 0.66 of the way to ``sty``; not bracketed: the farther one, clipped."""
    theta = 3 * (fx - fp) / (stp - stx) + dx + dp
    gamma = _cubic_gamma(theta, dx, dp, clamp=True)
    if stp > stx:
        gamma = -gamma
    p = (gamma - dp) + theta
    q = (gamma + (dx - dp)) + gamma
    r = p / q
    if r < 0 and gamma != 0:
        stpc = stp + r * (stx - stp)                 # (20.7)
    elif stp > stx:
        stpc = stpmax
    else:
        stpc = stpmin
    stpq = stp + (dp / (dp - dx)) * (stx - stp)      # (20.9)
    if brackt:
        stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
        if stp > stx:
            return min(stp + P66 * (sty - stp), stpf)
        return max(stp + P66 * (sty - stp), stpf)
    stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
    return np.clip(stpf, stpmin, stpmax)


def _case4_slope_grows(sty, fy, dy, stp, fp, dp, brackt, stx, stpmin, stpmax):
    """Case 4, lower value, same slope sign, slope magnitude does not decrease. Bracketed: the
    cubic step (20.7) through ``stp`` and ``sty``; otherwise go to the end of the range."""
    if brackt:
        return _cubic_step(sty, fy, dy, stp, fp, dp)  # (20.7)
    return stpmax if stp > stx else stpmin


def dcstep(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    """One trial step of Moré–Thuente and the update of the interval of uncertainty.

    ``(stx, fx, dx)`` is the best step so far with its value and slope, ``(sty, fy, dy)`` the
    other end of the interval, ``(stp, fp, dp)`` the step just tried.

    Returns
    -------
    tuple
        ``(stx, fx, dx, sty, fy, dy, stp, brackt)``: the updated interval, the next trial step
        and whether a minimizer is now bracketed.
    """
    sgnd = np.sign(dp) * np.sign(dx)
    if fp > fx:
        stpf = _case1_higher_value(stx, fx, dx, stp, fp, dp)
        brackt = True
    elif sgnd < 0.0:
        stpf = _case2_slopes_opposite(stx, fx, dx, stp, fp, dp)
        brackt = True
    elif abs(dp) < abs(dx):
        stpf = _case3_slope_decreases(stx, fx, dx, sty, stp, fp, dp, brackt, stpmin, stpmax)
    else:
        stpf = _case4_slope_grows(sty, fy, dy, stp, fp, dp, brackt, stx, stpmin, stpmax)
    # The updating rules: the new interval keeps the lowest point as stx and a point with
    # either a higher value or a slope of the other sign as sty.
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, stpf, brackt


# ------------------------------------------------------------------------------------------
# dcsrch: the search driver (MINPACK-2)
# ------------------------------------------------------------------------------------------

@dataclass
class _SearchState:
    """Everything dcsrch carries between trial steps."""

    finit: Any      # phi(0)
    ginit: Any      # phi'(0) < 0
    gtest: Any      # ftol * phi'(0), the slope of the sufficient-decrease line (20.1)
    stx: Any        # best step so far, its value and slope
    fx: Any
    gx: Any
    sty: Any        # other end of the interval of uncertainty
    fy: Any
    gy: Any
    stmin: Any      # range the next step must lie in
    stmax: Any
    width: Any      # bracket widths of the last two iterations, for the bisection test
    width1: Any
    brackt: bool = False
    stage: int = 1


def _start_errors(stp, g, ftol, gtol, xtol, stpmin, stpmax) -> str:
    """dcsrch's input checks; the last failing one names the error (as in MINPACK-2)."""
    task = ""
    if stp < stpmin:
        task = "ERROR: STP .LT. STPMIN"
    if stp > stpmax:
        task = "ERROR: STP .GT. STPMAX"
    if g >= 0:
        task = "ERROR: INITIAL G .GE. ZERO"
    if ftol < 0:
        task = "ERROR: FTOL .LT. ZERO"
    if gtol < 0:
        task = "ERROR: GTOL .LT. ZERO"
    if xtol < 0:
        task = "ERROR: XTOL .LT. ZERO"
    if stpmin < 0:
        task = "ERROR: STPMIN .LT. ZERO"
    if stpmax < stpmin:
        task = "ERROR: STPMAX .LT. STPMIN"
    return task


def _start(stp, f, g, ftol, stpmin, stpmax) -> _SearchState:
    width = stpmax - stpmin
    return _SearchState(finit=f, ginit=g, gtest=ftol * g, stx=0.0, fx=f, gx=g, sty=0.0, fy=f,
                        gy=g, stmin=0, stmax=stp + XTRAPU * stp, width=width, width1=width / P5)


def _test_step(s: _SearchState, stp, f, g, gtol, xtol, stpmin, stpmax) -> str:
    """Convergence and warning tests on the step just evaluated; '' means go on."""
    ftest = s.finit + stp * s.gtest
    if s.stage == 1 and f <= ftest and g >= 0:
        s.stage = 2  # a point with psi <= 0 and phi' >= 0: work on phi from now on
    task = ""
    if s.brackt and (stp <= s.stmin or stp >= s.stmax):
        task = "WARNING: ROUNDING ERRORS PREVENT PROGRESS"
    if s.brackt and s.stmax - s.stmin <= xtol * s.stmax:
        task = "WARNING: XTOL TEST SATISFIED"
    if stp == stpmax and f <= ftest and g <= s.gtest:
        task = "WARNING: STP = STPMAX"
    if stp == stpmin and (f > ftest or g >= s.gtest):
        task = "WARNING: STP = STPMIN"
    if f <= ftest and abs(g) <= gtol * -s.ginit:   # (20.1) and (20.2)
        task = "CONVERGENCE"
    return task


def _next_step(s: _SearchState, stp, f, g, xtol, stpmin, stpmax):
    """Update the interval with the new point and choose the next trial step."""
    ftest = s.finit + stp * s.gtest
    with np.errstate(invalid="ignore", over="ignore"):
        if s.stage == 1 and f <= s.fx and f > ftest:
            # Stage 1 with a lower value that fails (20.1): step on psi (20.4), whose values
            # and slopes are phi's minus the sufficient-decrease line.
            (stx, fxm, gxm, sty, fym, gym, stp, s.brackt) = dcstep(
                s.stx, s.fx - s.stx * s.gtest, s.gx - s.gtest,
                s.sty, s.fy - s.sty * s.gtest, s.gy - s.gtest,
                stp, f - stp * s.gtest, g - s.gtest, s.brackt, s.stmin, s.stmax)
            s.stx, s.sty = stx, sty
            s.fx, s.fy = fxm + stx * s.gtest, fym + sty * s.gtest
            s.gx, s.gy = gxm + s.gtest, gym + s.gtest
        else:
            (s.stx, s.fx, s.gx, s.sty, s.fy, s.gy, stp, s.brackt) = dcstep(
                s.stx, s.fx, s.gx, s.sty, s.fy, s.gy, stp, f, g, s.brackt, s.stmin, s.stmax)
    if s.brackt:
        if abs(s.sty - s.stx) >= P66 * s.width1:
            stp = s.stx + P5 * (s.sty - s.stx)       # (20.6) bisection
        s.width1 = s.width
        s.width = abs(s.sty - s.stx)
        s.stmin, s.stmax = min(s.stx, s.sty), max(s.stx, s.sty)
    else:
        s.stmin = stp + XTRAPL * (stp - s.stx)        # (20.5)
        s.stmax = stp + XTRAPU * (stp - s.stx)
    stp = np.clip(stp, stpmin, stpmax)
    no_progress = s.brackt and (stp <= s.stmin or stp >= s.stmax)
    if no_progress or (s.brackt and s.stmax - s.stmin <= xtol * s.stmax):
        stp = s.stx  # the best point so far is as good as it gets
    return stp


def dcsrch(phi: Callable, derphi: Callable, stp: Any, phi0: Any, derphi0: Any,
           ftol: float, gtol: float, xtol: float, stpmin: float, stpmax: float,
           maxiter: int = 100, accept_warnings: bool = False) -> tuple[Any, Any, str]:
    """Moré–Thuente search for a step satisfying (20.1) with ``c1=ftol`` and (20.2) with
    ``c2=gtol``.

    Parameters
    ----------
    phi, derphi : callable
        ``phi(alpha)`` and ``phi'(alpha)``; both are called at every trial step.
    stp : float
        First trial step.
    phi0, derphi0 : float
        ``phi(0)`` and ``phi'(0)`` (must be negative).
    ftol, gtol, xtol : float
        Sufficient-decrease and curvature constants, and the relative width at which a
        bracket counts as collapsed.
    stpmin, stpmax : float
        The range of allowed steps.
    maxiter : int
        Passes of the search, counting the start as one (MINPACK-2 reverse communication, as
        scipy counts them): at most ``maxiter`` trial steps are evaluated.
    accept_warnings : bool
        Return the last step on a warning too, as L-BFGS-B's ``lnsrlb`` takes it (scipy's
        ``line_search_wolfe1`` counts a warning as a failure).

    Returns
    -------
    stp : float or None
        The step, or None if the search ended with an error (or a warning, unless
        ``accept_warnings``).
    phi1 : float
        ``phi`` at the last step evaluated.
    task : str
        'CONVERGENCE' or MINPACK-2's warning/error text.
    """
    task = _start_errors(stp, derphi0, ftol, gtol, xtol, stpmin, stpmax)
    if task:
        return None, phi0, task
    state = _start(stp, phi0, derphi0, ftol, stpmin, stpmax)
    f = phi0
    for i in range(maxiter):
        if i > 0:
            task = _test_step(state, stp, f, g, gtol, xtol, stpmin, stpmax)
            if task:
                accepted = task == "CONVERGENCE" or (accept_warnings and task.startswith("WARN"))
                return (stp if accepted else None), f, task
            stp = _next_step(state, stp, f, g, xtol, stpmin, stpmax)
        if not np.isfinite(stp):
            return None, f, "WARNING: NON-FINITE STEP"
        f = phi(stp)
        g = derphi(stp)
    return None, f, "WARNING: dcsrch did not converge within max iterations"


def scalar_search_wolfe1(phi: Callable, derphi: Callable, phi0: Any = None,
                         old_phi0: Any = None, derphi0: Any = None, c1: float = 1e-4,
                         c2: float = 0.9, amax: float = 50, amin: float = 1e-8,
                         xtol: float = 1e-14) -> tuple[Any, Any, Any]:
    """Moré–Thuente on a scalar function: ``(alpha, phi(alpha), phi(0))``, alpha None on failure.

    Parameters
    ----------
    phi, derphi : callable
        The function of the step and its derivative.
    phi0, old_phi0, derphi0 : float, optional
        ``phi(0)``, the previous iteration's value (for (20.3)) and ``phi'(0)``.
    c1, c2 : float
        The constants of (20.1) and (20.2).
    amax, amin : float
        Largest and smallest allowed step.
    xtol : float
        Relative bracket width at which the search gives up.
    """
    phi0, derphi0, alpha1 = first_trial(phi, derphi, phi0, old_phi0, derphi0, c1, c2)
    stp, phi1, _task = dcsrch(phi, derphi, alpha1, phi0, derphi0, ftol=c1, gtol=c2, xtol=xtol,
                              stpmin=amin, stpmax=amax, maxiter=100)
    return stp, phi1, phi0


def line_search_wolfe1(f: Callable, fprime: Callable, xk: np.ndarray, pk: np.ndarray,
                       gfk: Any = None, old_fval: Any = None, old_old_fval: Any = None,
                       args: tuple = (), c1: float = 1e-4, c2: float = 0.9,
                       amax: float = 50, amin: float = 1e-8, xtol: float = 1e-14) -> tuple:
    """Moré–Thuente along ``pk`` from ``xk``.

    Returns
    -------
    tuple
        ``(alpha, fc, gc, f_new, f_old, g_new)``: the step (None on failure), the numbers of
        calls of ``f`` and ``fprime``, ``f`` at the new and the old point, and the last
        gradient computed (the one at ``xk + alpha pk`` on success).
    """
    if gfk is None:
        gfk = fprime(xk, *args)
    last = {"g": gfk, "fc": 0, "gc": 0}

    def phi(s):
        last["fc"] += 1
        return f(xk + s * pk, *args)

    def derphi(s):
        last["g"] = fprime(xk + s * pk, *args)
        last["gc"] += 1
        return np.dot(last["g"], pk)

    derphi0 = np.dot(gfk, pk)
    stp, fval, old_fval = scalar_search_wolfe1(phi, derphi, old_fval, old_old_fval, derphi0,
                                               c1=c1, c2=c2, amax=amax, amin=amin, xtol=xtol)
    return stp, last["fc"], last["gc"], fval, old_fval, last["g"]


# ------------------------------------------------------------------------------------------
# Nocedal & Wright, Algorithms 3.5 and 3.6
# ------------------------------------------------------------------------------------------

def _cubic_minimizer(a, fa, fpa, b, fb, c, fc):
    """Minimizer of the cubic through ``(a, fa)`` with slope ``fpa``, ``(b, fb)``, ``(c, fc)``;
    None if it does not exist or cannot be computed."""
    # cubic: A (x-a)^3 + B (x-a)^2 + fpa (x-a) + fa; solve the 2x2 system for A and B
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        try:
            db, dc = b - a, c - a
            denom = (db * dc) ** 2 * (db - dc)
            inverse = np.empty((2, 2))
            inverse[0, 0] = dc ** 2
            inverse[0, 1] = -db ** 2
            inverse[1, 0] = -dc ** 3
            inverse[1, 1] = db ** 3
            A, B = np.dot(inverse, np.asarray([fb - fa - fpa * db,
                                               fc - fa - fpa * dc]).flatten())
            A /= denom
            B /= denom
            xmin = a + (-B + np.sqrt(B * B - 3 * A * fpa)) / (3 * A)
        except ArithmeticError:
            return None
    return xmin if np.isfinite(xmin) else None


def _quadratic_minimizer(a, fa, fpa, b, fb):
    """Minimizer of the quadratic through ``(a, fa)`` with slope ``fpa`` and ``(b, fb)``."""
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        try:
            db = b - a * 1.0
            B = (fb - fa - fpa * db) / (db * db)
            xmin = a - fpa / (2.0 * B)
        except ArithmeticError:
            return None
    return xmin if np.isfinite(xmin) else None


def zoom(a_lo, a_hi, phi_lo, phi_hi, derphi_lo, phi, derphi, phi0, derphi0, c1, c2,
         extra_condition, maxiter: int = 10):
    """Nocedal & Wright Algorithm 3.6: shrink ``[a_lo, a_hi]`` until a step satisfies
    (20.1)–(20.2) and ``extra_condition``.

    ``a_lo`` is the end with the lower value among those satisfying (20.1). The trial step is
    the cubic interpolant's minimizer, unless it falls within 0.2 of the interval's width of an
    end; then the quadratic's, unless within 0.1; then the midpoint.

    Returns
    -------
    tuple
        ``(alpha, phi(alpha), phi'(alpha))``, all None after ``maxiter`` failed trials.
    """
    cubic_margin, quadratic_margin = 0.2, 0.1
    phi_rec, a_rec = phi0, 0  # the point dropped last, third point of the cubic
    for i in range(maxiter + 1):
        dalpha = a_hi - a_lo
        a, b = (a_hi, a_lo) if dalpha < 0 else (a_lo, a_hi)
        a_j = None
        if i > 0:
            cchk = cubic_margin * dalpha
            a_j = _cubic_minimizer(a_lo, phi_lo, derphi_lo, a_hi, phi_hi, a_rec, phi_rec)
        if i == 0 or a_j is None or a_j > b - cchk or a_j < a + cchk:
            qchk = quadratic_margin * dalpha
            a_j = _quadratic_minimizer(a_lo, phi_lo, derphi_lo, a_hi, phi_hi)
            if a_j is None or a_j > b - qchk or a_j < a + qchk:
                a_j = a_lo + 0.5 * dalpha
        phi_aj = phi(a_j)
        if phi_aj > phi0 + c1 * a_j * derphi0 or phi_aj >= phi_lo:
            phi_rec, a_rec = phi_hi, a_hi          # (20.1) fails: a_j is the new high end
            a_hi, phi_hi = a_j, phi_aj
            continue
        derphi_aj = derphi(a_j)
        if abs(derphi_aj) <= -c2 * derphi0 and extra_condition(a_j, phi_aj):
            return a_j, phi_aj, derphi_aj
        if derphi_aj * (a_hi - a_lo) >= 0:
            phi_rec, a_rec = phi_hi, a_hi
            a_hi, phi_hi = a_lo, phi_lo
        else:
            phi_rec, a_rec = phi_lo, a_lo
        a_lo, phi_lo, derphi_lo = a_j, phi_aj, derphi_aj
    return None, None, None


def scalar_search_wolfe2(phi: Callable, derphi: Callable, phi0: Any = None,
                         old_phi0: Any = None, derphi0: Any = None, c1: float = 1e-4,
                         c2: float = 0.9, amax: float | None = None,
                         extra_condition: Callable | None = None,
                         maxiter: int = 10) -> tuple[Any, Any, Any, Any]:
    """Nocedal & Wright Algorithm 3.5 on a scalar function.

    Returns
    -------
    tuple
        ``(alpha, phi(alpha), phi(0), phi'(alpha))``; alpha is None on failure and
        ``phi'(alpha)`` is None when the search did not converge.
    """
    phi0, derphi0, alpha1 = first_trial(phi, derphi, phi0, old_phi0, derphi0, c1, c2)
    if amax is not None:
        alpha1 = min(alpha1, amax)
    if extra_condition is None:
        def extra_condition(alpha, phi_alpha):
            return True
    alpha0, phi_a0, derphi_a0 = 0, phi0, derphi0
    phi_a1 = phi(alpha1)
    for i in range(maxiter):
        if alpha1 == 0 or (amax is not None and alpha0 > amax):
            message = ("Rounding errors prevent the line search from converging"
                       if alpha1 == 0 else "The line search algorithm could not find a "
                       f"solution less than or equal to amax: {amax}")
            warn_user(message, LineSearchWarning)
            return None, phi0, old_phi0, None
        if phi_a1 > phi0 + c1 * alpha1 * derphi0 or (phi_a1 >= phi_a0 and i > 0):
            alpha, phi_alpha, derphi_alpha = zoom(alpha0, alpha1, phi_a0, phi_a1, derphi_a0,
                                                  phi, derphi, phi0, derphi0, c1, c2,
                                                  extra_condition)
            return alpha, phi_alpha, phi0, derphi_alpha
        derphi_a1 = derphi(alpha1)
        if abs(derphi_a1) <= -c2 * derphi0 and extra_condition(alpha1, phi_a1):
            return alpha1, phi_a1, phi0, derphi_a1
        if derphi_a1 >= 0:
            alpha, phi_alpha, derphi_alpha = zoom(alpha1, alpha0, phi_a1, phi_a0, derphi_a1,
                                                  phi, derphi, phi0, derphi0, c1, c2,
                                                  extra_condition)
            return alpha, phi_alpha, phi0, derphi_alpha
        alpha2 = 2 * alpha1  # still going down: double the step
        if amax is not None:
            alpha2 = min(alpha2, amax)
        alpha0, alpha1 = alpha1, alpha2
        phi_a0, phi_a1 = phi_a1, phi(alpha1)
        derphi_a0 = derphi_a1
    warn_user("The line search algorithm did not converge", LineSearchWarning)
    return alpha1, phi_a1, phi0, None


def line_search_wolfe2(f: Callable, myfprime: Callable, xk: np.ndarray, pk: np.ndarray,
                       gfk: Any = None, old_fval: Any = None, old_old_fval: Any = None,
                       args: tuple = (), c1: float = 1e-4, c2: float = 0.9,
                       amax: float | None = None, extra_condition: Callable | None = None,
                       maxiter: int = 10) -> tuple:
    """Find a step satisfying the strong Wolfe conditions (20.1)–(20.2) (Nocedal & Wright
    Algorithms 3.5–3.6); this is scipy's public ``line_search``.

    Parameters
    ----------
    f : callable
        Objective ``f(x, *args)``.
    myfprime : callable
        Gradient ``myfprime(x, *args)``.
    xk : ndarray
        Starting point.
    pk : ndarray
        Search direction (a descent direction).
    gfk : ndarray, optional
        Gradient at ``xk``; computed if not given.
    old_fval : float, optional
        ``f(xk)``; computed if not given.
    old_old_fval : float, optional
        ``f`` at the point before ``xk``, for the first trial step (20.3).
    args : tuple, optional
        Extra arguments for ``f`` and ``myfprime``.
    c1, c2 : float, optional
        The constants of (20.1) and (20.2), ``0 < c1 < c2 < 1``.
    amax : float, optional
        Largest step.
    extra_condition : callable, optional
        ``extra_condition(alpha, x, f, g)``; a step is accepted only if it returns True.
    maxiter : int, optional
        Bracketing iterations.

    Returns
    -------
    alpha : float or None
        The step, None if none was found.
    fc, gc : int
        Calls of ``f`` and ``myfprime``.
    new_fval : float or None
        ``f(xk + alpha pk)``.
    old_fval : float
        ``f(xk)``.
    new_slope : ndarray or None
        The gradient at ``xk + alpha pk``, None if the search did not converge.

    Warns
    -----
    LineSearchWarning
        When the search did not converge.
    """
    calls = {"fc": 0, "gc": 0, "g": None, "alpha_g": None}

    def phi(alpha):
        calls["fc"] += 1
        return f(xk + alpha * pk, *args)

    def derphi(alpha):
        calls["gc"] += 1
        calls["g"] = myfprime(xk + alpha * pk, *args)
        calls["alpha_g"] = alpha
        return np.dot(calls["g"], pk)

    if gfk is None:
        gfk = myfprime(xk, *args)
    derphi0 = np.dot(gfk, pk)

    extra_condition_on_step = None
    if extra_condition is not None:
        def extra_condition_on_step(alpha, phi_alpha):
            if calls["alpha_g"] != alpha:  # the condition needs the gradient at alpha
                derphi(alpha)
            return extra_condition(alpha, xk + alpha * pk, phi_alpha, calls["g"])

    alpha_star, phi_star, old_fval, derphi_star = scalar_search_wolfe2(
        phi, derphi, old_fval, old_old_fval, derphi0, c1, c2, amax,
        extra_condition_on_step, maxiter=maxiter)
    if derphi_star is None:
        warn_user("The line search algorithm did not converge", LineSearchWarning)
        new_slope = None
    else:
        new_slope = calls["g"]  # the gradient at alpha_star, computed last
    return alpha_star, calls["fc"], calls["gc"], phi_star, old_fval, new_slope


line_search = line_search_wolfe2


def line_search_wolfe12(f: Callable, fprime: Callable, xk: np.ndarray, pk: np.ndarray,
                        gfk: np.ndarray, old_fval: Any, old_old_fval: Any,
                        extra_condition: Callable | None = None, **kwargs: Any) -> tuple:
    """Moré–Thuente, falling back to the zoom; what BFGS and CG call each iteration.

    ``kwargs`` go to :func:`line_search_wolfe1`; the fallback gets only ``c1``, ``c2`` and
    ``amax`` of them. A step from Moré–Thuente that ``extra_condition`` rejects also sends the
    search to the fallback.

    Returns
    -------
    tuple
        As :func:`line_search_wolfe1`.

    Raises
    ------
    LineSearchError
        If neither search finds a step.
    """
    ret = line_search_wolfe1(f, fprime, xk, pk, gfk, old_fval, old_old_fval, **kwargs)
    if ret[0] is not None and extra_condition is not None:
        if not extra_condition(ret[0], xk + ret[0] * pk, ret[3], ret[5]):
            ret = (None,)
    if ret[0] is None:
        fallback = {key: kwargs[key] for key in ("c1", "c2", "amax") if key in kwargs}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LineSearchWarning)
            ret = line_search_wolfe2(f, fprime, xk, pk, gfk, old_fval, old_old_fval,
                                     extra_condition=extra_condition, **fallback)
    if ret[0] is None:
        raise LineSearchError("no step satisfying the strong Wolfe conditions was found")
    return ret
