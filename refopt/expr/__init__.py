"""refopt.expr: a safe evaluator for constraint expressions ("why not eval()").

lmfit ties parameters together with expressions such as ``'1 - frac_curve1'`` or
``'sqrt(pi) * wid_1'``, evaluated at every step of a fit (Newville et al., *LMFIT: Non-Linear
Least-Square Minimization and Curve-Fitting for Python*, manual 0.5, 2012, chapter 5). The
text may come from a file or a user, so it must not be handed to Python's ``eval``. This
package parses it with :func:`ast.parse`, compiles the tree **once** into closures (one small
handler per node type, a whitelist of node types, each safety check a small named function),
and evaluates the closures against one flat symbol table, after asteval (M. Newville et al.,
https://github.com/lmfit/asteval, 2014-2025), whose interface it follows.

Modules
-------
- :mod:`refopt.expr.interpreter` -- :class:`Interpreter` (``parse``, ``run``, ``eval``,
  ``symtable``, ``error``) and :class:`Compiled`;
- :mod:`refopt.expr.compiler` -- the node handlers that build the closures;
- :mod:`refopt.expr.safety` -- the whitelists, the checks and the :class:`Limits`;
- :mod:`refopt.expr.symtable` -- the default symbols;
- :mod:`refopt.expr.errors` -- :class:`ExprError` and its subclasses;
- :mod:`refopt.expr.hostdata` -- the sealed views that keep the host's arrays unchanged;
- :mod:`refopt.expr.compat` -- asteval's defaults and error records, for code written for
  asteval (``from refopt.expr.compat import Interpreter``).

Examples
--------
>>> from refopt.expr import Interpreter
>>> interp = Interpreter(user_symbols={'frac_curve1': 0.25})
>>> code = interp.parse('1 - frac_curve1')
>>> interp.run(code)
0.75
>>> interp.symtable['frac_curve1'] = 0.5
>>> interp.run(code)
0.5
"""

from __future__ import annotations

from .errors import EvalError, ExprError, ExprNameError, ExprSyntaxError, LimitError, SecurityError
from .interpreter import Compiled, Interpreter, NameFinder, get_ast_names
from .safety import DEFAULT_LIMITS, Limits
from .symtable import Group, make_symbol_table, valid_symbol_name

__all__ = ["Interpreter", "Compiled", "Limits", "DEFAULT_LIMITS", "make_symbol_table",
           "get_ast_names", "NameFinder", "valid_symbol_name", "Group",
           "ExprError", "ExprSyntaxError", "ExprNameError", "SecurityError", "LimitError", "EvalError"]
