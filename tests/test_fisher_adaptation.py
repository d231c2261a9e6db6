"""nutpie's gradient-based warmup (adaptation="fisher", metric="low_rank"), each part
against an independent oracle: closed-form metrics of Gaussian targets, NumPy's
eigen-solver, finite differences of the kinetic energy, the exact flow's energy,
analytical posterior moments within Monte Carlo error."""

import math

import numba
import numpy as np
import pytest

import ppl
from ppl.sampling import fisher, hamiltonian, low_rank, rng
from ppl.results.fit import SamplerWarning
from ppl.runtime.signature import LOG_DENSITY_GRADIENT_SIGNATURE
from ppl.sampling.run import ADAPTATIONS

QUICK = dict(chains=2, warmup=400, draws=400, seed=3, progress=False)

SCALED_NORMAL = """
data K: int
data scale: real[K]
param x: real[K]
x ~ Normal(0, scale)
"""

GAUSSIAN = """
data K: int
data Sigma: real[K, K]
param x: real[K]
x ~ MultivariateNormalFullCovariance(zeros(K), Sigma)
"""


def correlated_covariance(dim=8, seed=0):
    """Scales from 0.1 to 10 around a correlation with one direction 100 times longer and
    one 100 times shorter than the rest."""
    generator = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(generator.normal(size=(dim, dim)))
    correlation_like = rotation @ np.diag([100.0, 0.01] + [1.0] * (dim - 2)) @ rotation.T
    scales = np.logspace(-1, 1, dim)
    return scales[:, None] * correlation_like * scales[None, :]


@pytest.fixture(scope="module")
def scaled_normal():
    scales = np.logspace(-2, 2, 5)
    return ppl.model(SCALED_NORMAL).condition({"K": len(scales), "scale": scales}), scales


@pytest.fixture(scope="module")
def gaussian():
    covariance = correlated_covariance()
    return ppl.model(GAUSSIAN).condition({"K": len(covariance), "Sigma": covariance}), covariance


def assert_moments_match(fit, mean, sd):
    """Means within 5 Monte Carlo standard errors (sd / sqrt(ESS)); sds within 5 of theirs
    (sd / sqrt(2 ESS), the Gaussian case)."""
    from ppl.diagnostics import ess_bulk

    draws = fit["x"]
    ess = np.asarray(ess_bulk(draws), dtype=float)
    flat = draws.reshape(-1, draws.shape[-1])
    assert np.all(np.abs(flat.mean(axis=0) - mean) < 5 * sd / np.sqrt(ess))
    assert np.all(np.abs(flat.std(axis=0) - sd) < 5 * sd / np.sqrt(2 * ess))


def test_fisher_diagonal_is_the_variance_of_independent_coordinates(scaled_normal):
    # x_i ~ Normal(0, s_i): var(x_i) = s_i^2 and var(grad_i) = var(x_i / s_i^2) = 1 / s_i^2,
    # so sqrt(var(x) / var(grad)) = s_i^2 exactly
    posterior, scales = scaled_normal
    fit = posterior.sample(adaptation="fisher", **QUICK)
    np.testing.assert_allclose(fit.inverse_metric, np.broadcast_to(scales ** 2, fit.inverse_metric.shape), rtol=0.3)
    assert fit.settings["adaptation"] == "fisher"
    assert_moments_match(fit, 0.0, scales)


def test_fisher_diagonal_of_a_correlated_gaussian(gaussian):
    # var(x_i) = Sigma_ii, var(grad_i) = (Sigma^-1)_ii
    posterior, covariance = gaussian
    fit = posterior.sample(adaptation="fisher", **QUICK)
    expected = np.sqrt(np.diag(covariance) / np.diag(np.linalg.inv(covariance)))
    np.testing.assert_allclose(fit.inverse_metric, np.broadcast_to(expected, fit.inverse_metric.shape), rtol=0.3)


def test_low_rank_metric_recovers_the_dominant_directions(gaussian):
    posterior, covariance = gaussian
    fit = posterior.sample(metric="low_rank", **QUICK)
    assert fit.settings["adaptation"] == "fisher" and fit.inverse_metric.shape == (2, 8, 8)
    # in the coordinates the diagonal scales, the metric's extreme eigen-directions are the
    # covariance's: compare the whitened matrices' top and bottom eigenvectors
    for inverse_metric in fit.inverse_metric:
        scale = np.sqrt(np.diag(inverse_metric))
        _, found = np.linalg.eigh(inverse_metric / np.outer(scale, scale))
        _, true = np.linalg.eigh(covariance / np.outer(scale, scale))
        assert abs(found[:, -1] @ true[:, -1]) > 0.98
        assert abs(found[:, 0] @ true[:, 0]) > 0.98
        # and the metric is close to the covariance as a whole, relative to its scale
        whitened = np.linalg.solve(np.linalg.cholesky(covariance), np.linalg.cholesky(inverse_metric))
        assert np.all(np.abs(np.log(np.linalg.svd(whitened, compute_uv=False))) < np.log(1.5))
    assert_moments_match(fit, 0.0, np.sqrt(np.diag(covariance)))
    # the low-rank metric makes this posterior easy: short trajectories
    assert np.mean(fit.stats["tree_depth"]) < 3.5


def test_low_rank_estimate_of_a_gaussian_window():
    # straight from draws and gradients of a Gaussian (no sampler): the estimate is the covariance
    covariance = correlated_covariance(dim=10, seed=1)
    generator = np.random.default_rng(2)
    draws = generator.multivariate_normal(np.zeros(10), covariance, size=400)
    gradients = -np.linalg.solve(covariance, draws.T).T
    metric = hamiltonian.initial_metric(10, "low_rank")
    assert low_rank.estimate(draws, np.ascontiguousarray(gradients), metric)
    rank = int(metric.low_rank_size[0])
    assert 2 <= rank < 10
    values = metric.low_rank_values[:rank]
    assert np.all((values > low_rank.EIGENVALUE_CUTOFF) | (values < 1 / low_rank.EIGENVALUE_CUTOFF))
    vectors = metric.low_rank_vectors[:, :rank]
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(rank), atol=1e-10)
    estimate = hamiltonian.inverse_metric_matrix(metric)
    np.testing.assert_allclose(estimate, covariance, atol=0.15 * np.abs(covariance).max())
    # fewer draws than dimensions: the estimate still lives in their span, and stays finite
    few = hamiltonian.initial_metric(10, "low_rank")
    assert low_rank.estimate(draws[:3].copy(), np.ascontiguousarray(gradients[:3]), few)
    assert np.all(np.isfinite(hamiltonian.inverse_metric_matrix(few)))
    # a coordinate that never moved says nothing: the metric is left alone
    stuck = draws.copy()
    stuck[:, 4] = 1.0
    untouched = hamiltonian.initial_metric(10, "low_rank")
    assert not low_rank.estimate(stuck, np.ascontiguousarray(gradients), untouched)
    assert untouched.low_rank_size[0] == 0 and np.all(untouched.diagonal == 1.0)


def test_jacobi_eigen_solver_and_geometric_mean_against_numpy():
    generator = np.random.default_rng(4)
    root = generator.normal(size=(12, 12))
    matrix = root @ root.T + np.diag(np.logspace(-4, 4, 12))
    values, vectors = low_rank.jacobi_eigen(matrix)
    np.testing.assert_allclose(np.sort(values), np.linalg.eigvalsh(matrix), rtol=1e-10)
    np.testing.assert_allclose(vectors @ np.diag(values) @ vectors.T, matrix, atol=1e-9 * np.abs(matrix).max())
    other = generator.normal(size=(12, 12))
    other = other @ other.T + np.eye(12)
    mean = low_rank.spd_geometric_mean_with_inverse(matrix, other)
    np.testing.assert_allclose(mean, mean.T)
    assert np.linalg.eigvalsh(mean).min() > 0
    np.testing.assert_allclose(mean @ other @ mean, matrix, rtol=1e-8, atol=1e-8 * np.abs(matrix).max())


def random_low_rank_metric(dim=6, rank=2, seed=5):
    generator = np.random.default_rng(seed)
    metric = hamiltonian.initial_metric(dim, "low_rank")
    vectors, _ = np.linalg.qr(generator.normal(size=(dim, rank)))
    metric.diagonal[:] = generator.uniform(0.2, 5.0, size=dim)
    metric.low_rank_vectors[:, :rank] = vectors
    metric.low_rank_values[:rank] = [40.0, 0.05][:rank]
    metric.low_rank_size[0] = rank
    return metric


def test_low_rank_velocity_is_the_gradient_of_the_kinetic_energy():
    metric = random_low_rank_metric()
    inverse_metric = hamiltonian.inverse_metric_matrix(metric)
    p = np.random.default_rng(6).normal(size=6)
    velocity = np.zeros(6)
    hamiltonian.velocity(p, metric, velocity)
    np.testing.assert_allclose(velocity, inverse_metric @ p, rtol=1e-12)

    def kinetic(momentum):
        out = np.zeros(6)
        hamiltonian.velocity(momentum, metric, out)
        return hamiltonian.kinetic_energy(momentum, out)

    step = 1e-6
    differences = [(kinetic(p + step * e) - kinetic(p - step * e)) / (2 * step) for e in np.eye(6)]
    np.testing.assert_allclose(differences, velocity, rtol=1e-6, atol=1e-8)


def test_low_rank_momentum_has_the_metric_as_covariance():
    metric = random_low_rank_metric(dim=4, rank=2, seed=7)
    state = rng.stream_state(8, 0)
    momenta = np.empty((20000, 4))
    p = np.zeros(4)
    for k in range(len(momenta)):
        hamiltonian.sample_momentum(state, metric, p)
        momenta[k] = p
    expected = np.linalg.inv(hamiltonian.inverse_metric_matrix(metric))
    # entrywise within 6 standard errors of a sample covariance of 20000 draws
    standard_error = np.sqrt((expected ** 2 + np.outer(np.diag(expected), np.diag(expected))) / len(momenta))
    assert np.all(np.abs(np.cov(momenta.T) - expected) < 6 * standard_error)


@numba.cfunc(LOG_DENSITY_GRADIENT_SIGNATURE)   # a first-class function, as a model's: the samplers' cache serves it
def anisotropic_normal_log_density(q, grad_out, real_data, int_data):
    total = 0.0
    for i in range(q.shape[0]):
        precision = real_data[i]
        total -= 0.5 * precision * q[i] * q[i]
        grad_out[i] = -precision * q[i]
    return total


def test_leapfrog_with_a_low_rank_metric_conserves_energy_and_reverses():
    metric = random_low_rank_metric()
    precisions = np.linspace(0.5, 3.0, 6)
    q = np.linspace(-1.0, 1.0, 6)
    p = np.random.default_rng(9).normal(size=6)
    gradient, velocity = np.zeros(6), np.zeros(6)
    no_ints = np.zeros(1, np.int64)
    log_density = -0.5 * np.sum(precisions * q * q)
    gradient[:] = -precisions * q
    hamiltonian.velocity(p, metric, velocity)
    start_energy = -log_density + hamiltonian.kinetic_energy(p, velocity)
    q0, p0 = q.copy(), p.copy()
    for _ in range(200):
        log_density, energy = hamiltonian.leapfrog_energy(anisotropic_normal_log_density, precisions, no_ints,
                                                          q, p, gradient, 1e-3, metric, velocity)
    # the leapfrog's energy error is O(step^2): 1e-6 relative at step 1e-3
    assert abs(energy - start_energy) < 1e-5 * abs(start_energy)
    assert not np.allclose(q, q0)
    for _ in range(200):
        hamiltonian.leapfrog(anisotropic_normal_log_density, precisions, no_ints, q, p, gradient, -1e-3, metric,
                             velocity)
    np.testing.assert_allclose(q, q0, atol=1e-10)
    np.testing.assert_allclose(p, p0, atol=1e-10)


def test_window_schedule_switches_every_10_early_then_growing_windows():
    warmup, dim = 1000, 2
    schedule, moments, stored = fisher.workspace(dim, warmup, False)
    metric = hamiltonian.initial_metric(dim, "diag")
    generator = np.random.default_rng(10)
    fisher.init(schedule, moments, stored, np.zeros(dim), np.ones(dim), metric, False)
    switches = []
    for iteration in range(warmup):
        x = generator.normal(size=dim)
        background = schedule[fisher.BACKGROUND_COUNT]
        fisher.update(schedule, moments, stored, iteration, x, -x, True, metric)
        if iteration < 850 and schedule[fisher.BACKGROUND_COUNT] < background + 1:
            switches.append(iteration)
    # the first 30%: a switch every 10 draws (the initial point is the first)
    early = [s for s in switches if s < 300]
    assert early[0] == 8 and np.all(np.diff(early) == 10)
    # then windows of 80 and 120; the switch due after the next one (180) is not made, as the
    # window after it (270) would end after iteration 850, where the last 15% (step size only)
    # begins: the last window grows to the end instead
    assert np.diff([early[-1]] + [s for s in switches if s >= 300]).tolist() == [80, 120]
    assert switches[-1] + 180 < 850 < switches[-1] + 180 + 270
    # the metric is recomputed every iteration until the last 15%, then kept
    assert schedule[fisher.LAST_UPDATE] == 849
    np.testing.assert_allclose(metric.diagonal, 1.0, rtol=0.3)


def test_settings_errors(scaled_normal):
    posterior, _ = scaled_normal
    with pytest.raises(ValueError, match="adaptation must be one of 'stan', 'fisher'.*not 'nutpie'"):
        posterior.sample(adaptation="nutpie", **QUICK)
    with pytest.raises(ValueError, match="metric='dense' cannot be adapted with adaptation='fisher'"):
        posterior.sample(metric="dense", adaptation="fisher", **QUICK)
    with pytest.raises(ValueError, match="metric='low_rank' cannot be adapted with adaptation='stan'"):
        posterior.sample(metric="low_rank", adaptation="stan", **QUICK)
    with pytest.raises(ValueError, match="metric must be one of 'auto', 'diag', 'dense', 'low_rank', 'unit'"):
        posterior.sample(metric="lowrank", **QUICK)
    assert ADAPTATIONS == ("stan", "fisher")


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")   # short runs, on purpose
def test_fisher_with_static_hmc_and_a_unit_metric(scaled_normal):
    posterior, scales = scaled_normal
    fit = posterior.sample(method="hmc", adaptation="fisher", num_leapfrog_steps=8, **QUICK)
    np.testing.assert_allclose(fit.inverse_metric, np.broadcast_to(scales ** 2, fit.inverse_metric.shape), rtol=0.5)
    unit = posterior.sample(metric="unit", adaptation="fisher", chains=1, warmup=50, draws=10, max_treedepth=4,
                            progress=False)
    assert np.all(unit.inverse_metric == 1.0)


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")   # short runs, on purpose
def test_no_warmup_leaves_the_metric_as_given(scaled_normal):
    # as with Stan's windows: without warmup nothing adapts, not even the metric's initial guess
    posterior, _ = scaled_normal
    fit = posterior.sample(adaptation="fisher", chains=1, warmup=0, draws=5, step_size=0.01, max_treedepth=3,
                           seed=1, progress=False)
    assert np.all(fit.inverse_metric == 1.0) and np.all(fit.step_size == 0.01)


def test_tree_depth_warning_points_a_diagonal_metric_at_low_rank(gaussian):
    # a correlated Gaussian with a tree depth capped at 2 saturates; with the diagonal metric the
    # warning names the low-rank metric as the remedy, with the low-rank one it does not
    posterior, _ = gaussian
    settings = dict(chains=1, warmup=200, draws=100, seed=3, progress=False, max_treedepth=2)
    with pytest.warns(SamplerWarning, match="hit the maximum tree depth 2: try metric='low_rank'"):
        posterior.sample(metric="diag", **settings)
    with pytest.warns(SamplerWarning, match="hit the maximum tree depth 2") as caught:
        posterior.sample(metric="low_rank", **settings)
    assert not any("low_rank" in str(w.message) for w in caught)
