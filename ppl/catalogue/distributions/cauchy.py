"""Cauchy distribution.

    log p(x) = -log(pi) - log(scale) - log(1 + ((x - loc)/scale)**2)
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

CAUCHY = Distribution(
    name="Cauchy",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
)
