"""Reading raw data values: the data dict or JSON file, and each value as an exact array.

Data is a dict of name → number, (nested) list or ndarray, or the path of a JSON file in
Stan's data format.  Nothing is coerced on the way in:

* a JSON file must be UTF-8 (an invalid byte is a DataError naming the file, line and
  column) and must not give a name twice (json's ``object_pairs_hook``); Stan's spellings
  of the special floats, the strings "NaN", "Inf", "-Inf" ("Infinity", "+inf", ... any case)
  and the bare atoms NaN, Infinity, -Infinity, are read as floats, which binding then rejects
  as non-finite with the variable named (ppl's data are finite);
* a dict's keys must be strings (names);
* a value is converted exactly (``data_array``): ints must fit int64 (a larger one is an
  error that prints the value as given, never a wrapped one), a bool is not a number (Python,
  NumPy or JSON), an object array of numbers is read entry by entry, and anything else is
  named by its variable and position.  Ints stand in for reals (rounded to the nearest
  float64, as a JSON reader rounds a decimal); integral floats stand in for ints.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re

import numpy as np

from ppl.errors import DataError, utf8_error_position

INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1
INT64_RANGE = f"integers from {INT64_MIN} to {INT64_MAX} (int64)"

# Stan's JSON spellings of the special floats (CmdStan guide, "JSON Format for CmdStan").
_SPECIAL_FLOATS = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"), "infinity": float("inf"),
                   "+infinity": float("inf"), "-inf": float("-inf"), "-infinity": float("-inf")}


def load_data(data) -> dict:
    """A dict as given (its keys checked to be names), or the contents of a JSON file."""
    if isinstance(data, (str, os.PathLike)):
        return read_json_data(os.fspath(data))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataError("data must be a dict of name → value or the path of a JSON file",
                        found=type(data).__name__)
    for key in data:
        if not isinstance(key, str):
            raise DataError(f"data names must be strings, but the data dict has the key {key!r}",
                            found=f"a key of type {type(key).__name__}",
                            hint="key each value by the name declared in the model, as a string: {\"N\": 3}")
    return data


def read_json_data(path: str) -> dict:
    """A JSON data file in Stan's format, read strictly (see the module docstring)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise DataError(f"cannot read the data file {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = utf8_error_position(raw, error)
        raise DataError(f"the data file {path} is not valid UTF-8: byte 0x{raw[error.start]:02x} "
                        f"at line {line}, column {column}",
                        hint="JSON data files are UTF-8: save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")   # a byte-order mark some editors write
    try:
        loaded = json.loads(text, object_pairs_hook=lambda pairs: _object_without_duplicates(pairs, path, text))
    except json.JSONDecodeError as error:
        raise DataError(f"the data file {path} is not valid JSON: {error.msg} "
                        f"(line {error.lineno}, column {error.colno})") from None
    except ValueError as error:   # e.g. an integer of more than 4300 digits
        raise DataError(f"the data file {path} holds a value ppl cannot read: {error}") from None
    if not isinstance(loaded, dict):
        raise DataError(f"the data file {path} must hold a JSON object (name → value)",
                        found=type(loaded).__name__)
    return {name: _special_floats(value) for name, value in loaded.items()}


def _object_without_duplicates(pairs, path: str, text: str) -> dict:
    seen = {}
    for key, value in pairs:
        if key in seen:
            where = _second_key_line(text, key)
            raise DataError(f"the data file {path} gives \"{key}\" twice"
                            + (f" (again at line {where})" if where else ""),
                            hint=f"keep one \"{key}\": JSON readers differ on which one wins")
        seen[key] = value
    return seen


def _second_key_line(text: str, key: str) -> int | None:
    """The line of the second `"key":` in the file (None when the key is written with escapes)."""
    matches = list(re.finditer(re.escape(json.dumps(key)) + r"\s*:", text))
    return text.count("\n", 0, matches[1].start()) + 1 if len(matches) > 1 else None


def _special_floats(value):
    """Stan's string spellings of NaN and the infinities, in a value or its nested lists, as floats."""
    if isinstance(value, str):
        return _SPECIAL_FLOATS.get(value.lower(), value)
    if isinstance(value, list):
        return [_special_floats(item) for item in value]
    return value


# ---- one value as an exact array ---------------------------------------------------------

def data_array(name: str, value, dtype: str, span, declared: str) -> np.ndarray:
    """The value of data `name` as an int64 (dtype "int") or float64 array, converted exactly,
    or a DataError naming the variable (and the position in an array)."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return _from_numeric_array(name, value, dtype, span, declared)
    try:
        entries = np.array(value, dtype=object)
    except ValueError:   # ragged nesting NumPy cannot even hold as objects
        raise _not_rectangular(name, span, declared) from None
    return _from_entries(name, entries, dtype, span, declared)


def _from_numeric_array(name, array: np.ndarray, dtype, span, declared) -> np.ndarray:
    kind = array.dtype.kind
    if kind == "b":
        raise DataError(f"data '{name}' is a NumPy bool array", span, expected=declared,
                        found=f"dtype {array.dtype}",
                        hint=f"bools are not numbers in ppl data: pass `{name}.astype(int)` if 0 and 1 are meant")
    if kind not in "iuf":
        raise DataError(f"data '{name}' is not numeric", span, expected=declared, found=f"{array.dtype} values")
    if kind == "f":
        array = array.astype(np.float64)
        return _floats_as_ints(name, array, span, declared) if dtype == "int" else array
    if dtype == "real":
        return array.astype(np.float64)
    if kind == "u" and array.size and array.max() > INT64_MAX:
        position = _first(array > INT64_MAX)
        raise _outside_int64(name, position, array[position] if position else array.item(), span)
    return array.astype(np.int64)


def _floats_as_ints(name, array: np.ndarray, span, declared) -> np.ndarray:
    """Integral floats as int64: non-finite, fractional or out-of-range entries are errors."""
    bad = ~np.isfinite(array) | (array != np.round(array)) | (array < INT64_MIN) | (array >= 2.0 ** 63)
    if np.any(bad):
        position = _first(bad)
        raise _not_an_int64(name, float(array[position] if position else array.item()), position, span, declared)
    return array.astype(np.int64)


def _not_an_int64(name, value: float, position, span, declared) -> DataError:
    if not np.isfinite(value):
        return DataError(f"data '{name}' is declared int but holds a non-finite value{_at(position)}", span,
                         expected=declared, found=_float_text(value))
    if value != round(value):
        return DataError(f"data '{name}' is declared int but holds a non-integer{_at(position)}", span,
                         expected=declared, found=_float_text(value),
                         hint=f"declare '{name}' as real, or pass whole numbers")
    return _outside_int64(name, position, _float_text(value), span)


def _from_entries(name, entries: np.ndarray, dtype, span, declared) -> np.ndarray:
    """An object array (from nested lists, a Python scalar or an object ndarray): every entry
    must be a number that is not a bool."""
    flat = entries.ravel()
    kinds = set(map(type, flat))
    if any(not _is_number(kind) for kind in kinds):
        index = next(i for i, entry in enumerate(flat) if not _is_number(type(entry)))
        position, entry = _position(entries, index), flat[index]
        if isinstance(entry, (bool, np.bool_)):
            raise DataError(f"data '{name}' holds a bool{_at(position)}", span, expected=declared,
                            found=repr(bool(entry)),
                            hint="bools are not numbers in ppl data: pass 0 and 1 (e.g. `int(flag)`)")
        if isinstance(entry, (list, tuple, np.ndarray)):
            raise _not_rectangular(name, span, declared)
        raise DataError(f"data '{name}' is not numeric{_at(position)}", span, expected=declared,
                        found=f"{_short_repr(entry)} ({type(entry).__name__})")
    if dtype == "real":
        try:
            return flat.astype(np.float64).reshape(entries.shape)
        except OverflowError:
            index = next(i for i, entry in enumerate(flat) if _too_large_for_float(entry))
            raise DataError(f"data '{name}' is too large for a real (float64){_at(_position(entries, index))}",
                            span, expected=declared, found=_number_text(flat[index])) from None
    if all(issubclass(kind, numbers.Integral) for kind in kinds):
        try:
            return flat.astype(np.int64).reshape(entries.shape)
        except OverflowError:
            index = next(i for i, entry in enumerate(flat) if not INT64_MIN <= int(entry) <= INT64_MAX)
            raise _outside_int64(name, _position(entries, index), flat[index], span) from None
    # floats (maybe mixed with ints) for an int: each entry exactly, the first bad one named
    out = np.empty(flat.size, dtype=np.int64)
    for index, entry in enumerate(flat):
        if isinstance(entry, numbers.Integral):
            good = INT64_MIN <= int(entry) <= INT64_MAX
            value = int(entry)
        else:
            value = float(entry)
            good = math.isfinite(value) and value == round(value) and INT64_MIN <= value < 2.0 ** 63
        if not good:
            position = _position(entries, index)
            if isinstance(entry, numbers.Integral):
                raise _outside_int64(name, position, entry, span)
            raise _not_an_int64(name, value, position, span, declared)
        out[index] = int(value)
    return out.reshape(entries.shape)


def _is_number(kind: type) -> bool:
    """Python and NumPy ints and floats; not bools (an int subclass in Python), strings, ..."""
    return issubclass(kind, (numbers.Integral, numbers.Real)) and not issubclass(kind, (bool, np.bool_))


def _too_large_for_float(entry) -> bool:
    try:
        float(entry)
    except OverflowError:
        return True
    return False


def _outside_int64(name, position, value, span) -> DataError:
    return DataError(f"data '{name}' is outside the int64 range{_at(position)}", span, expected=INT64_RANGE,
                     found=_number_text(value), hint=f"ppl's ints are int64: declare '{name}' real if it is a measurement")


def _not_rectangular(name, span, declared) -> DataError:
    return DataError(f"data '{name}' is not a rectangular array of numbers", span, expected=declared,
                     hint="every row must have the same length, and every entry must be a number")


def _number_text(value) -> str:
    """A number as given; an int of more than 40 digits shortened, with its length."""
    text = str(value)
    digits = text.lstrip("-")
    if len(digits) <= 40 or not digits.isdigit():
        return text
    return f"{text[:len(text) - len(digits) + 20]}...{digits[-6:]} ({len(digits)} digits)"


def _float_text(value: float) -> str:
    return repr(float(value))


def _short_repr(entry) -> str:
    text = repr(entry)
    return text if len(text) <= 40 else text[:37] + "..."


def _position(entries: np.ndarray, index: int) -> tuple:
    return tuple(int(i) for i in np.unravel_index(index, entries.shape)) if entries.ndim else ()


def _first(mask) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0]) if np.ndim(mask) else ()


def _at(position: tuple) -> str:
    return f" at [{', '.join(map(str, position))}]" if position else ""
