"""Worked examples for refopt/scalar.py (chapter 25 of the book): brentq and minimize_scalar.

Both are Brent's methods: R. P. Brent, Algorithms for Minimization without Derivatives
(Prentice-Hall, 1973), chapters 4 and 5.
"""

from __future__ import annotations

import math

import numpy as np

from refopt.scalar import brentq, minimize_scalar

ORDER = 60   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def example_brentq_roots() -> str:
    """brentq on three roots known in closed form: +-1, pi/2 and the cube root of 2"""
    cases = [
        ("x**2 - 1 on [0, 2]", lambda x: x**2 - 1, 0.0, 2.0, 1.0),
        ("x**2 - 1 on [-2, 0]", lambda x: x**2 - 1, -2.0, 0.0, -1.0),
        ("cos(x) on [0, 2]", math.cos, 0.0, 2.0, math.pi / 2),
        ("x**3 - 2 on [0, 4]", lambda x: x**3 - 2, 0.0, 4.0, 2 ** (1 / 3)),
    ]
    lines = [f"{'f':<22}{'root':>22}{'|error|':>11}{'iterations':>12}{'calls':>7}"]
    for label, f, a, b, exact in cases:
        root, info = brentq(f, a, b, full_output=True)
        lines.append(f"{label:<22}{root:>22.17g}{abs(root - exact):>11.1e}"
                     f"{info.iterations:>12d}{info.function_calls:>7d}")
    lines.append("(default xtol = 2e-12 and rtol = 4 eps: the error bound is 2e-12 + 8.9e-16 |x|)")
    return "\n".join(lines)


def quartic(x: float) -> float:
    """The scipy docs' example (x - 2) x (x + 2)^2: minima at x = -2 and (1 + sqrt 17)/4."""
    return (x - 2) * x * (x + 2) ** 2


def example_minimize_scalar_methods() -> str:
    """minimize_scalar's three methods on the scipy docs' quartic (x - 2) x (x + 2)^2"""
    right, left = (1 + math.sqrt(17)) / 4, -2.0
    runs = [
        ("brent (bracket search from 0, 1)", {}, right),
        ("golden (bracket search from 0, 1)", {"method": "golden"}, right),
        ("brent, bracket (0, 1, 2)", {"bracket": (0, 1, 2)}, right),
        ("bounded on [-3, -1]", {"bounds": (-3, -1)}, left),
    ]
    lines = [f"{'method':<36}{'x':>20}{'|x - x*|':>11}{'nit':>5}{'nfev':>6}"]
    for label, kwargs, exact in runs:
        res = minimize_scalar(quartic, **kwargs)
        lines.append(f"{label:<36}{float(res.x):>20.15f}{abs(res.x - exact):>11.1e}"
                     f"{res.nit:>5d}{res.nfev:>6d}")
    lines.append(f"(x* = (1 + sqrt 17)/4 = {right!r} and {left}; the parabolic steps of Brent's "
                 "method save most of golden section's calls)")
    unbounded = minimize_scalar(lambda x: -x)
    lines.append(f"f(x) = -x has no minimum: success={unbounded.success}, "
                 f"message={unbounded.message!r}")
    return "\n".join(lines)


def example_bounded_minimum_at_an_end() -> str:
    """'bounded' on a function that decreases across the whole interval stops at its end"""
    res = minimize_scalar(np.exp, bounds=(-1.0, 2.0), options={"xatol": 1e-8})
    return (f"exp(x) on [-1, 2]: x = {float(res.x):.10f} (the lower end), f = {float(res.fun):.10f}, "
            f"{res.nfev} calls, message {res.message!r}")
