"""Statements → Ops: one method per IR statement kind (``_Assign``, ``_SampleStatement``,
``_ForLoop``, ...), dispatched by ``statement``.  Each method emits its expressions through
ExpressionEmitter and wraps them in the statement's control flow; loops and branches put
their body's adjoint lines into a reversed copy of themselves.  Mixed into ``ModelEmitter``.
"""

from __future__ import annotations

import sympy

from codegen import event_rules, ir, log_likelihood, structural
from codegen.dataflow import holds_gen, writes
from codegen.emit import Names, NotSupportedYet, Op, dim_code, indent, lines_of, shape_code, zeros_like
from codegen.fuse import Fuser, Region, broadcast_region_shape, fuse_at, is_fusable, loop_header, size_of
from codegen.index_ranges import dim_polynomial
from codegen.sympy_numba import emit_assignments
from ppl.errors import BOUND_VIOLATED, InternalError, source_lines


class StatementEmitter:
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
        if self.mode.outputs_only and not self._needed_by_outputs(s):
            return
        first = len(self.ops)
        outer_prefix = self.statement_prefix
        self.statement_prefix = statement_prefix(s)
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
        finally:
            self.statement_prefix = outer_prefix
        written = [op for op in self.ops[first:] if op.forward]
        if written and not isinstance(s, ir.ParamDeclaration):
            comment = self._comment(s)
            written[0].forward = [comment] + written[0].forward
            if written[0].gradient_forward is not None:
                written[0].gradient_forward = [comment] + written[0].gradient_forward

    def _needed_by_outputs(self, s) -> bool:
        """In deterministics() and generate(): whether the function's outputs need this statement."""
        if isinstance(s, ir.ParamDeclaration) or (self.mode.gen and holds_gen(s)):
            return True
        if isinstance(s, ir.BoundCheck):   # checked wherever its quantity is computed
            return s.name in (self.analysis.needed_by_generate if self.mode.gen
                              else self.analysis.needed_by_deterministics)
        needed = self.analysis.needed_by_generate if self.mode.gen else self.analysis.needed_by_deterministics
        return bool(writes(s) & needed)

    def _comment(self, s) -> str:
        """`# line 12: y ~ Normal(mu, sigma)`: the model line a block of generated code comes from."""
        lines = source_lines(self.program.source_text)
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
        facts = self.index_facts()
        sizes = structural.size_checks([(dim_code(d, self.scope), s.span) for d in s.type.shape], 0,
                                       {dim_code(d, self.scope) for d in s.type.shape
                                        if facts.at_least(dim_polynomial(d), 0)})
        op = Op(forward=sizes + [f"{array.code} = np.full({shape_code(s.type.shape, self.scope)}, {fill}{dtype})"])
        if active:
            op.adjoint_init = [zeros_like(array)]
        self.emit_op(op)

    def _IndexAssign(self, s: ir.IndexAssign):
        if s.name in self.transformed and not self.mode.data_stage:
            return
        array = self.scope[s.name]
        value = self.value(s.value)
        index = self.index_code(s.items, array.code, array.type)
        # an array declared inside a loop's body is made again when the adjoint sweep recomputes that
        # body, so its fills are recomputed too; a fill of an outer array keeps the forward value
        recompute = None if s.name in self._block_arrays() else []
        op = Op(forward=[f"{array.code}[{index}] = {value.code}"], recompute=recompute)
        if array.active and value.active:
            op.reverse = [f"{value.adjoint} += {array.adjoint}[{index}]"]
        self.emit_op(op)

    def _block_arrays(self) -> set[str]:
        """The arrays declared inside a block (role LOCAL): made again in each iteration."""
        if self._block_array_names is None:
            self._block_array_names = {s.name for s in ir.walk_statements(self.program.statements)
                                       if isinstance(s, ir.ArrayDeclaration) and s.role == ir.Role.LOCAL}
        return self._block_array_names

    def _SampleStatement(self, s: ir.SampleStatement):
        if s.stage == "gen":
            return self._draw(s)
        if self.mode.pointwise:   # the observations' terms, element by element; priors left out
            return log_likelihood.emit_terms(self, s)
        distribution = event_rules.lower(s.distribution)
        checked = self.support_plan.how(s) is not None   # settled by the checker or the binder
        if event_rules.needs_event_rule(distribution):
            event_rules.sample(self, s.value, distribution, checked)
            return
        log_prob = ir.LogProb(distribution, s.value, ir.Type("real", ()), s.span)
        region = self.fuser(checked=log_prob if checked else None).region(log_prob, s.truncation)
        region.shape = broadcast_region_shape(region)
        self.sum_into_target(region)

    def _draw(self, s: ir.SampleStatement):
        """`gen NAME ~ DIST`: one sampler call per element, arguments computed elementwise."""
        from ppl.catalogue.declare import sampler_name
        from ppl.catalogue.distributions import DISTRIBUTIONS

        distribution = event_rules.lower(s.distribution)
        if event_rules.needs_event_rule(distribution):
            return event_rules.draw(self, s, distribution)
        declaration = DISTRIBUTIONS[distribution.family]
        sampler = sampler_name(declaration.sampler_for([name for name, _ in distribution.arguments]))
        fuser = Fuser(self.value)
        arguments = [fuser.convert(argument) for _, argument in distribution.arguments]
        truncation = s.truncation
        bounds = {} if truncation is None else {
            which: fuser.convert(bound) for which, bound in (("low", truncation.lower), ("high", truncation.upper))
            if bound is not None}
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
            array = self.scope[s.value.value.name]
            target_code = f"{array.code}[{self.index_code(s.value.items, array.code, array.type)}]"
            lines = []
        region = Region(sympy.Integer(0), leaves, shape)
        values = {f"{emitter.prefix}_a{k}": fuse_at(region, argument, names) for k, argument in enumerate(arguments)}
        limits = {f"{emitter.prefix}_{which}": fuse_at(region, bound, names) for which, bound in bounds.items()}
        body = emit_assignments({**values, **limits}, emitter.prefix)
        element = f"{target_code}[{', '.join(names)}]" if shape else target_code
        draw = f"draws.{sampler}({', '.join(values)})"
        if truncation is None:
            body.append(f"{element} = {draw}")
        else:
            body += _rejection_lines(element, draw, limits, emitter.prefix)
        if shape:
            header, _ = loop_header(shape, leaves, names, size_of)
            body = header + ["    " * len(header) + line for line in body]
        self.emit_op(Op(forward=lines + body))

    def _TargetIncrement(self, s: ir.TargetIncrement):
        if self.mode.pointwise:   # not an observation (codegen/log_likelihood.py)
            return
        region = self.fuser().region(s.value)
        self.sum_into_target(region)

    def _BoundCheck(self, s: ir.BoundCheck):
        """A quantity's declared bounds, checked element by element (NaN fails).  In the log
        density a violation makes it -inf, which the samplers reject (Stan's constrained
        transformed parameters); elsewhere (transformed data, deterministics(), generate()) it
        raises ValueError(BOUND_VIOLATED, place, name, element, value, bound, side, stage), which
        ppl.errors.data_index_errors turns into a located error naming the element."""
        if s.name in self.transformed and not self.mode.data_stage:
            return   # checked once, by transformed_data()
        quantity = self.value(ir.Variable(s.name, self.program.symbol(s.name).role, s.type, s.span)).code
        shape = s.type.shape
        position = self.temporary_name("position") if shape else "()"
        element = f"{quantity}[{position}]" if shape else quantity
        lines = []
        tests = []
        for side, bound, holds in (("lower", s.bounds.lower, ">="), ("upper", s.bounds.upper, "<=")):
            if bound is None:
                continue
            code = self.value(bound).code
            if bound.type.shape:
                broadcast = self.temporary_name(side)
                lines.append(f"{broadcast} = np.broadcast_to({code}, {quantity}.shape)")
                code = f"{broadcast}[{position}]"
            tests.append((side, code, holds))
        body = []
        for side, code, holds in tests:
            if self.mode.target:   # the log density: -inf, the proposal rejected
                act = ["lp = -math.inf"] + (["break"] if shape else [])
            else:
                place = f"{s.span.line}, {s.span.column}, {s.span.end_line}, {s.span.end_column}"
                act = [f"raise ValueError({BOUND_VIOLATED!r}, {place}, {s.name!r}, {position}, {element}, "
                       f"{code}, {side!r}, {s.stage!r})"]
            body += [f"if not {element} {holds} {code}:"] + indent(act)
        if shape:
            lines += [f"for {position} in np.ndindex({quantity}.shape):"] + indent(body)
        else:
            lines += body
        self.emit_op(Op(forward=lines, recompute=[]))

    def _ForLoop(self, s: ir.ForLoop):
        start, stop, step = (self.python(e) for e in (s.start, s.stop, s.step))
        outer_scope = dict(self.scope)
        variable = self.bind(s.var, ir.INT, False)
        self.enclosing.append(s)
        try:
            body = self.nested_block(s.body)
        finally:
            self.enclosing.pop()
        self.scope = outer_scope
        header = f"for {variable.code} in range({start}, {stop}, {step}):"
        body_lines = lines_of(body, "forward")
        op = Op(forward=[header] + indent(body_lines) if body_lines else [], recompute=[])   # empty: no loop
        if _fills(s.body) & self._block_arrays():
            # it fills an array of an enclosing body: a reversed outer loop recomputes the fills
            op.recompute = [header] + indent(lines_of(body, "recompute") or ["pass"])
        reverse_body = (lines_of(body, "recompute") + lines_of(body, "adjoint_init")
                        + lines_of(list(reversed(body)), "reverse"))
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

    def _WhileLoop(self, s: ir.WhileLoop):
        """A plain `while` over data: its carried names are assigned again in the body; nothing
        in it is active, so it has no adjoint, and a reversed outer loop runs it again.  A count
        stops it with a located error (ppl.errors.WHILE_LIMIT_REACHED) where it would not end."""
        from ppl.errors import WHILE_LIMIT, WHILE_LIMIT_REACHED

        self.enclosing.append(s)
        try:
            test = self.nested_block(s.test)
            condition = self.scope[s.condition.name].code
            body = self.nested_block(s.body)
        finally:
            self.enclosing.pop()
        if any(o.reverse for o in test + body):
            raise InternalError("a while loop's body has an adjoint", s.span)
        count = f"_w{next(self.loops)}"
        guard = structural.raise_line(WHILE_LIMIT_REACHED, s.span, count, str(WHILE_LIMIT))

        def loop(kind):
            return [f"{count} = 0", "while True:"] + indent(
                lines_of(test, kind) + [f"if not {condition}:", "    break"] + lines_of(body, kind)
                + [f"{count} += 1", f"if {count} >= {WHILE_LIMIT}:", "    " + guard])

        self.emit_op(Op(forward=loop("forward"), recompute=loop("recompute")))

    def _IfElse(self, s: ir.IfElse):
        condition = self.python(s.condition)
        outer_scope = dict(self.scope)
        self.enclosing.append(s)
        try:
            then_ops = self.nested_block(s.then_body)
            self.scope = dict(outer_scope)
            else_ops = self.nested_block(s.else_body)
        finally:
            self.enclosing.pop()
        self.scope = outer_scope

        def branches(kind_then, kind_else):
            lines = [f"if {condition}:"] + indent(kind_then or ["pass"])
            if kind_else:
                lines += ["else:"] + indent(kind_else)
            return lines

        op = Op(forward=branches(lines_of(then_ops, "forward"), lines_of(else_ops, "forward")),
                recompute=branches(lines_of(then_ops, "recompute"), lines_of(else_ops, "recompute")))
        if any(o.reverse for o in then_ops + else_ops):
            op.reverse = branches(
                lines_of(then_ops, "adjoint_init") + lines_of(list(reversed(then_ops)), "reverse"),
                lines_of(else_ops, "adjoint_init") + lines_of(list(reversed(else_ops)), "reverse"))
        self.emit_op(op)


def _fills(statements) -> set[str]:
    return {s.name for s in ir.walk_statements(statements) if isinstance(s, ir.IndexAssign)}


# how many draws `gen y ~ D(...) T[low, high]` makes before it gives up on an element (NaN)
TRUNCATED_DRAW_TRIES = 10_000


def _rejection_lines(element: str, draw: str, limits: dict, prefix: str) -> list[str]:
    """`gen y ~ D(...) T[low, high]` by rejection: draw from D until the draw lies in [low, high]
    (``limits``: the names of the bounds' values, ending `_low` / `_high`).  Exact for any family
    with a sampler, and cheap while the interval holds a fair part of the mass; after
    TRUNCATED_DRAW_TRIES draws outside the element is NaN (likely only when the interval holds
    less than about 1e-3 of the mass: (1 - 1e-3) ** 10000 is 5e-5)."""
    inside = " and ".join(f"{name} <= {element}" if name.endswith("_low") else f"{element} <= {name}"
                          for name in limits)
    return [f"{element} = {draw}",
            f"{prefix}_tries = 1",
            f"while not ({inside}) and {prefix}_tries < {TRUNCATED_DRAW_TRIES}:",
            f"    {element} = {draw}",
            f"    {prefix}_tries += 1",
            f"if not ({inside}):",
            f"    {element} = math.nan"]


def _constant(expr):
    from codegen.check_exprs import constant_int

    return constant_int(expr)


def statement_prefix(s) -> str:
    """The prefix of the temporaries of one statement: what it is about and its line, `_a_l21` for
    `a ~ Normal(mu, sigma)` on line 21, `_target_l9` for `target += ...`.  A model name keeps its
    generated form (`_y_hat_`), and the `_l<line>` part is the last one in any generated name (no
    suffix the emitter adds contains `_l` and a digit), so two statements never share a name."""
    subject = getattr(s, "name", None) or getattr(s, "defines", None)
    if subject is None and isinstance(s, ir.SampleStatement):
        value = s.value.value if isinstance(s.value, ir.IndexOp) else s.value
        subject = value.name if isinstance(value, ir.Variable) else "sample"
    if subject is None:
        subject = {ir.TargetIncrement: "target", ir.ForLoop: "loop", ir.IfElse: "branch"}.get(type(s), "statement")
    line = s.span.line if s.span is not None else 0
    return f"_{Names.of(subject).lstrip('_')}_l{line}"
