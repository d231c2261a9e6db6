"""Zero-inflated Poisson distribution: a structural zero with probability `gate`, else a
Poisson(rate) count (NumPyro's ZeroInflatedPoisson(rate, gate); Stan writes it by hand with
log_sum_exp).  Zeros come from either part:

    log p(0) = logaddexp(log(gate), log1p(-gate) - rate)
    log p(k) = log1p(-gate) + Poisson(rate).log_prob(k),   k > 0

written by cases on k (``where``), so that gate = 0 is the Poisson and gate = 1 puts all the
mass at 0 without a 0 * -inf.
"""

import numpy as np

from ppl.catalogue.constraints import NONNEGATIVE, PROBABILITY, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import poisson


def log_density(x, *, rate, gate):
    import sympy
    from ppl.catalogue.sympy_functions import log1p, logaddexp, where

    count = log1p(-gate) + poisson.log_density(x, rate=rate)
    return where(sympy.Eq(x, 0), logaddexp(sympy.log(gate), log1p(-gate) - rate), count)


def sample(rate, gate):
    if np.random.random() < gate:
        return 0
    return np.random.poisson(rate)


ZERO_INFLATED_POISSON = Distribution(
    name="ZeroInflatedPoisson",
    parameters=(Parameter("rate", NONNEGATIVE), Parameter("gate", PROBABILITY)),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    sampler=sample,
)
