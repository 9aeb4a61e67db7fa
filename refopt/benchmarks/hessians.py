"""Benchmark cases for the methods with second derivatives: refopt next to scipy.

The problems are Moré, Garbow & Hillstrom's (ACM TOMS 7, 1981); the methods are those of
Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006), chapters 6–7.

* ``Newton-CG`` — ``refopt.minimize`` against ``scipy.optimize.minimize`` on the ``minimize``
  problems with a gradient (MGH sums of squares, quadratics), with the options ``refopt
  verify`` uses: the problem's Hessian where it has one, else Newton-CG's own gradient
  differences for the Hessian products.
* ``Newton-CG+2-point`` — the same with ``hess='2-point'`` (a difference operator of the
  gradient), and ``Newton-CG+BFGS``, ``Newton-CG+SR1`` with a quasi-Newton update strategy,
  each side its own library's class (``refopt.optimize.BFGS`` next to
  ``scipy.optimize.BFGS``).

The counts compared include ``nhev``, the Hessian evaluations each side reports.
"""

from __future__ import annotations

import numpy as np

from ..problems import all_problems
from ..verify import minimize_options, public_face
from . import Case, import_anchor

STRATEGIES = ("BFGS", "SR1")


def _newton_cg_runner(minimize, problem, x0, hess=None, strategy=None):
    """``minimize(..., method='Newton-CG')``; ``strategy`` is a class, instantiated per run
    (a strategy carries state)."""
    kwargs = minimize_options(problem, "Newton-CG", problem.jac)
    if hess is not None:
        kwargs["hess"] = hess

    def run():
        call = dict(kwargs)
        if strategy is not None:
            call["hess"] = strategy()
        r = minimize(problem.fun, x0, method="Newton-CG", **call)
        return {"nfev": r.nfev, "njev": r.njev, "nhev": r.nhev, "nit": r.nit, "x": r.x,
                "status": r.status}

    return run


def _side(library: str, strategy_name: str | None):
    """``(minimize, strategy class or None)`` of refopt or scipy, looked up when run."""
    if library == "refopt":
        minimize = public_face("minimize")
        module = import_anchor("refopt.optimize")
    else:
        module = import_anchor("scipy.optimize")
        minimize = module.minimize
    return minimize, (None if strategy_name is None else getattr(module, strategy_name))


def _case(problem, x0, group: str, hess=None, strategy_name=None) -> Case:
    def runner(library):
        def run():
            minimize, strategy = _side(library, strategy_name)
            return _newton_cg_runner(minimize, problem, x0, hess, strategy)()

        return run

    return Case(f"{group}/{problem.name}/start1", group, runner("refopt"), runner("scipy"),
                "scipy.optimize.minimize")


def cases() -> list[Case]:
    """Newton-CG on every ``minimize`` problem with a gradient, four ways."""
    problems = [p for p in all_problems("minimize") if p.jac is not None]
    out = []
    for p in problems:
        x0 = np.array(p.starts[0], dtype=float)
        out.append(_case(p, x0, "Newton-CG"))
        if "hess" not in p.extra:
            out.append(_case(p, x0, "Newton-CG+2-point", hess="2-point"))
        for name in STRATEGIES:
            out.append(_case(p, x0, f"Newton-CG+{name}", strategy_name=name))
    return out
