"""The posteriordb reference models, written in ppl, check and accept posteriordb's own data files."""

from pathlib import Path

import pytest

# posteriordb data files carry entries some models do not use
pytestmark = pytest.mark.filterwarnings("ignore:ppl. data not used by the model")

import ppl
from reference_posteriors import FOLDERS, data_path

ROOT = Path(__file__).parent.parent
MODELS = FOLDERS


def test_every_reference_posterior_has_a_model():
    assert {p.stem for p in (ROOT / "tests" / "posteriors").glob("*.ppl")} == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_reference_model_checks_and_binds_its_data(name):
    model = ppl.compile(ROOT / "tests" / "posteriors" / f"{name}.ppl")
    bound = model.check_data(data_path(name))
    assert set(bound.values) == {d.name for d in model.ir.data}
