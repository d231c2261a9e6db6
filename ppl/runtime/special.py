"""Special functions as Numba scalar functions: their one home for compiled code.

The generated log densities and gradients call these by name (the table in
codegen/sympy_numba.py maps SymPy functions onto them), and so do the
transforms and the samplers.  Each is written for numerical stability over
the whole real line, since a sampler's early iterations visit extreme
values.  Their NumPy forms, for arrays, are in ppl/catalogue/special_functions.py.
"""

from __future__ import annotations

import math

import numba

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@numba.njit(cache=True, error_model="numpy")
def softplus(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).

    Written without a branch, as `sigmoid` below, so that a loop calling both (a Bernoulli's
    log density and its derivative) computes exp(-|x|) once and compiles to selects; each
    result is bitwise the one of the two-branch form (x + log1p(exp(-x)) for x > 0, else
    log1p(exp(x)))."""
    return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))


@numba.njit(cache=True, error_model="numpy")
def log_sigmoid(x):
    """log(1 / (1 + exp(-x))) = -softplus(-x)."""
    return -softplus(-x)


@numba.njit(cache=True, error_model="numpy")
def sigmoid(x):
    """1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) below, from the same exp(-|x|)."""
    e = math.exp(-abs(x))
    return (1.0 if x >= 0.0 else e) / (1.0 + e)


@numba.njit(cache=True, error_model="numpy")
def logaddexp(a, b):
    """log(exp(a) + exp(b)); -inf when both are -inf."""
    if a == -math.inf and b == -math.inf:
        return -math.inf
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


@numba.njit(cache=True, error_model="numpy")
def log1m_exp(x):
    """log(1 - exp(x)) for x < 0, switching form at -log 2 (Maechler 2012)."""
    if x > -0.6931471805599453:
        return math.log(-math.expm1(x))
    return math.log1p(-math.exp(x))


@numba.njit(cache=True, error_model="numpy")
def Phi(x):
    """The standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@numba.njit(cache=True, error_model="numpy")
def log_ndtr(x):
    """log Φ(x), the same algorithm as the NumPy form in ppl/catalogue/special_functions.py: above
    0, log1p of minus the upper tail; from -37 to 0, log of erfc (accurate to rounding, and still
    a normal float at -37); below, the asymptotic series of Φ(x) |x| / φ(x) to x**-12 (its
    first omitted term is below 1e-15 relative there; Abramowitz and Stegun 26.2.12)."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x / math.sqrt(2.0)))
    if x > -37.0:
        return math.log(0.5 * math.erfc(-x / math.sqrt(2.0)))
    inverse_square = 1.0 / (x * x)
    series = 1.0 - inverse_square * (1.0 - inverse_square * (3.0 - inverse_square * (
        15.0 - inverse_square * (105.0 - inverse_square * (945.0 - inverse_square * 10395.0)))))
    return -0.5 * x * x - _LOG_SQRT_2PI - math.log(-x) + math.log(series)


@numba.njit(cache=True, error_model="numpy")
def log_normal_mass(low, high):
    """log(Phi(high) - Phi(low)) for low < high, from the tail both ends lie in (above 0 as
    Phi(-low) - Phi(-high)), so that an interval far in the upper tail keeps its digits."""
    if low > 0.0:
        near = log_ndtr(-low)
        far = log_ndtr(-high)
    else:
        near = log_ndtr(high)
        far = log_ndtr(low)
    return near + log1m_exp(far - near)


@numba.njit(cache=True, error_model="numpy")
def _bessel_i0e_i1e(x):
    """(exp(-x) I0(x), exp(-x) I1(x)) for x >= 0: the power series of positive terms below 20,
    the asymptotic expansion (Abramowitz and Stegun 9.7.1) from 20 on, as
    ``special_functions.bessel_i0e_i1e_scalar`` for arrays."""
    if x < 20.0:
        quarter_square = 0.25 * x * x
        term0, term1 = 1.0, 0.5 * x
        total0, total1 = term0, term1
        for m in range(1, 200):
            term0 *= quarter_square / (m * m)
            term1 *= quarter_square / (m * (m + 1.0))
            total0 += term0
            total1 += term1
            if term0 < 1e-17 * total0 and term1 < 1e-17 * total1:
                break
        scale = math.exp(-x)
        return total0 * scale, total1 * scale
    inverse_8x = 1.0 / (8.0 * x)
    term0, term1 = 1.0, 1.0
    total0, total1 = 1.0, 1.0
    for j in range(1, 60):
        odd_square = (2.0 * j - 1.0) ** 2
        term0 *= odd_square * inverse_8x / j
        term1 *= -(4.0 - odd_square) * inverse_8x / j
        total0 += term0
        total1 += term1
        if abs(term0) < 1e-17 * total0 and abs(term1) < 1e-17 * total1:
            break
    normaliser = 1.0 / math.sqrt(2.0 * math.pi * x)
    return total0 * normaliser, total1 * normaliser


@numba.njit(cache=True, error_model="numpy")
def log_bessel_i0(x):
    """log I0(x) = log(i0e(x)) + x for x >= 0: finite where I0 overflows (x > 713)."""
    if x != x or x < 0.0:
        return math.nan
    if x == math.inf:
        return math.inf
    return math.log(_bessel_i0e_i1e(x)[0]) + x


@numba.njit(cache=True, error_model="numpy")
def bessel_i1_i0_ratio(x):
    """I1(x) / I0(x), the derivative of log I0(x), for x >= 0."""
    if x != x or x < 0.0:
        return math.nan
    if x == math.inf:
        return 1.0
    scaled_i0, scaled_i1 = _bessel_i0e_i1e(x)
    return scaled_i1 / scaled_i0


@numba.njit(cache=True, error_model="numpy")
def digamma(x):
    """d/dx lgamma(x): recurrence up to x >= 20, then the asymptotic series (whose first
    omitted term there is below 1e-17).

    For x <= 0 (non-integer) the reflection formula psi(1 - x) - pi / tan(pi x).
    Accurate to about 1e-13 relative for x > 0.
    """
    if x <= 0.0:
        if x == math.floor(x):
            return math.nan
        return digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    result = 0.0
    while x < 20.0:
        result -= 1.0 / x
        x += 1.0
    inverse = 1.0 / x
    inverse_squared = inverse * inverse
    series = inverse_squared * (1.0 / 12 - inverse_squared * (1.0 / 120 - inverse_squared * (
        1.0 / 252 - inverse_squared * (1.0 / 240 - inverse_squared * (1.0 / 132)))))
    return result + math.log(x) - 0.5 * inverse - series


@numba.njit(cache=True, error_model="numpy")
def trigamma(x):
    """d/dx digamma(x), by recurrence to x >= 20 and the asymptotic series (x > 0)."""
    result = 0.0
    while x < 20.0:
        result += 1.0 / (x * x)
        x += 1.0
    inverse = 1.0 / x
    inverse_squared = inverse * inverse
    # 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7) - 1/(30x^9) + 5/(66x^11)
    series = inverse * (1.0 + inverse * (0.5 + inverse * (1.0 / 6 - inverse_squared * (
        1.0 / 30 - inverse_squared * (1.0 / 42 - inverse_squared * (1.0 / 30 - inverse_squared * 5.0 / 66))))))
    return result + series


@numba.njit(cache=True, error_model="numpy")
def lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@numba.njit(cache=True, error_model="numpy")
def sign(x):
    """The derivative of abs: -1, 0 or 1."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return 0.0


# ---- the regularised incomplete gamma function, in logs -----------------------------------
# The same algorithm as ``log_incomplete_gamma`` in ppl/catalogue/special_functions.py (its
# NumPy form, which documents it): the series of P below x = a + 1, the continued fraction of Q
# above (Numerical Recipes §6.2), the prefactor x^a e^-x / Γ(a + 1) written so that its terms
# of size a log a cancel exactly, and the other function as log1m_exp of the one computed.

_EPSILON = 2.220446049250313e-16
_TINY = 1e-300
_MAX_ITERATIONS = 20_000
_STIRLING_COEFFICIENTS = (1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156)


@numba.njit(cache=True, error_model="numpy")
def _stirling_correction(z):
    """lgamma(z) - ((z - 1/2) log z - z + log √(2π)): its series from z = 10, the difference below."""
    if z < 10.0:
        return math.lgamma(z) - ((z - 0.5) * math.log(z) - z + _LOG_SQRT_2PI)
    inverse = 1.0 / z
    inverse_square = inverse * inverse
    series = 0.0
    for k in range(len(_STIRLING_COEFFICIENTS) - 1, -1, -1):
        series = series * inverse_square + _STIRLING_COEFFICIENTS[k]
    return series * inverse


@numba.njit(cache=True, error_model="numpy")
def _log_prefactor_gamma(a, x):
    """log(x^a e^-x / Γ(a + 1)) as a (log r - (r - 1)) - log √(2π a) - correction(a), r = x / a."""
    difference = (x - a) / a
    if abs(difference) < 0.5:
        log_ratio_minus_linear = math.log1p(difference) - difference
    else:
        log_ratio_minus_linear = math.log(x / a) - difference
    return a * log_ratio_minus_linear - _LOG_SQRT_2PI - 0.5 * math.log(a) - _stirling_correction(a)


@numba.njit(cache=True, error_model="numpy")
def _log_incomplete_gamma(a, x, upper):
    """log P(a, x), or log Q(a, x) when ``upper``; NaN for a <= 0 or a NaN argument."""
    if not a > 0.0 or x != x:
        return math.nan
    if x <= 0.0:
        return 0.0 if upper else -math.inf
    if x == math.inf:
        return -math.inf if upper else 0.0
    if x < a + 1.0:
        term = 1.0
        total = 1.0
        for n in range(1, _MAX_ITERATIONS + 1):
            term *= x / (a + n)
            total += term
            if abs(term) < abs(total) * _EPSILON:
                break
        log_lower = _log_prefactor_gamma(a, x) + math.log(total)
        return log1m_exp(log_lower) if upper else log_lower
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for n in range(1, _MAX_ITERATIONS + 1):
        an = -n * (n - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= _EPSILON:
            break
    log_upper = _log_prefactor_gamma(a, x) + math.log(a) + math.log(h)
    return log_upper if upper else log1m_exp(log_upper)


@numba.njit(cache=True, error_model="numpy")
def log_gamma_p(a, x):
    """log P(a, x), the regularised lower incomplete gamma function (Gamma's cdf at rate x = x)."""
    return _log_incomplete_gamma(a, x, False)


@numba.njit(cache=True, error_model="numpy")
def log_gamma_q(a, x):
    """log Q(a, x) = log(1 - P(a, x)) (Poisson's cdf at k is Q(k + 1, rate))."""
    return _log_incomplete_gamma(a, x, True)
