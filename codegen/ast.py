"""The abstract syntax tree: what the parser produces and the checker consumes.

Nodes are frozen dataclasses and mirror the text closely (no desugaring except
`elif`, which becomes an `if` nested in `else`).  Every node carries the
source span it came from; spans take no part in equality, so a program
printed back to text (codegen/unparse.py) and parsed again compares equal to
the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from ppl.errors import Span

NO_SPAN = Span(0, 0, 0, 0)


def _span():
    return field(default=NO_SPAN, compare=False, repr=False)


# ---- expressions ------------------------------------------------------------

@dataclass(frozen=True)
class Name:
    id: str
    span: Span = _span()


@dataclass(frozen=True)
class IntLiteral:
    value: int
    span: Span = _span()


@dataclass(frozen=True)
class FloatLiteral:
    value: float
    span: Span = _span()


@dataclass(frozen=True)
class Unary:
    """`-x` or `+x`."""
    op: str
    operand: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class Binary:
    """Arithmetic: + - * / // % @ **."""
    op: str
    left: "Expr"
    right: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class Compare:
    op: str
    left: "Expr"
    right: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class BoolOp:
    """`a and b and c` or `a or b`."""
    op: str
    values: tuple["Expr", ...]
    span: Span = _span()


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class Slice:
    """`start:stop:step` inside an index; absent parts are None."""
    start: Optional["Expr"]
    stop: Optional["Expr"]
    step: Optional["Expr"]
    span: Span = _span()


@dataclass(frozen=True)
class Index:
    """`value[i, a:b, idx]`: scalar indices, slices and integer-array gathers."""
    value: "Expr"
    subscripts: tuple[Union["Expr", Slice], ...]
    span: Span = _span()


@dataclass(frozen=True)
class Attribute:
    """`value.name`: `.T`, or the method in `Normal(0, 1).log_prob(x)`."""
    value: "Expr"
    attr: str
    span: Span = _span()


@dataclass(frozen=True)
class Keyword:
    name: str
    value: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    """`func(args, name=value)`; func is a Name or an Attribute (a method)."""
    func: "Expr"
    args: tuple["Expr", ...]
    keywords: tuple[Keyword, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ListLiteral:
    """`[a, b, c]`, stacked like np.array."""
    items: tuple["Expr", ...]
    span: Span = _span()


@dataclass(frozen=True)
class IfExp:
    """`body if condition else orelse`, Python's conditional expression."""
    body: "Expr"
    condition: "Expr"
    orelse: "Expr"
    span: Span = _span()


Expr = Union[Name, IntLiteral, FloatLiteral, Unary, Binary, Compare, BoolOp, Not,
             Index, Attribute, Call, ListLiteral, IfExp]


# ---- types ------------------------------------------------------------------

@dataclass(frozen=True)
class Bound:
    """`lower=EXPR` or `upper=EXPR` inside `<...>`."""
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class TypeExpr:
    """`real<lower=0>[N, K]`: a type name, optional bounds, optional dims."""
    name: str
    bounds: tuple[Bound, ...]
    dims: tuple[Expr, ...]
    span: Span = _span()


# ---- statements ---------------------------------------------------------------

@dataclass(frozen=True)
class DataDecl:
    name: str
    type: TypeExpr
    span: Span = _span()
    name_span: Span = _span()   # the declared name (or loop variable)


@dataclass(frozen=True)
class ParamDecl:
    name: str
    type: TypeExpr
    span: Span = _span()
    name_span: Span = _span()   # the declared name (or loop variable)


@dataclass(frozen=True)
class ArrayDecl:
    """`NAME: TYPE`, a deterministic array filled element by element."""
    name: str
    type: TypeExpr
    gen: bool = False
    span: Span = _span()
    name_span: Span = _span()   # the declared name (or loop variable)


@dataclass(frozen=True)
class Assign:
    """`target = value`; target is a Name or an Index of a Name.  `NAME: TYPE = value` gives the
    quantity a declared type (`declared`), whose bounds are checked at every evaluation."""
    target: Expr
    value: Expr
    gen: bool = False
    span: Span = _span()
    declared: Optional[TypeExpr] = None


@dataclass(frozen=True)
class Truncation:
    """Stan's `T[lower, upper]` after a `~`'s distribution; a bound left out is None."""
    lower: Optional[Expr]
    upper: Optional[Expr]
    span: Span = _span()


@dataclass(frozen=True)
class Sample:
    """`value ~ distribution`, optionally `value ~ distribution T[lower, upper]`."""
    value: Expr
    distribution: Expr
    gen: bool = False
    span: Span = _span()
    truncation: Optional[Truncation] = None


@dataclass(frozen=True)
class TargetIncrement:
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class For:
    """`for var in range(args):` with one to three range arguments."""
    var: str
    range_args: tuple[Expr, ...]
    body: tuple["Stmt", ...]
    span: Span = _span()
    name_span: Span = _span()   # the declared name (or loop variable)


@dataclass(frozen=True)
class If:
    condition: Expr
    body: tuple["Stmt", ...]
    orelse: tuple["Stmt", ...]
    span: Span = _span()


@dataclass(frozen=True)
class LocalDecl:
    """`local NAME: TYPE = EXPR`: a name that may be assigned again (type or value optional)."""
    name: str
    type: Optional[TypeExpr]
    value: Optional[Expr]
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True)
class AugAssign:
    """`target op= value` (op one of + - * /) on a local or an element of a local array."""
    target: Expr
    op: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class While:
    """`while condition:` and its body."""
    condition: Expr
    body: tuple["Stmt", ...]
    span: Span = _span()


@dataclass(frozen=True)
class FuncParam:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True)
class FuncDef:
    name: str
    params: tuple[FuncParam, ...]
    return_type: TypeExpr
    body: tuple["Stmt", ...]
    span: Span = _span()


@dataclass(frozen=True)
class Return:
    value: Expr
    span: Span = _span()


Stmt = Union[DataDecl, ParamDecl, ArrayDecl, Assign, Sample, TargetIncrement,
             For, If, FuncDef, Return, LocalDecl, AugAssign, While]


@dataclass(frozen=True)
class Program:
    statements: tuple[Stmt, ...]
    span: Span = _span()
