"""Normal (Gaussian) distribution.

    log p(x) = -((x - loc) / scale)**2 / 2 - log(scale) - log(2 pi) / 2
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

NORMAL = Distribution(
    name="Normal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
)
