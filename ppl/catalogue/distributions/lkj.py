"""LKJ distribution on K x K correlation matrices (Lewandowski, Kurowicka, Joe 2009).

    log p(X) = (concentration - 1) log det(X) + log normaliser(K, concentration)
"""

from ppl.catalogue.constraints import POSITIVE, POSITIVE_INTEGER, CORR
from ppl.catalogue.declare import Distribution, Parameter

# log_density=None: a matrix-valued computation; the compiler gives it a hand-written
# adjoint rule instead of a SymPy expression (a later issue).
LKJ = Distribution(
    name="LKJ",
    parameters=(Parameter("dimension", POSITIVE_INTEGER, kind="size", sets="K"),
                Parameter("concentration", POSITIVE)),
    support=CORR,
    event=("K", "K"),
    log_density=None,
)
