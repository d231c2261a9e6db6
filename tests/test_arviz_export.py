"""`fit.to_arviz()` with every group ArviZ reads, `fit.loo()` / `fit.waic()` against ArviZ and
NumPy computing them from the raw arrays, and `model.sample_prior_predictive`, whose draws are
checked against NumPy's draws from the same priors."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

import ppl

arviz = pytest.importorskip("arviz")

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="module")
def fit():
    return ppl.compile(EXAMPLES / "linreg.ppl").sample(EXAMPLES / "linreg.data.json", chains=2, warmup=200,
                                                     draws=200, seed=3, progress=False)


def test_groups_names_and_contents(fit):
    data = fit.to_arviz()
    assert set(data.groups()) == {"posterior", "posterior_predictive", "log_likelihood", "sample_stats",
                                  "observed_data", "constant_data"}
    assert set(data.posterior.data_vars) == {"w", "sigma", "mu"}
    assert set(data.sample_stats.data_vars) == {"lp", "acceptance_rate", "step_size", "tree_depth", "n_steps",
                                                "diverging", "energy"}
    np.testing.assert_array_equal(data.sample_stats["n_steps"].values, fit.stats["n_leapfrog"])
    # the log-likelihood is the compiled one, per observation, under the observed name and its dims
    assert data.log_likelihood["y"].dims == ("chain", "draw", "y_obs_dim_0")
    terms = fit.posterior.log_likelihood(fit.unconstrained)["y"]
    np.testing.assert_array_equal(data.log_likelihood["y"].values, terms)
    np.testing.assert_array_equal(fit.log_likelihood()["y"], terms)
    # `gen y_rep` is y's posterior predictive, indexed like the observed y
    assert data.posterior_predictive["y"].dims == ("chain", "draw", "y_obs_dim_0")
    np.testing.assert_array_equal(data.posterior_predictive["y"].values, fit["y_rep"])
    assert data.observed_data["y"].dims == ("y_obs_dim_0",)
    np.testing.assert_array_equal(data.observed_data["y"].values, fit.posterior.data["y"])
    assert set(data.constant_data.data_vars) == {"N", "x"}
    np.testing.assert_array_equal(data.constant_data["x"].values, fit.posterior.data["x"])


def test_loo_and_waic_match_arviz_and_numpy_on_the_raw_arrays(fit):
    terms = fit.posterior.log_likelihood(fit.unconstrained)["y"]
    # (ArviZ's LOO reads the posterior too: its relative efficiency comes from the draws' ESS)
    by_hand = arviz.from_dict(posterior={name: fit[name] for name in ("w", "sigma", "mu")},
                              log_likelihood={"y": terms})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ArviZ's WAIC variance warning, the same both ways
        loo, expected = fit.loo(), arviz.loo(by_hand)
        waic = fit.waic()
    assert loo.elpd_loo == pytest.approx(expected.elpd_loo, rel=1e-12)
    assert loo.p_loo == pytest.approx(expected.p_loo, rel=1e-12)
    # WAIC from its definition: sum over observations of log mean exp - variance across draws
    # (ArviZ's variance divides by the number of draws)
    pooled = terms.reshape(-1, terms.shape[-1])
    lppd = special.logsumexp(pooled, axis=0) - np.log(pooled.shape[0])
    assert waic.elpd_waic == pytest.approx(np.sum(lppd - pooled.var(axis=0)), rel=1e-10)
    # PSIS-LOO is close to exact here (k-hat small, 50 observations)
    assert loo.elpd_loo == pytest.approx(waic.elpd_waic, abs=1.0)


def test_loo_passes_arviz_pareto_warning_through():
    model = ppl.model("""
data y: real[5]
param mu: real
mu ~ Normal(0, 10)
y ~ Normal(mu, 0.1)
""")
    fit = model.sample({"y": [0.0, 0.01, -0.01, 0.02, 3.0]}, chains=1, warmup=100, draws=100, seed=2, progress=False)
    with pytest.warns(UserWarning, match="[Pp]areto"):
        loo = fit.loo(pointwise=True)
    assert loo.pareto_k.values[-1] > 0.7   # the outlier


def test_a_fit_read_from_a_file_takes_the_model_for_its_log_likelihood(fit, tmp_path):
    fit.save(tmp_path / "fit.npz")
    loaded = ppl.load_fit(tmp_path / "fit.npz")
    with pytest.raises(ValueError, match="model.condition"):
        loaded.log_likelihood()
    np.testing.assert_array_equal(loaded.log_likelihood(fit.posterior)["y"], fit.log_likelihood()["y"])
    # the data travel with the file: observed and constant data groups come back
    for group in ("observed_data", "constant_data"):
        saved, back = getattr(fit, group), getattr(loaded, group)
        assert set(back) == set(saved)
        for name in saved:
            np.testing.assert_array_equal(back[name], saved[name])
    again = loaded.to_arviz()
    np.testing.assert_array_equal(again.observed_data["y"].values, fit.posterior.data["y"])
    assert set(again.constant_data.data_vars) == {"N", "x"}


def test_a_model_without_observations_has_no_loo():
    fit = ppl.compile(EXAMPLES / "funnel.ppl").sample(EXAMPLES / "funnel.data.json", chains=1, warmup=50,
                                                      draws=20, seed=1, progress=False)
    assert "log_likelihood" not in fit.to_arviz().groups()
    with pytest.raises(ValueError, match="observes no data"):
        fit.loo()


def test_loo_of_a_model_observing_two_names_asks_which_and_then_matches_arviz():
    model = ppl.model("""
data x: real[6]
data y: real[4]
param mu: real
mu ~ Normal(0, 10)
x ~ Normal(mu, 1)
y ~ Normal(mu, 2)
""")
    fit = model.sample({"x": [0.1, -0.3, 0.5, 1.2, 0.0, -0.8], "y": [1.0, -2.0, 0.5, 3.0]}, chains=2, warmup=100,
                       draws=100, seed=3, progress=False)
    for method in (fit.loo, fit.waic):
        with pytest.raises(ValueError, match=r"observes 2 data names \(x, y\).*var_name='y'"):
            method()
    import arviz

    assert fit.loo(var_name="x").elpd_loo == pytest.approx(arviz.loo(fit.to_arviz(), var_name="x").elpd_loo,
                                                           rel=1e-12)


def test_warmup_groups(fit):
    model = ppl.compile(EXAMPLES / "linreg.ppl")
    warm = model.sample(EXAMPLES / "linreg.data.json", chains=1, warmup=40, draws=30, seed=1, progress=False,
                        save_warmup=True)
    data = warm.to_arviz()
    assert {"warmup_posterior", "warmup_posterior_predictive", "warmup_sample_stats"} <= set(data.groups())
    np.testing.assert_array_equal(data.warmup_posterior["w"].values, warm.warmup["w"])
    np.testing.assert_array_equal(data.warmup_posterior_predictive["y"].values, warm.warmup["y_rep"])


PRIOR_MODEL = """
data N: int<lower=1>
data y: real[N]
param theta: real[N]
param mu: real
param sigma: real<lower=0>
theta ~ Normal(mu, 1)
mu ~ Normal(1, 2)
sigma ~ Normal(0, 1)
y ~ Normal(theta, sigma)
gen y_pred ~ Normal(theta, sigma)
gen spread = sigma * 2
"""


def test_prior_predictive_draws_match_numpy_draws_from_the_same_priors():
    model = ppl.model(PRIOR_MODEL)
    prior = model.sample_prior_predictive({"N": 2, "y": [0.5, -0.5]}, draws=1000, seed=4)
    assert prior.method == "prior" and prior["theta"].shape == (1, 1000, 2)
    rng = np.random.default_rng(0)
    mu = rng.normal(1, 2, 20000)
    sigma = np.abs(rng.normal(0, 1, 20000))      # Normal(0, 1) truncated to sigma > 0 by its bounds
    theta = rng.normal(mu, 1)                     # drawn after mu, though declared first
    y_pred = rng.normal(theta, sigma)
    for name, reference in (("mu", mu), ("sigma", sigma), ("theta", theta), ("y_pred", y_pred)):
        drawn = prior[name].reshape(prior[name].shape[1], -1)[:, 0]
        assert stats.ks_2samp(drawn, reference).pvalue > 1e-3, name
    np.testing.assert_allclose(prior["spread"], 2 * prior["sigma"])
    # the same seed, the same draws
    again = model.sample_prior_predictive({"N": 2, "y": [0.5, -0.5]}, draws=1000, seed=4)
    np.testing.assert_array_equal(again["theta"], prior["theta"])


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")
def test_prior_groups_alone_and_beside_the_posterior():
    model = ppl.model(PRIOR_MODEL)
    data = {"N": 2, "y": [0.5, -0.5]}
    prior = model.sample_prior_predictive(data, draws=50, seed=1)
    alone = prior.to_arviz()
    assert set(alone.groups()) == {"prior", "prior_predictive", "observed_data", "constant_data"}
    assert set(alone.prior.data_vars) == {"theta", "mu", "sigma", "spread"}
    np.testing.assert_array_equal(alone.prior_predictive["y"].values, prior["y_pred"])
    fit = model.sample(data, chains=1, warmup=100, draws=50, seed=1, progress=False)
    both = fit.to_arviz(prior=prior)
    assert {"posterior", "log_likelihood", "prior", "prior_predictive"} <= set(both.groups())
    np.testing.assert_array_equal(both.prior["mu"].values, prior["mu"])
    with pytest.raises(ValueError, match="sample_prior_predictive"):
        fit.to_arviz(prior=fit)


@pytest.mark.parametrize("prior_of_s, extra, line, message", [
    ("s ~ Exponential(1)", "target += -0.5 * mu ** 2", 6, "target +="),
    ("s ~ Exponential(1)", "log(s) ~ Normal(0, 1)", 6, "whole param"),
    ("s ~ Exponential(1)", "mu ~ Normal(0, 2)", 6, "second `~`"),
    ("", "", 3, "no `~` statement"),
])
def test_priors_it_cannot_draw_from_are_located_errors(prior_of_s, extra, line, message):
    text = f"""data y: real
param mu: real
param s: real<lower=0>
mu ~ Normal(0, 1)
{prior_of_s}
{extra}
y ~ Normal(mu, s)
"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the linter's word on `log(s) ~`
        model = ppl.model(text)
        with pytest.raises(ppl.ModelNotSupportedError, match=re.escape(message)) as caught:
            model.sample_prior_predictive({"y": 0.3}, draws=5)
    assert f":{line}:" in str(caught.value)


GALLERY = sorted(path.stem for path in EXAMPLES.glob("*.ppl"))
WITHOUT_OBSERVATIONS = {"funnel", "tight_gaussian"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in GALLERY if name not in WITHOUT_OBSERVATIONS])
def test_loo_on_every_gallery_model_with_observations(name):
    model = ppl.compile(EXAMPLES / f"{name}.ppl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # short runs: divergences, Pareto k-hat
        fit = model.sample(EXAMPLES / f"{name}.data.json", chains=2, warmup=200, draws=200, seed=1, progress=False)
        terms = fit.log_likelihood()
        # one LOO per observed name (a model observing several, e.g. Lotka-Volterra's y_init and y,
        # says whose observations to leave out)
        loos = {observed: fit.loo(pointwise=True, **({"var_name": observed} if len(terms) > 1 else {}))
                for observed in terms}
    for observed, values in terms.items():
        loo = loos[observed]
        assert loo.n_data_points == int(np.prod(values.shape[2:])) and np.isfinite(loo.elpd_loo)
        # elpd_loo is at most the in-sample log pointwise predictive density (LOO cannot predict better)
        pooled = values.reshape(400, -1)
        lppd = np.sum(special.logsumexp(pooled, axis=0) - np.log(400))
        assert loo.elpd_loo <= lppd + 1e-9


def test_the_gallery_list_of_models_without_observations_is_true():
    for name in WITHOUT_OBSERVATIONS:
        posterior = ppl.compile(EXAMPLES / f"{name}.ppl").condition(EXAMPLES / f"{name}.data.json")
        assert posterior.observed_shapes == {}
