"""Confidence intervals from the F-test: profiles of the chi-square, one parameter at a time.

Fixing one parameter ``p`` at a value ``v`` and re-optimising the others gives the profile
``chi2(v)``. The F-test for nested least-squares models (G. E. P. Box & G. A. Coutsouris;
in textbook form D. M. Bates & D. G. Watts, *Nonlinear Regression Analysis and Its
Applications*, Wiley, 1988, §6.1; W. H. Press et al., *Numerical Recipes*, 2nd ed., 1992,
§15.6) compares the profile with the best fit:

    F = (chi2(v) / chi2_0 - 1) (N - P) / P_fix,    prob = F_cdf(F; P_fix, N - P),

and the limits of the interval at probability ``q`` are the two values of ``v`` where
``prob = q``. This is the lmfit 0.5 manual's method (M. Newville, T. Stensitzki et al.,
*LMFIT*, 2012, §4.1), with three changes a careful user asks for:

* the search works on the signed root ``z(v) = sign(v - v0) sqrt(F(v))``, which is
  ``(v - v0) / stderr`` exactly for a linear model, so the first probe lands on the limit
  and later ones extrapolate a nearly straight line;
* every re-fit starts from the profile point nearest to it (lmfit restarts from the best
  fit every time), and no value is fitted twice;
* a limit that cannot be found (a bound, a failed re-fit, a profile that never reaches the
  probability) is reported by parameter, probability and reason, and the other limits are
  still returned (lmfit raises a bare ``ValueError``, its issue #64).

Equation numbers ``(32.1)`` to ``(32.6)`` are those of the book chapter
``chapters/32-confidence-intervals.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import stats
from ..scalar import brentq
from .minimizer import Minimizer, MinimizerException, MinimizerResult
from .._warnings import warn_user

__all__ = ["conf_interval", "conf_interval2d", "f_compare", "ci_report", "report_ci",
           "ConfidenceIntervals", "ConfidenceWarning", "sigmas_to_probabilities"]

REFIT_METHODS = ("leastsq", "least_squares")  # re-fits use the result's method if it is one
OVERSHOOT = 0.05  # probes aim this far (in z, i.e. about in standard errors) past a limit
FAR = 1000.0      # a profile still below its level this many standard errors out is open
JUMP = 0.01       # a root of |z| - z_q that misses by more is a jump of the profile


class ConfidenceWarning(UserWarning):
    """A confidence limit could not be determined (the message says which and why)."""


class ConfidenceIntervals(dict):
    """``{name: [(prob, lower), ..., (0.0, best), ..., (prob, upper)]}``, as lmfit returns.

    Attributes
    ----------
    messages : list of str
        One line for each limit that could not be found, naming the parameter, the
        probability and the reason; empty when every limit was found.
    nfev : int
        Evaluations of the residual function spent by all the re-fits.
    """

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.nfev = 0


# ---------------------------------------------------------------------------------------
# The statistic (32.1) and the probabilities asked for (32.2)
# ---------------------------------------------------------------------------------------

def f_compare(best_fit: MinimizerResult, new_fit: MinimizerResult) -> float:
    """The F-test probability that ``new_fit`` (with fewer varied parameters) is worse (32.1).

    ``F = (chi2_new / chi2_best - 1) (N - P) / P_fix`` with ``P_fix`` the number of fixed
    parameters, and the probability is the F distribution's cdf at ``F``, as lmfit's.
    """
    nfix = best_fit.nvarys - new_fit.nvarys
    stat = (new_fit.chisqr / best_fit.chisqr - 1.0) * best_fit.nfree / nfix
    return float(stats.f.cdf(max(stat, 0.0), nfix, best_fit.nfree))


def sigmas_to_probabilities(sigmas: Sequence[float]) -> list[float]:
    """Sigmas ``>= 1`` become ``erf(s / sqrt 2)``; values below 1 are probabilities (32.2)."""
    try:
        values = [float(s) for s in sigmas]
    except TypeError:
        raise TypeError(f"sigmas must be a sequence of numbers, not {sigmas!r}") from None
    if not values:
        raise ValueError("sigmas must name at least one level")
    for s in values:
        if not math.isfinite(s) or s <= 0:
            raise ValueError(f"sigmas must be positive: a sigma (>= 1) or a probability in (0, 1), not {s!r}")
    return sorted(math.erf(s / math.sqrt(2)) if s >= 1 else s for s in values)


# ---------------------------------------------------------------------------------------
# One profile: the chi-square with one parameter fixed
# ---------------------------------------------------------------------------------------

class Profile:
    """The profile of ``chi2`` in one parameter, each value fitted once and remembered.

    ``z(v)`` (32.3) is the signed root of the F statistic; the F-test limit at probability
    ``q`` is where ``|z(v)| = z_q = sqrt(F_ppf(q; 1, N - P))``.
    """

    def __init__(self, fitter: "_Fitter", name: str, trace: list | None, verbose: bool):
        self.fitter = fitter
        self.name = name
        par = fitter.best.params[name]
        self.best = float(par.value)
        self.lower, self.upper = float(par.min), float(par.max)
        self.stderr = float(par.stderr)
        self.points: dict[float, tuple[float, dict]] = {self.best: (0.0, fitter.best_values)}
        self.trace = trace
        self.verbose = verbose

    def z(self, v: float) -> float:
        """``sign(v - v0) sqrt(F(v))`` (32.3), re-fitting the other parameters at ``v``."""
        if v not in self.points:
            start = self.points[min(self.points, key=lambda u: abs(u - v))][1]   # warm start
            new = self.fitter.refit({self.name: v}, start)
            stat = self.fitter.statistic(new, nfix=1)
            self.points[v] = (math.copysign(math.sqrt(stat), v - self.best), new.params.valuesdict())
            if self.trace is not None:          # the statistic now, its probability at the end
                self.trace.append([*new.params.valuesdict().values(), stat])
            if self.verbose:
                print(f"P({self.name}={v:.6g}) = {float(self.fitter.probability(stat, 1)):.6g}")
        return self.points[v][0]

    # [ci-limit]
    def limit(self, direction: int, z_target: float, maxiter: int) -> tuple[float, str | None]:
        """The value on side ``direction`` where ``|z| = z_target``, and why not if none.

        Walk outwards by extrapolating the last two profile points (32.4) until the
        target is passed, then close in with Brent's root finder on ``|z| - z_target``
        inside that bracket (32.5). Every value is fitted once (:meth:`z` remembers).
        """
        for _ in range(maxiter):
            outer = self._beyond(direction, z_target)
            if outer is not None:
                break
            v = self._extrapolate(direction, z_target)
            if abs(v - self.best) > FAR * self.stderr:
                z_far = self._side(direction)[-1][1]
                return direction * math.inf, (f"the profile flattens out: |z| = {z_far:.4g} (below "
                                              f"{z_target:.4g}) {FAR:g} standard errors from the "
                                              f"best value, so the interval is open on this side")
            edge = self.upper if direction > 0 else self.lower
            if (v - edge) * direction >= 0:
                v = edge
                if abs(self.z(v)) < z_target:
                    return direction * math.inf, (f"the bound {edge:g} is reached with "
                                                  f"|z| = {abs(self.z(v)):.4g} < {z_target:.4g}")
            else:
                self.z(v)
        else:
            return math.nan, f"the profile does not reach it within maxiter={maxiter} re-fits"
        inner = self._inside(direction, z_target, outer)
        tol = 1e-6 * self.stderr
        root = brentq(lambda v: abs(self.z(v)) - z_target, inner, outer, xtol=tol, maxiter=maxiter)
        miss = abs(abs(self.z(root)) - z_target)
        if miss > JUMP:
            return root, (f"the profile jumps across the level at {root:.6g} (|z| misses "
                          f"{z_target:.4g} by {miss:.3g}): a re-fit there went to another local "
                          f"minimum, so this limit is uncertain")
        return root, None
    # [/ci-limit]

    def _side(self, direction: int) -> list[tuple[float, float]]:
        """``(distance from the best value, |z|)`` of the points on one side, nearest first."""
        return sorted(((v - self.best) * direction, abs(zv)) for v, (zv, _) in self.points.items()
                      if (v - self.best) * direction >= 0)

    def _beyond(self, direction: int, z_target: float) -> float | None:
        """The nearest fitted value on that side with ``|z| >= z_target``, if any."""
        for d, zv in self._side(direction):
            if d > 0 and zv >= z_target:
                return self.best + direction * d
        return None

    def _inside(self, direction: int, z_target: float, outer: float) -> float:
        """The farthest fitted value short of ``outer`` with ``|z| < z_target``."""
        limit = (outer - self.best) * direction
        inside = [d for d, zv in self._side(direction) if d < limit and zv < z_target]
        return self.best + direction * max(inside)

    def _extrapolate(self, direction: int, z_target: float) -> float:
        """The next probe (32.4): the line through the two outermost points, extended to
        a little past ``z_target`` (a secant from one side would creep up on the limit
        without ever passing it); at first the line of slope ``1/stderr``, exact for a
        linear model.
        A step goes at most as far again as the distance reached (or to ``z_target``
        standard errors), so a flattening profile is walked, not jumped over."""
        side = self._side(direction)
        (d_a, z_a), (d_b, z_b) = ((0.0, 0.0), (self.stderr, 1.0)) if len(side) == 1 else side[-2:]
        reached = side[-1][0]
        slope = (z_b - z_a) / (d_b - d_a)
        aim = z_target + OVERSHOOT             # past the target, so that a bracket forms
        step = (aim - side[-1][1]) / slope if slope > 0 else math.inf
        distance = reached + min(step, max(reached, z_target * self.stderr))
        return self.best + direction * distance


# ---------------------------------------------------------------------------------------
# Re-fitting with parameters fixed
# ---------------------------------------------------------------------------------------

class _Fitter:
    """Re-fits of the best fit with some parameters fixed, counting their evaluations."""

    def __init__(self, minimizer: Minimizer, best: MinimizerResult, prob_func: Callable | None):
        self.minimizer = minimizer
        self.best = best
        self.best_values = best.params.valuesdict()
        self.prob_func = prob_func
        self.method = best.method if best.method in REFIT_METHODS else "leastsq"
        self.work = best.params.copy()
        self.nfev = 0

    def refit(self, fixed: dict[str, float], start: dict[str, float]) -> MinimizerResult:
        """The best fit re-run from ``start`` with the parameters in ``fixed`` held there."""
        params = self.work                 # mutated here; each fit works on its own copy
        for name, value in self.best_values.items():
            params[name].set(value=value, vary=self.best.params[name].vary)
        for name, value in start.items():
            par = params[name]
            if par.vary and par.expr is None:
                par.value = value
        for name, value in fixed.items():
            params[name].set(value=value, vary=False)
        try:
            new = self.minimizer.minimize(method=self.method, params=params)
        finally:
            self.minimizer.result = self.best
        self.nfev += new.nfev
        if not np.isfinite(new.chisqr):
            raise MinimizerException(f"the re-fit with {fixed} gave chi-square {new.chisqr}")
        return new

    def statistic(self, new: MinimizerResult, nfix: int) -> float:
        """The F statistic of a re-fit with ``nfix`` parameters fixed (32.1).

        With a ``prob_func`` the probability is the user's, and the statistic is the F
        quantile of it, so that the search of (32.4) works on the same scale.
        """
        if self.prob_func is None:
            return max((new.chisqr / self.best.chisqr - 1.0) * self.best.nfree / nfix, 0.0)
        prob = min(max(float(self.prob_func(self.best, new)), 0.0), 1.0)
        return float(stats.f.ppf(prob, nfix, self.best.nfree))

    def probability(self, stat: Any, nfix: int) -> Any:
        """The F-test probability of statistics ``stat`` (arrays welcome: one call for many)."""
        return stats.f.cdf(stat, nfix, self.best.nfree)


# ---------------------------------------------------------------------------------------
# The public functions
# ---------------------------------------------------------------------------------------

def _fitted(minimizer: Any, result: MinimizerResult | None) -> MinimizerResult:
    if not isinstance(minimizer, Minimizer):
        raise TypeError(f"conf_interval needs the Minimizer of the fit, not {type(minimizer).__name__}")
    result = minimizer.result if result is None else result
    if result is None or getattr(result, "chisqr", None) is None:
        raise MinimizerException("the Minimizer has not been fitted: call its minimize() (or "
                                 "leastsq()) first, or pass the result of the fit")
    if result.nfree < 1:
        raise MinimizerException(f"a confidence interval needs more data points than varied "
                                 f"parameters (N - P = {result.nfree})")
    if not result.chisqr > 0:
        raise MinimizerException(f"the best fit has chi-square {result.chisqr}: an F-test "
                                 f"compares with it and needs it positive")
    return result


def _varied(result: MinimizerResult, names: Any, need_stderr: bool = True) -> list[str]:
    """The parameters asked for, each one checked: known, varied, with a standard error."""
    names = list(result.var_names) if names is None else ([names] if isinstance(names, str) else list(names))
    for name in names:
        if name not in result.params:
            raise KeyError(f"no parameter named {name!r} (the parameters are "
                           f"{', '.join(result.params)})")
        par = result.params[name]
        if not par.vary or par.expr is not None:
            why = f"is constrained by expr={par.expr!r}" if par.expr is not None else "is fixed (vary=False)"
            raise ValueError(f"parameter {name!r} {why}: a confidence interval is found only for "
                             f"a parameter varied in the fit")
        stderr = par.stderr
        if need_stderr and (stderr is None or not np.isfinite(stderr) or stderr <= 0):
            reason = getattr(result, "errorbars_reason", None) or "no standard error was estimated"
            raise MinimizerException(f"cannot determine a confidence interval for {name!r} without "
                                     f"a sensible uncertainty estimate ({reason})")
    return names


def conf_interval(minimizer: Minimizer, result: MinimizerResult | None = None,
                  p_names: Sequence[str] | None = None, sigmas: Sequence[float] = (1, 2, 3),
                  trace: bool = False, maxiter: int = 200, verbose: bool = False,
                  prob_func: Callable | None = None):
    """Confidence intervals of the varied parameters by the F-test, as lmfit's ``conf_interval``.

    Parameters
    ----------
    minimizer : Minimizer
        The minimizer of the fit. Its last result is used when ``result`` is not given, so
        the 0.5 manual's ``conf_interval(mi)`` works; it is left as it was.
    result : MinimizerResult, optional
        The best fit.
    p_names : sequence of str, optional
        The parameters to profile (default: every varied one).
    sigmas : sequence of float, optional
        Levels: a number ``>= 1`` is a sigma (probability ``erf(s/sqrt 2)``), a number in
        ``(0, 1)`` a probability (the manual's ``(0.674, 0.95, 0.997)``).
    trace : bool, optional
        Also return the profiles: ``{name: {every parameter: array, 'prob': array}}``.
    maxiter : int, optional
        Re-fits allowed for each limit, walking out and closing in.
    verbose : bool, optional
        Print each probe.
    prob_func : callable, optional
        ``prob_func(best_result, new_result)`` replaces the F-test :func:`f_compare`.

    Returns
    -------
    ci : ConfidenceIntervals
        ``{name: [(prob, lower), ..., (0.0, best), ..., (prob, upper)]}``, the lowest
        limit first; ``ci.messages`` says which limits were not found and why (those are
        ``-inf``/``inf`` at a bound, NaN otherwise), each also a :class:`ConfidenceWarning`.
    trace : dict
        Only with ``trace=True``.
    """
    best = _fitted(minimizer, result)
    names = _varied(best, p_names)
    probs = sigmas_to_probabilities(sigmas)
    if not (isinstance(maxiter, int) and maxiter > 0):
        raise ValueError(f"maxiter must be a positive integer, not {maxiter!r}")
    fitter = _Fitter(minimizer, best, prob_func)
    z_targets = [math.sqrt(float(stats.f.ppf(q, 1, best.nfree))) for q in probs]   # (32.3)
    out, traces = ConfidenceIntervals(), {}
    for name in names:
        if verbose:
            print(f"Calculating CI for {name}")
        rows = [[*fitter.best_values.values(), 0.0]] if trace else None
        profile = Profile(fitter, name, rows, verbose)
        sides = {d: _limits(profile, d, probs, z_targets, maxiter, out.messages) for d in (-1, 1)}
        out[name] = ([*zip(probs[::-1], sides[-1][::-1])] + [(0.0, profile.best)]
                     + [*zip(probs, sides[1])])
        if trace:
            traces[name] = _trace_dict(best, rows, fitter)
    out.nfev = fitter.nfev
    for line in out.messages:
        warn_user(line, ConfidenceWarning)
    return (out, traces) if trace else out


def _limits(profile: Profile, direction: int, probs: list[float], z_targets: list[float],
            maxiter: int, messages: list[str]) -> list[float]:
    """The limits on one side for each probability, in increasing order (32.5).

    After the first limit that cannot be found, the larger ones are not sought: they
    lie further out on the same profile.
    """
    found: list[float] = []
    side = "upper" if direction > 0 else "lower"
    for prob, z_target in zip(probs, z_targets):
        if found and not math.isfinite(found[-1]):
            found.append(found[-1])
            continue
        try:
            value, why = profile.limit(direction, z_target, maxiter)
        except (ArithmeticError, ValueError, RuntimeError, MinimizerException) as exc:
            value, why = math.nan, f"a re-fit failed: {type(exc).__name__}: {exc}"
        if why is not None:
            status = f"({value:.6g}) is uncertain" if math.isfinite(value) else "was not found"
            messages.append(f"{profile.name}: the {side} limit at probability {prob:.4g} {status}: {why}")
        found.append(value)
    return found


def _trace_dict(best: MinimizerResult, rows: list[list[float]], fitter: _Fitter) -> dict[str, np.ndarray]:
    """The profile's rows as ``{parameter: values, 'prob': probabilities}``, in fitting order."""
    columns = np.array(rows, dtype=float).T
    columns[-1] = fitter.probability(columns[-1], 1)
    keys = [*best.params.valuesdict(), "prob"]
    return dict(zip(keys, columns))


def conf_interval2d(minimizer: Minimizer, result: Any = None, x_name: str | None = None,
                    y_name: str | None = None, nx: int = 10, ny: int = 10, limits: Any = None,
                    prob_func: Callable | None = None):
    """F-test probabilities on a grid of two fixed parameters, as the 0.5 manual's ``conf_interval2d``.

    Both parameters are fixed at each grid point and the others re-fitted (each re-fit
    starting from its neighbour on the grid); the probability is the F-test with
    ``P_fix = 2`` (32.6). The manual's call ``conf_interval2d(mi, 'a1', 't2', 30, 30)``
    (without a result) works too.

    Parameters
    ----------
    minimizer : Minimizer
    result : MinimizerResult, optional
        The best fit (default: the minimizer's last).
    x_name, y_name : str
        The two parameters.
    nx, ny : int, optional
        Grid points along each.
    limits : ((x_upper, x_lower), (y_upper, y_lower)), optional
        The grid's extent; default the best value ± 5 standard errors, within the bounds.
    prob_func : callable, optional
        ``prob_func(best_result, new_result)`` instead of the F-test.

    Returns
    -------
    x : ndarray, shape (nx,)
    y : ndarray, shape (ny,)
    grid : ndarray, shape (ny, nx)
        Probabilities, ``grid[j, i]`` at ``(x[i], y[j])``: the layout ``contourf(x, y,
        grid)`` expects. lmfit 1.2 and later return ``sqrt(delta chi2 / redchi)`` here
        instead (a sigma scale); refopt keeps the manual's probabilities.
    """
    if isinstance(result, str):      # the manual's order: (minimizer, x_name, y_name, nx, ny, ...)
        result, x_name, y_name, nx, ny = None, result, x_name, (nx if y_name is None else y_name), \
            (ny if y_name is None else nx)
    best = _fitted(minimizer, result)
    if x_name is None or y_name is None:
        raise TypeError("conf_interval2d needs the names of two parameters, x_name and y_name")
    if x_name == y_name:
        raise ValueError(f"x_name and y_name must differ, both are {x_name!r}")
    for n, label in ((nx, "nx"), (ny, "ny")):
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise ValueError(f"{label} must be a positive integer, not {n!r}")
    _varied(best, [x_name, y_name], need_stderr=limits is None)
    x = _grid_axis(best.params[x_name], None if limits is None else limits[0], nx)
    y = _grid_axis(best.params[y_name], None if limits is None else limits[1], ny)
    fitter = _Fitter(minimizer, best, prob_func)
    grid = np.empty((ny, nx))
    start = fitter.best_values
    for j in range(ny):                         # a snake through the grid: each re-fit
        columns = range(nx) if j % 2 == 0 else range(nx - 1, -1, -1)   # starts next door
        for i in columns:
            new = fitter.refit({x_name: x[i], y_name: y[j]}, start)
            grid[j, i] = fitter.statistic(new, nfix=2)
            start = new.params.valuesdict()
    return x, y, fitter.probability(grid, 2)


def _grid_axis(par: Any, limit: Any, n: int) -> np.ndarray:
    """``n`` values across ``limit = (upper, lower)``, or the best value ± 5 stderr in bounds."""
    if limit is None:
        upper = min(par.value + 5 * par.stderr, par.max)
        lower = max(par.value - 5 * par.stderr, par.min)
    else:
        upper, lower = (float(v) for v in limit)
    return np.linspace(lower, upper, n)


# ---------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------

def ci_report(ci: dict, with_offset: bool = False, ndigits: int = 5) -> str:
    """The intervals as the 0.5 manual prints them: one column per probability.

    The header gives the probabilities in percent, ``0.00%`` being the best fit; each row
    a parameter's limits, lowest first. With ``with_offset`` the limits are printed as
    differences from the best value (lmfit 1.x's default layout, headed ``_BEST_``).
    """
    if not ci:
        return ""
    width = max(len(name) for name in ci)
    first = next(iter(ci.values()))
    heads = ["_BEST_" if with_offset and prob == 0 else f"{prob * 100:.2f}%" for prob, _ in first]
    lines = ["".join([" " * (width + 1)] + [h.rjust(ndigits + 5) for h in heads])]
    for name, row in ci.items():
        best = next(value for prob, value in row if prob == 0)
        cells = []
        for prob, value in row:
            shown = value - best if with_offset and prob != 0 else value
            text = f"{shown:+.{ndigits}f}" if with_offset and prob != 0 else f"{shown:.{ndigits}f}"
            cells.append(text.rjust(ndigits + 5))
        lines.append("".join([name.ljust(width + 1)] + cells))
    return "\n".join(lines)


def report_ci(ci: dict, with_offset: bool = False, ndigits: int = 5) -> None:
    """Print :func:`ci_report` (the 0.5 manual's name)."""
    print(ci_report(ci, with_offset=with_offset, ndigits=ndigits))
