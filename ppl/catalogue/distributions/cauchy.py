"""Cauchy distribution.

    log p(x) = -log(pi) - log(scale) - log1p(((x - loc)/scale)**2)
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale):
    import sympy
    from ppl.catalogue.sympy_functions import log1p

    z = (x - loc) / scale
    return -sympy.log(sympy.pi) - sympy.log(scale) - log1p(z ** 2)


def log_cdf(x, *, loc, scale):
    """F = 1/2 + atan(z)/π = atan2(1, -z)/π, which keeps the lower tail's digits (≈ 1/(π|z|))
    that 1/2 + atan(z)/π cancels away."""
    import sympy

    return sympy.log(sympy.atan2(1, (loc - x) / scale) / sympy.pi)


def log_survival(x, *, loc, scale):
    import sympy

    return sympy.log(sympy.atan2(1, (x - loc) / scale) / sympy.pi)


def sample(loc, scale):
    return loc + scale * np.random.standard_cauchy()


CAUCHY = Distribution(
    name="Cauchy",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
