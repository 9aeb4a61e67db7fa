"""What ``least_squares`` hands to a solver: the problem, the options, the variable scaling.

The front end (:mod:`refopt.lsq`) validates the user's arguments and decodes each of them
once; a solver (:func:`refopt.lsq.trf.trf`, :func:`refopt.lsq.dogbox.dogbox`,
:func:`refopt.lsq.lm.call_minpack`) receives three records and trusts them::

    solve(problem, options, scaling)

* :class:`Problem` — the residuals and the Jacobian as callables, the start and the bounds;
* :class:`Options` — tolerances, budget, loss, subproblem solver, printing, callback;
* :class:`Scaling` — ``x_scale``: fixed scales, or the column norms of ``J`` (``'jac'``),
  MINPACK's scaling rule (Moré 1977, §6; chapter 10).

The records are frozen: a solver cannot change what the next one would receive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .jacobian import column_norms


@dataclass(frozen=True)
class Problem:
    """The least-squares problem as the solvers see it.

    ``fun(x)`` returns the residuals, shape (m,). ``jac`` is ``jac(x, f)`` for trf and dogbox
    (``f`` the residuals at ``x``); for lm it is ``jac(x)``, or None for MINPACK's own forward
    differences. ``f0 = fun(x0)`` and ``J0`` (None when lm differences) were evaluated by the
    front end; lm evaluates ``F(x0)`` again itself, as MINPACK counts it.
    """

    fun: Callable[[np.ndarray], np.ndarray]
    jac: Callable[..., Any] | None
    x0: np.ndarray
    f0: np.ndarray
    J0: Any
    lb: np.ndarray
    ub: np.ndarray


@dataclass(frozen=True)
class Options:
    """The decoded options: each has one meaning here, whatever the user passed.

    ``ftol``, ``xtol``, ``gtol`` are floats (0 disables a test); ``max_nfev`` is the budget
    of evaluations of ``fun`` with the method's default already chosen; ``loss_function``
    is None for the linear loss; ``tr_solver`` is 'exact' or 'lsmr' for trf and dogbox
    (ignored by lm) and ``tr_options`` a read-only mapping of its options; ``diff_step`` is
    used by lm's forward differences; ``callback`` is already wrapped
    (:func:`refopt._callback.wrap_callback`) or None.
    """

    ftol: float
    xtol: float
    gtol: float
    max_nfev: int
    _: KW_ONLY
    loss_function: Callable | None = None
    tr_solver: str | None = "exact"
    tr_options: Mapping = field(default_factory=lambda: MappingProxyType({}))
    verbose: int = 0
    callback: Callable | None = None
    diff_step: Any = None


# [scaling]
@dataclass(frozen=True)
class Scaling:
    """``x_scale`` decoded: the scales ``scale`` and their inverses ``scale_inv = 1 / scale``.

    Fixed scales (an array) stay as given. ``'jac'`` (``from_jacobian``) takes
    ``scale_inv`` from the column norms of the Jacobian and never lets them shrink: MINPACK's
    rule ``D_k = max(D_{k-1}, ||J_k e_j||)`` (Moré 1977, §6; chapter 10).
    """

    from_jacobian: bool
    scale: np.ndarray | None = None
    scale_inv: np.ndarray | None = None

    @classmethod
    def fixed(cls, x_scale: np.ndarray) -> "Scaling":
        return cls(False, x_scale, 1 / x_scale)

    @classmethod
    def jacobian(cls) -> "Scaling":
        return cls(True)

    def initial(self, J) -> tuple[np.ndarray, np.ndarray]:
        """``(scale, scale_inv)`` at the start, where the Jacobian is ``J``."""
        if self.from_jacobian:
            return compute_jac_scale(J)
        return self.scale, self.scale_inv

    def updated(self, J, scale_inv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(scale, scale_inv)`` after a step to where the Jacobian is ``J``; ``scale_inv``
        are the inverse scales used so far."""
        if self.from_jacobian:
            return compute_jac_scale(J, scale_inv)
        return self.scale, self.scale_inv


def compute_jac_scale(J, scale_inv_old: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Variable scales from the column norms of ``J`` (``x_scale='jac'``).

    As MINPACK's automatic scaling: the first call takes ``||J[:, j]||`` (1 for a zero
    column); later calls never let a scale shrink.

    Parameters
    ----------
    J : ndarray, shape (m, n), or a sparse matrix with ``power``
        Jacobian.
    scale_inv_old : ndarray, optional
        The previous inverse scales.

    Returns
    -------
    scale, scale_inv : ndarray
        ``1 / norms`` and ``norms``.
    """
    scale_inv = column_norms(J)     # dense or CSR (refopt.lsq.jacobian)
    if scale_inv_old is None:
        scale_inv[scale_inv == 0] = 1
    else:
        scale_inv = np.maximum(scale_inv, scale_inv_old)
    return 1 / scale_inv, scale_inv
# [/scaling]
