"""Multivariate normal with a diagonal scale: independent normals as one K-vector event.

    log p(x) = sum(Normal(loc, scale_diag).log_prob(x))
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a K-vector event (a sum of Normal log densities over the last axis);
# the compiler gives it a hand-written adjoint rule with the other multivariate normals
# (a later issue).
MULTIVARIATE_NORMAL_DIAG = Distribution(
    name="MultivariateNormalDiag",
    parameters=(Parameter("loc", REAL, event=("K",), default=0.0), Parameter("scale_diag", POSITIVE, event=("K",))),
    aliases=("MVNDiag",),
    support=REAL,
    event=("K",),
    log_density=None,
)
