"""Special functions as Numba scalar functions: their one home for compiled code.

The generated log densities and gradients call these by name (the table in
codegen/sympy_numba.py maps SymPy functions onto them), and so do the
transforms and the samplers.  Each is written for numerical stability over
the whole real line, since a sampler's early iterations visit extreme
values.  Their NumPy forms, for arrays, are in ppl/catalogue/special_functions.py; the
regularised incomplete gamma and beta functions are in ppl/runtime/incomplete.py.
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

    For x <= 0 (non-integer) the reflection formula psi(1 - x) - pi / tan(pi x), written without
    recursion: a recursive function's cached machine code can refer to a specialisation for
    another argument type that a later process has not compiled (Numba then aborts loading it).
    Accurate to about 1e-13 relative for x > 0.
    """
    value = float(x)
    result = 0.0
    if value <= 0.0:
        if value == math.floor(value):
            return math.nan
        result = -math.pi / math.tan(math.pi * value)
        value = 1.0 - value
    while value < 20.0:
        result -= 1.0 / value
        value += 1.0
    inverse = 1.0 / value
    inverse_squared = inverse * inverse
    series = inverse_squared * (1.0 / 12 - inverse_squared * (1.0 / 120 - inverse_squared * (
        1.0 / 252 - inverse_squared * (1.0 / 240 - inverse_squared * (1.0 / 132)))))
    return result + math.log(value) - 0.5 * inverse - series


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
