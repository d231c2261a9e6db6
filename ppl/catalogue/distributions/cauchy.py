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


def sample(loc, scale):
    return loc + scale * np.random.standard_cauchy()


CAUCHY = Distribution(
    name="Cauchy",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
