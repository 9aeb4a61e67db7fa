"""Nonlinear least squares with bounds: the ``least_squares`` front end.

``least_squares`` minimises the cost

    F(x) = 1/2 * sum_i rho(f_i(x)**2)      subject to  lb <= x <= ub           (11.1)

for residuals ``f: R^n -> R^m`` and a loss ``rho`` (:mod:`refopt.lsq.losses`). This module
holds no algorithm of its own: it checks the arguments the way scipy's ``least_squares``
does (same checks, same order, same exception types and messages), turns the user's ``fun``
and ``jac`` into the two callables every solver expects, evaluates the residuals and the
Jacobian at ``x0``, and hands over to one of three solvers:

* ``'trf'``    trust-region reflective, Branch, Coleman & Li (1999): :mod:`refopt.lsq.trf`;
* ``'dogbox'`` rectangular trust regions, Voglis & Lagaris (2004): :mod:`refopt.lsq.dogbox`;
* ``'lm'``     MINPACK's Levenberg–Marquardt, Moré (1977): :mod:`refopt.lsq.lm`.

References
----------
M. A. Branch, T. F. Coleman and Y. Li, "A subspace, interior, and conjugate gradient method
for large-scale bound-constrained minimization problems", *SIAM J. Sci. Comput.* 21(1),
1–23, 1999.

C. Voglis and I. E. Lagaris, "A rectangular trust region dogleg approach for unconstrained
and bound constrained nonlinear optimization", WSEAS International Conference on Applied
Mathematics, Corfu, 2004.

J. J. Moré, "The Levenberg–Marquardt algorithm: implementation and theory", in *Numerical
Analysis*, ed. G. A. Watson, Lecture Notes in Mathematics 630, Springer, 1977, pp. 105–116.

Where refopt departs from scipy 1.17 (each with a test in ``tests/lsq/test_least_squares.py``):

* ``x_scale=None`` (the default) means ``'jac'`` for lm and ``1.0`` for trf and dogbox.
* ``callback`` works for all three methods; returning ``True`` or raising ``StopIteration``
  stops the run with status -2 (scipy stops only on ``StopIteration`` and ignores the
  callback for lm).
* ``max_nfev`` must be a positive integer: scipy's trf never stops for ``max_nfev=2.5``.
* ``f_scale`` must be a finite nonzero number with a robust loss (scipy divides by it
  unchecked and fails inside the SVD with ``f_scale=0``).
* ``jac_sparsity`` with a callable ``jac`` is an error (scipy silently ignores it).
* ``active_mask`` is always an integer array (scipy's unbounded trf returns floats).
* A ``Bounds`` object with scalar bounds applies them to every variable (scipy rejects it).
* Residuals are cast to float (an integer ``fun`` breaks scipy's robust losses), must be
  real, and must keep the shape they had at ``x0``.
* ``method='lm'`` is MINPACK's lmdif/lmder: its own forward differences for any ``jac``
  string (with a warning for '3-point' and 'cs'), and ``max_nfev`` counts the difference
  evaluations, as the scipy documentation before 1.16 describes.
* The residuals at ``x0`` are checked (one dimension, finite) before the Jacobian there is
  evaluated, so a 2-D ``fun`` gets least_squares' message also with finite differences.

* ``tr_options`` for ``tr_solver='lsmr'`` are checked against LSMR's keywords before the
  solver starts, with the ``TypeError`` Python raises for a bad keyword (scipy raises it at
  the first LSMR call, so never when no iteration is made).

``tr_solver='lsmr'`` works with every form of Jacobian (:mod:`refopt.linalg.lsmr`): dense,
sparse (``jac_sparsity`` with grouped differences, or a sparse ``jac``; a CSRMatrix of
:mod:`refopt.linalg.sparse`) and operators; :mod:`refopt.lsq.jacobian` handles the three.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import numpy as np

from .._bounds import make_strictly_feasible
from .._callback import wrap_callback
from .._result import OptimizeResult
from .dogbox import dogbox
from .lm import FROM_MINPACK_TO_COMMON, call_minpack, default_max_nfev
from .jacobian import Jacobian, check_workers, is_operator, map_of_workers
from .losses import LOSSES, construct_loss_function, cost
from .options import Options, Problem, Scaling
from .trf import trf
from .._warnings import warn_user

__all__ = ["least_squares", "TERMINATION_MESSAGES", "FROM_MINPACK_TO_COMMON"]

EPS = np.finfo(float).eps

METHODS = ("trf", "dogbox", "lm")
JAC_SCHEMES = ("2-point", "3-point", "cs")
TR_SOLVERS = (None, "exact", "lsmr")
#: The keyword arguments of :func:`refopt.linalg.lsmr.lsmr` that ``tr_options`` may set.
LSMR_KEYWORDS = ("damp", "atol", "btol", "conlim", "maxiter", "show", "x0")

#: The ``message`` of the result for each ``status``.
TERMINATION_MESSAGES = {
    -2: "Stopped because `callback` function raised `StopIteration` or returned `True`",
    -1: "Improper input parameters status returned from `leastsq`",
    0: "The maximum number of function evaluations is exceeded.",
    1: "`gtol` termination condition is satisfied.",
    2: "`ftol` termination condition is satisfied.",
    3: "`xtol` termination condition is satisfied.",
    4: "Both `ftol` and `xtol` termination conditions are satisfied.",
}

#: The solver behind each ``method``; each is called as ``solve(problem, options, scaling)``.
SOLVERS: dict[str, Callable[[Problem, Options, Scaling], OptimizeResult]] = {
    "trf": trf, "dogbox": dogbox, "lm": call_minpack}


def least_squares(fun: Callable, x0: Any, jac: str | Callable = "2-point",
                  bounds: Any = (-np.inf, np.inf), method: str = "trf",
                  ftol: float | None = 1e-8, xtol: float | None = 1e-8,
                  gtol: float | None = 1e-8, x_scale: Any = None, loss: str | Callable = "linear",
                  f_scale: float = 1.0, diff_step: Any = None, tr_solver: str | None = None,
                  tr_options: dict | None = None, jac_sparsity: Any = None,
                  max_nfev: int | None = None, verbose: int = 0, args: tuple = (),
                  kwargs: dict | None = None, callback: Callable | None = None,
                  workers: Any = None) -> OptimizeResult:
    """Solve a nonlinear least-squares problem with bounds on the variables.

    Finds a local minimum of ``F(x) = 0.5 * sum(rho(f_i(x)**2))`` subject to
    ``lb <= x <= ub``, for residuals ``f`` of ``n`` variables and a loss ``rho``.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args, **kwargs)`` with ``x`` an ndarray of shape (n,) (never a scalar),
        returning the residuals: a real 1-D array_like of shape (m,), or a scalar. Complex
        residuals must be written as real and imaginary parts.
    x0 : array_like of shape (n,) or float
        Initial guess. A float is an array of one element.
    jac : {'2-point', '3-point', 'cs', callable}, optional
        How to compute the Jacobian (m, n): a finite-difference scheme of
        :func:`refopt.approx_derivative`, or ``jac(x, *args, **kwargs)`` returning an
        array_like (``np.atleast_2d`` is applied), a sparse matrix (a
        :class:`refopt.linalg.sparse.CSRMatrix` or a scipy.sparse one, read by duck typing)
        or a linear operator (``shape``, ``matvec``, ``rmatvec``); the last two need
        ``tr_solver='lsmr'``. Method 'lm' always uses MINPACK's own forward differences
        when ``jac`` is a string.
    bounds : 2-tuple of array_like, or Bounds, optional
        Lower and upper bounds, each a scalar (the same bound for every variable) or of
        the shape of ``x0``; ``np.inf`` with the right sign disables a bound. An object
        with attributes ``lb`` and ``ub`` (such as :class:`refopt.Bounds`) is accepted too.
    method : {'trf', 'dogbox', 'lm'}, optional
        The algorithm (default 'trf'). 'lm' takes no bounds and needs ``m >= n``.
    ftol, xtol, gtol : float or None, optional
        Termination tolerances on the change of the cost, of ``x`` and on the gradient
        (default 1e-8). None or a value below machine epsilon disables the test; 'lm'
        needs all three above machine epsilon, the others at least one.
    x_scale : None, array_like or 'jac', optional
        Characteristic scale of each variable. None (default) means 'jac' for 'lm' and 1.0
        for 'trf' and 'dogbox'. 'jac' uses the inverse column norms of the Jacobian.
    loss : {'linear', 'soft_l1', 'huber', 'cauchy', 'arctan'} or callable, optional
        The loss ``rho`` (see :mod:`refopt.lsq.losses`). A callable takes ``z = (f /
        f_scale)**2`` and returns an array of shape (3, m): ``rho, rho', rho''``. 'lm'
        accepts only 'linear'.
    f_scale : float, optional
        Soft margin between inlier and outlier residuals (default 1.0):
        ``rho_(s) = f_scale**2 * rho(s / f_scale**2)``.
    diff_step : None or array_like, optional
        Relative finite-difference step; None picks the scheme's usual power of machine
        epsilon.
    tr_solver : {None, 'exact', 'lsmr'}, optional
        Trust-region subproblem solver for 'trf' and 'dogbox'. None means 'exact' for a
        dense Jacobian. 'exact' factorises the Jacobian (SVD, or ``lstsq`` for dogbox);
        'lsmr' needs only products with it (:func:`refopt.linalg.lsmr.lsmr`) and solves the
        subproblem in a two-dimensional subspace ('trf') or takes an LSMR Gauss–Newton step
        ('dogbox').
    tr_options : dict, optional
        Options for the subproblem solver: ignored by 'exact'; for 'lsmr' the keyword
        arguments of :func:`refopt.linalg.lsmr.lsmr` (``damp``, ``atol``, ``btol``,
        ``conlim``, ``maxiter``, ``show``, ``x0``) and, for 'trf', ``regularize`` (default
        True: add a Tikhonov term that depends on the trust radius). 'dogbox' warns about
        ``regularize`` and drops it.
    jac_sparsity : None, array_like or sparse matrix of shape (m, n), optional
        Sparsity structure of the Jacobian for finite differences: its zeros are known to
        be zero. The columns are grouped once (:func:`refopt.differentiation.group_columns`,
        default order 'smallest-last') and each Jacobian costs one evaluation per group
        ('2-point', 'cs') or two ('3-point'); it is held as a CSRMatrix and ``tr_solver``
        becomes 'lsmr'. Not for 'lm'; an error with a callable ``jac``.
    max_nfev : None or int, optional
        Maximum number of evaluations of ``fun``. None means ``100 * n`` for 'trf' and
        'dogbox' (finite-difference evaluations not counted), and for 'lm' ``100 * n``
        with a callable ``jac``, ``100 * n * (n + 1)`` otherwise (counting them).
    verbose : {0, 1, 2}, optional
        0 silent; 1 a termination report; 2 also one line per iteration ('trf', 'dogbox').
    args, kwargs : tuple and dict, optional
        Extra arguments passed to ``fun`` and ``jac``.
    callback : callable, optional
        Called after each iteration as ``callback(intermediate_result)`` when its only
        parameter is named ``intermediate_result`` (an :class:`OptimizeResult` with at least
        ``x``, ``fun``, ``cost``, ``nit``, ``nfev``), else as ``callback(x)``. Returning
        True or raising ``StopIteration`` stops the run (status -2).
    workers : None, int or map-like callable, optional
        How the finite-difference points are evaluated: ``workers(fun, points)`` gets all
        the points of one Jacobian in one call (``multiprocessing.Pool.map``, or a
        vectorised evaluation); an int starts a process pool of that size (-1: one process
        per core; ``fun`` must pickle). None (default) evaluates them in turn.

    Returns
    -------
    OptimizeResult
        ``x`` (solution), ``cost`` (F at x), ``fun`` (residuals at x), ``jac`` (the
        Jacobian at x after the robust-loss rescaling, of the kind ``jac`` returned: an
        array, a sparse matrix of the user's CSR class, a CSRMatrix with
        ``jac_sparsity``, or an operator), ``grad`` (gradient of F),
        ``optimality`` (the first-order measure compared with ``gtol``), ``active_mask``
        (int array: -1 lower bound active, 1 upper, 0 free), ``nfev``, ``njev`` (None for
        'lm' with finite differences), ``status`` (-2 callback, -1 improper input, 0
        ``max_nfev`` reached, 1 gtol, 2 ftol, 3 xtol, 4 ftol and xtol), ``message`` and
        ``success`` (``status > 0``).

    Raises
    ------
    ValueError
        For invalid arguments, with scipy's messages; for residuals that are not finite
        at ``x0``.
    TypeError
        For a ``tr_options`` key that LSMR does not take (with ``tr_solver='lsmr'``).

    Examples
    --------
    >>> import numpy as np
    >>> from refopt import least_squares
    >>> def rosenbrock(x):
    ...     return np.array([10 * (x[1] - x[0]**2), 1 - x[0]])
    >>> res = least_squares(rosenbrock, [2.0, 2.0])
    >>> np.allclose(res.x, [1.0, 1.0]), res.nfev
    (True, 3)
    """
    # [least-squares-body]
    check_options(method, jac, tr_solver, loss, verbose, max_nfev, f_scale)
    check_workers(workers)
    x0 = as_initial_point(x0)
    lb, ub = as_bounds(bounds, x0, method)
    scaling = check_x_scale(x_scale, x0, method)
    ftol, xtol, gtol = check_tolerance(ftol, xtol, gtol, method)
    if method == "trf":  # trf's iterates stay strictly inside the box, from x0 on
        x0 = strictly_inside(x0, lb, ub)
    tr_options = {} if tr_options is None else dict(tr_options)
    kwargs = {} if kwargs is None else dict(kwargs)

    residuals = wrap_residuals(fun, args, kwargs)
    f0 = residuals(x0)
    m, n = check_residuals(f0, x0, method)  # before J0: no differencing of unusable values
    # before J0 too (scipy checks after): a wrong structure costs no differencing
    check_jac_sparsity(jac_sparsity, jac, method, tr_solver, m, n)
    with map_of_workers(workers) as mapper:
        jacobian = Jacobian(fun, jac, (lb, ub), diff_step, args, kwargs,
                            group_structure(jac_sparsity), mapper)
        # lm differences in MINPACK's own way
        J0 = jacobian(x0, f0) if callable(jac) or method != "lm" else None

        loss_function = construct_loss_function(m, loss, f_scale)
        initial_cost = cost_of(f0, loss, loss_function)
        if J0 is not None:
            check_jacobian(J0, m, n, method, tr_solver, scaling)
        if method != "lm":
            if tr_solver is None:  # as scipy: 'exact' for a dense J0, 'lsmr' otherwise
                tr_solver = "exact" if isinstance(J0, np.ndarray) else "lsmr"
            tr_options = check_tr_options(tr_options, method, tr_solver)

        callback = wrap_callback(callback)
        residuals = fixed_shape(residuals, m)
        if method == "lm":
            solver_jacobian = minpack_jacobian(jac, args, kwargs, m, n)
            budget = default_max_nfev(n, differences=solver_jacobian is None)
        else:
            solver_jacobian = jacobian.checked(m, n, J0)
            budget = 100 * n
        problem = Problem(residuals, solver_jacobian, x0, f0, J0, lb, ub)
        options = Options(ftol, xtol, gtol, budget if max_nfev is None else int(max_nfev),
                          loss_function=loss_function, tr_solver=tr_solver,
                          tr_options=MappingProxyType(tr_options), verbose=verbose,
                          callback=callback, diff_step=diff_step)
        result = SOLVERS[method](problem, options, scaling)
    result.jac = jacobian.like_user(result.jac)
    return finish(result, initial_cost, verbose)
    # [/least-squares-body]


# ---------------------------------------------------------------------------------------
# Validation of the arguments, in scipy's order
# ---------------------------------------------------------------------------------------

# [check-options]
def check_options(method: Any, jac: Any, tr_solver: Any, loss: Any, verbose: Any,
                  max_nfev: Any, f_scale: Any = 1.0) -> None:
    """The checks that need no data: the choice arguments, ``max_nfev`` and ``f_scale``."""
    if not (isinstance(method, str) and method in METHODS):
        raise ValueError("`method` must be 'trf', 'dogbox' or 'lm'.")
    if not callable(jac) and not (isinstance(jac, str) and jac in JAC_SCHEMES):
        raise ValueError("`jac` must be '2-point', '3-point', 'cs' or callable.")
    if not (tr_solver is None or isinstance(tr_solver, str) and tr_solver in TR_SOLVERS):
        raise ValueError("`tr_solver` must be None, 'exact' or 'lsmr'.")
    if not callable(loss) and not (isinstance(loss, str) and loss in LOSSES):
        raise ValueError(f"`loss` must be one of {LOSSES.keys()} or a callable.")
    if method == "lm" and not (isinstance(loss, str) and loss == "linear"):
        raise ValueError("method='lm' supports only 'linear' loss function.")
    if not (isinstance(loss, str) and loss == "linear") and not is_usable_scale(f_scale):
        # scipy divides by it unchecked: the residuals become NaN and the SVD fails later
        raise ValueError(f"`f_scale` must be a finite nonzero number with a robust loss, "
                         f"got {f_scale!r}.")
    if verbose not in (0, 1, 2):
        raise ValueError("`verbose` must be in [0, 1, 2].")
    if max_nfev is not None and not is_positive_integer(max_nfev):
        # scipy checks only max_nfev > 0; a fraction then never equals the count in trf
        raise ValueError("`max_nfev` must be None or positive integer.")


def is_usable_scale(value: Any) -> bool:
    """True for a finite nonzero number (its sign does not matter: the loss squares it)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and value != 0.0


def is_positive_integer(value: Any) -> bool:
    """True for 3, np.int64(3) and 3.0; False for 2.5, 0, -1, True, '3'."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return False
    return bool(np.isfinite(value) and value > 0 and float(value).is_integer())
# [/check-options]


def as_initial_point(x0: Any) -> np.ndarray:
    """``x0`` as a new 1-D float64 array."""
    if np.iscomplexobj(x0):
        raise ValueError("`x0` must be real.")
    x0 = np.atleast_1d(x0).astype(float)  # astype copies: the caller's array is untouched
    if x0.ndim > 1:
        raise ValueError("`x0` must have at most 1 dimension.")
    if x0.size == 0:  # scipy fails later with an IndexError
        raise ValueError("`x0` must have at least one element.")
    return x0


# [bounds]
def as_bounds(bounds: Any, x0: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """``(lb, ub)`` as new float arrays of the shape of ``x0``, checked against ``x0``."""
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # refopt.Bounds, scipy's Bounds
        lb, ub = bounds.lb, bounds.ub
    elif len(bounds) == 2:  # bounds=None: TypeError from len(), as in scipy
        lb, ub = bounds
    else:
        raise ValueError("`bounds` must contain 2 elements.")
    lb, ub = (np.array(b, dtype=float) for b in (lb, ub))  # None becomes nan: infeasible
    lb, ub = (np.resize(b, x0.shape) if b.ndim == 0 else b for b in (lb, ub))

    if method == "lm" and not (np.all(lb == -np.inf) and np.all(ub == np.inf)):
        raise ValueError("Method 'lm' doesn't support bounds.")
    if lb.shape != x0.shape or ub.shape != x0.shape:
        raise ValueError("Inconsistent shapes between bounds and `x0`.")
    if np.any(lb >= ub):
        raise ValueError("Each lower bound must be strictly less than each upper bound.")
    if not np.all((x0 >= lb) & (x0 <= ub)):
        raise ValueError("Initial guess is outside of provided bounds")
    return lb, ub
# [/bounds]


def check_x_scale(x_scale: Any, x0: np.ndarray, method: str) -> Scaling:
    """The :class:`Scaling` from the Jacobian (``'jac'``) or from a new array of positive,
    finite scales of the shape of ``x0``: ``x_scale`` decoded, once, for every solver."""
    if x_scale is None:  # refopt's default: MINPACK's own scaling for lm, none otherwise
        x_scale = "jac" if method == "lm" else 1.0
    if isinstance(x_scale, str) and x_scale == "jac":
        return Scaling.jacobian()
    try:
        x_scale = np.array(x_scale, dtype=float)
        valid = bool(np.all(np.isfinite(x_scale)) and np.all(x_scale > 0))
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise ValueError("`x_scale` must be 'jac' or array_like with positive numbers.")
    if x_scale.ndim == 0:
        x_scale = np.resize(x_scale, x0.shape)
    if x_scale.shape != x0.shape:
        raise ValueError("Inconsistent shapes between `x_scale` and `x0`.")
    return Scaling.fixed(x_scale)


def strictly_inside(x0: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """``x0`` moved off the bounds by ``1e-10 * max(1, |bound|)``, as scipy does for trf."""
    return make_strictly_feasible(x0, lb, ub, rstep=1e-10)


def check_tolerance(ftol: float | None, xtol: float | None, gtol: float | None,
                    method: str) -> tuple[float, float, float]:
    """Tolerances as floats; None means 0. Below EPS a test is disabled (with a warning)."""

    def checked(tol: float | None, name: str) -> float:
        if tol is None:
            return 0.0
        if tol < EPS:
            warn_user(f"Setting `{name}` below the machine epsilon ({EPS:.2e}) effectively "
                      "disables the corresponding termination condition.")
        return tol

    ftol, xtol, gtol = checked(ftol, "ftol"), checked(xtol, "xtol"), checked(gtol, "gtol")
    if method == "lm" and min(ftol, xtol, gtol) < EPS:
        raise ValueError("All tolerances must be higher than machine epsilon "
                         f"({EPS:.2e}) for method 'lm'.")
    if max(ftol, xtol, gtol) < EPS:
        raise ValueError("At least one of the tolerances must be higher than machine "
                         f"epsilon ({EPS:.2e}).")
    return ftol, xtol, gtol


def check_residuals(f0: np.ndarray, x0: np.ndarray, method: str) -> tuple[int, int]:
    """``(m, n)`` once the residuals at ``x0`` are known to be usable."""
    if f0.ndim != 1:
        raise ValueError(f"`fun` must return at most 1-d array_like. f0.shape: {f0.shape}")
    if not np.all(np.isfinite(f0)):
        raise ValueError("Residuals are not finite in the initial point.")
    m, n = f0.size, x0.size
    if method == "lm" and m < n:
        raise ValueError("Method 'lm' doesn't work when the number of residuals is less "
                         "than the number of variables.")
    return m, n


def cost_of(f0: np.ndarray, loss: Any, loss_function: Callable | None) -> float:
    """The cost (11.1) at ``x0``; a callable loss is shape-checked here on its first call."""
    if loss_function is not None and callable(loss):
        return 0.5 * np.sum(loss_function(f0)[0])
    return cost(f0, loss_function)


def check_jac_sparsity(jac_sparsity: Any, jac: Any, method: str, tr_solver: str | None,
                       m: int, n: int) -> None:
    """The checks scipy makes on ``jac_sparsity``, plus: a callable ``jac`` excludes it."""
    if jac_sparsity is None:
        return
    if callable(jac):  # scipy ignores the structure silently in this case
        raise ValueError("`jac_sparsity` is used only with a finite-difference `jac` "
                         "('2-point', '3-point' or 'cs'), not with a callable `jac`.")
    if method == "lm":
        raise ValueError("method='lm' does not support `jac_sparsity`.")
    shape = getattr(jac_sparsity, "shape", None)
    if shape is None or isinstance(jac_sparsity, np.ndarray):
        shape = np.atleast_2d(jac_sparsity).shape
    if tuple(shape) != (m, n):
        raise ValueError("`jac_sparsity` has wrong shape.")
    if tr_solver == "exact":
        raise ValueError("tr_solver='exact' is incompatible with `jac_sparsity`.")


def check_jacobian(J0: Any, m: int, n: int, method: str, tr_solver: str | None,
                   scaling: Scaling) -> None:
    """The Jacobian at ``x0``: its shape, and whether the chosen solver can use its type."""
    if J0.shape != (m, n):
        raise ValueError(f"The return value of `jac` has wrong shape: expected {(m, n)}, "
                         f"actual {J0.shape}.")
    if isinstance(J0, np.ndarray):
        return
    if method == "lm":
        raise ValueError("method='lm' works only with dense Jacobian matrices.")
    if tr_solver == "exact":
        raise ValueError("tr_solver='exact' works only with dense Jacobian matrices.")
    if is_operator(J0) and scaling.from_jacobian:
        raise ValueError("x_scale='jac' can't be used when `jac` returns LinearOperator.")


# [tr-options]
def check_tr_options(tr_options: dict, method: str, tr_solver: str) -> dict:
    """``tr_options`` as the solver will use them; for 'lsmr', checked against LSMR's keywords.

    dogbox has no use for ``regularize``: as scipy, warn and drop it. Any other key LSMR
    does not take gets the ``TypeError`` the call ``lsmr(A, b, **options)`` would raise.
    """
    if tr_solver != "lsmr":
        return tr_options                                    # ignored by 'exact'
    if method == "dogbox" and "regularize" in tr_options:
        warn_user("The keyword 'regularize' in `tr_options` is not relevant for "
                  "'dogbox' method.")
        tr_options = {key: value for key, value in tr_options.items() if key != "regularize"}
    allowed = LSMR_KEYWORDS + (("regularize",) if method == "trf" else ())
    for key in tr_options:
        if not isinstance(key, str):
            raise TypeError("keywords must be strings")
        if key in ("A", "b"):
            raise TypeError(f"lsmr() got multiple values for argument '{key}'")
        if key not in allowed:
            raise TypeError(f"lsmr() got an unexpected keyword argument '{key}'")
    return tr_options
# [/tr-options]


# ---------------------------------------------------------------------------------------
# The user's functions as the solvers call them
# ---------------------------------------------------------------------------------------

# [wrappers]
def wrap_residuals(fun: Callable, args: tuple, kwargs: dict) -> Callable[[np.ndarray], np.ndarray]:
    """``x -> fun(x, *args, **kwargs)`` as a new real float array of at least one dimension.

    The user gets a copy of ``x`` (the solver's iterate cannot be changed behind its back)
    and the solver a fresh array (it rescales residuals in place for robust losses).
    """

    def residuals(x: np.ndarray) -> np.ndarray:
        f = np.atleast_1d(fun(x.copy(), *args, **kwargs))
        if np.iscomplexobj(f):
            raise ValueError("`fun` must return real residuals; write a complex residual "
                             "as its real and imaginary parts.")
        return np.array(f, dtype=float)

    return residuals


def fixed_shape(residuals: Callable, m: int) -> Callable[[np.ndarray], np.ndarray]:
    """``residuals`` that insists on the ``m`` residuals it returned at ``x0``."""

    def checked(x: np.ndarray) -> np.ndarray:
        f = residuals(x)
        if f.shape != (m,):
            raise ValueError(f"`fun` returned {m} residuals at `x0` but an array of shape "
                             f"{f.shape} at x = {x}.")
        return f

    return checked


def group_structure(jac_sparsity: Any) -> tuple[Any, np.ndarray] | None:
    """``(pattern, groups)`` of ``jac_sparsity``, grouped once for the whole run."""
    if jac_sparsity is None:
        return None
    from ..differentiation import group_columns, sparsity_structure

    return sparsity_structure(jac_sparsity, structural=False), group_columns(jac_sparsity)


# [/wrappers]


# ---------------------------------------------------------------------------------------
# Dispatch and the result
# ---------------------------------------------------------------------------------------

def minpack_jacobian(jac: Any, args: tuple, kwargs: dict, m: int,
                     n: int) -> Callable[[np.ndarray], np.ndarray] | None:
    """``x -> J`` for MINPACK's lmder (callable ``jac``), or None for lmdif, which differences
    in its own way whatever scheme ``jac`` names (with a warning for '3-point' and 'cs')."""
    if callable(jac):
        return _without_f(Jacobian(None, jac, None, None, args, kwargs).checked(m, n))
    if jac != "2-point":
        warn_user(f"jac='{jac}' works equivalently to '2-point' for method='lm'.")
    return None


def _without_f(jacobian: Callable) -> Callable[[np.ndarray], np.ndarray]:
    """MINPACK calls ``jac(x)``; a callable ``jac`` never needs the residuals."""
    return lambda x: jacobian(x, None)


# [finish]
def finish(result: OptimizeResult, initial_cost: float, verbose: int) -> OptimizeResult:
    """Add ``message`` and ``success``, make ``active_mask`` integer, print the report."""
    result.active_mask = np.asarray(result.active_mask).astype(int)
    result.message = TERMINATION_MESSAGES[result.status]
    result.success = result.status > 0
    if verbose >= 1:
        print(result.message)
        print(f"Function evaluations {result.nfev}, initial cost {initial_cost:.4e}, "
              f"final cost {result.cost:.4e}, first-order optimality "
              f"{result.optimality:.2e}.")
    return result
# [/finish]
