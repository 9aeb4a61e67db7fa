"""Worked examples for refopt/fit/confidence.py (chapter 32): the lmfit 0.5 manual's two
confidence-interval examples (§4.2 and §4.3), with fixed random noise.

The method is the F-test of nested least-squares models (Bates & Watts, *Nonlinear
Regression Analysis and Its Applications*, 1988, §6.1) as the lmfit manual (Newville et
al., 2012) describes it.
"""

from __future__ import annotations

import numpy as np

from refopt.fit import Minimizer, Parameters, ci_report, conf_interval, fit_report


def basic_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``y = 1/(0.1 x) + 2`` plus N(0, 0.1²) noise at 100 points in [0.3, 10]."""
    x = np.linspace(0.3, 10, 100)
    return x, 1 / (0.1 * x) + 2 + 0.1 * np.random.default_rng(seed).standard_normal(x.size)


def two_exponential_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``y = 3 exp(-x/2) - 5 exp(-x/10)`` plus N(0, 0.2²) noise at the same points."""
    x = np.linspace(0.3, 10, 100)
    y = 3 * np.exp(-x / 2) - 5 * np.exp(-x / 10) + 0.2 * np.random.default_rng(seed).normal(size=x.size)
    return x, y


def basic_minimizer(seed: int = 0) -> Minimizer:
    """The manual's ``1/(a x) + b`` model with parameters a = 0.1, b = 1 to start."""
    x, y = basic_data(seed)
    params = Parameters()
    params.add_many(("a", 0.1), ("b", 1))
    return Minimizer(lambda p: 1 / (p["a"].value * x) + p["b"].value - y, params)


def two_exponential_minimizer(seed: int = 0) -> Minimizer:
    """The manual's ``a1 exp(-x/t1) + a2 exp(-x/t2)`` model from (5, -5, 2, 5)."""
    x, y = two_exponential_data(seed)

    def residual(p):
        return (p["a1"].value * np.exp(-x / p["t1"].value)
                + p["a2"].value * np.exp(-x / p["t2"].value) - y)

    params = Parameters()
    params.add_many(("a1", 5), ("a2", -5), ("t1", 2), ("t2", 5))
    return Minimizer(residual, params)


def example_basic_confidence_intervals() -> str:
    """The manual's basic example: F-test intervals that agree with the standard errors"""
    mini = basic_minimizer()
    result = mini.leastsq()
    ci = conf_interval(mini, result)
    return (fit_report(result, show_correl=False) + "\n\n" + ci_report(ci)
            + f"\n\n{ci.nfev} evaluations for the 12 limits")


def example_two_exponentials() -> str:
    """The manual's advanced example: two exponentials, where the covariance understates a1's upper error"""
    mini = two_exponential_minimizer()
    result = mini.leastsq()
    ci = conf_interval(mini, result)
    lines = [ci_report(ci), ""]
    for name in ("a1", "t1"):
        par = result.params[name]
        lower, upper = ci[name][2][1], ci[name][4][1]
        lines.append(f"{name}: stderr {par.stderr:.4f} | 68.27 % interval -{par.value - lower:.4f} "
                     f"+{upper - par.value:.4f}")
    return "\n".join(lines) + f"\n\n{ci.nfev} evaluations for the 24 limits"
