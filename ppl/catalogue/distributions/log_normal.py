"""Log-normal distribution: exp(X) for X ~ Normal(loc, scale).

    log p(x) = Normal(loc, scale).log_prob(log x) - log x,  x > 0
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

LOG_NORMAL = Distribution(
    name="LogNormal",
    parameters=(Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=POSITIVE,
)
