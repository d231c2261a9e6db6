"""Binomial distribution: successes k in n = total_count trials.

    log p(k) = log C(n, k) + k log(p) + (n - k) log1p(-p)
             = log C(n, k) + k logits - n softplus(logits)      (p = sigmoid(logits))
    log C(n, k) = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)

k log(p) and (n - k) log1p(-p) are 0 where their count is 0 (xlogy), so p = 0 or 1 gives
Stan's limit, not 0 * -inf = nan.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, PROBABILITY, NONNEGATIVE_INTEGER, COUNT_UP_TO_TOTAL
from ppl.catalogue.declare import Distribution, Parameter


def log_binomial_coefficient(n, k):
    """log C(n, k) as a SymPy expression."""
    import sympy

    return sympy.loggamma(n + 1) - sympy.loggamma(k + 1) - sympy.loggamma(n - k + 1)


def log_density(x, *, total_count, logits=None, probs=None):
    from ppl.catalogue.sympy_functions import softplus, xlog1py, xlogy

    log_choose = log_binomial_coefficient(total_count, x)
    if logits is not None:
        return log_choose + x * logits - total_count * softplus(logits)
    return log_choose + xlogy(x, probs) + xlog1py(total_count - x, -probs)


def sample_probs(total_count, probs):
    return np.random.binomial(int(total_count), probs)


def sample_logits(total_count, logits):
    return np.random.binomial(int(total_count), 1.0 / (1.0 + math.exp(-logits)))


BINOMIAL = Distribution(
    name="Binomial",
    parameters=(Parameter("total_count", NONNEGATIVE_INTEGER), Parameter("logits", REAL),
                Parameter("probs", PROBABILITY)),
    alternatives=(("logits", "probs"),),
    support=COUNT_UP_TO_TOTAL,
    support_bounds=("total_count",),
    log_density=log_density,
    sampler={"probs": sample_probs, "logits": sample_logits},
)
