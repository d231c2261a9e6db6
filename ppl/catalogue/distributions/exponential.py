"""Exponential distribution with a rate.

    log p(x) = log(rate) - rate x,  x >= 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, rate):
    import sympy

    return sympy.log(rate) - rate * x


def log_cdf(x, *, rate):
    from ppl.catalogue.sympy_functions import log1m_exp

    return log1m_exp(-rate * x)


def log_survival(x, *, rate):
    return -rate * x


def sample(rate):
    return np.random.exponential(1.0 / rate)


EXPONENTIAL = Distribution(
    name="Exponential",
    parameters=(Parameter("rate", POSITIVE),),
    support=NONNEGATIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
