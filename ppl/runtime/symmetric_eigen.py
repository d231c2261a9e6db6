"""The eigendecomposition of a symmetric matrix for generated code (Stan's eigenvalues_sym and
eigenvectors_sym), and its reverse-mode rule.

Numba's `np.linalg.eigh` calls LAPACK through SciPy, which ppl does not require, so the
decomposition is the cyclic Jacobi method (``jacobi_eigen``; Golub & Van Loan, Matrix Computations, 4th ed.,
§8.5): plane rotations that zero each off-diagonal entry in turn, sweep after sweep, until the
off-diagonal part is below rounding relative to the whole.  It converges quadratically, and to
full relative accuracy in the eigenvectors, for the small matrices of a model (tens of rows).

Conventions, fixed so that a model's values are reproducible and its gradient is that of one
smooth function:

* the matrix read is the symmetric part (A + A.T) / 2 (for a symmetric A, A itself), and its
  adjoint is symmetric accordingly;
* eigenvalues ascend, and eigenvector k is column k of the matrix of eigenvectors;
* each eigenvector's largest-magnitude entry is positive (the first such entry, if two tie).

The adjoint (Giles 2008, "Extended collection of matrix derivative results", §3.1), for
distinct eigenvalues λ and A = V diag(λ) V.T:

    A_adj = V (diag(λ_adj) + F ∘ (V.T V_adj)) V.T,   F_ij = 1 / (λ_j - λ_i) (i ≠ j), F_ii = 0,

symmetrised.  Equal eigenvalues leave the eigenvectors undetermined: their adjoint is then
inf or NaN (the sampler rejects the step), their values' adjoint stays finite.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_MAX_SWEEPS = 100


@numba.njit(cache=True, error_model="numpy")
def jacobi_eigen(matrix):
    """(eigenvalues, eigenvectors as columns) of a symmetric matrix, unsorted, by cyclic Jacobi
    rotations: each zeroes one off-diagonal pair, with the smaller of the two rotation angles
    (work <- J.T work J, vectors <- vectors J); sweeps repeat until the off-diagonal part is
    negligible.  The samplers' low-rank metric uses it as it is (ppl/sampling/low_rank.py)."""
    size = matrix.shape[0]
    a = matrix.copy()
    vectors = np.eye(size)
    scale = 0.0
    for i in range(size):
        for j in range(size):
            scale += a[i, j] * a[i, j]
    for _ in range(_MAX_SWEEPS):
        off_diagonal = 0.0
        for i in range(size):
            for j in range(i + 1, size):
                off_diagonal += a[i, j] * a[i, j]
        if off_diagonal <= 1e-32 * scale:
            break
        for p in range(size - 1):
            for q in range(p + 1, size):
                apq = a[p, q]
                if apq == 0.0:
                    continue
                if abs(apq) < 1e-18 * math.sqrt(abs(a[p, p] * a[q, q])):
                    a[p, q] = 0.0
                    a[q, p] = 0.0
                    continue
                theta = (a[q, q] - a[p, p]) / (2.0 * apq)
                tangent = 1.0 / (abs(theta) + math.sqrt(theta * theta + 1.0))
                if theta < 0.0:
                    tangent = -tangent
                cosine = 1.0 / math.sqrt(tangent * tangent + 1.0)
                sine = tangent * cosine
                for k in range(size):   # columns p and q: A J
                    akp, akq = a[k, p], a[k, q]
                    a[k, p] = cosine * akp - sine * akq
                    a[k, q] = sine * akp + cosine * akq
                for k in range(size):   # rows p and q: J' (A J)
                    apk, aqk = a[p, k], a[q, k]
                    a[p, k] = cosine * apk - sine * aqk
                    a[q, k] = sine * apk + cosine * aqk
                for k in range(size):
                    vkp, vkq = vectors[k, p], vectors[k, q]
                    vectors[k, p] = cosine * vkp - sine * vkq
                    vectors[k, q] = sine * vkp + cosine * vkq
    values = np.empty(size)
    for i in range(size):
        values[i] = a[i, i]
    return values, vectors


@numba.njit(cache=True, error_model="numpy")
def eigen_sym(matrix):
    """(eigenvalues ascending, eigenvectors as columns) of (matrix + matrix.T) / 2, each
    eigenvector's largest-magnitude entry positive.  A matrix with a NaN or inf gives NaNs."""
    n = matrix.shape[0]
    symmetric = np.empty((n, n))
    for r in range(n):
        for c in range(n):
            symmetric[r, c] = 0.5 * (matrix[r, c] + matrix[c, r])
            if not math.isfinite(symmetric[r, c]):
                return np.full(n, math.nan), np.full((n, n), math.nan)
    diagonal, vectors = jacobi_eigen(symmetric)
    order = np.argsort(diagonal)
    values = np.empty(n)
    ordered = np.empty((n, n))
    for k in range(n):
        column = order[k]
        values[k] = diagonal[column]
        largest = 0
        for r in range(1, n):
            if abs(vectors[r, column]) > abs(vectors[largest, column]):
                largest = r
        sign = -1.0 if vectors[largest, column] < 0.0 else 1.0
        for r in range(n):
            ordered[r, k] = sign * vectors[r, column]
    return values, ordered


@numba.njit(cache=True, error_model="numpy")
def eigenvalues_sym(matrix):
    return eigen_sym(matrix)[0]


@numba.njit(cache=True, error_model="numpy")
def eigenvectors_sym(matrix):
    return eigen_sym(matrix)[1]


@numba.njit(cache=True, error_model="numpy")
def eigen_sym_vjp(matrix, values_adj, vectors_adj, matrix_adj):
    """matrix_adj += the symmetrised V (diag(values_adj) + F ∘ (V.T vectors_adj)) V.T (the module's
    docstring), the decomposition recomputed from the matrix; loops, as Numba's `@` calls BLAS."""
    values, vectors = eigen_sym(matrix)
    n = values.shape[0]
    inner = np.zeros((n, n))
    for i in range(n):
        inner[i, i] = values_adj[i]
        for j in range(n):
            if i != j:
                projection = 0.0
                for k in range(n):
                    projection += vectors[k, i] * vectors_adj[k, j]
                if projection != 0.0:
                    inner[i, j] = projection / (values[j] - values[i])
    left = np.zeros((n, n))   # V @ inner
    for r in range(n):
        for k in range(n):
            weight = vectors[r, k]
            for c in range(n):
                left[r, c] += weight * inner[k, c]
    for r in range(n):
        for c in range(n):
            total = 0.0
            for k in range(n):
                total += left[r, k] * vectors[c, k] + left[c, k] * vectors[r, k]
            matrix_adj[r, c] += 0.5 * total


@numba.njit(cache=True, error_model="numpy")
def eigenvalues_sym_vjp(matrix, values_adj, matrix_adj):
    n = matrix.shape[0]
    eigen_sym_vjp(matrix, values_adj, np.zeros((n, n)), matrix_adj)


@numba.njit(cache=True, error_model="numpy")
def eigenvectors_sym_vjp(matrix, vectors_adj, matrix_adj):
    eigen_sym_vjp(matrix, np.zeros(matrix.shape[0]), vectors_adj, matrix_adj)
