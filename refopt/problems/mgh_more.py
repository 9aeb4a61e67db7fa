"""Four Moré–Garbow–Hillstrom problems that MINPACK's least-squares driver does not run.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization software",
*ACM Transactions on Mathematical Software* 7(1), 17-41, 1981. MINPACK's ``lmder`` driver
(:mod:`refopt.problems.mgh`) takes eighteen of the paper's problems; the paper's
unconstrained tests use these four as well, numbered as in the paper:

* (4) Brown badly scaled, n = 2, m = 3: ``x*`` = (1e6, 2e-6), six orders of magnitude apart;
* (5) Beale, n = 2, m = 3: ``x*`` = (3, 1/2);
* (14) Wood, n = 4, m = 6: Rosenbrock's valley twice, coupled, ``x*`` = (1, 1, 1, 1);
* (26) Trigonometric, here with n = m = 5: ``f* = 0`` (the minimiser is not published).

Each is a residual vector ``F`` with its analytic Jacobian ``J``, the paper's standard start
``x0`` (the paper's own tests use no scaled starts) and its published minimum ``f* = 0``,
registered as a ``least_squares`` problem (``f_star = ||F(x*)|| = 0``), so that
:mod:`refopt.problems.mgh_min` also registers ``f = ||F||**2`` as a ``minimize`` problem.
"""

from __future__ import annotations

import math

import numpy as np

from . import Problem, register
from .mgh import PUBLISHED_RTOL

SOURCE = ("Moré, Garbow & Hillstrom, Testing unconstrained optimization software, "
          "ACM TOMS 7(1), 1981")


def brown_badly_scaled(x):
    """MGH (4): F = (x1 - 10**6, x2 - 2 10**-6, x1 x2 - 2)."""
    return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0])


def brown_badly_scaled_jacobian(x):
    return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])


BEALE_Y = np.array([1.5, 2.25, 2.625])
_I3 = np.arange(1.0, 4.0)


def beale(x):
    """MGH (5): F_i = y_i - x1 (1 - x2**i), i = 1, 2, 3."""
    return BEALE_Y - x[0] * (1.0 - x[1] ** _I3)


def beale_jacobian(x):
    return np.column_stack([x[1] ** _I3 - 1.0, x[0] * _I3 * x[1] ** (_I3 - 1.0)])


_S90, _S10 = math.sqrt(90.0), math.sqrt(10.0)


def wood(x):
    """MGH (14): two Rosenbrock valleys (x1, x2) and (x3, x4), coupled through x2 and x4."""
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0], _S90 * (x[3] - x[2] ** 2),
                     1.0 - x[2], _S10 * (x[1] + x[3] - 2.0), (x[1] - x[3]) / _S10])


def wood_jacobian(x):
    return np.array([[-20.0 * x[0], 10.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0],
                     [0.0, 0.0, -2.0 * _S90 * x[2], _S90], [0.0, 0.0, -1.0, 0.0],
                     [0.0, _S10, 0.0, _S10], [0.0, 1.0 / _S10, 0.0, -1.0 / _S10]])


def trigonometric(x):
    """MGH (26): F_i = n - sum_j cos x_j + i (1 - cos x_i) - sin x_i, i = 1..n."""
    i = np.arange(1.0, x.size + 1)
    return x.size - np.sum(np.cos(x)) + i * (1.0 - np.cos(x)) - np.sin(x)


def trigonometric_jacobian(x):
    i = np.arange(1.0, x.size + 1)
    return np.tile(np.sin(x), (x.size, 1)) + np.diag(i * np.sin(x) - np.cos(x))


def _problem(number, name, fun, jac, m, x0, x_star=None):
    return Problem(
        name=f"mgh_{name}_n{len(x0)}_m{m}", source=SOURCE, kind="least_squares",
        n=len(x0), m=m, starts=(np.array(x0, dtype=float),),
        fun=lambda x: fun(np.asarray(x, dtype=float)),
        jac=lambda x: jac(np.asarray(x, dtype=float)),
        f_star=0.0, x_star=None if x_star is None else np.array(x_star, dtype=float),
        rtol=PUBLISHED_RTOL, extra={"mgh_number": number},
    )


PROBLEMS = [
    _problem(4, "brown_badly_scaled", brown_badly_scaled, brown_badly_scaled_jacobian, 3,
             (1.0, 1.0), (1e6, 2e-6)),
    _problem(5, "beale", beale, beale_jacobian, 3, (1.0, 1.0), (3.0, 0.5)),
    _problem(14, "wood", wood, wood_jacobian, 6, (-3.0, -1.0, -3.0, -1.0), (1.0,) * 4),
    _problem(26, "trigonometric", trigonometric, trigonometric_jacobian, 5, (0.2,) * 5),
]

register(PROBLEMS)
