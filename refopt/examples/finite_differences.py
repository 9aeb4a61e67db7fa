"""Worked examples for refopt/differentiation.py (chapter 1 of the book).

The step rules they show are those of Nocedal & Wright, Numerical Optimization (2nd ed.,
2006), section 8.1, and the complex step of Squire & Trapp (1998).
"""

from __future__ import annotations

import numpy as np

from refopt.differentiation import approx_derivative

ORDER = 70   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


T = np.linspace(0.0, 4.0, 9)


def decay_residuals(p: np.ndarray) -> np.ndarray:
    """Residuals of the model ``a exp(-k t) + c`` against data from a=2, k=1.3, c=0.5."""
    a, k, c = p
    return a * np.exp(-k * T) + c - (2.0 * np.exp(-1.3 * T) + 0.5)


def decay_jacobian(p: np.ndarray) -> np.ndarray:
    """The analytic Jacobian of :func:`decay_residuals`."""
    a, k, _ = p
    e = np.exp(-k * T)
    return np.column_stack([e, -a * T * e, np.ones_like(T)])


def example_jacobian_by_three_methods() -> str:
    """Jacobian of an exponential-decay residual: 2-point, 3-point and complex step vs analytic"""
    p = np.array([1.5, 0.8, 0.2])
    exact = decay_jacobian(p)
    lines = ["r(p) = a exp(-k t) + c - data, 9 residuals, p = (a, k, c) = (1.5, 0.8, 0.2)",
             f"{'method':>8}  {'calls':>5}  {'max |J - J_exact|':>18}  {'digits':>6}"]
    for method in ("2-point", "3-point", "cs"):
        calls = []

        def counted(x: np.ndarray) -> np.ndarray:
            calls.append(1)
            return decay_residuals(x)

        J = approx_derivative(counted, p, method=method)
        err = np.max(np.abs(J - exact))
        digits = -np.log10(err / np.max(np.abs(exact))) if err > 0 else np.inf
        lines.append(f"{method:>8}  {len(calls):>5}  {err:>18.3e}  {digits:>6.1f}")
    lines.append("(calls include the one for f(p); the theory predicts about 8, 11 and 16 digits)")
    return "\n".join(lines)


def example_steps_at_a_bound() -> str:
    """At an upper bound the 2-point step turns backward and the 3-point scheme turns one-sided"""
    lb, ub = np.zeros(2), np.ones(2)
    x0 = np.array([1.0, 0.5])  # the first variable sits on its upper bound
    lines = ["f(x) = (exp(x1) * x2, x1**2), box [0, 1]^2, x0 = (1, 0.5)"]
    exact = np.array([[np.exp(1.0) * 0.5, np.exp(1.0)], [2.0, 0.0]])
    for method in ("2-point", "3-point"):
        points = []

        def recorded(x: np.ndarray) -> np.ndarray:
            points.append(x.copy())
            return np.array([np.exp(x[0]) * x[1], x[0] ** 2])

        J = approx_derivative(recorded, x0, method=method, bounds=(lb, ub))
        moved_x1 = [f"{q[0] - x0[0]:+.3e}" for q in points[1:] if q[0] != x0[0]]
        lines.append(f"{method}: steps in x1: {', '.join(moved_x1)};  "
                     f"max error {np.max(np.abs(J - exact)):.2e};  "
                     f"all points inside: {all(np.all((q >= lb) & (q <= ub)) for q in points)}")
    return "\n".join(lines)
