"""metric="auto", the default: Stan's diagonal warmup, a chain switching to nutpie's low
rank after a slow window whose trees saturate.  Oracles: metric="diag" itself (a chain
that never switches must make its draws bit for bit), the closed-form moments of a
Gaussian, and metric="diag"'s tree depths and ESS on the same posterior."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl.diagnostics import ess_bulk
from ppl.results.fit import SamplerWarning
from ppl.sampling import chain
from ppl.sampling.run import AUTO_ESCALATION

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

GAUSSIAN = """
data Sigma: real[3, 3]
param x: real[3]
x ~ MultivariateNormalFullCovariance(zeros(3), Sigma)
"""
RHO = -0.99999   # a diagonal metric's trees reach depth 10 on about a third of the draws
TIGHT = dict(chains=2, warmup=300, draws=200, seed=1, progress=False)


@pytest.fixture(scope="module")
def linreg():
    return ppl.compile(str(EXAMPLES / "linreg.ppl")).condition(str(EXAMPLES / "linreg.data.json"))


@pytest.fixture(scope="module")
def tight_gaussian():
    sigma = np.array([[1.0, RHO, 0.0], [RHO, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return ppl.model(GAUSSIAN).condition({"Sigma": sigma})


@pytest.fixture(scope="module")
def tight_fits(tight_gaussian):
    with pytest.warns(SamplerWarning, match="maximum tree depth"):   # the diagonal's, on purpose
        diag = tight_gaussian.sample(metric="diag", **TIGHT)
    auto = tight_gaussian.sample(**TIGHT)
    return auto, diag


def test_auto_without_saturation_is_diag_bit_for_bit(linreg):
    settings = dict(chains=2, warmup=200, draws=100, seed=11, progress=False, save_warmup=True, thin=3)
    auto = linreg.sample(**settings)
    diag = linreg.sample(metric="diag", **settings)
    assert auto.settings["metric"] == "auto" and auto.settings["escalated_at"] == [-1, -1]
    for name in diag.names("param"):
        assert np.array_equal(auto[name], diag[name])
        assert np.array_equal(auto.warmup[name], diag.warmup[name])
    for name in diag.stats:
        assert np.array_equal(auto.stats[name], diag.stats[name])
    assert np.array_equal(auto.step_size, diag.step_size)
    assert np.array_equal(auto.inverse_metric, diag.inverse_metric)


def test_auto_escalates_on_a_tight_gaussian_and_beats_the_diagonal(tight_fits):
    auto, diag = tight_fits
    escalated_at = auto.settings["escalated_at"]
    # after a slow window of Stan's schedule (300 iterations: the windows end at 99, 149, 249)
    assert all(at in (100, 150, 250) for at in escalated_at), escalated_at
    assert auto.inverse_metric.shape == (2, 3, 3)
    auto_depth = np.mean(auto.stats["tree_depth"] >= 10)
    diag_depth = np.mean(diag.stats["tree_depth"] >= 10)
    assert auto_depth <= 0.05 and diag_depth >= 0.2, (auto_depth, diag_depth)

    def ess_per_gradient(fit):
        return np.min(np.asarray(ess_bulk(fit["x"]), dtype=float)) / np.sum(fit.stats["n_leapfrog"])

    assert ess_per_gradient(auto) > 20 * ess_per_gradient(diag)
    # and the draws are right: mean 0, sd 1 in every coordinate, within 5 Monte Carlo errors
    ess = np.asarray(ess_bulk(auto["x"]), dtype=float)
    flat = auto["x"].reshape(-1, 3)
    assert np.all(np.abs(flat.mean(axis=0)) < 5 / np.sqrt(ess))
    assert np.all(np.abs(flat.std(axis=0) - 1.0) < 5 / np.sqrt(2 * ess))


def test_the_metric_estimated_after_escalating_follows_the_correlation(tight_fits):
    auto, _ = tight_fits
    for matrix in auto.inverse_metric:   # near the covariance: the long diagonal direction is kept
        long_direction = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
        short_direction = np.array([1.0, 1.0, 0.0]) / np.sqrt(2.0)
        assert long_direction @ matrix @ long_direction > 100 * (short_direction @ matrix @ short_direction)


def test_escalated_warmup_rows_are_saved_and_thinned_in_step(tight_gaussian):
    fit = tight_gaussian.sample(chains=1, warmup=300, draws=20, seed=2, progress=False, save_warmup=True, thin=7)
    (at,) = fit.settings["escalated_at"]
    assert at > 0
    assert fit.warmup["x"].shape == (1, (300 + 6) // 7, 3)
    # every row was written (a step size is never 0), before and after the switch
    assert np.all(fit.warmup_stats["step_size"] > 0)


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")   # short runs, on purpose
def test_static_hmc_and_a_named_adaptation_keep_the_diagonal(linreg):
    quick = dict(chains=1, warmup=100, draws=50, seed=4, progress=False)
    hmc = linreg.sample(method="hmc", **quick)
    assert np.array_equal(hmc["w"], linreg.sample(method="hmc", metric="diag", **quick)["w"])
    assert "escalated_at" not in hmc.settings
    fisher = linreg.sample(adaptation="fisher", **quick)
    assert fisher.settings["metric"] == "diag" and fisher.settings["adaptation"] == "fisher"
    assert np.array_equal(fisher["w"], linreg.sample(metric="diag", adaptation="fisher", **quick)["w"])
    with pytest.raises(ValueError, match="adaptation must be one of 'stan', 'fisher'"):
        linreg.sample(metric="auto", adaptation="windows", **quick)
    with pytest.raises(ValueError, match="metric must be one of 'auto', 'diag', 'dense', 'low_rank', 'unit'"):
        linreg.sample(metric="automatic", **quick)


def test_threshold_setting_and_its_off_switch():
    assert 0.0 < AUTO_ESCALATION < 1.0
    assert "escalate_depth_share" in chain.ChainSettings._fields
    assert len(chain.ChainSettings._fields) == len(chain.CHAIN_SETTINGS.types)


def test_the_tree_depth_advice_names_the_low_rank_only_for_chains_that_kept_the_diagonal():
    from ppl.results.report import low_rank_advice

    assert "low_rank" in low_rank_advice({"metric": "diag"})
    assert low_rank_advice({"metric": "auto", "escalated_at": [100, 150]}) == ""
    assert "1 of 2 chains kept the diagonal" in low_rank_advice({"metric": "auto", "escalated_at": [100, -1]})
    assert low_rank_advice({"metric": "low_rank"}) == ""


def test_escalation_is_in_the_arviz_sample_stats(tight_fits):
    pytest.importorskip("arviz")
    auto, _ = tight_fits
    data = auto.to_arviz()
    stats = data["sample_stats"]
    assert list(stats.attrs["escalated_at"]) == auto.settings["escalated_at"]


def test_cli_metric_auto(tmp_path):
    output = tmp_path / "draws.csv"
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "sample", str(EXAMPLES / "linreg.ppl"), "--data",
                             str(EXAMPLES / "linreg.data.json"), "--metric", "auto", "--chains", "1", "--warmup",
                             "100", "--draws", "50", "--seed", "3", "--no-progress", "--output", str(output)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    fit = ppl.read_csv(output)
    assert fit.settings["metric"] == "auto" and fit.settings["escalated_at"] == [-1]
