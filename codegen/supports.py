"""Values against their distributions' supports: the rules the compiler keeps (issue #12).

The catalogue says each family's support once (``ppl/catalogue/supports.py``).  Three rules
follow, and each `~` statement falls under the first that settles it:

1. **Params** (the checker): a param scored by a bounded distribution must be declared with
   bounds inside the support (``param s: real<lower=-1>`` with ``s ~ HalfCauchy(0, 5)`` is a
   located error whose hint names the constraint to declare).  ``param_fit`` decides it from
   the declared bounds and the distribution's arguments: True where they are inside (constant
   ends, or the same expressions, as ``real<lower=a, upper=b>`` with ``Uniform(a, b)``), False
   where they reach outside, None where only the values can tell.
2. **Observed values** (the binder): a value computed from data only, whose support's ends are
   data or constants, is checked when data is bound (``check_supports``), in loops element by
   element; a value outside is a ``DataError`` at the statement naming the value, its first
   offending position and the support.
3. **Anything else** (generated code): the log density is -inf outside the support, the test
   written by ``ppl.catalogue.supports.condition`` into the fused region (``codegen/fuse.py``).

``settled_statements(program)`` says which statements rules 1 and 2 settle; the binder checks
exactly those of rule 2 and the emitter writes the test of rule 3 for every other one, so the
two can never disagree.  Event supports (the simplex, correlation matrices, multinomial counts)
are settled by declared constraints and by the binder; a computed event value is taken as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from codegen import ir
from codegen.dataflow import writes
from codegen.evaluate import ELEMENTWISE_FUNCTIONS, can_evaluate, evaluate, evaluate_lazily, size_value
from codegen.ir_print import expr_text
from ppl.catalogue import constraints as C
from ppl.catalogue import supports
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.errors import DataError, source_lines

# how a statement is settled
BY_PARAM = "param"          # its value is a param declared inside the support
BY_BINDING = "binding"      # the binder checks its values
UNBOUNDED = "unbounded"     # its support is all reals: nothing to check in generated code


# ---- the distribution a value meets ------------------------------------------------------

def scored_family(distribution: ir.DistributionExpr) -> ir.DistributionExpr:
    """The distribution whose support the value must lie in: a mixture's components'."""
    if distribution.family == "MixtureSameFamily":
        return distribution.argument("components_distribution")
    return distribution


def support_arguments(distribution: ir.DistributionExpr) -> tuple:
    """The IR arguments that give the support's ends, in the order of ``support_bounds``."""
    declaration = DISTRIBUTIONS[distribution.family]
    return tuple(distribution.argument(name) for name in declaration.support_bounds)


def category_size(distribution: ir.DistributionExpr):
    """The number of categories (the size of a Categorical's event letter K), as a Dim; None
    for families without one."""
    declaration = DISTRIBUTIONS[distribution.family]
    for parameter in declaration.parameters:
        argument = distribution.argument(parameter.name)
        if "K" in parameter.event and argument is not None:
            return argument.type.shape[parameter.event.index("K") - len(parameter.event)]
    return None


def _constant(expr):
    """The number an expression of literals folds to, else None."""
    if expr is None or expr.type.shape or any(isinstance(e, ir.Variable) for e in ir.walk_expr(expr)):
        return None
    try:
        return float(evaluate(expr, {}))
    except Exception:   # not foldable: decided when the values are known
        return None


# ---- rule 1: params -----------------------------------------------------------------------

_DECLARED_ENDS = {   # constrained shapes: the interval every entry lies in
    C.SIMPLEX: (0.0, 1.0), C.POSITIVE_ORDERED: (0.0, None), C.ORDERED: (None, None),
    C.CORR: (-1.0, 1.0), C.CORR_CHOLESKY: (-1.0, 1.0), C.COV: (None, None), C.COV_CHOLESKY: (None, None),
    C.REAL: (None, None),
}


def param_of(value) -> str | None:
    """The param a `~` value is, or an element or slice of (``sigma``, ``tau[k]``), else None."""
    if isinstance(value, ir.IndexOp) and isinstance(value.value, ir.Variable):
        value = value.value
    if isinstance(value, ir.Variable) and value.role == ir.Role.PARAM:
        return value.name
    return None


@dataclass(frozen=True)
class ParamFit:
    """How a param's declared values meet a support: ``fits`` True (inside), False (reaching
    outside) or None (only the values can tell); ``want`` the bounds to declare, as text."""
    fits: bool | None
    want: str = ""


def param_fit(declared: ir.ParamConstraint, distribution: ir.DistributionExpr) -> ParamFit:
    """Whether a param with these declared bounds lies inside the distribution's support."""
    scored = scored_family(distribution)
    support = scored.type.support
    if not supports.is_checked(support) or support.dtype == "int":
        return ParamFit(True)
    if not supports.is_scalar(support):
        return ParamFit(declared.constraint is support, support.name)
    arguments = support_arguments(scored)
    interval = supports.ends(support, arguments)
    want = _wanted_bounds(interval)
    if declared.constraint in _DECLARED_ENDS:
        declared_lower, declared_upper = _DECLARED_ENDS[declared.constraint]
    else:
        declared_lower, declared_upper = declared.bounds.lower, declared.bounds.upper
    verdicts = [_end_inside(declared_lower, interval.lower, below=True),
                _end_inside(declared_upper, interval.upper, below=False)]
    if False in verdicts:
        return ParamFit(False, want)
    return ParamFit(None if None in verdicts else True, want)


def _end_inside(declared, support_end, below: bool):
    """Whether a declared end keeps the values inside the support's end on that side."""
    if support_end is None:
        return True
    if declared is None:
        return False
    if not isinstance(declared, float) and not isinstance(support_end, float) and declared == support_end:
        return True    # the same expression: `real<lower=a>` with HalfCauchy(a, s)
    declared_value = declared if isinstance(declared, float) else _constant(declared)
    support_value = support_end if isinstance(support_end, float) else _constant(support_end)
    if declared_value is None or support_value is None:
        return None
    return declared_value >= support_value if below else declared_value <= support_value


def _wanted_bounds(interval) -> str:
    def text(end):
        if isinstance(end, float):
            return f"{end:g}"
        constant = _constant(end)
        return f"{constant:g}" if constant is not None else expr_text(end)

    parts = []
    if interval.lower is not None:
        parts.append(f"lower={text(interval.lower)}")
    if interval.upper is not None:
        parts.append(f"upper={text(interval.upper)}")
    return f"real<{', '.join(parts)}>"


# ---- which statements are settled -----------------------------------------------------------

@dataclass
class Plan:
    """What binding evaluates: the `~` statements it checks (their values, and the arguments
    known from data against their parameters' domains), the locals and the blocks it walks to
    reach them."""
    settled: dict = field(default_factory=dict)      # id(SampleStatement) → BY_PARAM | BY_BINDING | UNBOUNDED
    arguments: dict = field(default_factory=dict)    # id(SampleStatement) → names of arguments known from data
    locals: set = field(default_factory=set)         # id(Assign) of block locals binding computes
    walked: set = field(default_factory=set)         # id(ForLoop | IfElse) binding enters

    def how(self, statement) -> str | None:
        return self.settled.get(id(statement))


def settled_statements(program: ir.Program) -> Plan:
    """Which `~` statements the checker or the binder settle (the others are tested in
    generated code), and what the binder must evaluate to reach them."""
    plan = Plan()
    params = {p.name: p.constraint for p in program.params}
    known = {d.name for d in program.data}
    rewritten = set().union(*(writes(s) for s in ir.walk_statements(program.statements)
                              if isinstance(s, ir.WhileLoop)))   # the binder does not run while loops
    for s in program.statements:
        if isinstance(s, ir.Assign) and s.role == ir.Role.TRANSFORMED_DATA and can_evaluate(s.value, known) \
                and s.name not in rewritten:
            known.add(s.name)
    _plan_block(program.statements, known, params, plan, reachable=True)
    return plan


def _plan_block(statements, known, params, plan, reachable) -> bool:
    """Plan one block; returns whether binding has anything to check inside it."""
    known = set(known)
    needed = False
    for s in statements:
        if isinstance(s, ir.WhileLoop):
            known -= writes(s)
        elif isinstance(s, ir.Assign) and s.role == ir.Role.LOCAL and reachable \
                and s.stage == "data" and can_evaluate(s.value, known):
            known.add(s.name)
            plan.locals.add(id(s))
        elif isinstance(s, ir.SampleStatement) and s.stage != "gen":
            how = _settled_by(s, known, params, reachable)
            if how is not None:
                plan.settled[id(s)] = how
                needed = needed or how == BY_BINDING
            arguments = _arguments_known(s.distribution, known) if reachable else ()
            if arguments:
                plan.arguments[id(s)] = arguments
                needed = True
        elif isinstance(s, ir.ForLoop):
            enter = reachable and all(can_evaluate(e, known) for e in (s.start, s.stop, s.step))
            if _plan_block(s.body, known | {s.var}, params, plan, enter):
                plan.walked.add(id(s))
                needed = True
        elif isinstance(s, ir.IfElse):
            enter = reachable and can_evaluate(s.condition, known)
            inside = _plan_block(s.then_body, known, params, plan, enter)
            inside = _plan_block(s.else_body, known, params, plan, enter) or inside
            if inside:
                plan.walked.add(id(s))
                needed = True
    return needed


def _settled_by(s: ir.SampleStatement, known, params, reachable) -> str | None:
    scored = scored_family(s.distribution)
    support = scored.type.support
    name = param_of(s.value)
    if name is not None and param_fit(params[name], s.distribution).fits:
        return BY_PARAM
    # a mixture's values lie in the union of its components' supports: where their ends differ
    # from component to component, only the compiled density (-inf outside all) can tell
    mixed_ends = scored is not s.distribution and DISTRIBUTIONS[scored.family].support_bounds
    evaluable = reachable and not mixed_ends and can_evaluate(s.value, known) and all(
        argument is None or can_evaluate(argument, known) for argument in support_arguments(scored))
    if supports.is_checked(support):
        size = category_size(scored)
        if evaluable and (size is None or _size_known(size, known)):
            return BY_BINDING
        return None
    if evaluable and not _plain_data(s.value):   # a computed value: binding checks that it is finite
        return BY_BINDING
    return UNBOUNDED


def _arguments_known(distribution: ir.DistributionExpr, known) -> tuple[str, ...]:
    """The arguments binding can compute whose parameter's domain restricts them (a Bernoulli's
    probs, a Normal's scale), literals left out (the checker has seen them)."""
    declaration = DISTRIBUTIONS[distribution.family]
    names = []
    for name, argument in distribution.arguments:
        parameter = declaration.parameter(name)
        if (parameter.kind == "value" and supports.is_checked(parameter.domain) and _constant(argument) is None
                and not isinstance(argument, (ir.DistributionExpr, ir.KernelExpr)) and can_evaluate(argument, known)):
            names.append(name)
    return tuple(names)


def _plain_data(value) -> bool:
    """Data as given (or a part of it), whose values binding has checked already."""
    if isinstance(value, ir.IndexOp):
        value = value.value
    return isinstance(value, ir.Variable) and value.role == ir.Role.DATA


def _size_known(dim, known) -> bool:
    if dim.value is not None:
        return True
    return all(symbol in known for monomial, _ in dim.terms for symbol in monomial)


# ---- rule 2: binding ----------------------------------------------------------------------

def check_supports(program: ir.Program, value_of) -> None:
    """Check every `~` value the binder settles against its support; ``value_of(name)`` gives
    the value of a data or transformed data name (KeyError for others)."""
    plan = settled_statements(program)
    if BY_BINDING not in plan.settled.values() and not plan.arguments:
        return
    _Binder(program, plan, value_of).block(program.statements, {})


class _Binder:
    def __init__(self, program, plan, value_of):
        self.program, self.plan, self.global_value_of = program, plan, value_of
        self.lines = source_lines(program.source_text)
        self.loop_variables = {s.var for s in ir.walk_statements(program.statements) if isinstance(s, ir.ForLoop)}
        self.checked_once: set = set()   # (statement, argument) pairs that read no loop variable or local

    def block(self, statements, local_values):
        local_values = dict(local_values)

        def value_of(name):
            if name in local_values:
                return local_values[name]
            return self.global_value_of(name)

        for s in statements:
            if isinstance(s, ir.Assign) and id(s) in self.plan.locals:
                local_values[s.name] = self.evaluate(s.value, value_of, s)
            elif isinstance(s, ir.SampleStatement):
                for name in self.plan.arguments.get(id(s), ()):
                    self.check_argument(s, name, value_of, local_values)
                if self.plan.how(s) == BY_BINDING:
                    self.check(s, value_of, local_values)
            elif isinstance(s, ir.ForLoop) and id(s) in self.plan.walked:
                if self.all_inside_at_once(s, value_of):
                    continue
                start, stop, step = (int(self.evaluate(e, value_of, s)) for e in (s.start, s.stop, s.step))
                for index in range(start, stop, step):
                    self.block(s.body, {**local_values, s.var: index})
            elif isinstance(s, ir.IfElse) and id(s) in self.plan.walked:
                holds = bool(self.evaluate(s.condition, value_of, s))
                self.block(s.then_body if holds else s.else_body, local_values)

    def all_inside_at_once(self, loop: ir.ForLoop, value_of) -> bool:
        """A nest of loops whose checks read one number per iteration, checked as arrays over
        all iterations at once (NumPy indexing by arrays of the loop variables).  False where
        that cannot be done or some value is outside: the loop is then walked iteration by
        iteration, which finds the first offending one and names it."""
        nest = _vectorisable_nest(loop, self.plan)
        if nest is None:
            return False
        loops, statements = nest
        grid = {}
        try:
            with np.errstate(all="ignore"):
                for axis, each in enumerate(loops):
                    start, stop, step = (int(evaluate_lazily(e, value_of)) for e in (each.start, each.stop, each.step))
                    shape = [1] * len(loops)
                    indices = np.arange(start, stop, step)
                    shape[axis] = indices.size
                    grid[each.var] = indices.reshape(shape)

                def value_at(name):
                    return grid[name] if name in grid else value_of(name)

                for s in statements:
                    for name in self.plan.arguments.get(id(s), ()):
                        argument = evaluate_lazily(s.distribution.argument(name), value_at)
                        domain = DISTRIBUTIONS[s.distribution.family].parameter(name).domain
                        if not np.all(_argument_inside(domain, np.asarray(argument, dtype=np.float64))):
                            return False
                    if self.plan.how(s) == BY_BINDING:
                        scored = scored_family(s.distribution)
                        value = np.asarray(evaluate_lazily(s.value, value_at), dtype=np.float64)
                        bounds = tuple(np.asarray(evaluate_lazily(a, value_at), dtype=np.float64)
                                       for a in support_arguments(scored))
                        size = category_size(scored)
                        categories = None if size is None else size_value(size, value_of)
                        if not np.all(_value_inside(scored.type.support, value, bounds, categories, s.value.type.dtype)):
                            return False
        except Exception:   # what the walk would fail on, it reports
            return False
        return True

    def evaluate(self, expr, value_of, statement):
        try:
            return evaluate_lazily(expr, value_of)
        except (IndexError, ValueError, TypeError, ZeroDivisionError, OverflowError) as error:
            raise DataError(f"{self.context(statement)}: cannot compute {expr_text(expr)} from this data "
                            f"({type(error).__name__}: {error})", expr.span) from None

    def context(self, statement) -> str:
        span = statement.span
        if not 0 < span.line <= len(self.lines):
            return ""
        line = self.lines[span.line - 1]
        end = span.end_column - 1 if span.end_line == span.line and span.end_column > span.column else len(line)
        return line[span.column - 1:end].strip()

    def check_argument(self, s: ir.SampleStatement, name, value_of, local_values):
        """An argument known from data against its parameter's domain (`probs` in [0, 1])."""
        argument = s.distribution.argument(name)
        domain = DISTRIBUTIONS[s.distribution.family].parameter(name).domain
        if (id(s), name) in self.checked_once:   # the same in every iteration: checked already
            return
        if not any(isinstance(e, ir.Variable) and e.role in (ir.Role.LOOP, ir.Role.LOCAL) for e in ir.walk_expr(argument)):
            self.checked_once.add((id(s), name))
        with np.errstate(all="ignore"):
            value = np.asarray(self.evaluate(argument, value_of, s), dtype=np.float64)
            inside = _argument_inside(domain, value)
        if np.all(inside):
            return
        position = tuple(int(i) for i in np.argwhere(~np.asarray(inside))[0]) if np.ndim(inside) else ()
        shown = _value_text(value[position] if position else value)
        words = supports.describe(domain)
        element, resolved = _element(argument, position, local_values)
        raise DataError(f"{self.context(s)}: {name} = {element} = {shown} is outside its domain {words}"
                        + self.where(resolved, local_values), argument.span, expected=words, found=shown,
                        hint=f"{s.distribution.family}'s {name} must be {words}: check the data it is computed from")

    def where(self, resolved, local_values) -> str:
        """`, where n = 3` (the loops around the statement) when the element is not named by
        numbers alone."""
        loops = [name for name in local_values if name in self.loop_variables]
        if loops and not resolved:
            return ", where " + ", ".join(f"{name} = {local_values[name]}" for name in loops)
        return ""

    def check(self, s: ir.SampleStatement, value_of, local_values):
        scored = scored_family(s.distribution)
        support = scored.type.support
        with np.errstate(all="ignore"):
            value = np.asarray(self.evaluate(s.value, value_of, s), dtype=np.float64)
            bounds = tuple(np.asarray(self.evaluate(argument, value_of, s), dtype=np.float64)
                           for argument in support_arguments(scored))
            size = category_size(scored)
            categories = None if size is None else size_value(size, value_of)
            inside = _value_inside(support, value, bounds, categories, s.value.type.dtype)
        if np.all(inside):
            return
        position = tuple(int(i) for i in np.argwhere(~np.asarray(inside))[0]) if np.ndim(inside) else ()
        batch_shape = np.shape(inside)
        event_shape = value.shape[value.ndim - support.event_rank:] if support.event_rank else ()
        shown = np.broadcast_to(value, batch_shape + event_shape)[position]
        bound_texts = tuple(expr_text(argument) for argument in support_arguments(scored))
        words = supports.describe(support, bound_texts, categories)
        notes = [f"{text} = {_number_text(np.broadcast_to(bound, batch_shape)[position])}"
                 for text, bound in zip(bound_texts, bounds) if not _is_literal(text)]
        if support is C.CATEGORY:
            notes.append(f"{categories} categories")
        if support is C.ORDINAL:
            notes.append(f"{categories} cutpoints")
        found = _value_text(shown)
        element, resolved = _element(s.value, position, local_values)
        message = f"{self.context(s)}: {element} = {found} is outside the support {words}"
        if notes:
            message += f" ({', '.join(notes)})"
        message += self.where(resolved, local_values)
        raise DataError(message, s.value.span, expected=words, found=found, hint=_hint(support))


def _finite(constraint, value):
    finite = np.isfinite(value)
    return finite if supports.is_scalar(constraint) else np.all(finite, axis=tuple(range(-constraint.event_rank, 0)))


def _value_inside(support, value, bounds, categories, dtype):
    """Where a `~` value lies in its support (and, for real values, is finite)."""
    inside = supports.in_support(support, value, bounds, categories)
    return inside & _finite(support, value) if dtype == "real" else inside


def _argument_inside(domain, value):
    """Where an argument lies in its parameter's domain, and is finite."""
    return supports.in_support(domain, value) & _finite(domain, value)


def _vectorisable_nest(loop: ir.ForLoop, plan: Plan):
    """(the loops of a nest, the statements binding checks in it) where every check reads one
    number per iteration and no loop's range depends on another's variable; else None."""
    loops, statements = [], []

    def visit(loop) -> bool:
        variables = {each.var for each in loops}
        if any(isinstance(e, ir.Variable) and e.name in variables
               for bound in (loop.start, loop.stop, loop.step) for e in ir.walk_expr(bound)):
            return False
        loops.append(loop)
        for s in loop.body:
            if isinstance(s, ir.ForLoop) and id(s) in plan.walked:
                if not visit(s):
                    return False
            elif isinstance(s, ir.IfElse) and id(s) in plan.walked or id(s) in plan.locals:
                return False
            elif isinstance(s, ir.SampleStatement) and (plan.how(s) == BY_BINDING or id(s) in plan.arguments):
                scored = scored_family(s.distribution)
                read = [s.distribution.argument(name) for name in plan.arguments.get(id(s), ())]
                if plan.how(s) == BY_BINDING:
                    read += [s.value, *support_arguments(scored)]
                if not all(_one_number(e) for e in read):
                    return False
                statements.append(s)
        return True

    return (loops, statements) if visit(loop) else None


def _one_number(expr) -> bool:
    """Whether an expression is a number per iteration made of elementwise operations and
    scalar indexing only, so that arrays of loop variables evaluate it for all iterations."""
    if expr.type.shape:
        return False
    if isinstance(expr, (ir.Constant, ir.Variable)):
        return True
    if isinstance(expr, ir.UnaryOp):
        return _one_number(expr.operand)
    if isinstance(expr, ir.BinaryOp):
        return expr.op != "@" and _one_number(expr.left) and _one_number(expr.right)
    if isinstance(expr, ir.Call):
        return expr.function in ELEMENTWISE_FUNCTIONS and not expr.options and all(_one_number(a) for a in expr.args)
    if isinstance(expr, ir.IndexOp):
        return (isinstance(expr.value, ir.Variable)
                and all(isinstance(item, ir.ScalarIndex) and _one_number(item.index) for item in expr.items))
    return False


def _is_literal(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number_text(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _value_text(value) -> str:
    """A number as data would write it (`2`, `-0.5`, `-inf`, `nan`); a small array as nested
    lists on one line, a large one by its shape."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        number = float(array)
        return _number_text(number) if math.isfinite(number) else str(number)
    if array.size > 16:
        return f"an array of shape [{', '.join(map(str, array.shape))}]"
    return "[" + ", ".join(_value_text(part) for part in array) + "]"


def _element(expr, position: tuple, local_values: dict) -> tuple[str, bool]:
    """The offending element as the model names it, and whether that names it by numbers only:
    ``y[3]``; ``y[n]`` at n = 2 as ``y[2]``; ``y[1:]`` at 2 as ``y[3]``; else the expression as
    written, ``(y - 1)[3]`` (not resolved)."""
    if isinstance(expr, ir.Variable) and expr.role != ir.Role.LOOP:   # a block's local changes with the loop
        return expr.name + (f"[{', '.join(map(str, position))}]" if position else ""), expr.role != ir.Role.LOCAL
    if isinstance(expr, ir.IndexOp) and isinstance(expr.value, ir.Variable):
        indices, remaining = [], list(position)
        try:
            for item in expr.items:
                if isinstance(item, ir.ScalarIndex):
                    indices.append(int(evaluate(item.index, local_values)))
                elif isinstance(item, ir.SliceIndex) and remaining:
                    start = 0 if item.start is None else int(evaluate(item.start, local_values))
                    step = 1 if item.step is None else int(evaluate(item.step, local_values))
                    if start < 0 or step <= 0:
                        return _fallback(expr, position), False
                    indices.append(start + step * remaining.pop(0))
                else:
                    return _fallback(expr, position), False
        except Exception:   # an index that is not a plain number of the data
            return _fallback(expr, position), False
        indices += remaining
        return f"{expr.value.name}[{', '.join(map(str, indices))}]", True
    return _fallback(expr, position), False


def _fallback(expr, position) -> str:
    text = expr_text(expr)
    if not position:
        return text
    if not isinstance(expr, ir.Variable):
        text = f"({text})"
    return f"{text}[{', '.join(map(str, position))}]"


def _hint(support) -> str:
    if support is C.BINARY:
        return "Bernoulli observations are 0 (failure) or 1 (success)"
    if support is C.CATEGORY:
        return "categories are numbered from 0, as indices are (subtract 1 from 1-based data)"
    if support is C.ORDINAL:
        return "ordinal outcomes run from 0 to the number of cutpoints (subtract 1 from 1-based ratings)"
    if support is C.COUNT_UP_TO_TOTAL:
        return "each count must lie between 0 and its total_count"
    if supports.is_scalar(support) and support.dtype == "int":
        return "counts are non-negative integers"
    if not supports.is_checked(support):
        return "the value must be a finite number: check the data it is computed from"
    return "check the data, or choose a distribution whose support holds these values"


__all__ = ["BY_BINDING", "BY_PARAM", "UNBOUNDED", "ParamFit", "Plan", "category_size", "check_supports",
           "param_fit", "param_of", "scored_family", "settled_statements", "support_arguments"]
