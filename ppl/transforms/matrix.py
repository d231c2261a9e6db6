"""Matrix constraint transforms: corr_cholesky, corr, cov_cholesky, cov.

Each transform is three Numba functions over one event (one K x K matrix),
with the same contract as in `ppl.transforms.vector`:

    <name>_constrain(unconstrained, matrix_out) -> log_det_jacobian
    <name>_unconstrain(matrix, unconstrained_out)
    <name>_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out)

`x_adjoint` is a full K x K matrix; `_constrain_vjp` adds to
`unconstrained_adjoint_out` the gradient of sum(x_adjoint * X(u)) + log|J|(u).

Order of the free coordinates (0-based row i, column j), row-major over the
lower triangle, as Stan's cholesky_factor_corr and cholesky_factor_cov:

    corr_cholesky, corr     strictly lower (i > j):   position i (i - 1) / 2 + j
    cov_cholesky, cov       lower with the diagonal:  position i (i + 1) / 2 + j

The log-det-Jacobian is that of u -> the free entries of the constrained
matrix: the strictly lower entries of L (corr_cholesky) or of X (corr), the
lower triangle with the diagonal of L (cov_cholesky) or of X (cov).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def _log_cosh(argument):
    """log(cosh(argument)) without overflow: |a| + log1p(exp(-2 |a|)) - log 2."""
    magnitude = np.abs(argument)
    return magnitude + np.log1p(np.exp(-2.0 * magnitude)) - np.log(2.0)


@numba.njit(cache=True, error_model="numpy")
def _cholesky_lower(matrix, factor_out):
    """Lower Cholesky factor of a symmetric positive-definite matrix (plain Cholesky–Banachiewicz)."""
    size = matrix.shape[0]
    factor_out[:, :] = 0.0
    for i in range(size):
        for j in range(i + 1):
            total = matrix[i, j]
            for k in range(j):
                total -= factor_out[i, k] * factor_out[j, k]
            if i == j:
                factor_out[i, i] = np.sqrt(total)
            else:
                factor_out[i, j] = total / factor_out[j, j]


@numba.njit(cache=True, error_model="numpy")
def _lower_times_transpose(factor, matrix_out):
    """X = L L^T for lower-triangular L, computed on the lower triangle and mirrored (exactly symmetric)."""
    size = factor.shape[0]
    for i in range(size):
        for j in range(i + 1):
            total = 0.0
            for k in range(j + 1):
                total += factor[i, k] * factor[j, k]
            matrix_out[i, j] = total
            matrix_out[j, i] = total


@numba.njit(cache=True, error_model="numpy")
def _lower_times_transpose_vjp(factor, x_adjoint, factor_adjoint_out):
    """Adjoint of X = L L^T on the lower triangle of L: L_adjoint = (X_adjoint + X_adjoint^T) L."""
    size = factor.shape[0]
    factor_adjoint_out[:, :] = 0.0
    for i in range(size):
        for j in range(i + 1):
            total = 0.0
            for k in range(j, size):
                total += (x_adjoint[i, k] + x_adjoint[k, i]) * factor[k, j]
            factor_adjoint_out[i, j] = total


# ---- Cholesky factor of a correlation matrix ------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def _corr_cholesky_factor(unconstrained, factor_out):
    """L from canonical partial correlations z = tanh(u), row by row:

        L_00 = 1,   L_ij = z_ij sqrt(1 - sum_{k<j} L_ik^2) = tanh(u_ij) exp(-sum_{k<j} log cosh(u_ik)),
        L_ii = exp(-sum_{k<i} log cosh(u_ik))

    (1 - z^2 = 1 / cosh(u)^2, so the square roots become sums of log cosh: no cancellation).
    """
    size = factor_out.shape[0]
    factor_out[:, :] = 0.0
    factor_out[0, 0] = 1.0
    for i in range(1, size):
        start = i * (i - 1) // 2
        log_scale = 0.0
        for j in range(i):
            factor_out[i, j] = np.tanh(unconstrained[start + j]) * np.exp(-log_scale)
            log_scale += _log_cosh(unconstrained[start + j])
        factor_out[i, i] = np.exp(-log_scale)


@numba.njit(cache=True, error_model="numpy")
def _corr_log_det_jacobian(unconstrained, size, of_correlation_matrix):
    """-sum_{i>j} c_ij log cosh(u_ij), with c_ij = i + 1 - j for u -> strictly lower L, and
    c_ij = K - j for u -> strictly lower X = L L^T (L_jj enters K - 1 - j entries of X)."""
    log_det_jacobian = 0.0
    for i in range(1, size):
        start = i * (i - 1) // 2
        for j in range(i):
            coefficient = (size - j) if of_correlation_matrix else (i + 1 - j)
            log_det_jacobian -= coefficient * _log_cosh(unconstrained[start + j])
    return log_det_jacobian


@numba.njit(cache=True, error_model="numpy")
def _corr_log_det_jacobian_vjp(unconstrained, size, of_correlation_matrix, unconstrained_adjoint_out):
    """d/du of `_corr_log_det_jacobian`: d log cosh(u)/du = tanh(u)."""
    for i in range(1, size):
        start = i * (i - 1) // 2
        for j in range(i):
            coefficient = (size - j) if of_correlation_matrix else (i + 1 - j)
            unconstrained_adjoint_out[start + j] -= coefficient * np.tanh(unconstrained[start + j])


@numba.njit(cache=True, error_model="numpy")
def _corr_cholesky_factor_vjp(unconstrained, factor_adjoint, unconstrained_adjoint_out):
    """J^T L_adjoint for `_corr_cholesky_factor` (lower triangle of L_adjoint, diagonal included).

    In row i, L_ij = tanh(u_ij) exp(-a_ij) with a_ij = sum_{k<j} log cosh(u_ik):
    dL_ij/du_ij = exp(-a_ij) / cosh(u_ij)^2, and for every later entry m > j of the
    row (diagonal included) dL_im/du_ij = -tanh(u_ij) L_im.
    """
    size = factor_adjoint.shape[0]
    row_log_scale = np.empty(size)
    for i in range(1, size):
        start = i * (i - 1) // 2
        log_scale = 0.0
        for j in range(i):
            row_log_scale[j] = log_scale
            log_scale += _log_cosh(unconstrained[start + j])
        later_adjoint = factor_adjoint[i, i] * np.exp(-log_scale)   # sum over m > j of adjoint_im L_im
        for j in range(i - 1, -1, -1):
            argument = unconstrained[start + j]
            tanh_argument = np.tanh(argument)
            scale = np.exp(-row_log_scale[j])
            unconstrained_adjoint_out[start + j] += (
                factor_adjoint[i, j] * scale * np.exp(-2.0 * _log_cosh(argument))
                - tanh_argument * later_adjoint)
            later_adjoint += factor_adjoint[i, j] * tanh_argument * scale


@numba.njit(cache=True, error_model="numpy")
def corr_cholesky_constrain(unconstrained, factor_out):
    """Cholesky factor of a K x K correlation matrix from K (K - 1) / 2 reals.

    z_ij = tanh(u_ij) are canonical partial correlations, filled row by row into the
    strictly lower triangle;  L_i0 = z_i0,  L_ij = z_ij sqrt(1 - sum_{k<j} L_ik^2),
    L_ii = sqrt(1 - sum_{k<i} L_ik^2): rows of unit length with positive diagonal.

        log|J| = sum_{i>j} [ log(1 - z_ij^2) + log(1 - sum_{k<j} L_ik^2) / 2 ]
               = -sum_{i>j} (i + 1 - j) log cosh(u_ij)

    Source: Stan Reference Manual, "Constraint Transforms", "Cholesky factors of
    correlation matrices"; Lewandowski, Kurowicka & Joe (2009), J. Multivariate Anal. 100.
    """
    _corr_cholesky_factor(unconstrained, factor_out)
    return _corr_log_det_jacobian(unconstrained, factor_out.shape[0], False)


@numba.njit(cache=True, error_model="numpy")
def corr_cholesky_unconstrain(factor, unconstrained_out):
    """z_ij = L_ij / sqrt(sum_{k>=j} L_ik^2) (the row's remaining length, summed from the
    diagonal back for accuracy),  u_ij = atanh(z_ij)."""
    size = factor.shape[0]
    for i in range(1, size):
        start = i * (i - 1) // 2
        remaining = factor[i, i] * factor[i, i]
        for j in range(i - 1, -1, -1):
            remaining += factor[i, j] * factor[i, j]
            unconstrained_out[start + j] = np.arctanh(factor[i, j] / np.sqrt(remaining))


@numba.njit(cache=True, error_model="numpy")
def corr_cholesky_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """J^T x_adjoint (lower triangle of x_adjoint; the upper entries of L are constant zero)
    plus d log|J| / du = -(i + 1 - j) tanh(u_ij)."""
    size = x_adjoint.shape[0]
    _corr_cholesky_factor_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out)
    _corr_log_det_jacobian_vjp(unconstrained, size, False, unconstrained_adjoint_out)


# ---- correlation matrix ------------------------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def corr_constrain(unconstrained, correlation_out):
    """K x K correlation matrix X = L L^T, L = corr_cholesky_constrain(u) (diagonal set to exactly 1).

    X_ij (i > j) = sum_{k<=j} L_ik L_jk depends on row i only through L_ik, k <= j, so the
    Jacobian of strictly-lower L -> strictly-lower X is triangular with diagonal L_jj:

        log|J| = log|J_corr_cholesky| + sum_j (K - 1 - j) log L_jj = -sum_{i>j} (K - j) log cosh(u_ij)

    Source: Stan Reference Manual, "Constraint Transforms", "Correlation matrices"
    (the same (K - j) coefficients as Stan Math's corr_matrix_constrain, eq. 11 of
    Lewandowski, Kurowicka & Joe 2009).
    """
    size = correlation_out.shape[0]
    factor = np.empty((size, size))
    _corr_cholesky_factor(unconstrained, factor)
    _lower_times_transpose(factor, correlation_out)
    for i in range(size):
        correlation_out[i, i] = 1.0
    return _corr_log_det_jacobian(unconstrained, size, True)


@numba.njit(cache=True, error_model="numpy")
def corr_unconstrain(correlation, unconstrained_out):
    """u = corr_cholesky_unconstrain(cholesky(X))."""
    size = correlation.shape[0]
    factor = np.empty((size, size))
    _cholesky_lower(correlation, factor)
    corr_cholesky_unconstrain(factor, unconstrained_out)


@numba.njit(cache=True, error_model="numpy")
def corr_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """L_adjoint = (X_adjoint + X_adjoint^T) L, then J^T of u -> L, plus -(K - j) tanh(u_ij)."""
    size = x_adjoint.shape[0]
    factor = np.empty((size, size))
    factor_adjoint = np.empty((size, size))
    _corr_cholesky_factor(unconstrained, factor)
    _lower_times_transpose_vjp(factor, x_adjoint, factor_adjoint)
    _corr_cholesky_factor_vjp(unconstrained, factor_adjoint, unconstrained_adjoint_out)
    _corr_log_det_jacobian_vjp(unconstrained, size, True, unconstrained_adjoint_out)


# ---- Cholesky factor of a covariance matrix, and the covariance matrix ---------------------------


@numba.njit(cache=True, error_model="numpy")
def cov_cholesky_constrain(unconstrained, factor_out):
    """Lower-triangular K x K factor with positive diagonal from K (K + 1) / 2 reals,
    filled row by row:  L_ij = u_ij (i > j),  L_ii = exp(u_ii),  log|J| = sum_i u_ii.

    Source: Stan Reference Manual, "Constraint Transforms", "Cholesky factors of
    covariance matrices" (the square case M = N).
    """
    size = factor_out.shape[0]
    factor_out[:, :] = 0.0
    log_det_jacobian = 0.0
    for i in range(size):
        start = i * (i + 1) // 2
        for j in range(i):
            factor_out[i, j] = unconstrained[start + j]
        factor_out[i, i] = np.exp(unconstrained[start + i])
        log_det_jacobian += unconstrained[start + i]
    return log_det_jacobian


@numba.njit(cache=True, error_model="numpy")
def cov_cholesky_unconstrain(factor, unconstrained_out):
    """u_ij = L_ij (i > j),  u_ii = log L_ii."""
    size = factor.shape[0]
    for i in range(size):
        start = i * (i + 1) // 2
        for j in range(i):
            unconstrained_out[start + j] = factor[i, j]
        unconstrained_out[start + i] = np.log(factor[i, i])


@numba.njit(cache=True, error_model="numpy")
def _cov_cholesky_factor_vjp(unconstrained, factor_adjoint, diagonal_log_det_coefficient,
                             unconstrained_adjoint_out):
    # dL_ij/du_ij = 1 off the diagonal, exp(u_ii) on it; log|J| has coefficient c_i on u_ii
    size = factor_adjoint.shape[0]
    for i in range(size):
        start = i * (i + 1) // 2
        for j in range(i):
            unconstrained_adjoint_out[start + j] += factor_adjoint[i, j]
        unconstrained_adjoint_out[start + i] += (factor_adjoint[i, i] * np.exp(unconstrained[start + i])
                                                 + diagonal_log_det_coefficient[i])


@numba.njit(cache=True, error_model="numpy")
def cov_cholesky_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """u_adjoint_ij += x_adjoint_ij (i > j);  u_adjoint_ii += x_adjoint_ii exp(u_ii) + 1."""
    size = x_adjoint.shape[0]
    _cov_cholesky_factor_vjp(unconstrained, x_adjoint, np.ones(size), unconstrained_adjoint_out)


@numba.njit(cache=True, error_model="numpy")
def cov_constrain(unconstrained, covariance_out):
    """K x K symmetric positive-definite matrix X = L L^T, L = cov_cholesky_constrain(u).

    The Jacobian of lower L -> lower X is triangular (row-major order) with diagonal
    dX_ii/dL_ii = 2 L_ii and dX_ij/dL_ij = L_jj; with L_ii = exp(u_ii),

        log|J| = K log 2 + sum_i (K - i + 1) u_ii      (0-based i)

    Source: Stan Reference Manual, "Constraint Transforms", "Covariance matrices"
    (2^K prod_k L_kk^(K - k + 2) with 1-based k).
    """
    size = covariance_out.shape[0]
    factor = np.empty((size, size))
    log_det_jacobian = size * np.log(2.0)
    for i in range(size):
        log_det_jacobian += (size - i) * unconstrained[i * (i + 1) // 2 + i]
    log_det_jacobian += cov_cholesky_constrain(unconstrained, factor)
    _lower_times_transpose(factor, covariance_out)
    return log_det_jacobian


@numba.njit(cache=True, error_model="numpy")
def cov_unconstrain(covariance, unconstrained_out):
    """u = cov_cholesky_unconstrain(cholesky(X))."""
    size = covariance.shape[0]
    factor = np.empty((size, size))
    _cholesky_lower(covariance, factor)
    cov_cholesky_unconstrain(factor, unconstrained_out)


@numba.njit(cache=True, error_model="numpy")
def cov_constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint_out):
    """L_adjoint = (X_adjoint + X_adjoint^T) L, then through L = cov_cholesky_constrain(u),
    plus d log|J| / du_ii = K - i + 1."""
    size = x_adjoint.shape[0]
    factor = np.empty((size, size))
    factor_adjoint = np.empty((size, size))
    cov_cholesky_constrain(unconstrained, factor)
    _lower_times_transpose_vjp(factor, x_adjoint, factor_adjoint)
    diagonal_log_det_coefficient = np.empty(size)
    for i in range(size):
        diagonal_log_det_coefficient[i] = size - i + 1.0
    _cov_cholesky_factor_vjp(unconstrained, factor_adjoint, diagonal_log_det_coefficient,
                             unconstrained_adjoint_out)
