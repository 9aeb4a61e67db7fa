"""Benchmark cases for refopt.fit: lmfit-style fits against lmfit itself.

Group ``fit``:

* ``fit/exponential/defaults`` -- a complete fit as a user runs it: ``Parameters`` with three
  varied parameters (one bounded) and one constraint expression (``rate = 1/tau``) that the
  model reads, 100 points, ``minimize(residual, params)`` with each library's defaults;
* ``fit/exponential/lmfit_tolerances`` -- the same fit with lmfit's leastsq settings passed to
  refopt (``xtol = ftol = 1.5e-8``, ``epsfcn = 1e-10``), so both run the same iterations;
* ``fit/overhead/2000_evaluations`` -- the per-evaluation overhead: 2000 calls of each
  Minimizer's residual wrapper (set the varied parameters through the bounds transformation,
  evaluate the constraint, call the user function, check its output) around a user function
  that returns its data at once, so the time is the wrapper's alone (time / 2000 = the
  overhead of one evaluation).

lmfit is imported only inside the anchor runners.
"""

from __future__ import annotations

import numpy as np

from . import Case, import_anchor

EVALUATIONS = 2000
LMFIT_LEASTSQ = {"xtol": 1.5e-8, "ftol": 1.5e-8, "epsfcn": 1e-10}


def _data():
    x = np.linspace(0.0, 10.0, 100)
    y = 3.0 * np.exp(-x / 2.5) + 0.5 + 0.05 * np.random.default_rng(1).standard_normal(100)
    return x, y


X, Y = _data()


def residual(params, x, y):
    """The user's function, written as lmfit users write it."""
    v = params.valuesdict()
    return v["amp"] * np.exp(-x * v["rate"]) + v["offset"] - y


def _params(module):
    p = module.Parameters()
    p.add("amp", 1.0)
    p.add("tau", 1.0, min=0.01)
    p.add("offset", 0.0)
    p.add("rate", expr="1/tau")
    return p


def _summary(result) -> dict:
    return {"nfev": result.nfev, "x": [result.params[n].value for n in ("amp", "tau", "offset")],
            "cost": 0.5 * result.chisqr}


def _refopt_fit(**kws):
    def run() -> dict:
        from .. import fit

        return _summary(fit.minimize(residual, _params(fit), args=(X, Y), **kws))
    return run


def _lmfit_fit() -> dict:
    lmfit = import_anchor("lmfit")
    return _summary(lmfit.minimize(residual, _params(lmfit), args=(X, Y)))


def no_work(params, x, y):
    """A user function that costs nothing: what remains is the wrapper's overhead."""
    return y


def _refopt_overhead() -> dict:
    from .. import fit

    mini = fit.Minimizer(no_work, _params(fit), fcn_args=(X, Y))
    result = mini.prepare_fit()
    u = np.array(result._init_vals_internal)
    for _ in range(EVALUATIONS):
        mini._residual(u)
    return {"nfev": EVALUATIONS}


def _lmfit_overhead() -> dict:
    lmfit = import_anchor("lmfit")
    mini = lmfit.Minimizer(no_work, _params(lmfit), fcn_args=(X, Y))
    result = mini.prepare_fit()
    u = np.array([result.params[n].setup_bounds() for n in result.var_names])
    wrapped = mini._Minimizer__residual  # lmfit's per-evaluation wrapper
    for _ in range(EVALUATIONS):
        wrapped(u)
    return {"nfev": EVALUATIONS}


def cases() -> list[Case]:
    return [
        Case("fit/exponential/defaults", "fit", _refopt_fit(), _lmfit_fit, "lmfit.minimize",
             "3 varied parameters + 1 expression, 100 points, each library's defaults"),
        Case("fit/exponential/lmfit_tolerances", "fit", _refopt_fit(**LMFIT_LEASTSQ), _lmfit_fit,
             "lmfit.minimize", "the same fit with lmfit's leastsq tolerances passed to refopt"),
        Case(f"fit/overhead/{EVALUATIONS}_evaluations", "fit", _refopt_overhead, _lmfit_overhead,
             "lmfit.Minimizer", "the residual wrapper per evaluation (parameters, constraint, checks)"),
    ]
