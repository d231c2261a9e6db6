"""Logit-normal distribution on (0, 1): sigmoid of a Normal(loc, scale) (TFP's LogitNormal).

    log p(x) = Normal(loc, scale).log_prob(logit(x)) - log(x) - log1p(-x),   0 < x < 1

logit(x) = log(x) - log1p(-x); the last two terms are the log-Jacobian of the logit.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE, UNIT_INTERVAL
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import normal


def log_density(x, *, loc, scale):
    import sympy
    from ppl.catalogue.sympy_functions import log1p

    log_x, log_1m_x = sympy.log(x), log1p(-x)
    return normal.log_density(log_x - log_1m_x, loc=loc, scale=scale) - log_x - log_1m_x


def sample(loc, scale):
    return 1.0 / (1.0 + math.exp(-np.random.normal(loc, scale)))


LOGIT_NORMAL = Distribution(
    name="LogitNormal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=UNIT_INTERVAL,
    log_density=log_density,
    sampler=sample,
)
