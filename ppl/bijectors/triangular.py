"""Triangular-matrix bijectors: FillTriangular, TransformDiagonal, FillScaleTriL.

FillTriangular places m = n (n + 1) / 2 reals into an n x n triangular matrix in
TFP's order (`tfp.math.fill_triangular`), which is not row-major: the vector is
read as [x[m - (n^2 - m):], reversed(x)] row by row and the lower triangle kept,
so `fill_triangular([1, 2, 3, 4, 5, 6]) = [[4, 0, 0], [6, 5, 0], [3, 2, 1]]` (and
`[[1, 2, 3], [0, 5, 6], [0, 0, 4]]` with upper=True).  That order packs the
triangle without padding; the catalogue's `cov_cholesky` fills row by row instead,
so these bijectors follow TFP and do not reuse it.  A permutation of coordinates,
FillTriangular has log|det J| = 0 on the free (triangular) entries.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ppl.bijectors.affine import Shift
from ppl.bijectors.base import Bijector, Chain
from ppl.bijectors.elementwise import Softplus
from ppl.distributions.base import ShapeError, shape_text


def triangle_size(vector_size: int) -> int:
    """n with n (n + 1) / 2 = vector_size, or a ShapeError."""
    size = int(round((math.sqrt(8 * vector_size + 1) - 1) / 2))
    if size * (size + 1) // 2 != vector_size:
        raise ShapeError(f"a triangular matrix cannot be filled from {vector_size} numbers "
                         f"(it takes n (n + 1) / 2 for some n)")
    return size


@lru_cache(maxsize=64)
def fill_triangular_indices(size: int, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) with matrix[rows[k], columns[k]] = x[k] in TFP's fill_triangular order."""
    vector_size = size * (size + 1) // 2
    positions = np.arange(vector_size)
    tail = positions[vector_size - (size * size - vector_size):]
    if upper:
        layout = np.concatenate([positions, tail[::-1]])
    else:
        layout = np.concatenate([tail, positions[::-1]])
    layout = layout.reshape(size, size)
    rows, columns = np.triu_indices(size) if upper else np.tril_indices(size)
    order = np.argsort(layout[rows, columns])
    return rows[order], columns[order]


def fill_triangular(x: np.ndarray, upper: bool = False) -> np.ndarray:
    """[..., n (n + 1) / 2] -> [..., n, n] in TFP's order (see the module docstring)."""
    size = triangle_size(x.shape[-1])
    rows, columns = fill_triangular_indices(size, upper)
    matrix = np.zeros(x.shape[:-1] + (size, size))
    matrix[..., rows, columns] = x
    return matrix


def fill_triangular_inverse(matrix: np.ndarray, upper: bool = False) -> np.ndarray:
    """[..., n, n] -> [..., n (n + 1) / 2], the inverse of `fill_triangular`."""
    rows, columns = fill_triangular_indices(matrix.shape[-1], upper)
    return matrix[..., rows, columns]


def _check_square(value: np.ndarray, what: str) -> None:
    if value.ndim < 2 or value.shape[-1] != value.shape[-2]:
        raise ShapeError(f"{what} needs (a batch of) square matrices; got shape {shape_text(value.shape)}")


class FillTriangular(Bijector):
    """A vector of n (n + 1) / 2 reals -> an n x n lower (or upper) triangular matrix, in TFP's
    order; log|det J| = 0 (a permutation onto the triangle's entries)."""

    name = "fill_triangular"
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 2
    is_constant_jacobian = True

    def __init__(self, upper: bool = False):
        super().__init__()
        self.upper = bool(upper)

    def _forward_event_shape(self, input_shape):
        size = triangle_size(input_shape[-1])
        return input_shape[:-1] + (size, size)

    def _inverse_event_shape(self, output_shape):
        if len(output_shape) < 2 or output_shape[-1] != output_shape[-2]:
            raise ShapeError(f"FillTriangular's output events are square matrices; got {list(output_shape)}")
        size = output_shape[-1]
        return output_shape[:-2] + (size * (size + 1) // 2,)

    def _forward(self, x):
        return fill_triangular(x, self.upper)

    def _inverse(self, y):
        _check_square(y, "FillTriangular.inverse")
        return fill_triangular_inverse(y, self.upper)

    def _forward_log_det_jacobian(self, x):
        return np.zeros(x.shape[:-1])

    def _inverse_log_det_jacobian(self, y):
        return np.zeros(y.shape[:-2])


class TransformDiagonal(Bijector):
    """Applies an elementwise `diag_bijector` to the diagonal of a matrix and leaves the rest:
    the Jacobian is triangular (identity off the diagonal), so log|det J| is the diagonal
    bijector's log-det summed over the diagonal."""

    forward_min_event_ndims = 2
    inverse_min_event_ndims = 2

    def __init__(self, diag_bijector: Bijector):
        if diag_bijector.forward_min_event_ndims != 0 or diag_bijector.inverse_min_event_ndims != 0:
            raise ValueError("TransformDiagonal takes an elementwise bijector")
        super().__init__()
        self.diag_bijector = diag_bijector
        self.name = "transform_diagonal_of_" + diag_bijector.name

    def experimental_batch_shape(self, x_event_ndims: int | None = None) -> tuple:
        x_event_ndims = 2 if x_event_ndims is None else int(x_event_ndims)
        return self.diag_bijector.experimental_batch_shape(x_event_ndims - 1)

    def _replace_diagonal(self, matrix, diagonal_map):
        _check_square(matrix, type(self).__name__)
        diagonal = np.diagonal(matrix, axis1=-2, axis2=-1)
        new_diagonal = diagonal_map(np.ascontiguousarray(diagonal))
        batch_shape = np.broadcast_shapes(matrix.shape[:-2], new_diagonal.shape[:-1])
        result = np.array(np.broadcast_to(matrix, batch_shape + matrix.shape[-2:]))
        size = matrix.shape[-1]
        result[..., np.arange(size), np.arange(size)] = new_diagonal
        return result

    def _forward(self, x):
        return self._replace_diagonal(x, self.diag_bijector.forward)

    def _inverse(self, y):
        return self._replace_diagonal(y, self.diag_bijector.inverse)

    def _forward_log_det_jacobian(self, x):
        return self.diag_bijector.forward_log_det_jacobian(np.diagonal(x, axis1=-2, axis2=-1).copy(), 1)

    def _inverse_log_det_jacobian(self, y):
        return self.diag_bijector.inverse_log_det_jacobian(np.diagonal(y, axis1=-2, axis2=-1).copy(), 1)


class FillScaleTriL(Chain):
    """A vector of n (n + 1) / 2 reals -> a lower-triangular matrix with a positive diagonal
    (a Cholesky factor, a valid `scale_tril`), as TFP:

        FillScaleTriL(diag_bijector, diag_shift) = Chain([TransformDiagonal(Chain([Shift(diag_shift),
                                                          diag_bijector])), FillTriangular()])

    with diag_bijector = Softplus() and diag_shift = 1e-5 by default (the shift keeps the
    diagonal away from 0; None leaves it out).  Its log-det is the diagonal bijector's over
    the diagonal entries (FillTriangular and the shift contribute 0).
    """

    def __init__(self, diag_bijector: Bijector | None = None, diag_shift=1e-5):
        diag_bijector = Softplus() if diag_bijector is None else diag_bijector
        if diag_shift is not None:
            diag_bijector = Chain([Shift(diag_shift), diag_bijector])
        super().__init__([TransformDiagonal(diag_bijector), FillTriangular()], name="fill_scale_tril")
