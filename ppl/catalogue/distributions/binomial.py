"""Binomial distribution: successes in total_count trials.

    log p(k) = log C(n, k) + k log(p) + (n - k) log(1 - p)
"""

from ppl.catalogue.constraints import REAL, UNIT_INTERVAL, NONNEGATIVE_INTEGER, COUNT_UP_TO_TOTAL
from ppl.catalogue.declare import Distribution, Parameter

BINOMIAL = Distribution(
    name="Binomial",
    parameters=(Parameter("total_count", NONNEGATIVE_INTEGER), Parameter("logits", REAL),
                Parameter("probs", UNIT_INTERVAL)),
    alternatives=(("logits", "probs"),),
    support=COUNT_UP_TO_TOTAL,
    support_bounds=("total_count",),
)
