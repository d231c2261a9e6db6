"""Expressions → Ops: the part of the emitter that turns one IR expression into the
generated lines computing it (and, for active values, their adjoint lines).

Elementwise expressions become fused regions (codegen/fuse.py: one loop, partial derivatives
from SymPy); everything else (indexing, gathers, `@`, reductions, list literals, event
kernels) takes a hand-written forward/adjoint rule from codegen/structural.py or
codegen/event_rules.py.  Mixed into ``ModelEmitter`` (codegen/emit_model.py), whose state
(scope, names, ops, mode) these methods read.
"""

from __future__ import annotations

from codegen import event_rules, ir, structural
from codegen.emit import NotSupportedYet, Op, Value, shape_code, zeros_like
from codegen.fuse import Fuser, Region, is_fusable, unrolled_matmul
from codegen.hoist import hoist_data_only
from codegen.index_ranges import polynomial
from codegen.sympy_numba import float_code
from ppl.catalogue.builtin_expressions import COVARIANCES, PICKS

_PYTHON_OPERATORS = {"and": "and", "or": "or", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">",
                     ">=": ">=", "+": "+", "-": "-", "*": "*", "//": "//", "%": "%", "/": "/", "**": "**"}


class ExpressionEmitter:
    def value(self, expr, name: str | None = None) -> Value:
        """Emit ops computing expr; return the Value holding it (named `name` when new)."""
        if isinstance(expr, ir.Constant):
            literal = float_code(expr.value) if expr.type.dtype == "real" else repr(int(expr.value))
            return Value(literal, expr.type, False)
        if isinstance(expr, ir.Variable):
            if expr.name in self.inlined:   # needed whole after all: compute it now, once
                inlined, _ = self.inlined.pop(expr.name)
                materialised = self.value(inlined, name=expr.name)
                self.scope[expr.name] = materialised
                return materialised
            return self.scope[expr.name]
        if isinstance(expr, ir.OdeSolve):
            return self._ode_solve(expr, name)
        if isinstance(expr, ir.BinaryOp) and expr.op == "@":
            unrolled = unrolled_matmul(expr)
            if unrolled is not None:
                return self.value(unrolled, name)
        if is_fusable(expr):
            return self._fused(expr, name)
        # ints are never differentiated; comparisons and argmax are piecewise constant (zero derivative)
        # even of params; the checker allows `//` and `%` of reals only where nothing is differentiated
        if expr.type.dtype in ("int", "bool") or isinstance(expr, ir.BinaryOp) and expr.op in ("//", "%"):
            out = Value(self.names.of(name) if name else self.temporary_name(), expr.type, False)
            self.emit_op(Op(forward=[f"{out.code} = {self.python(expr)}"]))
            return out
        return self._structural(expr, name)

    def _active(self, expr) -> bool:
        for sub in ir.walk_expr(expr):
            if not isinstance(sub, ir.Variable):
                continue
            if sub.name in self.inlined and self.inlined[sub.name][1]:
                return True
            if self.scope.get(sub.name) is not None and self.scope[sub.name].active:
                return True
        return False

    def fuser(self, checked=None) -> Fuser:
        return Fuser(self.value, lambda name: self.inlined[name][0] if name in self.inlined else None, checked)

    def _fused(self, expr, name) -> Value:
        region = self.fuser().region(expr)
        out = Value(self.names.of(name) if name else self.temporary_name(), expr.type, region.active)
        return self._emit_region_value(region, out)

    def _data_hoisted(self, region: Region) -> Region:
        """At the top level of a model function, the region with its data-only parts read from
        arrays that transformed_data() computes once (codegen/hoist.py)."""
        if self.hoisted is None or self.depth > 0 or self.mode.data_stage:
            return region
        return hoist_data_only(region, self.statement_prefix, self.hoisted)

    def _emit_region_value(self, region: Region, out: Value) -> Value:
        region = self._data_hoisted(region)
        emitter = self.region_emitter()
        op = Op(forward=emitter.value(region, out))
        if out.active:
            op.adjoint_init = [zeros_like(out)]
            op.reverse = emitter.value_adjoint(region, out)
        self.emit_op(op)
        return out

    def sum_into_target(self, region: Region, jacobian: bool = False):
        constant = None
        if self.hoisted is not None and self.depth == 0 and not self.mode.data_stage:
            region, constant = hoist_data_only(region, self.statement_prefix, self.hoisted, summed=True)
        emitter = self.region_emitter()
        data_terms = [] if constant is None else [f"lp += {constant.code}"]
        op = Op(forward=emitter.sum_into(region, "lp") + data_terms, recompute=[],
                without_jacobian=[] if jacobian else None)
        if region.active:
            if self.mode.inline and self.depth == 0:
                op.gradient_forward = emitter.sum_with_partials(region, "lp") + data_terms
            else:
                op.reverse = emitter.sum_adjoint(region)
        self.emit_op(op)

    def python(self, expr) -> str:
        """Python text of an inactive int/bool/index expression."""
        if isinstance(expr, ir.Constant):   # a real one may be inf (math.inf)
            return float_code(expr.value) if expr.type.dtype == "real" else repr(expr.value)
        if isinstance(expr, ir.Variable):
            return self.value(expr).code
        if isinstance(expr, ir.UnaryOp):
            operator = "not " if expr.op == "not" else expr.op
            return f"({operator}{self.python(expr.operand)})"
        if isinstance(expr, ir.BinaryOp) and expr.op in _PYTHON_OPERATORS and \
                not (expr.op == "**" and expr.type.dtype == "real"):   # a real power of ints: fused, in floats
            return f"({self.python(expr.left)} {_PYTHON_OPERATORS[expr.op]} {self.python(expr.right)})"
        if isinstance(expr, ir.IndexOp) and not any(isinstance(i, ir.GatherIndex) for i in expr.items):
            array = self.python(expr.value)
            return f"{array}[{self.index_code(expr.items, array, expr.value.type)}]"
        if isinstance(expr, ir.Call) and expr.function == "size":   # a scalar's size is 1 (np.size)
            return f"{self.value(expr.args[0]).code}.size" if expr.args[0].type.shape else "1"
        if isinstance(expr, (ir.IndexOp, ir.Call, ir.Stack)):   # gathers, reductions, list literals
            return self._structural(expr, None).code
        if expr.type.dtype == "real":
            return self.value(expr).code
        raise NotSupportedYet(f"{type(expr).__name__} of integers ({getattr(expr, 'op', '')})")

    def _proved_sizes(self, sizes) -> frozenset:
        """The codes of the size expressions (IR) that are not negative whatever the data."""
        facts = self.index_facts()
        return frozenset(self.python(size) for size in sizes if facts.at_least(polynomial(size), 0))

    def index_code(self, items, array: str, type_: ir.Type) -> str:
        """The index text of `array[items]`, after the ops checking the indices the data set."""
        return ", ".join(structural.index_parts(self, items, array, type_))

    def _structural(self, expr, name) -> Value:
        out_name = self.names.of(name) if name else None

        def output(active, hint=""):
            return Value(out_name or self.temporary_name(hint), expr.type, active)

        if isinstance(expr, ir.IndexOp):
            source = self.value(expr.value)
            gathers = [i for i in expr.items if isinstance(i, ir.GatherIndex)]
            out = output(source.active)
            if gathers and len(expr.items) == 1:
                indices = self.index_code(expr.items, source.code, source.type)
                forward, reverse = structural.gather_first_axis(source, indices, out)
            elif gathers:
                if any(g.indices.type.rank != 1 for g in gathers):
                    raise NotSupportedYet("gathers by int arrays of rank above 1 combined with other indices")
                codes = structural.index_parts(self, expr.items, source.code, source.type)
                kinds = ["gather" if isinstance(i, ir.GatherIndex) else "scalar" if isinstance(i, ir.ScalarIndex)
                         else "slice" for i in expr.items]
                items = list(zip(kinds, codes))
                forward, reverse = structural.gather_with_other_indices(
                    source, items, out, shape_code(expr.type.shape, self.scope))
            else:
                forward, reverse = structural.index_basic(source, self.index_code(expr.items, source.code,
                                                                                  source.type), out)
            return self._structural_op(out, forward, reverse)
        if isinstance(expr, ir.BinaryOp) and expr.op == "@":
            left, right = self.value(expr.left), self.value(expr.right)
            out = output(left.active or right.active, "matmul")
            return self._structural_op(out, *structural.matmul(left, right, out))
        if isinstance(expr, ir.Stack):
            items = [self.value(item) for item in expr.items]
            out = output(any(i.active for i in items), "stack")
            item_shape = "()" if items[0].is_scalar else f"{items[0].code}.shape"
            return self._structural_op(out, *structural.stack(items, out, item_shape))
        if isinstance(expr, ir.Call):
            return self._call(expr, output)
        if isinstance(expr, ir.LogProb):
            return event_rules.log_prob(self, expr, output)
        raise NotSupportedYet(f"{type(expr).__name__} with params in it ({getattr(expr, 'op', '')})")

    def _call(self, expr: ir.Call, output) -> Value:
        name = expr.function
        options = dict(expr.options)
        if name in ("sum", "mean") or (name == "logsumexp" and "axis" not in options):
            source = self.value(expr.args[0])
            out = output(source.active, name)
            if "axis" in options:
                rule = structural.reduce_axis(name, source, options["axis"], out)
            else:
                rule = structural.reduce_all(name, source, out)
            return self._structural_op(out, *rule)
        if name in structural.VECTOR_REDUCTIONS:
            source = self.value(expr.args[0])
            out = output(source.active, name)
            return self._structural_op(out, *structural.reduce_vector(name, source, options.get("axis"), out))
        if name in structural.VECTOR_MAPS:
            source = self.value(expr.args[0])
            out = output(source.active, name)
            axis = options.get("axis", source.type.rank - 1)
            return self._structural_op(out, *structural.map_vector(name, source, axis, out))
        if name == "dot":
            left, right = self.value(expr.args[0]), self.value(expr.args[1])
            out = output(left.active or right.active, "dot")
            return self._structural_op(out, *structural.dot(left, right, out))
        if name == "transpose":
            source = self.value(expr.args[0])
            out = output(source.active, "T")
            return self._structural_op(out, *structural.transpose(source, out))
        if name in ("zeros", "ones"):
            out = output(False, name)
            sizes = [(self.python(a), a.span) for a in expr.args]
            return self._structural_op(out, *structural.filled(name, sizes, out, self._proved_sizes(expr.args)))
        if name == "eye":
            out = output(False, "eye")
            return self._structural_op(out, *structural.eye((self.python(expr.args[0]), expr.args[0].span), out,
                                                            self._proved_sizes(expr.args)))
        if name == "cholesky":
            source = self.value(expr.args[0])
            out = output(source.active, "cholesky")
            return self._structural_op(out, *event_rules.cholesky(source, out))
        if name in COVARIANCES:
            return self._covariance(expr, output)
        if name in ("argmax", "argmin", "rank"):   # ints: piecewise constant, no adjoint
            source = self.value(expr.args[0])
            out = output(False, name)
            return self._structural_op(out, *getattr(structural, name)(source, out))
        if name in ("prod", "flatten", "sort", "trace", "multiply_lower_tri_self_transpose"):
            source = self.value(expr.args[0])
            out = output(source.active, name)
            return self._structural_op(out, *getattr(structural, name)(source, out))
        if name == "dot_self":
            source = self.value(expr.args[0])
            out = output(source.active, name)
            return self._structural_op(out, *structural.dot(source, source, out))
        if name == "concatenate":
            items = [self.value(arg) for arg in expr.args]
            out = output(any(item.active for item in items), name)
            return self._structural_op(out, *structural.concatenate(items, options.get("axis", 0), out))
        if name == "full":
            *sizes, value = expr.args
            source = self.value(value)
            out = output(source.active, name)
            return self._structural_op(out, *structural.full([(self.python(a), a.span) for a in sizes], source, out,
                                                             self._proved_sizes(sizes)))
        if name in ("diag_pre_multiply", "diag_post_multiply", "quad_form_diag"):
            matrix, vector = expr.args if name != "diag_pre_multiply" else expr.args[::-1]
            matrix, vector = self.value(matrix), self.value(vector)
            out = output(matrix.active or vector.active, name)
            return self._structural_op(out, *structural.scale_rows_and_columns(name, matrix, vector, out))
        if name in ("solve", "solve_lower_triangular", "solve_upper_triangular"):
            matrix, rhs = self.value(expr.args[0]), self.value(expr.args[1])
            out = output(matrix.active or rhs.active, name)
            return self._structural_op(out, *structural.solve(name, matrix, rhs, out))
        if name in ("inverse", "log_determinant", "eigenvalues_sym", "eigenvectors_sym"):
            source = self.value(expr.args[0])
            out = output(source.active, name)
            return self._structural_op(out, *getattr(structural, name)(source, out))
        if name == "quad_form":   # B.T @ A @ B
            return self.value(_quad_form(expr))
        if name in PICKS:   # of ints (real ones are fused regions)
            out = output(False, name)
            return self._structural_op(out, *structural.pick_integers(name, [self.value(a) for a in expr.args], out))
        if name == "diag":
            source = self.value(expr.args[0])
            out = output(source.active, "diag")
            rule = structural.diag_matrix if source.type.rank == 1 else structural.diagonal
            return self._structural_op(out, *rule(source, out))
        raise NotSupportedYet(f"{name}() in the compiler")

    def _covariance(self, expr: ir.Call, output) -> Value:
        """A covariance function (exp_quad_cov, matern*_cov) of one or two point sets: the squared
        distances (data) once, then one fused region of the covariance's SymPy expression of the
        distance, amplitude and length scale, so that SymPy gives the partials in both."""
        *point_sets, amplitude, length_scale = expr.args
        points = [self.value(p) for p in point_sets]
        if any(p.active for p in points):
            raise NotSupportedYet(f"{expr.function}() of points that depend on params")
        first, second = points[0], points[-1]
        kernel = "squared_distances_scalar_points" if first.type.rank == 1 else "squared_distances"
        call = f"event_kernels.{kernel}({first.code}, {second.code})"
        distance_type = ir.Type("real", expr.type.shape)
        if (self.hoisted is not None and self.depth == 0 and not self.mode.data_stage
                and {first.code, second.code} <= self.hoisted.data_names):   # data: once, when data is bound
            distances = self.hoisted.value_for_call(self.statement_prefix, call, distance_type, "squared_distances")
        else:
            distances = self.temporary(distance_type, False, "squared_distances")
            self.emit_op(Op(forward=[f"{distances.code} = {call}"]))
        fuser = self.fuser()
        expression = COVARIANCES[expr.function](fuser.leaf_symbol(distances), fuser.convert(amplitude),
                                                fuser.convert(length_scale))
        region = Region(expression, list(fuser.leaves.values()), expr.type.shape,
                        intermediates=dict(fuser.intermediates))
        return self._emit_region_value(region, output(region.active, "cov"))

    def _structural_op(self, out: Value, forward, reverse) -> Value:
        op = Op(forward=forward)
        if out.active:
            op.adjoint_init = [zeros_like(out)]
            op.reverse = reverse
        self.emit_op(op)
        return out


def _quad_form(expr: ir.Call):
    """quad_form(A, B) as the IR of B.T @ A @ B, whose products have their own rules."""
    matrix, right = expr.args
    transposed = ir.Call("transpose", (right,), (), ir.Type(right.type.dtype, right.type.shape[::-1]), expr.span)
    left_shape = right.type.shape[1:] + matrix.type.shape[1:]
    left = ir.BinaryOp("@", transposed, matrix, ir.Type("real", left_shape), expr.span)
    return ir.BinaryOp("@", left, right, expr.type, expr.span)
