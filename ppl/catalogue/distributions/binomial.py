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


def log_beta_tails(first, second, success, failure):
    """(log(1 - I_p(first, second)), log I_p(first, second)) for p = success, 1 - p = failure:
    a count family's log cdf and log survival function at k when P(X > k) = I_p(first, second)
    (Binomial: k + 1, n - k; the negative binomials: k + 1, n).  The incomplete beta is taken
    at the smaller of p and 1 - p, each given as computed from the parameters (sigmoid(±logits)),
    so that neither is the rounded complement of a number near 1: 1 - I_p(a, b) = I_(1-p)(b, a)."""
    from ppl.catalogue.sympy_functions import log1m_inc_beta, log_inc_beta, where

    at_success = success < failure
    return (where(at_success, log1m_inc_beta(first, second, success), log_inc_beta(second, first, failure)),
            where(at_success, log_inc_beta(first, second, success), log1m_inc_beta(second, first, failure)))


def success_and_failure(logits=None, probs=None):
    """(p, 1 - p) as SymPy expressions, each computed directly from logits where they are given."""
    from ppl.catalogue.sympy_functions import sigmoid

    if logits is not None:
        return sigmoid(logits), sigmoid(-logits)
    return probs, 1 - probs


def _log_tails(x, total_count, logits, probs):
    """P(X <= k) = 1 - I_p(k + 1, n - k) for k < n; at k = n (and beyond) the cdf is 1."""
    import sympy

    from ppl.catalogue.sympy_functions import where

    log_cdf, log_survival = log_beta_tails(x + 1, total_count - x, *success_and_failure(logits, probs))
    at_total = x >= total_count
    return where(at_total, 0, log_cdf), where(at_total, -sympy.oo, log_survival)


def log_cdf(x, *, total_count, logits=None, probs=None):
    return _log_tails(x, total_count, logits, probs)[0]


def log_survival(x, *, total_count, logits=None, probs=None):
    return _log_tails(x, total_count, logits, probs)[1]


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
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler={"probs": sample_probs, "logits": sample_logits},
)
