"""Benchmark cases for ``python -m refopt bench``: refopt next to an anchor library.

Each module in this package defines ``cases()``, returning a list of :class:`Case`
records; new modules are picked up without registering them anywhere (like
``refopt.examples``). A case pairs a refopt runner with an optional *anchor* runner that
does the same work in scipy, lmfit or asteval. Runners take no arguments and return a dict
of whatever counts they have (``nfev``, ``njev``, ``nit``, ``x``, ``cost``, ...).

Rules for runners:

* Anchor libraries are imported only inside the anchor runner, with :func:`import_anchor`
  (``importlib.import_module``); an anchor raises ImportError when its library is missing,
  and the bench reports the case as "anchor not installed". refopt never imports scipy,
  lmfit or asteval at module level.
* A refopt runner whose algorithm is not written yet raises NotImplementedError (or is
  ``None``): the bench reports "not implemented yet" and never invents a figure.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Case:
    """One benchmark case.

    Attributes
    ----------
    name : str
        Unique name, e.g. ``"lm/mgh01_rosenbrock/start1"``.
    group : str
        What is compared, e.g. ``"lm"``, ``"trf"``, ``"BFGS"``, ``"expr"``.
    run : callable or None
        ``run() -> dict`` with refopt; None when refopt has no such piece yet.
    anchor : callable or None
        ``anchor() -> dict`` doing the same work in the anchor library.
    anchor_name : str
        What the anchor calls, e.g. ``"scipy.optimize.leastsq"``; its first dotted part
        is the library (``"scipy"``, ``"lmfit"``, ``"asteval"``).
    note : str
        Anything a reader of the table should know (what the case stands for).
    f_star : float or None
        The problem's known optimal value, when it has one: the bench prints it beside the
        value ``fun`` each side reached (runners that know it return ``fun``).
    f_tol : float or None
        How far from ``f_star`` a value still counts as the optimum (the problem's own
        tolerance, as verify judges it); None: ``1e-6 max(1, |f_star|)``.
    """

    name: str
    group: str
    run: Callable[[], dict] | None
    anchor: Callable[[], dict] | None = None
    anchor_name: str = ""
    note: str = ""
    f_star: float | None = None
    f_tol: float | None = None

    @property
    def library(self) -> str:
        """The anchor's library (first dotted part of ``anchor_name``), or ``""``."""
        return self.anchor_name.split(".")[0] if self.anchor_name else ""


def import_anchor(name: str) -> ModuleType:
    """Import an anchor library's module by name (raises ImportError when it is absent)."""
    return importlib.import_module(name)


def anchor_available(library: str) -> bool:
    """Whether an anchor library can be imported in this Python."""
    try:
        import_anchor(library)
    except ImportError:
        return False
    return True


def iter_modules() -> list[str]:
    """Names of the benchmark modules in this package, in name order."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def all_cases(groups=None) -> list[Case]:
    """Every case of every benchmark module (only the given groups, if any), in module order.

    A module that fails to import is reported as one case whose runner re-raises the error,
    so that a broken module shows in the table instead of hiding the others.
    """
    cases: list[Case] = []
    for module_name in iter_modules():
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
            found = list(module.cases())
        except Exception as exc:  # keep going: one broken module must not hide the rest
            found = [Case(name=f"{module_name}/import", group=module_name, run=_raiser(exc),
                          note=f"{type(exc).__name__}: {exc}")]
        cases += [case for case in found if not groups or case.group in groups]
    names = [case.name for case in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"benchmark case names must be unique; repeated: {duplicates}")
    return cases


def _raiser(exc: Exception) -> Callable[[], dict]:
    def run() -> dict:
        raise exc

    return run
