"""Multivariate normal given its covariance matrix (factored by Cholesky when evaluated).

    log p(x) = -(x - loc)' inv(C) (x - loc) / 2 - log det(C) / 2 - K log(2 pi) / 2
"""

from ppl.catalogue.constraints import REAL, COV
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a matrix-valued computation; the compiler gives it a hand-written
# adjoint rule instead of a SymPy expression (a later issue).
MULTIVARIATE_NORMAL_FULL_COVARIANCE = Distribution(
    name="MultivariateNormalFullCovariance",
    parameters=(Parameter("loc", REAL, event=("K",), default=0.0),
                Parameter("covariance_matrix", COV, event=("K", "K"))),
    aliases=("MVN",),
    support=REAL,
    event=("K",),
    log_density=None,
)
