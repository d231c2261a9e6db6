"""Data types, not coerced (issue #12, item 4): every raw value is read exactly or rejected
with a DataError naming the variable (and the position), the key, or the file and line.

Each row of VALUE_ROWS gives one data entry a bad (or borderline) value: (id, name, value,
phrases the rendered error must contain); ACCEPTED rows must bind, to the exact values given.
"""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import ppl
from ppl.errors import DataError, ModelSyntaxError

MODEL = ppl.model(
    "data N: int<lower=0>\n"
    "data k: int\n"
    "data x: real\n"
    "data counts: int[N]\n"
    "data y: real[N]\n"
    "data grid: real[2, 2]\n"
    "param mu: real\n"
    "y ~ Normal(mu, 1)\n", "model.ppl")

LINES = {"N": 1, "k": 2, "x": 3, "counts": 4, "y": 5, "grid": 6}
GOOD = {"N": 3, "k": 7, "x": 0.5, "counts": [1, 2, 3], "y": [0.1, 0.2, 0.3], "grid": [[1.0, 2.0], [3.0, 4.0]]}
OUTSIDE = "outside the int64 range"
BOOL = "holds a bool"


def row(id, name, value, *phrases):
    return pytest.param(name, value, phrases, id=id)


VALUE_ROWS = [
    # ---- integers outside int64: the value as given, never a wrapped one ----------------
    row("int_2_pow_63", "k", 2 ** 63, OUTSIDE, "found:    9223372036854775808"),
    row("int_below_int64", "k", -2 ** 63 - 1, OUTSIDE, "found:    -9223372036854775809"),
    row("int_2_pow_64", "k", 2 ** 64, OUTSIDE, "18446744073709551616"),
    row("int_in_list", "counts", [1, 2 ** 63, 3], f"{OUTSIDE} at [1]", "9223372036854775808"),
    row("int_in_list_beside_a_float", "counts", [1.0, 2, 2 ** 70], f"{OUTSIDE} at [2]", str(2 ** 70)),
    row("uint64_array", "counts", np.array([1, 2 ** 63, 3], dtype=np.uint64), f"{OUTSIDE} at [1]",
        "9223372036854775808"),
    row("integral_float_beyond_int64", "counts", [1.0, 1e20, 2.0], f"{OUTSIDE} at [1]", "1e+20"),
    row("float_array_beyond_int64", "counts", np.array([1.0, -1e19, 2.0]), f"{OUTSIDE} at [1]", "-1e+19"),
    row("np_int_scalar_object_array", "counts", np.array([1, 2 ** 65, 3], dtype=object), f"{OUTSIDE} at [1]"),
    row("bound_error_never_sees_a_wrapped_value", "N", 2 ** 64 + 3, OUTSIDE, "18446744073709551619"),
    row("huge_int_shortened", "k", 10 ** 60, OUTSIDE, "(61 digits)"),
    row("huge_int_for_a_real", "y", [1, 10 ** 400, 2], "too large for a real (float64) at [1]", "(401 digits)"),
    # ---- bools are not numbers ----------------------------------------------------------
    row("bool_for_int", "k", True, BOOL, "found:    True"),
    row("bool_for_real", "x", False, BOOL, "found:    False"),
    row("bool_in_list", "y", [0.1, True, 0.3], f"{BOOL} at [1]"),
    row("bool_in_int_list", "counts", [1, 2, False], f"{BOOL} at [2]"),
    row("bool_in_nested_list", "grid", [[1.0, 2.0], [True, 4.0]], f"{BOOL} at [1, 0]"),
    row("numpy_bool_scalar", "x", np.bool_(True), BOOL),
    row("numpy_bool_array", "counts", np.array([True, False, True]), "is a NumPy bool array", "astype(int)"),
    row("numpy_bools_in_a_list", "y", [np.float64(0.1), np.bool_(False), 0.3], f"{BOOL} at [1]"),
    # ---- object arrays and other entries: named by position ------------------------------
    row("object_array_with_a_string", "y", np.array([0.1, "a", 0.3], dtype=object), "is not numeric at [1]",
        "'a' (str)"),
    row("object_array_with_none", "y", np.array([0.1, None, 0.3], dtype=object), "is not numeric at [1]",
        "None (NoneType)"),
    row("complex_in_list", "y", [0.1, 2 + 1j, 0.3], "is not numeric at [1]", "(complex)"),
    row("complex_array", "y", np.array([1, 2, 3], dtype=complex), "is not numeric", "complex128"),
    row("string_list", "y", ["a", "b", "c"], "is not numeric at [0]"),
    row("ragged_list", "grid", [[1.0, 2.0], [3.0]], "is not a rectangular array of numbers"),
    row("ragged_object_array", "grid", np.array([np.array([1.0, 2.0]), np.array([3.0])], dtype=object),
        "is not a rectangular array of numbers"),
    # ---- ints from floats: exact or named ------------------------------------------------
    row("fraction_for_int", "counts", [1, 0.5, 3], "declared int but holds a non-integer at [1]", "0.5"),
    row("nan_for_int", "counts", [1, float("nan"), 3], "declared int but holds a non-finite value at [1]"),
    row("inf_for_int_array", "counts", np.array([1.0, 2.0, np.inf]), "holds a non-finite value at [2]"),
    row("nan_for_real", "y", [0.1, float("nan"), 0.3], "is not finite at [1]"),
]


def bind(name, value):
    data = dict(GOOD)
    data[name] = value
    return MODEL.check_data(data)


@pytest.mark.parametrize("name, value, phrases", VALUE_ROWS)
def test_bad_value_is_named(name, value, phrases):
    with pytest.raises(DataError) as caught:
        bind(name, value)
    text = str(caught.value)
    assert f"data '{name}'" in text
    for phrase in phrases:
        assert phrase in text, text
    assert caught.value.line == LINES[name]
    assert "model.ppl" in text and "^" in text


ACCEPTED = [
    pytest.param("counts", np.array([1, 2, 3], dtype=object), [1, 2, 3], id="object_array_of_ints"),
    pytest.param("y", np.array([0.5, 2, np.float32(0.25)], dtype=object), [0.5, 2.0, 0.25],
                 id="object_array_of_mixed_numbers"),
    pytest.param("counts", np.array([1.0, 2, np.int32(3)], dtype=object), [1, 2, 3], id="object_array_for_int"),
    pytest.param("grid", np.array([[1, 2], [3, 4]], dtype=object), [[1.0, 2.0], [3.0, 4.0]], id="object_matrix"),
    pytest.param("counts", [1, 2.0, 2 ** 62 + 1], [1, 2, 2 ** 62 + 1], id="big_int_beside_a_float_stays_exact"),
    pytest.param("k", 2 ** 63 - 1, 2 ** 63 - 1, id="int64_max"),
    pytest.param("k", -2 ** 63, -2 ** 63, id="int64_min"),
    pytest.param("counts", np.array([1, 2, 3], dtype=np.uint64), [1, 2, 3], id="uint64_in_range"),
    pytest.param("x", 10 ** 30, 1e30, id="big_int_for_a_real_rounds_like_a_decimal"),
    pytest.param("x", Fraction(1, 4), 0.25, id="fraction_for_a_real"),
    pytest.param("k", np.int16(-5), -5, id="numpy_int_scalar"),
]


@pytest.mark.parametrize("name, value, expected", ACCEPTED)
def test_numbers_are_read_exactly(name, value, expected):
    bound = bind(name, value)
    assert bound.values[name].tolist() == expected
    assert bound.values[name].dtype == (np.int64 if name in ("N", "k", "counts") else np.float64)


def test_non_string_keys_are_a_data_error():
    with pytest.raises(DataError, match="data names must be strings") as caught:
        MODEL.check_data({**GOOD, 1: 2.0})
    assert "key 1" in str(caught.value)
    with pytest.raises(DataError, match=r"key \('y', 0\)"):
        MODEL.check_data({**GOOD, ("y", 0): 2.0})


# ---- JSON files ------------------------------------------------------------------------

def write(tmp_path, content, name="data.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def json_text(**changes):
    entries = {**GOOD, **changes}
    return "{\n" + ",\n".join(f'  "{key}": {value if isinstance(value, str) else json.dumps(value)}'
                              for key, value in entries.items()) + "\n}\n"


def test_duplicate_json_key_names_the_key_and_line(tmp_path):
    text = json_text() .replace('  "k": 7,\n', '  "k": 7,\n  "k": 8,\n')
    with pytest.raises(DataError) as caught:
        MODEL.check_data(write(tmp_path, text))
    message = str(caught.value)
    assert 'gives "k" twice (again at line 4)' in message and "data.json" in message


def test_duplicate_key_inside_a_nested_object_is_found_too(tmp_path):
    text = json_text(extra='{"a": 1, "a": 2}')
    with pytest.raises(DataError, match='gives "a" twice'):
        MODEL.check_data(write(tmp_path, text))


def test_big_json_integer_keeps_its_digits(tmp_path):
    with pytest.raises(DataError) as caught:
        MODEL.check_data(write(tmp_path, json_text(k="9223372036854775808")))
    assert OUTSIDE in str(caught.value) and "found:    9223372036854775808" in str(caught.value)
    assert caught.value.line == LINES["k"]


def test_json_bools_are_not_numbers(tmp_path):
    with pytest.raises(DataError, match=r"data 'counts' holds a bool at \[1\]"):
        MODEL.check_data(write(tmp_path, json_text(counts="[1, true, 3]")))
    with pytest.raises(DataError, match="data 'x' holds a bool"):
        MODEL.check_data(write(tmp_path, json_text(x="false")))


@pytest.mark.parametrize("spelling, found", [('"NaN"', "nan"), ('"Inf"', "inf"), ('"-Inf"', "-inf"),
                                             ('"Infinity"', "inf"), ('"-Infinity"', "-inf"), ('"+inf"', "inf"),
                                             ("NaN", "nan"), ("-Infinity", "-inf")])
def test_stan_special_floats_are_read_then_rejected_as_non_finite(tmp_path, spelling, found):
    with pytest.raises(DataError) as caught:
        MODEL.check_data(write(tmp_path, json_text(y=f"[0.1, {spelling}, 0.3]")))
    text = str(caught.value)
    assert "data 'y' is not finite at [1]" in text and f"found:    {found}" in text
    assert caught.value.line == LINES["y"]


def test_special_float_for_an_int_is_named(tmp_path):
    with pytest.raises(DataError, match=r"data 'counts' is declared int but holds a non-finite value at \[2\]"):
        MODEL.check_data(write(tmp_path, json_text(counts='[1, 2, "NaN"]')))


def test_special_floats_in_unused_entries_are_fine(tmp_path):
    with pytest.warns(UserWarning, match="not used by the model"):
        bound = MODEL.check_data(write(tmp_path, json_text(missing_values='["NaN", 1.5]')))
    assert bound.unused == ("missing_values",)


def test_other_strings_are_not_numbers(tmp_path):
    with pytest.raises(DataError, match=r"data 'y' is not numeric at \[1\]"):
        MODEL.check_data(write(tmp_path, json_text(y='[0.1, "nan?", 0.3]')))


def test_invalid_utf8_in_a_data_file_names_the_file_and_line(tmp_path):
    content = json_text(extra='"caf\udce9"').encode("utf-8", errors="surrogateescape")
    path = write(tmp_path, content)
    with pytest.raises(DataError) as caught:
        MODEL.check_data(path)
    message = str(caught.value)
    assert "data.json is not valid UTF-8: byte 0xe9 at line 8, column 16" in message


def test_utf8_with_a_byte_order_mark_is_read(tmp_path):
    assert MODEL.check_data(write(tmp_path, b"\xef\xbb\xbf" + json_text().encode())).sizes["N"] == 3


# ---- model files -----------------------------------------------------------------------

BAD_MODEL = b"param mu: real\n# na\xefve comment\nmu ~ Normal(0, 1)\n"


def test_invalid_utf8_in_a_model_file_is_located(tmp_path):
    path = write(tmp_path, BAD_MODEL, "model.ppl")
    with pytest.raises(ModelSyntaxError) as caught:
        ppl.compile(path)
    error = caught.value
    assert (error.line, error.column) == (2, 5)
    text = str(error)
    assert f"{path}:2:5: error: the model file is not valid UTF-8: byte 0xef" in text
    assert "# na\ufffdve comment" in text and "^" in text


def test_a_model_file_with_a_byte_order_mark_is_read(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfparam mu: real\nmu ~ Normal(0, 1)\n", "model.ppl")
    assert ppl.compile(path).source.text.startswith("param mu")


@pytest.mark.parametrize("command", ["check", "sample"])
def test_cli_shows_invalid_utf8_without_a_traceback(tmp_path, command):
    model = write(tmp_path, BAD_MODEL, "model.ppl")
    result = subprocess.run([sys.executable, "-m", "ppl.cli", command, model], capture_output=True, text=True)
    assert result.returncode == 1
    assert "not valid UTF-8" in result.stderr and ":2:5:" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_shows_bad_data_file_without_a_traceback(tmp_path):
    model = write(tmp_path, b"data k: int\nparam mu: real\nmu ~ Normal(0, 1)\n", "model.ppl")
    data = write(tmp_path, b'{"k": 1,\n "k": 2}')
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "check", model, "--data", data],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert 'gives "k" twice (again at line 2)' in result.stderr and "Traceback" not in result.stderr
