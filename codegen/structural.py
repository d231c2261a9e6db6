"""Forward and adjoint rules for the operations that are not elementwise.

Each rule takes the input Values and the output Value and returns
``(forward_lines, adjoint_lines)``; the adjoint lines add the inputs' share
of ``output_adj`` into their ``_adj`` (only for active inputs).  The rule and
its adjoint stand side by side so that each can be checked against the
other (tests/test_gradients.py compares every gallery model's gradient with
finite differences).
"""

from __future__ import annotations

from codegen.emit import NotSupportedYet, Value


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
    """out = left @ right (np.matmul) for vectors and matrices, as explicit loops.

    Adjoints: left_adj += out_adj @ right.T, right_adj += left.T @ out_adj,
    written per case below."""
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
        forward = [f"{o} = np.zeros({a}.shape[0])", f"for _r in range({a}.shape[0]):",
                   f"    for _k in range({a}.shape[1]):", f"        {o}[_r] += {a}[_r, _k] * {b}[_k]"]
        adjoint = [f"for _r in range({a}.shape[0]):", f"    for _k in range({a}.shape[1]):"]
        if left.active:
            adjoint.append(f"        {left.adjoint}[_r, _k] += {out.adjoint}[_r] * {b}[_k]")
        if right.active:
            adjoint.append(f"        {right.adjoint}[_k] += {out.adjoint}[_r] * {a}[_r, _k]")
    elif rank == (1, 2):
        forward = [f"{o} = np.zeros({b}.shape[1])", f"for _k in range({b}.shape[0]):",
                   f"    for _c in range({b}.shape[1]):", f"        {o}[_c] += {a}[_k] * {b}[_k, _c]"]
        adjoint = [f"for _k in range({b}.shape[0]):", f"    for _c in range({b}.shape[1]):"]
        if left.active:
            adjoint.append(f"        {left.adjoint}[_k] += {out.adjoint}[_c] * {b}[_k, _c]")
        if right.active:
            adjoint.append(f"        {right.adjoint}[_k, _c] += {out.adjoint}[_c] * {a}[_k]")
    elif rank == (2, 2):
        forward = [f"{o} = np.zeros(({a}.shape[0], {b}.shape[1]))", f"for _r in range({a}.shape[0]):",
                   f"    for _k in range({a}.shape[1]):", f"        for _c in range({b}.shape[1]):",
                   f"            {o}[_r, _c] += {a}[_r, _k] * {b}[_k, _c]"]
        adjoint = [f"for _r in range({a}.shape[0]):", f"    for _k in range({a}.shape[1]):",
                   f"        for _c in range({b}.shape[1]):"]
        if left.active:
            adjoint.append(f"            {left.adjoint}[_r, _k] += {out.adjoint}[_r, _c] * {b}[_k, _c]")
        if right.active:
            adjoint.append(f"            {right.adjoint}[_k, _c] += {out.adjoint}[_r, _c] * {a}[_r, _k]")
    else:
        raise NotSupportedYet(f"batched '@' of ranks {rank}")
    if not (left.active or right.active):
        adjoint = []
    return forward, adjoint


def reduce_all(kind: str, source: Value, out: Value):
    """sum / mean / logsumexp over every element."""
    x, o = source.code, out.code
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
    """sum / mean along one axis of a matrix."""
    if source.type.rank != 2 or kind not in ("sum", "mean"):
        raise NotSupportedYet(f"{kind}(axis=) on rank {source.type.rank}")
    x, o = source.code, out.code
    scale = "" if kind == "sum" else f" / {x}.shape[{axis}]"
    forward = [f"{o} = np.{kind}({x}, axis={axis})"]
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
    forward = [f"{out.code} = np.empty(({count},) + {item_shape_code})"]
    adjoint = []
    for k, item in enumerate(items):
        forward.append(f"{out.code}[{k}] = {item.code}")
        if item.active:
            adjoint.append(f"{item.adjoint} += {out.adjoint}[{k}]")
    return forward, adjoint


def transpose(source: Value, out: Value):
    forward = [f"{out.code} = {source.code}.T"]
    return forward, ([f"{source.adjoint} += {out.adjoint}.T"] if source.active else [])


def filled(kind: str, shape_code: str, out: Value):
    function = {"zeros": "np.zeros", "ones": "np.ones"}[kind]
    return [f"{out.code} = {function}({shape_code})"], []


def eye(size_code: str, out: Value):
    return [f"{out.code} = np.eye({size_code})"], []


def diag_matrix(source: Value, out: Value):
    """A diagonal matrix from a vector; adjoint: the diagonal of out_adj."""
    forward = [f"{out.code} = np.diag({source.code})"]
    adjoint = [f"for _k in range({source.code}.shape[0]):",
               f"    {source.adjoint}[_k] += {out.adjoint}[_k, _k]"] if source.active else []
    return forward, adjoint
