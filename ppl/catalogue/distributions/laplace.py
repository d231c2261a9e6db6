"""Laplace (double exponential) distribution.

    log p(x) = -|x - loc| / scale - log(2 scale)
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy

    return -sympy.Abs(x - loc) / scale - sympy.log(2 * scale)


def log_cdf(x, *, loc, scale):
    """exp(z)/2 below loc, 1 - exp(-z)/2 above: each side in the form exact in its tail."""
    import sympy

    from ppl.catalogue.sympy_functions import where

    z = (x - loc) / scale
    return where(z < 0, z - sympy.log(2), sympy.log(1 - sympy.exp(-z) / 2))


def log_survival(x, *, loc, scale):
    import sympy

    from ppl.catalogue.sympy_functions import where

    z = (x - loc) / scale
    return where(z > 0, -z - sympy.log(2), sympy.log(1 - sympy.exp(z) / 2))


def sample(loc, scale):
    return np.random.laplace(loc, scale)


LAPLACE = Distribution(
    name="Laplace",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
