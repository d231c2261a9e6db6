"""Geometric distribution (TFP's convention): the number of failures before the first success,
each trial a success with probability `probs` (sigmoid(`logits`)); scipy.stats.geom counts the
trials, one more.

    log p(k) = k log1p(-probs) + log(probs)
             = -k softplus(logits) - softplus(-logits)          (= k log(1 - p) + log p)

k log1p(-probs) is 0 where k = 0 (xlog1py), so probs = 1 (success at once) gives log p(0) = 0.
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, PROBABILITY, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, logits=None, probs=None):
    import sympy
    from ppl.catalogue.sympy_functions import softplus, xlog1py

    if logits is not None:
        return -x * softplus(logits) - softplus(-logits)
    return xlog1py(x, -probs) + sympy.log(probs)


def sample_probs(probs):
    """np.random.geometric counts trials up to and including the first success."""
    return np.random.geometric(probs) - 1


def sample_logits(logits):
    return np.random.geometric(1.0 / (1.0 + math.exp(-logits))) - 1


GEOMETRIC = Distribution(
    name="Geometric",
    parameters=(Parameter("logits", REAL), Parameter("probs", PROBABILITY)),
    alternatives=(("logits", "probs"),),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    sampler={"probs": sample_probs, "logits": sample_logits},
)
