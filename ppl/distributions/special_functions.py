"""Vectorised special functions for the library's closed forms (cdfs, moments,
normalisers), in NumPy only.

The catalogue's log densities bring their own (``ppl.catalogue.density``
lambdifies them with NumPy implementations); this module serves the formulas
the catalogue does not carry: a Normal's cdf Φ(z) = erfc(-z / √2) / 2, a
Weibull's mean scale Γ(1 + 1/k), the LKJ normaliser, the Multinomial's
log n! / Π x_k!.  The scalar functions of Python's ``math`` module are exact
to rounding; ``np.vectorize`` lifts them to arrays, which is fast enough for
parameters and REPL-sized values.  ``ppl/special.py`` holds the Numba
versions used by generated code; this module must not import Numba.
"""

from __future__ import annotations

import math

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_lgamma = np.vectorize(lambda x: math.lgamma(x) if x > 0 or x != math.floor(x) else math.inf,
                       otypes=[np.float64])
_gamma = np.vectorize(math.gamma, otypes=[np.float64])


def erf(x):
    return _erf(np.asarray(x, dtype=np.float64))[()]


def erfc(x):
    return _erfc(np.asarray(x, dtype=np.float64))[()]


def lgamma(x):
    """log |Γ(x)|; +inf at the poles 0, -1, -2, ..."""
    return _lgamma(np.asarray(x, dtype=np.float64))[()]


def gamma(x):
    return _gamma(np.asarray(x, dtype=np.float64))[()]


def ndtr(z):
    """The standard normal cdf Φ(z) = erfc(-z / √2) / 2 (erfc keeps the lower tail accurate)."""
    return 0.5 * erfc(-np.asarray(z, dtype=np.float64) / math.sqrt(2.0))


def log_ndtr(z):
    """log Φ(z).  For z > -20, log of ``ndtr``; below, the asymptotic series
    Φ(z) ≈ φ(z) / |z| · (1 - 1/z² + 3/z⁴ - 15/z⁶), whose omitted term is below 1e-10
    relative there (Abramowitz and Stegun 26.2.12)."""
    z = np.asarray(z, dtype=np.float64)
    tail = z < -20.0
    safe = np.where(tail, -20.0, z)
    with np.errstate(divide="ignore"):
        # above 0, log1p of the upper tail keeps the relative accuracy that log(1 - tiny) loses
        direct = np.where(safe > 0, np.log1p(-ndtr(-np.abs(safe))), np.log(ndtr(safe)))
    inverse_square = 1.0 / np.where(tail, z, -20.0) ** 2
    series = 1.0 - inverse_square * (1.0 - inverse_square * (3.0 - 15.0 * inverse_square))
    asymptotic = (-0.5 * z ** 2 - 0.5 * math.log(2.0 * math.pi) - np.log(np.abs(np.where(tail, z, -20.0)))
                  + np.log(series))
    return np.where(tail, asymptotic, direct)[()]


def log_sigmoid(x):
    """log(1 / (1 + exp(-x))) = -softplus(-x), without overflow."""
    return -np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


def sigmoid(x):
    return np.exp(log_sigmoid(x))


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
