"""Half-normal distribution: |X| for X ~ Normal(0, scale).

    log p(x) = log(2) + Normal(0, scale).log_prob(x)
             = log(2 / pi) / 2 - log(scale) - (x / scale)**2 / 2,  x >= 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, scale):
    import sympy

    return sympy.log(2 / sympy.pi) / 2 - sympy.log(scale) - (x / scale) ** 2 / 2


def log_cdf(x, *, scale):
    """log erf(x / (scale √2)): erf keeps its digits near 0, where the cdf is small."""
    import sympy

    return sympy.log(sympy.erf(x / (scale * sympy.sqrt(2))))


def log_survival(x, *, scale):
    """log erfc(x / (scale √2)) = log 2 + log Φ(-x / scale), finite far in the tail."""
    import sympy

    from ppl.catalogue.sympy_functions import log_ndtr

    return sympy.log(2) + log_ndtr(-x / scale)


def sample(scale):
    return abs(np.random.normal(0.0, scale))


HALF_NORMAL = Distribution(
    name="HalfNormal",
    parameters=(Parameter("scale", POSITIVE),),
    support=NONNEGATIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
