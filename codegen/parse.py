"""Stage 1: model text → AST (codegen/ast.py).

Lark's LALR(1) parser with a Python-style indenter.  Syntax errors are turned
into located :class:`ModelSyntaxError` messages written for modellers: a table
of labelled bad snippets (codegen/syntax_errors.py) is matched against the
parser state, and anything else is described with words, not token names.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import lark
from lark.indenter import Indenter

from codegen import ast
from codegen.syntax_errors import describe_syntax_error
from ppl.errors import InternalError, ModelSyntaxError, Source, Span


class _PplIndenter(Indenter):
    """Lark's indenter, with located errors for tabs and inconsistent dedents."""

    NL_type = "_NEWLINE"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token):
        if self.paren_level > 0:
            return
        indentation = token.rsplit("\n", 1)[1]
        line = token.end_line
        if "\t" in indentation:
            column = indentation.index("\t") + 1
            raise ModelSyntaxError(
                "a tab in the indentation", Span(line, column, line, column + 1),
                hint="indent blocks with spaces only (tabs and spaces mixed make the block structure ambiguous)")
        width = len(indentation)
        levels = self.indent_level
        open_levels = sorted(set(levels))
        yield token
        if width > levels[-1]:
            levels.append(width)
            yield lark.Token.new_borrow_pos(self.INDENT_type, indentation, token)
            return
        while width < levels[-1]:
            levels.pop()
            yield lark.Token.new_borrow_pos(self.DEDENT_type, indentation, token)
        if width != levels[-1]:
            raise ModelSyntaxError(
                f"this line's indentation ({width} spaces) matches no enclosing block",
                Span(line, 1, line, max(2, width + 1)),
                expected="an indentation of " + " or ".join(f"{n} spaces" for n in open_levels),
                hint="line up the statement with the block it belongs to")


def _grammar_text() -> str:
    """The grammar beside this codegen: a checkout's grammar/ when codegen is imported from a
    source tree (also when another checkout is installed editable, whose `codegen.grammar`
    would be that other tree's), else the installed package `codegen.grammar`."""
    checkout = Path(__file__).resolve().parent.parent / "grammar" / "ppl.lark"
    if checkout.is_file():
        return checkout.read_text()
    return resources.files("codegen.grammar").joinpath("ppl.lark").read_text()


@functools.lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    grammar = _grammar_text()
    return lark.Lark(grammar, parser="lalr", postlex=_PplIndenter(),
                     propagate_positions=True, maybe_placeholders=True, start="start")


def parse(source: Source) -> ast.Program:
    """Parse model text into an AST, or raise a located ModelSyntaxError."""
    text = source.text if source.text.endswith("\n") else source.text + "\n"
    try:
        tree = _parser().parse(text)
    except ModelSyntaxError as error:
        raise error.with_source(source)
    except lark.exceptions.UnexpectedInput as error:
        raise describe_syntax_error(error, text, _parse_snippet).with_source(source) from None
    except lark.exceptions.VisitError as error:  # raised inside the indenter via the lexer
        if isinstance(error.orig_exc, ModelSyntaxError):
            raise error.orig_exc.with_source(source) from None
        raise
    try:
        return _ToAst().transform(tree)
    except lark.exceptions.VisitError as error:
        if isinstance(error.orig_exc, (ModelSyntaxError, InternalError)):
            raise _attach(error.orig_exc, source) from None
        raise


def _attach(error, source):
    return error.with_source(source) if isinstance(error, ModelSyntaxError) else error


def _parse_snippet(text: str):
    """Parse a snippet of the error-example table (used by match_examples)."""
    return _parser().parse(text if text.endswith("\n") else text + "\n")


# ---- tree → AST ------------------------------------------------------------

def _span_of(item) -> Span:
    if isinstance(item, lark.Token):
        return Span(item.line, item.column, item.end_line, item.end_column)
    if isinstance(item, lark.Tree):
        meta = item.meta
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)
    span = getattr(item, "span", None)
    if span is None:
        raise InternalError(f"no source position for {item!r}")
    return span


def _between(first, last) -> Span:
    return _span_of(first).to(_span_of(last))


@lark.v_args(meta=True)
class _ToAst(lark.Transformer):
    """One method per grammar rule; a rule without one is a bug, not a silent copy."""

    def __default__(self, data, children, meta):
        raise InternalError(f"the parser has no AST conversion for grammar rule '{data}'")

    @staticmethod
    def _span(meta) -> Span:
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)

    # program and statements
    def start(self, meta, statements):
        statements = tuple(s for s in statements if s is not None)
        span = self._span(meta) if not meta.empty else ast.NO_SPAN
        return ast.Program(statements, span)

    def suite(self, meta, statements):
        return tuple(statements)

    def data_decl(self, meta, children):
        name, type_ = children
        return ast.DataDecl(str(name), type_, self._span(meta), _span_of(name))

    def param_decl(self, meta, children):
        name, type_ = children
        return ast.ParamDecl(str(name), type_, self._span(meta), _span_of(name))

    def array_decl(self, meta, children):
        name, type_, value = children
        if value is not None:   # `sigma2: real<lower=0> = s1 - s2`
            return ast.Assign(ast.Name(str(name), _span_of(name)), value, False, self._span(meta), type_)
        return ast.ArrayDecl(str(name), type_, False, self._span(meta), _span_of(name))

    def assign(self, meta, children):
        target, value = children
        if isinstance(target, ast.Compare) and isinstance(target.left, ast.Name) and target.left.id in _TYPE_WORDS:
            name = value.right if isinstance(value, ast.Compare) and isinstance(value.right, ast.Name) else value
            raise ModelSyntaxError(
                "this looks like a Stan declaration", _span_of(name),
                hint="in ppl a declaration names the variable first: `data y: real<lower=0>[N]`, "
                     "`param sigma: real<lower=0>`")
        if not _is_assignable(target):
            raise ModelSyntaxError(
                "cannot assign to this expression", _span_of(target),
                expected="a name (`mu = ...`) or an element of a declared array (`mu[i] = ...`)",
                hint="to add to the log density of a value use `~` or `target += ...`")
        return ast.Assign(target, value, False, self._span(meta))

    def sample(self, meta, children):
        value, distribution, truncation = children
        return ast.Sample(value, distribution, False, self._span(meta), truncation)

    def truncation(self, meta, children):
        lower, upper = children
        return ast.Truncation(lower, upper, self._span(meta))

    def target_increment(self, meta, children):
        (value,) = children
        return ast.TargetIncrement(value, self._span(meta))

    def gen_stmt(self, meta, children):
        (inner,) = children
        span = self._span(meta)
        if isinstance(inner, ast.ArrayDecl):
            return ast.ArrayDecl(inner.name, inner.type, True, span, inner.name_span)
        if isinstance(inner, ast.Assign):
            return ast.Assign(inner.target, inner.value, True, span, inner.declared)
        return ast.Sample(inner.value, inner.distribution, True, span, inner.truncation)

    def local_decl(self, meta, children):
        name, type_, value = children
        if type_ is None and value is None:
            raise ModelSyntaxError(f"the local '{name}' needs a type or a first value", _span_of(name),
                                   hint=f"write `local {name}: real = 0`, `local {name} = 0.0` or "
                                        f"`local {name}: real[N]`")
        return ast.LocalDecl(str(name), type_, value, self._span(meta), _span_of(name))

    def aug_assign(self, meta, children):
        target, op, value = children
        if not _is_assignable(target):
            raise ModelSyntaxError(
                f"cannot update this expression with `{op}`", _span_of(target),
                expected="a local (`acc += x`) or an element of a local array (`state[k] += x`)")
        return ast.AugAssign(target, str(op)[0], value, self._span(meta))

    def while_stmt(self, meta, children):
        condition, body = children
        return ast.While(condition, body, self._span(meta))

    def if_expr(self, meta, children):
        body, condition, orelse = children
        return ast.IfExp(body, condition, orelse, self._span(meta))

    def return_stmt(self, meta, children):
        (value,) = children
        return ast.Return(value, self._span(meta))

    def for_stmt(self, meta, children):
        var, arguments, body = children
        args, keywords = arguments
        if keywords:
            raise ModelSyntaxError("range() takes no keyword arguments", keywords[0].span,
                                   hint="write `range(stop)` or `range(start, stop)` or `range(start, stop, step)`")
        if not 1 <= len(args) <= 3:
            raise ModelSyntaxError(f"range() takes 1 to 3 arguments, not {len(args)}", _span_of(args[3]),
                                   hint="write `range(stop)` or `range(start, stop)` or `range(start, stop, step)`")
        return ast.For(str(var), tuple(args), body, self._span(meta), _span_of(var))

    def if_stmt(self, meta, children):
        condition, body, *rest = children
        orelse = ()
        if rest and isinstance(rest[-1], tuple) and len(rest[-1]) == 2:
            orelse = rest[-1][1]
            rest = rest[:-1]
        rest = [r for r in rest if r is not None]
        for elif_condition, elif_body, elif_span in reversed(rest):
            orelse = (ast.If(elif_condition, elif_body, orelse, elif_span),)
        return ast.If(condition, body, orelse, self._span(meta))

    def elif_clause(self, meta, children):
        condition, body = children
        return (condition, body, self._span(meta))

    def else_clause(self, meta, children):
        (body,) = children
        return ("else", body)

    def funcdef(self, meta, children):
        name, *rest = children
        *params, return_type, body = rest
        params = tuple(p for p in params if p is not None)
        return ast.FuncDef(str(name), params, return_type, body, self._span(meta))

    def func_param(self, meta, children):
        name, type_ = children
        return ast.FuncParam(str(name), type_, self._span(meta))

    # types
    def type(self, meta, children):
        name, bounds, dims = children
        return ast.TypeExpr(str(name), tuple(bounds or ()), tuple(dims or ()), self._span(meta))

    def bounds(self, meta, children):
        return [c for c in children if isinstance(c, ast.Bound)]

    def bound(self, meta, children):
        name, value = children
        return ast.Bound(str(name), value, self._span(meta))

    def dims(self, meta, children):
        return list(children)

    # expressions
    def or_(self, meta, children):
        return ast.BoolOp("or", tuple(children), self._span(meta))

    def and_(self, meta, children):
        return ast.BoolOp("and", tuple(children), self._span(meta))

    def not_(self, meta, children):
        (operand,) = children
        return ast.Not(operand, self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(str(op), left, right, self._span(meta))

    def _compare_op(self, meta, children):
        (op,) = children
        return op

    def binary(self, meta, children):
        left, op, right = children
        return ast.Binary(str(op), left, right, self._span(meta))

    def unary(self, meta, children):
        op, operand = children
        return ast.Unary(str(op), operand, self._span(meta))

    def pow(self, meta, children):
        base, _, exponent = children
        return ast.Binary("**", base, exponent, self._span(meta))

    def index(self, meta, children):
        value, subscripts = children
        return ast.Index(value, subscripts, self._span(meta))

    def subscripts(self, meta, children):
        return tuple(children)

    def slice(self, meta, children):
        start, stop, step = children
        span = self._span(meta) if not meta.empty else ast.NO_SPAN
        return ast.Slice(start, stop, step, span)

    def call(self, meta, children):
        func, arguments = children
        args, keywords = arguments if arguments is not None else ((), ())
        return ast.Call(func, args, keywords, self._span(meta))

    def arguments(self, meta, children):
        args, keywords = [], []
        for child in children:
            if isinstance(child, ast.Keyword):
                if any(k.name == child.name for k in keywords):
                    raise ModelSyntaxError(f"keyword argument '{child.name}' is given twice", child.span)
                keywords.append(child)
            elif keywords:
                raise ModelSyntaxError("a positional argument follows a keyword argument", _span_of(child),
                                       hint="put positional arguments first, as in Python")
            else:
                args.append(child)
        return tuple(args), tuple(keywords)

    def keyword_argument(self, meta, children):
        name, value = children
        return ast.Keyword(str(name), value, self._span(meta))

    def attribute(self, meta, children):
        value, name = children
        return ast.Attribute(value, str(name), self._span(meta))

    def name(self, meta, children):
        (token,) = children
        return ast.Name(str(token), _span_of(token))

    def int_literal(self, meta, children):
        (token,) = children
        return ast.IntLiteral(int(token), _span_of(token))

    def float_literal(self, meta, children):
        (token,) = children
        return ast.FloatLiteral(float(token), _span_of(token))

    def list_literal(self, meta, children):
        return ast.ListLiteral(tuple(children), self._span(meta))


_TYPE_WORDS = {"real", "int", "vector", "row_vector", "matrix", "simplex", "ordered", "positive_ordered",
               "cov_matrix", "corr_matrix", "cholesky_factor_corr", "cholesky_factor_cov"}


def _is_assignable(target) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, ast.Index) and isinstance(target.value, ast.Name)
