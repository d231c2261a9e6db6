"""AST → model text.  Parsing the text again gives an equal AST (spans aside),
which the tests check for every example; `ppl show --ast` prints it."""

from __future__ import annotations

from codegen import ast

# binding strength, higher binds tighter (Python's order)
_PRECEDENCE = {"if": 0, "or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5,
               "*": 6, "/": 6, "//": 6, "%": 6, "@": 6, "unary": 7, "**": 8, "postfix": 9}


def program_text(program: ast.Program) -> str:
    lines: list[str] = []
    for statement in program.statements:
        _statement(statement, 0, lines)
    return "\n".join(lines) + "\n"


def statement_text(statement) -> str:
    lines: list[str] = []
    _statement(statement, 0, lines)
    return "\n".join(lines)


def _statement(s, depth: int, lines: list[str]) -> None:
    pad = "    " * depth
    gen = "gen " if getattr(s, "gen", False) else ""
    if isinstance(s, ast.DataDecl):
        lines.append(f"{pad}data {s.name}: {type_text(s.type)}")
    elif isinstance(s, ast.ParamDecl):
        lines.append(f"{pad}param {s.name}: {type_text(s.type)}")
    elif isinstance(s, ast.ArrayDecl):
        lines.append(f"{pad}{gen}{s.name}: {type_text(s.type)}")
    elif isinstance(s, ast.Assign):
        declared = f": {type_text(s.declared)}" if s.declared is not None else ""
        lines.append(f"{pad}{gen}{expr_text(s.target)}{declared} = {expr_text(s.value)}")
    elif isinstance(s, ast.Sample):
        lines.append(f"{pad}{gen}{expr_text(s.value)} ~ {expr_text(s.distribution)}{truncation_text(s.truncation)}")
    elif isinstance(s, ast.TargetIncrement):
        lines.append(f"{pad}target += {expr_text(s.value)}")
    elif isinstance(s, ast.LocalDecl):
        text = f"{pad}local {s.name}"
        if s.type is not None:
            text += f": {type_text(s.type)}"
        if s.value is not None:
            text += f" = {expr_text(s.value)}"
        lines.append(text)
    elif isinstance(s, ast.AugAssign):
        lines.append(f"{pad}{expr_text(s.target)} {s.op}= {expr_text(s.value)}")
    elif isinstance(s, ast.While):
        lines.append(f"{pad}while {expr_text(s.condition)}:")
        _body(s.body, depth, lines)
    elif isinstance(s, ast.Return):
        lines.append(f"{pad}return {expr_text(s.value)}")
    elif isinstance(s, ast.For):
        args = ", ".join(expr_text(a) for a in s.range_args)
        lines.append(f"{pad}for {s.var} in range({args}):")
        _body(s.body, depth, lines)
    elif isinstance(s, ast.If):
        _if(s, depth, lines, "if")
    elif isinstance(s, ast.FuncDef):
        params = ", ".join(f"{p.name}: {type_text(p.type)}" for p in s.params)
        lines.append(f"{pad}def {s.name}({params}) -> {type_text(s.return_type)}:")
        _body(s.body, depth, lines)
    else:
        raise TypeError(f"cannot print {type(s).__name__}")


def _if(s: ast.If, depth, lines, keyword):
    pad = "    " * depth
    lines.append(f"{pad}{keyword} {expr_text(s.condition)}:")
    _body(s.body, depth, lines)
    if len(s.orelse) == 1 and isinstance(s.orelse[0], ast.If):
        _if(s.orelse[0], depth, lines, "elif")
    elif s.orelse:
        lines.append(f"{pad}else:")
        _body(s.orelse, depth, lines)


def _body(statements, depth, lines):
    for statement in statements:
        _statement(statement, depth + 1, lines)


def type_text(t: ast.TypeExpr) -> str:
    text = t.name
    if t.bounds:
        text += "<" + ", ".join(f"{b.name}={expr_text(b.value)}" for b in t.bounds) + ">"
    if t.dims:
        text += "[" + ", ".join(expr_text(d) for d in t.dims) + "]"
    return text


def truncation_text(truncation, text=None) -> str:
    """` T[lower, upper]` (a bound left out stays empty), or "" without a truncation; ``text``
    writes a bound (``expr_text`` by default, ``ir_print.expr_text`` for the IR)."""
    if truncation is None:
        return ""
    text = text or expr_text
    bounds = ["" if bound is None else text(bound) for bound in (truncation.lower, truncation.upper)]
    return f" T[{bounds[0]}, {bounds[1]}]"


def expr_text(e, parent: int = 0) -> str:
    text, precedence = _expr(e)
    return f"({text})" if precedence < parent else text


def _expr(e) -> tuple[str, int]:
    if isinstance(e, ast.Name):
        return e.id, _PRECEDENCE["postfix"]
    if isinstance(e, ast.IntLiteral):
        return str(e.value), _PRECEDENCE["postfix"]
    if isinstance(e, ast.FloatLiteral):
        return repr(e.value), _PRECEDENCE["postfix"]
    if isinstance(e, ast.Unary):
        p = _PRECEDENCE["unary"]
        return f"{e.op}{expr_text(e.operand, p)}", p
    if isinstance(e, ast.Not):
        p = _PRECEDENCE["not"]
        return f"not {expr_text(e.operand, p)}", p
    if isinstance(e, ast.BoolOp):
        p = _PRECEDENCE[e.op]
        return f" {e.op} ".join(expr_text(v, p + 1) for v in e.values), p
    if isinstance(e, ast.Compare):
        p = _PRECEDENCE["compare"]
        return f"{expr_text(e.left, p + 1)} {e.op} {expr_text(e.right, p + 1)}", p
    if isinstance(e, ast.Binary):
        p = _PRECEDENCE[e.op]
        if e.op == "**":   # right-associative; its right side is a unary-level factor
            return f"{expr_text(e.left, _PRECEDENCE['postfix'])} ** {expr_text(e.right, _PRECEDENCE['unary'])}", p
        return f"{expr_text(e.left, p)} {e.op} {expr_text(e.right, p + 1)}", p
    if isinstance(e, ast.Index):
        subscripts = ", ".join(_subscript(s) for s in e.subscripts)
        return f"{expr_text(e.value, _PRECEDENCE['postfix'])}[{subscripts}]", _PRECEDENCE["postfix"]
    if isinstance(e, ast.Attribute):
        return f"{expr_text(e.value, _PRECEDENCE['postfix'])}.{e.attr}", _PRECEDENCE["postfix"]
    if isinstance(e, ast.Call):
        args = [expr_text(a) for a in e.args] + [f"{k.name}={expr_text(k.value)}" for k in e.keywords]
        return f"{expr_text(e.func, _PRECEDENCE['postfix'])}({', '.join(args)})", _PRECEDENCE["postfix"]
    if isinstance(e, ast.ListLiteral):
        return "[" + ", ".join(expr_text(i) for i in e.items) + "]", _PRECEDENCE["postfix"]
    if isinstance(e, ast.IfExp):
        p = _PRECEDENCE["if"]
        return f"{expr_text(e.body, p + 1)} if {expr_text(e.condition, p + 1)} else {expr_text(e.orelse, p)}", p
    raise TypeError(f"cannot print {type(e).__name__}")


def _subscript(s) -> str:
    if not isinstance(s, ast.Slice):
        return expr_text(s)
    text = (expr_text(s.start) if s.start is not None else "") + ":" + \
           (expr_text(s.stop) if s.stop is not None else "")
    if s.step is not None:
        text += ":" + expr_text(s.step)
    return text
