"""Student's t distribution with df degrees of freedom, location and scale.

    log p(x) = lgamma((df+1)/2) - lgamma(df/2) - log(pi df)/2 - log(scale)
               - (df+1)/2 log1p(((x - loc)/scale)**2 / df)
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, df, loc, scale):
    import sympy
    from ppl.catalogue.sympy_functions import log1p

    z = (x - loc) / scale
    return (sympy.loggamma((df + 1) / 2) - sympy.loggamma(df / 2) - sympy.log(sympy.pi * df) / 2
            - sympy.log(scale) - (df + 1) / 2 * log1p(z ** 2 / df))


def log_cdf(x, *, df, loc, scale):
    """F(z) = I_w(df/2, 1/2) / 2 below loc (1 minus it above), w = df / (df + z²)."""
    from ppl.catalogue.sympy_functions import log_student_t_cdf

    return log_student_t_cdf(df, (x - loc) / scale)


def log_survival(x, *, df, loc, scale):
    """1 - F(z) = F(-z), the family being symmetric."""
    from ppl.catalogue.sympy_functions import log_student_t_cdf

    return log_student_t_cdf(df, (loc - x) / scale)


def sample(df, loc, scale):
    return loc + scale * np.random.standard_t(df)


STUDENT_T = Distribution(
    name="StudentT",
    parameters=(Parameter("df", POSITIVE), Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
