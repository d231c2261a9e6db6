"""Wishart distribution on K x K symmetric positive-definite matrices W (Stan's wishart),
given the degrees of freedom ν > K - 1 and the scale matrix S:

    log p(W) = (ν - K - 1)/2 log|W| - tr(S⁻¹ W)/2 - νK/2 log 2 - ν/2 log|S| - log Γ_K(ν/2)

with Γ_K the multivariate gamma function; the mean is ν S.  A matrix computation: the compiler
and the library call the Numba kernel ``ppl.runtime.matrix_densities.wishart_log_density`` (the
determinants and the trace read off Cholesky factors) and its adjoint.

Draws: W = F Fᵀ with F = L_S A the Bartlett factor of WishartCholesky (wishart_cholesky.py).
"""

from ppl.catalogue.constraints import POSITIVE, COV
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions.wishart_cholesky import bartlett_factor, cholesky_factor, times_own_transpose


def sample(df, scale_matrix):
    return times_own_transpose(bartlett_factor(df, cholesky_factor(scale_matrix)))


# log_density=None: a matrix computation; the compiler's kernel is matrix_densities.wishart
WISHART = Distribution(
    name="Wishart",
    parameters=(Parameter("df", POSITIVE),
                Parameter("scale_matrix", COV, event=("K", "K"))),
    support=COV,
    event=("K", "K"),
    log_density=None,
    sampler=sample,
)
