"""What a fit gives to other tools: ArviZ's InferenceData and matplotlib figures,
and the summary table's contents."""

from pathlib import Path

import numpy as np
import pytest

import ppl

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="module")
def fit():
    model = ppl.compile(EXAMPLES / "linreg.ppl")
    return model.sample(EXAMPLES / "linreg.data.json", chains=2, warmup=200, draws=150, seed=3,
                        save_warmup=True, progress=False)


def test_to_arviz_groups_names_and_dims(fit):
    arviz = pytest.importorskip("arviz")
    data = fit.to_arviz()
    assert isinstance(data, arviz.InferenceData)
    assert set(data.groups()) >= {"posterior", "sample_stats", "posterior_predictive", "observed_data",
                                  "log_likelihood", "constant_data", "warmup_posterior", "warmup_sample_stats"}
    assert data.posterior["w"].dims == ("chain", "draw", "w_dim_0")
    np.testing.assert_array_equal(data.posterior["w"].values, fit["w"])
    np.testing.assert_array_equal(data.posterior["mu"].values, fit["mu"])
    # `gen y_rep` predicts y: ArviZ pairs it with the observed y under y's name
    np.testing.assert_array_equal(data.posterior_predictive["y"].values, fit["y_rep"])
    assert set(data.sample_stats.data_vars) == {"diverging", "tree_depth", "energy", "lp", "step_size",
                                                 "acceptance_rate", "n_steps"}
    np.testing.assert_array_equal(data.sample_stats["acceptance_rate"].values, fit.stats["accept_stat"])
    observed = ppl.compile(EXAMPLES / "linreg.ppl").check_data(EXAMPLES / "linreg.data.json").values["y"]
    np.testing.assert_array_equal(data.observed_data["y"].values, observed)
    assert "x" not in data.observed_data          # data that no `~` observes is not observed data
    np.testing.assert_array_equal(data.constant_data["x"].values, fit.constant_data["x"])
    assert data.warmup_posterior["w"].shape == (2, 200, 3)
    # ArviZ's own diagnostics run on it
    assert float(arviz.rhat(data, var_names=["sigma"])["sigma"]) < 1.1


def test_summary_rows_and_flags(fit):
    summary = fit.summary(include="all")
    rows = summary.to_dict()
    assert list(rows)[:4] == ["w[0]", "w[1]", "w[2]", "sigma"]
    assert "mu[49]" in rows and "y_rep[0]" in rows
    sigma = fit["sigma"].reshape(-1)
    assert rows["sigma"]["mean"] == pytest.approx(sigma.mean())
    assert rows["sigma"]["sd"] == pytest.approx(sigma.std(ddof=1))
    assert rows["sigma"]["q95"] == pytest.approx(np.quantile(sigma, 0.95))
    assert set(fit.summary().to_dict()) == {"w[0]", "w[1]", "w[2]", "sigma"}
    text = summary.to_string(max_elements=None)
    assert text.splitlines()[0].split() == ["name", "mean", "sd", "mcse_mean", "q5", "q50", "q95", "ess_bulk",
                                            "ess_tail", "r_hat"]
    assert "<table>" in summary._repr_html_()
    # 2 chains x 150 draws: ESS below 100 per chain is flagged where it happens, with its reason
    for name, why in summary.flags.items():
        assert rows[name]["r_hat"] > 1.01 or min(rows[name]["ess_bulk"], rows[name]["ess_tail"]) < 200
        assert name in text and why in text


def test_a_badly_mixed_fit_is_flagged_and_diagnosed(fit):
    from ppl.results.fit import Fit

    draws = np.random.default_rng(1).normal(size=(4, 300))
    draws[0] += 5.0    # one chain elsewhere
    stats = {name: np.zeros((4, 300)) for name in ("accept_stat", "step_size", "energy", "lp")}
    stats.update({"tree_depth": np.full((4, 300), 3), "n_leapfrog": np.full((4, 300), 7),
                  "diverging": np.zeros((4, 300), dtype=bool)})
    stats["energy"] = np.random.default_rng(2).normal(size=(4, 300)).cumsum(axis=1)   # strongly autocorrelated
    stats["diverging"][1, :30] = True
    bad = Fit({"theta": draws}, stats, kinds={"theta": "param"}, method="nuts", settings={"max_treedepth": 10})
    assert "r_hat > 1.01" in bad.summary().flags["theta"]
    report = bad.diagnose()
    assert "30 of 1200 draws (2.5%)" in report
    assert "E-BFMI: below 0.3" in report
    assert "R-hat: above 1.01 for theta" in report


def test_plots_return_figures(fit, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    for figure in (fit.plot_trace(["w", "sigma"]), fit.plot_posterior(), fit.plot_pair(["w"])):
        assert isinstance(figure, Figure)
        figure.savefig(tmp_path / "plot.png")
        assert (tmp_path / "plot.png").stat().st_size > 1000
    assert len(fit.plot_trace(["w"]).axes) == 6     # 3 elements x (trace, density)


def test_summary_to_pandas(fit):
    pandas = pytest.importorskip("pandas")
    frame = fit.summary(names=["w", "sigma"]).to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.index) == ["w[0]", "w[1]", "w[2]", "sigma"]
    assert frame.loc["sigma", "mean"] == pytest.approx(fit["sigma"].mean())


def test_the_plot_example_saves_its_figures(tmp_path):
    pytest.importorskip("matplotlib")
    import importlib.util

    spec = importlib.util.spec_from_file_location("plot_linreg", EXAMPLES / "plot_linreg.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.main(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["linreg_pair.png", "linreg_posterior.png",
                                                              "linreg_trace.png"]


def test_one_chain_diagnosis_says_r_hat_needs_two_chains():
    model = ppl.compile(EXAMPLES / "linreg.ppl")
    fit = model.sample(EXAMPLES / "linreg.data.json", chains=1, warmup=150, draws=150, seed=4, progress=False)
    line = next(line for line in fit.diagnose().splitlines() if line.startswith("R-hat"))
    assert "needs at least two chains" in line
    assert "at most" not in line
