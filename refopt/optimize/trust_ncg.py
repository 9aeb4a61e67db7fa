"""Steihaug's truncated conjugate gradients for the trust-region subproblem
(``minimize(method='trust-ncg')``).

T. Steihaug, "The conjugate gradient method and trust regions in large scale optimization",
*SIAM J. Numer. Anal.* 20(3) (1983), 626–637; P. L. Toint, "Towards an efficient sparsity
exploiting Newton method for minimization", in *Sparse Matrices and Their Uses*, Academic
Press (1981); J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed. (2006),
Algorithm 7.2.

CG on ``B p = -g`` from ``p_0 = 0``, so the first iterate is the Cauchy point and ``‖p_j‖``
grows and ``m(p_j)`` falls with ``j``. It stops early in three ways::

    d_jᵀ B d_j <= 0       negative curvature: go to the boundary along d_j, to whichever
                          end (both roots of (29.18)) has the lower model value    (29.21)
    ‖p_j + α_j d_j‖ >= Δ  the step would leave the ball: stop on the boundary    (29.22)
    ‖r_{j+1}‖ < ε_k       ε_k = min(1/2, √‖g‖) ‖g‖, a forcing sequence that makes
                          the outer iteration superlinear        [N&W (7.3)]       (29.23)

Only products ``B v`` are used: ``hessp`` is enough. The model is evaluated at both ends in
(29.21), as scipy does: with ``hessp`` that costs two products, counted in ``nhev``.

One difference from scipy: a product ``B d`` that is not finite ends the run (status 3,
``LinAlgError``); in scipy every test is then false and the CG loop never ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import OptimizeResult
from .trust_region import QuadraticModel, boundary_intersections, minimize_trust_region

__all__ = ["minimize_trust_ncg", "SteihaugSubproblem"]


def minimize_trust_ncg(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                       hess: Any = None, hessp: Any = None, callback: Callable | None = None,
                       **options: Any) -> OptimizeResult:
    """Minimize with Steihaug–Toint CG steps; options as
    :func:`~refopt.optimize.trust_region.minimize_trust_region`.

    Raises
    ------
    ValueError
        Without a callable ``jac``, or with neither ``hess`` nor ``hessp`` (scipy's texts).
    """
    if jac is None:
        raise ValueError("Jacobian is required for Newton-CG trust-region minimization")
    if hess is None and hessp is None:
        raise ValueError("Either the Hessian or the Hessian-vector product is required for "
                         "Newton-CG trust-region minimization")
    return minimize_trust_region(fun, x0, args, jac, hess, hessp, callback,
                                 subproblem=SteihaugSubproblem, **options)


class SteihaugSubproblem:
    """Steihaug–Toint CG at one model (Nocedal & Wright Algorithm 7.2)."""

    def __init__(self, model: QuadraticModel):
        self.model = model

    def solve(self, Delta: float) -> tuple[np.ndarray, bool]:
        """The truncated CG step for radius ``Delta``, and whether it is on the boundary."""
        m = self.model
        g_norm = m.g_norm
        tolerance = min(0.5, math.sqrt(g_norm)) * g_norm                  # (29.23)
        z = np.zeros_like(m.g)
        r, d = m.g, -m.g
        while True:
            Bd = m.hessp(d)
            dBd = np.dot(d, Bd)
            if not np.isfinite(dBd):  # scipy loops forever here
                raise np.linalg.LinAlgError("The Hessian product is not finite.")
            if dBd <= 0:                                                  # (29.21)
                ta, tb = boundary_intersections(z, d, Delta)
                pa, pb = z + ta * d, z + tb * d
                return (pa if m(pa) < m(pb) else pb), True
            r_squared = np.dot(r, r)
            alpha = r_squared / dBd
            z_next = z + alpha * d
            if np.linalg.norm(z_next) >= Delta:                           # (29.22)
                _, tb = boundary_intersections(z, d, Delta)
                return z + tb * d, True
            r_next = r + alpha * Bd
            r_next_squared = np.dot(r_next, r_next)
            if math.sqrt(r_next_squared) < tolerance:                     # (29.23)
                return z_next, False
            d = -r_next + (r_next_squared / r_squared) * d
            z, r = z_next, r_next
