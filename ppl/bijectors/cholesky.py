"""Cholesky-factor bijectors: CholeskyOuterProduct and CorrelationCholesky.

CholeskyOuterProduct is the map L -> L L^T of the catalogue's `cov` transform
(`ppl.transforms.matrix.cov_constrain`, less its exp on the diagonal).
CorrelationCholesky is TFP's construction, which differs from the catalogue's
`corr_cholesky` (Stan's tanh of canonical partial correlations); see its docstring.
"""

from __future__ import annotations

import math

import numpy as np

from ppl.bijectors.base import Bijector
from ppl.bijectors.triangular import _check_square, fill_triangular, fill_triangular_inverse, triangle_size


def _diagonal(matrix: np.ndarray) -> np.ndarray:
    return np.diagonal(matrix, axis1=-2, axis2=-1)


class CholeskyOuterProduct(Bijector):
    """X = L L^T: a lower-triangular L with a positive diagonal -> a symmetric positive-definite
    matrix (its upper triangle is ignored, as TFP).  The inverse is the Cholesky factorisation.

    On the free coordinates (the lower triangles of L and of X, row by row) the Jacobian is
    triangular with dX_ii/dL_ii = 2 L_ii and dX_ij/dL_ij = L_jj, so with 0-based j

        log|det J| = n log 2 + sum_j (n - j) log L_jj

    the same as the L -> X part of the catalogue's `cov` transform (Stan Reference Manual,
    "Covariance matrices": 2^n prod_k L_kk^(n - k + 1), 1-based k).  The catalogue's Numba
    function computes it fused with exp on the diagonal and an O(n^3) loop for X; here X
    comes from BLAS and the log-det from the diagonal, which is what a 2500 x 2500 factor
    needs.  tests/test_bijectors.py checks the two agree.
    """

    name = "cholesky_outer_product"
    forward_min_event_ndims = 2
    inverse_min_event_ndims = 2

    def _forward(self, x):
        _check_square(x, "CholeskyOuterProduct.forward")
        factor = np.tril(x)
        return np.matmul(factor, np.swapaxes(factor, -1, -2))

    def _inverse(self, y):
        _check_square(y, "CholeskyOuterProduct.inverse")
        return np.linalg.cholesky(y)

    def _forward_log_det_jacobian(self, x):
        size = x.shape[-1]
        exponents = np.arange(size, 0, -1, dtype=np.float64)
        return size * math.log(2.0) + np.sum(exponents * np.log(_diagonal(x)), axis=-1)


class CorrelationCholesky(Bijector):
    """R^{n(n-1)/2} -> the Cholesky factor L of an n x n correlation matrix (lower triangular,
    positive diagonal, rows of unit length), TFP's construction:

        L = normalise_rows(P),  P lower triangular with P_ii = 1 and its strictly lower part
        fill_triangular(x) (TFP's order: x fills rows 1..n-1, columns 0..n-2),

    so row k is (x_k, 1) / s_k with s_k = sqrt(1 + |x_k|^2), x_k the row's k free reals, and
    L_kk = 1 / s_k.  Inverse: x = strictly lower part of L / L_kk, row by row.

    This is not the catalogue's `corr_cholesky` transform (Stan: partial correlations
    z = tanh(u) in row-major order, log|J| = -sum (i + 1 - j) log cosh(u_ij)): both reach
    every such L, but by different maps, and TFP's is the one a tfb user expects.

    Log-det, on the free coordinates (the strictly lower entries of L): row k maps R^k onto
    the unit ball by f(v) = v / s, s = sqrt(1 + |v|^2), with J = I / s - v v^T / s^3 and
    det J = s^-k (1 - |v|^2 / s^2) = s^-(k + 2), so with L_kk = 1 / s_k

        log|det J| = sum_k (k + 2) log L_kk        (0-based k; the k = 0 term is 0),

    computed from L as the inverse's log-det (the forward's is its negative at L = f(x)).
    """

    name = "correlation_cholesky"
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 2

    def _forward_event_shape(self, input_shape):
        size = triangle_size(input_shape[-1]) + 1
        return input_shape[:-1] + (size, size)

    def _inverse_event_shape(self, output_shape):
        size = output_shape[-1]
        return output_shape[:-2] + (size * (size - 1) // 2,)

    def _forward(self, x):
        inner = fill_triangular(x)                      # [..., n - 1, n - 1]
        size = inner.shape[-1] + 1
        unnormalised = np.zeros(x.shape[:-1] + (size, size))
        unnormalised[..., 1:, :-1] = inner
        unnormalised[..., np.arange(size), np.arange(size)] = 1.0
        return unnormalised / np.linalg.norm(unnormalised, axis=-1, keepdims=True)

    def _inverse(self, y):
        _check_square(y, "CorrelationCholesky.inverse")
        scaled = np.tril(y, -1) / _diagonal(y)[..., np.newaxis]
        return fill_triangular_inverse(scaled[..., 1:, :-1])

    def _inverse_log_det_jacobian(self, y):
        size = y.shape[-1]
        return -np.sum(np.arange(2, size + 2, dtype=np.float64) * np.log(_diagonal(y)), axis=-1)
