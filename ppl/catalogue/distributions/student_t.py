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


def sample(df, loc, scale):
    return loc + scale * np.random.standard_t(df)


STUDENT_T = Distribution(
    name="StudentT",
    parameters=(Parameter("df", POSITIVE), Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
