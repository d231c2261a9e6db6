"""eigenvalues_sym and eigenvectors_sym (ppl/runtime/symmetric_eigen.py): values against
numpy.linalg.eigh, the sign convention, and the compiled reverse-mode gradient against finite
differences of functions that do not depend on the eigenvectors' signs."""

from __future__ import annotations

import numpy as np
import pytest

import ppl
from ppl.runtime import symmetric_eigen
from tests.gradient_checks import check_gradient


def _symmetric(size, seed):
    matrix = np.random.default_rng(seed).normal(size=(size, size))
    return matrix + matrix.T


@pytest.mark.parametrize("size", [1, 2, 3, 6, 15])
def test_values_and_vectors_match_numpy_eigh(size):
    for seed in range(4):
        matrix = _symmetric(size, seed)
        values, vectors = symmetric_eigen.eigen_sym(matrix)
        expected_values, expected_vectors = np.linalg.eigh(matrix)
        scale = np.max(np.abs(expected_values))
        assert np.allclose(values, expected_values, rtol=0, atol=1e-13 * scale)
        assert np.all(np.diff(values) >= 0)
        # the same vectors up to sign; orthonormal; A = V diag(values) V.T
        assert np.allclose(np.abs(vectors.T @ expected_vectors), np.eye(size), atol=1e-11)
        assert np.allclose(vectors.T @ vectors, np.eye(size), atol=1e-13)
        assert np.allclose(vectors @ np.diag(values) @ vectors.T, matrix, atol=1e-13 * scale)


def test_each_vector_has_its_largest_magnitude_entry_positive():
    for seed in range(5):
        vectors = symmetric_eigen.eigenvectors_sym(_symmetric(5, seed))
        largest = vectors[np.argmax(np.abs(vectors), axis=0), np.arange(5)]
        assert np.all(largest > 0)
        # and a sign flip of the input's eigenvectors cannot change them: -A has the same vectors
        flipped = symmetric_eigen.eigenvectors_sym(-_symmetric(5, seed))
        assert np.allclose(flipped[:, ::-1], vectors, atol=1e-12)


def test_the_symmetric_part_is_what_is_decomposed():
    matrix = np.random.default_rng(9).normal(size=(4, 4))
    assert np.allclose(symmetric_eigen.eigenvalues_sym(matrix), np.linalg.eigvalsh((matrix + matrix.T) / 2),
                       atol=1e-13)


def test_a_non_finite_matrix_gives_nans():
    matrix = np.eye(3)
    matrix[0, 1] = np.nan
    values, vectors = symmetric_eigen.eigen_sym(matrix)
    assert np.all(np.isnan(values)) and np.all(np.isnan(vectors))


_MODEL = """
data N: int
data b: real[N]
data c: real[N]
param A: real[N, N]
lam = eigenvalues_sym(A)
V = eigenvectors_sym(A)
target += dot(c, lam) + sum(c * square(V.T @ b)) + sum(square(V[0])) - sum(square(A)) / 2
gen V_gen = eigenvectors_sym(A)
"""


def test_compiled_values_match_numpy_and_the_gradient_finite_differences():
    """The target uses the eigenvalues and, through (V.T b)² and squared entries, the eigenvectors
    in sign-free ways; its gradient (the eigen adjoint, symmetrised) against finite differences."""
    rng = np.random.default_rng(5)
    posterior = ppl.model(_MODEL).condition({"N": 4, "b": rng.normal(size=4), "c": rng.normal(size=4)})
    for _ in range(3):
        u = rng.normal(size=16)
        check_gradient(posterior, u)
        matrix = posterior.constrain(u)["A"]
        values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
        computed = posterior.deterministics(u)
        assert np.allclose(computed["lam"], values, atol=1e-12)
        assert np.allclose(np.abs(computed["V"].T @ vectors), np.eye(4), atol=1e-10)
        assert np.allclose(posterior.generate(u)["V_gen"], computed["V"])


def test_data_stage_values_are_the_compiled_ones():
    """Of data, the decomposition is computed once when data is bound (the NumPy evaluator); it
    must follow the same conventions as compiled code."""
    matrix = _symmetric(4, 2)
    model = ppl.model("""
data K: real[4, 4]
param x: real[4]
lam = eigenvalues_sym(K)
Q = eigenvectors_sym(K)
x ~ Normal(Q.T @ lam, 1)
gen Q_again = eigenvectors_sym(K + 0 * x[0])
""")
    posterior = model.condition({"K": matrix})
    u = np.zeros(4)
    values, vectors = symmetric_eigen.eigen_sym(matrix)
    expected = -0.5 * np.sum((vectors.T @ values) ** 2) - 2 * np.log(2 * np.pi)
    assert posterior.log_prob({"x": u}) == pytest.approx(expected, rel=1e-12)
    assert np.allclose(posterior.generate(u)["Q_again"], vectors, atol=1e-13)


def test_kronecker_gaussian_process_log_density_matches_the_dense_one():
    """The use that asked for it (posteriordb's Kronecker GP): y ~ N(0, K1 ⊗ K2 + s² I) through the
    eigendecompositions of K1 and K2, against scipy's dense multivariate normal."""
    import scipy.stats as st

    rng = np.random.default_rng(4)
    x1, x2 = np.linspace(0, 1, 3), np.linspace(0, 2, 4)
    y = rng.normal(size=(3, 4))
    model = ppl.model("""
data x1: real[3]
data x2: real[4]
data y: real[3, 4]
param sigma: real<lower=0>
param rho: real<lower=0>
K1 = exp_quad_cov(x1, 1.0, rho)
K2 = exp_quad_cov(x2, 1.0, rho)
lam1 = eigenvalues_sym(K1)
lam2 = eigenvalues_sym(K2)
Q1 = eigenvectors_sym(K1)
Q2 = eigenvectors_sym(K2)
_variance: real[3, 4]
for i in range(3):
    for j in range(4):
        _variance[i, j] = lam1[i] * lam2[j] + square(sigma)
_rotated = Q1.T @ y @ Q2
target += -0.5 * sum(square(_rotated) / _variance) - 0.5 * sum(log(_variance)) - 6 * log(2 * pi)
""")
    posterior = model.condition({"x1": x1, "x2": x2, "y": y})
    sigma, rho = 0.4, 0.7
    def kernel(x):
        return np.exp(-(x[:, None] - x[None, :]) ** 2 / (2 * rho ** 2))
    covariance = np.kron(kernel(x1), kernel(x2)) + sigma ** 2 * np.eye(12)
    expected = st.multivariate_normal(np.zeros(12), covariance).logpdf(y.ravel())
    assert posterior.log_prob({"sigma": sigma, "rho": rho}) == pytest.approx(expected, rel=1e-10)
    check_gradient(posterior, posterior.unconstrain({"sigma": sigma, "rho": rho}))
