"""The least-squares iterate and objective (refopt.lsq.point) and the verbose table
(refopt.lsq.printing)."""

from __future__ import annotations

import numpy as np
import pytest

from refopt.lsq import point as pt
from refopt.lsq.printing import print_header_nonlinear, print_iteration_nonlinear


def test_compute_grad_is_J_transpose_f():
    J = np.array([[3.0, 0.0], [4.0, 0.0]])
    np.testing.assert_array_equal(pt.compute_grad(J, np.array([1.0, 1.0])), [7.0, 0.0])


def test_make_point_with_loss_keeps_inputs_and_matches_the_robust_gradient():
    from refopt.lsq.losses import construct_loss_function

    f = np.array([0.5, -3.0, 0.1])
    J = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, -1.0]])
    f_in, J_in = f.copy(), J.copy()
    loss = construct_loss_function(3, "soft_l1", 1.0)
    point = pt.make_point(np.zeros(2), f, J, loss)
    np.testing.assert_array_equal(f, f_in)
    np.testing.assert_array_equal(J, J_in)
    drho = (1 + f**2) ** -0.5  # soft_l1: rho'(z) = (1 + z)**-0.5
    np.testing.assert_allclose(point.g, J.T @ (drho * f), rtol=1e-12)
    assert point.cost == pytest.approx(np.sum((1 + f**2) ** 0.5 - 1))


def test_verbose_table_format(capsys):
    print_header_nonlinear()
    print_iteration_nonlinear(0, 1, 200.5, None, None, 801.0)
    print_iteration_nonlinear(1, 2, 50.0, 150.5, 2.236, 200.0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("   Iteration     Total nfev        Cost      Cost reduction    "
                        "Step norm     Optimality   ")
    # the row layout of scipy's table, as printed by scipy 1.17.1 for the same numbers
    assert lines[1] == ("       0              1         2.0050e+02" + " " * 36
                        + "8.01e+02    ")
    assert lines[2] == ("       1              2         5.0000e+01      1.50e+02       "
                        "2.24e+00       2.00e+02    ")
