"""The ``verbose=2`` iteration table of trf and dogbox, as scipy prints it."""

from __future__ import annotations


def print_header_nonlinear() -> None:
    """Print the column titles of the iteration table (six centred fields of width 15)."""
    titles = ("Iteration", "Total nfev", "Cost", "Cost reduction", "Step norm", "Optimality")
    print("".join(f"{title:^15}" for title in titles))


def print_iteration_nonlinear(iteration: int, nfev: int, cost: float,
                              cost_reduction: float | None, step_norm: float | None,
                              optimality: float) -> None:
    """Print one row of the iteration table; None fields (iteration 0) are left blank.

    Parameters
    ----------
    iteration, nfev : int
        Outer iteration and evaluations so far.
    cost : float
        Current cost.
    cost_reduction, step_norm : float or None
        Of the last outer iteration (0 when it accepted no step).
    optimality : float
        First-order optimality measure.
    """
    reduction = " " * 15 if cost_reduction is None else f"{cost_reduction:^15.2e}"
    step = " " * 15 if step_norm is None else f"{step_norm:^15.2e}"
    print(f"{iteration:^15}{nfev:^15}{cost:^15.4e}{reduction}{step}{optimality:^15.2e}")
