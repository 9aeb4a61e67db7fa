"""Box bounds ``lb <= x <= ub``, shared by least_squares and minimize."""

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
