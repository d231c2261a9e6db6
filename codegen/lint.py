"""Warnings about valid models that probably do not mean what they seem (Stan's pedantic
checks): typed IR → a tuple of ``ir.CheckWarning``, stored in the program and issued as
Python warnings (ppl.errors.ModelWarning) every time the model is loaded.

* **An unconstrained scale** (``UnconstrainedScaleWarning``): a param given where a
  distribution, a kernel or a covariance function needs a positive value (``Normal``'s scale,
  a rate, a concentration, an amplitude or length scale) but
  declared without a positivity constraint (``param s: real``).  The sampler then proposes
  negative values that are rejected one by one.  Said once per param, at its first such use;
  a lower bound that is an expression (not a number) is not judged.
* **A `~` on a non-linear function of a param** (``JacobianWarning``): ``log(x) ~ Normal(0, 1)``
  is a density of log(x); as a density of x it needs the log absolute Jacobian of the
  transform added to the target (``target += -log(x)``).  Stan warns whenever the value of a
  ``~`` is not a plain variable; ppl warns only when it is not affine in the params as written
  in the statement (sums, differences, products with data, indexing, slicing, stacking and
  linear reductions of params have a constant Jacobian and need nothing).  A deterministic or
  a local in the value counts as a name, not as the expression that defines it.
"""

from __future__ import annotations

from codegen import ir
from codegen.ir_print import expr_text
from codegen.shapes import shape_str
from ppl.catalogue import constraints as C
from ppl.catalogue.builtins import BUILTINS
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.kernels import KERNELS

_POSITIVE_DOMAINS = (C.POSITIVE, C.NONNEGATIVE)
_NON_NEGATIVE_SHAPES = (C.SIMPLEX, C.POSITIVE_ORDERED)

# Built-ins that are linear in their (first) argument.
_LINEAR_CALLS = {"sum", "mean", "cumsum", "transpose", "diag"}


def lint(program: ir.Program) -> tuple[ir.CheckWarning, ...]:
    params = {p.name: p for p in program.params}
    found: list[ir.CheckWarning] = []
    warned_scales: set[str] = set()
    for statement in ir.walk_statements(program.statements):
        for expr in _statement_exprs(statement):
            for node in ir.walk_expr(expr):
                positive = _positive_arguments(node)
                if positive:
                    found.extend(_unconstrained_scales(positive, params, warned_scales))
        if isinstance(statement, ir.SampleStatement) and statement.stage == "model":
            warning = _jacobian(statement)
            if warning is not None:
                found.append(warning)
    return tuple(found)


def _statement_exprs(statement) -> tuple:
    if isinstance(statement, ir.SampleStatement):
        return (statement.value, statement.distribution)
    if isinstance(statement, (ir.TargetIncrement, ir.Assign, ir.IndexAssign)):
        return (statement.value,)
    return ()


# ---- scales ------------------------------------------------------------------------------

def _positive_arguments(node) -> list[tuple[str, str, object]]:
    """(owner, parameter, argument) for each argument of node that must be positive: a
    distribution's or a kernel's (from the catalogue), or a covariance function's amplitude
    and length scale (its last two arguments)."""
    if isinstance(node, (ir.DistributionExpr, ir.KernelExpr)):
        declared = DISTRIBUTIONS[node.family].parameters if isinstance(node, ir.DistributionExpr) \
            else KERNELS[node.family]
        domains = {p.name: p.domain for p in declared}
        return [(node.family, parameter, value) for parameter, value in node.arguments
                if domains.get(parameter) in _POSITIVE_DOMAINS]
    if isinstance(node, ir.Call) and node.function in BUILTINS and BUILTINS[node.function].kind == "covariance":
        return [(node.function, "amplitude", node.args[-2]), (node.function, "length_scale", node.args[-1])]
    return []


def _unconstrained_scales(arguments, params, warned: set):
    for owner, parameter, value in arguments:
        name = _param_name(value)
        if name is None or name not in params or name in warned or _positive(params[name]):
            continue
        warned.add(name)
        declaration = params[name]
        shape = shape_str(declaration.type.shape) if declaration.type.shape else ""
        yield ir.CheckWarning(
            "scale",
            f"param '{name}' is {owner}'s '{parameter}', which must be positive, but '{name}' is "
            f"declared without a positivity constraint",
            value.span,
            hint=f"declare `param {name}: real<lower=0>{shape}`; as it is, every proposal below zero is rejected")


def _param_name(value) -> str | None:
    """The param a distribution argument is, itself or indexed (`sigma`, `sigma[g]`)."""
    while isinstance(value, ir.IndexOp):
        value = value.value
    return value.name if isinstance(value, ir.Variable) and value.role == ir.Role.PARAM else None


def _positive(declaration: ir.ParamDeclaration) -> bool:
    constraint = declaration.constraint
    if constraint.constraint in _NON_NEGATIVE_SHAPES:
        return True
    if constraint.constraint not in (C.LOWER, C.INTERVAL):
        return False
    lower = _number(constraint.bounds.lower)
    return lower is None or lower >= 0   # a bound that is an expression is not judged


def _number(expr) -> float | None:
    if isinstance(expr, ir.Constant):
        return float(expr.value)
    if isinstance(expr, ir.UnaryOp) and expr.op in "+-" and isinstance(expr.operand, ir.Constant):
        return float(expr.operand.value) * (-1 if expr.op == "-" else 1)
    return None


# ---- Jacobians -----------------------------------------------------------------------------

def _jacobian(statement: ir.SampleStatement) -> ir.CheckWarning | None:
    culprit = _non_linear_part(statement.value)
    if culprit is None:
        return None
    params = sorted({n.name for n in ir.walk_expr(culprit)
                     if isinstance(n, ir.Variable) and n.role == ir.Role.PARAM})
    named = ", ".join(f"'{p}'" for p in params)
    written, culprit_text = expr_text(statement.value), expr_text(culprit)
    term = _log_jacobian_term(culprit)
    jacobian = f"`target += {term}`" if term else "`target += ` the log absolute determinant of its Jacobian"
    return ir.CheckWarning(
        "jacobian",
        f"the value of this `~` is a non-linear function of the param{'s' if len(params) > 1 else ''} {named}"
        + (f" ({culprit_text})" if culprit_text != written else ""),
        statement.value.span,
        hint=f"this is a density of {written}, not of {named}: if it is meant for {named}, add the transform's "
             f"log-Jacobian, {jacobian}; if it is meant for {written} (a soft constraint), ignore this warning")


def _non_linear_part(expr):
    """The outermost sub-expression that applies a non-linear operation to a param, or None when
    expr is affine in the params (as written: names of deterministics and locals are opaque)."""
    if not _depends_on_params(expr) or expr.type.dtype != "real":
        return None
    if isinstance(expr, ir.Variable):
        return None
    if isinstance(expr, ir.UnaryOp) and expr.op in "+-":
        return _non_linear_part(expr.operand)
    if isinstance(expr, ir.IndexOp):
        return _non_linear_part(expr.value)
    if isinstance(expr, ir.Stack):
        return next((c for c in map(_non_linear_part, expr.items) if c is not None), None)
    if isinstance(expr, ir.BinaryOp):
        left, right = _depends_on_params(expr.left), _depends_on_params(expr.right)
        if expr.op in ("+", "-") or (expr.op in ("*", "@") and not (left and right)) \
                or (expr.op == "/" and not right):
            return _non_linear_part(expr.left) or _non_linear_part(expr.right)
        return expr
    if isinstance(expr, ir.Call) and expr.function in _LINEAR_CALLS:
        return _non_linear_part(expr.args[0])
    if isinstance(expr, ir.Call) and expr.function == "where" and not _depends_on_params(expr.args[0]):
        return _non_linear_part(expr.args[1]) or _non_linear_part(expr.args[2])
    if isinstance(expr, ir.Call) and expr.function == "dot" and not all(map(_depends_on_params, expr.args)):
        return _non_linear_part(expr.args[0]) or _non_linear_part(expr.args[1])
    return expr


def _depends_on_params(expr) -> bool:
    return any(isinstance(n, ir.Variable) and n.role == ir.Role.PARAM for n in ir.walk_expr(expr))


def _log_jacobian_term(culprit) -> str | None:
    """The log-Jacobian of the two transforms modellers write most, of a bare param."""
    if isinstance(culprit, ir.Call) and len(culprit.args) == 1 and _param_name(culprit.args[0]) is not None:
        argument = expr_text(culprit.args[0])
        if culprit.function == "log":
            return f"-log({argument})"
        if culprit.function == "exp":
            return argument
    return None
