"""The F, Student t, chi-square and normal distributions, from two incomplete functions.

Every distribution that the fitting layer needs reduces to one of two special functions:

* the regularized incomplete beta function ``I_x(a, b)``, evaluated by its continued
  fraction (Abramowitz & Stegun, *Handbook of Mathematical Functions*, NBS, 1964, 26.5.8),
  which gives the F and Student t distributions;
* the regularized incomplete gamma functions ``P(a, x)`` and ``Q(a, x) = 1 - P(a, x)``, by
  their power series and continued fraction (A&S 6.5.29 and 6.5.31), which give the
  chi-square and normal distributions.

The continued fractions are evaluated from the front by the modified Lentz method (W. J.
Lentz, "Generating Bessel functions in Mie scattering calculations using continued
fractions", *Applied Optics* 15, 1976; I. J. Thompson & A. R. Barnett, "Coulomb and Bessel
functions of complex arguments and order", *J. Comput. Phys.* 64, 1986), the form popularised
by Press, Teukolsky, Vetterling & Flannery, *Numerical Recipes* (2nd ed., 1992, §5.2, §6.2,
§6.4). Quantiles invert the distribution functions by Newton's method kept inside a
bisection bracket.

Equation numbers in the comments, ``(33.1)`` to ``(33.9)``, are those of the book chapter
``chapters/33-distributions.md``:

* (33.1)  the incomplete beta function and its symmetry ``I_x(a,b) = 1 - I_{1-x}(b,a)``;
* (33.4)  its continued fraction (A&S 26.5.8) and the coefficients ``d_m``;
* (33.5)  the modified Lentz recurrences;
* (33.6)  the incomplete gamma series for ``P`` (A&S 6.5.29);
* (33.7)  the continued fraction for ``Q`` (A&S 6.5.31);
* (33.2)  F and Student t through the incomplete beta function;
* (33.3)  chi-square and normal through the incomplete gamma function;
* (33.8)  the densities, used by Newton's method;
* (33.9)  the safeguarded Newton step of the quantile functions.

The public objects mirror ``scipy.stats``: ``f``, ``t``, ``chi2`` and ``norm`` each have
``cdf``, ``sf``, ``ppf``, ``isf`` and ``pdf``, with the shape parameters as positional
arguments after ``x`` (``f.cdf(x, dfn, dfd)``, ``t.ppf(q, df)``, ``chi2.sf(x, df)``). All of
them take numpy arrays and broadcast; none loops in Python over the points.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

__all__ = ["betainc", "gammainc", "gammaincc", "f", "t", "chi2", "norm", "Distribution"]

EPS = np.finfo(float).eps
TINY = 1e-300          # stands in for a zero denominator in Lentz's method (33.5)
MAX_TERMS = 100_000    # the fractions need O(sqrt(max(a, b))) terms; this is a safety cap
STIRLING_FROM = 10.0   # from here on, log Γ by Stirling's series is exact to rounding


def _quiet(func: Callable) -> Callable:
    """Run ``func`` with numpy's floating-point warnings off.

    Overflow and 0/0 arise only in branches that ``np.where`` then discards (the far tails,
    the infinite endpoints), so a warning there would speak of values nobody sees.
    """
    @functools.wraps(func)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)
    return quiet


def _lgamma(v) -> np.ndarray:
    """``log Γ(v)`` for ``v > 0``, by ``math.lgamma`` once per distinct value.

    The arguments are shape parameters (degrees of freedom), broadcast against the data,
    so a handful of distinct values stand behind any number of points.
    """
    v = np.asarray(v, dtype=float)
    if v.size == 1:
        return np.full(v.shape, math.lgamma(float(v.ravel()[0])))
    distinct, where = np.unique(v, return_inverse=True)
    return np.array([math.lgamma(d) for d in distinct])[where].reshape(np.shape(v))


def _stirling_correction(v: np.ndarray) -> np.ndarray:
    """``log Γ(v) - [(v - ½) log v - v + ½ log 2π]`` for ``v >= 10`` (Stirling's series).

    The terms are ``B_2k / (2k (2k - 1) v^(2k-1))``; seven of them reach rounding at v = 10.
    """
    w = 1.0 / (v * v)
    series = 1 / 156
    for c in (-691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12):
        series = c + w * series
    return series / v


def _log_beta(a, b) -> np.ndarray:
    """``log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b)``, without cancellation.

    For large arguments the three ``log Γ`` are of size ``a log a`` and nearly cancel;
    there Stirling's series lets the large parts be combined first (as in DiDonato &
    Morris, "Significant digit computation of the incomplete beta function ratios",
    ACM TOMS 18, 1992), leaving ``(a - ½) log(a/(a+b)) + b log(b/(a+b))`` and small terms.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    big, small = np.maximum(a, b), np.minimum(a, b)
    total = big + small
    direct = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    big_s = np.maximum(big, STIRLING_FROM)           # keeps the unused branches finite
    small_s = np.maximum(small, STIRLING_FROM)
    total_s = big_s + small
    # log Γ(big) - log Γ(big + small), large parts combined analytically
    ratio = ((big_s - 0.5) * np.log1p(-small / total_s) - small * np.log(total_s) + small
             + _stirling_correction(big_s) - _stirling_correction(total_s))
    one_large = _lgamma(small) + ratio
    total_b = big_s + small_s
    both_large = ((big_s - 0.5) * np.log1p(-small_s / total_b)
                  + small_s * np.log1p(-big_s / total_b) - 0.5 * np.log(small_s)
                  + 0.5 * math.log(2 * math.pi) + _stirling_correction(big_s)
                  + _stirling_correction(small_s) - _stirling_correction(total_b))
    return np.where(big < STIRLING_FROM, direct,
                    np.where(small < STIRLING_FROM, one_large, both_large))


def _log_gamma_front(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``a log x - x - log Γ(a)``, the logarithm of the prefactor of (33.6) and (33.7).

    For ``a >= 10`` Stirling's series turns it into ``a (log1p(u) - u) + ½ log(a/2π) - c(a)``
    with ``u = (x - a)/a``, which keeps its accuracy where ``x`` is near ``a``.
    """
    a_s = np.maximum(a, STIRLING_FROM)
    u = (x - a_s) / a_s
    with np.errstate(divide="ignore"):       # log(x/a) is log1p(u), each where it is accurate
        log_ratio = np.where(np.abs(u) < 0.5, np.log1p(u), np.log(x / a_s))
    stirling = (a_s * (log_ratio - u) + 0.5 * np.log(a_s / (2 * math.pi))
                - _stirling_correction(a_s))
    return np.where(a < STIRLING_FROM, a * np.log(x) - x - _lgamma(a), stirling)


# ---------------------------------------------------------------------------------------
# Continued fractions from the front: modified Lentz (33.5)
# ---------------------------------------------------------------------------------------

def _nonzero(v: np.ndarray) -> np.ndarray:
    """Replace exact zeros by TINY, so that the recurrences never divide by zero."""
    return np.where(np.abs(v) < TINY, TINY, v)


def _lentz(b0: np.ndarray, terms: Callable[[int], tuple]) -> np.ndarray:
    """Evaluate ``b0 + a1/(b1 + a2/(b2 + ...))`` for arrays of fractions at once.

    ``terms(k)`` returns the partial numerators and denominators ``(a_k, b_k)``. The value
    is built as the product ``h_k = h_{k-1} C_k D_k`` with ``C_k = b_k + a_k / C_{k-1}`` and
    ``D_k = 1 / (b_k + a_k D_{k-1})`` (33.5); a fraction is done when ``C_k D_k = 1`` to
    machine precision. Converged entries are kept as they are while the others go on.
    """
    h = _nonzero(np.asarray(b0, dtype=float))
    C, D = h.copy(), np.zeros_like(h)
    active = np.ones(h.shape, dtype=bool)
    for k in range(1, MAX_TERMS + 1):
        a_k, b_k = terms(k)
        D = 1.0 / _nonzero(b_k + a_k * D)
        C = _nonzero(b_k + a_k / C)
        delta = C * D
        h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1.0) > EPS
        if not active.any():
            break
    return h


def _lentz_one(b0: float, terms: Callable[[int], tuple]) -> float:
    """:func:`_lentz` for a single fraction, on Python floats (33.5).

    The same recurrence, written out for one fraction because numpy's cost per call on a
    one-element array is twenty times the arithmetic: a quantile evaluates one fraction
    a dozen times, and a confidence interval asks for several quantiles.
    """
    def nonzero(v: float) -> float:
        return TINY if abs(v) < TINY else v
    h = C = nonzero(b0)
    D = 0.0
    for k in range(1, MAX_TERMS + 1):
        a_k, b_k = terms(k)
        D = 1.0 / nonzero(b_k + a_k * D)
        C = nonzero(b_k + a_k / C)
        h *= C * D
        if abs(C * D - 1.0) <= EPS:
            break
    return h


def _fraction(b0: np.ndarray, make_terms: Callable, *args: np.ndarray) -> np.ndarray:
    """A continued fraction per element: ``make_terms(*args)`` gives its ``terms(k)``."""
    if b0.size == 1:
        one = _lentz_one(float(b0.ravel()[0]), make_terms(*(float(np.ravel(v)[0]) for v in args)))
        return np.full(b0.shape, one)
    return _lentz(b0, make_terms(*args))


# ---------------------------------------------------------------------------------------
# The incomplete beta function (33.1), (33.4)
# ---------------------------------------------------------------------------------------

def _beta_terms(a, b, x) -> Callable[[int], tuple]:
    """The partial numerators ``d_k`` of (33.4) (the denominators are all 1)."""
    def terms(k: int) -> tuple:
        m = k // 2
        if k % 2 == 0:   # d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
            return m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), 1.0
        # d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        return -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)), 1.0
    return terms


def _beta_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction ``1/(1 + d1/(1 + d2/(1 + ...)))`` of (33.4)."""
    # 1/(1 + d1/(1 + ...)) is the fraction b0 = 1, a1 = d1, ... seen upside down.
    return 1.0 / _fraction(np.ones_like(x), _beta_terms, a, b, x)


def _beta_pair(a, b, x, y) -> tuple[np.ndarray, np.ndarray]:
    """``(I_x(a, b), 1 - I_x(a, b))`` with ``y = 1 - x`` given separately by the caller.

    The fraction (33.4) converges fast for ``x < (a + 1)/(a + b + 2)``; beyond that the
    symmetry of (33.1) swaps the roles of ``(a, x)`` and ``(b, y)``. Whichever side is
    computed by the fraction is accurate to a few ulps even when tiny, so a tail
    probability never comes from ``1 - (something close to 1)``.
    """
    a, b, x, y = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x, y)))
    swap = x > (a + 1.0) / (a + b + 2.0)
    p, q = np.where(swap, b, a), np.where(swap, a, b)
    u, w = np.where(swap, y, x), np.where(swap, x, y)
    inside = (u > 0) & (w > 0)
    u_safe, w_safe = np.where(inside, u, 0.5), np.where(inside, w, 0.5)
    # The prefactor x^a y^b / (a B(a, b)) of (33.4), formed in logarithms.
    front = np.exp(p * np.log(u_safe) + q * np.log(w_safe) - _log_beta(p, q)) / p
    direct = np.where(inside, front * _beta_fraction(p, q, u_safe), np.where(u <= 0, 0.0, 1.0))
    other = 1.0 - direct
    return np.where(swap, other, direct), np.where(swap, direct, other)


@_quiet
def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)``, for ``a, b > 0``, ``0 <= x <= 1``.

    ``I_x(a, b) = B(a, b)^{-1} ∫_0^x s^{a-1} (1-s)^{b-1} ds``, as ``scipy.special.betainc``.
    """
    x = np.asarray(x, dtype=float)
    return _beta_pair(a, b, x, 1.0 - x)[0]


# ---------------------------------------------------------------------------------------
# The incomplete gamma functions (33.6), (33.7)
# ---------------------------------------------------------------------------------------

def _gamma_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``P(a, x)`` by the series (33.6): ``x^a e^{-x} / Γ(a+1) · Σ_n x^n / ((a+1)...(a+n))``."""
    term = np.ones_like(x)
    total = np.ones_like(x)
    active = np.ones(x.shape, dtype=bool)
    for n in range(1, MAX_TERMS + 1):
        term = np.where(active, term * x / (a + n), term)
        total = np.where(active, total + term, total)
        active &= np.abs(term) > np.abs(total) * EPS
        if not active.any():
            break
    return total * np.exp(_log_gamma_front(a, x)) / a


def _gamma_terms(a, x) -> Callable[[int], tuple]:
    """The partial numerators and denominators of (33.7)."""
    def terms(k: int) -> tuple:
        return -k * (k - a), x + 2 * k + 1 - a
    return terms


def _gamma_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``Q(a, x)`` by the continued fraction (33.7), in its even (faster) form.

    ``Q = x^a e^{-x} / Γ(a) · 1/(x + 1 - a - 1·(1-a)/(x + 3 - a - 2·(2-a)/(x + 5 - a - ...)))``.
    """
    fraction = _fraction(x + 1.0 - a, _gamma_terms, a, x)
    return np.exp(_log_gamma_front(a, x)) / fraction


def _gamma_pair(a, x) -> tuple[np.ndarray, np.ndarray]:
    """``(P(a, x), Q(a, x))``: the series below ``x = a + 1``, the fraction above (33.4-5)."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    positive = x > 0
    xs = np.where(positive, x, 1.0)
    use_series = xs < a + 1.0
    lower = np.zeros(x.shape)
    upper = np.zeros(x.shape)
    if use_series.any():
        lower[use_series] = _gamma_series(a[use_series], xs[use_series])
        upper[use_series] = 1.0 - lower[use_series]
    if (~use_series).any():
        upper[~use_series] = _gamma_fraction(a[~use_series], xs[~use_series])
        lower[~use_series] = 1.0 - upper[~use_series]
    lower = np.where(positive, lower, 0.0)
    upper = np.where(positive, upper, 1.0)
    return np.where(np.isinf(x), 1.0, lower), np.where(np.isinf(x), 0.0, upper)


@_quiet
def gammainc(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``, as ``scipy.special.gammainc``."""
    return _gamma_pair(a, x)[0]


@_quiet
def gammaincc(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    return _gamma_pair(a, x)[1]


# ---------------------------------------------------------------------------------------
# Distribution functions (33.2), (33.3) and densities (33.8)
# ---------------------------------------------------------------------------------------

def _f_tails(x, dfn, dfd):
    """F(dfn, dfd): ``cdf = I_z(dfn/2, dfd/2)`` with ``z = dfn x / (dfn x + dfd)`` (33.2)."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    dfn, dfd = np.asarray(dfn, dtype=float), np.asarray(dfd, dtype=float)
    with np.errstate(invalid="ignore"):
        scale = np.where(np.isinf(x), 1.0, dfn * x + dfd)
        z = np.where(np.isinf(x), 1.0, dfn * x / scale)
        w = np.where(np.isinf(x), 0.0, dfd / scale)
    return _beta_pair(dfn / 2, dfd / 2, z, w)


def _f_pdf(x, dfn, dfd):
    x = np.asarray(x, dtype=float)
    xs = np.where(x > 0, x, 1.0)
    log_pdf = (0.5 * (dfn * np.log(dfn * xs) + dfd * np.log(dfd) - (dfn + dfd) * np.log(dfn * xs + dfd))
               - np.log(xs) - _log_beta(np.asarray(dfn / 2, dtype=float), np.asarray(dfd / 2, dtype=float)))
    return np.where(x > 0, np.exp(log_pdf), 0.0)


def _t_tails(x, df):
    """Student t: the upper tail is ``½ I_z(df/2, ½)`` with ``z = df / (df + x²)`` (33.2)."""
    x = np.asarray(x, dtype=float)
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        x2 = x * x
        z = np.where(np.isinf(x), 0.0, df / (df + x2))
        w = np.where(np.isinf(x), 1.0, x2 / (df + x2))
    far_tail = 0.5 * _beta_pair(df / 2, 0.5, z, w)[0]      # P(T > |x|)
    near = 1.0 - far_tail
    lower = np.where(x < 0, far_tail, near)
    return lower, np.where(x < 0, near, far_tail)


def _t_pdf(x, df):
    x = np.asarray(x, dtype=float)
    df = np.asarray(df, dtype=float)
    log_c = -_log_beta(df / 2, 0.5) - 0.5 * np.log(df)   # Γ((ν+1)/2) / (√(νπ) Γ(ν/2))
    return np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df))


def _chi2_tails(x, df):
    """Chi-square: ``cdf = P(df/2, x/2)``, ``sf = Q(df/2, x/2)`` (33.3)."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    return _gamma_pair(np.asarray(df, dtype=float) / 2, x / 2)


def _chi2_pdf(x, df):
    x = np.asarray(x, dtype=float)
    k = np.asarray(df, dtype=float) / 2
    xs = np.where(x > 0, x, 1.0)
    log_pdf = _log_gamma_front(k, xs / 2) - np.log(xs)       # (x/2)^k e^(-x/2) / (x Γ(k))
    return np.where(x > 0, np.exp(log_pdf), 0.0)


def _norm_tails(x):
    """Normal: ``Φ(-|x|) = ½ Q(½, x²/2)`` for the far tail, so that it stays accurate (33.3)."""
    x = np.asarray(x, dtype=float)
    far_tail = 0.5 * _gamma_pair(0.5, 0.5 * x * x)[1]      # P(Z > |x|)
    near = 1.0 - far_tail
    return np.where(x < 0, far_tail, near), np.where(x < 0, near, far_tail)


def _norm_pdf(x):
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


# ---------------------------------------------------------------------------------------
# Quantiles: Newton inside a bisection bracket (33.9)
# ---------------------------------------------------------------------------------------

def _solve_upper_tail(sf: Callable, pdf: Callable, p: np.ndarray, start: float) -> np.ndarray:
    """The ``x >= start`` with ``sf(x) = p`` for ``0 < p < sf(start)``, elementwise.

    A bracket ``[lo, hi]`` is found by doubling ``hi``; then each iteration takes the
    Newton step ``x - (p - sf(x)) / pdf(x)`` (33.9), since ``sf' = -pdf``, and falls back
    to bisection when the step leaves the bracket. Every step shrinks the bracket, so the
    iteration ends even where the density is tiny or the Newton step overshoots.
    """
    lo = np.full(p.shape, start, dtype=float)
    hi = lo + 1.0
    for _ in range(2100):                      # 2^2100 overflows: every finite p is bracketed
        short = sf(hi) > p
        if not short.any():
            break
        lo = np.where(short, hi, lo)
        hi = np.where(short, start + 2 * (hi - start), hi)
    x = 0.5 * (lo + hi)
    for _ in range(400):
        s = sf(x)
        lo = np.where(s > p, x, lo)            # sf decreases: sf(x) > p means x is too small
        hi = np.where(s > p, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x + (s - p) / pdf(x)
        inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
        x_new = np.where(inside, newton, 0.5 * (lo + hi))
        done = (np.abs(x_new - x) <= 4 * EPS * np.abs(x)) | (hi - lo <= 4 * EPS * np.abs(hi))
        x = x_new
        if done.all():
            break
    return x


class Distribution:
    """A continuous distribution with ``cdf``, ``sf``, ``ppf``, ``isf`` and ``pdf``.

    Built from a function returning both tails ``(cdf, sf)`` accurately and a density.
    ``symmetric`` distributions live on the whole line and are symmetric about zero; the
    others live on ``[0, inf)``. Quantiles solve the smaller tail, so ``ppf(1e-300)`` and
    ``isf(1e-300)`` are both accurate.
    """

    def __init__(self, name: str, tails: Callable, density: Callable, symmetric: bool):
        self.name = name
        self._tails = tails
        self._density = density
        self._symmetric = symmetric

    def __repr__(self) -> str:
        return f"<refopt.stats.{self.name} distribution>"

    @_quiet
    def cdf(self, x, *shape):
        """``P(X <= x)``."""
        return self._tails(x, *shape)[0]

    @_quiet
    def sf(self, x, *shape):
        """``P(X > x) = 1 - cdf(x)``, computed without the subtraction in the upper tail."""
        return self._tails(x, *shape)[1]

    @_quiet
    def pdf(self, x, *shape):
        """The density at ``x``."""
        return self._density(x, *shape)

    @_quiet
    def ppf(self, q, *shape):
        """The quantile: the ``x`` with ``cdf(x) = q`` (NaN outside ``[0, 1]``)."""
        return self._quantile(np.asarray(q, dtype=float), shape, upper=False)

    @_quiet
    def isf(self, p, *shape):
        """The inverse survival function: the ``x`` with ``sf(x) = p``."""
        return self._quantile(np.asarray(p, dtype=float), shape, upper=True)

    def _quantile(self, prob: np.ndarray, shape: tuple, upper: bool) -> np.ndarray:
        shape = [np.asarray(s, dtype=float) for s in shape]
        prob, *shape = np.broadcast_arrays(prob, *shape)
        # Solve in the smaller tail: the upper tail P(X > x) = p of the target point.
        p_upper = prob if upper else 1.0 - prob
        p_lower = 1.0 - prob if upper else prob
        small = np.minimum(prob, 1.0 - prob)
        inner = (small > 0) & (prob <= 1)
        out = np.full(prob.shape, np.nan)
        if self._symmetric:
            # x >= 0 solves sf(x) = min-tail; its sign says which side of zero the answer is.
            far = np.where(inner, small, 0.25)
            x = _solve_upper_tail(lambda v: self.sf(v, *self._pick(shape, inner)),
                                  lambda v: self.pdf(v, *self._pick(shape, inner)),
                                  far[inner], 0.0) if inner.any() else np.empty(0)
            upper_half = (p_upper <= 0.5)[inner]
            out[inner] = np.where(upper_half, x, -x)
            out[(prob == 0.5) & inner] = 0.0
            lowest, highest = -np.inf, np.inf
        else:
            # Solve sf(x) = p_upper where the upper tail is the smaller, else cdf(x) = p_lower
            # by the same routine applied to the cdf read from the right.
            up = inner & (p_upper <= 0.5)
            if up.any():
                out[up] = _solve_upper_tail(lambda v: self.sf(v, *self._pick(shape, up)),
                                            lambda v: self.pdf(v, *self._pick(shape, up)),
                                            p_upper[up], 0.0)
            low = inner & ~up
            if low.any():
                out[low] = self._lower_quantile(p_lower[low], self._pick(shape, low))
            lowest, highest = 0.0, np.inf
        out[(p_lower == 0) & (prob >= 0) & (prob <= 1)] = lowest
        out[(p_upper == 0) & (prob >= 0) & (prob <= 1)] = highest
        return out[()] if out.ndim == 0 else out

    @staticmethod
    def _pick(shape: list, mask: np.ndarray) -> list:
        return [s[mask] for s in shape]

    def _lower_quantile(self, q: np.ndarray, shape: list) -> np.ndarray:
        """The ``x`` in ``[0, median]`` with ``cdf(x) = q`` for a distribution on ``[0, inf)``.

        Bisection on ``[0, median]``, with Newton steps ``x - (cdf(x) - q)/pdf(x)`` (33.9)
        taken when they stay inside; in the log of x, the lower tail is resolved down to
        the smallest positive quantiles.
        """
        hi = _solve_upper_tail(lambda v: self.sf(v, *shape), lambda v: self.pdf(v, *shape),
                               np.full(q.shape, 0.5), 0.0)
        lo = np.zeros(q.shape)
        x = 0.5 * hi
        for _ in range(1200):                 # bisection alone reaches the subnormals in ~1100
            c = self.cdf(x, *shape)
            lo = np.where(c < q, x, lo)
            hi = np.where(c < q, hi, x)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = x - (c - q) / self.pdf(x, *shape)
            inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
            # Halve towards zero geometrically when the bracket spans many decades.
            mid = np.where(lo > 0, np.sqrt(lo * hi), 0.5 * hi)
            mid = np.where(hi > 4 * np.maximum(lo, TINY), mid, 0.5 * (lo + hi))
            x_new = np.where(inside, newton, mid)
            done = (np.abs(x_new - x) <= 4 * EPS * np.abs(x)) | (hi - lo <= 4 * EPS * hi)
            x = x_new
            if done.all():
                break
        return x


f = Distribution("f", _f_tails, _f_pdf, symmetric=False)
t = Distribution("t", _t_tails, _t_pdf, symmetric=True)
chi2 = Distribution("chi2", _chi2_tails, _chi2_pdf, symmetric=False)
norm = Distribution("norm", lambda x: _norm_tails(x), lambda x: _norm_pdf(x), symmetric=True)
