"""Bernoulli distribution on {0, 1}, by log-odds (`logits`) or probability (`probs`).

    log p(x) = x logits - softplus(logits)          (= log_sigmoid(+-logits))
    log p(x) = log(probs) if x = 1, log1p(-probs) if x = 0

Written by cases on x (not x log(probs) + (1 - x) log1p(-probs)) so that probs at an edge
gives Stan's limit: probs = 1, x = 1 is 0, not 0 * -inf = nan.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, PROBABILITY, BINARY
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, logits=None, probs=None):
    import sympy
    from ppl.catalogue.sympy_functions import log1p, softplus, where

    if logits is not None:
        return x * logits - softplus(logits)
    return where(sympy.Eq(x, 1), sympy.log(probs), log1p(-probs))


def log_cdf(x, *, logits=None, probs=None):
    """P(X <= 0) = 1 - p; P(X <= 1) = 1."""
    from ppl.catalogue.sympy_functions import log1p, log_sigmoid, where

    at_zero = log_sigmoid(-logits) if logits is not None else log1p(-probs)
    return where(x >= 1, 0, at_zero)


def log_survival(x, *, logits=None, probs=None):
    """P(X > 0) = p; P(X > 1) = 0."""
    import sympy

    from ppl.catalogue.sympy_functions import log_sigmoid, where

    at_zero = log_sigmoid(logits) if logits is not None else sympy.log(probs)
    return where(x >= 1, -sympy.oo, at_zero)


def sample_probs(probs):
    return 1 if np.random.random() < probs else 0


def sample_logits(logits):
    return 1 if np.random.random() < 1.0 / (1.0 + math.exp(-logits)) else 0


BERNOULLI = Distribution(
    name="Bernoulli",
    parameters=(Parameter("logits", REAL), Parameter("probs", PROBABILITY)),
    alternatives=(("logits", "probs"),),
    support=BINARY,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler={"probs": sample_probs, "logits": sample_logits},
)
