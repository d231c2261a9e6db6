"""Families over K categories: Categorical (one category), Multinomial (counts of
each category in total_count draws), Dirichlet (a point of the K-simplex).

The category axis K is the rightmost axis of the parameters (``logits``,
``probs``, ``concentration``); the axes left of it are batch.  Log densities
and samplers are the catalogue's (lambdified for this K, and compiled by
``ppl.catalogue.draws``): these classes add the moments, the mode and the cdf.
"""

from __future__ import annotations

import numpy as np

from ppl.catalogue import special_functions as special
from ppl.distributions.catalogued import CataloguedDistribution


class _CategoryProbabilities:
    """log_probs = log_softmax(logits) or log(probs), whichever was given."""

    def probs_parameter(self):
        return np.exp(self.log_probs_parameter())

    def logits_parameter(self):
        return np.asarray(self.logits) if self.logits is not None else np.log(self.probs)

    def log_probs_parameter(self):
        if self.logits is not None:
            return special.log_softmax(self.logits)
        with np.errstate(divide="ignore"):
            return np.log(self.probs)


class Categorical(_CategoryProbabilities, CataloguedDistribution):
    """Categorical(logits= or probs=) over {0, ..., K - 1}: p(k) = softmax(logits)[k].
    Mode argmax_k p_k; no mean or variance (as TFP); cdf the running sum of p_k."""

    family = "Categorical"
    dtype_of_draws = np.int64

    def __init__(self, logits=None, probs=None, validate_args=True, name="Categorical"):
        super().__init__(name, validate_args, logits=logits, probs=probs)

    @property
    def num_categories(self) -> int:
        return self._event_size

    def _log_cdf(self, x):
        """log Σ_{j <= floor(x)} p_j: -inf below 0, 0 from K - 1 on."""
        return special.log_cumulative_mass(self.log_probs_parameter(), np.floor(x))

    def _cdf(self, x):
        return np.exp(self._log_cdf(x))

    def _mode(self):
        return np.argmax(self.log_probs_parameter(), axis=-1).astype(np.float64)


class Multinomial(_CategoryProbabilities, CataloguedDistribution):
    """Multinomial(total_count n, logits= or probs=): counts x of K categories, Σ x = n.

        log p(x) = lgamma(n + 1) - Σ_k lgamma(x_k + 1) + Σ_k x_k log p_k

    (a term x_k log p_k with x_k = 0 is 0, also where p_k = 0).  Mean n p, variance
    n p (1 - p) per category."""

    family = "Multinomial"

    def __init__(self, total_count, logits=None, probs=None, validate_args=True, name="Multinomial"):
        super().__init__(name, validate_args, total_count=total_count, logits=logits, probs=probs)

    def _mean(self):
        return self.total_count[..., None] * self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return self.total_count[..., None] * p * (1 - p)


class Dirichlet(CataloguedDistribution):
    """Dirichlet(concentration a) on the K-simplex: mean a/a0, variance
    a (a0 - a) / (a0² (a0 + 1)) with a0 = Σ a; mode (a - 1)/(a0 - K) where every a_k > 1
    (NaN otherwise)."""

    family = "Dirichlet"

    def __init__(self, concentration, validate_args=True, name="Dirichlet"):
        super().__init__(name, validate_args, concentration=concentration)

    def _total(self):
        return np.sum(self.concentration, axis=-1, keepdims=True)

    def _mean(self):
        return self.concentration / self._total()

    def _variance(self):
        total = self._total()
        return self.concentration * (total - self.concentration) / (total ** 2 * (total + 1))

    def _mode(self):
        total = self._total()
        mode = (self.concentration - 1) / (total - self._event_size)
        return np.where(np.all(self.concentration > 1, axis=-1, keepdims=True), mode, np.nan)
