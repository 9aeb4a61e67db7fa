"""Variables fixed by their bounds (``lb == ub``), taken out before a method runs.

A forward difference at a variable whose box has zero width cannot step inside the box, so
scipy's ``minimize`` (1.17, ``_minimize.py``) removes such variables for L-BFGS-B, SLSQP and
TNC whenever a gradient or a constraint Jacobian is estimated by differences (always for
TNC), and puts them back in the result: ``x`` in full, ``jac`` with NaN at the fixed entries,
``hess_inv`` unknown (None). When every variable is fixed there is nothing to minimize: the
result is ``f`` at the bounds, with the constraints checked there. refopt does the same, but
does not print the callback on the way, as scipy 1.17 does (a stray ``print``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import OptimizeResult
from .constraints import standardize

REMOVES_FIXED = ("l-bfgs-b", "slsqp", "tnc")
"""The methods whose fixed variables ``minimize`` takes out (scipy's set)."""


class FixedVariables:
    """Which variables are fixed, at what values, and how to move between full and free."""

    def __init__(self, fixed: np.ndarray, values: np.ndarray):
        self.fixed = fixed
        self.values = values

    def full(self, x_free: Any) -> np.ndarray:
        """The free variables with the fixed ones put back in place."""
        x_free = np.asarray(x_free)
        x = np.zeros(self.fixed.size, dtype=x_free.dtype)
        x[self.fixed] = self.values
        x[~self.fixed] = x_free
        return x

    def function(self, fun: Callable, min_dim: int = 0, drop_columns: bool = False) -> Callable:
        """``fun`` of the free variables; with ``drop_columns`` the fixed variables' entries
        (the last axis: gradient components or Jacobian columns) are dropped from its value."""
        def reduced(x, *args, **kwargs):
            value = np.array(fun(self.full(x), *args, **kwargs))
            if min_dim == 1:
                value = np.atleast_1d(value)
            elif min_dim == 2:
                value = np.atleast_2d(value)
            return value[..., ~self.fixed] if drop_columns else value

        return reduced

    def constraint(self, con: dict) -> dict:
        """A constraint dict of the free variables (a new dict; the user's is not touched)."""
        con = dict(con)
        if "fun" in con:  # a missing fun is reported by the method, in its words
            con["fun"] = self.function(con["fun"], min_dim=1)
        if callable(con.get("jac")):
            con["jac"] = self.function(con["jac"], min_dim=2, drop_columns=True)
        return con

    def callback(self, callback: Callable | None) -> Callable | None:
        """The wrapped callback (a function of an OptimizeResult), shown the full ``x``."""
        if callback is None:
            return None

        def full_view(result):
            result["x"] = self.full(result["x"])
            return callback(result)

        return full_view

    def restore(self, result: Any) -> Any:
        """``x`` in full, ``jac`` with NaN at the fixed variables, ``hess_inv`` None."""
        result["x"] = self.full(result["x"])
        jac = result.get("jac")
        if jac is not None:
            full_jac = np.full(self.fixed.size, np.nan, dtype=np.result_type(jac, float))
            full_jac[~self.fixed] = jac
            result["jac"] = full_jac
        if "hess_inv" in result:
            result["hess_inv"] = None
        return result


def differences_needed(jac: Any, constraints: list) -> bool:
    """Whether the gradient or any constraint Jacobian will be estimated by differences."""
    return not callable(jac) or any(not callable(c.get("jac")) for c in constraints)


def remove_fixed(meth: str, fun: Callable, x0: np.ndarray, args: tuple, jac: Any,
                 bounds: tuple, constraints: Any):
    """Take the fixed variables out of a problem, as scipy's ``minimize`` does.

    Returns
    -------
    None
        When nothing is to be removed (no variable fixed, or no differences needed).
    OptimizeResult
        When every variable is fixed: the answer, without a run.
    (FixedVariables, fun, x0, jac, bounds, constraints)
        The problem in the free variables.
    """
    lb, ub = bounds
    fixed = lb == ub
    if not fixed.any():
        return None
    dicts = standardize(constraints, x0)
    if fixed.all():
        return all_fixed_result(fun, lb, args, dicts)
    if not (differences_needed(jac, dicts) or meth == "tnc"):
        return None
    free = FixedVariables(fixed, lb[fixed])
    if callable(jac):
        jac = free.function(jac, drop_columns=True)
    return (free, free.function(fun), x0[~fixed], jac, (lb[~fixed], ub[~fixed]),
            [free.constraint(c) for c in dicts])


def all_fixed_result(fun: Callable, lb: np.ndarray, args: tuple, dicts: list) -> OptimizeResult:
    """Every variable fixed: ``f`` at the bounds, a success if the constraints hold there
    exactly (scipy's messages)."""
    x = np.copy(lb)
    worst = 0.0
    for con in dicts:
        c = np.atleast_1d(np.asarray(con["fun"](x, *con.get("args", ())), dtype=float))
        violation = np.abs(c) if con["type"] == "eq" else np.fmax(-c, 0.0)
        if np.sum(violation):
            worst = max(worst, float(np.max(violation)))
    if worst > 0.0:
        success = False
        message = ("All independent variables were fixed by bounds, but the independent "
                   "variables do not satisfy the constraints exactly. (Maximum violation: "
                   f"{worst}).")
    elif dicts:
        success = True
        message = ("All independent variables were fixed by bounds at values that satisfy "
                   "the constraints.")
    else:
        success, message = True, "All independent variables were fixed by bounds."
    return OptimizeResult(x=x, fun=fun(x, *args), success=success, message=message, nfev=1,
                          njev=0, nhev=0)
