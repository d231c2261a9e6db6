"""Stage 3, analyse: what each statement is for, before any code is written.

* which data-only values are *transformed data* (computed once when data is
  bound, Stan's transformed data block) and which stay in the model's
  functions;
* which deterministics the target needs (the rest are computed only for
  the saved output), and which values the saved deterministics and the
  `gen` statements need (the rest are left out of those functions);
* the data layout the generated functions read (codegen/layout.py).

The result, an :class:`Analysis`, is a pure function of the typed IR; the
emitter reads it and never recomputes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen import ir
from codegen.layout import DataLayout, data_inputs, data_layout, transformed_data_outputs


@dataclass(frozen=True)
class Analysis:
    transformed: frozenset[str]                  # names computed once at binding
    needed: frozenset[str]                       # names the target reads, directly or not
    needed_by_deterministics: frozenset[str]     # names the saved deterministics are or read
    needed_by_generate: frozenset[str]           # names the `gen` statements read, directly or not
    read_in_blocks: frozenset[str]               # names read inside a loop or a branch
    inputs: tuple[tuple[str, ir.Type], ...]      # data, in declaration order
    outputs: tuple[tuple[str, ir.Type], ...]     # transformed data the model's functions read
    input_layout: DataLayout                     # what transformed_data() unpacks
    full_layout: DataLayout                      # what every other generated function unpacks

    def is_transformed_data(self, program: ir.Program, statement) -> bool:
        return is_transformed_data(program, statement, self.transformed)


def analyse(program: ir.Program) -> Analysis:
    inputs = tuple(data_inputs(program))
    transformed = frozenset(transformed_data_names(program))
    outputs = tuple((name, type_) for name, type_ in transformed_data_outputs(program) if name in transformed)
    in_blocks = set()
    for statement in program.statements:
        if isinstance(statement, (ir.ForLoop, ir.IfElse, ir.WhileLoop)):
            in_blocks |= reads(statement)
    saved = {symbol.name for symbol in program.symbols if symbol.saved and symbol.role == ir.Role.DETERMINISTIC}
    return Analysis(transformed, frozenset(names_the_target_needs(program)),
                    frozenset(names_the_outputs_need(program, saved, gen=False)),
                    frozenset(names_the_outputs_need(program, set(), gen=True)), frozenset(in_blocks), inputs, outputs,
                    data_layout(list(inputs)), data_layout(list(inputs + outputs)))


def analysis_text(program: ir.Program, analysis: Analysis) -> str:
    """`ppl show --lowered`: where each top-level statement goes, and the data layout."""
    from codegen.ir_print import statement_lines

    lines = ["# transformed data (once, when data is bound): " + (", ".join(sorted(analysis.transformed)) or "-"),
             "# read by the target: " + (", ".join(sorted(analysis.needed)) or "-"), ""]
    for statement in program.statements:
        if isinstance(statement, ir.DataDeclaration):
            where = "data"
        elif analysis.is_transformed_data(program, statement):
            where = "transformed_data"
        elif statement.stage == "gen":
            where = "generate"
        elif isinstance(statement, (ir.Assign, ir.ArrayDeclaration)) and statement.name not in analysis.needed:
            where = "deterministics"
        elif isinstance(statement, ir.BoundCheck) and statement.stage == "data":
            where = "log_density"   # a quantity of data the model's functions compute (not transformed data)
        else:
            where = "log_density"
        text = statement_lines(statement)
        lines.append(f"[{where}] {text[0]}")
        lines += [f"{' ' * (len(where) + 3)}{line}" for line in text[1:]]
    lines.append("")
    lines.append("# data layout: " + (", ".join(f"{v.name} ({v.dtype}, rank {v.rank})"
                                                for v in analysis.full_layout.values) or "-"))
    return "\n".join(lines) + "\n"


def names_the_target_needs(program: ir.Program) -> set[str]:
    """The names read by what adds to the target (`~`, `target +=`, loops and branches, which
    may hold either), directly or through the values those read: one backward pass over the
    top level.  A saved deterministic outside this set (a correlation matrix L @ L.T kept for
    the output) is left out of the log density and its gradient."""
    needed: set[str] = set()
    for statement in reversed(program.statements):
        if statement.stage != "model" and isinstance(statement, ir.BoundCheck):
            continue   # checked by transformed_data() or generate(), not by the target
        if statement.stage == "gen" or isinstance(statement, ir.DataDeclaration):
            continue
        is_value = isinstance(statement, (ir.Assign, ir.ArrayDeclaration, ir.IndexAssign))
        if not is_value or writes(statement) & needed:
            needed |= reads(statement)
    return needed


def names_the_outputs_need(program: ir.Program, saved: set[str], gen: bool) -> set[str]:
    """The names that the saved deterministics (`saved`) or, with `gen`, the `gen` statements are
    or read, directly or through other values: one backward pass over the top level, as for the
    target.  A value outside it (`_y_hat`, read only by `~`) is left out of `deterministics()` and
    `generate()`."""
    needed = set(saved)
    for statement in reversed(program.statements):
        if isinstance(statement, ir.DataDeclaration):
            continue
        checked = isinstance(statement, ir.BoundCheck) and statement.name in needed   # and its bounds with it
        if (gen and holds_gen(statement)) or writes(statement) & needed or checked:
            needed |= reads(statement) | writes(statement)
    return needed


def holds_gen(statement) -> bool:
    """Whether a statement is, or its blocks hold, a `gen` statement."""
    if statement.stage == "gen":
        return True
    if isinstance(statement, ir.ForLoop):
        return any(holds_gen(s) for s in statement.body)
    if isinstance(statement, ir.IfElse):
        return any(holds_gen(s) for s in statement.then_body + statement.else_body)
    return False


def writes(statement) -> set[str]:
    """The names a statement defines or fills (recursively through blocks)."""
    if isinstance(statement, (ir.Assign, ir.ArrayDeclaration, ir.IndexAssign)):
        return {statement.name}
    if isinstance(statement, ir.ForLoop):
        return set().union(*(writes(s) for s in statement.body)) if statement.body else set()
    if isinstance(statement, ir.WhileLoop):
        return set().union(*(writes(s) for s in statement.test + statement.body))
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
        if statement.truncation is not None:
            expressions += list(statement.truncation.bounds)
    elif isinstance(statement, ir.TargetIncrement):
        expressions = [statement.value]
    elif isinstance(statement, ir.BoundCheck):
        return _names([b for b in (statement.bounds.lower, statement.bounds.upper) if b is not None]) \
            | {statement.name}
    elif isinstance(statement, ir.ForLoop):
        expressions = [statement.start, statement.stop, statement.step]
        return _names(expressions).union(*(reads(s) for s in statement.body))
    elif isinstance(statement, ir.IfElse):
        return _names([statement.condition]).union(*(reads(s) for s in statement.then_body + statement.else_body))
    elif isinstance(statement, ir.WhileLoop):
        return set().union(*(reads(s) for s in statement.test + statement.body))
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
    if isinstance(statement, ir.WhileLoop):   # the carried names are assigned before it too: not its own
        inside = statement.test + statement.body
        return ({s.name for s in inside if isinstance(s, ir.Assign)}
                .union(*(_locals(s) for s in inside)) - set(statement.carried))
    return set()


def _all_names(program) -> set[str]:
    return {symbol.name for symbol in program.symbols}


def _data_names(program) -> set[str]:
    return {d.name for d in program.data}


def is_transformed_data(program: ir.Program, statement, names: set[str]) -> bool:
    """Whether a top-level statement belongs to the once-per-binding transformed data function."""
    if statement.stage != "data" or isinstance(statement, ir.DataDeclaration):
        return False
    if isinstance(statement, ir.BoundCheck):   # checked where its quantity is computed
        return statement.name in names
    written = writes(statement) - _locals(statement)
    return bool(written) and written <= names
