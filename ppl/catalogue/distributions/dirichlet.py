"""Dirichlet distribution on the K-simplex.

    log p(x) = sum((a - 1) log(x)) + lgamma(sum(a)) - sum(lgamma(a)),  a = concentration

The SymPy form is written for a fixed K: `x` and `concentration` are
sequences of K SymPy expressions.
"""

from ppl.catalogue.constraints import POSITIVE, SIMPLEX
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, concentration):
    import sympy

    if len(x) != len(concentration):
        raise ValueError(f"Dirichlet: {len(x)} values but {len(concentration)} concentrations")
    return (sympy.Add(*[(a - 1) * sympy.log(value) for value, a in zip(x, concentration)])
            + sympy.loggamma(sympy.Add(*concentration))
            - sympy.Add(*[sympy.loggamma(a) for a in concentration]))


DIRICHLET = Distribution(
    name="Dirichlet",
    parameters=(Parameter("concentration", POSITIVE, event=("K",)),),
    support=SIMPLEX,
    event=("K",),
    log_density=log_density,
)
