"""nutpie's low-rank metric from a window of draws and their gradients
(Seyboldt, Carlson & Carpenter 2026, "Preconditioning Hamiltonian Monte Carlo by
minimising Fisher divergence"; the nuts-rs engine's low-rank adaptation).

For a Gaussian target N(mu, Sigma) the gradient at x is -Sigma^{-1} (x - mu), so
draws have covariance Sigma and gradients Sigma^{-1}: the metric Sigma is the
geometric mean of the draws' covariance and the inverse of the gradients'.  The
Fisher divergence between the target and N(., Sigma) is minimised, for any
target, by that geometric mean.  With fewer draws than dimensions both
covariances are singular, so the estimate is made where the data say something:

1. rescale each coordinate by s_i = (var(x_i) / var(g_i))^(1/4) (draws divided
   by it, gradients multiplied), which is the diagonal answer squared-rooted,
   so what is left to find is a correction around the identity;
2. take an orthonormal basis P of the span of the (centred, rescaled) draws and
   gradients, r <= min(dim, 2n) vectors;
3. in that subspace, with regularisation gamma, A = P'X'XP / gamma + I and
   B = P'G'GP / gamma + I; the metric there is the SPD geometric mean of A and
   B^{-1}: with B = L L', S = L^{-T} (L' A L)^{1/2} L^{-1}, the unique SPD S
   with S B S = A;
4. eigen-decompose S and keep the directions whose eigenvalue lies outside
   [1/cutoff, cutoff] (nutpie's cutoff 2: the rest are close enough to the
   diagonal answer), mapped back to the full space: U = P W.

The inverse metric is then diag(s) (I + U (Lambda - I) U') diag(s), applied in
O(dim k) by ppl/sampling/hamiltonian.py.  Everything is Numba code without
LAPACK (ppl does not depend on SciPy): a cyclic Jacobi eigen-solver, which is
accurate for the symmetric positive definite matrices met here, and Cholesky.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.runtime.event_kernels import cholesky
from ppl.runtime.symmetric_eigen import jacobi_eigen

REGULARISATION = 1e-5         # gamma: nutpie's default
EIGENVALUE_CUTOFF = 2.0       # eigenvalues within [1/2, 2] are dropped
_BASIS_DROP = 1e-9            # a vector whose remainder after projection is below this fraction is dependent


@numba.njit(cache=True, error_model="numpy")
def _orthonormal_basis(rows_a, rows_b):
    """Rows of an orthonormal basis of the span of the rows of rows_a and rows_b
    (Gram-Schmidt, each vector projected twice so that the basis stays orthogonal to
    working precision; dependent vectors dropped)."""
    count_a, dim = rows_a.shape
    basis = np.zeros((count_a + rows_b.shape[0], dim))
    vector = np.empty(dim)
    size = 0
    for index in range(basis.shape[0]):
        original = 0.0
        for i in range(dim):
            vector[i] = rows_a[index, i] if index < count_a else rows_b[index - count_a, i]
            original += vector[i] * vector[i]
        if not original > 0.0:
            continue
        for _ in range(2):
            for k in range(size):
                overlap = 0.0
                for i in range(dim):
                    overlap += basis[k, i] * vector[i]
                for i in range(dim):
                    vector[i] -= overlap * basis[k, i]
        norm = 0.0
        for i in range(dim):
            norm += vector[i] * vector[i]
        if norm > _BASIS_DROP * _BASIS_DROP * original:
            scale = 1.0 / math.sqrt(norm)
            for i in range(dim):
                basis[size, i] = vector[i] * scale
            size += 1
        if size == dim:
            break
    return basis[:size].copy()


@numba.njit(cache=True, error_model="numpy")
def _product(left, right):
    """left @ right by loops (Numba's matrix product needs SciPy's BLAS, which ppl does not require)."""
    rows, inner = left.shape
    columns = right.shape[1]
    out = np.zeros((rows, columns))
    for i in range(rows):
        for k in range(inner):
            weight = left[i, k]
            if weight != 0.0:
                for j in range(columns):
                    out[i, j] += weight * right[k, j]
    return out


@numba.njit(cache=True, error_model="numpy")
def _gram(rows):
    """rows' rows / REGULARISATION + I: the regularised scatter matrix of a window."""
    count, size = rows.shape
    out = np.zeros((size, size))
    for row in range(count):
        for i in range(size):
            weight = rows[row, i]
            for j in range(i + 1):
                out[i, j] += weight * rows[row, j]
    for i in range(size):
        for j in range(i + 1):
            out[i, j] /= REGULARISATION
            out[j, i] = out[i, j]
        out[i, i] += 1.0
    return out


@numba.njit(cache=True, error_model="numpy")
def _solve_upper_transposed(factor, right):
    """X with L' X = right, L lower triangular (back substitution, column by column)."""
    size = factor.shape[0]
    out = right.copy()
    for column in range(out.shape[1]):
        for i in range(size - 1, -1, -1):
            total = out[i, column]
            for k in range(i + 1, size):
                total -= factor[k, i] * out[k, column]
            out[i, column] = total / factor[i, i]
    return out


@numba.njit(cache=True, error_model="numpy")
def _symmetrise(matrix):
    """In place: (matrix + matrix') / 2, what rounding took from a symmetric result."""
    for i in range(matrix.shape[0]):
        for j in range(i):
            average = 0.5 * (matrix[i, j] + matrix[j, i])
            matrix[i, j] = average
            matrix[j, i] = average


@numba.njit(cache=True, error_model="numpy")
def spd_geometric_mean_with_inverse(a, b):
    """The SPD S with S B S = A (the geometric mean of A and B^{-1}): with B = L L',
    S = L^{-T} (L' A L)^{1/2} L^{-1}."""
    factor = cholesky(b)
    middle = _product(_product(np.ascontiguousarray(factor.T), a), factor)
    _symmetrise(middle)
    values, vectors = jacobi_eigen(middle)
    root = np.zeros_like(middle)
    for j in range(values.shape[0]):
        weight = math.sqrt(max(values[j], 0.0))
        for i in range(root.shape[0]):
            for k in range(root.shape[0]):
                root[i, k] += vectors[i, j] * weight * vectors[k, j]
    half = _solve_upper_transposed(factor, root)                             # L^{-T} root
    mean = _solve_upper_transposed(factor, np.ascontiguousarray(half.T))     # L^{-T} (L^{-T} root)' = S'
    _symmetrise(mean)
    return mean


@numba.njit(cache=True, error_model="numpy")
def estimate(draws, gradients, metric):
    """Write nutpie's low-rank metric for the rows of draws and gradients [n, dim] into
    `metric` (its diagonal, low-rank vectors, values and size); returns False, leaving
    the metric as it was, when the window says nothing finite (a coordinate that has not
    moved, or whose gradient has not)."""
    count, dim = draws.shape
    scales = np.empty(dim)
    centred_draws = np.empty((count, dim))
    centred_gradients = np.empty((count, dim))
    for i in range(dim):
        draw_mean = 0.0
        gradient_mean = 0.0
        for row in range(count):
            draw_mean += draws[row, i]
            gradient_mean += gradients[row, i]
        draw_mean /= count
        gradient_mean /= count
        draw_variance = 0.0
        gradient_variance = 0.0
        for row in range(count):
            draw_variance += (draws[row, i] - draw_mean) ** 2
            gradient_variance += (gradients[row, i] - gradient_mean) ** 2
        scale = math.sqrt(math.sqrt(draw_variance / gradient_variance))
        if not (math.isfinite(scale) and scale > 0.0):
            return False
        scales[i] = scale
        for row in range(count):
            centred_draws[row, i] = (draws[row, i] - draw_mean) / scale
            centred_gradients[row, i] = (gradients[row, i] - gradient_mean) * scale
    if 2 * count >= dim:   # the draws and gradients span (almost surely) everything: no projection
        basis = np.eye(dim)
        projected_draws, projected_gradients = centred_draws, centred_gradients
    else:
        basis = _orthonormal_basis(centred_draws, centred_gradients)
        transposed = np.ascontiguousarray(basis.T)
        projected_draws = _product(centred_draws, transposed)
        projected_gradients = _product(centred_gradients, transposed)
    size = basis.shape[0]
    mean = spd_geometric_mean_with_inverse(_gram(projected_draws), _gram(projected_gradients))
    values, vectors = jacobi_eigen(mean)
    for j in range(size):
        if not math.isfinite(values[j]) or not values[j] > 0.0:
            return False
    kept = 0
    for j in range(size):
        if values[j] > EIGENVALUE_CUTOFF or values[j] < 1.0 / EIGENVALUE_CUTOFF:
            for i in range(dim):
                total = 0.0
                for k in range(size):
                    total += basis[k, i] * vectors[k, j]
                metric.low_rank_vectors[i, kept] = total
            metric.low_rank_values[kept] = values[j]
            kept += 1
    for i in range(dim):
        metric.diagonal[i] = scales[i] * scales[i]
    metric.low_rank_size[0] = kept
    return True


@numba.njit(cache=True, error_model="numpy")
def work(count, dim):
    """About how many floating-point operations `estimate` costs for a window of count
    draws (Gram-Schmidt, the projected products, two Jacobi solves): what decides how
    often warmup recomputes it."""
    size = min(dim, 2 * count)
    basis = 0 if 2 * count >= dim else 4 * dim * (2 * count) * size
    return basis + 4 * count * dim * size + 2 * count * size * size + 120 * size ** 3
