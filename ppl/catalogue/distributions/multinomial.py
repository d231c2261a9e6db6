"""Multinomial distribution: counts of K categories in total_count draws.

    log p(x) = lgamma(n + 1) - sum(lgamma(x + 1)) + sum(x log(probs))
"""

from ppl.catalogue.constraints import REAL, SIMPLEX, NONNEGATIVE_INTEGER, MULTINOMIAL_COUNTS
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a vector-valued count; the compiler gives it a hand-written
# adjoint rule instead of a SymPy expression (a later issue).
MULTINOMIAL = Distribution(
    name="Multinomial",
    parameters=(Parameter("total_count", NONNEGATIVE_INTEGER), Parameter("logits", REAL, event=("K",)),
                Parameter("probs", SIMPLEX, event=("K",))),
    alternatives=(("logits", "probs"),),
    support=MULTINOMIAL_COUNTS,
    support_bounds=("total_count",),
    event=("K",),
    log_density=None,
)
