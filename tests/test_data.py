"""Binding data: every problem is a DataError naming the variable, with expected and found."""

import json

import numpy as np
import pytest

import ppl
from ppl.errors import DataError

MODEL = ppl.model(
    "data N: int<lower=1>\n"
    "data J: int<lower=1>\n"
    "data group: int<lower=0, upper=J - 1>[N]\n"
    "data x: real[N, 2]\n"
    "data y: real<lower=0>[N]\n"
    "data w: simplex[J]\n"
    "param mu: real\n"
    "y ~ Normal(mu, 1)\n", "model.ppl")

GOOD = {"N": 3, "J": 2, "group": [0, 1, 1], "x": [[1, 2], [3, 4], [5, 6.5]], "y": [1.0, 2, 3],
        "w": [0.25, 0.75]}


def bind(**changes):
    data = dict(GOOD)
    for name, value in changes.items():
        if value is None:
            del data[name]
        else:
            data[name] = value
    return MODEL.check_data(data)


def test_good_data_binds_with_sizes_and_dtypes():
    with pytest.warns(UserWarning, match="extra"):
        bound = bind(extra=[1, 2])
    assert bound.sizes == {"N": 3, "J": 2}
    assert bound.values["group"].dtype == np.int64
    assert bound.values["y"].dtype == np.float64      # ints stand in for reals
    assert bound.values["x"].shape == (3, 2)
    assert bound.unused == ("extra",)


def test_integral_floats_and_numpy_arrays_are_accepted_for_ints():
    bound = bind(group=np.array([0.0, 1.0, 1.0]), N=np.int32(3))
    assert bound.values["group"].tolist() == [0, 1, 1]


@pytest.mark.parametrize("changes, phrase, line", [
    ({"y": None}, "missing data 'y'", 5),
    ({"x": [[1, 2], [3, 4]]}, "data 'x' has the wrong shape", 4),
    ({"x": [1, 2, 3]}, "data 'x' has the wrong shape", 4),
    ({"N": [3]}, "data 'N' has the wrong shape", 1),
    ({"x": [[1, 2], [3], [4, 5]]}, "data 'x' is not a rectangular array", 4),
    ({"y": [1.0, float("nan"), 2.0]}, "data 'y' is not finite at [1]", 5),
    ({"y": [1.0, float("inf"), 2.0]}, "data 'y' is not finite at [1]", 5),
    ({"y": [1.0, -2.0, 2.0]}, "data 'y' is out of bounds at [1]", 5),
    ({"group": [0, 2, 1]}, "data 'group' is out of bounds at [1]", 3),
    ({"group": [0, 0.5, 1]}, "data 'group' is declared int but holds a non-integer at [1]", 3),
    ({"N": 0}, "data 'N' is out of bounds", 1),
    ({"w": [0.5, 0.6]}, "data 'w' is not a valid simplex", 6),
    ({"y": ["a", "b", "c"]}, "data 'y' is not numeric", 5),
])
def test_bad_data_is_named(changes, phrase, line):
    with pytest.raises(DataError) as caught:
        bind(**changes)
    error = caught.value
    assert phrase in str(error)
    assert error.line == line
    assert "model.ppl" in str(error) and "^" in str(error)


def test_out_of_bounds_prints_the_bound_and_the_value():
    with pytest.raises(DataError) as caught:
        bind(group=[0, 5, 1])
    text = str(caught.value)
    assert "expected: <= J - 1 (= 1)" in text and "found:    5" in text


def test_json_files(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(GOOD))
    assert MODEL.check_data(str(path)).sizes["N"] == 3
    path.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        MODEL.check_data(str(path))
    with pytest.raises(DataError, match="cannot read the data file"):
        MODEL.check_data(str(tmp_path / "missing.json"))


def test_unused_names_warn_once_or_fail_when_strict():
    with pytest.warns(UserWarning, match="not used by the model.*extra"):
        MODEL.check_data({**GOOD, "extra": 1})
    with pytest.raises(DataError, match="does not declare: extra"):
        MODEL.check_data({**GOOD, "extra": 1}, strict=True)


def test_missing_name_suggests_a_near_miss():
    data = dict(GOOD)
    data["group_"] = data.pop("group")
    with pytest.raises(DataError, match="missing data 'group'") as caught:
        MODEL.check_data(data)
    assert "did you mean 'group_'?" in str(caught.value)
