"""Poisson distribution, by `rate` or `log_rate`.

    log p(k) = k log(rate) - rate - lgamma(k + 1)
             = k log_rate - exp(log_rate) - lgamma(k + 1)

The rate may be 0 (all mass at 0): k log(rate) is 0 where k = 0 (xlogy), as in Stan.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, NONNEGATIVE, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, rate=None, log_rate=None):
    import sympy
    from ppl.catalogue.sympy_functions import xlogy

    if log_rate is not None:
        return x * log_rate - sympy.exp(log_rate) - sympy.loggamma(x + 1)
    return xlogy(x, rate) - rate - sympy.loggamma(x + 1)


def log_cdf(x, *, rate=None, log_rate=None):
    """P(X <= k) = Q(k + 1, rate), the upper regularised incomplete gamma function."""
    import sympy

    from ppl.catalogue.sympy_functions import log_gamma_q

    return log_gamma_q(x + 1, rate if log_rate is None else sympy.exp(log_rate))


def log_survival(x, *, rate=None, log_rate=None):
    """P(X > k) = P(k + 1, rate)."""
    import sympy

    from ppl.catalogue.sympy_functions import log_gamma_p

    return log_gamma_p(x + 1, rate if log_rate is None else sympy.exp(log_rate))


def sample_rate(rate):
    return np.random.poisson(rate)


def sample_log_rate(log_rate):
    return np.random.poisson(math.exp(log_rate))


POISSON = Distribution(
    name="Poisson",
    parameters=(Parameter("rate", NONNEGATIVE), Parameter("log_rate", REAL)),
    alternatives=(("rate", "log_rate"),),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler={"rate": sample_rate, "log_rate": sample_log_rate},
)
