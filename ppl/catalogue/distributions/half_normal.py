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


def sample(scale):
    return abs(np.random.normal(0.0, scale))


HALF_NORMAL = Distribution(
    name="HalfNormal",
    parameters=(Parameter("scale", POSITIVE),),
    support=NONNEGATIVE,
    log_density=log_density,
    sampler=sample,
)
