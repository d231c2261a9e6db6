"""ppl.math.psd_kernels and the Gaussian-process distributions against closed forms.

Kernels: each formula written out here in NumPy, pair by pair, against
``apply`` and ``matrix`` (batched parameters included).  GaussianProcess:
log_prob against scipy.stats.multivariate_normal with covariance K + (σ² +
jitter) I.  GaussianProcessRegressionModel: mean and covariance against the
textbook posterior K*ᵀ(K + σ²I)⁻¹y, K** - K*ᵀ(K + σ²I)⁻¹K*, computed here
with explicit inverses.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

import ppl.distributions as tfd
import ppl.math
import ppl.math.psd_kernels as tfk
from ppl.distributions import ParameterError, ShapeError


def pairwise_formula(name, x, y, p):
    """One kernel value k(x, y) at feature vectors x, y (written independently of the library)."""
    distance = math.sqrt(float(np.sum((x - y) ** 2)))
    amplitude = p.get("amplitude", 1.0)
    length_scale = p.get("length_scale", 1.0)
    r = distance / length_scale
    if name == "ExponentiatedQuadratic":
        return amplitude ** 2 * math.exp(-r ** 2 / 2)
    if name == "Matern12":
        return amplitude ** 2 * math.exp(-r)
    if name == "Matern32":
        return amplitude ** 2 * (1 + math.sqrt(3) * r) * math.exp(-math.sqrt(3) * r)
    if name == "Matern52":
        return amplitude ** 2 * (1 + math.sqrt(5) * r + 5 * r ** 2 / 3) * math.exp(-math.sqrt(5) * r)
    if name == "RationalQuadratic":
        alpha = p["scale_mixture_rate"]
        return amplitude ** 2 * (1 + r ** 2 / (2 * alpha)) ** (-alpha)
    if name == "ExpSinSquared":
        sines = np.sin(math.pi * np.abs(x - y) / p["period"]) ** 2
        return amplitude ** 2 * math.exp(-2 * float(np.sum(sines)) / length_scale ** 2)
    if name == "Linear":
        return p["bias_amplitude"] ** 2 + p["slope_amplitude"] ** 2 * float(np.dot(x - p["shift"], y - p["shift"]))
    raise KeyError(name)


KERNEL_ROWS = {
    "ExponentiatedQuadratic": dict(amplitude=1.7, length_scale=0.6),
    "Matern12": dict(amplitude=0.8, length_scale=1.3),
    "Matern32": dict(amplitude=1.2, length_scale=0.4),
    "Matern52": dict(amplitude=2.0, length_scale=0.9),
    "RationalQuadratic": dict(amplitude=1.1, length_scale=0.7, scale_mixture_rate=2.5),
    "ExpSinSquared": dict(amplitude=0.9, length_scale=1.5, period=2.2),
    "Linear": dict(bias_amplitude=0.5, slope_amplitude=1.4, shift=0.3),
}


@pytest.mark.parametrize("name", sorted(KERNEL_ROWS))
def test_kernel_matrix_and_apply_against_the_formula(name):
    rng = np.random.default_rng(0)
    parameters = KERNEL_ROWS[name]
    kernel = getattr(tfk, name)(**parameters)
    x1, x2 = rng.normal(size=(5, 2)), rng.normal(size=(4, 2))
    expected = np.array([[pairwise_formula(name, a, b, parameters) for b in x2] for a in x1])
    np.testing.assert_allclose(kernel.matrix(x1, x2), expected, rtol=1e-12)
    np.testing.assert_allclose(kernel.apply(x1[:4], x2), np.diag(expected[:4]), rtol=1e-12)
    matrix = kernel.matrix(x1, x1)
    np.testing.assert_allclose(matrix, matrix.T)
    assert np.linalg.eigvalsh(matrix).min() > -1e-10


@pytest.mark.parametrize("name", sorted(KERNEL_ROWS))
def test_kernel_batched_parameters(name):
    first = KERNEL_ROWS[name]
    batched = {key: np.array([value, value * 1.5]) for key, value in first.items()}
    kernel = getattr(tfk, name)(**batched)
    assert kernel.batch_shape == (2,)
    x = np.random.default_rng(1).normal(size=(6, 3))
    matrix = kernel.matrix(x, x)
    assert matrix.shape == (2, 6, 6)
    for member in range(2):
        single = getattr(tfk, name)(**{key: value[member] for key, value in batched.items()})
        np.testing.assert_allclose(matrix[member], single.matrix(x, x), rtol=1e-12)


def test_kernel_names_agree_with_the_catalogue_and_the_package():
    from ppl.catalogue.kernels import KERNELS

    for name, parameters in KERNELS.items():
        kernel = getattr(tfk, name)()
        assert set(kernel.parameters) == {parameter.name for parameter in parameters}, name
    assert ppl.math.psd_kernels is tfk
    assert tfk.MaternFiveHalves is tfk.Matern52


def test_kernel_errors():
    with pytest.raises(ParameterError, match="length_scale"):
        tfk.ExponentiatedQuadratic(length_scale=-1.0)
    with pytest.raises(ShapeError, match="Incompatible shapes"):
        tfk.Matern32().matrix(np.zeros((3, 2)), np.zeros((4, 1)))
    with pytest.raises(ShapeError, match=r"x\[\.\.\., None\]"):
        tfk.Matern32().matrix(np.zeros(3), np.zeros(3))


# ---- GaussianProcess ------------------------------------------------------------------------------

def test_gaussian_process_tour_shapes():
    index_points = np.linspace(-1, 1, 200)[:, None]
    gp = tfd.GaussianProcess(tfk.ExponentiatedQuadratic(), index_points)
    assert gp.batch_shape == () and gp.event_shape == (200,)
    batched = tfd.GaussianProcess(tfk.ExponentiatedQuadratic(amplitude=[1.0, 2.0]), index_points)
    assert batched.batch_shape == (2,) and batched.event_shape == (200,)
    assert batched.sample(3, seed=0).shape == (3, 2, 200)
    assert batched.mean().shape == (2, 200) and batched.stddev().shape == (2, 200)
    assert batched.log_prob(np.zeros(200)).shape == (2,)
    assert repr(batched) == ('ppl.distributions.GaussianProcess("GaussianProcess", batch_shape=[2], '
                             'event_shape=[200], dtype=float64)')
    with pytest.raises(ShapeError, match=r"\[\.\.\., N, D\]"):
        tfd.GaussianProcess(tfk.ExponentiatedQuadratic(), np.linspace(-1, 1, 200))


def test_gaussian_process_log_prob_matches_scipy():
    rng = np.random.default_rng(2)
    index_points = rng.uniform(-2, 2, size=(15, 2))
    kernel = tfk.Matern52(amplitude=[0.7, 1.6], length_scale=0.8)
    gp = tfd.GaussianProcess(kernel, index_points, observation_noise_variance=0.05)
    values = gp.sample(4, seed=3)
    expected = np.empty((4, 2))
    for member, amplitude in enumerate([0.7, 1.6]):
        covariance = np.array([[pairwise_formula("Matern52", a, b, dict(amplitude=amplitude, length_scale=0.8))
                                for b in index_points] for a in index_points])
        covariance += (0.05 + 1e-6) * np.eye(15)
        expected[:, member] = st.multivariate_normal(np.zeros(15), covariance).logpdf(values[:, member])
        np.testing.assert_allclose(gp.covariance()[member], covariance, rtol=1e-12)
    np.testing.assert_allclose(gp.log_prob(values), expected, rtol=1e-9)


def test_gaussian_process_sample_covariance():
    index_points = np.linspace(0, 1, 4)[:, None]
    gp = tfd.GaussianProcess(tfk.ExponentiatedQuadratic(length_scale=0.5), index_points,
                             mean_fn=lambda x: np.sin(x[..., 0]))
    draws = gp.sample(20_000, seed=4)
    covariance = gp.covariance()
    standard_error = np.sqrt((covariance ** 2 + np.outer(np.diag(covariance), np.diag(covariance))) / 20_000)
    assert np.all(np.abs(np.cov(draws.T) - covariance) <= 5 * standard_error)
    assert np.all(np.abs(draws.mean(0) - np.sin(index_points[:, 0])) <= 5 * np.sqrt(np.diag(covariance) / 20_000))


def _closed_form_posterior(kernel_matrix, index_points, observed_points, observations, noise_variance):
    """The textbook formulas, with an explicit inverse (independent of the library's Cholesky solves)."""
    k_observed = kernel_matrix(observed_points, observed_points) + noise_variance * np.eye(len(observed_points))
    k_cross = kernel_matrix(observed_points, index_points)
    inverse = np.linalg.inv(k_observed)
    mean = k_cross.T @ inverse @ observations
    covariance = kernel_matrix(index_points, index_points) - k_cross.T @ inverse @ k_cross
    return mean, covariance


def _formula_matrix(name, parameters):
    return lambda a, b: np.array([[pairwise_formula(name, x, y, parameters) for y in b] for x in a])


@pytest.mark.parametrize("predictive_noise_variance", [None, 0.0])
def test_gprm_mean_and_covariance_match_the_closed_form(predictive_noise_variance):
    rng = np.random.default_rng(5)
    observed_points = rng.uniform(-1, 1, size=(8, 1))
    observations = np.sin(3 * observed_points[:, 0]) + 0.1 * rng.normal(size=8)
    index_points = np.linspace(-1.2, 1.2, 30)[:, None]
    parameters = dict(amplitude=1.3, length_scale=0.4)
    noise_variance = 0.02
    model = tfd.GaussianProcessRegressionModel(
        tfk.ExponentiatedQuadratic(**parameters), index_points, observed_points, observations,
        observation_noise_variance=noise_variance, predictive_noise_variance=predictive_noise_variance, jitter=0.0)
    assert model.batch_shape == () and model.event_shape == (30,)
    mean, covariance = _closed_form_posterior(_formula_matrix("ExponentiatedQuadratic", parameters), index_points,
                                              observed_points, observations, noise_variance)
    predictive = noise_variance if predictive_noise_variance is None else predictive_noise_variance
    covariance = covariance + predictive * np.eye(30)
    np.testing.assert_allclose(model.mean(), mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(model.covariance(), covariance, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(model.variance(), np.diag(covariance), rtol=1e-7, atol=1e-10)
    if predictive_noise_variance is None:
        values = model.sample(3, seed=6)
        expected = st.multivariate_normal(mean, covariance).logpdf(values)
        np.testing.assert_allclose(model.log_prob(values), expected, rtol=1e-8)


def test_gprm_with_batched_kernel():
    observed_points = np.array([[-0.5], [0.0], [0.7]])
    observations = np.array([0.3, -0.2, 0.9])
    index_points = np.linspace(-1, 1, 5)[:, None]
    model = tfd.GaussianProcessRegressionModel(tfk.Matern32(amplitude=[1.0, 2.0]), index_points,
                                               observed_points, observations, observation_noise_variance=0.1)
    assert model.batch_shape == (2,) and model.mean().shape == (2, 5)
    for member, amplitude in enumerate([1.0, 2.0]):
        mean, _ = _closed_form_posterior(_formula_matrix("Matern32", dict(amplitude=amplitude)), index_points,
                                         observed_points, observations, 0.1 + 1e-6)
        np.testing.assert_allclose(model.mean()[member], mean, rtol=1e-8)


def test_gprm_without_observations_is_the_prior():
    index_points = np.linspace(-1, 1, 6)[:, None]
    kernel = tfk.Matern12()
    model = tfd.GaussianProcessRegressionModel(kernel, index_points, observation_noise_variance=0.1)
    prior = tfd.GaussianProcess(kernel, index_points, observation_noise_variance=0.1)
    np.testing.assert_allclose(model.covariance(), prior.covariance())
    with pytest.raises(ParameterError, match="observation_noise_variance"):
        tfd.GaussianProcess(kernel, index_points, observation_noise_variance=-1.0)
    with pytest.raises(ShapeError, match="observations"):
        tfd.GaussianProcessRegressionModel(kernel, index_points, index_points[:3], np.zeros(4))
