"""Multivariate normal with covariance scale_tril @ scale_tril.T.

    log p(x) = -|z|**2 / 2 - sum(log(diag(scale_tril))) - K log(2 pi) / 2,
    z = solve_triangular(scale_tril, x - loc)

Draws: loc + scale_tril @ z with z ~ Normal(0, I) (only the lower triangle is read, as TFP).
The other multivariate normals and GaussianProcess draw through this sampler: their
lowerings make them MultivariateNormalTriL (or a Normal per entry).
"""

import numpy as np

from ppl.catalogue.constraints import REAL, COV_CHOLESKY
from ppl.catalogue.declare import Distribution, Parameter



def sample(loc, scale_tril):
    size = scale_tril.shape[0]
    noise = np.empty(size)
    for k in range(size):
        noise[k] = np.random.normal(0.0, 1.0)
    draw = np.empty(size)
    for i in range(size):
        total = loc[i]
        for j in range(i + 1):
            total += scale_tril[i, j] * noise[j]
        draw[i] = total
    return draw


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
    sampler=sample,
)
