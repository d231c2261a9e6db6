"""User functions: `def NAME(ARGS) -> TYPE:` checked once, and inlined at every call.

Part of the checker (codegen/check.py assembles it).  A call is not an IR node: the checker
expands it where it stands, so that every later stage (dataflow, derivation, emission) sees
the plain statements it already knows and differentiates them by the same reverse-mode rules
as the rest of the model (there is no second derivation path):

* each argument that is not a name or a literal is assigned to a fresh local, `_f_l12_x` for
  argument `x` of `f` called on line 12 (`_f_l12b_x` for the second call on that line);
* the body's statements follow, each local renamed the same way (`_f_l12_total`), the
  arguments and the signature's sizes replaced by the caller's values;
* the call itself becomes the returned expression.  A body that ends in an `if`/`else` chain
  whose every branch returns fills a one-element array, `_f_l12_value[0] = ...`, in each
  branch, and the call reads `_f_l12_value[0]`.

These statements go just before the statement that makes the call (inside the same loop or
branch), with its stage: transformed data when the arguments are data, a deterministic (not
saved: the names start with `_`) when they depend on params, `gen` in a `gen` statement.

Signatures.  An argument is `real` or `int`, scalar or with sizes: `x: real[N]`,
`A: real[N, K]`, `y: real[3]`.  A size is an integer literal, an `int` argument of the same
function, or a *size name* (`N`) that is not an argument: it is bound at each call to the size
of the first argument that has it, every other use of it must match, and the body may read it
as an int (`for i in range(N)`).  The return type follows the same rules.  Each call checks
every argument's type and shape against its parameter, naming the parameter.

Functions see only their arguments (as in Stan): a model name read in the body is an error.
A body may assign names, declare arrays and fill them in loops, update `local`s (in `for` and
`while` loops too: codegen/check_locals.py reads an argument's stage from its value at the
call), use `if` and `while` on values that are data at the call, and call functions defined
above it; it may not contain `~`, `target +=`,
`param`, `data`, `gen` or another `def`.  There is no recursion.  `return` ends the body, or
ends every branch of a final `if`/`elif`/`else` chain; an earlier return is not supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace

from codegen import ast, ir
from codegen.check_exprs import Scope, describe_type
from codegen.check_ode import ODE_SOLVERS
from codegen.ir_print import expr_text
from codegen.shapes import Dim, shape_str
from ppl.catalogue.builtins import BUILTINS
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.kernels import KERNELS
from ppl.errors import (ModelError, ModelNameError, ModelNotSupportedError, ModelStructureError,
                        ModelTypeError, did_you_mean)

ARGUMENT_TYPES = ("real", "int")


@dataclass
class _Function:
    """A checked definition and what its calls need."""
    definition: ast.FuncDef
    size_names: tuple[str, ...]       # free sizes of the signature, in order of appearance
    locals: frozenset[str]            # names the body defines (renamed at each call)
    checked: ir.FunctionDefinition


@dataclass
class _Frame:
    """One statement being checked: where the statements of the calls it makes go."""
    statement: object
    top_level: bool
    inlined: list = field(default_factory=list)

    @property
    def gen(self) -> bool:
        return bool(getattr(self.statement, "gen", False))


@dataclass(frozen=True)
class _Unreadable:
    """A size name whose value the caller's size cannot give as an int expression."""
    size: Dim
    argument: str


class FunctionChecker:
    """Mixin for the checker: needs self.scope, check_value, dim_of, sizes_equal, assigned,
    _block, unknown_name and the size-check state (size_checks, guards, bindable)."""

    def start_functions(self, program: ast.Program):
        self.functions: dict[str, _Function] = {}
        self.later_functions = {s.name: s.span for s in program.statements if isinstance(s, ast.FuncDef)}
        self.frames: list[_Frame] = []
        self.substitutions: list[dict] = []     # per inlined body: argument / size name → caller's value
        self.defining: ast.FuncDef | None = None
        self.model_names: tuple = ()            # (scope, later definitions) outside the def being checked
        self.calls_per_line: dict[tuple[str, int], int] = {}

    def function_definitions(self) -> tuple:
        return tuple(f.checked for f in self.functions.values())

    # ---- statements: where the inlined bodies go --------------------------------------

    def with_inlined_calls(self, statement, top_level, check):
        """check(statement, top_level), and the statements the calls in it inline (to go before it)."""
        frame = _Frame(statement, top_level)
        self.frames.append(frame)
        try:
            checked = check(statement, top_level)
        finally:
            self.frames.pop()
        return frame.inlined, checked

    @staticmethod
    def as_real(expr):
        return _as_real(expr)

    def require_not_function(self, name, span):
        if name in self.functions or (self.defining is not None and name == self.defining.name):
            raise ModelNameError(f"'{name}' is already defined as a function", span,
                                 hint="a name is a function or a value, not both: choose a new name")

    # ---- definitions ----------------------------------------------------------------------

    def define_function(self, s: ast.FuncDef, top_level: bool):
        if not top_level or self.defining is not None:
            raise ModelStructureError("a `def` must be at the top level, not inside a block or a function",
                                      s.span, hint="move the function above the model's statements")
        self.later_functions.pop(s.name, None)
        self._check_function_name(s)
        size_names = self._check_signature(s)
        _check_body_shape(s, {p.name for p in s.params} | set(size_names))
        parameter_types = {}
        outer = (self.scope, self.later_definitions, self.size_checks, self.guards, self.bindable)
        self.model_names = (self.scope, dict(self.later_definitions))
        self.scope, self.later_definitions = Scope(), {}
        self.size_checks, self.guards, self.bindable = [], [], set()
        self.defining = s
        try:
            for name in size_names:
                self.scope.bindings[name] = _argument_binding(name, ir.INT, s.span)
            for p in s.params:
                dims = tuple(_signature_dim(d) for d in p.type.dims)
                parameter_types[p.name] = ir.Type(p.type.name, dims)
                self.scope.bindings[p.name] = _argument_binding(p.name, parameter_types[p.name], p.span)
            self.frames.append(_Frame(s, False))
            try:
                body, result = self._expand(s, _locals_of(s.body), {}, lambda name: name, f"_{s.name}_value")
            finally:
                self.frames.pop()
            return_type = ir.Type(s.return_type.name, tuple(_signature_dim(d) for d in s.return_type.dims))
            self._check_result(s, result, return_type)
        finally:
            self.scope, self.later_definitions, self.size_checks, self.guards, self.bindable = outer
            self.defining = None
        definition = ir.FunctionDefinition(s.name, tuple(parameter_types.items()), size_names, return_type,
                                           tuple(body), result, s.span)
        self.functions[s.name] = _Function(s, size_names, _locals_of(s.body), definition)

    def _check_function_name(self, s):
        name = s.name
        taken = ("a built-in function" if name in BUILTINS else "a distribution" if name in DISTRIBUTIONS
                 else "a kernel" if name in KERNELS else "an ODE solver" if name in ODE_SOLVERS else None)
        if taken:
            raise ModelNameError(f"'{name}' is {taken}; a function cannot take its name", s.span,
                                 hint=f"name the function differently, e.g. `my_{name}`")
        if name in self.functions:
            raise ModelNameError(f"the function '{name}' is already defined", s.span,
                                 hint=f"it was defined on line {self.functions[name].definition.span.line}; "
                                      "each name is defined once")
        existing = self.scope.lookup(name)
        if existing is not None:
            raise ModelNameError(f"'{name}' is already defined", s.span,
                                 hint=f"it was defined on line {existing.span.line}; choose another name "
                                      "for the function")

    def _check_signature(self, s) -> tuple[str, ...]:
        """The signature's size names; errors for argument types a function cannot take."""
        seen, int_arguments = set(), {p.name for p in s.params if p.type.name == "int" and not p.type.dims}
        size_names: list[str] = []
        for p in s.params:
            if p.name in seen:
                raise ModelNameError(f"the argument '{p.name}' is given twice", p.span)
            seen.add(p.name)
        for what, type_ in [(f"argument '{p.name}'", p.type) for p in s.params] + [("the return type",
                                                                                   s.return_type)]:
            if type_.name not in ARGUMENT_TYPES:
                raise ModelTypeError(f"{what} of a function is `real` or `int` (with sizes), not '{type_.name}'",
                                     type_.span, hint="declare it `real[N]` and constrain values in the model")
            if type_.bounds:
                raise ModelTypeError(f"bounds on {what} of a function are not supported", type_.bounds[0].span,
                                     hint="remove `<...>`; a function's values are checked where they are used")
            for dim in type_.dims:
                if isinstance(dim, ast.IntLiteral):
                    continue
                if not isinstance(dim, ast.Name):
                    raise ModelTypeError("a size in a function's signature is a name or an integer", dim.span,
                                         hint="write `x: real[N]` (N is then bound at each call) or pass the "
                                              "size as an `int` argument")
                if dim.id in seen and dim.id not in int_arguments:
                    raise ModelTypeError(f"the size '{dim.id}' is an argument that is not an int scalar", dim.span)
                if dim.id not in seen and dim.id not in size_names:
                    if what == "the return type":
                        raise ModelTypeError(f"the return size '{dim.id}' is not a size of an argument", dim.span,
                                             hint="a return size is an integer, an int argument or a size name "
                                                  "of the arguments' types")
                    size_names.append(dim.id)
        return tuple(size_names)

    def _check_result(self, s, result, return_type):
        declared = s.return_type
        what = f"the value returned by '{s.name}'"
        if return_type.dtype == "int" and result.type.dtype == "real":
            raise ModelTypeError(f"{what} is real, but the function is declared to return int", result.span,
                                 hint=f"declare `-> real{_dims_text(declared)}`")
        if len(result.type.shape) != len(return_type.shape):
            raise ModelTypeError(f"{what} has shape {shape_str(result.type.shape)}, but the function is "
                                 f"declared to return {_declared_text(declared)}", result.span,
                                 expected=shape_str(return_type.shape), found=shape_str(result.type.shape))
        for axis, (want, got) in enumerate(zip(return_type.shape, result.type.shape)):
            if not self.sizes_equal(want, got, f"axis {axis} of the return type", f"axis {axis} of {what}",
                                    result.span):
                raise ModelTypeError(f"{what} has shape {shape_str(result.type.shape)}, but the function is "
                                     f"declared to return {_declared_text(declared)}", result.span,
                                     expected=shape_str(return_type.shape), found=shape_str(result.type.shape))

    # ---- calls ------------------------------------------------------------------------------

    def _expr_Call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            if self.defining is not None and func.id == self.defining.name:
                raise ModelStructureError(f"'{func.id}' calls itself: recursion is not supported", func.span,
                                          hint="write the repetition as a loop")
            if func.id in self.functions:
                return self._call(node, self.functions[func.id])
            if func.id in self.later_functions and self.scope.lookup(func.id) is None:
                raise ModelNameError(f"the function '{func.id}' is used before it is defined", func.span,
                                     hint=f"it is defined on line {self.later_functions[func.id].line}; "
                                          "move the `def` above this line")
        return super()._expr_Call(node)

    def _unknown_callable(self, name, span):
        error = super()._unknown_callable(name, span)
        close = did_you_mean(name, list(self.functions))
        if close and isinstance(error, ModelNameError):
            error.hint = close
        return error

    def _call(self, node: ast.Call, function: _Function):
        frame = self.frames[-1]
        if isinstance(frame.statement, (ast.DataDecl, ast.ParamDecl)):
            raise ModelNotSupportedError(
                f"a call of the function '{function.definition.name}' in a declaration is not supported yet",
                node.span, hint="compute the value as transformed data above the declaration, and use its name")
        definition = function.definition
        arguments = self._function_arguments(node, definition)
        prefix = self._call_prefix(definition.name, node.span.line, function.locals)
        substitutions = self._substitutions(node, definition, arguments, prefix, frame)
        try:
            body, result = self._expand(definition, function.locals, substitutions,
                                        lambda name: f"{prefix}_{name}", f"{prefix}_value", frame)
        except ModelError as error:
            raise _in_call(error, definition.name, node)
        frame.inlined.extend(body)
        if function.checked.return_type.dtype == "real" and result.type.dtype != "real":
            result = _as_real(result)
        return replace(result, span=node.span)

    def _function_arguments(self, node, definition) -> dict:
        """Parameter name → (checked value, its AST node): positional first, then keywords."""
        params = [p.name for p in definition.params]
        signature = f"{definition.name}({', '.join(params)})"
        if len(node.args) > len(params):
            raise ModelTypeError(f"{signature} takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                                 f"but {len(node.args)} are given", node.args[len(params)].span,
                                 expected=signature)
        given = dict(zip(params, node.args))
        for keyword in node.keywords:
            if keyword.name not in params:
                raise ModelTypeError(f"'{definition.name}' has no argument '{keyword.name}'", keyword.span,
                                     expected=signature, hint=did_you_mean(keyword.name, params))
            if keyword.name in given:
                raise ModelTypeError(f"the argument '{keyword.name}' of '{definition.name}' is given twice",
                                     keyword.span, expected=signature)
            given[keyword.name] = keyword.value
        missing = [p for p in params if p not in given]
        if missing:
            raise ModelTypeError(f"the call of '{definition.name}' is missing the argument '{missing[0]}'",
                                 node.span, expected=signature)
        return {p: (self.check_value(given[p]), given[p]) for p in params}

    def _call_prefix(self, name, line, locals_) -> str:
        """`_f_l12` for the first call of f on line 12, then `_f_l12b`, `_f_l12c`, ... (never a name
        already defined)."""
        while True:
            count = self.calls_per_line.get((name, line), 0)
            self.calls_per_line[(name, line)] = count + 1
            prefix = f"_{name}_l{line}{_letters(count)}"
            taken = [n for n in list(locals_) + [p.name for p in self.functions[name].definition.params] + ["value"]
                     if self.scope.lookup(f"{prefix}_{n}") is not None or f"{prefix}_{n}" in self.later_definitions]
            if not taken:
                return prefix

    def _substitutions(self, node, definition, arguments, prefix, frame) -> dict:
        """What each argument and size name stands for in the body, checking each argument
        against its parameter; arguments that are not names or literals go to fresh locals."""
        sizes: dict[str, tuple[Dim, str]] = {}   # size name → (the caller's size, what set it)
        int_values: dict[str, Dim] = {}
        for p in definition.params:
            value, _ = arguments[p.name]
            if p.type.name == "int" and not p.type.dims and value.type.dtype in ("int", "bool") \
                    and not value.type.shape:
                int_values[p.name] = self.dim_of(value)
        substitutions = {}
        for p in definition.params:
            value, argument_node = arguments[p.name]
            self._check_function_argument(definition, p, value, argument_node, sizes, int_values)
            if p.type.name == "real" and value.type.dtype != "real":
                value = _as_real(value)
            if not _is_atom(value):
                local = f"{prefix}_{p.name}"
                assignment = ast.Assign(ast.Name(local, argument_node.span), argument_node, frame.gen,
                                        argument_node.span)
                statement = self.assigned(local, value, assignment, frame.top_level, argument_node.span)
                frame.inlined.append(statement)
                value = ir.Variable(statement.name, statement.role, value.type, argument_node.span)
            substitutions[p.name] = value
        for name, (dim, set_by) in sizes.items():
            substitutions[name] = self._size_value(dim, node.span) or _Unreadable(dim, set_by)
        return substitutions

    def _check_function_argument(self, definition, p, value, argument_node, sizes, int_values):
        declared = p.type
        wanted = _declared_text(declared)
        where = f"the argument '{p.name}' of '{definition.name}'"
        if declared.name == "int" and value.type.dtype == "real":
            raise ModelTypeError(f"{where} is declared int, but the value is real", argument_node.span,
                                 expected=f"{p.name}: {wanted}", found=f"{expr_text(value)}: {describe_type(value.type)}")
        if value.type.dtype not in ("real", "int", "bool"):
            raise ModelTypeError(f"{where} must be a number", argument_node.span, expected=f"{p.name}: {wanted}")
        shape = value.type.shape
        if len(shape) != len(declared.dims):
            rank = len(declared.dims)
            raise ModelTypeError(f"{where} is declared {wanted} ({rank} ax{'i' if rank == 1 else 'e'}s), but the value "
                                 f"is {describe_type(value.type)}", argument_node.span,
                                 expected=f"{p.name}: {wanted}", found=f"{expr_text(value)}: {describe_type(value.type)}")
        for axis, (dim_node, got) in enumerate(zip(declared.dims, shape)):
            if isinstance(dim_node, ast.IntLiteral):
                want, set_by = Dim.constant(dim_node.value), "the signature"
            elif dim_node.id in int_values:
                want, set_by = int_values[dim_node.id], f"the argument '{dim_node.id}'"
            elif dim_node.id in sizes:
                want, set_by = sizes[dim_node.id]
            else:
                sizes[dim_node.id] = (got, f"'{p.name}'")
                continue
            what = f"axis {axis} of '{p.name}'" if len(shape) > 1 else f"'{p.name}'"
            if not self.sizes_equal(want, got, f"{_size_label(dim_node)} (set by {set_by})",
                                    f"{what} in the call of '{definition.name}'", argument_node.span):
                binding = "" if isinstance(dim_node, ast.IntLiteral) else f" with {dim_node.id} = {want} (set by {set_by})"
                raise ModelTypeError(
                    f"{where} has shape {shape_str(shape)}, which does not fit {p.name}: {wanted}{binding}",
                    argument_node.span,
                    expected=f"{p.name}: {wanted}", found=f"{expr_text(value)}: {describe_type(value.type)}")

    def _size_value(self, dim: Dim, span) -> ir.Expr | None:
        """An int expression of the caller's names with the value of a size, or None."""
        total = None
        for monomial, coefficient in sorted(dim.terms):
            factors = [ir.Constant(abs(coefficient), ir.INT, span)] if abs(coefficient) != 1 or not monomial else []
            for symbol in monomial:
                factor = self._symbol_value(symbol, dim, span)
                if factor is None:
                    return None
                factors.append(factor)
            term = factors[0]
            for factor in factors[1:]:
                term = ir.BinaryOp("*", term, factor, ir.INT, span)
            if total is None:
                total = ir.UnaryOp("-", term, ir.INT, span) if coefficient < 0 else term
            else:
                total = ir.BinaryOp("-" if coefficient < 0 else "+", total, term, ir.INT, span)
        return total if total is not None else ir.Constant(0, ir.INT, span)

    def _symbol_value(self, symbol, dim, span):
        if symbol.isidentifier():
            binding = self.scope.lookup(symbol)
            if binding is None or binding.type != ir.INT:
                return None
            return ir.Variable(symbol, binding.role, ir.INT, span)
        definition = dim.opaque_terms.get(symbol)
        if isinstance(definition, (ir.Variable, ir.BinaryOp, ir.UnaryOp, ir.Call, ir.IndexOp, ir.Constant)) \
                and definition.type == ir.INT:
            return definition
        return None

    # ---- the body ------------------------------------------------------------------------------

    def _expand(self, definition, locals_, substitutions, rename, value_name, frame=None):
        """The body's statements (checked, locals renamed) and the returned value, in the
        caller's terms."""
        frame = frame or self.frames[-1]
        mapping = {name: rename(name) for name in locals_}
        reassignable = frozenset(mapping[s.name] for s in _walk(definition.body) if isinstance(s, ast.LocalDecl))
        body = tuple(_renamed(s, mapping, frame.gen, reassignable) for s in definition.body)
        *statements, last = body
        self.substitutions.append(substitutions)
        try:
            if isinstance(last, ast.Return):
                checked = self._block(statements, top_level=frame.top_level)
                inlined_before = len(frame.inlined)
                result = self.check_value(last.value)
                # calls inside the returned expression inlined their bodies into the frame: keep order
                frame_statements = checked + frame.inlined[inlined_before:]
                del frame.inlined[inlined_before:]
                return frame_statements, result
            value_dims = (ast.IntLiteral(1, last.span),) + definition.return_type.dims
            declaration = ast.ArrayDecl(value_name, replace(definition.return_type, dims=value_dims), frame.gen,
                                        last.span, last.span)
            fills = _returns_to_fills(last, value_name, frame.gen)
            checked = self._block(list(statements) + [declaration, fills], top_level=frame.top_level)
            result = self.check_value(ast.Index(ast.Name(value_name, last.span), (ast.IntLiteral(0, last.span),),
                                                last.span))
            return checked, result
        finally:
            self.substitutions.pop()

    def _expr_Name(self, node: ast.Name):
        if self.substitutions and node.id in self.substitutions[-1]:
            value = self.substitutions[-1][node.id]
            if isinstance(value, _Unreadable):
                raise ModelNotSupportedError(
                    f"the size '{node.id}' (set by {value.argument}, of size {value.size}) cannot be read as a "
                    "value here", node.span, hint=f"pass the size as an `int` argument of the function")
            return replace(value, span=node.span)
        return super()._expr_Name(node)

    def unknown_name(self, name, span):
        if name in self.functions:
            return ModelTypeError(f"'{name}' is a function; call it with its arguments", span,
                                  hint=f"write `{name}(...)`")
        if self.defining is not None:
            scope, later = self.model_names
            if scope.lookup(name) is not None or name in later:
                return ModelNameError(
                    f"the function '{self.defining.name}' reads '{name}', which is not one of its arguments", span,
                    hint=f"a function sees only its arguments (as in Stan): add `{name}: TYPE` to its arguments "
                         "and pass it at each call")
        return super().unknown_name(name, span)

    def sizes_equal(self, left, right, left_what, right_what, span):
        if self.defining is not None:   # checked once on its own: sizes differ only when they always do
            return not left.provably_different(right)
        return super().sizes_equal(left, right, left_what, right_what, span)


# ---- the shape of a body ------------------------------------------------------------------------

def _check_body_shape(s: ast.FuncDef, arguments: set):
    """Refuse what a function cannot hold, and require a return at the end of every path."""
    for statement in _walk(s.body):
        target = statement.target if isinstance(statement, ast.Assign) else None
        target = target.value if isinstance(target, ast.Index) else target
        if isinstance(target, ast.Name) and target.id in arguments:
            raise ModelStructureError(f"cannot assign to the argument '{target.id}' of '{s.name}'", target.span,
                                      hint=f"assign a new name, e.g. `{target.id}_2 = ...`")
        what = _refused(statement)
        if what is not None:
            raise ModelStructureError(f"{what} cannot be inside a function", statement.span,
                                      hint="a function computes a value from its arguments; write "
                                           "`~` and `target +=` in the model, with the function's value")
    *_, last = s.body
    _require_return(last, s)
    for statement in s.body[:-1]:
        for inner in _walk((statement,)):
            if isinstance(inner, ast.Return):
                raise ModelNotSupportedError("a `return` before the end of a function is not supported",
                                             inner.span,
                                             hint="compute the value in an `if`/`else` chain and return "
                                                  "at the end of every branch, or once at the end")


def _require_return(statement, s):
    if isinstance(statement, ast.Return):
        return
    if isinstance(statement, ast.If):
        if not statement.orelse:
            raise ModelStructureError(f"the function '{s.name}' may end without returning a value",
                                      statement.span, hint="add an `else:` branch that returns")
        for branch in (statement.body, statement.orelse):
            for inner in branch[:-1]:
                for nested in _walk((inner,)):
                    if isinstance(nested, ast.Return):
                        raise ModelNotSupportedError(
                            "a `return` before the end of a branch is not supported", nested.span,
                            hint="return once, at the end of each branch")
            _require_return(branch[-1], s)
        return
    raise ModelStructureError(f"the function '{s.name}' does not end with `return`", statement.span,
                              hint=f"end the body with `return VALUE` (of type {_declared_text(s.return_type)})")


def _refused(statement) -> str | None:
    if isinstance(statement, ast.Sample):
        return "a `gen ... ~` draw" if statement.gen else "a `~` statement"
    if isinstance(statement, ast.TargetIncrement):
        return "`target +=`"
    if isinstance(statement, ast.ParamDecl):
        return "a `param` declaration"
    if isinstance(statement, ast.DataDecl):
        return "a `data` declaration"
    if isinstance(statement, ast.FuncDef):
        return "a `def`"
    if isinstance(statement, (ast.Assign, ast.ArrayDecl)) and statement.gen:
        return "a `gen` statement"
    return None


def _walk(statements):
    """Every statement, blocks' bodies included."""
    for statement in statements:
        yield statement
        if isinstance(statement, (ast.For, ast.While)):
            yield from _walk(statement.body)
        elif isinstance(statement, ast.If):
            yield from _walk(statement.body + statement.orelse)


def _locals_of(body) -> frozenset:
    names = set()
    for statement in _walk(body):
        if isinstance(statement, ast.Assign) and isinstance(statement.target, ast.Name):
            names.add(statement.target.id)
        elif isinstance(statement, (ast.ArrayDecl, ast.LocalDecl)):
            names.add(statement.name)
        elif isinstance(statement, ast.For):
            names.add(statement.var)
    return frozenset(names)


def _returns_to_fills(statement, value_name, gen):
    """The final `if` chain with each `return VALUE` made `value_name[0] = VALUE`."""
    if isinstance(statement, ast.Return):
        target = ast.Index(ast.Name(value_name, statement.span), (ast.IntLiteral(0, statement.span),),
                           statement.span)
        return ast.Assign(target, statement.value, gen, statement.span)
    return replace(statement,
                   body=statement.body[:-1] + (_returns_to_fills(statement.body[-1], value_name, gen),),
                   orelse=statement.orelse[:-1] + (_returns_to_fills(statement.orelse[-1], value_name, gen),))


def _renamed(node, mapping, gen, reassignable=frozenset()):
    """An AST node with the body's locals renamed (calls' function names and keywords kept), and
    with `gen` set on its statements when the call is made in a `gen` statement, except on
    assignments to `local`s (already renamed: ``reassignable``), which take the stage of what
    they read, as a `local` outside a function does."""
    if isinstance(node, tuple):
        return tuple(_renamed(item, mapping, gen, reassignable) for item in node)
    if not is_dataclass(node):
        return node
    if isinstance(node, ast.Name):
        return replace(node, id=mapping.get(node.id, node.id))
    changes = {}
    for f in fields(node):
        if f.name == "span" or f.name == "name_span":
            continue
        value = getattr(node, f.name)
        if isinstance(node, ast.Call) and f.name == "func" and isinstance(value, ast.Name):
            continue
        if f.name in ("name", "var") and isinstance(value, str) and isinstance(node, (ast.ArrayDecl, ast.LocalDecl,
                                                                                         ast.For)):
            changes[f.name] = mapping.get(value, value)
        elif f.name == "gen" and gen:
            changes[f.name] = True
        elif isinstance(value, tuple) or is_dataclass(value):
            changes[f.name] = _renamed(value, mapping, gen, reassignable)
    renamed = replace(node, **changes)
    if isinstance(renamed, ast.Assign):
        target = renamed.target.value if isinstance(renamed.target, ast.Index) else renamed.target
        if isinstance(target, ast.Name) and target.id in reassignable:
            return replace(renamed, gen=node.gen)
    return renamed


# ---- small helpers --------------------------------------------------------------------------------

def _argument_binding(name, type_, span):
    from codegen.check_exprs import Binding

    return Binding(name, ir.Role.LOCAL, type_, "data", span)


def _signature_dim(node) -> Dim:
    return Dim.constant(node.value) if isinstance(node, ast.IntLiteral) else Dim.name(node.id)


def _size_label(node) -> str:
    return str(node.value) if isinstance(node, ast.IntLiteral) else node.id


def _dims_text(t: ast.TypeExpr) -> str:
    from codegen.unparse import type_text

    text = type_text(t)
    return text[len(t.name):]


def _declared_text(t: ast.TypeExpr) -> str:
    from codegen.unparse import type_text

    return type_text(t)


def _is_atom(expr) -> bool:
    return isinstance(expr, (ir.Variable, ir.Constant)) or (
        isinstance(expr, ir.UnaryOp) and expr.op == "-" and isinstance(expr.operand, ir.Constant))


def _as_real(expr):
    """An int or bool value where a real is declared: multiplied by 1.0, as NumPy would promote it."""
    if isinstance(expr, ir.Constant):
        return ir.Constant(float(expr.value), ir.Type("real", expr.type.shape), expr.span)
    return ir.BinaryOp("*", expr, ir.Constant(1.0, ir.REAL, expr.span), ir.Type("real", expr.type.shape), expr.span)


def _letters(count: int) -> str:
    """'' for the first, then 'b', 'c', ... 'z', then 'z27', ..."""
    if count == 0:
        return ""
    return chr(ord("a") + count) if count < 26 else f"z{count + 1}"


def _in_call(error: ModelError, name: str, node: ast.Call) -> ModelError:
    """The error, with where the function was called from."""
    where = f"in the call of '{name}' on line {node.span.line}"
    if node.span.line != getattr(error.span, "line", None) and where not in (error.hint or ""):
        error.hint = f"{error.hint} ({where})" if error.hint else where
    return error
