"""refopt.fit.report: fit_report in lmfit's layout."""

from __future__ import annotations

import numpy as np
import pytest

from refopt.fit import Parameters, fit_report, gformat, minimize, report_errors, report_fit


@pytest.mark.parametrize("value, text", [
    (0.00955288183, " 0.00955288"), (-463.111570615, "-463.111571"), (1.93216953e-4, " 1.9322e-04"),
    (18.73833742, " 18.7383374"), (3.0, " 3.00000000"), (1.5e120, " 1.500e+120"), (0.0, " 0.00000000"),
    (None, "       None")])
def test_gformat(value, text):
    assert gformat(value) == text


def basic_fit(bounded=False):
    """The 0.5 manual's basic example, y = 1/(a x) + b, with the noise of np.random.seed(0)."""
    x = np.linspace(0.3, 10, 100)
    y = 1 / (0.1 * x) + 2 + 0.1 * np.random.RandomState(0).standard_normal(100)
    p = Parameters()
    p.add_many(("a", 0.1), ("b", 1))
    if bounded:
        p["a"].set(min=0.01, max=1)
        p.add("c", expr="a*b")
        p.add("d", 3, vary=False)

    def residual(p):
        return 1 / (p["a"].value * x) + p["b"].value - y

    return minimize(residual, p)


def test_layout_of_a_fit_with_expression_and_fixed_parameter():
    res = basic_fit(bounded=True)
    lines = fit_report(res).splitlines()
    a, b, c = res.params["a"], res.params["b"], res.params["c"]
    assert lines[:9] == [
        "[[Fit Statistics]]",
        "    # fitting method   = leastsq",
        f"    # function evals   = {res.nfev}",
        "    # data points      = 100",
        "    # variables        = 2",
        f"    chi-square         = {gformat(res.chisqr).strip()}",
        f"    reduced chi-square = {gformat(res.redchi).strip()}",
        f"    Akaike info crit   = {gformat(res.aic).strip()}",
        f"    Bayesian info crit = {gformat(res.bic).strip()}",
    ]
    assert lines[9:] == [
        "[[Variables]]",
        f"    a: {gformat(a.value)} +/-{gformat(a.stderr)} ({abs(a.stderr / a.value):.2%}) (init = 0.1)",
        f"    b: {gformat(b.value)} +/-{gformat(b.stderr)} ({abs(b.stderr / b.value):.2%}) (init = 1)",
        f"    c: {gformat(c.value)} +/-{gformat(c.stderr)} ({abs(c.stderr / c.value):.2%}) == 'a*b'",
        "    d:  3 (fixed)",
        "[[Correlations]] (unreported correlations are < 0.100)",
        f"    C(a, b) = {a.correl['b']:+.4f}",
    ]


def test_the_manual_numbers_to_the_printed_digits():
    # the fit is well conditioned: the printed digits do not depend on the machine
    text = fit_report(basic_fit())
    assert "    a:  0.09943896 +/- 1.9322e-04 (0.19%) (init = 0.1)" in text
    assert "    b:  1.98476942 +/- 0.01222678 (0.62%) (init = 1)" in text
    assert "    C(a, b) = +0.6008" in text and "chi-square         = 0.93618187" in text


def test_correlation_table():
    res = basic_fit()
    rho = f"{res.params['a'].correl['b']:+.4f}"
    assert fit_report(res, correl_mode="table").splitlines()[-7:] == [
        "[[Correlations]] ",
        "  +----------+----------+----------+",
        "  | Variable | a        | b        |",
        "  +----------+----------+----------+",
        f"  | a        | +1.0000  | {rho}  |",
        f"  | b        | {rho}  | +1.0000  |",
        "  +----------+----------+----------+",
    ]


def test_warning_block_names_the_bound_parameter():
    x = np.linspace(0.3, 10, 100)
    y = 1 / (0.1 * x) + 2
    p = Parameters()
    p.add("a", 0.1)
    p.add("b", 1, max=1.5)
    res = minimize(lambda p: 1 / (p["a"].value * x) + p["b"].value - y, p)
    lines = fit_report(res).splitlines()
    i = lines.index("##  Warning: uncertainties could not be estimated:")
    assert lines[i + 1] == "    parameter(s) at a bound: b (at upper bound 1.5)"
    assert lines[i + 2] == "    b:  at boundary (at upper bound 1.5)"
    assert any(line.startswith("    b:  1.50000000 (at upper bound 1.5: no stderr) (init = 1)") for line in lines)


def test_report_fit_and_report_errors_print(capsys):
    res = basic_fit()
    report_fit(res)
    assert capsys.readouterr().out == fit_report(res) + "\n"
    report_errors(res.params)  # the 0.5 manual's call: variables and correlations only
    out = capsys.readouterr().out
    assert out.startswith("[[Variables]]") and "C(a, b)" in out
