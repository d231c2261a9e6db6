"""Hurdle Poisson distribution: a zero with probability `gate`, else a Poisson(rate) count
truncated to k > 0 (brms's hurdle_poisson with hu = gate).  Unlike the zero-inflated form, every
zero comes from the gate:

    log p(0) = log(gate)
    log p(k) = log1p(-gate) + Poisson(rate).log_prob(k) - log1m_exp(-rate),   k > 0

log1m_exp(-rate) = log(1 - exp(-rate)), the log of the Poisson's mass above 0, stays accurate
for small rates (log(-expm1(-rate))).
"""

import math

import numpy as np

from ppl.catalogue.constraints import POSITIVE, PROBABILITY, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import poisson


def log_density(x, *, rate, gate):
    import sympy
    from ppl.catalogue.sympy_functions import log1m_exp, log1p, where

    count = log1p(-gate) + poisson.log_density(x, rate=rate) - log1m_exp(-rate)
    return where(sympy.Eq(x, 0), sympy.log(gate), count)


def positive_poisson(rate):
    """A Poisson(rate) count conditioned on being positive, exactly and in O(rate) for every
    rate: a Poisson process on [0, 1] with at least one event has its first event at
    T ~ Exponential(rate) truncated to [0, 1] (by inversion) and a Poisson(rate (1 - T))
    number of events after it."""
    u = np.random.random()
    first = -math.log1p(u * math.expm1(-rate)) / rate
    return 1 + np.random.poisson(rate * (1.0 - first))


def sample(rate, gate):
    if np.random.random() < gate:
        return 0
    return positive_poisson(rate)


HURDLE_POISSON = Distribution(
    name="HurdlePoisson",
    parameters=(Parameter("rate", POSITIVE), Parameter("gate", PROBABILITY)),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    sampler=sample,
)
