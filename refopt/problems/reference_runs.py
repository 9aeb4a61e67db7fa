"""What the reference implementation does where a method misses the known optimum.

The problems are those of Moré, Garbow & Hillstrom (ACM TOMS 7, 1981) and Hock &
Schittkowski (Lecture Notes in Econ. and Math. Systems 187, 1981).

A verification suite that only ever reports "passed" hides what it cannot do. Some runs
end away from the published minimum for reasons of the algorithm, not of the code: a
derivative-free method stagnating in ten dimensions, a trust-region method running to an
asymptote, a stopping test met early on an ill-conditioned problem. Each such run is
recorded here with how it stops and why it stops there. Every entry was checked by running
scipy 1.17.1 (the reference refopt ports) with the same options from the same start: it
misses the same way.

Where such a run ends is not a figure to hold anyone to: a run that stops on its budget, or
crawls along a valley floor, ends at a value whose last digits (and on the worst problems
whose first digits) change with the order in which numpy adds (its SIMD kernels differ from
machine to machine) and with the last bit of ``x0``. So a recorded miss is judged by
properties that do not change with the floating-point path (:func:`accepts`): the final
point is finite, the objective there is no worse than at the start, and the run stopped for
the recorded reason (:func:`stop_reason`: a convergence test met, the evaluation or
iteration budget used up, or a stall such as a line search losing precision). A run that
ends anywhere else — worse than its start, non-finite, or stopped for another reason — is a
plain MISS, so a change of behaviour cannot hide behind this table. Whether refopt misses
*where scipy misses* on a given machine is a comparison made in the same process
(``python -m refopt bench`` / ``compare``), not a figure recorded here.

An entry may also record a *knife-edge start* (:data:`KNIFE_EDGE`): a start on a set where the
problem degenerates, from which a method reaches the optimum only from the exact published
point, and a start one ulp away (``verify --perturb``) misses, in scipy as in refopt. The run
from the exact point is judged as any other (it reaches the optimum); the perturbed one is
this recorded miss, with the same robust properties; both verdicts are "pass", so a
perturbed ``verify`` gives the same verdicts.

This module also records a minimum lower than a published one (:data:`LOWER_MINIMA`).
"""

from __future__ import annotations

import math
import re

import numpy as np

from . import registered

CONVERGED, BUDGET, STALLED = "converged", "budget", "stalled"
"""The reasons a run stops (:func:`stop_reason`)."""

# problem name -> method -> start index (0-based) -> (how the run stops, why it ends there)
KNOWN_MISSES: dict[str, dict[str, dict[int, tuple[str, str]]]] = {
    "hs02": {"Powell": {0: (CONVERGED, "bounded Powell stops on the bound x[1] = 1.5 at "
                                       "x[0] = -0.995 (f = 29.99), which is not a minimum")}},
    "quadratic_10": {"Nelder-Mead": {0: (CONVERGED, "Nelder-Mead with fixed coefficients "
                                                    "stagnates in 10 dimensions (Gao & Han, "
                                                    "Comput. Optim. Appl. 51, 2012)")}},
    "mgh06_powell_singular_n4_m4_ssq": {"CG": {0: (CONVERGED, "singular Hessian at x*: CG "
                                                              "meets gtol at f ~ 1e-8, on either "
                                                              "side of atol = 1e-8")}},
    "mgh08_bard_n3_m15": {"trf": {2: (CONVERGED, "from 100 x0 runs to x2, x3 -> infinity, "
                                                 "where the gradient vanishes (an asymptote)")}},
    "mgh09_kowalik_and_osborne_n4_m11": {
        "trf": {1: (CONVERGED, "from 10 x0 stops at a stationary point with a pole of the "
                               "model between data points")},
        "dogbox": {2: (CONVERGED, "from 100 x0 stops at a stationary point far from the "
                                  "published minima")},
    },
    "mgh10_meyer_n3_m16_ssq": {
        "CG": {0: (STALLED, "the line search loses precision in Meyer's curved valley "
                            "(f spans 1e9; it stops with f between 2e4 and 7e4)")},
        "Powell": {0: (BUDGET, "uses the 20000 evaluations without reaching the valley floor")},
    },
    "mgh11_watson_n12_m31": {"trf": {0: (CONVERGED, "gtol met after a few evaluations, 13% "
                                                    "above the minimum norm (J has singular "
                                                    "values down to 3e-6)")}},
    "mgh11_watson_n12_m31_ssq": {
        "BFGS": {0: (CONVERGED, "gtol = 1e-5 is met while f is far above f* = 4.7e-10 "
                                "(Hessian condition ~1e11)")},
        "CG": {0: (CONVERGED, "as BFGS: gtol met far above f*")},
        "Nelder-Mead": {0: (CONVERGED, "stagnates in 12 dimensions")},
        "Powell": {0: (BUDGET, "uses the 20000 evaluations")},
    },
    "mgh11_watson_n9_m31_ssq": {
        "BFGS": {0: (CONVERGED, "gtol = 1e-5 is met while f is above f* = 1.4e-6")},
        "CG": {0: (CONVERGED, "as BFGS: gtol met above f*")},
        "Nelder-Mead": {0: (CONVERGED, "stagnates in 9 dimensions")},
    },
    "mgh12_box_3-dimensional_n3_m10_ssq": {
        "Nelder-Mead": {0: (CONVERGED, "runs to x2 -> infinity (x2 ~ 2300 at the end, "
                                       "||grad f| ~ 6e-9): an asymptote")},
        "Powell": {0: (BUDGET, "follows the same asymptote x2 -> infinity and uses the 20000 "
                               "evaluations")},
    },
    "mgh15_chebyquad_n1_m8": {
        method: {0: (CONVERGED, "the standard start x0 = 1/2 is a local maximum of ||F|| "
                                "(symmetric about 1/2), where J^T F = 0 exactly: the gradient "
                                "test stops every method at once")}
        for method in ("lm", "trf", "dogbox")},
    "mgh17_osborne_1_n5_m33_ssq": {"CG": {0: (CONVERGED, "gtol met at f 0.5% above f*")}},
    "mgh_trigonometric_n5_m5_ssq": {"Powell": {0: (CONVERGED, "ends at a local minimum the "
                                                              "paper does not list (f = 1.8e-3, "
                                                              "||grad f|| ~ 6e-9, Hessian "
                                                              "positive definite) instead of "
                                                              "f* = 0")}},
    "nist_lanczos1": {"dogbox": {0: (CONVERGED, "a termination test is met at ||F|| ~ 9e-10; "
                                                "the certified ||F|| is 4e-13 (the data are "
                                                "exact to 13 digits)")}},
    "nist_mgh09": {"dogbox": {0: (CONVERGED, "runs to b3, b4 -> infinity with b3/b4 fixed, "
                                             "where the model degenerates to a "
                                             "three-parameter one")}},
}
"""Runs that end away from the optimum in scipy 1.17.1 too: how they stop, and why."""

_BEALE_EDGE = ("a knife-edge start: on the line x2 = 1 Beale's residuals y_i - x1 (1 - x2^i) do "
               "not depend on x1 (the Jacobian's first column vanishes identically), so from "
               "exactly (1, 1) x1 stays put until x2 has moved and the run reaches x*; from a "
               "start an ulp off that line (verify --perturb, scipy 1.17.1 the same) ")
KNIFE_EDGE = {
    "mgh_beale_n2_m3": {"lm": {0: (CONVERGED, _BEALE_EDGE + "x1's column has a norm of ~1e-15, "
                                   "which MINPACK's scaling takes as x1's scale, and the first "
                                   "steps meet the xtol test at or near the start")}},
    "mgh_beale_n2_m3_ssq": {"Powell": {0: (CONVERGED, _BEALE_EDGE + "f slopes gently along x1: "
                                           "the first line search runs to |x1| ~ 1e15, onto the "
                                           "asymptote x1 -> +-inf, x2 -> 1 where f -> 0.452")}},
    # Newton-CG with gradient-difference Hessian products (verify's options); scipy 1.17.1
    # gives the same f, nfev and nit from the exact and from the perturbed starts
    "mgh16_brown_almost-linear_n10_m10_ssq": {"Newton-CG": {0: (
        CONVERGED, "the step test ||alpha p||_1 <= n xtol (xtol = 1e-5) is met after 5 or 6 "
                   "iterations: at f = 1.4e-9 from the exact start, at f = 1.9e-7 (above the "
                   "tolerance 1e-8) from a start one ulp away")}},
    "mgh_wood_n4_m6_ssq": {"Newton-CG": {0: (
        BUDGET, "the run crawls along Wood's plateau (f ~ 7.87) for over a thousand iterations; "
                "from the exact start it leaves it and converges at iteration 1,404, from a "
                "start one ulp away it is still there at maxiter = 2,000")}},
}
"""Starts on a degenerate set: the run reaches the optimum from the exact start only."""
for _name, _runs in KNIFE_EDGE.items():
    for _method, _starts in _runs.items():
        KNOWN_MISSES.setdefault(_name, {}).setdefault(_method, {}).update(_starts)

_FTOL_STOP = ("the relative-reduction test (ftol = 2.2e-9) stops L-BFGS-B while the "
              "projected gradient is still {g}; scipy stops at the same f")
_LBFGSB_MISSES = {  # (f reached by scipy 1.17.1's L-BFGS-B, projected gradient left)
    "mgh06_powell_singular_n4_m4_ssq": (2.3904035735044155e-08, "4e-4"),
    "mgh10_meyer_n3_m16_ssq": (112123.43771744032, "1.4e2, high in Meyer's valley"),
    "mgh11_watson_n12_m31_ssq": (1.3537989051055412e-05, "9e-5"),
    "mgh11_watson_n9_m31_ssq": (3.839121648496568e-05, "1.4e-4"),
    "mgh17_osborne_1_n5_m33_ssq": (7.699708575761198e-05, "5e-4"),
    "mgh_trigonometric_n5_m5_ssq": (2.681327611320546e-08, "4e-5"),
    "mgh_wood_n4_m6_ssq": (7.876954987901347, "1.3e-3, on Wood's plateau"),
}
for _name, (_value, _gradient) in _LBFGSB_MISSES.items():
    # scipy's L-BFGS-B ends at the same f (_value, recorded for the chapter, never asserted)
    KNOWN_MISSES.setdefault(_name, {})["L-BFGS-B"] = {0: (CONVERGED, _FTOL_STOP.format(g=_gradient))}

# Newton-CG (verify's options: maxiter 2000, the gradient differenced for Hessian products,
# xtol 1e-5): scipy 1.17.1 stops each of these the same way, at the same point
_CG_GIVES_UP = ("the inner CG does not meet its residual test in 20 n steps ({where}): "
                "status 3, 'The Hessian is not positive definite'")
_XTOL_STOP = "the step test ||alpha p||_1 <= n xtol is met at f = {f}, above f* = {f_star}"
_NEWTON_CG_MISSES = {
    "mgh10_meyer_n3_m16_ssq": (STALLED, _CG_GIVES_UP.format(
        where="at x0, where f = 1.7e9 and the Hessian spans ten orders of magnitude")),
    "mgh11_watson_n12_m31_ssq": (STALLED, _CG_GIVES_UP.format(
        where="at f = 1.6e-7; Hessian condition ~1e11")),
    "mgh_brown_badly_scaled_n2_m3_ssq": (STALLED, _CG_GIVES_UP.format(
        where="on the Hessian with entries 1e12 next to 1")),
    "mgh11_watson_n6_m31_ssq": (CONVERGED, _XTOL_STOP.format(f="0.0022878", f_star="0.0022877")),
    "mgh11_watson_n9_m31_ssq": (CONVERGED, _XTOL_STOP.format(f="6e-5", f_star="1.4e-6")),
    "mgh17_osborne_1_n5_m33_ssq": (CONVERGED, _XTOL_STOP.format(f="3.1e-4",
                                                                f_star="5.5e-5")),
}
for _name, _entry in _NEWTON_CG_MISSES.items():
    KNOWN_MISSES.setdefault(_name, {})["Newton-CG"] = {0: _entry}

# SLSQP (verify's options: ftol 1e-10, maxiter 1000) on the unconstrained sums of squares:
# each run stops because the QP's |grad f . d| falls below ftol (Kraft's first test)
KNOWN_MISSES.setdefault("mgh10_meyer_n3_m16_ssq", {})["SLSQP"] = {
    0: (CONVERGED, "|grad f . d| = 5e-11 < ftol at x3 = 3e7, far down Meyer's "
                            "curved valley (f = 1.4e9)")}
KNOWN_MISSES.setdefault("mgh11_watson_n12_m31_ssq", {})["SLSQP"] = {
    0: (CONVERGED, "|grad f . d| < ftol at f = 1.6e-7 > f* = 4.7e-10 "
                                "(Hessian condition ~1e11)")}
KNOWN_MISSES.setdefault("mgh11_watson_n9_m31_ssq", {})["SLSQP"] = {
    0: (CONVERGED, "|grad f . d| < ftol at f = 6.7e-6 > f* = 1.4e-6")}
KNOWN_MISSES.setdefault("mgh13_jennrich_and_sampson_n2_m10_ssq", {})["SLSQP"] = {
    0: (CONVERGED, "after two iterations |grad f . d| = 2e-27: the step has collapsed at "
                "f = 2020")}
KNOWN_MISSES.setdefault("mgh_brown_badly_scaled_n2_m3_ssq", {})["SLSQP"] = {
    0: (STALLED, "exit mode 7 after two iterations: the least-squares form of "
                         "the QP is rank-deficient (scipy ends the same way)")}


# The trust-region methods with second derivatives (verify's options: gtol 1e-8, maxiter
# 2000; the Hessians of the sums of squares are central differences of the gradient).
_INDEFINITE = ("dogleg needs a positive definite Hessian: Cholesky fails on an indefinite "
               "one {where}, status 3 (scipy the same)")
for _name, _where in (
        ("mgh02_linear_function_n5_m10_ssq", "at x0 (rank-one J)"),
        ("mgh02_linear_function_n5_m50_ssq", "at x0 (rank-one J)"),
        ("mgh03_linear_function_n5_m10_ssq", "at x0 (rank-one J)"),
        ("mgh03_linear_function_n5_m50_ssq", "at x0 (rank-one J)"),
        ("mgh05_helical_valley_n3_m3_ssq", "at x0"),
        ("mgh09_kowalik_and_osborne_n4_m11_ssq", "at x0"),
        ("mgh10_meyer_n3_m16_ssq", "at x0"),
        ("mgh11_watson_n12_m31_ssq", "after a few steps"),
        ("mgh12_box_3-dimensional_n3_m10_ssq", "at x0"),
        ("mgh15_chebyquad_n10_m10_ssq", "at x0"),
        ("mgh15_chebyquad_n8_m8_ssq", "at x0"),
        ("mgh15_chebyquad_n9_m9_ssq", "at x0"),
        ("mgh16_brown_almost-linear_n10_m10_ssq", "after two steps"),
        ("mgh17_osborne_1_n5_m33_ssq", "at x0"),
        ("mgh18_osborne_2_n11_m65_ssq", "at x0"),
        ("mgh_beale_n2_m3_ssq", "at x0"),
        ("mgh_brown_badly_scaled_n2_m3_ssq", "after two steps"),
        ("mgh_trigonometric_n5_m5_ssq", "at x0"),
        ("mgh_wood_n4_m6_ssq", "after seven steps, on Wood's plateau")):
    KNOWN_MISSES.setdefault(_name, {})["dogleg"] = {0: (STALLED, _INDEFINITE.format(where=_where))}
KNOWN_MISSES["mgh10_meyer_n3_m16_ssq"].update({
    method: {0: (STALLED, "the model stops predicting a decrease (status 2) on Meyer's valley "
                          "floor, f between 87.95 and 89.1 against f* = 87.9458 (scipy the "
                          "same)")}
    for method in ("trust-ncg", "trust-krylov")})
KNOWN_MISSES["mgh11_watson_n12_m31_ssq"]["trust-ncg"] = {
    0: (CONVERGED, "gtol = 1e-8 is met at f = 1.4e-8 > f* = 4.7e-10 (Hessian condition "
                   "~1e11; scipy the same)")}
KNOWN_MISSES["mgh_brown_badly_scaled_n2_m3_ssq"]["trust-ncg"] = {
    0: (BUDGET, "2000 iterations on the badly scaled valley (f still ~1e7; scipy the same)")}

LOWER_MINIMA = {
    # Moré, Garbow & Hillstrom (1981) give f = 6.50395e-3 for Chebyquad n = 10, a local
    # minimum: Nelder-Mead and Powell (here and in scipy) reach f = 4.772713696e-3, where
    # least_squares polishing leaves ||grad f|| = 5e-10.
    "mgh15_chebyquad_n10_m10": 4.772713696375345e-3,
}
"""Sums of squares lower than the published minimum, found and checked by verify."""


def known_miss(problem, method: str, start: int):
    """The recorded ``(stop reason, why)`` for a run, or None.

    Looks in this table and in the problem's own ``extra["known_misses"]`` (whose entries may
    be a reason string alone, accepting any stop reason).
    """
    entry = KNOWN_MISSES.get(problem.name, {}).get(method, {}).get(start)
    if entry is None:
        own = problem.extra.get("known_misses", {}).get(method, {}).get(start)
        if own is not None:
            entry = own if isinstance(own, tuple) else (None, own)
    return entry


_BUDGET_MESSAGE = re.compile(r"maximum number|limit|exceed", re.IGNORECASE)


def stop_reason(result) -> str:
    """Why a run stopped: :data:`CONVERGED` (it reports success: a termination test was
    met), :data:`BUDGET` (an evaluation or iteration limit; scipy's and refopt's messages
    say "maximum number", "limit" or "exceeded") or :data:`STALLED` (anything else, e.g. a
    line search that lost precision)."""
    if result.get("success"):
        return CONVERGED
    return BUDGET if _BUDGET_MESSAGE.search(str(result.get("message", ""))) else STALLED


def no_worse(value: float, start_value: float, rtol: float = 1e-12) -> bool:
    """``value <= start_value``, up to ``rtol`` of ``|start_value|``: the same sum of squares
    added in another order (numpy's kernels differ by machine) differs in its last bits, so
    a run that stops at its start may report a value one ulp above the one computed here."""
    return math.isfinite(value) and value <= start_value + rtol * abs(start_value)


def accepts(entry, problem, x0, result) -> bool:
    """Whether a run from ``x0`` that missed the optimum is the recorded miss ``entry``: its
    final point is finite, no worse than ``x0``, and it stopped for the recorded reason (any
    reason when the entry records none)."""
    x = np.asarray(result["x"], dtype=float)
    if not np.all(np.isfinite(x)):
        return False
    with np.errstate(all="ignore"):
        value, start_value = problem.value(x), problem.value(x0)
    reason = entry[0]
    return no_worse(value, start_value) and (reason is None or stop_reason(result) == reason)


def _annotate() -> None:
    """Add the lower minima to the registered problems (least squares and ``_ssq`` forms)."""
    from . import mgh, mgh_min  # noqa: F401  (make sure both are registered)

    by_name = {p.name: p for p in registered()}
    for name, ssq in LOWER_MINIMA.items():
        note = "lower minimum: below the published value, which is a local minimum"
        for problem_name, value in ((name, math.sqrt(ssq)), (name + "_ssq", ssq)):
            problem = by_name.get(problem_name)
            if problem is not None and not any(m.get("note") == note
                                               for m in problem.extra.get("local_minima", ())):
                problem.extra.setdefault("local_minima", []).append(
                    {"f": value, "x": None, "starts": None, "note": note})


_annotate()
