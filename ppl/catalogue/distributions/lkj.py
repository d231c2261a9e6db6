"""LKJ distribution on K x K correlation matrices (Lewandowski, Kurowicka, Joe 2009).

    log p(X) = (concentration - 1) log det(X) - log c_K(concentration)

with the normaliser c_K of LKJCholesky's declaration (lkj_cholesky.py), which
this family shares.  Draws are L @ L.T for L drawn by LKJCholesky's sampler (the onion
method), with the diagonal set to exactly 1.
"""

import numpy as np

from ppl.catalogue.distributions.lkj_cholesky import sample as sample_cholesky_factor
from ppl.catalogue.constraints import POSITIVE, POSITIVE_INTEGER, CORR
from ppl.catalogue.declare import Distribution, Parameter

def sample(dimension, concentration):
    factor = sample_cholesky_factor(dimension, concentration)
    size = factor.shape[0]
    correlation = np.empty((size, size))
    for i in range(size):
        for j in range(i + 1):
            total = 0.0
            for k in range(j + 1):
                total += factor[i, k] * factor[j, k]
            correlation[i, j] = total
            correlation[j, i] = total
        correlation[i, i] = 1.0
    return correlation


# log_density=None: log det(X) is a matrix computation; the library evaluates it with
# slogdet and lkj_cholesky.log_normaliser, the compiler with the Numba kernel
# ppl.runtime.matrix_densities.lkj (a Cholesky factor, the normaliser's sum and its derivative).
LKJ = Distribution(
    name="LKJ",
    parameters=(Parameter("dimension", POSITIVE_INTEGER, kind="size", sets="K"),
                Parameter("concentration", POSITIVE)),
    support=CORR,
    event=("K", "K"),
    log_density=None,
    sampler=sample,
)
