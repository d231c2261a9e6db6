"""Gaussian process at finitely many index points: a multivariate normal with
mean zero and covariance kernel(index_points, index_points) + observation_noise_variance * I.
index_points is [N] (scalar inputs) or [N, F] (F features); the event shape is [N].
"""

from ppl.catalogue.constraints import REAL, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a matrix-valued computation; the compiler gives it a hand-written
# adjoint rule instead of a SymPy expression (a later issue).
GAUSSIAN_PROCESS = Distribution(
    name="GaussianProcess",
    parameters=(Parameter("kernel", REAL, kind="kernel"), Parameter("index_points", REAL, event=("N",)),
                Parameter("observation_noise_variance", NONNEGATIVE, default=0.0)),
    support=REAL,
    event=("N",),
    shape_rule="gaussian_process",
    log_density=None,
)
