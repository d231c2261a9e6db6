"""Inverse Wishart distribution on K x K symmetric positive-definite matrices W (Stan's
inv_wishart), given the degrees of freedom ν > K - 1 and the scale matrix S:

    log p(W) = ν/2 log|S| - (ν + K + 1)/2 log|W| - tr(S W⁻¹)/2 - νK/2 log 2 - log Γ_K(ν/2)

W⁻¹ is Wishart(ν, S⁻¹); the mean is S / (ν - K - 1) for ν > K + 1.  A matrix computation: the
compiler and the library call ``ppl.runtime.matrix_densities.inverse_wishart_log_density`` and
its adjoint.

Draws: with A the Bartlett factor of a Wishart(ν, I) draw (wishart_cholesky.py) and
M = L_S⁻ᵀ (so M Mᵀ = S⁻¹), X = M A Aᵀ Mᵀ is Wishart(ν, S⁻¹), and W = X⁻¹ = C Cᵀ with
C = L_S A⁻ᵀ: one triangular inversion, no general inverse.
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, COV
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions.wishart_cholesky import bartlett_factor, cholesky_factor, times_own_transpose


def inverse_wishart_square_root(df, scale_tril):
    """C = L_S A⁻ᵀ with C Cᵀ an inverse Wishart(ν, L_S L_Sᵀ) draw."""
    size = scale_tril.shape[0]
    bartlett = bartlett_factor(df, np.eye(size))
    inverse = np.zeros((size, size))          # A⁻¹, lower triangular, by forward substitution
    for column in range(size):
        for i in range(column, size):
            total = 1.0 if i == column else 0.0
            for k in range(column, i):
                total -= bartlett[i, k] * inverse[k, column]
            inverse[i, column] = total / bartlett[i, i]
    root = np.zeros((size, size))             # L_S (A⁻¹)ᵀ
    for i in range(size):
        for j in range(size):
            total = 0.0
            for k in range(min(i, j) + 1):    # both factors are lower triangular
                total += scale_tril[i, k] * inverse[j, k]
            root[i, j] = total
    return root


def sample(df, scale_matrix):
    return times_own_transpose(inverse_wishart_square_root(df, cholesky_factor(scale_matrix)))


# log_density=None: a matrix computation; the compiler's kernel is matrix_densities.inverse_wishart
INVERSE_WISHART = Distribution(
    name="InverseWishart",
    parameters=(Parameter("df", POSITIVE),
                Parameter("scale_matrix", COV, event=("K", "K"))),
    support=COV,
    event=("K", "K"),
    log_density=None,
    sampler=sample,
)
