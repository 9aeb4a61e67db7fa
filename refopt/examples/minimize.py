"""Worked examples for refopt.minimize (chapters 20–23 of the book): the scipy documentation's
runs on the five-variable Rosenbrock function."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np

from refopt import minimize

ORDER = 40   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)

X0 = [1.3, 0.7, 0.8, 1.9, 1.2]  # the scipy documentation's starting point


def rosen(x: np.ndarray) -> float:
    """Rosenbrock's function in n variables; minimum 0 at (1, ..., 1)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_der(x: np.ndarray) -> np.ndarray:
    """The gradient of :func:`rosen`."""
    xm = x[1:-1]
    d = np.zeros_like(x)
    d[1:-1] = 200 * (xm - x[:-2] ** 2) - 400 * (x[2:] - xm ** 2) * xm - 2 * (1 - xm)
    d[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    d[-1] = 200 * (x[-1] - x[-2] ** 2)
    return d


def example_nelder_mead_rosenbrock() -> str:
    """Nelder-Mead on the 5-d Rosenbrock function, as in the scipy docs (tol=1e-6)"""
    res = minimize(rosen, X0, method="Nelder-Mead", tol=1e-6)
    with np.printoptions(precision=8):
        return (f"{res.message}\nx = {res.x}\nf = {res.fun:.3e}, nit = {res.nit}, "
                f"nfev = {res.nfev}   (minimum: x = (1, 1, 1, 1, 1), f = 0)")


def example_bfgs_rosenbrock() -> str:
    """BFGS on the 5-d Rosenbrock function with its gradient, as in the scipy docs (gtol=1e-6)"""
    printed = io.StringIO()
    with redirect_stdout(printed):
        res = minimize(rosen, X0, method="BFGS", jac=rosen_der,
                       options={"gtol": 1e-6, "disp": True})
    with np.printoptions(precision=8, suppress=True):
        return (printed.getvalue() + f"x = {res.x}\nhess_inv =\n{res.hess_inv}\n"
                "(the scipy documentation prints 26 iterations, 31 function and 31 gradient "
                "evaluations)")


def example_cg_rosenbrock() -> str:
    """CG (Polak-Ribiere+) on the same problem, for comparison with BFGS"""
    res = minimize(rosen, X0, method="CG", jac=rosen_der, options={"gtol": 1e-6})
    with np.printoptions(precision=8):
        return (f"{res.message}\nx = {res.x}\nf = {res.fun:.3e}, nit = {res.nit}, "
                f"nfev = {res.nfev}, njev = {res.njev}")
