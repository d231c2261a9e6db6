"""The posterior as a function: unconstrain inverts constrain, deterministics and
generated quantities come from the model's own statements."""

import numpy as np
import pytest

import ppl

EXAMPLES = __import__("pathlib").Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("name", ["linreg", "garch11", "correlated_mvn", "normal_mixture", "dirichlet_simplex",
                                  "radon_hierarchical"])
def test_unconstrain_inverts_constrain(name):
    post = ppl.compile(EXAMPLES / f"{name}.ppl").condition(EXAMPLES / f"{name}.data.json")
    u = np.random.default_rng(1).uniform(-1.5, 1.5, post.dim)
    assert np.allclose(post.unconstrain(post.constrain(u)), u, atol=1e-10)


def test_unconstrain_names_a_param_outside_its_constraint():
    post = ppl.compile(EXAMPLES / "linreg.ppl").condition(EXAMPLES / "linreg.data.json")
    with pytest.raises(ppl.DataError, match="param 'sigma' is outside its constraint") as caught:
        post.unconstrain({"w": [0.0, 0.0, 0.0], "sigma": -1.0})
    assert "real<lower=0>" in str(caught.value)
    with pytest.raises(ppl.DataError, match="no value for param 'sigma'"):
        post.unconstrain({"w": [0.0, 0.0, 0.0]})
    with pytest.raises(ppl.DataError, match="param 'w' has the wrong shape"):
        post.unconstrain({"w": [0.0, 0.0], "sigma": 1.0})


def test_deterministics_and_generated_quantities():
    post = ppl.compile(EXAMPLES / "linreg.ppl").condition(EXAMPLES / "linreg.data.json")
    import json

    data = json.loads((EXAMPLES / "linreg.data.json").read_text())
    x = np.array(data["x"])
    u = np.array([0.1, 0.5, -0.2, np.log(0.7)])
    mu = post.deterministics(u)["mu"]
    assert np.allclose(mu, u[0] + u[1:3] @ x)
    first, again = post.generate(u, seed=5)["y_rep"], post.generate(u, seed=5)["y_rep"]
    assert np.array_equal(first, again) and not np.array_equal(first, post.generate(u, seed=6)["y_rep"])
    draws = np.array([post.generate(u, seed=seed)["y_rep"] for seed in range(4000)])
    # 4000 draws: the mean is within 5 standard errors of mu, the sd within 5%
    assert np.all(np.abs(draws.mean(axis=0) - mu) < 5 * 0.7 / np.sqrt(4000))
    assert np.allclose(draws.std(axis=0), 0.7, rtol=0.05)


def test_integer_draws_follow_their_distribution():
    post = ppl.model("data N: int\nparam p: real<lower=0, upper=1>\ngen k ~ Binomial(N, probs=p)\n"
                     "gen b ~ Bernoulli(logits=2.0)\ngen c ~ Poisson(log_rate=1.0)\n").condition({"N": 10})
    u = np.array([0.0])   # p = 0.5
    draws = [post.generate(u, seed=seed) for seed in range(3000)]
    k = np.array([d["k"] for d in draws])
    assert k.dtype.kind == "i" and abs(k.mean() - 5.0) < 0.15
    assert abs(np.mean([d["b"] for d in draws]) - 1 / (1 + np.exp(-2.0))) < 0.03
    assert abs(np.mean([d["c"] for d in draws]) - np.e) < 0.15


def test_flattened_param_names_and_log_prob_without_jacobian():
    import scipy.stats

    post = ppl.model("data y: real[3]\nparam mu: real\nparam sigma: real<lower=0>\nparam L: corr_cholesky[2]\n"
                     "mu ~ Normal(0, 1)\nsigma ~ Exponential(1)\ny ~ Normal(mu, sigma)\n"
                     "L ~ LKJCholesky(2, 1.0)\n").condition({"y": [0.1, -0.4, 1.2]})
    assert post.param_names == ("mu", "sigma", "L[0, 0]", "L[0, 1]", "L[1, 0]", "L[1, 1]")
    r = 0.3
    params = {"mu": 0.5, "sigma": 2.0, "L": [[1.0, 0.0], [r, np.sqrt(1 - r * r)]]}
    expected = (scipy.stats.norm(0, 1).logpdf(0.5) + scipy.stats.expon().logpdf(2.0)
                + scipy.stats.norm(0.5, 2.0).logpdf([0.1, -0.4, 1.2]).sum() - np.log(2.0))  # LKJ(1) on r: 1/2
    assert post.log_prob(params) == pytest.approx(expected, rel=1e-12)
    u = post.unconstrain(params)
    assert post.log_density(u) != pytest.approx(post.log_prob(params))   # that one has the Jacobian
