"""Benchmark cases for F-test confidence intervals: refopt.fit.conf_interval next to lmfit's.

Group ``ci``. The problems are the lmfit 0.5 manual's examples (Newville et al., 2012, §4.2
and §4.3) and a three-parameter exponential decay; each side fits with ``leastsq`` and then
computes the intervals at the default sigmas (1, 2, 3). A runner returns ``nfev``, every
evaluation of the residual function during ``conf_interval`` (the fit's own are not
counted), and ``x``, the interval limits in a fixed order, so that the table's
``x_rel_diff`` is the largest relative difference between the two libraries' limits.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import Case, import_anchor

X = np.linspace(0.3, 10, 100)


def _basic() -> tuple[dict, callable]:
    y = 1 / (0.1 * X) + 2 + 0.1 * np.random.RandomState(0).randn(X.size)    # the manual's data
    return {"a": 0.1, "b": 1.0}, lambda v: 1 / (v["a"] * X) + v["b"] - y


def _exponential() -> tuple[dict, callable]:
    y = 3.0 * np.exp(-X / 2.5) + 0.5 + 0.05 * np.random.RandomState(1).randn(X.size)
    return {"amp": 2.0, "tau": 1.0, "offset": 0.0}, \
        lambda v: v["amp"] * np.exp(-X / v["tau"]) + v["offset"] - y


def _two_exponentials() -> tuple[dict, callable]:
    y = 3 * np.exp(-X / 2) - 5 * np.exp(-X / 10) + 0.2 * np.random.default_rng(0).normal(size=X.size)
    return {"a1": 5.0, "a2": -5.0, "t1": 2.0, "t2": 5.0}, \
        lambda v: v["a1"] * np.exp(-X / v["t1"]) + v["a2"] * np.exp(-X / v["t2"]) - y


PROBLEMS = {"basic_1_over_ax_plus_b": _basic, "exponential_3_parameters": _exponential,
            "two_exponentials_default_rng0": _two_exponentials}


def _runner(module_name: str, problem) -> callable:
    def run() -> dict:
        module = import_anchor(module_name)
        start, model = problem()
        calls = [0]

        def residual(params):
            calls[0] += 1
            return model(params.valuesdict())

        params = module.Parameters()
        for name, value in start.items():
            params.add(name, value=value)
        mini = module.Minimizer(residual, params)
        result = mini.leastsq()
        calls[0] = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = module.conf_interval(mini, result)
        limits = np.array([value for name in start for _, value in ci[name]], dtype=float)
        return {"nfev": calls[0], "x": limits}

    return run


def cases() -> list[Case]:
    """One case per problem: refopt.fit.conf_interval against lmfit.conf_interval."""
    return [Case(f"ci/{name}", "ci", _runner("refopt.fit", problem), _runner("lmfit", problem),
                 "lmfit.conf_interval", "leastsq fit, then conf_interval at sigmas 1, 2, 3; "
                 "nfev counts the interval search only")
            for name, problem in PROBLEMS.items()]
