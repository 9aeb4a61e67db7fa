"""refopt.fit: the lmfit way of fitting -- named parameters, bounds, constraints, statistics.

Mirrors lmfit (M. Newville et al., *LMFIT: Non-Linear Least-Square Minimization and
Curve-Fitting for Python*, manual 0.5, 2012; lmfit 1.x where it improved the API):
:class:`Parameter`, :class:`Parameters`, :class:`Minimizer`, :func:`minimize`,
:class:`MinimizerResult`, :func:`fit_report` / :func:`report_fit` (and the manual's
:func:`report_errors`). Chapter 31 of the book explains the parameters, the bounds
transformation and the uncertainties.
"""

from __future__ import annotations

import importlib
from typing import Any

from .parameters import ConstraintError, Parameter, Parameters, create_params

_LAZY = {
    "Minimizer": "refopt.fit.minimizer",
    "MinimizerResult": "refopt.fit.minimizer",
    "MinimizerException": "refopt.fit.minimizer",
    "minimize": "refopt.fit.minimizer",
    "fit_report": "refopt.fit.report",
    "report_fit": "refopt.fit.report",
    "report_errors": "refopt.fit.report",
    "gformat": "refopt.fit.report",
    "conf_interval": "refopt.fit.confidence",
    "conf_interval2d": "refopt.fit.confidence",
    "ci_report": "refopt.fit.confidence",
    "report_ci": "refopt.fit.confidence",
    "f_compare": "refopt.fit.confidence",
    "ConfidenceWarning": "refopt.fit.confidence",
}

__all__ = ["Parameter", "Parameters", "ConstraintError", "create_params", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'refopt.fit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
