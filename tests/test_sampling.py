"""End-to-end sampling against analytical posteriors, and the sampler's contract:
reproducibility, shapes, settings, errors and warnings."""

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ppl
from ppl.results.fit import SamplerWarning

EXAMPLES = Path(__file__).parent.parent / "examples"

NORMAL_MEAN = """
data N: int<lower=1>
data y: real[N]
param mu: real
mu ~ Normal(0, 10)
y ~ Normal(mu, 2)
"""


def _normal_mean_posterior(y):
    precision = 1 / 100 + len(y) / 4
    return np.sum(y) / 4 / precision, math.sqrt(1 / precision)


@pytest.fixture(scope="module")
def normal_mean():
    y = np.random.default_rng(0).normal(1.5, 2.0, size=20)
    return ppl.model(NORMAL_MEAN, "normal_mean.ppl").condition({"N": 20, "y": y}), y


def _within_monte_carlo_error(draws, mean, sd, ess_floor=400):
    """|draw mean - mean| within 5 standard errors for an ESS of at least ess_floor."""
    return abs(np.mean(draws) - mean) < 5 * sd / math.sqrt(ess_floor)


def test_nuts_recovers_a_normal_mean(normal_mean):
    posterior, y = normal_mean
    fit = posterior.sample(seed=3, progress=False)
    mean, sd = _normal_mean_posterior(y)
    assert fit["mu"].shape == (4, 1000)
    assert _within_monte_carlo_error(fit["mu"], mean, sd)
    assert abs(np.std(fit["mu"]) / sd - 1) < 0.1
    assert 0.6 < fit.stats["accept_stat"].mean() < 0.99
    assert not fit.stats["diverging"].any()


def test_static_hmc_recovers_a_normal_mean(normal_mean):
    posterior, y = normal_mean
    fit = posterior.sample(seed=4, method="hmc", num_leapfrog_steps=5, progress=False)
    mean, sd = _normal_mean_posterior(y)
    assert _within_monte_carlo_error(fit["mu"], mean, sd, ess_floor=200)
    assert abs(np.std(fit["mu"]) / sd - 1) < 0.15
    assert (fit.stats["n_leapfrog"] == 5).all()
    assert (fit.stats["tree_depth"] == 0).all()


def test_positive_constraint_gamma_poisson_conjugate():
    model = ppl.model("""
data N: int<lower=1>
data y: int<lower=0>[N]
param rate: real<lower=0>
rate ~ Gamma(3, 2)
y ~ Poisson(rate)
""")
    y = np.array([4, 2, 5, 3, 6, 1, 3, 4])
    fit = model.sample({"N": len(y), "y": y}, seed=5, progress=False)
    exact = stats.gamma(3 + y.sum(), scale=1 / (2 + len(y)))
    assert _within_monte_carlo_error(fit["rate"], exact.mean(), exact.std())
    assert abs(np.std(fit["rate"]) / exact.std() - 1) < 0.1
    assert abs(np.quantile(fit["rate"], 0.95) - exact.ppf(0.95)) < 0.1 * exact.std() * 5


def test_simplex_dirichlet_categorical_conjugate():
    model = ppl.compile(EXAMPLES / "dirichlet_simplex.ppl")
    data = model.check_data(EXAMPLES / "dirichlet_simplex.data.json").values
    fit = model.sample(EXAMPLES / "dirichlet_simplex.data.json", seed=6, progress=False)
    counts = np.bincount(np.asarray(data["y"]), minlength=int(data["K"]))
    concentration = np.asarray(data["alpha"], dtype=float) + counts
    exact_mean = concentration / concentration.sum()
    exact_sd = np.sqrt(exact_mean * (1 - exact_mean) / (concentration.sum() + 1))
    theta = fit["theta"].reshape(-1, len(concentration))
    np.testing.assert_allclose(theta.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(np.abs(theta.mean(axis=0) - exact_mean) < 5 * exact_sd / math.sqrt(400))
    assert np.all(np.abs(theta.std(axis=0) / exact_sd - 1) < 0.1)


CORRELATED = """
data mu: real[2]
data Sigma: real[2, 2]
param x: real[2]
x ~ MVN(mu, Sigma)
"""


@pytest.mark.parametrize("metric", ["diag", "dense"])
def test_correlated_gaussian_and_the_adapted_metric(metric):
    covariance = np.array([[4.0, 1.9 * 0.98], [1.9 * 0.98, 0.9025]])
    posterior = ppl.model(CORRELATED).condition({"mu": [1.0, -2.0], "Sigma": covariance})
    fit = posterior.sample(seed=7, metric=metric, progress=False)
    x = fit["x"].reshape(-1, 2)
    assert np.all(np.abs(x.mean(axis=0) - [1.0, -2.0]) < 5 * np.sqrt(np.diag(covariance)) / math.sqrt(200))
    np.testing.assert_allclose(np.cov(x.T), covariance, rtol=0.15, atol=0.05)
    if metric == "dense":   # the adapted inverse metric estimates the covariance
        assert fit.inverse_metric.shape == (4, 2, 2)
        np.testing.assert_allclose(fit.inverse_metric.mean(axis=0), covariance, rtol=0.3, atol=0.05)
        assert fit.stats["n_leapfrog"].mean() < 8   # a dense metric makes the target isotropic
    else:
        assert fit.inverse_metric.shape == (4, 2)
        np.testing.assert_allclose(fit.inverse_metric.mean(axis=0), np.diag(covariance), rtol=0.3)


def test_same_seed_same_draws_whatever_the_number_of_cores():
    posterior = ppl.compile(EXAMPLES / "linreg.ppl").condition(EXAMPLES / "linreg.data.json")
    one = posterior.sample(seed=11, warmup=200, draws=200, cores=1, progress=False)
    many = posterior.sample(seed=11, warmup=200, draws=200, cores=4, progress=False)
    for name in ("w", "sigma", "mu", "y_rep"):
        assert np.array_equal(one[name], many[name])
    for name in one.stats:
        assert np.array_equal(one.stats[name], many.stats[name])
    other = posterior.sample(seed=12, warmup=200, draws=200, progress=False)
    assert not np.array_equal(one["w"], other["w"])
    assert not np.array_equal(one["w"][0], one["w"][1])      # chains have their own streams


def test_fit_shapes_stats_warmup_thinning_and_timing():
    posterior = ppl.compile(EXAMPLES / "linreg.ppl").condition(EXAMPLES / "linreg.data.json")
    fit = posterior.sample(chains=3, warmup=150, draws=101, thin=2, save_warmup=True, seed=1, progress=False)
    n = posterior.sizes["N"]
    assert fit["w"].shape == (3, 51, 3)
    assert fit["sigma"].shape == (3, 51)
    assert fit["mu"].shape == (3, 51, n)
    assert fit["y_rep"].shape == (3, 51, n)
    assert fit.kinds == {"w": "param", "sigma": "param", "mu": "deterministic", "y_rep": "generated"}
    assert set(fit.stats) == {"accept_stat", "step_size", "tree_depth", "n_leapfrog", "diverging", "energy", "lp"}
    assert all(value.shape == (3, 51) for value in fit.stats.values())
    assert fit.stats["diverging"].dtype == bool and fit.stats["tree_depth"].dtype == np.int64
    assert fit.warmup["w"].shape == (3, 75, 3)
    assert fit.warmup_stats["step_size"].std() > 0      # the step size moved during warmup
    assert np.all(fit.stats["step_size"] == fit.step_size[:, None])   # and is fixed afterwards
    # mu is the deterministic w[0] + w[1:] @ x, computed per draw
    x = np.asarray(posterior.model.check_data(EXAMPLES / "linreg.data.json").values["x"])
    w = fit["w"]
    np.testing.assert_allclose(fit["mu"], w[..., :1] + np.einsum("cdk,kn->cdn", w[..., 1:], x), atol=1e-12)
    # lp is the unconstrained log density at the draw
    u = fit.unconstrained[1, 7]
    assert fit.stats["lp"][1, 7] == pytest.approx(posterior.log_density(u), rel=1e-12)
    assert fit.timing["warmup_seconds"].shape == (3,) and (fit.timing["sampling_seconds"] > 0).all()
    assert (fit.timing["gradient_evaluations"] >= fit.stats["n_leapfrog"].sum(axis=1)).all()
    with pytest.raises(KeyError, match="did you mean 'sigma'"):
        fit["sigam"]


def test_user_inits_are_validated_against_the_constraints():
    posterior = ppl.compile(EXAMPLES / "linreg.ppl").condition(EXAMPLES / "linreg.data.json")
    with pytest.raises(ppl.DataError, match="sigma") as caught:
        posterior.sample(init={"w": [0.0, 0.0, 0.0], "sigma": -1.0}, progress=False)
    assert caught.value.line == 9
    fit = posterior.sample(init={"w": [0.1, 0.2, 0.3], "sigma": 1.5}, warmup=0, draws=1, chains=1,
                           progress=False, seed=1)
    assert fit["w"].shape == (1, 1, 3)
    with pytest.raises(ValueError, match="list of 2"):
        posterior.sample(chains=2, init=[{"w": [0, 0, 0], "sigma": 1.0}], progress=False)


def test_a_model_with_no_finite_start_names_the_statement():
    model = ppl.model("param x: real\nx ~ Normal(0, 1)\ntarget += log(-exp(x))\n", "broken.ppl")
    with pytest.raises(ppl.SamplingError) as caught:
        model.sample({}, progress=False, seed=1)
    error = caught.value
    assert error.line == 3 and error.column == 1
    assert "no initial point with a finite log density" in str(error) and "100 tries" in str(error)
    assert "broken.ppl:3:1" in str(error) and "^" in str(error)


def test_divergences_are_counted_and_warned_about():
    model = ppl.compile(EXAMPLES / "eight_schools_centered.ppl")
    with pytest.warns(SamplerWarning, match="divergence"):
        fit = model.sample(EXAMPLES / "eight_schools_centered.data.json", seed=2, progress=False)
    assert fit.num_divergent > 0
    assert fit.num_divergent == int(fit.stats["diverging"].sum())


@pytest.mark.parametrize("settings, phrase", [
    ({"chains": 0}, "chains must be an integer >= 1"),
    ({"draws": 2.5}, "draws must be an integer"),
    ({"method": "slice"}, "method must be one of"),
    ({"metric": "full"}, "metric must be one of"),
    ({"target_accept": 1.0}, "target_accept must be"),
    ({"step_size": -0.1}, "step_size must be a positive number"),
    ({"num_leapfrog_steps": 10}, "method='hmc' only"),
    ({"method": "hmc", "num_leapfrog_steps": 0}, "num_leapfrog_steps must be an integer >= 1"),
    ({"max_treedepth": 0}, "max_treedepth must be"),
])
def test_bad_settings_are_refused(normal_mean, settings, phrase):
    posterior, _ = normal_mean
    with pytest.raises(ValueError, match=phrase):
        posterior.sample(progress=False, **settings)


def test_csv_and_npz_round_trips(tmp_path, normal_mean):
    posterior = ppl.compile(EXAMPLES / "linreg.ppl").condition(EXAMPLES / "linreg.data.json")
    fit = posterior.sample(chains=2, warmup=100, draws=50, seed=1, progress=False, save_warmup=True)
    fit.to_csv(tmp_path / "draws.csv")
    back = ppl.read_csv(tmp_path / "draws.csv")
    fit.save(tmp_path / "fit.npz")
    loaded = ppl.load_fit(tmp_path / "fit.npz")
    for other in (back, loaded):
        assert list(other.keys()) == list(fit.keys()) and other.kinds == fit.kinds
        for name in fit.keys():
            assert np.array_equal(other[name], fit[name])
        for name in fit.stats:
            assert np.array_equal(other.stats[name], fit.stats[name]) and other.stats[name].dtype == fit.stats[name].dtype
        assert other.seed == fit.seed and other.settings == fit.settings
    assert np.array_equal(loaded.warmup["w"], fit.warmup["w"])
    assert np.array_equal(loaded.inverse_metric, fit.inverse_metric)
    assert loaded.provenance["model_text"] == posterior.model.source.text
    assert loaded.provenance["data_hash"] == fit.provenance["data_hash"]
    header = (tmp_path / "draws.csv").read_text().splitlines()[1]
    assert header.startswith("chain__,draw__,accept_stat__") and '"mu[0]"' not in header and "mu[0]" in header


SAVED_KINDS = """
data N: int<lower=1>
data y: int<lower=0>[N]
param rate: real<lower=0>
param L: real<lower=0>[2, 2]
param s: simplex[3]
scaled = rate * L                 # a matrix deterministic
positive = rate > 1               # a comparison: saved as 0/1
rate ~ Gamma(2, 1)
L ~ Gamma(2, 2)
y ~ Poisson(rate)
s ~ Dirichlet([1, 2, 3])
gen y_rep ~ Poisson(rate * ones(N))   # int draws
gen twice = 2 * s                 # real vector, computed
gen first = s[0]                  # real scalar
"""


def test_the_fit_assembled_in_one_native_call_equals_the_per_draw_functions():
    # Fit.from_chains fills every saved quantity of every draw in one call of the model's
    # saved_draws; the posterior's per-draw constrain/deterministics are the oracle
    posterior = ppl.model(SAVED_KINDS, "saved_kinds.ppl").condition({"N": 4, "y": [1, 0, 3, 2]})
    fit = posterior.sample(chains=2, warmup=50, draws=30, save_warmup=True, seed=3, progress=False)
    assert [name for name in fit] == ["rate", "L", "s", "scaled", "positive", "y_rep", "twice", "first"]
    for chain, draw in [(0, 0), (1, 17), (1, 29)]:
        u = fit.unconstrained[chain, draw]
        expected = {**posterior.constrain(u), **posterior.deterministics(u)}
        for name, value in expected.items():
            np.testing.assert_array_equal(fit[name][chain, draw], value)
        np.testing.assert_array_equal(fit["twice"][chain, draw], 2 * fit["s"][chain, draw])
        assert fit["first"][chain, draw] == fit["s"][chain, draw, 0]
    assert fit["L"].shape == (2, 30, 2, 2) and fit["scaled"].shape == (2, 30, 2, 2)
    assert fit["rate"].shape == fit["first"].shape == fit["positive"].shape == (2, 30)
    assert fit["y_rep"].shape == (2, 30, 4) and fit["y_rep"].dtype == np.int64
    assert fit["positive"].dtype == np.float64 and set(np.unique(fit["positive"])) <= {0.0, 1.0}
    np.testing.assert_array_equal(fit["positive"], (fit["rate"] > 1).astype(float))
    assert fit.warmup["y_rep"].shape == (2, 50, 4) and fit.warmup["L"].shape == (2, 50, 2, 2)
    np.testing.assert_array_equal(fit.warmup["scaled"], fit.warmup["rate"][..., None, None] * fit.warmup["L"])


def test_a_model_with_only_generated_quantities():
    model = ppl.model("data mu: real\ngen y ~ Normal(mu, 1)\n", "gen_only.ppl")
    fit = model.sample({"mu": 2.0}, seed=1, progress=False, draws=500, warmup=100)
    assert fit.names("param") == [] and fit["y"].shape == (4, 500)
    assert abs(fit["y"].mean() - 2.0) < 0.15 and abs(fit["y"].std() - 1.0) < 0.1


def test_constructs_the_compiler_cannot_emit_yet_are_located_errors():
    model = ppl.model("param x: real[3]\nx ~ Normal(0, 1)\n"
                      "m = MixtureSameFamily(Categorical(probs=[0.5, 0.5]), Normal([0.0, 1.0], 1.0)).log_prob(x[0])\n",
                      "mixture.ppl")
    with pytest.raises(ppl.ModelNotSupportedError) as caught:
        model.condition({})
    error = str(caught.value)
    assert caught.value.line == 3 and "mixture.ppl:3:1" in error and "cannot emit this yet" in error
    gen = ppl.model("param x: real\nx ~ Normal(0, 1)\n"
                    "gen z ~ MixtureSameFamily(Categorical(probs=[0.5, 0.5]),\n"
                    "    MVNDiag([[0.0, 1.0], [1.0, 0.0]], [1.0, 1.0]))\n",
                    "gen_mixture.ppl")
    posterior = gen.condition({})
    with pytest.raises(ppl.ModelNotSupportedError) as caught:
        posterior.sample(progress=False)
    assert caught.value.line == 3 and "drawing from MixtureSameFamily" in str(caught.value)
