"""Half-Cauchy distribution: a Cauchy(loc, scale) folded at loc.

    log p(x) = log(2) + Cauchy(loc, scale).log_prob(x),  x >= loc
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE, LOWER
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import cauchy


def log_density(x, *, loc, scale):
    import sympy

    return sympy.log(2) + cauchy.log_density(x, loc=loc, scale=scale)


def log_cdf(x, *, loc, scale):
    """F = (2/π) atan(z) for z = (x - loc) / scale >= 0."""
    import sympy

    return sympy.log(2 * sympy.atan((x - loc) / scale) / sympy.pi)


def log_survival(x, *, loc, scale):
    """1 - F = (2/π) atan(1/z) = (2/π) atan2(1, z), without the cancellation in the tail."""
    import sympy

    return sympy.log(2 * sympy.atan2(1, (x - loc) / scale) / sympy.pi)


def sample(loc, scale):
    return loc + abs(scale * np.random.standard_cauchy())


HALF_CAUCHY = Distribution(
    name="HalfCauchy",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=LOWER,
    support_bounds=("loc",),
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
