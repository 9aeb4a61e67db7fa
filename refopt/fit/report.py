"""Fit reports in lmfit's layout: statistics, variables with "+/-" and percent, correlations.

The information criteria it prints are Akaike's (IEEE Trans. Autom. Control 19, 1974) and
Schwarz's (Ann. Statist. 6, 1978), as lmfit computes them from χ².

The layout is lmfit's ``fit_report`` (M. Newville et al., lmfit 1.x, ``printfuncs``; the 0.5
manual's ``report_errors`` printed the variables and correlations only), so that a report
from refopt reads like one from lmfit line for line. One addition: when error bars are
missing the warning block says *why* (the reason the fit recorded), and a parameter that
ended on a bound is flagged on its own line.
"""

from __future__ import annotations

import math
from typing import Any

from .parameters import Parameters

__all__ = ["fit_report", "report_fit", "report_errors", "gformat"]


def gformat(val: Any, length: int = 11) -> str:
    """A ``%g``-like number of fixed width ``length``: fixed point while the exponent is
    moderate, else exponent form; positive numbers get a leading blank, zeros are kept."""
    if val is None or isinstance(val, bool):
        return f"{val!r:>{length}s}"
    try:
        expon = int(math.log10(abs(val)))
    except (OverflowError, ValueError):
        expon = 0
    except TypeError:
        return f"{val!r:>{length}s}"
    length = max(length, 7)
    prec = length - 7
    form = "e"
    if abs(expon) > 99:
        prec -= 1
    elif 0 < expon < prec + 4 or (expon <= 0 and -expon < prec - 1):
        form = "f"
        prec += 4 - max(expon, 0)
    return f"{val:{length}.{prec}{form}}"


def _number(val: Any) -> str:
    if isinstance(val, (int,)) and not isinstance(val, bool):
        return str(val)
    if isinstance(val, float):
        return gformat(val).strip()
    return str(val)


def _statistics_lines(result) -> list[str]:
    rows = [("# fitting method  ", result.method), ("# function evals  ", result.nfev),
            ("# data points     ", getattr(result, "ndata", None)),
            ("# variables       ", getattr(result, "nvarys", None)),
            ("chi-square        ", getattr(result, "chisqr", None)),
            ("reduced chi-square", getattr(result, "redchi", None)),
            ("Akaike info crit  ", getattr(result, "aic", None)),
            ("Bayesian info crit", getattr(result, "bic", None))]
    lines = ["[[Fit Statistics]]"] + [f"    {label} = {_number(val)}" for label, val in rows]
    if not result.errorbars:
        lines.append("##  Warning: uncertainties could not be estimated:")
        reason = getattr(result, "errorbars_reason", None)
        if reason:
            lines.append(f"    {reason}")
        names = [n for n, p in result.params.items() if p.vary and p.expr is None]
        width = max([len(n) for n in result.params] + [1])
        at_bounds = getattr(result, "at_bounds", {}) or {}
        for name in names:
            par = result.params[name]
            space = " " * (width - len(name))
            if par.init_value and math.isclose(float(par.value), float(par.init_value), rel_tol=1e-9):
                lines.append(f"    {name}:{space}  at initial value")
            if name in at_bounds:
                lines.append(f"    {name}:{space}  at boundary ({at_bounds[name]})")
    return lines


def _variable_lines(params: Parameters, names: list[str], at_bounds: dict) -> list[str]:
    width = max(len(n) for n in names)
    lines = ["[[Variables]]"]
    for name in names:
        par = params[name]
        label = f"{name}:{' ' * (width - len(name))}"
        init = "(init = ?)" if par.init_value is None else f"(init = {par.init_value:.7g})"
        try:
            text = gformat(par.value)
        except (TypeError, ValueError):
            text = " Non Numeric Value?"
        if par.stderr is not None:
            percent = f"({abs(par.stderr / par.value):.2%})" if par.value else ""
            text = f"{text} +/-{gformat(par.stderr)} {percent}"
        if par.vary and par.expr is None:
            flag = f" ({at_bounds[name]}: no stderr)" if name in at_bounds else ""
            lines.append(f"    {label} {text}{flag} {init}")
        elif par.expr is not None:
            lines.append(f"    {label} {text} == '{par.expr}'")
        else:
            lines.append(f"    {label} {par.value: .7g} (fixed)")
    return lines


def _correlation_lines(params: Parameters, names: list[str], min_correl: float) -> list[str]:
    pairs = {}
    for i, name in enumerate(names):
        par = params[name]
        if not par.vary or not par.correl:
            continue
        for other in names[i + 1:]:
            rho = par.correl.get(other)
            if rho is not None and abs(rho) > min_correl:
                pairs[f"{name}, {other}"] = rho
    if not pairs:
        return []
    width = max(len(k) for k in pairs)
    lines = [f"[[Correlations]] (unreported correlations are < {min_correl:.3f})"]
    for key, rho in sorted(pairs.items(), key=lambda kv: -abs(kv[1])):
        lines.append(f"    C({key}){' ' * (width - len(key))} = {rho:+.4f}")
    return lines


def _correlation_table(params: Parameters) -> list[str]:
    names = [n for n, p in params.items() if p.vary and p.expr is None]
    width = max([len(n) for n in names] + [len("Variable")])
    cell = max(width, 8)
    rule = "+" + "+".join("-" * (cell + 2) for _ in range(len(names) + 1)) + "+"
    lines = [rule, "| " + " | ".join(f"{s:<{cell}}" for s in ["Variable", *names]) + " |", rule]
    for name in names:
        row = [name]
        for other in names:
            if other == name:
                row.append(f"{1.0:+.4f}")
            else:
                rho = (params[name].correl or {}).get(other)
                row.append("" if rho is None else f"{rho:+.4f}")
        lines.append("| " + " | ".join(f"{s:<{cell}}" for s in row) + " |")
    lines.append(rule)
    return ["[[Correlations]] "] + [f"  {line}" for line in lines]


def fit_report(inpars, modelpars=None, show_correl: bool = True, min_correl: float = 0.1,
               sort_pars: Any = False, correl_mode: str = "list") -> str:
    """The report of a fit (a :class:`~refopt.fit.MinimizerResult`) or of Parameters.

    Parameters
    ----------
    inpars : MinimizerResult or Parameters
        The fit (statistics and variables) or only the parameters (variables).
    modelpars : Parameters, optional
        Known true values, printed beside the fitted ones.
    show_correl : bool, optional
        Whether to list correlations.
    min_correl : float, optional
        Smallest ``|correlation|`` listed (default 0.1).
    sort_pars : bool or callable, optional
        Sort the parameters by name (or by this key).
    correl_mode : {'list', 'table'}, optional
        Correlations as a sorted list or as a table.
    """
    result = inpars if hasattr(inpars, "params") else None
    params = inpars.params if result is not None else inpars
    names = list(params)
    if sort_pars:
        names = sorted(names, key=sort_pars if callable(sort_pars) else None)
    lines: list[str] = []
    if result is not None:
        lines += _statistics_lines(result)
    at_bounds = getattr(result, "at_bounds", {}) or {}
    var_lines = _variable_lines(params, names, at_bounds)
    if modelpars is not None:
        var_lines = [line + (f", model_value = {modelpars[n].value:.7g}" if n in modelpars else "")
                     if i else line for i, (line, n) in enumerate(zip(var_lines, [""] + names))]
    lines += var_lines
    if show_correl:
        lines += _correlation_table(params) if correl_mode.startswith("tab") \
            else _correlation_lines(params, names, min_correl)
    return "\n".join(lines)


def report_fit(inpars, **kws: Any) -> None:
    """Print :func:`fit_report`."""
    print(fit_report(inpars, **kws))


def report_errors(params, **kws: Any) -> None:
    """The 0.5 manual's name: print the variables and correlations of ``params`` (or of a
    fit result) -- :func:`report_fit` with the same layout."""
    print(fit_report(params, **kws))
