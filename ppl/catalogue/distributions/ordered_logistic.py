"""Ordered logistic distribution (proportional-odds ordinal regression; TFP's
OrderedLogistic(cutpoints, loc), Stan's ordered_logistic(eta, c)): an outcome in {0, ..., K}
from K increasing `cutpoints` c and a latent location `loc`, P(X > k) = sigmoid(loc - c[k]).

    log p(0) = log_sigmoid(c[0] - loc)
    log p(k) = log(sigmoid(loc - c[k-1]) - sigmoid(loc - c[k]))
             = log_sigmoid(loc - c[k-1]) + log_sigmoid(c[k] - loc) + log1m_exp(c[k-1] - c[k]),  0 < k < K
    log p(K) = log_sigmoid(loc - c[K-1])

The middle line is the difference of sigmoids without a subtraction of nearly equal numbers.
The cutpoints must increase (declare the param `ordered[K]`): otherwise a category's
probability is negative and its log density NaN, which the samplers reject.

The cutpoints on either side of x are picked with sums over the cutpoints of
``where(j == x - 1, c[j], 0)`` and ``where(j == x, c[j], 0)``, so that the form holds for any K
and x = 0 and x = K read no entry outside c (the compiler emits one loop over the cutpoints,
and its adjoint one more).
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, ORDINAL
from ppl.catalogue.declare import Distribution, Parameter


def cutpoints_around(x, cutpoints):
    """(c[x - 1], c[x], K) as SymPy sums that are 0 where the cutpoint does not exist."""
    import sympy
    from ppl.catalogue.sympy_functions import where

    j = sympy.Symbol("j", integer=True)
    size = cutpoints.shape[0]
    below = sympy.Sum(where(sympy.Eq(j, x - 1), cutpoints[j], 0), (j, 0, size - 1))
    above = sympy.Sum(where(sympy.Eq(j, x), cutpoints[j], 0), (j, 0, size - 1))
    return below, above, size


def ordinal_log_density(x, cutpoints, loc, log_cdf, log_interval_mass):
    """log p(x) of the ordinal outcome of a latent loc + noise whose law is symmetric about 0,
    with log cdf ``log_cdf`` and log mass of an interval ``log_interval_mass(low, high)``: the
    one definition OrderedLogistic and OrderedProbit share.

        log p(0) = log F(c[0] - loc),  log p(K) = log F(loc - c[K-1]) (= log(1 - F(c[K-1] - loc))),
        log p(k) = log(F(c[k] - loc) - F(c[k-1] - loc)) otherwise."""
    import sympy
    from ppl.catalogue.sympy_functions import where

    below, above, size = cutpoints_around(x, cutpoints)
    return where(sympy.Eq(x, 0), log_cdf(above - loc),
                 where(sympy.Eq(x, size), log_cdf(loc - below), log_interval_mass(below - loc, above - loc)))


def category_of(cutpoints, latent):
    """The outcome of a latent value: how many cutpoints lie below it (both families' samplers)."""
    category = 0
    for k in range(cutpoints.shape[0]):
        if cutpoints[k] < latent:
            category += 1
    return category


def _log_logistic_mass(low, high):
    """log(sigmoid(high) - sigmoid(low)) for low < high, without subtracting nearly equal numbers."""
    from ppl.catalogue.sympy_functions import log1m_exp, log_sigmoid

    return log_sigmoid(-low) + log_sigmoid(high) + log1m_exp(low - high)


def log_density(x, *, cutpoints, loc):
    from ppl.catalogue.sympy_functions import log_sigmoid

    return ordinal_log_density(x, cutpoints, loc, log_sigmoid, _log_logistic_mass)


def sample(cutpoints, loc):
    """The latent loc + standard logistic noise, counted against the cutpoints below it."""
    u = np.random.random()
    return category_of(cutpoints, loc + math.log(u) - math.log1p(-u))


ORDERED_LOGISTIC = Distribution(
    name="OrderedLogistic",
    parameters=(Parameter("cutpoints", REAL, event=("K",)), Parameter("loc", REAL)),
    support=ORDINAL,
    log_density=log_density,
    sampler=sample,
)
