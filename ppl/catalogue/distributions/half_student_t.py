"""Half Student's t: a StudentT(df, loc, scale) folded at loc.

    log p(x) = log(2) + StudentT(df, loc, scale).log_prob(x),  x >= loc
"""

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE, LOWER
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions import student_t


def log_density(x, *, df, loc, scale):
    import sympy

    return sympy.log(2) + student_t.log_density(x, df=df, loc=loc, scale=scale)


def log_cdf(x, *, df, loc, scale):
    """P(|T| <= z) = I_y(1/2, df/2), y = z² / (df + z²), for the standard StudentT T: computed
    directly, not as 1 - 2 F(-z), which cancels near loc."""
    import sympy

    from ppl.catalogue.sympy_functions import log_inc_beta

    square = ((x - loc) / scale) ** 2
    return log_inc_beta(sympy.Rational(1, 2), df / 2, square / (df + square))


def log_survival(x, *, df, loc, scale):
    """P(|T| > z) = 2 F(-z), computed directly: it is the tail that underflows."""
    import sympy

    return sympy.log(2) + student_t.log_survival(x, df=df, loc=loc, scale=scale)


def sample(df, loc, scale):
    return loc + abs(scale * np.random.standard_t(df))


HALF_STUDENT_T = Distribution(
    name="HalfStudentT",
    parameters=(Parameter("df", POSITIVE), Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=LOWER,
    support_bounds=("loc",),
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
