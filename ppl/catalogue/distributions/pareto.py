"""Pareto (type I) distribution with shape `concentration` (alpha) and `scale`, the least
value (TFP's parameters; scale defaults to 1).

    log p(x) = log(alpha) + alpha log(scale) - (alpha + 1) log(x),   x >= scale

The support starts at the scale, a parameter: a param declared as a Pareto's value needs
`lower=` that scale (the checker says so), and a value below it scores -inf.
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, LOWER
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration, scale):
    import sympy

    return sympy.log(concentration) + concentration * sympy.log(scale) - (concentration + 1) * sympy.log(x)


def sample(concentration, scale):
    """np.random.pareto draws the Lomax (Pareto II) variable x / scale - 1."""
    return scale * (1.0 + np.random.pareto(concentration))


PARETO = Distribution(
    name="Pareto",
    parameters=(Parameter("concentration", POSITIVE), Parameter("scale", POSITIVE, default=1.0)),
    support=LOWER,
    support_bounds=("scale",),
    log_density=log_density,
    sampler=sample,
)
