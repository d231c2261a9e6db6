"""Ordered probit distribution (Stan's ordered_probit(eta, c); the parameters named as TFP
names OrderedLogistic's): an outcome in {0, ..., K} from K increasing `cutpoints` c and a
latent location `loc`, P(X > k) = Phi(loc - c[k]).

    log p(0) = log Phi(c[0] - loc)
    log p(k) = log(Phi(c[k] - loc) - Phi(c[k-1] - loc)),   0 < k < K
    log p(K) = log Phi(loc - c[K-1])

log Phi is ``log_ndtr`` and the middle line ``log_normal_mass``, the normal mass of an interval
taken from the tail it lies in.  Both families are ``ordered_logistic.ordinal_log_density`` of
their noise's law; the cutpoints must increase (declare them `ordered[K]`).
"""

import numpy as np

from ppl.catalogue.constraints import REAL, ORDINAL
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions.ordered_logistic import category_of, ordinal_log_density


def log_density(x, *, cutpoints, loc):
    from ppl.catalogue.sympy_functions import log_ndtr, log_normal_mass

    return ordinal_log_density(x, cutpoints, loc, log_ndtr, log_normal_mass)


def sample(cutpoints, loc):
    """The latent loc + standard normal noise, counted against the cutpoints below it."""
    return category_of(cutpoints, loc + np.random.normal(0.0, 1.0))


ORDERED_PROBIT = Distribution(
    name="OrderedProbit",
    parameters=(Parameter("cutpoints", REAL, event=("K",)), Parameter("loc", REAL)),
    support=ORDINAL,
    log_density=log_density,
    sampler=sample,
)
