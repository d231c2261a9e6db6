"""Multivariate normal with a diagonal scale: independent normals as one K-vector event.

    log p(x) = sum(Normal(loc, scale_diag).log_prob(x))
"""

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.lowering import argument, lowers_to

# log_density=None, no sampler: it is a Normal per entry of the event (its lowering), whose
# log densities the compiler sums over the event and whose sampler `gen` calls per entry.
MULTIVARIATE_NORMAL_DIAG = Distribution(
    name="MultivariateNormalDiag",
    parameters=(Parameter("loc", REAL, event=("K",), default=0.0), Parameter("scale_diag", POSITIVE, event=("K",))),
    aliases=("MVNDiag",),
    support=REAL,
    event=("K",),
    log_density=None,
    lowering=lowers_to("Normal", event_as_batch=True, loc=argument("loc"), scale=argument("scale_diag")),
)
