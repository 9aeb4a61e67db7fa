"""Test problems for the minimizers with independently known minima.

Unconstrained problems from J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing
unconstrained optimization software", ACM TOMS 7(1), 17–41 (1981), written as residuals
``F`` with Jacobian ``J``; the minimizers see ``f = ‖F‖²`` and ``g = 2 JᵀF``. Each entry
records the standard starting point, the minimum value the paper reports and, where it is
unique, the minimizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class MGHProblem:
    name: str
    F: Callable[[np.ndarray], np.ndarray]
    J: Callable[[np.ndarray], np.ndarray]
    x0: tuple
    f_min: float
    x_min: tuple | None = None

    def f(self, x: np.ndarray) -> float:
        r = self.F(x)
        return float(r @ r)

    def g(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * self.J(x).T @ self.F(x)


def _rosenbrock_F(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def _rosenbrock_J(x):
    return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])


def _powell_singular_F(x):
    return np.array([x[0] + 10 * x[1], np.sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
                     np.sqrt(10) * (x[0] - x[3]) ** 2])


def _powell_singular_J(x):
    a, b = 2 * (x[1] - 2 * x[2]), 2 * np.sqrt(10) * (x[0] - x[3])
    return np.array([[1, 10, 0, 0], [0, 0, np.sqrt(5), -np.sqrt(5)], [0, a, -2 * a, 0],
                     [b, 0, 0, -b]], dtype=float)


_S90, _S10 = np.sqrt(90), np.sqrt(10)


def _wood_F(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0], _S90 * (x[3] - x[2] ** 2), 1 - x[2],
                     _S10 * (x[1] + x[3] - 2), (x[1] - x[3]) / _S10])


def _wood_J(x):
    return np.array([[-20 * x[0], 10, 0, 0], [-1, 0, 0, 0], [0, 0, -2 * _S90 * x[2], _S90],
                     [0, 0, -1, 0], [0, _S10, 0, _S10], [0, 1 / _S10, 0, -1 / _S10]])


_BEALE_Y = np.array([1.5, 2.25, 2.625])
_I3 = np.arange(1, 4)


def _beale_F(x):
    return _BEALE_Y - x[0] * (1 - x[1] ** _I3)


def _beale_J(x):
    return np.column_stack([-(1 - x[1] ** _I3), x[0] * _I3 * x[1] ** (_I3 - 1)])


def _helical_F(x):
    theta = np.arctan2(x[1], x[0]) / (2 * np.pi)
    return np.array([10 * (x[2] - 10 * theta), 10 * (np.hypot(x[0], x[1]) - 1), x[2]])


def _helical_J(x):
    r2 = x[0] ** 2 + x[1] ** 2
    r = np.sqrt(r2)
    return np.array([[100 * x[1] / (2 * np.pi * r2), -100 * x[0] / (2 * np.pi * r2), 10],
                     [10 * x[0] / r, 10 * x[1] / r, 0], [0, 0, 1.0]])


def _brown_F(x):
    return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])


def _brown_J(x):
    return np.array([[1, 0], [0, 1], [x[1], x[0]]], dtype=float)


_T10 = np.arange(1, 11)


def _jennrich_F(x):
    return 2 + 2 * _T10 - (np.exp(_T10 * x[0]) + np.exp(_T10 * x[1]))


def _jennrich_J(x):
    return np.column_stack([-_T10 * np.exp(_T10 * x[0]), -_T10 * np.exp(_T10 * x[1])])


_TB = 0.1 * np.arange(1, 11)


def _box3d_F(x):
    return np.exp(-_TB * x[0]) - np.exp(-_TB * x[1]) - x[2] * (np.exp(-_TB) - np.exp(-10 * _TB))


def _box3d_J(x):
    return np.column_stack([-_TB * np.exp(-_TB * x[0]), _TB * np.exp(-_TB * x[1]),
                            -(np.exp(-_TB) - np.exp(-10 * _TB))])


def _trig_F(x):
    n = len(x)
    return n - np.sum(np.cos(x)) + np.arange(1, n + 1) * (1 - np.cos(x)) - np.sin(x)


def _trig_J(x):
    n = len(x)
    return np.tile(np.sin(x), (n, 1)) + np.diag(np.arange(1, n + 1) * np.sin(x) - np.cos(x))


MGH_PROBLEMS = [
    MGHProblem("rosenbrock", _rosenbrock_F, _rosenbrock_J, (-1.2, 1.0), 0.0, (1.0, 1.0)),
    MGHProblem("powell_singular", _powell_singular_F, _powell_singular_J, (3.0, -1.0, 0.0, 1.0),
               0.0, (0.0, 0.0, 0.0, 0.0)),
    MGHProblem("wood", _wood_F, _wood_J, (-3.0, -1.0, -3.0, -1.0), 0.0, (1.0, 1.0, 1.0, 1.0)),
    MGHProblem("beale", _beale_F, _beale_J, (1.0, 1.0), 0.0, (3.0, 0.5)),
    MGHProblem("helical_valley", _helical_F, _helical_J, (-1.0, 0.0, 0.0), 0.0, (1.0, 0.0, 0.0)),
    MGHProblem("brown_badly_scaled", _brown_F, _brown_J, (1.0, 1.0), 0.0, (1e6, 2e-6)),
    MGHProblem("jennrich_sampson", _jennrich_F, _jennrich_J, (0.3, 0.4), 124.362,
               (0.2578, 0.2578)),
    MGHProblem("box_3d", _box3d_F, _box3d_J, (0.0, 10.0, 20.0), 0.0),
    MGHProblem("trigonometric_5", _trig_F, _trig_J, (0.2,) * 5, 0.0),
]


def rosen(x: np.ndarray) -> float:
    """The n-dimensional Rosenbrock function (minimum 0 at all ones)."""
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)


def rosen_der(x: np.ndarray) -> np.ndarray:
    """Gradient of :func:`rosen`."""
    x = np.asarray(x)
    xm, xm_m1, xm_p1 = x[1:-1], x[:-2], x[2:]
    der = np.zeros_like(x)
    der[1:-1] = 200 * (xm - xm_m1 ** 2) - 400 * (xm_p1 - xm ** 2) * xm - 2 * (1 - xm)
    der[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    der[-1] = 200 * (x[-1] - x[-2] ** 2)
    return der


ROSEN_X0 = (1.3, 0.7, 0.8, 1.9, 1.2)  # the scipy documentation's starting point


class EntropyProblem:
    """scipy's CheckOptimize problem: maximum entropy (Berger et al., Computational
    Linguistics 22(1), 1996), with counted calls and a trace of the points evaluated."""

    F = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 0]])
    K = np.array([1.0, 0.3, 0.5])
    x0 = np.zeros(3)
    solution = np.array([0.0, -0.524869316, 0.487525860])

    def __init__(self):
        self.funccalls = 0
        self.gradcalls = 0
        self.trace: list[np.ndarray] = []

    def func(self, x):
        self.funccalls += 1
        self.trace.append(np.copy(x))
        log_pdot = self.F @ x
        return np.log(np.sum(np.exp(log_pdot))) - self.K @ x

    def grad(self, x):
        self.gradcalls += 1
        log_pdot = self.F @ x
        p = np.exp(log_pdot - np.log(np.sum(np.exp(log_pdot))))
        return self.F.T @ p - self.K
