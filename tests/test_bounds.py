"""The box utilities of refopt._bounds: distance to the bounds, strict feasibility, the
reflective transformation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from refopt import _bounds as bd

from .helpers import boxes


@given(boxes(), arrays(float, 3, elements=st.floats(-10, 10).map(lambda v: round(v, 3))))
def test_step_size_to_bound_reaches_the_first_bound(box, s):
    x, lb, ub = box
    step, hits = bd.step_size_to_bound(x, s, lb, ub)
    assert step >= 0
    if np.isinf(step):
        # nothing stops the ray: every moving component heads to an infinite bound
        assert np.all((s == 0) | ((s > 0) & np.isinf(ub)) | ((s < 0) & np.isinf(lb)))
        return
    end = x + step * s
    scale = 1 + np.abs(x) + step * np.abs(s)
    assert np.all(end >= lb - 1e-12 * scale) and np.all(end <= ub + 1e-12 * scale)
    assert np.any(hits != 0)
    np.testing.assert_allclose(end[hits == -1], lb[hits == -1], atol=1e-12 * scale.max())
    np.testing.assert_allclose(end[hits == 1], ub[hits == 1], atol=1e-12 * scale.max())
    assert hits.dtype.kind == "i"


@given(boxes(), arrays(float, 3, elements=st.sampled_from([0.0, 1.0, 2.0])))
def test_make_strictly_feasible_moves_points_inside(box, where):
    x, lb, ub = box
    # put some components exactly on a finite bound
    x = np.where((where == 1) & np.isfinite(lb), lb, x)
    x = np.where((where == 2) & np.isfinite(ub), ub, x)
    for rstep in (1e-10, 0):
        x_new = bd.make_strictly_feasible(x, lb, ub, rstep=rstep)
        assert np.all(x_new > lb) and np.all(x_new < ub)
        on_bound = (x == lb) | (x == ub)
        interior_far = ~on_bound & (np.minimum(x - lb, ub - x) > 1e-6)
        np.testing.assert_array_equal(x_new[interior_far], x[interior_far])
    active = bd.find_active_constraints(x, lb, ub, rtol=0)
    np.testing.assert_array_equal(active, np.where(x == lb, -1, np.where(x == ub, 1, 0)))
    assert active.dtype.kind == "i"


def test_make_strictly_feasible_tight_bounds_go_to_the_middle():
    lb, ub = np.array([1.0]), np.array([1.0 + 1e-12])
    assert bd.make_strictly_feasible(np.array([1.0]), lb, ub)[0] == pytest.approx(1.0 + 5e-13)


@given(boxes(), arrays(float, 3, elements=st.floats(-30, 30)))
def test_reflective_transformation_folds_into_the_box(box, y):
    _, lb, ub = box
    x, g = bd.reflective_transformation(y, lb, ub)
    assert np.all(x >= lb - 1e-9) and np.all(x <= ub + 1e-9)
    assert set(np.unique(g)) <= {-1.0, 1.0}
    # away from the folds (the bounds and, with two bounds, every multiple of the width)
    width = np.where(np.isfinite(lb) & np.isfinite(ub), ub - lb, np.inf)
    anchor = np.where(np.isfinite(lb), lb, ub)
    offset = np.where(np.isfinite(width), np.remainder(y - anchor, width), np.abs(y - anchor))
    smooth = np.minimum(offset, width - offset) > 1e-5
    h = 1e-7
    x_plus, _ = bd.reflective_transformation(y + h, lb, ub)
    np.testing.assert_allclose(((x_plus - x) / h)[smooth], g[smooth], atol=1e-5)
    if bd.in_bounds(y, lb, ub):
        np.testing.assert_array_equal(x, y)
