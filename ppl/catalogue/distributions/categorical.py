"""Categorical distribution over {0, ..., K - 1}, by `logits` or `probs` (a K-vector).

    log p(k) = log_softmax(logits)[k] = logits[k] - logsumexp(logits)
    log p(k) = log(probs[k])                  (probs on the simplex, as declared)

The SymPy form is written for any K: `logits` (or `probs`) is a
``sympy.IndexedBase`` of shape (K,) indexed at the category x, and
logsumexp is written as log(Sum(exp(logits[k]))), which both the library
(nested pairwise logaddexp) and the compiler (a shifted two-pass loop)
evaluate stably.

Draws: by logits, the Gumbel-max trick, argmax_k (logits[k] + G_k) with G_k standard
Gumbel (no exponential to overflow); by probs, the first k whose running sum of probs
passes a uniform draw (scaled by the sum, so rounding in the probs cannot run past K - 1).
"""

import numpy as np

from ppl.catalogue.constraints import REAL, SIMPLEX, CATEGORY
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, logits=None, probs=None):
    import sympy

    if logits is not None:
        k = sympy.Symbol("k", integer=True)
        return logits[x] - sympy.log(sympy.Sum(sympy.exp(logits[k]), (k, 0, logits.shape[0] - 1)))
    return sympy.log(probs[x])


def sample_logits(logits):
    best, chosen = -np.inf, 0
    for k in range(logits.shape[0]):
        score = logits[k] + np.random.gumbel(0.0, 1.0)
        if score > best:
            best, chosen = score, k
    return chosen


def sample_probs(probs):
    total = 0.0
    for k in range(probs.shape[0]):
        total += probs[k]
    threshold = np.random.random() * total
    running = 0.0
    last = 0
    for k in range(probs.shape[0]):
        if probs[k] > 0:
            last = k
            running += probs[k]
            if threshold < running:
                return k
    return last


CATEGORICAL = Distribution(
    name="Categorical",
    parameters=(Parameter("logits", REAL, event=("K",)), Parameter("probs", SIMPLEX, event=("K",))),
    alternatives=(("logits", "probs"),),
    support=CATEGORY,
    log_density=log_density,
    sampler={"logits": sample_logits, "probs": sample_probs},
)
