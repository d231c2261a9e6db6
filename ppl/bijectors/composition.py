"""Composing bijectors: Chain (function composition) and Invert (swapping the directions).

Chain([f_1, ..., f_k]) is f_1 o ... o f_k: applied right to left, as TFP, so
`Chain([Exp(), Shift(1.)]).forward(x) == exp(x + 1)`.  By the chain rule its
log-det-Jacobian is the sum of the parts' at the points the parts see:

    log|det J(x)| = sum_i log|det J_{f_i}(x_i)|,   x_k = x,  x_{i-1} = f_i(x_i),

each with the event rank that reaches it: a part that turns vectors into matrices
(`FillTriangular`) adds `inverse_min_event_ndims - forward_min_event_ndims` to the
rank of the parts after it.  Each part keeps its own cache, so recomputing the
chain's log-det after `forward(x)` finds every intermediate value remembered.
"""

from __future__ import annotations

import numpy as np

from ppl.bijectors.base import Bijector, float_array
from ppl.distributions.base import broadcast_shapes


def _rank_change(bijector: Bijector) -> int:
    return bijector.inverse_min_event_ndims - bijector.forward_min_event_ndims


class Chain(Bijector):
    """f_1 o f_2 o ... o f_k for Chain([f_1, ..., f_k]) (the last is applied first).

    Its forward_min_event_ndims is the smallest input rank at which every part gets
    at least its own minimum: with D_i the rank change of the parts applied before f_i,
    max_i (forward_min_event_ndims(f_i) - D_i), and at least 0.
    """

    def __init__(self, bijectors, name: str | None = None):
        self.bijectors = tuple(bijectors)
        for part in self.bijectors:
            if not isinstance(part, Bijector):
                raise TypeError(f"Chain takes bijectors, not {part!r}")
        self.name = name or "chain_of_" + "_of_".join(part.name for part in self.bijectors)
        super().__init__()
        rank_change_before = 0
        minimum = 0
        for part in reversed(self.bijectors):
            minimum = max(minimum, part.forward_min_event_ndims - rank_change_before)
            rank_change_before += _rank_change(part)
        self.forward_min_event_ndims = minimum
        self.inverse_min_event_ndims = minimum + rank_change_before
        self.is_constant_jacobian = all(part.is_constant_jacobian for part in self.bijectors)

    def _parts_in_application_order(self, event_ndims: int):
        """(part, event rank of its input) from the first applied to the last."""
        for part in reversed(self.bijectors):
            yield part, event_ndims
            event_ndims += _rank_change(part)

    def experimental_batch_shape(self, x_event_ndims: int | None = None) -> tuple:
        x_event_ndims = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        return broadcast_shapes(*(part.experimental_batch_shape(ndims)
                                  for part, ndims in self._parts_in_application_order(x_event_ndims)))

    def _forward_event_shape(self, input_shape):
        for part in reversed(self.bijectors):
            input_shape = part.forward_event_shape(input_shape)
        return input_shape

    def _inverse_event_shape(self, output_shape):
        for part in self.bijectors:
            output_shape = part.inverse_event_shape(output_shape)
        return output_shape

    def _forward(self, x):
        for part in reversed(self.bijectors):
            x = part.forward(x)
        return x

    def _inverse(self, y):
        for part in self.bijectors:
            y = part.inverse(y)
        return y

    def forward_log_det_jacobian(self, x, event_ndims: int | None = None) -> np.ndarray:
        event_ndims = self._event_ndims(event_ndims, self.forward_min_event_ndims, "forward_log_det_jacobian")
        x = float_array(x)
        self._check_rank(x, event_ndims, "forward_log_det_jacobian")
        total = np.zeros(x.shape[:x.ndim - event_ndims])
        for part, ndims in self._parts_in_application_order(event_ndims):
            total = total + part.forward_log_det_jacobian(x, ndims)
            x = part.forward(x)
        return total

    def inverse_log_det_jacobian(self, y, event_ndims: int | None = None) -> np.ndarray:
        event_ndims = self._event_ndims(event_ndims, self.inverse_min_event_ndims, "inverse_log_det_jacobian")
        y = float_array(y)
        self._check_rank(y, event_ndims, "inverse_log_det_jacobian")
        total = np.zeros(y.shape[:y.ndim - event_ndims])
        for part in self.bijectors:
            total = total + part.inverse_log_det_jacobian(y, event_ndims)
            y = part.inverse(y)
            event_ndims -= _rank_change(part)
        return total

    def __repr__(self) -> str:
        parts = ", ".join(type(part).__name__ for part in self.bijectors)
        return f"{super().__repr__()[:-1]} of [{parts}]>"


class Invert(Bijector):
    """The inverse of a bijector: forward is its inverse and the log-det-Jacobians swap,

        log|det d f^{-1}/dy| = -log|det df/dx| at x = f^{-1}(y).
    """

    def __init__(self, bijector: Bijector, name: str | None = None):
        if not isinstance(bijector, Bijector):
            raise TypeError(f"Invert takes a bijector, not {bijector!r}")
        self.bijector = bijector
        self.name = name or "invert_" + bijector.name
        super().__init__()
        self.forward_min_event_ndims = bijector.inverse_min_event_ndims
        self.inverse_min_event_ndims = bijector.forward_min_event_ndims
        self.is_constant_jacobian = bijector.is_constant_jacobian

    def experimental_batch_shape(self, x_event_ndims: int | None = None) -> tuple:
        x_event_ndims = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        return self.bijector.experimental_batch_shape(x_event_ndims - _rank_change(self.bijector))

    def _forward_event_shape(self, input_shape):
        return self.bijector.inverse_event_shape(input_shape)

    def _inverse_event_shape(self, output_shape):
        return self.bijector.forward_event_shape(output_shape)

    def _forward(self, x):
        return self.bijector.inverse(x)

    def _inverse(self, y):
        return self.bijector.forward(y)

    def _forward_log_det_jacobian(self, x):
        return self.bijector.inverse_log_det_jacobian(x, self.bijector.inverse_min_event_ndims)

    def _inverse_log_det_jacobian(self, y):
        return self.bijector.forward_log_det_jacobian(y, self.bijector.forward_min_event_ndims)
