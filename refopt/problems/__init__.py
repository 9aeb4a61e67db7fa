"""Problems with independently known solutions, for tests, ``verify`` and ``bench``.

Each problem is one :class:`Problem` record; modules in this package build records and
add them with :func:`register`. :func:`all_problems` imports the modules that register
problems and returns every record. The modules:

* ``mgh.py`` — the 18 Moré–Garbow–Hillstrom least-squares problems of the MINPACK test set;
* ``mgh_more.py`` — four more MGH problems the driver does not run (Brown badly scaled,
  Beale, Wood, trigonometric);
* ``mgh_min.py`` — the functions of both as unconstrained minimisation, f = ||F||**2;
* ``hock_schittkowski.py`` — small constrained problems, read at run time from the package
  data, ``data/hock_schittkowski.json`` (:func:`data_dir`);
* ``linear.py`` — linear least squares and quadratics whose solution is known by construction;
* ``nist.py`` — the reader of the NIST StRD nonlinear regression datasets (shipped in
  ``data/nist``, loaded on request rather than registered: see :func:`refopt.problems.nist.load`).

How a solver's answer is judged (:meth:`Problem.judge`): the objective value it reached,
:meth:`Problem.value` (``||F(x)||`` for least squares, ``f(x)`` otherwise), must agree with
the known optimum ``f_star`` within ``rtol * |f_star| + atol``; a start known to lead to a
local minimum lists that minimum in ``extra["local_minima"]`` and reaching it counts, with the
status saying so. Agreement is reported in digits, the log relative error (LRE) of ``x``
against ``x_star`` when the minimiser is known and unique, else of the objective value.
"""

from __future__ import annotations

import importlib
import importlib.resources
import math
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
        Anything else a problem carries. Keys in use: ``"bounds"`` (``(lb, ub)`` arrays),
        ``"constraints"`` (scipy-style dicts ``{"type": "eq"|"ineq", "fun", "jac"}``, with
        ``ineq`` meaning ``fun(x) >= 0``), ``"local_minima"`` (a list of dicts ``{"f": value,
        "x": point or None, "starts": indices of the starts that lead there or None for any,
        "note": why}``; the note's text before a colon names the status, e.g. ``"asymptote:
        ..."``), ``"known_misses"`` (``{method: {start index: reason}}``: runs that end away
        from the optimum in the reference implementation too; verify reports them apart),
        ``"x_star_unique"`` (False when ``x_star`` is one of several minimisers; digits are
        then taken from the objective), ``"digits_cap"`` (the digits the reference values
        carry, 11 for NIST), ``"hess"``.
    atol : float
        Absolute tolerance added to ``rtol * |f_star|`` (needed when ``f_star`` is 0).
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
    atol: float = 0.0

    def value(self, x) -> float:
        """The objective as ``f_star`` measures it: ``||F(x)||`` for least squares, ``f(x)`` else."""
        f = self.fun(np.asarray(x, dtype=float))
        if self.kind == "least_squares":
            return float(np.linalg.norm(f))
        return float(f)

    def tolerance(self, f_ref: float) -> float:
        """Largest acceptable ``|f - f_ref|``: ``rtol * |f_ref| + atol``.

        When both ``f_ref`` and ``atol`` are zero (a zero-residual problem recorded without
        an absolute tolerance) ``rtol`` serves as the absolute tolerance.
        """
        if f_ref == 0 and self.atol == 0:
            return self.rtol
        return self.rtol * abs(f_ref) + self.atol  # (40.1)

    def other_minima(self) -> list[dict]:
        """Recorded local minima and asymptotes, as dicts (see ``extra["local_minima"]``).

        Also reads ``extra["local_norms"]`` (plain values of ``||F||`` at other stationary
        points, reachable from any start), the form ``refopt.problems.mgh`` uses.
        """
        found = list(self.extra.get("local_minima", ()))
        found += [{"f": float(v), "x": None, "starts": None, "note": "local minimum"}
                  for v in self.extra.get("local_norms", ())]
        return found

    def judge(self, x, start: int | None = None) -> Judgement:
        """Judge a solver's final point ``x`` reached from ``starts[start]``.

        Returns a :class:`Judgement`: whether the objective agrees with ``f_star`` (or with a
        local minimum recorded for that start), and the digits of agreement.
        """
        x = np.asarray(x, dtype=float)
        f = self.value(x)
        reached, local = self.reached(f, start)
        if reached is None:
            return Judgement(False, "missed", f, self.digits(x, f))
        if local is None:
            return Judgement(True, reached, f, self.digits(x, f))
        x_local = local.get("x")
        cap = self.extra.get("digits_cap", 15.0)
        digits = (log_relative_error(x, x_local, cap) if x_local is not None
                  else log_relative_error(f, local["f"], cap))
        return Judgement(True, reached, f, digits)

    def reached(self, f: float, start: int | None = None) -> tuple[str | None, dict | None]:
        """Which known minimum the objective value ``f`` is, from ``starts[start]``.

        Returns ``("optimum", None)``, ``(label, record)`` for a recorded local minimum or
        asymptote, or ``(None, None)`` when ``f`` matches none of them.
        """
        if not math.isfinite(f):
            return None, None
        if abs(f - self.f_star) <= self.tolerance(self.f_star):
            return "optimum", None
        for local in self.other_minima():
            starts = local.get("starts")
            if starts is not None and start not in starts:
                continue
            if abs(f - local["f"]) <= self.tolerance(local["f"]):
                return local.get("note", "local minimum").split(":")[0], local
        return None, None

    def digits(self, x, f: float) -> float:
        """Digits of agreement: LRE of ``x`` against ``x_star`` (worst component) when the
        minimiser is known and unique, else LRE of the objective against ``f_star``."""
        cap = self.extra.get("digits_cap", 15.0)
        if self.x_star is not None and self.extra.get("x_star_unique", True):
            return log_relative_error(x, self.x_star, cap)
        return log_relative_error(f, self.f_star, cap)


@dataclass(frozen=True)
class Judgement:
    """The verdict on one solver run: passed, which minimum, objective reached, digits."""

    passed: bool
    reached: str
    value: float
    digits: float


def log_relative_error(value, reference, cap: float = 15.0) -> float:
    """Digits of agreement, ``-log10(|value - reference| / |reference|)``, worst component.

    Components whose reference is zero use the absolute error. The result lies in
    ``[0, cap]``: an exact match gives ``cap``, NaN gives 0.
    """
    value = np.asarray(value, dtype=float)
    reference = np.asarray(reference, dtype=float)
    scale = np.where(reference == 0, 1.0, np.abs(reference))
    with np.errstate(divide="ignore", invalid="ignore"):
        lre = -np.log10(np.abs(value - reference) / scale)  # (40.2)
    lre = np.clip(np.nan_to_num(lre, nan=0.0, posinf=cap, neginf=0.0), 0.0, cap)
    return float(np.min(lre)) if lre.size else cap


def data_dir():
    """The reference data shipped in the package, ``refopt/problems/data`` (its README cites
    each source and licence): the NIST StRD datasets (``nist/``), MINPACK's driver results
    (``minpack_lmder_reference.csv``) and the Hock–Schittkowski problems
    (``hock_schittkowski.json``). Read through :mod:`importlib.resources`, so a clone and an
    installed wheel find the same files; the result supports ``/``, ``is_file`` and
    ``read_text`` (a :class:`pathlib.Path` for an installed or checked-out package)."""
    return importlib.resources.files(__name__) / "data"


_REGISTRY: dict[str, Problem] = {}


def register(problems: Problem | Sequence[Problem]) -> None:
    """Add problems to the registry (names must be unique)."""
    for problem in [problems] if isinstance(problems, Problem) else problems:
        if problem.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {problem.kind!r}")
        if problem.name in _REGISTRY and _REGISTRY[problem.name] is not problem:
            raise ValueError(f"a problem named {problem.name!r} is already registered")
        _REGISTRY[problem.name] = problem


def unregister(name: str) -> None:
    """Remove a problem from the registry (for tests that register a temporary problem)."""
    _REGISTRY.pop(name, None)


def all_problems(kind: str | None = None) -> list[Problem]:
    """Every registered problem (of one kind, if given), in name order."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return registered(kind)


def registered(kind: str | None = None) -> list[Problem]:
    """The problems registered so far (of one kind, if given), without importing modules."""
    return [p for _, p in sorted(_REGISTRY.items()) if kind is None or p.kind == kind]
