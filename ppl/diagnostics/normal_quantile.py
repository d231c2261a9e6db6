"""The standard normal quantile in NumPy, for the rank normalisation's normal scores
(and ``ppl.bijectors.NormalCDF``'s inverse), so that no SciPy is needed."""

from __future__ import annotations

import functools
import math

import numpy as np

_ACKLAM_CENTRAL_NUMERATOR = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_CENTRAL_DENOMINATOR = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACKLAM_TAIL_NUMERATOR = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_TAIL_DENOMINATOR = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                            3.754408661907416e+00, 1.0)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _polynomial(coefficients, x):
    result = 0.0
    for coefficient in coefficients:
        result = result * x + coefficient
    return result


def _inverse_normal_cdf_scalar(probability):
    """Phi^{-1}(p) to full double precision.

    Acklam's rational approximation (relative error 1.2e-9) starts two or three
    Halley steps on Phi(z) - p = 0, each cubically convergent.  The residual uses
    erf near the centre, where ``p - 0.5`` is exact (Sterbenz) and erf keeps
    relative accuracy for small z, and erfc in the tail; the upper half uses the
    exact reflection ``Phi^{-1}(p) = -Phi^{-1}(1 - p)``.
    """
    if not 0.0 < probability < 1.0:
        if probability == 0.0:
            return -math.inf
        if probability == 1.0:
            return math.inf
        return math.nan
    lower = min(probability, 1.0 - probability)
    if lower < 0.02425:
        t = math.sqrt(-2.0 * math.log(lower))
        z = _polynomial(_ACKLAM_TAIL_NUMERATOR, t) / _polynomial(_ACKLAM_TAIL_DENOMINATOR, t)
    else:
        q = lower - 0.5
        r = q * q
        z = q * _polynomial(_ACKLAM_CENTRAL_NUMERATOR, r) / _polynomial(_ACKLAM_CENTRAL_DENOMINATOR, r)
    for _ in range(3):
        if lower > 0.25:
            residual = 0.5 * math.erf(z / _SQRT_2) - (lower - 0.5)
        else:
            residual = 0.5 * math.erfc(-z / _SQRT_2) - lower
        density = math.exp(-0.5 * z * z) / _SQRT_2PI
        if residual == 0.0 or density == 0.0:
            break
        step = residual / density
        z -= step / (1.0 + 0.5 * z * step)
    return z if probability <= 0.5 else -z


def inverse_normal_cdf(probability):
    """The standard normal quantile Phi^{-1}(p), elementwise (scipy.special.ndtri)."""
    probabilities = np.asarray(probability, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.vectorize(_inverse_normal_cdf_scalar, otypes=[float])(probabilities)


@functools.lru_cache(maxsize=8)
def normal_scores_table(size):
    """Phi^{-1}((r - 3/8) / (size + 1/4)) for every average rank r = 1, 1.5, ..., size.

    Blom's (1958) offset c = 3/8, as in Vehtari et al. (2021) and ArviZ.  Average
    ranks are half-integers, so a table indexed by 2(r - 1) covers all of them and
    the normal quantile is evaluated 2 size - 1 times, not once per draw.  (Cached;
    the kernels only read it.)
    """
    average_ranks = np.arange(2 * size - 1) / 2.0 + 1.0
    return inverse_normal_cdf((average_ranks - 0.375) / (size - 2 * 0.375 + 1))
