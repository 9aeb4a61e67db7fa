"""NIST StRD nonlinear regression through refopt.fit: certified values and standard errors.

Every dataset is fitted from both starts with ``minimize(residual, params)`` (leastsq, default
settings). A case passes when the parameters agree with the certified values to at least 6
digits and the standard errors with the certified standard deviations to at least 4 (log
relative error, NIST's measure). lmfit 1.3.4 with its defaults reaches 33 (values) and 39
(errors) of the 54 cases on the development machine; refopt.fit's tighter defaults and its
Gauss-Newton polish reach 50 (both), with and without the AVX kernels. The test asks for the
issue's 40, and lists every miss with its reason.
"""

from __future__ import annotations

import decimal
import math
import warnings

import numpy as np
import pytest

from refopt.fit import Minimizer, Parameters, minimize
from refopt.problems import nist

# (dataset, start) -> why refopt.fit misses it with the default settings
KNOWN_MISSES = {
    ("MGH17", 1): "the fit drives b4, b5 far out, exp overflows, and nan_policy='raise' stops it "
                  "with the NaN message (lmfit does the same)",
    ("BoxBOD", 1): "MINPACK runs to the asymptote b2 -> inf where the model is the constant b1 "
                   "(a stationary point of the residual norm, nist.ASYMPTOTES)",
    ("Lanczos1", 1): "RSS = 1.4e-25: each residual (~8e-14) carries rounding errors of ~3e-16 "
                     "from evaluating the model in double precision, so the RSS, sqrt(RSS) and "
                     "with it every standard error have only about 3 digits; the parameters "
                     "reach 10. The same RSS evaluated exactly (decimal, 40 digits) at the "
                     "fitted parameters is the certified one, and the standard errors rescaled "
                     "by it pass: the miss is the arithmetic of the residuals, not the fit",
    ("Lanczos1", 2): "as from start 1",
}
NO_START_PASSES = {"Lanczos1"}


def fit(dataset, start):
    p = Parameters()
    for i, value in enumerate(dataset.starts[start - 1]):
        p.add(f"b{i + 1}", float(value))
    names = list(p)

    def residual(params):
        return dataset.residuals(np.array([params[n].value for n in names]))

    result = minimize(residual, p)
    values = np.array([result.params[n].value for n in names])
    errors = np.array([np.nan if result.params[n].stderr is None else result.params[n].stderr
                       for n in names])
    return result, nist.log_relative_error(values, dataset.certified).min(), \
        nist.log_relative_error(errors, dataset.certified_sd).min()


@pytest.fixture(scope="module")
def outcomes():
    datasets = nist.load_all()  # the copies shipped with refopt
    assert len(datasets) == 27
    table = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow inside the models
        for d in datasets:
            for start in (1, 2):
                try:
                    table[d.name, start] = (d, *fit(d, start))
                except ValueError as exc:
                    table[d.name, start] = (d, exc, 0.0, 0.0)
    return table


def passed(row) -> bool:
    return row[2] >= 6 and row[3] >= 4


def test_at_least_40_of_54_reach_certified_values_and_errors(outcomes):
    good = [key for key, row in outcomes.items() if passed(row)]
    assert len(outcomes) == 54
    assert len(good) >= 40, sorted(set(outcomes) - set(good))


def test_every_miss_is_a_known_one(outcomes):
    misses = {key for key, row in outcomes.items() if not passed(row)}
    unexplained = misses - set(KNOWN_MISSES)
    assert not unexplained, {k: outcomes[k][2:] for k in unexplained}


def test_each_dataset_passes_from_one_start_except_the_documented(outcomes):
    names = {key[0] for key in outcomes}
    for name in sorted(names - NO_START_PASSES):
        assert passed(outcomes[name, 1]) or passed(outcomes[name, 2]), name


def test_the_misses_fail_for_the_stated_reasons(outcomes):
    exc = outcomes["MGH17", 1][1]
    assert isinstance(exc, ValueError) and "NaN values detected" in str(exc)
    d, result, _, _ = outcomes["BoxBOD", 1]
    assert math.isclose(math.sqrt(result.chisqr), nist.ASYMPTOTES["BoxBOD"][1](d), rel_tol=1e-6)
    for start in (1, 2):
        d, result, values, errors = outcomes["Lanczos1", start]
        assert values >= 8 and errors >= 2.5
        b = [result.params[f"b{i + 1}"].value for i in range(6)]
        sd = np.array([result.params[f"b{i + 1}"].stderr for i in range(6)])
        rss = exact_lanczos_rss(d, b)
        assert nist.log_relative_error([rss], [d.rss]).min() >= 5  # the certified RSS, exactly
        rescaled = sd * math.sqrt(rss / result.chisqr)  # as if the residuals were exact
        assert nist.log_relative_error(rescaled, d.certified_sd).min() >= 4


def exact_lanczos_rss(d, b) -> float:
    """Lanczos1's sum of squares at ``b`` in 40-digit decimal arithmetic, with the data as
    NIST prints them (``repr`` of a parsed value is its shortest decimal, the file's text)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        B = [decimal.Decimal(float(v)) for v in b]
        rss = decimal.Decimal(0)
        for x, y in zip(np.ravel(d.x), np.ravel(d.y)):
            X, Y = decimal.Decimal(repr(float(x))), decimal.Decimal(repr(float(y)))
            model = sum(B[k] * (-B[k + 1] * X).exp() for k in (0, 2, 4))
            rss += (Y - model) ** 2
        return float(rss)


def test_the_polish_is_what_brings_enso_to_six_digits():
    # ENSO (RSS 788): MINPACK's forward differences stop it at about 5.5 digits
    d = next(x for x in nist.load_all() if x.name == "ENSO")
    p = Parameters()
    for i, value in enumerate(d.starts[1]):
        p.add(f"b{i + 1}", float(value))
    names = list(p)
    fitter = Minimizer(lambda q: d.residuals(np.array([q[n].value for n in names])), p)
    lre = {}
    for polish in (False, True):
        result = fitter.leastsq(polish=polish)
        lre[polish] = nist.log_relative_error([result.params[n].value for n in names], d.certified).min()
    assert lre[False] < 6 <= lre[True]
    assert result.nfev_polish > 0
