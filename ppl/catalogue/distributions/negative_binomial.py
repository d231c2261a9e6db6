"""Negative binomial distribution (TFP's convention): the number of successes
before total_count failures, each trial a success with probability `probs`.

    log p(k) = lgamma(k + n) - lgamma(k + 1) - lgamma(n) + n log(1 - p) + k log(p)
"""

from ppl.catalogue.constraints import REAL, POSITIVE, UNIT_INTERVAL, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter

NEGATIVE_BINOMIAL = Distribution(
    name="NegativeBinomial",
    parameters=(Parameter("total_count", POSITIVE), Parameter("logits", REAL),
                Parameter("probs", UNIT_INTERVAL)),
    alternatives=(("logits", "probs"),),
    support=NONNEGATIVE_INTEGER,
)
