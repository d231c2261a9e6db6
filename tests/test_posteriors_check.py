"""The posteriordb reference models, written in ppl, check and accept posteriordb's own data files."""

from pathlib import Path

import pytest

# posteriordb data files carry entries some models do not use
pytestmark = pytest.mark.filterwarnings("ignore:ppl. data not used by the model")

import ppl

ROOT = Path(__file__).parent.parent
# posteriordb's data and reference summaries (BSD-3), copied from ../shared/reference-posteriors
REFERENCES = ROOT / "tests" / "posteriors" / "reference"

MODELS = {
    "arK": "arK-arK",
    "eight_schools_noncentered": "eight_schools-eight_schools_noncentered",
    "gp_regr": "gp_pois_regr-gp_regr",
    "kidscore_interaction": "kidiq-kidscore_interaction",
    "low_dim_gauss_mix": "low_dim_gauss_mix-low_dim_gauss_mix",
    "blr": "sblrc-blr",
}


def test_every_reference_posterior_has_a_model():
    assert {p.stem for p in (ROOT / "tests" / "posteriors").glob("*.ppl")} == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_reference_model_checks_and_binds_its_data(name):
    model = ppl.compile(ROOT / "tests" / "posteriors" / f"{name}.ppl")
    bound = model.check_data(REFERENCES / MODELS[name] / "data.json")
    assert set(bound.values) == {d.name for d in model.ir.data}
