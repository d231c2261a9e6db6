"""ADVI (`variational`) against closed-form posteriors.

A Gaussian posterior is in both variational families, so the ELBO's optimum is the
posterior itself: for an iid normal with known noise and a normal prior on the mean,
the meanfield approximation's mean and sd are the conjugate posterior's.  A correlated
Gaussian checks fullrank (its covariance is the target's) and meanfield's known answer
there (the sds are 1 / sqrt of the precision's diagonal, sqrt(1 - rho^2) here).
Tolerances: with `grad_samples=20` and a fixed small eta the last iterate is within a
few hundredths of a posterior sd; Stan's defaults (one gradient draw, eta searched,
tol_rel_obj=0.01) stop after a few hundred iterations, noisier, within 0.5 sd.
"""

import warnings

import numpy as np
import pytest

import ppl
from ppl.inference.advi import VariationalWarning

IID_NORMAL = """
data N: int<lower=1>
data y: real[N]
data sigma: real<lower=0>
param mu: real
mu ~ Normal(0, 10)
y ~ Normal(mu, sigma)
gen y_new ~ Normal(mu, sigma)
"""

CORRELATED = """
data m: real[2]
data S: real[2, 2]
param x: real[2]
x ~ MVN(m, S)
"""
COVARIANCE = np.array([[1.0, 0.8], [0.8, 1.0]])


@pytest.fixture(scope="module")
def iid_normal():
    y = np.random.default_rng(1).normal(3.0, 2.0, 20)
    precision = 1 / 10.0 ** 2 + len(y) / 2.0 ** 2
    exact = {"mean": y.sum() / 2.0 ** 2 / precision, "sd": precision ** -0.5}
    return ppl.model(IID_NORMAL).condition({"N": len(y), "y": y, "sigma": 2.0}), exact


@pytest.fixture(scope="module")
def correlated():
    return ppl.model(CORRELATED).condition({"m": [1.0, -1.0], "S": COVARIANCE})


def _quiet_variational(posterior, **settings):
    """variational without its non-convergence warning (the fixed-iteration runs below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VariationalWarning)
        return posterior.variational(**settings)


@pytest.mark.parametrize("seed", [0, 1])
def test_meanfield_finds_the_conjugate_posterior_of_an_iid_normal(iid_normal, seed):
    posterior, exact = iid_normal
    fit = _quiet_variational(posterior, seed=seed, grad_samples=20, eta=0.1, iter=3000, tol_rel_obj=1e-4,
                             draws=2000)
    assert abs(fit.settings["mean"][0] - exact["mean"]) < 0.1 * exact["sd"]
    assert fit.settings["scale"][0] == pytest.approx(exact["sd"], rel=0.05)
    # the draws are from that normal: their mean and sd within sampling error of 2000 draws
    assert abs(fit["mu"].mean() - exact["mean"]) < 0.15 * exact["sd"]
    assert fit["mu"].std() == pytest.approx(exact["sd"], rel=0.08)
    assert fit["mu"].shape == (1, 2000) and fit["y_new"].shape == (1, 2000)


def test_stans_defaults_converge_near_the_posterior(iid_normal):
    posterior, exact = iid_normal
    with warnings.catch_warnings():
        warnings.simplefilter("error", VariationalWarning)   # converges: no warning
        fit = posterior.variational(seed=3)
    assert fit.converged and fit.settings["convergence"] in ("mean", "median")
    assert fit.eta in (100.0, 10.0, 1.0, 0.1, 0.01)
    assert abs(fit["mu"].mean() - exact["mean"]) < 0.5 * exact["sd"]
    assert fit["mu"].std() == pytest.approx(exact["sd"], rel=0.25)
    history = fit.elbo_history
    assert list(history) == ["iteration", "elbo", "relative_change_mean", "relative_change_median"]
    assert history["iteration"][-1] == fit.settings["iterations"]
    assert np.all(np.diff(history["iteration"]) == 100)
    assert history["relative_change_median"][-1] < 0.01 or history["relative_change_mean"][-1] < 0.01


def test_lp_and_log_q_are_the_model_and_the_approximations_densities(iid_normal):
    posterior, _ = iid_normal
    fit = _quiet_variational(posterior, seed=2, draws=50, iter=500)
    u = fit.unconstrained[0]
    lp = [posterior.log_density(row) for row in u]
    np.testing.assert_allclose(fit.stats["lp"][0], lp, rtol=1e-12)
    mean, sd = fit.settings["mean"][0], fit.settings["scale"][0]
    from scipy.stats import norm

    np.testing.assert_allclose(fit.stats["log_q"][0], norm.logpdf(u[:, 0], mean, sd), rtol=1e-10)


def test_fullrank_recovers_a_correlated_gaussians_covariance(correlated):
    fit = _quiet_variational(correlated, method="fullrank", seed=1, grad_samples=10, eta=0.1, iter=3000, draws=2000)
    factor = np.array(fit.settings["scale"])
    assert np.allclose(np.triu(factor, 1), 0.0)
    np.testing.assert_allclose(factor @ factor.T, COVARIANCE, atol=0.05)
    np.testing.assert_allclose(fit.settings["mean"], [1.0, -1.0], atol=0.05)
    np.testing.assert_allclose(np.cov(fit["x"][0].T), factor @ factor.T, atol=0.15)


def test_meanfield_on_a_correlated_gaussian_has_the_precisions_diagonal(correlated):
    fit = _quiet_variational(correlated, seed=1, grad_samples=10, eta=0.1, iter=3000, draws=100)
    precision_diagonal = np.diag(np.linalg.inv(COVARIANCE))
    np.testing.assert_allclose(np.square(fit.settings["scale"]), 1 / precision_diagonal, atol=0.03)


def test_a_seed_gives_the_same_fit(iid_normal):
    posterior, _ = iid_normal
    first, again, other = (_quiet_variational(posterior, seed=seed, iter=1000, draws=20) for seed in (7, 7, 8))
    assert np.array_equal(first["mu"], again["mu"]) and np.array_equal(first["y_new"], again["y_new"])
    assert first.elbo_history["elbo"].tolist() == again.elbo_history["elbo"].tolist()
    assert not np.array_equal(first["mu"], other["mu"])


def test_gen_of_an_advi_fit_comes_back_from_generate_quantities(iid_normal):
    posterior, _ = iid_normal
    fit = _quiet_variational(posterior, seed=4, iter=500, draws=30)
    again = posterior.generate_quantities(fit)
    assert np.array_equal(again["y_new"], fit["y_new"])


def test_hitting_iter_without_converging_warns(iid_normal):
    posterior, _ = iid_normal
    with pytest.warns(VariationalWarning, match="stopped at iter=200 iterations without convergence.*raise iter"):
        fit = posterior.variational(seed=1, iter=200, tol_rel_obj=1e-9, draws=10)
    assert not fit.converged and fit.settings["iterations"] == 200 and fit.settings["convergence"] is None


def test_a_diverging_run_says_so(iid_normal):
    posterior, _ = iid_normal
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = posterior.variational(seed=1, eta=1e6, iter=2000, draws=10)
    assert [str(w.message) for w in caught if w.category is not VariationalWarning] == []
    [warning] = [w for w in caught if w.category is VariationalWarning]
    assert "may be diverging; try a smaller eta" in str(warning.message)
    assert not fit.converged and fit.elbo_history["elbo"][-1] == -np.inf
    assert fit.settings["dropped_gradient_draws"] > 0


def test_diagnose_says_the_chain_checks_do_not_apply(iid_normal):
    posterior, _ = iid_normal
    fit = _quiet_variational(posterior, seed=5, iter=300, draws=10)
    assert "Not a sampler's draws (method 'variational')" in fit.diagnose()


def test_a_fit_saved_and_loaded_keeps_the_elbo_history(iid_normal, tmp_path):
    posterior, _ = iid_normal
    fit = _quiet_variational(posterior, seed=5, iter=300, draws=10)
    fit.save(tmp_path / "advi.npz")
    loaded = ppl.load_fit(tmp_path / "advi.npz")
    assert loaded.settings["elbo_history"] == fit.settings["elbo_history"]
    assert np.array_equal(loaded.gen_seeds, fit.gen_seeds)


@pytest.mark.parametrize("settings, message", [
    ({"method": "lowrank"}, "method must be one of 'meanfield', 'fullrank'"),
    ({"iter": 0}, "iter must be an integer >= 1"),
    ({"eta": -1.0}, "eta must be a positive number"),
    ({"tol_rel_obj": 0}, "tol_rel_obj must be a positive number"),
    ({"seed": -3}, "seed must be an integer in"),
])
def test_bad_settings_are_clear_errors(iid_normal, settings, message):
    posterior, _ = iid_normal
    with pytest.raises(ValueError, match=message):
        posterior.variational(**settings)


def test_a_misspelt_setting_names_the_closest_one():
    model = ppl.model(IID_NORMAL)
    with pytest.raises(TypeError, match="variational\\(\\) has no setting 'grad_sample'.*grad_samples"):
        model.variational({"N": 1, "y": [0.0], "sigma": 1.0}, grad_sample=3)


def test_an_init_outside_the_support_is_a_located_error():
    model = ppl.model("param s: real<lower=0>\ns ~ Gamma(2, 1)\ntarget += log(s - 1)\n")
    with pytest.raises(ppl.SamplingError, match="not finite at the given init"):
        model.variational({}, init={"s": 0.5}, seed=1)
