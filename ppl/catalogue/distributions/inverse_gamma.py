"""Inverse-gamma distribution: 1/X for X ~ Gamma(concentration, rate=scale).

    log p(x) = concentration log(scale) - lgamma(concentration)
               - (concentration + 1) log(x) - scale / x,  x > 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration, scale):
    import sympy

    return (concentration * sympy.log(scale) - sympy.loggamma(concentration)
            - (concentration + 1) * sympy.log(x) - scale / x)


def log_cdf(x, *, concentration, scale):
    """Q(concentration, scale / x): X <= x exactly when 1 / X >= 1 / x, and 1 / X is a Gamma."""
    from ppl.catalogue.sympy_functions import log_gamma_q

    return log_gamma_q(concentration, scale / x)


def log_survival(x, *, concentration, scale):
    from ppl.catalogue.sympy_functions import log_gamma_p

    return log_gamma_p(concentration, scale / x)


def sample(concentration, scale):
    """1 / Gamma(concentration, rate=scale)."""
    return scale / np.random.gamma(concentration, 1.0)


INVERSE_GAMMA = Distribution(
    name="InverseGamma",
    parameters=(Parameter("concentration", POSITIVE), Parameter("scale", POSITIVE)),
    support=POSITIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
