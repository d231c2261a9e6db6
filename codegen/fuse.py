"""Fused elementwise regions: an IR expression made of broadcasting
arithmetic, elementwise built-ins and scalar-event log densities becomes one
SymPy expression of its *leaves* (the values it reads); one loop over the
broadcast shape computes it, and the partial derivatives SymPy takes with
respect to each leaf give the adjoint loop.

The log density of `y ~ Normal(mu, sigma)` is such a region summed into the
target: the loop adds each element's term and, in the adjoint sweep, each
element's partials into the adjoints of mu and sigma, without allocating an
array of terms.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import sympy

from codegen import ir
from codegen.emit import NotSupportedYet, Value
from codegen.sympy_numba import NumbaPrinter, as_float, emit_assignments, stabilise
from ppl.catalogue.builtin_expressions import ELEMENTWISE, PICKS

_ARITHMETIC = {"+", "-", "*", "/", "**"}


def is_fusable(expr) -> bool:
    """Whether expr is an elementwise node (its operands may be anything)."""
    if isinstance(expr, ir.UnaryOp):
        return expr.op in ("-", "+") and expr.type.dtype == "real"
    if isinstance(expr, ir.BinaryOp):
        return expr.op in _ARITHMETIC and expr.type.dtype == "real"
    if isinstance(expr, ir.Call):   # `where` of ints picks ints: computed as ints (structural.pick_integers)
        return expr.function in ELEMENTWISE and (expr.function not in PICKS or expr.type.dtype == "real")
    if isinstance(expr, ir.LogProb):   # scalar events with scalar parameters only (not Categorical's vector)
        distribution = expr.distribution
        return (not distribution.type.event_shape and distribution.family not in ("MixtureSameFamily", "Categorical")
                and all(not isinstance(a, (ir.DistributionExpr, ir.KernelExpr)) for _, a in distribution.arguments))
    return False


def unrolled_matmul(expr: ir.BinaryOp):
    """`a @ b` with a literal inner size of at most 8, as a sum of elementwise products
    (so that it fuses with what reads it): [K] @ [K, M] → sum_k a[k] * b[k];
    [N, K] @ [K] → sum_k A[:, k] * v[k]; [K] @ [K] → sum_k a[k] * b[k]."""
    left, right = expr.left, expr.right
    inner = left.type.shape[-1]
    ranks = (left.type.rank, right.type.rank)
    if inner.value is None or not 1 <= inner.value <= 8 or ranks not in ((1, 1), (1, 2), (2, 1)):
        return None
    span = expr.span

    def pick(value, k, leading_slice=False):
        if not leading_slice and _slice_start(value) is not None:   # a[s:][k] → a[s + k]
            value, k = value.value, _slice_start(value) + k
        index = ir.ScalarIndex(ir.Constant(k, ir.INT, span))
        items = (ir.SliceIndex(None, None, None), index) if leading_slice else (index,)
        shape = value.type.shape[:1] if leading_slice else value.type.shape[1:]
        return ir.IndexOp(value, items, ir.Type(value.type.dtype, shape), span)

    total = None
    for k in range(inner.value):
        if ranks == (2, 1):
            term_left, term_right = pick(left, k, leading_slice=True), pick(right, k)
        else:
            term_left, term_right = pick(left, k), pick(right, k)
        term = ir.BinaryOp("*", term_left, term_right, expr.type if expr.type.dtype == "real"
                           else ir.Type("real", expr.type.shape), span)
        total = term if total is None else ir.BinaryOp("+", total, term, term.type, span)
    return total if expr.type.dtype == "real" else None


def _slice_start(value):
    """s where value is `a[s:...]` (a literal start of at least 0, no step) along a's first axis."""
    if not isinstance(value, ir.IndexOp) or len(value.items) != 1 or not isinstance(value.items[0], ir.SliceIndex):
        return None
    item = value.items[0]
    if item.step is not None:
        return None
    if item.start is None:
        return 0
    if isinstance(item.start, ir.Constant) and isinstance(item.start.value, int) and item.start.value >= 0:
        return item.start.value
    return None


@dataclass
class Region:
    expression: sympy.Expr
    leaves: list[tuple[sympy.Symbol, Value]]
    shape: tuple
    axes: dict | None = None    # leaf code → the region axes its own axes run along (default: right-aligned)
    # named intermediates (a density's arguments): symbol → definition, in order.  The expression
    # and later definitions use the symbols; partials go through them by the chain rule.
    intermediates: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(value.active for _, value in self.leaves)


def number(value, dtype: str):
    """A literal as SymPy sees it.  Small integers stay exact (powers `x ** 2` differentiate and
    print cleanly); every other number is a float, so that SymPy never evaluates a density's
    constants exactly (`lgamma(2000)` as log(1999!), a power of 2**31) and generated code is
    floating point throughout."""
    if dtype == "int" and abs(int(value)) <= SMALL_INTEGER:
        return sympy.Integer(int(value))
    return sympy.Float(float(value))


SMALL_INTEGER = 16

_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
_NUMPY_OPERATORS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "**": np.power}


def elementwise(name: str, args):
    """An elementwise built-in in SymPy; of numbers only, NumPy's value where SymPy has no real
    finite one (SymPy raises on lgamma(-1.0), makes log(0.0) zoo where NumPy's is -inf)."""
    from codegen.evaluate import elementwise_numpy

    if not all(a.is_Number for a in args):
        return ELEMENTWISE[name](*args)
    try:
        result = ELEMENTWISE[name](*args)
        if result.is_extended_real and result.is_finite:
            return result
    except (ValueError, ZeroDivisionError):
        result = sympy.nan
    value = elementwise_numpy(name, [as_float(a) for a in args])
    return result if value is None else sympy.Float(float(value))


def arithmetic(op: str, left, right):
    """left op right in SymPy.  Two numbers fold as float64 arithmetic does in NumPy where SymPy
    has no real finite answer: SymPy raises on `0.0 / 0.0` and makes `1 / 0` zoo and `(-1) ** 0.5`
    imaginary; NumPy's nan and inf are what the generated code computes at run time."""
    if not (left.is_Number and right.is_Number):
        return _OPERATORS[op](left, right)
    try:
        result = _OPERATORS[op](left, right)
        if result.is_extended_real and result.is_finite:
            return result
    except ZeroDivisionError:
        pass
    with np.errstate(all="ignore"):
        value = _NUMPY_OPERATORS[op](np.float64(as_float(left)), np.float64(as_float(right)))
    return sympy.Float(float(value))


class Fuser:
    """Builds a Region, asking `leaf(expr) -> Value` for every non-elementwise operand.

    A log density is -inf outside its distribution's support (the test of
    ``ppl.catalogue.supports.condition`` around it), except for ``checked``: the `~` statement's
    own LogProb when the checker or the binder has settled its support (codegen/supports.py)."""

    def __init__(self, leaf, inline=None, checked=None):
        self.leaf = leaf
        self.inline = inline or (lambda name: None)   # name → the IR expression of an inlined value
        self.leaves: dict[str, tuple[sympy.Symbol, Value]] = {}
        self.intermediates: dict[sympy.Symbol, sympy.Expr] = {}
        self.checked = checked                        # the LogProb whose support needs no test

    def region(self, expr, truncation: ir.Truncation | None = None) -> Region:
        """The region of expr; with a truncation (expr is then the `~` statement's LogProb), the
        truncated log density."""
        expression = self.convert(expr) if truncation is None else self.truncated(expr, truncation)
        return Region(expression, list(self.leaves.values()), expr.type.shape, intermediates=dict(self.intermediates))

    def truncated(self, log_prob: ir.LogProb, truncation: ir.Truncation):
        """log p(y) - log P(low <= Y <= high) inside [low, high], -inf outside (Stan's `T[low, high]`).

        The normaliser is taken in the tail where it keeps its digits: log S(low) alone for a
        lower bound, log F(high) alone for an upper one, and for both the difference of the
        survival functions when the interval lies in the upper tail (S(low) < F(high)), of the
        cdfs otherwise, each as log a + log1m_exp(log b - log a).  A discrete family's lower
        bound counts: P(Y >= low) = S(low - 1), as Stan."""
        from ppl.catalogue.distributions import DISTRIBUTIONS
        from ppl.catalogue.sympy_functions import log1m_exp, where

        distribution = log_prob.distribution
        discrete = DISTRIBUTIONS[distribution.family].support.dtype == "int"
        density = self.convert(log_prob)
        value = self.convert(log_prob.value)
        low = None if truncation.lower is None else self.convert(truncation.lower)
        high = None if truncation.upper is None else self.convert(truncation.upper)
        below = None if low is None else (low - 1 if discrete else low)   # P(Y >= low) = S(below)

        def function(method, at):
            return self.distribution_function(distribution, at, method)

        if below is None:
            normaliser = function("log_cdf", high)
        elif high is None:
            normaliser = function("log_survival_function", below)
        else:
            survival_low, survival_high = function("log_survival_function", below), function("log_survival_function", high)
            cdf_low, cdf_high = function("log_cdf", below), function("log_cdf", high)
            normaliser = where(survival_low < cdf_high, survival_low + log1m_exp(survival_high - survival_low),
                               cdf_high + log1m_exp(cdf_low - cdf_high))
        outside = sympy.Or(*([] if low is None else [value < low]), *([] if high is None else [value > high]))
        return where(outside, -sympy.oo, density - normaliser)

    def named(self, hint: str, expression):
        """A density's argument as a named intermediate (leaves and numbers stay as they are)."""
        if expression.is_Symbol or expression.is_Number:
            return expression
        symbol = sympy.Symbol(f"{hint}_{len(self.intermediates)}", real=True)
        self.intermediates[symbol] = expression
        return symbol

    def convert(self, expr):
        if isinstance(expr, ir.Constant):
            return number(expr.value, expr.type.dtype)
        if isinstance(expr, ir.UnaryOp) and expr.op in ("-", "+") and isinstance(expr.operand, ir.Constant):
            value = number(expr.operand.value, expr.operand.type.dtype)   # -1 is a number, not an int leaf
            return -value if expr.op == "-" else value
        if isinstance(expr, ir.Variable) and self.inline(expr.name) is not None:
            return self.convert(self.inline(expr.name))
        if isinstance(expr, ir.BinaryOp) and expr.op == "@" and unrolled_matmul(expr) is not None:
            return self.convert(unrolled_matmul(expr))
        if not is_fusable(expr):
            return self.leaf_symbol(self.leaf(expr))
        if isinstance(expr, ir.UnaryOp):
            operand = self.convert(expr.operand)
            return -operand if expr.op == "-" else operand
        if isinstance(expr, ir.BinaryOp) and expr.op == "**" or isinstance(expr, ir.Call) and expr.function == "pow":
            base, exponent = (expr.left, expr.right) if isinstance(expr, ir.BinaryOp) else expr.args
            return arithmetic("**", *self.real_power_operands(base, exponent))
        if isinstance(expr, ir.BinaryOp):
            return arithmetic(expr.op, self.convert(expr.left), self.convert(expr.right))
        if isinstance(expr, ir.Call):
            return elementwise(expr.function, [self.convert(a) for a in expr.args])
        if expr.method != "log_prob":
            return self.distribution_function(expr.distribution, self.convert(expr.value), expr.method)
        return self.log_density(expr.distribution, self.convert(expr.value), checked=expr is self.checked)

    def real_power_operands(self, base, exponent):
        """A power's operands such that the generated code computes it in floats: Numba's power
        of ints is an int (2 ** -1 is 0) and its power of a float by a negative int raises on
        0.0; the language's real power is NumPy's float power (N ** -1 is 0.5, 0.0 ** -1 inf)."""
        base_value, exponent_value = self.convert(base), self.convert(exponent)
        if base.type.dtype != "real":
            base_value = arithmetic("*", sympy.Float(1.0), base_value)
        if exponent.type.dtype != "real" and not exponent_value.is_Number:   # literals print as floats
            exponent_value = arithmetic("*", sympy.Float(1.0), exponent_value)
        return base_value, exponent_value

    def log_density(self, distribution: ir.DistributionExpr, value, checked: bool = False):
        """The log density at value (a SymPy expression of the region's symbols); -inf outside the
        support unless ``checked``."""
        from ppl.catalogue.density import log_density_expression
        from ppl.catalogue.distributions import DISTRIBUTIONS
        from ppl.catalogue.supports import condition, is_checked
        from ppl.catalogue.sympy_functions import where

        given = tuple(name for name, _ in distribution.arguments)
        try:
            density, x, parameters = log_density_expression(distribution.family, given)
        except (KeyError, NotImplementedError, ValueError) as error:
            raise NotSupportedYet(f"the log density of {distribution.family}({', '.join(given)}) "
                                  f"cannot be compiled yet ({error})") from None
        value_symbol = self.named("value", value)
        substitution = {x: value_symbol}
        arguments = {}
        for name, argument in distribution.arguments:
            arguments[name] = substitution[parameters[name]] = self.named(name, self.convert(argument))
        density = density.xreplace(substitution)
        declaration = DISTRIBUTIONS[distribution.family]
        if checked or not is_checked(declaration.support):
            return density
        inside = condition(declaration.support, value_symbol, tuple(arguments[name] for name in declaration.support_bounds))
        return where(inside, density, -sympy.oo)

    def distribution_function(self, distribution: ir.DistributionExpr, value, method: str):
        """``method`` (log_cdf, cdf, log_survival_function, survival_function) of the distribution
        at value: the declaration's expression, defined for every real value."""
        from ppl.catalogue.density import distribution_function_expression

        given = tuple(name for name, _ in distribution.arguments)
        try:
            expression, x, parameters = distribution_function_expression(distribution.family, given, method)
        except (KeyError, NotImplementedError, ValueError) as error:
            raise NotSupportedYet(f"the {method} of {distribution.family}({', '.join(given)}) "
                                  f"cannot be compiled ({error})") from None
        substitution = {x: self.named("value", value)}
        for name, argument in distribution.arguments:
            substitution[parameters[name]] = self.named(name, self.convert(argument))
        return expression.xreplace(substitution)

    def leaf_symbol(self, value: Value):
        """The symbol standing for a value computed outside the region."""
        if value.code not in self.leaves:
            symbol = sympy.Symbol(f"leaf_{len(self.leaves)}", real=True)
            self.leaves[value.code] = (symbol, value)
        return self.leaves[value.code][0]


# ---- emission ----------------------------------------------------------------

def broadcast_region_shape(region: Region):
    """The shape of a region's loop: its leaves' shapes broadcast (() for scalars)."""
    from codegen.shapes import broadcast_shapes

    shape = broadcast_shapes(*[value.type.shape for _, value in region.leaves]) if region.leaves else ()
    return shape or ()


def loop_header(region_shape, leaves, index_names, size_of, axes=None) -> tuple[list[str], list[str]]:
    """`for` lines over the region's shape; returns (lines, sizes as code)."""
    sizes = [size_of(axis, region_shape, leaves, axes) for axis in range(len(region_shape))]
    lines = ["    " * depth + f"for {index} in range({size}):"
             for depth, (index, size) in enumerate(zip(index_names, sizes))]
    return lines, sizes


def size_of(axis, shape, leaves, axes=None) -> str:
    """The runtime size of an output axis: read off a leaf that spans it."""
    for _, value in leaves:
        leaf_axes = _leaf_axes(value, len(shape), axes)
        if axis in leaf_axes:
            offset = leaf_axes.index(axis)
            if value.type.shape[offset].value != 1:
                return f"{value.code}.shape[{offset}]"
    if shape[axis].value is not None:
        return str(shape[axis].value)
    raise NotSupportedYet(f"cannot tell the size of axis {axis} of an elementwise expression")


def _leaf_axes(value: Value, rank: int, axes=None) -> tuple:
    if axes and value.code in axes:
        return axes[value.code]
    return tuple(range(rank - value.type.rank, rank))


def element(value: Value, region_shape, index_names, axes=None) -> str:
    if value.is_scalar:
        return value.code
    parts = []
    for dim, axis in zip(value.type.shape, _leaf_axes(value, len(region_shape), axes)):
        parts.append("0" if dim.value == 1 and region_shape[axis].value != 1 else index_names[axis])
    return f"{value.code}[{', '.join(parts)}]"


def _at_elements(region: Region, index_names, prefix: str = ""):
    """The region's expression and its intermediates' definitions at the current element;
    intermediates renamed `<prefix>_<name>`."""
    renaming = {symbol: sympy.Symbol(element(value, region.shape, index_names, region.axes), real=True)
                for symbol, value in region.leaves}
    for symbol in region.intermediates:
        renaming[symbol] = sympy.Symbol(f"{prefix}_{symbol.name}", real=True)
    definitions = {renaming[symbol].name: definition.xreplace(renaming)
                   for symbol, definition in region.intermediates.items()}
    return region.expression.xreplace(renaming), renaming, definitions


def fuse_at(region: Region, expression, index_names):
    """An expression of the region's leaf symbols, at the loop's current element."""
    renaming = {symbol: sympy.Symbol(element(value, region.shape, index_names, region.axes), real=True)
                for symbol, value in region.leaves}
    return expression.xreplace(renaming)


def _total_derivative(expression, leaf, region: Region, memo: dict):
    """d expression / d leaf through the intermediates (the chain rule, one level at a time)."""
    result = sympy.diff(expression, leaf)
    for symbol, definition in region.intermediates.items():
        outer = sympy.diff(expression, symbol)
        if outer == 0:
            continue
        if symbol not in memo:
            memo[symbol] = _total_derivative(definition, leaf, region, memo)
        result += outer * memo[symbol]
    return result


def _assignments(definitions: dict, outputs: dict, prefix: str) -> list[str]:
    """The intermediates first (their own shared subexpressions), then the outputs."""
    lines = emit_assignments(definitions, f"{prefix}_i") if definitions else []
    return lines + emit_assignments(outputs, prefix)


def _partials(region: Region, index_names, prefix):
    """(intermediate definitions, partial derivative outputs, [(partial name, leaf Value)])."""
    _, renaming, definitions = _at_elements(region, index_names, prefix)
    outputs = {}
    targets = []
    for k, (symbol, value) in enumerate(region.leaves):
        if not value.active:
            continue
        name = f"{prefix}_d{k}"
        outputs[name] = _total_derivative(region.expression, symbol, region, {}).xreplace(renaming)
        targets.append((name, value))
    return definitions, outputs, targets


def _nest(header: list[str], body: list[str]) -> list[str]:
    return header + ["    " * len(header) + line for line in body]


# ---- loop-invariant hoisting -----------------------------------------------------

def _varies(value: Value, region: Region, index_names) -> bool:
    """Whether a leaf's element (or its adjoint's) changes from one iteration to the next."""
    if value.is_scalar:
        return False
    access = element(value, region.shape, index_names, region.axes)[len(value.code) + 1:-1]
    return any(part.strip() in index_names for part in access.split(","))


class _Hoister:
    """Replaces the maximal loop-invariant subexpressions of loop-body expressions by named
    temporaries `<prefix>_h<k>` (the same subexpression, the same name), computed before the loop.
    Within a sum or a product, the invariant operands are grouped into one temporary."""

    def __init__(self, varying: set, prefix: str):
        self.varying = varying
        self.prefix = prefix
        self.hoisted: dict = {}      # expression → symbol, in order of discovery

    def invariant(self, expression) -> bool:
        return not (expression.free_symbols & self.varying)

    def __call__(self, expression):
        if self.invariant(expression):
            if expression.is_Atom:
                return expression
            if expression not in self.hoisted:
                self.hoisted[expression] = sympy.Symbol(f"{self.prefix}_h{len(self.hoisted)}", real=True)
            return self.hoisted[expression]
        if expression.is_Atom or not expression.args:
            return expression
        if expression.is_Add or expression.is_Mul:
            fixed = [a for a in expression.args if self.invariant(a)]
            moving = [self(a) for a in expression.args if not self.invariant(a)]
            if fixed:
                moving.insert(0, self(expression.func(*fixed)))
            return expression.func(*moving)
        return expression.func(*[self(a) for a in expression.args])

    def lines(self) -> list[str]:
        if not self.hoisted:
            return []
        return emit_assignments({symbol.name: expression for expression, symbol in self.hoisted.items()},
                                f"{self.prefix}_hc", stable=True)


def _split_sum(expression, invariant):
    """expression = constant + coefficient * varying, with constant and coefficient invariant
    (None where there is none) — the varying terms share the coefficient, else it is 1."""
    constant, terms = [], []
    for term in sympy.Add.make_args(expression):
        if invariant(term):
            constant.append(term)
            continue
        moving = [f for f in sympy.Mul.make_args(term) if not invariant(f)]
        if len(moving) == 1 and moving[0].is_Add and any(invariant(a) for a in moving[0].args):
            # c (k + v): the constant c k, the term c v
            outside = sympy.Mul(*[f for f in sympy.Mul.make_args(term) if invariant(f)])
            for part in moving[0].args:
                (constant if invariant(part) else terms).append(outside * part)
            continue
        terms.append(term)
    pairs = []
    for term in terms:
        factors = sympy.Mul.make_args(term)
        pairs.append((sympy.Mul(*[f for f in factors if invariant(f)]),
                      sympy.Mul(*[f for f in factors if not invariant(f)])))
    coefficients = {c for c, _ in pairs}
    if len(coefficients) == 1:
        coefficient, varying = coefficients.pop(), sympy.Add(*[v for _, v in pairs])
    else:
        coefficient, varying = sympy.S.One, sympy.Add(*terms)
    return (sympy.Add(*constant) if constant else None), coefficient, varying


def _prepare(expression):
    """Stable rewrites, then common factors out of sums (-0.5 (2 a - 2 b)/s**2 → -(a - b)/s**2),
    so that an invariant factor stands apart from what varies."""
    return sympy.factor_terms(stabilise(expression))


class _Loop:
    """One loop over a region: lines before it (hoisted invariants, accumulators), its body, and
    lines after it (accumulated sums times their invariant coefficients).

    `assign(name, expression)` computes a value in the body; `accumulate(target, expression,
    across)` adds expression into target at every element — where the target is the same at
    every element (`across`), invariant terms become one product with the number of elements and
    an invariant coefficient multiplies the accumulated sum once, after the loop."""

    def __init__(self, region: Region, index_names, prefix: str, sizes):
        self.region, self.names, self.prefix, self.sizes = region, index_names, prefix, sizes
        varying = {sympy.Symbol(element(value, region.shape, index_names, region.axes), real=True)
                   for _, value in region.leaves if _varies(value, region, index_names)}
        self.hoister = _Hoister(varying, prefix)
        self.fixed_definitions: dict = {}     # loop-invariant intermediates, computed before the loop
        self.definitions: dict = {}
        self.outputs: dict = {}
        self.accumulations: list[tuple[str, str]] = []   # (target, output name) in the body
        self.sums: list[tuple[str, str]] = []            # (accumulator, initial value) before the loop
        self.accumulators: dict = {}                     # varying expression → the accumulator of its sum
        self.after: list[tuple[str, sympy.Expr]] = []    # (target, expression) after the loop
        self.uses_count = False

    def define(self, definitions: dict):
        """The region's named intermediates (already at the current element), in order."""
        for name, definition in definitions.items():
            definition = _prepare(definition)
            if self.hoister.invariant(definition):
                self.fixed_definitions[name] = definition
            else:
                self.hoister.varying.add(sympy.Symbol(name, real=True))
                self.definitions[name] = self.hoister(definition)

    def assign(self, name: str, expression):
        self.outputs[name] = self.hoister(_prepare(expression))

    def accumulate(self, target: str, name: str, expression, across: bool):
        expression = self.hoister(_prepare(expression))
        if not across:
            self.outputs[name] = expression
            self.accumulations.append((target, name))
            return
        constant, coefficient, varying = _split_sum(expression, self.hoister.invariant)
        total = sympy.S.Zero
        if constant is not None:
            self.uses_count = True
            total += sympy.Symbol(f"{self.prefix}_n", real=True) * constant
        if varying != 0:
            if coefficient == 1 and constant is None:
                self.outputs[name] = varying
                self.accumulations.append((target, name))
                return
            if varying not in self.accumulators:    # the same sum serves every target that needs it
                self.accumulators[varying] = accumulator = f"{name}_sum"
                self.sums.append((accumulator, "0.0"))
                self.outputs[name] = varying
                self.accumulations.append((accumulator, name))
            total += coefficient * sympy.Symbol(self.accumulators[varying], real=True)
        self.after.append((target, total))

    def lines(self, header: list[str], extra_body: list[str] = ()) -> list[str]:
        before = emit_assignments(self.fixed_definitions, f"{self.prefix}_ic", stable=True) \
            if self.fixed_definitions else []
        if self.uses_count:
            before.append(f"{self.prefix}_n = {' * '.join(self.sizes)}")
        before += self.hoister.lines()
        before += [f"{name} = {initial}" for name, initial in self.sums]
        body = emit_assignments(self.definitions, f"{self.prefix}_i", stable=True) if self.definitions else []
        body += emit_assignments(self.outputs, self.prefix, stable=True)
        body += list(extra_body)
        body += [f"{target} += {name}" for target, name in self.accumulations]
        printer = NumbaPrinter()
        after = [f"{target} += {printer.doprint(total)}" for target, total in self.after if total != 0]
        # everything may have been hoisted (a constant term, `Normal(1e400, 1)` folded to -inf): no loop
        return before + (_nest(header, body) if body else []) + after


class RegionEmitter:
    """Lines for a region's value, its sum into the target, and their adjoints.

    A region with a shape is one loop; what does not change from one element to the next is
    computed once before it (see _Loop)."""

    def __init__(self, index_prefix: str, temporary_prefix: str):
        self.index_names = [f"{index_prefix}{axis}" for axis in range(8)]
        self.prefix = temporary_prefix

    def _loop(self, region: Region):
        names = self.index_names[:len(region.shape)]
        header, sizes = loop_header(region.shape, region.leaves, names, size_of, region.axes)
        return names, header, _Loop(region, names, self.prefix, sizes)

    def value(self, region: Region, target: Value) -> list[str]:
        if not region.shape:
            expression, _, definitions = _at_elements(region, [], self.prefix)
            return _assignments(definitions, {target.code: expression}, self.prefix)
        names, header, loop = self._loop(region)
        expression, _, definitions = _at_elements(region, names, self.prefix)
        sizes = loop.sizes
        allocate = f"{target.code} = np.empty(({', '.join(sizes)}{',' if len(sizes) == 1 else ''}))"
        loop.define(definitions)
        loop.assign(f"{target.code}[{', '.join(names)}]", expression)
        return [allocate] + loop.lines(header)

    def value_adjoint(self, region: Region, target: Value) -> list[str]:
        names = self.index_names[:len(region.shape)]
        definitions, outputs, targets = _partials(region, names, self.prefix)
        if not targets:
            return []
        seed = f"{target.adjoint}[{', '.join(names)}]" if region.shape else target.adjoint
        if not region.shape:
            body = _assignments(definitions, outputs, self.prefix)
            return body + [f"{_adjoint_element(value, region, names)} += {seed} * {name}" for name, value in targets]
        names, header, loop = self._loop(region)
        seed_symbol = sympy.Symbol(seed, real=True)
        loop.hoister.varying.add(seed_symbol)
        loop.define(definitions)
        for name, value in targets:
            loop.accumulate(_adjoint_element(value, region, names), name, seed_symbol * outputs[name],
                            across=not _varies(value, region, names))
        return loop.lines(header)

    def sum_into(self, region: Region, accumulator: str) -> list[str]:
        names = self.index_names[:len(region.shape)]
        expression, _, definitions = _at_elements(region, names, self.prefix)
        term = f"{self.prefix}_term"
        if not region.shape:
            return _assignments(definitions, {term: expression}, self.prefix) + [f"{accumulator} += {term}"]
        names, header, loop = self._loop(region)
        loop.define(definitions)
        loop.accumulate(accumulator, term, expression, across=True)
        return loop.lines(header)

    def sum_with_partials(self, region: Region, accumulator: str) -> list[str]:
        """One loop adding each term to the accumulator and its partials to the leaves'
        adjoints (the target's adjoint is 1, so the forward sweep can do both)."""
        names = self.index_names[:len(region.shape)]
        definitions, outputs, targets = _partials(region, names, self.prefix)
        expression, _, _ = _at_elements(region, names, self.prefix)
        term = f"{self.prefix}_term"
        if not region.shape:
            body = _assignments(definitions, {term: expression, **outputs}, self.prefix) + [f"{accumulator} += {term}"]
            return body + [f"{_adjoint_element(value, region, names)} += {name}" for name, value in targets]
        names, header, loop = self._loop(region)
        loop.define(definitions)
        loop.accumulate(accumulator, term, expression, across=True)
        for name, value in targets:
            loop.accumulate(_adjoint_element(value, region, names), name, outputs[name],
                            across=not _varies(value, region, names))
        return loop.lines(header)

    def sum_adjoint(self, region: Region) -> list[str]:
        names = self.index_names[:len(region.shape)]
        definitions, outputs, targets = _partials(region, names, self.prefix)
        if not targets:
            return []
        if not region.shape:
            body = _assignments(definitions, outputs, self.prefix)
            return body + [f"{_adjoint_element(value, region, names)} += {name}" for name, value in targets]
        names, header, loop = self._loop(region)
        loop.define(definitions)
        for name, value in targets:
            loop.accumulate(_adjoint_element(value, region, names), name, outputs[name],
                            across=not _varies(value, region, names))
        return loop.lines(header)


def _adjoint_element(value: Value, region: Region, names) -> str:
    access = element(value, region.shape, names, region.axes)
    return value.adjoint + access[len(value.code):]
