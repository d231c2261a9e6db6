"""Reshape: the rightmost axes of x, of shape event_shape_in, become event_shape_out.

A relabelling of the same numbers, so log|det J| = 0.  As TFP, one entry of
either shape may be -1 (inferred from the size of the event), and the default
`event_shape_in = (-1,)` reads one flat vector.  forward_min_event_ndims is
len(event_shape_in), inverse_min_event_ndims len(event_shape_out).
"""

from __future__ import annotations

import math

import numpy as np

from ppl.bijectors.base import Bijector
from ppl.distributions.base import ShapeError, shape_text


def _checked_shape(name: str, shape) -> tuple:
    shape = tuple(int(s) for s in shape)
    if sum(s == -1 for s in shape) > 1 or any(s < -1 for s in shape):
        raise ShapeError(f"{name} may hold one -1 and otherwise sizes >= 0; got {list(shape)}")
    return shape


def _matches(pattern: tuple, shape: tuple) -> bool:
    return len(pattern) == len(shape) and all(p in (-1, s) for p, s in zip(pattern, shape))


def _resolve(pattern: tuple, size: int) -> tuple:
    """pattern with its -1 replaced so that the shape holds `size` elements."""
    known = math.prod(s for s in pattern if s != -1)
    if -1 not in pattern:
        if known != size:
            raise ShapeError(f"cannot reshape an event of {size} elements into {list(pattern)}")
        return pattern
    if known == 0 or size % known:
        raise ShapeError(f"cannot reshape an event of {size} elements into {list(pattern)}")
    return tuple(size // known if s == -1 else s for s in pattern)


class Reshape(Bijector):
    """Reshape(event_shape_out, event_shape_in=(-1,)), as TFP's `tfb.Reshape`."""

    name = "reshape"
    is_constant_jacobian = True

    def __init__(self, event_shape_out, event_shape_in=(-1,)):
        super().__init__()
        self.event_shape_out = _checked_shape("event_shape_out", event_shape_out)
        self.event_shape_in = _checked_shape("event_shape_in", event_shape_in)
        self.forward_min_event_ndims = len(self.event_shape_in)
        self.inverse_min_event_ndims = len(self.event_shape_out)

    @staticmethod
    def _reshape_event(value_shape: tuple, pattern_in: tuple, pattern_out: tuple, what: str) -> tuple:
        rank = len(pattern_in)
        event_shape = value_shape[len(value_shape) - rank:]
        if not _matches(pattern_in, event_shape):
            raise ShapeError(f"Reshape.{what}: the rightmost axes must have shape {list(pattern_in)}; "
                             f"got shape {shape_text(value_shape)}")
        return _resolve(pattern_out, math.prod(event_shape))

    def _forward_event_shape(self, input_shape):
        return self._reshape_event(input_shape, self.event_shape_in, self.event_shape_out, "forward")

    def _inverse_event_shape(self, output_shape):
        return self._reshape_event(output_shape, self.event_shape_out, self.event_shape_in, "inverse")

    def _forward(self, x):
        batch_shape = x.shape[:x.ndim - len(self.event_shape_in)]
        return x.reshape(batch_shape + self._forward_event_shape(x.shape))

    def _inverse(self, y):
        batch_shape = y.shape[:y.ndim - len(self.event_shape_out)]
        return y.reshape(batch_shape + self._inverse_event_shape(y.shape))

    def _forward_log_det_jacobian(self, x):
        return np.zeros(x.shape[:x.ndim - len(self.event_shape_in)])
