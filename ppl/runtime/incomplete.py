"""The regularised incomplete gamma and beta functions in logs, with their derivatives in the
shape parameters, as Numba scalar functions (generated code calls them as ``incomplete.NAME``;
the table in codegen/sympy_numba.py maps the SymPy functions of ppl/catalogue/sympy_functions.py
onto them).

    P(a, x) = γ(a, x) / Γ(a),  Q = 1 - P               (Gamma, Chi2, InverseGamma, Poisson)
    I_x(a, b) = ∫_0^x t^(a-1) (1 - t)^(b-1) dt / B(a, b)  (Beta, StudentT, Binomial, NegativeBinomial)

The values are the algorithms of their NumPy forms (``log_incomplete_gamma`` and
``log_incomplete_beta`` in ppl/catalogue/special_functions.py, which document them): P's series
below x = a + 1 and Q's continued fraction above (Numerical Recipes §6.2); I_x(a, b)'s continued
fraction for x < (a + 1) / (a + b + 2), and beyond it the same fraction of I_(1-x)(b, a) = 1 - I_x(a, b)
(§6.4).  Each time the side computed directly is the small one, and the other is its log1m_exp.

The derivatives in the shape parameters have no closed form.  Each comes from differentiating
the series or continued fraction that gives the value, term by term, in the same loop (for the
fractions, Boik and Robison-Cox 1998, "Derivatives of the incomplete beta function": every step
of Lentz's recurrence is a rational function of the shapes, so carrying the partial derivatives
of its variables alongside their values gives the exact derivative of the truncated fraction);
the loop runs until the value and the derivatives have all stopped moving.  The prefactors
x^a e^-x / Γ(a) and x^a (1-x)^b / B(a, b) contribute log x - ψ(a) and
log x - ψ(a) + ψ(a + b), log(1 - x) - ψ(b) + ψ(a + b).  The derivatives in x are elementary and
are written in SymPy (``ppl.catalogue.sympy_functions``).
"""

from __future__ import annotations

import math

import numba

from ppl.runtime.special import digamma, log1m_exp

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
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
def _log_ratio_minus_linear(ratio, difference):
    """log r - (r - 1), given difference = r - 1 without cancellation (log1p near r = 1, where
    log r and r - 1 nearly cancel; log r elsewhere)."""
    if abs(difference) < 0.5:
        return math.log1p(difference) - difference
    return math.log(ratio) - difference


@numba.njit(cache=True, error_model="numpy")
def _complement(log_value):
    """(log(1 - v), -v / (1 - v)) from log v: the other side of a distribution function and the
    factor its logarithmic derivatives are the computed side's times (d log(1 - v) = -v / (1 - v)
    d log v); the factor is 0 where 1 - v rounds to 0."""
    log_other = log1m_exp(log_value)
    if log_other == -math.inf:
        return log_other, 0.0
    return log_other, -math.exp(log_value - log_other)


# ---- P(a, x) and Q(a, x) ----------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def _log_prefactor_gamma(a, x):
    """log(x^a e^-x / Γ(a + 1)) as a (log r - (r - 1)) - log √(2π a) - correction(a), r = x / a:
    the terms of size a log a cancel exactly."""
    return (a * _log_ratio_minus_linear(x / a, (x - a) / a) - _LOG_SQRT_2PI - 0.5 * math.log(a)
            - _stirling_correction(a))


@numba.njit(cache=True, error_model="numpy")
def _log_gamma_series(a, x):
    """(log P(a, x), d/da) from P's series x^a e^-x / Γ(a + 1) Σ_n t_n, t_n = Π_k<=n x / (a + k):
    dt_n/da = -t_n Σ_k<=n 1 / (a + k), all of one sign, so the sum loses nothing."""
    term = 1.0
    total = 1.0
    term_a = 0.0
    total_a = 0.0
    reciprocal_sum = 0.0
    for n in range(1, _MAX_ITERATIONS + 1):
        term *= x / (a + n)
        reciprocal_sum += 1.0 / (a + n)
        term_a = -term * reciprocal_sum
        total += term
        total_a += term_a
        if abs(term) < total * _EPSILON and abs(term_a) <= abs(total_a) * _EPSILON:
            break
    value = _log_prefactor_gamma(a, x) + math.log(total)
    return value, math.log(x) - digamma(a + 1.0) + total_a / total


@numba.njit(cache=True, error_model="numpy")
def _log_gamma_fraction(a, x):
    """(log Q(a, x), d/da) from Q's continued fraction (NR's gcf by Lentz's method), every
    recurrence variable carried with its derivative in a."""
    b = x + 1.0 - a                 # d b / da = -1 at every step
    c = 1.0 / _TINY
    c_a = 0.0
    d = 1.0 / b
    d_a = d * d
    log_h = math.log(abs(d))
    log_h_a = d
    for n in range(1, _MAX_ITERATIONS + 1):
        numerator = -n * (n - a)
        numerator_a = float(n)
        b += 2.0
        denominator = numerator * d + b
        denominator_a = numerator_a * d + numerator * d_a - 1.0
        if abs(denominator) < _TINY:
            denominator = _TINY
        d = 1.0 / denominator
        d_a = -denominator_a * d * d
        new_c = b + numerator / c
        c_a = -1.0 + numerator_a / c - numerator * c_a / (c * c)
        c = new_c
        if abs(c) < _TINY:
            c = _TINY
        delta = d * c
        step_a = c_a / c - denominator_a * d
        log_h += math.log(abs(delta))
        log_h_a += step_a
        if abs(delta - 1.0) <= _EPSILON and abs(step_a) <= _EPSILON * (1.0 + abs(log_h_a)):
            break
    value = _log_prefactor_gamma(a, x) + math.log(a) + log_h
    return value, math.log(x) - digamma(a) + log_h_a


@numba.njit(cache=True, error_model="numpy")
def log_incomplete_gamma(a, x, upper):
    """(log P(a, x), d/da), or with ``upper`` (log Q(a, x), d/da); NaN for a <= 0 or a NaN
    argument, the limits (and a zero derivative) at x <= 0 and x = inf."""
    if not a > 0.0 or x != x:
        return math.nan, math.nan
    if x <= 0.0:
        return (0.0 if upper else -math.inf), 0.0
    if x == math.inf:
        return (-math.inf if upper else 0.0), 0.0
    if x < a + 1.0:
        value, derivative = _log_gamma_series(a, x)
        computed_upper = False
    else:
        value, derivative = _log_gamma_fraction(a, x)
        computed_upper = True
    if upper == computed_upper:
        return value, derivative
    other, factor = _complement(value)
    return other, factor * derivative


@numba.njit(cache=True, error_model="numpy")
def log_gamma_p(a, x):
    """log P(a, x), the regularised lower incomplete gamma function (Gamma's cdf at rate x = x)."""
    return log_incomplete_gamma(float(a), float(x), False)[0]


@numba.njit(cache=True, error_model="numpy")
def log_gamma_q(a, x):
    """log Q(a, x) = log(1 - P(a, x)) (Poisson's cdf at k is Q(k + 1, rate))."""
    return log_incomplete_gamma(float(a), float(x), True)[0]


@numba.njit(cache=True, error_model="numpy")
def log_gamma_p_da(a, x):
    """d/da log P(a, x)."""
    return log_incomplete_gamma(float(a), float(x), False)[1]


@numba.njit(cache=True, error_model="numpy")
def log_gamma_q_da(a, x):
    """d/da log Q(a, x)."""
    return log_incomplete_gamma(float(a), float(x), True)[1]


# ---- I_x(a, b) ---------------------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def _log_prefactor_beta(a, b, x, y):
    """log(x^a y^b / B(a, b)), y = 1 - x, around the mode x0 = a / (a + b), so that the terms of
    size a log a cancel analytically (``special_functions._log_prefactor_beta``)."""
    total = a + b
    x0 = a / total
    y0 = b / total
    return (a * _log_ratio_minus_linear(x / x0, (x - x0) / x0) + b * _log_ratio_minus_linear(y / y0, (y - y0) / y0)
            + 0.5 * math.log(a * b / total) - _LOG_SQRT_2PI
            + _stirling_correction(total) - _stirling_correction(a) - _stirling_correction(b))


@numba.njit(cache=True, error_model="numpy")
def _beta_lentz_step(numerator, numerator_a, numerator_b, d, d_a, d_b, c, c_a, c_b):
    """One step d <- 1 / (1 + α d), c <- 1 + α / c of the modified Lentz method, with the
    partial derivatives in a and b: the new d, c and theirs, the factor c d the step multiplies
    the fraction by, and that factor's logarithmic derivatives."""
    denominator = 1.0 + numerator * d
    denominator_a = numerator_a * d + numerator * d_a
    denominator_b = numerator_b * d + numerator * d_b
    if abs(denominator) < _TINY:
        denominator = _TINY
    new_d = 1.0 / denominator
    new_d_a = -denominator_a * new_d * new_d
    new_d_b = -denominator_b * new_d * new_d
    new_c = 1.0 + numerator / c
    new_c_a = numerator_a / c - numerator * c_a / (c * c)
    new_c_b = numerator_b / c - numerator * c_b / (c * c)
    if abs(new_c) < _TINY:
        new_c = _TINY
    factor = new_d * new_c
    log_factor_a = new_c_a / new_c - denominator_a * new_d
    log_factor_b = new_c_b / new_c - denominator_b * new_d
    return new_d, new_d_a, new_d_b, new_c, new_c_a, new_c_b, factor, log_factor_a, log_factor_b


@numba.njit(cache=True, error_model="numpy")
def _log_beta_fraction(a, b, x):
    """(log h, d log h / da, d log h / db) for NR's betacf continued fraction h(a, b, x), for
    x < (a + 1) / (a + b + 2), where it converges in O(√max(a, b)) steps."""
    denominator = 1.0 - (a + b) * x / (a + 1.0)
    denominator_a = -x * (1.0 - b) / ((a + 1.0) * (a + 1.0))
    denominator_b = -x / (a + 1.0)
    if abs(denominator) < _TINY:
        denominator = _TINY
    d = 1.0 / denominator
    d_a = -denominator_a * d * d
    d_b = -denominator_b * d * d
    c, c_a, c_b = 1.0, 0.0, 0.0
    log_h = math.log(abs(d))
    log_h_a = -denominator_a * d
    log_h_b = -denominator_b * d
    for m in range(1, _MAX_ITERATIONS + 1):
        # the even coefficient m (b - m) x / ((a + 2m - 1)(a + 2m))
        left = a + 2.0 * m - 1.0
        right = a + 2.0 * m
        numerator = m * (b - m) * x / (left * right)
        numerator_a = -numerator * (1.0 / left + 1.0 / right)
        numerator_b = m * x / (left * right)
        d, d_a, d_b, c, c_a, c_b, factor, even_a, even_b = _beta_lentz_step(
            numerator, numerator_a, numerator_b, d, d_a, d_b, c, c_a, c_b)
        log_h += math.log(abs(factor))
        # the odd coefficient -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        left = a + 2.0 * m
        right = a + 2.0 * m + 1.0
        numerator = -(a + m) * (a + b + m) * x / (left * right)
        numerator_a = numerator * (1.0 / (a + m) + 1.0 / (a + b + m) - 1.0 / left - 1.0 / right)
        numerator_b = numerator / (a + b + m)
        d, d_a, d_b, c, c_a, c_b, factor, odd_a, odd_b = _beta_lentz_step(
            numerator, numerator_a, numerator_b, d, d_a, d_b, c, c_a, c_b)
        log_h += math.log(abs(factor))
        log_h_a += even_a + odd_a
        log_h_b += even_b + odd_b
        if (abs(factor - 1.0) <= _EPSILON
                and abs(even_a + odd_a) <= _EPSILON * (1.0 + abs(log_h_a))
                and abs(even_b + odd_b) <= _EPSILON * (1.0 + abs(log_h_b))):
            break
    return log_h, log_h_a, log_h_b


@numba.njit(cache=True, error_model="numpy")
def _log_beta_direct(a, b, x, y):
    """(log I_x(a, b), d/da, d/db) for x < (a + 1) / (a + b + 2), y = 1 - x."""
    log_h, log_h_a, log_h_b = _log_beta_fraction(a, b, x)
    digamma_total = digamma(a + b)
    value = _log_prefactor_beta(a, b, x, y) + log_h - math.log(a)
    derivative_a = math.log(x) - digamma(a) + digamma_total + log_h_a - 1.0 / a
    derivative_b = math.log(y) - digamma(b) + digamma_total + log_h_b
    return value, derivative_a, derivative_b


@numba.njit(cache=True, error_model="numpy")
def log_incomplete_beta(a, b, x, y, upper):
    """(log I_x(a, b), d/da, d/db), or with ``upper`` the same for log(1 - I_x(a, b)); y = 1 - x,
    given separately for callers that know it more accurately.  NaN for a <= 0, b <= 0 or a NaN
    argument; the limits (and zero derivatives) at x <= 0 and y <= 0."""
    if not (a > 0.0 and b > 0.0) or x != x or y != y:
        return math.nan, math.nan, math.nan
    if x <= 0.0:
        return (0.0 if upper else -math.inf), 0.0, 0.0
    if y <= 0.0:
        return (-math.inf if upper else 0.0), 0.0, 0.0
    if x < (a + 1.0) / (a + b + 2.0):
        value, derivative_a, derivative_b = _log_beta_direct(a, b, x, y)
        computed_upper = False
    else:
        # 1 - I_x(a, b) = I_y(b, a): the derivative in a is the mirrored one's in its second shape
        value, derivative_b, derivative_a = _log_beta_direct(b, a, y, x)
        computed_upper = True
    if upper == computed_upper:
        return value, derivative_a, derivative_b
    other, factor = _complement(value)
    return other, factor * derivative_a, factor * derivative_b


@numba.njit(cache=True, error_model="numpy")
def log_inc_beta(a, b, x):
    """log I_x(a, b): Beta(a, b)'s log cdf at x."""
    return log_incomplete_beta(float(a), float(b), float(x), 1.0 - x, False)[0]


@numba.njit(cache=True, error_model="numpy")
def log1m_inc_beta(a, b, x):
    """log(1 - I_x(a, b)): Beta(a, b)'s log survival function at x, computed directly (not as the
    complement of a number near 1) where it is the small side."""
    return log_incomplete_beta(float(a), float(b), float(x), 1.0 - x, True)[0]


@numba.njit(cache=True, error_model="numpy")
def log_inc_beta_da(a, b, x):
    """d/da log I_x(a, b)."""
    return log_incomplete_beta(float(a), float(b), float(x), 1.0 - x, False)[1]


@numba.njit(cache=True, error_model="numpy")
def log_inc_beta_db(a, b, x):
    """d/db log I_x(a, b)."""
    return log_incomplete_beta(float(a), float(b), float(x), 1.0 - x, False)[2]


@numba.njit(cache=True, error_model="numpy")
def log1m_inc_beta_da(a, b, x):
    """d/da log(1 - I_x(a, b))."""
    return log_incomplete_beta(float(a), float(b), float(x), 1.0 - x, True)[1]


@numba.njit(cache=True, error_model="numpy")
def log1m_inc_beta_db(a, b, x):
    """d/db log(1 - I_x(a, b))."""
    return log_incomplete_beta(float(a), float(b), float(x), 1.0 - x, True)[2]


# ---- StudentT's cdf ------------------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def _student_t_parts(df, z):
    """(log I_w(df/2, 1/2), d/d df of it, log of its derivative in w, w, dw/d df) at
    w = df / (df + z²), with 1 - w = z² / (df + z²) computed directly (not as 1 - w, which loses
    z's digits near 0)."""
    square = z * z
    total = df + square
    w = df / total
    log_tail, derivative_a, _ = log_incomplete_beta(0.5 * df, 0.5, w, square / total, False)
    log_density = (0.5 * df - 1.0) * math.log(w) - 0.5 * math.log(square / total) - (
        math.lgamma(0.5 * df) + math.lgamma(0.5) - math.lgamma(0.5 * df + 0.5))
    return log_tail, derivative_a, log_density, w, square / (total * total)


@numba.njit(cache=True, error_model="numpy")
def log_student_t_cdf(df, z):
    """log F(z) for the standard StudentT with df degrees of freedom: log(I_w(df/2, 1/2) / 2) below
    0, where that tail is the small side, and its log1m_exp above; w = df / (df + z²)."""
    if not df > 0.0 or z != z:
        return math.nan
    if z == 0.0:
        return -math.log(2.0)
    log_half_tail = _student_t_parts(float(df), float(z))[0] - math.log(2.0)
    return log_half_tail if z < 0.0 else log1m_exp(log_half_tail)


@numba.njit(cache=True, error_model="numpy")
def log_student_t_cdf_ddf(df, z):
    """d/d df log F(z) for the standard StudentT: the tail's derivative in its shape df/2 and, through
    w, in its argument; 0 at z = 0, where F is 1/2 for every df."""
    if not df > 0.0 or z != z:
        return math.nan
    if z == 0.0 or abs(z) == math.inf:
        return 0.0
    log_tail, derivative_a, log_density, w, w_df = _student_t_parts(float(df), float(z))
    derivative = 0.5 * derivative_a + math.exp(log_density - log_tail) * w_df
    if z < 0.0:
        return derivative
    log_half_tail = log_tail - math.log(2.0)
    return -math.exp(log_half_tail - log1m_exp(log_half_tail)) * derivative
