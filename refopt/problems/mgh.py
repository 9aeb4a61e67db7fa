"""The eighteen least-squares problems of MINPACK's ``lmder``/``lmdif`` test driver.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization software",
*ACM Transactions on Mathematical Software* 7(1), 17-41, 1981 (problems 1-18 below are
numbered as in MINPACK's driver; the paper's numbers are given in ``MGH_NUMBER``), and the
MINPACK-1 test programs (Moré, Garbow & Hillstrom, ANL-80-74, 1980): the same residuals,
Jacobians, standard starting points ``x0`` and the scaled starts ``10 x0`` and ``100 x0``
(for Watson, whose ``x0`` is 0, the start ``factor * ones``).

Each residual and Jacobian is written in the Fortran's order of operations (so the counts of
a faithful MINPACK port can agree with MINPACK's), vectorised over the data points.
:func:`driver_cases` lists the 53 (problem, n, m, factor) runs of the driver; every
(problem, n, m) case is registered as a :class:`refopt.problems.Problem` whose ``f_star`` is
the minimum residual norm published by Moré, Garbow & Hillstrom (1981), or derived in closed
form for the linear problems.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import Problem, register

SOURCE = ("Moré, Garbow & Hillstrom, Testing unconstrained optimization software, "
          "ACM TOMS 7(1), 1981; MINPACK-1 lmder test driver")

NAMES = {
    1: "Linear function - full rank", 2: "Linear function - rank 1",
    3: "Linear function - rank 1 with zero columns and rows", 4: "Rosenbrock",
    5: "Helical valley", 6: "Powell singular", 7: "Freudenstein and Roth", 8: "Bard",
    9: "Kowalik and Osborne", 10: "Meyer", 11: "Watson", 12: "Box 3-dimensional",
    13: "Jennrich and Sampson", 14: "Brown and Dennis", 15: "Chebyquad",
    16: "Brown almost-linear", 17: "Osborne 1", 18: "Osborne 2",
}

#: the problem's number in Moré, Garbow & Hillstrom (1981)
MGH_NUMBER = {1: 32, 2: 33, 3: 34, 4: 1, 5: 7, 6: 13, 7: 2, 8: 8, 9: 15, 10: 10, 11: 20,
              12: 12, 13: 6, 14: 16, 15: 35, 16: 27, 17: 17, 18: 19}

#: the driver's cases: (problem, n, m, number of starts 1, 10, 100 tried)
CASES = (
    (1, 5, 10, 1), (1, 5, 50, 1), (2, 5, 10, 1), (2, 5, 50, 1), (3, 5, 10, 1), (3, 5, 50, 1),
    (4, 2, 2, 3), (5, 3, 3, 3), (6, 4, 4, 3), (7, 2, 2, 3), (8, 3, 15, 3), (9, 4, 11, 3),
    (10, 3, 16, 2), (11, 6, 31, 3), (11, 9, 31, 3), (11, 12, 31, 3), (12, 3, 10, 1),
    (13, 2, 10, 1), (14, 4, 20, 3), (15, 1, 8, 3), (15, 8, 8, 1), (15, 9, 9, 1),
    (15, 10, 10, 1), (16, 10, 10, 3), (16, 30, 30, 1), (16, 40, 40, 1), (17, 5, 33, 1),
    (18, 11, 65, 1),
)

_V9 = np.array([4.0, 2.0, 1.0, 5.0e-1, 2.5e-1, 1.67e-1, 1.25e-1, 1.0e-1, 8.33e-2, 7.14e-2, 6.25e-2])
_Y8 = np.array([1.4e-1, 1.8e-1, 2.2e-1, 2.5e-1, 2.9e-1, 3.2e-1, 3.5e-1, 3.9e-1, 3.7e-1, 5.8e-1,
                7.3e-1, 9.6e-1, 1.34, 2.1, 4.39])
_Y9 = np.array([1.957e-1, 1.947e-1, 1.735e-1, 1.6e-1, 8.44e-2, 6.27e-2, 4.56e-2, 3.42e-2,
                3.23e-2, 2.35e-2, 2.46e-2])
_Y10 = np.array([3.478e4, 2.861e4, 2.365e4, 1.963e4, 1.637e4, 1.372e4, 1.154e4, 9.744e3,
                 8.261e3, 7.03e3, 6.005e3, 5.147e3, 4.427e3, 3.82e3, 3.307e3, 2.872e3])
_Y17 = np.array([8.44e-1, 9.08e-1, 9.32e-1, 9.36e-1, 9.25e-1, 9.08e-1, 8.81e-1, 8.5e-1,
                 8.18e-1, 7.84e-1, 7.51e-1, 7.18e-1, 6.85e-1, 6.58e-1, 6.28e-1, 6.03e-1,
                 5.8e-1, 5.58e-1, 5.38e-1, 5.22e-1, 5.06e-1, 4.9e-1, 4.78e-1, 4.67e-1,
                 4.57e-1, 4.48e-1, 4.38e-1, 4.31e-1, 4.24e-1, 4.2e-1, 4.14e-1, 4.11e-1,
                 4.06e-1])
_Y18 = np.array([1.366, 1.191, 1.112, 1.013, 9.91e-1, 8.85e-1, 8.31e-1, 8.47e-1, 7.86e-1,
                 7.25e-1, 7.46e-1, 6.79e-1, 6.08e-1, 6.55e-1, 6.16e-1, 6.06e-1, 6.02e-1,
                 6.26e-1, 6.51e-1, 7.24e-1, 6.49e-1, 6.49e-1, 6.94e-1, 6.44e-1, 6.24e-1,
                 6.61e-1, 6.12e-1, 5.58e-1, 5.33e-1, 4.95e-1, 5.0e-1, 4.23e-1, 3.95e-1,
                 3.75e-1, 3.72e-1, 3.91e-1, 3.96e-1, 4.05e-1, 4.28e-1, 4.29e-1, 5.23e-1,
                 5.62e-1, 6.07e-1, 6.53e-1, 6.72e-1, 7.08e-1, 6.33e-1, 6.68e-1, 6.45e-1,
                 6.32e-1, 5.91e-1, 5.59e-1, 5.97e-1, 6.25e-1, 7.39e-1, 7.1e-1, 7.29e-1,
                 7.2e-1, 6.36e-1, 5.81e-1, 4.28e-1, 2.92e-1, 1.62e-1, 9.8e-2, 5.4e-2])


def _seq_sum(values) -> float:
    """Left-to-right sum, the Fortran loop's order."""
    total = 0.0
    for v in values:
        total += v
    return total


# ---------------------------------------------------------------------------------------
# residuals F(x), problem by problem


def _f_linear_full(x, m):
    n = x.size
    temp = 2.0 * _seq_sum(x) / m + 1.0
    f = np.full(m, -temp)
    f[:n] += x
    return f


def _f_linear_rank1(x, m):
    s = _seq_sum(np.arange(1, x.size + 1) * x)
    return np.arange(1, m + 1) * s - 1.0


def _f_linear_rank1_zero(x, m):
    n = x.size
    s = _seq_sum(np.arange(2, n) * x[1:n - 1])
    f = np.arange(0, m) * s - 1.0
    f[-1] = -1.0
    return f


def _f_rosenbrock(x, m):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _theta(x1, x2):
    tpi = 8.0 * math.atan(1.0)
    if x1 > 0.0:
        return math.atan(x2 / x1) / tpi
    if x1 < 0.0:
        return math.atan(x2 / x1) / tpi + 0.5
    return math.copysign(0.25, x2)


def _f_helical(x, m):
    tmp2 = math.sqrt(x[0] ** 2 + x[1] ** 2)
    return np.array([10.0 * (x[2] - 10.0 * _theta(x[0], x[1])), 10.0 * (tmp2 - 1.0), x[2]])


def _f_powell(x, m):
    return np.array([x[0] + 10.0 * x[1], math.sqrt(5.0) * (x[2] - x[3]),
                     (x[1] - 2.0 * x[2]) ** 2, math.sqrt(10.0) * (x[0] - x[3]) ** 2])


def _f_freudenstein(x, m):
    return np.array([-13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1],
                     -29.0 + x[0] + ((1.0 + x[1]) * x[1] - 14.0) * x[1]])


def _bard_uvw():
    u = np.arange(1.0, 16.0)
    v = 16.0 - u
    return u, v, np.minimum(u, v)


def _f_bard(x, m):
    u, v, w = _bard_uvw()
    return _Y8 - (x[0] + u / (x[1] * v + x[2] * w))


def _f_kowalik(x, m):
    v = _V9
    return _Y9 - x[0] * (v * (v + x[1])) / (v * (v + x[2]) + x[3])


def _f_meyer(x, m):
    temp = 5.0 * np.arange(1.0, 17.0) + 45.0 + x[2]
    return x[0] * np.exp(x[1] / temp) - _Y10


def _watson_sums(x):
    div = np.arange(1.0, 30.0) / 29.0
    s1 = np.zeros(29)
    dx = np.ones(29)
    for j in range(1, x.size):
        s1 = s1 + float(j) * dx * x[j]
        dx = div * dx
    s2 = np.zeros(29)
    dx = np.ones(29)
    for j in range(x.size):
        s2 = s2 + dx * x[j]
        dx = div * dx
    return div, s1, s2


def _f_watson(x, m):
    _, s1, s2 = _watson_sums(x)
    return np.concatenate([s1 - s2**2 - 1.0, [x[0], x[1] - x[0] ** 2 - 1.0]])


def _f_box(x, m):
    t = np.arange(1.0, m + 1)
    tmp1 = t / 10.0
    return np.exp(-tmp1 * x[0]) - np.exp(-tmp1 * x[1]) + (np.exp(-t) - np.exp(-tmp1)) * x[2]


def _f_jennrich(x, m):
    t = np.arange(1.0, m + 1)
    return 2.0 + 2.0 * t - np.exp(t * x[0]) - np.exp(t * x[1])


def _brown_dennis_parts(x, m):
    t = np.arange(1.0, m + 1) / 5.0
    tmp1 = x[0] + t * x[1] - np.exp(t)
    tmp2 = x[2] + np.sin(t) * x[3] - np.cos(t)
    return t, tmp1, tmp2


def _f_brown_dennis(x, m):
    _, tmp1, tmp2 = _brown_dennis_parts(x, m)
    return tmp1**2 + tmp2**2


def _chebyshev_columns(x, m):
    """T_i(2 x_j - 1), i = 1..m, for every j, by the three-term recurrence."""
    t = np.empty((m, x.size))
    tmp1 = np.ones(x.size)
    tmp2 = 2.0 * x - 1.0
    temp = 2.0 * tmp2
    for i in range(m):
        t[i] = tmp2
        tmp1, tmp2 = tmp2, temp * tmp2 - tmp1
    return t


def _f_chebyquad(x, m):
    t = _chebyshev_columns(x, m)
    f = np.zeros(m)
    for j in range(x.size):
        f = f + t[:, j]
    f = (1.0 / x.size) * f
    i = np.arange(1, m + 1)
    even = i % 2 == 0
    f[even] = f[even] + 1.0 / (i[even].astype(float) ** 2 - 1.0)
    return f


def _f_brown_almost_linear(x, m):
    n = x.size
    total = _seq_sum(np.concatenate([[-float(n + 1)], x]))
    prod = 1.0
    for v in x:
        prod = v * prod
    f = x + total
    f[-1] = prod - 1.0
    return f


def _f_osborne1(x, m):
    t = 10.0 * np.arange(0.0, 33.0)
    return _Y17 - (x[0] + x[1] * np.exp(-x[3] * t) + x[2] * np.exp(-x[4] * t))


def _osborne2_parts(x):
    t = np.arange(0.0, 65.0) / 10.0
    return (t, np.exp(-x[4] * t), np.exp(-x[5] * (t - x[8]) ** 2),
            np.exp(-x[6] * (t - x[9]) ** 2), np.exp(-x[7] * (t - x[10]) ** 2))


def _f_osborne2(x, m):
    _, e1, e2, e3, e4 = _osborne2_parts(x)
    return _Y18 - (x[0] * e1 + x[1] * e2 + x[2] * e3 + x[3] * e4)


# ---------------------------------------------------------------------------------------
# Jacobians J(x) (m, n), analytic


def _j_linear_full(x, m):
    n = x.size
    jac = np.full((m, n), -2.0 / m)
    jac[np.arange(n), np.arange(n)] += 1.0
    return jac


def _j_linear_rank1(x, m):
    return np.outer(np.arange(1.0, m + 1), np.arange(1.0, x.size + 1))


def _j_linear_rank1_zero(x, m):
    n = x.size
    jac = np.zeros((m, n))
    jac[1:m - 1, 1:n - 1] = np.outer(np.arange(1.0, m - 1), np.arange(2.0, n))
    return jac


def _j_rosenbrock(x, m):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


def _j_helical(x, m):
    tpi = 8.0 * math.atan(1.0)
    temp = x[0] ** 2 + x[1] ** 2
    tmp1, tmp2 = tpi * temp, math.sqrt(temp)
    return np.array([[100.0 * x[1] / tmp1, -100.0 * x[0] / tmp1, 10.0],
                     [10.0 * x[0] / tmp2, 10.0 * x[1] / tmp2, 0.0],
                     [0.0, 0.0, 1.0]])


def _j_powell(x, m):
    jac = np.zeros((4, 4))
    jac[0, 0], jac[0, 1] = 1.0, 10.0
    jac[1, 2] = math.sqrt(5.0)
    jac[1, 3] = -jac[1, 2]
    jac[2, 1] = 2.0 * (x[1] - 2.0 * x[2])
    jac[2, 2] = -2.0 * jac[2, 1]
    jac[3, 0] = 2.0 * math.sqrt(10.0) * (x[0] - x[3])
    jac[3, 3] = -jac[3, 0]
    return jac


def _j_freudenstein(x, m):
    return np.array([[1.0, x[1] * (10.0 - 3.0 * x[1]) - 2.0],
                     [1.0, x[1] * (2.0 + 3.0 * x[1]) - 14.0]])


def _j_bard(x, m):
    u, v, w = _bard_uvw()
    d2 = (x[1] * v + x[2] * w) ** 2
    return np.column_stack([-np.ones(15), u * v / d2, u * w / d2])


def _j_kowalik(x, m):
    v = _V9
    tmp1 = v * (v + x[1])
    tmp2 = v * (v + x[2]) + x[3]
    j1 = -tmp1 / tmp2
    j2 = -v * x[0] / tmp2
    j3 = j1 * j2
    return np.column_stack([j1, j2, j3, j3 / v])


def _j_meyer(x, m):
    temp = 5.0 * np.arange(1.0, 17.0) + 45.0 + x[2]
    tmp1 = x[1] / temp
    tmp2 = np.exp(tmp1)
    j2 = x[0] * tmp2 / temp
    return np.column_stack([tmp2, j2, -tmp1 * j2])


def _j_watson(x, m):
    n = x.size
    div, _, s2 = _watson_sums(x)
    temp = 2.0 * div * s2
    jac = np.zeros((31, n))
    dx = 1.0 / div
    for j in range(n):
        jac[:29, j] = dx * (float(j) - temp)
        dx = div * dx
    jac[29, 0] = 1.0
    jac[30, 0] = -2.0 * x[0]
    jac[30, 1] = 1.0
    return jac


def _j_box(x, m):
    t = np.arange(1.0, m + 1)
    tmp1 = t / 10.0
    return np.column_stack([-tmp1 * np.exp(-tmp1 * x[0]), tmp1 * np.exp(-tmp1 * x[1]),
                            np.exp(-t) - np.exp(-tmp1)])


def _j_jennrich(x, m):
    t = np.arange(1.0, m + 1)
    return np.column_stack([-t * np.exp(t * x[0]), -t * np.exp(t * x[1])])


def _j_brown_dennis(x, m):
    t, tmp1, tmp2 = _brown_dennis_parts(x, m)
    j1, j3 = 2.0 * tmp1, 2.0 * tmp2
    return np.column_stack([j1, t * j1, j3, np.sin(t) * j3])


def _j_chebyquad(x, m):
    n = x.size
    dx = 1.0 / n
    jac = np.empty((m, n))
    tmp1 = np.ones(n)
    tmp2 = 2.0 * x - 1.0
    temp = 2.0 * tmp2
    tmp3 = np.zeros(n)
    tmp4 = np.full(n, 2.0)  # d T_1 / dx
    for i in range(m):
        jac[i] = dx * tmp4
        tmp3, tmp4 = tmp4, 4.0 * tmp2 + temp * tmp4 - tmp3
        tmp1, tmp2 = tmp2, temp * tmp2 - tmp1
    return jac


def _j_brown_almost_linear(x, m):
    n = x.size
    jac = np.ones((n, n)) + np.eye(n)
    prod = 1.0
    for v in x:
        prod = v * prod
    for j in range(n):
        if x[j] == 0.0:  # the product of the others, without dividing by zero
            others = 1.0
            for k in range(n):
                if k != j:
                    others = x[k] * others
            jac[n - 1, j] = others
        else:
            jac[n - 1, j] = prod / x[j]
    return jac


def _j_osborne1(x, m):
    t = 10.0 * np.arange(0.0, 33.0)
    e4, e5 = np.exp(-x[3] * t), np.exp(-x[4] * t)
    return np.column_stack([-np.ones(33), -e4, -e5, t * x[1] * e4, t * x[2] * e5])


def _j_osborne2(x, m):
    t, e1, e2, e3, e4 = _osborne2_parts(x)
    d9, d10, d11 = t - x[8], t - x[9], t - x[10]
    return np.column_stack([
        -e1, -e2, -e3, -e4, t * x[0] * e1,
        x[1] * d9**2 * e2, x[2] * d10**2 * e3, x[3] * d11**2 * e4,
        -2.0 * x[1] * x[5] * d9 * e2, -2.0 * x[2] * x[6] * d10 * e3,
        -2.0 * x[3] * x[7] * d11 * e4])


_RESIDUALS = {1: _f_linear_full, 2: _f_linear_rank1, 3: _f_linear_rank1_zero, 4: _f_rosenbrock,
              5: _f_helical, 6: _f_powell, 7: _f_freudenstein, 8: _f_bard, 9: _f_kowalik,
              10: _f_meyer, 11: _f_watson, 12: _f_box, 13: _f_jennrich, 14: _f_brown_dennis,
              15: _f_chebyquad, 16: _f_brown_almost_linear, 17: _f_osborne1, 18: _f_osborne2}
_JACOBIANS = {1: _j_linear_full, 2: _j_linear_rank1, 3: _j_linear_rank1_zero, 4: _j_rosenbrock,
              5: _j_helical, 6: _j_powell, 7: _j_freudenstein, 8: _j_bard, 9: _j_kowalik,
              10: _j_meyer, 11: _j_watson, 12: _j_box, 13: _j_jennrich, 14: _j_brown_dennis,
              15: _j_chebyquad, 16: _j_brown_almost_linear, 17: _j_osborne1, 18: _j_osborne2}

_STARTS = {4: [-1.2, 1.0], 5: [-1.0, 0.0, 0.0], 6: [3.0, -1.0, 0.0, 1.0], 7: [0.5, -2.0],
           8: [1.0, 1.0, 1.0], 9: [0.25, 0.39, 0.415, 0.39], 10: [0.02, 4000.0, 250.0],
           12: [0.0, 10.0, 20.0], 13: [0.3, 0.4], 14: [25.0, 5.0, -5.0, -1.0],
           17: [0.5, 1.5, -1.0, 0.01, 0.02],
           18: [1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5]}


def residuals(nprob: int, x: np.ndarray, m: int) -> np.ndarray:
    """Residuals ``F(x)`` of driver problem ``nprob`` (1-18) with ``m`` residuals."""
    return _RESIDUALS[nprob](np.asarray(x, dtype=float), m)


def jacobian(nprob: int, x: np.ndarray, m: int) -> np.ndarray:
    """Analytic Jacobian (m, n) of driver problem ``nprob``."""
    return _JACOBIANS[nprob](np.asarray(x, dtype=float), m)


def initial_point(nprob: int, n: int, factor: float = 1.0) -> np.ndarray:
    """The driver's start: ``factor`` times the standard point (Watson: ``factor`` ones)."""
    if nprob in (1, 2, 3):
        x = np.ones(n)
    elif nprob == 11:
        x = np.zeros(n)
    elif nprob == 15:
        x = np.arange(1.0, n + 1) * (1.0 / (n + 1))
    elif nprob == 16:
        x = np.full(n, 0.5)
    else:
        x = np.array(_STARTS[nprob])
    if factor != 1.0:
        x = np.full(n, float(factor)) if nprob == 11 else factor * x
    return x


# ---------------------------------------------------------------------------------------
# what is known about the minima


def _linear_minimum_norm(nprob: int, n: int, m: int) -> float:
    """Closed forms (MGH 1981, problems 32-34)."""
    if nprob == 1:
        return math.sqrt(m - n)
    if nprob == 2:
        return math.sqrt(m * (m - 1) / (2.0 * (2 * m + 1)))
    return math.sqrt((m * m + 3 * m - 6) / (2.0 * (2 * m - 3)))


# Published sums of squares f = ||F||^2 at the minimiser (MGH 1981), keyed by (problem, n).
_PUBLISHED_SSQ = {
    (4, 2): 0.0, (5, 3): 0.0, (6, 4): 0.0, (7, 2): 0.0, (8, 3): 8.21487e-3,
    (9, 4): 3.07505e-4, (10, 3): 87.9458, (11, 6): 2.28767e-3, (11, 9): 1.39976e-6,
    (11, 12): 4.72238e-10, (12, 3): 0.0, (13, 2): 124.362, (14, 4): 85822.2,
    (15, 8): 3.51687e-3, (15, 9): 0.0, (15, 10): 6.50395e-3, (16, 10): 0.0, (16, 30): 0.0,
    (16, 40): 0.0, (17, 5): 5.46489e-5, (18, 11): 4.01377e-2,
}

#: other stationary values f = ||F||^2 that MGH (1981) report, where runs may end
LOCAL_SSQ = {7: (48.9842,), 8: (17.4286,), 9: (1.02734e-3,), 16: (1.0,)}

#: relative precision of the published values (6 significant digits)
PUBLISHED_RTOL = 5e-6

#: published minimisers where the minimum is unique (Jennrich-Sampson's to 4 digits)
MINIMISERS = {4: (1.0, 1.0), 5: (1.0, 0.0, 0.0), 6: (0.0, 0.0, 0.0, 0.0), 13: (0.2578, 0.2578)}
MINIMISER_DIGITS = {13: 4.0}


def chebyquad_1d_local_minima(m: int = 8, points: int = 4001) -> list[tuple[float, float]]:
    """``(x, ||F(x)||)`` at every local minimiser of Chebyquad with n = 1 on [0, 1].

    MGH (1981) publish no value for n = 1; this one-dimensional function is minimised
    directly: a grid brackets each local minimum, golden-section search refines it.
    """
    grid = np.linspace(0.0, 1.0, points)
    values = np.linalg.norm(_chebyquad_on_grid(grid, m), axis=0)
    inner = np.flatnonzero((values[1:-1] < values[:-2]) & (values[1:-1] < values[2:])) + 1

    def norm(t):
        return float(np.linalg.norm(_f_chebyquad(np.array([t]), m)))

    golden = (math.sqrt(5.0) - 1.0) / 2.0
    minima = []
    for k in inner:
        a, b = grid[k - 1], grid[k + 1]
        for _ in range(60):
            c, d = b - golden * (b - a), a + golden * (b - a)
            a, b = (a, d) if norm(c) < norm(d) else (c, b)
        minima.append((float(0.5 * (a + b)), norm(0.5 * (a + b))))
    return minima


def _chebyquad_on_grid(t, m):
    """Residuals of Chebyquad n = 1 at each point of ``t`` (one column per point)."""
    f = _chebyshev_columns(t, m)
    i = np.arange(1, m + 1)
    even = i % 2 == 0
    f[even] += (1.0 / (i[even].astype(float) ** 2 - 1.0))[:, None]
    return f


def minimum_norm(nprob: int, n: int, m: int) -> float:
    """The known minimum residual norm ``||F(x*)||``."""
    if nprob in (1, 2, 3):
        return _linear_minimum_norm(nprob, n, m)
    if (nprob, n) == (15, 1):
        return min(v for _, v in chebyquad_1d_local_minima(m))
    return math.sqrt(_PUBLISHED_SSQ[(nprob, n)])


def local_norms(nprob: int, n: int, m: int) -> list[float]:
    """Norms at other local minima (MGH 1981; for Chebyquad n = 1, computed)."""
    if (nprob, n) == (15, 1):
        norms = []  # distinct values above the global one (the minima come in mirror pairs)
        for v in sorted(v for _, v in chebyquad_1d_local_minima(m)):
            if v > (norms[-1] if norms else minimum_norm(nprob, n, m)) * (1 + 1e-10):
                norms.append(v)
        return norms
    return [math.sqrt(v) for v in LOCAL_SSQ.get(nprob, ())]


def known_norms(nprob: int, n: int, m: int) -> list[float]:
    """The global minimum norm and the local-minimum norms."""
    return [minimum_norm(nprob, n, m)] + local_norms(nprob, n, m)


class DriverCase(NamedTuple):
    """One run of MINPACK's test driver."""

    nprob: int
    n: int
    m: int
    factor: float

    @property
    def name(self) -> str:
        return f"{NAMES[self.nprob]} (n={self.n}, m={self.m}, x0 x{self.factor:g})"

    def x0(self) -> np.ndarray:
        return initial_point(self.nprob, self.n, self.factor)

    def fun(self, x) -> np.ndarray:
        return residuals(self.nprob, x, self.m)

    def jac(self, x) -> np.ndarray:
        return jacobian(self.nprob, x, self.m)


def driver_cases() -> list[DriverCase]:
    """The 53 (problem, n, m, factor) runs of MINPACK's lmder1/lmdif1 test driver, in order."""
    return [DriverCase(p, n, m, 10.0**k) for p, n, m, tries in CASES for k in range(tries)]


#: runs of lm (MINPACK) that end away from every minimum at the default limits, as in MINPACK
KNOWN_MISSES = {
    (10, 3, 16): {"lm": {1: "MINPACK's lmder needs about 1800 evaluations from 10 x0 "
                            "(lmder1 stops at maxfev = 400; lmdif's differences vanish there)"}},
}


def _problem(nprob: int, n: int, m: int, tries: int) -> Problem:
    extra = {"nprob": nprob, "mgh_number": MGH_NUMBER[nprob],
             "local_norms": local_norms(nprob, n, m)}
    if (nprob, n, m) in KNOWN_MISSES:
        extra["known_misses"] = KNOWN_MISSES[nprob, n, m]
    if nprob in MINIMISER_DIGITS:
        extra["digits_cap"] = MINIMISER_DIGITS[nprob]
    return Problem(
        name=f"mgh{nprob:02d}_{NAMES[nprob].split(' -')[0].lower().replace(' ', '_')}_n{n}_m{m}",
        source=SOURCE, kind="least_squares", n=n, m=m,
        starts=tuple(initial_point(nprob, n, 10.0**k) for k in range(tries)),
        fun=lambda x, _p=nprob, _m=m: residuals(_p, x, _m),
        jac=lambda x, _p=nprob, _m=m: jacobian(_p, x, _m),
        f_star=minimum_norm(nprob, n, m),
        x_star=np.array(MINIMISERS[nprob]) if nprob in MINIMISERS else None,
        rtol=1e-8 if nprob in (1, 2, 3) or (nprob, n) == (15, 1) else PUBLISHED_RTOL,
        extra=extra,
    )


register([_problem(*case) for case in CASES])
