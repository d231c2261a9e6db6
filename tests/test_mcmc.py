"""ppl.mcmc: TFP's kernel interface on the native samplers — the tour's regression
cells, a Python (value, gradient) target, TransformedTransitionKernel, and errors."""

from pathlib import Path

import numpy as np
import pytest

import ppl
import ppl.mcmc as mcmc

TOUR_REGRESSION = Path(__file__).parent.parent / "examples" / "linreg_known_noise.ppl"   # the tour's model


@pytest.fixture(scope="module")
def tour():
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1.0, 1.0, [2, 50])
    ys = -1.0 + np.array([2.0, 3.0]) @ xs + rng.normal(0.0, 0.5, size=50)
    posterior = ppl.compile(TOUR_REGRESSION).condition({"N": 50, "x": xs, "y": ys})
    # the exact posterior of w: Gaussian with precision I + X X' / 0.25
    design = np.vstack([np.ones(50), xs])
    precision = np.eye(3) + design @ design.T / 0.25
    covariance = np.linalg.inv(precision)
    return posterior, xs, ys, covariance @ design @ ys / 0.25, covariance


def test_plain_hmc_and_simple_step_size_adaptation(tour):
    posterior, *_ , mean, covariance = tour
    hmc = mcmc.HamiltonianMonteCarlo(target_log_prob_fn=posterior, step_size=0.1, num_leapfrog_steps=2)
    samples, results = mcmc.sample_chain(num_results=1000, num_burnin_steps=500, current_state=np.zeros(3),
                                         kernel=hmc, trace_fn=lambda state, results: results, seed=1)
    assert samples.shape == (1000, 3) and results.is_accepted.shape == (1000,)
    assert 0.8 < results.is_accepted.mean() <= 1.0          # step 0.1 is small: most proposals pass
    assert (results.num_leapfrog_steps == 2).all() and (results.step_size == 0.1).all()
    adaptive = mcmc.SimpleStepSizeAdaptation(hmc, num_adaptation_steps=400, target_accept_prob=0.65)
    samples, results = mcmc.sample_chain(num_results=2000, num_burnin_steps=500, current_state=np.zeros(3),
                                         kernel=adaptive, trace_fn=lambda state, results: results, seed=2)
    assert 0.5 < results.inner_results.is_accepted.mean() < 0.8
    assert results.new_step_size[0] == results.new_step_size[-1] != 0.1    # adapted in burn-in, then fixed
    assert np.all(np.abs(samples.mean(axis=0) - mean) < 5 * np.sqrt(np.diag(covariance)) / np.sqrt(100))


def test_a_batch_of_states_is_a_batch_of_chains(tour):
    posterior, *_ = tour
    kernel = mcmc.DualAveragingStepSizeAdaptation(
        mcmc.NoUTurnSampler(target_log_prob_fn=posterior, step_size=0.5), num_adaptation_steps=300,
        target_accept_prob=0.8)
    chains, results = mcmc.sample_chain(num_results=500, num_burnin_steps=300, current_state=np.zeros((8, 3)),
                                        kernel=kernel, trace_fn=lambda state, results: results, seed=3)
    assert chains.shape == (500, 8, 3)
    assert results.inner_results.tree_depth.shape == (500, 8)
    r_hat = mcmc.potential_scale_reduction(chains)
    assert r_hat.shape == (3,) and np.all(r_hat < 1.02)
    assert not np.array_equal(chains[:, 0], chains[:, 1])
    again = mcmc.sample_chain(num_results=500, num_burnin_steps=300, current_state=np.zeros((8, 3)), kernel=kernel,
                              trace_fn=None, seed=3)
    assert np.array_equal(again, chains)


class _Softplus:
    forward_min_event_ndims = 0

    def forward(self, x):
        return np.logaddexp(0.0, x)

    def inverse(self, y):
        return y + np.log(-np.expm1(-y))

    def forward_log_det_jacobian(self, x, event_ndims=0):
        return -np.logaddexp(0.0, -x)


class _Identity:
    forward_min_event_ndims = 0

    def forward(self, x):
        return x

    def inverse(self, y):
        return y

    def forward_log_det_jacobian(self, x, event_ndims=0):
        return np.zeros_like(x)


def test_python_target_with_transformed_transition_kernel():
    # y_i ~ Normal(0, sigma), sigma ~ Exponential(1): posterior of sigma^-2 is Gamma(1 + N/2, ...)
    # only through the Jacobian; check against the exact posterior of sigma by quadrature
    y = np.random.default_rng(4).normal(0.0, 2.0, size=30)
    squares = float(y @ y)

    def target(sigma):
        value = -sigma - len(y) * np.log(sigma) - 0.5 * squares / sigma ** 2
        gradient = -1.0 - len(y) / sigma + squares / sigma ** 3
        return value, gradient

    kernel = mcmc.SimpleStepSizeAdaptation(
        mcmc.TransformedTransitionKernel(mcmc.HamiltonianMonteCarlo(target, step_size=0.1, num_leapfrog_steps=4),
                                         bijector=_Softplus()),
        num_adaptation_steps=300, target_accept_prob=0.75)
    sigma, results = mcmc.sample_chain(2000, np.float64(1.0), kernel=kernel, num_burnin_steps=400, seed=(0, 1))
    assert sigma.shape == (2000,) and np.all(sigma > 0)
    assert 0.5 < results.inner_results.inner_results.is_accepted.mean() < 0.95
    grid = np.linspace(0.5, 6.0, 20001)
    log_density = np.array([target(s)[0] for s in grid])
    weights = np.exp(log_density - log_density.max())
    exact_mean = np.sum(grid * weights) / np.sum(weights)
    exact_sd = np.sqrt(np.sum((grid - exact_mean) ** 2 * weights) / np.sum(weights))
    assert abs(sigma.mean() - exact_mean) < 5 * exact_sd / np.sqrt(200)


def test_two_part_python_target():
    def target(a, b):
        return -0.5 * (a @ a) - 0.5 * b ** 2 / 4.0, [-a, -b / 4.0]

    kernel = mcmc.HamiltonianMonteCarlo(target, step_size=0.5, num_leapfrog_steps=3)
    (a, b), results = mcmc.sample_chain(3000, [np.zeros(2), np.float64(0.0)], kernel=kernel, seed=5)
    assert a.shape == (3000, 2) and b.shape == (3000,)
    assert abs(np.std(b) / 2.0 - 1) < 0.15 and np.all(np.abs(np.std(a, axis=0) - 1) < 0.15)


def test_errors_say_what_to_do(tour):
    posterior, *_ = tour
    with pytest.raises(TypeError, match="no automatic differentiation"):
        mcmc.sample_chain(10, np.zeros(2), kernel=mcmc.HamiltonianMonteCarlo(lambda x: -x @ x, 0.1, 2))
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 3\]"):
        mcmc.sample_chain(10, np.zeros(2), kernel=mcmc.HamiltonianMonteCarlo(posterior, 0.1, 2))
    with pytest.raises(ValueError, match="already on the unconstrained scale"):
        mcmc.sample_chain(10, np.zeros(3), kernel=mcmc.TransformedTransitionKernel(
            mcmc.HamiltonianMonteCarlo(posterior, 0.1, 2), bijector=_Identity()))
    with pytest.raises(NotImplementedError, match="per-variable step_size"):
        mcmc.HamiltonianMonteCarlo(posterior, np.array([0.1, 0.2, 0.3]), 2)
    with pytest.raises(AttributeError, match="is_accepted"):
        mcmc.sample_chain(5, np.zeros(3), kernel=mcmc.HamiltonianMonteCarlo(posterior, 0.1, 2), seed=1).trace.nope
