"""The pointwise log-likelihood (codegen/log_likelihood.py): each observation's term, checked
element by element against scipy.stats, and summed against the model's own log density with
its priors taken out."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

import ppl
from codegen import ir
from codegen.log_likelihood import observed_name

EXAMPLES = Path(__file__).parent.parent / "examples"
DRAWS = 3


def gallery(name):
    model = ppl.compile(EXAMPLES / f"{name}.ppl")
    data = json.loads((EXAMPLES / f"{name}.data.json").read_text())
    return model, data, model.condition(data)


def at_random_draws(posterior, count=DRAWS, seed=1):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(count, posterior.dim))


def terms_by_draw(posterior, oracle):
    """Each draw's log-likelihood, and the oracle's, at the same constrained params."""
    unconstrained = at_random_draws(posterior)
    computed = posterior.log_likelihood(unconstrained)
    for k, u in enumerate(unconstrained):
        params = posterior.constrain(u)
        expected = oracle(params)
        assert set(computed) == set(expected)
        for name, values in expected.items():
            np.testing.assert_allclose(computed[name][k], values, rtol=1e-10, atol=1e-10)


def test_linreg():
    _, data, posterior = gallery("linreg")
    x, y = np.array(data["x"]), np.array(data["y"])
    terms_by_draw(posterior, lambda p: {"y": stats.norm.logpdf(y, p["w"][0] + p["w"][1:] @ x, p["sigma"])})


def test_logistic_regression():
    _, data, posterior = gallery("logistic_regression")
    X, y = np.array(data["X"]), np.array(data["y"])
    terms_by_draw(posterior, lambda p: {"y": stats.bernoulli.logpmf(y, special.expit(p["alpha"] + X @ p["beta"]))})


def test_eight_schools():
    _, data, posterior = gallery("eight_schools_centered")
    y, sigma = np.array(data["y"]), np.array(data["sigma"])
    terms_by_draw(posterior, lambda p: {"y": stats.norm.logpdf(y, p["theta"], sigma)})


def test_zero_inflated_counts():
    _, data, posterior = gallery("zero_inflated_counts")
    x, y = np.array(data["x"]), np.array(data["y"])

    def oracle(p):
        rate, gate = np.exp(p["alpha"] + p["beta"] * x), p["gate"]
        counts = np.log1p(-gate) + stats.poisson.logpmf(y, rate)
        return {"y": np.where(y == 0, np.logaddexp(np.log(gate), counts), counts)}

    terms_by_draw(posterior, oracle)


def test_correlated_mvn_one_term_per_event():
    _, data, posterior = gallery("correlated_mvn")
    Y = np.array(data["Y"])

    def oracle(p):
        scale = np.diag(p["sigma"]) @ p["L"]
        return {"Y": stats.multivariate_normal.logpdf(Y, p["mu"], scale @ scale.T)}

    assert posterior.observed_shapes == {"Y": (Y.shape[0],)}
    terms_by_draw(posterior, oracle)


def test_normal_mixture():
    _, data, posterior = gallery("normal_mixture")
    y = np.array(data["y"])

    def oracle(p):
        components = np.log(p["weights"]) + stats.norm.logpdf(y[:, None], p["mu"], p["sigma"])
        return {"y": special.logsumexp(components, axis=1)}

    terms_by_draw(posterior, oracle)


def test_ar_k_loop_elements_no_statement_observes_are_zero():
    _, data, posterior = gallery("ar_k")
    K, y = data["K"], np.array(data["y"])

    def oracle(p):
        terms = np.zeros_like(y)
        for t in range(K, len(y)):
            terms[t] = stats.norm.logpdf(y[t], p["alpha"] + p["beta"] @ y[t - K:t], p["sigma"])
        return {"y": terms}

    terms_by_draw(posterior, oracle)


POISSON_LOOP = """
data N: int<lower=1>
data x: real[N]
data y: int<lower=0>[N]
data K: int<lower=1>
data Y: real[N, K]
data z: real[N]
param a: real
param b: real
param mu: real[K]
param L: cov_cholesky[K]
param s: real<lower=0>
a ~ Normal(0, 1)
b ~ Normal(0, 1)
mu ~ Normal(0, 1)
s ~ HalfNormal(1)
for i in range(N):
    y[i] ~ Poisson(exp(a + b * x[i]))
    Y[i] ~ MVNTriL(mu, L)
z[0] ~ Normal(0, 10)
z[1:] ~ Normal(a + z[:-1], s) T[-5, 5]
z[1] ~ Normal(b, 1)
"""


def test_loops_indexed_events_truncation_and_statements_that_share_elements():
    rng = np.random.default_rng(2)
    N, K = 7, 3
    data = {"N": N, "x": rng.normal(size=N), "y": rng.poisson(2.0, size=N), "K": K,
            "Y": rng.normal(size=(N, K)), "z": rng.uniform(-2, 2, size=N)}
    posterior = ppl.model(POISSON_LOOP).condition(data)

    def oracle(p):
        z = data["z"]
        truncated = stats.truncnorm.logpdf(z[1:], (-5 - p["a"] - z[:-1]) / p["s"], (5 - p["a"] - z[:-1]) / p["s"],
                                           p["a"] + z[:-1], p["s"])
        z_terms = np.concatenate([[stats.norm.logpdf(z[0], 0, 10)], truncated])
        z_terms[1] += stats.norm.logpdf(z[1], p["b"], 1)   # two statements on z[1]: their terms add
        return {"y": stats.poisson.logpmf(data["y"], np.exp(p["a"] + p["b"] * data["x"])),
                "Y": stats.multivariate_normal.logpdf(data["Y"], p["mu"], p["L"] @ p["L"].T),
                "z": z_terms}

    terms_by_draw(posterior, oracle)


def without_priors(model_text: str, program) -> str:
    """The model's text with every `~` that is not an observation deleted: its log density is
    then the log-likelihood alone (and what else the model adds to the target)."""
    lines = model_text.splitlines()
    for statement in ir.walk_statements(program.statements):
        if isinstance(statement, ir.SampleStatement) and statement.stage != "gen" and not observed_name(statement):
            for line in range(statement.span.line, statement.span.end_line + 1):
                lines[line - 1] = ""
    return "\n".join(lines)


# each case compiles a second model (cold: 5-20 s): four in the default run, the rest with -m slow
SUMMED_QUICK = ["linreg", "correlated_mvn", "normal_mixture", "ar_k"]
SUMMED_SLOW = ["logistic_regression", "eight_schools_centered", "zero_inflated_counts", "garch11", "ordinal_regression",
               "dirichlet_simplex", "radon_hierarchical", "gp_regression"]


@pytest.mark.parametrize("name", SUMMED_QUICK + [pytest.param(name, marks=pytest.mark.slow) for name in SUMMED_SLOW])
def test_terms_sum_to_the_log_density_of_the_model_without_its_priors(name):
    model, data, posterior = gallery(name)
    likelihood_only = ppl.model(without_priors(model.source.text, model.ir)).condition(data)
    unconstrained = at_random_draws(posterior)
    terms = posterior.log_likelihood(unconstrained)
    for k, u in enumerate(unconstrained):
        total = sum(float(np.sum(values[k])) for values in terms.values())
        assert total == pytest.approx(likelihood_only.log_prob(posterior.constrain(u)), rel=1e-9, abs=1e-9)


def test_leading_axes_of_the_draws_are_kept_and_checked():
    _, _, posterior = gallery("eight_schools_centered")
    unconstrained = np.random.default_rng(3).normal(size=(2, 4, posterior.dim))
    terms = posterior.log_likelihood(unconstrained)
    assert terms["y"].shape == (2, 4, 8)
    np.testing.assert_array_equal(terms["y"][1, 2], posterior.log_likelihood(unconstrained[1, 2])["y"])
    with pytest.raises(ValueError, match=f"{posterior.dim} unconstrained coordinates"):
        posterior.log_likelihood(np.zeros((3, posterior.dim + 1)))


def test_a_statement_it_cannot_split_is_a_located_error_and_the_model_still_samples():
    model = ppl.model("""
data N: int<lower=1>
data idx: int<lower=0, upper=N - 1>[N]
data y: real[N]
param mu: real
mu ~ Normal(0, 1)
y[idx] ~ Normal(mu, 1)
""")
    data = {"N": 3, "idx": [2, 0, 1], "y": [0.1, -0.3, 0.2]}
    posterior = model.condition(data)
    with pytest.raises(ppl.ModelNotSupportedError, match="gather") as caught:
        posterior.log_likelihood(np.zeros((1, 1)))
    assert "7 | y[idx] ~ Normal(mu, 1)" in str(caught.value)
    fit = model.sample(data, chains=1, warmup=50, draws=20, seed=1, progress=False)
    assert fit["mu"].shape == (1, 20)


def test_names_observed_per_element_and_per_event_are_refused():
    model = ppl.model("""
data Y: real[2, 2]
param mu: real[2]
mu ~ Normal(0, 1)
Y ~ MVNTriL(mu, eye(2))
Y[0, 0] ~ Normal(mu[0], 1)
""")
    posterior = model.condition({"Y": [[0.0, 1.0], [1.0, 0.0]]})
    with pytest.raises(ppl.ModelNotSupportedError, match="observed both per element and per event"):
        posterior.log_likelihood(np.zeros(2))
