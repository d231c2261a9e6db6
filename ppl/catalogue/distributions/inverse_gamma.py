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


def sample(concentration, scale):
    """1 / Gamma(concentration, rate=scale)."""
    return scale / np.random.gamma(concentration, 1.0)


INVERSE_GAMMA = Distribution(
    name="InverseGamma",
    parameters=(Parameter("concentration", POSITIVE), Parameter("scale", POSITIVE)),
    support=POSITIVE,
    log_density=log_density,
    sampler=sample,
)
