"""Kumaraswamy distribution on [0, 1] (TFP's parameters: concentration1 = a weighs x,
concentration0 = b weighs 1 - x**a); a Beta-like family whose cdf, 1 - (1 - x**a)**b, has a
closed form.

    log p(x) = log(a) + log(b) + (a - 1) log(x) + (b - 1) log1p(-x**a),   0 <= x <= 1

At the edges it is its limit, (a - 1) log(x) taken as 0 where a = 1 (xlogy), as Beta's.
"""

import math

import numpy as np

from ppl.catalogue.constraints import POSITIVE, PROBABILITY
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration1, concentration0):
    import sympy
    from ppl.catalogue.sympy_functions import xlog1py, xlogy

    a, b = concentration1, concentration0
    return sympy.log(a) + sympy.log(b) + xlogy(a - 1, x) + xlog1py(b - 1, -x ** a)


def sample(concentration1, concentration0):
    """The inverse cdf at a uniform u: (1 - (1 - u)**(1/b))**(1/a), with 1 - (1 - u)**(1/b)
    as -expm1(log1p(-u) / b) so that small values keep their digits."""
    u = np.random.random()
    return (-math.expm1(math.log1p(-u) / concentration0)) ** (1.0 / concentration1)


KUMARASWAMY = Distribution(
    name="Kumaraswamy",
    parameters=(Parameter("concentration1", POSITIVE, default=1.0),
                Parameter("concentration0", POSITIVE, default=1.0)),
    support=PROBABILITY,
    log_density=log_density,
    sampler=sample,
)
