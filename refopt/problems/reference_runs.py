"""What the reference implementation does where a method misses the known optimum.

A verification suite that only ever reports "passed" hides what it cannot do. Some runs
end away from the published minimum for reasons of the algorithm, not of the code: a
derivative-free method stagnating in ten dimensions, a trust-region method running to an
asymptote, a stopping test met early on an ill-conditioned problem. Each such run is
recorded here with the objective value it reaches — ``||F||`` for least squares, ``f``
otherwise — and why. Every entry was checked by running scipy 1.17.1 (the reference refopt
ports) with the same options from the same start: it ends at the same value.

``python -m refopt verify`` reports a recorded run as ``known miss`` only while refopt
reaches the recorded value (to 1e-6 relative); if refopt ends anywhere else the run is a
plain MISS, so a change of behaviour cannot hide behind this table.

This module also records a minimum lower than a published one (:data:`LOWER_MINIMA`).
"""

from __future__ import annotations

import math

from . import registered

# problem name -> method -> start index (0-based) -> (value reached, why)
KNOWN_MISSES: dict[str, dict[str, dict[int, tuple[float, str]]]] = {
    "hs02": {"Powell": {0: (29.992494384589563,
                            "bounded Powell stops on the bound x[1] = 1.5 at x[0] = -0.995, "
                            "which is not a minimum")}},
    "quadratic_10": {"Nelder-Mead": {0: (-0.6453832769066323,
                                         "Nelder-Mead with fixed coefficients stagnates in 10 "
                                         "dimensions (Gao & Han, Comput. Optim. Appl. 51, 2012)")}},
    "mgh06_powell_singular_n4_m4_ssq": {"CG": {0: (1.1780648642315798e-08,
                                                   "singular Hessian at x*: CG meets gtol at "
                                                   "f = 1.2e-8, just above atol = 1e-8")}},
    "mgh08_bard_n3_m15": {"trf": {2: (4.129756164095418,
                                      "from 100 x0 runs to x2, x3 -> infinity, where the "
                                      "gradient vanishes (an asymptote)")}},
    "mgh09_kowalik_and_osborne_n4_m11": {
        "trf": {1: (0.020583358009949437, "from 10 x0 stops at a stationary point with a pole "
                                          "of the model between data points")},
        "dogbox": {2: (0.08249644162960973, "from 100 x0 stops at a stationary point far "
                                            "from the published minima")},
    },
    "mgh10_meyer_n3_m16_ssq": {
        "CG": {0: (69262.57263602226, "the line search loses precision in Meyer's curved "
                                      "valley (f spans 1e9)")},
        "Powell": {0: (51257.90423217215, "uses the 20000 evaluations without reaching the "
                                          "valley floor")},
    },
    "mgh11_watson_n12_m31": {"trf": {0: (2.4473607688357985e-05,
                                         "gtol met after 6 evaluations, 13% above the "
                                         "minimum norm (J has singular values down to 3e-6)")}},
    "mgh11_watson_n12_m31_ssq": {
        "BFGS": {0: (1.5863247636839852e-07, "gtol = 1e-5 is met while f is far above "
                                             "f* = 4.7e-10 (Hessian condition ~1e11)")},
        "CG": {0: (2.6103509679593384e-07, "as BFGS: gtol met far above f*")},
        "Nelder-Mead": {0: (0.0001700029481037352, "stagnates in 12 dimensions")},
        "Powell": {0: (1.898711430561391e-08, "uses the 20000 evaluations")},
    },
    "mgh11_watson_n9_m31_ssq": {
        "BFGS": {0: (6.681259155871269e-06, "gtol = 1e-5 is met while f is above f* = 1.4e-6")},
        "CG": {0: (8.697662791836073e-06, "as BFGS: gtol met above f*")},
        "Nelder-Mead": {0: (0.003984752343433673, "stagnates in 9 dimensions")},
    },
    "mgh12_box_3-dimensional_n3_m10_ssq": {
        "Nelder-Mead": {0: (0.0755887407549974, "runs to x2 -> infinity (x2 = 2311 at the end, "
                                                "||grad f|| = 6e-9): an asymptote")},
        "Powell": {0: (0.07559879601718453, "follows the same asymptote x2 -> infinity and uses "
                                            "the 20000 evaluations")},
    },
    "mgh15_chebyquad_n1_m8": {
        method: {0: (1.886237969077315, "the standard start x0 = 1/2 is a local maximum of "
                                        "||F|| (symmetric about 1/2), where J^T F = 0 exactly: "
                                        "the gradient test stops every method at once")}
        for method in ("lm", "trf", "dogbox")},
    "mgh17_osborne_1_n5_m33_ssq": {"CG": {0: (5.4938102160689e-05,
                                              "gtol met at f 0.5% above f*")}},
    "mgh_trigonometric_n5_m5_ssq": {"Powell": {0: (0.0017733760879011262,
                                                   "ends at a local minimum the paper does not "
                                                   "list (||grad f|| = 6e-9, Hessian positive "
                                                   "definite) instead of f* = 0")}},
    "nist_lanczos1": {"dogbox": {0: (9.264947151843686e-10,
                                     "ftol met at ||F|| = 9e-10; the certified ||F|| is 4e-13 "
                                     "(the data are exact to 13 digits)")}},
    "nist_mgh09": {"dogbox": {0: (0.08249644162961588,
                                  "runs to b3, b4 -> infinity with b3/b4 fixed, where the "
                                  "model degenerates to a three-parameter one")}},
}
"""Runs that end away from the optimum in scipy 1.17.1 too, with the value reached."""

# SLSQP (verify's options: ftol 1e-10, maxiter 1000) on the unconstrained sums of squares:
# each run stops because the QP's |grad f . d| falls below ftol (Kraft's first test)
KNOWN_MISSES.setdefault("mgh10_meyer_n3_m16_ssq", {})["SLSQP"] = {
    0: (1417869030.8832908, "|grad f . d| = 5e-11 < ftol at x3 = 3e7, far down Meyer's "
                            "curved valley (f = 1.4e9)")}
KNOWN_MISSES.setdefault("mgh11_watson_n12_m31_ssq", {})["SLSQP"] = {
    0: (1.5805650648970414e-07, "|grad f . d| < ftol at f = 1.6e-7 > f* = 4.7e-10 "
                                "(Hessian condition ~1e11)")}
KNOWN_MISSES.setdefault("mgh11_watson_n9_m31_ssq", {})["SLSQP"] = {
    0: (6.681059437700343e-06, "|grad f . d| < ftol at f = 6.7e-6 > f* = 1.4e-6")}
KNOWN_MISSES.setdefault("mgh13_jennrich_and_sampson_n2_m10_ssq", {})["SLSQP"] = {
    0: (2020.0, "after two iterations |grad f . d| = 2e-27: the step has collapsed at "
                "f = 2020")}
KNOWN_MISSES.setdefault("mgh_brown_badly_scaled_n2_m3_ssq", {})["SLSQP"] = {
    0: (499998500005.25, "exit mode 7 after two iterations: the least-squares form of "
                         "the QP is rank-deficient (scipy ends the same way)")}


LOWER_MINIMA = {
    # Moré, Garbow & Hillstrom (1981) give f = 6.50395e-3 for Chebyquad n = 10, a local
    # minimum: Nelder-Mead and Powell (here and in scipy) reach f = 4.772713696e-3, where
    # least_squares polishing leaves ||grad f|| = 5e-10.
    "mgh15_chebyquad_n10_m10": 4.772713696375345e-3,
}
"""Sums of squares lower than the published minimum, found and checked by verify."""


def known_miss(problem, method: str, start: int):
    """The recorded ``(value, why)`` for a run, or None.

    Looks in this table and in the problem's own ``extra["known_misses"]`` (whose entries may
    be a reason string alone, matching any value reached).
    """
    entry = KNOWN_MISSES.get(problem.name, {}).get(method, {}).get(start)
    if entry is None:
        own = problem.extra.get("known_misses", {}).get(method, {}).get(start)
        if own is not None:
            entry = own if isinstance(own, tuple) else (None, own)
    return entry


def matches(entry, value: float) -> bool:
    """Whether a run's value is the recorded one (any value when none is recorded)."""
    recorded = entry[0]
    if recorded is None:
        return True
    return math.isfinite(value) and abs(value - recorded) <= 1e-6 * abs(recorded) + 1e-14


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
