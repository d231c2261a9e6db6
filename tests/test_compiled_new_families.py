"""The families of issue #11 item 5 compiled from the language: the generated log density
against scipy (the value of `post.log_prob` at constrained params, without the Jacobian) and
its gradient against finite differences; StudentT's degrees of freedom as a vector; a support
that starts at a parameter (Pareto's scale) under the checker's and the binder's rules."""

import numpy as np
import pytest

import ppl
from gradient_checks import check_gradient
from ppl.errors import DataError, ModelError

special = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")

N = 6
RNG = np.random.default_rng(0)
DATA = {"N": N, "y": np.round(RNG.normal(0, 1, N).clip(-2.9, 3.9), 3), "k": [0, 1, 0, 3, 7, 2],
        "u": np.round(RNG.uniform(0.05, 0.95, N), 3), "o": [0, 1, 2, 3, 3, 0]}

SCALAR_FAMILIES = """
data N: int
data y: real[N]
data k: int[N]
data u: real[N]
data o: int[N]
param mu: real
param s: real<lower=0>
param a: real
param kappa: real<lower=0>
param m: real<lower=0>
param phi: real<lower=0>
param g: real<lower=0, upper=1>
param p: real<lower=0, upper=1>
param nu: real<lower=0>[N]
param c: ordered[3]
param lo: real<lower=0.5>
below = -1e300 * 1e300
y ~ Gumbel(mu, s)
y ~ VonMises(mu, kappa)
y ~ SkewNormal(mu, s, a)
y ~ TruncatedNormal(mu, s, -3.0, 4.0)
y ~ TruncatedNormal(mu, s, below, 4.0)
y ~ StudentT(nu, mu, s)
u ~ Kumaraswamy(kappa, m)
u ~ LogitNormal(mu, s)
k ~ Geometric(probs=p)
k ~ Geometric(logits=a)
k ~ NegativeBinomial2(m, phi)
k ~ ZeroInflatedPoisson(m, g)
k ~ ZeroInflatedNegativeBinomial2(m, phi, g)
k ~ HurdlePoisson(m, g)
k ~ HurdleNegativeBinomial2(m, phi, g)
o ~ OrderedLogistic(c, mu)
o ~ OrderedProbit(c, a)
lo ~ Pareto(kappa, 0.5)
target += Pareto(kappa, lo).log_prob(3.0)
"""


def _ordered(cdf, cutpoints, loc, y):
    edges = np.concatenate([[-np.inf], cutpoints, [np.inf]])
    y = np.asarray(y)
    return np.sum(np.log(cdf(edges[y + 1] - loc) - cdf(edges[y] - loc)))


def _nb2(k, mean, phi):
    return stats.nbinom.logpmf(k, phi, phi / (mean + phi))


def scalar_families_reference(p):
    y, k, u = DATA["y"], np.asarray(DATA["k"]), DATA["u"]
    mu, s, a, kappa, m, phi, g, prob = (p[name] for name in ("mu", "s", "a", "kappa", "m", "phi", "g", "p"))
    zero = k == 0
    total = (stats.gumbel_r.logpdf(y, mu, s).sum() + stats.vonmises.logpdf(y, kappa, loc=mu).sum()
             + stats.skewnorm.logpdf(y, a, mu, s).sum()
             + stats.truncnorm.logpdf(y, (-3 - mu) / s, (4 - mu) / s, mu, s).sum()
             + stats.truncnorm.logpdf(y, -np.inf, (4 - mu) / s, mu, s).sum()
             + stats.t.logpdf(y, p["nu"], mu, s).sum()
             + np.sum(np.log(kappa * m) + (kappa - 1) * np.log(u) + (m - 1) * np.log1p(-u ** kappa))
             + np.sum(stats.norm.logpdf(special.logit(u), mu, s) - np.log(u * (1 - u)))
             + stats.geom.logpmf(k + 1, prob).sum() + stats.geom.logpmf(k + 1, special.expit(a)).sum()
             + _nb2(k, m, phi).sum()
             + np.sum(np.where(zero, np.log(g + (1 - g) * np.exp(-m)), np.log1p(-g) + stats.poisson.logpmf(k, m)))
             + np.sum(np.where(zero, np.log(g + (1 - g) * np.exp(_nb2(0, m, phi))), np.log1p(-g) + _nb2(k, m, phi)))
             + np.sum(np.where(zero, np.log(g), np.log1p(-g) + stats.poisson.logpmf(k, m) - np.log1p(-np.exp(-m))))
             + np.sum(np.where(zero, np.log(g), np.log1p(-g) + _nb2(k, m, phi) - np.log1p(-np.exp(_nb2(0, m, phi)))))
             + _ordered(special.expit, p["c"], mu, DATA["o"]) + _ordered(stats.norm.cdf, p["c"], a, DATA["o"])
             + stats.pareto.logpdf(p["lo"], kappa, scale=0.5) + stats.pareto.logpdf(3.0, kappa, scale=p["lo"]))
    return total


def test_new_families_compile_match_scipy_and_their_gradients_finite_differences():
    post = ppl.model(SCALAR_FAMILIES, "new_families.ppl").condition(DATA)
    rng = np.random.default_rng(1)
    for _ in range(3):
        u = rng.uniform(-1.0, 1.0, size=post.dim)
        params = post.constrain(u)
        assert post.log_prob(params) == pytest.approx(scalar_families_reference(params), rel=1e-9, abs=1e-9)
        check_gradient(post, u)


def test_student_t_takes_a_vector_of_degrees_of_freedom():
    text = ("data N: int\ndata y: real[N]\nparam nu: real<lower=1>[N]\nparam mu: real\n"
            "y ~ StudentT(nu, mu, 1.5)\nnu ~ Gamma(2, 0.1)\n")
    post = ppl.model(text, "student_df.ppl").condition({"N": N, "y": DATA["y"]})
    u = np.random.default_rng(2).uniform(-1.0, 1.0, size=post.dim)
    params = post.constrain(u)
    assert params["nu"].shape == (N,)
    expected = (stats.t.logpdf(DATA["y"], params["nu"], params["mu"], 1.5).sum()
                + stats.gamma.logpdf(params["nu"], 2, scale=10.0).sum())
    assert post.log_prob(params) == pytest.approx(expected, rel=1e-10)
    check_gradient(post, u)


def test_a_pareto_param_is_declared_from_its_scale_up():
    with pytest.raises(ModelError, match="lower=0.5"):
        ppl.model("param x: real<lower=0>\nx ~ Pareto(2.0, 0.5)\n", "pareto_param.ppl")


def test_a_count_below_a_pareto_scale_is_a_data_error():
    model = ppl.model("data N: int\ndata x: real[N]\nparam a: real<lower=0>\nx ~ Pareto(a, 1.0)\n", "pareto_data.ppl")
    with pytest.raises(DataError, match="outside the support"):
        model.condition({"N": 2, "x": [2.0, 0.5]})


def test_an_ordinal_outcome_above_the_number_of_cutpoints_is_a_data_error():
    model = ppl.model("data N: int\ndata y: int[N]\nparam c: ordered[2]\ny ~ OrderedLogistic(c, 0.0)\n",
                      "ordinal_data.ppl")
    model.condition({"N": 3, "y": [0, 1, 2]})
    with pytest.raises(DataError, match=r"y\[1\] = 3 is outside the support \{0, 1, 2\} \(2 cutpoints\)") as caught:
        model.condition({"N": 3, "y": [0, 3, 2]})
    assert "subtract 1 from 1-based ratings" in caught.value.hint
