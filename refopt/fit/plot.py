"""Figures of confidence regions and profile traces, as the lmfit 0.5 manual draws them (§4.3).

matplotlib comes from the ``plot`` extra (``pip install "refopt[plot]"``) and is imported only
when a figure is asked for, so ``refopt.fit`` itself needs numpy alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_conf_interval2d", "plot_trace"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("refopt.fit.plot draws with matplotlib, which is not installed: "
                          "pip install 'refopt[plot]' (or pip install matplotlib)") from None
    return plt


def _axes(ax: Any) -> Any:
    return _pyplot().subplots()[1] if ax is None else ax


def plot_conf_interval2d(x: np.ndarray, y: np.ndarray, grid: np.ndarray, x_name: str = "x",
                         y_name: str = "y", ax: Any = None, levels: Any = None) -> Any:
    """Filled contours of :func:`~refopt.fit.conf_interval2d`'s probabilities, with a colour bar.

    ``levels`` default to ``0, 0.1, ..., 1`` as in the manual's figure. Returns the axes.
    """
    ax = _axes(ax)
    levels = np.linspace(0, 1, 11) if levels is None else levels
    filled = ax.contourf(x, y, grid, levels)
    ax.figure.colorbar(filled, ax=ax, label="probability")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    return ax


def plot_trace(trace: dict, name: str, other: str, ax: Any = None) -> Any:
    """The profile of ``name``: the re-fitted value of ``other`` against the fixed ``name``,
    coloured by the probability (the manual's scatter of ``trace[name]``). Returns the axes."""
    if name not in trace:
        raise KeyError(f"the trace has no profile of {name!r} (it has {', '.join(trace)})")
    if other not in trace[name]:
        raise KeyError(f"the profile of {name!r} has no column {other!r}")
    ax = _axes(ax)
    points = ax.scatter(trace[name][name], trace[name][other], c=trace[name]["prob"], s=30,
                        vmin=0, vmax=1)
    ax.figure.colorbar(points, ax=ax, label="probability")
    ax.set_xlabel(f"{name} (fixed)")
    ax.set_ylabel(f"{other} (re-fitted)")
    return ax
