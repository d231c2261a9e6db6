"""The typed intermediate representation: what the checker produces and every
later stage (derivation, emission, binding data) consumes.

Imports nothing from the front end (parse, ast, check) or from the emitter.

Types
-----
``Type(dtype, shape)``: dtype is ``"int"``, ``"real"`` or ``"bool"``; shape is a
tuple of symbolic :class:`codegen.shapes.Dim` (``[2, N]``).  Distributions and
kernels are not values: an expression like ``Normal(mu, 1)`` has a
:class:`DistributionType` (batch and event shapes, support) and may appear only
on the right of ``~``, before ``.log_prob``, or inside a ``MixtureSameFamily``.

Expressions (every node has ``.type`` and ``.span``)
----------------------------------------------------
``Constant``        a literal number.
``Variable``        a name, with its ``role`` (see ``Role``).
``UnaryOp``         ``-x``, ``+x``, ``not x``.
``BinaryOp``        ``+ - * / // % ** @``, comparisons ``== != < <= > >=`` and
                    ``and``/``or``; NumPy broadcasting, ``@`` as ``np.matmul``.
``IndexOp``         ``x[...]`` with one ``IndexItem`` per indexed axis, left to
                    right: ``ScalarIndex`` (removes the axis; may be negative),
                    ``SliceIndex`` (start/stop/step, each optional, NumPy
                    semantics) and ``GatherIndex`` (an int array: the axis is
                    replaced by the array's shape).  Axes not indexed are kept.
``Call``            a built-in function (ppl/catalogue/builtins.py); keyword
                    options (``axis``) are resolved to ``options``.
``Stack``           a list literal ``[a, b]``: stacks like ``np.array``.
``DistributionExpr`` a distribution with its arguments bound to parameter
                    names in declaration order (omitted ones with defaults are
                    filled in as constants; alternatives not chosen are absent).
``KernelExpr``      a PSD kernel for a GaussianProcess.
``OdeSolve``        ``ode_rk45(f, y0, t0, ts, ...)`` / ``ode_bdf``: an ODE's states at the
                    times ts, ``f`` a user function (codegen/check_ode.py).
``LogProb``         ``dist.log_prob(value)``: the log density, batch-shaped; with
                    ``method``, ``dist.log_cdf(value)``, ``.cdf``,
                    ``.log_survival_function``, ``.survival_function``.

Statements (every node has ``.span`` and ``.stage``)
-----------------------------------------------------
``stage`` says when a statement runs: ``"data"`` (depends on data only: run
once when data is bound, Stan's transformed data), ``"model"`` (depends on
params: part of the log density) or ``"gen"`` (generated quantities, per saved
draw).  A loop or branch takes the latest stage of its body.

``DataDeclaration``   ``data NAME: TYPE`` with optional bounds (validation only).
``ParamDeclaration``  ``param NAME: TYPE`` with its ``ParamConstraint``.
``Assign``            ``NAME = EXPR``: defines NAME (``saved`` says if it is output).
``ArrayDeclaration``  ``NAME: TYPE``: an array filled element by element.
``IndexAssign``       ``NAME[idx] = EXPR`` into a declared array.
``SampleStatement``   ``EXPR ~ DIST``: adds the summed log density (model), or
                      in ``gen`` draws NAME (``target`` is then the name).
``TargetIncrement``   ``target += EXPR`` (an array adds its sum).
``BoundCheck``        the declared bounds of a deterministic, transformed-data or gen
                      quantity (``theta: real<lower=0>[N]``), checked right after the
                      statement that completes it: a violation makes the log density
                      -inf, and is a located error in the other functions.
``ForLoop``           ``for var in range(start, stop, step)``; bounds are data-only ints.
``IfElse``            a data-only condition and two bodies.
``WhileLoop``         ``while condition:`` over data only (codegen/check_locals.py): each iteration
                      runs ``test`` (which assigns the boolean ``condition``, short-circuiting
                      ``and``/``or`` through branches), stops when it is false, else runs ``body``,
                      which assigns ``carried`` again: the only names the IR assigns more than
                      once.  No adjoint: nothing in it depends on a param.

``Program`` holds the statements in source order, a symbol table, the size checks
deferred to binding, and the user functions (``FunctionDefinition``).  A call of a user
function is not an IR node: the checker inlines the function's body before the statement
that calls it (codegen/functions.py), so every later stage sees plain statements.

Size checks
-----------
Sizes are symbolic (codegen/shapes.py).  Where two sizes must be equal (broadcasting, ``@``,
a distribution's event axes, a fill, a list literal, ...) and the checker can neither prove
them equal nor different whatever the data (``[K]`` and ``[2]``), it records a ``SizeCheck``:
both sizes, what has each (``mu``, ``axis 0 of Sigma``), the statement or expression as
written and its span, and the ``SizeGuard``s under which it applies (the ``if`` branches and
loops around it that can be evaluated from data).  Binding data evaluates every check before
any generated code runs (codegen/bind.py), so generated code may rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from codegen.shapes import Dim, Shape, shape_str
from ppl.catalogue.constraints import Constraint
from ppl.errors import Span


# ---- types ---------------------------------------------------------------

@dataclass(frozen=True)
class Type:
    dtype: str          # "int" | "real" | "bool"
    shape: Shape = ()

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __str__(self) -> str:
        return self.dtype + (shape_str(self.shape) if self.shape else "")


@dataclass(frozen=True)
class DistributionType:
    family: str
    batch_shape: Shape
    event_shape: Shape
    support: Constraint

    def __str__(self) -> str:
        return (f"{self.family}(batch_shape={shape_str(self.batch_shape)}, "
                f"event_shape={shape_str(self.event_shape)})")


@dataclass(frozen=True)
class KernelType:
    family: str
    batch_shape: Shape = ()

    def __str__(self) -> str:
        return f"{self.family} kernel"


REAL = Type("real")
INT = Type("int")
BOOL = Type("bool")


class Role:
    DATA = "data"                    # given at sampling time
    TRANSFORMED_DATA = "transformed_data"  # computed once from data
    PARAM = "param"
    DETERMINISTIC = "deterministic"  # depends on params; saved unless _private
    GEN = "gen"                      # generated quantity
    LOOP = "loop"                    # a loop variable (int)
    LOCAL = "local"                  # assigned inside a block: not saved


# ---- expressions -------------------------------------------------------------

def _span():
    return field(default=Span(0, 0, 0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Constant:
    value: Union[int, float]
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Variable:
    name: str
    role: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class UnaryOp:
    op: str                # "-", "+", "not"
    operand: "Expr"
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class ScalarIndex:
    index: "Expr"


@dataclass(frozen=True)
class SliceIndex:
    start: Optional["Expr"]
    stop: Optional["Expr"]
    step: Optional["Expr"]


@dataclass(frozen=True)
class GatherIndex:
    indices: "Expr"


IndexItem = Union[ScalarIndex, SliceIndex, GatherIndex]


@dataclass(frozen=True)
class IndexOp:
    value: "Expr"
    items: tuple[IndexItem, ...]
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple["Expr", ...]
    options: tuple[tuple[str, object], ...]   # e.g. (("axis", 0),)
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Stack:
    items: tuple["Expr", ...]
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class DistributionExpr:
    family: str                                  # the canonical name (aliases resolved)
    arguments: tuple[tuple[str, "Expr"], ...]    # parameter name → value, declaration order
    type: DistributionType
    span: Span = _span()

    def argument(self, name: str):
        return dict(self.arguments).get(name)


@dataclass(frozen=True)
class KernelExpr:
    family: str
    arguments: tuple[tuple[str, "Expr"], ...]
    type: KernelType
    span: Span = _span()


@dataclass(frozen=True)
class LogProb:
    distribution: DistributionExpr
    value: "Expr"
    type: Type
    span: Span = _span()
    # which function of the distribution at value: "log_prob", or one of its distribution
    # functions (a scalar family with a declared cdf): "log_cdf", "cdf",
    # "log_survival_function", "survival_function"
    method: str = "log_prob"


@dataclass(frozen=True)
class OdeSolve:
    """`ode_rk45(f, y0, t0, ts, a1, ..., rtol=, atol=, max_steps=)` (method "rk45") or `ode_bdf(...)`
    (method "bdf", the stiff solver): the states at the times ts, real[len(ts), len(y0)].  ``function``
    names a user function of ``Program.functions`` (its right-hand side f(t, y, a1, ...)); ``packed``
    says, per argument, whether it depends on params (packed into the vector the sensitivities are
    taken against) or on data only (read by the right-hand side from its data buffers)."""
    method: str
    function: str
    initial_state: "Expr"
    initial_time: "Expr"
    times: "Expr"
    arguments: tuple["Expr", ...]
    packed: tuple[bool, ...]
    relative_tolerance: "Expr"
    absolute_tolerance: "Expr"
    max_steps: "Expr"
    type: Type
    span: Span = _span()


Expr = Union[Constant, Variable, UnaryOp, BinaryOp, IndexOp, Call, Stack,
             DistributionExpr, KernelExpr, LogProb, OdeSolve]


# ---- statements ----------------------------------------------------------------

@dataclass(frozen=True)
class Bounds:
    lower: Optional[Expr] = None
    upper: Optional[Expr] = None


@dataclass(frozen=True)
class ParamConstraint:
    """How a param is constrained: a scalar bound kind, or a constrained shape.

    ``constraint`` is from ppl/catalogue/constraints.py (REAL, LOWER, UPPER,
    INTERVAL, SIMPLEX, ...); ``bounds`` holds lower/upper expressions for the
    bound kinds; ``batch_shape`` and ``event_shape`` split the param's shape.
    """
    constraint: Constraint
    bounds: Bounds
    batch_shape: Shape
    event_shape: Shape


@dataclass(frozen=True)
class DataDeclaration:
    name: str
    type: Type
    bounds: Bounds
    constraint: Optional[Constraint] = None   # a constrained shape declared on data (validated)
    span: Span = _span()
    stage: str = "data"
    name_span: Span = _span()                 # where data errors point


@dataclass(frozen=True)
class ParamDeclaration:
    name: str
    type: Type
    constraint: ParamConstraint
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class Assign:
    name: str
    value: Expr
    role: str                      # TRANSFORMED_DATA, DETERMINISTIC, GEN or LOCAL
    saved: bool
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class BoundCheck:
    """Stan's constrained transformed parameters: NAME (of type ``type``) must lie within
    ``bounds`` (expressions of data, params and earlier quantities, broadcasting into NAME's
    shape; NaN fails).  ``span`` is NAME's declaration, which every report of a violation names."""
    name: str
    type: Type
    bounds: Bounds
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class ArrayDeclaration:
    name: str
    type: Type
    role: str
    saved: bool
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class IndexAssign:
    name: str
    items: tuple[IndexItem, ...]
    value: Expr
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class Truncation:
    """`T[lower, upper]`: the density renormalised to [lower, upper]; a bound left out is None.
    Each bound broadcasts against the statement's batch shape."""
    lower: Optional[Expr]
    upper: Optional[Expr]
    span: Span = _span()

    @property
    def bounds(self) -> tuple:
        return tuple(bound for bound in (self.lower, self.upper) if bound is not None)


@dataclass(frozen=True)
class SampleStatement:
    value: Expr
    distribution: DistributionExpr
    span: Span = _span()
    stage: str = "model"
    defines: Optional[str] = None    # for `gen NAME ~ DIST`: the name drawn
    truncation: Optional[Truncation] = None


@dataclass(frozen=True)
class TargetIncrement:
    value: Expr
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class ForLoop:
    var: str
    start: Expr
    stop: Expr
    step: Expr
    body: tuple["Stmt", ...]
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class IfElse:
    condition: Expr
    then_body: tuple["Stmt", ...]
    else_body: tuple["Stmt", ...]
    span: Span = _span()
    stage: str = "model"


@dataclass(frozen=True)
class WhileLoop:
    test: tuple["Stmt", ...]
    condition: "Variable"
    carried: tuple[str, ...]
    body: tuple["Stmt", ...]
    span: Span = _span()
    stage: str = "data"


@dataclass(frozen=True)
class SizeGuard:
    """When a deferred size check applies: ``kind`` "if" (``exprs`` is the condition: checked
    when it holds), "else" (when it does not) or "loop" (``exprs`` are start, stop and step:
    checked when the loop runs at least once)."""
    kind: str
    exprs: tuple["Expr", ...]


@dataclass(frozen=True)
class SizeCheck:
    """Two sizes the checker could not prove equal or different: the data decide, when bound."""
    left: Dim
    right: Dim
    left_what: str          # what has the left size: "mu", "axis 0 of Sigma"
    right_what: str
    context: str            # the statement or expression as written ("y ~ MVN(mu, Sigma)")
    guards: tuple[SizeGuard, ...] = ()
    span: Span = _span()


Stmt = Union[DataDeclaration, ParamDeclaration, Assign, ArrayDeclaration, IndexAssign,
             SampleStatement, TargetIncrement, BoundCheck, ForLoop, IfElse, WhileLoop]


@dataclass(frozen=True)
class FunctionDefinition:
    """A user function `def NAME(ARGS) -> TYPE:`, checked once on its own (its arguments as
    names, its sizes as the size names of its signature), for stages that need the function
    itself rather than its inlined calls (an ODE right-hand side emitted standalone).

    ``parameters`` are (name, type) in order; ``size_names`` the free sizes of the signature
    (`N` in `x: real[N]`), bound at each call; ``body`` the statements before the result, calls
    of other functions already inlined; ``result`` the returned value (for a body ending in an
    `if`/`else` chain of returns, a read of the one-element array each branch fills)."""
    name: str
    parameters: tuple[tuple[str, Type], ...]
    size_names: tuple[str, ...]
    return_type: Type
    body: tuple["Stmt", ...]
    result: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Symbol:
    name: str
    role: str
    type: Type
    span: Span
    saved: bool = False


@dataclass(frozen=True)
class CheckWarning:
    """Something valid that probably does not mean what it seems (codegen/lint.py): ``kind``
    picks the warning class (ppl.errors.WARNING_CLASSES), issued when the model is loaded."""
    kind: str               # "scale" or "jacobian"
    message: str
    span: Span
    hint: Optional[str] = None


@dataclass(frozen=True)
class Program:
    statements: tuple[Stmt, ...]
    symbols: tuple[Symbol, ...]          # every top-level name, in definition order
    source_text: str = ""
    filename: str = "<string>"
    size_checks: tuple[SizeCheck, ...] = ()   # checked when data is bound
    warnings: tuple[CheckWarning, ...] = ()   # issued every time the model is loaded
    functions: tuple[FunctionDefinition, ...] = ()   # user functions (their calls are inlined)

    def symbol(self, name: str) -> Symbol:
        for symbol in self.symbols:
            if symbol.name == name:
                return symbol
        raise KeyError(name)

    @property
    def data(self) -> tuple[DataDeclaration, ...]:
        return tuple(s for s in self.statements if isinstance(s, DataDeclaration))

    @property
    def params(self) -> tuple[ParamDeclaration, ...]:
        return tuple(s for s in self.statements if isinstance(s, ParamDeclaration))


STAGE_ORDER = {"data": 0, "model": 1, "gen": 2}


def latest_stage(*stages: str) -> str:
    return max(stages, key=STAGE_ORDER.__getitem__, default="data")


def walk_expr(expr):
    """Yield expr and every sub-expression (pre-order; no recursion, so any depth)."""
    pending = [expr]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(_children(node)))


def _children(expr) -> tuple:
    if isinstance(expr, UnaryOp):
        return (expr.operand,)
    if isinstance(expr, BinaryOp):
        return (expr.left, expr.right)
    if isinstance(expr, IndexOp):
        return (expr.value,) + tuple(part for item in expr.items for part in _index_parts(item))
    if isinstance(expr, Call):
        return tuple(expr.args)
    if isinstance(expr, Stack):
        return tuple(expr.items)
    if isinstance(expr, (DistributionExpr, KernelExpr)):
        return tuple(arg for _, arg in expr.arguments)
    if isinstance(expr, LogProb):
        return (expr.distribution, expr.value)
    if isinstance(expr, OdeSolve):
        return (expr.initial_state, expr.initial_time, expr.times) + tuple(expr.arguments) + (
            expr.relative_tolerance, expr.absolute_tolerance, expr.max_steps)
    return ()


def walk_statements(statements):
    """Yield every statement, blocks' bodies included (pre-order)."""
    for statement in statements:
        yield statement
        if isinstance(statement, ForLoop):
            yield from walk_statements(statement.body)
        elif isinstance(statement, WhileLoop):
            yield from walk_statements(statement.test + statement.body)
        elif isinstance(statement, IfElse):
            yield from walk_statements(statement.then_body + statement.else_body)


def _index_parts(item: IndexItem):
    if isinstance(item, ScalarIndex):
        return (item.index,)
    if isinstance(item, GatherIndex):
        return (item.indices,)
    return tuple(p for p in (item.start, item.stop, item.step) if p is not None)
