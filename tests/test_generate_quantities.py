"""generate_quantities: deterministics and `gen` on existing draws, bit-reproducible.

The oracles: `sample`'s own `gen` draws (the same per-draw seeds must give them back
exactly), NumPy's value of a deterministic at each draw under new data, and the
params themselves (kept exactly)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ppl

EXAMPLES = Path(__file__).parent.parent / "examples"
DATA = json.loads((EXAMPLES / "linreg.data.json").read_text())


@pytest.fixture(scope="module")
def linreg():
    return ppl.compile(EXAMPLES / "linreg.ppl")


@pytest.fixture(scope="module")
def fit(linreg):
    return linreg.sample(DATA, chains=2, warmup=150, draws=40, seed=11, progress=False)


def _regression_mean(w, x):
    """The model's `mu = w[0] + w[1:] @ x` at every draw, in NumPy."""
    return w[..., :1] + np.einsum("cdk,kn->cdn", w[..., 1:], np.asarray(x, dtype=float))


def test_the_fits_own_seeds_give_back_samples_gen_draws_exactly(linreg, fit):
    again = linreg.generate_quantities(fit, DATA)
    for name in ("w", "sigma", "mu", "y_rep"):
        assert np.array_equal(again[name], fit[name]), name
    assert again.kinds == fit.kinds and again.num_chains == 2 and again.num_draws == 40


def test_seeds_survive_save_and_load(linreg, fit, tmp_path):
    fit.save(tmp_path / "fit.npz")
    loaded = ppl.load_fit(tmp_path / "fit.npz")
    assert np.array_equal(loaded.gen_seeds, fit.gen_seeds)
    assert np.array_equal(linreg.generate_quantities(loaded, DATA)["y_rep"], fit["y_rep"])


def test_new_predictors_change_the_deterministics_as_numpy_computes_them(linreg, fit):
    x_new = (np.asarray(DATA["x"]) * 2.0 - 1.0)[:, :5]
    new_data = {"N": 5, "x": x_new.tolist(), "y": DATA["y"][:5]}
    generated = linreg.generate_quantities(fit, new_data, seed=2)
    assert np.array_equal(generated["w"], fit["w"]) and np.array_equal(generated["sigma"], fit["sigma"])
    np.testing.assert_allclose(generated["mu"], _regression_mean(fit["w"], x_new), rtol=1e-12, atol=1e-12)
    assert generated["y_rep"].shape == (2, 40, 5)
    # y_rep ~ Normal(mu, sigma): standardised, the draws look standard normal
    z = (generated["y_rep"] - generated["mu"]) / generated["sigma"][..., None]
    assert abs(z.mean()) < 0.15 and 0.85 < z.std() < 1.15


def test_a_dict_of_draws_with_a_seed_is_reproducible(linreg, fit):
    draws = {"w": fit["w"], "sigma": fit["sigma"]}
    first, again, other = (linreg.generate_quantities(draws, DATA, seed=seed) for seed in (5, 5, 6))
    assert np.array_equal(first["y_rep"], again["y_rep"])
    assert not np.array_equal(first["y_rep"], other["y_rep"])
    assert np.array_equal(first["sigma"], fit["sigma"])
    np.testing.assert_allclose(first["mu"], fit["mu"], rtol=1e-12, atol=1e-12)
    posterior = linreg.condition(DATA)
    lp = [[posterior.log_density(u) for u in chain] for chain in first.unconstrained]
    np.testing.assert_allclose(first.stats["lp"], lp)


def test_a_changed_gen_block_runs_on_the_old_fit(fit):
    text = (EXAMPLES / "linreg.ppl").read_text() + "gen scaled = 2 * sigma\n"
    changed = ppl.model(text)
    generated = changed.generate_quantities(fit, DATA)
    assert np.array_equal(generated["scaled"], 2 * fit["sigma"])
    assert generated.kinds["scaled"] == "generated"


def test_new_bounds_from_new_data_unconstrain_the_draws_again():
    text = "data low: real\nparam s: real<lower=low>\ns ~ Normal(low + 1, 1)\nshift = s - low\n"
    model = ppl.model(text)
    draws = {"s": np.array([[1.5, 2.0, 3.0]])}
    generated = model.generate_quantities(draws, {"low": 1.0}, seed=1)
    np.testing.assert_allclose(generated["shift"], [[0.5, 1.0, 2.0]])
    np.testing.assert_allclose(generated.unconstrained[..., 0], np.log([[0.5, 1.0, 2.0]]))


@pytest.mark.parametrize("draws, message", [
    (lambda fit: {"w": fit["w"]}, "have no values of param 'sigma'"),
    (lambda fit: {"w": fit["w"][..., :2], "sigma": fit["sigma"]}, "the draws of param 'w' have the wrong shape"),
    (lambda fit: {"w": fit["w"][:1], "sigma": fit["sigma"]}, "the draws of param 'sigma' are \\[2 chains"),
    (lambda fit: {"w": fit["w"], "sigma": fit["sigma"], "sigam": 1}, "did you mean 'sigma'"),
    (lambda fit: {"w": fit["w"], "sigma": fit["sigma"] * 0 - 1.0}, "chain 0, draw 0: param 'sigma' is outside"),
    (lambda fit: [fit["w"]], "needs a ppl.Fit or a dict of param draws"),
])
def test_draws_that_do_not_fit_the_model_are_clear_errors(linreg, fit, draws, message):
    with pytest.raises(ppl.DataError, match=message):
        linreg.generate_quantities(draws(fit), DATA)


def test_a_fit_of_another_model_is_a_clear_error(fit):
    other = ppl.model("data N: int\nparam w: real[3]\nparam tau: real<lower=0>\nw ~ Normal(0, tau)\n")
    with pytest.raises(ppl.DataError, match="the fit has draws of param 'sigma', which this model does not declare"):
        other.generate_quantities(fit, {"N": 1})
    reshaped = ppl.model("param w: real[2]\nparam sigma: real<lower=0>\nw ~ Normal(0, sigma)\n")
    with pytest.raises(ppl.DataError, match="wrong shape"):
        reshaped.generate_quantities(fit, {})


def test_cli_generate_on_a_saved_fit(fit, tmp_path):
    fit.save(tmp_path / "fit.npz")
    output = tmp_path / "generated.csv"
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "generate", str(EXAMPLES / "linreg.ppl"), "--fit",
                             str(tmp_path / "fit.npz"), "--data", str(EXAMPLES / "linreg.data.json"),
                             "--output", str(output)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "2 chains x 40 draws" in result.stdout and "the fit's own gen seeds" in result.stdout
    assert "y_rep[0]" in result.stdout and "mu[0]" in result.stdout
    assert np.array_equal(ppl.read_csv(output)["y_rep"], fit["y_rep"])
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    bad = subprocess.run([sys.executable, "-m", "ppl.cli", "generate", str(EXAMPLES / "linreg.ppl"), "--fit",
                          str(tmp_path / "other.csv"), "--data", str(EXAMPLES / "linreg.data.json")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "is not a fit saved by ppl" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_variational_prints_the_summary(tmp_path):
    output = tmp_path / "advi.csv"
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "variational", str(EXAMPLES / "linreg.ppl"), "--data",
                             str(EXAMPLES / "linreg.data.json"), "--seed", "1", "--draws", "200", "--output",
                             str(output)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ADVI meanfield, seed 1" in result.stdout and "sigma" in result.stdout
    fit = ppl.read_csv(output)
    assert fit["w"].shape == (1, 200, 3) and set(fit.stats) == {"lp", "log_q"}
    bad = subprocess.run([sys.executable, "-m", "ppl.cli", "variational", str(EXAMPLES / "linreg.ppl"), "--data",
                          str(EXAMPLES / "linreg.data.json"), "--iter", "0"], capture_output=True, text=True)
    assert bad.returncode == 1 and "iter must be an integer >= 1" in bad.stderr and "Traceback" not in bad.stderr


def test_a_model_without_params_generates_as_many_draws_as_the_fit_has():
    model = ppl.model("data N: int<lower=1>\ngen x ~ Normal(0, 1)\n")
    fit = model.sample({"N": 1}, chains=2, warmup=10, draws=5, seed=1, progress=False)
    assert np.array_equal(model.generate_quantities(fit, {"N": 1})["x"], fit["x"])
    assert model.generate_quantities(fit, {"N": 1}, seed=4)["x"].shape == (2, 5)
    with pytest.raises(ValueError, match="no params, so there is nothing to approximate"):
        model.variational({"N": 1})
