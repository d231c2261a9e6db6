"""Negative binomial distribution (TFP's convention): the number of successes
before total_count failures, each trial a success with probability `probs`
(scipy.stats.nbinom counts the other outcome: this is nbinom(n, 1 - probs)).

    log p(k) = lgamma(k + n) - lgamma(k + 1) - lgamma(n) + n log1p(-p) + k log(p)
             = lgamma(k + n) - lgamma(k + 1) - lgamma(n) + k logits - (n + k) softplus(logits)
    (p = sigmoid(logits))

k log(p) is 0 where k = 0 (xlogy), so probs = 0 gives Stan's limit, not 0 * -inf = nan.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE, PROBABILITY, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, total_count, logits=None, probs=None):
    import sympy
    from ppl.catalogue.sympy_functions import log1p, softplus, xlogy

    n = total_count
    log_normaliser = sympy.loggamma(x + n) - sympy.loggamma(x + 1) - sympy.loggamma(n)
    if logits is not None:
        return log_normaliser + x * logits - (n + x) * softplus(logits)
    return log_normaliser + n * log1p(-probs) + xlogy(x, probs)


def log_cdf(x, *, total_count, logits=None, probs=None):
    """P(X <= k) = 1 - I_p(k + 1, n) (the k + 1st success comes after the nth failure)."""
    from ppl.catalogue.distributions.binomial import log_beta_tails, success_and_failure

    return log_beta_tails(x + 1, total_count, *success_and_failure(logits, probs))[0]


def log_survival(x, *, total_count, logits=None, probs=None):
    from ppl.catalogue.distributions.binomial import log_beta_tails, success_and_failure

    return log_beta_tails(x + 1, total_count, *success_and_failure(logits, probs))[1]


def sample_probs(total_count, probs):
    """Successes before total_count failures: Poisson(Gamma(total_count, scale=probs / (1 - probs)))."""
    return np.random.poisson(np.random.gamma(total_count, probs / (1.0 - probs)))


def sample_logits(total_count, logits):
    return np.random.poisson(np.random.gamma(total_count, math.exp(logits)))


NEGATIVE_BINOMIAL = Distribution(
    name="NegativeBinomial",
    parameters=(Parameter("total_count", POSITIVE), Parameter("logits", REAL),
                Parameter("probs", PROBABILITY)),
    alternatives=(("logits", "probs"),),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler={"probs": sample_probs, "logits": sample_logits},
)
