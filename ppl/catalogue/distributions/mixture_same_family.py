"""Mixture of K components of one family, weighted by a Categorical.
The rightmost batch axis of components_distribution indexes the components.

    log p(x) = logsumexp_k(log w[k] + component_k.log_prob(x))
"""

from ppl.catalogue.constraints import REAL
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a mixture of another declared family; the compiler composes the
# components' log densities with logsumexp under a hand-written rule (a later issue).
MIXTURE_SAME_FAMILY = Distribution(
    name="MixtureSameFamily",
    parameters=(Parameter("mixture_distribution", REAL, kind="distribution"),
                Parameter("components_distribution", REAL, kind="distribution")),
    support=REAL,
    shape_rule="mixture_same_family",
    log_density=None,
)
