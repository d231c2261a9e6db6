"""Dense linear algebra for generated code: solves, inverse, log-determinant.

Numba's `np.linalg` calls LAPACK through SciPy, which is not a run-time dependency of ppl, so
these are written out: an LU factorisation with partial pivoting (Golub & Van Loan, Matrix
Computations, 4th ed., algorithm 3.4.1) and triangular substitutions.  The matrices of a model
are small (tens of rows), where these loops cost about what LAPACK's do.

Every function follows NumPy's error model: a singular matrix gives inf or NaN (which the
samplers reject), never an exception.  The adjoint rules that call these are in
codegen/structural.py (`solve`, `inverse`, `log_determinant`), each with its formula.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def lu_factor(matrix):
    """(lu, pivots) with matrix[pivots] = L @ U: L unit lower triangular below lu's diagonal, U
    upper triangular on and above it; each column's pivot is its largest remaining entry."""
    n = matrix.shape[0]
    lu = np.empty((n, n))
    for r in range(n):
        for c in range(n):
            lu[r, c] = matrix[r, c]
    pivots = np.arange(n)
    for k in range(n):
        best, row = abs(lu[k, k]), k
        for r in range(k + 1, n):
            if abs(lu[r, k]) > best:
                best, row = abs(lu[r, k]), r
        if row != k:
            for c in range(n):
                lu[k, c], lu[row, c] = lu[row, c], lu[k, c]
            pivots[k], pivots[row] = pivots[row], pivots[k]
        for r in range(k + 1, n):
            lu[r, k] /= lu[k, k]
            factor = lu[r, k]
            for c in range(k + 1, n):
                lu[r, c] -= factor * lu[k, c]
    return lu, pivots


@numba.njit(cache=True, error_model="numpy")
def _lu_solve_columns(lu, pivots, rhs, transposed):
    """X with A X = rhs (or A.T X = rhs) from A's LU factors; rhs is [n, m]."""
    n, m = rhs.shape
    x = np.empty((n, m))
    if not transposed:   # L U X = P rhs: forward with the unit L, then back with U
        for r in range(n):
            for c in range(m):
                x[r, c] = rhs[pivots[r], c]
        for r in range(n):
            for k in range(r):
                for c in range(m):
                    x[r, c] -= lu[r, k] * x[k, c]
        for r in range(n - 1, -1, -1):
            for k in range(r + 1, n):
                for c in range(m):
                    x[r, c] -= lu[r, k] * x[k, c]
            for c in range(m):
                x[r, c] /= lu[r, r]
        return x
    # A.T = U.T L.T P: forward with U.T, back with the unit L.T, then undo the permutation
    z = np.empty((n, m))
    for r in range(n):
        for c in range(m):
            z[r, c] = rhs[r, c]
        for k in range(r):
            for c in range(m):
                z[r, c] -= lu[k, r] * z[k, c]
        for c in range(m):
            z[r, c] /= lu[r, r]
    for r in range(n - 1, -1, -1):
        for k in range(r + 1, n):
            for c in range(m):
                z[r, c] -= lu[k, r] * z[k, c]
    for r in range(n):
        for c in range(m):
            x[pivots[r], c] = z[r, c]
    return x


@numba.njit(cache=True, error_model="numpy")
def _columns(vector):
    out = np.empty((vector.shape[0], 1))
    for r in range(vector.shape[0]):
        out[r, 0] = vector[r]
    return out


@numba.njit(cache=True, error_model="numpy")
def solve_matrix(matrix, rhs, transposed=False):
    """X with matrix @ X = rhs (matrix.T @ X = rhs when transposed), rhs [n, m]."""
    lu, pivots = lu_factor(matrix)
    return _lu_solve_columns(lu, pivots, rhs, transposed)


@numba.njit(cache=True, error_model="numpy")
def solve_vector(matrix, rhs, transposed=False):
    """x with matrix @ x = rhs (matrix.T @ x = rhs when transposed), rhs [n]."""
    return solve_matrix(matrix, _columns(rhs), transposed)[:, 0]


@numba.njit(cache=True, error_model="numpy")
def triangular_solve_matrix(factor, rhs, lower, transposed=False):
    """X with T X = rhs, T the lower (or upper) triangle of factor, or T.T X = rhs when
    transposed; the other triangle is not read."""
    n, m = rhs.shape
    x = np.empty((n, m))
    forward = lower != transposed   # T.T of a lower T is upper: solved from the bottom
    for step in range(n):
        r = step if forward else n - 1 - step
        for c in range(m):
            x[r, c] = rhs[r, c]
        others = range(r) if forward else range(r + 1, n)
        for k in others:
            entry = factor[k, r] if transposed else factor[r, k]
            for c in range(m):
                x[r, c] -= entry * x[k, c]
        for c in range(m):
            x[r, c] /= factor[r, r]
    return x


@numba.njit(cache=True, error_model="numpy")
def triangular_solve_vector(factor, rhs, lower, transposed=False):
    return triangular_solve_matrix(factor, _columns(rhs), lower, transposed)[:, 0]


@numba.njit(cache=True, error_model="numpy")
def inverse(matrix):
    return solve_matrix(matrix, np.eye(matrix.shape[0]))


@numba.njit(cache=True, error_model="numpy")
def inverse_vjp(inverse, inverse_adj, matrix_adj):
    """matrix_adj -= Y.T @ inverse_adj @ Y.T for Y the inverse (d(A^-1) = -A^-1 dA A^-1), as
    loops: Numba's `@` calls BLAS through SciPy."""
    n = inverse.shape[0]
    left = np.zeros((n, n))   # Y.T @ inverse_adj
    for r in range(n):
        for k in range(n):
            weight = inverse[k, r]
            for c in range(n):
                left[r, c] += weight * inverse_adj[k, c]
    for r in range(n):
        for k in range(n):
            weight = left[r, k]
            for c in range(n):
                matrix_adj[r, c] -= weight * inverse[c, k]


@numba.njit(cache=True, error_model="numpy")
def log_abs_determinant(matrix):
    """log |det(matrix)| from the LU factors' diagonal (-inf for a singular matrix)."""
    lu, _ = lu_factor(matrix)
    total = 0.0
    for k in range(matrix.shape[0]):
        total += math.log(abs(lu[k, k]))
    return total
