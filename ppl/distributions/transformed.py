"""TransformedDistribution: the distribution of Y = f(X) for X ~ a base distribution and a
bijector f (TFP's `tfd.TransformedDistribution`; usually written `bijector(distribution)`).

Sampling draws x from the base and returns f(x).  The density follows from the
change of variables (Y has density p_X(f^{-1}(y)) |det d f^{-1}/dy|):

    log p_Y(y) = log p_X(f^{-1}(y)) + log|det d f^{-1}(y) / dy|,

the second term `bijector.inverse_log_det_jacobian(y, event_ndims)` summed over
the whole transformed event.  The event shape is `bijector.forward_event_shape`
of the base's; the batch shape is the broadcast of the base's batch shape with
the bijector's (`Softplus(hinge_softness=[1., .5, .1])` of a scalar Normal has
batch shape [3]).  The bijector must act on whole base events: its
forward_min_event_ndims may not exceed the base's event rank.
"""

from __future__ import annotations

import numpy as np

from ppl.distributions.base import Distribution, ShapeError, broadcast_shapes


class TransformedDistribution(Distribution):
    """Y = bijector(X), X ~ distribution (see the module docstring)."""

    def __init__(self, distribution: Distribution, bijector, name: str | None = None):
        base_event_ndims = distribution.event_ndims
        if bijector.forward_min_event_ndims > base_event_ndims:
            raise ShapeError(f"{type(bijector).__name__} acts on events of {bijector.forward_min_event_ndims} axes, "
                             f"but {distribution.name}'s events have {base_event_ndims}")
        event_shape = bijector.forward_event_shape(distribution.event_shape)
        batch_shape = broadcast_shapes(distribution.batch_shape,
                                       bijector.experimental_batch_shape(x_event_ndims=base_event_ndims))
        super().__init__(name or bijector.name + distribution.name, batch_shape, event_shape,
                         parameters={"distribution": distribution, "bijector": bijector})
        self.distribution = distribution
        self.bijector = bijector

    def _sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        base_draws = self.distribution.sample(count, seed=rng)
        # new batch axes that the bijector's parameters bring go just after the sample axis
        new_batch_axes = len(self.batch_shape) - len(self.distribution.batch_shape)
        base_draws = base_draws.reshape((count,) + (1,) * new_batch_axes + base_draws.shape[1:])
        return np.broadcast_to(self.bijector.forward(base_draws), (count,) + self.batch_shape + self.event_shape)

    def _log_prob(self, value: np.ndarray) -> np.ndarray:
        base_value = self.bijector.inverse(value)
        return (self.distribution.log_prob(base_value)
                + self.bijector.inverse_log_det_jacobian(value, event_ndims=self.event_ndims))
