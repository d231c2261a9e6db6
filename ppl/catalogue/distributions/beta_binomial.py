"""Beta-binomial distribution: Binomial(total_count, p) with p ~ Beta(concentration1, concentration0).

    log p(k) = log C(n, k) + lbeta(k + c1, n - k + c0) - lbeta(c1, c0)
"""

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE_INTEGER, COUNT_UP_TO_TOTAL
from ppl.catalogue.declare import Distribution, Parameter

BETA_BINOMIAL = Distribution(
    name="BetaBinomial",
    parameters=(Parameter("total_count", NONNEGATIVE_INTEGER), Parameter("concentration1", POSITIVE),
                Parameter("concentration0", POSITIVE)),
    support=COUNT_UP_TO_TOTAL,
    support_bounds=("total_count",),
)
