"""Scalar minimization: ``minimize`` as scipy.optimize.minimize (work in progress).

The front end validates inputs and dispatches to one module per method
(``bfgs.py``, ``cg.py``, ``nelder_mead.py``, ``powell.py``).
"""

from __future__ import annotations

import warnings


class OptimizeWarning(UserWarning):
    """Warning about a questionable input to a minimizer (as scipy's ``OptimizeWarning``)."""


__all__ = ["OptimizeWarning"]
