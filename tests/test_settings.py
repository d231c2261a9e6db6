"""Sampler settings do what docs/sampling.md and docs/api.md say: save_warmup and thin never
change the draws, a step size given with warmup=0 is used as given, seeds are integers in
[0, 2**63), init names params (with a did-you-mean) and holds numbers."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import ppl
from ppl import cli
from ppl.errors import DataError

TEXT = """\
data N: int
data y: real[N]
param mu: real
param sigma: real<lower=0>
param w: real[2]
twice_mu = 2 * mu
mu ~ Normal(0, 1)
sigma ~ HalfNormal(1)
w ~ Normal(0, 1)
y ~ Normal(mu + w[0] - w[1], sigma)
gen y_rep ~ Normal(mu, sigma)
"""
DATA = {"N": 4, "y": [0.1, -0.3, 0.5, 0.2]}
pytestmark = pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")   # short runs diverge

QUICK = dict(chains=2, warmup=60, draws=40, progress=False)


@pytest.fixture(scope="module")
def posterior():
    return ppl.model(TEXT).condition(DATA)


def assert_same_draws(first, second):
    for name in ("mu", "sigma", "w", "twice_mu", "y_rep"):
        assert np.array_equal(first[name], second[name]), name
    for name, values in first.stats.items():
        assert np.array_equal(values, second.stats[name], equal_nan=True), name


# --------------------------------------------------------------------------------------
# save_warmup and thin

@pytest.mark.parametrize("method, metric", [("nuts", "diag"), ("nuts", "dense"), ("hmc", "diag")])
def test_save_warmup_never_changes_the_draws(posterior, method, metric):
    without = posterior.sample(seed=11, method=method, metric=metric, **QUICK)
    with_warmup = posterior.sample(seed=11, method=method, metric=metric, save_warmup=True, **QUICK)
    assert_same_draws(without, with_warmup)
    assert with_warmup.warmup["mu"].shape == (2, 60)


def test_save_warmup_with_thinning_never_changes_the_draws(posterior):
    without = posterior.sample(seed=5, thin=3, **QUICK)
    with_warmup = posterior.sample(seed=5, thin=3, save_warmup=True, **QUICK)
    assert_same_draws(without, with_warmup)


def test_thinning_keeps_every_kth_draw_of_the_same_run(posterior):
    every = posterior.sample(seed=9, **QUICK)
    thinned = posterior.sample(seed=9, thin=4, **QUICK)
    for name in ("mu", "sigma", "w", "twice_mu", "y_rep"):
        assert np.array_equal(thinned[name], every[name][:, ::4]), name


def test_save_warmup_must_be_a_bool(posterior):
    with pytest.raises(ValueError, match="save_warmup must be True or False"):
        posterior.sample(seed=1, save_warmup="yes", **QUICK)


# --------------------------------------------------------------------------------------
# step_size

@pytest.mark.parametrize("method", ["nuts", "hmc"])
@pytest.mark.parametrize("step_size", [1e6, 0.123, 1e-9])
def test_a_step_size_given_with_no_warmup_is_used_as_given(posterior, method, step_size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # divergences at 1e6, tree depth at 1e-9
        fit = posterior.sample(chains=2, warmup=0, draws=10, seed=3, step_size=step_size, method=method,
                               progress=False)
    assert np.all(fit.stats["step_size"] == step_size)
    assert np.all(np.asarray(fit.step_size) == step_size)


def test_without_a_step_size_and_no_warmup_the_heuristic_picks_one(posterior):
    fit = posterior.sample(chains=1, warmup=0, draws=5, seed=3, progress=False)
    assert np.all(fit.stats["step_size"] > 0) and np.all(fit.stats["step_size"] != 1.0)


def test_a_step_size_given_with_warmup_is_the_initial_one_and_adapted(posterior):
    fit = posterior.sample(seed=3, step_size=1e-3, **QUICK)
    assert np.all(fit.stats["step_size"] != 1e-3)


@pytest.mark.parametrize("step_size", [True, 0, -1.0, float("inf"), float("nan"), "0.1"])
def test_a_bad_step_size_is_refused(posterior, step_size):
    with pytest.raises(ValueError, match="step_size must be a positive number"):
        posterior.sample(seed=1, step_size=step_size, **QUICK)


# --------------------------------------------------------------------------------------
# seeds

@pytest.mark.parametrize("seed", [True, False, np.bool_(True), 1.0, np.float64(2.0), 2.5, -1, np.int64(-3), 2 ** 63,
                                  np.uint64(2 ** 63), 2 ** 64, "3", [1], (1, 2)],
                         ids=lambda seed: f"{type(seed).__name__}-{seed!r}")
def test_a_seed_outside_the_integers_in_0_to_2_63_is_refused(posterior, seed):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\)"):
        posterior.sample(seed=seed, **QUICK)


@pytest.mark.parametrize("seed", [0, 1, 2 ** 63 - 1, np.int64(7), np.uint64(7), np.int32(7)])
def test_integer_seeds_are_accepted_and_recorded(posterior, seed):
    fit = posterior.sample(seed=seed, chains=1, warmup=10, draws=5, progress=False)
    assert fit.seed == int(seed) and type(fit.seed) is int


def test_numpy_and_python_integer_seeds_give_the_same_draws(posterior):
    assert_same_draws(posterior.sample(seed=7, **QUICK), posterior.sample(seed=np.int64(7), **QUICK))


# --------------------------------------------------------------------------------------
# init

GOOD_INIT = {"mu": 0.1, "sigma": 1.0, "w": [0.0, 0.5]}


def test_an_unknown_init_name_is_an_error_with_a_did_you_mean(posterior):
    with pytest.raises(DataError, match="'sigam' is not a param of this model") as caught:
        posterior.sample(seed=1, init={"mu": 0.1, "sigam": 1.0, "w": [0.0, 0.5]}, **QUICK)
    assert caught.value.hint == "did you mean 'sigma'?"


def test_an_unknown_init_name_without_a_close_one_lists_the_params(posterior):
    with pytest.raises(DataError, match="'zzz' is not a param") as caught:
        posterior.sample(seed=1, init={**GOOD_INIT, "zzz": 1.0}, **QUICK)
    assert caught.value.hint == "the params are 'mu', 'sigma', 'w'"


@pytest.mark.parametrize("name, what, line", [("N", "data", 1), ("twice_mu", "a deterministic quantity", 6),
                                              ("y_rep", "a generated quantity", 11)])
def test_an_init_name_that_is_not_a_param_says_what_it_is(posterior, name, what, line):
    with pytest.raises(DataError, match=f"'{name}' is {what}, not a param") as caught:
        posterior.sample(seed=1, init={**GOOD_INIT, name: 1.0}, **QUICK)
    assert caught.value.line == line


def test_an_unknown_name_in_one_chains_init_is_an_error(posterior):
    with pytest.raises(DataError, match="'Mu' is not a param") as caught:
        posterior.sample(seed=1, init=[GOOD_INIT, {"Mu": 0.1, "sigma": 1.0, "w": [0.0, 0.5]}], **QUICK)
    assert caught.value.hint == "did you mean 'mu'?"


@pytest.mark.parametrize("name, value", [("mu", "abc"), ("mu", True), ("mu", None), ("mu", 1j), ("mu", {"a": 1}),
                                         ("sigma", np.bool_(False)), ("w", [1.0, "a"]), ("w", [True, False]),
                                         ("w", [[1.0], [2.0, 3.0]]), ("w", np.array([1, 2], dtype=object).astype(str))],
                         ids=lambda value: repr(value)[:20])
def test_a_non_numeric_init_value_names_the_param(posterior, name, value):
    with pytest.raises(DataError, match=f"the value given for param '{name}' is not numbers") as caught:
        posterior.sample(seed=1, init={**GOOD_INIT, name: value}, **QUICK)
    assert "found:" in str(caught.value)


@pytest.mark.parametrize("value", [[0, 1], np.array([0, 1], dtype=np.int32), np.array([0.0, 1.0], dtype=object),
                                   (0.25, 1)])
def test_numeric_init_values_of_any_numeric_type_are_accepted(posterior, value):
    fit = posterior.sample(seed=1, init={**GOOD_INIT, "w": value}, chains=1, warmup=0, draws=1, progress=False,
                           step_size=1e-12)
    np.testing.assert_allclose(fit["w"][0, 0], np.asarray(value, dtype=float), atol=1e-6)


def test_log_prob_checks_param_names_too(posterior):
    with pytest.raises(DataError, match="did you mean 'sigma'"):
        posterior.log_prob({"mu": 0.1, "sigmaa": 1.0, "w": [0.0, 0.5]})


def test_init_must_be_dicts(posterior):
    with pytest.raises(ValueError, match="init must be a dict"):
        posterior.sample(seed=1, init=[1.0, 2.0], **QUICK)


# --------------------------------------------------------------------------------------
# Model.sample and the command line

def test_a_misspelt_setting_is_a_type_error_with_a_did_you_mean():
    model = ppl.model(TEXT)
    with pytest.raises(TypeError, match="sample\\(\\) has no setting 'seeed': did you mean 'seed'\\?"):
        model.sample(DATA, seeed=1)
    with pytest.raises(TypeError, match="has no setting 'colour': the settings are chains, warmup"):
        model.sample(DATA, colour="red")


@pytest.mark.parametrize("seed", ["-1", str(2 ** 63)])
def test_a_bad_seed_on_the_command_line_is_one_message(tmp_path, capsys, seed):
    model = tmp_path / "settings.ppl"
    model.write_text(TEXT)
    data = tmp_path / "settings.data.json"
    data.write_text(json.dumps(DATA))
    code = cli.main(["sample", str(model), "--data", str(data), "--seed", seed, "--no-progress", "--warmup", "10",
                     "--draws", "10"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.strip() == f"ppl sample: seed must be an integer in [0, 2**63), not {seed} " \
                                   "(leave it out for a random one)"
    assert "Traceback" not in captured.err


def test_a_float_seed_on_the_command_line_is_a_usage_error(tmp_path, capsys):
    model = tmp_path / "settings.ppl"
    model.write_text(TEXT)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sample", str(model), "--seed", "1.5"])
    assert exit_.value.code == 2
    assert "argument --seed: invalid int value: '1.5'" in capsys.readouterr().err
