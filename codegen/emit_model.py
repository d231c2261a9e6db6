"""The model's functions as Python source: statements → Ops → functions.

``emit_module(program)`` returns the text of a module defining, as
``@numba.njit`` functions with one fixed signature for every model:

* ``transformed_data(real_data, int_data)`` → the data-stage values, once;
* ``log_density(u, real_data, int_data)`` → the log density at u
  (unconstrained, Jacobian included);
* ``log_density_gradient(u, grad_out, real_data, int_data)`` → the same,
  writing its gradient into grad_out;
* ``log_density_without_jacobian(u, real_data, int_data)`` → for ``log_prob``;
* ``constrain(u, real_data, int_data)`` → the params (a tuple, declaration order);
* ``unconstrain(real_data, int_data, u_out, *params)``;
* ``deterministics(u, real_data, int_data)`` and ``generate(u, real_data, int_data, seed)``
  → the saved quantities of a draw;
* ``dimension(real_data, int_data)`` → the number of unconstrained coordinates;
* ``log_density_terms(u, real_data, int_data, lp_after)`` → the running total after
  each top-level statement (to name the statement to blame when sampling cannot start).

``log_density_gradient`` has an explicit signature so that the samplers, compiled
once, take it as a first-class function.  See codegen/emit.py for how the gradient
is built and docs/compiler.md for a walk-through of the emitted code.
"""

from __future__ import annotations

import itertools
import re

import sympy

from codegen import event_rules, ir, structural
from codegen.emit import NotSupportedYet, Names, Op, Value, dim_code, indent, shape_code, zeros_like
from codegen.fuse import Fuser, Region, RegionEmitter, fuse_at, is_fusable, loop_header, size_of, unrolled_matmul
from codegen.sympy_numba import emit_assignments
from ppl.catalogue.builtin_expressions import COVARIANCES
from codegen.layout import data_inputs, data_layout, transformed_data_outputs
from ppl.catalogue import constraints as C

_PYTHON_OPERATORS = {"and": "and", "or": "or", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">",
                     ">=": ">=", "+": "+", "-": "-", "*": "*", "//": "//", "%": "%", "/": "/", "**": "**"}

# unconstrained coordinates per event, as code of the event size K
_FREE_SIZE = {"simplex": "{K} - 1", "ordered": "{K}", "positive_ordered": "{K}",
              "corr_cholesky": "{K} * ({K} - 1) // 2", "corr": "{K} * ({K} - 1) // 2",
              "cov_cholesky": "{K} * ({K} + 1) // 2", "cov": "{K} * ({K} + 1) // 2"}
_EVENT_MODULE = {"simplex": "vector", "ordered": "vector", "positive_ordered": "vector"}


# NumPy's error model: a division by zero gives inf or nan (which the samplers reject), never an exception
JIT = '@numba.njit(cache=True, error_model="numpy")'
JIT_FIXED_SIGNATURE = ('@numba.njit("float64(float64[::1], float64[::1], float64[::1], int64[::1])", '
                       'cache=True, error_model="numpy")')

class ModelEmitter:
    def __init__(self, program: ir.Program, forward_only: bool = False):
        self.program = program
        self.names = Names()
        self.scope: dict[str, Value] = {}
        self.ops: list[Op] = []
        self.regions = itertools.count()
        self.loops = itertools.count()
        self.forward_only = forward_only
        self.param_offsets: list[tuple[ir.ParamDeclaration, str, str]] = []   # (decl, offset, size code)
        self.transformed = transformed_data_names(program)
        # the fast path of log_density and its gradient: elementwise deterministics are inlined into
        # the regions that read them, and top-level target terms add their partials as they go
        self.fast = False
        self.needed = names_the_target_needs(program)   # with fast: the deterministics the target reads
        self.inlined: dict[str, tuple] = {}    # name → (IR expression, active)
        self.depth = 0

    # ---- helpers -----------------------------------------------------------

    def bind(self, name: str, type_: ir.Type, active: bool) -> Value:
        value = Value(self.names.of(name), type_, active)
        self.scope[name] = value
        return value

    def emit_op(self, op: Op):
        if self.forward_only:
            op.adjoint_init, op.reverse = [], []
        self.ops.append(op)

    def region_emitter(self) -> RegionEmitter:
        n = next(self.regions)
        return RegionEmitter(index_prefix=f"_i{n}_", temporary_prefix=f"_c{n}")

    def temporary(self, type_: ir.Type, active: bool, hint: str = "") -> Value:
        return Value(self.names.temporary(hint), type_, active)

    # ---- expressions -----------------------------------------------------------

    def value(self, expr, name: str | None = None) -> Value:
        """Emit ops computing expr; return the Value holding it (named `name` when new)."""
        if isinstance(expr, ir.Constant):
            literal = repr(float(expr.value)) if expr.type.dtype == "real" else repr(int(expr.value))
            return Value(literal, expr.type, False)
        if isinstance(expr, ir.Variable):
            if expr.name in self.inlined:   # needed whole after all: compute it now, once
                inlined, _ = self.inlined.pop(expr.name)
                materialised = self.value(inlined, name=expr.name)
                self.scope[expr.name] = materialised
                return materialised
            return self.scope[expr.name]
        if isinstance(expr, ir.BinaryOp) and expr.op == "@":
            unrolled = unrolled_matmul(expr)
            if unrolled is not None:
                return self.value(unrolled, name)
        if is_fusable(expr):
            return self._fused(expr, name)
        if expr.type.dtype in ("int", "bool") and not self._active(expr):
            out = Value(self.names.of(name) if name else self.names.temporary(), expr.type, False)
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

    def fuser(self) -> Fuser:
        return Fuser(self.value, lambda name: self.inlined[name][0] if name in self.inlined else None)

    def _fused(self, expr, name) -> Value:
        region = self.fuser().region(expr)
        out = Value(self.names.of(name) if name else self.names.temporary(), expr.type, region.active)
        return self._emit_region_value(region, out)

    def _emit_region_value(self, region: Region, out: Value) -> Value:
        emitter = self.region_emitter()
        op = Op(forward=emitter.value(region, out))
        if out.active:
            op.adjoint_init = [zeros_like(out)]
            op.reverse = emitter.value_adjoint(region, out)
        self.emit_op(op)
        return out

    def sum_into_target(self, region: Region, jacobian: bool = False):
        emitter = self.region_emitter()
        op = Op(forward=emitter.sum_into(region, "lp"), recompute=[], without_jacobian=[] if jacobian else None)
        if region.active:
            if self.fast and self.depth == 0:
                op.gradient_forward = emitter.sum_with_partials(region, "lp")
            else:
                op.reverse = emitter.sum_adjoint(region)
        self.emit_op(op)

    def python(self, expr) -> str:
        """Python text of an inactive int/bool/index expression."""
        if isinstance(expr, ir.Constant):
            return repr(expr.value)
        if isinstance(expr, ir.Variable):
            return self.value(expr).code
        if isinstance(expr, ir.UnaryOp):
            operator = "not " if expr.op == "not" else expr.op
            return f"({operator}{self.python(expr.operand)})"
        if isinstance(expr, ir.BinaryOp) and expr.op in _PYTHON_OPERATORS:
            return f"({self.python(expr.left)} {_PYTHON_OPERATORS[expr.op]} {self.python(expr.right)})"
        if isinstance(expr, ir.IndexOp) and not any(isinstance(i, ir.GatherIndex) for i in expr.items):
            return f"{self.python(expr.value)}[{self.index_code(expr.items)}]"
        if isinstance(expr, ir.Call) and expr.function == "size":
            return f"{self.value(expr.args[0]).code}.size"
        if isinstance(expr, (ir.IndexOp, ir.Call)):   # gathers, reductions of int data
            return self._structural(expr, None).code
        return self.value(expr).code

    def index_code(self, items) -> str:
        parts = []
        for item in items:
            if isinstance(item, ir.ScalarIndex):
                parts.append(self.python(item.index))
            elif isinstance(item, ir.SliceIndex):
                bounds = ["" if p is None else self.python(p) for p in (item.start, item.stop)]
                text = ":".join(bounds)
                if item.step is not None:
                    text += ":" + self.python(item.step)
                parts.append(text)
            else:
                parts.append(self.value(item.indices).code)
        return ", ".join(parts)

    def _structural(self, expr, name) -> Value:
        out_name = self.names.of(name) if name else None

        def output(active, hint=""):
            return Value(out_name or self.names.temporary(hint), expr.type, active)

        if isinstance(expr, ir.IndexOp):
            source = self.value(expr.value)
            gathers = [i for i in expr.items if isinstance(i, ir.GatherIndex)]
            out = output(source.active)
            if gathers and len(expr.items) == 1:
                indices = self.value(gathers[0].indices)
                forward, reverse = structural.gather_first_axis(source, indices.code, out)
            elif gathers:
                if any(g.indices.type.rank != 1 for g in gathers):
                    raise NotSupportedYet("gathers by int arrays of rank above 1 combined with other indices")
                items = []
                for item in expr.items:
                    if isinstance(item, ir.GatherIndex):
                        items.append(("gather", self.value(item.indices).code))
                    elif isinstance(item, ir.ScalarIndex):
                        items.append(("scalar", self.python(item.index)))
                    else:
                        items.append(("slice", self.index_code((item,))))
                forward, reverse = structural.gather_with_other_indices(
                    source, items, out, shape_code(expr.type.shape, self.scope))
            else:
                forward, reverse = structural.index_basic(source, self.index_code(expr.items), out)
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
            sizes = [self.python(a) for a in expr.args]
            return self._structural_op(out, *structural.filled(name, f"({', '.join(sizes)},)", out))
        if name == "eye":
            out = output(False, "eye")
            return self._structural_op(out, *structural.eye(self.python(expr.args[0]), out))
        if name == "cholesky":
            source = self.value(expr.args[0])
            out = output(source.active, "cholesky")
            return self._structural_op(out, *event_rules.cholesky(source, out))
        if name in COVARIANCES:
            return self._covariance(expr, output)
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
        distances = self.temporary(ir.Type("real", expr.type.shape), False, "squared_distances")
        self.emit_op(Op(forward=[f"{distances.code} = event_kernels.{kernel}({first.code}, {second.code})"]))
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

    # ---- statements -------------------------------------------------------------

    def top_level(self, statements) -> list[Op]:
        keep = [s for s in statements
                if is_transformed_data(self.program, s, self.transformed) == self.forward_only_data]
        return self.block(keep)

    def nested_block(self, statements) -> list[Op]:
        self.depth += 1
        try:
            return self.block(statements)
        finally:
            self.depth -= 1

    def block(self, statements) -> list[Op]:
        outer = self.ops
        self.ops = []
        try:
            for statement in statements:
                self.statement(statement)
            return self.ops
        finally:
            self.ops = outer

    include_gen = False
    values_only = False   # deterministics and generate: the values, not the target's terms

    def statement(self, s):
        if (s.stage == "gen" and not self.include_gen) or isinstance(s, ir.DataDeclaration):
            return
        if self.values_only and s.stage != "gen" and isinstance(s, (ir.SampleStatement, ir.TargetIncrement)):
            return
        try:
            getattr(self, "_" + type(s).__name__)(s)
        except NotSupportedYet as error:   # the innermost statement is the most precise place
            if error.span is None:
                error.span = s.span
            raise

    def _is_transformed_data(self, name) -> bool:
        return name in self.transformed

    def _Assign(self, s: ir.Assign):
        if self._is_transformed_data(s.name) and not self.forward_only_data:
            return
        if self.fast and self.depth == 0 and s.role == ir.Role.DETERMINISTIC and s.name not in self.needed:
            return   # saved for the output only: deterministics() computes it
        if self.fast and self.depth == 0 and s.role == ir.Role.DETERMINISTIC and is_fusable(s.value):
            self.inlined[s.name] = (s.value, self._active(s.value))
            return
        value = self.value(s.value, name=s.name)
        target = self.names.of(s.name)
        if value.code == target:
            self.scope[s.name] = value
            return
        bound = self.bind(s.name, s.value.type, value.active)
        op = Op(forward=[f"{bound.code} = {value.code}"])
        if bound.active:
            op.adjoint_init = [zeros_like(bound)]
            op.reverse = [f"{value.adjoint} += {bound.adjoint}"]
        self.emit_op(op)

    forward_only_data = False

    def _ArrayDeclaration(self, s: ir.ArrayDeclaration):
        if self._is_transformed_data(s.name) and not self.forward_only_data:
            return
        active = s.stage == "model"
        array = self.bind(s.name, s.type, active)
        dtype = ", dtype=np.int64" if s.type.dtype == "int" else ""
        fill = "0" if s.type.dtype == "int" else "np.nan"
        op = Op(forward=[f"{array.code} = np.full({shape_code(s.type.shape, self.scope)}, {fill}{dtype})"])
        if active:
            op.adjoint_init = [zeros_like(array)]
        self.emit_op(op)

    def _IndexAssign(self, s: ir.IndexAssign):
        if self._is_transformed_data(s.name) and not self.forward_only_data:
            return
        array = self.scope[s.name]
        value = self.value(s.value)
        index = self.index_code(s.items)
        op = Op(forward=[f"{array.code}[{index}] = {value.code}"], recompute=[])
        if array.active and value.active:
            op.reverse = [f"{value.adjoint} += {array.adjoint}[{index}]"]
        self.emit_op(op)

    def _SampleStatement(self, s: ir.SampleStatement):
        if s.stage == "gen":
            return self._draw(s)
        distribution = event_rules.lower(s.distribution)
        if event_rules.needs_event_rule(distribution):
            event_rules.sample(self, s.value, distribution)
            return
        log_prob = ir.LogProb(distribution, s.value, ir.Type("real", ()), s.span)
        region = self.fuser().region(log_prob)
        region.shape = _broadcast_region_shape(region)
        self.sum_into_target(region)

    def _draw(self, s: ir.SampleStatement):
        """`gen NAME ~ DIST`: one sampler call per element, arguments computed elementwise."""
        from ppl.catalogue.distributions import DISTRIBUTIONS

        distribution = event_rules.lower(s.distribution)
        if event_rules.needs_event_rule(distribution):
            raise NotSupportedYet(f"drawing from {distribution.family} in generated quantities")
        declaration = DISTRIBUTIONS[distribution.family]
        sampler = re.sub(r"(?<!^)(?=[A-Z])", "_", declaration.name).lower()
        given = [name for name, _ in distribution.arguments]
        for group in declaration.alternatives:
            sampler += "_" + next(name for name in group if name in given)
        fuser = Fuser(self.value)
        arguments = [fuser.convert(argument) for _, argument in distribution.arguments]
        leaves = list(fuser.leaves.values())
        shape = distribution.type.batch_shape
        integer = declaration.support.dtype == "int"
        emitter = self.region_emitter()
        names = emitter.index_names[:len(shape)]
        if s.defines:
            target = self.bind(s.defines, ir.Type("int" if integer else "real", shape), False)
            target_code = target.code
            lines = []
            if shape:
                dtype = ", dtype=np.int64" if integer else ""
                lines.append(f"{target_code} = np.zeros({shape_code(shape, self.scope)}{dtype})")
        else:
            target_code = f"{self.scope[s.value.value.name].code}[{self.index_code(s.value.items)}]"
            lines = []
        region = Region(sympy.Integer(0), leaves, shape)
        values = {f"{emitter.prefix}_a{k}": fuse_at(region, argument, names) for k, argument in enumerate(arguments)}
        body = emit_assignments(values, emitter.prefix)
        element = f"{target_code}[{', '.join(names)}]" if shape else target_code
        body.append(f"{element} = draws.{sampler}({', '.join(values)})")
        if shape:
            header, _ = loop_header(shape, leaves, names, size_of)
            body = header + ["    " * len(header) + line for line in body]
        self.emit_op(Op(forward=lines + body))

    def _TargetIncrement(self, s: ir.TargetIncrement):
        region = self.fuser().region(s.value)
        self.sum_into_target(region)

    def _ForLoop(self, s: ir.ForLoop):
        start, stop, step = (self.python(e) for e in (s.start, s.stop, s.step))
        outer_scope = dict(self.scope)
        variable = self.bind(s.var, ir.INT, False)
        body = self.nested_block(s.body)
        self.scope = outer_scope
        header = f"for {variable.code} in range({start}, {stop}, {step}):"
        body_lines = _lines(body, "forward")
        op = Op(forward=[header] + indent(body_lines) if body_lines else [], recompute=[])   # empty: no loop
        reverse_body = (_lines(body, "recompute") + _lines(body, "adjoint_init")
                        + _lines(list(reversed(body)), "reverse"))
        if any(o.reverse for o in body):
            n = next(self.loops)
            step_value = _constant(s.step)
            if step_value is None:
                raise NotSupportedYet("a loop whose step is not a literal")
            if step_value > 0:
                count = f"max(0, ({stop} - {start} + {step_value - 1}) // {step_value})"
            else:
                count = f"max(0, ({start} - {stop} + {-step_value - 1}) // {-step_value})"
            op.reverse = [f"for _r{n} in range({count} - 1, -1, -1):",
                          f"    {variable.code} = {start} + _r{n} * {step}"] + indent(reverse_body)
        self.emit_op(op)

    def _IfElse(self, s: ir.IfElse):
        condition = self.python(s.condition)
        outer_scope = dict(self.scope)
        then_ops = self.nested_block(s.then_body)
        self.scope = dict(outer_scope)
        else_ops = self.nested_block(s.else_body)
        self.scope = outer_scope

        def branches(kind_then, kind_else):
            lines = [f"if {condition}:"] + indent(kind_then or ["pass"])
            if kind_else:
                lines += ["else:"] + indent(kind_else)
            return lines

        op = Op(forward=branches(_lines(then_ops, "forward"), _lines(else_ops, "forward")),
                recompute=branches(_lines(then_ops, "recompute"), _lines(else_ops, "recompute")))
        if any(o.reverse for o in then_ops + else_ops):
            op.reverse = branches(
                _lines(then_ops, "adjoint_init") + _lines(list(reversed(then_ops)), "reverse"),
                _lines(else_ops, "adjoint_init") + _lines(list(reversed(else_ops)), "reverse"))
        self.emit_op(op)

    # ---- params ---------------------------------------------------------------------

    def _ParamDeclaration(self, s: ir.ParamDeclaration):
        constraint = s.constraint
        previous = self.param_offsets[-1] if self.param_offsets else None
        offset = f"{self.names.of(s.name)}_offset"
        start = "0" if previous is None else f"{previous[1]} + {previous[2]}"
        size = self._free_size_code(s)
        self.emit_op(Op(forward=[f"{offset} = {start}"]))
        self.param_offsets.append((s, offset, size))
        kind = constraint.constraint.name
        if kind == "real":
            self._real_param(s, offset, size)
        elif kind in ("lower", "upper", "interval"):
            self._bounded_param(s, offset, size, kind)
        elif kind in _FREE_SIZE:
            self._event_param(s, offset, kind)
        else:
            raise NotSupportedYet(f"params constrained to {kind}")

    def _free_size_code(self, s: ir.ParamDeclaration) -> str:
        c = s.constraint
        batch = [dim_code(d, self.scope) for d in c.batch_shape]
        if c.event_shape:
            per_event = _FREE_SIZE[c.constraint.name].format(K=f"({dim_code(c.event_shape[-1], self.scope)})")
            batch.append(f"({per_event})")
        return " * ".join(batch) if batch else "1"

    def _unconstrained_slice(self, s, offset, size, active=True) -> Value:
        u_value = Value(f"{self.names.of(s.name)}_u", s.type, active)
        if not s.type.shape:
            forward = [f"{u_value.code} = u[{offset}]"]
            reverse = [f"grad_out[{offset}] += {u_value.adjoint}"]
        else:
            view = f"u[{offset}:{offset} + {size}]"
            if s.type.rank > 1:
                view += f".reshape({shape_code(s.type.shape, self.scope)})"
                reverse = [f"grad_out[{offset}:{offset} + {size}] += {u_value.adjoint}.ravel()"]
            else:   # the adjoint is grad_out's window itself (zeroed when the gradient starts)
                self.emit_op(Op(forward=[f"{u_value.code} = {view}"],
                                adjoint_init=[f"{u_value.adjoint} = grad_out[{offset}:{offset} + {size}]"]))
                return u_value
            forward = [f"{u_value.code} = {view}"]
        self.emit_op(Op(forward=forward, adjoint_init=[zeros_like(u_value)], reverse=reverse))
        return u_value

    def _real_param(self, s, offset, size):
        u_value = self._unconstrained_slice(s, offset, size)
        param = self.bind(s.name, s.type, True)
        if s.type.shape:   # the same array: one adjoint
            self.emit_op(Op(forward=[f"{param.code} = {u_value.code}"],
                            adjoint_init=[f"{param.adjoint} = {u_value.adjoint}"]))
            return
        self.emit_op(Op(forward=[f"{param.code} = {u_value.code}"], adjoint_init=[zeros_like(param)],
                        reverse=[f"{u_value.adjoint} += {param.adjoint}"]))

    def _bounded_param(self, s, offset, size, kind):
        from ppl.transforms.scalar import scalar_transform_expressions

        transform = scalar_transform_expressions(kind)
        bounds = s.constraint.bounds
        u_value = self._unconstrained_slice(s, offset, size)
        leaves = [(sympy.Symbol("leaf_u", real=True), u_value)]
        substitution = {transform.unconstrained: leaves[0][0]}
        for bound_name, expr in (("lower", bounds.lower), ("upper", bounds.upper)):
            if expr is None:
                continue
            bound_value = self.value(expr)
            if bound_value.code[0].isdigit() or bound_value.code.startswith("-"):
                substitution[getattr(transform, bound_name)] = sympy.Float(bound_value.code)
                continue
            symbol = sympy.Symbol(f"leaf_{bound_name}", real=True)
            leaves.append((symbol, bound_value))
            substitution[getattr(transform, bound_name)] = symbol
        shape = s.type.shape
        param = self.bind(s.name, s.type, True)
        self._emit_region_value(Region(transform.forward.xreplace(substitution), leaves, shape), param)
        self.sum_into_target(Region(transform.log_det_jacobian.xreplace(substitution), leaves, shape),
                             jacobian=True)

    def _event_param(self, s, offset, kind):
        c = s.constraint
        if len(c.batch_shape) > 1:
            raise NotSupportedYet(f"{kind} params with more than one batch axis")
        module = _EVENT_MODULE.get(kind, "matrix")
        event_size = _FREE_SIZE[kind].format(K=f"({dim_code(c.event_shape[-1], self.scope)})")
        param = self.bind(s.name, s.type, True)
        allocate = f"{param.code} = np.empty({shape_code(s.type.shape, self.scope)})"
        if not c.batch_shape:
            window = f"u[{offset}:{offset} + {event_size}]"
            forward = [allocate, f"lp += {module}.{kind}_constrain({window}, {param.code})"]
            reverse = [f"{module}.{kind}_constrain_vjp({window}, {param.adjoint}, "
                       f"grad_out[{offset}:{offset} + {event_size}])"]
        else:
            n = next(self.loops)
            batch = dim_code(c.batch_shape[0], self.scope)
            window = f"u[{offset} + _b{n} * ({event_size}):{offset} + (_b{n} + 1) * ({event_size})]"
            gradient = f"grad_out[{offset} + _b{n} * ({event_size}):{offset} + (_b{n} + 1) * ({event_size})]"
            forward = [allocate, f"for _b{n} in range({batch}):",
                       f"    lp += {module}.{kind}_constrain({window}, {param.code}[_b{n}])"]
            reverse = [f"for _b{n} in range({batch}):",
                       f"    {module}.{kind}_constrain_vjp({window}, {param.adjoint}[_b{n}], {gradient})"]
        self.emit_op(Op(forward=forward, recompute=[allocate], adjoint_init=[zeros_like(param)],
                        reverse=reverse, without_jacobian=[line.replace("lp += ", "_ = ") for line in forward]))


def names_the_target_needs(program: ir.Program) -> set[str]:
    """The names read by what adds to the target (`~`, `target +=`, loops and branches, which
    may hold either), directly or through the values those read: one backward pass over the
    top level.  A saved deterministic outside this set (a correlation matrix L @ L.T kept for
    the output) is left out of the log density and its gradient."""
    needed: set[str] = set()
    for statement in reversed(program.statements):
        if statement.stage == "gen" or isinstance(statement, ir.DataDeclaration):
            continue
        is_value = isinstance(statement, (ir.Assign, ir.ArrayDeclaration, ir.IndexAssign))
        if not is_value or writes(statement) & needed:
            needed |= reads(statement)
    return needed


def writes(statement) -> set[str]:
    """The names a statement defines or fills (recursively through blocks)."""
    if isinstance(statement, (ir.Assign, ir.ArrayDeclaration, ir.IndexAssign)):
        return {statement.name}
    if isinstance(statement, ir.ForLoop):
        return set().union(*(writes(s) for s in statement.body)) if statement.body else set()
    if isinstance(statement, ir.IfElse):
        return set().union(*(writes(s) for s in statement.then_body + statement.else_body))
    return set()


def reads(statement) -> set[str]:
    """The names a statement reads (recursively through blocks)."""
    expressions = []
    if isinstance(statement, ir.Assign):
        expressions = [statement.value]
    elif isinstance(statement, ir.IndexAssign):
        expressions = [statement.value] + [part for item in statement.items for part in _item_parts(item)]
    elif isinstance(statement, (ir.SampleStatement,)):
        expressions = [statement.value, statement.distribution]
    elif isinstance(statement, ir.TargetIncrement):
        expressions = [statement.value]
    elif isinstance(statement, ir.ForLoop):
        expressions = [statement.start, statement.stop, statement.step]
        return _names(expressions).union(*(reads(s) for s in statement.body))
    elif isinstance(statement, ir.IfElse):
        return _names([statement.condition]).union(*(reads(s) for s in statement.then_body + statement.else_body))
    return _names(expressions)


def _names(expressions) -> set[str]:
    return {sub.name for expr in expressions for sub in ir.walk_expr(expr) if isinstance(sub, ir.Variable)}


def _item_parts(item):
    if isinstance(item, ir.ScalarIndex):
        return [item.index]
    if isinstance(item, ir.GatherIndex):
        return [item.indices]
    return [p for p in (item.start, item.stop, item.step) if p is not None]


def transformed_data_names(program: ir.Program) -> set[str]:
    """The transformed-data values computed once at binding.  A data-only value written by a
    statement that also involves params (a fill inside a model loop), or read from one, is
    computed in the model's functions instead (demoted until nothing changes)."""
    names = {symbol.name for symbol in program.symbols if symbol.role == ir.Role.TRANSFORMED_DATA}
    while True:
        demoted = set()
        for statement in program.statements:
            written = writes(statement) & names
            if not written:
                continue
            if statement.stage != "data" or (writes(statement) - names - _locals(statement)) \
                    or (reads(statement) & (_all_names(program) - names - _data_names(program) - _locals(statement))):
                demoted |= written
        if not demoted:
            return names
        names -= demoted


def _locals(statement) -> set[str]:
    if isinstance(statement, ir.ForLoop):
        return {statement.var} | {s.name for s in statement.body if isinstance(s, ir.Assign)} \
            .union(*(_locals(s) for s in statement.body))
    if isinstance(statement, ir.IfElse):
        return {s.name for s in statement.then_body + statement.else_body if isinstance(s, ir.Assign)} \
            .union(*(_locals(s) for s in statement.then_body + statement.else_body))
    return set()


def _all_names(program) -> set[str]:
    return {symbol.name for symbol in program.symbols}


def _data_names(program) -> set[str]:
    return {d.name for d in program.data}


def is_transformed_data(program: ir.Program, statement, names: set[str]) -> bool:
    """Whether a top-level statement belongs to the once-per-binding transformed data function."""
    if statement.stage != "data" or isinstance(statement, ir.DataDeclaration):
        return False
    written = writes(statement) - _locals(statement)
    return bool(written) and written <= names


def _broadcast_region_shape(region: Region):
    from codegen.shapes import broadcast_shapes

    shape = broadcast_shapes(*[value.type.shape for _, value in region.leaves]) if region.leaves else ()
    return shape or ()


def _constant(expr):
    from codegen.check_exprs import constant_int

    return constant_int(expr)


def _unconstrain_function(program, inputs, outputs, prologue) -> list[str]:
    """unconstrain(real_data, int_data, u_out, *params): the inverse transforms, param by param."""
    from ppl.transforms.scalar import scalar_transform_expressions

    emitter = ModelEmitter(program, forward_only=True)
    for name, type_ in inputs + outputs:
        emitter.bind(name, type_, False)
    lines: list[str] = []
    previous = None
    arguments = []
    for declaration in program.params:
        constraint = declaration.constraint
        kind = constraint.constraint.name
        param = emitter.bind(declaration.name, declaration.type, False)
        arguments.append(param.code)
        offset = f"{param.code}_offset"
        size = emitter._free_size_code(declaration)
        lines.append(f"{offset} = {'0' if previous is None else previous}")
        previous = f"{offset} + {size}"
        if kind in ("real", "lower", "upper", "interval"):
            transform = scalar_transform_expressions(kind)
            x = sympy.Symbol("leaf_x", real=True)
            leaves = [(x, param)]
            substitution = {transform.constrained: x}
            for bound_name, expr in (("lower", constraint.bounds.lower), ("upper", constraint.bounds.upper)):
                if expr is None:
                    continue
                emitter.ops = []
                bound_value = emitter.value(expr)
                lines += _lines(emitter.ops, "forward")
                symbol = sympy.Symbol(f"leaf_{bound_name}", real=True)
                leaves.append((symbol, bound_value))
                substitution[getattr(transform, bound_name)] = symbol
            region = Region(transform.inverse.xreplace(substitution), leaves, declaration.type.shape)
            flat = Value(f"u_out[{offset}:{offset} + {size}]", declaration.type, False)
            if declaration.type.shape:
                target = Value(f"{param.code}_u", declaration.type, False)
                lines += emitter.region_emitter().value(region, target)
                lines.append(f"{flat.code} = {target.code}.ravel()")
            else:
                lines += emitter.region_emitter().value(region, Value(f"u_out[{offset}]", declaration.type, False))
            continue
        module = _EVENT_MODULE.get(kind, "matrix")
        event_size = _FREE_SIZE[kind].format(K=f"({dim_code(constraint.event_shape[-1], emitter.scope)})")
        if not constraint.batch_shape:
            lines.append(f"{module}.{kind}_unconstrain({param.code}, u_out[{offset}:{offset} + {event_size}])")
        else:
            lines += [f"for _b in range({param.code}.shape[0]):",
                      f"    {module}.{kind}_unconstrain({param.code}[_b], "
                      f"u_out[{offset} + _b * ({event_size}):{offset} + (_b + 1) * ({event_size})])"]
    signature = ", ".join(["real_data", "int_data", "u_out"] + arguments)
    return [JIT, f"def unconstrain({signature}):"] + indent(prologue + lines + ["return u_out"])


def _return_tuple(codes) -> str:
    codes = list(codes)
    return f"return ({', '.join(codes)}{',' if len(codes) == 1 else ''})"


def _lines(ops: list[Op], kind: str) -> list[str]:
    lines: list[str] = []
    for op in ops:
        if kind == "recompute":
            lines += op.recompute_lines()
        elif kind == "without_jacobian":
            lines += op.forward if op.without_jacobian is None else op.without_jacobian
        else:
            lines += getattr(op, kind)
    return lines


# ---- the module --------------------------------------------------------------

def _unpack_lines(layout, names_types, scope) -> list[str]:
    lines = []
    for packed, (name, type_) in zip(layout.values, names_types):
        kind = {0: "scalar", 1: "vector", 2: "matrix", 3: "array3"}.get(type_.rank)
        if kind is None:
            raise NotSupportedYet(f"data of rank {type_.rank}")
        dtype = "int" if packed.dtype == "int" else "real"
        value = scope[name]
        lines.append(f"{value.code} = data.{dtype}_{kind}(real_data, int_data, {packed.header_position})")
    return lines


def emit_module(program: ir.Program) -> tuple[str, dict]:
    """The generated module's text, and facts the runtime needs (layouts, param names)."""
    inputs = data_inputs(program)
    transformed = transformed_data_names(program)
    outputs = [(name, type_) for name, type_ in transformed_data_outputs(program) if name in transformed]
    full_layout = data_layout(inputs + outputs)
    input_layout = data_layout(inputs)

    # transformed data: forward only, over data-stage statements
    data_emitter = ModelEmitter(program, forward_only=True)
    data_emitter.forward_only_data = True
    for name, type_ in inputs:
        data_emitter.bind(name, type_, False)
    data_ops = data_emitter.top_level(program.statements)
    td_returns = ", ".join(data_emitter.scope[name].code for name, _ in outputs)

    def new_emitter(fast=False, forward_only=False):
        emitter = ModelEmitter(program, forward_only=forward_only)
        emitter.fast = fast
        for name, type_ in inputs + outputs:
            emitter.bind(name, type_, False)
        return emitter

    emitter = new_emitter()                    # every value materialised: saved deterministics
    emitter.values_only = True
    prologue = _unpack_lines(full_layout, inputs + outputs, emitter.scope)
    model_ops = emitter.top_level(program.statements)
    fast = new_emitter(fast=True)              # log density and gradient
    fast_ops = fast.top_level(program.statements)
    param_emitter = new_emitter(forward_only=True)
    param_ops = param_emitter.top_level([s for s in program.statements if isinstance(s, ir.ParamDeclaration)])
    params = [param_emitter.scope[p.name].code for p in program.params]

    source_name = program.filename
    out = [f'"""Generated by ppl from {source_name}. Do not edit: ppl writes it anew when the model changes."""',
           "", "import math", "", "import numba", "import numpy as np", "",
           "from ppl.runtime import data, draws, event_kernels, special", "from ppl.transforms import matrix, vector", "", ""]

    out += [JIT, "def transformed_data(real_data, int_data):"]
    out += indent(_unpack_lines(input_layout, inputs, data_emitter.scope) + _lines(data_ops, "forward")
                  + [f"return ({td_returns}{',' if len(outputs) == 1 else ''})"])
    out += ["", "", JIT, "def log_density(u, real_data, int_data):"]
    out += indent(prologue + ["lp = 0.0"] + _lines(fast_ops, "forward") + ["return lp"])
    out += ["", "", JIT, "def log_density_without_jacobian(u, real_data, int_data):"]
    out += indent(prologue + ["lp = 0.0"] + _lines(fast_ops, "without_jacobian") + ["return lp"])
    # one fixed signature: the samplers take this function as a first-class argument
    out += ["", "", JIT_FIXED_SIGNATURE, "def log_density_gradient(u, grad_out, real_data, int_data):"]
    forward: list[str] = ["grad_out[:] = 0.0"]   # before the forward sweep: params' adjoints are its windows
    for op in fast_ops:   # each top-level adjoint starts at zero right where its value is made
        forward += (op.forward if op.gradient_forward is None else op.gradient_forward) + op.adjoint_init
    reverse = _lines(list(reversed(fast_ops)), "reverse")
    out += indent(prologue + ["lp = 0.0"] + forward + ["", "# adjoint sweep"] + reverse + ["return lp"])
    out += ["", "", JIT, "def constrain(u, real_data, int_data):"]
    out += indent(prologue + ["lp = 0.0"] + _lines(param_ops, "forward") + [_return_tuple(params)])
    saved = [symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.DETERMINISTIC]
    out += ["", "", JIT, "def deterministics(u, real_data, int_data):"]
    out += indent(prologue + ["lp = 0.0"] + _lines(model_ops, "forward")
                  + [_return_tuple(emitter.scope[n].code for n in saved)])
    out += ["", "", JIT, "def generate(u, real_data, int_data, seed):"]
    generated = [symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.GEN]
    try:
        gen_emitter = ModelEmitter(program, forward_only=True)
        gen_emitter.include_gen = True
        gen_emitter.values_only = True
        for name, type_ in inputs + outputs:
            gen_emitter.bind(name, type_, False)
        gen_ops = gen_emitter.top_level(program.statements)
        body = (["np.random.seed(seed)"] + prologue + ["lp = 0.0"] + _lines(gen_ops, "forward")
                + [_return_tuple(gen_emitter.scope[n].code for n in generated)])
    except NotSupportedYet as error:   # sampling refuses such a model before it starts (facts below)
        body = [f"raise NotImplementedError({str(error)!r})"]
        generate_unsupported = (str(error), error.span)
    else:
        generate_unsupported = None
    out += indent(body)
    out += ["", ""] + _unconstrain_function(program, inputs, outputs, prologue)
    sizes = " + ".join(f"({size})" for _, _, size in param_emitter.param_offsets) or "0"
    out += ["", "", JIT, "def dimension(real_data, int_data):"]
    out += indent(prologue + [f"return {sizes}"])
    terms_lines, term_spans = _log_density_terms(new_emitter(forward_only=True), program)
    out += ["", "", JIT, "def log_density_terms(u, real_data, int_data, lp_after):"]
    out += indent(prologue + ["lp = 0.0"] + terms_lines + ["return lp"])
    out += [""]
    facts = {"generate_unsupported": generate_unsupported, "term_spans": term_spans, "deterministics": saved, "generated": generated, "inputs": inputs, "outputs": outputs, "full_layout": full_layout, "input_layout": input_layout,
             "params": [p.name for p in program.params]}
    return "\n".join(out), facts


def _log_density_terms(emitter, program) -> tuple[list[str], list]:
    """The log density again, writing the running total after each top-level statement
    into lp_after[k]: when sampling cannot start, the first k whose total is not finite
    names the statement to blame.  Returns the lines and each k's statement span."""
    lines, spans = [], []
    kept = [s for s in program.statements
            if not is_transformed_data(program, s, emitter.transformed) and s.stage != "gen"
            and not isinstance(s, ir.DataDeclaration)]
    for statement in kept:
        lines += _lines(emitter.block([statement]), "forward")
        lines.append(f"lp_after[{len(spans)}] = lp")
        spans.append(statement.span)
    return lines, spans
