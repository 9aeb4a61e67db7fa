"""Worked examples for constrained minimization (chapter 28 of the book): SLSQP on the
scipy documentation's problem, and the nonnegative least squares it rests on."""

from __future__ import annotations

import numpy as np

from refopt import minimize, nnls

ORDER = 50   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def example_slsqp_nocedal_wright_16_4() -> str:
    """SLSQP on Nocedal & Wright's Example 16.4, as in the scipy docs: (2, 0) to (1.4, 1.7)"""
    cons = ({"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
            {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6},
            {"type": "ineq", "fun": lambda x: -x[0] + 2 * x[1] + 2})
    res = minimize(lambda x: (x[0] - 1) ** 2 + (x[1] - 2.5) ** 2, (2, 0), method="SLSQP",
                   bounds=((0, None), (0, None)), constraints=cons)
    with np.printoptions(precision=8, suppress=True):
        return (f"{res.message}\nx = {res.x}, f = {res.fun:.8f}\nmultipliers = {res.multipliers}"
                f"   (only the first constraint is active at the solution (1.4, 1.7), with "
                f"multiplier 0.8)\nnit = {res.nit}, nfev = {res.nfev}, njev = {res.njev}")


def example_nnls() -> str:
    """Nonnegative least squares (Lawson & Hanson): min ||A x - b|| with x >= 0"""
    A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    b = np.array([2.0, 1.0, -1.0])
    x, rnorm = nnls(A, b)
    w = A.T @ (b - A @ x)
    with np.printoptions(precision=10, suppress=True):
        return (f"unconstrained: {np.linalg.lstsq(A, b, rcond=None)[0]}\nnnls: x = {x}, "
                f"||A x - b|| = {rnorm:.10f}   (closed form: x = (1.5, 0), sqrt(1.5))\n"
                f"dual w = A^T (b - A x) = {w}   (0 where x > 0, <= 0 where x = 0)")
