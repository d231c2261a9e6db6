"""Log-normal distribution: exp(X) for X ~ Normal(loc, scale).

    log p(x) = Normal(loc, scale).log_prob(log x) - log x
             = -((log x - loc) / scale)**2 / 2 - log(scale) - log(2 pi) / 2 - log x,  x > 0
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy

    z = (sympy.log(x) - loc) / scale
    return -z ** 2 / 2 - sympy.log(scale) - sympy.log(2 * sympy.pi) / 2 - sympy.log(x)


def log_cdf(x, *, loc, scale):
    import sympy

    from ppl.catalogue.sympy_functions import log_ndtr

    return log_ndtr((sympy.log(x) - loc) / scale)


def log_survival(x, *, loc, scale):
    import sympy

    from ppl.catalogue.sympy_functions import log_ndtr

    return log_ndtr((loc - sympy.log(x)) / scale)


def sample(loc, scale):
    return math.exp(np.random.normal(loc, scale))


LOG_NORMAL = Distribution(
    name="LogNormal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=POSITIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
