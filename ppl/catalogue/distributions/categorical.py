"""Categorical distribution over {0, ..., K - 1}, by `logits` or `probs` (a K-vector).

    log p(k) = log_softmax(logits)[k] = logits[k] - logsumexp(logits)
    log p(k) = log(probs[k])                  (probs on the simplex, as declared)

The SymPy form is written for a fixed K: `logits` (or `probs`) is a sequence
of K SymPy expressions, one per category, and the category x is a symbol
picked out with Kronecker deltas, sum_j delta(x, j) logits[j]; logsumexp is
nested pairwise logaddexp, which is stable and differentiable.  The compiler
does not inline it (its parameters are vectors): it gathers with an
adjoint rule of its own.
"""

from ppl.catalogue.constraints import REAL, SIMPLEX, CATEGORY
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, logits=None, probs=None):
    import sympy
    from ppl.catalogue.sympy_functions import logaddexp

    def pick(values):
        return sympy.Add(*[sympy.KroneckerDelta(x, j) * value for j, value in enumerate(values)])

    if logits is not None:
        log_normaliser = logits[0]
        for value in logits[1:]:
            log_normaliser = logaddexp(log_normaliser, value)
        return pick(logits) - log_normaliser
    return pick([sympy.log(p) for p in probs])


CATEGORICAL = Distribution(
    name="Categorical",
    parameters=(Parameter("logits", REAL, event=("K",)), Parameter("probs", SIMPLEX, event=("K",))),
    alternatives=(("logits", "probs"),),
    support=CATEGORY,
    log_density=log_density,
)
