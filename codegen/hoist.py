"""Data-only subexpressions of fused regions, moved to transformed data.

A density evaluated at data repeats work that depends on the data alone: in
`y ~ Normal(theta, sigma)` with `sigma` data, every gradient computes
`log(sigma[i])` and `1 / sigma[i] ** 2` again.  Stan's users hoist such terms
into `transformed data` by hand; here the emitter does it.  For a fused region
at the top level of a model function, the largest subexpressions whose every
symbol is a whole data array running along the region's loop (and that cost
more than a multiplication: a function call, a division, a root) are replaced
by a new data array, computed once by `transformed_data()` when data is bound
and packed into the data buffers with the rest of the transformed data.

The arithmetic is the same (the value is computed once instead of at every
call); the log density and gradient read one array element instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy

from codegen import ir
from codegen.emit import Value
from codegen.fuse import Region


@dataclass
class HoistedData:
    """The data arrays hoisted out of one module's functions, shared by all their emitters, so
    that the same subexpression of the same statement gets the same name in every function."""
    data_names: frozenset                            # generated names of data and transformed data
    names: dict = field(default_factory=dict)        # (statement prefix, canonical text) → Value
    regions: dict = field(default_factory=dict)      # name → Region computing it from data
    calls: dict = field(default_factory=dict)        # name → a library call computing it from data
    checks: list = field(default_factory=list)       # lines checking data indices against data sizes

    def add_check(self, lines: list[str]) -> None:
        """Lines that check what the data alone decide (a gather's data indices against a size
        the data set), run once by transformed_data() instead of in every gradient."""
        if lines not in self.checks:
            self.checks.append(lines)

    def value_for(self, statement_prefix: str, expression, leaves, shape, summed: bool = False) -> Value:
        """The array of `expression` over the region (`_y_l18_data0`), or with `summed` its sum
        (`_y_l18_data_sum0`, a scalar)."""
        renaming = {symbol: sympy.Symbol(value.code, real=True) for symbol, value in leaves}
        key = (statement_prefix, summed, sympy.srepr(expression.xreplace(renaming)))
        if key not in self.names:
            count = sum(1 for prefix, *_ in self.names if prefix == statement_prefix)
            name = f"{statement_prefix}_data_sum{count}" if summed else f"{statement_prefix}_data{count}"
            value = Value(name, ir.Type("real", () if summed else shape), False)
            self.names[key] = value
            used = [(symbol, leaf) for symbol, leaf in leaves if symbol in expression.free_symbols]
            self.regions[value.code] = Region(expression, used, shape)
        return self.names[key]

    def value_for_call(self, statement_prefix: str, call: str, type_: ir.Type, hint: str) -> Value:
        """A library call of data alone (a GP's squared distances), made once in transformed data."""
        key = ("call", call)   # the same call wherever it is made: one array
        if key not in self.names:
            count = sum(1 for code in self.calls if code.startswith(f"{statement_prefix}_{hint}"))
            value = Value(f"{statement_prefix}_{hint}{count}", type_, False)
            self.names[key] = value
            self.calls[value.code] = call
        return self.names[key]

    def outputs(self) -> list[tuple[str, ir.Type]]:
        return [(value.code, value.type) for value in self.names.values()]


def hoist_data_only(region: Region, statement_prefix: str, hoisted: HoistedData, summed: bool = False):
    """The region with its costly data-only subexpressions replaced by leaves of hoisted arrays.
    With `summed` (a term of the target, summed over the region), returns (region, constant):
    the data-only terms of the sum leave the region as one scalar that transformed_data() sums
    once (`-log(sigma[i])` of a Normal, `-lgamma(y[i] + 1)` of a Poisson), or None."""
    constant = None
    if not region.shape or region.axes:
        return (region, constant) if summed else region
    data_leaves = {symbol for symbol, value in region.leaves
                   if not value.active and value.code in hoisted.data_names and value.type.shape == region.shape}
    if not data_leaves:
        return (region, constant) if summed else region
    if summed and isinstance(region.expression, sympy.Add):
        terms = [a for a in region.expression.args if _data_only(a, data_leaves)]
        varying = [a for a in region.expression.args if a not in terms and a.free_symbols]
        if any(_costly(a) for a in terms) and varying:   # (a term of data alone stays as it is)
            constant = hoisted.value_for(statement_prefix, sympy.Add(*terms), region.leaves, region.shape,
                                         summed=True)
            region = replace(region, expression=sympy.Add(*[a for a in region.expression.args if a not in terms]))
    new_leaves: dict = {}

    def leaf_for(expression):
        value = hoisted.value_for(statement_prefix, expression, region.leaves, region.shape)
        symbol = sympy.Symbol(f"leaf_{value.code}", real=True)
        new_leaves[symbol] = value
        return symbol

    def data_only(expression) -> bool:
        return _data_only(expression, data_leaves)

    def rewrite(expression):
        if not isinstance(expression, sympy.Basic) or not expression.args:
            return expression
        if data_only(expression):
            return leaf_for(expression) if _costly(expression) else expression
        if isinstance(expression, (sympy.Add, sympy.Mul)):
            # the data-only terms (or factors) of a sum (or product) together, with its numbers
            grouped = [a for a in expression.args if data_only(a)]
            if any(_costly(a) for a in grouped):
                rest = [rewrite(a) for a in expression.args if not data_only(a) and not a.is_Number]
                numbers = [a for a in expression.args if a.is_Number]
                return expression.func(leaf_for(expression.func(*grouped, *numbers)), *rest)
        return expression.func(*[rewrite(a) for a in expression.args])

    expression = rewrite(region.expression)
    intermediates = {symbol: rewrite(definition) for symbol, definition in region.intermediates.items()}
    if new_leaves:
        region = replace(region, expression=expression, intermediates=intermediates,
                         leaves=list(region.leaves) + list(new_leaves.items()))
    return (region, constant) if summed else region


def _data_only(expression, data_leaves) -> bool:
    return (isinstance(expression, sympy.Expr) and not expression.is_Number
            and bool(expression.free_symbols) and expression.free_symbols <= data_leaves)


def _costly(expression) -> bool:
    """Worth an array read: a function call, or a power that is not a small positive integer one
    (a division, a root)."""
    for sub in sympy.preorder_traversal(expression):
        if isinstance(sub, sympy.Function):
            return True
        if isinstance(sub, sympy.Pow) and not (sub.exp.is_Integer and 0 < sub.exp <= 3):
            return True
    return False
