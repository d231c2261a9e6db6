"""`laplace` against closed forms: on the conjugate linear regression the normal approximation
is the posterior itself, so lp - log_q is the log evidence at every draw (an exact check of the
mean and covariance) and the draws' moments are the posterior's to Monte Carlo error; on the
Beta–Binomial the logit's mode and curvature are known with and without the Jacobian; the
Hessian check and the Fit it returns."""

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ppl
from ppl.cli import main
from ppl.inference.hessian import finite_difference_hessian
from test_optimize import BETA_BINOMIAL, conjugate_regression

EXAMPLES = Path(__file__).parent.parent / "examples"
DRAWS = 4000


@pytest.fixture(scope="module")
def regression():
    return conjugate_regression()


@pytest.fixture(scope="module")
def beta_binomial():
    return ppl.model(BETA_BINOMIAL, "beta_binomial.ppl").condition({"n": 10, "k": 4})


def test_on_a_normal_posterior_the_approximation_is_exact(regression):
    model, data, mean, covariance, design = regression
    fit = model.laplace(data, draws=DRAWS, seed=1)
    # log p(y, w) - log q(w) = log p(y) at every w when q is the posterior
    evidence = stats.multivariate_normal(np.zeros(len(data["y"])), 0.25 * np.eye(len(data["y"])) + design @ design.T
                                         ).logpdf(data["y"])
    np.testing.assert_allclose(fit.stats["lp"] - fit.stats["log_q"], evidence, atol=1e-6)
    draws = fit["w"][0]
    standard_errors = np.sqrt(np.diag(covariance) / DRAWS)
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * standard_errors)
    # the sample covariance's sd is about sqrt(2 / n) relative on the diagonal
    np.testing.assert_allclose(np.cov(draws.T), covariance, rtol=4 * math.sqrt(2 / DRAWS),
                               atol=4 * math.sqrt(2 / DRAWS) * np.sqrt(np.outer(np.diag(covariance),
                                                                                np.diag(covariance))).max())


def test_the_finite_difference_hessian_is_the_exact_one(regression):
    model, data, mean, covariance, _ = regression
    posterior = model.condition(data)
    hessian = finite_difference_hessian(posterior.log_density_gradient, mean)
    np.testing.assert_allclose(-hessian, np.linalg.inv(covariance), rtol=1e-7)


@pytest.mark.parametrize("jacobian", [True, False])
def test_the_beta_binomial_on_the_logit_scale(beta_binomial, jacobian):
    a, b = 7, 11
    fit = beta_binomial.laplace(draws=DRAWS, jacobian=jacobian, seed=2)
    logits = fit.unconstrained[0, :, 0]
    # the log density on the logit scale is a' log(theta) + b' log(1 - theta): mode a' / (a' + b'),
    # curvature -(a' + b') theta (1 - theta); with the Jacobian a' = a, without it a - 1
    shape_a, shape_b = (a, b) if jacobian else (a - 1, b - 1)
    theta = shape_a / (shape_a + shape_b)
    variance = 1 / ((shape_a + shape_b) * theta * (1 - theta))
    assert abs(logits.mean() - math.log(theta / (1 - theta))) < 4 * math.sqrt(variance / DRAWS)
    assert logits.var() / variance == pytest.approx(1, abs=4 * math.sqrt(2 / DRAWS))
    np.testing.assert_allclose(fit["theta"][0], 1 / (1 + np.exp(-logits)))
    np.testing.assert_allclose(fit["odds"][0], np.exp(logits), rtol=1e-10)
    assert fit.settings["jacobian"] is jacobian


def test_the_fit_has_a_samplers_accessors(beta_binomial):
    fit = beta_binomial.laplace(draws=200, seed=3)
    assert fit.method == "laplace" and fit.num_chains == 1 and fit.num_draws == 200
    assert set(fit.stats) == {"lp", "log_q"} and fit.num_divergent == 0
    assert "theta" in str(fit.summary())
    lp = [beta_binomial.log_density(u) for u in fit.unconstrained[0, :5]]
    np.testing.assert_allclose(fit.stats["lp"][0, :5], lp)
    again = beta_binomial.laplace(draws=200, seed=3)
    np.testing.assert_array_equal(fit["theta"], again["theta"])
    pytest.importorskip("arviz")
    exported = fit.to_arviz()
    np.testing.assert_array_equal(exported.posterior["theta"].values, fit["theta"])


def test_generated_quantities_are_drawn_per_draw():
    model = ppl.model("param mu: real\nmu ~ Normal(1, 2)\ngen y ~ Normal(mu, 1)\n")
    fit = model.laplace({}, draws=2000, seed=4)
    assert fit["y"].shape == (1, 2000)
    # y ~ Normal(1, sqrt(5)) under the exact normal approximation
    assert abs(fit["y"].mean() - 1) < 4 * math.sqrt(5 / 2000)
    assert fit["y"].std() == pytest.approx(math.sqrt(5), rel=0.1)


def test_the_mode_can_be_given(beta_binomial):
    mode = beta_binomial.optimize(jacobian=True, seed=1)
    from_result = beta_binomial.laplace(draws=10, mode=mode, seed=1)
    from_values = beta_binomial.laplace(draws=10, mode={"theta": float(mode["theta"])}, seed=1)
    np.testing.assert_allclose(from_result["theta"], from_values["theta"], rtol=1e-9)
    with pytest.raises(ValueError, match="jacobian=False"):
        beta_binomial.laplace(mode=beta_binomial.optimize(seed=1))


def test_a_hessian_that_is_not_negative_definite_is_an_error():
    saddle = ppl.model("param a: real\nparam b: real\ntarget += -square(a) + square(b)\n", "saddle.ppl")
    with pytest.raises(ppl.InferenceError, match="not negative definite.*mostly along b"):
        saddle.laplace({}, mode={"a": 0.0, "b": 0.0})


def test_cli_laplace_prints_a_summary_and_writes_csv(tmp_path, capsys):
    output = tmp_path / "draws.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["laplace", str(EXAMPLES / "linreg_known_noise.ppl"), "--data",
                     str(EXAMPLES / "linreg_known_noise.data.json"), "--draws", "300", "--seed", "1",
                     "--output", str(output)])
    assert code == 0
    assert "w[2]" in capsys.readouterr().out
    read = ppl.read_csv(output)
    assert read["w"].shape == (1, 300, 3) and "log_q" in read.stats


def test_a_model_without_params_has_nothing_to_approximate():
    model = ppl.model("data x: real\ngen y ~ Normal(x, 1)\n", "no_params.ppl")
    assert model.optimize({"x": 1.0}, seed=1).converged
    for method in (model.laplace, model.pathfinder):
        with pytest.raises(ppl.InferenceError, match="at least one param"):
            method({"x": 1.0})
