"""The beta quantile, compiled, for the Monte Carlo standard error of quantiles
(Vehtari et al. 2021, section 4.3), so that no SciPy is needed."""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.diagnostics.moments import KERNEL

@numba.njit(**KERNEL)
def _incomplete_beta_fraction(x, a, b):
    """The continued fraction of I_x(a, b) (modified Lentz); converges fast for
    x < (a + 1) / (a + b + 2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, 100_000):
        delta = 1.0
        for step in range(2):
            if step == 0:
                numerator = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
            else:
                numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
            d = 1.0 + numerator * d
            d = 1.0 / (tiny if abs(d) < tiny else d)
            c = 1.0 + numerator / c
            c = tiny if abs(c) < tiny else c
            delta = c * d
            h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


@numba.njit(**KERNEL)
def _regularized_incomplete_beta(x, a, b, log_beta):
    """I_x(a, b) = B(x; a, b) / B(a, b) for 0 < x < 1, a, b >= 1."""
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - log_beta)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _incomplete_beta_fraction(x, a, b) / a
    return 1.0 - front * _incomplete_beta_fraction(1.0 - x, b, a) / b


@numba.njit(**KERNEL)
def beta_quantile(probability, a, b):
    """The p-quantile of Beta(a, b), a, b >= 1 (scipy.stats.beta.ppf), to about 1e-13
    relative; nan for nan parameters.

    Start from the Abramowitz-Stegun normal approximation (26.5.22, with 26.2.23 for
    the normal quantile) and take safeguarded Halley steps on I_x(a, b) = p, as in
    Numerical Recipes' ``invbetai``, until the step is at rounding level, then one more.
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        return np.nan
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    smaller = probability if probability < 0.5 else 1.0 - probability
    t = math.sqrt(-2.0 * math.log(smaller))
    normal = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
    if probability < 0.5:
        normal = -normal
    al = (normal * normal - 3.0) / 6.0
    h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0))
    w = (normal * math.sqrt(al + h) / h
         - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h)))
    x = a / (a + b * math.exp(2.0 * w))
    polishing = False
    for _ in range(50):
        error = _regularized_incomplete_beta(x, a, b, log_beta) - probability
        density = math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_beta)
        newton = error / density
        curvature = newton * ((a - 1.0) / x - (b - 1.0) / (1.0 - x))
        proposed = x - newton / (1.0 - 0.5 * min(1.0, curvature))
        if proposed <= 0.0:
            proposed = 0.5 * x
        if proposed >= 1.0:
            proposed = 0.5 * (x + 1.0)
        close = abs(proposed - x) <= 1e-12 * proposed or not math.isfinite(proposed)
        x = proposed
        if polishing:
            break
        polishing = close  # one more (cubically convergent) step reaches rounding level
    return x
