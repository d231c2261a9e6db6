"""Every gallery model and every reference-posterior model compiles, and its
generated gradient matches finite differences of its generated log density."""

from pathlib import Path

import numpy as np
import pytest

# posteriordb data files carry entries some models do not use
pytestmark = pytest.mark.filterwarnings("ignore:ppl. data not used by the model")

import ppl
from reference_posteriors import data_path as reference_data

ROOT = Path(__file__).parent.parent
MODELS = sorted((ROOT / "examples").glob("*.ppl")) + sorted((ROOT / "tests" / "posteriors").glob("*.ppl"))


def data_for(path: Path):
    if path.parent.name == "examples":
        return path.with_suffix(".data.json")
    return reference_data(path.stem)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_gradient_matches_finite_differences(path):
    post = ppl.compile(path).condition(data_for(path))
    rng = np.random.default_rng(0)
    for _ in range(2):
        u = rng.uniform(-1, 1, post.dim)
        value, gradient = post.log_density_gradient(u)
        assert np.isfinite(value)
        step = 1e-6
        numeric = np.array([(post.log_density(u + step * e) - post.log_density(u - step * e)) / (2 * step)
                            for e in np.eye(post.dim)])
        # central differences of a log density of size |value| carry ~1e-16 |value| / step of rounding
        tolerance = 1e-6 * np.maximum(1.0, np.abs(numeric)) + 1e-9 * abs(value)
        assert np.all(np.abs(gradient - numeric) <= tolerance), (gradient, numeric)
