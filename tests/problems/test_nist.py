"""The NIST StRD reader: on small files written here in the StRD layout, and on the real data."""

from __future__ import annotations

import numpy as np
import pytest

from refopt.problems import nist


def strd_text(name, params, rss, residual_sd, dof, data, level="Lower", columns="y               x"):
    """A ``.dat`` file in the StRD layout: header to line 40, parameters from line 41,
    data from line 61 (the File Format block states the ranges)."""
    p = len(params)
    first_data, last_data = 61, 60 + len(data)
    header = [
        "NIST/ITL StRD",
        f"Dataset Name:  {name}           ({name}.dat)",
        "",
        "File Format:   ASCII",
        f"               Starting Values   (lines 41 to {40 + p})",
        f"               Certified Values  (lines 41 to {40 + p + 5})",
        f"               Data              (lines {first_data} to {last_data})",
        "",
        "Procedure:     Nonlinear Least Squares Regression",
        "",
        "Data:          1 Response Variable  (y)",
        f"               {len(data)} Observations",
        f"               {level} Level of Difficulty",
        "               Generated Data",
        "",
        "Model:         Exponential Class",
        f"               {p} Parameters (b1 to b{p})",
        "",
        "               y = b1*(1-exp[-b2*x])  +  e",
        "",
        "",
        "",
    ]
    lines = header + [""] * (40 - len(header))
    lines += [f"  b{k + 1} = {s1:>10} {s2:>10}   {float(value)!r:>22} {float(sd)!r:>22}"
              for k, (s1, s2, value, sd) in enumerate(params)]
    lines += ["", f"Residual Sum of Squares:          {rss!r}",
              f"Residual Standard Deviation:      {residual_sd!r}",
              f"Degrees of Freedom:               {dof}",
              f"Number of Observations:           {len(data)}"]
    lines += [""] * (59 - len(lines)) + [f"Data:   {columns}"]
    lines += ["   " + "   ".join(repr(float(v)) for v in row) for row in data]
    assert lines[40].lstrip().startswith("b1") and len(lines) == last_data
    return "\n".join(lines) + "\n"


def exact_misra1a(b=(240.0, 5.5e-4)):
    """Misra1a-shaped data lying exactly on the model, so that the certified RSS is 0."""
    x = np.array([77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8])
    y = b[0] * (1 - np.exp(-b[1] * x))
    return np.column_stack([y, x])


def test_reader_on_a_small_file_in_the_format(tmp_path):
    data = exact_misra1a()
    text = strd_text("Misra1a", [(500, 250, 240.0, 2.5), (0.0001, 0.0005, 5.5e-4, 7e-6)],
                     rss=0.0, residual_sd=0.0, dof=5, data=data)
    path = tmp_path / "Misra1a.dat"
    path.write_text(text)
    d = nist.read(path)
    assert d.name == "Misra1a" and d.path == path
    assert d.n_params == 2 and d.dof == 5 and d.dof_stated == 5
    assert d.difficulty == "lower"
    np.testing.assert_array_equal(d.starts[0], [500, 0.0001])
    np.testing.assert_array_equal(d.starts[1], [250, 0.0005])
    np.testing.assert_array_equal(d.certified, [240.0, 5.5e-4])
    np.testing.assert_array_equal(d.certified_sd, [2.5, 7e-6])
    np.testing.assert_array_equal(d.x, data[:, 1])
    np.testing.assert_array_equal(d.y, data[:, 0])
    assert "b1*(1-exp[-b2*x])" in d.formula
    # the data lie on the model, so the certified values give residuals at rounding level
    assert np.max(np.abs(d.residuals(d.certified))) < 1e-12 * np.max(np.abs(d.y))
    assert nist.load("Misra1a", tmp_path).rss == 0.0


def test_nelson_is_fitted_as_log_y_with_two_predictors(tmp_path):
    b = np.array([2.5, 5e-9, -0.05])
    x1 = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    x2 = np.array([180.0, 225.0, 250.0, 275.0, 180.0])
    y_log = b[0] - b[1] * x1 * np.exp(-b[2] * x2)
    data = np.column_stack([np.exp(y_log), x1, x2])
    text = strd_text("Nelson", [(2, 2.5, b[0], 0.1), (0.0001, 5e-9, b[1], 1e-9), (-0.01, -0.05, b[2], 0.01)],
                     rss=0.0, residual_sd=0.0, dof=2, data=data, level="Average",
                     columns="y              x1            x2")
    (tmp_path / "Nelson.dat").write_text(text)
    d = nist.load("Nelson", tmp_path)
    assert d.x.shape == (5, 2)
    np.testing.assert_allclose(d.y, y_log, rtol=1e-15)
    np.testing.assert_array_equal(d.y_file, data[:, 0])
    assert np.max(np.abs(d.residuals(b))) < 1e-13
    assert d.difficulty == "average"


def test_stated_degrees_of_freedom_are_kept_but_n_minus_p_is_used(tmp_path):
    data = exact_misra1a()
    text = strd_text("Misra1a", [(500, 250, 240.0, 2.5), (0.0001, 0.0005, 5.5e-4, 7e-6)],
                     rss=0.0, residual_sd=0.0, dof=9, data=data)  # misprinted, as in Rat43
    (tmp_path / "Misra1a.dat").write_text(text)
    d = nist.load("Misra1a", tmp_path)
    assert d.dof_stated == 9 and d.dof == 7 - 2


def test_reader_rejects_malformed_files(tmp_path):
    good = strd_text("Misra1a", [(500, 250, 240.0, 2.5), (0.0001, 0.0005, 5.5e-4, 7e-6)],
                     rss=0.0, residual_sd=0.0, dof=5, data=exact_misra1a())
    cases = {
        "unknown NIST StRD dataset": good.replace("Misra1a", "Misra9z"),
        "observations": good.replace("Number of Observations:           7",
                                     "Number of Observations:           8"),
        "Residual Sum of Squares": good.replace("Residual Sum of Squares", "Residual Sum"),
        "needs 4 numbers": good.replace("  b2 = ", "  b2 = 1 "),
        "line range": good.replace("Data              (lines", "Data   (rows"),
        "not a NIST StRD file": good.replace("Dataset Name:", "Name:"),
    }
    for message, text in cases.items():
        path = tmp_path / "bad.dat"
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            nist.read(path)
    with pytest.raises(ValueError, match="unknown NIST StRD dataset"):
        nist.load("NoSuchSet", tmp_path)


def test_log_relative_error_is_elementwise():
    lre = nist.log_relative_error([1.0, 1.001, 2.0], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(lre, [15.0, 3.0, 0.0], atol=1e-9)


# the real datasets --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def datasets():
    return {d.name: d for d in nist.load_all()}  # the copies shipped with refopt


def test_all_27_datasets_are_read(datasets):
    assert set(datasets) == set(nist.NAMES) and len(nist.NAMES) == 27
    for name, d in datasets.items():
        assert d.difficulty == nist.DIFFICULTY[name]
        assert d.n_params == len(d.starts[0]) == len(d.starts[1]) == d.certified.size
        assert d.y.size == d.x.shape[0] == d.dof + d.n_params


def test_certified_values_give_the_certified_rss(datasets):
    for name, d in datasets.items():
        rss = d.rss_at(d.certified)
        if name == "Lanczos1":
            # RSS 1.4e-25: the 11-digit parameters leave residuals of order 1e-11
            assert rss < 1e-12 * float(d.y @ d.y)
        else:
            assert rss == pytest.approx(d.rss, rel=1e-9), name
            assert np.sqrt(rss / d.dof) == pytest.approx(d.residual_sd, rel=1e-9), name


def test_rat43_degrees_of_freedom_quirk(datasets):
    d = datasets["Rat43"]
    assert d.dof_stated == 9 and d.dof == 11
    assert np.sqrt(d.rss / 11) == pytest.approx(d.residual_sd, rel=1e-9)


@pytest.mark.slow
def test_jacobians_agree_with_the_complex_step(datasets):
    h = 1e-30
    for name, d in datasets.items():
        model = nist.MODELS[name][0]
        for b in (d.certified, d.starts[0], d.starts[1]):
            jac = d.jac(b)
            step = -np.column_stack([model(b + 1j * h * e, d.x).imag / h for e in np.eye(b.size)])
            scale = np.maximum(np.abs(step), 1e-300)
            finite = np.isfinite(step)
            assert np.all(np.abs(jac - step)[finite] <= 1e-10 * scale[finite] + 1e-13 * np.max(np.abs(step[finite]))), name


def test_datasets_become_least_squares_problems(datasets):
    problems = {p.name: p for p in nist.problems(datasets["Misra1a"].path.parent)}
    p = problems["nist_misra1a"]
    assert p.kind == "least_squares" and p.f_star == pytest.approx(np.sqrt(datasets["Misra1a"].rss))
    assert p.judge(p.x_star).reached == "optimum"
    box = problems["nist_boxbod"]
    y = datasets["BoxBOD"].y
    # the asymptote b2 -> inf: the model is the constant b1 = mean(y)
    assert box.judge([y.mean(), 1e3], start=0).reached == "asymptote"
    assert not box.judge([y.mean(), 1e3], start=1).passed
