"""Multinomial distribution: counts x of K categories in n = total_count draws.

    log p(x) = lgamma(n + 1) - sum_k lgamma(x_k + 1) + sum_k x_k log(probs_k)
             = lgamma(n + 1) - sum_k lgamma(x_k + 1) + sum_k x_k logits_k - n logsumexp(logits)

(the second form uses sum_k x_k = n, which the support guarantees).  x_k log(probs_k) is 0
where x_k = 0 and probs_k = 0 (xlogy): a category that cannot occur, seen 0 times, costs
nothing.  The SymPy form is written for any K, as Dirichlet's: `x` and `probs` (or `logits`)
are ``sympy.IndexedBase`` objects of shape (K,) summed over with ``sympy.Sum``.

Draws are K - 1 conditional binomials: x_k ~ Binomial(n - x_0 - ... - x_{k-1},
p_k / (p_k + ... + p_{K-1})), and the last category takes what is left.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, SIMPLEX, NONNEGATIVE_INTEGER, MULTINOMIAL_COUNTS
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, total_count, logits=None, probs=None):
    import sympy
    from ppl.catalogue.sympy_functions import xlogy

    k = sympy.Symbol("k", integer=True)
    entries = (k, 0, x.shape[0] - 1)
    arrangements = sympy.loggamma(total_count + 1) - sympy.Sum(sympy.loggamma(x[k] + 1), entries)
    if logits is not None:
        return (arrangements + sympy.Sum(x[k] * logits[k], entries)
                - total_count * sympy.log(sympy.Sum(sympy.exp(logits[k]), entries)))
    return arrangements + sympy.Sum(xlogy(x[k], probs[k]), entries)


def _conditional_binomials(total_count, weights):
    """Counts of each category, drawn category by category: the weights need not sum to 1."""
    size = weights.shape[0]
    counts = np.zeros(size, dtype=np.int64)
    remaining = int(total_count)
    remaining_weight = 0.0
    for k in range(size):
        remaining_weight += weights[k]
    for k in range(size - 1):
        if remaining == 0:
            break
        chance = min(1.0, max(0.0, weights[k] / remaining_weight)) if remaining_weight > 0 else 0.0
        counts[k] = np.random.binomial(remaining, chance)
        remaining -= counts[k]
        remaining_weight -= weights[k]
    counts[size - 1] += remaining
    return counts


def sample_probs(total_count, probs):
    return _conditional_binomials(total_count, probs)


def sample_logits(total_count, logits):
    largest = -math.inf
    for k in range(logits.shape[0]):
        largest = max(largest, logits[k])
    return _conditional_binomials(total_count, np.exp(logits - largest))


MULTINOMIAL = Distribution(
    name="Multinomial",
    parameters=(Parameter("total_count", NONNEGATIVE_INTEGER), Parameter("logits", REAL, event=("K",)),
                Parameter("probs", SIMPLEX, event=("K",))),
    alternatives=(("logits", "probs"),),
    support=MULTINOMIAL_COUNTS,
    support_bounds=("total_count",),
    event=("K",),
    log_density=log_density,
    sampler={"probs": sample_probs, "logits": sample_logits},
)
