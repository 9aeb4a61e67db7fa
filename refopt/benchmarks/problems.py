"""Benchmark cases on the verification problems: refopt next to scipy, method by method.

* ``lm`` — ``refopt.leastsq`` against ``scipy.optimize.leastsq`` (both MINPACK's lmder with
  the analytic Jacobian), on the MGH driver problems (all starts) and the NIST datasets.
* ``trf``, ``dogbox`` — ``refopt.least_squares`` against ``scipy.optimize.least_squares``.
* ``BFGS``, ``CG``, ``Nelder-Mead``, ``Powell`` — ``refopt.minimize`` against
  ``scipy.optimize.minimize`` on the ``minimize`` problems (MGH sums of squares, quadratics),
  with the options ``refopt verify`` uses.
* ``L-BFGS-B`` on the bound-constrained and ``SLSQP`` on the constrained Hock–Schittkowski
  problems; ``sparse`` — the Broyden tridiagonal system with n = 100 000 and a sparse
  Jacobian; ``fit`` — an lmfit-style fit with ``conf_interval``. These run only when refopt
  has the pieces; until then the bench reports them as not implemented yet.

Both sides get the same function objects, starts and options, so the ratios compare the
solvers and nothing else. Each run also reports its :func:`outcome` class, which the bench
compares between the two sides.
"""

from __future__ import annotations

import numpy as np

from ..problems import all_problems, reference_runs
from ..verify import minimize_options, public_face
from . import Case, import_anchor

LEAST_SQUARES_BUDGET = 2000  # as verify: where the algorithm goes, not the default budget


# [runners]
def outcome(problem, start: int, x, success: bool, message: str) -> str:
    """The outcome class of a run, as ``verify`` judges it: the minimum reached
    (``optimum``, ``local minimum``, ``asymptote``) or ``miss`` with the stop reason
    (:func:`refopt.problems.reference_runs.stop_reason`). The bench compares it with scipy's
    in the same process (issue 21: a known miss must miss as scipy's run does)."""
    with np.errstate(all="ignore"):
        judged = problem.judge(x, start)
    if judged.passed:
        return judged.reached
    return "miss, " + reference_runs.stop_reason({"success": success, "message": message})


def _leastsq_runner(leastsq, problem, x0, start):
    def run():
        x, _, info, mesg, ier = leastsq(problem.fun, x0, Dfun=problem.jac, full_output=True,
                                        maxfev=LEAST_SQUARES_BUDGET)
        return {"nfev": info["nfev"], "njev": info.get("njev"), "x": x, "status": ier,
                "outcome": outcome(problem, start, x, ier in (1, 2, 3, 4), mesg)}

    return run


def _least_squares_runner(least_squares, problem, x0, start, method):
    def run():
        r = least_squares(problem.fun, x0, jac=problem.jac, method=method,
                          max_nfev=LEAST_SQUARES_BUDGET)
        return {"nfev": r.nfev, "njev": r.njev, "x": r.x, "status": r.status,
                "outcome": outcome(problem, start, r.x, r.success, r.message)}

    return run


def _minimize_runner(minimize, problem, x0, start, method):
    kwargs = minimize_options(problem, method, problem.jac)

    def run():
        r = minimize(problem.fun, x0, method=method, **kwargs)
        return {"nfev": r.get("nfev"), "njev": r.get("njev"), "nit": r.get("nit"), "x": r.x,
                "status": r.get("status"), "fun": float(r.fun),
                "outcome": outcome(problem, start, r.x, r.get("success"), r.get("message", ""))}

    return run


def _refopt(name):
    """A runner factory that looks up ``refopt.<name>`` when the case runs."""
    def face():
        return public_face(name)

    return face


def _refopt_module(name: str, what: str = ""):
    """The module ``refopt.<name>``, or NotImplementedError when it does not exist yet."""
    try:
        return import_anchor(f"refopt.{name}")
    except ImportError as exc:
        raise NotImplementedError(f"refopt.{name}{what} does not exist yet") from exc


def _scipy(name):
    def face():
        return getattr(import_anchor("scipy.optimize"), name)

    return face


def _deferred(make, face, *args):
    """A runner that fetches the solver only when it runs (so missing pieces show then)."""

    def run():
        return make(face(), *args)()

    return run


def _versus(name, group, make, face, *args, f_star=None, f_tol=None):
    """The case running ``make(solver, *args)`` with ``refopt.<face>`` and with
    ``scipy.optimize.<face>``."""
    return Case(name, group, _deferred(make, _refopt(face), *args),
                _deferred(make, _scipy(face), *args), f"scipy.optimize.{face}", f_star=f_star,
                f_tol=f_tol)


# [/runners]


def _nist_problems():
    from ..problems import nist

    return nist.problems()  # the datasets shipped with refopt


def _least_squares_cases(problems):
    cases = []
    for p in problems:
        for i, x0 in enumerate(p.starts):
            x0 = np.array(x0, dtype=float)
            tag = f"{p.name}/start{i + 1}"
            cases.append(_versus(f"lm/{tag}", "lm", _leastsq_runner, "leastsq", p, x0, i))
            for method in ("trf", "dogbox"):
                cases.append(_versus(f"{method}/{tag}", method, _least_squares_runner,
                                     "least_squares", p, x0, i, method))
    return cases


def _minimize_cases(problems, methods):
    cases = []
    for p in problems:
        for method in methods:
            for i, x0 in enumerate(p.starts):
                x0 = np.array(x0, dtype=float)
                cases.append(_versus(f"{method}/{p.name}/start{i + 1}", method,
                                     _minimize_runner, "minimize", p, x0, i, method,
                                     f_star=float(p.f_star),
                                     f_tol=float(p.tolerance(p.f_star))))
    return cases


def cases() -> list[Case]:
    """Every case on the registered problems and the NIST datasets."""
    problems = all_problems()
    least_squares = [p for p in problems if p.kind == "least_squares" and np.isfinite(p.f_star)]
    smooth = [p for p in problems if p.kind == "minimize"]
    bound_only = [p for p in problems if p.kind == "constrained" and not p.extra.get("constraints")]
    constrained = [p for p in problems if p.kind == "constrained"]
    return (_least_squares_cases(least_squares + _nist_problems())
            + _minimize_cases(smooth, ("BFGS", "CG", "Nelder-Mead", "Powell"))
            + _minimize_cases(bound_only, ("L-BFGS-B",))
            + _minimize_cases(smooth, ("L-BFGS-B",))
            + _minimize_cases(constrained, ("SLSQP",))
            + broyden_cases() + [fit_case()])


# [large]
BROYDEN_N = 100_000


def broyden_residuals(x):
    """Broyden tridiagonal: ``f_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1``.

    Moré, Garbow & Hillstrom (1981), problem 30, with ``x_0 = x_{n+1} = 0``.
    """
    f = (3.0 - 2.0 * x) * x + 1.0
    f[1:] -= x[:-1]
    f[:-1] -= 2.0 * x[1:]
    return f


def broyden_sparsity_triplets(n):
    """Rows and columns of the tridiagonal pattern."""
    i = np.arange(n)
    rows = np.concatenate([i, i[1:], i[:-1]])
    cols = np.concatenate([i, i[:-1], i[1:]])
    return rows, cols


def broyden_case(n: int = BROYDEN_N, method: str = "trf", loss: str = "linear") -> Case:
    """least_squares with a sparse finite-difference Jacobian on the Broyden tridiagonal
    system (tr_solver='lsmr', forced by jac_sparsity); the bench adds peak memory."""
    x0 = -np.ones(n)
    options = dict(method=method, loss=loss)

    def run():
        sparse = _refopt_module("linalg.sparse", " (a CSR matrix)")
        least_squares = _refopt("least_squares")()
        rows, cols = broyden_sparsity_triplets(n)
        pattern = sparse.CSRMatrix.from_coo(rows, cols, np.ones(rows.size), (n, n))
        r = least_squares(broyden_residuals, x0, jac_sparsity=pattern, **options)
        return {"nfev": r.nfev, "njev": r.njev, "x": r.x, "cost": r.cost}

    def anchor():
        scipy_sparse = import_anchor("scipy.sparse")
        least_squares = _scipy("least_squares")()
        rows, cols = broyden_sparsity_triplets(n)
        pattern = scipy_sparse.coo_matrix((np.ones(rows.size), (rows, cols)),
                                          shape=(n, n)).tocsr()
        r = least_squares(broyden_residuals, x0, jac_sparsity=pattern, **options)
        return {"nfev": r.nfev, "njev": r.njev, "x": r.x, "cost": r.cost}

    suffix = "" if (method, loss) == ("trf", "linear") else f"_{method}_{loss}"
    return Case(f"sparse/broyden_tridiagonal_n{n}{suffix}", "sparse", run, anchor,
                "scipy.optimize.least_squares",
                f"jac_sparsity, method={method!r}, loss={loss!r}, tr_solver='lsmr' (forced)")


def broyden_cases() -> list[Case]:
    """The sparse group: n = 100 000 with trf (the issue's target) and dogbox, and a robust
    loss (rows of the CSR Jacobian scaled) at n = 10 000."""
    return [broyden_case(), broyden_case(method="dogbox"),
            broyden_case(10_000, "trf", "soft_l1"), broyden_case(10_000, "dogbox", "cauchy")]


def fit_case() -> Case:
    """An lmfit-style fit of a decaying sine with ``conf_interval`` (1 and 2 sigma)."""
    t = np.linspace(0.0, 15.0, 301)
    rng = np.random.default_rng(7)
    data = 5.0 * np.sin(2.0 * t + 0.3) * np.exp(-0.1 * t) + rng.normal(0.0, 0.2, t.size)

    def residual(params):
        v = params.valuesdict()
        return v["amp"] * np.sin(v["omega"] * t + v["shift"]) * np.exp(-v["decay"] * t) - data

    def fit_with(module):
        params = module.Parameters()
        params.add("amp", value=4.0)
        params.add("omega", value=2.1)
        params.add("shift", value=0.1)
        params.add("decay", value=0.05, min=0.0)
        mini = module.Minimizer(residual, params)
        result = mini.minimize(method="leastsq")
        ci = module.conf_interval(mini, result, sigmas=[1, 2])
        return {"nfev": result.nfev, "x": np.array([result.params[k].value for k in params]),
                "ci_bounds": sum(len(v) for v in ci.values())}

    def run():
        fit = _refopt_module("fit")
        if not hasattr(fit, "conf_interval"):
            raise NotImplementedError("refopt.fit.conf_interval does not exist yet")
        return fit_with(fit)

    def anchor():
        return fit_with(import_anchor("lmfit"))

    return Case("fit/decaying_sine_conf_interval", "fit", run, anchor, "lmfit.minimize",
                "Minimizer.minimize(method='leastsq') then conf_interval(sigmas=[1, 2])")


# [/large]
