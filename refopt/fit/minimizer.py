"""Minimizer: fit :class:`~refopt.fit.Parameters` with refopt's engines, and the statistics.

The interface is lmfit's (M. Newville et al., *LMFIT: Non-Linear Least-Square Minimization
and Curve-Fitting for Python*, manual 0.5, 2012, chapter 3; lmfit 1.x for
:class:`MinimizerResult`): a residual function ``fcn(params, *args, **kws)`` returns an array
whose sum of squares is minimised. Each engine sees a plain vector: the varied parameters, in
the *internal* coordinates of the MINUIT bounds transformation (31.2)-(31.4) for engines
without bounds (``leastsq``, ``nelder``, ``powell``, ``bfgs``, ``cg``) and in the user's
*external* coordinates for engines that have bounds (``least_squares``, ``lbfgsb``, ``slsqp``,
and ``anneal``, which searches the box of the bounds).

The uncertainties follow the linearised theory of least squares (Y. Bard, *Nonlinear
Parameter Estimation*, Academic Press, 1974, section 7-5; W. H. Press et al., *Numerical
Recipes*, 3rd ed., Cambridge, 2007, section 15.5): with ``J`` the Jacobian of the residuals at
the solution, the covariance of the parameters is ``C = (J^T J)^-1`` (31.6), scaled by the
reduced chi-square when the residuals are not already weighted by known errors (31.7); through
the bounds transformation ``C_ext = D C_int D`` with ``D = diag(dP/du)`` (31.5); for a
constrained parameter ``c = g(p)`` the first-order propagation ``var(c) = grad g^T C grad g``
(31.9). Where the theory does not apply -- a singular ``J``, a parameter sitting on a bound --
``errorbars`` is False and ``errorbars_reason`` says why.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .parameters import Parameter, Parameters

__all__ = ["Minimizer", "MinimizerResult", "MinimizerException", "AbortFitException", "minimize",
           "reduce_chisquare", "reduce_negentropy", "reduce_cauchylogpdf", "METHODS"]

EPS = np.finfo(float).eps
NAN_POLICIES = ("raise", "propagate", "omit")

# Minimizer method -> the engine it runs (as refopt.minimize spells it, or its own name)
METHODS = {
    "leastsq": "leastsq",
    "least_squares": "least_squares",
    "nelder": "Nelder-Mead",
    "powell": "Powell",
    "bfgs": "BFGS",
    "cg": "CG",
    "lbfgsb": "L-BFGS-B",
    "anneal": "anneal",
    "slsqp": "SLSQP",
}
# other spellings lmfit accepts for the same methods
ALIASES = {"nelder-mead": "nelder", "l-bfgs-b": "lbfgsb", "l-bfgsb": "lbfgsb",
           "least-squares": "least_squares"}
NATIVE_BOUNDS = ("least_squares", "lbfgsb", "slsqp", "anneal")  # the rest: MINUIT transformation
LEASTSQ_TOL = 1e-12  # ftol and xtol (lmfit: 1.5e-8)
LEASTSQ_EPSFCN = 1e-14  # relative error assumed of the residuals: difference step 1e-7 (lmfit: 1e-10)
POLISH_STEPS = 3  # Gauss-Newton steps with a central-difference Jacobian after leastsq
# default evaluation limits per (nvarys + 1), as lmfit's: local methods, and global searches
# (lmfit 1.x: brute, basinhopping, ampgo, shgo, dual_annealing; here anneal)
MAX_NFEV_LOCAL = 2000
MAX_NFEV_GLOBAL = 200000


class MinimizerException(Exception):
    """A fit cannot be set up or run as asked."""


class AbortFitException(MinimizerException):
    """Raised inside a fit to stop it (evaluation limit reached, or ``iter_cb`` said so)."""


def reduce_chisquare(r: np.ndarray) -> float:
    """The sum of squares ``r @ r`` (the default reduction for scalar methods)."""
    return float(r @ r)


def reduce_negentropy(r: np.ndarray) -> float:
    """Negative entropy of a unit normal density at the residuals, ``sum(pdf(r) log pdf(r))``."""
    log_pdf = -0.5 * r * r - 0.5 * math.log(2 * math.pi)
    return float(np.sum(np.exp(log_pdf) * log_pdf))


def reduce_cauchylogpdf(r: np.ndarray) -> float:
    """Negative log-likelihood of a unit Cauchy density, ``sum(log(pi (1 + r^2)))``."""
    return float(np.sum(np.log1p(r * r)) + r.size * math.log(math.pi))


_REDUCERS = {"negentropy": reduce_negentropy, "neglogcauchy": reduce_cauchylogpdf}


class MinimizerResult:
    """The outcome of a fit: the fitted parameters (a copy) and the fit statistics.

    Attributes
    ----------
    params : Parameters
        The fitted parameters, with ``stderr`` and ``correl``; the input stays untouched.
    success : bool
        Whether the engine reports success.
    message : str
        The engine's message.
    method : str
        The fit method.
    nfev : int
        Evaluations of the residual function made by the engine.
    aborted : bool
        Whether the fit was aborted (evaluation limit, or ``iter_cb``).
    var_names : list of str
        The varied parameters, in the order of ``covar``.
    init_vals : list of float
        Their starting values (``init_values`` as a dict).
    nvarys : int
        The number of varied parameters.
    ndata : int
        The number of residuals (``nfree = ndata - nvarys``).
    residual : ndarray
        The residuals at the solution.
    chisqr : float
        Chi-square (31.10); ``redchi``, ``aic`` and ``bic`` likewise.
    covar : ndarray or None
        Covariance of the varied parameters, in external coordinates, scaled by ``redchi``
        when ``scale_covar``.
    errorbars : bool
        Whether every varied parameter got a standard error.
    errorbars_reason : str or None
        Why not, when ``errorbars`` is False.
    at_bounds : dict
        ``{name: 'at lower bound 0'}`` for varied parameters that end on a bound.
    ier : int
        MINPACK's exit code (``leastsq`` only; ``lmdif_message`` its message).
    """

    def __init__(self, **kws: Any) -> None:
        self.params: Parameters | None = None
        self.method = None
        self.success = False
        self.message = None
        self.aborted = False
        self.nfev = 0
        self.errorbars = False
        self.errorbars_reason = None
        self.at_bounds: dict[str, str] = {}
        self.covar = None
        self.__dict__.update(kws)

    def __repr__(self) -> str:
        keys = ("method", "success", "nfev", "chisqr", "redchi", "errorbars")
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in keys if hasattr(self, k))
        return f"<MinimizerResult {shown}>"

    def _repr_report(self) -> str:
        from .report import fit_report

        return fit_report(self)


_RESULT_FIELDS = ("success", "message", "nfev", "nvarys", "ndata", "nfree", "residual", "chisqr",
                  "redchi", "aic", "bic", "covar", "var_names", "init_vals", "errorbars", "ier",
                  "lmdif_message", "errorbars_reason")


class Minimizer:
    """Fit a residual function of :class:`~refopt.fit.Parameters` with one of several engines.

    Parameters
    ----------
    userfcn : callable
        ``userfcn(params, *fcn_args, **fcn_kws)`` returns the residual array (or a scalar
        for the scalar methods).
    params : Parameters
        The parameters; never modified (each fit works on a copy, in ``result.params``).
    fcn_args : tuple, optional
        Extra positional arguments of ``userfcn``.
    fcn_kws : dict, optional
        Extra keyword arguments of ``userfcn``.
    iter_cb : callable, optional
        ``iter_cb(params, iter, resid, *fcn_args, **fcn_kws)`` after each evaluation; a true
        return value aborts the fit.
    scale_covar : bool, optional
        Multiply the covariance by the reduced chi-square (default True).
    nan_policy : {'raise', 'propagate', 'omit'}, optional
        What to do with NaN or inf in the residuals.
    reduce_fcn : None, 'negentropy', 'neglogcauchy' or callable, optional
        How scalar methods turn the residual array into a number (default: sum of squares).
    calc_covar : bool, optional
        Estimate the covariance (default True).
    max_nfev : int, optional
        Evaluation limit (default ``2000 (nvarys + 1)``, ``200000 (nvarys + 1)`` for the
        global search ``anneal``, as lmfit's global methods); the fit is aborted beyond it.
    **kws
        Keyword arguments passed to the engine by every fit method.
    """

    def __init__(self, userfcn: Callable, params: Parameters, fcn_args: Any = None,
                 fcn_kws: dict | None = None, iter_cb: Callable | None = None,
                 scale_covar: bool = True, nan_policy: str = "raise", reduce_fcn: Any = None,
                 calc_covar: bool = True, max_nfev: int | None = None, **kws: Any) -> None:
        if not callable(userfcn):
            raise TypeError(f"the objective function must be callable, not {type(userfcn).__name__}")
        self.params = _as_parameters(params)
        if nan_policy not in NAN_POLICIES:
            raise ValueError(f"nan_policy must be one of {NAN_POLICIES}, not {nan_policy!r}")
        if reduce_fcn is not None and not callable(reduce_fcn) and reduce_fcn not in _REDUCERS:
            raise ValueError(f"reduce_fcn must be None, a callable or one of {tuple(_REDUCERS)}, "
                             f"not {reduce_fcn!r}")
        if iter_cb is not None and not callable(iter_cb):
            raise TypeError(f"iter_cb must be callable or None, not {type(iter_cb).__name__}")
        _check_max_nfev(max_nfev)
        self.userfcn = userfcn
        self.userargs = () if fcn_args is None else (tuple(fcn_args) if isinstance(fcn_args, (list, tuple))
                                                      else (fcn_args,))
        self.userkws = {} if fcn_kws is None else dict(fcn_kws)
        self.iter_cb = iter_cb
        self.scale_covar = scale_covar
        self.nan_policy = nan_policy
        self.reduce_fcn = _REDUCERS.get(reduce_fcn, reduce_fcn) if isinstance(reduce_fcn, str) else reduce_fcn
        self.calc_covar = calc_covar
        self.max_nfev = max_nfev
        self.kws = kws
        self.result: MinimizerResult | None = None
        self._vars: list[Parameter] = []
        self._order: list[Parameter] = []
        self._nres: int | None = None

    @property
    def asteval(self):
        """The interpreter of the parameters' constraints: ``asteval.symtable['f'] = f``
        makes ``f`` callable in expressions (the 0.5 manual, section 5.3)."""
        return self.params._asteval

    def __getattr__(self, name: str) -> Any:
        # the 0.5 manual read fit statistics from the Minimizer (``mi.chisqr``): forward them
        if name in _RESULT_FIELDS:
            result = self.__dict__.get("result")
            if result is not None and hasattr(result, name):
                return getattr(result, name)
        raise AttributeError(f"'Minimizer' object has no attribute {name!r}")

    # ---- preparing
    def prepare_fit(self, params: Parameters | None = None, native_bounds: bool = False) -> MinimizerResult:
        """Copy the parameters, order the constraints, set up the bounds; a new result.

        Cycles and unknown names in constraint expressions are reported here
        (:class:`~refopt.fit.ConstraintError`), before the residual function is called.
        """
        source = self.params if params is None else _as_parameters(params)
        work = source.copy()
        for par in work.values():
            par.stderr, par.correl = None, None
        order = work.expression_order()
        work.update_constraints()
        self._vars = [par for par in work.values() if par.vary and par.expr is None]
        self._order = order
        self._native = native_bounds
        internal = [par.setup_bounds() for par in self._vars]
        start = [float(par.value) for par in self._vars] if native_bounds else internal
        result = MinimizerResult(params=work, var_names=[p.name for p in self._vars],
                                 nvarys=len(self._vars), init_vals=[float(p.value) for p in self._vars],
                                 call_kws={}, last_internal_values=np.array(start, dtype=float))
        result.init_values = dict(zip(result.var_names, result.init_vals))
        result._init_vals_internal = np.array(start, dtype=float)
        for par in work.values():
            if par.vary and par.expr is None:
                par.init_value = float(par.value)
        self.result = result
        self._nres = None
        self._limit = self.max_nfev if self.max_nfev is not None else MAX_NFEV_LOCAL * (len(self._vars) + 1)
        return result

    def unprepare_fit(self) -> None:
        """Nothing to undo (lmfit keeps this name)."""

    # ---- the objective as the engines see it
    # [residual]
    def _residual(self, fvars: np.ndarray) -> np.ndarray:
        """Residuals at the engine's vector ``fvars``: set the varied parameters (through
        the bounds transformation unless bounds are native), evaluate the constraints in
        order, call the user's function, check its output."""
        result = self.result
        params = result.params
        table = params._asteval.symtable
        values = np.asarray(fvars, dtype=float).tolist()  # Python floats, once
        if not self._native:
            values = [par.from_internal(u) for par, u in zip(self._vars, values)]
        for par, val in zip(self._vars, values):
            par._val = val
            table[par.name] = val
        params.evaluate_expressions(self._order)
        result.last_internal_values = fvars
        result.nfev += 1
        if result.nfev > self._limit:
            raise AbortFitException(f"Fit aborted: number of function evaluations > {self._limit}")
        out = self.userfcn(params, *self.userargs, **self.userkws)
        out = self._checked(out, result.nfev)
        if self.iter_cb is not None and self.iter_cb(params, result.nfev, out, *self.userargs,
                                                     **self.userkws):
            raise AbortFitException("Fit aborted by user callback.")
        return out
    # [/residual]

    def _checked(self, out: Any, nfev: int) -> np.ndarray:
        """The residual function's output as a float vector (complex as real pairs)."""
        if type(out) is np.ndarray and out.dtype.type is np.float64:  # the common case, at once
            arr = out.ravel()
        elif out is None or isinstance(out, (str, bytes, dict)):
            raise TypeError(f"the objective function must return an array of numbers (or a "
                            f"number), not {type(out).__name__}")
        else:
            try:
                arr = np.asarray(out)
                if np.iscomplexobj(arr):
                    arr = np.ascontiguousarray(arr, dtype=complex).ravel().view(float)
                arr = arr.astype(float, copy=False).ravel()
            except (TypeError, ValueError) as exc:
                raise TypeError(f"the objective function must return an array of numbers, got "
                                f"{type(out).__name__} ({exc})") from None
        # a NaN or inf makes r.r non-finite (so may an overflow: then look closer); one
        # dot product is cheaper than testing every entry
        if self.nan_policy != "propagate" and not math.isfinite(arr @ arr):
            finite = np.isfinite(arr)
            if not finite.all():
                if self.nan_policy == "raise":
                    raise ValueError(
                        f"NaN values detected in the output of the objective function (or inf): "
                        f"{arr.size - int(finite.sum())} of {arr.size} values at evaluation {nfev}, "
                        f"parameters {self.result.params.valuesdict()}. Fitting algorithms cannot "
                        f"handle this: check the data and the model, use bounds, or "
                        f"nan_policy='omit' / 'propagate'")
                arr = arr[finite]
        if self._nres is None:
            self._nres = arr.size
        elif arr.size != self._nres:
            hint = " (nan_policy='omit' dropped non-finite values)" if self.nan_policy == "omit" else ""
            raise ValueError(f"the objective function returned {arr.size} values at evaluation "
                             f"{nfev} but {self._nres} at the first; the length must not change{hint}")
        return arr

    def _user_jacobian(self, jac: Callable, internal: bool, columns: Any = False) -> Callable:
        """The user's ``jac(params, *args, **kws)`` (d residual / d varied parameter) as the
        engine's Jacobian of its vector: in internal coordinates each column is multiplied by
        ``dP/du`` (the chain rule through (31.2)-(31.4))."""
        def engine_jacobian(fvars: np.ndarray) -> np.ndarray:
            params = self.result.params
            for par, u in zip(self._vars, fvars):
                val = par.from_internal(float(u)) if internal else float(u)
                par._val = val
                params._asteval.symtable[par.name] = val
            params.evaluate_expressions(self._order)
            J = jac(params, *self.userargs, **self.userkws)
            if not internal and not columns:
                return J  # least_squares takes arrays, sparse matrices and operators as they are
            J = np.asarray(J, dtype=float)
            if columns:  # the user's rows are the parameters (leastsq's col_deriv)
                J = J.T
            if internal:
                J = J * np.array([p.scale_gradient(float(u)) for p, u in zip(self._vars, fvars)])
            return J.T if columns else J
        return engine_jacobian

    def penalty(self, fvars: np.ndarray) -> float:
        """The scalar the scalar methods minimise: ``reduce_fcn`` of the residuals."""
        r = self._residual(fvars)
        if self.reduce_fcn is None:
            return float(r @ r) if r.size != 1 else float(r[0])
        return float(self.reduce_fcn(r))

    # ---- the fit methods
    def minimize(self, method: str = "leastsq", params: Parameters | None = None, **kws: Any) -> MinimizerResult:
        """Fit with ``method`` (see :data:`METHODS`); ``kws`` go to the engine."""
        name = _method_name(method)
        return getattr(self, name)(params=params, **kws)

    def leastsq(self, params: Parameters | None = None, max_nfev: int | None = None,
                polish: bool = True, **kws: Any) -> MinimizerResult:
        """Levenberg-Marquardt (MINPACK's lmdif, :func:`refopt.leastsq`), bounds by (31.2)-(31.4).

        Defaults: ``xtol = ftol = 1e-12``, ``gtol = 0``, ``epsfcn = 1e-14`` (a relative
        difference step of 1e-7), ``maxfev = max_nfev``. lmfit uses ``1.5e-8`` and
        ``epsfcn = 1e-10`` (step 1e-5), which stops about two digits short on NIST's harder
        problems (chapter 31); pass those to reproduce lmfit's iterations.

        ``polish`` (default True): after MINPACK stops, up to :data:`POLISH_STEPS`
        Gauss-Newton steps with a central-difference Jacobian, each kept only if it lowers
        chi-square (31.11); their evaluations are counted in ``nfev_polish``, not ``nfev``.
        """
        from ..lsq.leastsq import leastsq

        result = self._start("leastsq", params, max_nfev, native=False)
        call = dict(Dfun=None, full_output=1, col_deriv=0, ftol=LEASTSQ_TOL, xtol=LEASTSQ_TOL,
                    gtol=0.0, maxfev=self._limit, epsfcn=LEASTSQ_EPSFCN, factor=100, diag=None)
        call.update(self.kws)
        call.update(kws)
        if callable(call.get("Dfun")):
            call["Dfun"] = self._user_jacobian(call["Dfun"], internal=True, columns=call.get("col_deriv"))
        result.call_kws = call
        u0 = result._init_vals_internal
        if result.nvarys == 0:
            return self._finish_fixed(result)
        try:
            x, cov_x, info, mesg, ier = leastsq(self._residual, u0, **call)
        except AbortFitException as exc:
            return self._finish_aborted(result, exc)
        result.ier, result.lmdif_message = ier, mesg
        result.success = ier in (1, 2, 3, 4)
        result.message = _LEASTSQ_MESSAGES.get(ier, "Tolerance seems to be too small.")
        self._finish(result, x)
        if polish and result.success:
            self._polish(result)
        if cov_x is not None:
            g = np.array([par.scale_gradient(u) for par, u in zip(self._vars, x)])
            result.covar_minpack = cov_x * np.outer(g, g)  # (31.5)
        cov, reason = self._solution_covariance(result) if self.calc_covar else (None, None)
        self._uncertainties(result, cov, reason)
        if not result.errorbars and cov_x is None:
            result.message += " Could not estimate error-bars."
        return result

    def least_squares(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """Trust-region reflective (:func:`refopt.least_squares`), with native bounds."""
        from ..lsq import least_squares

        result = self._start("least_squares", params, max_nfev, native=True)
        if result.nvarys == 0:
            return self._finish_fixed(result)
        lb = np.array([p.min for p in self._vars])
        ub = np.array([p.max for p in self._vars])
        call = dict(bounds=(lb, ub), max_nfev=2 * self._limit)
        call.update(self.kws)
        call.update(kws)
        if "Dfun" in call:  # lmfit's spelling for both engines
            call["jac"] = call.pop("Dfun")
        if callable(call.get("jac")):
            call["jac"] = self._user_jacobian(call["jac"], internal=False)
        result.call_kws = call
        try:
            ret = least_squares(self._residual, result._init_vals_internal, **call)
        except AbortFitException as exc:
            return self._finish_aborted(result, exc)
        for key in ("status", "cost", "optimality", "active_mask", "njev", "jac", "grad", "x", "fun"):
            setattr(result, key, ret.get(key))
        result.least_squares_nfev = ret.nfev
        result.success, result.message = bool(ret.success), ret.message
        self._finish(result, ret.x)
        cov, reason = self._solution_covariance(result) if self.calc_covar else (None, None)
        self._uncertainties(result, cov, reason)
        return result

    def nelder(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """Nelder-Mead simplex (:func:`refopt.minimize`), bounds by the transformation."""
        return self.scalar_minimize("Nelder-Mead", params, max_nfev, **kws)

    def powell(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """Powell's conjugate directions (:func:`refopt.minimize`), bounds by the transformation."""
        return self.scalar_minimize("Powell", params, max_nfev, **kws)

    def bfgs(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """BFGS with finite-difference gradients, bounds by the transformation."""
        return self.scalar_minimize("BFGS", params, max_nfev, **kws)

    def cg(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """Polak-Ribiere conjugate gradients, bounds by the transformation."""
        return self.scalar_minimize("CG", params, max_nfev, **kws)

    def lbfgsb(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """L-BFGS-B (the 0.5 manual's second engine), with native bounds."""
        return self.scalar_minimize("L-BFGS-B", params, max_nfev, **kws)

    def slsqp(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """SLSQP, with native bounds."""
        return self.scalar_minimize("SLSQP", params, max_nfev, **kws)

    def anneal(self, params: Parameters | None = None, max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """Simulated annealing (the 0.5 manual's third engine) in the parameters' box.

        Runs :func:`refopt.optimize.anneal.anneal` (scipy 0.14's options: ``schedule``,
        ``T0``, ``Tf``, ``maxeval``, ``seed``, ``polish`` ...) on the varied parameters, whose
        ``min`` and ``max`` must all be finite: they are the box it searches.
        """
        try:
            engine = importlib.import_module("refopt.optimize.anneal").anneal
        except (ModuleNotFoundError, AttributeError):
            raise NotImplementedError(
                "refopt.fit: method 'anneal' runs refopt.optimize.anneal, which this refopt does "
                f"not have yet; available engines: {', '.join(_available_fit_methods())}") from None
        result = self._start("anneal", params, max_nfev, native=True)
        if max_nfev is None and self.max_nfev is None:  # a global search: lmfit's larger limit
            self._limit = MAX_NFEV_GLOBAL * (result.nvarys + 1)
        if result.nvarys == 0:
            return self._finish_fixed(result)
        open_ended = [p.name for p in self._vars if not (math.isfinite(p.min) and math.isfinite(p.max))]
        if open_ended:
            raise ValueError(f"method 'anneal' needs finite min and max on every varied parameter "
                             f"(the box it searches); not on {', '.join(open_ended)}")
        call = dict(self.kws)
        call.update(kws)
        call.update(lower=np.array([p.min for p in self._vars]), upper=np.array([p.max for p in self._vars]))
        result.call_kws = call
        try:
            ret = engine(self.penalty, result._init_vals_internal, **call)
        except AbortFitException as exc:
            return self._finish_aborted(result, exc)
        return self._finish_scalar(result, ret)

    def scalar_minimize(self, method: str = "Nelder-Mead", params: Parameters | None = None,
                        max_nfev: int | None = None, **kws: Any) -> MinimizerResult:
        """Minimise ``reduce_fcn`` of the residuals with :func:`refopt.minimize`'s ``method``.

        ``kws`` are :func:`refopt.minimize` keywords (``options``, ``tol``, ...). The
        covariance comes from the Jacobian of the residuals at the solution (31.6), or from
        a difference Hessian when a ``reduce_fcn`` is set or the function is scalar (31.8).
        """
        from ..optimize import available_methods
        from ..optimize import minimize as engine

        key = ALIASES.get(method.lower(), method.lower())
        name = key if key in METHODS else {v.lower(): k for k, v in METHODS.items()}.get(key)
        if name == "anneal":
            return self.anneal(params, max_nfev, **kws)
        if name is None or name in ("leastsq", "least_squares"):
            raise ValueError(f"scalar_minimize: unknown method {method!r}")
        spelled = METHODS[name]
        if spelled.lower() not in (m.lower() for m in available_methods()):
            raise NotImplementedError(
                f"refopt.fit: method {name!r} runs refopt.minimize(method={spelled!r}), which this "
                f"refopt does not have yet (the {spelled} engine is not written); available "
                f"engines: {', '.join(_available_fit_methods())}")
        native = name in NATIVE_BOUNDS
        result = self._start(name, params, max_nfev, native=native)
        if result.nvarys == 0:
            return self._finish_fixed(result)
        call = dict(self.kws)
        call.update(kws)
        if native:
            call.setdefault("bounds", [(p.min, p.max) for p in self._vars])
        result.call_kws = call
        try:
            ret = engine(self.penalty, result._init_vals_internal, method=spelled, **call)
        except AbortFitException as exc:
            return self._finish_aborted(result, exc)
        return self._finish_scalar(result, ret)

    def _finish_scalar(self, result: MinimizerResult, ret) -> MinimizerResult:
        """The engine's fields, the solution, the statistics and the uncertainties."""
        for key in ("x", "fun", "nit", "status", "final_simplex", "jac"):
            if key in ret:
                setattr(result, key, ret[key])
        result.success, result.message = bool(ret.success), ret.message
        self._finish(result, ret.x)
        cov, reason = self._scalar_covariance(result) if self.calc_covar else (None, None)
        self._uncertainties(result, cov, reason)
        return result

    # ---- shared steps
    def _start(self, method: str, params, max_nfev, native: bool) -> MinimizerResult:
        _check_max_nfev(max_nfev)
        result = self.prepare_fit(params, native_bounds=native)
        if max_nfev is not None:
            self._limit = max_nfev
        result.method = method
        return result

    def _finish(self, result: MinimizerResult, x: np.ndarray) -> None:
        """Put the solution into the parameters; residual and statistics there."""
        nfev, limit, iter_cb = result.nfev, self._limit, self.iter_cb
        self._limit, self.iter_cb = math.inf, None  # the final evaluation is not the engine's
        try:
            result.residual = self._residual(np.asarray(x, dtype=float))
        finally:
            result.nfev, self._limit, self.iter_cb = nfev, limit, iter_cb
        _statistics(result)

    def _finish_fixed(self, result: MinimizerResult) -> MinimizerResult:
        """No varied parameter: evaluate once, report the statistics."""
        result.residual = self._residual(np.zeros(0))
        result.success, result.message = True, "No parameters are varied: the residual was evaluated once."
        _statistics(result)
        result.errorbars_reason = "no varied parameters"
        return result

    def _finish_aborted(self, result: MinimizerResult, exc: AbortFitException) -> MinimizerResult:
        result.aborted, result.success = True, False
        result.message = f"{exc} Could not estimate error-bars."
        self._finish(result, np.asarray(result.last_internal_values, dtype=float))
        result.errorbars_reason = str(exc)
        return result

    # [polish]
    def _polish(self, result: MinimizerResult) -> None:
        """Gauss-Newton steps ``J dp = -r`` with a central-difference ``J`` at the solution (31.11).

        MINPACK's forward-difference Jacobian is wrong by about its step times the curvature,
        so it stops where the *approximate* gradient vanishes; on large-residual problems
        that point is off the true minimum in the sixth digit. A step with an accurate ``J``
        moves it back. Skipped when a parameter is on a bound.
        """
        if _at_bounds(self._vars):
            return
        lb = np.array([p.min for p in self._vars])
        ub = np.array([p.max for p in self._vars])
        with _evaluating_externally(self, result) as ctx:
            x, r = ctx.x, result.residual
            chisqr = float(r @ r)
            for _ in range(POLISH_STEPS):
                J = self._external_jacobian(x, r)
                result._jacobian_at_solution = J  # the covariance needs it too, unless x moves
                norms = np.linalg.norm(J, axis=0)
                if not np.all(np.isfinite(J)) or np.any(norms == 0):
                    break
                step = np.linalg.lstsq(J / norms, -r, rcond=None)[0] / norms
                if np.all(np.abs(step) <= 1e-12 * np.abs(x)):  # nothing left to polish
                    break
                trial = np.clip(x + step, lb, ub)
                r_trial = self._residual(trial)
                if not float(r_trial @ r_trial) < chisqr:  # kept only if chi-square drops
                    break
                x, r, chisqr = trial, r_trial, float(r_trial @ r_trial)
                result._jacobian_at_solution = None
            result.nfev_polish = result.nfev - ctx.saved[1]
            ctx.x = x  # the context's exit leaves the parameters here
        result.residual = r
        _statistics(result)
    # [/polish]

    def _solution_covariance(self, result: MinimizerResult):
        """``(J^T J)^-1`` (31.6) from a central-difference Jacobian at the solution, in
        external coordinates (MINPACK's own R comes from a forward-difference Jacobian at an
        earlier iterate; see chapter 31)."""
        J = getattr(result, "_jacobian_at_solution", None)
        if J is None:
            with _evaluating_externally(self, result):
                J = self._external_jacobian(self._external_point(), result.residual)
        return _inverse_normal(J, self._vars)

    def _external_point(self) -> np.ndarray:
        return np.array([float(p.value) for p in self._vars])

    def _scalar_covariance(self, result: MinimizerResult):
        """The covariance after a scalar method: from the residuals' Jacobian (31.6) or, for a
        custom reduction or a scalar function, twice the inverse difference Hessian (31.8)."""
        if self.reduce_fcn is None and result.ndata > 1:
            return self._solution_covariance(result)
        with _evaluating_externally(self, result):
            H = _difference_hessian(self.penalty, self._external_point(), self._vars)
        return _inverse_hessian(H)

    def _external_jacobian(self, x: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Central-difference Jacobian of the residuals in external coordinates, with steps
        ``eps**(1/3) |x|``, never stepping outside a bound (one-sided there); ``r`` is the
        residual at ``x``, already known (the one-sided formula needs it, the central one
        does not: it is not evaluated again)."""
        from ..differentiation import approx_derivative

        lb = np.array([p.min for p in self._vars])
        ub = np.array([p.max for p in self._vars])
        # a step relative to |x| itself (not to max(1, |x|)): NIST's Hahn1 has parameters of 1e-9
        return approx_derivative(self._residual, x, method="3-point", rel_step=EPS ** (1 / 3),
                                 f0=r, bounds=(lb, ub))

    # ---- uncertainties
    # [uncertainties]
    def _uncertainties(self, result: MinimizerResult, cov: np.ndarray | None, reason: str | None) -> None:
        """stderr and correl of the varied parameters, stderr of the constrained ones.

        A varied parameter on a bound is flagged and gets no stderr: the linear theory
        assumes the minimum is interior. The others then get the covariance of the fit with
        the flagged ones held at their bounds (the Jacobian's other columns).
        """
        params = result.params
        result.at_bounds = _at_bounds(self._vars)
        if not self.calc_covar:
            result.errorbars, result.errorbars_reason = False, "calc_covar=False"
            return
        if result.at_bounds:
            cov, reason = self._covariance_off_bounds(result)
        if cov is None:
            result.covar, result.errorbars = None, False
            result.errorbars_reason = reason
            return
        if self.scale_covar:
            cov = cov * result.redchi  # (31.7)
        result.covar = cov
        sd = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan))
        for i, par in enumerate(self._vars):
            if np.isfinite(sd[i]) and par.name not in result.at_bounds:
                par.stderr = float(sd[i])
                par.correl = {other.name: float(cov[i, j] / (sd[i] * sd[j]))
                              for j, other in enumerate(self._vars)
                              if j != i and np.isfinite(sd[j]) and sd[i] > 0 and sd[j] > 0}
        ok = [p.stderr is not None and p.stderr > 0 for p in self._vars]
        result.errorbars = all(ok)
        if result.at_bounds:
            result.errorbars_reason = "parameter(s) at a bound: " + ", ".join(
                f"{k} ({v})" for k, v in result.at_bounds.items())
        elif not result.errorbars:
            bad = [p.name for p, good in zip(self._vars, ok) if not good]
            result.errorbars_reason = f"zero or negative variance for {', '.join(bad)}"
        self._propagate(result, cov)
        params._fresh = False
        params.update_constraints()

    def _covariance_off_bounds(self, result: MinimizerResult):
        """The covariance with the parameters on a bound held there (NaN rows for them)."""
        free = [i for i, p in enumerate(self._vars) if p.name not in result.at_bounds]
        n = len(self._vars)
        cov = np.full((n, n), np.nan)
        if not free:
            return None, "every varied parameter is at a bound"
        x = self._external_point()
        with _evaluating_externally(self, result):
            J = self._external_jacobian(x, result.residual)
        sub, reason = _inverse_normal(J[:, free], [self._vars[i] for i in free])
        if sub is None:
            return None, reason
        cov[np.ix_(free, free)] = sub
        return cov, None

    def _propagate(self, result: MinimizerResult, cov: np.ndarray) -> None:
        """stderr of each constrained parameter by first-order propagation (31.9)."""
        exprs = self._order
        if not exprs:
            return
        params = result.params
        free = [i for i, p in enumerate(self._vars) if p.stderr is not None]
        if not free:
            return
        x = self._external_point()
        grads = _expression_gradients(params, self._vars, self._order, x, free)
        C = cov[np.ix_(free, free)]
        for par, g in zip(exprs, grads):
            var = float(g @ C @ g)
            par.stderr = math.sqrt(var) if var >= 0 and math.isfinite(var) else None
        _set_values(params, self._vars, self._order, x)
    # [/uncertainties]


# ---- helpers
_LEASTSQ_MESSAGES = {1: "Fit succeeded.", 2: "Fit succeeded.", 3: "Fit succeeded.",
                     4: "One or more variable did not affect the fit.",
                     0: "Invalid Input Parameters. I.e. more variables than data points given, "
                        "tolerance < 0.0, or no data provided.",
                     5: "Number of calls to function has reached maxfev."}


def _as_parameters(params: Any) -> Parameters:
    if isinstance(params, Parameters):
        return params
    if isinstance(params, dict) and all(isinstance(v, Parameter) for v in params.values()):
        out = Parameters()
        for v in params.values():
            out.add(v)
        return out
    raise TypeError(f"params must be a Parameters object, not {type(params).__name__}")


def _check_max_nfev(max_nfev: Any) -> None:
    if max_nfev is not None and (isinstance(max_nfev, bool) or not isinstance(max_nfev, (int, np.integer))
                                 or max_nfev < 1):
        raise ValueError(f"max_nfev must be a positive integer or None, not {max_nfev!r}")


def _method_name(method: Any) -> str:
    if not isinstance(method, str):
        raise TypeError(f"method must be a str, not {type(method).__name__}")
    key = method.lower()
    key = ALIASES.get(key, key)
    if key not in METHODS:
        raise ValueError(f"unknown fitting method {method!r}; refopt.fit knows "
                         f"{', '.join(METHODS)} (lmfit would silently run Nelder-Mead)")
    return key


def _available_fit_methods() -> list[str]:
    from ..optimize import available_methods

    have = {m.lower() for m in available_methods()}
    try:
        importlib.import_module("refopt.optimize.anneal")
        have.add("anneal")
    except ModuleNotFoundError:
        pass
    return [k for k, v in METHODS.items() if k in ("leastsq", "least_squares") or v.lower() in have]


def _statistics(result: MinimizerResult) -> None:
    """chi-square, reduced chi-square, AIC and BIC (31.10), as lmfit computes them."""
    r = result.residual
    N = max(int(r.size), 1)
    k = result.nvarys
    chisqr = float(r @ r)
    result.ndata, result.nfree = N, N - k
    result.chisqr = chisqr
    result.redchi = chisqr / max(1, N - k)
    floor = max(chisqr, 1e-250 * N)  # log of zero for an exact fit
    result.aic = N * math.log(floor / N) + 2 * k
    result.bic = N * math.log(floor / N) + math.log(N) * k


def _at_bounds(vars_: list[Parameter]) -> dict[str, str]:
    """Varied parameters whose value lies on a bound (to 1e-7 of the bound's scale)."""
    flags = {}
    for par in vars_:
        val = float(par.value)
        for side, bound in (("lower", par.min), ("upper", par.max)):
            if math.isfinite(bound) and abs(val - bound) <= 1e-7 * max(1.0, abs(bound)):
                flags[par.name] = f"at {side} bound {bound:g}"
    return flags


def _inverse_normal(J: np.ndarray, vars_: list[Parameter]):
    """``(J^T J)^-1`` through the SVD of ``J`` (31.6); (None, reason) when ``J`` is singular."""
    if J.ndim != 2 or J.shape[1] == 0 or not np.all(np.isfinite(J)):
        return None, "the Jacobian at the solution is not finite"
    norms = np.linalg.norm(J, axis=0)
    if np.any(norms == 0):
        names = [vars_[i].name for i in np.flatnonzero(norms == 0)]
        return None, f"the residuals do not depend on {', '.join(names)} (a zero Jacobian column)"
    _, s, Vt = np.linalg.svd(J / norms, full_matrices=False)  # unit columns: scale-free rank test
    tol = EPS * max(J.shape) * s[0]
    if s.size < J.shape[1] or s[-1] <= tol:
        weak = np.abs(Vt[-1])
        names = [vars_[i].name for i in np.flatnonzero(weak > 0.3 * weak.max())]
        return None, (f"the Jacobian is singular (rank {int(np.sum(s > tol))} < {J.shape[1]}): "
                      f"{', '.join(names)} do not affect the fit independently")
    W = Vt.T / s
    return (W @ W.T) / np.outer(norms, norms), None


def _inverse_hessian(H: np.ndarray):
    """``2 H^-1`` for a chi-square-like objective (31.8); None unless positive definite."""
    if not np.all(np.isfinite(H)):
        return None, "the difference Hessian at the solution is not finite"
    H = 0.5 * (H + H.T)
    try:
        L = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return None, "the difference Hessian at the solution is not positive definite"
    Linv = np.linalg.inv(L)
    return 2.0 * Linv.T @ Linv, None


def _difference_hessian(f: Callable, x: np.ndarray, vars_: list[Parameter]) -> np.ndarray:
    """Central second differences of ``f`` at ``x`` (step ``eps**(1/4) max(1, |x|)``),
    pulled inside the bounds."""
    n = x.size
    h = EPS ** 0.25 * np.maximum(1.0, np.abs(x))
    lo = np.array([p.min for p in vars_])
    hi = np.array([p.max for p in vars_])
    h = np.minimum(h, np.maximum(np.minimum(x - lo, hi - x) / 2, EPS * np.maximum(1.0, np.abs(x))))
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) \
                / (4 * h[i] * h[j])
    return H


class _evaluating_externally:
    """A context in which ``_residual`` takes external values and does not count."""

    def __init__(self, mini: Minimizer, result: MinimizerResult) -> None:
        self.mini, self.result = mini, result

    def __enter__(self):
        self.x = self.mini._external_point()
        self.saved = (self.mini._native, self.result.nfev, self.mini._limit, self.mini.iter_cb)
        self.mini._native, self.mini._limit, self.mini.iter_cb = True, math.inf, None
        return self

    def __exit__(self, *exc):
        self.mini._native, self.result.nfev, self.mini._limit, self.mini.iter_cb = self.saved
        _set_values(self.result.params, self.mini._vars, self.mini._order, self.x)  # undo the steps
        return False


def _set_values(params: Parameters, vars_: list[Parameter], order: list[Parameter], x: np.ndarray) -> None:
    table = params._asteval.symtable
    for par, val in zip(vars_, x):
        par._val = float(val)
        table[par.name] = float(val)
    params.evaluate_expressions(order)


def _expression_gradients(params, vars_, order, x, free) -> list[np.ndarray]:
    """``d c / d p_j`` for every constrained parameter ``c`` and free varied ``p_j``, by
    central differences with step ``eps**(1/3) max(1, |p_j|)``."""
    grads = np.zeros((len(order), len(free)))
    for k, j in enumerate(free):
        h = EPS ** (1 / 3) * max(1.0, abs(x[j]))
        values = []
        for sign in (1.0, -1.0):
            xs = x.copy()
            xs[j] += sign * h
            _set_values(params, vars_, order, xs)
            values.append(np.array([float(p._val) for p in order]))
        grads[:, k] = (values[0] - values[1]) / (2 * h)
    _set_values(params, vars_, order, x)
    return list(grads)


def minimize(fcn: Callable, params: Parameters, method: str = "leastsq", args: Any = None,
             kws: dict | None = None, iter_cb: Callable | None = None, scale_covar: bool = True,
             nan_policy: str = "raise", reduce_fcn: Any = None, calc_covar: bool = True,
             max_nfev: int | None = None, engine: str | None = None, **fit_kws: Any) -> MinimizerResult:
    """Fit ``fcn(params, *args, **kws)`` by ``method`` and return a :class:`MinimizerResult`.

    ``engine=`` is the 0.5 manual's name for ``method``. The input ``params`` are not
    modified (the 0.5 manual updated them in place; lmfit >= 0.9 does not); the fitted
    values are in ``result.params``.
    """
    if engine is not None:
        if method not in ("leastsq", engine):
            raise TypeError(f"minimize() got method={method!r} and engine={engine!r}; give one")
        method = engine
    fitter = Minimizer(fcn, params, fcn_args=args, fcn_kws=kws, iter_cb=iter_cb,
                       scale_covar=scale_covar, nan_policy=nan_policy, reduce_fcn=reduce_fcn,
                       calc_covar=calc_covar, max_nfev=max_nfev)
    return fitter.minimize(method=method, **fit_kws)
