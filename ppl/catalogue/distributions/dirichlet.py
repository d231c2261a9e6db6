"""Dirichlet distribution on the K-simplex.

    log p(x) = sum((a - 1) log(x)) + lgamma(sum(a)) - sum(lgamma(a))
"""

from ppl.catalogue.constraints import POSITIVE, SIMPLEX
from ppl.catalogue.declare import Distribution, Parameter

DIRICHLET = Distribution(
    name="Dirichlet",
    parameters=(Parameter("concentration", POSITIVE, event=("K",)),),
    support=SIMPLEX,
    event=("K",),
)
