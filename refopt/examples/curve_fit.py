"""Worked examples for refopt.curve_fit (chapter 11.6): a first fit, with its uncertainties.

The model and the data are made here (noise from a fixed seed), so the printed numbers are the
same on every run; the covariance is the Gauss-Newton one, (J^T J)^{-1} scaled by the reduced
chi-square (Bard, Nonlinear Parameter Estimation, 1974, ch. 7).
"""

from __future__ import annotations

import numpy as np

from refopt import curve_fit

ORDER = 10   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def decay(t, amplitude, rate, offset):
    return amplitude * np.exp(-rate * t) + offset


def example_first_fit() -> str:
    """A first fit: an exponential decay through noisy data, parameters with one-sigma errors."""
    rng = np.random.default_rng(1)
    t = np.linspace(0.0, 4.0, 50)
    y = decay(t, 2.5, 1.3, 0.5) + rng.normal(0.0, 0.05, t.size)
    popt, pcov = curve_fit(decay, t, y, p0=[1.0, 1.0, 0.0])
    errors = np.sqrt(np.diag(pcov))
    lines = ["popt, pcov = curve_fit(decay, t, y, p0=[1, 1, 0])   # data made with (2.5, 1.3, 0.5)"]
    lines += [f"  {name:9} = {value:8.4f} +/- {error:.4f}"
              for name, value, error in zip(("amplitude", "rate", "offset"), popt, errors)]
    return "\n".join(lines)


def example_weighted_fit_with_bounds() -> str:
    """Known errors (absolute_sigma=True) and a bound: the rate held to [0, 1] by 'trf'."""
    rng = np.random.default_rng(2)
    t = np.linspace(0.0, 4.0, 50)
    sigma = 0.02 + 0.02 * t
    y = decay(t, 2.5, 1.3, 0.5) + rng.normal(0.0, sigma)
    lines = []
    for bounds in ((-np.inf, np.inf), ([-np.inf, 0.0, -np.inf], [np.inf, 1.0, np.inf])):
        popt, pcov, info, mesg, ier = curve_fit(decay, t, y, p0=[1.0, 0.5, 0.0], sigma=sigma,
                                                absolute_sigma=True, bounds=bounds, full_output=True)
        chi2 = np.sum(info["fvec"] ** 2)
        label = "no bounds (lm)" if np.isinf(bounds[0]).all() else "0 <= rate <= 1 (trf)"
        lines.append(f"{label}: popt = {np.round(popt, 4)}  errors = {np.round(np.sqrt(np.diag(pcov)), 4)}"
                     f"  chi2 = {chi2:.1f} for {t.size - 3} degrees of freedom\n  {' '.join(mesg.split())}")
    return "\n".join(lines)
