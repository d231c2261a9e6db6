"""Weibull distribution with shape `concentration` (k) and `scale`.

    log p(x) = log(k / scale) + (k - 1) log(x / scale) - (x / scale)**k,  x >= 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration, scale):
    import sympy

    log_z = sympy.log(x) - sympy.log(scale)
    return (sympy.log(concentration) - sympy.log(scale) + (concentration - 1) * log_z
            - (x / scale) ** concentration)


def log_cdf(x, *, concentration, scale):
    from ppl.catalogue.sympy_functions import log1m_exp

    return log1m_exp(-(x / scale) ** concentration)


def log_survival(x, *, concentration, scale):
    return -(x / scale) ** concentration


def sample(concentration, scale):
    return scale * np.random.weibull(concentration)


WEIBULL = Distribution(
    name="Weibull",
    parameters=(Parameter("concentration", POSITIVE), Parameter("scale", POSITIVE)),
    support=NONNEGATIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
