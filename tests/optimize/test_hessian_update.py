"""BFGS and SR1 update strategies (refopt/optimize/hessian_update.py): the secant equation,
symmetry, positive definiteness, the exception strategies, the initial scaling, and scipy's
own tests (test_hessian_update_strategy.py) ported where they apply."""

from __future__ import annotations

import re
from copy import deepcopy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from refopt.optimize import BFGS, SR1, HessianUpdateStrategy

from . import rosen_der, rosen_hess

APPROX_TYPES = ("hess", "inv_hess")


# the iterates of a run on the 5-dimensional Rosenbrock function, from scipy's test: inputs
# along which every step has positive curvature yᵀs > 0 (checked below)
ROSEN_PATH = np.array([
    [0.0976270, 0.4303787, 0.2055267, 0.0897663, -0.15269040],
    [0.1847239, 0.0505757, 0.2123832, 0.0255081, 0.00083286],
    [0.2142498, -0.0188480, 0.0503822, 0.0347033, 0.03323606],
    [0.2071680, -0.0185071, 0.0341337, -0.0139298, 0.02881750],
    [0.1533055, -0.0322935, 0.0280418, -0.0083592, 0.01503699],
    [0.1382378, -0.0276671, 0.0266161, -0.0074060, 0.02801610],
    [0.1651957, -0.0049124, 0.0269665, -0.0040025, 0.02138184],
    [0.2354930, 0.0443711, 0.0173959, 0.0041872, 0.00794563],
    [0.4168118, 0.1433867, 0.0111714, 0.0126265, -0.00658537],
    [0.4681972, 0.2153273, 0.0225249, 0.0152704, -0.00463809],
    [0.6023068, 0.3346815, 0.0731108, 0.0186618, -0.00371541],
    [0.6415743, 0.3985468, 0.1324422, 0.0214160, -0.00062401],
    [0.7503690, 0.5447616, 0.2804541, 0.0539851, 0.00242230],
    [0.7452626, 0.5644594, 0.3324679, 0.0865153, 0.00454960],
    [0.8059782, 0.6586838, 0.4229577, 0.1452990, 0.00976702],
    [0.8549542, 0.7226562, 0.4991309, 0.2420093, 0.02772661],
    [0.8571332, 0.7285741, 0.5279076, 0.2824549, 0.06030276],
    [0.8835633, 0.7727077, 0.5957984, 0.3411303, 0.09652185],
    [0.9071558, 0.8299587, 0.6771400, 0.4402896, 0.17469338],
    [0.9190793, 0.8486480, 0.7163332, 0.5083780, 0.26107691],
    [0.9371223, 0.8762177, 0.7653702, 0.5773109, 0.32181041],
    [0.9554613, 0.9119893, 0.8282687, 0.6776178, 0.43162744],
    [0.9545744, 0.9099264, 0.8270244, 0.6822220, 0.45237623],
    [0.9688112, 0.9351710, 0.8730961, 0.7546601, 0.56622448],
    [0.9743227, 0.9491953, 0.9005150, 0.8086497, 0.64505437],
    [0.9807345, 0.9638853, 0.9283012, 0.8631675, 0.73812581],
    [0.9886746, 0.9777760, 0.9558950, 0.9123417, 0.82726553],
    [0.9899096, 0.9803828, 0.9615592, 0.9255600, 0.85822149],
    [0.9969510, 0.9935441, 0.9864657, 0.9726775, 0.94358663],
    [0.9979533, 0.9960274, 0.9921724, 0.9837415, 0.96626288],
    [0.9995981, 0.9989171, 0.9974178, 0.9949954, 0.99023356],
    [1.0002640, 1.0005088, 1.0010594, 1.0021161, 1.00386912],
    [0.9998903, 0.9998459, 0.9997795, 0.9995484, 0.99916305],
    [1.0000008, 0.9999905, 0.9999481, 0.9998903, 0.99978047],
    [1.0000004, 0.9999983, 1.0000001, 1.0000031, 1.00000297],
    [0.9999995, 1.0000003, 1.0000005, 1.0000001, 1.00000032],
    [0.9999999, 0.9999997, 0.9999994, 0.9999989, 0.99999786],
    [0.9999999, 0.9999999, 0.9999999, 0.9999999, 0.99999991]])


def path_steps(points):
    grads = [rosen_der(x) for x in points]
    return ([points[i + 1] - points[i] for i in range(len(points) - 1)],
            [grads[i + 1] - grads[i] for i in range(len(grads) - 1)])


def started(strategy, n, approx_type):
    strategy.initialize(n, approx_type)
    return strategy


@st.composite
def spd_and_pairs(draw, count=1):
    """An SPD matrix and ``count`` pairs (s, y) with curvature yᵀs clearly positive."""
    n = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pairs = []
    for _ in range(count):
        s = rng.standard_normal(n)
        y = rng.standard_normal(n)
        if y @ s <= 0.1 * np.linalg.norm(y) * np.linalg.norm(s):
            y = y + (0.1 * np.linalg.norm(y) * np.linalg.norm(s) - y @ s + 1.0) * s / (s @ s)
        pairs.append((s, y))
    return n, pairs


# ------------------------------------------------------------------------------------------
# The defining properties: symmetry, the secant equation (29.3), definiteness
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("approx_type", APPROX_TYPES)
@pytest.mark.parametrize("make", [BFGS, SR1], ids=["BFGS", "SR1"])
@given(data=spd_and_pairs())
def test_one_update_is_symmetric_and_satisfies_the_secant_equation(make, approx_type, data):
    n, [(s, y)] = data
    M = started(make(init_scale=1.0), n, approx_type)
    M.update(s, y)
    A = M.get_matrix()
    assert_array_equal(A, A.T)
    w, z = (s, y) if approx_type == "hess" else (y, s)
    if make is SR1 and np.allclose(A, np.eye(n)):  # (29.9): an update skipped
        return
    assert_allclose(A @ w, z, rtol=1e-8, atol=1e-8 * np.abs(z).max())


@pytest.mark.parametrize("approx_type", APPROX_TYPES)
@given(data=spd_and_pairs(count=8))
def test_bfgs_stays_positive_definite_with_positive_curvature(approx_type, data):
    n, pairs = data
    M = started(BFGS(), n, approx_type)
    for s, y in pairs:
        M.update(s, y)
        A = M.get_matrix()
        assert_array_equal(A, A.T)
        assert np.all(np.linalg.eigvalsh(A) > 0)


@pytest.mark.parametrize("make", [lambda: BFGS(init_scale=1, min_curvature=1e-4),
                                  lambda: SR1(init_scale=1)], ids=["BFGS", "SR1"])
def test_hessian_and_inverse_versions_stay_inverses(make):
    # scipy's test_rosenbrock_with_no_exception: B and H built from the same pairs are
    # inverses, and B ends within 10% of the true Hessian
    steps, changes = path_steps(ROSEN_PATH)
    assert all(s @ y > 0 for s, y in zip(steps, changes))
    B, H = started(make(), 5, "hess"), started(make(), 5, "inv_hess")
    for s, y in zip(steps, changes):
        B.update(s, y)
        H.update(s, y)
        assert_allclose(np.linalg.inv(B.get_matrix()), H.get_matrix(), atol=1e-10)
    B_true = rosen_hess(ROSEN_PATH[-1])
    assert np.linalg.norm(B.get_matrix() - B_true) / np.linalg.norm(B_true) < 0.1


# ------------------------------------------------------------------------------------------
# Skipped and damped updates (29.8), (29.9)
# ------------------------------------------------------------------------------------------

def test_bfgs_skip_update_leaves_the_matrix_when_curvature_is_too_small():
    # scipy's test_BFGS_skip_update, and the negative-curvature case
    steps, changes = path_steps(ROSEN_PATH[:7])
    M = started(BFGS(init_scale=1, min_curvature=10), 5, "hess")
    for s, y in zip(steps[:5], changes[:5]):
        M.update(s, y)
    before = M.get_matrix()
    s, y = steps[5], changes[5]
    assert y @ s <= 10 * s @ before @ s  # the curvature condition fails ...
    M.update(s, y)
    assert_array_equal(M.get_matrix(), before)  # ... and the matrix is left as it was
    M = started(BFGS(init_scale=1), 2, "hess")
    M.update(np.array([1.0, 0.0]), np.array([-1.0, 0.5]))  # yᵀs < 0
    assert_array_equal(M.get_matrix(), np.eye(2))


@pytest.mark.parametrize("approx_type", APPROX_TYPES)
def test_bfgs_damp_update_keeps_definiteness_with_negative_curvature(approx_type):
    # (29.8): z is replaced by theta z + (1 - theta) M w, so that wᵀz = 0.2 wᵀMw > 0
    s, y = np.array([1.0, 2.0, -1.0]), np.array([-0.5, -1.0, 0.3])
    assert y @ s < 0
    M = started(BFGS(exception_strategy="damp_update", init_scale=2.0), 3, approx_type)
    M.update(s, y)
    A = M.get_matrix()
    w, z = (s, y) if approx_type == "hess" else (y, s)
    M0w = 2.0 * w
    theta = (1 - 0.2) / (1 - (w @ z) / (w @ M0w))
    z_damped = theta * z + (1 - theta) * M0w
    assert_allclose(w @ z_damped, 0.2 * (w @ M0w))
    assert_allclose(A @ w, z_damped)  # the secant equation for the damped pair
    assert np.all(np.linalg.eigvalsh(A) > 0)


def test_sr1_skips_a_vanishing_denominator():
    # scipy's test_SR1_skip_update: (29.9) with min_denominator = 1e-2
    steps, changes = path_steps(ROSEN_PATH[:19])
    M = started(SR1(init_scale=1, min_denominator=1e-2), 5, "hess")
    for s, y in zip(steps[:17], changes[:17]):
        M.update(s, y)
    before = M.get_matrix()
    s, y = steps[17], changes[17]
    r = y - before @ s
    assert abs(s @ r) <= 1e-2 * np.linalg.norm(s) * np.linalg.norm(r)
    M.update(s, y)
    assert_array_equal(M.get_matrix(), before)


def test_sr1_skips_when_the_secant_equation_already_holds():
    M = started(SR1(init_scale=3.0), 2, "hess")
    M.update(np.array([1.0, 1.0]), np.array([3.0, 3.0]))  # y = B0 s after scaling: r = 0
    assert_array_equal(M.get_matrix(), 3.0 * np.eye(2))


def test_zero_step_is_ignored_and_zero_gradient_change_warns():
    M = started(BFGS(), 2, "hess")
    M.update(np.zeros(2), np.ones(2))
    assert_array_equal(M.get_matrix(), np.eye(2))
    assert M.first_iteration  # the scaling still waits for a real step
    with pytest.warns(UserWarning, match="delta_grad == 0.0"):
        M.update(np.ones(2), np.zeros(2))
    assert_array_equal(M.get_matrix(), np.eye(2))


# ------------------------------------------------------------------------------------------
# Initial scaling (29.7) and init_scale
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("approx_type", APPROX_TYPES)
def test_auto_scale_is_the_nocedal_wright_heuristic(approx_type):
    s, y = np.array([1.0, 2.0]), np.array([3.0, 1.0])
    M = started(BFGS(min_curvature=1e50), 2, approx_type)  # scaled, then the update skipped
    M.update(s, y)
    scale = (y @ y) / abs(y @ s) if approx_type == "hess" else abs(y @ s) / (y @ y)
    assert_allclose(M.get_matrix(), scale * np.eye(2))


def test_hessian_initialization():
    # scipy's test: I before the first update; after it, init_scale (scalar or matrix)
    n = 5
    symmetric = np.array([[43, 24, 33, 34, 49], [24, 36, 44, 15, 44], [33, 44, 37, 1, 30],
                          [34, 15, 1, 5, 46], [49, 44, 30, 46, 22]])
    diagonal = np.arange(1, n + 1) * np.eye(n)
    scales = ((2, np.eye(n) * 2), (diagonal, diagonal), (symmetric, symmetric))
    for approx_type in APPROX_TYPES:
        for init_scale, expected in scales:
            for M in (BFGS(init_scale=init_scale, min_curvature=1e50),
                      SR1(init_scale=init_scale, min_denominator=1e50)):
                M.initialize(n, approx_type)
                assert_array_equal(M.get_matrix(), np.eye(n))
                M.update(np.ones(n) * 1e-5, np.arange(n) + 0.2)
                assert_array_equal(M.get_matrix(), expected)


@pytest.mark.parametrize("approx_type", APPROX_TYPES)
@pytest.mark.parametrize("init_scale, message, error", [
    (complex(3.14), r"float\(\) argument must be a string or a (real )?number, not 'complex'",
     TypeError),
    (np.array([3.2, 2.3, 1.2]).astype(np.complex128),
     "init_scale contains complex elements, must be real.", TypeError),
    (np.array([[43, 55, 66]]), re.escape("If init_scale is an array, it must have the "
                                         "dimensions of the hess/inv_hess: (3, 3). Got (1, 3)."),
     ValueError),
    (np.array([[43, 24, 33], [24.1, 36, 44], [33, 44, 37]]),
     re.escape("If init_scale is an array, it must be symmetric"), ValueError),
])
def test_bad_init_scale_raises_at_the_first_update(approx_type, init_scale, message, error):
    for M in (BFGS(init_scale=init_scale), SR1(init_scale=init_scale)):
        M.initialize(3, approx_type)
        with pytest.raises(error, match=message):
            M.update(np.ones(3), np.arange(3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="`exception_strategy` must be 'skip_update' or "
                                         "'damp_update'."):
        BFGS(exception_strategy="skip")
    with pytest.raises(ValueError, match="`approx_type` must be 'hess' or 'inv_hess'."):
        BFGS().initialize(2, "hessian")
    with pytest.raises(NotImplementedError):
        HessianUpdateStrategy().dot(np.ones(2))


def test_default_min_curvature_follows_the_exception_strategy():
    assert BFGS().min_curvature == 1e-8
    assert BFGS(exception_strategy="damp_update").min_curvature == 0.2
    assert BFGS(min_curvature=0.5).min_curvature == 0.5
    assert SR1().min_denominator == 1e-8


@pytest.mark.parametrize("make", [BFGS, SR1])
@pytest.mark.parametrize("approx_type", APPROX_TYPES)
def test_matmul_equals_dot(make, approx_type):
    M = started(make(init_scale=1), 2, approx_type)
    M.update(np.array([1.0, 0.5]), np.array([2.0, 0.3]))
    v = np.array([1, 2])
    assert_array_equal(M @ v, M.dot(v))
    assert_allclose(M.dot(v), M.get_matrix() @ v)


def test_copies_are_independent():
    M = started(BFGS(), 2, "hess")
    copy = deepcopy(M)
    M.update(np.array([1.0, 0.0]), np.array([2.0, 0.0]))
    assert_array_equal(copy.get_matrix(), np.eye(2))
