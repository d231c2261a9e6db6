"""Gamma distribution with shape `concentration` and `rate`.

    log p(x) = concentration log(rate) - lgamma(concentration)
               + (concentration - 1) log(x) - rate x,  x > 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration, rate):
    import sympy

    return (concentration * sympy.log(rate) - sympy.loggamma(concentration)
            + (concentration - 1) * sympy.log(x) - rate * x)


def log_cdf(x, *, concentration, rate):
    """P(concentration, rate x), the regularised lower incomplete gamma function."""
    from ppl.catalogue.sympy_functions import log_gamma_p

    return log_gamma_p(concentration, rate * x)


def log_survival(x, *, concentration, rate):
    from ppl.catalogue.sympy_functions import log_gamma_q

    return log_gamma_q(concentration, rate * x)


def sample(concentration, rate):
    return np.random.gamma(concentration, 1.0 / rate)


GAMMA = Distribution(
    name="Gamma",
    parameters=(Parameter("concentration", POSITIVE), Parameter("rate", POSITIVE)),
    support=POSITIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
