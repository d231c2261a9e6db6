"""Every gallery model and every reference-posterior model compiles, and its
generated gradient matches finite differences of its generated log density."""

import re
from pathlib import Path

import numpy as np
import pytest

# posteriordb data files carry entries some models do not use
pytestmark = pytest.mark.filterwarnings("ignore:ppl. data not used by the model")

import ppl
from reference_posteriors import data_path as reference_data

ROOT = Path(__file__).parent.parent
MODELS = sorted((ROOT / "examples").glob("*.ppl")) + sorted((ROOT / "tests" / "posteriors").glob("*.ppl"))


_SOLVE = re.compile(r"^(.*\bode_(?:rk45|bdf)\(.*?)((?:,\s*(?:rtol|atol|max_steps)\s*=\s*[^,)]+)*)\)\s*$", re.M)


def with_tight_ode_tolerances(text: str) -> str:
    """A model's ODE solves at rtol = atol = 1e-10.  At a model's own tolerances (Lotka–Volterra
    keeps Stan's atol = 1e-3) the adaptive solver's step choices make its solution jump by about
    the tolerance as a param moves, so finite differences with a step of 1e-6 are off by up to
    tolerance / step; at 1e-10 they are accurate to about 1e-4 (the stiff solver's Newton iterations
    stop near the tolerance too), and the gradient is the same code.  tests/test_ode_language.py
    checks the solves' gradients more closely, on smooth problems."""
    return _SOLVE.sub(r"\1, rtol=1e-10, atol=1e-10, max_steps=10000000)", text)


def data_for(path: Path):
    if path.parent.name == "examples":
        return path.with_suffix(".data.json")
    return reference_data(path.stem)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_gradient_matches_finite_differences(path):
    text = path.read_text()
    model = ppl.model(with_tight_ode_tolerances(text), str(path)) if _SOLVE.search(text) else ppl.compile(path)
    post = model.condition(data_for(path))
    rng = np.random.default_rng(0)
    for _ in range(2):
        u = rng.uniform(-1, 1, post.dim)
        value, gradient = post.log_density_gradient(u)
        assert np.isfinite(value)
        step = 1e-6
        numeric = np.array([(post.log_density(u + step * e) - post.log_density(u - step * e)) / (2 * step)
                            for e in np.eye(post.dim)])
        # central differences of a log density of size |value| carry ~1e-16 |value| / step of rounding
        relative = 1e-3 if _SOLVE.search(text) else 1e-6
        tolerance = relative * np.maximum(1.0, np.abs(numeric)) + 1e-9 * abs(value)
        assert np.all(np.abs(gradient - numeric) <= tolerance), (gradient, numeric)
