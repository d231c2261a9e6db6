"""`optimize` against closed forms: the conjugate linear regression's posterior mean, the
Beta–Binomial's mode with and without the Jacobian, Rosenbrock's minimum; the log density
without the Jacobian against the model's own log_prob and finite differences; errors and
warnings when there is no optimum or the run stops early; the CLI."""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl.cli import main
from ppl.inference.density import LogDensity
from ppl.inference.lbfgs import CONVERGED, Tolerances, maximize
from ppl.inference.optimize import ConvergenceWarning

EXAMPLES = Path(__file__).parent.parent / "examples"
ALGORITHMS = ["lbfgs", "bfgs", "newton"]
# tight enough that the optimum is the closed form to ~1e-7 (CmdStan's defaults stop near 1e-6)
TIGHT = dict(tol_rel_grad=1.0, tol_rel_obj=1.0, tol_obj=0.0, tol_param=0.0, tol_grad=1e-10)

BETA_BINOMIAL = """
data n: int<lower=0>
data k: int<lower=0>
param theta: real<lower=0, upper=1>
odds = theta / (1 - theta)
theta ~ Beta(3, 5)
k ~ Binomial(n, probs=theta)
"""


def conjugate_regression():
    """examples/linreg_known_noise: w ~ Normal(0, 1), y ~ Normal(X w, 0.5); its posterior is
    Normal(P^-1 X'y / 0.25, P^-1) with P = X'X / 0.25 + I."""
    data = json.loads((EXAMPLES / "linreg_known_noise.data.json").read_text())
    design = np.column_stack([np.ones(data["N"]), np.array(data["x"]).T])
    precision = design.T @ design / 0.25 + np.eye(3)
    mean = np.linalg.solve(precision, design.T @ np.array(data["y"]) / 0.25)
    return ppl.compile(EXAMPLES / "linreg_known_noise.ppl"), data, mean, np.linalg.inv(precision), design


@pytest.fixture(scope="module")
def regression():
    return conjugate_regression()


@pytest.fixture(scope="module")
def beta_binomial():
    return ppl.model(BETA_BINOMIAL, "beta_binomial.ppl").condition({"n": 10, "k": 4})


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_optimum_of_the_conjugate_regression_is_its_posterior_mean(regression, algorithm):
    model, data, mean, _, _ = regression
    result = model.optimize(data, algorithm=algorithm, seed=1, **TIGHT)
    assert result.converged and result.status == CONVERGED
    np.testing.assert_allclose(result["w"], mean, atol=1e-7)
    np.testing.assert_allclose(result.unconstrained, mean, atol=1e-7)
    assert result.log_density == pytest.approx(model.condition(data).log_prob({"w": mean}), abs=1e-10)
    assert result.iterations >= 1 and result.gradient_evaluations >= result.iterations


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_beta_binomial_mode_with_and_without_the_jacobian(beta_binomial, algorithm):
    a, b = 3 + 4, 5 + 6          # the posterior is Beta(7, 11)
    without = beta_binomial.optimize(algorithm=algorithm, seed=2, **TIGHT)
    assert float(without["theta"]) == pytest.approx((a - 1) / (a + b - 2), abs=1e-6)
    # on the logit scale the density is theta^a (1 - theta)^b: its mode is a / (a + b)
    with_jacobian = beta_binomial.optimize(algorithm=algorithm, jacobian=True, seed=2, **TIGHT)
    assert float(with_jacobian["theta"]) == pytest.approx(a / (a + b), abs=1e-6)
    theta = float(without["theta"])
    assert float(without["odds"]) == pytest.approx(theta / (1 - theta))
    assert without.log_density == pytest.approx(beta_binomial.log_prob({"theta": theta}), abs=1e-9)
    assert not without.jacobian and with_jacobian.jacobian


def test_the_default_tolerances_are_cmdstans_and_stop_near_the_mode(beta_binomial):
    result = beta_binomial.optimize(seed=3)
    assert result.converged
    assert float(result["theta"]) == pytest.approx(6 / 16, abs=1e-4)
    assert Tolerances() == Tolerances(1e-12, 1e4, 1e-8, 1e7, 1e-8)


def test_the_density_without_the_jacobian_matches_log_prob_and_its_gradient_finite_differences():
    model = ppl.model("""
param a: real<lower=0, upper=1>
param b: real<lower=a, upper=2>
param p: simplex[3]
param z: real
a ~ Beta(2, 2)
b ~ Normal(1, 1)
p ~ Dirichlet([2.0, 3.0, 4.0])
z ~ Normal(a + b, 1)
""")
    posterior = model.condition({})
    density = LogDensity(posterior, jacobian=False)
    u = np.array([0.3, -0.4, 0.2, -0.7, 0.5])
    value, gradient = density.value_and_gradient(u)
    assert value == pytest.approx(posterior.log_prob(posterior.constrain(u)), abs=1e-12)
    step = 1e-6
    numeric = [(density.value(u + step * e) - density.value(u - step * e)) / (2 * step) for e in np.eye(len(u))]
    np.testing.assert_allclose(gradient, numeric, atol=1e-7)
    with_jacobian = LogDensity(posterior, jacobian=True)
    assert with_jacobian.value(u) - value == pytest.approx(density.log_jacobian(u), abs=1e-12)


@pytest.mark.parametrize("algorithm", ["lbfgs", "bfgs"])
def test_quasi_newton_finds_rosenbrocks_minimum(algorithm):
    def value_and_gradient(x):
        value = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        gradient = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
        return -value, -gradient

    path = maximize(value_and_gradient, np.array([-1.2, 1.0]), algorithm=algorithm,
                    tolerances=Tolerances(0.0, 0.0, 1e-10, 0.0, 0.0))
    assert path.status == CONVERGED
    np.testing.assert_allclose(path.point, [1.0, 1.0], atol=1e-7)
    # the history Pathfinder reads: every iterate, its log density increasing
    assert len(path.points) == len(path.gradients) == path.iterations + 1
    assert np.all(np.diff(path.log_densities) >= 0)


def test_init_is_the_starting_point_and_the_seed_makes_the_run_reproducible(beta_binomial):
    first = beta_binomial.optimize(seed=5)
    again = beta_binomial.optimize(seed=5)
    np.testing.assert_array_equal(first.unconstrained, again.unconstrained)
    with pytest.warns(ConvergenceWarning):
        started = beta_binomial.optimize(init={"theta": 0.9}, max_iters=1)
    assert started.path.points[0] == pytest.approx([math.log(9.0)])


def test_stopping_early_warns_and_is_flagged(regression):
    model, data, _, _, _ = regression
    with pytest.warns(ConvergenceWarning, match="maximum number of iterations"):
        result = model.optimize(data, max_iters=1, seed=1)
    assert not result.converged and result.status == "max_iterations"


@pytest.mark.parametrize("text", ["param mu: real\ntarget += mu\n", "param s: real<lower=0>\ntarget += log(s)\n"])
def test_a_log_density_without_maximum_is_an_error(text):
    with pytest.raises(ppl.InferenceError, match="has no maximum"):
        ppl.model(text).optimize({}, seed=1)


def test_a_start_where_the_density_is_not_finite_is_located():
    model = ppl.model("param mu: real<lower=0>\ntarget += log(mu - 10)\n", "start.ppl")
    with pytest.raises(ppl.SamplingError, match="given init") as caught:
        model.optimize({}, init={"mu": 1.0})
    assert caught.value.line == 2


def test_bad_settings_are_clear_errors(regression):
    model, data, _, _, _ = regression
    with pytest.raises(ValueError, match="algorithm must be one of"):
        model.optimize(data, algorithm="adam")
    with pytest.raises(ValueError, match="tol_grad must be"):
        model.optimize(data, tol_grad=-1)
    with pytest.raises(ValueError, match="max_iters must be"):
        model.optimize(data, max_iters=0)
    with pytest.raises(TypeError, match="did you mean 'tol_obj'"):
        model.optimize(data, tol_objj=1)


def test_the_result_names_its_quantities(beta_binomial):
    result = beta_binomial.optimize(seed=1)
    assert set(result.params) == {"theta"} and set(result.deterministics) == {"odds"}
    with pytest.raises(KeyError, match="did you mean 'theta'"):
        result["thetta"]
    assert "penalised MLE" in repr(result) and "theta" in repr(result)


def test_cli_optimize_prints_the_optimum_and_writes_json(tmp_path, capsys):
    output = tmp_path / "optimum.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["optimize", str(EXAMPLES / "linreg_known_noise.ppl"), "--data",
                     str(EXAMPLES / "linreg_known_noise.data.json"), "--seed", "1", "--algorithm", "newton",
                     "--output", str(output)])
    assert code == 0
    out = capsys.readouterr().out
    assert "converged" in out and "log density" in out and "w " in out
    _, _, mean, _, _ = conjugate_regression()
    np.testing.assert_allclose(json.loads(output.read_text())["w"], mean, atol=1e-6)


def test_cli_optimize_errors_are_messages(tmp_path, capsys):
    model = tmp_path / "flat.ppl"
    model.write_text("param mu: real\ntarget += mu\n")
    assert main(["optimize", str(model)]) == 1
    assert "has no maximum" in capsys.readouterr().err
