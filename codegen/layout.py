"""How data and params are laid out for the generated code.

Data: every data array (and every transformed-data value) is packed into two
flat buffers, ``real_data`` (float64) and ``int_data`` (int64).  ``int_data``
starts with a header: for each packed value, its offset in its buffer
followed by its sizes (rank known from the IR).  Header positions are fixed
by the program alone, so the generated prologue reads
``x = real_data[o:o + n0 * n1].reshape((n0, n1))`` with ``o, n0, n1`` taken
from fixed header slots: one compiled function serves any data.

Params: the unconstrained vector ``u`` holds the params in declaration order,
each taking as many coordinates as its constraint needs per event times its
batch size (codegen/outline.py's unconstrained_size, as text of the data
names that the prologue defines).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from codegen import ir


@dataclass(frozen=True)
class PackedValue:
    name: str
    dtype: str            # "real" or "int"
    rank: int
    header_position: int  # int_data[header_position] = offset; the next `rank` slots = sizes


@dataclass(frozen=True)
class DataLayout:
    values: tuple[PackedValue, ...]
    header_size: int

    def pack(self, arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        header = np.zeros(self.header_size, dtype=np.int64)
        reals: list[np.ndarray] = []
        ints: list[np.ndarray] = []
        real_offset, int_offset = 0, self.header_size
        for value in self.values:
            array = np.asarray(arrays[value.name])
            if array.ndim != value.rank:
                raise ValueError(f"{value.name}: rank {array.ndim}, expected {value.rank}")
            flat = np.ascontiguousarray(array).ravel()
            if value.dtype == "real":
                header[value.header_position] = real_offset
                reals.append(flat.astype(np.float64))
                real_offset += flat.size
            else:
                header[value.header_position] = int_offset
                ints.append(flat.astype(np.int64))
                int_offset += flat.size
            header[value.header_position + 1:value.header_position + 1 + value.rank] = array.shape
        real_data = np.concatenate(reals) if reals else np.zeros(0)
        int_data = np.concatenate([header] + ints) if ints else header
        return np.ascontiguousarray(real_data, dtype=np.float64), np.ascontiguousarray(int_data, dtype=np.int64)


def data_layout(names_and_types: list[tuple[str, ir.Type]]) -> DataLayout:
    values = []
    position = 0
    for name, type_ in names_and_types:
        dtype = "int" if type_.dtype in ("int", "bool") else "real"
        values.append(PackedValue(name, dtype, type_.rank, position))
        position += 1 + type_.rank
    return DataLayout(tuple(values), position)


def data_inputs(program: ir.Program) -> list[tuple[str, ir.Type]]:
    return [(d.name, d.type) for d in program.data]


def transformed_data_outputs(program: ir.Program) -> list[tuple[str, ir.Type]]:
    """Top-level data-stage values computed once at binding, in definition order."""
    outputs = []
    for statement in program.statements:
        if isinstance(statement, ir.Assign) and statement.role == ir.Role.TRANSFORMED_DATA:
            outputs.append((statement.name, statement.value.type))
        elif isinstance(statement, ir.ArrayDeclaration) and statement.role == ir.Role.TRANSFORMED_DATA:
            outputs.append((statement.name, statement.type))
    return outputs
