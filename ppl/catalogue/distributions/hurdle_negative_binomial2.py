"""Hurdle negative binomial distribution: a zero with probability `gate`, else a
NegativeBinomial2(mean, concentration) count truncated to k > 0 (brms's hurdle_negbinomial with
hu = gate).

    log p(0) = log(gate)
    log p(k) = log1p(-gate) + NegativeBinomial2(mean, concentration).log_prob(k)
               - log1m_exp(-concentration log1p(mean / concentration)),   k > 0

the last term the log of the count part's mass above 0.
"""

import math

import numpy as np

from ppl.catalogue.constraints import POSITIVE, PROBABILITY, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import negative_binomial2
from ppl.catalogue.distributions.hurdle_poisson import positive_poisson


def log_density(x, *, mean, concentration, gate):
    import sympy
    from ppl.catalogue.sympy_functions import log1m_exp, log1p, where

    log_count_zero = -concentration * log1p(mean / concentration)
    count = (log1p(-gate) + negative_binomial2.log_density(x, mean=mean, concentration=concentration)
             - log1m_exp(log_count_zero))
    return where(sympy.Eq(x, 0), sympy.log(gate), count)


def positive_negative_binomial(mean, concentration):
    """A NegativeBinomial2 count conditioned on being positive.  Where the zero mass p0 is
    below 1/2, its Gamma rate is drawn, kept with probability 1 - exp(-rate) (the rate's law
    given a positive count), and a positive Poisson count drawn at it: on average fewer than two
    tries.  Otherwise (small means, where that would retry long) by inversion from k = 1, the
    masses by their ratio p(k + 1) / p(k) = (k + phi) / (k + 1) mean / (mean + phi)."""
    log_zero = -concentration * math.log1p(mean / concentration)
    if log_zero < -math.log(2.0):
        while True:
            rate = np.random.gamma(concentration, mean / concentration)
            if rate > 0.0 and np.random.random() < -math.expm1(-rate):
                return positive_poisson(rate)
    ratio = mean / (mean + concentration)
    mass = math.exp(log_zero) * concentration * ratio / -math.expm1(log_zero)   # p(1) / (1 - p0)
    u = np.random.random()
    k = 1
    cumulative = mass
    while u > cumulative and mass > 0.0:
        mass *= (k + concentration) / (k + 1.0) * ratio
        cumulative += mass
        k += 1
    return k


def sample(mean, concentration, gate):
    if np.random.random() < gate:
        return 0
    return positive_negative_binomial(mean, concentration)


HURDLE_NEGATIVE_BINOMIAL_2 = Distribution(
    name="HurdleNegativeBinomial2",
    parameters=(Parameter("mean", POSITIVE), Parameter("concentration", POSITIVE),
                Parameter("gate", PROBABILITY)),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    sampler=sample,
)
