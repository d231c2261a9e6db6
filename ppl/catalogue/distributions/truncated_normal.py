"""Truncated normal distribution: a Normal(loc, scale) restricted to [low, high] (TFP's
TruncatedNormal(loc, scale, low, high)); either bound may be infinite.

    log p(x) = -z**2 / 2 - log(scale) - log(2 pi) / 2 - log(Phi(b) - Phi(a)),   low <= x <= high
    z = (x - loc) / scale,  a = (low - loc) / scale,  b = (high - loc) / scale

log(Phi(b) - Phi(a)) is ``log_normal_mass``, taken from the tail both ends lie in, so that an
interval far out in either tail keeps its digits (a = 30: the mass is 1e-198, not 1 - 1 = 0).
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE, INTERVAL
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, scale, low, high):
    import sympy
    from ppl.catalogue.sympy_functions import log_normal_mass, where

    # an infinite end stays itself, so that its standardised value's derivatives are 0 there,
    # not inf times the normal density's 0 (SymPy's real symbols are finite, so an end is
    # compared with 1e308 instead of tested for equality with infinity)
    largest = sympy.Float(1e308)
    standard_low = where(sympy.Lt(low, -largest), low, (low - loc) / scale)
    standard_high = where(sympy.Gt(high, largest), high, (high - loc) / scale)
    z = (x - loc) / scale
    return (-z ** 2 / 2 - sympy.log(scale) - sympy.log(2 * sympy.pi) / 2
            - log_normal_mass(standard_low, standard_high))


def _standard_upper_tail(a, b):
    """A standard normal restricted to [a, b], 0 <= a < b (Robert 1995, "Simulation of
    truncated normal variables"): where the uniform proposal on [a, b] is accepted at least
    e^-1 of the time, that (acceptance exp((a**2 - z**2) / 2)); otherwise a + an exponential of
    rate (a + sqrt(a**2 + 4)) / 2, accepted with probability exp(-(z - rate)**2 / 2)."""
    if (b - a) * (a + b) <= 2.0:
        while True:
            z = np.random.uniform(a, b)
            if np.random.random() <= math.exp(0.5 * (a * a - z * z)):
                return z
    rate = 0.5 * (a + math.sqrt(a * a + 4.0))
    while True:
        z = a + np.random.exponential(1.0 / rate)
        if z <= b and np.random.random() <= math.exp(-0.5 * (z - rate) ** 2):
            return z


def sample(loc, scale, low, high):
    """Exact draws by rejection, for intervals anywhere: a tail interval (wholly above or below
    0) by ``_standard_upper_tail`` (mirrored below 0), an interval about 0 by the normal itself
    when it is at least 2 wide (mass above 0.47), else by a uniform proposal (acceptance
    exp(-z**2 / 2) >= e^-2)."""
    a = (low - loc) / scale
    b = (high - loc) / scale
    if a >= 0.0:
        z = _standard_upper_tail(a, b)
    elif b <= 0.0:
        z = -_standard_upper_tail(-b, -a)
    elif b - a >= 2.0:
        while True:
            z = np.random.normal(0.0, 1.0)
            if a <= z <= b:
                break
    else:
        while True:
            z = np.random.uniform(a, b)
            if np.random.random() <= math.exp(-0.5 * z * z):
                break
    return loc + scale * z


TRUNCATED_NORMAL = Distribution(
    name="TruncatedNormal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE), Parameter("low", REAL),
                Parameter("high", REAL)),
    support=INTERVAL,
    support_bounds=("low", "high"),
    log_density=log_density,
    sampler=sample,
)
