"""The objective as the minimizers see it: counted, cached at the last point, with a gradient.

A gradient-based minimizer asks for ``f(x)`` and ``g(x)``, often at the same point one after
the other (a line search evaluates both at every trial step). :class:`ScalarObjective` keeps
the last point with its value and gradient, so a repeated request costs nothing, and counts
what was really computed, exactly as scipy's ``ScalarFunction`` does:

* ``nfev`` counts calls of the user's ``fun``, *including* the calls a finite-difference
  gradient makes;
* ``ngev`` (reported as ``njev``) counts gradient computations, analytic or finite-difference;
* both are evaluated once at ``x0`` on construction;
* "the same point" means ``np.array_equal(x, last_x)``.

Three ways to get the gradient, chosen as scipy's ``_prepare_scalar_function`` chooses:
a callable; one of ``'2-point'``, ``'3-point'``, ``'cs'`` (a *relative* step, optionally
``finite_diff_rel_step``); or ``None``, meaning forward differences with the *absolute* step
``epsilon`` (scipy's ``eps`` option). Finite differences come from
:func:`refopt.differentiation.approx_derivative`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._warnings import OptimizeWarning, warn_user

FD_METHODS = ("2-point", "3-point", "cs")


class FunctionAndGradient:
    """Split a ``fun`` that returns ``(f, g)`` into a value function and its ``derivative``.

    This is what ``jac=True`` means. Both halves share one call per point: the pair is kept
    until a different ``x`` arrives (scipy's ``MemoizeJac``).
    """

    def __init__(self, fun: Callable[..., Any]):
        self.fun = fun
        self.x: np.ndarray | None = None
        self._value: Any = None
        self._grad: Any = None

    def _evaluate_if_needed(self, x: np.ndarray, *args: Any) -> None:
        if self._value is None or self._grad is None or not np.all(x == self.x):
            self.x = np.asarray(x).copy()
            value_and_grad = self.fun(x, *args)
            self._grad = value_and_grad[1]
            self._value = value_and_grad[0]

    def __call__(self, x: np.ndarray, *args: Any) -> Any:
        self._evaluate_if_needed(x, *args)
        return self._value

    def derivative(self, x: np.ndarray, *args: Any) -> Any:
        self._evaluate_if_needed(x, *args)
        return self._grad


def as_scalar(value: Any) -> Any:
    """The user's objective value as a scalar; a one-element array is accepted."""
    if np.isscalar(value) and not isinstance(value, (str, bytes)):
        return value
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError("The user-provided objective function must return a scalar value, "
                        f"not {type(value).__name__}.")
    try:
        return np.asarray(value).item()
    except (TypeError, ValueError) as exc:
        raise ValueError("The user-provided objective function must return a scalar "
                         "value.") from exc


class ScalarObjective:
    """``f`` and ``grad f`` with evaluation counting and last-point caching.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        The first point; ``f`` and the gradient are evaluated there at once.
    args : tuple
        Extra arguments for ``fun`` and ``jac``.
    jac : callable, {'2-point', '3-point', 'cs'} or None
        The gradient, or how to estimate it (see the module docstring).
    epsilon : float or array_like, optional
        Absolute finite-difference step used when ``jac`` is None.
    finite_diff_rel_step : float or array_like, optional
        Relative step used when ``jac`` is one of the finite-difference names.
    bounds : tuple of array_like, optional
        ``(lb, ub)`` that finite-difference steps must respect.
    """

    def __init__(self, fun: Callable[..., Any], x0: Any, args: tuple = (),
                 jac: Any = None, epsilon: Any = None, finite_diff_rel_step: Any = None,
                 bounds: tuple = (-np.inf, np.inf)):
        self._fun = fun
        self._args = tuple(args)
        self._jac = jac
        if callable(jac):
            self._fd_options = None
        elif jac in FD_METHODS:  # relative step: epsilon plays no part
            self._fd_options = dict(method=jac, rel_step=finite_diff_rel_step,
                                    abs_step=None, bounds=bounds)
        else:  # None: forward differences with the absolute step epsilon
            self._fd_options = dict(method="2-point", rel_step=finite_diff_rel_step,
                                    abs_step=epsilon, bounds=bounds)
        x = np.atleast_1d(np.asarray(x0))
        self.x_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(float)
        self.n = x.size
        self.nfev = 0  # calls of the user's fun, finite-difference calls included
        self.ngev = 0  # gradients computed
        self._set_point(x)
        self._update_fun()
        self._update_grad()

    @property
    def njev(self) -> int:
        """Gradient computations (scipy's ``njev`` for minimize)."""
        return self.ngev

    def _set_point(self, x: Any) -> None:
        self.x = np.atleast_1d(np.asarray(x)).astype(self.x_dtype)  # a copy, never a view
        self.f_updated = False
        self.g_updated = False

    def _call_fun(self, x: np.ndarray) -> Any:
        value = as_scalar(self._fun(np.copy(x), *self._args))
        self.nfev += 1
        return value

    def _update_fun(self) -> None:
        if not self.f_updated:
            self.f = self._call_fun(self.x)
            self.f_updated = True

    def _update_grad(self) -> None:
        if self.g_updated:
            return
        if self._fd_options is None:
            g = np.atleast_1d(self._jac(np.copy(self.x), *self._args))
        else:
            self._update_fun()  # the differences start from f(x)
            g = self._difference_gradient()
        if g.dtype == object:
            raise TypeError("The gradient (`jac`) must return an array of numbers.")
        if g.shape != (self.n,):
            raise ValueError(f"The gradient (`jac`) must have shape ({self.n},); got an array "
                             f"of shape {g.shape}.")
        self.ngev += 1
        self.g = g
        self.g_updated = True

    def _difference_gradient(self) -> np.ndarray:
        from refopt.differentiation import approx_derivative

        if not np.all(np.isfinite(self.x)):  # no differences at a non-finite point: NaN
            return np.full(self.n, np.nan)
        return np.atleast_1d(approx_derivative(self._call_fun, self.x, f0=self.f,
                                               **self._fd_options))

    def fun(self, x: Any) -> Any:
        """``f(x)``, computed only if ``x`` differs from the last point."""
        if not np.array_equal(x, self.x):
            self._set_point(x)
        self._update_fun()
        return self.f

    def grad(self, x: Any) -> np.ndarray:
        """The gradient at ``x``, computed only if not yet known there."""
        if not np.array_equal(x, self.x):
            self._set_point(x)
        self._update_grad()
        return self.g

    def fun_and_grad(self, x: Any) -> tuple[Any, np.ndarray]:
        """``(f(x), grad f(x))``, sharing the cache of :meth:`fun` and :meth:`grad`."""
        if not np.array_equal(x, self.x):
            self._set_point(x)
        self._update_fun()
        self._update_grad()
        return self.f, self.g


# ------------------------------------------------------------------------------------------
# What the minimizers share: the p-norm, the status messages, the unknown-option warning
# ------------------------------------------------------------------------------------------

EPSILON = float(np.sqrt(np.finfo(float).eps))  # default absolute finite-difference step

# scipy's standard messages (``_optimize._status_message``)
STATUS_MESSAGES = {
    "success": "Optimization terminated successfully.",
    "maxfev": "Maximum number of function evaluations has been exceeded.",
    "maxiter": "Maximum number of iterations has been exceeded.",
    "pr_loss": "Desired error not necessarily achieved due to precision loss.",
    "nan": "NaN result encountered.",
    "out_of_bounds": "The result is outside of the provided bounds.",
}

# status codes of the gradient methods (BFGS, CG)
GRADIENT_STATUS = {0: "success", 1: "maxiter", 2: "pr_loss", 3: "nan"}


def vecnorm(x: np.ndarray, ord: float = 2) -> Any:
    """``(sum |x_i|^ord)^(1/ord)``; ``ord=inf`` gives the largest ``|x_i|``, ``-inf`` the
    smallest."""
    if ord == np.inf:
        return np.amax(np.abs(x))
    if ord == -np.inf:
        return np.amin(np.abs(x))
    return np.sum(np.abs(x) ** ord, axis=0) ** (1.0 / ord)


def gradient_status(warnflag: int, k: int, maxiter: int, gnorm: Any, fval: Any,
                    x: np.ndarray) -> int:
    """The final status of BFGS/CG, tested in scipy's order: line-search failure (2), the
    iteration limit (1), a NaN (3), else success (0)."""
    if warnflag == 2:
        return 2
    if k >= maxiter:
        return 1
    if np.isnan(gnorm) or np.isnan(fval) or np.isnan(x).any():
        return 3
    return 0


def print_summary(status: int, message: str, fval: Any, nit: int, nfev: int,
                  ngev: int | None = None, warning: type = OptimizeWarning) -> None:
    """``disp=True`` output: the message (a ``warning`` when the run failed) and the counts;
    gradient evaluations only where the method makes them (``ngev`` given)."""
    if status == 0:
        print(message)
    else:
        warn_user(message, warning)
    print(f"         Current function value: {fval:f}")
    print(f"         Iterations: {nit:d}")
    print(f"         Function evaluations: {nfev:d}")
    if ngev is not None:
        print(f"         Gradient evaluations: {ngev:d}")


def warn_unknown_options(unknown_options: dict) -> None:
    """Warn (``OptimizeWarning``) about options the method does not know; they are ignored."""
    if unknown_options:
        names = ", ".join(map(str, unknown_options))
        warn_user(f"Unknown solver options: {names}", OptimizeWarning)


# Derivative-free methods (Nelder-Mead, Powell) count plain function calls.
class MaxFevReached(Exception):
    """Raised instead of an evaluation that would exceed ``maxfev``."""


class CountedObjective:
    """``x -> float(fun(copy of x, *args))`` that counts its calls and enforces ``maxfev``.

    The user gets a copy of ``x`` (so keeping a reference to it is harmless), and a
    one-element array is accepted as a scalar value, as scipy does.
    """

    def __init__(self, fun: Callable[..., Any], args: tuple, maxfev: float):
        self.fun, self.args, self.maxfev = fun, args, maxfev
        self.nfev = 0

    def __call__(self, x: np.ndarray) -> float:
        if self.nfev >= self.maxfev:
            raise MaxFevReached
        self.nfev += 1
        value = self.fun(np.copy(x), *self.args)
        if not np.isscalar(value):
            try:
                value = np.asarray(value).item()
            except (TypeError, ValueError) as exc:
                raise ValueError("The user-provided objective function "
                                 "must return a scalar value.") from exc
        return value


def iteration_limits(maxiter: float | None, maxfev: float | None, n: int,
                     per_variable: int) -> tuple[float, float]:
    """scipy's defaults: both None -> ``per_variable * n`` each; one None -> unlimited,
    unless the other is itself infinite (then the default, so the run ends)."""
    default = n * per_variable
    if maxiter is None and maxfev is None:
        return default, default
    if maxiter is None:
        return (default if maxfev == np.inf else np.inf), maxfev
    if maxfev is None:
        return maxiter, (default if maxiter == np.inf else np.inf)
    return maxiter, maxfev
