"""CmdStan CSV out (`fit.to_cmdstan_csv`) and in (`ppl.read_cmdstan_csv`).

The files are checked three ways: read as plain text against the format CmdStan's guide
gives ("Stan CSV File Format"), read by the tools CmdStan users point at them
(`arviz.from_cmdstan`, `cmdstanpy.from_csv`), and read back into a Fit.  A file CmdStan
wrote (tests/data/cmdstan/, two chains, save_warmup, a dense metric, a 2x2 matrix) is
read too."""

import re
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl.results.cmdstan_csv import column_names
from ppl.results.fit import Fit

CMDSTAN_FILES = Path(__file__).parent / "data" / "cmdstan"
STAT_COLUMNS = ["lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"]
MODEL = """
param w: real[2, 3]
param sigma: real<lower=0>
m = w * sigma
w ~ Normal(0, 1)
sigma ~ HalfNormal(1)
gen k ~ Poisson(sigma)
"""
CHAINS, WARMUP, DRAWS = 4, 150, 100


@pytest.fixture(scope="module")
def fit():
    return ppl.model(MODEL).sample({}, chains=CHAINS, warmup=WARMUP, draws=DRAWS, seed=11, save_warmup=True,
                                   progress=False)


@pytest.fixture(scope="module")
def paths(fit, tmp_path_factory):
    return fit.to_cmdstan_csv(tmp_path_factory.mktemp("cmdstan") / "new" / "folder")


def _parse(path):
    """An independent reading of one file: comments before the header, the header, the rows
    (as strings) with the comment lines between them."""
    lines = Path(path).read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if not line.startswith("#"))
    rows, middle = [], []
    for line in lines[start + 1:]:
        (middle if line.startswith("#") else rows).append(line if line.startswith("#") else line.split(","))
    return lines[:start], lines[start].split(","), rows, middle, lines


def test_column_names_are_cmdstans_one_based_and_column_major():
    assert column_names("sigma", ()) == ["sigma"]
    assert column_names("theta", (3,)) == ["theta.1", "theta.2", "theta.3"]
    assert column_names("L", (2, 3)) == ["L.1.1", "L.2.1", "L.1.2", "L.2.2", "L.1.3", "L.2.3"]
    assert column_names("a", (2, 1, 2))[:3] == ["a.1.1.1", "a.2.1.1", "a.1.1.2"]


def test_one_file_per_chain_in_cmdstans_layout(fit, paths):
    assert [p.name for p in paths] == [f"model_{k}.csv" for k in range(1, CHAINS + 1)]
    for chain, path in enumerate(paths):
        config, header, rows, middle, lines = _parse(path)
        settings = {line.lstrip("# ").split(" = ")[0]: line.split(" = ")[1] for line in config if " = " in line}
        assert settings["method"] == "sample (Default)" and settings["model"] == "model_model"
        assert settings["num_samples"] == str(DRAWS) and settings["num_warmup"] == str(WARMUP)
        assert settings["save_warmup"] == "1" and settings["thin"] == "1 (Default)"
        assert settings["engaged"] == "1 (Default)" and settings["delta"] == "0.8 (Default)"
        assert settings["engine"] == "nuts (Default)" and settings["max_depth"] == "10 (Default)"
        assert settings["metric"] == "diag_e (Default)"
        assert settings["seed"] == "11" and settings["id"] == str(chain + 1)
        assert "#       engaged = 1 (Default)" in config      # indented by CmdStan's argument hierarchy
        assert header == STAT_COLUMNS + column_names("w", (2, 3)) + ["sigma"] + column_names("m", (2, 3)) + ["k"]
        assert len(rows) == WARMUP + DRAWS
        # the adaptation block sits between the warmup and the sampling rows
        adaptation = lines.index("# Adaptation terminated")
        assert adaptation == len(config) + 1 + WARMUP
        assert lines[adaptation + 1] == f"# Step size = {float(fit.step_size[chain])!r}"
        assert lines[adaptation + 2] == "# Diagonal elements of inverse mass matrix:"
        metric = [float(v) for v in lines[adaptation + 3].lstrip("# ").split(", ")]
        np.testing.assert_array_equal(metric, fit.inverse_metric[chain])
        assert re.fullmatch(r"#  Elapsed Time: \d+\.\d{3} seconds \(Warm-up\)", lines[-4])
        assert lines[-3].strip().endswith("seconds (Sampling)") and lines[-2].strip().endswith("seconds (Total)")
        assert lines[-1] == "# " and lines[-5] == "# "


def test_values_sit_under_their_names(fit, paths):
    """Every column's value, found by name, is the Fit's element exactly (shortest repr)."""
    for chain, path in enumerate(paths):
        _, header, rows, _, _ = _parse(path)
        column = {name: k for k, name in enumerate(header)}
        warmup_rows, rows = rows[:WARMUP], rows[WARMUP:]
        for draw in (0, DRAWS - 1):
            row = rows[draw]
            assert float(row[column["w.2.3"]]) == fit["w"][chain, draw, 1, 2]
            assert float(row[column["w.1.2"]]) == fit["w"][chain, draw, 0, 1]
            assert float(row[column["m.2.1"]]) == fit["m"][chain, draw, 1, 0]
            assert int(row[column["k"]]) == fit["k"][chain, draw]              # an integer, written as one
            assert float(row[column["lp__"]]) == fit.stats["lp"][chain, draw]
            assert int(row[column["divergent__"]]) == int(fit.stats["diverging"][chain, draw])
            assert int(row[column["treedepth__"]]) == fit.stats["tree_depth"][chain, draw]
        assert float(warmup_rows[3][column["sigma"]]) == fit.warmup["sigma"][chain, 3]
        assert float(warmup_rows[3][column["stepsize__"]]) == fit.warmup_stats["step_size"][chain, 3]


def test_arviz_reads_the_chains_names_and_values(fit, paths):
    arviz = pytest.importorskip("arviz")
    data = arviz.from_cmdstan([str(p) for p in paths], save_warmup=True)
    assert data.posterior.sizes["chain"] == CHAINS and data.posterior.sizes["draw"] == DRAWS
    assert set(data.posterior.data_vars) == {"w", "sigma", "m", "k"}
    np.testing.assert_array_equal(data.posterior["w"].values, fit["w"])
    np.testing.assert_array_equal(data.posterior["m"].values, fit["m"])
    np.testing.assert_array_equal(data.posterior["k"].values, fit["k"])
    np.testing.assert_array_equal(data.warmup_posterior["sigma"].values, fit.warmup["sigma"])
    np.testing.assert_array_equal(data.sample_stats["diverging"].values, fit.stats["diverging"])
    rhat = arviz.rhat(data, var_names=["w", "sigma"])
    assert np.isfinite(rhat["w"].values).all() and np.isfinite(float(rhat["sigma"]))


def test_cmdstanpy_reads_the_chains_names_and_values(fit, paths):
    cmdstanpy = pytest.importorskip("cmdstanpy")
    read = cmdstanpy.from_csv([str(p) for p in paths])
    assert read.chains == CHAINS and read.num_draws_sampling == DRAWS and read.num_draws_warmup == WARMUP
    assert read.column_names[:7] == tuple(STAT_COLUMNS) and "w[2,3]" in read.column_names
    np.testing.assert_array_equal(read.stan_variable("w"), fit["w"].reshape(-1, 2, 3))   # chains one after another
    np.testing.assert_array_equal(read.stan_variable("m"), fit["m"].reshape(-1, 2, 3))
    np.testing.assert_array_equal(read.stan_variable("k"), fit["k"].reshape(-1))
    np.testing.assert_array_equal(read.draws(inc_warmup=True).shape, (WARMUP + DRAWS, CHAINS, 7 + 6 + 1 + 6 + 1))
    np.testing.assert_array_equal(read.step_size, fit.step_size)
    assert read.metric_type == "diag_e"
    np.testing.assert_array_equal(read.inv_metric, fit.inverse_metric)
    assert read.divergences.sum() == fit.num_divergent


def test_read_back_is_the_same_fit(fit, paths):
    back = ppl.read_cmdstan_csv(paths[0].parent)
    assert list(back.keys()) == list(fit.keys()) and back.kinds == fit.kinds
    for name in fit.keys():
        np.testing.assert_array_equal(back[name], fit[name])
        np.testing.assert_array_equal(back.warmup[name], fit.warmup[name])
        assert back[name].dtype == fit[name].dtype
    for name in fit.stats:
        np.testing.assert_array_equal(back.stats[name], fit.stats[name])
        assert back.stats[name].dtype == fit.stats[name].dtype
    np.testing.assert_array_equal(back.step_size, fit.step_size)
    np.testing.assert_array_equal(back.inverse_metric, fit.inverse_metric)
    assert (back.seed, back.method, back.settings, back.model_name) == (fit.seed, fit.method, fit.settings,
                                                                        fit.model_name)
    np.testing.assert_allclose(back.timing["warmup_seconds"], fit.timing["warmup_seconds"], atol=6e-4)
    assert back.summary().to_dict() == fit.summary().to_dict()


def _synthetic(metric, method="nuts", chains=2, draws=5):
    rng = np.random.default_rng(3)
    stats = {"accept_stat": rng.uniform(size=(chains, draws)), "step_size": np.full((chains, draws), 0.25),
             "tree_depth": np.full((chains, draws), 2), "n_leapfrog": np.full((chains, draws), 3),
             "diverging": np.zeros((chains, draws), dtype=bool), "energy": rng.normal(size=(chains, draws)),
             "lp": rng.normal(size=(chains, draws))}
    inverse_metric = {"dense": np.stack([np.array([[2.0, 0.5], [0.5, 1.0]])] * chains),
                      "unit": np.ones((chains, 2)), "diag": np.full((chains, 2), 0.5)}[metric]
    return Fit({"L": rng.normal(size=(chains, draws, 2, 2)), "empty": np.zeros((chains, draws, 0))}, stats,
               kinds={"L": "param", "empty": "deterministic"}, step_size=np.array([0.25] * chains),
               inverse_metric=inverse_metric, seed=5, method=method,
               settings={"chains": chains, "warmup": 10, "draws": draws, "thin": 1, "metric": metric})


def test_a_dense_metric_is_written_row_by_row(tmp_path):
    fit = _synthetic("dense")
    path = fit.to_cmdstan_csv(tmp_path)[0]
    lines = path.read_text().splitlines()
    at = lines.index("# Elements of inverse mass matrix:")
    assert lines[at + 1:at + 3] == ["# 2, 0.5", "# 0.5, 1"]
    assert "#         metric = dense_e" in lines
    back = ppl.read_cmdstan_csv(tmp_path)
    np.testing.assert_array_equal(back.inverse_metric, fit.inverse_metric)
    np.testing.assert_array_equal(back["L"], fit["L"])
    assert back["empty"].shape == (2, 5, 0)          # no columns, kept by the metadata line


def test_static_hmc_and_the_unit_metric(tmp_path):
    fit = _synthetic("unit", method="hmc")
    text = fit.to_cmdstan_csv(tmp_path)[0].read_text()
    assert "#         engine = static" in text and "#             int_time = 0.75" in text   # 3 steps x 0.25
    assert "# No free parameters for unit metric" in text and "max_depth" not in text
    back = ppl.read_cmdstan_csv(tmp_path)
    assert back.method == "hmc" and back.inverse_metric is None
    np.testing.assert_array_equal(back["L"], fit["L"])
    again = back.to_cmdstan_csv(tmp_path / "again")[0].read_text()    # a unit metric needs none
    assert again.split("# ppl_metadata")[1] == text.split("# ppl_metadata")[1]


def test_cmdstans_own_files_read_into_a_fit():
    fit = ppl.read_cmdstan_csv(CMDSTAN_FILES)
    assert (fit.num_chains, fit.num_draws) == (2, 4) and fit.model_name == "schools"
    assert set(fit.keys()) == {"mu", "theta", "z"} and fit["theta"].shape == (2, 4, 3)
    assert fit.kinds == {"mu": "param", "theta": "param", "z": "param"}   # CmdStan does not say the block
    # chains follow CmdStan's `id`, not the file names (output_b.csv holds id = 1)
    assert fit["mu"][0, 0] == 2.00042 and fit["mu"][1, 0] != 2.00042
    # z.2.1 is z[1, 0]: 1-based, column-major names placed by their indices (the file's z[i, j] = 10 i + j)
    np.testing.assert_allclose(fit["z"][0, :, 1, 0], [21, 21.01, 21.02, 21.03])
    np.testing.assert_allclose(fit["z"][1, 2], [[11.02, 12.02], [21.02, 22.02]])
    assert fit.warmup["mu"].shape == (2, 3) and fit.warmup_stats["diverging"].dtype == bool
    assert fit.stats["tree_depth"].dtype == np.int64 and fit.stats["diverging"].sum() == 0
    assert fit.settings == {"chains": 2, "warmup": 3, "draws": 4, "thin": 1, "target_accept": 0.9,
                            "max_treedepth": 12, "metric": "dense", "save_warmup": True}
    assert fit.seed == 4711 and fit.method == "nuts"
    np.testing.assert_allclose(fit.step_size, [0.454235, 0.403263])
    assert fit.inverse_metric.shape == (2, 4, 4) and fit.inverse_metric[0, 0, 1] == -0.480255
    np.testing.assert_allclose(fit.timing["warmup_seconds"], [0.012, 0.012])
    assert "Divergences: none." in fit.diagnose()


def test_cmdstans_own_files_read_as_arviz_reads_them():
    arviz = pytest.importorskip("arviz")
    fit = ppl.read_cmdstan_csv(sorted(CMDSTAN_FILES.glob("*.csv"), reverse=True))   # id 1 first, as named
    data = arviz.from_cmdstan(sorted(str(p) for p in CMDSTAN_FILES.glob("*.csv"))[::-1], save_warmup=True)
    for name in ("mu", "theta", "z"):
        np.testing.assert_array_equal(data.posterior[name].values, fit[name])
        np.testing.assert_array_equal(data.warmup_posterior[name].values, fit.warmup[name])


def test_bad_inputs_are_clear_errors(fit, paths, tmp_path):
    with pytest.raises(ValueError, match="method nuts or hmc.*'laplace'"):
        Fit(fit._draws, fit.stats, kinds=fit.kinds, method="laplace").to_cmdstan_csv(tmp_path)
    with pytest.raises(ValueError, match="adapted step size and inverse metric"):
        Fit(fit._draws, fit.stats, kinds=fit.kinds, method="nuts").to_cmdstan_csv(tmp_path)
    lines = paths[0].read_text().splitlines()
    truncated = tmp_path / "truncated.csv"
    header_at = next(k for k, line in enumerate(lines) if line.startswith("lp__"))
    truncated.write_text("\n".join(lines[:header_at + 3] + [lines[header_at + 3][:20]]) + "\n")
    with pytest.raises(ValueError, match=rf"truncated.csv:{header_at + 4}: a row of \d+ values under a header"):
        ppl.read_cmdstan_csv(truncated)
    other = tmp_path / "other.csv"
    other.write_text("\n".join(line.replace("sigma", "tau") if line.startswith("lp__") else line for line in lines))
    with pytest.raises(ValueError, match="columns differ"):
        ppl.read_cmdstan_csv([paths[0], other])
    optimize = tmp_path / "optimize.csv"
    optimize.write_text("# model = m_model\n# method = optimize\nlp__,x\n-1.5,0.3\n")
    with pytest.raises(ValueError, match="'optimize' method; read_cmdstan_csv reads MCMC output"):
        ppl.read_cmdstan_csv(optimize)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no .csv files"):
        ppl.read_cmdstan_csv(tmp_path / "empty")
