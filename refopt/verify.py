"""Run every applicable method on every problem with a known solution, and judge the answers.

The problems are Moré, Garbow & Hillstrom's (ACM TOMS 7, 1981), Hock & Schittkowski's
(Lecture Notes in Econ. and Math. Systems 187, 1981) and NIST's StRD nonlinear regression
datasets.

``python -m refopt verify [--method M ...] [--problems P ...] [--nist DIR] [--json FILE]
[--plot DIR] [--perturb [EPS]] [--baseline FILE]`` takes the problems of
:mod:`refopt.problems` (and the NIST StRD datasets of a folder, by default the 27 shipped with
refopt in ``refopt/problems/data/nist``), runs each method that applies to a problem's kind
from each of its starting points, and prints one row per run as it finishes: problem, start,
method, status, digits of agreement with the known optimum (the log relative error,
:func:`refopt.problems.log_relative_error`), nfev/njev and time. A summary per method
follows. The exit status is 1 when any run misses its tolerance.

How a run is judged is the problem's business (:meth:`refopt.problems.Problem.judge`): the
objective value reached must agree with the known optimum, or with a local minimum the
problem records for that start (status ``local minimum`` or ``asymptote``). A run the
problem lists under ``known_misses`` (it ends away from the optimum in the reference
implementation too) is reported as ``known miss`` and does not fail the suite, provided it
ends at a finite point no worse than its start and stops for the recorded reason
(:func:`refopt.problems.reference_runs.accepts`); any other miss fails. No verdict rests on
a figure that changes with the floating-point path (the last digits of a value reached at
the end of a budget, an exact evaluation count): such figures differ between machines,
because numpy's SIMD kernels add in a different order.

Methods are discovered, not assumed: a method whose public face is missing, or which raises
NotImplementedError or "Unknown method", is reported as not available and skipped. Each
method runs with its default options, except that the evaluation budget is raised (the
question here is where the algorithm goes, not whether it gets there in 100·n calls) and
the derivative-free methods get tolerances tight enough for the problems' tolerances; see
:data:`OPTIONS`.

To see which verdicts depend on the machine: run once with ``--json FILE``, then again with
numpy's wider kernels disabled (``NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL
AVX512_SPR"``) or with ``--perturb`` (every start scaled by ``1 + 1e-15``), giving
``--baseline FILE``: the exit status is then 1 also when any run's verdict (pass or fail)
differs from the recorded one (:func:`changed_verdicts`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from .problems import Problem, all_problems, reference_runs

LEAST_SQUARES = ("lm", "trf", "dogbox")
MINIMIZE = ("BFGS", "CG", "Nelder-Mead", "Powell", "L-BFGS-B", "SLSQP", "Newton-CG",
            "dogleg", "trust-ncg", "trust-exact", "trust-krylov")

OPTIONS = {
    "lm": {"max_nfev": 2000},
    "trf": {"max_nfev": 2000},
    "dogbox": {"max_nfev": 2000},
    "BFGS": {"options": {"maxiter": 2000}},
    "Newton-CG": {"options": {"maxiter": 2000}},
    "CG": {"options": {"maxiter": 5000}},
    "L-BFGS-B": {"options": {"maxiter": 5000}},
    "SLSQP": {"options": {"maxiter": 1000, "ftol": 1e-10}},
    **{method: {"options": {"maxiter": 2000, "gtol": 1e-8}}
       for method in ("dogleg", "trust-ncg", "trust-exact", "trust-krylov")},
    "Nelder-Mead": {"options": {"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000, "maxfev": 20000}},
    "Powell": {"options": {"xtol": 1e-10, "ftol": 1e-14, "maxiter": 20000, "maxfev": 20000}},
}
"""Options verify passes to each method (everything else stays at its default)."""

USES_GRADIENT = {"BFGS", "CG", "L-BFGS-B", "SLSQP", "Newton-CG", "dogleg", "trust-ncg",
                 "trust-exact", "trust-krylov"}
# methods given a Hessian: the trust-region family always (differenced from the gradient where
# the problem has none); Newton-CG only the problem's own (without one it differences the
# gradient along its CG directions, as scipy's does)
USES_HESSIAN = {"dogleg", "trust-ncg", "trust-exact", "trust-krylov"}
HESSIAN_IF_KNOWN = {"Newton-CG"}
NEEDS_GRADIENT = {"Newton-CG"}  # methods that do not run without an analytic gradient
BOUNDS_ONLY = {"L-BFGS-B", "Nelder-Mead", "Powell"}  # minimize methods that take bounds
CONSTRAINTS = {"SLSQP"}  # minimize methods that take general constraints


# [methods]
@dataclass(frozen=True)
class Method:
    """A method verify can run: a name, the test of which problems it applies to, a solver.

    ``solve(problem, x0, fun, jac)`` returns an OptimizeResult-like mapping with at least
    ``x``; ``fun``/``jac`` are the problem's, wrapped to record the convergence history.
    """

    name: str
    applies: Callable[[Problem], bool]
    solve: Callable[..., dict]


def public_face(name: str):
    """``refopt.<name>``; NotImplementedError when that public face does not exist yet."""
    import refopt

    try:
        return getattr(refopt, name)
    except (AttributeError, ImportError):
        raise NotImplementedError(f"refopt.{name} does not exist yet") from None


def _least_squares_solver(method: str):
    def solve(problem, x0, fun, jac):
        least_squares = public_face("least_squares")
        kwargs = dict(OPTIONS.get(method, {}))
        if "bounds" in problem.extra:
            kwargs["bounds"] = problem.extra["bounds"]
        return least_squares(fun, x0, jac=jac, method=method, **kwargs)

    return solve


def _least_squares_applies(method: str):
    def applies(problem):
        return problem.kind == "least_squares" and not (method == "lm" and "bounds" in problem.extra)

    return applies


def _minimize_solver(method: str):
    def solve(problem, x0, fun, jac):
        minimize = public_face("minimize")
        return minimize(fun, x0, method=method, **minimize_options(problem, method, jac))

    return solve


def minimize_options(problem: Problem, method: str, jac) -> dict:
    """The keywords ``minimize`` gets: :data:`OPTIONS` (copied), the gradient ``jac`` for
    the methods that use one, and the problem's bounds and constraints."""
    kwargs = {key: dict(value) if isinstance(value, dict) else value
              for key, value in OPTIONS.get(method, {}).items()}
    if method in USES_GRADIENT and jac is not None:
        kwargs["jac"] = jac
    if method in USES_HESSIAN:
        kwargs["hess"] = problem_hessian(problem)
    elif method in HESSIAN_IF_KNOWN and "hess" in problem.extra:
        kwargs["hess"] = problem.extra["hess"]
    if "bounds" in problem.extra:
        kwargs["bounds"] = list(zip(*problem.extra["bounds"]))
    if problem.extra.get("constraints"):
        kwargs["constraints"] = problem.extra["constraints"]
    return kwargs


def problem_hessian(problem: Problem) -> Callable:
    """The problem's Hessian: ``extra["hess"]`` when it has one, else central differences
    of its analytic gradient, made symmetric (the sums of squares of MGH carry no second
    derivatives of their residuals)."""
    if "hess" in problem.extra:
        return problem.extra["hess"]
    from .differentiation import approx_derivative

    def hess(x):
        H = np.atleast_2d(approx_derivative(problem.jac, x, method="3-point"))
        return 0.5 * (H + H.T)

    return hess


def _minimize_applies(method: str):
    def applies(problem):
        if method in USES_HESSIAN:  # unconstrained, with a gradient to difference
            return problem.kind == "minimize" and problem.jac is not None
        if method in NEEDS_GRADIENT and problem.jac is None:
            return False
        if problem.kind == "minimize":
            return method not in NEEDS_GRADIENT or "bounds" not in problem.extra
        if problem.kind != "constrained":
            return False
        if problem.extra.get("constraints"):
            return method in CONSTRAINTS
        return method in CONSTRAINTS or method in BOUNDS_ONLY

    return applies


METHODS: dict[str, Method] = {}
"""Every method verify knows, by name; :func:`register_method` adds more."""


def register_method(method: Method) -> None:
    """Add (or replace) a method verify can run."""
    METHODS[method.name] = method


for _name in LEAST_SQUARES:
    register_method(Method(_name, _least_squares_applies(_name), _least_squares_solver(_name)))
for _name in MINIMIZE:
    register_method(Method(_name, _minimize_applies(_name), _minimize_solver(_name)))


def _fit_solve(problem, x0, fun, jac):
    """refopt.fit's ``minimize`` (leastsq, default settings) on Parameters ``b1 .. bn``; NaN
    residuals propagate, so that MINPACK rejects such a trial step as it rejects any bad one."""
    from .fit import Parameters, minimize

    params = Parameters()
    for i, value in enumerate(x0):
        params.add(f"b{i + 1}", float(value))
    names = list(params)
    result = minimize(lambda p: fun(np.array([p[n].value for n in names])), params,
                      nan_policy="propagate")
    return {"x": np.array([result.params[n].value for n in names]), "nfev": result.nfev,
            "message": result.message, "success": result.success}


register_method(Method("fit.leastsq", lambda p: p.kind == "least_squares" and p.name.startswith("nist_")
                       and "bounds" not in p.extra, _fit_solve))


class NotAvailable(Exception):
    """The method does not exist in refopt yet."""


def _unavailable(exc: Exception) -> bool:
    """Whether an exception says "this method is not written yet" (rather than "it failed")."""
    if isinstance(exc, ModuleNotFoundError):  # a refopt module the method needs is missing
        return (exc.name or "").startswith("refopt")
    return isinstance(exc, NotImplementedError) or (
        isinstance(exc, ValueError) and str(exc).lower().startswith("unknown method"))


# [/methods]


# [one-run]
@dataclass
class Run:
    """One (problem, start, method) run and its verdict."""

    problem: str
    start: int
    method: str
    status: str
    passed: bool
    expected: bool
    digits: float
    value: float
    f_star: float
    nfev: int | None
    njev: int | None
    nit: int | None
    time: float
    message: str = ""
    history: list = field(default_factory=list, repr=False)

    def row(self) -> dict:
        """The run as a JSON-ready dict (without the history)."""
        data = asdict(self)
        data.pop("history")
        for key in ("digits", "value", "f_star"):
            data[key] = _finite_or_none(data[key])
        return data


def _finite_or_none(value):
    return value if value is not None and math.isfinite(value) else None


def _recording(problem: Problem, history: list):
    """The problem's fun, wrapped to append the objective value of every evaluation."""

    def fun(x):
        f = problem.fun(x)
        value = float(np.linalg.norm(f)) if problem.kind == "least_squares" else float(f)
        history.append(value)
        return f

    return fun


def run_one(problem: Problem, start: int, method: Method, perturb: float = 0.0) -> Run:
    """Run ``method`` on ``problem`` from ``problem.starts[start]`` and judge the answer.

    With ``perturb`` the start is scaled by ``1 + perturb`` (``--perturb``: 1e-15 moves each
    component by a few ulps), which shows the verdicts that hang on the last bit.

    Raises
    ------
    NotAvailable
        When the method does not exist in refopt yet.
    """
    history: list = []
    x0 = np.array(problem.starts[start], dtype=float) * (1.0 + perturb)
    began = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = method.solve(problem, x0, _recording(problem, history), problem.jac)
    except Exception as exc:  # judged below: a crash is a failed case, not a crashed suite
        if _unavailable(exc):
            raise NotAvailable(str(exc)) from exc
        elapsed = time.perf_counter() - began
        return Run(problem.name, start + 1, method.name, "error", False, False, 0.0, math.nan,
                   problem.f_star, len(history), None, None, elapsed,
                   f"{type(exc).__name__}: {exc}", history)
    elapsed = time.perf_counter() - began
    with np.errstate(all="ignore"):
        verdict = problem.judge(result["x"], start)
    entry = None if verdict.passed else reference_runs.known_miss(problem, method.name, start)
    known = entry is not None and reference_runs.accepts(entry, problem, x0, result)
    status = verdict.reached if verdict.passed else ("known miss" if known else "MISS")
    message = entry[1] if known else str(result.get("message", ""))
    return Run(problem.name, start + 1, method.name, status, verdict.passed,
               known, verdict.digits, verdict.value, problem.f_star,
               _count(result, "nfev"), _count(result, "njev"), _count(result, "nit"), elapsed,
               message, history)


def _count(result, key):
    value = result.get(key) if hasattr(result, "get") else getattr(result, key, None)
    return None if value is None else int(value)


# [/one-run]


# [suite]
def select_problems(patterns, nist_dir) -> list[Problem]:
    """Registered problems plus the NIST datasets of ``nist_dir``, filtered by name.

    A pattern selects the problems whose name contains it (case-insensitive).
    """
    problems = all_problems()
    if nist_dir is not None:
        from .problems import nist

        problems += nist.problems(nist_dir)
    if patterns:
        wanted = [p.lower() for p in patterns]
        problems = [p for p in problems if any(w in p.name.lower() for w in wanted)]
    return problems


def judgeable(problems) -> tuple[list[Problem], list[Problem]]:
    """Split problems into those with a known optimum and those without (not run)."""
    known = [p for p in problems if math.isfinite(p.f_star)]
    return known, [p for p in problems if not math.isfinite(p.f_star)]


def select_methods(names) -> list[Method]:
    """The methods named (case-insensitive), or all of them."""
    if not names:
        return list(METHODS.values())
    by_lower = {name.lower(): method for name, method in METHODS.items()}
    unknown = [n for n in names if n.lower() not in by_lower]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {sorted(METHODS)}")
    return [by_lower[n.lower()] for n in names]


def run_suite(problems, methods, out=None, perturb: float = 0.0):
    """Run every applicable (problem, start, method); print each row as it finishes, after a
    progress count ``[done/total elapsed]``. A method found not available is reported once
    and its remaining runs leave the count.

    Returns
    -------
    runs : list of Run
    unavailable : dict
        Method name -> why it could not run.
    """
    out = sys.stdout if out is None else out
    runs: list[Run] = []
    unavailable: dict[str, str] = {}
    plan = [(problem, method) for problem in problems for method in methods if method.applies(problem)]
    progress = Progress(sum(len(problem.starts) for problem, _ in plan))
    print(progress.blank() + _header(), file=out, flush=True)
    for problem, method in plan:
        if method.name in unavailable:
            progress.drop(len(problem.starts))
            continue
        for start in range(len(problem.starts)):
            try:
                run = run_one(problem, start, method, perturb)
            except NotAvailable as exc:
                unavailable[method.name] = str(exc)
                progress.drop(len(problem.starts) - start)
                print(f"  ({method.name}: not available: {exc}; its other runs are skipped)",
                      file=out, flush=True)
                break
            runs.append(run)
            print(progress.step() + _format(run), file=out, flush=True)
    return runs, unavailable


class Progress:
    """The ``[done/total elapsed]`` prefix of each printed row (``drop`` removes skipped runs)."""

    def __init__(self, total: int) -> None:
        self.done, self.total, self.began = 0, total, time.perf_counter()

    def drop(self, count: int) -> None:
        self.total -= count

    def step(self) -> str:
        self.done += 1
        return self._label(self.done, time.perf_counter() - self.began)

    def blank(self) -> str:
        """Spaces as wide as a prefix (to align a header over the rows)."""
        return " " * len(self._label(self.total, 0.0))

    def _label(self, done: int, seconds: float) -> str:
        return f"[{done:>{len(str(self.total))}}/{self.total} {seconds:6.1f}s] "


COLUMNS = ("problem", "start", "method", "status", "digits", "nfev", "njev", "time")


def _header() -> str:
    return (f"{'problem':<36} {'start':>5} {'method':<12} {'status':<14} {'digits':>6} "
            f"{'nfev':>6} {'njev':>5} {'time':>8}")


def _format(run: Run) -> str:
    njev = "-" if run.njev is None else str(run.njev)
    nfev = "-" if run.nfev is None else str(run.nfev)
    return (f"{run.problem:<36} {run.start:>5} {run.method:<12} {run.status:<14} "
            f"{run.digits:>6.1f} {nfev:>6} {njev:>5} {run.time:>7.3f}s")


def summarize(runs) -> dict:
    """Per method: runs, passed (optimum / other minima), known misses, misses, errors, time."""
    summary: dict[str, dict] = {}
    for run in runs:
        s = summary.setdefault(run.method, {"runs": 0, "optimum": 0, "other minimum": 0,
                                            "known miss": 0, "missed": 0, "error": 0,
                                            "median digits": 0.0, "time": 0.0, "_digits": []})
        s["runs"] += 1
        s["time"] += run.time
        if run.passed:
            s["optimum" if run.status == "optimum" else "other minimum"] += 1
            if run.status == "optimum":
                s["_digits"].append(run.digits)
        elif run.expected:
            s["known miss"] += 1
        elif run.status == "error":
            s["error"] += 1
        else:
            s["missed"] += 1
    for s in summary.values():
        digits = s.pop("_digits")
        s["median digits"] = float(np.median(digits)) if digits else None
        s["time"] = round(s["time"], 3)
    return summary


def print_summary(summary, unavailable, out=None) -> None:
    out = sys.stdout if out is None else out
    print("\nsummary per method", file=out)
    print(f"{'method':<12} {'runs':>5} {'optimum':>8} {'other min':>9} {'known miss':>10} "
          f"{'missed':>6} {'error':>5} {'median digits':>13} {'time':>8}", file=out)
    for name, s in summary.items():
        median = "-" if s["median digits"] is None else f"{s['median digits']:.1f}"
        print(f"{name:<12} {s['runs']:>5} {s['optimum']:>8} {s['other minimum']:>9} "
              f"{s['known miss']:>10} {s['missed']:>6} {s['error']:>5} {median:>13} "
              f"{s['time']:>7.2f}s", file=out)
    for name, why in unavailable.items():
        print(f"{name:<12} not available: {why}", file=out)


def print_next_steps(failed, out=None, shown: int = 10) -> None:
    """Where to look next: the failed runs with their messages, and how to rerun one."""
    out = sys.stdout if out is None else out
    if not failed:
        return
    print("\nfailed runs (status MISS or error above), with the solver's message:", file=out)
    for run in failed[:shown]:
        print(f"  {run.problem} start {run.start} {run.method}: {run.message}", file=out)
    if len(failed) > shown:
        print(f"  ... and {len(failed) - shown} more (--json FILE lists them all)", file=out)
    first = failed[0]
    print(f"rerun one: python -m refopt verify --problems {first.problem} --method {first.method}"
          " --plot DIR (its convergence figure)", file=out)


def verdict(row: dict) -> str:
    """A run's verdict, ``"pass"`` (the optimum, a recorded minimum, or a recorded miss that
    kept its properties) or ``"fail"``, from its JSON row (:meth:`Run.row`)."""
    return "pass" if row["passed"] or row["expected"] else "fail"


def changed_verdicts(baseline: list[dict], runs: list[dict]) -> tuple[list, list, int]:
    """Compare two lists of JSON rows run by run (problem, start, method).

    Returns ``(changed, moved, unmatched)``: the runs whose verdict differs, as
    ``(key, old row, new row)``; those whose verdict is the same but whose status differs
    (e.g. ``optimum`` and ``known miss`` for a run recorded as a possible miss); and how many
    runs appear on one side only (another selection, or a method not available there).
    """
    def keyed(rows):
        return {(r["problem"], r["start"], r["method"]): r for r in rows}

    old, new = keyed(baseline), keyed(runs)
    changed, moved = [], []
    for key in old.keys() & new.keys():
        if verdict(old[key]) != verdict(new[key]):
            changed.append((key, old[key], new[key]))
        elif old[key]["status"] != new[key]["status"]:
            moved.append((key, old[key], new[key]))
    return sorted(changed), sorted(moved), len(old.keys() ^ new.keys())


def report_baseline(path, rows, out=None) -> int:
    """Print how the verdicts of ``rows`` differ from those recorded in the ``--json`` file
    ``path``; the number of changed verdicts."""
    out = sys.stdout if out is None else out
    recorded = json.loads(pathlib.Path(path).read_text())
    changed, moved, unmatched = changed_verdicts(recorded["runs"], rows)
    where = recorded.get("machine", {})
    print(f"\nagainst {path} (numpy {where.get('numpy', '?')}, perturb "
          f"{recorded.get('perturb', 0.0):g}): {len(changed)} verdicts changed, {len(moved)} "
          f"statuses moved within the same verdict, {unmatched} runs on one side only", file=out)
    for label, items in (("verdict changed", changed), ("status moved", moved)):
        for (problem, start, method), old, new in items:
            print(f"  {label}: {problem} start {start} {method}: {old['status']} -> "
                  f"{new['status']}", file=out)
    return len(changed)


def machine() -> dict:
    """Where the figures were measured (and which of numpy's SIMD kernels were switched off)."""
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "numpy": np.__version__,
            "NPY_DISABLE_CPU_FEATURES": os.environ.get("NPY_DISABLE_CPU_FEATURES", "")}


# [/suite]


def plot(runs, folder) -> list[pathlib.Path]:
    """One convergence figure per method: best objective gap against evaluations, per run.

    The gap is ``|f_best - f*| / max(|f*|, 1)`` on a log scale, where ``f_best`` is the best
    value evaluated so far.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for method in sorted({run.method for run in runs}):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for run in (r for r in runs if r.method == method and r.history):
            best = np.minimum.accumulate(np.nan_to_num(np.array(run.history), nan=np.inf))
            gap = np.abs(best - run.f_star) / max(abs(run.f_star), 1.0)
            ax.semilogy(np.arange(1, gap.size + 1), np.maximum(gap, 1e-17), lw=0.8,
                        color="C0" if run.passed else "C3", alpha=0.6)
        ax.set_xscale("log")
        ax.set_xlabel("function evaluations")
        ax.set_ylabel("|f_best - f*| / max(|f*|, 1)")
        ax.set_title(f"{method}: convergence on the verification problems (red: not passed)")
        path = folder / f"convergence-{method}.svg"
        fig.savefig(path, format="svg", bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this subcommand's options."""
    parser.add_argument("--method", nargs="+", metavar="M", help=f"methods to run (default: all of {list(METHODS)})")
    parser.add_argument("--problems", nargs="+", metavar="P", help="run only problems whose name contains one of these")
    parser.add_argument("--nist", metavar="DIR", help="folder of NIST StRD .dat files (default: the 27 shipped with refopt)")
    parser.add_argument("--no-nist", action="store_true", help="do not run the NIST datasets")
    parser.add_argument("--json", metavar="FILE", help="write every run and the summary as JSON")
    parser.add_argument("--perturb", nargs="?", type=float, const=1e-15, default=0.0, metavar="EPS",
                        help="scale every start by 1 + EPS (default 1e-15; --perturb=-1e-15 for 1 - 1e-15)")
    parser.add_argument("--baseline", metavar="FILE",
                        help="a --json file of an earlier run: exit 1 if any verdict differs from it")
    parser.add_argument("--plot", metavar="DIR", help="write a convergence figure per method (needs matplotlib)")


def default_nist_dir():
    """The NIST StRD datasets shipped with refopt (``refopt/problems/data/nist``)."""
    from .problems import nist

    return nist.default_folder()


def main(args: argparse.Namespace) -> int:
    """Run the verification suite; 0 when every case passed (or is a known miss), else 1."""
    nist_dir = None if args.no_nist else (args.nist or default_nist_dir())
    if args.nist and not pathlib.Path(args.nist).is_dir():
        print(f"--nist: no such folder: {nist_dir}", file=sys.stderr)
        return 2
    try:
        methods = select_methods(args.method)
    except ValueError as exc:
        print(f"--method: {exc}", file=sys.stderr)
        return 2
    problems, unknown = judgeable(select_problems(args.problems, nist_dir))
    for p in unknown:
        print(f"not run: {p.name} has no known optimum (f_star is not recorded)")
    print(f"verify: {len(problems)} problems, methods {[m.name for m in methods]}"
          + (f", NIST data from {args.nist}" if args.nist else ""))
    began = time.perf_counter()
    if args.baseline and not pathlib.Path(args.baseline).is_file():
        print(f"--baseline: no such file: {args.baseline}", file=sys.stderr)
        return 2
    if args.perturb:
        print(f"every start scaled by 1 + ({args.perturb:g})")
    runs, unavailable = run_suite(problems, methods, perturb=args.perturb)
    summary = summarize(runs)
    print_summary(summary, unavailable)
    failed = [r for r in runs if not r.passed and not r.expected]
    total = time.perf_counter() - began
    print(f"\n{len(runs)} runs in {total:.1f}s: {sum(r.passed for r in runs)} passed, "
          f"{sum(r.expected for r in runs)} known misses, {len(failed)} failed")
    if not runs:
        print("No method could run on the selected problems.")
    print_next_steps(failed)
    if args.json:
        report = {"machine": machine(), "perturb": args.perturb, "columns": list(COLUMNS),
                  "runs": [r.row() for r in runs], "summary": summary,
                  "unavailable": unavailable, "failed": len(failed)}
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1))
    if args.plot:
        try:
            paths = plot(runs, args.plot)
        except ImportError:
            print("--plot needs matplotlib (pip install refopt[plot])", file=sys.stderr)
            return 2
        print("figures: " + ", ".join(str(p) for p in paths))
    changed = report_baseline(args.baseline, [r.row() for r in runs]) if args.baseline else 0
    return 1 if failed or changed else 0
