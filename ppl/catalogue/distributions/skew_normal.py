"""Skew normal distribution (Azzalini 1985; Stan's `skew_normal(xi, omega, alpha)`): a normal
with location `loc` and `scale`, tilted by `skewness` (0 is the Normal).

    log p(x) = log(2) - log(scale) - z**2 / 2 - log(2 pi) / 2 + log Phi(skewness z),
    z = (x - loc) / scale

log Phi is ``log_ndtr``, accurate far into the lower tail, where Phi itself underflows.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale, skewness):
    import sympy
    from ppl.catalogue.sympy_functions import log_ndtr

    z = (x - loc) / scale
    return (sympy.log(2) - sympy.log(scale) - z ** 2 / 2 - sympy.log(2 * sympy.pi) / 2
            + log_ndtr(skewness * z))


def sample(loc, scale, skewness):
    """Azzalini's representation: with delta = skewness / sqrt(1 + skewness**2) and u0, v
    independent standard normals, delta |u0| + sqrt(1 - delta**2) v is a standard skew normal."""
    delta = skewness / math.sqrt(1.0 + skewness * skewness)
    u0 = abs(np.random.normal(0.0, 1.0))
    v = np.random.normal(0.0, 1.0)
    return loc + scale * (delta * u0 + math.sqrt(1.0 - delta * delta) * v)


SKEW_NORMAL = Distribution(
    name="SkewNormal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE), Parameter("skewness", REAL)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
