"""Every gallery model parses and checks, and its data file fits its declarations."""

import json
from pathlib import Path

import pytest

import ppl
from codegen import ir
from codegen.shapes import Dim

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


def evaluate(dim: Dim, values: dict) -> int:
    assert dim.opaque is None, f"size {dim} should be known statically in the gallery"
    total = 0
    for monomial, coefficient in dim.terms:
        term = coefficient
        for name in monomial:
            term *= values[name]
        total += term
    return total


def _shape(value):
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _leaves(value):
    if isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_data_fits_declarations(path):
    data = json.loads(path.with_suffix(".data.json").read_text())
    model = ppl.compile(path)
    for declaration in model.ir.data:
        assert declaration.name in data, f"{declaration.name} missing from the data file"
        value = data[declaration.name]
        expected = tuple(evaluate(d, data) for d in declaration.type.shape)
        assert _shape(value) == expected, declaration.name
        if declaration.type.dtype == "int":
            assert all(isinstance(v, int) for v in _leaves(value)), declaration.name
        for bound, check in ((declaration.bounds.lower, lambda v, b: v >= b),
                             (declaration.bounds.upper, lambda v, b: v <= b)):
            if isinstance(bound, ir.Constant):
                assert all(check(v, bound.value) for v in _leaves(value)), declaration.name
