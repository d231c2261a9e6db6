"""Beta distribution; concentration1 weighs x, concentration0 weighs 1 - x.

    log p(x) = (c1 - 1) log(x) + (c0 - 1) log1p(-x) - lbeta(c1, c0),  0 < x < 1
    lbeta(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)

The support is [0, 1], its edges included as in Stan and scipy: at x = 0 the density is its
limit, (c1 - 1) log(x) taken as 0 where c1 = 1 (xlogy), so Beta(1, c0) at 0 is log(c0),
Beta(2, c0) at 0 is -inf.
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, PROBABILITY
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration1, concentration0):
    import sympy
    from ppl.catalogue.sympy_functions import xlog1py, xlogy

    log_beta = (sympy.loggamma(concentration1) + sympy.loggamma(concentration0)
                - sympy.loggamma(concentration1 + concentration0))
    return xlogy(concentration1 - 1, x) + xlog1py(concentration0 - 1, -x) - log_beta


def log_cdf(x, *, concentration1, concentration0):
    """I_x(c1, c0), the regularised incomplete beta function."""
    from ppl.catalogue.sympy_functions import log_inc_beta

    return log_inc_beta(concentration1, concentration0, x)


def log_survival(x, *, concentration1, concentration0):
    from ppl.catalogue.sympy_functions import log1m_inc_beta

    return log1m_inc_beta(concentration1, concentration0, x)


def sample(concentration1, concentration0):
    return np.random.beta(concentration1, concentration0)


BETA = Distribution(
    name="Beta",
    parameters=(Parameter("concentration1", POSITIVE), Parameter("concentration0", POSITIVE)),
    support=PROBABILITY,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
