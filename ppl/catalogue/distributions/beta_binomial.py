"""Beta-binomial distribution: Binomial(total_count, p) with p ~ Beta(concentration1, concentration0).

    log p(k) = log C(n, k) + lbeta(k + c1, n - k + c0) - lbeta(c1, c0)
    lbeta(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE_INTEGER, COUNT_UP_TO_TOTAL
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions.binomial import log_binomial_coefficient


def log_density(x, *, total_count, concentration1, concentration0):
    import sympy

    def log_beta(a, b):
        return sympy.loggamma(a) + sympy.loggamma(b) - sympy.loggamma(a + b)

    return (log_binomial_coefficient(total_count, x)
            + log_beta(x + concentration1, total_count - x + concentration0)
            - log_beta(concentration1, concentration0))


def sample(total_count, concentration1, concentration0):
    return np.random.binomial(int(total_count), np.random.beta(concentration1, concentration0))


BETA_BINOMIAL = Distribution(
    name="BetaBinomial",
    parameters=(Parameter("total_count", NONNEGATIVE_INTEGER), Parameter("concentration1", POSITIVE),
                Parameter("concentration0", POSITIVE)),
    support=COUNT_UP_TO_TOTAL,
    support_bounds=("total_count",),
    log_density=log_density,
    sampler=sample,
)
