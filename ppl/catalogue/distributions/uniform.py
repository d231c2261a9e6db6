"""Continuous uniform distribution on [low, high).

    log p(x) = -log(high - low),  low <= x < high
"""

import numpy as np

from ppl.catalogue.constraints import REAL, INTERVAL
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, low, high):
    import sympy

    return -sympy.log(high - low)


def log_cdf(x, *, low, high):
    import sympy

    return sympy.log(x - low) - sympy.log(high - low)


def log_survival(x, *, low, high):
    import sympy

    return sympy.log(high - x) - sympy.log(high - low)


def sample(low, high):
    return np.random.uniform(low, high)


UNIFORM = Distribution(
    name="Uniform",
    parameters=(Parameter("low", REAL, default=0.0), Parameter("high", REAL, default=1.0)),
    support=INTERVAL,
    support_bounds=("low", "high"),
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
