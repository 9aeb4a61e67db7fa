"""Benchmark cases for the trust-region methods with second derivatives: ``dogleg``,

The problems are Moré, Garbow & Hillstrom's (ACM TOMS 7, 1981); the methods are those of
Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006), chapter 4, and Gould, Lucidi,
Roma & Toint (SIAM J. Optim. 9, 1999) for trust-krylov.
``trust-ncg``, ``trust-exact``, ``trust-krylov`` through ``refopt.minimize`` against
``scipy.optimize.minimize``, on the unconstrained problems verify runs them on (the MGH
sums of squares with their Hessian differenced from the analytic gradient, the quadratics
with theirs), with the options verify uses.

``nhev`` is counted on both sides as the calls of the Hessian (or Hessian-product) function
really made; scipy's own ``nhev`` is off by one on most runs (chapter 29's appendix says
why), so its reported figure is not the one compared. The ``/hessp`` cases give trust-ncg
and trust-krylov a Hessian-vector product instead of the matrix (the same matrix times
``p``). Each case runs with scipy's default ``gtol`` (1e-4) and with verify's 1e-8
(``/gtol1e-8``): the tighter runs end where rounding decides the last steps.
"""

from __future__ import annotations

import numpy as np

from ..problems import all_problems
from ..verify import USES_HESSIAN, minimize_options, public_face
from . import Case, import_anchor

METHODS = ("dogleg", "trust-ncg", "trust-exact", "trust-krylov")
PRODUCT_METHODS = ("trust-ncg", "trust-krylov")
GTOLS = {1e-4: "", 1e-8: "/gtol1e-8"}  # scipy's default and verify's, with their name tags


def matrix_product(hess):
    """``hessp(x, p) = hess(x) @ p``, the matrix kept for the last ``x`` (so a run's products
    at one point cost one Hessian; both sides get the same products, to the last bit)."""
    last = {}

    def hessp(x, p):
        if "x" not in last or not np.array_equal(x, last["x"]):
            last["x"], last["H"] = np.copy(x), np.asarray(hess(x))
        return last["H"] @ p

    return hessp


def _counted(function, calls):
    def counted(*args):
        calls[0] += 1
        return function(*args)

    return counted


def _runner(face, problem, x0, method, product, gtol):
    kwargs = minimize_options(problem, method, problem.jac)
    kwargs["options"] = dict(kwargs["options"], gtol=gtol)
    if product:
        kwargs["hessp"] = matrix_product(kwargs.pop("hess"))
    key = "hessp" if product else "hess"

    def run():
        calls = [0]
        given = dict(kwargs, **{key: _counted(kwargs[key], calls)})
        r = face()(problem.fun, x0, method=method, **given)
        return {"nfev": r.get("nfev"), "njev": r.get("njev"), "nhev": calls[0],
                "nhev_reported": r.get("nhev"), "nit": r.get("nit"), "x": r.x,
                "status": r.get("status")}

    return run


def _refopt_minimize():
    return public_face("minimize")


def _scipy_minimize():
    return import_anchor("scipy.optimize").minimize


def cases() -> list[Case]:
    """Each method on each unconstrained problem and start (and the product cases)."""
    found = []
    problems = [p for p in all_problems("minimize") if p.jac is not None]
    for p in problems:
        for method in METHODS:
            assert method in USES_HESSIAN
            for product in ((False, True) if method in PRODUCT_METHODS else (False,)):
                for gtol in GTOLS:
                    for i, x0 in enumerate(p.starts):
                        x0 = np.array(x0, dtype=float)
                        tag = ("/hessp" if product else "") + GTOLS[gtol]
                        found.append(Case(f"{method}{tag}/{p.name}/start{i + 1}", method,
                                          _runner(_refopt_minimize, p, x0, method, product, gtol),
                                          _runner(_scipy_minimize, p, x0, method, product, gtol),
                                          "scipy.optimize.minimize"))
    return found
