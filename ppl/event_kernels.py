"""Numba kernels for log densities and matrix functions over one event, each
with its hand-written adjoint (vector-Jacobian product), for the generated
code.  Scalar parts follow the catalogue's definitions; what SymPy cannot
differentiate conveniently (triangular solves, Cholesky factors,
log-determinants) is written here with the formula it implements.

Adjoint functions *add* ``weight`` times the gradient into their ``*_adj``
arguments (the compiler passes scratch arrays for inputs that need none).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.special import digamma

_LOG_2PI = math.log(2.0 * math.pi)


# ---- triangular solves ------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def solve_lower(factor, right_side):
    """z with factor @ z = right_side, factor lower triangular (forward substitution)."""
    size = right_side.shape[0]
    z = np.empty(size)
    for i in range(size):
        total = right_side[i]
        for j in range(i):
            total -= factor[i, j] * z[j]
        z[i] = total / factor[i, i]
    return z


@numba.njit(cache=True, error_model="numpy")
def solve_upper_transposed(factor, right_side):
    """a with factor.T @ a = right_side, factor lower triangular (back substitution)."""
    size = right_side.shape[0]
    a = np.empty(size)
    for i in range(size - 1, -1, -1):
        total = right_side[i]
        for j in range(i + 1, size):
            total -= factor[j, i] * a[j]
        a[i] = total / factor[i, i]
    return a


# ---- multivariate normal with a Cholesky factor of its covariance ------------------

@numba.njit(cache=True, error_model="numpy")
def mvn_tril_log_density(x, loc, factor):
    """log N(x | loc, L L^T) = -|z|^2 / 2 - sum(log diag L) - K log(2 pi) / 2, z = L^-1 (x - loc)."""
    size = x.shape[0]
    z = solve_lower(factor, x - loc)
    total = -0.5 * np.dot(z, z) - 0.5 * size * _LOG_2PI
    for i in range(size):
        total -= math.log(factor[i, i])
    return total


@numba.njit(cache=True, error_model="numpy")
def mvn_tril_log_density_vjp(x, loc, factor, weight, x_adj, loc_adj, factor_adj):
    """With z = L^-1 (x - loc) and a = L^-T z:
    d/dx = -a, d/dloc = a, d/dL[i, j] = a[i] z[j] (i >= j) - [i == j] / L[i, i]."""
    size = x.shape[0]
    z = solve_lower(factor, x - loc)
    a = solve_upper_transposed(factor, z)
    for i in range(size):
        x_adj[i] -= weight * a[i]
        loc_adj[i] += weight * a[i]
        for j in range(i + 1):
            factor_adj[i, j] += weight * a[i] * z[j]
        factor_adj[i, i] -= weight / factor[i, i]


# ---- Cholesky factor ------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def cholesky(matrix):
    """Lower L with L L^T = matrix (reads the lower triangle); NaN when not positive definite."""
    size = matrix.shape[0]
    factor = np.zeros((size, size))
    for j in range(size):
        total = matrix[j, j]
        for k in range(j):
            total -= factor[j, k] * factor[j, k]
        if not total > 0.0:
            factor[:, :] = np.nan
            return factor
        factor[j, j] = math.sqrt(total)
        for i in range(j + 1, size):
            total = matrix[i, j]
            for k in range(j):
                total -= factor[i, k] * factor[j, k]
            factor[i, j] = total / factor[j, j]
    return factor


@numba.njit(cache=True, error_model="numpy")
def cholesky_vjp(factor, factor_adj, matrix_adj):
    """Adjoint of L = cholesky(A) for symmetric A (Murray 2016, "Differentiation of the
    Cholesky decomposition", eq. 10): P = Phi(L^T Lbar) with Phi the lower triangle with
    its diagonal halved, Abar = L^-T P L^-1, symmetrised: (Abar + Abar^T) / 2."""
    size = factor.shape[0]
    product = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1):
            total = 0.0
            for k in range(i, size):   # (L^T Lbar)[i, j] with L lower: k >= i, Lbar lower: k >= j
                total += factor[k, i] * factor_adj[k, j]
            product[i, j] = total
        product[i, i] *= 0.5
    # Abar = L^-T P L^-1: solve L^T Y = P, then A L = Y^T ... (two triangular solves per column)
    left = np.empty((size, size))
    for column in range(size):
        left[:, column] = solve_upper_transposed(factor, product[:, column])
    result = np.empty((size, size))
    for row in range(size):
        result[row, :] = solve_upper_transposed(factor, left[row, :])
    for i in range(size):
        for j in range(size):
            matrix_adj[i, j] += 0.5 * (result[i, j] + result[j, i])


# ---- squared-exponential covariance -----------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def exp_quad_cov(points, amplitude, length_scale):
    """K[i, j] = amplitude^2 exp(-(x_i - x_j)^2 / (2 length_scale^2)) for scalar points."""
    size = points.shape[0]
    out = np.empty((size, size))
    for i in range(size):
        for j in range(size):
            distance = points[i] - points[j]
            out[i, j] = amplitude * amplitude * math.exp(-0.5 * distance * distance / (length_scale * length_scale))
    return out


@numba.njit(cache=True, error_model="numpy")
def exp_quad_cov_vjp(points, amplitude, length_scale, out_adj):
    """(d amplitude, d length_scale): dK/da = 2 K / a, dK/dl = K d^2 / l^3."""
    size = points.shape[0]
    amplitude_adj = 0.0
    length_scale_adj = 0.0
    for i in range(size):
        for j in range(size):
            distance = points[i] - points[j]
            value = amplitude * amplitude * math.exp(-0.5 * distance * distance / (length_scale * length_scale))
            amplitude_adj += out_adj[i, j] * 2.0 * value / amplitude
            length_scale_adj += out_adj[i, j] * value * distance * distance / length_scale ** 3
    return amplitude_adj, length_scale_adj


# ---- Dirichlet ------------------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def dirichlet_log_density(x, concentration):
    """sum((a - 1) log x) + lgamma(sum a) - sum(lgamma a)."""
    total = math.lgamma(np.sum(concentration))
    for k in range(x.shape[0]):
        total += (concentration[k] - 1.0) * math.log(x[k]) - math.lgamma(concentration[k])
    return total


@numba.njit(cache=True, error_model="numpy")
def dirichlet_log_density_vjp(x, concentration, weight, x_adj, concentration_adj):
    """d/dx_k = (a_k - 1) / x_k; d/da_k = log x_k + digamma(sum a) - digamma(a_k)."""
    total = digamma(np.sum(concentration))
    for k in range(x.shape[0]):
        x_adj[k] += weight * (concentration[k] - 1.0) / x[k]
        concentration_adj[k] += weight * (math.log(x[k]) + total - digamma(concentration[k]))


# ---- Categorical -----------------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def categorical_probs_log_density(category, probs):
    if category < 0 or category >= probs.shape[0]:
        return -math.inf
    return math.log(probs[category])


@numba.njit(cache=True, error_model="numpy")
def categorical_probs_log_density_vjp(category, probs, weight, probs_adj):
    """d/dprobs[k] = [k == category] / probs[category]."""
    if 0 <= category < probs.shape[0]:
        probs_adj[category] += weight / probs[category]


@numba.njit(cache=True, error_model="numpy")
def categorical_logits_log_density(category, logits):
    """logits[category] - logsumexp(logits)."""
    if category < 0 or category >= logits.shape[0]:
        return -math.inf
    largest = np.max(logits)
    return logits[category] - largest - math.log(np.sum(np.exp(logits - largest)))


@numba.njit(cache=True, error_model="numpy")
def categorical_logits_log_density_vjp(category, logits, weight, logits_adj):
    """d/dlogits = onehot(category) - softmax(logits)."""
    largest = np.max(logits)
    exponentials = np.exp(logits - largest)
    total = np.sum(exponentials)
    for k in range(logits.shape[0]):
        logits_adj[k] -= weight * exponentials[k] / total
    if 0 <= category < logits.shape[0]:
        logits_adj[category] += weight


# ---- LKJ on Cholesky factors of correlation matrices ---------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def lkj_log_normaliser(size, concentration):
    """-log c_K(eta), from Lewandowski, Kurowicka & Joe (2009), eq. 16:
    c = prod_{k=1}^{K-1} [2^{(2 eta - 2 + K - k)} B(eta + (K-k-1)/2, eta + (K-k-1)/2)]^{K-k}."""
    total = 0.0
    for k in range(1, size):
        b = concentration + 0.5 * (size - k - 1)
        total -= (size - k) * ((2.0 * concentration - 2.0 + size - k) * math.log(2.0)
                               + 2.0 * math.lgamma(b) - math.lgamma(2.0 * b))
    return total


@numba.njit(cache=True, error_model="numpy")
def lkj_log_normaliser_derivative(size, concentration):
    total = 0.0
    for k in range(1, size):
        b = concentration + 0.5 * (size - k - 1)
        total -= (size - k) * (2.0 * math.log(2.0) + 2.0 * digamma(b) - 2.0 * digamma(2.0 * b))
    return total


@numba.njit(cache=True, error_model="numpy")
def lkj_cholesky_log_density(factor, concentration):
    """log normaliser + sum_{k>=1} (K - k - 1 + 2 (eta - 1)) log L[k, k] (Stan's lkj_corr_cholesky)."""
    size = factor.shape[0]
    total = lkj_log_normaliser(size, concentration)
    for k in range(1, size):
        total += (size - k - 1 + 2.0 * (concentration - 1.0)) * math.log(factor[k, k])
    return total


@numba.njit(cache=True, error_model="numpy")
def lkj_cholesky_log_density_vjp(factor, concentration, weight, factor_adj):
    """Returns d/d concentration; adds d/dL[k, k] = (K - k - 1 + 2 (eta - 1)) / L[k, k]."""
    size = factor.shape[0]
    concentration_adj = lkj_log_normaliser_derivative(size, concentration)
    for k in range(1, size):
        factor_adj[k, k] += weight * (size - k - 1 + 2.0 * (concentration - 1.0)) / factor[k, k]
        concentration_adj += 2.0 * math.log(factor[k, k])
    return weight * concentration_adj
