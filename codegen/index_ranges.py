"""Which index checks the generated code can leave out, and which can run once, in transformed data.

Numba checks no bounds, so the generated code checks every index the data decide (see
`structural.index_parts`).  Most of those checks are either true whatever the data or decided by
the data alone, and in a loop they cost a comparison per element of every gradient:

* **Proved in range.** `y[t]` inside `for t in range(K, T)` with `y: real[T]` and `K: int<lower=0>`
  is in range for every data set the binder accepts: `t` runs from `K` to `T - 1`, so `t >= K >= 0`
  and `t <= T - 1`.  `in_range` proves `-size <= index < size` (NumPy's range) from what holds where
  the index is read: each enclosing loop's variable lies in its range, that range is not empty (else
  the body never runs), and int data lie within their declared bounds (the binder checked them).
  The proof substitutes, one symbol at a time, the bound that makes a linear expression smallest,
  until a number is left (Fourier-Motzkin elimination restricted to one inequality at a time: sound,
  and complete enough for the index arithmetic of loops; anything else keeps its check).
  `for n in range(1, N + 1): y[n]` is not proved (`n` reaches `N`) and keeps its run-time check.

* **Hoisted.** `a[g[i]]` inside `for i in range(N)` with `g` int data reads `g[0:N]` whatever the
  params; when every iteration of the loop reaches the access (no `if` around it, every enclosing
  loop's range computable from data and not empty), transformed_data() checks `g[start:stop:step]`
  against `a`'s size once, when data is bound, and names the first offending position
  (`hoisted_element_check`).  An access under an `if` keeps its run-time check: its condition may be
  what keeps a sentinel value (`if g[i] >= 0:`) from being used as an index.
"""

from __future__ import annotations

import re

import sympy

from codegen import ir
from codegen.shapes import Dim
from ppl.errors import DATA_INDEX_OUT_OF_RANGE

_MAX_SUBSTITUTIONS = 8    # depth of the search over the bounds of data symbols


def polynomial(expr) -> sympy.Expr | None:
    """An int expression as a SymPy polynomial in the names it reads (ints and int literals, + - *),
    or None when it is anything else (an element of an array, a division, a call)."""
    if isinstance(expr, ir.Constant):
        value = expr.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) == float("inf"):
            return None
        return sympy.Integer(int(value)) if float(value).is_integer() else sympy.Float(value)
    if isinstance(expr, ir.Variable):
        if expr.type.shape or expr.type.dtype != "int":
            return None
        return sympy.Symbol(expr.name)
    if isinstance(expr, ir.IndexOp) and isinstance(expr.value, ir.Variable) and expr.type.dtype == "int" \
            and not expr.type.shape and all(isinstance(item, ir.ScalarIndex) for item in expr.items):
        return element_symbol(expr.value.name)   # one element of an int array: bounded as its declaration says
    if isinstance(expr, ir.UnaryOp) and expr.op in ("-", "+"):
        inner = polynomial(expr.operand)
        return None if inner is None else (-inner if expr.op == "-" else inner)
    if isinstance(expr, ir.BinaryOp) and expr.op in ("+", "-", "*"):
        left, right = polynomial(expr.left), polynomial(expr.right)
        if left is None or right is None:
            return None
        return {"+": left + right, "-": left - right, "*": left * right}[expr.op]
    return None


def element_symbol(name: str) -> sympy.Dummy:
    """An unknown element of the int array `name`: a new symbol at each read (`g[i] - g[j]` is not 0)."""
    return sympy.Dummy(f"{name}[]")


def dim_polynomial(dim: Dim) -> sympy.Expr | None:
    """A size as a SymPy polynomial, or None when it holds an opaque term (`N // 2`, `sum(m)`)."""
    if any(not symbol.isidentifier() for symbol in dim.symbols):
        return None
    total = sympy.Integer(0)
    for monomial, coefficient in dim.terms:
        total += coefficient * sympy.Mul(*[sympy.Symbol(symbol) for symbol in monomial])
    return total


def loop_step(loop: ir.ForLoop) -> int | None:
    from codegen.check_exprs import constant_int

    return constant_int(loop.step)


def data_facts(program: ir.Program) -> tuple[list[sympy.Expr], dict]:
    """What the binder checked before any generated function runs: the declared bounds of scalar
    int data, each as an expression >= 0, and those of int data arrays' elements (name → (lower,
    upper), each None when not declared or not a polynomial)."""
    facts, element_bounds = [], {}
    for declaration in program.statements:
        if not isinstance(declaration, ir.DataDeclaration) or declaration.type.dtype != "int":
            continue
        lower, upper = (None if b is None else polynomial(b)
                        for b in (declaration.bounds.lower, declaration.bounds.upper))
        if declaration.type.shape:
            element_bounds[declaration.name] = (lower, upper)
            continue
        symbol = sympy.Symbol(declaration.name)
        if lower is not None:
            facts.append(symbol - lower)
        if upper is not None:
            facts.append(upper - symbol)
    return facts, element_bounds


class IndexFacts:
    """What holds where an index is read: the data's declared bounds, the enclosing loops' ranges."""

    def __init__(self, data: tuple[list, dict], enclosing):
        self.enclosing = list(enclosing)                 # ForLoop / IfElse, outermost first
        self.loop_variables: list[tuple[sympy.Symbol, object, object]] = []   # innermost first
        facts = list(data[0])                            # each >= 0 wherever the index is read
        self.element_bounds = data[1]
        for statement in reversed(self.enclosing):
            if not isinstance(statement, ir.ForLoop):
                continue
            step = loop_step(statement)
            start, stop = polynomial(statement.start), polynomial(statement.stop)
            symbol = sympy.Symbol(statement.var)
            if step is None or start is None or stop is None or step == 0:
                self.loop_variables.append((symbol, None, None))
                continue
            low, high = (start, stop - 1) if step > 0 else (stop + 1, start)
            self.loop_variables.append((symbol, low, high))
            facts.append(high - low)                     # the body runs: the range is not empty
        self.loop_symbols = {symbol for symbol, _, _ in self.loop_variables}
        self.bounds: dict[sympy.Symbol, tuple[list, list]] = {}   # data symbol → (lower bounds, upper bounds)
        for fact in facts:
            fact = sympy.expand(fact)
            for symbol in fact.free_symbols - self.loop_symbols:
                coefficient = _linear_coefficient(fact, symbol)
                if coefficient is None or coefficient == 0:
                    continue
                rest = fact - coefficient * symbol
                bound = sympy.expand(-rest / coefficient)
                lowers, uppers = self.bounds.setdefault(symbol, ([], []))
                (lowers if coefficient > 0 else uppers).append(bound)

    def nonnegative(self, expr: sympy.Expr) -> bool:
        """Whether expr >= 0 wherever the index is read."""
        expr = sympy.expand(expr)
        for symbol, low, high in self.loop_variables:   # innermost first: their bounds read outer ones
            if symbol not in expr.free_symbols:
                continue
            coefficient = _linear_coefficient(expr, symbol)
            if coefficient is None:
                return False
            bound = low if coefficient > 0 else high
            if bound is None:
                return False
            expr = sympy.expand(expr.subs(symbol, bound))
        return self._nonnegative_over_data(expr, _MAX_SUBSTITUTIONS)

    def _nonnegative_over_data(self, expr: sympy.Expr, budget: int) -> bool:
        if expr.is_number:
            return bool(expr >= 0)
        if budget == 0 or expr.free_symbols & self.loop_symbols:
            return False
        for symbol in sorted(expr.free_symbols, key=str):
            coefficient = _linear_coefficient(expr, symbol)
            if coefficient is None:
                continue
            lowers, uppers = self.bounds.get(symbol, ([], []))
            if isinstance(symbol, sympy.Dummy):   # an element of an int data array
                lower, upper = self.element_bounds.get(symbol.name[:-2], (None, None))
                lowers, uppers = [b for b in (lower,) if b is not None], [b for b in (upper,) if b is not None]
            for bound in lowers if coefficient > 0 else uppers:
                if self._nonnegative_over_data(sympy.expand(expr.subs(symbol, bound)), budget - 1):
                    return True
        return False

    def at_least(self, expr: sympy.Expr | None, least: int) -> bool:
        """Whether expr (None: not a polynomial) is at least `least` wherever it is read."""
        return expr is not None and self.nonnegative(expr - least)

    def in_range(self, index, size: Dim) -> bool:
        """Whether -size <= index < size wherever it is read, whatever the data the binder accepts
        (`index` an IR int expression, or for a gather an int array: each of its elements)."""
        if isinstance(index, ir.Variable) and index.type.shape:
            position = element_symbol(index.name) if index.type.dtype == "int" else None
        else:
            position = polynomial(index)
        extent = dim_polynomial(size)
        if position is None or extent is None:
            return False
        return self.nonnegative(extent - 1 - position) and (self.nonnegative(position)
                                                            or self.nonnegative(position + extent))

    def slice_in_range(self, start, stop, size: Dim) -> bool:
        """Whether 0 <= start <= stop <= size (None: the axis's end) wherever the slice is read."""
        extent = dim_polynomial(size)
        begin = sympy.Integer(0) if start is None else polynomial(start)
        end = extent if stop is None else polynomial(stop)
        if extent is None or begin is None or end is None:
            return False
        return self.nonnegative(begin) and self.nonnegative(end - begin) and self.nonnegative(extent - end)


def _linear_coefficient(expr: sympy.Expr, symbol: sympy.Symbol):
    """The number multiplying `symbol` in expr when expr is linear in it with a numeric
    coefficient, else None."""
    polynomial_in_symbol = sympy.Poly(expr, symbol)
    if polynomial_in_symbol.degree() != 1:
        return None
    coefficient = polynomial_in_symbol.coeffs()[0]
    return coefficient if coefficient.is_number else None


def hoisted_element_check(emitter, index, size_code: str, span) -> list[str] | None:
    """transformed_data()'s lines checking `a[g[i + c]]` for every i of its loop at once (`index`
    is `g[i + c]`, `size_code` the size of a's axis as data code), or None when the check must stay
    where the access is: `g` is not int data, the position is not a loop variable plus a constant,
    an `if` encloses the access, a loop's range needs more than data, or g[i + c] itself is not
    provably within g."""
    hoisted = getattr(emitter, "hoisted", None)
    if hoisted is None or emitter.mode.data_stage or not _data_code(size_code, hoisted):
        return None
    if not (isinstance(index, ir.IndexOp) and isinstance(index.value, ir.Variable) and len(index.items) == 1
            and isinstance(index.items[0], ir.ScalarIndex) and index.value.type.rank == 1):
        return None
    data = emitter.scope.get(index.value.name)
    if data is None or data.code not in hoisted.data_names:
        return None
    enclosing = list(emitter.enclosing)
    if any(not isinstance(statement, ir.ForLoop) for statement in enclosing):
        return None
    position = polynomial(index.items[0].index)
    loop = next((s for s in enclosing if position is not None and sympy.Symbol(s.var) in position.free_symbols),
                None)
    if loop is None:
        return None
    offset = sympy.expand(position - sympy.Symbol(loop.var))
    if not offset.is_Integer:
        return None
    ranges = []
    for statement in enclosing:
        step = loop_step(statement)
        if step is None or step == 0 or any(polynomial(e) is None for e in (statement.start, statement.stop)):
            return None
        codes = [emitter.python(e) for e in (statement.start, statement.stop)]   # names and arithmetic: no ops
        if not all(_data_code(code, hoisted) for code in codes):
            return None
        ranges.append((statement, *codes, step))
    if not emitter.index_facts().in_range(index.items[0].index, index.value.type.shape[0]):
        return None
    lines, depth = [], 0
    for statement, start, stop, step in ranges:   # every other loop around the access runs at least once
        if statement is loop:
            continue
        lines.append("    " * depth + (f"if {start} < {stop}:" if step > 0 else f"if {start} > {stop}:"))
        depth += 1
    start, stop, step = next((r[1], r[2], r[3]) for r in ranges if r[0] is loop)
    shift = "" if offset == 0 else f" + {offset}" if offset > 0 else f" - {-offset}"
    place = f"{span.line}, {span.column}, {span.end_line}, {span.end_column}" if span else "0, 0, 0, 0"
    pad = "    " * depth
    lines += [pad + f"for _position in range({start}{shift}, {stop}{shift}, {step}):",
              pad + f"    _index = {data.code}[_position]",
              pad + f"    if not -{size_code} <= _index < {size_code}:",
              pad + f"        raise IndexError({DATA_INDEX_OUT_OF_RANGE!r}, {place}, _index, {size_code}, "
                    f"{index.value.name!r}, (_position,))"]
    return lines


def _data_code(code: str, hoisted) -> bool:
    """Whether generated code reads only data and transformed data (so transformed_data() can run it)."""
    names = set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", code))
    return names <= hoisted.data_names | {"np", "math"}
