"""``curve_fit``: fit a model ``ydata ≈ f(xdata, *p)`` by weighted least squares (scipy's interface).

The fit is a least-squares problem in the residuals ``r(p) = L^{-1} (f(xdata, *p) - ydata)``,
where ``L`` whitens the data errors: ``L = diag(sigma)`` for independent errors of standard
deviations ``sigma``, and the Cholesky factor ``C = L L^T`` for a covariance matrix ``C``
(chapter 11, (11.2)-(11.3)). It is solved by MINPACK's Levenberg-Marquardt through
:func:`refopt.leastsq` (J. J. Moré, "The Levenberg-Marquardt algorithm: implementation and
theory", *Numerical Analysis*, Lecture Notes in Mathematics 630, Springer, 1978) or by
:func:`refopt.least_squares` with bounds. The covariance of the estimate is the inverse of
the Gauss-Newton matrix ``J^T J`` at the solution (the linearised model), scaled by the
residual variance unless the ``sigma`` are absolute (Bard, *Nonlinear Parameter Estimation*,
Academic Press, 1974, ch. 7; the usual reading of scipy's ``pcov``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._warnings import OptimizeWarning, warn_user

__all__ = ["curve_fit"]


def curve_fit(f: Callable, xdata: Any, ydata: Any, p0: Any = None, sigma: Any = None,
              absolute_sigma: bool = False, check_finite: bool | None = None,
              bounds: Any = (-np.inf, np.inf), method: str | None = None, jac: Any = None, *,
              full_output: bool = False, nan_policy: str | None = None, **kwargs) -> tuple:
    """Fit ``f(xdata, *p)`` to ``ydata`` (scipy's ``curve_fit``).

    Parameters
    ----------
    f : callable
        The model ``f(x, p1, p2, ...)``; with ``p0=None`` its signature gives the number
        of parameters.
    xdata : array_like or object
        Passed to ``f`` as it is (lists, tuples and arrays become float arrays).
    ydata : array_like
        The data, ``m`` values.
    p0 : array_like, optional
        Starting parameters; by default ones (or the middle of finite bounds).
    sigma : None, scalar, (m,) or (m, m) array_like, optional
        Standard deviations of ``ydata`` (1-D), or their covariance matrix (2-D).
    absolute_sigma : bool
        True: ``sigma`` are the errors themselves, ``pcov`` is ``(J^T J)^{-1}``. False: only
        their ratios matter, and ``pcov`` is scaled by the reduced chi-square.
    check_finite : bool, optional
        Refuse NaN or infinite data (default: True unless ``nan_policy`` is given).
    bounds : 2-tuple or Bounds
        Bounds on the parameters (then ``method`` defaults to ``'trf'``).
    method : {'lm', 'trf', 'dogbox'}, optional
        ``'lm'`` (the default without bounds) calls :func:`refopt.leastsq`.
    jac : callable, str or None
        ``jac(x, p1, ...)`` returning the (m, n) Jacobian of ``f``, or a difference scheme
        for ``least_squares``.
    full_output : bool
        Also return ``infodict``, ``mesg`` and ``ier``.
    nan_policy : {None, 'raise', 'omit'}
        What to do with NaN in the data when ``check_finite`` is False.
    **kwargs
        Passed on to ``leastsq`` (``method='lm'``) or ``least_squares``.

    Returns
    -------
    popt, pcov : ndarray
        The parameters and their estimated covariance (inf where it cannot be estimated,
        with an :class:`OptimizeWarning`).
    infodict, mesg, ier
        With ``full_output``: ``nfev`` and ``fvec`` (and leastsq's other fields), the
        solver's message and its status.
    """
    n, p0 = parameter_count(f, p0)
    lb, ub = parameter_bounds(bounds, n)
    if p0 is None:
        p0 = feasible_start(lb, ub)
    method = choose_method(method, lb, ub)
    check_finite = nan_policy is None if check_finite is None else check_finite
    ydata = np.asarray_chkfinite(ydata, float) if check_finite else np.asarray(ydata, float)
    if isinstance(xdata, (list, tuple, np.ndarray)):   # anything else goes to f as it is
        xdata = np.asarray_chkfinite(xdata, float) if check_finite else np.asarray(xdata, float)
    if ydata.size == 0:
        raise ValueError("`ydata` must not be empty!")
    if not check_finite and nan_policy is not None:
        xdata, ydata, sigma = apply_nan_policy(nan_policy, xdata, ydata, sigma)
    whiten = whitening(sigma, ydata.size)
    residuals = first_call_remembered(lambda p: whiten(f(xdata, *p) - ydata))
    if callable(jac):
        model_jac = jac
        jac = first_call_remembered(lambda p: whiten(np.asarray(model_jac(xdata, *p))))
    elif jac is None and method != "lm":
        jac = "2-point"
    if "args" in kwargs:
        raise ValueError("'args' is not a supported keyword argument.")
    if method == "lm":
        popt, pcov, infodict, mesg, ier = fit_by_leastsq(residuals, p0, jac, n, ydata.size, kwargs)
    else:
        popt, pcov, infodict, mesg, ier = fit_by_least_squares(residuals, p0, jac, bounds, method, kwargs)
    pcov, estimated = scaled_covariance(pcov, infodict["fvec"], p0.size, absolute_sigma)
    if not estimated:
        warn_user("Covariance of the parameters could not be estimated",
                  OptimizeWarning)
    return (popt, pcov, infodict, mesg, ier) if full_output else (popt, pcov)


def parameter_count(f: Callable, p0: Any) -> tuple[int, np.ndarray | None]:
    """The number of parameters, from ``p0`` or else from ``f``'s signature."""
    if p0 is not None:
        p0 = np.atleast_1d(p0)
        return p0.size, p0
    spec = inspect.getfullargspec(f)
    args = spec.args[1:] if inspect.ismethod(f) else spec.args
    if len(args) < 2:
        raise ValueError("Unable to determine number of fit parameters.")
    return len(args) - 1, None


def parameter_bounds(bounds: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(lb, ub)`` as float arrays of length ``n`` (a scalar bound applies to every parameter)."""
    lb, ub = (bounds.lb, bounds.ub) if hasattr(bounds, "lb") else bounds
    lb, ub = (np.asarray(b, dtype=float) for b in (lb, ub))
    return tuple(np.resize(b, n) if b.ndim == 0 else b for b in (lb, ub))


def feasible_start(lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Ones, moved inside the bounds: the middle of a finite box, 1 inside a one-sided bound."""
    p0 = np.ones_like(lb)
    both, low, high = np.isfinite(lb) & np.isfinite(ub), np.isfinite(lb), np.isfinite(ub)
    p0[both] = 0.5 * (lb[both] + ub[both])
    p0[low & ~high] = lb[low & ~high] + 1
    p0[high & ~low] = ub[high & ~low] - 1
    return p0


def choose_method(method: str | None, lb: np.ndarray, ub: np.ndarray) -> str:
    bounded = bool(np.any((lb > -np.inf) | (ub < np.inf)))
    if method is None:
        return "trf" if bounded else "lm"
    if method == "lm" and bounded:
        raise ValueError("Method 'lm' only works for unconstrained problems. "
                         "Use 'trf' or 'dogbox' instead.")
    return method


def apply_nan_policy(policy: str, xdata: Any, ydata: np.ndarray, sigma: Any) -> tuple:
    """Refuse NaN data (``'raise'``) or drop the points with a NaN in x or y (``'omit'``)."""
    if policy == "propagate":
        raise ValueError("`nan_policy='propagate'` is not supported by this function.")
    if policy not in ("raise", "omit"):
        raise ValueError("nan_policy must be one of {None, 'raise', 'omit'}")
    x_nan = np.isnan(xdata)
    if policy == "raise" and (x_nan.any() or np.isnan(ydata).any()):
        raise ValueError("The input contains nan values")
    # a point is the last axis of xdata: a NaN in any of its coordinates drops it
    drop = x_nan.any(axis=tuple(range(x_nan.ndim - 1))) | np.isnan(ydata)
    if not drop.any():
        return xdata, ydata, sigma
    keep = ~drop
    if sigma is not None:
        sigma = np.asarray(sigma)
        sigma = sigma[keep] if sigma.ndim == 1 else sigma[np.ix_(keep, keep)] if sigma.ndim == 2 else sigma
    return xdata[..., keep], ydata[keep], sigma


def whitening(sigma: Any, m: int) -> Callable[[np.ndarray], np.ndarray]:
    """The map ``r -> L^{-1} r`` that turns data errors of covariance ``L L^T`` into unit ones."""
    if sigma is None:
        return lambda r: r
    sigma = np.asarray(sigma)
    if sigma.size == 1 or sigma.shape == (m,):
        weight = 1.0 / sigma                                        # (11.3)
        if weight.ndim == 0:
            return lambda r: weight * r
        return lambda r: weight * r if r.ndim == 1 else weight[:, np.newaxis] * r
    if sigma.shape == (m, m):
        try:
            L = np.linalg.cholesky(sigma)                             # C = L L^T, (11.2)
        except np.linalg.LinAlgError as e:
            raise ValueError("`sigma` must be positive definite.") from e
        return lambda r: np.linalg.solve(L, r)
    raise ValueError("`sigma` has incorrect shape.")


def first_call_remembered(fun: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    """``fun``, answering a call at the point of the previous call from memory.

    The solvers evaluate the starting point twice (a shape check, then the first iteration);
    a model that is expensive, or that counts its calls, sees it once.
    """
    last: dict[str, Any] = {}

    def remembered(p):
        p = np.array(p)   # a copy, of any dtype (complex steps pass through here)
        if "p" in last and last["p"].shape == p.shape and np.array_equal(last["p"], p):
            return last["value"].copy()
        value = np.asarray(fun(p))
        last.update(p=p, value=value)
        return value.copy()

    return remembered


def fit_by_leastsq(residuals: Callable, p0: np.ndarray, jac: Any, n: int, m: int, kwargs: dict) -> tuple:
    from .leastsq import leastsq

    if m != 1 and n > m:   # one data point may be broadcast against the model
        raise TypeError(f"The number of func parameters={n} must not exceed the number of data points={m}")
    popt, cov_x, infodict, mesg, ier = leastsq(residuals, p0, Dfun=jac, full_output=True, **kwargs)
    if ier not in (1, 2, 3, 4):
        raise RuntimeError("Optimal parameters not found: " + mesg)
    return popt, cov_x, infodict, mesg, ier


def fit_by_least_squares(residuals: Callable, p0: np.ndarray, jac: Any, bounds: Any, method: str,
                         kwargs: dict) -> tuple:
    from . import least_squares

    kwargs = dict(kwargs)
    if "max_nfev" not in kwargs:
        kwargs["max_nfev"] = kwargs.pop("maxfev", None)   # leastsq's name for the budget
    res = least_squares(residuals, p0, jac=jac, bounds=bounds, method=method, **kwargs)
    if not res.success:
        raise RuntimeError("Optimal parameters not found: " + res.message)
    return res.x, gauss_newton_covariance(res.jac), dict(nfev=res.nfev, fvec=res.fun), res.message, res.status


def gauss_newton_covariance(J: np.ndarray) -> np.ndarray:
    """``(J^T J)^+`` (11.4) from the SVD of ``J``, singular values below rounding level dropped."""
    _, s, VT = np.linalg.svd(J, full_matrices=False)
    kept = s > np.finfo(float).eps * max(J.shape) * s[0]
    VT = VT[kept]
    return (VT.T / s[kept] ** 2) @ VT


def scaled_covariance(pcov: np.ndarray | None, fvec: np.ndarray, n: int, absolute_sigma: bool):
    """``pcov`` as returned (11.4)-(11.5), and whether it could be estimated.

    Relative ``sigma``: the errors' scale is estimated from the residuals, ``s^2 = ||r||^2 /
    (m - n)``; that needs more points than parameters. Without a covariance (a singular
    ``J``), every entry is inf.
    """
    if pcov is None or np.isnan(pcov).any():
        return np.full((n, n), np.inf), False
    if absolute_sigma:
        return pcov, True
    m = len(fvec)
    if m > n:
        return pcov * (np.sum(fvec ** 2) / (m - n)), True              # (11.5)
    return np.full_like(pcov, np.inf), False
