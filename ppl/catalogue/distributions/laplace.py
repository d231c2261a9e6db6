"""Laplace (double exponential) distribution.

    log p(x) = -|x - loc| / scale - log(2 scale)
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

LAPLACE = Distribution(
    name="Laplace",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
)
