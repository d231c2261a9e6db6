"""Weibull distribution with shape `concentration` and `scale`.

    log p(x) = log(k / scale) + (k - 1) log(x / scale) - (x / scale)**k,  x >= 0
"""

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter

WEIBULL = Distribution(
    name="Weibull",
    parameters=(Parameter("concentration", POSITIVE), Parameter("scale", POSITIVE)),
    support=NONNEGATIVE,
)
