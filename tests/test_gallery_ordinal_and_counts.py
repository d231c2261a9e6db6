"""The gallery's ordinal regression and zero-inflated count models, sampled, against
posteriors computed another way: importance sampling from a Student-t around the mode, with
the log posterior written with scipy (no ppl code), so that both the catalogue's log densities
and the sampler are checked against independent arithmetic."""

import json
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl import diagnostics

optimize = pytest.importorskip("scipy.optimize")
special = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")

EXAMPLES = Path(__file__).parent.parent / "examples"

# the values the gallery's data sets were simulated from
ORDINAL_TRUTH = {"beta": [1.0, -0.7], "cutpoints": [-1.5, 0.0, 1.2]}
ZERO_INFLATED_TRUTH = {"alpha": 1.0, "beta": 0.5, "gate": 0.3}


def simulate_ordinal_regression():
    """examples/ordinal_regression.data.json: 150 ratings 0..3, a latent X @ beta plus
    standard logistic noise counted against the cutpoints."""
    rng = np.random.default_rng(20261206)
    N, K, D = 150, 4, 2
    X = np.round(rng.normal(size=(N, D)), 4)
    latent = X @ np.array(ORDINAL_TRUTH["beta"]) + rng.logistic(size=N)
    y = (latent[:, None] > np.array(ORDINAL_TRUTH["cutpoints"])).sum(axis=1)
    return {"N": N, "K": K, "D": D, "X": X.tolist(), "y": y.tolist()}


def simulate_zero_inflated_counts():
    """examples/zero_inflated_counts.data.json: 150 Poisson counts of log rate alpha + beta x,
    each replaced by a zero with probability gate."""
    rng = np.random.default_rng(20261207)
    N = 150
    x = np.round(rng.normal(size=N), 4)
    counts = rng.poisson(np.exp(ZERO_INFLATED_TRUTH["alpha"] + ZERO_INFLATED_TRUTH["beta"] * x))
    y = np.where(rng.random(N) < ZERO_INFLATED_TRUTH["gate"], 0, counts)
    return {"N": N, "x": x.tolist(), "y": y.tolist()}


@pytest.mark.parametrize("name, simulate", [("ordinal_regression", simulate_ordinal_regression),
                                            ("zero_inflated_counts", simulate_zero_inflated_counts)])
def test_gallery_data_is_what_its_seeded_simulation_makes(name, simulate):
    assert json.loads((EXAMPLES / f"{name}.data.json").read_text()) == simulate()


def _data(name):
    return ppl.compile(EXAMPLES / f"{name}.ppl").check_data(EXAMPLES / f"{name}.data.json").values


def ordinal_log_posterior(data):
    """u = (beta, cutpoints[0], log of the cutpoints' steps): the ordered transform's
    coordinates, its log-Jacobian the sum of the log steps."""
    X, y, D = data["X"], data["y"], int(data["D"])

    def log_posterior(u):
        beta, first, log_steps = u[:D], u[D], u[D + 1:]
        cutpoints = first + np.concatenate([[0.0], np.cumsum(np.exp(log_steps))])
        edges = np.concatenate([[-np.inf], cutpoints, [np.inf]])
        eta = X @ beta
        probabilities = special.expit(edges[y + 1] - eta) - special.expit(edges[y] - eta)
        return (np.sum(np.log(probabilities)) + np.sum(stats.norm.logpdf(beta, 0, 2.5))
                + np.sum(stats.norm.logpdf(cutpoints, 0, 5)) + np.sum(log_steps))

    def constrained(u):
        return {"beta": u[..., :D],
                "cutpoints": u[..., D:D + 1] + np.concatenate(
                    [np.zeros(u.shape[:-1] + (1,)), np.cumsum(np.exp(u[..., D + 1:]), axis=-1)], axis=-1)}

    return log_posterior, D + int(data["K"]) - 1, constrained


def zero_inflated_log_posterior(data):
    """u = (alpha, beta, logit(gate)), the log-Jacobian log(gate (1 - gate))."""
    x, y = data["x"], data["y"]

    def log_posterior(u):
        alpha, beta, gate = u[0], u[1], special.expit(u[2])
        rate = np.exp(alpha + beta * x)
        likelihood = np.where(y == 0, gate + (1 - gate) * np.exp(-rate), (1 - gate) * stats.poisson.pmf(y, rate))
        return (np.sum(np.log(likelihood)) + stats.norm.logpdf(alpha, 0, 2) + stats.norm.logpdf(beta, 0, 1)
                + np.log(gate) + np.log1p(-gate))

    def constrained(u):
        return {"alpha": u[..., 0], "beta": u[..., 1], "gate": special.expit(u[..., 2])}

    return log_posterior, 3, constrained


def importance_sampled_moments(log_posterior, dimension, constrained, draws=20_000, seed=0):
    """Posterior means and sds of the constrained params by self-normalised importance
    sampling from a multivariate t (5 degrees of freedom) at the mode, its scale the inverse
    Hessian there; returns (means, sds, effective sample size)."""
    with np.errstate(divide="ignore", invalid="ignore"):      # the line search may step where p = 0
        mode = optimize.minimize(lambda u: -log_posterior(u), np.zeros(dimension), method="BFGS")
    proposal = stats.multivariate_t(mode.x, 1.5 * mode.hess_inv, df=5, seed=seed)
    points = proposal.rvs(draws)
    log_weights = np.array([log_posterior(u) for u in points]) - proposal.logpdf(points)
    weights = np.exp(log_weights - log_weights.max())
    weights /= weights.sum()
    values = constrained(points)
    means = {name: np.tensordot(weights, value, axes=(0, 0)) for name, value in values.items()}
    sds = {name: np.sqrt(np.tensordot(weights, (value - means[name]) ** 2, axes=(0, 0)))
           for name, value in values.items()}
    return means, sds, 1.0 / np.sum(weights ** 2)


@pytest.mark.parametrize("name, posterior, truth", [
    ("ordinal_regression", ordinal_log_posterior, ORDINAL_TRUTH),
    ("zero_inflated_counts", zero_inflated_log_posterior, ZERO_INFLATED_TRUTH),
])
def test_gallery_posterior_matches_importance_sampling(name, posterior, truth):
    means, sds, effective = importance_sampled_moments(*posterior(_data(name)))
    assert effective > 4000, "the importance sampler's proposal should fit this posterior"
    fit = ppl.compile(EXAMPLES / f"{name}.ppl").sample(EXAMPLES / f"{name}.data.json", chains=4, seed=5)
    for param, reference in means.items():
        draws = np.asarray(fit[param], dtype=float)                  # chains x draws (x entries)
        flat = draws.reshape(draws.shape[:2] + (-1,))
        for entry in range(flat.shape[-1]):
            chain_draws = flat[..., entry]
            expected = np.ravel(reference)[entry]
            sd = np.ravel(sds[param])[entry]
            tolerance = 5 * np.hypot(diagnostics.mcse_mean(chain_draws), sd / np.sqrt(effective))
            assert abs(chain_draws.mean() - expected) < tolerance, (param, entry, chain_draws.mean(), expected)
            assert np.std(chain_draws) == pytest.approx(sd, rel=0.15), (param, entry)
            # the simulation's true value is within 4 posterior sds
            assert abs(np.ravel(truth[param])[entry] - expected) < 4 * sd, (param, entry)
