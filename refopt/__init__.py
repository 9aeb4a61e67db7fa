"""refopt: a readable reference implementation of nonlinear least squares, minimization
and curve fitting, on numpy alone.

The public faces mirror scipy.optimize and lmfit; each algorithm lives in one module that
cites its paper, and the book (``chapters/``) walks through the code next to the mathematics.
Solvers are imported on first use, so ``import refopt`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._result import OptimizeResult

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily on first access)
_LAZY = {
    "approx_derivative": "refopt.differentiation",
    "least_squares": "refopt.lsq",
    "leastsq": "refopt.lsq.leastsq",
    "curve_fit": "refopt.lsq.curve_fit",
    "minimize": "refopt.optimize",
    "line_search": "refopt.optimize.line_search",
    "OptimizeWarning": "refopt._warnings",
    "minimize_scalar": "refopt.scalar",
    "brentq": "refopt.scalar",
    "Bounds": "refopt._bounds",
    "nnls": "refopt.linalg.nnls",
    "fmin_slsqp": "refopt.optimize.slsqp",
    "LinearConstraint": "refopt.optimize.constraints",
    "NonlinearConstraint": "refopt.optimize.constraints",
}

__all__ = ["OptimizeResult", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'refopt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
