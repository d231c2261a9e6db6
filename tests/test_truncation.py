"""Stan's truncation `y ~ D(...) T[low, high]`, against scipy and analytical answers.

The compiled log density is log p(y) - log P(low <= Y <= high) inside the bounds and -inf
outside (scipy.stats.truncnorm is the oracle for the normal, closed forms for the others); its
gradient is finite differences'; a truncated model sampled matches its posterior computed on a
grid; `gen` draws stay inside the bounds with the truncated law; misuse is a located error.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import ppl
from codegen import parse, unparse
from ppl.errors import Source
from tests.gradient_checks import check_gradient


def _truncated_normal(y, mu, sigma, low=-np.inf, high=np.inf):
    return st.truncnorm((low - mu) / sigma, (high - mu) / sigma, loc=mu, scale=sigma).logpdf(y)


NORMAL = """
data N: int
data y: real[N]
data low: real
param mu: real
param sigma: real<lower=0>
y ~ Normal(mu, sigma) T[low, mu + 3]
y[0] ~ Normal(mu, sigma) T[low, ]
y ~ Normal(mu, sigma) T[, 5]
"""


@pytest.fixture(scope="module")
def normal_posterior():
    y = np.array([0.2, -0.4, 1.5, 2.0])
    return ppl.model(NORMAL).condition({"N": 4, "y": y, "low": -1.0}), y


def _normal_reference(y, mu, sigma, low=-1.0):
    return (_truncated_normal(y, mu, sigma, low, mu + 3).sum() + _truncated_normal(y[0], mu, sigma, low)
            + _truncated_normal(y, mu, sigma, high=5.0).sum())


@pytest.mark.parametrize("mu, sigma", [(0.3, 1.3), (-0.5, 0.3), (1.0, 0.05), (-0.9, 2.0)])
def test_truncated_normal_matches_scipy_and_finite_differences(normal_posterior, mu, sigma):
    """Both bounds (the upper one a param's function), a lower bound alone, an upper bound alone;
    at mu = 1, sigma = 0.05 the interval [-1, 4] holds all the mass and y = -0.4 is 28 sds away."""
    posterior, y = normal_posterior
    assert posterior.log_prob({"mu": mu, "sigma": sigma}) == pytest.approx(_normal_reference(y, mu, sigma), rel=1e-11)
    check_gradient(posterior, posterior.unconstrain({"mu": mu, "sigma": sigma}))


def test_values_outside_the_bounds_have_no_density(normal_posterior):
    posterior, _ = normal_posterior
    assert posterior.log_prob({"mu": -3.0, "sigma": 1.0}) == -np.inf     # 2.0 > mu + 3 = 0
    outside = ppl.model("data y: real\nparam mu: real\ny ~ Normal(mu, 1) T[0, 1]\n").condition({"y": 1.5})
    assert outside.log_density(np.array([0.0])) == -np.inf


@pytest.mark.parametrize("low, high, y", [(10.0, 12.0, 10.5), (-12.0, -10.0, -11.9), (8.0, None, 8.1),
                                          (None, -30.0, -31.0)])
def test_tail_intervals_keep_their_digits(low, high, y):
    """An interval far in either tail: the normaliser comes from the survival functions in the
    upper tail and the cdfs in the lower one, so it is not log(1 - 1) there."""
    bounds = f"{'' if low is None else low}, {'' if high is None else high}"
    posterior = ppl.model(f"data y: real\nparam mu: real\ny ~ Normal(mu, 1) T[{bounds}]\n").condition({"y": y})
    expected = _truncated_normal(y, 0.0, 1.0, -np.inf if low is None else low, np.inf if high is None else high)
    assert np.isfinite(expected)
    assert posterior.log_density(np.array([0.0])) == pytest.approx(expected, rel=1e-10)
    check_gradient(posterior, np.array([0.2]))


def test_other_families_against_closed_forms():
    model = ppl.model("""
data t: real[3]
param rate: real<lower=0>
param k: real<lower=0>
t ~ Exponential(rate) T[0.5, 4]
t ~ Weibull(k, 2) T[, 6]
t ~ Cauchy(0, k) T[-1, ]
""")
    t = np.array([0.7, 1.9, 3.5])
    posterior = model.condition({"t": t})
    rate, k = 1.3, 1.8
    exponential = st.expon(scale=1 / rate)
    weibull = st.weibull_min(k, scale=2.0)
    cauchy = st.cauchy(0, k)
    expected = ((exponential.logpdf(t) - np.log(exponential.cdf(4) - exponential.cdf(0.5))).sum()
                + (weibull.logpdf(t) - weibull.logcdf(6)).sum() + (cauchy.logpdf(t) - cauchy.logsf(-1)).sum())
    assert posterior.log_prob({"rate": rate, "k": k}) == pytest.approx(expected, rel=1e-11)
    check_gradient(posterior, posterior.unconstrain({"rate": rate, "k": k}))


@pytest.mark.parametrize("bounds, y", [("T[1, 1]", 1), ("T[0, 0]", 0), ("T[1, ]", 1), ("T[, 0]", 0)])
def test_a_discrete_lower_bound_is_inclusive(bounds, y):
    """P(Y >= low) is S(low - 1), as Stan: a Bernoulli truncated to one value has log density 0
    there (with S(low) instead, T[1, ] would divide by P(Y > 1) = 0)."""
    posterior = ppl.model(f"data y: int\nparam p: real<lower=0, upper=1>\ny ~ Bernoulli(probs=p) {bounds}\n") \
        .condition({"y": y})
    assert posterior.log_prob({"p": 0.3}) == pytest.approx(0.0, abs=1e-15)


def test_zero_truncated_and_interval_truncated_poisson():
    """Counts truncated to [1, inf) (the zero-truncated Poisson: log p(y) - log(1 - e^-rate)) and to
    [2, 5] (log p(y) - log(F(5) - F(1)), the lower bound inclusive)."""
    model = ppl.model("""
data y: int[4]
data z: int[3]
param rate: real<lower=0>
y ~ Poisson(rate) T[1, ]
z ~ Poisson(rate) T[2, 5]
""")
    y, z = np.array([1, 3, 2, 6]), np.array([2, 5, 4])
    posterior = model.condition({"y": y, "z": z})
    rate = 2.7
    poisson = st.poisson(rate)
    expected = ((poisson.logpmf(y) - np.log1p(-np.exp(-rate))).sum()
                + (poisson.logpmf(z) - np.log(poisson.cdf(5) - poisson.cdf(1))).sum())
    assert posterior.log_prob({"rate": rate}) == pytest.approx(expected, rel=1e-12)
    check_gradient(posterior, posterior.unconstrain({"rate": rate}))


def test_a_bound_broadcasts_into_the_batch():
    posterior = ppl.model("""
data y: real[3]
data low: real[3]
param mu: real
y ~ Normal(mu, 1) T[low, ]
""").condition({"y": [0.5, 1.0, 2.5], "low": [0.0, 0.5, 2.0]})
    expected = _truncated_normal(np.array([0.5, 1.0, 2.5]), 0.4, 1.0, np.array([0.0, 0.5, 2.0])).sum()
    assert posterior.log_prob({"mu": 0.4}) == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow   # ~18 s of sampling: the densities themselves are checked above
def test_a_truncated_model_samples_its_posterior():
    """y from a normal truncated below at 0 with unknown mean: the posterior of mu on a grid
    (prior Normal(0, 5), the truncated likelihood from scipy) is the reference."""
    rng = np.random.default_rng(7)
    y = st.truncnorm(-0.5 / 1.0, np.inf, loc=0.5, scale=1.0).rvs(30, random_state=rng)
    model = ppl.model("""
data N: int
data y: real[N]
param mu: real
mu ~ Normal(0, 5)
y ~ Normal(mu, 1) T[0, ]
""")
    fit = model.sample({"N": len(y), "y": y}, seed=2, progress=False)
    grid = np.linspace(-6, 4, 20001)
    log_posterior = st.norm(0, 5).logpdf(grid) + np.array([_truncated_normal(y, mu, 1.0, 0.0).sum() for mu in grid])
    weights = np.exp(log_posterior - log_posterior.max())
    weights /= weights.sum()
    mean = np.sum(weights * grid)
    sd = np.sqrt(np.sum(weights * (grid - mean) ** 2))
    draws = fit["mu"].ravel()
    assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(400)
    assert abs(draws.std() / sd - 1) < 0.1


def test_gen_draws_stay_inside_with_the_truncated_law():
    model = ppl.model("""
param mu: real
mu ~ Normal(0, 0.01)
gen a ~ Normal(1, 2) T[0, ]
gen b ~ Normal([0, 1], 1) T[-1, 0.5]
""")
    fit = model.sample({}, chains=2, warmup=100, draws=1500, seed=3, progress=False)
    a, b = fit["a"].ravel(), fit["b"].reshape(-1, 2)
    assert a.min() >= 0 and b.min() >= -1 and b.max() <= 0.5
    assert st.kstest(a, st.truncnorm(-0.5, np.inf, loc=1, scale=2).cdf).pvalue > 1e-3
    for column, loc in ((0, 0.0), (1, 1.0)):
        law = st.truncnorm(-1 - loc, 0.5 - loc, loc=loc, scale=1)
        assert st.kstest(b[:, column], law.cdf).pvalue > 1e-3


def test_truncation_prints_back_in_the_dumps():
    source = "param mu: real\nmu ~ Normal(0, 1) T[-1, ]\nmu ~ Normal(0, 1) T[, mu + 1]\n"
    text = unparse.program_text(parse.parse(Source(source, "<string>")))
    assert "mu ~ Normal(0, 1) T[-1, ]" in text and "T[, mu + 1]" in text
    assert "T[-1, ]" in ppl.model(source).show("ir")


@pytest.mark.parametrize("source, line, column, phrase", [
    ("param mu: real\nmu ~ Normal(0, 1) T[0]\n", 2, 22, "`T[...]` takes a lower and an upper bound"),
    ("param mu: real<lower=0, upper=1>\nmu ~ Kumaraswamy(2, 1) T[0, 0.5]\n", 2, 24,
     "`T[...]` needs a cdf, and Kumaraswamy has none"),
    ("param mu: real[3]\nmu ~ MVNDiag(mu, mu) T[0, 1]\n", 2, 22, "has events of shape [3]"),
    ("param mu: real[3]\nmu ~ Normal(0, 1) T[[0, 1], ]\n", 2, 21, "does not fit the statement's batch shape [3]"),
    ("param mu: real\nmu ~ Normal(0, 1) T[, ]\n", 2, 19, "`T[, ]` gives no bound"),
    ("data y: int\nparam p: real<lower=0, upper=1>\ny ~ Bernoulli(p) T[0.5, ]\n", 3, 20, "must be an int"),
    ("param p: real<lower=0, upper=1>\ngen z ~ Bernoulli(probs=p) T[0, 1]\n", 2, 28, "family over integers"),
])
def test_misuse_is_a_located_error(source, line, column, phrase):
    with pytest.raises(ppl.ModelError) as info:
        ppl.model(source)
    assert phrase in str(info.value)
    assert (info.value.span.line, info.value.span.column) == (line, column)
