"""Binding data to a checked program: validate every declared input and
compute the sizes, or raise a DataError that names the variable.

Data is a dict (name → number, list or ndarray) or the path of a JSON file in
Stan's data format.  Each `data` declaration is checked in order: present,
numeric, finite, rectangular, of the declared shape (sizes evaluated from the
data bound so far), integer where `int` is declared, within its bounds.  Values are
read exactly (codegen/data_values.py): ints stand in for reals and integral floats
for ints; ints beyond int64, bools, duplicate JSON names, non-string keys and files
that are not UTF-8 are errors, never a silent coercion.  Entries the model
does not declare are reported in ``BoundData.unused`` and otherwise ignored
(posteriordb's data files carry entries some models do not use).

Then the size checks the checker deferred (``ir.SizeCheck``: sizes like ``[K]`` and ``[2]``
that only the data can make equal) are evaluated, transformed data they read computed with
NumPy (codegen/evaluate.py); a failed one is a DataError at its statement naming both sizes,
their expressions and their values.  Generated code relies on them: binding comes first.

Last, every `~` whose value is computed from data is checked against its distribution's
support (codegen/supports.py).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from codegen import ir
from codegen.data_values import data_array, load_data
from codegen.evaluate import evaluate, evaluate_lazily, size_value
from codegen.ir_print import expr_text
from codegen.shapes import Dim, shape_str
from codegen.supports import check_supports
from ppl.catalogue import constraints as C
from ppl.errors import DataError, ModelNotSupportedError, did_you_mean


@dataclass(frozen=True)
class BoundData:
    values: dict[str, np.ndarray]     # every declared data name → float64 or int64 array (0-d for scalars)
    sizes: dict[str, int]             # int scalars usable as sizes
    unused: tuple[str, ...]           # given but not declared


def bind_data(program: ir.Program, data, strict: bool = False) -> BoundData:
    """Validate data against the declarations.  Names the model does not declare give one
    warning naming them (an error with strict=True)."""
    given = load_data(data)
    values: dict[str, np.ndarray] = {}
    sizes: dict[str, int] = {}
    known = _KnownValues(program, values)
    for declaration in program.data:
        value = _bind_one(declaration, given, values, known)
        values[declaration.name] = value
        if declaration.type.dtype == "int" and value.ndim == 0:
            sizes[declaration.name] = int(value)
    _check_sizes(program, known)
    check_supports(program, known.__getitem__)
    declared = {d.name for d in program.data}
    unused = tuple(sorted(name for name in given if name not in declared))
    if unused:
        listed = ", ".join(unused)
        if strict:
            raise DataError(f"data given that the model does not declare: {listed}",
                            hint="remove them, or call without strict=True to ignore them with a warning")
        warnings.warn(f"ppl: data not used by the model (ignored): {listed}", UserWarning, stacklevel=4)
    return BoundData(values, sizes, unused)


def dim_value(dim: Dim, sizes) -> int | None:
    """A symbolic size evaluated with the values known so far (a dict of ints, or the bound
    values); None when it cannot be evaluated."""
    value_of = sizes.__getitem__
    try:
        return size_value(dim, value_of)
    except (KeyError, NotImplementedError, TypeError, ValueError, IndexError):
        return None


class _KnownValues:
    """Data bound so far, and the transformed data computed from them on demand (those a size
    check reads): top-level assignments of data-only values, evaluated with NumPy."""

    def __init__(self, program: ir.Program, values: dict):
        self.values = values
        self.definitions = {s.name: s.value for s in program.statements
                            if isinstance(s, ir.Assign) and s.role == ir.Role.TRANSFORMED_DATA}
        self.computed: dict = {}

    def __getitem__(self, name):
        if name in self.values:
            return self.values[name]
        if name not in self.computed:
            if name not in self.definitions:
                raise KeyError(name)
            self.computed[name] = evaluate_lazily(self.definitions[name], self.__getitem__)
        return self.computed[name]


def _check_sizes(program: ir.Program, known: _KnownValues):
    """Every size check the checker deferred to binding, where its guards hold."""
    for check in program.size_checks:
        try:
            if not all(_guard_holds(guard, known) for guard in check.guards):
                continue
            left, right = size_value(check.left, known.__getitem__), size_value(check.right, known.__getitem__)
        except Exception as error:   # a size that cannot be computed from this data (an index out of range)
            raise DataError(f"{check.context}: cannot compute the sizes {check.left} and {check.right} "
                            f"from this data ({type(error).__name__}: {error})", check.span) from None
        if left != right:
            raise DataError(f"{check.context}: {check.left_what} has size {_size_text(check.left, left)} "
                            f"but {check.right_what} has size {_size_text(check.right, right)}", check.span,
                            expected=f"equal sizes ({check.left} and {check.right})", found=f"{left} and {right}",
                            hint="the data make these sizes differ: check the sizes given in the data")


def _size_text(dim: Dim, value: int) -> str:
    return str(value) if dim.is_constant else f"{dim} = {value}"


def _guard_holds(guard: ir.SizeGuard, known: _KnownValues) -> bool:
    values = [evaluate_lazily(e, known.__getitem__) for e in guard.exprs]
    if guard.kind == "loop":
        start, stop, step = (int(v) for v in values)
        return step != 0 and len(range(start, stop, step)) > 0
    holds = bool(values[0])
    return holds if guard.kind == "if" else not holds


def _bind_one(declaration: ir.DataDeclaration, given, bound, sizes) -> np.ndarray:
    name, span = declaration.name, declaration.name_span
    declared = _type_text(declaration)
    if name not in given:
        close = did_you_mean(name, [key for key in given if isinstance(key, str)])
        raise DataError(f"missing data '{name}'", span, expected=declared,
                        hint=close or f"add \"{name}\" to the data dict or JSON file")
    array = data_array(name, given[name], declaration.type.dtype, span, declared)
    expected_shape = tuple(dim_value(d, sizes) for d in declaration.type.shape)
    if array.ndim != len(expected_shape) or any(
            e is not None and e != a for e, a in zip(expected_shape, array.shape)):
        concrete = "[" + ", ".join("?" if e is None else str(e) for e in expected_shape) + "]"
        symbolic = shape_str(declaration.type.shape)
        expected = "a scalar" if not expected_shape else f"shape {symbolic}" + (
            f" = {concrete}" if concrete != symbolic else "")
        raise DataError(f"data '{name}' has the wrong shape", span, expected=expected,
                        found="a scalar" if array.ndim == 0 else f"shape [{', '.join(map(str, array.shape))}]")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        position = _first(~np.isfinite(array))
        raise DataError(f"data '{name}' is not finite{_at(position)}", span, expected="finite numbers",
                        found=str(array[position] if position else array.item()))
    _check_bounds(declaration, array, bound)
    _check_constrained(declaration, array)
    return array


def _check_bounds(declaration, array, bound):
    for kind, expr in (("lower", declaration.bounds.lower), ("upper", declaration.bounds.upper)):
        if expr is None:
            continue
        try:
            value = np.asarray(evaluate(expr, bound))
        except NotImplementedError as error:   # the binder's evaluator lacks an operation
            raise ModelNotSupportedError(f"this bound cannot be computed when binding data: {error}", expr.span,
                                         hint=f"compute the bound of '{declaration.name}' before passing the data, "
                                              "or write it with simpler operations") from None
        try:
            limit = np.broadcast_to(value, array.shape)
        except ValueError:   # sizes the data decide (the checker deferred them to here)
            raise DataError(f"the {kind} bound of '{declaration.name}' does not fit its shape", expr.span,
                            expected=f"a scalar or shape [{', '.join(map(str, array.shape))}], as '{declaration.name}'",
                            found=f"shape [{', '.join(map(str, value.shape))}]") from None
        outside = array < limit if kind == "lower" else array > limit
        if np.any(outside):
            position = _first(outside)
            value = array[position] if position else array.item()
            limit_value = limit[position] if position else limit.item()
            relation = ">=" if kind == "lower" else "<="
            raise DataError(f"data '{declaration.name}' is out of bounds{_at(position)}", declaration.name_span,
                            expected=f"{relation} {expr_text(expr)}"
                                     + (f" (= {limit_value:g})" if expr_text(expr) != f"{limit_value:g}" else ""),
                            found=f"{value:g}")


def _check_constrained(declaration, array):
    constraint = declaration.constraint
    if constraint is None:
        return
    tolerance = 1e-8
    name = declaration.name
    if constraint is C.SIMPLEX:
        good = np.all(array >= 0) and np.allclose(array.sum(axis=-1), 1.0, atol=tolerance)
    elif constraint in (C.ORDERED, C.POSITIVE_ORDERED):
        good = np.all(np.diff(array, axis=-1) > 0) and (constraint is C.ORDERED or np.all(array > 0))
    elif constraint in (C.CORR, C.COV):
        symmetric = np.allclose(array, np.swapaxes(array, -1, -2), atol=tolerance)
        good = symmetric and np.all(np.linalg.eigvalsh(array) > 0)
        if constraint is C.CORR:
            good = good and np.allclose(np.diagonal(array, axis1=-2, axis2=-1), 1.0, atol=tolerance)
    else:  # Cholesky factors: lower triangular, positive diagonal (unit rows for corr)
        good = np.allclose(np.triu(array, 1), 0.0) and np.all(np.diagonal(array, axis1=-2, axis2=-1) > 0)
        if constraint is C.CORR_CHOLESKY:
            good = good and np.allclose((array ** 2).sum(axis=-1), 1.0, atol=tolerance)
    if not good:
        raise DataError(f"data '{name}' is not a valid {constraint.name}", declaration.name_span,
                        expected=constraint.description)


def _first(mask) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0]) if np.ndim(mask) else ()


def _at(position: tuple) -> str:
    return f" at [{', '.join(map(str, position))}]" if position else ""


def _type_text(declaration) -> str:
    text = declaration.type.dtype
    if declaration.constraint is not None:
        text = declaration.constraint.name
    return text + (shape_str(declaration.type.shape) if declaration.type.shape else " scalar")
