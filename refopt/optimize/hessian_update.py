"""Quasi-Newton Hessian approximations: the BFGS and SR1 update strategies.

J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer (2006): §6.1
(BFGS, formulas [N&W (6.17)] and [N&W (6.19)]), §6.2 (SR1, [N&W (6.24)–(6.26)]), the
initial scaling [N&W (6.20)] and the damped update of §18.3 (Procedure 18.2). The interface
is scipy's ``HessianUpdateStrategy``
(1.17, ``_hessian_update_strategy.py``): ``initialize(n, approx_type)``, ``update(s, y)``,
``dot(p)`` (also ``@``) and ``get_matrix()``.

A strategy keeps ``M``, either an approximation ``B`` of the Hessian (``approx_type='hess'``)
or ``H`` of its inverse (``'inv_hess'``). Both are updated from a step ``s = x_2 - x_1`` and
the change of gradient ``y = g_2 - g_1`` so that the new matrix satisfies the secant
equation::

    B_+ s = y          or          H_+ y = s                       (29.3)

The two cases are one computation with the roles of ``s`` and ``y`` exchanged: with
``(w, z) = (s, y)`` for ``B`` and ``(w, z) = (y, s)`` for ``H``, both update ``M`` so that
``M_+ w = z``. The BFGS formulas are::

    B_+ = B - (B s)(B s)ᵀ / (sᵀ B s) + y yᵀ / (yᵀ s)                            (29.4)  [N&W (6.19)]
    H_+ = H + (sᵀy + yᵀH y) / (sᵀy)² s sᵀ - ((H y) sᵀ + s (H y)ᵀ) / (sᵀy)        (29.5)  [N&W (6.17)]

and the symmetric rank-one update, the same for ``B`` and ``H`` in the ``(w, z)`` form::

    M_+ = M + (z - M w)(z - M w)ᵀ / ((z - M w)ᵀ w)                             (29.6)  [N&W (6.24)]

Before the first update ``M = I`` is rescaled (``init_scale='auto'``) by::

    B_0 = (yᵀy / |yᵀs|) I,      H_0 = (|yᵀs| / yᵀy) I                         (29.7)  [N&W (6.20)]

Safeguards, as scipy's:

* no update when ``s = 0``; a UserWarning and no update when ``y = 0``;
* BFGS: ``M`` is reset to (29.7) if ``wᵀ M w <= 0`` (lost to rounding); when the curvature
  ``wᵀz <= min_curvature · wᵀ M w``, ``'skip_update'`` leaves ``M`` as it is and
  ``'damp_update'`` replaces ``z`` by ``θ z + (1 - θ) M w`` with
  ``θ = (1 - min_curvature) / (1 - wᵀz / wᵀMw)``, which makes ``wᵀz = min_curvature · wᵀMw``
  (29.8)  N&W Procedure 18.2;
* SR1: no update when ``|(z - M w)ᵀ w| <= min_denominator ‖w‖ ‖z - M w‖``  (29.9)  [N&W (6.26)].

``M`` is kept exactly symmetric: each update is computed on the upper triangle and mirrored
(scipy updates the upper triangle with BLAS ``syr``/``syr2`` and reads it with ``symv``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["HessianUpdateStrategy", "FullHessianUpdateStrategy", "BFGS", "SR1"]

APPROX_TYPES = ("hess", "inv_hess")


class HessianUpdateStrategy:
    """Interface of a quasi-Newton approximation of the Hessian or of its inverse.

    Subclasses implement :meth:`initialize`, :meth:`update`, :meth:`dot` and
    :meth:`get_matrix`; ``M @ p`` calls :meth:`dot`. Any object with this interface can be
    passed as ``hess`` to :func:`refopt.minimize` for the methods that accept one
    (Newton-CG, trust-ncg, trust-krylov).
    """

    def initialize(self, n: int, approx_type: str) -> None:
        """Start from the identity of size ``n``; ``approx_type`` is 'hess' or 'inv_hess'."""
        raise NotImplementedError("The method ``initialize(n, approx_type)`` is not "
                                  "implemented.")

    def update(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> None:
        """Update from ``delta_x = x2 - x1`` and ``delta_grad = g(x2) - g(x1)``."""
        raise NotImplementedError("The method ``update(delta_x, delta_grad)`` is not "
                                  "implemented.")

    def dot(self, p: np.ndarray) -> np.ndarray:
        """The product of the approximation with the vector ``p``."""
        raise NotImplementedError("The method ``dot(p)`` is not implemented.")

    def get_matrix(self) -> np.ndarray:
        """The approximation as a dense (n, n) array."""
        raise NotImplementedError("The method ``get_matrix(p)`` is not implemented.")

    def __matmul__(self, p: np.ndarray) -> np.ndarray:
        return self.dot(p)


def auto_scale(delta_x: np.ndarray, delta_grad: np.ndarray, approx_type: str) -> float:
    """The factor of (29.7); 1 when ``s``, ``y`` or ``yᵀs`` vanishes."""
    s_norm2 = np.dot(delta_x, delta_x)
    y_norm2 = np.dot(delta_grad, delta_grad)
    ys = np.abs(np.dot(delta_grad, delta_x))
    if ys == 0.0 or y_norm2 == 0 or s_norm2 == 0:
        return 1
    return y_norm2 / ys if approx_type == "hess" else ys / y_norm2


def symmetric_from_upper(M: np.ndarray) -> np.ndarray:
    """``M``'s upper triangle mirrored into the lower one."""
    upper = np.triu(M)
    return upper + np.triu(M, 1).T


def add_rank_one(M: np.ndarray, alpha: float, u: np.ndarray) -> np.ndarray:
    """``M + alpha u uᵀ``, exactly symmetric."""
    return symmetric_from_upper(M + np.outer(u, alpha * u))


def add_rank_two(M: np.ndarray, alpha: float, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``M + alpha (u vᵀ + v uᵀ)``, exactly symmetric."""
    return symmetric_from_upper(M + np.outer(u, alpha * v) + np.outer(v, alpha * u))


def initial_matrix(scale: Any, n: int) -> tuple[Any, bool]:
    """``init_scale`` checked: ``(float, False)`` to scale ``I`` by, or ``(array, True)`` to
    replace it with (scipy's errors and their texts)."""
    if np.size(scale) == 1:
        return float(scale), False  # a complex scalar raises float()'s own TypeError
    if np.iscomplexobj(scale):
        raise TypeError("init_scale contains complex elements, must be real.")
    matrix = np.array(scale, dtype=float, copy=True)
    if matrix.shape != (n, n):
        raise ValueError("If init_scale is an array, it must have the dimensions of the "
                         f"hess/inv_hess: {(n, n)}. Got {matrix.shape}.")
    if not np.array_equal(matrix, matrix.T):
        raise ValueError("If init_scale is an array, it must be symmetric (passing "
                         "scipy.linalg.issymmetric) to be an approximation of a "
                         "hess/inv_hess.")
    return matrix, True


class FullHessianUpdateStrategy(HessianUpdateStrategy):
    """A strategy that stores the whole (n, n) matrix ``M`` (``B`` or ``H``).

    Parameters
    ----------
    init_scale : float, (n, n) array or 'auto', optional
        ``M_0 = init_scale · I`` (a float), the given symmetric matrix, or (29.7) at the
        first update ('auto', the default).
    """

    def __init__(self, init_scale: Any = "auto"):
        self.init_scale = init_scale
        self.first_iteration: bool | None = None
        self.approx_type: str | None = None
        self.n = 0
        self.M: np.ndarray | None = None

    @property
    def B(self) -> np.ndarray | None:
        """The Hessian approximation (``approx_type='hess'``), else None."""
        return self.M if self.approx_type == "hess" else None

    @property
    def H(self) -> np.ndarray | None:
        """The inverse Hessian approximation (``approx_type='inv_hess'``), else None."""
        return self.M if self.approx_type == "inv_hess" else None

    def initialize(self, n: int, approx_type: str) -> None:
        """``M = I`` of size ``n``; the scaling waits for the first update."""
        if approx_type not in APPROX_TYPES:
            raise ValueError("`approx_type` must be 'hess' or 'inv_hess'.")
        self.first_iteration = True
        self.n = n
        self.approx_type = approx_type
        self.M = np.eye(n, dtype=float)

    def _w_z(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> tuple[np.ndarray,
                                                                           np.ndarray]:
        """``(w, z)`` with ``M_+ w = z`` the secant equation (29.3)."""
        if self.approx_type == "hess":
            return delta_x, delta_grad
        return delta_grad, delta_x

    def _scale_first(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> None:
        if isinstance(self.init_scale, str) and self.init_scale == "auto":
            scale, replace = auto_scale(delta_x, delta_grad, self.approx_type), False  # (29.7)
        else:
            scale, replace = initial_matrix(self.init_scale, self.n)
        self.M = scale if replace else self.M * scale
        self.first_iteration = False

    def update(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> None:
        """Update ``M`` from ``delta_x = x2 - x1`` and ``delta_grad = g(x2) - g(x1)``."""
        if np.all(delta_x == 0.0):
            return
        if np.all(delta_grad == 0.0):
            warnings.warn("delta_grad == 0.0. Check if the approximated function is linear. "
                          "If the function is linear better results can be obtained by "
                          "defining the Hessian as zero instead of using quasi-Newton "
                          "approximations.", UserWarning, stacklevel=2)
            return
        if self.first_iteration:
            self._scale_first(delta_x, delta_grad)
        self._update_implementation(delta_x, delta_grad)

    def _update_implementation(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> None:
        raise NotImplementedError("The method ``_update_implementation`` is not "
                                  "implemented.")

    def dot(self, p: np.ndarray) -> np.ndarray:
        """``M p``."""
        return self.M.dot(p)

    def get_matrix(self) -> np.ndarray:
        """A copy of ``M``."""
        return np.copy(self.M)


class BFGS(FullHessianUpdateStrategy):
    """The Broyden–Fletcher–Goldfarb–Shanno update (29.4)/(29.5).

    Parameters
    ----------
    exception_strategy : {'skip_update', 'damp_update'}, optional
        What to do when the curvature condition fails (29.8): leave the matrix as it is, or
        interpolate between the BFGS update and the unchanged matrix (Powell's damping).
    min_curvature : float, optional
        The least curvature ``wᵀz``, relative to ``wᵀ M w``, that is used unmodified;
        default 1e-8 for 'skip_update' and 0.2 for 'damp_update'.
    init_scale : float, (n, n) array or 'auto', optional
        See :class:`FullHessianUpdateStrategy`.
    """

    def __init__(self, exception_strategy: str = "skip_update",
                 min_curvature: float | None = None, init_scale: Any = "auto"):
        defaults = {"skip_update": 1e-8, "damp_update": 0.2}
        if exception_strategy not in defaults:
            raise ValueError("`exception_strategy` must be 'skip_update' or 'damp_update'.")
        self.min_curvature = defaults[exception_strategy] if min_curvature is None \
            else min_curvature
        super().__init__(init_scale)
        self.exception_strategy = exception_strategy

    def _update_implementation(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> None:
        w, z = self._w_z(delta_x, delta_grad)
        wz = np.dot(w, z)
        Mw = self.dot(w)
        wMw = Mw.dot(w)
        if wMw <= 0.0:  # M lost definiteness to rounding: start again from (29.7)
            self.M = auto_scale(delta_x, delta_grad, self.approx_type) * np.eye(self.n)
            Mw = self.dot(w)
            wMw = Mw.dot(w)
        if wz <= self.min_curvature * wMw:                                     # (29.8)
            if self.exception_strategy == "skip_update":
                return
            theta = (1 - self.min_curvature) / (1 - wz / wMw)
            z = theta * z + (1 - theta) * Mw
            wz = np.dot(w, z)
        if self.approx_type == "hess":
            self.M = add_rank_one(add_rank_one(self.M, 1.0 / wz, z), -1.0 / wMw, Mw)  # (29.4)
        else:
            M = add_rank_two(self.M, -1.0 / wz, z, Mw)
            self.M = add_rank_one(M, (wz + wMw) / wz ** 2, z)                     # (29.5)


class SR1(FullHessianUpdateStrategy):
    """The symmetric rank-one update (29.6).

    Parameters
    ----------
    min_denominator : float, optional
        The update is skipped when ``|(z - M w)ᵀ w|`` is at most ``min_denominator`` times
        ``‖w‖ ‖z - M w‖`` (29.9); default 1e-8.
    init_scale : float, (n, n) array or 'auto', optional
        See :class:`FullHessianUpdateStrategy`.
    """

    def __init__(self, min_denominator: float = 1e-8, init_scale: Any = "auto"):
        self.min_denominator = min_denominator
        super().__init__(init_scale)

    def _update_implementation(self, delta_x: np.ndarray, delta_grad: np.ndarray) -> None:
        w, z = self._w_z(delta_x, delta_grad)
        residual = z - self.dot(w)
        denominator = np.dot(w, residual)
        if np.abs(denominator) <= self.min_denominator * np.linalg.norm(w) * \
                np.linalg.norm(residual):                                       # (29.9)
            return
        self.M = add_rank_one(self.M, 1 / denominator, residual)               # (29.6)
