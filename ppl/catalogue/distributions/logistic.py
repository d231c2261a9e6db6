"""Logistic distribution.

    log p(x) = -z - 2 softplus(-z) - log(scale),  z = (x - loc) / scale
    (softplus(t) = log(1 + exp(t)))
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy
    from ppl.catalogue.sympy_functions import softplus

    z = (x - loc) / scale
    return -z - 2 * softplus(-z) - sympy.log(scale)


def sample(loc, scale):
    return np.random.logistic(loc, scale)


LOGISTIC = Distribution(
    name="Logistic",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
