"""The samplers' parts, each against an independent oracle: Stan's documented warmup
windows, an analytic Hamiltonian system for the integrator, known vectors for the
U-turn criterion, and distribution tests for the random streams."""

import math

import numba
import numpy as np
import pytest
from scipy import stats

from ppl.sampling import adaptation, hamiltonian, nuts, rng


@numba.njit("float64(float64[::1], float64[::1], float64[::1], int64[::1])")
def standard_normal_log_density(q, grad_out, real_data, int_data):
    total = 0.0
    for i in range(q.shape[0]):
        total -= 0.5 * q[i] * q[i]
        grad_out[i] = -q[i]
    return total


def test_stan_warmup_windows():
    # Stan's defaults for 1000 warmup iterations: init buffer 75, slow windows of 25, 50, 100,
    # 200 and the rest (500), terminal buffer 50 (Stan reference manual, "HMC algorithm parameters")
    bounds = adaptation.window_schedule(1000).reshape(-1, 2)
    assert bounds.tolist() == [[75, 99], [100, 149], [150, 249], [250, 449], [450, 949]]
    # short warmups: 15% / 75% / 10%
    assert adaptation.window_schedule(100).reshape(-1, 2).tolist() == [[15, 89]]
    assert adaptation.window_schedule(19).size == 0


def test_windows_tile_the_slow_phase():
    for warmup in (20, 57, 150, 151, 333, 1000, 2000, 5000):
        bounds = adaptation.window_schedule(warmup).reshape(-1, 2)
        assert all(bounds[k + 1, 0] == bounds[k, 1] + 1 for k in range(len(bounds) - 1))
        assert bounds[-1, 1] < warmup


def test_dual_averaging_finds_the_step_size_of_the_target_acceptance():
    # a model of acceptance: exp(-step); the target 0.8 is reached at step = -log(0.8)
    averaging = adaptation.dual_averaging_init(1.0)
    step = 1.0
    for _ in range(2000):
        averaging, step = adaptation.dual_averaging_update(math.exp(-step), 0.8, averaging)
    assert adaptation.dual_averaging_final(averaging) == pytest.approx(-math.log(0.8), rel=0.02)


def test_leapfrog_is_reversible_and_nearly_conserves_energy():
    dim = 3
    q = np.array([0.5, -1.0, 2.0])
    p = np.array([1.0, 0.3, -0.7])
    grad = np.zeros(dim)
    log_density = standard_normal_log_density(q, grad, np.zeros(1), np.zeros(1, np.int64))
    metric, scratch = hamiltonian.initial_metric(dim, "diag"), np.zeros(dim)
    start_energy = -log_density + 0.5 * p @ p
    q0, p0 = q.copy(), p.copy()
    step, steps = 0.01, 314   # about half a period of the oscillator
    for _ in range(steps):
        log_density = hamiltonian.leapfrog(standard_normal_log_density, np.zeros(1), np.zeros(1, np.int64),
                                           q, p, grad, step, metric, scratch)
    # the exact flow of H = (q^2 + p^2) / 2 rotates (q, p): after time t, q = q0 cos t + p0 sin t
    t = step * steps
    np.testing.assert_allclose(q, q0 * math.cos(t) + p0 * math.sin(t), atol=1e-3)
    assert abs(-log_density + 0.5 * p @ p - start_energy) < 1e-4
    for _ in range(steps):   # and back
        hamiltonian.leapfrog(standard_normal_log_density, np.zeros(1), np.zeros(1, np.int64),
                             q, p, grad, -step, metric, scratch)
    np.testing.assert_allclose(q, q0, atol=1e-10)
    np.testing.assert_allclose(p, p0, atol=1e-10)


def test_dense_momentum_has_the_metric_as_covariance():
    inverse_metric = np.array([[2.0, 0.6], [0.6, 0.5]])
    metric = hamiltonian.initial_metric(2, "dense")._replace(dense=inverse_metric,
                                                              dense_factor=np.linalg.cholesky(inverse_metric))
    state = rng.stream_state(3, 0)
    p = np.zeros(2)
    momenta = np.empty((20000, 2))
    for k in range(len(momenta)):
        hamiltonian.sample_momentum(state, metric, p)
        momenta[k] = p
    np.testing.assert_allclose(np.cov(momenta.T), np.linalg.inv(inverse_metric), rtol=0.05, atol=0.02)


def test_the_generalised_no_u_turn_checks():
    scratch = np.zeros(2)
    east, west = np.array([1.0, 0.0]), np.array([-1.0, 0.0])
    # two parts that keep going east: no U-turn
    assert nuts.merge_persists(east, east, east, 3 * east, east, east, east, 3 * east, scratch)
    # the new part turned back west: the whole has turned
    assert not nuts.merge_persists(east, east, east, east, west, west, west, 4 * west, scratch)
    # the whole (rho = 3 east) looks fine, but the old part's last point heads west, and
    # (that point + the new part) sums to zero: the seam check catches the turn
    whole = 2 * east + east
    assert nuts._no_u_turn(east, east, whole)
    assert not nuts.merge_persists(east, west, west, 2 * east, east, east, east, east, scratch)


def test_uniform_and_normal_streams():
    state = rng.stream_state(42, 0)
    uniforms = np.array([rng.uniform(state) for _ in range(20000)])
    normals = np.array([rng.standard_normal(state) for _ in range(20000)])
    assert stats.kstest(uniforms, "uniform").pvalue > 1e-3
    assert stats.kstest(normals, "norm").pvalue > 1e-3
    assert uniforms.min() >= 0.0 and uniforms.max() < 1.0
    # streams of different chains (and seeds) differ; the same (seed, chain) repeats
    assert not np.array_equal(rng.stream_state(42, 0), rng.stream_state(42, 1))
    assert not np.array_equal(rng.stream_state(42, 0), rng.stream_state(43, 0))
    assert np.array_equal(rng.stream_state(42, 5), rng.stream_state(42, 5))


def test_nuts_transition_on_a_standard_normal_keeps_the_target():
    dim, draws = 10, 4000
    state = rng.stream_state(9, 0)
    position = np.zeros(dim)
    gradient = np.zeros(dim)
    no_data, no_ints = np.zeros(1), np.zeros(1, np.int64)
    log_density = standard_normal_log_density(position, gradient, no_data, no_ints)
    trajectory, stack, levels = nuts.workspace(dim, 10)
    samples = np.empty((draws, dim))
    depths = np.empty(draws)
    for k in range(draws):
        log_density, info = nuts.transition(standard_normal_log_density, no_data, no_ints, state, position,
                                            gradient, log_density, 0.8, hamiltonian.initial_metric(dim, "diag"),
                                            10, 1000.0, trajectory, stack, levels)
        samples[k] = position
        depths[k] = info.tree_depth
    np.testing.assert_allclose(samples.mean(axis=0), 0.0, atol=5 / math.sqrt(draws))
    np.testing.assert_allclose(samples.var(axis=0), 1.0, rtol=0.1)
    assert 2 <= depths.mean() <= 4     # about pi / (2 * 0.8) leapfrog steps to a U-turn
    assert log_density == pytest.approx(-0.5 * position @ position)
