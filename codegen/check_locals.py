"""Locals: names declared with `local` that may be assigned again (part of the checker).

The rest of the compiler knows only single assignment: every IR name is assigned once, and a
filled array's elements once each.  That is what keeps the reverse-mode gradient exact without
a tape (docs/compiler.md, "How the gradient is generated").  So a local never reaches the IR as
itself: the checker rewrites it, statement by statement, into single-assignment names
(`codegen/check.py` calls in here for `local`, for assignments to a local, and for every loop
and branch that assigns one):

- each assignment `acc = EXPR` makes a new *version*, a fresh name `_acc_2 = EXPR` (not saved);
  a later read of `acc` reads the latest version (`Binding.current`, an AST expression);
- a loop that assigns a local declared outside it keeps one value per iteration in a *history*
  array `_acc_h: real[n + 1, ...]` (n the number of iterations): `_acc_h[0]` is the value before
  the loop, iteration j reads `_acc_h[j]` and writes its last version into `_acc_h[j + 1]`, and
  after the loop `acc` is `_acc_h[-1]`;
- an `if` that assigns one writes each branch's last version into a one-slot array `_acc_p[0]`
  (the branch not assigning it writes the value before the `if`), read after the `if`;
- an element update `state[k] = EXPR` (and `state[k] += EXPR`) makes a new version of the whole
  array, `new[i] = EXPR if i == k else old[i]` for each i along the indexed axes.

Every value a reassignment overwrites is thus kept (the histories are the tape), each element
written once, and the adjoint sweep reads them as it reads any filled array.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import Optional

from codegen import ast, ir
from ppl.errors import (ModelNameError, ModelNotSupportedError, ModelStructureError, ModelTypeError, Span,
                        did_you_mean)

AUGMENTED = {"+", "-", "*", "/"}


@dataclass(frozen=True)
class CarryOut:
    """Internal statement at the end of a loop body or a branch: the local's value there goes
    into its history (or branch) array at `index`."""
    name: str
    array: str
    index: ast.Expr
    span: Span


@dataclass(frozen=True)
class RestoreLocals:
    """Internal statement at the start of an `else` branch: the locals read again what they
    held before the `if` (the `then` branch's versions are not visible there)."""
    entries: tuple
    span: Span


@dataclass
class LocalsState:
    """What the rewriting keeps while the checker walks the program."""
    taken: set = field(default_factory=set)        # names in the model's text and names made so far
    versions: dict = field(default_factory=dict)   # local → how many versions it has had
    written: set = field(default_factory=set)      # id() of the CarryOut statements that wrote


class LocalsChecker:
    """Mixin of the checker (codegen/check.py): needs its scope, `_define`, `_statement`,
    `_stmt_Assign`'s single-assignment path (`_assign_once`), `_check_for`, `_check_if`, and
    `self.locals`, a LocalsState."""

    # ---- declarations and reads ------------------------------------------------

    def _stmt_LocalDecl(self, s: ast.LocalDecl, top_level):
        declared = None
        if s.type is not None:
            declared, constraint, bounds = self._declared_type(s.type, "local")
            if constraint is not None or bounds.lower is not None or bounds.upper is not None:
                raise ModelTypeError(f"the local '{s.name}' has bounds or a constrained shape, which are not "
                                     "checked on locals", s.type.span,
                                     hint=f"declare `local {s.name}: {s.type.name}[...]`; bounds belong on "
                                          "params and data")
        value = self.check_value(s.value) if s.value is not None else None
        if value is not None and value.type.dtype not in ("real", "int", "bool"):
            raise ModelTypeError(f"a local holds numbers; this is {value.type}", s.value.span)
        type_ = declared or ir.Type("int" if value.type.dtype == "bool" else value.type.dtype, value.type.shape)
        self._define(s.name, ir.Role.LOCAL, type_, "data", s.name_span, top_level=False)
        binding = self.scope.bindings[s.name]
        binding.local = True
        binding.dims = (tuple(s.type.dims) if s.type is not None and s.type.dims
                        else tuple(_dim_ast(dim, s.span) for dim in type_.shape))
        if s.value is None:
            return None
        return self._new_version(binding, s.value, s.span, top_level)

    def read_local(self, binding, node) -> ir.Expr:
        if not binding.assigned:
            raise ModelStructureError(f"the local '{binding.name}' is read before it is assigned", node.span,
                                      hint=f"give it a first value where it is declared (line {binding.span.line}): "
                                           f"`local {binding.name} = ...`")
        expr = self.check_expr(binding.current)
        return replace(expr, span=node.span)

    def _expr_IfExp(self, node: ast.IfExp) -> ir.Expr:
        """`a if c else b` is `where(c, a, b)` with a scalar c: piecewise, so c may depend on params
        (the gradient flows to the branch taken); both branches are computed, as `where`'s are."""
        condition = self.check_value(node.condition)
        if condition.type.shape:
            from codegen.shapes import shape_str
            raise ModelTypeError(f"the condition of `a if c else b` must be a scalar, not an array of shape "
                                 f"{shape_str(condition.type.shape)}", node.condition.span,
                                 hint="for an elementwise choice write `where(c, a, b)`")
        call = ast.Call(ast.Name("where", node.span), (node.condition, node.body, node.orelse), (), node.span)
        return self.check_value(call)

    # ---- assignments -----------------------------------------------------------------

    def local_binding(self, target):
        """The binding of a local that `target` (a name, or an element of one) assigns; None
        when it assigns something else."""
        name = target.id if isinstance(target, ast.Name) else target.value.id
        binding = self.scope.lookup(name)
        return binding if binding is not None and binding.local else None

    def _stmt_AugAssign(self, s: ast.AugAssign, top_level):
        target = s.target
        name = target.id if isinstance(target, ast.Name) else target.value.id
        name_span = target.span if isinstance(target, ast.Name) else target.value.span
        binding = self.scope.lookup(name)
        if binding is None:
            close = did_you_mean(name, self.scope.visible_names())
            raise ModelNameError(f"`{s.op}=` updates a local, but '{name}' is not defined", name_span,
                                 hint=(f"{close} " if close else "") +
                                      f"declare it first with a value: `local {name} = 0.0`")
        if not binding.local:
            raise ModelStructureError(
                f"`{s.op}=` updates a local, but '{name}' is {_what(binding)}", name_span,
                hint=f"declare a local to update: `local {name}_total = {name}`, then `{name}_total {s.op}= ...`"
                if binding.role not in (ir.Role.DATA, ir.Role.PARAM, ir.Role.LOOP)
                else f"copy it into a local first: `local {name}_2 = {name}`")
        value = ast.Binary(s.op, target, s.value, s.span)
        return self.assign_local(ast.Assign(target, value, False, s.span), binding, top_level)

    def assign_local(self, s: ast.Assign, binding, top_level):
        if s.gen:
            raise ModelStructureError(f"'{binding.name}' is a local: assign it without `gen`", s.span,
                                      hint="a local is a gen quantity when what it is computed from is")
        if isinstance(s.target, ast.Name):
            return self._new_version(binding, s.value, s.span, top_level)
        return self._element_update(s, binding, top_level)

    def _new_version(self, binding, value_node, span, top_level):
        """`NAME = value` as a fresh single-assignment name, which reads of NAME then see."""
        value = self.check_value(value_node)
        self._require_local_type(binding, value, binding.type.shape, value_node.span)
        if len(value.type.shape) < len(binding.type.shape):   # a scalar or a row broadcast into an array local
            return self._filled_version(binding, value_node, (), span, top_level, gen=self.stage_of(value) == "gen")
        if binding.type.dtype == "real" and value.type.dtype != "real":   # a real local stays real
            value_node = ast.Binary("+", value_node, ast.FloatLiteral(0.0, span), span)
        version = self._fresh(f"_{binding.name}_{self._versions(binding.name)}")
        gen = self.stage_of(value) == "gen"
        statement = self._assign_once(ast.Assign(ast.Name(version, span), value_node, gen, span), top_level)
        binding.current = ast.Name(version, span)
        binding.assigned = True
        return statement

    def _require_local_type(self, binding, value, shape, span):
        if value.type.dtype not in ("real", "int", "bool"):
            raise ModelTypeError(f"a local holds numbers; this is {value.type}", span)
        if binding.type.dtype == "int" and value.type.dtype == "real":
            raise ModelTypeError(f"'{binding.name}' is an int local but the value is real", span,
                                 hint=f"declare it real (`local {binding.name}: real = ...`), or round the value")
        if not self.fits_into(shape, value.type.shape, binding.name, "the value", span):
            from codegen.shapes import shape_str
            raise ModelTypeError(f"the local '{binding.name}' has shape {shape_str(shape)}, the value "
                                 f"{shape_str(value.type.shape)}", span, expected=shape_str(shape),
                                 found=shape_str(value.type.shape),
                                 hint="a local keeps the shape it was declared with")

    def _element_update(self, s: ast.Assign, binding, top_level):
        """`state[k] = v`: a new version of the array, `v` where the index is k, the old entry
        elsewhere (one loop per indexed axis, each element of the new array written once)."""
        subscripts = s.target.subscripts
        if not binding.type.shape:
            raise ModelStructureError(f"the local '{binding.name}' is a scalar; it has no elements", s.target.span)
        if len(subscripts) > len(binding.type.shape):
            raise ModelTypeError(f"too many indices for the local '{binding.name}' of rank "
                                 f"{len(binding.type.shape)}", s.target.span)
        for subscript in subscripts:
            if isinstance(subscript, ast.Slice):
                raise ModelNotSupportedError(
                    "an element update of a local takes one index per axis, not a slice", subscript.span,
                    hint="update the elements in a loop: `for i in range(a, b): state[i] = ...`")
            index = self.check_value(subscript)
            if index.type.dtype != "int" or index.type.shape:
                raise ModelTypeError("an element update of a local takes integer indices", subscript.span)
        if not binding.assigned:
            raise ModelStructureError(f"the local '{binding.name}' is read before it is assigned "
                                      "(an element update keeps its other elements)", s.target.span,
                                      hint=f"give it a first value, e.g. `local {binding.name}: "
                                           f"real[...] = 0`")
        value = self.check_value(s.value)
        self._require_local_type(binding, value, binding.type.shape[len(subscripts):], s.value.span)
        gen = self.stage_of(value) == "gen" or self.stage_of(self.check_value(binding.current)) == "gen"
        return self._filled_version(binding, s.value, subscripts, s.span, top_level, gen)

    def _filled_version(self, binding, value_node, subscripts, span, top_level, gen):
        """A new version of an array local filled in loops over its leading axes: the value
        (computed once) at the `subscripts` and the old entries elsewhere, or, without
        subscripts, the value broadcast along the axes it lacks."""
        value = self.check_value(value_node)
        axes = len(subscripts) if subscripts else len(binding.type.shape) - len(value.type.shape)
        out = []
        part = self._fresh(f"_{binding.name}_{self._versions(binding.name)}v")
        out.append(self._assign_once(ast.Assign(ast.Name(part, span), value_node, gen, span), top_level))
        new = self._fresh(f"_{binding.name}_{self._versions(binding.name)}")
        type_expr = ast.TypeExpr(binding.type.dtype, (), binding.dims, span)
        out.append(self._statement(ast.ArrayDecl(new, type_expr, gen, span, span), top_level))
        loop_vars = [self._fresh(f"_{binding.name}_i{axis}") for axis in range(axes)]
        where = tuple(ast.Name(v, span) for v in loop_vars)
        element = ast.Name(part, span)
        if subscripts:
            same = ast.Compare("==", where[0], subscripts[0], span)
            for variable, subscript in zip(where[1:], subscripts[1:]):
                same = ast.BoolOp("and", (same, ast.Compare("==", variable, subscript, span)), span)
            element = ast.IfExp(element, same, ast.Index(binding.current, where, span), span)
        statement = ast.Assign(ast.Index(ast.Name(new, span), where, span), element, gen, span)
        for variable, dim in reversed(list(zip(loop_vars, binding.dims))):
            statement = ast.For(variable, (dim,), (statement,), span, span)
        out.append(self._statement(statement, top_level))
        binding.current = ast.Name(new, span)
        binding.assigned = True
        return out

    # ---- loops and branches ------------------------------------------------------------

    def _stmt_For(self, s: ast.For, top_level):
        carried = self._assigned_locals(s.body)
        if not carried:
            return self._check_for(s, top_level)
        start, stop, step = _range_parts(s)
        step_value = _literal_int(step)
        if step_value is None or step_value == 0:
            raise ModelNotSupportedError(
                f"a loop that assigns the local '{carried[0].name}' needs a literal step", step.span,
                hint="write the step as a number, e.g. `range(a, b, 2)`")
        span = s.span
        var = ast.Name(s.var, span)
        out = []
        if _literal_int(start) is None:   # the body may change what `start` reads: keep its value at entry
            first = self._fresh(f"_{s.var}_start")
            out.append(self._assign_once(ast.Assign(ast.Name(first, span), start, False, span), top_level))
            start = ast.Name(first, span)
        if step_value == 1:
            count = _minus(stop, start, span)
            position = _minus(var, start, span)
        elif step_value > 0:
            count = ast.Binary("//", ast.Binary("+", _minus(stop, start, span), ast.IntLiteral(step_value - 1, span),
                                                span), ast.IntLiteral(step_value, span), span)
            position = ast.Binary("//", _minus(var, start, span), ast.IntLiteral(step_value, span), span)
        else:
            count = ast.Binary("//", ast.Binary("+", _minus(start, stop, span), ast.IntLiteral(-step_value - 1, span),
                                                span), ast.IntLiteral(-step_value, span), span)
            position = ast.Binary("//", _minus(start, var, span), ast.IntLiteral(-step_value, span), span)
        stages = self._estimated_stages(s.body, carried, loop_var=s.var)
        tails = []
        for binding in carried:
            history = self._fresh(f"_{binding.name}_h")
            gen = stages[binding.name] == "gen"
            dims = (ast.Binary("+", count, ast.IntLiteral(1, span), span),) + tuple(binding.dims)
            out.append(self._statement(ast.ArrayDecl(history, ast.TypeExpr(binding.type.dtype, (), dims, span),
                                                     gen, span, span), top_level))
            if binding.assigned:
                out.append(self._statement(ast.Assign(ast.Index(ast.Name(history, span), (ast.IntLiteral(0, span),),
                                                                span), binding.current, gen, span), top_level))
            array = self.scope.lookup(history)
            array.stage = ir.latest_stage(array.stage, stages[binding.name])
            binding.current = ast.Index(ast.Name(history, span), (position,), span)
            tails.append(CarryOut(binding.name, history, ast.Binary("+", position, ast.IntLiteral(1, span), span),
                                  span))
        out.append(self._check_for(replace(s, body=tuple(s.body) + tuple(tails)), top_level))
        for binding, tail in zip(carried, tails):
            binding.current = ast.Index(ast.Name(tail.array, span), (ast.Unary("-", ast.IntLiteral(1, span), span),),
                                        span)
            binding.assigned = binding.assigned or _popped(self.locals.written, id(tail))
        return out

    def _stmt_If(self, s: ast.If, top_level):
        assigned = self._assigned_locals(tuple(s.body) + tuple(s.orelse))
        if not assigned:
            return self._check_if(s, top_level)
        span = s.span
        out, tails = [], []
        entries = tuple((binding, binding.current, binding.assigned) for binding in assigned)
        stages = self._estimated_stages(tuple(s.body) + tuple(s.orelse), assigned)
        for binding in assigned:
            merged = self._fresh(f"_{binding.name}_p")
            gen = stages[binding.name] == "gen"
            dims = (ast.IntLiteral(1, span),) + tuple(binding.dims)
            out.append(self._statement(ast.ArrayDecl(merged, ast.TypeExpr(binding.type.dtype, (), dims, span),
                                                     gen, span, span), top_level))
            tails.append(CarryOut(binding.name, merged, ast.IntLiteral(0, span), span))
        then_tails = tuple(tails)
        else_tails = tuple(CarryOut(tail.name, tail.array, tail.index, tail.span) for tail in tails)
        branches = replace(s, body=tuple(s.body) + then_tails,
                           orelse=(RestoreLocals(entries, span),) + tuple(s.orelse) + else_tails)
        out.append(self._check_if(branches, top_level))
        for binding, then_tail, else_tail in zip(assigned, then_tails, else_tails):
            wrote = [_popped(self.locals.written, id(tail)) for tail in (then_tail, else_tail)]
            binding.current = ast.Index(ast.Name(then_tail.array, span), (ast.IntLiteral(0, span),), span)
            # a local with no value before the `if` has one after it only if both branches give it one
            binding.assigned = all(wrote) or dict((b.name, a) for b, _, a in entries)[binding.name]
        return out

    def _stmt_CarryOut(self, s: CarryOut, top_level):
        binding = self.scope.lookup(s.name)
        if not binding.assigned:
            return None
        self.locals.written.add(id(s))
        array = self.scope.lookup(s.array)
        target = ast.Index(ast.Name(s.array, s.span), (s.index,), s.span)
        return self._statement(ast.Assign(target, binding.current, array.gen, s.span), top_level)

    def _stmt_RestoreLocals(self, s: RestoreLocals, top_level):
        for binding, current, assigned in s.entries:
            binding.current, binding.assigned = current, assigned
        return None

    def _stmt_While(self, s: ast.While, top_level):
        """`while COND:` with COND of data only.  A body of data only is one `ir.WhileLoop`; a
        body that reads params becomes a data-only loop that counts the iterations (running only
        what COND depends on) and a `for` loop over that count, so the locals the body carries
        get their histories and the gradient stays exact."""
        condition = self.check_value(s.condition)
        if condition.type.shape:
            from codegen.shapes import shape_str
            raise ModelTypeError(f"a `while` condition must be a scalar, not an array of shape "
                                 f"{shape_str(condition.type.shape)}", s.condition.span)
        closure = _names_in(s.condition)
        assignments = list(_assignments(s.body))
        changed = True
        while changed:
            changed = False
            for target, reads, _ in assignments:
                if target in closure and not reads <= closure:
                    closure |= reads
                    changed = True
        carried = self._assigned_locals(s.body)
        if not any(binding.name in closure for binding in carried):
            raise ModelStructureError(
                "this `while` loop never ends once it starts: its body changes nothing its condition reads",
                s.span, hint="declare what the condition reads as a `local` and update it in the body "
                             "(`local i = 0` ... `i += 1`), or loop with `for i in range(N):`")
        stages = self._estimated_stages(s.body, carried)
        stage = ir.latest_stage(self.stage_of(condition), *[
            stages.get(name) or self._stage_of_read(name) for name in closure])
        if stage != "data":
            culprits = [name for name in sorted(closure)
                        if name not in stages and self._stage_of_read(name) != "data"]
            raise ModelStructureError(
                f"a `while` condition depends on {'a generated quantity' if stage == 'gen' else 'a param'}"
                + (f" ('{culprits[0]}')" if culprits else " (through the locals it reads)"), s.condition.span,
                expected="an expression of data, loop variables and locals computed from data",
                hint="the number of iterations must not depend on a param (its gradient is not defined); "
                     "loop over a data bound with `for`, and switch smoothly with `where` or `a if c else b`")
        data_only = all(stage == "data" for stage in stages.values()) and not _scores(s.body)
        if data_only:
            return self._data_while(s.condition, s.body, s.span, top_level)
        return self._counted_while(s, closure, top_level)

    def _data_while(self, condition_node, body, span, top_level):
        carried = self._assigned_locals(body)
        out, mutable = [], {}
        for binding in carried:
            if not binding.assigned:
                raise ModelStructureError(f"the local '{binding.name}' is assigned in a `while` loop but has no "
                                          "value before it", span,
                                          hint=f"give it a first value: `local {binding.name} = ...`")
            name = self._fresh(f"_{binding.name}_w")
            out.append(self._assign_once(ast.Assign(ast.Name(name, span), binding.current, False, span), top_level))
            self.bindable.discard(name)   # the binder does not run the loop that changes it
            mutable[binding.name] = name
            binding.current = ast.Name(name, span)
        outer = self.scope
        self.scope = type(outer)(outer)
        try:
            test_name = self._fresh("_while_c")
            test = self._condition_steps(condition_node, test_name, span)
            condition = self.check_value(ast.Name(test_name, span))
            checked = list(self._block(body))
            for binding in carried:   # the values at the end of the body, for the next iteration
                checked.append(self._assign_again(mutable[binding.name], self.check_value(binding.current), span))
                binding.current = ast.Name(mutable[binding.name], span)
            self._require_filled(self.scope)
        finally:
            self.scope = outer
        out.append(ir.WhileLoop(tuple(test), condition, tuple(mutable.values()), tuple(checked), span, "data"))
        return out

    def _condition_steps(self, node, name, span) -> list:
        """Statements that compute a `while` condition into `name`, each operand of `and` / `or`
        only when the ones before leave the answer open (as Python does): `i < N and x[i] > 0`
        never reads x[N]."""
        if isinstance(node, ast.BoolOp):
            first, *rest = node.values
            steps = self._condition_steps(first, name, span)
            if rest:
                more = self._condition_steps(ast.BoolOp(node.op, tuple(rest), node.span) if len(rest) > 1
                                             else rest[0], name, span)
                variable = self.check_value(ast.Name(name, span))
                then_body, else_body = (more, []) if node.op == "and" else ([], more)
                steps.append(ir.IfElse(variable, tuple(then_body), tuple(else_body), span, "data"))
            return steps
        value = self.check_value(node)
        if value.type.dtype != "bool":
            value = self.check_value(ast.Compare("!=", node, ast.IntLiteral(0, span), span))
        if self.scope.lookup(name) is None:
            self._define(name, ir.Role.LOCAL, value.type, "data", span, top_level=False)
            return [ir.Assign(name, value, ir.Role.LOCAL, False, span, "data")]
        return [self._assign_again(name, value, span)]

    def _assign_again(self, name, value, span):
        binding = self.scope.lookup(name)
        if self.stage_of(value) != "data":
            raise ModelStructureError("a `while` loop over data computes a value of a param", span)
        return ir.Assign(name, value, binding.role, False, span, "data")

    def _counted_while(self, s: ast.While, closure, top_level):
        span = s.span
        counter = self._fresh("while_count")
        out = [self._stmt_LocalDecl(ast.LocalDecl(counter, None, ast.IntLiteral(0, span), span, span), top_level)]
        kept = _restricted(s.body, closure)
        entries = [(binding, binding.current, binding.assigned) for binding in self._assigned_locals(kept)]
        increment = ast.AugAssign(ast.Name(counter, span), "+", ast.IntLiteral(1, span), span)
        out += self._data_while(s.condition, tuple(kept) + (increment,), span, top_level)
        for binding, current, assigned in entries:   # the `for` loop starts from the same values
            binding.current, binding.assigned = current, assigned
        iteration = self._fresh("_while_i")
        loop = ast.For(iteration, (ast.Name(counter, span),), s.body, span, span)
        checked = self._statement(loop, top_level)
        return out + (checked if isinstance(checked, list) else [checked])

    # ---- helpers ------------------------------------------------------------------

    def _assigned_locals(self, statements) -> list:
        """The locals visible here that the statements assign (at any depth), in first-assignment order."""
        found = []
        for target in _assigned_targets(statements):
            binding = self.scope.lookup(target)
            if binding is not None and binding.local and binding not in found:
                found.append(binding)
        return found

    def _estimated_stages(self, statements, locals_, loop_var=None) -> dict:
        """When each local's values in these statements are known (data, model or gen), before
        they are checked: the latest stage of what its assignments read, to a fixed point.  A
        history array takes it, so that reads at the top of the body have their final stage."""
        stages = {}
        for binding in locals_:
            if binding.local:
                stages[binding.name] = (self.stage_of(self.check_value(binding.current)) if binding.assigned
                                        else "data")
            else:   # a filled array: the stage its fills so far gave it
                stages[binding.name] = binding.stage
        assignments = list(_assignments(statements))

        def stage_of_name(name):
            if name in stages:
                return stages[name]
            if name == loop_var:
                return "data"
            return self._stage_of_read(name)

        changed = True
        while changed:
            changed = False
            for target, reads, gen in assignments:
                stage = ir.latest_stage("gen" if gen else "data", *[stage_of_name(n) for n in reads])
                if ir.latest_stage(stage, stages.get(target, "data")) != stages.get(target, "data"):
                    stages[target] = stage
                    changed = True
        return stages

    def raise_filled_array_stages(self, statements, loop_var):
        """Before a loop body is checked, each array declared outside it that the body fills takes
        the latest stage of what its fills read, to a fixed point.  A fill is given its stage when
        it is checked: `b[i] = b[i - 1] + a[i - 1]` before `a[i] = a[i - 1] * rho` in the same body
        must already see `a` as a model value, or `b` is taken for transformed data and the
        gradient through it is lost."""
        arrays = []
        for target, _, _ in _assignments(statements):
            binding = self.scope.lookup(target)
            if binding is not None and binding.array and not binding.gen and not binding.local \
                    and binding not in arrays:
                arrays.append(binding)
        if not arrays:
            return
        stages = self._estimated_stages(statements, arrays, loop_var=loop_var)
        for binding in arrays:
            binding.stage = ir.latest_stage(binding.stage, stages[binding.name])

    def _stage_of_read(self, name: str) -> str:
        """When a name that statements read is known.  In a function body inlined at a call
        (codegen/functions.py), an argument is not in scope: it stands for the caller's value,
        whose stage decides (a param passed as `r` makes `term = term * r` a model-stage value,
        so the loop that carries `term` keeps its history in the gradient)."""
        substitutions = getattr(self, "substitutions", None)
        if substitutions and name in substitutions[-1]:
            value = substitutions[-1][name]
            return self.stage_of(value) if hasattr(value, "type") else "data"   # a size name: data
        binding = self.scope.lookup(name)
        return binding.stage if binding is not None else "data"

    def _fresh(self, base: str) -> str:
        """A name no one wrote in the model and not made before."""
        taken = self.locals.taken
        if not taken:
            taken |= set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", self.source_text))
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        return name

    def _versions(self, name: str) -> int:
        counts = self.locals.versions
        counts[name] = counts.get(name, 0) + 1
        return counts[name]


def _popped(ids: set, key) -> bool:
    """Whether key was in ids (and take it out)."""
    found = key in ids
    ids.discard(key)
    return found


def _what(binding) -> str:
    return {ir.Role.DATA: "data", ir.Role.PARAM: "a param", ir.Role.LOOP: "a loop variable",
            ir.Role.GEN: "a generated quantity", ir.Role.TRANSFORMED_DATA: "a quantity assigned once",
            ir.Role.DETERMINISTIC: "a deterministic quantity, assigned once"}.get(binding.role,
                                                                                  "assigned once")


def _assigned_targets(statements):
    for target, _, _ in _assignments(statements):
        yield target


def _assignments(statements):
    """(name assigned, names read, whether in `gen`) for every assignment in the statements, at any depth."""
    for s in statements:
        if isinstance(s, (ast.Assign, ast.AugAssign)):
            target = s.target if isinstance(s.target, ast.Name) else s.target.value
            reads = _names_in(s.value) | (_names_in(s.target) if isinstance(s, ast.AugAssign)
                                          or not isinstance(s.target, ast.Name) else set())
            yield target.id, reads, getattr(s, "gen", False)
        elif isinstance(s, ast.LocalDecl) and s.value is not None:
            yield s.name, _names_in(s.value), False
        elif isinstance(s, ast.Sample) and s.gen:
            target = s.value if isinstance(s.value, ast.Name) else getattr(s.value, "value", None)
            if isinstance(target, ast.Name):
                yield target.id, _names_in(s.distribution), True
        elif isinstance(s, ast.For):
            yield from _assignments(s.body)
        elif isinstance(s, ast.If):
            yield from _assignments(tuple(s.body) + tuple(s.orelse))
        elif isinstance(s, ast.While):
            yield from _assignments(s.body)


def _scores(statements) -> bool:
    """Whether the statements add to the target (at any depth)."""
    for s in statements:
        if isinstance(s, (ast.Sample, ast.TargetIncrement)) and not getattr(s, "gen", False):
            return True
        if isinstance(s, (ast.For, ast.While)) and _scores(s.body):
            return True
        if isinstance(s, ast.If) and _scores(tuple(s.body) + tuple(s.orelse)):
            return True
    return False


def _restricted(statements, names) -> list:
    """The statements that assign `names` (with the loops and branches around them)."""
    kept = []
    for s in statements:
        if isinstance(s, (ast.Assign, ast.AugAssign)):
            target = s.target if isinstance(s.target, ast.Name) else s.target.value
            if target.id in names and not getattr(s, "gen", False):
                kept.append(s)
        elif isinstance(s, ast.LocalDecl) and s.name in names:
            kept.append(s)
        elif isinstance(s, ast.ArrayDecl) and s.name in names and not s.gen:
            kept.append(s)
        elif isinstance(s, (ast.For, ast.While)):
            body = _restricted(s.body, names)
            if body:
                kept.append(replace(s, body=tuple(body)))
        elif isinstance(s, ast.If):
            body, orelse = _restricted(s.body, names), _restricted(s.orelse, names)
            if body or orelse:
                kept.append(replace(s, body=tuple(body) or (), orelse=tuple(orelse)))
    return kept


def _names_in(node) -> set:
    names = set()
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, ast.Name):
            names.add(item.id)
        elif isinstance(item, (tuple, list)):
            pending.extend(item)
        elif hasattr(item, "__dataclass_fields__") and not isinstance(item, Span):
            pending.extend(getattr(item, f.name) for f in fields(item) if f.name != "span")
    return names


def _range_parts(s: ast.For):
    args = s.range_args
    zero, one = ast.IntLiteral(0, s.span), ast.IntLiteral(1, s.span)
    if len(args) == 1:
        return zero, args[0], one
    if len(args) == 2:
        return args[0], args[1], one
    return args


def _literal_int(node) -> Optional[int]:
    if isinstance(node, ast.IntLiteral):
        return node.value
    if isinstance(node, ast.Unary) and isinstance(node.operand, ast.IntLiteral):
        return -node.operand.value if node.op == "-" else node.operand.value
    return None


def _minus(left, right, span):
    if isinstance(right, ast.IntLiteral) and right.value == 0:
        return left
    return ast.Binary("-", left, right, span)


def _dim_ast(dim, span):
    """A size (codegen/shapes.py) as an AST expression, parsed back from its text."""
    from codegen.parse import parse
    from ppl.errors import Source

    program = parse(Source(f"_size = {dim}\n", "<size>"))
    return _respan(program.statements[0].value, span)


def _respan(node, span):
    if isinstance(node, tuple):
        return tuple(_respan(item, span) for item in node)
    if hasattr(node, "__dataclass_fields__") and not isinstance(node, Span):
        changes = {f.name: (span if f.name.endswith("span") else _respan(getattr(node, f.name), span))
                   for f in fields(node)}
        return replace(node, **changes)
    return node
