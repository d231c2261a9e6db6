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
from dataclasses import dataclass

import sympy

from codegen import event_rules, ir, structural
from codegen.emit import MODULE_IMPORTS, NotSupportedYet, Names, Op, SizeCode, Value, dim_code, indent, shape_code, zeros_like
from codegen.fuse import Fuser, Region, RegionEmitter, fuse_at, is_fusable, loop_header, size_of, unrolled_matmul
from codegen.sympy_numba import emit_assignments, float_code
from ppl.catalogue.builtin_expressions import COVARIANCES
from codegen.check_exprs import constant_number
from codegen.dataflow import Analysis
from codegen.facts import ModelFacts
from ppl.errors import InternalError
from ppl.runtime.signature import LOG_DENSITY_GRADIENT_ARGUMENTS, LOG_DENSITY_GRADIENT_SIGNATURE
from ppl.transforms import transform

_PYTHON_OPERATORS = {"and": "and", "or": "or", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">",
                     ">=": ">=", "+": "+", "-": "-", "*": "*", "//": "//", "%": "%", "/": "/", "**": "**"}

def event_transform_of(constraint: ir.ParamConstraint):
    """The registry's transform of a param's constraint, and the generated code's name for the
    module holding its Numba functions (the last part of the module's path)."""
    found = transform(constraint.constraint.name)
    return found, found.module.rsplit(".", 1)[-1]


def event_free_size_code(constraint: ir.ParamConstraint, scope) -> str:
    """The unconstrained coordinates of one event, as code: the registry's formula applied to code."""
    found, _ = event_transform_of(constraint)
    return str(found.free_size(SizeCode(dim_code(constraint.event_shape[-1], scope))))



# NumPy's error model: a division by zero gives inf or nan (which the samplers reject), never an exception
JIT = '@numba.njit(cache=True, error_model="numpy")'
JIT_FIXED_SIGNATURE = f'@numba.njit("{LOG_DENSITY_GRADIENT_SIGNATURE}", cache=True, error_model="numpy")'

@dataclass(frozen=True)
class Mode:
    """What one generated function includes: a row of FUNCTIONS, read by the emitter."""
    data_stage: bool = False    # the transformed-data statements (else: everything else)
    adjoints: bool = False      # the adjoint sweep's lines (the gradient)
    inline: bool = False        # elementwise deterministics inlined where read; unneeded ones left out
    target: bool = True         # the target's terms (`~` of data and params, `target +=`)
    gen: bool = False           # the `gen` statements


# the generated functions, each with what it includes
FUNCTIONS = {
    "transformed_data": Mode(data_stage=True, target=False),
    "log_density": Mode(adjoints=True, inline=True),     # and log_density_gradient, log_density_without_jacobian
    "constrain": Mode(target=False),                      # over the param declarations only
    "deterministics": Mode(target=False),
    "generate": Mode(target=False, gen=True),
    "log_density_terms": Mode(),
}


class ModelEmitter:
    def __init__(self, program: ir.Program, analysis: Analysis, mode: Mode):
        self.program = program
        self.analysis = analysis
        self.mode = mode
        self.names = Names()
        self.scope: dict[str, Value] = {}
        self.ops: list[Op] = []
        self.regions = itertools.count()
        self.loops = itertools.count()
        self.param_offsets: list[tuple[ir.ParamDeclaration, str, str]] = []   # (decl, offset, size code)
        self.transformed = analysis.transformed
        # the fast path of log_density and its gradient (mode.inline): elementwise deterministics are
        # inlined into the regions that read them, and top-level target terms add their partials as they go
        self.needed = analysis.needed
        self.inlined: dict[str, tuple] = {}    # name → (IR expression, active)
        self.depth = 0

    # ---- helpers -----------------------------------------------------------

    def bind(self, name: str, type_: ir.Type, active: bool) -> Value:
        value = Value(self.names.of(name), type_, active)
        self.scope[name] = value
        return value

    def emit_op(self, op: Op):
        if not self.mode.adjoints:
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
            literal = float_code(expr.value) if expr.type.dtype == "real" else repr(int(expr.value))
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
        # ints are never differentiated; a comparison is piecewise constant (zero derivative) even of params
        if (expr.type.dtype in ("int", "bool") and not self._active(expr)) or expr.type.dtype == "bool":
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
            if self.mode.inline and self.depth == 0:
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
        if isinstance(expr, (ir.IndexOp, ir.Call, ir.Stack)):   # gathers, reductions, list literals
            return self._structural(expr, None).code
        if expr.type.dtype == "real":
            return self.value(expr).code
        raise NotSupportedYet(f"{type(expr).__name__} of integers ({getattr(expr, 'op', '')})")

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
                if self.analysis.is_transformed_data(self.program, s) == self.mode.data_stage]
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

    def statement(self, s):
        if (s.stage == "gen" and not self.mode.gen) or isinstance(s, ir.DataDeclaration):
            return
        if not self.mode.target and s.stage != "gen" and isinstance(s, (ir.SampleStatement, ir.TargetIncrement)):
            return
        first = len(self.ops)
        try:
            getattr(self, "_" + type(s).__name__)(s)
        except NotSupportedYet as error:   # the innermost statement is the most precise place
            if error.span is None:
                error.span = s.span
            raise
        except InternalError:
            raise
        except Exception as error:   # a bug in the emitter: say where, keep the cause
            raise InternalError(f"the compiler failed on this statement ({type(error).__name__}: {error})",
                                s.span) from error
        written = [op for op in self.ops[first:] if op.forward]
        if written and not isinstance(s, ir.ParamDeclaration):
            comment = self._comment(s)
            written[0].forward = [comment] + written[0].forward
            if written[0].gradient_forward is not None:
                written[0].gradient_forward = [comment] + written[0].gradient_forward

    def _comment(self, s) -> str:
        """`# line 12: y ~ Normal(mu, sigma)`: the model line a block of generated code comes from."""
        lines = self.program.source_text.splitlines()
        text = lines[s.span.line - 1].strip() if s.span and 0 < s.span.line <= len(lines) else ""
        return f"# line {s.span.line}: {text}" if text else "#"

    def _Assign(self, s: ir.Assign):
        if s.name in self.transformed and not self.mode.data_stage:
            return
        if self.mode.inline and self.depth == 0 and s.role == ir.Role.DETERMINISTIC and s.name not in self.needed:
            return   # saved for the output only: deterministics() computes it
        if (self.mode.inline and self.depth == 0 and s.role == ir.Role.DETERMINISTIC and is_fusable(s.value)
                and s.name not in self.analysis.read_in_blocks):   # a block reads it whole: computed once here
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

    def _ArrayDeclaration(self, s: ir.ArrayDeclaration):
        if s.name in self.transformed and not self.mode.data_stage:
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
        if s.name in self.transformed and not self.mode.data_stage:
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
        from ppl.catalogue.declare import sampler_name
        from ppl.catalogue.distributions import DISTRIBUTIONS

        distribution = event_rules.lower(s.distribution)
        if event_rules.needs_event_rule(distribution):
            raise NotSupportedYet(f"drawing from {distribution.family} in generated quantities")
        declaration = DISTRIBUTIONS[distribution.family]
        sampler = sampler_name(declaration.sampler_for([name for name, _ in distribution.arguments]))
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
        found, _ = event_transform_of(constraint)
        if found.kind == "event":
            self._event_param(s, offset)
        elif constraint.constraint.bounded:
            self._bounded_param(s, offset, size, found.name)
        else:
            self._real_param(s, offset, size)

    def _free_size_code(self, s: ir.ParamDeclaration) -> str:
        c = s.constraint
        batch = [dim_code(d, self.scope) for d in c.batch_shape]
        if c.event_shape:
            batch.append(event_free_size_code(c, self.scope))
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
            constant = constant_number(expr)
            if constant is not None:   # a literal bound folds into the transform's expression
                substitution[getattr(transform, bound_name)] = sympy.Float(constant)
                continue
            bound_value = self.value(expr)
            symbol = sympy.Symbol(f"leaf_{bound_name}", real=True)
            leaves.append((symbol, bound_value))
            substitution[getattr(transform, bound_name)] = symbol
        shape = s.type.shape
        param = self.bind(s.name, s.type, True)
        self._emit_region_value(Region(transform.forward.xreplace(substitution), leaves, shape), param)
        self.sum_into_target(Region(transform.log_det_jacobian.xreplace(substitution), leaves, shape),
                             jacobian=True)

    def _event_param(self, s, offset):
        c = s.constraint
        found, module = event_transform_of(c)
        kind = found.name
        if len(c.batch_shape) > 1:
            raise NotSupportedYet(f"{kind} params with more than one batch axis")
        event_size = event_free_size_code(c, self.scope)
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


def _broadcast_region_shape(region: Region):
    from codegen.shapes import broadcast_shapes

    shape = broadcast_shapes(*[value.type.shape for _, value in region.leaves]) if region.leaves else ()
    return shape or ()


def _constant(expr):
    from codegen.check_exprs import constant_int

    return constant_int(expr)


def _unconstrain_function(program, analysis, prologue) -> list[str]:
    """unconstrain(real_data, int_data, u_out, *params): the inverse transforms, param by param."""
    from ppl.transforms.scalar import scalar_transform_expressions

    emitter = ModelEmitter(program, analysis, FUNCTIONS["constrain"])
    for name, type_ in analysis.inputs + analysis.outputs:
        emitter.bind(name, type_, False)
    lines: list[str] = []
    previous = None
    arguments = []
    for declaration in program.params:
        constraint = declaration.constraint
        found, module = event_transform_of(constraint)
        kind = found.name
        param = emitter.bind(declaration.name, declaration.type, False)
        arguments.append(param.code)
        offset = f"{param.code}_offset"
        size = emitter._free_size_code(declaration)
        lines.append(f"{offset} = {'0' if previous is None else previous}")
        previous = f"{offset} + {size}"
        if found.kind == "scalar":
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
        event_size = event_free_size_code(constraint, emitter.scope)
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


def emit_module(program: ir.Program, analysis: Analysis) -> tuple[str, ModelFacts]:
    """The generated module's text, and the facts the runtime needs (layouts, names)."""
    inputs, outputs = list(analysis.inputs), list(analysis.outputs)

    def emitter_for(function: str) -> ModelEmitter:
        emitter = ModelEmitter(program, analysis, FUNCTIONS[function])
        for name, type_ in (inputs if function == "transformed_data" else inputs + outputs):
            emitter.bind(name, type_, False)
        return emitter

    data_emitter = emitter_for("transformed_data")
    data_ops = data_emitter.top_level(program.statements)
    td_returns = [data_emitter.scope[name].code for name, _ in outputs]

    values = emitter_for("deterministics")
    prologue = _unpack_lines(analysis.full_layout, inputs + outputs, values.scope)
    value_ops = values.top_level(program.statements)
    density = emitter_for("log_density")
    density_ops = density.top_level(program.statements)
    param_emitter = emitter_for("constrain")
    param_ops = param_emitter.top_level([s for s in program.statements if isinstance(s, ir.ParamDeclaration)])
    params = [param_emitter.scope[p.name].code for p in program.params]
    saved = [symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.DETERMINISTIC]
    generated = [symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.GEN]

    out = [f'"""Generated by ppl from {program.filename}. Do not edit: ppl writes it anew when the model changes."""',
           "", *MODULE_IMPORTS, "", ""]

    def function(decorator: str, signature: str, body: list[str]):
        out.extend([decorator, f"def {signature}:", *indent(body), "", ""])

    function(JIT, "transformed_data(real_data, int_data)",
             _unpack_lines(analysis.input_layout, inputs, data_emitter.scope) + _lines(data_ops, "forward")
             + [_return_tuple(td_returns)])
    function(JIT, "log_density(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + _lines(density_ops, "forward") + ["return lp"])
    function(JIT, "log_density_without_jacobian(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + _lines(density_ops, "without_jacobian") + ["return lp"])
    # one fixed signature: the samplers take this function as a first-class argument
    forward: list[str] = ["grad_out[:] = 0.0"]   # before the forward sweep: params' adjoints are its windows
    for op in density_ops:   # each top-level adjoint starts at zero right where its value is made
        forward += (op.forward if op.gradient_forward is None else op.gradient_forward) + op.adjoint_init
    reverse = _lines(list(reversed(density_ops)), "reverse")
    function(JIT_FIXED_SIGNATURE, f"log_density_gradient({', '.join(LOG_DENSITY_GRADIENT_ARGUMENTS)})",
             prologue + ["lp = 0.0"] + forward + ["", "# adjoint sweep"] + reverse + ["return lp"])
    function(JIT, "constrain(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + _lines(param_ops, "forward") + [_return_tuple(params)])
    function(JIT, "deterministics(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + _lines(value_ops, "forward")
             + [_return_tuple(values.scope[n].code for n in saved)])
    generate_unsupported = None
    try:
        gen_emitter = emitter_for("generate")
        gen_ops = gen_emitter.top_level(program.statements)
        body = (["np.random.seed(seed)"] + prologue + ["lp = 0.0"] + _lines(gen_ops, "forward")
                + [_return_tuple(gen_emitter.scope[n].code for n in generated)])
    except NotSupportedYet as error:   # sampling refuses such a model before it starts (facts below)
        body = [f"raise NotImplementedError({str(error)!r})"]
        generate_unsupported = (str(error), error.span)
    function(JIT, "generate(u, real_data, int_data, seed)", body)
    out.extend(_unconstrain_function(program, analysis, prologue) + ["", ""])
    sizes = " + ".join(f"{size}" for _, _, size in param_emitter.param_offsets) or "0"
    function(JIT, "dimension(real_data, int_data)", prologue + [f"return {sizes}"])
    terms_lines, term_spans = _log_density_terms(emitter_for("log_density_terms"), program)
    function(JIT, "log_density_terms(u, real_data, int_data, lp_after)",
             prologue + ["lp = 0.0"] + terms_lines + ["return lp"])
    facts = ModelFacts(params=tuple(p.name for p in program.params), deterministics=tuple(saved),
                       generated=tuple(generated), inputs=tuple(inputs), outputs=tuple(outputs),
                       input_layout=analysis.input_layout, full_layout=analysis.full_layout,
                       term_spans=tuple(term_spans), generate_unsupported=generate_unsupported)
    return "\n".join(out[:-1]), facts


def _log_density_terms(emitter, program) -> tuple[list[str], list]:
    """The log density again, writing the running total after each top-level statement
    into lp_after[k]: when sampling cannot start, the first k whose total is not finite
    names the statement to blame.  Returns the lines and each k's statement span."""
    lines, spans = [], []
    kept = [s for s in program.statements
            if not emitter.analysis.is_transformed_data(program, s) and s.stage != "gen"
            and not isinstance(s, ir.DataDeclaration)]
    for statement in kept:
        lines += _lines(emitter.block([statement]), "forward")
        lines.append(f"lp_after[{len(spans)}] = lp")
        spans.append(statement.span)
    return lines, spans
