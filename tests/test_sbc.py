"""Simulation-based calibration: ranks of true params among posterior draws are uniform
for three gallery models, and the uniformity test has power against a biased sampler."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ppl
from ppl.calibration import chi2_survival, prior_predictive_source, uniformity_p_value

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("name, observed", [
    ("linreg_known_noise", "y"),
    ("eight_schools_noncentered", "y"),
    ("logistic_regression", "y"),
])
def test_gallery_models_are_calibrated(name, observed):
    model = ppl.compile(EXAMPLES / f"{name}.ppl")
    data = json.loads((EXAMPLES / f"{name}.data.json").read_text())
    data.pop(observed)
    result = ppl.sbc(model, data, 40, num_draws=59, warmup=300, bins=6, seed=7)
    params = {element for element in result.ranks}
    assert {p.name for p in model.ir.params} <= {e.split("[")[0] for e in params}
    for element, ranks in result.ranks.items():
        assert ranks.shape == (40,) and ranks.min() >= 0 and ranks.max() <= 59
    # with ~10 elements, a calibrated sampler falls below 0.001 somewhere with probability ~1%
    assert result.min_p_value > 1e-3, result


def test_prior_predictive_model_simulates_the_observations():
    model = ppl.compile(EXAMPLES / "linreg_known_noise.ppl")
    text = prior_predictive_source(model, ["y"])
    assert "data y" not in text and "gen y ~ Normal(" in text
    prior = ppl.model(text, "prior.ppl")
    data = json.loads((EXAMPLES / "linreg_known_noise.data.json").read_text())
    data.pop("y")
    fit = prior.sample(data, chains=1, warmup=200, draws=2000, seed=1, progress=False)
    w = fit["w"].reshape(-1, 3)
    assert np.all(np.abs(w.mean(axis=0)) < 0.15) and np.all(np.abs(w.std(axis=0) - 1) < 0.1)   # the prior
    assert fit["y"].shape == (1, 2000, data["N"])


def test_uniformity_test_has_power_and_matches_scipy():
    rng = np.random.default_rng(0)
    uniform = rng.integers(0, 100, size=200)
    underconfident = np.clip(np.round(rng.normal(50, 15, size=200)), 0, 99).astype(int)  # ranks bunch in the middle
    assert uniformity_p_value(uniform, 99, 10) > 0.01
    assert uniformity_p_value(underconfident, 99, 10) < 1e-6
    for x, k in [(0.5, 1), (3.0, 4), (9.0, 9), (30.0, 9), (120.0, 19), (1e-3, 5)]:
        assert chi2_survival(x, k) == pytest.approx(stats.chi2.sf(x, k), rel=1e-9, abs=1e-300)


def test_sbc_needs_the_observations_left_out():
    model = ppl.compile(EXAMPLES / "linreg_known_noise.ppl")
    data = json.loads((EXAMPLES / "linreg_known_noise.data.json").read_text())
    with pytest.raises(ValueError, match="leave the observations out"):
        ppl.sbc(model, data, 5)
