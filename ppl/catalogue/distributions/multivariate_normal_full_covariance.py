"""Multivariate normal given its covariance matrix (factored by Cholesky when evaluated).

    log p(x) = -(x - loc)' inv(C) (x - loc) / 2 - log det(C) / 2 - K log(2 pi) / 2
"""

from ppl.catalogue.constraints import REAL, COV
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.lowering import argument, call, lowers_to

# log_density=None, no sampler: it is a MultivariateNormalTriL of cholesky(covariance_matrix)
# (its lowering), which has the compiler's kernel and the sampler.
MULTIVARIATE_NORMAL_FULL_COVARIANCE = Distribution(
    name="MultivariateNormalFullCovariance",
    parameters=(Parameter("loc", REAL, event=("K",), default=0.0),
                Parameter("covariance_matrix", COV, event=("K", "K"))),
    aliases=("MVN",),
    support=REAL,
    event=("K",),
    log_density=None,
    lowering=lowers_to("MultivariateNormalTriL", loc=argument("loc"),
                       scale_tril=call("cholesky", argument("covariance_matrix"))),
)
