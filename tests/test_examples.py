"""Every gallery model parses and checks, and its data file fits its declarations."""

from pathlib import Path

import numpy as np

import pytest

import ppl

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.ppl"))


def test_the_gallery_has_the_models_the_issue_lists():
    names = {p.stem for p in EXAMPLES}
    assert {"linreg", "linreg_known_noise", "eight_schools_centered", "eight_schools_noncentered",
            "logistic_regression", "radon_hierarchical", "ar_k", "garch11", "gp_regression",
            "normal_mixture", "correlated_mvn", "dirichlet_simplex"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks(path):
    model = ppl.compile(path)
    assert model.ir.params, "every gallery model has params"
    assert "model:" in model.outline()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_data_fits_declarations(path):
    model = ppl.compile(path)
    bound = model.check_data(path.with_suffix(".data.json"))
    assert set(bound.values) == {d.name for d in model.ir.data}
    assert bound.unused == ()
    for declaration in model.ir.data:
        value = bound.values[declaration.name]
        assert value.ndim == len(declaration.type.shape)
        assert value.dtype == (np.int64 if declaration.type.dtype == "int" else np.float64)
