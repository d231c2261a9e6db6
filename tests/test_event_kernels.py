"""Per-event kernels: values against scipy, adjoints against finite differences,
the LKJ normaliser against numerical integration."""

import math

import numpy as np
import pytest
import scipy.integrate
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


def test_dirichlet_value_and_adjoint():
    x = np.array([0.2, 0.5, 0.3])
    concentration = np.array([1.5, 2.0, 0.7])
    assert kernels.dirichlet_log_density(x, concentration) == pytest.approx(
        scipy.stats.dirichlet(concentration).logpdf(x), rel=1e-12)
    x_adj, concentration_adj = np.zeros(3), np.zeros(3)
    kernels.dirichlet_log_density_vjp(x, concentration, 1.0, x_adj, concentration_adj)
    assert np.allclose(x_adj, numeric_gradient(lambda v: kernels.dirichlet_log_density(v, concentration), x), rtol=1e-6)
    assert np.allclose(concentration_adj,
                       numeric_gradient(lambda v: kernels.dirichlet_log_density(x, v), concentration), rtol=1e-6)


def test_categorical_value_and_adjoint():
    probs = np.array([0.1, 0.6, 0.3])
    assert kernels.categorical_probs_log_density(1, probs) == pytest.approx(math.log(0.6))
    assert kernels.categorical_probs_log_density(3, probs) == -math.inf
    logits = np.array([0.3, -1.2, 2.0])
    expected = scipy.stats.multinomial(1, np.exp(logits) / np.exp(logits).sum()).logpmf([0, 0, 1])
    assert kernels.categorical_logits_log_density(2, logits) == pytest.approx(expected, rel=1e-12)
    adjoint = np.zeros(3)
    kernels.categorical_logits_log_density_vjp(2, logits, 1.0, adjoint)
    assert np.allclose(adjoint, numeric_gradient(lambda v: kernels.categorical_logits_log_density(2, v), logits))
    adjoint = np.zeros(3)
    kernels.categorical_probs_log_density_vjp(1, probs, 1.0, adjoint)
    assert np.allclose(adjoint, numeric_gradient(lambda v: kernels.categorical_probs_log_density(1, v), probs))


@pytest.mark.parametrize("concentration", [0.5, 1.0, 2.5])
def test_lkj_cholesky_normalises_for_two_dimensions(concentration):
    def density(r):
        factor = np.array([[1.0, 0.0], [r, math.sqrt(1 - r * r)]])
        # the density of L over its free entry r, times |dL11/dr|-free: L[1,0] = r is the coordinate
        return math.exp(kernels.lkj_cholesky_log_density(factor, concentration))

    total, _ = scipy.integrate.quad(density, -1, 1)
    assert total == pytest.approx(1.0, rel=1e-8)


def test_lkj_cholesky_adjoint():
    factor = np.linalg.cholesky(np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.4], [-0.2, 0.4, 1.0]]))
    adjoint = np.zeros((3, 3))
    concentration_adj = kernels.lkj_cholesky_log_density_vjp(factor, 1.7, 1.0, adjoint)
    numeric = numeric_gradient(lambda v: kernels.lkj_cholesky_log_density(factor, v[0]), [1.7])
    assert concentration_adj == pytest.approx(numeric[0], rel=1e-6)
    numeric_factor = numeric_gradient(lambda v: kernels.lkj_cholesky_log_density(v, 1.7), factor)
    assert np.allclose(adjoint, np.diag(np.diag(numeric_factor)), rtol=1e-6)


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
