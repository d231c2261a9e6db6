"""Numba kernels for log densities over matrices, one event each, with their hand-written
adjoints: the Wishart and inverse Wishart (Stan's parameterisation) and LKJ on correlation
matrices.  Their log determinants and traces are matrix computations, not SymPy expressions (as
the multivariate normal's triangular solve in event_kernels.py).  With K the size, ν the degrees of freedom, S the scale matrix and
log Γ_K(a) = K(K-1)/4 log π + Σ_{i<K} lgamma(a - i/2) the multivariate log gamma function:

    Wishart(W | ν, S)        = (ν-K-1)/2 log|W| - tr(S⁻¹W)/2 - νK/2 log 2 - ν/2 log|S| - log Γ_K(ν/2)
    InverseWishart(W | ν, S) = ν/2 log|S| - (ν+K+1)/2 log|W| - tr(S W⁻¹)/2 - νK/2 log 2 - log Γ_K(ν/2)

    LKJ(R | η)               = (η - 1) log|R| - log c_K(η)

with c_K LKJ's normaliser (``ppl/catalogue/distributions/lkj_cholesky.py``, the paper's (16)).

The Cholesky forms (Stan's wishart_cholesky, inv_wishart_cholesky) are the densities of the
factor L_W of W = L_W L_Wᵀ given the factor L_S of S: the same, plus the log Jacobian of
L ↦ L Lᵀ on lower-triangular factors with positive diagonal, K log 2 + Σ_i (K - i) log L_ii
(0-based i).  Every determinant and trace is read off the factors: log|W| = 2 Σ log L_W,ii,
tr(S⁻¹W) = |L_S⁻¹ L_W|², tr(S W⁻¹) = |L_W⁻¹ L_S|² (Frobenius norms).

Matrix arguments are symmetric positive definite (the full forms read their lower triangles, as
``event_kernels.cholesky`` does) or lower-triangular factors with a positive diagonal; a matrix
that is not (a zero pivot, a NaN) or ν <= K - 1 gives NaN, which the samplers reject.

Adjoints follow event_kernels' convention: ``*_vjp`` *adds* ``weight`` times the gradient into
the adjoint arrays of the matrix inputs and returns the scalar ν's share (``weight · ∂/∂ν``).
A full matrix's adjoint is the symmetric gradient (as ``cholesky_vjp``'s): ∂/∂W of
log|W| is W⁻¹, of tr(S⁻¹W) is S⁻¹, of tr(S W⁻¹) is -W⁻¹ S W⁻¹.  A factor's adjoint is its lower
triangle only.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.runtime.event_kernels import cholesky
from ppl.runtime.linear_algebra import triangular_solve_matrix
from ppl.runtime.special import digamma

_LOG_2 = math.log(2.0)
_LOG_PI = math.log(math.pi)


# ---- small dense helpers (explicit loops: Numba's np.linalg needs SciPy) ----------------

@numba.njit(cache=True, error_model="numpy")
def _times_transpose(left, right):
    """left @ right.T."""
    rows, inner = left.shape
    columns = right.shape[0]
    out = np.zeros((rows, columns))
    for i in range(rows):
        for j in range(columns):
            total = 0.0
            for k in range(inner):
                total += left[i, k] * right[j, k]
            out[i, j] = total
    return out


@numba.njit(cache=True, error_model="numpy")
def _squared_norm(matrix):
    total = 0.0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            total += matrix[i, j] * matrix[i, j]
    return total


@numba.njit(cache=True, error_model="numpy")
def _log_diagonal_sum(factor):
    """Σ log L_ii (NaN for a non-positive pivot)."""
    total = 0.0
    for i in range(factor.shape[0]):
        if not factor[i, i] > 0.0:
            return math.nan
        total += math.log(factor[i, i])
    return total


@numba.njit(cache=True, error_model="numpy")
def _inverse_from_factor(factor):
    """(L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹ from the lower factor L."""
    return triangular_solve_matrix(factor, triangular_solve_matrix(factor, np.eye(factor.shape[0]), True), True, True)


@numba.njit(cache=True, error_model="numpy")
def _log_multivariate_gamma(size, half_df):
    total = 0.25 * size * (size - 1) * _LOG_PI
    for i in range(size):
        total += math.lgamma(half_df - 0.5 * i)
    return total


@numba.njit(cache=True, error_model="numpy")
def _normaliser_df_derivative(size, df):
    """∂/∂ν of -νK/2 log 2 - log Γ_K(ν/2)."""
    total = -0.5 * size * _LOG_2
    for i in range(size):
        total -= 0.5 * digamma(0.5 * (df - i))
    return total


@numba.njit(cache=True, error_model="numpy")
def _log_normaliser(size, df):
    """-νK/2 log 2 - log Γ_K(ν/2), NaN unless ν > K - 1 (the density is proper only there)."""
    if not df > size - 1:
        return math.nan
    return -0.5 * df * size * _LOG_2 - _log_multivariate_gamma(size, 0.5 * df)


@numba.njit(cache=True, error_model="numpy")
def _log_jacobian(factor):
    """log |∂(L Lᵀ)/∂L| = K log 2 + Σ_i (K - i) log L_ii."""
    size = factor.shape[0]
    total = size * _LOG_2
    for i in range(size):
        total += (size - i) * math.log(factor[i, i])
    return total


# ---- Wishart --------------------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def wishart_cholesky_log_density(value_factor, df, scale_factor):
    """log p(L_W | ν, L_S) = Σ_i (ν - 1 - i) log L_W,ii + K log 2 - |L_S⁻¹ L_W|²/2
    - ν Σ log L_S,ii - νK/2 log 2 - log Γ_K(ν/2)."""
    size = value_factor.shape[0]
    spread = triangular_solve_matrix(scale_factor, value_factor, True)
    total = size * _LOG_2 - 0.5 * _squared_norm(spread) - df * _log_diagonal_sum(scale_factor)
    for i in range(size):
        if not value_factor[i, i] > 0.0:
            return math.nan
        total += (df - 1.0 - i) * math.log(value_factor[i, i])
    return total + _log_normaliser(size, df)


@numba.njit(cache=True, error_model="numpy")
def wishart_cholesky_log_density_vjp(value_factor, df, scale_factor, weight, value_factor_adj, scale_factor_adj):
    """With A = L_S⁻¹ L_W: ∂/∂L_W = -L_S⁻ᵀ A (+ (ν - 1 - i)/L_W,ii on the diagonal),
    ∂/∂L_S = L_S⁻ᵀ A Aᵀ (- ν/L_S,ii), lower triangles; returns weight ∂/∂ν."""
    size = value_factor.shape[0]
    spread = triangular_solve_matrix(scale_factor, value_factor, True)
    to_value = triangular_solve_matrix(scale_factor, spread, True, True)
    to_scale = triangular_solve_matrix(scale_factor, _times_transpose(spread, spread), True, True)
    for i in range(size):
        for j in range(i + 1):
            value_factor_adj[i, j] -= weight * to_value[i, j]
            scale_factor_adj[i, j] += weight * to_scale[i, j]
        value_factor_adj[i, i] += weight * (df - 1.0 - i) / value_factor[i, i]
        scale_factor_adj[i, i] -= weight * df / scale_factor[i, i]
    df_derivative = (_log_diagonal_sum(value_factor) - _log_diagonal_sum(scale_factor)
                     + _normaliser_df_derivative(size, df))
    return weight * df_derivative


@numba.njit(cache=True, error_model="numpy")
def wishart_log_density(value, df, scale):
    value_factor = cholesky(value)
    return (wishart_cholesky_log_density(value_factor, df, cholesky(scale))
            - _log_jacobian(value_factor))


@numba.njit(cache=True, error_model="numpy")
def wishart_log_density_vjp(value, df, scale, weight, value_adj, scale_adj):
    """∂/∂W = ((ν-K-1) W⁻¹ - S⁻¹)/2, ∂/∂S = (S⁻¹ W S⁻¹ - ν S⁻¹)/2; returns weight ∂/∂ν."""
    size = value.shape[0]
    value_factor, scale_factor = cholesky(value), cholesky(scale)
    value_inverse = _inverse_from_factor(value_factor)
    scale_inverse = _inverse_from_factor(scale_factor)
    spread = triangular_solve_matrix(scale_factor, triangular_solve_matrix(scale_factor, value, True), True, True)  # S⁻¹ W
    sandwich = _times_transpose(spread, scale_inverse)                                             # S⁻¹ W S⁻¹
    for i in range(size):
        for j in range(size):
            value_adj[i, j] += weight * 0.5 * ((df - size - 1.0) * value_inverse[i, j] - scale_inverse[i, j])
            scale_adj[i, j] += weight * 0.5 * (sandwich[i, j] - df * scale_inverse[i, j])
    df_derivative = (_log_diagonal_sum(value_factor) - _log_diagonal_sum(scale_factor)
                     + _normaliser_df_derivative(size, df))
    return weight * df_derivative


# ---- inverse Wishart ---------------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def inverse_wishart_cholesky_log_density(value_factor, df, scale_factor):
    """log p(L_W | ν, L_S) = -Σ_i (ν + 1 + i) log L_W,ii + K log 2 - |L_W⁻¹ L_S|²/2
    + ν Σ log L_S,ii - νK/2 log 2 - log Γ_K(ν/2)."""
    size = value_factor.shape[0]
    spread = triangular_solve_matrix(value_factor, scale_factor, True)
    total = size * _LOG_2 - 0.5 * _squared_norm(spread) + df * _log_diagonal_sum(scale_factor)
    for i in range(size):
        if not value_factor[i, i] > 0.0:
            return math.nan
        total -= (df + 1.0 + i) * math.log(value_factor[i, i])
    return total + _log_normaliser(size, df)


@numba.njit(cache=True, error_model="numpy")
def inverse_wishart_cholesky_log_density_vjp(value_factor, df, scale_factor, weight, value_factor_adj,
                                             scale_factor_adj):
    """With B = L_W⁻¹ L_S: ∂/∂L_W = L_W⁻ᵀ B Bᵀ (- (ν + 1 + i)/L_W,ii), ∂/∂L_S = -L_W⁻ᵀ B
    (+ ν/L_S,ii), lower triangles; returns weight ∂/∂ν."""
    size = value_factor.shape[0]
    spread = triangular_solve_matrix(value_factor, scale_factor, True)
    to_value = triangular_solve_matrix(value_factor, _times_transpose(spread, spread), True, True)
    to_scale = triangular_solve_matrix(value_factor, spread, True, True)
    for i in range(size):
        for j in range(i + 1):
            value_factor_adj[i, j] += weight * to_value[i, j]
            scale_factor_adj[i, j] -= weight * to_scale[i, j]
        value_factor_adj[i, i] -= weight * (df + 1.0 + i) / value_factor[i, i]
        scale_factor_adj[i, i] += weight * df / scale_factor[i, i]
    df_derivative = (_log_diagonal_sum(scale_factor) - _log_diagonal_sum(value_factor)
                     + _normaliser_df_derivative(size, df))
    return weight * df_derivative


@numba.njit(cache=True, error_model="numpy")
def inverse_wishart_log_density(value, df, scale):
    value_factor = cholesky(value)
    return (inverse_wishart_cholesky_log_density(value_factor, df, cholesky(scale))
            - _log_jacobian(value_factor))


@numba.njit(cache=True, error_model="numpy")
def inverse_wishart_log_density_vjp(value, df, scale, weight, value_adj, scale_adj):
    """∂/∂W = (W⁻¹ S W⁻¹ - (ν+K+1) W⁻¹)/2, ∂/∂S = (ν S⁻¹ - W⁻¹)/2; returns weight ∂/∂ν."""
    size = value.shape[0]
    value_factor, scale_factor = cholesky(value), cholesky(scale)
    value_inverse = _inverse_from_factor(value_factor)
    scale_inverse = _inverse_from_factor(scale_factor)
    spread = triangular_solve_matrix(value_factor, triangular_solve_matrix(value_factor, scale, True), True, True)  # W⁻¹ S
    sandwich = _times_transpose(spread, value_inverse)                                             # W⁻¹ S W⁻¹
    for i in range(size):
        for j in range(size):
            value_adj[i, j] += weight * 0.5 * (sandwich[i, j] - (df + size + 1.0) * value_inverse[i, j])
            scale_adj[i, j] += weight * 0.5 * (df * scale_inverse[i, j] - value_inverse[i, j])
    df_derivative = (_log_diagonal_sum(scale_factor) - _log_diagonal_sum(value_factor)
                     + _normaliser_df_derivative(size, df))
    return weight * df_derivative



# ---- LKJ on correlation matrices ---------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def _lkj_log_normaliser_and_derivative(size, concentration):
    """(log c_K(η), ∂/∂η): Σ_{k=1}^{K-1} [(2η - 2 + K - k)(K - k) log 2 + (K - k) log B(b_k, b_k)],
    b_k = η + (K - k - 1)/2, log B(b, b) = 2 lgamma(b) - lgamma(2b)."""
    value, derivative = 0.0, 0.0
    for k in range(1, size):
        remaining = size - k
        half_width = concentration + 0.5 * (remaining - 1)
        value += ((2.0 * concentration - 2.0 + remaining) * remaining * _LOG_2
                  + remaining * (2.0 * math.lgamma(half_width) - math.lgamma(2.0 * half_width)))
        derivative += 2.0 * remaining * (_LOG_2 + digamma(half_width) - digamma(2.0 * half_width))
    return value, derivative


@numba.njit(cache=True, error_model="numpy")
def lkj_log_density(value, concentration):
    """(η - 1) log|R| - log c_K(η), log|R| = 2 Σ log L_ii of R's Cholesky factor."""
    normaliser, _ = _lkj_log_normaliser_and_derivative(value.shape[0], concentration)
    return 2.0 * (concentration - 1.0) * _log_diagonal_sum(cholesky(value)) - normaliser


@numba.njit(cache=True, error_model="numpy")
def lkj_log_density_vjp(value, concentration, weight, value_adj):
    """∂/∂R = (η - 1) R⁻¹ (symmetric); returns weight (log|R| - ∂ log c_K/∂η)."""
    factor = cholesky(value)
    inverse = _inverse_from_factor(factor)
    size = value.shape[0]
    for i in range(size):
        for j in range(size):
            value_adj[i, j] += weight * (concentration - 1.0) * inverse[i, j]
    _, derivative = _lkj_log_normaliser_and_derivative(size, concentration)
    return weight * (2.0 * _log_diagonal_sum(factor) - derivative)
