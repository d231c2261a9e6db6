"""Chi-squared distribution with df degrees of freedom: Gamma(df/2, rate=1/2).

    log p(x) = (df/2 - 1) log(x) - x/2 - (df/2) log(2) - lgamma(df/2),  x > 0
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, df):
    import sympy

    half_df = df / 2
    return (half_df - 1) * sympy.log(x) - x / 2 - half_df * sympy.log(2) - sympy.loggamma(half_df)


def log_cdf(x, *, df):
    """P(df / 2, x / 2): a Gamma(df / 2, rate 1/2)."""
    from ppl.catalogue.sympy_functions import log_gamma_p

    return log_gamma_p(df / 2, x / 2)


def log_survival(x, *, df):
    from ppl.catalogue.sympy_functions import log_gamma_q

    return log_gamma_q(df / 2, x / 2)


def sample(df):
    return np.random.chisquare(df)


CHI2 = Distribution(
    name="Chi2",
    parameters=(Parameter("df", POSITIVE),),
    support=NONNEGATIVE,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
