"""Text forms of the IR: expressions as source-like text (for messages and
opaque sizes) and whole programs for `ppl show --ir`."""

from __future__ import annotations

from codegen import ir
from codegen.shapes import shape_str

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, "@": 6, "neg": 7, "**": 8}


def expr_text(expr, parent: int = 0) -> str:
    text, precedence = _expr(expr)
    return f"({text})" if precedence < parent else text


def _expr(expr) -> tuple[str, int]:
    if isinstance(expr, ir.Constant):
        return repr(expr.value), 9
    if isinstance(expr, ir.Variable):
        return expr.name, 9
    if isinstance(expr, ir.UnaryOp):
        if expr.op == "not":
            return f"not {expr_text(expr.operand, 3)}", 3
        return f"{expr.op}{expr_text(expr.operand, 7)}", 7
    if isinstance(expr, ir.BinaryOp):
        p = _PRECEDENCE[expr.op]
        if expr.op == "**":
            return f"{expr_text(expr.left, p + 1)} ** {expr_text(expr.right, p)}", p
        return f"{expr_text(expr.left, p)} {expr.op} {expr_text(expr.right, p + 1)}", p
    if isinstance(expr, ir.IndexOp):
        return f"{expr_text(expr.value, 9)}[{', '.join(_item(i) for i in expr.items)}]", 9
    if isinstance(expr, ir.Call):
        args = [expr_text(a) for a in expr.args] + [f"{k}={v}" for k, v in expr.options]
        return f"{expr.function}({', '.join(args)})", 9
    if isinstance(expr, ir.Stack):
        return "[" + ", ".join(expr_text(i) for i in expr.items) + "]", 9
    if isinstance(expr, (ir.DistributionExpr, ir.KernelExpr)):
        args = ", ".join(f"{name}={expr_text(value)}" for name, value in expr.arguments)
        return f"{expr.family}({args})", 9
    if isinstance(expr, ir.LogProb):
        return f"{expr_text(expr.distribution, 9)}.{expr.method}({expr_text(expr.value)})", 9
    if isinstance(expr, ir.OdeSolve):
        args = [expr.function] + [expr_text(a) for a in (expr.initial_state, expr.initial_time, expr.times)
                                  + expr.arguments]
        args += [f"{k}={expr_text(v)}" for k, v in (("rtol", expr.relative_tolerance),
                                                    ("atol", expr.absolute_tolerance), ("max_steps", expr.max_steps))]
        return f"ode_{expr.method}({', '.join(args)})", 9
    return f"<{type(expr).__name__}>", 9


def items_text(items) -> str:
    return ", ".join(_item(i) for i in items)


def _item(item) -> str:
    if isinstance(item, ir.ScalarIndex):
        return expr_text(item.index)
    if isinstance(item, ir.GatherIndex):
        return expr_text(item.indices)
    parts = [expr_text(p) if p is not None else "" for p in (item.start, item.stop)]
    text = ":".join(parts)
    if item.step is not None:
        text += ":" + expr_text(item.step)
    return text


def type_text(type_) -> str:
    return str(type_)


def program_text(program: ir.Program) -> str:
    """The whole IR, one statement a line, with types and stages."""
    lines: list[str] = []
    for function in program.functions:
        lines.extend(function_lines(function))
    _statements(program.statements, 0, lines)
    if program.size_checks:
        lines.append("# sizes checked when data is bound:")
        lines.extend(size_check_text(check) for check in program.size_checks)
    return "\n".join(lines) + "\n"


def size_check_text(check: ir.SizeCheck) -> str:
    """`check K == 2  # line 5: mu vs y (if K > 1)`."""
    guards = []
    for guard in check.guards:
        if guard.kind == "loop":
            guards.append(f"range({', '.join(expr_text(e) for e in guard.exprs)}) is not empty")
        else:
            condition = expr_text(guard.exprs[0])
            guards.append(condition if guard.kind == "if" else f"not ({condition})")
    when = f" when {' and '.join(guards)}" if guards else ""
    return (f"check {check.left} == {check.right}{when}  "
            f"# line {check.span.line}: {check.left_what} vs {check.right_what}")


def function_lines(function: ir.FunctionDefinition) -> list[str]:
    """A user function as checked on its own (its calls in the program are inlined)."""
    arguments = ", ".join(f"{name}: {type_}" for name, type_ in function.parameters)
    lines = [f"def {function.name}({arguments}) -> {function.return_type}:"]
    _statements(function.body, 1, lines)
    lines.append(f"    return {expr_text(function.result)}")
    return lines


def statement_lines(statement) -> list[str]:
    """One statement (a block with its body), as program_text prints it."""
    lines: list[str] = []
    _statement(statement, 0, lines)
    return lines


def _statements(statements, depth, lines):
    for statement in statements:
        _statement(statement, depth, lines)


def _statement(s, depth, lines):
    pad = "    " * depth
    tag = f"[{s.stage}]"
    if isinstance(s, ir.DataDeclaration):
        bounds = _bounds(s.bounds)
        extra = f" {s.constraint.name}" if s.constraint else ""
        lines.append(f"{pad}{tag} data {s.name}: {s.type}{bounds}{extra}")
    elif isinstance(s, ir.ParamDeclaration):
        c = s.constraint
        lines.append(f"{pad}{tag} param {s.name}: {s.type} constraint={c.constraint.name}{_bounds(c.bounds)}"
                     f" batch={shape_str(c.batch_shape)} event={shape_str(c.event_shape)}")
    elif isinstance(s, ir.Assign):
        saved = "" if s.saved else " (not saved)"
        lines.append(f"{pad}{tag} {s.name}: {s.value.type} = {expr_text(s.value)}  # {s.role}{saved}")
    elif isinstance(s, ir.ArrayDeclaration):
        lines.append(f"{pad}{tag} {s.name}: {s.type}  # {s.role} array, filled element by element")
    elif isinstance(s, ir.IndexAssign):
        items = ", ".join(_item(i) for i in s.items)
        lines.append(f"{pad}{tag} {s.name}[{items}] = {expr_text(s.value)}")
    elif isinstance(s, ir.SampleStatement):
        truncation = "" if s.truncation is None else " T[{}, {}]".format(
            *("" if bound is None else expr_text(bound) for bound in (s.truncation.lower, s.truncation.upper)))
        lines.append(f"{pad}{tag} {expr_text(s.value)} ~ {expr_text(s.distribution)}{truncation}"
                     f"  # {s.distribution.type}")
    elif isinstance(s, ir.TargetIncrement):
        lines.append(f"{pad}{tag} target += {expr_text(s.value)}")
    elif isinstance(s, ir.BoundCheck):
        lines.append(f"{pad}{tag} check {s.name}{_bounds(s.bounds)}")
    elif isinstance(s, ir.ForLoop):
        lines.append(f"{pad}{tag} for {s.var} in range({expr_text(s.start)}, {expr_text(s.stop)}, "
                     f"{expr_text(s.step)}):")
        _statements(s.body, depth + 1, lines)
    elif isinstance(s, ir.WhileLoop):
        lines.append(f"{pad}{tag} while:  # carries {', '.join(s.carried)}")
        _statements(s.test, depth + 1, lines)
        lines.append(f"{pad}    until not {expr_text(s.condition)}")
        _statements(s.body, depth + 1, lines)
    elif isinstance(s, ir.IfElse):
        lines.append(f"{pad}{tag} if {expr_text(s.condition)}:")
        _statements(s.then_body, depth + 1, lines)
        if s.else_body:
            lines.append(f"{pad}else:")
            _statements(s.else_body, depth + 1, lines)


def _bounds(bounds: ir.Bounds) -> str:
    parts = []
    if bounds.lower is not None:
        parts.append(f"lower={expr_text(bounds.lower)}")
    if bounds.upper is not None:
        parts.append(f"upper={expr_text(bounds.upper)}")
    return f"<{', '.join(parts)}>" if parts else ""
