"""Simulated annealing (refopt.optimize.anneal): global minima over fixed seeds, pieces, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refopt.optimize import anneal
from refopt.optimize.anneal import reflect, settled, temperature, unit_step


def rastrigin(x):
    return 10.0 * len(x) + float(np.sum(x * x - 10.0 * np.cos(2 * np.pi * x)))


def ackley(x):
    n = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.sum(x * x) / n))
                 - np.exp(np.sum(np.cos(2 * np.pi * x)) / n) + 20 + np.e)


SCHWEFEL_X = 420.968746227796  # the minimizer in each coordinate (Schwefel 1981)


def schwefel(x):
    return float(418.98288727243369 * len(x) - np.sum(x * np.sin(np.sqrt(np.abs(x)))))


# (function, half-width of the box, minimizer in each coordinate); f* = 0 for all three
MULTIMODAL = {"rastrigin": (rastrigin, 5.12, 0.0), "ackley": (ackley, 32.768, 0.0),
              "schwefel": (schwefel, 500.0, SCHWEFEL_X)}


def successes(name, dims, seeds):
    f, half, xstar = MULTIMODAL[name]
    found = 0
    for seed in seeds:
        x0 = np.random.default_rng(1000 + seed).uniform(-half, half, dims)
        res = anneal(f, x0, lower=-half, upper=half, seed=seed)
        found += abs(res.fun - f(np.full(dims, xstar))) < 1e-4 and \
            np.allclose(res.x, xstar, atol=1e-3 * half)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("dims", [2, 5])
@pytest.mark.parametrize("name", sorted(MULTIMODAL))
def test_global_minimum_in_95_of_100_seeds(name, dims):
    assert successes(name, dims, range(100)) >= 95


@pytest.mark.parametrize("name", sorted(MULTIMODAL))
def test_global_minimum_in_three_dimensions(name):
    assert successes(name, 3, range(10)) >= 9


# scipy 0.14's own anneal tests: cos(14.5 x - 0.3) + (x + 0.2) x on [-3, 3], minimum at
# x = -0.195 (to 2 decimals); its 2-d form (which 0.14's 'fast' schedule failed) at
# (-0.195, -0.1). Same options: x0 = 1, feps = 1e-3, maxiter = 1000.
def f1(x):
    return float(np.cos(14.5 * x[0] - 0.3) + (x[0] + 0.2) * x[0])


def f2(x):
    return float(np.cos(14.5 * x[0] - 0.3) + (x[1] + 0.2) * x[1] + (x[0] + 0.2) * x[0])


@pytest.mark.slow
@pytest.mark.parametrize("schedule", ["fast", "cauchy", "boltzmann"])
def test_scipy_014_problems(schedule):
    hits1 = hits2 = 0
    for seed in range(20):
        r1 = anneal(f1, [1.0], lower=-3, upper=3, feps=1e-3, maxiter=1000, schedule=schedule,
                    seed=seed)
        r2 = anneal(f2, [1.0, 1.0], lower=-3, upper=3, feps=1e-3, maxiter=1000,
                    schedule=schedule, seed=seed)
        hits1 += abs(r1.x[0] + 0.195) < 5e-3
        hits2 += np.all(np.abs(r2.x - [-0.195, -0.1]) < 5e-3)
    assert hits1 >= 19 and hits2 >= 19


def test_cauchy_schedule_alone_finds_the_scipy_014_minimum():
    # without the polish: the walk itself, not L-BFGS-B, finds the right well
    hits = sum(abs(anneal(f2, [1.0, 1.0], lower=-3, upper=3, feps=1e-3, maxiter=1000,
                          seed=seed, polish=False).x[0] + 0.195) < 5e-3 for seed in range(10))
    assert hits >= 9


# ------------------------------------------------------------------ seeds and results

def test_same_seed_same_run_and_a_generator_is_accepted():
    a = anneal(rastrigin, [1.0, 2.0], lower=-5.12, upper=5.12, seed=7, maxiter=20)
    b = anneal(rastrigin, [1.0, 2.0], lower=-5.12, upper=5.12, seed=np.random.default_rng(7),
               maxiter=20)
    assert np.array_equal(a.x, b.x) and a.nfev == b.nfev and a.accept == b.accept


def test_result_fields_and_stops():
    r = anneal(rastrigin, [1.0, 2.0], lower=-5.12, upper=5.12, seed=0, maxiter=5, polish=False)
    assert r.status == 3 and r.message == "Maximum cooling iterations reached" and not r.success
    assert r.nit == 6 and r.nfev == 50 + 1 + 6 * 50
    assert {"x", "fun", "T", "nfev", "nit", "accept", "status", "success", "message"} <= set(r)
    r = anneal(rastrigin, [1.0, 2.0], lower=-5.12, upper=5.12, seed=0, maxeval=300)
    assert r.status == 2 and r.message == "Maximum function evaluations"
    r = anneal(rastrigin, [1.0, 2.0], lower=-5.12, upper=5.12, seed=0, maxaccept=10)
    assert r.status == 4
    r = anneal(rastrigin, [1.0, 2.0], lower=-5.12, upper=5.12, seed=0, Tf=1e3)
    assert r.status == 1 and r.success and r.nit == 1


def test_every_point_evaluated_is_in_the_box():
    seen = []

    def f(x):
        seen.append(x.copy())
        return rastrigin(x)

    anneal(f, [9.0, -9.0], lower=[-1, -2], upper=[1, 2], seed=3, maxiter=30)
    seen = np.array(seen)
    assert np.all(seen >= [-1, -2]) and np.all(seen <= [1, 2])


def test_nan_values_are_never_accepted():
    r = anneal(lambda x: np.nan if x[0] > 0 else float(x[0] ** 2), [-0.5], lower=-1, upper=1,
               seed=1, maxiter=50)
    assert r.x[0] <= 0 and np.isfinite(r.fun)


# ------------------------------------------------------------------ the pieces

@settings(deadline=None)
@given(st.floats(-1e6, 1e6))
def test_reflection_lands_in_the_unit_interval(v):
    xi = reflect(np.array([v]))
    assert 0.0 <= xi[0] <= 1.0
    if 0.0 <= v <= 1.0:
        assert xi[0] == v


def test_schedules_and_steps():
    assert temperature("cauchy", 2.0, 3, 1, 1, 1) == 0.5
    assert temperature("boltzmann", 2.0, 1, 1, 1, 1) == pytest.approx(2 / np.log(2))
    assert temperature("fast", 2.0, 2, 1.0, 1.0, 1.0) == pytest.approx(2 * np.exp(-2 * np.exp(-1)))
    rng = np.random.default_rng(0)
    for tau in (1.0, 1e-3):
        y = unit_step("fast", tau, 0.5, rng, 40000)
        assert np.all(np.abs(y) <= 1.0)
        # |y| = tau ((1 + 1/tau)^|2v - 1| - 1) with |2v - 1| uniform: median at 1/2
        assert np.median(np.abs(y)) == pytest.approx(tau * (np.sqrt(1 + 1 / tau) - 1), rel=0.1)


def test_settled_works_where_f_is_zero():
    # scipy 0.14 divided by f_0: with f = 0 at the minimum its test was NaN and never fired
    assert settled([0.0, 0.0, 0.0, 0.0], 1e-6, tau=1e-4)
    assert not settled([0.0, 0.0, 0.0, 0.0], 1e-6, tau=0.5)      # still hot
    assert not settled([0.0, 0.1, 0.0, 0.0], 1e-6, tau=1e-4)


# ------------------------------------------------------------------ bad input

def test_bounds_are_required():
    with pytest.raises(ValueError, match="needs finite bounds"):
        anneal(rastrigin, [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        anneal(rastrigin, [1.0, 2.0], lower=-np.inf, upper=1.0)
    with pytest.raises(ValueError, match="greater than"):
        anneal(rastrigin, [1.0, 2.0], lower=1.0, upper=1.0)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="Unknown annealing schedule 'slow'"):
        anneal(rastrigin, [1.0, 2.0], lower=-1, upper=1, schedule="slow")


def test_minimize_has_no_anneal_method_as_scipy_since_016():
    from refopt import minimize

    with pytest.raises(ValueError, match="Unknown solver anneal"):
        minimize(rastrigin, [1.0, 2.0], method="anneal")
