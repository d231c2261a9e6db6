"""Logistic distribution.

    log p(x) = -z - 2 log(1 + exp(-z)) - log(scale),  z = (x - loc) / scale
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

LOGISTIC = Distribution(
    name="Logistic",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
)
