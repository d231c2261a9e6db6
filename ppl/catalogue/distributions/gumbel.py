"""Gumbel (type I extreme value, maxima) distribution with location and scale.

    log p(x) = -log(scale) - z - exp(-z),   z = (x - loc) / scale
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy

    z = (x - loc) / scale
    return -sympy.log(scale) - z - sympy.exp(-z)


def sample(loc, scale):
    return np.random.gumbel(loc, scale)


GUMBEL = Distribution(
    name="Gumbel",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
