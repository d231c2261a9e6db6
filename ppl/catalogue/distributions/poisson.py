"""Poisson distribution, by `rate` or `log_rate`.

    log p(k) = k log(rate) - rate - lgamma(k + 1)
"""

from ppl.catalogue.constraints import REAL, POSITIVE, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter

POISSON = Distribution(
    name="Poisson",
    parameters=(Parameter("rate", POSITIVE), Parameter("log_rate", REAL)),
    alternatives=(("rate", "log_rate"),),
    support=NONNEGATIVE_INTEGER,
)
