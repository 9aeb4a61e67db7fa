"""Problems with independently known solutions, for tests, ``verify`` and ``bench``.

Each problem is one :class:`Problem` record; modules in this package build records and
add them with :func:`register`. :func:`all_problems` imports the modules that register
problems and returns every record.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("least_squares", "minimize", "constrained")


@dataclass(frozen=True)
class Problem:
    """A test problem and what is known about its solution.

    Attributes
    ----------
    name : str
        Short unique name, e.g. ``"mgh01_rosenbrock"``.
    source : str
        Where the problem and its solution are published.
    kind : str
        ``"least_squares"`` (``fun`` returns residuals of length ``m``), ``"minimize"``
        (``fun`` returns a scalar) or ``"constrained"``.
    n, m : int
        Number of variables and (least squares) of residuals; ``m`` is 1 otherwise.
    starts : tuple of ndarray
        Standard starting points.
    fun, jac : callable
        ``fun(x)`` and its derivative ``jac(x)`` (Jacobian, or gradient for ``minimize``).
    f_star : float
        Known optimal value: the residual norm ``||F(x*)||`` for least squares, the
        objective for minimization.
    x_star : ndarray or None
        Known minimiser, when it is unique and published.
    rtol : float
        Relative tolerance used when judging a solver's answer.
    extra : dict
        Anything else a problem carries (bounds, constraints, hessian, ...).
    """

    name: str
    source: str
    kind: str
    n: int
    m: int
    starts: tuple
    fun: Callable[..., Any]
    jac: Callable[..., Any] | None
    f_star: float
    x_star: np.ndarray | None = None
    rtol: float = 1e-8
    extra: dict = field(default_factory=dict)


_REGISTRY: dict[str, Problem] = {}


def register(problems: Problem | Sequence[Problem]) -> None:
    """Add problems to the registry (names must be unique)."""
    for problem in [problems] if isinstance(problems, Problem) else problems:
        if problem.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {problem.kind!r}")
        if problem.name in _REGISTRY and _REGISTRY[problem.name] is not problem:
            raise ValueError(f"a problem named {problem.name!r} is already registered")
        _REGISTRY[problem.name] = problem


def all_problems(kind: str | None = None) -> list[Problem]:
    """Every registered problem (of one kind, if given), in name order."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return [p for _, p in sorted(_REGISTRY.items()) if kind is None or p.kind == kind]
