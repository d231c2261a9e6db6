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
    sampler={"probs": sample_probs, "logits": sample_logits},
)
