"""Inverse Wishart distribution on the Cholesky factor L_W of W = L_W L_Wᵀ (Stan's
inv_wishart_cholesky), given the degrees of freedom ν > K - 1 and the Cholesky factor L_S of
the scale matrix S:

    log p(L_W) = -Σ_i (ν + 1 + i) log L_W,ii + K log 2 - |L_W⁻¹ L_S|²/2 + ν Σ_i log L_S,ii
                 - νK/2 log 2 - log Γ_K(ν/2)                                   (0-based i)

that is InverseWishart(L_W L_Wᵀ | ν, L_S L_Sᵀ) times the Jacobian 2^K Π_i L_W,ii^(K - i) of
L ↦ L Lᵀ.  The compiler and the library call the Numba kernel
``ppl.runtime.matrix_densities.inverse_wishart_cholesky_log_density`` and its adjoint.

Draws: the Cholesky factor of an InverseWishart draw (inverse_wishart.py).
"""

from ppl.catalogue.constraints import POSITIVE, COV_CHOLESKY
from ppl.catalogue.declare import Distribution, Parameter
from ppl.catalogue.distributions.inverse_wishart import inverse_wishart_square_root
from ppl.catalogue.distributions.wishart_cholesky import cholesky_factor, times_own_transpose


def sample(df, scale_tril):
    return cholesky_factor(times_own_transpose(inverse_wishart_square_root(df, scale_tril)))


# log_density=None: a matrix computation; the compiler's kernel is matrix_densities.inverse_wishart_cholesky
INVERSE_WISHART_CHOLESKY = Distribution(
    name="InverseWishartCholesky",
    parameters=(Parameter("df", POSITIVE),
                Parameter("scale_tril", COV_CHOLESKY, event=("K", "K"))),
    support=COV_CHOLESKY,
    event=("K", "K"),
    log_density=None,
    sampler=sample,
)
