"""Bernoulli distribution on {0, 1}, by log-odds (`logits`) or probability (`probs`).

    log p(1) = log_sigmoid(logits),  log p(0) = log_sigmoid(-logits)
"""

from ppl.catalogue.constraints import REAL, UNIT_INTERVAL, BINARY
from ppl.catalogue.declare import Distribution, Parameter

BERNOULLI = Distribution(
    name="Bernoulli",
    parameters=(Parameter("logits", REAL), Parameter("probs", UNIT_INTERVAL)),
    alternatives=(("logits", "probs"),),
    support=BINARY,
)
