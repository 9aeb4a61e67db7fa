"""Worked examples for refopt.expr: constraint expressions compiled once, evaluated many times.

The constraints are those of the lmfit 0.5 manual (Newville et al., 2012), section 5.
"""

from __future__ import annotations

import numpy as np

from refopt.expr import ExprError, Interpreter

ORDER = 100   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def example_tied_parameters() -> str:
    """Parameters tied by the lmfit manual's constraint expressions, evaluated along a fit path."""
    # the constraints of the lmfit 0.5 manual, section 5: each names the parameters it reads
    constraints = {
        "frac_curve2": "1 - frac_curve1",
        "wid_2": "sqrt(pi) * wid_1",
        "cen_2": "cen_1 * wid_2 / max(wid_1, 0.001)",
        "amp_2": "(2.0 - amp_1**2)",
        "bounded": "cen_1 if amp_1 / 2. > 0.2 else cen_2",
    }
    interp = Interpreter()
    compiled = {name: interp.parse(text) for name, text in constraints.items()}
    order = dependency_order(compiled)
    lines = ["evaluation order (dependencies first): " + ", ".join(order), ""]
    lines.append(f"{'step':>4} {'frac_curve1':>11} {'amp_1':>6} {'wid_1':>6} | "
                 + " ".join(f"{name:>11}" for name in order))
    # a made-up path of the free parameters, as a fit would visit them
    for step, (frac, amp, cen, wid) in enumerate(zip(np.linspace(0.2, 0.6, 5), np.linspace(0.3, 0.7, 5),
                                                     np.linspace(2.0, 2.4, 5), np.linspace(0.1, 0.3, 5))):
        interp.symtable.update(frac_curve1=frac, amp_1=amp, cen_1=cen, wid_1=wid)
        values = []
        for name in order:  # each constraint: a few closure calls, no parsing
            interp.symtable[name] = interp.run(compiled[name])
            values.append(interp.symtable[name])
        lines.append(f"{step:>4} {frac:>11.3f} {amp:>6.3f} {wid:>6.3f} | "
                     + " ".join(f"{v:>11.6f}" for v in values))
    return "\n".join(lines)


def dependency_order(compiled: dict) -> list[str]:
    """Names of the constrained parameters, each after the constrained ones it reads."""
    order: list[str] = []

    def visit(name: str, path: tuple) -> None:
        if name in order:
            return
        if name in path:
            raise ValueError(f"circular constraint: {' -> '.join(path + (name,))}")
        for dependency in sorted(compiled[name].names & compiled.keys()):
            visit(dependency, path + (name,))
        order.append(name)

    for name in compiled:
        visit(name, ())
    return order


def example_refusals() -> str:
    """What a constraint may not do: each attempt refused with a message and a caret."""
    interp = Interpreter(user_symbols={"a": 1.0})
    attempts = [
        "a + ().__class__.__bases__[0].__subclasses__()",
        "__import__('os').system('ls')",
        "'{0.__class__}'.format(a)",
        "a * 2 ** 10 ** 6",
        "while True: pass",
        "a +* 2",
        "a + b",
    ]
    out = []
    for text in attempts:
        try:
            interp.eval(text)
            out.append(f"NOT REFUSED: {text}")
        except ExprError as err:
            out.append(err.get_error()[1])
        out.append("")
    out.append(f"afterwards the interpreter still works: a + 1 = {interp.eval('a + 1')}")
    return "\n".join(out)
