"""Worked examples for refopt.fit: the lmfit 0.5 manual's fits (Newville et al., 2012).

Both draw their noise from a fixed seed, so the printed numbers are the same on every run.
"""

from __future__ import annotations

import numpy as np

from refopt.fit import Parameters, fit_report, minimize

ORDER = 15   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def damped_sine(params, x, data=None):
    """The manual's model (section 2.4): ``amp sin(x omega + shift) exp(-x^2 decay)``."""
    amp = params["amp"].value
    shift = params["phase_shift"].value
    omega = params["omega"].value
    decay = params["decay"].value
    model = amp * np.sin(x * omega + shift) * np.exp(-x * x * decay)
    return model if data is None else data - model


def example_damped_sine() -> str:
    """The 0.5 manual's simple example: a damped sine, decay held fixed (section 2.4)."""
    x = np.linspace(0.0, 15.0, 301)
    truth = Parameters()
    truth.add_many(("amp", 5.0), ("decay", 0.025), ("phase_shift", -0.1), ("omega", 2.0))
    data = damped_sine(truth, x) + np.random.default_rng(7).normal(scale=0.2, size=x.size)

    params = Parameters()
    params.add("amp", value=10)
    params.add("decay", value=0.025, vary=False)
    params.add("phase_shift", value=0.2)
    params.add("omega", value=2.1)
    result = minimize(damped_sine, params, args=(x, data))
    lines = [fit_report(result), "", "Best-Fit Values (the manual's loop over result.params):"]
    for name, par in result.params.items():
        err = "fixed" if par.stderr is None else f"+/- {par.stderr:.4f}"
        lines.append(f"  {name} = {par.value:.4f} {err}")
    lines.append(f"the input params are untouched: amp is still {params['amp'].value}")
    return "\n".join(lines)


def gaussian(x, amp, cen, wid):
    return amp * np.exp(-((x - cen) / wid) ** 2 / 2)


def two_peak_parameters() -> Parameters:
    """The manual's add_many table (section 2.3), as printed there."""
    p = Parameters()
    #           (Name,   Value,  Vary,   Min,  Max,  Expr)
    p.add_many(("amp1", 10, True, None, None, None),
               ("cen1", 1.2, True, 0.5, 2.0, None),
               ("wid1", 0.8, True, 0.1, None, None),
               ("amp2", 7.5, True, None, None, None),
               ("cen2", 1.9, True, 1.0, 3.0, None),
               ("wid2", None, False, None, None, "2*wid1/3"))
    return p


def example_two_peaks() -> str:
    """The manual's add_many table: two peaks whose widths are tied, wid2 = 2*wid1/3 (manual §2.3)."""
    x = np.linspace(-1.0, 4.0, 251)
    data = gaussian(x, 9.0, 1.1, 0.6) + gaussian(x, 6.5, 2.2, 0.4)
    data = data + np.random.default_rng(11).normal(scale=0.15, size=x.size)

    p = two_peak_parameters()

    def residual(pars):
        v = pars.valuesdict()
        return (gaussian(x, v["amp1"], v["cen1"], v["wid1"])
                + gaussian(x, v["amp2"], v["cen2"], v["wid2"]) - data)

    result = minimize(residual, p)
    wid1, wid2 = result.params["wid1"].value, result.params["wid2"].value
    return "\n".join([fit_report(result, min_correl=0.3), "",
                      f"wid2 / wid1 = {wid2 / wid1!r} (the constraint holds at the solution)"])
