"""Numba kernels for what generated code cannot write as SymPy expressions:
triangular solves, the multivariate normal's log density over one event,
Cholesky factors, and the functions of one vector that reductions and
`axis=` maps call, each with its hand-written adjoint (vector-Jacobian
product) and the formula it implements.  (The event densities that are SymPy
expressions, Dirichlet, Categorical and LKJCholesky, are emitted from their
catalogue definitions by codegen/event_density.py.)  The library's
multivariate normals call the same log-density kernel.

Adjoint functions *add* ``weight`` times the gradient into their ``*_adj``
arguments (the compiler passes scratch arrays for inputs that need none).
"""

from __future__ import annotations

import math

import numba
import numpy as np


_LOG_2PI = math.log(2.0 * math.pi)


# ---- dense products --------------------------------------------------------------------

# Reassociation lets LLVM split a sum into SIMD lanes; contraction fuses a multiply and an add.
# Confined to the dot products below, they reorder those sums only: each result is within a few
# units in the last place of the strict left-to-right sum (tests/test_products.py measures it).
# The Cholesky factor and the forward substitution below use the same dot product.  No
# generated function is compiled with fast-math flags.
SIMD_SUM_FLAGS = {"reassoc", "contract"}


@numba.njit(cache=True, error_model="numpy", fastmath=SIMD_SUM_FLAGS)
def _dot(left, right):
    total = 0.0
    for k in range(left.shape[0]):
        total += left[k] * right[k]
    return total


@numba.njit(cache=True, error_model="numpy", fastmath=SIMD_SUM_FLAGS)
def matrix_vector(matrix, vector):
    """matrix @ vector: one dot product per row.  Generated code calls it for a product whose
    inner index is a sum (the forward `X @ beta`, the adjoint `B @ out_adj` of `a @ B`), since a
    strict left-to-right sum cannot use SIMD lanes and runs several times slower."""
    out = np.empty(matrix.shape[0])
    for r in range(matrix.shape[0]):
        out[r] = _dot(matrix[r], vector)
    return out


@numba.njit(cache=True, error_model="numpy", fastmath=SIMD_SUM_FLAGS)
def vector_matrix(vector, matrix):
    """vector @ matrix, out[c] = sum_r vector[r] matrix[r, c]: rows added four at a time, so that
    `out` is loaded and stored a quarter as often as by one row at a time (the forward `a @ B`,
    the adjoint `out_adj @ A` of `A @ b`)."""
    rows, columns = matrix.shape
    out = np.zeros(columns)
    r = 0
    while r + 4 <= rows:
        w0, w1, w2, w3 = vector[r], vector[r + 1], vector[r + 2], vector[r + 3]
        for c in range(columns):
            out[c] += (w0 * matrix[r, c] + w1 * matrix[r + 1, c]) + (w2 * matrix[r + 2, c] + w3 * matrix[r + 3, c])
        r += 4
    for r in range(r, rows):
        for c in range(columns):
            out[c] += vector[r] * matrix[r, c]
    return out


@numba.njit(cache=True, error_model="numpy", fastmath=SIMD_SUM_FLAGS)
def matrix_times_transpose(left, right):
    """left @ right.T, out[r, k] = left[r] . right[k]: the adjoint out_adj @ B.T of A @ B."""
    out = np.empty((left.shape[0], right.shape[0]))
    for r in range(left.shape[0]):
        for k in range(right.shape[0]):
            out[r, k] = _dot(left[r], right[k])
    return out


# ---- triangular solves ------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def solve_lower(factor, right_side):
    """z with factor @ z = right_side, factor lower triangular (forward substitution)."""
    size = right_side.shape[0]
    z = np.empty(size)
    for i in range(size):
        z[i] = (right_side[i] - _dot(factor[i, :i], z[:i])) / factor[i, i]
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
    """log N(x | loc, L L^T) = -|z|^2 / 2 - sum(log |diag L|) - K log(2 pi) / 2, z = L^-1 (x - loc).
    (|L_ii|: a factor with a negative diagonal entry has the same covariance L L^T.)"""
    size = x.shape[0]
    z = solve_lower(factor, x - loc)
    total = -0.5 * np.dot(z, z) - 0.5 * size * _LOG_2PI
    for i in range(size):
        total -= math.log(abs(factor[i, i]))
    return total


@numba.njit(cache=True, error_model="numpy")
def mvn_tril_log_density_each(x, loc, factor, out):
    """out[n] = mvn_tril_log_density(x[n], loc[n], factor[n]) for [n, K] x and loc and [n, K, K]
    factors (broadcast views welcome): the library's multivariate normals over their batch."""
    for n in range(out.shape[0]):
        out[n] = mvn_tril_log_density(x[n], loc[n], factor[n])


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


@numba.njit(cache=True, error_model="numpy")
def mvn_tril_log_density_rows(x, loc, factor):
    """The sum over the rows of x of mvn_tril_log_density(x[n], loc, factor): one scratch
    vector for all rows instead of temporaries per row."""
    size = factor.shape[0]
    z = np.empty(size)
    total = 0.0
    for n in range(x.shape[0]):
        for i in range(size):   # z = L^-1 (x[n] - loc), forward substitution
            value = x[n, i] - loc[i]
            for j in range(i):
                value -= factor[i, j] * z[j]
            z[i] = value / factor[i, i]
            total -= 0.5 * z[i] * z[i]
    log_determinant = 0.0
    for i in range(size):
        log_determinant += math.log(abs(factor[i, i]))
    return total - x.shape[0] * (log_determinant + 0.5 * size * _LOG_2PI)


@numba.njit(cache=True, error_model="numpy")
def mvn_tril_log_density_rows_vjp(x, loc, factor, weight, x_adj, loc_adj, factor_adj):
    """mvn_tril_log_density_vjp summed over the rows of x (x_adj is [rows, K])."""
    size = factor.shape[0]
    z = np.empty(size)
    a = np.empty(size)
    for n in range(x.shape[0]):
        for i in range(size):
            value = x[n, i] - loc[i]
            for j in range(i):
                value -= factor[i, j] * z[j]
            z[i] = value / factor[i, i]
        for i in range(size - 1, -1, -1):   # a = L^-T z, back substitution
            value = z[i]
            for j in range(i + 1, size):
                value -= factor[j, i] * a[j]
            a[i] = value / factor[i, i]
        for i in range(size):
            x_adj[n, i] -= weight * a[i]
            loc_adj[i] += weight * a[i]
            for j in range(i + 1):
                factor_adj[i, j] += weight * a[i] * z[j]
    for i in range(size):
        factor_adj[i, i] -= weight * x.shape[0] / factor[i, i]


# ---- Cholesky factor ------------------------------------------------------------------

@numba.njit(cache=True, error_model="numpy")
def cholesky(matrix):
    """Lower L with L L^T = matrix (reads the lower triangle); NaN when not positive definite."""
    size = matrix.shape[0]
    factor = np.zeros((size, size))
    for j in range(size):
        total = matrix[j, j] - _dot(factor[j, :j], factor[j, :j])
        if not total > 0.0:
            factor[:, :] = np.nan
            return factor
        factor[j, j] = math.sqrt(total)
        for i in range(j + 1, size):   # rows of the factor are contiguous: SIMD dot products
            factor[i, j] = (matrix[i, j] - _dot(factor[i, :j], factor[j, :j])) / factor[j, j]
    return factor


@numba.njit(cache=True, error_model="numpy")
def _solve_upper_transposed_rows(factor, rows):
    """In place, rows <- X with factor.T @ X = rows, factor lower triangular: back
    substitution a whole row at a time (contiguous), X[i] = (rows[i] - sum_{k>i} L[k, i] X[k]) / L[i, i]."""
    size = factor.shape[0]
    width = rows.shape[1]
    for i in range(size - 1, -1, -1):
        for k in range(i + 1, size):
            weight = factor[k, i]
            if weight != 0.0:
                for j in range(width):
                    rows[i, j] -= weight * rows[k, j]
        inverse = 1.0 / factor[i, i]
        for j in range(width):
            rows[i, j] *= inverse


@numba.njit(cache=True, error_model="numpy")
def cholesky_vjp(factor, factor_adj, matrix_adj):
    """Adjoint of L = cholesky(A) for symmetric A (Murray 2016, "Differentiation of the
    Cholesky decomposition", eq. 10): P = Phi(L^T Lbar) with Phi the lower triangle with
    its diagonal halved, Abar = L^-T P L^-1, symmetrised: (Abar + Abar^T) / 2.
    Abar^T = L^-T (L^-T P)^T: two row-wise back substitutions, no temporaries per column."""
    size = factor.shape[0]
    product = np.zeros((size, size))
    for k in range(size):   # (L^T Lbar)[i, j] = sum_k L[k, i] Lbar[k, j], lower part: j <= i <= k
        for i in range(k + 1):
            weight = factor[k, i]
            if weight != 0.0:
                for j in range(i + 1):
                    product[i, j] += weight * factor_adj[k, j]
    for i in range(size):
        product[i, i] *= 0.5
    _solve_upper_transposed_rows(factor, product)          # X = L^-T P
    transposed = np.ascontiguousarray(product.T)
    _solve_upper_transposed_rows(factor, transposed)       # Abar^T = L^-T X^T
    for i in range(size):
        for j in range(size):
            matrix_adj[i, j] += 0.5 * (transposed[i, j] + transposed[j, i])


# ---- functions of one vector (reductions and maps along an axis) ------------------------------
#
# The compiler calls these on a vector, or on each row or column of a matrix for `axis=`.
# A reduction `value = f(x)` has `f_vjp(x, value, weight, x_adj)`; a map `f(x, out)` writes its
# result into `out` and has `f_vjp(x, out, out_adj, x_adj)`.  Both add into x_adj.

@numba.njit(cache=True, error_model="numpy")
def sd(x):
    """sqrt(sum((x - mean)^2) / (n - 1)): the sample standard deviation (Stan's sd)."""
    size = x.shape[0]
    mean = np.sum(x) / size
    total = 0.0
    for i in range(size):
        total += (x[i] - mean) ** 2
    return math.sqrt(total / (size - 1))


@numba.njit(cache=True, error_model="numpy")
def sd_vjp(x, value, weight, x_adj):
    """d sd / dx_i = (x_i - mean) / ((n - 1) sd)  (the deviations sum to zero, so the mean's own
    dependence on x_i drops out)."""
    size = x.shape[0]
    mean = np.sum(x) / size
    for i in range(size):
        x_adj[i] += weight * (x[i] - mean) / ((size - 1) * value)


@numba.njit(cache=True, error_model="numpy")
def max_element(x):
    return np.max(x)


@numba.njit(cache=True, error_model="numpy")
def max_element_vjp(x, value, weight, x_adj):
    """The whole adjoint goes to the first largest element (a subgradient at ties)."""
    x_adj[np.argmax(x)] += weight


@numba.njit(cache=True, error_model="numpy")
def min_element(x):
    return np.min(x)


@numba.njit(cache=True, error_model="numpy")
def min_element_vjp(x, value, weight, x_adj):
    """The whole adjoint goes to the first smallest element."""
    x_adj[np.argmin(x)] += weight


@numba.njit(cache=True, error_model="numpy")
def logsumexp(x):
    """log(sum(exp(x))), shifted by the largest element so that nothing overflows
    (two passes, no temporary array: it runs once per row of a mixture)."""
    largest = np.max(x)
    if not math.isfinite(largest):
        return largest
    total = 0.0
    for i in range(x.shape[0]):
        total += math.exp(x[i] - largest)
    return largest + math.log(total)


@numba.njit(cache=True, error_model="numpy")
def logsumexp_vjp(x, value, weight, x_adj):
    """d/dx_i = exp(x_i - value) = softmax(x)_i."""
    for i in range(x.shape[0]):
        x_adj[i] += weight * math.exp(x[i] - value)


@numba.njit(cache=True, error_model="numpy")
def softmax(x, out):
    """out = exp(x - logsumexp(x))."""
    normaliser = logsumexp(x)
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i] - normaliser)


@numba.njit(cache=True, error_model="numpy")
def softmax_vjp(x, out, out_adj, x_adj):
    """With s = softmax(x) and g = out_adj: x_adj += s * (g - g . s)  (the Jacobian is diag(s) - s s^T)."""
    projection = 0.0
    for i in range(x.shape[0]):
        projection += out_adj[i] * out[i]
    for i in range(x.shape[0]):
        x_adj[i] += out[i] * (out_adj[i] - projection)


@numba.njit(cache=True, error_model="numpy")
def log_softmax(x, out):
    """out = x - logsumexp(x)."""
    normaliser = logsumexp(x)
    for i in range(x.shape[0]):
        out[i] = x[i] - normaliser


@numba.njit(cache=True, error_model="numpy")
def log_softmax_vjp(x, out, out_adj, x_adj):
    """With g = out_adj: x_adj += g - softmax(x) * sum(g)  (the Jacobian is I - 1 softmax(x)^T)."""
    total = np.sum(out_adj)
    for i in range(x.shape[0]):
        x_adj[i] += out_adj[i] - math.exp(out[i]) * total


@numba.njit(cache=True, error_model="numpy")
def cumsum(x, out):
    """out[i] = x[0] + ... + x[i]."""
    if x.shape[0] == 0:
        return
    out[0] = x[0]
    for i in range(1, x.shape[0]):
        out[i] = out[i - 1] + x[i]


@numba.njit(cache=True, error_model="numpy")
def cumsum_vjp(x, out, out_adj, x_adj):
    """x_i reaches every out[j] with j >= i: x_adj[i] += sum(out_adj[i:]), a reversed running sum."""
    total = 0.0
    for i in range(x.shape[0] - 1, -1, -1):
        total += out_adj[i]
        x_adj[i] += total


# ---- distances between point sets, for the covariance functions ------------------------------------

@numba.njit(cache=True, error_model="numpy")
def squared_distances_scalar_points(first, second):
    """D[i, j] = (x_i - y_j)^2 for scalar points."""
    out = np.empty((first.shape[0], second.shape[0]))
    for i in range(first.shape[0]):
        for j in range(second.shape[0]):
            out[i, j] = (first[i] - second[j]) ** 2
    return out


@numba.njit(cache=True, error_model="numpy")
def squared_distances(first, second):
    """D[i, j] = |x_i - y_j|^2 for points of shape [N, F] and [M, F]."""
    out = np.zeros((first.shape[0], second.shape[0]))
    for i in range(first.shape[0]):
        for j in range(second.shape[0]):
            for f in range(first.shape[1]):
                out[i, j] += (first[i, f] - second[j, f]) ** 2
    return out
