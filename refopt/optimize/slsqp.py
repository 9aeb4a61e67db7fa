"""Sequential least-squares quadratic programming (SLSQP), as scipy 1.17 runs it.

D. Kraft, "A software package for sequential quadratic programming", DFVLR-FB 88-28,
Deutsche Forschungs- und Versuchsanstalt für Luft- und Raumfahrt, 1988 (with the
algorithm's TOMS form, "Algorithm 733: TOMP", ACM TOMS 20, 1994). The problem::

    minimise f(x)  subject to  c_j(x) = 0 (j < meq),  c_j(x) >= 0 (j >= meq),  xl <= x <= xu.

Each iteration solves the quadratic programme (28.1) in the step ``d``,

    min  ½ dᵀ B d + ∇fᵀ d   s.t.  ∇c_jᵀ d + c_j = 0 / >= 0,   xl - x <= d <= xu - x,

where ``B = L D Lᵀ`` is a quasi-Newton approximation of the Hessian of the Lagrangian kept
in factored form. Written as the least-squares problem ``min ||A d - b||`` with
``A = D^½ Lᵀ`` and ``b = -D^-½ L^-1 ∇f`` (28.2), it is an LSEI, solved by
:func:`refopt.linalg.nnls.lsei` (Lawson & Hanson's reductions to NNLS). Then:

* when the linearised constraints are inconsistent, the QP is augmented by one variable
  ``δ ∈ [0, 1]`` that relaxes them (Kraft §2.2.3; weight ρ = 100, times 10 on each retry,
  at most 5 retries) (28.10);
* the step is judged on the L1 merit function ``φ(x) = f(x) + Σ μ_j |c_j(x)|⁻`` (28.11) with
  the penalties ``μ_j = max(|λ_j|, (μ_j + |λ_j|)/2)`` from the QP multipliers λ;
* an Armijo backtracking search on ``φ`` over ``α ∈ [0.1, 1]`` by quadratic interpolation,
  at most 10 reductions (28.12);
* BFGS on the Lagrangian's gradient difference with Powell's damping (θ keeps ``sᵀy >=
  0.2 sᵀBs``) (28.13), applied to the factors as two rank-one updates by Fletcher and
  Powell's composite-t method ("On the modification of LDLᵀ factorizations", Math. Comp.
  28, 1974) (28.14);
* a failed line search direction (uphill) resets ``B = I``; after five resets a relaxed
  convergence test (tolerance ``10·ftol``) decides between success and mode 8.

The steps, constants, tests and the order of the evaluations are those of scipy's C
translation of Kraft's Fortran (``__slsqp.c``, scipy 1.16-1.17), so that runs agree
evaluation for evaluation. Exit modes are scipy's (:data:`EXIT_MODES`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from ..linalg.nnls import lsei
from ._objective import EPSILON, FD_METHODS, ScalarObjective, warn_unknown_options
from .constraints import standardize

EXIT_MODES = {
    -1: "Gradient evaluation required (g & a)",
    0: "Optimization terminated successfully",
    1: "Function evaluation required (f & c)",
    2: "More equality constraints than independent variables",
    3: "More than 3*n iterations in LSQ subproblem",
    4: "Inequality constraints incompatible",
    5: "Singular matrix E in LSQ subproblem",
    6: "Singular matrix C in LSQ subproblem",
    7: "Rank-deficient equality constraint subproblem HFTI",
    8: "Positive directional derivative for linesearch",
    9: "Iteration limit reached",
}
"""scipy's ``exit_modes``: the status and the message of every SLSQP run."""

ALPHA_MIN = 0.1      # smallest step of the line search, Kraft's alfmin
ARMIJO = 10.0        # sufficient decrease: φ(α) - φ(0) <= α φ'(0) / 10
MAX_REDUCTIONS = 10  # the line search accepts the 11th trial step whatever it gives
MAX_RESETS = 5       # resets of B to I before the relaxed convergence test
DAMPING = 0.2        # Powell: keep sᵀy >= 0.2 sᵀBs
RHO0, RHO_FACTOR, MAX_AUGMENTED = 100.0, 10.0, 5  # the augmented QP's weight and retries
EPS = float(np.finfo(float).eps)


# ------------------------------------------------------------------------------------------
# The problem as SLSQP sees it: constraint dicts checked, evaluated into c and C
# ------------------------------------------------------------------------------------------

def check_constraint_dicts(constraints: list) -> dict:
    """Sort dicts into ``{'eq': [...], 'ineq': [...]}`` with scipy's checks and errors."""
    sorted_cons: dict[str, list] = {"eq": [], "ineq": []}
    for i, con in enumerate(constraints):
        try:
            kind = con["type"].lower()
        except KeyError as exc:
            raise KeyError(f"Constraint {i} has no type defined.") from exc
        except TypeError as exc:
            raise TypeError("Constraints must be defined using a dictionary.") from exc
        except AttributeError as exc:
            raise TypeError("Constraint's type must be a string.") from exc
        if kind not in ("eq", "ineq"):
            raise ValueError(f"Unknown constraint type '{con['type']}'.")
        if "fun" not in con:
            raise ValueError(f"Constraint {i} has no function defined.")
        if not callable(con["fun"]):
            raise TypeError(f"Constraint {i}: 'fun' must be callable.")
        args = con.get("args", ())
        sorted_cons[kind].append({"fun": con["fun"], "jac": con.get("jac"),
                                  "args": args if isinstance(args, tuple) else (args,)})
    return sorted_cons


class ConstraintSet:
    """The stacked constraints: values ``c(x)`` (equalities first) and normals ``C(x)``.

    A dict without ``jac`` is differentiated by forward differences with the absolute step
    ``eps`` (or by the scheme ``jac`` names, with a relative step), inside the bounds.
    """

    def __init__(self, cons: dict, x0: np.ndarray, fd: dict, bounds: tuple):
        self.items = cons["eq"] + cons["ineq"]
        self.fd, self.bounds = fd, bounds
        self.sizes = [np.atleast_1d(c["fun"](x0, *c["args"])).size for c in self.items]
        self.meq = sum(self.sizes[:len(cons["eq"])])
        self.m = sum(self.sizes)
        self.n = x0.size

    def values(self, x: np.ndarray) -> np.ndarray:
        if not self.items:
            return np.zeros(0)
        parts = [np.atleast_1d(np.asarray(c["fun"](x, *c["args"]), dtype=float)).ravel()
                 for c in self.items]
        for i, (part, size) in enumerate(zip(parts, self.sizes)):
            if part.size != size:
                raise ValueError(f"Constraint function {i} returned {part.size} values at one "
                                 f"point and {size} at the start.")
        return np.concatenate(parts)

    def normals(self, x: np.ndarray) -> np.ndarray:
        rows = [self._jacobian(c, x) for c in self.items]
        for i, (rows_i, size) in enumerate(zip(rows, self.sizes)):
            if rows_i.shape != (size, self.n):
                raise ValueError(f"The Jacobian of constraint {i} must have shape "
                                 f"({size}, {self.n}); got {rows_i.shape}.")
        return np.vstack(rows) if rows else np.zeros((0, self.n))

    def _jacobian(self, con: dict, x: np.ndarray) -> np.ndarray:
        if callable(con["jac"]):
            return np.atleast_2d(np.asarray(con["jac"](x, *con["args"]), dtype=float))
        from ..differentiation import approx_derivative

        return np.atleast_2d(approx_derivative(con["fun"], x, args=con["args"],
                                               bounds=self.bounds, **self.fd))


def violation(c: np.ndarray, meq: int) -> np.ndarray:
    """``|c_j|`` for the equalities, ``max(-c_j, 0)`` for the inequalities."""
    v = np.fmax(-c, 0.0)  # fmax: a NaN constraint counts as met, as in Kraft's code
    v[:meq] = np.abs(c[:meq])
    return v


# ------------------------------------------------------------------------------------------
# The quasi-Newton matrix B = L D Lᵀ and its updates
# ------------------------------------------------------------------------------------------

# [ldl]
def ldl_update(L: np.ndarray, d: np.ndarray, z: np.ndarray, sigma: float) -> None:
    """``L D Lᵀ + σ z zᵀ`` in place, by the composite-t method of Fletcher & Powell (1974).

    For ``σ < 0`` the updated matrix might lose positive definiteness in rounding; the
    quantities ``t_i`` are then computed backwards and ``t`` is kept negative (at least
    ``ε/σ``), which keeps every ``d_i`` positive (Fletcher & Powell's method C1).
    """
    if sigma == 0.0:
        return
    n = d.size
    z = z.copy()
    t = 1.0 / sigma
    if sigma < 0.0:
        w = z.copy()  # solve L w = z
        for i in range(n - 1):
            w[i + 1:] -= w[i] * L[i + 1:, i]
        q = w * w / d
        t = float(np.add.accumulate(np.concatenate([[t], q]))[-1])  # 1/σ + Σ w_i²/d_i
        if t >= 0.0:
            t = EPS / sigma
        # t_j = t - Σ_{k>j} q_k, subtracted one at a time from the last, as Kraft does
        tails = np.subtract.accumulate(np.concatenate([[t], q[::-1]]))[::-1]
        t = float(tails[0])  # what is left after all n: the t the positive pass starts from
        tails = tails[1:]
    for i in range(n):
        v = z[i]
        delta = v / d[i]
        tp = tails[i] if sigma < 0.0 else t + delta * v
        alpha = tp / t
        d[i] *= alpha
        if i == n - 1:
            return
        beta = delta / tp
        column = L[i + 1:, i]
        if alpha <= 4.0:
            z[i + 1:] -= v * column
            column += beta * z[i + 1:]
        else:  # the other form is more stable when d grows a lot
            old = column.copy()
            column[:] = (t / tp) * old + beta * z[i + 1:]
            z[i + 1:] -= v * old
        t = tp


def bfgs_update(L: np.ndarray, d: np.ndarray, s: np.ndarray, y: np.ndarray) -> bool:
    """Powell's damped BFGS update of ``B = L D Lᵀ`` with the step ``s`` and the Lagrangian
    gradient difference ``y``. False when it would be singular (``B`` must be reset)."""
    Bs = L @ (d * (L.T @ s))
    sy, sBs = float(s @ y), float(s @ Bs)
    if sy < DAMPING * sBs:  # (28.13), Powell (1978)
        theta = (sBs - DAMPING * sBs) / (sBs - sy)
        y = theta * y + (1.0 - theta) * Bs
        sy = DAMPING * sBs
    if sy == 0.0 or sBs == 0.0:
        return False
    ldl_update(L, d, y, 1.0 / sy)  # (28.14), Fletcher & Powell (1974)
    ldl_update(L, d, Bs, -1.0 / sBs)
    return True


# [/ldl]


# ------------------------------------------------------------------------------------------
# The QP subproblem as a least-squares problem
# ------------------------------------------------------------------------------------------

# [lsq]
def qp_step(L: np.ndarray, d: np.ndarray, g: np.ndarray, C: np.ndarray, c: np.ndarray,
            meq: int, lower: np.ndarray, upper: np.ndarray, rho: float | None = None):
    """The QP (28.1) written as an LSEI (28.2) and solved; ``rho`` augments it (28.10).

    ``lower``, ``upper`` bound the step (NaN: no bound). Returns ``(step, multipliers,
    mode)``; with ``rho`` the step has one more component, the relaxation δ.
    """
    n = d.size
    root = np.sqrt(d)
    A = root[:, None] * L.T  # (28.2)
    b = -_solve_unit_lower(L, g) / root
    C_eq, c_eq, C_in, c_in = C[:meq], c[:meq], C[meq:], c[meq:]
    if rho is not None:  # one more variable δ, with weight rho
        A = np.block([[A, np.zeros((n, 1))], [np.zeros((1, n)), np.full((1, 1), rho)]])
        b = np.append(b, 0.0)
        C_eq = np.hstack([C_eq, -c_eq[:, None]])
        C_in = np.hstack([C_in, np.maximum(-c_in, 0.0)[:, None]])
        lower, upper = np.append(lower, 0.0), np.append(upper, 1.0)
    G, h = _with_bound_rows(C_in, -c_in, lower, upper)
    found = lsei(A, b, C_eq, -c_eq, G, h)
    step = np.fmin(np.fmax(found.x, lower), upper)  # into the bounds (NaN: none)
    multipliers = np.concatenate([found.eq_multipliers, found.ineq_multipliers[:c_in.size]])
    return step, multipliers, found.mode


def _with_bound_rows(G: np.ndarray, h: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """``G x >= h`` with rows ``x_i >= lower_i`` and ``-x_i >= -upper_i`` for the finite
    bounds, lower bounds first (the order of Kraft's rows)."""
    eye = np.eye(lower.size)
    has_lower, has_upper = ~np.isnan(lower), ~np.isnan(upper)
    return (np.vstack([G, eye[has_lower], -eye[has_upper]]),
            np.concatenate([h, lower[has_lower], -upper[has_upper]]))


def _solve_unit_lower(L: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``L^-1 g`` for a unit lower-triangular ``L`` (forward substitution)."""
    z = np.array(g, dtype=float)
    for i in range(1, z.size):
        z[i] -= L[i, :i] @ z[:i]
    return z


# [/lsq]


# ------------------------------------------------------------------------------------------
# The iteration
# ------------------------------------------------------------------------------------------

class _Halt(Exception):
    """The user's callback raised StopIteration."""


class SLSQPState:
    """What one run of SLSQP carries from step to step (Kraft's saved variables)."""

    def __init__(self, objective: ScalarObjective, cons: ConstraintSet, x: np.ndarray,
                 xl: np.ndarray, xu: np.ndarray, callback: Callable | None):
        self.objective, self.cons = objective, cons
        self.n, self.m, self.meq = x.size, cons.m, cons.meq
        self.x = x
        self.xl, self.xu = xl, xu  # NaN where unbounded
        self.callback = callback
        self.f, self.g = objective.fun_and_grad(x)
        self.c = cons.values(x)
        self.C = cons.normals(x)
        self.multipliers = np.zeros(self.m)
        self.mu = np.zeros(self.m)  # the merit function's penalties
        self.s = np.zeros(self.n)
        self.f0 = 0.0
        self.iter = 0
        self.reported = 0  # the last iteration the callback has seen
        self.badlin = False
        self.L, self.d = np.eye(self.n), np.ones(self.n)
        self.h4 = 1.0  # 1 - δ: how much of the constraint values the QP step removes
        self.acc = self.tol = 0.0

    def evaluate_values(self) -> None:
        """f and c at the current x (Kraft's mode 1); the callback on a new iteration."""
        self.f = self.objective.fun(self.x)
        self.c = self.cons.values(self.x)
        self.report()

    def evaluate_gradients(self) -> None:
        """∇f and the constraint normals at the current x (Kraft's mode -1)."""
        self.g = self.objective.grad(self.x)
        self.C = self.cons.normals(self.x)

    def report(self) -> None:
        if self.callback is not None and self.iter > self.reported:
            self.reported = self.iter
            if call_callback_maybe_halt(self.callback, OptimizeResult(x=np.copy(self.x),
                                                                      fun=self.f)):
                raise _Halt

    def reset_hessian(self) -> None:
        self.L, self.d = np.eye(self.n), np.ones(self.n)

    def converged(self, tol: float) -> bool:
        """The test after a step: f or x settled, the constraints met, a consistent QP."""
        return ((abs(self.f - self.f0) < tol or np.linalg.norm(self.s) < tol)
                and violation(self.c, self.meq).sum() < tol and not self.badlin
                and self.f == self.f)


# [iteration]
def search_direction(st: SLSQPState) -> int:
    """Solve the QP at ``x``; on inconsistency the augmented QP. Returns Kraft's mode."""
    lower, upper = st.xl - st.x, st.xu - st.x
    st.h4 = 1.0
    st.s, multipliers, mode = qp_step(st.L, st.d, st.g, st.C, st.c, st.meq, lower, upper)
    st.badlin = False
    if mode == 6 and st.n == st.meq:
        mode = 4
    if mode == 4:  # inconsistent linearisation (28.10), Kraft §2.2.3
        st.badlin = True
        rho = RHO0
        for _retry in range(MAX_AUGMENTED + 1):
            step, multipliers, mode = qp_step(st.L, st.d, st.g, st.C, st.c, st.meq, lower,
                                              upper, rho)
            st.s, st.h4 = step[:st.n], 1.0 - step[st.n]
            if mode != 4:
                break
            rho *= RHO_FACTOR
    if mode == 1:
        st.multipliers = multipliers
    return mode


def merit_slope(st: SLSQPState) -> tuple[float, float, float] | None:
    """Update the penalties and test for convergence before the step (None: converged).

    Returns ``(φ(x), φ'(0) estimate, gᵀs)``.
    """
    lam = np.abs(st.multipliers)
    gs = float(st.g @ st.s)
    viol = violation(st.c, st.meq)
    h1 = abs(gs) + float(lam @ np.abs(st.c))  # a KKT residual of the QP step
    st.mu = np.fmax(lam, (st.mu + lam) / 2.0)
    if h1 < st.acc and viol.sum() < st.acc and not st.badlin and st.f == st.f:
        return None
    penalty = float(st.mu @ viol)
    return st.f + penalty, gs - penalty * st.h4, gs  # (28.11)


def line_search(st: SLSQPState, phi0: float, slope: float) -> None:
    """Backtrack on the merit function from ``x0`` along ``s`` (28.12); ``s`` ends as the
    step taken."""
    x0 = st.x.copy()
    alpha = 1.0
    for line in range(1, MAX_REDUCTIONS + 2):
        slope *= alpha
        st.s = st.s * alpha
        # x0 + s can round past a bound that s was clipped to (scipy gh-11403): clip x
        st.x = np.clip(x0 + st.s, *st.cons.bounds)
        st.evaluate_values()
        decrease = st.f + float(st.mu @ violation(st.c, st.meq)) - phi0
        if decrease <= slope / ARMIJO or line > MAX_REDUCTIONS:
            return
        alpha = float(np.fmax(slope / (2.0 * (slope - decrease)), ALPHA_MIN))  # NaN: 0.1


def slsqp_iterate(st: SLSQPState, maxiter: int) -> int:
    """Kraft's main loop; returns the exit mode."""
    resets = 0
    while True:  # start, or restart with B = I
        resets += 1
        if resets > MAX_RESETS:
            return 0 if st.converged(st.tol) else 8
        st.reset_hessian()
        while True:
            if st.iter >= maxiter:
                return 9
            st.iter += 1
            mode = search_direction(st)
            if mode != 1:
                return mode
            lagrangian_gradient = st.g - st.C.T @ st.multipliers
            st.f0 = st.f
            merit = merit_slope(st)
            if merit is None:
                return 0
            phi0, slope, _ = merit
            if slope >= 0.0:  # not a descent direction for φ: restart with B = I
                break
            line_search(st, phi0, slope)
            if st.converged(st.acc):
                return 0
            st.evaluate_gradients()
            y = (st.g - st.C.T @ st.multipliers) - lagrangian_gradient
            if not bfgs_update(st.L, st.d, st.s, y):
                break


# [/iteration]


def minimize_slsqp(fun: Callable, x0: np.ndarray, args: tuple = (), jac: Any = None,
                   callback: Callable | None = None, bounds: Any = None, constraints: Any = (),
                   maxiter: int = 100, ftol: float = 1e-6, iprint: int = 1, disp: bool = False,
                   eps: float = EPSILON, finite_diff_rel_step: Any = None, workers: Any = None,
                   **unknown_options: Any) -> OptimizeResult:
    """Minimize a scalar function with SLSQP (``minimize(method='SLSQP')``).

    Parameters
    ----------
    fun, x0, args, jac, callback
        As :func:`refopt.minimize` passes them (the callback already wrapped).
    bounds : tuple of ndarray, optional
        ``(lb, ub)`` arrays of ``x0``'s length.
    constraints : dict, constraint object, or a sequence of them
        ``{'type': 'eq'|'ineq', 'fun', 'jac', 'args'}`` (``ineq``: ``fun(x) >= 0``), or
        :class:`~refopt.optimize.constraints.NonlinearConstraint` /
        :class:`~refopt.optimize.constraints.LinearConstraint`.
    maxiter : int
        Iteration limit (mode 9).
    ftol : float
        Kraft's ``acc``: the tolerance of the convergence tests.
    iprint, disp
        ``disp=True`` prints the exit message and counts; ``iprint >= 2`` also a line per
        iteration (``iprint`` is ignored without ``disp``).
    eps : float
        Absolute forward-difference step when no gradient or constraint Jacobian is given.
    finite_diff_rel_step : float or array_like, optional
        Relative step when ``jac`` names a scheme.
    workers
        Accepted for scipy's signature; differences are evaluated in this process.

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, nit, nfev, njev, status, message, success, multipliers`` (the QP's
        multipliers of the equality constraints, then of the inequalities; none for bounds).
    """
    warn_unknown_options(unknown_options)
    if not disp:
        iprint = 0
    x = np.array(x0, dtype=float if not np.issubdtype(np.asarray(x0).dtype, np.floating)
                 else np.asarray(x0).dtype).ravel()
    n = x.size
    lb, ub = (np.full(n, -np.inf), np.full(n, np.inf)) if bounds is None else bounds
    x = np.clip(x, lb, ub)
    cons = check_constraint_dicts(standardize(constraints, x))
    if jac in FD_METHODS:
        fd = dict(method=jac, rel_step=finite_diff_rel_step)
    else:
        fd = dict(method="2-point", abs_step=eps)
    constraint_set = ConstraintSet(cons, x, fd, (lb, ub))
    objective = ScalarObjective(fun, x, args, jac, epsilon=eps,
                                finite_diff_rel_step=finite_diff_rel_step, bounds=(lb, ub))
    xl = np.where(np.isfinite(lb), lb, np.nan)
    xu = np.where(np.isfinite(ub), ub, np.nan)
    st = SLSQPState(objective, constraint_set, x, xl, xu, callback)
    st.acc = abs(ftol)
    st.tol = 10.0 * st.acc
    if iprint >= 2:
        print(f"{'NIT':>5} {'FC':>5} {'OBJFUN':>16} {'GNORM':>16}")
        st.callback = _printing(callback, st)
    try:
        mode = slsqp_iterate(st, int(maxiter))
    except _Halt:
        mode = 1
    try:
        st.report()  # the iteration that ended the run
    except _Halt:
        pass
    if iprint >= 1:
        _print_summary(mode, st)
    return OptimizeResult(x=st.x, fun=st.f, jac=st.g, nit=st.iter, nfev=objective.nfev,
                          njev=objective.ngev, status=mode, message=EXIT_MODES[mode],
                          success=mode == 0, multipliers=st.multipliers.copy())


def _printing(callback: Callable | None, st: SLSQPState) -> Callable:
    """The callback, preceded by scipy's line per iteration (``iprint >= 2``)."""
    def call(result):
        answer = None if callback is None else callback(result)
        print(f"{st.iter:5d} {st.objective.nfev:5d} {st.f:16.6E} "
              f"{np.linalg.norm(st.g):16.6E}")
        return answer

    return call


def _print_summary(mode: int, st: SLSQPState) -> None:
    print(EXIT_MODES[mode] + f"    (Exit mode {mode})")
    print("            Current function value:", st.f)
    print("            Iterations:", st.iter)
    print("            Function evaluations:", st.objective.nfev)
    print("            Gradient evaluations:", st.objective.ngev)


def old_style_bounds(bounds: Any, n: int) -> tuple | None:
    """``[(lo, hi), ...]`` (None: unbounded) as ``(lb, ub)`` arrays, with scipy's SLSQP errors."""
    if bounds is None or len(bounds) == 0:
        return None
    pairs = np.array([(-np.inf if lo is None else float(np.asarray(lo).item()),
                       np.inf if hi is None else float(np.asarray(hi).item()))
                      for lo, hi in bounds], dtype=float)
    if pairs.shape[0] != n:
        raise IndexError("SLSQP Error: the length of bounds is not compatible with that of x0.")
    with np.errstate(invalid="ignore"):
        bad = pairs[:, 0] > pairs[:, 1]
    if bad.any():
        raise ValueError(f"SLSQP Error: lb > ub in bounds {', '.join(str(b) for b in bad)}.")
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def fmin_slsqp(func: Callable, x0: Any, eqcons: Any = (), f_eqcons: Callable | None = None,
               ieqcons: Any = (), f_ieqcons: Callable | None = None, bounds: Any = (),
               fprime: Callable | None = None, *, fprime_eqcons: Callable | None = None,
               fprime_ieqcons: Callable | None = None, args: tuple = (), iter: int = 100,
               acc: float = 1e-6, iprint: int = 1, disp: Any = None, full_output: bool = False,
               epsilon: float = EPSILON, callback: Callable | None = None) -> Any:
    """scipy's legacy interface to SLSQP (``scipy.optimize.fmin_slsqp``).

    ``eqcons``/``ieqcons`` are lists of scalar functions; ``f_eqcons``/``f_ieqcons`` return
    arrays (with Jacobians ``fprime_eqcons``/``fprime_ieqcons``); all take ``args``. Returns
    ``x``, or ``(x, fun, nit, status, message)`` with ``full_output``.
    """
    from .._callback import wrap_callback

    if disp is not None:
        iprint = disp
    x = np.atleast_1d(np.asarray(x0, dtype=float)).ravel()
    cons = [{"type": "eq", "fun": c, "args": args} for c in eqcons]
    cons += [{"type": "ineq", "fun": c, "args": args} for c in ieqcons]
    if f_eqcons:
        cons.append({"type": "eq", "fun": f_eqcons, "jac": fprime_eqcons, "args": args})
    if f_ieqcons:
        cons.append({"type": "ineq", "fun": f_ieqcons, "jac": fprime_ieqcons, "args": args})
    res = minimize_slsqp(func, x, args, fprime, wrap_callback(callback),
                         bounds=old_style_bounds(bounds, x.size), constraints=cons,
                         maxiter=iter, ftol=acc, iprint=iprint, disp=iprint != 0, eps=epsilon)
    if full_output:
        return res["x"], res["fun"], res["nit"], res["status"], res["message"]
    return res["x"]
