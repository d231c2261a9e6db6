"""Zero-inflated negative binomial distribution: a structural zero with probability `gate`,
else a NegativeBinomial2(mean, concentration) count (NumPyro's
ZeroInflatedNegativeBinomial2(mean, concentration, gate); Stan's neg_binomial_2 mixed with a
zero by hand).

    log p(0) = logaddexp(log(gate), log1p(-gate) - concentration log1p(mean / concentration))
    log p(k) = log1p(-gate) + NegativeBinomial2(mean, concentration).log_prob(k),   k > 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE, PROBABILITY, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import negative_binomial2


def log_density(x, *, mean, concentration, gate):
    import sympy
    from ppl.catalogue.sympy_functions import log1p, logaddexp, where

    count = log1p(-gate) + negative_binomial2.log_density(x, mean=mean, concentration=concentration)
    log_count_zero = -concentration * log1p(mean / concentration)
    return where(sympy.Eq(x, 0), logaddexp(sympy.log(gate), log1p(-gate) + log_count_zero), count)


def sample(mean, concentration, gate):
    if np.random.random() < gate:
        return 0
    return np.random.poisson(np.random.gamma(concentration, mean / concentration))


ZERO_INFLATED_NEGATIVE_BINOMIAL_2 = Distribution(
    name="ZeroInflatedNegativeBinomial2",
    parameters=(Parameter("mean", NONNEGATIVE), Parameter("concentration", POSITIVE),
                Parameter("gate", PROBABILITY)),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    sampler=sample,
)
