"""LKJ distribution on K x K correlation matrices (Lewandowski, Kurowicka, Joe 2009).

    log p(X) = (concentration - 1) log det(X) - log c_K(concentration)

with the normaliser c_K of LKJCholesky's declaration (lkj_cholesky.py), which
this family shares.
"""

from ppl.catalogue.constraints import POSITIVE, POSITIVE_INTEGER, CORR
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: log det(X) is a matrix computation; the library evaluates it with
# slogdet and lkj_cholesky.log_normaliser, and the compiler has no rule for it yet.
LKJ = Distribution(
    name="LKJ",
    parameters=(Parameter("dimension", POSITIVE_INTEGER, kind="size", sets="K"),
                Parameter("concentration", POSITIVE)),
    support=CORR,
    event=("K", "K"),
    log_density=None,
)
