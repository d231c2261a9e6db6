"""MixtureSameFamily: a finite mixture of K components of one family.

``components_distribution`` has batch shape [..., K] (its rightmost batch axis
indexes the components); ``mixture_distribution`` is a Categorical over K
with batch shape [...] (or a scalar batch, shared).  With weights
w = softmax(mixture logits),

    log p(x) = logsumexp_k (log w_k + log p_k(x))
    mean     = Σ_k w_k mean_k
    variance = Σ_k w_k (variance_k + mean_k²) - mean²          (law of total variance)

Draws pick a component per draw and batch member, then take that
component's draw.
"""

from __future__ import annotations

import numpy as np

from ppl.catalogue import special_functions as special
from ppl.distributions.base import Distribution, ShapeError, broadcast_shapes, shape_text


class MixtureSameFamily(Distribution):
    """MixtureSameFamily(mixture_distribution, components_distribution)."""

    def __init__(self, mixture_distribution, components_distribution, validate_args=True,
                 name="MixtureSameFamily"):
        components_batch = components_distribution.batch_shape
        if not components_batch:
            raise ShapeError("components_distribution needs a rightmost batch axis indexing the components; "
                             "its batch shape is []")
        count = components_batch[-1]
        categories = mixture_distribution.log_probs_parameter().shape[-1]
        if categories != count:
            raise ShapeError(f"mixture_distribution has {categories} categories but components_distribution "
                             f"has {count} components (batch shape {shape_text(components_batch)})")
        if mixture_distribution.event_shape != ():
            raise ShapeError("mixture_distribution must be a Categorical (scalar events)")
        batch_shape = broadcast_shapes(mixture_distribution.batch_shape, components_batch[:-1])
        self.mixture_distribution = mixture_distribution
        self.components_distribution = components_distribution
        super().__init__(name, batch_shape, components_distribution.event_shape,
                         dtype=components_distribution.dtype,
                         parameters={"mixture_distribution": mixture_distribution,
                                     "components_distribution": components_distribution})

    def _log_weights(self):
        """[*batch, K] log mixture weights, the batch axes of the event aligned."""
        return np.broadcast_to(self.mixture_distribution.log_probs_parameter(),
                               self.batch_shape + (self.components_distribution.batch_shape[-1],))

    def _log_prob(self, value):
        event_rank = len(self.event_shape)
        expanded = np.expand_dims(value, value.ndim - event_rank)        # [..., 1, *E]
        component_log_probs = self.components_distribution.log_prob(expanded)
        return special.logsumexp(self._log_weights() + component_log_probs, axis=-1)

    def _sample(self, count, rng):
        component_axis = 1 + len(self.batch_shape)
        components = self.components_distribution.sample(count, seed=rng)          # [n, ..., K, *E]
        components = np.broadcast_to(components, (count,) + self.batch_shape
                                     + self.components_distribution.batch_shape[-1:] + self.event_shape)
        chosen = np.broadcast_to(self.mixture_distribution.sample(count, seed=rng), (count,) + self.batch_shape)
        index = chosen.reshape(chosen.shape + (1,) * (1 + len(self.event_shape))).astype(np.int64)
        index = np.broadcast_to(index, chosen.shape + (1,) + self.event_shape)
        return np.take_along_axis(components, index, axis=component_axis).squeeze(component_axis)

    def _weighted(self, statistic):
        weights = np.exp(self._log_weights())
        weights = weights.reshape(weights.shape + (1,) * len(self.event_shape))
        return np.sum(weights * statistic, axis=len(self.batch_shape))

    def _mean(self):
        return self._weighted(self.components_distribution.mean())

    def _variance(self):
        means = self.components_distribution.mean()
        second_moment = self._weighted(self.components_distribution.variance() + means ** 2)
        return second_moment - self._mean() ** 2
