"""Affine bijectors: Shift, Scale (elementwise) and ScaleMatvecTriL (a lower-triangular matrix).

Their Jacobians do not depend on x (`is_constant_jacobian`), so the log-det is a
function of the parameters only; it is still broadcast against x's batch axes,
so that every bijector's log-det has the shape of its input's batch (TFP
returns the unbroadcast constant instead).
"""

from __future__ import annotations

import numpy as np

from ppl.bijectors.base import Bijector, parameter_array
from ppl.distributions.base import ShapeError, broadcast_shapes, require, shape_text


class Shift(Bijector):
    """y = x + shift;  log|dy/dx| = 0."""

    name = "shift"
    is_constant_jacobian = True

    def __init__(self, shift):
        shift = parameter_array("shift", shift)
        super().__init__({"shift": shift})
        self.shift = shift

    def _forward(self, x):
        return x + self.shift

    def _inverse(self, y):
        return y - self.shift

    def _forward_log_det_jacobian(self, x):
        return np.zeros(broadcast_shapes(x.shape, self.shift.shape))


class Scale(Bijector):
    """y = scale x (scale non-zero);  log|dy/dx| = log|scale|."""

    name = "scale"
    is_constant_jacobian = True

    def __init__(self, scale):
        scale = parameter_array("scale", scale)
        require(scale != 0.0, "scale", "non-zero", scale)
        super().__init__({"scale": scale})
        self.scale = scale

    def _forward(self, x):
        return x * self.scale

    def _inverse(self, y):
        return y / self.scale

    def _forward_log_det_jacobian(self, x):
        return np.broadcast_to(np.log(np.abs(self.scale)), broadcast_shapes(x.shape, self.scale.shape)).copy()


class ScaleMatvecTriL(Bijector):
    """y = L x for vectors x, with L = scale_tril lower triangular (its upper triangle is
    ignored, as TFP's LinearOperatorLowerTriangular) and a non-zero diagonal.

        log|det dy/dx| = sum_i log|L_ii|       (the determinant of a triangular matrix)
        x = L^{-1} y                           (a triangular solve)

    scale_tril has shape [*batch, n, n]; its batch axes broadcast against x's.
    """

    name = "scale_matvec_tril"
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1
    is_constant_jacobian = True

    def __init__(self, scale_tril):
        scale_tril = parameter_array("scale_tril", scale_tril)
        if scale_tril.ndim < 2 or scale_tril.shape[-1] != scale_tril.shape[-2]:
            raise ShapeError(f"scale_tril must be a (batch of) square matrices; got shape {shape_text(scale_tril.shape)}")
        scale_tril = np.tril(scale_tril)
        require(np.diagonal(scale_tril, axis1=-2, axis2=-1) != 0.0, "scale_tril's diagonal", "non-zero", scale_tril)
        super().__init__({"scale_tril": scale_tril}, {"scale_tril": 2})
        self.scale_tril = scale_tril

    def _check_size(self, value):
        if value.shape[-1] != self.scale_tril.shape[-1]:
            raise ShapeError(f"ScaleMatvecTriL of size {self.scale_tril.shape[-1]} cannot act on vectors of "
                             f"size {value.shape[-1]} (shape {shape_text(value.shape)})")

    def _forward(self, x):
        self._check_size(x)
        return np.matmul(self.scale_tril, x[..., np.newaxis])[..., 0]

    def _inverse(self, y):
        self._check_size(y)
        batch_shape = broadcast_shapes(self.scale_tril.shape[:-2], y.shape[:-1])
        size = y.shape[-1]
        matrices = np.broadcast_to(self.scale_tril, batch_shape + (size, size))
        vectors = np.broadcast_to(y, batch_shape + (size,))[..., np.newaxis]
        return np.linalg.solve(matrices, vectors)[..., 0]

    def _forward_log_det_jacobian(self, x):
        log_det = np.sum(np.log(np.abs(np.diagonal(self.scale_tril, axis1=-2, axis2=-1))), axis=-1)
        return np.broadcast_to(log_det, broadcast_shapes(x.shape[:-1], log_det.shape)).copy()
