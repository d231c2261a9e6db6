"""Random draws for generated quantities, in Numba: one scalar draw per call.

Named after the distribution's catalogue file (ppl/catalogue/distributions/),
with the parameterisation appended where TFP offers alternatives
(``bernoulli_logits``, ``poisson_log_rate``).  Parameters follow TFP's
meaning exactly as the log densities do; each sampler's comment gives the
construction.  Random numbers come from Numba's generator (seeded inside
compiled code with ``np.random.seed``).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True)
def normal(loc, scale):
    return np.random.normal(loc, scale)


@numba.njit(cache=True)
def half_normal(scale):
    return abs(np.random.normal(0.0, scale))


@numba.njit(cache=True)
def log_normal(loc, scale):
    return math.exp(np.random.normal(loc, scale))


@numba.njit(cache=True)
def student_t(df, loc, scale):
    return loc + scale * np.random.standard_t(df)


@numba.njit(cache=True)
def half_student_t(df, loc, scale):
    return loc + abs(scale * np.random.standard_t(df))


@numba.njit(cache=True)
def cauchy(loc, scale):
    return loc + scale * np.random.standard_cauchy()


@numba.njit(cache=True)
def half_cauchy(loc, scale):
    return loc + abs(scale * np.random.standard_cauchy())


@numba.njit(cache=True)
def exponential(rate):
    return np.random.exponential(1.0 / rate)


@numba.njit(cache=True)
def gamma(concentration, rate):
    return np.random.gamma(concentration, 1.0 / rate)


@numba.njit(cache=True)
def inverse_gamma(concentration, scale):
    # 1 / Gamma(concentration, rate=scale)
    return scale / np.random.gamma(concentration, 1.0)


@numba.njit(cache=True)
def beta(concentration1, concentration0):
    return np.random.beta(concentration1, concentration0)


@numba.njit(cache=True)
def uniform(low, high):
    return np.random.uniform(low, high)


@numba.njit(cache=True)
def laplace(loc, scale):
    return np.random.laplace(loc, scale)


@numba.njit(cache=True)
def logistic(loc, scale):
    return np.random.logistic(loc, scale)


@numba.njit(cache=True)
def weibull(concentration, scale):
    return scale * np.random.weibull(concentration)


@numba.njit(cache=True)
def chi2(df):
    return np.random.chisquare(df)


@numba.njit(cache=True)
def bernoulli_probs(probs):
    return 1 if np.random.random() < probs else 0


@numba.njit(cache=True)
def bernoulli_logits(logits):
    return bernoulli_probs(1.0 / (1.0 + math.exp(-logits)))


@numba.njit(cache=True)
def binomial_probs(total_count, probs):
    return np.random.binomial(total_count, probs)


@numba.njit(cache=True)
def binomial_logits(total_count, logits):
    return np.random.binomial(total_count, 1.0 / (1.0 + math.exp(-logits)))


@numba.njit(cache=True)
def beta_binomial(total_count, concentration1, concentration0):
    return np.random.binomial(total_count, np.random.beta(concentration1, concentration0))


@numba.njit(cache=True)
def poisson_rate(rate):
    return np.random.poisson(rate)


@numba.njit(cache=True)
def poisson_log_rate(log_rate):
    return np.random.poisson(math.exp(log_rate))


@numba.njit(cache=True)
def negative_binomial_probs(total_count, probs):
    # successes before total_count failures: Poisson(Gamma(total_count, scale=probs / (1 - probs)))
    return np.random.poisson(np.random.gamma(total_count, probs / (1.0 - probs)))


@numba.njit(cache=True)
def negative_binomial_logits(total_count, logits):
    return np.random.poisson(np.random.gamma(total_count, math.exp(logits)))
