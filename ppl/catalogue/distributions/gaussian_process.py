"""Gaussian process at finitely many index points: a multivariate normal with
mean zero and covariance kernel(index_points, index_points) + observation_noise_variance * I.
index_points is [N] (scalar inputs) or [N, F] (F features); the event shape is [N].
"""

from ppl.catalogue.constraints import REAL, NONNEGATIVE
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.lowering import argument, constant, identity, kernel_matrix, lowers_to

# log_density=None, no sampler: it is a MultivariateNormalFullCovariance (its lowering) for
# the kernels with a covariance function (builtin_expressions.KERNEL_COVARIANCES).
GAUSSIAN_PROCESS = Distribution(
    name="GaussianProcess",
    parameters=(Parameter("kernel", REAL, kind="kernel"), Parameter("index_points", REAL, event=("N",)),
                Parameter("observation_noise_variance", NONNEGATIVE, default=0.0)),
    support=REAL,
    event=("N",),
    shape_rule="gaussian_process",
    log_density=None,
    lowering=lowers_to("MultivariateNormalFullCovariance", loc=constant(0.0),
                       covariance_matrix=kernel_matrix("kernel", "index_points")
                       + argument("observation_noise_variance") * identity("index_points")),
)
