"""Exponential distribution with a rate.

    log p(x) = log(rate) - rate x,  x >= 0
"""

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter

EXPONENTIAL = Distribution(
    name="Exponential",
    parameters=(Parameter("rate", POSITIVE),),
    support=NONNEGATIVE,
)
