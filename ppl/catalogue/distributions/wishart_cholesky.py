"""Wishart distribution on the Cholesky factor L_W of W = L_W L_Wᵀ (Stan's wishart_cholesky),
given the degrees of freedom ν > K - 1 and the Cholesky factor L_S of the scale matrix S:

    log p(L_W) = Σ_i (ν - 1 - i) log L_W,ii + K log 2 - |L_S⁻¹ L_W|²/2 - ν Σ_i log L_S,ii
                 - νK/2 log 2 - log Γ_K(ν/2)                                   (0-based i)

that is Wishart(L_W L_Wᵀ | ν, L_S L_Sᵀ) times the Jacobian 2^K Π_i L_W,ii^(K - i) of L ↦ L Lᵀ.
The log density is a matrix computation (a triangular solve): the compiler and the library call
the Numba kernel ``ppl.runtime.matrix_densities.wishart_cholesky_log_density`` and its adjoint.

Draws: Bartlett's decomposition (Bartlett 1933; Smith and Hocking 1972, Applied Statistics 21):
L_W = L_S A with A lower triangular, A_ii = sqrt(χ²(ν - i)), A_ij ~ Normal(0, 1) below the
diagonal, all independent.
"""

import math

import numpy as np

from ppl.catalogue.constraints import POSITIVE, COV_CHOLESKY
from ppl.catalogue.declare import Distribution, Parameter


def bartlett_factor(df, scale_tril):
    """L_S A (see the module's docstring): the Cholesky factor of one Wishart(ν, L_S L_Sᵀ) draw."""
    size = scale_tril.shape[0]
    bartlett = np.zeros((size, size))
    for i in range(size):
        bartlett[i, i] = math.sqrt(np.random.gamma(0.5 * (df - i), 2.0))
        for j in range(i):
            bartlett[i, j] = np.random.normal(0.0, 1.0)
    factor = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1):
            total = 0.0
            for k in range(j, i + 1):
                total += scale_tril[i, k] * bartlett[k, j]
            factor[i, j] = total
    return factor


def cholesky_factor(matrix):
    """Lower L with L Lᵀ = matrix (reads the lower triangle), for the samplers: the catalogue
    does not import Numba, so it cannot call ``ppl.runtime.event_kernels.cholesky``."""
    size = matrix.shape[0]
    factor = np.zeros((size, size))
    for j in range(size):
        total = matrix[j, j]
        for k in range(j):
            total -= factor[j, k] * factor[j, k]
        factor[j, j] = math.sqrt(total)
        for i in range(j + 1, size):
            total = matrix[i, j]
            for k in range(j):
                total -= factor[i, k] * factor[j, k]
            factor[i, j] = total / factor[j, j]
    return factor


def times_own_transpose(factor):
    """factor @ factor.T, symmetric by construction."""
    size = factor.shape[0]
    out = np.empty((size, size))
    for i in range(size):
        for j in range(i + 1):
            total = 0.0
            for k in range(factor.shape[1]):
                total += factor[i, k] * factor[j, k]
            out[i, j] = total
            out[j, i] = total
    return out


def sample(df, scale_tril):
    return bartlett_factor(df, scale_tril)


# log_density=None: a matrix computation; the compiler's kernel is matrix_densities.wishart_cholesky
WISHART_CHOLESKY = Distribution(
    name="WishartCholesky",
    parameters=(Parameter("df", POSITIVE),
                Parameter("scale_tril", COV_CHOLESKY, event=("K", "K"))),
    support=COV_CHOLESKY,
    event=("K", "K"),
    log_density=None,
    sampler=sample,
)
