"""Dirichlet distribution on the K-simplex.

    log p(x) = sum_k [(a_k - 1) log(x_k) - lgamma(a_k)] + lgamma(sum_k a_k),  a = concentration

(a_k - 1) log(x_k) is 0 where a_k = 1 and x_k = 0 (xlogy): an entry of 0 is on the simplex.

The SymPy form is written for any K: `x` and `concentration` are
``sympy.IndexedBase`` objects of shape (K,), and the sums are ``sympy.Sum``
over their entries (``ppl.catalogue.density`` writes them out for a given K;
the compiler emits them as loops).

Draws: G_k / sum(G) with G_k ~ Gamma(a_k, 1) independent.
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, SIMPLEX
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration):
    import sympy
    from ppl.catalogue.sympy_functions import xlogy

    k = sympy.Symbol("k", integer=True)
    entries = (k, 0, x.shape[0] - 1)
    a = concentration
    return (sympy.Sum(xlogy(a[k] - 1, x[k]) - sympy.loggamma(a[k]), entries)
            + sympy.loggamma(sympy.Sum(a[k], entries)))


def sample(concentration):
    gammas = np.empty(concentration.shape[0])
    for k in range(concentration.shape[0]):
        gammas[k] = np.random.gamma(concentration[k], 1.0)
    return gammas / np.sum(gammas)


DIRICHLET = Distribution(
    name="Dirichlet",
    parameters=(Parameter("concentration", POSITIVE, event=("K",)),),
    support=SIMPLEX,
    event=("K",),
    log_density=log_density,
    sampler=sample,
)
