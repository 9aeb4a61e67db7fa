"""The one-dimensional quadratics of the model (refopt.lsq.quadratic)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refopt.lsq import quadratic as q

from ..helpers import vectors


@given(vectors(3), vectors(3), vectors(3), st.floats(-3, 3), st.floats(-3, 3))
def test_quadratic_1d_matches_evaluate_quadratic(s, s0, g, t, diag_seed):
    J = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [0.5, 0.0, 1.0], [1.0, 1.0, 1.0]])
    diag = np.abs(diag_seed) * np.array([1.0, 0.5, 2.0])
    a, b, c = q.build_quadratic_1d(J, g, s, diag=diag, s0=s0)
    value = q.evaluate_quadratic(J, g, s0 + t * s, diag=diag)
    assert a * t**2 + b * t + c == pytest.approx(value, rel=1e-9, abs=1e-9)
    a0, b0 = q.build_quadratic_1d(J, g, s)
    assert a0 * t**2 + b0 * t == pytest.approx(q.evaluate_quadratic(J, g, t * s), rel=1e-9, abs=1e-9)
    rows = q.evaluate_quadratic(J, g, np.vstack((s, s0)), diag=diag)
    np.testing.assert_allclose(rows, [q.evaluate_quadratic(J, g, s, diag=diag),
                                      q.evaluate_quadratic(J, g, s0, diag=diag)], rtol=1e-9, atol=1e-9)


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5), st.floats(0, 5))
def test_minimize_quadratic_1d_beats_a_grid(a, b, lb, width):
    ub = lb + width
    t, y = q.minimize_quadratic_1d(a, b, lb, ub, c=1.0)
    assert lb <= t <= ub
    assert y == pytest.approx(a * t**2 + b * t + 1.0)
    grid = np.linspace(lb, ub, 1001)
    assert y <= np.min(a * grid**2 + b * grid + 1.0) + 1e-12
