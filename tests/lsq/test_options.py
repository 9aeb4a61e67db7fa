"""The records least_squares hands to its solvers (refopt.lsq.options)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from refopt.lsq.options import Options, Scaling, compute_jac_scale


def test_compute_jac_scale_column_norms_never_shrink():
    J = np.array([[3.0, 0.0], [4.0, 0.0]])
    scale, scale_inv = compute_jac_scale(J)
    np.testing.assert_array_equal(scale_inv, [5.0, 1.0])   # a zero column gets scale 1
    np.testing.assert_array_equal(scale, [0.2, 1.0])
    _, later = compute_jac_scale(np.array([[1.0, 2.0], [0.0, 0.0]]), scale_inv)
    np.testing.assert_array_equal(later, [5.0, 2.0])       # max(previous, new norms)


def test_fixed_scaling_ignores_the_jacobian():
    scaling = Scaling.fixed(np.array([2.0, 4.0]))
    J = np.array([[3.0, 0.0], [4.0, 1.0]])
    scale, scale_inv = scaling.initial(J)
    np.testing.assert_array_equal(scale, [2.0, 4.0])
    np.testing.assert_array_equal(scale_inv, [0.5, 0.25])
    again = scaling.updated(10 * J, scale_inv)
    assert again[0] is scale and again[1] is scale_inv


def test_jacobian_scaling_follows_the_column_norms():
    scaling = Scaling.jacobian()
    scale, scale_inv = scaling.initial(np.array([[3.0, 0.0], [4.0, 0.0]]))
    np.testing.assert_array_equal(scale_inv, [5.0, 1.0])
    _, scale_inv = scaling.updated(np.array([[0.0, 6.0], [0.0, 8.0]]), scale_inv)
    np.testing.assert_array_equal(scale_inv, [5.0, 10.0])


def test_records_are_frozen():
    options = Options(1e-8, 1e-8, 1e-8, 100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.ftol = 0.0
    with pytest.raises(TypeError):
        options.tr_options["regularize"] = False   # a read-only mapping by default
