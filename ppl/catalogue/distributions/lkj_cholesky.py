"""LKJ distribution on Cholesky factors L of K x K correlation matrices L @ L.T
(Lewandowski, Kurowicka and Joe 2009, "Generating random correlation matrices
based on vines and extended onion method", J. Multivariate Analysis 100).

    log p(L) = sum_{k=1}^{K-1} (K - k - 1 + 2 (eta - 1)) log(L[k, k]) - log c_K(eta)

(0-based k; L[0, 0] = 1).  It is LKJ(eta) on R = L L^T pushed through the
Cholesky factorisation: det R = prod L_kk^2, and the Jacobian of L -> L L^T on
unit-diagonal factors is prod_k L_kk^(K - k - 1).  The normaliser is the
paper's equation (16),

    log c_K(eta) = sum_{k=1}^{K-1} [ (2 eta - 2 + K - k)(K - k) log 2
                                     + (K - k) log B(eta + (K - k - 1)/2, eta + (K - k - 1)/2) ],

which gives the volume pi^2/2 of the 3 x 3 correlation matrices at eta = 1;
LKJ's own declaration (lkj.py) shares it.

Draws use the onion method (the paper's section 3.2), built directly on the Cholesky
factor: row 0 is e_0; row i (1 <= i < K) is (sqrt(y) u, sqrt(1 - y), 0, ...) with
y ~ Beta(i/2, eta + (K - 1 - i)/2) and u uniform on the unit sphere in R^i.  Each
off-diagonal correlation then has the marginal 2 Beta(b, b) - 1, b = eta - 1 + K/2.
"""

import math

import numpy as np

from ppl.catalogue.constraints import POSITIVE, POSITIVE_INTEGER, CORR_CHOLESKY
from ppl.catalogue.declare import Distribution, Parameter


def log_normaliser(dimension, concentration):
    """log c_K(eta) as a SymPy expression (a sum over k = 1 ... K - 1)."""
    import sympy

    k = sympy.Symbol("k", integer=True)
    remaining = dimension - k
    half_width = concentration + (remaining - 1) / sympy.Integer(2)
    log_beta = 2 * sympy.loggamma(half_width) - sympy.loggamma(2 * half_width)
    return sympy.Sum((2 * concentration - 2 + remaining) * remaining * sympy.log(2) + remaining * log_beta,
                     (k, 1, dimension - 1))


def log_density(x, *, dimension, concentration):
    import sympy

    k = sympy.Symbol("k", integer=True)
    return (sympy.Sum((dimension - k - 1 + 2 * (concentration - 1)) * sympy.log(x[k, k]), (k, 1, dimension - 1))
            - log_normaliser(dimension, concentration))


def sample(dimension, concentration):
    size = int(dimension)
    factor = np.zeros((size, size))
    factor[0, 0] = 1.0
    direction = np.empty(size)
    for row in range(1, size):
        y = np.random.beta(row / 2.0, concentration + (size - 1 - row) / 2.0)
        norm = 0.0
        while norm == 0.0:
            norm = 0.0
            for j in range(row):
                direction[j] = np.random.normal(0.0, 1.0)
                norm += direction[j] ** 2
        scale = math.sqrt(y / norm)
        for j in range(row):
            factor[row, j] = scale * direction[j]
        factor[row, row] = math.sqrt(1.0 - y)
    return factor


LKJ_CHOLESKY = Distribution(
    name="LKJCholesky",
    parameters=(Parameter("dimension", POSITIVE_INTEGER, kind="size", sets="K"),
                Parameter("concentration", POSITIVE)),
    support=CORR_CHOLESKY,
    event=("K", "K"),
    log_density=log_density,
    sampler=sample,
)
