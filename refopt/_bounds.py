"""Box bounds ``lb <= x <= ub``, shared by least_squares and minimize.

:class:`Bounds` is the user's record (as ``scipy.optimize.Bounds``). The functions below are
the small geometry of a box that the bounded solvers share (trust-region reflective and
dogbox in :mod:`refopt.lsq`; L-BFGS-B and SLSQP in :mod:`refopt.optimize` can reach them here
without importing :mod:`refopt.lsq`): whether a point is inside, how far a ray goes before it
leaves, which bounds are active, a strictly feasible shift of a point, and the reflective
transformation of M. A. Branch, T. F. Coleman and Y. Li, "A subspace, interior, and conjugate
gradient method for large-scale bound-constrained minimization problems", SIAM J. Sci.
Comput. 21(1), 1–23, 1999. Their steps and floating-point operations are those of scipy's
``optimize/_lsq/common.py``, so that the solvers built on them reproduce scipy's iterates;
the code and the words are refopt's.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Bounds:
    """Bounds on variables, like ``scipy.optimize.Bounds``.

    Parameters
    ----------
    lb, ub : float or array_like
        Lower and upper bounds; ``-np.inf`` / ``np.inf`` mean no bound. Scalars apply to
        every variable.
    keep_feasible : bool or array_like of bool
        Whether iterates must stay inside the bounds (honoured by methods that support it).
    """

    def __init__(self, lb: Any = -np.inf, ub: Any = np.inf, keep_feasible: Any = False):
        self.lb = np.asarray(lb, dtype=float) if np.ndim(lb) else lb
        self.ub = np.asarray(ub, dtype=float) if np.ndim(ub) else ub
        self.keep_feasible = keep_feasible

    def __repr__(self) -> str:
        text = f"Bounds({self.lb!r}, {self.ub!r}"
        if np.any(self.keep_feasible):
            text += f", keep_feasible={self.keep_feasible!r}"
        return text + ")"


def in_bounds(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> bool:
    """True when ``lb <= x <= ub`` holds componentwise (bounds included).

    Parameters
    ----------
    x, lb, ub : ndarray
        Point and bounds.

    Returns
    -------
    bool
    """
    return bool(np.all((x >= lb) & (x <= ub)))


# [step-to-bound]
def step_size_to_bound(x: np.ndarray, s: np.ndarray, lb: np.ndarray,
                       ub: np.ndarray) -> tuple[float, np.ndarray]:
    """The largest ``t >= 0`` with ``x + t s`` in the bounds, and which bounds stop it.

    Parameters
    ----------
    x : ndarray
        A point within the bounds.
    s : ndarray
        Direction.
    lb, ub : ndarray
        Bounds (infinite entries allowed).

    Returns
    -------
    step : float
        The step length (``inf`` when nothing stops the ray).
    hits : ndarray of int
        ``-1`` where the lower bound is reached at ``step``, ``+1`` for the upper bound,
        ``0`` elsewhere.
    """
    moving = np.nonzero(s)
    steps = np.full_like(x, np.inf, dtype=float)
    with np.errstate(over="ignore"):
        # per component, the bound in the direction of travel is the larger quotient
        steps[moving] = np.maximum((lb - x)[moving] / s[moving], (ub - x)[moving] / s[moving])
    min_step = np.min(steps)
    return min_step, np.equal(steps, min_step) * np.sign(s).astype(int)
# [/step-to-bound]


def find_active_constraints(x: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                            rtol: float = 1e-10) -> np.ndarray:
    """Which bounds are active at ``x``, to a relative tolerance.

    A lower bound is active when ``x - lb <= min(ub - x, rtol * max(1, |lb|))`` (and the
    upper one symmetrically). With ``rtol = 0`` the comparison is exact: ``x <= lb`` or
    ``x >= ub``.

    Parameters
    ----------
    x, lb, ub : ndarray
        Point and bounds.
    rtol : float, optional
        Relative tolerance.

    Returns
    -------
    ndarray of int
        ``-1`` for an active lower bound, ``+1`` for an active upper bound, ``0`` otherwise.
    """
    active = np.zeros_like(x, dtype=int)
    if rtol == 0:
        active[x <= lb] = -1
        active[x >= ub] = 1
        return active
    lower_dist = x - lb
    upper_dist = ub - x
    lower_threshold = rtol * np.maximum(1, np.abs(lb))
    upper_threshold = rtol * np.maximum(1, np.abs(ub))
    active[np.isfinite(lb) & (lower_dist <= np.minimum(upper_dist, lower_threshold))] = -1
    active[np.isfinite(ub) & (upper_dist <= np.minimum(lower_dist, upper_threshold))] = 1
    return active


def make_strictly_feasible(x: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                           rstep: float = 1e-10) -> np.ndarray:
    """A copy of ``x`` moved strictly inside the bounds.

    Components within ``rstep * max(1, |bound|)`` of a bound are moved to that distance from
    it; with ``rstep = 0`` they move to the next floating-point number inside. Where the
    bounds are too close for that, the component goes to the midpoint.

    Parameters
    ----------
    x, lb, ub : ndarray
        Point and bounds.
    rstep : float, optional
        Relative distance from the bounds.

    Returns
    -------
    ndarray
        The shifted point.
    """
    x_new = x.copy()
    active = find_active_constraints(x, lb, ub, rstep)
    lower = active == -1
    upper = active == 1
    if rstep == 0:
        x_new[lower] = np.nextafter(lb[lower], ub[lower])
        x_new[upper] = np.nextafter(ub[upper], lb[upper])
    else:
        x_new[lower] = lb[lower] + rstep * np.maximum(1, np.abs(lb[lower]))
        x_new[upper] = ub[upper] - rstep * np.maximum(1, np.abs(ub[upper]))
    too_tight = (x_new < lb) | (x_new > ub)
    x_new[too_tight] = 0.5 * (lb[too_tight] + ub[too_tight])
    return x_new


def reflective_transformation(y: np.ndarray, lb: np.ndarray,
                              ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fold ``y`` into the bounds by reflecting it off them, and the fold's derivative.

    One finite bound reflects once (``x = 2 lb - y`` below ``lb``); two finite bounds make
    the fold periodic with period ``2 (ub - lb)``.

    Parameters
    ----------
    y : ndarray
        Any point.
    lb, ub : ndarray
        Bounds.

    Returns
    -------
    x : ndarray
        The reflected point, within the bounds.
    g : ndarray
        ``dx/dy``: ``+1`` or ``-1`` per component.
    """
    if in_bounds(y, lb, ub):
        return y, np.ones_like(y)
    lb_finite = np.isfinite(lb)
    ub_finite = np.isfinite(ub)
    x = y.copy()
    flipped = np.zeros_like(y, dtype=bool)

    only_lower = lb_finite & ~ub_finite
    x[only_lower] = np.maximum(y[only_lower], 2 * lb[only_lower] - y[only_lower])
    flipped[only_lower] = y[only_lower] < lb[only_lower]

    only_upper = ~lb_finite & ub_finite
    x[only_upper] = np.minimum(y[only_upper], 2 * ub[only_upper] - y[only_upper])
    flipped[only_upper] = y[only_upper] > ub[only_upper]

    both = lb_finite & ub_finite
    width = ub[both] - lb[both]
    t = np.remainder(y[both] - lb[both], 2 * width)
    x[both] = lb[both] + np.minimum(t, 2 * width - t)
    flipped[both] = t > width

    g = np.ones_like(y)
    g[flipped] = -1
    return x, g
