"""Categorical distribution over {0, ..., K - 1}, by `logits` or `probs` (a K-vector).

    log p(k) = log_softmax(logits)[k] = log(probs[k])
"""

from ppl.catalogue.constraints import REAL, SIMPLEX, CATEGORY
from ppl.catalogue.declare import Distribution, Parameter

CATEGORICAL = Distribution(
    name="Categorical",
    parameters=(Parameter("logits", REAL, event=("K",)), Parameter("probs", SIMPLEX, event=("K",))),
    alternatives=(("logits", "probs"),),
    support=CATEGORY,
)
