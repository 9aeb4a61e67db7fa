"""The Moré–Garbow–Hillstrom functions as unconstrained minimisation problems.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization software",
*ACM Transactions on Mathematical Software* 7(1), 17-41, 1981. The paper states every test
function as a sum of squares, ``f(x) = sum_i F_i(x)**2 = ||F(x)||**2``, and tabulates the
minimum value of ``f``. The least-squares problems of :mod:`refopt.problems.mgh` already
carry ``F`` and its Jacobian ``J``; here each becomes a ``minimize`` problem with

    f(x) = F(x)^T F(x),        grad f(x) = 2 J(x)^T F(x),

the published minimum ``f* = ||F(x*)||**2``, and its published local minima likewise
squared. Only the standard starting point ``x0`` is used, as in the paper's unconstrained
tests (the scaled starts ``10 x0``, ``100 x0`` belong to MINPACK's least-squares driver).

Tolerances: ``f*`` is published to 6 digits, so ``rtol = 1e-5``; where ``f* = 0`` a
gradient method stopping at ``||grad f|| <= 1e-5`` (scipy's default ``gtol``) is left with
``f`` of order ``||grad f||**2 / lambda_min``, so ``atol = 1e-8`` (the problems with a
singular Hessian at the solution, Powell singular and the rank-deficient ones, converge
only linearly; the digits column shows how far each method got).
"""

from __future__ import annotations

import math

from . import Problem, register, registered

SKIP = {15: (1,)}
"""Problem (driver number) -> sizes n left out: Chebyquad n=1 (no published minimum, and its
standard start x0 = 1/2 is a stationary point, a maximum, where gradient methods stop at once)."""

MAX_N = 12
"""Largest size kept: the n = 30, 40 Brown almost-linear cases test least squares at scale."""


def sum_of_squares(residual_problem: Problem) -> Problem:
    """The ``minimize`` problem ``f = ||F||**2`` built from a least-squares problem.

    Parameters
    ----------
    residual_problem : Problem
        A ``least_squares`` problem with ``fun`` = ``F`` and ``jac`` = ``J``.

    Returns
    -------
    Problem
        Named ``<name>_ssq``; ``f_star`` and any local minima are squared norms.
    """
    F, J = residual_problem.fun, residual_problem.jac

    def fun(x):
        r = F(x)
        return float(r @ r)  # (40.3)

    def grad(x):
        return 2.0 * (J(x).T @ F(x))  # (40.3)

    extra = {"residual_problem": residual_problem.name,
             "local_minima": [{"f": m["f"] ** 2, "x": m.get("x"), "starts": m.get("starts"),
                               "note": m.get("note", "local minimum")}
                              for m in residual_problem.other_minima()]}
    extra.update({k: v for k, v in residual_problem.extra.items()
                  if k in ("nprob", "mgh_number", "digits_cap")})
    return Problem(
        name=f"{residual_problem.name}_ssq", source=residual_problem.source, kind="minimize",
        n=residual_problem.n, m=1, starts=residual_problem.starts[:1], fun=fun, jac=grad,
        f_star=residual_problem.f_star ** 2, x_star=residual_problem.x_star,
        rtol=1e-5, atol=1e-8, extra=extra,
    )


def problems() -> list[Problem]:
    """The MGH least-squares problems (of ``refopt.problems.mgh`` and ``mgh_more``) as sums
    of squares."""
    from . import mgh, mgh_more  # noqa: F401  (importing them registers the problems)

    chosen = []
    for p in registered("least_squares"):
        nprob = p.extra.get("nprob")
        if p.name.startswith("mgh") and "mgh_number" in p.extra and p.n <= MAX_N \
                and p.n not in SKIP.get(nprob, ()) and math.isfinite(p.f_star):
            chosen.append(sum_of_squares(p))
    return chosen


register(problems())

