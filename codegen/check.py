"""Stage 2: AST → typed IR (codegen/ir.py), or a located ModelError.

Resolves names (each declared once; used only after its definition), types
every expression (codegen/check_exprs.py, codegen/check_calls.py), turns type
annotations into IR types and param constraints, and classifies every
statement by stage: data-only (Stan's transformed data), model, or gen.  It
enforces the rules of the language that are not syntax: loop bounds and `if`
conditions depend on data only, data and params are never assigned, arrays
are filled only when declared, the model never reads a `gen` quantity, and a
`~` statement's value fits its distribution's support and shapes.
"""

from __future__ import annotations

import math

from dataclasses import replace

from codegen import ast, ir
from codegen.check_calls import CallChecker
from codegen.check_exprs import Binding, ExprChecker, Scope, constant_int, describe_type
from codegen.check_locals import LocalsChecker, LocalsState
from codegen.check_ode import OdeChecker
from codegen.check_sizes import SizeChecker
from codegen.evaluate import can_evaluate
from codegen.functions import FunctionChecker
from codegen.ir_print import expr_text, items_text
from codegen.shapes import Dim, shape_str
from codegen.supports import param_fit, param_of, scored_family, support_arguments
from ppl.catalogue import constraints as C
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.supports import describe as describe_support, is_scalar as is_scalar_support
from ppl.errors import (ModelNameError, ModelNotSupportedError, ModelStructureError, ModelTypeError, Source,
                        did_you_mean)

SCALAR_TYPES = ("real", "int")


def check(program: ast.Program, source: Source) -> ir.Program:
    """Type-check a parsed program and build its IR."""
    try:
        return _Checker(program).run(source)
    except Exception as error:  # attach the source to located errors; let bugs through untouched
        if hasattr(error, "with_source"):
            raise error.with_source(source)
        raise


class _Checker(OdeChecker, FunctionChecker, LocalsChecker, CallChecker, ExprChecker, SizeChecker):
    def __init__(self, program: ast.Program):
        self.program = program
        self.scope = Scope()
        self.symbols: list[ir.Symbol] = []
        self.later_definitions: dict[str, object] = {}
        self.param_constraints: dict[str, ir.ParamConstraint] = {}
        self.source_text = ""
        self.statement_span = None                      # the statement being checked
        self.in_gen = False                             # inside a `gen` statement: nothing is differentiated
        self.size_checks: list[ir.SizeCheck] = []       # deferred to binding (codegen/check_sizes.py)
        self.guards: list[ir.SizeGuard] = []            # the `if` branches and loops around a statement
        self.bindable: set[str] = set()                 # names whose values binding knows
        self.array_bindings: dict = {}                  # (name, span) of each declared array → its binding
        self.start_functions(program)                   # user functions (codegen/functions.py)
        self.array_bounds: dict[str, tuple] = {}        # top-level filled array → (bounds, its declaration)
        self.locals = LocalsState()                     # codegen/check_locals.py

    def run(self, source: Source) -> ir.Program:
        self.source_text = source.text
        self.later_definitions = dict(_top_level_definitions(self.program.statements))
        statements = self._block(self.program.statements, top_level=True)
        self._require_filled(self.scope)
        statements, symbols = self._settle_array_roles(statements)
        statements = self._check_filled_bounds(statements)
        return ir.Program(tuple(statements), tuple(symbols), source.text, source.filename,
                          tuple({(c, c.span): c for c in self.size_checks}.values()),
                          functions=self.function_definitions())

    def _settle_array_roles(self, statements):
        """A top-level filled array is transformed data or a deterministic depending on what
        its fills read, known only once all of them are checked."""
        stages = {name: b.stage for name, b in self.scope.bindings.items() if b.array and not b.gen}
        roles = {name: ir.Role.TRANSFORMED_DATA if stage == "data" else ir.Role.DETERMINISTIC
                 for name, stage in stages.items()}
        settled = []
        for s in statements:
            if isinstance(s, ir.ArrayDeclaration) and s.name in roles:
                saved = roles[s.name] == ir.Role.DETERMINISTIC and not s.name.startswith("_")
                s = replace(s, role=roles[s.name], saved=saved, stage=stages[s.name])
            settled.append(s)
        settled = self._settle_local_arrays(settled)
        symbols = []
        for symbol in self.symbols:
            if symbol.name in roles:
                saved = roles[symbol.name] == ir.Role.DETERMINISTIC and not symbol.name.startswith("_")
                symbol = replace(symbol, role=roles[symbol.name], saved=saved)
            symbols.append(symbol)
        return settled, symbols

    def _settle_local_arrays(self, statements):
        """An array declared inside a loop or branch takes the stage of its fills too (a fill
        that reads a param makes it part of the log density, so that its adjoint is kept)."""
        settled = []
        for s in statements:
            binding = self.array_bindings.get((getattr(s, "name", None), s.span))
            if isinstance(s, ir.ArrayDeclaration) and s.role == ir.Role.LOCAL and binding is not None:
                s = replace(s, stage=binding.stage)
            elif isinstance(s, (ir.ForLoop, ir.WhileLoop)):
                s = replace(s, body=tuple(self._settle_local_arrays(s.body)))
            elif isinstance(s, ir.IfElse):
                s = replace(s, then_body=tuple(self._settle_local_arrays(s.then_body)),
                            else_body=tuple(self._settle_local_arrays(s.else_body)))
            settled.append(s)
        return settled

    def _check_filled_bounds(self, statements):
        """A bounded filled array is checked once it is complete: right after the last top-level
        statement that fills it."""
        if not self.array_bounds:
            return statements
        last_fill = {}
        for position, statement in enumerate(statements):
            for name in _fills(statement):
                last_fill[name] = position
        checks: dict[int, list] = {}
        for s in statements:
            if isinstance(s, ir.ArrayDeclaration) and s.name in self.array_bounds:
                bounds, declaration = self.array_bounds[s.name]
                check = self._bound_check(s.name, s.type, bounds, s.stage, declaration)
                checks.setdefault(last_fill[s.name], []).append(check)
        out = []
        for position, statement in enumerate(statements):
            out.append(statement)
            out.extend(checks.get(position, ()))
        return out

    def _bound_check(self, name, type_, bounds: ir.Bounds, stage, declaration: ast.TypeExpr) -> ir.BoundCheck:
        """The check of a quantity's declared bounds; it runs when both the quantity and its
        bounds are known, so bounds of params on a quantity of data alone are refused."""
        bound_stages = {which: self.stage_of(value) for which, value in
                        (("lower", bounds.lower), ("upper", bounds.upper)) if value is not None}
        for which, bound_stage in bound_stages.items():
            if stage == "data" and bound_stage != "data":
                node = next(b for b in declaration.bounds if b.name == which)
                raise ModelStructureError(
                    f"the {which} bound of '{name}' depends on a param, but '{name}' is computed from data alone",
                    node.value.span, hint="a bound on transformed data is checked once, when data is bound: "
                                          "make it an expression of data")
        return ir.BoundCheck(name, type_, bounds, declaration.span, ir.latest_stage(stage, *bound_stages.values()))

    # ---- blocks and scopes -----------------------------------------------------

    def _block(self, statements, top_level=False):
        out = []
        for statement in statements:
            if top_level:
                self._forget_later(statement)
            inlined, checked = self.with_inlined_calls(statement, top_level, self._statement)
            out.extend(inlined)   # the bodies of the user functions it calls, before it
            if isinstance(checked, list):   # a statement and the check of its declared bounds
                out.extend(checked)
            elif checked is not None:
                out.append(checked)
        return out if top_level else self._settle_block_arrays(out)

    def _settle_block_arrays(self, statements):
        """An array declared in a block takes the latest stage of its fills (a fill that reads a
        param makes it a model value, with an adjoint), known once the block is checked."""
        settled = []
        for s in statements:
            binding = self.scope.bindings.get(getattr(s, "name", None))
            if isinstance(s, ir.ArrayDeclaration) and binding is not None and binding.array:
                s = replace(s, stage=binding.stage)
            settled.append(s)
        return settled

    def _forget_later(self, statement):
        name = getattr(statement, "name", None)
        if name is None and isinstance(statement, (ast.Assign, ast.Sample)):
            target = statement.target if isinstance(statement, ast.Assign) else statement.value
            name = target.id if isinstance(target, ast.Name) else None
        if name is not None:
            self.later_definitions.pop(name, None)

    def _nested(self, statements):
        outer = self.scope
        self.scope = Scope(outer)
        try:
            return tuple(self._block(statements))
        finally:
            self._require_filled(self.scope)
            self.scope = outer

    def _guarded(self, guard: ir.SizeGuard, statements):
        self.guards.append(guard)
        try:
            return self._nested(statements)
        finally:
            self.guards.pop()

    @staticmethod
    def _require_filled(scope):
        for binding in scope.bindings.values():
            if binding.array and binding.fills == 0:
                raise ModelStructureError(f"'{binding.name}' is declared but none of its elements is assigned",
                                          binding.span, hint=f"fill it with `{binding.name}[i] = ...`, or remove it")

    def _define(self, name, role, type_, stage, span, top_level, gen=False, array=False, saved=False):
        self.require_not_function(name, span)
        existing = self.scope.lookup(name)
        if existing is not None:
            raise ModelNameError(f"'{name}' is already defined", span,
                                 hint=f"it was defined on line {existing.span.line}; "
                                      "each name is defined once (choose a new name, or declare it "
                                      f"`local {name} = ...` to assign it again)")
        self.scope.bindings[name] = Binding(name, role, type_, stage, span, gen=gen, array=array)
        if top_level:
            self.symbols.append(ir.Symbol(name, role, type_, span, saved))

    # ---- statements -------------------------------------------------------------

    def _statement(self, s, top_level):
        method = getattr(self, "_stmt_" + type(s).__name__)
        outer, self.statement_span = self.statement_span, s.span   # what a size check names
        outer_gen, self.in_gen = self.in_gen, self.in_gen or bool(getattr(s, "gen", False))
        try:
            return method(s, top_level)
        finally:
            self.statement_span, self.in_gen = outer, outer_gen

    def _require_top_level(self, s, top_level, what):
        if not top_level:
            raise ModelStructureError(f"{what} must be at the top level, not inside a block", s.span,
                                      hint="move it above the loop or `if`")

    def _stmt_DataDecl(self, s: ast.DataDecl, top_level):
        self._require_top_level(s, top_level, "a `data` declaration")
        type_, constraint, bounds = self._declared_type(s.type, "data")
        self._define(s.name, ir.Role.DATA, type_, "data", s.name_span, top_level)
        self.bindable.add(s.name)
        return ir.DataDeclaration(s.name, type_, bounds, constraint, s.span, name_span=s.name_span)

    def _stmt_ParamDecl(self, s: ast.ParamDecl, top_level):
        self._require_top_level(s, top_level, "a `param` declaration")
        type_, constraint, bounds = self._declared_type(s.type, "param")
        if type_.dtype == "int":
            raise ModelTypeError("params are continuous: an `int` param is not supported", s.type.span,
                                 hint="declare it `real`, or marginalise a discrete unknown out "
                                      "(e.g. with MixtureSameFamily or logsumexp)")
        event_rank = constraint.event_rank if constraint is not None else 0
        shape = type_.shape
        batch, event = shape[:len(shape) - event_rank], shape[len(shape) - event_rank:]
        if constraint is None:
            constraint = _bounds_constraint(bounds)
        self._define(s.name, ir.Role.PARAM, type_, "model", s.name_span, top_level, saved=True)
        param_constraint = ir.ParamConstraint(constraint, bounds, batch, event)
        self.param_constraints[s.name] = param_constraint
        return ir.ParamDeclaration(s.name, type_, param_constraint, s.span)

    def _stmt_ArrayDecl(self, s: ast.ArrayDecl, top_level):
        type_, constraint, bounds = self._declared_type(s.type, "array" if top_level else "local array")
        if not type_.shape:
            raise ModelTypeError(f"'{s.name}' is declared without sizes", s.type.span,
                                 hint=f"declare `{s.name}: {s.type.name}[N]` and fill it with `{s.name}[i] = ...`, "
                                      f"or assign a scalar directly with `{s.name} = ...`")
        role = ir.Role.GEN if s.gen else (ir.Role.DETERMINISTIC if top_level else ir.Role.LOCAL)
        saved = top_level and not s.name.startswith("_")
        stage = "gen" if s.gen else "data"   # raised to "model" by the first fill that reads a param
        self._define(s.name, role, type_, stage, s.name_span, top_level, gen=s.gen, array=True, saved=saved)
        self.array_bindings[(s.name, s.span)] = self.scope.bindings[s.name]
        if bounds.lower is not None or bounds.upper is not None:
            self.array_bounds[s.name] = (bounds, s.type)
        return ir.ArrayDeclaration(s.name, type_, role, saved, s.span, stage)

    def _stmt_Assign(self, s: ast.Assign, top_level):
        binding = self.local_binding(s.target)
        if binding is not None:   # a local: a new version (codegen/check_locals.py)
            return self.assign_local(s, binding, top_level)
        return self._assign_once(s, top_level)

    def _assign_once(self, s: ast.Assign, top_level):
        if isinstance(s.target, ast.Index):
            return self._index_assign(s)
        name = s.target.id
        self._check_not_input(name, s.target.span, "assign to")
        value = self.check_value(s.value)
        return self.assigned(name, value, s, top_level, s.target.span)

    def assigned(self, name, value, s, top_level, name_span):
        """Define NAME as the checked value, assigned by statement s (or inlined for it)."""
        declared = (self._declared_value_type(s, value, top_level)
                    if getattr(s, "declared", None) is not None else None)
        stage = "gen" if s.gen else self.stage_of(value)
        self._check_model_reads_no_gen(value, s, stage)
        if s.gen:
            role = ir.Role.GEN
        elif not top_level:
            role = ir.Role.LOCAL
        else:
            role = ir.Role.TRANSFORMED_DATA if stage == "data" else ir.Role.DETERMINISTIC
        saved = top_level and not name.startswith("_") and role in (ir.Role.DETERMINISTIC, ir.Role.GEN)
        self._define(name, role, value.type, stage, name_span, top_level, gen=s.gen, saved=saved)
        if role == ir.Role.TRANSFORMED_DATA and can_evaluate(value, self.bindable):
            self.bindable.add(name)   # binding can compute it, so sizes made of it are checked then
        assign = ir.Assign(name, value, role, saved, s.span, stage)
        if declared is None or (declared.lower is None and declared.upper is None):
            return assign
        return [assign, self._bound_check(name, value.type, declared, stage, s.declared)]

    def _declared_value_type(self, s: ast.Assign, value, top_level) -> ir.Bounds:
        """`NAME: TYPE = value`: the value must have the declared element type and shape; the
        declared bounds are returned, to be checked wherever the value is computed."""
        name = s.target.id
        type_, _, bounds = self._declared_type(s.declared, "value" if top_level else "local value")
        if type_.dtype != value.type.dtype:
            hint = (f"declare it `{name}: {value.type.dtype}...`" if value.type.dtype in SCALAR_TYPES
                    else "a comparison is a bool (saved as 0/1): leave out the type, `NAME = ...`")
            raise ModelTypeError(f"'{name}' is declared {type_.dtype} but its value is {describe_type(value.type)}",
                                 s.value.span, expected=type_.dtype, found=value.type.dtype, hint=hint)
        same = len(type_.shape) == len(value.type.shape) and all(
            self.sizes_equal(d, v, f"axis {k} of the declared shape", f"axis {k} of the value", s.value.span)
            for k, (d, v) in enumerate(zip(type_.shape, value.type.shape)))
        if not same:
            raise ModelTypeError(f"'{name}' is declared with shape {shape_str(type_.shape)} but its value has "
                                 f"shape {shape_str(value.type.shape)}", s.value.span,
                                 expected=shape_str(type_.shape), found=shape_str(value.type.shape))
        return bounds

    def _index_assign(self, s: ast.Assign):
        target = s.target
        name = target.value.id
        binding = self.scope.lookup(name)
        if binding is None:
            error = self.unknown_name(name, target.value.span)
            if isinstance(error, ModelNameError) and name not in self.later_definitions:
                close = did_you_mean(name, self.scope.visible_names())
                error.hint = (f"{close} Otherwise " if close else "") + \
                    f"declare the array first, e.g. `{name}: real[N]`, then fill it element by element"
            raise error
        self._check_not_input(name, target.value.span, "assign to an element of")
        if not binding.array:
            raise ModelStructureError(
                f"'{name}' is not a declared array, so its elements cannot be assigned", target.span,
                hint=f"declare it first with `{name}: real[...]` and fill it element by element")
        self._check_gen_fill(binding, s)
        array = ir.Variable(name, binding.role, binding.type, target.value.span)
        items, shape = self.check_subscripts(array, target.subscripts, target)
        value = self.check_value(s.value)
        if not self.fits_into(shape, value.type.shape, f"{name}[{items_text(items)}]", expr_text(value), s.span):
            raise ModelTypeError(
                f"cannot assign a value of shape {shape_str(value.type.shape)} to {name}[...] of shape "
                f"{shape_str(shape)}", s.value.span, expected=shape_str(shape), found=shape_str(value.type.shape))
        if binding.type.dtype == "int" and value.type.dtype == "real":
            raise ModelTypeError(f"'{name}' is an int array but the value is real", s.value.span,
                                 hint=f"declare '{name}' as `real[...]`")
        stage = "gen" if binding.gen else ir.latest_stage(self.stage_of(value), *[self.stage_of(i)
                                                                                 for i in _item_exprs(items)])
        self._check_model_reads_no_gen(value, s, stage)
        binding.stage = ir.latest_stage(binding.stage, stage)
        binding.fills += 1
        return ir.IndexAssign(name, items, value, s.span, stage)

    def _stmt_Sample(self, s: ast.Sample, top_level):
        distribution = self.check_expr(s.distribution)
        if not isinstance(distribution, ir.DistributionExpr):
            raise ModelTypeError("the right of `~` must be a distribution", s.distribution.span,
                                 found=f"{expr_text(distribution)}: {describe_type(distribution.type)}",
                                 hint="write `y ~ Normal(mu, sigma)`; to add a number to the log density "
                                      "use `target += ...`")
        if s.gen:
            return self._gen_sample(s, distribution, top_level)
        value = self.check_value(s.value)
        batch = self.check_against_distribution(value, distribution, s.value.span, "~")
        self._check_param_support(value, distribution, s)
        truncation = self._truncation(s.truncation, distribution, batch)
        bounds = () if truncation is None else truncation.bounds
        stage = ir.latest_stage("model", self.stage_of(value), self.stage_of(distribution),
                                *(self.stage_of(bound) for bound in bounds))
        for checked in (value, distribution, *bounds):
            self._check_model_reads_no_gen(checked, s, stage)
        return ir.SampleStatement(value, distribution, s.span, stage, truncation=truncation)

    def _truncation(self, truncation: ast.Truncation | None, distribution: ir.DistributionExpr, batch):
        """`T[low, high]` checked: a scalar family with a cdf, bounds that broadcast into the
        statement's batch shape without growing it, int bounds for a family over integers."""
        if truncation is None:
            return None
        family = distribution.type
        if family.event_shape or DISTRIBUTIONS[distribution.family].event:
            raise ModelTypeError(f"`T[...]` truncates a distribution of numbers; {distribution.family} has events "
                                 f"of shape {shape_str(family.event_shape)}", truncation.span,
                                 hint="truncation applies to scalar families (Normal, Exponential, Poisson, ...)")
        self.check_has_cdf(distribution, truncation.span, "`T[...]`")
        if truncation.lower is None and truncation.upper is None:
            raise ModelTypeError("`T[, ]` gives no bound", truncation.span,
                                 hint="write `T[low, high]`, `T[low, ]` or `T[, high]`, or leave the truncation out")
        checked = []
        for bound, which in ((truncation.lower, "lower"), (truncation.upper, "upper")):
            if bound is None:
                checked.append(None)
                continue
            value = self.check_value(bound)
            if value.type.dtype not in ("real", "int"):
                raise ModelTypeError(f"the {which} bound of `T[...]` must be a number", bound.span,
                                     found=describe_type(value.type))
            if family.support.dtype == "int" and value.type.dtype != "int":
                raise ModelTypeError(f"{distribution.family} is a distribution over integers: the {which} bound "
                                     f"of `T[...]` must be an int", bound.span, found=describe_type(value.type))
            if not self.fits_into(batch, value.type.shape, "the statement", f"the {which} bound", bound.span):
                raise ModelTypeError(f"the {which} bound of `T[...]` has shape {shape_str(value.type.shape)}, which "
                                     f"does not fit the statement's batch shape {shape_str(batch)}", bound.span,
                                     expected=f"a number, or a shape that broadcasts into {shape_str(batch)}",
                                     found=shape_str(value.type.shape))
            checked.append(value)
        return ir.Truncation(checked[0], checked[1], truncation.span)

    def _gen_sample(self, s, distribution, top_level):
        self._check_model_reads_no_gen(distribution, s, "gen")
        dtype = distribution.type
        shape = dtype.batch_shape + dtype.event_shape
        value_type = ir.Type(dtype.support.dtype, shape)
        truncation = self._truncation(s.truncation, distribution, dtype.batch_shape)
        if truncation is not None and dtype.support.dtype == "int":
            raise ModelNotSupportedError(f"`gen ... ~ {distribution.family}(...) T[...]`: truncated draws of a family "
                                         f"over integers are not compiled yet", s.truncation.span,
                                         hint="draw in `gen` without `T[...]`; continuous families draw by rejection")
        if isinstance(s.value, ast.Name):
            name = s.value.id
            self._check_not_input(name, s.value.span, "draw into")
            role = ir.Role.GEN if top_level else ir.Role.LOCAL
            saved = top_level and not name.startswith("_")
            self._define(name, role, value_type, "gen", s.value.span, top_level, gen=True, saved=saved)
            target = ir.Variable(name, role, value_type, s.value.span)
            return ir.SampleStatement(target, distribution, s.span, "gen", defines=name, truncation=truncation)
        if isinstance(s.value, ast.Index) and isinstance(s.value.value, ast.Name):
            name = s.value.value.id
            binding = self.scope.lookup(name)
            if binding is None:
                raise self.unknown_name(name, s.value.value.span)
            if not binding.array:
                raise ModelStructureError(f"'{name}' is not a declared array", s.value.span,
                                          hint=f"declare it first with `gen {name}: real[...]`")
            self._check_gen_fill(binding, s)
            array = ir.Variable(name, binding.role, binding.type, s.value.value.span)
            items, target_shape = self.check_subscripts(array, s.value.subscripts, s.value)
            target = ir.IndexOp(array, items, ir.Type(binding.type.dtype, target_shape), s.value.span)
            binding.fills += 1
            drawn = self.context_text(distribution.span) or distribution.family
            if not self.fits_into(target.type.shape, shape, expr_text(target), f"a draw from {drawn}", s.span):
                raise ModelTypeError(f"a draw of shape {shape_str(shape)} does not fit {expr_text(target)} "
                                     f"of shape {shape_str(target.type.shape)}", s.span)
            return ir.SampleStatement(target, distribution, s.span, "gen", truncation=truncation)
        raise ModelStructureError("`gen ... ~` draws into a name or an element of a declared gen array",
                                  s.value.span, hint="write `gen y_rep ~ Normal(mu, sigma)`")

    def _stmt_TargetIncrement(self, s: ast.TargetIncrement, top_level):
        value = self.check_value(s.value)
        if value.type.dtype not in ("real", "int", "bool"):
            raise ModelTypeError("`target +=` needs a number", s.value.span)
        stage = ir.latest_stage("model", self.stage_of(value))
        self._check_model_reads_no_gen(value, s, stage)
        return ir.TargetIncrement(value, s.span, stage)

    def _check_for(self, s: ast.For, top_level):
        bounds = [self._data_int(arg, "a loop bound") for arg in s.range_args]
        if len(bounds) == 1:
            start, stop, step = ir.Constant(0, ir.INT, s.span), bounds[0], ir.Constant(1, ir.INT, s.span)
        elif len(bounds) == 2:
            (start, stop), step = bounds, ir.Constant(1, ir.INT, s.span)
        else:
            start, stop, step = bounds
            if constant_int(step) == 0:
                raise ModelTypeError("range() step must not be zero", s.range_args[2].span)
        self.raise_filled_array_stages(s.body, s.var)   # codegen/check_locals.py
        outer = self.scope
        self.scope = Scope(outer)
        self.guards.append(ir.SizeGuard("loop", (start, stop, step)))
        try:
            self._define(s.var, ir.Role.LOOP, ir.INT, "data", s.name_span, top_level=False)
            body = tuple(self._block(s.body))
            self._require_filled(self.scope)
        finally:
            self.scope = outer
            self.guards.pop()
        stage = ir.latest_stage("data", *[b.stage for b in body])
        return ir.ForLoop(s.var, start, stop, step, body, s.span, stage)

    def _check_if(self, s: ast.If, top_level):
        condition = self.check_value(s.condition)
        if condition.type.shape:
            raise ModelTypeError(f"an `if` condition must be a scalar, not an array of shape "
                                 f"{shape_str(condition.type.shape)}", s.condition.span)
        self._require_data_only(condition, s.condition.span, "an `if` condition")
        then_body = self._guarded(ir.SizeGuard("if", (condition,)), s.body)
        else_body = self._guarded(ir.SizeGuard("else", (condition,)), s.orelse)
        stage = ir.latest_stage("data", *[b.stage for b in then_body + else_body])
        return ir.IfElse(condition, then_body, else_body, s.span, stage)

    def _stmt_FuncDef(self, s: ast.FuncDef, top_level):
        self.define_function(s, top_level)

    def _stmt_Return(self, s: ast.Return, top_level):
        raise ModelStructureError("`return` outside a function", s.span,
                                  hint="models have no return; assign a name or use `target +=`")

    # ---- rules ---------------------------------------------------------------

    def _data_int(self, node, what):
        expr = self.check_value(node)
        self._require_data_only(expr, node.span, what)
        if expr.type.dtype != "int" or expr.type.shape:
            raise ModelTypeError(f"{what} must be an integer scalar", node.span, found=describe_type(expr.type),
                                 hint="loop bounds are ints computed from data, e.g. `range(N)` or `range(K, T)`")
        return expr

    def _require_data_only(self, expr, span, what):
        stage = self.stage_of(expr)
        if stage != "data":
            names = self.params_in(expr)
            culprit = names[0] if names else "a param"
            kind = "a generated quantity" if stage == "gen" else "a param"
            raise ModelStructureError(
                f"{what} depends on {kind} ('{culprit}')", span,
                expected="an expression of data, loop variables and literals",
                hint="loop bounds and `if` conditions are fixed when data is bound; for a smooth switch "
                     "on a param use arithmetic (e.g. sigmoid) instead of `if`")

    def _check_not_input(self, name, span, verb):
        binding = self.scope.lookup(name)
        if binding is None:
            return
        if binding.role == ir.Role.DATA:
            raise ModelStructureError(f"cannot {verb} data '{name}'", span,
                                      hint=f"data is given when sampling; compute a new name, e.g. `{name}_2 = ...`")
        if binding.role == ir.Role.PARAM:
            raise ModelStructureError(f"cannot {verb} param '{name}'", span,
                                      hint=f"params are sampled; to give '{name}' a prior write `{name} ~ ...`, "
                                           "or define a new deterministic name")
        if binding.role == ir.Role.LOOP:
            raise ModelStructureError(f"cannot {verb} the loop variable '{name}'", span)

    def _check_gen_fill(self, binding, s):
        if binding.gen and not s.gen:
            raise ModelStructureError(f"'{binding.name}' is a gen array; fill it in a `gen` statement", s.span,
                                      hint=f"write `gen {expr_text_ast(s)}`")
        if s.gen and not binding.gen:
            raise ModelStructureError(f"'{binding.name}' is not a gen array, so a `gen` statement cannot fill it",
                                      s.span, hint=f"declare it with `gen {binding.name}: ...`")

    def _check_model_reads_no_gen(self, expr, statement, stage):
        if getattr(statement, "gen", False):
            return
        for sub in ir.walk_expr(expr):
            if isinstance(sub, ir.Variable):
                binding = self.scope.lookup(sub.name)
                if binding is not None and binding.stage == "gen":
                    defined = _defined_name(statement)
                    fix = (f"if '{defined}' is an output, make it a generated quantity too: `gen {defined} = ...`"
                           if defined else "score the observed data, not the replicated draws")
                    raise ModelStructureError(
                        f"the generated quantity '{sub.name}' is used in the model", sub.span,
                        hint="gen quantities are drawn after sampling and cannot affect the log density; " + fix)

    def _check_param_support(self, value, distribution, s):
        """A param scored by a bounded distribution must be declared inside its support
        (codegen/supports.py decides; bounds it cannot compare are tested in generated code)."""
        name = param_of(value)
        if name is None:
            return
        declared = self.param_constraints[name]
        fit = param_fit(declared, distribution)
        if fit.fits is not False:
            return
        scored = scored_family(distribution)
        support = scored.type.support
        family = distribution.family if scored is distribution else f"the mixture's {scored.family} components"
        if not is_scalar_support(support):
            raise ModelTypeError(
                f"{scored.family} is a distribution over {support.name} values, but param "
                f"'{name}' is declared {declared.constraint.name}", s.value.span,
                hint=f"declare `param {name}: {support.name}[...]`")
        words = describe_support(support, tuple(expr_text(a) for a in support_arguments(scored)))
        binding = self.scope.lookup(name)
        want = fit.want + (shape_str(binding.type.shape) if binding is not None and binding.type.shape else "")
        if declared.constraint is C.REAL:
            message = f"param '{name}' is unconstrained, but {family} has support {words}"
        else:
            message = f"param '{name}' is declared with values outside the support of {family} ({words})"
        raise ModelTypeError(message, s.value.span,
                             hint=f"declare `param {name}: {want}` so the sampler stays inside the support")

    # ---- declared types ------------------------------------------------------------

    def _declared_type(self, t: ast.TypeExpr, where: str):
        """IR type, constrained shape (or None) and bounds of a type annotation."""
        dims = tuple(self._size(d) for d in t.dims)
        if t.name in SCALAR_TYPES:
            bounds = self._bounds(t, where, dims)
            return ir.Type(t.name, dims), None, bounds
        if t.name in C.DECLARABLE_SHAPES:
            constraint = C.DECLARABLE_SHAPES[t.name]
            if t.bounds:
                raise ModelTypeError(f"bounds on a constrained shape: {t.name} already fixes its values",
                                     t.bounds[0].span, hint=f"remove `<...>` from `{t.name}`")
            if where not in ("data", "param"):
                raise ModelTypeError(f"only data and params take constrained types like {t.name}", t.span,
                                     hint="declare it `real[...]`, with bounds if you like: `real<lower=0>[...]`")
            if len(dims) < constraint.declared_rank:
                raise ModelTypeError(f"{t.name} needs its size, e.g. `{t.name}[K]`", t.span)
            extra = dims[-1:] * (constraint.event_rank - constraint.declared_rank)
            return ir.Type("real", dims + extra), constraint, ir.Bounds()
        hint = C.FOREIGN_TYPE_HINTS.get(t.name) or did_you_mean(
            t.name, list(SCALAR_TYPES) + list(C.DECLARABLE_SHAPES))
        raise ModelTypeError(f"unsupported type or constraint '{t.name}'", t.span,
                             expected="real, int, " + ", ".join(C.DECLARABLE_SHAPES),
                             hint=hint)

    def _size(self, node):
        expr = self.check_value(node)
        if expr.type.dtype != "int" or expr.type.shape:
            raise ModelTypeError("a size must be an integer scalar", node.span, found=describe_type(expr.type))
        self._require_data_only(expr, node.span, "a size")
        dim = self.dim_of(expr)
        if dim.value is not None and dim.value < 0:
            raise ModelTypeError(f"a size cannot be negative ({dim.value})", node.span)
        return dim

    def _bounds(self, t: ast.TypeExpr, where, dims):
        values = {}
        for bound in t.bounds:
            if bound.name not in ("lower", "upper"):
                hint = ("offset/multiplier transforms are not supported" if bound.name in ("offset", "multiplier")
                        else did_you_mean(bound.name, ["lower", "upper"]) or "bounds are `lower=` and `upper=`")
                raise ModelTypeError(f"unknown bound '{bound.name}'", bound.span, expected="lower= or upper=",
                                     hint=hint)
            if bound.name in values:
                raise ModelTypeError(f"'{bound.name}' is given twice", bound.span)
            if where.startswith("local"):
                raise ModelTypeError(f"bounds on a {where} (inside a loop or a branch) are not checked", bound.span,
                                     hint="declare the bounded quantity at the top level, or check it with "
                                          "a top-level quantity")
            value = self.check_value(bound.value)
            if where == "data":
                self._require_data_only(value, bound.value.span, "a bound on data")
            elif self.stage_of(value) == "gen":
                raise ModelStructureError("a bound cannot depend on a generated quantity", bound.value.span)
            if not self.fits_into(dims, value.type.shape, "the declared shape", f"the {bound.name} bound",
                                  bound.value.span):
                raise ModelTypeError(f"the {bound.name} bound of shape {shape_str(value.type.shape)} does not fit "
                                     f"the declared shape {shape_str(dims)}", bound.value.span)
            values[bound.name] = value
        return _finite_bounds(values, t)


def _finite_bounds(values: dict, t: ast.TypeExpr) -> ir.Bounds:
    """Constant bounds: an infinite one is no bound (as in Stan: `upper=1e309` is `upper=inf`);
    NaN, or an interval with no values, is an error here rather than NaN at every draw."""
    if not values:
        return ir.Bounds()
    constants = {name: _constant_value(value) for name, value in values.items()}
    span = t.bounds[0].span
    for name, constant in constants.items():
        if constant is not None and math.isnan(constant):
            raise ModelTypeError(f"the {name} bound is not a number", span)
    lower, upper = constants.get("lower"), constants.get("upper")
    if (lower == math.inf or upper == -math.inf
            or lower is not None and upper is not None and lower >= upper):
        shown = ", ".join(f"{name}={constants[name]:g}" for name in ("lower", "upper")
                          if constants.get(name) is not None)
        raise ModelTypeError(f"the bounds leave no values ({shown})", span,
                             hint="the lower bound must be below the upper bound")
    if lower == -math.inf:
        values.pop("lower")
    if upper == math.inf:
        values.pop("upper")
    return ir.Bounds(values.get("lower"), values.get("upper"))


def _defined_name(statement):
    if isinstance(statement, ast.Assign):
        target = statement.target
        return target.id if isinstance(target, ast.Name) else getattr(target.value, "id", None)
    return None


def _bounds_constraint(bounds: ir.Bounds):
    if bounds.lower is not None and bounds.upper is not None:
        return C.INTERVAL
    if bounds.lower is not None:
        return C.LOWER
    if bounds.upper is not None:
        return C.UPPER
    return C.REAL


def _constant_value(expr):
    from codegen.check_exprs import constant_number

    return None if expr is None else constant_number(expr)


def _fills(statement):
    """The arrays a top-level statement fills (through its loops and branches)."""
    for s in ir.walk_statements([statement]):
        if isinstance(s, ir.IndexAssign):
            yield s.name
        elif isinstance(s, ir.SampleStatement) and isinstance(s.value, ir.IndexOp) \
                and isinstance(s.value.value, ir.Variable):
            yield s.value.value.name


def _item_exprs(items):
    for item in items:
        if isinstance(item, ir.ScalarIndex):
            yield item.index
        elif isinstance(item, ir.GatherIndex):
            yield item.indices
        else:
            yield from (p for p in (item.start, item.stop, item.step) if p is not None)


def _top_level_definitions(statements):
    for s in statements:
        if isinstance(s, (ast.DataDecl, ast.ParamDecl, ast.ArrayDecl)):
            yield s.name, s.span
        elif isinstance(s, ast.Assign) and isinstance(s.target, ast.Name):
            yield s.target.id, s.span
        elif isinstance(s, ast.Sample) and s.gen and isinstance(s.value, ast.Name):
            yield s.value.id, s.span


def expr_text_ast(s) -> str:
    from codegen.unparse import statement_text
    return statement_text(s)

