"""Vector bijectors: Ordered and SoftmaxCentered (forward_min_event_ndims = 1).

Ordered is the catalogue's `ordered` transform (`ppl.transforms.vector`) run in
the other direction: TFP's `tfb.Ordered` maps an increasing vector onto R^K,
while the catalogue's transform constrains R^K onto increasing vectors, so
`Ordered.inverse` is `ordered_constrain` (with the log-det it returns) and
`Ordered.forward` is `ordered_unconstrain`.

SoftmaxCentered is not the catalogue's simplex transform (which is Stan's
stick-breaking); it is TFP's map R^K -> the (K+1)-simplex.
"""

from __future__ import annotations

import numpy as np

from ppl.bijectors.base import Bijector
from ppl.distributions.base import ShapeError, shape_text


def map_events(event_function, values: np.ndarray, output_size: int, returns_log_det: bool):
    """Apply a catalogue Numba function `event_function(event, out)` to every vector of `values`
    (its rightmost axis); returns the outputs (and the log-dets it returned, if `returns_log_det`)."""
    batch_shape = values.shape[:-1]
    events = np.ascontiguousarray(values).reshape(-1, values.shape[-1])
    outputs = np.empty((events.shape[0], output_size))
    log_dets = np.empty(events.shape[0])
    for index in range(events.shape[0]):
        log_det = event_function(events[index], outputs[index])
        if returns_log_det:
            log_dets[index] = log_det
    outputs = outputs.reshape(batch_shape + (output_size,))
    return (outputs, log_dets.reshape(batch_shape)) if returns_log_det else outputs


def _ordered_functions():
    from ppl.transforms import event_transform

    ordered = event_transform("ordered")
    return ordered.constrain, ordered.unconstrain


class Ordered(Bijector):
    """y_0 = x_0, y_k = log(x_k - x_{k-1}): an increasing vector onto R^K (TFP's `tfb.Ordered`).

    The inverse is the catalogue's `ordered` transform, x_0 = y_0, x_k = x_{k-1} + exp(y_k),
    whose log-det it returns:  log|det dx/dy| = sum_{k>=1} y_k.
    """

    name = "ordered"
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def _forward(self, x):
        return map_events(_ordered_functions()[1], x, x.shape[-1], returns_log_det=False)

    def _inverse(self, y):
        return map_events(_ordered_functions()[0], y, y.shape[-1], returns_log_det=True)[0]

    def _inverse_log_det_jacobian(self, y):
        return map_events(_ordered_functions()[0], y, y.shape[-1], returns_log_det=True)[1]


def _log_sum_exp_with_zero(x: np.ndarray) -> np.ndarray:
    """log(1 + sum_k exp(x_k)) over the last axis, shifted by the maximum (no overflow)."""
    largest = np.maximum(np.max(x, axis=-1, initial=0.0), 0.0)
    return largest + np.log(np.exp(-largest) + np.sum(np.exp(x - largest[..., np.newaxis]), axis=-1))


class SoftmaxCentered(Bijector):
    """y = softmax([x, 0]): R^K onto the (K+1)-simplex (TFP's `tfb.SoftmaxCentered`).

    With s = log(1 + sum_k exp(x_k)),  y_k = exp(x_k - s) (k < K),  y_K = exp(-s);
    inverse x_k = log y_k - log y_K.  The Jacobian is taken onto the free coordinates
    y_0..y_{K-1} (y_K = 1 - their sum), as TFP: dy_i/dx_j = y_i (delta_ij - y_j), and
    det(diag(y') - y' y'^T) = prod_{k<K} y_k (1 - sum_{k<K} y_k) = prod_{k<=K} y_k, so

        log|det J| = sum_{k<=K} log y_k = sum_k x_k - (K + 1) s.
    """

    name = "softmax_centered"
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def _forward_event_shape(self, input_shape):
        return input_shape[:-1] + (input_shape[-1] + 1,)

    def _inverse_event_shape(self, output_shape):
        if output_shape[-1] < 1:
            raise ShapeError(f"SoftmaxCentered.inverse needs simplex vectors; got event shape {list(output_shape)}")
        return output_shape[:-1] + (output_shape[-1] - 1,)

    def _forward(self, x):
        log_normaliser = _log_sum_exp_with_zero(x)[..., np.newaxis]
        return np.concatenate([np.exp(x - log_normaliser), np.exp(-log_normaliser)], axis=-1)

    def _inverse(self, y):
        if y.shape[-1] < 1:
            raise ShapeError(f"SoftmaxCentered.inverse needs simplex vectors; got shape {shape_text(y.shape)}")
        return np.log(y[..., :-1]) - np.log(y[..., -1:])

    def _forward_log_det_jacobian(self, x):
        return np.sum(x, axis=-1) - (x.shape[-1] + 1) * _log_sum_exp_with_zero(x)
