"""Benchmark cases for refopt.expr: constraint expressions against asteval's Interpreter.

The expressions are the constraint examples of the lmfit 0.5 manual (Newville et al., 2012).

Group ``expr``. Each case evaluates one constraint expression of the lmfit manual 1000 times
while the parameters it reads change, as a fit does at every step:

* ``expr/compiled/<name>`` -- refopt's ``run`` of the form ``parse`` compiled once, against
  asteval running the syntax tree its ``parse`` returned (lmfit's own way of re-evaluating a
  constraint);
* ``expr/text/<name>`` -- both sides given the text each time (parse and evaluate).

``nfev`` counts evaluations; ``x`` is the last value, so the bench also shows that both sides
computed the same number. asteval is imported only inside the anchor runners.
"""

from __future__ import annotations

import numpy as np

from . import Case, import_anchor

EVALUATIONS = 1000

# name -> (expression, values of the names it reads), from the lmfit 0.5 manual, section 5
CONSTRAINTS = {
    "sum_to_one": ("1 - frac_curve1", {"frac_curve1": 0.3}),
    "sqrt_pi_width": ("sqrt(pi) * wid_1", {"wid_1": 0.2}),
    "ratio_with_max": ("cen_1 * wid_2 / max(wid_1, 0.001)", {"cen_1": 2.2, "wid_1": 0.2, "wid_2": 0.35}),
    "conditional": ("param_a if test_val/2. > 100 else param_b",
                    {"param_a": 1.0, "param_b": 2.0, "test_val": 150.0}),
    "quadratic": ("(2.0 - amp_1**2)", {"amp_1": 0.5}),
}


def _path(symbols: dict, n: int) -> list[dict]:
    """The values a fit might visit: every symbol scaled by a slowly changing factor."""
    factors = np.linspace(0.5, 1.5, n)
    return [{k: float(v * f) for k, v in symbols.items()} for f in factors]


# [runners]
def _along_path(table: dict, evaluate, argument, symbols: dict) -> dict:
    """``evaluate(argument)`` at every point of the path, ``table`` updated before each: the
    count and the last value."""
    value = None
    for point in _path(symbols, EVALUATIONS):
        table.update(point)
        value = evaluate(argument)
    return {"nfev": EVALUATIONS, "x": [float(value)]}


def _refopt_compiled(text: str, symbols: dict):
    from ..expr import Interpreter

    interp = Interpreter(user_symbols=symbols)  # made once: the timing is the evaluations

    def run() -> dict:
        return _along_path(interp.symtable, interp.run, interp.parse(text), symbols)
    return run


def _asteval_compiled(text: str, symbols: dict):
    made: list = []

    def run() -> dict:
        if not made:  # made on the first (untimed) run: the timing is the evaluations
            made.append(import_anchor("asteval").Interpreter())
            made[0].symtable.update(symbols)
        interp = made[0]
        return _along_path(interp.symtable, interp.run, interp.parse(text), symbols)
    return run


def _refopt_text(text: str, symbols: dict):
    from ..expr import Interpreter

    interp = Interpreter(user_symbols=symbols)

    def run() -> dict:
        return _along_path(interp.symtable, interp.eval, text, symbols)
    return run


def _asteval_text(text: str, symbols: dict):
    made: list = []

    def run() -> dict:
        if not made:
            made.append(import_anchor("asteval").Interpreter())
        interp = made[0]
        return _along_path(interp.symtable, interp.eval, text, symbols)
    return run
# [/runners]


def cases() -> list[Case]:
    """Two cases per constraint expression: compiled once, and parsed every time."""
    out = []
    for name, (text, symbols) in CONSTRAINTS.items():
        out.append(Case(name=f"expr/compiled/{name}", group="expr", run=_refopt_compiled(text, symbols),
                        anchor=_asteval_compiled(text, symbols), anchor_name="asteval.Interpreter.run",
                        note=f"{EVALUATIONS} evaluations of {text!r} parsed once"))
        out.append(Case(name=f"expr/text/{name}", group="expr", run=_refopt_text(text, symbols),
                        anchor=_asteval_text(text, symbols), anchor_name="asteval.Interpreter.eval",
                        note=f"{EVALUATIONS} evaluations of {text!r} from the text"))
    return out
