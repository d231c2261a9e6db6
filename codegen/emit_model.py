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
  each top-level statement (to name the statement to blame when sampling cannot start);
* ``saved_draws(unconstrained, seeds, real_data, int_data, reals, ints)`` → every saved quantity
  of every draw, flattened into rows of ``reals`` and ``ints``: a Fit in one native call;
* ``log_likelihood(u, real_data, int_data, out)`` and ``log_likelihood_draws(unconstrained,
  real_data, int_data, out)`` → each observation's log density (codegen/log_likelihood.py).

``log_density_gradient`` has an explicit signature so that the samplers, compiled
once, take it as a first-class function.  See codegen/emit.py for how the gradient
is built and docs/compiler.md for a walk-through of the emitted code.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from codegen import ir, log_likelihood
from codegen.dataflow import Analysis
from codegen.emit import MODULE_IMPORTS, NotSupportedYet, Names, Op, Value, indent, lines_of
from codegen.emit_expressions import ExpressionEmitter
from codegen.emit_ode import ODE_IMPORT, OdeEmitter, call_sites, ode_functions
from codegen.emit_params import ParamEmitter, unconstrain_function
from codegen.emit_statements import StatementEmitter
from codegen.facts import ModelFacts
from codegen.fuse import RegionEmitter
from codegen.hoist import HoistedData
from codegen.index_ranges import IndexFacts, data_facts
from codegen.layout import data_layout
from codegen.supports import settled_statements
from ppl.runtime.signature import LOG_DENSITY_GRADIENT_ARGUMENTS, LOG_DENSITY_GRADIENT_SIGNATURE

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
    outputs_only: bool = False  # only the values the saved outputs need (Analysis.needed_by_<function>)
    pointwise: bool = False     # observed `~` terms per element into the log-likelihood's slots, no other target


# the generated functions, each with what it includes
FUNCTIONS = {
    "transformed_data": Mode(data_stage=True, target=False),
    "log_density": Mode(adjoints=True, inline=True),     # and log_density_gradient, log_density_without_jacobian
    "constrain": Mode(target=False),                      # over the param declarations only
    "deterministics": Mode(target=False, outputs_only=True),
    "generate": Mode(target=False, gen=True, outputs_only=True),
    "log_density_terms": Mode(),
    "log_likelihood": Mode(inline=True, pointwise=True),   # codegen/log_likelihood.py
    "ode_right_hand_side": Mode(adjoints=True, target=False),   # f's body, for the rhs and its Jacobian
}


# what an ODE right-hand side's emitter knows of the model: nothing (f sees only its arguments)
_NO_ANALYSIS = Analysis(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), (), (), data_layout([]),
                        data_layout([]))


class ModelEmitter(OdeEmitter, ExpressionEmitter, StatementEmitter, ParamEmitter):
    """One generated function's emitter: the state the three concerns share (scope, names, ops,
    mode); expressions, statements and params are emitted by the mixed-in classes."""

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
        self.enclosing: list = []   # the loops and branches around the statement being emitted, outermost first
        self.data_facts = data_facts(program)
        self._index_facts: dict = {}
        self.hoisted = None   # HoistedData, in the model's functions: data-only parts moved to transformed data
        # generated temporaries are named after the statement they belong to (`_a_l21_h0` for line 21,
        # `a ~ ...`): the prefix of the statement being emitted, and how often each prefix was used
        self.statement_prefix = "_l0"
        self.prefix_uses: dict[str, int] = {}
        self._block_array_names = None   # StatementEmitter._block_arrays, found once
        # the `~` statements whose support the checker or the binder settles: no test in the code
        self.support_plan = settled_statements(program)

    # ---- helpers -----------------------------------------------------------

    def bind(self, name: str, type_: ir.Type, active: bool) -> Value:
        value = Value(self.names.of(name), type_, active)
        self.scope[name] = value
        return value

    def index_facts(self) -> IndexFacts:
        """What holds where the current statement runs (codegen/index_ranges.py)."""
        key = tuple(id(statement) for statement in self.enclosing)
        if key not in self._index_facts:
            self._index_facts[key] = IndexFacts(self.data_facts, self.enclosing)
        return self._index_facts[key]

    def emit_op(self, op: Op):
        if not self.mode.adjoints:
            op.adjoint_init, op.reverse = [], []
        self.ops.append(op)

    def region_emitter(self) -> RegionEmitter:
        n = next(self.regions)
        return RegionEmitter(index_prefix=f"_i{n}_", temporary_prefix=self.region_prefix())

    def region_prefix(self) -> str:
        """The statement's prefix for one more fused region: `_a_l21`, then `_a_l21b`, `_a_l21c`, ..."""
        uses = self.prefix_uses.get(self.statement_prefix, 0)
        self.prefix_uses[self.statement_prefix] = uses + 1
        return self.statement_prefix + _letters(uses)

    def temporary_name(self, hint: str = "") -> str:
        return self.names.temporary(self.statement_prefix, hint)

    def temporary(self, type_: ir.Type, active: bool, hint: str = "") -> Value:
        return Value(self.temporary_name(hint), type_, active)


def _letters(count: int) -> str:
    """'' for 0, then 'b', 'c', ..., 'z', 'ba', ...: a suffix of letters only, so that a prefix
    `_x_l21` plus it never ends in a digit that another line number could continue."""
    if count == 0:
        return ""
    letters = ""
    while count:
        count, digit = divmod(count, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
    return letters


def _return_tuple(codes) -> str:
    codes = list(codes)
    return f"return ({', '.join(codes)}{',' if len(codes) == 1 else ''})"


_ASSIGNMENT = re.compile(r"(\w+) = (.*)$")
_SIDE_EFFECTS = re.compile(r"\b(draws|np\.random|event_kernels|vector|matrix)\.")   # may write or draw


def _without_unused_set_up(body: list[str]) -> list[str]:
    """The body without top-level assignments that nothing reads (repeated until none is left):
    data unpacked but unused (`N` in a model that reads only `N`'s arrays), `lp = 0.0` in a
    function that computes no log density, params that no output of `deterministics()` reads.
    Only assignments without side effects go: a draw keeps its place in the random stream."""
    words = [set(re.findall(r"\w+", line)) if not line.lstrip().startswith("#") else set() for line in body]
    mentions: dict[str, int] = {}
    for found in words:
        for word in found:
            mentions[word] = mentions.get(word, 0) + 1
    kept = [True] * len(body)
    changed = True
    while changed:
        changed = False
        for k, line in enumerate(body):
            assignment = _ASSIGNMENT.match(line) if kept[k] else None
            if assignment and mentions[assignment.group(1)] == 1 and not _SIDE_EFFECTS.search(assignment.group(2)):
                kept[k], changed = False, True
                for word in words[k]:
                    mentions[word] -= 1
    return [line for line, keep in zip(body, kept) if keep]


# ---- the module --------------------------------------------------------------

def _unpack_lines(layout, names_types, scope, spans) -> list[str]:
    """The prologue's views of the data buffers (``spans``: name → its statement, for errors)."""
    lines = []
    for packed, (name, type_) in zip(layout.values, names_types):
        kind = {0: "scalar", 1: "vector", 2: "matrix", 3: "array3"}.get(type_.rank)
        if kind is None:
            error = NotSupportedYet(f"data of rank {type_.rank} (at most 3 axes)")
            error.span = spans.get(name)
            raise error
        dtype = "int" if packed.dtype == "int" else "real"
        value = scope[name]
        lines.append(f"{value.code} = data.{dtype}_{kind}(real_data, int_data, {packed.header_position})")
    return lines


def emit_module(program: ir.Program, analysis: Analysis) -> tuple[str, ModelFacts]:
    """The generated module's text, and the facts the runtime needs (layouts, names)."""
    inputs, outputs = list(analysis.inputs), list(analysis.outputs)
    hoisted = HoistedData(frozenset(Names.of(name) for name, _ in inputs + outputs))

    def emitter_for(function: str) -> ModelEmitter:
        emitter = ModelEmitter(program, analysis, FUNCTIONS[function])
        for name, type_ in (inputs if function == "transformed_data" else inputs + outputs):
            emitter.bind(name, type_, False)
        if function != "transformed_data":
            emitter.hoisted = hoisted
        return emitter

    # the model's functions first: they choose what transformed data computes for them (codegen/hoist.py)
    values = emitter_for("deterministics")
    value_ops = values.top_level(program.statements)
    density = emitter_for("log_density")
    density_ops = density.top_level(program.statements)
    param_emitter = emitter_for("constrain")
    param_ops = param_emitter.top_level([s for s in program.statements if isinstance(s, ir.ParamDeclaration)])
    params = [param_emitter.scope[p.name].code for p in program.params]
    saved = [symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.DETERMINISTIC]
    generated = [symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.GEN]
    generate_unsupported = None
    try:
        gen_emitter = emitter_for("generate")
        gen_ops = gen_emitter.top_level(program.statements)
        gen_returns = [gen_emitter.scope[n].code for n in generated]
    except NotSupportedYet as error:   # sampling refuses such a model before it starts (facts below)
        gen_ops, generate_unsupported = None, (str(error), error.span)
    terms_lines, term_spans = _log_density_terms(emitter_for("log_density_terms"), program)
    log_likelihood_body, log_likelihood_unsupported, observed = None, None, ()
    try:
        observed = log_likelihood.observed_names(program)
        log_likelihood_body = log_likelihood.function_lines(emitter_for, program, observed)
    except NotSupportedYet as error:   # the rest of the model compiles; asking for it raises (facts below)
        log_likelihood_unsupported = (str(error), error.span)

    data_emitter = emitter_for("transformed_data")
    data_ops = data_emitter.top_level(program.statements)
    td_returns = [data_emitter.scope[name].code for name, _ in outputs] + [code for code, _ in hoisted.outputs()]
    outputs += hoisted.outputs()
    full_layout = data_layout(inputs + outputs)
    unpacked = {**values.scope, **{code: Value(code, type_, False) for code, type_ in hoisted.outputs()}}
    spans = {s.name: s.span for s in program.statements if isinstance(getattr(s, "name", None), str)}
    prologue = _unpack_lines(full_layout, inputs + outputs, unpacked, spans)

    solves = list(call_sites(program))
    out = [f'"""Generated by ppl from {program.filename}. Do not edit: ppl writes it anew when the model changes."""',
           "", *MODULE_IMPORTS, *([ODE_IMPORT] if solves else []), "", ""]
    definitions = {f.name: f for f in program.functions}
    for prefix, solve in solves:   # the functions the solver calls come before the functions that solve
        out += ode_functions(prefix, solve, definitions[solve.function], program.source_text,
                             lambda body: ModelEmitter(body, _NO_ANALYSIS, FUNCTIONS["ode_right_hand_side"]))

    def function(decorator: str, signature: str, body: list[str]):
        out.extend([decorator, f"def {signature}:", *indent(_without_unused_set_up(body)), "", ""])

    function(JIT, "transformed_data(real_data, int_data)",
             _unpack_lines(analysis.input_layout, inputs, data_emitter.scope, spans) + lines_of(data_ops, "forward")
             + _hoisted_lines(hoisted) + [_return_tuple(td_returns)])
    function(JIT, "log_density(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + lines_of(density_ops, "forward") + ["return lp"])
    function(JIT, "log_density_without_jacobian(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + lines_of(density_ops, "without_jacobian") + ["return lp"])
    # one fixed signature: the samplers take this function as a first-class argument
    forward: list[str] = ["grad_out[:] = 0.0"]   # before the forward sweep: params' adjoints are its windows
    for op in density_ops:   # each top-level adjoint starts at zero right where its value is made
        forward += (op.forward if op.gradient_forward is None else op.gradient_forward) + op.adjoint_init
    reverse = lines_of(list(reversed(density_ops)), "reverse")
    function(JIT_FIXED_SIGNATURE, f"log_density_gradient({', '.join(LOG_DENSITY_GRADIENT_ARGUMENTS)})",
             prologue + ["lp = 0.0"] + forward + ["", "# adjoint sweep"] + reverse + ["return lp"])
    function(JIT, "constrain(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + lines_of(param_ops, "forward") + [_return_tuple(params)])
    function(JIT, "deterministics(u, real_data, int_data)",
             prologue + ["lp = 0.0"] + lines_of(value_ops, "forward")
             + [_return_tuple(values.scope[n].code for n in saved)])
    if gen_ops is None:
        body = [f"raise NotImplementedError({generate_unsupported[0]!r})"]
    else:
        body = (["np.random.seed(seed)"] + prologue + ["lp = 0.0"] + lines_of(gen_ops, "forward")
                + [_return_tuple(gen_returns)])
    function(JIT, "generate(u, real_data, int_data, seed)", body)
    arguments, body = unconstrain_function(ModelEmitter(program, analysis, FUNCTIONS["constrain"]), program, analysis)
    function(JIT, f"unconstrain({', '.join(['real_data', 'int_data', 'u_out'] + arguments)})", prologue + body)
    sizes = " + ".join(f"{size}" for _, _, size in param_emitter.param_offsets) or "0"
    function(JIT, "dimension(real_data, int_data)", prologue + param_emitter.size_checks() + [f"return {sizes}"])
    function(JIT, "log_density_terms(u, real_data, int_data, lp_after)",
             prologue + ["lp = 0.0"] + terms_lines + ["return lp"])
    function(JIT, "saved_draws(unconstrained, seeds, real_data, int_data, reals, ints)",
             _saved_draws_lines(len(params), len(saved), len(generated) if gen_ops is not None else 0))
    if log_likelihood_body is None:
        body = [f"raise NotImplementedError({log_likelihood_unsupported[0]!r})"]
    else:
        body = prologue + log_likelihood_body
    function(JIT, "log_likelihood(u, real_data, int_data, out)", body)
    function(JIT, "log_likelihood_draws(unconstrained, real_data, int_data, out)", log_likelihood.DRAWS_LINES)
    facts = ModelFacts(params=tuple(p.name for p in program.params), deterministics=tuple(saved),
                       generated=tuple(generated), inputs=tuple(inputs), outputs=tuple(outputs),
                       input_layout=analysis.input_layout, full_layout=full_layout,
                       term_spans=tuple(term_spans), generate_unsupported=generate_unsupported,
                       observed=observed, log_likelihood_unsupported=log_likelihood_unsupported)
    return "\n".join(out[:-1]), facts


def _saved_draws_lines(params: int, deterministics: int, generated: int) -> list[str]:
    """saved_draws(): every saved quantity (params, deterministics, generated quantities) of
    every draw, flattened into one row of `reals` and one of `ints` per draw (see
    `ppl.runtime.data.save_value`), so that a Fit is assembled in one native call rather
    than three Python calls per draw."""
    calls = [("params", "constrain(u, real_data, int_data)", params),
             ("values", "deterministics(u, real_data, int_data)", deterministics),
             ("generated", "generate(u, real_data, int_data, seeds[draw])", generated)]
    lines = ["for draw in range(unconstrained.shape[0]):", "    u = unconstrained[draw]",
             "    real_position, int_position = 0, 0"]
    for name, call, count in calls:
        if count:
            lines.append(f"    {name} = {call}")
            lines += [f"    real_position, int_position = data.save_value({name}[{k}], reals[draw], ints[draw], "
                      "real_position, int_position)" for k in range(count)]
    return lines


def _hoisted_lines(hoisted: HoistedData) -> list[str]:
    """transformed_data()'s lines computing the arrays hoisted out of the model's functions."""
    lines = []
    for k, value in enumerate(hoisted.names.values()):
        if value.code in hoisted.calls:
            lines.append(f"{value.code} = {hoisted.calls[value.code]}")
        else:
            emitter = RegionEmitter(index_prefix=f"_j{k}_", temporary_prefix=value.code)
            region = hoisted.regions[value.code]
            if value.type.shape == region.shape:
                lines += emitter.value(region, value)
            else:   # a sum of data-only terms
                lines += [f"{value.code} = 0.0"] + emitter.sum_into(region, value.code)
    for check in hoisted.checks:
        lines += check
    return lines


def _log_density_terms(emitter, program) -> tuple[list[str], list]:
    """The log density again, writing the running total after each top-level statement
    into lp_after[k]: when sampling cannot start, the first k whose total is not finite
    names the statement to blame.  Returns the lines and each k's statement span."""
    lines, spans = [], []
    kept = [s for s in program.statements
            if not emitter.analysis.is_transformed_data(program, s) and s.stage != "gen"
            and not isinstance(s, ir.DataDeclaration)]
    for statement in kept:
        lines += lines_of(emitter.block([statement]), "forward")
        lines.append(f"lp_after[{len(spans)}] = lp")
        spans.append(statement.span)
    return lines, spans
