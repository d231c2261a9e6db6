"""The readable outline `ppl check` prints: data, params with the transform
each gets, deterministic quantities, generated quantities, statements, and the
sizes checked when data is bound."""

from __future__ import annotations

from codegen import ir
from codegen.ir_print import expr_text, items_text, size_check_text
from codegen.shapes import Dim, shape_str
from ppl.catalogue import constraints as C


def outline(program: ir.Program) -> str:
    out: list[str] = []
    rows = [(d.name, declared_text(d.type, d.bounds, d.constraint)) for d in program.data]
    _section(out, "data", rows)

    params = program.params
    sizes = [unconstrained_size(p) for p in params]
    total = _sum_text(sizes)
    rows = [(p.name, f"{declared_text(p.type, p.constraint.bounds, p.constraint.constraint)}",
             f"{_transform(p)}; {size} unconstrained") for p, size in zip(params, sizes)]
    plural = "" if total == "1" else "s"
    _section(out, f"params ({total} unconstrained coordinate{plural})" if params else "params", rows)

    top = program.statements
    for role, title in ((ir.Role.TRANSFORMED_DATA, "transformed data (computed once from data)"),
                        (ir.Role.DETERMINISTIC, "deterministic quantities (per draw)"),
                        (ir.Role.GEN, "generated quantities (per saved draw)")):
        rows = []
        bounded = {s.name: s.bounds for s in top if isinstance(s, ir.BoundCheck)}   # checked, not a transform
        for s in top:
            if isinstance(s, ir.Assign) and s.role == role:
                note = "" if s.saved else "not saved"
                type_text = declared_text(s.value.type, bounded.get(s.name, ir.Bounds()), None)
                rows.append((s.name, type_text, f"= {expr_text(s.value)}", note))
            elif isinstance(s, ir.ArrayDeclaration) and s.role == role:
                type_text = declared_text(s.type, bounded.get(s.name, ir.Bounds()), None)
                rows.append((s.name, type_text, "filled element by element", "" if s.saved else "not saved"))
            elif isinstance(s, ir.SampleStatement) and s.defines and role == ir.Role.GEN:
                rows.append((s.defines, str(s.value.type), f"~ {expr_text(s.distribution)}", ""))
        _section(out, title, rows)

    out.append("model:")
    _statements(top, 1, out)
    if program.size_checks:
        out.append("")
        out.append("sizes checked when data is bound:")
        out.extend(f"  {size_check_text(check)}" for check in program.size_checks)
    return "\n".join(out) + "\n"


def unconstrained_size(p: ir.ParamDeclaration) -> str:
    c = p.constraint
    batch = _product(c.batch_shape)
    if not c.event_shape:
        return str(batch)
    k = c.event_shape[-1]
    per_event = {
        C.SIMPLEX.name: lambda: str(k - Dim.constant(1)),
        C.ORDERED.name: lambda: str(k),
        C.POSITIVE_ORDERED.name: lambda: str(k),
        C.CORR_CHOLESKY.name: lambda: _triangle(k, diagonal=False),
        C.CORR.name: lambda: _triangle(k, diagonal=False),
        C.COV_CHOLESKY.name: lambda: _triangle(k, diagonal=True),
        C.COV.name: lambda: _triangle(k, diagonal=True),
    }[c.constraint.name]()
    if batch.value == 1:
        return per_event
    return f"{batch}*({per_event})"


def _triangle(k: Dim, diagonal: bool) -> str:
    if k.value is not None:
        return str(k.value * (k.value + (1 if diagonal else -1)) // 2)
    return f"{k}*({k} {'+' if diagonal else '-'} 1)/2"


def _product(shape) -> Dim:
    total = Dim.constant(1)
    for d in shape:
        total = total * d
    return total


def _sum_text(sizes: list[str]) -> str:
    if all(s.isdigit() for s in sizes):
        return str(sum(int(s) for s in sizes))
    return " + ".join(sizes)


def _transform(p: ir.ParamDeclaration) -> str:
    c = p.constraint
    name = c.constraint.name
    if name == "real":
        return "unconstrained (identity)"
    if name == "lower":
        return f"lower bound: {p.name} = {expr_text(c.bounds.lower)} + exp(u)"
    if name == "upper":
        return f"upper bound: {p.name} = {expr_text(c.bounds.upper)} - exp(u)"
    if name == "interval":
        return (f"interval: {p.name} = {expr_text(c.bounds.lower)} + ({expr_text(c.bounds.upper)} - "
                f"{expr_text(c.bounds.lower)}) * sigmoid(u)")
    return f"{name}: {c.constraint.transform}"


def declared_text(type_: ir.Type, bounds: ir.Bounds, constraint) -> str:
    if constraint is not None and constraint.name in C.DECLARABLE_SHAPES:
        written = len(type_.shape) - (constraint.event_rank - constraint.declared_rank)
        return f"{constraint.name}{shape_str(type_.shape[:written])}"
    parts = []
    if bounds.lower is not None:
        parts.append(f"lower={expr_text(bounds.lower)}")
    if bounds.upper is not None:
        parts.append(f"upper={expr_text(bounds.upper)}")
    text = type_.dtype + (f"<{', '.join(parts)}>" if parts else "")
    return text + (shape_str(type_.shape) if type_.shape else "")


def _section(out, title, rows):
    if not rows:
        return
    out.append(f"{title}:")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        out.append(("  " + "  ".join(cells)).rstrip())
    out.append("")


def _statements(statements, depth, out):
    pad = "  " * depth
    for s in statements:
        where = f"line {s.span.line:>3}"
        if isinstance(s, ir.SampleStatement):
            if s.stage == "gen":
                continue
            out.append(f"{pad}{where}  {expr_text(s.value)} ~ {expr_text(s.distribution)}")
        elif isinstance(s, ir.TargetIncrement):
            out.append(f"{pad}{where}  target += {expr_text(s.value)}")
        elif isinstance(s, ir.ForLoop) and s.stage != "gen":
            out.append(f"{pad}{where}  for {s.var} in range({expr_text(s.start)}, {expr_text(s.stop)}):")
            _statements(s.body, depth + 1, out)
        elif isinstance(s, ir.IfElse) and s.stage != "gen":
            out.append(f"{pad}{where}  if {expr_text(s.condition)}:")
            _statements(s.then_body, depth + 1, out)
            if s.else_body:
                out.append(f"{pad}           else:")
                _statements(s.else_body, depth + 1, out)
        elif isinstance(s, ir.IndexAssign) and s.stage != "gen":
            out.append(f"{pad}{where}  {s.name}[{items_text(s.items)}] = {expr_text(s.value)}")
        elif isinstance(s, ir.Assign) and s.role == ir.Role.LOCAL:
            out.append(f"{pad}{where}  {s.name} = {expr_text(s.value)}")
