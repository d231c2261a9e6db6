"""Beta distribution; concentration1 weighs x, concentration0 weighs 1 - x.

    log p(x) = (c1 - 1) log(x) + (c0 - 1) log(1 - x) - lbeta(c1, c0),  0 < x < 1
"""

from ppl.catalogue.constraints import POSITIVE, UNIT_INTERVAL
from ppl.catalogue.declare import Distribution, Parameter

BETA = Distribution(
    name="Beta",
    parameters=(Parameter("concentration1", POSITIVE), Parameter("concentration0", POSITIVE)),
    support=UNIT_INTERVAL,
)
