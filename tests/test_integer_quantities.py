"""Integer quantities in `gen` (issue #11 item 7): discrete draws (`Categorical`, `Poisson`) and
integer arithmetic on them (`*`, `+`, `//`, `%`, `sum`, indexing by a drawn int) stay int64
through every output path: the Fit's accessors, the summary, the CSV writer and reader (the
command line's `--output` too), the npz save and ArviZ's groups.  The oracle for the arithmetic
is NumPy on the saved draws (floor division and modulo with negative operands included)."""

import subprocess
import sys

import numpy as np
import pytest

import ppl

MODEL = """\
data K: int
data y: real[K]
param mu: real
param lp: real[K]
mu ~ Normal(0, 1)
lp ~ Normal(0, 1)
gen z ~ Categorical(logits=lp)
gen k ~ Poisson(exp(mu))
gen k2 = k * 2 + z
gen q = (k - 3) // 2
gen r = (k - 3) % 3
gen big = k > 1
gen ks ~ Poisson(exp(lp))
gen total = sum(ks)
gen pick = y[z]
gen kk: int[K]
for i in range(K):
    gen kk[i] = ks[i] * i
"""
DATA = {"K": 3, "y": [1.5, 2.5, 3.5]}
INTEGERS = ("z", "k", "k2", "q", "r", "ks", "total", "kk")


@pytest.fixture(scope="module")
def fit():
    return ppl.model(MODEL).sample(DATA, chains=2, warmup=150, draws=100, seed=2, progress=False)


def test_discrete_draws_and_integer_arithmetic_are_int64_and_exact(fit):
    for name in INTEGERS:
        assert fit[name].dtype == np.int64, name
    assert fit["ks"].shape == (2, 100, 3) and fit["kk"].shape == (2, 100, 3)
    z, k, ks = fit["z"], fit["k"], fit["ks"]
    assert set(np.unique(z)) <= {0, 1, 2} and (k >= 0).all() and (ks >= 0).all()
    np.testing.assert_array_equal(fit["k2"], k * 2 + z)
    np.testing.assert_array_equal(fit["q"], np.floor_divide(k - 3, 2))   # floor, as Python and NumPy
    np.testing.assert_array_equal(fit["r"], np.mod(k - 3, 3))
    assert (k < 3).any()   # the negative operands were met
    np.testing.assert_array_equal(fit["total"], ks.sum(axis=-1))
    np.testing.assert_array_equal(fit["kk"], ks * np.arange(3))
    np.testing.assert_array_equal(fit["pick"], np.asarray(DATA["y"])[z])   # a gather by a drawn int: real data
    assert fit["pick"].dtype == np.float64
    # a comparison saves 0/1 as a real (docs/compiler.md, "Comparisons")
    np.testing.assert_array_equal(fit["big"], (k > 1).astype(float))


def test_the_summary_of_integer_quantities(fit):
    rows = fit.summary(include="all").to_dict()
    for name in ("z", "k", "total", "ks[2]", "kk[1]"):
        assert name in rows, name
    assert rows["total"]["mean"] == pytest.approx(fit["total"].mean())
    assert rows["k"]["q50"] == pytest.approx(np.median(fit["k"]))


def test_csv_and_npz_round_trips_keep_ints(fit, tmp_path):
    fit.to_csv(tmp_path / "draws.csv")
    text = (tmp_path / "draws.csv").read_text().splitlines()
    header = text[1].split(",")
    first = dict(zip(header, text[2].split(",")))
    assert first["k"] == str(fit["k"][0, 0]) and first["ks[1]"] == str(fit["ks"][0, 0, 1])   # written as ints
    for read in (ppl.read_csv(tmp_path / "draws.csv"), _saved_and_loaded(fit, tmp_path)):
        for name in INTEGERS:
            assert read[name].dtype == np.int64, name
            np.testing.assert_array_equal(read[name], fit[name])
        assert read["pick"].dtype == np.float64


def _saved_and_loaded(fit, tmp_path):
    fit.save(tmp_path / "fit.npz")
    return ppl.load_fit(tmp_path / "fit.npz")


def test_csv_keeps_ints_beyond_two_to_the_53(fit, tmp_path):
    """Ints are read back exactly, not through a float."""
    from ppl.results.fit import Fit

    big = {name: np.asarray(fit[name]).copy() for name in fit.keys()}
    big["k"][0, 0] = 2 ** 62 + 1
    copy = Fit(big, fit.stats, kinds=fit.kinds, settings=fit.settings)
    copy.to_csv(tmp_path / "big.csv")
    assert ppl.read_csv(tmp_path / "big.csv")["k"][0, 0] == 2 ** 62 + 1


def test_arviz_groups_keep_ints(fit):
    pytest.importorskip("arviz")
    data = fit.to_arviz()   # a param named like the statistic `lp` too
    # gen quantities not named after an observation (y_rep for y) are in the posterior group
    assert "posterior_predictive" not in data.groups()
    predictive = data.posterior
    for name in INTEGERS:
        assert predictive[name].dtype == np.int64, name
    assert predictive["ks"].dims == ("chain", "draw", "ks_dim_0")
    assert data.posterior["lp"].dims == ("chain", "draw", "lp_dim_0")
    assert data.sample_stats["lp"].dims == ("chain", "draw")
    np.testing.assert_array_equal(predictive["total"].values, fit["total"])


def test_command_line_output_keeps_ints(tmp_path):
    model = tmp_path / "counts.ppl"
    model.write_text("param mu: real\nmu ~ Normal(0, 1)\ngen k ~ Poisson(exp(mu))\ngen twice = k * 2\n")
    output = tmp_path / "draws.csv"
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "sample", str(model), "--warmup", "100", "--draws",
                             "50", "--seed", "1", "--output", str(output)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    read = ppl.read_csv(output)
    assert read["k"].dtype == np.int64 and read["twice"].dtype == np.int64
    np.testing.assert_array_equal(read["twice"], read["k"] * 2)
