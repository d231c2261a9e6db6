"""Laplace (double exponential) distribution.

    log p(x) = -|x - loc| / scale - log(2 scale)
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy

    return -sympy.Abs(x - loc) / scale - sympy.log(2 * scale)


def sample(loc, scale):
    return np.random.laplace(loc, scale)


LAPLACE = Distribution(
    name="Laplace",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
