"""LKJ distribution on Cholesky factors L of K x K correlation matrices L @ L.T.

    log p(L) = sum_k (K - k - 1 + 2 (concentration - 1)) log(L[k, k]) + log normaliser
"""

from ppl.catalogue.constraints import POSITIVE, POSITIVE_INTEGER, CORR_CHOLESKY
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a matrix-valued computation; the compiler gives it a hand-written
# adjoint rule instead of a SymPy expression (a later issue).
LKJ_CHOLESKY = Distribution(
    name="LKJCholesky",
    parameters=(Parameter("dimension", POSITIVE_INTEGER, kind="size", sets="K"),
                Parameter("concentration", POSITIVE)),
    support=CORR_CHOLESKY,
    event=("K", "K"),
    log_density=None,
)
