"""Typing expressions: names, operators, indexing, list literals.

Part of the checker (codegen/check.py assembles it).  Each method takes an AST
expression and returns the typed IR node, or raises a located ModelError.
Calls (built-ins, distributions, kernels) are typed in codegen/check_calls.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen import ast, ir
from codegen.ir_print import expr_text
from codegen.check_sizes import axis_what
from codegen.shapes import Dim, SliceLength, shape_str
from ppl.catalogue.builtins import BUILTINS, CONSTANTS
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.kernels import KERNELS
from ppl.errors import ModelNameError, ModelStructureError, ModelTypeError, Span, did_you_mean

ARITHMETIC = {"+", "-", "*", "/", "//", "%", "**"}


@dataclass
class Binding:
    """What a name means where it is used."""
    name: str
    role: str
    type: ir.Type
    stage: str          # "data", "model" or "gen": when its value is known
    span: Span
    gen: bool = False
    array: bool = False  # declared with `NAME: TYPE`, filled element by element
    fills: int = 0       # fill statements checked so far (arrays only)
    # a `local` (codegen/check_locals.py): its value now as an AST expression (the latest version),
    # whether it has one yet, and its sizes as AST expressions
    local: bool = False
    current: object = None
    assigned: bool = False
    dims: tuple = ()


class Scope:
    def __init__(self, parent: "Scope | None" = None):
        self.parent = parent
        self.bindings: dict[str, Binding] = {}

    def lookup(self, name: str) -> Binding | None:
        scope = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None

    def visible_names(self) -> list[str]:
        names, scope = [], self
        while scope is not None:
            names.extend(scope.bindings)
            scope = scope.parent
        return names


def describe_type(type_) -> str:
    if isinstance(type_, ir.Type):
        if not type_.shape:
            return f"a {type_.dtype} scalar"
        return f"a {type_.dtype} array of shape {shape_str(type_.shape)}"
    return str(type_)


class ExprChecker:
    """Mixin: needs self.scope and self.later_definitions (name → span of a later definition)."""

    scope: Scope
    later_definitions: dict[str, Span]

    # ---- entry points ------------------------------------------------------

    def check_value(self, node) -> ir.Expr:
        """An expression that must be a numeric value (not a distribution or kernel)."""
        expr = self.check_expr(node)
        if isinstance(expr, ir.DistributionExpr):
            raise ModelTypeError(
                f"{expr.family}(...) is a distribution, not a value", node.span,
                hint=f"use it on the right of `~`, or take `{expr.family}(...).log_prob(x)`")
        if isinstance(expr, ir.KernelExpr):
            raise ModelTypeError(f"{expr.family}(...) is a kernel, not a value", node.span,
                                 hint="pass it as the `kernel` of a GaussianProcess")
        return expr

    def check_expr(self, node) -> ir.Expr:
        method = getattr(self, "_expr_" + type(node).__name__)
        return method(node)

    def stage_of(self, expr) -> str:
        """When an expression's value is known: data, model or gen."""
        stages = ["data"]
        for sub in ir.walk_expr(expr):
            if isinstance(sub, ir.Variable):
                binding = self.scope.lookup(sub.name)
                if binding is not None:
                    stages.append(binding.stage)
        return ir.latest_stage(*stages)

    def params_in(self, expr) -> list[str]:
        return [sub.name for sub in ir.walk_expr(expr)
                if isinstance(sub, ir.Variable) and self.scope.lookup(sub.name)
                and self.scope.lookup(sub.name).stage != "data"]

    # ---- leaves -------------------------------------------------------------

    def _expr_IntLiteral(self, node):
        return require_int64(ir.Constant(node.value, ir.INT, node.span))

    def _expr_FloatLiteral(self, node):
        return ir.Constant(node.value, ir.REAL, node.span)

    def _expr_Name(self, node):
        binding = self.scope.lookup(node.id)
        if binding is not None and binding.local:
            return self.read_local(binding, node)
        if binding is not None:
            if binding.array and binding.fills == 0:
                raise ModelStructureError(
                    f"'{node.id}' is read before any of its elements is assigned", node.span,
                    hint=f"fill it first (`{node.id}[i] = ...`); it was declared on line {binding.span.line}")
            return ir.Variable(node.id, binding.role, binding.type, node.span)
        if node.id in CONSTANTS:
            return ir.Constant(CONSTANTS[node.id].value, ir.REAL, node.span)
        raise self.unknown_name(node.id, node.span)

    def unknown_name(self, name: str, span: Span):
        if name in self.later_definitions:
            line = self.later_definitions[name].line
            return ModelNameError(f"'{name}' is used before it is defined", span,
                                  hint=f"'{name}' is defined on line {line}; move that definition above this line")
        if name in DISTRIBUTIONS:
            return ModelTypeError(f"'{name}' is a distribution; call it with its arguments", span,
                                  hint=f"e.g. `{name}(...)` on the right of `~`")
        if name in BUILTINS or name in KERNELS:
            return ModelTypeError(f"'{name}' is a function; call it with its arguments", span,
                                  hint=f"write `{name}(...)`")
        if name == "target":
            return ModelStructureError("`target` can only be incremented", span, hint="write `target += expression`")
        return ModelNameError(f"unknown name '{name}'", span,
                              hint=did_you_mean(name, self.scope.visible_names()) or
                              "declare it with `data`, `param`, or assign it before this line")

    # ---- operators ------------------------------------------------------------

    def _expr_Unary(self, node):
        operand = self.check_value(node.operand)
        self._require_numeric(operand, node.operand.span, f"unary '{node.op}'")
        dtype = "int" if operand.type.dtype == "bool" else operand.type.dtype
        return ir.UnaryOp(node.op, operand, ir.Type(dtype, operand.type.shape), node.span)

    def _expr_Not(self, node):
        operand = self.check_value(node.operand)
        self._require_scalar(operand, node.operand.span, "`not`")
        return ir.UnaryOp("not", operand, ir.BOOL, node.span)

    def _expr_BoolOp(self, node):
        values = [self.check_value(v) for v in node.values]
        for value, value_node in zip(values, node.values):
            self._require_scalar(value, value_node.span, f"`{node.op}`")
        result = values[0]
        for value in values[1:]:
            result = ir.BinaryOp(node.op, result, value, ir.BOOL, node.span)
        return result

    def _expr_Compare(self, node):
        left, right = self.check_value(node.left), self.check_value(node.right)
        shape = self._broadcast(node, left, right, f"'{node.op}'")
        return ir.BinaryOp(node.op, left, right, ir.Type("bool", shape), node.span)

    def _expr_Binary(self, node):
        left, right = self.check_value(node.left), self.check_value(node.right)
        self._require_numeric(left, node.left.span, f"'{node.op}'")
        self._require_numeric(right, node.right.span, f"'{node.op}'")
        if node.op == "@":
            return ir.BinaryOp("@", left, right, self._matmul_type(node, left, right), node.span)
        shape = self._broadcast(node, left, right, f"'{node.op}'")
        both_int = {left.type.dtype, right.type.dtype} <= {"int", "bool"}
        exponent = constant_int(right)
        # int ** int stays int only for a literal non-negative exponent (2 ** -1 is 0.5, as in Python)
        int_power = node.op != "**" or (exponent is not None and exponent >= 0)
        dtype = "int" if both_int and node.op != "/" and int_power else "real"
        result = ir.BinaryOp(node.op, left, right, ir.Type(dtype, shape), node.span)
        if node.op in ("//", "%") and dtype == "real" and not self.in_gen and self.stage_of(result) == "model":
            params = ", ".join(f"'{name}'" for name in dict.fromkeys(self.params_in(result)))
            raise ModelTypeError(
                f"'{node.op}' of reals that depend on the params ({params}) has no usable derivative", node.span,
                expected="'//' and '%' of ints, or of real data and in `gen`",
                found=f"{expr_text(left)} {node.op} {expr_text(right)}: {describe_type(result.type)}",
                hint="the result jumps where the quotient crosses an integer, so a gradient-based sampler "
                     "cannot follow it; compute it from data, or in `gen`")
        return require_int64(result) if dtype == "int" else result

    def _broadcast(self, node, left, right, what: str):
        shape = self.broadcast_sizes([(left.type.shape, expr_text(left)), (right.type.shape, expr_text(right))],
                                     node.span)
        if shape is None:
            raise ModelTypeError(
                f"shapes {shape_str(left.type.shape)} and {shape_str(right.type.shape)} do not broadcast in {what}",
                node.span, expected="shapes that are equal, or 1, axis by axis from the right (NumPy broadcasting)",
                found=f"{expr_text(left)}: {shape_str(left.type.shape)}, {expr_text(right)}: {shape_str(right.type.shape)}",
                hint="index or transpose one side so that the sizes line up")
        return shape

    def _matmul_type(self, node, left, right) -> ir.Type:
        a, b = left.type.shape, right.type.shape
        if not a or not b:
            side = node.left if not a else node.right
            raise ModelTypeError("'@' needs arrays on both sides, not a scalar", side.span,
                                 found=f"{describe_type(left.type)} @ {describe_type(right.type)}",
                                 hint="use '*' to multiply by a scalar")
        inner_left = a[-1]
        inner_right = b[0] if len(b) == 1 else b[-2]
        left_what = axis_what(expr_text(left), len(a), len(a) - 1)
        right_what = axis_what(expr_text(right), len(b), 0 if len(b) == 1 else len(b) - 2)
        if not self.sizes_equal(inner_left, inner_right, left_what, right_what, node.span):
            raise ModelTypeError(
                f"'@' inner dimensions differ: {shape_str(a)} @ {shape_str(b)}", node.span,
                expected=f"the last axis of the left ({inner_left}) equal to the "
                         f"{'only' if len(b) == 1 else 'second-to-last'} axis of the right",
                found=f"{inner_left} and {inner_right}",
                hint="transpose one side with .T, or check which axis holds which size")
        dtype = "int" if {left.type.dtype, right.type.dtype} <= {"int"} else "real"
        left_batch = a[:-2] if len(a) > 1 else ()
        right_batch = b[:-2] if len(b) > 1 else ()
        batch = self.broadcast_sizes([(left_batch, expr_text(left)), (right_batch, expr_text(right))], node.span)
        if batch is None:
            raise ModelTypeError(f"'@' batch axes {shape_str(left_batch)} and {shape_str(right_batch)} "
                                 "do not broadcast", node.span)
        rows = (a[-2],) if len(a) > 1 else ()
        cols = (b[-1],) if len(b) > 1 else ()
        return ir.Type(dtype, batch + rows + cols)

    def _require_numeric(self, expr, span, what):
        if expr.type.dtype not in ("int", "real", "bool"):
            raise ModelTypeError(f"{what} needs a number", span, found=describe_type(expr.type))

    def _require_scalar(self, expr, span, what):
        if expr.type.shape:
            raise ModelTypeError(f"{what} needs a scalar, not an array of shape {shape_str(expr.type.shape)}",
                                 span, hint="compare elements one at a time, or reduce the array first")

    # ---- indexing ---------------------------------------------------------------

    def _expr_Index(self, node):
        value = self.check_value(node.value)
        items, shape = self.check_subscripts(value, node.subscripts, node)
        return ir.IndexOp(value, items, ir.Type(value.type.dtype, shape), node.span)

    def check_subscripts(self, value, subscripts, node):
        """Index items and the resulting shape, following NumPy's rules."""
        shape = value.type.shape
        consumed = len(subscripts)
        if consumed > len(shape):
            what = "a scalar" if not shape else f"an array of shape {shape_str(shape)}"
            raise ModelTypeError(
                f"too many indices: {expr_text(value)} is {what} but {consumed} "
                f"ind{'ex is' if consumed == 1 else 'ices are'} given", node.span,
                expected=f"at most {len(shape)} ind{'ex' if len(shape) == 1 else 'ices'}",
                hint="index one axis per comma-separated position")
        items: list[ir.IndexItem] = []
        pieces: list[tuple[str, tuple]] = []   # ("basic", dims) or ("advanced", index shape)
        texts: list[str] = []                  # each piece's index as written
        for axis, sub in enumerate(subscripts):
            size = shape[axis]
            if isinstance(sub, ast.Slice):
                parts = [self._index_int(p, "slice bound") if p is not None else None
                         for p in (sub.start, sub.stop, sub.step)]
                items.append(ir.SliceIndex(*parts))
                pieces.append(("basic", (self._slice_length(size, *parts),)))
                texts.append("")
                continue
            index = self.check_value(sub)
            if index.type.dtype == "bool":
                raise ModelTypeError("boolean masks are not supported as indices", sub.span,
                                     hint="gather with an int array of the positions you want")
            if index.type.dtype != "int":
                raise ModelTypeError("an index must be an integer", sub.span,
                                     found=f"{expr_text(index)}: {describe_type(index.type)}")
            texts.append(expr_text(index))
            if index.type.shape:
                items.append(ir.GatherIndex(index))
                pieces.append(("advanced", index.type.shape))
            else:
                self._check_constant_index(index, size, sub.span)
                items.append(ir.ScalarIndex(index))
                pieces.append(("scalar", ()))
        result = _numpy_index_shape(pieces, node, lambda positions: self.broadcast_sizes(
            [(pieces[i][1], texts[i]) for i in positions], node.span))
        return tuple(items), result + shape[consumed:]

    def _index_int(self, node, what):
        expr = self.check_value(node)
        if expr.type.dtype != "int" or expr.type.shape:
            raise ModelTypeError(f"a {what} must be an integer scalar", node.span,
                                 found=describe_type(expr.type))
        return expr

    def _check_constant_index(self, index, size: Dim, span):
        position = constant_int(index)
        if position is None or size.value is None:
            return
        if not -size.value <= position < size.value:
            raise ModelTypeError(f"index {position} is out of range for an axis of size {size.value}", span,
                                 expected=f"an index from {-size.value} to {size.value - 1} (indices start at 0)")

    def _slice_length(self, size: Dim, start, stop, step) -> Dim:
        step_value = constant_int(step) if step is not None else 1
        opaque = Dim.unknown(f"len(range({size})[{expr_text_or(start)}:{expr_text_or(stop)}"
                             f"{':' + expr_text(step) if step is not None else ''}])",
                             SliceLength(size, start, stop, step))
        if step_value is None or step_value == 0:
            return opaque
        start_value = constant_int(start) if start is not None else None
        stop_value = constant_int(stop) if stop is not None else None
        if size.value is not None and (start is None or start_value is not None) \
                and (stop is None or stop_value is not None):
            return Dim.constant(len(range(size.value)[slice(start_value, stop_value, step_value)]))
        if step_value != 1:
            if start is None and stop is None and step_value == -1:
                return size
            return opaque
        begin = Dim.constant(0) if start is None else self._position(start, size)
        end = size if stop is None else self._position(stop, size)
        return end - begin

    def _position(self, expr, size: Dim) -> Dim:
        value = constant_int(expr)
        if value is not None and value < 0:
            return size + Dim.constant(value)
        return self.dim_of(expr)

    def dim_of(self, expr) -> Dim:
        """A size written as an int expression: a polynomial in data and loop names when possible."""
        value = constant_int(expr)
        if value is not None:
            return Dim.constant(value)
        if isinstance(expr, ir.Variable) and expr.type.dtype == "int" and not expr.type.shape:
            return Dim.name(expr.name)
        if isinstance(expr, ir.BinaryOp) and expr.op in ("+", "-", "*"):
            left, right = self.dim_of(expr.left), self.dim_of(expr.right)
            return {"+": left + right, "-": left - right, "*": left * right}[expr.op]
        if isinstance(expr, ir.UnaryOp) and expr.op in ("-", "+"):
            inner = self.dim_of(expr.operand)
            return -inner if expr.op == "-" else inner
        if isinstance(expr, ir.Call) and expr.function == "size":   # the product of the sizes
            product = Dim.constant(1)
            for dim in expr.args[0].type.shape:
                product = product * dim
            return product
        return Dim.unknown(expr_text(expr), expr)

    # ---- other forms ------------------------------------------------------------

    def _expr_Attribute(self, node):
        if node.attr == "T":
            value = self.check_value(node.value)
            return ir.Call("transpose", (value,), (), ir.Type(value.type.dtype, value.type.shape[::-1]), node.span)
        if node.attr in ("log_prob", "prob", "sample", "cdf", "log_cdf", "survival_function",
                         "log_survival_function", "mean"):
            raise ModelTypeError(f"`.{node.attr}` must be called", node.span,
                                 hint="write `Dist(...).log_prob(x)` (or `.log_cdf(x)`, ...)")
        raise ModelTypeError(f"unknown attribute '.{node.attr}'", node.span,
                             hint=did_you_mean(node.attr, ["T", "log_prob"]) or
                             "the attributes are `.T` (transpose) and `.log_prob(x)` on a distribution")

    def _expr_ListLiteral(self, node):
        items = [self.check_value(item) for item in node.items]
        first = items[0]
        for item, item_node in zip(items[1:], node.items[1:]):
            same_rank = len(item.type.shape) == len(first.type.shape)
            if not same_rank or not all(
                    self.sizes_equal(a, b, axis_what(expr_text(first), len(first.type.shape), axis),
                                     axis_what(expr_text(item), len(item.type.shape), axis), node.span)
                    for axis, (a, b) in enumerate(zip(first.type.shape, item.type.shape))):
                raise ModelTypeError(
                    "the items of a list must all have the same shape", item_node.span,
                    expected=shape_str(first.type.shape), found=shape_str(item.type.shape),
                    hint="a list literal stacks its items like np.array")
        dtypes = {item.type.dtype for item in items}
        dtype = "real" if "real" in dtypes else "int"
        shape = (Dim.constant(len(items)),) + first.type.shape
        return ir.Stack(tuple(items), ir.Type(dtype, shape), node.span)


def _numpy_index_shape(pieces, node, broadcast) -> tuple:
    """The shape of the indexed axes: basic axes in place; advanced (gather and, when
    a gather is present, scalar) indices broadcast together, in place if adjacent,
    else first (NumPy's rule)."""
    has_gather = any(kind == "advanced" for kind, _ in pieces)
    if not has_gather:
        return tuple(d for kind, dims in pieces if kind == "basic" for d in dims)
    advanced_positions = [i for i, (kind, _) in enumerate(pieces) if kind in ("advanced", "scalar")]
    advanced_shape = broadcast(advanced_positions)
    if advanced_shape is None:
        shapes = ", ".join(shape_str(dims) for kind, dims in pieces if kind == "advanced")
        raise ModelTypeError(f"gather indices of shapes {shapes} do not broadcast together", node.span)
    contiguous = advanced_positions == list(range(advanced_positions[0], advanced_positions[-1] + 1))
    result: list = []
    inserted = False
    for i, (kind, dims) in enumerate(pieces):
        if kind == "basic":
            result.extend(dims)
        elif contiguous and not inserted:
            result.extend(advanced_shape)
            inserted = True
    if not contiguous:
        result = list(advanced_shape) + result
    return tuple(result)


def constant_int(expr) -> int | None:
    """The value of an int literal (or its negation), else None."""
    if isinstance(expr, ir.Constant) and expr.type.dtype == "int":
        return int(expr.value)
    if isinstance(expr, ir.UnaryOp) and expr.op in ("-", "+"):
        inner = constant_int(expr.operand)
        if inner is not None:
            return -inner if expr.op == "-" else inner
    return None


INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1


def require_int64(expr):
    """expr, unless it is an int of constants whose value does not fit int64 (ints are int64 in
    generated code, as in NumPy): a located error, as Stan's for an int literal out of range."""
    value = _folded_int(expr)
    if value is not None and not INT64_MIN <= value <= INT64_MAX:
        what = f"the integer {value}" if isinstance(expr, ir.Constant) else f"the integer expression {expr_text(expr)}"
        raise ModelTypeError(f"{what} does not fit in 64 bits", expr.span,
                             expected=f"an integer from {INT64_MIN} to {INT64_MAX}",
                             hint="write a real number (such as 1e30) where a large real is meant")
    return expr


_INT_OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                  "//": lambda a, b: a // b if b else None, "%": lambda a, b: a % b if b else None}


def _folded_int(expr) -> int | None:
    """The value of an int expression of literals (+ - * // % and ** by a non-negative literal),
    in Python's exact arithmetic; None when it is not one (or divides by zero)."""
    if isinstance(expr, (ir.Constant, ir.UnaryOp)):
        return constant_int(expr)
    if not (isinstance(expr, ir.BinaryOp) and expr.type.dtype == "int" and not expr.type.shape):
        return None
    left, right = _folded_int(expr.left), _folded_int(expr.right)
    if left is None or right is None:
        return None
    if expr.op == "**":
        if abs(left) > 1 and right > 64:   # beyond int64 whatever the base: not worth computing
            return left * 2 ** 64
        return left ** right
    operator = _INT_OPERATORS.get(expr.op)
    return operator(left, right) if operator else None


def constant_number(expr) -> float | None:
    """The value of a number literal (or its negation) as float64 (±inf beyond its range), else None."""
    if isinstance(expr, ir.Constant):
        try:
            return float(expr.value)
        except OverflowError:
            return float("inf") if expr.value > 0 else float("-inf")
    if isinstance(expr, ir.UnaryOp) and expr.op in ("-", "+"):
        inner = constant_number(expr.operand)
        if inner is not None:
            return -inner if expr.op == "-" else inner
    return None


def expr_text_or(expr) -> str:
    return "" if expr is None else expr_text(expr)
