"""Distributions made of independent copies of another: Independent and Sample.

* ``Independent(distribution, reinterpreted_batch_ndims)`` moves the rightmost
  ``reinterpreted_batch_ndims`` batch axes into the event: log_prob sums the
  inner log_prob over them (a batch of 3 Normals becomes one 3-vector event).
  TFP's default (None) reinterprets every batch axis.
* ``Sample(distribution, sample_shape)`` is ``sample_shape`` iid draws as one
  event: event_shape = sample_shape + inner event_shape, and
  log p(x) = Σ over the sample axes of the inner log_prob.

Both keep the inner distribution's moments, arranged to the new shapes.
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import Distribution, ShapeError, shape_text


class Independent(Distribution):
    """Independent(distribution, reinterpreted_batch_ndims=None): batch axes read as event axes."""

    def __init__(self, distribution, reinterpreted_batch_ndims=None, validate_args=True, name=None):
        batch_rank = len(distribution.batch_shape)
        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = batch_rank
        reinterpreted_batch_ndims = int(reinterpreted_batch_ndims)
        if not 0 <= reinterpreted_batch_ndims <= batch_rank:
            raise ShapeError(f"reinterpreted_batch_ndims must be between 0 and the batch rank {batch_rank} "
                             f"of batch shape {shape_text(distribution.batch_shape)}; got "
                             f"{reinterpreted_batch_ndims}")
        self.distribution = distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        split = batch_rank - reinterpreted_batch_ndims
        super().__init__(name or f"Independent{distribution.name}", distribution.batch_shape[:split],
                         distribution.batch_shape[split:] + distribution.event_shape, dtype=distribution.dtype,
                         parameters={"distribution": distribution,
                                     "reinterpreted_batch_ndims": reinterpreted_batch_ndims})

    def _sample(self, count, rng):
        return self.distribution.sample(count, seed=rng)

    def _log_prob(self, value):
        inner = self.distribution.log_prob(value)
        axes = tuple(range(inner.ndim - self.reinterpreted_batch_ndims, inner.ndim))
        return np.sum(inner, axis=axes)

    def _mean(self):
        return self.distribution.mean()

    def _variance(self):
        return self.distribution.variance()

    def _mode(self):
        return self.distribution.mode()


class Sample(Distribution):
    """Sample(distribution, sample_shape=()): iid draws of distribution as one event of shape
    sample_shape + distribution.event_shape."""

    def __init__(self, distribution, sample_shape=(), validate_args=True, name=None):
        sample_shape = (int(sample_shape),) if np.ndim(sample_shape) == 0 else tuple(int(s) for s in sample_shape)
        self.distribution = distribution
        self.sample_shape = sample_shape
        super().__init__(name or f"Sample{distribution.name}", distribution.batch_shape,
                         sample_shape + distribution.event_shape, dtype=distribution.dtype,
                         parameters={"distribution": distribution, "sample_shape": sample_shape})

    def _sample(self, count, rng):
        draws = self.distribution.sample((count,) + self.sample_shape, seed=rng)   # [n, *S, *B, *E]
        sample_rank, batch_rank = len(self.sample_shape), len(self.batch_shape)
        source = list(range(1, 1 + sample_rank))
        target = list(range(1 + batch_rank, 1 + batch_rank + sample_rank))
        return np.moveaxis(draws, source, target)                                      # [n, *B, *S, *E]

    def _log_prob(self, value):
        # value [..., *B, *S, *E] → [*S, ..., *B, *E] so the inner log_prob broadcasts as usual
        sample_rank, inner_event_rank = len(self.sample_shape), len(self.distribution.event_shape)
        first_sample_axis = value.ndim - inner_event_rank - sample_rank
        moved = np.moveaxis(value, list(range(first_sample_axis, first_sample_axis + sample_rank)),
                            list(range(sample_rank)))
        inner = self.distribution.log_prob(moved)
        return np.sum(inner, axis=tuple(range(sample_rank)))

    def _expand(self, statistic):
        statistic = np.asarray(statistic)
        batch_rank = len(self.batch_shape)
        expanded = statistic.reshape(self.batch_shape + (1,) * len(self.sample_shape)
                                     + statistic.shape[batch_rank:])
        return np.broadcast_to(expanded, self.batch_shape + self.event_shape)

    def _mean(self):
        return self._expand(self.distribution.mean())

    def _variance(self):
        return self._expand(self.distribution.variance())

    def _mode(self):
        return self._expand(self.distribution.mode())
