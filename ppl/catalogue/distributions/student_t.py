"""Student's t distribution with df degrees of freedom, location and scale.

    log p(x) = lgamma((df+1)/2) - lgamma(df/2) - log(pi df)/2 - log(scale)
               - (df+1)/2 log(1 + ((x - loc)/scale)**2 / df)
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

STUDENT_T = Distribution(
    name="StudentT",
    parameters=(Parameter("df", POSITIVE), Parameter("loc", REAL), Parameter("scale", POSITIVE)),
    support=REAL,
)
