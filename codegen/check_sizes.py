"""Comparing sizes: the checker's one place for "these two sizes must be equal".

Part of the checker (codegen/check.py assembles it).  Sizes are symbolic (codegen/shapes.py);
two sizes that must be equal (broadcasting, `@`, a distribution's event axes, a fill, a list
literal, ...) are

* equal: nothing to do;
* different whatever the data (`[2]` and `[3]`, `[N]` and `[N + 1]`): the caller raises its
  located error;
* decided by the data (`[K]` and `[2]`, `[J, T]` and `[n_dogs, n_trials]`): a `SizeCheck` is
  recorded in the IR and made when data is bound (codegen/bind.py), so long as both sizes can
  be evaluated from data then: their symbols are data, transformed data computed by
  expressions `evaluate` knows, or opaque terms of those.  Sizes that vary with a loop variable
  or a block's local cannot be checked once at binding: they must be provably equal, as before.

Each check also records the `if` branches and loops around it that can be evaluated from data
(`SizeGuard`), so a size check under `if K == 2:` applies only when K is 2.
"""

from __future__ import annotations

from codegen import ir
from codegen.evaluate import can_evaluate
from codegen.shapes import DIFFERENT, EQUAL, Dim, Minimum, SliceLength, Shape, broadcast_shapes
from ppl.errors import ModelTypeError, Span


def axis_what(what: str, rank: int, axis: int) -> str:
    """What holds one axis of a value: the value itself when it is a vector."""
    return what if rank == 1 else f"axis {axis} of {what}"


class SizeChecker:
    """Mixin for the checker: needs self.scope, self.source_text, self.statement_span (the
    statement being checked: size checks name it), self.size_checks (a list),
    self.guards (the enclosing SizeGuards, outermost first) and self.bindable (the names whose
    values are known when data is bound: data, and transformed data `evaluate` can compute)."""

    def sizes_equal(self, left: Dim, right: Dim, left_what: str, right_what: str, span: Span) -> bool:
        """Whether two sizes can be equal (recording a size check when the data decide)."""
        relation = left.compare(right)
        if relation == EQUAL:
            return True
        if relation == DIFFERENT:
            return False
        for dim in (left, right):
            reason = self._unknown_at_binding(dim)
            if reason is not None:
                raise ModelTypeError(
                    f"{left_what} has size {left} and {right_what} has size {right}: the checker cannot prove "
                    f"them equal, and they cannot be checked when data is bound ({reason})", span,
                    expected="sizes that are the same expression, or that data and transformed data decide",
                    hint="write both sizes the same way (e.g. slice both with the same bounds), or compute "
                         "the size from data at the top level")
        context = self.context_text(self.statement_span or span)
        self.size_checks.append(ir.SizeCheck(left, right, left_what, right_what, context, self.binding_guards(), span))
        return True

    def broadcast_sizes(self, operands: list[tuple[Shape, str]], span: Span) -> Shape | None:
        """NumPy broadcasting of the operands' shapes (each with what it is, for messages), or
        None when they cannot broadcast."""
        unproven: list = []
        shape = broadcast_shapes(*[s for s, _ in operands], unproven=unproven)
        if shape is None:
            return None
        for dim, (i, axis_i), other, (j, axis_j) in unproven:
            left_shape, left_what = operands[i]
            right_shape, right_what = operands[j]
            if not self.sizes_equal(dim, other, axis_what(left_what, len(left_shape), axis_i),
                                    axis_what(right_what, len(right_shape), axis_j), span):
                return None
        return shape

    def fits_into(self, target: Shape, value: Shape, target_what: str, value_what: str, span: Span) -> bool:
        """Whether a value of shape `value` broadcasts into `target` unchanged (a fill, a draw,
        a bound): as many or fewer axes, each 1 or the target's size."""
        if len(value) > len(target):
            return False
        offset = len(target) - len(value)
        for axis, dim in enumerate(value):
            if dim.value == 1:
                continue
            if not self.sizes_equal(target[offset + axis], dim, axis_what(target_what, len(target), offset + axis),
                                    axis_what(value_what, len(value), axis), span):
                return False
        return True

    # ---- what binding can evaluate --------------------------------------------------

    def known_at_binding(self, dim: Dim) -> bool:
        """Whether a size can be evaluated when data is bound."""
        return self._unknown_at_binding(dim) is None

    def _unknown_at_binding(self, dim: Dim) -> str | None:
        """None when a size can be evaluated when data is bound, else why not."""
        definitions = dim.opaque_terms
        for symbol in dim.symbols:
            if not symbol.isidentifier():
                if not self._definition_known(definitions.get(symbol)):
                    return f"{symbol} is not computed from data alone by expressions binding can evaluate"
                continue
            if symbol in self.bindable and self._visible_as_bound(symbol):
                continue
            binding = self.scope.lookup(symbol)
            role = binding.role if binding is not None else None
            if role == ir.Role.LOOP:
                return f"'{symbol}' is a loop variable: the size changes from one iteration to the next"
            if role == ir.Role.LOCAL:
                return f"'{symbol}' is computed inside a block"
            if binding is not None and binding.stage != "data":
                return f"'{symbol}' depends on params"
            return f"'{symbol}' is computed by what binding cannot evaluate"
        return None

    def _visible_as_bound(self, name: str) -> bool:
        binding = self.scope.lookup(name)
        return binding is not None and binding.role in (ir.Role.DATA, ir.Role.TRANSFORMED_DATA)

    def _definition_known(self, definition) -> bool:
        if definition is None:
            return False
        if isinstance(definition, Minimum):
            return self.known_at_binding(definition.first) and self.known_at_binding(definition.second)
        if isinstance(definition, SliceLength):
            return self.known_at_binding(definition.size) and all(
                self.expr_known_at_binding(p) for p in (definition.start, definition.stop, definition.step)
                if p is not None)
        return self.expr_known_at_binding(definition)

    def expr_known_at_binding(self, expr) -> bool:
        names = {sub.name for sub in ir.walk_expr(expr) if isinstance(sub, ir.Variable)}
        return all(self._visible_as_bound(n) for n in names) and can_evaluate(expr, self.bindable)

    def binding_guards(self) -> tuple:
        """The enclosing guards binding can evaluate (the others are left out: the check is then
        made whether or not they hold, which can only be stricter)."""
        return tuple(g for g in self.guards if all(self.expr_known_at_binding(e) for e in g.exprs))

    def context_text(self, span: Span) -> str:
        """The statement or expression at span, as written (its first line)."""
        lines = self.source_text.splitlines()
        if not 0 < span.line <= len(lines):
            return ""
        line = lines[span.line - 1]
        end = span.end_column - 1 if span.end_line == span.line and span.end_column > span.column else len(line)
        return line[span.column - 1:end].strip()
