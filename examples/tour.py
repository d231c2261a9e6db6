"""The "Tour of TensorFlow Probability", on ppl.

Every cell of the tour that is not about TensorFlow itself, with TFP's imports
replaced by ppl's:

    import ppl.distributions as tfd
    import ppl.bijectors as tfb
    import ppl.math.psd_kernels as tfk
    import ppl.mcmc as mcmc              # tfp.mcmc

Run it with a folder for the figures (it prints what the tour prints):

    python examples/tour.py docs/tour

The tour's MCMC targets are Python functions that TensorFlow differentiates;
ppl has no autodiff for Python code, so the regression is written in ppl's
language (its compiled gradient runs in native code), and the last cell keeps
a Python target that returns its gradient beside its value.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import ppl
import ppl.bijectors as tfb
import ppl.distributions as tfd
import ppl.math.psd_kernels as tfk
import ppl.mcmc as mcmc


def figure(rows=1, columns=1, size=(6, 4)):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    return fig, axes


def save(fig, folder: Path, name: str) -> None:
    fig.savefig(folder / f"{name}.png", dpi=80)
    print(f"  [figure: {name}.png]")


def distributions(folder: Path) -> None:
    print("\n## Distributions")
    normal = tfd.Normal(loc=0., scale=1.)
    print(normal)
    samples = normal.sample(500, seed=0)
    print("samples:", samples.shape, " log_prob:", normal.log_prob(samples).shape)
    fig, axes = figure()
    axes[0, 0].hist(samples, bins=30, density=True)
    save(fig, folder, "normal_samples")

    print("\nA batch of Normals")
    normals = tfd.Normal(loc=[0., 2., 4.], scale=[1., 1., 1.])
    print(normals)
    print("sample(5):", normals.sample(5, seed=1).shape)
    xs = np.linspace(-6, 6, 200)
    try:
        normals.prob(xs)
    except tfd.ShapeError as error:
        print("prob(xs) with xs of shape [200]:", error)
    densities = normals.prob(xs[..., np.newaxis])
    print("prob(xs[..., np.newaxis]):", densities.shape)
    fig, axes = figure()
    axes[0, 0].plot(xs, densities)
    save(fig, folder, "batched_normal_densities")

    print("\nA multivariate normal")
    mvn = tfd.MultivariateNormalDiag(loc=[0., 0.], scale_diag=[1., 2.])
    print(mvn)
    draws = mvn.sample(1000, seed=2)
    print("samples:", draws.shape, " log_prob:", mvn.log_prob(draws).shape)
    fig, axes = figure()
    axes[0, 0].scatter(draws[:, 0], draws[:, 1], s=4, alpha=0.4)
    axes[0, 0].set_aspect("equal")
    save(fig, folder, "mvn_diag_samples")

    print("\nLKJ: distributions over correlation matrices")
    lkj = tfd.LKJ(dimension=10, concentration=[1.5, 3.0])
    print(lkj)
    matrices = lkj.sample(seed=3)
    print("sample():", matrices.shape)
    fig, axes = figure(1, 2, size=(8, 4))
    for k, concentration in enumerate([1.5, 3.0]):
        axes[0, k].imshow(matrices[k], vmin=-1, vmax=1, cmap="RdBu")
        axes[0, k].set_title(f"concentration {concentration}")
    save(fig, folder, "lkj_heatmaps")


def gaussian_processes(folder: Path) -> None:
    print("\n## Gaussian processes")
    kernel = tfk.ExponentiatedQuadratic(amplitude=1., length_scale=0.5)
    index_points = np.linspace(-1., 1., 200)[..., np.newaxis]
    gp = tfd.GaussianProcess(kernel, index_points, observation_noise_variance=0.)
    print(gp)
    samples = gp.sample(10, seed=4)
    print("samples:", samples.shape, " mean:", gp.mean().shape, " stddev:", gp.stddev().shape)
    fig, axes = figure()
    axes[0, 0].plot(index_points[:, 0], samples.T, alpha=0.7)
    axes[0, 0].set_title("GP prior draws")
    save(fig, folder, "gp_prior")

    rng = np.random.default_rng(5)
    observation_index_points = rng.uniform(-1., 1., (50, 1))
    observations = np.sin(3 * observation_index_points[:, 0]) + rng.normal(0., 0.05, 50)
    gprm = tfd.GaussianProcessRegressionModel(kernel, index_points, observation_index_points, observations,
                                              observation_noise_variance=0.05 ** 2)
    print(gprm)
    mean, stddev = gprm.mean(), gprm.stddev()
    fig, axes = figure()
    axis = axes[0, 0]
    axis.plot(index_points[:, 0], gprm.sample(5, seed=6).T, alpha=0.5)
    axis.plot(index_points[:, 0], mean, color="black")
    axis.fill_between(index_points[:, 0], mean - 2 * stddev, mean + 2 * stddev, alpha=0.2)
    axis.scatter(observation_index_points[:, 0], observations, s=8, color="black")
    axis.set_title("GP regression: posterior mean, 2 sd, draws")
    save(fig, folder, "gp_regression")


def bijectors(folder: Path) -> None:
    print("\n## Bijectors")
    xs = np.linspace(-4., 4., 200)
    normal_cdf = tfb.NormalCDF()
    fig, axes = figure()
    axes[0, 0].plot(xs, normal_cdf.forward(xs), label="forward")
    axes[0, 0].plot(xs, normal_cdf.forward_log_det_jacobian(xs, event_ndims=0), label="forward log det J")
    axes[0, 0].legend()
    save(fig, folder, "normal_cdf_bijector")

    exp = tfb.Exp()
    log_normal = exp(tfd.Normal(0., .5))
    print(log_normal)
    samples = log_normal.sample(1000, seed=7)
    fig, axes = figure()
    grid = np.linspace(0.01, 5, 200)
    axes[0, 0].hist(samples, bins=40, density=True, alpha=0.5)
    axes[0, 0].plot(grid, log_normal.prob(grid))
    save(fig, folder, "exp_bijector_log_normal")

    softplus = tfb.Softplus(hinge_softness=[1., .5, .1])
    batched = softplus.forward(xs[..., np.newaxis])
    print("Softplus(hinge_softness=[1., .5, .1]).forward(xs[..., np.newaxis]):", batched.shape)
    fig, axes = figure()
    axes[0, 0].plot(xs, batched)
    axes[0, 0].legend(["hinge 1.0", "hinge 0.5", "hinge 0.1"])
    save(fig, folder, "batched_softplus")

    print("\nCaching: CholeskyOuterProduct of a 2500 x 2500 factor")
    rng = np.random.default_rng(8)
    factor = np.tril(rng.normal(size=(2500, 2500))) * 0.01
    factor[np.diag_indices(2500)] = np.abs(factor[np.diag_indices(2500)]) + 1.0
    outer = tfb.CholeskyOuterProduct()
    matrix = outer.forward(factor)
    start = time.perf_counter()
    cached = outer.inverse(matrix)
    cached_seconds = time.perf_counter() - start
    start = time.perf_counter()
    fresh = tfb.CholeskyOuterProduct().inverse(matrix.copy())
    fresh_seconds = time.perf_counter() - start
    print(f"  inverse of the forward's own output (cached): {cached_seconds * 1e6:.1f} us; "
          f"of a copy (a Cholesky): {fresh_seconds * 1e3:.0f} ms; same factor: {np.allclose(cached, fresh)}")


# the tour's regression with its noise scale known: the gallery's linreg_known_noise.ppl
# (w ~ Normal(0, 1) elementwise is the tour's MultivariateNormalDiag(zeros(3), ones(3)))
TOUR_REGRESSION = Path(__file__).parent / "linreg_known_noise.ppl"


def markov_chain_monte_carlo(folder: Path) -> None:
    print("\n## MCMC")
    rng = np.random.default_rng(9)
    true_w = np.array([-1., 2., 3.])
    xs = rng.uniform(-1., 1., [2, 50])
    ys = true_w[0] + true_w[1:] @ xs + rng.normal(0., .5, size=50)
    posterior = ppl.compile(TOUR_REGRESSION).condition({"N": 50, "x": xs, "y": ys})

    hmc = mcmc.HamiltonianMonteCarlo(target_log_prob_fn=posterior, step_size=0.1, num_leapfrog_steps=2)
    samples, kernel_results = mcmc.sample_chain(num_results=1000, num_burnin_steps=500,
                                                current_state=np.zeros(3), kernel=hmc,
                                                trace_fn=lambda state, results: results, seed=1)
    print("HMC, step 0.1, 2 leapfrog steps: acceptance rate", kernel_results.is_accepted.mean())

    adaptive = mcmc.SimpleStepSizeAdaptation(hmc, num_adaptation_steps=400, target_accept_prob=0.65)
    samples, kernel_results = mcmc.sample_chain(num_results=1000, num_burnin_steps=500,
                                                current_state=np.zeros(3), kernel=adaptive,
                                                trace_fn=lambda state, results: results, seed=2)
    print("with SimpleStepSizeAdaptation: acceptance rate", kernel_results.inner_results.is_accepted.mean())
    fig, axes = figure(3, 1, size=(7, 5))
    for k in range(3):
        axes[k, 0].plot(samples[:, k], linewidth=0.6)
        axes[k, 0].axhline(true_w[k], color="black")
        axes[k, 0].set_ylabel(f"w[{k}]")
    save(fig, folder, "hmc_traces")

    chains, kernel_results = mcmc.sample_chain(num_results=1000, num_burnin_steps=500,
                                               current_state=np.zeros([8, 3]), kernel=adaptive,
                                               trace_fn=lambda state, results: results, seed=3)
    print("8 chains: acceptance rate", kernel_results.inner_results.is_accepted.mean())
    print("R-hat per w:", mcmc.potential_scale_reduction(chains))

    print("\nThe noise scale sampled too: a Python target with its gradient, on the unconstrained scale")
    prior_w = tfd.MultivariateNormalDiag(loc=np.zeros(3), scale_diag=np.ones(3))
    prior_sigma = tfd.LogNormal(1., 5.)

    def unnormalized_posterior(w, sigma):
        mean = w[..., :1] + np.einsum("...k,kn->...n", w[..., 1:], xs)
        residual = ys - mean
        value = (prior_w.log_prob(w) + prior_sigma.log_prob(sigma)
                 + tfd.Normal(mean, sigma[..., np.newaxis]).log_prob(ys).sum(axis=-1))
        sum_squares = (residual ** 2).sum(axis=-1)
        gradient_w = -w + np.concatenate([residual.sum(axis=-1, keepdims=True),
                                          np.einsum("kn,...n->...k", xs, residual)], axis=-1) / sigma[..., None] ** 2
        gradient_sigma = (sum_squares / sigma ** 3 - 50 / sigma
                          - 1 / sigma - (np.log(sigma) - 1.) / 25. / sigma)
        return value, [gradient_w, gradient_sigma]

    transformed = mcmc.TransformedTransitionKernel(
        mcmc.HamiltonianMonteCarlo(unnormalized_posterior, step_size=0.1, num_leapfrog_steps=4),
        bijector=[tfb.Identity(), tfb.Softplus()])
    kernel = mcmc.SimpleStepSizeAdaptation(transformed, num_adaptation_steps=400, target_accept_prob=0.75)
    initial_state = [np.zeros([8, 3]), .54 * np.ones([8])]
    (w_chains, sigma_chains), kernel_results = mcmc.sample_chain(
        num_results=1000, num_burnin_steps=500, current_state=initial_state, kernel=kernel, seed=(0, 1),
        trace_fn=lambda state, results: results)
    print("acceptance rate", kernel_results.inner_results.inner_results.is_accepted.mean())
    print("R-hat per w:", mcmc.potential_scale_reduction(w_chains))
    print("R-hat of sigma:", mcmc.potential_scale_reduction(sigma_chains))
    print(f"posterior mean of sigma: {sigma_chains.mean():.3f} (true 0.5)")
    fig, axes = figure()
    axes[0, 0].hist(sigma_chains.reshape(-1), bins=40, density=True)
    axes[0, 0].set_title("posterior of the noise scale")
    save(fig, folder, "noise_scale_posterior")


def main(argv) -> int:
    if len(argv) != 1:
        print("usage: python examples/tour.py FOLDER   (the figures are saved there as PNG)", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    distributions(folder)
    gaussian_processes(folder)
    bijectors(folder)
    markov_chain_monte_carlo(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
