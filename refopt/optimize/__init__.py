"""``minimize``: one front end for the scalar minimizers, as ``scipy.optimize.minimize`` (scipy 1.17).

The front end does what every method would otherwise repeat, in scipy's order:

1. ``x0`` made a float vector (``'x0' must only have one dimension.``); ``args`` made a tuple;
2. the default method: SLSQP with constraints, else L-BFGS-B with bounds, else BFGS;
3. RuntimeWarnings for what the chosen method ignores (``jac``, ``hess``, ``hessp``, bounds,
   constraints, ``return_all``);
4. ``jac``: a callable is used as is; ``True`` means ``fun`` returns ``(f, g)``; the names
   ``'2-point'``, ``'3-point'``, ``'cs'`` ask gradient methods for finite differences with a
   *relative* step; anything else (``None``, ``False``) means forward differences with the
   method's *absolute* step ``eps``;
5. ``tol`` becomes the method's own tolerance options (only where not given);
6. a callable ``method`` is called with everything, unvalidated;
7. bounds, given as ``(min, max)`` pairs (``None`` = unbounded) or as a ``Bounds``-like object
   with ``lb`` and ``ub``, are checked and broadcast to ``x0``'s length;
8. the callback, in either form (``callback(xk)`` or ``callback(intermediate_result)``), is
   wrapped once; ``StopIteration`` raised in it ends the run with status 99;
9. ``hess`` and ``hessp`` for the methods that use them (Newton-CG here): a callable, a
   finite-difference scheme of the gradient or a :class:`HessianUpdateStrategy` (``BFGS``,
   ``SR1``); a strategy or a scheme given to a method that needs the Hessian matrix itself
   is an error, and both ``hess`` and ``hessp`` at once earn a warning naming the one used;
10. dispatch to one module per method (``bfgs.py``, ``cg.py``, ``nelder_mead.py``,
    ``powell.py``, ``newton_cg.py`` ...). Methods scipy has that refopt does not (yet) raise
    ``NotImplementedError``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .._warnings import OptimizeWarning, warn_user
from ._fixed import REMOVES_FIXED, remove_fixed
from ._objective import is_update_strategy
from .anneal import anneal  # simulated annealing: a function of its own, as scipy 0.14 had it
from .hessian_update import BFGS, SR1, HessianUpdateStrategy


__all__ = ["minimize", "OptimizeWarning", "anneal", "HessianUpdateStrategy", "BFGS", "SR1"]

FD_METHODS = ("2-point", "3-point", "cs")

# method name (lower case) -> (module, function); each takes (fun, x0, args, ...) as listed
# in _call_solver below.
_SOLVERS = {
    "nelder-mead": ("refopt.optimize.nelder_mead", "minimize_neldermead"),
    "powell": ("refopt.optimize.powell", "minimize_powell"),
    "cg": ("refopt.optimize.cg", "minimize_cg"),
    "bfgs": ("refopt.optimize.bfgs", "minimize_bfgs"),
    "l-bfgs-b": ("refopt.optimize.lbfgsb", "minimize_lbfgsb"),
    "slsqp": ("refopt.optimize.slsqp", "minimize_slsqp"),
    "newton-cg": ("refopt.optimize.newton_cg", "minimize_newtoncg"),
    "dogleg": ("refopt.optimize.dogleg", "minimize_dogleg"),
    "trust-ncg": ("refopt.optimize.trust_ncg", "minimize_trust_ncg"),
    "trust-exact": ("refopt.optimize.trust_exact", "minimize_trust_exact"),
    "trust-krylov": ("refopt.optimize.trust_krylov", "minimize_trust_krylov"),
}

# scipy's other methods: known names, not written in refopt
_NOT_WRITTEN = ("tnc", "cobyla", "cobyqa", "trust-constr")

_CANONICAL = {"nelder-mead": "Nelder-Mead", "powell": "Powell", "cg": "CG", "bfgs": "BFGS",
              "l-bfgs-b": "L-BFGS-B", "slsqp": "SLSQP", "newton-cg": "Newton-CG",
              "dogleg": "dogleg", "trust-ncg": "trust-ncg", "trust-exact": "trust-exact",
              "trust-krylov": "trust-krylov"}

# which methods use what (scipy's tables in _minimize.py)
_NO_GRADIENT = ("nelder-mead", "powell", "cobyla", "cobyqa")
_USE_HESS = ("newton-cg", "dogleg", "trust-ncg", "trust-constr", "trust-krylov",
             "trust-exact", "_custom")
_USE_HESSP = ("newton-cg", "trust-ncg", "trust-constr", "trust-krylov", "_custom")
_USE_CONSTRAINTS = ("cobyla", "cobyqa", "slsqp", "trust-constr", "_custom")
_USE_BOUNDS = ("nelder-mead", "powell", "l-bfgs-b", "cobyla", "cobyqa", "slsqp", "tnc",
               "trust-constr", "_custom")
_NO_RETURN_ALL = ("l-bfgs-b", "tnc", "cobyla", "cobyqa", "slsqp")
_FD_GRADIENT = ("trust-constr", "bfgs", "cg", "l-bfgs-b", "tnc", "slsqp")
# methods that need the Hessian matrix from a callable, with scipy's message when it is not
_NEED_HESS_MATRIX = {"dogleg": "Hessian is required for dogleg minimization",
                     "trust-exact": "Hessian matrix is required for trust region exact "
                                    "minimization."}


def _has_constraints(constraints: Any) -> bool:
    if constraints is None:
        return False
    if isinstance(constraints, (list, tuple)):
        return len(constraints) > 0
    return bool(constraints) if isinstance(constraints, dict) else True


def _as_start_point(x0: Any) -> np.ndarray:
    """``x0`` as a new 1-D array (integers become floats); the user's array is never kept."""
    x0 = np.atleast_1d(np.array(x0))
    if x0.ndim != 1:
        raise ValueError("'x0' must only have one dimension.")
    if x0.size == 0:
        raise ValueError("'x0' must have at least one element.")
    if x0.dtype.kind in np.typecodes["AllInteger"]:
        x0 = x0.astype(float)
    return x0


def _choose_method(method: Any, bounds: Any, constraints: Any) -> Any:
    if method is None:
        if _has_constraints(constraints):
            return "SLSQP"
        return "L-BFGS-B" if bounds is not None else "BFGS"
    if not callable(method) and not isinstance(method, str):
        raise TypeError(f"`method` must be a string or a callable, not {type(method).__name__}.")
    return method


def _warn_unused(meth: str, method: Any, jac: Any, hess: Any, hessp: Any, bounds: Any,
                 constraints: Any, options: dict) -> None:
    """RuntimeWarnings for arguments the method will ignore (scipy's texts)."""
    def warn(text: str) -> None:
        warn_user(f"Method {method} {text}", RuntimeWarning)

    if meth in _NO_GRADIENT and bool(jac):
        warn("does not use gradient information (jac).")
    if meth not in _USE_HESS and hess is not None:
        warn("does not use Hessian information (hess).")
    if meth not in _USE_HESSP and hessp is not None:
        warn("does not use Hessian-vector product information (hessp).")
    if meth not in _USE_CONSTRAINTS and _has_constraints(constraints):
        warn("cannot handle constraints.")
    if meth not in _USE_BOUNDS and bounds is not None:
        warn("cannot handle bounds.")
    if meth in _NO_RETURN_ALL and options.get("return_all", False):
        warn("does not support the return_all option.")


def _check_hessian(meth: str, method: Any, jac: Any, hess: Any, hessp: Any) -> None:
    """``hess`` and ``hessp`` against what the method can do with them (before any work)."""
    if meth in _NEED_HESS_MATRIX and jac is not None and hess is not None \
            and not callable(hess):
        kind = "a HessianUpdateStrategy" if is_update_strategy(hess) else repr(hess)
        raise ValueError(f"{_NEED_HESS_MATRIX[meth]}: method {method} needs `hess` as a "
                         f"callable returning the Hessian matrix, not {kind}.")
    if meth in ("newton-cg", "trust-ncg", "trust-krylov") and hess is not None \
            and hessp is not None:
        # scipy's choice, silently: Newton-CG always takes hess; the trust-region loop
        # takes a callable hess, else hessp
        used = "hess" if meth == "newton-cg" or callable(hess) else "hessp"
        ignored = "hessp" if used == "hess" else "hess"
        warn_user(f"Method {method} was given both `hess` and `hessp`; it uses `{used}` "
                  f"and ignores `{ignored}`.", RuntimeWarning)


def _gradient(fun: Callable, jac: Any, meth: str) -> tuple[Callable, Any]:
    """``(fun, jac)`` as the solvers take them (step 4 of the module docstring)."""
    if callable(jac):
        return fun, jac
    if jac is True:
        from ._objective import FunctionAndGradient

        fun = FunctionAndGradient(fun)
        return fun, fun.derivative
    if isinstance(jac, str) and jac in FD_METHODS and meth in _FD_GRADIENT:
        return fun, jac
    if meth == "trust-constr":
        return fun, "2-point"
    return fun, None


def _tolerance_options(meth: str, tol: Any, options: dict) -> dict:
    """Map ``tol`` onto each method's own options, never overriding an explicit one."""
    if tol is None:
        return options
    options = dict(options)
    names = {
        "nelder-mead": ("xatol", "fatol"),
        "powell": ("xtol", "ftol"),
        "newton-cg": ("xtol",),
        "tnc": ("xtol", "ftol", "gtol"),
        "l-bfgs-b": ("ftol", "gtol"),
        "slsqp": ("ftol",),
        "bfgs": ("gtol",), "cg": ("gtol",), "dogleg": ("gtol",), "trust-ncg": ("gtol",),
        "trust-exact": ("gtol",), "trust-krylov": ("gtol",),
        "cobyla": ("tol",), "_custom": ("tol",),
        "cobyqa": ("final_tr_radius",),
        "trust-constr": ("xtol", "gtol", "barrier_tol"),
    }
    for name in names.get(meth, ()):
        options.setdefault(name, tol)
    return options


def _bound_value(value: Any, missing: float) -> float:
    if value is None:
        return missing
    return float(np.asarray(value).item()) if np.ndim(value) else float(value)


def standardize_bounds(bounds: Any, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(lb, ub)`` as float arrays of ``x0``'s length, from pairs or a ``Bounds``-like object.

    Raises
    ------
    ValueError
        "An upper bound is less than the corresponding lower bound." or "The number of bounds
        is not compatible with the length of `x0`." (scipy's texts).
    """
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lb = np.atleast_1d(np.asarray(bounds.lb, dtype=float))
        ub = np.atleast_1d(np.asarray(bounds.ub, dtype=float))
    else:
        try:
            pairs = [tuple(pair) for pair in bounds]
        except TypeError as exc:
            raise ValueError("`bounds` must be a sequence of (min, max) pairs or a Bounds "
                             "object.") from exc
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("Each entry of `bounds` must be a (min, max) pair.")
        lb = np.array([_bound_value(low, -np.inf) for low, _ in pairs])
        ub = np.array([_bound_value(high, np.inf) for _, high in pairs])
    try:
        lb, ub = np.broadcast_arrays(lb, ub)
    except ValueError as exc:
        raise ValueError("The number of bounds is not compatible with the length of "
                         "`x0`.") from exc
    if np.any(ub < lb):
        raise ValueError("An upper bound is less than the corresponding lower bound.")
    try:
        lb = np.array(np.broadcast_to(lb, x0.shape), dtype=float)
        ub = np.array(np.broadcast_to(ub, x0.shape), dtype=float)
    except ValueError as exc:
        raise ValueError("The number of bounds is not compatible with the length of "
                         "`x0`.") from exc
    return lb, ub


class _StopRecorder:
    """Wraps the wrapped callback to remember that the user raised StopIteration."""

    def __init__(self, callback: Callable):
        self.callback = callback
        self.stop_iteration = False

    def __call__(self, result: Any) -> Any:
        try:
            return self.callback(result)
        except StopIteration:
            self.stop_iteration = True
            raise


def _solver(meth: str, method: Any) -> Callable:
    if meth in _SOLVERS:
        module, name = _SOLVERS[meth]
        try:
            return getattr(importlib.import_module(module), name)
        except ModuleNotFoundError as exc:  # the method's module is not written yet
            if exc.name != module:
                raise
    elif meth not in _NOT_WRITTEN:
        raise ValueError(f"Unknown solver {method}")
    raise NotImplementedError(
        f"Method {method!r} is not implemented in refopt; available methods: "
        f"{', '.join(available_methods())} (or pass a callable `method`).")


def available_methods() -> list[str]:
    """The method names ``minimize`` can run now (their modules import)."""
    names = []
    for meth, (module, _name) in _SOLVERS.items():
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        names.append(_CANONICAL[meth])
    return names


def minimize(fun: Callable, x0: Any, args: Any = (), method: Any = None, jac: Any = None,
             hess: Any = None, hessp: Any = None, bounds: Any = None, constraints: Any = (),
             tol: float | None = None, callback: Callable | None = None,
             options: dict | None = None) -> Any:
    """Minimize a scalar function of one or more variables (as ``scipy.optimize.minimize``).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float`` with ``x`` of shape (n,).
    x0 : array_like, shape (n,)
        Starting point.
    args : tuple, optional
        Extra arguments for ``fun`` and its derivatives (a single value is wrapped in a tuple).
    method : str or callable, optional
        'BFGS', 'CG', 'Nelder-Mead', 'Powell', 'L-BFGS-B', 'SLSQP' or 'Newton-CG' (case does
        not matter), or a callable ``method(fun, x0, args, **kwargs, **options)``. Default:
        BFGS (L-BFGS-B with bounds, SLSQP with constraints).
    jac : callable, bool or {'2-point', '3-point', 'cs'}, optional
        The gradient ``jac(x, *args)``; True if ``fun`` returns ``(f, g)``; a finite-difference
        scheme (relative step); None for forward differences with the absolute step ``eps``.
    hess : callable, {'2-point', '3-point', 'cs'} or HessianUpdateStrategy, optional
        The Hessian ``hess(x, *args)`` (an (n, n) array, a sparse matrix or a linear
        operator), finite differences of the gradient, or a quasi-Newton approximation
        (:class:`BFGS`, :class:`SR1`), for Newton-CG and the trust-region methods
        ('dogleg' and 'trust-exact' need a callable).
    hessp : callable, optional
        ``hessp(x, p, *args)``, the Hessian at ``x`` times a vector ``p`` (Newton-CG,
        'trust-ncg' and 'trust-krylov'; ignored when ``hess`` is given).
    bounds : sequence of (min, max) pairs or Bounds, optional
        Box bounds, for the methods that handle them (Nelder-Mead, Powell).
    constraints : dict or sequence of dict, optional
        Constraints (no refopt method handles them yet).
    tol : float, optional
        Termination tolerance, mapped to the method's own options.
    callback : callable, optional
        ``callback(xk)`` or ``callback(intermediate_result)``, called after each iteration.
        Raising ``StopIteration`` ends the run (status 99); the return value is ignored.
    options : dict, optional
        Method options such as ``maxiter``, ``disp``, ``gtol``; unknown ones are warned about.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``nit``, ``nfev``, ``status``, ``success``, ``message`` and the
        method's other fields (``jac``, ``njev``, ``hess_inv`` for BFGS ...).

    Raises
    ------
    ValueError
        For an ``x0`` that is not 1-D, invalid bounds, an unknown method, ``c1``/``c2`` out of
        order, a ``hess_inv0`` that is not positive definite, or a gradient of the wrong shape.
    NotImplementedError
        For a scipy method that refopt does not have.
    """
    x0 = _as_start_point(x0)
    if not isinstance(args, tuple):
        args = (args,)
    method = _choose_method(method, bounds, constraints)
    meth = "_custom" if callable(method) else method.lower()
    options = {} if options is None else dict(options)

    _warn_unused(meth, method, jac, hess, hessp, bounds, constraints, options)
    fun, jac = _gradient(fun, jac, meth)
    _check_hessian(meth, method, jac, hess, hessp)
    options = _tolerance_options(meth, tol, options)

    if meth == "_custom":  # the user's method gets everything as given
        return method(fun, x0, args=args, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                      constraints=constraints, callback=callback, **options)

    if bounds is not None:
        bounds = standardize_bounds(bounds, x0)
    solver = _solver(meth, method)

    from .._callback import wrap_callback

    wrapped = wrap_callback(callback)
    free = None  # variables fixed by lb == ub are taken out, as scipy does (see _fixed.py)
    if bounds is not None and meth in REMOVES_FIXED:
        reduced = remove_fixed(meth, fun, x0, args, jac, bounds, constraints)
        if isinstance(reduced, dict):  # every variable fixed: nothing to run
            return reduced
        if reduced is not None:
            free, fun, x0, jac, bounds, constraints = reduced
            wrapped = free.callback(wrapped)
    recorder = None if wrapped is None else _StopRecorder(wrapped)
    result = _call_solver(meth, solver, fun, x0, args, jac, recorder, bounds, options,
                          constraints, hess, hessp)
    if free is not None:
        free.restore(result)
    if recorder is not None and recorder.stop_iteration:
        result["success"] = False
        result["status"] = 99
        result["message"] = "`callback` raised `StopIteration`."
    return result


def _call_solver(meth: str, solver: Callable, fun: Callable, x0: np.ndarray, args: tuple,
                 jac: Any, callback: Any, bounds: Any, options: dict,
                 constraints: Any = (), hess: Any = None, hessp: Any = None) -> Any:
    """Each method's calling convention (the dispatch contract)."""
    if meth in ("dogleg", "trust-exact"):
        return solver(fun, x0, args, jac, hess, callback, **options)
    if meth in ("newton-cg", "trust-ncg", "trust-krylov"):
        return solver(fun, x0, args, jac, hess, hessp, callback, **options)
    if meth in ("nelder-mead", "powell"):
        return solver(fun, x0, args, callback, bounds=bounds, **options)
    if meth == "l-bfgs-b":
        return solver(fun, x0, args, jac, callback, bounds=bounds, **options)
    if meth == "slsqp":
        return solver(fun, x0, args, jac, callback, bounds=bounds, constraints=constraints,
                      **options)
    return solver(fun, x0, args, jac, callback, **options)
