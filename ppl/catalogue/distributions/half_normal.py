"""Half-normal distribution: |X| for X ~ Normal(0, scale).

    log p(x) = log(2) + Normal(0, scale).log_prob(x),  x >= 0
"""

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter

HALF_NORMAL = Distribution(
    name="HalfNormal",
    parameters=(Parameter("scale", POSITIVE),),
    support=NONNEGATIVE,
)
