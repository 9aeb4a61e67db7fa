"""The NIST StRD nonlinear regression datasets: a reader for the ``.dat`` files and the models.

The Statistical Reference Datasets project of the U.S. National Institute of Standards and
Technology published 27 nonlinear least-squares problems with certified answers: NIST/ITL,
"StRD Nonlinear Regression", https://www.itl.nist.gov/div898/strd/nls/nls_main.shtml (1997;
the certified values were computed in 128-bit arithmetic and agreed between two independent
codes to 11 digits). Each dataset gives the data, two starting points ("Start 1" far from the
solution, "Start 2" closer), the certified parameters and their standard deviations, the
residual sum of squares, the residual standard deviation and the degrees of freedom.

Layout of a ``.dat`` file (1-based line numbers; the "File Format" block of the header states
the exact ranges, and the reader follows them)::

    Dataset Name:  Misra1a           (Misra1a.dat)
    File Format:   ASCII
                   Starting Values   (lines 41 to 42)
                   Certified Values  (lines 41 to 47)
                   Data              (lines 61 to 74)
    ... description, reference, "Lower Level of Difficulty", the model formula ...
      b1 =   500         250           2.3894212918E+02  2.7070075241E+00
      b2 =     0.0001      0.0005      5.5015643181E-04  7.2668688436E-06
    Residual Sum of Squares:                    1.2455138894E-01
    Residual Standard Deviation:                1.0187876330E-01
    Degrees of Freedom:                                12
    Number of Observations:                            14
    Data:   y               x
          10.07E0      77.6E0
          ...

Two datasets need care:

* ``Nelson`` is fitted as ``log(y) = b1 - b2*x1*exp(-b3*x2)``: the response the model
  predicts is the logarithm of the file's ``y`` column, and its predictor has two columns.
* ``Rat43`` states 9 degrees of freedom, but it has N - P = 15 - 4 = 11, which its certified
  residual standard deviation confirms (sqrt(RSS / 11) = 28.2624...). The reader uses
  N - P and keeps the stated figure as ``dof_stated``.

Models and their Jacobians (derivatives of the model with respect to ``b``, one column per
parameter) are written out by hand below; :func:`load` returns a :class:`Dataset` whose
``residuals`` and ``jac`` are what a least-squares solver needs. The assessment NIST suggests
is the log relative error (LRE) of each estimated parameter against the certified one,
``-log10(|b - b*| / |b*|)``: the number of agreeing digits (:func:`log_relative_error`).

The 27 files ship with refopt, unchanged, as package data (``refopt/problems/data/nist``; a
work of the U.S. government, public domain): :func:`load` reads them by default.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import data_dir

NAMES = (
    "Misra1a", "Chwirut2", "Chwirut1", "Lanczos3", "Gauss1", "Gauss2", "DanWood", "Misra1b",
    "Kirby2", "Hahn1", "Nelson", "MGH17", "Lanczos1", "Lanczos2", "Gauss3", "Misra1c",
    "Misra1d", "Roszman1", "ENSO",
    "MGH09", "Thurber", "BoxBOD", "Rat42", "MGH10", "Eckerle4", "Rat43", "Bennett5",
)
"""The 27 datasets, grouped by NIST's level of difficulty (lower, average, higher)."""

DIFFICULTY = {name: "lower" for name in NAMES[:8]}
DIFFICULTY.update({name: "average" for name in NAMES[8:19]})
DIFFICULTY.update({name: "higher" for name in NAMES[19:]})


# [models]
# Each model is a pair (f, df): f(b, x) -> predictions, df(b, x) -> (N, P) derivatives.


def _exp_saturation(b, x):  # y = b1*(1 - exp(-b2*x))          Misra1a, BoxBOD
    return b[0] * (1.0 - np.exp(-b[1] * x))


def _exp_saturation_jac(b, x):
    e = np.exp(-b[1] * x)
    return np.column_stack([1.0 - e, b[0] * x * e])


def _chwirut(b, x):  # y = exp(-b1*x) / (b2 + b3*x)
    return np.exp(-b[0] * x) / (b[1] + b[2] * x)


def _chwirut_jac(b, x):
    e = np.exp(-b[0] * x)
    d = b[1] + b[2] * x
    return np.column_stack([-x * e / d, -e / d**2, -x * e / d**2])


def _power(b, x):  # y = b1 * x**b2                            DanWood
    return b[0] * x ** b[1]


def _power_jac(b, x):
    p = x ** b[1]
    return np.column_stack([p, b[0] * p * np.log(x)])


def _misra1b(b, x):  # y = b1 * (1 - (1 + b2*x/2)**(-2))
    return b[0] * (1.0 - (1.0 + 0.5 * b[1] * x) ** -2)


def _misra1b_jac(b, x):
    u = 1.0 + 0.5 * b[1] * x
    return np.column_stack([1.0 - u**-2, b[0] * x * u**-3])


def _misra1c(b, x):  # y = b1 * (1 - (1 + 2*b2*x)**(-1/2))
    return b[0] * (1.0 - (1.0 + 2.0 * b[1] * x) ** -0.5)


def _misra1c_jac(b, x):
    u = 1.0 + 2.0 * b[1] * x
    return np.column_stack([1.0 - u**-0.5, b[0] * x * u**-1.5])


def _misra1d(b, x):  # y = b1*b2*x / (1 + b2*x)
    return b[0] * b[1] * x / (1.0 + b[1] * x)


def _misra1d_jac(b, x):
    u = 1.0 + b[1] * x
    return np.column_stack([b[1] * x / u, b[0] * x / u**2])


def _rational(num_degree):
    """y = (b1 + b2*x + ... ) / (1 + b_{k+1}*x + ...), numerator of degree num_degree.

    Kirby2 is quadratic/quadratic, Hahn1 and Thurber cubic/cubic: the denominator has the
    same degree as the numerator and a constant term fixed at 1.
    """
    k = num_degree + 1  # numerator coefficients

    def parts(b, x):
        powers = x[:, None] ** np.arange(k)  # 1, x, x**2, ...
        num = powers @ b[:k]
        den = 1.0 + powers[:, 1:] @ b[k:]
        return powers, num, den

    def f(b, x):
        _, num, den = parts(b, x)
        return num / den

    def df(b, x):
        powers, num, den = parts(b, x)
        return np.hstack([powers / den[:, None], -(num / den**2)[:, None] * powers[:, 1:]])

    return f, df


def _nelson(b, x):  # log(y) = b1 - b2*x1*exp(-b3*x2)
    return b[0] - b[1] * x[:, 0] * np.exp(-b[2] * x[:, 1])


def _nelson_jac(b, x):
    e = x[:, 0] * np.exp(-b[2] * x[:, 1])
    return np.column_stack([np.ones_like(e), -e, b[1] * x[:, 1] * e])


def _mgh17(b, x):  # y = b1 + b2*exp(-x*b4) + b3*exp(-x*b5)
    return b[0] + b[1] * np.exp(-x * b[3]) + b[2] * np.exp(-x * b[4])


def _mgh17_jac(b, x):
    e4, e5 = np.exp(-x * b[3]), np.exp(-x * b[4])
    return np.column_stack([np.ones_like(x), e4, e5, -b[1] * x * e4, -b[2] * x * e5])


def _lanczos(b, x):  # y = b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)
    amplitude, rate = b[0::2], b[1::2]
    return np.exp(-np.outer(x, rate)) @ amplitude


def _lanczos_jac(b, x):
    amplitude, rate = b[0::2], b[1::2]
    e = np.exp(-np.outer(x, rate))
    jac = np.empty((x.size, b.size))
    jac[:, 0::2] = e
    jac[:, 1::2] = -x[:, None] * e * amplitude
    return jac


def _gauss(b, x):  # y = b1*exp(-b2*x) + b3*exp(-(x-b4)**2/b5**2) + b6*exp(-(x-b7)**2/b8**2)
    return (b[0] * np.exp(-b[1] * x)
            + b[2] * np.exp(-((x - b[3]) / b[4]) ** 2)
            + b[5] * np.exp(-((x - b[6]) / b[7]) ** 2))


def _gauss_jac(b, x):
    e = np.exp(-b[1] * x)
    columns = [e, -b[0] * x * e]
    for height, centre, width in (b[2:5], b[5:8]):
        z = (x - centre) / width
        g = np.exp(-z**2)
        columns += [g, height * g * 2 * z / width, height * g * 2 * z**2 / width]
    return np.column_stack(columns)


def _roszman1(b, x):  # y = b1 - b2*x - arctan(b3/(x-b4))/pi
    return b[0] - b[1] * x - np.arctan(b[2] / (x - b[3])) / np.pi


def _roszman1_jac(b, x):
    d = x - b[3]
    # d arctan(t) = dt / (1 + t**2) with t = b3/d; multiplied out, 1/(1+t**2) = d**2/(d**2+b3**2)
    w = 1.0 / (np.pi * (d**2 + b[2] ** 2))
    return np.column_stack([np.ones_like(x), -x, -d * w, -b[2] * w])


def _enso(b, x):  # annual cycle plus two free cycles of periods b4 and b7
    total = b[0] + _cycle(b[1], b[2], 12.0, x)
    return total + _cycle(b[4], b[5], b[3], x) + _cycle(b[7], b[8], b[6], x)


def _cycle(c, s, period, x):
    angle = 2 * np.pi * x / period
    return c * np.cos(angle) + s * np.sin(angle)


def _enso_jac(b, x):
    columns = [np.ones_like(x)]
    for c, s, period in ((None, None, 12.0), (b[4], b[5], b[3]), (b[7], b[8], b[6])):
        angle = 2 * np.pi * x / period
        cos, sin = np.cos(angle), np.sin(angle)
        if c is not None:  # d angle / d period = -angle / period
            columns.append((-c * sin + s * cos) * (-angle / period))
        columns += [cos, sin]
    return np.column_stack(columns)


def _mgh09(b, x):  # y = b1*(x**2 + x*b2) / (x**2 + x*b3 + b4)
    return b[0] * (x**2 + x * b[1]) / (x**2 + x * b[2] + b[3])


def _mgh09_jac(b, x):
    num, den = x**2 + x * b[1], x**2 + x * b[2] + b[3]
    q = b[0] * num / den**2
    return np.column_stack([num / den, b[0] * x / den, -q * x, -q])


def _logistic(b, x):  # y = b1 / (1 + exp(b2 - b3*x))         Rat42
    return b[0] / (1.0 + np.exp(b[1] - b[2] * x))


def _logistic_jac(b, x):
    e = np.exp(b[1] - b[2] * x)
    q = b[0] * e / (1.0 + e) ** 2
    return np.column_stack([1.0 / (1.0 + e), -q, q * x])


def _mgh10(b, x):  # y = b1 * exp(b2/(x+b3))
    return b[0] * np.exp(b[1] / (x + b[2]))


def _mgh10_jac(b, x):
    d = x + b[2]
    e = np.exp(b[1] / d)
    return np.column_stack([e, b[0] * e / d, -b[0] * e * b[1] / d**2])


def _eckerle4(b, x):  # y = (b1/b2) * exp(-0.5*((x-b3)/b2)**2)
    return b[0] / b[1] * np.exp(-0.5 * ((x - b[2]) / b[1]) ** 2)


def _eckerle4_jac(b, x):
    z = (x - b[2]) / b[1]
    g = np.exp(-0.5 * z**2)
    f = b[0] / b[1] * g
    return np.column_stack([g / b[1], f * (z**2 - 1.0) / b[1], f * z / b[1]])


def _rat43(b, x):  # y = b1 / (1 + exp(b2 - b3*x))**(1/b4)
    return b[0] * (1.0 + np.exp(b[1] - b[2] * x)) ** (-1.0 / b[3])


def _rat43_jac(b, x):
    e = np.exp(b[1] - b[2] * x)
    u = 1.0 + e
    p = u ** (-1.0 / b[3])
    q = b[0] * p * e / (b[3] * u)
    return np.column_stack([p, -q, q * x, b[0] * p * np.log(u) / b[3] ** 2])


def _bennett5(b, x):  # y = b1 * (b2 + x)**(-1/b3)
    return b[0] * (b[1] + x) ** (-1.0 / b[2])


def _bennett5_jac(b, x):
    u = b[1] + x
    p = u ** (-1.0 / b[2])
    return np.column_stack([p, -b[0] * p / (b[2] * u), b[0] * p * np.log(u) / b[2] ** 2])


# [/models]

_KIRBY = _rational(2)
_CUBIC = _rational(3)

MODELS: dict[str, tuple[Callable, Callable]] = {
    "Misra1a": (_exp_saturation, _exp_saturation_jac),
    "BoxBOD": (_exp_saturation, _exp_saturation_jac),
    "Chwirut1": (_chwirut, _chwirut_jac),
    "Chwirut2": (_chwirut, _chwirut_jac),
    "DanWood": (_power, _power_jac),
    "Misra1b": (_misra1b, _misra1b_jac),
    "Misra1c": (_misra1c, _misra1c_jac),
    "Misra1d": (_misra1d, _misra1d_jac),
    "Kirby2": _KIRBY,
    "Hahn1": _CUBIC,
    "Thurber": _CUBIC,
    "Nelson": (_nelson, _nelson_jac),
    "MGH17": (_mgh17, _mgh17_jac),
    "Lanczos1": (_lanczos, _lanczos_jac),
    "Lanczos2": (_lanczos, _lanczos_jac),
    "Lanczos3": (_lanczos, _lanczos_jac),
    "Gauss1": (_gauss, _gauss_jac),
    "Gauss2": (_gauss, _gauss_jac),
    "Gauss3": (_gauss, _gauss_jac),
    "Roszman1": (_roszman1, _roszman1_jac),
    "ENSO": (_enso, _enso_jac),
    "MGH09": (_mgh09, _mgh09_jac),
    "Rat42": (_logistic, _logistic_jac),
    "MGH10": (_mgh10, _mgh10_jac),
    "Eckerle4": (_eckerle4, _eckerle4_jac),
    "Rat43": (_rat43, _rat43_jac),
    "Bennett5": (_bennett5, _bennett5_jac),
}
"""Model ``f(b, x)`` and its derivative ``df(b, x)`` (shape (N, P)) for each dataset name."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """One NIST StRD nonlinear regression problem, as read from its ``.dat`` file.

    Attributes
    ----------
    name : str
        Dataset name, e.g. ``"Misra1a"``.
    x : ndarray
        Predictor, shape (N,); shape (N, 2) for Nelson (columns x1, x2).
    y : ndarray
        The response the model predicts, shape (N,): the file's ``y`` column, except for
        Nelson where it is ``log(y)`` (see ``y_file``).
    y_file : ndarray
        The response column exactly as the file gives it.
    starts : tuple of ndarray
        Start 1 and Start 2.
    certified, certified_sd : ndarray
        Certified parameter values and their certified standard deviations.
    rss, residual_sd : float
        Certified residual sum of squares and residual standard deviation.
    dof : int
        Degrees of freedom N - P (see ``dof_stated`` for the figure the file prints).
    dof_stated : int
        The degrees of freedom printed in the file (9 for Rat43, which is a misprint).
    n_params : int
        Number of parameters P.
    difficulty : str
        NIST's level of difficulty: ``"lower"``, ``"average"`` or ``"higher"``.
    formula : str
        The model line(s) of the header, as printed.
    path : pathlib.Path or None
        The file the dataset was read from.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    y_file: np.ndarray
    starts: tuple
    certified: np.ndarray
    certified_sd: np.ndarray
    rss: float
    residual_sd: float
    dof: int
    dof_stated: int
    n_params: int
    difficulty: str
    formula: str = ""
    path: pathlib.Path | None = None
    _model: tuple = field(default=(), repr=False)

    def model(self, b, x=None):
        """The model's prediction at parameters ``b`` (on the data's ``x`` by default)."""
        return self._model[0](np.asarray(b, dtype=float), self.x if x is None else np.asarray(x, float))

    def residuals(self, b):
        """``y - model(b, x)``: for Nelson ``log(y_file) - model``, as NIST defines the fit."""
        return self.y - self.model(b)

    def jac(self, b):
        """Jacobian of :meth:`residuals` with respect to ``b``, shape (N, P)."""
        return -self._model[1](np.asarray(b, dtype=float), self.x)

    def rss_at(self, b):
        """Residual sum of squares at ``b``."""
        r = self.residuals(b)
        return float(r @ r)


# [reader]
_RANGE = re.compile(r"^\s*(Starting Values|Certified Values|Data)\s*\(lines\s+(\d+)\s+to\s+(\d+)\)",
                    re.IGNORECASE)
_PARAM = re.compile(r"^\s*b(\d+)\s*=\s*(.*)$")
_SUMMARY = {
    "rss": re.compile(r"^\s*Residual Sum of Squares:\s*(\S+)", re.IGNORECASE | re.MULTILINE),
    "residual_sd": re.compile(r"^\s*Residual Standard Deviation:\s*(\S+)", re.IGNORECASE | re.MULTILINE),
    "dof": re.compile(r"^\s*Degrees of Freedom:\s*(\d+)", re.IGNORECASE | re.MULTILINE),
    "n_obs": re.compile(r"^\s*Number of Observations:\s*(\d+)", re.IGNORECASE | re.MULTILINE),
}
_LABELS = {"rss": "Residual Sum of Squares:", "residual_sd": "Residual Standard Deviation:",
           "dof": "Degrees of Freedom:", "n_obs": "Number of Observations:"}
_NAME = re.compile(r"^\s*Dataset Name:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_LEVEL = re.compile(r"(Lower|Average|Higher)\s+Level of Difficulty", re.IGNORECASE)
_MODEL = re.compile(r"^Model:.*?\n(.*?)\n\s*\n\s*\n", re.DOTALL | re.MULTILINE)


def read(path, name: str | None = None) -> Dataset:
    """Read one NIST StRD nonlinear regression ``.dat`` file.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.dat`` file.
    name : str, optional
        Dataset name, which selects the model; by default the "Dataset Name:" of the header.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        If the file does not follow the StRD layout or names an unknown model.
    """
    path = path if hasattr(path, "read_text") else pathlib.Path(path)
    text = path.read_text()
    return parse(text, name=name, path=path)


def parse(text: str, name: str | None = None, path=None) -> Dataset:
    """Parse the text of a ``.dat`` file (see :func:`read`)."""
    lines = text.splitlines()
    if name is None:
        found = _NAME.search(text)
        if not found:
            raise ValueError("no 'Dataset Name:' line: not a NIST StRD file")
        name = found.group(1)
    if name not in MODELS:
        raise ValueError(f"unknown NIST StRD dataset {name!r}; expected one of {NAMES}")
    ranges = _line_ranges(lines)
    params = _parameter_table(lines, ranges["certified values"])
    summary = _summary(text)
    data = _data_table(lines, ranges["data"])
    n_obs, n_params = data.shape[0], params.shape[0]
    if n_obs != summary["n_obs"]:
        raise ValueError(f"{name}: {n_obs} data lines but the header states {summary['n_obs']} observations")
    x = data[:, 1] if data.shape[1] == 2 else data[:, 1:]
    y_file = data[:, 0]
    y = np.log(y_file) if name == "Nelson" else y_file  # Nelson's model predicts log(y)
    level = _LEVEL.search(text)
    model_text = _MODEL.search(text)
    return Dataset(
        name=name, x=x, y=y, y_file=y_file,
        starts=(params[:, 0].copy(), params[:, 1].copy()),
        certified=params[:, 2].copy(), certified_sd=params[:, 3].copy(),
        rss=summary["rss"], residual_sd=summary["residual_sd"],
        dof=n_obs - n_params,  # Rat43's header says 9; N - P = 11 is right
        dof_stated=summary["dof"], n_params=n_params,
        difficulty=level.group(1).lower() if level else DIFFICULTY.get(name, ""),
        formula=" ".join(model_text.group(1).split()) if model_text else "",
        path=None if path is None else pathlib.Path(path),
        _model=MODELS[name],
    )


def _line_ranges(lines):
    """The 1-based inclusive line ranges the "File Format" block declares."""
    ranges = {}
    for line in lines[:20]:
        found = _RANGE.match(line.replace("File Format:", "").replace("ASCII", ""))
        if found:
            ranges[found.group(1).lower()] = (int(found.group(2)), int(found.group(3)))
    for key in ("certified values", "data"):
        if key not in ranges:
            raise ValueError(f"the File Format block gives no line range for {key!r}")
    return ranges


def _parameter_table(lines, span):
    """Rows ``start1 start2 certified sd`` of the ``bK = ...`` lines within ``span``."""
    rows = []
    for line in lines[span[0] - 1:span[1]]:
        found = _PARAM.match(line)
        if found:
            numbers = [float(v) for v in found.group(2).split()]
            if len(numbers) != 4:
                raise ValueError(f"parameter line needs 4 numbers, got: {line.strip()!r}")
            rows.append(numbers)
    if not rows:
        raise ValueError("no parameter lines 'bK = start1 start2 value sd' were found")
    return np.array(rows)


def _summary(text):
    values = {}
    for key, pattern in _SUMMARY.items():
        found = pattern.search(text)
        if not found:
            raise ValueError(f"the file has no {_LABELS[key]!r} line")
        values[key] = int(found.group(1)) if key in ("dof", "n_obs") else float(found.group(1))
    return values


def _data_table(lines, span):
    rows = [line.split() for line in lines[span[0] - 1:span[1]] if line.strip()]
    try:
        return np.array(rows, dtype=float)
    except ValueError as exc:
        raise ValueError(f"data lines {span[0]}-{span[1]} are not a table of numbers: {exc}") from None


# [/reader]


def default_folder():
    """The 27 datasets shipped with refopt: ``refopt/problems/data/nist`` (package data)."""
    return data_dir() / "nist"


def _folder(folder):
    if folder is None:
        return default_folder()
    return folder if hasattr(folder, "is_file") else pathlib.Path(folder)


def load(name: str, folder=None) -> Dataset:
    """Load the dataset ``name`` from ``folder/<name>.dat``.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    folder : str or os.PathLike, optional
        Folder holding the ``.dat`` files; by default the copies shipped with refopt
        (:func:`default_folder`).
    """
    if name not in MODELS:
        raise ValueError(f"unknown NIST StRD dataset {name!r}; expected one of {NAMES}")
    return read(_folder(folder) / f"{name}.dat", name=name)


def load_all(folder=None) -> list[Dataset]:
    """Every dataset of :data:`NAMES` present in ``folder`` (by default the shipped copies,
    all 27), in NIST's order."""
    folder = _folder(folder)
    return [load(name, folder) for name in NAMES if (folder / f"{name}.dat").is_file()]


def log_relative_error(value, reference, cap: float = 15.0):
    """Number of agreeing digits, ``-log10(|value - reference| / |reference|)``, elementwise.

    Where ``reference`` is zero the absolute error is used. The result is clipped to
    ``[0, cap]`` (an exact match gives ``cap``; NaN gives 0).
    """
    value, reference = np.asarray(value, float), np.asarray(reference, float)
    scale = np.where(reference == 0, 1.0, np.abs(reference))
    with np.errstate(divide="ignore", invalid="ignore"):
        lre = -np.log10(np.abs(value - reference) / scale)
    return np.clip(np.nan_to_num(lre, nan=0.0, posinf=cap), 0.0, cap)


# [as-problems]
def _constant_model_norm(y):
    """``||y - mean(y)||``: the residual norm on the asymptote where the model is a constant."""
    return float(np.linalg.norm(y - y.mean()))


ASYMPTOTES = {
    # From Start 1 a solver may drive an exponential rate to infinity: the model then
    # degenerates to the constant b1 (BoxBOD: b2 -> inf; Rat43: b2 - b3*x -> -inf), where the
    # gradient vanishes and the best value is the spread of y about its mean.
    "BoxBOD": ("the model is the constant b1 (b2 -> inf)", lambda d: _constant_model_norm(d.y)),
    "Rat43": ("the model is the constant b1 (exp(b2 - b3*x) -> 0)", lambda d: _constant_model_norm(d.y)),
    # MGH17: b4, b5 -> inf leave b1 on every x > 0 and fit the single point x = 0 exactly.
    "MGH17": ("b4, b5 -> inf: constant b1 for x > 0, the point x = 0 fitted exactly",
              lambda d: _constant_model_norm(d.y[d.x > 0])),
}
"""Asymptotic stationary values reachable from Start 1, in closed form from the data."""

def as_problem(dataset: Dataset):
    """The dataset as a ``least_squares`` :class:`~refopt.problems.Problem`.

    ``fun`` is :meth:`Dataset.residuals`, ``jac`` :meth:`Dataset.jac`, ``f_star`` the square
    root of the certified RSS and ``x_star`` the certified parameters. The tolerance is
    1e-7 relative on ``||F||``: the certified RSS has 11 digits, and a solver stopping at
    the default ``xtol = 1e-8`` gets the RSS right to about 1e-9 (it is flat at the minimum).
    """
    from . import Problem

    extra = {"dataset": dataset, "digits_cap": 11.0, "difficulty": dataset.difficulty}
    if dataset.name in ASYMPTOTES:
        note, value = ASYMPTOTES[dataset.name]
        extra["local_minima"] = [{"f": value(dataset), "x": None, "starts": (0,),
                                  "note": "asymptote: " + note}]
    return Problem(
        name=f"nist_{dataset.name.lower()}",
        source=f"NIST StRD nonlinear regression, {dataset.name} ({dataset.difficulty} difficulty)",
        kind="least_squares", n=dataset.n_params, m=dataset.y.size, starts=dataset.starts,
        fun=dataset.residuals, jac=dataset.jac, f_star=float(np.sqrt(dataset.rss)),
        x_star=dataset.certified, rtol=1e-7, atol=1e-12 * float(np.linalg.norm(dataset.y)),
        extra=extra,
    )


def problems(folder=None) -> list:
    """Every dataset in ``folder`` (by default the shipped copies) as a Problem (see
    :func:`as_problem`)."""
    return [as_problem(d) for d in load_all(folder)]


# [/as-problems]
