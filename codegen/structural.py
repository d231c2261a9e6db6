"""Forward and adjoint rules for the operations that are not elementwise.

Each rule takes the input Values and the output Value and returns
``(forward_lines, adjoint_lines)``; the adjoint lines add the inputs' share
of ``output_adj`` into their ``_adj`` (only for active inputs).  The rule and
its adjoint stand side by side so that each can be checked against the
other (tests/test_gradients.py compares every gallery model's gradient with
finite differences).
"""

from __future__ import annotations

import re

from codegen import ir
from codegen.check_exprs import constant_int
from codegen.emit import NotSupportedYet, Op, Value, dim_code
from codegen.index_ranges import hoisted_element_check
from ppl.errors import DATA_INDEX_OUT_OF_RANGE, INDEX_OUT_OF_RANGE, NEGATIVE_SIZE, SLICE_OUT_OF_RANGE, SLICE_STEP_ZERO


def _raise(tag: str, span, value: str, size: str) -> str:
    place = f"{span.line}, {span.column}, {span.end_line}, {span.end_column}" if span else "0, 0, 0, 0"
    return f"raise IndexError({tag!r}, {place}, {value}, {size})"


def raise_line(tag: str, span, value: str, size: str) -> str:
    """The line raising a tagged IndexError (ppl.errors) at a place of the model."""
    return _raise(tag, span, value, size)


def index_check(array: str, axis: int, index: str, span) -> list[str]:
    """Lines raising IndexError where an index the data set falls outside its axis (NumPy's
    range, negative indices counting from the end); Numba itself checks no bounds."""
    size = f"{array}.shape[{axis}]"
    return [f"if not -{size} <= {index} < {size}:", "    " + _raise(INDEX_OUT_OF_RANGE, span, index, size)]


def gather_check(array: str, axis: int, indices: str, span) -> list[str]:
    """index_check for every entry of a gather's int array."""
    size = f"{array}.shape[{axis}]"
    return [f"for _index in {indices}.flat:", f"    if not -{size} <= _index < {size}:",
            "        " + _raise(INDEX_OUT_OF_RANGE, span, "_index", size)]


def data_gather_check(indices: str, name: str, span, size: str) -> list[str]:
    """gather_check for a gather by int data `name` (code `indices`) into a size the data set,
    made once by transformed_data(): the error names the data's element (`g[3]`) as well."""
    place = f"{span.line}, {span.column}, {span.end_line}, {span.end_column}" if span else "0, 0, 0, 0"
    return [f"for _position, _index in np.ndenumerate({indices}):", f"    if not -{size} <= _index < {size}:",
            f"        raise IndexError({DATA_INDEX_OUT_OF_RANGE!r}, {place}, _index, {size}, {name!r}, _position)"]


def step_check(step: str, span) -> list[str]:
    return [f"if {step} == 0:", "    " + _raise(SLICE_STEP_ZERO, span, "0", "0")]


def slice_check(array: str, axis: int, start: str, stop: str, spans) -> list[str]:
    """Lines raising IndexError unless 0 <= start <= stop <= size: a slice by bounds the data set
    has the length stop - start the checker gave it only if NumPy does not clip it."""
    size = f"{array}.shape[{axis}]"
    return [f"if not 0 <= {start} <= {size}:", "    " + _raise(SLICE_OUT_OF_RANGE, spans[0], start, size),
            f"if not {start} <= {stop} <= {size}:", "    " + _raise(SLICE_OUT_OF_RANGE, spans[1], stop, size)]


def size_checks(sizes, least: int = 0, proved=frozenset()) -> list[str]:
    """Lines raising IndexError for a size the data set below `least` (negative, by default)
    ((code, span) pairs; literals are the checker's, the codes in `proved` at least `least`
    whatever the data: codegen/index_ranges.py)."""
    lines = []
    for code, span in sizes:
        if not code.lstrip("-").isdigit() and code not in proved:
            lines += [f"if {code} < {least}:", "    " + _raise(NEGATIVE_SIZE, span, code, str(least))]
    return lines


def index_parts(emitter, items, array: str, type_) -> list[str]:
    """The index text of each item of `array[items]` (an IR index list), after an op checking
    the indices the data set: scalar indices but constants into a literal size (the checker
    checked those), gathers' entries, slice steps that are not literals."""
    parts, checks = [], []
    for axis, item in enumerate(items):
        if isinstance(item, ir.ScalarIndex):
            parts.append(emitter.python(item.index))
            if constant_int(item.index) is not None and type_.shape[axis].value is not None:
                continue   # the checker checked it
            if emitter.index_facts().in_range(item.index, type_.shape[axis]):
                continue   # in range whatever the data (codegen/index_ranges.py)
            size = _data_size_code(emitter, type_.shape[axis], top_level=False)
            hoisted = None if size is None else hoisted_element_check(emitter, item.index, size, item.index.span)
            if hoisted is not None:   # an element of int data in a loop: all checked once, when data is bound
                emitter.hoisted.add_check(hoisted)
            else:
                checks += index_check(array, axis, parts[-1], item.index.span)
        elif isinstance(item, ir.SliceIndex):
            bounds = ["" if p is None else emitter.python(p) for p in (item.start, item.stop)]
            text = ":".join(bounds)
            if item.step is not None:
                step = emitter.python(item.step)
                text += ":" + step
                if constant_int(item.step) is None:
                    checks += step_check(step, item.step.span)
            if not (item.step is None and emitter.index_facts().slice_in_range(item.start, item.stop,
                                                                               type_.shape[axis])):
                checks += _unit_slice_check(array, axis, item, bounds, type_.shape[axis])
            parts.append(text)
        else:
            parts.append(emitter.value(item.indices).code)
            if emitter.index_facts().in_range(item.indices, type_.shape[axis]):
                continue   # int data declared within the axis (`int<lower=0, upper=J - 1>[N]`)
            size = _data_size_code(emitter, type_.shape[axis])
            if size is not None and parts[-1] in emitter.hoisted.data_names \
                    and isinstance(item.indices, ir.Variable):
                # data indices into a size the data set: checked once, when data is bound
                emitter.hoisted.add_check(data_gather_check(parts[-1], item.indices.name, item.indices.span, size))
            else:
                checks += gather_check(array, axis, parts[-1], item.indices.span)
    if checks:
        emitter.emit_op(Op(forward=checks, recompute=[]))
    return parts


def _data_size_code(emitter, dim, top_level: bool = True) -> str | None:
    """The code of an axis's size when it is data (or transformed data) in a model function
    (with `top_level`, at its top level), so that transformed_data() can check the data indices
    into it once; else None (the check stays where the index is)."""
    hoisted = getattr(emitter, "hoisted", None)
    if hoisted is None or (top_level and emitter.depth > 0) or emitter.mode.data_stage:
        return None
    try:
        size = dim_code(dim, emitter.scope)
    except NotSupportedYet:
        return None
    names = set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", size))
    return size if names <= hoisted.data_names | {"np", "math"} else None


def _unit_slice_check(array: str, axis: int, item, bounds, size) -> list[str]:
    """slice_check for `a[start:stop]` (step 1) unless its length is the checker's whatever the
    data: literal bounds (or none) into a literal size.  A negative literal bound counts from the
    end, as the checker counts it."""
    if item.step is not None and constant_int(item.step) != 1:
        return []
    literal = [p is None or constant_int(p) is not None for p in (item.start, item.stop)]
    if all(literal) and size.value is not None:
        return []
    size_code = f"{array}.shape[{axis}]"
    codes, spans = [], []
    for part, code, default in zip((item.start, item.stop), bounds, ("0", size_code)):
        value = None if part is None else constant_int(part)
        codes.append(default if part is None else f"{size_code} - {-value}" if value is not None and value < 0
                     else code)
        spans.append(None if part is None else part.span)
    spans = [spans[0] or spans[1], spans[1] or spans[0]]
    return slice_check(array, axis, codes[0], codes[1], spans)


def index_basic(source: Value, index_code: str, out: Value):
    """out = source[i, a:b, ...] (a view or an element); adjoint: scatter back into the same slots."""
    forward = [f"{out.code} = {source.code}[{index_code}]"]
    adjoint = [f"{source.adjoint}[{index_code}] += {out.adjoint}"] if source.active else []
    return forward, adjoint


def gather_first_axis(source: Value, indices: str, out: Value):
    """out = source[indices] for an int vector of indices (NumPy's gather on axis 0);
    adjoint: scatter-add, since an index may repeat."""
    forward = [f"{out.code} = {source.code}[{indices}]"]
    adjoint = []
    if source.active:
        adjoint = [f"for _k in range({indices}.shape[0]):",
                   f"    {source.adjoint}[{indices}[_k]] += {out.adjoint}[_k]"]
    return forward, adjoint


def matmul(left: Value, right: Value, out: Value):
    """out = left @ right (np.matmul) for vectors and matrices.

    Adjoints: left_adj += out_adj @ right.T, right_adj += left.T @ out_adj,
    written per case below.  Matrix-vector products and the adjoints that are such products call
    event_kernels.matrix_vector, vector_matrix and matrix_times_transpose, whose sums may be
    reordered into SIMD lanes (a strict left-to-right sum over the inner index cannot use them);
    the outer products that give a matrix operand its adjoint, and `A @ B` with its right
    adjoint, are loops whose inner index updates a whole row, which vectorise in strict order."""
    a, b, o = left.code, right.code, out.code
    rank = (left.type.rank, right.type.rank)
    if rank == (1, 1):
        forward = [f"{o} = 0.0", f"for _k in range({a}.shape[0]):", f"    {o} += {a}[_k] * {b}[_k]"]
        adjoint = [f"for _k in range({a}.shape[0]):"]
        if left.active:
            adjoint.append(f"    {left.adjoint}[_k] += {out.adjoint} * {b}[_k]")
        if right.active:
            adjoint.append(f"    {right.adjoint}[_k] += {out.adjoint} * {a}[_k]")
    elif rank == (2, 1):
        forward = [f"{o} = event_kernels.matrix_vector({a}, {b})"]
        adjoint = [f"for _r in range({a}.shape[0]):", f"    for _k in range({a}.shape[1]):",
                   f"        {left.adjoint}[_r, _k] += {out.adjoint}[_r] * {b}[_k]"] if left.active else []
        if right.active:
            adjoint.append(f"{right.adjoint} += event_kernels.vector_matrix({out.adjoint}, {a})")
    elif rank == (1, 2):
        forward = [f"{o} = event_kernels.vector_matrix({a}, {b})"]
        adjoint = [f"{left.adjoint} += event_kernels.matrix_vector({b}, {out.adjoint})"] if left.active else []
        if right.active:
            adjoint += [f"for _k in range({b}.shape[0]):", f"    for _c in range({b}.shape[1]):",
                        f"        {right.adjoint}[_k, _c] += {out.adjoint}[_c] * {a}[_k]"]
    elif rank == (2, 2):
        forward = [f"{o} = np.zeros(({a}.shape[0], {b}.shape[1]))", f"for _r in range({a}.shape[0]):",
                   f"    for _k in range({a}.shape[1]):", f"        for _c in range({b}.shape[1]):",
                   f"            {o}[_r, _c] += {a}[_r, _k] * {b}[_k, _c]"]
        adjoint = ([f"{left.adjoint} += event_kernels.matrix_times_transpose({out.adjoint}, {b})"]
                   if left.active else [])
        if right.active:
            adjoint += [f"for _r in range({a}.shape[0]):", f"    for _k in range({a}.shape[1]):",
                        f"        for _c in range({b}.shape[1]):",
                        f"            {right.adjoint}[_k, _c] += {out.adjoint}[_r, _c] * {a}[_r, _k]"]
    else:
        raise NotSupportedYet(f"batched '@' of ranks {rank}")
    if not (left.active or right.active):
        adjoint = []
    return forward, adjoint


def _of_scalar(kind: str, source: Value, out: Value):
    """A reduction or transpose of a scalar, as NumPy's of a 0-d array: the scalar itself, except
    sd, whose N - 1 divisor leaves one value without a standard deviation (NaN, as NumPy's
    `std(x, ddof=1)` and ppl's sd of a one-element vector)."""
    if kind == "sd":
        return [f"{out.code} = math.nan"], []
    return [f"{out.code} = {source.code}"], ([f"{source.adjoint} += {out.adjoint}"] if source.active else [])


def reduce_all(kind: str, source: Value, out: Value):
    """sum / mean / logsumexp over every element."""
    x, o = source.code, out.code
    if source.is_scalar:
        return _of_scalar(kind, source, out)
    if kind == "sum":
        forward = [f"{o} = np.sum({x})"]
        adjoint = [f"{source.adjoint} += {out.adjoint}"]
    elif kind == "mean":
        forward = [f"{o} = np.mean({x})"]
        adjoint = [f"{source.adjoint} += {out.adjoint} / {x}.size"]
    elif kind == "logsumexp":
        forward = [f"{o} = np.max({x})", f"{o} = {o} + math.log(np.sum(np.exp({x} - {o})))"]
        adjoint = [f"{source.adjoint} += {out.adjoint} * np.exp({x} - {o})"]
    else:
        raise NotSupportedYet(f"{kind}() in the compiler")
    return forward, (adjoint if source.active else [])


def reduce_axis(kind: str, source: Value, axis: int, out: Value):
    """sum / mean along one axis (of a vector: of every element)."""
    if kind not in ("sum", "mean"):
        raise NotSupportedYet(f"{kind}(axis=) in the compiler")
    if source.type.rank == 1:
        return reduce_all(kind, source, out)
    x, o = source.code, out.code
    if source.type.rank > 2:   # one vector at a time; the adjoint spreads back over that vector
        header, vector, position = _each_vector(source, axis)
        scale = "" if kind == "sum" else f" / {x}.shape[{axis}]"
        result_shape = ", ".join(f"{x}.shape[{a}]" for a in range(source.type.rank) if a != axis)
        forward = [f"{o} = np.empty(({result_shape},))"] + _nested(header, f"{o}[{position}] = np.{kind}({x}[{vector}])")
        adjoint = _nested(header, f"{source.adjoint}[{vector}] += {out.adjoint}[{position}]{scale}")
        return forward, (adjoint if source.active else [])
    scale = "" if kind == "sum" else f" / {x}.shape[{axis}]"
    forward = [f"{o} = np.sum({x}, axis={axis}){scale}"]   # Numba's np.mean takes no axis
    if axis == 0:
        adjoint = [f"for _r in range({x}.shape[0]):", f"    {source.adjoint}[_r] += {out.adjoint}{scale}"]
    else:
        adjoint = [f"for _c in range({x}.shape[1]):", f"    {source.adjoint}[:, _c] += {out.adjoint}{scale}"]
    return forward, (adjoint if source.active else [])


def dot(left: Value, right: Value, out: Value):
    """dot(a, b) of two vectors: sum(a * b)."""
    if left.type.rank != 1 or right.type.rank != 1:
        raise NotSupportedYet("dot() of arrays of rank above 1")
    return matmul(left, right, out)


def stack(items: list[Value], out: Value, item_shape_code: str):
    """out = [a, b, ...] stacked on a new first axis; adjoint: each item takes its row."""
    count = len(items)
    dtype = {"int": ", dtype=np.int64", "bool": ", dtype=np.bool_"}.get(out.type.dtype, "")
    forward = [f"{out.code} = np.empty(({count},) + {item_shape_code}{dtype})"]
    adjoint = []
    for k, item in enumerate(items):
        forward.append(f"{out.code}[{k}] = {item.code}")
        if item.active:
            adjoint.append(f"{item.adjoint} += {out.adjoint}[{k}]")
    return forward, adjoint


def transpose(source: Value, out: Value):
    if source.is_scalar:
        return _of_scalar("transpose", source, out)
    forward = [f"{out.code} = {source.code}.T"]
    return forward, ([f"{source.adjoint} += {out.adjoint}.T"] if source.active else [])


def filled(kind: str, sizes, out: Value, proved=frozenset()):
    """zeros / ones of the sizes ((code, span) pairs; `proved`: the codes known not negative)."""
    function = {"zeros": "np.zeros", "ones": "np.ones"}[kind]
    shape = f"({', '.join(code for code, _ in sizes)},)"
    return size_checks(sizes, 0, proved) + [f"{out.code} = {function}({shape})"], []


def eye(size, out: Value, proved=frozenset()):
    return size_checks([size], 0, proved) + [f"{out.code} = np.eye({size[0]})"], []


def argmax(source: Value, out: Value):
    """The index of the largest element of a vector: an int, piecewise constant (no adjoint)."""
    return [f"{out.code} = np.argmax({source.code})"], []


def pick_integers(kind: str, args: list[Value], out: Value):
    """where / fmin / fmax / clip of ints (the real case is a fused region): no adjoint."""
    codes = [a.code for a in args]
    if out.is_scalar:
        scalar = {"where": "{1} if {0} else {2}", "fmin": "min({0}, {1})", "fmax": "max({0}, {1})",
                  "clip": "min(max({0}, {1}), {2})"}[kind]
        return [f"{out.code} = {scalar.format(*codes)}"], []
    array = {"where": "np.where({0}, {1}, {2})", "fmin": "np.minimum({0}, {1})", "fmax": "np.maximum({0}, {1})",
             "clip": "np.minimum(np.maximum({0}, {1}), {2})"}[kind]
    return [f"{out.code} = {array.format(*codes)}"], []


def diag_matrix(source: Value, out: Value):
    """A diagonal matrix from a vector; adjoint: the diagonal of out_adj."""
    forward = [f"{out.code} = np.diag({source.code})"]
    adjoint = [f"for _k in range({source.code}.shape[0]):",
               f"    {source.adjoint}[_k] += {out.adjoint}[_k, _k]"] if source.active else []
    return forward, adjoint


def diagonal(source: Value, out: Value):
    """The diagonal of a matrix (np.diag); adjoint: out_adj back onto the diagonal."""
    forward = [f"{out.code} = np.diag({source.code})"]
    adjoint = [f"for _k in range({out.code}.shape[0]):",
               f"    {source.adjoint}[_k, _k] += {out.adjoint}[_k]"] if source.active else []
    return forward, adjoint


def gather_with_other_indices(source: Value, items: list[tuple[str, str]], out: Value, out_shape_code: str):
    """out = source[...] where one or more int vectors (gathers) pair up element by element
    with scalar indices and slices (NumPy's advanced indexing): `b[g, 0]`, `beta[group, item]`,
    `x[:, g]`.  `items` are (kind, code) with kind "gather", "scalar" or "slice".  The paired
    axis of the result stands where the gathers and scalars stand if they are adjacent, else
    first (NumPy's rule).  One loop over the pairs copies each selected element (or row); the
    adjoint scatter-adds them back, since a pair may repeat."""
    advanced = [k for k, (kind, _) in enumerate(items) if kind != "slice"]
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    position = sum(1 for kind, _ in items[:advanced[0]] if kind == "slice") if adjacent else 0
    source_at = ", ".join(f"{code}[_k]" if kind == "gather" else code for kind, code in items)
    out_parts = [":" for kind, _ in items if kind == "slice"]
    out_parts.insert(position, "_k")
    out_at = ", ".join(out_parts)
    count = next(f"{code}.shape[0]" for kind, code in items if kind == "gather")
    dtype = ", dtype=np.int64" if out.type.dtype == "int" else ""
    forward = [f"{out.code} = np.empty({out_shape_code}{dtype})",
               f"for _k in range({count}):",
               f"    {out.code}[{out_at}] = {source.code}[{source_at}]"]
    adjoint = [f"for _k in range({count}):",
               f"    {source.adjoint}[{source_at}] += {out.adjoint}[{out_at}]"] if source.active else []
    return forward, adjoint


# ---- functions of one vector, along an axis ---------------------------------------------------
#
# Each is a kernel of ppl/event_kernels.py with its adjoint beside it (the formulas are in their
# docstrings); these rules call it on the whole vector, or on every vector along `axis` of an array.

VECTOR_REDUCTIONS = {"sd": "sd", "max": "max_element", "min": "min_element", "logsumexp": "logsumexp"}
VECTOR_MAPS = ("softmax", "log_softmax", "cumsum")


def _each_vector(source: Value, axis: int):
    """Loop lines over every axis but `axis`, the source's vector at the current position, and
    the position itself (an index into a reduction's result)."""
    rank = source.type.rank
    others = [a for a in range(rank) if a != axis]
    header = ["    " * depth + f"for _v{a} in range({source.code}.shape[{a}]):" for depth, a in enumerate(others)]
    vector = ", ".join(":" if a == axis else f"_v{a}" for a in range(rank))
    position = ", ".join(f"_v{a}" for a in others)
    return header, vector, position


def _nested(header: list[str], line: str) -> list[str]:
    return header + ["    " * len(header) + line]


def reduce_vector(kind: str, source: Value, axis: int | None, out: Value):
    """sd / max / min / logsumexp of every element (axis None) or along one axis."""
    kernel = f"event_kernels.{VECTOR_REDUCTIONS[kind]}"
    x, o = source.code, out.code
    if source.is_scalar:
        return _of_scalar(kind, source, out)
    if axis is None or source.type.rank == 1:
        vector, adjoint_vector = (x, source.adjoint) if source.type.rank == 1 else \
            (f"{x}.ravel()", f"{source.adjoint}.reshape(-1)")   # adjoints are C-contiguous: a view
        forward = [f"{o} = {kernel}({vector})"]
        adjoint = [f"{kernel}_vjp({vector}, {o}, {out.adjoint}, {adjoint_vector})"]
        return forward, (adjoint if source.active else [])
    header, vector, position = _each_vector(source, axis)
    dtype = ", dtype=np.int64" if out.type.dtype == "int" else ""
    result_shape = ", ".join(f"{x}.shape[{a}]" for a in range(source.type.rank) if a != axis)
    forward = [f"{o} = np.empty(({result_shape},){dtype})"] + \
        _nested(header, f"{o}[{position}] = {kernel}({x}[{vector}])")
    adjoint = _nested(header, f"{kernel}_vjp({x}[{vector}], {o}[{position}], {out.adjoint}[{position}], "
                              f"{source.adjoint}[{vector}])")
    return forward, (adjoint if source.active else [])


def map_vector(kind: str, source: Value, axis: int, out: Value):
    """softmax / log_softmax / cumsum along one axis: out has the source's shape."""
    kernel = f"event_kernels.{kind}"
    x, o = source.code, out.code
    dtype = ", dtype=np.int64" if out.type.dtype == "int" else ""
    allocate = f"{o} = np.empty({x}.shape{dtype})"
    if source.type.rank == 1:
        forward = [allocate, f"{kernel}({x}, {o})"]
        adjoint = [f"{kernel}_vjp({x}, {o}, {out.adjoint}, {source.adjoint})"]
        return forward, (adjoint if source.active else [])
    header, vector, _ = _each_vector(source, axis)
    forward = [allocate] + _nested(header, f"{kernel}({x}[{vector}], {o}[{vector}])")
    adjoint = _nested(header, f"{kernel}_vjp({x}[{vector}], {o}[{vector}], {out.adjoint}[{vector}], "
                              f"{source.adjoint}[{vector}])")
    return forward, (adjoint if source.active else [])


# ---- the structural built-ins of issue #11 (arrays, products, orderings) ----------------------

def argmin(source: Value, out: Value):
    """The index of the smallest element of a vector: an int, piecewise constant (no adjoint)."""
    return [f"{out.code} = np.argmin({source.code})"], []


def prod(source: Value, out: Value):
    """The product of every element.  Adjoint: each element's share is the product of all the
    others, from prefix and suffix products (no division, so exact zeros are fine)."""
    x, o = source.code, out.code
    if source.is_scalar:
        return _of_scalar("prod", source, out)
    forward = [f"{o} = np.prod({x})"]
    adjoint = [f"_prod_values = {x}.flatten()", f"_prod_adj = {source.adjoint}.reshape(-1)",
               "_prod_after = np.ones(_prod_values.shape[0])",
               "for _k in range(_prod_values.shape[0] - 2, -1, -1):",
               "    _prod_after[_k] = _prod_after[_k + 1] * _prod_values[_k + 1]",
               "_prod_before = 1.0",
               "for _k in range(_prod_values.shape[0]):",
               f"    _prod_adj[_k] += {out.adjoint} * _prod_before * _prod_after[_k]",
               "    _prod_before *= _prod_values[_k]"]
    return forward, (adjoint if source.active else [])


def concatenate(items: list[Value], axis: int, out: Value):
    """Arrays joined along `axis`; adjoint: each item takes back its slice."""
    rank = items[0].type.rank
    extent = " + ".join(f"{item.code}.shape[{axis}]" for item in items)
    shape = ", ".join(extent if k == axis else f"{items[0].code}.shape[{k}]" for k in range(rank))
    dtype = ", dtype=np.int64" if out.type.dtype == "int" else ""
    forward, adjoint = [f"{out.code} = np.empty(({shape},){dtype})"], []
    start = "0"
    for item in items:
        stop = f"{start} + {item.code}.shape[{axis}]" if start != "0" else f"{item.code}.shape[{axis}]"
        place = ", ".join(f"{start}:{stop}" if k == axis else ":" for k in range(rank))
        forward.append(f"{out.code}[{place}] = {item.code}")
        if item.active:
            adjoint.append(f"{item.adjoint} += {out.adjoint}[{place}]")
        start = stop
    return forward, adjoint


def full(sizes, source: Value, out: Value, proved=frozenset()):
    """The value repeated into an array of shape sizes + its shape; adjoint: the sum of the
    copies ((code, span) size pairs, checked not negative unless `proved`)."""
    shape = f"({', '.join(code for code, _ in sizes)},)"
    checks = size_checks(sizes, 0, proved)
    x, o = source.code, out.code
    if source.is_scalar:
        forward = checks + [f"{o} = np.full({shape}, {x})"]
        return forward, ([f"{source.adjoint} += np.sum({out.adjoint})"] if source.active else [])
    dtype = ", dtype=np.int64" if out.type.dtype == "int" else ""
    forward = checks + [f"{o} = np.empty({shape} + {x}.shape{dtype})", f"_full_values = {x}.flatten()",
                        f"_full_out = {o}.reshape(-1)",
                        "for _k in range(0, _full_out.shape[0], _full_values.shape[0]):",
                        "    _full_out[_k:_k + _full_values.shape[0]] = _full_values"]
    adjoint = [f"_full_adj = {source.adjoint}.reshape(-1)", f"_full_out_adj = {out.adjoint}.reshape(-1)",
               "for _k in range(0, _full_out_adj.shape[0], _full_adj.shape[0]):",
               "    _full_adj += _full_out_adj[_k:_k + _full_adj.shape[0]]"]
    return forward, (adjoint if source.active else [])


def flatten(source: Value, out: Value):
    """Every element as a vector, row-major (a copy); adjoint: reshaped back."""
    if source.is_scalar:
        dtype = ", dtype=np.int64" if out.type.dtype == "int" else ""
        forward = [f"{out.code} = np.empty(1{dtype})", f"{out.code}[0] = {source.code}"]
        return forward, ([f"{source.adjoint} += {out.adjoint}[0]"] if source.active else [])
    forward = [f"{out.code} = {source.code}.flatten()"]
    adjoint = [f"{source.adjoint} += {out.adjoint}.reshape({source.adjoint}.shape)"]
    return forward, (adjoint if source.active else [])


def _order(source: Value, out: Value) -> tuple[str, str]:
    """The name of a vector's ascending (stable) permutation, and the line computing it."""
    order = f"_{out.code.lstrip('_')}_order"
    return order, f"{order} = np.argsort({source.code}, kind='mergesort')"


def sort(source: Value, out: Value):
    """Ascending order; adjoint: out_adj sent back through the permutation (each element's
    derivative is that of the position it moved to; ties keep their order, as a stable sort)."""
    order, line = _order(source, out)
    forward = [line, f"{out.code} = {source.code}[{order}]"]
    adjoint = [f"for _k in range({order}.shape[0]):", f"    {source.adjoint}[{order}[_k]] += {out.adjoint}[_k]"]
    return forward, (adjoint if source.active else [])


def rank(source: Value, out: Value):
    """Each element's position in the ascending order: ints, piecewise constant (no adjoint)."""
    order, line = _order(source, out)
    return [line, f"{out.code} = np.empty({order}.shape[0], dtype=np.int64)",
            f"for _k in range({order}.shape[0]):", f"    {out.code}[{order}[_k]] = _k"], []


def trace(source: Value, out: Value):
    forward = [f"{out.code} = np.trace({source.code})"]
    adjoint = [f"for _k in range({source.code}.shape[0]):", f"    {source.adjoint}[_k, _k] += {out.adjoint}"]
    return forward, (adjoint if source.active else [])


def scale_rows_and_columns(kind: str, matrix: Value, vector: Value, out: Value):
    """diag_pre_multiply (v[r] A[r, c]), diag_post_multiply (A[r, c] v[c]) and quad_form_diag
    (v[r] A[r, c] v[c]), as one loop over the entries; the adjoints are the product rule."""
    a, v, o = matrix.code, vector.code, out.code
    factor = {"diag_pre_multiply": f"{v}[_r]", "diag_post_multiply": f"{v}[_c]",
              "quad_form_diag": f"{v}[_r] * {v}[_c]"}[kind]
    loop = [f"for _r in range({a}.shape[0]):", f"    for _c in range({a}.shape[1]):"]
    forward = [f"{o} = np.empty(({a}.shape[0], {a}.shape[1]))"] + loop + \
        [f"        {o}[_r, _c] = {factor} * {a}[_r, _c]"]
    body = []
    if matrix.active:
        body.append(f"        {matrix.adjoint}[_r, _c] += {out.adjoint}[_r, _c] * {factor}")
    if vector.active:
        if kind != "diag_post_multiply":
            other = f" * {v}[_c]" if kind == "quad_form_diag" else ""
            body.append(f"        {vector.adjoint}[_r] += {out.adjoint}[_r, _c] * {a}[_r, _c]{other}")
        if kind != "diag_pre_multiply":
            other = f" * {v}[_r]" if kind == "quad_form_diag" else ""
            body.append(f"        {vector.adjoint}[_c] += {out.adjoint}[_r, _c] * {a}[_r, _c]{other}")
    return forward, (loop + body if body else [])


def multiply_lower_tri_self_transpose(source: Value, out: Value):
    """L @ L.T of the lower triangle of L: out[i, j] = sum_{k <= min(i, j)} L[i, k] L[j, k],
    symmetric.  Adjoint: the entry (i, j), i >= j, is read at (i, j) and (j, i), so its weight
    is the sum of both adjoints (once on the diagonal), then the product rule."""
    x, o = source.code, out.code
    forward = [f"{o} = np.empty(({x}.shape[0], {x}.shape[0]))",
               f"for _r in range({x}.shape[0]):", "    for _c in range(_r + 1):", "        _total = 0.0",
               "        for _k in range(_c + 1):", f"            _total += {x}[_r, _k] * {x}[_c, _k]",
               f"        {o}[_r, _c] = _total", f"        {o}[_c, _r] = _total"]
    adjoint = [f"for _r in range({x}.shape[0]):", "    for _c in range(_r + 1):",
               f"        _weight = {out.adjoint}[_r, _c] + ({out.adjoint}[_c, _r] if _c != _r else 0.0)",
               "        for _k in range(_c + 1):",
               f"            {source.adjoint}[_r, _k] += _weight * {x}[_c, _k]",
               f"            {source.adjoint}[_c, _k] += _weight * {x}[_r, _k]"]
    return forward, (adjoint if source.active else [])


# ---- linear algebra (kernels in ppl/runtime/linear_algebra.py) -------------------------------

def solve(kind: str, matrix: Value, rhs: Value, out: Value):
    """X = A^-1 B (kind "solve"), or with the lower or upper triangle of A only.  Adjoint
    (Giles 2008, "Extended collection of matrix derivative results"): with
    L = A^-T X_adj, B_adj += L and A_adj -= L X.T, restricted to the triangle read."""
    shape = "vector" if rhs.type.rank == 1 else "matrix"
    a, b, x = matrix.code, rhs.code, out.code
    if kind == "solve":
        call = f"linear_algebra.solve_{shape}({a}, {{}}{{}})"
        rows = "range({n})"
    else:
        lower = kind == "solve_lower_triangular"
        call = f"linear_algebra.triangular_solve_{shape}({a}, {{}}, {lower}{{}})"
        rows = "range(_r + 1)" if lower else "range(_r, {n})"
    forward = [f"{x} = " + call.format(b, "")]
    weight = f"_{x.lstrip('_')}_weight"
    adjoint = [f"{weight} = " + call.format(out.adjoint, ", True")]
    if rhs.active:
        adjoint.append(f"{rhs.adjoint} += {weight}")
    if matrix.active:
        columns = rows.format(n=f"{a}.shape[0]")
        loop = [f"for _r in range({a}.shape[0]):", f"    for _c in {columns}:"]
        if shape == "vector":
            adjoint += loop + [f"        {matrix.adjoint}[_r, _c] -= {weight}[_r] * {x}[_c]"]
        else:   # loops, not np.dot: Numba's np.dot calls BLAS through SciPy
            adjoint += loop + [f"        for _j in range({x}.shape[1]):",
                               f"            {matrix.adjoint}[_r, _c] -= {weight}[_r, _j] * {x}[_c, _j]"]
    return forward, (adjoint if out.active else [])


def inverse(source: Value, out: Value):
    """Y = A^-1; adjoint A_adj -= Y.T Y_adj Y.T (linear_algebra.inverse_vjp)."""
    forward = [f"{out.code} = linear_algebra.inverse({source.code})"]
    adjoint = [f"linear_algebra.inverse_vjp({out.code}, {out.adjoint}, {source.adjoint})"]
    return forward, (adjoint if source.active else [])


def log_determinant(source: Value, out: Value):
    """log |det A|; adjoint A_adj += out_adj A^-T."""
    forward = [f"{out.code} = linear_algebra.log_abs_determinant({source.code})"]
    adjoint = [f"{source.adjoint} += {out.adjoint} * linear_algebra.inverse({source.code}).T"]
    return forward, (adjoint if source.active else [])


def eigenvalues_sym(source: Value, out: Value):
    """The ascending eigenvalues of (A + A.T) / 2; adjoint A_adj += V diag(out_adj) V.T
    (ppl/runtime/symmetric_eigen.py, which recomputes V)."""
    forward = [f"{out.code} = symmetric_eigen.eigenvalues_sym({source.code})"]
    adjoint = [f"symmetric_eigen.eigenvalues_sym_vjp({source.code}, {out.adjoint}, {source.adjoint})"]
    return forward, (adjoint if source.active else [])


def eigenvectors_sym(source: Value, out: Value):
    """The eigenvectors of (A + A.T) / 2 as columns; adjoint A_adj += V (F ∘ (V.T out_adj)) V.T,
    symmetrised, F_ij = 1 / (λ_j - λ_i) (ppl/runtime/symmetric_eigen.py)."""
    forward = [f"{out.code} = symmetric_eigen.eigenvectors_sym({source.code})"]
    adjoint = [f"symmetric_eigen.eigenvectors_sym_vjp({source.code}, {out.adjoint}, {source.adjoint})"]
    return forward, (adjoint if source.active else [])
