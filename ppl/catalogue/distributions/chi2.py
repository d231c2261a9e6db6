"""Chi-squared distribution with df degrees of freedom: Gamma(df/2, rate=1/2).
"""

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter

CHI2 = Distribution(
    name="Chi2",
    parameters=(Parameter("df", POSITIVE),),
    support=NONNEGATIVE,
)
