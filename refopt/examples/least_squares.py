"""Worked examples for refopt/lsq (chapters 11 and 12 of the book): the examples of scipy's
``least_squares`` documentation, run through refopt's trust-region reflective solver.

The examples come from the documentation of SciPy (Virtanen et al., "SciPy 1.0", Nature
Methods 17, 2020); the solver is Branch, Coleman & Li (1999).
"""

from __future__ import annotations

import numpy as np

from refopt.lsq import least_squares

ORDER = 20   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)

# ---------------------------------------------------------------------------------------
# Rosenbrock as two residuals: F(x) = 1/2 (100 (x2 - x1^2)^2 + (1 - x1)^2)
# ---------------------------------------------------------------------------------------


def rosenbrock_residuals(x: np.ndarray) -> np.ndarray:
    """``(10 (x2 - x1^2), 1 - x1)``: half the Rosenbrock function as a sum of squares."""
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def rosenbrock_jacobian(x: np.ndarray) -> np.ndarray:
    """The analytic Jacobian of :func:`rosenbrock_residuals`."""
    return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])


def bounded_rosenbrock_solution() -> np.ndarray:
    """The minimiser with ``x2 >= 1.5``, independently of any solver.

    On the bound ``x2 = 1.5`` the cost is ``50 (1.5 - x1^2)^2 + (1 - x1)^2 / 2``; its
    derivative ``200 x1^3 - 299 x1 - 1`` vanishes at the root of that cubic near 1.22.
    """
    roots = np.roots([200.0, 0.0, -299.0, -1.0])
    x1 = max(r.real for r in roots if abs(r.imag) < 1e-12)
    return np.array([x1, 1.5])


def _summary(res) -> str:
    return (f"x = {np.array2string(res.x, precision=8)}, cost = {res.cost:.3e}, "
            f"optimality = {res.optimality:.2e}\n"
            f"nfev = {res.nfev}, njev = {res.njev}, status {res.status}: {res.message}")


def example_rosenbrock() -> str:
    """Rosenbrock without bounds from (2, 2), 2-point differences: the minimum (1, 1)"""
    res = least_squares(rosenbrock_residuals, np.array([2.0, 2.0]))
    return _summary(res) + f"\nerror |x - (1, 1)| = {np.linalg.norm(res.x - 1):.1e}"


def example_rosenbrock_bounded() -> str:
    """Rosenbrock with x2 >= 1.5 and the analytic Jacobian: the solution on the bound"""
    res = least_squares(rosenbrock_residuals, np.array([2.0, 2.0]), rosenbrock_jacobian,
                        bounds=([-np.inf, 1.5], np.inf))
    exact = bounded_rosenbrock_solution()
    return (_summary(res) + f"\nactive_mask = {res.active_mask}\n"
            f"exact (root of 200 x1^3 - 299 x1 - 1 = 0): x = "
            f"{np.array2string(exact, precision=8)}, error {np.max(np.abs(res.x - exact)):.1e}")


# ---------------------------------------------------------------------------------------
# A robust fit: y = a + b exp(c t) with noise and three gross outliers
# ---------------------------------------------------------------------------------------

TRUE_PARAMETERS = np.array([0.5, 2.0, -1.0])  # a, b, c
NOISE = 0.1


def exponential_model(t: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    """``a + b exp(c t)``."""
    return a + b * np.exp(c * t)


def outlier_data(n_points: int = 15, noise: float = NOISE, n_outliers: int = 3,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The data of scipy's documentation: 15 points on [0, 10], noise 0.1, three errors x10.

    The legacy ``RandomState`` stream is used so the data are those of the documentation.
    """
    t = np.linspace(0, 10, n_points)
    rng = np.random.RandomState(seed)
    error = noise * rng.randn(t.size)
    outliers = rng.randint(0, t.size, n_outliers)
    error[outliers] *= 10
    return t, exponential_model(t, *TRUE_PARAMETERS) + error


def exponential_residuals(p: np.ndarray, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Model minus data."""
    return exponential_model(t, *p) - y


def robust_fits(losses=("linear", "soft_l1", "huber", "cauchy", "arctan"),
                f_scale: float = 0.1) -> dict:
    """Fit the outlier data with each loss, from (1, 1, 0); ``{loss: OptimizeResult}``."""
    t, y = outlier_data()
    x0 = np.array([1.0, 1.0, 0.0])
    return {loss: least_squares(exponential_residuals, x0, loss=loss, f_scale=f_scale,
                                args=(t, y)) for loss in losses}


def example_robust_fit() -> str:
    """Fitting a + b exp(c t) through outliers: linear loss vs soft_l1 and cauchy, f_scale=0.1"""
    lines = [f"true (a, b, c) = {TRUE_PARAMETERS}, noise {NOISE}, 3 of 15 points with 10x error",
             f"{'loss':>8}  {'a':>9} {'b':>9} {'c':>9}  {'max |p - p_true|':>16}  nfev"]
    for loss, res in robust_fits(("linear", "soft_l1", "cauchy")).items():
        a, b, c = res.x
        err = np.max(np.abs(res.x - TRUE_PARAMETERS))
        lines.append(f"{loss:>8}  {a:9.5f} {b:9.5f} {c:9.5f}  {err:16.3f}  {res.nfev:4d}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# A complex residual written as two real ones
# ---------------------------------------------------------------------------------------


def complex_residual(z: complex) -> complex:
    """``z - (0.5 + 0.5 i)``: zero at z = 0.5 + 0.5 i."""
    return z - (0.5 + 0.5j)


def complex_as_real(x: np.ndarray) -> np.ndarray:
    """The residual of ``z = x1 + i x2`` as (real part, imaginary part)."""
    r = complex_residual(x[0] + 1j * x[1])
    return np.array([r.real, r.imag])


def example_complex_residual() -> str:
    """A complex residual as real and imaginary parts, with bounds [0, 1]: z = 0.5 + 0.5i"""
    res = least_squares(complex_as_real, (0.1, 0.1), bounds=([0, 0], [1, 1]))
    z = res.x[0] + 1j * res.x[1]
    return (f"z = {z:.10f}, |z - (0.5 + 0.5i)| = {abs(z - (0.5 + 0.5j)):.1e}\n"
            f"nfev = {res.nfev}, status {res.status}: {res.message}")
