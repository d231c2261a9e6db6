"""Categorical distribution over {0, ..., K - 1}, by `logits` or `probs` (a K-vector).

    log p(k) = log_softmax(logits)[k] = logits[k] - logsumexp(logits)
    log p(k) = log(probs[k])                  (probs on the simplex, as declared)

The SymPy form is written for any K: `logits` (or `probs`) is a
``sympy.IndexedBase`` of shape (K,) indexed at the category x, and
logsumexp is written as log(Sum(exp(logits[k]))), which both the library
(nested pairwise logaddexp) and the compiler (a shifted two-pass loop)
evaluate stably.
"""

from ppl.catalogue.constraints import REAL, SIMPLEX, CATEGORY
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, logits=None, probs=None):
    import sympy

    if logits is not None:
        k = sympy.Symbol("k", integer=True)
        return logits[x] - sympy.log(sympy.Sum(sympy.exp(logits[k]), (k, 0, logits.shape[0] - 1)))
    return sympy.log(probs[x])


CATEGORICAL = Distribution(
    name="Categorical",
    parameters=(Parameter("logits", REAL, event=("K",)), Parameter("probs", SIMPLEX, event=("K",))),
    alternatives=(("logits", "probs"),),
    support=CATEGORY,
    log_density=log_density,
)
