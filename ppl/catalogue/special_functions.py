"""Special functions on NumPy arrays: the one home of their NumPy forms.

Everything that evaluates maths on arrays outside generated code reads these:
the catalogue's log densities lambdified by ``ppl.catalogue.density`` (SymPy's
``loggamma``, ``polygamma``, ``sigmoid``, ``softplus``, ... map onto
``NUMPY_FUNCTIONS`` below), the transforms' NumPy forms, the data stage's
evaluator, and the library's closed forms (cdfs, moments, normalisers).  The
Numba scalar forms for generated code live in ``ppl/runtime/special.py``;
this module imports neither Numba, SciPy nor SymPy.

erf, erfc, gamma and lgamma below 10 lift ``math``'s (exact to rounding) with
``np.vectorize``; lgamma from 10 on is Stirling's series, digamma and trigamma
the recurrence and asymptotic series (about 1e-13 relative).

The regularised incomplete gamma P(a, x), Q(a, x) and beta I_x(a, b) (the
cdfs of the Gamma, Beta, StudentT and count families) have no ``math``
counterpart; they are written here as array loops over Numerical Recipes'
series and continued fractions (Press et al. 2007, §6.2 and §6.4), in log
space so that log cdfs stay finite where the cdfs underflow.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_gamma = np.vectorize(math.gamma, otypes=[np.float64])
_math_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def erf(x):
    return _erf(np.asarray(x, dtype=np.float64))[()]


def erfc(x):
    return _erfc(np.asarray(x, dtype=np.float64))[()]


def gamma(x):
    return _gamma(np.asarray(x, dtype=np.float64))[()]


# ---- lgamma and its derivatives ------------------------------------------------------

# Stirling's series, lgamma(z) - ((z - 1/2) log z - z + log √(2π)) = Σ_k c_k / z^(2k-1)
_STIRLING_COEFFICIENTS = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)


def _stirling_series(z):
    """Σ_k B_2k / (2k (2k - 1) z^(2k-1)) to seven terms: below 1e-17 from the next for z >= 10."""
    inverse = 1.0 / z
    inverse_square = inverse * inverse
    series = np.zeros_like(z)
    for coefficient in reversed(_STIRLING_COEFFICIENTS):
        series = series * inverse_square + coefficient
    return series * inverse


def lgamma(x):
    """log |Γ(x)|, vectorised: Stirling's series from 10 on (its error is below rounding
    there), ``math.lgamma`` (exact to rounding) below; +inf at the poles 0, -1, -2, ..."""
    x = np.asarray(x, dtype=np.float64)
    result = np.full(x.shape, np.inf)
    large = (x >= 10.0) & (x < np.inf)
    z = x[large]
    result[large] = (z - 0.5) * np.log(z) - z + _HALF_LOG_2PI + _stirling_series(z)
    small = (x < 10.0) & ~((x <= 0) & (x == np.floor(x)))
    result[small] = _math_lgamma(x[small])
    result[np.isnan(x)] = np.nan
    return result[()]


def _raised_to_20(x, term):
    """(x + n, term(x) + ... + term(x + n - 1)) with n the fewest whole steps that reach 20,
    elementwise: the recurrences psi(x) = psi(x + 1) - 1/x and psi'(x) = psi'(x + 1) + 1/x²
    carry the polygammas to where their asymptotic series converge."""
    step = x.copy()
    correction = np.zeros_like(step)
    while (step < 20.0).any():
        small = step < 20.0
        correction += np.where(small, term(step), 0.0)
        step = np.where(small, step + 1.0, step)
    return step, correction


def digamma(x):
    """d/dx lgamma(x): recurrence up to x >= 20, then the asymptotic series; reflection for x <= 0."""
    x = np.asarray(x, dtype=np.float64)
    result = np.full(x.shape, np.nan)
    positive = x > 0
    step, correction = _raised_to_20(x[positive], lambda z: -1.0 / z)
    inverse_squared = 1.0 / (step * step)
    series = inverse_squared * (1.0 / 12 - inverse_squared * (1.0 / 120 - inverse_squared * (
        1.0 / 252 - inverse_squared * (1.0 / 240 - inverse_squared / 132.0))))
    result[positive] = correction + np.log(step) - 0.5 / step - series
    negative = (x <= 0) & (x != np.floor(x))
    if negative.any():
        z = x[negative]
        result[negative] = digamma(1.0 - z) - np.pi / np.tan(np.pi * z)
    return result[()]


def trigamma(x):
    """d/dx digamma(x): recurrence up to x >= 20, then the asymptotic series; reflection for x <= 0."""
    x = np.asarray(x, dtype=np.float64)
    result = np.full(x.shape, np.nan)
    positive = x > 0
    step, correction = _raised_to_20(x[positive], lambda z: 1.0 / (z * z))
    inverse = 1.0 / step
    inverse_squared = inverse * inverse
    series = inverse * (1.0 + inverse * (0.5 + inverse * (1.0 / 6 - inverse_squared * (
        1.0 / 30 - inverse_squared * (1.0 / 42 - inverse_squared * (1.0 / 30 - inverse_squared * 5.0 / 66))))))
    result[positive] = correction + series
    negative = (x <= 0) & (x != np.floor(x))
    if negative.any():
        z = x[negative]
        result[negative] = np.pi ** 2 / np.sin(np.pi * z) ** 2 - trigamma(1.0 - z)
    return result[()]


def polygamma(order, x):
    """SymPy's polygamma(order, x) for the orders its derivatives of lgamma reach (0 and 1)."""
    if order == 0:
        return digamma(x)
    if order == 1:
        return trigamma(x)
    raise NotImplementedError(f"polygamma of order {order}")


# ---- the normal cdf, the logistic function and friends ---------------------------------

def ndtr(z):
    """The standard normal cdf Φ(z) = erfc(-z / √2) / 2 (erfc keeps the lower tail accurate)."""
    return 0.5 * erfc(-np.asarray(z, dtype=np.float64) / math.sqrt(2.0))


def log_ndtr(z):
    """log Φ(z).  For z >= -37, log of ``ndtr`` (still a normal float there); below, the
    asymptotic series Φ(z) ≈ φ(z) / |z| · (1 - 1/z² + 3/z⁴ - ... + 10395/z¹²), whose first
    omitted term is below 1e-15 relative (Abramowitz and Stegun 26.2.12).  The Numba form
    (``ppl.runtime.special.log_ndtr``) is the same algorithm."""
    z = np.asarray(z, dtype=np.float64)
    tail = z < -37.0
    safe = np.where(tail, -37.0, z)
    with np.errstate(divide="ignore"):
        # above 0, log1p of the upper tail keeps the relative accuracy that log(1 - tiny) loses
        direct = np.where(safe > 0, np.log1p(-ndtr(-np.abs(safe))), np.log(ndtr(safe)))
    inverse_square = 1.0 / np.where(tail, z, -37.0) ** 2
    series = 10395.0
    for coefficient in (945.0, 105.0, 15.0, 3.0, 1.0):
        series = coefficient - inverse_square * series
    series = 1.0 - inverse_square * series
    asymptotic = (-0.5 * z ** 2 - _HALF_LOG_2PI - np.log(np.abs(np.where(tail, z, -37.0)))
                  + np.log(series))
    return np.where(tail, asymptotic, direct)[()]


def log_normal_mass(low, high):
    """log(Φ(high) - Φ(low)) for low < high, from the tail both ends lie in: above 0 as
    Φ(-low) - Φ(-high), so that an interval far in the upper tail is not the difference of two
    numbers that round to 1.  As ``special.log_normal_mass`` (Numba) computes it."""
    low, high = np.broadcast_arrays(np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64))
    upper_tail = low > 0
    near = np.where(upper_tail, log_ndtr(-low), log_ndtr(high))
    far = np.where(upper_tail, log_ndtr(-high), log_ndtr(low))
    return (near + log1mexp(far - near))[()]


def sigmoid(x):
    """1 / (1 + exp(-x)), from exp(-|x|) so that neither side overflows."""
    x = np.asarray(x, dtype=np.float64)
    exp_minus_abs = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + exp_minus_abs), exp_minus_abs / (1.0 + exp_minus_abs))[()]


def softplus(x):
    """log(1 + exp(x)) without overflow."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def log_sigmoid(x):
    """log(1 / (1 + exp(-x))) = -softplus(-x), without overflow."""
    return -softplus(-np.asarray(x, dtype=np.float64))


def log_softmax(logits, axis=-1):
    """logits - logsumexp(logits) along axis (shifted by the maximum for stability)."""
    logits = np.asarray(logits, dtype=np.float64)
    return logits - logsumexp(logits, axis=axis, keepdims=True)


def logsumexp(values, axis=-1, keepdims=False):
    """log Σ exp(values) along axis, shifted by the maximum; -inf when all are -inf."""
    values = np.asarray(values, dtype=np.float64)
    maximum = np.max(values, axis=axis, keepdims=True)
    maximum = np.where(np.isfinite(maximum), maximum, 0.0)
    with np.errstate(divide="ignore"):
        result = np.log(np.sum(np.exp(values - maximum), axis=axis, keepdims=True)) + maximum
    return result if keepdims else np.squeeze(result, axis=axis)


# ---- the regularised incomplete gamma and beta functions --------------------------------

_EPSILON = np.finfo(np.float64).eps
_TINY = 1e-300                    # Lentz's guard against a zero denominator
_MAX_ITERATIONS = 20_000          # the series and fractions take O(sqrt(a)) terms


def stirling_correction(z):
    """lgamma(z) - ((z - 1/2) log z - z + log √(2π)), the remainder of Stirling's formula.

    For z >= 10, its asymptotic series (``_stirling_series``); below, the difference itself,
    whose terms are small enough not to cancel badly.  Separating it lets the incomplete
    gamma and beta prefactors cancel the large terms of lgamma analytically
    (``_log_prefactor_gamma``)."""
    z = np.asarray(z, dtype=np.float64)
    large = z >= 10.0
    series = _stirling_series(np.where(large, z, 10.0))
    safe_small = np.where(large, 1.0, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        direct = lgamma(safe_small) - ((safe_small - 0.5) * np.log(safe_small) - safe_small + _HALF_LOG_2PI)
    return np.where(large, series, direct)


def _log_ratio_minus_linear(ratio, difference):
    """log(r) - (r - 1) for r = ratio, given difference = r - 1 computed without cancellation:
    log1p near r = 1, where log r and r - 1 nearly cancel; log r elsewhere (log1p would lose
    r when r is tiny)."""
    near = np.abs(difference) < 0.5
    with np.errstate(divide="ignore"):
        return np.where(near, np.log1p(np.where(near, difference, 0.0)) - difference, np.log(ratio) - difference)


def _log_prefactor_gamma(a, x):
    """log(x^a e^-x / Γ(a + 1)), written as a (log r - (r - 1)) - log √(2π a) - correction(a)
    with r = x / a: the three terms of size a log a in a log x - x - lgamma(a + 1) cancel
    exactly, so a = 1e4 loses no digits to them."""
    return (a * _log_ratio_minus_linear(x / a, (x - a) / a) - _HALF_LOG_2PI - 0.5 * np.log(a)
            - stirling_correction(a))


def _log_prefactor_beta(a, b, x, y):
    """log(x^a y^b / B(a, b)) for y = 1 - x, around the mode x0 = a / (a + b):

        a (log r - (r - 1)) + b (log s - (s - 1)) + log √(ab / (2π (a + b)))
            + correction(a + b) - correction(a) - correction(b),

    r = x / x0, s = y / (1 - x0); the linear terms a (r - 1) + b (s - 1) sum to zero."""
    total = a + b
    x0 = a / total
    y0 = b / total
    return (a * _log_ratio_minus_linear(x / x0, (x - x0) / x0) + b * _log_ratio_minus_linear(y / y0, (y - y0) / y0)
            + 0.5 * np.log(a * b / total) - _HALF_LOG_2PI
            + stirling_correction(total) - stirling_correction(a) - stirling_correction(b))


def _until_converged(step, state, answer):
    """Iterate ``state = step(n, *state)`` (n = 1, 2, ...) over flat arrays, retiring each
    entry once its ``converged`` flag is set: returns answer(*state) per entry.  Entries
    still running after _MAX_ITERATIONS keep their last value."""
    size = state[0].size
    result = np.empty(size)
    positions = np.arange(size)
    for n in range(1, _MAX_ITERATIONS + 1):
        if positions.size == 0:
            return result
        *state, converged = step(n, *state)
        if converged.any():
            result[positions[converged]] = answer(*state)[converged]
            running = ~converged
            positions = positions[running]
            state = [array[running] for array in state]
    result[positions] = answer(*state)
    return result


def _gamma_series_step(n, a, x, term, total):
    term = term * x / (a + n)
    total = total + term
    return a, x, term, total, np.abs(term) < np.abs(total) * _EPSILON


def _gamma_fraction_step(n, a, x, b, c, d, h):
    """One step of the modified Lentz algorithm for Q's continued fraction (NR's gcf)."""
    an = -n * (n - a)
    b = b + 2.0
    d = an * d + b
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    c = b + an / c
    c = np.where(np.abs(c) < _TINY, _TINY, c)
    d = 1.0 / d
    delta = d * c
    h = h * delta
    return a, x, b, c, d, h, np.abs(delta - 1.0) <= _EPSILON


def log_incomplete_gamma(a, x):
    """(log P(a, x), log Q(a, x)) for the regularised incomplete gamma functions

        P(a, x) = γ(a, x) / Γ(a) = ∫_0^x t^(a-1) e^-t dt / Γ(a),   Q = 1 - P,

    broadcast over a > 0 and x.  For x < a + 1, P from its series
    x^a e^-x / Γ(a + 1) Σ_n x^n / ((a + 1) ... (a + n)); otherwise Q from its continued
    fraction, by Lentz's method (Numerical Recipes §6.2).  The function computed directly
    is accurate to a few ulps times √a; the other is its complement, taken in log space
    (log1p(-exp)) so that neither underflows before its logarithm is taken."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    log_lower = np.full(a.shape, np.nan)
    log_upper = np.full(a.shape, np.nan)
    valid = a > 0
    at_zero = valid & (x <= 0)
    at_infinity = valid & (x == np.inf)
    log_lower[at_zero], log_upper[at_zero] = -np.inf, 0.0
    log_lower[at_infinity], log_upper[at_infinity] = 0.0, -np.inf
    inside = valid & (x > 0) & (x < np.inf)
    series = inside & (x < a + 1)
    fraction = inside & ~series
    if series.any():
        sa, sx = a[series], x[series]
        ones = np.ones_like(sa)
        total = _until_converged(_gamma_series_step, [sa, sx, ones, ones], lambda a, x, term, total: total)
        log_lower[series] = _log_prefactor_gamma(sa, sx) + np.log(total)
        log_upper[series] = log1mexp(log_lower[series])
    if fraction.any():
        fa, fx = a[fraction], x[fraction]
        b = fx + 1.0 - fa
        state = [fa, fx, b, np.full_like(fa, 1.0 / _TINY), 1.0 / b, 1.0 / b]
        h = _until_converged(_gamma_fraction_step, state, lambda a, x, b, c, d, h: h)
        log_upper[fraction] = _log_prefactor_gamma(fa, fx) + np.log(fa) + np.log(h)
        log_lower[fraction] = log1mexp(log_upper[fraction])
    return log_lower.reshape(shape)[()], log_upper.reshape(shape)[()]


def gammainc(a, x):
    """The regularised lower incomplete gamma P(a, x) (scipy.special.gammainc)."""
    return np.exp(log_incomplete_gamma(a, x)[0])


def gammaincc(a, x):
    """The regularised upper incomplete gamma Q(a, x) = 1 - P(a, x) (scipy.special.gammaincc)."""
    return np.exp(log_incomplete_gamma(a, x)[1])


def _beta_fraction_step(n, a, b, x, c, d, h):
    """Two steps (the even and the odd term) of Lentz's method for I_x's continued
    fraction (NR's betacf)."""
    twice = 2.0 * n
    numerator = n * (b - n) * x / ((a - 1.0 + twice) * (a + twice))
    d = 1.0 + numerator * d
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    c = 1.0 + numerator / c
    c = np.where(np.abs(c) < _TINY, _TINY, c)
    h = h * d * c
    numerator = -(a + n) * (a + b + n) * x / ((a + twice) * (a + 1.0 + twice))
    d = 1.0 + numerator * d
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    c = 1.0 + numerator / c
    c = np.where(np.abs(c) < _TINY, _TINY, c)
    delta = d * c
    h = h * delta
    return a, b, x, c, d, h, np.abs(delta - 1.0) <= _EPSILON


def _log_beta_fraction(a, b, x):
    """log of NR's betacf(a, b, x), for x < (a + 1) / (a + b + 2), where it converges in
    O(√max(a, b)) steps."""
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    state = [a, b, x, np.ones_like(a), d, d]
    return np.log(_until_converged(_beta_fraction_step, state, lambda a, b, x, c, d, h: h))


def log_incomplete_beta(a, b, x, y=None):
    """(log I_x(a, b), log (1 - I_x(a, b))) for the regularised incomplete beta function

        I_x(a, b) = ∫_0^x t^(a-1) (1 - t)^(b-1) dt / B(a, b),

    broadcast over a, b > 0 and x.  ``y`` is 1 - x, for callers that know it more
    accurately than 1 - x in floating point (a StudentT's t² / (ν + t²)); it must be
    1 - x.  For x < (a + 1) / (a + b + 2) the continued fraction gives I_x(a, b)
    directly; beyond, the symmetry 1 - I_x(a, b) = I_(1-x)(b, a) gives the complement
    directly (Numerical Recipes §6.4).  The other of the pair is taken in log space."""
    x = np.asarray(x, dtype=np.float64)
    y = 1.0 - x if y is None else np.asarray(y, dtype=np.float64)
    a, b, x, y = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), x, y)
    shape = a.shape
    a, b, x, y = a.ravel(), b.ravel(), x.ravel(), y.ravel()
    log_lower = np.full(a.shape, np.nan)
    log_upper = np.full(a.shape, np.nan)
    valid = (a > 0) & (b > 0) & ~np.isnan(x) & ~np.isnan(y)
    at_zero = valid & (x <= 0)
    at_one = valid & ~at_zero & (y <= 0)
    log_lower[at_zero], log_upper[at_zero] = -np.inf, 0.0
    log_lower[at_one], log_upper[at_one] = 0.0, -np.inf
    inside = valid & ~at_zero & ~at_one
    direct = inside & (x < (a + 1.0) / (a + b + 2.0))
    mirrored = inside & ~direct
    if direct.any():
        da, db, dx, dy = a[direct], b[direct], x[direct], y[direct]
        log_lower[direct] = _log_prefactor_beta(da, db, dx, dy) + _log_beta_fraction(da, db, dx) - np.log(da)
        log_upper[direct] = log1mexp(log_lower[direct])
    if mirrored.any():
        ma, mb, mx, my = a[mirrored], b[mirrored], x[mirrored], y[mirrored]
        log_upper[mirrored] = _log_prefactor_beta(ma, mb, mx, my) + _log_beta_fraction(mb, ma, my) - np.log(mb)
        log_lower[mirrored] = log1mexp(log_upper[mirrored])
    return log_lower.reshape(shape)[()], log_upper.reshape(shape)[()]


def betainc(a, b, x):
    """The regularised incomplete beta I_x(a, b) (scipy.special.betainc)."""
    return np.exp(log_incomplete_beta(a, b, x)[0])


def log_student_t_cdf(df, z):
    """log F(z) for the standard StudentT: log(I / 2) below 0, log1m_exp of it above, with
    I = I_w(df/2, 1/2) = P(|T| > |z|), w = df / (df + z²).  w and 1 - w = z² / (df + z²) are
    formed from z² / df so that each keeps its relative accuracy (and z = ±inf gives w = 0).
    ``ppl.runtime.incomplete.log_student_t_cdf`` is the Numba form."""
    df, z = np.broadcast_arrays(np.asarray(df, dtype=np.float64), np.asarray(z, dtype=np.float64))
    ratio = z ** 2 / df
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = 1.0 / (1.0 + ratio)
        complement = 1.0 / (1.0 + 1.0 / ratio)
    log_half_tail = log_incomplete_beta(df / 2, 0.5, weight, complement)[0] - math.log(2.0)
    return np.where(z < 0, log_half_tail, log1mexp(log_half_tail))[()]


def log1mexp(log_value):
    """log(1 - exp(v)) for v <= 0: log(-expm1(v)) near 0, log1p(-exp(v)) below -log 2
    (Mächler 2012, "Accurately computing log(1 - exp(-|a|))")."""
    log_value = np.asarray(log_value, dtype=np.float64)
    near = log_value > -math.log(2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(near, np.log(-np.expm1(np.where(near, log_value, -1.0))),
                        np.log1p(-np.exp(np.where(near, -1.0, log_value))))


def log_cumulative_mass(log_masses, index):
    """log Σ_{j <= index} p_j for log p_j along the last axis of ``log_masses`` (a cdf over
    the support {0, ..., J - 1}); -inf for index < 0, exactly 0 for index >= J - 1, NaN for
    a NaN index.  ``index`` broadcasts against the leading axes of log_masses."""
    log_masses = np.asarray(log_masses, dtype=np.float64)
    index = np.asarray(index, dtype=np.float64)
    size = log_masses.shape[-1]
    cumulative = np.logaddexp.accumulate(log_masses, axis=-1)
    shape = np.broadcast_shapes(index.shape, log_masses.shape[:-1])
    index = np.broadcast_to(index, shape)
    position = np.clip(np.nan_to_num(index, nan=0.0), 0, size - 1).astype(np.int64)
    gathered = np.take_along_axis(np.broadcast_to(cumulative, shape + (size,)), position[..., None], -1)[..., 0]
    result = np.where(index < 0, -np.inf, np.where(index >= size - 1, 0.0, gathered))
    return np.where(np.isnan(index), np.nan, result)[()]


# ---- the modified Bessel functions I0 and I1 (the VonMises normaliser) --------------------

_BESSEL_SERIES_BELOW = 20.0


def bessel_i0e_i1e_scalar(x):
    """(exp(-x) I0(x), exp(-x) I1(x)) for one x >= 0 (``ppl.runtime.special._bessel_i0e_i1e``
    is its Numba form).

    Below 20, the power series I_n(x) = Σ_m (x/2)^(2m+n) / (m! (m+n)!), whose terms are all
    positive, scaled by exp(-x) at the end (I0(20) = 4e7 is far from overflowing).  From 20 on,
    the asymptotic expansion e^x / √(2πx) Σ_j (-1)^j Π_{i<=j} (4n² - (2i-1)²) / (j! (8x)^j)
    (Abramowitz and Stegun 9.7.1), whose smallest term at x = 20 is below 1e-16: it is summed
    until a term no longer changes the total."""
    if x < _BESSEL_SERIES_BELOW:
        quarter_square = 0.25 * x * x
        term0, term1 = 1.0, 0.5 * x
        total0, total1 = term0, term1
        m = 1
        while m < 200:
            term0 *= quarter_square / (m * m)
            term1 *= quarter_square / (m * (m + 1.0))
            total0 += term0
            total1 += term1
            if term0 < 1e-17 * total0 and term1 < 1e-17 * total1:
                break
            m += 1
        scale = math.exp(-x)
        return total0 * scale, total1 * scale
    inverse_8x = 1.0 / (8.0 * x)
    term0, term1 = 1.0, 1.0
    total0, total1 = 1.0, 1.0
    j = 1
    while j < 60:
        odd_square = (2.0 * j - 1.0) ** 2
        term0 *= odd_square * inverse_8x / j
        term1 *= -(4.0 - odd_square) * inverse_8x / j
        total0 += term0
        total1 += term1
        if abs(term0) < 1e-17 * total0 and abs(term1) < 1e-17 * total1:
            break
        j += 1
    normaliser = 1.0 / math.sqrt(2.0 * math.pi * x)
    return total0 * normaliser, total1 * normaliser


def _log_bessel_i0_scalar(x):
    if x != x or x < 0:
        return math.nan
    if x == math.inf:
        return math.inf
    return math.log(bessel_i0e_i1e_scalar(x)[0]) + x


def _bessel_i1_i0_ratio_scalar(x):
    if x != x or x < 0:
        return math.nan
    if x == math.inf:
        return 1.0
    scaled_i0, scaled_i1 = bessel_i0e_i1e_scalar(x)
    return scaled_i1 / scaled_i0


_log_bessel_i0 = np.vectorize(_log_bessel_i0_scalar, otypes=[np.float64])
_bessel_i1_i0_ratio = np.vectorize(_bessel_i1_i0_ratio_scalar, otypes=[np.float64])


def log_bessel_i0(x):
    """log I0(x) = log(i0e(x)) + x for x >= 0: finite where I0 itself overflows."""
    return _log_bessel_i0(np.asarray(x, dtype=np.float64))[()]


def bessel_i1_i0_ratio(x):
    """I1(x) / I0(x) = i1e(x) / i0e(x), the derivative of log I0(x), for x >= 0."""
    return _bessel_i1_i0_ratio(np.asarray(x, dtype=np.float64))[()]


# what ``sympy.lambdify`` calls for the functions of SymPy expressions that NumPy lacks (SymPy's
# loggamma and polygamma, and ppl.catalogue.sympy_functions), by the SymPy function's name
SYMPY_FUNCTIONS: dict[str, Callable] = {
    "loggamma": lgamma,
    "polygamma": polygamma,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "log1m_exp": log1mexp,
    "Phi": ndtr,
    "log_ndtr": log_ndtr,
    "log_normal_mass": log_normal_mass,
    "log_bessel_i0": log_bessel_i0,
    "bessel_i1_i0_ratio": bessel_i1_i0_ratio,
    "erf": erf,
    "log_gamma_p": lambda a, x: log_incomplete_gamma(a, x)[0],
    "log_gamma_q": lambda a, x: log_incomplete_gamma(a, x)[1],
    "log_inc_beta": lambda a, b, x: log_incomplete_beta(a, b, x)[0],
    "log1m_inc_beta": lambda a, b, x: log_incomplete_beta(a, b, x)[1],
    "log_student_t_cdf": log_student_t_cdf,
    "erfc": erfc,
    "where": lambda condition, a, b: np.where(condition, a, b),
}
