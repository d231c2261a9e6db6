"""Normal (Gaussian) distribution.

    log p(x) = -((x - loc) / scale)**2 / 2 - log(scale) - log(2 pi) / 2
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy

    z = (x - loc) / scale
    return -z ** 2 / 2 - sympy.log(scale) - sympy.log(2 * sympy.pi) / 2


def log_cdf(x, *, loc, scale):
    from ppl.catalogue.sympy_functions import log_ndtr

    return log_ndtr((x - loc) / scale)


def log_survival(x, *, loc, scale):
    from ppl.catalogue.sympy_functions import log_ndtr

    return log_ndtr((loc - x) / scale)


def sample(loc, scale):
    return np.random.normal(loc, scale)


NORMAL = Distribution(
    name="Normal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
