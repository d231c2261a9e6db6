"""ODE solves: `z = ode_rk45(f, y0, t0, ts, a1, a2, ..., rtol=, atol=, max_steps=)` and `ode_bdf(...)`.

Part of the checker (codegen/check.py mixes it in before the user functions).  A solve is an
`ir.OdeSolve` expression; unlike a call of `f`, it is not inlined: the emitter writes f's body
as the right-hand side and Jacobian functions the solver calls (codegen/emit_ode.py).  The rules,
each a located error:

* `f` is the name of a user function defined above, `def f(t: real, y: real[n], a1: ..., ...)
  -> real[n]`: a real time, a state vector, and a state derivative of the state's size;
* `y0` is a vector that fits `y: real[n]`; the extra arguments fit f's remaining parameters, as at
  any call of f (names, shapes, int vs real);
* `t0`, `ts` (a vector), `rtol`, `atol` (reals) and `max_steps` (an int) depend on data only (as in
  Stan: the gradient is taken with respect to y0 and the arguments, not the times);
* the solve is the whole value of a top-level assignment (`z = ode_rk45(...)`, `gen z = ...`):
  the emitter gives each call site its own functions, named after it.

The result is real[len(ts), n].  What depends on params among y0 and the arguments is marked
`packed` (the sensitivities are taken with respect to it); the rest is data to the solver.
"""

from __future__ import annotations

from codegen import ast, ir
from codegen.check_exprs import describe_type
from codegen.ir_print import expr_text
from codegen.shapes import Dim
from ppl.errors import ModelNameError, ModelNotSupportedError, ModelTypeError, did_you_mean

# the language's name → the IR's method (ode_bdf is stiff: the SDIRK solver, ppl/runtime/ode_sdirk.py)
ODE_SOLVERS = {"ode_rk45": "rk45", "ode_bdf": "bdf"}
# Stan's defaults for its ode_rk45 / ode_bdf
DEFAULT_SETTINGS = {"rtol": 1e-6, "atol": 1e-6, "max_steps": 1_000_000}


class OdeChecker:
    """Mixin for the checker: needs FunctionChecker (self.functions, frames, _check_function_argument)
    and the expression checker (check_value, stage_of)."""

    def _expr_Call(self, node: ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in ODE_SOLVERS and node.func.id not in self.functions:
            return self._ode_solve(node, node.func.id)
        return super()._expr_Call(node)

    def _ode_solve(self, node: ast.Call, solver: str):
        usage = f"{solver}(f, y0, t0, ts, *arguments of f, rtol=, atol=, max_steps=)"
        frame = self.frames[-1] if self.frames else None
        statement = frame.statement if frame is not None else None
        if not (frame is not None and frame.top_level and isinstance(statement, ast.Assign)
                and statement.value is node and isinstance(statement.target, ast.Name)
                and self.defining is None):
            raise ModelNotSupportedError(
                f"`{solver}` is supported only as the whole value of a top-level assignment", node.span,
                expected=f"z = {usage}",
                hint="assign the solution to a name at the top level of the model, then use the name")
        if len(node.args) < 4:
            missing = ("f", "y0", "t0", "ts")[len(node.args)]
            raise ModelTypeError(f"`{solver}` is missing its argument '{missing}'", node.span, expected=usage)
        function = self._ode_function(node.args[0], solver)
        definition = function.definition
        params = definition.params
        extra = params[2:]
        given = node.args[4:]
        if len(given) != len(extra):
            names = ", ".join(p.name for p in extra) or "none"
            where = given[len(extra)].span if len(given) > len(extra) else node.span
            raise ModelTypeError(f"'{definition.name}' takes {len(extra)} argument{'s' if len(extra) != 1 else ''} "
                                 f"after t and y ({names}), but {len(given)} are given to `{solver}`", where,
                                 expected=f"{solver}({definition.name}, y0, t0, ts"
                                          + "".join(f", {p.name}" for p in extra) + ", ...)")
        settings = self._ode_settings(node, solver, usage)

        initial_time = self._ode_data(node.args[2], "t0", solver, ir.REAL, rank=0)
        times = self._ode_data(node.args[3], "ts", solver, ir.REAL, rank=1)
        initial_state = self.check_value(node.args[1])
        if initial_state.type.dtype not in ("real", "int") or initial_state.type.rank != 1:
            raise ModelTypeError(f"the initial state y0 of `{solver}` must be a vector", node.args[1].span,
                                 expected=f"y0: real[n], as '{params[1].name}' of '{definition.name}'",
                                 found=f"{expr_text(initial_state)}: {describe_type(initial_state.type)}")
        sizes, int_values = {}, {}
        arguments = []
        for p, argument_node, value in [(params[1], node.args[1], initial_state)] + [
                (p, a, self.check_value(a)) for p, a in zip(extra, given)]:
            self._check_function_argument(definition, p, value, argument_node, sizes, int_values)
            if p.type.name == "int" and not p.type.dims and value.type.dtype in ("int", "bool") \
                    and not value.type.shape:
                int_values[p.name] = self.dim_of(value)
            if p.type.name == "real" and value.type.dtype != "real":
                value = self.as_real(value)
            arguments.append(value)
        initial_state, *arguments = arguments
        packed = tuple(self.stage_of(a) != "data" for a in arguments)
        result_type = ir.Type("real", (times.type.shape[0], initial_state.type.shape[0]))
        return ir.OdeSolve(ODE_SOLVERS[solver], definition.name, initial_state, initial_time, times, tuple(arguments),
                           packed, settings["rtol"], settings["atol"], settings["max_steps"], result_type, node.span)

    def _ode_function(self, node, solver):
        """The user function named by the first argument, with the signature of a right-hand side."""
        if not isinstance(node, ast.Name):
            raise ModelTypeError(f"the first argument of `{solver}` is the name of a user function (`def`)",
                                 node.span, expected="def f(t: real, y: real[n], ...) -> real[n]")
        function = self.functions.get(node.id)
        if function is None:
            if node.id in self.later_functions:
                raise ModelNameError(f"the function '{node.id}' is used before it is defined", node.span,
                                     hint=f"it is defined on line {self.later_functions[node.id].line}; "
                                          "move the `def` above this line")
            raise ModelNameError(f"'{node.id}' is not a user function", node.span,
                                 hint=did_you_mean(node.id, list(self.functions))
                                 or "define the right-hand side with `def f(t: real, y: real[n], ...) -> real[n]:`")
        definition = function.definition
        signature = f"def {definition.name}(t: real, y: real[n], ...) -> real[n]"
        params = definition.params
        if len(params) < 2:
            raise ModelTypeError(f"the right-hand side '{definition.name}' takes the time and the state first",
                                 definition.span, expected=signature)
        time, state = params[0].type, params[1].type
        if time.name != "real" or time.dims:
            raise ModelTypeError(f"the first argument of the right-hand side '{definition.name}' is the time, "
                                 "a real scalar", params[0].span, expected=signature)
        if state.name != "real" or len(state.dims) != 1:
            raise ModelTypeError(f"the second argument of the right-hand side '{definition.name}' is the state, "
                                 "a real vector", params[1].span, expected=signature)
        returned = definition.return_type
        if returned.name != "real" or len(returned.dims) != 1 or _dim(returned.dims[0]) != _dim(state.dims[0]):
            raise ModelTypeError(f"the right-hand side '{definition.name}' must return a real vector of the "
                                 "state's size", returned.span, expected=signature)
        return function

    def _ode_settings(self, node, solver, usage) -> dict:
        given = {}
        for keyword in node.keywords:
            if keyword.name not in DEFAULT_SETTINGS:
                raise ModelTypeError(f"`{solver}` has no setting '{keyword.name}'", keyword.span, expected=usage,
                                     hint=did_you_mean(keyword.name, list(DEFAULT_SETTINGS)))
            if keyword.name in given:
                raise ModelTypeError(f"the setting '{keyword.name}' is given twice", keyword.span)
            want = ir.INT if keyword.name == "max_steps" else ir.REAL
            given[keyword.name] = self._ode_data(keyword.value, keyword.name, solver, want, rank=0)
        settings = {}
        for name, default in DEFAULT_SETTINGS.items():
            settings[name] = given.get(name) or ir.Constant(default, ir.INT if name == "max_steps" else ir.REAL,
                                                            node.span)
        return settings

    def _ode_data(self, node, what, solver, want: ir.Type, rank: int):
        """A data-only argument of the solve (times and settings), of the wanted kind and rank."""
        value = self.check_value(node)
        kind = {0: "scalar", 1: "vector"}[rank]
        if value.type.dtype not in ("real", "int") or value.type.rank != rank or (
                want.dtype == "int" and value.type.dtype != "int"):
            raise ModelTypeError(f"'{what}' of `{solver}` must be {'an' if want.dtype == 'int' else 'a'} "
                                 f"{want.dtype} {kind}", node.span,
                                 found=f"{expr_text(value)}: {describe_type(value.type)}")
        if self.stage_of(value) != "data":
            raise ModelTypeError(f"'{what}' of `{solver}` must depend on data only, but it reads a "
                                 f"{'generated quantity' if self.stage_of(value) == 'gen' else 'param'}", node.span,
                                 hint="the solver's times and settings are data (as in Stan); the gradient is "
                                      "taken with respect to y0 and the arguments of f")
        if want.dtype == "real" and value.type.dtype != "real":
            value = self.as_real(value)
        return value


def _dim(node) -> Dim:
    return Dim.constant(node.value) if isinstance(node, ast.IntLiteral) else Dim.name(node.id)
