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


def sample(df, loc, scale):
    return loc + abs(scale * np.random.standard_t(df))


HALF_STUDENT_T = Distribution(
    name="HalfStudentT",
    parameters=(Parameter("df", POSITIVE), Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=LOWER,
    support_bounds=("loc",),
    log_density=log_density,
    sampler=sample,
)
