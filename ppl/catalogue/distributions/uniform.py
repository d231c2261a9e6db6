"""Continuous uniform distribution on [low, high).

    log p(x) = -log(high - low),  low <= x < high
"""

from ppl.catalogue.constraints import REAL, INTERVAL
from ppl.catalogue.declare import Distribution, Parameter

UNIFORM = Distribution(
    name="Uniform",
    parameters=(Parameter("low", REAL, default=0.0), Parameter("high", REAL, default=1.0)),
    support=INTERVAL,
    support_bounds=("low", "high"),
)
