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


def log_cdf(x, *, loc, scale):
    from ppl.catalogue.sympy_functions import log_sigmoid

    return log_sigmoid((x - loc) / scale)


def log_survival(x, *, loc, scale):
    from ppl.catalogue.sympy_functions import log_sigmoid

    return log_sigmoid((loc - x) / scale)


def sample(loc, scale):
    return np.random.logistic(loc, scale)


LOGISTIC = Distribution(
    name="Logistic",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
