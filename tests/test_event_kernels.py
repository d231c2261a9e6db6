"""Per-event kernels: values against scipy, adjoints against finite differences.
(The event densities emitted from SymPy are tested in test_gradients.py.)"""

import numpy as np
import pytest
import scipy.stats

from ppl.runtime import event_kernels as kernels

rng = np.random.default_rng(3)


def random_factor(size):
    matrix = rng.normal(size=(size, size))
    covariance = matrix @ matrix.T + size * np.eye(size)
    return np.linalg.cholesky(covariance), covariance


def numeric_gradient(function, point, step=1e-6):
    point = np.array(point, dtype=float)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += step
        down[index] -= step
        gradient[index] = (function(up) - function(down)) / (2 * step)
    return gradient


@pytest.mark.parametrize("size", [1, 3, 5])
def test_mvn_tril_value_and_adjoint(size):
    factor, covariance = random_factor(size)
    x, loc = rng.normal(size=size), rng.normal(size=size)
    value = kernels.mvn_tril_log_density(x, loc, factor)
    assert value == pytest.approx(scipy.stats.multivariate_normal(loc, covariance).logpdf(x), rel=1e-12)
    x_adj, loc_adj, factor_adj = np.zeros(size), np.zeros(size), np.zeros((size, size))
    kernels.mvn_tril_log_density_vjp(x, loc, factor, 2.0, x_adj, loc_adj, factor_adj)
    assert np.allclose(x_adj, 2 * numeric_gradient(lambda v: kernels.mvn_tril_log_density(v, loc, factor), x), rtol=1e-6)
    assert np.allclose(loc_adj, 2 * numeric_gradient(lambda v: kernels.mvn_tril_log_density(x, v, factor), loc), rtol=1e-6)
    numeric = numeric_gradient(lambda v: kernels.mvn_tril_log_density(x, loc, np.tril(v)), factor)
    assert np.allclose(factor_adj, 2 * np.tril(numeric), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("size", [1, 2, 4])
def test_cholesky_and_its_adjoint(size):
    factor, covariance = random_factor(size)
    assert np.allclose(kernels.cholesky(covariance), factor)
    weights = np.tril(rng.normal(size=(size, size)))

    def loss(matrix):   # a function of the symmetric part, as the compiler's convention assumes
        return float(np.sum(weights * kernels.cholesky(0.5 * (matrix + matrix.T))))

    adjoint = np.zeros((size, size))
    kernels.cholesky_vjp(factor, weights, adjoint)
    assert np.allclose(adjoint, numeric_gradient(loss, covariance), rtol=1e-5, atol=1e-8)


def test_cholesky_of_an_indefinite_matrix_is_nan():
    assert np.isnan(kernels.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))).all()


def test_mvn_rows_kernels_equal_the_sum_of_per_row_kernels():
    size, rows = 3, 7
    factor = np.linalg.cholesky(np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]]))
    x, loc = rng.normal(size=(rows, size)), rng.normal(size=size)
    expected = sum(kernels.mvn_tril_log_density(x[n], loc, factor) for n in range(rows))
    assert kernels.mvn_tril_log_density_rows(x, loc, factor) == pytest.approx(expected, rel=1e-13)
    x_adj, loc_adj, factor_adj = np.zeros_like(x), np.zeros(size), np.zeros((size, size))
    kernels.mvn_tril_log_density_rows_vjp(x, loc, factor, 0.7, x_adj, loc_adj, factor_adj)
    expected_x, expected_loc, expected_factor = np.zeros_like(x), np.zeros(size), np.zeros((size, size))
    for n in range(rows):
        kernels.mvn_tril_log_density_vjp(x[n], loc, factor, 0.7, expected_x[n], expected_loc, expected_factor)
    np.testing.assert_allclose(x_adj, expected_x, rtol=1e-12)
    np.testing.assert_allclose(loc_adj, expected_loc, rtol=1e-12)
    np.testing.assert_allclose(factor_adj, expected_factor, rtol=1e-12)
