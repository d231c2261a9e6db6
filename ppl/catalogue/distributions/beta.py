"""Beta distribution; concentration1 weighs x, concentration0 weighs 1 - x.

    log p(x) = (c1 - 1) log(x) + (c0 - 1) log1p(-x) - lbeta(c1, c0),  0 < x < 1
    lbeta(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, UNIT_INTERVAL
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration1, concentration0):
    import sympy
    from ppl.catalogue.sympy_functions import log1p

    log_beta = (sympy.loggamma(concentration1) + sympy.loggamma(concentration0)
                - sympy.loggamma(concentration1 + concentration0))
    return (concentration1 - 1) * sympy.log(x) + (concentration0 - 1) * log1p(-x) - log_beta


def sample(concentration1, concentration0):
    return np.random.beta(concentration1, concentration0)


BETA = Distribution(
    name="Beta",
    parameters=(Parameter("concentration1", POSITIVE), Parameter("concentration0", POSITIVE)),
    support=UNIT_INTERVAL,
    log_density=log_density,
    sampler=sample,
)
