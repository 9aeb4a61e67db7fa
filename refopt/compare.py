"""Random calls through refopt and scipy side by side, when scipy is installed.

``python -m refopt compare [--what W ...] [--runs N] [--seed S] [--show K]`` draws calls at
random — a problem of Moré, Garbow & Hillstrom (ACM TOMS 7(1), 1981) with options drawn from
what scipy's documentation allows — makes each call through refopt and through scipy, and
sorts the pairs:

* ``identical``: the same evaluation counts and status and the same ``x`` to the last bit;
* ``same counts``: the same counts and status, ``x`` different in the last bits;
* ``other path``: different counts, with the final values compared (refopt lower, the same
  within 1e-6, or higher);
* ``error``: the two raised different exceptions (or one raised and the other did not).

The ``bad-inputs`` comparison draws calls of ``least_squares`` with one or two invalid
arguments and compares the exception types and messages. Where refopt departs from scipy on
purpose (the chapters list each departure and why), the pairs differ and are reported like any
other: this command measures agreement, it does not judge it. The book's figures "by random
comparison" come from here. The draws are fixed by ``--seed``, so a reported pair can be
replayed with ``--seed`` and ``--runs 1``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import warnings
from typing import Any, Callable

import numpy as np

import refopt

from .benchmarks import import_anchor
from .problems import all_problems, mgh

WHAT = ("least_squares", "leastsq", "minimize", "bad-inputs")
SAME_VALUE = 1e-6  # relative difference of final values counted as "the same"


# --------------------------------------------------------------------------------------------
# Drawing calls
# --------------------------------------------------------------------------------------------

def random_box(rng: np.random.Generator, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds around ``x0`` (strictly inside), each side present with probability 1/2."""
    n = x0.size
    width = 0.2 * (1 + np.abs(x0))
    lb = np.where(rng.random(n) < 0.5, x0 - width * rng.random(n) - 1e-3, -np.inf)
    ub = np.where(rng.random(n) < 0.5, x0 + width * rng.random(n) + 1e-3, np.inf)
    return lb, ub


def random_driver_case(rng: np.random.Generator) -> mgh.DriverCase:
    """One of the 53 runs of MINPACK's test driver."""
    cases = mgh.driver_cases()
    return cases[rng.integers(len(cases))]


def random_tolerances(rng: np.random.Generator, names, values) -> dict:
    """Each named tolerance set with probability 0.3 to one of ``values``."""
    return {name: float(rng.choice(values)) for name in names if rng.random() < 0.3}


def draw_least_squares(rng: np.random.Generator) -> tuple[str, Callable, np.ndarray, dict]:
    """A call of ``least_squares``: method, Jacobian, loss, scaling, bounds and limits.

    ``lm`` gets an analytic Jacobian: with differences refopt's ``lm`` is MINPACK's lmdif
    (its counts include the difference evaluations), scipy's since 1.16 is not; the
    ``leastsq`` comparison covers lmdif.
    """
    case = random_driver_case(rng)
    x0 = case.x0()
    method = str(rng.choice(["trf", "dogbox", "lm"]))
    jac_kind = "callable" if method == "lm" else str(rng.choice(["callable", "2-point", "3-point"]))
    kw: dict[str, Any] = {"method": method,
                          "jac": (lambda x, c=case: c.jac(x)) if jac_kind == "callable" else jac_kind}
    if method != "lm":
        if rng.random() < 0.5:
            kw["loss"] = str(rng.choice(["soft_l1", "huber", "cauchy", "arctan"]))
            kw["f_scale"] = float(rng.choice([0.1, 1.0, 3.0]))
        if rng.random() < 0.3:
            kw["tr_solver"] = "lsmr"
        if rng.random() < 0.5:
            kw["bounds"] = random_box(rng, x0)
    scaling = rng.integers(3)
    if scaling == 1:
        kw["x_scale"] = "jac"
    elif scaling == 2:
        kw["x_scale"] = rng.uniform(0.1, 10.0, case.n)
    if rng.random() < 0.3 and jac_kind != "callable":
        kw["diff_step"] = float(rng.choice([1e-6, 1e-4]))
    if rng.random() < 0.3:
        kw["max_nfev"] = int(rng.integers(1, 40))
    kw.update(random_tolerances(rng, ("ftol", "xtol", "gtol"), [1e-6, 1e-10, 1e-12]))
    kw["verbose"] = int(rng.integers(3))
    label = f"{case.name}: {method}, jac {jac_kind}, " + ", ".join(
        k for k in kw if k not in ("method", "jac"))
    return label, case.fun, x0, kw


def draw_leastsq(rng: np.random.Generator) -> tuple[str, Callable, np.ndarray, dict]:
    """A call of ``leastsq``: with or without ``Dfun`` (also column-wise), ``diag``,
    ``factor``, ``epsfcn``, ``maxfev`` and tolerances."""
    case = random_driver_case(rng)
    kw: dict[str, Any] = {"full_output": True}
    if rng.random() < 0.5:
        if rng.random() < 0.5:
            kw["Dfun"] = lambda x, c=case: c.jac(x)
        else:
            kw["Dfun"] = lambda x, c=case: np.ascontiguousarray(c.jac(x).T)
            kw["col_deriv"] = True
    if rng.random() < 0.3:
        kw["diag"] = rng.uniform(0.1, 10.0, case.n)
    if rng.random() < 0.3:
        kw["factor"] = float(rng.choice([0.1, 1.0, 100.0]))
    if rng.random() < 0.3:
        kw["epsfcn"] = float(rng.choice([1e-10, 1e-14, 1e-6]))
    if rng.random() < 0.3:
        kw["maxfev"] = int(rng.integers(1, 60))
    kw.update(random_tolerances(rng, ("ftol", "xtol", "gtol"), [0.0, 1e-6, 1e-10, 1e-15]))
    label = f"{case.name}: " + ", ".join(k for k in kw if k != "full_output")
    return label, case.fun, case.x0(), kw


def draw_minimize(rng: np.random.Generator) -> tuple[str, Callable, np.ndarray, dict]:
    """A call of ``minimize`` with BFGS, CG, Nelder-Mead or Powell (Powell and Nelder-Mead
    sometimes with bounds)."""
    problems = all_problems("minimize")
    problem = problems[rng.integers(len(problems))]
    x0 = problem.starts[0] * float(rng.choice([1.0, 1.0, 10.0, 0.5]))
    method = str(rng.choice(["BFGS", "CG", "Nelder-Mead", "Powell"]))
    kw: dict[str, Any] = {"method": method}
    options: dict[str, Any] = {}
    if method in ("BFGS", "CG"):
        kw["jac"] = [problem.jac, None, "2-point", "3-point"][rng.integers(4)]
        if rng.random() < 0.3:
            options["gtol"] = float(rng.choice([1e-3, 1e-8]))
    else:
        xtol, ftol = ("xtol", "ftol") if method == "Powell" else ("xatol", "fatol")
        options.update(random_tolerances(rng, (xtol, ftol), [1e-4, 1e-8]))
        if rng.random() < 0.3:
            options["maxfev"] = int(rng.integers(5, 400))
        if rng.random() < 0.3:
            lb, ub = random_box(rng, x0)
            kw["bounds"] = list(zip(lb, ub))
        if method == "Nelder-Mead" and rng.random() < 0.3:
            options["adaptive"] = True
    if rng.random() < 0.3:
        kw["tol"] = float(rng.choice([1e-4, 1e-8, 1e-12]))
    if rng.random() < 0.3:
        options["maxiter"] = int(rng.integers(1, 50))
    if options:
        kw["options"] = options
    label = f"{problem.name}: {method}, " + ", ".join(list(kw)[1:] + list(options))
    return label, problem.fun, x0, kw


def _rosenbrock_residuals(x):
    return np.array([x[0] - 1, 10 * (x[1] - x[0] ** 2), x[1]])


def _rosenbrock_jac(x):
    return np.array([[1.0, 0.0], [-20 * x[0], 10.0], [0.0, 1.0]])


def _loss_of_wrong_shape(z):
    return np.ones((2, z.size))


#: invalid (or edge) values for least_squares' arguments, drawn one or two at a time
BAD_ARGUMENTS: dict[str, list] = {
    "x0": [np.array([0.5]), np.zeros((2, 2)), np.array([1 + 1j, 0]), [np.nan, 0.0], [],
           np.array([3.0, 4.0])],
    "bounds": [(0, 1), ([0, 0], [1]), ([0, 0, 0], [1, 1, 1]), ([1, 1], [0, 0]),
               ([0, 0], [0, 1]), ([np.nan, 0], [1, 1]), (1, 2, 3)],
    "method": ["lm", "trf", "dogbox", "newton"],
    "jac": ["2-point", "3-point", "cs", "4-point", lambda x: np.ones((2, 2))],
    "loss": ["soft_l1", "quadratic", _loss_of_wrong_shape],
    "f_scale": [0.0, -1.0],
    "ftol": [0.0, 1e-20, None, -1.0],
    "xtol": [None, 0.0],
    "gtol": [None, 0.0],
    "x_scale": ["jac", [1, 2], [1], 0.0, -1.0, [1, np.inf], "unit"],
    "tr_solver": ["exact", "lsmr", "qr"],
    "tr_options": [{"regularize": False}, {"damping": 1}],
    "max_nfev": [0, -1],  # not 2.5: scipy's trf never stops then (refopt refuses it)
    "verbose": [3, -1],
}


def draw_bad_least_squares(rng: np.random.Generator) -> tuple[str, Callable, Any, dict]:
    """A call of ``least_squares`` on Rosenbrock's residuals with one or two bad arguments."""
    kw: dict[str, Any] = {"jac": lambda x: _rosenbrock_jac(x), "max_nfev": 5}
    x0: Any = np.array([0.5, 0.5])
    names = rng.choice(list(BAD_ARGUMENTS), size=int(rng.integers(1, 3)), replace=False)
    for name in names:
        values = BAD_ARGUMENTS[str(name)]
        value = values[rng.integers(len(values))]
        if name == "x0":
            x0 = value
        else:
            kw[str(name)] = value
    return "least_squares(" + ", ".join(str(n) for n in names) + ")", _rosenbrock_residuals, x0, kw


# --------------------------------------------------------------------------------------------
# Making a call and comparing
# --------------------------------------------------------------------------------------------

def call(run: Callable[[], Any]) -> tuple[Any, str | None]:
    """``run()`` with warnings and printing silenced: ``(result, None)`` or ``(None, error)``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            return run(), None
        except Exception as exc:  # the comparison is of what each side raises
            return None, f"{type(exc).__name__}: {exc}"


def outcome(what: str, module, fun: Callable, x0, kw: dict) -> dict:
    """The figures of one call that the comparison looks at."""
    if what == "leastsq":
        out, error = call(lambda: module.leastsq(fun, x0, **kw))
        if error:
            return {"error": error}
        x, _cov, info, _mesg, ier = out
        return {"counts": (info["nfev"], info.get("njev"), ier), "x": np.asarray(x),
                "value": float(np.linalg.norm(info["fvec"]))}
    func = module.minimize if what == "minimize" else module.least_squares
    res, error = call(lambda: func(fun, x0, **kw))
    if error:
        return {"error": error}
    if what == "minimize":
        counts = (res.get("nfev"), res.get("njev"), res.get("nit"), res.get("status"))
        return {"counts": counts, "x": np.asarray(res.x), "value": float(res.fun)}
    return {"counts": (res.nfev, res.njev, res.status), "x": np.asarray(res.x),
            "value": float(res.cost)}


def classify(ours: dict, theirs: dict) -> str:
    """One of ``identical``, ``same counts``, ``lower``, ``same value``, ``higher``,
    ``error`` (the last four: ``other path`` with its outcome for refopt)."""
    if "error" in ours or "error" in theirs:
        return "identical" if ours.get("error") == theirs.get("error") else "error"
    if ours["counts"] == theirs["counts"]:
        same_x = ours["x"].shape == theirs["x"].shape and np.array_equal(ours["x"], theirs["x"])
        return "identical" if same_x else "same counts"
    a, b = ours["value"], theirs["value"]
    if a == b or abs(a - b) <= SAME_VALUE * max(abs(a), abs(b)):
        return "same value"
    return "lower" if a < b else "higher"


def compare(what: str, runs: int, seed: int, show: int, scipy_optimize) -> dict[str, int]:
    """Draw ``runs`` calls of kind ``what``, compare, print the first ``show`` differences."""
    draw = {"least_squares": draw_least_squares, "leastsq": draw_leastsq,
            "minimize": draw_minimize, "bad-inputs": draw_bad_least_squares}[what]
    kind = "least_squares" if what == "bad-inputs" else what
    tally: dict[str, int] = {}
    shown = 0
    for k in range(runs):
        rng = np.random.default_rng([seed, k])
        label, fun, x0, kw = draw(rng)
        ours = outcome(kind, refopt, fun, x0, kw)
        theirs = outcome(kind, scipy_optimize, fun, x0, kw)
        verdict = classify(ours, theirs)
        tally[verdict] = tally.get(verdict, 0) + 1
        if verdict != "identical" and shown < show:
            shown += 1
            print(f"  [{seed} {k}] {label}: {verdict}")
            for side, out in (("refopt", ours), ("scipy", theirs)):
                detail = out.get("error") or f"counts {out['counts']}, value {out['value']:.10g}"
                print(f"      {side:<6} {detail}")
    return tally


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this subcommand's options."""
    parser.add_argument("--what", nargs="+", choices=WHAT, default=list(WHAT),
                        help="which comparisons (default: all)")
    parser.add_argument("--runs", type=int, default=300, help="calls per comparison (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    parser.add_argument("--show", type=int, default=10,
                        help="print at most this many differing pairs per comparison (default 10)")


def main(args: argparse.Namespace) -> int:
    """Run the comparisons; 0 unless scipy is missing (then say so and return 0 too)."""
    try:  # the anchor library, imported as the bench imports it
        scipy_optimize = import_anchor("scipy.optimize")
        version = import_anchor("scipy").__version__
    except ImportError:
        print("scipy is not installed: nothing to compare with "
              "(pip install refopt[compare] and run this again).")
        return 0
    print(f"refopt against scipy {version}, numpy {np.__version__}, seed {args.seed}")
    order = ("identical", "same counts", "same value", "lower", "higher", "error")
    for what in args.what:
        print(f"== {what}: {args.runs} random calls")
        tally = compare(what, args.runs, args.seed, args.show, scipy_optimize)
        print("  " + ", ".join(f"{name} {tally[name]}" for name in order if name in tally))
    return 0
