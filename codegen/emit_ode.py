"""ODE solves (`ir.OdeSolve`) → generated code: the call site in each model function, and two
module-level functions per call site that the solver calls, named after it (`_z_l12_ode_rhs`,
`_z_l12_ode_jacobian` for `z = ode_rk45(f, ...)` on line 12), with the fixed signatures of
ppl/runtime/ode_system.py:

* the right-hand side unpacks f's arguments and runs f's body (the same lowering as any
  statement of a model), writing f(t, y, ...) into `dydt_out`;
* the Jacobian runs f's body and, for each output i, its adjoint sweep seeded with e_i (the
  reverse-mode rules the rest of the model uses, no second derivation path): the adjoints of y
  are row i of df/dy, those of the packed arguments row i of df/dp.  It repeats the forward
  sweep for each row (n is the few states of a model's ODE).

What f reads is passed per call in three buffers: `p` (the arguments that depend on params,
flattened in order: the sensitivities' columns after y0's), a real and an int buffer (the
arguments of data alone, flattened; the int buffer starts with every argument's shape, so the
functions read sizes from it).  The solver is reached as a function value
(`ode_solvers.rk45()`), never called directly: a direct call would link the solver's code into
the model's module and compile it again for every model (ppl/runtime/ode_solvers.py).

In the log density a failed solve (a status other than OK) makes the density -inf (the proposal
is rejected); elsewhere (transformed data, deterministics(), generate()) it raises
`ValueError(ODE_FAILED, status, time, place, stage)`, which `ppl.errors.data_index_errors` turns
into a located error.  The gradient contracts the solution's adjoint with the sensitivities
(`ode_solvers.add_sensitivity_adjoints`).
"""

from __future__ import annotations

from dataclasses import replace

from codegen import ir
from codegen.emit import Op, Value, indent, lines_of, zeros_like
from codegen.shapes import Dim
from ppl.errors import ODE_FAILED
from ppl.runtime.ode_system import JACOBIAN_SIGNATURE, RHS_SIGNATURE

ODE_IMPORT = "from ppl.runtime import ode_solvers"
SOLVER_FUNCTIONS = {"rk45": "ode_solvers.rk45", "bdf": "ode_solvers.sdirk"}
# the generated functions' arguments (names no model name or temporary can take)
RHS_ARGUMENTS = ("_ode_time", "_ode_state", "_ode_packed", "_ode_reals", "_ode_ints", "_ode_dydt")
JACOBIAN_ARGUMENTS = RHS_ARGUMENTS[:5] + ("_ode_jacobian_state", "_ode_jacobian_packed")


def _kinds(solve: ir.OdeSolve) -> list[str]:
    """Where each argument of f after y travels: "packed", "real" or "int"."""
    return ["packed" if packed else ("int" if argument.type.dtype == "int" else "real")
            for argument, packed in zip(solve.arguments, solve.packed)]


_BUFFERS = {"packed": "_ode_packed", "real": "_ode_reals", "int": "_ode_ints"}


def call_sites(program: ir.Program):
    """(the statement's name prefix, the solve) of every ODE solve, in order."""
    from codegen.emit_statements import statement_prefix

    for statement in program.statements:
        if isinstance(statement, ir.Assign) and isinstance(statement.value, ir.OdeSolve):
            yield statement_prefix(statement), statement.value


class OdeEmitter:
    """Mixin for ModelEmitter: the call site of a solve in one generated function."""

    def _ode_solve(self, solve: ir.OdeSolve, name: str | None) -> Value:
        prefix = self.statement_prefix
        y0 = self.value(solve.initial_state)
        arguments = [self.value(a) for a in solve.arguments]
        t0, ts, rtol, atol, max_steps = (self.value(e).code for e in (
            solve.initial_time, solve.times, solve.relative_tolerance, solve.absolute_tolerance, solve.max_steps))
        kinds = _kinds(solve)
        active = y0.active or any(a.active for a, kind in zip(arguments, kinds) if kind == "packed")
        out = Value(self.names.of(name) if name else self.temporary_name("ode"), solve.type, active)
        lines = [f"{prefix}_y0 = np.empty({y0.code}.shape[0])", f"{prefix}_y0[:] = {y0.code}",
                 f"{prefix}_ts = np.empty({ts}.shape[0])", f"{prefix}_ts[:] = {ts}"]
        header = sum(a.type.rank for a in arguments)
        sizes = {kind: [_size(a) for a, k in zip(arguments, kinds) if k == kind] for kind in _BUFFERS}
        lines += [f"{prefix}_p = np.empty({' + '.join(sizes['packed']) or '0'})",
                  f"{prefix}_reals = np.empty({' + '.join(sizes['real']) or '0'})",
                  f"{prefix}_ints = np.empty({' + '.join([str(header)] + sizes['int'])}, dtype=np.int64)"]
        position, offsets = 0, {}
        running = {"packed": "0", "real": "0", "int": str(header)}
        buffer = {"packed": f"{prefix}_p", "real": f"{prefix}_reals", "int": f"{prefix}_ints"}
        for k, (argument, kind) in enumerate(zip(arguments, kinds)):
            for axis in range(argument.type.rank):
                lines.append(f"{prefix}_ints[{position}] = {argument.code}.shape[{axis}]")
                position += 1
            offset = f"{prefix}_o{k}"
            offsets[k] = offset
            lines.append(f"{offset} = {running[kind]}")
            if argument.type.rank:
                lines.append(f"{buffer[kind]}[{offset}:{offset} + {argument.code}.size] = {argument.code}.ravel()")
            else:
                lines.append(f"{buffer[kind]}[{offset}] = {argument.code}")
            running[kind] = f"{offset} + {_size(argument)}"
        solver = f"{prefix}_solve"
        lines += [f"{solver} = {SOLVER_FUNCTIONS[solve.method]}()",
                  f"{out.code} = np.empty(({prefix}_ts.shape[0], {prefix}_y0.shape[0]))"]
        call = (f"{prefix}_status, {prefix}_time, {prefix}_steps = {solver}("
                f"ode_solvers.rhs_function({prefix}_ode_rhs), ode_solvers.jacobian_function({prefix}_ode_jacobian), "
                f"float({t0}), {prefix}_ts, {prefix}_y0, {prefix}_p, {prefix}_reals, {prefix}_ints, float({rtol}), "
                f"float({atol}), {max_steps}, {out.code}, {prefix}_sensitivities)")

        def solving(columns: str) -> list[str]:
            return [f"{prefix}_sensitivities = np.empty(({prefix}_ts.shape[0], {prefix}_y0.shape[0], {columns}))",
                    call, f"if {prefix}_status != 0:"] + indent(self._ode_failure(solve, prefix, out))

        op = Op(forward=lines + solving("0"), recompute=[])
        if active and self.mode.adjoints:
            op.gradient_forward = lines + solving(f"{prefix}_y0.shape[0] + {prefix}_p.shape[0]")
            op.adjoint_init = [zeros_like(out)]
            reverse = [f"{prefix}_y0_adj = np.zeros({prefix}_y0.shape[0])",
                       f"{prefix}_p_adj = np.zeros({prefix}_p.shape[0])",
                       f"ode_solvers.add_sensitivity_adjoints({prefix}_sensitivities, {out.adjoint}, {prefix}_y0_adj, "
                       f"{prefix}_p_adj)"]
            if y0.active:
                reverse.append(f"{y0.adjoint} += {prefix}_y0_adj")
            for k, (argument, kind) in enumerate(zip(arguments, kinds)):
                if kind != "packed" or not argument.active:
                    continue
                offset = offsets[k]
                if argument.type.rank:
                    reverse.append(f"{argument.adjoint} += {prefix}_p_adj[{offset}:{offset} + {argument.code}.size]"
                                   f".reshape({argument.code}.shape)")
                else:
                    reverse.append(f"{argument.adjoint} += {prefix}_p_adj[{offset}]")
            op.reverse = reverse
        self.emit_op(op)
        return out

    def _ode_failure(self, solve, prefix, out) -> list[str]:
        if self.mode.target and self.mode.adjoints:   # the log density: the proposal is rejected
            return ["return -math.inf"]
        if self.mode.target:   # log_density_terms(): the running total names this statement
            return ["lp = -math.inf", f"{out.code}[:, :] = math.nan"]
        span = solve.span
        stage = "data" if self.mode.data_stage else "gen" if self.mode.gen else "model"
        return [f"raise ValueError({ODE_FAILED!r}, {prefix}_status, {prefix}_time, {span.line}, {span.column}, "
                f"{span.end_line}, {span.end_column}, {stage!r})"]


def _size(value: Value) -> str:
    return f"{value.code}.size" if value.type.rank else "1"


def ode_functions(prefix: str, solve: ir.OdeSolve, definition: ir.FunctionDefinition, source_text: str,
                  new_emitter) -> list[str]:
    """The module-level right-hand side and Jacobian of one call site, as lines of source.
    `new_emitter(program)` makes a ModelEmitter (with adjoints, no target) for f's body."""
    body_program = ir.Program(tuple(_as_model_stage(definition.body)), (), source_text)
    rhs_lines = _unpacked(solve, definition, new_emitter(body_program), jacobian=False)
    jacobian_lines = _unpacked(solve, definition, new_emitter(body_program), jacobian=True)
    decorator = '@numba.njit("{}", cache=True, error_model="numpy")'
    return ([decorator.format(RHS_SIGNATURE), f"def {prefix}_ode_rhs({', '.join(RHS_ARGUMENTS)}):"]
            + indent(rhs_lines) + ["", "",
            decorator.format(JACOBIAN_SIGNATURE), f"def {prefix}_ode_jacobian({', '.join(JACOBIAN_ARGUMENTS)}):"]
            + indent(jacobian_lines) + ["", ""])


def _unpacked(solve, definition, emitter, jacobian: bool) -> list[str]:
    """f's body as the right-hand side (jacobian=False) or its Jacobian, after unpacking its arguments."""
    (time_name, time_type), (state_name, state_type), *extra = definition.parameters
    time = emitter.bind(time_name, time_type, False)
    state = emitter.bind(state_name, state_type, jacobian)
    lines = [f"{time.code} = {RHS_ARGUMENTS[0]}", f"{state.code} = {RHS_ARGUMENTS[1]}"]
    kinds = _kinds(solve)
    running = {"packed": "0", "real": "0", "int": str(sum(a.type.rank for a in solve.arguments))}
    header = 0
    packed = []   # (Value, offset variable)
    for k, ((name, declared), argument, kind) in enumerate(zip(extra, solve.arguments, kinds)):
        rank = argument.type.rank
        dims = [f"{RHS_ARGUMENTS[4]}[{header + axis}]" for axis in range(rank)]
        header += rank
        size = " * ".join(dims) or "1"
        value = emitter.bind(name, ir.Type(declared.dtype, declared.shape), jacobian and kind == "packed")
        offset = f"_ode_o{k}"
        buffer = _BUFFERS[kind]
        lines.append(f"{offset} = {running[kind]}")
        if rank:
            lines.append(f"{value.code} = np.ascontiguousarray({buffer}[{offset}:{offset} + {size}])"
                         f".reshape(({', '.join(dims)},))")
        else:
            lines.append(f"{value.code} = {buffer}[{offset}]")
        running[kind] = f"{offset} + {size}"
        if kind == "packed":
            packed.append((value, offset))
    lines += _size_names(definition, emitter)
    emitter.ops = []
    for statement in emitter.program.statements:
        emitter.statement(statement)
    result = emitter.value(definition.result)
    ops = emitter.ops
    if not jacobian:
        return lines + lines_of(ops, "forward") + [f"{RHS_ARGUMENTS[5]}[:] = {result.code}"]
    lines += [f"{JACOBIAN_ARGUMENTS[5]}[:, :] = 0.0", f"{JACOBIAN_ARGUMENTS[6]}[:, :] = 0.0"]
    if not result.active:   # f reads neither y nor a param: both Jacobians are zero
        return lines + ["return"]
    sweep = [zeros_like(state)] + [zeros_like(value) for value, _ in packed]
    for op in ops:
        sweep += (op.forward if op.gradient_forward is None else op.gradient_forward) + op.adjoint_init
    sweep.append(f"{result.adjoint}[_ode_row] += 1.0")
    sweep += lines_of(list(reversed(ops)), "reverse")
    sweep.append(f"{JACOBIAN_ARGUMENTS[5]}[_ode_row, :] = {state.adjoint}")
    for value, offset in packed:
        if value.type.rank:
            sweep.append(f"{JACOBIAN_ARGUMENTS[6]}[_ode_row, {offset}:{offset} + {value.code}.size] = "
                         f"{value.adjoint}.ravel()")
        else:
            sweep.append(f"{JACOBIAN_ARGUMENTS[6]}[_ode_row, {offset}] = {value.adjoint}")
    return lines + [f"for _ode_row in range({RHS_ARGUMENTS[1]}.shape[0]):"] + indent(sweep)


def _size_names(definition, emitter) -> list[str]:
    """f's size names (`n` in `y: real[n]`), each the size of the first argument that has it."""
    lines = []
    for size_name in definition.size_names:
        for name, type_ in definition.parameters:
            axes = [axis for axis, dim in enumerate(type_.shape) if dim == Dim.name(size_name)]
            if axes:
                value = emitter.bind(size_name, ir.INT, False)
                lines.append(f"{value.code} = {emitter.scope[name].code}.shape[{axes[0]}]")
                break
    return lines


def _as_model_stage(statements):
    """f's body was checked with its arguments as data; here they may depend on params, so every
    statement is emitted as part of the model (arrays get adjoints)."""
    staged = []
    for s in statements:
        if isinstance(s, ir.ForLoop):
            s = replace(s, body=tuple(_as_model_stage(s.body)))
        elif isinstance(s, ir.IfElse):
            s = replace(s, then_body=tuple(_as_model_stage(s.then_body)),
                        else_body=tuple(_as_model_stage(s.else_body)))
        elif isinstance(s, ir.WhileLoop):
            staged.append(s)
            continue
        staged.append(replace(s, stage="model") if s.stage == "data" else s)
    return staged
