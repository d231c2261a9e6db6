"""Multivariate normal with covariance scale_tril @ scale_tril.T.

    log p(x) = -|z|**2 / 2 - sum(log(diag(scale_tril))) - K log(2 pi) / 2,
    z = solve_triangular(scale_tril, x - loc)
"""

from ppl.catalogue.constraints import REAL, COV_CHOLESKY
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a matrix-valued computation; the compiler gives it a hand-written
# adjoint rule instead of a SymPy expression (a later issue).
MULTIVARIATE_NORMAL_TRIL = Distribution(
    name="MultivariateNormalTriL",
    parameters=(Parameter("loc", REAL, event=("K",), default=0.0),
                Parameter("scale_tril", COV_CHOLESKY, event=("K", "K"))),
    aliases=("MVNTriL",),
    support=REAL,
    event=("K",),
    log_density=None,
)
