"""The dogleg step for the trust-region subproblem (``minimize(method='dogleg')``).

M. J. D. Powell, "A hybrid method for nonlinear equations", in *Numerical Methods for
Nonlinear Algebraic Equations*, P. Rabinowitz (ed.), Gordon and Breach (1970), 87–114;
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed. (2006), §4.1.

With ``B`` positive definite the model (29.15) has its minimum at the Newton point, and along
``-g`` at the Cauchy point::

    p_B = -B⁻¹ g                                               (29.19)  [N&W (4.13)]
    p_U = -(gᵀg / gᵀB g) g                                     (29.20)  [N&W (4.15)]

The dogleg path runs from 0 to ``p_U`` and on to ``p_B``; ``‖p‖`` grows and ``m`` falls
along it, so the step is where it leaves the ball: ``p_B`` if inside, else ``p_U`` cut to
the boundary if that is outside, else ``p_U + t (p_B - p_U)`` with ``t`` from (29.18).
``B`` is factored by Cholesky: an indefinite ``B`` raises ``LinAlgError``, which ends the
run with status 3 (scipy's behaviour; dogleg needs a positive definite Hessian).
Both points are kept, so a step re-solved after a rejection costs no new work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import OptimizeResult
from .trust_region import QuadraticModel, boundary_intersections, minimize_trust_region

__all__ = ["minimize_dogleg", "DoglegSubproblem"]


def minimize_dogleg(fun: Callable, x0: Any, args: tuple = (), jac: Any = None,
                    hess: Any = None, callback: Callable | None = None,
                    **options: Any) -> OptimizeResult:
    """Minimize with dogleg steps; options as :func:`~refopt.optimize.trust_region.minimize_trust_region`.

    Raises
    ------
    ValueError
        Without a callable ``jac`` or a callable ``hess`` (scipy's texts).
    """
    if jac is None:
        raise ValueError("Jacobian is required for dogleg minimization")
    if not callable(hess):
        raise ValueError("Hessian is required for dogleg minimization")
    return minimize_trust_region(fun, x0, args, jac, hess, None, callback,
                                 subproblem=DoglegSubproblem, **options)


class DoglegSubproblem:
    """The dogleg step at one model; the Newton and Cauchy points are computed once."""

    def __init__(self, model: QuadraticModel):
        self.model = model
        self._newton: np.ndarray | None = None
        self._cauchy: np.ndarray | None = None

    def newton_point(self) -> np.ndarray:
        """(29.19), through the Cholesky factor ``B = L Lᵀ`` (LinAlgError if B is not PD)."""
        if self._newton is None:
            L = np.linalg.cholesky(self.model.B.T)  # reads B's upper triangle, as scipy's
            self._newton = -np.linalg.solve(L.T, np.linalg.solve(L, self.model.g))
        return self._newton

    def cauchy_point(self) -> np.ndarray:
        """(29.20)."""
        if self._cauchy is None:
            g = self.model.g
            self._cauchy = -(np.dot(g, g) / np.dot(g, self.model.hessp(g))) * g
        return self._cauchy

    def solve(self, Delta: float) -> tuple[np.ndarray, bool]:
        """The point where the dogleg path leaves ``‖p‖ <= Delta``, and whether it did."""
        p_B = self.newton_point()
        if np.linalg.norm(p_B) < Delta:
            return p_B, False
        p_U = self.cauchy_point()
        p_U_norm = np.linalg.norm(p_U)
        if p_U_norm >= Delta:
            return p_U * (Delta / p_U_norm), True
        _, t = boundary_intersections(p_U, p_B - p_U, Delta)        # (29.18)
        return p_U + t * (p_B - p_U), True
