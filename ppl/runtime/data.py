"""Numba helpers the generated code calls to read its packed data
(codegen/layout.py): ``int_data[position]`` holds a value's offset in its
buffer and the next slots its sizes; and to write a draw's saved quantities
into one row of flat output (``save_value``)."""

import numba
from numba import types
from numba.extending import overload


@numba.njit(cache=True, error_model="numpy")
def real_scalar(real_data, int_data, position):
    return real_data[int_data[position]]


@numba.njit(cache=True, error_model="numpy")
def int_scalar(real_data, int_data, position):
    return int_data[int_data[position]]


@numba.njit(cache=True, error_model="numpy")
def real_vector(real_data, int_data, position):
    start = int_data[position]
    return real_data[start:start + int_data[position + 1]]


@numba.njit(cache=True, error_model="numpy")
def int_vector(real_data, int_data, position):
    start = int_data[position]
    return int_data[start:start + int_data[position + 1]]


@numba.njit(cache=True, error_model="numpy")
def real_matrix(real_data, int_data, position):
    start, rows, columns = int_data[position], int_data[position + 1], int_data[position + 2]
    return real_data[start:start + rows * columns].reshape((rows, columns))


@numba.njit(cache=True, error_model="numpy")
def int_matrix(real_data, int_data, position):
    start, rows, columns = int_data[position], int_data[position + 1], int_data[position + 2]
    return int_data[start:start + rows * columns].reshape((rows, columns))


@numba.njit(cache=True, error_model="numpy")
def real_array3(real_data, int_data, position):
    start = int_data[position]
    shape = (int_data[position + 1], int_data[position + 2], int_data[position + 3])
    return real_data[start:start + shape[0] * shape[1] * shape[2]].reshape(shape)


def save_value(value, reals, ints, real_position, int_position):
    """Write `value`, flattened in C order, into the row `ints` (integer values) or `reals`
    (float and bool values) from the given position; returns both positions after it.

    The generated `saved_draws` calls it on every saved quantity of every draw, so that a
    Fit is assembled in one native call instead of a Python call per draw; the Python side
    (ppl.results.fit) splits the rows by the same rule, read from the value's NumPy dtype.
    Compiled code only."""
    raise NotImplementedError("save_value is called from compiled code only")


@overload(save_value, jit_options={"error_model": "numpy"})
def _save_value(value, reals, ints, real_position, int_position):
    element = value.dtype if isinstance(value, types.Array) else value
    if isinstance(element, types.Integer):
        if isinstance(value, types.Array):
            return lambda value, reals, ints, real_position, int_position: \
                (real_position, _save_array(value, ints, int_position))
        return lambda value, reals, ints, real_position, int_position: \
            (real_position, _save_scalar(value, ints, int_position))
    if isinstance(value, types.Array):
        return lambda value, reals, ints, real_position, int_position: \
            (_save_array(value, reals, real_position), int_position)
    return lambda value, reals, ints, real_position, int_position: \
        (_save_scalar(value, reals, real_position), int_position)


@numba.njit(cache=True, error_model="numpy")
def _save_array(value, row, position):
    for item in value.flat:
        row[position] = item
        position += 1
    return position


@numba.njit(cache=True, error_model="numpy")
def _save_scalar(value, row, position):
    row[position] = value
    return position + 1
