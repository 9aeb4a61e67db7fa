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

The second derivative, for the Newton and trust-region methods, is ``hess`` (as scipy's
``ScalarFunction``) and ``hessp`` (which scipy's methods wrap themselves):

* ``hess`` callable: ``hess(x, *args)`` returns an (n, n) array, a sparse matrix or a linear
  operator; it is evaluated at ``x0`` on construction and then once per new point asked
  for; ``nhev`` counts these calls;
* ``hess`` one of ``'2-point'``, ``'3-point'``, ``'cs'``: a linear operator whose product
  ``H p`` is one difference of the gradient along ``p`` (two for '3-point'), with the
  relative step as the step length; each product costs gradient evaluations, counted in
  ``ngev`` (not ``nhev``), and does not move the cached point;
* ``hess`` a :class:`~refopt.optimize.hessian_update.HessianUpdateStrategy`: a *copy* of it
  (the user's object is left alone) is initialised as ``'hess'`` and updated every time the
  point moves, from the step and the change of gradient since the last point; so every point
  visited gets its gradient computed, as in scipy;
* ``hessp`` callable: ``hessp(x, p, *args)``, counted in ``nhessp``; without it,
  :meth:`ScalarObjective.hessp` multiplies ``hess(x)`` by ``p`` (also counted in ``nhessp``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from .._warnings import OptimizeWarning, warn_user

FD_METHODS = ("2-point", "3-point", "cs")
HESS_FORMS = "either callable, HessianUpdateStrategy or one of ('2-point', '3-point', 'cs')"


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


def is_update_strategy(hess: Any) -> bool:
    """True for a HessianUpdateStrategy (by class, or by its four methods: duck typing)."""
    from .hessian_update import HessianUpdateStrategy

    if isinstance(hess, HessianUpdateStrategy):
        return True
    return all(callable(getattr(hess, name, None))
               for name in ("initialize", "update", "dot", "get_matrix"))


def check_hess_form(hess: Any, jac: Any) -> None:
    """scipy's ``ScalarFunction`` checks of ``hess`` (None means no Hessian)."""
    if hess is None:
        return
    if not (callable(hess) or (isinstance(hess, str) and hess in FD_METHODS)
            or is_update_strategy(hess)):
        raise ValueError(f"`hess` must be {HESS_FORMS}.")
    if isinstance(hess, str) and not callable(jac):
        raise ValueError("Whenever the gradient is estimated via finite-differences, we "
                         "require the Hessian to be estimated using one of the quasi-Newton "
                         "strategies.")


def is_linear_operator(H: Any) -> bool:
    """A matrix given by its products only (refopt's or scipy's LinearOperator)."""
    return hasattr(H, "matvec") and hasattr(H, "shape") and not hasattr(H, "tocsr")


def checked_hessian(H: Any, n: int) -> Any:
    """The user's Hessian as an (n, n) array, or their sparse matrix / linear operator."""
    if not (hasattr(H, "tocsr") or is_linear_operator(H)):
        H = np.atleast_2d(np.asarray(H))
        if H.dtype == object:
            raise TypeError("The Hessian (`hess`) must return an array of numbers.")
    if tuple(H.shape) != (n, n):
        raise ValueError(f"The Hessian (`hess`) must have shape ({n}, {n}); got "
                         f"{tuple(H.shape)}.")
    return H


def warn_if_not_symmetric(H: Any) -> None:
    """An OptimizeWarning when a dense Hessian is not symmetric beyond rounding: the Newton
    and trust-region methods use it as if it were (scipy says nothing)."""
    if not isinstance(H, np.ndarray) or not np.all(np.isfinite(H)):
        return
    asymmetry = np.max(np.abs(H - H.T), initial=0.0)
    if asymmetry > np.sqrt(np.finfo(float).eps) * max(1.0, np.max(np.abs(H), initial=0.0)):
        warn_user(f"The Hessian (`hess`) is not symmetric: max |H - H^T| = "
                  f"{asymmetry:.3g}; the method uses it as if it were.", OptimizeWarning)


class ScalarObjective:
    """``f``, ``grad f`` and the Hessian, with evaluation counting and last-point caching.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like, shape (n,)
        The first point; ``f``, the gradient and a callable Hessian are evaluated there at
        once.
    args : tuple
        Extra arguments for ``fun``, ``jac``, ``hess`` and ``hessp``.
    jac : callable, {'2-point', '3-point', 'cs'} or None
        The gradient, or how to estimate it (see the module docstring).
    epsilon : float or array_like, optional
        Absolute finite-difference step used when ``jac`` is None.
    finite_diff_rel_step : float or array_like, optional
        Relative step used when ``jac`` (or ``hess``) is one of the finite-difference names.
    bounds : tuple of array_like, optional
        ``(lb, ub)`` that finite-difference steps must respect.
    hess : callable, {'2-point', '3-point', 'cs'}, HessianUpdateStrategy or None, optional
        The Hessian, or how to estimate it (see the module docstring).
    hessp : callable, optional
        ``hessp(x, p, *args)``, the product of the Hessian at ``x`` with ``p``.

    Attributes
    ----------
    nfev, ngev, nhev, nhessp : int
        Calls of ``fun`` (finite differences included), gradients computed (analytic,
        differenced, or for the products of a differenced Hessian), calls of a callable
        ``hess``, and calls of :meth:`hessp`.
    """

    def __init__(self, fun: Callable[..., Any], x0: Any, args: tuple = (),
                 jac: Any = None, epsilon: Any = None, finite_diff_rel_step: Any = None,
                 bounds: tuple = (-np.inf, np.inf), hess: Any = None, hessp: Any = None):
        check_hess_form(hess, jac)
        self._fun = fun
        self._args = tuple(args)
        self._jac = jac
        self._hess = hess
        self._hessp = hessp
        self._rel_step = finite_diff_rel_step
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
        self.nhev = 0  # calls of a callable hess
        self.nhessp = 0  # Hessian-vector products asked for through hessp()
        self.strategy = None
        self.x = np.atleast_1d(np.asarray(x)).astype(self.x_dtype)  # a copy, never a view
        self.f_updated = self.g_updated = self.H_updated = False
        self._update_fun()
        self._update_grad()
        self._start_hessian()

    @property
    def njev(self) -> int:
        """Gradient computations (scipy's ``njev`` for minimize)."""
        return self.ngev

    def _start_hessian(self) -> None:
        """The Hessian at ``x0``: a callable is called, a strategy starts from ``I``."""
        if self._hess is None:
            return
        if is_update_strategy(self._hess):
            self.strategy = copy.deepcopy(self._hess)  # the user's object stays as given
            self.strategy.initialize(self.n, "hess")
            self.H = self.strategy
            self.H_updated = True
        else:
            self._update_hess()

    def _set_point(self, x: Any) -> None:
        if self.strategy is None:
            self._move_to(x)
            return
        # an update strategy learns from every move: gradients at both ends of the step
        self._update_grad()
        x_prev, g_prev = self.x, self.g
        self._move_to(x)
        self._update_grad()
        self.strategy.update(self.x - x_prev, self.g - g_prev)
        self.H_updated = True

    def _move_to(self, x: Any) -> None:
        self.x = np.atleast_1d(np.asarray(x)).astype(self.x_dtype)  # a copy, never a view
        self.f_updated = self.g_updated = self.H_updated = False

    def _call_fun(self, x: np.ndarray) -> Any:
        value = as_scalar(self._fun(np.copy(x), *self._args))
        self.nfev += 1
        return value

    def _call_grad(self, x: np.ndarray) -> np.ndarray:
        """The user's gradient at any ``x`` (complex too, for 'cs'), counted."""
        g = np.atleast_1d(self._jac(np.copy(x), *self._args))
        self.ngev += 1
        return g

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

    def _update_hess(self) -> None:
        if self.H_updated or self._hess is None:
            return
        if callable(self._hess):
            self.H = checked_hessian(self._hess(np.copy(self.x), *self._args), self.n)
            if self.nhev == 0:  # the first Hessian is checked for symmetry, once
                warn_if_not_symmetric(self.H)
            self.nhev += 1
        else:
            self._update_grad()
            self.H = self._difference_hessian()
        self.H_updated = True

    def _difference_hessian(self) -> Any:
        """``p -> H p`` by differences of the gradient along ``p`` from ``g(x)``."""
        from refopt.differentiation import approx_derivative

        return approx_derivative(self._call_grad, self.x, f0=self.g, method=self._hess,
                                 rel_step=self._rel_step, as_linear_operator=True)

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

    def hess(self, x: Any) -> Any:
        """The Hessian at ``x``: an (n, n) array, the user's sparse matrix or operator, a
        difference operator (``'2-point'``...) or the update strategy itself; all have
        ``.dot(p)``. None when there is no ``hess``."""
        if not np.array_equal(x, self.x):
            self._set_point(x)
        self._update_hess()
        return self.H if self._hess is not None else None

    def hessp(self, x: Any, p: np.ndarray) -> np.ndarray:
        """``H(x) p``: the user's ``hessp`` if given, else a product with :meth:`hess`;
        counted in ``nhessp`` either way."""
        self.nhessp += 1
        if self._hessp is not None:
            return np.asarray(self._hessp(np.copy(x), p, *self._args))
        return np.asarray(self.hess(x).dot(p))


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
                  ngev: int | None = None, warning: type = OptimizeWarning,
                  nhev: int | None = None) -> None:
    """``disp=True`` output: the message (a ``warning`` when the run failed) and the counts;
    gradient and Hessian evaluations only where the method makes them (``ngev``, ``nhev``
    given)."""
    if status == 0:
        print(message)
    else:
        warn_user(message, warning)
    print(f"         Current function value: {fval:f}")
    print(f"         Iterations: {nit:d}")
    print(f"         Function evaluations: {nfev:d}")
    if ngev is not None:
        print(f"         Gradient evaluations: {ngev:d}")
    if nhev is not None:
        print(f"         Hessian evaluations: {nhev:d}")


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
