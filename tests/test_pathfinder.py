"""Pathfinder: its parts against their definitions (the compact inverse Hessian against the BFGS
recursion, the normal's log density against scipy, Pareto smoothing against ArviZ), and its
draws against posteriors known in closed form (the conjugate regression, the Dirichlet–
categorical) and a NUTS run (the gallery's logistic regression); k-hat on heavy tails;
`sample(init="pathfinder")`; the CLI."""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ppl
from ppl.cli import main
from ppl.inference.pathfinder import (NormalApproximation, PathfinderWarning, compact_inverse_hessian,
                                      initial_points, updated_diagonal)
from ppl.inference.psis import pareto_smoothed_log_weights
from test_optimize import conjugate_regression

EXAMPLES = Path(__file__).parent.parent / "examples"
# Pathfinder's means must be within this fraction of the posterior sd, its sds within this ratio
MEAN_TOLERANCE = 0.2
SD_RATIO = (0.85, 1.15)


def bfgs_pairs(dim=6, pairs=3, seed=0):
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(dim, dim))
    hessian = root @ root.T + dim * np.eye(dim)
    steps = rng.normal(size=(dim, pairs))
    return rng.uniform(0.5, 2.0, dim), steps, hessian @ steps, rng


def test_the_compact_inverse_hessian_is_the_bfgs_recursion():
    alpha, steps, changes, _ = bfgs_pairs()
    expected = np.diag(alpha)
    for s, y in zip(steps.T, changes.T):   # Nocedal & Wright (6.17), from diag(alpha)
        rho = 1 / (y @ s)
        left = np.eye(len(alpha)) - rho * np.outer(s, y)
        expected = left @ expected @ left.T + rho * np.outer(s, s)
    low_rank, middle = compact_inverse_hessian(alpha, steps, changes)
    np.testing.assert_allclose(np.diag(alpha) + low_rank @ middle @ low_rank.T, expected, atol=1e-12)


def test_the_normal_approximation_draws_and_densities():
    alpha, steps, changes, rng = bfgs_pairs()
    low_rank, middle = compact_inverse_hessian(alpha, steps, changes)
    mean = rng.normal(size=len(alpha))
    normal = NormalApproximation(mean, alpha, low_rank, middle)
    covariance = np.diag(alpha) + low_rank @ middle @ low_rank.T
    np.testing.assert_allclose(normal.covariance(), covariance, atol=1e-12)
    draws, log_q = normal.draw(rng, 20000)
    np.testing.assert_allclose(log_q, stats.multivariate_normal(mean, covariance).logpdf(draws), atol=1e-10)
    scale = np.sqrt(np.diag(covariance))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * scale / math.sqrt(20000))
    np.testing.assert_allclose(np.cov(draws.T), covariance, atol=0.06 * scale.max() ** 2)


def test_the_diagonal_update_keeps_the_exact_inverse_diagonal():
    # for a diagonal Hessian, y = H s: the inverse diagonal is the update's fixed point
    curvature = np.array([1.0, 4.0, 9.0])
    s = np.array([0.3, -1.0, 0.5])
    np.testing.assert_allclose(updated_diagonal(1 / curvature, s, curvature * s), 1 / curvature)


@pytest.mark.parametrize("shape", [0.2, 0.5, 0.9])
def test_pareto_smoothing_is_arvizs(shape):
    arviz = pytest.importorskip("arviz")
    log_weights = np.log1p(np.random.default_rng(1).pareto(1 / shape, 4000))
    expected, expected_k = arviz.psislw(log_weights.copy())
    smoothed, k_hat = pareto_smoothed_log_weights(log_weights)
    assert k_hat == pytest.approx(expected_k, abs=1e-10)
    np.testing.assert_allclose(smoothed, expected, atol=1e-10)
    assert np.exp(smoothed).sum() == pytest.approx(1.0)


def close_to(fit, name, mean, sd):
    draws = fit[name][0]
    error = np.abs(draws.mean(axis=0) - mean) / sd
    ratio = draws.std(axis=0) / sd
    assert np.all(error < MEAN_TOLERANCE), f"{name}: mean errors {error} sd"
    assert np.all((SD_RATIO[0] < ratio) & (ratio < SD_RATIO[1])), f"{name}: sd ratios {ratio}"


def test_the_conjugate_regression():
    model, data, mean, covariance, _ = conjugate_regression()
    fit = model.pathfinder(data, seed=1)
    close_to(fit, "w", mean, np.sqrt(np.diag(covariance)))
    assert fit.method == "pathfinder" and fit.num_draws == 1000 and set(fit.stats) == {"lp", "log_q"}
    assert fit.settings["pareto_k"] < 0.7 and len(fit.settings["elbo"]) == 4


def test_the_dirichlet_categorical():
    data = json.loads((EXAMPLES / "dirichlet_simplex.data.json").read_text())
    concentration = np.array(data["alpha"]) + np.bincount(data["y"], minlength=data["K"])
    posterior = stats.dirichlet(concentration)
    fit = ppl.compile(EXAMPLES / "dirichlet_simplex.ppl").pathfinder(data, seed=2)
    close_to(fit, "theta", posterior.mean(), np.sqrt(posterior.var()))
    np.testing.assert_allclose(fit["theta"].sum(axis=-1), 1.0)


def test_the_gallery_logistic_regression_against_nuts():
    model = ppl.compile(EXAMPLES / "logistic_regression.ppl")
    posterior = model.condition(EXAMPLES / "logistic_regression.data.json")
    nuts = posterior.sample(seed=3, progress=False)
    fit = posterior.pathfinder(seed=3)
    for name in ("alpha", "beta"):
        draws = nuts[name].reshape(-1, *nuts[name].shape[2:])
        close_to(fit, name, draws.mean(axis=0), draws.std(axis=0))


def test_heavy_tails_get_a_high_k_hat_and_a_warning():
    # a normal proposal for 20 independent Cauchys: the importance weights have no variance
    # (k-hat between 0.8 and 1.3 over seeds 1 to 10)
    model = ppl.model("param x: real[20]\nx ~ Cauchy(0, 1)\n", "cauchy.ppl")
    with pytest.warns(PathfinderWarning, match="k-hat"):
        fit = model.pathfinder({}, seed=1, draws=400)
    assert fit.settings["pareto_k"] > 0.7


def test_a_single_path_returns_its_own_draws_and_the_seed_reproduces_them():
    model, data, _, _, _ = conjugate_regression()
    posterior = model.condition(data)
    fit = posterior.pathfinder(paths=1, draws=300, seed=5)
    assert len(np.unique(fit.unconstrained[0], axis=0)) == 300
    again = posterior.pathfinder(paths=1, draws=300, seed=5)
    np.testing.assert_array_equal(fit["w"], again["w"])
    np.testing.assert_allclose(fit.stats["lp"][0], [posterior.log_density(u) for u in fit.unconstrained[0]])


def test_sample_can_start_from_pathfinder():
    model, data, mean, covariance, _ = conjugate_regression()
    posterior = model.condition(data)
    starts = initial_points(posterior, 3, seed=6)
    assert len(starts) == 3 and all(np.isfinite(posterior.log_density(u)) for u in starts)
    # Pathfinder's draws are in the posterior's bulk, not uniform(-2, 2)
    assert all(np.all(np.abs(u - mean) < 6 * np.sqrt(np.diag(covariance))) for u in starts)
    fit = posterior.sample(chains=3, warmup=200, draws=200, seed=6, init="pathfinder", progress=False)
    assert np.all(np.abs(fit["w"].mean(axis=(0, 1)) - mean) < 0.2 * np.sqrt(np.diag(covariance)))
    with pytest.raises(ValueError, match="'pathfinder'"):
        posterior.sample(chains=2, init="pathfindr", progress=False)


def test_bad_settings_are_clear_errors():
    model, data, _, _, _ = conjugate_regression()
    with pytest.raises(ValueError, match="paths must be an integer"):
        model.pathfinder(data, paths=0)
    with pytest.raises(ValueError, match="num_elbo_draws must be"):
        model.pathfinder(data, num_elbo_draws=1.5)
    with pytest.raises(TypeError, match="did you mean 'history_size'"):
        model.pathfinder(data, history=3)


def test_cli_pathfinder_prints_k_hat_and_a_summary(tmp_path, capsys):
    output = tmp_path / "draws.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["pathfinder", str(EXAMPLES / "linreg_known_noise.ppl"), "--data",
                     str(EXAMPLES / "linreg_known_noise.data.json"), "--draws", "200", "--seed", "1",
                     "--output", str(output)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Pareto k-hat" in out and "w[1]" in out
    assert ppl.read_csv(output)["w"].shape == (1, 200, 3)
