"""Numba helpers the generated code calls to read its packed data
(codegen/layout.py): ``int_data[position]`` holds a value's offset in its
buffer and the next slots its sizes."""

import numba


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
