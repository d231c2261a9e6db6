"""Gamma distribution with shape `concentration` and `rate`.

    log p(x) = concentration log(rate) - lgamma(concentration)
               + (concentration - 1) log(x) - rate x,  x > 0
"""

from ppl.catalogue.constraints import POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

GAMMA = Distribution(
    name="Gamma",
    parameters=(Parameter("concentration", POSITIVE), Parameter("rate", POSITIVE)),
    support=POSITIVE,
)
